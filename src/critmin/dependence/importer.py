"""Importer dependence: an importer's supplier shares, importer-side HHI and top supplier from
bilateral trade rows.

**Importer dependence** (docs/methods.md §1, "importer-side concentration"): from bilateral ``trade`` rows
(an importer's imports by partner), :func:`supplier_shares` gives each supplier's share of the
importer's imports of a set of HS lines, :func:`importer_hhi` the HHI of those shares and
:func:`top_supplier` the largest supplier; :func:`importer_dependence_table` puts them together per
year. Rules:

* Shares are of the **sum of the supplying countries** (and country groups such as ``BEL+LUX``). The
  World row (``WLD``) is the published total: it is not a supplier, and is used to report how much of
  it the partners cover (``share_of_world``, ``coverage``). Aggregates (``CT:490`` "Other Asia, nes",
  ``CT:899`` "Areas, nes", free zones) and the importer's imports from itself (re-imports) are kept
  out of shares and HHI, like "Other countries" in supply tables, and their sum is reported
  (``other_sum``).
* ``by="quantity_kg"`` (default) or ``"value_usd"``. A supplier whose quantity is missing (not
  reported, suppressed) is left out of quantity shares and counted in ``n_missing``; its value is
  still there to read.
* A bloc (the EU) is one importer: :func:`bloc_rows` sums its member reporters' rows per partner
  and keeps trade between members (intra-bloc, not dependence) apart.
* Several HS lines are summed per partner; lines that contain one another (``2846`` and ``284690``)
  would double count and raise. Two rows for one partner, line and year (two sources or editions)
  raise: choose one first.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

__all__ = ["MEASURES", "supplier_shares", "importer_hhi", "top_supplier", "importer_dependence_table",
           "bloc_rows"]


MEASURES = ("quantity_kg", "value_usd")
"""Measures a share can be taken of: net weight [kg] or trade value [USD]."""

_NONSUPPLIER_KINDS = ("aggregate", "bloc")


def _codes(hs_codes) -> list[str]:
    from critmin.hs import nested_pairs, normalize_code

    codes = [hs_codes] if isinstance(hs_codes, (str, int)) else list(hs_codes)
    if not codes:
        raise ValueError("no HS codes given")
    out = list(dict.fromkeys(normalize_code(c) for c in codes))
    nested = nested_pairs(out)
    if nested:
        raise ValueError(f"HS lines {nested[0][0]} and {nested[0][1]} contain one another; summing "
                         "them double counts (choose one level)")
    return out


def supplier_shares(
    trade_df: pd.DataFrame,
    importer: str,
    hs_codes,
    year: int | None = None,
    by: str = "quantity_kg",
    *,
    flow: str = "import",
    freq: str = "A",
) -> pd.DataFrame:
    """Each supplier's share of an importer's imports of a set of HS lines, per year.

    Parameters
    ----------
    trade_df : DataFrame
        Rows of the ``trade`` table (:mod:`critmin.schema`), one source and edition per value.
    importer : str
        ISO3 of the importing (reporting) country.
    hs_codes : str or sequence of str
        HS lines to sum (e.g. ``["2846"]``); lines must not contain one another.
    year : int, optional
        Only this year.
    by : {"quantity_kg", "value_usd"}
        Measure of the shares: net weight [kg] or value [USD].
    flow : str, default "import"
        Trade flow of the importer's rows.
    freq : str, default "A"
        ``A`` annual (periods are years) or ``M`` (the year of each month; sums over months).

    Returns
    -------
    DataFrame
        One row per year and supplier (countries and country groups; not ``WLD``, aggregates or the
        importer itself), largest share first: ``importer``, ``year``, ``partner``,
        ``partner_kind``, ``quantity_kg`` [kg], ``value_usd`` [USD], ``share`` [1] (of the suppliers'
        sum of ``by``; NaN when the supplier's measure is missing), ``share_of_world`` [1] (of the
        published World total, NaN without one), ``rank``, ``missing``; and per year
        ``partner_sum``, ``world_total``, ``other_sum`` (aggregates and re-imports) [unit of ``by``],
        ``coverage`` [1] ((partner_sum + other_sum) / world_total) and ``n_missing`` (suppliers
        without the measure).

    Raises
    ------
    ValueError
        On an unknown measure, nested HS lines, or two rows for one partner, line and year.

    Examples
    --------
    >>> import pandas as pd
    >>> rows = pd.DataFrame({"reporter": "CHN", "flow": "import", "freq": "A", "hs_code": "2846",
    ...     "period": "2024-01-01", "partner": ["MMR", "MYS", "WLD"],
    ...     "partner_kind": ["country", "country", "aggregate"],
    ...     "quantity_kg": [75.0, 25.0, 100.0], "value_usd": [1.0, 1.0, 2.0]})
    >>> supplier_shares(rows, "CHN", ["2846"])[["partner", "share"]].to_dict("records")
    [{'partner': 'MMR', 'share': 0.75}, {'partner': 'MYS', 'share': 0.25}]
    """
    if by not in MEASURES:
        raise ValueError(f"unknown measure {by!r}; expected one of {MEASURES}")
    codes = _codes(hs_codes)
    cols = ["importer", "year", "partner", "partner_kind", "quantity_kg", "value_usd", "share",
            "share_of_world", "rank", "missing", "partner_sum", "world_total", "other_sum",
            "coverage", "n_missing"]
    mask = ((trade_df["reporter"] == importer) & (trade_df["flow"] == flow)
            & (trade_df["freq"] == freq) & trade_df["hs_code"].astype(str).isin(codes))
    # only the columns read below (every selection and sort then copies these, not the provenance)
    df = trade_df.loc[mask, [c for c in trade_df.columns if c in _SHARE_INPUTS]].copy()
    df["year"] = pd.to_datetime(df["period"].astype(str)).dt.year if len(df) else pd.Series(
        dtype=int)
    if year is not None:
        df = df[df["year"] == int(year)]
    if df.empty:
        return pd.DataFrame(columns=cols)
    key = ["year", "partner", "hs_code"] + (["period"] if freq == "M" else [])
    dup = df.duplicated(key, keep=False)
    if dup.any():
        d = df[dup].sort_values(key).iloc[0]
        raise ValueError(f"several rows for partner {d['partner']}, HS {d['hs_code']}, year "
                         f"{d['year']} (sources or editions): select one of each first")
    if "missing" not in df.columns:
        df["missing"] = None
    kind = df["partner_kind"].astype(object).where(df["partner_kind"].notna(), "country")
    df["_role"] = np.where(df["partner"] == "WLD", "world",
                           np.where((df["partner"] == importer) | kind.isin(_NONSUPPLIER_KINDS),
                                    "other", "supplier"))

    agg = _partner_sums(df)
    res = _year_shares(agg, by)
    if res is None:
        return pd.DataFrame(columns=cols)
    res["importer"] = importer
    return res[cols].reset_index(drop=True)


_SHARE_INPUTS = frozenset({"reporter", "flow", "freq", "hs_code", "period", "partner", "partner_kind",
                           "quantity_kg", "value_usd", "missing"})
"""The ``trade`` columns :func:`supplier_shares` reads."""


def _segments(*keys: np.ndarray) -> np.ndarray:
    """Start positions of the runs of equal keys in arrays sorted by those keys."""
    n = len(keys[0])
    if n == 0:
        return np.zeros(0, dtype=np.intp)
    change = np.zeros(n - 1, dtype=bool)
    for k in keys:
        change |= k[1:] != k[:-1]
    return np.concatenate(([0], np.flatnonzero(change) + 1))


def _segment_sum(values: np.ndarray, starts: np.ndarray, *, skipna: bool) -> np.ndarray:
    """Sum of each run of ``values`` beginning at ``starts``, NaN where a run has a NaN unless
    ``skipna`` (then NaN counts as 0). Bit for bit ``Series.sum`` of each run: runs of one or two
    values are added directly, longer ones with ``np.sum`` (its pairwise order)."""
    if len(starts) == 0:
        return np.zeros(0, float)
    nan = np.isnan(values)
    filled = np.where(nan, 0.0, values)
    ends = np.append(starts[1:], len(values))
    size = ends - starts
    out = filled[starts].copy()
    two = size >= 2
    out[two] += filled[starts[two] + 1]
    for i in np.flatnonzero(size > 2):
        out[i] = filled[starts[i]:ends[i]].sum()
    if not skipna:
        out[np.logical_or.reduceat(nan, starts)] = np.nan
    return out


def _partner_sums(df: pd.DataFrame) -> pd.DataFrame:
    """One row per (year, partner), sorted by both: the first partner kind and role, the measures
    summed over the HS lines (NaN when a line lacks the measure) and the joined ``missing`` tokens."""
    df = df[df["year"].notna() & df["partner"].notna()]
    df = df.sort_values(["year", "partner"], kind="stable")
    starts = _segments(df["year"].to_numpy(), df["partner"].to_numpy(object))
    # one row per (year, partner) run: the keys of its first row, the first partner kind that is
    # not missing and the first role (as groupby(...).agg("first"), without the groupby)
    ends = np.append(starts[1:], len(df))
    kind_ok = df["partner_kind"].notna().to_numpy(bool)
    known = np.flatnonzero(kind_ok)
    nxt = known[np.minimum(np.searchsorted(known, starts), max(len(known) - 1, 0))] if len(known) \
        else starts
    kind_pos = np.where((nxt < ends) & (len(known) > 0), nxt, starts)
    agg = pd.DataFrame({
        "year": df["year"].iloc[starts].reset_index(drop=True),
        "partner": df["partner"].iloc[starts].reset_index(drop=True),
        "partner_kind": df["partner_kind"].iloc[kind_pos].reset_index(drop=True),
        "role": df["_role"].iloc[starts].reset_index(drop=True),
    })
    for col in MEASURES:
        agg[col] = _segment_sum(df[col].to_numpy(float), starts, skipna=False)
    miss = df["missing"].to_numpy(object)
    group = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, len(df))))
    tokens: dict[int, set[str]] = {}
    for i in np.flatnonzero(pd.notna(miss)):
        if str(miss[i]):
            tokens.setdefault(int(group[i]), set()).add(str(miss[i]))
    joined = np.full(len(starts), None, dtype=object)
    for g, t in tokens.items():
        joined[g] = ";".join(sorted(t))
    agg["missing"] = joined
    return agg


def _year_shares(agg: pd.DataFrame, by: str) -> pd.DataFrame | None:
    """The suppliers' rows of :func:`_partner_sums` with their shares, ranks and per-year totals
    (year first, then largest ``by`` first, then partner); None when no year has rows."""
    if agg.empty:
        return None
    role = agg["role"].to_numpy(object)
    year = agg["year"].to_numpy()
    val = agg[by].to_numpy(float)
    years, inv = np.unique(year, return_inverse=True)

    def per_year(mask: np.ndarray) -> np.ndarray:
        idx = np.flatnonzero(mask)
        out = np.zeros(len(years), float)
        if len(idx):
            starts = _segments(year[idx])
            out[inv[idx[starts]]] = _segment_sum(val[idx], starts, skipna=True)
        return out

    sup_mask = role == "supplier"
    partner_sum = per_year(sup_mask)
    other_sum = per_year(role == "other")
    world_total = np.full(len(years), np.nan)
    w = np.flatnonzero(role == "world")
    if len(w):  # one World row per year (rows are per partner); its first when repeated
        first = w[_segments(year[w])]
        world_total[inv[first]] = val[first]
    sup = agg[sup_mask].copy()
    yi = inv[sup_mask]
    v = val[sup_mask]
    ps, wt, os_ = partner_sum[yi], world_total[yi], other_sum[yi]
    with np.errstate(divide="ignore", invalid="ignore"):
        sup["share"] = np.where(ps > 0, v / ps, np.nan)
        sup["share_of_world"] = np.where(wt > 0, v / wt, np.nan)
        coverage = np.where(wt > 0, (ps + os_) / wt, np.nan)
    sup["partner_sum"] = ps
    sup["world_total"] = wt
    sup["other_sum"] = os_
    sup["coverage"] = coverage
    n_missing = np.bincount(yi[np.isnan(v)], minlength=len(years))
    sup["n_missing"] = n_missing[yi].astype(np.int64)
    # year ascending, then the measure descending (missing last), then the partner
    pcode = pd.factorize(sup["partner"].to_numpy(object), sort=True)[0]
    order = np.lexsort((pcode, np.where(np.isnan(v), np.inf, -v), yi))
    sup = sup.iloc[order].reset_index(drop=True)
    yo = yi[order]
    starts = _segments(yo)
    sup["rank"] = (np.arange(len(yo)) - np.repeat(starts, np.diff(np.append(starts, len(yo))))
                   + 1).astype(np.int64)
    return sup


def importer_hhi(shares):
    """HHI of an importer's supplier shares (docs/methods.md §1: importer-side concentration).

    Parameters
    ----------
    shares : DataFrame, Series, mapping or array
        The output of :func:`supplier_shares` (then one HHI per year), or one year's shares [1] or
        quantities (normalised to their sum).

    Returns
    -------
    float or Series
        ``sum(S_c^2)`` [1] in [1/n, 1]; a Series indexed by year for a :func:`supplier_shares`
        table. NaN when no supplier has a positive measure.

    Examples
    --------
    >>> round(importer_hhi({"MMR": 0.6, "LAO": 0.3, "MYS": 0.1}), 6)
    0.46
    """
    from critmin.supply.concentration import hhi

    if isinstance(shares, pd.DataFrame):
        return shares.groupby("year")["share"].apply(lambda s: hhi(s.to_numpy())).rename("hhi")
    vals = shares.values() if isinstance(shares, Mapping) else shares
    return hhi(np.asarray(list(vals), float))


def top_supplier(shares):
    """The largest supplier and its share.

    Parameters
    ----------
    shares : DataFrame, Series or mapping
        The output of :func:`supplier_shares` (then one row per year), or one year's shares [1]
        keyed by partner.

    Returns
    -------
    tuple or DataFrame
        ``(partner, share)`` [ISO3, 1] for one year (ties: alphabetical first; ``(None, nan)`` when
        empty); a DataFrame ``year, top_supplier, top_share`` for a table.
    """
    if isinstance(shares, pd.DataFrame):
        rows = []
        for y, grp in shares[["year", "partner", "share"]].groupby("year", sort=True):
            p, s = _top_of(grp["partner"].to_numpy(object), grp["share"].to_numpy(float))
            rows.append({"year": y, "top_supplier": p, "top_share": s})
        return pd.DataFrame(rows, columns=["year", "top_supplier", "top_share"])
    s = pd.Series(shares, dtype=float).dropna()
    if s.empty or not (s > 0).any():
        return None, float("nan")
    s = s.sort_index().sort_values(ascending=False, kind="stable")
    return str(s.index[0]), float(s.iloc[0])


def _top_of(partners: np.ndarray, share: np.ndarray) -> tuple[str | None, float]:
    """:func:`top_supplier` of one year's shares as arrays (partners unique): the largest share,
    ties to the partner first in sort order; ``(None, nan)`` without a positive share."""
    ok = ~np.isnan(share)
    s, p = share[ok], partners[ok]
    if not len(s) or not (s > 0).any():
        return None, float("nan")
    top = s.max()
    return str(min(p[s == top])), float(top)


def importer_dependence_table(
    trade_df: pd.DataFrame,
    importer: str,
    hs_codes,
    *,
    commodity: str | None = None,
    by: str = "quantity_kg",
    year: int | None = None,
    flow: str = "import",
    freq: str = "A",
) -> pd.DataFrame:
    """Tidy importer-dependence table: supplier shares with the year's HHI and top supplier.

    Parameters
    ----------
    trade_df : DataFrame
        ``trade`` rows, one source and edition per value.
    importer : str
        ISO3 of the importer.
    hs_codes : str or sequence of str
        HS lines summed (see :func:`supplier_shares`).
    commodity : str, optional
        Catalogue id written to the ``commodity`` column.
    by : {"quantity_kg", "value_usd"}
        Measure of the shares.
    year : int, optional
        Only this year.
    flow, freq : str
        As :func:`supplier_shares`.

    Returns
    -------
    DataFrame
        The columns of :func:`supplier_shares` plus ``commodity``, ``hhi`` [1], ``hhi_points``
        [points, 0-10,000], ``top_supplier`` [ISO3], ``top_share`` [1] and ``n_suppliers`` (suppliers
        with a positive measure), per year.
    """
    sh = supplier_shares(trade_df, importer, hs_codes, year=year, by=by, flow=flow, freq=freq)
    if sh.empty:
        return sh.assign(commodity=pd.Series(dtype=object), hhi=pd.Series(dtype=float),
                         hhi_points=pd.Series(dtype=float), top_supplier=pd.Series(dtype=object),
                         top_share=pd.Series(dtype=float), n_suppliers=pd.Series(dtype=int))
    h = importer_hhi(sh)
    top = top_supplier(sh).set_index("year")
    n = sh.assign(pos=sh[by] > 0).groupby("year")["pos"].sum()
    out = sh.assign(
        commodity=commodity,
        hhi=sh["year"].map(h),
        top_supplier=sh["year"].map(top["top_supplier"]),
        top_share=sh["year"].map(top["top_share"]),
        n_suppliers=sh["year"].map(n).astype(int),
    )
    out["hhi_points"] = out["hhi"] * 10_000
    first = ["importer", "commodity", "year", "partner"]
    return out[first + [c for c in out.columns if c not in first]]



_KEY = ["partner", "flow", "hs_code", "period", "freq"]


def bloc_rows(trade_df: pd.DataFrame, members, bloc: str = "EU", *,
              flow: str = "import") -> tuple[pd.DataFrame, pd.DataFrame]:
    """A bloc's imports as the rows of one importer: its member reporters' rows summed per partner.

    Trade between members is not dependence: rows whose partner is a member are kept apart
    (``intra``) and left out of the bloc's rows. A World row (``WLD``) of the bloc is the members'
    World rows less their intra-bloc rows, and only when every member present has one.

    Parameters
    ----------
    trade_df : DataFrame
        ``trade`` rows of one source and edition (reporters other than members are ignored).
    members : iterable of str
        ISO3 codes of the bloc's members (present in the data or not).
    bloc : str
        Code written to ``reporter`` (``EU``).
    flow : str, default "import"
        Flow of the rows summed.

    Returns
    -------
    extra : DataFrame
        One row per partner outside the bloc, line, period and frequency, with the columns of the
        input (``reporter`` = ``bloc``): ``quantity_kg`` [kg] is the sum of the weights the members
        reported (NaN only when none did), ``value_usd`` [USD] the sum of values; ``missing`` names
        the members without a weight (``not_reported:SWE``) when some lack one; ``notes`` keeps the
        members' notes (hub tokens); ``n_members`` counts the members reporting the partner.
    intra : DataFrame
        The members' rows whose partner is a member (columns of the input).

    Examples
    --------
    >>> import pandas as pd
    >>> rows = pd.DataFrame({"reporter": ["DEU", "DEU", "ITA"], "partner": ["CHN", "FRA", "CHN"],
    ...     "partner_kind": "country", "flow": "import", "hs_code": "2846", "period": "2023-01-01",
    ...     "freq": "A", "quantity_kg": [10.0, 5.0, 30.0], "value_usd": [1.0, 1.0, 2.0]})
    >>> extra, intra = bloc_rows(rows, ["DEU", "FRA", "ITA"])
    >>> extra[["reporter", "partner", "quantity_kg"]].to_dict("records")
    [{'reporter': 'EU', 'partner': 'CHN', 'quantity_kg': 40.0}]
    >>> intra["partner"].tolist()
    ['FRA']
    """
    mem = {str(m) for m in members}
    df = trade_df[trade_df["reporter"].isin(mem) & (trade_df["flow"] == flow)].copy()
    if "missing" not in df.columns:
        df["missing"] = None
    if "notes" not in df.columns:
        df["notes"] = None
    intra = df[df["partner"].isin(mem)].reset_index(drop=True)
    out = df[~df["partner"].isin(mem) & (df["partner"] != "WLD")]
    cols = list(trade_df.columns)
    if out.empty:
        return pd.DataFrame(columns=[*cols, "n_members"]), intra

    def _qsum(s: pd.Series) -> float:
        return float(s.sum()) if s.notna().any() else np.nan

    def _lacking(g: pd.DataFrame) -> str | None:
        lack = sorted(g.loc[g["quantity_kg"].isna(), "reporter"].astype(str))
        return ("not_reported:" + "+".join(lack)) if lack else None

    def _notes(s: pd.Series) -> str | None:
        parts = [p for x in s.dropna() for p in str(x).split("; ") if p]
        return "; ".join(dict.fromkeys(parts)) or None

    keys = [k for k in _KEY if k in out.columns]
    extra_keys = [c for c in ("source", "edition") if c in out.columns]
    recs = []
    for k, g in out.groupby(keys + extra_keys, sort=True, dropna=False):
        rec = dict(zip(keys + extra_keys, k if isinstance(k, tuple) else (k,), strict=True))
        first = g.iloc[0]
        for c in cols:
            rec.setdefault(c, first[c])
        rec.update(reporter=bloc, quantity_kg=_qsum(g["quantity_kg"]),
                   value_usd=_qsum(g["value_usd"]), missing=_lacking(g), notes=_notes(g["notes"]),
                   n_members=int(g["reporter"].nunique()))
        if "row" in cols:
            rec["row"] = int(g["row"].min())
        recs.append(rec)
    world = df[df["partner"] == "WLD"]
    present = set(df["reporter"])
    if not world.empty and set(world["reporter"]) >= present:
        for k, g in world.groupby([c for c in keys if c != "partner"] + extra_keys, sort=True,
                                  dropna=False):
            key = dict(zip([c for c in keys if c != "partner"] + extra_keys,
                           k if isinstance(k, tuple) else (k,), strict=True))
            sel = intra
            for c, v in key.items():
                sel = sel[sel[c] == v]
            rec = {c: g.iloc[0][c] for c in cols}
            rec.update(key)
            rec.update(reporter=bloc, partner="WLD",
                       quantity_kg=_qsum(g["quantity_kg"]) - float(sel["quantity_kg"].sum()),
                       value_usd=_qsum(g["value_usd"]) - float(sel["value_usd"].sum()),
                       missing=None, notes="members' World rows less their intra-bloc rows",
                       n_members=int(g["reporter"].nunique()))
            recs.append(rec)
    res = pd.DataFrame.from_records(recs)
    return res[[*cols, "n_members"]].reset_index(drop=True), intra
