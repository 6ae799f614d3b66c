"""The verdict rule, and the detectors end to end on hand-made panels with a known story."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from critmin.errors import DataError
from critmin.monitor import CONTRACT_KEYS, DETECTORS, Panel, get_detector
from critmin.monitor.signals import SIGNALS
from critmin.monitor.verdict import DEFAULT_WEIGHTS, VerdictRule, combine, evidence_table, label

IDX = pd.date_range("2018-01", periods=3, freq="MS")


def _signals(gate: float, fall: float, **scores: float) -> dict[str, pd.DataFrame]:
    """Three identical months with the given level-break gate and signal scores (others missing)."""
    out = {"level_break": pd.DataFrame({"value": -0.5, "score": gate, "fall": fall}, index=IDX)}
    for name, s in scores.items():
        out[name] = pd.DataFrame({"value": 0.0, "score": s}, index=IDX)
    return out


def _logistic(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def test_restriction_like_when_a_sharp_fall_has_restriction_evidence():
    v = combine(_signals(1.0, 1.0, control_group=1.0, front_running=1.0, breadth=0.8)).iloc[0]
    p = _logistic(2.0 * 1 + 2.0 * 1 + 2.5 * 0.6)
    assert v["p_restriction"] == pytest.approx(p)
    assert v["score"] == pytest.approx(p)
    assert v["verdict"] == "restriction-like"
    assert v["n_missing"] == 3  # price, selectivity, recovery not given: counted as 0.5


def test_demand_like_when_related_lines_fell_too():
    v = combine(_signals(1.0, 1.0, control_group=0.0, breadth=0.2)).iloc[0]
    assert v["p_restriction"] == pytest.approx(_logistic(-2.0 - 2.5 * 0.6))
    assert v["verdict"] == "demand-like"


def test_no_fall_is_no_fall_and_neutral_evidence_is_ambiguous():
    quiet = combine(_signals(0.0, 0.0, control_group=1.0)).iloc[0]
    assert quiet["score"] == 0.0 and quiet["verdict"] == "no fall"  # not evidence of demand (issue 13)
    neutral = combine(_signals(1.0, 1.0, **{s: 0.5 for s in SIGNALS[1:]})).iloc[0]
    assert neutral["p_restriction"] == pytest.approx(0.5) and neutral["score"] == pytest.approx(0.5)
    assert neutral["verdict"] == "ambiguous"


def test_gradual_fall_with_restriction_evidence_is_ambiguous():
    v = combine(_signals(0.5, 1.0, control_group=1.0, front_running=1.0, breadth=0.8)).iloc[0]
    assert v["score"] == pytest.approx(0.5 * _logistic(5.5))
    assert v["verdict"] == "ambiguous"


def test_rule_is_overridable_and_label_edges():
    rule = VerdictRule(weights={**DEFAULT_WEIGHTS, "control_group": 10.0}, restriction_at=0.9)
    v = combine(_signals(1.0, 1.0, control_group=1.0), rule).iloc[0]
    assert v["p_restriction"] == pytest.approx(_logistic(10.0))
    assert v["verdict"] == "restriction-like"
    assert label(float("nan"), 1.0, 0.5) == "ambiguous"
    assert label(0.7, 1.0, 0.9) == "restriction-like"
    assert label(0.3, 0.1, 0.9) == "no fall"       # no substantial fall
    assert label(0.3, 1.0, 0.3) == "demand-like"   # evidence for demand
    assert label(0.5, 1.0, 0.5) == "ambiguous"


def test_evidence_table_lists_every_signal_with_a_note():
    sig = _signals(1.0, 1.0)
    sig["level_break"] = sig["level_break"].assign(
        magnitude=1.0, persistence=1.0, abruptness=1.0, abrupt_share=1.0, next_value=-0.5, prev_value=0.0,
        break_near=1.0)
    sig["control_group"] = pd.DataFrame({"value": -0.5, "score": 1.0, "target_change": -0.5,
                                         "control_change": 0.0, "unexplained": 1.0}, index=IDX)
    t = evidence_table(sig, 1)
    assert list(t.columns) == ["name", "value", "score", "weight", "note"]
    assert list(t["name"]) == ["level_break", "control_group"]
    assert t["weight"].iloc[0] == "gate" and t["weight"].iloc[1] == DEFAULT_WEIGHTS["control_group"]
    assert "controls did not follow" in t["note"].iloc[1]


# ----------------------------------------------------------------------------- end to end
def _wiggle(n: int, k: float, amp: float = 0.03) -> np.ndarray:
    return amp * np.sin(np.arange(n) * k)


def _panel(story: str, n: int = 72, t0: int = 48) -> Panel:
    """Two tested lines' total to three partners, a control line and an other line, with a story."""
    idx = pd.date_range("2018-01", periods=n, freq="MS")
    season = 0.2 * np.cos(2 * np.pi * (idx.month.to_numpy() - 1) / 12)
    base = np.exp(season)
    parts = {p: 1e5 * w * base * np.exp(_wiggle(n, k)) for p, w, k in
             (("USA", 3.0, 1.3), ("JPN", 2.0, 2.1), ("VNM", 1.0, 2.9))}
    control = 5e4 * base * np.exp(_wiggle(n, 1.7))
    other = 2e6 * base * np.exp(_wiggle(n, 2.3))
    uv = np.full(n, 10.0)
    if story == "restriction":
        for p in parts:
            parts[p][t0 - 1] *= 1.4              # front-running
            parts[p][t0:] *= 0.3                 # 70 % cut
            parts[p][t0 + 2:] *= 1.6             # licences restore part of it
        parts["VNM"][t0:] = parts["VNM"][t0 - 2] * np.exp(_wiggle(n - t0, 0.9))  # one partner spared
        uv[t0:] *= 1.25
    elif story == "demand":
        for p in parts:
            parts[p][t0:] *= 0.4
        control[t0:] *= 0.45
        other[t0:] *= 0.5
        uv[t0:] *= 0.9
    by_partner = pd.DataFrame(parts, index=idx)
    qty = by_partner.sum(axis=1)
    panel = Panel(quantity=qty, value=qty * uv, by_partner=by_partner,
                  control=pd.DataFrame({"C1": control}, index=idx),
                  other=pd.DataFrame({"O1": other}, index=idx), exporter="XXX", hs=("T1", "T2"),
                  control_hs=("C1",), other_hs=("O1",), partners=("USA", "JPN", "VNM"),
                  partner_kind="country")
    panel.warnings.extend(panel.coverage_warnings())
    return panel


def test_restriction_story_is_restriction_like_at_its_month():
    det = get_detector("evidence").fit(_panel("restriction"))
    res = det.predict("2022-01")  # month 48
    assert res.verdict == "restriction-like" and res.score >= 0.8
    sig = res.signals.set_index("name")
    assert sig.loc["front_running", "score"] == pytest.approx(1.0)
    assert sig.loc["control_group", "score"] == pytest.approx(1.0)
    assert sig.loc["price_wedge", "score"] == pytest.approx(1.0)
    assert sig.loc["destination_selectivity", "score"] > 0.6
    assert sig.loc["licence_recovery", "score"] == pytest.approx(0.75)
    # USA (3) and JPN (2) cut by 70 %, VNM (1) spared: (5 x 0.3 + 1) / 6 of last year
    assert res.yoy_change == pytest.approx((5 * 0.3 + 1) / 6 - 1, abs=0.05)
    assert any(b.direction == "down" and b.month in ("2021-12", "2022-01", "2022-02")
               for b in res.breaks.itertuples())
    called = det.months.loc[det.months["verdict"] == "restriction-like", "month"].tolist()
    assert called and all(m in ("2021-12", "2022-01", "2022-02") for m in called)


def test_demand_story_is_demand_like_everywhere():
    det = get_detector("evidence").fit(_panel("demand"))
    res = det.predict("2022-01")
    assert res.verdict == "demand-like"
    assert res.baseline_deviation == pytest.approx(-0.6, abs=0.05)
    sig = res.signals.set_index("name")
    assert sig.loc["control_group", "score"] < 0.2 and sig.loc["breadth", "score"] < 0.3
    assert (det.months["verdict"] != "restriction-like").all()


def test_result_json_has_the_contract_keys():
    res = get_detector("evidence").fit(_panel("restriction")).predict("2022-01")
    d = res.to_dict()
    assert set(CONTRACT_KEYS) <= set(d)
    assert d["exporter"] == "XXX" and d["hs"] == ["T1", "T2"] and d["month"] == "2022-01"
    assert [s["name"] for s in d["signals"]] == list(SIGNALS)
    for s in d["signals"]:
        assert set(s) >= {"name", "value", "score", "note"}
        assert s["score"] is None or 0.0 <= s["score"] <= 1.0
    assert 0.0 <= d["score"] <= 1.0
    assert all(set(b) >= {"month", "size"} for b in d["breaks"])
    assert isinstance(d["warnings"], list) and len(d["series"]) == 72


def test_warnings_for_missing_data_and_month_outside():
    p = _panel("restriction")
    p.quantity.iloc[30] = np.nan
    p.warnings = p.coverage_warnings()
    det = get_detector("evidence").fit(p)
    res = det.predict("2020-07")  # month 30: missing
    assert res.verdict == "ambiguous" and math.isnan(res.score)
    assert any("missing" in w for w in res.warnings)
    assert any("no data for 2020-07" in w for w in res.warnings)
    assert any("too little history" in w for w in det.predict("2018-03").warnings)
    last = det.predict()
    assert last.month == "2023-12" and any("not in the data yet" in w for w in last.warnings)
    with pytest.raises(DataError, match="outside the data"):
        det.predict("2030-01")
    lone = Panel(quantity=p.quantity, value=p.value)
    lone.warnings = lone.coverage_warnings()
    w = get_detector("evidence").fit(lone).predict("2022-01").warnings
    assert any("control lines" in x for x in w) and any("selectivity" in x for x in w)


def test_naive_detectors_and_registry():
    assert set(DETECTORS) >= {"evidence", "breaks", "yoy"}
    yoy = get_detector("yoy").fit(_panel("demand")).predict("2022-01")
    assert yoy.verdict == "restriction-like"  # the press reading calls a 60 % demand slump a restriction
    brk = get_detector("breaks").fit(_panel("demand"))
    assert (brk.months["verdict"] == "restriction-like").sum() >= 1
    with pytest.raises(ValueError, match="unknown monitor method"):
        get_detector("nope")


def test_panel_from_rows_picks_one_partner_granularity():
    rows = []
    for m in pd.date_range("2020-01", periods=30, freq="MS"):
        for hs in ("280530", "284690"):
            rows.append((m, hs, "BLOC:Adversary", "bloc", 100.0, 1000.0))
            rows.append((m, hs, "BLOC:Intermediary", "bloc", 50.0, 500.0))
            rows.append((m, hs, "USA", "country", 60.0, 600.0))
            rows.append((m, hs, "JPN", "country", 30.0, 300.0))
        rows.append((m, "850511", "BLOC:Adversary", "bloc", 10.0, 100.0))
        rows.append((m, "250410", "BLOC:Adversary", "bloc", 7.0, 7.0))
        rows.append((m, "280530+284690", "BLOC:Adversary+Intermediary", "bloc", 999.0, 1.0))
    df = pd.DataFrame(rows, columns=["period", "hs_code", "partner", "partner_kind", "quantity_kg",
                                     "value_usd"])
    df.loc[5, "quantity_kg"] = np.nan  # a bloc row without quantity in month 0
    p = Panel.from_rows(df, "280530,284690", control="850511", exporter="CHN")
    assert p.quantity.iloc[1] == pytest.approx(300.0)  # blocs, not blocs + countries
    assert math.isnan(p.quantity.iloc[0])  # a partial total is missing, not a fall
    assert any("reports no quantity" in w for w in p.warnings)
    assert list(p.by_partner.columns) == ["JPN", "USA"]  # the finer breakdown
    assert p.other_hs == ("250410",) and p.control_hs == ("850511",)
    assert p.partner_kind == "bloc" and any("bloc totals" in w for w in p.warnings)
    only = Panel.from_rows(df, ["280530"], partners=["adversary"])
    assert only.quantity.iloc[1] == pytest.approx(100.0)
    with pytest.raises(DataError, match="no monthly export quantities"):
        Panel.from_rows(df, "999999")
