"""A market pinned to a past year (issue 19 item 4): ``[baseline] year`` and ``edition``, the baseline
hand-checked against the World Mining Data and BGS rows of 2009-2010, the 2010-quota scenario on the
2009 market, and the errors for years, editions and suppliers that the data do not have."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from critmin.errors import ScenarioError
from critmin.market import build_baseline, load_scenario, simulate
from critmin.market.baseline import _pick_year
from critmin.market.engine import draw_runs
from critmin.market.years import year_ranges
from critmin.warehouse import open_warehouse

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "scenarios"

ERA = """
name = "t"
commodity = "rare-earths"
horizon_months = 12
[baseline]
year = 2010
exporter_export_share = 0.25
[baseline.price]
product = "unit value"
[baseline.regions.USA]
from_data = "consumption"
[baseline.regions.JPN]
share_of_world = 0.1
[disruption]
exporter = "CHN"
duration_months = 6
cut = 0.4
"""


@pytest.fixture(scope="module")
def wh(warehouse_path):
    w = open_warehouse(warehouse_path, read_only=True)
    yield w
    w.close()


def _spec(tmp_path, text: str):
    p = tmp_path / "era.toml"
    p.write_text(text, "utf-8")
    return load_scenario(p)


# --------------------------------------------------------------------------- the 2010 market by hand
def test_2010_baseline_is_world_mining_datas_table(wh, tmp_path):
    b = build_baseline(_spec(tmp_path, ERA), wh)
    # USGS has only world totals for 2010 (DS140): precedence takes WMD-1984-2017, table 6.4 rows
    # 939-953: Brazil 249, China 118,900, India 0, Malaysia 622, Russia 1,496; total 121,267 t REO
    assert (b.edition, b.source, b.year, b.mode) == ("WMD-1984-2017", "wmd", 2010, "history")
    caps = {s.country: s.capacity_t_per_year for s in b.suppliers}
    assert caps == {"CHN": 118_900, "RUS": 1_496, "MYS": 622, "BRA": 249}    # India's 0 left out
    assert b.world_supply_t_per_year == pytest.approx(121_267)
    assert b.exporter_share == pytest.approx(118_900 / 121_267)               # 98.0 %
    # the other edition covering 2010: BGS, China 118,900 of a 121,027 t country sum (98.2 %)
    shares = {e["edition"]: e["share"] for e in b.exporter_shares}
    assert shares == pytest.approx({"WMD-1984-2017": 118_900 / 121_267, "BGS-WMS": 118_900 / 121_027})
    # the rest of the market is the same year's data: DS140 row 116
    assert b.exporter_exports_t_per_year == pytest.approx(0.25 * 118_900)
    assert b.region("USA").demand_t_per_year == 5_050 and b.region("USA").kind == "data"
    assert "2010" in b.region("USA").source
    assert b.p0_usd_per_t == 20_000 and "unit value 2010" in b.price_source
    outside = 121_267 - 118_900 + 0.25 * 118_900
    assert sum(r.demand_t_per_year for r in b.regions) == pytest.approx(outside)
    items = {a["name"]: a for a in b.assumptions()}
    assert items["baseline.production"]["value"] == "WMD-1984-2017 2010"
    assert "BGS-WMS 98.2%" in items["baseline.production"]["source"]
    assert items["baseline.exporter_share"]["value"] == pytest.approx(0.98048, abs=1e-5)
    d = b.to_dict()
    assert d["mode"] == "history" and d["exporter_share_by_edition"][0]["edition"] == "WMD-1984-2017"


def test_2010_baseline_from_bgs_when_asked(wh, tmp_path):
    b = build_baseline(_spec(tmp_path, ERA.replace("year = 2010", "year = 2010\nedition = \"BGS-WMS\"")), wh)
    # df_ukgs.csv.gz rows 28164-28171: China 118,900, Russia 1,496, Malaysia 471, Brazil 160,
    # Australia and the USA 0, India and Viet Nam blank
    assert (b.edition, b.source) == ("BGS-WMS", "bgs-wms")
    caps = {s.country: s.capacity_t_per_year for s in b.suppliers}
    assert caps == {"CHN": 118_900, "RUS": 1_496, "MYS": 471, "BRA": 160}
    assert b.exporter_share == pytest.approx(118_900 / 121_027)
    assert any(n.startswith("IND: production blank in BGS-WMS") for n in b.notes)
    assert [e["edition"] for e in b.exporter_shares] == ["BGS-WMS", "WMD-1984-2017"]


def test_a_pinned_year_never_takes_later_figures(wh, tmp_path):
    # 2011: U.S. apparent consumption is not available (DS140 row 117): the 2010 figure, with a note
    b = build_baseline(_spec(tmp_path, ERA.replace("year = 2010", "year = 2011")), wh)
    assert b.year == 2011 and b.edition == "WMD-1984-2017"
    assert b.region("USA").demand_t_per_year == 5_050
    assert any("apparent consumption of 2010 used (none for 2011)" in n for n in b.notes)
    assert b.p0_usd_per_t == 58_100
    # a price only published later is refused unless the scenario asks for it by year
    basket = ERA.replace('product = "unit value"', 'product = "cerium oxide"')
    with pytest.raises(ScenarioError, match=r"\[baseline.price\] no 'cerium oxide' price in or before "
                       r"2010.*years with data: 2017–2025"):
        build_baseline(_spec(tmp_path, basket), wh)
    b = build_baseline(_spec(tmp_path, basket.replace('product = "cerium oxide"',
                                                       'product = "cerium oxide"\nyear = 2025')), wh)
    assert b.p0_usd_per_t == pytest.approx(1_710) and any("on the market of 2010" in n for n in b.notes)


def test_the_latest_year_is_not_history(wh, tmp_path):
    b = build_baseline(_spec(tmp_path, ERA.replace("year = 2010\n", "").replace(
        'product = "unit value"', "usd_per_t = 1000")), wh)
    assert b.mode == "latest" and b.year == 2025 and b.edition == "MCS2026"
    pinned = build_baseline(_spec(tmp_path, ERA.replace("year = 2010", "year = 2025").replace(
        'product = "unit value"', "usd_per_t = 1000")), wh)
    assert pinned.mode == "latest" and pinned.world_supply_t_per_year == b.world_supply_t_per_year


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize("change,pattern", [
    (("year = 2010", "year = 1960"),
     r"\[baseline.year\] no mine production by country of rare-earths for 1960; years with data: 1984–2025$"),
    (("year = 2010", "year = 2030"),
     r"\[baseline.year\] .* for 2030; .*2030 lies beyond the data: a future market is the scenario's "
     r"top-level year = 2030"),
    (("year = 2010", "year = 2010\nedition = \"MYB2017\""),
     r"\[baseline.edition\] MYB2017 has no mine production by country of rare-earths for 2010 \(it covers "
     r"2013–2017\); editions covering 2010: WMD-1984-2017 \(wmd\), BGS-WMS \(bgs-wms\)"),
    (("year = 2010", "year = 2010\nedition = \"WMD2019\""),
     r"\[baseline.edition\] no edition 'WMD2019' .*editions: BGS-WMS, .*WMD-1984-2017"),
    (("year = 2010", "year = 2010\ntied_to_exporter = [\"MMR\"]"),
     r"\[baseline.tied_to_exporter\] MMR is not a producer of rare-earths in WMD-1984-2017 2010 "
     r"\(producers: BRA, CHN, MYS, RUS\); leave it out"),
    (("horizon_months = 12", "horizon_months = 12\nyear = 2010"),
     r"\[year\] 2010 is before IEA's base year 2024: the top-level year is a future start year .*"
     r"set \[baseline\] year = 2010"),
])
def test_years_and_editions_without_data_are_clear_errors(wh, tmp_path, change, pattern):
    with pytest.raises(ScenarioError, match=pattern) as err:
        build_baseline(_spec(tmp_path, ERA.replace(*change)), wh)
    assert "era.toml" in str(err.value)


def test_edition_is_validated_as_text(tmp_path):
    with pytest.raises(ScenarioError, match="baseline.edition"):
        _spec(tmp_path, ERA.replace("year = 2010", "year = 2010\nedition = 2017"))


def test_pick_year_and_year_ranges():
    years = [2017, 2018, 2020]
    assert _pick_year(years, None, 2019) == 2018
    assert _pick_year(years, None, 2010) == 2020                 # latest market: a later figure, noted
    assert _pick_year(years, None, 2010, strict=True) is None    # a past market: never a later one
    assert _pick_year(years, 2010, 2025) is None
    assert year_ranges([2020, 1999, 2000, 2001, 2003, 2002, 2021]) == "1999–2003, 2020–2021"
    assert year_ranges([2009]) == "2009" and year_ranges([]) == "none"


# --------------------------------------------------------------------------- the shipped scenario
def test_2010_quota_scenario_stands_on_the_2009_market(wh):
    spec = load_scenario(EXAMPLES / "ree-2010-quota.toml")
    assert spec.baseline.year == 2009 and spec.year is None and spec.baseline.edition is None
    b = build_baseline(spec, wh)
    # World Mining Data 2009 (table 6.4 rows 939-953): China 129,400 of 131,642 t (98.3 %); BGS 98.4 %
    assert (b.edition, b.source, b.year, b.mode) == ("WMD-1984-2017", "wmd", 2009, "history")
    assert b.world_supply_t_per_year == pytest.approx(131_642)
    assert b.exporter_share == pytest.approx(129_400 / 131_642)
    bgs = next(e for e in b.exporter_shares if e["edition"] == "BGS-WMS")
    assert bgs["share"] == pytest.approx(129_400 / (129_400 + 1_898 + 200 + 20 + 16))
    # China exports its 2009 quota, 50,145 t; the 40 % cut leaves the 2010 quota (30,258 t) within 0.6 %
    assert b.exporter_exports_t_per_year == pytest.approx(50_145, abs=1)
    assert 0.6 * b.exporter_exports_t_per_year == pytest.approx(30_258, rel=6e-3)
    # DS140 2009: U.S. apparent consumption 2,830 t, unit value 9,300 USD/t
    assert b.region("USA").demand_t_per_year == 2_830 and b.p0_usd_per_t == 9_300
    assert b.region("JPN").demand_t_per_year == pytest.approx(0.135 * 131_642)
    outside = 131_642 - 129_400 + b.exporter_exports_t_per_year
    assert sum(r.demand_t_per_year for r in b.regions) == pytest.approx(outside)
    assert not b.tied and [c.country for c in spec.capacity] == ["USA", "AUS"]


def test_2010_quota_on_its_own_market_reaches_the_choke(wh):
    # the cut removes 0.4 x 50,145 t of the 52,387 t market outside China (38 %): with short-run
    # elasticities -0.2..-0.05 clearing needs at least 0.62^(1/-0.2) ~ 11x, and the choke (20x) binds in
    # the less elastic runs; on today's market (19 % removed) the median was 4.2x
    spec = load_scenario(EXAMPLES / "ree-2010-quota.toml")
    res = simulate(spec, runs=2000, seed=1, warehouse=wh)
    pk = res.columns["peak_price_multiple"]
    b = res.baseline
    lost = 0.4 * b.exporter_exports_t_per_year
    D = sum(r.demand_t_per_year for r in b.regions)
    q_out = D - b.exporter_exports_t_per_year
    # each run's exact draw (the table keeps it in float32, to 6e-8 relative)
    eps = draw_runs(spec.random_params(), 1, 0, 2000).eps_short
    np.testing.assert_allclose(res.columns["demand_elasticity_short"], eps, rtol=6e-8)
    lo = np.minimum((1 - (lost - 0.05 * q_out) / D) ** (1 / eps), 20.0)
    assert np.all(pk >= lo * (1 - 1e-9)) and np.all(pk <= 20.0 + 1e-9)
    assert np.median(pk) == pytest.approx(20.0) and np.quantile(pk, 0.05) > 10.0
    assert res.sources_used() == [{"source": "wmd", "edition": "WMD-1984-2017"}]


def test_the_same_scenario_on_todays_market_differs_as_the_shares_do(wh, tmp_path):
    # the shipped file without its [baseline] year: the latest market, MCS 2026 mine production 2025
    # (MCS2026_Commodities_Data.csv: China 270,000 of the 389,310 t the 13 country rows and "Other
    # countries" sum to; 390,000 t world total, rounded)
    text = (EXAMPLES / "ree-2010-quota.toml").read_text("utf-8")
    assert "\nyear = 2009\n" in text
    (tmp_path / "today.toml").write_text(text.replace("\nyear = 2009\n", "\n"), "utf-8")
    era = simulate(load_scenario(EXAMPLES / "ree-2010-quota.toml"), runs=2000, seed=1, warehouse=wh)
    now = simulate(load_scenario(tmp_path / "today.toml"), runs=2000, seed=1, warehouse=wh)
    e, n = era.baseline, now.baseline
    assert (e.year, e.edition, e.mode) == (2009, "WMD-1984-2017", "history")
    assert (n.year, n.edition, n.mode) == (2025, "MCS2026", "latest")
    assert e.exporter_share == pytest.approx(129_400 / 131_642)                 # 98.3 %
    assert n.exporter_share == pytest.approx(270_000 / 389_310)                 # 69.4 %
    # the same export share of China's output: the cut removes 0.4 x exports of the market outside
    # China, 38.3 % in 2009 against 18.7 % today (119,310 t mined outside China + exports 104,630 t)
    cut = {k: 0.4 * b.exporter_exports_t_per_year / sum(r.demand_t_per_year for r in b.regions)
           for k, b in (("era", e), ("now", n))}
    assert cut["era"] == pytest.approx(0.4 * 50_145.088 / (2_242 + 50_145.088))
    assert cut["now"] == pytest.approx(0.4 * 0.38752 * 270_000 / (119_310 + 0.38752 * 270_000))
    pe, pn = (np.median(r.columns["peak_price_multiple"]) for r in (era, now))
    assert pe == pytest.approx(20.0) and 3.0 < pn < 6.0
    # the JSON names the market's year and source
    d = era.to_dict()["baseline"]
    assert (d["year"], d["edition"], d["source"], d["mode"]) == (2009, "WMD-1984-2017", "wmd", "history")
    assert [(x["edition"], round(x["share"], 4)) for x in d["exporter_share_by_edition"]] == [
        ("WMD-1984-2017", 0.983), ("BGS-WMS", 0.9838)]
    assert "on the market of 2009 (WMD-1984-2017)" in era.headline()
    assert "on the market of 2025 (MCS2026)" in now.headline()
