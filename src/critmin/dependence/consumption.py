"""An importer's apparent consumption and net import reliance from trade data (docs/methods.md §1).

``apparent consumption = production + imports - exports``; ``NIR = (imports - exports) / apparent
consumption``. For importers USGS does not cover (Japan, Korea, the EU), imports are the importer's own
reported imports (the World total of :func:`critmin.dependence.importer_dependence`), exports the
partner side: what the file's other reporters say they imported *from* the importer (a lower bound,
as only those reporters are counted), and production the importer's USGS production of the commodity
at its headline stage (none when USGS does not list the country).

Trade is counted in the weight of the traded product; the commodity's basis (USGS's: REO for rare
earths, gross tonnes for natural graphite, contained cobalt or nickel) needs a conversion, stated with
its source in :data:`CONVERSIONS`:

* graphite (HS 2504): 1 t traded = 1 t, as USGS counts natural graphite in gross tonnes;
* rare earths (HS 2846): the REO equivalent USGS estimates for U.S. imports of compounds
  ("Imports: Compounds", MCS salient, REO equivalent) per tonne of U.S. HS 2846 imports the same year
  (U.S. Census data via UN Comtrade or USITC): a factor of the U.S. import mix applied to another
  importer's mix, and a lower bound of consumption, as rare-earth metals (inside the mixed heading
  2805) and magnets are not in it;
* cobalt (HS 8105), nickel (HS 7502): no conversion (the content of mattes, intermediates, scrap
  and articles is not known, and oxides, ores and mattes are other lines): the figure stays in
  product weight and is not used as consumption.

:func:`trade_apparent_consumption` is pure; :func:`importer_consumption` reads the warehouse.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from critmin._json import num as _num
from critmin.errors import DataError

__all__ = ["CONVERSIONS", "trade_apparent_consumption", "ImporterConsumption", "importer_consumption",
           "reo_factor_from_us"]

CONVERSIONS: dict[str, dict] = {
    "graphite": {"lines": ("2504",), "method": "identity", "complete": True,
                 "note": "USGS counts natural graphite in gross tonnes of graphite (MCS 2026: 'natural "
                         "graphite', basis gross) and HS 2504 is natural graphite by net weight: "
                         "1 t traded = 1 t"},
    "rare-earths": {"lines": ("2846",), "method": "us-reo-per-2846", "complete": False,
                    "note": "REO equivalent of compound imports per tonne of HS 2846, from U.S. data of "
                            "the same year: USGS MCS 'Imports: Compounds' (REO equivalent, estimated by "
                            "USGS from U.S. Census data) / U.S. imports of HS 2846 [t]; the U.S. mix "
                            "stands for the importer's; rare-earth metals (in the mixed heading 2805) "
                            "and magnets are not counted, so the result is a lower bound"},
    "cobalt": {"lines": ("8105",), "method": None, "complete": False,
               "note": "no conversion: HS 8105 (mattes, intermediates, unwrought cobalt, scrap, "
                       "articles) has no stated cobalt content, and oxides/hydroxides (2822) and ores "
                       "(2605) are not in the bilateral file"},
    "nickel": {"lines": ("7502",), "method": None, "complete": False,
               "note": "no conversion to the consumption USGS counts: HS 7502 is unwrought nickel only; "
                       "mattes (7501), ores (2604) refined at home and ferronickel are not in the "
                       "bilateral file"},
}
"""Commodity -> how traded weight becomes the commodity's basis (``method`` None: not converted;
``complete`` False: the converted figure is a lower bound, not the consumption)."""


def trade_apparent_consumption(imports_t: float, exports_t: float, production_t: float = 0.0,
                         factor: float = 1.0) -> tuple[float, float]:
    """Apparent consumption and net import reliance (docs/methods.md §1).

    Parameters
    ----------
    imports_t, exports_t : float
        Imports and exports [t of traded product].
    production_t : float
        Domestic production [t, in the commodity's basis].
    factor : float
        Commodity basis per tonne of traded product [1].

    Returns
    -------
    (consumption_t, nir) : (float, float)
        ``production + factor (imports - exports)`` [t, basis] and ``factor (imports - exports) /
        consumption`` [1] (NaN when consumption is not positive).

    Examples
    --------
    >>> trade_apparent_consumption(100.0, 20.0, 0.0, 0.5)
    (40.0, 1.0)
    >>> trade_apparent_consumption(100.0, 20.0, 40.0)
    (120.0, 0.6666666666666666)
    """
    net = factor * (float(imports_t) - float(exports_t))
    cons = float(production_t) + net
    return cons, (net / cons if cons > 0 else math.nan)


@dataclass
class ImporterConsumption:
    """An importer's apparent consumption of one commodity from trade data.

    Attributes
    ----------
    commodity, importer : str
        Catalogue id; ISO3 or bloc.
    year : int
        Trade year.
    hs_codes : list of str
        Lines summed.
    source : str
        ``source edition`` of the trade rows.
    imports_t, exports_t : float
        Imports (the importer's World total) and exports (other reporters' imports from it: a lower
        bound) [t of traded product].
    exports_reporters : int
        Reporters whose imports from the importer are counted as its exports.
    production_t : float
        USGS production of the importer [t, basis] (0 when not listed).
    production_source : str
    gross_t : float
        ``imports - exports`` [t of traded product].
    factor : float or None
        Basis per tonne traded [1] (None: no conversion).
    factor_source : str
        How the factor was obtained (rows cited).
    consumption_t : float or None
        Apparent consumption in the commodity's basis [t] (None without a factor).
    complete : bool
        True when ``consumption_t`` is the consumption (not a lower bound) and may replace an estimate.
    nir : float
        Net import reliance [1] (NaN when not computable).
    basis : str
        The commodity's basis (REO, gross, contained).
    notes : list of str
    """

    commodity: str
    importer: str
    year: int
    hs_codes: list[str]
    source: str
    imports_t: float
    exports_t: float
    exports_reporters: int
    production_t: float
    production_source: str
    gross_t: float
    factor: float | None
    factor_source: str
    consumption_t: float | None
    complete: bool
    nir: float
    basis: str
    notes: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """One line stating the figure and its derivation."""
        conv = (f" x {self.factor:.4g} ({self.factor_source})" if self.factor is not None else "")
        val = (f"{self.consumption_t:,.0f} t {self.basis}" if self.consumption_t is not None else
               f"{self.gross_t:,.0f} t of traded product (not converted)")
        return (f"apparent consumption from imports {self.year}: {val} = production "
                f"{self.production_t:,.0f} + (imports {self.imports_t:,.0f} - exports "
                f"{self.exports_t:,.0f} t, HS {'+'.join(self.hs_codes)}){conv} [{self.source}; exports: "
                f"{self.exports_reporters} partner reporters' imports from {self.importer}, a lower bound]"
                + ("" if self.complete else "; a lower bound or partial figure, not used as consumption"))

    def to_dict(self) -> dict:
        """A JSON-ready dict."""
        return {"commodity": self.commodity, "importer": self.importer, "year": self.year,
                "hs_codes": list(self.hs_codes), "source": self.source,
                "imports_t": _num(self.imports_t), "exports_t": _num(self.exports_t),
                "exports_reporters": self.exports_reporters,
                "production_t": _num(self.production_t), "production_source": self.production_source,
                "gross_t": _num(self.gross_t), "factor": _num(self.factor),
                "factor_source": self.factor_source, "consumption_t": _num(self.consumption_t),
                "basis": self.basis, "complete": self.complete, "nir": _num(self.nir),
                "text": self.text, "notes": list(self.notes)}


def reo_factor_from_us(warehouse, year: int) -> tuple[float, str]:
    """REO equivalent per tonne of HS 2846 imports, from U.S. data of one year.

    USGS MCS salient "Imports: Compounds" of rare earths (REO equivalent) divided by U.S. imports of
    HS 2846 [t] of the same year: the World total of a UN Comtrade dataset when one has the year,
    else the sum of the USITC partners.

    Returns
    -------
    (factor, source) : (float, str)
        [t REO / t of compounds] and the rows used.

    Raises
    ------
    DataError
        When either figure is missing for the year.
    """
    sal = warehouse.table("salient", latest=True, commodity="rare-earths", country="USA",
                          statistic="imports", year=int(year))
    sal = sal[sal["detail"].fillna("").str.casefold().str.strip() == "imports: compounds"]
    sal = sal[sal["quantity_t"].notna()]
    if sal.empty:
        raise DataError(f"no USGS 'Imports: Compounds' of rare earths for {year}")
    s = sal.iloc[0]
    from critmin.dependence.job import importer_dependence

    try:
        dep = importer_dependence("rare-earths", "USA", year=int(year), hs_codes=["2846"],
                                  source="comtrade-bilateral", warehouse=warehouse)
    except DataError:
        dep = importer_dependence("rare-earths", "USA", year=int(year), hs_codes=["2846"],
                                  warehouse=warehouse)
    us_t = (dep.world_total if dep.world_total > 0 else dep.partner_sum) / 1000.0
    if not us_t > 0:
        raise DataError(f"no U.S. imports of HS 2846 in {year}")
    f = float(s["quantity_t"]) / us_t
    return f, (f"USGS {s['edition']} 'Imports: Compounds' {year} {float(s['quantity_t']):,.0f} t REO "
               f"[{s['file']} row {s['row']}] / U.S. HS 2846 imports {year} {us_t:,.0f} t "
               f"[{dep.source} {dep.edition}]")


def importer_consumption(commodity: str, importer: str, *, year: int | None = None,
                         warehouse) -> ImporterConsumption:
    """An importer's apparent consumption and net import reliance from trade data.

    Parameters
    ----------
    commodity : str
        Catalogue id, name or USGS code.
    importer : str
        ISO3, name or ``EU``.
    year : int, optional
        Trade year (default: the latest with import data).
    warehouse : Warehouse
        Where the data live.

    Returns
    -------
    ImporterConsumption

    Raises
    ------
    DataError
        When the importer has no import data for the commodity's lines (a commodity without a
        :data:`CONVERSIONS` entry uses its default lines and is not converted).
    """
    import warnings

    from critmin.commodities import get as get_commodity
    from critmin.dependence.job import _resolve_importer, importer_dependence
    from critmin.supply import supply

    com = get_commodity(commodity)
    conv = CONVERSIONS.get(com.id) or {
        "lines": None, "method": None, "complete": False,
        "note": "no conversion from traded weight to the commodity's basis is stated "
                "(critmin.dependence.consumption.CONVERSIONS): the catalogue's default lines, in "
                "product weight"}
    imp, members = _resolve_importer(importer)
    dep = importer_dependence(com.id, imp, year=year,
                              hs_codes=list(conv["lines"]) if conv["lines"] else None,
                              warehouse=warehouse)
    imports_t = (dep.world_total if dep.world_total > 0 else dep.partner_sum) / 1000.0
    # exports: the other reporters' imports from the importer (partner side), same dataset and year
    own = set(members) if members else {imp}
    # a bloc's exports: those of the members whose imports are counted (intra-bloc left out)
    senders = set(dep.members_present) if members else {imp}
    rows = warehouse.table("trade", source=dep.source, edition=dep.edition, flow="import", freq="A",
                           partner=sorted(senders), hs_code=dep.hs_codes)
    rows = rows[~rows["reporter"].isin(own)
                & (pd.to_datetime(rows["period"]).dt.year == dep.year)] if len(rows) else rows
    exports_t = float(rows["quantity_kg"].sum()) / 1000.0 if len(rows) else 0.0
    notes = []
    if len(rows) and rows["quantity_kg"].isna().any():
        notes.append(f"{int(rows['quantity_kg'].isna().sum())} partner rows without weight are left "
                     "out of the exports")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sup = supply(com.id, warehouse=warehouse)
    p = sup.table.loc[sup.table["country"].isin(own), "quantity"]
    prod = float(p.sum()) if len(p) and p.notna().all() else 0.0
    prod_src = (f"USGS {sup.edition} {sup.stage} production {sup.year} ({sup.basis})" if len(p) else
                f"{imp} is not listed among {sup.stage} producers in USGS {sup.edition} {sup.year}: 0")
    factor, fsrc = None, conv["note"]
    if conv["method"] == "identity":
        factor = 1.0
    elif conv["method"] == "us-reo-per-2846":
        try:
            factor, rows_used = reo_factor_from_us(warehouse, dep.year)
            fsrc = f"{rows_used}; {conv['note']}"
        except DataError as exc:
            notes.append(f"no REO factor: {exc}")
    gross = imports_t - exports_t
    if factor is not None:
        cons, nir = trade_apparent_consumption(imports_t, exports_t, prod, factor)
    else:
        cons = None
        nir = 1.0 if prod == 0 and gross > 0 else math.nan
    return ImporterConsumption(
        commodity=com.id, importer=imp, year=dep.year, hs_codes=list(dep.hs_codes),
        source=f"{dep.source} {dep.edition}", imports_t=imports_t, exports_t=exports_t,
        exports_reporters=int(rows["reporter"].nunique()) if len(rows) else 0,
        production_t=prod, production_source=prod_src, gross_t=gross, factor=factor,
        factor_source=fsrc, consumption_t=cons,
        complete=bool(conv["complete"] and factor is not None and cons is not None and cons > 0),
        nir=nir, basis=sup.basis or "", notes=notes)
