"""IEA Critical Minerals Data Explorer (edition with base year 2024), as a JSON conversion.

:func:`read_iea` (a path) and :func:`parse_iea` (a buffer) read the JSON that
``barrytho/uk-critical-minerals-dashboard`` converted from the IEA Critical Minerals Data Explorer
workbook (``iea_critical_minerals_data_explorer_2025ed_converted.json``, docs/data.md §4; IEA data,
CC BY 4.0) and return two canonical tables (see :mod:`critmin.schema`):

* ``outlook_supply``: mining (stage ``mine``) and refining (stage ``refinery``) by country for 2024
  (the base year) and the projections for 2030, 2035 and 2040 in IEA's *base case* (operating and
  announced projects weighted by their probability of coming online), for copper, cobalt, lithium,
  nickel, graphite and the magnet rare earth elements; IEA's total as country ``WLD``, "Rest of world"
  as the aggregate ``OTH`` (as critmin keeps USGS's "Other countries").
* ``outlook_demand``: demand in 2024 and in 2030–2050 (every five years) in three scenarios (STEPS:
  stated policies, APS: announced pledges, NZE: net zero emissions by 2050), in four series named
  after the file's blocks: ``total_demand`` (by sector, clean technologies, other uses and total, for
  the six minerals), ``cleantech_by_technology`` (13 minerals by clean technology),
  ``cleantech_by_mineral`` (clean-technology demand of 38 minerals) and ``by_technology`` (six
  technologies by mineral). The base year is one value for all scenarios: scenario ``base-year``.

Source id ``iea``; edition ``IEA-CMDE-<base year + 1>`` (``IEA-CMDE-2025``: the Data Explorer
released with the Global Critical Minerals Outlook 2025). ``row`` is the line of the value in the
JSON file and ``json_pointer`` its RFC 6901 path (``/supply/Lithium/refining/countries/China/2024``).

**Basis.** IEA's tonnes are not USGS's. IEA's "Rare Earth Elements" are the *magnet* rare earth
elements (neodymium, praseodymium, dysprosium, terbium): 75 kt mined in 2024, against about 390 kt of
all rare-earth oxides in USGS's world total. Every row carries its ``basis`` (:data:`SUPPLY_BASIS`,
:data:`DEMAND_BASIS`); shares within one source are comparable, tonnes across sources are not, and
critmin never puts IEA and USGS tonnes in one share or one sum.

Notes
-----
Quirks of the source handled on purpose (each has a test):

* Two IEA footnotes leaked into ``supply["Rare Earth Elements"]["mining"]["countries"]`` as
  "countries" with null values ("Notes: Supply projections for the key energy transition minerals are
  built using ..." and "“Base case” is assessed through their probability of coming online ...").
  A name that is no country and whose values are all null is a footnote: it yields no row, and its
  text goes into ``notes`` of every supply row (the notes describe all of IEA's supply projections).
  A name that is no country but carries a number raises :class:`~critmin.errors.DataError`.
* Values are in kilotonnes (``unit`` ``kt``); ``quantity_t`` is ``value * 1000``. Nulls are missing
  (``missing="blank"``), never zero; a published 0.0 (graphite refining in Canada, 2024) stays 0.
* The file's ``"source"`` says "(2024)": that is the base year; the edition is the 2025 release.
* ``total`` is IEA's world total (``WLD``). For copper, cobalt, lithium and rare earths the country
  rows plus "Rest of world" add up to it. For nickel and graphite, "Rest of world" also counts the
  sixth country listed (nickel mining: Australia, 100 kt in 2024; nickel refining: Canada, 113.1 kt;
  graphite mining: Tanzania, 9.06 kt; graphite refining: Germany, 43.4 kt in 2030): it equals the
  total minus the first five countries, and the sum overshoots the total by exactly that country's
  value. When the gap equals one listed country's value, the ``OTH`` row keeps the published
  ``value`` but its ``quantity_t`` leaves that country out, and its ``notes`` say so; any other gap
  warns (or raises :class:`~critmin.errors.ConsistencyError` with ``strict=True``).
* ``top3Share`` is not stored. It is the share of each year's three largest countries among those
  IEA ranks itself: the sixth country that "Rest of world" also counts is not ranked (in graphite
  refining 2030 it counts the United States, 32.0 kt, not Germany, 43.4 kt). The reader checks it in
  that sense; critmin's own top-3 share (:mod:`critmin.outlook`) ranks every country listed.
* Demand: ``cleanShare`` is not stored (checked as clean technologies / total demand), and total
  demand = clean technologies + other uses is checked. The sectors do *not* add up to the clean
  total in the source (copper: within 1.1 %; graphite in NZE: the sectors reach only 74 % of it in
  2045), so that is not checked: use IEA's totals, and the sectors as published.
* Sector names differ between minerals ("Other low emissions power generation" for copper, "Low
  emissions power generation" for cobalt): kept as published.
* The blocks are different sheets of IEA's workbook and do not always agree to the last digit (copper
  for solar PV in 2024: 1,657.2 kt in ``totalDemand``, 1,657.26 kt in ``byTechnology``), and graphite
  is on two bases: ``totalDemand["Graphite"]`` counts clean-technology demand of 1,505 kt in 2024,
  ``cleantechByMineral["Battery-grade graphite"]`` 1,002.5 kt. Each row keeps its ``series`` and
  ``basis``; never add rows of two series.
* "Total REE" of ``cleantechByMineral`` is the sum of six elements (Nd, Dy, Pr, Tb, Y, La), not the
  magnet rare earths of ``totalDemand``; "Total EV", "Total wind", ... in ``byTechnology`` are totals
  over minerals (commodity ``all``).
* Lithium's "other uses" are the same in the three scenarios: as published.
"""

from __future__ import annotations

import io
import math
import re
import warnings
from pathlib import Path

import pandas as pd

from critmin.commodities import get as get_commodity
from critmin.countries import UnknownCountryError, resolve
from critmin.errors import ConsistencyError, DataError, UnknownCommodityError
from critmin.schema import conform
from critmin.sources._io import as_text_buffer
from critmin.sources._jsonlines import load_with_lines, pointer
from critmin.sources.editions import edition_date

__all__ = [
    "read_iea",
    "parse_iea",
    "SOURCE",
    "STAGES",
    "SCENARIOS",
    "BASE_SCENARIO",
    "CASE",
    "MINERALS",
    "SUPPLY_BASIS",
    "DEMAND_BASIS",
    "SECTOR_CLEAN",
    "SECTOR_OTHER",
    "SECTOR_TOTAL",
    "mineral_commodity",
]

SOURCE = "iea"
UNIT = "kt"
_T_PER_UNIT = 1000.0
CASE = "base"
"""IEA's supply case: operating and announced projects weighted by their probability of coming online."""
STAGES = {"mining": "mine", "refining": "refinery"}
"""IEA's stage names -> critmin's."""
SCENARIOS = ("STEPS", "APS", "NZE")
"""IEA's demand scenarios: Stated Policies, Announced Pledges, Net Zero Emissions by 2050."""
BASE_SCENARIO = "base-year"
"""The scenario label of the base year's demand (one value, common to all scenarios)."""
SECTOR_CLEAN = "Clean technologies (total)"
SECTOR_OTHER = "Other uses"
SECTOR_TOTAL = "Total demand"

MAGNET_REE = "magnet rare earth elements (Nd, Pr, Dy, Tb)"

MINERALS: dict[str, str] = {
    "Rare Earth Elements": "rare-earths",
    "Total REE": "rare-earths",
    "Neodymium": "rare-earths",
    "Praseodymium": "rare-earths",
    "Dysprosium": "rare-earths",
    "Terbium": "rare-earths",
    "Lanthanum": "rare-earths",
    "Graphite": "graphite",
    "Battery-grade graphite": "graphite",
    "PGMs": "platinum-group-metals",
    "Magnesium": "magnesium-metal",
}
"""IEA mineral names that are not (or not unambiguously) catalogue names -> critmin commodity id. The
magnet elements Dy and Tb are filed under ``rare-earths`` (IEA's magnet group), not the catalogue's
``rare-earths-heavy`` price chapter. Every other name is looked up in the catalogue
(:func:`critmin.commodities.get`); "Total ..." rows of ``byTechnology`` are ``all``."""

SUPPLY_BASIS: dict[tuple[str, str], str] = {
    ("Rare Earth Elements", "mine"): MAGNET_REE,
    ("Rare Earth Elements", "refinery"): MAGNET_REE,
    ("Lithium", "mine"): "lithium content (Li)",
    ("Lithium", "refinery"): "lithium content (Li)",
    ("Graphite", "mine"): "natural graphite",
    ("Graphite", "refinery"): "battery-grade graphite",
    ("Copper", "mine"): "copper content (mined)",
    ("Copper", "refinery"): "refined copper",
    ("Nickel", "mine"): "nickel content (mined)",
    ("Nickel", "refinery"): "refined nickel",
    ("Cobalt", "mine"): "cobalt content (mined)",
    ("Cobalt", "refinery"): "refined cobalt",
}
"""(IEA mineral, stage) -> basis of the supply tonnes, after the Data Explorer's labels."""

DEMAND_BASIS: dict[str, str] = {
    "Rare Earth Elements": MAGNET_REE,
    "Lithium": "lithium content (Li)",
    "Graphite": "graphite (IEA total-demand series)",
    "Battery-grade graphite": "battery-grade graphite",
    "Total REE": "rare earth elements Nd, Dy, Pr, Tb, Y, La (sum)",
}
"""IEA mineral -> basis of the demand tonnes; other minerals: the mineral as IEA names it."""

_DEMAND_PARTS = {"totalClean": SECTOR_CLEAN, "otherUses": SECTOR_OTHER, "totalDemand": SECTOR_TOTAL}
_FOOTNOTE = re.compile(r"^\s*(notes?\s*:|source\s*:|[\"“”]?base case)", re.IGNORECASE)
_REL_TOL = 1e-6


def mineral_commodity(mineral: str) -> str:
    """The critmin commodity id of an IEA mineral name (``all`` for "Total ..." over minerals).

    Raises
    ------
    UnknownCommodityError
        When the name is neither in :data:`MINERALS` nor in the catalogue.
    """
    if mineral in MINERALS:
        return MINERALS[mineral]
    if mineral.startswith("Total "):
        return "all"
    return get_commodity(mineral).id


def read_iea(path: str | Path, *, strict: bool = False) -> dict[str, pd.DataFrame]:
    """Read the IEA Critical Minerals Data Explorer JSON.

    Parameters
    ----------
    path : str or Path
        ``iea_critical_minerals_data_explorer_2025ed_converted.json``.
    strict : bool
        Raise :class:`~critmin.errors.ConsistencyError` instead of warning when countries do not add
        up to IEA's total, or a published top-3 share or clean share disagrees with its parts.

    Returns
    -------
    dict of str to DataFrame
        ``outlook_supply``: commodity, mineral, stage (mine, refinery), stage_raw, case (base),
        country [ISO3, WLD total, OTH Rest of world], country_kind, country_raw, year, projected,
        quantity_t [t], value [kt], unit (kt), missing, qualifier, basis, notes, json_pointer and
        provenance. ``outlook_demand``: series, commodity, mineral, sector, scenario (STEPS, APS,
        NZE, base-year), year, projected, quantity_t [t/yr], value [kt/yr], unit, missing,
        qualifier, basis, notes, json_pointer and provenance.

    Raises
    ------
    DataError
        When the file is not valid JSON, lacks the ``supply`` or ``totalDemand`` blocks, holds a value
        that is not a number, an unknown mineral, or a country name that resolves to nothing but
        carries numbers; the error names the file, line and JSON pointer.
    """
    p = Path(path)
    if not p.exists():
        raise DataError("no such file", file=str(p))
    return parse_iea(p.read_bytes(), name=p.name, strict=strict)


def parse_iea(
    buf: str | bytes | io.IOBase,
    name: str = "iea.json",
    *,
    strict: bool = False,
) -> dict[str, pd.DataFrame]:
    """Parse the IEA Data Explorer JSON from a buffer (see :func:`read_iea`).

    Parameters
    ----------
    buf : str, bytes or file object
        The JSON document.
    name : str
        The file name recorded in ``file`` and in errors.
    strict : bool
        See :func:`read_iea`.
    """
    text = as_text_buffer(buf, name)
    doc, lines = load_with_lines(text, name)
    if not isinstance(doc, dict):
        raise DataError("expected a JSON object with 'supply' and 'totalDemand'", file=name, row=1)
    lacking = [k for k in ("supply", "totalDemand") if not isinstance(doc.get(k), dict)]
    if lacking:
        raise DataError(f"not an IEA Critical Minerals Data Explorer conversion: no {lacking} "
                        "object(s) at the top level", file=name, row=1)
    ctx = _Ctx(name, lines, strict)
    base_year = _base_year(doc["totalDemand"], ctx)
    edition = _edition(base_year, name)
    ctx.base_year, ctx.edition, ctx.edition_date = base_year, edition, edition_date(edition)
    supply = _supply(doc["supply"], ctx)
    demand = _demand(doc, ctx)
    return {"outlook_supply": conform(supply, "outlook_supply", file=name),
            "outlook_demand": conform(demand, "outlook_demand", file=name)}


# --------------------------------------------------------------------------- internals
class _Ctx:
    def __init__(self, name: str, lines: dict[tuple, int], strict: bool) -> None:
        self.name, self.lines, self.strict = name, lines, strict
        self.base_year = 0
        self.edition = ""
        self.edition_date = ""

    def row(self, path: tuple) -> int:
        return self.lines.get(path, 1)

    def error(self, reason: str, path: tuple, value: object = None) -> DataError:
        return DataError(f"{reason} (at {pointer(path)})", file=self.name, row=self.row(path),
                         value=value)

    def inconsistent(self, msg: str) -> None:
        msg = f"{self.name}: {msg}"
        if self.strict:
            raise ConsistencyError(msg)
        warnings.warn(msg, stacklevel=4)

    def prov(self) -> dict:
        return {"source": SOURCE, "edition": self.edition, "edition_date": self.edition_date,
                "file": self.name}


def _base_year(total_demand: dict, ctx: _Ctx) -> int:
    """The one year key outside the scenarios in the demand series (``"2024"``)."""
    found: set[str] = set()
    for mineral, block in total_demand.items():
        part = block.get("totalDemand") if isinstance(block, dict) else None
        if isinstance(part, dict):
            found.update(k for k in part if k not in SCENARIOS)
        else:
            raise ctx.error("expected an object with 'totalDemand'", ("totalDemand", mineral))
    years = {k for k in found if re.fullmatch(r"(19|20)\d\d", k)}
    if len(years) != 1 or found != years:
        raise DataError(f"expected one base year beside the scenarios {list(SCENARIOS)} in "
                        f"totalDemand, found keys {sorted(found)}", file=ctx.name,
                        row=ctx.row(("totalDemand",)))
    return int(years.pop())


def _edition(base_year: int, name: str) -> str:
    """``IEA-CMDE-<base year + 1>``, checked against a ``YYYYed`` tag in the file name."""
    edition = f"IEA-CMDE-{base_year + 1}"
    m = re.search(r"(20\d\d)\s*ed", name, re.IGNORECASE)
    if m and int(m.group(1)) != base_year + 1:
        raise DataError(f"the file name says edition {m.group(1)} but its base year is {base_year} "
                        f"(edition {base_year + 1})", file=name)
    try:
        edition_date(edition)
    except KeyError as err:
        raise DataError(f"unknown IEA edition {edition}: add its release date to "
                        "critmin.sources.editions.EDITION_DATES", file=name) from err
    return edition


def _number(v: object, path: tuple, ctx: _Ctx) -> float:
    if v is None:
        return math.nan
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ctx.error("expected a number or null", path, v)
    return float(v)


def _year_series(obj: object, path: tuple, ctx: _Ctx) -> dict[int, tuple[float, tuple]]:
    """``{"2024": v, ...}`` -> ``{year: (value, path)}``."""
    if not isinstance(obj, dict):
        raise ctx.error("expected an object of years", path)
    out = {}
    for k, v in obj.items():
        if not re.fullmatch(r"(19|20)\d\d", str(k)):
            raise ctx.error("expected a year key", (*path, k), k)
        out[int(k)] = (_number(v, (*path, k), ctx), (*path, k))
    return out


def _is_footnote(name: str, values: dict[int, tuple[float, tuple]]) -> bool:
    """A note row: no country name and no number."""
    if any(not math.isnan(v) for v, _ in values.values()):
        return False
    try:
        resolve(name)
    except UnknownCountryError:
        return True
    return bool(_FOOTNOTE.match(name))


def _commodity(mineral: str, path: tuple, ctx: _Ctx) -> str:
    try:
        return mineral_commodity(mineral)
    except UnknownCommodityError as err:
        raise ctx.error(f"unknown mineral ({err}); add it to critmin.sources.iea.MINERALS",
                        path, mineral) from err


def _supply(block: dict, ctx: _Ctx) -> pd.DataFrame:
    rows: list[dict] = []
    footnotes: list[str] = []
    for mineral, stages in block.items():
        mpath = ("supply", mineral)
        if not isinstance(stages, dict):
            raise ctx.error("expected an object of stages", mpath)
        commodity = _commodity(mineral, mpath, ctx)
        for stage_raw, part in stages.items():
            spath = (*mpath, stage_raw)
            stage = STAGES.get(stage_raw)
            if stage is None:
                raise ctx.error(f"unknown stage; expected one of {list(STAGES)}", spath, stage_raw)
            if not isinstance(part, dict) or not isinstance(part.get("countries"), dict):
                raise ctx.error("expected an object with 'countries'", spath)
            basis = SUPPLY_BASIS.get((mineral, stage), mineral)
            base = {"commodity": commodity, "mineral": mineral, "stage": stage,
                    "stage_raw": stage_raw, "case": CASE, "basis": basis}
            first = len(rows)
            listed: list[tuple[str, str, dict]] = []
            for cname, series in part["countries"].items():
                cpath = (*spath, "countries", cname)
                values = _year_series(series, cpath, ctx)
                if _is_footnote(cname, values):
                    footnotes.append(cname.strip())
                    continue
                try:
                    country = resolve(cname)
                except UnknownCountryError as err:
                    raise ctx.error("unknown country name; add it to "
                                    "critmin/data/country_aliases.csv", cpath, cname) from err
                listed.append((cname, country.kind, values))
                for year, (v, vpath) in values.items():
                    rows.append(_row(base, country.code, country.kind, cname, year, v, vpath, ctx))
            if "total" in part:
                for year, (v, vpath) in _year_series(part["total"], (*spath, "total"), ctx).items():
                    rows.append(_row(base, "WLD", "aggregate", "total", year, v, vpath, ctx))
                    if not math.isnan(v):
                        _check_block(rows[first:], listed, year, v, part.get("top3Share"), spath,
                                     ctx)
    note = " ".join(dict.fromkeys(footnotes))
    for r in rows:
        r["notes"] = " ".join(x for x in (r.get("notes"), note) if x) or None
    return pd.DataFrame(rows)


def _row(base: dict, code: str, kind: str, raw: str, year: int, v: float, path: tuple,
         ctx: _Ctx) -> dict:
    return {**base, "country": code, "country_kind": kind, "country_raw": raw, "year": year,
            "projected": year > ctx.base_year, "quantity_t": v * _T_PER_UNIT, "value": v,
            "unit": UNIT, "missing": "blank" if math.isnan(v) else None, "qualifier": None,
            "json_pointer": pointer(path), "row": ctx.row(path), **ctx.prov()}


def _check_block(rows: list[dict], listed: list[tuple[str, str, dict]], year: int, total: float,
                 top3: object, spath: tuple, ctx: _Ctx) -> None:
    """Countries and Rest of world add up to IEA's total (correcting a Rest of world that also counts
    a listed country, see the module notes); the year's three largest countries (that country left
    out) hold ``top3Share``."""
    named = [(cname, vals[year][0]) for cname, kind, vals in listed
             if kind == "country" and year in vals and not math.isnan(vals[year][0])]
    oth = [r for r in rows if r["country"] == "OTH" and r["year"] == year]
    got = sum(v for _, v in named) + sum(r["value"] for r in oth if not math.isnan(r["value"]))
    gap = got - total
    twin: list[str] = []
    if not math.isclose(got, total, rel_tol=_REL_TOL):
        twin = [c for c, v in named if math.isclose(v, gap, rel_tol=_REL_TOL)][:1]
        if len(oth) == 1 and twin:
            r = oth[0]
            r["quantity_t"] = (r["value"] - gap) * _T_PER_UNIT
            r["notes"] = (f"Rest of world as published ({r['value']:,.3f} kt) also counts "
                          f"{twin[0]} ({gap:,.3f} kt), listed separately: quantity_t leaves it out, "
                          f"so that countries and Rest of world add up to IEA's total "
                          f"({total:,.3f} kt)")
        else:
            ctx.inconsistent(f"{pointer(spath)} {year}: countries and Rest of world sum to "
                             f"{got:,.3f} kt, the published total is {total:,.3f} kt")
    if isinstance(top3, dict) and isinstance(top3.get(str(year)), (int, float)) and total:
        ranked = sorted((v for c, v in named if c not in twin), reverse=True)
        mine = sum(ranked[:3]) / total
        if not math.isclose(mine, top3[str(year)], rel_tol=_REL_TOL, abs_tol=1e-9):
            ctx.inconsistent(f"{pointer(spath)} {year}: the three largest countries hold "
                             f"{mine:.6f} of the total, top3Share says {top3[str(year)]}")


def _scenario_series(obj: object, path: tuple, ctx: _Ctx) -> list[tuple[str, int, float, tuple]]:
    """``{"2024": v, "STEPS": {"2030": v, ...}, ...}`` -> [(scenario, year, value, path)]."""
    if not isinstance(obj, dict):
        raise ctx.error("expected an object of the base year and scenarios", path)
    out = []
    for k, v in obj.items():
        if k in SCENARIOS:
            for year, (x, xpath) in _year_series(v, (*path, k), ctx).items():
                out.append((k, year, x, xpath))
        elif re.fullmatch(r"(19|20)\d\d", k) and int(k) == ctx.base_year:
            out.append((BASE_SCENARIO, int(k), _number(v, (*path, k), ctx), (*path, k)))
        else:
            raise ctx.error(f"expected the base year {ctx.base_year} or a scenario "
                            f"{list(SCENARIOS)}", (*path, k), k)
    return out


def _demand(doc: dict, ctx: _Ctx) -> pd.DataFrame:
    rows: list[dict] = []

    def add(series: str, mineral: str, sector: str, obj: object, path: tuple,
            commodity: str | None = None) -> dict[tuple[str, int], float]:
        com = commodity or _commodity(mineral, path, ctx)
        basis = DEMAND_BASIS.get(mineral, mineral)
        got = {}
        for scen, year, v, vpath in _scenario_series(obj, path, ctx):
            rows.append({"series": series, "commodity": com, "mineral": mineral, "sector": sector,
                         "scenario": scen, "year": year, "projected": year > ctx.base_year,
                         "quantity_t": v * _T_PER_UNIT, "value": v, "unit": UNIT,
                         "missing": "blank" if math.isnan(v) else None, "qualifier": None,
                         "basis": basis, "notes": None, "json_pointer": pointer(vpath),
                         "row": ctx.row(vpath), **ctx.prov()})
            got[(scen, year)] = v
        return got

    for mineral, block in doc["totalDemand"].items():
        path = ("totalDemand", mineral)
        if not isinstance(block, dict) or not isinstance(block.get("sectors"), dict):
            raise ctx.error("expected an object with 'sectors'", path)
        for sector, obj in block["sectors"].items():
            add("total_demand", mineral, sector, obj, (*path, "sectors", sector))
        got = {key: add("total_demand", mineral, label, block[key], (*path, key))
               for key, label in _DEMAND_PARTS.items() if key in block}
        _check_demand(mineral, got, block.get("cleanShare"), ctx)
    for mineral, block in (doc.get("cleantechByTech") or {}).items():
        path = ("cleantechByTech", mineral)
        if not isinstance(block, dict) or not isinstance(block.get("sectors"), dict):
            raise ctx.error("expected an object with 'sectors'", path)
        for sector, obj in block["sectors"].items():
            add("cleantech_by_technology", mineral, sector, obj, (*path, "sectors", sector))
        if "total" in block:
            add("cleantech_by_technology", mineral, SECTOR_CLEAN, block["total"], (*path, "total"))
    for mineral, obj in (doc.get("cleantechByMineral") or {}).items():
        add("cleantech_by_mineral", mineral, SECTOR_CLEAN, obj, ("cleantechByMineral", mineral))
    for tech, block in (doc.get("byTechnology") or {}).items():
        path = ("byTechnology", tech)
        if not isinstance(block, dict) or not isinstance(block.get("minerals"), dict):
            raise ctx.error("expected an object with 'minerals'", path)
        for mineral, obj in block["minerals"].items():
            add("by_technology", mineral, tech, obj, (*path, "minerals", mineral))
    return pd.DataFrame(rows)


def _check_demand(mineral: str, got: dict, clean_share: object, ctx: _Ctx) -> None:
    """Clean technologies + other uses = total demand; cleanShare = clean / total. (Sectors do not
    add up to the clean total in the source: not checked, see the module notes.)"""
    clean, other, total = (got.get(k, {}) for k in ("totalClean", "otherUses", "totalDemand"))
    for key, t in total.items():
        c, o = clean.get(key, math.nan), other.get(key, math.nan)
        where = f"/totalDemand/{mineral} {key[0]} {key[1]}"
        if not math.isnan(c + o) and not math.isclose(c + o, t, rel_tol=_REL_TOL):
            ctx.inconsistent(f"{where}: clean {c:,.3f} + other {o:,.3f} kt != total {t:,.3f} kt")
        if isinstance(clean_share, dict):
            share = (clean_share.get(str(key[1])) if key[0] == BASE_SCENARIO
                     else (clean_share.get(key[0]) or {}).get(str(key[1])))
            if isinstance(share, (int, float)) and t and not math.isclose(c / t, share,
                                                                         rel_tol=_REL_TOL):
                ctx.inconsistent(f"{where}: cleanShare {share} != clean / total {c / t:.6f}")
