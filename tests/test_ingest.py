"""`critmin data ingest` on real and deliberately broken copies of raw files.

Each broken file must be refused with a message naming the file, row and column, and leave the
warehouse exactly as it was (one transaction per file)."""

from __future__ import annotations

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


def test_ingest_real_file_is_idempotent(db, shared_data, tmp_path):
    # a user's copy of a file under another name: its rows are added once, however often ingested
    src = (shared_data / RAREE_2023).read_bytes()
    mine = tmp_path / "mcs2023-raree_world_copy.csv"
    mine.write_bytes(src)
    before, _, _ = _snapshot(db)
    assert _ingest(db, mine).exit_code == 0
    once, _, _ = _snapshot(db)
    assert _ingest(db, mine).exit_code == 0
    twice, _, _ = _snapshot(db)
    assert once == twice
    added = once["production"] - before["production"]
    assert added == 2 * 17  # 17 rows (15 countries, other, world) x 2 years
    assert once["reserves"] - before["reserves"] == 17


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


@pytest.mark.parametrize("case", sorted(CASES))
def test_broken_file_is_refused_and_nothing_changes(case, db, shared_data, tmp_path):
    edit, expected = CASES[case]
    path = _broken(shared_data, tmp_path, edit)
    before = _snapshot(db)
    res = _ingest(db, path)
    assert res.exit_code == 2, res.output
    msg = " ".join(res.output.split())
    for part in expected:
        assert part in msg, (case, part, msg)
    assert _snapshot(db) == before


def test_unknown_source_is_refused(db, shared_data):
    res = _ingest(db, shared_data / RAREE_2023, source="nope")
    assert res.exit_code == 2
    assert "unknown source" in res.output
