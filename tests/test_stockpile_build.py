"""Buying the stock with market impact (issue 17, docs/methods.md §7): build cost >= P0 Q, the impact
falls with longer schedules, the early-holding term, the wiring into the planner and the CLI."""

from __future__ import annotations

import dataclasses
import json
import types

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from critmin.cli import app
from critmin.market import MarketInputs, build_baseline, load_scenario, simulate
from critmin.stockpile import plan
from critmin.stockpile.build import BUILD_MONTHS, build_cost, build_plan, build_spec, early_holding_cost
from critmin.stockpile.planning_scenarios import find_scenario, planning_spec
from critmin.warehouse import open_warehouse


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    w = open_warehouse(tmp_path_factory.mktemp("build") / "w.duckdb")
    yield w
    w.close()


@pytest.fixture(scope="module")
def ree(wh):
    spec = planning_spec(load_scenario(find_scenario("rare-earths")), "JPN", 0.0)
    return spec, build_baseline(spec, wh)


def test_early_holding_cost_is_half_the_schedule_at_the_holding_rate():
    # 1,000 t held on average 6 of 12 months at 800 USD/t/yr: 400,000 USD
    assert early_holding_cost(1000.0, 12.0, 800.0) == pytest.approx(400_000.0)
    assert early_holding_cost(0.0, 12.0, 800.0) == 0.0


def test_build_spec_is_a_calm_market_with_one_purchase(ree):
    spec, _ = ree
    s = build_spec(spec, "JPN", 5000.0, 7.5)
    assert s.disruption.probability == 0.0 and "JPN" not in s.stockpiles and "KOR" in s.stockpiles
    assert s.horizon_months == 8 and len(s.purchase) == 1
    p = s.purchase[0]
    assert (p.region, p.tonnes, p.months, p.start_month) == ("JPN", 5000.0, 7.5, 0.0)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(stock=st.floats(1.0, 12_000.0), months=st.floats(0.5, 36.0))
def test_build_cost_is_at_least_today_price_times_tonnes(ree, stock, months):
    # up to 12,000 t a month: less than the market outside China supplies in a month (~15,800 t), so the
    # purchase is always bought in full (served first, at up to the choke price)
    spec, b = ree
    c = build_cost(spec, b, "JPN", stock, months, holding_usd_per_t_year=800.0, runs=256, seed=3)
    assert c.cost_usd["p05"] >= b.p0_usd_per_t * stock * (1 - 1e-12)
    assert c.impact_usd >= 0 and c.bought_share == pytest.approx(1.0)
    assert c.total_usd == pytest.approx(c.cost_usd["mean"] + early_holding_cost(stock, months, 800.0))
    assert c.peak_price_multiple["p05"] >= 1.0


def test_build_cost_is_the_simulated_purchase_cost_and_falls_with_longer_schedules(ree, wh):
    spec, b = ree
    costs = [build_cost(spec, b, "JPN", 15_000.0, m, holding_usd_per_t_year=800.0, runs=512, seed=1)
             for m in (3, 6, 12, 24)]
    impact = [c.impact_usd for c in costs]
    assert all(x > y for x, y in zip(impact, impact[1:], strict=False))
    # the same number from the market simulator itself
    s = build_spec(spec, "JPN", 15_000.0, 6)
    res = simulate(s, runs=512, seed=1, baseline=b, purchase_counterfactual=False)
    assert costs[1].cost_usd["mean"] == pytest.approx(float(res.columns["purchase_cost_usd[JPN]"].mean()),
                                                      rel=1e-12)
    inp = MarketInputs.from_spec(s, b)
    assert inp.purchase_t.sum() == pytest.approx(15_000.0)


def test_builds_simulated_together_equal_each_simulated_alone(ree):
    # build_costs simulates builds of similar length in one engine call each (each run with its own
    # purchases, simulated past the end of the shorter ones): every figure equal to build_cost's
    from critmin.stockpile import build

    spec, b = ree
    builds = [(9_000.0, m) for m in BUILD_MONTHS] + [(2_500.0, 12.0), (40_000.0, 12.0), (0.0, 6.0),
                                                     (9_000.0, 12.0), (123.4, 7.5)]
    together = build.build_costs(spec, b, "JPN", builds, holding_usd_per_t_year=800.0, runs=300, seed=4)
    alone = [build_cost(spec, b, "JPN", q, m, holding_usd_per_t_year=800.0, runs=300, seed=4)
             for q, m in builds]
    assert together == alone
    assert len({c.impact_usd for c in alone}) > 10                     # the builds differ
    # the calm baseline lets builds of different lengths share a call; without it only equal ones do
    items = [(i, build_spec(spec, "JPN", q, m), None) for i, (q, m) in enumerate(builds) if q > 0]
    items = [(i, s, MarketInputs.from_spec(s, b)) for i, s, _x in items]
    assert abs(build.calm_excess_demand(items[0][2])) <= 1e-12 * float(items[0][2].demand_t.sum())
    mixed = build._groups(items, 300)
    assert any(len({it[2].horizon for it in g}) > 1 for g in mixed)
    assert sorted(i for g in mixed for i, _s, _x in g) == sorted(i for i, _s, _x in items)
    # a market that does not clear at P0 on its own (demand 1e-10 above supply, within the baseline's
    # balance check): only builds of the same length share a call
    def tilt(x):
        d = x.demand_t.copy()
        d[-1] += 1e-10 * float(d.sum())
        return dataclasses.replace(x, demand_t=d)

    tilted = [(i, s, tilt(x)) for i, s, x in items]
    assert not build._calm(tilted[0][2])
    strict = build._groups(tilted, 300)
    assert all(len({it[2].horizon for it in g}) == 1 for g in strict)
    assert any(len(g) > 1 for g in strict)                             # the 12-month builds
    # nor do builds of another market or with other draws
    assert build._same_market(items[0], items[1])
    assert not build._same_market(items[0], tilted[1])
    other_draws = types.SimpleNamespace(random_params=lambda: {})
    assert not build._same_market(items[0], (items[1][0], other_draws, items[1][2]))


def test_build_plan_picks_the_least_total_cost(ree):
    spec, b = ree
    bp = build_plan(spec, b, "JPN", 8_000.0, 6, holding_usd_per_t_year=800.0, runs=256, seed=2,
                    grid=(1, 3, 6, 12, 24))
    totals = {c.months: c.total_usd for c in bp.curve}
    assert sorted(totals) == [1, 3, 6, 12, 24]
    assert bp.best.total_usd == min(totals.values()) and bp.asked.months == 6
    d = bp.to_dict()
    assert d["optimal_months"] == bp.best.months and len(d["curve"]) == 5
    assert BUILD_MONTHS[0] == 1 and BUILD_MONTHS[-1] == 60


def test_plan_prices_the_policies_with_market_impact(wh):
    res = plan("JPN", "rare-earths", runs=256, seed=1, warehouse=wh, build_months=6)
    m = res.material("rare-earths")
    pol = m.policies
    assert {"purchase_with_impact_usd", "purchase_impact_usd"} <= set(pol.columns)
    assert np.all(pol["purchase_with_impact_usd"] >= pol["purchase_usd"] * (1 - 1e-12))
    assert pol.loc[pol["stock_t"] == 0, "purchase_with_impact_usd"].eq(0).all()
    big = pol.sort_values("stock_t")
    share = (big["purchase_with_impact_usd"] / big["purchase_usd"]).iloc[1:]
    assert share.is_monotonic_increasing                 # a bigger stock moves the price more
    d = m.to_dict()["build"]
    assert d["months"] == 6 and d["stock_t"] == pytest.approx(m.planned_t)
    assert d["asked"]["cost_with_impact_usd"]["mean"] >= d["asked"]["cost_at_p0_usd"]
    assert any(a["name"] == "planning.build_months" for a in res.assumptions)
    plain = plan("JPN", "rare-earths", runs=256, seed=1, warehouse=wh)
    assert "build" not in plain.material("rare-earths").to_dict()
    assert "purchase_with_impact_usd" not in plain.material("rare-earths").policies


def test_cli_build_months(tmp_path):
    runner = CliRunner()
    res = runner.invoke(app, ["--db", str(tmp_path / "w.duckdb"), "stockpile", "plan", "--region", "JPN",
                              "--materials", "rare-earths", "--runs", "200", "--build-months", "24",
                              "--json"])
    assert res.exit_code == 0, res.output
    m = json.loads(res.stdout)["materials"][0]
    assert m["build"]["months"] == 24 and "purchase_with_impact_usd" in m["policies"][0]
    table = runner.invoke(app, ["--db", str(tmp_path / "w.duckdb"), "stockpile", "plan", "--region", "JPN",
                                "--materials", "rare-earths", "--runs", "200", "--build-months", "6"])
    assert table.exit_code == 0, table.output
    assert "buy+imp M$" in table.stdout and "cheapest schedule" in table.stdout
