"""EU criticality assessments (European Commission / JRC): the published inputs and results.

Six small CSV files (the raw ``eu_crm`` folder, docs/data.md §9), each read into rows of the
``eu_crm`` table (:mod:`critmin.schema`): one row per material, parameter and, where it applies,
stage (``E`` extraction, ``P`` processing), scope (``GS`` global supply, ``EU`` EU sourcing), supplier
country, end-use application and NACE sector. Source id ``eu-crm``; editions ``EUCRM2017`` (the 2017
study) and ``EUCRM2023`` (the 2023 study).

============================================ ============== ==========================================
file                                         reader         parameters written
============================================ ============== ==========================================
``eu_crm_2017_assessment.csv``               2017           ``stage_reported``, ``sr``, ``ei``, ``ir``,
                                                            ``eol_rir``, ``si_sr``, ``si_ei``,
                                                            ``critical``, ``hhi_wgi_t`` (GS, EU),
                                                            ``supply_data``, ``group``
``eu_crm_2023_inputs.csv``                   2023 inputs    ``stage_reported``, ``stages_assessed``,
                                                            ``supply_data`` and ``ir`` per stage,
                                                            ``eol_rir``, ``si_sr``, ``si_ei``, ``group``
``eu_crm_2023_appendix7_global_supply_...``  Appendix 7     ``share`` and ``t`` per country (GS)
``eu_crm_2023_appendix7_eu_sourcing_...``    Appendix 7     ``share`` and ``t`` per country (EU)
``eu_crm_2023_appendix6_end_use_...``        Appendix 6     ``end_use_share`` and ``sector_va``
``eu_crm_2023_trade_parameters_t.csv``       t list         ``trade_parameter`` per country (GS, EU)
============================================ ============== ==========================================

Values: percentages become fractions (``IR`` 64 -> 0.64, ``"68.3%"`` -> 0.683); ``value`` of
``sector_va`` is in million euro (``unit`` ``MEUR``); categorical values (``GS+EU``, ``E+P``,
``yes``) are in ``text``. :func:`read_eu_crm` recognises the file by its header.

Notes
-----
* Encodings differ: the Appendix 6/7 copies are Windows-1252 (``Türkiye`` as byte 0xFC), the CritMAT
  trade-parameter list is UTF-8; :func:`critmin.sources._io.read_text` tries UTF-8 first.
* Shares are text: ``"68.3%"``, ``"<0.1%"`` (kept as 0.001 with ``qualifier`` ``<``: an upper bound,
  negligible in a sum of squares), ``">0%"`` (0 with ``qualifier`` ``>``), and once a bare ``"6"``
  (silicon metal, Germany, EU sourcing) which is read as 6 % and flagged in ``notes``. Any other
  text raises :class:`~critmin.errors.DataError` naming file, row and column.
* Material names differ between the files (``Natural Graphite``/``Natural graphite``, ``Barytes``/
  ``Baryte``, ``Kaolin``/``Kaolin clay``, ``Phosphorous``/``Phosphorus``, ``Aluminium`` (2023) /
  ``Aluminium/bauxite``, ``Heavy Rare earths Elements``/``HREE``, ``Coking Coal``, ``Iron Ore``,
  ``Talc, Steatite & Pyrophyllite``): :data:`MATERIAL_NAMES` maps them to the names of the 2023
  inputs table; ``material_raw`` keeps the name as written. ``Titanium ores`` (EU sourcing only) is
  kept as its own material.
* Country names are resolved with :func:`critmin.countries.resolve` (the alias table knows the EU
  spellings: ``Congo, D.R.``, ``Brasilia``, ``Turkyie``, ``Libanon``, ``Surinam``); a name that does
  not resolve to exactly one country raises :class:`~critmin.errors.DataError`.
* 2017 (Table 3 + Table 18 of the 2017 study, typed into the file): ``HHI_WGI,t`` of global supply
  and of EU sourcing are in the ``note`` column (``HHI_WGI_t(GS)=7.1; HHI_WGI_t(EU)=5.7; supply data
  used in SR: GS + EUS``) and are parsed from it; ``N/A`` -> missing. ``IR`` blank (beryllium:
  "published as N/A") -> missing. The group rows (LREE, HREE, PGM) are arithmetic averages of their
  members; members say "criticality is declared for the LREE group" (-> parameter ``group``).
* 2023 inputs (the CritMAT transcription): some rows have shifted columns. A ``supply_data_*`` cell
  must be ``GS+EU``, ``GSonly`` or ``EUonly``; for a stage the material is not assessed at, any other
  content (``"1.0"``, ``"0.6"`` – apparently a shifted result) is ignored and noted; for an assessed
  stage it is stored as missing (``unreadable``) with the text in ``notes`` (molybdenum P: ``EU``).
  The group rows (LREE, HREE, PGM) give no SI; their members follow them, noted
  ``assessed individually`` (-> parameter ``group``).
* Appendix 6: rows without a NACE sector (the ``Other`` applications) have no value added
  (``sector_va`` missing); the NACE label is reduced to its code (``C29``). The transcription repeats
  one line (magnesium, ``Construction``, 13 %, lines 192–193): an exact repeat is kept once and noted.
  It also gives manganese shifted value-added figures (e.g. C24 with 204,200 M EUR, which the other
  materials give C28); the reader keeps them as written, the assessment uses one value per sector
  (:func:`critmin.criticality.eu.sector_value_added`).
* The trade-parameter list (CritMAT ``eureport_tradeparameters.csv``) has ``category`` primary /
  refined (-> stage E / P) and ``scope`` world / eu (-> GS / EU); its ``date_year`` (2025) is the
  transcription's, not the assessment's, and is not kept.
"""

from __future__ import annotations

import io
import math
import re
from pathlib import Path

import pandas as pd

from critmin.countries import UnknownCountryError, resolve
from critmin.errors import DataError
from critmin.schema import conform
from critmin.sources._io import as_text_buffer, csv_records, first_record, read_text

__all__ = [
    "SOURCE",
    "EDITIONS",
    "MATERIAL_NAMES",
    "SUPPLY_DATA",
    "parse_share",
    "canonical_material",
    "read_eu_crm",
    "parse_eu_crm",
    "read_assessment_2017",
    "parse_assessment_2017",
    "read_inputs_2023",
    "parse_inputs_2023",
    "read_supply_shares",
    "parse_supply_shares",
    "read_end_use",
    "parse_end_use",
    "read_trade_parameters",
    "parse_trade_parameters",
    "file_kind",
]

SOURCE = "eu-crm"

EDITIONS: dict[int, tuple[str, str]] = {
    2017: ("EUCRM2017", "2017-06-30"),  # Study on the review of the list of CRMs, June 2017
    2023: ("EUCRM2023", "2023-03-16"),  # Study on the CRMs for the EU 2023 (with COM(2023) 160)
}
"""Assessment year -> (edition id, publication date)."""

MATERIAL_NAMES: dict[str, str] = {
    "Aluminium": "Aluminium/bauxite",  # 2023 files only; the 2017 study assessed them separately
    "Barytes": "Baryte",
    "Kaolin": "Kaolin clay",
    "Natural Graphite": "Natural graphite",
    "Natural Rubber": "Natural rubber",
    "Natural Teak wood": "Natural teak wood",
    "Phosphate Rock": "Phosphate rock",
    "Phosphorous": "Phosphorus",
    "Heavy Rare earths Elements": "HREE",
    "Coking Coal": "Coking coal",
    "Iron Ore": "Iron ore",
    "Talc, Steatite & Pyrophyllite": "Talc",
    "Silica Sand": "Silica sand",
}
"""A 2023 file's material name -> the name of the 2023 inputs table (the canonical name)."""

SUPPLY_DATA = ("GS+EU", "GSonly", "EUonly")
"""Which supply data enter SR at a stage: global supply and EU sourcing, or only one of them."""

_STAGES = {"extraction": "E", "processing": "P", "e": "E", "p": "P"}
_SUPPLY_2017 = {"GS + EUS": "GS+EU", "GS only": "GSonly", "EUS only": "EUonly"}
_NUM = re.compile(r"^[-+]?(\d+(\.\d*)?|\.\d+)$")


# ----------------------------------------------------------------------------- helpers
def _clean(text: object) -> str:
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return ""
    return re.sub(r"\s+", " ", str(text).replace("\u00a0", " ")).strip()


def canonical_material(name: str, assessment: int) -> str:
    """The canonical EU material name (:data:`MATERIAL_NAMES`); 2017 names are kept as written."""
    name = _clean(name)
    if assessment == 2017:
        return name
    return MATERIAL_NAMES.get(name, name)


def parse_share(text: object) -> tuple[float, str, str]:
    """Parse a published share.

    Parameters
    ----------
    text : object
        The cell: ``"68.3%"``, ``"<0.1%"``, ``">0%"``, ``"6"`` or blank.

    Returns
    -------
    value : float
        The share as a fraction [1] (``"<0.1%"`` -> 0.001, an upper bound); NaN when blank.
    qualifier : str
        ``"<"``, ``">"`` or ``""``.
    note : str
        ``"no % sign in the source; read as percent"`` for a bare number, else ``""``.

    Raises
    ------
    ValueError
        For any other text (the readers turn it into a :class:`~critmin.errors.DataError`).
    """
    s = _clean(text).replace(",", ".")
    if s == "":
        return math.nan, "", ""
    qualifier = ""
    if s[0] in "<>":
        qualifier, s = s[0], s[1:].strip()
    if s.endswith("%"):
        num = s[:-1].strip()
        if not _NUM.match(num):
            raise ValueError(f"expected a percentage such as '12.5%' or '<0.1%', got {text!r}")
        return float(num) / 100.0, qualifier, ""
    if _NUM.match(s) and not qualifier:
        return float(s) / 100.0, "", "no % sign in the source; read as percent"
    raise ValueError(f"expected a percentage such as '12.5%' or '<0.1%', got {text!r}")


def _pct(text: object, *, file: str, row: int, column: str) -> tuple[float, str]:
    """A percentage given as a bare number (``64``, ``99.6``) -> (fraction, missing)."""
    s = _clean(text)
    if s == "":
        return math.nan, "blank"
    if s.upper() in ("N/A", "NA"):
        return math.nan, "not_available"
    if not _NUM.match(s):
        raise DataError("expected a percentage as a number (0–100)", file=file, row=row,
                        column=column, value=text)
    v = float(s)
    if not 0.0 <= v <= 100.0:
        raise DataError("expected a percentage between 0 and 100", file=file, row=row,
                        column=column, value=text)
    return v / 100.0, ""


def _num(text: object, *, file: str, row: int, column: str, lo: float = 0.0,
         hi: float = math.inf) -> tuple[float, str]:
    s = _clean(text)
    if s == "":
        return math.nan, "blank"
    if s.upper() in ("N/A", "NA"):
        return math.nan, "not_available"
    if not _NUM.match(s):
        raise DataError("expected a number", file=file, row=row, column=column, value=text)
    v = float(s)
    if not lo <= v <= hi:
        raise DataError(f"expected a number between {lo} and {hi}", file=file, row=row,
                        column=column, value=text)
    return v, ""


def _country(name: object, *, file: str, row: int, column: str) -> str:
    try:
        c = resolve(name)
    except UnknownCountryError:
        raise DataError("unknown country name; add it to critmin/data/country_aliases.csv",
                        file=file, row=row, column=column, value=name) from None
    if not c.is_country or c.detail:
        raise DataError(f"not a single country (resolved to {c.code!r}"
                        + (f" with detail {c.detail!r}" if c.detail else "") + ")",
                        file=file, row=row, column=column, value=name)
    return c.code


def _records(text: str, name: str, required: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """Rows of a CSV as (1-based line of the row's start, record); checks the header, and refuses a
    row whose field count differs from the header's (:func:`critmin.sources._io.csv_records`)."""
    recs = csv_records(text, name)
    if not recs:
        raise DataError("the file is empty; expected a header row and data rows", file=name, row=1)
    header = [_clean(h) for h in recs[0][1]]
    lacking = [c for c in required if c not in header]
    if lacking:
        raise DataError(f"missing columns {lacking}; header is {header}", file=name, row=1)
    out = [(line, dict(zip(header, rec, strict=True))) for line, rec in recs[1:]]
    if not out:
        raise DataError("no data rows after the header", file=name, row=2)
    return out


def _row(assessment: int, material: str, material_raw: str, parameter: str, *, file: str,
         line: int, stage: str = "", scope: str = "", country: str = "", country_raw: str = "",
         application: str = "", sector: str = "", value: float = math.nan, unit: str = "",
         text: str = "", missing: str = "", qualifier: str = "", notes: str = "") -> dict:
    edition, date = EDITIONS[assessment]
    return {
        "assessment": assessment, "material": material, "material_raw": material_raw,
        "stage": stage, "parameter": parameter, "scope": scope, "country": country,
        "country_raw": country_raw, "application": application, "sector": sector,
        "value": value, "unit": unit, "text": text, "missing": missing or None,
        "qualifier": qualifier or None, "notes": notes or None,
        "source": SOURCE, "edition": edition, "edition_date": date, "file": file, "row": line,
    }


def _frame(rows: list[dict], name: str) -> pd.DataFrame:
    return conform(pd.DataFrame(rows), "eu_crm", file=name)


def _assessment_year(text: object, *, file: str, row: int, column: str) -> int:
    s = _clean(text)
    if s.isdigit() and int(s) in EDITIONS:
        return int(s)
    raise DataError(f"expected an assessment year in {sorted(EDITIONS)}", file=file, row=row,
                    column=column, value=text)


# ----------------------------------------------------------------------------- 2017 assessment
_HHI_2017 = re.compile(r"HHI_WGI_t\(GS\)\s*=\s*(?P<gs>[\d.]+|N/A)\s*;\s*"
                       r"HHI_WGI_t\(EU\)\s*=\s*(?P<eu>[\d.]+|N/A)")
_USED_2017 = re.compile(r"supply data used in SR:\s*(?P<used>GS \+ EUS|GS only|EUS only)")
_GROUP_2017 = re.compile(r"declared for the (?P<g>\w+) group")


def read_assessment_2017(path: str | Path) -> pd.DataFrame:
    """Read ``eu_crm_2017_assessment.csv`` (see :func:`parse_assessment_2017`)."""
    p = Path(path)
    return parse_assessment_2017(read_text(p), p.name)


def parse_assessment_2017(buf: str | bytes | io.IOBase, name: str = "<buffer>") -> pd.DataFrame:
    """Parse the 2017 assessment table: published SR, EI, IR, EoL-RIR, SI and ``HHI_WGI,t``.

    Parameters
    ----------
    buf : str, bytes or file object
        The CSV text.
    name : str
        File name for provenance and errors.

    Returns
    -------
    DataFrame
        ``eu_crm`` rows: per material ``stage_reported`` (text E/P), ``sr`` and ``ei`` [1],
        ``ir`` and ``eol_rir`` [1, fractions], ``si_sr`` and ``si_ei`` [1], ``critical`` (text yes /
        no / empty for members of a group), ``hhi_wgi_t`` for scopes GS and EU [1, 0–10] and
        ``supply_data`` (text) at the reported stage, ``group`` (text) for group members.

    Raises
    ------
    DataError
        For a missing column, a value that is not a number where one is expected, an unknown stage
        or a ``note`` without the ``HHI_WGI_t`` values (other than the group rows).
    """
    text = as_text_buffer(buf, name)
    req = ("material", "assessment_year", "stage", "SR", "EI", "EoL_RIR", "SI_SR", "SI_EI", "IR",
           "critical", "note")
    rows: list[dict] = []
    for line, rec in _records(text, name, req):
        ay = _assessment_year(rec["assessment_year"], file=name, row=line, column="assessment_year")
        raw = _clean(rec["material"])
        if not raw:
            raise DataError("empty material name", file=name, row=line, column="material")
        mat = canonical_material(raw, ay)
        st = _STAGES.get(_clean(rec["stage"]).casefold())
        if st is None:
            raise DataError("expected stage Extraction or Processing", file=name, row=line,
                            column="stage", value=rec["stage"])
        note = _clean(rec["note"])
        kw = {"file": name, "line": line}
        rows.append(_row(ay, mat, raw, "stage_reported", text=st, **kw))
        for col, par in (("SR", "sr"), ("EI", "ei")):
            v, miss = _num(rec[col], file=name, row=line, column=col, hi=10.0)
            rows.append(_row(ay, mat, raw, par, stage=st if par == "sr" else "", value=v, unit="1",
                             missing=miss, **kw))
        for col, par in (("SI_SR", "si_sr"), ("SI_EI", "si_ei")):
            v, miss = _num(rec[col], file=name, row=line, column=col, hi=1.0)
            rows.append(_row(ay, mat, raw, par, value=v, unit="1", missing=miss,
                             notes="not given for groups" if miss else "", **kw))
        v, miss = _pct(rec["EoL_RIR"], file=name, row=line, column="EoL_RIR")
        rows.append(_row(ay, mat, raw, "eol_rir", value=v, unit="1", missing=miss, **kw))
        v, miss = _pct(rec["IR"], file=name, row=line, column="IR")
        ir_note = "; ".join(p.strip() for p in note.split(";") if "IR " in p or p.strip()
                            .startswith("IR"))
        rows.append(_row(ay, mat, raw, "ir", stage=st, value=v, unit="1",
                         missing="not_available" if miss else "", notes=ir_note, **kw))
        crit = _clean(rec["critical"]).casefold()
        if crit not in ("yes", "no", ""):
            raise DataError("expected critical yes, no or empty", file=name, row=line,
                            column="critical", value=rec["critical"])
        g = _GROUP_2017.search(note)
        rows.append(_row(ay, mat, raw, "critical", text=crit,
                         missing="" if crit else "not_applicable",
                         notes=f"criticality declared for the {g.group('g')} group" if g else "",
                         **kw))
        if g:
            rows.append(_row(ay, mat, raw, "group", text=g.group("g"), **kw))
        m = _HHI_2017.search(note)
        used = _USED_2017.search(note)
        if used is None:
            raise DataError("note lacks 'supply data used in SR: ...'", file=name, row=line,
                            column="note", value=note[:80])
        rows.append(_row(ay, mat, raw, "supply_data", stage=st,
                         text=_SUPPLY_2017[used.group("used")], **kw))
        if m is None:
            if "group arithmetic average" not in note:
                raise DataError("note lacks 'HHI_WGI_t(GS)=..; HHI_WGI_t(EU)=..'", file=name,
                                row=line, column="note", value=note[:80])
            continue
        for scope, key in (("GS", "gs"), ("EU", "eu")):
            s = m.group(key)
            rows.append(_row(ay, mat, raw, "hhi_wgi_t", stage=st, scope=scope,
                             value=math.nan if s == "N/A" else float(s), unit="1",
                             missing="not_available" if s == "N/A" else "", **kw))
    return _frame(rows, name)


# ----------------------------------------------------------------------------- 2023 inputs
def read_inputs_2023(path: str | Path) -> pd.DataFrame:
    """Read ``eu_crm_2023_inputs.csv`` (see :func:`parse_inputs_2023`)."""
    p = Path(path)
    return parse_inputs_2023(read_text(p), p.name)


def parse_inputs_2023(buf: str | bytes | io.IOBase, name: str = "<buffer>") -> pd.DataFrame:
    """Parse the 2023 per-material inputs: stages, supply data and IR per stage, EoL-RIR, SI.

    Parameters
    ----------
    buf : str, bytes or file object
        The CSV text.
    name : str
        File name for provenance and errors.

    Returns
    -------
    DataFrame
        ``eu_crm`` rows: ``stage_reported`` and ``stages_assessed`` (text), per assessed stage
        ``supply_data`` (text) and ``ir`` [1], ``eol_rir`` [1], ``si_sr`` and ``si_ei`` [1],
        ``group`` (text) for the members of LREE, HREE and PGM.

    Raises
    ------
    DataError
        For a missing column, an unknown stage, or a number out of range.
    """
    text = as_text_buffer(buf, name)
    req = ("material", "assessment_year", "stage_of_reported_sr", "stages_assessed",
           "supply_data_E", "IR_E_pct", "supply_data_P", "IR_P_pct", "EoL_RIR_pct", "SI_SR",
           "SI_EI", "note")
    rows: list[dict] = []
    group = ""
    for line, rec in _records(text, name, req):
        ay = _assessment_year(rec["assessment_year"], file=name, row=line, column="assessment_year")
        raw = _clean(rec["material"])
        if not raw:
            raise DataError("empty material name", file=name, row=line, column="material")
        mat = canonical_material(raw, ay)
        kw = {"file": name, "line": line}
        note = _clean(rec["note"])
        st = _STAGES.get(_clean(rec["stage_of_reported_sr"]).casefold())
        if st is None:
            raise DataError("expected Extraction or Processing", file=name, row=line,
                            column="stage_of_reported_sr", value=rec["stage_of_reported_sr"])
        assessed = _clean(rec["stages_assessed"]).replace(" ", "")
        if assessed not in ("E", "P", "E+P"):
            raise DataError("expected E, P or E+P", file=name, row=line, column="stages_assessed",
                            value=rec["stages_assessed"])
        rows.append(_row(ay, mat, raw, "stage_reported", text=st, **kw))
        rows.append(_row(ay, mat, raw, "stages_assessed", text=assessed, **kw))
        for stage in ("E", "P"):
            col_sd, col_ir = f"supply_data_{stage}", f"IR_{stage}_pct"
            sd = _clean(rec[col_sd]).replace(" ", "")
            is_assessed = stage in assessed.split("+")
            if not is_assessed:
                extra = [f"{c}={_clean(rec[c])!r}" for c in (col_sd, col_ir) if _clean(rec[c])]
                if extra:
                    rows.append(_row(ay, mat, raw, "ignored", stage=stage,
                                     text="; ".join(extra), missing="not_applicable",
                                     notes=f"stage {stage} not assessed; cell(s) ignored (shifted "
                                           "columns in the transcription)", **kw))
                continue
            if sd in SUPPLY_DATA:
                rows.append(_row(ay, mat, raw, "supply_data", stage=stage, text=sd, **kw))
            else:
                rows.append(_row(ay, mat, raw, "supply_data", stage=stage,
                                 missing="unreadable" if sd else "blank",
                                 notes=(f"cell {sd!r} is not one of {', '.join(SUPPLY_DATA)} "
                                        "(shifted or truncated in the transcription)") if sd
                                 else "", **kw))
            v, miss = _pct(rec[col_ir], file=name, row=line, column=col_ir)
            rows.append(_row(ay, mat, raw, "ir", stage=stage, value=v, unit="1", missing=miss,
                             **kw))
        v, miss = _pct(rec["EoL_RIR_pct"], file=name, row=line, column="EoL_RIR_pct")
        rows.append(_row(ay, mat, raw, "eol_rir", value=v, unit="1", missing=miss, **kw))
        for col, par in (("SI_SR", "si_sr"), ("SI_EI", "si_ei")):
            v, miss = _num(rec[col], file=name, row=line, column=col, hi=1.0)
            rows.append(_row(ay, mat, raw, par, value=v, unit="1", missing=miss,
                             notes=note if miss and note.startswith("SI not given") else "",
                             **kw))
        if note.startswith("SI not given for groups"):
            group = mat
        elif note == "assessed individually":
            if not group:
                raise DataError("'assessed individually' before any group row", file=name,
                                row=line, column="note")
            rows.append(_row(ay, mat, raw, "group", text=group, **kw))
        else:
            group = ""
    return _frame(rows, name)


# ----------------------------------------------------------------------------- Appendix 7
def _scope_of(name: str) -> str:
    n = name.casefold()
    if "global_supply" in n or "global supply" in n:
        return "GS"
    if "eu_sourcing" in n or "eu sourcing" in n:
        return "EU"
    raise DataError("cannot tell global supply from EU sourcing by the file name; pass scope='GS' "
                    "or scope='EU'", file=name)


def read_supply_shares(path: str | Path, scope: str | None = None) -> pd.DataFrame:
    """Read an Appendix 7 table (see :func:`parse_supply_shares`); the scope comes from the file
    name (``global_supply`` -> GS, ``eu_sourcing`` -> EU) unless given."""
    p = Path(path)
    return parse_supply_shares(read_text(p), p.name, scope=scope)


def parse_supply_shares(buf: str | bytes | io.IOBase, name: str = "<buffer>", *,
                        scope: str | None = None, assessment: int = 2023) -> pd.DataFrame:
    """Parse Appendix 7 of the 2023 study: supply shares by country and stage, with t.

    Parameters
    ----------
    buf : str, bytes or file object
        The CSV text (``Material,Stage,Country,Share,t``).
    name : str
        File name for provenance and errors (and the scope when ``scope`` is None).
    scope : {"GS", "EU"}, optional
        Global supply or EU sourcing.
    assessment : int
        Assessment year (2023).

    Returns
    -------
    DataFrame
        ``eu_crm`` rows ``share`` [1] and ``t`` [1] per material, stage, scope and country.

    Raises
    ------
    DataError
        For a missing column, an unknown stage or country, a share that is not a percentage, a t
        that is not a positive number, or one country listed twice for a material and stage.
    """
    text = as_text_buffer(buf, name)
    scope = scope or _scope_of(name)
    if scope not in ("GS", "EU"):
        raise DataError(f"scope must be 'GS' or 'EU', got {scope!r}", file=name)
    rows: list[dict] = []
    seen: dict[tuple[str, str, str], int] = {}
    for line, rec in _records(text, name, ("Material", "Stage", "Country", "Share", "t")):
        raw = _clean(rec["Material"])
        if not raw:
            raise DataError("empty material name", file=name, row=line, column="Material")
        mat = canonical_material(raw, assessment)
        st = _STAGES.get(_clean(rec["Stage"]).casefold())
        if st is None:
            raise DataError("expected stage E or P", file=name, row=line, column="Stage",
                            value=rec["Stage"])
        craw = _clean(rec["Country"])
        code = _country(craw, file=name, row=line, column="Country")
        key = (mat, st, code)
        if key in seen:
            raise DataError(f"{craw} ({code}) is listed twice for {mat}, stage {st} (first at row "
                            f"{seen[key]})", file=name, row=line, column="Country")
        seen[key] = line
        try:
            v, q, note = parse_share(rec["Share"])
        except ValueError as exc:
            raise DataError(str(exc), file=name, row=line, column="Share",
                            value=rec["Share"]) from None
        if v == v and not 0.0 <= v <= 1.0:
            raise DataError("share outside 0–100 %", file=name, row=line, column="Share",
                            value=rec["Share"])
        t, tmiss = _num(rec["t"], file=name, row=line, column="t", lo=0.0, hi=10.0)
        kw = {"file": name, "line": line, "stage": st, "scope": scope, "country": code,
              "country_raw": craw}
        rows.append(_row(assessment, mat, raw, "share", value=v, unit="1", qualifier=q,
                         missing="blank" if v != v else "", notes=note, **kw))
        rows.append(_row(assessment, mat, raw, "t", value=t, unit="1", missing=tmiss, **kw))
    return _frame(rows, name)


# ----------------------------------------------------------------------------- Appendix 6
_NACE = re.compile(r"^(?P<code>[A-U]\d{2})\s*-\s*(?P<label>.+)$")


def read_end_use(path: str | Path) -> pd.DataFrame:
    """Read Appendix 6 (see :func:`parse_end_use`)."""
    p = Path(path)
    return parse_end_use(read_text(p), p.name)


def parse_end_use(buf: str | bytes | io.IOBase, name: str = "<buffer>", *,
                  assessment: int = 2023) -> pd.DataFrame:
    """Parse Appendix 6 of the 2023 study: end-use shares, NACE sector and its value added.

    Parameters
    ----------
    buf : str, bytes or file object
        The CSV text (``Material,Application,Share,NACE sector,VA in million €``).
    name : str
        File name for provenance and errors.
    assessment : int
        Assessment year (2023).

    Returns
    -------
    DataFrame
        ``eu_crm`` rows per material and application: ``end_use_share`` [1] and ``sector_va``
        [MEUR], with ``sector`` the NACE code (``C23``; empty for unallocated ``Other`` uses).

    Raises
    ------
    DataError
        For a missing column, a share that is not a percentage, a NACE label without a code, a
        value added that is not a number, or two different rows for one material, application and
        sector.
    """
    text = as_text_buffer(buf, name)
    va_col = next((c for c in first_record(text)
                   if _clean(c).casefold().startswith("va in")), "VA in million €")
    req = ("Material", "Application", "Share", "NACE sector", _clean(va_col))
    rows: list[dict] = []
    seen: dict[tuple[str, str, str], tuple[int, tuple]] = {}
    for line, rec in _records(text, name, req):
        raw = _clean(rec["Material"])
        if not raw:
            raise DataError("empty material name", file=name, row=line, column="Material")
        mat = canonical_material(raw, assessment)
        app = _clean(rec["Application"])
        nace = _clean(rec["NACE sector"])
        sector, label = "", ""
        if nace:
            m = _NACE.match(nace)
            if m is None:
                raise DataError("expected a NACE sector such as 'C23 - Manufacture of ...'",
                                file=name, row=line, column="NACE sector", value=nace)
            sector, label = m.group("code"), m.group("label")
        try:
            v, q, note = parse_share(rec["Share"])
        except ValueError as exc:
            raise DataError(str(exc), file=name, row=line, column="Share",
                            value=rec["Share"]) from None
        va, vmiss = _num(rec[_clean(va_col)], file=name, row=line, column=_clean(va_col))
        key = (mat, app, sector)
        content = (v, q, va)
        if key in seen:
            first, prev = seen[key]
            if prev == content:
                rows = [r if not (r["row"] == first and r["material"] == mat) else
                        {**r, "notes": "; ".join(filter(None, [r["notes"], f"repeated at line "
                                                 f"{line} of the source; counted once"]))}
                        for r in rows]
                continue
            raise DataError(f"{mat}: application {app!r} in sector {sector or '(none)'} is listed "
                            f"twice with different values (first at row {first})", file=name,
                            row=line, column="Application")
        seen[key] = (line, content)
        kw = {"file": name, "line": line, "application": app, "sector": sector}
        rows.append(_row(assessment, mat, raw, "end_use_share", value=v, unit="1", qualifier=q,
                         missing="blank" if v != v else "",
                         notes="; ".join(filter(None, [note, label and f"NACE {sector}: {label}",
                                                       "" if sector else "no NACE sector"])),
                         **kw))
        rows.append(_row(assessment, mat, raw, "sector_va", value=va, unit="MEUR",
                         missing=vmiss if sector else "not_applicable", **kw))
    return _frame(rows, name)


# ----------------------------------------------------------------------------- trade parameters
def read_trade_parameters(path: str | Path) -> pd.DataFrame:
    """Read the 2023 trade-parameter list (see :func:`parse_trade_parameters`)."""
    p = Path(path)
    return parse_trade_parameters(read_text(p), p.name)


def parse_trade_parameters(buf: str | bytes | io.IOBase, name: str = "<buffer>", *,
                           assessment: int = 2023) -> pd.DataFrame:
    """Parse the list of non-neutral trade parameters t of the 2023 study (CritMAT transcription).

    Parameters
    ----------
    buf : str, bytes or file object
        The CSV text (``material_name,country_name,parameter,category,scope,...``).
    name : str
        File name for provenance and errors.
    assessment : int
        Assessment year (2023).

    Returns
    -------
    DataFrame
        ``eu_crm`` rows ``trade_parameter`` [1] per material, stage (primary -> E, refined -> P),
        scope (world -> GS, eu -> EU) and country.

    Raises
    ------
    DataError
        For a missing column, an unknown category, scope or country, or a t that is not a positive
        number.
    """
    text = as_text_buffer(buf, name)
    req = ("material_name", "country_name", "parameter", "category", "scope")
    rows: list[dict] = []
    cats = {"primary": "E", "refined": "P"}
    scopes = {"world": "GS", "eu": "EU"}
    for line, rec in _records(text, name, req):
        raw = _clean(rec["material_name"])
        mat = canonical_material(raw, assessment)
        st = cats.get(_clean(rec["category"]).casefold())
        if st is None:
            raise DataError("expected category primary or refined", file=name, row=line,
                            column="category", value=rec["category"])
        sc = scopes.get(_clean(rec["scope"]).casefold())
        if sc is None:
            raise DataError("expected scope world or eu", file=name, row=line, column="scope",
                            value=rec["scope"])
        craw = _clean(rec["country_name"])
        code = _country(craw, file=name, row=line, column="country_name")
        t, miss = _num(rec["parameter"], file=name, row=line, column="parameter", lo=0.0, hi=10.0)
        rows.append(_row(assessment, mat, raw, "trade_parameter", file=name, line=line, stage=st,
                         scope=sc, country=code, country_raw=craw, value=t, unit="1",
                         missing=miss))
    return _frame(rows, name)


# ----------------------------------------------------------------------------- dispatch
def file_kind(text: str) -> str:
    """Which eu_crm table a CSV is, from its header: ``assessment_2017``, ``inputs_2023``,
    ``supply_shares``, ``end_use`` or ``trade_parameters``."""
    head = [_clean(h).casefold() for h in first_record(text)]
    if "supply_data_e" in head and "stages_assessed" in head:
        return "inputs_2023"
    if "sr" in head and "ei" in head and "si_sr" in head:
        return "assessment_2017"
    if head[:5] == ["material", "stage", "country", "share", "t"]:
        return "supply_shares"
    if "application" in head and "nace sector" in head:
        return "end_use"
    if "material_name" in head and "country_name" in head and "parameter" in head:
        return "trade_parameters"
    raise DataError("not an EU criticality-assessment table: unrecognised header "
                    f"{head[:6]}", row=1)


def parse_eu_crm(buf: str | bytes | io.IOBase, name: str = "<buffer>") -> pd.DataFrame:
    """Parse any of the six eu_crm tables, recognised by its header (see :func:`file_kind`)."""
    text = as_text_buffer(buf, name)
    try:
        kind = file_kind(text)
    except DataError as exc:
        raise DataError(exc.reason, file=name, row=1) from None
    if kind == "assessment_2017":
        return parse_assessment_2017(text, name)
    if kind == "inputs_2023":
        return parse_inputs_2023(text, name)
    if kind == "supply_shares":
        return parse_supply_shares(text, name)
    if kind == "end_use":
        return parse_end_use(text, name)
    return parse_trade_parameters(text, name)


def read_eu_crm(path: str | Path) -> dict[str, pd.DataFrame]:
    """Read one eu_crm CSV into ``{"eu_crm": rows}`` (the registry's reader for ``eu-crm``)."""
    p = Path(path)
    return {"eu_crm": parse_eu_crm(read_text(p), p.name)}
