"""A start-year baseline: USGS's base year scaled by IEA's outlook (issue 14, docs/methods.md §6).

A scenario that says ``year = 2030`` and ``demand_scenario = "APS"`` takes its supply by country and
stage and its demand from IEA's Critical Minerals Data Explorer for that year, with the tonnes kept on
the basis of the USGS table (:func:`project_supply`; :class:`Projection` states the rules). The
baseline (:mod:`critmin.market.baseline`) calls it; everything here is pure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

__all__ = ["Projection", "project_supply", "projection_items"]


def _item(name: str, value: object, unit: str, kind: str, source: str) -> dict:
    return {"name": name, "value": value, "unit": unit, "kind": kind, "source": source}


@dataclass(frozen=True)
class Projection:
    """How a start-year baseline was built: USGS's base year, scaled by IEA's outlook (docs/methods.md §6).

    Tonnes stay on the basis of the USGS table (REO for rare earths): IEA's figures enter only as
    ratios of IEA tonnes to IEA tonnes (growth of a country, shares of a stage), never added to or
    divided by USGS tonnes, because IEA's basis differs (magnet rare earth elements for rare earths).

    * stage with USGS data (``stage_source = "usgs"``, e.g. mine): ``Q_i(Y) = Q_i^USGS(B) x
      IEA_i(Y) / IEA_i(B)``; countries IEA does not list take the growth of IEA's "Rest of world";
      a country IEA lists with no base-year output, or with no USGS output, gets
      ``factor x IEA_i(Y)``;
    * stage only IEA has (``stage_source = "iea"``, e.g. rare-earth refining):
      ``Q_i(Y) = factor x IEA_i(Y)`` with ``factor = W^USGS(B) / IEA_world(B)``: IEA's shares of the
      stage, on the scale of USGS's base-year world output of the commodity's own stage;
    * with ``projected = "exporter"`` only the exporter follows IEA's projection; the others keep
      their base-year output (their new capacity comes from [[capacity]] entries);
    * demand: every region's base-year demand (and the exporter's home demand) times IEA's world
      demand growth ``D(Y) / D(B)`` of the scenario; the rest of the world stays the residual.

    Attributes
    ----------
    factor : float
        Tonnes of the scenario's basis per IEA tonne of the stage in the base year [t/t].
    growth : dict of str to float
        Per supplier: its output in the start year / its base-year output [1] (NaN where the figure
        is a share of the stage rather than a growth).
    iea_balance : dict of str to float
        IEA's supply minus demand per stage in the start year, as a share of demand [1].
    """

    start_year: int
    base_year: int
    usgs_year: int
    demand_scenario: str
    stage: str
    stage_source: str
    projected: str
    exporter: str
    demand_growth: float
    factor: float
    base_world_t_per_year: float
    growth: dict[str, float]
    iea_balance: dict[str, float]
    iea_basis: str
    edition: str
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"start_year": self.start_year, "base_year": self.base_year, "usgs_year": self.usgs_year,
                "demand_scenario": self.demand_scenario, "stage": self.stage,
                "stage_source": self.stage_source, "projected_suppliers": self.projected,
                "demand_growth": self.demand_growth, "iea_to_scenario_factor": self.factor,
                "base_world_t_per_year": self.base_world_t_per_year, "growth": dict(self.growth),
                "iea_balance_share_of_demand": dict(self.iea_balance), "iea_basis": self.iea_basis,
                "iea_edition": self.edition, "notes": list(self.notes)}


def _iea_rows(df: pd.DataFrame, stage: str) -> dict[str, float]:
    d = df[(df["stage"] == stage) & df["quantity_t"].notna()]
    return {str(c): float(q) for c, q in zip(d["country"], d["quantity_t"], strict=True)}


def project_supply(sup, outlook, *, stage: str, stage_source: str, projected: str = "all",
                   exporter: str | None = None):
    """A start-year producer table on the USGS basis, from USGS's base year and IEA's outlook (pure).

    Parameters
    ----------
    sup : critmin.supply.SupplyResult
        USGS producers in the base year: of ``stage`` when ``stage_source`` is ``usgs``, else of the
        commodity's default stage (whose world total sets the scale).
    outlook : critmin.outlook.OutlookBaseline
        IEA supply by stage and country in the start year and the base year, and demand.
    stage : str
        The market's stage (``mine`` or ``refinery``).
    stage_source : str
        ``usgs`` (scale USGS countries by IEA's growth) or ``iea`` (IEA's shares on USGS's scale).
    projected : str
        ``all`` or ``exporter`` (see :class:`Projection`).
    exporter : str, optional
        The restricting exporter (default: the largest producer in the start year).

    Returns
    -------
    sup : SupplyResult
        A copy whose ``table`` holds the projected output [t/yr] with a ``source`` per row (``OTH``
        included as a row), ``stage`` the market's stage.
    projection : Projection

    Raises
    ------
    ValueError
        When IEA has no rows for the stage, or no base-year output to scale by.
    """
    import dataclasses

    y, b = int(outlook.year), int(outlook.base_year)
    iy, ib = _iea_rows(outlook.supply, stage), _iea_rows(outlook.base_supply, stage)
    if not ib or sum(ib.values()) <= 0:
        raise ValueError(f"IEA has no {stage} output of {outlook.commodity} in its base year {b}")
    iea_world_b = sum(ib.values())
    rows = [(r.country, r.name or r.country, float(r.quantity), bool(r.estimated))
            for r in sup.table.itertuples(index=False)
            if r.quantity is not None and not (isinstance(r.quantity, float) and math.isnan(r.quantity))
            and r.quantity > 0]
    if sup.other_countries and sup.other_countries > 0:
        rows.append(("OTH", "Other countries", float(sup.other_countries), False))
    w_usgs = sum(q for _, _, q, _ in rows)
    if w_usgs <= 0:
        raise ValueError(f"no USGS output of {sup.commodity} in {sup.year} to scale")
    factor = w_usgs / iea_world_b
    usgs_src = f"{sup.source} {sup.edition}, {sup.stage} production {sup.year}"
    iea_src = f"IEA {outlook.edition} base case"
    world_g = sum(iy.values()) / iea_world_b

    def grow(c: str) -> tuple[float, str]:
        key = c if c in ib else "OTH"
        if key in ib and ib[key] > 0 and key in iy:
            what = "Rest of world" if key == "OTH" else c
            return iy[key] / ib[key], f"IEA {stage} growth {y}/{b} of {what} {iy[key] / ib[key]:.4g}"
        return world_g, f"IEA world {stage} growth {y}/{b} {world_g:.4g} (no base-year figure for {c})"

    # the start year with every supplier projected (also to find the default exporter)
    full: dict[str, tuple[str, float, bool, str, float]] = {}
    if stage_source == "usgs":
        for c, name, q, est in rows:
            g, how = grow(c)
            full[c] = (name, q * g, est, f"{usgs_src} {q:,.6g} t x {how} ({iea_src})", g)
        for c, q in iy.items():
            if c not in full and c != "OTH" and q > 0:
                full[c] = (c, factor * q, False, f"{iea_src} {c} {stage} {y} {q:,.6g} t (IEA basis) x "
                           f"factor {factor:.4g} (USGS world {w_usgs:,.6g} t / IEA world "
                           f"{iea_world_b:,.6g} t, {b})", math.nan)
    else:
        for c, q in iy.items():
            if q > 0:
                name = "Rest of world (IEA)" if c == "OTH" else c
                full[c] = (name, factor * q, False, f"{iea_src} {c} {stage} {y} {q:,.6g} t (IEA basis) x "
                           f"factor {factor:.4g} (USGS {sup.stage} world {w_usgs:,.6g} t / IEA {stage} world "
                           f"{iea_world_b:,.6g} t, {b})", math.nan)
    if not full:
        raise ValueError(f"IEA gives no {stage} output of {outlook.commodity} in {y}")
    ex = exporter or max(full, key=lambda c: full[c][1])
    table = dict(full)
    if projected == "exporter":
        base: dict[str, tuple[str, float, bool, str, float]] = {}
        if stage_source == "usgs":
            for c, name, q, est in rows:
                base[c] = (name, q, est, f"{usgs_src} {q:,.6g} t (base-year output kept)", 1.0)
        else:
            for c, q in ib.items():
                if q > 0:
                    name = "Rest of world (IEA)" if c == "OTH" else c
                    base[c] = (name, factor * q, False, f"{iea_src} {c} {stage} {b} {q:,.6g} t (IEA basis) x "
                               f"factor {factor:.4g} (base-year output kept)", math.nan)
        table = {c: v for c, v in base.items() if c != ex}
        if ex in full:
            table[ex] = full[ex]
    out = pd.DataFrame([{"country": c, "name": v[0], "quantity": v[1], "estimated": v[2], "missing": None,
                         "source": v[3]} for c, v in table.items()])
    out = out.sort_values(["quantity", "country"], ascending=[False, True]).reset_index(drop=True)
    growth = {c: (v[1] / next((q for cc, _, q, _ in rows if cc == c), math.nan)
                  if stage_source == "usgs" else v[4]) for c, v in table.items()}
    demand_g = outlook.growth()
    bal = {}
    for s, tot in outlook.supply_total_t.items():
        bal[s] = (tot - outlook.demand_t) / outlook.demand_t if outlook.demand_t else math.nan
    notes = [f"start year {y}: {stage} supply from "
             + (f"USGS {sup.year} scaled by IEA's {y}/{b} growth per country" if stage_source == "usgs"
                else f"IEA's {y} {stage} output by country x {factor:.4g} (USGS {sup.stage} world {sup.year} "
                     f"/ IEA {stage} world {b})")
             + ("; only the exporter projected, the others at their base-year output"
                if projected == "exporter" else "")
             + f"; demand x IEA {outlook.demand_scenario} growth {demand_g:.4g}; tonnes on the USGS basis "
             f"({sup.basis}), IEA's basis ({outlook.basis.get(stage, '')}) enters only as ratios"]
    notes.extend(outlook.notes[1:])
    basis = sup.basis
    new = dataclasses.replace(
        sup, stage=stage, table=out, other_countries=0.0, world_total=None,
        countries_total=float(out["quantity"].sum()), notes=list(getattr(sup, "notes", [])),
        basis=basis if stage_source == "usgs" else
        f"{basis}-equivalent ({stage} output scaled to {sup.stage})")
    proj = Projection(
        start_year=y, base_year=b, usgs_year=int(sup.year), demand_scenario=outlook.demand_scenario,
        stage=stage, stage_source=stage_source, projected=projected, exporter=ex, demand_growth=demand_g,
        factor=factor, base_world_t_per_year=w_usgs, growth=growth, iea_balance=bal,
        iea_basis=str(outlook.basis.get(stage, "")), edition=str(outlook.edition), notes=notes)
    return new, proj


def projection_items(p: Projection) -> list[dict]:
    """The projection's figures as assumption records (name, value, unit, kind, source)."""
    iea = f"IEA Critical Minerals Data Explorer {p.edition}"
    out = [
        _item("baseline.start_year", p.start_year, "year", "assumption",
              f"month 0 is January {p.start_year}; supply and demand projected from USGS {p.usgs_year} with "
              f"{iea} (base year {p.base_year})"),
        _item("baseline.demand_scenario", p.demand_scenario, "", "assumption",
              f"IEA demand scenario; world demand growth {p.start_year}/{p.base_year} applied to every "
              "region's base-year demand"),
        _item("baseline.demand_growth", p.demand_growth, f"1 ({p.start_year}/{p.base_year})", "data",
              f"{iea}, total demand, {p.demand_scenario}"),
        _item("baseline.stage_source", p.stage_source, "", "assumption",
              ("USGS output per country scaled by IEA's growth per country" if p.stage_source == "usgs" else
               f"IEA's {p.stage} output per country on the scale of USGS's base-year world output "
               f"({p.base_world_t_per_year:,.6g} t/yr)") + f"; IEA basis: {p.iea_basis} (ratios only)"),
        _item("baseline.iea_to_scenario_factor", p.factor, "t per IEA t", "derived",
              f"USGS base-year world output {p.base_world_t_per_year:,.6g} t / IEA {p.stage} world "
              f"{p.base_year}: converts IEA tonnes ([[capacity]] entries with basis = \"iea\") to this "
              "baseline's basis"),
        _item("baseline.projected_suppliers", p.projected, "", "assumption",
              "all: every supplier as IEA's base case projects it (announced projects weighted by their "
              "chance); exporter: only the exporter, the others at their base-year output"),
    ]
    for s, v in sorted(p.iea_balance.items()):
        out.append(_item(f"baseline.iea_balance.{s}", v, "1 (share of demand)", "data",
                         f"{iea}: {s} supply minus {p.demand_scenario} demand in {p.start_year}, IEA "
                         "basis; the model starts balanced at P0 with the rest of the world as the "
                         "residual, so this gap is shown, not simulated"))
    return out
