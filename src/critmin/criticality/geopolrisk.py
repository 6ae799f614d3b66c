"""GeoPolRisk (Gemechu et al. 2015; Koyamparambath et al. 2024; geopolrisk-py 2.x; docs/methods.md §2),
and :func:`assess_geopolrisk` of one importer on the warehouse.

``GeoPolRisk_A,c = HHI_A * sum_i(g_i * f_A,i,c) / (p_A,c + F_A,c)`` (:func:`geopolrisk`), g_i from the
WGI political-stability estimate (:func:`critmin.governance.geopolrisk_g`), the importer's own
g = 0, partners without a WGI value reported and left out of the sum (so the score is then a lower
bound), never scored silently; or, when asked (``missing_g``), scored at a stated default g shown as
an assumption with the score without it beside (geopolrisk-py 2.x uses 0.5).

Midpoint ``score * price`` [USD/kg], price the importer's average import unit value
(:func:`geopolrisk_midpoint`); characterisation factor ``CF = midpoint / midpoint_Cu`` [kg Cu-eq/kg]
(:func:`geopolrisk_cf`) with two references (:data:`CF_REFERENCES`): ``same-year``, copper's midpoint
for the same importer and year, and ``oecd-2017-2021``, the fixed constant of geopolrisk-py 2.x
(:data:`CU_MIDPOINT_OECD_2017_2021`).

Years (docs/methods.md §2): every factor of one score (HHI and domestic production, trade, WGI) is taken
from the target year (``year``, or each commodity's latest trade year) or the nearest year available,
named (``production_year``, ``trade_year``, ``wgi_year``) and flagged (``years_differ``); a factor
more than ``max_year_gap`` years away is not used (the commodity is not assessed, with the reason).

Note: the package re-exports the function :func:`geopolrisk`, which hides this module as the attribute
``critmin.criticality.geopolrisk``; import from the module with ``from critmin.criticality.geopolrisk
import ...``.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from critmin.criticality._common import _governance_table, _isnan, _nan, _rank
from critmin.criticality.results import CriticalityResult, MaterialAssessment
from critmin.errors import CritminError, DataError
from critmin.governance import geopolrisk_g

__all__ = [
    "GeoPolRiskResult",
    "CU_MIDPOINT_OECD_2017_2021",
    "CF_REFERENCES",
    "MAX_YEAR_GAP",
    "geopolrisk",
    "geopolrisk_midpoint",
    "geopolrisk_cf",
    "assess_geopolrisk",
]


CU_MIDPOINT_OECD_2017_2021 = 0.409412948
"""Copper's GeoPolRisk midpoint (score x price) averaged over OECD importers 2017–2021 [USD/kg]: the
fixed reference of geopolrisk-py 2.x (``CF_Cu`` in its ``core.py``), so its copper CF is not 1."""
CF_REFERENCES = ("same-year", "oecd-2017-2021")
"""Names of the CF references: copper's midpoint of the same importer and year (the published
method), and :data:`CU_MIDPOINT_OECD_2017_2021` (geopolrisk-py 2.x)."""
MAX_YEAR_GAP = 3
"""Default largest distance [years] between a factor's year and the target year: production, trade
or WGI further away is not used (the commodity is not assessed, with the reason)."""


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
        Per partner: imports [t], g [1], contribution [t] (``g * f``), scored (bool), g_assumed
        (bool: scored at ``missing_g``).
    unscored : list of str
        Partners with imports and no g (no WGI value): reported, not scored.
    unscored_imports : float
        Their imports [t].
    assumed : list of str
        Partners without WGI scored at the stated default ``missing_g`` (an assumption).
    assumed_imports : float
        Their imports [t].
    missing_g : float or None
        The default g used for them [1], None when none was asked.
    """

    score: float
    hhi: float
    weighted_imports: float
    denominator: float
    partners: pd.DataFrame
    unscored: list[str] = field(default_factory=list)
    unscored_imports: float = 0.0
    assumed: list[str] = field(default_factory=list)
    assumed_imports: float = 0.0
    missing_g: float | None = None


def geopolrisk(
    hhi: float,
    imports: Mapping[str, float] | pd.Series,
    g: Mapping[str, float] | pd.Series,
    domestic_production: float,
    total_imports: float | None = None,
    *,
    importer: str | None = None,
    missing_g: float | None = None,
) -> GeoPolRiskResult:
    """GeoPolRisk of an importer for one commodity (Koyamparambath et al. 2024, docs/methods.md §2).

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
    missing_g : float, optional
        Score a listed partner without g at this default [1, 0–1] (an assumption, reported in
        ``assumed``); default: leave it unscored (reported in ``unscored``).

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
    if missing_g is not None and (_nan(missing_g) or not 0.0 <= float(missing_g) <= 1.0):
        raise ValueError(f"missing_g must be in [0, 1], got {missing_g}")
    if _nan(domestic_production) or float(domestic_production) < 0:
        raise ValueError(f"domestic production must be a non-negative number, got "
                         f"{domestic_production}")
    big_f = float(f.sum()) if total_imports is None or _nan(total_imports) else float(total_imports)
    if big_f < float(f.sum()) * (1 - 1e-9):
        raise ValueError(f"total imports {big_f} are below the sum of partners {f.sum()}")
    denom = float(domestic_production) + big_f
    if denom <= 0:
        raise ValueError("domestic production plus imports is zero: no supply to weigh")
    rows, unscored, assumed = [], [], []
    for c, q in f.items():
        gi = 0.0 if importer is not None and c == importer else gg.get(c, np.nan)
        if _nan(gi) and missing_g is not None:
            if q > 0:
                assumed.append(str(c))
            rows.append((c, q, float(missing_g), float(missing_g) * q, True, True))
        elif _nan(gi):
            if q > 0:
                unscored.append(str(c))
            rows.append((c, q, np.nan, np.nan, False, False))
        else:
            rows.append((c, q, float(gi), float(gi) * q, True, False))
    parts = pd.DataFrame(rows, columns=["partner", "imports_t", "g", "contribution_t", "scored",
                                        "g_assumed"])
    parts = parts.sort_values("imports_t", ascending=False, kind="stable").reset_index(drop=True)
    weighted = float(parts["contribution_t"].sum())
    return GeoPolRiskResult(
        score=float(hhi) * weighted / denom, hhi=float(hhi), weighted_imports=weighted,
        denominator=denom, partners=parts, unscored=unscored,
        unscored_imports=float(f[unscored].sum()) + max(big_f - float(f.sum()), 0.0),
        assumed=assumed, assumed_imports=float(f[assumed].sum()),
        missing_g=None if missing_g is None else float(missing_g))


def geopolrisk_midpoint(score: float, price: float) -> float:
    """GeoPolRisk midpoint ``score * price`` [USD/kg] (the GSP potential before normalising).

    Parameters
    ----------
    score : float
        GeoPolRisk score [1].
    price : float
        The importer's average import unit value of the commodity that year [USD/kg] (sum of values
        / sum of quantities over its partners).
    """
    if _nan(score) or _nan(price) or price < 0:
        return float("nan")
    return float(score) * float(price)


def geopolrisk_cf(score: float, price: float,
                  reference_midpoint: float = CU_MIDPOINT_OECD_2017_2021) -> float:
    """GeoPolRisk characterisation factor ``CF = score * price / midpoint_Cu`` [kg Cu-eq/kg].

    The denominator is copper's *midpoint* (copper's score x copper's price), never a price: either
    copper's midpoint for the same importer and year (``same-year``, the published method) or the
    fixed OECD 2017–2021 average :data:`CU_MIDPOINT_OECD_2017_2021` (``oecd-2017-2021``,
    geopolrisk-py 2.x; the default).

    Parameters
    ----------
    score : float
        GeoPolRisk score of the commodity [1].
    price : float
        Its average import price [USD/kg].
    reference_midpoint : float
        Copper's midpoint [USD/kg].

    Returns
    -------
    float
        CF [1, kg Cu-eq/kg]; NaN when an input is missing or the reference is not positive.
    """
    mid = geopolrisk_midpoint(score, price)
    if _nan(mid) or _nan(reference_midpoint) or reference_midpoint <= 0:
        return float("nan")
    return mid / float(reference_midpoint)


# ============================================================================ on the warehouse
def _nearest(years: list[int], target: int) -> list[int]:
    """``years`` ordered by distance to ``target`` (ties: the earlier year first)."""
    return sorted(set(years), key=lambda y: (abs(y - target), y))


class _Factors:
    """The factors of one importer's scores, each from the year nearest the target, read once."""

    def __init__(self, warehouse, importer: str, max_year_gap: int | None,
                 members: tuple[str, ...] | None = None) -> None:
        self.wh = warehouse
        self.imp = importer
        self.own_codes = set(members) if members else {importer}  # a bloc's production is its members'
        self.gap = max_year_gap
        self.gov = _governance_table(warehouse)
        self.gyears = sorted(int(y) for y in self.gov["year"].dropna().unique())
        self._g: dict[int, pd.Series] = {}

    def _too_far(self, y: int, target: int) -> bool:
        return self.gap is not None and abs(y - target) > self.gap

    def trade(self, cid: str, year: int | None):
        """(importer_dependence result, target year); the trade year is the target when asked."""
        from critmin.dependence import importer_dependence

        if year is None:
            dep = importer_dependence(cid, self.imp, warehouse=self.wh)
            return dep, dep.year
        try:
            return importer_dependence(cid, self.imp, year=year, warehouse=self.wh), year
        except (CritminError, KeyError, ValueError) as first:
            try:
                latest = importer_dependence(cid, self.imp, warehouse=self.wh)
            except (CritminError, KeyError, ValueError):
                raise first from None
            yrs = latest.years.loc[latest.years["partner_sum"] > 0, "year"].astype(int).tolist()
            for y in _nearest(yrs, year):
                if self._too_far(y, year):
                    break
                try:
                    return importer_dependence(cid, self.imp, year=y, warehouse=self.wh), year
                except (CritminError, KeyError, ValueError):
                    continue
            near = _nearest(yrs, year)[:1]
            raise DataError(f"no trade data of {self.imp} in {year}"
                            + (f": the nearest year with data is {near[0]}, {abs(near[0] - year)} "
                               f"years away (max_year_gap {self.gap})" if near else "")) from None

    def production(self, cid: str, target: int):
        """World production (HHI, the importer's own production) of the year nearest ``target``."""
        from critmin.supply import supply

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            latest = supply(cid, warehouse=self.wh)
        if latest.year == target:
            return latest
        yrs = self.wh.query(
            "SELECT DISTINCT year FROM production WHERE commodity = ? AND stage = ? AND "
            "country_kind != 'aggregate' AND value IS NOT NULL", [latest.commodity, latest.stage])
        for y in _nearest([int(v) for v in yrs["year"]], target):
            if self._too_far(y, target):
                break
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    return supply(cid, stage=latest.stage, year=y, warehouse=self.wh)
            except (CritminError, KeyError):
                continue
        near = _nearest([int(v) for v in yrs["year"]], target)[:1]
        raise DataError(f"no {latest.stage} production near {target}"
                        + (f": the nearest year with data is {near[0]}, {abs(near[0] - target)} "
                           f"years away (max_year_gap {self.gap})" if near else ""))

    def g(self, target: int) -> tuple[pd.Series, int]:
        """g of every country from the WGI political-stability estimate of the year nearest."""
        near = _nearest(self.gyears, target)
        if not near or self._too_far(near[0], target):
            raise DataError(f"no WGI near {target} (the warehouse has "
                            f"{self.gyears[0]}–{self.gyears[-1]}; max_year_gap {self.gap})"
                            if self.gyears else "no WGI data (governance table) in the warehouse")
        wy = near[0]
        if wy not in self._g:
            pv = self.gov[(self.gov["year"] == wy) & (self.gov["indicator"] == "pv")]
            self._g[wy] = geopolrisk_g(pv.set_index("country")["estimate"].astype(float))
        return self._g[wy], wy


def _score_one(fx: _Factors, cid: str, year: int | None, missing_g: float | None) -> dict:
    """Every factor and the score of one commodity (raises DataError when it cannot be scored)."""
    imp = fx.imp
    dep, target = fx.trade(cid, year)
    sup = fx.production(cid, target)
    if sup.unit != "t":
        raise DataError(f"production not in tonnes ({sup.unit})")
    g, wy = fx.g(target)
    missing: list[str] = []
    notes = list(dep.caveats)
    own = sup.table.loc[sup.table["country"].isin(fx.own_codes), "quantity"]
    p = float(own.sum()) if len(own) and own.notna().all() else 0.0
    if len(own) and own.isna().any():
        missing.append(f"p: {imp} production withheld ({sup.edition}); taken as not known")
        p = float("nan")
    tab = dep.table[dep.table["quantity_kg"].notna()]
    f_t = tab.set_index("partner")["quantity_kg"].astype(float) / 1000.0
    if missing_g is not None and len(dep.excluded):
        # imports the source books to areas without a WGI value ("Other Asia, nes": Comtrade's
        # code for Taiwan; "Areas, nes"; free zones) are partners without g too: scored at the default
        agg = dep.excluded[(dep.excluded["kind"] == "aggregate")
                           & (dep.excluded["quantity_kg"].fillna(0) > 0)]
        f_t = pd.concat([f_t, agg.set_index("partner")["quantity_kg"].astype(float) / 1000.0])
    has_wt = dep.world_total == dep.world_total and dep.world_total > 0
    big_f = dep.world_total / 1000.0 if has_wt else float(f_t.sum())
    if not has_wt:
        notes.append("no World total: F = sum of the partners listed")
    priced = tab[(tab["quantity_kg"] > 0) & tab["value_usd"].notna()]
    price = (float(priced["value_usd"].sum()) / float(priced["quantity_kg"].sum())
             if len(priced) else float("nan"))
    if _nan(price):
        missing.append("price: no import values beside the quantities")
    years = {"production_year": sup.year, "trade_year": dep.year, "wgi_year": wy}
    differ = {k: v for k, v in years.items() if v != target}
    factors = {"hhi": sup.hhi, **years, "target_year": target, "years_differ": bool(differ),
               "year_gap": max(abs(v - target) for v in years.values()),
               "hs_codes": "+".join(dep.hs_codes), "trade_source": f"{dep.source} {dep.edition}",
               "production_edition": sup.edition, "imports_t": float(f_t.sum()),
               "total_imports_t": big_f, "domestic_production_t": p,
               "price_usd_per_kg": price}
    if differ:
        notes.append("factors from another year than " + str(target) + ": "
                     + ", ".join(f"{k.replace('_year', '')} {v}" for k, v in differ.items())
                     + " (the nearest available)")
    res = base = None
    if not _isnan(p):
        res = geopolrisk(sup.hhi, f_t, g, p, big_f, importer=imp, missing_g=missing_g)
        base = res if missing_g is None else geopolrisk(sup.hhi, f_t, g, p, big_f, importer=imp)
    if res is not None:
        factors.update({
            "weighted_imports_t": res.weighted_imports, "denominator_t": res.denominator,
            "unscored_partners": res.unscored, "unscored_imports_t": res.unscored_imports,
            "top_partners": [
                f"{r.partner} {r.imports_t:,.0f} t g={r.g:.2f}" + (" (assumed)" if r.g_assumed
                                                                  else "")
                if r.scored else f"{r.partner} {r.imports_t:,.0f} t (no WGI)"
                for r in res.partners.head(5).itertuples(index=False)],
            "midpoint_usd_per_kg": geopolrisk_midpoint(res.score, price)})
        if missing_g is not None:
            factors.update({"missing_g": res.missing_g, "assumed_partners": res.assumed,
                            "assumed_imports_t": res.assumed_imports,
                            "score_without_missing_g": base.score,
                            "score_with_missing_g": res.score})
            if res.assumed:
                rel = (res.score / base.score - 1.0) if base.score > 0 else float("nan")
                notes.append(f"assumption: {', '.join(res.assumed)} ({res.assumed_imports:,.1f} t, "
                             f"{res.assumed_imports / big_f:.2%} of imports) have no WGI {wy} and are "
                             f"scored at g = {res.missing_g:g}: score {res.score:.6g} (without them "
                             f"{base.score:.6g}, {res.score - base.score:+.3g}, {rel:+.3%})")
        reimp = (float(dep.excluded.loc[dep.excluded["kind"] == "re-imports", "quantity_kg"].sum())
                 / 1000.0 if len(dep.excluded) else 0.0)
        rest = res.unscored_imports - reimp
        if reimp > 0:
            notes.append(f"{reimp:,.0f} t of imports are re-imports ({imp}, g = 0)")
        if rest > 1e-9 * max(big_f, 1.0):  # not the float residue of a summed World total
            notes.append(f"{rest:,.0f} t of imports ({rest / big_f:.1%}) come from partners without "
                         "WGI or not listed: not scored (the score is a lower bound)")
    return {"score": res.score if res else float("nan"), "stage": sup.stage, "factors": factors,
            "missing": missing, "notes": notes, "price": price}


def assess_geopolrisk(
    warehouse,
    *,
    importer: str = "USA",
    year: int | None = None,
    commodities: list[str] | None = None,
    missing_g: float | None = None,
    max_year_gap: int | None = MAX_YEAR_GAP,
) -> CriticalityResult:
    """GeoPolRisk of an importer for every commodity with its import data in the warehouse.

    Parameters
    ----------
    warehouse : Warehouse
        Where the data live (``trade``, ``production``, ``governance``).
    importer : str
        ISO3 (``USA``, ``CHN``, ``JPN``...) or a name: any importer whose bilateral imports are in
        the ``trade`` table.
    year : int, optional
        Target year [calendar year] of every factor (trade, production and HHI, WGI); default each
        commodity's latest trade year. A factor without data that year comes from the nearest year
        (named and flagged in the factors).
    commodities : list of str, optional
        Restrict to these commodity ids (default: those with HS lines in the catalogue).
    missing_g : float, optional
        Score partners without a WGI value at this g [1, 0–1] (geopolrisk-py 2.x uses 0.5): an
        assumption, shown with the score without it. Default: leave them unscored (reported).
    max_year_gap : int or None
        Largest distance [years] of a factor's year from the target (default :data:`MAX_YEAR_GAP`;
        None: any).

    Returns
    -------
    CriticalityResult
        Per commodity: score; HHI of world production; ``sum g_i f_i`` [t]; ``p + F`` [t]; the year
        of each factor (``production_year``, ``trade_year``, ``wgi_year``, ``target_year``,
        ``years_differ``, ``year_gap``); price [USD/kg], midpoint [USD/kg] and the CF with both
        references (``cf_same_year``, ``cf_oecd_2017_2021`` [kg Cu-eq/kg]); unscored (or assumed)
        partners; ranked by score. ``summary["cf_reference"]`` holds copper's midpoints used.

    Notes
    -----
    Imports are the HS lines of :func:`critmin.hs.default_lines` in net weight (gross product weight,
    not contained metal), production the importer's own USGS production at the headline stage [t].
    When the source has no World total (USITC: 18 partners), F is the sum of the partners listed.
    """
    from critmin import hs as _hs
    from critmin.dependence.job import _resolve_importer

    # a country (ISO3 or name) or a bloc (EU: its member reporters summed, extra-EU partners)
    imp, members = _resolve_importer(importer)
    if missing_g is not None and (_nan(missing_g) or not 0.0 <= float(missing_g) <= 1.0):
        raise DataError(f"missing_g must be a g in [0, 1], got {missing_g}")
    cat = _hs.catalogue()
    cids = sorted(set(cat["commodity"])) if "commodity" in cat else []
    if commodities:
        cids = [c for c in cids if c in set(commodities)]
    fx = _Factors(warehouse, imp, max_year_gap, members)
    cu_cache: dict[int, tuple[float, str, dict]] = {}

    def copper_midpoint(target: int) -> tuple[float, str, dict]:
        if target not in cu_cache:
            try:
                cu = _score_one(fx, "copper", target, missing_g)
                mid = geopolrisk_midpoint(cu["score"], cu["price"])
                f = cu["factors"]
                how = (f"copper midpoint of {imp} {target}: score {cu['score']:.4g} x price "
                       f"{cu['price']:.4g} USD/kg = {mid:.4g} USD/kg (trade {f['trade_year']}, "
                       f"production {f['production_year']}, WGI {f['wgi_year']}; HS "
                       f"{f['hs_codes']})")
                cu_cache[target] = (mid, how, {k: f[k] for k in ("trade_year", "production_year",
                                                                  "wgi_year", "years_differ")})
            except (CritminError, KeyError, ValueError) as exc:
                cu_cache[target] = (float("nan"), f"copper midpoint of {imp} {target} not "
                                    f"available: {str(exc).split(';')[0]}", {})
        return cu_cache[target]

    mats, skipped = [], []
    for cid in cids:
        try:
            one = _score_one(fx, cid, year, missing_g)
        except (CritminError, KeyError, ValueError) as exc:
            skipped.append(f"{cid}: {str(exc).split(';')[0]}")
            continue
        f = one["factors"]
        cu_mid, cu_how, cu_years = copper_midpoint(f["target_year"])
        score = one["score"]
        f["cf_same_year"] = geopolrisk_cf(score, one["price"], cu_mid)
        f["cf_oecd_2017_2021"] = geopolrisk_cf(score, one["price"], CU_MIDPOINT_OECD_2017_2021)
        f["cf_reference"] = {"same-year": cu_how, "same_year_copper_midpoint_usd_per_kg": cu_mid,
                             "same_year_copper_years": cu_years,
                             "oecd-2017-2021": CU_MIDPOINT_OECD_2017_2021}
        mats.append(MaterialAssessment(
            material=cid, commodity=cid, supply_risk=score, stage=one["stage"], factors=f,
            missing=one["missing"], notes=one["notes"]))
    notes = ["GeoPolRisk = HHI * sum_i(g_i * f_i) / (p + F) (Koyamparambath et al. 2024): HHI of "
             "world production (USGS), f_i imports from partner i and F total imports (trade table, "
             "net weight of the catalogue's HS lines), p domestic production (USGS), g_i = clip((2.5 "
             "- PV_i)/5, 0, 1) from the WGI political-stability estimate; the importer's own g = 0",
             "imports are gross product weight while production is in the commodity's basis "
             "(contained metal, REO, ...): the ratio mixes bases and is indicative",
             "years: every factor from the target year (" + (str(year) if year else "each "
             "commodity's latest trade year") + ") or the nearest available (named in "
             "production_year, trade_year, wgi_year; years_differ flags a mix)"
             + (f"; a factor more than {max_year_gap} years away is not used"
                if max_year_gap is not None else ""),
             "CF (kg Cu-eq/kg) = score x price / copper's midpoint: cf_same_year divides by copper's "
             f"midpoint for {imp} in the same year (the published method), cf_oecd_2017_2021 by "
             f"{CU_MIDPOINT_OECD_2017_2021} USD/kg (copper averaged over OECD importers 2017-2021, "
             "geopolrisk-py 2.x); price = the importer's import value / quantity [USD/kg]"]
    if missing_g is not None:
        notes.append(f"assumption: partners without a WGI value are scored at g = {missing_g:g} "
                     "(--missing-g; geopolrisk-py 2.x uses 0.5); score_without_missing_g gives "
                     "the score with them unscored")
    if skipped:
        notes.append("not assessed: " + "; ".join(skipped))
    summary = {"cf_reference": {str(t): v[1] for t, v in sorted(cu_cache.items())},
               "missing_g": missing_g, "max_year_gap": max_year_gap}
    return CriticalityResult("geopolrisk", imp, year, None, _rank(mats), notes=notes,
                             summary=summary)
