"""The Lunar New Year: January and February analysed together for exporters with the holiday (issue 13).

Real case: China's exports of HS 282590 fell to 669 t in February 2019 (-60 % against the seasonal
baseline) after 1,745 t in January: New Year's Day was 5 February, the pre-holiday rush fell in January
and the post-holiday lull in February. The average of the pair, 1,207 t, is ordinary.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from critmin.monitor import get_detector
from critmin.monitor.baseline import (
    LUNAR_NEW_YEAR_EXPORTERS,
    combine_jan_feb,
    lunar_new_year,
    seasonal_baseline,
)
from critmin.monitor.job import _panel, export_rows
from critmin.monitor.panel import prepare
from critmin.monitor.synthetic import LUNAR_NEW_YEAR_DATES, SyntheticSpec, generate, lunar_new_year_profile
from critmin.warehouse import Warehouse


def test_combine_jan_feb_values_and_gaps():
    idx = pd.date_range("2018-02", periods=14, freq="MS")  # starts in February: 2018 has no January
    q = pd.Series(np.arange(1.0, 15.0), index=idx)  # Feb-18 = 1, Jan-19 = 12, Feb-19 = 13
    got = combine_jan_feb(q)
    assert np.isnan(got[0])  # February 2018 alone
    assert got[11] == got[12] == pytest.approx(12.5)
    assert got[1:11].tolist() == q.iloc[1:11].tolist()
    two = combine_jan_feb(np.c_[q.to_numpy(), 2 * q.to_numpy()], idx)
    assert two[12, 1] == pytest.approx(25.0)
    q2 = q.copy()
    q2.iloc[12] = np.nan  # February 2019 missing: January cannot be assessed alone
    assert np.isnan(combine_jan_feb(q2)[11])
    with pytest.raises(ValueError):
        combine_jan_feb(np.ones(3), idx)


def test_which_exporters():
    assert lunar_new_year("CHN") and lunar_new_year("chn") and lunar_new_year("VNM")
    assert not lunar_new_year("AUS") and not lunar_new_year("SYN") and not lunar_new_year(None)
    assert {"CHN", "HKG", "TWN", "KOR"} <= LUNAR_NEW_YEAR_EXPORTERS


def test_seasonal_baseline_on_the_pair():
    idx = pd.date_range("2016-01", periods=48, freq="MS")
    q = pd.Series(100.0 * np.exp(np.random.default_rng(1).normal(0, 0.05, 48)), index=idx)
    q[idx.month == 1] *= 1.3
    q[idx.month == 2] *= 0.7
    q["2019-01-01"], q["2019-02-01"] = 160.0, 40.0  # the holiday moved: about the same pair total
    plain = seasonal_baseline(q)
    pair = seasonal_baseline(q, jan_feb=True)
    assert plain.loc["2019-02-01", "baseline_deviation"] < -0.3
    assert abs(pair.loc["2019-02-01", "baseline_deviation"]) < 0.1
    assert pair.loc["2019-02-01", "quantity_kg"] == 40.0  # reported quantities are kept


def test_profile_moves_with_the_calendar():
    idx = pd.date_range("2019-01", periods=26, freq="MS")
    p = pd.Series(lunar_new_year_profile(idx, rush=0.3, lull=0.7), index=idx.strftime("%Y-%m"))
    assert p["2019-02"] < -0.4 and p["2019-01"] > 0  # 5 February: rush in January, lull in February
    assert p["2020-01"] < -0.1 and p["2020-02"] < -0.1  # 25 January: the lull straddles both
    assert (p[[m for m in p.index if m[5:] not in ("01", "02", "03")]] == 0).all()
    assert LUNAR_NEW_YEAR_DATES[2019] == "2019-02-05" and LUNAR_NEW_YEAR_DATES[2024] == "2024-02-10"


def test_synthetic_moving_holiday_stops_producing_falls():
    """30 cases without any event, the holiday on its real dates (depth varying by line): analysed
    month by month the holiday reads as falls in January to March; the pair removes them."""
    spec = SyntheticSpec(moving_lny=True, exporter="CHN")
    rng = np.random.default_rng(3)
    falls = {True: 0, False: 0}
    alarms = {True: 0, False: 0}
    for _ in range(30):
        case = generate("none", rng=rng, spec=spec)
        panel = case.panel()
        assert prepare(panel).jan_feb  # the default for CHN
        for jf in (True, False):
            m = get_detector("evidence", jan_feb=jf).fit(panel).months.dropna(subset=["score"])
            early = pd.DatetimeIndex(m.index).month <= 3
            falls[jf] += int(((m["fall"] >= 0.25) & early).sum())
            alarms[jf] += int((m["verdict"] == "restriction-like").sum())
    assert falls[False] >= 10 and falls[True] <= 3
    assert alarms[True] == 0


@pytest.fixture(scope="module")
def rows():
    wh = Warehouse(":memory:")
    wh.build_from_bundle()
    yield export_rows(wh, "CHN")
    wh.close()


def _months(rows, code: str, jan_feb: bool) -> pd.DataFrame:
    panel = _panel(rows, "CHN", (code,), partners=None, control=None)
    return get_detector("evidence", jan_feb=jan_feb).fit(panel).months


def test_february_2019_on_hs_282590(rows):
    plain = _months(rows, "282590", False).set_index("month")
    pair = _months(rows, "282590", True).set_index("month")
    assert plain.loc["2019-02", "quantity_kg"] == pytest.approx(669_197.0)
    assert plain.loc["2019-01", "quantity_kg"] == pytest.approx(1_745_012.0)
    assert plain.loc["2019-02", "fall"] == pytest.approx(1.0)  # month by month: a full fall
    assert plain.loc["2019-02", "baseline_deviation"] < -0.5
    assert pair.loc["2019-02", "verdict"] == "no fall" and pair.loc["2019-02", "fall"] < 0.25
    assert pair.loc["2019-02", "quantity_kg"] == pytest.approx(669_197.0)  # reported, not averaged
    assert abs(pair.loc["2019-02", "baseline_deviation"]) < 0.3


def test_no_january_or_february_alarm_on_any_real_series(rows):
    lines = sorted(c for c in rows["hs_code"].unique() if len(c) == 6 and c.isdigit())
    assert len(lines) == 12
    falls = {True: 0, False: 0}
    for code in lines:
        for jf in (True, False):
            m = _months(rows, code, jf).dropna(subset=["score"])
            jfm = m[pd.DatetimeIndex(m.index).month <= 2]
            falls[jf] += int((jfm["fall"] >= 0.25).sum())
            if jf:
                assert not (jfm["verdict"] == "restriction-like").any(), code
                assert not (m[pd.DatetimeIndex(m.index).month == 3]["verdict"] == "restriction-like").any()
    # the remaining January-February falls are of the pair (January-February 2020, and 2024 after the
    # graphite controls), not of one month against the other
    assert falls[True] < falls[False]
