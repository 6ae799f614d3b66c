"""Net import reliance: the pure function (known answers) and the published-vs-recomputed table."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from critmin.dependence.nir import (
    NIR_SERIES,
    apparent_consumption,
    net_import_reliance,
    nir_table,
)


@pytest.mark.parametrize(
    ("imports", "exports", "production", "stock_change", "expected"),
    [
        (80.0, 10.0, 30.0, 0.0, 0.7),  # 70 / 100
        (100.0, 0.0, 0.0, 0.0, 1.0),  # no domestic production: fully import-reliant
        (5.0, 50.0, 100.0, 0.0, -45.0 / 55.0),  # net exporter: negative
        (50.0, 0.0, 50.0, 10.0, 60.0 / 110.0),  # a stock release adds to net supply
        (50.0, 0.0, 50.0, -10.0, 40.0 / 90.0),  # stock building
    ],
)
def test_net_import_reliance_known_answers(imports, exports, production, stock_change, expected):
    got = net_import_reliance(imports, exports, production, stock_change)
    assert got == pytest.approx(expected)
    ac = apparent_consumption(imports, exports, production, stock_change)
    assert ac == pytest.approx(production + imports - exports + stock_change)


@pytest.mark.parametrize(("imports", "exports", "production"), [(0.0, 10.0, 10.0),
                                                                (0.0, 20.0, 10.0)])
def test_nir_undefined_without_positive_apparent_consumption(imports, exports, production):
    assert math.isnan(net_import_reliance(imports, exports, production))


def test_nir_vectorised_and_nan_propagates():
    got = net_import_reliance(np.array([80.0, 5.0, np.nan]), np.array([10.0, 50.0, 1.0]),
                              np.array([30.0, 100.0, 1.0]))
    assert got[:2] == pytest.approx([0.7, -45 / 55])
    assert math.isnan(got[2])


def test_rare_earths_2021_from_the_mcs2026_figures():
    # MCS2026 lines 5960-5966: compounds and metals production 120 t; imports compounds 7,730,
    # ferrocerium/alloys 330, metals 579; exports ferrocerium/alloys 825, metals 20.
    imports, exports, production = 7730 + 330 + 579, 825 + 20, 120
    ac = apparent_consumption(imports, exports, production)
    assert ac == 7914
    assert ac == pytest.approx(7900, rel=0.005)  # published, rounded (line 5969)
    assert net_import_reliance(imports, exports, production) > 0.95  # published '>95'


def _salient(rows):
    base = {"commodity": "x", "country": "USA", "edition": "MCS2025", "qualifier": None,
            "missing": None, "estimated": False}
    out = []
    for stat, detail, unit, year, value in rows:
        q = value * {"t": 1.0, "kt": 1e3, "%": math.nan}[unit] if value is not None else math.nan
        out.append({**base, "statistic": stat, "detail": detail, "unit": unit, "year": year,
                    "value": math.nan if value is None else value, "quantity_t": q,
                    "missing": "withheld" if value is None else None})
    return pd.DataFrame(out)


def test_nir_table_simple_commodity():
    sal = _salient([
        ("production", "USprod_t", "t", 2023, 30), ("imports", "Imports_t", "t", 2023, 80),
        ("exports", "Exports_t", "t", 2023, 10), ("nir", "NIR_pct", "%", 2023, 70),
        ("production", "USprod_t", "t", 2024, None), ("imports", "Imports_t", "t", 2024, 80),
        ("exports", "Exports_t", "t", 2024, 10), ("nir", "NIR_pct", "%", 2024, 75),
    ])
    t = nir_table(sal, "x")
    assert list(t["year"]) == [2023, 2024]
    first = t.iloc[0]
    assert first["nir_reported"] == pytest.approx(0.70)
    assert first["nir_computed"] == pytest.approx(0.70)
    assert first["apparent_consumption_t"] == 100
    assert "production = USprod_t" in first["computed_from"]
    second = t.iloc[1]
    assert math.isnan(second["nir_computed"])  # production withheld
    assert "withheld" in second["computed_from"]


def test_nir_table_ambiguous_series_and_explicit_choice():
    sal = _salient([
        ("production", "USprod_Mine_t", "t", 2023, 30),
        ("production", "USprod_Secondary_t", "t", 2023, 5),
        ("imports", "Imports_t", "t", 2023, 80), ("exports", "Exports_t", "t", 2023, 10),
        ("nir", "NIR_pct", "%", 2023, 70),
    ])
    t = nir_table(sal, "x")
    assert math.isnan(t.iloc[0]["nir_computed"])
    assert "ambiguous production" in t.iloc[0]["computed_from"]
    t = nir_table(sal, "x", series={"production": ["USprod_Mine_t", "USprod_Secondary_t"],
                                    "imports": ["Imports_t"], "exports": ["Exports_t"]})
    assert t.iloc[0]["nir_computed"] == pytest.approx(70 / 105)


def test_nir_table_stock_levels():
    sal = _salient([
        ("imports", "Imports_t", "t", 2022, 50), ("exports", "Exports_t", "t", 2022, 0),
        ("stocks", "Stocks_t", "t", 2022, 30),
        ("imports", "Imports_t", "t", 2023, 50), ("exports", "Exports_t", "t", 2023, 0),
        ("stocks", "Stocks_t", "t", 2023, 20),  # fell by 10: a release
    ])
    t = nir_table(sal, "x", series={"imports": ["Imports_t"], "exports": ["Exports_t"],
                                    "production": [], "stocks": ["Stocks_t"]})
    row = t[t["year"] == 2023].iloc[0]
    assert row["stock_change_t"] == 10
    assert row["apparent_consumption_t"] == 60
    assert row["nir_computed"] == pytest.approx(1.0)
    assert "fall of year-end" in row["computed_from"]
    assert math.isnan(t[t["year"] == 2022].iloc[0]["nir_computed"])  # no prior level


@pytest.mark.filterwarnings("ignore::critmin.sources.usgs_mcs.SalientLayoutWarning")
def test_nir_table_rare_earths_all_vintages(shared_data):
    from critmin.sources.usgs_mcs import read_all_salient

    sal = read_all_salient(shared_data / "usgs_mcs")["salient"]
    t = nir_table(sal, "rare-earths")
    assert set(t["edition"]) == {"MCS2022", "MCS2023", "MCS2024", "MCS2025", "MCS2026"}
    # only the compounds-and-metals NIR is compared (concentrates: net exporter, 'E')
    assert t["nir_detail"].isin(NIR_SERIES["rare-earths"]["nir"]).all()
    r = t[(t["edition"] == "MCS2026") & (t["year"] == 2021)].iloc[0]
    assert (r["nir_reported"], r["reported_qualifier"]) == (0.95, ">")
    assert r["apparent_consumption_t"] == 7914
    assert r["nir_computed"] == pytest.approx((8639 - 845) / 7914)
    # 2024: USGS counts part of the 'ores and compounds' exports, which the salient table does
    # not split out; the recomputation from compounds/metals series overstates NIR (53 % published)
    r = t[(t["edition"] == "MCS2026") & (t["year"] == 2024)].iloc[0]
    assert r["nir_reported"] == pytest.approx(0.53)
    assert r["nir_computed"] == pytest.approx((8454 - 1249) / 11505)
    # MCS2022 reports '>90' for 2021
    r = t[(t["edition"] == "MCS2022") & (t["year"] == 2021)].iloc[0]
    assert (r["nir_reported"], r["reported_qualifier"]) == (0.90, ">")


def test_nir_table_unknown_commodity_is_empty():
    assert nir_table(_salient([("imports", "Imports_t", "t", 2023, 1)]), "y").empty
