"""Source precedence, the editions a supply table names, and the long trend (issue 19), on the bundled
data. Quantities are typed from the raw files (cited); shares are recomputed here by plain division."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from critmin.cli import app
from critmin.sources.editions import SOURCE_PRECEDENCE, edition_date, precedence_key
from critmin.supply import supply, trend
from critmin.warehouse import open_warehouse


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    w = open_warehouse(tmp_path_factory.mktemp("history") / "w.duckdb")
    yield w
    w.close()


# ----------------------------------------------------------------------------- precedence


def _order(eds: list[tuple[str, str]]) -> list[str]:
    return [e for e, _ in sorted(eds, key=lambda x: precedence_key(x[1], x[0], edition_date(x[0])))]


def test_precedence_usgs_newest_first_then_wmd_then_bgs():
    eds = [("BGS-WMS", "bgs-wms"), ("WMD-1984-2017", "wmd"), ("MYB2017", "usgs-myb-world"),
           ("MYB2019", "usgs-myb-world"), ("MCS2026", "usgs-mcs"), ("MYB2022", "usgs-myb")]
    assert _order(eds) == ["MCS2026", "MYB2022", "MYB2019", "MYB2017", "WMD-1984-2017", "BGS-WMS"]
    # BGS is published after WMD and after MYB2019 but still comes last: tier before date
    assert edition_date("BGS-WMS") > edition_date("MYB2019") > edition_date("WMD-1984-2017")


def test_precedence_unknown_source_last_and_ties_total():
    assert precedence_key("somebody", "X", "2030-01-01")[0] == len(SOURCE_PRECEDENCE)
    a = precedence_key("usgs-mcs", "MCS2025", "2025-01-29")
    b = precedence_key("usgs-mcs", "MCS2024", "2025-01-29")  # same date: the higher id first
    assert a < b
    assert precedence_key("wmd", "W", "2000-01-01") < precedence_key("bgs-wms", "B", "2030-01-01")


# ----------------------------------------------------------------------------- supply


def test_supply_2017_myb2017_forced(wh):
    # myb1-2017-raree.xls T8: China K9 105,000 t of the total K16 132,000 t
    res = supply("rare-earths", year=2017, edition="MYB2017", warehouse=wh)
    t = res.table.set_index("country")
    assert res.edition == "MYB2017" and res.source == "usgs-myb-world"
    assert t.loc["CHN", "quantity"] == 105_000 and res.world_total == 132_000
    assert t.loc["CHN", "share"] == pytest.approx(105_000 / 132_000)
    assert "MMR" not in t.index


def test_supply_2017_default_names_the_other_editions(wh):
    res = supply("rare-earths", year=2017, warehouse=wh)
    # default: the latest USGS edition covering 2017, the revised MYB2019 (Burma 15,000 t added)
    assert res.edition == "MYB2019"
    t = res.table.set_index("country")
    assert t.loc["CHN", "share"] == pytest.approx(105_000 / 147_000)
    assert t.loc["MMR", "quantity"] == 15_000
    others = {o["edition"]: o for o in res.other_editions}
    assert [o["edition"] for o in res.other_editions] == ["MYB2017", "WMD-1984-2017", "BGS-WMS"]
    assert others["MYB2017"]["share_of_top_producer"] == pytest.approx(105_000 / 132_000)
    # WMD row 941 / row 953, column AH (2017): 105,000 of 127,097
    assert others["WMD-1984-2017"]["share_of_top_producer"] == pytest.approx(105_000 / 127_097)
    assert others["WMD-1984-2017"]["world_total_t"] == 127_097
    # BGS: China 140,000 of a 181,653 t country sum (no world total)
    assert others["BGS-WMS"]["share_of_top_producer"] == pytest.approx(140_000 / 181_653)
    assert others["BGS-WMS"]["share_basis"] == "country sum"
    assert "MMR" in others["MYB2017"]["countries_not_here"]
    assert res.editions_summary == ("China 71.4% (MYB2019, revised: Burundi, Myanmar added); "
                                    "79.5% in MYB2017; 82.6% in WMD-1984-2017; 77.1% in BGS-WMS")
    comp = res.comparison()
    assert set(comp["edition"]) == {"MYB2019", "MYB2017", "WMD-1984-2017", "BGS-WMS"}
    d = res.to_dict()
    json.dumps(d, allow_nan=False)
    assert d["edition"] == "MYB2019" and len(d["other_editions"]) == 3


def test_supply_2010_wmd_before_bgs_and_current_years_unchanged(wh):
    res = supply("rare-earths", year=2010, warehouse=wh)
    assert res.edition == "WMD-1984-2017"  # no USGS country table for 2010
    assert res.table.set_index("country").loc["CHN", "share"] == pytest.approx(118_900 / 121_267)
    assert [o["edition"] for o in res.other_editions] == ["BGS-WMS"]
    # a year MCS covers still comes from MCS, and the history sources never decide the product
    assert supply("rare-earths", year=2024, warehouse=wh).edition == "MCS2026"
    li = supply("lithium", year=2022, warehouse=wh)
    assert li.product == "lithium content" and li.source == "usgs-mcs"


# ----------------------------------------------------------------------------- trend


def test_trend_rare_earths_one_source_per_year_by_precedence(wh):
    res = trend("rare-earths", warehouse=wh)
    y = res.years.set_index("year")
    assert y.loc[1983, "source"] == "usgs-ds140" and pd.isna(y.loc[1983, "top_share"])
    assert y.loc[1984, "source"] == "wmd" and y.loc[2011, "edition"] == "WMD-1984-2017"
    assert y.loc[2012, "edition"] == "MYB2016"  # only MYB2016 covers 2012
    assert y.loc[2014, "edition"] == "MYB2017"
    assert y.loc[2017, "edition"] == "MYB2019"
    assert y.loc[2018, "edition"] == "MYB2022" and y.loc[2025, "edition"] == "MCS2026"
    assert res.shares[2010]["CHN"] == pytest.approx(118_900 / 121_267)
    assert res.shares[2017]["CHN"] == pytest.approx(105_000 / 147_000)
    changed = y.index[y["source_changed"]].tolist()
    assert changed == [1984, 2012, 2018, 2023]
    years = {r["year"]: r for r in res.to_dict()["years"]}
    assert years[2005]["source"] == "wmd" and years[2005]["source_changed"] is False
    assert years[2005]["shares"]["CHN"] == pytest.approx(100_000 / 103_737)


def test_trend_cobalt_fills_gaps_with_bgs(wh):
    y = trend("cobalt", warehouse=wh).years.set_index("year")
    assert y.loc[1970, "source"] == "bgs-wms"  # before WMD starts
    assert y.loc[1984, "source"] == "wmd"
    assert y.loc[2017, "edition"] == "MYB2017"
    assert y.loc[2018, "source"] == "bgs-wms"  # no USGS or WMD table for 2018
    assert y.loc[2020, "source"] == "usgs-mcs"
    # myb1-2017-cobal.xls T8 K12 / K29: Congo (Kinshasa) 73,000 of 120,000
    assert y.loc[2017, "top_country"] == "COD" and y.loc[2017, "top_share"] == pytest.approx(73 / 120)


def test_report_chart_marks_source_changes(wh):
    from critmin.report import charts

    fig = charts.producer_shares(trend("rare-earths", warehouse=wh))
    assert [s.x0 for s in fig.layout.shapes] == [1983.5, 2011.5, 2017.5, 2022.5]
    assert fig.layout.annotations[0].text == "World Mining Data (WMD-1984-2017)"
    zoom = charts.producer_shares(trend("rare-earths", warehouse=wh), years=(2015, 2025))
    assert [s.x0 for s in zoom.layout.shapes] == [2017.5, 2022.5]


# ----------------------------------------------------------------------------- CLI


def test_cli_supply_json_and_compare_editions(tmp_path):
    runner = CliRunner()
    args = ["--db", str(tmp_path / "w.duckdb")]
    r = runner.invoke(app, [*args, "supply", "rare-earths", "--year", "2017", "--json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["edition"] == "MYB2019" and [o["edition"] for o in d["other_editions"]][0] == "MYB2017"
    r = runner.invoke(app, [*args, "supply", "rare-earths", "--year", "2017", "--compare-editions"])
    assert r.exit_code == 0, r.output
    assert "79.5% in MYB2017" in r.stdout and "77.1% in BGS-WMS" in r.stdout
    r = runner.invoke(app, [*args, "supply", "rare-earths", "--year", "2017", "--compare-editions",
                            "--json"])
    comp = pd.DataFrame(json.loads(r.stdout)["comparison"]).set_index(["country", "edition"])
    assert comp.loc[("CHN", "MYB2017"), "quantity"] == 105_000
    assert comp.loc[("MMR", "BGS-WMS"), "quantity"] == 20_000
    r = runner.invoke(app, [*args, "supply", "rare-earths", "--year", "2017", "--compare-editions",
                            "--csv"])
    comp = pd.read_csv(io.StringIO(r.stdout))
    assert set(comp["edition"]) == {"MYB2019", "MYB2017", "WMD-1984-2017", "BGS-WMS"}
