"""critmin dashboard: the Outlook page (IEA supply by stage to 2040, demand scenarios, the balance, and the
self-sufficiency sweep of a start-year scenario, with its own runs and seed)."""

import streamlit as st

from critmin.dashboard.common import context, controls, render_view
from critmin.report.context import SCENARIO_SEED
from critmin.report.outlook_section import SWEEP, SWEEP_RUNS, outlook_view, sweep_scenario_file


@st.cache_resource(max_entries=32, show_spinner="Reading the outlook and sweeping capacity…")
def _view(commodity: str, region: str, stage: str | None, runs: int, seed: int):
    return outlook_view(context(commodity, region, None, stage), sweep_runs=runs, sweep_seed=seed)


st.set_page_config(page_title="critmin · Outlook", layout="wide")
st.title("Outlook")
st.caption("Where is it going? IEA supply by country per stage to 2040, total demand by scenario (STEPS, "
           "APS, NZE) and the balance; for a commodity with a start-year scenario, the shortfall of a cut "
           "against new capacity outside the exporter.")
sel = controls("Outlook")
runs, seed = SWEEP_RUNS, SCENARIO_SEED
if sweep_scenario_file(sel["commodity"]) is not None:
    sb = st.sidebar
    sb.markdown(f"**Capacity sweep** (`--sweep {SWEEP}`)")
    runs = int(sb.number_input("Runs per value", min_value=100, max_value=20_000, value=SWEEP_RUNS, step=500,
                               key="sweep_runs"))
    seed = int(sb.number_input("Seed", min_value=0, value=SCENARIO_SEED, step=1, key="sweep_seed"))
try:
    view = _view(sel["commodity"], sel["region"], sel["stage"], runs, seed)
except Exception as exc:  # noqa: BLE001 - a data gap is shown, not raised
    st.warning(f"No outlook for this selection: {exc}")
else:
    render_view(view, key="outlook")
