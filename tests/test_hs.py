"""The HS catalogue: lines per commodity, what mixed lines hold, units."""

from __future__ import annotations

import pytest

from critmin import hs
from critmin.commodities import ids


def test_catalogue_is_consistent():
    cat = hs.catalogue()
    assert not cat.duplicated(["hs_code", "commodity"]).any()
    assert set(cat["commodity"]) <= set(ids())
    assert (cat["hs_code"].str.len() == cat["level"]).all()
    assert cat["hs_code"].str.fullmatch(r"\d{4}|\d{6}").all()
    assert set(cat["unit"]) == {"kg"}
    # a mixed line says what it mixes; a code has one description whatever the commodity
    assert (cat.loc[cat["mixed"], "mixes"].str.len() > 0).all()
    assert (cat.groupby("hs_code")["description"].nunique() == 1).all()


def test_rare_earth_lines():
    lines = hs.lines_for("rare-earths")
    assert {"2846", "280530", "284690", "850511", "2805"} <= set(lines["hs_code"])
    assert hs.default_lines("rare-earths") == ["280530", "2846"]
    assert hs.lines_for("raree")["hs_code"].tolist() == lines["hs_code"].tolist()  # USGS code
    assert not hs.is_mixed("2846") and not hs.is_mixed("280530")
    assert hs.is_mixed("850511")  # NdFeB and SmCo with AlNiCo and other metal magnets
    assert hs.is_mixed("2805")  # alkali metals and mercury too


def test_gallium_germanium_line_is_mixed():
    info = hs.describe("811292")
    assert info["mixed"] is True and info["level"] == 6 and info["unit"] == "kg"
    assert set(info["commodities"]) == {"gallium", "germanium"}
    assert "indium" in info["mixes"]["gallium"] and "germanium" in info["mixes"]["gallium"]
    assert "gallium" in info["mixes"]["germanium"]
    assert hs.is_mixed(811292, "gallium") and hs.is_mixed("8112.92", "germanium")
    assert hs.describe("282560")["description"] == "Germanium oxides and zirconium dioxide"
    assert hs.is_mixed("282560", "germanium")


def test_other_commodities():
    assert {"250410", "380110", "2504"} <= set(hs.lines_for("graphite")["hs_code"])
    assert {"253090", "282520", "283691"} <= set(hs.lines_for("lithium")["hs_code"])
    assert hs.is_mixed("253090") and not hs.is_mixed("283691")
    assert {"282200", "8105"} <= set(hs.lines_for("cobalt")["hs_code"])
    assert {"7501", "7502"} <= set(hs.lines_for("nickel")["hs_code"])
    assert {"7402", "7403"} <= set(hs.lines_for("copper")["hs_code"])
    assert {"2611", "8101"} <= set(hs.lines_for("tungsten")["hs_code"])
    assert "8110" in set(hs.lines_for("antimony")["hs_code"])
    assert hs.lines_for("helium").empty


def test_unknown_and_nested_codes():
    with pytest.raises(hs.UnknownHSCodeError, match="284690"):
        hs.describe("28469010")  # a Chinese national line inside 284690
    with pytest.raises(hs.UnknownHSCodeError):
        hs.describe("999999")
    with pytest.raises(hs.UnknownHSCodeError, match="not catalogued for rare-earths"):
        hs.is_mixed("811292", "rare-earths")
    with pytest.raises(ValueError):
        hs.normalize_code("28a6")
    assert hs.nested_pairs(["2846", "284690", "280530"]) == [("2846", "284690")]
    assert hs.nested_pairs(["2846", "280530"]) == []
