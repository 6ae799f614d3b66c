"""The commodity catalogue: one row per USGS Mineral Commodity Summaries (MCS) commodity.

Each source names a commodity its own way: the MCS 2022-2025 data releases use five-letter-ish
file codes that changed between vintages (``raree`` -> ``rareee``, ``lithi`` -> ``lithium``,
``zirco-hafni`` -> ``zirco``); the single MCS 2025 world file has a ``COMMODITY`` column with
trailing spaces and a misspelling (``"Gemanium"``); the MCS 2026 long file has an upper-case
``MCS chapter`` plus a ``Commodity`` column naming sub-commodities (``"Dysprosium"`` in
``RARE EARTHS (Heavy)``, ``"Palladium"`` in ``PLATINUM-GROUP METALS``). The catalogue maps all of
them to one canonical, kebab-case id (``rare-earths``, ``lithium``, ``platinum-group-metals``, ...).

The catalogue is data: ``critmin/data/commodities.csv`` with columns

==================== ===============================================================================
column               meaning
==================== ===============================================================================
id                   canonical kebab-case id
name                 display name
usgs_codes           ``;``-separated file codes used over the MCS vintages
mcs2025_names        ``;``-separated ``COMMODITY`` values of ``MCS2025_World_Data.csv``
                     (as published, stripped)
mcs2026_chapters     ``;``-separated ``MCS chapter`` values of ``MCS2026_Commodities_Data.csv``
mcs2026_commodities  ``;``-separated ``Commodity`` values of the MCS 2026 file belonging to it
                     (a ``;`` inside a value is written ``,``; lookups treat them alike)
world_table          ``yes`` when the MCS 2023-2025 releases have a world production table for it
stages               ``;``-separated production stages (mine, refinery, smelter, plant)
default_stage        the stage of the headline world production figure
basis                what the headline tonnage counts (REO, contained, gross, oxide, K2O)
product              the headline product (what readers put in ``product`` when the source names no
                     sub-product)
unit                 canonical unit of world production (see :func:`critmin.units.normalize_unit`)
notes                free text
==================== ===============================================================================

Lookups are case-insensitive and ignore surrounding and repeated whitespace; no fuzzy matching is
done (an unknown name raises :class:`~critmin.errors.UnknownCommodityError` suggesting close ids).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import pandas as pd

from critmin.errors import UnknownCommodityError

__all__ = [
    "Commodity",
    "catalogue",
    "get",
    "from_usgs_code",
    "from_mcs_name",
    "code_from_filename",
    "ids",
]

_LIST_COLUMNS = ("usgs_codes", "mcs2025_names", "mcs2026_chapters", "mcs2026_commodities", "stages")


@dataclass(frozen=True)
class Commodity:
    """One catalogue entry.

    Attributes
    ----------
    id : str
        Canonical kebab-case id (``"rare-earths"``).
    name : str
        Display name (``"Rare earths"``).
    usgs_codes : tuple of str
        USGS MCS file codes over the vintages (``("raree", "rareee")``).
    mcs2025_names : tuple of str
        ``COMMODITY`` values of the MCS 2025 world file.
    mcs2026_chapters : tuple of str
        ``MCS chapter`` values of the MCS 2026 file.
    mcs2026_commodities : tuple of str
        ``Commodity`` values of the MCS 2026 file that belong to this id.
    world_table : bool
        True when the MCS 2023-2025 data releases carry a world production table for it.
    stages : tuple of str
        Production stages reported (``mine``, ``refinery``, ``smelter``, ``plant``).
    default_stage : str
        Stage of the headline world production figure.
    basis : str
        What the headline tonnage counts (``REO``, ``contained``, ``gross``, ``oxide``, ``K2O``).
    product : str
        The headline product (``"rare-earth-oxide equivalent"``, ``"lithium content"``).
    unit : str
        Canonical unit of world production (``t``, ``kt``, ``kg``, ``Mt``, ``million carats``,
        ``thousand carats``, ``million m3``; empty when there is no production table).
    notes : str
        Free text.
    """

    id: str
    name: str
    usgs_codes: tuple[str, ...]
    mcs2025_names: tuple[str, ...]
    mcs2026_chapters: tuple[str, ...]
    mcs2026_commodities: tuple[str, ...]
    world_table: bool
    stages: tuple[str, ...]
    default_stage: str
    basis: str
    product: str
    unit: str
    notes: str = ""


def _norm(text: object) -> str:
    """Lookup key: casefolded, whitespace collapsed, dashes unified, BOM/nbsp removed."""
    s = str(text).replace("\ufeff", "").replace("\u00a0", " ")
    s = s.replace("\u2014", "-").replace("\u2013", "-").replace("\u2019", "'").replace(";", ",")
    s = re.sub(r"\s+", " ", s).strip().casefold()
    s = re.sub(r"\s*-\s*", "-", s)
    return s


def _split(cell: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in str(cell).split(";") if p.strip())


@lru_cache(maxsize=1)
def _load() -> tuple[dict[str, Commodity], dict[str, str], dict[str, str]]:
    text = resources.files("critmin.data").joinpath("commodities.csv").read_text("utf-8")
    import io

    df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    by_id: dict[str, Commodity] = {}
    index: dict[str, str] = {}
    codes: dict[str, str] = {}

    def add(mapping: dict[str, str], key: str, cid: str) -> None:
        k = _norm(key)
        if not k:
            return
        other = mapping.get(k)
        if other is not None and other != cid:
            raise ValueError(f"commodities.csv: {key!r} maps to both {other!r} and {cid!r}")
        mapping[k] = cid

    for rec in df.to_dict("records"):
        c = Commodity(
            id=rec["id"].strip(),
            name=rec["name"].strip(),
            usgs_codes=_split(rec["usgs_codes"]),
            mcs2025_names=_split(rec["mcs2025_names"]),
            mcs2026_chapters=_split(rec["mcs2026_chapters"]),
            mcs2026_commodities=_split(rec["mcs2026_commodities"]),
            world_table=rec["world_table"].strip().lower() == "yes",
            stages=_split(rec["stages"]),
            default_stage=rec["default_stage"].strip(),
            basis=rec["basis"].strip(),
            product=rec["product"].strip(),
            unit=rec["unit"].strip(),
            notes=rec.get("notes", "").strip(),
        )
        if c.id in by_id:
            raise ValueError(f"commodities.csv: duplicate id {c.id!r}")
        by_id[c.id] = c
    # ids and names first, so that they win over sub-commodity names in messages
    for c in by_id.values():
        add(index, c.id, c.id)
        add(index, c.name, c.id)
    for c in by_id.values():
        for code in c.usgs_codes:
            add(codes, code, c.id)
            add(index, code, c.id)
        for key in (*c.mcs2025_names, *c.mcs2026_chapters, *c.mcs2026_commodities):
            add(index, key, c.id)
    return by_id, index, codes


def ids() -> list[str]:
    """All catalogue ids, in catalogue order."""
    return list(_load()[0])


def catalogue() -> pd.DataFrame:
    """The catalogue as a DataFrame, one row per commodity.

    Returns
    -------
    DataFrame
        Columns of :class:`Commodity`; list-valued fields are ``;``-joined strings as in the CSV and
        ``world_table`` is a bool.
    """
    rows = []
    for c in _load()[0].values():
        rec = dict(c.__dict__)
        for col in _LIST_COLUMNS:
            rec[col] = ";".join(rec[col])
        rows.append(rec)
    return pd.DataFrame(rows)


def _unknown(what: str, text: object, keys: dict[str, str]) -> UnknownCommodityError:
    close = difflib.get_close_matches(_norm(text), list(keys), n=5, cutoff=0.6)
    cand = list(dict.fromkeys(keys[k] for k in close))
    hint = f"; close matches: {', '.join(cand)}" if cand else ""
    return UnknownCommodityError(
        f"unknown {what} {text!r}{hint} (see critmin.commodities.catalogue() for all ids)"
    )


def get(name: object) -> Commodity:
    """Look up a commodity by id, name, USGS code, MCS 2025 name or MCS 2026 chapter/commodity.

    Parameters
    ----------
    name : str
        Any of the catalogue's names or codes; case-insensitive, surrounding whitespace ignored
        (``"Rare earths "``, ``"RAREE"``, ``"Gemanium"``, ``"RARE EARTHS (Heavy)"``).

    Returns
    -------
    Commodity

    Raises
    ------
    UnknownCommodityError
        When nothing matches; the message lists close ids.
    """
    if isinstance(name, Commodity):
        return name
    by_id, index, _codes = _load()
    cid = index.get(_norm(name))
    if cid is None:
        raise _unknown("commodity", name, index)
    return by_id[cid]


def from_usgs_code(code: str) -> Commodity:
    """The commodity of a USGS MCS file code (``"raree"``, ``"rareee"``, ``"zirco-hafni"``).

    Parameters
    ----------
    code : str
        The code, case-insensitive.

    Raises
    ------
    UnknownCommodityError
        When the code is not in the catalogue.
    """
    by_id, _index, codes = _load()
    cid = codes.get(_norm(code))
    if cid is None:
        raise _unknown("USGS commodity code", code, codes)
    return by_id[cid]


def from_mcs_name(name: str) -> Commodity:
    """The commodity of an MCS 2025 ``COMMODITY`` or MCS 2026 ``MCS chapter``/``Commodity`` value.

    Same as :func:`get` (names, codes and ids all resolve); kept as the explicit entry point for
    readers of those files.
    """
    return get(name)


_FILE_CODE = re.compile(r"mcs\s*20\d\d-?(?P<code>[a-z][a-z-]*?)_(?:world|salient|meta)(?![a-z])", re.I)


def code_from_filename(filename: str) -> str | None:
    """The USGS code in an MCS per-commodity file name, else None.

    ``"mcs2023-raree_world.csv"`` -> ``"raree"``; handles ``"MCS2024-bismu_world.csv"`` and the
    missing hyphen of ``"mcs2023tellu_salient.csv"``.
    """
    m = _FILE_CODE.search(str(filename).rsplit("/", 1)[-1])
    return m.group("code").lower() if m else None
