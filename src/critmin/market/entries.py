"""``[[capacity]]`` and ``[[purchase]]`` entries of a scenario (issues 14 and 17; docs/methods.md §6, §7).

Validated as :mod:`critmin.market.spec` validates every key (finite floats, strict integers, errors that
name the key); the market model reads them through :mod:`critmin.market.additions`.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, FiniteFloat, StrictInt, field_validator, model_validator

from critmin.market.spec import Param, _check_range, _Strict, param_support

__all__ = ["CapacitySpec", "PurchaseSpec", "check_scenario"]

_ISO3_HINT = "a three-letter ISO3 country code"


def _iso3(v: str) -> str:
    v = v.strip().upper()
    if len(v) != 3 or not v.isalpha():
        raise ValueError(f"expected {_ISO3_HINT}, got {v!r}")
    return v


class CapacitySpec(_Strict):
    """New capacity outside the exporter (a ``[[capacity]]`` entry), drawn per run (docs/methods.md §6).

    In run s the project starts producing ``12 x (first_year - year + delay_s)`` months after month 0
    (month 0 is January of the scenario's ``year``), or ``start_month + 12 x delay_s`` months, and ramps
    linearly to ``t_per_year`` over ``ramp_months``; with probability ``cancel_probability`` it never
    produces. ``delay_years`` is a number or a distribution table of the delay in years; a discrete
    "probability of delay by year" is ``{dist = "choice", values = [0, 1, 2, 3], weights = [...]}``.
    Its output is price-inelastic supply added to the market the model clears: it first displaces the
    exporter's exports (so a cut withholds less), and beyond them is sold at P0 only as far as the
    market needs it (see :mod:`critmin.market.model`).
    """

    name: str | None = Field(None, description="project name shown in outputs")
    country: str = Field(description="ISO3 of the country where the capacity is built")
    stage: Literal["mine", "refinery"] = Field(description="the stage the capacity adds to; only "
                                               "entries of the market's stage enter the model")
    t_per_year: FiniteFloat = Field(ge=0, description="nameplate output [t/yr], on ``basis``")
    basis: Literal["scenario", "iea"] = Field(
        "scenario", description="\"scenario\": t_per_year is on the scenario's basis (its baseline's "
        "tonnes); \"iea\": on IEA's basis (magnet rare earth elements for rare earths), converted with "
        "the baseline's IEA-to-scenario factor (needs an IEA baseline: a start year or an IEA stage)")
    first_year: StrictInt | None = Field(None, ge=1900, le=2200, description="planned first year of "
                                         "output [calendar year] (needs the scenario's year)")
    start_month: FiniteFloat | None = Field(None, description="planned start of output [months from "
                                            "month 0] (instead of first_year)")
    ramp_months: FiniteFloat = Field(0.0, ge=0, description="months from first output to nameplate "
                                     "(linear) [months]")
    delay_years: Param = Field(0.0, description="delay of the first output [years]: a number or a "
                               "distribution (drawn per run)")
    cancel_probability: FiniteFloat = Field(0.0, ge=0, le=1, description="probability that the "
                                            "project never produces [1] (drawn per run)")
    note: str | None = Field(None, description="source or reasoning shown with the entry")

    @field_validator("country")
    @classmethod
    def _country(cls, v: str) -> str:
        return _iso3(v)

    @field_validator("delay_years")
    @classmethod
    def _delay(cls, v: Param) -> Param:
        lo, hi = param_support(v)
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise ValueError("delay_years must be finite (give a distribution with a finite high)")
        return _check_range(v, 0.0, 100.0)

    @model_validator(mode="after")
    def _when(self) -> CapacitySpec:
        if (self.first_year is None) == (self.start_month is None):
            raise ValueError("give exactly one of first_year, start_month")
        return self

    @property
    def label(self) -> str:
        """The name shown in outputs (``name``, else country and stage)."""
        return self.name or f"{self.country} {self.stage}"


class PurchaseSpec(_Strict):
    """A state stockpile buying on the market (a ``[[purchase]]`` entry, docs/methods.md §7).

    ``tonnes`` bought evenly over ``months`` from ``start_month`` (fractional months honoured): extra,
    price-inelastic demand of ``region`` (a baseline region, or the exporter: its reserve buys from its
    producers' whole output, so only its export share of the purchase comes off the market outside
    it). The purchase is served before other buyers, also at the choke price; what it buys goes into a
    state stock that is not released within the horizon.
    """

    name: str | None = Field(None, description="name shown in outputs")
    region: str = Field(description="the buying region (a baseline region or the exporter's ISO3)")
    tonnes: FiniteFloat = Field(gt=0, description="quantity bought [t]")
    start_month: FiniteFloat = Field(0.0, ge=0, description="first month of buying [months from month 0]")
    months: FiniteFloat = Field(gt=0, description="length of the buying [months]")
    note: str | None = Field(None, description="source or reasoning shown with the entry")

    @field_validator("region")
    @classmethod
    def _region(cls, v: str) -> str:
        v = v.strip().upper()
        if not v:
            raise ValueError("region is empty")
        return v

    @property
    def t_per_month(self) -> float:
        """Buying rate [t/month]."""
        return self.tonnes / self.months

    @property
    def label(self) -> str:
        return self.name or f"{self.region} purchase"


def check_scenario(spec):
    """Cross-key checks of a scenario's start year, entries and stage (its model validator).

    Raises
    ------
    ValueError
        ``demand_scenario`` without ``year``; a ``first_year`` entry without ``year``; a baseline
        stage and a disruption stage that differ.
    """
    if spec.demand_scenario is not None and spec.year is None:
        raise ValueError("demand_scenario needs year (the start year whose IEA demand it picks)")
    timed = [c.label for c in spec.capacity if c.first_year is not None]
    if timed and spec.year is None:
        raise ValueError(f"capacity entries with first_year ({', '.join(timed)}) need the scenario's "
                         "year (month 0 is its January); or give start_month instead")
    b, d = spec.baseline.stage, spec.disruption.stage
    if b is not None and d is not None and b != d:
        raise ValueError(f"baseline.stage ({b}) and disruption.stage ({d}) differ: the model clears "
                         "one market, the stage whose output the exporter withholds")
    return spec
