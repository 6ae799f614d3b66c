"""The EU (JRC) method: supply risk, economic importance and the critical call (docs/methods.md §2), and
:func:`assess_eu_current`, the method on the warehouse's latest data.

Blengini et al. 2017, JRC EUR 28654 EN, doi:10.2760/73303; EC 2017 Guidelines; used for the 2017,
2020 and 2023 lists and Regulation (EU) 2024/1252 Annex II:

* ``HHI_WGI,t = sum_c S_c^2 * WGI_c * t_c`` on a 0–10 scale (:func:`hhi_wgi_t`), ``WGI_c`` the mean of
  the six WGI estimates rescaled to 0–10 with the fixed bounds ±2.5 (10 = worst;
  :func:`critmin.governance.wgi_scaled`), ``t_c`` the trade parameter (0.8 EU trade agreement,
  1 neutral, above 1 for export restrictions);
* ``SR = [HHI_WGI,t(GS) * IR/2 + HHI_WGI,t(EUs) * (1 - IR/2)] * (1 - EoL_RIR) * SI_SR``
  (:func:`eu_supply_risk`), with the terms the EU uses when it has only one kind of supply data
  (``GSonly``: ``HHI_WGI,t(GS) * (1 - EoL_RIR) * SI_SR``; ``EUonly`` likewise with EU sourcing);
  computed per stage, the higher stage reported (:func:`eu_supply_risk_stages`); results rounded to one
  decimal, half up, as the EU publishes them (:func:`eu_round`);
* ``EI = 10 * sum_s(A_s * Q_s) / max_s'(Q_s') * SI_EI`` (:func:`eu_economic_importance`), A_s the
  end-use share in NACE 2-digit sector s [1], Q_s its value added [MEUR], max over the sectors;
* critical when ``SR >= 1.0 and EI >= 2.8`` on the rounded values (:func:`eu_is_critical`).

The formulas are pure functions. The EU's own 2017 and 2023 assessments are run by
:mod:`critmin.criticality.eu_published`; :func:`assess_eu_current` feeds the formulas from the
warehouse (USGS world production shares, WGI) and the parameters file
(:mod:`critmin.criticality.parameters`).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from critmin.criticality._common import (
    _governance,
    _isnan,
    _nan,
    _rank,
    _top,
    _us_nir,
    _world_shares,
)
from critmin.criticality.results import CriticalityResult, MaterialAssessment
from critmin.errors import CritminError

__all__ = [
    "SR_THRESHOLD",
    "EI_THRESHOLD",
    "SUPPLY_DATA",
    "eu_round",
    "hhi_wgi_t",
    "HhiWgiT",
    "eu_supply_risk",
    "eu_supply_risk_stages",
    "sector_value_added",
    "eu_economic_importance",
    "eu_is_critical",
    "eu_economic_importance_range",
    "eu_is_critical_range",
    "assess_eu_current",
]


SR_THRESHOLD = 1.0
"""EU supply-risk threshold [1] (SR >= 1.0)."""
EI_THRESHOLD = 2.8
"""EU economic-importance threshold [1] (EI >= 2.8)."""
SUPPLY_DATA = ("GS+EU", "GSonly", "EUonly")
"""Which supply data enter the EU SR at a stage."""


def eu_round(x: float, digits: int = 1) -> float:
    """Round half up to ``digits`` decimals, as the EU publishes SR and EI (2.25 -> 2.3).

    A tiny epsilon absorbs binary representation error (``0.15 * 3`` is 0.44999...).

    Parameters
    ----------
    x : float
        The value [1].
    digits : int
        Decimals (1 for SR and EI).

    Returns
    -------
    float
        The rounded value; NaN stays NaN.
    """
    if _nan(x):
        return float("nan")
    f = 10.0 ** digits
    return math.floor(float(x) * f + 0.5 + 1e-9) / f


@dataclass
class HhiWgiT:
    """A governance-weighted concentration and what went into it.

    Attributes
    ----------
    value : float
        ``sum_c S_c^2 * WGI_c * t_c`` over the countries with a WGI value [1, 0–10 when t <= 1].
    contributions : DataFrame
        Per country: share [1], wgi_scaled [1, 0–10], t [1], contribution [1].
    lacking : list of str
        Countries with a positive share but no WGI value (left out of ``value``).
    lacking_share : float
        Their combined share [1].
    share_sum : float
        Sum of the shares passed [1] (a check: about 1 for a complete table).
    """

    value: float
    contributions: pd.DataFrame
    lacking: list[str] = field(default_factory=list)
    lacking_share: float = 0.0
    share_sum: float = float("nan")


def hhi_wgi_t(
    shares: Mapping[str, float] | pd.Series,
    wgi_scaled: Mapping[str, float] | pd.Series,
    t: Mapping[str, float] | pd.Series | None = None,
) -> HhiWgiT:
    """Governance- and trade-weighted concentration ``HHI_WGI,t = sum_c S_c^2 * WGI_c * t_c``.

    Parameters
    ----------
    shares : mapping of ISO3 to float
        Supply shares S_c [1] (fractions, not renormalised: a table that does not sum to 1 is
        used as it is, as the EU does; see ``share_sum``).
    wgi_scaled : mapping of ISO3 to float
        WGI scaled to 0–10, 10 = worst governance [1].
    t : mapping of ISO3 to float, optional
        Trade parameter t_c [1]; 1 for a country not in it (and for all when omitted).

    Returns
    -------
    HhiWgiT
        The value [1] and its per-country contributions; countries with a positive share and no WGI
        value are listed in ``lacking`` and left out (reported, never scored with a default).

    Raises
    ------
    ValueError
        For a negative share, a share above 1, a WGI outside 0–10 or a negative t.
    """
    s = pd.Series(shares, dtype=float).dropna()
    if (s < 0).any() or (s > 1 + 1e-9).any():
        raise ValueError("shares must be fractions in [0, 1]")
    w = pd.Series(wgi_scaled, dtype=float)
    if ((w < 0) | (w > 10)).any():
        raise ValueError("wgi_scaled must be in [0, 10]")
    tt = pd.Series(t, dtype=float) if t is not None else pd.Series(dtype=float)
    if (tt < 0).any():
        raise ValueError("trade parameters must be non-negative")
    rows = []
    lacking = []
    for c, sc in s.items():
        wc = w.get(c, np.nan)
        tc = tt.get(c, np.nan)
        tc = 1.0 if _nan(tc) else float(tc)
        if _nan(wc):
            if sc > 0:
                lacking.append(str(c))
            rows.append((c, sc, np.nan, tc, np.nan))
            continue
        rows.append((c, sc, float(wc), tc, sc * sc * float(wc) * tc))
    df = pd.DataFrame(rows, columns=["country", "share", "wgi_scaled", "t", "contribution"])
    df = df.sort_values("share", ascending=False, kind="stable").reset_index(drop=True)
    value = float(df["contribution"].sum()) if len(df) else float("nan")
    return HhiWgiT(value=value, contributions=df, lacking=lacking,
                   lacking_share=float(s[lacking].sum()) if lacking else 0.0,
                   share_sum=float(s.sum()))


def eu_supply_risk(
    hhi_gs: float,
    hhi_eu: float,
    ir: float,
    eol_rir: float,
    si_sr: float,
    supply_data: str = "GS+EU",
    *,
    rounded: bool = False,
) -> float:
    """EU supply risk at one stage.

    ``SR = [HHI_WGI,t(GS) * IR/2 + HHI_WGI,t(EUs) * (1 - IR/2)] * (1 - EoL_RIR) * SI_SR``; with only
    global supply data (``GSonly``) ``SR = HHI_WGI,t(GS) * (1 - EoL_RIR) * SI_SR``, with only EU
    sourcing data (``EUonly``) ``SR = HHI_WGI,t(EUs) * (1 - EoL_RIR) * SI_SR``.

    Parameters
    ----------
    hhi_gs : float
        HHI_WGI,t of global supply [1, 0–10].
    hhi_eu : float
        HHI_WGI,t of EU sourcing (EU production plus imports) [1, 0–10].
    ir : float
        Import reliance [1, fraction in 0–1].
    eol_rir : float
        End-of-life recycling input rate [1, fraction in 0–1].
    si_sr : float
        Substitution index for supply risk [1, 0–1].
    supply_data : {"GS+EU", "GSonly", "EUonly"}
        Which supply data enter.
    rounded : bool
        Round to one decimal as the EU publishes (:func:`eu_round`).

    Returns
    -------
    float
        SR [1]; NaN when an input it needs is missing (the caller lists which).

    Raises
    ------
    ValueError
        For an unknown ``supply_data`` or an input out of range.
    """
    if supply_data not in SUPPLY_DATA:
        raise ValueError(f"supply_data must be one of {SUPPLY_DATA}, got {supply_data!r}")
    for name, v, hi in (("ir", ir, 1.0), ("eol_rir", eol_rir, 1.0), ("si_sr", si_sr, 1.0)):
        if not _nan(v) and not 0.0 <= float(v) <= hi + 1e-12:
            raise ValueError(f"{name} must be in [0, {hi}], got {v}")
    for name, v in (("hhi_gs", hhi_gs), ("hhi_eu", hhi_eu)):
        if not _nan(v) and float(v) < 0:
            raise ValueError(f"{name} must be non-negative, got {v}")
    if supply_data == "GSonly":
        conc = hhi_gs
    elif supply_data == "EUonly":
        conc = hhi_eu
    else:
        if _nan(ir) or _nan(hhi_gs) or _nan(hhi_eu):
            return float("nan")
        conc = float(hhi_gs) * float(ir) / 2.0 + float(hhi_eu) * (1.0 - float(ir) / 2.0)
    if _nan(conc) or _nan(eol_rir) or _nan(si_sr):
        return float("nan")
    sr = float(conc) * (1.0 - float(eol_rir)) * float(si_sr)
    return eu_round(sr) if rounded else sr


def eu_supply_risk_stages(stages: pd.DataFrame, eol_rir: float, si_sr: float) -> pd.DataFrame:
    """EU supply risk per stage and the reported (higher) stage.

    Parameters
    ----------
    stages : DataFrame
        One row per stage: ``stage`` (E, P), ``hhi_gs`` and ``hhi_eu`` [1, 0–10], ``ir`` [1],
        ``supply_data`` (``GS+EU``, ``GSonly``, ``EUonly``; a row with another value gets NaN).
    eol_rir : float
        End-of-life recycling input rate [1].
    si_sr : float
        Substitution index for supply risk [1].

    Returns
    -------
    DataFrame
        The input with ``sr_exact`` [1], ``sr`` (rounded, [1]) and ``reported`` (True on the stage
        with the highest SR; ties go to the first stage given).
    """
    out = stages.copy()
    out["sr_exact"] = [
        eu_supply_risk(r.hhi_gs, r.hhi_eu, r.ir, eol_rir, si_sr, r.supply_data)
        if r.supply_data in SUPPLY_DATA else float("nan")
        for r in out.itertuples(index=False)
    ]
    out["sr"] = out["sr_exact"].map(eu_round)
    out["reported"] = False
    if out["sr_exact"].notna().any():
        out.loc[out["sr_exact"].idxmax(), "reported"] = True
    return out


def sector_value_added(rows: pd.DataFrame) -> tuple[pd.Series, list[str]]:
    """One value added per NACE sector from end-use rows that repeat it, with the disagreements.

    Parameters
    ----------
    rows : DataFrame
        Columns ``sector`` (NACE code) and ``value_added`` [MEUR] (one row per material and
        application, as in the 2023 study's Appendix 6).

    Returns
    -------
    values : Series
        Value added per sector [MEUR]: the value most rows give (ties: the larger).
    disagreements : list of str
        One message per sector where some rows give another value.
    """
    d = rows.dropna(subset=["value_added"])
    d = d[d["sector"].fillna("") != ""]
    out, msgs = {}, []
    for sec, grp in d.groupby("sector", sort=True):
        counts = grp["value_added"].value_counts()
        top = counts[counts == counts.max()].index.max()
        out[sec] = float(top)
        if len(counts) > 1:
            others = ", ".join(f"{v:,.0f} ({n} rows)" for v, n in counts.items() if v != top)
            msgs.append(f"NACE {sec}: value added {top:,.0f} M EUR in {int(counts[top])} rows; "
                        f"other rows give {others}; {top:,.0f} used")
    return pd.Series(out, name="value_added", dtype=float), msgs


def eu_economic_importance(
    end_use_share: Mapping[str, float] | pd.Series,
    value_added: Mapping[str, float] | pd.Series,
    si_ei: float,
    max_value_added: float | None = None,
    *,
    rounded: bool = False,
) -> float:
    """EU economic importance ``EI = 10 * sum_s(A_s * Q_s) / max_s'(Q_s') * SI_EI``.

    Parameters
    ----------
    end_use_share : mapping of NACE sector to float
        A_s: share of the material's end uses in each sector [1] (several applications in one sector
        are summed by the caller or passed as a Series with a repeated index). Uses without a sector
        are not passed (they carry no value added).
    value_added : mapping of NACE sector to float
        Q_s: value added of each sector [MEUR].
    si_ei : float
        Substitution index for economic importance [1, 0–1].
    max_value_added : float, optional
        The scaling denominator: value added of the largest sector [MEUR]; default the largest in
        ``value_added``.
    rounded : bool
        Round to one decimal as the EU publishes.

    Returns
    -------
    float
        EI [1, 0–10]; NaN when SI_EI or a used sector's value added is missing, or no share is given.

    Raises
    ------
    ValueError
        For negative shares, shares summing above 1 by more than 5 %, or SI_EI outside [0, 1].
    """
    a = pd.Series(end_use_share, dtype=float).dropna()
    q = pd.Series(value_added, dtype=float)
    if (a < 0).any():
        raise ValueError("end-use shares must be non-negative")
    if a.sum() > 1.05:
        raise ValueError(f"end-use shares sum to {a.sum():.2f} (> 1)")
    if not _nan(si_ei) and not 0.0 <= float(si_ei) <= 1.0:
        raise ValueError(f"si_ei must be in [0, 1], got {si_ei}")
    if a.empty or _nan(si_ei):
        return float("nan")
    qmax = float(q.max()) if max_value_added is None else float(max_value_added)
    if _nan(qmax) or qmax <= 0:
        return float("nan")
    qs = a.index.map(lambda s: q.get(s, np.nan)).to_numpy(dtype=float)
    if np.isnan(qs[a.to_numpy() > 0]).any():
        return float("nan")
    ei = 10.0 * float(np.nansum(a.to_numpy() * qs)) / qmax * float(si_ei)
    return eu_round(ei) if rounded else ei


def eu_is_critical(sr: float, ei: float, *, sr_threshold: float = SR_THRESHOLD,
                   ei_threshold: float = EI_THRESHOLD) -> bool | None:
    """The EU call: critical when ``SR >= 1.0 and EI >= 2.8`` on values rounded to one decimal.

    Parameters
    ----------
    sr, ei : float
        Supply risk and economic importance [1] (rounded here with :func:`eu_round`).
    sr_threshold, ei_threshold : float
        Thresholds [1].

    Returns
    -------
    bool or None
        None when either value is missing and the other does not already decide "not critical".
    """
    srr, eir = eu_round(sr), eu_round(ei)
    if (not _nan(srr) and srr < sr_threshold) or (not _nan(eir) and eir < ei_threshold):
        return False
    if _nan(srr) or _nan(eir):
        return None
    return True


def eu_economic_importance_range(
    end_use_share: Mapping[str, float] | pd.Series,
    unplaced_share: float,
    value_added: Mapping[str, float] | pd.Series,
    si_ei: float,
    max_value_added: float | None = None,
) -> tuple[float, float]:
    """EI bounds when part of the end uses has no NACE sector (an ``Other`` row).

    The EU study gives an ``Other`` end use no value added (its published EI of beryllium, 14 %
    ``Other``, is 5.4: the EI of the placed 86 %; so for cobalt, platinum, indium and yttrium), so the
    EI of the placed shares is the EU's value and the lower bound; the upper bound puts the unplaced
    share in the sector with the largest value added: ``EI_hi = EI_lo + 10 * u * SI_EI``.

    Parameters
    ----------
    end_use_share : mapping of NACE sector to float
        The placed shares A_s [1].
    unplaced_share : float
        u: the share without a sector [1].
    value_added : mapping of NACE sector to float
        Q_s [MEUR].
    si_ei : float
        SI_EI [1].
    max_value_added : float, optional
        The largest sector value added [MEUR] (default the largest in ``value_added``).

    Returns
    -------
    tuple of float
        (lower, upper) [1]; both NaN when the EI cannot be computed (no SI_EI, no value added); the
        lower bound is 0 when no share is placed.
    """
    u = 0.0 if _nan(unplaced_share) else float(unplaced_share)
    if u < 0:
        raise ValueError(f"unplaced share must be non-negative, got {unplaced_share}")
    a = pd.Series(end_use_share, dtype=float).dropna()
    if _nan(si_ei):
        return float("nan"), float("nan")
    if a.empty or float(a.sum()) == 0.0:
        lo = 0.0
    else:
        lo = eu_economic_importance(a, value_added, si_ei, max_value_added)
    if _nan(lo):
        return float("nan"), float("nan")
    return float(lo), float(lo) + 10.0 * u * float(si_ei)


def eu_is_critical_range(sr_lo: float, sr_hi: float, ei_lo: float, ei_hi: float, *,
                         sr_threshold: float = SR_THRESHOLD,
                         ei_threshold: float = EI_THRESHOLD) -> bool | None:
    """The EU call when SR and EI are only known to lie in ranges: made only if it holds over them.

    Critical when the rounded lower bounds pass both thresholds; not critical when a rounded upper
    bound is below its threshold; otherwise None (the call depends on what is not known). A NaN
    lower bound is "not known" (0), a NaN upper bound "unbounded"; with ``lo == hi`` this is
    :func:`eu_is_critical`.

    Parameters
    ----------
    sr_lo, sr_hi, ei_lo, ei_hi : float
        Bounds of SR and EI [1].
    sr_threshold, ei_threshold : float
        Thresholds [1].

    Returns
    -------
    bool or None
    """
    def r(x: float) -> float:
        return eu_round(x)

    if (not _nan(sr_hi) and r(sr_hi) < sr_threshold) or (not _nan(ei_hi) and r(ei_hi) < ei_threshold):
        return False
    if (not _nan(sr_lo) and r(sr_lo) >= sr_threshold) and (not _nan(ei_lo) and r(ei_lo) >= ei_threshold):
        return True
    return None


# ============================================================================ on the warehouse
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
    # the parameters module builds on the formulas above, so it is imported here, not at the top
    from critmin.criticality.parameters import _par, _ParamIndex, _ptext, _pval, load_parameters
    from critmin.supply import supply

    params = parameters if parameters is not None else load_parameters()
    pidx = _ParamIndex.of(params)  # lookups by commodity and parameter, no attrs carried along
    imp = importer.upper()
    pf = pidx.frame
    cids = sorted(set(pf.loc[pf["parameter"] == "stage_map", "commodity"]))
    if commodities:
        cids = [c for c in cids if c in set(commodities)]
    mats = []
    notes = [f"parameters: {pidx.attrs.get('path', 'given')}",
             "global supply: USGS world production shares (of the published world total) at the "
             "mapped stage; 'Other countries' has no WGI and is left out (its share is shown)"]
    if imp != "EU":
        notes.append(f"importer {imp}: the EU's trade parameters are kept where they exceed 1 "
                     "(export restrictions) and set to 1 where they are 0.8 (EU trade agreements)")
    wgi_years = set()
    gov = _governance(warehouse)
    us_nir = _us_nir(warehouse) if imp == "USA" else None
    for cid in cids:
        mat = _par(pidx, cid, "stage_map")["material"].iloc[0]
        missing: list[str] = []
        mnotes: list[str] = []
        eol = _pval(pidx, cid, "eol_rir")
        si_sr = _pval(pidx, cid, "si_sr")
        for n, v in (("eol_rir", eol), ("si_sr", si_sr)):
            if _isnan(v):
                missing.append(n)
        factors: dict = {"eu_material": mat, "eol_rir": eol, "si_sr": si_sr}
        nir, nir_src = (us_nir.get(cid) if us_nir is not None else (np.nan, ""))
        best: tuple[float, str] | None = None
        for r in _par(pidx, cid, "stage_map").itertuples(index=False):
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
            tpar = _par(pidx, cid, "t", stage=st).set_index("country")["value"]
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
                sd = _ptext(pidx, cid, "supply_data", stage=st)
                ir = _pval(pidx, cid, "ir", stage=st)
                es_all = _par(pidx, cid, "eu_sourcing_share", stage=st)
                es = es_all[es_all["value"].notna()].set_index("country")["value"]
                unusable = [n for n in es_all.loc[es_all["value"].isna(), "note"]
                            if str(n).startswith("not used")]
                et = _par(pidx, cid, "eu_t", stage=st).set_index("country")["value"]
                if len(es):
                    he = hhi_wgi_t(es, wgi, et)
                if not sd:
                    missing.append(f"supply_data at {st}")
                elif sd in ("GS+EU", "EUonly") and he is None and unusable:
                    missing.append(f"EU sourcing shares at {st}: {unusable[0]}")
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
        unknown = [st for st in _par(pidx, cid, "stage_map")["stage"]
                   if _isnan(factors.get(st, {}).get("sr_exact", np.nan))]
        factors["sr_unknown_stages"] = unknown
        factors["sr_is_lower_bound"] = bool(best and unknown)
        if best and unknown:
            mnotes.append(f"SR of {', '.join(unknown)} not known: the SR shown ({stage}) is a lower "
                          "bound")
        ei, emiss = _ei_from_params(pidx, cid, factors)
        missing += emiss
        sr, eir = eu_round(sr_exact), eu_round(ei)
        ei_lo = factors.get("ei_placed_only", ei)
        ei_hi = factors.get("ei_upper", ei)
        listed = _ptext(pidx, cid, "eu_list_2023")
        mats.append(MaterialAssessment(
            material=cid, commodity=cid, supply_risk=sr, economic_importance=eir,
            critical=eu_is_critical_range(sr_exact, np.nan if unknown else sr_exact, ei_lo, ei_hi),
            stage=stage,
            factors={**factors, "sr_exact": sr_exact, "ei_exact": ei}, missing=missing,
            notes=[n for n in (_par(pidx, cid, "stage_map")["note"].iloc[0],) if n] + mnotes,
            published={"eu_list_2023": listed or None, "eu_material": mat}))
    if wgi_years:
        notes.append(f"WGI: latest data year not after each production year "
                     f"({', '.join(str(y) for y in sorted(wgi_years))}), mean of the six indicators "
                     "scaled 0-10 on the fixed bounds +/-2.5")
    return CriticalityResult("eu", imp, year, None, _rank(mats), notes=notes)


def _ei_from_params(params, cid: str, factors: dict) -> tuple[float, list[str]]:
    from critmin.criticality.parameters import _par, _pval

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
    unalloc = float(eus.loc[eus["sector"] == "", "value"].sum())
    lo, hi = eu_economic_importance_range(a, unalloc, va, si_ei, None if _isnan(qmax) else qmax)
    determined = not _isnan(lo) and (unalloc == 0.0 or (eu_round(lo) >= EI_THRESHOLD)
                                     == (eu_round(hi) >= EI_THRESHOLD))
    if not _isnan(lo) and not determined:
        miss.append(f"ei: {unalloc:.0%} of end uses have no NACE sector: EI between {lo:.1f} and "
                    f"{hi:.1f}, on both sides of {EI_THRESHOLD}: not known")
    factors.update({"si_ei": si_ei, "end_use": {s: float(v) for s, v in a.items()},
                    "unallocated_share": unalloc, "max_sector_va_meur": qmax,
                    "ei_placed_only": lo, "ei_upper": hi, "ei_determined": bool(determined)})
    return (lo if determined else float("nan")), miss
