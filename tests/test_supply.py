"""Supply tables on the bundled data, hand-checked against the raw USGS files.

The quantities below are typed from the raw files (cited per test); shares and HHI are recomputed here
by plain arithmetic, independently of critmin's metrics."""

from __future__ import annotations

import math

import pytest

from critmin.errors import DataError
from critmin.supply import supply, trend
from critmin.warehouse import open_warehouse


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    w = open_warehouse(tmp_path_factory.mktemp("supply") / "w.duckdb")
    yield w
    w.close()


def _hhi(q: dict[str, float]) -> float:
    total = sum(q.values())
    return sum((v / total) ** 2 for v in q.values())


def _by_country(res):
    return res.table.set_index("country")


def test_cobalt_2020_mcs2022(wh):
    # mcs2022/world/mcs2022-cobal_world.csv, Prod_t_2020 (mine production, contained cobalt)
    q = {"USA": 600, "AUS": 5630, "CAN": 3690, "CHN": 2200, "COD": 98000, "CUB": 3800,
         "IDN": 1100, "MDG": 850, "MAR": 2300, "PNG": 2940, "PHL": 4500, "RUS": 9000}
    res = supply("cobalt", year=2020, warehouse=wh)
    assert res.edition == "MCS2022" and res.stage == "mine" and res.unit == "t"
    assert res.world_total == 142_000
    assert res.countries_total == sum(q.values()) == 134_610
    assert res.other_countries == 7_640
    t = _by_country(res)
    assert t.loc["COD", "share"] == pytest.approx(98_000 / 142_000)
    assert t.loc["COD", "share_of_countries"] == pytest.approx(98_000 / 134_610)
    assert res.hhi == pytest.approx(_hhi(q), rel=1e-12)
    assert res.hhi == pytest.approx(0.5401, abs=1e-4)  # by hand: 0.72803^2 + 0.06686^2 + ...
    assert list(t.index[:2]) == ["COD", "RUS"]


def test_lithium_2022_mcs2024_with_withheld_us(wh):
    # mcs2024/world/mcs2024-lithi_world.csv, Prod_t_2022; United States "W"
    q = {"ARG": 6590, "AUS": 74700, "BRA": 2630, "CAN": 520, "CHL": 38000, "CHN": 22600,
         "PRT": 380, "ZWE": 1030}
    res = supply("lithium", year=2022, warehouse=wh)
    assert res.edition == "MCS2024"
    assert res.world_total == 146_000
    t = _by_country(res)
    assert math.isnan(t.loc["USA", "quantity"]) and t.loc["USA", "missing"] == "withheld"
    assert res.countries_total == sum(q.values())
    assert t.loc["AUS", "share"] == pytest.approx(74_700 / 146_000)
    assert res.hhi == pytest.approx(_hhi(q), rel=1e-12)


def test_gallium_2023_mcs2025_in_kilograms(wh):
    # mcs2025/MCS2025_World_Data.csv, Gallium primary production, kilograms, PROD_2023
    q_kg = {"CHN": 621_000, "JPN": 3_000, "KOR": 3_000, "RUS": 6_000}
    res = supply("gallium", year=2023, warehouse=wh)
    assert res.edition == "MCS2025" and res.unit == "t"
    assert res.world_total == pytest.approx(633.0)
    t = _by_country(res)
    assert t.loc["CHN", "quantity"] == pytest.approx(621.0)
    assert t.loc["CHN", "share"] == pytest.approx(621 / 633)
    assert res.hhi == pytest.approx(_hhi(q_kg), rel=1e-12)
    assert res.hhi == pytest.approx(0.96258, abs=1e-5)
    assert t.loc["USA", "missing"] == "blank"


def test_tungsten_2021_mcs2023(wh):
    # mcs2023/world/mcs2023-tungs_world.csv, Prod_t_2021 (its 2022 column is empty in every row)
    q = {"USA": 0, "AUT": 900, "BOL": 1563, "CHN": 71000, "PRT": 502, "RUS": 2300, "RWA": 1340,
         "ESP": 400, "VNM": 4800}
    res = supply("tungsten", year=2021, warehouse=wh)
    assert res.edition == "MCS2023"
    assert res.world_total == 83_800
    assert res.countries_total == sum(q.values()) == 82_805
    assert _by_country(res).loc["CHN", "share"] == pytest.approx(71_000 / 83_800)
    assert res.hhi == pytest.approx(_hhi(q), rel=1e-12)


def test_rare_earths_2024_mcs2026(wh):
    res = supply("rare-earths", year=2024, warehouse=wh)
    assert res.edition == "MCS2026" and res.basis == "REO"
    t = _by_country(res)
    assert t.loc["CHN", "share"] == pytest.approx(270_000 / 380_000)
    # reserves and reserves-to-production beside production (MCS 2026 reserves, end of 2025)
    assert t.loc["CHN", "reserves"] == 44_000_000
    assert t.loc["CHN", "rp_years"] == pytest.approx(44_000_000 / 270_000)
    # governance-weighted HHI uses WGI 2023 (the latest year not after 2024)
    assert res.wgi_year == 2023
    assert 0 < res.hhi_wgi < 10 * res.hhi


def test_older_edition_can_be_forced(wh):
    # MCS2025 gave 2024 as an estimate: China 270,000 of 390,000 (rounded)
    res = supply("rare-earths", year=2024, edition="MCS2025", warehouse=wh)
    assert res.edition == "MCS2025"
    assert _by_country(res).loc["CHN", "quantity"] == 270_000
    assert res.world_total == 390_000


def test_refinery_stage_is_kept_apart(wh):
    mine = supply("copper", stage="mine", year=2023, warehouse=wh)
    ref = supply("copper", stage="refinery", year=2023, warehouse=wh)
    assert mine.stage == "mine" and ref.stage == "refinery"
    assert mine.world_total != ref.world_total
    assert _by_country(mine).loc["CHL", "share"] > _by_country(ref).loc["CHL", "share"]


def test_unknown_year_and_stage_are_clear_errors(wh):
    with pytest.raises(DataError, match="no mine production by country for 1950"):
        supply("cobalt", year=1950, warehouse=wh)
    with pytest.raises(DataError, match="stages present"):
        supply("cobalt", stage="smelter", warehouse=wh)


def test_trend_uses_latest_edition_per_year(wh):
    res = trend("rare-earths", warehouse=wh)
    y = res.years.set_index("year")
    assert y.loc[1900, "edition"] == "DS140-2020" and y.loc[1900, "world_total"] == 1_040
    assert y.loc[2020, "edition"] == "MYB2022"
    assert y.loc[2023, "edition"] == "MCS2025"
    assert y.loc[2025, "edition"] == "MCS2026"
    assert (y.loc[2018:2025, "top_country"] == "CHN").all()
    assert res.shares[2024]["CHN"] == pytest.approx(270_000 / 380_000)
