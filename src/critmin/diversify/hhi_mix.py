"""The least-HHI supplier mix (:class:`critmin.diversify.optimize.HHIRisk`): the strictly convex
quadratic programme ``min sum_i x_i^2`` over the feasible mixes of a
:class:`~critmin.diversify.optimize.MixProblem`, solved exactly from its KKT conditions
(``x_i = clip(tau - mu r_i, 0, u_i)``: ``tau`` from the shares summing to 1, ``mu`` >= 0 the price of
the premium budget, found by bisection), then polished on the budget row. Checked against brute force and
scipy's ``trust-constr`` in tests/test_diversify.py.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from critmin.diversify.optimize import MixProblem

__all__ = ["TOL", "clean_shares", "solve_hhi"]

TOL = 1e-9
"""Feasibility tolerance on shares and the premium row [1]."""
_TOL = TOL


def clean_shares(x: np.ndarray, problem: MixProblem) -> np.ndarray:
    """Shares clipped to their bounds and renormalised (removes solver round-off of ~1e-10)."""
    x = np.clip(np.asarray(x, float), 0.0, problem.upper)
    return x / x.sum()


def _x_of(tau: float, mu: float, r: np.ndarray, u: np.ndarray) -> np.ndarray:
    return np.clip(tau - mu * r, 0.0, u)


def _tau_for(mu: float, r: np.ndarray, u: np.ndarray) -> float:
    """The tau with ``sum_i clip(tau - mu r_i, 0, u_i) = 1`` (exact: the sum is piecewise linear and
    non-decreasing in tau, so the root lies on the segment between two breakpoints)."""
    base = mu * r
    pts = np.unique(np.concatenate([base, base + u]))
    vals = np.array([np.clip(t - base, 0.0, u).sum() for t in pts])
    k = int(np.searchsorted(vals, 1.0))
    if k >= pts.size:                              # caps sum to exactly 1 (within round-off)
        return float(pts[-1])
    if k == 0:
        return float(pts[0])
    t0, t1, f0, f1 = pts[k - 1], pts[k], vals[k - 1], vals[k]
    return float(t0 + (1.0 - f0) * (t1 - t0) / (f1 - f0)) if f1 > f0 else float(t1)


def _water_fill(u: np.ndarray, total: float) -> np.ndarray:
    """Equal shares ``min(level, u_i)`` summing to ``total`` (the least sum of squares)."""
    if total <= 0 or u.size == 0:
        return np.zeros_like(u)
    return _x_of(_tau_for(0.0, np.zeros_like(u), u / total), 0.0, np.zeros_like(u), u / total) * total


def _cheapest_hhi(problem: MixProblem) -> np.ndarray:
    """Among the cheapest mixes, the one with the least HHI: caps filled from the lowest premium up,
    the marginal premium level water-filled."""
    r, u = problem.premium, problem.upper
    levels = np.unique(r)
    x = np.zeros(problem.n)
    done = np.zeros(problem.n, bool)
    left = 1.0
    for lv in levels:
        # premiums within 1e-12 are one level: each supplier is filled once (at its first level)
        idx = np.flatnonzero((np.abs(r - lv) <= 1e-12 * max(1.0, abs(lv))) & ~done)
        if idx.size == 0:
            continue
        done[idx] = True
        cap = u[idx].sum()
        if cap <= left + 1e-15:
            x[idx] = u[idx]
            left -= cap
        else:
            x[idx] = _water_fill(u[idx], left)
            left = 0.0
        if left <= 1e-15:
            break
    return x


def _polish(problem: MixProblem, x: np.ndarray, budget: float) -> np.ndarray:
    """Solve the KKT system on the active set of ``x`` exactly (two linear equations in tau and mu);
    keep ``x`` when the system is singular or its answer breaks a KKT condition."""
    r, u = problem.premium, problem.upper
    free = (x > 1e-12) & (x < u - 1e-12)
    capped = x >= u - 1e-12
    if free.sum() < 2 or np.ptp(r[free]) <= 1e-12:
        return x
    nf, sr, srr = free.sum(), r[free].sum(), (r[free] ** 2).sum()
    rhs1 = 1.0 - u[capped].sum()
    rhs2 = budget - (r[capped] * u[capped]).sum()
    det = -nf * srr + sr * sr
    if abs(det) < 1e-14:
        return x
    tau = (-rhs1 * srr + sr * rhs2) / det
    mu = (nf * rhs2 - sr * rhs1) / det
    if mu < 0:
        return x
    y = _x_of(tau, mu, r, u)
    same = ((y > 1e-12) & (y < u - 1e-12)) == free
    if same.all() and abs(y.sum() - 1) < 1e-12 and problem.premium_of(y) <= budget + 1e-12:
        return y
    return x


def solve_hhi(problem: MixProblem, budget: float) -> np.ndarray:
    """``min sum x_i^2`` s.t. ``sum x = 1``, ``r.x <= B``, ``0 <= x <= u``.

    KKT: ``x_i = clip(tau - mu r_i, 0, u_i)`` with ``mu >= 0`` the budget's multiplier and tau fixed by
    the sum. ``r.x(mu)`` is non-increasing in mu (compare the optimality of two mu), so mu is found by
    bisection; the answer is then polished on its active set.
    """
    r, u = problem.premium, problem.upper
    x0 = _x_of(_tau_for(0.0, r, u), 0.0, r, u)
    if not math.isfinite(budget) or problem.premium_of(x0) <= budget + _TOL:
        return clean_shares(x0, problem)
    cheapest = _cheapest_hhi(problem)
    if budget <= problem.premium_of(cheapest) + _TOL:
        return clean_shares(cheapest, problem)

    def prem(mu: float) -> float:
        return problem.premium_of(_x_of(_tau_for(mu, r, u), mu, r, u))

    lo, hi = 0.0, 1.0
    while prem(hi) > budget and hi < 1e12:
        lo, hi = hi, hi * 2.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if prem(mid) > budget:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-15 * max(hi, 1.0):
            break
    x = _x_of(_tau_for(hi, r, u), hi, r, u)
    return clean_shares(_polish(problem, x, budget), problem)
