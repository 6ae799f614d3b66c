"""The catalogue of known export-control events (critmin/data/export_controls.csv) and its reader.

Dates are those of the documents (MOFCOM & GAC announcements): gallium/germanium No. 23 of 2023
(published 2023-07-03, in force 2023-08-01), graphite No. 39 of 2023 (2023-10-20, 2023-12-01), antimony
No. 33 of 2024 (2024-08-15, 2024-09-15), MOFCOM No. 46 of 2024 (United States, 2024-12-03 on
publication), No. 10 of 2025 (tungsten, tellurium, bismuth, molybdenum, indium, 2025-02-04), No. 18 of 2025
(seven medium and heavy rare earths, 2025-04-04), Nos. 55-58 of 2025 (2025-10-09, to take effect
2025-11-08, suspended 2025-11-07 by No. 70).
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from critmin.cli import app
from critmin.errors import DataError
from critmin.monitor import events as E  # noqa: N812

HEADER = ",".join(E.EVENT_COLUMNS)
GOOD = ("x-1,CHN,2023-07-03,2023-08-01,,licence,all,gallium,811292,gallium metal,"
        "MOFCOM No. 23 of 2023,https://example.org/a,")


def _row(**kw: str) -> str:
    vals = dict(zip(E.EVENT_COLUMNS, GOOD.split(","), strict=True))
    vals.update(kw)
    return ",".join(vals[c] for c in E.EVENT_COLUMNS)


@pytest.fixture(scope="module")
def ev() -> pd.DataFrame:
    return E.events()


def test_bundled_catalogue_reads_and_ids_are_unique(ev):
    assert len(ev) == 14
    assert ev["id"].is_unique
    assert set(ev["kind"]) <= set(E.KINDS)
    assert (ev["exporter"] == "CHN").all()
    assert (ev["effective"] >= ev["announced"]).all()


@pytest.mark.parametrize("eid, announced, effective, ended", [
    ("chn-2010-rare-earth-quota-h2", "2010-07-08", "2010-07-08", "2010-12-31"),
    ("chn-2020-export-control-law", "2020-10-17", "2020-12-01", None),
    ("chn-2023-gallium-germanium", "2023-07-03", "2023-08-01", None),
    ("chn-2023-graphite", "2023-10-20", "2023-12-01", None),
    ("chn-2024-antimony", "2024-08-15", "2024-09-15", None),
    ("chn-2024-us-dual-use", "2024-12-03", "2024-12-03", "2025-11-09"),
    ("chn-2025-tungsten-tellurium-bismuth-molybdenum-indium", "2025-02-04", "2025-02-04", None),
    ("chn-2025-medium-heavy-rare-earths", "2025-04-04", "2025-04-04", None),
    ("chn-2025-five-medium-heavy-rare-earths", "2025-10-09", "2025-11-08", "2025-11-07"),
    ("chn-2025-lithium-battery-graphite-anode", "2025-10-09", "2025-11-08", "2025-11-07"),
])
def test_dates_of_the_documents(ev, eid, announced, effective, ended):
    e = ev.set_index("id").loc[eid]
    assert f"{e['announced']:%Y-%m-%d}" == announced
    assert f"{e['effective']:%Y-%m-%d}" == effective
    assert (pd.isna(e["ended"]) if ended is None else f"{e['ended']:%Y-%m-%d}" == ended)


def test_document_numbers_are_cited(ev):
    doc = ev.set_index("id")["document"]
    assert "No. 23 of 2023" in doc["chn-2023-gallium-germanium"]
    assert "No. 39 of 2023" in doc["chn-2023-graphite"]
    assert "No. 33 of 2024" in doc["chn-2024-antimony"]
    assert "No. 46 of 2024" in doc["chn-2024-us-dual-use"]
    assert "No. 10 of 2025" in doc["chn-2025-tungsten-tellurium-bismuth-molybdenum-indium"]
    assert "No. 18 of 2025" in doc["chn-2025-medium-heavy-rare-earths"]
    assert ev["url"].str.match(r"^https?://").all()


def test_us_ban_targets_the_united_states_only(ev):
    e = ev.set_index("id").loc["chn-2024-us-dual-use"]
    assert e["destinations"] == ("USA",) and e["kind"] == "ban"
    assert {"811292", "282560", "282590", "250410", "380110", "261710"} <= set(e["hs_codes"])


def test_hs_codes_agree_with_the_hs_catalogue():
    chk = E.check_hs()
    assert chk["consistent"].all(), chk[~chk["consistent"]]
    ga = chk[chk["id"] == "chn-2023-gallium-germanium"].set_index("hs_code")
    # the mixed lines the monitor sees are catalogued as mixed
    for code in ("811292", "282560", "282590"):
        assert ga.loc[code, "status"] == "catalogued" and ga.loc[code, "mixed"]
    gr = chk[chk["id"] == "chn-2023-graphite"].set_index("hs_code")
    assert gr.loc["380110", "catalogue_commodities"] == ("graphite",)
    sb = chk[chk["id"] == "chn-2024-antimony"].set_index("hs_code")
    assert sb.loc["811010", "status"] == "under heading" and sb.loc["811010", "catalogue_code"] == "8110"
    # codes outside the HS catalogue are known, not silently accepted
    assert set(chk.loc[chk["status"] == "not catalogued", "hs_code"]) == {
        "284290", "381800", "382569", "380190", "681519", "382499", "283090", "293190", "284180",
        "284990", "848690", "850760", "847989"}


def test_check_hs_flags_a_code_of_another_commodity():
    cat = E.parse_events("\n".join([HEADER, _row(hs_codes="250410")]))
    chk = E.check_hs(cat)
    assert not chk["consistent"].iloc[0]
    assert "graphite" in chk["problem"].iloc[0]


@pytest.mark.parametrize("kw, column", [
    ({"exporter": "XXX"}, "exporter"),
    ({"exporter": "China"}, "exporter"),
    ({"announced": "2023-13-01"}, "announced"),
    ({"effective": "2023-06-30"}, "effective"),
    ({"ended": "2023-07-01"}, "ended"),
    ({"kind": "embargo"}, "kind"),
    ({"destinations": "US"}, "destinations"),
    ({"commodities": "galium"}, "commodities"),
    ({"commodities": ""}, "commodities"),
    ({"hs_codes": "81129"}, "hs_codes"),
    ({"hs_codes": "8112.92"}, "hs_codes"),
    ({"url": "www.example.org"}, "url"),
    ({"id": "X 1"}, "id"),
])
def test_reader_names_row_and_column_of_a_bad_cell(kw, column):
    with pytest.raises(DataError) as exc:
        E.parse_events("\n".join([HEADER, _row(), _row(**{"id": "x-2", **kw})]), "ev.csv")
    assert exc.value.row == 3 and exc.value.column == column and exc.value.file == "ev.csv"


def test_reader_refuses_duplicates_and_missing_columns(tmp_path):
    with pytest.raises(DataError, match="duplicate id"):
        E.parse_events("\n".join([HEADER, _row(), _row()]))
    with pytest.raises(DataError, match="missing column"):
        E.parse_events("id,exporter\nx,CHN\n")
    p = tmp_path / "ev.csv"
    p.write_text("\n".join([HEADER, _row(destinations="USA;JPN")]) + "\n", encoding="utf-8")
    got = E.read_events(p)
    assert got["destinations"].iloc[0] == ("USA", "JPN") and bool(got["restrictive"].iloc[0])


def test_hs_overlap_is_heading_aware():
    assert E.hs_overlap("2846", "284690") and E.hs_overlap("284690", "2846")
    assert not E.hs_overlap("284610", "284690")


def test_events_for_a_series_and_a_range():
    got = E.events_for("811292", exporter="CHN", start="2019-01", end="2024-12")
    assert list(got["id"]) == ["chn-2023-gallium-germanium", "chn-2024-us-dual-use"]
    assert list(got["effective_month"]) == ["2023-08", "2024-12"]
    assert E.events_for("280530", start="2019-01", end="2024-12").empty
    assert list(E.events_for("280530")["id"]) == ["chn-2010-rare-earth-quota-h2",
                                                  "chn-2025-medium-heavy-rare-earths",
                                                  "chn-2025-five-medium-heavy-rare-earths"]
    # an announcement inside the range counts even when the effective date is after it
    assert list(E.events_for("250410", start="2023-10", end="2023-10")["id"]) == ["chn-2023-graphite"]


def test_active_events_respect_effective_and_end_dates():
    assert list(E.active_events("380110", "2023-12")["id"]) == ["chn-2023-graphite"]
    assert E.active_events("380110", "2023-11").empty
    assert set(E.active_events("811292", "2025-01")["id"]) == {"chn-2023-gallium-germanium",
                                                               "chn-2024-us-dual-use"}
    assert list(E.active_events("811292", "2025-12")["id"]) == ["chn-2023-gallium-germanium"]
    # suspended the day before it was to take effect: never in force
    assert E.active_events("850760", "2025-11").empty


def test_nearest_event_with_tolerance():
    hit = E.nearest_event("250410", "2023-12", exporter="CHN", tolerance=2)
    assert hit["id"] == "chn-2023-graphite" and hit["distance"] == 0
    assert E.nearest_event("811292", "2023-10", tolerance=2)["distance"] == 2
    assert E.nearest_event("280530", "2024-09", tolerance=2) is None
    assert E.nearest_event("811292", "2019-04", tolerance=2) is None
    assert E.month_distance("2023-12", "2023-10") == 2 and E.month_distance("2023-06", "2023-08") == -2


def test_cli_lists_the_events():
    runner = CliRunner()
    res = runner.invoke(app, ["monitor", "events", "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert len(d["events"]) == 14 and d["restrictive_kinds"] == list(E.RESTRICTIVE_KINDS)
    ga = next(e for e in d["events"] if e["id"] == "chn-2023-gallium-germanium")
    assert ga["effective"] == "2023-08-01" and ga["ended"] is None and "811292" in ga["hs_codes"]
    res = runner.invoke(app, ["monitor", "events", "--hs", "380110", "--json"])
    assert res.exit_code == 0
    assert [e["id"] for e in json.loads(res.stdout)["events"]] == ["chn-2023-graphite",
                                                                   "chn-2024-us-dual-use"]
    res = runner.invoke(app, ["monitor", "events"])
    assert res.exit_code == 0 and "known export-control events (14)" in res.stdout
    res = runner.invoke(app, ["monitor", "events", "--csv"])
    assert res.exit_code == 0 and res.stdout.splitlines()[0].startswith("id,exporter,announced")
