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
    "display_name",
    "DISPLAY_NAMES",
    "aliases",
    "AGGREGATE_CODES",
    "UnknownCountryError",
    "resolve_comtrade",
    "comtrade_codes",
    "region_code",
    "BLOC_REGIONS",
    "IMPORTER_BLOCS",
    "bloc_members",
]

AGGREGATE_CODES = {"WLD": "World total", "OTH": "Other countries"}
"""Codes of the aggregates that are kept apart from countries."""

IMPORTER_BLOCS = {"EU": "European Union"}
"""Importer blocs whose members' trade is summed (``critmin/data/importer_blocs.csv``)."""


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


BLOC_REGIONS = ("EU",)
"""Importer codes that are not countries: the EU (its 2023 sourcing shares)."""


def region_code(value: object, *, blocs: tuple[str, ...] = BLOC_REGIONS) -> str:
    """The code of an importing region: a country's ISO3 (from a code or a name) or a bloc code.

    Parameters
    ----------
    value : str
        ``USA``, ``jpn``, ``Japan``, ``EU``.
    blocs : tuple of str
        Bloc codes accepted besides countries.

    Returns
    -------
    str

    Raises
    ------
    critmin.errors.ParameterError
        For anything that is not a country or one of ``blocs`` (``XYZ``, ``World``, ``Other
        countries``), saying what is accepted.
    """
    from critmin.errors import ParameterError

    text = str(value if value is not None else "").strip()
    if text.upper() in blocs:
        return text.upper()
    try:
        c = resolve(text)
    except UnknownCountryError:
        c = None
    if c is None or not c.is_country or c.detail:
        accepted = " or ".join(blocs) + " or " if blocs else ""
        raise ParameterError(f"region {text!r} is not known; expected {accepted}a country's ISO3 code "
                             "or name (e.g. USA, JPN, DEU)")
    return c.code


DISPLAY_NAMES = {
    "COD": "DR Congo", "RUS": "Russia", "BRN": "Brunei", "PSE": "Palestine", "FSM": "Micronesia",
    "FLK": "Falkland Islands", "VAT": "Vatican City", "VGB": "British Virgin Islands",
    "VIR": "U.S. Virgin Islands", "MAF": "Saint Martin", "SXM": "Sint Maarten", "CCK": "Cocos Islands",
    "SHN": "Saint Helena", "BES": "Caribbean Netherlands", "KOR": "South Korea", "PRK": "North Korea",
    "IRN": "Iran", "LAO": "Laos", "VNM": "Vietnam", "TZA": "Tanzania", "BOL": "Bolivia", "VEN": "Venezuela",
    "SYR": "Syria", "MDA": "Moldova", "OTH": "Other countries", "EU": "European Union",
}
"""Short names where ISO 3166's (or pycountry's common name) reads as a catalogue entry
("Congo, The Democratic Republic of the", "Russian Federation"); every output uses them."""

_THE = {"USA", "GBR", "NLD", "PHL", "ARE", "CZE", "DOM", "BHS", "GMB", "CAF", "COD", "COG",
        "MDV", "MHL", "SLB", "COM", "SYC", "EUU", "EU"}
"""Codes whose name takes "the" in running text ("the United States")."""


def display_name(code: str, *, article: bool = False) -> str:
    """The one display name of a code, for every output (CLI, report, dashboard, results' ``name``
    columns): :func:`country_name`, with "the" where English needs it in running text.

    Parameters
    ----------
    code : str
        ISO3 code (or ``OTH``/``WLD``, a group ``AAA+BBB``).
    article : bool
        Prefix "the" where running text needs it ("the United States").
    """
    name = country_name(code) if isinstance(code, str) else str(code)
    return f"the {name}" if article and code in _THE else name


@lru_cache(maxsize=1024)
def country_name(code: str) -> str:
    """The display name of a code: a short name (:data:`DISPLAY_NAMES`), the ISO common or short name,
    the aggregate's name, or the group's members (``COD`` -> ``DR Congo``, ``KOR`` -> ``South
    Korea``)."""
    if code in AGGREGATE_CODES:
        return AGGREGATE_CODES[code]
    if code in DISPLAY_NAMES:
        return DISPLAY_NAMES[code]
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


@lru_cache(maxsize=1)
def comtrade_codes() -> dict[int, tuple[str, str, str]]:
    """UN Comtrade area codes that are not (current) ISO 3166 numeric codes, from
    ``critmin/data/comtrade_codes.csv``: ``{comtrade code: (critmin code, kind, Comtrade name)}``.

    France is 251 (ISO 250), the USA 842 (ISO 840), India 699 (ISO 356), Switzerland 757, Norway
    579; "World" is 0 (``WLD``); areas "not elsewhere specified" (``490`` "Other Asia, nes", ``899``
    "Areas, nes", ``838`` "Free Zones", ...) are aggregates with codes ``CT:<code>``; Belgium-Luxembourg
    (58) and the Southern African Customs Union (711) are groups.
    """
    text = resources.files("critmin.data").joinpath("comtrade_codes.csv").read_text("utf-8")
    out: dict[int, tuple[str, str, str]] = {}
    for rec in csv.DictReader(text.splitlines()):
        out[int(rec["comtrade_code"])] = (rec["code"], rec["kind"], rec["comtrade_name"])
    return out


@lru_cache(maxsize=2048)
def _comtrade_lookup(code: int) -> tuple[str, str] | None:
    hit = comtrade_codes().get(code)
    if hit:
        return hit[0], hit[1]
    rec = pycountry.countries.get(numeric=f"{code:03d}") if 0 < code < 1000 else None
    if rec is not None:
        return rec.alpha_3, "country"
    return None


def resolve_comtrade(code: object, name: object = None) -> Country:
    """Resolve a UN Comtrade reporter or partner code.

    Parameters
    ----------
    code : int or str
        The numeric Comtrade code (``reporterCode``/``partnerCode``), e.g. 251 or ``"0251"``.
    name : str, optional
        The description Comtrade gives with it (``partnerDesc``). Used when the code is unknown, and
        as a check: when the name resolves exactly to a country other than the code's, the code and
        name disagree and :class:`UnknownCountryError` is raised.

    Returns
    -------
    Country
        ISO3 for countries (251 -> ``FRA``), ``WLD`` for World (0), ``CT:<code>`` aggregates for
        areas not elsewhere specified, ``AAA+BBB`` groups (58 -> ``BEL+LUX``). ``raw`` is
        ``"<code>"`` or ``"<code> <name>"``.

    Raises
    ------
    UnknownCountryError
        When neither the code (Comtrade table, then ISO 3166 numeric) nor the name is known, or when
        they disagree.
    """
    raw_code = "" if code is None else str(code).strip()
    raw_name = "" if name is None or (isinstance(name, float) and name != name) else _clean(name)
    raw = f"{raw_code} {raw_name}".strip()
    try:
        num = int(float(raw_code)) if raw_code else None
    except ValueError:
        num = None
    hit = _comtrade_lookup(num) if num is not None and num >= 0 else None
    if hit is None:
        if raw_name:
            try:
                c = resolve(raw_name)
            except UnknownCountryError:
                c = None
            if c is not None and not c.detail:
                return Country(c.code, c.kind, raw=raw)
        raise UnknownCountryError(f"unknown UN Comtrade area code {raw_code!r}"
                                  + (f" ({raw_name})" if raw_name else "")
                                  + "; add it to critmin/data/comtrade_codes.csv")
    if raw_name and hit[1] == "country":
        try:
            c = resolve(raw_name)
        except UnknownCountryError:
            c = None
        # only an exact name is a check: "China, Hong Kong SAR" parses as China + detail
        if c is not None and c.is_country and not c.detail and c.code != hit[0]:
            raise UnknownCountryError(f"UN Comtrade code {raw_code} is {hit[0]} but its name "
                                      f"{raw_name!r} is {c.code}")
    return Country(hit[0], hit[1], raw=raw)



@lru_cache(maxsize=8)
def bloc_members(bloc: str) -> tuple[str, ...]:
    """ISO3 codes of the members of an importer bloc (``EU``: the 27 member states since 2020-02-01),
    from ``critmin/data/importer_blocs.csv``.

    Raises
    ------
    KeyError
        For a bloc the file does not list.
    """
    text = resources.files("critmin.data").joinpath("importer_blocs.csv").read_text("utf-8")
    key = str(bloc).strip().upper()
    out = tuple(r["member"] for r in csv.DictReader(text.splitlines()) if r["bloc"].upper() == key)
    if not out:
        raise KeyError(f"unknown importer bloc {bloc!r}; expected one of {sorted(IMPORTER_BLOCS)}")
    return out
