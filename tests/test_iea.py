"""Reader of the IEA Critical Minerals Data Explorer JSON (critmin.sources.iea).

Values are typed from the raw file ``iea/iea_critical_minerals_data_explorer_2025ed_converted.json``;
each cites its JSON pointer (and line). Synthetic buffers cover the quirks one at a time."""

from __future__ import annotations

import json
import math
import warnings

import pandas as pd
import pytest

from critmin.errors import ConsistencyError, DataError
from critmin.schema import TABLES
from critmin.sources import iea
from critmin.sources._jsonlines import load_with_lines, pointer
from critmin.sources.registry import READERS, read_source
from critmin.warehouse import Warehouse

RAW = "iea/iea_critical_minerals_data_explorer_2025ed_converted.json"


@pytest.fixture(scope="module")
def raw_path(shared_data):
    return shared_data / RAW


@pytest.fixture(scope="module")
def tables(raw_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the real file passes every consistency check
        return iea.read_iea(raw_path, strict=True)


@pytest.fixture(scope="module")
def sup(tables):
    return tables["outlook_supply"]


@pytest.fixture(scope="module")
def dem(tables):
    return tables["outlook_demand"]


def _one(df: pd.DataFrame, **where) -> pd.Series:
    m = pd.Series(True, index=df.index)
    for k, v in where.items():
        m &= df[k] == v
    hit = df[m]
    assert len(hit) == 1, (where, len(hit))
    return hit.iloc[0]


# ----------------------------------------------------------------------------- the raw file
def test_tables_conform_and_count(sup, dem):
    assert list(sup.columns) == [f.name for f in TABLES["outlook_supply"]]
    assert list(dem.columns) == [f.name for f in TABLES["outlook_demand"]]
    # 6 minerals x 2 stages x (countries + Rest of world + total) x 4 years; the two footnote rows
    # give none
    assert len(sup) == 340
    assert sup.groupby(["commodity", "stage"]).size().min() == 24
    assert set(sup["source"]) == {"iea"} and set(sup["edition"]) == {"IEA-CMDE-2025"}
    assert set(sup["edition_date"]) == {"2025-05-21"}
    assert len(dem) == 3056


def test_footnote_rows_are_not_countries(sup):
    # /supply/Rare Earth Elements/mining/countries holds two IEA footnotes with null values
    ree = sup[(sup["commodity"] == "rare-earths") & (sup["stage"] == "mine")]
    assert set(ree["country"]) == {"CHN", "MMR", "AUS", "USA", "OTH", "WLD"}
    assert not sup["country_raw"].str.contains("Notes|Base case").any()
    assert len(ree) == 6 * 4
    note = ree["notes"].iloc[0]
    assert note.startswith("Notes: Supply projections for the key energy transition minerals")
    assert "“Base case” is assessed through their probability of coming online" in note
    # the notes describe every supply projection, so every row carries them
    assert sup["notes"].str.contains("Base case").all()


def test_country_mapping(sup):
    cu = sup[(sup["commodity"] == "copper") & (sup["stage"] == "mine") & (sup["year"] == 2024)]
    codes = dict(zip(cu["country_raw"], cu["country"], strict=True))
    assert codes["Democratic Republic of Congo"] == "COD"
    assert codes["Rest of world"] == "OTH" and codes["total"] == "WLD"
    assert codes["Russia"] == "RUS" and codes["United States"] == "USA"
    kinds = dict(zip(cu["country"], cu["country_kind"], strict=True))
    assert kinds["OTH"] == kinds["WLD"] == "aggregate" and kinds["COD"] == "country"
    assert set(sup.loc[sup["country_kind"] == "country", "country"].str.len()) == {3}
    ni = sup[sup["commodity"] == "nickel"]
    assert "NCL" in set(ni["country"])  # New Caledonia


def test_units_and_hand_checked_values(sup, dem):
    assert set(sup["unit"]) == {"kt"} and set(dem["unit"]) == {"kt"}
    ok = sup["missing"].isna() & ~((sup["country"] == "OTH") & sup["notes"].str.startswith("Rest"))
    assert (sup.loc[ok, "quantity_t"] == sup.loc[ok, "value"] * 1000).all()
    # /supply/Rare Earth Elements/refining/countries/China/2024 (line 1768): 73.75667016860831
    r = _one(sup, commodity="rare-earths", stage="refinery", country="CHN", year=2024)
    assert r["value"] == 73.75667016860831 and r["quantity_t"] == pytest.approx(73_756.67016860831)
    assert r["row"] == 1768 and not r["projected"]
    assert r["json_pointer"] == "/supply/Rare Earth Elements/refining/countries/China/2024"
    # /supply/Rare Earth Elements/mining/countries/China/2024 (line 1710): 45.78735
    r = _one(sup, commodity="rare-earths", stage="mine", country="CHN", year=2024)
    assert r["value"] == 45.78735 and r["row"] == 1710
    # /supply/Rare Earth Elements/mining/total/2024: 75.09879032554382 (IEA: "75 kt" of magnet REE)
    assert _one(sup, commodity="rare-earths", stage="mine", country="WLD",
                year=2024)["value"] == 75.09879032554382
    # /supply/Lithium/refining/countries/China/2030: 277.0744111599999
    r = _one(sup, commodity="lithium", stage="refinery", country="CHN", year=2030)
    assert r["value"] == 277.0744111599999 and r["projected"]
    # /supply/Graphite/refining/countries/Canada/2024: 0.0 -> a published zero, not missing
    r = _one(sup, commodity="graphite", stage="refinery", country="CAN", year=2024)
    assert r["quantity_t"] == 0.0 and pd.isna(r["missing"])
    # /totalDemand/Lithium/totalDemand/APS/2030: 504.5392429258079
    r = _one(dem, series="total_demand", commodity="lithium", sector="Total demand",
             scenario="APS", year=2030)
    assert r["value"] == 504.5392429258079 and r["quantity_t"] == pytest.approx(504_539.2429258079)
    # /totalDemand/Rare Earth Elements/totalDemand/2024: 90.92177761290353, one base-year value
    r = _one(dem, series="total_demand", commodity="rare-earths", sector="Total demand", year=2024)
    assert r["value"] == 90.92177761290353 and r["scenario"] == "base-year"
    # /totalDemand/Copper/sectors/Solar PV/2024 and /byTechnology/Solar PV/minerals/Copper/2024
    # disagree in the source: two series, both kept
    a = _one(dem, series="total_demand", commodity="copper", sector="Solar PV", year=2024)
    b = _one(dem, series="by_technology", commodity="copper", sector="Solar PV", year=2024)
    assert (a["value"], b["value"]) == (1657.2, 1657.26)


def test_row_is_the_line_of_the_value(sup, dem, raw_path):
    lines = raw_path.read_text("utf-8").splitlines()
    for df in (sup, dem.sample(300, random_state=1)):
        for r in df.itertuples():
            key = r.json_pointer.rsplit("/", 1)[-1]
            line = lines[r.row - 1].strip()
            assert line.startswith(f'"{key}":'), (r.json_pointer, r.row, line)
            text = line.split(":", 1)[1].strip().rstrip(",")
            assert (text == "null") if math.isnan(r.value) else float(text) == r.value


def test_basis_is_labelled(sup, dem):
    ree = sup[sup["commodity"] == "rare-earths"]
    assert set(ree["basis"]) == {"magnet rare earth elements (Nd, Pr, Dy, Tb)"}
    assert set(dem.loc[(dem["mineral"] == "Rare Earth Elements"), "basis"]) == {
        "magnet rare earth elements (Nd, Pr, Dy, Tb)"}
    assert not (sup["basis"] == "REO").any()
    assert set(sup.loc[sup["commodity"] == "lithium", "basis"]) == {"lithium content (Li)"}
    gr = sup[sup["commodity"] == "graphite"].groupby("stage")["basis"].first()
    assert gr["mine"] == "natural graphite" and gr["refinery"] == "battery-grade graphite"
    assert sup["basis"].notna().all() and dem["basis"].notna().all()


def test_countries_add_up_to_the_total(sup):
    for (c, s, y), g in sup.groupby(["commodity", "stage", "year"]):
        world = g.loc[g["country"] == "WLD", "quantity_t"].iloc[0]
        parts = g.loc[g["country"] != "WLD", "quantity_t"].sum()
        assert parts == pytest.approx(world, rel=1e-9), (c, s, y)


def test_rest_of_world_that_counts_a_listed_country(sup):
    # /supply/Nickel/mining: Rest of world 2024 = 629 kt = total 3861 - the first five countries;
    # Australia (100 kt) is listed as well
    r = _one(sup, commodity="nickel", stage="mine", country="OTH", year=2024)
    assert r["value"] == 629.0 and r["quantity_t"] == pytest.approx(529_000.0)
    assert "also counts Australia (100.000 kt)" in r["notes"]
    r = _one(sup, commodity="graphite", stage="refinery", country="OTH", year=2030)
    assert "Germany" in r["notes"]
    # where the parts add up, Rest of world is as published
    r = _one(sup, commodity="lithium", stage="refinery", country="OTH", year=2030)
    assert r["quantity_t"] == pytest.approx(r["value"] * 1000) and r["notes"].startswith("Notes:")


def test_scenarios_years_and_commodities(sup, dem):
    assert sorted(sup["year"].unique()) == [2024, 2030, 2035, 2040]
    assert (sup["projected"] == (sup["year"] > 2024)).all()
    assert set(dem["scenario"]) == {"base-year", "STEPS", "APS", "NZE"}
    assert set(dem.loc[dem["scenario"] == "base-year", "year"]) == {2024}
    assert sorted(dem.loc[dem["scenario"] == "APS", "year"].unique()) == [2030, 2035, 2040, 2045,
                                                                         2050]
    assert set(dem["series"]) == {"total_demand", "cleantech_by_technology", "cleantech_by_mineral",
                                  "by_technology"}
    assert set(sup["commodity"]) == {"copper", "cobalt", "lithium", "nickel", "graphite",
                                     "rare-earths"}
    m = dem.drop_duplicates("mineral").set_index("mineral")["commodity"]
    assert m["Dysprosium"] == "rare-earths" and m["Battery-grade graphite"] == "graphite"
    assert m["PGMs"] == "platinum-group-metals" and m["Total EV"] == "all"
    assert m["Hafnium"] == "zirconium-and-hafnium"
    # total = clean technologies + other uses, for every base-year and scenario value
    td = dem[dem["series"] == "total_demand"].pivot_table(
        index=["commodity", "scenario", "year"], columns="sector", values="value")
    assert (td["Clean technologies (total)"] + td["Other uses"]).to_numpy() == pytest.approx(
        td["Total demand"].to_numpy(), rel=1e-9)


def test_registry_and_warehouse(raw_path):
    assert "iea" in READERS
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = read_source(raw_path, "iea")
    wh = Warehouse(":memory:")
    try:
        for _ in range(2):  # idempotent
            counts = wh.ingest_tables(t, file=raw_path.name)
        assert counts == {"outlook_supply": 340, "outlook_demand": 3056}
        assert wh.counts()["outlook_supply"] == 340
        latest = wh.table("outlook_supply", latest=True, commodity="lithium", stage="refinery",
                          country="CHN", year=2030)
        assert len(latest) == 1 and latest["n_editions"].iloc[0] == 1
    finally:
        wh.close()


# ----------------------------------------------------------------------------- synthetic buffers
def _doc(countries: dict | None = None, total: dict | None = None, top3: dict | None = None) -> dict:
    countries = countries if countries is not None else {
        "China": {"2024": 60.0, "2030": 70.0},
        "Democratic Republic of Congo": {"2024": 30.0, "2030": 20.0},
        "Rest of world": {"2024": 10.0, "2030": 10.0},
    }
    block = {"countries": countries, "total": total or {"2024": 100.0, "2030": 100.0}}
    if top3 is not None:
        block["top3Share"] = top3
    series = {"2024": 5.0, "STEPS": {"2030": 6.0}, "APS": {"2030": 7.0}, "NZE": {"2030": 8.0}}
    return {
        "source": "test",
        "supply": {"Cobalt": {"refining": block}},
        "totalDemand": {"Cobalt": {"sectors": {"Electric vehicles": series},
                                   "totalClean": series,
                                   "otherUses": {"2024": 1.0, "STEPS": {"2030": 1.0},
                                                 "APS": {"2030": 1.0}, "NZE": {"2030": 1.0}},
                                   "totalDemand": {"2024": 6.0, "STEPS": {"2030": 7.0},
                                                   "APS": {"2030": 8.0}, "NZE": {"2030": 9.0}}}},
    }


def _parse(doc: dict, name: str = "iea_test.json", **kw) -> dict[str, pd.DataFrame]:
    return iea.parse_iea(json.dumps(doc, indent=2, ensure_ascii=False), name, **kw)


def test_synthetic_buffer_parses():
    t = _parse(_doc(top3={"2024": 0.9, "2030": 0.9}), strict=True)
    s = t["outlook_supply"].set_index(["country", "year"])
    assert s.loc[("COD", 2024), "quantity_t"] == 30_000.0
    assert s.loc[("WLD", 2030), "country_raw"] == "total"
    assert set(s["stage"]) == {"refinery"} and set(s["basis"]) == {"refined cobalt"}
    assert set(t["outlook_supply"]["edition"]) == {"IEA-CMDE-2025"}  # base year 2024 + 1
    d = t["outlook_demand"]
    assert len(d) == 4 * 4 and set(d["commodity"]) == {"cobalt"}


def test_synthetic_footnote_dropped_but_a_number_under_a_non_country_raises():
    c = _doc()["supply"]["Cobalt"]["refining"]["countries"]
    c["Source: IEA analysis."] = {"2024": None, "2030": None}
    t = _parse(_doc(countries=c))
    s = t["outlook_supply"]
    assert "Source: IEA analysis." not in set(s["country_raw"])
    assert (s["notes"] == "Source: IEA analysis.").all()
    c["Atlantis"] = {"2024": 1.0, "2030": None}
    with pytest.raises(DataError, match="unknown country name") as exc:
        _parse(_doc(countries=c))
    assert exc.value.row is not None and "/supply/Cobalt/refining/countries/Atlantis" in str(exc.value)


def test_synthetic_null_for_a_country_is_missing():
    c = _doc()["supply"]["Cobalt"]["refining"]["countries"]
    c["Japan"] = {"2024": None, "2030": 0.0}
    s = _parse(_doc(countries=c))["outlook_supply"].set_index(["country", "year"])
    assert math.isnan(s.loc[("JPN", 2024), "quantity_t"]) and s.loc[("JPN", 2024), "missing"] == "blank"
    assert s.loc[("JPN", 2030), "quantity_t"] == 0.0


def test_synthetic_total_gap_warns_or_raises():
    doc = _doc(total={"2024": 100.0, "2030": 120.0})
    with pytest.warns(UserWarning, match="the published total is 120.000 kt"):
        _parse(doc)
    with pytest.raises(ConsistencyError):
        _parse(doc, strict=True)


def test_synthetic_rest_of_world_double_count_is_taken_out():
    c = _doc()["supply"]["Cobalt"]["refining"]["countries"]
    c["Canada"] = {"2024": 4.0, "2030": 5.0}  # also inside Rest of world
    s = _parse(_doc(countries=c), strict=True)["outlook_supply"].set_index(["country", "year"])
    assert s.loc[("OTH", 2024), "value"] == 10.0 and s.loc[("OTH", 2024), "quantity_t"] == 6_000.0
    assert s.loc[("OTH", 2030), "quantity_t"] == 5_000.0
    assert "also counts Canada" in s.loc[("OTH", 2024), "notes"]


def test_synthetic_top3_share_checked():
    with pytest.raises(ConsistencyError, match="top3Share"):
        _parse(_doc(top3={"2024": 0.5}), strict=True)


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda d: d["supply"]["Cobalt"]["refining"]["countries"]["China"].update({"2024": "60"}),
     "expected a number"),
    (lambda d: d.pop("supply"), "no \\['supply'\\]"),
    (lambda d: d["supply"].update({"Unobtainium": {"mining": {"countries": {}}}}),
     "unknown mineral"),
    (lambda d: d["supply"]["Cobalt"].update({"smelting": {"countries": {}}}), "unknown stage"),
    (lambda d: d["totalDemand"]["Cobalt"]["totalDemand"].update({"2023": 1.0}), "base year"),
])
def test_synthetic_errors_name_the_place(mutate, message):
    doc = _doc()
    mutate(doc)
    with pytest.raises(DataError, match=message) as exc:
        _parse(doc)
    assert "iea_test.json" in str(exc.value)


def test_edition_from_base_year_checked_against_file_name():
    with pytest.raises(DataError, match="edition 2024"):
        _parse(_doc(), name="iea_2024ed.json")


def test_duplicate_key_and_malformed_json():
    text = '{\n "supply": {},\n "supply": {}\n}'
    with pytest.raises(DataError, match="duplicate key 'supply'") as exc:
        iea.parse_iea(text, "dup.json")
    assert exc.value.row == 3
    with pytest.raises(DataError, match="malformed JSON") as exc:
        iea.parse_iea('{\n "a": [1, 2,,]\n}', "bad.json")
    assert exc.value.row == 2


def test_json_lines_and_pointer():
    obj, lines = load_with_lines('{"a": {"b/c": [1,\n 2.5, null]},\n "d~": "x"}', "t.json")
    assert obj == {"a": {"b/c": [1, 2.5, None]}, "d~": "x"}
    assert lines[("a", "b/c", 0)] == 1 and lines[("a", "b/c", 1)] == 2
    assert lines[("a", "b/c", 2)] == 2 and lines[("d~",)] == 3
    assert pointer(("a", "b/c", 0)) == "/a/b~1c/0" and pointer(("d~",)) == "/d~0"
