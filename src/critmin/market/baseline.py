"""The month-0 baseline of the market model, built from the warehouse (docs/methods.md §4).

* Suppliers' capacity ``Q_i0`` [t/yr]: the producer table of :func:`critmin.supply.supply` (one
  edition, one year), "Other countries" kept as the supplier ``OTH``; each figure overridable. The year
  is the latest with production by country, or ``[baseline] year`` (a past year: the market of that
  year, its consumption and by default its price too; ``[baseline] edition`` picks among the editions
  covering it, else source precedence does: USGS, then World Mining Data, then BGS), or the top-level
  start year (IEA's outlook, :mod:`critmin.market.projection`).
* The restricting exporter ``e`` (named by the scenario) consumes ``D_e0`` at home and exports
  ``X_e0 = Q_e0 - D_e0``. Its own consumption is not in the data, so the scenario states it (or the
  share of output it exports) as a documented estimate.
* Consumer regions outside ``e``: U.S. demand from the warehouse (apparent, else reported consumption);
  others (Japan, the EU, ...) are explicit estimates (a share of world supply, with the reasoning);
  the rest of the world ``ROW`` takes the residual so that ``sum_j D_j0 + D_e0 = sum_i Q_i0``.
* Base price ``P0`` [USD/t]: one product of the prices table, a weighted basket (for a REO-basis
  market: no single oxide prices the whole tonnage) or a given value.

:func:`baseline_from_data` is pure (DataFrames in, :class:`Baseline` out); :func:`build_baseline` reads
the warehouse and calls it.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import pandas as pd

from critmin.errors import CritminError, ScenarioError
from critmin.market.projection import Projection, project_supply, projection_items
from critmin.market.spec import ScenarioSpec
from critmin.market.years import country_years, year_ranges, year_supply

__all__ = ["Supplier", "Region", "Baseline", "Projection", "baseline_from_data", "build_baseline",
           "price_usd_per_t", "project_supply"]

_REL_TOL = 1e-9


@dataclass(frozen=True)
class Supplier:
    """A producing country at month 0.

    Attributes
    ----------
    country : str
        ISO3 (``OTH`` for the source's "Other countries").
    capacity_t_per_year : float
        Baseline output ``Q_i0`` [t/yr].
    kind : str
        ``data``, ``override`` or ``data+tied`` (the exporter with suppliers tied to it).
    source : str
        Where the figure comes from.
    """

    country: str
    name: str
    capacity_t_per_year: float
    kind: str
    source: str
    estimated: bool = False


@dataclass(frozen=True)
class Region:
    """A consumer region outside the exporter at month 0.

    Attributes
    ----------
    demand_t_per_year : float
        Baseline demand ``D_j0`` [t/yr].
    kind : str
        ``data`` (warehouse row), ``estimate`` (documented estimate), ``override`` or ``residual``.
    exports_from_exporter_t_per_year : float
        The exporter's baseline exports to this region [t/yr].
    """

    code: str
    name: str
    demand_t_per_year: float
    kind: str
    source: str
    exports_from_exporter_t_per_year: float
    estimated: bool = False

    @property
    def is_estimate(self) -> bool:
        """True when the demand is not a data row (estimate, residual or override)."""
        return self.kind != "data" or self.estimated


@dataclass
class Baseline:
    """Month-0 supply, demand and price of one commodity (all quantities per year)."""

    commodity: str
    name: str
    year: int
    stage: str
    product: str
    basis: str
    edition: str
    source: str
    suppliers: list[Supplier]
    exporter: str
    exporter_exports_t_per_year: float
    exporter_home_demand_t_per_year: float
    exporter_source: str
    regions: list[Region]
    p0_usd_per_t: float
    price_source: str
    notes: list[str] = field(default_factory=list)
    capacities: dict[str, float] = field(default_factory=dict)
    capacity_source: str = ""
    tied: list[str] = field(default_factory=list)
    price_weights: dict[str, float] = field(default_factory=dict)
    price_note: str = ""
    projection: Projection | None = None
    mode: str = "latest"
    exporter_shares: list[dict] = field(default_factory=list)

    # ------------------------------------------------------------------ derived
    @property
    def world_supply_t_per_year(self) -> float:
        """``sum_i Q_i0`` [t/yr]."""
        return sum(s.capacity_t_per_year for s in self.suppliers)

    @property
    def exporter_production_t_per_year(self) -> float:
        """``Q_e0`` [t/yr]."""
        return next(s.capacity_t_per_year for s in self.suppliers if s.country == self.exporter)

    @property
    def other_suppliers(self) -> list[Supplier]:
        """Suppliers other than the exporter."""
        return [s for s in self.suppliers if s.country != self.exporter]

    @property
    def start_year(self) -> int | None:
        """The start year of a baseline projected with IEA's outlook (None: the data year)."""
        return self.projection.start_year if self.projection is not None else None

    @property
    def iea_factor(self) -> float | None:
        """Tonnes of this baseline's basis per IEA tonne of its stage [t/t] (None without IEA)."""
        return self.projection.factor if self.projection is not None else None

    @property
    def exporter_share(self) -> float:
        """The exporter's share of the baseline's supply ``Q_e0 / sum_i Q_i0`` [1] (tied suppliers in)."""
        w = self.world_supply_t_per_year
        return self.exporter_production_t_per_year / w if w > 0 else math.nan

    def production_source(self) -> str:
        """Where the suppliers' table comes from, with the exporter's share in each edition covering
        the year (e.g. ``WMD-1984-2017 (wmd), mine production 2009 (a past year: [baseline] year);
        CHN 98.3 % of supply; other editions covering 2009: BGS-WMS 98.4 %``)."""
        head = f"{self.edition} ({self.source}), {self.stage} production {self.year}"
        if self.mode == "outlook":
            head += f" projected to {self.start_year} with IEA's outlook"
        else:
            head += (" (a past year: [baseline] year)" if self.mode == "history"
                     else " (the latest year with production by country)")
        out = f"{head}; {self.exporter} {self.exporter_share:.1%} of supply"
        others = [f"{e['edition']} {e['share']:.1%}" for e in self.exporter_shares
                  if e["edition"] != self.edition and e.get("share") == e.get("share")]
        return out + (f"; {self.exporter} in the other editions covering {self.year}: "
                      f"{', '.join(others)}" if others else "")

    @property
    def region_codes(self) -> list[str]:
        return [r.code for r in self.regions]

    def region(self, code: str) -> Region:
        """The region with this code."""
        for r in self.regions:
            if r.code == code:
                return r
        raise KeyError(code)

    def to_dict(self) -> dict:
        """A JSON-ready description of the baseline."""
        return {
            "commodity": self.commodity, "name": self.name, "year": self.year, "stage": self.stage,
            "product": self.product, "basis": self.basis, "edition": self.edition, "source": self.source,
            "world_supply_t_per_year": self.world_supply_t_per_year,
            "suppliers": [{"country": s.country, "name": s.name,
                           "capacity_t_per_year": s.capacity_t_per_year, "kind": s.kind,
                           "source": s.source, "estimated": s.estimated} for s in self.suppliers],
            "exporter": {"country": self.exporter,
                         "production_t_per_year": self.exporter_production_t_per_year,
                         "exports_t_per_year": self.exporter_exports_t_per_year,
                         "home_demand_t_per_year": self.exporter_home_demand_t_per_year,
                         "source": self.exporter_source, "estimate": True},
            "regions": [{"region": r.code, "name": r.name, "demand_t_per_year": r.demand_t_per_year,
                         "kind": r.kind, "estimate": r.is_estimate, "source": r.source,
                         "exports_from_exporter_t_per_year": r.exports_from_exporter_t_per_year}
                        for r in self.regions],
            "p0_usd_per_t": self.p0_usd_per_t,
            "price_source": self.price_source,
            "capacities_t_per_year": dict(self.capacities),
            "capacity_source": self.capacity_source,
            "mode": self.mode,
            "exporter_share": self.exporter_share,
            "exporter_share_by_edition": [dict(e) for e in self.exporter_shares],
            "notes": list(self.notes),
            **({"projection": self.projection.to_dict()} if self.projection is not None else {}),
        }

    def other_capacity_t_per_year(self) -> float:
        """Capacity of the suppliers other than the exporter [t/yr], from the capacity rows: a
        supplier without a row counts its output; countries with capacity but no output (idle plants,
        "Other countries") are added; countries tied to the exporter are left out."""
        tied = set(self.tied)
        total = 0.0
        for s in self.other_suppliers:
            total += max(self.capacities.get(s.country, s.capacity_t_per_year), s.capacity_t_per_year)
        present = {s.country for s in self.suppliers} | tied
        total += sum(v for c, v in self.capacities.items() if c not in present)
        return total

    def assumptions(self) -> list[dict]:
        """Every baseline figure with its kind (data, estimate, override, residual) and source."""
        out = [_item("baseline.production", f"{self.edition} {self.year}", "", "data",
                     self.production_source()),
               _item("baseline.exporter_share", self.exporter_share, "1",
                     "projected" if self.mode == "outlook" else "data",
                     f"{self.exporter}'s output / world supply of the table above"
                     + (f" ({', '.join(self.tied)} tied to it)" if self.tied else ""))]
        for s in self.suppliers:
            kind = s.kind if not s.kind.startswith("data") else (
                "data (USGS estimate)" if s.estimated else "data")
            out.append(_item(f"baseline.capacity.{s.country}", s.capacity_t_per_year, "t/yr", kind,
                             s.source))
        out.append(_item("baseline.exporter", self.exporter, "", "assumption",
                         "restricting exporter e; its home market is outside the clearing"))
        out.append(_item("baseline.exporter_exports", self.exporter_exports_t_per_year, "t/yr",
                         "estimate", self.exporter_source))
        for r in self.regions:
            kind = r.kind if r.kind != "data" else ("data (USGS estimate)" if r.estimated else "data")
            out.append(_item(f"baseline.demand.{r.code}", r.demand_t_per_year, "t/yr", kind, r.source))
        basket = len(self.price_weights) > 1
        out.append(_item("baseline.p0", self.p0_usd_per_t, "USD/t",
                         "data + assumption" if basket else "data", self.price_source))
        if basket:
            total = sum(self.price_weights.values())
            out.append(_item("baseline.p0_basket", ", ".join(f"{k} {v / total:.4g}" for k, v in
                                                            self.price_weights.items()),
                             "weights [1]", "assumption",
                             self.price_note or "weights of the products averaged into P0"))
        for c, v in sorted(self.capacities.items()):
            out.append(_item(f"baseline.capacity_max.{c}", v, "t/yr", "data", self.capacity_source))
        if self.projection is not None:
            out += projection_items(self.projection)
        return out


def _item(name: str, value: object, unit: str, kind: str, source: str) -> dict:
    return {"name": name, "value": value, "unit": unit, "kind": kind, "source": source}


def _err(spec: ScenarioSpec, key: str, msg: str) -> ScenarioError:
    return ScenarioError(f"scenario {spec.path or spec.name}: [{key}] {msg}")


# --------------------------------------------------------------------------- prices
def price_usd_per_t(price: float, unit: str, notes: str = "") -> tuple[float, str]:
    """Convert a published price to USD per metric ton of the commodity's basis.

    Parameters
    ----------
    price : float
        The price [``unit``].
    unit : str
        ``USD/kg``, ``USD/t`` or ``USD/dmtu`` (tungsten: dry metric ton unit of WO3, 10 kg of WO3
        holding 7.93 kg of tungsten, as USGS states in the price notes).
    notes : str
        The row's notes (used to read a stated W-per-mtu content).

    Returns
    -------
    value : float
        Price [USD/t].
    how : str
        The conversion applied, in words.
    """
    u = unit.replace(" ", "").lower()
    if u == "usd/kg":
        return price * 1000.0, "USD/kg x 1,000"
    if u in ("usd/t", "usd/metricton"):
        return price, "USD/t"
    if u in ("usd/dmtu", "usd/mtu"):
        w_per_mtu = 7.93  # kg of W in one metric ton unit (10 kg) of WO3; USGS price notes
        return price / w_per_mtu * 1000.0, "USD per mtu WO3 / 7.93 kg W per mtu (USGS note) x 1,000"
    raise ValueError(f"price unit {unit!r} is not a price per mass this model converts "
                     "(USD/kg, USD/t, USD/dmtu); set baseline.price.usd_per_t instead")


def _pick_year(years: list[int], wanted: int | None, default: int, strict: bool = False) -> int | None:
    """``wanted``, else ``default``, else the latest year before it; a later year only when neither
    ``wanted`` is given nor ``strict`` (a market pinned to a past year never takes a later figure)."""
    target = wanted if wanted is not None else default
    if target in years:
        return target
    before = [y for y in years if y <= target]
    if (wanted is not None or strict) and not before:
        return None
    return max(before) if before else (max(years) if years else None)


def _p0(spec: ScenarioSpec, prices: pd.DataFrame, year: int, commodity: str,
        notes: list[str], strict: bool = False) -> tuple[float, str]:
    ps = spec.baseline.price
    if ps.usd_per_t is not None:
        return float(ps.usd_per_t), f"override: {ps.usd_per_t:,.6g} USD/t" + (
            f" ({ps.note})" if ps.note else "")
    wanted = {ps.product: 1.0} if ps.product is not None else dict(ps.basket or {})
    total_w = sum(wanted.values())
    value = 0.0
    parts = []
    pr = prices[prices["price"].notna()] if len(prices) else prices
    for product, w in wanted.items():
        rows = pr[pr["product"].str.casefold() == product.casefold()] if len(pr) else pr
        if rows.empty:
            known = sorted(prices["product"].dropna().unique()) if len(prices) else []
            raise _err(spec, "baseline.price", f"no price rows for product {product!r} of {commodity}; "
                       f"products in the warehouse: {known}")
        years = sorted(int(y) for y in rows["year"].unique())
        y = _pick_year(years, ps.year, year, strict)
        if y is None and ps.year is None:
            raise _err(spec, "baseline.price", f"no {product!r} price in or before {year}, the year of the "
                       f"market ([baseline] year); years with data: {year_ranges(years)}. Give a product "
                       "priced then, baseline.price.year (a later price on this market) or usd_per_t")
        if y is None:
            raise _err(spec, "baseline.price.year", f"no {product!r} price in or before {ps.year}; "
                       f"years with data: {years}")
        if strict and ps.year is not None and ps.year != year:
            notes.append(f"P0: {product} price of {ps.year} (baseline.price.year) on the market of {year}")
        if y != (ps.year if ps.year is not None else year):
            notes.append(f"P0: {product} price of {y} used (none for "
                         f"{ps.year if ps.year is not None else year})")
        row = rows[rows["year"] == y].iloc[0]
        try:
            usd_t, how = price_usd_per_t(float(row["price"]), str(row["unit"]), str(row.get("notes") or ""))
        except ValueError as exc:
            raise _err(spec, "baseline.price", str(exc)) from None
        share = w / total_w
        value += share * usd_t
        est = " (estimated)" if bool(row.get("estimated")) else ""
        parts.append(f"{product} {y} {float(row['price']):g} {row['unit']}{est} "
                     f"[{row['source']} {row['edition']}, {row['file']} row {row['row']}]"
                     + (f" x weight {share:.4g}" if len(wanted) > 1 else "")
                     + (f"; {how}" if how not in ("USD/t", "USD/kg x 1,000") else ""))
    label = "basket: " if len(wanted) > 1 else ""
    note = f" ({ps.note})" if ps.note else ""
    return value, f"{label}{'; '.join(parts)}{note}"


# --------------------------------------------------------------------------- regions
def _region_demand(spec: ScenarioSpec, code: str, consumption: pd.DataFrame, year: int,
                   world: float, notes: list[str], strict: bool = False) -> tuple[float, str, str, bool]:
    rs = spec.baseline.regions[code]
    if rs.t_per_year is not None:
        return float(rs.t_per_year), "override", f"override {rs.t_per_year:,.6g} t/yr" + (
            f": {rs.note}" if rs.note else ""), False
    if rs.share_of_world is not None:
        src = (f"estimate: {rs.share_of_world:.4g} of world supply ({world:,.0f} t/yr)"
               + (f": {rs.note}" if rs.note else ""))
        return rs.share_of_world * world, "estimate", src, True
    # from data
    c = consumption[(consumption["country"] == code) & consumption["quantity_t"].notna()] \
        if len(consumption) else consumption
    methods = [rs.method] if rs.method else ["apparent", "reported"]
    seen: list[int] = []
    for m in methods:
        cm = c[c["method"] == m] if len(c) else c
        if cm.empty:
            continue
        years = sorted(int(y) for y in cm["year"].unique())
        seen += years
        y = _pick_year(years, rs.data_year, year, strict)
        if y is None:
            continue
        if y != (rs.data_year if rs.data_year is not None else year):
            notes.append(f"{code} demand: {m} consumption of {y} used (none for "
                         f"{rs.data_year if rs.data_year is not None else year})")
        row = cm[cm["year"] == y].sort_values("edition").iloc[-1]
        est = bool(row.get("estimated"))
        src = (f"{m} consumption {y}{' (estimated)' if est else ''} [{row['source']} {row['edition']}, "
               f"{row['file']} row {row['row']}]" + (f"; {rs.note}" if rs.note else ""))
        return float(row["quantity_t"]), "data", src, est
    when = (f" in or before {rs.data_year if rs.data_year is not None else year} (years with data: "
            f"{year_ranges(sorted(set(seen)))})" if seen else " in the warehouse")
    raise _err(spec, f"baseline.regions.{code}.from_data",
               f"no {'/'.join(methods)} consumption of {spec.commodity} for {code}{when}; "
               "give data_year, share_of_world (a documented estimate) or t_per_year instead")


# --------------------------------------------------------------------------- baseline
def baseline_from_data(
    spec: ScenarioSpec,
    supply_result,
    consumption: pd.DataFrame,
    prices: pd.DataFrame,
    capacity: pd.DataFrame | None = None,
    projection: Projection | None = None,
    mode: str | None = None,
) -> Baseline:
    """Build the baseline from already-read tables (pure).

    Parameters
    ----------
    spec : ScenarioSpec
        The scenario.
    supply_result : critmin.supply.SupplyResult
        The producer table of the commodity (one year and edition).
    consumption : DataFrame
        ``consumption`` rows (latest editions) of the commodity.
    prices : DataFrame
        ``prices`` rows (latest editions) of the commodity.
    capacity : DataFrame, optional
        ``production`` rows with ``measure = capacity`` (latest editions) of the commodity; used by
        ``market.spare_capacity_from_data``.
    projection : Projection, optional
        With a start year: ``supply_result`` is the projected table of :func:`project_supply`, and
        every demand figure (base-year) is multiplied by the projection's demand growth.
    mode : {"latest", "history", "outlook"}, optional
        What the year is: the latest with data, a past year (``[baseline] year``: consumption and
        the price default to figures of that year or before, never later ones) or a start year
        (with ``projection``). Default: ``outlook`` with a projection, ``history`` when
        ``[baseline] year`` is given, else ``latest``.

    Returns
    -------
    Baseline

    Raises
    ------
    ScenarioError
        When an override names an unknown supplier, the regions' estimates exceed the demand outside
        the exporter, or a required figure is not in the data.
    """
    b = spec.baseline
    sup = supply_result
    notes: list[str] = list(getattr(sup, "notes", []))
    if mode is None:
        mode = "outlook" if projection is not None else ("history" if b.year is not None else "latest")
    strict = mode == "history"
    if sup.unit != "t":
        raise _err(spec, "baseline", f"production of {sup.commodity} is in {sup.unit!r}, not tonnes; "
                   "give baseline.capacity_t_per_year for every supplier")
    base_src = f"{sup.source} {sup.edition}, {sup.stage} production {sup.year}"
    if projection is not None:
        notes = list(projection.notes) + notes
        if spec.market.spare_capacity_from_data:
            raise _err(spec, "market.spare_capacity_from_data", "the capacity rows are of the base year; "
                       "with a start year give spare_capacity instead")
    suppliers: dict[str, Supplier] = {}
    for r in sup.table.itertuples(index=False):
        q = r.quantity
        if q is None or (isinstance(q, float) and math.isnan(q)):
            if r.country not in b.capacity_t_per_year:
                notes.append(f"{r.country}: production {r.missing or 'missing'} in {sup.edition}; "
                             "left out of supply (set baseline.capacity_t_per_year to include it)")
            continue
        if q <= 0 and r.country not in b.capacity_t_per_year:
            continue
        row_src = getattr(r, "source", None) if projection is not None else None
        suppliers[r.country] = Supplier(r.country, r.name or r.country, float(q),
                                        "projected" if row_src else "data",
                                        row_src or (base_src + (" (estimated)" if r.estimated else "")),
                                        bool(r.estimated))
    if sup.other_countries and sup.other_countries > 0:
        suppliers["OTH"] = Supplier("OTH", "Other countries", float(sup.other_countries), "data",
                                    base_src + " ('Other countries' row)")
    for c, q in b.capacity_t_per_year.items():
        old = suppliers.get(c)
        src = f"override {q:,.6g} t/yr" + (f" (data: {old.capacity_t_per_year:,.6g})" if old else "")
        suppliers[c] = Supplier(c, old.name if old else c, q, "override", src)
    suppliers = {c: s for c, s in suppliers.items() if s.capacity_t_per_year > 0}
    if not suppliers:
        raise _err(spec, "baseline", f"no producers of {sup.commodity} with output > 0")

    exporter = spec.disruption.exporter
    if exporter not in suppliers:
        raise _err(spec, "disruption.exporter", f"{exporter} is not a producer of {sup.commodity} in "
                   f"{sup.edition} {sup.year}; producers: {sorted(suppliers)}")
    for c in b.tied_to_exporter:
        c = c.upper()
        if c == exporter:
            raise _err(spec, "baseline.tied_to_exporter", f"{c} is the exporter itself")
        if c not in suppliers:
            raise _err(spec, "baseline.tied_to_exporter", f"{c} is not a producer of {sup.commodity} in "
                       f"{sup.edition} {sup.year} (producers: {', '.join(sorted(suppliers))}); leave it "
                       "out of tied_to_exporter for this year")
        tied = suppliers.pop(c)
        ex = suppliers[exporter]
        suppliers[exporter] = Supplier(
            exporter, ex.name, ex.capacity_t_per_year + tied.capacity_t_per_year, "data+tied",
            f"{ex.source}; plus {c} {tied.capacity_t_per_year:,.6g} t/yr tied to the exporter "
            "(processed and sold by it)", ex.estimated or tied.estimated)
    supplier_list = sorted(suppliers.values(), key=lambda s: (-s.capacity_t_per_year, s.country))
    world = sum(s.capacity_t_per_year for s in supplier_list)
    q_e = suppliers[exporter].capacity_t_per_year

    if b.exporter_export_share is not None:
        x_e = b.exporter_export_share * q_e
        ex_src = f"estimate: {b.exporter_export_share:.4g} of {exporter}'s output exported"
    else:
        home = float(b.exporter_home_demand_t_per_year or 0.0)
        if projection is not None:
            home *= projection.demand_growth
        if home > q_e:
            raise _err(spec, "baseline.exporter_home_demand_t_per_year",
                       f"{home:,.0f} t/yr exceeds {exporter}'s output {q_e:,.0f} t/yr")
        x_e = q_e - home
        ex_src = f"estimate: {exporter} consumes {home:,.6g} t/yr at home" + (
            f" (base-year figure x IEA demand growth {projection.demand_growth:.4g})"
            if projection is not None else "")
    if b.exporter_note:
        ex_src += f": {b.exporter_note}"
    outside_demand = world - q_e + x_e

    # regions
    regions: list[Region] = []
    region_kinds: dict[str, tuple[float, str, str, bool]] = {}
    for code in b.regions:
        if code == exporter:
            raise _err(spec, f"baseline.regions.{code}", "the exporter's home market is not a consumer "
                       "region of the clearing (its demand is set by exporter_export_share)")
        if projection is None:
            region_kinds[code] = _region_demand(spec, code, consumption, sup.year, world, notes, strict)
        else:
            d, kind, src, est = _region_demand(spec, code, consumption, sup.year,
                                               projection.base_world_t_per_year, notes)
            g = projection.demand_growth
            region_kinds[code] = (d * g, kind, f"{src}; base-year {d:,.6g} t/yr x IEA "
                                  f"{projection.demand_scenario} demand growth {projection.start_year}/"
                                  f"{projection.base_year} {g:.4g}", est)
    explicit = sum(v[0] for v in region_kinds.values())
    residual = outside_demand - explicit
    if residual < -_REL_TOL * max(world, 1.0):
        detail = ", ".join(f"{k} {v[0]:,.0f}" for k, v in region_kinds.items())
        raise _err(spec, "baseline.regions", f"regions' demand ({detail}; total {explicit:,.0f} t/yr) "
                   f"exceeds the demand outside {exporter} ({outside_demand:,.0f} t/yr = other suppliers "
                   f"{world - q_e:,.0f} + {exporter}'s exports {x_e:,.0f}); lower the estimates or the "
                   "exporter's home demand")
    residual = max(residual, 0.0)

    # the exporter's exports to each region
    shares = {k: b.regions[k].share_from_exporter for k in region_kinds}
    fixed_x = {k: s * region_kinds[k][0] for k, s in shares.items() if s is not None}
    rest = x_e - sum(fixed_x.values())
    free = {k: region_kinds[k][0] for k, s in shares.items() if s is None}
    free["ROW"] = residual
    free_total = sum(free.values())
    if rest < -_REL_TOL * max(x_e, 1.0) or rest > free_total * (1 + _REL_TOL) + 1e-12:
        raise _err(spec, "baseline.regions", f"share_from_exporter values give {sum(fixed_x.values()):,.0f} "
                   f"t/yr of {exporter}'s {x_e:,.0f} t/yr exports; the rest ({rest:,.0f}) cannot be spread "
                   f"over the other regions' demand ({free_total:,.0f})")
    rest = max(rest, 0.0)

    def _x(code: str, demand: float) -> float:
        if code in fixed_x:
            return fixed_x[code]
        return rest * demand / free_total if free_total > 0 else 0.0

    for code, (d, kind, src, est) in region_kinds.items():
        name = b.regions[code].name or _country_name(code)
        regions.append(Region(code, name, d, kind, src, _x(code, d), est))
    regions.append(Region("ROW", "Rest of world", residual, "residual",
                          f"residual: demand outside {exporter} ({outside_demand:,.0f} t/yr) minus the "
                          "regions above, so that world demand equals world supply", _x("ROW", residual)))

    p0, price_src = _p0(spec, prices, sup.year, sup.commodity, notes, strict)
    caps, cap_src = _capacities(capacity, sup)
    tied_list = [c.upper() for c in b.tied_to_exporter]
    if spec.market.spare_capacity_from_data and not caps:
        raise _err(spec, "market.spare_capacity_from_data", f"no {sup.stage} capacity rows for "
                   f"{sup.commodity} ({sup.product}) in or before {sup.year}; give spare_capacity instead")
    return Baseline(
        commodity=sup.commodity, name=sup.name, year=int(sup.year), stage=sup.stage, product=sup.product,
        basis=sup.basis, edition=sup.edition, source=sup.source, suppliers=supplier_list,
        exporter=exporter, exporter_exports_t_per_year=x_e,
        exporter_home_demand_t_per_year=q_e - x_e, exporter_source=ex_src, regions=regions,
        p0_usd_per_t=p0, price_source=price_src, notes=notes, capacities=caps,
        capacity_source=cap_src, tied=tied_list,
        price_weights=dict(b.price.basket or {}), price_note=b.price.note or "", projection=projection,
        mode=mode, exporter_shares=_exporter_shares(sup, [exporter, *tied_list]),
    )


def _exporter_shares(sup, countries: list[str]) -> list[dict]:
    """The exporter's share (with the countries tied to it) in each edition covering the year [1]: the
    used edition first, then the others by source precedence (shares of each edition's published world
    total, else of its country sum)."""
    tables = dict(getattr(sup, "edition_tables", {}) or {})
    order = [sup.edition] + [e["edition"] for e in getattr(sup, "other_editions", [])]
    out = []
    for ed in dict.fromkeys(order):
        if ed not in tables:
            continue
        src, t = tables[ed]
        share = float(t.loc[t["country"].isin(countries), "share"].sum(min_count=1)) if len(t) else math.nan
        out.append({"edition": ed, "source": src, "year": int(sup.year), "share": share})
    return out


def _capacities(capacity: pd.DataFrame | None, sup) -> tuple[dict[str, float], str]:
    """Capacity by country [t/yr] of the supply table's stage and product, latest year <= its year."""
    if capacity is None or capacity.empty:
        return {}, ""
    c = capacity[(capacity["stage"] == sup.stage) & (capacity["product"].fillna("") == sup.product)
                 & capacity["quantity_t"].notna() & (capacity["year"] <= sup.year)
                 & (capacity["country"] != "WLD")]
    if c.empty:
        return {}, ""
    y = int(c["year"].max())
    c = c[c["year"] == y]
    caps = c.groupby("country")["quantity_t"].sum().astype(float).to_dict()
    eds = ", ".join(sorted(c["edition"].astype(str).unique()))
    return caps, f"{c['source'].iloc[0]} {eds}, {sup.stage} capacity {y} ({sup.product})"


def _country_name(code: str) -> str:
    try:
        from critmin.countries import country_name

        return country_name(code) or code
    except Exception:  # noqa: BLE001 - a display name only
        return code


def build_baseline(spec: ScenarioSpec, warehouse) -> Baseline:
    """Build the month-0 baseline of a scenario from the warehouse.

    Parameters
    ----------
    spec : ScenarioSpec
        The scenario.
    warehouse : critmin.warehouse.Warehouse
        Where production, consumption and prices live.

    Returns
    -------
    Baseline

    Raises
    ------
    ScenarioError
        When the data lack a figure the scenario needs or the overrides are inconsistent.

    Notes
    -----
    Memoised on the warehouse (:func:`critmin._memo.memo_result`: a copy each time, cleared when the
    data change) under the parts of the scenario it reads: its file (named in errors), commodity,
    start year, demand scenario, market stage, exporter, ``market.spare_capacity_from_data`` and the
    whole ``[baseline]`` table. A report builds each scenario's baseline for its simulation, its
    stockpile plan (the planning variant: another disruption probability and stocks), its supplier
    mix and its outlook sweep: once now.
    """
    from critmin._memo import memo_result

    key = ("baseline", str(spec.path or spec.name), spec.commodity, spec.year, spec.demand_scenario,
           spec.market_stage, spec.disruption.exporter, spec.market.spare_capacity_from_data,
           spec.baseline.model_dump_json())
    return memo_result(warehouse, key, lambda: _build_baseline(spec, warehouse))


def _build_baseline(spec: ScenarioSpec, warehouse) -> Baseline:
    """:func:`build_baseline` computed (not memoised)."""
    from critmin.commodities import get as get_commodity

    b = spec.baseline
    try:
        com = get_commodity(spec.commodity)
    except KeyError as exc:
        raise _err(spec, "commodity", str(exc)) from None
    stage = spec.market_stage
    stage_source = "usgs"
    if stage is not None:
        from critmin.supply.stages import choose_source

        try:
            stage_source = choose_source(com.id, stage, source="auto", warehouse=warehouse)
        except CritminError as exc:
            raise _err(spec, "baseline.stage", str(exc)) from None
    projection = None
    mode = "latest"
    if spec.year is not None or stage_source == "iea":
        sup, projection = _projected(spec, com, stage or com.default_stage, stage_source, warehouse)
        mode = "outlook"
    else:
        sup = year_supply(spec, com, stage, b.year, warehouse)
        if b.year is not None and b.year < max(country_years(warehouse, com.id, sup.stage, sup.product)):
            mode = "history"
    consumption, prices, capacity = _market_tables(com.id, warehouse)
    return baseline_from_data(spec, sup, consumption, prices, capacity, projection=projection, mode=mode)


def _market_tables(commodity: str, warehouse) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The commodity's consumption, price and capacity rows (latest editions), read once per warehouse
    (:func:`critmin._memo.memo_shared`: every scenario of the commodity reads the same rows, and
    :func:`baseline_from_data` only filters them)."""
    from critmin._memo import memo_shared

    return memo_shared(warehouse, ("market-tables", commodity), lambda: (
        warehouse.table("consumption", latest=True, commodity=commodity),
        warehouse.table("prices", latest=True, commodity=commodity),
        warehouse.table("production", latest=True, commodity=commodity, measure="capacity")))


def _projected(spec: ScenarioSpec, com, stage: str, stage_source: str, warehouse):
    """The USGS base-year table projected to the scenario's start year (IEA's base year without
    one: a stage only IEA has, at IEA's base-year shares)."""
    from critmin.outlook import outlook_baseline
    from critmin.supply import supply

    b = spec.baseline
    key = "year" if spec.year is not None else "baseline.stage"
    try:
        year = spec.year if spec.year is not None else _iea_base_year(com.id, warehouse)
        base = outlook_baseline(com.id, year=year, demand_scenario=spec.demand_scenario or "STEPS",
                                warehouse=warehouse)
    except CritminError as exc:
        first = _iea_first_year(com.id, warehouse)
        if spec.year is not None and first is not None and spec.year < first:
            raise _err(spec, key, f"{spec.year} is before IEA's base year {first}: the top-level year is a "
                       "future start year from IEA's outlook; for the market of a past year set "
                       f"[baseline] year = {spec.year} (that year's production data)") from None
        raise _err(spec, key, f"IEA outlook: {exc}") from None
    usgs_year = b.year or base.base_year
    if stage_source == "usgs":
        sup = year_supply(spec, com, stage, usgs_year, warehouse)
    else:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                sup = supply(com.id, year=usgs_year, edition=b.edition, warehouse=warehouse)
        except CritminError as exc:
            raise _err(spec, "baseline", f"production data for the base year {usgs_year}: {exc}") from None
    if sup.unit != "t":
        raise _err(spec, "baseline", f"production of {sup.commodity} is in {sup.unit!r}, not tonnes")
    try:
        new, proj = project_supply(sup, base, stage=stage, stage_source=stage_source,
                                   projected=b.projected_suppliers, exporter=spec.disruption.exporter)
    except ValueError as exc:
        raise _err(spec, key, str(exc)) from None
    if int(sup.year) != proj.base_year:
        proj.notes.append(f"USGS table of {sup.year} scaled by IEA's growth from its base year "
                          f"{proj.base_year}")
    return new, proj


def _iea_first_year(commodity: str, warehouse) -> int | None:
    """IEA's base year for the commodity (None without IEA rows)."""
    try:
        return _iea_base_year(commodity, warehouse)
    except CritminError:
        return None


def _iea_base_year(commodity: str, warehouse) -> int:
    from critmin.supply.stages import iea_rows

    rows = iea_rows(warehouse, commodity)
    base = rows[~rows["projected"].astype(bool)]["year"] if len(rows) else rows
    if not len(base):
        raise CritminError(f"{commodity}: no IEA base-year rows")
    return int(base.min())
