"""``critmin diversify`` on the bundled data: the JSON contract, the current mix against the trade data,
governance factors and premiums by hand, the frontier's feasibility, the shortfall's common random numbers,
why the market model is not re-simulated, and the CLI."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from typer.testing import CliRunner

from critmin.cli import app
from critmin.dependence import importer_dependence
from critmin.diversify import DiversifyParams, InfeasibleBudgetError, disruption_sample, diversify
from critmin.errors import DataError
from critmin.market import load_scenario, simulate
from critmin.stockpile import find_scenario
from critmin.warehouse import open_warehouse

CONTRACT = {"commodity", "importer", "objective", "current", "frontier", "assumptions"}
RUNS = 256


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("diversify") / "w.duckdb"
    open_warehouse(path).close()
    return path


@pytest.fixture(scope="module")
def wh(db):
    w = open_warehouse(db)
    yield w
    w.close()


@pytest.fixture(scope="module")
def geo(wh):
    return diversify("rare-earths", importer="USA", objective="geopolrisk", warehouse=wh)


@pytest.fixture(scope="module")
def short(wh):
    return diversify("rare-earths", importer="USA", objective="shortfall", params=DiversifyParams(runs=RUNS),
                     warehouse=wh)


def _check_frontier(res) -> None:
    cand = res.candidates.set_index("supplier")
    assert len(res.frontier) >= 10
    prev = math.inf
    for p in res.frontier:
        assert sum(p.mix.values()) == pytest.approx(1.0, abs=1e-9)
        for s, x in p.mix.items():
            assert 0 < x <= cand.at[s, "upper"] + 1e-9
        assert p.premium <= p.budget + 1e-7
        assert p.risk <= prev + 1e-7 * max(1.0, abs(prev))
        prev = p.risk
    budgets = [p.budget for p in res.frontier]
    assert budgets == sorted(budgets)
    # the frontier runs to premium_max, or ends at the least-risk mix when it costs less (no repeated
    # points past it, issue 17: at least 10 distinct points)
    if budgets[-1] != pytest.approx(res.premium_max):
        assert res.frontier[-1].risk == pytest.approx(res.unconstrained.risk, rel=1e-7)
        assert any("buys no less risk" in n for n in res.notes)
    assert len({round(p.premium, 9) for p in res.frontier}) >= 10


def test_contract_and_json(geo):
    d = geo.to_dict()
    assert set(d) >= CONTRACT
    assert d["commodity"] == "rare-earths" and d["importer"] == "USA" and d["objective"] == "geopolrisk"
    assert set(d["current"]) >= {"mix", "risk", "premium"}
    assert all(set(p) >= {"premium", "risk", "mix"} for p in d["frontier"])
    assert all({"name", "value", "unit", "kind", "source"} <= set(a) for a in d["assumptions"])
    json.dumps(d, allow_nan=False)
    df = geo.to_frame()
    assert {"point", "supplier", "share", "current_share", "change_t", "premium", "risk"} <= set(df.columns)
    assert df.groupby("point")["share"].sum().to_numpy() == pytest.approx(1.0)


def test_current_mix_is_the_trade_data(geo, wh):
    dep = importer_dependence("rare-earths", "USA", warehouse=wh)
    want = {r.partner: r.share for r in dep.table.itertuples() if r.share > 0}
    assert geo.current.mix.keys() == want.keys()
    for k, v in want.items():
        assert geo.current.mix[k] == pytest.approx(v)
    assert geo.year == dep.year == 2025
    assert geo.imports_t == pytest.approx(15_235.286)            # 15,235,286 kg (USITC, HTS 2846, 2025)
    assert geo.current.hhi == pytest.approx(dep.hhi)              # the same shares, the same HHI
    assert geo.current.premium == 0.0                              # premium over today's price


def test_governance_factors_and_premiums_by_hand(geo):
    c = geo.candidates.set_index("supplier")
    # WGI 2024 update, pv 2023 (wgidataset_2024update_1996-2023.xlsx rows 31286, 31257): g = (2.5 - PV) / 5
    assert c.at["CHN", "g"] == pytest.approx((2.5 + 0.513097) / 5, abs=1e-6)
    assert c.at["AUS", "g"] == pytest.approx((2.5 - 0.917057) / 5, abs=1e-6)
    assert geo.current.risk == pytest.approx(float((c["g"] * c["current_share"]).sum()))
    # prices: see tests/test_diversify.py (USITC rows); the current mix's price 9.286573 USD/kg
    assert geo.reference_price_usd_per_kg == pytest.approx(9.286573, abs=1e-6)
    assert c.at["CHN", "premium"] == pytest.approx(8.358550 / 9.286573 - 1, abs=1e-6)
    assert geo.average_price_usd_per_kg == pytest.approx(10.232797, abs=1e-6)
    assert c.at["MMR", "price_usd_per_kg"] == pytest.approx(10.232797, abs=1e-6)   # no trade: the average
    # caps: China exports 30 % of its 270,000 t (the scenario's statement), Australia its 29,000 t (MCS 2026)
    assert c.at["CHN", "exportable_t"] == pytest.approx(81_000.0)
    assert c.at["AUS", "upper"] == pytest.approx(0.5 * 29_000 / 15_235.286)
    assert c.at["EST", "upper"] == pytest.approx(c.at["EST", "current_share"])   # a processor: no growth
    assert "USA" not in c.index                                                    # not its own supplier


def test_geopolrisk_frontier(geo):
    _check_frontier(geo)
    assert geo.at is not None and geo.at.budget == pytest.approx(0.10)
    # at 10 % the LP fills Australia's cap: its g is the lowest of the producers
    assert geo.at.mix["AUS"] == pytest.approx(0.5 * 29_000 / 15_235.286, abs=1e-6)
    assert geo.at.risk < geo.current.risk
    assert geo.at.extra_cost_usd == pytest.approx(0.10 * 9.286573 * 15_235_286, rel=1e-4)
    moved = sum(m["change_t"] for m in geo.at.moves)
    assert moved == pytest.approx(0.0, abs=1e-6)


def test_hhi_frontier_and_cheapest_basis(wh):
    res = diversify("rare-earths", importer="USA", objective="hhi",
                    params=DiversifyParams(premium_basis="cheapest"), premium_max=4.0, warehouse=wh)
    _check_frontier(res)
    assert res.cheapest_price_usd_per_kg == pytest.approx(2.056501, abs=1e-6)       # Estonia
    # today's mix costs 9.286573 / 2.056501 - 1 over the cheapest supplier
    assert res.current.premium == pytest.approx(9.286573 / 2.056501 - 1, abs=1e-5)
    assert res.current.premium_over_cheapest == pytest.approx(res.current.premium)
    assert res.unconstrained.risk < 0.1 < res.current.risk


def test_shortfall_uses_the_scenario_draws(short, wh):
    spec = load_scenario(find_scenario("rare-earths"))
    sim = simulate(spec, runs=RUNS, seed=1, warehouse=wh)
    sample = disruption_sample(spec, runs=RUNS, seed=1)
    # common random numbers: run k of the shortfall is run k of `critmin simulate` with the same seed
    # the per-run table keeps the draws in float32 (7 digits): their product agrees to ~2 float32 ulps
    np.testing.assert_allclose(sample.lost_share, sim.columns["cut"].astype(float)
                               * (1 - sim.columns["leakage"].astype(float)), rtol=3e-7)
    np.testing.assert_allclose(sample.cut_years * 12, np.minimum(sim.columns["duration_months"],
                                                                 36 - sim.columns["start_month"]))
    _check_frontier(short)
    c = short.candidates.set_index("supplier")
    assert c.at["CHN", "group"] == "CHN+MMR" and c.at["MMR", "group"] == "CHN+MMR"
    assert c.at["CHN", "disruption_probability"] == pytest.approx(0.10)
    assert c.at["AUS", "disruption_probability"] == pytest.approx(0.10 * c.at["AUS", "g"] / c.at["CHN", "g"])
    assert short.risk_unit == "t/yr" and short.current.risk > 0
    # the mix at no extra cost already cuts the expected shortfall: China's share falls
    zero = next(p for p in short.frontier if p.budget == 0.0)
    assert zero.risk < short.current.risk
    assert zero.mix.get("CHN", 0.0) < short.current.mix["CHN"]


def test_market_model_cannot_express_a_mix(wh):
    """The reason the shortfall is a proxy: in the market model a region's shortfall does not depend on
    how much it buys from the exporter (one clearing price, pro-rata rationing)."""
    spec = load_scenario(find_scenario("rare-earths"))
    out = {}
    for share in (0.2, 0.9):
        b = spec.baseline.model_dump()
        b["regions"]["USA"]["share_from_exporter"] = share
        res = simulate(spec.with_overrides(baseline=b), runs=RUNS, seed=1, warehouse=wh)
        out[share] = res.columns["shortfall_t[USA]"]
        assert res.baseline.region("USA").exports_from_exporter_t_per_year > 0
    assert out[0.2].mean() > 0
    np.testing.assert_array_equal(out[0.2], out[0.9])


def test_excluded_suppliers_get_nothing(wh):
    res = diversify("rare-earths", importer="USA", objective="hhi", exclude=["CHN", "MMR"], warehouse=wh)
    assert "MMR" not in set(res.candidates["supplier"])                 # not a candidate at all
    c = res.candidates.set_index("supplier")
    assert c.at["CHN", "upper"] == 0.0 and c.at["CHN", "cap_basis"] == "excluded"
    assert all("CHN" not in p.mix for p in res.frontier)
    assert res.current.mix["CHN"] == pytest.approx(0.790756, abs=1e-6)   # today's mix is still today's
    assert any(a["name"] == "diversify.exclude" for a in res.assumptions)


def test_excluded_suppliers_by_name_and_unknown_ones_refused(wh):
    """A supplier to exclude may be named ("Myanmar" is MMR); one that is not a country is refused
    before any work (it used to exclude nothing, silently)."""
    res = diversify("rare-earths", importer="USA", objective="hhi", exclude=["china", "Myanmar"],
                    warehouse=wh)
    assert "MMR" not in set(res.candidates["supplier"])
    assert res.candidates.set_index("supplier").at["CHN", "cap_basis"] == "excluded"
    for bad in ("ZZZ", "World", "CHN,MMR"):
        with pytest.raises(DataError, match="is not a country"):
            diversify("rare-earths", importer="USA", objective="hhi", exclude=[bad], warehouse=wh)


def test_errors(wh):
    with pytest.raises(InfeasibleBudgetError, match="cheapest mix within the caps"):
        diversify("rare-earths", importer="USA", objective="hhi", premium_max=-0.5, warehouse=wh)
    with pytest.raises(DataError, match="unknown objective"):
        diversify("rare-earths", importer="USA", objective="cost", warehouse=wh)
    with pytest.raises(DataError, match="unknown importer"):
        diversify("rare-earths", importer="XXX", objective="hhi", warehouse=wh)


def test_cli(db):
    runner = CliRunner()
    env = {"CRITMIN_DB": str(db)}
    r = runner.invoke(app, ["diversify", "rare-earths", "--importer", "USA", "--objective", "geopolrisk",
                            "--json"], env=env)
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert set(d) >= CONTRACT and len(d["frontier"]) >= 10
    assert d["at"]["budget"] == pytest.approx(0.1)
    r = runner.invoke(app, ["diversify", "rare-earths", "--importer", "USA", "--objective", "hhi", "--csv"],
                      env=env)
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines()[0].startswith("commodity,importer,year,objective,point")
    r = runner.invoke(app, ["diversify", "rare-earths", "--importer", "USA", "--objective", "hhi"], env=env)
    assert r.exit_code == 0, r.output
    assert "efficient frontier" in r.stdout and "mix at a 10% premium" in r.stdout
    r = runner.invoke(app, ["diversify", "rare-earths", "--importer", "USA", "--premium-max", "-0.5",
                            "--objective", "hhi"], env=env)
    assert r.exit_code == 2 and "the cheapest mix within the" in " ".join(r.output.split())
    r = runner.invoke(app, ["diversify", "rare-earths", "--importer", "XXX"], env=env)
    assert r.exit_code == 2 and "error" in r.output and "Traceback" not in r.output
