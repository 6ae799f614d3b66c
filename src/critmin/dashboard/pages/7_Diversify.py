"""critmin dashboard: the Diversify page (the supplier-mix frontier, with its own objective and budget)."""

import streamlit as st

from critmin.dashboard.common import controls, render_view, warehouse
from critmin.report.context import ANALYSES
from critmin.report.sections import diversify_view


@st.cache_resource(max_entries=32, show_spinner="Solving the frontier…")
def _frontier(commodity: str, region: str, stage: str | None, objective: str, premium_max: float,
              at: float):
    from critmin.diversify import diversify

    return diversify(commodity, importer=region, objective=objective, premium_max=premium_max, at=at,
                     stage=stage, warehouse=warehouse())


st.set_page_config(page_title="critmin · Diversify", layout="wide")
st.title("Diversify")
st.caption("Whom should we buy from? The supplier mix with the least risk at each premium budget.")
sel = controls("Diversify")
if not ANALYSES["diversify"].available():
    st.info(f"**{ANALYSES['diversify'].title}**: not yet available in this version "
            f"(needs `{ANALYSES['diversify'].requires}`).")
else:
    sb = st.sidebar
    sb.markdown("**Supplier mix**")
    objective = sb.selectbox("Objective", ["shortfall", "geopolrisk", "hhi"], key="objective",
                             help="shortfall: expected shortfall under per-supplier disruptions drawn "
                                  "from the commodity's scenario; geopolrisk: sum of g_i x_i; hhi: sum of "
                                  "x_i^2")
    premium_max = sb.slider("Largest premium [%]", 5, 100, 20, step=5, key="premium_max") / 100
    at = sb.slider("Mix shown at a premium of [%]", 0, 100, 10, step=1, key="at") / 100
    try:
        res = _frontier(sel["commodity"], sel["region"], sel["stage"], objective, premium_max,
                        min(at, premium_max))
    except Exception as exc:  # noqa: BLE001 - a data gap is shown, not raised
        st.warning(f"No supplier-mix frontier for this selection: {exc}")
    else:
        render_view(diversify_view(res), key="diversify")
