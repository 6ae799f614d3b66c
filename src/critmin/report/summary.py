"""The one-page summary of a commodity: short answers to the decision-maker's questions, each number
taken from the public API's results and tagged (``data-key``/``data-value`` in HTML) so tests can check
it against the API.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd
from markupsafe import Markup, escape

from critmin.report.charts import display_name, sim_fields
from critmin.report.context import ANALYSES, US, Context
from critmin.report.tables import countries_sum, fmt, rounded_total_note
from critmin.report.words import lines_words, peak_price_text

__all__ = ["Num", "Phrase", "Fact", "summarize", "overview_row", "pick_sources_detail", "RECENT_YEARS",
           "verdict_label", "month_verdict", "has_fall"]

#: Calendar years back (the latest included) in which the summary looks for the strongest
#: restriction-like month of a commodity's export series.
RECENT_YEARS = 5


@dataclass(frozen=True)
class Num:
    """A number in a sentence: its key, raw value and display text."""

    key: str
    value: float | None
    text: str


class Phrase:
    """A sentence made of text and :class:`Num` parts, rendered as HTML or Markdown."""

    def __init__(self, *parts: str | Num) -> None:
        self.parts = list(parts)

    def html(self) -> Markup:
        """HTML with each number in ``<strong class="kpi" data-key=.. data-value=..>``."""
        out = []
        for p in self.parts:
            if isinstance(p, Num):
                val = "" if p.value is None else repr(float(p.value))
                out.append(Markup('<strong class="kpi" data-key="{}" data-value="{}">{}</strong>')
                           .format(p.key, val, p.text))
            else:
                out.append(escape(p))
        return Markup("").join(out)

    def markdown(self) -> str:
        """Markdown with the numbers in bold."""
        return "".join(f"**{p.text}**" if isinstance(p, Num) else
                       str(p).replace("$", r"\$") for p in self.parts)

    def plain(self) -> str:
        """Plain text."""
        return "".join(p.text if isinstance(p, Num) else str(p) for p in self.parts)

    def nums(self) -> list[Num]:
        """The numbers of the sentence."""
        return [p for p in self.parts if isinstance(p, Num)]


@dataclass
class Fact:
    """One question of the summary and its answer."""

    id: str
    question: str
    phrases: list[Phrase] = field(default_factory=list)
    available: bool = True


def _nan(x: object) -> bool:
    return x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x))


def _supply_fact(ctx: Context) -> Fact:
    f = Fact("supply", "Who supplies it?")
    s = ctx.supply
    if s is None:
        f.available = False
        f.phrases.append(Phrase(f"No production by country: {ctx.errors.get('supply', '')}"))
        return f
    k = ctx.commodity
    t = s.table[s.table["quantity"].notna() & (s.table["quantity"] > 0)]
    top = t.iloc[0]
    f.phrases.append(Phrase(
        f"In {s.year}, {display_name(top['country'])} produced ",
        Num(f"{k}.top_share", top["share"], fmt(top["share"], "pct")),
        f" of world {s.stage} production (",
        Num(f"{k}.world_total", s.world_total, f"{fmt(s.world_total, 'int')} {s.unit}"),
        f", {s.product}; USGS {s.edition})."))
    over = rounded_total_note(s)
    if len(t) >= 3:
        parts: list[str | Num] = ["The three largest producers, "]
        for i in range(3):
            r = t.iloc[i]
            parts += [f"{display_name(r['country'])} ",
                      Num(f"{k}.share.{r['country']}", r["share"], fmt(r["share"], "pct"))]
            parts.append(", " if i == 0 else (" and " if i == 1 else
                                              (", together " if over else ", supplied ")))
        parts += [Num(f"{k}.top3_share", t.iloc[2]["cumulative_share"],
                      fmt(t.iloc[2]["cumulative_share"], "pct")),
                  " of the published world total." if over else "."]
        f.phrases.append(Phrase(*parts))
    if over:
        listed = countries_sum(s)
        f.phrases.append(Phrase(
            f"USGS rounds the published world total ({fmt(s.world_total, 'int')} {s.unit}); the countries "
            "it lists add up to ", Num(f"{k}.countries_sum", listed, f"{fmt(listed, 'int')} {s.unit}"),
            ", ", Num(f"{k}.countries_sum_share", listed / s.world_total, fmt(listed / s.world_total, "pct")),
            " of it, so the shares sum to more than 100 %: shown as published, nothing capped."))
    return f


def _concentration_fact(ctx: Context) -> Fact:
    f = Fact("concentration", "How concentrated?")
    s = ctx.supply
    if s is None:
        f.available = False
        f.phrases.append(Phrase("Not computed: no production by country."))
        return f
    k = ctx.commodity
    parts: list[str | Num] = [
        "Herfindahl–Hirschman index ",
        Num(f"{k}.hhi_points", s.hhi_points, f"{fmt(s.hhi_points, 'int')} points"),
        f" ({s.hhi_band} concentration)"]
    if not _nan(s.hhi_wgi):
        parts += ["; governance-weighted ",
                  Num(f"{k}.hhi_wgi", s.hhi_wgi, fmt(s.hhi_wgi, "num2")),
                  f" on a 0–10 scale (WGI {s.wgi_year})"]
    parts.append(".")
    f.phrases.append(Phrase(*parts))
    tr = ctx.trend
    if tr is not None:
        h = tr.years[tr.years["hhi_points"].notna()]
        if len(h) > 1 and int(h["year"].iloc[0]) != s.year:
            first = h.iloc[0]
            f.phrases.append(Phrase(
                f"In {int(first['year'])} it was ",
                Num(f"{k}.hhi_points.{int(first['year'])}", first["hhi_points"],
                    f"{fmt(first['hhi_points'], 'int')} points"),
                f", with {display_name(first['top_country'])} at ",
                Num(f"{k}.top_share.{int(first['year'])}", first["top_share"],
                    fmt(first["top_share"], "pct")), "."))
    return f


def pick_sources_detail(src: pd.DataFrame) -> str:
    """The published detail to quote in a summary: a total when the source gives one."""
    details = list(dict.fromkeys(src["detail"].fillna("")))
    for d in details:
        if d.casefold() in ("all", "total", "combined total") or "total" in d.casefold():
            return d
    return details[0] if details else ""


def _nir_phrase(ctx: Context) -> Phrase | None:
    nir = ctx.us_reliance
    if nir is None or nir.empty:
        return None
    k = ctx.commodity
    rep = nir[nir["nir_reported"].notna() | nir["reported_missing"].notna()]
    if rep.empty:
        return None
    year = int(rep["year"].max())
    r = rep[rep["year"] == year].iloc[0]
    if _nan(r["nir_reported"]):
        what: str | Num = str(r["reported_missing"]).replace("_", " ")
    else:
        q = "" if _nan(r["reported_qualifier"]) else str(r["reported_qualifier"])
        what = Num(f"{k}.us_nir_reported", r["nir_reported"], q + fmt(r["nir_reported"], "pct0"))
    parts: list[str | Num] = [f"U.S. net import reliance in {year}: ", what,
                              f" of consumption as reported ({r['edition']})"]
    if not _nan(r["nir_computed"]):
        parts += ["; ", Num(f"{k}.us_nir_computed", r["nir_computed"],
                            fmt(r["nir_computed"], "pct")),
                  " recomputed from the salient statistics"]
    parts.append(".")
    return Phrase(*parts)


def _sources_phrase(ctx: Context) -> Phrase | None:
    src = ctx.us_sources
    if src is None or src.empty:
        return None
    k = ctx.commodity
    d = pick_sources_detail(src)
    g = src[(src["detail"].fillna("") == d) & (src["partner"] != "OTH") & src["share"].notna()]
    g = g.sort_values("share", ascending=False).head(3)
    if g.empty:
        return None
    parts: list[str | Num] = [f"Main U.S. import sources ({g['period'].iloc[0]}"
                              + (f", {d.lower()}" if d and d.casefold() != "all" else "") + "): "]
    for i, r in enumerate(g.itertuples(index=False)):
        if i:
            parts.append(", " if i < len(g) - 1 else " and ")
        parts += [f"{display_name(r.partner)} ",
                  Num(f"{k}.us_source.{r.partner}", r.share, fmt(r.share, "pct0"))]
    parts.append(".")
    return Phrase(*parts)


def _dependence_phrase(ctx: Context) -> Phrase | None:
    if not ANALYSES["dependence"].available():
        return None
    dep = ctx.analysis("dependence")
    if dep is None:
        return None
    k = ctx.commodity
    top = dep.top_supplier
    name = display_name(top) if isinstance(top, str) and len(top) == 3 else str(top)
    what = "net weight" if dep.by == "quantity_kg" else "value"
    return Phrase(
        f"Trade data ({dep.edition}): in {dep.year}, {name} supplied ",
        Num(f"{k}.dependence.top_share", dep.top_share, fmt(dep.top_share, "pct")),
        f" of the {lines_words(dep.hs_codes)} (HS {', '.join(dep.hs_codes)}) imported by "
        f"{display_name(dep.importer, article=True)} from supplying countries (by {what}; "
        f"{dep.n_suppliers} suppliers; HHI ",
        Num(f"{k}.dependence.hhi_points", dep.hhi_points, f"{fmt(dep.hhi_points, 'int')} points"),
        f", {dep.hhi_band}).")


def _region_nir_phrase(ctx: Context) -> Phrase | None:
    """The region's net import reliance from its own trade data (not the United States)."""
    ic = ctx.region_consumption
    if ic is None or _nan(ic.nir):
        return None
    k = ctx.commodity
    return Phrase(
        f"Net import reliance of {display_name(ctx.region, article=True)} in {ic.year} from trade "
        "data: ", Num(f"{k}.region_nir", ic.nir, fmt(ic.nir, "pct0")),
        f" (imports {fmt(ic.imports_t, 'int')} t less exports {fmt(ic.exports_t, 'int')} t of HS "
        f"{'+'.join(ic.hs_codes)} as {ic.exports_reporters} other reporters record them; production "
        f"{fmt(ic.production_t, 'int')} t).")


def _exposure_fact(ctx: Context) -> Fact:
    f = Fact("exposure", f"How exposed is {display_name(ctx.region, article=True)}?")
    dep = ANALYSES["dependence"]
    trade = _dependence_phrase(ctx)
    if ctx.region != US:
        if trade is not None:
            f.phrases.append(trade)
            nir = _region_nir_phrase(ctx)
            if nir is not None:
                f.phrases.append(nir)
            f.phrases.append(Phrase("USGS publishes net import reliance and import sources for the "
                                    "United States only: the figures for "
                                    f"{display_name(ctx.region, article=True)} are from its own "
                                    "reported imports."))
            return f
        f.available = False
        why = ("trade-based importer dependence is not yet available in this version "
               f"(needs {dep.requires})" if not dep.available() else
               "no trade data usable for it: "
               + ctx.errors.get("analysis:dependence", "none in the warehouse").split(": ", 2)[-1])
        f.phrases.append(Phrase(
            f"No import data for {ctx.region_name} in this version: the bundled USGS data give "
            f"import reliance and import sources for the United States only; {why}. No U.S. figure "
            f"is shown in place of {ctx.region_name}'s."))
        return f
    for p in (_nir_phrase(ctx), _sources_phrase(ctx), trade if ctx.region == US else None):
        if p is not None:
            f.phrases.append(p)
    if not f.phrases:
        f.available = False
        f.phrases.append(Phrase("No U.S. import reliance or import sources published."))
    return f


def verdict_label(res) -> str:
    """The verdict of a :class:`critmin.monitor.MonitorResult`'s assessed month in words: the monitor's own
    verdict (:data:`critmin.monitor.verdict.VERDICTS`), except that a month without a substantial fall
    (``fall`` below the verdict rule's ``min_fall``) reads "no fall to explain", on a partly controlled
    line with what that line cannot tell."""
    row = res.months[res.months["month"] == res.month]
    fall = float(row["fall"].iloc[0]) if len(row) and "fall" in row else math.nan
    return month_verdict(str(res.verdict), fall)


def month_verdict(verdict: str, fall: float) -> str:
    """One month's verdict in words (see :func:`verdict_label`).

    Parameters
    ----------
    verdict : str
        The monitor's verdict of the month.
    fall : float
        The month's ``fall`` (level-break size x persistence) [1]; NaN when unknown.
    """
    from critmin.monitor.verdict import CANNOT_TELL, NO_FALL, VerdictRule

    no_fall = verdict == NO_FALL or (fall == fall and fall < VerdictRule().min_fall
                                     and verdict in ("demand-like", CANNOT_TELL))
    if no_fall and verdict == CANNOT_TELL:
        return ("no fall to explain in the line as a whole (it mixes controlled and uncontrolled "
                "products, so a fall of the controlled product alone cannot be told)")
    if no_fall:
        return "no fall to explain"
    return verdict


def has_fall(res) -> bool:
    """True when the assessed month of a monitor result has a fall to explain (its verdict names one)."""
    return not verdict_label(res).startswith("no fall") and res.score == res.score


def _pct_signed(x: object) -> str:
    return "—" if _nan(x) else f"{float(x):+.0%}"  # type: ignore[arg-type]


def _monitor_fact(ctx: Context) -> Fact | None:
    """Latest export signals: per monitored series the latest month's y/y change, verdict and score,
    then the strongest restriction-like month of the last :data:`RECENT_YEARS` years."""
    if not ANALYSES["monitor"].available():
        return None
    f = Fact("monitor", "Is a drop in exports a restriction?")
    results = ctx.analysis("monitor")
    if not results:
        err = ctx.errors.get("analysis:monitor")
        f.available = False
        f.phrases.append(Phrase(f"Not monitored: {err.split(': ', 2)[-1]}." if err else
                                "Not monitored: no monthly exports of its HS lines in the warehouse."))
        return f
    k = ctx.commodity
    several = len({r.exporter for r in results}) > 1
    months = sorted({r.month for r in results})
    one_month = len(months) == 1
    parts: list[str | Num] = ["Latest export signals"
                              + ("" if several else f" ({display_name(results[0].exporter)})")
                              + (f", {months[0]}, change on a year before" if one_month else "") + ": "]
    # lines without a fall to explain share one verdict; a line with a fall gets its verdict and score
    groups: list[tuple[str, list]] = []
    for r in results:
        v = verdict_label(r)
        if not has_fall(r) and groups and groups[-1][0] == v and not has_fall(groups[-1][1][0]):
            groups[-1][1].append(r)
        else:
            groups.append((v, [r]))
    for gi, (v, rs) in enumerate(groups):
        if gi:
            parts.append("; ")
        for i, r in enumerate(rs):
            hs = "+".join(r.hs)
            if i:
                parts.append(", ")
            who = f"{display_name(r.exporter)} " if several else ""
            parts += [f"{who}{lines_words(r.hs)} (HS {hs})" + ("" if one_month else f" in {r.month}") + " ",
                      Num(f"{k}.monitor.{hs}.yoy_change", r.yoy_change, _pct_signed(r.yoy_change))]
            if not one_month:
                parts.append(" on a year before")
        if len(rs) > 1:
            v = (v.replace("in the line as a whole (it mixes", "in any of these lines as a whole (each mixes")
                 if "as a whole" in v else f"{v} in each")
        parts += [": ", v]
        if has_fall(rs[0]):
            r = rs[0]
            parts += [" (restriction score ", Num(f"{k}.monitor.{'+'.join(r.hs)}.score", r.score,
                                                  fmt(r.score, "num2")), " of 1)"]
    parts.append(".")
    f.phrases.append(Phrase(*parts))
    since = f"{int(max(r.month for r in results)[:4]) - RECENT_YEARS + 1}-01"
    best = None
    for r in results:
        m = r.months[(r.months["verdict"] == "restriction-like") & (r.months["month"] >= since)]
        if len(m):
            top = m.loc[m["score"].idxmax()]
            if best is None or top["score"] > best[1]["score"]:
                best = (r, top)
    if best is None:
        top = None
        for r in results:
            m = r.months[(r.months["month"] >= since) & r.months["score"].notna()]
            if len(m) and (top is None or m["score"].max() > top[1]["score"]):
                top = (r, m.loc[m["score"].idxmax()])
        parts = [f"No restriction-like month since {since} in these lines"]
        if top is not None and top[1]["score"] > 0:
            r, t = top
            parts += [f"; the highest restriction score was {t['month']} in {lines_words(r.hs)} "
                      f"(HS {'+'.join(r.hs)}): ",
                      Num(f"{k}.monitor.strongest.score", t["score"], fmt(t["score"], "num2")),
                      f" of 1, {month_verdict(str(t['verdict']), float(t.get('fall', math.nan)))}; ",
                      Num(f"{k}.monitor.strongest.yoy_change", t["yoy_change"], _pct_signed(t["yoy_change"])),
                      " on a year before"]
        f.phrases.append(Phrase(*parts, "."))
    else:
        r, top = best
        hs = "+".join(r.hs)
        f.phrases.append(Phrase(
            f"Strongest restriction-like month since {since}: {top['month']} in {lines_words(r.hs)} "
            f"(HS {hs}; restriction score ",
            Num(f"{k}.monitor.strongest.score", top["score"], fmt(top["score"], "num2")), "; ",
            Num(f"{k}.monitor.strongest.yoy_change", top["yoy_change"], _pct_signed(top["yoy_change"])),
            " on a year before)."))
    return f


def _disruption_fact(ctx: Context) -> Fact | None:
    a = ANALYSES["scenarios"]
    if not a.available():
        return None
    f = Fact("disruption", "What would a disruption cost?")
    sims = ctx.analysis("scenarios")
    if not sims:
        f.available = False
        err = ctx.errors.get("analysis:scenarios")
        f.phrases.append(Phrase(f"Not simulated: {err}" if err else
                                f"No disruption scenario for {ctx.info.name} in the scenario folders "
                                "(examples/scenarios, $CRITMIN_SCENARIOS)."))
        return f
    k = ctx.commodity
    for i, sim in enumerate(sims):
        d = sim_fields(sim, "scenario", "price_peak_multiple", "cost_usd_total", "choke_multiple", "runs")
        pk, cost = d["price_peak_multiple"], d["cost_usd_total"]
        cap = d["choke_multiple"]
        head, _, rest = peak_price_text(pk, cap).partition(f"{pk['p50']:.1f}×")
        f.phrases.append(Phrase(
            f"{d['scenario']}: {head}",
            Num(f"{k}.scenario.{i}.peak_p50", pk["p50"], f"{pk['p50']:.1f}×"),
            f"{rest}; total cost ", Num(f"{k}.scenario.{i}.cost_p50", cost["p50"], fmt(cost["p50"], "usd")),
            f" (median of {d['runs']:,} runs)."))
    return f


def _criticality_fact(ctx: Context) -> Fact | None:
    if not ANALYSES["criticality"].available():
        return None
    from critmin.criticality.eu import EI_THRESHOLD, SR_THRESHOLD

    f = Fact("criticality", "How critical is it?")
    res = ctx.analysis("criticality") or {}
    k = ctx.commodity
    eu = res.get("eu")
    if eu is not None and eu.materials:
        m = eu.materials[0]
        call = {True: "critical", False: "not critical", None: "not decided (inputs missing)"}
        parts: list[str | Num] = [f"EU method (importer {display_name(eu.importer)}): supply risk ",
                                  Num(f"{k}.criticality.eu.sr", m.supply_risk,
                                      fmt(m.supply_risk, "num1"))]
        if not _nan(m.economic_importance):
            parts += [", economic importance ", Num(f"{k}.criticality.eu.ei", m.economic_importance,
                                                    fmt(m.economic_importance, "num1"))]
        parts.append(f": {call.get(m.critical, m.critical)} (thresholds SR ≥ {SR_THRESHOLD:g}, "
                     f"EI ≥ {EI_THRESHOLD:g}).")
        f.phrases.append(Phrase(*parts))
    geo = res.get("geopolrisk")
    if geo is not None and geo.materials and not _nan(geo.materials[0].supply_risk):
        f.phrases.append(Phrase(
            f"GeoPolRisk of {display_name(geo.importer, article=True)}: ",
            Num(f"{k}.criticality.geopolrisk", geo.materials[0].supply_risk,
                fmt(geo.materials[0].supply_risk, "num2")), "."))
    us = res.get("usgs")
    if us is not None and us.materials:
        fac = us.materials[0].factors
        if not _nan(fac.get("dp_x_te")):
            f.phrases.append(Phrase(
                "USGS-style: disruption potential × trade exposure ",
                Num(f"{k}.criticality.usgs.dp_x_te", fac["dp_x_te"], fmt(fac["dp_x_te"], "num2")),
                " (economic vulnerability not in the data: an upper bound on the supply risk)."))
    if not f.phrases:
        f.available = False
        f.phrases.append(Phrase("Not assessed: " + ("; ".join(
            v for kk, v in ctx.errors.items() if "criticality" in kk) or "no result") + "."))
    return f


def _later_fact(ctx: Context) -> Fact | None:
    missing = [a for a in ANALYSES.values()
               if a.id not in ("dependence",) and not a.available()]
    if not missing:
        return None
    names = ", ".join(a.title.lower() for a in missing)
    return Fact("later", "Not yet in this version", [Phrase(f"{names.capitalize()}.")],
                available=False)


def summarize(ctx: Context, only: tuple[str, ...] | None = None) -> list[Fact]:
    """The summary facts of one commodity, in reading order.

    Parameters
    ----------
    ctx : Context
        The commodity.
    only : tuple of str, optional
        Fact ids to build (``supply``, ``concentration``, ``exposure``, ``monitor``, ``disruption``,
        ``criticality``, ``later``);
        default all (a fact is only computed when asked for: the disruption fact runs simulations).
    """
    builders = {"supply": _supply_fact, "concentration": _concentration_fact,
                "exposure": _exposure_fact, "monitor": _monitor_fact, "disruption": _disruption_fact,
                "criticality": _criticality_fact, "later": _later_fact}
    facts = []
    for fid, build in builders.items():
        if only is None or fid in only:
            f = build(ctx)
            if f is not None:
                facts.append(f)
    return facts


def overview_row(ctx: Context) -> dict[str, object]:
    """One row of the at-a-glance table (raw values; see :func:`critmin.report.tables.Table`)."""
    row: dict[str, object] = {"commodity": ctx.commodity, "name": ctx.info.name}
    s = ctx.supply
    if s is not None:
        t = s.table[s.table["quantity"].notna() & (s.table["quantity"] > 0)]
        row.update(year=s.year, stage=s.stage, edition=s.edition,
                   top_country=t["country"].iloc[0] if len(t) else None,
                   top_share=t["share"].iloc[0] if len(t) else math.nan,
                   hhi_points=s.hhi_points, hhi_band=s.hhi_band, hhi_wgi=s.hhi_wgi)
    if ctx.region != US:
        # the region's own figures from trade data; no U.S. figure in their place
        ic = ctx.region_consumption
        if ic is not None and not _nan(ic.nir):
            row.update(region_nir=ic.nir, region_nir_year=ic.year, region_nir_text=fmt(ic.nir, "pct0"))
        dep = ctx.analysis("dependence") if ANALYSES["dependence"].available() else None
        if dep is not None:
            row.update(region_top_source=dep.top_supplier, region_top_source_share=dep.top_share,
                       region_sources_year=dep.year)
        return row
    nir = ctx.us_reliance
    if nir is not None and len(nir):
        rep = nir[nir["nir_reported"].notna()]
        if len(rep):
            r = rep[rep["year"] == rep["year"].max()].iloc[0]
            q = "" if _nan(r["reported_qualifier"]) else str(r["reported_qualifier"])
            row.update(us_nir_year=int(r["year"]), us_nir_reported=r["nir_reported"],
                       us_nir_qualifier=q, us_nir_text=q + fmt(r["nir_reported"], "pct0"))
    src = ctx.us_sources
    if src is not None and len(src):
        d = pick_sources_detail(src)
        g = src[(src["detail"].fillna("") == d) & (src["partner"] != "OTH")]
        g = g.sort_values("share", ascending=False)
        if len(g):
            row.update(us_top_source=g["partner"].iloc[0], us_top_source_share=g["share"].iloc[0],
                       us_sources_period=g["period"].iloc[0])
    return row
