"""Concentration metrics: hand-checked values and HHI properties."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from critmin.errors import ConsistencyError
from critmin.supply.concentration import (
    check_world_total,
    governance_weighted_hhi,
    hhi,
    hhi_band,
    hhi_points,
    reserves_to_production,
    shares,
    supply_table,
    top_n_share,
)

quantities = st.lists(st.floats(min_value=0.001, max_value=1e9, allow_nan=False), min_size=1,
                      max_size=30)


def test_hhi_hand_checked():
    # two equal suppliers: 0.5^2 + 0.5^2
    assert hhi([10, 10]) == pytest.approx(0.5)
    # 60/30/10: 0.36 + 0.09 + 0.01
    assert hhi([60, 30, 10]) == pytest.approx(0.46)
    assert hhi_points([60, 30, 10]) == pytest.approx(4600)
    assert hhi([1.0]) == 1.0
    assert math.isnan(hhi([]))
    assert hhi([0.6, 0.3], normalize=False) == pytest.approx(0.45)


def test_hhi_bands():
    assert hhi_band(0.10) == "low"
    assert hhi_band(0.20) == "moderate"
    assert hhi_band(0.46) == "high"


@given(quantities)
def test_hhi_bounds(q):
    h = hhi(q)
    n = len(q)
    assert 1.0 / n - 1e-12 <= h <= 1.0 + 1e-12


@given(quantities, st.randoms(use_true_random=False))
def test_hhi_permutation_invariant(q, rnd):
    p = list(q)
    rnd.shuffle(p)
    assert hhi(p) == pytest.approx(hhi(q), rel=1e-12)


@given(st.lists(st.floats(min_value=0.001, max_value=1e9, allow_nan=False), min_size=2,
                max_size=30), st.data())
def test_merging_two_suppliers_never_lowers_hhi(q, data):
    i = data.draw(st.integers(0, len(q) - 1))
    j = data.draw(st.integers(0, len(q) - 1).filter(lambda k: k != i))
    merged = [x for k, x in enumerate(q) if k not in (i, j)] + [q[i] + q[j]]
    assert hhi(merged) >= hhi(q) - 1e-12


def test_shares_and_top_n():
    s = shares({"CHN": 270_000, "USA": 45_000, "MMR": 31_000})
    assert list(s.index) == ["CHN", "USA", "MMR"]
    assert s.sum() == pytest.approx(1.0)
    assert top_n_share({"CHN": 270_000, "USA": 45_000, "MMR": 31_000}, 2) == pytest.approx(
        315_000 / 346_000)


def test_governance_weighted_hhi():
    # 0.7^2*6*1.0 + 0.3^2*2*0.8 = 2.94 + 0.144
    got = governance_weighted_hhi({"CHN": 0.7, "AUS": 0.3}, {"CHN": 6.0, "AUS": 2.0},
                                  {"AUS": 0.8})
    assert got == pytest.approx(3.084)
    with pytest.raises(KeyError, match="MMR"):
        governance_weighted_hhi({"MMR": 1.0}, {"CHN": 5.0})


def test_reserves_to_production():
    assert reserves_to_production(44_000_000, 270_000) == pytest.approx(162.96, abs=0.01)
    assert math.isnan(reserves_to_production(1.0, 0.0))


def test_world_total_check():
    assert check_world_total(99, 100) == pytest.approx(-0.01)
    with pytest.warns(UserWarning, match="differs"):
        check_world_total(80, 100)
    with pytest.raises(ConsistencyError):
        check_world_total(80, 100, strict=True)


def _rows(records):
    base = {"commodity": "x", "stage": "mine", "measure": "production", "product": "",
            "year": 2024, "quantity_t": np.nan, "unit": "t", "missing": None, "estimated": False,
            "edition": "E", "country_raw": ""}
    return pd.DataFrame([{**base, **r} for r in records])


def test_supply_table_excludes_aggregates_from_hhi():
    rows = _rows([
        {"country": "CHN", "country_kind": "country", "value": 60.0, "quantity_t": 60.0},
        {"country": "USA", "country_kind": "country", "value": 30.0, "quantity_t": 30.0},
        {"country": "OTH", "country_kind": "aggregate", "value": 10.0, "quantity_t": 10.0},
        {"country": "WLD", "country_kind": "aggregate", "value": 100.0, "quantity_t": 100.0},
        {"country": "BRA", "country_kind": "country", "value": np.nan, "missing": "withheld"},
    ])
    table, tot = supply_table(rows)
    assert tot["world_total"] == 100.0
    assert tot["countries_total"] == 90.0
    assert tot["other_share"] == pytest.approx(0.10)
    # HHI on the countries' own shares: (2/3)^2 + (1/3)^2
    assert tot["hhi"] == pytest.approx(5 / 9)
    chn = table.set_index("country").loc["CHN"]
    assert chn["share"] == pytest.approx(0.60)  # of the published world total
    assert chn["share_of_countries"] == pytest.approx(2 / 3)
    bra = table.set_index("country").loc["BRA"]
    assert math.isnan(bra["quantity"]) and bra["missing"] == "withheld"
    assert list(table["country"])[:2] == ["CHN", "USA"]
    assert table["cumulative_share"].iloc[1] == pytest.approx(0.90)
