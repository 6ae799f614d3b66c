"""What a world-table figure is: stage, product and basis, read from the source's type/detail text.

Used by the three world layouts (:mod:`.world_bycommodity`, :mod:`.world_2025`, :mod:`.long_2026`).
``stage`` (mine, refinery, smelter, plant) comes from the text when it names a stage the catalogue
(:mod:`critmin.commodities`) lists for the commodity, else the catalogue's default stage;
``product`` is a sub-product named in that text (ilmenite, rutile, palladium, pig iron, bentonite,
...) or else the catalogue's headline product; ``basis`` is REO / oxide / K2O / gross / contained from
that text or the catalogue. Capacity (``measure="capacity"``) is never mixed with production.

Notes
-----
Quirks of the source handled on purpose (each has a test):

* **Iron ore reserves** sit on the "usable ore" rows but are crude-ore reserves (their notes say
  "Crude iron ore, million metric tons"); those on the "iron content" rows are iron content. The
  product is set from the row accordingly (:func:`_reserves_product`).
* **Reserves repeated on downstream rows.** MCS 2023/2024 copper gives a reserves cell on the
  refinery rows too ("XX", "Not applicable"); empty reserves cells on rows of a stage other than the
  commodity's default stage are dropped, as reserves have no stage (:func:`_skip_reserves`).
* **Capacity in the type text.** A type that speaks of capacity and not of production ("Clinker
  capacity", abrasives "capacity") makes the figure capacity (:func:`_text_measure`).
* Synthetic soda ash is made in plants: its stage is ``plant``.
"""

from __future__ import annotations

import re

from critmin import commodities as _cat
from critmin.sources._tokens import ParsedValue

_STAGES = (
    ("refinery", re.compile(r"\brefinery\b")),
    ("smelter", re.compile(r"\bsmelter\b")),
    ("plant", re.compile(r"\bplant\b")),
    ("mine", re.compile(r"\bmi?ne\b|\bmining\b")),
)

_PRODUCT_RULES: dict[str, tuple[tuple[str, str], ...]] = {
    "abrasives-manufactured": (
        (r"fused alumin", "fused aluminum oxide"),
        (r"silicon carbide", "silicon carbide"),
    ),
    "bauxite-and-alumina": ((r"\balumina\b", "alumina"), (r"\bbauxite\b", "bauxite")),
    "boron": (
        (r"boric oxide", "boric oxide equivalent"),
        (r"compounds", "compounds"),
        (r"crude borates", "crude borates"),
        (r"refined borates", "refined borates"),
        (r"datolite", "datolite ore"),
        (r"ulexite", "ulexite"),
        (r"crude ore", "crude ore"),
        (r"all (?:forms|types)|total", "all forms"),
        (r"borates", "borates"),
    ),
    "cement": ((r"clinker", "clinker"), (r"cement", "cement")),
    "chromium": ((r"cr2o3", "Cr2O3 content"), (r"\bore\b", "marketable chromite ore")),
    "clays": ((r"bentonite", "bentonite"), (r"fuller", "fuller's earth"), (r"kaolin", "kaolin")),
    "iron-and-steel": ((r"pig iron", "pig iron"), (r"raw steel", "raw steel")),
    "iron-and-steel-slag": ((r"iron slag", "iron slag"), (r"steel slag", "steel slag")),
    "iron-ore": (
        (r"iron content", "iron content"),
        (r"crude (?:iron )?ore", "crude ore"),
        (r"usable ore", "usable ore"),
    ),
    "mica": ((r"scrap and flake", "scrap and flake"), (r"\bsheet\b", "sheet")),
    "platinum-group-metals": ((r"palladium", "palladium"), (r"platinum", "platinum")),
    "rare-gases": ((r"\bneon\b", "neon"), (r"krypton", "krypton"), (r"xenon", "xenon"),
                   (r"argon", "argon")),
    "potash": ((r"recoverable ore|\bore\b", "recoverable ore"), (r"k2o", "K2O equivalent")),
    "silicon": (
        (r"combined totals|ferrosilicon and silicon metal", "ferrosilicon and silicon metal"),
        (r"fer+osilicon", "ferrosilicon"),
        (r"silicon metal", "silicon metal"),
    ),
    "soda-ash": (
        (r"natural and synthetic", "natural and synthetic"),
        (r"synthetic", "synthetic"),
        (r"natural", "natural"),
    ),
    "titanium": ((r"sponge", "sponge metal"), (r"pigment", "TiO2 pigment")),
    "titanium-mineral-concentrates": (
        (r"ilmen\w* and rutile", "ilmenite and rutile"),
        (r"ilmen", "ilmenite"),
        (r"rutile", "rutile"),
    ),
    "zirconium-and-hafnium": ((r"zro2", "ZrO2 content"),),
}
_PRODUCT_RE = {
    cid: tuple((re.compile(p), prod) for p, prod in rules) for cid, rules in _PRODUCT_RULES.items()
}

_BASIS = (
    ("REO", re.compile(r"rare-earth-oxide|\breo\b")),
    ("K2O", re.compile(r"\bk2o\b")),
    ("oxide", re.compile(r"tio2(?! pigment)|cr2o3|zro2|\bmgo\b|y2o3|b2o3|trioxide|"
                         r"oxide equivalent|boric oxide")),
    ("contained", re.compile(r"content|contained")),
    ("gross", re.compile(r"gross|\bore\b|dry tons")),
)


def _classify(
    com: _cat.Commodity, text: str, *, col_product: str | None = None
) -> tuple[str, str, str]:
    """(stage, product, basis) of a figure from the source's type/detail text."""
    low = text.casefold()
    stage = com.default_stage
    for name, rx in _STAGES:
        if rx.search(low) and name in com.stages:
            stage = name
            break
    product = col_product
    if product is None:
        for rx, prod in _PRODUCT_RE.get(com.id, ()):
            if rx.search(low):
                product = prod
                break
    if product is None:
        product = com.product
    if com.id == "soda-ash" and product == "synthetic":
        stage = "plant"
    basis = com.basis
    for name, rx in _BASIS:
        if rx.search(low):
            basis = name
            break
    if col_product == "K2O equivalent":
        basis = "K2O"
    elif col_product == "recoverable ore":
        basis = "gross"
    return stage, product, basis


def _reserves_product(com: _cat.Commodity, type_text: str, product: str,
                      basis: str) -> tuple[str, str]:
    """Reserves product: iron-ore reserves on the "usable ore" rows are crude-ore reserves (their
    notes say "Crude iron ore, million metric tons"); those on "iron content" rows are iron content."""
    if com.id == "iron-ore":
        if "iron content" in type_text.casefold():
            return "iron content", "contained"
        return "crude ore", "gross"
    return product, basis


def _skip_reserves(com: _cat.Commodity, type_text: str, pv: ParsedValue) -> bool:
    """True for an empty reserves cell on a row of a downstream stage (copper refinery rows repeat
    the reserves column with "XX"): reserves belong to the commodity's default (mine) stage."""
    stage, _p, _b = _classify(com, type_text)
    return stage != com.default_stage and pv.missing in ("not_applicable", "blank")


def _text_measure(text: str) -> str | None:
    """'capacity' when the text speaks of capacity and not of production, else None."""
    low = text.casefold()
    if "capacity" in low and "production" not in low:
        return "capacity"
    return None
