"""A seeded mutation fuzzer for critmin's readers, over small excerpts of the real raw files.

Used by ``tests/test_fuzz_readers.py`` (a few hundred cases) and runnable for longer campaigns::

    python tests/_fuzz.py --cases 3000 --seed 7 [--data ../shared/data] [--show 20]

Excerpts are cut at run time from the raw data folder (``../shared/data``, see its SOURCES.md): a
header and a few blocks of each text file, a few records of each JSON download, whole small
workbooks and the first rows of the large ones -- one excerpt or more of every source of
:data:`critmin.sources.registry.READERS` -- plus the user files read outside it
(:data:`OTHER_READERS`: an export-control catalogue, a criticality parameters file, the WGI CSV),
cut from the catalogues critmin ships. Nothing is copied into the repository.

Each case mutates one excerpt (truncation, a byte flip, deleting or duplicating a line, swapping a
delimiter, inserting a CR, a NUL or a huge field, changing the encoding, replacing a number with
text, a negative number, ``1e30``, ``inf`` or ``nan``, nesting JSON deeply, changing a workbook
cell to a boolean, text or a huge number), reads it with the source's reader
(:func:`critmin.sources.registry.read_source`, as ``critmin data ingest`` does) and classifies the
outcome:

``error``
    a :class:`~critmin.errors.DataError` whose message names the file;
``data``
    tables that pass :func:`critmin.schema.conform` and whose rows from the lines (records, sheet
    rows) the mutation did not touch equal the rows read from the unmutated excerpt; a mutation of a
    line that carries no rows of its own (a header, a footnote, a JSON key) changes what the other
    rows mean, so its data is only checked against the schema (``detail="non-local"``);
``unclear``
    a DataError that does not name the file;
``wrong``
    data in which a row the mutation did not touch changed, appeared or vanished;
``traceback``
    any other exception.

A clean run has no ``unclear``, ``wrong`` or ``traceback`` case.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import math
import random
import re
import shutil
import sys
import tempfile
import time
import traceback
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

HUGE = 200_000
"""Characters of a "huge field" (over :func:`csv.field_size_limit`'s default 131,072)."""

DEEP = 100_000
"""Nesting depth of a "deeply nested" JSON value."""

SRC = Path(__file__).resolve().parents[1] / "src"
"""The package sources (the catalogues critmin ships are fuzzed too)."""


# ----------------------------------------------------------------------------------------------
# Excerpts
# ----------------------------------------------------------------------------------------------


@dataclass
class Excerpt:
    """A small real file to mutate.

    Attributes
    ----------
    key : str
        A short id.
    source : str
        The source id of :data:`critmin.sources.registry.READERS`.
    name : str
        The file name the reader sees (it may carry the edition or the commodity code).
    data : bytes
        The excerpt's bytes (for ``gz``: the decompressed text, gzipped when written).
    kind : str
        ``csv`` (delimited text, ``row`` = the line a record starts on), ``json-lines`` (``row`` =
        the line of a scalar), ``json-records`` (``row`` = the index of a record of ``data``),
        ``gz`` (gzipped delimited text), ``xlsx`` or ``xls``.
    encoding : str
        The excerpt's text encoding (text kinds).
    sep : str
        The delimiter (delimited kinds).
    sidecars : dict of str to bytes
        Files written beside it (snapshot metadata the reader looks for).
    weight : float
        Relative share of the cases.
    """

    key: str
    source: str
    name: str
    data: bytes
    kind: str
    encoding: str = "utf-8"
    sep: str = ","
    sidecars: dict[str, bytes] = field(default_factory=dict)
    weight: float = 1.0


def _decode(data: bytes) -> tuple[str, str]:
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    raise ValueError("undecodable excerpt")


def _head(path: Path, n: int) -> bytes:
    """The first ``n`` lines of a text file (line terminators kept)."""
    lines = path.read_bytes().splitlines(keepends=True)
    return b"".join(lines[:n])


def _mcs2026(path: Path, chapters: tuple[str, ...]) -> bytes:
    """The header and every line of the MCS 2026 long file whose chapter is one of ``chapters``."""
    lines = path.read_bytes().splitlines(keepends=True)
    keep = [lines[0]] + [ln for ln in lines[1:] if ln.split(b",", 1)[0].decode("cp1252") in chapters]
    return b"".join(keep)


def _mcs2025(path: Path, commodities: tuple[str, ...]) -> bytes:
    text = path.read_bytes()
    lines = text.splitlines(keepends=True)
    out = [lines[0]]
    for ln in lines[1:]:
        cells = next(csv.reader([ln.decode("utf-8-sig")]))
        if len(cells) > 1 and cells[1].strip() in commodities:
            out.append(ln)
    return b"".join(out)


def _comtrade_json(path: Path, n: int) -> bytes:
    obj = json.loads(path.read_text("utf-8"))
    obj["data"] = obj["data"][:n]
    obj["count"] = len(obj["data"])
    return json.dumps(obj, indent=1, ensure_ascii=False).encode("utf-8") + b"\n"


def _xlsx_head(path: Path, n: int, *, totals: int | None = None) -> bytes:
    """A workbook with the first ``n`` rows (values) of each sheet of ``path`` (with ``totals``: up
    to that many rows starting with ``Total``, i.e. whole blocks)."""
    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        src = openpyxl.load_workbook(path, read_only=True, data_only=True)
    out = openpyxl.Workbook()
    out.remove(out.active)
    for ws in src.worksheets:
        ws.reset_dimensions()
        dst = out.create_sheet(ws.title)
        rows = [list(r) for r in ws.iter_rows(max_row=n, values_only=True)]
        if totals is not None:
            ends = [i for i, r in enumerate(rows) if r and str(r[0]).strip() == "Total"]
            if len(ends) >= totals:
                rows = rows[: ends[totals - 1] + 1]
        head = next((i for i, r in enumerate(rows) if r and r[0] == "Data Type"), None)
        for r in rows:
            if r and r[0] == "Data Row Count" and head is not None:
                r[1] = float(len(rows) - head - 1)  # the excerpt's count (USITC checks it)
            dst.append(r)
    src.close()
    buf = io.BytesIO()
    out.save(buf)
    return buf.getvalue()


def excerpts(data: Path) -> list[Excerpt]:
    """The excerpts cut from the raw data folder ``data`` (``../shared/data``)."""
    mcs = data / "usgs_mcs"
    tr = data / "trade"
    eu = data / "eu_crm"
    out = [
        Excerpt("mcs2026", "usgs-mcs", "MCS2026_Commodities_Data.csv",
                _mcs2026(mcs / "mcs2026/MCS2026_Commodities_Data.csv", ("RARE EARTHS",)),
                "csv", "cp1252", weight=3),
        Excerpt("mcs2025-world", "usgs-mcs", "MCS2025_World_Data.csv",
                _mcs2025(mcs / "mcs2025/MCS2025_World_Data.csv", ("Rare earths", "Lithium")),
                "csv", "utf-8-sig", weight=2),
        Excerpt("mcs2023-world", "usgs-mcs", "mcs2023-raree_world.csv",
                (mcs / "mcs2023/world/mcs2023-raree_world.csv").read_bytes(), "csv", "utf-8-sig",
                weight=2),
        Excerpt("mcs2024-world", "usgs-mcs", "mcs2024-cobal_world.csv",
                (mcs / "mcs2024/world/mcs2024-cobal_world.csv").read_bytes(), "csv", "utf-8-sig"),
        Excerpt("mcs2023-salient", "usgs-mcs", "mcs2023-raree_salient.csv",
                (mcs / "mcs2023/salient/mcs2023-raree_salient.csv").read_bytes(), "csv",
                "utf-8-sig", weight=2),
        Excerpt("mcs2023-salient-xlsx", "usgs-mcs", "mcs2023-quartz_salient.xlsx",
                (mcs / "mcs2023/salient/mcs2023-quartz_salient.xlsx").read_bytes(), "xlsx"),
        Excerpt("comtrade-csv", "comtrade", "rare_earths_trade_data.csv",
                _head(tr / "un_comtrade_cmm_bilateral_annual_2020_2024/rare_earths_trade_data.csv", 25),
                "csv", sidecars={"collection_summary.json": (
                    tr / "un_comtrade_cmm_bilateral_annual_2020_2024/collection_summary.json"
                ).read_bytes()}),
        Excerpt("comtrade-json", "comtrade", "2020.json",
                _comtrade_json(tr / "un_comtrade_china_imports_hs2846_annual/2020.json", 6),
                "json-records", sidecars={"manifest.json": (
                    tr / "un_comtrade_china_imports_hs2846_annual/manifest.json").read_bytes()}),
        Excerpt("china-monthly", "comtrade-monthly-derived", "overview_monthly.csv",
                _head(tr / "china_exports_monthly_comtrade_derived/overview_monthly.csv", 30), "csv"),
        Excerpt("oec", "oec", "oec_hs2846_net_trade_by_country_1995-2022.csv",
                _head(tr / "oec_rare_earth_net_trade_annual/"
                           "oec_hs2846_net_trade_by_country_1995-2022.csv", 40),
                "csv", sep="|"),
        Excerpt("eu-2017", "eu-crm", "eu_crm_2017_assessment.csv",
                _head(eu / "eu_crm_2017_assessment.csv", 12), "csv"),
        Excerpt("eu-app7", "eu-crm", "eu_crm_2023_appendix7_global_supply_shares_t.csv",
                _head(eu / "eu_crm_2023_appendix7_global_supply_shares_t.csv", 40), "csv", "cp1252"),
        Excerpt("eu-tparam", "eu-crm", "eu_crm_2023_trade_parameters_t.csv",
                _head(eu / "eu_crm_2023_trade_parameters_t.csv", 30), "csv"),
        Excerpt("bgs", "bgs-wms", "df_ukgs.csv.gz",
                b"".join(gzip.decompress((data / "bgs/df_ukgs.csv.gz").read_bytes())
                         .splitlines(keepends=True)[:120]), "gz", sep=";"),
        Excerpt("iea", "iea", "iea_critical_minerals_data_explorer_2025ed_converted.json",
                (data / "iea/iea_critical_minerals_data_explorer_2025ed_converted.json").read_bytes(),
                "json-lines", weight=0.5),
        Excerpt("ds140", "usgs-ds140", "ds140_rare_earths_historical_statistics_2020.xlsx",
                (data / "usgs_rare_earths/ds140_rare_earths_historical_statistics_2020.xlsx")
                .read_bytes(), "xlsx", weight=0.5),
        Excerpt("myb-xls", "usgs-myb-world", "myb1-2016-cobal.xls",
                (data / "usgs_myb/myb1-2016-cobal.xls").read_bytes(), "xls", weight=0.5),
        Excerpt("myb-xlsx", "usgs-myb-world", "myb1-2016-antim.xlsx",
                (data / "usgs_myb/myb1-2016-antim.xlsx").read_bytes(), "xlsx", weight=0.5),
        Excerpt("wgi", "wgi", "wgidataset_2024update_1996-2023.xlsx",
                _xlsx_head(data / "wgi/wgidataset_2024update_1996-2023.xlsx", 60), "xlsx"),
        Excerpt("usitc", "usitc", "us_imports_for_consumption_1993-2026.xlsx",
                _xlsx_head(tr / "usitc_dataweb_us_trade_hts4_annual/"
                                "us_imports_for_consumption_1993-2026.xlsx", 40), "xlsx", weight=0.5),
        Excerpt("wmd", "wmd", "wmd_6.4._total_1984-2017.xlsx",
                _xlsx_head(data / "wmd/wmd_6.4._total_1984-2017.xlsx", 200, totals=2), "xlsx",
                weight=0.5),
        Excerpt("myb2022", "usgs-myb", "myb2022_rare_earths_advance_tables.xlsx",
                (data / "usgs_rare_earths/myb2022_rare_earths_advance_tables.xlsx").read_bytes(),
                "xlsx", weight=0.25),  # the slowest to read (1 s): every sheet with its formatting
        Excerpt("bilateral", "comtrade-bilateral",
                "bilateral_edges_2023_imports_2504_2805_2846_7502_8105.csv",
                _head(tr / "un_comtrade_bilateral_imports_2023/"
                           "bilateral_edges_2023_imports_2504_2805_2846_7502_8105.csv", 40), "csv"),
        Excerpt("eu-inputs", "eu-crm", "eu_crm_2023_inputs.csv",
                _head(eu / "eu_crm_2023_inputs.csv", 20), "csv"),
        Excerpt("eu-app6", "eu-crm", "eu_crm_2023_appendix6_end_use_shares_va.csv",
                _head(eu / "eu_crm_2023_appendix6_end_use_shares_va.csv", 30), "csv", weight=0.5),
        Excerpt("eu-app7-eu", "eu-crm", "eu_crm_2023_appendix7_eu_sourcing_shares_t.csv",
                _head(eu / "eu_crm_2023_appendix7_eu_sourcing_shares_t.csv", 30), "csv",
                weight=0.5),
        Excerpt("wgi-csv", "wgi-csv", "wgidataset_2024update_1996-2023.csv",
                _head(data / "wgi/wgidataset_2024update_1996-2023.csv", 40), "csv", weight=0.5),
        Excerpt("export-controls", "export-controls", "export_controls.csv",
                (SRC / "critmin/data/export_controls.csv").read_bytes(), "csv"),
        Excerpt("parameters", "criticality-parameters", "criticality_parameters.csv",
                _head(SRC / "critmin/data/criticality_parameters.csv", 40), "csv", weight=0.5),
    ]
    for ex in out:
        if ex.kind in ("csv", "gz", "json-lines", "json-records"):
            ex.encoding = _decode(ex.data)[1]
    return out


# ----------------------------------------------------------------------------------------------
# Mutations
# ----------------------------------------------------------------------------------------------


@dataclass
class Mutation:
    """One mutated file.

    Attributes
    ----------
    what : str
        A short description (``"flip line 7"``).
    data : bytes
        The mutated content (for ``gz`` excerpts: the text, gzipped when written unless ``raw``).
    touched : set of int or None
        Original line numbers (1-based) the mutation changed; None when it may change any row
        (the data must then equal the unmutated rows exactly, or be refused).
    line_map : callable
        Mutated line number -> original line number (None for a line that has no original).
    keep_before : int or None
        For a truncation: only rows of original lines below this one can survive.
    raw : bool
        ``data`` is the file's bytes as they are (a gz excerpt's compressed bytes were mutated).
    cell : bool
        A workbook cell was changed through openpyxl (compare with the re-saved workbook).
    """

    what: str
    data: bytes
    touched: set[int] | None
    line_map: Callable[[int], int | None] = lambda n: n
    keep_before: int | None = None
    raw: bool = False
    cell: bool = False


_NUMBER_RE = re.compile(rb"(?<![\w.])-?\d[\d,]*(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\w])")
_REPLACEMENTS = (b"abc", b"-5", b"1e30", b"inf", b"nan", b"-1e30", b"Infinity", b"NaN", b"12abc",
                 b"1,2,3", b"", b"--5", b"0x1F", b"\xe2\x80\x94")


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True)


def _pick_line(rng: random.Random, lines: list[bytes], first: int = 1) -> int:
    """A 0-based index of a non-empty line (the header is line 0)."""
    cands = [i for i in range(first, len(lines)) if lines[i].strip()]
    if not cands:
        cands = list(range(len(lines)))
    return rng.choice(cands)


def _delims(ex: Excerpt) -> bytes:
    return ex.sep.encode()


def mutate_text(ex: Excerpt, rng: random.Random) -> Mutation:
    """A random mutation of a text excerpt."""
    data = ex.data
    lines = _lines(data)
    ops = ["truncate", "flip", "delete", "duplicate", "delimiter", "cr", "nul", "huge", "encoding",
           "number", "number", "number", "swap-all-delims"]
    if ex.kind.startswith("json"):
        ops += ["deep", "deep", "huge-string"]
    op = rng.choice(ops)
    if op == "truncate":
        cut = rng.randrange(1, len(data))
        line = data[:cut].count(b"\n") + 1
        return Mutation(f"truncate at byte {cut} (line {line})", data[:cut], {line},
                        keep_before=line)
    if op == "swap-all-delims":
        other = rng.choice([b";", b"\t", b"|", b","])
        if other == _delims(ex):
            other = b";" if other != b";" else b","
        return Mutation(f"every {ex.sep!r} -> {other!r}", data.replace(_delims(ex), other), None)
    if op == "encoding":
        text = data.decode(ex.encoding)
        choices = ["utf-16", "utf-16-le", "utf-16-be", "utf-8", "utf-8-sig", "cp1252", "crlf", "lf"]
        enc = rng.choice(choices)
        if enc == "crlf":
            out = text.replace("\r\n", "\n").replace("\n", "\r\n").encode(ex.encoding)
        elif enc == "lf":
            out = text.replace("\r\n", "\n").encode(ex.encoding)
        else:
            try:
                out = text.lstrip("\ufeff").encode(enc)
            except UnicodeEncodeError:
                out = text.lstrip("\ufeff").encode("utf-8")
                enc = "utf-8"
        return Mutation(f"re-encoded as {enc}", out, None)
    i = _pick_line(rng, lines)
    ln = i + 1
    line = lines[i]
    body = line.rstrip(b"\r\n")
    end = line[len(body):]
    if op == "flip":
        if not body:
            body = b" "
        j = rng.randrange(len(body))
        while True:
            b = rng.choice([body[j] ^ (1 << rng.randrange(8)), rng.randrange(256)])
            if b not in (0x0A, 0x0D) and b != body[j]:
                break
        new = body[:j] + bytes([b]) + body[j + 1:] + end
        return Mutation(f"flip byte {j} of line {ln} to 0x{b:02x}",
                        b"".join(lines[:i] + [new] + lines[i + 1:]), {ln})
    if op == "delete":
        return Mutation(f"delete line {ln}", b"".join(lines[:i] + lines[i + 1:]), {ln},
                        line_map=lambda n, ln=ln: n if n < ln else n + 1)
    if op == "duplicate":
        dup = line if line.endswith(b"\n") else line + b"\n"
        return Mutation(f"duplicate line {ln}", b"".join(lines[:i] + [dup, line] + lines[i + 1:]),
                        {ln}, line_map=lambda n, ln=ln: n if n <= ln else (None if n == ln + 1
                                                                          else n - 1))
    if op == "delimiter":
        seps = [m.start() for m in re.finditer(re.escape(_delims(ex)), body)] or [len(body)]
        j = rng.choice(seps)
        other = rng.choice([b";", b"\t", b"|", b",,"])
        new = body[:j] + other + body[j + 1:] + end
        return Mutation(f"delimiter {j} of line {ln} -> {other!r}",
                        b"".join(lines[:i] + [new] + lines[i + 1:]), {ln})
    if op in ("cr", "nul"):
        j = rng.randrange(len(body) + 1)
        ins = b"\r" if op == "cr" else b"\x00"
        new = body[:j] + ins + body[j:] + end
        return Mutation(f"insert {op.upper()} at byte {j} of line {ln}",
                        b"".join(lines[:i] + [new] + lines[i + 1:]), {ln})
    if op in ("huge", "huge-string"):
        j = rng.randrange(len(body) + 1)
        filler = b"x" * HUGE
        if op == "huge" and rng.random() < 0.5:
            seps = [m.start() for m in re.finditer(re.escape(_delims(ex)), body)]
            if seps:
                j = rng.choice(seps) + 1
                filler = b'"' + filler + b'"' if ex.kind in ("csv", "gz") else filler
        new = body[:j] + filler + body[j:] + end
        return Mutation(f"insert {HUGE:,} characters at byte {j} of line {ln}",
                        b"".join(lines[:i] + [new] + lines[i + 1:]), {ln})
    if op == "deep":
        nums = list(_NUMBER_RE.finditer(body))
        if not nums:
            return mutate_text(ex, rng)
        m = rng.choice(nums)
        deep = b"[" * DEEP + b"1" + b"]" * DEEP
        new = body[:m.start()] + deep + body[m.end():] + end
        return Mutation(f"nest {DEEP:,} lists at line {ln}",
                        b"".join(lines[:i] + [new] + lines[i + 1:]), {ln})
    # number replaced
    nums = list(_NUMBER_RE.finditer(body))
    if not nums:
        return mutate_text(ex, rng)
    m = rng.choice(nums)
    rep = rng.choice(_REPLACEMENTS)
    if ex.kind.startswith("json") and rng.random() < 0.5:
        rep = b'"' + rep + b'"'
    new = body[:m.start()] + rep + body[m.end():] + end
    return Mutation(f"number {m.group(0)!r} of line {ln} -> {rep!r}",
                    b"".join(lines[:i] + [new] + lines[i + 1:]), {ln})


def mutate_binary(ex: Excerpt, rng: random.Random, data: bytes | None = None) -> Mutation:
    """A byte-level mutation of a binary file (workbook, gzip): the data must stay or be refused."""
    data = ex.data if data is None else data
    op = rng.choice(["truncate", "flip", "flip", "zero-block", "append", "swap"])
    if op == "truncate":
        cut = rng.randrange(0, len(data))
        return Mutation(f"truncate at byte {cut} of {len(data)}", data[:cut], None, raw=True)
    if op == "flip":
        j = rng.randrange(len(data))
        b = data[j] ^ (1 << rng.randrange(8))
        return Mutation(f"flip byte {j} to 0x{b:02x}", data[:j] + bytes([b]) + data[j + 1:], None,
                        raw=True)
    if op == "zero-block":
        j = rng.randrange(len(data))
        n = rng.randrange(1, 512)
        return Mutation(f"zero {n} bytes at {j}", data[:j] + b"\x00" * n + data[j + n:], None,
                        raw=True)
    if op == "append":
        return Mutation("append garbage", data + bytes(rng.randrange(256) for _ in range(64)),
                        None, raw=True)
    j = rng.randrange(len(data) - 64)
    k = rng.randrange(len(data) - 64)
    a, b = sorted((j, k))
    if b - a < 32:
        return Mutation("swap nothing", data, None, raw=True)
    return Mutation(f"swap 32 bytes at {a} and {b}",
                    data[:a] + data[b:b + 32] + data[a + 32:b] + data[a:a + 32] + data[b + 32:],
                    None, raw=True)


_CELL_VALUES: tuple[object, ...] = (True, False, "abc", -5, 1e30, "inf", "nan", "1e30", "",
                                    "x" * HUGE, 12.5, "=1/0")


def mutate_cell(ex: Excerpt, rng: random.Random) -> Mutation:
    """One workbook cell changed (a boolean, text, a huge number...) and the workbook re-saved."""
    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        wb = openpyxl.load_workbook(io.BytesIO(ex.data))
    ws = rng.choice(wb.worksheets)
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    if not cells:
        return mutate_binary(ex, rng)
    c = rng.choice(cells)
    val = rng.choice(_CELL_VALUES)
    c.value = val
    buf = io.BytesIO()
    wb.save(buf)
    shown = val if not isinstance(val, str) or len(val) < 20 else f"<{len(val)} chars>"
    return Mutation(f"cell {ws.title}!{c.coordinate} -> {shown!r}", buf.getvalue(), {c.row},
                    cell=True)


def resave(data: bytes) -> bytes:
    """A workbook loaded and saved by openpyxl (the baseline of cell mutations)."""
    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        wb = openpyxl.load_workbook(io.BytesIO(data))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def mutate(ex: Excerpt, rng: random.Random) -> Mutation:
    """A random mutation suited to the excerpt's kind."""
    if ex.kind in ("csv", "json-lines", "json-records"):
        return mutate_text(ex, rng)
    if ex.kind == "gz":
        if rng.random() < 0.2:
            return mutate_binary(ex, rng, gzip.compress(ex.data, mtime=0))
        return mutate_text(ex, rng)
    if ex.kind == "xlsx" and rng.random() < 0.5:
        return mutate_cell(ex, rng)
    return mutate_binary(ex, rng)


# ----------------------------------------------------------------------------------------------
# Running a case
# ----------------------------------------------------------------------------------------------


def _write(folder: Path, ex: Excerpt, data: bytes, raw: bool) -> Path:
    for nm, content in ex.sidecars.items():
        (folder / nm).write_bytes(content)
    p = folder / ex.name
    if ex.kind == "gz" and not raw:
        data = gzip.compress(data, mtime=0)
    p.write_bytes(data)
    return p


def read(folder: Path, ex: Excerpt, data: bytes, raw: bool = False) -> dict[str, pd.DataFrame]:
    """Write ``data`` under the excerpt's name in ``folder`` and read it as ``critmin data ingest``
    does; every table goes through :func:`critmin.schema.conform`."""
    from critmin.schema import conform
    from critmin.sources.registry import read_source

    p = _write(folder, ex, data, raw)
    if ex.source in OTHER_READERS:
        return OTHER_READERS[ex.source](p)
    tables = read_source(p, ex.source)
    return {k: conform(v, k, file=ex.name) for k, v in tables.items()}


def _events(p: Path) -> dict[str, pd.DataFrame]:
    from critmin.monitor.events import read_events

    return {"events": read_events(p)}


def _parameters(p: Path) -> dict[str, pd.DataFrame]:
    from critmin.criticality.parameters import load_parameters

    df = load_parameters(p)
    return {"parameters": df.assign(row=df.attrs["rows"])}


def _wgi_csv(p: Path) -> dict[str, pd.DataFrame]:
    from critmin.schema import conform
    from critmin.sources.wgi import read_wgi_csv

    return {"governance": conform(read_wgi_csv(p), "governance", file=p.name)}


OTHER_READERS: dict[str, Callable[[Path], dict[str, pd.DataFrame]]] = {
    "export-controls": _events,
    "criticality-parameters": _parameters,
    "wgi-csv": _wgi_csv,
}
"""Readers of user files outside :func:`critmin.sources.registry.read_source` (pseudo source ids):
the export-control catalogue (:func:`critmin.monitor.events.read_events`), the criticality
parameters (``critmin criticality --parameters``) and the WGI CSV export."""


def _record_starts(ex: Excerpt) -> dict[int, int]:
    """Original line -> the line its CSV record starts on (records may span lines)."""
    text = ex.data.decode(ex.encoding)
    out: dict[int, int] = {}
    reader = csv.reader(io.StringIO(text), delimiter=ex.sep)
    start = 1
    for _rec in reader:
        for ln in range(start, reader.line_num + 1):
            out[ln] = start
        start = reader.line_num + 1
    return out


def _json_records(ex: Excerpt) -> dict[int, int]:
    """Original line -> 1-based index of the ``data`` record it lies in (comtrade JSON)."""
    from critmin.sources._jsonlines import load_with_lines

    _obj, lines = load_with_lines(ex.data.decode(ex.encoding), ex.name)
    out: dict[int, int] = {}
    for path, ln in lines.items():
        if len(path) >= 2 and path[0] == "data":
            out[ln] = int(path[1]) + 1
    return out


def _canon(df: pd.DataFrame) -> list[tuple]:
    return sorted(tuple("<NA>" if (v is None or (isinstance(v, float) and math.isnan(v))
                                   or v is pd.NA) else str(v) for v in row)
                  for row in df.itertuples(index=False))


@dataclass
class Outcome:
    """The result of one case."""

    excerpt: str
    what: str
    kind: str  # error, data, unclear, wrong, traceback
    detail: str = ""


def _xls_changed_rows(a: bytes, b: bytes) -> set[int] | None:
    """Sheet rows (1-based) whose cell values differ between two .xls files (None when either
    cannot be read: the reader must then have refused it)."""
    import os

    import xlrd

    try:
        with open(os.devnull, "w") as quiet:
            wa = xlrd.open_workbook(file_contents=a, logfile=quiet, verbosity=0)
            wb = xlrd.open_workbook(file_contents=b, logfile=quiet, verbosity=0)
    except Exception:  # noqa: BLE001 - any damage
        return None
    out: set[int] = set()
    for sa, sb in zip(wa.sheets(), wb.sheets(), strict=False):
        for r in range(max(sa.nrows, sb.nrows)):
            ra = sa.row_values(r) if r < sa.nrows else []
            rb = sb.row_values(r) if r < sb.nrows else []
            if ra != rb:
                out.add(r + 1)
    if wa.nsheets != wb.nsheets or [s.name for s in wa.sheets()] != [s.name for s in wb.sheets()]:
        return None
    return out


def _iea_derived(table: str, df: pd.DataFrame, touched: set[int]) -> set[int]:
    """IEA "Rest of world" rows are corrected with the other countries of their block (see
    :mod:`critmin.sources.iea`): a touched country touches the OTH row of its block."""
    if table != "outlook_supply" or df.empty:
        return set()
    key = ["mineral", "stage", "case", "year"]
    hit = df.loc[df["row"].isin(touched), key].drop_duplicates()
    if hit.empty:
        return set()
    m = df.merge(hit, on=key)
    return set(m.loc[m["country"] == "OTH", "row"].astype(int))


_USITC_ROWS = re.compile(r"(\d+) \(")


def _usitc_derived(table: str, df: pd.DataFrame, touched: set[int]) -> set[int]:
    """USITC rows combine the value rows of several units of one country and HTS code (their sheet
    rows are listed in ``notes``: "value = 24 (kilograms), 28 (gold content grams) ...")."""
    out: set[int] = set()
    for row, note in zip(df["row"], df["notes"], strict=True):
        if isinstance(note, str) and "value = " in note:
            rows = {int(x) for x in _USITC_ROWS.findall(note.split(" of the value sheet")[0])}
            if rows & touched:
                out.add(int(row))
    return out


DERIVED: dict[str, Callable[[str, pd.DataFrame, set[int]], set[int]]] = {
    "iea": _iea_derived,
    "usitc": _usitc_derived,
}
"""Excerpt key -> the output rows that depend on a touched row besides its own (by the reader's
documented design)."""


def _touched(ex: Excerpt, mut: Mutation, base: dict[str, pd.DataFrame]) -> set[int] | None | str:
    """The rows (``row`` values) a mutation may change: a set for a local mutation, None for one
    that must leave every row as it was, or ``"non-local"`` for one that changes what the other rows
    mean (a header, a footnote, a JSON key: the rows are then only checked against the schema)."""
    data_rows = {int(r) for df in base.values() for r in df["row"].dropna()}
    if ex.kind == "xls" and mut.raw:
        changed = _xls_changed_rows(ex.data, mut.data)
        if changed is None:
            return None
        return changed if changed <= data_rows else "non-local"
    if mut.touched is None:
        return None
    if ex.kind == "json-records":
        recs = _json_records(ex)
        rows = {recs[ln] for ln in mut.touched if ln in recs}
        return rows if len(rows) == len(mut.touched) else "non-local"
    if mut.cell:
        rows = set(mut.touched)
    else:
        starts = _record_starts(ex) if ex.kind in ("csv", "gz") else {}
        rows = {starts.get(ln, ln) for ln in mut.touched}
    if not rows <= data_rows and mut.keep_before is None:
        return "non-local"
    return rows


def _compare(ex: Excerpt, mut: Mutation, base: dict[str, pd.DataFrame],
             got: dict[str, pd.DataFrame]) -> str:
    """'' when the rows the mutation did not touch are equal, else what differs."""
    touched = _touched(ex, mut, base)
    if touched == "non-local":
        return ""
    assert not isinstance(touched, str)
    mapper: Callable[[int], int | None] = lambda n: n  # noqa: E731
    if ex.kind not in ("json-records",) and not mut.cell and not mut.raw:
        mapper = mut.line_map
    problems = []
    for table in sorted(set(base) | set(got)):
        b = base.get(table)
        g = got.get(table)
        if b is None or g is None:
            if (b is not None and len(b)) or (g is not None and len(g)):
                problems.append(f"table {table} {'missing' if g is None else 'added'}")
            continue
        g = g.copy()
        g["row"] = pd.array([mapper(int(r)) if pd.notna(r) else None for r in g["row"]],
                            dtype="Int64")
        skip = set(touched or ())
        if ex.key in DERIVED and skip:
            skip |= DERIVED[ex.key](table, b, skip) | DERIVED[ex.key](table, g.dropna(subset=["row"]),
                                                                      skip)
        keep_g = g["row"].notna() & ~g["row"].isin(skip)
        keep_b = ~b["row"].isin(skip)
        if mut.keep_before is not None:  # truncated: the rows of the lines before the cut stay
            keep_b &= b["row"] < mut.keep_before
        cg, cb = _canon(g.loc[keep_g]), _canon(b.loc[keep_b])
        if cg != cb:
            extra = [r for r in cg if r not in set(cb)][:2]
            lost = [r for r in cb if r not in set(cg)][:2]
            problems.append(f"{table}: {len(cg)} rows vs {len(cb)}; new {extra}; lost {lost}")
    return "; ".join(problems)


def run_case(folder: Path, ex: Excerpt, mut: Mutation, base: dict[str, pd.DataFrame]) -> Outcome:
    """Read one mutated file and classify the outcome (see the module docstring)."""
    from critmin.errors import DataError

    try:
        got = read(folder, ex, mut.data, mut.raw)
    except DataError as err:
        msg = str(err)
        if ex.name not in msg:
            return Outcome(ex.key, mut.what, "unclear", msg[:300])
        return Outcome(ex.key, mut.what, "error", msg[:300])
    except Exception as err:  # noqa: BLE001 - what the fuzzer looks for
        tb = traceback.format_exception(err)
        return Outcome(ex.key, mut.what, "traceback",
                       f"{type(err).__name__}: {str(err)[:200]}\n" + "".join(tb[-3:])[:1500])
    if _touched(ex, mut, base) == "non-local":
        return Outcome(ex.key, mut.what, "data", "non-local")
    diff = _compare(ex, mut, base, got)
    if diff:
        return Outcome(ex.key, mut.what, "wrong", diff[:600])
    return Outcome(ex.key, mut.what, "data")


def campaign(data: Path, cases: int, seed: int, *, only: str | None = None,
             progress: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    """Run ``cases`` seeded cases over the excerpts of ``data``; returns every outcome."""
    rng = random.Random(seed)
    exs = [e for e in excerpts(data) if only is None or e.key == only]
    outcomes: list[Outcome] = []
    tmp = Path(tempfile.mkdtemp(prefix="critmin-fuzz-"))
    try:
        bases: dict[str, dict[str, pd.DataFrame]] = {}
        resaved: dict[str, tuple[bytes, dict[str, pd.DataFrame]] | None] = {}
        for ex in exs:
            d = tmp / ex.key
            d.mkdir()
            bases[ex.key] = read(d, ex, ex.data)
        weights = [e.weight for e in exs]
        for _ in range(cases):
            ex = rng.choices(exs, weights)[0]
            mut = mutate(ex, rng)
            base = bases[ex.key]
            if mut.cell:
                if ex.key not in resaved:
                    try:
                        rs = resave(ex.data)
                        resaved[ex.key] = (rs, read(tmp / ex.key, ex, rs))
                    except Exception:  # noqa: BLE001 - a workbook openpyxl cannot round-trip
                        resaved[ex.key] = None
                if resaved[ex.key] is None:
                    mut = mutate_binary(ex, rng)
                else:
                    base = resaved[ex.key][1]  # type: ignore[index]
            out = run_case(tmp / ex.key, ex, mut, base)
            outcomes.append(out)
            if progress:
                progress(out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return outcomes


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--cases", type=int, default=400)
    ap.add_argument("--seed", type=int, default=20261206)
    ap.add_argument("--data", type=Path,
                    default=Path(__file__).resolve().parents[1].parent / "shared" / "data")
    ap.add_argument("--only", help="one excerpt key")
    ap.add_argument("--show", type=int, default=10, help="failures to print")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    outs = campaign(args.data, args.cases, args.seed, only=args.only)
    dt = time.perf_counter() - t0
    counts = Counter(o.kind for o in outs)
    nonlocal_ = sum(o.detail == "non-local" for o in outs)
    print(f"{len(outs)} cases in {dt:.1f} s: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
          + f" (data of non-local mutations, schema-checked only: {nonlocal_})")
    by_ex = Counter((o.excerpt, o.kind) for o in outs)
    for (e, k), v in sorted(by_ex.items()):
        print(f"  {e:22s} {k:9s} {v}")
    bad = [o for o in outs if o.kind in ("traceback", "wrong", "unclear")]
    for o in bad[: args.show]:
        print(f"--- {o.kind} {o.excerpt}: {o.what}\n{o.detail}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
