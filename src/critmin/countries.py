"""Country names and codes to ISO 3166-1 alpha-3.

Sources name countries their own way: USGS writes "Burma", "Congo (Kinshasa)", "Korea, North", and appends
footnote numbers and an ``e`` (estimated) to names ("China6", "Russiae"); WGI uses its own codes (``ZAR``,
``ROM``, ``TMP``, ``ADO``, ``KSV``, ``WBG``); UN Comtrade uses numeric codes, not all ISO (France 251).
:func:`resolve` turns any of these into a :class:`Country`: an ISO3 code for a country, ``WLD`` for a world
total, ``OTH`` for "Other countries", or a ``+``-joined group ("USA+CAN") for combined entries.

The alias table ``critmin/data/country_aliases.csv`` (alias, code, kind, source, note) is checked first,
then :mod:`pycountry` by exact name, official name, common name and alpha-2/alpha-3 code. No fuzzy
matching: an unknown name raises, it is never guessed.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import pycountry

__all__ = [
    "Country",
    "resolve",
    "to_iso3",
    "country_name",
    "aliases",
    "AGGREGATE_CODES",
    "UnknownCountryError",
]

AGGREGATE_CODES = {"WLD": "World total", "OTH": "Other countries"}
"""Codes of the aggregates that are kept apart from countries."""


class UnknownCountryError(LookupError):
    """A name or code that neither the alias table nor ISO 3166 knows."""


@dataclass(frozen=True)
class Country:
    """A resolved country (or aggregate) name.

    Attributes
    ----------
    code : str
        ISO3 for a country; ``WLD``/``OTH`` for aggregates; ``"AAA+BBB"`` for a combined group.
    kind : str
        ``"country"``, ``"aggregate"`` or ``"group"``.
    detail : str
        What the source appended to the name ("crude ore", "beneficiated", "rounded"), else "".
    estimated : bool
        True when the name carried USGS's ``e`` estimate marker ("Russiae").
    footnote : str
        A footnote number appended to the name ("China6" -> "6"), else "".
    raw : str
        The name as written in the source.
    """

    code: str
    kind: str
    detail: str = ""
    estimated: bool = False
    footnote: str = ""
    raw: str = ""

    @property
    def is_country(self) -> bool:
        """True for a single country (not an aggregate or a group)."""
        return self.kind == "country"


def _clean(name: str) -> str:
    return re.sub(r"\s+", " ", str(name).replace("\u00a0", " ").replace("\ufeff", "")).strip()


def _key(name: str) -> str:
    return _clean(name).casefold().replace("’", "'")


@lru_cache(maxsize=1)
def aliases() -> dict[str, tuple[str, str]]:
    """The alias table as ``{casefolded alias: (code, kind)}``."""
    out: dict[str, tuple[str, str]] = {}
    text = resources.files("critmin.data").joinpath("country_aliases.csv").read_text("utf-8")
    for rec in csv.DictReader(text.splitlines()):
        out[_key(rec["alias"])] = (rec["code"], rec["kind"])
    return out


@lru_cache(maxsize=4096)
def _lookup(name: str) -> tuple[str, str] | None:
    """Exact lookup of a cleaned name: alias table, aggregate patterns, then pycountry."""
    k = _key(name)
    if not k:
        return None
    hit = aliases().get(k)
    if hit:
        return hit
    if k.startswith("world total") or k == "world":
        return ("WLD", "aggregate")
    if k.startswith("other countries") or k == "other" or k.startswith("rest of world"):
        return ("OTH", "aggregate")
    for attr in ("alpha_3", "alpha_2"):
        if len(k) == len(attr[-1]) + 1 or (attr == "alpha_3" and len(k) == 3) or (
            attr == "alpha_2" and len(k) == 2
        ):
            rec = pycountry.countries.get(**{attr: k.upper()})
            if rec is not None:
                return (rec.alpha_3, "country")
    for rec in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            v = getattr(rec, attr, None)
            if v and v.casefold() == k:
                return (rec.alpha_3, "country")
    return None


_PAREN = re.compile(r"^(?P<base>.*?)\s*\((?P<detail>[^()]*)\)\s*(?P<fn>\d*)$")


def resolve(name: object) -> Country:
    """Resolve a source's country name or code.

    Parameters
    ----------
    name : str
        A country name, an ISO2/ISO3 code, or a source-specific name or code in the alias table.

    Returns
    -------
    Country

    Raises
    ------
    UnknownCountryError
        When the name is not known. Readers turn this into a :class:`~critmin.errors.DataError` naming
        the file, row and column.
    """
    raw = "" if name is None else str(name)
    text = _clean(raw)
    if not text:
        raise UnknownCountryError("empty country name")
    k = _key(text)
    for prefix, code in (("world total", "WLD"), ("other countries", "OTH")):
        if k.startswith(prefix):
            rest = re.sub(r"\s*\d{1,2}$", "", text[len(prefix):])
            rest = rest.strip(" ,.()e") if rest.strip().rstrip("e") == "" else rest.strip(" ,.")
            detail = rest.replace("(", "").replace(")", "").strip(" ,.")
            return Country(code, "aggregate", detail=detail, raw=raw)
    hit = _lookup(text)
    if hit:
        return Country(hit[0], hit[1], raw=raw)
    # Footnote numbers appended to the name: "China6", "World total (rounded) 10".
    fn = ""
    m = re.match(r"^(?P<base>.*?\D)\s*(?P<fn>\d{1,2})$", text)
    if m:
        text, fn = m.group("base").strip(), m.group("fn")
        hit = _lookup(text)
        if hit:
            return Country(hit[0], hit[1], footnote=fn, raw=raw)
    estimated = False
    # USGS's estimate marker glued to the name: "Russiae", "Korea, Republic ofe".
    if text.endswith("e") and _lookup(text[:-1]):
        code, kind = _lookup(text[:-1])  # type: ignore[misc]
        return Country(code, kind, estimated=True, footnote=fn, raw=raw)
    detail = ""
    m = _PAREN.match(text)
    if m:
        base, detail = m.group("base").strip(), m.group("detail").strip()
        fn = fn or m.group("fn")
        hit = _lookup(base)
        if hit is None and base.endswith("e") and _lookup(base[:-1]):
            hit, estimated = _lookup(base[:-1]), True
        if hit:
            return Country(hit[0], hit[1], detail, estimated, fn, raw)
    # "Argentina, crude ore", "World total, natural": base name before the first comma.
    if "," in text:
        base, _, rest = text.partition(",")
        hit = _lookup(base)
        if hit:
            return Country(hit[0], hit[1], rest.strip(), estimated, fn, raw)
    raise UnknownCountryError(f"unknown country name {raw!r}")


def to_iso3(name: object) -> str:
    """The code of :func:`resolve` (ISO3, ``WLD``, ``OTH`` or a group)."""
    return resolve(name).code


@lru_cache(maxsize=1024)
def country_name(code: str) -> str:
    """A display name for a code: ISO short name, aggregate name, or the group's members."""
    if code in AGGREGATE_CODES:
        return AGGREGATE_CODES[code]
    if "+" in code:
        return " + ".join(country_name(c) for c in code.split("+"))
    rec = pycountry.countries.get(alpha_3=code)
    if rec is not None:
        return getattr(rec, "common_name", None) or rec.name
    hist = pycountry.historic_countries.get(alpha_3=code)
    if hist is not None:
        return hist.name
    for k, (c, _kind) in aliases().items():
        if c == code:
            return k.title()
    return code
