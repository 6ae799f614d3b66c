"""The faster paths of the report's criticality, outlook, dependence and supply parts (issue 16 item 4)
give what the code before them gave: each is compared, exactly, with the earlier implementation
(kept here as the reference) on the bundled data and on synthetic cases with its edge cases."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from critmin.warehouse import open_warehouse


@pytest.fixture(scope="module")
def wh(warehouse_path):
    with open_warehouse(warehouse_path, read_only=True) as w:
        yield w


# ----------------------------------------------------------------------------- references
def _stage_years_reference(supply_rows: pd.DataFrame) -> pd.DataFrame:
    """stage_years as it was: one supply_table per (stage, year)."""
    from critmin.outlook.balance import STAGE_ORDER
    from critmin.supply.concentration import hhi_of_total, supply_table

    out = []
    for (stage, year), grp in supply_rows.groupby(["stage", "year"], sort=False):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            table, tot = supply_table(grp.assign(estimated=False))
        total = tot["world_total"] if tot["world_total"] else tot["countries_total"] + \
            tot["other_countries"]
        t = table.dropna(subset=["quantity"])
        t = t[t["quantity"] > 0]
        chn = t.loc[t["country"] == "CHN", "quantity"]
        out.append({
            "stage": stage, "year": int(year),
            "projected": bool(grp["projected"].astype(bool).any()),
            "basis": str(grp["basis"].dropna().iloc[0]) if grp["basis"].notna().any() else "",
            "supply_t": float(total), "countries_t": float(tot["countries_total"]),
            "other_t": float(tot["other_countries"]),
            "other_share": tot["other_countries"] / total if total else math.nan,
            "china_share": float(chn.sum()) / total if total else math.nan,
            "top_country": str(t["country"].iloc[0]) if len(t) else None,
            "top_share": float(t["quantity"].iloc[0]) / total if len(t) and total else math.nan,
            "top3_share": float(t["quantity"].iloc[:3].sum()) / total if total else math.nan,
            "hhi": hhi_of_total(t["quantity"], total),
            "hhi_points": hhi_of_total(t["quantity"], total) * 10_000,
            "n_countries": tot["n_countries"],
        })
    df = pd.DataFrame(out)
    if df.empty:
        return df
    order = {s: i for i, s in enumerate(STAGE_ORDER)}
    df["_o"] = df["stage"].map(order).fillna(len(order))
    return df.sort_values(["_o", "stage", "year"]).drop(columns="_o").reset_index(drop=True)


def _sum_series_reference(rows: pd.DataFrame, labels: list[str]) -> pd.Series:
    sel = rows[rows["detail"].isin(labels)]
    if sel.empty:
        return pd.Series(dtype=float)
    wide = sel.pivot_table(index="year", columns="detail", values="quantity_t", aggfunc="first",
                           dropna=False)
    wide = wide.reindex(columns=labels)
    return wide.sum(axis=1, min_count=len(labels)).where(wide.notna().all(axis=1))


def _top_supplier_reference(shares: pd.DataFrame) -> pd.DataFrame:
    from critmin.dependence.importer import top_supplier

    rows = []
    for y, grp in shares.groupby("year", sort=True):
        p, s = top_supplier(pd.Series(grp["share"].to_numpy(), index=grp["partner"]))
        rows.append({"year": y, "top_supplier": p, "top_share": s})
    return pd.DataFrame(rows, columns=["year", "top_supplier", "top_share"])


# ----------------------------------------------------------------------------- outlook
def test_stage_years_equals_one_supply_table_per_stage_and_year(wh):
    from critmin.outlook.balance import in_file_order, stage_years

    sup = in_file_order(wh.table("outlook_supply"))  # stage_years sums in IEA's order, as the reference
    assert len(sup)
    n = 0
    for _key, g in sup.groupby(["commodity", "case", "edition"]):
        # the table as it is, without IEA's World rows, with every other row, and without China
        for sub in (g, g[g["country"] != "WLD"], g.iloc[::2], g[g["country"] != "CHN"]):
            pd.testing.assert_frame_equal(stage_years(sub), _stage_years_reference(sub),
                                          check_exact=True)
            n += 1
    assert n >= 20


def test_outlook_scenarios_share_the_supply_side_but_not_their_frames(wh):
    from critmin.outlook import outlook, outlook_from_tables
    from critmin.sources.iea import CASE

    a = outlook("lithium", scenario="STEPS", warehouse=wh)
    a.stages.loc[0, "supply_t"] = -1.0  # a caller editing its result
    b = outlook("lithium", scenario="APS", warehouse=wh)
    assert (b.stages["supply_t"] > 0).all()
    sup = wh.table("outlook_supply", commodity="lithium", case=CASE)
    dem = wh.table("outlook_demand", commodity="lithium", series="total_demand")
    sup, dem = sup[sup["edition"] == b.edition], dem[dem["edition"] == b.edition]
    ref = outlook_from_tables(sup, dem, commodity="lithium", scenario="APS")
    for name in ("stages", "supply", "demand", "balance"):
        pd.testing.assert_frame_equal(getattr(b, name), getattr(ref, name), check_exact=True)
    assert b.notes == ref.notes


# ----------------------------------------------------------------------------- dependence
def test_sum_series_equals_the_pivot_table():
    from critmin.dependence.nir import _sum_series

    rows = pd.DataFrame({
        "year": [2020, 2020, 2021, 2021, 2021, 2022, 2022, 2023, 2020],
        "detail": ["a", "b", "a", "b", "a", "a", "b", "b", "a"],
        "quantity_t": [1.5, 2.25, np.nan, 4.0, 3.0, 5.0, np.nan, 7.0, 9.0],
    }).astype({"detail": object})
    for labels in (["a"], ["b"], ["a", "b"], ["b", "a"], ["a", "c"], ["c"], ["a", "a"]):
        got = _sum_series(rows, labels)
        ref = _sum_series_reference(rows, labels)
        years = [2019, 2020, 2021, 2022, 2023]
        np.testing.assert_array_equal(got.reindex(years).to_numpy(), ref.reindex(years).to_numpy())
    # the first value of a series and year wins (9.0 is a later row of a, 2020); 2021's a is 3.0
    assert _sum_series(rows, ["a", "b"]).reindex([2020, 2021]).tolist() == [3.75, 7.0]
    assert _sum_series(rows, ["a", "b"]).reindex([2022, 2023]).isna().all()


def test_partner_sums_first_kind_skips_missing():
    from critmin.dependence.importer import _partner_sums

    df = pd.DataFrame({
        "year": np.array([2023, 2023, 2023, 2024, 2024, 2024], dtype=np.int32),
        "partner": ["CHN", "CHN", "AUS", "CHN", "WLD", "AUS"],
        "partner_kind": [None, "country", None, "country", "aggregate", None],
        "_role": ["supplier", "supplier", "supplier", "supplier", "world", "supplier"],
        "quantity_kg": [1.0, 2.0, 3.0, np.nan, 10.0, 5.0],
        "value_usd": [1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
        "missing": [None, None, None, "withheld", None, None],
    })
    agg = _partner_sums(df)
    d = df.sort_values(["year", "partner"], kind="stable")
    ref = d.groupby(["year", "partner"], sort=True).agg(
        partner_kind=("partner_kind", "first"), role=("_role", "first")).reset_index()
    pd.testing.assert_frame_equal(agg[["year", "partner", "partner_kind", "role"]], ref,
                                  check_exact=True)
    assert pd.isna(agg["partner_kind"].iloc[0]) and agg["partner_kind"].iloc[1] == "country"
    assert agg["quantity_kg"].tolist()[:2] == [3.0, 3.0]


def test_top_supplier_per_year_equals_the_series_rule():
    from critmin.dependence.importer import top_supplier

    shares = pd.DataFrame({
        "year": [2020, 2020, 2020, 2021, 2021, 2022, 2023, 2023],
        "partner": ["MYS", "CHN", "AUS", "CHN", "AUS", "CHN", "AUS", "CHN"],
        "share": [0.4, 0.4, 0.2, np.nan, 0.0, np.nan, 0.5, 0.5],
    })
    got = top_supplier(shares)
    pd.testing.assert_frame_equal(got, _top_supplier_reference(shares), check_exact=True)
    # ties: alphabetical first; no positive share: none
    assert [x if isinstance(x, str) else None for x in got["top_supplier"]] == ["CHN", None, None, "AUS"]


def test_top_supplier_on_bundled_trade_equals_the_series_rule(wh):
    from critmin.dependence.importer import supplier_shares, top_supplier
    from critmin.hs import default_lines

    n = 0
    for cid in ("rare-earths", "cobalt", "gallium", "graphite", "tungsten"):
        rows = wh.table("trade", reporter="USA", flow="import", freq="A", hs_code=default_lines(cid))
        for (_src, _ed), one in rows.groupby(["source", "edition"]):
            for code in sorted(set(one["hs_code"])):
                sh = supplier_shares(one, "USA", [code])
                if sh.empty:
                    continue
                pd.testing.assert_frame_equal(top_supplier(sh), _top_supplier_reference(sh),
                                              check_exact=True)
                n += 1
    assert n >= 5


# ----------------------------------------------------------------------------- supply
def test_trend_rows_pick_the_edition_the_year_loop_picked(wh):
    from critmin.supply.job import _latest_edition, _select, _trend_rows

    for cid in ("rare-earths", "lithium", "cobalt", "gallium", "graphite"):
        _com, _st, _pr, rows = _select(wh, cid, None, None)
        ref = []
        for _y, grp in rows.groupby("year"):
            valued = grp[grp["value"].notna()]
            if valued.empty:
                continue
            has_c = valued[valued["country_kind"] != "aggregate"]
            ed = _latest_edition(has_c if len(has_c) else valued)
            ref.append(grp[grp["edition"] == ed])
        got = rows.iloc[np.concatenate(_trend_rows(rows))]
        pd.testing.assert_frame_equal(got, pd.concat(ref), check_exact=True)


# ----------------------------------------------------------------------------- criticality
def test_parameter_index_gives_the_filtered_rows():
    from critmin.criticality.parameters import _par, _ParamIndex, _ptext, _pval, load_parameters

    params = load_parameters()
    idx = _ParamIndex(params)
    assert idx.attrs == {"path": params.attrs["path"]} and idx.frame.attrs == {}
    from critmin.report import DEFAULT_COMMODITIES

    keys = list(params[["commodity", "parameter"]].drop_duplicates().itertuples(index=False))
    # every key of the report's commodities and one in three of the others (the test's run time)
    checked = [(c, p) for i, (c, p) in enumerate(keys) if c in DEFAULT_COMMODITIES or i % 3 == 0]
    assert len(checked) > len(keys) // 3
    for cid, par in checked:
        want = _par(params, cid, par)
        pd.testing.assert_frame_equal(_par(idx, cid, par), want, check_exact=True)
        got_v, want_v = _pval(idx, cid, par), _pval(params, cid, par)
        assert got_v == want_v or (math.isnan(got_v) and math.isnan(want_v))
        assert _ptext(idx, cid, par) == _ptext(params, cid, par)
    pd.testing.assert_frame_equal(_par(idx, "cobalt", "t", stage="P"),
                                  _par(params, "cobalt", "t", stage="P"), check_exact=True)
    assert _par(idx, "no-such", "t").empty and list(_par(idx, "no-such", "t").columns) == \
        list(params.columns)


def test_parameters_parsed_once_per_content_and_copied(tmp_path):
    from critmin.criticality.parameters import load_parameters

    a = load_parameters()
    a.loc[0, "value"] = -99.0
    a.attrs["rows"].append(-1)
    b = load_parameters()
    assert b.loc[0, "value"] != -99.0 and b.attrs["rows"][-1] != -1
    p = tmp_path / "p.csv"
    p.write_text("commodity,parameter,value\ngallium,si_sr,0.9\n", encoding="utf-8")
    assert load_parameters(p)["value"].tolist() == [0.9]
    p.write_text("commodity,parameter,value\ngallium,si_sr,0.8\n", encoding="utf-8")
    assert load_parameters(p)["value"].tolist() == [0.8]  # new content: read again


def test_memo_shared_once_per_warehouse(wh):
    from critmin._memo import memo_shared

    calls = []

    def compute():
        calls.append(1)
        return object()

    a = memo_shared(wh, ("test-memo-shared",), compute)
    assert memo_shared(wh, ("test-memo-shared",), compute) is a and len(calls) == 1
    assert memo_shared(object(), ("test-memo-shared",), compute) is not a and len(calls) == 2


def test_criticality_runs_repeat_their_results(wh):
    """A second run on the same warehouse (shared WGI, NIR, parameters) gives the first's result."""
    from critmin.criticality import criticality

    for method in ("eu", "usgs"):
        a = criticality(method=method, importer="USA", warehouse=wh).to_frame()
        b = criticality(method=method, importer="USA", warehouse=wh).to_frame()
        pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_supply_default_stage_computed_once(wh):
    """supply(c) and supply(c, stage=its default stage) are one job: one memo entry, equal results,
    equal to the job computed without the memo."""
    from critmin.supply import supply
    from critmin.supply.job import _supply

    a = supply("cobalt", warehouse=wh)
    b = supply("Cobalt", stage=a.stage, warehouse=wh)
    keys = [k for k in wh._memo if isinstance(k, tuple) and k[:3] == ("job-result", "supply", "cobalt")
            and k[3] is None and k[4] == a.stage and k[5:] == (None, None, "usgs", False)]
    assert len(keys) == 1
    ref = _supply("cobalt", year=None, stage=None, product=None, edition=None, source="usgs",
                  stages=False, warehouse=wh)
    assert a.to_dict() == b.to_dict() == ref.to_dict()
    pd.testing.assert_frame_equal(a.table, ref.table, check_exact=True)


def test_sim_fields_equal_to_dict(wh):
    """The report reads a simulation's fields directly (``charts.sim_fields``) instead of computing its
    whole ``to_dict()`` several times: every field it reads is the same as in ``to_dict()``."""
    import critmin
    from critmin.report.charts import _SIM_FIELDS, sim_fields
    from critmin.stockpile.planning_scenarios import find_scenario

    sim = critmin.simulate(find_scenario("gallium"), runs=64, seed=3, warehouse=wh)
    d = sim.to_dict()
    got = sim_fields(sim, *_SIM_FIELDS)
    assert got == {k: d[k] for k in _SIM_FIELDS}
    assert got["price_peak_multiple"]["p50"] > 1.0  # a real figure, not an empty summary
