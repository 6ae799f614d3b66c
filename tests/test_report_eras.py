"""The report's history states each era's concentration from that era's data (issue 19 item 4):
China's share of rare-earth mine output in 2010, the year of the quota, from World Mining Data and BGS,
not today's share."""

from __future__ import annotations

import pytest

from critmin.report.context import Context
from critmin.report.eras import era_note, event_shares
from critmin.report.sections import SECTIONS
from critmin.warehouse import open_warehouse


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
    assert "98.0% in 2010" in note and "69.2% in 2025" in note


def test_commodities_without_country_data_at_their_controls_say_nothing(wh):
    # lithium's only control (2025-11-08) was suspended the day before it took effect
    assert event_shares("lithium", warehouse=wh) == []
    assert era_note([]) == ""


def test_the_shares_section_states_the_eras_concentration(wh):
    ctx = Context("rare-earths", wh)
    view = next(s for s in SECTIONS if s.id == "shares").build(ctx)
    assert "98.0% in 2010 (the quota of July 2010; WMD-1984-2017; 98.2% in BGS-WMS)" in view.lead
    assert "by source precedence" in view.lead
    notes = [a.text for a in view.figures[0].layout.annotations]
    assert "CHN quota 2010: 98.0%" in notes
    ctx = Context("rare-earths", wh, years=(2015, 2025))
    view = next(s for s in SECTIONS if s.id == "shares").build(ctx)
    notes = [a.text for a in view.figures[0].layout.annotations]
    assert "CHN quota 2010: 98.0%" not in notes and "CHN licence 2025: 69.2%" in notes
