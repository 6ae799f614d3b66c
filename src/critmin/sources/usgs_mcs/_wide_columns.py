"""Column names of the MCS 2022-2025 wide salient files: statistic, unit, group and detail words.

Column names are read as ``[Group_]Statistic[_detail...]_unit`` (:func:`parse_column`): the first
token names the statistic (``USprod``/``Prod``/``Mine``/``Refinery`` production, ``Imports``,
``Exports``, ``Consump``/``Apparent`` consumption, ``NIR``, ``Price``, ``Stocks``, ``Employment``;
anything else, e.g. ``Shipments``, ``Sold``, ``Supply``, ``Recycled``, is ``other``) after an optional
group prefix (``Bauxite_``, ``Alumina_``, ``Bort_``, ``Stones_``, ``Granite_``, ``HPQ``,
``Crystal``); the last token is the unit (:data:`UNIT_TOKENS`). Used by :mod:`.salient_wide`.

Notes
-----
Quirks of the source handled on purpose (each has a test):

* **Unit tokens in column names**: ``t``, ``kt``, ``mmt`` (million t), ``kg``, ``g``, ``pct``, ``num``,
  ``dkg`` ($/kg), ``dt`` ($/t), ``dlb`` ($/lb), ``ctslb`` (cents/lb), ``dto``/``dtoz`` ($/troy oz),
  ``dg`` ($/g), ``dst`` ($/short ton), ``dct`` ($/carat), ``df`` ($/flask), ``mdol`` (million $),
  ``mct`` (million carats), ``mcm`` (million m3), ``msqft`` (million ft2), ``index``. Some are glued to
  the detail without the underscore (``USprod_Primarykg``, ``Price_WO3dt``, ``NIR_Refinedpct``); the
  longest known unit suffix is split off.
* **Net import reliance and employment columns carry wrong unit tokens** (``NIR_Compounds-Metals_t``
  in the rare-earth files, ``NIR_ct``, ``Employment_m``, ``Employment_um``, ``Employment_``): an
  ``NIR`` column is always read in percent and an ``Employment`` column as a count.
* **Consumption method** from the column name: ``Apparent``/``Apprnt``/``App``,
  ``Reported``/``Rprtd``/``Rpt``, ``Est``/``Estimated`` (the metadata definition, when there is one,
  wins: see :mod:`._fgdc`).
* **Products** of the ``prices`` table (:func:`_products`): a formula token becomes its name
  (``Nd2O3`` -> "neodymium oxide", as MCS 2026 words it, so the rare-earth oxide series line up
  across vintages); other wide-file prices are "<commodity>, <words>" ("nickel, LME"), which do not
  line up with the MCS 2026 labels; the same product priced in two units gets the unit appended.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from critmin import units
from critmin.errors import DataError

__all__ = ["UNIT_TOKENS", "SalientColumn", "parse_column"]

UNIT_TOKENS: dict[str, str] = {
    "t": "metric tons",
    "kt": "thousand metric tons",
    "mmt": "million metric tons",
    "kg": "kilograms",
    "g": "grams",
    "pct": "percent",
    "num": "number",
    "dkg": "dollars per kilogram",
    "dt": "dollars per metric ton",
    "dlb": "dollars per pound",
    "ctslb": "cents per pound",
    "dto": "dollars per troy ounce",
    "dtoz": "dollars per troy ounce",
    "dg": "dollars per gram",
    "dst": "dollars per short ton",
    "dct": "dollars per carat",
    "df": "dollars per flask",
    "mdol": "million dollars",
    "mct": "million carats",
    "mcm": "million cubic meters",
    "msqft": "million square feet",
    "index": "index",
}
"""Unit token at the end of a wide-file column name -> unit text (normalised by
:func:`critmin.units.normalize_unit`, except ``msqft`` which it does not know)."""

_CANON_EXTRA = {"million square feet": "million ft2"}

_GROUPS = ("Bauxite", "Alumina", "Bort", "Stones", "Granite", "HPQ", "Crystal")

_STATISTICS: dict[str, str] = {
    "usprod": "production", "usprodcrude": "production", "prod": "production",
    "production": "production", "mine": "production", "refinery": "production",
    "imports": "imports",
    "exports": "exports",
    "consump": "consumption", "consumption": "consumption", "consumtion": "consumption",
    "apparent": "consumption",
    "nir": "nir",
    "price": "price",
    "stocks": "stocks",
    "employment": "employment",
}

_METHOD_WORDS = {
    "apparent": "apparent", "apprnt": "apparent", "app": "apparent",
    "reported": "reported", "rprtd": "reported", "rpt": "reported",
    "estimated": "estimated", "est": "estimated",
}

_FORMULAS: dict[str, str] = {
    "CeO2": "cerium oxide",
    "Dy2O3": "dysprosium oxide",
    "Eu2O3": "europium oxide",
    "La2O3": "lanthanum oxide",
    "Nd2O3": "neodymium oxide",
    "Pr6O11": "praseodymium oxide",
    "TbO2": "terbium oxide",
    "Tb4O7": "terbium oxide",
    "Y2O3": "yttrium oxide",
    "Mischmetal": "mischmetal",
    "GeO2": "germanium dioxide",
}
"""Formula tokens of price columns -> product names, matching the MCS 2026 wording
("Neodymium oxide, 99.5% minimum" -> "neodymium oxide"). USGS writes ``TbO2`` for terbium oxide."""


@dataclass(frozen=True)
class SalientColumn:
    """What a wide-file column name says.

    Attributes
    ----------
    name : str
        The column name (after :data:`.salient_wide.COLUMN_FIXES`).
    statistic : str
        production, imports, exports, consumption, nir, price, stocks, employment or other.
    unit : str
        Canonical unit (``t``, ``kt``, ``%``, ``USD/kg``, ``count`` ...).
    group : str
        Group prefix (``Bauxite``, ``Bort``, ``HPQ`` ...) or "".
    words : tuple of str
        The detail tokens between the statistic and the unit (``("Compounds-Metals",)``).
    method : str or None
        For consumption: apparent, reported or estimated when the name says so, else None.
    key : str
        Spelling-insensitive form (``imports_metal_kg`` for ``Imports_Metalkg`` and
        ``Imports_Metal_kg``), used to find the column's metadata definition.
    """

    name: str
    statistic: str
    unit: str
    group: str
    words: tuple[str, ...]
    method: str | None
    key: str = ""



def _canon_unit(text: str) -> str:
    if text in _CANON_EXTRA:
        return _CANON_EXTRA[text]
    return units.normalize_unit(text)


# ----------------------------------------------------------------------------------------------
# column names

_PRICE_UNITS = frozenset({"dkg", "dt", "dlb", "ctslb", "dto", "dtoz", "dg", "dst", "dct", "df",
                          "index"})


def _split_unit(tokens: list[str], *, price: bool, glued_first: bool) -> tuple[list[str], str | None]:
    """Split the unit token off a column's tokens.

    A unit glued to the last word (``Primarykg``, ``WO3dt``, ``Reportedt``) is split off as the
    longest unit suffix of the right kind (a price unit for a price column, a quantity unit
    otherwise). The statistic token itself (``Employment``) is never split unless ``glued_first``.
    """
    if not tokens:
        return tokens, None
    last = tokens[-1]
    if last in UNIT_TOKENS or last.lower() == "index":
        return tokens[:-1], last.lower() if last.lower() == "index" else last
    if len(tokens) == 1 and not glued_first:
        return tokens, None
    kinds = [t for t in UNIT_TOKENS if (t in _PRICE_UNITS) == price]
    for tok in sorted(kinds, key=len, reverse=True):
        head = last[: -len(tok)]
        if last.endswith(tok) and len(head) >= 2 and (head[0].isupper() or head[0].isdigit()):
            return [*tokens[:-1], head], tok
    return tokens, None


def parse_column(name: str, *, file: str = "<salient>") -> SalientColumn:
    """Read the statistic, unit, group and detail words from a wide-file column name.

    Parameters
    ----------
    name : str
        A column name such as ``"Imports_Compounds_t"``, ``"Price_Nd2O3_dkg"``, ``"NIR_pct"``,
        ``"Bauxite_Consump_Apprnt_kt"`` or ``"CrystalPrice_cultured_dkg"``.
    file : str
        Named in errors.

    Returns
    -------
    SalientColumn

    Raises
    ------
    DataError
        When the unit token is missing or unknown (for a column that is not NIR or employment).
    """
    clean = re.sub(r"\s+", " ", name.replace('"', "")).strip()
    tokens = [t for t in clean.split("_") if t != ""]
    group = ""
    if tokens:
        first = tokens[0]
        for g in _GROUPS:
            if first == g:
                group, tokens = g, tokens[1:]
                break
            if first.startswith(g) and len(first) > len(g) and first[len(g)].isupper():
                group, tokens = g, [first[len(g):], *tokens[1:]]
                break
    stat_tok = re.split(r"[ ,]", tokens[0])[0] if tokens else ""
    statistic = _STATISTICS.get(stat_tok.casefold(), "other")
    if "Price" in tokens[:2]:
        statistic = "price"
    body, unit_tok = _split_unit(tokens, price=statistic == "price",
                                 glued_first=statistic == "other")
    words = tuple(body[1:]) if statistic != "other" or not body else tuple(body)
    if statistic == "price" and body and body[0] != "Price":
        words = tuple(w for w in body if w != "Price")
    if statistic == "nir":
        unit = "%"
    elif statistic == "employment":
        unit = "count"
    elif unit_tok is None:
        raise DataError(
            f"no unit token at the end of the column name; expected one of {sorted(UNIT_TOKENS)} "
            "(fix the name in COLUMN_FIXES if the release mislabels it)",
            file=file, row=1, column=name,
        )
    else:
        unit = _canon_unit(UNIT_TOKENS[unit_tok])
    method = None
    if statistic == "consumption":
        if stat_tok.casefold() == "apparent":
            method = "apparent"
        for w in words:
            method = method or _METHOD_WORDS.get(w.casefold())
    key_unit = "" if statistic in ("nir", "employment") else (unit_tok or "")
    key = "_".join(t.lower() for t in (group, *body, key_unit) if t)
    return SalientColumn(clean, statistic, unit, group, words, method, key)


# ----------------------------------------------------------------------------------------------
# products of the prices table, basis of the consumption table


def _product(col: SalientColumn, commodity_name: str) -> str:
    words = [w for w in col.words if w not in ("Price",)]
    if col.group:
        words = [col.group, *words]
    if len(words) == 1 and words[0] in _FORMULAS:
        return _FORMULAS[words[0]]
    if not words:
        return commodity_name.lower()
    return f"{commodity_name.lower()}, {' '.join(words)}"


def _products(cols: list[SalientColumn], commodity_name: str) -> dict[str, str]:
    """Product names of a file's price columns; the same product priced in two units (nickel in
    $/t and $/lb) gets the unit appended, and any remaining clash the column name."""
    out = {c.name: _product(c, commodity_name) for c in cols}
    for c in cols:
        if sum(v == out[c.name] for v in out.values()) > 1:
            out[c.name] = f"{out[c.name]} ({c.unit})"
    for c in cols:
        if sum(v == out[c.name] for v in out.values()) > 1:
            out[c.name] = f"{commodity_name.lower()}, {c.name}"
    return out


def _basis(col: SalientColumn) -> str:
    words = [w for w in col.words if w.casefold() not in _METHOD_WORDS]
    if col.group:
        words = [col.group, *words]
    return " ".join(words) or col.name
