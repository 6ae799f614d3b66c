"""Helpers shared by the criticality methods: NaN tests, ranking, the top contributor, and the
warehouse readers used once per run (WGI, U.S. net import reliance).

The readers take the warehouse object they are given; this module imports no warehouse. Each is
read once per warehouse (:func:`critmin._memo.memo_shared`: cleared when the data change) and
shared by the runs, which only read it.
"""

from __future__ import annotations

import math

import pandas as pd

from critmin._json import num as _num
from critmin._memo import memo_shared
from critmin.criticality.results import MaterialAssessment
from critmin.errors import DataError
from critmin.governance import wgi_mean, wgi_scaled


def _nan(x: object) -> bool:
    try:
        return x is None or math.isnan(float(x))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True


def _isnan(x: object) -> bool:
    return _num(x) is None


def _rank(materials: list[MaterialAssessment], key: str = "supply_risk") -> list[MaterialAssessment]:
    def k(m: MaterialAssessment) -> tuple:
        v = m.supply_risk if key == "supply_risk" else m.factors.get(key)
        v = _num(v)
        ei = _num(m.economic_importance)
        return (v is None, -(v or 0.0), ei is None, -(ei or 0.0), m.material)

    return sorted(materials, key=k)


def _top(res) -> str | None:
    if res is None or res.contributions.empty:
        return None
    r = res.contributions.iloc[0]
    return f"{r['country']} {r['share']:.0%}"


def _governance_table(warehouse) -> pd.DataFrame:
    """The warehouse's ``governance_latest`` rows, read once per warehouse (shared: do not change)."""
    return memo_shared(warehouse, ("governance-latest",),
                       lambda: warehouse.table("governance", latest=True))


def _governance(warehouse) -> _Governance:
    """The :class:`_Governance` of the warehouse, one per warehouse (its scaled means kept)."""
    return memo_shared(warehouse, ("criticality-governance",), lambda: _Governance(warehouse))


def _us_nir(warehouse) -> _UsNir:
    """The :class:`_UsNir` of the warehouse, one per warehouse."""
    return memo_shared(warehouse, ("criticality-us-nir",), lambda: _UsNir(warehouse))


class _Governance:
    """The warehouse's WGI (latest edition); scaled means cached per year."""

    def __init__(self, warehouse) -> None:
        self.gov = _governance_table(warehouse)
        if self.gov.empty:
            raise DataError("no WGI data (governance table) in the warehouse")
        self.years = sorted(int(y) for y in self.gov["year"].dropna().unique())
        self._scaled: dict[int, pd.Series] = {}

    def year_for(self, year: int) -> int:
        """The latest WGI data year not after ``year`` (the first one if all are after)."""
        return max([y for y in self.years if y <= year] or [self.years[0]])

    def scaled(self, year: int) -> tuple[pd.Series, int]:
        """WGI mean scaled 0–10 [1] for the data year used for ``year``, and that year."""
        wy = self.year_for(year)
        if wy not in self._scaled:
            self._scaled[wy] = wgi_scaled(wgi_mean(self.gov, wy, min_indicators=1))
        return self._scaled[wy], wy


def _world_shares(res) -> pd.Series:
    t = res.table
    s = t.set_index("country")["share"].astype(float).dropna()
    return s[s > 0]


class _UsNir:
    """U.S. net import reliance as USGS reports it (salient ``nir`` rows), read once per warehouse.

    Per commodity: the latest year reported, from the most recently published edition giving that
    year (as :func:`critmin.dependence.us_net_import_reliance` picks it); every series of that edition
    and year, the highest used; ``E`` (net exporter) counts as 0; bounds (``>50%``) at the bound.
    """

    def __init__(self, warehouse) -> None:
        self.rows = warehouse.query(
            "SELECT commodity, year, detail, value, missing, qualifier, edition, edition_date "
            "FROM salient WHERE statistic = 'nir' AND country = 'USA' AND source = 'usgs-mcs'")

    def get(self, cid: str) -> tuple[float, str]:
        """(NIR [1, fraction], description of the figures used)."""
        d = self.rows[self.rows["commodity"] == cid]
        usable = d[d["value"].notna() | (d["missing"] == "net_exporter")]
        if usable.empty:
            return float("nan"), "no U.S. net import reliance data"
        y = int(usable["year"].max())
        d = usable[usable["year"] == y]
        d = d[d["edition_date"] == d["edition_date"].max()]
        vals = []
        for r in d.sort_values("detail").itertuples(index=False):
            if r.missing == "net_exporter":
                vals.append((0.0, f"{r.detail}: net exporter (E)"))
            else:
                q = r.qualifier if isinstance(r.qualifier, str) else ""
                vals.append((float(r.value) / 100.0, f"{r.detail}: {q}{r.value / 100.0:.0%}"))
        v = max(x[0] for x in vals)
        src = f"U.S. NIR {y} ({d['edition'].iloc[0]}): " + "; ".join(x[1] for x in vals)
        if len(vals) > 1:
            src += " (highest series used)"
        return v, src
