"""The report reads as a briefing (issue 12, report items 2-7): shares over 100 % explained, one verdict
and one number per monitored line, the materials the criticality matrix cannot place listed, an appendix
of formatted values with each assumption once, values at the price cap marked, words instead of symbols
and ids where decisions are read, and the smaller plotly.js bundle when it draws every chart."""

from __future__ import annotations

import html as htmllib
import math
import re

import pandas as pd
import plotly.graph_objects as go
import pytest
from plotly.offline import get_plotlyjs, get_plotlyjs_version

from critmin.monitor.verdict import CANNOT_TELL, NO_FALL, VerdictRule
from critmin.report import build_report, render_html, tables, words
from critmin.report.context import ANALYSES
from critmin.report.provenance import group_assumptions
from critmin.report.render import BASIC_BUNDLE, BASIC_TRACES, LONG_TABLE, offline_js, plotlyjs_for
from critmin.report.summary import month_verdict
from critmin.supply import supply
from critmin.warehouse import open_warehouse

COMMODITIES = ["rare-earths", "gallium", "germanium", "graphite", "lithium"]


def _text(fragment: str) -> str:
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def _nums(page: str) -> dict[str, float | None]:
    return {htmllib.unescape(k): (float(v) if v else None)
            for k, v in re.findall(r'data-key="([^"]+)" data-value="([^"]*)"', page)}


def _card(page: str, commodity: str, fact: str) -> str:
    art = re.search(rf'<article class="commodity" id="c-{re.escape(commodity)}">(.*?)</article>', page, re.S)
    assert art, commodity
    m = re.search(rf'data-fact="{fact}"[^>]*>(.*?)</div>', art.group(1), re.S)
    assert m, (commodity, fact)
    return _text(m.group(1))


def _readable(page: str) -> str:
    """The page's text as a reader sees it: no scripts, no CSV downloads, no methods-in-symbols list."""
    page = re.sub(r"<script.*?</script>", "", page, flags=re.S)
    page = re.sub(r'href="data:[^"]*"', "", page)
    page = re.sub(r'<dl class="symbols">.*?</dl>', "", page, flags=re.S)
    return _text(page)


# --------------------------------------------------------------------------- units (no warehouse)
@pytest.mark.parametrize(("value", "text"), [
    (246000.00000000003, "246,000"), (1e-12, "1 × 10⁻¹²"), (2559.8465753424657, "2,560"),
    (4.752173706332686, "4.75"), (12.0, "12"), (0.0, "0"), (0.028333, "0.0283"), (0.35, "0.35"),
    (13037.958035440006, "13,038"), (True, "yes"), (float("nan"), "—"), ("current", "current")])
def test_number_text_sensible_digits(value, text):
    assert words.number_text(value) == text


def test_value_and_source_text():
    assert words.value_text(246000.00000000003, "USD/t/yr") == "246,000 USD/t/yr"
    assert words.value_text(1e-12, "1 (of demand)") == "1 × 10⁻¹² (of demand)"
    assert words.value_text(0.0, "1") == "0"
    assert words.value_text("12.0", "months") == "12 months"
    assert words.value_text("/work/x/src/critmin/scenarios/ree-supply-risk.toml") == "ree-supply-risk.toml"
    assert words.source_text("assumption", "assumption: few, inflexible producers") == \
        "assumption: few, inflexible producers"
    assert words.source_text("default", "default; least share") == "default: least share"
    assert words.source_text("assumption", "assumption") == "assumption"
    assert words.source_text("estimate (used)", "/home/x/site-packages/critmin/scenarios/ge.toml: [a]") == \
        "estimate (used): ge.toml: [a]"


def test_peak_price_marks_the_cap():
    assert words.at_cap(20.0, 20) and words.at_cap(19.99999999999, 20.0) and not words.at_cap(19.9, 20)
    t = words.peak_price_text({"p05": 2.5, "p50": 4.1, "p95": 20.0}, 20.0)
    assert t == ("peak price 4.1× the baseline in the median run (5–95 % of runs: 2.5–20.0×, the upper end "
                 "at the 20× price cap)")
    t = words.peak_price_text({"p05": 7.5, "p50": 20.0, "p95": 20.0}, 20.0)
    assert t.startswith("peak price 20.0× the baseline in the median run, at the 20× price cap (")
    t = words.peak_price_text({"p05": 10.0, "p50": 10.0, "p95": 10.0}, 10.0)
    assert "all at the 10× price cap" in t
    assert "cap" not in words.peak_price_text({"p05": 1.0, "p50": 1.5, "p95": 2.9}, 20.0)
    assert tables.fmt(20.0, "mult:20") == "20.00× (at the cap)" and tables.fmt(7.5, "mult:20") == "7.50×"


def test_month_verdict_one_reading():
    low, high = VerdictRule().min_fall / 2, VerdictRule().min_fall * 2
    assert month_verdict(NO_FALL, low) == "no fall to explain"
    assert month_verdict("demand-like", low) == "no fall to explain"
    assert month_verdict("demand-like", high) == "demand-like"
    assert month_verdict("ambiguous", high) == "ambiguous"
    assert month_verdict("restriction-like", high) == "restriction-like"
    assert month_verdict(CANNOT_TELL, high) == CANNOT_TELL
    partly = month_verdict(CANNOT_TELL, low)
    assert partly.startswith("no fall to explain") and "controlled" in partly


def test_group_assumptions_lists_each_once():
    df = pd.DataFrame([
        {"assumption": "market.supply_elasticity", "value": "0.1", "applies_to": "scenarios: A", "note": "n"},
        {"assumption": "market.supply_elasticity", "value": "0.1", "applies_to": "scenarios: B", "note": "n"},
        {"assumption": "market.supply_elasticity", "value": "0.1", "applies_to": "stockpile: A", "note": "n"},
        {"assumption": "market.supply_elasticity", "value": "0.2", "applies_to": "scenarios: C", "note": "n"},
        {"assumption": "Edition per year", "value": "latest", "applies_to": "shares, HHI", "note": ""},
    ])
    g = group_assumptions(df)
    assert len(g) == 3 and g["count"].tolist() == [3, 1, 1]
    assert g["applies_to"].iloc[0] == "scenarios: A, B; stockpile: A"
    assert g["applies_to"].iloc[2] == "shares, HHI"


def test_plotly_basic_bundle_only_when_it_draws_every_trace():
    assert BASIC_BUNDLE.exists()
    head = BASIC_BUNDLE.read_text("utf-8")[:200]
    assert f"plotly.js (basic - minified) v{get_plotlyjs_version()}" in head
    js = BASIC_BUNDLE.read_text("utf-8")
    assert set(re.findall(r'moduleType:"trace",name:"([a-z0-9]+)"', js)) == set(BASIC_TRACES)
    figs = [go.Figure([go.Scatter(x=[1], y=[1]), go.Bar(x=[1], y=[2])]), go.Figure(go.Pie(values=[1, 2]))]
    kind, body = plotlyjs_for(figs)
    same = body == js
    assert kind == "basic" and same and len(body) < len(get_plotlyjs()) / 3
    kind, body = plotlyjs_for([*figs, go.Figure(go.Heatmap(z=[[1, 2]]))])
    same = body == offline_js(get_plotlyjs())  # a bool: pytest would diff 4.8 MB of text otherwise
    assert kind == "full" and same


def test_plain_words_for_monitor_messages():
    assert words.plain_words("CHN HS 282560 is a mixed line: its signals are diluted") == \
        "China compounds (HS 282560) is a mixed line: its signals are diluted"
    out = words.plain_words("uniform across 2 partners (BLOC:Adversary -28%, BLOC:Intermediary -24%)")
    assert "BLOC:" not in out and "“adversary” bloc -28%" in out
    assert words.plain_words("licence_recovery not computed: the months after") == \
        "recovery after licensing delays not computed: the months after"
    assert words.signal_words("front_running, control_group") == (
        "exports rushed out before the measure (front-running); against related lines (control group)")


# --------------------------------------------------------------------------- the built report
@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    w = open_warehouse(tmp_path_factory.mktemp("reading") / "w.duckdb")
    yield w
    w.close()


@pytest.fixture(scope="module")
def built(wh):
    rep = build_report(COMMODITIES, warehouse=wh)
    return rep, render_html(rep)


def test_shares_over_100_percent_explained(built, wh):
    rep, page = built
    res = supply("gallium", warehouse=wh)
    listed = float(res.table["quantity"].fillna(0).sum()) + float(res.other_countries or 0)
    assert listed == pytest.approx(909.0) and res.world_total == pytest.approx(900.0)  # 900 + 6 + 3 (MCS2026)
    card = _card(page, "gallium", "supply")
    assert ("The three largest producers, China 100.0% , Russia 0.7% and Japan 0.3% , together 101.0% of "
            "the published world total.") in card
    assert "USGS rounds the published world total (900 t); the countries it lists add up to 909 t , 101.0% " \
           "of it, so the shares sum to more than 100 %" in card
    nums = _nums(page)
    assert nums["gallium.countries_sum"] == pytest.approx(listed)
    assert nums["gallium.countries_sum_share"] == pytest.approx(listed / res.world_total)
    assert nums["gallium.share.CHN"] == pytest.approx(1.0)  # nothing capped or rescaled
    g = next(c for c in rep.commodities if c.id == "gallium")
    prod = next(t for s in g.sections for t in s.tables if t.name.startswith("gallium_producers"))
    assert "add up to 909 t (101.0% of it)" in prod.note and "Nothing is capped or rescaled" in prod.note
    shares = next(t for s in g.sections for t in s.tables if t.name == "gallium_shares")
    assert "2025 (101.0%)" in shares.note
    # a commodity whose countries do not exceed the total says nothing of it
    assert "USGS rounds" not in _card(page, "rare-earths", "supply")


@pytest.mark.skipif(not ANALYSES["monitor"].available(), reason="restriction monitor not landed")
def test_monitor_line_one_verdict_one_number(built):
    from critmin.report.summary import has_fall

    rep, page = built
    nums = _nums(page)
    for c in rep.commodities:
        results = c.context.analysis("monitor") or []
        if not results:
            continue
        card = _card(page, c.id, "monitor")
        assert "P(restriction" not in card and "(no substantial fall)" not in card
        for r in results:
            hs = "+".join(r.hs)
            assert f"(HS {hs})" in card  # every line named by what it holds
            assert (f"{c.id}.monitor.{hs}.score" in nums) == has_fall(r), (c.id, hs)
        assert card.count("restriction score") == sum(has_fall(r) for r in results) + card.count(
            "Strongest") + card.count("highest restriction score")
    re_card = _card(page, "rare-earths", "monitor")
    assert "magnets (HS 850511) +13% : no fall to explain." in re_card
    assert re.search(r"metal and compounds \(HS 280530\+284690\) \+2% : ambiguous \(restriction score "
                     r"0\.13 of 1\)", re_card)
    notes = [b.text for c in rep.commodities for s in c.sections if s.id == "monitor"
             for b in s.blocks if b.kind == "note"]
    assert notes and not any("P(restriction" in n for n in notes)
    assert any(n.endswith(": no fall to explain.") for n in notes)


@pytest.mark.skipif(not ANALYSES["criticality"].available(), reason="criticality not landed")
def test_criticality_matrix_lists_what_it_cannot_place(built):
    rep, page = built
    view = next(v for v in rep.overview_sections if v.id == "criticality_matrix")
    unplaced = []
    for c in rep.commodities:
        eu = (c.context.analysis("criticality") or {}).get("eu")
        if eu is not None and eu.materials and math.isnan(eu.materials[0].economic_importance):
            unplaced.append(c.name)
    assert unplaced == ["Germanium", "Graphite (natural)", "Lithium"]
    notes = [b.text for b in view.blocks if b.kind == "note"]
    assert notes[0] == ("Not placed: no economic importance in the data — Germanium, Graphite (natural), "
                        "Lithium.")
    placed = {t for tr in view.figures[0].data for t in (list(tr.text) if tr.text is not None else [])}
    assert placed.isdisjoint(unplaced) and "Gallium" in placed
    sec = page[page.index('id="overview-criticality_matrix"'):page.index('id="overview-monitor_scan"')]
    body = _text(re.sub(r'href="data:[^"]*"', "", re.sub(r"<script.*?</script>", "", sec, flags=re.S)))
    assert "Not placed: no economic importance in the data — Germanium, Graphite (natural), Lithium." in body
    for raw in ("rare-earths", "supply_risk", "True", "False", "USA "):
        assert raw not in body, raw
    assert "Rare earths United States 1.90 6.1 critical yes" in body
    crit = next(s for c in rep.commodities if c.id == "gallium" for s in c.sections if s.id == "criticality")
    rows = crit.tables[0].display()
    assert rows["method"].iloc[0] == "EU (JRC) method" and rows["stage"].iloc[0] == "processing (refining)"
    assert rows["importer"].iloc[0] == "United States" and rows["material"].iloc[0] == "Gallium"


@pytest.mark.skipif(not ANALYSES["scenarios"].available(), reason="market simulator not landed")
def test_values_at_the_price_cap_marked(built):
    rep, page = built
    checked, capped = 0, []
    for c in rep.commodities:
        for sim in c.context.analysis("scenarios") or []:
            d = sim.to_dict()
            cap, pk = d["choke_multiple"], d["price_peak_multiple"]
            card = _card(page, c.id, "disruption")
            part = card[card.index(d["scenario"]):]
            part = part[:part.index("runs).") + 6]
            at = {q: words.at_cap(pk[q], cap) for q in ("p05", "p50", "p95")}
            assert (f"at the {cap:g}× price cap" in part) == any(at.values()), part
            if at["p50"]:
                assert f"{pk['p50']:.1f}× the baseline in the median run, at the {cap:g}× price cap" in part
            elif at["p95"] and not at["p05"]:
                assert f"the upper end at the {cap:g}× price cap" in part
            capped += [d["scenario"]] if any(at.values()) else []
            checked += 1
    assert checked >= 3 and capped  # the shipped scenarios reach the cap in some runs
    band = next(t for c in rep.commodities for s in c.sections for t in s.tables
                if t.name.endswith("_price_band")
                and (t.data["p95"] >= t.data["price_cap_multiple"] * (1 - 1e-9)).any())
    assert any("(at the cap)" in row[3] for row in band.rows())


def test_appendix_formatted_grouped_and_folded(built):
    rep, page = built
    a = rep.assumptions.data
    assert not a.duplicated(["assumption", "value", "note"]).any()
    assert a["count"].sum() > len(a)  # repeated assumptions were grouped
    assert sum(len(t.data) for t in rep.assumption_groups) == len(a)
    app = page[page.index('id="appendix"'):]
    text = _readable(app)
    assert not re.search(r"\d\.\d{7,}", text), re.search(r".{60}\d\.\d{7,}.{20}", text)
    assert not re.search(r"\b\d(?:\.\d+)?e[-+]\d+\b", text), re.search(r".{60}\de[-+]\d.{20}", text)
    assert "assumption; assumption" not in text and "default; default" not in text
    assert not re.search(r"/(?:work|home|usr|tmp)/\S+\.toml", text)
    # every table with more than LONG_TABLE rows is folded
    for block in re.findall(r'<div class="table-block">(.*?)</table>', page, re.S):
        rows = block.count("<tr>") - 1
        if rows > LONG_TABLE:
            assert "<details>" in block, block[:200]
    assert "Methods in symbols" in app and "newsvendor critical ratio" in app


def test_words_not_symbols_where_decisions_are_read(built):
    rep, page = built
    body = _readable(page[:page.index('id="appendix"')])
    for jargon in ("newsvendor", "Newsvendor", "h·S", "π·p", "E[L]", "BLOC:", "front_running",
                   "control_group", "destination_selectivity", "licence_recovery", "P(restriction"):
        assert jargon not in body, (jargon, body[max(0, body.find(jargon) - 120):body.find(jargon) + 60])
    cards = " ".join(_text(m) for m in re.findall(r'<div class="fact[^"]*" data-fact="[^"]+">(.*?)</div>',
                                                   page, re.S))
    assert not re.search(r"(?<!\()HS \d", cards), re.search(r".{60}(?<!\()HS \d.{20}", cards)
    assert not re.search(r'<td>[EP](?:</td>|<td|<tr|</tbody>)', page)  # EU stage codes (text cells: <td>)


def test_report_embeds_the_basic_bundle(built):
    rep, page = built
    types = {t.type or "scatter" for c in rep.commodities for s in c.sections for f in s.figures
             for t in f.data} | {t.type or "scatter" for s in rep.overview_sections for f in s.figures
                                 for t in f.data}
    assert types <= BASIC_TRACES
    assert '<meta name="plotly-bundle" content="basic">' in page
    start = page.index('id="plotlyjs">') + len('id="plotlyjs">')
    assert page[start:page.index("</script>", start)] == BASIC_BUNDLE.read_text("utf-8")
