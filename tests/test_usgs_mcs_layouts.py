"""The layout modules of critmin.sources.usgs_mcs: one contract, one detector, an explicit layout.

Detection is checked on the real files of every layout (and on the MCS 2024 world tables filed as
salient files); the one-pass reader of the MCS 2026 long file is checked against the world-only
and salient-only readers on the same buffer.
"""

from __future__ import annotations

import pandas as pd
import pytest

from critmin.errors import DataError
from critmin.sources import usgs_mcs as mcs
from critmin.sources.usgs_mcs import long_2026, salient_wide, world_2025, world_bycommodity

MODULES = [long_2026, salient_wide, world_bycommodity, world_2025]


@pytest.mark.parametrize("mod", MODULES, ids=lambda m: m.LAYOUT)
def test_layout_contract(mod):
    assert mod.__name__.rsplit(".", 1)[-1] == mod.LAYOUT
    assert mod in mcs.LAYOUTS
    for name in ("can_read", "parse", "read"):
        assert callable(getattr(mod, name))
    assert "Notes" in mod.__doc__ and "Quirks of the source" in mod.__doc__
    assert mod.can_read(("zzz", "yyy"), "foo.csv") is False


def test_fix_tables_live_in_their_layout():
    # every world unit fix belongs to the layout of its edition
    assert {k[0] for k in world_bycommodity.UNIT_FIXES} == {"MCS2023", "MCS2024"}
    assert {k[0] for k in world_2025.UNIT_FIXES} == {"MCS2025"}
    assert {k[0] for k in long_2026.UNIT_FIXES} == {"MCS2026"}
    assert len(mcs.UNIT_FIXES) == 6 == sum(len(m.UNIT_FIXES) for m in
                                           (world_bycommodity, world_2025, long_2026))
    assert {k[0] for k in salient_wide.COLUMN_FIXES} == {"MCS2022", "MCS2023", "MCS2024", "MCS2025"}
    assert ("MCS2024", "asbes", "Imports_t", 2023) in salient_wide.CELL_FIXES


@pytest.mark.parametrize(("header", "name", "layout"), [
    (("mcs chapter", "section", "commodity", "statistics"), "x.csv", "long_2026"),
    (("source", "country", "type", "prod_t_2021"), "mcs2023-raree_world.csv", "world_bycommodity"),
    # a missing Country column still goes to the per-commodity reader, which names it
    (("source", "nation", "type", "prod_t_2021"), "mcs2023-raree_world.csv", "world_bycommodity"),
    (("source", "commodity", "country", "type", "unit_meas"), "MCS2025_World_Data.csv", "world_2025"),
    (("datasource", "commodity", "year", "imports_t"), "mcs2025-galli_salient.csv", "salient_wide"),
    # MCS2025 bauxite says Source for DataSource
    (("source", "commodity", "year", "usprod_t"), "mcs2025-bauxi_salient.csv", "salient_wide"),
    # MCS2024 world tables filed as salient files go to the salient reader (which skips them)
    (("source", "country", "type", "prod_t_2022"), "mcs2024-cobal_salient.csv", "salient_wide"),
    (None, "mcs2023-stond_salient.xlsx", "salient_wide"),
    (("datasource", "commodity", "year"), "anything.csv", "salient_wide"),
])
def test_detection_order(header, name, layout):
    hits = [m.LAYOUT for m in mcs.LAYOUTS if m.can_read(header, name)]
    assert hits[0] == layout


@pytest.mark.parametrize(("rel", "layout"), [
    ("mcs2023/world/mcs2023-raree_world.csv", "world_bycommodity"),
    ("mcs2024/world/MCS2024-bismu_world.csv", "world_bycommodity"),
    ("mcs2025/MCS2025_World_Data.csv", "world_2025"),
    ("mcs2025/salient/mcs2025-galli_salient.csv", "salient_wide"),
    ("mcs2025/salient/mcs2025-bauxi_salient.csv", "salient_wide"),
    ("mcs2024/salient/mcs2024-cobal_salient.csv", "salient_wide"),
    ("mcs2023/salient/mcs2023-stond_salient.xlsx", "salient_wide"),
    ("mcs2026/MCS2026_Commodities_Data.csv", "long_2026"),
])
def test_detect_real_files(shared_data, rel, layout):
    assert mcs.detect_layout(shared_data / "usgs_mcs" / rel) == layout


def test_not_an_mcs_table(shared_data):
    # the MCS "industry trends" tables are not data-release tables of a known layout
    p = shared_data / "usgs_mcs/mcs2023/industry_trends/MCS2023_Fig2_Net_Import_Reliance.csv"
    with pytest.raises(DataError, match="not a recognised USGS MCS table") as e:
        mcs.read_usgs_mcs(p)
    assert (e.value.file, e.value.row) == (p.name, 1)


def test_explicit_layout(shared_data):
    src = shared_data / "usgs_mcs/mcs2023/world/mcs2023-raree_world.csv"
    detected = mcs.read_usgs_mcs(src)
    explicit = mcs.read_usgs_mcs(src, layout="world_bycommodity")
    assert list(detected) == list(explicit) == ["production", "reserves"]
    for t in detected:
        pd.testing.assert_frame_equal(detected[t], explicit[t])
    # mcs2023-raree_world.csv line 8: China, 168,000 t REO in 2021
    p = explicit["production"]
    assert p.loc[(p.country == "CHN") & (p.year == 2021), "value"].item() == 168_000
    # told the wrong layout, the reader says what it misses
    with pytest.raises(DataError, match="missing column 'SOURCE'"):
        mcs.read_usgs_mcs(src, layout="world_2025")
    with pytest.raises(DataError, match="unknown MCS layout 'nope'"):
        mcs.read_usgs_mcs(src, layout="nope")


HEAD26 = ("MCS chapter,Section,Commodity,Country,Statistics,Statistics_detail,Unit,Year,Value,Notes,"
          "Is critical mineral 2025,Other notes\n")
BODY26 = (
    "RARE EARTHS,World Mine Production and Reserves,Rare Earths,China,Production,"
    'Mine production,metric tons,2024,"270,000",Estimated.,Yes,\n'
    "RARE EARTHS,World Mine Production and Reserves,Rare Earths,World total,Production,"
    'Mine production: rounded,metric tons,2024,"380,000",Estimated.,Yes,\n'
    "RARE EARTHS,World Mine Production and Reserves,Rare Earths,China,Reserves,"
    'Reserves,metric tons,2024,"44,000,000",,Yes,\n'
    "RARE EARTHS,Salient Statistics\u2014United States,Rare Earths,United States,Consumption,"
    '"Consumption, apparent, compounds and metals",metric tons,2021,"7,900",,Yes,\n'
    "RARE EARTHS,Import Sources,Rare Earths,China,Import sources 2021-2024,"
    "Rare-earth compounds and metals,percent,2021\u201324,71,,Yes,\n"
)


def test_long_2026_one_pass_equals_the_two_readers(tmp_path):
    data = (HEAD26 + BODY26).encode("cp1252")
    path = tmp_path / "MCS2026_Commodities_Data.csv"
    path.write_bytes(data)
    both = mcs.read_usgs_mcs(path)
    assert list(both) == ["production", "reserves", "salient", "prices", "consumption",
                          "import_sources"]
    world = mcs.parse_world(data, path.name)
    sal = mcs.parse_mcs2026_salient(data, path.name)
    for t, df in {**world, **sal}.items():
        pd.testing.assert_frame_equal(both[t], df)
    china = both["production"].set_index("country").loc["CHN"]
    assert china["value"] == 270_000
    assert bool(china["estimated"])
    assert both["reserves"]["quantity_t"].item() == 44_000_000
    assert both["consumption"]["quantity_t"].item() == 7_900
    assert both["import_sources"]["share"].item() == pytest.approx(0.71)


def test_parse_world_rejects_a_salient_table():
    with pytest.raises(DataError, match="unrecognised header") as e:
        mcs.parse_world("DataSource,Commodity,Year,Imports_t\nMCS2025,Gallium,2024,1\n",
                        "mcs2025-galli_salient.csv")
    assert e.value.row == 1


def test_registry_goes_through_the_package(shared_data):
    from critmin.sources.registry import READERS, read_source

    assert "usgs-mcs" in READERS
    p = shared_data / "usgs_mcs/mcs2025/salient/mcs2025-galli_salient.csv"
    a = read_source(p, "usgs-mcs")
    b = mcs.read_salient(p)
    assert list(a) == ["salient", "prices", "consumption"]
    for t in a:
        pd.testing.assert_frame_equal(a[t], b[t])
