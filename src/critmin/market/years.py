"""The year a market baseline stands on (:mod:`critmin.market.baseline`): the producer table of a
year with data, from one edition, and the errors that say which years and editions there are.

``[baseline] year`` is a year with production by country: the latest by default, or a past one (the
market of that year: history, e.g. 2009 from World Mining Data where USGS has only world totals);
``[baseline] edition`` picks among the editions covering it, else source precedence does
(:func:`critmin.sources.editions.precedence_key`: USGS editions newest first, then World Mining Data,
then BGS). A year beyond the data is refused with the key for a future market: the scenario's top-level
``year`` (IEA's outlook, :mod:`critmin.market.projection`).
"""

from __future__ import annotations

import warnings

import pandas as pd

from critmin.errors import CritminError, ScenarioError
from critmin.market.spec import ScenarioSpec
from critmin.sources.editions import precedence_key

__all__ = ["year_supply", "country_rows", "country_years", "year_ranges"]


def _err(spec: ScenarioSpec, key: str, msg: str) -> ScenarioError:
    return ScenarioError(f"scenario {spec.path or spec.name}: [{key}] {msg}")


def year_ranges(years: list[int]) -> str:
    """``1970–2025`` or ``1970–1999, 2001–2025`` (consecutive runs of the sorted years)."""
    runs: list[list[int]] = []
    for y in sorted(set(years)):
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs) or "none"


def country_rows(warehouse, commodity: str, stage: str | None, product: str | None) -> pd.DataFrame:
    """Production rows with a value by country (no aggregates) of one stage and product (all products
    when None)."""
    from critmin.supply import production_rows

    rows = production_rows(warehouse, commodity, stage)
    rows = rows[(rows["country_kind"] != "aggregate") & rows["value"].notna()]
    if product is not None:
        rows = rows[rows["product"].fillna("").str.casefold() == product.casefold()]
    return rows


def country_years(warehouse, commodity: str, stage: str, product: str) -> list[int]:
    """Years with production by country of one stage and product."""
    return sorted(int(y) for y in country_rows(warehouse, commodity, stage, product)["year"].unique())


def year_supply(spec: ScenarioSpec, com, stage: str | None, year: int | None, warehouse):
    """The producer table of ``year`` (None: the latest) from ``[baseline] edition`` or the edition
    that source precedence picks; a year or edition without data is a ScenarioError that says which
    years and editions there are (and, for a year beyond the data, that a future market is the
    scenario's top-level ``year``)."""
    from critmin.supply import supply

    b = spec.baseline
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return supply(com.id, year=year, stage=stage, product=b.product, edition=b.edition,
                          warehouse=warehouse)
    except CritminError as exc:
        st = stage or com.default_stage
        product = b.product
        if product is None:  # the product supply picks (its latest table), for the years it has
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    product = supply(com.id, stage=stage, warehouse=warehouse).product
            except CritminError:
                product = None
        rows = country_rows(warehouse, com.id, st, product)
        years = sorted(int(y) for y in rows["year"].unique())
        what = f"{st} production by country of {com.id}"
        if year is not None and years and year not in years:
            hint = (f"; {year} lies beyond the data: a future market is the scenario's top-level "
                    f"year = {year} (IEA's outlook)" if year > years[-1] else "")
            raise _err(spec, "baseline.year", f"no {what} for {year}; years with data: "
                       f"{year_ranges(years)}{hint}") from None
        if b.edition is not None:
            eds = rows.groupby("edition")["year"].agg(["min", "max"])
            if b.edition not in eds.index:
                raise _err(spec, "baseline.edition", f"no edition {b.edition!r} in the {what}; editions: "
                           f"{', '.join(sorted(eds.index))}") from None
            y = year if year is not None else years[-1]
            covering = sorted({(str(r.edition), str(r.source), str(r.edition_date)[:10]) for r in
                               rows[rows["year"] == y].itertuples(index=False)},
                              key=lambda e: precedence_key(e[1], e[0], e[2]))
            lo, hi = eds.loc[b.edition]
            raise _err(spec, "baseline.edition", f"{b.edition} has no {what} for {y} (it covers "
                       f"{int(lo)}–{int(hi)}); editions covering {y}: " + ", ".join(
                           f"{e} ({s})" for e, s, _ in covering)) from None
        raise _err(spec, "baseline", f"production data: {exc}") from None
