"""Provenance for the faces: every source with its editions and licence (from the bundled
``SOURCES.md`` and ``manifest.json``, plus what the warehouse holds) and every assumption the shown
results rest on, with its value.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

import pandas as pd
from markupsafe import Markup, escape

from critmin import governance
from critmin.report.charts import hhi_band_text
from critmin.report.context import Context
from critmin.report.tables import source_text, value_text
from critmin.warehouse import bundle_dir

__all__ = ["sources_table", "assumptions_table", "group_assumptions", "METHOD_SYMBOLS", "md_inline",
           "plain_urls", "bundle_id"]

#: The symbols of the methods, for the appendix: the report's sections say these in words.
METHOD_SYMBOLS = (
    ("HHI", "Herfindahl–Hirschman index: the sum of the squared producer shares, × 10,000 in points"),
    ("P/P0", "price multiple: the simulated price over the baseline price P0"),
    ("P_max (price cap)", "the market model's choke price, a multiple of P0: above it purchases are "
                          "rationed, so a quantile at the cap is a bound"),
    ("S", "stock held [t]"),
    ("h", "holding cost of a tonne of stock a year (interest and storage) [USD/t/yr]; h·S the yearly "
          "holding cost"),
    ("p", "annual probability of a disruption like the scenario's [1/yr]"),
    ("π", "shortage cost of a tonne not supplied [USD/t]"),
    ("E[L]", "expected shortfall in a disruption given the stock [t]; π·p·E[L] the expected shortage "
             "cost a year"),
    ("h/(π·p)", "the newsvendor critical ratio: a cost-optimal stock covers the shortfall L with "
                "probability 1 − h/(π·p), P(L > S) = h/(π·p), when each tonne of stock covers a tonne of "
                "shortfall"),
    ("SR, EI", "supply risk and economic importance of the EU (JRC) method; critical when both reach "
               "the EU thresholds (given with the criticality matrix)"),
    ("DP × TE × EV", "the USGS-style supply risk: disruption potential × trade exposure × economic "
                     "vulnerability (Nassar & Fortier 2021)"),
    ("E, P", "the EU method's stages: extraction (mining) and processing (refining)"),
    ("P(restriction | evidence)", "the restriction monitor's weight of the evidence for a restriction "
                                  "given a fall; restriction score = level-break score × "
                                  "P(restriction | evidence)"),
    ("BLOC:<name>", "a partner group as the trade source publishes it (e.g. BLOC:Adversary), summed over "
                    "its members"),
    ("HS", "Harmonized System code of a traded product line (6 digits), named in the text by what it "
           "holds"),
)

_ROW = re.compile(r"^\|\s*`?(?P<id>[a-z0-9-]+)`?\s*\|(?P<rest>.*)\|\s*$")


_URL = re.compile(r"\b(?:https?|ftp)://", re.I)


def plain_urls(text: object) -> object:
    """Show web addresses in running text without their scheme (``https://a.org/x`` ->
    ``a.org/x``): the report cites addresses but holds no reference a browser would follow.
    Keeps :class:`markupsafe.Markup` as Markup."""
    if isinstance(text, Markup):
        return Markup(_URL.sub("", str(text)))
    if isinstance(text, str):
        return _URL.sub("", text)
    return text


def md_inline(text: str) -> Markup:
    """Inline Markdown of SOURCES.md (``*em*``, ```code```) as safe HTML; addresses as plain text
    (see :func:`plain_urls`)."""
    out = str(escape(plain_urls(text)))
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    out = re.sub(r"\*([^*]+)\*", r"<em>\1</em>", out)
    return Markup(out)


def bundle_id() -> str:
    """The bundled dataset's id (``manifest.json``)."""
    try:
        return str(json.loads((bundle_dir() / "manifest.json").read_text("utf-8"))["bundle_id"])
    except (OSError, KeyError, ValueError):
        return ""


def _sources_md() -> list[dict[str, str]]:
    path = bundle_dir() / "SOURCES.md"
    rows = []
    for line in path.read_text("utf-8").splitlines():
        m = _ROW.match(line.strip())
        if not m or m["id"] == "source" or set(m["id"]) == {"-"}:
            continue
        cells = [c.strip() for c in m["rest"].split("|")]
        if len(cells) < 4:
            continue
        rows.append({"source": m["id"], "title": cells[0], "editions": cells[1],
                     "licence": cells[2], "attribution": cells[3]})
    return rows


def _manifest_editions() -> dict[str, dict[str, int]]:
    try:
        man = json.loads((bundle_dir() / "manifest.json").read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    out: dict[str, dict[str, int]] = {}
    for info in man.get("files", {}).values():
        eds = out.setdefault(str(info.get("source")), {})
        ed = str(info.get("edition"))
        eds[ed] = eds.get(ed, 0) + 1
    return out


def sources_table(warehouse=None, used: Iterable[str] = ()) -> pd.DataFrame:
    """Every source: publisher and title, editions, licence, attribution, bundled files per edition,
    editions in the warehouse and editions used by the report.

    Parameters
    ----------
    warehouse : critmin.warehouse.Warehouse, optional
        Adds the editions the warehouse holds (including user-ingested files) and any source it
        holds that the bundle does not describe.
    used : iterable of str
        Editions the report's results come from.
    """
    rows = _sources_md()
    files = _manifest_editions()
    held: dict[str, set[str]] = {}
    if warehouse is not None:
        st = warehouse.query(
            "SELECT DISTINCT source, edition FROM ("
            + " UNION ALL ".join(f'SELECT source, edition FROM "{t}"'
                                 for t in warehouse.status()["table"]) + ")")
        for r in st.itertuples(index=False):
            held.setdefault(str(r.source), set()).add(str(r.edition))
    used = set(used)
    known = {r["source"] for r in rows}
    for src in sorted(set(held) - known):
        rows.append({"source": src, "title": "(ingested by the user; not described by the bundle)",
                     "editions": ", ".join(sorted(held[src])), "licence": "see the source",
                     "attribution": ""})
    for r in rows:
        eds = files.get(r["source"], {})
        r["bundled_files"] = "; ".join(f"{e}: {n}" for e, n in sorted(eds.items()))
        r["in_warehouse"] = ", ".join(sorted(held.get(r["source"], set())))
        all_eds = set(eds) | held.get(r["source"], set())
        r["used_in_report"] = ", ".join(sorted(all_eds & used))
    return pd.DataFrame(rows, columns=["source", "title", "editions", "licence", "attribution",
                                       "bundled_files", "in_warehouse", "used_in_report"])


def _editions_used(ctx: Context) -> set[str]:
    eds: set[str] = set()
    if ctx.supply is not None:
        eds.add(ctx.supply.edition)
        eds |= {n.split(",")[0].removeprefix("reserves: ") for n in ctx.supply.notes
                if n.startswith("reserves:")}
        if ctx.supply.wgi_year is not None:
            eds |= set(ctx.warehouse.query("SELECT DISTINCT edition FROM governance")["edition"]
                       .astype(str))
    if ctx.trend is not None:
        eds |= set(ctx.trend.years["edition"].dropna().astype(str))
    for df in (ctx.us_reliance, ctx.us_sources):
        if df is not None and len(df):
            eds |= set(df["edition"].dropna().astype(str))
    for key, res in ctx._cache.items():  # the IEA outlook (critmin.report.outlook_section)
        if key.startswith("outlook:") and res is not None:
            eds.add(str(res.edition))
    for res in ctx._cache.get("analysis:monitor") or []:
        codes = list(res.hs) + list(res.control)
        marks = ", ".join("?" for _ in codes)
        eds |= set(ctx.warehouse.query(
            "SELECT DISTINCT edition FROM trade_latest WHERE flow = 'export' AND freq = 'M' "
            f"AND reporter = ? AND hs_code IN ({marks})", [res.exporter, *codes])["edition"].astype(str))
    return eds


def editions_used(contexts: Iterable[Context]) -> set[str]:
    """The editions the contexts' results come from."""
    out: set[str] = set()
    for c in contexts:
        out |= _editions_used(c)
    return out


def assumptions_table(contexts: Iterable[Context]) -> pd.DataFrame:
    """Every assumption behind the shown results, with its value and where it applies.

    Later analyses add theirs through a result attribute ``assumptions`` (a mapping of name to value
    or a DataFrame with ``name`` and ``value`` columns).
    """
    contexts = list(contexts)
    rows: list[dict[str, str]] = [
        {"assumption": "Edition per year",
         "value": "the most recently published edition that covers the year, taken whole",
         "applies_to": "production, shares, HHI, world totals, net import reliance",
         "note": "editions revise and regroup countries; mixing them would double count"},
        {"assumption": "Share denominator",
         "value": "the published (rounded) world total",
         "applies_to": "shares, HHI", "note": "countries plus 'other countries' may differ from "
                                              "it by USGS rounding (see the data notes)"},
        {"assumption": "Concentration bands (US DOJ)", "value": hhi_band_text(),
         "applies_to": "HHI band", "note": "HHI on fractions x 10,000"},
        {"assumption": "Governance score scaling",
         "value": f"WGI estimate mapped linearly from [{governance.WGI_HI:+g}, {governance.WGI_LO:+g}]"
                  " to [0, 10], 10 = worst governance; mean of the indicators available",
         "applies_to": "governance-weighted HHI", "note": "EU criticality method"},
        {"assumption": "Trade factor of the governance-weighted HHI",
         "value": "1 for every country (neutral)", "applies_to": "governance-weighted HHI",
         "note": "no trade-agreement or export-restriction adjustment"},
    ]
    sims = [c for c in contexts if c._cache.get("analysis:scenarios")]
    if sims:
        rows.append({"assumption": "Monte Carlo runs and seed per scenario",
                     "value": "; ".join(sorted({f"{c.runs:,} runs, seed {c.seed}" for c in sims})),
                     "applies_to": "disruption scenarios",
                     "note": "the same seed gives the same numbers"})
    wgi = sorted({(c.supply.wgi_year, c.supply.year) for c in contexts
                  if c.supply is not None and c.supply.wgi_year is not None})
    if wgi:
        rows.append({"assumption": "Governance year",
                     "value": "; ".join(f"WGI {w} for {y} production" for w, y in wgi),
                     "applies_to": "governance-weighted HHI",
                     "note": "the latest WGI year not after the production year"})
    stock: dict[str, set[str]] = {}
    for c in contexts:
        nir = c.us_reliance
        if nir is None or nir.empty:
            continue
        for txt in nir["computed_from"].dropna().astype(str):
            for part in txt.split(";"):
                if "taken as" in part:
                    stock.setdefault(part.strip().split(" (")[0], set()).add(c.info.name)
    for text, names in sorted(stock.items()):
        rows.append({"assumption": "Recomputed net import reliance", "value": text,
                     "applies_to": ", ".join(sorted(names)),
                     "note": "where the salient statistics give no stock change"})
    rows += _monitor_assumptions(contexts)
    for c in contexts:
        for key, value in c._cache.items():
            results = value if isinstance(value, list) else [value]
            for res in results:
                rows += _result_assumptions(c, key, res)
    return group_assumptions(pd.DataFrame(rows, columns=["assumption", "value", "applies_to", "note"]))


def group_assumptions(df: pd.DataFrame) -> pd.DataFrame:
    """One row per assumption, value and note: the places it applies to joined (``scenarios: A, B;
    stockpile: C``), in first-seen order; ``count`` says how many results share it."""
    if df.empty:
        return df.assign(count=pd.Series(dtype=int))
    out = []
    for (a, v, n), g in df.groupby(["assumption", "value", "note"], sort=False, dropna=False):
        where: dict[str, list[str]] = {}
        for x in g["applies_to"]:
            head, sep, label = str(x).partition(": ")
            key, lab = (head, label) if sep else ("", head)
            where.setdefault(key, [])
            if lab not in where[key]:
                where[key].append(lab)
        applies = "; ".join((f"{k}: " if k else "") + ", ".join(v_) for k, v_ in where.items())
        out.append({"assumption": a, "value": v, "applies_to": applies, "note": n, "count": len(g)})
    return pd.DataFrame(out, columns=["assumption", "value", "applies_to", "note", "count"])


def _monitor_assumptions(contexts: list[Context]) -> list[dict[str, str]]:
    """The restriction monitor's verdict rule and the faces' choice of series, when a context shows it."""
    names = [c.info.name for c in contexts if c._cache.get("analysis:monitor")]
    if not names:
        return []
    from critmin.monitor.verdict import VerdictRule
    from critmin.report.context import REFINED_STAGES, default_scan_since
    from critmin.report.summary import RECENT_YEARS

    r = VerdictRule()
    applies = "export signals: " + ", ".join(names)
    weights = ", ".join(f"{k.replace('_', ' ')} {v:g}" for k, v in r.weights.items())
    since = default_scan_since(contexts[0].warehouse)
    return [
        {"assumption": "Restriction-monitor verdict",
         "value": f"restriction-like when the score ≥ {r.restriction_at:g}; no fall when the fall is "
                  f"below {r.min_fall:g}; demand-like when P(restriction | evidence) ≤ {r.demand_p:g}; "
                  "otherwise ambiguous; cannot tell (the line mixes controlled and uncontrolled products) "
                  "instead of no fall or demand-like while a known export control is in force on part of "
                  "the line",
         "applies_to": applies, "note": "critmin.monitor.VerdictRule (method “evidence”)"},
        {"assumption": "Restriction-monitor evidence weights", "value": weights, "applies_to": applies,
         "note": "log-odds weights; the level break is the gate"},
        {"assumption": "Monitored series",
         "value": f"unmixed lines of the stages {', '.join(REFINED_STAGES)} summed; every other line "
                  "on its own; control lines chosen from the HS catalogue",
         "applies_to": applies, "note": "a mixed line dilutes every signal (see each series' warnings)"},
        {"assumption": "Strongest restriction-like month",
         "value": f"searched in the last {RECENT_YEARS} calendar years of each series",
         "applies_to": applies, "note": "summary"},
        *([{"assumption": "Export-signal scan", "value": f"restriction-like months from {since}",
            "applies_to": "overview", "note": "January of the year before the latest month with data"}]
          if since else []),
    ]


def _result_assumptions(c: Context, key: str, res: object) -> list[dict[str, str]]:
    """The ``assumptions`` a later analysis's result carries: a mapping of name to value, a list of
    dicts (name, value, unit, kind, source) or a DataFrame with ``name`` and ``value``."""
    if not key.startswith("analysis:"):
        return []
    extra = getattr(res, "assumptions", None)
    where = key.removeprefix("analysis:")
    label = getattr(getattr(res, "spec", None), "name", None) or c.info.name
    applies = f"{where}: {label}"
    rows: list[dict[str, str]] = []
    if isinstance(extra, dict):
        rows += [{"assumption": str(k), "value": value_text(v), "applies_to": applies, "note": ""}
                 for k, v in extra.items()]
    elif isinstance(extra, list):
        for it in extra:
            if isinstance(it, dict) and "name" in it:
                rows.append({"assumption": str(it["name"]),
                             "value": value_text(it.get("value"), it.get("unit")), "applies_to": applies,
                             "note": source_text(it.get("kind"), it.get("source"))})
    elif isinstance(extra, pd.DataFrame) and {"name", "value"} <= set(extra.columns):
        rows += [{"assumption": str(r.name), "value": value_text(r.value), "applies_to": applies,
                  "note": str(getattr(r, "note", "") or "")} for r in extra.itertuples(index=False)]
    return rows
