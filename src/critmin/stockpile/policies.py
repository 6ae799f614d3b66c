"""Stockholding policies side by side: 0 / 60 / 100 / 180 days of consumption vs the optimum.

For each policy (a stock S [t]): its purchase value, the expected annual cost ``h S + pi p E[L(S)]``,
the expected shortfall per disruption ``E[L(S)]``, the probability that the stock runs out in a
disruption, and the months of cover in the 95th-percentile disruption.

*Months of cover in the 95th-percentile disruption*: the run whose shortfall without a stock is at the
95th percentile of all runs; with an ample stock the region would draw ``need_t`` [t] from it in each
month of that run; a stock S covers those months in order until it is used up
(:func:`months_of_cover`, fractional for the month it runs out in).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from critmin.stockpile.cover import tonnes_to_days

__all__ = ["months_of_cover", "policy_table", "POLICY_COLUMNS"]

POLICY_COLUMNS = ("policy", "days", "stock_t", "purchase_usd", "holding_cost_usd", "expected_shortfall_t",
                  "expected_shortage_cost_usd", "expected_cost_usd", "p_stockout", "months_of_cover_p95",
                  "covers_p95", "interpolated")


def months_of_cover(stock_t: float, need_t) -> tuple[float, bool]:
    """How many months of a disruption's draw a stock covers.

    Parameters
    ----------
    stock_t : float
        Stock [t].
    need_t : array
        What the region draws from an ample stock in each month [t/month] (months without a draw count
        for nothing).

    Returns
    -------
    months : float
        Months with a draw that the stock covers, in order; the month it runs out counts the covered
        fraction [months].
    covers_all : bool
        True when the stock covers every month of the draw.
    """
    need = np.asarray(need_t, float)
    need = need[need > 0]
    if need.size == 0:
        return 0.0, True
    cum_before = np.concatenate([[0.0], np.cumsum(need)[:-1]])
    frac = np.clip((float(stock_t) - cum_before) / need, 0.0, 1.0)
    return float(frac.sum()), bool(float(stock_t) >= need.sum() * (1 - 1e-12))


def policy_table(points: pd.DataFrame, policies: list[tuple[str, float]], *, annual_t: float,
                 price_usd_per_t: float, holding: float, probability: float, shortage_cost: float,
                 need_p95_t=None) -> pd.DataFrame:
    """The policy comparison of one material.

    Parameters
    ----------
    points : DataFrame
        Evaluated stocks: ``stock_t`` [t], ``expected_shortfall_t`` [t per disruption] and
        ``p_stockout`` [1] (the share of disruptions in which the stock runs out).
    policies : list of (str, float) or (str, float, float)
        Label, stock [t] and optionally the nominal days of cover [days] of each policy (default: from
        the stock and ``annual_t``). A stock not among ``points`` is interpolated linearly between its
        neighbours (and flagged).
    annual_t : float
        The region's annual consumption [t/yr] (for days of cover).
    price_usd_per_t, holding, probability, shortage_cost : float
        P0 [USD/t], h [USD/t/yr], pi [1/yr], p [USD/t].
    need_p95_t : array, optional
        Monthly draw from an ample stock in the 95th-percentile disruption [t/month].

    Returns
    -------
    DataFrame
        The columns of :data:`POLICY_COLUMNS`; costs per year [USD/yr] except ``purchase_usd`` [USD].
    """
    pts = points.sort_values("stock_t")
    s = pts["stock_t"].to_numpy(float)
    rows = []
    for label, stock, *nominal in policies:
        hit = np.flatnonzero(np.isclose(s, stock, rtol=1e-9, atol=1e-12))
        if hit.size:
            r = pts.iloc[int(hit[0])]
            el, ps, interp = float(r["expected_shortfall_t"]), float(r["p_stockout"]), False
        else:
            el = float(np.interp(stock, s, pts["expected_shortfall_t"]))
            ps = float(np.interp(stock, s, pts["p_stockout"]))
            interp = True
        mc, covers = (months_of_cover(stock, need_p95_t) if need_p95_t is not None else (np.nan, False))
        hold = holding * stock
        short = probability * shortage_cost * el
        days = float(nominal[0]) if nominal else (tonnes_to_days(stock, annual_t) if annual_t > 0 else np.nan)
        rows.append({"policy": label, "days": days,
                     "stock_t": float(stock), "purchase_usd": stock * price_usd_per_t,
                     "holding_cost_usd": hold, "expected_shortfall_t": el,
                     "expected_shortage_cost_usd": short, "expected_cost_usd": hold + short,
                     "p_stockout": ps, "months_of_cover_p95": mc, "covers_p95": covers,
                     "interpolated": interp})
    return pd.DataFrame(rows, columns=list(POLICY_COLUMNS))
