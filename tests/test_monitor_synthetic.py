"""Synthetic truth: the generator's stories are what they claim, and the scorer counts them right.

The full benchmark (1,000 cases of each kind) is ``benchmarks/bench_monitor.py``; here a small seeded
run with a loose bound keeps CI fast.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from critmin.monitor import Panel, generate, generate_many, score_cases
from critmin.monitor.scoring import CaseOutcome, match_months, summarise
from critmin.monitor.synthetic import SyntheticSpec

# no noise, no season, no trend: every effect can be read off exactly
CLEAN = SyntheticSpec(noise=(0.0, 0.0), seasonal_amp=(0.0, 0.0), line_seasonal=0.0, lny_dip=(0.0, 0.0),
                      trend_sd=0.0, drift_sd=0.0, uv_noise=(0.0, 0.0), uv_trend_sd=0.0)


def _lines(case, codes):
    i = [case.lines.index(c) for c in codes]
    return case.quantity[:, i, :].sum(axis=(1, 2))


def test_same_seed_same_cases():
    a, b = generate("both", rng=5), generate("both", rng=5)
    np.testing.assert_array_equal(a.quantity, b.quantity)
    assert a.restriction_months == b.restriction_months and a.demand_months == b.demand_months
    c = generate("both", rng=6)
    assert not np.array_equal(a.quantity, c.quantity)
    kinds = [k.kind for k in generate_many(2, seed=1)]
    assert kinds == ["demand", "restriction", "both"] * 2


def test_restriction_story_exact():
    case = generate("restriction", rng=11, spec=CLEAN)
    e = case.params["restriction"][0]
    t0, fm, lag = e["month"], e["front_months"], e["licence_lag"]
    tgt = _lines(case, case.hs)
    before = tgt[t0 - fm - 1]
    assert tgt[t0 - 1] / before == pytest.approx(1 + e["front"])          # front-running
    assert tgt[t0] / before == pytest.approx(1 - e["total_cut"])           # the cut
    assert tgt[t0 + lag] / before == pytest.approx(1 - (1 - e["licence_share"]) * e["total_cut"])
    np.testing.assert_allclose(_lines(case, case.control), _lines(case, case.control)[0])  # flat
    np.testing.assert_allclose(_lines(case, case.other), _lines(case, case.other)[0])
    uv = case.value[:, 0, 0] / case.quantity[:, 0, 0]
    assert uv[t0] / uv[t0 - 1] == pytest.approx(1 + e["uv_rise"])
    assert case.restriction_months == [case.months[t0].strftime("%Y-%m")] and not case.demand_months
    assert 0.4 <= e["depth"] <= 0.95


def test_demand_story_moves_every_line():
    case = generate("demand", rng=3, spec=CLEAN)
    e = case.params["demand"][0]
    t0, top = e["month"], e["month"] + e["onset"]
    for codes in (case.hs, case.control, case.other):
        q = _lines(case, codes)
        assert q[top] < q[t0 - 1] * 0.97  # every role falls
        assert q[top - 1] <= q[t0 - 1]
    assert case.demand_months == [case.months[t0].strftime("%Y-%m")] and not case.restriction_months


def test_both_events_apart_and_none_has_neither():
    for seed in range(10):
        c = generate("both", rng=seed)
        r, d = (pd.Period(c.restriction_months[0]), pd.Period(c.demand_months[0]))
        assert abs((r - d).n) >= SyntheticSpec().min_gap
    quiet = generate("none", rng=1)
    assert not quiet.restriction_months and not quiet.demand_months
    with pytest.raises(ValueError):
        generate("war")


def test_rows_and_panel_agree():
    case = generate("restriction", rng=2)
    direct = case.panel()
    rebuilt = Panel.from_rows(case.rows(), case.hs, control=case.control, other=case.other)
    np.testing.assert_allclose(rebuilt.quantity.to_numpy(), direct.quantity.to_numpy())
    np.testing.assert_allclose(rebuilt.value.to_numpy(), direct.value.to_numpy())
    np.testing.assert_allclose(rebuilt.by_partner[list(case.partners)].to_numpy(),
                               direct.by_partner.to_numpy())
    assert rebuilt.other_hs == case.other


def test_match_months_within_one_month():
    assert match_months(["2020-08", "2020-09", "2021-05"], ["2020-08"]) == \
        {"tp": 2, "fp": 1, "found": 1, "missed": 0}
    assert match_months([], ["2020-08"]) == {"tp": 0, "fp": 0, "found": 0, "missed": 1}
    assert match_months(["2020-10"], ["2020-08"]) == {"tp": 0, "fp": 1, "found": 0, "missed": 1}
    assert match_months(["2020-10"], ["2020-08"], tolerance=2)["tp"] == 1


def test_summarise_counts():
    outs = [
        CaseOutcome("restriction", ["2020-01"], {"tp": 1, "fp": 0, "found": 1, "missed": 0},
                    [("restriction", "restriction-like")], {"demand-like": 90}, 0.01),
        CaseOutcome("demand", ["2021-01"], {"tp": 0, "fp": 1, "found": 0, "missed": 0},
                    [("demand shock", "restriction-like")], {"demand-like": 89, "ambiguous": 1}, 0.01),
        CaseOutcome("demand", [], {"tp": 0, "fp": 0, "found": 0, "missed": 0},
                    [("demand shock", "demand-like")], {"demand-like": 93}, 0.01),
    ]
    rep = summarise(outs)
    assert rep.precision == pytest.approx(0.5) and rep.recall == pytest.approx(1.0)
    assert rep.demand_false_alarm == pytest.approx(0.5)
    assert rep.confusion.loc["demand shock", "restriction-like"] == 1
    assert rep.confusion.loc["no event", "demand-like"] == 272
    assert rep.by_kind.loc["demand", "cases_with_false_alarm"] == 1


def test_small_seeded_run_scores_well():
    """17 cases of each kind (51 series): loose bounds; the benchmark holds the real targets."""
    rep = score_cases(generate_many(17, seed=101))
    assert rep.n_cases == 51
    assert rep.precision >= 0.75 and rep.recall >= 0.75
    assert rep.demand_false_alarm <= 0.25
    events = rep.confusion.loc[["restriction", "demand shock"]].sum(axis=1)
    assert events["restriction"] == 34 and events["demand shock"] == 34
    assert rep.confusion.loc["restriction", "restriction-like"] > rep.confusion.loc["demand shock",
                                                                                    "restriction-like"]
