"""`critmin data fetch`: offline, against a local server on 127.0.0.1 that replays recorded responses.

The UN Comtrade answers are the real API responses recorded in
``../shared/data/trade/un_comtrade_china_imports_hs2846_annual/`` (their ``manifest.json`` gives the
URL of each); the USGS and WGI files are cut from the raw files at test time. Faults (429, 500, a
renamed field, an empty or truncated answer) are scripted on the same server. Retry waits go to a fake
``sleep``, so no test waits.
"""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from _replay import ReplayServer
from critmin.cli import app
from critmin.sources.comtrade import read_comtrade
from critmin.sources.fetch._http import FetchError, HttpClient, HttpError
from critmin.sources.fetch.cache import RawCache
from critmin.sources.fetch.comtrade_api import ComtradeQuery, fetch_comtrade, parse_periods, plan_calls
from critmin.sources.fetch.mcs_release import fetch_usgs_mcs
from critmin.sources.fetch.wgi_release import fetch_wgi
from critmin.sources.registry import read_source
from critmin.warehouse import Warehouse

runner = CliRunner()

RECORDED = "trade/un_comtrade_china_imports_hs2846_annual"
PREVIEW = "/public/v1/preview/C/A/HS"
QUERY = ["--reporter", "CHN", "--flow", "import", "--hs", "2846", "--freq", "A"]
TRADE_COLS = ["reporter", "partner", "partner_kind", "flow", "hs_code", "period", "freq", "quantity_kg",
              "value_usd", "value_basis", "missing", "notes"]


# --------------------------------------------------------------------------------------------- helpers
@pytest.fixture()
def recordings(shared_data) -> Path:
    return shared_data / RECORDED


@pytest.fixture()
def server():
    with ReplayServer() as srv:
        yield srv


@pytest.fixture()
def env(tmp_path, monkeypatch):
    """A fresh warehouse path and cache folder, no API key."""
    monkeypatch.setenv("CRITMIN_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("COMTRADE_API_KEY", raising=False)
    return {"db": tmp_path / "w.duckdb", "cache": tmp_path / "cache"}


def _client(waits: list[float] | None = None, retries: int = 3) -> HttpClient:
    sink = waits if waits is not None else []
    return HttpClient(retries=retries, min_interval=0.0, sleep=sink.append, timeout=10)


def _cli(db: Path, *args: str):
    return runner.invoke(app, ["--db", str(db), *args])


def _recorded(recordings: Path, year: int) -> bytes:
    return (recordings / f"{year}.json").read_bytes()


def _recorded_rows(recordings: Path, years) -> pd.DataFrame:
    return pd.concat([read_comtrade(recordings / f"{y}.json") for y in years], ignore_index=True)


def _canon(df: pd.DataFrame) -> pd.DataFrame:
    out = df[TRADE_COLS].copy()
    out["period"] = pd.to_datetime(out["period"]).dt.strftime("%Y-%m-%d")
    out = out.astype(object)
    out = out.where(out.notna(), None)
    return out.sort_values(["period", "partner"]).reset_index(drop=True)


def _fresh(tmp_path: Path, name: str = "bare.duckdb") -> Warehouse:
    """A warehouse without the bundled dataset (only what a test fetches)."""
    return Warehouse(tmp_path / name)


# --------------------------------------------------------------------------------------------- import
def test_no_network_code_at_import():
    code = ("import sys, critmin, critmin.cli, critmin.warehouse; "
            "print(sorted(m for m in sys.modules if m.startswith('critmin.sources.fetch')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --------------------------------------------------------------------------------------------- planning
def test_periods():
    assert parse_periods("2018:2024", "A") == [str(y) for y in range(2018, 2025)]
    months = parse_periods("2024-11:2025-02", "M")
    assert months == ["202411", "202412", "202501", "202502"]
    assert parse_periods("2025", "M") == [f"2025{m:02d}" for m in range(1, 13)]
    assert parse_periods("2020,2018:2019,2020", "A") == ["2020", "2018", "2019"]
    for bad, freq in (("2024:2018", "A"), ("2025-13", "M"), ("20x5", "A"), ("", "A"), ("2020", "Q")):
        with pytest.raises(FetchError):
            parse_periods(bad, freq)


def test_split_by_code_then_partner():
    q = ComtradeQuery("CHN", 156, "X", ("280530", "284690"), "M", ("202501",), (842, 392, 276))
    (call,) = plan_calls(q)
    by_code = call.split(q)
    assert [c.hs for c in by_code] == [("280530",), ("284690",)]
    halves = by_code[0].split(q)
    assert [c.partners for c in halves] == [(842,), (392, 276)]
    assert halves[0].split(q) is None  # one period, one code, one partner


def test_dry_run_monthly_2025_rare_earths_and_magnets(env):
    res = _cli(env["db"], "data", "fetch", "comtrade", "--reporter", "CHN", "--flow", "export",
               "--hs", "280530,284690,850511", "--freq", "M", "--period", "2025-01:2025-12",
               "--partner", "all", "--dry-run")
    assert res.exit_code == 0, res.output
    urls = [ln[4:] for ln in res.output.splitlines() if ln.startswith("GET ")]
    assert len(urls) == 12
    assert urls[0] == ("https://comtradeapi.un.org/public/v1/preview/C/M/HS?period=202501&reporterCode=156"
                       "&cmdCode=280530,284690,850511&flowCode=X&partner2Code=0&customsCode=C00"
                       "&motCode=0&maxRecords=500&breakdownMode=classic&includeDesc=true&format=JSON")
    assert [u.split("period=")[1][:6] for u in urls] == [f"2025{m:02d}" for m in range(1, 13)]
    assert not env["db"].exists() and not env["cache"].exists()  # nothing stored


def test_dry_run_with_key_uses_full_endpoint_and_hides_key(env, monkeypatch):
    monkeypatch.setenv("COMTRADE_API_KEY", "s3cr3t-key")
    res = _cli(env["db"], "data", "fetch", "comtrade", "--reporter", "USA", "--flow", "import",
               "--hs", "2846", "--freq", "A", "--period", "2023", "--partner", "CHN,FRA", "--dry-run")
    assert res.exit_code == 0, res.output
    (url,) = [ln[4:] for ln in res.output.splitlines() if ln.startswith("GET ")]
    assert url.startswith("https://comtradeapi.un.org/data/v1/get/C/A/HS?period=2023&reporterCode=842")
    assert "partnerCode=156,251" in url and "maxRecords=250000" in url
    assert "s3cr3t" not in res.output


# --------------------------------------------------------------------------------------------- Comtrade
def test_fetch_recordings_ingests_their_rows_once_and_dependence_matches(recordings, server, env,
                                                                        tmp_path):
    server.replay.add_recordings(recordings)
    years = range(2018, 2025)
    expected = _recorded_rows(recordings, years)
    counts = [json.loads(_recorded(recordings, y))["count"] for y in years]
    assert len(expected) == sum(counts) == 206  # 25+31+28+28+27+33+34 records, one row each

    # a warehouse without the bundle: exactly the recordings' rows, byte for byte; a second run adds none
    with _fresh(tmp_path) as wh:
        kw = dict(flow="import", hs="2846", freq="A", period="2018:2024", base_url=server.base,
                  warehouse=wh, client=_client(), cache=RawCache(env["cache"]))
        r1 = fetch_comtrade("CHN", **kw)
        assert r1.rows_added == {"trade": 206}
        assert [f.outcome for f in r1.files] == ["ingested"] * 7
        assert [f.records for f in r1.files] == counts
        edition = r1.files[0].edition
        assert edition.startswith("COMTRADE-API-20")
        got = wh.query("SELECT * FROM trade WHERE source = 'comtrade' AND edition = ?", [edition])
        log = wh.query("SELECT * FROM ingest_log WHERE origin = 'fetch'")
        pd.testing.assert_frame_equal(_canon(got), _canon(expected), check_dtype=False)
        shas = {hashlib.sha256(_recorded(recordings, y)).hexdigest() for y in years}
        assert set(log["sha256"]) == shas  # byte for byte
        r2 = fetch_comtrade("CHN", **kw)
        assert r2.rows_added == {}
        assert [f.outcome for f in r2.files] == ["unchanged"] * 7
        assert len(wh.query("SELECT * FROM trade WHERE edition = ?", [edition])) == 206

    # the user's warehouse holds the bundle, whose Comtrade files are these very bytes: the fetch finds
    # them there (content-keyed ingest, issue 11) and adds nothing; the dependence result is the bundled one
    args = ["data", "fetch", "comtrade", *QUERY, "--period", "2018:2024", "--base-url", server.base,
            "--interval", "0", "--json"]
    first = _cli(env["db"], *args)
    assert first.exit_code == 0, first.output
    b1 = json.loads(first.stdout)
    assert b1["rows_added"] == {}
    assert [f["outcome"] for f in b1["files"]] == ["unchanged"] * 7
    assert all("already" in f["note"] or "same content" in f["note"] for f in b1["files"])
    dep = ["dependence", "rare-earths", "--importer", "CHN", "--year", "2020", "--json"]
    fetched = json.loads(_cli(env["db"], *dep).stdout)
    bundled = json.loads(_cli(env["db"].with_name("bundled.duckdb"), *dep).stdout)
    assert fetched == bundled
    assert bundled["top_supplier"] == "MMR" and bundled["top_share"] == pytest.approx(0.746, abs=5e-4)

    # status: what was fetched, when, from where (existing keys kept)
    st = json.loads(_cli(env["db"], "data", "status", "--json").stdout)
    assert {"db", "tables", "files", "fetched"} <= set(st)
    (row,) = st["fetched"]
    assert row["source"] == "comtrade" and row["from"] == server.base + PREVIEW
    assert (row["files"], row["ingested"], row["rows"]) == (7, 0, 0)
    text = _cli(env["db"], "data", "status")
    assert "fetched" in text.output and "comtrade" in text.output


def test_fetched_rows_alone_give_the_bundled_dependence(recordings, server, env, tmp_path):
    from critmin.dependence import importer_dependence

    server.replay.add_recordings(recordings, years={2020})
    with _fresh(tmp_path) as wh:
        res = fetch_comtrade("CHN", flow="import", hs="2846", freq="A", period="2020",
                             base_url=server.base, warehouse=wh, client=_client(),
                             cache=RawCache(env["cache"]))
        assert res.rows_added == {"trade": 28}
        mine = importer_dependence("rare-earths", "CHN", year=2020, warehouse=wh)
    with Warehouse(env["db"].with_name("b.duckdb")) as bw:
        bw.build_from_bundle()
        ref = importer_dependence("rare-earths", "CHN", year=2020, source="comtrade", warehouse=bw)
    assert mine.edition.startswith("COMTRADE-API-") and mine.edition != ref.edition
    cols = ["partner", "quantity_kg", "value_usd", "share", "share_of_world"]
    pd.testing.assert_frame_equal(mine.table[cols].reset_index(drop=True),
                                  ref.table[cols].reset_index(drop=True))
    assert (mine.top_supplier, mine.hhi) == (ref.top_supplier, pytest.approx(ref.hhi, abs=1e-12))


def test_cache_keeps_raw_bytes_and_a_manifest(recordings, server, env, tmp_path):
    server.replay.add_recordings(recordings, years={2019})
    cache = RawCache(env["cache"])
    with _fresh(tmp_path) as wh:
        fetch_comtrade("CHN", flow="import", hs="2846", freq="A", period="2019", base_url=server.base,
                       warehouse=wh, client=_client(), cache=cache)
    (line,) = cache.entries()
    body = _recorded(recordings, 2019)
    assert line["sha256"] == hashlib.sha256(body).hexdigest() and line["bytes"] == len(body) == 32128
    assert Path(line["path"]).read_bytes() == body
    assert line["url"] == server.base + PREVIEW + (
        "?period=2019&reporterCode=156&cmdCode=2846&flowCode=M&partner2Code=0&customsCode=C00"
        "&motCode=0&maxRecords=500&breakdownMode=classic&includeDesc=true&format=JSON")
    assert line["query"]["period"] == "2019" and line["fetched_at"].endswith("Z")
    side = json.loads((Path(line["path"]).parent / "manifest.json").read_text())
    assert side["retrieval"]["completed_at"] == line["fetched_at"]


def test_truncated_answer_is_split_by_partner(recordings, server, env, tmp_path):
    # with a cap of 20 records, the 28 records of 2020 come back cut: the call is split by partner
    server.replay.add_recordings(recordings, years={2020})
    with _fresh(tmp_path) as wh:
        res = fetch_comtrade("CHN", flow="import", hs="2846", freq="A", period="2020",
                             base_url=server.base, warehouse=wh, client=_client(),
                             cache=RawCache(env["cache"]), max_records=20)
        got = wh.table("trade")
    assert any("reached the cap of 20; split by partner into 2 calls" in n for n in res.notes)
    assert res.rows_added == {"trade": 28}
    assert len(res.files) == 2 and all(f.outcome == "ingested" for f in res.files)
    assert sum(f.records for f in res.files) == 28 and max(f.records for f in res.files) < 20
    pd.testing.assert_frame_equal(_canon(got), _canon(_recorded_rows(recordings, [2020])),
                                  check_dtype=False)
    assert len(server.replay.log) == 3 and "partnerCode=" in server.replay.log[1]


def test_truncated_answer_that_cannot_be_split_fails(recordings, server, env, tmp_path):
    server.replay.add_recordings(recordings, years={2020})
    with _fresh(tmp_path) as wh, pytest.raises(FetchError) as exc:
        fetch_comtrade("CHN", flow="import", hs="2846", freq="A", period="2020", partner="MMR",
                       base_url=server.base, warehouse=wh, client=_client(),
                       cache=RawCache(env["cache"]), max_records=1)
    msg = str(exc.value)
    assert "holds 1 record(s), the cap of 1 per call: it may be truncated" in msg
    assert "cannot be split further" in msg and "COMTRADE_API_KEY" in msg


def test_429_waits_retry_after_then_succeeds(recordings, server, env, tmp_path):
    server.replay.add_recordings(recordings, years={2020})
    server.replay.script(PREVIEW, [(429, {"Retry-After": "7"}, b'{"statusCode": 429}')])
    waits: list[float] = []
    with _fresh(tmp_path) as wh:
        res = fetch_comtrade("CHN", flow="import", hs="2846", freq="A", period="2020",
                             base_url=server.base, warehouse=wh, client=_client(waits),
                             cache=RawCache(env["cache"]))
    assert waits == [7.0]
    assert res.rows_added == {"trade": 28}
    assert len(server.replay.log) == 2


def test_429_that_persists_fails_clearly(server, env, tmp_path):
    server.replay.script(PREVIEW, [(429, {"Retry-After": "3"}, b"")] * 4)
    waits: list[float] = []
    with _fresh(tmp_path) as wh, pytest.raises(HttpError) as exc:
        fetch_comtrade("CHN", flow="import", hs="2846", freq="A", period="2020", base_url=server.base,
                       warehouse=wh, client=_client(waits), cache=RawCache(env["cache"]))
    assert waits == [3.0, 3.0, 3.0]
    assert exc.value.status == 429 and exc.value.attempts == 4
    assert "HTTP 429 Too Many Requests" in str(exc.value) and "rate limit" in str(exc.value)
    assert "4 attempts in all; try again later" in str(exc.value)


def test_retry_after_too_long_is_not_waited(server, env, tmp_path):
    server.replay.script(PREVIEW, [(429, {"Retry-After": "3600"}, b"")])
    waits: list[float] = []
    with _fresh(tmp_path) as wh, pytest.raises(HttpError, match="asks to wait 3600 s"):
        fetch_comtrade("CHN", flow="import", hs="2846", freq="A", period="2020", base_url=server.base,
                       warehouse=wh, client=_client(waits), cache=RawCache(env["cache"]))
    assert waits == []


def test_500_retries_with_backoff_then_fails_and_stores_nothing(recordings, server, env, tmp_path):
    server.replay.add_recordings(recordings, years={2018, 2019})
    # 2018 answers; 2019 fails four times
    server.replay.script(PREVIEW + "?period=2019", [(500, {}, b"Internal error")] * 4)
    waits: list[float] = []
    with _fresh(tmp_path) as wh:
        with pytest.raises(HttpError) as exc:
            fetch_comtrade("CHN", flow="import", hs="2846", freq="A", period="2018:2019",
                           base_url=server.base, warehouse=wh, client=_client(waits),
                           cache=RawCache(env["cache"]))
        assert wh.counts()["trade"] == 0  # all or nothing: 2018 was fetched but not ingested
    assert waits == [2.0, 4.0, 8.0]
    msg = str(exc.value)
    assert msg.startswith("HTTP 500 Internal Server Error from http://127.0.0.1:")
    assert "period=2019" in msg and "the server failed (it said: Internal error)" in msg
    assert msg.endswith("4 attempts in all; try again later")


def test_500_through_the_cli_is_one_line(server, env):
    server.replay.script(PREVIEW, [(500, {}, b"")] * 2)
    res = _cli(env["db"], "data", "fetch", "comtrade", *QUERY, "--period", "2020", "--base-url",
               server.base, "--retries", "1", "--interval", "0")
    assert res.exit_code == 2
    assert "error: HTTP 500" in res.output and "Traceback" not in res.output


def test_renamed_field_is_a_schema_change(recordings, server, env, tmp_path):
    body = _recorded(recordings, 2020).replace(b'"primaryValue"', b'"primaryVal"')
    server.replay.script(PREVIEW, [(200, {}, body)])
    with _fresh(tmp_path) as wh:
        with pytest.raises(FetchError) as exc:
            fetch_comtrade("CHN", flow="import", hs="2846", freq="A", period="2020",
                           base_url=server.base, warehouse=wh, client=_client(),
                           cache=RawCache(env["cache"]))
        assert wh.counts()["trade"] == 0
    msg = str(exc.value)
    assert "has records without the field(s) primaryValue (record 1; it has primaryVal instead)" in msg
    assert "response schema changed" in msg


def test_renamed_data_list_is_a_schema_change(recordings, server, env, tmp_path):
    body = _recorded(recordings, 2020).replace(b'"data":', b'"dataset":')
    server.replay.script(PREVIEW, [(200, {}, body)])
    with _fresh(tmp_path) as wh, pytest.raises(FetchError, match=r"has no 'data' list \(its keys: "
                                                                r"elapsedTime, count, dataset, error\)"):
        fetch_comtrade("CHN", flow="import", hs="2846", freq="A", period="2020", base_url=server.base,
                       warehouse=wh, client=_client(), cache=RawCache(env["cache"]))


def test_empty_answers(recordings, server, env, tmp_path):
    # a 0-byte body is an error
    server.replay.script(PREVIEW, [(200, {}, b"")])
    with _fresh(tmp_path) as wh, pytest.raises(FetchError, match=r"empty answer \(0 bytes\) from http"):
        fetch_comtrade("CHN", flow="import", hs="2846", freq="A", period="2020", base_url=server.base,
                       warehouse=wh, client=_client(), cache=RawCache(env["cache"]))
    # a period without records is logged as empty; the others are ingested
    server.replay.add_recordings(recordings, years={2024})
    none = b'{"elapsedTime":"0.01 secs","count":0,"data":[],"error":""}'
    server.replay.script(PREVIEW + "?period=2025", [(200, {}, none), (200, {}, none)])
    with _fresh(tmp_path, "b.duckdb") as wh:
        res = fetch_comtrade("CHN", flow="import", hs="2846", freq="A", period="2024:2025",
                             base_url=server.base, warehouse=wh, client=_client(),
                             cache=RawCache(env["cache"]))
        assert [f.outcome for f in res.files] == ["ingested", "empty"]
        assert res.rows_added == {"trade": 34}
        assert any("period 2025, HS 2846: no records" in n for n in res.notes)
        # only empty periods: an error
        with pytest.raises(FetchError, match="returned no records for any of the 1 call"):
            fetch_comtrade("CHN", flow="import", hs="2846", freq="A", period="2025",
                           base_url=server.base, warehouse=wh, client=_client(),
                           cache=RawCache(env["cache"]))


def test_answer_of_another_query_is_refused(recordings, server, env, tmp_path):
    server.replay.script(PREVIEW, [(200, {}, _recorded(recordings, 2019))])  # asked for 2020
    with _fresh(tmp_path) as wh, pytest.raises(FetchError, match="record 1: period '2019', asked for "
                                                                 "'2020'"):
        fetch_comtrade("CHN", flow="import", hs="2846", freq="A", period="2020", base_url=server.base,
                       warehouse=wh, client=_client(), cache=RawCache(env["cache"]))


def test_api_key_goes_in_the_header_only(recordings, server, env, tmp_path, monkeypatch):
    monkeypatch.setenv("COMTRADE_API_KEY", "s3cr3t-key")
    server.replay.script("/data/v1/get/C/A/HS?period=2020", [(200, {}, _recorded(recordings, 2020))])
    cache = RawCache(env["cache"])
    with _fresh(tmp_path) as wh:
        res = fetch_comtrade("CHN", flow="import", hs="2846", freq="A", period="2020",
                             base_url=server.base, warehouse=wh, client=_client(), cache=cache)
        assert res.rows_added == {"trade": 28}
    assert server.replay.headers[-1]["Ocp-Apim-Subscription-Key"] == "s3cr3t-key"
    assert "maxRecords=250000" in server.replay.log[-1]
    stored = "".join(p.read_text() for p in env["cache"].rglob("*.json*"))
    assert "s3cr3t" not in stored and "s3cr3t" not in json.dumps(res.to_dict())


def test_refused_key_is_a_clear_error(server, env, tmp_path):
    server.replay.script("/data/v1/get", [(401, {}, b'{"statusCode": 401, "message": "Access denied '
                                                  b'due to invalid subscription key."}')])
    with _fresh(tmp_path) as wh, pytest.raises(HttpError) as exc:
        fetch_comtrade("CHN", flow="import", hs="2846", freq="A", period="2020", base_url=server.base,
                       api_key="bad", warehouse=wh, client=_client(), cache=RawCache(env["cache"]))
    assert "HTTP 401 Unauthorized" in str(exc.value) and "refused API key" in str(exc.value)
    assert "invalid subscription key" in str(exc.value) and exc.value.attempts == 1


# --------------------------------------------------------------------------------------------- USGS MCS
MCS_ITEM = "/catalog/file/get/696a75d5d4be0228872d3bf8?name=MCS2026_Commodities_Data.csv"


def _mcs2026_excerpt(shared_data: Path) -> bytes:
    """The header and the 164 RARE EARTHS rows of the MCS 2026 file, bytes as published (cp1252)."""
    raw = (shared_data / "usgs_mcs/mcs2026/MCS2026_Commodities_Data.csv").read_bytes()
    lines = raw.splitlines(keepends=True)
    return b"".join([lines[0], *[ln for ln in lines[1:] if ln.startswith(b"RARE EARTHS,")]])


def _mcs2025_excerpt(shared_data: Path) -> bytes:
    raw = (shared_data / "usgs_mcs/mcs2025/MCS2025_World_Data.csv").read_bytes()
    lines = raw.splitlines(keepends=True)
    return b"".join([lines[0], *[ln for ln in lines[1:] if ln.startswith(b"MCS2025,Rare earths,")]])


def _rows(path: Path, source: str) -> dict[str, int]:
    return {k: len(v) for k, v in read_source(path, source).items() if len(v)}


def test_mcs_known_release_default_url(shared_data, server, env, tmp_path):
    body = _mcs2026_excerpt(shared_data)
    server.replay.add_file(MCS_ITEM, body)
    ref = tmp_path / "ref" / "MCS2026_Commodities_Data.csv"
    ref.parent.mkdir()
    ref.write_bytes(body)
    want = _rows(ref, "usgs-mcs")
    assert want["production"] > 0 and want["reserves"] > 0 and want["salient"] > 0
    with _fresh(tmp_path) as wh:
        res = fetch_usgs_mcs(2026, base_url=server.base, warehouse=wh, client=_client(),
                             cache=RawCache(env["cache"]))
        assert {k: v for k, v in wh.counts().items() if v} == want
    assert res.rows_added == want and res.files[0].edition == "MCS2026"
    assert server.replay.log == [MCS_ITEM]


def test_mcs_release_of_the_bundle_adds_nothing(shared_data, server, env):
    full = (shared_data / "usgs_mcs/mcs2026/MCS2026_Commodities_Data.csv").read_bytes()
    server.replay.add_file(MCS_ITEM, full)
    res = _cli(env["db"], "data", "fetch", "usgs-mcs", "--edition", "2026", "--base-url", server.base,
               "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["rows_added"] == {} and out["files"][0]["outcome"] == "unchanged"
    assert "same bytes as MCS2026_Commodities_Data.csv (bundled)" in out["files"][0]["note"]


def _listing(base: str, edition: int, files: list[tuple[str, bytes]]) -> bytes:
    items = [{"id": "x", "title": "Mineral Commodity Summaries 2024 Data Release", "files": []},
             {"id": "y", "title": f"Mineral Commodity Summaries {edition} Data Release", "files": [
                 {"name": n, "downloadUri": f"{base}/dl/{n}", "size": len(b),
                  "checksum": {"type": "MD5", "value": hashlib.md5(b).hexdigest()}}
                 for n, b in files] + [{"name": "MCS2025_Fig1.csv", "downloadUri": f"{base}/dl/fig"}]}]
    return json.dumps({"total": 2, "items": items}).encode()


def test_mcs_other_edition_found_in_the_catalogue(shared_data, server, env, tmp_path):
    world = _mcs2025_excerpt(shared_data)
    sal = {n: (shared_data / "usgs_mcs/mcs2025/salient" / n).read_bytes()
           for n in ("mcs2025-rareee_salient.csv", "mcs2025-lithium_salient.csv")}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for n, b in sal.items():
            zf.writestr(f"Salient_Commodity/{n}", b)
        zf.writestr("Salient_Commodity/readme.txt", b"not a table")
    zipped = buf.getvalue()
    files = [("MCS2025_World_Data.csv", world), ("Salient_Commodity_Data_Release_Grouped.zip", zipped)]
    listing = ("/catalog/items?parentId=5c8c03e4e4b0938824529f7d&format=json&fields=title,files"
               "&max=100")
    server.replay.add_file(listing, _listing(server.base, 2025, files))
    for n, b in files:
        server.replay.add_file(f"/dl/{n}", b)
    want: dict[str, int] = {}
    for n, b in [("MCS2025_World_Data.csv", world), *sal.items()]:
        p = tmp_path / "ref" / n
        p.parent.mkdir(exist_ok=True)
        p.write_bytes(b)
        for k, v in _rows(p, "usgs-mcs").items():
            want[k] = want.get(k, 0) + v
    with _fresh(tmp_path) as wh:
        res = fetch_usgs_mcs(2025, base_url=server.base, warehouse=wh, client=_client(),
                             cache=RawCache(env["cache"]))
    assert res.rows_added == {k: v for k, v in want.items() if v}
    assert want["production"] > 0 and want["salient"] > 0
    assert sorted(f.file for f in res.files) == ["MCS2025_World_Data.csv", "mcs2025-lithium_salient.csv",
                                                  "mcs2025-rareee_salient.csv"]
    assert server.replay.log == [listing, "/dl/MCS2025_World_Data.csv",
                                 "/dl/Salient_Commodity_Data_Release_Grouped.zip"]
    # a damaged download: the published checksum does not match
    server.replay.add_file("/dl/MCS2025_World_Data.csv", world[:-20])
    with _fresh(tmp_path, "c.duckdb") as wh, pytest.raises(FetchError, match="differs from the "
                                                                             "published"):
        fetch_usgs_mcs(2025, base_url=server.base, warehouse=wh, client=_client(),
                       cache=RawCache(env["cache"]))
    # the next edition is not in the catalogue yet
    with _fresh(tmp_path, "d.duckdb") as wh, pytest.raises(FetchError) as exc:
        fetch_usgs_mcs(2027, base_url=server.base, warehouse=wh, client=_client(),
                       cache=RawCache(env["cache"]))
    assert "no 'Mineral Commodity Summaries 2027' data release in the ScienceBase collection" in str(
        exc.value)
    assert "pass --url" in str(exc.value)


def test_mcs_url_of_another_edition_is_refused(shared_data, server, env, tmp_path):
    server.replay.add_file("/next/MCS2025_World_Data.csv", _mcs2025_excerpt(shared_data))
    with _fresh(tmp_path) as wh:
        with pytest.raises(Exception) as exc:
            fetch_usgs_mcs(2027, urls=[server.base + "/next/MCS2025_World_Data.csv"], warehouse=wh,
                           client=_client(), cache=RawCache(env["cache"]))
        assert wh.counts()["production"] == 0
    assert "the rows are of edition MCS2025, not MCS2027 as asked" in str(exc.value)


def test_mcs_dry_run_for_the_next_edition(env):
    res = _cli(env["db"], "data", "fetch", "usgs-mcs", "--edition", "2027", "--dry-run")
    assert res.exit_code == 0, res.output
    assert ("GET https://www.sciencebase.gov/catalog/items?parentId=5c8c03e4e4b0938824529f7d"
            "&format=json&fields=title,files&max=100") in res.output
    res = _cli(env["db"], "data", "fetch", "usgs-mcs", "--edition", "2026", "--dry-run")
    assert ("GET https://www.sciencebase.gov/catalog/file/get/696a75d5d4be0228872d3bf8"
            "?name=MCS2026_Commodities_Data.csv") in res.output


def test_html_page_instead_of_a_file(server, env, tmp_path):
    server.replay.add_file(MCS_ITEM, b"<!DOCTYPE html><html><body>Moved</body></html>")
    with _fresh(tmp_path) as wh, pytest.raises(FetchError, match="answered with an HTML page, not the "
                                                                 "data file MCS2026_Commodities_Data"):
        fetch_usgs_mcs(2026, base_url=server.base, warehouse=wh, client=_client(),
                       cache=RawCache(env["cache"]))


# --------------------------------------------------------------------------------------------- WGI
WGI_PATH = "/content/dam/sites/govindicators/doc/wgidataset.xlsx"


def _wgi_excerpt(shared_data: Path, codes=("CHN", "USA", "MMR", "AUS")) -> bytes:
    from openpyxl import Workbook, load_workbook

    src = load_workbook(shared_data / "wgi/wgidataset_2024update_1996-2023.xlsx", read_only=True)
    ws = src.worksheets[0]
    out = Workbook()
    dst = out.active
    for i, row in enumerate(ws.iter_rows(values_only=True)):
        if i == 0 or row[1] in codes:
            dst.append(list(row))
    src.close()
    buf = io.BytesIO()
    out.save(buf)
    return buf.getvalue()


def test_wgi_fetch(shared_data, server, env, tmp_path):
    body = _wgi_excerpt(shared_data)
    server.replay.add_file(WGI_PATH, body)
    ref = tmp_path / "wgidataset.xlsx"
    ref.write_bytes(body)
    want = _rows(ref, "wgi")
    assert want == {"governance": 4 * 6 * 25}  # 4 economies x 6 indicators x 25 years
    with _fresh(tmp_path) as wh:
        res = fetch_wgi(url=server.base + WGI_PATH, warehouse=wh, client=_client(),
                        cache=RawCache(env["cache"]))
        again = fetch_wgi(url=server.base + WGI_PATH, warehouse=wh, client=_client(),
                          cache=RawCache(env["cache"]))
        chn = wh.table("governance", country="CHN", year=2023, indicator="rl")
    assert res.rows_added == want and again.rows_added == {}
    assert again.files[0].outcome == "unchanged"
    assert chn["estimate"].iloc[0] == pytest.approx(
        read_source(ref, "wgi")["governance"].query("country == 'CHN' and year == 2023 and "
                                                    "indicator == 'rl'")["estimate"].iloc[0])


def test_wgi_refused_layout_stores_nothing(server, env, tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["Country", "Code", "Year", "Score (0-100)"])
    wb.active.append(["China", "CHN", 2024, 35.1])
    buf = io.BytesIO()
    wb.save(buf)
    server.replay.add_file(WGI_PATH, buf.getvalue())
    res = _cli(env["db"], "data", "fetch", "wgi", "--url", server.base + WGI_PATH)
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert "wgidataset.xlsx" in res.output and "nothing was ingested" in res.output
    assert "the raw file is kept at" in res.output


def test_wgi_dry_run_default(env):
    res = _cli(env["db"], "data", "fetch", "wgi", "--dry-run")
    assert "GET https://www.worldbank.org/content/dam/sites/govindicators/doc/wgidataset.xlsx" in res.output
