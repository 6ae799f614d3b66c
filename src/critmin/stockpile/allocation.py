"""A budget across materials for one region: the allocation and the efficient frontier.

Each material m has a piecewise-linear convex curve ``c_m(S)``: the expected annual shortfall cost
``pi_m * p_m * E[L_m(S)]`` [USD/yr] at stocks S [t] (the lower convex hull of the simulated points,
:mod:`critmin.stockpile.sizing`), a holding cost ``h_m`` [USD/t/yr] and a price ``P_m`` [USD/t]. A
budget B [USD] buys stocks at their prices:

    minimise   sum_m [ h_m S_m + c_m(S_m) ]     subject to   sum_m P_m S_m <= B,  0 <= S_m <= S_m,max

i.e. maximise the expected reduction of the annual cost. On segment k of material m (length
``l_mk`` [t]) one more tonne saves ``g_mk = -(slope of c_m) - h_m`` [USD/t/yr], ``g_mk / P_m`` per dollar
spent. The curves are convex, so ``g_mk`` falls along each material's segments and the problem is a
fractional knapsack:

* :func:`allocate_greedy` fills segments in decreasing ``g / P`` while ``g > 0`` and money remains
  (the last one partly) — exact for convex curves;
* :func:`allocate_lp` solves the same linear programme with SciPy's HiGHS
  (``scipy.optimize.linprog(method="highs")``), one variable per segment: the check;
* :func:`frontier`: the greedy order gives the whole efficient frontier (budget vs expected annual
  shortfall cost), piecewise linear with a vertex where each segment fills.

Without a budget each material goes to its own cost-optimal size (every segment with ``g > 0``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from critmin.stockpile.sizing import lower_hull

__all__ = ["MaterialCurve", "Allocation", "segments", "allocate_greedy", "allocate_lp", "frontier"]

_EPS = 1e-12


@dataclass(frozen=True)
class MaterialCurve:
    """One material's annual shortfall-cost curve, holding cost and price.

    Parameters
    ----------
    material : str
        Identifier.
    stock_t : array
        Stocks [t], increasing from 0.
    shortfall_cost_usd : array
        Expected annual shortfall cost at those stocks [USD/yr]; replaced by its lower convex hull.
    holding_usd_per_t : float
        Holding cost [USD/t/yr].
    price_usd_per_t : float
        Purchase price [USD/t] (what a tonne uses of the budget).
    """

    material: str
    stock_t: np.ndarray
    shortfall_cost_usd: np.ndarray
    holding_usd_per_t: float
    price_usd_per_t: float

    def __post_init__(self) -> None:
        s = np.asarray(self.stock_t, float)
        c = np.asarray(self.shortfall_cost_usd, float)
        if s.ndim != 1 or s.shape != c.shape or s.size == 0:
            raise ValueError(f"{self.material}: stock_t and shortfall_cost_usd must be 1-d, same length")
        if abs(s.min()) > 0 or (s < 0).any():
            raise ValueError(f"{self.material}: stocks must start at 0 and be >= 0")
        if not self.price_usd_per_t > 0 or self.holding_usd_per_t < 0:
            raise ValueError(f"{self.material}: price must be > 0 and holding cost >= 0")
        h = lower_hull(s, c)
        object.__setattr__(self, "stock_t", s[h])
        object.__setattr__(self, "shortfall_cost_usd", c[h])

    def cost_at(self, stock_t: float) -> float:
        """Expected annual shortfall cost at a stock on the curve [USD/yr]."""
        return float(np.interp(stock_t, self.stock_t, self.shortfall_cost_usd))

    @property
    def max_stock_t(self) -> float:
        """The largest stock on the curve [t]."""
        return float(self.stock_t[-1])


@dataclass
class Allocation:
    """Stocks chosen for a budget, and what they cost and save.

    Attributes
    ----------
    budget_usd : float or None
        The budget [USD]; None when unconstrained.
    stocks_t : dict of str to float
        Stock per material [t].
    spent_usd : float
        Purchase value of the stocks [USD].
    shortfall_cost_usd : float
        Expected annual shortfall cost with these stocks [USD/yr].
    holding_cost_usd : float
        Their annual holding cost [USD/yr].
    marginal_gain_per_usd : float
        Net annual saving per dollar of the last segment bought [1/yr] (the budget's shadow price; 0
        when the budget does not bind).
    method : str
        ``greedy`` or ``lp``.
    """

    budget_usd: float | None
    stocks_t: dict[str, float]
    spent_usd: float
    shortfall_cost_usd: float
    holding_cost_usd: float
    marginal_gain_per_usd: float
    method: str
    details: dict = field(default_factory=dict)

    @property
    def total_cost_usd(self) -> float:
        """Holding plus expected shortfall cost [USD/yr]."""
        return self.shortfall_cost_usd + self.holding_cost_usd


def segments(curves: list[MaterialCurve]) -> pd.DataFrame:
    """The linear pieces of every curve.

    Returns
    -------
    DataFrame
        One row per segment: ``material``, ``m`` (curve index), ``k`` (segment index), ``start_t``,
        ``length_t`` [t], ``gain_usd_per_t`` (net annual saving per tonne, shortfall cost avoided minus
        holding) [USD/t/yr], ``price_usd_per_t``, ``gain_per_usd`` [1/yr].
    """
    rows = []
    for m, c in enumerate(curves):
        for k in range(len(c.stock_t) - 1):
            length = c.stock_t[k + 1] - c.stock_t[k]
            saved = (c.shortfall_cost_usd[k] - c.shortfall_cost_usd[k + 1]) / length
            gain = saved - c.holding_usd_per_t
            rows.append({"material": c.material, "m": m, "k": k, "start_t": float(c.stock_t[k]),
                         "length_t": float(length), "gain_usd_per_t": float(gain),
                         "price_usd_per_t": float(c.price_usd_per_t),
                         "gain_per_usd": float(gain / c.price_usd_per_t)})
    cols = ["material", "m", "k", "start_t", "length_t", "gain_usd_per_t", "price_usd_per_t", "gain_per_usd"]
    return pd.DataFrame(rows, columns=cols)


def _greedy_order(seg: pd.DataFrame) -> pd.DataFrame:
    """Segments in the order the greedy fills them (best gain per dollar first; ties by material and
    segment so each curve fills from its start)."""
    return seg.assign(_key=-seg["gain_per_usd"]).sort_values(["_key", "m", "k"], kind="stable") \
        .drop(columns="_key")


def _summarise(curves: list[MaterialCurve], stocks: np.ndarray, budget: float | None, marginal: float,
               method: str, details: dict | None = None) -> Allocation:
    spent = float(sum(c.price_usd_per_t * s for c, s in zip(curves, stocks, strict=True)))
    short = float(sum(c.cost_at(s) for c, s in zip(curves, stocks, strict=True)))
    hold = float(sum(c.holding_usd_per_t * s for c, s in zip(curves, stocks, strict=True)))
    return Allocation(budget_usd=budget, stocks_t={c.material: float(s) for c, s in
                                                   zip(curves, stocks, strict=True)},
                      spent_usd=spent, shortfall_cost_usd=short, holding_cost_usd=hold,
                      marginal_gain_per_usd=marginal, method=method, details=details or {})


def allocate_greedy(curves: list[MaterialCurve], budget_usd: float | None = None) -> Allocation:
    """Fill segments in decreasing net saving per dollar while it is positive and money remains.

    Parameters
    ----------
    curves : list of MaterialCurve
        One per material.
    budget_usd : float, optional
        Money for purchases [USD]; None: no limit (every material at its cost-optimal size).

    Returns
    -------
    Allocation
    """
    if budget_usd is not None and budget_usd < 0:
        raise ValueError("budget must be >= 0 [USD]")
    stocks = np.zeros(len(curves))
    left = np.inf if budget_usd is None else float(budget_usd)
    marginal = 0.0
    for r in _greedy_order(segments(curves)).itertuples(index=False):
        if r.gain_usd_per_t <= 0 or left <= 0:
            break
        take = min(r.length_t, left / r.price_usd_per_t)
        stocks[r.m] += take
        left -= take * r.price_usd_per_t
        if take < r.length_t * (1 - _EPS):
            marginal = r.gain_per_usd          # the budget binds inside this segment
            break
    return _summarise(curves, stocks, budget_usd, marginal, "greedy")


def allocate_lp(curves: list[MaterialCurve], budget_usd: float | None = None) -> Allocation:
    """The same allocation as a linear programme solved by HiGHS (the check of the greedy).

    Variables: the tonnes bought on each segment, in ``[0, length]``; objective: maximise the net annual
    saving ``sum g_mk x_mk``; constraint: ``sum P_m x_mk <= budget``.

    Parameters
    ----------
    curves : list of MaterialCurve
    budget_usd : float, optional
        [USD]; None: no budget constraint.

    Returns
    -------
    Allocation
        ``details`` holds the solver's status message and objective.
    """
    from scipy.optimize import linprog

    seg = segments(curves)
    if seg.empty:
        return _summarise(curves, np.zeros(len(curves)), budget_usd, 0.0, "lp", {"status": "no segments"})
    c = -seg["gain_usd_per_t"].to_numpy()
    bounds = list(zip(np.zeros(len(seg)), seg["length_t"].to_numpy(), strict=True))
    kw = {}
    if budget_usd is not None:
        kw = {"A_ub": seg["price_usd_per_t"].to_numpy()[None, :], "b_ub": [float(budget_usd)]}
    res = linprog(c, bounds=bounds, method="highs", **kw)
    if not res.success:
        raise RuntimeError(f"HiGHS failed: {res.message}")
    stocks = np.zeros(len(curves))
    np.add.at(stocks, seg["m"].to_numpy(), res.x)
    marginal = 0.0
    if budget_usd is not None and res.ineqlin is not None and len(res.ineqlin.marginals):
        marginal = float(-res.ineqlin.marginals[0])
    return _summarise(curves, stocks, budget_usd, marginal, "lp",
                      {"status": res.message, "objective_usd": float(-res.fun)})


def frontier(curves: list[MaterialCurve], budgets=None) -> pd.DataFrame:
    """The efficient frontier: the least expected annual cost for each budget.

    Parameters
    ----------
    curves : list of MaterialCurve
    budgets : array, optional
        Budgets [USD]; default: 0 and every vertex of the frontier (the budget at which each greedy
        segment fills), up to the unconstrained optimum.

    Returns
    -------
    DataFrame
        ``budget`` [USD], ``expected_cost_usd`` (expected annual shortfall cost) [USD/yr],
        ``holding_cost_usd`` [USD/yr], ``total_cost_usd`` [USD/yr], ``spent_usd`` [USD] and one
        ``stock_t[<material>]`` column per material [t].
    """
    if budgets is None:
        order = _greedy_order(segments(curves))
        order = order[order["gain_usd_per_t"] > 0]
        budgets = np.concatenate([[0.0], np.cumsum(order["length_t"] * order["price_usd_per_t"])])
    rows = []
    for b in np.asarray(budgets, float):
        a = allocate_greedy(curves, float(b))
        row = {"budget": float(b), "expected_cost_usd": a.shortfall_cost_usd,
               "holding_cost_usd": a.holding_cost_usd, "total_cost_usd": a.total_cost_usd,
               "spent_usd": a.spent_usd}
        row.update({f"stock_t[{m}]": s for m, s in a.stocks_t.items()})
        rows.append(row)
    return pd.DataFrame(rows)
