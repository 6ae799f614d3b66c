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
from critmin.report.context import ANALYSES, SCENARIO_RUNS, SCENARIO_SEED, US, Context, scenario_files
from critmin.report.sections import PAGES, SectionView, build_sections, criticality_matrix_view, pending
from critmin.report.summary import summarize

__all__ = ["warehouse", "commodity_options", "context", "views", "render_view", "controls",
           "run_page", "run_home", "PAGE_FACTS"]

#: Which summary answers each page shows above its sections.
PAGE_FACTS = {"Supply": ("supply", "concentration"), "Dependence": ("exposure",),
              "Scenarios": ("disruption",), "Criticality": ("criticality",)}

_PAGE_INTRO = {
    "Supply": "Who supplies it: producers, shares over time, concentration, world production, reserves.",
    "Dependence": "How exposed an importer is: net import reliance and import sources.",
    "Monitor": "Is a fall in exports a restriction? Monthly trade against its baseline, flagged months.",
    "Scenarios": "What would a disruption cost? Monte Carlo disruption scenarios on a market model.",
    "Stockpile": "How large should the stock be? Days of cover, cost curve and frontier.",
    "Criticality": "How critical is it? Supply risk and economic importance.",
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
    first = [US] + sorted(with_data - {US})
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
            st.download_button(f"Download CSV: {t.title.lower()}", t.to_csv(),
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
