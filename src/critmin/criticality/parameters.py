"""The criticality parameters file: which EU material and USGS stage stand for each critmin commodity
(:data:`COMMODITY_MATERIALS`), and the EU 2023 parameters the warehouse-based runs use.

A long CSV (``commodity, material, parameter, stage, country, sector, application, value, text, unit,
source, note``); :func:`build_parameters` writes the default one from the EU 2023 inputs in the
``eu_crm`` table; :func:`load_parameters` reads it (or the user's); see :mod:`critmin.criticality` for
the parameters it holds.
"""

from __future__ import annotations

import hashlib
import math
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from critmin._strings import storage_key
from critmin.criticality._common import _isnan
from critmin.criticality._eu_crm import (
    _LIST_SOURCE,
    _STRATEGIC_ONLY,
    EU_LIST_2023,
    _cite,
    _eu_ei_2023,
    _eu_sourcing_material,
    _eu_table_problem,
    _groups,
    _prep,
    _rows,
    _rows_all,
    _shares_of,
    _text,
    _value,
)
from critmin.criticality.eu import sector_value_added
from critmin.errors import DataError

__all__ = [
    "COMMODITY_MATERIALS",
    "PARAMETER_COLUMNS",
    "build_parameters",
    "load_parameters",
    "write_parameters",
    "default_parameters_path",
]


COMMODITY_MATERIALS: dict[str, tuple[str, dict[str, str], str]] = {
    # commodity id: (EU 2023 material, {EU stage: USGS stage}, note)
    "antimony": ("Antimony", {"E": "mine"}, ""),
    "arsenic": ("Arsenic", {"P": "plant"}, "USGS arsenic trioxide plant production"),
    "barite": ("Baryte", {"E": "mine"}, ""),
    "bauxite-and-alumina": ("Aluminium/bauxite", {"E": "mine", "P": "refinery"},
                            "EU extraction = bauxite; processing taken as USGS alumina refining"),
    "aluminum": ("Aluminium/bauxite", {"P": "smelter"},
                 "EU processing taken as USGS primary aluminium smelting"),
    "beryllium": ("Beryllium", {"E": "mine"}, ""),
    "bismuth": ("Bismuth", {"P": "refinery"}, ""),
    "boron": ("Borate", {"E": "mine"}, ""),
    "cadmium": ("Cadmium", {"P": "refinery"}, ""),
    "chromium": ("Chromium", {"E": "mine"}, ""),
    "cobalt": ("Cobalt", {"E": "mine", "P": "refinery"}, ""),
    "copper": ("Copper", {"E": "mine", "P": "refinery"}, ""),
    "diatomite": ("Diatomite", {"E": "mine"}, ""),
    "feldspar": ("Feldspar", {"E": "mine"}, ""),
    "fluorspar": ("Fluorspar", {"E": "mine"}, ""),
    "gallium": ("Gallium", {"P": "refinery"}, "USGS primary (low-purity) gallium"),
    "germanium": ("Germanium", {"P": "refinery"}, ""),
    "gold": ("Gold", {"E": "mine"}, ""),
    "graphite": ("Natural graphite", {"E": "mine"}, ""),
    "gypsum": ("Gypsum", {"E": "mine"}, ""),
    "helium": ("Helium", {"P": "plant"}, "USGS helium extraction (a volume)"),
    "indium": ("Indium", {"P": "refinery"}, ""),
    "iron-ore": ("Iron ore", {"E": "mine"}, ""),
    "lead": ("Lead", {"E": "mine"}, ""),
    "lithium": ("Lithium", {"E": "mine"}, ""),
    "magnesium-compounds": ("Magnesite", {"E": "mine"}, ""),
    "magnesium-metal": ("Magnesium", {"P": "smelter"}, ""),
    "manganese": ("Manganese", {"E": "mine"}, ""),
    "molybdenum": ("Molybdenum", {"E": "mine"}, ""),
    "nickel": ("Nickel", {"E": "mine"}, ""),
    "niobium": ("Niobium", {"E": "mine"}, ""),
    "perlite": ("Perlite", {"E": "mine"}, ""),
    "phosphate-rock": ("Phosphate rock", {"E": "mine"}, ""),
    "platinum-group-metals": ("PGM", {"P": "mine"},
                              "the EU assessed processing; USGS gives mine production only"),
    "potash": ("Potash", {"E": "mine"}, ""),
    "rare-earths": ("LREE", {"E": "mine"},
                    "USGS mine production of all rare earths (REO) stands for the LREE group"),
    "rhenium": ("Rhenium", {"P": "mine"},
                "the EU assessed processing; USGS gives mine (recovered) production"),
    "selenium": ("Selenium", {"P": "refinery"}, ""),
    "silicon": ("Silicon metal", {"P": "plant"}, "USGS silicon includes ferrosilicon"),
    "silver": ("Silver", {"E": "mine"}, ""),
    "strontium": ("Strontium", {"E": "mine"}, ""),
    "sulfur": ("Sulphur", {"P": "plant"}, ""),
    "talc": ("Talc", {"E": "mine"}, ""),
    "tantalum": ("Tantalum", {"E": "mine"}, ""),
    "tellurium": ("Tellurium", {"P": "refinery"}, ""),
    "tin": ("Tin", {"E": "mine"}, ""),
    "titanium-mineral-concentrates": ("Titanium", {"E": "mine"}, ""),
    "titanium": ("Titanium metal", {"P": "plant"}, "USGS titanium sponge"),
    "tungsten": ("Tungsten", {"E": "mine"}, ""),
    "vanadium": ("Vanadium", {"E": "mine"}, ""),
    "zinc": ("Zinc", {"E": "mine"}, ""),
    "zirconium-and-hafnium": ("Zirconium", {"E": "mine"}, ""),
}
"""critmin commodity -> (EU 2023 material, EU stage -> USGS production stage, note): the mapping
written into the default parameters file as ``stage_map`` rows."""


PARAMETER_COLUMNS = ("commodity", "material", "parameter", "stage", "country", "sector",
                     "application", "value", "text", "unit", "source", "note")


def default_parameters_path() -> Path:
    """The package's default parameters file (``critmin/data/criticality_parameters.csv``)."""
    return Path(str(resources.files("critmin.data").joinpath("criticality_parameters.csv")))


def load_parameters(path: str | Path | None = None) -> pd.DataFrame:
    """Read a criticality parameters file (default: the package's).

    Parameters
    ----------
    path : str or Path, optional
        A CSV with the columns of :data:`PARAMETER_COLUMNS` (``commodity``, ``parameter`` and
        ``value`` or ``text`` required; the others may be absent).

    Returns
    -------
    DataFrame
        The rows, with every column of :data:`PARAMETER_COLUMNS` (empty strings where absent) and
        ``value`` as float (NaN = not known).

    Raises
    ------
    DataError
        For a missing required column, a value that is not a number, or a parameter name critmin
        does not know.
    """
    p = Path(path) if path is not None else default_parameters_path()
    if not p.exists():
        raise DataError("no such parameters file", file=str(p))
    from critmin.sources._io import check_size

    if not p.is_file():
        raise DataError("not a file; expected a parameters CSV", file=str(p))
    check_size(p, 8, "a criticality parameters file")  # the package's is 0.1 MB
    raw = p.read_bytes()
    # the same file with the same bytes gives the same table: parsed once (a copy each call)
    key = storage_key((str(p), hashlib.blake2b(raw, digest_size=32).digest()))
    if key not in _LOADED:
        _LOADED[key] = _parse_parameters(raw, p)
        while len(_LOADED) > _LOADED_SIZE:
            _LOADED.pop(next(iter(_LOADED)))
    return _LOADED[key].copy()


# Parsed parameter files by (path, digest of their bytes), kept apart inside the report (storage_key):
# the report asks for the default one once per commodity and method.
_LOADED: dict[object, pd.DataFrame] = {}
_LOADED_SIZE = 8


def _parse_parameters(raw: bytes, p: Path) -> pd.DataFrame:
    """:func:`load_parameters` on the bytes of file ``p`` (not memoised)."""
    from critmin.sources._io import csv_records, decode_bytes

    # a record of another width than the header (a cut or damaged row) is refused with its line
    recs = [(ln, r) for ln, r in csv_records(decode_bytes(raw, p.name), p.name)
            if any(c.strip() for c in r)]
    header = [c.strip() for c in recs[0][1]] if recs else []
    df = pd.DataFrame([r for _ln, r in recs[1:]], columns=header, dtype=object)
    rows = [ln for ln, _r in recs[1:]]
    if len(set(header)) != len(header):
        raise DataError("a column name appears twice in the header", file=p.name, row=1)
    for c in ("commodity", "parameter"):
        if c not in df.columns:
            raise DataError(f"parameters file lacks column {c!r}; expected "
                            f"{', '.join(PARAMETER_COLUMNS)}", file=p.name, row=1)
    for c in PARAMETER_COLUMNS:
        if c not in df.columns:
            df[c] = ""
    known = {"stage_map", "eol_rir", "si_sr", "si_ei", "ir", "supply_data", "t", "eu_t",
             "eu_sourcing_share", "end_use_share", "sector_va", "max_sector_va", "ei", "ev",
             "eu_list_2023"}
    vals = []
    for i, par, v in zip(rows, df["parameter"], df["value"], strict=True):
        if par.strip() not in known:
            raise DataError(f"unknown parameter {par!r}; expected one of {sorted(known)}",
                            file=p.name, row=i, column="parameter", value=par)
        s = v.strip()
        if s == "":
            vals.append(np.nan)
            continue
        try:
            x = float(s)
        except ValueError:
            x = math.nan
        if not math.isfinite(x):
            raise DataError("expected a number (finite; blank for not known)", file=p.name,
                            row=i, column="value", value=v) from None
        vals.append(x)
    df["value"] = vals
    for c in PARAMETER_COLUMNS:
        if c != "value":
            df[c] = df[c].astype(str).str.strip()
    out = df[list(PARAMETER_COLUMNS)].reset_index(drop=True)
    out.attrs["path"] = str(p)
    out.attrs["rows"] = rows  # the line each row starts on
    return out


def write_parameters(params: pd.DataFrame, path: str | Path) -> None:
    """Write a parameters table as CSV (UTF-8, sorted as given; values with up to 6 significant
    digits, blank when not known)."""
    out = params.copy()
    out["value"] = [("" if _isnan(v) else f"{float(v):.6g}") for v in out["value"]]
    out.to_csv(path, index=False, lineterminator="\n")


def build_parameters(eu: pd.DataFrame) -> pd.DataFrame:
    """The default parameters table from the EU 2023 inputs and :data:`COMMODITY_MATERIALS`.

    Parameters
    ----------
    eu : DataFrame
        ``eu_crm`` rows (assessment 2023 is used).

    Returns
    -------
    DataFrame
        Rows of :data:`PARAMETER_COLUMNS`, sorted; every value row cites its source file and row.
        Group materials (LREE) get SI_SR and SI_EI as the mean of their members and ``ei`` as the
        mean of the members' EI (the EU's group convention), noted as derived.
    """
    eu = _prep(eu, 2023)
    groups = _groups(eu)
    va, _msgs = sector_value_added(_rows_all(eu, "sector_va").rename(columns={"value":
                                                                                "value_added"}))
    qmax = float(va.max())
    qsec = str(va.idxmax())
    study = "EU CRM 2023 (doi:10.2873/725585)"
    out: list[dict] = []

    def add(cid: str, mat: str, par: str, *, stage: str = "", country: str = "", sector: str = "",
            application: str = "", value: float = np.nan, text: str = "", unit: str = "",
            source: str = "", note: str = "") -> None:
        out.append({"commodity": cid, "material": mat, "parameter": par, "stage": stage,
                    "country": country, "sector": sector, "application": application,
                    "value": value, "text": text, "unit": unit, "source": source, "note": note})

    for cid, (mat, stages, note) in sorted(COMMODITY_MATERIALS.items()):
        members = groups.get(mat, [])
        for st, usgs in sorted(stages.items()):
            add(cid, mat, "stage_map", stage=st, text=usgs, source="critmin mapping",
                note=note)
        for par in ("eol_rir",):
            add(cid, mat, par, value=_value(eu, mat, par), unit="1",
                source=f"{study}, {_cite(eu, mat, par)}")
        for par in ("si_sr", "si_ei"):
            v = _value(eu, mat, par)
            if _isnan(v) and members:
                mv = [_value(eu, x, par) for x in members]
                mv = [x for x in mv if not _isnan(x)]
                add(cid, mat, par, value=float(np.mean(mv)) if mv else np.nan, unit="1",
                    source=f"{study}, derived",
                    note=f"mean of {len(mv)} members ({', '.join(sorted(members))}): the EU "
                         "reports groups as averages of their members; the group's own value is not "
                         "given")
            else:
                add(cid, mat, par, value=v, unit="1", source=f"{study}, {_cite(eu, mat, par)}")
        for st in sorted(stages):
            add(cid, mat, "ir", stage=st, value=_value(eu, mat, "ir", stage=st), unit="1",
                source=f"{study}, {_cite(eu, mat, 'ir', stage=st)}")
            sd = _text(eu, mat, "supply_data", stage=st)
            add(cid, mat, "supply_data", stage=st, text=sd,
                source=f"{study}, {_cite(eu, mat, 'supply_data', stage=st)}")
            trows = eu[(eu["stage"] == st) & (eu["parameter"] == "t") & (eu["scope"] == "GS")]
            own = trows[trows["material"] == mat]
            tsrc, tnote = (own, "") if len(own) or not members else (
                trows[trows["material"].isin(members)], "t of the group's members")
            for c, grp in tsrc.groupby("country", sort=True):
                vals = sorted(set(grp["value"].dropna().astype(float)))
                if vals and vals != [1.0]:
                    r = grp.iloc[0]
                    add(cid, mat, "t", stage=st, country=c, value=max(vals), unit="1",
                        source=f"{study}, Appendix 7, {r.file} row {int(r.row)}",
                        note="; ".join(filter(None, [tnote, "members differ: the highest t" if
                                                     len(vals) > 1 else ""])))
            eu_mat, eu_note = _eu_sourcing_material(eu, mat, st)
            et = eu[(eu["material"] == eu_mat) & (eu["stage"] == st) & (eu["scope"] == "EU")
                    & (eu["parameter"] == "t")]
            for r in et.sort_values("country").itertuples(index=False):
                if pd.notna(r.value) and float(r.value) != 1.0:
                    add(cid, mat, "eu_t", stage=st, country=r.country, value=float(r.value),
                        unit="1", source=f"{study}, Appendix 7, {r.file} row {int(r.row)}",
                        note=eu_note)
            es = eu[(eu["material"] == eu_mat) & (eu["stage"] == st) & (eu["scope"] == "EU")
                    & (eu["parameter"] == "share")]
            problem = _eu_table_problem(_shares_of(eu, mat, st, "GS"), _shares_of(eu, eu_mat, st, "EU"))
            if problem and len(es):
                add(cid, mat, "eu_sourcing_share", stage=st, unit="1",
                    source=f"{study}, Appendix 7, {es['file'].iloc[0]} rows "
                           f"{int(es['row'].min())}-{int(es['row'].max())}",
                    note=f"not used: {problem}")
                es = es.iloc[0:0]
            for r in es.sort_values("country").itertuples(index=False):
                add(cid, mat, "eu_sourcing_share", stage=st, country=r.country, value=r.value,
                    unit="1", source=f"{study}, Appendix 7, {r.file} row {int(r.row)}",
                    note="; ".join(filter(None, ["upper bound (<0.1%)" if r.qualifier == "<"
                                                 else "", eu_note])))
        eus = _rows(eu, mat, "end_use_share")
        if len(eus):
            for r in eus.sort_values(["sector", "application"]).itertuples(index=False):
                add(cid, mat, "end_use_share", sector=r.sector, application=r.application,
                    value=r.value, unit="1",
                    source=f"{study}, Appendix 6, {r.file} row {int(r.row)}",
                    note="" if r.sector else "no NACE sector: adds no value added")
            for sec in sorted(s for s in set(eus["sector"]) if s):
                add(cid, mat, "sector_va", sector=sec, value=float(va.get(sec, np.nan)),
                    unit="MEUR", source=f"{study}, Appendix 6 (value most rows give for {sec})")
            add(cid, mat, "max_sector_va", sector=qsec, value=qmax, unit="MEUR",
                source=f"{study}, Appendix 6 (largest sector value added)")
        elif members:
            eis = []
            for x in members:
                ei, _f, _m, _n = _eu_ei_2023(eu, x, _value(eu, x, "si_ei"), va, qmax)
                if not _isnan(ei):
                    eis.append((x, ei))
            add(cid, mat, "ei", value=float(np.mean([e for _x, e in eis])) if eis else np.nan,
                unit="1", source=f"{study}, Appendix 6, derived",
                note=f"mean EI of {len(eis)} members with end-use data "
                     f"({', '.join(x for x, _e in eis)}): the EU reports groups as averages")
        else:
            add(cid, mat, "end_use_share", unit="1", source=f"{study}, Appendix 6",
                note=f"{mat} is not in the Appendix 6 transcription: EI not known")
        add(cid, mat, "eu_list_2023", text="yes" if mat in EU_LIST_2023 else "no",
            source=_LIST_SOURCE,
            note=("strategic raw material; below the thresholds in the 2023 study"
                  if mat in _STRATEGIC_ONLY else ""))
    df = pd.DataFrame(out, columns=list(PARAMETER_COLUMNS))
    df["value"] = df["value"].astype(float)
    return df.reset_index(drop=True)


class _ParamIndex:
    """A parameters table indexed by (commodity, parameter), for :func:`_par` lookups in a run.

    :func:`_par` on it gives the rows (original index and order) that a boolean filter of the table
    gives, without scanning the table, and without its ``attrs`` (``path`` and one line number per
    row): pandas deep-copies a frame's ``attrs`` into every frame derived from it.

    Parameters
    ----------
    params : DataFrame
        :func:`load_parameters` output (or a table with its columns).
    """

    def __init__(self, params: pd.DataFrame) -> None:
        frame = params.copy(deep=False)
        frame.attrs = {}
        self.frame = frame
        self.attrs = {"path": params.attrs["path"]} if "path" in params.attrs else {}
        pos: dict[tuple[object, object], list[int]] = {}
        for i, key in enumerate(zip(frame["commodity"].tolist(), frame["parameter"].tolist(),
                                    strict=True)):
            pos.setdefault(key, []).append(i)
        self._pos = {k: np.asarray(v, dtype=np.intp) for k, v in pos.items()}
        self._none = np.asarray([], dtype=np.intp)

    @classmethod
    def of(cls, params: pd.DataFrame | _ParamIndex) -> _ParamIndex:
        """The index of ``params`` (``params`` itself when it is one)."""
        return params if isinstance(params, _ParamIndex) else cls(params)

    def rows(self, cid: str, parameter: str) -> pd.DataFrame:
        """The rows of ``cid`` and ``parameter``, in table order."""
        return self.frame.iloc[self._pos.get((cid, parameter), self._none)]


def _par(params: pd.DataFrame | _ParamIndex, cid: str, parameter: str, **where: str) -> pd.DataFrame:
    if isinstance(params, _ParamIndex):
        d = params.rows(cid, parameter)
    else:
        d = params[(params["commodity"] == cid) & (params["parameter"] == parameter)]
    for k, v in where.items():
        d = d[d[k] == v]
    return d


def _pval(params: pd.DataFrame | _ParamIndex, cid: str, parameter: str, **where: str) -> float:
    d = _par(params, cid, parameter, **where)
    d = d[d["value"].notna()]
    return float(d["value"].iloc[0]) if len(d) else float("nan")


def _ptext(params: pd.DataFrame | _ParamIndex, cid: str, parameter: str, **where: str) -> str:
    d = _par(params, cid, parameter, **where)
    d = d[d["text"] != ""]
    return str(d["text"].iloc[0]) if len(d) else ""
