"""From trade rows to the monthly panel the monitor works on.

A :class:`Panel` holds, for one exporter, the monthly export quantities [kg] and values [USD] of the lines
under test (summed over lines and partners, and by partner), of the control lines and of the exporter's
other exports. :func:`prepare` deseasonalises it once for every signal.

Which partner rows make up a line (the ``trade`` table can hold the same flow several times at different
granularity, e.g. the two bloc totals *and* the top partner countries):

* the **total** of a line comes from the world row (``WLD``) if there is one, else from the bloc rows, else
  from the country rows, else from whatever group rows there are — never from two of these at once;
* a month in which a row of the total reports no quantity is missing (a partial sum would read as a
  fall);
* the **partner breakdown** uses country rows when every tested line has at least two countries, else the
  bloc rows. Each partner's series is deseasonalised with the seasonal component of the total.

Control and other lines are combined into an equal-weight log index (each line's log quantity less its
median), so that a heavy bulk line does not drown the others and units never mix.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from critmin.errors import DataError
from critmin.monitor.baseline import (
    DEFAULT_WINDOW,
    Window,
    combine_jan_feb,
    log_level,
    lunar_new_year,
    monthly,
    robust_sigma,
    stl_decompose,
)

__all__ = ["Panel", "PanelRows", "Prepared", "prepare", "normalise_hs"]

_KIND_ORDER_TOTAL = ("world", "bloc", "country", "group")


def normalise_hs(codes: str | Iterable[str] | None) -> tuple[str, ...]:
    """HS codes from ``"280530,284690"`` or a list, stripped of dots and spaces, in the given order."""
    if codes is None:
        return ()
    if isinstance(codes, str):
        codes = codes.split(",")
    out: list[str] = []
    for c in codes:
        c = str(c).strip().replace(".", "").replace(" ", "")
        if c and c not in out:
            out.append(c)
    return tuple(out)


def _kind(partner: str, kind: object) -> str:
    p = str(partner).upper()
    if p in ("WLD", "W00", "WORLD", "0"):
        return "world"
    k = str(kind).lower() if isinstance(kind, str) else ""
    if k == "bloc" or p.startswith("BLOC:"):
        return "bloc"
    if k in ("", "country", "nan", "<na>"):
        return "country"
    return "group"


def _match_partner(partner: str, wanted: Sequence[str]) -> bool:
    p = str(partner).casefold()
    for w in wanted:
        w = w.casefold()
        if p == w or (p.startswith("bloc:") and p[5:] == w) or (w.startswith("bloc:") and w[5:] == p):
            return True
    return False


@dataclass
class Panel:
    """Monthly exports of one exporter, arranged for the monitor.

    Attributes
    ----------
    quantity : Series
        The tested lines summed over lines and partners [kg], on a complete monthly index.
    value : Series
        The same rows' trade value [USD] (NaN where not reported).
    by_partner : DataFrame or None
        The tested lines by partner [kg] (one column per partner).
    control : DataFrame or None
        The control lines [kg] (one column per line).
    other : DataFrame or None
        The exporter's other export lines [kg] (one column per line).
    exporter, hs, control_hs, other_hs, partners
        What the panel holds (ISO3, HS codes, partner codes).
    partner_kind : str
        ``world``, ``bloc`` or ``country``: where the totals came from.
    warnings : list of str
        Data problems found while building it.
    """

    quantity: pd.Series
    value: pd.Series
    by_partner: pd.DataFrame | None = None
    control: pd.DataFrame | None = None
    other: pd.DataFrame | None = None
    exporter: str = ""
    hs: tuple[str, ...] = ()
    control_hs: tuple[str, ...] = ()
    other_hs: tuple[str, ...] = ()
    partners: tuple[str, ...] = ()
    partner_kind: str = ""
    warnings: list[str] = field(default_factory=list)

    @classmethod
    def from_rows(
        cls,
        rows: pd.DataFrame | PanelRows,
        hs: str | Iterable[str],
        *,
        control: str | Iterable[str] | None = None,
        other: str | Iterable[str] | None = None,
        partners: Sequence[str] | None = None,
        exporter: str = "",
    ) -> Panel:
        """Build a panel from monthly export rows of one exporter.

        Parameters
        ----------
        rows : DataFrame or PanelRows
            Columns ``period`` (month), ``hs_code``, ``partner``, ``quantity_kg`` [kg], optional
            ``value_usd`` [USD] and ``partner_kind`` (as in the ``trade`` table); or the same rows
            arranged once by :class:`PanelRows`, to build several panels of one exporter without
            arranging them again.
        hs : str or iterable of str
            The lines under test.
        control : str or iterable of str, optional
            Control (sibling) lines; none when omitted.
        other : str or iterable of str, optional
            The exporter's other lines for the breadth test; default: every remaining line in ``rows``
            with a 6-digit code.
        partners : sequence of str, optional
            Restrict the tested lines to these partners (``USA``, ``BLOC:adversary`` or ``adversary``).
        exporter : str
            ISO3 of the exporter (for labels).

        Raises
        ------
        DataError
            When no row of the tested lines has a quantity.
        """
        src = rows if isinstance(rows, PanelRows) else PanelRows(rows)
        hs = normalise_hs(hs)
        ctl = tuple(c for c in normalise_hs(control) if c not in hs)
        df = src.frame
        if other is None:
            oth = tuple(c for c in src.lines if c not in hs and c not in ctl)
        else:
            oth = tuple(c for c in normalise_hs(other) if c not in hs and c not in ctl)
        warn: list[str] = []
        tgt = df[df["hs_code"].isin(hs)]
        absent = [c for c in hs if c not in set(tgt["hs_code"])]
        if tgt["quantity_kg"].notna().sum() == 0:
            raise DataError(f"no monthly export quantities for HS {', '.join(hs)}"
                            + (f" of {exporter}" if exporter else ""))
        if absent:
            warn.append(f"HS {', '.join(absent)}: no rows in the data; the series covers "
                        f"{', '.join(c for c in hs if c not in absent)} only")
        months = src.months

        if partners:
            sel = tgt[[_match_partner(p, partners) for p in tgt["partner"]]]
            if sel.empty:
                raise DataError(f"no rows for partners {', '.join(partners)} in HS {', '.join(hs)}; "
                                f"partners present: {', '.join(sorted(tgt['partner'].unique()))}")
            total_rows, part_rows, pkind = sel, sel, "selected"
        else:
            total_rows, pkind = _total_rows(tgt)
            part_rows = _partner_rows(tgt, hs)
        qty = _sum_months(total_rows, "quantity_kg", months, strict=True)
        unreported = sorted(total_rows.loc[total_rows["quantity_kg"].isna(), "period"].unique())
        if unreported:
            warn.append(f"{len(unreported)} month(s) in which a row of the total reports no quantity "
                        f"(first {pd.Timestamp(unreported[0]):%Y-%m}): treated as missing, since a partial "
                        "sum would read as a fall")
        val = _sum_months(total_rows[total_rows["quantity_kg"].notna()], "value_usd", months)
        by_partner = None
        if part_rows is not None and part_rows["partner"].nunique() >= 2:
            by_partner = (part_rows.pivot_table(index="period", columns="partner", values="quantity_kg",
                                                aggfunc="sum").reindex(months))
        panel = cls(
            quantity=qty, value=val, by_partner=by_partner,
            control=src.line_frame(ctl), other=src.line_frame(oth),
            exporter=exporter, hs=hs, control_hs=ctl, other_hs=oth,
            partners=tuple(by_partner.columns) if by_partner is not None else
            tuple(sorted(total_rows["partner"].unique())),
            partner_kind=pkind, warnings=warn,
        )
        panel.warnings.extend(panel.coverage_warnings())
        return panel

    def coverage_warnings(self) -> list[str]:
        """Warnings about what the panel covers: gaps, partial partner coverage, missing breakdowns.

        Returns
        -------
        list of str
        """
        out = []
        q = self.quantity
        first = q.first_valid_index()
        last = q.last_valid_index()
        if first is not None:
            inner = q.loc[first:last]
            gaps = inner.index[inner.isna()]
            if len(gaps):
                out.append(f"{len(gaps)} month(s) missing in the tested series (first "
                           f"{gaps[0]:%Y-%m}); they are treated as missing, not as zero")
        if self.partner_kind == "bloc":
            out.append("partners are the bloc totals of the source, not every partner: the series is "
                       "below the exporter's world total")
        elif self.partner_kind == "country":
            out.append("partners are the countries the source lists, not a world total")
        if self.by_partner is None:
            out.append("only one partner series: destination selectivity cannot be measured")
        if self.control is None:
            out.append("no control lines: the difference-in-differences test is skipped")
        return out


def _total_rows(tgt: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    parts, kinds = [], set()
    for _code, g in tgt.groupby("hs_code", sort=False):
        for k in _KIND_ORDER_TOTAL:
            sub = g[g["_kind"] == k]
            if len(sub):
                parts.append(sub)
                kinds.add(k)
                break
    kind = kinds.pop() if len(kinds) == 1 else "mixed"
    return pd.concat(parts), kind


def _partner_rows(tgt: pd.DataFrame, hs: tuple[str, ...]) -> pd.DataFrame | None:
    for k in ("country", "bloc"):
        sub = tgt[tgt["_kind"] == k]
        present = [c for c in hs if c in set(tgt["hs_code"])]
        if present and all(sub[sub["hs_code"] == c]["partner"].nunique() >= 2 for c in present):
            return sub
    return None


def _sum_months(rows: pd.DataFrame, col: str, months: pd.DatetimeIndex, *, strict: bool = False) -> pd.Series:
    """Monthly sums; with ``strict`` a month with any missing value among its rows is missing."""
    s = rows.groupby("period")[col].sum(min_count=1)
    if strict:
        gaps = rows.loc[rows[col].isna(), "period"].unique()
        s.loc[s.index.isin(gaps)] = np.nan
    return s.reindex(months).astype(float)


class PanelRows:
    """One exporter's monthly export rows, arranged once for any number of panels.

    :meth:`Panel.from_rows` takes the rows as they come from the ``trade`` table; what it derives from
    all of them (the calendar month of each row, the kind of each partner row, the month range and every
    line's total series) does not depend on the lines under test. This object derives it once, and each
    line's total series the first time a panel asks for it, so that panels of many lines of the same
    exporter (a scan) share the work. It is never changed after it is built, except for that memo.

    Parameters
    ----------
    rows : DataFrame
        Columns ``period`` (month), ``hs_code``, ``partner``, ``quantity_kg`` [kg], optional
        ``value_usd`` [USD] and ``partner_kind`` (as in the ``trade`` table), of one exporter.

    Attributes
    ----------
    frame : DataFrame
        The rows with ``hs_code`` as text, ``period`` on the first day of its month, ``value_usd``
        (NaN when absent) and ``_kind`` (``world``, ``bloc``, ``country`` or ``group``).
    months : DatetimeIndex
        Every month from the first to the last row.
    lines : tuple of str
        The 6-digit lines present, sorted.
    """

    def __init__(self, rows: pd.DataFrame) -> None:
        df = rows.copy()
        df["hs_code"] = df["hs_code"].astype(str)
        df["period"] = pd.to_datetime(df["period"]).dt.to_period("M").dt.to_timestamp()
        if "value_usd" not in df:
            df["value_usd"] = np.nan
        df["_kind"] = _kinds(df)
        self.frame = df
        self.months = pd.date_range(df["period"].min(), df["period"].max(), freq="MS")
        self.lines = tuple(sorted(c for c in df["hs_code"].unique() if len(c) == 6 and c.isdigit()))
        self._line_totals: dict[str, pd.Series | None] = {}

    def line_total(self, code: str) -> pd.Series | None:
        """One line's total quantity per month [kg] (as the panel's total of a tested line), or None.

        Parameters
        ----------
        code : str
            The HS line.

        Returns
        -------
        Series or None
            On :attr:`months`; a month in which a row of the total reports no quantity is missing.
            None when the line has no row with a quantity.
        """
        if code not in self._line_totals:
            g = self.frame[self.frame["hs_code"] == code]
            if g.empty or g["quantity_kg"].notna().sum() == 0:
                self._line_totals[code] = None
            else:
                rows, _ = _total_rows(g)
                self._line_totals[code] = _sum_months(rows, "quantity_kg", self.months, strict=True)
        return self._line_totals[code]

    def line_frame(self, codes: tuple[str, ...]) -> pd.DataFrame | None:
        """The lines' totals [kg], one column per line with data (None when no line has any).

        Parameters
        ----------
        codes : tuple of str
            The HS lines, in column order.

        Returns
        -------
        DataFrame or None
            On :attr:`months`.
        """
        if not codes:
            return None
        cols = {c: s for c in codes if (s := self.line_total(c)) is not None}
        return pd.DataFrame(cols, index=self.months) if cols else None


def _kinds(df: pd.DataFrame) -> list[str]:
    """:func:`_kind` of every row, computed once per distinct (partner, partner_kind) pair."""
    partners = df["partner"].to_numpy(object)
    kinds = df["partner_kind"].to_numpy(object) if "partner_kind" in df else [""] * len(df)
    memo: dict[tuple, str] = {}
    out = []
    for p, k in zip(partners, kinds, strict=True):
        key = (p, k)
        v = memo.get(key)
        if v is None:
            v = memo[key] = _kind(p, k)
        out.append(v)
    return out


@dataclass
class Prepared:
    """A panel deseasonalised once for all signals (arrays on ``index``).

    Attributes
    ----------
    index : DatetimeIndex
        The months.
    quantity, value : ndarray
        Tested lines [kg] and [USD], as reported.
    analysed : ndarray
        The quantity the signals analyse [kg]: ``quantity``, or with January and February replaced by
        their average when ``jan_feb``.
    log_q, seasonal, d : ndarray
        Log of the analysed quantity, STL seasonal component and deseasonalised log quantity [log kg].
    sigma : float
        Month-to-month noise of ``d`` [log kg] (with ``jan_feb``, without the January-to-February and
        February-to-March steps: the pair's average makes the first zero).
    log_uv : ndarray
        Log unit value [log USD/kg] (NaN where not computable).
    uv_sigma : float
        Month-to-month noise of ``log_uv`` [log USD/kg], measured as ``sigma``.
    d_partners : DataFrame or None
        Deseasonalised log quantity by partner [log kg].
    d_control, d_other : ndarray or None
        Deseasonalised equal-weight log indices of the control and other lines [log].
    jan_feb : bool
        January and February analysed as their average (:func:`critmin.monitor.baseline.combine_jan_feb`),
        for every series of the panel.
    """

    index: pd.DatetimeIndex
    quantity: np.ndarray
    value: np.ndarray
    analysed: np.ndarray
    log_q: np.ndarray
    seasonal: np.ndarray
    d: np.ndarray
    sigma: float
    log_uv: np.ndarray
    d_partners: pd.DataFrame | None
    d_control: np.ndarray | None
    d_other: np.ndarray | None
    window: Window = field(default_factory=Window)
    jan_feb: bool = False
    uv_sigma: float = float("nan")

    def series(self, name: str) -> pd.Series:
        """One of the arrays as a Series on the month index."""
        return pd.Series(getattr(self, name), index=self.index, name=name)


def _index_of(lines: pd.DataFrame | None, *, robust: bool, jan_feb: bool = False) -> np.ndarray | None:
    if lines is None or lines.empty:
        return None
    logs = []
    for c in lines.columns:
        lq = log_level(combine_jan_feb(lines[c]) if jan_feb else lines[c].to_numpy())
        fin = lq[np.isfinite(lq)]
        if fin.size:
            logs.append(lq - np.median(fin))
    if not logs:
        return None
    m = np.vstack(logs)
    ok = np.isfinite(m)
    with np.errstate(invalid="ignore", divide="ignore"):
        idx = np.where(ok.any(axis=0), np.where(ok, m, 0.0).sum(axis=0) / np.maximum(ok.sum(axis=0), 1),
                       np.nan)
    return idx - stl_decompose(idx, robust=robust)["seasonal"]


def prepare(panel: Panel, *, window: Window = DEFAULT_WINDOW, robust: bool = True,
            jan_feb: bool | None = None) -> Prepared:
    """Deseasonalise a panel (robust STL on the logs) for the signals.

    Parameters
    ----------
    panel : Panel
        The monthly exports.
    window : Window
        The signal windows (kept with the result).
    robust : bool
        Robust STL (downweights outlier months such as the fall itself).
    jan_feb : bool, optional
        Analyse January and February as their average, in every series of the panel (tested lines,
        partners, control and other lines); default: for exporters with a Lunar New Year holiday
        (:data:`critmin.monitor.baseline.LUNAR_NEW_YEAR_EXPORTERS`).

    Returns
    -------
    Prepared
    """
    q = monthly(panel.quantity)
    jf = lunar_new_year(panel.exporter) if jan_feb is None else bool(jan_feb)
    v_raw = panel.value.reindex(q.index).to_numpy(float)
    q_raw = q.to_numpy(float)
    qa = combine_jan_feb(q_raw, q.index) if jf else q_raw
    v = combine_jan_feb(v_raw, q.index) if jf else v_raw
    lq = log_level(qa)
    seas = stl_decompose(lq, robust=robust)["seasonal"]
    d = lq - seas
    with np.errstate(invalid="ignore", divide="ignore"):
        luv = np.where((qa > 0) & (v > 0), np.log(v / qa), np.nan)
    dp = None
    if panel.by_partner is not None:
        bp = panel.by_partner.reindex(q.index)
        dp = pd.DataFrame({c: log_level(combine_jan_feb(bp[c]) if jf else bp[c].to_numpy()) - seas
                           for c in bp.columns}, index=q.index)
    ctl = panel.control.reindex(q.index) if panel.control is not None else None
    oth = panel.other.reindex(q.index) if panel.other is not None else None
    # the noise without the steps into and out of February, which the pair's average flattens
    feb = np.asarray(q.index.month == 2) if jf else np.zeros(len(q.index), bool)
    return Prepared(index=q.index, quantity=q_raw, value=v_raw, analysed=qa, log_q=lq, seasonal=seas, d=d,
                    sigma=robust_sigma(np.where(feb, np.nan, d)), log_uv=luv, d_partners=dp,
                    d_control=_index_of(ctl, robust=robust, jan_feb=jf),
                    d_other=_index_of(oth, robust=robust, jan_feb=jf), window=window, jan_feb=jf,
                    uv_sigma=robust_sigma(np.where(feb, np.nan, luv)))
