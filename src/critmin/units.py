"""Units: explicit conversions, never hidden ones.

Sources write units in many ways (``"thousand metric tons"``, ``"kt"``, ``"metric tons"``,
``"kilograms"``, ``"million cubic meters"``). :func:`normalize_unit` maps such text to one short
canonical spelling; :func:`to_tonnes` converts a mass in any known mass unit to metric tons [t];
:func:`is_mass` says whether a unit is a mass at all (carats, cubic meters and prices are not,
and are never converted).

Canonical units
---------------
================== ============================================ =====================
canonical          examples of source text                      metric tons per unit
================== ============================================ =====================
``t``              metric tons, metric ton, tonnes, t, tons     1
``kt``             thousand metric tons, thousand metric dry    1,000
                   tons, kt
``Mt``             million metric tons, Mt, mmt                 1,000,000
``kg``             kilograms, kg                                0.001
``g``              grams, g                                     0.000001
``carats``         carats                                       (not a mass)
``thousand         thousand carats, thousands of carats, kct    (not a mass)
carats``
``million carats`` million carats, mct                          (not a mass)
``million m3``     million cubic meters, mcm                    (not a volume->mass)
``million L``      million liters                               (not a mass)
``million ft2``    million square feet, msqft                   (not a mass)
``%``              percent                                      (not a mass)
``USD/t`` ...      dollars per metric ton, cents per pound ...  (prices)
================== ============================================ =====================

Notes
-----
* USGS MCS writes "tons" for metric tons throughout (MCS conventions: "t, metric ton"), so a bare
  ``"tons"`` is read as ``t``; short tons are only ever written "short tons" and are kept apart.
* "dry" tons (bauxite) are still metric tons; what is dry is recorded by the readers in ``basis`` or
  ``product``, not in the unit.
* Troy ounces are not converted (USGS MCS world tables give precious metals in t or kg).
* A lower-case ``"mt"`` is ambiguous (metric tons or million tons) and is refused here; readers that
  know a source's convention map it themselves and say so.
* Rare-earth oxide (REO) <-> element factors are deliberately not part of this module yet.
"""

from __future__ import annotations

import re
from typing import TypeVar

__all__ = ["MASS_FACTORS", "normalize_unit", "is_mass", "to_tonnes", "tonnes_factor"]

MASS_FACTORS: dict[str, float] = {"t": 1.0, "kt": 1e3, "Mt": 1e6, "kg": 1e-3, "g": 1e-6}
"""Canonical mass unit -> metric tons per unit."""

_EXACT: dict[str, str] = {
    # canonical spellings, case-sensitive (Mt vs mt)
    "t": "t", "kt": "kt", "Mt": "Mt", "kg": "kg", "g": "g", "%": "%",
    "carats": "carats", "thousand carats": "thousand carats", "million carats": "million carats",
    "million m3": "million m3", "million L": "million L", "million ft2": "million ft2",
}

_TEXT: dict[str, str] = {
    # masses
    "metric tons": "t", "metric ton": "t", "tonnes": "t", "tonne": "t", "tons": "t", "ton": "t",
    "metric tons, gross weight": "t",
    "thousand metric tons": "kt", "thousand metric ton": "kt", "thousand tonnes": "kt",
    "thousand metric dry tons": "kt", "thousand tons": "kt", "kilotons": "kt",
    "million metric tons": "Mt", "million tonnes": "Mt", "million tons": "Mt", "mmt": "Mt",
    "kilograms": "kg", "kilogram": "kg",
    "grams": "g", "gram": "g",
    # counts of carats
    "carat": "carats",
    "thousands of carats": "thousand carats", "kct": "thousand carats",
    "millions of carats": "million carats", "mct": "million carats",
    # volumes
    "million cubic meters": "million m3", "mcm": "million m3", "million cubic metres": "million m3",
    "million liters": "million L", "million litres": "million L",
    "million square feet": "million ft2", "msqft": "million ft2",
    # others
    "percent": "%", "number": "count", "index": "index", "million dollars": "million USD",
}

_PER = {
    "metric ton": "t", "ton": "t", "tonne": "t", "kilogram": "kg", "gram": "g", "pound": "lb",
    "troy ounce": "ozt", "carat": "carat", "short ton": "short ton",
    "dry metric ton unit": "dmtu", "metric ton unit": "mtu", "flask": "flask",
}


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", str(text).replace("\u00a0", " ")).strip()


def normalize_unit(text: str) -> str:
    """Map a source's unit text to critmin's canonical unit.

    Parameters
    ----------
    text : str
        The unit as written (``"thousand metric tons"``, ``"kilograms"``,
        ``" thousands of carats"``, ``"dollars per kilogram"``).

    Returns
    -------
    str
        The canonical unit (``"kt"``, ``"kg"``, ``"thousand carats"``, ``"USD/kg"``).

    Raises
    ------
    ValueError
        When the text is empty, ambiguous (``"mt"``) or unknown.
    """
    raw = text
    s = _clean(text)
    if not s:
        raise ValueError("empty unit text")
    if s in _EXACT:
        return _EXACT[s]
    low = s.casefold()
    if low == "mt":
        raise ValueError(f"ambiguous unit {raw!r}: metric tons or million metric tons?")
    if low in _TEXT:
        return _TEXT[low]
    folded = {k.casefold(): v for k, v in _EXACT.items() if k != "Mt"}
    if low in folded:
        return folded[low]
    m = re.fullmatch(r"(dollars|cents) per (?:(\d+)[ -]?)?(.+?)s?", low)
    if m:
        cur = "USD" if m.group(1) == "dollars" else "USc"
        qty = m.group(2) or ""
        what = m.group(3)
        base = _PER.get(what) or _PER.get(what.rstrip("s"))
        if what in {"mililiter", "milliliter"}:
            base = "mL"
        if base is not None:
            return f"{cur}/{qty + ' ' if qty else ''}{base}"
    raise ValueError(f"unknown unit {raw!r}")


def is_mass(unit: str) -> bool:
    """True when ``unit`` (any text :func:`normalize_unit` knows) is a mass.

    Parameters
    ----------
    unit : str
        Unit text or canonical unit.

    Returns
    -------
    bool
        False for non-mass units (carats, volumes, prices) and for text that is not a known unit.
    """
    try:
        return normalize_unit(unit) in MASS_FACTORS
    except ValueError:
        return False


def tonnes_factor(unit: str) -> float:
    """Metric tons per one ``unit``.

    Parameters
    ----------
    unit : str
        A mass unit (``"kt"``, ``"kilograms"``, ...).

    Returns
    -------
    float
        Factor [t per unit].

    Raises
    ------
    ValueError
        When ``unit`` is not a mass.
    """
    canon = normalize_unit(unit)
    if canon not in MASS_FACTORS:
        raise ValueError(f"unit {unit!r} ({canon}) is not a mass; cannot convert to metric tons")
    return MASS_FACTORS[canon]


V = TypeVar("V")


def to_tonnes(value: V, unit: str) -> V:
    """Convert a mass to metric tons.

    Parameters
    ----------
    value : float, array or Series
        Quantity [``unit``]; NaN stays NaN.
    unit : str
        Its mass unit (``"t"``, ``"kt"``, ``"Mt"``, ``"kg"``, ``"g"`` or source text such as
        ``"thousand metric tons"``).

    Returns
    -------
    float, array or Series
        Quantity [t], same type as ``value``.

    Raises
    ------
    ValueError
        When ``unit`` is not a mass (carats, cubic meters, prices) or unknown.
    """
    return value * tonnes_factor(unit)  # type: ignore[operator,return-value]
