"""Bad input never becomes a traceback or a wrong number (issue 11, items 2, 8 and 9).

* Item 2: truncated files. A row whose field count differs from the header's, a world table without
  its World total row and a value that is not a number are refused, naming file, row and column.
* Item 8: the causes of the tracebacks a fuzzer found (a bare CR in a field, UTF-16 with CRLF, a field
  over 131,072 characters, a corrupt xlsx, a boolean cell in a salient workbook, deeply nested
  JSON/TOML) each give a DataError naming the file, or the correct data; and a seeded fuzzer over
  excerpts of the real files (:mod:`tests._fuzz`) finds no traceback and no silent change.
* Item 9: a file above its source's size limit is refused before it is read (and a gzip bomb).

Every file here is cut at run time from the raw data in ``../shared/data``; the tests skip without it.
"""

from __future__ import annotations

import csv
import gzip
import io
import sys
import zipfile
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from critmin.errors import DataError, ScenarioError
from critmin.sources.registry import MAX_MB, read_source
from critmin.warehouse import Warehouse

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _fuzz  # noqa: E402

MCS26 = "usgs_mcs/mcs2026/MCS2026_Commodities_Data.csv"


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


def _rare_earths_2026(shared_data: Path) -> bytes:
    """The header and the RARE EARTHS chapter of the MCS 2026 long file (a valid excerpt)."""
    return _fuzz._mcs2026(shared_data / MCS26, ("RARE EARTHS",))


def _china_2025(lines: list[bytes]) -> int:
    """0-based index of China's 2025 rare-earth mine production row."""
    return next(i for i, ln in enumerate(lines)
                if ln.startswith(b"RARE EARTHS,World Mine Production") and b",China,Production," in ln
                and b",2025," in ln)


# ----------------------------------------------------------------------------------------------
# item 2: truncated files


@pytest.mark.parametrize("cut", ["inside the value", "after the value", "at the end of the line"])
def test_mcs2026_cut_inside_china_rare_earths_row_is_refused(shared_data, tmp_path, cut):
    """The real MCS 2026 file cut in China's 2025 rare-earth row: before, China was stored with
    27 t (or 270,000 t without a 2025 world total) and the United States became the top producer."""
    lines = _lines(shared_data / MCS26)
    i = _china_2025(lines)
    line = lines[i]
    at = {"inside the value": line.index(b'"270,000"') + 3,
          "after the value": line.index(b'"270,000"') + 15,
          "at the end of the line": len(line)}[cut]
    p = _write(tmp_path, "MCS2026_Commodities_Data.csv", b"".join(lines[:i]) + line[:at])
    with pytest.raises(DataError) as e:
        Warehouse(":memory:").ingest_file(p, "usgs-mcs")
    err = e.value
    assert err.file == "MCS2026_Commodities_Data.csv" and err.row == i + 1
    msg = str(err)
    if cut == "inside the value":
        assert "ends inside a quoted field" in msg
    elif cut == "after the value":
        assert "10 fields where the header has 12" in msg
    else:
        assert "no World total row for rare-earths production in 2025" in msg
        assert err.column == "Value"


def test_nothing_is_stored_from_a_cut_file(shared_data, tmp_path):
    lines = _lines(shared_data / MCS26)
    i = _china_2025(lines)
    p = _write(tmp_path, "MCS2026_Commodities_Data.csv", b"".join(lines[:i + 1]))
    wh = Warehouse(":memory:")
    with pytest.raises(DataError, match="no World total row"):
        wh.ingest_file(p, "usgs-mcs")
    assert wh.counts()["production"] == 0


def test_row_with_missing_fields_is_refused(shared_data, tmp_path):
    """A row that lost its last fields (here China's notes and the two chapter columns)."""
    data = _rare_earths_2026(shared_data)
    lines = data.splitlines(keepends=True)
    i = _china_2025(lines)
    lines[i] = lines[i].split(b'"270,000"')[0] + b'"270,000"\r\n'
    p = _write(tmp_path, "MCS2026_Commodities_Data.csv", b"".join(lines))
    with pytest.raises(DataError) as e:
        read_source(p, "usgs-mcs")
    assert (e.value.file, e.value.row) == ("MCS2026_Commodities_Data.csv", i + 1)
    assert "9 fields where the header has 12" in str(e.value)


@pytest.mark.parametrize("which", ["mcs2026", "mcs2025", "mcs2023"])
def test_world_table_without_its_world_total_is_refused(shared_data, tmp_path, which):
    """Every MCS world table has a World total row per commodity and year (bar one published
    exception): without it the shares would be computed against the wrong total."""
    if which == "mcs2026":
        name, data = "MCS2026_Commodities_Data.csv", _rare_earths_2026(shared_data)
    elif which == "mcs2025":
        name = "MCS2025_World_Data.csv"
        data = _fuzz._mcs2025(shared_data / "usgs_mcs/mcs2025" / name, ("Rare earths",))
    else:
        name = "mcs2023-raree_world.csv"
        data = (shared_data / "usgs_mcs/mcs2023/world" / name).read_bytes()
    lines = data.splitlines(keepends=True)
    marker = b",World total,Production," if which == "mcs2026" else b"World total"
    totals = [i for i, ln in enumerate(lines) if marker in ln]
    assert totals
    k = totals[-1]
    p = _write(tmp_path, name, b"".join(lines[:k] + lines[k + 1:]))
    with pytest.raises(DataError, match="no World total row for rare-earths production") as e:
        read_source(p, "usgs-mcs")
    assert e.value.file == name and e.value.row == k  # the last row of the block (1-based k)
    # with the row the file reads
    assert len(read_source(_write(tmp_path, name, data), "usgs-mcs")["production"])


def test_world_file_whose_source_names_another_edition_is_refused(shared_data, tmp_path):
    """One damaged Source cell used to re-date every row of the file (the edition came from the
    first Source cell)."""
    data = (shared_data / "usgs_mcs/mcs2023/world/mcs2023-raree_world.csv").read_bytes()
    lines = data.splitlines(keepends=True)
    lines[1] = lines[1].replace(b"MCS2023", b"MCS2033", 1)
    p = _write(tmp_path, "mcs2023-raree_world.csv", b"".join(lines))
    with pytest.raises(DataError, match="edition MCS2033 but the file name says MCS2023") as e:
        read_source(p, "usgs-mcs")
    assert (e.value.row, e.value.column) == (2, "Source")


@pytest.mark.parametrize("token", ["nan", "inf", "1e30", "-5", "12abc"])
def test_bgs_value_that_is_not_a_number_is_refused(shared_data, tmp_path, token):
    """BGS values were read with float(): 'nan' became a missing value without a reason, 'inf' and
    '1e30' numbers."""
    text = gzip.decompress((shared_data / "bgs/df_ukgs.csv.gz").read_bytes())
    lines = text.splitlines(keepends=True)[:50]
    lines[10] = lines[10].rsplit(b";", 1)[0] + b";" + token.encode() + b"\n"
    p = _write(tmp_path, "df_ukgs.csv.gz", gzip.compress(b"".join(lines)))
    with pytest.raises(DataError, match="expected a number or a blank") as e:
        read_source(p, "bgs-wms")
    assert (e.value.file, e.value.row, e.value.column) == ("df_ukgs.csv.gz", 11, "value")


def test_value_that_is_not_a_number_is_refused_in_mcs2026(shared_data, tmp_path):
    data = _rare_earths_2026(shared_data)
    lines = data.splitlines(keepends=True)
    i = _china_2025(lines)
    lines[i] = lines[i].replace(b'"270,000"', b"inf")
    p = _write(tmp_path, "MCS2026_Commodities_Data.csv", b"".join(lines))
    with pytest.raises(DataError, match="unreadable value") as e:
        read_source(p, "usgs-mcs")
    assert (e.value.row, e.value.column, e.value.value) == (i + 1, "Value", "inf")


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
def test_comtrade_json_nan_token_is_refused(shared_data, tmp_path, token):
    """json.loads accepts NaN and Infinity (not JSON): a NaN trade value used to be stored as a
    value "not reported"."""
    folder = shared_data / "trade/un_comtrade_china_imports_hs2846_annual"
    data = (folder / "2020.json").read_text("utf-8")
    j = data.index('"primaryValue":') + len('"primaryValue":')
    k = data.index(",", j)
    (tmp_path / "manifest.json").write_bytes((folder / "manifest.json").read_bytes())
    p = _write(tmp_path, "2020.json", (data[:j] + token + data[k:]).encode())
    _expect_clear(p, "comtrade", f"{token.lstrip('-')} is not a JSON number")


def test_wgi_csv_infinite_estimate_is_refused(shared_data):
    from critmin.sources.wgi import parse_wgi_csv

    lines = _lines(shared_data / "wgi/wgidataset_2024update_1996-2023.csv")[:30]
    head = lines[0].decode().strip().split(",")
    cells = lines[5].decode().strip().split(",")
    cells[[h.strip().casefold() for h in head].index("estimate")] = "inf"
    lines[5] = (",".join(cells) + "\n").encode()
    with pytest.raises(DataError, match="expected a number") as e:
        parse_wgi_csv(b"".join(lines), "wgi.csv")
    assert e.value.row == 6


def _expect_clear(p: Path, source: str, match: str) -> DataError:
    with pytest.raises(DataError, match=match) as e:
        read_source(p, source)
    assert p.name in str(e.value)
    return e.value


# ----------------------------------------------------------------------------------------------
# item 8: the causes of the tracebacks found by fuzzing


def test_bare_cr_inside_a_field(shared_data, tmp_path):
    lines = _rare_earths_2026(shared_data).splitlines(keepends=True)
    lines[5] = lines[5][:30] + b"\r" + lines[5][30:]
    err = _expect_clear(_write(tmp_path, "MCS2026_Commodities_Data.csv", b"".join(lines)),
                        "usgs-mcs", "carriage return")
    assert err.row == 6


def _equal(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    assert list(a) == list(b)
    for t in a:
        pd.testing.assert_frame_equal(a[t], b[t])


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_utf16_with_crlf_reads_the_same_data(shared_data, tmp_path, encoding):
    """UTF-16 (with or without a byte-order mark) with CR LF line ends is decoded, not refused."""
    data = _rare_earths_2026(shared_data)
    base = read_source(_write(tmp_path, "MCS2026_Commodities_Data.csv", data), "usgs-mcs")
    text = data.decode("cp1252").replace("\r\n", "\n").replace("\n", "\r\n")
    got = read_source(_write(tmp_path, "MCS2026_Commodities_Data.csv", text.encode(encoding)),
                      "usgs-mcs")
    _equal(got, base)


def test_utf8_file_with_a_bad_byte_is_refused_not_read_as_cp1252(shared_data, tmp_path):
    """A UTF-8 file with one damaged byte used to fall back to Windows-1252: the other rows' non-ASCII
    characters silently turned into mojibake (partner 'Türkiye' stored as 'TÃ¼rkiye')."""
    folder = shared_data / "trade/un_comtrade_china_imports_hs2846_annual"
    data = (folder / "2023.json").read_bytes()
    assert "Türkiye".encode() in data
    j = data.index(b'"cmdDesc":"') + 12
    (tmp_path / "manifest.json").write_bytes((folder / "manifest.json").read_bytes())
    p = _write(tmp_path, "2023.json", data[:j] + b"\xff" + data[j:])
    err = _expect_clear(p, "comtrade", "not valid UTF-8")
    assert err.row == 1
    assert read_source(_write(tmp_path, "2023.json", data), "comtrade")["trade"][
        "partner_raw"].str.contains("Türkiye").any()


def test_nul_byte_is_refused(shared_data, tmp_path):
    data = (shared_data / "trade/oec_rare_earth_net_trade_annual/"
                          "oec_hs2846_net_trade_by_country_1995-2022.csv").read_bytes()[:3000]
    data = data[: data.rindex(b"\n") + 1]
    j = data.index(b"\n", 500) + 5
    err = _expect_clear(_write(tmp_path, "oec.csv", data[:j] + b"\x00" + data[j:]), "oec",
                        "NUL character")
    assert err.row == data[:j].count(b"\n") + 1


@pytest.mark.parametrize("source, rel, quoted", [
    ("usgs-mcs", "usgs_mcs/mcs2025/MCS2025_World_Data.csv", False),
    ("usgs-mcs", "usgs_mcs/mcs2025/MCS2025_World_Data.csv", True),
    ("eu-crm", "eu_crm/eu_crm_2023_trade_parameters_t.csv", False),
    ("comtrade", "trade/un_comtrade_cmm_bilateral_annual_2020_2024/rare_earths_trade_data.csv", True),
])
def test_field_over_131072_characters(shared_data, tmp_path, source, rel, quoted):
    lines = _lines(shared_data / rel)[:20]
    filler = b"x" * 200_000
    lines[7] = lines[7].replace(b",", b"," + (b'"' + filler + b'"' if quoted else filler) + b",", 1)
    err = _expect_clear(_write(tmp_path, Path(rel).name, b"".join(lines)), source,
                        "longer than 131,072 characters|fields where the header has")
    assert err.row == 8


def _sheet_member(data: bytes) -> tuple[str, int, int]:
    """(name, offset of the compressed data, its size) of the first worksheet of an xlsx."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = next(i for i in zf.infolist() if i.filename.startswith("xl/worksheets/sheet"))
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    return info.filename, start, info.compress_size


@pytest.mark.parametrize("damage", ["flip", "truncate", "zeros"])
@pytest.mark.parametrize("source, rel", [
    ("usgs-mcs", "usgs_mcs/mcs2023/salient/mcs2023-quartz_salient.xlsx"),
    ("usgs-ds140", "usgs_rare_earths/ds140_rare_earths_historical_statistics_2020.xlsx"),
    ("usitc", "trade/usitc_dataweb_us_trade_hts4_annual/us_imports_for_consumption_1993-2026.xlsx"),
    ("wmd", "wmd/wmd_6.4._total_1984-2017.xlsx"),
    ("usgs-myb-world", "usgs_myb/myb1-2016-antim.xlsx"),
])
def test_corrupt_xlsx(shared_data, tmp_path, source, rel, damage):
    """zlib and XML errors from inside openpyxl/zipfile (a damaged compressed sheet) are refused."""
    data = (shared_data / rel).read_bytes()
    _member, start, size = _sheet_member(data)
    j = start + size // 2
    bad = {"flip": data[:j] + bytes([data[j] ^ 0x10]) + data[j + 1:],
           "truncate": data[: start + size // 2],
           "zeros": data[:j] + b"\x00" * 64 + data[j + 64:]}[damage]
    _expect_clear(_write(tmp_path, Path(rel).name, bad), source, "not a readable")


@pytest.mark.parametrize("value", [True, False])
def test_boolean_cell_in_a_salient_workbook(shared_data, tmp_path, value):
    """A boolean cell used to end in an AssertionError."""
    import openpyxl

    src = shared_data / "usgs_mcs/mcs2023/salient/mcs2023-quartz_salient.xlsx"
    wb = openpyxl.load_workbook(src)
    ws = wb.worksheets[0]
    ws["F4"] = value
    buf = io.BytesIO()
    wb.save(buf)
    err = _expect_clear(_write(tmp_path, src.name, buf.getvalue()), "usgs-mcs", "bool cell")
    assert (err.row, err.column) == (4, ws["F1"].value)


@pytest.mark.parametrize("source, rel", [
    ("comtrade", "trade/un_comtrade_china_imports_hs2846_annual/2020.json"),
    ("iea", "iea/iea_critical_minerals_data_explorer_2025ed_converted.json"),
])
def test_deeply_nested_json(shared_data, tmp_path, source, rel):
    """A RecursionError before; now a DataError naming the file."""
    data = (shared_data / rel).read_bytes()
    j = data.index(b":", data.index(b'"', 20)) + 1
    deep = b"[" * 100_000 + b"1" + b"]" * 100_000
    _expect_clear(_write(tmp_path, Path(rel).name, data[:j] + deep + b"," + data[j:]), source,
                  "nested")


@pytest.mark.parametrize("text", ["x = " + "[" * 100_000 + "1" + "]" * 100_000,
                                  "x = " + "{a = " * 5_000 + "1" + "}" * 5_000])
def test_deeply_nested_toml_scenario(tmp_path, text):
    from critmin.market.spec import load_scenario

    p = tmp_path / "deep.toml"
    p.write_text(text + "\n", "utf-8")
    with pytest.raises(ScenarioError, match="nested too deeply") as e:
        load_scenario(p)
    assert "deep.toml" in str(e.value)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-be-bom", "crlf"])
def test_scenario_saved_by_a_windows_editor_reads_the_same(tmp_path, encoding):
    """A scenario saved with a UTF-8 byte-order mark ("Invalid statement at line 1, column 1" before),
    as UTF-16 with its mark, or with CRLF line ends is the same scenario."""
    from critmin.market.spec import load_scenario

    src = _fuzz.SRC / "critmin/scenarios/ree-2010-quota.toml"
    text = src.read_text("utf-8")
    data = {"utf-8-sig": text.encode("utf-8-sig"), "utf-16": text.encode("utf-16"),
            "utf-16-be-bom": b"\xfe\xff" + text.encode("utf-16-be"),
            "crlf": text.replace("\n", "\r\n").encode("utf-8")}[encoding]
    p = tmp_path / "saved.toml"
    p.write_bytes(data)
    assert load_scenario(p).model_dump(exclude={"path"}) == load_scenario(src).model_dump(exclude={"path"})


def test_scenario_in_another_encoding_is_refused_where_it_breaks(tmp_path):
    from critmin.market.spec import load_scenario

    p = tmp_path / "latin.toml"
    p.write_bytes('name = "ok"\n# Réunion\n'.encode("latin-1"))
    with pytest.raises(ScenarioError, match=r"latin.toml: not UTF-8 text \(byte 0xe9 at line 2, column 4\); "
                                            "save it as UTF-8"):
        load_scenario(p)
    p.write_bytes(b"\xff\xfea")  # a UTF-16 mark, then half a character
    with pytest.raises(ScenarioError, match="starts as UTF-16 text but is not"):
        load_scenario(p)


def _events_text() -> bytes:
    return (_fuzz.SRC / "critmin/data/export_controls.csv").read_bytes()


def test_export_control_catalogue_cut_inside_a_row_is_refused(tmp_path):
    """A user catalogue (``read_events(path)``) cut inside its third event: before, csv.DictReader
    filled the lost columns with None and the event was kept with an empty URL check failing on
    another column (or, cut after the URL, kept without its products)."""
    from critmin.monitor.events import read_events

    lines = _events_text().splitlines(keepends=True)
    good = read_events(_write(tmp_path, "controls.csv", b"".join(lines)))
    assert list(good["row"][:3]) == [2, 3, 4]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(next(csv.reader([lines[3].decode()]))[:-2])
    cut = buf.getvalue().encode()  # the last two fields lost
    p = _write(tmp_path, "controls.csv", b"".join(lines[:3] + [cut] + lines[4:]))
    with pytest.raises(DataError, match="fields where the header has") as e:
        read_events(p)
    assert (e.value.file, e.value.row) == ("controls.csv", 4)
    p = _write(tmp_path, "controls.csv", "\ufeff".encode() + b"".join(lines).replace(b"\n", b"\r\n"))
    assert read_events(p).drop(columns="row").equals(good.drop(columns="row"))
    p = _write(tmp_path, "controls.csv", b"".join(lines).decode().encode("utf-16"))
    assert len(read_events(p)) == len(good)
    p = _write(tmp_path, "controls.csv", b"".join(lines[:2]) + b"x,\"" + b"y" * 200_000 + b"\n")
    with pytest.raises(DataError, match="longer than 131,072 characters") as e:
        read_events(p)
    assert e.value.row == 3


@pytest.mark.parametrize("value, ok", [("0.5", True), ("nan", False), ("inf", False),
                                       ("1e999", False), ("", True)])
def test_parameters_file_values_are_finite_numbers(tmp_path, value, ok):
    from critmin.criticality.parameters import load_parameters

    p = _write(tmp_path, "p.csv", ("commodity,parameter,value\n"
                                   "gallium,si_sr,0.9\n"
                                   f"gallium,eol_rir,{value}\n").encode())
    if ok:
        df = load_parameters(p)
        assert df["value"].iloc[0] == 0.9 and df.attrs["rows"] == [2, 3]
    else:
        with pytest.raises(DataError, match="expected a number") as e:
            load_parameters(p)
        assert (e.value.row, e.value.column) == (3, "value")


def test_parameters_file_with_a_short_row_is_refused(tmp_path):
    """pandas filled a short row's missing fields with NaN (kept as the text 'nan')."""
    from critmin.criticality.parameters import load_parameters

    p = _write(tmp_path, "p.csv", b"commodity,parameter,value,unit\ngallium,si_sr,0.9,1\n"
                                  b"gallium,eol_rir\n")
    with pytest.raises(DataError, match="2 fields where the header has 4") as e:
        load_parameters(p)
    assert (e.value.file, e.value.row) == ("p.csv", 3)


def test_bilateral_and_wgi_csv_cut_inside_a_row_are_refused(shared_data, tmp_path):
    from critmin.sources.wgi import read_wgi_csv

    name = "bilateral_edges_2023_imports_2504_2805_2846_7502_8105.csv"
    lines = _lines(shared_data / "trade/un_comtrade_bilateral_imports_2023" / name)[:30]
    p = _write(tmp_path, name, b"".join(lines[:-1]) + lines[-1][: len(lines[-1]) // 2])
    with pytest.raises(DataError, match="fields where the header has 12") as e:
        read_source(p, "comtrade-bilateral")
    assert (e.value.file, e.value.row) == (name, 30)
    assert len(read_source(_write(tmp_path, name, b"".join(lines)), "comtrade-bilateral")["trade"]) == 29
    name = "wgidataset_2024update_1996-2023.csv"
    lines = _lines(shared_data / "wgi" / name)[:30]
    p = _write(tmp_path, name, b"".join(lines[:-1]) + lines[-1][:20])
    with pytest.raises(DataError, match="fields where the header has 11") as e:
        read_wgi_csv(p)
    assert (e.value.file, e.value.row) == (name, 30)


# ----------------------------------------------------------------------------------------------
# item 9: size limits


def test_file_above_the_source_limit_is_refused(shared_data, tmp_path, monkeypatch):
    p = shared_data / "usgs_mcs/mcs2025/MCS2025_World_Data.csv"
    monkeypatch.delenv("CRITMIN_MAX_FILE_MB", raising=False)
    monkeypatch.setenv("CRITMIN_MAX_FILE_MB", "0.1")
    with pytest.raises(DataError, match=r"more than the 0\.1 MB CRITMIN_MAX_FILE_MB allows") as e:
        read_source(p, "usgs-mcs")
    assert e.value.file == p.name
    monkeypatch.setattr("critmin.sources.registry.MAX_MB", {"usgs-mcs": 0.1})
    monkeypatch.delenv("CRITMIN_MAX_FILE_MB")
    with pytest.raises(DataError, match=r"more than the 0\.1 MB accepted for a usgs-mcs file") as e:
        read_source(p, "usgs-mcs")
    assert "set CRITMIN_MAX_FILE_MB" in str(e.value)
    monkeypatch.undo()
    monkeypatch.setenv("CRITMIN_MAX_FILE_MB", "1")
    assert len(read_source(p, "usgs-mcs")["production"]) > 1000
    monkeypatch.undo()
    assert MAX_MB["usgs-mcs"] * 1e6 > 3 * (shared_data / MCS26).stat().st_size


def test_gzip_bomb_is_refused(tmp_path):
    header = b"Country;commodity_code;commodity_desc;Sub-commodity;year;value\n"
    bomb = gzip.compress(header + b"a" * 40_000_000, compresslevel=9)
    assert len(bomb) < 100_000
    p = _write(tmp_path, "df_ukgs.csv.gz", bomb)
    with pytest.raises(DataError, match="expands to more than") as e:
        read_source(p, "bgs-wms")
    assert e.value.file == "df_ukgs.csv.gz"


# ----------------------------------------------------------------------------------------------
# the fuzzer


FUZZ_CASES = 300
FUZZ_SEED = 20261206


def test_fuzz_readers(shared_data):
    """A seeded mutator over excerpts of the real files: every case gives a clear DataError or data
    that passes schema.conform with the untouched rows unchanged -- never a traceback."""
    outs = _fuzz.campaign(shared_data, FUZZ_CASES, FUZZ_SEED)
    counts = Counter(o.kind for o in outs)
    nonlocal_ = sum(o.detail == "non-local" for o in outs)
    print(f"\nfuzz: {len(outs)} cases, clear errors {counts['error']}, correct data "
          f"{counts['data']} ({counts['data'] - nonlocal_} with the untouched rows compared, "
          f"{nonlocal_} non-local), tracebacks {counts['traceback']}, wrong data {counts['wrong']}, "
          f"unclear errors {counts['unclear']}")
    bad = [o for o in outs if o.kind not in ("error", "data")]
    assert not bad, "\n".join(f"{o.kind} {o.excerpt}: {o.what}\n{o.detail}" for o in bad[:5])
    assert len(outs) == FUZZ_CASES
    # the cases exercise both outcomes and every excerpt
    assert counts["error"] > FUZZ_CASES / 3 and counts["data"] > FUZZ_CASES / 10
    assert {o.excerpt for o in outs} == {e.key for e in _fuzz.excerpts(shared_data)}


def test_fuzz_covers_every_source(shared_data):
    """Every source id of the registry (and every user file read outside it) has an excerpt: a new
    reader cannot be left out of the fuzzer."""
    from critmin.sources.registry import READERS

    kinds = {e.source for e in _fuzz.excerpts(shared_data)}
    assert kinds == set(READERS) | set(_fuzz.OTHER_READERS)
