"""Supplier-mix optimisation (critmin.diversify): the solvers against brute force and scipy, the frontier's
monotonicity (hypothesis), unit values and premiums worked out by hand from trade rows, caps and
exportable volumes."""

from __future__ import annotations

import doctest
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize

import critmin.diversify.inputs as inputs_mod
import critmin.diversify.optimize as opt_mod
from critmin.diversify import (
    HHIRisk,
    InfeasibleBudgetError,
    LinearRisk,
    MixProblem,
    ShortfallRisk,
    budget_grid,
    disruption_groups,
    efficient_frontier,
    exportable_volume,
    min_premium,
    premiums,
    share_caps,
    solve_mix,
    unit_values,
)

# --------------------------------------------------------------------------- brute force
STEP = 1 / 400


def _simplex_grid(step: float = STEP) -> np.ndarray:
    """Every 3-supplier mix on a grid of ``step`` (x3 = 1 - x1 - x2)."""
    k = round(1 / step)
    pts = [(i * step, j * step, 1 - (i + j) * step) for i in range(k + 1) for j in range(k + 1 - i)]
    return np.clip(np.asarray(pts), 0.0, 1.0)


GRID = _simplex_grid()


def _brute(problem: MixProblem, risk, budget: float) -> float:
    ok = (problem.upper + 1e-12 >= GRID).all(axis=1) & (GRID @ problem.premium <= budget + 1e-12)
    vals = np.array([risk.value(x) for x in GRID[ok]])
    return float(vals.min())


def _three() -> MixProblem:
    # a cheap risky supplier, a mid one and an expensive safe one with a cap
    return MixProblem(("CHN", "AUS", "CAN"), upper=[1.0, 0.6, 0.5], premium=[-0.1, 0.1, 0.4])


def _short(problem: MixProblem, runs: int = 60, seed: int = 0) -> ShortfallRisk:
    rng = np.random.default_rng(seed)
    return ShortfallRisk(groups=[(0,), (1,), (2,)], probability=[0.10, 0.05, 0.03],
                         lost_share=rng.uniform(0.2, 0.9, runs), cut_years=rng.uniform(2, 24, runs) / 12,
                         scale_up=0.1, upper=problem.upper, imports_t=10_000.0)


@pytest.mark.parametrize("kind", ["geopolrisk", "hhi", "shortfall"])
@pytest.mark.parametrize("budget", [-0.05, 0.0, 0.05, 0.12, 0.25, math.inf])
def test_solver_matches_brute_force_on_three_suppliers(kind, budget):
    p = _three()
    risk = {"geopolrisk": LinearRisk([0.6, 0.32, 0.34]), "hhi": HHIRisk(), "shortfall": _short(p)}[kind]
    sol = solve_mix(p, risk, budget)
    assert p.is_feasible(sol.x, budget, tol=1e-8)
    best = _brute(p, risk, budget)
    # the solver is at least as good as every grid point, and the grid's best is within one grid step
    # of the optimum (the risks are Lipschitz: |grad| <= 2 for HHI, 0.6 for g, M*max pi*max T for shortfall)
    lip = {"geopolrisk": 0.6, "hhi": 2.0, "shortfall": 10_000 * 0.1 * 2.0}[kind]
    assert sol.risk <= best + 1e-8 * max(1.0, best)     # stage 2 allows 1e-9 of the scaled optimum
    assert best - sol.risk <= 2 * lip * STEP
    assert sol.risk == pytest.approx(risk.value(sol.x))


def test_hand_solved_geopolrisk_lp():
    # budget 0.05 with r = (-0.1, 0.1, 0.4): the LP moves from CHN (g 0.6) to AUS (g 0.32) until the premium
    # binds: -0.1 x1 + 0.1 x2 = 0.05 with x1 + x2 = 1 -> x2 = 0.75, but AUS is capped at 0.6 -> AUS 0.6,
    # then CAN (g 0.34) takes x3 with -0.1 (0.4 - x3) + 0.06 + 0.4 x3 = 0.05 -> x3 = 0.06
    p = _three()
    sol = solve_mix(p, LinearRisk([0.6, 0.32, 0.34]), 0.05)
    np.testing.assert_allclose(sol.x, [0.34, 0.6, 0.06], atol=1e-9)
    assert sol.risk == pytest.approx(0.6 * 0.34 + 0.32 * 0.6 + 0.34 * 0.06)
    assert sol.premium == pytest.approx(0.05)


def test_hand_solved_hhi_qp():
    # no binding cap or budget: equal shares; a binding cap: the rest water-filled
    p = MixProblem(("A", "B", "C"), upper=[1, 1, 1], premium=[0, 0, 0])
    np.testing.assert_allclose(solve_mix(p, HHIRisk()).x, [1 / 3] * 3, atol=1e-12)
    p = MixProblem(("A", "B", "C"), upper=[1, 1, 0.1], premium=[0, 0, 0])
    np.testing.assert_allclose(solve_mix(p, HHIRisk()).x, [0.45, 0.45, 0.1], atol=1e-12)
    # budget binding: r = (-1, 1), x = (a, 1 - a), premium 1 - 2a <= -0.5 -> a >= 0.75: x = (0.75, 0.25)
    p = MixProblem(("A", "B"), upper=[1, 1], premium=[-1, 1])
    sol = solve_mix(p, HHIRisk(), -0.5)
    np.testing.assert_allclose(sol.x, [0.75, 0.25], atol=1e-12)
    assert sol.risk == pytest.approx(0.625)


@pytest.mark.parametrize("seed", range(6))
def test_hhi_qp_agrees_with_scipy_trust_constr(seed):
    rng = np.random.default_rng(seed)
    n = 6
    u = rng.uniform(0.1, 0.6, n)
    u *= max(1.0, 1.3 / u.sum())
    u = np.minimum(u, 1.0)
    r = rng.normal(0, 0.3, n)
    p = MixProblem(tuple("ABCDEF"), u, r)
    lo = min_premium(p).premium
    for budget in (lo + 0.02, lo + 0.1, 0.0 if lo < 0 else lo + 0.2):
        sol = solve_mix(p, HHIRisk(), budget)
        cons = [optimize.LinearConstraint(np.ones((1, n)), 1, 1),
                optimize.LinearConstraint(r[None, :], -np.inf, budget)]
        ref = optimize.minimize(lambda x: x @ x, np.full(n, 1 / n).clip(0, u), jac=lambda x: 2 * x,
                                hess=lambda x: 2 * np.eye(n), method="trust-constr", constraints=cons,
                                bounds=optimize.Bounds(np.zeros(n), u),
                                options={"gtol": 1e-12, "xtol": 1e-12, "maxiter": 5000})
        assert sol.risk <= ref.fun + 1e-7
        np.testing.assert_allclose(sol.x, ref.x, atol=2e-4)


def test_budget_below_the_cheapest_mix_raises():
    p = _three()
    assert min_premium(p).premium == pytest.approx(-0.1)
    with pytest.raises(InfeasibleBudgetError, match="cheapest mix within the caps costs -0.1000"):
        solve_mix(p, HHIRisk(), -0.2)


def test_the_cheapest_of_equal_risk_mixes_is_returned():
    # A and B have the same g; B costs more: the least risk is 0.5 either way, the cheaper mix is all A
    p = MixProblem(("A", "B"), upper=[1, 1], premium=[0.0, 0.3])
    sol = solve_mix(p, LinearRisk([0.5, 0.5]), 0.3)
    np.testing.assert_allclose(sol.x, [1.0, 0.0], atol=1e-9)
    assert sol.premium == pytest.approx(0.0, abs=1e-9)


# --------------------------------------------------------------------------- shortfall risk
def test_shortfall_value_by_hand():
    # two suppliers, one run: a = 0.5, T = 0.5 yr, rho = 0.1, M = 1000 t/yr, x = (0.8, 0.2), caps 1
    # disruption of A: lost 0.5*0.8 = 0.4, B adds min(0.1*0.2, 1-0.2) = 0.02 -> gap 0.38
    #   -> 1000 * 0.5 * 0.38 = 190 t
    # disruption of B: lost 0.1, A adds min(0.08, 0.2) = 0.08 -> gap 0.02 -> 10 t
    risk = ShortfallRisk([(0,), (1,)], [0.1, 0.2], [0.5], [0.5], 0.1, [1.0, 1.0], 1000.0)
    np.testing.assert_allclose(risk.by_group([0.8, 0.2]), [190.0, 10.0])
    assert risk.value([0.8, 0.2]) == pytest.approx(0.1 * 190 + 0.2 * 10)


def test_shortfall_pieces_reproduce_the_sample_average():
    rng = np.random.default_rng(5)
    a = np.round(rng.uniform(0, 1, 50), 2)             # ties on purpose
    t = rng.uniform(0.1, 2, 50)
    risk = ShortfallRisk([(0,)], [1.0], a, t, 0.0, [1.0], 1.0)
    A, B = risk.pieces()
    for tt in np.linspace(-0.2, 1.2, 57):
        psi = np.mean(t * np.maximum(a - tt, 0.0))
        assert max(A - B * tt) == pytest.approx(psi, abs=1e-12)


def test_disruption_groups_tie_and_scale_probabilities():
    groups, probs, labels = disruption_groups(["CHN", "AUS", "MMR"], {"CHN": 0.6, "AUS": 0.3, "MMR": 0.9},
                                              exporter="CHN", exporter_probability=0.1, tied=["MMR"])
    assert groups == [(0, 2), (1,)] and labels == ["CHN+MMR", "AUS"]
    np.testing.assert_allclose(probs, [0.1, 0.05])
    # the importer is the exporter: no tie, the tied supplier scaled by its own g
    groups, probs, labels = disruption_groups(["MMR", "LAO"], {"CHN": 0.6, "MMR": 0.9, "LAO": 0.3},
                                              exporter="CHN", exporter_probability=0.1, tied=["MMR"])
    assert labels == ["MMR", "LAO"]
    np.testing.assert_allclose(probs, [0.15, 0.05])


# --------------------------------------------------------------------------- the frontier
@st.composite
def _problems(draw):
    n = draw(st.integers(2, 6))
    u = np.asarray(draw(st.lists(st.floats(0.05, 1.0), min_size=n, max_size=n)))
    if u.sum() < 1:
        u = np.minimum(u / u.sum() * 1.05, 1.0)
        if u.sum() < 1:
            u[np.argmax(u)] = 1.0
    r = np.asarray(draw(st.lists(st.floats(-0.5, 0.8), min_size=n, max_size=n)))
    g = np.asarray(draw(st.lists(st.floats(0.0, 1.0), min_size=n, max_size=n)))
    kind = draw(st.sampled_from(["geopolrisk", "hhi", "shortfall"]))
    p = MixProblem(tuple(f"S{i}" for i in range(n)), u, r)
    if kind == "geopolrisk":
        risk = LinearRisk(g)
    elif kind == "hhi":
        risk = HHIRisk()
    else:
        runs = draw(st.integers(1, 20))
        rng = np.random.default_rng(draw(st.integers(0, 2**16)))
        risk = ShortfallRisk([(i,) for i in range(n)], g * 0.2, rng.uniform(0, 1, runs),
                             rng.uniform(0, 2, runs), draw(st.floats(0.0, 0.5)), u, 1000.0)
    return p, risk


@settings(max_examples=60, deadline=None)
@given(_problems(), st.floats(0.05, 1.0))
def test_frontier_risk_never_rises_with_the_budget(case, top):
    p, risk = case
    lo = min_premium(p).premium
    budgets = budget_grid(lo, lo + top, points=12)
    sols = efficient_frontier(p, risk, budgets)
    assert len(sols) == len(budgets) >= 12
    scale = max(1.0, abs(sols[0].risk))
    for a, b in zip(sols[:-1], sols[1:], strict=True):
        assert b.risk <= a.risk + 1e-7 * scale
        assert b.premium <= b.budget + 1e-7
    for s in sols:
        assert p.is_feasible(s.x, s.budget, tol=1e-7)


@pytest.mark.parametrize("kind", ["geopolrisk", "shortfall"])
def test_budget_at_the_cheapest_mix_with_a_tiny_premium(kind):
    # found by hypothesis: HiGHS reads |r_i| < 1e-9 as 0, so the budget row 0.5 x_1 <= -7.2e-11 alone was
    # infeasible at the cheapest mix's premium; the solver allows its feasibility tolerance on the budget
    p = MixProblem(("S0", "S1"), [1.0, 1.0], [-7.20193238e-11, 0.5])
    risk = LinearRisk([1.0, 0.0]) if kind == "geopolrisk" else \
        ShortfallRisk([(0,), (1,)], [0.2, 0.0], [0.5, 0.8], [1.0, 0.5], 0.2, [1.0, 1.0], 100.0)
    lo = min_premium(p).premium
    sol = solve_mix(p, risk, lo)
    np.testing.assert_allclose(sol.x, [1.0, 0.0], atol=1e-8)
    assert sol.premium <= lo + 1e-9


def test_cheapest_hhi_mix_with_premiums_tied_within_round_off():
    # found by hypothesis: premiums 0 and 5e-151 are one level (within 1e-12); each supplier is filled
    # once: F (0.421875) and D (0.5703125) fill their caps, C (1.19e-7) takes the remaining 0.0078125
    p = MixProblem(tuple("ABCDEF"), [1, 1, 1, 0.5703125, 1, 0.421875], [0.5, 0.5, 1.2e-7, 5.3e-151, 0.5, 0.0])
    lo = min_premium(p).premium
    sol = solve_mix(p, HHIRisk(), lo)
    np.testing.assert_allclose(sol.x, [0, 0, 0.0078125, 0.5703125, 0, 0.421875], atol=1e-12)
    assert p.is_feasible(sol.x, lo, tol=1e-12)


def test_budget_grid_has_round_budgets():
    g = budget_grid(-0.2, 0.2, points=21, include=[0.1, 0.137])
    assert {0.0, 0.05, 0.1, 0.137, 0.2} <= {round(b, 12) for b in g}
    assert g[0] == pytest.approx(-0.2) and len(g) >= 21 and g == sorted(g)
    assert budget_grid(0.1, 0.3, points=11)[0] == pytest.approx(0.1)


@pytest.mark.parametrize(("low", "high"), [(-0.2 + 5e-17, 5e-17), (-5e-17, 0.3)])
def test_budget_grid_side_within_round_off_of_zero(low, high):
    # found by hypothesis: a side of ~5e-17 collapsed to one budget and left the grid 5 budgets long
    g = budget_grid(low, high, points=12)
    assert len(g) == 12 and g == sorted(g)
    assert g[0] == pytest.approx(low, abs=1e-15) and g[-1] == pytest.approx(high, abs=1e-15)


def test_problem_validation():
    with pytest.raises(ValueError, match="sum to 0.5000 < 1"):
        MixProblem(("A", "B"), [0.25, 0.25], [0, 0])
    with pytest.raises(ValueError, match="2 values for 3 suppliers"):
        MixProblem(("A", "B", "C"), [1, 1], [0, 0, 0])


# ---------------------------------------------------------------------- row generation (shortfall LP)
def _solve_both(monkeypatch, problem, make_risk, budgets):
    """The frontier (unconstrained optimum first) by row generation and by the full programme, each on a
    fresh risk object (no shared hint)."""
    out = {}
    for mode in (True, False):
        monkeypatch.setattr(opt_mod, "_ROW_GENERATION", mode)
        risk = make_risk()
        free = solve_mix(problem, risk)
        out[mode] = [free, *efficient_frontier(problem, risk, budgets, unconstrained=free)]
    return out[True], out[False]


def _groups_problem(seed: int, runs: int):
    """Seven suppliers in five groups (an exporter with two tied suppliers), ``runs`` sampled cuts with
    ties, distinct premiums."""
    rng = np.random.default_rng(seed)
    n = 7
    u = np.array([1.0, 0.5, 0.4, 0.3, 0.25, 0.2, 0.15])
    r = np.array([-0.12, -0.05, 0.0, 0.04, 0.09, 0.15, 0.22])
    p = MixProblem(tuple(f"S{i}" for i in range(n)), u, r)
    a = np.round(rng.beta(2, 3, runs), 3)                       # ties on purpose
    t = rng.uniform(1, 24, runs) / 12

    def make():
        return ShortfallRisk([(0, 2, 3), (1,), (4,), (5,), (6,)], [0.2, 0.08, 0.05, 0.04, 0.02], a, t,
                             0.3, u, 5_000.0)
    return p, make


@pytest.mark.parametrize("seed", range(3))
def test_row_generation_equals_the_full_lp(monkeypatch, seed):
    p, make = _groups_problem(seed, runs=3000)
    assert make().pieces()[0].size > 700                       # hundreds of pieces per group
    lo = min_premium(p).premium
    gen, full = _solve_both(monkeypatch, p, make, budget_grid(lo, 0.12, points=15))
    assert len(gen) == len(full) >= 15
    for a, b in zip(gen, full, strict=True):
        assert a.budget == b.budget
        assert a.risk == pytest.approx(b.risk, rel=1e-9, abs=1e-9)
        assert p.is_feasible(a.x, a.budget, tol=1e-8)
        # distinct premiums and a strictly convex-in-places risk: the optimum is unique here
        np.testing.assert_allclose(a.x, b.x, atol=1e-6)
        assert a.premium == pytest.approx(b.premium, abs=1e-7)


def test_row_generation_hand_solved_kink(monkeypatch):
    # two suppliers, each its own group with the same probability, no caps, no premiums: the risk is
    # pi M [X psi(rho Y / X) + Y psi(rho X / Y)], symmetric in the mix. A fifth of the runs cut exactly
    # rho = 0.5, so psi has a sharp kink at t = rho, which both terms reach at x = (1/2, 1/2): the unique
    # optimum, with risk pi M psi(rho) = pi M mean(T max(0, a - rho))
    rng = np.random.default_rng(11)
    a = np.concatenate([rng.uniform(0.05, 0.95, 4000), np.full(1000, 0.5)])
    t = rng.uniform(0.1, 2.0, a.size)
    p = MixProblem(("A", "B"), [1.0, 1.0], [0.0, 0.0])
    want = 0.1 * 1000.0 * float(np.mean(t * np.maximum(a - 0.5, 0.0)))
    for mode in (True, False):
        monkeypatch.setattr(opt_mod, "_ROW_GENERATION", mode)
        risk = ShortfallRisk([(0,), (1,)], [0.1, 0.1], a, t, 0.5, [1.0, 1.0], 1000.0)
        sol = solve_mix(p, risk, cheapest=False)
        np.testing.assert_allclose(sol.x, [0.5, 0.5], atol=1e-7)
        assert sol.risk == pytest.approx(want, rel=1e-9)
        assert risk.value([0.49, 0.51]) > want + 1e-3          # a kink, not a flat bottom


def test_row_generation_against_brute_force_with_thousands_of_runs():
    p = _three()
    risk = _short(p, runs=4000, seed=2)
    for budget in (-0.05, 0.05, 0.12, math.inf):
        sol = solve_mix(p, risk, budget)
        best = _brute(p, risk, budget)
        assert sol.risk <= best + 1e-8 * max(1.0, best)
        assert best - sol.risk <= 2 * 10_000 * 0.1 * 2.0 * STEP


def test_row_generation_solves_small_programmes(monkeypatch):
    p, make = _groups_problem(0, runs=3000)
    sizes = []
    real = opt_mod._linprog

    def spy(c, a_ub, *args):
        sizes.append(a_ub.shape[0])
        return real(c, a_ub, *args)

    monkeypatch.setattr(opt_mod, "_linprog", spy)
    risk = make()
    full_rows = len(risk.groups) * risk.pieces()[0].size
    lo = min_premium(p).premium
    efficient_frontier(p, risk, budget_grid(lo, 0.12, points=15))
    assert max(sizes) < full_rows / 5
    assert len(sizes) <= 4 * 16                                 # a few rounds per budget, not one per piece


def test_row_generation_falls_back_to_the_full_lp(monkeypatch):
    p, make = _groups_problem(1, runs=2000)
    monkeypatch.setattr(opt_mod, "_ROW_GENERATION", False)
    want = solve_mix(p, make(), 0.02)
    monkeypatch.setattr(opt_mod, "_ROW_GENERATION", True)
    monkeypatch.setattr(opt_mod, "_MAX_ROUNDS", 1)              # one round cannot settle it
    monkeypatch.setattr(opt_mod, "_START_PIECES", 2)
    sizes = []
    real = opt_mod._linprog

    def spy(c, a_ub, *args):
        sizes.append(a_ub.shape[0])
        return real(c, a_ub, *args)

    monkeypatch.setattr(opt_mod, "_linprog", spy)
    risk = make()
    got = solve_mix(p, risk, 0.02)
    # one restricted round, then the full LP's two stages
    assert len(sizes) == 3 and min(sizes[1:]) > len(risk.groups) * risk.pieces()[0].size
    assert got.risk == pytest.approx(want.risk, rel=1e-12)
    np.testing.assert_allclose(got.x, want.x, atol=1e-12)


def test_row_generation_does_not_depend_on_the_order_of_budgets(monkeypatch):
    p, make = _groups_problem(2, runs=1500)
    lo = min_premium(p).premium
    budgets = budget_grid(lo, 0.1, points=9)
    risk = make()
    forward = [solve_mix(p, risk, b, cheapest=False) for b in budgets]
    risk = make()
    backward = [solve_mix(p, risk, b, cheapest=False) for b in budgets[::-1]][::-1]
    for a, b in zip(forward, backward, strict=True):
        assert a.risk == pytest.approx(b.risk, rel=1e-9)
        np.testing.assert_allclose(a.x, b.x, atol=1e-6)


def test_shortfall_risk_pickles_without_the_solver_caches():
    import pickle

    p, make = _groups_problem(0, runs=500)
    risk = make()
    sol = solve_mix(p, risk, 0.01)
    assert risk._state                                          # the solve left its caches
    back = pickle.loads(pickle.dumps(risk))
    assert back._state == {}
    again = solve_mix(p, back, 0.01)
    assert again.risk == pytest.approx(sol.risk, rel=1e-9)
    np.testing.assert_allclose(again.x, sol.x, atol=1e-6)


@st.composite
def _shortfall_cases(draw):
    n = draw(st.integers(2, 6))
    u = np.asarray(draw(st.lists(st.floats(0.05, 1.0), min_size=n, max_size=n)))
    if u.sum() < 1:
        u = np.minimum(u / u.sum() * 1.05, 1.0)
        if u.sum() < 1:
            u[np.argmax(u)] = 1.0
    r = np.asarray(draw(st.lists(st.floats(-0.5, 0.8), min_size=n, max_size=n)))
    # a partition of the suppliers into groups (labels drawn per supplier)
    labels = draw(st.lists(st.integers(0, n - 1), min_size=n, max_size=n))
    groups = [tuple(i for i in range(n) if labels[i] == g) for g in sorted(set(labels))]
    probs = draw(st.lists(st.floats(0.0, 1.0), min_size=len(groups), max_size=len(groups)))
    runs = draw(st.integers(1, 400))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    a = rng.uniform(0, 1, runs)
    if draw(st.booleans()):
        a = np.round(a, 1)                                      # many ties: few distinct pieces
    t = rng.uniform(0, 2, runs)
    rho = draw(st.floats(0.0, 1.0))
    top = draw(st.floats(0.01, 1.0))
    return MixProblem(tuple(f"S{i}" for i in range(n)), u, r), (groups, probs, a, t, rho, u), top


@settings(max_examples=60, deadline=None)
@given(_shortfall_cases())
def test_row_generation_equals_the_full_lp_on_random_problems(case):
    p, args, top = case
    lo = min_premium(p).premium
    budgets = budget_grid(lo, lo + top, points=6)
    res = {}
    for mode in (True, False):
        opt_mod._ROW_GENERATION = mode
        try:
            risk = ShortfallRisk(*args, 1000.0)
            free = solve_mix(p, risk)
            res[mode] = [free, *efficient_frontier(p, risk, budgets, unconstrained=free)]
        finally:
            opt_mod._ROW_GENERATION = True
    # the second stage (cheapest of the least-risk mixes) may give up 1e-9 of the optimum scaled by the
    # largest pi_g M, in either solver: with equal premiums it may stop anywhere within that
    w = 1000.0 * max(max(args[1]), 1e-300)
    slack = 1e-9 * w * max(1.0, max(abs(s.risk) for s in res[False]) / w)
    for a, b in zip(res[True], res[False], strict=True):
        assert a.risk == pytest.approx(b.risk, rel=1e-9, abs=2 * slack)
        assert p.is_feasible(a.x, a.budget, tol=1e-7)


# --------------------------------------------------------------------------- unit values and premiums
# U.S. imports for consumption, HTS 2846, 2025 (USITC DataWeb,
# shared/data/trade/usitc_dataweb_us_trade_hts4_annual/us_imports_for_consumption_1993-2026.xlsx, rows 131
# CHN, 153 EST, 290 MYS, 263 JPN, 339 ZAF, 173 FRA, 205 DEU, 244 IND, 398 VNM, 366 KOR, 20 AUS, 78 CAN,
# 326 RUS, 41 BRA, 212 HKG): first unit of quantity [kg] and customs value [USD].
US_2846_2025 = pd.DataFrame({
    "partner": ["CHN", "EST", "MYS", "JPN", "ZAF", "FRA", "DEU", "IND", "VNM", "KOR", "AUS", "CAN", "RUS",
                "BRA", "HKG"],
    "quantity_kg": [12_047_397, 1_219_544, 1_013_861, 428_804, 251_356, 105_657, 100_429, 33_416, 21_103,
                    7_540, 3_109, 2_985, 85, 0, 0],
    "value_usd": [100_698_766, 2_507_994, 2_554_324, 27_925_968, 4_989_447, 2_937_982, 6_992_893,
                  1_752_759, 1_177_162, 3_905_201, 23_486, 307_855, 125_750, 0, 0],
}).astype({"quantity_kg": float, "value_usd": float})


def test_unit_values_by_hand_from_trade_rows():
    prices, avg = unit_values(US_2846_2025, min_share=0.01)
    p = prices.set_index("partner")
    # 155,899,587 USD / 15,235,286 kg
    assert avg == pytest.approx(10.232797, abs=1e-6)
    assert p.at["CHN", "price_usd_per_kg"] == pytest.approx(8.358550, abs=1e-6)     # 100,698,766 / 12,047,397
    assert p.at["EST", "price_usd_per_kg"] == pytest.approx(2.056501, abs=1e-6)     # 2,507,994 / 1,219,544
    assert p.at["JPN", "price_usd_per_kg"] == pytest.approx(65.125251, abs=1e-6)    # 27,925,968 / 428,804
    assert p.at["ZAF", "price_usd_per_kg"] == pytest.approx(19.850121, abs=1e-6)    # 251,356 kg = 1.65 %
    # France ships 0.69 % of the quantity: its own 27.81 USD/kg is kept as data, the average prices it
    assert p.at["FRA", "unit_value_usd_per_kg"] == pytest.approx(27.806790, abs=1e-6)  # 2,937,982 / 105,657
    assert p.at["FRA", "price_usd_per_kg"] == pytest.approx(avg)
    assert p.at["FRA", "price_basis"].startswith("average: 0.69% of the quantity")
    assert p.at["BRA", "price_basis"] == "average: no quantity in the trade rows"
    assert math.isnan(p.at["BRA", "unit_value_usd_per_kg"])


def test_premiums_by_hand_from_trade_rows():
    prices, avg = unit_values(US_2846_2025, min_share=0.01)
    x = US_2846_2025["quantity_kg"].to_numpy() / 15_235_286
    r, ref, cur = premiums(prices["price_usd_per_kg"].to_numpy(), x)
    # current price: (138,676,499 USD of the five priced suppliers + 10.232797 x 274,324 kg) / 15,235,286 kg
    assert cur == pytest.approx((138_676_499 + avg * 274_324) / 15_235_286)
    assert cur == pytest.approx(9.286573, abs=1e-6)
    assert ref == cur
    pr = dict(zip(US_2846_2025["partner"], r, strict=True))
    assert pr["CHN"] == pytest.approx(8.358550 / 9.286573 - 1, abs=1e-6)           # -0.0999
    assert pr["EST"] == pytest.approx(2.056501 / 9.286573 - 1, abs=1e-6)           # -0.7786
    assert float(r @ x) == pytest.approx(0.0, abs=1e-12)                           # today costs 0
    r2, ref2, _ = premiums(prices["price_usd_per_kg"].to_numpy(), x, basis="cheapest")
    assert ref2 == pytest.approx(2.056501, abs=1e-6)                                # Estonia
    assert float(r2 @ x) == pytest.approx(9.286573 / 2.056501 - 1, abs=1e-5)        # +351.6 %


def test_exportable_volume_and_caps():
    ex = exportable_volume({"CHN": 270_000.0, "AUS": 29_000.0, "USA": 51_000.0},
                           consumption_t={"USA": 10_000.0}, export_share={"CHN": 0.3}).set_index("country")
    assert ex.at["CHN", "exportable_t"] == pytest.approx(81_000.0)
    assert ex.at["CHN", "consumption_t"] == pytest.approx(189_000.0)
    assert ex.at["USA", "exportable_t"] == pytest.approx(41_000.0)
    assert ex.at["AUS", "exportable_t"] == pytest.approx(29_000.0)
    assert ex.at["AUS", "exportable_basis"].startswith("production (own consumption not in the data)")
    u, basis = share_caps([0.79, 0.08, 0.0], [81_000.0, math.nan, 29_000.0], 15_235.286, max_claim_share=0.5)
    np.testing.assert_allclose(u, [1.0, 0.08, 0.5 * 29_000 / 15_235.286])
    assert basis == ["exportable volume", "current share", "exportable volume"]


def test_docstring_examples():
    assert doctest.testmod(inputs_mod, raise_on_error=True).failed == 0
