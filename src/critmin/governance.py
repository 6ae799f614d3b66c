"""Governance scores from the Worldwide Governance Indicators (docs/methods.md §2).

Pure functions on the ``governance`` table (see :func:`critmin.sources.wgi.read_wgi`):

* :func:`wgi_mean` — the mean of the six WGI estimates of each country in one year
  [1, about -2.5..+2.5, higher is better governance];
* :func:`wgi_scaled` — that mean rescaled to 0–10 with 10 = worst governance, using the fixed bounds
  ±2.5 (not the observed minimum and maximum) and clipped, as the EU (JRC) criticality method does
  for ``HHI_WGI,t`` (see :func:`critmin.supply.concentration.governance_weighted_hhi`);
* :func:`geopolrisk_g` — the GeoPolRisk governance factor ``g = clip((2.5 - PV) / 5, 0, 1)`` from
  the Political Stability and Absence of Violence estimate (``pv``).

A country without a value stays NaN: the callers report it, nothing fills it silently.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["WGI_INDICATORS", "WGI_LO", "WGI_HI", "wgi_mean", "wgi_scaled", "geopolrisk_g"]

WGI_INDICATORS = ("va", "pv", "ge", "rq", "rl", "cc")
"""The six WGI indicators."""

WGI_LO, WGI_HI = -2.5, 2.5
"""The fixed bounds of the WGI estimate scale used for rescaling [1]."""


def wgi_mean(governance_df: pd.DataFrame, year: int, *, min_indicators: int = 6) -> pd.Series:
    """Mean of the six WGI estimates per country in one year.

    Parameters
    ----------
    governance_df : DataFrame
        Rows of the ``governance`` table (columns ``country``, ``year``, ``indicator``,
        ``estimate``), one edition (e.g. the warehouse's ``governance_latest`` view).
    year : int
        Data year of the estimates [calendar year].
    min_indicators : int
        Fewest non-missing indicators a country needs for a mean (default 6: all of them);
        countries with fewer get NaN.

    Returns
    -------
    Series
        Mean estimate [1, about -2.5..+2.5, higher is better governance], indexed by ISO3 country,
        named ``wgi_mean``, sorted by country.

    Raises
    ------
    ValueError
        When columns are missing, the year has no rows, ``min_indicators`` is not in 1..6, or a
        country has two rows for one indicator in that year.
    """
    need = {"country", "year", "indicator", "estimate"}
    lacking = need - set(governance_df.columns)
    if lacking:
        raise ValueError(f"governance_df lacks columns {sorted(lacking)}")
    if not 1 <= min_indicators <= len(WGI_INDICATORS):
        raise ValueError(
            f"min_indicators must be in 1..{len(WGI_INDICATORS)}, got {min_indicators}")
    d = governance_df[governance_df["year"] == year]
    d = d[d["indicator"].isin(WGI_INDICATORS)]
    if d.empty:
        years = sorted(pd.Series(governance_df["year"]).dropna().astype(int).unique())
        span = f"{years[0]}–{years[-1]}" if years else "none"
        raise ValueError(f"no WGI estimates for {year}; years present: {span}")
    dup = d.duplicated(["country", "indicator"], keep=False)
    if dup.any():
        first = d[dup].iloc[0]
        raise ValueError(f"{first['country']} has several {first['indicator']!r} rows for {year}; "
                         "pass one edition (e.g. the governance_latest view)")
    wide = d.pivot(index="country", columns="indicator", values="estimate").astype(float)
    n = wide.notna().sum(axis=1)
    mean = wide.mean(axis=1, skipna=True).where(n >= min_indicators)
    mean.index = mean.index.astype(str)
    mean.index.name = "country"
    return mean.rename("wgi_mean").sort_index()


def wgi_scaled(
    mean: pd.Series | float | np.ndarray,
    lo: float = WGI_LO,
    hi: float = WGI_HI,
) -> pd.Series | float | np.ndarray:
    """Rescale WGI estimates to 0–10, 10 = worst governance (EU criticality method).

    ``WGI_scaled = clip(10 * (hi - x) / (hi - lo), 0, 10)``: with the default fixed bounds ±2.5,
    an estimate of +2.5 gives 0, 0 gives 5 and -2.5 gives 10.

    Parameters
    ----------
    mean : Series, float or array
        WGI estimates, usually :func:`wgi_mean` [1, about -2.5..+2.5].
    lo, hi : float
        Fixed bounds of the estimate scale [1] (defaults -2.5 and +2.5; not the observed range).
        Values outside them are clipped.

    Returns
    -------
    Series, float or array
        Scaled score [1, 0–10, 10 = worst governance], same shape and index as ``mean``
        (a Series is named ``wgi_scaled``); NaN stays NaN.

    Raises
    ------
    ValueError
        When ``lo >= hi``.
    """
    if not lo < hi:
        raise ValueError(f"lo must be below hi, got lo={lo}, hi={hi}")
    if isinstance(mean, pd.Series):
        out = (10.0 * (hi - mean.astype(float)) / (hi - lo)).clip(0.0, 10.0)
        return out.rename("wgi_scaled")
    arr = np.clip(10.0 * (hi - np.asarray(mean, dtype=float)) / (hi - lo), 0.0, 10.0)
    return float(arr) if arr.ndim == 0 else arr


def geopolrisk_g(
    pv: pd.Series | float | np.ndarray,
    lo: float = WGI_LO,
    hi: float = WGI_HI,
) -> pd.Series | float | np.ndarray:
    """GeoPolRisk governance factor ``g = clip((2.5 - PV) / 5, 0, 1)`` (Koyamparambath 2024).

    Parameters
    ----------
    pv : Series, float or array
        WGI Political Stability and Absence of Violence/Terrorism estimate (indicator ``pv``) of
        the supplier in the year assessed [1, about -2.5..+2.5].
    lo, hi : float
        Bounds of the estimate scale [1] (defaults -2.5, +2.5, which give the formula above:
        ``g = clip((hi - PV) / (hi - lo), 0, 1)``).

    Returns
    -------
    Series, float or array
        g [1, 0–1, 1 = least stable], same shape and index as ``pv`` (a Series is named ``g``);
        NaN stays NaN (report the partner, do not score it). The importer's own g is 0 by
        convention; that is the caller's to apply.

    Raises
    ------
    ValueError
        When ``lo >= hi``.
    """
    if not lo < hi:
        raise ValueError(f"lo must be below hi, got lo={lo}, hi={hi}")
    if isinstance(pv, pd.Series):
        return ((hi - pv.astype(float)) / (hi - lo)).clip(0.0, 1.0).rename("g")
    arr = np.clip((hi - np.asarray(pv, dtype=float)) / (hi - lo), 0.0, 1.0)
    return float(arr) if arr.ndim == 0 else arr
