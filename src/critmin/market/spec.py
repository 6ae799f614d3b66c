"""Scenario specifications for the market disruption simulator, loaded from TOML.

A scenario file names a commodity, a horizon, how to build the month-0 baseline from the warehouse
(every figure overridable), the market parameters, stockpiles per consumer region and the disruption.
Any disruption field and the behavioural market parameters are either a number or a distribution
table, e.g. ``duration_months = {dist = "triangular", low = 3, mode = 6, high = 12}``; each Monte
Carlo run draws its own values.

Distributions (all sampled by inverse CDF from one uniform number per run and parameter, so that
changing one parameter's distribution never shifts the random numbers of another):

=============  ====================================  ============================================
``dist``       keys                                  meaning
=============  ====================================  ============================================
fixed          value                                 always ``value``
uniform        low, high                             uniform on [low, high]
triangular     low, mode, high                       triangular
normal         mean, sd, low, high                   normal truncated to [low, high] (both optional)
lognormal      median, sigma, low, high              log-normal (sigma of the log) truncated
beta           a, b, low, high                       beta(a, b) scaled to [low, high] (default 0–1)
choice         values, weights                       one of ``values`` (weights optional)
=============  ====================================  ============================================

When the market stands: ``[baseline] year`` (and ``edition``) pins it to a year with data, the latest
by default or a past one (history: the 2009 market from World Mining Data); the top-level ``year`` and
``demand_scenario`` make it a future start year from IEA's outlook (:mod:`critmin.market.projection`).
See :mod:`critmin.market.spec_baseline`. Optional: ``[[capacity]]`` and ``[[purchase]]`` entries
(:mod:`critmin.market.entries`) and ``disruption.stage``.

Every value given in the file, and every default left in place, is shown as an assumption in every
output; a ``[sources]`` table maps dotted keys (``"market.demand_elasticity_short"``) to the reasoning
or source to show beside it.

Validation is strict: numbers must be finite (``nan`` and ``inf`` are refused for every key; omit a
truncation bound for "no bound"), whole numbers must be whole numbers (``horizon_months = "24"`` or
``24.5`` is refused), years lie in 1800..2100, and the restricting ``exporter`` must be named (there is no
default country). Errors name the file, the key and what is accepted.
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    ValidationError,
    field_validator,
    model_validator,
)

from critmin.errors import ScenarioError

__all__ = [
    "Fixed",
    "Uniform",
    "Triangular",
    "Normal",
    "LogNormal",
    "Beta",
    "Choice",
    "Param",
    "StockpileSpec",
    "RegionSpec",
    "PriceSpec",
    "BaselineSpec",
    "SupplierMarketSpec",
    "MarketSpec",
    "DisruptionSpec",
    "CapacitySpec",
    "PurchaseSpec",
    "ScenarioSpec",
    "load_scenario",
    "sample_param",
    "param_support",
    "describe_param",
    "RANDOM_PARAMS",
]


class _Strict(BaseModel):
    # strict: no text for numbers, no fractions for whole numbers; allow_inf_nan: finite numbers only
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


# --------------------------------------------------------------------------- distributions
class Fixed(_Strict):
    """Always ``value``."""

    dist: Literal["fixed"]
    value: float

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return np.full(u.shape, float(self.value))

    def support(self) -> tuple[float, float]:
        return (self.value, self.value)

    def describe(self) -> str:
        return f"{self.value:g}"


class Uniform(_Strict):
    """Uniform on [low, high]."""

    dist: Literal["uniform"]
    low: float
    high: float

    @model_validator(mode="after")
    def _order(self) -> Uniform:
        if not self.low <= self.high:
            raise ValueError(f"low ({self.low}) must not exceed high ({self.high})")
        return self

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return self.low + u * (self.high - self.low)

    def support(self) -> tuple[float, float]:
        return (self.low, self.high)

    def describe(self) -> str:
        return f"uniform({self.low:g}, {self.high:g})"


class Triangular(_Strict):
    """Triangular on [low, high] with its mode at ``mode``."""

    dist: Literal["triangular"]
    low: float
    mode: float
    high: float

    @model_validator(mode="after")
    def _order(self) -> Triangular:
        if not self.low <= self.mode <= self.high:
            raise ValueError(f"need low <= mode <= high, got {self.low}, {self.mode}, {self.high}")
        return self

    def ppf(self, u: np.ndarray) -> np.ndarray:
        a, c, b = self.low, self.mode, self.high
        if b == a:
            return np.full(u.shape, float(a))
        fc = (c - a) / (b - a)
        left = a + np.sqrt(u * (b - a) * (c - a))
        right = b - np.sqrt((1.0 - u) * (b - a) * (b - c))
        return np.where(u < fc, left, right)

    def support(self) -> tuple[float, float]:
        return (self.low, self.high)

    def describe(self) -> str:
        return f"triangular({self.low:g}, {self.mode:g}, {self.high:g})"


def _truncated(u: np.ndarray, lo_z: float, hi_z: float) -> np.ndarray:
    """Standard-normal quantiles of ``u`` restricted to [lo_z, hi_z]."""
    from scipy import special  # here, not at the top: scipy.special is ~15 MiB that most scenarios never use

    a = special.ndtr(lo_z) if math.isfinite(lo_z) else 0.0
    b = special.ndtr(hi_z) if math.isfinite(hi_z) else 1.0
    return special.ndtri(np.clip(a + u * (b - a), 1e-300, 1.0 - 1e-16))


class Normal(_Strict):
    """Normal(mean, sd) truncated to [low, high] (renormalised, not clipped)."""

    dist: Literal["normal"]
    mean: float
    sd: float = Field(gt=0)
    low: float | None = Field(None, description="lower truncation bound (none when omitted)")
    high: float | None = Field(None, description="upper truncation bound (none when omitted)")

    @property
    def lo(self) -> float:
        return -math.inf if self.low is None else self.low

    @property
    def hi(self) -> float:
        return math.inf if self.high is None else self.high

    @model_validator(mode="after")
    def _order(self) -> Normal:
        if not self.lo < self.hi:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        return self

    def ppf(self, u: np.ndarray) -> np.ndarray:
        z = _truncated(u, (self.lo - self.mean) / self.sd, (self.hi - self.mean) / self.sd)
        return np.clip(self.mean + self.sd * z, self.lo, self.hi)

    def support(self) -> tuple[float, float]:
        return (self.lo, self.hi)

    def describe(self) -> str:
        return f"normal({self.mean:g}, sd {self.sd:g}) on [{self.lo:g}, {self.hi:g}]"


class LogNormal(_Strict):
    """Log-normal with median ``median`` and log-sd ``sigma``, truncated to [low, high]."""

    dist: Literal["lognormal"]
    median: float = Field(gt=0)
    sigma: float = Field(gt=0)
    low: float = 0.0
    high: float | None = Field(None, description="upper truncation bound (none when omitted)")

    @property
    def hi(self) -> float:
        return math.inf if self.high is None else self.high

    @model_validator(mode="after")
    def _order(self) -> LogNormal:
        if not (self.low >= 0 and self.low < self.hi):
            raise ValueError(f"need 0 <= low < high, got {self.low}, {self.high}")
        return self

    def ppf(self, u: np.ndarray) -> np.ndarray:
        mu = math.log(self.median)
        lo = (math.log(self.low) - mu) / self.sigma if self.low > 0 else -math.inf
        hi = (math.log(self.hi) - mu) / self.sigma if math.isfinite(self.hi) else math.inf
        return np.clip(np.exp(mu + self.sigma * _truncated(u, lo, hi)), self.low, self.hi)

    def support(self) -> tuple[float, float]:
        return (self.low, self.hi)

    def describe(self) -> str:
        return f"lognormal(median {self.median:g}, sigma {self.sigma:g}) on [{self.low:g}, {self.hi:g}]"


class Beta(_Strict):
    """Beta(a, b) scaled to [low, high]."""

    dist: Literal["beta"]
    a: float = Field(gt=0)
    b: float = Field(gt=0)
    low: float = 0.0
    high: float = 1.0

    @model_validator(mode="after")
    def _order(self) -> Beta:
        if not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        return self

    def ppf(self, u: np.ndarray) -> np.ndarray:
        from scipy import special

        return self.low + (self.high - self.low) * special.betaincinv(self.a, self.b, u)

    def support(self) -> tuple[float, float]:
        return (self.low, self.high)

    def describe(self) -> str:
        return f"beta({self.a:g}, {self.b:g}) on [{self.low:g}, {self.high:g}]"


class Choice(_Strict):
    """One of ``values`` with probabilities ``weights`` (equal when omitted)."""

    dist: Literal["choice"]
    values: list[float] = Field(min_length=1)
    weights: list[float] | None = None

    @model_validator(mode="after")
    def _weights(self) -> Choice:
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError(f"{len(self.weights)} weights for {len(self.values)} values")
            if any(w < 0 for w in self.weights) or sum(self.weights) <= 0:
                raise ValueError("weights must be non-negative and not all zero")
        return self

    def ppf(self, u: np.ndarray) -> np.ndarray:
        w = np.asarray(self.weights if self.weights is not None else [1.0] * len(self.values), float)
        cum = np.cumsum(w / w.sum())
        cum[-1] = 1.0
        idx = np.minimum(np.searchsorted(cum, u, side="right"), len(self.values) - 1)
        return np.asarray(self.values, float)[idx]

    def support(self) -> tuple[float, float]:
        return (min(self.values), max(self.values))

    def describe(self) -> str:
        w = f", weights {self.weights}" if self.weights else ""
        return f"choice({', '.join(f'{v:g}' for v in self.values)}{w})"


Distribution = Annotated[
    Fixed | Uniform | Triangular | Normal | LogNormal | Beta | Choice, Field(discriminator="dist")
]
Param = float | Distribution
"""A number or a distribution table."""


def sample_param(p: Param, u: np.ndarray) -> np.ndarray:
    """Values of a parameter for uniform numbers ``u`` in [0, 1) (inverse-CDF sampling).

    Parameters
    ----------
    p : float or distribution
        The parameter.
    u : ndarray
        Uniform random numbers [1], one per run.

    Returns
    -------
    ndarray of float
        One value per element of ``u`` [the parameter's unit].
    """
    if isinstance(p, (int, float)):
        return np.full(np.shape(u), float(p))
    return np.asarray(p.ppf(np.asarray(u, float)), float)


def param_support(p: Param) -> tuple[float, float]:
    """The smallest and largest value a parameter can take."""
    if isinstance(p, (int, float)):
        return (float(p), float(p))
    return p.support()


def describe_param(p: Param) -> str:
    """A short text form of a parameter (``6`` or ``triangular(3, 6, 12)``)."""
    if isinstance(p, (int, float)):
        return f"{float(p):g}"
    return p.describe()


def _is_random(p: Param) -> bool:
    lo, hi = param_support(p)
    return lo != hi


def _check_range(p: Param, lo: float, hi: float) -> Param:
    a, b = param_support(p)
    if a < lo or b > hi:
        raise ValueError(f"values must lie in [{lo:g}, {hi:g}]; this one spans [{a:g}, {b:g}]")
    return p


# --------------------------------------------------------------------------- baseline
# in critmin.market.spec_baseline (built on _Strict above; the package loads this module first)
from critmin.market.spec_baseline import BaselineSpec, PriceSpec, RegionSpec  # noqa: E402


# --------------------------------------------------------------------------- market
class SupplierMarketSpec(_Strict):
    """Per-supplier overrides of the spare-capacity parameters."""

    spare_capacity: float | None = Field(None, ge=0)
    spare_capacity_immediate: float | None = Field(None, ge=0)
    ramp_lag_months: float | None = Field(None, ge=0)
    ramp_months: float | None = Field(None, ge=0)


RANDOM_PARAMS = (
    "disruption.occurs",
    "disruption.start_month",
    "disruption.duration_months",
    "disruption.cut",
    "disruption.leakage",
    "market.demand_elasticity_short",
    "market.demand_elasticity_long",
    "market.substitution_months",
    "market.supply_elasticity",
)
"""The per-run parameters, in the order of their rows of uniform random numbers."""


class MarketSpec(_Strict):
    """Market parameters. Defaults are documented assumptions, overridable and shown in outputs."""

    demand_elasticity_short: Param = Field(
        -0.1, description="short-run price elasticity of demand [1]: minor metals are a small cost "
        "share of their end products and hard to substitute within months (order -0.05 to -0.2)")
    demand_elasticity_long: Param = Field(
        -0.5, description="long-run price elasticity of demand [1], reached as substitution, "
        "thrifting and recycling grow after the shock")
    substitution_months: Param = Field(
        24.0, description="time constant tau of the move from short- to long-run elasticity [months]")
    supply_elasticity: Param = Field(
        0.2, description="price elasticity of other suppliers' output within their capacity [1]")
    spare_capacity: float = Field(
        0.2, ge=0, description="maximum extra output of each other supplier, as a share of its "
        "baseline output [1], reached after the lag and ramp")
    spare_capacity_immediate: float = Field(
        0.0, ge=0, description="extra output available at once (idle capacity, producer stocks) [1]")
    ramp_lag_months: float = Field(
        12.0, ge=0, description="months after the shock before new capacity starts [months]")
    ramp_months: float = Field(
        24.0, ge=0, description="months over which new capacity ramps linearly to its maximum [months]")
    spare_capacity_from_data: bool = Field(
        False, description="take the other suppliers' maximum extra output from the warehouse's "
        "capacity rows (USGS capacity tables, idle plants included): sum of their capacity / sum of "
        "their output - 1, the same share for all; replaces spare_capacity")
    suppliers: dict[str, SupplierMarketSpec] = Field(default_factory=dict)
    shortfall_month_threshold: float = Field(
        0.01, ge=0, lt=1, description="a month counts as a month of shortfall for a region when its "
        "shortfall exceeds this share of its baseline monthly demand [1]")
    choke_multiple: float = Field(
        10.0, gt=1, description="choke price P_max as a multiple of P0 [1]: above it the price stops "
        "clearing the market and demand is rationed pro rata")
    shortage_cost_usd_per_t: float | None = Field(
        None, ge=0, description="value of output lost per tonne of shortfall [USD/t]")
    shortage_cost_multiple: float | None = Field(
        None, ge=0, description="shortage cost as a multiple of P0 [1] (default: the choke multiple, "
        "the lowest value consistent with rationing at the choke price)")
    engine: Literal["auto", "numpy", "numba"] = Field(
        "auto", description="how the runs are computed, not a model assumption (the engines agree to "
        "1e-9): numpy (vectorised, always there), numba (compiled, the [fast] extra) or auto (numba when "
        "it is installed and the job is big enough to repay loading it)")

    @field_validator("demand_elasticity_short", "demand_elasticity_long")
    @classmethod
    def _negative(cls, v: Param) -> Param:
        return _check_range(v, -math.inf, 0.0)

    @field_validator("supply_elasticity")
    @classmethod
    def _positive(cls, v: Param) -> Param:
        return _check_range(v, 0.0, math.inf)

    @field_validator("substitution_months")
    @classmethod
    def _tau(cls, v: Param) -> Param:
        return _check_range(v, 1e-9, math.inf)

    @model_validator(mode="after")
    def _check(self) -> MarketSpec:
        if self.shortage_cost_usd_per_t is not None and self.shortage_cost_multiple is not None:
            raise ValueError("give at most one of shortage_cost_usd_per_t, shortage_cost_multiple")
        if self.spare_capacity_immediate > self.spare_capacity and not self.spare_capacity_from_data:
            raise ValueError("spare_capacity_immediate must not exceed spare_capacity")
        return self

    @field_validator("suppliers")
    @classmethod
    def _upper(cls, v: dict[str, SupplierMarketSpec]) -> dict[str, SupplierMarketSpec]:
        return {k.upper(): s for k, s in v.items()}


class StockpileSpec(_Strict):
    """A region's stockpile and its release and refill rules.

    Release: the region offers up to ``min(stock, release rate)`` per month and releases what holds
    the market at its level: ``disruption`` holds the price at P0 while a cut is on (the stock
    replaces lost supply); ``price`` holds it at ``trigger_level`` x P0 (a price ceiling);
    ``shortage`` holds the market's unmet share at ``trigger_level`` once the price is at the choke.
    Stocks are never sold to push the price below those levels. Released material serves the region's
    own consumers first. Refill (optional): after the disruption, the region buys back up to the
    refill rate per month, only as far as the price stays at or below ``refill_below_multiple`` x P0.
    """

    tonnes: float | None = Field(None, ge=0, description="initial stock [t]")
    days_of_cover: float | None = Field(None, ge=0, description="initial stock [days of the region's "
                                        "baseline consumption]")
    release_t_per_month: float | None = Field(None, ge=0, description="release rate cap [t/month]")
    release_share_of_demand: float | None = Field(
        None, ge=0, description="release rate cap as a share of the region's baseline monthly demand [1]")
    trigger: Literal["disruption", "price", "shortage"] = Field(
        "price", description="disruption: hold the price at P0 while a cut is on; price: hold it at "
        "trigger_level x P0; shortage: at the choke price, hold the unmet share at trigger_level")
    trigger_level: float | None = Field(None, ge=0, description="price multiple [1] or unmet share [1]")
    refill_t_per_month: float | None = Field(None, ge=0, description="refill rate [t/month]")
    refill_share_of_demand: float | None = Field(None, ge=0, description="refill rate as a share of "
                                                 "baseline monthly demand [1]")
    refill_below_multiple: float = Field(1.1, ge=1, description="refill only while the price is at or "
                                         "below this multiple of P0 [1]")
    note: str | None = None

    @model_validator(mode="after")
    def _check(self) -> StockpileSpec:
        if (self.tonnes is None) == (self.days_of_cover is None):
            raise ValueError("give exactly one of tonnes, days_of_cover")
        if (self.release_t_per_month is None) == (self.release_share_of_demand is None):
            raise ValueError("give exactly one of release_t_per_month, release_share_of_demand")
        if self.refill_t_per_month is not None and self.refill_share_of_demand is not None:
            raise ValueError("give at most one of refill_t_per_month, refill_share_of_demand")
        if self.trigger == "price":
            if self.trigger_level is None or self.trigger_level < 1:
                raise ValueError("trigger = \"price\" needs trigger_level, a price multiple >= 1")
            refills = self.refill_t_per_month is not None or self.refill_share_of_demand is not None
            if refills and self.refill_below_multiple > self.trigger_level:
                raise ValueError(f"refill_below_multiple ({self.refill_below_multiple:g}) must not exceed "
                                 f"trigger_level ({self.trigger_level:g})")
        elif self.trigger == "shortage":
            if self.trigger_level is None or not 0 <= self.trigger_level <= 1:
                raise ValueError("trigger = \"shortage\" needs trigger_level, an unmet share in [0, 1]")
        elif self.trigger_level is not None:
            raise ValueError("trigger = \"disruption\" takes no trigger_level")
        return self


# --------------------------------------------------------------------------- disruption
class DisruptionSpec(_Strict):
    """The exporter's cut: who, how deep, from when, for how long, to whom."""

    exporter: str = Field(description="ISO3 of the restricting exporter (required: a scenario names "
                          "who cuts; there is no default country)")
    probability: float = Field(1.0, ge=0, le=1, description="probability that the disruption occurs "
                               "within the horizon [1]")
    targets: Literal["all"] | list[str] = Field("all", description="\"all\" importers or a list of "
                                                "region codes")
    start_month: Param = Field(0.0, description="month the cut starts [months from month 0]")
    duration_months: Param = Field(description="length of the cut [months]")
    cut: Param = Field(description="share of the exporter's exports to the targets that is stopped [1]")
    leakage: Param = Field(0.0, description="share of the cut that still arrives via third "
                           "countries [1]")
    stage: Literal["mine", "refinery"] | None = Field(
        None, description="the stage whose output the exporter withholds (the market the model "
        "clears); default: baseline.stage, else the commodity's stage")

    @field_validator("cut", "leakage")
    @classmethod
    def _share(cls, v: Param) -> Param:
        return _check_range(v, 0.0, 1.0)

    @field_validator("duration_months", "start_month")
    @classmethod
    def _months(cls, v: Param) -> Param:
        return _check_range(v, 0.0, math.inf)

    @field_validator("targets")
    @classmethod
    def _targets(cls, v: str | list[str]) -> str | list[str]:
        if isinstance(v, list):
            if not v:
                raise ValueError("targets is empty; use \"all\" or name regions")
            return [t.upper() for t in v]
        return v

    @field_validator("exporter")
    @classmethod
    def _upper(cls, v: str) -> str:
        v = v.strip().upper()
        if not v:
            raise ValueError("exporter is empty; expected the ISO3 code of the restricting exporter, "
                             "e.g. exporter = \"CHN\"")
        return v


# --------------------------------------------------------------------------- capacity and purchases
# in critmin.market.entries (built on _Strict and Param above; the package loads this module first)
from critmin.market.entries import CapacitySpec, PurchaseSpec, check_scenario  # noqa: E402


# --------------------------------------------------------------------------- scenario
class ScenarioSpec(_Strict):
    """A complete scenario: commodity, horizon, baseline recipe, market, stockpiles, disruption."""

    name: str
    commodity: str
    description: str = ""
    horizon_months: int = Field(ge=1, le=600, description="months simulated [months]")
    baseline: BaselineSpec
    market: MarketSpec = Field(default_factory=MarketSpec)
    stockpiles: dict[str, StockpileSpec] = Field(default_factory=dict)
    disruption: DisruptionSpec
    sources: dict[str, str] = Field(default_factory=dict, description="dotted key -> source or "
                                    "reasoning shown beside the value")
    year: StrictInt | None = Field(None, ge=2000, le=2100, description="future start year: the baseline "
                                   "takes supply by country and stage and demand from IEA's outlook for "
                                   "this year (2024, 2030, 2035, 2040); month 0 is its January [calendar "
                                   "year]. A past market is [baseline] year (history from the data)")
    demand_scenario: Literal["STEPS", "APS", "NZE"] | None = Field(
        None, description="IEA demand scenario of the start year (default STEPS)")
    capacity: list[CapacitySpec] = Field(default_factory=list, description="new capacity outside the "
                                         "exporter ([[capacity]] entries)")
    purchase: list[PurchaseSpec] = Field(default_factory=list, description="state stockpile purchases "
                                         "([[purchase]] entries)")
    path: str | None = Field(None, exclude=True, description="file the spec was read from")

    @field_validator("stockpiles")
    @classmethod
    def _upper(cls, v: dict[str, StockpileSpec]) -> dict[str, StockpileSpec]:
        return {k.upper(): s for k, s in v.items()}

    @model_validator(mode="after")
    def _start_year(self) -> ScenarioSpec:
        return check_scenario(self)

    @property
    def market_stage(self) -> str | None:
        """The stage of the market the model clears (``disruption.stage``, else ``baseline.stage``;
        None: the commodity's default stage)."""
        return self.disruption.stage or self.baseline.stage

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: str = "<dict>") -> ScenarioSpec:
        """Validate a scenario given as a dict (the parsed TOML).

        Raises
        ------
        ScenarioError
            Naming ``source``, each offending key and what was expected.
        """
        try:
            return cls.model_validate({**data, "path": source})
        except ValidationError as exc:
            raise ScenarioError(_format_errors(exc, source)) from None

    def with_overrides(self, **changes: Any) -> ScenarioSpec:
        """A copy with top-level fields replaced (validated)."""
        data = self.model_dump(exclude_unset=True)
        data.update(changes)
        return ScenarioSpec.from_dict(data, source=self.path or "<dict>")

    def random_params(self) -> dict[str, Param]:
        """The per-run parameters in :data:`RANDOM_PARAMS` order (``occurs`` is the probability)."""
        d, m = self.disruption, self.market
        return {
            "disruption.occurs": d.probability,
            "disruption.start_month": d.start_month,
            "disruption.duration_months": d.duration_months,
            "disruption.cut": d.cut,
            "disruption.leakage": d.leakage,
            "market.demand_elasticity_short": m.demand_elasticity_short,
            "market.demand_elasticity_long": m.demand_elasticity_long,
            "market.substitution_months": m.substitution_months,
            "market.supply_elasticity": m.supply_elasticity,
        }

    def is_random(self) -> bool:
        """True when runs differ (a probability below 1 or any distribution, a capacity entry's
        random delay or cancellation included)."""
        p = self.random_params()
        cap = any(_is_random(c.delay_years) or 0 < c.cancel_probability < 1 for c in self.capacity)
        return cap or 0 < self.disruption.probability < 1 or any(
            _is_random(v) for k, v in p.items() if k != "disruption.occurs")


_EXPECT = {
    "duration_months": "a number of months or a distribution table such as "
                       "{dist = \"triangular\", low = 3, mode = 6, high = 12}",
    "cut": "a share in [0, 1] or a distribution table such as {dist = \"uniform\", low = 0.3, high = 0.6}",
    "exporter": "the ISO3 code of the restricting exporter, e.g. exporter = \"CHN\" (there is no "
                "default country)",
}

def _format_errors(exc: ValidationError, source: str) -> str:
    from critmin._validation import format_validation_error

    return format_validation_error(exc, source=source, what="invalid scenario", model=ScenarioSpec,
                                   expect=_EXPECT)


def _scenario_text(p: Path) -> str:
    """The text of a scenario file: UTF-8 (TOML's encoding), with or without the byte-order mark some
    Windows editors write, or UTF-16 with its byte-order mark (Notepad's "Unicode"); anything else is
    refused at the line and column of its first byte that is not UTF-8."""
    raw = p.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ScenarioError(f"invalid scenario {p}: starts as UTF-16 text but is not (at byte "
                                f"{exc.start}); save it as UTF-8") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - raw.rfind(b"\n", 0, exc.start)
        raise ScenarioError(f"invalid scenario {p}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at line "
                            f"{line}, column {col}); save it as UTF-8") from None


def load_scenario(path: str | Path) -> ScenarioSpec:
    """Read and validate a scenario TOML file.

    Parameters
    ----------
    path : str or Path
        The ``.toml`` file.

    Returns
    -------
    ScenarioSpec

    Raises
    ------
    ScenarioError
        When the file is missing, is not valid TOML (with line and column, or nested too deeply), or
        a key is missing, unknown or out of range (naming the file, the key and what was expected).
    """
    p = Path(path)
    if not p.exists():
        raise ScenarioError(f"scenario file not found: {p}")
    try:
        data = tomllib.loads(_scenario_text(p))
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"invalid scenario {p}: not valid TOML: {exc}") from None
    except RecursionError:
        raise ScenarioError(f"invalid scenario {p}: nested too deeply; expected a few levels") from None
    return ScenarioSpec.from_dict(data, source=str(p))
