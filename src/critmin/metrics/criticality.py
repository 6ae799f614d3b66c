"""Criticality: EU (JRC) supply risk and economic importance, USGS-style supply risk, GeoPolRisk.

Pure functions (METHODS.md §2); the jobs that feed them from the warehouse and from the EU's own
published inputs are in :mod:`critmin.criticality`.

EU (Blengini et al. 2017, JRC EUR 28654 EN, doi:10.2760/73303; EC 2017 Guidelines; used for the 2017,
2020 and 2023 lists and Regulation (EU) 2024/1252 Annex II):

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

USGS-style (Nassar & Fortier 2021, USGS OFR 2021-1045; Nassar et al. 2020, Sci. Adv. 6:eaay8647):
``SR = DP * TE * EV``, each factor in [0, 1] (:func:`usgs_supply_risk`). critmin computes
``DP`` as the governance-weighted production concentration on the fixed WGI bounds, scaled to [0, 1]
(:func:`usgs_disruption_potential`: ``sum_c S_c^2 * WGI_c / 10``), ``TE`` as the net import reliance
clipped to [0, 1] (a net exporter has TE = 0; :func:`usgs_trade_exposure`), and takes ``EV``
(economic vulnerability) as an input: there is no economic-vulnerability data in the bundled dataset,
so EV is reported missing and SR is not computed unless the user supplies it. This follows the
structure of the USGS method, not its exact factor definitions, and does not reproduce USGS scores.

GeoPolRisk (Gemechu et al. 2015; Koyamparambath et al. 2024; geopolrisk-py 2.x):
``GeoPolRisk_A,c = HHI_A * sum_i(g_i * f_A,i,c) / (p_A,c + F_A,c)`` (:func:`geopolrisk`), g_i from the
WGI political-stability estimate (:func:`critmin.governance.geopolrisk_g`), the importer's own
g = 0, partners without a WGI value reported and left out of the sum (so the score is then a lower
bound), never scored silently.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = [
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
    "eu_is_critical",
    "usgs_disruption_potential",
    "usgs_trade_exposure",
    "usgs_supply_risk",
    "geopolrisk",
    "GeoPolRiskResult",
    "geopolrisk_cf",
]

SR_THRESHOLD = 1.0
"""EU supply-risk threshold [1] (SR >= 1.0)."""
EI_THRESHOLD = 2.8
"""EU economic-importance threshold [1] (EI >= 2.8)."""
USGS_THRESHOLD = 0.40
"""USGS 2022 list: critical when the recency-weighted mean supply risk is at least 0.40 [1]."""
SUPPLY_DATA = ("GS+EU", "GSonly", "EUonly")
"""Which supply data enter the EU SR at a stage."""


def _nan(x: object) -> bool:
    try:
        return x is None or math.isnan(float(x))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True


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


def usgs_disruption_potential(
    shares: Mapping[str, float] | pd.Series,
    wgi_scaled: Mapping[str, float] | pd.Series,
) -> HhiWgiT:
    """Disruption potential ``DP = sum_c S_c^2 * WGI_c / 10`` in [0, 1].

    The governance-weighted production concentration (HHI on fractions times the WGI mean rescaled
    with the fixed bounds ±2.5 to 0–1, 1 = worst), as critmin implements the DP factor of Nassar &
    Fortier (2021).

    Parameters
    ----------
    shares : mapping of ISO3 to float
        World production shares [1].
    wgi_scaled : mapping of ISO3 to float
        WGI scaled 0–10 [1].

    Returns
    -------
    HhiWgiT
        ``value`` is DP [1, 0–1]; countries without WGI are in ``lacking``.
    """
    res = hhi_wgi_t(shares, wgi_scaled)
    res.value = res.value / 10.0
    res.contributions["contribution"] = res.contributions["contribution"] / 10.0
    return res


def usgs_trade_exposure(nir: float) -> float:
    """Trade exposure TE from net import reliance: ``clip(NIR, 0, 1)`` [1]; a net exporter (NIR < 0 or
    reported ``E``, passed as 0) has TE = 0; NaN stays NaN."""
    if _nan(nir):
        return float("nan")
    return float(min(max(float(nir), 0.0), 1.0))


def usgs_supply_risk(dp: float, te: float, ev: float) -> float:
    """USGS-style supply risk ``SR = DP * TE * EV`` [1, 0–1] (Nassar & Fortier 2021).

    Parameters
    ----------
    dp : float
        Disruption potential [1, 0–1].
    te : float
        Trade exposure [1, 0–1].
    ev : float
        Economic vulnerability [1, 0–1]; no default: NaN when not supplied.

    Returns
    -------
    float
        SR [1]; NaN when any factor is missing.

    Raises
    ------
    ValueError
        When a factor is outside [0, 1].
    """
    for name, v in (("dp", dp), ("te", te), ("ev", ev)):
        if not _nan(v) and not -1e-12 <= float(v) <= 1.0 + 1e-12:
            raise ValueError(f"{name} must be in [0, 1], got {v}")
    if _nan(dp) or _nan(te) or _nan(ev):
        return float("nan")
    return float(dp) * float(te) * float(ev)


@dataclass
class GeoPolRiskResult:
    """A GeoPolRisk score and its parts.

    Attributes
    ----------
    score : float
        ``HHI * sum_i(g_i * f_i) / (p + F)`` [1, 0–1]; a lower bound when partners are unscored.
    hhi : float
        Production HHI of the commodity [1].
    weighted_imports : float
        ``sum_i g_i * f_i`` over the scored partners [t].
    denominator : float
        ``p + F`` [t].
    partners : DataFrame
        Per partner: imports [t], g [1], contribution [t] (``g * f``), scored (bool).
    unscored : list of str
        Partners with imports and no g (no WGI value): reported, not scored.
    unscored_imports : float
        Their imports [t].
    """

    score: float
    hhi: float
    weighted_imports: float
    denominator: float
    partners: pd.DataFrame
    unscored: list[str] = field(default_factory=list)
    unscored_imports: float = 0.0


def geopolrisk(
    hhi: float,
    imports: Mapping[str, float] | pd.Series,
    g: Mapping[str, float] | pd.Series,
    domestic_production: float,
    total_imports: float | None = None,
    *,
    importer: str | None = None,
) -> GeoPolRiskResult:
    """GeoPolRisk of an importer for one commodity (Koyamparambath et al. 2024, METHODS.md §2).

    ``GeoPolRisk_A,c = HHI_A * sum_i(g_i * f_A,i,c) / (p_A,c + F_A,c)``.

    Parameters
    ----------
    hhi : float
        HHI of world production of the commodity, on fractions [1].
    imports : mapping of ISO3 to float
        f_i: the importer's imports from each partner [t].
    g : mapping of ISO3 to float
        g_i = clip((2.5 - PV_i) / 5, 0, 1) [1] (:func:`critmin.governance.geopolrisk_g`).
    domestic_production : float
        p: the importer's own production [t] (0 when it produces none).
    total_imports : float, optional
        F: total imports [t]; default the sum of ``imports``. When larger than that sum, the rest
        comes from partners not listed and is not scored (the score is a lower bound).
    importer : str, optional
        ISO3 of the importer: its own g is 0 (re-imports are not foreign supply).

    Returns
    -------
    GeoPolRiskResult

    Raises
    ------
    ValueError
        For negative quantities, an HHI outside [0, 1], a g outside [0, 1], or a zero denominator.
    """
    f = pd.Series(imports, dtype=float).dropna()
    gg = pd.Series(g, dtype=float)
    if (f < 0).any():
        raise ValueError("imports must be non-negative")
    if _nan(hhi) or not 0.0 <= float(hhi) <= 1.0 + 1e-12:
        raise ValueError(f"hhi must be in [0, 1], got {hhi}")
    if ((gg < 0) | (gg > 1)).any():
        raise ValueError("g must be in [0, 1]")
    if _nan(domestic_production) or float(domestic_production) < 0:
        raise ValueError(f"domestic production must be a non-negative number, got "
                         f"{domestic_production}")
    big_f = float(f.sum()) if total_imports is None or _nan(total_imports) else float(total_imports)
    if big_f < float(f.sum()) * (1 - 1e-9):
        raise ValueError(f"total imports {big_f} are below the sum of partners {f.sum()}")
    denom = float(domestic_production) + big_f
    if denom <= 0:
        raise ValueError("domestic production plus imports is zero: no supply to weigh")
    rows, unscored = [], []
    for c, q in f.items():
        gi = 0.0 if importer is not None and c == importer else gg.get(c, np.nan)
        if _nan(gi):
            if q > 0:
                unscored.append(str(c))
            rows.append((c, q, np.nan, np.nan, False))
        else:
            rows.append((c, q, float(gi), float(gi) * q, True))
    parts = pd.DataFrame(rows, columns=["partner", "imports_t", "g", "contribution_t", "scored"])
    parts = parts.sort_values("imports_t", ascending=False, kind="stable").reset_index(drop=True)
    weighted = float(parts["contribution_t"].sum())
    return GeoPolRiskResult(
        score=float(hhi) * weighted / denom, hhi=float(hhi), weighted_imports=weighted,
        denominator=denom, partners=parts, unscored=unscored,
        unscored_imports=float(f[unscored].sum()) + max(big_f - float(f.sum()), 0.0))


def geopolrisk_cf(score: float, price: float, reference_price: float) -> float:
    """GeoPolRisk characterisation factor: ``score * price / reference_price`` [1].

    Parameters
    ----------
    score : float
        GeoPolRisk score [1].
    price : float
        Average import price of the commodity [USD/kg].
    reference_price : float
        Average import price of the reference commodity (copper) [USD/kg].
    """
    if _nan(score) or _nan(price) or _nan(reference_price) or reference_price <= 0:
        return float("nan")
    return float(score) * float(price) / float(reference_price)
