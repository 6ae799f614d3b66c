"""The vectorised computations behind the report (issue 16 item 4) equal the straightforward ones.

:func:`critmin.dependence.importer.supplier_shares` sums per partner and year with NumPy instead of a
Python function per group, and :func:`critmin.supply.trend` computes every year's supply table in one
grouped pass: both are checked here, exactly (same floats, same order, same dtypes), against the
per-group computations they replace, on every importer and HS line set of the bundled warehouse, and
with hypothesis on synthetic trade rows (shares sum to 1, ranks follow the measure).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from critmin.dependence.importer import supplier_shares
from critmin.warehouse import open_warehouse

_COLS = ["importer", "year", "partner", "partner_kind", "quantity_kg", "value_usd", "share",
         "share_of_world", "rank", "missing", "partner_sum", "world_total", "other_sum", "coverage",
         "n_missing"]


def _reference_shares(df: pd.DataFrame, importer: str, by: str) -> pd.DataFrame:
    """The per-group computation :func:`supplier_shares` used before (one Python call per group)
    on rows already filtered to the importer, flow and lines, with ``year`` and ``_role``."""

    def _sum(s: pd.Series) -> float:
        return float(s.sum()) if s.notna().all() else np.nan

    agg = df.groupby(["year", "partner"], sort=True).agg(
        partner_kind=("partner_kind", "first"),
        role=("_role", "first"),
        quantity_kg=("quantity_kg", _sum),
        value_usd=("value_usd", _sum),
        missing=("missing", lambda s: ";".join(sorted({str(x) for x in s.dropna() if str(x)}))
                 or None),
    ).reset_index()
    out = []
    for _y, grp in agg.groupby("year", sort=True):
        sup = grp[grp["role"] == "supplier"].copy()
        world = grp.loc[grp["role"] == "world", by]
        world_total = float(world.iloc[0]) if len(world) and pd.notna(world.iloc[0]) else np.nan
        other = grp.loc[grp["role"] == "other", by]
        other_sum = float(other.sum()) if len(other) else 0.0
        partner_sum = float(sup[by].sum())
        sup["share"] = sup[by] / partner_sum if partner_sum > 0 else np.nan
        sup["share_of_world"] = sup[by] / world_total if world_total > 0 else np.nan
        sup = sup.sort_values([by, "partner"], ascending=[False, True], na_position="last")
        sup["rank"] = np.arange(1, len(sup) + 1)
        sup["importer"] = importer
        sup["partner_sum"] = partner_sum
        sup["world_total"] = world_total
        sup["other_sum"] = other_sum
        sup["coverage"] = (partner_sum + other_sum) / world_total if world_total > 0 else np.nan
        sup["n_missing"] = int(sup[by].isna().sum())
        out.append(sup)
    return pd.concat(out, ignore_index=True)[_COLS].reset_index(drop=True)


def _prepared(trade: pd.DataFrame, importer: str, codes: list[str]) -> pd.DataFrame:
    df = trade[(trade["reporter"] == importer) & (trade["flow"] == "import") & (trade["freq"] == "A")
               & trade["hs_code"].astype(str).isin(codes)].copy()
    df["year"] = pd.to_datetime(df["period"].astype(str)).dt.year
    if "missing" not in df.columns:
        df["missing"] = None
    kind = df["partner_kind"].astype(object).where(df["partner_kind"].notna(), "country")
    df["_role"] = np.where(df["partner"] == "WLD", "world",
                           np.where((df["partner"] == importer) | kind.isin(("aggregate", "bloc")),
                                    "other", "supplier"))
    return df


@pytest.fixture(scope="module")
def trade(warehouse_path) -> pd.DataFrame:
    with open_warehouse(warehouse_path, read_only=True) as wh:
        return wh.table("trade")


def _cases(trade: pd.DataFrame):
    """(name, rows, importer, lines) of every annual import series of the warehouse (its source,
    edition and reporter): each HS line alone, and the commodity's default lines together where they
    are not nested."""
    from critmin import hs as _hs
    from critmin.commodities import ids

    line_sets = set()
    for cid in ids():
        lines = tuple(_hs.default_lines(cid))
        if len(lines) > 1 and not _hs.nested_pairs(list(lines)):
            line_sets.add(lines)
    ann = trade[(trade["flow"] == "import") & (trade["freq"] == "A")]
    for i, ((src, ed, imp), rows) in enumerate(ann.groupby(["source", "edition", "reporter"])):
        if src in ("oec", "comtrade-bilateral") and i % 16:
            continue  # one reporter in 16 of the many-reporter extracts (the test's run time)
        have = set(rows["hs_code"].astype(str))
        for lines in sorted({(c,) for c in have} | {s for s in line_sets if set(s) & have}):
            yield f"{src} {ed} {imp} {'+'.join(lines)}", rows, imp, list(lines)


def test_supplier_shares_equal_reference_on_every_series(trade):
    n = 0
    for name, rows, imp, lines in _cases(trade):
        prepared = _prepared(rows, imp, lines)
        if prepared.duplicated(["year", "partner", "hs_code"]).any():
            continue  # two rows per partner and line: supplier_shares refuses them (tested elsewhere)
        for by in ("quantity_kg", "value_usd"):
            got = supplier_shares(rows, imp, lines, by=by)
            want = _reference_shares(prepared, imp, by)
            pd.testing.assert_frame_equal(got, want, check_exact=True, obj=f"{name} by {by}")
            n += 1
    assert n >= 150  # every comtrade and USITC series and a sample of the OEC and bilateral ones


_partners = st.sampled_from(["AUS", "BRA", "CAN", "CHN", "DEU", "JPN", "MMR", "USA", "WLD", "CT:490"])
_qty = st.one_of(st.none(), st.floats(0, 1e9, allow_nan=False), st.just(0.0))


@st.composite
def _trade_rows(draw):
    recs = []
    for year in draw(st.lists(st.integers(2015, 2024), min_size=1, max_size=3, unique=True)):
        for partner in draw(st.lists(_partners, min_size=1, max_size=8, unique=True)):
            for code in draw(st.lists(st.sampled_from(["2846", "280530"]), min_size=1, max_size=2,
                                      unique=True)):
                q = draw(_qty)
                recs.append({"reporter": "USA", "flow": "import", "freq": "A", "hs_code": code,
                             "period": f"{year}-01-01", "partner": partner,
                             "partner_kind": "aggregate" if partner in ("WLD", "CT:490") else "country",
                             "quantity_kg": np.nan if q is None else q,
                             "value_usd": draw(st.floats(0, 1e9, allow_nan=False)),
                             "missing": None if q is not None else "not_reported"})
    return pd.DataFrame.from_records(recs)


@settings(max_examples=60, deadline=None)
@given(_trade_rows(), st.sampled_from(["quantity_kg", "value_usd"]))
def test_supplier_shares_properties(rows, by):
    got = supplier_shares(rows, "USA", ["2846", "280530"], by=by)
    prepared = _prepared(rows, "USA", ["2846", "280530"])
    if (prepared["_role"] == "supplier").any():
        pd.testing.assert_frame_equal(got, _reference_shares(prepared, "USA", by), check_exact=True)
    assert not got["partner"].isin(["USA", "WLD", "CT:490"]).any()
    for _y, g in got.groupby("year"):
        assert g["rank"].tolist() == list(range(1, len(g) + 1))
        v = g[by].to_numpy()
        known = v[~np.isnan(v)]
        assert (np.diff(known) <= 0).all()  # largest first
        assert np.isnan(v[len(known):]).all()  # missing measures last
        if g["partner_sum"].iloc[0] > 0:
            assert g["share"].sum() == pytest.approx(1.0, rel=1e-12)
        assert g["n_missing"].iloc[0] == int(np.isnan(v).sum())


def test_supply_totals_equal_supply_table_on_every_group(warehouse_path):
    import warnings

    from critmin.supply.concentration import supply_table, supply_totals

    with open_warehouse(warehouse_path, read_only=True) as wh:
        rows = wh.query("SELECT * FROM production WHERE measure = 'production'")
    keys = ["commodity", "stage", "product", "year", "edition"]
    rows["product"] = rows["product"].fillna("")
    got = supply_totals(rows, keys)
    groups = list(rows.groupby(keys, sort=True))
    assert len(got) == len(groups) > 500
    # every group of the report's commodities' latest years, and one in ten of the others
    from critmin.report import DEFAULT_COMMODITIES

    for i, (tot, (key, grp)) in enumerate(zip(got, groups, strict=True)):
        if not ((key[0] in DEFAULT_COMMODITIES and key[3] >= 2015) or i % 10 == 0):
            continue
        assert tot["key"] == key
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            table, want = supply_table(grp)
        for k in ("world_total", "countries_total", "other_countries", "other_share", "hhi",
                  "hhi_points", "n_countries"):
            a, b = tot[k], want[k]
            assert (a == b) or (a != a and b != b), (key, k, a, b)  # exactly, NaN equal to NaN
        assert list(tot["countries"]) == table["country"].tolist(), key
        np.testing.assert_array_equal(tot["quantity"], table["quantity"].to_numpy(float))
        np.testing.assert_array_equal(tot["share"], table["share"].to_numpy(float))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["AUS", "CHN", "USA", "COD", "WLD", "OTH"]),
                          st.one_of(st.none(), st.floats(0, 1e7, allow_nan=False))),
                min_size=1, max_size=12),
       st.integers(2020, 2022))
def test_supply_totals_properties(recs, year):
    from critmin.supply.concentration import supply_table, supply_totals

    rows = pd.DataFrame({
        "year": year, "edition": "MCS2025", "country": [c for c, _ in recs],
        "country_kind": ["aggregate" if c in ("WLD", "OTH") else "country" for c, _ in recs],
        "quantity_t": [np.nan if q is None else q for _, q in recs], "value": np.nan, "unit": "t",
        "missing": [None if q is not None else "W" for _, q in recs], "estimated": False})
    (tot,) = supply_totals(rows, ["year", "edition"])
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table, want = supply_table(rows)
    assert list(tot["countries"]) == table["country"].tolist()
    np.testing.assert_array_equal(tot["share"], table["share"].to_numpy(float))
    assert tot["hhi"] == want["hhi"] or (tot["hhi"] != tot["hhi"] and want["hhi"] != want["hhi"])
    q = tot["quantity"]
    known = q[~np.isnan(q)]
    assert (np.diff(known) <= 0).all() and np.isnan(q[len(known):]).all()  # largest first
    if tot["world_total"] is None and tot["countries_total"] + tot["other_countries"] > 0:
        assert np.nansum(tot["share"]) + tot["other_share"] == pytest.approx(1.0, rel=1e-12)


class _Memo:
    """A warehouse's memo (:meth:`critmin.warehouse.Warehouse.cached`) without a database."""

    def __init__(self) -> None:
        self.memo: dict = {}

    def cached(self, key, compute):
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]


def test_memo_result_computes_once_and_hands_out_copies():
    from critmin._memo import memo_result

    wh, calls = _Memo(), []

    def job():
        calls.append(1)
        return {"table": pd.DataFrame({"share": [0.75, 0.25]})}

    a = memo_result(wh, ("supply", "gallium"), job)
    a["table"].loc[0, "share"] = 9.0  # a caller editing its result
    b = memo_result(wh, ("supply", "gallium"), job)
    assert len(calls) == 1
    assert b["table"]["share"].tolist() == [0.75, 0.25]
    memo_result(wh, ("supply", "cobalt"), job)
    assert len(calls) == 2
    memo_result(object(), ("supply", "gallium"), job)  # no memo: computed
    assert len(calls) == 3


def test_memo_result_remembers_data_errors_only():
    from critmin._memo import memo_result
    from critmin.errors import DataError

    wh, calls = _Memo(), []

    def failing():
        calls.append(1)
        raise DataError("no production data for commodity 'x'")

    for _ in range(2):
        with pytest.raises(DataError, match="no production data"):
            memo_result(wh, ("supply", "x"), failing)
    assert len(calls) == 1

    def broken():
        calls.append(1)
        raise ZeroDivisionError

    for _ in range(2):
        with pytest.raises(ZeroDivisionError):
            memo_result(wh, ("supply", "y"), broken)
    assert len(calls) == 3  # not a data error: not remembered


def test_supply_memo_cleared_when_the_data_change(tmp_path):
    """A result memoised on the warehouse is recomputed after an ingest (the memo is cleared)."""
    from critmin.supply import supply

    with open_warehouse(tmp_path / "w.duckdb") as wh:
        wh.build_from_bundle()
        first = supply("gallium", warehouse=wh)
        # memoised under the resolved stage: supply("gallium", stage="refinery") is the same job
        assert ("job-result", "supply", "gallium", None, first.stage, None, None, "usgs", False) \
            in wh._memo
        again = supply("gallium", warehouse=wh)
        assert again is not first
        pd.testing.assert_frame_equal(again.table, first.table)
        wh.build_from_bundle()
        assert not any(isinstance(k, tuple) and k[:1] == ("job-result",) for k in wh._memo)
