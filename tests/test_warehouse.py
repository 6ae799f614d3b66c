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


# ----------------------------------------------------------------------------- issue 11
def test_keys_are_data_and_primary_keys():
    from critmin.schema import KEYS, PRIMARY_KEYS, TABLES

    for table, fields in TABLES.items():
        assert KEYS[table] == tuple(f.name for f in fields if f.key)
        assert PRIMARY_KEYS[table][:2] == ("source", "edition")
    assert KEYS["production"] == ("commodity", "stage", "measure", "product", "country",
                                  "country_detail", "year")
    assert set(KEYS["trade"]) == {"source", "reporter", "partner", "flow", "hs_code", "period", "freq"}


def test_same_values_from_another_file_replace_and_say_so(wh):
    """Item 1: identity is (source, edition, key), not the file name."""
    t = {"production": _prod("MCS2025", "2025-01-29", {"CHN": 270_000, "USA": 45_000})}
    first = wh.ingest_tables(t, file="f.csv", sha256="aa")
    assert first.status == "ingested" and first.rows == {"production": 2} and not first.replaced
    copy = {"production": _prod("MCS2025", "2025-01-29", {"CHN": 270_000, "USA": 45_000},
                                file="copy.csv")}
    res = wh.ingest_tables(copy, file="copy.csv", sha256="bb")
    assert res.status == "replaced" and res.replaced == {"f.csv": 2}
    assert "replaced 2 rows" in res.message() and "f.csv (2)" in res.message()
    prod = wh.table("production")
    assert len(prod) == 2 and set(prod["file"]) == {"copy.csv"}
    assert prod["value"].sum() == 315_000
    log = wh.query("SELECT file FROM ingest_log")["file"].tolist()
    assert log == ["copy.csv"]  # f.csv's rows are all gone: it no longer counts as ingested
    # the same bytes again: a no-op that names the earlier file
    again = wh.ingest_tables(copy, file="copy2.csv", sha256="bb")
    assert again.status == "unchanged" and again.same_as.startswith("copy.csv (user")
    assert len(wh.table("production")) == 2
    # another edition of the same values is kept beside it (the latest view picks one)
    wh.ingest_tables({"production": _prod("MCS2026", "2026-02-06", {"CHN": 270_500},
                                          file="g.csv")}, file="g.csv")
    assert len(wh.table("production")) == 3 and len(wh.table("production", latest=True)) == 2


def test_conform_refuses_impossible_numbers():
    """Item 3, first line: the reader-level check names file, row and column."""
    from critmin.schema import conform

    ok = _prod("MCS2025", "2025-01-29", {"CHN": 270_000, "USA": 45_000})
    cases = [
        ("quantity_t", -1.0, "is negative"),
        ("quantity_t", float("inf"), "not a finite number"),
        ("value", 1e30, "above the accepted range"),
        ("year", 99999, "above the accepted range"),
        ("value", float("nan"), "missing without a reason"),
        ("edition_date", "2025-02-30", "not a date"),
        ("quantity_t", "ten", "not a number"),
    ]
    for col, val, why in cases:
        bad = ok.copy()
        bad[col] = bad[col].astype(object)
        bad.loc[1, col] = val
        with pytest.raises(DataError, match=why) as err:
            conform(bad, "production")
        assert (err.value.file, err.value.row, err.value.column) == ("f.csv", 3, col), (col, val)
    # a missing value with its reason is fine
    fine = ok.copy()
    fine.loc[1, ["value", "quantity_t", "missing"]] = [float("nan"), float("nan"), "withheld"]
    assert conform(fine, "production")["missing"].tolist()[1] == "withheld"
    # shares are fractions
    from critmin.schema import TABLES

    share = pd.DataFrame([{f.name: None for f in TABLES["import_sources"]}])
    share = share.assign(commodity="x", importer="USA", partner="CHN", period="2021-2024",
                         share=1.5, source="s", edition="e", edition_date="2025-01-01",
                         file="s.csv", row=2)
    with pytest.raises(DataError, match=r"import_sources.share is above the accepted range; "
                                        r"expected a finite number from 0 to 1"):
        conform(share, "import_sources")


def test_check_constraints_are_the_last_line(wh):
    """Item 3, last line: SQL that bypasses the readers still cannot store an impossible number."""
    import duckdb

    wh.ingest_tables({"production": _prod("MCS2025", "2025-01-29", {"CHN": 1.0})}, file="a.csv")
    base = ("INSERT INTO production SELECT * REPLACE ({expr}) FROM production")
    for expr in ("'USA' AS country, -5.0 AS quantity_t", "'USA' AS country, 'inf'::DOUBLE AS value",
                 "'USA' AS country, NULL AS value, NULL AS missing", "'USA' AS country, 3000 AS year",
                 "'USA' AS country, 1e13 AS quantity_t"):
        with pytest.raises(duckdb.ConstraintException, match="CHECK constraint"):
            wh.con.execute(base.format(expr=expr))
    assert len(wh.table("production")) == 1


def test_v1_warehouse_is_migrated(tmp_path):
    """A warehouse written before the keys and checks: duplicates and impossible rows are dropped
    (and counted), everything else kept."""
    import duckdb

    from critmin.schema import TABLES
    from critmin.warehouse import SCHEMA_VERSION

    path = tmp_path / "v1.duckdb"
    con = duckdb.connect(str(path))
    duck = {"str": "VARCHAR", "int": "BIGINT", "float": "DOUBLE", "bool": "BOOLEAN", "date": "DATE"}
    for t, fields in TABLES.items():
        con.execute(f'CREATE TABLE "{t}" (' + ", ".join(f'"{f.name}" {duck[f.dtype]}'
                                                      for f in fields) + ")")
    con.execute("CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    con.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    df = _prod("MCS2025", "2025-01-29", {"CHN": 270_000, "USA": 45_000, "AUS": -1.0})
    df = pd.concat([df, df.iloc[[0]].assign(file="copy.csv")])  # the double-ingest bug
    df["country_detail"] = None
    con.register("d", df)
    cols = ", ".join(f'"{f.name}"' for f in TABLES["production"])
    con.execute(f"INSERT INTO production ({cols}) SELECT {cols} FROM d")
    con.close()
    with Warehouse(path) as w:
        assert w.get_meta("schema_version") == str(SCHEMA_VERSION)
        prod = w.table("production").sort_values("country")
        assert prod["country"].tolist() == ["CHN", "USA"]
        assert prod["country_detail"].tolist() == ["", ""]
        assert w.get_meta("migration_dropped_rows") == '{"production": 2}'


def test_schema_setup_runs_only_when_the_version_changes(tmp_path, monkeypatch):
    """Item 6: opening an up-to-date warehouse writes nothing (read-only opens never write)."""
    from critmin import warehouse as W  # noqa: N812

    path = tmp_path / "w.duckdb"
    W.open_warehouse(path).close()
    modes = []
    real = W._connect

    def spy(target, *, read_only, timeout):
        modes.append(read_only)
        return real(target, read_only=read_only, timeout=timeout)

    monkeypatch.setattr(W, "_connect", spy)
    monkeypatch.setattr(W._connection, "_connect", spy)  # the read-only lease connects from there
    monkeypatch.setattr(W.Warehouse, "_create_views",
                        staticmethod(lambda con: pytest.fail("schema setup on an up-to-date file")))
    ro = W.open_warehouse(path, read_only=True)
    assert ro.counts()["production"] > 0
    assert modes and all(modes)  # every connection was read-only
    with W.Warehouse(path) as rw:  # read-write, but no DDL: the version matches
        assert rw.schema_version() == W.SCHEMA_VERSION
