"""Supply concentration: shares, top-n, HHI, governance-weighted HHI, reserves-to-production.

docs/methods.md §1. Shares are fractions in [0, 1]. ``HHI = sum(S_c^2)`` on fractions, in [1/n, 1] for n
suppliers; :func:`hhi_points` gives the 0–10,000 scale (US DOJ bands: < 1,500 low, 1,500–2,500
moderate, > 2,500 high). Published aggregates are not countries: a "World total" row is used only as the
published denominator and to check the country sum; "Other countries" is kept out of the HHI and reported
as its own share of the total.

All functions are pure: they take arrays or DataFrames of the ``production`` table and return numbers or
tidy DataFrames.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from critmin.errors import ConsistencyError

__all__ = [
    "hhi",
    "hhi_points",
    "hhi_band",
    "shares",
    "top_n_share",
    "governance_weighted_hhi",
    "hhi_of_total",
    "reserves_to_production",
    "supply_table",
    "supply_totals",
    "concentration_summary",
    "check_world_total",
]


def _fractions(values: Iterable[float] | Mapping[object, float], normalize: bool) -> np.ndarray:
    arr = np.asarray(list(values.values()) if isinstance(values, Mapping) else list(values), float)
    arr = arr[~np.isnan(arr)]
    if (arr < 0).any():
        raise ValueError("shares and quantities must be non-negative")
    if normalize:
        total = arr.sum()
        if total <= 0:
            return np.array([], float)
        arr = arr / total
    return arr


def hhi(values: Iterable[float] | Mapping[object, float], *, normalize: bool = True) -> float:
    """Herfindahl–Hirschman index on fractions.

    Parameters
    ----------
    values : iterable of float or mapping
        Quantities [any unit] or shares [1] of each supplier; NaN entries are dropped.
    normalize : bool
        Divide by the sum first (default), so quantities can be passed directly. With False the
        values are taken as shares as they are (e.g. shares of a published world total).

    Returns
    -------
    float
        ``sum(S_c^2)`` [1], in [1/n, 1]; NaN when there is no positive quantity.
    """
    s = _fractions(values, normalize)
    if s.size == 0:
        return float("nan")
    return float(np.sum(s * s))


def hhi_points(values: Iterable[float] | Mapping[object, float], *, normalize: bool = True) -> float:
    """HHI on the 0–10,000 points scale (``hhi * 10_000``) [points]."""
    return hhi(values, normalize=normalize) * 10_000.0


def hhi_band(h: float) -> str:
    """US DOJ concentration band of an HHI given as a fraction [1]: low, moderate or high."""
    if np.isnan(h):
        return "n/a"
    p = h * 10_000
    return "low" if p < 1500 else ("moderate" if p <= 2500 else "high")


def shares(values: Mapping[object, float] | pd.Series) -> pd.Series:
    """Shares of the sum [1], sorted from largest; NaN quantities are dropped."""
    s = pd.Series(values, dtype=float).dropna()
    total = s.sum()
    if total <= 0:
        return s * np.nan
    return (s / total).sort_values(ascending=False)


def top_n_share(values: Mapping[object, float] | pd.Series, n: int = 1) -> float:
    """Combined share of the ``n`` largest suppliers [1]."""
    return float(shares(values).iloc[:n].sum())


def governance_weighted_hhi(
    share: Mapping[str, float] | pd.Series,
    wgi_scaled: Mapping[str, float] | pd.Series,
    trade_factor: Mapping[str, float] | pd.Series | None = None,
) -> float:
    """Governance-weighted concentration ``HHI_WGI,t = sum_c S_c^2 * WGI_c * t_c`` (docs/methods.md §2).

    Parameters
    ----------
    share : mapping of ISO3 to float
        Supply shares S_c [1] (fractions; not renormalised).
    wgi_scaled : mapping of ISO3 to float
        WGI rescaled to 0–10, 10 = worst governance [1] (see ``critmin.governance``).
    trade_factor : mapping of ISO3 to float, optional
        Trade parameter t_c [1] (0.8 EU trade agreement, 1 neutral, >1 export restrictions);
        1 for every country when omitted.

    Returns
    -------
    float
        HHI_WGI,t [1], on a 0–10 scale (HHI in [0, 1] times WGI in [0, 10]).

    Raises
    ------
    KeyError
        When a country with a positive share has no WGI value: a missing governance score is
        reported, never filled silently.
    """
    s = pd.Series(share, dtype=float).dropna()
    w = pd.Series(wgi_scaled, dtype=float)
    t = pd.Series(trade_factor, dtype=float) if trade_factor is not None else None
    missing = [c for c in s.index if s[c] > 0 and (c not in w.index or np.isnan(w[c]))]
    if missing:
        raise KeyError(f"no WGI value for {missing}")
    total = 0.0
    for c, sc in s.items():
        tc = 1.0 if t is None or c not in t.index or np.isnan(t[c]) else float(t[c])
        total += sc * sc * float(w[c]) * tc
    return float(total)


def hhi_of_total(quantities: pd.Series | np.ndarray, total: float) -> float:
    """HHI on shares of a published world total, the rest (Rest of world) left out [1].

    Parameters
    ----------
    quantities : Series or array
        The countries' quantities [t]; NaN dropped.
    total : float
        The world total they are shares of [t] (countries plus Rest of world).

    Returns
    -------
    float
        ``sum((q_c / total)^2)`` [1], a lower bound of the HHI when the rest is spread over many
        small producers; NaN when the total is not positive.
    """
    if total is None or not total > 0:
        return math.nan
    q = np.asarray(quantities, dtype=float)
    q = q[~np.isnan(q)]
    return hhi(q / float(total), normalize=False) if q.size else math.nan


def reserves_to_production(reserves_t: float, production_t_per_year: float) -> float:
    """Reserves-to-production ratio [years]; NaN when production is zero or either is missing."""
    if production_t_per_year is None or reserves_t is None:
        return float("nan")
    if np.isnan(production_t_per_year) or np.isnan(reserves_t) or production_t_per_year <= 0:
        return float("nan")
    return float(reserves_t) / float(production_t_per_year)


def check_world_total(
    countries_total: float,
    world_total: float,
    *,
    rel_tol: float = 0.05,
    strict: bool = False,
    what: str = "",
) -> float:
    """Compare the sum of countries (with "Other countries") to the published world total.

    USGS rounds world totals (to two or three significant figures), so a gap up to ``rel_tol`` is
    expected. Returns the relative gap; warns (or raises :class:`ConsistencyError` when ``strict``)
    beyond it.
    """
    if not world_total or np.isnan(world_total) or np.isnan(countries_total):
        return float("nan")
    gap = (countries_total - world_total) / world_total
    if abs(gap) > rel_tol:
        msg = (f"{what}: sum of countries {countries_total:,.0f} differs from the published world "
               f"total {world_total:,.0f} by {gap:+.1%} (tolerance {rel_tol:.0%})")
        if strict:
            raise ConsistencyError(msg)
        warnings.warn(msg, stacklevel=2)
    return float(gap)


def _qty(df: pd.DataFrame) -> pd.Series:
    """Quantity in tonnes where the unit is a mass, else the published value."""
    q = df["quantity_t"].astype(float)
    return q.where(q.notna() | df["missing"].notna(), df["value"].astype(float))


def supply_table(rows: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Producers of one commodity, stage, product, year and edition, with shares.

    Parameters
    ----------
    rows : DataFrame
        ``production`` rows of one (commodity, stage, measure, product, year, edition), countries
        and aggregates.

    Returns
    -------
    table : DataFrame
        One row per country (groups included, aggregates excluded), largest first: country, name,
        quantity [t or published unit], share (of the published world total when there is one, else of
        the country sum) [1], share_of_countries [1], cumulative_share [1], missing, estimated.
    totals : dict
        world_total (published, or None), countries_total (sum of countries), other_countries
        (the "Other countries" row), other_share, hhi (on countries' shares, "Other" excluded),
        hhi_points, hhi_band, n_countries, world_total_gap (relative gap of countries + other vs the
        published total).
    """
    from critmin.countries import country_name

    df = rows.copy()
    df["qty"] = _qty(df)
    countries = df[df["country_kind"] != "aggregate"].copy()
    world = df[df["country"] == "WLD"]
    other = df[df["country"] == "OTH"]
    world_total = float(world["qty"].sum()) if len(world) and world["qty"].notna().any() else None
    other_total = float(other["qty"].sum()) if len(other) and other["qty"].notna().any() else 0.0
    # one row per country (a country may appear with several details, e.g. crude and beneficiated)
    agg = countries.groupby("country", sort=False).agg(
        quantity=("qty", lambda s: s.sum(min_count=1)),
        missing=("missing", lambda s: ";".join(sorted({str(x) for x in s.dropna()})) or None),
        estimated=("estimated", "any"),
    )
    countries_total = float(agg["quantity"].sum())
    denom = world_total if world_total else countries_total + other_total
    out = agg.reset_index()
    out["name"] = out["country"].map(country_name)
    out["share"] = out["quantity"] / denom if denom else np.nan
    out["share_of_countries"] = out["quantity"] / countries_total if countries_total else np.nan
    out = out.sort_values(["quantity", "country"], ascending=[False, True], na_position="last")
    out["cumulative_share"] = out["share"].fillna(0).cumsum().where(out["quantity"].notna())
    h = hhi(out["quantity"].to_numpy())
    gap = (check_world_total(countries_total + other_total, world_total, what="world total")
           if world_total else float("nan"))
    totals = {
        "world_total": world_total,
        "countries_total": countries_total,
        "other_countries": other_total,
        "other_share": other_total / denom if denom else float("nan"),
        "hhi": h,
        "hhi_points": h * 10_000,
        "hhi_band": hhi_band(h),
        "n_countries": int(out["quantity"].gt(0).sum()),
        "world_total_gap": gap,
    }
    cols = ["country", "name", "quantity", "share", "share_of_countries", "cumulative_share",
            "estimated", "missing"]
    return out[cols].reset_index(drop=True), totals


def supply_totals(rows: pd.DataFrame, keys: list[str]) -> list[dict]:
    """The totals of :func:`supply_table` and each table's countries for many groups in one pass.

    Equal, bit for bit, to calling :func:`supply_table` on every group of ``rows`` by ``keys``
    (sorted), without building a DataFrame per group: the quantities are read once and each group's
    countries summed, ordered and shared out with NumPy.

    Parameters
    ----------
    rows : DataFrame
        ``production`` rows (columns of :func:`supply_table`'s input and ``keys``).
    keys : list of str
        Columns defining one table (e.g. ``["year", "edition"]``).

    Returns
    -------
    list of dict
        One per group, in sorted key order: ``key`` (tuple), ``index`` (the group's row positions in
        ``rows``), the keys of :func:`supply_table`'s ``totals`` except ``hhi_band`` and
        ``world_total_gap``, and ``countries``, ``quantity`` [t or published unit], ``share`` [1]:
        the table's columns, largest first.
    """
    qty = _qty(rows).to_numpy(float)
    country = rows["country"].to_numpy(object)
    is_country = (rows["country_kind"] != "aggregate").to_numpy(bool)
    is_world = country == "WLD"
    is_other = country == "OTH"
    out = []
    for key, idx in sorted(rows.groupby(keys, sort=True).indices.items()):
        q = qty[idx]
        w = q[is_world[idx]]
        world_total = float(np.nansum(w)) if len(w) and (~np.isnan(w)).any() else None
        o = q[is_other[idx]]
        other_total = float(np.nansum(o)) if len(o) and (~np.isnan(o)).any() else 0.0
        cq = q[is_country[idx]]
        cc = country[idx][is_country[idx]]
        names, first, inv = np.unique(cc.astype(str), return_index=True, return_inverse=True)
        order = np.argsort(first, kind="stable")  # first appearance, as groupby(sort=False)
        if len(names) == len(cc):
            quantity, codes = cq[first[order]], cc[first[order]]
        else:
            quantity = np.empty(len(order))
            for j, u in enumerate(order):
                vals = cq[inv == u]
                nan = np.isnan(vals)
                quantity[j] = np.nan if nan.all() else np.where(nan, 0.0, vals).sum()
            codes = cc[first[order]]
        countries_total = float(np.nansum(quantity)) if len(quantity) else 0.0
        denom = world_total if world_total else countries_total + other_total
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            share = quantity / denom if denom else np.full(len(quantity), np.nan)
        # largest first (missing last), then by country
        rank = np.lexsort((pd.factorize(codes, sort=True)[0] if len(codes) else codes,
                           np.where(np.isnan(quantity), np.inf, -quantity)))
        quantity, codes, share = quantity[rank], codes[rank], share[rank]
        h = hhi(quantity)
        out.append({
            "key": key if isinstance(key, tuple) else (key,),
            "index": idx,
            "world_total": world_total,
            "countries_total": countries_total,
            "other_countries": other_total,
            "other_share": other_total / denom if denom else float("nan"),
            "hhi": h,
            "hhi_points": h * 10_000,
            "n_countries": int((quantity > 0).sum()),
            "countries": codes,
            "quantity": quantity,
            "share": share,
        })
    return out


def concentration_summary(rows: pd.DataFrame) -> pd.DataFrame:
    """Per (commodity, stage, product, year, edition): totals, HHI, top producer and its share.

    Parameters
    ----------
    rows : DataFrame
        ``production`` rows (any number of commodities, years and editions).

    Returns
    -------
    DataFrame
        Tidy: commodity, stage, product, year, edition, world_total, countries_total, hhi,
        hhi_points, top_country, top_share, other_share, n_countries.
    """
    keys = ["commodity", "stage", "product", "year", "edition"]
    out = []
    for key, grp in rows.groupby(keys, dropna=False, sort=True):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            table, tot = supply_table(grp)
        top = table.dropna(subset=["quantity"])
        out.append({
            **dict(zip(keys, key, strict=True)),
            "world_total": tot["world_total"],
            "countries_total": tot["countries_total"] if len(top) else np.nan,
            "hhi": tot["hhi"],
            "hhi_points": tot["hhi_points"],
            "top_country": top["country"].iloc[0] if len(top) and top["quantity"].iloc[0] > 0
            else None,
            "top_share": float(top["share"].iloc[0]) if len(top) and top["quantity"].iloc[0] > 0
            else np.nan,
            "other_share": tot["other_share"],
            "n_countries": tot["n_countries"],
        })
    return pd.DataFrame(out)
