"""The small base of critmin's result objects: a short repr, an HTML view for Jupyter, one tidy
``to_frame()`` and JSON text.

Every job returns a dataclass deriving from :class:`Result` (declared with ``repr=False`` so that the
dataclass machinery keeps this repr). A subclass names:

* ``_key_fields``: the scalars that identify the result (commodity, year, edition, ...); the repr shows
  them first and ``to_frame()`` appends them to the main table as columns (after the table's own
  columns, so the CSV of earlier versions keeps its column order);
* ``_main``: the attribute, or method without arguments, holding the main table (``table``,
  ``table()``, ``years``, ``months``, ``scenarios``);
* optionally ``_repr_fields`` (more scalars for the repr only), ``headline()`` (one sentence for
  ``_repr_html_``) and ``units()`` (column -> unit of the main table where the column name does not
  say it).

``repr(result)`` is a few lines: the key fields, then each DataFrame as
``name: DataFrame (n rows x m columns)`` (as pvlib's ``ModelChainResult`` does), never the frames
themselves. ``to_frame()`` is the one way to get the main table as a DataFrame, with the units of its
columns in ``df.attrs["units"]`` and the sources in ``df.attrs["sources"]`` (as PyPSA labels its
outputs); the CLI's ``--csv`` and ``--xlsx`` use it. ``to_dict()`` stays each result's documented JSON
shape; :meth:`Result.to_json` dumps it through the one JSON helper (:func:`critmin._json.dumps`).
"""

from __future__ import annotations

import dataclasses
import html
import math
import re
from typing import ClassVar

import pandas as pd

from critmin._json import dumps

__all__ = ["Result", "column_unit", "frame_shape"]

_UNIT_SUFFIXES = (
    ("_usd_per_t_year", "USD/t/yr"), ("_usd_per_t", "USD/t"), ("_t_per_year", "t/yr"),
    ("_t_per_month", "t/month"), ("_usd_per_year", "USD/yr"), ("_kg", "kg"), ("_usd", "USD"),
    ("_t", "t"), ("_kt", "kt"), ("_months", "months"), ("_days", "days"), ("_years", "years"),
    ("_s", "s"), ("_pct", "%"),
)
_FRACTIONS = re.compile(r"(^|_)(share|shares|coverage|yoy_change|mom_change|baseline_deviation|"
                        r"p_restriction|p_stockout|critical_ratio|cut|leakage|nir_reported|"
                        r"nir_computed)($|_)")


def column_unit(column: str) -> str | None:
    """The unit a column's name states, by critmin's naming rules (``quantity_kg`` -> ``kg``,
    ``share`` -> ``fraction``, ``hhi`` -> ``fraction (0-1)``, ``hhi_points`` -> ``points
    (0-10,000)``); None when the name states none."""
    c = column.lower()
    if c == "hhi_points" or c.endswith("_hhi_points"):
        return "points (0-10,000)"
    if c == "hhi" or c.endswith("_hhi"):
        return "fraction (0-1)"
    if c in ("year", "first_year", "last_year") or (c.endswith("_year") and not c.endswith("per_year")):
        return None
    if c in ("days", "optimal_days") or c.endswith("_days"):
        return "days"
    if c.startswith("score") or c.endswith("_score"):
        return "score (0-1)"
    for suffix, unit in _UNIT_SUFFIXES:
        if c.endswith(suffix):
            return unit
    if _FRACTIONS.search(c):
        return "fraction"
    return None


def frame_shape(df: pd.DataFrame) -> str:
    """``DataFrame (n rows x m columns)``."""
    return f"DataFrame ({len(df)} rows x {df.shape[1]} columns)"


def _short(v: object) -> str:
    if isinstance(v, float):
        return "nan" if math.isnan(v) else f"{v:.6g}"
    if isinstance(v, (list, tuple)):
        if any(not isinstance(x, (str, int, float, bool)) and x is not None for x in v):
            names = [getattr(x, "material", None) or getattr(x, "name", None) for x in v]
            if all(isinstance(n, str) for n in names) and len(names) <= 12:
                return f"{len(v)} x {type(v[0]).__name__} ({', '.join(names)})"
            return f"{len(v)} x {type(v[0]).__name__}"
        if len(v) > 6:
            return "[" + ", ".join(repr(x) for x in v[:5]) + f", ... ({len(v)} items)]"
        return repr(list(v))
    text = repr(v)
    return text if len(text) <= 80 else text[:77] + "..."


class Result:
    """Mixin of every result object: short repr, ``_repr_html_``, ``to_frame()``, ``to_json()``."""

    _key_fields: ClassVar[tuple[str, ...]] = ()
    _repr_fields: ClassVar[tuple[str, ...]] = ()
    _main: ClassVar[str] = "table"

    # ------------------------------------------------------------------ the main table
    def main_table(self) -> pd.DataFrame:
        """The main table as the object holds it (the attribute or method named by ``_main``)."""
        obj = getattr(self, self._main)
        return obj() if callable(obj) else obj

    def key_fields(self) -> dict[str, object]:
        """The identifying scalars, in order (lists joined with ``+`` as the CSV writes them)."""
        out = {}
        for k in self._key_fields:
            v = getattr(self, k, None)
            if isinstance(v, (list, tuple)):
                v = "+".join(str(x) for x in v)
            out[k] = v
        return out

    def units(self) -> dict[str, str]:
        """Column -> unit of the main table: from the column names (:func:`column_unit`); subclasses
        add the columns whose unit their name does not state (``quantity`` of :class:`SupplyResult`)."""
        return {}

    def sources_used(self) -> list[dict[str, str]]:
        """The sources and editions the result rests on, as ``{"source", "edition"}`` records: the
        result's own ``source``/``edition`` and those of the main table's columns."""
        seen: dict[tuple[str, str], None] = {}
        src, ed = getattr(self, "source", None), getattr(self, "edition", None)
        if isinstance(src, str) or isinstance(ed, str):
            seen[(str(src or ""), str(ed or ""))] = None
        try:
            df = self.main_table()
        except Exception:  # noqa: BLE001 - provenance is best effort, never an error
            df = None
        if isinstance(df, pd.DataFrame) and {"source", "edition"} <= set(df.columns):
            for s, e in df[["source", "edition"]].drop_duplicates().itertuples(index=False):
                if isinstance(s, str) or isinstance(e, str):
                    seen[(str(s) if isinstance(s, str) else "", str(e) if isinstance(e, str) else "")] = None
        return [{"source": s, "edition": e} for s, e in seen]

    def to_frame(self) -> pd.DataFrame:
        """The main table, with the key fields as trailing columns.

        Returns
        -------
        DataFrame
            A copy: the main table's columns, then each key field not already a column. ``attrs``
            holds ``units`` (column -> unit, where known), ``sources`` (see :meth:`sources_used`) and
            ``result`` (the class name).
        """
        df = self.main_table()
        df = pd.DataFrame() if df is None else df.copy()
        for k, v in self.key_fields().items():
            if k not in df.columns:
                df[k] = v
        units = {c: u for c in map(str, df.columns) if (u := column_unit(c))}
        units.update({c: u for c, u in self.units().items() if c in df.columns and u})
        df.attrs = {"result": type(self).__name__, "units": units, "sources": self.sources_used()}
        return df

    def to_json(self, **kw) -> str:
        """``to_dict()`` as JSON text (no NaN: missing numbers are null)."""
        return dumps(self.to_dict(), **kw)  # type: ignore[attr-defined]

    # ------------------------------------------------------------------ display
    def headline(self) -> str:
        """One line saying what the result is (the title of ``_repr_html_``)."""
        keys = ", ".join(f"{k} {v}" for k, v in self.key_fields().items() if v not in (None, ""))
        return f"{type(self).__name__}: {keys}"

    def _frames(self) -> list[tuple[str, pd.DataFrame]]:
        out = []
        if dataclasses.is_dataclass(self):
            for f in dataclasses.fields(self):
                v = getattr(self, f.name, None)
                if isinstance(v, pd.DataFrame):
                    out.append((f.name, v))
        if not any(n == self._main for n, _ in out) and hasattr(type(self), self._main):
            try:
                main = self.main_table()
            except Exception:  # noqa: BLE001 - a repr never raises
                main = None
            if isinstance(main, pd.DataFrame):
                call = callable(getattr(type(self), self._main, None)) and not isinstance(
                    getattr(type(self), self._main, None), property)
                out.insert(0, (self._main + ("()" if call else ""), main))
        return out

    def __repr__(self) -> str:
        lines = [type(self).__name__]
        for k in dict.fromkeys(self._key_fields + self._repr_fields):
            lines.append(f"  {k}: {_short(getattr(self, k, None))}")
        for name, df in self._frames():
            lines.append(f"  {name}: {frame_shape(df)}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        keys = "".join(f"<tr><th style='text-align:left'>{html.escape(str(k))}</th>"
                       f"<td style='text-align:left'>{html.escape(_short(v).strip(chr(39)))}</td></tr>"
                       for k, v in self.key_fields().items())
        try:
            main = self.main_table()
        except Exception:  # noqa: BLE001 - a repr never raises
            main = None
        body = ""
        if isinstance(main, pd.DataFrame):
            body = (f"<p>{html.escape(self._main)}: {html.escape(frame_shape(main))}; "
                    "<code>.to_frame()</code> gives it with units</p>"
                    + main.to_html(max_rows=20, max_cols=14, index=False, na_rep="—", border=0))
        return (f"<div><p><strong>{html.escape(self.headline())}</strong></p>"
                f"<table>{keys}</table>{body}</div>")
