"""Tests of the commodity catalogue (critmin.commodities and data/commodities.csv)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from critmin import commodities as cm
from critmin.errors import UnknownCommodityError
from critmin.sources._io import read_text


def test_catalogue_shape_and_ids() -> None:
    cat = cm.catalogue()
    assert cat["id"].is_unique
    assert all(re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", i) for i in cat["id"])
    # the 77 commodities with world tables in MCS 2023-2025, plus the salient-only ones
    assert int(cat["world_table"].sum()) == 77
    for col in ("name", "stages", "default_stage", "basis", "product"):
        assert (cat[col].str.len() > 0).all(), col
    for rec in cat.itertuples():
        assert rec.default_stage in rec.stages.split(";"), rec.id
        if rec.world_table:
            assert rec.unit, rec.id


@pytest.mark.parametrize(
    ("name", "cid"),
    [
        ("rare-earths", "rare-earths"),
        ("Rare earths", "rare-earths"),
        ("RARE EARTHS", "rare-earths"),
        ("raree", "rare-earths"),
        ("rareee", "rare-earths"),
        ("RAREE", "rare-earths"),
        ("Rare Earths (Heavy)", "rare-earths-heavy"),
        ("Dysprosium", "rare-earths-heavy"),
        ("Neodymium", "rare-earths"),
        ("lithi", "lithium"),
        ("lithium", "lithium"),
        ("Lithium ", "lithium"),
        ("Gemanium", "germanium"),
        ("germa", "germanium"),
        ("Tungsten ", "tungsten"),
        ("Iron Ore  ", "iron-ore"),
        ("Platinum-Group metals", "platinum-group-metals"),
        ("Palladium", "platinum-group-metals"),
        ("plati", "platinum-group-metals"),
        ("Titanium Mineral Concentrates", "titanium-mineral-concentrates"),
        ("timin", "titanium-mineral-concentrates"),
        ("Titanium & titanium dioxide", "titanium"),
        ("Nitrogen(fixed) - Ammonia", "nitrogen"),
        ("NITROGEN (FIXED)—AMMONIA", "nitrogen"),
        ("Talc, crude", "talc"),
        ("Talc and Pyrophyllite", "talc"),
        ("HELIUM AND RARE GASES", "helium"),
        ("Neon", "rare-gases"),
        ("Neon, krypton, and xenon ", "rare-gases"),
        ("zirco-hafni", "zirconium-and-hafnium"),
        ("Diamond (Bort, grit, and dust and powder; natural and synthetic)", "diamond-industrial"),
        ("GRAPHITE (NATURAL)", "graphite"),
        ("graph", "graphite"),
    ],
)
def test_get(name: str, cid: str) -> None:
    assert cm.get(name).id == cid


def test_get_unknown_lists_close_ids() -> None:
    with pytest.raises(UnknownCommodityError) as exc:
        cm.get("rare earth")
    msg = str(exc.value)
    assert "rare earth" in msg and "rare-earths" in msg
    with pytest.raises(KeyError):  # UnknownCommodityError is a KeyError too
        cm.get("unobtainium")


def test_from_usgs_code_and_filename() -> None:
    assert cm.from_usgs_code("rareee").id == "rare-earths"
    assert cm.from_usgs_code("ALUM").id == "aluminum"
    with pytest.raises(UnknownCommodityError):
        cm.from_usgs_code("Rare earths")  # a name is not a code
    assert cm.code_from_filename("mcs2023-raree_world.csv") == "raree"
    assert cm.code_from_filename("MCS2024-bismu_world.csv") == "bismu"
    assert cm.code_from_filename("mcs2023tellu_salient.csv") == "tellu"
    assert cm.code_from_filename("mcs2023-zirco-hafni_world.csv") == "zirco-hafni"
    assert cm.code_from_filename("mcs2025-lithium_salient.csv") == "lithium"
    assert cm.code_from_filename("MCS2025_World_Data.csv") is None


def _mcs_files(root: Path) -> list[Path]:
    return [p for p in root.glob("mcs20*/*/*") if p.parent.name in ("world", "salient", "meta")]


def test_every_file_code_maps(shared_data: Path) -> None:
    files = _mcs_files(shared_data / "usgs_mcs")
    assert len(files) > 500
    unmapped = []
    for p in files:
        code = cm.code_from_filename(p.name)
        if code is None:
            unmapped.append(p.name)
            continue
        try:
            cm.from_usgs_code(code)
        except UnknownCommodityError:
            unmapped.append(p.name)
    assert unmapped == []


def test_every_mcs2025_name_maps(shared_data: Path) -> None:
    text = read_text(shared_data / "usgs_mcs" / "mcs2025" / "MCS2025_World_Data.csv")
    names = {r["COMMODITY"] for r in csv.DictReader(io.StringIO(text))}
    assert len(names) == 77  # as published, incl. two talc names and trailing-space variants
    ids = {cm.from_mcs_name(n).id for n in names}
    assert len(ids) == 76  # talc twice; dimension stone has no MCS 2025 world table
    assert "germanium" in ids


def test_every_mcs2026_chapter_and_commodity_maps(shared_data: Path) -> None:
    text = read_text(shared_data / "usgs_mcs" / "mcs2026" / "MCS2026_Commodities_Data.csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    chapters = {r["MCS chapter"] for r in rows}
    assert len(chapters) == 89
    for ch in chapters:
        cm.from_mcs_name(ch)
    for r in rows:
        com = cm.from_mcs_name(r["Commodity"])
        chap = cm.from_mcs_name(r["MCS chapter"])
        # a sub-commodity belongs to its chapter, except the rare gases of HELIUM AND RARE GASES
        assert com.id == chap.id or (chap.id == "helium" and com.id == "rare-gases"), r


def test_catalogue_csv_lists_match_lookups() -> None:
    for c in map(cm.get, cm.ids()):
        for key in (c.id, c.name, *c.usgs_codes, *c.mcs2025_names, *c.mcs2026_chapters,
                    *c.mcs2026_commodities):
            assert cm.get(key).id == c.id, key
