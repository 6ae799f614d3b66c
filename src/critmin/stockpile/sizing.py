"""Cost-optimal stock size for one material and region (docs/methods.md §5).

Expected annual cost of a stock S [t]:

    C(S) = h * S + pi * p * E[L(S)]

* ``h`` holding cost [USD/t/yr] = (interest rate + storage rate) x price + storage per tonne;
* ``pi`` the annual probability of a disruption [1/yr];
* ``p`` the shortage cost [USD/t] (the value of the output lost per tonne short);
* ``L(S)`` the region's shortfall in one disruption [t] when it holds S: from the market simulator,
  re-simulated for each S (see :mod:`critmin.stockpile.job`: a stock released into the market does
  not cover ``min(L, S)`` of the region's own shortfall, because releases lower the price for every
  buyer).

``E[L(S)]`` is known on a grid of stocks; between grid points it is taken on its lower convex hull (a
piecewise-linear convex curve: the same one :mod:`~critmin.stockpile.allocation` uses), so the
optimum is a hull vertex: the first vertex where the shortfall avoided per extra tonne of stock (the
hull's slope) falls to the critical ratio ``h / (pi * p)``.

**Newsvendor check.** When a stock covers ``min(L, S)`` (each tonne of stock replaces a tonne of the
region's shortfall), ``E[L(S)] = E[(L - S)^+]``, its slope is ``-P(L > S)``, and the optimum satisfies
``P(L > S*) = h / (pi * p)`` (:func:`newsvendor_stock`; exact for an exponential L:
``S* = mean * ln(pi * p / h)``). For a curve from the simulator the same first-order condition reads:
the hull's slope left of S* >= ``h / (pi * p)`` >= its slope right of S* (:class:`Optimum`).

:class:`PlanningParams` holds the named planning assumptions with their documented defaults; every
output shows them.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from critmin.errors import ParameterError

__all__ = [
    "PlanningParams",
    "Optimum",
    "holding_cost",
    "critical_ratio",
    "lower_hull",
    "hull_interp",
    "cost_curve",
    "optimal_stock",
    "expected_excess",
    "exceedance",
    "newsvendor_stock",
]


class PlanningParams(BaseModel):
    """The planning assumptions. Each default is documented here and shown as an assumption.

    Per-material values (``disruption_probabilities``) override the common ones.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            from critmin._validation import format_validation_error

            raise ParameterError(format_validation_error(
                exc, source="planning parameters", what="invalid", model=type(self))) from None

    interest_rate: float = Field(
        0.05, ge=0, description="cost of the capital tied up in the stock [1/yr]: an assumption of the "
        "order of long-term public borrowing plus a premium for the metal's price risk")
    storage_rate: float = Field(
        0.01, ge=0, description="warehousing, insurance, handling and rotation of the stock, as a share of "
        "its value [1/yr] (an assumption; small for compact high-value metals)")
    storage_usd_per_t_year: float = Field(
        0.0, ge=0, description="storage cost per tonne and year on top of storage_rate [USD/t/yr] (for "
        "bulky, low-value materials)")
    disruption_probability: float = Field(
        0.10, gt=0, le=1, description="annual probability of a disruption like the scenario's [1/yr]: an "
        "assumption of about one major restriction a decade for a material with one dominant supplier "
        "(rare earths 2010; gallium and germanium 2023; graphite 2023; antimony 2024; tungsten 2025)")
    disruption_probabilities: dict[str, float] = Field(
        default_factory=dict, description="per-material annual probability [1/yr] (material id -> value)")
    shortage_cost_usd_per_t: float | None = Field(
        None, gt=0, description="shortage cost p [USD/t] for every material (default: the scenario's "
        "market shortage cost, by default its choke multiple x P0)")
    shortage_cost_multiple: float | None = Field(
        None, gt=0, description="shortage cost as a multiple of each material's price P0 [1]")
    trigger: Literal["disruption", "price", "shortage"] = Field(
        "disruption", description="when the region's stock is released (critmin.market.spec.StockpileSpec): "
        "disruption = while a cut is on, holding the price at P0 as far as the stock allows")
    trigger_level: float | None = Field(None, ge=0, description="price multiple [1] or unmet share [1] of "
                                        "the price or shortage trigger")
    release_share_of_demand: float = Field(
        1.0, gt=0, description="release cap as a share of the region's baseline monthly consumption [1]: the "
        "region can draw up to its whole consumption from stock")
    policy_days: tuple[float, ...] = Field(
        (0.0, 60.0, 100.0, 180.0), description="policies compared with the optimum [days of consumption]: "
        "none, JOGMEC 60, KOMIR ~100, JOGMEC up to ~180 (docs/methods.md §5)")
    max_gap_share: float = Field(
        1 / 3, gt=0, le=1, description="largest gap between simulated stocks, as a share of the largest "
        "useful stock [1]")
    refine_rounds: int = Field(2, ge=0, le=6, description="rounds of refinement around the optimum "
                               "(two stocks simulated per round)")
    consumption_from: Literal["imports", "scenario"] = Field(
        "imports", description="the region's annual consumption where its scenario gives only an "
        "estimate: imports = its apparent consumption from trade data (critmin.dependence.consumption) "
        "where that converts completely to the commodity's basis, else the scenario's estimate (both are "
        "shown); scenario = always the scenario's figure")
    starting_stock_days: float | None = Field(
        None, ge=0, description="stock the region is assumed to hold already [days of consumption], "
        "deducted from the plan's purchase; default: the scenario file's own stock of the region "
        "([stockpiles.<region>] days_of_cover, e.g. Japan's JOGMEC 60-day target assumed met), else 0. "
        "An assumption, not data: national stocks are not published")

    @field_validator("disruption_probabilities")
    @classmethod
    def _probs(cls, v: dict[str, float]) -> dict[str, float]:
        for k, p in v.items():
            if not 0 < p <= 1:
                raise ValueError(f"disruption probability of {k} must lie in (0, 1]; got {p}")
        return dict(v)

    @model_validator(mode="after")
    def _check(self) -> PlanningParams:
        if self.shortage_cost_usd_per_t is not None and self.shortage_cost_multiple is not None:
            raise ValueError("give at most one of shortage_cost_usd_per_t, shortage_cost_multiple")
        if self.trigger == "price" and (self.trigger_level is None or self.trigger_level < 1):
            raise ValueError("trigger 'price' needs trigger_level, a price multiple >= 1")
        if self.trigger == "shortage" and (self.trigger_level is None or not 0 <= self.trigger_level <= 1):
            raise ValueError("trigger 'shortage' needs trigger_level, an unmet share in [0, 1]")
        if self.trigger == "disruption" and self.trigger_level is not None:
            raise ValueError("trigger 'disruption' takes no trigger_level")
        if any(d < 0 for d in self.policy_days):
            raise ValueError("policy days must be >= 0")
        return self

    # ------------------------------------------------------------------ per material
    def probability(self, material: str) -> float:
        """Annual disruption probability of a material [1/yr]."""
        return float(self.disruption_probabilities.get(material, self.disruption_probability))

    def holding(self, price_usd_per_t: float) -> float:
        """Holding cost [USD/t/yr] of a material priced ``price_usd_per_t`` [USD/t]."""
        return holding_cost(price_usd_per_t, self.interest_rate, self.storage_rate,
                            self.storage_usd_per_t_year)

    def shortage_cost(self, p0_usd_per_t: float, scenario_usd_per_t: float) -> tuple[float, str, str]:
        """Shortage cost p [USD/t], its kind and its source.

        Parameters
        ----------
        p0_usd_per_t : float
            The material's price P0 [USD/t].
        scenario_usd_per_t : float
            The scenario's market shortage cost [USD/t].
        """
        if self.shortage_cost_usd_per_t is not None:
            return (float(self.shortage_cost_usd_per_t), "assumption",
                    "planning parameter shortage_cost_usd_per_t")
        if self.shortage_cost_multiple is not None:
            return (self.shortage_cost_multiple * p0_usd_per_t, "assumption",
                    f"planning parameter shortage_cost_multiple {self.shortage_cost_multiple:g} x P0")
        return (float(scenario_usd_per_t), "default",
                "the scenario's market shortage cost (default: its choke multiple x P0, the lowest value "
                "consistent with rationing at the choke price)")

    def assumptions(self) -> list[dict]:
        """The planning parameters as assumption records (name, value, unit, kind, source)."""
        units = {"interest_rate": "1/yr", "storage_rate": "1/yr (share of value)",
                 "storage_usd_per_t_year": "USD/t/yr", "disruption_probability": "1/yr",
                 "trigger": "", "trigger_level": "1", "release_share_of_demand": "1 (of monthly consumption)",
                 "policy_days": "days", "consumption_from": ""}
        out = []
        for name, unit in units.items():
            val = getattr(self, name)
            if val is None:
                continue
            kind = "assumption" if name in self.model_fields_set else "default"
            desc = type(self).model_fields[name].description or ""
            out.append({"name": f"planning.{name}",
                        "value": list(val) if isinstance(val, tuple) else val, "unit": unit,
                        "kind": kind, "source": ("set by the user; " if kind == "assumption" else "default; ")
                        + desc})
        for m, p in self.disruption_probabilities.items():
            out.append({"name": f"planning.disruption_probability.{m}", "value": p, "unit": "1/yr",
                        "kind": "assumption", "source": "set by the user for this material"})
        return out


# --------------------------------------------------------------------------- formulas
def holding_cost(price_usd_per_t: float, interest_rate: float, storage_rate: float,
                 storage_usd_per_t_year: float = 0.0) -> float:
    """Annual cost of holding one tonne.

    Parameters
    ----------
    price_usd_per_t : float
        Price of the material [USD/t].
    interest_rate : float
        Cost of capital [1/yr].
    storage_rate : float
        Storage, insurance and handling as a share of value [1/yr].
    storage_usd_per_t_year : float
        Storage cost per tonne [USD/t/yr].

    Returns
    -------
    float
        ``h = (interest_rate + storage_rate) * price + storage_usd_per_t_year`` [USD/t/yr].
    """
    rate = float(interest_rate) + float(storage_rate)
    return rate * float(price_usd_per_t) + float(storage_usd_per_t_year)


def critical_ratio(holding_usd_per_t_year: float, probability: float,
                   shortage_cost_usd_per_t: float) -> float:
    """The newsvendor critical ratio ``h / (pi * p)`` [1]: the shortfall a tonne of stock must avoid per
    disruption [t/t] to pay its holding cost.

    Parameters
    ----------
    holding_usd_per_t_year : float
        h [USD/t/yr].
    probability : float
        pi [1/yr], > 0.
    shortage_cost_usd_per_t : float
        p [USD/t], > 0.
    """
    if not (probability > 0 and shortage_cost_usd_per_t > 0):
        raise ValueError("probability and shortage cost must be > 0")
    return float(holding_usd_per_t_year) / (float(probability) * float(shortage_cost_usd_per_t))


def lower_hull(x, y) -> np.ndarray:
    """Indices of the lower convex hull of the points (x, y), by increasing x.

    Collinear points are dropped, so the slopes between consecutive vertices strictly increase.

    Parameters
    ----------
    x : array
        Abscissae (distinct) [any unit].
    y : array
        Ordinates [any unit].

    Returns
    -------
    ndarray of int
        Indices into ``x`` of the hull's vertices, first and last point included.
    """
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    order = np.argsort(x, kind="stable")
    hull: list[int] = []
    for i in order:
        while len(hull) >= 2:
            a, b = hull[-2], hull[-1]
            # drop b when it lies on or above the segment a -> i
            cross = (x[b] - x[a]) * (y[i] - y[a]) - (y[b] - y[a]) * (x[i] - x[a])
            if cross <= 0:
                hull.pop()
            else:
                break
        hull.append(int(i))
    return np.asarray(hull, int)


def hull_interp(x, y, xq):
    """Values at ``xq`` of the piecewise-linear lower convex hull of (x, y) (constant beyond its ends)."""
    h = lower_hull(x, y)
    return np.interp(xq, np.asarray(x, float)[h], np.asarray(y, float)[h])


class Optimum(BaseModel):
    """The cost-optimal stock on a curve (a vertex of its lower convex hull).

    Attributes
    ----------
    stock_t : float
        S* [t].
    index : int
        Its index in the input arrays.
    expected_shortfall_t : float
        ``E[L(S*)]`` [t per disruption].
    critical_ratio : float
        ``h / (pi * p)`` [t/t].
    slope_left, slope_right : float
        Shortfall avoided per tonne of stock on the hull segment below and above S* [t/t] (NaN below 0;
        0 above the last point). At the optimum ``slope_left >= critical_ratio >= slope_right``.
    annual_cost_usd : float
        ``h * S* + pi * p * E[L(S*)]`` [USD/yr].
    """

    model_config = ConfigDict(frozen=True)

    stock_t: float
    index: int
    expected_shortfall_t: float
    critical_ratio: float
    slope_left: float
    slope_right: float
    annual_cost_usd: float


def _check_curve(stock_t, expected_shortfall_t) -> tuple[np.ndarray, np.ndarray]:
    s = np.asarray(stock_t, float)
    e = np.asarray(expected_shortfall_t, float)
    if s.ndim != 1 or s.shape != e.shape or s.size == 0:
        raise ValueError("stock_t and expected_shortfall_t must be 1-d arrays of the same length")
    if (s < 0).any() or np.unique(s).size != s.size:
        raise ValueError("stocks must be distinct and >= 0")
    if not np.isfinite(e).all():
        raise ValueError("expected shortfall must be finite")
    return s, e


def optimal_stock(stock_t, expected_shortfall_t, *, holding: float, probability: float,
                  shortage_cost: float) -> Optimum:
    """Minimise ``h * S + pi * p * E[L(S)]`` over the lower convex hull of the curve.

    Parameters
    ----------
    stock_t : array
        Stocks where E[L] is known [t]; the smallest is taken as the start.
    expected_shortfall_t : array
        E[L(S)] at those stocks [t per disruption].
    holding : float
        h [USD/t/yr].
    probability : float
        pi [1/yr].
    shortage_cost : float
        p [USD/t].

    Returns
    -------
    Optimum
        The first hull vertex whose next segment avoids no more than ``h / (pi * p)`` tonnes of
        shortfall per tonne of stock (the smallest minimiser; non-decreasing in pi).
    """
    s, e = _check_curve(stock_t, expected_shortfall_t)
    c = critical_ratio(holding, probability, shortage_cost)
    h = lower_hull(s, e)
    slopes = (e[h[:-1]] - e[h[1:]]) / (s[h[1:]] - s[h[:-1]])
    k = next((i for i, sl in enumerate(slopes) if sl <= c), len(h) - 1)
    i = int(h[k])
    return Optimum(stock_t=float(s[i]), index=i, expected_shortfall_t=float(e[i]), critical_ratio=c,
                   slope_left=float(slopes[k - 1]) if k > 0 else math.nan,
                   slope_right=float(slopes[k]) if k < len(slopes) else 0.0,
                   annual_cost_usd=float(holding * s[i] + probability * shortage_cost * e[i]))


def cost_curve(stock_t, expected_shortfall_t, *, holding: float, probability: float,
               shortage_cost: float) -> pd.DataFrame:
    """The expected annual cost over a grid of stocks.

    Parameters
    ----------
    stock_t : array
        Stocks [t].
    expected_shortfall_t : array
        ``E[L(S)]`` [t per disruption].
    holding, probability, shortage_cost : float
        h [USD/t/yr], pi [1/yr], p [USD/t].

    Returns
    -------
    DataFrame
        Sorted by stock: ``stock_t``, ``expected_shortfall_t``, ``on_hull`` (a vertex of the lower
        convex hull), ``hull_shortfall_t``, ``holding_usd`` (h S), ``expected_shortage_cost_usd``
        (pi p E[L]) and ``expected_cost_usd`` (their sum), all per year [USD/yr].
    """
    s, e = _check_curve(stock_t, expected_shortfall_t)
    order = np.argsort(s)
    s, e = s[order], e[order]
    on = np.zeros(s.size, bool)
    on[lower_hull(s, e)] = True
    hold = holding * s
    short = probability * shortage_cost * e
    return pd.DataFrame({"stock_t": s, "expected_shortfall_t": e, "on_hull": on,
                         "hull_shortfall_t": hull_interp(s, e, s), "holding_usd": hold,
                         "expected_shortage_cost_usd": short, "expected_cost_usd": hold + short})


# --------------------------------------------------------------------------- one-to-one cover
def expected_excess(samples, stock_t):
    """``E[(L - S)^+]`` of a sample of shortfalls, at one or more stocks.

    Parameters
    ----------
    samples : array
        Shortfalls L [t], one per run.
    stock_t : float or array
        Stocks S [t].

    Returns
    -------
    float or ndarray
        The shortfall left when a stock covers ``min(L, S)`` [t].
    """
    L = np.sort(np.asarray(samples, float))
    n = L.size
    tail = np.concatenate([np.cumsum(L[::-1])[::-1], [0.0]])        # tail[i] = sum L[i:]
    S = np.asarray(stock_t, float)
    i = np.searchsorted(L, S, side="right")
    out = (tail[i] - (n - i) * S) / n
    return float(out) if np.ndim(out) == 0 else out


def exceedance(samples, stock_t):
    """``P(L > S)`` of a sample of shortfalls [1], at one or more stocks [t]."""
    L = np.sort(np.asarray(samples, float))
    out = 1.0 - np.searchsorted(L, np.asarray(stock_t, float), side="right") / L.size
    return float(out) if np.ndim(out) == 0 else out


def newsvendor_stock(samples, *, holding: float, probability: float, shortage_cost: float) -> float:
    """The newsvendor optimum when a stock covers ``min(L, S)``: the smallest S with
    ``P(L > S) <= h / (pi * p)`` (the minimiser of ``h S + pi p E[(L - S)^+]`` on the sample).

    Parameters
    ----------
    samples : array
        Shortfalls L [t], one per run.
    holding, probability, shortage_cost : float
        h [USD/t/yr], pi [1/yr], p [USD/t].

    Returns
    -------
    float
        S* [t]; 0 when ``h >= pi * p`` (no stock pays).
    """
    c = critical_ratio(holding, probability, shortage_cost)
    L = np.sort(np.asarray(samples, float))
    if c >= 1.0 or L.size == 0:
        return 0.0
    k = math.ceil(L.size * (1.0 - c) - 1e-12)        # need #{L <= S} >= n (1 - c)
    return max(float(L[k - 1]), 0.0) if k >= 1 else 0.0
