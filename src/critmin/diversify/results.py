"""The result of :func:`critmin.diversify.diversify` and its JSON and CSV shapes."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from critmin._json import num as _num

__all__ = ["MixPoint", "DiversifyResult", "OBJECTIVES"]

OBJECTIVES = {
    "shortfall": ("expected annual shortfall of imports under per-supplier disruptions", "t/yr"),
    "geopolrisk": ("GeoPolRisk import-risk term sum_i g_i x_i", "1"),
    "hhi": ("HHI of the importer's supplier shares sum_i x_i^2", "1"),
}
"""Objective -> (what it measures, unit)."""


@dataclass
class MixPoint:
    """One supplier mix and what it costs and risks.

    Attributes
    ----------
    label : str
        ``current``, ``frontier`` or ``unconstrained``.
    budget : float
        The premium budget it was solved at [1] (NaN for the current mix; inf when none).
    premium : float
        Its premium over the reference price [1] (see ``premium_basis`` of the result).
    premium_over_cheapest : float
        ``sum_i x_i (p_i - p_min) / p_min`` [1] (docs/methods.md §7).
    risk : float
        The objective's value [unit of the objective].
    mix : dict of str to float
        ``{ISO3: share}`` [1], largest first, zero shares left out.
    price_usd_per_kg : float
        Average price of the mix [USD/kg].
    extra_cost_usd : float
        Extra spend over the current mix for a year of imports [USD/yr].
    geopolrisk, hhi, shortfall_t : float
        The mix's value under each measure (``shortfall_t`` [t/yr] only with a scenario).
    moves : list of dict
        The changes from the current mix: ``supplier``, ``from``, ``to`` [1], ``change_t`` [t/yr].
    marginal_premium_per_risk : float
        From the previous frontier point: premium added per unit of risk removed [1 per unit].
    """

    label: str
    budget: float
    premium: float
    premium_over_cheapest: float
    risk: float
    mix: dict[str, float]
    price_usd_per_kg: float
    extra_cost_usd: float
    geopolrisk: float
    hhi: float
    shortfall_t: float
    moves: list[dict] = field(default_factory=list)
    marginal_premium_per_risk: float = math.nan

    def to_dict(self) -> dict:
        """JSON-ready (NaN and inf as null)."""
        return {
            "premium": _num(self.premium), "risk": _num(self.risk), "mix": dict(self.mix),
            "budget": _num(self.budget), "premium_over_cheapest": _num(self.premium_over_cheapest),
            "price_usd_per_kg": _num(self.price_usd_per_kg), "extra_cost_usd": _num(self.extra_cost_usd),
            "geopolrisk": _num(self.geopolrisk), "hhi": _num(self.hhi),
            "shortfall_t": _num(self.shortfall_t),
            "marginal_premium_per_risk": _num(self.marginal_premium_per_risk),
            "moves": [{k: (_num(v) if isinstance(v, float) else v) for k, v in m.items()}
                      for m in self.moves],
        }


@dataclass
class DiversifyResult:
    """The efficient frontier of an importer's supplier mix for one commodity.

    Attributes
    ----------
    commodity, name : str
        Catalogue id and display name.
    importer : str
        The importer (ISO3, or a bloc code).
    year : int
        Trade year of the current mix and the prices.
    objective : str
        ``shortfall``, ``geopolrisk`` or ``hhi`` (:data:`OBJECTIVES`).
    risk_unit : str
        Unit of ``risk``.
    premium_basis : str
        ``current`` (premium over the current mix's average price) or ``cheapest``.
    reference_price_usd_per_kg, cheapest_price_usd_per_kg, average_price_usd_per_kg : float
        The premium's reference price, the cheapest candidate's price and the importer's average import
        unit value [USD/kg].
    imports_t : float
        The importer's annual imports from its suppliers M [t/yr] (net weight of the HS lines).
    premium_max : float
        The largest budget of the frontier [1].
    current : MixPoint
        Today's mix.
    frontier : list of MixPoint
        The least-risk mix at each budget, in increasing premium.
    unconstrained : MixPoint
        The least-risk mix without a budget (the cheapest such).
    at : MixPoint or None
        The frontier point at the budget asked with ``at``.
    candidates : DataFrame
        Per candidate: ``supplier``, ``name``, ``current_share`` [1], ``imports_t`` [t], ``value_usd``
        [USD], ``unit_value_usd_per_kg``, ``price_usd_per_kg`` [USD/kg], ``price_basis``, ``premium``
        [1], ``production_t``, ``consumption_t``, ``exportable_t`` [t/yr], ``exportable_basis``,
        ``upper`` [1], ``cap_basis``, ``g`` [1], ``g_basis``, and for the shortfall objective
        ``disruption_probability`` [1/yr] and ``group``.
    assumptions : list of dict
        ``name``, ``value``, ``unit``, ``kind``, ``source`` of every input that is not a data row.
    sources : dict
        Trade source and edition, production edition and year, WGI year, scenario file.
    notes : list of str
        Caveats of the data.
    """

    commodity: str
    name: str
    importer: str
    year: int
    objective: str
    risk_unit: str
    premium_basis: str
    reference_price_usd_per_kg: float
    cheapest_price_usd_per_kg: float
    average_price_usd_per_kg: float
    imports_t: float
    premium_max: float
    current: MixPoint
    frontier: list[MixPoint]
    unconstrained: MixPoint
    at: MixPoint | None
    candidates: pd.DataFrame
    assumptions: list[dict] = field(default_factory=list)
    sources: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        return (f"DiversifyResult(commodity={self.commodity!r}, importer={self.importer!r}, "
                f"year={self.year}, objective={self.objective!r}, current risk {self.current.risk:.4g} "
                f"{self.risk_unit}, frontier: {len(self.frontier)} points, candidates: DataFrame "
                f"({len(self.candidates)} rows x {self.candidates.shape[1]} columns))")

    def to_dict(self) -> dict:
        """The JSON contract of ``critmin diversify --json``::

            {"commodity", "importer", "objective",
             "current": {"mix": {ISO3: share}, "risk", "premium", ...},
             "frontier": [{"premium", "risk", "mix": {...}, ...}, ...],
             "assumptions": [...], ...}

        ``premium`` [1] over the reference price (``premium_basis``), ``risk`` in ``risk_unit``. Fields
        may be added, none is renamed.
        """
        cand = self.candidates.astype(object).where(self.candidates.notna(), None)
        return {
            "commodity": self.commodity, "name": self.name, "importer": self.importer,
            "year": self.year, "objective": self.objective,
            "objective_description": OBJECTIVES[self.objective][0], "risk_unit": self.risk_unit,
            "premium_basis": self.premium_basis, "premium_max": _num(self.premium_max),
            "reference_price_usd_per_kg": _num(self.reference_price_usd_per_kg),
            "cheapest_price_usd_per_kg": _num(self.cheapest_price_usd_per_kg),
            "average_price_usd_per_kg": _num(self.average_price_usd_per_kg),
            "imports_t": _num(self.imports_t),
            "current": self.current.to_dict(),
            "frontier": [p.to_dict() for p in self.frontier],
            "unconstrained": self.unconstrained.to_dict(),
            "at": self.at.to_dict() if self.at is not None else None,
            "candidates": cand.to_dict(orient="records"),
            "assumptions": list(self.assumptions),
            "sources": dict(self.sources), "notes": list(self.notes),
        }

    def frontier_table(self) -> pd.DataFrame:
        """One row per frontier point: ``budget``, ``premium``, ``premium_over_cheapest`` [1], ``risk``,
        ``extra_cost_usd`` [USD/yr], ``geopolrisk``, ``hhi``, ``shortfall_t`` and the top supplier."""
        rows = []
        for k, p in enumerate([self.current, *self.frontier]):
            top = next(iter(p.mix.items()), (None, math.nan))
            rows.append({"point": "current" if k == 0 else k, "budget": p.budget, "premium": p.premium,
                         "premium_over_cheapest": p.premium_over_cheapest, "risk": p.risk,
                         "extra_cost_usd": p.extra_cost_usd, "geopolrisk": p.geopolrisk, "hhi": p.hhi,
                         "shortfall_t": p.shortfall_t, "top_supplier": top[0], "top_share": top[1],
                         "n_suppliers": len(p.mix)})
        return pd.DataFrame(rows)

    def to_frame(self) -> pd.DataFrame:
        """Long table (the ``--csv`` output): one row per point and supplier with a share in it or in the
        current mix; ``point`` is ``current`` or the frontier index (1 = lowest premium)."""
        cur = self.current.mix
        imp = self.imports_t
        rows = []
        for k, p in enumerate([self.current, *self.frontier]):
            for s in sorted(set(cur) | set(p.mix), key=lambda c: (-p.mix.get(c, 0.0), c)):
                share = p.mix.get(s, 0.0)
                rows.append({"commodity": self.commodity, "importer": self.importer, "year": self.year,
                             "objective": self.objective, "point": "current" if k == 0 else str(k),
                             "budget": p.budget, "premium": p.premium, "risk": p.risk,
                             "risk_unit": self.risk_unit, "supplier": s, "share": share,
                             "current_share": cur.get(s, 0.0),
                             "change_t": (share - cur.get(s, 0.0)) * imp})
        df = pd.DataFrame(rows)
        df.attrs["unit"] = {"premium": "1", "budget": "1", "share": "1", "change_t": "t/yr",
                            "risk": self.risk_unit}
        return df
