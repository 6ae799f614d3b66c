"""Each evidence signal of docs/methods.md §3 on hand-made series with known answers.

The series are deseasonalised log quantities (flat, no season), so every value can be worked out by hand:
a fall to 40 % of the level is ``log(0.4)``, the pre-period is months t-12 .. t-3, the post level the
mean of t and t+1.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from critmin.monitor.baseline import log_level
from critmin.monitor.signals import (
    breadth,
    control_group,
    destination_selectivity,
    front_running,
    level_break,
    licence_recovery,
    note,
    price_wedge,
    ramp,
)

N = 40
T = 24  # the month tested
IDX = pd.date_range("2018-01", periods=N, freq="MS")
LEVEL = math.log(1e6)


def flat(level: float = LEVEL) -> pd.Series:
    return pd.Series(np.full(N, level), index=IDX)


def step(frac: float, at: int = T, level: float = LEVEL) -> pd.Series:
    """A flat series that falls to ``frac`` of its level from month ``at`` on."""
    s = flat(level)
    s.iloc[at:] += math.log(frac)
    return s


def test_ramp():
    np.testing.assert_allclose(ramp(np.array([0.0, 0.5, 1.0, 2.0]), 0.5, 1.5), [0.0, 0.0, 0.5, 1.0])
    assert math.isnan(ramp(np.nan, 0, 1))


# ----------------------------------------------------------------------------- level break
def test_level_break_abrupt_persistent_fall():
    lb = level_break(step(0.4), sigma=0.0)
    r = lb.iloc[T]
    assert r["value"] == pytest.approx(-0.6)
    assert r["magnitude"] == 1.0 and r["persistence"] == 1.0 and r["abruptness"] == 1.0
    assert r["score"] == pytest.approx(1.0)
    assert lb["score"].iloc[T - 1] == 0.0  # nothing before
    # the month after: still 60 % down, but the fall had happened: not a new onset
    assert lb["value"].iloc[T + 1] == pytest.approx(-0.6)
    assert lb["abruptness"].iloc[T + 1] == 0.0
    assert lb["score"].iloc[T + 1] == pytest.approx(0.5)
    assert "abrupt" in note("level_break", r) and "persists" in note("level_break", r)


def test_level_break_gradual_fall_counts_half():
    s = flat()
    s.iloc[T - 2] += math.log(0.8)
    s.iloc[T - 1] += math.log(0.6)
    s.iloc[T:] += math.log(0.4)
    r = level_break(s, sigma=0.0).iloc[T]
    # share of the fall that happened at t: log(0.6 / 0.4) / log(1 / 0.4)
    share = math.log(1.5) / math.log(2.5)
    assert r["abrupt_share"] == pytest.approx(share)
    assert r["abruptness"] == pytest.approx((share - 0.3) / 0.4)
    assert r["score"] == pytest.approx(0.5 + 0.5 * (share - 0.3) / 0.4)
    assert "not abrupt" in note("level_break", r)


def test_level_break_one_month_dip_is_not_a_fall_but_a_collapse_is():
    dip = flat()
    dip.iloc[T] += math.log(0.5)
    r = level_break(dip, sigma=0.0).iloc[T]
    assert r["value"] == pytest.approx(-0.5) and r["magnitude"] == 1.0
    assert r["persistence"] == 0.0 and r["score"] == 0.0
    collapse = flat()
    collapse.iloc[T] += math.log(0.05)
    assert level_break(collapse, sigma=0.0)["score"].iloc[T] == pytest.approx(1.0)


def test_level_break_size_thresholds_and_noise():
    small = level_break(step(0.9), sigma=0.0).iloc[T]  # a 10 % fall: log 0.105 < 0.2
    assert small["magnitude"] == 0.0 and small["score"] == 0.0
    mid = level_break(step(math.exp(-0.3)), sigma=0.0).iloc[T]  # half-way between 0.2 and 0.4
    assert mid["magnitude"] == pytest.approx(0.5)
    noisy = level_break(step(math.exp(-0.3)), sigma=0.2).iloc[T]  # thresholds 2 and 3.5 sigma
    assert noisy["magnitude"] == 0.0


def test_level_break_needs_a_change_point_when_breaks_are_given():
    s = step(0.4)
    none = pd.DataFrame({"month": [], "size": []})
    assert level_break(s, sigma=0.0, breaks=none)["score"].iloc[T] == pytest.approx(0.5)
    here = pd.DataFrame({"month": [IDX[T + 1].strftime("%Y-%m")], "size": [-0.6]})
    assert level_break(s, sigma=0.0, breaks=here)["score"].iloc[T] == pytest.approx(1.0)
    up = pd.DataFrame({"month": [IDX[T].strftime("%Y-%m")], "size": [0.6]})
    assert level_break(s, sigma=0.0, breaks=up)["score"].iloc[T] == pytest.approx(0.5)


def test_level_break_last_month_and_short_history():
    s = step(0.4, at=N - 1)
    r = level_break(s, sigma=0.0).iloc[N - 1]
    assert r["persistence"] == 0.75 and r["score"] == pytest.approx(0.75)
    assert "not in the data" in note("level_break", r)
    early = level_break(step(0.4, at=5), sigma=0.0).iloc[5]
    assert math.isnan(early["value"]) and math.isnan(early["score"])
    assert "too little history" in note("level_break", early)


# ----------------------------------------------------------------------------- front-running
def test_front_running_surge_before_t():
    s = step(0.4)
    s.iloc[T - 1] += math.log(1.5)
    fr = front_running(s, sigma=0.0)
    r = fr.iloc[T]
    assert r["value"] == pytest.approx(0.5) and r["lag"] == 1
    assert r["score"] == pytest.approx(1.0)  # log 1.5 = 0.405 > 0.3
    assert "surge of +50%" in note("front_running", r)
    assert fr["score"].iloc[T - 5] == pytest.approx(0.35)  # no surge: the floor
    small = flat()
    small.iloc[T - 2] += 0.2  # half-way between 0.1 and 0.3
    r2 = front_running(small, sigma=0.0).iloc[T]
    assert r2["lag"] == 2 and r2["score"] == pytest.approx(0.35 + 0.65 * 0.5)


# ----------------------------------------------------------------------------- control group
def test_control_group_flat_controls_point_to_restriction():
    cg = control_group(step(0.4), flat(0.0)).iloc[T]
    assert cg["target_change"] == pytest.approx(-0.6)
    assert cg["control_change"] == pytest.approx(0.0)
    assert cg["value"] == pytest.approx(-0.6)  # difference-in-differences exp(dt - dc) - 1
    assert cg["unexplained"] == pytest.approx(1.0) and cg["score"] == 1.0
    assert "did not follow" in note("control_group", cg)


def test_control_group_controls_falling_too_point_to_demand():
    cg = control_group(step(0.4), step(0.4, level=0.0)).iloc[T]
    assert cg["value"] == pytest.approx(0.0) and cg["score"] == 0.0
    assert "fell too" in note("control_group", cg)
    part = control_group(step(0.4), step(0.7, level=0.0)).iloc[T]
    unexplained = 1 - math.log(0.7) / math.log(0.4)
    assert part["unexplained"] == pytest.approx(unexplained)
    assert part["score"] == pytest.approx((unexplained - 0.3) / 0.5)


def test_control_group_without_fall_or_controls():
    assert control_group(flat(), flat(0.0))["score"].iloc[T] == 0.5
    none = control_group(step(0.4), None).iloc[T]
    assert math.isnan(none["score"]) and "no control lines" in note("control_group", none)


# ----------------------------------------------------------------------------- price wedge
def test_price_wedge_rise_fall_and_missing():
    uv = flat(math.log(20.0))
    up = uv.copy()
    up.iloc[T:] += math.log(1.3)
    r = price_wedge(up, sigma=0.0).iloc[T]
    assert r["value"] == pytest.approx(0.3) and r["score"] == 1.0
    assert "rose" in note("price_wedge", r)
    down = uv.copy()
    down.iloc[T:] += math.log(0.8)
    assert price_wedge(down, sigma=0.0)["score"].iloc[T] == 0.0
    small = uv.copy()
    small.iloc[T:] += 0.09  # half-way between 0.03 and 0.15
    assert price_wedge(small, sigma=0.0)["score"].iloc[T] == pytest.approx(0.75)
    assert price_wedge(uv, sigma=0.0)["score"].iloc[T] == 0.5
    missing = price_wedge(pd.Series(np.nan, index=IDX)).iloc[T]
    assert math.isnan(missing["score"]) and "no export values" in note("price_wedge", missing)


# ----------------------------------------------------------------------------- destination selectivity
def _partners(falls: dict[str, float]) -> pd.DataFrame:
    cols = {}
    for name, frac in falls.items():
        q = np.full(N, 1e5)
        q[T:] *= frac
        cols[name] = log_level(q, floor=1e5 * 0.01)
    return pd.DataFrame(cols, index=IDX)


def test_destination_selectivity_some_partners_stop():
    ds = destination_selectivity(_partners({"USA": 0.0, "JPN": 0.0, "VNM": 1.0, "THA": 1.0})).iloc[T]
    # falls 0.99, 0.99, 0, 0 with equal weights: standard deviation 0.495
    assert ds["value"] == pytest.approx(0.495)
    assert ds["score"] == pytest.approx(1.0)
    assert ds["most_hit"] in ("USA", "JPN") and ds["most_hit_fall"] == pytest.approx(0.99)
    assert ds["least_hit"] in ("VNM", "THA") and ds["least_hit_fall"] == pytest.approx(0.0)
    assert "selective" in note("destination_selectivity", ds)


def test_destination_selectivity_uniform_fall_and_one_partner():
    ds = destination_selectivity(_partners({"USA": 0.4, "JPN": 0.4, "VNM": 0.4})).iloc[T]
    assert ds["value"] == pytest.approx(0.0) and ds["score"] == pytest.approx(0.4)
    assert "uniform across 3 partners" in note("destination_selectivity", ds)
    one = destination_selectivity(_partners({"USA": 0.4})).iloc[T]
    assert math.isnan(one["score"]) and "fewer than two partners" in note("destination_selectivity", one)
    assert destination_selectivity(None).empty


# ----------------------------------------------------------------------------- licence-lag recovery
def test_licence_recovery_partial_full_none():
    s = step(0.2)
    s.iloc[T + 2:] = LEVEL + 0.5 * math.log(0.2)  # half the (log) fall back two months later
    r = licence_recovery(s).iloc[T]
    assert r["value"] == pytest.approx(0.5) and r["score"] == 0.75
    assert "partial" in note("licence_recovery", r)
    full = step(0.2)
    full.iloc[T + 1:] = LEVEL
    rf = licence_recovery(full).iloc[T]
    assert rf["value"] == pytest.approx(1.0) and rf["score"] == pytest.approx(0.3)
    assert licence_recovery(step(0.2))["score"].iloc[T] == 0.5  # a long ban: no recovery
    last = licence_recovery(step(0.2, at=N - 1)).iloc[N - 1]
    assert math.isnan(last["score"]) and "not in the data" in note("licence_recovery", last)
    assert licence_recovery(flat())["score"].iloc[T] == 0.5  # no fall to recover from


# ----------------------------------------------------------------------------- breadth
def test_breadth_broad_fall_is_demand_like():
    target = step(0.4)
    parts = _partners({"USA": 0.4, "JPN": 0.4, "VNM": 0.4, "THA": 0.4})
    b = breadth(target, parts, step(0.4, level=0.0)).iloc[T]
    assert b["partner_breadth"] == pytest.approx(1.0) and b["product_breadth"] == pytest.approx(1.0)
    assert b["value"] == pytest.approx(1.0) and b["score"] == pytest.approx(0.2)
    assert "broad" in note("breadth", b)


def test_breadth_narrow_fall_is_restriction_like():
    target = step(0.7)  # the total falls 30 %: two of four partners stop... (60 % of volume)
    parts = _partners({"USA": 0.0, "JPN": 1.0, "VNM": 1.0, "THA": 0.0})
    b = breadth(target, parts, flat(0.0)).iloc[T]
    assert b["partner_breadth"] == pytest.approx(0.5)
    assert b["product_breadth"] == pytest.approx(0.0)
    assert b["value"] == pytest.approx(0.25) and b["score"] == pytest.approx(0.65)
    assert breadth(flat())["score"].iloc[T] == 0.5  # no fall
    only_products = breadth(step(0.4), None, step(0.7, level=0.0)).iloc[T]
    assert only_products["value"] == pytest.approx(0.3 / 0.6)
