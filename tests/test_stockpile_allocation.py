"""Budget allocation across materials: greedy = LP (HiGHS) = brute force on small problems; more budget never
raises the expected cost; no budget gives each material its own cost-optimal size."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from critmin.stockpile.allocation import MaterialCurve, allocate_greedy, allocate_lp, frontier, segments
from critmin.stockpile.sizing import optimal_stock


def _convex_curve(rng: np.random.Generator, name: str, n: int, length: float = 1.0,
                  price: float = 1.0, holding: float | None = None) -> MaterialCurve:
    """A decreasing convex shortfall-cost curve on stocks 0, length, 2 length, ..."""
    drops = np.sort(rng.integers(0, 40, n))[::-1].astype(float)       # decreasing drops: convex
    cost = 100.0 - np.concatenate([[0.0], np.cumsum(drops)])
    hold = float(rng.integers(0, 10)) if holding is None else holding
    return MaterialCurve(name, np.arange(n + 1) * length, cost, hold, price)


def _objective(curves: list[MaterialCurve], stocks) -> float:
    """Expected annual cost (shortfall + holding) of a set of stocks [USD/yr]."""
    return sum(c.cost_at(s) + c.holding_usd_per_t * s for c, s in zip(curves, stocks, strict=True))


# --------------------------------------------------------------------------- brute force
@pytest.mark.parametrize("seed", range(12))
def test_allocation_equals_brute_force_on_integer_problems(seed):
    # unit prices, unit segments, integer budgets: the continuous optimum lies on the integer lattice,
    # so enumerating every integer allocation finds it
    rng = np.random.default_rng(seed)
    curves = [_convex_curve(rng, f"m{i}", int(rng.integers(2, 5))) for i in range(3)]
    budget = float(rng.integers(0, 10))
    best = min((_objective(curves, s), s) for s in itertools.product(*[range(int(c.max_stock_t) + 1)
                                                                      for c in curves])
               if sum(s) <= budget)
    g = allocate_greedy(curves, budget)
    lp = allocate_lp(curves, budget)
    assert g.total_cost_usd == pytest.approx(best[0], abs=1e-9)
    assert lp.total_cost_usd == pytest.approx(best[0], abs=1e-7)
    assert g.spent_usd <= budget + 1e-9


@pytest.mark.parametrize("seed", range(6))
def test_allocation_equals_brute_force_with_prices_on_a_fine_lattice(seed):
    # different prices: the optimum may buy part of a segment; a fine lattice of stocks brackets it
    rng = np.random.default_rng(100 + seed)
    curves = [_convex_curve(rng, f"m{i}", 3, length=1.0, price=float(p), holding=0.5)
              for i, p in enumerate(rng.integers(1, 5, 3))]
    budget = float(rng.integers(1, 12))
    step = 0.05
    axes = [np.arange(0.0, c.max_stock_t + 1e-9, step) for c in curves]
    mesh = np.meshgrid(*axes, indexing="ij")
    cost = sum(np.interp(m, c.stock_t, c.shortfall_cost_usd) + c.holding_usd_per_t * m
               for c, m in zip(curves, mesh, strict=True))
    spend = sum(c.price_usd_per_t * m for c, m in zip(curves, mesh, strict=True))
    best = float(cost[spend <= budget + 1e-9].min())
    g = allocate_greedy(curves, budget)
    # the continuous optimum is at least as good as every lattice point and within one step's worth
    slope = max(abs(s) for s in segments(curves)["gain_usd_per_t"]) + 1.0
    assert best - slope * step * len(curves) <= g.total_cost_usd <= best + 1e-9
    assert allocate_lp(curves, budget).total_cost_usd == pytest.approx(g.total_cost_usd, abs=1e-6)


# --------------------------------------------------------------------------- properties
_problems = st.integers(0, 10_000)


@settings(max_examples=150, deadline=None)
@given(seed=_problems, b1=st.floats(0, 50), b2=st.floats(0, 50))
def test_more_budget_never_raises_expected_cost(seed, b1, b2):
    rng = np.random.default_rng(seed)
    curves = [_convex_curve(rng, f"m{i}", int(rng.integers(1, 6)), length=float(rng.uniform(0.5, 3)),
                            price=float(rng.uniform(0.5, 4))) for i in range(int(rng.integers(1, 5)))]
    lo, hi = sorted((b1, b2))
    a, b = allocate_greedy(curves, lo), allocate_greedy(curves, hi)
    assert b.shortfall_cost_usd <= a.shortfall_cost_usd + 1e-9
    assert b.total_cost_usd <= a.total_cost_usd + 1e-9
    assert all(b.stocks_t[k] >= a.stocks_t[k] - 1e-12 for k in a.stocks_t)      # nested allocations
    fr = frontier(curves)
    assert (np.diff(fr["budget"]) >= -1e-12).all()
    assert (np.diff(fr["expected_cost_usd"]) <= 1e-9).all()
    assert (np.diff(fr["total_cost_usd"]) <= 1e-9).all()


@settings(max_examples=100, deadline=None)
@given(seed=_problems, budget=st.floats(0, 40))
def test_greedy_equals_lp(seed, budget):
    rng = np.random.default_rng(seed)
    curves = [_convex_curve(rng, f"m{i}", int(rng.integers(1, 6)), length=float(rng.uniform(0.5, 3)),
                            price=float(rng.uniform(0.5, 4))) for i in range(int(rng.integers(1, 5)))]
    g, lp = allocate_greedy(curves, budget), allocate_lp(curves, budget)
    assert lp.total_cost_usd == pytest.approx(g.total_cost_usd, rel=1e-9, abs=1e-6)
    assert lp.spent_usd <= budget * (1 + 1e-9) + 1e-9


def test_no_budget_gives_each_material_its_cost_optimal_size():
    rng = np.random.default_rng(7)
    curves = [_convex_curve(rng, f"m{i}", 5, length=2.0, price=3.0) for i in range(4)]
    a = allocate_greedy(curves, None)
    for c in curves:
        # in sizing terms: pi p E[L] = shortfall cost, h = holding; any pi p split gives the same optimum
        opt = optimal_stock(c.stock_t, c.shortfall_cost_usd, holding=c.holding_usd_per_t or 1e-12,
                            probability=1.0, shortage_cost=1.0)
        assert a.stocks_t[c.material] == pytest.approx(opt.stock_t)
    assert allocate_lp(curves, None).total_cost_usd == pytest.approx(a.total_cost_usd)


def test_allocation_by_hand():
    # A: 10 t at 1 USD/t saving 5 USD/t/yr net, then 10 t saving 1; B: 5 t at 2 USD/t saving 8 (4 per USD)
    a = MaterialCurve("A", [0, 10, 20], [100.0, 50.0, 40.0], 0.0, 1.0)
    b = MaterialCurve("B", [0, 5], [60.0, 20.0], 0.0, 2.0)
    g = allocate_greedy([a, b], 15.0)
    # order by saving per dollar: A seg 0 (5/USD), B (4/USD), A seg 1 (1/USD); 15 USD: A 10 t (10 USD),
    # B 2.5 t (5 USD)
    assert g.stocks_t == pytest.approx({"A": 10.0, "B": 2.5})
    assert g.shortfall_cost_usd == pytest.approx(50.0 + 40.0)
    assert g.marginal_gain_per_usd == pytest.approx(4.0)
    lp = allocate_lp([a, b], 15.0)
    assert lp.stocks_t == pytest.approx(g.stocks_t) and lp.marginal_gain_per_usd == pytest.approx(4.0)
    fr = frontier([a, b])
    assert fr["budget"].tolist() == pytest.approx([0.0, 10.0, 20.0, 30.0])
    assert fr["expected_cost_usd"].tolist() == pytest.approx([160.0, 110.0, 70.0, 60.0])


def test_curves_are_convexified_and_validated():
    c = MaterialCurve("x", [0, 1, 2, 3], [10.0, 9.5, 5.0, 4.0], 0.0, 1.0)   # (1, 9.5) above the hull
    assert c.stock_t.tolist() == [0.0, 2.0, 3.0]
    with pytest.raises(ValueError):
        MaterialCurve("x", [1, 2], [1.0, 0.5], 0.0, 1.0)                     # must start at 0
    with pytest.raises(ValueError):
        MaterialCurve("x", [0, 2], [1.0, 0.5], 0.0, 0.0)                     # price must be > 0
