"""``critmin monitor`` on the bundled data: China's rare-earth exports in August 2020, and the scan.

Reference (docs/data.md §5d and §7): HS 280530 + 284690 to the bloc partners, 3,595 t in August 2019 and
1,301 t in August 2020 (about -64 %; customs reported -62 % for all partners). The official account was
weak demand during COVID-19: a correct tool does not call it a restriction with confidence.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from critmin.cli import app
from critmin.monitor import CONTRACT_KEYS, SIGNALS

runner = CliRunner()


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("monitor") / "w.duckdb"
    res = runner.invoke(app, ["--db", str(path), "data", "build"])
    assert res.exit_code == 0, res.output
    return path


@pytest.fixture(scope="module")
def aug2020(db):
    res = runner.invoke(app, ["--db", str(db), "monitor", "--exporter", "CHN", "--hs", "280530,284690",
                              "--month", "2020-08", "--json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_aug_2020_has_every_contract_key(aug2020):
    assert set(CONTRACT_KEYS) <= set(aug2020)
    assert aug2020["exporter"] == "CHN" and aug2020["hs"] == ["280530", "284690"]
    assert aug2020["month"] == "2020-08"
    assert [s["name"] for s in aug2020["signals"]] == list(SIGNALS)
    for s in aug2020["signals"]:
        assert set(s) >= {"name", "value", "score", "note"} and s["note"]
    assert isinstance(aug2020["breaks"], list) and isinstance(aug2020["warnings"], list)


def test_aug_2020_year_on_year_change_is_what_the_data_give(aug2020):
    assert aug2020["quantity_kg"] == pytest.approx(1_301_203, rel=1e-4)
    assert aug2020["yoy_change"] == pytest.approx(1301.2 / 3595.0 - 1, abs=0.002)  # about -64 %
    assert aug2020["baseline_deviation"] < -0.4


def test_aug_2020_year_on_year_matches_the_raw_file(aug2020, shared_data):
    raw = pd.read_csv(shared_data / "trade" / "china_exports_monthly_comtrade_derived"
                      / "strategic_premium_hs6.csv")
    sel = raw[raw["hs6"].isin([280530, 284690])].groupby("period_dt")["qty"].sum()
    assert aug2020["yoy_change"] == pytest.approx(sel["2020-08-01"] / sel["2019-08-01"] - 1, rel=1e-9)


def test_aug_2020_is_not_a_confident_restriction(aug2020):
    assert aug2020["verdict"] in ("ambiguous", "demand-like")
    assert aug2020["score"] < 0.6
    sig = {s["name"]: s for s in aug2020["signals"]}
    # the evidence that holds it back: the fall had begun before August, no front-running, a broad fall
    assert "not abrupt" in sig["level_break"]["note"]
    assert sig["front_running"]["score"] < 0.5
    assert sig["breadth"]["score"] < 0.5
    # and the bloc extract is not China's world total; the catalogue's control is a mixed line
    assert any("bloc" in w for w in aug2020["warnings"])
    assert aug2020["control"] == ["850511"]
    assert any("850511" in w and "mixed" in w for w in aug2020["warnings"])


def test_monitor_table_and_csv(db):
    res = runner.invoke(app, ["--db", str(db), "monitor", "--exporter", "CHN", "--hs", "280530,284690",
                              "--month", "2020-08"])
    assert res.exit_code == 0, res.output
    text = " ".join(res.stdout.split())
    assert "evidence for 2020-08" in text
    assert "2020-08: ambiguous" in text or "2020-08: demand-like" in text
    csv = runner.invoke(app, ["--db", str(db), "monitor", "--exporter", "CHN", "--hs", "280530",
                              "--csv"])
    assert csv.exit_code == 0, csv.output
    assert csv.stdout.splitlines()[0].startswith("month,quantity_kg,yoy_change")


def test_mixed_line_warns(db):
    res = runner.invoke(app, ["--db", str(db), "monitor", "--exporter", "CHN", "--hs", "811292",
                              "--month", "2023-08", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert any("coarser than the product" in w for w in out["warnings"])
    assert out["control"]  # siblings chosen from the catalogue


def test_monitor_errors(db):
    res = runner.invoke(app, ["--db", str(db), "monitor", "--exporter", "XXX", "--hs", "280530"])
    assert res.exit_code == 2 and "no monthly export data for XXX" in res.output
    res = runner.invoke(app, ["--db", str(db), "monitor", "--exporter", "CHN", "--hs", "280530",
                              "--month", "2031-01"])
    assert res.exit_code == 2 and "outside the data" in res.output
    res = runner.invoke(app, ["--db", str(db), "monitor", "--exporter", "CHN"])
    assert res.exit_code == 2 and "required" in res.output


def test_scan_since_2023(db):
    res = runner.invoke(app, ["--db", str(db), "monitor", "scan", "--since", "2023-01", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["since"] == "2023-01" and out["series"] >= 10
    months = out["months"]
    assert all(m["verdict"] == "restriction-like" and m["month"] >= "2023-01" for m in months)
    assert [m["score"] for m in months] == sorted((m["score"] for m in months), reverse=True)
    # China's export controls on graphite took effect on 1 December 2023 (front-running in Oct-Nov)
    assert any(m["hs"] == "250410" and m["month"] == "2023-12" for m in months)
    table = runner.invoke(app, ["--db", str(db), "monitor", "scan", "--since", "2023-01"])
    assert table.exit_code == 0 and "restriction-like months since 2023-01" in table.stdout


def test_months_are_checked_and_the_message_says_what_is_accepted(db):
    """Issue 11 item 14: ``--month 2031-13`` and ``scan --since yesterday`` ("yesterd-01")."""
    from critmin.errors import ParameterError
    from critmin.monitor.job import parse_month

    assert parse_month("2020-08") == pd.Timestamp("2020-08-01")
    assert parse_month("2020-8") == pd.Timestamp("2020-08-01")
    assert parse_month("2020-08-01") == pd.Timestamp("2020-08-01")
    for bad in ("2031-13", "yesterday", "2020-00", "2020-08-15", "20200", "", "0999-01"):
        with pytest.raises(ParameterError, match="expected YYYY-MM"):
            parse_month(bad)
    res = runner.invoke(app, ["--db", str(db), "monitor", "--exporter", "CHN", "--hs", "280530",
                              "--month", "2031-13"])
    msg = " ".join(res.output.split())
    assert res.exit_code == 2 and ("month '2031-13' is not a month; expected YYYY-MM with a year from "
                                   "1800 to 2100 and a month from 01 to 12, e.g. 2020-08") in msg, msg
    res = runner.invoke(app, ["--db", str(db), "monitor", "scan", "--since", "yesterday"])
    msg = " ".join(res.output.split())
    assert res.exit_code == 2 and "since 'yesterday' is not a month; expected YYYY-MM" in msg, msg
    assert "yesterd-01" not in msg
