"""The reader of the 2023 bilateral Comtrade imports (docs/data.md §5f): the raw file, its quirks, the
HS catalogue's flag on the mixed heading 2805, and the bundle.

Figures are recomputed here from the raw CSV with the csv module, independently of the reader.
"""

from __future__ import annotations

import csv
import json
import math

import pytest

from critmin import hs
from critmin.errors import DataError
from critmin.sources.comtrade_bilateral import (
    EDITION,
    PARTNER_HUB,
    REPORTER_HUB,
    SOURCE,
    hub_partners,
    parse_comtrade_bilateral,
    read_comtrade_bilateral,
)
from critmin.sources.registry import read_source
from critmin.warehouse import bundle_dir

REL = "trade/un_comtrade_bilateral_imports_2023/bilateral_edges_2023_imports_2504_2805_2846_7502_8105.csv"
HEAD = ("commodity,flow,reporter,partner,reporter_name,partner_name,is_world,partner_is_group,"
        "partner_is_hub,reporter_is_hub,value_usd,net_kg\n")
NAME = "bilateral_edges_2023_imports_test.csv"


@pytest.fixture(scope="module")
def raw(shared_data):
    with open(shared_data / REL, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def df(shared_data):
    return read_comtrade_bilateral(shared_data / REL)


def test_raw_file_rows_provenance_and_reporters(df, raw):
    assert len(df) == len(raw) == 2874
    assert df["hs_code"].value_counts().to_dict() == {"8105": 707, "2504": 599, "7502": 557,
                                                      "2846": 518, "2805": 493}
    assert set(df["source"]) == {SOURCE} and set(df["edition"]) == {EDITION}
    assert set(df["file"]) == {REL.rsplit("/", 1)[1]} and df["row"].min() == 2
    assert df["row"].max() == 2875
    assert set(df["flow"]) == {"import"} and set(df["freq"]) == {"A"}
    assert set(df["period"].astype(str).str[:10]) == {"2023-01-01"}
    reporters = set(df["reporter"])
    assert len(reporters) == 30 and {"JPN", "KOR", "DEU", "USA", "CHN", "GBR"} <= reporters
    # France is absent as a reporter (queried upstream under 250), present as a partner (251)
    assert "FRA" not in reporters and "FRA" in set(df["partner"])
    # areas "not elsewhere specified" are aggregates, never countries
    agg = df[df["partner_kind"] == "aggregate"]
    assert set(agg["partner"]) == {"CT:490", "CT:568", "CT:839", "CT:899"}
    assert "WLD" not in set(df["partner"])  # the source removed its World rows


def test_japan_rare_earth_compounds_china_share(df, raw):
    # bilateral_edges_2023_...csv lines 1317-1332: Japan (392), HS 2846, 16 partners; line 1319 is
    # China (156): value_usd 218567082.694, net_kg 7357770.0
    jp = [r for r in raw if r["reporter"] == "392" and r["commodity"] == "2846"]
    assert len(jp) == 16
    kg = sum(float(r["net_kg"]) for r in jp)
    usd = sum(float(r["value_usd"]) for r in jp)
    cn = next(r for r in jp if r["partner"] == "156")
    assert (float(cn["net_kg"]), float(cn["value_usd"])) == (7357770.0, 218567082.694)
    assert kg == pytest.approx(11520081.49) and usd == pytest.approx(303049221.768)
    assert float(cn["net_kg"]) / kg == pytest.approx(0.639, abs=5e-4)        # 63.9 % by weight
    assert float(cn["value_usd"]) / usd == pytest.approx(0.721, abs=5e-4)     # 72.1 % by value
    mine = df[(df["reporter"] == "JPN") & (df["hs_code"] == "2846")]
    assert mine["quantity_kg"].sum() == pytest.approx(kg)
    row = mine[mine["partner"] == "CHN"].iloc[0]
    assert (row["row"], row["quantity_kg"], row["value_usd"]) == (1319, 7357770.0, 218567082.694)


def test_zero_weight_beside_a_value_is_missing_not_zero(df, raw):
    zero = [r for r in raw if float(r["net_kg"]) == 0 and float(r["value_usd"]) > 0]
    assert len(zero) == 41
    miss = df[df["missing"] == "not_reported"]
    assert len(miss) == 41 and miss["quantity_kg"].isna().all() and (miss["value_usd"] > 0).all()


def test_hub_flags_are_kept(df, raw):
    assert hub_partners(df) == {"NLD", "BEL", "SGP", "HKG", "ARE"}
    n_hub = sum(r["partner_is_hub"] == "True" for r in raw)
    assert df["notes"].fillna("").str.contains(PARTNER_HUB).sum() == n_hub == 250
    rep = df[df["notes"].fillna("").str.contains(REPORTER_HUB)]
    assert set(rep["reporter"]) == {"NLD", "BEL", "SGP"} and len(rep) == 385


def test_registry_reads_it(shared_data):
    out = read_source(shared_data / REL, "comtrade-bilateral")
    assert list(out) == ["trade"] and len(out["trade"]) == 2874


def _one(line: str, name: str = NAME, **kw):
    return parse_comtrade_bilateral(HEAD + line, name, **kw)


def test_quirks_on_synthetic_rows():
    df = _one("2846,M,392,156,Japan,China,False,False,False,False,10.0,0\n"
              "2846,M,392,0,Japan,World,True,False,False,False,30.0,7.0\n"
              "2846,M,392,528,Japan,Netherlands,False,False,True,False,0,5.0\n"
              "2846,M,392,490,Japan,\"Other Asia, nes\",False,False,False,False,0,0\n")
    assert df["partner"].tolist() == ["CHN", "WLD", "NLD", "CT:490"]
    assert df["partner_kind"].tolist() == ["country", "aggregate", "country", "aggregate"]
    assert math.isnan(df["quantity_kg"].iloc[0]) and df["missing"].iloc[0] == "not_reported"
    assert math.isnan(df["value_usd"].iloc[2]) and df["missing"].iloc[2] == "value_not_reported"
    assert df["quantity_kg"].iloc[3] == 0 and df["value_usd"].iloc[3] == 0  # a zero flow
    assert df["notes"].iloc[2] == PARTNER_HUB
    assert str(df["period"].iloc[0])[:10] == "2023-01-01" and set(df["value_basis"]) == {"primary"}
    assert _one("504,M,392,156,Japan,China,False,False,False,False,1,1\n")["hs_code"].iloc[0] == "0504"


@pytest.mark.parametrize(("line", "kw", "match"), [
    ("2846,M,392,156,Japan,China,True,False,False,False,1,1\n", {}, "is_world contradicts"),
    ("2846,M,392,0,Japan,World,False,False,False,False,1,1\n", {}, "is_world contradicts"),
    ("2846,M,392,156,Japan,China,False,True,False,False,1,1\n", {}, "flags the partner as a group"),
    ("2846,M,392,156,Japan,China,False,False,maybe,False,1,1\n", {}, "True or False"),
    ("2846,Q,392,156,Japan,China,False,False,False,False,1,1\n", {}, "unknown flow"),
    ("28x6,M,392,156,Japan,China,False,False,False,False,1,1\n", {}, "HS code"),
    ("2846,M,392,99999,Japan,Atlantis,False,False,False,False,1,1\n", {}, "unknown UN Comtrade"),
    ("2846,M,392,156,Japan,China,False,False,False,False,1,1 kg\n", {}, "expected a number"),
    ("2846,M,490,156,\"Other Asia, nes\",China,False,False,False,False,1,1\n", {}, "not a country"),
    ("2846,M,392,156,Japan,China,False,False,False,False,1,1\n", {"name": "edges.csv"}, "no year"),
])
def test_errors_name_the_cell(line, kw, match):
    with pytest.raises(DataError, match=match) as err:
        _one(line, **kw)
    assert "edges" in str(err.value) or NAME in str(err.value)


def test_duplicates_and_missing_columns_raise():
    row = "2846,M,392,156,Japan,China,False,False,False,False,1,1\n"
    with pytest.raises(DataError, match="same trade value"):
        _one(row + row)
    with pytest.raises(DataError, match="lacks the column"):
        parse_comtrade_bilateral("commodity,flow\n2846,M\n", NAME)
    assert _one(row, year=2021)["period"].astype(str).str[:4].tolist() == ["2021"]


def test_mixed_heading_2805_is_flagged_in_the_catalogue():
    info = hs.describe("2805")
    assert info["mixed"] and hs.is_mixed("2805", "rare-earths")
    assert "alkali" in info["mixes"]["rare-earths"]
    assert "2023 bilateral Comtrade file" in info["notes"]
    assert "2805" not in hs.default_lines("rare-earths")  # never summed by default


def test_bundle_holds_it():
    man = json.loads((bundle_dir() / "manifest.json").read_text("utf-8"))
    info = man["files"]["bilateral_edges_2023_imports_2504_2805_2846_7502_8105.csv"]
    assert (info["source"], info["edition"], info["rows"]) == ("comtrade-bilateral", EDITION,
                                                             {"trade": 2874})
