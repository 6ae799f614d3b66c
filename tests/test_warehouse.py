"""Warehouse: schema, atomic and idempotent ingest, latest-edition views."""

from __future__ import annotations

import pandas as pd
import pytest

from critmin.errors import DataError
from critmin.warehouse import Warehouse


def _prod(edition: str, date: str, values: dict[str, float], *, file: str = "f.csv",
          year: int = 2024, estimated: bool = False) -> pd.DataFrame:
    recs = []
    for i, (c, v) in enumerate(values.items()):
        recs.append({
            "commodity": "rare-earths", "stage": "mine", "measure": "production",
            "product": "REO", "country": c, "country_kind": "aggregate" if c == "WLD" else "country",
            "country_raw": c, "year": year, "quantity_t": v, "value": v, "unit": "t",
            "missing": None, "qualifier": None, "basis": "REO", "estimated": estimated,
            "notes": None, "source": "usgs-mcs", "edition": edition, "edition_date": date,
            "file": file, "row": i + 2,
        })
    return pd.DataFrame(recs)


@pytest.fixture
def wh(tmp_path):
    w = Warehouse(tmp_path / "w.duckdb")
    yield w
    w.close()


def test_ingest_is_idempotent(wh):
    t = {"production": _prod("MCS2025", "2025-01-29", {"CHN": 270_000, "USA": 45_000})}
    wh.ingest_tables(t, file="f.csv")
    wh.ingest_tables(t, file="f.csv")
    assert wh.counts()["production"] == 2
    log = wh.query("SELECT * FROM ingest_log")
    assert len(log) == 1


def test_failed_ingest_leaves_warehouse_unchanged(wh):
    good = {"production": _prod("MCS2025", "2025-01-29", {"CHN": 270_000})}
    wh.ingest_tables(good, file="a.csv")
    before = wh.table("production")
    bad = _prod("MCS2026", "2026-02-06", {"CHN": 1.0, "USA": 2.0}, file="b.csv")
    bad.loc[1, ["country", "country_raw"]] = "CHN"  # duplicate key -> whole file refused
    with pytest.raises(DataError, match="duplicate"):
        wh.ingest_tables({"production": bad}, file="b.csv")
    pd.testing.assert_frame_equal(wh.table("production"), before)


def test_error_midway_rolls_back(wh, monkeypatch):
    wh.ingest_tables({"production": _prod("MCS2025", "2025-01-29", {"CHN": 1.0})}, file="a.csv")
    t = {"production": _prod("MCS2025", "2025-01-29", {"CHN": 2.0, "USA": 3.0}, file="a.csv"),
         "reserves": pd.DataFrame({"oops": [1]})}
    with pytest.raises(DataError, match="lacks columns"):
        wh.ingest_tables(t, file="a.csv")
    assert wh.table("production")["value"].tolist() == [1.0]


def test_latest_view_prefers_later_edition(wh):
    wh.ingest_tables({"production": _prod("MCS2025", "2025-01-29", {"CHN": 270_000},
                                          estimated=True)}, file="a.csv")
    wh.ingest_tables({"production": _prod("MCS2026", "2026-02-06", {"CHN": 270_500},
                                          file="b.csv")}, file="b.csv")
    latest = wh.table("production", latest=True)
    assert len(latest) == 1
    r = latest.iloc[0]
    assert r["edition"] == "MCS2026" and r["value"] == 270_500 and r["n_editions"] == 2
    assert not r["estimated"]
    assert len(wh.table("production")) == 2  # every edition kept


def test_status_lists_tables(wh):
    wh.ingest_tables({"production": _prod("MCS2025", "2025-01-29", {"CHN": 1.0})}, file="a.csv")
    st = wh.status().set_index("table")
    assert st.loc["production", "rows"] == 1
    assert st.loc["production", "editions"] == "MCS2025"
    assert st.loc["governance", "rows"] == 0


def test_open_read_only_after_build(tmp_path):
    from critmin.warehouse import open_warehouse

    path = tmp_path / "ro.duckdb"
    with open_warehouse(path) as w:
        n = w.counts()["production"]
    a = open_warehouse(path, read_only=True)
    b = open_warehouse(path, read_only=True)  # two readers at once
    try:
        assert a.counts()["production"] == n == b.counts()["production"] > 0
    finally:
        a.close()
        b.close()
