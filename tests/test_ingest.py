"""`critmin data ingest` on real and deliberately broken copies of raw files.

Each broken file must be refused with a message naming the file, row and column, and leave the
warehouse exactly as it was (one transaction per file)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from critmin.cli import app
from critmin.warehouse import Warehouse

runner = CliRunner()

RAREE_2023 = "usgs_mcs/mcs2023/world/mcs2023-raree_world.csv"


@pytest.fixture()
def db(tmp_path):
    path = tmp_path / "w.duckdb"
    res = runner.invoke(app, ["--db", str(path), "data", "build"])
    assert res.exit_code == 0, res.output
    return path


def _snapshot(path):
    with Warehouse(path) as wh:
        counts = wh.counts()
        digest = wh.query(
            "SELECT sum(hash(commodity, country, year, value, edition, file, row)) AS h "
            "FROM production")["h"].iloc[0]
        log = len(wh.query("SELECT * FROM ingest_log"))
    return counts, digest, log


def _ingest(db, path, source="usgs-mcs"):
    return runner.invoke(app, ["--db", str(db), "data", "ingest", str(path), "--source", source])


MCS2026 = "usgs_mcs/mcs2026/MCS2026_Commodities_Data.csv"


def _supply(db, commodity="rare-earths"):
    res = runner.invoke(app, ["--db", str(db), "supply", commodity, "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    return d, {c["country"]: c["quantity"] for c in d["countries"]}


def test_ingest_real_file_is_idempotent(db, shared_data, tmp_path):
    """Issue 11 item 1: ``cp MCS2026_Commodities_Data.csv copy.csv`` and ingesting the copy doubled
    China's 2025 rare earths to 540,000 t and the world total to 780,000 t (rows keyed on the file name).
    """
    before = _snapshot(db)
    copy = tmp_path / "copy.csv"
    copy.write_bytes((shared_data / MCS2026).read_bytes())
    res = _ingest(db, copy)
    assert res.exit_code == 0, res.output
    msg = " ".join(res.output.split())
    assert "already ingested, same content as MCS2026_Commodities_Data.csv (bundled" in msg, msg
    assert _snapshot(db) == before  # a no-op: not a row, not a log entry
    d, q = _supply(db)
    assert (d["edition"], d["year"]) == ("MCS2026", 2025)
    # MCS2026_Commodities_Data.csv line 6094 (China, 2025: "270,000") and 6106 (World total "390,000")
    assert q["CHN"] == 270_000 and d["world_total"] == 390_000
    assert _ingest(db, copy).exit_code == 0  # and again: still nothing
    assert _snapshot(db) == before


def test_ingest_same_values_in_new_bytes_replaces_them(db, shared_data, tmp_path):
    """The same data with other bytes (LF line ends, one value corrected) replaces the stored rows of
    the same values, says so, and never adds a row."""
    before, _, log = _snapshot(db)
    raw = (shared_data / MCS2026).read_bytes()
    china = (b'RARE EARTHS,World Mine Production and Reserves,Rare Earths,China,Production,'
             b'Mine production,metric tons,2025,"270,000"')
    assert raw.count(china) == 1
    fixed = tmp_path / "mcs2026_corrected.csv"
    fixed.write_bytes(raw.replace(b"\r\n", b"\n").replace(china, china.replace(b"270,000", b"280,000")))
    res = _ingest(db, fixed)
    assert res.exit_code == 0, res.output
    msg = " ".join(res.output.split())
    assert "ingested mcs2026_corrected.csv (usgs-mcs MCS2026): production 2,574, reserves 729, " \
           "salient 4,863, prices 799, consumption 560, import_sources 720" in msg, msg
    assert "replaced 10,245 rows of the same values stored before, from " \
           "MCS2026_Commodities_Data.csv (10,245)" in msg, msg
    after, _, log_after = _snapshot(db)
    assert after == before  # replaced, not added
    assert log_after == log  # the bundled file's entry gave way to the corrected file's
    d, q = _supply(db)
    assert q["CHN"] == 280_000 and d["world_total"] == 390_000
    # the original again: its rows were all replaced, so it is ingested (not a no-op) and wins back
    orig = tmp_path / "MCS2026_Commodities_Data.csv"
    orig.write_bytes(raw)
    res = _ingest(db, orig)
    assert res.exit_code == 0 and "replaced 10,245 rows" in " ".join(res.output.split())
    assert _snapshot(db)[0] == before
    d, q = _supply(db)
    assert q["CHN"] == 270_000 and d["world_total"] == 390_000


def test_duplicates_cannot_exist_in_storage(db):
    """The key is declared in DuckDB: even SQL that bypasses the ingest cannot store a value twice."""
    import duckdb

    con = duckdb.connect(str(db))
    try:
        with pytest.raises(duckdb.ConstraintException, match="primary key"):
            con.execute("INSERT INTO production SELECT * FROM production WHERE country = 'CHN' "
                        "AND commodity = 'rare-earths' AND edition = 'MCS2026' LIMIT 1")
        pk = con.execute("SELECT constraint_text FROM duckdb_constraints() WHERE table_name = "
                         "'production' AND constraint_type = 'PRIMARY KEY'").fetchall()
        assert pk and "source" in pk[0][0] and "country_detail" in pk[0][0]
    finally:
        con.close()


def _broken(shared_data, tmp_path, edit, name="mcs2023-raree_world.csv", encoding="utf-8-sig"):
    text = (shared_data / RAREE_2023).read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    data = edit(lines)
    path = tmp_path / name
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text("\n".join(data) + "\n", encoding=encoding)
    return path


CASES = {
    "missing column": (
        lambda ls: [ls[0].replace(",Country,", ",Nation,")] + ls[1:],
        ["mcs2023-raree_world.csv", "row 1", "Country", "Nation"],
    ),
    "unknown country": (
        lambda ls: ls[:3] + [ls[3].replace("Brazil", "Atlantis")] + ls[4:],
        ["mcs2023-raree_world.csv", "row 4", "Country", "Atlantis"],
    ),
    "stray token": (
        lambda ls: ls[:7] + [ls[7].replace("168000", "168x00")] + ls[8:],
        ["mcs2023-raree_world.csv", "row 8", "168x00"],
    ),
    "wrong encoding": (
        lambda ls: ("\n".join(ls[:5]) + "\n").encode("utf-16"),
        ["mcs2023-raree_world.csv"],
    ),
    "duplicate rows": (
        lambda ls: ls[:8] + [ls[7]] + ls[8:],
        ["mcs2023-raree_world.csv", "duplicate", "row"],
    ),
    "empty file": (
        lambda ls: b"",
        ["mcs2023-raree_world.csv", "empty"],
    ),
}

# Issue 11 item 3: impossible numbers were stored and failed later in `supply`. They are refused at
# ingest, naming file, row and column, and nothing is stored.
_CT_HEAD = ("typeCode,freqCode,period,reporterCode,flowCode,partnerCode,cmdCode,motCode,customsCode,"
            "partner2Code,qtyUnitCode,qty,netWgt,primaryValue,cifvalue,fobvalue")
_CT_ROW = "C,A,2020,156,M,251,2846,0,C00,0,8,10.0,{w},100.0,100.0,0.0"


def _mcs_negative(shared_data, tmp_path):
    # line 8 is China: 168000 t in 2021
    return _broken(shared_data, tmp_path,
                   lambda ls: ls[:7] + [ls[7].replace("168000", "-168000", 1)] + ls[8:]), "usgs-mcs"


def _comtrade_absurd(shared_data, tmp_path):
    p = tmp_path / "my_extract.csv"
    p.write_text("\n".join([_CT_HEAD, _CT_ROW.format(w="10.0"),
                            _CT_ROW.replace(",251,", ",0,").format(w="1e30")]) + "\n")
    return p, "comtrade"


IMPOSSIBLE = {
    "negative production": (_mcs_negative,
                            ["file mcs2023-raree_world.csv, row 8", "'quantity_t'", "value -168000",
                             "is negative", "from 0 to 1e+12"]),
    "absurd magnitude": (_comtrade_absurd,
                         ["file my_extract.csv, row 3", "'quantity_kg'", "value 1e+30",
                          "above the accepted range", "from 0 to 1e+15 [kg]"]),
}


@pytest.mark.parametrize("case", sorted(IMPOSSIBLE))
def test_impossible_numbers_are_refused(case, db, shared_data, tmp_path):
    make, expected = IMPOSSIBLE[case]
    path, source = make(shared_data, tmp_path)
    before = _snapshot(db)
    t_before = runner.invoke(app, ["--db", str(db), "data", "status", "--json"]).output
    res = _ingest(db, path, source=source)
    assert res.exit_code == 2, res.output
    msg = " ".join(res.output.split())
    for part in expected:
        assert part in msg, (part, msg)
    assert "Traceback" not in res.output
    assert _snapshot(db) == before
    assert runner.invoke(app, ["--db", str(db), "data", "status", "--json"]).output == t_before
    res = runner.invoke(app, ["--db", str(db), "supply", "rare-earths", "--year", "2021"])
    assert res.exit_code == 0, res.output


@pytest.mark.parametrize("cut, message", [
    ("inside the value", "row 6094: the file ends inside a quoted field"),
    ("after the value", "row 6094: value 'RARE EARTHS,World Mine Production"),
    ("after the last comma", "row 6094, column 'Value': no World total row for rare-earths "
                             "production in 2025"),
    ("not a number", "row 6094, column 'Value': value '27O,000': unreadable value"),
])
def test_ingest_cut_file_is_refused_and_nothing_changes(db, shared_data, tmp_path, cut, message):
    """Issue 11 item 2 end to end: ``critmin data ingest cut.csv --source usgs-mcs`` of the real MCS
    2026 file cut in China's 2025 rare-earth row (before: China stored with 27 t, or its row kept
    against a missing world total) is refused naming file, row and column; the warehouse is unchanged
    and ``supply rare-earths`` still shows China 270,000 t."""
    before = _snapshot(db)
    lines = (shared_data / MCS2026).read_bytes().splitlines(keepends=True)
    i = next(i for i, ln in enumerate(lines) if ln.startswith(b"RARE EARTHS,World Mine Production")
             and b",China,Production," in ln and b",2025," in ln)
    assert i + 1 == 6094
    ln = lines[i]
    at = {"inside the value": ln.index(b'"270,000"') + 3,
          "after the value": ln.index(b'"270,000"') + 9,
          "after the last comma": ln.index(b"Yes,") + 4}.get(cut)
    data = (b"".join(lines[:i]) + ln[:at] if at is not None else
            b"".join(lines[:i]) + ln.replace(b'"270,000"', b'"27O,000"') + b"".join(lines[i + 1:]))
    p = tmp_path / "cut.csv"
    p.write_bytes(data)
    res = _ingest(db, p)
    assert res.exit_code == 2, res.output
    out = " ".join(res.output.split())
    assert out.startswith("error: file cut.csv, ") and message in out
    assert "Traceback" not in res.output
    assert _snapshot(db) == before
    d, q = _supply(db)
    assert q["CHN"] == 270_000 and max(q, key=q.get) == "CHN"
