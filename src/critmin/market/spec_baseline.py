"""The baseline part of a scenario (``[baseline]``, its ``price`` and ``regions``): where the month-0
market comes from (:mod:`critmin.market.baseline` builds it from the warehouse).

When the market stands: ``[baseline] year`` pins it to a year with data (the latest by default, or a
past one: history, each year's production by country from one edition, ``[baseline] edition`` or the
first by source precedence); the scenario's top-level ``year`` is a future start year, projected with
IEA's outlook (:mod:`critmin.market.projection`). The two never mean the same thing: a past top-level
``year`` or a ``[baseline] year`` beyond the data is refused with the key to use instead.

Part of :mod:`critmin.market.spec` (every name here is importable from it).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from critmin.market.spec import _Strict
from critmin.schema import YEAR_MAX, YEAR_MIN

__all__ = ["RegionSpec", "PriceSpec", "BaselineSpec"]


class RegionSpec(_Strict):
    """A consumer region outside the exporter: where its baseline demand comes from.

    Exactly one of ``from_data``, ``share_of_world`` and ``t_per_year``. The rest-of-world region
    ``ROW`` is added automatically and takes the residual so that world demand equals world supply.
    """

    name: str | None = Field(None, description="display name")
    from_data: Literal["consumption"] | None = Field(
        None, description="take demand from the warehouse consumption table (e.g. U.S. apparent "
        "consumption)")
    method: Literal["apparent", "reported"] | None = Field(
        None, description="consumption method to use with from_data (default: apparent, else reported)")
    data_year: int | None = Field(None, ge=YEAR_MIN, le=YEAR_MAX, description="year of the "
                                  "consumption figure (default: the baseline year, else the latest "
                                  "year before it)")
    share_of_world: float | None = Field(None, ge=0, le=1, description="demand as a share of world "
                                         "supply [1] (a documented estimate)")
    t_per_year: float | None = Field(None, ge=0, description="demand [t/yr] (override)")
    share_from_exporter: float | None = Field(
        None, ge=0, le=1, description="share of the region's demand bought from the exporter [1]; "
        "default: the exporter's share of the market outside it")
    note: str | None = Field(None, description="reasoning or source shown with the figure")

    @model_validator(mode="after")
    def _one_source(self) -> RegionSpec:
        given = [k for k in ("from_data", "share_of_world", "t_per_year") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of from_data, share_of_world, t_per_year"
                             + (f" (got {', '.join(given)})" if given else ""))
        if self.method is not None and self.from_data is None:
            raise ValueError("method only applies with from_data = \"consumption\"")
        return self


class PriceSpec(_Strict):
    """The base price P0: one product of the prices table, a weighted basket, or a given value."""

    product: str | None = Field(None, description="product name in the prices table")
    basket: dict[str, float] | None = Field(None, description="product -> weight [1]; weights are "
                                            "normalised to sum to 1")
    usd_per_t: float | None = Field(None, gt=0, description="P0 [USD/t] (override)")
    year: int | None = Field(None, ge=YEAR_MIN, le=YEAR_MAX, description="price year (default: the "
                             "baseline year, else the latest year before it)")
    note: str | None = None

    @model_validator(mode="after")
    def _one(self) -> PriceSpec:
        given = [k for k in ("product", "basket", "usd_per_t") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of product, basket, usd_per_t"
                             + (f" (got {', '.join(given)})" if given else ""))
        if self.basket is not None:
            if not self.basket:
                raise ValueError("basket is empty")
            if any(w < 0 for w in self.basket.values()) or sum(self.basket.values()) <= 0:
                raise ValueError("basket weights must be non-negative and not all zero")
        return self


class BaselineSpec(_Strict):
    """How to build the month-0 baseline from the warehouse, with overrides."""

    year: int | None = Field(
        None, ge=YEAR_MIN, le=YEAR_MAX, description="the year of the market [calendar year]: its "
        "production by country, and by default its consumption and price, are that year's data (a past "
        "year: history, e.g. 2009 from World Mining Data where USGS has no country table); default: the "
        "latest year with production by country. A future market is the scenario's top-level year "
        "(IEA's outlook); with both, this is the base year that the outlook scales")
    edition: str | None = Field(
        None, min_length=1, description="edition of the production table (e.g. WMD-1984-2017, BGS-WMS, "
        "MYB2017, MCS2026); default: the first edition covering the year by source precedence (USGS "
        "editions newest first, then World Mining Data, then BGS)")
    stage: str | None = Field(None, description="production stage (default: the commodity's)")
    product: str | None = Field(None, description="production product when a stage has several")
    capacity_t_per_year: dict[str, float] = Field(
        default_factory=dict, description="supplier ISO3 -> capacity [t/yr], replacing the data")
    tied_to_exporter: list[str] = Field(
        default_factory=list, description="suppliers whose output is processed and sold by the "
        "exporter (their capacity is added to the exporter's)")
    exporter_export_share: float | None = Field(
        None, ge=0, le=1, description="share of the exporter's output it exports [1]")
    exporter_home_demand_t_per_year: float | None = Field(
        None, ge=0, description="the exporter's own consumption [t/yr]")
    exporter_note: str | None = None
    price: PriceSpec
    regions: dict[str, RegionSpec] = Field(default_factory=dict)
    projected_suppliers: Literal["all", "exporter"] = Field(
        "all", description="with a start year: \"all\" suppliers as IEA's base case projects them "
        "(operating and announced projects weighted by their chance of coming online), or only the "
        "\"exporter\" (the others keep their base-year output; their new capacity comes from the "
        "scenario's [[capacity]] entries, so that announced projects are not counted twice)")

    @field_validator("capacity_t_per_year")
    @classmethod
    def _nonneg(cls, v: dict[str, float]) -> dict[str, float]:
        bad = {k: x for k, x in v.items() if not (x >= 0)}
        if bad:
            raise ValueError(f"capacities must be >= 0 t/yr: {bad}")
        return {k.upper(): float(x) for k, x in v.items()}

    @field_validator("regions")
    @classmethod
    def _no_row(cls, v: dict[str, RegionSpec]) -> dict[str, RegionSpec]:
        if any(k.upper() == "ROW" for k in v):
            raise ValueError("ROW is the rest-of-world residual and is added automatically; "
                             "do not define it")
        return {k.upper(): r for k, r in v.items()}

    @model_validator(mode="after")
    def _exporter(self) -> BaselineSpec:
        given = [k for k in ("exporter_export_share", "exporter_home_demand_t_per_year")
                 if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of exporter_export_share, "
                             "exporter_home_demand_t_per_year (the exporter's own consumption is not in "
                             "the data)")
        return self
