"""The FGDC metadata of the MCS 2023-2025 salient files: column definitions and what they imply.

Each salient file ``salient/mcs20YY-<code>_salient.csv`` has a metadata file
``meta/mcs20YY-<code>_meta.xml`` (FGDC CSDGM) whose ``<attrlabl>``/``<attrdef>`` pairs define every
column: :func:`read_definitions` reads them, :func:`_definitions_for` finds the file of a salient
table. A definition tells which years are estimated, the consumption method and a price's unit, and
is kept in ``notes``. Used by :mod:`.salient_wide`.

Notes
-----
Quirks of the source handled on purpose (each has a test):

* **Estimates**: a wide file marks no cell as estimated (except ``e150``); the release metadata says
  which years are ("Data are estimated for the most recent year", "... for all years", "... for 2021
  and 2022", "... beginning in 2020"); without it the latest year of the file is taken as estimated
  (the MCS convention). MCS 2022 has no metadata: MCS 2023's definition of the identically named
  column of the same commodity is used.
* **Consumption method** from the definition ("Consumption: Apparent", "...: Reported", "...:
  Estimated"); a consumption column whose method is known neither from it nor from the column name
  stays in ``salient`` only.
* **Prices per metric ton unit** (tungsten WO3, manganese ore) are written ``_dt``; the definition
  ("dollars per dry metric ton unit") turns the unit into ``USD/dmtu``/``USD/mtu``.
* **Definitions** are found by the exact column name, then by a spelling-insensitive key
  (``Imports_Metalkg`` = ``Imports_Metal_kg``), then, when exactly one column and one metadata label
  of the same statistic and unit are left over, by pairing them.
* **Malformed XML**: one release file (MCS2024 platinum) is not well-formed XML; the definitions are
  read with a tolerant pattern. A file name whose code differs from the salient file's
  (``scandi``/``scand``) is matched when exactly one code is a prefix of the other.
* The metadata is not followed blindly: it is itself wrong in places (MCS2024 chromium gives
  ferrochromium in $/t, the values are $/lb); see ``COLUMN_FIXES`` in :mod:`.salient_wide`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from critmin.errors import DataError
from critmin.sources._io import read_text
from critmin.sources.usgs_mcs._wide_columns import SalientColumn, parse_column

__all__ = ["read_definitions"]

_ATTR = re.compile(r"<attrlabl>\s*(?P<lab>[^<]*?)\s*</attrlabl>\s*<attrdef>\s*(?P<def>[^<]*?)\s*</attrdef>",
                   re.S)
_DETAILED = re.compile(r"<detailed>(?P<body>.*?)</detailed>", re.S)
_ENTITY = re.compile(r"<enttypl>\s*(?P<name>[^<]*?)\s*</enttypl>", re.S)


def read_definitions(path: str | Path) -> dict[str, str]:
    """Column definitions of a salient file from the release's FGDC metadata XML.

    Parameters
    ----------
    path : str or Path
        A ``meta/mcs20YY-<code>_meta.xml`` file.

    Returns
    -------
    dict
        Column label -> definition text, for the entity whose name contains ``salient`` (all
        entities' labels when none does). Read with a tolerant pattern, as one release file
        (MCS2024 platinum) is not well-formed XML.
    """
    text = read_text(path)
    out: dict[str, str] = {}
    blocks = list(_DETAILED.finditer(text))
    chosen = []
    for b in blocks:
        ent = _ENTITY.search(b.group("body"))
        if ent is not None and "salient" in ent.group("name").lower():
            chosen.append(b.group("body"))
    for body in chosen or ([b.group("body") for b in blocks] or [text]):
        for m in _ATTR.finditer(body):
            lab = re.sub(r"\s+", " ", m.group("lab")).strip()
            out.setdefault(lab, re.sub(r"\s+", " ", _unescape(m.group("def"))).strip())
    return out


def _unescape(s: str) -> str:
    return s.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')


_YEAR = r"(?:19|20)\d\d"


def _estimated_years(definition: str | None, years: Iterable[int]) -> set[int]:
    """Years a definition says are estimated; the latest year always is (MCS convention)."""
    ys = sorted(set(years))
    if not ys:
        return set()
    out = {ys[-1]}
    if not definition:
        return out
    d = definition.lower()
    if "estimated for all years" in d or "data for all years are estimated" in d:
        return set(ys)
    for m in re.finditer(r"estimated (?:for|beginning in) ([^.]*)", d):
        clause = m.group(1)
        if m.group(0).startswith("estimated beginning in"):
            y0 = re.search(_YEAR, clause)
            if y0:
                out |= {y for y in ys if y >= int(y0.group(0))}
            continue
        n = 0
        if re.search(r"most recent (?:two|2) years|two most recent years", clause):
            n = 2
        elif re.search(r"most recent (?:three|3) years|three most recent years", clause):
            n = 3
        if n:
            out |= set(ys[-n:])
        for a, b in re.findall(rf"({_YEAR})\s*(?:through|to|-|–)\s*({_YEAR})", clause):
            out |= {y for y in ys if int(a) <= y <= int(b)}
        out |= {int(y) for y in re.findall(_YEAR, clause) if int(y) in ys}
    return out


_MTU = re.compile(r"dollars per (?P<dry>dry )?metric ton unit", re.I)


def _unit_from_definition(col: SalientColumn, definition: str | None) -> SalientColumn:
    """A price per metric ton *unit* (1 % of a metric ton of contained WO3 or Mn) is written
    ``_dt`` in the column names; the definition tells, and the unit becomes ``USD/mtu``/``USD/dmtu``
    (as MCS 2026 writes it)."""
    if col.statistic != "price" or not definition:
        return col
    m = _MTU.search(definition)
    if not m:
        return col
    unit = "USD/dmtu" if m.group("dry") else "USD/mtu"
    return SalientColumn(col.name, col.statistic, unit, col.group, col.words, col.method, col.key)


def _match_definitions(cols: list[SalientColumn], definitions: Mapping[str, str]
                       ) -> dict[str, str]:
    """Definitions by column name; a column whose name the metadata spells differently
    (``Consump_ZrO2_content_t`` vs ``Consump_ZrO2_t``) gets the one unused metadata label of the
    same statistic and unit, when there is exactly one of each."""
    out = {c.name: definitions[c.name] for c in cols if c.name in definitions}
    used = set(out)
    parsed: dict[str, SalientColumn] = {}
    for lab in definitions:
        if lab in used or lab in ("DataSource", "Source", "Commodity", "Year"):
            continue
        try:
            parsed[lab] = parse_column(lab)
        except DataError:
            continue
    by_key: dict[str, list[str]] = {}
    for lab, pc in parsed.items():
        by_key.setdefault(pc.key, []).append(lab)
    for c in cols:
        labs = by_key.get(c.key, [])
        if c.name not in out and len(labs) == 1 and labs[0] not in used:
            out[c.name] = f"{definitions[labs[0]]} (metadata label {labs[0]})"
            used.add(labs[0])
    spare: dict[tuple[str, str], list[str]] = {}
    for lab, pc in parsed.items():
        if lab not in used:
            spare.setdefault((pc.statistic, pc.unit), []).append(lab)
    missing: dict[tuple[str, str], list[SalientColumn]] = {}
    for c in cols:
        if c.name not in out:
            missing.setdefault((c.statistic, c.unit), []).append(c)
    for k, cs in missing.items():
        labs = spare.get(k, [])
        if len(cs) == 1 and len(labs) == 1:
            out[cs[0].name] = f"{definitions[labs[0]]} (metadata label {labs[0]})"
    return out


def _consumption_method(col: SalientColumn, definition: str | None) -> str | None:
    if definition:
        d = definition.lower()
        if re.search(r"consumption[^.]*?\bapparent|apparent consumption|supply: apparent", d):
            return "apparent"
        if re.search(r"consumption[^.]*?\breported", d):
            return "reported"
        if re.search(r"consumption[^.]*?\bestimated|estimated consumption", d):
            return "estimated"
    return col.method


# ----------------------------------------------------------------------------------------------
# where the metadata of a salient file is


def _find_meta(path: Path, edition: str | None, code: str | None) -> Path | None:
    if not code:
        return None
    meta = path.parent.parent / "meta"
    if not meta.is_dir():
        return None
    cands = {}
    for p in meta.glob("*_meta.xml"):
        m = re.search(r"(?i)mcs\s*(20\d\d)-?([a-z][a-z-]*?)_meta", p.name)
        if m and f"MCS{m.group(1)}" == edition:
            cands[m.group(2).lower()] = p
    if code in cands:
        return cands[code]
    near = [c for c in cands if code.startswith(c) or c.startswith(code)
            or code.split("-")[0] == c]
    return cands[near[0]] if len(near) == 1 else None


def _definitions_for(path: Path, edition: str | None, code: str | None) -> dict[str, str]:
    meta = _find_meta(path, edition, code)
    if meta is not None:
        return read_definitions(meta)
    if edition == "MCS2022" and code:
        # MCS 2022 ships no metadata; the MCS 2023 definition of an identically named column of the
        # same commodity is used (only labels present in both are ever looked up).
        sibling = path.parent.parent.parent / "mcs2023" / "salient" / "x"
        meta = _find_meta(sibling, "MCS2023", code)
        if meta is not None:
            return read_definitions(meta)
    return {}
