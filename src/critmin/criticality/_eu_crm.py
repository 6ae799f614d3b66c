"""The EU's published inputs (the ``eu_crm`` table): row accessors, the 2023 list and EU-sourcing
stand-ins, and the 2023 EI of one material. Shared by :mod:`critmin.criticality.eu_published` (the
assessments) and :mod:`critmin.criticality.parameters` (the default parameters file built from them).
"""

from __future__ import annotations

import pandas as pd

from critmin.criticality._common import _isnan
from critmin.criticality.eu import EI_THRESHOLD, eu_economic_importance_range, eu_round

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


EU_SOURCING_MIN_COVERAGE = 0.25
"""Least sum [1] of an Appendix 7 EU-sourcing table for it to stand for EU sourcing. The tables list
countries with at least 1 % (sums of 0.75–1.0 are usual; sapele wood's 0.40 reproduces the study);
chromium at extraction lists South Africa 7 % and Türkiye 2 % only (0.09) while its import reliance is
7 %: the EU's own production is missing, and the SR would rest on a tenth of the supply."""


def _shares_of(eu: pd.DataFrame, material: str, stage: str, scope: str) -> pd.Series:
    s = eu[(eu["material"] == material) & (eu["stage"] == stage) & (eu["scope"] == scope)
           & (eu["parameter"] == "share")]
    return s.set_index("country")["value"].astype(float)


def _eu_table_problem(gs: pd.Series, es: pd.Series) -> str:
    """Why an Appendix 7 EU-sourcing table cannot stand for EU sourcing ("" when it can).

    * it covers less than :data:`EU_SOURCING_MIN_COVERAGE` of supply;
    * it copies the global-supply table: every country it lists has its global share to the rounding
      of the table (0.5 percentage point) and it lists every country with 1 % or more of global supply.
      EU sourcing is EU production plus imports, so it cannot equal world production shares
      (germanium: the copy holds 7 % for EU members although import reliance is 42 %, and lists
      Belgium and Germany with t = 1 where every genuine EU table gives EU members 0.8).
    """
    es = es.dropna()
    if es.empty:
        return ""
    if es.sum() < EU_SOURCING_MIN_COVERAGE:
        return (f"the table lists {len(es)} countr{'y' if len(es) == 1 else 'ies'} holding "
                f"{es.sum():.0%} of EU sourcing ({', '.join(f'{c} {v:.0%}' for c, v in es.items())}): "
                "incomplete")
    gs = gs.dropna()
    if len(gs) >= 2 and set(es.index) <= set(gs.index) and set(gs[gs >= 0.01].index) <= set(es.index):
        diff = (es - gs.reindex(es.index)).abs()
        if float(diff.max()) <= 0.005 + 1e-9:
            top = es.sort_values(ascending=False).head(3)
            return ("the table copies the global-supply shares to their rounding ("
                    + ", ".join(f"{c} {v:.0%}" for c, v in top.items())
                    + " in both): a transcription copy, not EU sourcing")
    return ""


def _eu_ei_2023(eu: pd.DataFrame, material: str, si_ei: float, va: pd.Series,
                qmax: float) -> tuple[float, dict, list[str], list[str]]:
    """EI of one material from the Appendix 6 rows, as the EU study places them.

    Each application counts in the NACE sector its row names (two rows of one application in two
    sectors both count). A row without a sector (``Other``) adds no value added, as in the study
    (:func:`critmin.criticality.eu.eu_economic_importance_range`): its EI is then a lower bound and
    the upper bound puts the unplaced share in the largest sector. When the two bounds fall on both
    sides of the EI threshold, the EI is not known (NaN) and ``missing`` says why: the material is
    not called on its EI.

    Returns
    -------
    ei : float
        EI [1] (unrounded; NaN when not known).
    factors : dict
        ``end_use_share_sum``, ``unallocated_share``, ``unallocated_applications``, ``sum_a_q_meur``,
        ``max_sector_va_meur``, ``si_ei``, ``ei_exact``, ``ei_placed_only``, ``ei_upper``,
        ``ei_determined``, ``end_use`` (share per sector).
    missing : list of str
    notes : list of str
        Placement caveats (an application in two sectors, a value added of another sector).
    """
    d = _rows(eu, material, "end_use_share")
    missing: list[str] = []
    notes: list[str] = []
    if d.empty:
        return float("nan"), {}, ["end-use shares (not in the Appendix 6 transcription)"], []
    placed = d["sector"].fillna("") != ""
    alloc = d[placed]
    unalloc = float(d.loc[~placed, "value"].sum())
    apps_out = [f"{r.application} {r.value:.0%}" for r in d[~placed].itertuples(index=False)]
    a = alloc.groupby("sector")["value"].sum()
    if _isnan(si_ei):
        missing.append("si_ei")
    lo, hi = eu_economic_importance_range(a, unalloc, va, si_ei, qmax)
    determined = not _isnan(lo) and (unalloc == 0.0 or (eu_round(lo) >= EI_THRESHOLD)
                                     == (eu_round(hi) >= EI_THRESHOLD))
    ei = lo if determined else float("nan")
    if not _isnan(lo) and not determined:
        missing.append(f"{unalloc:.0%} of end uses have no NACE sector in Appendix 6 "
                       f"({'; '.join(apps_out)}): EI between {lo:.1f} (they add no value added) and "
                       f"{hi:.1f} (all in the largest sector), on both sides of {EI_THRESHOLD}: not "
                       "known")
    elif unalloc > 0 and determined:
        notes.append(f"{unalloc:.0%} of end uses have no NACE sector ({'; '.join(apps_out)}): as in "
                     f"the EU study they add no value added (EI {lo:.2f}); wherever they would go the "
                     f"EI stays {'at or above' if eu_round(lo) >= EI_THRESHOLD else 'below'} "
                     f"{EI_THRESHOLD} (at most {hi:.2f})")
    # placement caveats of the transcription
    for app, grp in alloc.groupby("application"):
        if grp["sector"].nunique() > 1:
            notes.append(f"Appendix 6 lists '{app}' in {grp['sector'].nunique()} sectors ("
                         + ", ".join(f"{r.sector} {r.value:.0%}" for r in grp.itertuples(index=False))
                         + f"): each row counts (shares sum to {d['value'].sum():.0%})")
    vrows = _rows(eu, material, "sector_va")
    vrows = vrows[vrows["sector"].fillna("") != ""]
    off = [f"{r.application} ({r.sector}: {r.value:,.0f})" for r in vrows.itertuples(index=False)
           if pd.notna(r.value) and r.sector in va.index and abs(float(r.value) - va[r.sector]) > 0.5]
    if off:
        notes.append(f"{len(off)} Appendix 6 row(s) give the value added of another sector than the one "
                     f"named: {'; '.join(off)}; the sector named (with its usual value added) is used")
    factors = {"end_use_share_sum": float(d["value"].sum()), "unallocated_share": unalloc,
               "unallocated_applications": apps_out,
               "sum_a_q_meur": float((a * a.index.map(va).astype(float)).sum()),
               "max_sector_va_meur": qmax, "si_ei": si_ei, "ei_exact": ei,
               "ei_placed_only": lo, "ei_upper": hi, "ei_determined": bool(determined),
               "end_use": {s: float(v) for s, v in a.items()}}
    return ei, factors, missing, notes
