"""Governance scores: WGI mean, 0–10 rescaling (EU method), GeoPolRisk g (docs/methods.md §2)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from critmin.governance import WGI_INDICATORS, geopolrisk_g, wgi_mean, wgi_scaled
from critmin.sources.wgi import read_wgi
from critmin.supply.concentration import governance_weighted_hhi


def _gov(values: dict[str, list[float]], year: int = 2023) -> pd.DataFrame:
    rows = []
    for country, ests in values.items():
        for ind, est in zip(WGI_INDICATORS, ests, strict=False):
            rows.append({"country": country, "year": year, "indicator": ind, "estimate": est})
    return pd.DataFrame(rows)


@pytest.mark.parametrize(("estimate", "scaled"), [
    (2.5, 0.0), (-2.5, 10.0), (0.0, 5.0), (1.0, 3.0), (-1.25, 7.5),
    (3.1, 0.0), (-2.7, 10.0),  # clipped to the fixed bounds
])
def test_wgi_scaled_known_answers(estimate, scaled):
    assert wgi_scaled(estimate) == pytest.approx(scaled)


def test_wgi_scaled_series_and_arrays():
    s = pd.Series({"AAA": 2.5, "BBB": -2.5, "CCC": 0.0, "DDD": math.nan})
    out = wgi_scaled(s)
    assert out.name == "wgi_scaled" and list(out.index) == list(s.index)
    assert out.iloc[:3].tolist() == [0.0, 10.0, 5.0] and math.isnan(out["DDD"])
    np.testing.assert_allclose(wgi_scaled(np.array([2.5, 0.0])), [0.0, 5.0])
    # other bounds: 10 * (hi - x) / (hi - lo)
    assert wgi_scaled(0.0, lo=-2.0, hi=3.0) == pytest.approx(6.0)
    with pytest.raises(ValueError):
        wgi_scaled(0.0, lo=1.0, hi=1.0)


@pytest.mark.parametrize(("pv", "g"), [(2.5, 0.0), (-2.5, 1.0), (0.0, 0.5), (-1.0, 0.7),
                                       (2.9, 0.0), (-3.0, 1.0)])
def test_geopolrisk_g_known_answers(pv, g):
    assert geopolrisk_g(pv) == pytest.approx(g)


def test_geopolrisk_g_series():
    out = geopolrisk_g(pd.Series({"CHN": -0.5, "XXX": math.nan}))
    assert out.name == "g" and out["CHN"] == pytest.approx(0.6) and math.isnan(out["XXX"])
    with pytest.raises(ValueError):
        geopolrisk_g(0.0, lo=2.5, hi=-2.5)


def test_wgi_mean_synthetic():
    df = _gov({"AAA": [1, 2, 3, 0, -1, 1], "BBB": [0.5] * 6, "CCC": [1, 1, 1, 1, 1]})
    m = wgi_mean(df, 2023)
    assert m.name == "wgi_mean" and list(m.index) == ["AAA", "BBB", "CCC"]
    assert m["AAA"] == pytest.approx(1.0) and m["BBB"] == pytest.approx(0.5)
    assert math.isnan(m["CCC"])  # only five indicators
    assert wgi_mean(df, 2023, min_indicators=5)["CCC"] == pytest.approx(1.0)
    # a missing estimate (NaN, from '..') counts as missing
    df2 = df.copy()
    df2.loc[0, "estimate"] = math.nan
    assert math.isnan(wgi_mean(df2, 2023)["AAA"])
    assert wgi_mean(df2, 2023, min_indicators=5)["AAA"] == pytest.approx(1.0)


def test_wgi_mean_errors():
    df = _gov({"AAA": [0.0] * 6})
    with pytest.raises(ValueError, match="2020"):
        wgi_mean(df, 2020)
    with pytest.raises(ValueError, match="several"):
        wgi_mean(pd.concat([df, df]), 2023)
    with pytest.raises(ValueError, match="lacks"):
        wgi_mean(df.drop(columns="estimate"), 2023)
    with pytest.raises(ValueError, match="min_indicators"):
        wgi_mean(df, 2023, min_indicators=0)


def test_scaled_feeds_governance_weighted_hhi():
    df = _gov({"AAA": [2.5] * 6, "BBB": [-2.5] * 6})
    w = wgi_scaled(wgi_mean(df, 2023))
    # 0.5^2 * 0 + 0.5^2 * 10
    assert governance_weighted_hhi({"AAA": 0.5, "BBB": 0.5}, w) == pytest.approx(2.5)


@pytest.fixture(scope="module")
def wgi(shared_data: Path) -> pd.DataFrame:
    return read_wgi(shared_data / "wgi/wgidataset_2024update_1996-2023.xlsx")


def test_wgi_mean_real_data(wgi):
    m = wgi_mean(wgi, 2023)
    assert len(m) == 214
    d = wgi[(wgi["country"] == "CHN") & (wgi["year"] == 2023)]
    assert len(d) == 6
    assert m["CHN"] == pytest.approx(d["estimate"].mean(), rel=1e-12)
    # the full-precision six estimates all lie within the fixed bounds in 2023
    assert m.dropna().between(-2.5, 2.5).all()
    s = wgi_scaled(m)
    assert s.dropna().between(0, 10).all()
    assert s["DNK"] < s["CHN"] < s["AFG"]  # 10 = worst governance
    g = geopolrisk_g(wgi[(wgi["year"] == 2023) & (wgi["indicator"] == "pv")]
                     .set_index("country")["estimate"])
    assert g.dropna().between(0, 1).all() and g["CHE"] < g["COD"]
