"""The EU's own assessments reproduced from their published inputs (the ``eu_crm`` table): DataFrames
in, no warehouse.

:func:`assess_eu_2017`
    The SR arithmetic on the published 2017 inputs against the published SR (the EI is the published
    one).
:func:`assess_eu_2023`
    The whole chain on the 2023 inputs: supply shares by country and stage with the trade parameter,
    the WGI (:data:`WGI_YEARS_2023`), IR, EoL-RIR, SI_SR, and EI from the end-use shares and sector
    value added; groups (LREE, HREE, PGM) as the means of their members.

See :mod:`critmin.criticality` for the WGI years and the inputs used.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from critmin.criticality._common import _isnan, _rank, _top
from critmin.criticality._eu_crm import (
    _STRATEGIC_ONLY,
    EU_LIST_2023,
    EU_SOURCING_MIN_COVERAGE,
    EU_SOURCING_STAND_INS,
    _eu_ei_2023,
    _eu_sourcing_material,
    _eu_table_problem,
    _groups,
    _prep,
    _rows,
    _rows_all,
    _text,
    _value,
)
from critmin.criticality.eu import (
    SR_THRESHOLD,
    eu_is_critical,
    eu_is_critical_range,
    eu_round,
    eu_supply_risk,
    hhi_wgi_t,
    sector_value_added,
)
from critmin.criticality.parameters import COMMODITY_MATERIALS
from critmin.criticality.results import CriticalityResult, MaterialAssessment
from critmin.errors import DataError
from critmin.governance import wgi_mean, wgi_scaled

__all__ = [
    "ASSESSMENTS",
    "WGI_YEARS_2023",
    "EU_LIST_2023",
    "EU_SOURCING_STAND_INS",
    "assess_eu_2017",
    "assess_eu_2023",
]


ASSESSMENTS = (2017, 2023)
"""The EU assessments whose published inputs are rerun (``criticality(assessment=...)``)."""
WGI_YEARS_2023: tuple[int, ...] = (2020,)
"""WGI data year(s) of the 2023 chain (the 2021 WGI release's latest year; see :mod:`critmin.criticality`)."""

_EU_STUDY = {
    2017: "European Commission (Deloitte, BGS, BRGM, TNO), Study on the review of the list of Critical "
          "Raw Materials - Criticality Assessments, June 2017, doi:10.2873/876644",
    2023: "Grohol & Veeh, Study on the Critical Raw Materials for the EU 2023 - Final Report, "
          "doi:10.2873/725585",
}


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
        raise DataError(f"WGI years {', '.join(map(str, years))} not in the warehouse "
                        f"(it has {have[0]}–{have[-1]})")
    parts = [wgi_scaled(wgi_mean(governance, y, min_indicators=1)) for y in use]
    df = pd.concat(parts, axis=1)
    edition = ",".join(sorted(set(governance["edition"].dropna().astype(str)))) \
        if "edition" in governance else ""
    label = f"WGI {edition} data year{'s' if len(use) > 1 else ''} " + \
            (f"{use[0]}–{use[-1]}" if len(use) > 1 else str(use[0]))
    return df.mean(axis=1).rename("wgi_scaled"), label


def _shares(eu: pd.DataFrame, material: str, stage: str, scope: str) -> tuple[pd.Series, pd.Series]:
    s = eu[(eu["material"] == material) & (eu["stage"] == stage) & (eu["scope"] == scope)]
    sh = s[s["parameter"] == "share"].set_index("country")["value"].astype(float)
    t = s[s["parameter"] == "t"].set_index("country")["value"].astype(float)
    return sh, t


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
        mats.append(_group_2023(eu, g, members, by_name))
    notes = [f"inputs: {_EU_STUDY[2023]}: Appendix 7 (supply shares and t), Appendix 6 (end uses "
             "and value added), per-material IR, EoL-RIR, SI (CritMAT transcription)",
             f"WGI: {wgi_label} (the 2023 study used the 2021 WGI release, latest data year 2020; "
             "the warehouse holds the revised 2024 release), mean of the six indicators scaled to "
             "0-10 on the fixed bounds +/-2.5",
             f"EI scaled by the largest sector value added in Appendix 6: NACE {qmax_sector}, "
             f"{qmax:,.0f} M EUR; uses without a NACE sector ('Other') carry no value added, as in "
             "the study (its published EI of beryllium, cobalt, platinum, indium and yttrium is that "
             "of their placed uses); where that leaves the EI on both sides of 2.8 it is not known "
             "and the material is not called",
             "calls are made only when they hold over what is not known (an unplaced end-use share, "
             "a stage whose SR cannot be computed, group members without EI); otherwise critical is "
             f"null and missing says why. An EU-sourcing table that copies the global one or covers "
             f"less than {EU_SOURCING_MIN_COVERAGE:.0%} of supply is not used",
             *va_msgs]
    tcheck = _trade_parameter_check(eu)
    if tcheck:
        notes.append(tcheck)
    errs = [m for m in mats if m.published.get("eu_list_2023") in ("yes", "no")]
    agree = sum(1 for m in errs if m.critical is not None
                and m.critical == (m.published["eu_list_2023"] == "yes"))
    decided = sum(1 for m in errs if m.critical is not None)
    differ = [{"material": m.material, "critical": m.critical,
               "eu_list_2023": m.published["eu_list_2023"], "reason": _why_call_differs(m)}
              for m in sorted(errs, key=lambda x: x.material)
              if m.critical is None or m.critical != (m.published["eu_list_2023"] == "yes")]
    summary = {"wgi": wgi_label, "materials": len(mats),
               "with_sr": sum(1 for m in mats if not _isnan(m.supply_risk)),
               "with_ei": sum(1 for m in mats if not _isnan(m.economic_importance)),
               "calls_compared_with_2023_list": decided, "calls_agreeing": agree,
               "not_called": sorted(m.material for m in mats if m.critical is None),
               "calls_differing_from_2023_list": differ}
    return CriticalityResult("eu", "EU", 2023, 2023, _rank(mats), notes=notes, summary=summary)


def _group_2023(eu: pd.DataFrame, g: str, members: list[str],
                by_name: dict[str, MaterialAssessment]) -> MaterialAssessment:
    """A group (LREE, HREE, PGM): SR and EI are the means of its members' (the EU's convention),
    over the members that have them; the call is made only when it holds for any value of the
    members' unknown SR and EI (their bounds)."""
    ms = [by_name[x] for x in members if x in by_name]
    srs = [x.factors.get("sr_exact") for x in ms if not _isnan(x.factors.get("sr_exact"))]
    eis = [x.factors.get("ei_exact") for x in ms if not _isnan(x.factors.get("ei_exact"))]
    sr = eu_round(float(np.mean(srs))) if srs else float("nan")
    ei = eu_round(float(np.mean(eis))) if eis else float("nan")
    missing = []
    if len(srs) < len(members):
        missing.append("sr of " + ", ".join(sorted(x.material for x in ms
                                                   if _isnan(x.factors.get("sr_exact")))))
    no_ei = sorted((x for x in ms if _isnan(x.factors.get("ei_exact"))), key=lambda x: x.material)
    if no_ei:
        missing.append("ei of " + ", ".join(
            f"{x.material} (" + (f"{x.factors['unallocated_share']:.0%} of end uses without a NACE "
                                 "sector" if not _isnan(x.factors.get("unallocated_share"))
                                 else "no end uses in Appendix 6") + ")" for x in no_ei))

    def bound(x: MaterialAssessment, key: str, i: int, default: float) -> float:
        v = x.factors.get("bounds", {}).get(key, [np.nan, np.nan])[i]
        return default if _isnan(v) else float(v)

    n = len(members)
    sr_lo = sum(bound(x, "sr", 0, 0.0) for x in ms) / n
    sr_hi = (sum(bound(x, "sr", 1, np.nan) for x in ms) / n
             if len(ms) == n and all(not _isnan(bound(x, "sr", 1, np.nan)) for x in ms) else np.nan)
    ei_lo = sum(bound(x, "ei", 0, 0.0) for x in ms) / n

    def ei_top(x: MaterialAssessment) -> float:
        si = x.factors.get("si_ei")
        if _isnan(si):
            si = _value(eu, x.material, "si_ei")
        return bound(x, "ei", 1, 10.0 * (1.0 if _isnan(si) else float(si)))

    ei_hi = sum(ei_top(x) for x in ms) / n if len(ms) == n else np.nan
    critical = eu_is_critical_range(sr_lo, sr_hi, ei_lo, ei_hi)
    notes = ["group SR and EI = arithmetic means over the members that have them (the EU's group "
             "convention)"]
    if missing:
        notes.append(f"over all {n} members, with each unknown SR or EI anywhere in its possible "
                     f"range, the group SR is {sr_lo:.1f}"
                     + (f"–{sr_hi:.1f}" if not _isnan(sr_hi) else " or more")
                     + f" and the group EI {ei_lo:.1f}–{ei_hi:.1f}: "
                     + ("the call holds" if critical is not None else "the call depends on them"))
    lower = [x.material for x in ms if x.factors.get("sr_is_lower_bound")]
    if lower:
        notes.append(f"the SR of {', '.join(lower)} is a lower bound (a stage not known): so is the "
                     "group SR")
    return MaterialAssessment(
        material=g, commodity=_commodity_of(g), supply_risk=sr, economic_importance=ei,
        critical=critical, stage=_text(eu, g, "stage_reported") or None,
        factors={"members": sorted(members), "sr_exact": float(np.mean(srs)) if srs else None,
                 "ei_exact": float(np.mean(eis)) if eis else None,
                 "members_with_sr": len(srs), "members_with_ei": len(eis),
                 "sr_is_lower_bound": bool(len(srs) < n or any(x.factors.get("sr_is_lower_bound")
                                                               for x in ms)),
                 "bounds": {"sr": [sr_lo, sr_hi], "ei": [ei_lo, ei_hi]}},
        missing=missing, notes=notes, published=_published_2023(g))


def _why_call_differs(m: MaterialAssessment) -> str:
    """One line: why the call of ``m`` is not the 2023 list's (from its factors and notes)."""
    listed = m.published.get("eu_list_2023") == "yes"
    if m.critical is None:
        return "not called: " + "; ".join(m.missing)
    note = m.published.get("eu_list_2023_note")
    if note and listed and m.critical is False:
        return note
    parts = [f"SR {m.supply_risk:.1f}, EI {m.economic_importance:.1f} from the study's transcribed "
             f"inputs ({'both thresholds met' if m.critical else 'below a threshold'})"]
    parts += [n for n in m.notes if n.startswith(("SR ", "the higher SR"))]
    return "; ".join(parts)


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
    unknown: list[str] = []
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
        problem = _eu_table_problem(gs, es) if sd in ("GS+EU", "EUonly") else ""
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
            if problem:
                f["eu_sourcing_problem"] = problem
                f["sr_with_eu_table_as_given"] = sr
                missing.append(f"EU sourcing shares at {st}: {problem}")
                notes.append(f"{st}: SR not computed: the EU-sourcing table of {eu_mat} at {st} "
                             f"cannot stand for EU sourcing ({problem}); with it as given SR would "
                             f"be {eu_round(sr):.1f}")
                sr = float("nan")
            elif sd == "GSonly" and eu_mat == mat and hg is not None and he is not None \
                    and not _isnan(ir) and not _isnan(sr):
                alt = eu_supply_risk(hg.value, he.value, ir, eol, si_sr, "GS+EU")
                f["sr_gs_eu_alternative"] = alt
                if abs(eu_round(alt) - eu_round(sr)) >= 0.1 - 1e-9:
                    notes.append(f"{st}: the inputs give global supply only (GSonly; {_top(hg)}) "
                                 f"and SR {eu_round(sr):.1f} follows them; Appendix 7 also lists EU "
                                 f"sourcing of {mat} at {st} ({_top(he)}...): with GS+EU and IR "
                                 f"{ir:.0%} SR would be {eu_round(alt):.1f}, the SR side of the call "
                                 + ("the same" if (eu_round(alt) >= SR_THRESHOLD)
                                    == (eu_round(sr) >= SR_THRESHOLD) else "different"))
        f["sr_exact"] = sr
        f["sr"] = eu_round(sr)
        factors[st] = f
        if _isnan(sr):
            unknown.append(st)
        elif best is None or sr > best[0]:
            best = (sr, st)
    sr_exact, stage = best if best else (float("nan"), None)
    factors["sr_unknown_stages"] = unknown
    factors["sr_is_lower_bound"] = bool(best and unknown)
    if best and unknown:
        notes.append(f"SR of {', '.join(unknown)} not known: the SR shown ({stage}, "
                     f"{eu_round(sr_exact):.1f}) is a lower bound of the reported (higher-stage) SR"
                     + (f"; the EU reports {reported}" if reported in unknown else ""))
    known = {st: factors[st]["sr_exact"] for st in assessed if not _isnan(factors[st]["sr_exact"])}
    if stage and reported and stage != reported and reported not in unknown:
        at_eu = known.get(reported)
        same = (at_eu is not None and (eu_round(at_eu) >= SR_THRESHOLD)
                == (eu_round(sr_exact) >= SR_THRESHOLD))
        notes.append(f"the higher SR here is at {stage}; the EU reports {reported} ("
                     + ", ".join(f"{k} {eu_round(v):.1f}" for k, v in known.items())
                     + ("): the SR side of the call is the same at either stage" if same else
                        "): at the EU's stage the SR side of the call would differ"))
    if not _isnan(sr_exact) and abs(sr_exact - SR_THRESHOLD) < 0.1:
        at = factors[stage]
        how = ""
        if at.get("supply_data") == "GS+EU":
            w = at["ir"] / 2.0
            gs_only = eu_supply_risk(at["hhi_wgi_t_gs"], np.nan, np.nan, eol, si_sr, "GSonly")
            how = (f": HHI_WGI,t global {at['hhi_wgi_t_gs']:.2f} (weight IR/2 = {w:.2f}, "
                   f"{at['gs_top']}) and EU sourcing {at['hhi_wgi_t_eu']:.2f} (weight "
                   f"{1 - w:.2f}, {at['eu_top']}); on global supply alone SR would be {gs_only:.2f}")
        notes.append(f"SR {sr_exact:.3f} is within 0.1 of the threshold {SR_THRESHOLD}: the call "
                     f"rests on the rounding of the inputs and the WGI release{how}")
    ei, ef, emiss, enotes = _eu_ei_2023(eu, mat, si_ei, va, qmax)
    missing += ["ei: " + x for x in emiss]
    notes += enotes
    factors.update(ef)
    factors["sr_exact"] = sr_exact
    sr, eir = eu_round(sr_exact), eu_round(ei)
    notes += [str(n) for n in _rows(eu, mat, "supply_data")["notes"].dropna() if str(n)]
    sr_hi = float("nan") if unknown else sr_exact
    ei_lo, ei_hi = ef.get("ei_placed_only", float("nan")), ef.get("ei_upper", float("nan"))
    if _isnan(ei_lo):
        ei_lo = ei_hi = float("nan")
    critical = eu_is_critical_range(sr_exact, sr_hi, ei_lo, ei_hi)
    factors["bounds"] = {"sr": [sr_exact, sr_hi], "ei": [ei_lo, ei_hi]}
    return MaterialAssessment(material=mat, commodity=_commodity_of(mat), supply_risk=sr,
                              economic_importance=eir, critical=critical,
                              stage=stage, factors=factors, missing=missing, notes=notes,
                              published=_published_2023(mat, _text(eu, mat, "group")))
