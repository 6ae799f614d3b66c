"""Criticality results: one material assessed (:class:`MaterialAssessment`) and the ranked table of
a run (:class:`CriticalityResult`), with their JSON shape (``critmin criticality --json``)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from critmin._json import jsonable
from critmin._json import num as _num
from critmin._result import Result

__all__ = ["MaterialAssessment", "CriticalityResult"]


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


@dataclass(repr=False)
class CriticalityResult(Result):
    """A ranked criticality table.

    The main table is ``table()`` (a method, kept); ``to_frame()`` adds method, importer, year and
    assessment as columns.

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

    _key_fields = ("method", "importer", "year", "assessment")
    _repr_fields = ("rank_by",)

    def units(self) -> dict[str, str]:
        """Units of ``table()``'s scores."""
        return {"supply_risk": {"eu": "EU SR score (0-10 scale, rounded to 0.1)", "usgs": "score (0-1)",
                                "geopolrisk": "GeoPolRisk score"}.get(self.method, ""),
                "economic_importance": "EU EI score (rounded to 0.1)" if self.method == "eu" else ""}

    def sources_used(self) -> list[dict[str, str]]:
        """The sources of the method (editions where the factors name them)."""
        src = {"eu": ("eu-crm", "usgs-mcs", "wgi"), "usgs": ("usgs-mcs", "wgi"),
               "geopolrisk": ("comtrade", "usitc", "usgs-mcs", "wgi")}.get(self.method, ())
        if self.assessment:
            src = ("eu-crm", "wgi") if self.assessment == 2023 else ("eu-crm",)
        eds = sorted({str(m.factors[k]) for m in self.materials for k in ("edition", "trade_edition")
                      if isinstance(m.factors.get(k), str)})
        return [{"source": s, "edition": ", ".join(e for e in eds if _source_of(e) == s)} for s in src]

    def headline(self) -> str:
        """One line: the method, importer and the top of the ranking."""
        what = {"eu": "EU criticality", "usgs": "USGS-style supply risk",
                "geopolrisk": "GeoPolRisk"}.get(self.method, self.method)
        top = ", ".join(m.material for m in self.materials[:3])
        run = f"EU assessment {self.assessment}" if self.assessment else f"importer {self.importer}"
        return f"{what}, {run}: {len(self.materials)} materials; highest: {top}"

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
    return jsonable(v)


def _source_of(edition: str) -> str:
    """The source id of an edition name (``MCS2025`` -> ``usgs-mcs``), as far as its prefix says."""
    for prefix, src in (("MCS", "usgs-mcs"), ("WGI", "wgi"), ("EUCRM", "eu-crm"), ("COMTRADE", "comtrade"),
                        ("USITC", "usitc"), ("MYB", "usgs-myb-world"), ("BGS", "bgs-wms"), ("WMD", "wmd")):
        if edition.upper().startswith(prefix):
            return src
    return ""
