"""What an analyst sees from the CLI (issue 12, items 8-12): Excel next to every CSV, integers that stay
integers, tables that keep ids and dates whole when piped, messages in plain words, net import reliance
in words, and one vocabulary (percentages, country names, HHI scales)."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

import critmin
from critmin.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def db(warehouse_path):
    return warehouse_path


def run(db, *args, code: int = 0):
    res = runner.invoke(app, ["--db", str(db), *args])
    assert res.exit_code == code, res.output
    assert "Traceback" not in res.output
    return res


def _sheets(path) -> dict[str, list[tuple]]:
    wb = openpyxl.load_workbook(path)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb}


# --------------------------------------------------------------------------- 8. Excel
def test_every_command_with_csv_takes_xlsx():
    import click
    import typer.main

    cmd = typer.main.get_command(app)
    seen = []

    def walk(group, prefix):
        for name, sub in group.commands.items():
            if isinstance(sub, click.Group) or hasattr(sub, "commands"):
                walk(sub, [*prefix, name])
            opts = {o for p in getattr(sub, "params", []) for o in getattr(p, "opts", [])}
            if "--csv" in opts:
                seen.append(" ".join([*prefix, name]))
                assert "--xlsx" in opts, " ".join([*prefix, name])

    walk(cmd, [])
    assert {"supply", "trend", "commodities", "reliance", "dependence", "criticality", "outlook",
            "stockpile rules", "stockpile plan", "data status"} <= set(seen)


def _help_texts():
    """Every command's and option's help as written (command and parameter), with its command's path."""
    import typer.main

    def walk(c, path):
        yield path, c.help or ""
        for p in c.params:
            yield path, getattr(p, "help", None) or ""
        for name, sub in getattr(c, "commands", {}).items():
            yield from walk(sub, [*path, name])

    return list(walk(typer.main.get_command(app), []))


def test_square_brackets_in_help_are_shown():
    """Help is rich markup: square brackets opening on a lower-case letter ("[share]", "critmin[fast]")
    are read as a style tag and vanish from the screen and the docs unless written ``\\[`` ("[USD]",
    "[1/yr]" are not tags). None is left bare, and the three that were now show."""
    bare = [(" ".join(path), m.group()) for path, text in _help_texts()
            for m in re.finditer(r"(?<!\\)\[[a-z#/@][^\[]*?\]", text)]  # rich's tags (rich.markup)
    assert bare == []
    for argv, shown in ((["simulate", "--help"], ("critmin[fast]", "[market] engine")),
                        (["diversify", "--help"], ("shown in full [share]",))):
        out = re.sub(r"[\s│]+", " ", runner.invoke(app, argv, terminal_width=200).output)
        for text in shown:
            assert text in out, (argv, text)


def test_text_in_square_brackets_is_printed_as_written(db, tmp_path, monkeypatch):
    """A file name, a note, a unit or a row label holding "[v2]", "[baseline]", "critmin[fast]" or
    "[t/yr]" is printed whole, not read as rich markup (which drops it)."""
    import critmin.supply as supply_pkg

    flat = lambda text: " ".join(text.split())  # noqa: E731 - tables and notes wrap
    scenario = Path(critmin.__file__).parent / "scenarios" / "ree-2010-quota.toml"
    target = tmp_path / "runs[v2].parquet"
    res = run(db, "simulate", str(scenario), "--runs", "50", "--seed", "1", "--out", str(target))
    assert target.exists() and "runs[v2].parquet" in flat(res.output)
    assert "cost, all regions [million USD]" in flat(res.output)  # a row label
    shown = flat(run(db, "diversify", "gallium", "--importer", "USA").output)
    assert "objective shortfall [t/yr];" in shown and "change [t/yr]" in shown  # the title, a header

    note = "set [baseline] year = 2009 (see critmin[fast])"
    real = supply_pkg.supply

    def noted(*args, **kwargs):
        out = real(*args, **kwargs)
        out.notes = [*out.notes, note]
        return out

    monkeypatch.setattr(supply_pkg, "supply", noted)
    assert f"note: {note}" in flat(run(db, "supply", "gallium").output)


def test_supply_xlsx_sheets_units_sources_and_integers(db, tmp_path):
    path = tmp_path / "out" / "re.xlsx"
    res = run(db, "supply", "rare-earths", "--year", "2024", "--xlsx", str(path))
    assert "China" in res.stdout                      # the table is still printed
    assert f"wrote {path}" in " ".join(res.stderr.split()).replace("\n", "")
    sheets = _sheets(path)
    assert list(sheets)[0] == "producers" and {"sources", "about"} <= set(sheets)
    head, *rows = sheets["producers"]
    assert "quantity [t]" in head and "share [fraction]" in head and "year" in head
    row = dict(zip(head, next(r for r in rows if r[0] == "CHN"), strict=True))
    # MCS 2026: China 270,000 t (REO) in 2024 of a world total of 380,000 t
    assert row["quantity [t]"] == 270_000 and isinstance(row["quantity [t]"], int)
    assert row["year"] == 2024 and isinstance(row["year"], int)
    assert row["share [fraction]"] == pytest.approx(270_000 / 380_000)
    src_head, *src_rows = sheets["sources"]
    assert src_head[:4] == ("source", "editions used", "publisher and title", "licence")
    usgs = next(r for r in src_rows if r[0] == "usgs-mcs")
    assert "MCS2026" in usgs[1] and "public domain" in usgs[3] and "*" not in usgs[2]
    assert not list(tmp_path.glob("out/.*"))           # no temporary file left behind


def test_xlsx_write_is_atomic(tmp_path, monkeypatch):
    from critmin._export import write_workbook

    path = tmp_path / "keep.xlsx"
    write_workbook(path, {"a": pd.DataFrame({"x": [1, 2]})})
    before = path.read_bytes()

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_excel", boom)
    with pytest.raises(OSError, match="disk full"):
        write_workbook(path, {"a": pd.DataFrame({"x": [3]})})
    assert path.read_bytes() == before                 # the old workbook is untouched
    assert [p.name for p in tmp_path.iterdir()] == ["keep.xlsx"]


def test_xlsx_of_several_commands(db, tmp_path):
    for args, sheet, col in ((("reliance", "cobalt"), "net import reliance", "nir_reported [fraction]"),
                             (("dependence", "rare-earths", "--importer", "CHN"), "suppliers",
                              "quantity_kg [kg]"),
                             (("criticality", "--method", "usgs"), "ranking", "supply_risk [score (0-1)]"),
                             (("stockpile", "rules"), "rules", "days [days]"),
                             (("commodities",), "commodities", "id"),
                             (("trend", "gallium"), "trend", "hhi_points [points (0-10,000)]")):
        path = tmp_path / f"{args[0]}.xlsx"
        run(db, *args, "--xlsx", str(path))
        sheets = _sheets(path)
        assert sheet in sheets and col in sheets[sheet][0], (args, sheets[sheet][0])
    years = [r[0] for r in _sheets(tmp_path / "commodities.xlsx")["commodities"][1:]]
    assert years  # ids
    rules = _sheets(tmp_path / "stockpile.xlsx")["rules"]
    days = [dict(zip(rules[0], r, strict=True))["days [days]"] for r in rules[1:]]
    assert days[:3] == [60, 180, 100] and all(isinstance(d, int) for d in days)


def test_csv_integers_stay_integers(db):
    res = run(db, "commodities", "--csv")
    df = pd.read_csv(io.StringIO(res.stdout), dtype=str)
    years = df["first_year"].dropna()
    assert len(years) and not years.str.contains(r"\.").any()
    res = run(db, "trend", "gallium", "--csv")
    first = res.stdout.splitlines()[1].split(",")
    head = res.stdout.splitlines()[0].split(",")
    assert first[head.index("year")] == "1984"


def test_report_csv_downloads_carry_a_bom_and_integers(warehouse_path):
    import urllib.parse

    from critmin.report import tables
    from critmin.supply import supply
    from critmin.warehouse import Warehouse

    with Warehouse(warehouse_path, read_only=True) as wh:
        t = tables.producers_table(supply("rare-earths", year=2024, warehouse=wh))
    text = urllib.parse.unquote(t.csv_data_uri().split(",", 1)[1])
    assert text.startswith("\ufeff")                   # Excel reads the file as UTF-8
    assert not t.to_csv().startswith("\ufeff")         # the plain text for programs has none
    df = pd.read_csv(io.StringIO(text[1:]), dtype=str)
    chn = df[df["country"] == "CHN"].iloc[0]
    assert chn["quantity_t"] == "270000" and chn["year"] == "2024"   # not 270000.0, 2024.0


def test_report_format_xlsx(db, tmp_path):
    path = tmp_path / "report.xlsx"
    res = run(db, "report", "gallium", "--format", "xlsx", "--out", str(path))
    assert "wrote" in res.stdout
    sheets = _sheets(path)
    names = list(sheets)
    assert names[0] == "contents" and names[-2:] == ["sources", "about"]
    contents = sheets["contents"]
    assert len(contents) - 1 == len(names) - 3          # one row per table sheet
    assert all(len(n) <= 31 for n in names) and len(set(n.casefold() for n in names)) == len(names)
    prod = next(n for n in names if "producers" in n)
    head = sheets[prod][0]
    assert any("[" in str(h) for h in head)             # units in the headers
    src_head, *src = sheets["sources"]
    assert all(r[src_head.index("used_in_report")] for r in src)


# --------------------------------------------------------------------------- 9. tables when piped
def test_piped_tables_keep_ids_and_dates_whole(db):
    res = run(db, "monitor", "scan")
    for hs in ("250410", "811299", "850511"):  # the flagged line (graphite, 2023-12) and lines in the notes
        assert hs in res.stdout
    assert re.search(r"\b2023-12\b", res.stdout) and "…" not in res.stdout
    res = run(db, "stockpile", "rules")
    for rule in ("jogmec-60", "jogmec-180", "komir-100", "iea-90"):
        assert rule in res.stdout
    assert "…" not in res.stdout
    res = run(db, "commodities")
    assert "abrasives-manufactured" in res.stdout and "…" not in res.stdout
    res = run(db, "criticality")
    assert "platinum-group-metals" in res.stdout and "…" not in res.stdout


def test_narrow_output_switches_to_records_and_says_csv(db, monkeypatch):
    from critmin.cli import _output

    monkeypatch.setattr(_output.out, "_width", 60)
    res = run(db, "monitor", "scan")
    assert "exporter: CHN" in res.stdout and "HS: 250410" in res.stdout and "month: 2023-12" in res.stdout
    assert "--csv or --json for machine use" in " ".join(res.stderr.split())


def test_headers_with_units_are_printed_as_written(db):
    res = run(db, "supply", "cobalt", "--year", "2024")
    assert "quantity [t]" in res.stdout and "\\[" not in res.stdout
    res = run(db, "trend", "gallium")
    assert "HHI [points]" in res.stdout


# --------------------------------------------------------------------------- 10. messages
def test_messages_in_plain_words(db, tmp_path):
    res = run(db, "stockpile", "cover", "--region", "JPN", "--material", "gallium", "--rule", "foo", code=2)
    text = " ".join(res.output.split())
    assert "unknown stockpile rule 'foo'; rules: jogmec-60, jogmec-180, komir-100, iea-90" in text
    assert "[" not in text and '"' not in text
    res = run(db, "stockpile", "plan", "--region", "JPN", "--materials", "gallium", "--probability", "0",
              code=2)
    text = " ".join(res.output.split())
    assert "invalid planning parameters: disruption_probability: must be greater than 0" in text
    assert "pydantic" not in text and "validation error for" not in text
    bad = tmp_path / "bad.toml"

    text = (Path(critmin.__file__).parent / "scenarios" / "gallium-export-controls.toml").read_text("utf-8")
    bad.write_text(re.sub(r"(?m)^cut = .*$", 'cut = {dist = "uniform", low = 0.6, high = 0.3}', text),
                   "utf-8")
    res = run(db, "simulate", str(bad), "--runs", "10", code=2)
    text = " ".join(res.output.split())
    assert f"invalid scenario {bad}: disruption.cut: low (0.6) must not exceed high (0.3)" in text
    assert "tagged-union" not in text and "function-after" not in text and "\\[" not in text
    res = run(db, "stockpile", "plan", "--region", "JPN", "--materials", "gallium", "--probability", "2",
              code=2)
    assert "internal error" not in res.output and "--probability" in res.output
    res = run(db, "monitor", "--exporter", "CHN", "--hs", "280530", "--method", "nope", code=2)
    text = " ".join(res.output.split())
    assert "unknown monitor method 'nope'; choose one of" in text and "evidence" in text and "[" not in text


def test_dashboard_help_keeps_the_extra():
    res = runner.invoke(app, ["dashboard", "--help"])
    assert "critmin[dashboard]" in " ".join(res.output.split())


# --------------------------------------------------------------------------- 11. reliance
def test_reliance_in_words_and_the_reason_recomputed_is_missing(db):
    res = run(db, "reliance", "rare-earths")
    out = res.stdout
    assert "compounds and metals" in out
    assert "NIR_" not in out and "Net import reliance as a percentage" not in out
    res = run(db, "reliance", "cobalt")
    text = " ".join(res.stdout.split())
    assert "all forms" in text and "NIR_pct" not in text
    # MCS gives U.S. mine and secondary cobalt production and no total: recomputed is — every year, and
    # the table says why, without the release's column names
    assert ("recomputed is — in 2017–2025: USGS publishes several U.S. production series (mine; "
            "secondary) and none is a total") in text
    assert "USprod_" not in text


def test_series_labels():
    from critmin.dependence.nir import explain_computed_from, series_label

    assert series_label("NIR_pct") == "all forms"
    assert series_label("NIR_Compounds-Metals_t") == "compounds and metals"
    assert series_label("Net import reliance as a percentage of apparent consumption: Compounds and metals") \
        == "compounds and metals"
    assert series_label("Alumina: Net import reliance as a percentage of apparent consumption") == "alumina"
    assert series_label("TiO2 pigment: Net import reliance as a percentage of apparent consumption") \
        == "TiO2 pigment"
    assert series_label("Net import reliance as a percentage of apparent consumption (based on value)") \
        == "all forms (by value)"
    assert series_label("Net import reliance as a percentage of estimated consumption") \
        == "all forms (of estimated consumption)"
    assert series_label(None) == "all forms"
    assert explain_computed_from("no imports series") == "USGS gives no U.S. imports series in tonnes"
    assert explain_computed_from("production = X; stock change taken as 0 (apparent consumption <= 0: "
                                 "net exporter)") == "apparent consumption is not positive (a net exporter)"


# --------------------------------------------------------------------------- 12. one vocabulary
def test_percent_rule():
    from critmin._format import percent
    from critmin.cli._output import fmt
    from critmin.report.tables import fmt as report_fmt

    for v, want in ((0.0, "0.0%"), (0.0004, "<0.1%"), (0.0005, "0.1%"), (-0.0003, ">-0.1%"),
                    (0.6918, "69.2%"), (1.0, "100.0%"), (float("nan"), "—")):
        assert percent(v) == want and fmt(v, pct=True) == want and report_fmt(v, "pct") == want
    assert percent(0.004, 0) == "<1%" and report_fmt(0.004, "pct0") == "<1%"


def test_one_country_name_everywhere(db):
    from critmin.countries import country_name, display_name
    from critmin.report.style import display_name as report_name

    assert country_name("COD") == display_name("COD") == report_name("COD") == "DR Congo"
    assert country_name("RUS") == "Russia" and country_name("KOR") == "South Korea"
    assert display_name("USA", article=True) == "the United States"
    out = json.loads(run(db, "supply", "cobalt", "--year", "2024", "--json").stdout)
    names = {c["country"]: c["name"] for c in out["countries"]}
    assert names["COD"] == "DR Congo" and names["RUS"] == "Russia"
    assert "DR Congo" in run(db, "supply", "cobalt", "--year", "2024").stdout
    assert "Congo, The Democratic" not in run(db, "supply", "cobalt", "--year", "2024", "--csv").stdout


def test_hhi_scales_named(db):
    # a column named hhi holds a fraction, hhi_points the 0-10,000 points; the screen says which
    res = run(db, "trend", "gallium", "--csv")
    df = pd.read_csv(io.StringIO(res.stdout))
    ok = df.dropna(subset=["hhi"])
    assert (ok["hhi"] <= 1).all() and (ok["hhi_points"] - ok["hhi"] * 10_000).abs().max() < 1e-6
    out = " ".join(run(db, "dependence", "rare-earths", "--importer", "CHN", "--year", "2024").stdout.split())
    assert "HHI [points]" in out and re.search(r"HHI 3,989 points \(high; 0\.399 as a fraction\)", out)
    out = run(db, "supply", "rare-earths", "--year", "2024").stdout
    assert re.search(r"HHI: [\d,]+ points \(\w+; 0\.\d{3} as a fraction\)", out)
