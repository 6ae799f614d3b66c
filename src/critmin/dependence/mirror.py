"""Mirror trade: what an exporter reports shipping to an importer, beside what the importer reports.

Two customs offices record one flow twice: the exporter (China, FOB value, the month the goods leave)
and the importer (Japan, CIF value, the month they arrive, by country of *origin*). Where both exist
the gap is shown and taken apart (:func:`mirror_compare`):

* **CIF/FOB**: the importer's value includes freight and insurance; the unit-value ratio
  (importer CIF per kg / exporter FOB per kg) shows it.
* **Timing**: goods shipped in December arrive in January; the exporter's December figures of the
  year before and of the year show how much a one-month shift moves the comparison.
* **Re-exports**: goods the exporter ships to a hub (Hong Kong) and the hub re-exports are counted by
  the importer as from the exporter (origin) but by the exporter as to the hub.
* **Lines**: the exporter's monthly data may hold only some subheadings of the importer's heading
  (China's 250410 inside Japan's 2504); the comparison says which.

The monthly series (:func:`mirror_months`) carries each month's change on the same month a year
before and the phase of any export control of ``critmin/data/export_controls.csv`` (announced, in
force), so the 2023 graphite licensing is visible from the importer's side.

Pure functions first (DataFrames in, DataFrames out); :func:`mirror_trade` reads the warehouse.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from critmin._json import num as _num
from critmin.errors import DataError

__all__ = ["export_controls", "mirror_months", "mirror_compare", "MirrorResult", "mirror_trade"]


def export_controls(exporter: str | None = None, commodity: str | None = None, *,
                    importer: str | None = None) -> pd.DataFrame:
    """Export controls with their dates, from the known events of :mod:`critmin.monitor.events`
    (``critmin/data/export_controls.csv``): the restrictive events only (licences, bans, quotas).

    Returns
    -------
    DataFrame
        One row per event and commodity: ``id``, ``exporter``, ``commodity``, ``hs_codes``
        (``+``-joined), ``announced``, ``effective`` (ISO dates), ``ended`` (ISO date or ""),
        ``destinations`` (``+``-joined), ``measure`` (the products), ``source`` (the document); only those
        of ``exporter`` and ``commodity`` when given; with ``importer``, only the events that applied to
        shipments to it (its destination, or all destinations; not lifted before they took effect).
    """
    from critmin.monitor.events import events

    cat = events()
    cat = cat[cat["restrictive"]]
    rows = []
    for r in cat.itertuples(index=False):
        for com in r.commodities or ("",):
            rows.append({"id": r.id, "exporter": r.exporter, "commodity": com,
                         "hs_codes": "+".join(r.hs_codes), "announced": r.announced.date().isoformat(),
                         "effective": r.effective.date().isoformat(),
                         "ended": "" if pd.isna(r.ended) else r.ended.date().isoformat(),
                         "destinations": "+".join(r.destinations), "measure": r.products,
                         "source": r.document})
    df = pd.DataFrame(rows, columns=["id", "exporter", "commodity", "hs_codes", "announced", "effective",
                                     "ended", "destinations", "measure", "source"])
    if exporter is not None:
        df = df[df["exporter"] == exporter]
    if commodity is not None:
        df = df[df["commodity"] == commodity]
    if importer is not None:
        dest = df["destinations"].str.split("+")
        to_it = dest.map(lambda d: "all" in d or importer in d)
        applied = (df["ended"] == "") | (df["ended"] >= df["effective"])
        df = df[to_it & applied]
    return df.reset_index(drop=True)


def _year(period) -> pd.Series:
    return pd.to_datetime(pd.Series(period).astype(str)).dt.year


def mirror_months(exporter_rows: pd.DataFrame, *, first: str, last: str,
                  events: pd.DataFrame | None = None) -> pd.DataFrame:
    """The exporter's monthly shipments per line, with the change on a year before and event phases.

    Parameters
    ----------
    exporter_rows : DataFrame
        Monthly ``trade`` export rows (one exporter, its partners summed or one partner): period,
        hs_code, quantity_kg [kg], value_usd [USD]. Months before ``first`` are used for the change
        on a year before.
    first, last : str
        First and last month shown (``YYYY-MM``).
    events : DataFrame, optional
        :func:`export_controls` rows: a month at or after ``effective`` is ``in force``, one at or
        after the month of ``announced`` and before it ``announced``, if a line of the event is the
        month's line.

    Returns
    -------
    DataFrame
        One row per month and line: ``month`` (``YYYY-MM``), ``hs_code``, ``quantity_kg`` [kg],
        ``value_usd`` [USD], ``unit_value_usd_per_kg`` [USD/kg], ``yoy_change`` [1] (quantity on the
        same month a year before; NaN without one), ``phase`` ("", ``announced``, ``in force``).
    """
    cols = ["month", "hs_code", "quantity_kg", "value_usd", "unit_value_usd_per_kg", "yoy_change",
            "phase"]
    if exporter_rows.empty:
        return pd.DataFrame(columns=cols)
    df = exporter_rows.assign(month=pd.to_datetime(exporter_rows["period"].astype(str))
                              .dt.strftime("%Y-%m"))
    g = df.groupby(["hs_code", "month"], as_index=False).agg(
        quantity_kg=("quantity_kg", lambda s: s.sum(min_count=1)),
        value_usd=("value_usd", lambda s: s.sum(min_count=1)))
    g["_prev"] = (pd.PeriodIndex(g["month"], freq="M") - 12).strftime("%Y-%m")
    prev = g.set_index(["hs_code", "month"])["quantity_kg"]
    before = [prev.get((h, p), np.nan) for h, p in zip(g["hs_code"], g["_prev"], strict=True)]
    g["yoy_change"] = [q / b - 1 if b and b > 0 and pd.notna(q) else np.nan
                       for q, b in zip(g["quantity_kg"], before, strict=True)]
    g["unit_value_usd_per_kg"] = np.where(g["quantity_kg"] > 0, g["value_usd"] / g["quantity_kg"],
                                          np.nan)
    phase = []
    for h, m in zip(g["hs_code"], g["month"], strict=True):
        p = ""
        for ev in (events.itertuples(index=False) if events is not None and len(events) else []):
            if not set(str(h).split("+")) & set(str(ev.hs_codes).split("+")):
                continue
            if m >= str(ev.effective)[:7]:
                p = "in force"
            elif m >= str(ev.announced)[:7] and p != "in force":
                p = "announced"
        phase.append(p)
    g["phase"] = phase
    g = g[(g["month"] >= first) & (g["month"] <= last)]
    return g[cols].sort_values(["month", "hs_code"]).reset_index(drop=True)


def mirror_compare(importer_rows: pd.DataFrame, exporter_rows: pd.DataFrame, year: int, *,
                   children: dict[str, list[str]] | None = None) -> pd.DataFrame:
    """The importer's annual figure beside the exporter's 12 months, per importer line.

    Parameters
    ----------
    importer_rows : DataFrame
        Annual ``trade`` import rows of the importer from the exporter: hs_code, period,
        quantity_kg [kg], value_usd [USD].
    exporter_rows : DataFrame
        Monthly ``trade`` export rows of the exporter to the importer: hs_code (6-digit lines or
        ``+``-joined groups), period, quantity_kg, value_usd.
    year : int
        Calendar year compared.
    children : dict, optional
        Importer line -> the 6-digit subheadings it holds (from the HS catalogue): the exporter's lines
        under it that are absent make the comparison ``partial``.

    Returns
    -------
    DataFrame
        One row per importer line: ``importer_line``, ``exporter_lines`` (``+``-joined, those nested in
        it), ``coverage`` (``full``, ``partial`` or ``none``), ``months`` (exporter months with data),
        ``importer_quantity_kg``, ``exporter_quantity_kg`` [kg], ``gap_kg`` (importer - exporter),
        ``gap_share`` [1] (of the exporter's figure), ``importer_value_usd``, ``exporter_value_usd``
        [USD], ``value_gap_usd``, ``importer_unit_value``, ``exporter_unit_value`` [USD/kg],
        ``cif_fob_ratio`` [1] (importer over exporter unit value), ``missing_lines`` (subheadings of
        the importer line without exporter data).

    Examples
    --------
    >>> imp = pd.DataFrame({"hs_code": ["2504"], "period": ["2023-01-01"], "quantity_kg": [110.0],
    ...                     "value_usd": [121.0]})
    >>> exp = pd.DataFrame({"hs_code": "250410", "period": [f"2023-{m:02d}-01" for m in range(1, 13)],
    ...                     "quantity_kg": 100.0 / 12, "value_usd": 10.0})
    >>> r = mirror_compare(imp, exp, 2023, children={"2504": ["250410", "250490"]}).iloc[0]
    >>> r["coverage"], [round(float(r[k]), 6) for k in ("gap_kg", "gap_share", "cif_fob_ratio")]
    ('partial', [10.0, 0.1, 0.916667])
    """
    children = children or {}
    imp = importer_rows[_year(importer_rows["period"]).to_numpy() == year] \
        if len(importer_rows) else importer_rows
    exp = exporter_rows[_year(exporter_rows["period"]).to_numpy() == year] \
        if len(exporter_rows) else exporter_rows
    out = []
    for line in sorted(set(imp["hs_code"].astype(str))) if len(imp) else []:
        ilines = imp[imp["hs_code"].astype(str) == line]
        e_lines = sorted({h for h in exp["hs_code"].astype(str)
                          if all(p.startswith(line) or line.startswith(p) for p in h.split("+"))}) \
            if len(exp) else []
        e = exp[exp["hs_code"].astype(str).isin(e_lines)] if e_lines else exp.iloc[0:0]
        kids = children.get(line, [])
        have = {p for h in e_lines for p in h.split("+")}
        missing = [k for k in kids if k not in have]
        coverage = "none" if not e_lines else ("partial" if missing else "full")
        iq = ilines["quantity_kg"].sum(min_count=1)
        iv = ilines["value_usd"].sum(min_count=1)
        eq = e["quantity_kg"].sum(min_count=1) if len(e) else np.nan
        ev = e["value_usd"].sum(min_count=1) if len(e) else np.nan
        months = int(pd.to_datetime(e["period"].astype(str)).dt.month.nunique()) if len(e) else 0
        iuv = iv / iq if iq and iq > 0 else np.nan
        euv = ev / eq if eq and eq > 0 else np.nan
        out.append({
            "importer_line": line, "exporter_lines": "+".join(e_lines), "coverage": coverage,
            "months": months, "importer_quantity_kg": iq, "exporter_quantity_kg": eq,
            "gap_kg": iq - eq, "gap_share": (iq - eq) / eq if eq and eq > 0 else np.nan,
            "importer_value_usd": iv, "exporter_value_usd": ev, "value_gap_usd": iv - ev,
            "importer_unit_value": iuv, "exporter_unit_value": euv,
            "cif_fob_ratio": iuv / euv if euv and euv > 0 else np.nan,
            "missing_lines": "+".join(missing),
        })
    cols = ["importer_line", "exporter_lines", "coverage", "months", "importer_quantity_kg",
            "exporter_quantity_kg", "gap_kg", "gap_share", "importer_value_usd", "exporter_value_usd",
            "value_gap_usd", "importer_unit_value", "exporter_unit_value", "cif_fob_ratio",
            "missing_lines"]
    return pd.DataFrame(out, columns=cols)


@dataclass
class MirrorResult:
    """An exporter's monthly shipments to an importer beside the importer's own figure.

    Attributes
    ----------
    commodity, name, importer, exporter : str
        Catalogue id and name; ISO3 (or bloc) of the importer; ISO3 of the exporter.
    year : int
        Year compared.
    partners : list of str
        The exporter's partners summed (the importer, or the bloc members named on both sides).
    exporter_source, importer_source : str
        ``source edition`` of each side.
    months : DataFrame
        :func:`mirror_months` (the year and the next, where the data reach).
    comparison : DataFrame
        :func:`mirror_compare`.
    events : list of dict
        Export controls of the exporter on the commodity (``export_controls.csv``).
    gap_reasons : list of str
        The gap taken apart: CIF/FOB, timing, re-exports, lines, with the figures.
    caveats : list of str
    """

    commodity: str
    name: str
    importer: str
    exporter: str
    year: int
    partners: list[str]
    exporter_source: str
    importer_source: str
    months: pd.DataFrame
    comparison: pd.DataFrame
    events: list[dict] = field(default_factory=list)
    gap_reasons: list[str] = field(default_factory=list)
    caveats: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """The JSON shape of ``critmin dependence --mirror`` (key ``mirror``)."""
        months = [{"month": r.month, "hs_code": r.hs_code, "quantity_kg": _num(r.quantity_kg),
                   "value_usd": _num(r.value_usd),
                   "unit_value_usd_per_kg": _num(r.unit_value_usd_per_kg),
                   "yoy_change": _num(r.yoy_change), "phase": r.phase or None}
                  for r in self.months.itertuples(index=False)]
        comp = [{k: (_num(v) if isinstance(v, (float, np.floating)) else
                     (int(v) if isinstance(v, (np.integer,)) else v))
                 for k, v in r._asdict().items()} for r in self.comparison.itertuples(index=False)]
        return {"exporter": self.exporter, "importer": self.importer, "year": self.year,
                "partners": list(self.partners), "exporter_source": self.exporter_source,
                "importer_source": self.importer_source, "events": self.events,
                "comparison": comp, "gap_reasons": self.gap_reasons, "months": months,
                "caveats": self.caveats}


def _pick(rows: pd.DataFrame) -> pd.DataFrame:
    if rows.empty:
        return rows
    n = rows.groupby(["source", "edition"]).size().sort_values(ascending=False)
    src, ed = n.index[0]
    return rows[(rows["source"] == src) & (rows["edition"] == ed)]


def _lines_of(cid: str, rows: pd.DataFrame) -> list[str]:
    """The exporter lines to show: catalogued 6-digit lines of the commodity; ``+`` groups only for
    lines no single line covers."""
    from critmin.hs import catalogue

    cat = catalogue()
    own = set(cat.loc[(cat["commodity"] == cid) & (cat["level"] == 6), "hs_code"])
    have = sorted(set(rows["hs_code"].astype(str)))
    singles = [h for h in have if h in own]
    groups = [h for h in have if "+" in h and any(p in own for p in h.split("+"))
              and not set(h.split("+")) & set(singles)]
    return singles + groups


def mirror_trade(commodity: str, importer: str, *, exporter: str = "CHN", year: int | None = None,
                 hs_codes: list[str] | None = None, warehouse) -> MirrorResult:
    """An exporter's reported monthly exports to an importer, and the importer's figure beside them.

    Parameters
    ----------
    commodity : str
        Catalogue id, name or USGS code.
    importer : str
        ISO3 or name of the importer, or ``EU`` (the members named on both sides summed).
    exporter : str, default "CHN"
        ISO3 or name of the exporter whose monthly exports by partner are in the warehouse.
    year : int, optional
        Year compared; default the importer's latest year of annual imports from the exporter.
    hs_codes : list of str, optional
        The importer's lines (default: the commodity's default lines, as
        :func:`critmin.dependence.importer_dependence`).
    warehouse : Warehouse
        Where the data live.

    Returns
    -------
    MirrorResult

    Raises
    ------
    DataError
        When the warehouse has no monthly exports of the exporter to the importer for the
        commodity's lines.
    """
    from critmin import hs as _hs
    from critmin.commodities import get as get_commodity
    from critmin.countries import UnknownCountryError, resolve
    from critmin.dependence.job import _resolve_importer

    com = get_commodity(commodity)
    imp, members = _resolve_importer(importer)
    try:
        exp = resolve(exporter).code
    except UnknownCountryError as err:
        raise DataError(f"unknown exporter: {err}") from None
    partners = list(members) if members else [imp]
    ex = warehouse.table("trade", reporter=exp, flow="export", freq="M", partner=partners)
    ex = _pick(ex[ex["hs_code"].astype(str).isin(_lines_of(com.id, ex))]) if len(ex) else ex
    if ex.empty:
        raise DataError(f"no monthly exports of {exp} to {imp} of {com.name} lines in the warehouse "
                        "(the bundled monthly file covers China's exports to about 40 partners of "
                        "HS 250410, 380110, 811292, and the rare-earth and other groups to the 8 "
                        "largest partners)")
    codes = [_hs.normalize_code(c) for c in hs_codes] if hs_codes else _hs.default_lines(com.id)
    im = warehouse.table("trade", reporter=partners, partner=exp, flow="import", freq="A",
                         hs_code=codes)
    im_src = ""
    if len(im):
        n = im.groupby(["source", "edition"])["reporter"].nunique().sort_values(ascending=False)
        src, ed = n.index[0]
        im = im[(im["source"] == src) & (im["edition"] == ed)]
        im_src = f"{src} {ed}"
        for _a, b in _hs.nested_pairs(sorted(set(im["hs_code"]))):
            im = im[im["hs_code"] != b]
    yrs_ex = sorted(set(_year(ex["period"])))
    if year is None:
        yrs = sorted(set(_year(im["period"])) & set(yrs_ex)) if len(im) else []
        year = int(yrs[-1] if yrs else yrs_ex[-1])
    year = int(year)
    caveats: list[str] = []
    if members:
        named = sorted(set(ex["partner"]) & (set(im["reporter"]) if len(im) else set()))
        missing = sorted(set(partners) - set(ex["partner"]))
        caveats.append(f"{imp}: members named on both sides summed ({', '.join(named) or 'none'}); "
                       f"{exp}'s data name no shipments to {', '.join(missing) or 'no other member'}")
        ex = ex[ex["partner"].isin(named)] if named else ex
        im = im[im["reporter"].isin(named)] if len(im) and named else im
        partners = named or sorted(set(ex["partner"]))
    events = export_controls(exp, com.id, importer=imp)
    last = f"{year + 1}-12" if (year + 1) in yrs_ex else f"{year}-12"
    months = mirror_months(ex, first=f"{year}-01", last=last, events=events)
    children = {}
    cat = _hs.catalogue()
    kids = cat[(cat["commodity"] == com.id) & (cat["level"] == 6)]["hs_code"].tolist()
    for line in (set(im["hs_code"].astype(str)) if len(im) else set()):
        children[line] = sorted(k for k in kids if k.startswith(line) and k != line)
    comp = mirror_compare(im, ex, year, children=children) if len(im) else mirror_compare(
        pd.DataFrame(columns=["hs_code", "period", "quantity_kg", "value_usd"]), ex, year)
    reasons = _gap_reasons(comp, ex, warehouse, exp, year, com.id, im, partners,
                           exclude=members or ())
    if not len(im):
        caveats.append(f"no annual imports of {imp} from {exp} for HS {', '.join(codes)} in the "
                       "warehouse: the exporter's side only")
    for r in comp.itertuples(index=False):
        if r.coverage == "none":
            caveats.append(f"{imp}'s HS {r.importer_line} has no matching line in {exp}'s monthly "
                           f"data ({', '.join(sorted(set(ex['hs_code'])))}): not compared")
    groups = sorted({h for h in ex["hs_code"].astype(str) if "+" in h})
    for h in groups:
        caveats.append(f"{exp}'s figure for HS {h} is a product group summed by the compiling "
                       "source (one of the group's 8 largest partners); it is not the importer's "
                       "line")
    caveats.append(f"{exp}'s exports are FOB values and the month goods leave; {imp}'s imports "
                   "CIF values (for most reporters), the month they arrive, by country of origin")
    ev = [{k: r[k] for k in ("hs_codes", "announced", "effective", "measure", "source")}
          for r in events.to_dict("records")]
    return MirrorResult(
        commodity=com.id, name=com.name, importer=imp, exporter=exp, year=year, partners=partners,
        exporter_source=f"{ex['source'].iloc[0]} {ex['edition'].iloc[0]}", importer_source=im_src,
        months=months, comparison=comp, events=ev, gap_reasons=reasons, caveats=caveats)


def _t(x: float) -> str:
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x / 1000:,.0f} t"


def _gap_reasons(comp: pd.DataFrame, ex: pd.DataFrame, warehouse, exp: str, year: int, cid: str,
                 im: pd.DataFrame, partners: list[str], exclude=()) -> list[str]:
    """The gap of each compared line taken apart, with figures."""
    from critmin.sources.comtrade_bilateral import hub_partners

    out = []
    for r in comp.itertuples(index=False):
        if r.coverage == "none":
            continue
        lines = r.exporter_lines.split("+")
        out.append(f"HS {r.importer_line} vs {exp}'s {r.exporter_lines}, {year}: importer "
                   f"{_t(r.importer_quantity_kg)}, exporter {_t(r.exporter_quantity_kg)} "
                   f"({r.months} months); gap {_t(r.gap_kg)}"
                   + (f" ({r.gap_share:+.1%} of the exporter's figure)"
                      if pd.notna(r.gap_share) else ""))
        if pd.notna(r.cif_fob_ratio):
            why = ("above 1 as freight and insurance make it (CIF over FOB); its size also holds "
                   "any difference in product mix" if r.cif_fob_ratio >= 1 else
                   "below 1, which freight and insurance cannot explain: the importer's line holds "
                   "cheaper goods, or the two sides' weights or valuations differ")
            out.append(f"CIF/FOB: importer unit value {r.importer_unit_value:,.2f} USD/kg vs exporter "
                       f"{r.exporter_unit_value:,.2f} USD/kg (ratio {r.cif_fob_ratio:.2f}): {why}")
        e = ex[ex["hs_code"].astype(str).isin(lines)]
        mon = pd.to_datetime(e["period"].astype(str))
        dec_prev = e.loc[(mon.dt.year == year - 1) & (mon.dt.month == 12), "quantity_kg"].sum()
        dec = e.loc[(mon.dt.year == year) & (mon.dt.month == 12), "quantity_kg"].sum()
        out.append(f"timing: {exp} shipped {_t(dec_prev)} in December {year - 1} (arriving in "
                   f"{year}?) and {_t(dec)} in December {year} (arriving in {year + 1}?); a one-month "
                   f"shift moves the exporter's figure by {_t(dec_prev - dec)}")
        if r.missing_lines:
            out.append(f"lines: the importer's HS {r.importer_line} also holds "
                       f"{r.missing_lines.replace('+', ', ')}, absent from {exp}'s monthly data "
                       "(the importer's figure covers more)")
        hk = warehouse.table("trade", reporter=exp, flow="export", freq="M", partner="HKG",
                             hs_code=lines)
        hk = hk[pd.to_datetime(hk["period"].astype(str)).dt.year == year] if len(hk) else hk
        if len(hk):
            out.append(f"re-exports: {exp} shipped {_t(hk['quantity_kg'].sum())} of HS "
                       f"{r.exporter_lines} to Hong Kong in {year}; what Hong Kong re-exports to the "
                       f"importer is counted there as from {exp} (origin) but by {exp} as to Hong Kong")
        if len(im):
            allp = warehouse.table("trade", reporter=partners, flow="import", freq="A",
                                   hs_code=r.importer_line, source=im["source"].iloc[0])
            allp = allp[pd.to_datetime(allp["period"].astype(str)).dt.year == year]
            hubs = hub_partners(allp) - set(partners) - set(exclude)
            hq = allp[allp["partner"].isin(hubs)]
            if len(hq):
                by = hq.groupby("partner")["quantity_kg"].sum(min_count=1)
                out.append("re-exports: the importer also reports HS " + r.importer_line
                           + " from transit hubs: " + ", ".join(f"{p} {_t(q)}" for p, q in by.items())
                           + f" (some may be of {exp} origin declared by the hub)")
    return out
