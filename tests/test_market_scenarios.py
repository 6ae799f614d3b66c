"""Scenario files: the loader's errors, the baseline built from the bundled warehouse (hand-checked
against the USGS rows), the shipped examples, and ``critmin simulate``'s JSON contract."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import critmin
from critmin.cli import app
from critmin.errors import ScenarioError
from critmin.market import MarketInputs, build_baseline, load_scenario, simulate
from critmin.market.additions import capacity_entries
from critmin.market.engine import (
    SAMPLING_BLOCK,
    ChunkTask,
    EnginePayload,
    chunk_columns,
    column_dtypes,
    draw_runs,
    run_chunk,
)
from critmin.market.spec import ScenarioSpec, sample_param
from critmin.warehouse import open_warehouse

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "scenarios"
SCENARIOS = sorted(EXAMPLES.glob("*.toml"))

MINIMAL = """
name = "t"
commodity = "rare-earths"
horizon_months = 12
[baseline]
exporter_export_share = 0.3
[baseline.price]
usd_per_t = 1000
[disruption]
exporter = "CHN"
duration_months = 6
cut = 0.5
"""


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    w = open_warehouse(tmp_path_factory.mktemp("market") / "w.duckdb")
    yield w
    w.close()


def _write(tmp_path, text: str) -> Path:
    p = tmp_path / "scenario.toml"
    p.write_text(text, "utf-8")
    return p


# --------------------------------------------------------------------------- loader errors
def test_minimal_scenario_loads_with_defaults(tmp_path):
    spec = load_scenario(_write(tmp_path, MINIMAL))
    assert spec.horizon_months == 12 and spec.disruption.cut == 0.5
    assert spec.market.demand_elasticity_short == -0.1 and spec.market.choke_multiple == 10.0
    assert spec.path.endswith("scenario.toml") and not spec.is_random()


@pytest.mark.parametrize("change,key,expected", [
    (("duration_months = 6\n", ""), "disruption.duration_months", "required key is missing"),
    (("cut = 0.5", "cut = 1.5"), "disruption.cut", "values must lie in [0, 1]"),
    (("cut = 0.5", "cut = {dist = \"gamma\", k = 2}"), "disruption.cut", "unknown distribution"),
    (("cut = 0.5", "cut = {dist = \"uniform\", low = 0.6, high = 0.2}"), "disruption.cut",
     "must not exceed high"),
    (("horizon_months = 12", "horizon_months = 12\nhorizon = 3"), "horizon", "unknown key"),
    (("exporter_export_share = 0.3", "exporter_export_share = 0.3\nexporter_home_demand_t_per_year = 5"),
     "baseline", "exactly one of exporter_export_share"),
    (("usd_per_t = 1000", "usd_per_t = 1000\nproduct = \"x\""), "baseline.price", "exactly one of product"),
    (("horizon_months = 12", "horizon_months = 0"), "horizon_months", "must be greater than or equal to 1"),
])
def test_bad_scenarios_name_the_file_the_key_and_the_expectation(tmp_path, change, key, expected):
    text = MINIMAL.replace(*change)
    with pytest.raises(ScenarioError) as err:
        load_scenario(_write(tmp_path, text))
    msg = str(err.value)
    assert "scenario.toml" in msg and f"{key}:" in msg and expected in msg, msg


def test_bad_stockpile_and_region_entries(tmp_path):
    bad = MINIMAL + "[stockpiles.JPN]\ntonnes = 5\ndays_of_cover = 30\nrelease_t_per_month = 1\n"
    with pytest.raises(ScenarioError, match=r"stockpiles.JPN: give exactly one of tonnes, days_of_cover"):
        load_scenario(_write(tmp_path, bad))
    bad = MINIMAL + "[stockpiles.JPN]\ntonnes = 5\nrelease_t_per_month = 1\ntrigger = \"price\"\n"
    with pytest.raises(ScenarioError, match="needs trigger_level"):
        load_scenario(_write(tmp_path, bad))
    bad = MINIMAL.replace("[disruption]", "[baseline.regions.ROW]\nshare_of_world = 0.1\n[disruption]")
    with pytest.raises(ScenarioError, match="ROW is the rest-of-world residual"):
        load_scenario(_write(tmp_path, bad))
    bad = MINIMAL + ("[stockpiles.JPN]\ntonnes = 5\nrelease_t_per_month = 1\ntrigger = \"price\"\n"
                     "trigger_level = 1.2\nrefill_t_per_month = 1\nrefill_below_multiple = 1.5\n")
    with pytest.raises(ScenarioError, match="refill_below_multiple"):
        load_scenario(_write(tmp_path, bad))


def test_invalid_toml_and_missing_file(tmp_path):
    with pytest.raises(ScenarioError, match=r"scenario.toml: not valid TOML.*line"):
        load_scenario(_write(tmp_path, "name = \n"))
    with pytest.raises(ScenarioError, match="not found"):
        load_scenario(tmp_path / "nope.toml")


def test_distributions_sample_inside_their_support():
    u = np.linspace(0, 1, 10_001)[:-1]
    spec = ScenarioSpec.from_dict({
        "name": "d", "commodity": "gallium", "horizon_months": 3,
        "baseline": {"exporter_export_share": 0.1, "price": {"usd_per_t": 1}},
        "disruption": {"exporter": "CHN",
                       "cut": {"dist": "triangular", "low": 0.2, "mode": 0.5, "high": 0.9},
                       "duration_months": {"dist": "lognormal", "median": 6, "sigma": 0.5, "high": 24},
                       "start_month": {"dist": "choice", "values": [0, 6], "weights": [3, 1]},
                       "leakage": {"dist": "normal", "mean": 0.1, "sd": 0.1, "low": 0, "high": 0.3}}})
    d = spec.disruption
    cut = sample_param(d.cut, u)
    assert cut.min() >= 0.2 and cut.max() <= 0.9 and abs(np.mean(cut) - (0.2 + 0.5 + 0.9) / 3) < 1e-3
    dur = sample_param(d.duration_months, u)
    assert dur.min() > 0 and dur.max() <= 24 and abs(np.median(dur) - 6) < 0.05
    st = sample_param(d.start_month, u)
    assert set(np.unique(st)) == {0.0, 6.0} and abs((st == 0).mean() - 0.75) < 1e-3
    lk = sample_param(d.leakage, u)
    assert lk.min() >= 0 and lk.max() <= 0.3
    assert spec.is_random()


# --------------------------------------------------------------------------- baseline from data
def test_rare_earth_baseline_traces_to_the_usgs_rows(wh):
    spec = load_scenario(EXAMPLES / "ree-export-ban.toml")
    b = build_baseline(spec, wh)
    # MCS 2026, mine production 2025e [t REO]: China 270,000 + Myanmar 22,000 (tied to China)
    assert b.edition == "MCS2026" and b.year == 2025 and b.exporter == "CHN"
    caps = {s.country: s.capacity_t_per_year for s in b.suppliers}
    assert caps["CHN"] == 270_000 + 22_000 and "MMR" not in caps
    assert caps["USA"] == 51_000 and caps["AUS"] == 29_000 and caps["OTH"] == 550
    world = 388_760 + 550                              # countries + "Other countries"
    assert b.world_supply_t_per_year == pytest.approx(world)
    assert b.exporter_exports_t_per_year == pytest.approx(0.30 * 292_000)
    usa = b.region("USA")
    assert usa.demand_t_per_year == 27_000 and usa.kind == "data"    # apparent consumption 2025e
    assert b.region("JPN").demand_t_per_year == pytest.approx(0.04 * world)
    outside = world - 292_000 + 0.30 * 292_000
    assert sum(r.demand_t_per_year for r in b.regions) == pytest.approx(outside)
    assert sum(r.exports_from_exporter_t_per_year for r in b.regions) == pytest.approx(0.30 * 292_000)
    # P0: the basket of 2025 USGS prices [USD/kg] weighted by the TOML's weights
    w = {"cerium oxide": (0.491, 1.71), "lanthanum oxide": (0.332, 1.00), "neodymium oxide": (0.120, 73.0),
         "praseodymium oxide": (0.0434, 74.0), "samarium oxide": (0.00789, 2.82),
         "gadolinium oxide": (0.00166, 30.0), "europium oxide": (0.00118, 27.0)}
    p0 = sum(a * p for a, p in w.values()) / sum(a for a, _ in w.values()) * 1000
    assert b.p0_usd_per_t == pytest.approx(p0, rel=1e-12)
    inp = MarketInputs.from_spec(spec, b)
    assert inp.supply_t.sum() * 12 == pytest.approx(world - 292_000)
    assert len(inp.suppliers) >= 8 and inp.regions == ("USA", "JPN", "EU", "KOR", "ROW")


def test_gallium_baseline_uses_reported_consumption_and_capacity_rows(wh):
    spec = load_scenario(EXAMPLES / "gallium-export-controls.toml")
    b = build_baseline(spec, wh)
    assert b.stage == "refinery" and b.exporter == "CHN"
    assert b.region("USA").demand_t_per_year == pytest.approx(19.0)      # reported, 2025e
    assert b.p0_usd_per_t == pytest.approx(580_000)                     # USD 580/kg, 2025e
    # MCS 2026 capacity 2025e: RUS 10, JPN 10, OTH 100 against output RUS 6 + JPN 3
    inp = MarketInputs.from_spec(spec, b)
    assert b.other_capacity_t_per_year() == pytest.approx(120.0)
    np.testing.assert_allclose(inp.spare_max, 120.0 / 9.0 - 1.0)


def test_baseline_errors_are_scenario_errors(wh, tmp_path):
    text = MINIMAL + "[baseline.regions.JPN]\nshare_of_world = 0.9\n"
    with pytest.raises(ScenarioError, match="exceeds the demand outside CHN"):
        build_baseline(load_scenario(_write(tmp_path, text)), wh)
    text = MINIMAL.replace("exporter = \"CHN\"", "exporter = \"XYZ\"")
    with pytest.raises(ScenarioError, match=r"\[disruption.exporter\] XYZ is not a producer"):
        build_baseline(load_scenario(_write(tmp_path, text)), wh)
    text = MINIMAL + "[stockpiles.FRA]\ntonnes = 5\nrelease_t_per_month = 1\ntrigger = \"disruption\"\n"
    spec = load_scenario(_write(tmp_path, text))
    with pytest.raises(ScenarioError, match=r"\[stockpiles\] \['FRA'\] are not regions"):
        MarketInputs.from_spec(spec, build_baseline(spec, wh))
    text = MINIMAL.replace("usd_per_t = 1000", "product = \"unobtainium oxide\"")
    with pytest.raises(ScenarioError, match="no price rows for product"):
        build_baseline(load_scenario(_write(tmp_path, text)), wh)


# --------------------------------------------------------------------------- examples
@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_example_scenarios_load_and_run(wh, path):
    spec = load_scenario(path)
    res = simulate(spec, runs=1500, seed=7, warehouse=wh)
    d = res.to_dict()
    pk = d["price_peak_multiple"]
    assert 1.0 <= pk["p05"] <= pk["p50"] <= pk["p95"] <= res.inputs.choke_multiple + 1e-9
    assert pk["p50"] > 1.0                       # every example disrupts supply
    for r in d["regions"]:
        assert r["shortfall_t"]["p50"] >= 0 and r["stock_end_t"]["p05"] >= 0
    kinds = {a["kind"] for a in d["assumptions"]}
    assert {"data", "estimate", "assumption"} <= kinds | {"data (USGS estimate)"}
    # every baseline figure appears with a source
    assert all(a["source"] for a in d["assumptions"])


@pytest.mark.parametrize("name", ["ree-2010-quota", "ree-china-state-purchase"])
@pytest.mark.parametrize("paired", [False, True])
def test_chunks_packed_where_they_run_are_the_tables_columns(wh, name, paired):
    """A chunk packed by the worker (new capacity in the first file, a state purchase in the second)
    holds every column of the per-run table but ``run``, in the table's dtypes, with the values the
    caller would have written from the unpacked chunk."""
    spec = load_scenario(EXAMPLES / f"{name}.toml")
    baseline = build_baseline(spec, wh)
    inputs = MarketInputs.from_spec(spec, baseline)
    kept, _ = capacity_entries(spec, baseline)
    dtypes = {c: dt for c, dt in column_dtypes(inputs, paired=paired).items() if c != "run"}
    base = dict(inputs=inputs, params=spec.random_params(), seed=5,
                capacity=tuple((c.delay_years, float(c.cancel_probability)) for c in kept))
    task = ChunkTask(0, 0, 2 * SAMPLING_BLOCK)
    plain = run_chunk(EnginePayload(**base), task)
    packed = run_chunk(EnginePayload(**base, columns=tuple((c, dt.str) for c, dt in dtypes.items())), task)
    assert packed.draws is None and packed.output.summary == {} and packed.capacity == {}
    assert list(packed.columns) == list(dtypes)
    n_buy = len(inputs.buyers) if inputs.purchase_t is not None else 0
    assert (len(inputs.capacity_names) > 0) == (name == "ree-2010-quota")
    assert (n_buy > 0) == ("purchase" in name)
    for c, a in chunk_columns(plain, inputs):
        got = packed.columns[c]
        assert got.dtype == dtypes[c] and got.flags.c_contiguous and got.shape == (task.n,), c
        np.testing.assert_array_equal(got, np.asarray(a).astype(dtypes[c]), err_msg=c)
    np.testing.assert_array_equal(packed.output.price_hist, plain.output.price_hist)
    for k in plain.output.sums:
        np.testing.assert_array_equal(packed.output.sums[k], plain.output.sums[k], err_msg=k)
    if paired:
        assert all(packed.columns[f"shortfall_t[{r}]"].dtype == np.float64 for r in inputs.regions)
    else:
        assert all(packed.columns[f"shortfall_t[{r}]"].dtype == np.float32 for r in inputs.regions)


def test_ree_scenarios_are_what_the_issue_asks(wh):
    ban = load_scenario(EXAMPLES / "ree-export-ban.toml")
    assert ban.commodity == "rare-earths" and ban.disruption.cut == 0.5
    assert ban.disruption.duration_months == 6 and ban.disruption.probability == 1
    quota = load_scenario(EXAMPLES / "ree-2010-quota.toml")
    assert quota.disruption.cut == 0.40 and quota.disruption.duration_months == 18
    # the largest producer is the exporter
    b = build_baseline(ban, wh)
    assert b.exporter == max(b.suppliers, key=lambda s: s.capacity_t_per_year).country == "CHN"
    other = [p.stem for p in SCENARIOS if not p.stem.startswith("ree-")]
    assert other, "one example for a rare metal other than rare earths"
    assert load_scenario(EXAMPLES / f"{other[0]}.toml").commodity != "rare-earths"


def test_2010_quota_peak_price_lies_between_its_analytic_bounds(wh):
    # Month 0 sets the peak: the cut removes lost = 0.4 X_e0 of the demand D outside China; other
    # suppliers give at most +5 % at once. Per run, with its short-run elasticity eps:
    # (1 - (lost - 0.05 Q_out) / D)^(1/eps) <= peak <= (1 - lost / D)^(1/eps), both capped at 20.
    spec = load_scenario(EXAMPLES / "ree-2010-quota.toml")
    res = simulate(spec, runs=3000, seed=11, warehouse=wh)
    b = res.baseline
    D = sum(r.demand_t_per_year for r in b.regions)
    x_e = b.exporter_exports_t_per_year
    lost, q_out = 0.4 * x_e, D - x_e
    # each run's exact draw (the table keeps it in float32, to 6e-8 relative)
    eps = draw_runs(spec.random_params(), 11, 0, 3000).eps_short
    np.testing.assert_allclose(res.columns["demand_elasticity_short"], eps, rtol=6e-8)
    lo = np.minimum((1 - (lost - 0.05 * q_out) / D) ** (1 / eps), 20.0)
    hi = np.minimum((1 - lost / D) ** (1 / eps), 20.0)
    pk = res.columns["peak_price_multiple"]
    assert np.all(pk >= lo * (1 - 1e-9)) and np.all(pk <= hi * (1 + 1e-9))
    assert math.isclose(pk.max(), 20.0)            # the least elastic runs reach the choke


# --------------------------------------------------------------------------- CLI
def test_cli_simulate_json_contract(tmp_path):
    runner = CliRunner()
    db = tmp_path / "w.duckdb"
    res = runner.invoke(app, ["--db", str(db), "simulate", str(EXAMPLES / "ree-2010-quota.toml"),
                              "--runs", "2000", "--seed", "3", "--json",
                              "--out", str(tmp_path / "r.parquet")])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert {"runs", "seed", "commodity", "price_peak_multiple", "regions", "assumptions"} <= set(out)
    assert out["runs"] == 2000 and out["seed"] == 3 and out["commodity"] == "rare-earths"
    assert set(out["price_peak_multiple"]) >= {"p05", "p50", "p95"}
    assert out["regions"] and all({"region", "shortfall_t", "stock_end_t"} <= set(r) for r in out["regions"])
    for r in out["regions"]:
        assert set(r["shortfall_t"]) >= {"p05", "p50", "p95"}
        assert set(r["stock_end_t"]) >= {"p05", "p50", "p95"}
    assert isinstance(out["assumptions"], list) and out["assumptions"]
    # the market the run stands on: its year, edition and source, China's share in each edition
    bl = out["baseline"]
    assert (bl["year"], bl["edition"], bl["source"], bl["mode"]) == (2009, "WMD-1984-2017", "wmd", "history")
    assert bl["exporter_share"] == pytest.approx(129_400 / 131_642)
    assert [e["edition"] for e in bl["exporter_share_by_edition"]] == ["WMD-1984-2017", "BGS-WMS"]
    assert (tmp_path / "r.parquet").exists()
    # same seed, same numbers; table output runs too
    again = json.loads(runner.invoke(app, ["--db", str(db), "simulate", str(EXAMPLES / "ree-2010-quota.toml"),
                                           "--runs", "2000", "--seed", "3", "--json", "--pool", "2"]).stdout)
    assert again["price_peak_multiple"] == out["price_peak_multiple"] and again["regions"] == out["regions"]
    table = runner.invoke(app, ["--db", str(db), "simulate", str(EXAMPLES / "gallium-export-controls.toml"),
                                "--runs", "500", "--seed", "1"])
    assert table.exit_code == 0, table.output
    assert "peak price multiple" in table.stdout and "assumptions" in table.stdout


def test_cli_simulate_reports_scenario_errors(tmp_path):
    bad = _write(tmp_path, MINIMAL.replace("cut = 0.5", "cut = 2"))
    res = CliRunner().invoke(app, ["--db", str(tmp_path / "w.duckdb"), "simulate", str(bad)])
    assert res.exit_code == 2
    assert "disruption.cut" in res.output
    assert "\\[" not in res.output              # the key's brackets shown as they are, no stray backslash


# --------------------------------------------------------------------------- issue 11 items 5, 14
def _strict_json(text: str):
    def refuse(token):
        raise AssertionError(f"invalid JSON token {token}")
    return json.loads(text, parse_constant=refuse)


_FLOAT_KEYS = [
    "disruption.cut", "disruption.leakage", "disruption.start_month", "disruption.duration_months",
    "disruption.probability", "market.demand_elasticity_short", "market.demand_elasticity_long",
    "market.substitution_months", "market.supply_elasticity", "market.spare_capacity",
    "market.ramp_lag_months", "market.ramp_months", "market.shortfall_month_threshold",
    "market.choke_multiple", "market.shortage_cost_multiple", "baseline.exporter_export_share",
    "baseline.price.usd_per_t", "stockpiles.JPN.tonnes", "baseline.capacity_t_per_year.CHN",
]


def _minimal_dict() -> dict:
    return {"name": "t", "commodity": "rare-earths", "horizon_months": 12,
            "baseline": {"exporter_export_share": 0.3, "price": {"usd_per_t": 1000.0}},
            "stockpiles": {"JPN": {"tonnes": 5.0, "release_t_per_month": 1.0,
                                   "trigger": "disruption"}},
            "disruption": {"exporter": "CHN", "duration_months": 6.0, "cut": 0.5}}


def _set(d: dict, dotted: str, value) -> dict:
    *path, last = dotted.split(".")
    for k in path:
        d = d.setdefault(k, {})
    d[last] = value
    return d


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf], ids=["nan", "inf", "-inf"])
@pytest.mark.parametrize("key", _FLOAT_KEYS)
def test_nan_and_inf_are_refused_for_every_float_key(key, value):
    """Item 5: ``cut = nan`` ran and reported a peak price of 1.00 (range checks let NaN through)."""
    d = _minimal_dict()
    _set(d, key, value)
    with pytest.raises(ScenarioError) as err:
        ScenarioSpec.from_dict(d, source="s.toml")
    msg = str(err.value)
    assert f"{key}: " in msg and "not a finite number" in msg, msg


def test_nan_inside_a_distribution_and_in_toml(tmp_path):
    d = _minimal_dict()
    d["disruption"]["cut"] = {"dist": "uniform", "low": 0.2, "high": math.nan}
    with pytest.raises(ScenarioError, match=r"disruption.cut.high: not a finite number"):
        ScenarioSpec.from_dict(d, source="s.toml")
    # TOML has nan and inf literals: the file is refused before anything runs
    bad = _write(tmp_path, MINIMAL.replace("cut = 0.5", "cut = nan"))
    res = CliRunner().invoke(app, ["--db", str(tmp_path / "w.duckdb"), "simulate", str(bad), "--runs", "10"])
    assert res.exit_code == 2
    msg = " ".join(res.output.split())
    assert "disruption.cut: not a finite number" in msg and "peak price" not in msg, msg
    # an omitted truncation bound still means "no bound"
    ok = _minimal_dict()
    ok["disruption"]["duration_months"] = {"dist": "normal", "mean": 6.0, "sd": 2.0, "low": 1.0}
    spec = ScenarioSpec.from_dict(ok, source="s.toml")
    assert spec.disruption.duration_months.support() == (1.0, math.inf)
    assert spec.with_overrides(name="again").disruption == spec.disruption


@pytest.mark.parametrize("change,key,expected", [
    (("horizon_months", "24"), "horizon_months",
     "must be a whole number, without quotes or decimals (got '24')"),
    (("horizon_months", 24.0), "horizon_months", "must be a whole number"),
    (("horizon_months", True), "horizon_months", "must be a whole number"),
    (("baseline.regions.JPN", {"from_data": "consumption", "data_year": 99999999999999}),
     "baseline.regions.JPN.data_year", "must be a year from 1800 to 2100 (got 99999999999999)"),
    (("baseline.year", 1200), "baseline.year", "must be a year from 1800 to 2100"),
    (("baseline.price.year", "2024"), "baseline.price.year", "must be a year from 1800 to 2100"),
    (("disruption.cut", "0.5"), "disruption.cut", "must be a number or a table (got '0.5'); accepted: a "
                                                 "share in [0, 1] or a distribution table"),
    (("disruption.exporter", ""), "disruption.exporter", "expected the ISO3 code"),
])
def test_strict_types_and_years(change, key, expected):
    """Items 5 and 14: ``horizon_months = "24"`` and ``data_year = 99999999999999`` were accepted."""
    d = _minimal_dict()
    _set(d, *change)
    with pytest.raises(ScenarioError) as err:
        ScenarioSpec.from_dict(d, source="s.toml")
    msg = str(err.value)
    assert f"{key}: " in msg and expected in msg, msg


def test_exporter_is_required_and_every_shipped_scenario_states_it(tmp_path):
    """Item 14: a scenario without ``exporter`` silently became CHN (the largest producer)."""
    import tomllib

    d = _minimal_dict()
    del d["disruption"]["exporter"]
    with pytest.raises(ScenarioError) as err:
        ScenarioSpec.from_dict(d, source="s.toml")
    assert ("disruption.exporter: required key is missing; accepted: the ISO3 code of the restricting "
            "exporter, e.g. exporter = \"CHN\" (there is no default country)") in str(err.value)
    shipped = sorted((Path(__file__).resolve().parents[1] / "src" / "critmin" / "scenarios").glob("*.toml"))
    assert len(shipped) >= 12
    for p in shipped + SCENARIOS:
        data = tomllib.loads(p.read_text("utf-8"))
        assert len(data["disruption"].get("exporter", "")) == 3, p


def test_cli_json_is_strict_json(tmp_path):
    """Item 5: ``--json`` never prints ``NaN``/``Infinity`` (invalid JSON)."""
    db = tmp_path / "w.duckdb"
    scen = str(EXAMPLES / "gallium-export-controls.toml")
    res = CliRunner().invoke(app, ["--db", str(db), "simulate", scen, "--runs", "200", "--seed", "2",
                                   "--json"])
    assert res.exit_code == 0, res.output
    out = _strict_json(res.stdout)
    assert out["runs"] == 200


def test_scenario_files_lists_each_scenario_once(tmp_path, monkeypatch):
    """A checkout's examples/scenarios beside the installed package's copy: each scenario once (issue 12
    item 1); a file of the same name in $CRITMIN_SCENARIOS overrides the packaged one; a renamed copy
    with the same bytes is the same scenario."""
    from critmin.market.scenario_folders import scenario_dirs, scenario_files

    packaged = Path(critmin.__file__).resolve().parent / "scenarios"
    shipped = sorted(f.name for f in packaged.glob("*.toml"))
    assert len(shipped) >= 10
    # a checkout: examples/scenarios of the working directory holds copies of the same files
    cwd = tmp_path / "checkout"
    (cwd / "examples" / "scenarios").mkdir(parents=True)
    for name in shipped:
        (cwd / "examples" / "scenarios" / name).write_bytes((packaged / name).read_bytes())
    override = tmp_path / "mine"
    override.mkdir()
    text = (packaged / shipped[0]).read_text(encoding="utf-8")
    (override / shipped[0]).write_text(text + "\n# my copy\n", encoding="utf-8")
    (override / "renamed.toml").write_bytes((packaged / shipped[1]).read_bytes())
    monkeypatch.chdir(cwd)
    monkeypatch.setenv("CRITMIN_SCENARIOS", str(override))
    assert len(scenario_dirs()) == 3
    files = scenario_files()
    names = [f.name for f in files]
    # the renamed copy (found first) stands for shipped[1]: the same scenario is not listed again
    assert len(names) == len(set(names)) == len(shipped)
    assert "renamed.toml" in names and shipped[1] not in names
    by_name = {f.name: f for f in files}
    assert by_name[shipped[0]].parent == override.resolve()
    assert all(by_name[n].parent == (cwd / "examples" / "scenarios").resolve() for n in shipped[2:])


def test_a_commoditys_scenarios_follow_an_edited_file(tmp_path, monkeypatch):
    # the report reads each file's commodity once per version of the file: an edit is seen at once, an
    # invalid file is left out (and read again once it is mended)
    from critmin.report.context import scenario_files

    packaged = Path(critmin.__file__).resolve().parent / "scenarios"
    text = (packaged / "gallium-export-controls.toml").read_text(encoding="utf-8")
    mine = tmp_path / "mine"
    mine.mkdir()
    f = mine / "my-gallium.toml"
    f.write_text(text, encoding="utf-8")
    monkeypatch.setenv("CRITMIN_SCENARIOS", str(mine))
    assert f.resolve() in [x.resolve() for x in scenario_files("gallium")]
    f.write_text(text.replace('commodity = "gallium"', 'commodity = "germanium"') + "\n# now germanium\n",
                 encoding="utf-8")
    assert f.resolve() not in [x.resolve() for x in scenario_files("gallium")]
    assert f.resolve() in [x.resolve() for x in scenario_files("germanium")]
    f.write_text("commodity = [not toml", encoding="utf-8")
    assert f.resolve() not in [x.resolve() for x in scenario_files("germanium")]
    f.write_text(text + "\n# mended\n", encoding="utf-8")
    assert f.resolve() in [x.resolve() for x in scenario_files("gallium")]


def test_each_scenario_baseline_is_built_once_and_equals_a_fresh_build(wh, monkeypatch):
    # build_baseline is memoised on what it reads of the scenario: the planning variant (another
    # disruption probability, name and stocks) reuses the file's baseline, which equals a fresh build;
    # a change to the [baseline] table or the exporter is built anew
    from critmin.market import baseline as bl
    from critmin.market.scenario_folders import scenario_files
    from critmin.stockpile import planning_spec

    built = []
    fresh = bl._build_baseline
    monkeypatch.setattr(bl, "_build_baseline", lambda spec, w: built.append(spec.name) or fresh(spec, w))
    files = [f for f in scenario_files() if f.parent.name == "scenarios" and "critmin" in f.parts]
    assert len(files) >= 10
    for f in files:
        spec = load_scenario(f)
        region = "USA" if "USA" in spec.baseline.regions else next(iter(spec.baseline.regions))
        variant = planning_spec(spec, region, 1234.0)
        assert variant.disruption.probability == 1.0 and region in variant.stockpiles
        n = len(built)
        a, b = build_baseline(spec, wh), build_baseline(variant, wh)
        assert len(built) == n + 1                                   # the variant reused it
        assert repr(b) == repr(a) == repr(fresh(variant, wh))
        b.notes.append("changed by a caller")                        # a copy: the memo is unchanged
        assert repr(build_baseline(variant, wh)) == repr(a)
    # another price in [baseline]: built anew, with that price
    spec = load_scenario(next(f for f in files if f.name == "gallium-export-controls.toml"))
    price = spec.baseline.price.model_copy(update={"usd_per_t": 123_456.0})
    other = spec.model_copy(update={"baseline": spec.baseline.model_copy(update={"price": price})})
    n = len(built)
    assert build_baseline(other, wh).p0_usd_per_t == pytest.approx(123_456.0)
    assert len(built) == n + 1
