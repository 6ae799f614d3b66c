"""GeoPolRisk (Gemechu et al. 2015; Koyamparambath et al. 2024; geopolrisk-py 2.x; docs/methods.md §2),
and :func:`assess_geopolrisk` of one importer on the warehouse.

``GeoPolRisk_A,c = HHI_A * sum_i(g_i * f_A,i,c) / (p_A,c + F_A,c)`` (:func:`geopolrisk`), g_i from the
WGI political-stability estimate (:func:`critmin.governance.geopolrisk_g`), the importer's own
g = 0, partners without a WGI value reported and left out of the sum (so the score is then a lower
bound), never scored silently.

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

from critmin.criticality._common import _isnan, _nan, _rank
from critmin.criticality.results import CriticalityResult, MaterialAssessment
from critmin.errors import CritminError, DataError
from critmin.governance import geopolrisk_g

__all__ = [
    "GeoPolRiskResult",
    "geopolrisk",
    "geopolrisk_cf",
    "assess_geopolrisk",
]


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


# ============================================================================ on the warehouse
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
