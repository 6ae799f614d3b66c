"""The stockpile plan on the bundled data (small runs): the curve points are the market simulator's, a
stock released into the market does not cover min(L, S), the JSON contract, budgets, and the CLI."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from typer.testing import CliRunner

from critmin.cli import app
from critmin.errors import ScenarioError
from critmin.market import load_scenario, simulate
from critmin.stockpile import PlanningParams, find_scenario, plan, planning_spec
from critmin.stockpile.sizing import expected_excess, optimal_stock
from critmin.warehouse import open_warehouse

RUNS = 1024
CONTRACT = {"region", "budget", "materials", "frontier", "assumptions"}
MATERIAL_KEYS = {"material", "optimal_days", "optimal_t", "cost_usd", "expected_shortfall_t", "policies"}
POLICY_KEYS = {"days", "expected_cost_usd", "p_stockout"}


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("stockpile_job") / "w.duckdb"
    open_warehouse(path).close()
    return path


@pytest.fixture(scope="module")
def wh(db):
    w = open_warehouse(db)
    yield w
    w.close()


@pytest.fixture(scope="module")
def jpn(wh):
    return plan("JPN", ["rare-earths", "gallium"], runs=RUNS, seed=3, warehouse=wh)


def _check_contract(d: dict, n_materials: int) -> None:
    assert set(d) >= CONTRACT
    assert len(d["materials"]) == n_materials
    for m in d["materials"]:
        assert set(m) >= MATERIAL_KEYS
        assert m["policies"] and all(set(p) >= POLICY_KEYS for p in m["policies"])
        assert {p["days"] for p in m["policies"]} >= {0, 60, 100, 180}
        assert all(0.0 <= p["p_stockout"] <= 1.0 for p in m["policies"])
    assert d["frontier"] and all({"budget", "expected_cost_usd"} <= set(f) for f in d["frontier"])
    assert isinstance(d["assumptions"], list) and d["assumptions"]
    assert all({"name", "value", "unit", "kind", "source"} <= set(a) for a in d["assumptions"])
    json.dumps(d)                                   # JSON-ready


def test_plan_contract_and_values(jpn):
    d = jpn.to_dict()
    _check_contract(d, 2)
    assert d["region"] == "JPN" and d["budget"] is None
    for m, p in zip(d["materials"], jpn.materials, strict=True):
        # no budget: the plan is the cost-optimal size, a point of the simulated curve
        assert m["optimal_t"] == pytest.approx(p.optimum.stock_t)
        assert m["optimal_days"] == pytest.approx(p.optimum.stock_t * 365 / p.consumption_t_per_year)
        assert m["cost_usd"] == pytest.approx(p.optimum.stock_t * p.price_usd_per_t)
        assert p.optimum.stock_t in set(p.points["stock_t"])
        assert m["newsvendor"]["first_order_condition_holds"]
        # the policies' annual cost is h S + pi p E[L(S)]
        for r in m["policies"]:
            assert r["expected_cost_usd"] == pytest.approx(
                p.holding_usd_per_t_year * r["stock_t"] + p.probability * p.shortage_cost_usd_per_t
                * r["expected_shortfall_t"])
        # the optimum's cost is the least of all policies'
        opt = next(r for r in m["policies"] if r["policy"] == "optimum")
        assert opt["expected_cost_usd"] <= min(r["expected_cost_usd"] for r in m["policies"]) * (1 + 1e-12)
        # Japan's consumption is an estimate here, and it says so
        assert m["consumption_estimate"] and m["consumption_kind"] == "estimate"
    # defaults shown as assumptions
    names = {a["name"]: a for a in d["assumptions"]}
    assert names["planning.disruption_probability"]["kind"] == "default"
    assert names["gallium.consumption.JPN"]["kind"] == "estimate"
    assert names["gallium.holding_cost"]["value"] == pytest.approx(0.06 * 580_000)
    # the frontier never rises with the budget
    fr = jpn.frontier
    assert (np.diff(fr["expected_cost_usd"]) <= 1e-6).all() and (np.diff(fr["budget"]) >= 0).all()


def test_curve_points_are_the_market_simulator(jpn, wh):
    # each point of a curve is `simulate` of the planning scenario with that stock, runs and seed
    p = jpn.material("gallium")
    spec = load_scenario(find_scenario("gallium"))
    for s in p.points["stock_t"].iloc[[1, -1]]:        # a simulated stock, and the largest (reused) one
        sim = simulate(planning_spec(spec, "JPN", float(s)), runs=RUNS, seed=3, warehouse=wh)
        row = p.points.loc[p.points["stock_t"] == s].iloc[0]
        # `simulate` stores the per-run shortfall in float32 (7 significant digits), the planner averages
        # the engine's float64 output: equal to float32 precision
        got = sim.columns["shortfall_t[JPN]"].mean(dtype=np.float64)
        assert got == pytest.approx(row["expected_shortfall_t"], rel=1.2e-7)


def test_stocks_simulated_together_equal_each_simulated_alone(wh):
    # the planner simulates a round's stocks of a material in one engine call (evaluate_many): every
    # figure, and every run's shortfall and release, equal to one call per stock bit for bit
    from critmin.stockpile import evaluation, job

    mat = job._prepare("gallium", job._load(None, "gallium"), "JPN", PlanningParams(), wh, 1500, 3)
    stocks = [mat.cap_t * f for f in (0.05, 0.002, 1.0, 0.01)]
    alone = [evaluation.evaluate(mat.setup, s, keep=True) for s in stocks]
    together = evaluation.evaluate_many(mat.setup, stocks, [True] * len(stocks))
    for a, b in zip(alone, together, strict=True):
        assert set(a) == set(b)
        for key in a:
            np.testing.assert_array_equal(b[key], a[key], err_msg=key)
    assert len({r["expected_shortfall_t"] for r in alone}) >= 3   # the stocks matter
    with pytest.raises(ValueError, match="> 0"):
        evaluation.evaluate_many(mat.setup, [0.0, stocks[0]], [False, False])


def test_a_stock_in_the_market_does_not_cover_min_l_s(jpn):
    # with min(L, S), E[L(S)] would be E[(L(0) - S)^+]; a release lowers everyone's price, so the region's
    # own shortfall falls by less than the stock: the planner re-simulates instead (job docstring)
    for p in jpn.materials:
        s = p.points["stock_t"].to_numpy()
        el = p.points["expected_shortfall_t"].to_numpy()
        assert el[0] == pytest.approx(p.shortfall_no_stock_t.mean())
        assert el[0] > el[-1]                                  # a stock helps, ...
        one_to_one = expected_excess(p.shortfall_no_stock_t, s)
        assert (el[1:] > one_to_one[1:]).all()                 # ... but less than one-to-one
        assert 0 < p.newsvendor["shortfall_avoided_per_t_first_step"] < 0.9


def test_budget_allocation_is_binding_and_checked_by_lp(wh, jpn):
    full = sum(p.optimum.stock_t * p.price_usd_per_t for p in jpn.materials)
    budget = 0.3 * full
    res = plan("JPN", ["rare-earths", "gallium"], budget, runs=RUNS, seed=3, warehouse=wh)
    d = res.to_dict()
    _check_contract(d, 2)
    assert d["budget"] == budget
    spent = sum(m["cost_usd"] for m in d["materials"])
    assert spent == pytest.approx(budget, rel=1e-9)
    assert d["allocation"]["lp_check"]["total_cost_usd"] == pytest.approx(
        d["allocation"]["lp_check"]["greedy_total_cost_usd"], rel=1e-9)
    # the budget point lies on the frontier, and a smaller plan never costs less in expectation
    fr = res.frontier.set_index("budget")
    assert fr.loc[budget, "expected_cost_usd"] >= fr["expected_cost_usd"].min()
    assert any(r["policy"] == "budget plan" for r in d["materials"][0]["policies"])


def test_higher_probability_never_lowers_the_optimum_on_the_plan_curves(jpn):
    for p in jpn.materials:
        s, e = p.points["stock_t"].to_numpy(), p.points["expected_shortfall_t"].to_numpy()
        opts = [optimal_stock(s, e, holding=p.holding_usd_per_t_year, probability=pi,
                              shortage_cost=p.shortage_cost_usd_per_t).stock_t
                for pi in (0.01, 0.05, 0.1, 0.2, 0.5, 1.0)]
        assert opts == sorted(opts)


def test_months_of_cover_in_the_p95_disruption(jpn):
    for p in jpn.materials:
        pol = p.policies.set_index("policy")
        need = p.p95["need_t"]
        assert pol.loc["0 days", "months_of_cover_p95"] == 0.0
        # at most the months the region draws on a stock in that disruption
        assert (pol["months_of_cover_p95"] <= (need > 0).sum() + 1e-9).all()
        m60 = pol.loc["60 days", "months_of_cover_p95"]
        assert m60 > 0 and (pol.loc["180 days", "months_of_cover_p95"] >= m60)
        assert p.p95["shortfall_no_stock_t"] >= np.quantile(p.points["expected_shortfall_t"], 0) or True


def test_parameters_change_the_sizing_not_the_simulations(wh):
    a = plan("JPN", ["gallium"], runs=RUNS, seed=3, warehouse=wh,
             params=PlanningParams(disruption_probability=0.02, refine_rounds=0))
    b = plan("JPN", ["gallium"], runs=RUNS, seed=3, warehouse=wh,
             params=PlanningParams(disruption_probability=0.5, refine_rounds=0))
    pa, pb = a.materials[0], b.materials[0]
    assert pa.points["expected_shortfall_t"].tolist() == pb.points["expected_shortfall_t"].tolist()
    assert pb.optimum.stock_t >= pa.optimum.stock_t
    names = {x["name"]: x for x in b.to_dict()["assumptions"]}
    assert names["planning.disruption_probability"]["kind"] == "assumption"


def test_errors_name_what_is_missing(wh):
    with pytest.raises(ScenarioError, match="not one of its regions"):
        plan("KOR", ["gallium"], runs=RUNS, warehouse=wh)
    with pytest.raises(ScenarioError, match="no disruption scenario for lithium"):
        plan("JPN", ["lithium"], runs=RUNS, warehouse=wh)
    with pytest.raises(KeyError):
        plan("JPN", ["unobtainium"], runs=RUNS, warehouse=wh)


def test_cli_plan_json_has_every_contract_key(db):
    runner = CliRunner()
    res = runner.invoke(app, ["--db", str(db), "stockpile", "plan", "--region", "JPN", "--materials",
                              "rare-earths,gallium,tungsten,cobalt", "--runs", str(RUNS), "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    _check_contract(d, 4)
    assert [m["material"] for m in d["materials"]] == ["rare-earths", "gallium", "tungsten", "cobalt"]
    assert all(m["optimal_days"] is not None and not math.isnan(m["optimal_days"]) for m in d["materials"])
    table = runner.invoke(app, ["--db", str(db), "stockpile", "plan", "--region", "JPN", "--materials",
                                "gallium", "--runs", "512", "--budget", "1e6"])
    assert table.exit_code == 0, table.output
    assert "60 days" in table.stdout and "180 days" in table.stdout and "optimum" in table.stdout
    bad = runner.invoke(app, ["--db", str(db), "stockpile", "plan", "--region", "JPN", "--materials",
                              "lithium", "--runs", "512"])
    assert bad.exit_code == 2 and "lithium" in bad.output


def test_plan_with_too_many_runs_is_refused_before_simulating(warehouse_path):
    from critmin.market.memory import MemoryEstimateError
    from critmin.warehouse import open_warehouse

    with open_warehouse(warehouse_path, read_only=True) as wh, \
            pytest.raises(MemoryEstimateError, match="1,000,000,000 runs per stock would need about"):
        plan("JPN", ["rare-earths"], runs=1_000_000_000, warehouse=wh)
