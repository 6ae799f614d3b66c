"""The EU's published inputs (the ``eu_crm`` table): row accessors, the 2023 list and EU-sourcing
stand-ins, and the 2023 EI of one material. Shared by :mod:`critmin.criticality.eu_published` (the
assessments) and :mod:`critmin.criticality.parameters` (the default parameters file built from them).
"""

from __future__ import annotations

import pandas as pd

from critmin.criticality._common import _isnan
from critmin.criticality.eu import eu_economic_importance

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


def _rows_all(eu: pd.DataFrame, parameter: str) -> pd.DataFrame:
    return eu[eu["parameter"] == parameter]


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
