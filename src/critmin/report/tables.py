"""Tables shared by the HTML report and the dashboard: the API's results as tidy, self-describing
DataFrames (units in column names) with display formats, downloadable as CSV.

A :class:`Table` keeps the full data (what the CSV download holds) and the columns shown on screen with
their display format; formatting never changes the numbers in the CSV.
"""

from __future__ import annotations

import math
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from critmin._export import csv_text
from critmin._format import percent
from critmin.report.charts import display_name, flagged_months, sim_fields
from critmin.report.words import (
    METHOD_WORDS,
    SIGNAL_WORDS,
    STAGE_WORDS,
    at_cap,
    commodity_name,
    critical_words,
    event_words,
    lines_words,
    missing_words,
    plain_words,
    signal_words,
    source_text,
    value_text,
)

__all__ = [
    "Table",
    "fmt",
    "producers_table",
    "reserves_table",
    "trend_table",
    "shares_table",
    "nir_table",
    "import_sources_table",
    "frame_table",
    "dependence_table",
    "dependence_years_table",
    "scenario_regions_table",
    "price_band_table",
    "scenario_assumptions_table",
    "inputs_frame",
    "criticality_table",
    "criticality_matrix_table",
    "monitor_evidence_table",
    "monitor_months_table",
    "scan_table",
    "countries_sum",
    "rounded_total_note",
]


def fmt(value: object, kind: str = "text") -> str:
    """Format one value for display.

    Parameters
    ----------
    value : object
        The value; None and NaN show as an em dash.
    kind : str
        ``pct`` (fraction shown as %, one decimal), ``pct0`` (no decimal), ``int`` (thousands
        separators), ``num1``/``num2`` (decimals), ``bool`` (yes/blank), ``yesno``, ``usd`` (USD, M or bn),
        ``mult:CAP`` (a price multiple, "(at the cap)" where it equals the price cap CAP) or ``text``.
    """
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "—"
    try:
        if kind == "pct":
            return percent(value, 1)
        if kind == "pct0":
            return percent(value, 0)
        if kind == "int":
            v = float(value)
            return f"{v:,.0f}" if abs(v) >= 10 or v == 0 else f"{v:,.2f}"
        if kind == "num1":
            return f"{float(value):,.1f}"
        if kind == "num2":
            return f"{float(value):,.2f}"
        if kind.startswith("mult"):  # "mult" or "mult:CAP": a price multiple, marked at the cap
            cap = kind.partition(":")[2]
            return f"{float(value):.2f}×" + (" (at the cap)" if cap and at_cap(value, cap) else "")
        if kind == "bool":
            return "yes" if bool(value) else ""
        if kind == "yesno":
            return "yes" if bool(value) else "no"
        if kind == "usd":
            v = float(value)
            if abs(v) >= 1e9:
                return f"USD {v / 1e9:,.2f} bn"
            if abs(v) >= 1e6:
                return f"USD {v / 1e6:,.1f} M"
            return f"USD {v:,.0f}"
    except (TypeError, ValueError):
        return str(value)
    return str(value)


@dataclass
class Table:
    """A table of results: full data for the CSV, displayed columns with formats.

    Attributes
    ----------
    name : str
        File stem of the CSV download (``rare-earths_producers_2025``).
    title : str
        Caption.
    data : DataFrame
        Everything the CSV holds (units in column names, fractions as fractions).
    columns : dict of str to (str, str)
        Displayed columns: data column -> (header, format kind of :func:`fmt`).
    note : str
        A line under the table (source, edition, caveats).
    """

    name: str
    title: str
    data: pd.DataFrame
    columns: dict[str, tuple[str, str]] = field(default_factory=dict)
    note: str = ""

    def _shown(self) -> dict[str, tuple[str, str]]:
        cols = self.columns or {str(c): (str(c), "text") for c in self.data.columns}
        return {c: spec for c, spec in cols.items() if c in self.data}

    def headers(self) -> list[tuple[str, str]]:
        """``(header, format kind)`` of each displayed column."""
        return list(self._shown().values())

    def rows(self) -> list[list[str]]:
        """The displayed cells, formatted, row by row."""
        shown = self._shown()
        cols = [[fmt(v, kind) for v in self.data[c]] for c, (_h, kind) in shown.items()]
        return [list(r) for r in zip(*cols, strict=True)] if cols else []

    def display(self) -> pd.DataFrame:
        """The displayed columns, formatted as strings, with their headers."""
        df = pd.DataFrame(self.rows(), columns=range(len(self._shown())))
        df.columns = [h for h, _k in self.headers()]
        return df

    def to_csv(self, *, bom: bool = False) -> str:
        """The full data as CSV text (whole numbers as integers); ``bom`` prefixes the UTF-8 byte-order
        mark that makes Excel read the file as UTF-8 ("§", "–")."""
        return csv_text(self.data, bom=bom)

    def csv_data_uri(self) -> str:
        """The CSV, with a UTF-8 byte-order mark for Excel, as a ``data:`` URI (no network needed to
        download it)."""
        return "data:text/csv;charset=utf-8," + urllib.parse.quote(self.to_csv(bom=True))

    @property
    def filename(self) -> str:
        """The CSV file name."""
        return f"{self.name}.csv"


def countries_sum(res) -> float:
    """What the countries of a :func:`critmin.supply.supply` result add up to, with the published "other
    countries" [the result's unit]."""
    q = pd.to_numeric(res.table["quantity"], errors="coerce").fillna(0).sum()
    other = res.other_countries
    return float(q) + (0.0 if other is None or other != other else float(other))


def rounded_total_note(res) -> str:
    """A sentence saying that the shares of a :func:`critmin.supply.supply` result sum past 100 % because
    the published world total is rounded; "" when they do not. The shares stay shares of the published
    total (as USGS publishes them and as the HHI uses them): nothing is capped or rescaled."""
    total, listed = res.world_total, countries_sum(res)
    if total is None or total != total or total <= 0 or listed <= total * (1 + 1e-9):
        return ""
    u = res.unit
    return (f"Shares are of the published world total ({fmt(total, 'int')} {u}), which USGS rounds; the "
            f"countries it lists add up to {fmt(listed, 'int')} {u} ({percent(listed / total, 1)} of it), so "
            "the shares sum to more than 100 %. Nothing is capped or rescaled.")


def _meta(res) -> dict[str, object]:
    return {"commodity": res.commodity, "year": res.year, "stage": res.stage,
            "product": res.product, "edition": res.edition, "source": res.source}


def producers_table(res) -> Table:
    """Producers of :func:`critmin.supply.supply`: quantity, share, cumulative share, reserves."""
    t = res.table
    u = res.unit
    df = pd.DataFrame({
        "country": t["country"],
        "name": [display_name(c) for c in t["country"]],
        f"quantity_{u}": t["quantity"],
        "share": t["share"],
        "cumulative_share": t["cumulative_share"],
        "estimated": t["estimated"].fillna(False).astype(bool),
        "missing": t["missing"].where(t["missing"].notna(), None),
    })
    for col, new in (("reserves", f"reserves_{u}"), ("rp_years", "rp_years"),
                     ("wgi_scaled", "wgi_scaled")):
        if col in t:
            df[new] = t[col]
    df = df.assign(**_meta(res))
    cols = {"name": ("country", "text"), f"quantity_{u}": (f"production [{u}]", "int"),
            "share": ("share of world", "pct"), "cumulative_share": ("cumulative", "pct"),
            "estimated": ("estimate", "bool")}
    if f"reserves_{u}" in df:
        cols[f"reserves_{u}"] = (f"reserves [{u}]", "int")
        cols["rp_years"] = ("R/P [years]", "int")
    if "wgi_scaled" in df:
        cols["wgi_scaled"] = ("WGI risk [0-10]", "num1")
    note = (f"{res.name}, {res.stage} production {res.year}, {res.product} ({res.basis}); "
            f"source {res.source} {res.edition}. World total {fmt(res.world_total, 'int')} {u}; "
            f"other countries (as published) {fmt(res.other_countries, 'int')} {u}.")
    over = rounded_total_note(res)
    if over:
        note += " " + over
    return Table(f"{res.commodity}_producers_{res.year}", f"Producers, {res.year}", df, cols, note)


def reserves_table(res) -> Table | None:
    """Reserves by country as :func:`critmin.supply.supply` reports them; None without reserves."""
    if "reserves" not in res.table:
        return None
    t = res.table[res.table["reserves"].notna()].sort_values("reserves", ascending=False)
    if t.empty:
        return None
    u = res.unit
    df = pd.DataFrame({
        "country": t["country"], "name": [display_name(c) for c in t["country"]],
        f"reserves_{u}": t["reserves"], f"production_{res.year}_{u}": t["quantity"],
        "rp_years": t.get("rp_years"),
    }).assign(commodity=res.commodity)
    note = next((n for n in res.notes if n.startswith("reserves:")), "")
    cols = {"name": ("country", "text"), f"reserves_{u}": (f"reserves [{u}]", "int"),
            f"production_{res.year}_{u}": (f"production {res.year} [{u}]", "int"),
            "rp_years": ("reserves / production [years]", "int")}
    return Table(f"{res.commodity}_reserves", "Reserves by country", df, cols,
                 f"Reserves as published ({note.removeprefix('reserves: ')}); R/P = reserves "
                 f"divided by {res.year} production.")


def trend_table(trend) -> Table:
    """The trend job's years: world total, HHI, top producer, edition and source per year."""
    y = trend.years
    u = trend.unit
    df = pd.DataFrame({
        "year": y["year"], f"world_total_{u}": y["world_total"], "hhi": y["hhi"],
        "hhi_points": y["hhi_points"], "top_country": y["top_country"],
        "top_share": y["top_share"], "other_share": y["other_share"],
        "n_countries": y["n_countries"], "edition": y["edition"], "source": y["source"],
    }).assign(commodity=trend.commodity, stage=trend.stage, product=trend.product)
    cols = {"year": ("year", "text"), f"world_total_{u}": (f"world production [{u}]", "int"),
            "hhi_points": ("HHI [points]", "int"), "top_country": ("top producer", "text"),
            "top_share": ("top share", "pct"), "edition": ("edition", "text")}
    return Table(f"{trend.commodity}_trend", "World production and concentration by year", df,
                 cols, "Each year from the most recently published edition that covers it.")


def shares_table(trend) -> Table:
    """Producer shares per year (long form: year, country, share of the published world total)."""
    rows = [{"year": y, "country": c, "name": display_name(c), "share": s}
            for y in sorted(trend.shares) for c, s in trend.shares[y].items()]
    df = pd.DataFrame(rows, columns=["year", "country", "name", "share"]).assign(
        commodity=trend.commodity, stage=trend.stage)
    eds = trend.years.set_index("year")["edition"]
    df["edition"] = df["year"].map(eds)
    cols = {"year": ("year", "text"), "name": ("country", "text"), "share": ("share", "pct"),
            "edition": ("edition", "text")}
    sums = {y: sum(v for v in trend.shares[y].values() if v == v) for y in sorted(trend.shares)}
    over = [f"{y} ({percent(x, 1)})" for y, x in sums.items() if x > 1.0005]
    note = "Shares of the published world total."
    if over:
        note += (" USGS rounds that total, so in some years the countries sum to more than 100 % of it: "
                 + ", ".join(over) + "; nothing is capped or rescaled.")
    return Table(f"{trend.commodity}_shares", "Producer shares by year", df, cols, note)


def nir_table(nir: pd.DataFrame, commodity: str, region: str = "USA") -> Table:
    """Net import reliance per year, as reported and recomputed (:mod:`critmin.dependence.job`)."""
    keep = ["year", "nir_detail", "nir_reported", "reported_qualifier", "reported_missing",
            "nir_computed", "production_t", "imports_t", "exports_t", "stock_change_t",
            "apparent_consumption_t", "computed_from", "estimated", "edition"]
    df = nir[[c for c in keep if c in nir]].copy()
    df.insert(0, "importer", region)
    df.insert(0, "commodity", commodity)
    df["reported"] = [
        (m if isinstance(m, str) and (r is None or (isinstance(r, float) and math.isnan(r)))
         else f"{q if isinstance(q, str) else ''}{fmt(r, 'pct0')}")
        for r, q, m in zip(df["nir_reported"], df["reported_qualifier"].astype(object),
                           df["reported_missing"].astype(object), strict=True)]
    cols = {"year": ("year", "text"), "reported": ("reported", "text"),
            "nir_computed": ("recomputed", "pct"),
            "apparent_consumption_t": ("apparent consumption [t]", "int"),
            "imports_t": ("imports [t]", "int"), "exports_t": ("exports [t]", "int"),
            "edition": ("edition", "text")}
    return Table(f"{commodity}_{region}_net_import_reliance", "Net import reliance", df, cols,
                 "Reported: as USGS publishes it (a bound such as >50% where only a bound is "
                 "given). Recomputed: (imports - exports) / apparent consumption from the same "
                 "edition's salient statistics.")


def import_sources_table(src: pd.DataFrame, commodity: str, region: str = "USA") -> Table:
    """Import sources (shares of imports) as :func:`critmin.dependence.job.us_import_sources` gives them."""
    keep = ["partner", "partner_raw", "period", "detail", "share", "qualifier", "missing", "notes",
            "edition", "source"]
    df = src[[c for c in keep if c in src]].copy()
    df.insert(0, "importer", region)
    df.insert(0, "commodity", commodity)
    df["name"] = [display_name(c) for c in df["partner"]]
    cols = {"name": ("partner", "text"), "detail": ("product", "text"),
            "share": ("share of imports", "pct0"), "period": ("period", "text"),
            "edition": ("edition", "text")}
    parts = [p.strip() for n in src.get("notes", pd.Series(dtype=object)).dropna()
             for p in str(n).split(" -- ")]
    notes = " ".join(p if p.endswith(".") else p + "." for p in dict.fromkeys(parts) if p)
    return Table(f"{commodity}_{region}_import_sources", "Import sources", df, cols, notes)


def frame_table(df: pd.DataFrame, name: str, title: str, note: str = "") -> Table:
    """Any DataFrame as a :class:`Table` (all columns shown as text; numbers formatted)."""
    cols = {}
    for c in df.columns:
        kind = "text"
        if pd.api.types.is_bool_dtype(df[c]):
            kind = "bool"
        elif pd.api.types.is_float_dtype(df[c]):
            s = df[c].dropna()
            kind = "num2" if len(s) and s.abs().max() < 100 else "int"
        cols[str(c)] = (str(c), kind)
    return Table(name, title, df.reset_index(drop=True), cols, note)


# --------------------------------------------------------------------------- later analyses
def dependence_table(dep) -> Table:
    """Suppliers of :func:`critmin.dependence.job.importer_dependence` in its year."""
    t = dep.table
    df = t.assign(commodity=dep.commodity, importer=dep.importer, year=dep.year, by=dep.by,
                  hs_codes=";".join(dep.hs_codes), source=dep.source, edition=dep.edition)
    cols = {"name": ("supplier", "text"), "quantity_kg": ("net weight [kg]", "int"),
            "value_usd": ("value [USD]", "int"), "share": ("share", "pct"),
            "share_of_world": ("share of all imports", "pct")}
    return Table(f"{dep.commodity}_{dep.importer}_suppliers_{dep.year}",
                 f"Suppliers of {display_name(dep.importer)}, {dep.year}", df, cols,
                 f"{dep.source} {dep.edition}; HS {', '.join(dep.hs_codes)}; shares by "
                 f"{'net weight' if dep.by == 'quantity_kg' else 'value'} of the imports from "
                 "supplying countries.")


def dependence_years_table(dep) -> Table:
    """Per year of the trade data: suppliers' sum, World total, coverage, HHI, top supplier."""
    df = dep.years.assign(commodity=dep.commodity, importer=dep.importer, by=dep.by,
                          source=dep.source, edition=dep.edition, hhi_points=dep.years["hhi"] * 10_000)
    u = dep.unit
    cols = {"year": ("year", "text"), "partner_sum": (f"suppliers' sum [{u}]", "int"),
            "world_total": (f"World total [{u}]", "int"), "coverage": ("coverage", "pct"),
            "hhi_points": ("HHI [points]", "int"), "top_supplier": ("top supplier", "text"),
            "top_share": ("top share", "pct"), "n_suppliers": ("suppliers", "text")}
    return Table(f"{dep.commodity}_{dep.importer}_dependence_by_year", "Dependence by year", df,
                 cols, "")


def scenario_regions_table(sim) -> Table:
    """Per consumer region of a simulation: baseline demand, stock and the quantiles of each
    per-run metric (one column per metric and quantile)."""
    d = sim_fields(sim, "scenario", "scenario_file", "commodity", "regions", "runs", "seed")
    rows = []
    for r in d["regions"]:
        row = {"scenario": d["scenario"], "commodity": d["commodity"], "region": r["region"],
               "name": r.get("name"), "baseline_demand_t_per_year": r.get("baseline_demand_t_per_year"),
               "stock_start_t": r.get("stock_start_t")}
        for k, v in r.items():
            if isinstance(v, dict):
                for q, x in v.items():
                    row[f"{k}_{q}"] = x
        rows.append(row)
    df = pd.DataFrame(rows)
    cols = {"name": ("region", "text"), "baseline_demand_t_per_year": ("demand [t/yr]", "int"),
            "stock_start_t": ("stock at start [t]", "int"),
            "shortfall_t_p50": ("shortfall, median [t]", "int"),
            "shortfall_t_p95": ("shortfall, 95th pct [t]", "int"),
            "cost_usd_p50": ("cost, median", "usd"),
            "cost_usd_p95": ("cost, 95th pct", "usd")}
    slug = Path(str(d.get("scenario_file") or d["scenario"])).stem
    return Table(f"{slug}_regions", "Consumer regions", df, cols,
                 f"{d['runs']:,} runs, seed {d['seed']}; quantiles over runs.")


def price_band_table(sim) -> Table:
    """Per month: 5th, 50th and 95th percentile and mean of the price multiple P/P0."""
    d = sim_fields(sim, "scenario", "scenario_file", "commodity", "choke_multiple")
    cap = d["choke_multiple"]
    df = sim.price_band().assign(scenario=d["scenario"], commodity=d["commodity"], price_cap_multiple=cap)
    k = f"mult:{cap:g}"
    cols = {"month": ("month", "text"), "p05": ("price / baseline, 5th pct", k),
            "p50": ("median", k), "p95": ("95th pct", k), "mean": ("mean", "mult")}
    slug = Path(str(d.get("scenario_file") or d["scenario"])).stem
    return Table(f"{slug}_price_band", "Price multiple by month", df, cols,
                 f"The model caps the price at {cap:g}× the baseline (the choke price, where purchases are "
                 "rationed): a value at the cap means the price went as high as the model lets it.")


#: The displayed columns of an inputs table (:func:`inputs_frame`).
INPUT_COLUMNS = {"name": ("input", "text"), "value_text": ("value", "text"),
                 "source_text": ("kind and source or reasoning", "text")}


def inputs_frame(records) -> pd.DataFrame:
    """Inputs of an analysis (records or a DataFrame with ``name``, ``value``, ``unit``, ``kind``,
    ``source``) with ``value_text`` (value and unit for reading) and ``source_text`` (kind and source
    without repeats) added; the raw columns stay for the CSV."""
    df = records.copy() if isinstance(records, pd.DataFrame) else pd.DataFrame(list(records))
    if df.empty:
        return df
    units = df["unit"] if "unit" in df else pd.Series([None] * len(df), index=df.index)
    df["value_text"] = [value_text(v, u) for v, u in zip(df["value"], units, strict=True)]
    kinds = df["kind"] if "kind" in df else pd.Series([None] * len(df), index=df.index)
    srcs = df["source"] if "source" in df else pd.Series([None] * len(df), index=df.index)
    df["source_text"] = [source_text(k, x) for k, x in zip(kinds, srcs, strict=True)]
    return df


def scenario_assumptions_table(sim) -> Table:
    """The simulation's inputs: every value with its unit, kind and source."""
    d = sim_fields(sim, "scenario", "scenario_file", "assumptions")
    df = inputs_frame(d.get("assumptions") or [])
    if len(df):
        df = df.assign(scenario=d["scenario"])
    cols = INPUT_COLUMNS
    slug = Path(str(d.get("scenario_file") or d["scenario"])).stem
    return Table(f"{slug}_inputs", "Inputs and assumptions", df, cols, "")


def criticality_table(results: dict, commodity: str) -> Table:
    """Scores of one commodity by method (:func:`critmin.criticality.criticality` results keyed by
    method): supply risk, economic importance, the method's call, ranking factor and what is
    missing."""
    frames = []
    for method, res in results.items():
        t = res.table().assign(method=method, importer=res.importer, rank_by=res.rank_by)
        if res.rank_by != "supply_risk" and f"f_{res.rank_by}" in t:
            t["ranking_value"] = t[f"f_{res.rank_by}"]
        frames.append(t)
    df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    df = df[[c for c in ("method", "importer", "material", "stage", "supply_risk",
                         "economic_importance", "critical", "rank_by", "ranking_value", "missing")
             if c in df] + [c for c in df.columns if c.startswith(("f_", "published_"))]]
    if len(df):
        df.insert(1, "method_name", [METHOD_WORDS.get(m, m) for m in df["method"]])
        df.insert(3, "importer_name", [display_name(c) if isinstance(c, str) else c for c in df["importer"]])
        df.insert(5, "material_name", [commodity_name(m) for m in df["material"]])
        df.insert(7, "stage_name", [STAGE_WORDS.get(str(x), str(x)) for x in df["stage"]])
        df["critical_text"] = ["no threshold: ranks only" if m == "geopolrisk" else critical_words(x)
                               for m, x in zip(df["method"], df["critical"], strict=True)]
        df["missing_text"] = [missing_words(x) for x in df["missing"]]
    cols = {"method_name": ("method", "text"), "importer_name": ("importer", "text"),
            "material_name": ("material", "text"), "stage_name": ("stage", "text"),
            "supply_risk": ("supply risk", "num2"),
            "economic_importance": ("economic importance", "num1"),
            "critical_text": ("the method's call", "text"),
            "ranking_value": ("ranked by disruption potential × trade exposure", "num2"),
            "missing_text": ("inputs missing", "text")}
    return Table(f"{commodity}_criticality", "Criticality by method", df, cols,
                 "EU (JRC) method: supply risk and economic importance against the EU thresholds; "
                 "USGS-style: supply risk as disruption potential × trade exposure × economic vulnerability "
                 "(Nassar & Fortier 2021); GeoPolRisk: the importer's supply risk weighted by its imports. "
                 "Every factor is in the CSV.")


def criticality_matrix_table(points: pd.DataFrame) -> Table:
    """The points of the criticality matrix (``label``, ``commodity``, ``importer``, ``supply_risk``,
    ``economic_importance``, ``critical``) with display names and the call in words."""
    df = points.copy()
    df["importer_name"] = [display_name(c) for c in df["importer"]]
    df["critical_text"] = [critical_words(x) for x in df["critical"]]
    df["placed"] = df["supply_risk"].notna() & df["economic_importance"].notna()
    cols = {"label": ("material", "text"), "importer_name": ("importer", "text"),
            "supply_risk": ("supply risk", "num2"), "economic_importance": ("economic importance", "num1"),
            "critical_text": ("EU method's call", "text"), "placed": ("on the chart", "yesno")}
    return Table("criticality_matrix", "Criticality matrix", df, cols,
                 "Supply risk and economic importance by the EU (JRC) method; a material without economic "
                 "importance in the data is not on the chart.")


# --------------------------------------------------------------------------- restriction monitor
def _monitor_meta(res) -> dict[str, object]:
    return {"exporter": res.exporter, "hs": "+".join(res.hs), "control": "+".join(res.control),
            "method": res.method}


def monitor_evidence_table(res, name: str) -> Table:
    """The evidence of the assessed month of :func:`critmin.monitor.monitor`: one row per signal.

    Parameters
    ----------
    res : critmin.monitor.MonitorResult
        The monitor's result.
    name : str
        File stem of the CSV.
    """
    df = res.signals.assign(month=res.month, verdict=res.verdict, month_score=res.score,
                            p_restriction=res.p_restriction, **_monitor_meta(res))
    df["weight"] = df["weight"].astype(str)
    df["signal"] = [SIGNAL_WORDS.get(n, str(n).replace("_", " ")) for n in df["name"]]
    df["note_text"] = [plain_words(n) for n in df["note"]]
    cols = {"signal": ("signal", "text"), "value": ("value", "num2"), "score": ("score [0-1]", "num2"),
            "weight": ("weight", "text"), "note_text": ("what the data show", "text")}
    return Table(name, f"Evidence for {res.month}", df, cols,
                 "Each signal scored in [0, 1] (1 = restriction-like, 0.5 = uninformative); the level "
                 "break is the gate (is there a fall to explain?), the others are weighted evidence on "
                 "the log-odds scale (weights shown).")


def monitor_months_table(res, name: str, *, flagged: bool = False) -> Table:
    """Months of :func:`critmin.monitor.monitor`: exports, baseline, changes, score and verdict.

    Parameters
    ----------
    res : critmin.monitor.MonitorResult
        The monitor's result (``months``).
    name : str
        File stem of the CSV.
    flagged : bool
        Only the months the chart marks (:func:`critmin.report.charts.flagged_months`), newest first.
    """
    m = res.months
    if flagged:
        m = flagged_months(m).iloc[::-1]
    df = m.assign(**_monitor_meta(res)).reset_index(drop=True)
    cols = {"month": ("month", "text"), "quantity_kg": ("exports [kg]", "int"),
            "baseline_kg": ("baseline [kg]", "int"), "yoy_change": ("y/y", "pct"),
            "baseline_deviation": ("vs baseline", "pct"), "score": ("score", "num2"),
            "verdict": ("verdict", "text")}
    if flagged:
        return Table(name, "Flagged months", df, cols,
                     "Restriction-like months and every month with a substantial fall, newest first; "
                     "the CSV holds each signal's score.")
    return Table(name, "Every month", df, cols, "The monitor's monthly table, every signal's score in "
                 "the CSV.")


def scan_table(scan, name: str = "critmin_export_signal_scan") -> Table:
    """Restriction-like months of :func:`critmin.monitor.scan`, highest score first."""
    df = scan.table.assign(method=scan.method, since=scan.since)
    df["exporter_name"] = [display_name(c) for c in df["exporter"]]
    if "event" in df:
        df["event"] = df["event"].fillna("none")
        df["event_text"] = [event_words(e) for e in df["event"]]
    if "evidence" in df:
        df["evidence_text"] = [signal_words(e) for e in df["evidence"]]
    df["product"] = [lines_words(str(h).split("+")) for h in df["hs"]]
    cols = {"exporter_name": ("exporter", "text"), "product": ("product", "text"), "hs": ("HS", "text"),
            "month": ("month", "text"),
            "score": ("score", "num2"), "quantity_kg": ("exports [kg]", "int"),
            "yoy_change": ("y/y", "pct"), "baseline_deviation": ("vs baseline", "pct"),
            "control": ("control lines (HS)", "text"), "evidence_text": ("strongest evidence", "text"),
            **({"event_text": ("known export control (±2 months)", "text")} if "event" in df else {})}
    since = f" since {scan.since}" if scan.since else ""
    return Table(name, f"Restriction-like months{since}", df, cols,
                 f"{scan.series} monthly export series (exporter × 6-digit line), each tested with its "
                 "catalogue control lines.")
