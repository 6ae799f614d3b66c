"""Import dependence: net import reliance (NIR) as USGS defines it, and its check against USGS.

docs/methods.md §1::

    apparent consumption = production + imports - exports + stock change
    NIR = (imports - exports + stock change) / apparent consumption

``stock change`` is the net *release* from stocks (positive when stocks fall and so add to supply;
USGS writes "± adjustments for Government and industry stock changes"). NIR is a fraction here:
1.0 means all apparent consumption is met by net imports, a negative value means a net exporter
(USGS prints ``E``), and it is undefined (NaN) when apparent consumption is not positive.

:func:`nir_table` puts the NIR that USGS publishes (salient ``statistic == "nir"``, in percent, with
its ``>95``/``E`` qualifiers) beside the NIR recomputed from the published production, import, export
and stock series, per MCS edition and year, naming the series it used.

Notes
-----
Which series enter the recomputation matters and is not always the sum of everything:

* **Rare earths** (:data:`NIR_SERIES`): USGS reports NIR separately for *mineral concentrates* (the
  U.S. exports all its mine output: ``E``) and for *compounds and metals*. The latter is recomputed
  from production of compounds and metals, imports of compounds, ferrocerium/alloys and metals, and
  exports of ferrocerium/alloys and metals. Exports of "ores and compounds" are left out: they are
  mostly concentrates, and counting them makes apparent consumption negative. This reproduces the
  published apparent consumption for 2017-2022 (e.g. 2021: 120 + 8,639 - 845 = 7,914 t vs 7,900 t
  published in MCS 2026); from 2023 on, as U.S. separation output grows and part of it is exported
  inside "ores and compounds", the recomputed value drifts from the published one (2024: 11,505 t vs
  9,010 t), which the table shows rather than hides.
* **Other commodities** without an entry in :data:`NIR_SERIES`: a statistic is used only when the
  salient table holds exactly one mass series of it (or exactly one whose label says "total");
  otherwise the recomputation is NaN and ``computed_from`` says which series were ambiguous. Pass
  ``series=`` to choose.
* Stock changes are used only when given (``series["stock_change"]``: net releases such as
  government stockpile shipments, or ``series["stocks"]``: year-end levels, whose year-on-year fall
  is the release); by default the stock change is 0 and ``computed_from`` says so.
* A withheld (``W``) or unavailable input makes the recomputed NIR NaN for that year.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

__all__ = [
    "NIR_SERIES",
    "apparent_consumption",
    "net_import_reliance",
    "nir_table",
    "series_label",
    "explain_computed_from",
]

NIR_SERIES: dict[str, dict[str, tuple[str, ...]]] = {
    "rare-earths": {
        "nir": (
            "NIR_Compounds-Metals_pct",
            "NIR_Compounds-Metals_t",
            "Net import reliance as a percentage of apparent consumption: Compounds and metals",
        ),
        "production": (
            "USprod_Compounds-Metals_t",
            "Production: Compounds and metals",
        ),
        "imports": (
            "Imports_Compounds_t",
            "Imports_Alloys_t",
            "Imports_Metals_t",
            "Imports: Compounds",
            "Imports: Metals: Ferrocerium, alloys",
            "Imports: Metals: Rare-earth metals and alloys",
        ),
        "exports": (
            "Exports_Alloys_t",
            "Exports_Metals_t",
            "Exports: Metals: Ferrocerium, alloys",
            "Exports: Metals: Rare-earth metals and alloys",
        ),
    },
}
"""Commodity id -> statistic -> the salient ``detail`` labels to use, in all MCS layouts (wide-file
column names of MCS 2022-2025 and ``Statistics_detail`` texts of MCS 2026). Keys: ``nir`` (the
published NIR series to compare with), ``production``, ``imports``, ``exports``, and optionally
``stock_change`` (net releases) or ``stocks`` (year-end levels)."""

_INPUTS = ("production", "imports", "exports")


def apparent_consumption(imports, exports, production=0.0, stock_change=0.0):
    """Apparent consumption ``production + imports - exports + stock_change``.

    Parameters
    ----------
    imports : float or array_like
        Imports [t].
    exports : float or array_like
        Exports [t].
    production : float or array_like, default 0
        Domestic production [t].
    stock_change : float or array_like, default 0
        Net release from stocks [t]: positive when stocks fall.

    Returns
    -------
    float or ndarray
        Apparent consumption [t].
    """
    out = (np.asarray(production, float) + np.asarray(imports, float)
           - np.asarray(exports, float) + np.asarray(stock_change, float))
    return float(out) if out.ndim == 0 else out


def net_import_reliance(imports, exports, production=0.0, stock_change=0.0):
    """Net import reliance as a fraction of apparent consumption (docs/methods.md §1).

    ``NIR = (imports - exports + stock_change) / (production + imports - exports + stock_change)``

    Parameters
    ----------
    imports : float or array_like
        Imports [t] (any one mass unit, the same for all arguments).
    exports : float or array_like
        Exports [t].
    production : float or array_like, default 0
        Domestic production [t].
    stock_change : float or array_like, default 0
        Net release from stocks [t]: positive when stocks fall (adds to supply), negative when
        stocks are built.

    Returns
    -------
    float or ndarray
        NIR [fraction]: 1.0 when all consumption is net-imported, negative for a net exporter, NaN
        where apparent consumption is zero or negative (USGS then prints ``E`` or nothing).

    Examples
    --------
    >>> net_import_reliance(imports=80.0, exports=10.0, production=30.0)
    0.7
    >>> net_import_reliance(imports=5.0, exports=50.0, production=100.0)
    -0.8181818181818182
    """
    net = np.asarray(imports, float) - np.asarray(exports, float) + np.asarray(stock_change, float)
    ac = np.asarray(production, float) + net
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(ac > 0, net / np.where(ac > 0, ac, 1.0), np.nan)
    return float(out) if out.ndim == 0 else out


def _pick(rows: pd.DataFrame, statistic: str, labels: Sequence[str] | None) -> tuple[list[str], str]:
    """Series (detail labels) of one statistic to use, or [] and the reason."""
    if labels is not None:
        if len(labels) == 0:
            return [], ""  # explicitly none: counts as zero
        wanted = [d for d in labels if d in set(rows["detail"])]
        return wanted, "" if wanted else f"none of the {statistic} series {list(labels)} present"
    mask = (rows["statistic"] == statistic).to_numpy(bool) \
        & rows["unit"].isin(["t", "kt", "Mt", "kg", "g"]).to_numpy(bool)
    cand = pd.unique(rows["detail"].to_numpy(object)[mask]).tolist()  # first appearance order
    if len(cand) == 1:
        return cand, ""
    totals = [d for d in cand if re.search(r"(?i)total", d)]
    if len(totals) == 1:
        return totals, ""
    if not cand:
        return [], f"no {statistic} series"
    return [], f"ambiguous {statistic} series {sorted(cand)}: pass series="


def _sum_series(rows: pd.DataFrame, labels: list[str]) -> pd.Series:
    """Sum of the series' quantity_t per year; NaN for a year where one of them is missing."""
    mask = rows["detail"].isin(labels).to_numpy(bool)
    if not mask.any():
        return pd.Series(dtype=float)
    # the first value of each series and year (NaN skipped, as pivot_table's aggfunc "first"), one
    # column per label in the order given: the year-by-series table without pivot_table
    year = rows["year"].to_numpy()[mask]
    ys = sorted(set(year[pd.notna(year)].tolist()))
    row_of = {y: i for i, y in enumerate(ys)}
    col_of: dict[object, list[int]] = {}
    for j, d in enumerate(labels):
        col_of.setdefault(d, []).append(j)
    wide = np.full((len(ys), len(labels)), np.nan)
    seen = set()
    q = rows["quantity_t"].to_numpy(dtype=float, na_value=np.nan)[mask]
    det = rows["detail"].to_numpy(object)[mask]
    for y, d, v in zip(year.tolist(), det.tolist(), q.tolist(), strict=True):
        if v != v or (y, d) in seen or y not in row_of:  # NaN value or year, or not the first
            continue
        seen.add((y, d))
        for j in col_of[d]:
            wide[row_of[y], j] = v
    table = pd.DataFrame(wide, index=pd.Index(ys, name="year"), columns=list(labels))
    return table.sum(axis=1, min_count=len(labels)).where(table.notna().all(axis=1))


_READ = frozenset({"edition", "year", "statistic", "detail", "unit", "quantity_t", "value",
                   "qualifier", "missing", "estimated"})
"""The ``salient`` columns :func:`nir_table` reads (besides ``commodity`` and ``country``)."""


def nir_table(
    salient: pd.DataFrame,
    commodity: str,
    *,
    series: Mapping[str, Sequence[str]] | None = None,
    country: str = "USA",
) -> pd.DataFrame:
    """Net import reliance per edition and year: as published, and recomputed from the inputs.

    Parameters
    ----------
    salient : DataFrame
        Rows of the ``salient`` table (see :mod:`critmin.schema`), any number of editions.
    commodity : str
        Catalogue id (``"rare-earths"``).
    series : mapping, optional
        Statistic -> salient ``detail`` labels to use (keys as in :data:`NIR_SERIES`). Defaults to
        ``NIR_SERIES[commodity]`` when present, else the automatic choice described in the module
        Notes.
    country : str, default "USA"
        Reporting country.

    Returns
    -------
    DataFrame
        One row per edition, year and published NIR series, with columns ``commodity``,
        ``edition``, ``year``, ``nir_detail`` (the published series), ``nir_reported`` [fraction],
        ``reported_qualifier`` (``">"``, ``"<"``), ``reported_missing`` (``net_exporter``,
        ``withheld`` ...), ``production_t``, ``imports_t``, ``exports_t``, ``stock_change_t``,
        ``apparent_consumption_t`` [t], ``nir_computed`` [fraction], ``computed_from`` (the series
        used, or why the recomputation is NaN) and ``estimated``. Empty when the commodity has no
        rows.
    """
    cols = ["commodity", "edition", "year", "nir_detail", "nir_reported", "reported_qualifier",
            "reported_missing", "production_t", "imports_t", "exports_t", "stock_change_t",
            "apparent_consumption_t", "nir_computed", "computed_from", "estimated"]
    df = salient[(salient["commodity"] == commodity) & (salient["country"] == country)]
    if df.empty:
        return pd.DataFrame(columns=cols)
    chosen = dict(series) if series is not None else dict(NIR_SERIES.get(commodity, {}))
    out = []
    # only the columns read below: every row selection then copies these, not the provenance
    df = df[[c for c in df.columns if c in _READ]].astype({"detail": object})
    for edition, rows in df.groupby("edition", sort=True):
        used: dict[str, list[str]] = {}
        problems: list[str] = []
        for stat in _INPUTS:
            labels, why = _pick(rows, stat, chosen.get(stat))
            if stat == "production" and not labels and chosen.get(stat) is None \
                    and why == "no production series":
                labels, why = [], ""  # no production reported: counts as zero
            used[stat] = labels
            if why:
                problems.append(why)
        sums = {stat: _sum_series(rows, used[stat]) for stat in _INPUTS}
        years = sorted(rows["year"].dropna().astype(int).unique())
        stock = pd.Series(0.0, index=years)
        stock_note = "stock change taken as 0"
        if chosen.get("stock_change"):
            labs = [d for d in chosen["stock_change"] if d in set(rows["detail"])]
            stock = _sum_series(rows, labs).reindex(years)
            stock_note = f"stock change = {labs}"
        elif chosen.get("stocks"):
            labs = [d for d in chosen["stocks"] if d in set(rows["detail"])]
            level = _sum_series(rows, labs).reindex(years)
            stock = level.shift(1) - level  # a fall in year-end stocks is a release
            stock_note = f"stock change = fall of year-end {labs}"
        prod = sums["production"].reindex(years) if used["production"] else pd.Series(0.0,
                                                                                      index=years)
        imp = sums["imports"].reindex(years)
        exp = sums["exports"].reindex(years)
        ac = apparent_consumption(imp.to_numpy(), exp.to_numpy(), prod.to_numpy(),
                                  stock.to_numpy())
        nir = net_import_reliance(imp.to_numpy(), exp.to_numpy(), prod.to_numpy(),
                                  stock.to_numpy())
        if problems:
            computed_from = "; ".join(problems)
            nir = np.full(len(years), np.nan)
        else:
            computed_from = "; ".join(
                [f"{s} = {' + '.join(used[s]) or '0'}" for s in _INPUTS] + [stock_note])
        calc = pd.DataFrame({"year": years, "production_t": prod.to_numpy(),
                             "imports_t": imp.to_numpy(), "exports_t": exp.to_numpy(),
                             "stock_change_t": stock.to_numpy(), "apparent_consumption_t": ac,
                             "nir_computed": nir})
        inputs = rows[rows["detail"].isin(sum(used.values(), []))]
        est_in = inputs.groupby("year")["estimated"].any() if not inputs.empty else pd.Series(
            dtype=bool)
        nir_rows = rows[rows["statistic"] == "nir"]
        if chosen.get("nir") is not None:
            nir_rows = nir_rows[nir_rows["detail"].isin(chosen["nir"])]
        reported = nir_rows[["year", "detail", "value", "qualifier", "missing", "estimated"]]
        if reported.empty:
            reported = pd.DataFrame({"year": years, "detail": None, "value": np.nan,
                                     "qualifier": None, "missing": "not_available",
                                     "estimated": False})
        merged = reported.merge(calc, on="year", how="outer")
        for _, r in merged.sort_values(["year"]).iterrows():
            y = int(r["year"])
            est = bool(r["estimated"]) if pd.notna(r["estimated"]) else False
            est = est or bool(est_in.get(y, False))
            out.append({
                "commodity": commodity, "edition": edition, "year": y,
                "nir_detail": r["detail"] if pd.notna(r["detail"]) else None,
                "nir_reported": r["value"] / 100.0 if pd.notna(r["value"]) else np.nan,
                "reported_qualifier": r["qualifier"] if pd.notna(r["qualifier"]) else None,
                "reported_missing": r["missing"] if pd.notna(r["missing"]) else None,
                "production_t": r["production_t"], "imports_t": r["imports_t"],
                "exports_t": r["exports_t"], "stock_change_t": r["stock_change_t"],
                "apparent_consumption_t": r["apparent_consumption_t"],
                "nir_computed": r["nir_computed"],
                "computed_from": computed_from + _why_nan(r, bool(problems)),
                "estimated": est,
            })
    res = pd.DataFrame(out, columns=cols)
    for c in ("nir_detail", "reported_qualifier", "reported_missing", "computed_from"):
        res[c] = res[c].astype("string")
    return res.sort_values(["edition", "year", "nir_detail"], na_position="last",
                           ignore_index=True)


def _why_nan(r: pd.Series, ambiguous: bool) -> str:
    """Why a recomputed NIR is NaN in one year (beyond an ambiguous choice of series)."""
    if ambiguous or pd.notna(r["nir_computed"]):
        return ""
    inputs = [r["production_t"], r["imports_t"], r["exports_t"], r["stock_change_t"]]
    if any(pd.isna(v) for v in inputs):
        return " (an input is withheld or not available this year)"
    return " (apparent consumption <= 0: net exporter)"


# --------------------------------------------------------------------------- words for the faces
_NIR_PHRASE = re.compile(r"net import reliance\s*as a percentage of (?P<of>total apparent|apparent|estimated|"
                         r"reported) consumption", re.I)
_WIDE_WORDS = {
    "": "all forms", "all": "all forms", "nir": "all forms", "consump": "all forms",
    "compounds-metals": "compounds and metals", "concentrate": "mineral concentrates",
    "al2o3": "alumina", "fesi-si": "ferrosilicon and silicon metal",
    "fesi2_si": "ferrosilicon and silicon metal",
    "fesi2": "ferrosilicon", "fesi": "ferrosilicon", "si": "silicon metal", "sic": "silicon carbide",
    "hf": "hafnium", "met_abras": "metallic abrasives", "zr_ore": "zirconium ores and concentrates",
    "hpq": "high-purity quartz", "refined": "refined metal", "refined_": "refined metal",
    "ores": "ores and concentrates", "sponge": "titanium sponge metal", "stones": "stones",
    "bort": "bort, grit, dust and powder", "crystal": "cultured quartz crystal",
    "nepheline_syenite": "nepheline syenite", "tio2": "TiO2 pigment",
}


def series_label(detail: object) -> str:
    """A published net-import-reliance series in words, without the release's column names.

    ``NIR_pct`` and "Net import reliance as a percentage of apparent consumption" -> ``all forms``;
    ``NIR_Compounds-Metals_t`` and "...: Compounds and metals" -> ``compounds and metals``;
    "Alumina: Net import reliance ..." -> ``alumina``; "... (based on value)" adds ``(by value)``, "of
    estimated consumption" adds ``(of estimated consumption)``. A sentence USGS wrote instead of a
    number is kept whole.
    """
    if detail is None or (isinstance(detail, float) and detail != detail):
        return "all forms"
    d = re.sub(r"\s+", " ", str(detail).replace("\xa0", " ")).strip()
    d = re.sub(r"\s*\[\d+\]$", "", d)
    if d.lower().startswith("the united states"):
        return d
    m = _NIR_PHRASE.search(d.replace("relianceas", "reliance as"))
    if m:
        text = d.replace("relianceas", "reliance as")
        before, after = text[:m.start()].strip(" :,"), text[m.end():].strip(" :,")
        extra = ""
        if "based on value" in after or "based on value" in before:
            after = after.replace("(based on value)", "").strip()
            extra += " (by value)"
        if m["of"].lower() in ("estimated", "reported"):
            extra += f" (of {m['of'].lower()} consumption)"
        part = (before or after).removesuffix(" only").strip(" ,")
        part = "all forms" if part.lower() in ("", "total") else part
        first = part.split()[0]
        return (part[0].lower() + part[1:] if first[1:].islower() or len(first) == 1 else part) + extra
    wide = re.fullmatch(r"(?P<pre>.*?)_?NIR_?(?P<post>.*?)_?(?:pct|t|ct)?", d)
    if wide:
        key = (wide["pre"] or wide["post"]).strip("_").lower()
        return _WIDE_WORDS.get(key, key.replace("_", " ").replace("-", " and ") or "all forms")
    return d


def _series_words(label: str) -> str:
    """One input series in words: ``USprod_Mine_t`` -> ``mine``, "Production: Secondary" -> ``secondary``."""
    t = re.sub(r"^(USprod|US_prod|Production|Imports?|Exports?)[:_ ]*", "", str(label).strip())
    t = re.sub(r"_(t|kt|kg|pct)$", "", t)
    return t.replace("_", " ").replace("-", " and ").strip(" :").lower() or str(label)


def explain_computed_from(text: object) -> str:
    """Why a recomputed NIR is missing, in words (from :func:`nir_table`'s ``computed_from``).

    ``ambiguous production series ['USprod_Mine_t', 'USprod_Secondary_t']: pass series=`` ->
    "USGS publishes several U.S. production series (mine; secondary) and none is a total: critmin does
    not choose among them". Text that names no problem is returned as it is.
    """
    import ast

    if text is None or (isinstance(text, float) and text != text):
        return ""
    parts = []
    for piece in str(text).split("; "):
        m = re.match(r"ambiguous (?P<stat>\w+) series (?P<list>\[.*\]): pass series=", piece)
        if m:
            try:
                names = [_series_words(x) for x in ast.literal_eval(m["list"])]
            except (ValueError, SyntaxError):
                names = [m["list"]]
            parts.append(f"USGS publishes several U.S. {m['stat']} series ({'; '.join(names)}) and none is a "
                         "total: critmin does not choose among them")
            continue
        m = re.match(r"none of the (?P<stat>\w+) series .* present", piece)
        if m:
            parts.append(f"the {m['stat']} series the recomputation uses are not in this edition")
            continue
        m = re.match(r"no (?P<stat>\w+) series$", piece)
        if m:
            parts.append(f"USGS gives no U.S. {m['stat']} series in tonnes")
            continue
        if "withheld or not available" in piece:
            parts.append("an input is withheld or not available this year")
        elif "apparent consumption <= 0" in piece:
            parts.append("apparent consumption is not positive (a net exporter)")
    return "; ".join(dict.fromkeys(parts))
