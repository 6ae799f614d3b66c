"""The diversify job: an importer's supplier-mix frontier from the warehouse (``critmin diversify``).

Steps (each a pure function of :mod:`critmin.diversify.inputs`, :mod:`~critmin.diversify.shortfall` or
:mod:`~critmin.diversify.optimize`):

1. the importer's current supplier shares and annual imports from trade data
   (:func:`critmin.dependence.importer_dependence`: net weight of the commodity's HS lines, one dataset);
2. each supplier's price from the same trade rows (:func:`~critmin.diversify.inputs.unit_values`) and its
   premium over the reference price (:func:`~critmin.diversify.inputs.premiums`);
3. the candidates: the current suppliers and every producing country (USGS production table of the
   commodity's stage, :func:`critmin.supply.supply`), the importer (and a bloc's members) left out;
   each one's exportable volume and cap (:func:`~critmin.diversify.inputs.exportable_volume`,
   :func:`~critmin.diversify.inputs.share_caps`);
4. each candidate's GeoPolRisk governance factor g from the WGI political-stability estimate
   (:func:`critmin.governance.geopolrisk_g`) of the latest WGI year not after the trade year;
5. the risk (``geopolrisk``: ``sum g_i x_i``; ``hhi``: ``sum x_i^2``; ``shortfall``: the commodity's
   disruption scenario, see :mod:`critmin.diversify.shortfall`), then the frontier over a grid of
   budgets from the cheapest mix to ``premium_max``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from critmin.commodities import get as get_commodity
from critmin.diversify.inputs import PREMIUM_BASES, exportable_volume, premiums, share_caps, unit_values
from critmin.diversify.optimize import (
    HHIRisk,
    InfeasibleBudgetError,
    LinearRisk,
    MixProblem,
    ShortfallRisk,
    budget_grid,
    efficient_frontier,
    min_premium,
    solve_mix,
)
from critmin.diversify.results import OBJECTIVES, DiversifyResult, MixPoint
from critmin.diversify.shortfall import disruption_groups, disruption_sample
from critmin.errors import CritminError, DataError, ParameterError, ScenarioError

__all__ = ["DiversifyParams", "diversify", "EU27"]

EU27 = ("AUT", "BEL", "BGR", "HRV", "CYP", "CZE", "DNK", "EST", "FIN", "FRA", "DEU", "GRC", "HUN", "IRL",
        "ITA", "LVA", "LTU", "LUX", "MLT", "NLD", "POL", "PRT", "ROU", "SVK", "SVN", "ESP", "SWE")
"""Member states of the European Union since 1 February 2020 (ISO3): not foreign suppliers of ``EU``."""


class DiversifyParams(BaseModel):
    """The assumptions of the supplier-mix frontier. Each default is documented here and shown as an
    assumption in the output."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_claim_share: float = Field(
        0.5, gt=0, le=1, description="largest share of a supplier's exportable volume the importer can "
        "contract [1]: other buyers hold the rest (an assumption; the current share is always allowed)")
    price_min_share: float = Field(
        0.01, ge=0, lt=1, description="least share of the importer's imports [1] a supplier needs for its "
        "own trade unit value to price it; smaller suppliers (specialty grades of a few tonnes) and "
        "candidates without trade are priced at the importer's average import unit value")
    premium_basis: str = Field(
        "current", description="reference price of the premium: 'current' (the current mix's average "
        "price: a budget B means paying at most B more per tonne than today) or 'cheapest' (the cheapest "
        "candidate, docs/methods.md section 7)")
    disruption_probability: float | None = Field(
        None, gt=0, le=1, description="annual probability of a disruption of the scenario's exporter "
        "[1/yr] (shortfall objective; default: the stockpile planner's disruption_probability)")
    scale_up: float | None = Field(
        None, ge=0, description="how much more than it ships now each other supplier can deliver during "
        "a cut [1] (shortfall objective; default: the scenario's market.spare_capacity_immediate)")
    runs: int = Field(1000, ge=1, le=100_000, description="disruption runs the shortfall is averaged over")
    seed: int = Field(1, ge=0, description="root seed of the disruption draws (the same runs for every "
                      "mix and budget: common random numbers)")
    points: int = Field(21, ge=10, le=201, description="budgets on the frontier between 0 and premium_max "
                        "(more below 0 when cheaper mixes exist)")

    def assumptions(self) -> list[dict]:
        """The parameters as assumption records (name, value, unit, kind, source)."""
        units = {"max_claim_share": "1", "price_min_share": "1 (of import quantity)",
                 "premium_basis": "", "disruption_probability": "1/yr", "scale_up": "1",
                 "runs": "runs", "seed": "", "points": "budgets"}
        out = []
        for name, unit in units.items():
            val = getattr(self, name)
            if val is None:
                continue
            kind = "assumption" if name in self.model_fields_set else "default"
            if name in ("runs", "seed", "points"):
                kind = "setting"
            desc = type(self).model_fields[name].description or ""
            out.append({"name": f"diversify.{name}", "value": val, "unit": unit, "kind": kind,
                        "source": ("set by the user; " if name in self.model_fields_set else "default; ")
                        + desc})
        return out


def _item(name: str, value: object, unit: str, kind: str, source: str) -> dict:
    return {"name": name, "value": value, "unit": unit, "kind": kind, "source": source}


# --------------------------------------------------------------------------- data steps
def _production(com_id: str, year: int, stage: str | None, warehouse) -> tuple[object, list[str]]:
    """The producers table of the trade year, else the latest year before it, else the latest."""
    from critmin.supply import supply

    notes: list[str] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for y in range(year, year - 6, -1):
            try:
                return supply(com_id, year=y, stage=stage, warehouse=warehouse), notes
            except (DataError, CritminError, KeyError):
                continue
        try:
            res = supply(com_id, stage=stage, warehouse=warehouse)
        except (DataError, CritminError, KeyError) as exc:
            raise DataError(f"{com_id}: no production by country to bound the suppliers' volumes "
                            f"({exc})") from None
    notes.append(f"production of {res.year}, the latest year with data (trade year {year})")
    return res, notes


def _production_t(sup) -> dict[str, float]:
    factor = {"t": 1.0, "kg": 1e-3}.get(sup.unit)
    if factor is None:
        raise DataError(f"{sup.commodity}: production is in {sup.unit!r}, not a mass: exportable volumes "
                        "cannot be compared with trade quantities")
    tab = sup.table
    tab = tab[(tab["country"].str.len() == 3) & ~tab["country"].isin(["OTH", "WLD"])]
    return {c: float(q) * factor for c, q in zip(tab["country"], tab["quantity"], strict=True)
            if q == q and q > 0}


def _consumption_t(warehouse, com_id: str, year: int, countries: list[str]) -> tuple[dict, dict]:
    """Own consumption per country: the latest year not after ``year``, apparent before reported."""
    df = warehouse.table("consumption", commodity=com_id)
    if df.empty:
        return {}, {}
    df = df[df["country"].isin(countries) & (df["year"] <= year) & df["quantity_t"].notna()]
    rank = {"apparent": 0, "reported": 1, "estimated": 2}
    df = df.assign(_r=df["method"].map(rank).fillna(3)).sort_values(["country", "year", "_r"],
                                                                   ascending=[True, False, True])
    first = df.groupby("country").head(1)
    vals = dict(zip(first["country"], first["quantity_t"].astype(float), strict=True))
    src = {c: f"{m} consumption {int(y)} ({s} {e})" for c, m, y, s, e in
           zip(first["country"], first["method"], first["year"], first["source"], first["edition"],
               strict=True)}
    return vals, src


def _governance(warehouse, year: int) -> tuple[pd.Series, int]:
    from critmin._memo import memo_shared
    from critmin.governance import geopolrisk_g

    # the governance_latest rows, read once per warehouse and shared with criticality (only read here)
    gov = memo_shared(warehouse, ("governance-latest",), lambda: warehouse.table("governance", latest=True))
    years = sorted(int(y) for y in gov["year"].dropna().unique())
    if not years:
        raise DataError("no WGI rows in the warehouse: governance factors cannot be computed")
    wy = max([y for y in years if y <= year] or [years[0]])
    pv = gov[(gov["year"] == wy) & (gov["indicator"] == "pv")].set_index("country")["estimate"]
    return geopolrisk_g(pv.astype(float)), wy


def _scenario(com_id: str, scenario):
    from critmin.market.spec import ScenarioSpec, load_scenario
    from critmin.stockpile.planning_scenarios import find_scenario

    if isinstance(scenario, ScenarioSpec):
        spec = scenario
    else:
        spec = load_scenario(Path(scenario) if scenario is not None else find_scenario(com_id))
    if get_commodity(spec.commodity).id != com_id:
        raise ScenarioError(f"scenario {spec.path or spec.name} is of {spec.commodity}, not {com_id}")
    return spec


def _own_codes(importer: str) -> set[str]:
    return {importer} | (set(EU27) if importer == "EU" else set())


def _excluded_codes(exclude: Sequence[str]) -> set[str]:
    """The ISO3 codes of the suppliers to exclude (codes or names, as
    :func:`critmin.countries.region_code` reads a country); anything else is refused."""
    from critmin.countries import region_code

    out = set()
    for raw in exclude:
        text = str(raw).strip()
        if not text:
            continue
        try:
            out.add(region_code(text, blocs=()))
        except ParameterError:
            raise DataError(f"exclude: {text!r} is not a country; expected ISO3 codes or names (e.g. CHN, "
                            "Russia)") from None
    return out


# --------------------------------------------------------------------------- the job

def diversify(
    commodity: str,
    *,
    importer: str,
    year: int | None = None,
    objective: str = "shortfall",
    premium_max: float = 0.2,
    at: float | None = 0.10,
    stage: str | None = None,
    scenario=None,
    exclude: Sequence[str] = (),
    params: DiversifyParams | None = None,
    warehouse,
) -> DiversifyResult:
    """The least-risk supplier mix of an importer at each premium budget: the efficient frontier.

    Parameters
    ----------
    commodity : str
        Catalogue id, name or USGS code (``rare-earths``).
    importer : str
        The importer: ISO3 or a name, or a bloc code that :func:`critmin.dependence.importer_dependence`
        supports (``EU``: member states are then not foreign suppliers).
    year : int, optional
        Trade year [calendar year] of the current mix and prices; default the latest with data.
    objective : {"shortfall", "geopolrisk", "hhi"}
        What to minimise (:data:`~critmin.diversify.results.OBJECTIVES`).
    premium_max : float
        The largest premium budget of the frontier [1] (0.2: at most 20 % above the reference price).
    at : float, optional
        A budget [1] whose frontier point is reported as ``at`` (default 0.10).
    stage : str, optional
        Production stage bounding the suppliers' volumes (default: the commodity's default stage).
    scenario : ScenarioSpec, str or Path, optional
        The disruption scenario (default: the commodity's planning scenario,
        :func:`critmin.stockpile.find_scenario`). Needed for ``shortfall``; for every objective its
        statement of the exporter's exports bounds the exporter's volume when it can be read.
    exclude : sequence of str, optional
        Suppliers (ISO3) the importer will not buy from (sanctions, policy): left out of the candidates,
        or held at a share of 0 when they supply today.
    params : DiversifyParams, optional
        The assumptions (documented defaults).
    warehouse : Warehouse
        Where the data live.

    Returns
    -------
    DiversifyResult
        The current mix, the frontier (premium [1], risk, mix, extra cost [USD/yr], moves), the
        unconstrained optimum, the candidates' table and every assumption.

    Raises
    ------
    DataError
        When the importer has no trade data for the commodity, no production bounds the suppliers, or
        governance data are missing.
    ScenarioError
        When the shortfall objective has no scenario for the commodity.
    InfeasibleBudgetError
        When ``premium_max`` is below the cheapest mix within the caps.
    """
    from critmin.countries import country_name
    from critmin.dependence import importer_dependence

    params = params or DiversifyParams()
    if objective not in OBJECTIVES:
        raise DataError(f"unknown objective {objective!r}; expected one of {', '.join(OBJECTIVES)}")
    if params.premium_basis not in PREMIUM_BASES:
        raise DataError(f"unknown premium basis {params.premium_basis!r}; expected one of "
                        f"{', '.join(PREMIUM_BASES)}")
    if not math.isfinite(premium_max):
        raise DataError("premium_max must be a finite number")
    excluded = _excluded_codes(exclude)
    com = get_commodity(commodity)
    notes: list[str] = []
    assumptions: list[dict] = params.assumptions()

    # 1. current mix and imports
    dep = importer_dependence(com.id, importer, year=year, by="quantity_kg", warehouse=warehouse)
    imp = dep.importer
    own = _own_codes(imp)
    trade = dep.table[dep.table["share"].notna() & ~dep.table["partner"].isin(own)].copy()
    if trade.empty or not (trade["quantity_kg"] > 0).any():
        raise DataError(f"{imp} reports no import quantity of {com.id} by supplier in {dep.year}")
    imports_kg = float(trade["quantity_kg"].sum())
    imports_t = imports_kg / 1000.0
    notes += [c for c in dep.caveats]
    # 2. prices
    prices, avg = unit_values(trade, min_share=params.price_min_share)
    # 3. candidates: current suppliers and producers
    sup, pnotes = _production(com.id, dep.year, stage, warehouse)
    notes += pnotes
    prod = _production_t(sup)
    spec = None
    try:
        spec = _scenario(com.id, scenario)
    except (ScenarioError, CritminError) as exc:
        if objective == "shortfall":
            raise
        notes.append(f"no disruption scenario read ({exc}); the exporter's volume is its production")
    exporter = None
    share_e: dict[str, float] = {}
    home_e: dict[str, float] = {}
    tied: list[str] = []
    if spec is not None:
        exporter = spec.disruption.exporter or (max(prod, key=prod.get) if prod else None)
        tied = [t for t in spec.baseline.tied_to_exporter if t != exporter]
        b = spec.baseline
        if exporter is not None and b.exporter_export_share is not None:
            share_e[exporter] = float(b.exporter_export_share)
        elif exporter is not None and b.exporter_home_demand_t_per_year is not None:
            home_e[exporter] = float(b.exporter_home_demand_t_per_year)
    current_codes = list(trade["partner"])
    producers = [c for c in sorted(prod, key=lambda c: -prod[c]) if c not in own]
    codes = current_codes + [c for c in producers if c not in current_codes and c not in excluded]
    cons, cons_src = _consumption_t(warehouse, com.id, sup.year, codes)
    ex = exportable_volume({c: prod[c] for c in codes if c in prod}, consumption_t=cons,
                           export_share=share_e, home_demand_t=home_e).set_index("country")
    g, wgi_year = _governance(warehouse, dep.year)
    unscored_current = [c for c in current_codes if pd.isna(g.get(c, np.nan))]
    dropped = [c for c in codes if c not in current_codes and pd.isna(g.get(c, np.nan))]
    codes = [c for c in codes if c not in dropped]
    # 4. the candidates' table
    cand = pd.DataFrame({"supplier": codes})
    cand["name"] = [country_name(c) if len(c) == 3 else c for c in codes]
    tr = trade.set_index("partner")
    pr = prices.set_index("partner")
    cand["current_share"] = [float(tr.at[c, "share"]) if c in tr.index else 0.0 for c in codes]
    cand["imports_t"] = [float(tr.at[c, "quantity_kg"]) / 1000.0 if c in tr.index else 0.0 for c in codes]
    cand["value_usd"] = [float(tr.at[c, "value_usd"]) if c in tr.index else 0.0 for c in codes]
    cand["unit_value_usd_per_kg"] = [float(pr.at[c, "unit_value_usd_per_kg"]) if c in pr.index
                                     else math.nan for c in codes]
    cand["price_usd_per_kg"] = [float(pr.at[c, "price_usd_per_kg"]) if c in pr.index else avg
                                for c in codes]
    cand["price_basis"] = [pr.at[c, "price_basis"] if c in pr.index
                           else "average: no imports from it in the trade rows" for c in codes]
    cand["production_t"] = [float(ex.at[c, "production_t"]) if c in ex.index else math.nan for c in codes]
    cand["consumption_t"] = [float(ex.at[c, "consumption_t"]) if c in ex.index else math.nan for c in codes]
    cand["exportable_t"] = [float(ex.at[c, "exportable_t"]) if c in ex.index else math.nan for c in codes]
    cand["exportable_basis"] = [ex.at[c, "exportable_basis"] if c in ex.index
                                else f"no {sup.stage} production in {sup.edition} {sup.year}" for c in codes]
    x_cur = cand["current_share"].to_numpy(float)
    x_cur = x_cur / x_cur.sum()
    cand["current_share"] = x_cur
    upper, cap_basis = share_caps(x_cur, cand["exportable_t"].to_numpy(float), imports_t,
                                  max_claim_share=params.max_claim_share)
    for i, c in enumerate(codes):
        if c in excluded:
            upper[i], cap_basis[i] = 0.0, "excluded"
    if upper.sum() < 1 - 1e-9:
        raise DataError(f"the candidates left after excluding {', '.join(sorted(excluded))} can ship only "
                        f"{upper.sum():.1%} of {imp}'s imports")
    cand["upper"] = upper
    cand["cap_basis"] = cap_basis
    r, ref, p_cur = premiums(cand["price_usd_per_kg"].to_numpy(float), x_cur, basis=params.premium_basis)
    cand["premium"] = r
    gv = [float(g.get(c)) if not pd.isna(g.get(c, np.nan)) else 1.0 for c in codes]
    cand["g"] = gv
    cand["g_basis"] = [f"WGI pv {wgi_year}" if c not in unscored_current
                       else "no WGI value: scored at the worst, 1" for c in codes]
    problem = MixProblem(tuple(codes), upper, r)
    price = cand["price_usd_per_kg"].to_numpy(float)
    p_min = float(price.min())

    # 5. risk
    geo = LinearRisk(cand["g"].to_numpy(float), name="geopolrisk")
    hhi = HHIRisk()
    short = None
    sample = None
    if spec is not None and exporter is not None:
        try:
            pi_e = (params.disruption_probability if params.disruption_probability is not None
                    else _planner_probability(com.id))
            rho = (params.scale_up if params.scale_up is not None
                   else float(spec.market.spare_capacity_immediate))
            gmap = dict(zip(codes, cand["g"], strict=True))
            if exporter not in gmap and not pd.isna(g.get(exporter, np.nan)):
                gmap[exporter] = float(g[exporter])
            groups, probs, labels = disruption_groups(codes, gmap, exporter=exporter,
                                                      exporter_probability=pi_e, tied=tied)
            sample = disruption_sample(spec, runs=params.runs, seed=params.seed)
            short = ShortfallRisk(groups, probs, sample.lost_share, sample.cut_years, rho, upper, imports_t)
            gp = {i: (probs[k], labels[k]) for k, grp in enumerate(groups) for i in grp}
            cand["disruption_probability"] = [gp[i][0] for i in range(len(codes))]
            cand["group"] = [gp[i][1] for i in range(len(codes))]
        except (DataError, ValueError) as exc:
            if objective == "shortfall":
                raise
            notes.append(f"shortfall not computed: {exc}")
            short = None
    risk = {"geopolrisk": geo, "hhi": hhi, "shortfall": short}[objective]
    if risk is None:
        raise ScenarioError(f"{com.id}: no disruption scenario to compute the shortfall objective")

    # 6. frontier
    lo = min_premium(problem).premium
    if premium_max < lo - 1e-9:
        raise InfeasibleBudgetError(f"no mix costs a premium of at most {premium_max:+.4f}: the cheapest mix "
                               f"within the caps costs {lo:+.4f}")
    include = [0.0] + ([float(at)] if at is not None else [])
    free = solve_mix(problem, risk)
    if lo <= free.premium <= premium_max:
        include.append(free.premium)
    # past the premium of the least-risk mix (B*) more budget buys no less risk: the frontier's points
    # are spread over [cheapest, B*], not repeated up to premium_max (a budget asked for with ``at``
    # beyond B* is kept, and gives the least-risk mix)
    b_star = free.premium if lo <= free.premium <= premium_max else premium_max
    hi = max(b_star, lo)
    budgets = budget_grid(lo, hi, points=params.points, include=include)
    budgets = sorted(budgets + [b for b in include if hi + 1e-12 < b <= premium_max + 1e-12])
    if hi < premium_max - 1e-9:
        notes.append(f"the least-risk mix costs a premium of {b_star:+.1%}: a larger budget (up to "
                     f"{premium_max:+.1%}) buys no less risk, so the frontier ends there")
    sols = efficient_frontier(problem, risk, budgets, unconstrained=free)
    if float(upper.sum()) <= 1 + 1e-9:
        notes.append("no supplier can grow beyond its current share (every cap binds: processors without "
                     "production of their own, or production too small for the imports): the current mix "
                     "is the only feasible one")

    def point(label: str, x, budget: float) -> MixPoint:
        x = np.asarray(x, float)
        moves = []
        for i in np.argsort(-(np.abs(x - x_cur))):
            d = x[i] - x_cur[i]
            if abs(d) <= 1e-6:
                continue
            moves.append({"supplier": codes[i], "from": float(x_cur[i]), "to": float(x[i]),
                          "change_t": float(d * imports_t),
                          "extra_cost_usd": float(d * imports_kg * price[i])})
        prem = problem.premium_of(x)
        return MixPoint(
            label=label, budget=budget, premium=prem if abs(prem) > 1e-12 else 0.0,
            premium_over_cheapest=float(price @ x / p_min - 1.0), risk=risk.value(x),
            mix=problem.mix(x), price_usd_per_kg=float(price @ x),
            extra_cost_usd=float((price @ x - p_cur) * imports_kg), geopolrisk=geo.value(x),
            hhi=hhi.value(x), shortfall_t=short.value(x) if short is not None else math.nan,
            moves=moves)

    current = point("current", x_cur, math.nan)
    frontier = [point("frontier", s.x, s.budget) for s in sols]
    for a, b in zip(frontier[:-1], frontier[1:], strict=True):
        cut = a.risk - b.risk
        b.marginal_premium_per_risk = (b.premium - a.premium) / cut if cut > 1e-12 else math.nan
    unconstrained = point("unconstrained", free.x, math.inf)
    at_point = None
    if at is not None and lo - 1e-9 <= at <= premium_max + 1e-9:
        at_point = next((p for p in frontier if abs(p.budget - at) <= 1e-12), None)

    # 7. assumptions and notes
    src = f"{dep.source} {dep.edition}"
    assumptions += [
        _item("diversify.imports_t", imports_t, "t/yr", "data",
              f"{imp}'s imports of HS {'+'.join(dep.hs_codes)} from its suppliers, {dep.year} ({src}); "
              "net weight of the traded product"),
        _item("diversify.premium_reference_usd_per_kg", ref, "USD/kg", "derived",
              ("the current mix's average unit value" if params.premium_basis == "current" else
               "the cheapest candidate's price") + f" ({src})"),
        _item("diversify.average_price_usd_per_kg", avg, "USD/kg", "data",
              f"{imp}'s average import unit value, {dep.year} (sum of values / sum of quantities, {src}); "
              "the price of candidates without a usable unit value of their own"),
        _item("diversify.unit_values", "trade unit values", "USD/kg", "assumption",
              "a supplier's unit value is what it shipped that year, product mix included (a processor of "
              "specialty grades shows a high one): a premium is a proxy for the price of moving volume to "
              "it, not a quote"),
        _item("diversify.caps", f"{params.max_claim_share:g} x exportable / imports", "1", "assumption",
              "a supplier's cap: max_claim_share of its exportable volume over the importer's imports, "
              "never below its current share; suppliers without production of their own (processors, "
              "traders) stay at most at their current share"),
        _item("diversify.bases", f"imports: net weight; production: {sup.basis or sup.unit}", "",
              "assumption",
              f"exportable volumes ({sup.stage} production, {sup.edition} {sup.year}) are compared with "
              "imports in net weight of the traded product: the bases differ and the caps are indicative"),
        _item("diversify.governance", f"WGI pv {wgi_year}", "1", "data",
              f"g = clip((2.5 - PV)/5, 0, 1) from the WGI political-stability estimate of {wgi_year} "
              f"(latest not after the trade year {dep.year})"),
        _item("diversify.domestic_supply", "not in the mix", "", "assumption",
              f"the mix is of {imp}'s imports; its own production and re-imports are left out"),
    ]
    if wgi_year != dep.year:
        notes.append(f"governance of {wgi_year} for trade of {dep.year} (the latest WGI year)")
    if sup.year != dep.year:
        notes.append(f"production of {sup.year} ({sup.edition}) for trade of {dep.year}")
    for c, s in share_e.items():
        assumptions.append(_item(f"diversify.exportable.{c}", s, "1 (of output)", "assumption",
                                 f"the scenario's exporter_export_share ({spec.path or spec.name})"
                                 + (f": {spec.baseline.exporter_note}" if spec.baseline.exporter_note
                                    else "")))
    for c, s in home_e.items():
        assumptions.append(_item(f"diversify.exportable.{c}", s, "t/yr (home demand)", "assumption",
                                 "the scenario's exporter_home_demand_t_per_year "
                                 f"({spec.path or spec.name})"))
    for c, s in cons_src.items():
        assumptions.append(_item(f"diversify.consumption.{c}", cons[c], "t/yr", "data", s))
    avg_priced = [c for c, b in zip(codes, cand["price_basis"], strict=True) if b != "trade"]
    if avg_priced:
        assumptions.append(_item("diversify.priced_at_average", ", ".join(avg_priced), "", "assumption",
                                 f"priced at the average import unit value {avg:,.2f} USD/kg: no usable "
                                 "unit value of their own (see the candidates' price_basis)"))
    if excluded:
        assumptions.append(_item("diversify.exclude", ", ".join(sorted(excluded)), "", "assumption",
                                 "suppliers the importer will not buy from (set by the user): no "
                                 "candidate, or a share of 0 when they supply today"))
    if unscored_current:
        assumptions.append(_item("diversify.unscored", ", ".join(unscored_current), "", "assumption",
                                 "current suppliers without a WGI value: scored at the worst g = 1 "
                                 "(reported, so the optimiser moves away from them, not towards them)"))
    if dropped:
        notes.append(f"producers without a WGI value left out of the candidates: {', '.join(dropped)}")
    if short is not None and sample is not None:
        sm = sample.summary()
        assumptions += [
            _item("diversify.shortfall.scenario", sample.scenario, "", "setting",
                  "the disruption distributions (cut, duration, leakage) the shortfall is averaged over; "
                  f"lost share a = cut x (1 - leakage): mean {sm['lost_share_mean']:.2f} (5-95 %: "
                  f"{sm['lost_share_p05']:.2f}-{sm['lost_share_p95']:.2f}); cut length: mean "
                  f"{sm['cut_months_mean']:.1f} months ({sm['cut_months_p05']:.1f}-"
                  f"{sm['cut_months_p95']:.1f})"),
            _item("diversify.shortfall.exporter_probability",
                  params.disruption_probability if params.disruption_probability is not None
                  else _planner_probability(com.id), "1/yr",
                  "assumption" if params.disruption_probability is not None else "default",
                  f"annual probability of a disruption of {exporter} (the scenario's exporter)"
                  + ("" if params.disruption_probability is not None else
                     ": the stockpile planner's disruption_probability")),
            _item("diversify.shortfall.supplier_probability", "pi_e x g_i / g_e", "1/yr", "assumption",
                  f"other suppliers' annual disruption probability scaled from {exporter}'s by the "
                  "GeoPolRisk governance factor g (GeoPolRisk reads g as the likelihood of a politically "
                  "driven disruption); one disruption at a time, each drawn from the scenario's "
                  "distributions"),
            _item("diversify.shortfall.scale_up", short.scale_up, "1",
                  "assumption" if params.scale_up is not None else "default",
                  "how much more than it ships now each other supplier delivers during a cut"
                  + ("" if params.scale_up is not None else
                     " (the scenario's market.spare_capacity_immediate; capacity that ramps up later is "
                     "not counted)")),
            _item("diversify.shortfall.model", "contract proxy", "", "assumption",
                  "a cut of a supplier reaches the importer through what it buys from that supplier; the "
                  "market model (critmin.market) pools every supplier into one clearing market, so a "
                  "region's shortfall there does not depend on its mix (critmin.diversify.shortfall)"),
        ]
        if tied and exporter in codes:
            assumptions.append(_item("diversify.shortfall.tied", ", ".join(tied), "", "assumption",
                                     f"disrupted with {exporter}: the scenario's tied_to_exporter (their "
                                     f"output is processed by {exporter})"))
    sources = {"trade": src, "trade_year": dep.year, "hs_codes": list(dep.hs_codes),
               "production": f"{sup.source} {sup.edition}", "production_year": sup.year,
               "stage": sup.stage, "wgi_year": wgi_year,
               "scenario": str(spec.path or spec.name) if spec is not None else None,
               "scenario_exporter": exporter}
    return DiversifyResult(
        commodity=com.id, name=com.name, importer=imp, year=int(dep.year), objective=objective,
        risk_unit=OBJECTIVES[objective][1], premium_basis=params.premium_basis,
        reference_price_usd_per_kg=ref, cheapest_price_usd_per_kg=p_min, average_price_usd_per_kg=avg,
        imports_t=imports_t, premium_max=float(premium_max), current=current, frontier=frontier,
        unconstrained=unconstrained, at=at_point, candidates=cand, assumptions=assumptions,
        sources=sources, notes=list(dict.fromkeys(notes)))


def _planner_probability(com_id: str) -> float:
    from critmin.stockpile.sizing import PlanningParams

    return PlanningParams().probability(com_id)
