"""What every dashboard page shares: cached access to the public API, the sidebar controls and the
rendering of :class:`~critmin.report.sections.SectionView` objects with Streamlit.

Pages are one call each (:func:`run_page`); they compute nothing. The sections, charts and tables are
those of the HTML report (:mod:`critmin.report.sections`).
"""

from __future__ import annotations

import dataclasses
import inspect
import os

import pandas as pd
import streamlit as st

from critmin.report import DEFAULT_COMMODITIES
from critmin.report.charts import PLOTLY_CONFIG, display_name
from critmin.report.context import (
    ANALYSES,
    SCENARIO_RUNS,
    SCENARIO_SEED,
    US,
    Context,
    MonitorSeries,
    default_scan_since,
    monitor_lines,
    monitor_result,
    monitor_series,
    scan_result,
    scenario_files,
)
from critmin.report.sections import (
    PAGES,
    SectionView,
    build_sections,
    criticality_matrix_view,
    monitor_view,
    pending,
    scan_view,
)
from critmin.report.summary import summarize

__all__ = ["warehouse", "commodity_options", "context", "views", "render_view", "controls",
           "run_page", "run_home", "run_monitor_page", "PAGE_FACTS"]

#: Which summary answers each page shows above its sections.
PAGE_FACTS = {"Supply": ("supply", "concentration"), "Dependence": ("exposure",),
              "Monitor": ("monitor",), "Scenarios": ("disruption",), "Criticality": ("criticality",)}

_PAGE_INTRO = {
    "Supply": "Who supplies it: producers, shares over time, concentration, world production, reserves.",
    "Dependence": "How exposed an importer is: net import reliance and import sources.",
    "Monitor": "Is a fall in exports a restriction? Monthly trade against its baseline, flagged months.",
    "Scenarios": "What would a disruption cost? Monte Carlo disruption scenarios on a market model.",
    "Stockpile": "How large should the stock be? Days of cover, cost curve and frontier.",
    "Criticality": "How critical is it? Supply risk and economic importance.",
    "Diversify": "Whom should we buy from? The supplier mix with the least risk at each premium budget.",
    "Outlook": "Where is it going? IEA supply by stage to 2040, demand scenarios, the balance, and how much "
               "new capacity halves the shortfall of a 2030 cut.",
}


def _stretch(fn) -> dict[str, object]:
    """Full-width keyword for Streamlit < 1.4x (newer versions stretch by default, ``width=``)."""
    return {} if "width" in inspect.signature(fn).parameters else {"use_container_width": True}


@st.cache_resource(show_spinner="Opening the warehouse…")
def warehouse():
    """The warehouse (``$CRITMIN_DB`` or the default), built from the bundle on first use, then
    opened read-only so the CLI can use the same file while the dashboard runs."""
    from critmin.warehouse import open_warehouse

    path = os.environ.get("CRITMIN_DB") or None
    if "read_only" in inspect.signature(open_warehouse).parameters:
        return open_warehouse(path, read_only=True)
    return open_warehouse(path)


@st.cache_data(show_spinner=False)
def commodity_options() -> pd.DataFrame:
    """Commodities with production data: id, name, stages, first and last year."""
    from critmin.commodities import catalogue
    from critmin.supply import coverage

    cov = coverage(warehouse())
    cat = catalogue()[["id", "name", "default_stage"]]
    return cat.merge(cov, left_on="id", right_on="commodity").drop(columns="commodity")


@st.cache_data(show_spinner=False)
def region_options() -> list[str]:
    """Importers: the United States (USGS exposure data) and the reporters of import rows in the
    trade table first, then every other country with WGI data."""
    wh = warehouse()
    with_data = set(wh.query("SELECT DISTINCT importer FROM import_sources")["importer"])
    with_data |= set(wh.query("SELECT DISTINCT reporter FROM trade WHERE flow = 'import'")
                     ["reporter"].dropna())
    with_data = {c for c in with_data if isinstance(c, str) and len(c) == 3}
    from critmin.countries import IMPORTER_BLOCS, bloc_members

    blocs = {b for b in IMPORTER_BLOCS if set(bloc_members(b)) & with_data}
    first = [US] + sorted(blocs) + sorted(with_data - {US})
    others = sorted(set(wh.query("SELECT DISTINCT country FROM governance")["country"])
                    - set(first))
    return first + others


@st.cache_data(show_spinner=False)
def scenario_options(commodity: str) -> dict[str, str]:
    """Disruption scenario files of a commodity: path -> scenario name."""
    from critmin.market import load_scenario

    return {str(f): load_scenario(f).name for f in scenario_files(commodity)}


@st.cache_resource(max_entries=64, show_spinner="Loading…")
def context(commodity: str, region: str, year: int | None, stage: str | None,
            scenario: str | None = None, runs: int = SCENARIO_RUNS,
            seed: int = SCENARIO_SEED) -> Context:
    """A :class:`Context` per selection; its API results are fetched once and shared."""
    return Context(commodity, warehouse(), region=region, year=year, stage=stage,
                   scenario=scenario, runs=runs, seed=seed)


@st.cache_resource(max_entries=256, show_spinner="Drawing…")
def views(commodity: str, region: str, year: int | None, stage: str | None,
          years: tuple[int, int] | None, page: str, scenario: str | None = None,
          runs: int = SCENARIO_RUNS, seed: int = SCENARIO_SEED) -> list[SectionView]:
    """The page's sections for a selection (same builders as the HTML report)."""
    base = context(commodity, region, year, stage, scenario, runs, seed)
    return build_sections(dataclasses.replace(base, years=years), page)


@st.cache_resource(max_entries=32, show_spinner="Assessing criticality…")
def matrix_view(commodity: str, region: str) -> SectionView | None:
    """The EU criticality matrix of the report's default commodities and the selected one."""
    ids = list(dict.fromkeys([*DEFAULT_COMMODITIES, commodity]))
    ctxs = [context(c, region, None, None) for c in ids]
    name = next(c.info.name for c in ctxs if c.commodity == commodity)
    return criticality_matrix_view(ctxs, highlight=name)


def render_view(view: SectionView, key: str) -> None:
    """Draw a section: heading, lead, figures, tables with a CSV download, notes."""
    st.subheader(view.title)
    if view.lead:
        st.caption(view.lead)
    for i, b in enumerate(view.blocks):
        k = f"{key}-{view.id}-{i}"
        if b.kind == "figure" and b.figure is not None:
            st.plotly_chart(b.figure, key=k, config=PLOTLY_CONFIG, theme=None,
                            **_stretch(st.plotly_chart))
        elif b.kind == "table" and b.table is not None:
            t = b.table
            with st.expander(f"{t.title} ({len(t.data)} rows)", expanded=not b.collapsed):
                st.dataframe(t.display(), hide_index=True, **_stretch(st.dataframe))
                if t.note:
                    st.caption(t.note)
            st.download_button(f"Download CSV: {t.title.lower()}", t.to_csv(bom=True),
                               file_name=t.filename, mime="text/csv", key=f"dl-{k}")
        elif b.kind == "subhead":
            st.markdown(f"#### {b.text}")
        elif b.kind == "list":
            with st.expander(b.text, expanded=False):
                st.markdown("\n".join(f"- {it}" for it in b.items))
        else:
            st.info(b.text)


def controls(page: str) -> dict[str, object]:
    """The sidebar: commodity, region, year of the producers table, stage and years shown."""
    opts = commodity_options()
    ids = opts["id"].tolist()
    names = dict(zip(opts["id"], opts["name"], strict=True))
    sb = st.sidebar
    default = ids.index("rare-earths") if "rare-earths" in ids else 0
    com = sb.selectbox("Commodity", ids, index=default, format_func=names.get, key="commodity")
    row = opts.set_index("id").loc[com]
    stages = [s.strip() for s in str(row["data_stages"]).split(",") if s.strip()]
    stage_default = row["default_stage"] if row["default_stage"] in stages else stages[0]
    stage = sb.selectbox("Stage", stages, index=stages.index(stage_default), key="stage")
    regions = region_options()
    region = sb.selectbox("Region (importer)", regions, index=regions.index(US) if US in regions else 0,
                          format_func=lambda c: f"{display_name(c)} ({c})", key="region")
    base = context(com, region, None, stage)
    tr = base.trend
    yr_opts = sorted(tr.shares, reverse=True) if tr is not None and tr.shares else []
    year = sb.selectbox("Year of the producers table", yr_opts, key="year") if yr_opts else None
    years = None
    if tr is not None and len(tr.years):
        lo, hi = int(tr.years["year"].min()), int(tr.years["year"].max())
        if lo < hi:
            years = sb.slider("Years shown", lo, hi, (lo, hi), key="years")
    sel: dict[str, object] = {"commodity": com, "region": region, "stage": stage,
                              "year": int(year) if year is not None else None,
                              "years": tuple(int(y) for y in years) if years else None,
                              "scenario": None, "runs": SCENARIO_RUNS, "seed": SCENARIO_SEED}
    if page == "Scenarios" and ANALYSES["scenarios"].available():
        files = scenario_options(com)
        if files:
            sb.markdown("**Scenario**")
            sel["scenario"] = sb.selectbox("Scenario file", list(files), format_func=files.get,
                                           key="scenario")
            sel["runs"] = int(sb.number_input("Monte Carlo runs", min_value=100, max_value=100_000,
                                              value=SCENARIO_RUNS, step=500, key="runs"))
            sel["seed"] = int(sb.number_input("Seed", min_value=0, value=SCENARIO_SEED, step=1,
                                              key="seed"))
        else:
            sb.caption(f"No scenario file for {names[com]} (examples/scenarios, "
                       "$CRITMIN_SCENARIOS).")
    sb.caption("Data: the bundled USGS, World Bank and trade tables; see the report's appendix for "
               "sources and licences.")
    return sel


def run_page(page: str) -> None:
    """A whole dashboard page: controls, the page's summary answers, its sections, or a note naming
    the analysis that has not landed yet."""
    st.set_page_config(page_title=f"critmin · {page}", layout="wide")
    st.title(page)
    st.caption(_PAGE_INTRO.get(page, ""))
    sel = controls(page)
    missing = pending(page)
    key = (sel["commodity"], sel["region"], sel["year"], sel["stage"])
    run = (sel["scenario"], sel["runs"], sel["seed"])
    ctx = context(*key, *run)
    wanted = PAGE_FACTS.get(page, ())
    facts = summarize(ctx, only=wanted) if wanted else []
    if facts:
        cols = st.columns(len(facts))
        for col, f in zip(cols, facts, strict=True):
            with col.container(border=True) if "border" in inspect.signature(
                    col.container).parameters else col.container():
                st.markdown(f"**{f.question}**")
                for p in f.phrases:
                    st.markdown(p.markdown())
    shown = views(*key, sel["years"], page, *run)
    if page == "Criticality" and not missing:
        mv = matrix_view(sel["commodity"], sel["region"])
        if mv is not None:
            render_view(mv, key="matrix")
    for v in shown:
        render_view(v, key=page)
    for title, req in missing:
        st.info(f"**{title}**: not yet available in this version (needs `{req}`).")
    if not shown and not missing:
        why = "; ".join(ctx.errors.values()) or "nothing in the warehouse"
        st.warning(f"No {page.lower()} data for {ctx.info.name}: {why}.")


# --------------------------------------------------------------------------- Monitor page
@st.cache_data(show_spinner=False)
def export_lines() -> pd.DataFrame:
    """Exporters and 6-digit lines with monthly exports (:func:`critmin.report.context.monitor_lines`)."""
    return monitor_lines(warehouse())


@st.cache_data(show_spinner=False)
def commodity_series(commodity: str) -> list[MonitorSeries]:
    """The commodity's monitored series, as the report shows them
    (:func:`critmin.report.context.monitor_series`)."""
    return monitor_series(commodity, warehouse())


@st.cache_resource(max_entries=128, show_spinner="Running the restriction monitor…")
def monitor_run(exporter: str, hs: tuple[str, ...], control: tuple[str, ...] | None,
                month: str | None):
    """:func:`critmin.monitor.monitor` for a selection (``control=None``: the catalogue's choice)."""
    return monitor_result(warehouse(), exporter, hs, control=control, month=month)


@st.cache_resource(max_entries=32, show_spinner="Scanning every monthly export line…")
def scan_run(since: str | None):
    """:func:`critmin.monitor.scan` from a month."""
    return scan_result(warehouse(), since)


@st.cache_data(show_spinner=False)
def catalogue_control(hs: tuple[str, ...], available: tuple[str, ...]) -> list[str]:
    """The control lines the monitor would choose (:func:`critmin.monitor.choose_control`)."""
    from critmin.monitor import choose_control

    return list(choose_control(hs, available))


@st.cache_data(show_spinner=False)
def line_label(code: str) -> str:
    """``280530 · metal: Rare-earth metals, scandium and …`` (the HS catalogue's description)."""
    from critmin.hs import UnknownHSCodeError, describe

    try:
        d = describe(code)
    except (UnknownHSCodeError, ValueError):
        return f"{code} · not in the HS catalogue"
    text = str(d["description"])
    return f"{code} · {d['stage']}{' (mixed)' if d['mixed'] else ''}: " + (
        text if len(text) <= 48 else text[:47].rstrip() + "…")


_CUSTOM = "custom lines"


def _monitor_state(com: str, lines: pd.DataFrame) -> None:
    """Reset the Monitor widgets to the commodity's first series when the commodity changes, and keep
    every stored selection within its options."""
    ss = st.session_state
    exporters = sorted(lines["exporter"].unique())
    if ss.get("_monitor_commodity") != com:
        ss["_monitor_commodity"] = com
        series = commodity_series(com)
        ss["exporter"] = series[0].exporter if series else exporters[0]
        _set_series(series[0] if series else None)
    if ss.get("exporter") not in exporters:
        ss["exporter"] = exporters[0]


def _available(exporter: str) -> list[str]:
    lines = export_lines()
    return lines.loc[lines["exporter"] == exporter, "hs_code"].tolist()


def _set_series(series: MonitorSeries | None) -> None:
    ss = st.session_state
    ss["series"] = series.label if series is not None else _CUSTOM
    ss["hs"] = list(series.hs) if series is not None else []
    ss["control"] = catalogue_control(tuple(ss["hs"]), tuple(_available(ss["exporter"]))) \
        if series is not None else []
    ss.pop("month", None)


def _on_exporter() -> None:
    com = st.session_state.get("commodity")
    mine = [s for s in commodity_series(com) if s.exporter == st.session_state["exporter"]]
    _set_series(mine[0] if mine else None)


def _on_series() -> None:
    ss = st.session_state
    hit = [s for s in commodity_series(ss.get("commodity")) if s.label == ss["series"]
           and s.exporter == ss["exporter"]]
    if hit:
        _set_series(hit[0])


def _on_hs() -> None:
    ss = st.session_state
    ss["series"] = _CUSTOM
    ss["control"] = catalogue_control(tuple(ss["hs"]), tuple(_available(ss["exporter"])))
    ss.pop("month", None)


def _months(first: str, last: str) -> list[str]:
    return [f"{p:%Y-%m}" for p in pd.period_range(first, last, freq="M")][::-1]


def run_monitor_page() -> None:
    """The Monitor page: pick exporter, HS lines, control lines and month (defaults from the commodity's
    series, as in the report); the monitor's chart, verdict and evidence; the export-signal scan from
    a chosen month. Every result comes from :func:`critmin.monitor.monitor` and
    :func:`critmin.monitor.scan`, cached."""
    if pending("Monitor"):
        run_page("Monitor")
        return
    st.set_page_config(page_title="critmin · Monitor", layout="wide")
    st.title("Monitor")
    st.caption(_PAGE_INTRO["Monitor"])
    opts = commodity_options()
    ids = opts["id"].tolist()
    names = dict(zip(opts["id"], opts["name"], strict=True))
    sb = st.sidebar
    default = ids.index("rare-earths") if "rare-earths" in ids else 0
    com = sb.selectbox("Commodity", ids, index=default, format_func=names.get, key="commodity")
    lines = export_lines()
    if lines.empty:
        st.warning("No monthly export data in the warehouse: the restriction monitor needs monthly "
                   "export rows in the trade table (critmin data ingest).")
        return
    _monitor_state(com, lines)
    exporters = sorted(lines["exporter"].unique())
    exporter = sb.selectbox("Exporter", exporters, key="exporter", on_change=_on_exporter,
                            format_func=lambda c: f"{display_name(c)} ({c})")
    available = _available(exporter)
    mine = [s for s in commodity_series(com) if s.exporter == exporter]
    presets = [s.label for s in mine] + [_CUSTOM]
    if st.session_state.get("series") not in presets:
        st.session_state["series"] = _CUSTOM
    sb.selectbox(f"Series of {names[com]}", presets, key="series", on_change=_on_series,
                 help="The commodity's lines as the report tests them: refined lines together, others "
                      "each on their own.")
    st.session_state["hs"] = [c for c in st.session_state.get("hs", []) if c in available]
    hs = sb.multiselect("HS lines tested (summed)", available, key="hs", on_change=_on_hs,
                        format_func=line_label)
    st.session_state["control"] = [c for c in st.session_state.get("control", []) if c in available]
    control = sb.multiselect("Control lines", available, key="control", format_func=line_label,
                             help="Sibling lines that a restriction of the tested lines would not hit; "
                                  "default: the monitor's choice from the HS catalogue.")
    month_slot = sb.empty()  # the month picker, once the series' months are known
    sb.caption("Data: the monthly export rows of the warehouse's trade table; see the report's appendix "
               "for sources and licences.")
    ctx = context(com, US, None, None)
    facts = summarize(ctx, only=PAGE_FACTS["Monitor"])
    for f in facts:
        with st.container(border=True):
            st.markdown(f"**{f.question}** ({names[com]}, as in the report)")
            for p in f.phrases:
                st.markdown(p.markdown())
    if not hs:
        st.info(f"No monthly exports of {names[com]}'s HS lines from {display_name(exporter)} in the "
                "warehouse: pick HS lines in the sidebar." if not mine else
                "Pick at least one HS line in the sidebar.")
    else:
        ctl_list = [c for c in control if c not in hs]
        ctl = None if ctl_list == catalogue_control(tuple(hs), tuple(available)) else tuple(ctl_list)
        try:
            latest = monitor_run(exporter, tuple(hs), ctl, None)
        except Exception as exc:  # noqa: BLE001 - the face reports the API's refusal
            st.warning(f"The monitor cannot assess HS {'+'.join(hs)}: {exc}")
            latest = None
        if latest is not None:
            months = latest.months.dropna(subset=["quantity_kg"])["month"].tolist()[::-1]
            if st.session_state.get("month") not in months:
                st.session_state["month"] = months[0]
            month = month_slot.selectbox("Month assessed", months, key="month")
            res = latest if month == latest.month else monitor_run(exporter, tuple(hs), ctl, month)
            render_view(monitor_view(res), key="monitor")
    st.divider()
    first, last = str(lines["first"].min()), str(lines["last"].max())
    since_opts = _months(first, last)
    since_default = default_scan_since(warehouse())
    if st.session_state.get("scan_since") not in since_opts:
        st.session_state["scan_since"] = since_default if since_default in since_opts else since_opts[0]
    since = st.selectbox("Scan every monthly export line from", since_opts, key="scan_since",
                         help="Restriction-like months from this month on; earlier months still serve "
                              "as history.")
    render_view(scan_view(scan_run(since)), key="scan")


def run_home() -> None:
    """The home page: what the dashboard shows, which analyses are available, the warehouse."""
    st.set_page_config(page_title="critmin", layout="wide")
    st.title("critmin: critical-minerals supply security")
    st.markdown(
        "Pick a page in the sidebar. Every chart and table comes from critmin's public API over the "
        "warehouse below (the bundled public data; sources, editions and licences are in the "
        "appendix of `critmin report`, which draws the same charts).")
    rows = []
    for p in PAGES:
        later = [a for a in ANALYSES.values() if a.page == p]
        ok = all(a.available() for a in later)
        rows.append({"page": p, "shows": _PAGE_INTRO[p],
                     "status": "available" if ok else
                     "not yet available (needs " + ", ".join(a.requires for a in later
                                                             if not a.available()) + ")"})
    st.subheader("Pages")
    st.table(pd.DataFrame(rows).set_index("page"))
    st.subheader("Warehouse")
    st.table(warehouse().status().set_index("table"))
