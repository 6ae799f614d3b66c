"""Cost-optimal stock size: closed forms (exponential shortfall), the newsvendor condition, the hull and
the monotonicity of the optimum in the disruption probability."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from critmin.stockpile.sizing import (
    PlanningParams,
    cost_curve,
    critical_ratio,
    exceedance,
    expected_excess,
    holding_cost,
    lower_hull,
    newsvendor_stock,
    optimal_stock,
)


def _exponential(mean: float, n: int) -> np.ndarray:
    """A stratified exponential sample (the exact quantiles at (i + 0.5) / n)."""
    u = (np.arange(n) + 0.5) / n
    return -mean * np.log1p(-u)


# --------------------------------------------------------------------------- closed forms
def test_holding_cost_and_critical_ratio_by_hand():
    # (5 % + 1 %) x 13,285 USD/t + 2 USD/t/yr = 799.1 USD/t/yr
    assert holding_cost(13_285.0, 0.05, 0.01, 2.0) == pytest.approx(799.1)
    assert critical_ratio(600.0, 0.1, 200_000.0) == pytest.approx(0.03)
    with pytest.raises(ValueError):
        critical_ratio(1.0, 0.0, 1.0)


def test_exponential_shortfall_gives_the_analytic_newsvendor_stock():
    # L ~ Exp(mean m): E[(L - S)^+] = m exp(-S/m), so h S + pi p m exp(-S/m) is least at
    # S* = m ln(pi p / h), where P(L > S*) = h / (pi p).
    m, h, pi, p = 500.0, 600.0, 0.1, 200_000.0            # pi p / h = 33.33
    s_star = m * math.log(pi * p / h)                      # 1,753.2 t
    L = _exponential(m, 200_000)
    s_nv = newsvendor_stock(L, holding=h, probability=pi, shortage_cost=p)
    assert s_nv == pytest.approx(s_star, rel=2e-4)
    assert exceedance(L, s_nv) == pytest.approx(h / (pi * p), abs=1e-5)
    # the sample's E[(L - S)^+] is the closed form
    grid = np.linspace(0, 3000, 7)                           # up to 6 means (the sample's tail is finite)
    assert expected_excess(L, grid) == pytest.approx(m * np.exp(-grid / m), rel=2e-3)


@pytest.mark.parametrize("curve", ["analytic", "sample"])
def test_optimum_on_a_curve_is_the_analytic_one(curve):
    m, h, pi, p = 500.0, 600.0, 0.1, 200_000.0
    s_star = m * math.log(pi * p / h)
    grid = np.linspace(0.0, 5000.0, 2001)                  # 2.5 t steps
    el = m * np.exp(-grid / m) if curve == "analytic" else expected_excess(_exponential(m, 100_000), grid)
    opt = optimal_stock(grid, el, holding=h, probability=pi, shortage_cost=p)
    assert abs(opt.stock_t - s_star) <= 2.5
    # first-order condition: the hull's slopes bracket the critical ratio h / (pi p) = exp(-S*/m)
    assert opt.slope_left >= opt.critical_ratio >= opt.slope_right
    assert opt.critical_ratio == pytest.approx(math.exp(-s_star / m))
    assert opt.annual_cost_usd == pytest.approx(h * s_star + pi * p * m * math.exp(-s_star / m), rel=1e-4)


def test_no_stock_when_holding_exceeds_the_expected_loss_per_tonne():
    L = _exponential(100.0, 1000)
    assert newsvendor_stock(L, holding=1000.0, probability=0.1, shortage_cost=5000.0) == 0.0
    grid = np.linspace(0, 500, 11)
    opt = optimal_stock(grid, expected_excess(L, grid), holding=1000.0, probability=0.1, shortage_cost=5000.0)
    assert opt.stock_t == 0.0 and math.isnan(opt.slope_left)


def test_expected_excess_and_exceedance_by_brute_force():
    L = np.array([0.0, 1.0, 1.0, 3.0, 7.5])
    for s in (0.0, 0.5, 1.0, 2.0, 7.5, 9.0):
        assert expected_excess(L, s) == pytest.approx(np.maximum(L - s, 0).mean())
        assert exceedance(L, s) == pytest.approx((s < L).mean())


def test_cost_curve_by_hand():
    # h = 2 USD/t/yr, pi p = 0.5 * 10 = 5 USD/t: cost = 2 S + 5 E[L]
    df = cost_curve([0, 1, 2, 3], [10.0, 6.0, 5.0, 4.9], holding=2.0, probability=0.5, shortage_cost=10.0)
    assert df["expected_cost_usd"].tolist() == pytest.approx([50.0, 32.0, 29.0, 30.5])
    assert df["on_hull"].tolist() == [True, True, True, True]
    opt = optimal_stock([0, 1, 2, 3], [10.0, 6.0, 5.0, 4.9], holding=2.0, probability=0.5, shortage_cost=10.0)
    # slopes 4, 1, 0.1 t/t against h / (pi p) = 0.4: the optimum is at S = 2
    assert opt.stock_t == 2.0
    assert opt.slope_left == pytest.approx(1.0) and opt.slope_right == pytest.approx(0.1)


def test_lower_hull_drops_points_above_it():
    x = [0, 1, 2, 3, 4]
    y = [10.0, 8.0, 7.5, 4.0, 3.9]
    # (2, 7.5) lies above the chord (0, 10) - (3, 4); (1, 8) lies on it (collinear, dropped)
    assert lower_hull(x, y).tolist() == [0, 3, 4]
    collinear = lower_hull([0, 1, 2], [2.0, 1.0, 0.0])
    assert collinear.tolist() == [0, 2]


def test_planning_params_defaults_are_documented_and_shown():
    p = PlanningParams()
    names = {a["name"]: a for a in p.assumptions()}
    for k in ("planning.interest_rate", "planning.storage_rate", "planning.disruption_probability",
              "planning.release_share_of_demand", "planning.trigger"):
        assert names[k]["kind"] == "default" and names[k]["source"]
    q = PlanningParams(disruption_probability=0.2, disruption_probabilities={"gallium": 0.3})
    assert q.probability("gallium") == 0.3 and q.probability("cobalt") == 0.2
    assert {a["name"]: a for a in q.assumptions()}["planning.disruption_probability"]["kind"] == "assumption"
    with pytest.raises(ValueError):
        PlanningParams(trigger="price")               # needs a trigger level
    with pytest.raises(ValueError):
        PlanningParams(shortage_cost_usd_per_t=1.0, shortage_cost_multiple=2.0)


# --------------------------------------------------------------------------- monotonicity
_curve = st.lists(st.floats(0.0, 1e4, allow_nan=False), min_size=2, max_size=12)


@settings(max_examples=300, deadline=None)
@given(ys=_curve, steps=st.lists(st.floats(0.01, 100.0), min_size=11, max_size=11),
       h=st.floats(1e-3, 1e3), p=st.floats(1.0, 1e6), pi1=st.floats(1e-4, 1.0), pi2=st.floats(1e-4, 1.0))
def test_higher_disruption_probability_never_lowers_the_optimal_stock(ys, steps, h, p, pi1, pi2):
    lo, hi = sorted((pi1, pi2))
    x = np.concatenate([[0.0], np.cumsum(steps[: len(ys) - 1])])
    y = np.asarray(ys)
    a = optimal_stock(x, y, holding=h, probability=lo, shortage_cost=p)
    b = optimal_stock(x, y, holding=h, probability=hi, shortage_cost=p)
    assert b.stock_t >= a.stock_t
    # and the optimum minimises the expected annual cost over the grid
    cost = h * x + hi * p * y
    assert h * b.stock_t + hi * p * b.expected_shortfall_t <= cost.min() * (1 + 1e-9) + 1e-9


@settings(max_examples=100, deadline=None)
@given(mean=st.floats(1.0, 1e4), ratio=st.floats(1e-3, 0.9))
def test_newsvendor_stock_satisfies_the_critical_ratio(mean, ratio):
    L = _exponential(mean, 5000)
    h, p = 1.0, 1.0 / ratio                      # pi = 1: h / (pi p) = ratio
    s = newsvendor_stock(L, holding=h, probability=1.0, shortage_cost=p)
    assert exceedance(L, s) <= ratio + 1e-12
    assert exceedance(L, s * (1 - 1e-9) - 1e-12) >= ratio - 1.0 / L.size - 1e-12
