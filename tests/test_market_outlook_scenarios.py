"""Start year, new capacity, purchases and sweeps on the bundled warehouse (issues 14 and 17): the
2030 baseline hand-checked against IEA's table, the shipped examples, the sweep with common random
numbers, and the CLI's JSON."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from critmin.cli import app
from critmin.errors import ScenarioError
from critmin.market import MarketInputs, build_baseline, load_scenario, simulate
from critmin.market.spec import ScenarioSpec
from critmin.market.sweep import halving_value, parse_sweep, run_sweep
from critmin.warehouse import open_warehouse

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "scenarios"
CUT = EXAMPLES / "ree-2030-refining-cut.toml"
CUT_CAP = EXAMPLES / "ree-2030-refining-cut-new-capacity.toml"
JAPAN = EXAMPLES / "ree-japan-180-day-build.toml"
CHINA = EXAMPLES / "ree-china-state-purchase.toml"

# IEA Critical Minerals Data Explorer 2025 (../shared/data/iea/...json), "Rare Earth Elements" [kt]
IEA_REF_CHN_2030 = 81.12665123569371
IEA_REF_WORLD_2024 = 73.75667016860831 + 3.62523562207358 + 0.0 + 0.96135 + 2.4618712374581975
IEA_REF_MYS_2024 = 3.62523562207358
IEA_DEMAND_2024 = 90.92177761290353
IEA_DEMAND_APS_2030 = 131.56873707265757
# USGS MCS 2026, rare-earth mine production 2024 [t REO]: countries + "Other countries"
USGS_WORLD_2024 = (270_000 + 45_500 + 29_000 + 27_000 + 2_900 + 2_600 + 2_100 + 1_500 + 1_400 + 560 + 300
                   + 140 + 1_000)


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    w = open_warehouse(tmp_path_factory.mktemp("outlook-market") / "w.duckdb")
    yield w
    w.close()


def _spec(**kw) -> ScenarioSpec:
    base = {"name": "t", "commodity": "rare-earths", "horizon_months": 12,
            "baseline": {"exporter_export_share": 0.25, "price": {"usd_per_t": 1000.0},
                         "regions": {"JPN": {"share_of_world": 0.04}}},
            "disruption": {"exporter": "CHN", "duration_months": 6, "cut": 0.5}}
    for k, v in kw.items():
        if isinstance(v, dict) and isinstance(base.get(k), dict):
            base[k] = {**base[k], **v}
        else:
            base[k] = v
    return ScenarioSpec.from_dict(base)


# --------------------------------------------------------------------------- start year
def test_2030_refining_baseline_hand_checked_against_the_iea_table(wh):
    spec = load_scenario(CUT)
    b = build_baseline(spec, wh)
    assert b.stage == "refinery" and b.start_year == 2030 and b.year == 2024 and b.exporter == "CHN"
    factor = USGS_WORLD_2024 / (IEA_REF_WORLD_2024 * 1000)
    assert b.iea_factor == pytest.approx(factor, rel=1e-12)
    caps = {s.country: s.capacity_t_per_year for s in b.suppliers}
    # China follows IEA's 2030 refining; the others keep IEA's 2024 refining (projected_suppliers = exporter)
    assert caps["CHN"] == pytest.approx(IEA_REF_CHN_2030 * 1000 * factor, rel=1e-12)
    assert caps["CHN"] == pytest.approx(385_528, abs=1)
    assert caps["MYS"] == pytest.approx(IEA_REF_MYS_2024 * 1000 * factor, rel=1e-12)
    assert "AUS" not in caps                                   # no Australian refining in 2024
    g = IEA_DEMAND_APS_2030 / IEA_DEMAND_2024
    assert b.projection.demand_growth == pytest.approx(g, rel=1e-12)
    assert b.region("JPN").demand_t_per_year == pytest.approx(0.04 * USGS_WORLD_2024 * g, rel=1e-12)
    usa = b.region("USA")
    assert usa.demand_t_per_year == pytest.approx(9_010 * g, rel=1e-12)   # apparent consumption 2024 x growth
    assert b.exporter_exports_t_per_year == pytest.approx(0.25 * caps["CHN"])
    # balanced: regions outside China take the other refiners' output and China's exports
    outside = sum(caps.values()) - caps["CHN"] + b.exporter_exports_t_per_year
    assert sum(r.demand_t_per_year for r in b.regions) == pytest.approx(outside)
    names = {a["name"] for a in b.assumptions()}
    assert {"baseline.start_year", "baseline.demand_growth", "baseline.iea_to_scenario_factor",
            "baseline.iea_balance.refinery"} <= names
    # IEA's own 2030 APS balance of refining: 106.68 kt supply vs 131.57 kt demand
    assert b.projection.iea_balance["refinery"] == pytest.approx(106.68198331763352 / IEA_DEMAND_APS_2030 - 1)


def test_2030_mine_baseline_scales_each_usgs_country_by_its_iea_growth(wh):
    spec = _spec(year=2030, demand_scenario="STEPS")
    b = build_baseline(spec, wh)
    assert b.stage == "mine" and b.projection.stage_source == "usgs"
    caps = {s.country: s.capacity_t_per_year for s in b.suppliers}
    # USA: USGS 45,500 t x IEA 9.146426631179114 / 6.859819973384336; Thailand: IEA's rest of world growth
    assert caps["USA"] == pytest.approx(45_500 * 9.146426631179114 / 6.859819973384336, rel=1e-12)
    assert caps["THA"] == pytest.approx(2_100 * 16.45062221173015 / 7.145064290360992, rel=1e-12)
    assert caps["CHN"] == pytest.approx(270_000 * 51.224637300063286 / 45.78735, rel=1e-12)
    g = 122.8461793184506 / IEA_DEMAND_2024
    assert b.region("JPN").demand_t_per_year == pytest.approx(0.04 * USGS_WORLD_2024 * g, rel=1e-12)


def test_refinery_stage_without_a_start_year_uses_iea_base_year_shares(wh):
    b = build_baseline(_spec(disruption={"stage": "refinery"}), wh)
    assert b.start_year == 2024 and b.projection.demand_growth == pytest.approx(1.0)
    shares = {s.country: s.capacity_t_per_year / b.world_supply_t_per_year for s in b.suppliers}
    assert shares["CHN"] == pytest.approx(73.75667016860831 / IEA_REF_WORLD_2024, rel=1e-12)
    assert b.world_supply_t_per_year == pytest.approx(USGS_WORLD_2024)


def test_start_year_errors_name_the_key(wh):
    with pytest.raises(ScenarioError, match=r"demand_scenario needs year"):
        _spec(demand_scenario="APS")
    with pytest.raises(ScenarioError, match=r"first_year .* need the scenario's year"):
        _spec(capacity=[{"country": "USA", "stage": "mine", "t_per_year": 5, "first_year": 2027}])
    with pytest.raises(ScenarioError, match="baseline.stage .* and disruption.stage .* differ"):
        _spec(baseline={"stage": "mine"}, disruption={"stage": "refinery"})
    with pytest.raises(ScenarioError, match=r"\[year\] IEA outlook: .*no 2031"):
        build_baseline(_spec(year=2031), wh)
    with pytest.raises(ScenarioError, match=r"\[year\] IEA outlook: .*not in the IEA"):
        build_baseline(_spec(commodity="gallium", year=2030), wh)


def test_capacity_and_purchase_entries_are_checked_against_the_baseline(wh):
    spec = _spec(capacity=[{"country": "CHN", "stage": "mine", "t_per_year": 5, "start_month": 0}])
    with pytest.raises(ScenarioError, match=r"\[capacity.0.country\] CHN is the restricting exporter"):
        MarketInputs.from_spec(spec, build_baseline(spec, wh))
    spec = _spec(capacity=[{"country": "USA", "stage": "mine", "t_per_year": 5, "start_month": 0,
                            "basis": "iea"}])
    with pytest.raises(ScenarioError, match=r"\[capacity.0.basis\] \"iea\" needs an IEA baseline"):
        MarketInputs.from_spec(spec, build_baseline(spec, wh))
    spec = _spec(purchase=[{"region": "FRA", "tonnes": 5, "months": 2}])
    with pytest.raises(ScenarioError, match=r"\[purchase.0.region\] FRA is neither a region"):
        MarketInputs.from_spec(spec, build_baseline(spec, wh))
    with pytest.raises(ScenarioError, match=r"capacity\[0\].t_per_year: not a finite number"):
        _spec(capacity=[{"country": "USA", "stage": "mine", "t_per_year": math.inf, "start_month": 0}])
    with pytest.raises(ScenarioError, match=r"capacity\[0\].first_year: must be a year from 1800 to 2100"):
        _spec(year=2030, capacity=[{"country": "USA", "stage": "mine", "t_per_year": 5,
                                    "first_year": 2027.5}])


# --------------------------------------------------------------------------- shipped examples
def test_new_capacity_entries_convert_iea_tonnes_and_time_their_start(wh):
    spec = load_scenario(CUT_CAP)
    b = build_baseline(spec, wh)
    inp = MarketInputs.from_spec(spec, b)
    assert inp.capacity_names == ("Lynas Malaysia separation expansion",
                                  "MP Materials Mountain Pass separation", "Iluka Eneabba refinery",
                                  "Solvay La Rochelle magnet rare earths")
    f = b.iea_factor
    np.testing.assert_allclose(inp.capacity_t * 12, [6875 * f, 5039 * f, 17_500, 4500 * f])
    np.testing.assert_allclose(inp.capacity_start, [-60.0, -60.0, -36.0, -48.0])   # month 0 = January 2030


def test_capacity_lowers_the_2030_shortfall_with_the_same_draws(wh):
    a = simulate(load_scenario(CUT), runs=2048, seed=4, warehouse=wh)
    b = simulate(load_scenario(CUT_CAP), runs=2048, seed=4, warehouse=wh)
    np.testing.assert_array_equal(a.columns["cut"], b.columns["cut"])              # common random numbers
    sa, sb = a.total_shortfall_t(), b.total_shortfall_t()
    assert np.all(sb <= sa * (1 + 1e-9) + 1e-6)
    assert np.median(sb) < 0.5 * np.median(sa)
    d = b.to_dict()
    cap = d["capacity"]
    assert [p["name"] for p in cap["projects"]][0] == "Lynas Malaysia separation expansion"
    solvay = cap["projects"][3]
    assert abs(solvay["cancelled_share"] - 0.35) < 4 * math.sqrt(0.35 * 0.65 / 2048)
    assert "capacity" not in a.to_dict() and "purchases" not in a.to_dict()


def test_japan_build_reports_its_price_impact_and_who_is_short(wh):
    res = simulate(load_scenario(JAPAN), runs=2048, seed=1, warehouse=wh)
    p = res.to_dict()["purchases"]
    (buyer,) = p["buyers"]
    assert buyer["region"] == "JPN" and buyer["planned_t"] == pytest.approx(7680)
    assert buyer["purchased_t"]["p05"] == pytest.approx(7680)
    assert buyer["impact_usd"]["p05"] > 0
    imp = p["impact"]
    assert imp["peak_price_multiple"]["without"]["p95"] == 1.0       # no disruption in this scenario
    assert imp["peak_price_multiple"]["difference"]["p05"] > 0
    caused = {r["region"]: r["shortfall_t_caused"]["p50"] for r in imp["regions"]}
    assert all(v > 0 for v in caused.values()) and caused["ROW"] > caused["KOR"]
    # the exporter's purchase comes off the market outside it by its export share (0.30)
    inp = MarketInputs.from_spec(load_scenario(CHINA), build_baseline(load_scenario(CHINA), wh))
    assert inp.buyers == ("CHN",) and inp.purchase_t.sum() == pytest.approx(0.30 * 10_000)


# --------------------------------------------------------------------------- sweep
def test_parse_sweep_and_its_errors():
    sw = parse_sweep("capacity.usa=0:60000:7")
    assert sw.target == "USA" and sw.values == (0, 10_000, 20_000, 30_000, 40_000, 50_000, 60_000)
    assert parse_sweep("capacity.AUS=5000, 0,10000").values == (0, 5000, 10_000)
    for bad, msg in [("capacity.USA", "expected KIND.COUNTRY"), ("price.USA=0:1:3", "unknown parameter"),
                     ("capacity.US=0:1:3", "ISO3"), ("capacity.USA=0:10:1", "N must be an integer >= 2"),
                     ("capacity.USA=-5:10:3", "finite values >= 0"),
                     ("capacity.USA=a:b:3", "must be numbers")]:
        with pytest.raises(ScenarioError, match=msg):
            parse_sweep(bad)


def test_halving_value_interpolates_between_swept_values():
    assert halving_value([0, 10, 20], [100.0, 60.0, 20.0]) == pytest.approx(12.5)
    assert halving_value([0, 10], [100.0, 50.0]) == 10.0
    assert halving_value([0, 10], [100.0, 70.0]) is None
    assert halving_value([0, 10], [0.0, 0.0]) is None


def test_sweep_uses_common_random_numbers_and_the_shortfall_falls_with_capacity(wh):
    spec = load_scenario(CUT)
    res = run_sweep(spec, "capacity.USA=0:60000:4", runs=1024, seed=2, warehouse=wh)
    med = [p["shortfall_t"]["p50"] for p in res.points]
    assert all(b <= a for a, b in zip(med, med[1:], strict=False)) and med[-1] < med[0]
    pk = [p["peak_price_multiple"]["mean"] for p in res.points]
    assert all(b <= a * (1 + 1e-12) for a, b in zip(pk, pk[1:], strict=False))
    # value 0 equals the scenario simulated alone (the added zero entry changes nothing)
    alone = simulate(spec, runs=1024, seed=2, warehouse=wh)
    assert res.points[0]["shortfall_t"]["p50"] == pytest.approx(float(np.median(alone.total_shortfall_t())))
    d = res.to_dict()
    assert d["parameter"] == "capacity.USA" and d["stage"] == "refinery" and len(d["points"]) == 4
    h = d["halving"]["value_t_per_year"]
    assert h is None or 0 < h <= 60_000
    with pytest.raises(ScenarioError, match="CHN is the restricting exporter"):
        run_sweep(spec, "capacity.CHN=0:10:2", runs=10, seed=1, warehouse=wh)


def test_cli_sweep_json_and_table(tmp_path):
    runner = CliRunner()
    db = tmp_path / "w.duckdb"
    res = runner.invoke(app, ["--db", str(db), "simulate", str(CUT), "--runs", "600", "--seed", "1",
                              "--sweep", "capacity.USA=0:40000:3", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert [p["value"] for p in out["points"]] == [0, 20_000, 40_000]
    assert {"shortfall_t", "peak_price_multiple", "regions"} <= set(out["points"][0])
    assert set(out["halving"]) >= {"value_t_per_year", "shortfall_t_p50_at_first"}
    table = runner.invoke(app, ["--db", str(db), "simulate", str(CUT), "--runs", "300", "--seed", "1",
                                "--sweep", "capacity.USA=0:40000:3"])
    assert table.exit_code == 0, table.output
    assert "shortfall" in table.stdout and "40,000" in table.stdout
    bad = runner.invoke(app, ["--db", str(db), "simulate", str(CUT), "--sweep", "capacity.USA=1"])
    assert bad.exit_code == 2 and "at least two finite values" in bad.output


def test_old_scenarios_keep_their_json_shape(wh):
    d = simulate(load_scenario(EXAMPLES / "ree-export-ban.toml"), runs=300, seed=1, warehouse=wh).to_dict()
    assert "capacity" not in d and "purchases" not in d and "projection" not in d["baseline"]
    new = ("capacity", "purchase", "baseline.start_year")
    assert not any(a["name"].startswith(new) for a in d["assumptions"])
