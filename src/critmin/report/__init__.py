"""The HTML report: one self-contained file a policy analyst can send on.

:func:`build_report` asks the public API (through :class:`~critmin.report.context.Context`) for each
commodity's results and arranges them into a :class:`Report`: a one-page summary per commodity, then
its sections (:mod:`critmin.report.sections`), then an appendix of sources, editions, licences and
assumptions. :func:`render_html` writes it with jinja2 and plotly, the plotly.js library embedded once;
:func:`write_report` saves it as HTML or, through headless Chromium, as PDF.

The chart and table builders (:mod:`critmin.report.charts`, :mod:`critmin.report.tables`) and the
section registry are shared with the dashboard.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from critmin._strings import python_strings
from critmin.report.context import ANALYSES, US, Context, analysis_status
from critmin.report.sections import (
    Block,
    SectionView,
    criticality_matrix_view,
    pending,
    scan_view,
)
from critmin.report.summary import Fact, overview_row
from critmin.report.tables import Table

__all__ = [
    "DEFAULT_COMMODITIES",
    "Report",
    "CommodityReport",
    "build_report",
    "render_html",
    "report_tables",
    "write_report",
    "Context",
    "ANALYSES",
    "analysis_status",
]

#: Commodities of ``critmin report`` when none is named: rare earths and a few critical metals.
DEFAULT_COMMODITIES = ("rare-earths", "gallium", "germanium", "graphite", "tungsten", "antimony",
                       "cobalt", "lithium")


@dataclass
class CommodityReport:
    """One commodity's part of the report."""

    id: str
    name: str
    facts: list[Fact]
    sections: list[SectionView]
    notes: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    context: Context | None = None
    #: The export-signal scan's series of the commodity's lines, scanned where the part was built
    #: (:func:`critmin.report.context.scan_part`): the report's scan takes them as they are.
    scan: dict = field(default_factory=dict, repr=False)
    #: Where and when the part was built: ``process`` (PID), ``started`` (epoch [s]) and ``seconds``
    #: [s] (:func:`critmin.report.workers.build_parts`; ``benchmarks/bench_report.py`` prints them).
    timing: dict = field(default_factory=dict, repr=False)


@dataclass
class Report:
    """Everything the report shows, before rendering."""

    title: str
    region: str
    region_name: str
    generated: str
    version: str
    bundle_id: str
    commodities: list[CommodityReport]
    overview: Table
    sources: Table
    assumptions: Table
    pending: list[tuple[str, str]]
    overview_sections: list[SectionView] = field(default_factory=list)
    source_ids: list[str] = field(default_factory=list)
    assumption_groups: list[Table] = field(default_factory=list)


@python_strings()
def build_report(
    commodities: Iterable[str] | None = None,
    *,
    warehouse,
    region: str = US,
    year: int | None = None,
    years: tuple[int, int] | None = None,
    progress: Callable[[str], None] | None = None,
    workers: int | None = None,
) -> Report:
    """Gather the results of the public API for a report.

    Parameters
    ----------
    commodities : iterable of str, optional
        Catalogue ids, names or USGS codes (default :data:`DEFAULT_COMMODITIES`).
    warehouse : critmin.warehouse.Warehouse
        Where the data live.
    region : str
        ISO3 (or name) of the importer whose exposure the summary describes, or ``EU`` (default
        ``USA``); anything else raises :class:`~critmin.errors.ParameterError`.
    year : int, optional
        Year of the producers tables (default: each commodity's latest).
    years : (int, int), optional
        First and last year of the time-series charts (default: all).
    progress : callable, optional
        Called with a message per commodity.
    workers : int, optional
        Processes building the commodities side by side (:mod:`critmin.report.workers`); None: one
        per core, up to one per commodity, when the warehouse is a read-only file (otherwise, and with
        0 or 1, everything is built in this process). The report is the same either way.

    Returns
    -------
    Report
    """
    import critmin
    from critmin.report import provenance, tables
    from critmin.report.context import check_region
    from critmin.report.workers import auto_workers, build_parts

    region = check_region(region, warehouse)
    coms = list(commodities) if commodities else list(DEFAULT_COMMODITIES)
    items = build_parts(coms, warehouse, region=region, year=year, years=years,
                        workers=auto_workers(len(coms), warehouse, workers), progress=progress)
    # the export-signal scan of the overview, from the series each part scanned where it was built
    # (the fits of its monitor section) and the others scanned here
    scan = _scan_view(warehouse, progress, {k: v for c in items for k, v in c.scan.items()})
    contexts = [c.context for c in items if c.context is not None]
    import pandas as pd

    ov = pd.DataFrame([overview_row(c) for c in contexts])
    if "top_country" in ov:
        ov["top_producer"] = [tables.display_name(c) if isinstance(c, str) else None
                              for c in ov["top_country"]]
    if "us_top_source" in ov:
        ov["us_main_source"] = [tables.display_name(c) if isinstance(c, str) else None
                                for c in ov["us_top_source"]]
    reg = (region or US).upper()
    if reg == US:
        exposure_cols = {"us_nir_text": ("U.S. import reliance", "text"),
                         "us_nir_year": ("(year)", "text"),
                         "us_main_source": ("main U.S. source", "text"),
                         "us_top_source_share": ("share", "pct0")}
        exposure_note = "U.S. net import reliance as reported by USGS."
    else:  # the region's own figures from its trade data; none of the U.S. in their place
        if "region_top_source" in ov:
            ov["region_main_source"] = [tables.display_name(c) if isinstance(c, str) else None
                                        for c in ov["region_top_source"]]
        rn = tables.display_name(reg)
        exposure_cols = {"region_nir_text": (f"{rn} import reliance", "text"),
                         "region_nir_year": ("(year)", "text"),
                         "region_main_source": (f"main {rn} source", "text"),
                         "region_top_source_share": ("share", "pct0")}
        exposure_note = (f"{rn}'s net import reliance and main supplier from its own reported "
                         "imports (trade data); empty where it has none.")
    overview = tables.Table(
        "critmin_overview", "Latest year per commodity", ov,
        {"name": ("commodity", "text"), "year": ("year", "text"),
         "top_producer": ("top producer", "text"), "top_share": ("share", "pct"),
         "hhi_points": ("HHI [points]", "int"), "hhi_band": ("concentration", "text"),
         **exposure_cols},
        "Latest year with production by country; " + exposure_note)
    used = provenance.editions_used(contexts)
    src = provenance.sources_table(warehouse, used)
    sources = tables.Table("critmin_sources", "Sources", src,
                           {"source": ("source", "text"), "title": ("publisher and title", "text"),
                            "editions": ("editions", "text"), "licence": ("licence", "text"),
                            "used_in_report": ("used in this report", "text")})
    acols = {"assumption": ("assumption", "text"), "value": ("value", "text"),
             "applies_to": ("applies to", "text"), "note": ("note", "text")}
    adf = provenance.assumptions_table(contexts)
    assumptions = tables.Table("critmin_assumptions", "Every assumption behind the figures", adf, acols,
                               "Each assumption once, with every result it applies to.")
    kind = adf["applies_to"].str.extract(r"^(scenarios|stockpile|diversify|criticality|dependence|"
                                         r"monitor|outlook)\b", expand=False).fillna("general")
    group_titles = {"general": "Data and methods", "scenarios": "Disruption scenarios",
                    "stockpile": "Stockpile planning", "diversify": "Supplier diversification",
                    "criticality": "Criticality", "dependence": "Trade dependence",
                    "monitor": "Export signals", "outlook": "Outlook"}
    assumption_groups = [
        tables.Table(f"critmin_assumptions_{k}", f"{group_titles.get(k, k)}: {int((kind == k).sum())} "
                     "assumptions", adf[kind == k].reset_index(drop=True), acols)
        for k in dict.fromkeys(["general", *kind]) if (kind == k).any()]
    overview_sections = [v for v in (criticality_matrix_view(contexts), scan)
                         if v is not None]
    region = (region or US).upper()
    return Report(
        title="Critical-minerals supply security",
        region=region, region_name=tables.display_name(region),
        generated=_dt.datetime.now().strftime("%d %B %Y, %H:%M"),
        version=critmin.__version__, bundle_id=provenance.bundle_id(),
        commodities=items, overview=overview, sources=sources, assumptions=assumptions,
        pending=pending(), overview_sections=overview_sections,
        source_ids=[str(x) for x in src.loc[src["used_in_report"] != "", "source"]],
        assumption_groups=assumption_groups,
    )


def _scan_view(warehouse, progress: Callable[[str], None] | None, done: dict | None = None,
               ) -> SectionView | None:
    """The export-signal scan of the overview (:func:`critmin.monitor.scan` from
    :func:`~critmin.report.context.default_scan_since`, ``done``: series scanned already); None when
    the monitor is not installed or the warehouse holds no monthly exports."""
    from critmin.report.context import default_scan_since, scan_result

    if not ANALYSES["monitor"].available():
        return None
    since = default_scan_since(warehouse)
    if since is None:
        return None
    if progress:
        progress(f"report: export-signal scan since {since}")
    try:
        return scan_view(scan_result(warehouse, since, done=done))
    except Exception as exc:  # noqa: BLE001 - the scan must not break the report
        return SectionView("monitor_scan", "Export-signal scan", "",
                           [Block("note", text=f"Not produced: {type(exc).__name__}: {exc}")])


def report_tables(report: Report) -> dict[str, Table]:
    """Every table of the report, in reading order (overview, overview sections, each commodity's
    sections, assumptions), keyed by a short unique name (the CSV download's stem)."""
    out: dict[str, Table] = {}

    def add(t: Table | None) -> None:
        if t is None:
            return
        key, i = t.name, 2
        while key in out:
            key, i = f"{t.name}_{i}", i + 1
        out[key] = t

    add(report.overview)
    for view in report.overview_sections:
        for t in view.tables:
            add(t)
    for com in report.commodities:
        for view in com.sections:
            for t in view.tables:
                add(t)
    add(report.assumptions)
    return out


def _write_xlsx(path: Path, report: Report) -> Path:
    """The report's tables as one workbook: a contents sheet, one sheet per table, the sources."""
    import pandas as pd

    from critmin._export import sheet_name, write_workbook

    tables = report_tables(report)
    sheets: dict[str, pd.DataFrame] = {}
    contents = []
    taken = ["contents", "sources", "about"]
    for key, t in tables.items():
        name = sheet_name(key, taken)
        taken.append(name)
        sheets[name] = t.data
        contents.append({"sheet": name, "table": t.title, "rows": len(t.data), "note": t.note})
    src = report.sources.data
    src = src[src["used_in_report"].astype(str) != ""] if "used_in_report" in src else src
    src = src.apply(lambda c: c.str.replace(r"[*`]", "", regex=True) if c.dtype == object else c)
    return write_workbook(path, {"contents": pd.DataFrame(contents), **sheets}, sources=src,
                          about={"report": report.title, "region": f"{report.region_name} ({report.region})",
                                 "generated": report.generated, "bundled dataset": report.bundle_id,
                                 "commodities": ", ".join(c.name for c in report.commodities)})


def render_html(report: Report) -> str:
    """The report as one self-contained HTML page (plotly.js embedded once, no external
    reference)."""
    from critmin.report.render import render

    return render(report)


@python_strings()
def write_report(
    path: str | Path,
    report: Report,
    *,
    format: str = "html",  # noqa: A002 - the CLI option's name
    chromium: str | None = None,
) -> Path:
    """Write a built report as HTML or PDF.

    Parameters
    ----------
    path : str or Path
        Output file.
    report : Report
        From :func:`build_report`.
    format : {"html", "pdf", "xlsx"}
        PDF is printed by headless Chromium from the HTML; ``xlsx`` writes every table of the report
        as one Excel workbook (a sheet per table, units in the headers, the sources; atomic).
    chromium : str, optional
        Chromium executable for PDF (default ``/usr/bin/chromium`` or ``chromium`` on PATH).

    Returns
    -------
    Path
        The written file.
    """
    from critmin.report.render import html_to_pdf, render

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if format == "xlsx":
        return _write_xlsx(path, report)
    html = render(report)
    if format == "html":
        from critmin._atomic import write_text

        return write_text(path, html)
    if format != "pdf":
        raise ValueError(f"unknown format {format!r}: html, pdf or xlsx")
    return html_to_pdf(html, path, chromium=chromium)
