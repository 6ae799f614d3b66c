"""The report's and the dashboard's Outlook section and the stockpile build-cost section.

* :func:`outlook_view` — per commodity, from :func:`critmin.outlook.outlook` (IEA Critical Minerals Data
  Explorer, one result per demand scenario IEA gives): supply by country per stage to 2040, demand by
  scenario to 2050, the balance per stage; and, where the commodity has a start-year disruption scenario
  without announced capacity (``ree-2030-refining-cut.toml``), the self-sufficiency sweep of
  :func:`critmin.market.run_sweep` (shortfall against new capacity outside the exporter, and where the
  median halves). A commodity IEA does not cover gets the section with the reason.
* :func:`build_cost_view` — the stockpile plan's build-cost curve (:mod:`critmin.stockpile.build`): the
  plan's stock bought over 1 to 60 months, with the price the purchases cause.

Every figure comes from those results; nothing is recomputed here. The sweep is small (:data:`SWEEP`,
:data:`SWEEP_RUNS` runs per value, seed :data:`~critmin.report.context.SCENARIO_SEED`), run once per
warehouse and scenario file, and its runs and seed are in the assumptions appendix.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from critmin.report import outlook_charts
from critmin.report.context import SCENARIO_SEED, Context, scenario_files
from critmin.report.sections import Block, SectionView
from critmin.report.tables import Table, fmt

__all__ = ["OUTLOOK_TITLE", "BUILD_TITLE", "SWEEP", "SWEEP_RUNS", "SweepView", "outlook_results",
           "outlook_sweep", "sweep_scenario_file", "outlook_view", "build_cost_view"]

OUTLOOK_TITLE = "Outlook to 2040 (IEA)"
BUILD_TITLE = "Building the stock: cost against months"

#: The capacity swept in the report: 0 to 60,000 t/yr added in the USA, 7 values (the scenario file's
#: own example, ``critmin simulate ree-2030-refining-cut.toml --sweep capacity.USA=0:60000:7``).
SWEEP = "capacity.USA=0:60000:7"

#: Monte Carlo runs per sweep value in the report (the CLI example uses 20,000; the median moves by
#: well under the band at this size, and the report stays quick).
SWEEP_RUNS = 1000

_LOCK = threading.RLock()
_SWEEPS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@dataclass
class SweepView:
    """A sweep as the report shows it: the result, its file and the settings behind it.

    Attributes
    ----------
    result : critmin.market.SweepResult
    file : Path
        The scenario file.
    assumptions : list of dict
        Runs, seed, the file and the swept values (name, value, unit, kind, source): the appendix lists
        them; the scenario's own inputs are listed with the scenarios section.
    """

    result: object
    file: Path
    assumptions: list[dict] = field(default_factory=list)

    @property
    def spec(self):
        """The scenario (its name labels the appendix rows)."""
        return self.result.spec


def outlook_results(ctx: Context) -> dict[str, object]:
    """:func:`critmin.outlook.outlook` of the commodity per IEA demand scenario that has demand rows,
    fetched once per context (keys ``outlook:STEPS``...); empty when IEA does not cover the commodity (the
    reason is in ``ctx.errors["outlook:STEPS"]``)."""
    from critmin.outlook import outlook
    from critmin.sources.iea import SCENARIOS

    out = {}
    for scen in SCENARIOS:
        res = ctx.fetch(f"outlook:{scen}", lambda s=scen: outlook(ctx.commodity, scenario=s,
                                                                   warehouse=ctx.warehouse))
        if res is None:
            if scen == SCENARIOS[0]:
                return {}
            continue
        if scen == SCENARIOS[0] or len(res.demand):
            out[scen] = res
    return out


def sweep_scenario_file(commodity: str) -> Path | None:
    """The commodity's start-year scenario without announced capacity (``year`` set, no
    ``[[capacity]]``): the one a capacity sweep answers "how much new capacity halves the shortfall"
    on; None when it has none."""
    from critmin.market import load_scenario

    for f in scenario_files(commodity):
        try:
            spec = load_scenario(f)
        except Exception:  # noqa: BLE001 - an invalid file is reported when it is run
            continue
        if spec.year is not None and not spec.capacity:
            return f
    return None


def _run_sweep(warehouse, path: Path, sweep: str, runs: int, seed: int):
    from critmin.market import run_sweep

    key = (str(path.resolve()), path.stat().st_mtime_ns, sweep, int(runs), int(seed))
    with _LOCK:
        try:
            cache = _SWEEPS.setdefault(warehouse, {})
        except TypeError:  # not weak-referenceable: no cache across contexts
            cache = {}
        if key not in cache:
            cache[key] = run_sweep(path, sweep, runs=runs, seed=seed, warehouse=warehouse)
        return cache[key]


def outlook_sweep(ctx: Context, *, sweep: str = SWEEP, runs: int = SWEEP_RUNS,
                  seed: int = SCENARIO_SEED) -> SweepView | None:
    """The capacity sweep of the commodity's start-year scenario (:func:`sweep_scenario_file`), run once
    per warehouse, file and settings; None when there is no such scenario or it fails (the message is in
    ``ctx.errors["analysis:outlook_sweep"]``).

    Parameters
    ----------
    ctx : Context
    sweep : str
        :func:`critmin.market.parse_sweep` text.
    runs : int
        Runs per value [runs].
    seed : int
        Root seed, the same for every value.
    """
    default = (sweep, runs, seed) == (SWEEP, SWEEP_RUNS, SCENARIO_SEED)
    key = "analysis:outlook_sweep" if default else f"outlook_sweep:{sweep}:{runs}:{seed}"
    if key in ctx._cache:
        return ctx._cache[key]  # type: ignore[return-value]
    path = sweep_scenario_file(ctx.commodity)
    value = None
    if path is not None:
        try:
            res = _run_sweep(ctx.warehouse, path, sweep, runs, seed)
        except Exception as exc:  # noqa: BLE001 - the sweep must not break the report
            ctx.errors[key] = f"critmin.market.run_sweep: {type(exc).__name__}: {exc}"
        else:
            settings = [
                {"name": "sweep.runs_per_value", "value": runs, "unit": "runs", "kind": "setting",
                 "source": "Monte Carlo runs per swept value in the report"},
                {"name": "sweep.seed", "value": seed, "unit": "", "kind": "setting",
                 "source": "the same root seed for every value (common random numbers); the same seed "
                           "gives the same numbers"},
                {"name": "sweep.scenario_file", "value": path.name, "unit": "", "kind": "setting",
                 "source": f"critmin simulate {path.name} --runs {runs} --seed {seed} --sweep {sweep}"},
            ]
            # the scenario's own inputs are listed once, under the scenarios section that runs the file
            swept = [a for a in res.assumptions if str(a["name"]).startswith("sweep.")]
            settings.append({"name": "sweep.scenario_inputs", "value": res.spec.name, "unit": "",
                             "kind": "setting", "source": f"every other input as in {path.name} (the "
                             "scenarios section lists them)"})
            value = SweepView(res, path, settings + swept)
    ctx._cache[key] = value
    return value


# --------------------------------------------------------------------------- tables
def _stages_table(results: dict[str, object]) -> Table:
    first = next(iter(results.values()))
    df = first.stages.assign(commodity=first.commodity, supply_case=first.case, source="iea",
                             edition=first.edition, file=first.file, table="outlook_supply")
    cols = {"stage": ("stage", "text"), "year": ("year", "text"), "supply_t": ("supply [t/yr]", "int"),
            "china_share": ("China's share", "pct"), "top_country": ("largest", "text"),
            "top_share": ("its share", "pct"), "top3_share": ("top-3 share", "pct"),
            "hhi_points": ("HHI [points]", "int"), "projected": ("projected", "bool")}
    return Table(f"{first.commodity}_outlook_stages", "Concentration per stage and year", df, cols,
                 f"IEA {first.edition}, {first.case} case (outlook_supply); shares of IEA's world total per "
                 f"stage; basis: {first.basis.get('refinery') or first.basis.get('mine', '')}.")


def _supply_table(results: dict[str, object]) -> Table:
    first = next(iter(results.values()))
    df = first.supply.assign(commodity=first.commodity, supply_case=first.case, source="iea",
                             edition=first.edition, file=first.file, table="outlook_supply")
    df["basis"] = df["stage"].map(first.basis)
    cols = {"stage": ("stage", "text"), "year": ("year", "text"), "country": ("country", "text"),
            "quantity_t": ("supply [t/yr]", "int"), "share": ("share", "pct")}
    return Table(f"{first.commodity}_outlook_supply", "Supply by country, stage and year", df, cols,
                 f"IEA {first.edition} ({first.file}), {first.case} case; OTH = IEA's Rest of world.")


def _balance_table(results: dict[str, object]) -> Table:
    first = next(iter(results.values()))
    df = pd.concat([r.balance.assign(scenario=s) for s, r in results.items()], ignore_index=True)
    df = df[df["balance_t"].notna()].assign(commodity=first.commodity, source="iea", edition=first.edition,
                                            tables="outlook_supply, outlook_demand (total_demand)")
    cols = {"scenario": ("scenario", "text"), "stage": ("stage", "text"), "year": ("year", "text"),
            "supply_t": ("supply [t/yr]", "int"), "demand_t": ("demand [t/yr]", "int"),
            "balance_t": ("balance [t/yr]", "int"), "balance_share": ("share of demand", "pct")}
    return Table(f"{first.commodity}_outlook_balance", "Balance per stage, year and demand scenario",
                 df.reset_index(drop=True), cols,
                 f"IEA {first.edition}: supply ({first.case} case) minus total demand of each scenario.")


def _demand_table(results: dict[str, object]) -> Table:
    first = next(iter(results.values()))
    df = pd.concat([r.demand.assign(scenario=s) for s, r in results.items()], ignore_index=True)
    df = df.assign(commodity=first.commodity, source="iea", edition=first.edition, table="outlook_demand")
    cols = {"scenario": ("scenario", "text"), "year": ("year", "text"), "sector": ("sector", "text"),
            "demand_t": ("demand [t/yr]", "int")}
    return Table(f"{first.commodity}_outlook_demand", "Demand by scenario, sector and year", df, cols,
                 f"IEA {first.edition} (outlook_demand); basis: {first.basis.get('demand', '')}.")


def sweep_table(sv: SweepView) -> Table:
    """One row per swept value: the sweep's :meth:`~critmin.market.SweepResult.table` with its file,
    runs and seed."""
    res = sv.result
    df = res.table().assign(scenario_file=sv.file.name, parameter=res.sweep.parameter, stage=res.stage,
                            basis=res.basis, runs=res.runs, seed=res.seed)
    cols = {"value_t_per_year": ("capacity added [t/yr]", "int"),
            "shortfall_t_p05": ("shortfall p05 [t]", "int"), "shortfall_t_p50": ("shortfall p50 [t]", "int"),
            "shortfall_t_p95": ("shortfall p95 [t]", "int"),
            "peak_price_multiple_p50": ("peak price p50 [× P0]", "num1")}
    return Table(f"{res.spec.commodity}_sweep_{res.sweep.parameter.replace('.', '_')}",
                 f"Shortfall per capacity added in {res.sweep.target}", df, cols,
                 f"critmin simulate {sv.file.name} --sweep {res.sweep.parameter}=…: {res.runs:,} runs per "
                 f"value, seed {res.seed}; shortfall of all regions outside the exporter over the horizon.")


# --------------------------------------------------------------------------- views
def _facts(results: dict[str, object]) -> str:
    first = next(iter(results.values()))
    st = first.stages.set_index(["stage", "year"])
    parts = []
    for s in first.stage_names:
        ys = sorted(int(y) for y in first.stages.loc[first.stages["stage"] == s, "year"])
        if not ys:
            continue
        a, b = st.loc[(s, ys[0])], st.loc[(s, ys[-1])]
        parts.append(f"{outlook_charts.STAGE_LABELS.get(s, s)}: China {fmt(a['china_share'], 'pct')} in "
                     f"{ys[0]}, {fmt(b['china_share'], 'pct')} in {ys[-1]} "
                     f"(top 3 {fmt(b['top3_share'], 'pct')}, "
                     f"HHI {fmt(b['hhi_points'], 'int')})")
    text = "; ".join(parts) + (" — the same in every demand scenario (supply is IEA's base case)."
                               if len(results) > 1 else ".")
    bals = []
    for scen, r in results.items():
        b = r.balance[r.balance["balance_t"].notna()]
        if b.empty:
            continue
        last = b[b["year"] == b["year"].max()]
        for row in last.itertuples(index=False):
            bals.append(f"{scen} {outlook_charts.STAGE_LABELS.get(row.stage, row.stage)} {int(row.year)}: "
                        f"{fmt(row.balance_t, 'int')} t ({fmt(row.balance_share, 'pct0')} of demand)")
    if bals:
        text += " Balance (supply − demand): " + "; ".join(bals) + "."
    return text


def _sweep_blocks(sv: SweepView) -> list[Block]:
    res = sv.result
    pts = res.points
    first, last = pts[0], pts[-1]
    half = res.halving_t_per_year
    where = (f"the median shortfall halves at {half:,.0f} t/yr added" if half is not None else
             f"the median shortfall does not halve within {last['value']:,.0f} t/yr")
    text = (f"{res.spec.name}: with no capacity added the median shortfall is "
            f"{fmt(first['shortfall_t']['p50'], 'int')} t (5–95 %: {fmt(first['shortfall_t']['p05'], 'int')}–"
            f"{fmt(first['shortfall_t']['p95'], 'int')} t); with {last['value']:,.0f} t/yr added in "
            f"{outlook_charts.display_name(res.sweep.target, article=True)} it is "
            f"{fmt(last['shortfall_t']['p50'], 'int')} t; {where} ({res.basis}; {res.runs:,} runs per value, "
            f"seed {res.seed}).")
    lead = ("How much new capacity outside the exporter, in place when the cut starts, spares the importers? "
            f"The scenario file {sv.file.name} simulated once per value of capacity added "
            f"({res.stage} stage), with the same random draws for every value.")
    return [Block("subhead", text="Self-sufficiency: shortfall against new capacity"),
            Block("note", text=lead),
            Block("note", text=text), Block("figure", figure=outlook_charts.sweep_shortfall(res)),
            Block("table", table=sweep_table(sv), collapsed=True)]


def outlook_view(ctx: Context, *, sweep_runs: int = SWEEP_RUNS,
                 sweep_seed: int = SCENARIO_SEED) -> SectionView:
    """The Outlook section of a commodity: IEA supply by country per stage, demand by scenario, the
    balance, and the capacity sweep where the commodity has a start-year scenario; for a commodity
    IEA does not cover, the section says so.

    Parameters
    ----------
    ctx : Context
    sweep_runs : int
        Runs per swept value [runs].
    sweep_seed : int
        Root seed of the sweep.
    """
    results = outlook_results(ctx)
    if not results:
        why = ctx.errors.get("outlook:STEPS", "no IEA outlook rows")
        return SectionView("outlook", OUTLOOK_TITLE, "", [Block("note", text=(
            f"No outlook for {ctx.info.name}: {why.split(': ', 1)[-1]}. critmin's projections to 2040 come "
            "only from IEA's Critical Minerals Data Explorer; USGS publishes no projection."))])
    first = next(iter(results.values()))
    years = ", ".join(map(str, sorted(set(first.stages["year"]))))
    basis = first.basis.get("refinery") or first.basis.get("mine", "")
    lead = (f"Where is {ctx.info.name} going? IEA's Critical Minerals Data Explorer ({first.edition}, "
            f"CC BY 4.0): supply by country per stage in its base case for {years} (years between are "
            f"not interpolated), total demand per scenario ({', '.join(results)}) and the balance. Tonnes "
            f"are IEA's ({basis}) and are never added to USGS tonnes; the USGS history is in the supply "
            "sections above.")
    blocks: list[Block] = [
        Block("note", text=_facts(results)),
        Block("figure", figure=outlook_charts.outlook_supply(first, colors=ctx.colors)),
        Block("table", table=_stages_table(results)),
        Block("figure", figure=outlook_charts.outlook_demand(results)),
        Block("figure", figure=outlook_charts.outlook_balance(results)),
        Block("table", table=_balance_table(results), collapsed=True),
        Block("table", table=_supply_table(results), collapsed=True),
        Block("table", table=_demand_table(results), collapsed=True),
    ]
    notes = list(dict.fromkeys(n for r in results.values() for n in r.notes))
    if notes:
        blocks.append(Block("list", text="What the outlook compares", items=notes))
    sv = outlook_sweep(ctx, runs=sweep_runs, seed=sweep_seed)
    err = next((v for k, v in ctx.errors.items() if "outlook_sweep" in k), None)
    if sv is not None:
        blocks += _sweep_blocks(sv)
    elif err:
        blocks.append(Block("note", text=f"Capacity sweep not produced: {err}"))
    return SectionView("outlook", OUTLOOK_TITLE, lead, blocks)


def build_table(m, res) -> Table:
    """The build-cost curve of a stockpile plan's material as a table (one row per schedule)."""
    b = m.build
    rows = [{"months": c["months"], "stock_t": c["stock_t"], "cost_at_p0_usd": c["cost_at_p0_usd"],
             "cost_with_impact_usd": c["cost_with_impact_usd"]["mean"],
             "cost_with_impact_p05_usd": c["cost_with_impact_usd"]["p05"],
             "cost_with_impact_p95_usd": c["cost_with_impact_usd"]["p95"],
             "impact_usd": c["impact_usd"], "holding_early_usd": c["holding_early_usd"],
             "total_usd": c["total_usd"], "peak_price_multiple_p50": c["peak_price_multiple"]["p50"],
             "bought_share": c["bought_share"], "cheapest": c["months"] == b["optimal_months"]}
            for c in b["curve"]]
    df = pd.DataFrame(rows).assign(material=m.material, region=res.region, scenario=m.scenario,
                                   runs=res.runs, seed=res.seed)
    cols = {"months": ("months", "num1"), "cost_at_p0_usd": ("at today's price", "usd"),
            "cost_with_impact_usd": ("with impact (mean)", "usd"), "impact_usd": ("impact", "usd"),
            "holding_early_usd": ("holding early", "usd"), "total_usd": ("total", "usd"),
            "peak_price_multiple_p50": ("peak price p50 [× P0]", "num2"),
            "bought_share": ("share bought", "pct"), "cheapest": ("cheapest", "bool")}
    return Table(f"{m.material}_{res.region}_stockpile_build_cost", "Build cost by schedule", df, cols,
                 f"critmin stockpile plan --region {res.region} --materials {m.material} --build-months "
                 f"{b['months']:g}: {res.runs:,} runs per schedule, seed {res.seed}; {b['model']}.")


def build_cost_view(ctx: Context) -> SectionView | None:
    """The stockpile plan's build-cost curve (its ``build``), None without a plan or a priced build."""
    res = ctx.analysis("stockpile")
    if res is None or not res.materials or not res.materials[0].build:
        return None
    m = res.materials[0]
    b = m.build
    curve = {c["months"]: c for c in b["curve"]}
    pts = [f"{mo:g} months {fmt(curve[mo]['cost_with_impact_usd']['mean'], 'usd')}" for mo in (6, 12, 24)
           if mo in curve]
    best = b["optimal"]
    text = (f"Buying the plan's {fmt(b['stock_t'], 'int')} t costs {fmt(best['cost_at_p0_usd'], 'usd')} at "
            f"today's price; bought on the market, with the price the purchases themselves cause: "
            f"{'; '.join(pts)}. The cheapest schedule, counting the holding cost of buying early, is "
            f"{best['months']:g} months ({fmt(best['total_usd'], 'usd')} in all).")
    lead = (f"What building {m.region_name}'s stock of {m.name} does to the price: the stock bought evenly "
            f"over 1 to 60 months in a calm market of the planning scenario “{m.scenario}” (no disruption), "
            "the purchases adding to demand (critmin.stockpile.build).")
    return SectionView("stockpile_build", BUILD_TITLE, lead, [
        Block("note", text=text),
        Block("figure", figure=outlook_charts.build_cost_curve(b, material=m.name, region=res.region)),
        Block("table", table=build_table(m, res), collapsed=True),
        *([Block("list", text="Build notes", items=list(b["notes"]))] if b.get("notes") else []),
    ])
