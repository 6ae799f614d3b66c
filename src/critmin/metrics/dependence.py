"""Import dependence: net import reliance (NIR) as USGS defines it, and its check against USGS.

METHODS.md §1::

    apparent consumption = production + imports - exports + stock change
    NIR = (imports - exports + stock change) / apparent consumption

``stock change`` is the net *release* from stocks (positive when stocks fall and so add to supply;
USGS writes "± adjustments for Government and industry stock changes"). NIR is a fraction here:
1.0 means all apparent consumption is met by net imports, a negative value means a net exporter
(USGS prints ``E``), and it is undefined (NaN) when apparent consumption is not positive.

:func:`nir_table` puts the NIR that USGS publishes (salient ``statistic == "nir"``, in percent, with
its ``>95``/``E`` qualifiers) beside the NIR recomputed from the published production, import, export
and stock series, per MCS edition and year, naming the series it used.

Notes
-----
Which series enter the recomputation matters and is not always the sum of everything:

* **Rare earths** (:data:`NIR_SERIES`): USGS reports NIR separately for *mineral concentrates* (the
  U.S. exports all its mine output: ``E``) and for *compounds and metals*. The latter is recomputed
  from production of compounds and metals, imports of compounds, ferrocerium/alloys and metals, and
  exports of ferrocerium/alloys and metals. Exports of "ores and compounds" are left out: they are
  mostly concentrates, and counting them makes apparent consumption negative. This reproduces the
  published apparent consumption for 2017-2022 (e.g. 2021: 120 + 8,639 - 845 = 7,914 t vs 7,900 t
  published in MCS 2026); from 2023 on, as U.S. separation output grows and part of it is exported
  inside "ores and compounds", the recomputed value drifts from the published one (2024: 11,505 t vs
  9,010 t), which the table shows rather than hides.
* **Other commodities** without an entry in :data:`NIR_SERIES`: a statistic is used only when the
  salient table holds exactly one mass series of it (or exactly one whose label says "total");
  otherwise the recomputation is NaN and ``computed_from`` says which series were ambiguous. Pass
  ``series=`` to choose.
* Stock changes are used only when given (``series["stock_change"]``: net releases such as
  government stockpile shipments, or ``series["stocks"]``: year-end levels, whose year-on-year fall
  is the release); by default the stock change is 0 and ``computed_from`` says so.
* A withheld (``W``) or unavailable input makes the recomputed NIR NaN for that year.

**Importer dependence** (METHODS.md §1, "importer-side concentration"): from bilateral ``trade`` rows
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
* Several HS lines are summed per partner; lines that contain one another (``2846`` and ``284690``)
  would double count and raise. Two rows for one partner, line and year (two sources or editions)
  raise: choose one first.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

__all__ = [
    "NIR_SERIES",
    "apparent_consumption",
    "net_import_reliance",
    "nir_table",
    "MEASURES",
    "supplier_shares",
    "importer_hhi",
    "top_supplier",
    "importer_dependence_table",
]

NIR_SERIES: dict[str, dict[str, tuple[str, ...]]] = {
    "rare-earths": {
        "nir": (
            "NIR_Compounds-Metals_pct",
            "NIR_Compounds-Metals_t",
            "Net import reliance as a percentage of apparent consumption: Compounds and metals",
        ),
        "production": (
            "USprod_Compounds-Metals_t",
            "Production: Compounds and metals",
        ),
        "imports": (
            "Imports_Compounds_t",
            "Imports_Alloys_t",
            "Imports_Metals_t",
            "Imports: Compounds",
            "Imports: Metals: Ferrocerium, alloys",
            "Imports: Metals: Rare-earth metals and alloys",
        ),
        "exports": (
            "Exports_Alloys_t",
            "Exports_Metals_t",
            "Exports: Metals: Ferrocerium, alloys",
            "Exports: Metals: Rare-earth metals and alloys",
        ),
    },
}
"""Commodity id -> statistic -> the salient ``detail`` labels to use, in all MCS layouts (wide-file
column names of MCS 2022-2025 and ``Statistics_detail`` texts of MCS 2026). Keys: ``nir`` (the
published NIR series to compare with), ``production``, ``imports``, ``exports``, and optionally
``stock_change`` (net releases) or ``stocks`` (year-end levels)."""

_INPUTS = ("production", "imports", "exports")


def apparent_consumption(imports, exports, production=0.0, stock_change=0.0):
    """Apparent consumption ``production + imports - exports + stock_change``.

    Parameters
    ----------
    imports : float or array_like
        Imports [t].
    exports : float or array_like
        Exports [t].
    production : float or array_like, default 0
        Domestic production [t].
    stock_change : float or array_like, default 0
        Net release from stocks [t]: positive when stocks fall.

    Returns
    -------
    float or ndarray
        Apparent consumption [t].
    """
    out = (np.asarray(production, float) + np.asarray(imports, float)
           - np.asarray(exports, float) + np.asarray(stock_change, float))
    return float(out) if out.ndim == 0 else out


def net_import_reliance(imports, exports, production=0.0, stock_change=0.0):
    """Net import reliance as a fraction of apparent consumption (METHODS.md §1).

    ``NIR = (imports - exports + stock_change) / (production + imports - exports + stock_change)``

    Parameters
    ----------
    imports : float or array_like
        Imports [t] (any one mass unit, the same for all arguments).
    exports : float or array_like
        Exports [t].
    production : float or array_like, default 0
        Domestic production [t].
    stock_change : float or array_like, default 0
        Net release from stocks [t]: positive when stocks fall (adds to supply), negative when
        stocks are built.

    Returns
    -------
    float or ndarray
        NIR [fraction]: 1.0 when all consumption is net-imported, negative for a net exporter, NaN
        where apparent consumption is zero or negative (USGS then prints ``E`` or nothing).

    Examples
    --------
    >>> net_import_reliance(imports=80.0, exports=10.0, production=30.0)
    0.7
    >>> net_import_reliance(imports=5.0, exports=50.0, production=100.0)
    -0.8181818181818182
    """
    net = np.asarray(imports, float) - np.asarray(exports, float) + np.asarray(stock_change, float)
    ac = np.asarray(production, float) + net
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(ac > 0, net / np.where(ac > 0, ac, 1.0), np.nan)
    return float(out) if out.ndim == 0 else out


def _pick(rows: pd.DataFrame, statistic: str, labels: Sequence[str] | None) -> tuple[list[str], str]:
    """Series (detail labels) of one statistic to use, or [] and the reason."""
    if labels is not None:
        if len(labels) == 0:
            return [], ""  # explicitly none: counts as zero
        wanted = [d for d in labels if d in set(rows["detail"])]
        return wanted, "" if wanted else f"none of the {statistic} series {list(labels)} present"
    cand = rows.loc[(rows["statistic"] == statistic) & rows["unit"].isin(["t", "kt", "Mt", "kg", "g"]),
                    "detail"].drop_duplicates().tolist()
    if len(cand) == 1:
        return cand, ""
    totals = [d for d in cand if re.search(r"(?i)total", d)]
    if len(totals) == 1:
        return totals, ""
    if not cand:
        return [], f"no {statistic} series"
    return [], f"ambiguous {statistic} series {cand}: pass series="


def _sum_series(rows: pd.DataFrame, labels: list[str]) -> pd.Series:
    """Sum of the series' quantity_t per year; NaN for a year where one of them is missing."""
    sel = rows[rows["detail"].isin(labels)]
    if sel.empty:
        return pd.Series(dtype=float)
    wide = sel.pivot_table(index="year", columns="detail", values="quantity_t", aggfunc="first",
                           dropna=False)
    wide = wide.reindex(columns=labels)
    return wide.sum(axis=1, min_count=len(labels)).where(wide.notna().all(axis=1))


def nir_table(
    salient: pd.DataFrame,
    commodity: str,
    *,
    series: Mapping[str, Sequence[str]] | None = None,
    country: str = "USA",
) -> pd.DataFrame:
    """Net import reliance per edition and year: as published, and recomputed from the inputs.

    Parameters
    ----------
    salient : DataFrame
        Rows of the ``salient`` table (see :mod:`critmin.schema`), any number of editions.
    commodity : str
        Catalogue id (``"rare-earths"``).
    series : mapping, optional
        Statistic -> salient ``detail`` labels to use (keys as in :data:`NIR_SERIES`). Defaults to
        ``NIR_SERIES[commodity]`` when present, else the automatic choice described in the module
        Notes.
    country : str, default "USA"
        Reporting country.

    Returns
    -------
    DataFrame
        One row per edition, year and published NIR series, with columns ``commodity``,
        ``edition``, ``year``, ``nir_detail`` (the published series), ``nir_reported`` [fraction],
        ``reported_qualifier`` (``">"``, ``"<"``), ``reported_missing`` (``net_exporter``,
        ``withheld`` ...), ``production_t``, ``imports_t``, ``exports_t``, ``stock_change_t``,
        ``apparent_consumption_t`` [t], ``nir_computed`` [fraction], ``computed_from`` (the series
        used, or why the recomputation is NaN) and ``estimated``. Empty when the commodity has no
        rows.
    """
    cols = ["commodity", "edition", "year", "nir_detail", "nir_reported", "reported_qualifier",
            "reported_missing", "production_t", "imports_t", "exports_t", "stock_change_t",
            "apparent_consumption_t", "nir_computed", "computed_from", "estimated"]
    df = salient[(salient["commodity"] == commodity) & (salient["country"] == country)]
    if df.empty:
        return pd.DataFrame(columns=cols)
    chosen = dict(series) if series is not None else dict(NIR_SERIES.get(commodity, {}))
    out = []
    for edition, rows in df.groupby("edition", sort=True):
        rows = rows.astype({"detail": object})
        used: dict[str, list[str]] = {}
        problems: list[str] = []
        for stat in _INPUTS:
            labels, why = _pick(rows, stat, chosen.get(stat))
            if stat == "production" and not labels and chosen.get(stat) is None \
                    and why == "no production series":
                labels, why = [], ""  # no production reported: counts as zero
            used[stat] = labels
            if why:
                problems.append(why)
        sums = {stat: _sum_series(rows, used[stat]) for stat in _INPUTS}
        years = sorted(rows["year"].dropna().astype(int).unique())
        stock = pd.Series(0.0, index=years)
        stock_note = "stock change taken as 0"
        if chosen.get("stock_change"):
            labs = [d for d in chosen["stock_change"] if d in set(rows["detail"])]
            stock = _sum_series(rows, labs).reindex(years)
            stock_note = f"stock change = {labs}"
        elif chosen.get("stocks"):
            labs = [d for d in chosen["stocks"] if d in set(rows["detail"])]
            level = _sum_series(rows, labs).reindex(years)
            stock = level.shift(1) - level  # a fall in year-end stocks is a release
            stock_note = f"stock change = fall of year-end {labs}"
        prod = sums["production"].reindex(years) if used["production"] else pd.Series(0.0,
                                                                                      index=years)
        imp = sums["imports"].reindex(years)
        exp = sums["exports"].reindex(years)
        ac = apparent_consumption(imp.to_numpy(), exp.to_numpy(), prod.to_numpy(),
                                  stock.to_numpy())
        nir = net_import_reliance(imp.to_numpy(), exp.to_numpy(), prod.to_numpy(),
                                  stock.to_numpy())
        if problems:
            computed_from = "; ".join(problems)
            nir = np.full(len(years), np.nan)
        else:
            computed_from = "; ".join(
                [f"{s} = {' + '.join(used[s]) or '0'}" for s in _INPUTS] + [stock_note])
        calc = pd.DataFrame({"year": years, "production_t": prod.to_numpy(),
                             "imports_t": imp.to_numpy(), "exports_t": exp.to_numpy(),
                             "stock_change_t": stock.to_numpy(), "apparent_consumption_t": ac,
                             "nir_computed": nir})
        inputs = rows[rows["detail"].isin(sum(used.values(), []))]
        est_in = inputs.groupby("year")["estimated"].any() if not inputs.empty else pd.Series(
            dtype=bool)
        nir_rows = rows[rows["statistic"] == "nir"]
        if chosen.get("nir") is not None:
            nir_rows = nir_rows[nir_rows["detail"].isin(chosen["nir"])]
        reported = nir_rows[["year", "detail", "value", "qualifier", "missing", "estimated"]]
        if reported.empty:
            reported = pd.DataFrame({"year": years, "detail": None, "value": np.nan,
                                     "qualifier": None, "missing": "not_available",
                                     "estimated": False})
        merged = reported.merge(calc, on="year", how="outer")
        for _, r in merged.sort_values(["year"]).iterrows():
            y = int(r["year"])
            est = bool(r["estimated"]) if pd.notna(r["estimated"]) else False
            est = est or bool(est_in.get(y, False))
            out.append({
                "commodity": commodity, "edition": edition, "year": y,
                "nir_detail": r["detail"] if pd.notna(r["detail"]) else None,
                "nir_reported": r["value"] / 100.0 if pd.notna(r["value"]) else np.nan,
                "reported_qualifier": r["qualifier"] if pd.notna(r["qualifier"]) else None,
                "reported_missing": r["missing"] if pd.notna(r["missing"]) else None,
                "production_t": r["production_t"], "imports_t": r["imports_t"],
                "exports_t": r["exports_t"], "stock_change_t": r["stock_change_t"],
                "apparent_consumption_t": r["apparent_consumption_t"],
                "nir_computed": r["nir_computed"],
                "computed_from": computed_from + _why_nan(r, bool(problems)),
                "estimated": est,
            })
    res = pd.DataFrame(out, columns=cols)
    for c in ("nir_detail", "reported_qualifier", "reported_missing", "computed_from"):
        res[c] = res[c].astype("string")
    return res.sort_values(["edition", "year", "nir_detail"], na_position="last",
                           ignore_index=True)


def _why_nan(r: pd.Series, ambiguous: bool) -> str:
    """Why a recomputed NIR is NaN in one year (beyond an ambiguous choice of series)."""
    if ambiguous or pd.notna(r["nir_computed"]):
        return ""
    inputs = [r["production_t"], r["imports_t"], r["exports_t"], r["stock_change_t"]]
    if any(pd.isna(v) for v in inputs):
        return " (an input is withheld or not available this year)"
    return " (apparent consumption <= 0: net exporter)"


# ---------------------------------------------------------------------------------------------
# Importer dependence: supplier shares, HHI, top supplier
# ---------------------------------------------------------------------------------------------

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
    df = trade_df[(trade_df["reporter"] == importer) & (trade_df["flow"] == flow)
                  & (trade_df["freq"] == freq)
                  & trade_df["hs_code"].astype(str).isin(codes)].copy()
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
    if not out:
        return pd.DataFrame(columns=cols)
    res = pd.concat(out, ignore_index=True)
    return res[cols].reset_index(drop=True)


def importer_hhi(shares):
    """HHI of an importer's supplier shares (METHODS.md §1: importer-side concentration).

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
    from critmin.metrics.concentration import hhi

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
        for y, grp in shares.groupby("year", sort=True):
            p, s = top_supplier(pd.Series(grp["share"].to_numpy(), index=grp["partner"]))
            rows.append({"year": y, "top_supplier": p, "top_share": s})
        return pd.DataFrame(rows, columns=["year", "top_supplier", "top_share"])
    s = pd.Series(shares, dtype=float).dropna()
    if s.empty or not (s > 0).any():
        return None, float("nan")
    s = s.sort_index().sort_values(ascending=False, kind="stable")
    return str(s.index[0]), float(s.iloc[0])


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

