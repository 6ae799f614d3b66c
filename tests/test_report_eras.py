"""The report's history states each era's concentration from that era's data (issue 19 item 4):
China's share of rare-earth mine output in 2010, the year of the quota, from World Mining Data and BGS,
not today's share."""

from __future__ import annotations

from pathlib import Path

import pytest

from critmin.market import load_scenario, simulate
from critmin.report.context import Context
from critmin.report.eras import era_note, event_shares, latest_share
from critmin.report.sections import SECTIONS
from critmin.warehouse import open_warehouse

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "scenarios"


@pytest.fixture(scope="module")
def wh(warehouse_path):
    w = open_warehouse(warehouse_path, read_only=True)
    yield w
    w.close()


def test_rare_earth_shares_at_the_export_controls(wh):
    shares = event_shares("rare-earths", warehouse=wh)
    first = shares[0]
    # the 2010 quota (export_controls.csv row 1): WMD table 6.4, China 118,900 of 121,267 t REO;
    # BGS: 118,900 of a 121,027 t country sum
    assert (first.event, first.year, first.kind) == ("chn-2010-rare-earth-quota-h2", 2010, "quota")
    assert (first.edition, first.source, first.exporter) == ("WMD-1984-2017", "wmd", "CHN")
    assert first.share == pytest.approx(118_900 / 121_267)
    assert first.other_editions == (("BGS-WMS", "bgs-wms", pytest.approx(118_900 / 121_027)),)
    assert first.text() == "98.0% in 2010 (the quota of July 2010; WMD-1984-2017; 98.2% in BGS-WMS)"
    # one entry per year: the four 2025 controls give one 2025 share, from the latest USGS edition
    # (MCS 2026: China 270,000 t of a 390,000 t world total)
    assert [s.year for s in shares] == [2010, 2025]
    assert shares[1].edition == "MCS2026" and shares[1].share == pytest.approx(270_000 / 390_000)
    note = era_note(shares)
    assert note.startswith("China's share of world mine production when its export controls took effect")
    assert "98.0% in 2010" in note and "69.2% in 2025" in note and "today" not in note
    # today's share, the latest year with data, beside the era's: MCS 2026, 270,000 of 390,000 t
    now = latest_share("rare-earths", "CHN", warehouse=wh)
    assert (now.year, now.edition, now.source, now.kind) == (2025, "MCS2026", "usgs-mcs", "latest")
    assert now.share == pytest.approx(270_000 / 390_000)
    assert now.text() == "69.2% in 2025 (the latest year with data; MCS2026)"
    assert era_note(shares, [now]).endswith("; the 2025 share is today's (the latest year with data).")


def test_the_eras_share_stands_beside_todays_when_the_controls_are_older(wh):
    # graphite: China's controls of December 2023 and 2024; today's share 2025 from MCS 2026
    # (MCS2026_Commodities_Data.csv rows 2987 and 3002: China 1,400,000 of a world total of 1,800,000 t)
    shares = event_shares("graphite", warehouse=wh)
    now = latest_share("graphite", "CHN", warehouse=wh)
    assert [s.year for s in shares] == [2023, 2024] and now.year == 2025
    assert now.share == pytest.approx(1_400_000 / 1_800_000)
    note = era_note(shares, [now])
    assert note.endswith("; today: 77.8% in 2025 (the latest year with data; MCS2026).")
    assert note.index("in 2023") < note.index("in 2024") < note.index("today")


def test_commodities_without_country_data_at_their_controls_say_nothing(wh):
    # lithium's only control (2025-11-08) was suspended the day before it took effect
    assert event_shares("lithium", warehouse=wh) == []
    assert era_note([]) == ""


def test_the_shares_section_states_the_eras_concentration(wh):
    ctx = Context("rare-earths", wh)
    view = next(s for s in SECTIONS if s.id == "shares").build(ctx)
    assert "98.0% in 2010 (the quota of July 2010; WMD-1984-2017; 98.2% in BGS-WMS)" in view.lead
    assert "by source precedence" in view.lead
    assert "69.2% in 2025 (the licence of April 2025; MCS2026); the 2025 share is today's" in view.lead
    notes = [a.text for a in view.figures[0].layout.annotations]
    assert "CHN quota 2010: 98.0%" in notes
    ctx = Context("rare-earths", wh, years=(2015, 2025))
    view = next(s for s in SECTIONS if s.id == "shares").build(ctx)
    notes = [a.text for a in view.figures[0].layout.annotations]
    assert "CHN quota 2010: 98.0%" not in notes and "CHN licence 2025: 69.2%" in notes


def test_a_scenario_block_names_the_market_it_runs_on(wh, tmp_path):
    # the 2010 quota on the market of 2009 (World Mining Data: China 129,400 of 131,642 t; BGS 129,400 of
    # a 131,534 t country sum) and the same scenario on today's market (MCS 2026 2025: China 270,000 +
    # Myanmar 22,000 tied to it, of the 389,310 t its rows sum to)
    spec = load_scenario(EXAMPLES / "ree-2010-quota.toml")
    today = tmp_path / "today.toml"
    today.write_text((EXAMPLES / "ree-2010-quota.toml").read_text("utf-8").replace(
        "\nyear = 2009\n", '\ntied_to_exporter = ["MMR"]\n'), "utf-8")
    ctx = Context("rare-earths", wh)
    ctx._cache["analysis:scenarios"] = [simulate(spec, runs=200, seed=1, warehouse=wh),
                                        simulate(load_scenario(today), runs=200, seed=1, warehouse=wh)]
    view = next(s for s in SECTIONS if s.id == "scenarios").build(ctx)
    notes = [b.text for b in view.blocks if b.kind == "note"]
    assert notes[0].endswith("On the market of 2009: CHN 98.3% of mine supply (WMD-1984-2017; 98.4% in "
                             "BGS-WMS).")
    assert notes[1].endswith("On today's market (2025, the latest year with data): CHN with MMR 75.0% of "
                             "mine supply (MCS2026).")
