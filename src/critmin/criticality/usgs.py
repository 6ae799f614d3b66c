"""USGS-style supply risk (Nassar & Fortier 2021, USGS OFR 2021-1045; Nassar et al. 2020, Sci. Adv.
6:eaay8647; docs/methods.md §2), and :func:`assess_usgs` for the United States on the warehouse.

``SR = DP * TE * EV``, each factor in [0, 1] (:func:`usgs_supply_risk`). critmin computes
``DP`` as the governance-weighted production concentration on the fixed WGI bounds, scaled to [0, 1]
(:func:`usgs_disruption_potential`: ``sum_c S_c^2 * WGI_c / 10``), ``TE`` as the net import reliance
clipped to [0, 1] (a net exporter has TE = 0; :func:`usgs_trade_exposure`), and takes ``EV``
(economic vulnerability) as an input: there is no economic-vulnerability data in the bundled dataset,
so EV is reported missing and SR is not computed unless the user supplies it. This follows the
structure of the USGS method, not its exact factor definitions, and does not reproduce USGS scores.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import pandas as pd

from critmin._memo import memo_shared
from critmin.criticality._common import (
    _governance,
    _isnan,
    _nan,
    _rank,
    _top,
    _us_nir,
    _world_shares,
)
from critmin.criticality.eu import HhiWgiT, hhi_wgi_t
from critmin.criticality.parameters import _ParamIndex, _pval, load_parameters
from critmin.criticality.results import CriticalityResult, MaterialAssessment
from critmin.errors import CritminError

__all__ = [
    "USGS_THRESHOLD",
    "usgs_disruption_potential",
    "usgs_trade_exposure",
    "usgs_supply_risk",
    "assess_usgs",
]


USGS_THRESHOLD = 0.40
"""USGS 2022 list: critical when the recency-weighted mean supply risk is at least 0.40 [1]."""


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


# ============================================================================ on the warehouse
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

    params = _ParamIndex.of(parameters if parameters is not None else load_parameters())
    # the commodities with production data, read once per warehouse
    cids = list(memo_shared(warehouse, ("usgs-commodities",),
                            lambda: tuple(sorted(set(coverage(warehouse)["commodity"])))))
    if commodities:
        cids = [c for c in cids if c in set(commodities)]
    cat = catalogue().set_index("id")
    mats = []
    skipped = []
    wgi_years = set()
    gov = _governance(warehouse)
    us_nir = _us_nir(warehouse)
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
