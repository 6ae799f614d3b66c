"""The HS catalogue: which Harmonized System lines carry which commodity, and what else they hold.

Trade statistics are published by HS (or national HTS/CN) code, not by commodity. The catalogue
``critmin/data/hs_codes.csv`` maps codes to catalogue commodities (:mod:`critmin.commodities`), one row per
(code, commodity):

=========== ===========================================================================================
column      meaning
=========== ===========================================================================================
hs_code     the code as published: 4 digits (heading) or 6 digits (subheading)
commodity   catalogue id (a code may serve several: 811292 is gallium *and* germanium)
level       4 or 6
description the HS 2022 text of the line (abridged where long)
mixed       ``yes`` when the line also holds goods that are not this commodity
mixes       what else the line holds (for a ``mixed`` line)
unit        the quantity unit of the line in UN Comtrade (net weight, ``kg``)
stage       mineral, compound, metal, magnet, ... (what form of the commodity is traded)
default     ``yes`` when the line enters an importer-dependence calculation by default
notes       free text (national lines inside it, reporting quirks)
=========== ===========================================================================================

A *mixed* line dilutes any signal: HS 811292 ("unwrought; waste and scrap; powders" of heading 8112)
holds gallium and germanium together with indium, niobium and vanadium, so a fall in it may be a fall in
any of them. Results computed on mixed lines say so.

Descriptions follow the WCO Harmonized System 2022 nomenclature (headings 2504-8505); national lines
named in notes (``28259090`` gallium oxide, ``28539040`` gallium arsenide) are China's 8-digit lines as
listed in the qennis/ChinaCriticalMineralComtrade ``hs_map.csv`` (docs/data.md §5d).
"""

from __future__ import annotations

import csv
from importlib import resources

import pandas as pd

from critmin._strings import cache_per_storage
from critmin.commodities import get as get_commodity

__all__ = [
    "UnknownHSCodeError",
    "catalogue",
    "lines_for",
    "default_lines",
    "describe",
    "is_mixed",
    "normalize_code",
    "nested_pairs",
]

_COLUMNS = ("hs_code", "commodity", "level", "description", "mixed", "mixes", "unit", "stage",
            "default", "notes")


class UnknownHSCodeError(KeyError):
    """An HS code the catalogue does not list."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown HS code"


def normalize_code(code: object) -> str:
    """An HS code as a digit string (``2846``, ``"2846.90"`` -> ``"284690"``).

    Raises
    ------
    ValueError
        When the code holds anything but digits, dots and spaces, or has fewer than 2 digits.
    """
    text = str(code).strip().replace(".", "").replace(" ", "")
    if not text.isdigit() or len(text) < 2:
        raise ValueError(f"not an HS code: {code!r} (expected 2-10 digits)")
    return text


@cache_per_storage(maxsize=2)
def _load() -> pd.DataFrame:
    text = resources.files("critmin.data").joinpath("hs_codes.csv").read_text("utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    df = pd.DataFrame(rows, columns=list(_COLUMNS))
    df["level"] = df["level"].astype(int)
    for col in ("mixed", "default"):
        df[col] = df[col].str.strip().str.casefold().eq("yes")
    return df


def catalogue() -> pd.DataFrame:
    """The whole HS catalogue, one row per (hs_code, commodity).

    Returns
    -------
    DataFrame
        Columns ``hs_code, commodity, level, description, mixed (bool), mixes, unit, stage,
        default (bool), notes``.
    """
    return _load().copy()


def lines_for(commodity: str, *, default_only: bool = False) -> pd.DataFrame:
    """The HS lines that carry a commodity.

    Parameters
    ----------
    commodity : str
        Catalogue id, name or USGS code (``"rare-earths"``, ``"raree"``).
    default_only : bool
        Only the lines used by default for importer dependence.

    Returns
    -------
    DataFrame
        The catalogue rows of that commodity (columns as :func:`catalogue`), sorted by code; empty when
        the catalogue lists no line for it.
    """
    cid = get_commodity(commodity).id
    df = _load()
    out = df[df["commodity"] == cid]
    if default_only:
        out = out[out["default"]]
    return out.sort_values("hs_code", ignore_index=True)


def default_lines(commodity: str) -> list[str]:
    """Codes of the lines that enter an importer-dependence calculation by default (4- and 6-digit;
    a source publishes one level, and :func:`nested_pairs` finds overlaps among those present)."""
    return lines_for(commodity, default_only=True)["hs_code"].tolist()


def describe(hs_code: object) -> dict:
    """What an HS line is.

    Parameters
    ----------
    hs_code : str or int
        A catalogued code (``"811292"``, ``2846``).

    Returns
    -------
    dict
        ``hs_code``, ``level``, ``description``, ``unit``, ``mixed`` (bool: mixed for any commodity),
        ``commodities`` (list of ids), ``mixes`` (commodity -> what else the line holds),
        ``stage``, ``notes``.

    Raises
    ------
    UnknownHSCodeError
        When the code is not catalogued; the message names the catalogued heading it falls under,
        if any.
    """
    code = normalize_code(hs_code)
    df = _load()
    rows = df[df["hs_code"] == code]
    if rows.empty:
        parents = [c for c in sorted(set(df["hs_code"]), key=len, reverse=True)
                   if code.startswith(c) and c != code]
        hint = f"; it falls under the catalogued line {parents[0]}" if parents else ""
        raise UnknownHSCodeError(f"HS code {code} is not in the catalogue{hint} "
                                 "(see critmin.hs.catalogue())")
    first = rows.iloc[0]
    return {
        "hs_code": code,
        "level": int(first["level"]),
        "description": first["description"],
        "unit": first["unit"],
        "mixed": bool(rows["mixed"].any()),
        "commodities": rows["commodity"].tolist(),
        "mixes": {r.commodity: r.mixes for r in rows.itertuples() if r.mixed},
        "stage": first["stage"],
        "notes": "; ".join(dict.fromkeys(n for n in rows["notes"] if n)),
    }


def is_mixed(hs_code: object, commodity: str | None = None) -> bool:
    """True when the line also holds goods other than the commodity (any catalogued commodity
    when ``commodity`` is None).

    Raises
    ------
    UnknownHSCodeError
        When the code is not catalogued (or not catalogued for that commodity).
    """
    info = describe(hs_code)
    if commodity is None:
        return info["mixed"]
    cid = get_commodity(commodity).id
    if cid not in info["commodities"]:
        raise UnknownHSCodeError(f"HS code {info['hs_code']} is not catalogued for {cid}; it "
                                 f"carries {', '.join(info['commodities'])}")
    return cid in info["mixes"]


def nested_pairs(codes: list[str] | tuple[str, ...]) -> list[tuple[str, str]]:
    """Pairs (heading, subheading) among ``codes`` where one contains the other (``2846`` and
    ``284690``): summing both double counts."""
    cs = sorted({normalize_code(c) for c in codes}, key=len)
    return [(a, b) for i, a in enumerate(cs) for b in cs[i + 1:] if b.startswith(a) and a != b]
