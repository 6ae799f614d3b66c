"""Pure functions of the outlook (docs/methods.md §6): supply by stage and country, demand, balance.

They take rows of the ``outlook_supply`` and ``outlook_demand`` tables (one commodity, one edition) and
return tidy DataFrames; nothing here opens the warehouse. IEA's years are kept as they are (2024, 2030,
2035, 2040 for supply; 2024 and 2030–2050 every five years for demand): nothing is interpolated.

* shares are of IEA's world total per stage and year (``WLD``), "Rest of world" (``OTH``) included as its
  own line, so a stage's shares sum to 1;
* ``top3_share`` is the three largest countries' share of the total, ranked afresh each year (OTH is no
  country);
* ``hhi`` is ``sum(S_c^2)`` over the countries' shares *of IEA's world total*, "Rest of world" kept
  out (docs/methods.md §1): IEA names only four to six countries per stage, and renormalising over them
  would overstate concentration where Rest of world is large (copper refining 2024: 37 % of the total;
  HHI 0.20 on shares of the total, 0.51 over the named countries). Rest of world counts as many
  small producers, so the HHI is a lower bound; ``other_share`` says how much it holds.
  ``critmin supply --source iea`` computes it the same way;
* ``balance_t = supply_t - demand_t`` per stage and year, ``balance_share = balance_t / demand_t``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from critmin.sources.iea import BASE_SCENARIO, SECTOR_CLEAN, SECTOR_OTHER, SECTOR_TOTAL
from critmin.supply.concentration import (  # noqa: F401 - hhi_of_total re-exported
    hhi,
    hhi_of_total,
    supply_table,
    supply_totals,
)

__all__ = [
    "in_file_order",
    "STAGE_ORDER",
    "hhi_of_total",
    "stage_years",
    "country_supply",
    "demand_table",
    "demand_totals",
    "balance",
    "balance_table",
]

STAGE_ORDER = ("mine", "refinery")
"""Stages in display order."""


def in_file_order(rows: pd.DataFrame) -> pd.DataFrame:
    """``outlook_supply`` or ``outlook_demand`` rows in the order of IEA's file (``file``, ``row``):
    a table read from the warehouse comes in the order a build happened to store it, which differs
    from one build to another; sums over the rows (and the sectors' order) would follow it."""
    if {"file", "row"} <= set(rows.columns):
        return rows.sort_values(["file", "row"], kind="stable")
    return rows


def stage_years(supply_rows: pd.DataFrame) -> pd.DataFrame:
    """Concentration per stage and year.

    Parameters
    ----------
    supply_rows : DataFrame
        ``outlook_supply`` rows of one commodity, case and edition (countries, ``OTH`` and ``WLD``).

    Returns
    -------
    DataFrame
        One row per (stage, year), stages in :data:`STAGE_ORDER`, years ascending: stage, year,
        projected, basis, supply_t (IEA's world total, else the sum of countries and OTH) [t],
        countries_t [t], other_t [t], other_share [1], china_share [1], top_country, top_share [1],
        top3_share [1], hhi [1] (:func:`hhi_of_total`), hhi_points [points], n_countries.
    """
    out = []
    supply_rows = in_file_order(supply_rows)  # sums in IEA's order, whatever order the rows came in
    if supply_rows.empty:
        groups = []
    else:
        # every (stage, year) table in one pass, bit for bit supply_table's (see supply_totals)
        groups = supply_totals(supply_rows, ["stage", "year"])
        projected = supply_rows["projected"].astype(bool).to_numpy(bool)
        basis = supply_rows["basis"].to_numpy(object)
        has_basis = pd.notna(basis)
    for g in groups:
        stage, year = g["key"]
        idx = g["index"]
        total = g["world_total"] if g["world_total"] else g["countries_total"] + g["other_countries"]
        q, countries = g["quantity"], g["countries"]
        keep = q > 0  # the table's countries with a positive quantity, largest first
        q, countries = q[keep], countries[keep]
        with_basis = idx[has_basis[idx]]
        out.append({
            "stage": stage,
            "year": int(year),
            "projected": bool(projected[idx].any()),
            "basis": str(basis[with_basis[0]]) if len(with_basis) else "",
            "supply_t": float(total),
            "countries_t": float(g["countries_total"]),
            "other_t": float(g["other_countries"]),
            "other_share": g["other_countries"] / total if total else math.nan,
            "china_share": float(q[countries == "CHN"].sum()) / total if total else math.nan,
            "top_country": str(countries[0]) if len(q) else None,
            "top_share": float(q[0]) / total if len(q) and total else math.nan,
            "top3_share": float(q[:3].sum()) / total if total else math.nan,
            "hhi": hhi_of_total(q, total),
            "hhi_points": hhi_of_total(q, total) * 10_000,
            "n_countries": g["n_countries"],
        })
    df = pd.DataFrame(out)
    if df.empty:
        return df
    order = {s: i for i, s in enumerate(STAGE_ORDER)}
    df["_o"] = df["stage"].map(order).fillna(len(order))
    return df.sort_values(["_o", "stage", "year"]).drop(columns="_o").reset_index(drop=True)


def country_supply(supply_rows: pd.DataFrame) -> pd.DataFrame:
    """Supply by stage, year and country (``OTH`` for Rest of world), with shares of the total.

    Parameters
    ----------
    supply_rows : DataFrame
        ``outlook_supply`` rows of one commodity, case and edition.

    Returns
    -------
    DataFrame
        stage, year, country, quantity_t [t], share [1] (of IEA's world total of the stage and
        year, else of the sum), largest first within each stage and year. Missing figures are left
        out; ``WLD`` is not a row.
    """
    supply_rows = in_file_order(supply_rows)
    rows = supply_rows[supply_rows["country"] != "WLD"]
    rows = rows[rows["quantity_t"].notna()]
    world = supply_rows[supply_rows["country"] == "WLD"].set_index(["stage", "year"])["quantity_t"]
    out = rows[["stage", "year", "country", "quantity_t"]].copy()
    out["year"] = out["year"].astype(int)
    sums = out.groupby(["stage", "year"])["quantity_t"].transform("sum")
    if world.index.is_unique:  # IEA's total per stage and year, looked up in a dict
        wmap = dict(zip(world.index, world.to_numpy(), strict=True))
        denom = [wmap.get((s, y), np.nan) for s, y in zip(out["stage"], out["year"], strict=True)]
    else:
        denom = [world.get((s, y), np.nan) for s, y in zip(out["stage"], out["year"], strict=True)]
    denom = pd.Series(denom, index=out.index, dtype=float).fillna(sums)
    out["share"] = out["quantity_t"] / denom.where(denom > 0)
    return out.sort_values(["stage", "year", "quantity_t", "country"],
                           ascending=[True, True, False, True]).reset_index(drop=True)


def demand_table(demand_rows: pd.DataFrame, scenario: str) -> pd.DataFrame:
    """Demand by sector in one scenario (the base year's figures belong to every scenario).

    Parameters
    ----------
    demand_rows : DataFrame
        ``outlook_demand`` rows of one commodity and edition, series ``total_demand``.
    scenario : str
        ``STEPS``, ``APS`` or ``NZE``.

    Returns
    -------
    DataFrame
        year, sector, demand_t [t/yr], basis; sectors as IEA publishes them, then
        ``Clean technologies (total)``, ``Other uses`` and ``Total demand``.
    """
    d = in_file_order(demand_rows)
    d = d[d["scenario"].isin([scenario, BASE_SCENARIO])]
    d = d[d["quantity_t"].notna()]
    out = d[["year", "sector", "quantity_t", "basis"]].rename(columns={"quantity_t": "demand_t"})
    out = out.assign(year=out["year"].astype(int))
    last = {SECTOR_CLEAN: 1, SECTOR_OTHER: 2, SECTOR_TOTAL: 3}
    out["_o"] = out["sector"].map(last).fillna(0)
    return out.sort_values(["year", "_o"], kind="stable").drop(columns="_o").reset_index(drop=True)


def demand_totals(demand: pd.DataFrame) -> pd.Series:
    """Total demand per year [t/yr] from :func:`demand_table` (the ``Total demand`` lines)."""
    tot = demand[demand["sector"] == SECTOR_TOTAL]
    return tot.groupby("year")["demand_t"].sum(min_count=1).rename("demand_t")


def balance(supply_t: float, demand_t: float) -> tuple[float, float]:
    """Balance of one stage and year.

    Parameters
    ----------
    supply_t : float
        Supply of the stage [t/yr].
    demand_t : float
        Demand [t/yr].

    Returns
    -------
    balance_t : float
        ``supply_t - demand_t`` [t/yr]; NaN when either is missing.
    balance_share : float
        ``balance_t / demand_t`` [1]: the surplus (positive) or gap (negative) as a share of demand;
        NaN when demand is missing or zero.
    """
    if supply_t is None or demand_t is None or np.isnan(supply_t) or np.isnan(demand_t):
        return math.nan, math.nan
    b = float(supply_t) - float(demand_t)
    return b, (b / float(demand_t) if demand_t else math.nan)


def balance_table(stages: pd.DataFrame, demand_t: pd.Series) -> pd.DataFrame:
    """Supply, demand and balance per stage and year, for the years that have both.

    Parameters
    ----------
    stages : DataFrame
        :func:`stage_years` (stage, year, supply_t).
    demand_t : Series
        Total demand per year [t/yr] (:func:`demand_totals`).

    Returns
    -------
    DataFrame
        stage, year, supply_t [t/yr], demand_t [t/yr], balance_t [t/yr], balance_share [1]; a year
        without demand (or without supply) has no row: nothing is interpolated.
    """
    out = []
    for r in stages.itertuples(index=False):
        if int(r.year) not in demand_t.index:
            continue
        d = float(demand_t[int(r.year)])
        b, s = balance(float(r.supply_t), d)
        out.append({"stage": r.stage, "year": int(r.year), "supply_t": float(r.supply_t),
                    "demand_t": d, "balance_t": b, "balance_share": s})
    return pd.DataFrame(out, columns=["stage", "year", "supply_t", "demand_t", "balance_t",
                                      "balance_share"])
