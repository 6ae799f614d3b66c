"""Sentinel tokens of USGS (and similar) tables, mapped to missing-with-reason.

USGS Mineral Commodity Summaries cells are text. Besides numbers with thousands separators they hold:

======== ====================================== ==================================================
token    meaning (USGS)                         critmin
======== ====================================== ==================================================
``W``    withheld to avoid disclosing company   NaN, ``missing="withheld"``
         proprietary data
``NA``   not available                          NaN, ``missing="not_available"``
``XX``   not applicable                         NaN, ``missing="not_applicable"``
``E``    net exporter (net import reliance)     NaN, ``missing="net_exporter"``
``—``    zero (em dash; ``--`` and ``–`` too)   0.0, ``qualifier="zero_dash"``
``>95``  more than 95                           95.0, ``qualifier=">"``
``<1``   less than 1                            1.0, ``qualifier="<"``
blank    no entry                               NaN, ``missing="blank"``
======== ====================================== ==================================================

Numbers may carry thousands separators (``"270,000"``), a trailing ``e`` or the word ``est.`` for an
estimate, and footnote markers are not expected inside value cells.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

__all__ = ["ParsedValue", "parse_value", "MISSING_REASONS", "TOKENS"]

TOKENS: dict[str, str] = {
    "W": "withheld",
    "NA": "not_available",
    "N/A": "not_available",
    "XX": "not_applicable",
    "E": "net_exporter",
}
"""Token -> missing reason."""

ZERO_TOKENS = frozenset({"—", "--", "–", "-", "−", "— ", "0—"})

MISSING_REASONS = (
    "withheld",
    "not_available",
    "not_applicable",
    "net_exporter",
    "blank",
    "included_elsewhere",  # "Included with other countries" and similar (MCS world tables)
    "descriptive",  # words instead of a figure: "Large", "Moderate" (MCS reserves)
    "range",  # a published range such as "500–14,000" (salient); see the row's notes
    "text",  # other free text in a value cell ("Small", "Variable"), kept in notes
)
"""Every reason a value may be missing for. The first five come from :data:`TOKENS` and blanks;
the others are set by the readers that meet them."""

_NUM = re.compile(
    r"^(?P<q>[<>]=?|~)?\s*(?P<num>[-+]?\d[\d,]*(?:\.\d+)?|[-+]?\.\d+)\s*(?P<e>e|\(e\)|est\.?)?$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ParsedValue:
    """One parsed cell.

    Attributes
    ----------
    value : float
        The number (NaN when missing).
    missing : str or None
        Why the value is missing (one of :data:`MISSING_REASONS`), or None.
    qualifier : str or None
        ``">"``/``"<"`` for bounds, ``"zero_dash"`` for a dash meaning zero, else None.
    estimated : bool
        True when the cell itself marks an estimate (trailing ``e``).
    raw : str
        The cell text as read.
    """

    value: float
    missing: str | None
    qualifier: str | None
    estimated: bool
    raw: str

    @property
    def ok(self) -> bool:
        """True when the cell holds a number (including a bound or a zero dash)."""
        return self.missing is None


def parse_value(cell: object) -> ParsedValue | None:
    """Parse one USGS cell.

    Parameters
    ----------
    cell : object
        The cell as read (str, number, None or NaN).

    Returns
    -------
    ParsedValue or None
        None when the text is not a number nor a known token (and for a boolean or an infinite
        number): the caller raises a
        :class:`~critmin.errors.DataError` naming file, row and column.
    """
    if cell is None or (isinstance(cell, float) and math.isnan(cell)):
        return ParsedValue(math.nan, "blank", None, False, "")
    if isinstance(cell, bool):
        return None
    if isinstance(cell, (int, float)):
        if not math.isfinite(cell):
            return None
        return ParsedValue(float(cell), None, None, False, str(cell))
    raw = str(cell)
    text = raw.replace("\u00a0", " ").strip()
    if text == "":
        return ParsedValue(math.nan, "blank", None, False, raw)
    upper = text.upper()
    if upper in TOKENS:
        return ParsedValue(math.nan, TOKENS[upper], None, False, raw)
    if text in ZERO_TOKENS:
        return ParsedValue(0.0, None, "zero_dash", False, raw)
    m = _NUM.match(text)
    if m is None:
        return None
    num = float(m.group("num").replace(",", ""))
    q = m.group("q")
    qualifier = None
    if q:
        qualifier = "~" if q == "~" else q[0]
    return ParsedValue(num, None, qualifier, bool(m.group("e")), raw)
