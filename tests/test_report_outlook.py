"""The Outlook section (IEA outlook, capacity sweep) and the stockpile build-cost curve: the charts and
tables show the public API's results, the appendix names the sweep's runs and seed."""

from __future__ import annotations

import pytest

from critmin.report.context import SCENARIO_SEED, STOCKPILE_BUILD_MONTHS, Context
from critmin.report.outlook_section import (
    SWEEP,
    SWEEP_RUNS,
    build_cost_view,
    outlook_view,
    sweep_scenario_file,
)
from critmin.report.sections import PAGES, build_sections
from critmin.warehouse import open_warehouse


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    w = open_warehouse(tmp_path_factory.mktemp("outlook-report") / "w.duckdb")
    yield w
    w.close()


@pytest.fixture(scope="module")
def ree(wh):
    ctx = Context("rare-earths", wh, region="JPN", runs=400)
    return ctx, outlook_view(ctx)


def _fig(view, words: str):
    return next(f for f in view.figures if words in f.layout.title.text)


def test_outlook_is_a_page_and_a_section(ree):
    ctx, view = ree
    assert "Outlook" in PAGES
    views = build_sections(ctx, "Outlook")
    assert [v.id for v in views] == ["outlook"]
    assert view.title.startswith("Outlook")
    assert len(view.figures) == 4  # supply by stage, demand by scenario, balance, sweep


def test_supply_chart_equals_the_api(ree, wh):
    from critmin.outlook import outlook

    _ctx, view = ree
    res = outlook("rare-earths", warehouse=wh)
    fig = _fig(view, "supply by country and stage")
    # panels in stage order; China's bars are its IEA tonnes at IEA's years
    stages = res.stage_names
    assert stages == ["mine", "refinery"]
    for i, s in enumerate(stages):
        axis = "x" if i == 0 else f"x{i + 1}"
        chn = next(t for t in fig.data if t.name == "China" and t.xaxis == axis)
        want = res.supply[(res.supply["stage"] == s) & (res.supply["country"] == "CHN")].sort_values("year")
        assert list(chn.x) == [str(y) for y in want["year"]]
        assert list(chn.y) == pytest.approx(want["quantity_t"].tolist(), rel=1e-12)
        # the stacked bars of a year add up to IEA's world total of the stage
        st = res.stages[res.stages["stage"] == s].set_index("year")["supply_t"]
        for j, y in enumerate(chn.x):
            tot = sum(t.y[j] for t in fig.data if t.xaxis == axis)
            assert tot == pytest.approx(float(st[int(y)]), rel=1e-9)
    # China refines ~91 % of IEA's magnet rare earths in 2024 (issue 14), ~75 % in IEA's 2040 base case
    t = res.stages.set_index(["stage", "year"])
    assert t.loc[("refinery", 2024), "china_share"] == pytest.approx(0.913, abs=0.005)
    assert t.loc[("refinery", 2024), "china_share"] > t.loc[("mine", 2024), "china_share"]
    stages_t = next(t for t in view.tables if t.name == "rare-earths_outlook_stages").data
    assert stages_t["china_share"].tolist() == pytest.approx(res.stages["china_share"].tolist(), rel=1e-12)
    assert set(stages_t["edition"]) == {res.edition} and set(stages_t["table"]) == {"outlook_supply"}


@pytest.mark.parametrize("scenario", ["STEPS", "APS", "NZE"])
def test_demand_and_balance_charts_equal_the_api(ree, wh, scenario):
    from critmin.outlook import outlook

    _ctx, view = ree
    d = outlook("rare-earths", scenario=scenario, warehouse=wh).to_dict()
    dem = next(t for t in _fig(view, "demand by IEA scenario").data if t.name == f"demand, {scenario}")
    want = {e["year"]: e["demand_t"] for e in d["years"] if e["demand_t"] is not None}
    assert dict(zip(dem.x, dem.y, strict=True)) == pytest.approx(want, rel=1e-12)
    assert max(dem.x) == 2050
    bal = _fig(view, "balance")
    for i, s in enumerate(["mine", "refinery"]):
        axis = "x" if i == 0 else f"x{i + 1}"
        tr = next(t for t in bal.data if t.name == scenario and t.xaxis == axis)
        want = {str(e["year"]): e["balance_t"][s] for e in d["years"] if e["balance_t"].get(s) is not None}
        assert dict(zip(tr.x, tr.y, strict=True)) == pytest.approx(want, rel=1e-12)
        # balance = supply - demand, per IEA year (hand arithmetic on the API's own figures)
        for e in d["years"]:
            if e["balance_t"].get(s) is not None:
                assert e["balance_t"][s] == pytest.approx(e["supply_total_t"][s] - e["demand_t"], rel=1e-12)


def test_sweep_chart_equals_the_api(ree, wh):
    from critmin.market import run_sweep

    ctx, view = ree
    path = sweep_scenario_file("rare-earths")
    assert path is not None and path.name == "ree-2030-refining-cut.toml"
    res = run_sweep(path, SWEEP, runs=SWEEP_RUNS, seed=SCENARIO_SEED, warehouse=wh)
    fig = _fig(view, "shortfall against new capacity")
    med = next(t for t in fig.data if t.name == "median shortfall")
    assert list(med.x) == [0, 10000, 20000, 30000, 40000, 50000, 60000]
    assert list(med.y) == pytest.approx([p["shortfall_t"]["p50"] for p in res.points], rel=1e-12)
    band = next(t for t in fig.data if t.name.startswith("5–95"))
    assert max(band.y) == pytest.approx(max(p["shortfall_t"]["p95"] for p in res.points), rel=1e-12)
    # common random numbers: more capacity never raises the median shortfall
    assert all(b <= a + 1e-9 for a, b in zip(med.y, med.y[1:], strict=False))
    half = res.halving_t_per_year
    assert half is not None and 0 < half < 60000
    vline = [s for s in fig.layout.shapes if s.x0 == s.x1]
    assert vline and vline[0].x0 == pytest.approx(half, rel=1e-12)
    tab = next(t for t in view.tables if "sweep" in t.name).data
    assert tab["shortfall_t_p50"].tolist() == pytest.approx(list(med.y), rel=1e-12)
    assert set(tab["runs"]) == {SWEEP_RUNS} and set(tab["seed"]) == {SCENARIO_SEED}
    note = " ".join(b.text for b in view.blocks if b.kind == "note")
    assert f"halves at {half:,.0f} t/yr" in note


def test_appendix_names_the_sweep_and_the_iea_edition(ree, wh):
    from critmin.outlook import outlook
    from critmin.report import provenance

    ctx, _view = ree
    a = provenance.assumptions_table([ctx])
    rows = a.set_index("assumption")
    assert rows.loc["sweep.runs_per_value", "value"] == f"{SWEEP_RUNS:,} runs"  # formatted for reading
    assert rows.loc["sweep.seed", "value"] == str(SCENARIO_SEED)
    assert rows.loc["sweep.capacity.USA", "value"].startswith("0, 10000")
    assert outlook("rare-earths", warehouse=wh).edition in provenance.editions_used([ctx])


def test_no_outlook_says_why(wh):
    ctx = Context("gallium", wh)
    views = build_sections(ctx, "Outlook")
    assert len(views) == 1 and not views[0].figures and not views[0].tables
    text = views[0].blocks[0].text
    assert "not in the IEA Critical Minerals Data Explorer" in text
    assert "rare-earths" in text and "lithium" in text  # what IEA covers
    assert sweep_scenario_file("gallium") is None


def test_lithium_outlook_has_no_sweep(wh):
    view = outlook_view(Context("lithium", wh))
    assert len(view.figures) == 3 and not any("sweep" in t.name for t in view.tables)


def test_build_cost_curve_equals_the_api(ree, wh):
    from critmin.stockpile import size_stockpile

    ctx, _view = ree
    view = build_cost_view(ctx)
    assert view is not None and view.id == "stockpile_build"
    assert "stockpile_build" in [v.id for v in build_sections(ctx, "Stockpile")]
    b = size_stockpile("rare-earths", region="JPN", warehouse=wh, runs=ctx.runs, seed=ctx.seed,
                       build_months=STOCKPILE_BUILD_MONTHS).materials[0].build
    fig = view.figures[0]
    mean = next(t for t in fig.data if t.name.startswith("purchase cost with impact"))
    assert list(mean.x) == [c["months"] for c in b["curve"]]
    assert list(mean.y) == pytest.approx([c["cost_with_impact_usd"]["mean"] / 1e6 for c in b["curve"]],
                                         rel=1e-12)
    best = next(t for t in fig.data if t.name.startswith("cheapest"))
    assert best.x[0] == b["optimal_months"]
    t = view.tables[0].data.set_index("months")
    # bought over 6 months the stock costs several times what it costs over 24 (the price impact)
    assert t.loc[6.0, "cost_with_impact_usd"] > 2 * t.loc[24.0, "cost_with_impact_usd"]
    assert (t["cost_with_impact_usd"] >= t["cost_at_p0_usd"] * (1 - 1e-9)).all()
    assert t.loc[24.0, "total_usd"] == pytest.approx(
        t.loc[24.0, "cost_with_impact_usd"] + t.loc[24.0, "holding_early_usd"], rel=1e-12)
    assert set(t["runs"]) == {ctx.runs} and set(t["seed"]) == {ctx.seed}
