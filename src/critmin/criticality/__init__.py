"""How critical is it? The criticality jobs: EU (JRC) supply risk and economic importance, a USGS-style
supply risk, and GeoPolRisk, each as a ranked table with every factor shown and missing inputs listed.

Methods and formulas: docs/methods.md §2. One module per method, each with its pure formulas and the job
that gathers their inputs (from the warehouse, the EU's own published inputs in the ``eu_crm`` table,
and a parameters file) and ranks the results:

* :mod:`critmin.criticality.eu` — the EU formulas and :func:`assess_eu_current` on the warehouse;
* :mod:`critmin.criticality.eu_published` — :func:`assess_eu_2017` and :func:`assess_eu_2023` on the
  EU's published inputs (DataFrames in, no warehouse);
* :mod:`critmin.criticality.usgs` — the USGS-style formulas and :func:`assess_usgs`;
* :mod:`critmin.criticality.geopolrisk` — GeoPolRisk and :func:`assess_geopolrisk`;
* :mod:`critmin.criticality.parameters` — the parameters file and :data:`COMMODITY_MATERIALS`;
* :mod:`critmin.criticality.results` — :class:`MaterialAssessment` and :class:`CriticalityResult`.

:func:`criticality` picks the run through :data:`METHODS`. Every public name of these modules is
re-exported here (``from critmin.criticality import eu_supply_risk``).

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
    :func:`critmin.dependence.importer_dependence`), world production HHI and WGI political stability,
    every factor from the same year (or the nearest, named and flagged), with the midpoint and the
    characterisation factor against copper (same-year and the OECD 2017–2021 constant);
    ``missing_g`` scores partners without WGI at a stated default.

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

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from critmin.countries import region_code
from critmin.criticality.eu import (
    EI_THRESHOLD,
    SR_THRESHOLD,
    SUPPLY_DATA,
    HhiWgiT,
    assess_eu_current,
    eu_economic_importance,
    eu_economic_importance_range,
    eu_is_critical,
    eu_is_critical_range,
    eu_round,
    eu_supply_risk,
    eu_supply_risk_stages,
    hhi_wgi_t,
    sector_value_added,
)
from critmin.criticality.eu_published import (
    ASSESSMENTS,
    EU_LIST_2023,
    EU_SOURCING_STAND_INS,
    WGI_YEARS_2023,
    assess_eu_2017,
    assess_eu_2023,
)
from critmin.criticality.geopolrisk import (
    CF_REFERENCES,
    CU_MIDPOINT_OECD_2017_2021,
    MAX_YEAR_GAP,
    GeoPolRiskResult,
    assess_geopolrisk,
    geopolrisk,
    geopolrisk_cf,
    geopolrisk_midpoint,
)
from critmin.criticality.parameters import (
    COMMODITY_MATERIALS,
    PARAMETER_COLUMNS,
    build_parameters,
    default_parameters_path,
    load_parameters,
    write_parameters,
)
from critmin.criticality.results import CriticalityResult, MaterialAssessment
from critmin.criticality.usgs import (
    USGS_THRESHOLD,
    assess_usgs,
    usgs_disruption_potential,
    usgs_supply_risk,
    usgs_trade_exposure,
)
from critmin.errors import CritminError, DataError
from critmin.warehouse import with_default_warehouse

__all__ = [
    # the job and its runs
    "METHODS",
    "ASSESSMENTS",
    "WGI_YEARS_2023",
    "COMMODITY_MATERIALS",
    "EU_LIST_2023",
    "EU_SOURCING_STAND_INS",
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
    # the formulas
    "SR_THRESHOLD",
    "EI_THRESHOLD",
    "USGS_THRESHOLD",
    "SUPPLY_DATA",
    "eu_round",
    "hhi_wgi_t",
    "HhiWgiT",
    "eu_supply_risk",
    "eu_supply_risk_stages",
    "sector_value_added",
    "eu_economic_importance",
    "eu_economic_importance_range",
    "eu_is_critical",
    "eu_is_critical_range",
    "usgs_disruption_potential",
    "usgs_trade_exposure",
    "usgs_supply_risk",
    "geopolrisk",
    "GeoPolRiskResult",
    "geopolrisk_midpoint",
    "geopolrisk_cf",
    "CU_MIDPOINT_OECD_2017_2021",
    "CF_REFERENCES",
    "MAX_YEAR_GAP",
]


# ============================================================================ one runner per method
# Each runner takes the warehouse and the keywords of criticality() (the parameters already loaded,
# the commodity filter as a list of ids) and returns the ranked result.
def _run_eu(warehouse, *, importer: str | None, year: int | None, assessment: int | None,
            parameters: pd.DataFrame | None, wgi_years: tuple[int, ...] | None,
            commodities: list[str] | None, missing_g: float | None = None) -> CriticalityResult:
    """The EU method: an EU assessment on its own inputs, or the method on the warehouse."""
    imp = region_code(importer or "EU")  # a country (code or name) or EU; anything else is refused
    if assessment is not None:
        if imp != "EU":
            raise DataError("the EU's own assessments are for importer EU")
        eu = warehouse.table("eu_crm", assessment=int(assessment))
        if int(assessment) == 2017:
            return assess_eu_2017(eu)
        gov = warehouse.table("governance", latest=True)
        return assess_eu_2023(eu, gov, wgi_years=tuple(wgi_years or WGI_YEARS_2023))
    return assess_eu_current(warehouse, importer=imp, year=year, parameters=parameters,
                             commodities=commodities)


def _run_usgs(warehouse, *, importer: str | None, year: int | None, assessment: int | None,
              parameters: pd.DataFrame | None, wgi_years: tuple[int, ...] | None,
              commodities: list[str] | None, missing_g: float | None = None) -> CriticalityResult:
    """The USGS-style score (importer USA only)."""
    imp = region_code(importer or "USA")
    if imp != "USA":
        raise DataError("the USGS-style score uses U.S. net import reliance: importer USA only")
    return assess_usgs(warehouse, year=year, parameters=parameters, commodities=commodities)


def _run_geopolrisk(warehouse, *, importer: str | None, year: int | None, assessment: int | None,
                    parameters: pd.DataFrame | None, wgi_years: tuple[int, ...] | None,
                    commodities: list[str] | None, missing_g: float | None = None
                    ) -> CriticalityResult:
    """GeoPolRisk of the importer (default USA)."""
    return assess_geopolrisk(warehouse, importer=importer or "USA", year=year,
                             commodities=commodities, missing_g=missing_g)


METHODS: dict[str, Callable[..., CriticalityResult]] = {
    "eu": _run_eu,
    "usgs": _run_usgs,
    "geopolrisk": _run_geopolrisk,
}
"""Method name -> runner ``(warehouse, *, importer, year, assessment, parameters, wgi_years,
commodities, missing_g=None) -> CriticalityResult``; :func:`criticality` dispatches through it, as
:func:`critmin.monitor.get_detector` does through ``DETECTORS``."""


# ============================================================================ orchestrator
@with_default_warehouse
def criticality(
    commodity: str | None = None,
    *,
    method: str = "eu",
    importer: str | None = None,
    year: int | None = None,
    assessment: int | None = None,
    parameters: str | Path | pd.DataFrame | None = None,
    wgi_years: tuple[int, ...] | None = None,
    missing_g: float | None = None,
    warehouse=None,
) -> CriticalityResult:
    """Assess criticality with one method and rank the materials.

    Parameters
    ----------
    commodity : str, optional
        Keep only this commodity (catalogue id, name or code) or EU material name; default all.
    method : {"eu", "usgs", "geopolrisk"}
        The method (a key of :data:`METHODS`).
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
    missing_g : float, optional
        GeoPolRisk only: score partners without a WGI value at this g [1, 0–1] (an assumption,
        shown with the score without it); default: leave them unscored.
    warehouse : Warehouse, optional
        Where the data live. Default: the user's warehouse, opened read-only
        (:func:`critmin.warehouse.default_warehouse`).

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
    if assessment is not None and method == "eu" and int(assessment) not in ASSESSMENTS:
        raise DataError(_assessment_unavailable(int(assessment)))
    if missing_g is not None and method != "geopolrisk":
        raise DataError(f"--missing-g applies to method geopolrisk, not {method!r}")
    if assessment is not None and method != "eu":
        raise DataError(f"--assessment takes {ASSESSMENTS} with method eu, got {assessment!r} "
                        f"with method {method!r}")
    params = parameters if isinstance(parameters, pd.DataFrame) or parameters is None \
        else load_parameters(parameters)
    if params is None and (assessment is None and method in ("eu", "usgs")):
        params = load_parameters()
    only = _resolve_filter(commodity)
    res = METHODS[method](warehouse, importer=importer, year=year, assessment=assessment,
                          parameters=params, wgi_years=wgi_years,
                          commodities=[only] if only else None, missing_g=missing_g)
    if commodity is not None:
        key = commodity.casefold()
        res.materials = [m for m in res.materials
                         if (m.commodity and m.commodity == only) or m.material.casefold() == key]
        if not res.materials:
            why = [p for n in res.notes if n.startswith("not assessed: ")
                   for p in n[len("not assessed: "):].split("; ")
                   if only and p.startswith(f"{only}:")]
            raise DataError(f"{commodity!r}: not assessed by method {method}"
                            + (f" (assessment {assessment})" if assessment else "")
                            + (f": {why[0].split(':', 1)[1].strip()}" if why else ""))
    return res


_OTHER_ASSESSMENTS = {
    2020: "the 2020 study (Blengini et al. 2020, doi:10.2873/11619) and its factsheets are not in the "
          "dataset: eu_crm holds the 2017 study's Table 3 and Table 18 and the 2023 study's inputs and "
          "Appendices 6-7 only, and no stored source gives the 2020 per-material inputs (supply "
          "shares, IR, EoL-RIR, SI, end uses) to rerun it",
}


def _assessment_unavailable(year: int) -> str:
    """The message for an EU assessment whose inputs are not in the dataset."""
    why = _OTHER_ASSESSMENTS.get(year, f"the dataset holds no inputs of an EU assessment {year}")
    return (f"EU assessment {year} cannot be rerun: {why}. Available: "
            + ", ".join(str(a) for a in ASSESSMENTS)
            + " (--assessment 2017: SR from the published inputs; --assessment 2023: the whole chain)")


def _resolve_filter(commodity: str | None) -> str | None:
    if commodity is None:
        return None
    from critmin.commodities import get

    try:
        return get(commodity).id
    except (CritminError, KeyError):
        return None


from critmin._callable import make_callable  # noqa: E402

make_callable(__name__, "criticality")  # critmin.criticality(...) runs the job
