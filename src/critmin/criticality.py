"""How critical is it? The criticality jobs: EU (JRC) supply risk and economic importance, a USGS-style
supply risk, and GeoPolRisk, each as a ranked table with every factor shown and missing inputs listed.

Methods and formulas: :mod:`critmin.metrics.criticality` (METHODS.md §2). This module gathers their
inputs (from the warehouse, the EU's own published inputs in the ``eu_crm`` table, and a parameters
file) and ranks the results.

Runs
----
``criticality(method="eu", assessment=2017)``
    The SR arithmetic on the EU's published 2017 inputs (``HHI_WGI,t`` of global supply and EU
    sourcing, IR, EoL-RIR, SI_SR; Table 3 and Table 18 of the 2017 study) against the published SR:
    the inputs are rounded to one decimal, so agreement within about 0.25 is what the arithmetic can
    give. EI is the published one (the 2017 end-use data are not in the dataset).
``criticality(method="eu", assessment=2023)``
    The whole chain on the EU's 2023 inputs: Appendix 7 supply shares by country and stage with the
    trade parameter t, the WGI (see :data:`WGI_YEARS_2023`), IR, EoL-RIR and SI_SR per material, and
    EI from the Appendix 6 end-use shares and sector value added with SI_EI. Groups (LREE, HREE, PGM)
    are the arithmetic means of their members, as the EU reports groups.
``criticality(method="eu")`` (no assessment)
    The EU method on the warehouse's latest USGS world production shares and WGI, with the EU 2023
    parameters of the parameters file (``critmin/data/criticality_parameters.csv``, or the user's).
    The importer (``EU``, ``USA``, or another) sets the sourcing term: the EU uses its 2023 sourcing
    shares and IR; the USA its net import reliance (MCS) and import sources; an importer without
    sourcing data gets the global-supply term only (as the EU does for ``GSonly`` materials), flagged.
``criticality(method="usgs")``
    ``SR = DP * TE * EV`` for the United States (Nassar & Fortier 2021): DP from the governance-weighted
    production concentration (fixed WGI bounds, scaled to [0, 1]), TE from the reported net import
    reliance; EV has no data in the bundled dataset and is reported missing (supply it as parameter
    ``ev``); the table is then ranked by ``DP * TE``.
``criticality(method="geopolrisk", importer=...)``
    GeoPolRisk from the importer's bilateral imports (the ``trade`` table, via
    :func:`critmin.dependence.job.importer_dependence`), world production HHI and WGI political stability.

WGI used by the EU
------------------
The 2023 study (published March 2023) was prepared in 2021–2022, when the latest WGI release was the
2021 update (data year 2020). The warehouse holds the 2024 update (1996–2023, revised), so the 2023
chain uses its data year 2020 by default (:data:`WGI_YEARS_2023`); ``wgi_years`` overrides it (e.g.
``(2016, 2017, 2018, 2019, 2020)`` for the mean over the study's supply reference period). The 2017
run needs no WGI (the published ``HHI_WGI,t`` already carries it).

Parameters file
---------------
A long CSV (``commodity, material, parameter, stage, country, sector, application, value, text, unit,
source, note``); :func:`build_parameters` writes the default one from the EU 2023 inputs in the
``eu_crm`` table and the mapping :data:`COMMODITY_MATERIALS` (which EU material and which USGS stage
stand for each critmin commodity). Parameters: ``stage_map`` (text: the USGS stage for EU stage E or P),
``eol_rir``, ``si_sr``, ``si_ei``, ``ir`` (per stage), ``supply_data`` (per stage), ``t`` (global
supply, per stage and country; countries not listed have t = 1, neutral), ``eu_t`` and
``eu_sourcing_share`` (EU sourcing, per stage and country), ``end_use_share`` (per sector and
application) and ``sector_va`` [MEUR] with ``max_sector_va``, ``ei`` (given directly, for groups),
``ev`` (USGS economic vulnerability, no default) and ``eu_list_2023`` (text yes/no: the published
list, for comparison). A value that is not known is left out (or blank): the assessment then lists it
in ``missing`` and computes what it can.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from critmin._json import num as _num
from critmin.errors import CritminError, DataError
from critmin.governance import geopolrisk_g, wgi_mean, wgi_scaled
from critmin.metrics.criticality import (
    USGS_THRESHOLD,
    eu_economic_importance,
    eu_is_critical,
    eu_round,
    eu_supply_risk,
    geopolrisk,
    hhi_wgi_t,
    sector_value_added,
    usgs_disruption_potential,
    usgs_supply_risk,
    usgs_trade_exposure,
)

__all__ = [
    "METHODS",
    "ASSESSMENTS",
    "WGI_YEARS_2023",
    "COMMODITY_MATERIALS",
    "EU_LIST_2023",
    "PARAMETER_COLUMNS",
    "MaterialAssessment",
    "CriticalityResult",
    "criticality",
    "assess_eu_2017",
    "assess_eu_2023",
    "assess_eu_current",
    "assess_usgs",
    "assess_geopolrisk",
    "build_parameters",
    "load_parameters",
    "write_parameters",
    "default_parameters_path",
]

METHODS = ("eu", "usgs", "geopolrisk")
ASSESSMENTS = (2017, 2023)
WGI_YEARS_2023: tuple[int, ...] = (2020,)
"""WGI data year(s) of the 2023 chain (the 2021 WGI release's latest year; see the module notes)."""

_EU_STUDY = {
    2017: "European Commission (Deloitte, BGS, BRGM, TNO), Study on the review of the list of Critical "
          "Raw Materials - Criticality Assessments, June 2017, doi:10.2873/876644",
    2023: "Grohol & Veeh, Study on the Critical Raw Materials for the EU 2023 - Final Report, "
          "doi:10.2873/725585",
}

COMMODITY_MATERIALS: dict[str, tuple[str, dict[str, str], str]] = {
    # commodity id: (EU 2023 material, {EU stage: USGS stage}, note)
    "antimony": ("Antimony", {"E": "mine"}, ""),
    "arsenic": ("Arsenic", {"P": "plant"}, "USGS arsenic trioxide plant production"),
    "barite": ("Baryte", {"E": "mine"}, ""),
    "bauxite-and-alumina": ("Aluminium/bauxite", {"E": "mine", "P": "refinery"},
                            "EU extraction = bauxite; processing taken as USGS alumina refining"),
    "aluminum": ("Aluminium/bauxite", {"P": "smelter"},
                 "EU processing taken as USGS primary aluminium smelting"),
    "beryllium": ("Beryllium", {"E": "mine"}, ""),
    "bismuth": ("Bismuth", {"P": "refinery"}, ""),
    "boron": ("Borate", {"E": "mine"}, ""),
    "cadmium": ("Cadmium", {"P": "refinery"}, ""),
    "chromium": ("Chromium", {"E": "mine"}, ""),
    "cobalt": ("Cobalt", {"E": "mine", "P": "refinery"}, ""),
    "copper": ("Copper", {"E": "mine", "P": "refinery"}, ""),
    "diatomite": ("Diatomite", {"E": "mine"}, ""),
    "feldspar": ("Feldspar", {"E": "mine"}, ""),
    "fluorspar": ("Fluorspar", {"E": "mine"}, ""),
    "gallium": ("Gallium", {"P": "refinery"}, "USGS primary (low-purity) gallium"),
    "germanium": ("Germanium", {"P": "refinery"}, ""),
    "gold": ("Gold", {"E": "mine"}, ""),
    "graphite": ("Natural graphite", {"E": "mine"}, ""),
    "gypsum": ("Gypsum", {"E": "mine"}, ""),
    "helium": ("Helium", {"P": "plant"}, "USGS helium extraction (a volume)"),
    "indium": ("Indium", {"P": "refinery"}, ""),
    "iron-ore": ("Iron ore", {"E": "mine"}, ""),
    "lead": ("Lead", {"E": "mine"}, ""),
    "lithium": ("Lithium", {"E": "mine"}, ""),
    "magnesium-compounds": ("Magnesite", {"E": "mine"}, ""),
    "magnesium-metal": ("Magnesium", {"P": "smelter"}, ""),
    "manganese": ("Manganese", {"E": "mine"}, ""),
    "molybdenum": ("Molybdenum", {"E": "mine"}, ""),
    "nickel": ("Nickel", {"E": "mine"}, ""),
    "niobium": ("Niobium", {"E": "mine"}, ""),
    "perlite": ("Perlite", {"E": "mine"}, ""),
    "phosphate-rock": ("Phosphate rock", {"E": "mine"}, ""),
    "platinum-group-metals": ("PGM", {"P": "mine"},
                              "the EU assessed processing; USGS gives mine production only"),
    "potash": ("Potash", {"E": "mine"}, ""),
    "rare-earths": ("LREE", {"E": "mine"},
                    "USGS mine production of all rare earths (REO) stands for the LREE group"),
    "rhenium": ("Rhenium", {"P": "mine"},
                "the EU assessed processing; USGS gives mine (recovered) production"),
    "selenium": ("Selenium", {"P": "refinery"}, ""),
    "silicon": ("Silicon metal", {"P": "plant"}, "USGS silicon includes ferrosilicon"),
    "silver": ("Silver", {"E": "mine"}, ""),
    "strontium": ("Strontium", {"E": "mine"}, ""),
    "sulfur": ("Sulphur", {"P": "plant"}, ""),
    "talc": ("Talc", {"E": "mine"}, ""),
    "tantalum": ("Tantalum", {"E": "mine"}, ""),
    "tellurium": ("Tellurium", {"P": "refinery"}, ""),
    "tin": ("Tin", {"E": "mine"}, ""),
    "titanium-mineral-concentrates": ("Titanium", {"E": "mine"}, ""),
    "titanium": ("Titanium metal", {"P": "plant"}, "USGS titanium sponge"),
    "tungsten": ("Tungsten", {"E": "mine"}, ""),
    "vanadium": ("Vanadium", {"E": "mine"}, ""),
    "zinc": ("Zinc", {"E": "mine"}, ""),
    "zirconium-and-hafnium": ("Zirconium", {"E": "mine"}, ""),
}
"""critmin commodity -> (EU 2023 material, EU stage -> USGS production stage, note): the mapping
written into the default parameters file as ``stage_map`` rows."""

EU_LIST_2023: tuple[str, ...] = (
    "Aluminium/bauxite", "Antimony", "Arsenic", "Baryte", "Beryllium", "Bismuth", "Borate", "Cobalt",
    "Coking coal", "Copper", "Feldspar", "Fluorspar", "Gallium", "Germanium", "Hafnium", "Helium",
    "HREE", "LREE", "Lithium", "Magnesium", "Manganese", "Natural graphite", "Nickel", "Niobium",
    "Phosphate rock", "Phosphorus", "PGM", "Scandium", "Silicon metal", "Strontium", "Tantalum",
    "Titanium metal", "Tungsten", "Vanadium",
)
"""The 34 critical raw materials of 2023 (COM(2023) 160; Regulation (EU) 2024/1252, Annex II
Section 2), in the material names of the 2023 inputs. Copper and nickel are on the list as strategic
raw materials although the 2023 study found they do not meet both thresholds."""

EU_SOURCING_STAND_INS: dict[tuple[str, str], str] = {
    ("Titanium", "E"): "Titanium ores",
    ("Titanium metal", "E"): "Titanium ores",
}
"""(material, stage) -> the Appendix 7 EU-sourcing table that stands for it where the material has none
of its own: the 2023 study gives EU sourcing of titanium ores, not of "Titanium" at extraction. Members
of a group (HREE) without their own EU sourcing use the group's table (Appendix 7 gives HREE only)."""

_LIST_SOURCE = ("Regulation (EU) 2024/1252, Annex II Section 2 (list of critical raw materials); "
                "COM(2023) 160")
_STRATEGIC_ONLY = ("Copper", "Nickel")

PARAMETER_COLUMNS = ("commodity", "material", "parameter", "stage", "country", "sector",
                     "application", "value", "text", "unit", "source", "note")


# ============================================================================ results
@dataclass
class MaterialAssessment:
    """One material (or commodity) assessed by one method.

    Attributes
    ----------
    material : str
        The EU material name (assessments) or the critmin commodity id (warehouse runs).
    commodity : str or None
        critmin commodity id, where one stands for the material.
    supply_risk : float
        EU SR [1, rounded to 0.1], USGS SR [1, 0–1], or GeoPolRisk score [1]; NaN when not computed.
    economic_importance : float
        EU EI [1, rounded to 0.1]; NaN when not computed or not part of the method.
    critical : bool or None
        The method's call; None when inputs are missing.
    stage : str or None
        The stage whose SR is reported (E, P).
    factors : dict
        Every input and intermediate value, keyed by name (units in the names or in the docs).
    missing : list of str
        Inputs that are missing (``"ei: no end-use shares"``).
    notes : list of str
        Caveats.
    published : dict
        The EU's published values where known (``sr``, ``ei``, ``critical``, ``eu_list_2023``).
    """

    material: str
    commodity: str | None = None
    supply_risk: float = float("nan")
    economic_importance: float = float("nan")
    critical: bool | None = None
    stage: str | None = None
    factors: dict = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    published: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """JSON shape of one material."""
        return {
            "material": self.material, "commodity": self.commodity,
            "supply_risk": _num(self.supply_risk),
            "economic_importance": _num(self.economic_importance),
            "critical": self.critical, "stage": self.stage,
            "factors": {k: _jsonable(v) for k, v in self.factors.items()},
            "missing": list(self.missing), "notes": list(self.notes),
            "published": {k: _jsonable(v) for k, v in self.published.items()},
        }


@dataclass
class CriticalityResult:
    """A ranked criticality table.

    Attributes
    ----------
    method : str
        ``eu``, ``usgs`` or ``geopolrisk``.
    importer : str
        ``EU`` or an ISO3 code.
    year : int or None
        The assessment year, or the production year asked (None: each material's latest).
    assessment : int or None
        2017 or 2023 when the EU's own inputs were used.
    materials : list of MaterialAssessment
        Ranked: highest supply risk first (or ``rank_by`` when SR cannot be computed).
    rank_by : str
        What the ranking sorts on (``supply_risk`` or a factor name).
    notes : list of str
        Caveats of the whole run (data used, assumptions).
    summary : dict
        Run statistics (e.g. the 2017 reproduction error).
    """

    method: str
    importer: str
    year: int | None
    assessment: int | None
    materials: list[MaterialAssessment]
    rank_by: str = "supply_risk"
    notes: list[str] = field(default_factory=list)
    summary: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """The JSON shape of ``critmin criticality --json``."""
        return {
            "method": self.method, "importer": self.importer, "year": self.year,
            "assessment": self.assessment, "rank_by": self.rank_by,
            "materials": [m.to_dict() for m in self.materials],
            "notes": list(self.notes),
            "summary": {k: _jsonable(v) for k, v in self.summary.items()},
        }

    def table(self) -> pd.DataFrame:
        """The ranked table: one row per material with the main factors flattened.

        Columns: rank, material, commodity, stage, supply_risk, economic_importance, critical,
        every factor of scalar type (prefixed ``f_``; the reported stage's factors too), published
        values (``published_``), and ``missing`` (``;``-joined).
        """
        rows = []
        for i, m in enumerate(self.materials, 1):
            r = {"rank": i, "material": m.material, "commodity": m.commodity, "stage": m.stage,
                 "supply_risk": _num(m.supply_risk),
                 "economic_importance": _num(m.economic_importance), "critical": m.critical}
            for k, v in m.factors.items():
                if isinstance(v, (int, float, str, bool)) or v is None:
                    r[f"f_{k}"] = v
            at = m.factors.get(m.stage) if m.stage else None
            if isinstance(at, dict):  # the reported stage's own factors
                for k, v in at.items():
                    if isinstance(v, (int, float, str, bool)) or v is None:
                        r.setdefault(f"f_{k}", v)
            for k, v in m.published.items():
                r[f"published_{k}"] = v
            r["missing"] = "; ".join(m.missing)
            rows.append(r)
        return pd.DataFrame(rows)


def _jsonable(v: object) -> object:
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return _num(v)
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if v is None or isinstance(v, str):
        return v
    if v is pd.NA:
        return None
    return str(v)


def _isnan(x: object) -> bool:
    return _num(x) is None


def _rank(materials: list[MaterialAssessment], key: str = "supply_risk") -> list[MaterialAssessment]:
    def k(m: MaterialAssessment) -> tuple:
        v = m.supply_risk if key == "supply_risk" else m.factors.get(key)
        v = _num(v)
        ei = _num(m.economic_importance)
        return (v is None, -(v or 0.0), ei is None, -(ei or 0.0), m.material)

    return sorted(materials, key=k)


# ============================================================================ EU rows helpers
def _prep(eu: pd.DataFrame, assessment: int) -> pd.DataFrame:
    """The rows of one assessment with empty strings (not NA) in the text columns."""
    d = eu[eu["assessment"] == assessment].copy()
    for c in ("stage", "scope", "country", "application", "sector", "text", "qualifier", "notes"):
        if c in d:
            d[c] = d[c].astype(object).where(d[c].notna(), "").astype(str)
    return d


def _rows(eu: pd.DataFrame, material: str, parameter: str, **where: str) -> pd.DataFrame:
    d = eu[(eu["material"] == material) & (eu["parameter"] == parameter)]
    for k, v in where.items():
        d = d[d[k] == v]
    return d


def _value(eu: pd.DataFrame, material: str, parameter: str, **where: str) -> float:
    d = _rows(eu, material, parameter, **where)
    if d.empty:
        return float("nan")
    return float(d["value"].iloc[0]) if pd.notna(d["value"].iloc[0]) else float("nan")


def _text(eu: pd.DataFrame, material: str, parameter: str, **where: str) -> str:
    d = _rows(eu, material, parameter, **where)
    if d.empty:
        return ""
    return str(d["text"].iloc[0])


def _cite(eu: pd.DataFrame, material: str, parameter: str, **where: str) -> str:
    d = _rows(eu, material, parameter, **where)
    if d.empty:
        return ""
    return f"{d['file'].iloc[0]} row {int(d['row'].iloc[0])}"


def _groups(eu: pd.DataFrame) -> dict[str, list[str]]:
    g = eu[eu["parameter"] == "group"]
    out: dict[str, list[str]] = {}
    for r in g.itertuples(index=False):
        out.setdefault(str(r.text), []).append(str(r.material))
    return out


# ============================================================================ EU 2017
def assess_eu_2017(eu: pd.DataFrame) -> CriticalityResult:
    """The SR arithmetic on the EU's published 2017 inputs, against the published SR.

    Parameters
    ----------
    eu : DataFrame
        ``eu_crm`` rows of assessment 2017 (the warehouse table).

    Returns
    -------
    CriticalityResult
        Per material: SR recomputed from the published ``HHI_WGI,t`` (GS, EU), IR, EoL-RIR and SI_SR
        (rounded as the EU rounds), the published SR, EI and call, and the error; groups (LREE,
        HREE, PGM) as the mean of their members' SR. ``summary`` holds n, median and max absolute
        error and the materials beyond 0.25.
    """
    eu = _prep(eu, 2017)
    if eu.empty:
        raise DataError("no 2017 EU assessment rows in the warehouse (eu_crm table); rebuild it "
                        "with 'critmin data build' or ingest eu_crm_2017_assessment.csv "
                        "with --source eu-crm")
    groups = _groups(eu)
    group_names = set(groups)
    mats: list[MaterialAssessment] = []
    exact: dict[str, float] = {}
    for mat in sorted(set(eu["material"]) - group_names):
        stage = _text(eu, mat, "stage_reported")
        sd = _text(eu, mat, "supply_data", stage=stage)
        hg = _value(eu, mat, "hhi_wgi_t", stage=stage, scope="GS")
        he = _value(eu, mat, "hhi_wgi_t", stage=stage, scope="EU")
        ir = _value(eu, mat, "ir", stage=stage)
        eol = _value(eu, mat, "eol_rir")
        si = _value(eu, mat, "si_sr")
        missing = []
        for name, v, needed in (("hhi_wgi_t_gs", hg, sd in ("GS+EU", "GSonly")),
                                ("hhi_wgi_t_eu", he, sd in ("GS+EU", "EUonly")),
                                ("ir", ir, sd == "GS+EU"), ("eol_rir", eol, True),
                                ("si_sr", si, True)):
            if needed and _isnan(v):
                missing.append(name)
        sr_exact = eu_supply_risk(hg, he, ir, eol, si, sd) if sd else float("nan")
        exact[mat] = sr_exact
        pub_sr = _value(eu, mat, "sr", stage=stage)
        pub_ei = _value(eu, mat, "ei")
        pub_crit = _text(eu, mat, "critical")
        sr = eu_round(sr_exact)
        m = MaterialAssessment(
            material=mat, commodity=_commodity_of(mat), supply_risk=sr,
            economic_importance=pub_ei, critical=eu_is_critical(sr, pub_ei), stage=stage,
            factors={"hhi_wgi_t_gs": hg, "hhi_wgi_t_eu": he, "ir": ir, "eol_rir": eol,
                     "si_sr": si, "supply_data": sd, "sr_exact": sr_exact,
                     "ei_source": "published (2017 study, Table 3)",
                     "sr_error": sr - pub_sr if not _isnan(sr) else None},
            missing=missing,
            published={"sr": pub_sr, "ei": pub_ei, "critical": pub_crit or None},
        )
        if group := _text(eu, mat, "group"):
            m.notes.append(f"the EU declares criticality for the {group} group")
        m.notes.extend(str(n) for n in _rows(eu, mat, "ir")["notes"].dropna())
        mats.append(m)
    for g, members in sorted(groups.items()):
        vals = [exact[x] for x in members if not _isnan(exact.get(x))]
        sr_exact = float(np.mean(vals)) if vals else float("nan")
        stage = _text(eu, g, "stage_reported")
        pub_sr = _value(eu, g, "sr", stage=stage)
        pub_ei = _value(eu, g, "ei")
        sr = eu_round(sr_exact)
        mats.append(MaterialAssessment(
            material=g, commodity=_commodity_of(g), supply_risk=sr, economic_importance=pub_ei,
            critical=eu_is_critical(sr, pub_ei), stage=stage,
            factors={"members": sorted(members), "sr_exact": sr_exact,
                     "ei_source": "published (2017 study, Table 3)",
                     "sr_error": sr - pub_sr if not _isnan(sr) else None},
            missing=[] if len(vals) == len(members) else ["sr of some members"],
            notes=["group SR = arithmetic mean of the members' SR (the EU's group convention)"],
            published={"sr": pub_sr, "ei": pub_ei, "critical": _text(eu, g, "critical") or None},
        ))
    errs = pd.Series({m.material: m.factors["sr_error"] for m in mats
                      if m.factors.get("sr_error") is not None}, dtype=float)
    beyond = sorted(errs[errs.abs() > 0.25 + 1e-9].index)
    agree = [m for m in mats if m.published.get("critical") in ("yes", "no")]
    same = sum(1 for m in agree if m.critical == (m.published["critical"] == "yes"))
    summary = {"n": int(errs.size), "median_abs_error": float(errs.abs().median()),
               "mean_abs_error": float(errs.abs().mean()), "max_abs_error": float(errs.abs().max()),
               "worst": str(errs.abs().idxmax()), "beyond_0_25": beyond,
               "critical_calls_compared": len(agree), "critical_calls_agreeing": same}
    notes = [f"inputs: {_EU_STUDY[2017]}, Table 3 and Table 18, as typed in "
             "eu_crm_2017_assessment.csv (HHI_WGI,t given to one decimal, so SR agrees within about "
             "0.25)",
             "EI is the published one; SR is recomputed: SR = [HHI_GS*IR/2 + HHI_EU*(1-IR/2)]"
             "*(1-EoL_RIR)*SI_SR (GS-only / EU-only where the study used one kind of supply data)"]
    return CriticalityResult("eu", "EU", 2017, 2017, _rank(mats), notes=notes, summary=summary)


def _commodity_of(material: str) -> str | None:
    for cid, (mat, _stages, _note) in COMMODITY_MATERIALS.items():
        if mat.casefold() == material.casefold():
            return cid
    return None


# ============================================================================ EU 2023
def _wgi_scaled_mean(governance: pd.DataFrame, years: tuple[int, ...]) -> tuple[pd.Series, str]:
    """WGI scaled 0–10 per country, averaged over ``years`` (each year: mean of the indicators)."""
    if governance.empty:
        raise DataError("no WGI data (governance table) in the warehouse")
    have = sorted(int(y) for y in governance["year"].dropna().unique())
    use = [y for y in years if y in have]
    if not use:
        raise DataError(f"WGI years {list(years)} not in the warehouse (it has {have[0]}–{have[-1]})")
    parts = [wgi_scaled(wgi_mean(governance, y, min_indicators=1)) for y in use]
    df = pd.concat(parts, axis=1)
    edition = ",".join(sorted(set(governance["edition"].dropna().astype(str)))) \
        if "edition" in governance else ""
    label = f"WGI {edition} data year{'s' if len(use) > 1 else ''} " + \
            (f"{use[0]}–{use[-1]}" if len(use) > 1 else str(use[0]))
    return df.mean(axis=1).rename("wgi_scaled"), label


def _eu_sourcing_material(eu: pd.DataFrame, material: str, stage: str) -> tuple[str, str]:
    """The material whose EU-sourcing table serves ``material`` at ``stage``, and a note."""
    def has(m: str) -> bool:
        return bool(((eu["material"] == m) & (eu["stage"] == stage) & (eu["scope"] == "EU")
                     & (eu["parameter"] == "share")).any())

    if has(material):
        return material, ""
    group = _text(eu, material, "group")
    if group and has(group):
        return group, f"{stage}: EU sourcing shares of the {group} group (none per element)"
    alt = EU_SOURCING_STAND_INS.get((material, stage))
    if alt and has(alt):
        return alt, f"{stage}: EU sourcing shares of {alt} stand for {material}"
    return material, ""


def _shares(eu: pd.DataFrame, material: str, stage: str, scope: str) -> tuple[pd.Series, pd.Series]:
    s = eu[(eu["material"] == material) & (eu["stage"] == stage) & (eu["scope"] == scope)]
    sh = s[s["parameter"] == "share"].set_index("country")["value"].astype(float)
    t = s[s["parameter"] == "t"].set_index("country")["value"].astype(float)
    return sh, t


def _eu_ei_2023(eu: pd.DataFrame, material: str, si_ei: float, va: pd.Series,
                qmax: float) -> tuple[float, dict, list[str]]:
    d = _rows(eu, material, "end_use_share")
    missing: list[str] = []
    if d.empty:
        return float("nan"), {}, ["end-use shares (not in the Appendix 6 transcription)"]
    alloc = d[d["sector"].fillna("") != ""]
    unalloc = float(d.loc[d["sector"].fillna("") == "", "value"].sum())
    a = alloc.groupby("sector")["value"].sum()
    if _isnan(si_ei):
        missing.append("si_ei")
    ei = eu_economic_importance(a, va, si_ei, qmax) if len(a) else float("nan")
    factors = {"end_use_share_sum": float(d["value"].sum()), "unallocated_share": unalloc,
               "sum_a_q_meur": float((a * a.index.map(va).astype(float)).sum()),
               "max_sector_va_meur": qmax, "si_ei": si_ei, "ei_exact": ei,
               "end_use": {s: float(v) for s, v in a.items()}}
    return ei, factors, missing


def assess_eu_2023(
    eu: pd.DataFrame,
    governance: pd.DataFrame,
    *,
    wgi_years: tuple[int, ...] = WGI_YEARS_2023,
) -> CriticalityResult:
    """The whole EU chain on the 2023 study's inputs.

    Parameters
    ----------
    eu : DataFrame
        ``eu_crm`` rows of assessment 2023.
    governance : DataFrame
        ``governance`` rows (one edition), e.g. the warehouse's ``governance_latest`` view.
    wgi_years : tuple of int
        WGI data year(s) [calendar year]; several are averaged (default :data:`WGI_YEARS_2023`).

    Returns
    -------
    CriticalityResult
        Per material and stage: HHI_WGI,t of global supply and EU sourcing from Appendix 7 with t,
        IR, supply data, SR; the reported SR is the higher stage; EI from Appendix 6 with SI_EI;
        the call; the 2023 list for comparison. Groups are means of their members.
    """
    eu = _prep(eu, 2023)
    if eu.empty:
        raise DataError("no 2023 EU assessment rows in the warehouse (eu_crm table)")
    wgi, wgi_label = _wgi_scaled_mean(governance, tuple(wgi_years))
    va, va_msgs = sector_value_added(
        _rows_all(eu, "sector_va").rename(columns={"value": "value_added"}))
    qmax = float(va.max()) if len(va) else float("nan")
    qmax_sector = str(va.idxmax()) if len(va) else ""
    groups = _groups(eu)
    inputs = eu[eu["parameter"] == "stages_assessed"]
    materials = sorted(set(inputs["material"]) - set(groups))
    mats: list[MaterialAssessment] = []
    by_name: dict[str, MaterialAssessment] = {}
    for mat in materials:
        m = _assess_2023_material(eu, mat, wgi, va, qmax)
        mats.append(m)
        by_name[mat] = m
    for g, members in sorted(groups.items()):
        ms = [by_name[x] for x in members if x in by_name]
        srs = [x.factors.get("sr_exact") for x in ms if not _isnan(x.factors.get("sr_exact"))]
        eis = [x.factors.get("ei_exact") for x in ms if not _isnan(x.factors.get("ei_exact"))]
        sr = eu_round(float(np.mean(srs))) if srs else float("nan")
        ei = eu_round(float(np.mean(eis))) if eis else float("nan")
        missing = []
        if len(srs) < len(members):
            missing.append("sr of " + ", ".join(sorted(x.material for x in ms
                                                       if _isnan(x.factors.get("sr_exact")))))
        if len(eis) < len(members):
            missing.append("ei of " + ", ".join(sorted(x.material for x in ms
                                                       if _isnan(x.factors.get("ei_exact")))))
        mats.append(MaterialAssessment(
            material=g, commodity=_commodity_of(g), supply_risk=sr, economic_importance=ei,
            critical=eu_is_critical(sr, ei), stage=_text(eu, g, "stage_reported") or None,
            factors={"members": sorted(members), "sr_exact": float(np.mean(srs)) if srs else None,
                     "ei_exact": float(np.mean(eis)) if eis else None,
                     "members_with_sr": len(srs), "members_with_ei": len(eis)},
            missing=missing,
            notes=["group SR and EI = arithmetic means over the members that have them (the EU's "
                   "group convention)"],
            published=_published_2023(g)))
    notes = [f"inputs: {_EU_STUDY[2023]}: Appendix 7 (supply shares and t), Appendix 6 (end uses "
             "and value added), per-material IR, EoL-RIR, SI (CritMAT transcription)",
             f"WGI: {wgi_label} (the 2023 study used the 2021 WGI release, latest data year 2020; "
             "the warehouse holds the revised 2024 release), mean of the six indicators scaled to "
             "0-10 on the fixed bounds +/-2.5",
             f"EI scaled by the largest sector value added in Appendix 6: NACE {qmax_sector}, "
             f"{qmax:,.0f} M EUR; uses without a NACE sector ('Other') carry no value added",
             *va_msgs]
    tcheck = _trade_parameter_check(eu)
    if tcheck:
        notes.append(tcheck)
    errs = [m for m in mats if m.published.get("eu_list_2023") in ("yes", "no")]
    agree = sum(1 for m in errs if m.critical is not None
                and m.critical == (m.published["eu_list_2023"] == "yes"))
    decided = sum(1 for m in errs if m.critical is not None)
    summary = {"wgi": wgi_label, "materials": len(mats),
               "with_sr": sum(1 for m in mats if not _isnan(m.supply_risk)),
               "with_ei": sum(1 for m in mats if not _isnan(m.economic_importance)),
               "calls_compared_with_2023_list": decided, "calls_agreeing": agree}
    return CriticalityResult("eu", "EU", 2023, 2023, _rank(mats), notes=notes, summary=summary)


def _trade_parameter_check(eu: pd.DataFrame) -> str:
    """Compare the separate trade-parameter list with the t of Appendix 7 (which is used)."""
    keys = ["material", "stage", "scope", "country"]
    tp = _rows_all(eu, "trade_parameter")[keys + ["value"]]
    if tp.empty:
        return ""
    a7 = _rows_all(eu, "t")[keys + ["value"]]
    m = tp.merge(a7, on=keys, how="left", suffixes=("_list", "_a7"))
    absent = int(m["value_a7"].isna().sum())
    differ = int((m["value_a7"].notna() & (m["value_list"] - m["value_a7"]).abs().gt(0.01)).sum())
    if not absent and not differ:
        return ""
    return (f"t: Appendix 7's values are used; the separate trade-parameter list (CritMAT) differs for "
            f"{differ} of its {len(m)} entries and names {absent} material/country pairs Appendix 7 "
            "does not list (mostly EU-sourcing entries)")


def _rows_all(eu: pd.DataFrame, parameter: str) -> pd.DataFrame:
    return eu[eu["parameter"] == parameter]


def _published_2023(material: str, group: str = "") -> dict:
    if group:
        return {"eu_list_2023": None,
                "eu_list_2023_note": f"listed as part of the {group} group"
                if group in EU_LIST_2023 else f"assessed within the {group} group"}
    on = material in EU_LIST_2023
    out: dict = {"eu_list_2023": "yes" if on else "no"}
    if material in _STRATEGIC_ONLY:
        out["eu_list_2023_note"] = ("listed as a strategic raw material; the 2023 study found it "
                                    "below the thresholds")
    return out


def _assess_2023_material(eu: pd.DataFrame, mat: str, wgi: pd.Series, va: pd.Series,
                          qmax: float) -> MaterialAssessment:
    assessed = _text(eu, mat, "stages_assessed").split("+")
    reported = _text(eu, mat, "stage_reported")
    eol = _value(eu, mat, "eol_rir")
    si_sr = _value(eu, mat, "si_sr")
    si_ei = _value(eu, mat, "si_ei")
    missing: list[str] = []
    notes: list[str] = []
    factors: dict = {"eol_rir": eol, "si_sr": si_sr, "stages_assessed": "+".join(assessed),
                     "eu_reported_stage": reported}
    if _isnan(eol):
        missing.append("eol_rir")
    if _isnan(si_sr):
        missing.append("si_sr")
    best: tuple[float, str] | None = None
    for st in assessed:
        sd = _text(eu, mat, "supply_data", stage=st)
        ir = _value(eu, mat, "ir", stage=st)
        gs, gt = _shares(eu, mat, st, "GS")
        eu_mat, eu_note = _eu_sourcing_material(eu, mat, st)
        es, et = _shares(eu, eu_mat, st, "EU")
        if eu_note:
            notes.append(eu_note)
        hg = hhi_wgi_t(gs, wgi, gt) if len(gs) else None
        he = hhi_wgi_t(es, wgi, et) if len(es) else None
        f = {"supply_data": sd or None, "ir": ir,
             "hhi_wgi_t_gs": hg.value if hg else None, "hhi_wgi_t_eu": he.value if he else None,
             "gs_share_sum": hg.share_sum if hg else None,
             "eu_share_sum": he.share_sum if he else None,
             "gs_top": _top(hg), "eu_top": _top(he)}
        for res, scope in ((hg, "global supply"), (he, "EU sourcing")):
            if res and res.lacking:
                notes.append(f"{st}: no WGI for {', '.join(res.lacking)} ({res.lacking_share:.1%} of "
                             f"{scope}): left out of HHI_WGI,t")
        if not sd:
            missing.append(f"supply_data at {st} (unreadable in the transcription)")
            sr = float("nan")
        else:
            need_gs = sd in ("GS+EU", "GSonly")
            need_eu = sd in ("GS+EU", "EUonly")
            if need_gs and hg is None:
                missing.append(f"global supply shares at {st}")
            if need_eu and he is None:
                missing.append(f"EU sourcing shares at {st}")
            if sd == "GS+EU" and _isnan(ir):
                missing.append(f"ir at {st}")
            sr = eu_supply_risk(hg.value if hg else np.nan, he.value if he else np.nan, ir, eol,
                                si_sr, sd)
        f["sr_exact"] = sr
        f["sr"] = eu_round(sr)
        factors[st] = f
        if not _isnan(sr) and (best is None or sr > best[0]):
            best = (sr, st)
    sr_exact, stage = best if best else (float("nan"), None)
    if stage and reported and stage != reported:
        notes.append(f"the higher SR here is at {stage}; the EU reports {reported}")
    ei, ef, emiss = _eu_ei_2023(eu, mat, si_ei, va, qmax)
    missing += ["ei: " + x for x in emiss]
    factors.update(ef)
    factors["sr_exact"] = sr_exact
    sr, eir = eu_round(sr_exact), eu_round(ei)
    if not _isnan(factors.get("unallocated_share")) and factors.get("unallocated_share", 0) > 0:
        notes.append(f"{factors['unallocated_share']:.0%} of end uses have no NACE sector and add "
                     "no value added")
    for n in _rows(eu, mat, "supply_data")["notes"].dropna():
        notes.append(str(n))
    return MaterialAssessment(material=mat, commodity=_commodity_of(mat), supply_risk=sr,
                              economic_importance=eir, critical=eu_is_critical(sr, eir),
                              stage=stage, factors=factors, missing=missing, notes=notes,
                              published=_published_2023(mat, _text(eu, mat, "group")))


def _top(res) -> str | None:
    if res is None or res.contributions.empty:
        return None
    r = res.contributions.iloc[0]
    return f"{r['country']} {r['share']:.0%}"


# ============================================================================ parameters
def default_parameters_path() -> Path:
    """The package's default parameters file (``critmin/data/criticality_parameters.csv``)."""
    return Path(str(resources.files("critmin.data").joinpath("criticality_parameters.csv")))


def load_parameters(path: str | Path | None = None) -> pd.DataFrame:
    """Read a criticality parameters file (default: the package's).

    Parameters
    ----------
    path : str or Path, optional
        A CSV with the columns of :data:`PARAMETER_COLUMNS` (``commodity``, ``parameter`` and
        ``value`` or ``text`` required; the others may be absent).

    Returns
    -------
    DataFrame
        The rows, with every column of :data:`PARAMETER_COLUMNS` (empty strings where absent) and
        ``value`` as float (NaN = not known).

    Raises
    ------
    DataError
        For a missing required column, a value that is not a number, or a parameter name critmin
        does not know.
    """
    p = Path(path) if path is not None else default_parameters_path()
    if not p.exists():
        raise DataError("no such parameters file", file=str(p))
    from critmin.sources._io import read_text

    df = pd.read_csv(io.StringIO(read_text(p)), dtype=str, keep_default_na=False)
    df.columns = [c.strip() for c in df.columns]
    for c in ("commodity", "parameter"):
        if c not in df.columns:
            raise DataError(f"parameters file lacks column {c!r}; expected "
                            f"{', '.join(PARAMETER_COLUMNS)}", file=p.name, row=1)
    for c in PARAMETER_COLUMNS:
        if c not in df.columns:
            df[c] = ""
    known = {"stage_map", "eol_rir", "si_sr", "si_ei", "ir", "supply_data", "t", "eu_t",
             "eu_sourcing_share", "end_use_share", "sector_va", "max_sector_va", "ei", "ev",
             "eu_list_2023"}
    vals = []
    for i, (par, v) in enumerate(zip(df["parameter"], df["value"], strict=True), start=2):
        if par.strip() not in known:
            raise DataError(f"unknown parameter {par!r}; expected one of {sorted(known)}",
                            file=p.name, row=i, column="parameter", value=par)
        s = v.strip()
        if s == "":
            vals.append(np.nan)
            continue
        try:
            vals.append(float(s))
        except ValueError:
            raise DataError("expected a number (or blank for not known)", file=p.name, row=i,
                            column="value", value=v) from None
    df["value"] = vals
    for c in PARAMETER_COLUMNS:
        if c != "value":
            df[c] = df[c].astype(str).str.strip()
    df.attrs["path"] = str(p)
    return df[list(PARAMETER_COLUMNS)]


def write_parameters(params: pd.DataFrame, path: str | Path) -> None:
    """Write a parameters table as CSV (UTF-8, sorted as given; values with up to 6 significant
    digits, blank when not known)."""
    out = params.copy()
    out["value"] = [("" if _isnan(v) else f"{float(v):.6g}") for v in out["value"]]
    out.to_csv(path, index=False, lineterminator="\n")


def build_parameters(eu: pd.DataFrame) -> pd.DataFrame:
    """The default parameters table from the EU 2023 inputs and :data:`COMMODITY_MATERIALS`.

    Parameters
    ----------
    eu : DataFrame
        ``eu_crm`` rows (assessment 2023 is used).

    Returns
    -------
    DataFrame
        Rows of :data:`PARAMETER_COLUMNS`, sorted; every value row cites its source file and row.
        Group materials (LREE) get SI_SR and SI_EI as the mean of their members and ``ei`` as the
        mean of the members' EI (the EU's group convention), noted as derived.
    """
    eu = _prep(eu, 2023)
    groups = _groups(eu)
    va, _msgs = sector_value_added(_rows_all(eu, "sector_va").rename(columns={"value":
                                                                                "value_added"}))
    qmax = float(va.max())
    qsec = str(va.idxmax())
    study = "EU CRM 2023 (doi:10.2873/725585)"
    out: list[dict] = []

    def add(cid: str, mat: str, par: str, *, stage: str = "", country: str = "", sector: str = "",
            application: str = "", value: float = np.nan, text: str = "", unit: str = "",
            source: str = "", note: str = "") -> None:
        out.append({"commodity": cid, "material": mat, "parameter": par, "stage": stage,
                    "country": country, "sector": sector, "application": application,
                    "value": value, "text": text, "unit": unit, "source": source, "note": note})

    for cid, (mat, stages, note) in sorted(COMMODITY_MATERIALS.items()):
        members = groups.get(mat, [])
        for st, usgs in sorted(stages.items()):
            add(cid, mat, "stage_map", stage=st, text=usgs, source="critmin mapping",
                note=note)
        for par in ("eol_rir",):
            add(cid, mat, par, value=_value(eu, mat, par), unit="1",
                source=f"{study}, {_cite(eu, mat, par)}")
        for par in ("si_sr", "si_ei"):
            v = _value(eu, mat, par)
            if _isnan(v) and members:
                mv = [_value(eu, x, par) for x in members]
                mv = [x for x in mv if not _isnan(x)]
                add(cid, mat, par, value=float(np.mean(mv)) if mv else np.nan, unit="1",
                    source=f"{study}, derived",
                    note=f"mean of {len(mv)} members ({', '.join(sorted(members))}): the EU "
                         "reports groups as averages of their members; the group's own value is not "
                         "given")
            else:
                add(cid, mat, par, value=v, unit="1", source=f"{study}, {_cite(eu, mat, par)}")
        for st in sorted(stages):
            add(cid, mat, "ir", stage=st, value=_value(eu, mat, "ir", stage=st), unit="1",
                source=f"{study}, {_cite(eu, mat, 'ir', stage=st)}")
            sd = _text(eu, mat, "supply_data", stage=st)
            add(cid, mat, "supply_data", stage=st, text=sd,
                source=f"{study}, {_cite(eu, mat, 'supply_data', stage=st)}")
            trows = eu[(eu["stage"] == st) & (eu["parameter"] == "t") & (eu["scope"] == "GS")]
            own = trows[trows["material"] == mat]
            tsrc, tnote = (own, "") if len(own) or not members else (
                trows[trows["material"].isin(members)], "t of the group's members")
            for c, grp in tsrc.groupby("country", sort=True):
                vals = sorted(set(grp["value"].dropna().astype(float)))
                if vals and vals != [1.0]:
                    r = grp.iloc[0]
                    add(cid, mat, "t", stage=st, country=c, value=max(vals), unit="1",
                        source=f"{study}, Appendix 7, {r.file} row {int(r.row)}",
                        note="; ".join(filter(None, [tnote, "members differ: the highest t" if
                                                     len(vals) > 1 else ""])))
            eu_mat, eu_note = _eu_sourcing_material(eu, mat, st)
            et = eu[(eu["material"] == eu_mat) & (eu["stage"] == st) & (eu["scope"] == "EU")
                    & (eu["parameter"] == "t")]
            for r in et.sort_values("country").itertuples(index=False):
                if pd.notna(r.value) and float(r.value) != 1.0:
                    add(cid, mat, "eu_t", stage=st, country=r.country, value=float(r.value),
                        unit="1", source=f"{study}, Appendix 7, {r.file} row {int(r.row)}",
                        note=eu_note)
            es = eu[(eu["material"] == eu_mat) & (eu["stage"] == st) & (eu["scope"] == "EU")
                    & (eu["parameter"] == "share")]
            for r in es.sort_values("country").itertuples(index=False):
                add(cid, mat, "eu_sourcing_share", stage=st, country=r.country, value=r.value,
                    unit="1", source=f"{study}, Appendix 7, {r.file} row {int(r.row)}",
                    note="; ".join(filter(None, ["upper bound (<0.1%)" if r.qualifier == "<"
                                                 else "", eu_note])))
        eus = _rows(eu, mat, "end_use_share")
        if len(eus):
            for r in eus.sort_values(["sector", "application"]).itertuples(index=False):
                add(cid, mat, "end_use_share", sector=r.sector, application=r.application,
                    value=r.value, unit="1",
                    source=f"{study}, Appendix 6, {r.file} row {int(r.row)}",
                    note="" if r.sector else "no NACE sector: adds no value added")
            for sec in sorted(s for s in set(eus["sector"]) if s):
                add(cid, mat, "sector_va", sector=sec, value=float(va.get(sec, np.nan)),
                    unit="MEUR", source=f"{study}, Appendix 6 (value most rows give for {sec})")
            add(cid, mat, "max_sector_va", sector=qsec, value=qmax, unit="MEUR",
                source=f"{study}, Appendix 6 (largest sector value added)")
        elif members:
            eis = []
            for x in members:
                ei, _f, _m = _eu_ei_2023(eu, x, _value(eu, x, "si_ei"), va, qmax)
                if not _isnan(ei):
                    eis.append((x, ei))
            add(cid, mat, "ei", value=float(np.mean([e for _x, e in eis])) if eis else np.nan,
                unit="1", source=f"{study}, Appendix 6, derived",
                note=f"mean EI of {len(eis)} members with end-use data "
                     f"({', '.join(x for x, _e in eis)}): the EU reports groups as averages")
        else:
            add(cid, mat, "end_use_share", unit="1", source=f"{study}, Appendix 6",
                note=f"{mat} is not in the Appendix 6 transcription: EI not known")
        add(cid, mat, "eu_list_2023", text="yes" if mat in EU_LIST_2023 else "no",
            source=_LIST_SOURCE,
            note=("strategic raw material; below the thresholds in the 2023 study"
                  if mat in _STRATEGIC_ONLY else ""))
    df = pd.DataFrame(out, columns=list(PARAMETER_COLUMNS))
    df["value"] = df["value"].astype(float)
    return df.reset_index(drop=True)


def _par(params: pd.DataFrame, cid: str, parameter: str, **where: str) -> pd.DataFrame:
    d = params[(params["commodity"] == cid) & (params["parameter"] == parameter)]
    for k, v in where.items():
        d = d[d[k] == v]
    return d


def _pval(params: pd.DataFrame, cid: str, parameter: str, **where: str) -> float:
    d = _par(params, cid, parameter, **where)
    d = d[d["value"].notna()]
    return float(d["value"].iloc[0]) if len(d) else float("nan")


def _ptext(params: pd.DataFrame, cid: str, parameter: str, **where: str) -> str:
    d = _par(params, cid, parameter, **where)
    d = d[d["text"] != ""]
    return str(d["text"].iloc[0]) if len(d) else ""


# ============================================================================ warehouse-based runs
class _Governance:
    """The warehouse's WGI (latest edition), read once per run; scaled means cached per year."""

    def __init__(self, warehouse) -> None:
        self.gov = warehouse.table("governance", latest=True)
        if self.gov.empty:
            raise DataError("no WGI data (governance table) in the warehouse")
        self.years = sorted(int(y) for y in self.gov["year"].dropna().unique())
        self._scaled: dict[int, pd.Series] = {}

    def year_for(self, year: int) -> int:
        """The latest WGI data year not after ``year`` (the first one if all are after)."""
        return max([y for y in self.years if y <= year] or [self.years[0]])

    def scaled(self, year: int) -> tuple[pd.Series, int]:
        """WGI mean scaled 0–10 [1] for the data year used for ``year``, and that year."""
        wy = self.year_for(year)
        if wy not in self._scaled:
            self._scaled[wy] = wgi_scaled(wgi_mean(self.gov, wy, min_indicators=1))
        return self._scaled[wy], wy


def _world_shares(res) -> pd.Series:
    t = res.table
    s = t.set_index("country")["share"].astype(float).dropna()
    return s[s > 0]


class _UsNir:
    """U.S. net import reliance as USGS reports it (salient ``nir`` rows), read once per run.

    Per commodity: the latest year reported, from the most recently published edition giving that
    year (as :func:`critmin.dependence.job.us_net_import_reliance` picks it); every series of that edition
    and year, the highest used; ``E`` (net exporter) counts as 0; bounds (``>50%``) at the bound.
    """

    def __init__(self, warehouse) -> None:
        self.rows = warehouse.query(
            "SELECT commodity, year, detail, value, missing, qualifier, edition, edition_date "
            "FROM salient WHERE statistic = 'nir' AND country = 'USA' AND source = 'usgs-mcs'")

    def get(self, cid: str) -> tuple[float, str]:
        """(NIR [1, fraction], description of the figures used)."""
        d = self.rows[self.rows["commodity"] == cid]
        usable = d[d["value"].notna() | (d["missing"] == "net_exporter")]
        if usable.empty:
            return float("nan"), "no U.S. net import reliance data"
        y = int(usable["year"].max())
        d = usable[usable["year"] == y]
        d = d[d["edition_date"] == d["edition_date"].max()]
        vals = []
        for r in d.sort_values("detail").itertuples(index=False):
            if r.missing == "net_exporter":
                vals.append((0.0, f"{r.detail}: net exporter (E)"))
            else:
                q = r.qualifier if isinstance(r.qualifier, str) else ""
                vals.append((float(r.value) / 100.0, f"{r.detail}: {q}{r.value / 100.0:.0%}"))
        v = max(x[0] for x in vals)
        src = f"U.S. NIR {y} ({d['edition'].iloc[0]}): " + "; ".join(x[1] for x in vals)
        if len(vals) > 1:
            src += " (highest series used)"
        return v, src


def _us_sourcing(cid: str, nir: float, warehouse) -> tuple[pd.Series | None, str]:
    """U.S. sourcing shares: domestic share 1 - NIR, partner c: NIR * import share_c."""
    from critmin.dependence import us_import_sources

    if _isnan(nir):
        return None, "no net import reliance"
    src = us_import_sources(cid, warehouse=warehouse)
    if src.empty:
        return None, "no U.S. import sources"
    details = sorted(set(src["detail"].fillna("")))
    pick = [d for d in details if any(w in d.casefold() for w in ("total", "all", "combined"))]
    if len(details) == 1:
        det = details[0]
    elif len(pick) == 1:
        det = pick[0]
    else:
        return None, (f"several U.S. import-source series ({'; '.join(details)}) and none is a total")
    s = src[src["detail"].fillna("") == det].groupby("partner")["share"].sum().astype(float)
    out = s * float(nir)
    out["USA"] = out.get("USA", 0.0) + (1.0 - float(nir))
    period = src["period"].iloc[0]
    return out, (f"U.S. sourcing = domestic {1 - nir:.0%} + imports {nir:.0%} split by the MCS import "
                 f"sources {period} ({det})")


def assess_eu_current(
    warehouse,
    *,
    importer: str = "EU",
    year: int | None = None,
    parameters: pd.DataFrame | None = None,
    commodities: list[str] | None = None,
) -> CriticalityResult:
    """The EU method on the warehouse's latest USGS shares and WGI with the latest EU parameters.

    Parameters
    ----------
    warehouse : Warehouse
        Where the data live.
    importer : str
        ``EU`` (EU sourcing shares and IR of the 2023 study), ``USA`` (MCS net import reliance and
        import sources), or another ISO3 code (no sourcing data: global supply term only, flagged).
    year : int, optional
        Production year [calendar year]; default each commodity's latest.
    parameters : DataFrame, optional
        :func:`load_parameters` output (default the package's file).
    commodities : list of str, optional
        Restrict to these commodity ids.

    Returns
    -------
    CriticalityResult
    """
    from critmin.supply import supply

    params = parameters if parameters is not None else load_parameters()
    imp = importer.upper()
    cids = sorted(set(params.loc[params["parameter"] == "stage_map", "commodity"]))
    if commodities:
        cids = [c for c in cids if c in set(commodities)]
    mats = []
    notes = [f"parameters: {params.attrs.get('path', 'given')}",
             "global supply: USGS world production shares (of the published world total) at the "
             "mapped stage; 'Other countries' has no WGI and is left out (its share is shown)"]
    if imp != "EU":
        notes.append(f"importer {imp}: the EU's trade parameters are kept where they exceed 1 "
                     "(export restrictions) and set to 1 where they are 0.8 (EU trade agreements)")
    wgi_years = set()
    gov = _Governance(warehouse)
    us_nir = _UsNir(warehouse) if imp == "USA" else None
    for cid in cids:
        mat = _par(params, cid, "stage_map")["material"].iloc[0]
        missing: list[str] = []
        mnotes: list[str] = []
        eol = _pval(params, cid, "eol_rir")
        si_sr = _pval(params, cid, "si_sr")
        for n, v in (("eol_rir", eol), ("si_sr", si_sr)):
            if _isnan(v):
                missing.append(n)
        factors: dict = {"eu_material": mat, "eol_rir": eol, "si_sr": si_sr}
        nir, nir_src = (us_nir.get(cid) if us_nir is not None else (np.nan, ""))
        best: tuple[float, str] | None = None
        for r in _par(params, cid, "stage_map").itertuples(index=False):
            st, usgs_stage = r.stage, r.text
            f: dict = {"usgs_stage": usgs_stage}
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    res = supply(cid, stage=usgs_stage, year=year, warehouse=warehouse)
            except (CritminError, KeyError) as exc:
                missing.append(f"global supply shares at {st} ({usgs_stage}): {exc}")
                factors[st] = f
                continue
            wgi, wy = gov.scaled(res.year)
            wgi_years.add(wy)
            shares = _world_shares(res)
            tpar = _par(params, cid, "t", stage=st).set_index("country")["value"]
            if imp != "EU":
                tpar = tpar.clip(lower=1.0)
            hg = hhi_wgi_t(shares, wgi, tpar)
            f.update({"year": res.year, "edition": res.edition, "wgi_year": wy,
                      "hhi": res.hhi, "hhi_wgi_t_gs": hg.value, "gs_top": _top(hg),
                      "other_countries_share": (res.other_countries / res.world_total
                                                if res.world_total else None)})
            if hg.lacking:
                mnotes.append(f"{st}: no WGI {wy} for {', '.join(hg.lacking)} ({hg.lacking_share:.1%}"
                              " of world production): left out")
            # the importer's side
            he = None
            if imp == "EU":
                sd = _ptext(params, cid, "supply_data", stage=st)
                ir = _pval(params, cid, "ir", stage=st)
                es = _par(params, cid, "eu_sourcing_share", stage=st)
                es = es[es["value"].notna()].set_index("country")["value"]
                et = _par(params, cid, "eu_t", stage=st).set_index("country")["value"]
                if len(es):
                    he = hhi_wgi_t(es, wgi, et)
                if not sd:
                    missing.append(f"supply_data at {st}")
                elif sd in ("GS+EU", "EUonly") and he is None:
                    mnotes.append(f"{st}: no EU sourcing shares for {mat}: SR on global supply only")
                    sd = "GSonly"
                f["ir_source"] = "EU CRM 2023"
            elif imp == "USA":
                ir = nir
                sh, how = _us_sourcing(cid, nir, warehouse)
                if sh is not None:
                    he = hhi_wgi_t(sh, wgi)
                    sd = "GS+EU"
                    mnotes.append(how)
                else:
                    sd = "GSonly"
                    mnotes.append(f"{st}: U.S. sourcing not known ({how}): SR on global supply only")
                f["ir_source"] = nir_src
            else:
                ir, sd = np.nan, "GSonly"
                missing.append(f"importer sourcing shares and IR of {imp}")
            f.update({"supply_data": sd, "ir": ir, "hhi_wgi_t_importer": he.value if he else None,
                      "importer_top": _top(he)})
            if sd == "GS+EU" and _isnan(ir):
                missing.append(f"ir at {st}")
            sr = eu_supply_risk(hg.value, he.value if he else np.nan, ir, eol, si_sr, sd) \
                if sd else float("nan")
            f["sr_exact"] = sr
            f["sr"] = eu_round(sr)
            factors[st] = f
            if not _isnan(sr) and (best is None or sr > best[0]):
                best = (sr, st)
        sr_exact, stage = best if best else (float("nan"), None)
        ei, emiss = _ei_from_params(params, cid, factors)
        missing += emiss
        sr, eir = eu_round(sr_exact), eu_round(ei)
        listed = _ptext(params, cid, "eu_list_2023")
        mats.append(MaterialAssessment(
            material=cid, commodity=cid, supply_risk=sr, economic_importance=eir,
            critical=eu_is_critical(sr, eir), stage=stage,
            factors={**factors, "sr_exact": sr_exact, "ei_exact": ei}, missing=missing,
            notes=[n for n in (_par(params, cid, "stage_map")["note"].iloc[0],) if n] + mnotes,
            published={"eu_list_2023": listed or None, "eu_material": mat}))
    if wgi_years:
        notes.append(f"WGI: latest data year not after each production year "
                     f"({', '.join(str(y) for y in sorted(wgi_years))}), mean of the six indicators "
                     "scaled 0-10 on the fixed bounds +/-2.5")
    return CriticalityResult("eu", imp, year, None, _rank(mats), notes=notes)


def _ei_from_params(params: pd.DataFrame, cid: str, factors: dict) -> tuple[float, list[str]]:
    direct = _pval(params, cid, "ei")
    if not _isnan(direct):
        factors["ei_source"] = _par(params, cid, "ei")["note"].iloc[0] or "given"
        return direct, []
    eus = _par(params, cid, "end_use_share")
    eus = eus[eus["value"].notna()]
    if eus.empty:
        return float("nan"), ["ei: no end-use shares"]
    si_ei = _pval(params, cid, "si_ei")
    va = _par(params, cid, "sector_va").set_index("sector")["value"]
    qmax = _pval(params, cid, "max_sector_va")
    alloc = eus[eus["sector"] != ""]
    a = alloc.groupby("sector")["value"].sum()
    miss = []
    if _isnan(si_ei):
        miss.append("si_ei")
    lacking_va = [s for s in a.index if _isnan(va.get(s))]
    if lacking_va:
        miss.append("sector_va of " + ", ".join(lacking_va))
    if _isnan(qmax):
        miss.append("max_sector_va")
    ei = eu_economic_importance(a, va, si_ei, None if _isnan(qmax) else qmax)
    factors.update({"si_ei": si_ei, "end_use": {s: float(v) for s, v in a.items()},
                    "unallocated_share": float(eus.loc[eus["sector"] == "", "value"].sum()),
                    "max_sector_va_meur": qmax})
    return ei, miss


def assess_usgs(
    warehouse,
    *,
    year: int | None = None,
    parameters: pd.DataFrame | None = None,
    commodities: list[str] | None = None,
) -> CriticalityResult:
    """USGS-style supply risk ``DP * TE * EV`` for the United States.

    Parameters
    ----------
    warehouse : Warehouse
        Where the data live.
    year : int, optional
        Production year [calendar year]; default each commodity's latest.
    parameters : DataFrame, optional
        A parameters table; its ``ev`` rows (economic vulnerability [1, 0–1]) are used where given.
    commodities : list of str, optional
        Restrict to these commodity ids (default: every commodity with production data).

    Returns
    -------
    CriticalityResult
        Ranked by SR where EV is known, else by ``dp_x_te`` (``rank_by``); every material lists
        ``ev`` in ``missing`` when it is not supplied.

    Notes
    -----
    * DP = ``sum_c S_c^2 * WGI_c / 10`` on world production shares at the commodity's headline stage
      and the WGI of the latest year not after the production year (countries without WGI left out
      and reported).
    * TE = the net import reliance USGS reports for the latest year (the highest series when there
      are several; a net exporter ``E`` gives 0); bounds such as ``>50%`` are taken at the bound.
    * EV: not in the bundled dataset (Nassar & Fortier derive it from the U.S. industries' use of
      each mineral and their margins); no default.
    """
    from critmin.commodities import catalogue
    from critmin.supply import coverage, supply

    params = parameters if parameters is not None else load_parameters()
    cov = coverage(warehouse)
    cids = sorted(set(cov["commodity"]))
    if commodities:
        cids = [c for c in cids if c in set(commodities)]
    cat = catalogue().set_index("id")
    mats = []
    skipped = []
    wgi_years = set()
    gov = _Governance(warehouse)
    us_nir = _UsNir(warehouse)
    for cid in cids:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = supply(cid, year=year, warehouse=warehouse)
        except (CritminError, KeyError) as exc:
            skipped.append(f"{cid} ({exc})")
            continue
        wgi, wy = gov.scaled(res.year)
        wgi_years.add(wy)
        dp = usgs_disruption_potential(_world_shares(res), wgi)
        nir, nir_src = us_nir.get(cid)
        te = usgs_trade_exposure(nir)
        ev = _pval(params, cid, "ev")
        missing = []
        if _isnan(te):
            missing.append("te: no U.S. net import reliance")
        if _isnan(ev):
            missing.append("ev: no economic-vulnerability data (supply parameter 'ev')")
        sr = usgs_supply_risk(dp.value, te, ev)
        notes = []
        if dp.lacking:
            notes.append(f"no WGI {wy} for {', '.join(dp.lacking)} ({dp.lacking_share:.1%} of "
                         "production): left out of DP")
        mats.append(MaterialAssessment(
            material=cid, commodity=cid, supply_risk=sr,
            critical=None if _isnan(sr) else bool(sr >= USGS_THRESHOLD), stage=res.stage,
            factors={"dp": dp.value, "te": te, "ev": ev,
                     "dp_x_te": dp.value * te if not _isnan(te) else None,
                     "hhi": res.hhi, "top": _top(dp), "year": res.year, "edition": res.edition,
                     "wgi_year": wy, "nir_source": nir_src,
                     "name": str(cat.loc[cid, "name"]) if cid in cat.index else cid},
            missing=missing, notes=notes))
    any_sr = any(not _isnan(m.supply_risk) for m in mats)
    rank_by = "supply_risk" if any_sr else "dp_x_te"
    notes = ["SR = DP * TE * EV (Nassar & Fortier 2021, USGS OFR 2021-1045); DP = sum S_c^2 * "
             "WGI_c/10 (world production shares, WGI mean scaled 0-1 on fixed bounds), TE = U.S. "
             "net import reliance (MCS), EV = economic vulnerability (not in the dataset)",
             "critical when SR >= 0.40 (the USGS threshold is on a recency-weighted mean; a single "
             "year is used here)",
             f"WGI data years: {', '.join(str(y) for y in sorted(wgi_years))}"]
    if not any_sr:
        notes.append("EV is missing for every material: SR is not computed and the table is ranked "
                     "by DP x TE (an upper bound on SR, since EV <= 1)")
    if skipped:
        notes.append("no production by country: " + "; ".join(skipped))
    return CriticalityResult("usgs", "USA", year, None, _rank(mats, rank_by), rank_by=rank_by,
                             notes=notes)


def assess_geopolrisk(
    warehouse,
    *,
    importer: str = "USA",
    year: int | None = None,
    commodities: list[str] | None = None,
) -> CriticalityResult:
    """GeoPolRisk of an importer for every commodity with its import data in the warehouse.

    Parameters
    ----------
    warehouse : Warehouse
        Where the data live (``trade``, ``production``, ``governance``).
    importer : str
        ISO3 (``USA``, ``CHN``) or a name.
    year : int, optional
        Trade year [calendar year]; default the latest with data per commodity.
    commodities : list of str, optional
        Restrict to these commodity ids (default: those with HS lines in the catalogue).

    Returns
    -------
    CriticalityResult
        Per commodity: score, HHI of world production, ``sum g_i f_i`` [t], ``p + F`` [t], the
        partners without WGI (unscored) and the imports of unknown origin; ranked by score.

    Notes
    -----
    Imports are the HS lines of :func:`critmin.hs.default_lines` in net weight (gross product weight,
    not contained metal), production the importer's own USGS production at the headline stage [t].
    When the source has no World total (USITC: 18 partners), F is the sum of the partners listed.
    """
    from critmin import hs as _hs
    from critmin.countries import UnknownCountryError, resolve
    from critmin.dependence import importer_dependence
    from critmin.supply import supply

    try:
        imp = resolve(importer).code if importer.upper() != "EU" else "EU"
    except UnknownCountryError as err:
        raise DataError(f"unknown importer: {err}") from None
    if imp == "EU":
        raise DataError("no EU import data in the warehouse (the bundled trade extracts report "
                        "China and the USA); ingest an EU (Eurostat/Comtrade) download first")
    cat = _hs.catalogue()
    cids = sorted(set(cat["commodity"])) if "commodity" in cat else []
    if commodities:
        cids = [c for c in cids if c in set(commodities)]
    gov = warehouse.table("governance", latest=True)
    gyears = sorted(int(y) for y in gov["year"].dropna().unique())
    mats, skipped = [], []
    for cid in cids:
        try:
            dep = importer_dependence(cid, imp, year=year, warehouse=warehouse)
        except (CritminError, KeyError, ValueError) as exc:
            skipped.append(f"{cid}: {str(exc).split(';')[0]}")
            continue
        missing: list[str] = []
        notes = list(dep.caveats)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                sup = supply(cid, warehouse=warehouse)
        except (CritminError, KeyError) as exc:
            skipped.append(f"{cid}: no world production ({exc})")
            continue
        if sup.unit != "t":
            skipped.append(f"{cid}: production not in tonnes ({sup.unit})")
            continue
        own = sup.table.loc[sup.table["country"] == imp, "quantity"]
        p = float(own.iloc[0]) if len(own) and pd.notna(own.iloc[0]) else 0.0
        if len(own) and pd.isna(own.iloc[0]):
            missing.append(f"p: {imp} production withheld ({sup.edition}); taken as not known")
            p = float("nan")
        wy = max([y for y in gyears if y <= dep.year] or [gyears[0]])
        pv = gov[(gov["year"] == wy) & (gov["indicator"] == "pv")].set_index("country")["estimate"]
        g = geopolrisk_g(pv.astype(float))
        tab = dep.table.copy()
        tab = tab[tab["quantity_kg"].notna()]
        f_t = tab.set_index("partner")["quantity_kg"].astype(float) / 1000.0
        big_f = dep.world_total / 1000.0 if dep.world_total == dep.world_total and \
            dep.world_total > 0 else float(f_t.sum())
        if dep.world_total != dep.world_total or dep.world_total <= 0:
            notes.append("no World total: F = sum of the partners listed")
        if _isnan(p):
            res = None
        else:
            try:
                res = geopolrisk(sup.hhi, f_t, g, p, big_f, importer=imp)
            except ValueError as exc:
                skipped.append(f"{cid}: {exc}")
                continue
        factors = {"hhi": sup.hhi, "production_year": sup.year, "trade_year": dep.year,
                   "wgi_year": wy, "hs_codes": "+".join(dep.hs_codes),
                   "trade_source": f"{dep.source} {dep.edition}",
                   "imports_t": float(f_t.sum()), "total_imports_t": big_f,
                   "domestic_production_t": p}
        if res is not None:
            factors.update({"weighted_imports_t": res.weighted_imports,
                            "denominator_t": res.denominator,
                            "unscored_partners": res.unscored,
                            "unscored_imports_t": res.unscored_imports,
                            "top_partners": [
                                f"{r.partner} {r.imports_t:,.0f} t g={r.g:.2f}" if r.scored
                                else f"{r.partner} {r.imports_t:,.0f} t (no WGI)"
                                for r in res.partners.head(5).itertuples(index=False)]})
            if res.unscored_imports > 0:
                notes.append(f"{res.unscored_imports:,.0f} t of imports ({res.unscored_imports / big_f:.1%})"
                             " come from partners without WGI or not listed: not scored (the score is "
                             "a lower bound)")
        mats.append(MaterialAssessment(
            material=cid, commodity=cid, supply_risk=res.score if res else float("nan"),
            stage=sup.stage, factors=factors, missing=missing, notes=notes))
    notes = ["GeoPolRisk = HHI * sum_i(g_i * f_i) / (p + F) (Koyamparambath et al. 2024): HHI of "
             "world production (USGS), f_i imports from partner i and F total imports (trade table, "
             "net weight of the catalogue's HS lines), p domestic production (USGS), g_i = clip((2.5 "
             "- PV_i)/5, 0, 1) from the WGI political-stability estimate; the importer's own g = 0",
             "imports are gross product weight while production is in the commodity's basis "
             "(contained metal, REO, ...): the ratio mixes bases and is indicative"]
    if skipped:
        notes.append("not assessed: " + "; ".join(skipped))
    return CriticalityResult("geopolrisk", imp, year, None, _rank(mats), notes=notes)


# ============================================================================ orchestrator
def criticality(
    commodity: str | None = None,
    *,
    method: str = "eu",
    importer: str | None = None,
    year: int | None = None,
    assessment: int | None = None,
    parameters: str | Path | pd.DataFrame | None = None,
    wgi_years: tuple[int, ...] | None = None,
    warehouse,
) -> CriticalityResult:
    """Assess criticality with one method and rank the materials.

    Parameters
    ----------
    commodity : str, optional
        Keep only this commodity (catalogue id, name or code) or EU material name; default all.
    method : {"eu", "usgs", "geopolrisk"}
        The method.
    importer : str, optional
        Whose exposure: ``EU`` (default for ``eu``), ``USA`` (default for ``usgs`` and
        ``geopolrisk``), ``JPN``, or any ISO3.
    year : int, optional
        Production (or trade) year [calendar year]; default the latest per material.
    assessment : {2017, 2023}, optional
        Run the EU method on the EU's own published inputs of that assessment (``method="eu"``,
        importer EU).
    parameters : str, Path or DataFrame, optional
        A parameters file (default the package's ``criticality_parameters.csv``).
    wgi_years : tuple of int, optional
        WGI data years of the 2023 chain (default :data:`WGI_YEARS_2023`).
    warehouse : Warehouse
        Where the data live.

    Returns
    -------
    CriticalityResult

    Raises
    ------
    DataError
        For an unknown method or assessment, an importer the method cannot serve, or missing data.
    """
    if method not in METHODS:
        raise DataError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")
    if assessment is not None and (method != "eu" or int(assessment) not in ASSESSMENTS):
        raise DataError(f"--assessment takes {ASSESSMENTS} with method eu, got {assessment!r} "
                        f"with method {method!r}")
    params = parameters if isinstance(parameters, pd.DataFrame) or parameters is None \
        else load_parameters(parameters)
    if params is None and (assessment is None and method in ("eu", "usgs")):
        params = load_parameters()
    only = _resolve_filter(commodity)
    if method == "eu":
        imp = (importer or "EU").upper()
        if assessment is not None:
            if imp != "EU":
                raise DataError("the EU's own assessments are for importer EU")
            eu = warehouse.table("eu_crm", assessment=int(assessment))
            if int(assessment) == 2017:
                res = assess_eu_2017(eu)
            else:
                gov = warehouse.table("governance", latest=True)
                res = assess_eu_2023(eu, gov, wgi_years=tuple(wgi_years or WGI_YEARS_2023))
        else:
            res = assess_eu_current(warehouse, importer=imp, year=year, parameters=params,
                                    commodities=[only] if only else None)
    elif method == "usgs":
        imp = (importer or "USA").upper()
        if imp != "USA":
            raise DataError("the USGS-style score uses U.S. net import reliance: importer USA only")
        res = assess_usgs(warehouse, year=year, parameters=params,
                          commodities=[only] if only else None)
    else:
        res = assess_geopolrisk(warehouse, importer=importer or "USA", year=year,
                                commodities=[only] if only else None)
    if commodity is not None:
        key = commodity.casefold()
        res.materials = [m for m in res.materials
                         if (m.commodity and m.commodity == only) or m.material.casefold() == key]
        if not res.materials:
            raise DataError(f"{commodity!r}: not assessed by method {method}"
                            + (f" (assessment {assessment})" if assessment else ""))
    return res


def _resolve_filter(commodity: str | None) -> str | None:
    if commodity is None:
        return None
    from critmin.commodities import get

    try:
        return get(commodity).id
    except (CritminError, KeyError):
        return None
