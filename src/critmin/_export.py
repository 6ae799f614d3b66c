"""Tables out of critmin: CSV text and Excel workbooks that open cleanly in a spreadsheet.

One place for what the CLI's ``--csv``/``--xlsx``, ``critmin report --format xlsx`` and the report's
CSV downloads share:

* :func:`tidy_for_output`: whole numbers stay whole (``2021``, not ``2021.0``: a float column whose
  values are all integral becomes a nullable integer column), lists and dicts become text;
* :func:`csv_text`: CSV, optionally with a UTF-8 byte-order mark so that Excel reads "§", "–" and
  "ü" right when the file is opened by double-click;
* :func:`write_workbook`: one sheet per table, the unit of each column in its header
  (``quantity [t]``), a ``sources`` sheet listing the sources, editions and licences the tables rest on
  (from ``SOURCES.md`` of the bundled dataset), written atomically (a temporary file in the target's
  folder, then :func:`os.replace`), so a failed or interrupted write never leaves half a workbook.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from critmin._result import column_unit

__all__ = ["tidy_for_output", "csv_text", "write_workbook", "source_catalogue", "sources_frame",
           "sheet_name", "header"]

BOM = "\ufeff"


def tidy_for_output(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` ready for CSV or a spreadsheet (the numbers are not changed).

    Float columns whose values are all whole numbers (NaN allowed) become nullable integers, so
    years and counts print as ``2021``; lists, tuples, sets and dicts in object columns become
    ``; ``-joined text or ``key: value`` text.
    """
    out = df.copy()
    for c in out.columns:
        s = out[c]
        if pd.api.types.is_float_dtype(s.dtype):
            a = s.to_numpy(dtype="float64", na_value=np.nan)  # NumPy: ~10x faster than Series ops
            v = a[~np.isnan(a)]
            with np.errstate(invalid="ignore"):  # inf % 1 is NaN: not whole, as in pandas
                whole = bool((np.mod(v, 1) == 0).all())
            if v.size and whole and bool((np.abs(v) < 2**53).all()):
                out[c] = s.astype("Int64")
        elif s.dtype == object and any(isinstance(x, (list, tuple, set, dict)) for x in s.to_numpy()):
            out[c] = s.map(_flat)
    return out


def _flat(x: object) -> object:
    if isinstance(x, dict):
        return "; ".join(f"{k}: {v}" for k, v in x.items())
    if isinstance(x, (list, tuple, set)):
        return "; ".join(str(v) for v in x)
    return x


def csv_text(df: pd.DataFrame, *, bom: bool = False) -> str:
    """``df`` as CSV text without the index (see :func:`tidy_for_output`); ``bom`` prefixes the UTF-8
    byte-order mark Excel needs to read the file as UTF-8."""
    return (BOM if bom else "") + tidy_for_output(df).to_csv(index=False)


# --------------------------------------------------------------------------- sources
_ROW = re.compile(r"^\|\s*`?(?P<id>[a-z0-9-]+)`?\s*\|(?P<rest>.*)\|\s*$")


@lru_cache(maxsize=1)
def source_catalogue() -> dict[str, dict[str, str]]:
    """Every source of the bundled dataset's ``SOURCES.md``: id -> title, editions, licence,
    attribution."""
    try:  # the bundled dataset's folder (critmin.warehouse.bundle_dir, without importing the warehouse)
        text = (Path(__file__).resolve().parent / "bundled" / "SOURCES.md").read_text("utf-8")
    except OSError:
        return {}
    out: dict[str, dict[str, str]] = {}
    for line in text.splitlines():
        m = _ROW.match(line.strip())
        if not m or m["id"] == "source" or set(m["id"]) == {"-"}:
            continue
        cells = [c.strip() for c in m["rest"].split("|")]
        if len(cells) >= 4:
            plain = [re.sub(r"[*`]", "", c) for c in cells]  # SOURCES.md's Markdown emphasis and code
            out[m["id"]] = {"title": plain[0], "editions": plain[1], "licence": plain[2],
                            "attribution": plain[3]}
    return out


def _pairs(frames: Iterable[pd.DataFrame]) -> dict[str, set[str]]:
    """Source id -> editions named by the frames (``attrs["sources"]`` and source/edition columns)."""
    used: dict[str, set[str]] = {}
    for df in frames:
        for rec in df.attrs.get("sources", []) or []:
            src = str(rec.get("source") or "")
            if src:
                eds = used.setdefault(src, set())
                eds |= {e.strip() for e in str(rec.get("edition") or "").split(",") if e.strip()}
        if {"source", "edition"} <= set(map(str, df.columns)):
            for s, e in df[["source", "edition"]].drop_duplicates().itertuples(index=False):
                if isinstance(s, str) and s:
                    eds = used.setdefault(s, set())
                    if isinstance(e, str) and e:
                        eds.add(e)
    return used


def sources_frame(frames: Iterable[pd.DataFrame], extra: Iterable[Mapping[str, str]] = ()) -> pd.DataFrame:
    """The ``sources`` sheet: one row per source the frames rest on, with the editions used and the
    publisher's title, licence and attribution from ``SOURCES.md``.

    Parameters
    ----------
    frames : iterable of DataFrame
        Tables whose ``attrs["sources"]`` (see :meth:`critmin._result.Result.to_frame`) and
        ``source``/``edition`` columns name what they come from.
    extra : iterable of mapping
        More ``{"source", "edition"}`` records.
    """
    used = _pairs(frames)
    for rec in extra:
        src = str(rec.get("source") or "")
        if src:
            used.setdefault(src, set()).update(e for e in [str(rec.get("edition") or "")] if e)
    cat = source_catalogue()
    rows = []
    for src in sorted(used):
        info = cat.get(src, {})
        eds = ", ".join(sorted(used[src])) or "(latest in the warehouse)"
        rows.append({"source": src, "editions used": eds,
                     "publisher and title": info.get("title", "(not described by the bundled dataset)"),
                     "licence": info.get("licence", ""), "attribution": info.get("attribution", "")})
    return pd.DataFrame(rows, columns=["source", "editions used", "publisher and title", "licence",
                                       "attribution"])


# --------------------------------------------------------------------------- workbooks
_BAD = re.compile(r"[\[\]:*?/\\]")


def sheet_name(name: str, taken: Iterable[str] = ()) -> str:
    """A valid, unique Excel sheet name (at most 31 characters, none of ``[]:*?/\\``)."""
    base = _BAD.sub(" ", str(name)).strip().strip("'") or "sheet"
    base = re.sub(r"\s+", " ", base)[:31]
    taken_cf = {t.casefold() for t in taken}
    cand, i = base, 2
    while cand.casefold() in taken_cf:
        suffix = f" {i}"
        cand = base[:31 - len(suffix)] + suffix
        i += 1
    return cand


def header(column: str, units: Mapping[str, str] | None = None) -> str:
    """A column header with its unit: ``quantity [t]``; fractions say so (``share [fraction]``); a
    header that already holds a bracket is kept."""
    col = str(column)
    if "[" in col:
        return col
    unit = (units or {}).get(col) or column_unit(col)
    if unit in (None, ""):
        return col
    if unit == "1":
        unit = "fraction"
    return f"{col} [{unit}]"


def write_workbook(path: str | Path, sheets: Mapping[str, pd.DataFrame], *,
                   sources: pd.DataFrame | None = None, about: Mapping[str, object] | None = None) -> Path:
    """Write tables to one Excel workbook, atomically.

    Parameters
    ----------
    path : str or Path
        The ``.xlsx`` file (its folder is created).
    sheets : mapping of str to DataFrame
        Sheet name -> table, in order. Names are made valid and unique (:func:`sheet_name`); headers
        carry units (``df.attrs["units"]``, else the column name's, :func:`header`).
    sources : DataFrame, optional
        The ``sources`` sheet; default :func:`sources_frame` of the tables.
    about : mapping, optional
        Lines of a last ``about`` sheet (what, when, critmin version, ...).

    Returns
    -------
    Path
        The file written.
    """
    import critmin

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frames = list(sheets.values())
    src = sources if sources is not None else sources_frame(frames)
    info = {"written by": f"critmin {critmin.__version__}", **dict(about or {})}
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".xlsx", dir=path.parent)
    os.close(fd)
    xw = pd.ExcelWriter(tmp, engine="openpyxl")
    try:
        taken: list[str] = []
        for name, df in sheets.items():
            sn = sheet_name(name, taken)
            taken.append(sn)
            _write_sheet(xw, sn, df)
        _write_sheet(xw, sheet_name("sources", taken), src)
        taken.append("sources")
        about_df = pd.DataFrame({"item": list(info), "value": [str(v) for v in info.values()]})
        _write_sheet(xw, sheet_name("about", taken), about_df)
        xw.close()
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(Exception):  # a half-written book may not even close
            xw.close()
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _write_sheet(xw: pd.ExcelWriter, name: str, df: pd.DataFrame) -> None:
    units = dict(df.attrs.get("units", {}) or {})
    out = tidy_for_output(df)
    for c in out.columns:
        if isinstance(out[c].dtype, pd.DatetimeTZDtype):
            out[c] = out[c].dt.tz_localize(None)
    out.columns = [header(c, units) for c in out.columns]
    out.to_excel(xw, sheet_name=name, index=False)
    ws = xw.sheets[name]
    ws.freeze_panes = "A2"
    for i, col in enumerate(out.columns, 1):
        values = [str(col)] + [str(v) for v in out.iloc[:200, i - 1].tolist()]
        width = min(60, max(8, max(len(v) for v in values) + 2))
        ws.column_dimensions[_letter(i)].width = width if not math.isnan(width) else 12


def _letter(i: int) -> str:
    s = ""
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s
