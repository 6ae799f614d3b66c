"""The monitor on China's real exports against the known export controls (issue 13).

* HS 811292, 2019-04 and HS 280530, 2024-09 were restriction-like (0.79, 0.70) with no known control:
  the difference-in-differences took "the controls did not follow" as full evidence, though the tested
  line and its controls part that much in ordinary months (placebo-in-time z -1.6 and -2.4; the graphite
  controls of December 2023: -6.9).
* Gallium/germanium controls (from 2023-08) on the mixed lines 811292, 282560, 282590: "demand-like",
  score 0.0; now "cannot tell: the line mixes controlled and uncontrolled products".
* A month with no fall is "no fall".
* HS 380110, the control line of 250410, was itself partly controlled (graphite, from 2023-12).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from critmin.cli import app
from critmin.monitor import get_detector, monitor, scan
from critmin.monitor.job import _panel, export_rows
from critmin.monitor.signals import control_group
from critmin.monitor.verdict import CANNOT_TELL, NO_FALL, VERDICTS, label
from critmin.warehouse import Warehouse


@pytest.fixture(scope="module")
def wh():
    w = Warehouse(":memory:")
    w.build_from_bundle()
    yield w
    w.close()


@pytest.fixture(scope="module")
def scanned(wh):
    return scan("2019-01", warehouse=wh)


def test_verdict_values_keep_the_old_three():
    assert VERDICTS[:3] == ("restriction-like", "demand-like", "ambiguous")
    assert NO_FALL == "no fall"
    assert CANNOT_TELL == "cannot tell: the line mixes controlled and uncontrolled products"
    assert label(0.0, 0.1, 0.1) == NO_FALL  # no substantial fall, whatever the evidence
    assert label(0.1, 0.5, 0.2) == "demand-like"
    assert label(0.3, 0.5, 0.5) == "ambiguous"
    assert label(0.7, 1.0, 0.8) == "restriction-like"


def test_placebo_in_time_discounts_routine_divergence():
    """A target that parts from its control every few months: one more parting is no evidence; the same
    fall on a pair that moves together is."""
    idx = pd.date_range("2015-01", periods=96, freq="MS")
    rng = np.random.default_rng(0)
    common = np.cumsum(rng.normal(0, 0.03, 96))
    quiet = pd.Series(common + rng.normal(0, 0.03, 96), index=idx)
    wild = quiet + np.where((np.arange(96) // 6) % 2 == 0, 0.0, -0.6)  # parts from the control every 6 months
    ctl = pd.Series(common + rng.normal(0, 0.03, 96), index=idx)
    t = 80
    quiet.iloc[t:] -= 0.7  # the one fall of a pair that moves together
    a = control_group(quiet, ctl)
    b = control_group(wild, ctl)
    assert a["z"].iloc[t] < -4 and a["score"].iloc[t] == pytest.approx(1.0)
    falls = [i for i in range(12, 90)
             if b["unexplained"].iloc[i] >= 0.8 and b["target_change"].iloc[i] < -0.3]
    assert falls
    assert all(b["score"].iloc[i] < 0.75 for i in falls)
    assert all(abs(b["z"].iloc[i]) < 3 for i in falls)


def _months(wh, code):
    rows = export_rows(wh, "CHN")
    det = get_detector("evidence").fit(_panel(rows, "CHN", (code,), partners=None, control=None))
    return det


@pytest.mark.parametrize("code, month, z_hi", [("811292", "2019-04", -1.0), ("280530", "2024-09", -1.5)])
def test_routine_divergences_are_no_longer_restriction_like(wh, code, month, z_hi):
    det = _months(wh, code)
    i = list(det.months["month"]).index(month)
    cg = det.signals["control_group"].iloc[i]
    assert cg["unexplained"] >= 0.8  # the controls did not follow ...
    assert -3.0 < cg["z"] < z_hi  # ... but the pair parts this much in ordinary months
    assert cg["score"] < 0.8
    r = det.months.iloc[i]
    assert r["fall"] >= 0.25 and r["score"] < 0.6 and r["verdict"] != "restriction-like"


def test_graphite_december_2023_is_kept(wh, scanned):
    res = monitor("CHN", "250410", month="2023-12", warehouse=wh)
    assert res.verdict == "restriction-like" and res.score > 0.9
    z = res.signals.set_index("name").loc["control_group"]
    assert z["score"] == pytest.approx(1.0)
    t = scanned.table
    assert list(zip(t["hs"], t["month"], strict=True)) == [("250410", "2023-12")]
    assert t["event"].iloc[0] == "chn-2023-graphite" and t["event_distance"].iloc[0] == 0


def test_partly_controlled_control_line_is_flagged(wh, scanned):
    res = monitor("CHN", "250410", month="2023-12", warehouse=wh)
    m = res.months.set_index("month")
    assert m.loc["2023-12", "control_controlled"] == "380110 (chn-2023-graphite)"
    assert m.loc["2023-11", "control_controlled"] == ""  # not in force yet
    assert any("380110" in w and "partly under a known export control" in w for w in res.warnings)
    assert scanned.table["control_controlled"].iloc[0] == "380110 (chn-2023-graphite)"
    d = scanned.to_dict()["months"][0]
    assert d["event"] == "chn-2023-graphite" and d["control_controlled"] == "380110 (chn-2023-graphite)"


@pytest.mark.parametrize("code", ["811292", "282560", "282590"])
def test_gallium_germanium_lines_cannot_tell(wh, code):
    res = monitor("CHN", code, month="2023-08", warehouse=wh)
    assert res.verdict == CANNOT_TELL
    m = res.months.set_index("month")
    live = m.loc["2023-08":"2024-12"]
    assert (live["known_event"].str.contains("chn-2023-gallium-germanium")).all()
    assert not live["verdict"].isin(["demand-like", NO_FALL]).any()  # never read as evidence of demand
    assert m.loc["2023-07", "known_event"] == ""  # announced, not yet in force
    assert m.loc["2024-12", "known_event"] == "chn-2023-gallium-germanium,chn-2024-us-dual-use"
    assert [e["id"] for e in res.events] == ["chn-2023-gallium-germanium", "chn-2024-us-dual-use"]
    assert any("chn-2023-gallium-germanium" in w and "cannot tell" in w for w in res.warnings)


def test_no_fall_verdict(wh):
    res = monitor("CHN", "280530", month="2023-08", warehouse=wh)
    assert res.verdict == NO_FALL and res.score == pytest.approx(0.0)
    assert res.baseline_deviation > -0.2
    m = res.months.dropna(subset=["score"])
    assert (m.loc[m["fall"] < 0.25, "verdict"].isin([NO_FALL])).all()
    assert not (m.loc[m["fall"] >= 0.25, "verdict"] == NO_FALL).any()


def test_monitor_json_carries_events_and_new_verdicts(wh, tmp_path):
    path = tmp_path / "w.duckdb"
    runner = CliRunner()
    assert runner.invoke(app, ["--db", str(path), "data", "build"]).exit_code == 0
    res = runner.invoke(app, ["--db", str(path), "monitor", "--exporter", "CHN", "--hs", "811292",
                              "--month", "2023-08", "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert d["verdict"] == CANNOT_TELL
    assert d["events"][0]["id"] == "chn-2023-gallium-germanium"
    assert d["events"][0]["effective"] == "2023-08-01"
    s = {r["month"]: r for r in d["series"]}
    assert s["2023-08"]["known_event"] == "chn-2023-gallium-germanium" and s["2019-04"]["known_event"] is None
    res = runner.invoke(app, ["--db", str(path), "monitor", "scan", "--since", "2019-01", "--json"])
    assert res.exit_code == 0
    months = json.loads(res.stdout)["months"]
    assert [(r["hs"], r["month"], r["event"]) for r in months] == [("250410", "2023-12", "chn-2023-graphite")]


def test_chart_marks_known_events(wh):
    from critmin.report import charts

    res = monitor("CHN", "811292", warehouse=wh)
    fig = charts.monitor_exports(res)
    ev = [sh.x0 for sh in fig.layout.shapes if sh.yref == "y domain"]
    assert ev == ["2023-08", "2024-12"]
    texts = [a.text for a in fig.layout.annotations]
    assert "licence 2023-08" in texts and "ban 2024-12 (to USA)" in texts
    assert any(t.name == "known export control (in effect)" for t in fig.data)
    # the change-point lines are still the only paper-wide shapes
    paper = [sh.x0 for sh in fig.layout.shapes if sh.yref == "paper"]
    assert paper == list(res.breaks.sort_values("month")["month"])


def test_apply_known_events_with_a_catalogue_of_ones_own():
    """A synthetic panel without events, its lines named 811292 (tested) and 282560 (control), and a
    licence on both from 2021-01: from then on no month reads as no fall or demand-like, the control is
    flagged, and months before are untouched."""
    from critmin.monitor.events import EVENT_COLUMNS, parse_events
    from critmin.monitor.job import apply_known_events
    from critmin.monitor.panel import Panel
    from critmin.monitor.synthetic import generate

    case = generate("demand", rng=5)
    rows = case.rows().replace({"hs_code": {"T1": "811292", "C1": "282560"}})
    rows = rows[rows["hs_code"].isin(["811292", "282560"])]
    panel = Panel.from_rows(rows, "811292", control="282560", exporter="CHN")
    cat = parse_events("\n".join([
        ",".join(EVENT_COLUMNS),
        "x-ga,CHN,2020-12-01,2021-01-01,,licence,all,gallium;germanium,811292;282560,Ga and Ge,"
        "MOFCOM test,https://example.org/x,",
    ]))
    det = get_detector("evidence", jan_feb=False).fit(panel)
    before = det.months["verdict"].copy()
    known = apply_known_events(det, cat)
    m = det.months
    live = pd.DatetimeIndex(m.index) >= "2021-01-01"
    assert (m.loc[live, "known_event"] == "x-ga").all() and (m.loc[~live, "known_event"] == "").all()
    assert (m.loc[live, "control_controlled"] == "282560 (x-ga)").all()
    assert not m.loc[live, "verdict"].isin([NO_FALL, "demand-like"]).any()
    assert (m.loc[live & before.isin([NO_FALL, "demand-like"]), "verdict"] == CANNOT_TELL).all()
    assert (m.loc[~live, "verdict"] == before[~live]).all()
    assert [e["id"] for e in known] == ["x-ga"] and known[0]["hs_codes"] == ["811292"]
