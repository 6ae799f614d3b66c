"""What the faces know about one commodity: the public API's results, fetched lazily and once.

:class:`Context` is the only place the report and the dashboard call the analyses: every result is
fetched through :meth:`Context.fetch`, memoised, and a failure (no data for this commodity) is kept as a
message instead of an exception, so one missing series never breaks a report.

:data:`ANALYSES` names the analyses that land after the supply and exposure jobs (importer dependence
from trade data, the restriction monitor, the market simulator, stockpile sizing, criticality). A face
shows their sections only when :meth:`Analysis.available` is true; otherwise it says which module and
function are missing.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from critmin.commodities import Commodity
from critmin.commodities import get as get_commodity
from critmin.errors import CritminError, ParameterError
from critmin.report.charts import country_colors, display_name

__all__ = ["Analysis", "ANALYSES", "Context", "analysis_status", "US", "SCENARIO_RUNS",
           "SCENARIO_SEED", "STOCKPILE_BUILD_MONTHS", "scenario_files", "MonitorSeries", "REFINED_STAGES",
           "monitor_lines",
           "monitor_series", "monitor_result", "scan_result", "scan_part", "default_scan_since",
           "check_region",
           "regions_with_data"]

#: The importer the bundled USGS exposure data describe.
US = "USA"

#: Monte Carlo runs and root seed of each disruption scenario in a report (shown as assumptions).
SCENARIO_RUNS = 2000
SCENARIO_SEED = 1

#: Months the stockpile plan's stock is priced as bought over (its build-cost curve covers 1-60 months).
STOCKPILE_BUILD_MONTHS = 12

def regions_with_data(warehouse: object | None = None) -> list[str]:
    """Importers with exposure data: the USA (USGS), the EU (JRC sourcing shares), then the reporters
    of import rows in the ``trade`` table, most rows first."""
    from critmin.countries import BLOC_REGIONS

    found: list[str] = []
    if warehouse is not None:
        try:
            rows = warehouse.query("SELECT reporter, count(*) AS n FROM trade WHERE flow = 'import' "
                                   "GROUP BY reporter ORDER BY n DESC, reporter")
            found = [c for c in rows["reporter"] if isinstance(c, str) and len(c) == 3]
        except Exception:  # noqa: BLE001 - only the message's list depends on it
            found = []
    return [US, *BLOC_REGIONS, *(c for c in found if c not in (US, *BLOC_REGIONS))]


def check_region(region: str | None, warehouse: object | None = None) -> str:
    """The code of the region a report or page describes: ``EU`` or a country's ISO3.

    Parameters
    ----------
    region : str or None
        ``USA``, ``jpn``, ``Japan``, ``EU``; None means :data:`US`.
    warehouse : Warehouse, optional
        Used to list the importers with data in the message.

    Returns
    -------
    str
        ``EU`` or an ISO3 code.

    Raises
    ------
    ParameterError
        For anything that is not a country or ``EU`` (``XYZ``), listing what is accepted.
    """
    from critmin.countries import region_code

    try:
        return region_code(region if region is not None else US)
    except ParameterError as err:
        have = regions_with_data(warehouse)
        shown = ", ".join(have[:20]) + (f" and {len(have) - 20} more" if len(have) > 20 else "")
        raise ParameterError(f"{err}; importers with data: {shown}") from None


# One DuckDB connection is not safe for concurrent use: the dashboard serves sessions from threads.
_LOCK = threading.RLock()


@dataclass(frozen=True)
class Analysis:
    """An analysis the faces show once its module has landed.

    Attributes
    ----------
    id : str
        Section id (``monitor``).
    title : str
        Display title.
    module, function : str
        Where the job function lives (``critmin.monitor``, ``monitor``).
    page : str
        The dashboard page that shows it.
    question : str
        The question it answers, as the summary asks it.
    """

    id: str
    title: str
    module: str
    function: str
    page: str
    question: str

    @property
    def requires(self) -> str:
        """``module.function``."""
        return f"{self.module}.{self.function}"

    def available(self) -> bool:
        """True when the module imports and has the job function."""
        try:
            if importlib.util.find_spec(self.module) is None:
                return False
            return callable(getattr(importlib.import_module(self.module), self.function, None))
        except Exception:  # a module being written may not import yet
            return False

    def load(self) -> Callable:
        """The job function."""
        return getattr(importlib.import_module(self.module), self.function)


#: The analyses after supply and exposure, in the order the report shows them.
ANALYSES: dict[str, Analysis] = {a.id: a for a in (
    Analysis("dependence", "Importer dependence (trade data)", "critmin.dependence.job",
             "importer_dependence", "Dependence", "How exposed is the importer, from trade data?"),
    Analysis("monitor", "Export signals (restriction monitor)", "critmin.monitor", "monitor",
             "Monitor", "Is a drop in exports a restriction?"),
    Analysis("scenarios", "Disruption scenarios (market simulator)", "critmin.market", "simulate",
             "Scenarios", "What would a disruption cost?"),
    Analysis("stockpile", "Stockpile sizing", "critmin.stockpile", "size_stockpile", "Stockpile",
             "How large should the stock be?"),
    Analysis("criticality", "Criticality", "critmin.criticality", "criticality",
             "Criticality", "How critical is it?"),
    Analysis("diversify", "Supplier diversification", "critmin.diversify", "diversify",
             "Diversify", "Whom should we buy from?"),
)}


def analysis_status() -> pd.DataFrame:
    """Per later analysis: whether it is available in this installation and what it needs."""
    return pd.DataFrame([{"id": a.id, "title": a.title, "page": a.page, "requires": a.requires,
                          "available": a.available()} for a in ANALYSES.values()])


@dataclass
class Context:
    """One commodity as the faces see it: parameters plus lazily fetched API results.

    Parameters
    ----------
    commodity : str
        Catalogue id, name or USGS code.
    warehouse : critmin.warehouse.Warehouse
        Where the data live.
    region : str
        ISO3 of the importer whose exposure is shown (default ``USA``).
    year : int, optional
        Year of the producers table (default: the latest with data).
    stage : str, optional
        Production stage (default: the commodity's headline stage).
    years : (int, int), optional
        First and last year of the time-series charts.
    scenario : str, optional
        Disruption scenario file to simulate (default: every file of :func:`scenario_files` for
        this commodity).
    runs, seed : int
        Monte Carlo runs [runs] and root seed of each scenario.
    """

    commodity: str
    warehouse: object
    region: str = US
    year: int | None = None
    stage: str | None = None
    years: tuple[int, int] | None = None
    scenario: str | None = None
    runs: int = SCENARIO_RUNS
    seed: int = SCENARIO_SEED
    errors: dict[str, str] = field(default_factory=dict)
    _cache: dict[str, object] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.info: Commodity = get_commodity(self.commodity)
        self.commodity = self.info.id
        self.region = (self.region or US).upper()

    # ------------------------------------------------------------------ fetching
    def fetch(self, key: str, fn: Callable[[], object]) -> object | None:
        """Call ``fn`` once and memoise its result under ``key``; on a data error keep the message
        in :attr:`errors` and return None."""
        if key in self._cache:
            return self._cache[key]
        with _LOCK:
            try:
                value = fn()
            except (CritminError, KeyError, ValueError) as exc:
                self.errors[key] = str(exc)
                value = None
        self._cache[key] = value
        return value

    @property
    def region_name(self) -> str:
        """Display name of the region."""
        return display_name(self.region)

    @property
    def supply(self):
        """:func:`critmin.supply.supply` for the commodity, year and stage."""
        from critmin.supply import supply

        return self.fetch("supply", lambda: supply(self.commodity, year=self.year,
                                                   stage=self.stage, warehouse=self.warehouse))

    @property
    def trend(self):
        """:func:`critmin.supply.trend` for the commodity and stage."""
        from critmin.supply import trend

        stage = self.stage or (self.supply.stage if self.supply is not None else None)
        return self.fetch("trend", lambda: trend(self.commodity, stage=stage,
                                                 warehouse=self.warehouse))

    @property
    def us_reliance(self) -> pd.DataFrame | None:
        """:func:`critmin.dependence.job.us_net_import_reliance`."""
        from critmin.dependence import us_net_import_reliance

        return self.fetch("us_reliance",
                          lambda: us_net_import_reliance(self.commodity, warehouse=self.warehouse))

    @property
    def region_consumption(self):
        """The region's apparent consumption and net import reliance from its own trade data
        (:func:`critmin.dependence.consumption.importer_consumption`); None for the United States (USGS
        publishes them, :attr:`us_reliance`) or when the region has no import data for the commodity
        (the reason is in :attr:`errors`)."""
        if self.region == US:
            return None
        from critmin.dependence.consumption import importer_consumption

        return self.fetch("region_consumption", lambda: importer_consumption(
            self.commodity, self.region, warehouse=self.warehouse))

    @property
    def monitor_series(self) -> list[MonitorSeries]:
        """The commodity's monthly export series the restriction monitor tests (:func:`monitor_series`)."""
        if "monitor_series" not in self._cache:
            self._cache["monitor_series"] = monitor_series(self.commodity, self.warehouse)
        return self._cache["monitor_series"]  # type: ignore[return-value]

    @property
    def us_sources(self) -> pd.DataFrame | None:
        """:func:`critmin.dependence.job.us_import_sources`."""
        from critmin.dependence import us_import_sources

        return self.fetch("us_sources",
                          lambda: us_import_sources(self.commodity, warehouse=self.warehouse))

    def analysis(self, analysis_id: str) -> object | None:
        """The result of a later analysis (see :data:`ANALYSES`) for this commodity, or None when it
        is not available or has nothing for this commodity (the reason is in :attr:`errors`)."""
        a = ANALYSES[analysis_id]
        if not a.available():
            return None
        fn = a.load()
        call = _CALLS.get(analysis_id, _default_call)
        key = f"analysis:{analysis_id}"
        if key in self._cache:
            return self._cache[key]
        with _LOCK:
            try:
                value = call(fn, self)
            except Exception as exc:  # a later analysis must not break the report
                self.errors[key] = f"{a.requires}: {type(exc).__name__}: {exc}"
                value = None
        self._cache[key] = value
        return value

    # ------------------------------------------------------------------ presentation helpers
    @property
    def colors(self) -> dict[str, str]:
        """One colour per country for all of this commodity's charts (largest producers first)."""
        if "colors" not in self._cache:
            order: list[str] = []
            tr = self.trend
            if tr is not None and tr.shares:
                latest = tr.shares[max(tr.shares)]
                order += sorted(latest, key=lambda c: -latest[c])
                for y in sorted(tr.shares, reverse=True):
                    order += sorted(tr.shares[y], key=lambda c, y=y: -tr.shares[y][c])
            sup = self.supply
            if sup is not None:
                order += list(sup.table["country"])
            src = self.us_sources
            if src is not None and len(src):
                order += list(src.sort_values("share", ascending=False)["partner"])
            self._cache["colors"] = country_colors(dict.fromkeys(order))
        return self._cache["colors"]  # type: ignore[return-value]


def scenario_files(commodity: str | None = None) -> list[Path]:
    """Disruption scenario files (``*.toml``): the folders in ``$CRITMIN_SCENARIOS`` (separated by
    ``os.pathsep``), then ``examples/scenarios`` of the working directory, then the package's own;
    only those of ``commodity`` when given (read with :func:`critmin.market.load_scenario`)."""
    from critmin.market.scenario_folders import scenario_files as all_scenario_files

    files = all_scenario_files()
    if commodity is None:
        return files
    com = get_commodity(commodity).id
    out = []
    for f in files:
        try:
            st = f.stat()
            if _file_commodity(str(f), st.st_mtime_ns, st.st_size) == com:
                out.append(f)
        except Exception:  # noqa: BLE001 - an invalid file is reported when it is run
            continue
    return out


@functools.lru_cache(maxsize=256)
def _file_commodity(path: str, mtime_ns: int, size: int) -> str:
    """The catalogue id of a scenario file's commodity, read once per version of the file (its
    modification time and size are part of the key: an edited file is read again)."""
    from critmin.market import load_scenario

    return get_commodity(load_scenario(path).commodity).id


def _default_call(fn: Callable, ctx: Context) -> object:
    return fn(ctx.commodity, warehouse=ctx.warehouse)


def _dependence_call(fn: Callable, ctx: Context) -> object:
    # the trade data have their own latest year: not the production year of the supply tables
    return fn(ctx.commodity, ctx.region, warehouse=ctx.warehouse)


def _scenarios_call(fn: Callable, ctx: Context) -> object:
    files = [Path(ctx.scenario)] if ctx.scenario else scenario_files(ctx.commodity)
    if not files:
        return None
    return [fn(f, runs=ctx.runs, seed=ctx.seed, warehouse=ctx.warehouse) for f in files]


def _stockpile_call(fn: Callable, ctx: Context) -> object:
    """The stockpile plan of the commodity for the context's region (its planning scenario, the
    context's runs per stock tried and seed)."""
    return fn(ctx.commodity, region=ctx.region, warehouse=ctx.warehouse, runs=ctx.runs, seed=ctx.seed,
              build_months=STOCKPILE_BUILD_MONTHS)


def _diversify_call(fn: Callable, ctx: Context) -> object:
    """The region's supplier-mix frontier: the expected-shortfall objective on the commodity's scenario
    (the context's seed), or GeoPolRisk's term when the commodity has no scenario."""
    from critmin.diversify import DiversifyParams
    from critmin.errors import ScenarioError

    try:
        return fn(ctx.commodity, importer=ctx.region, params=DiversifyParams(seed=ctx.seed),
                  warehouse=ctx.warehouse)
    except ScenarioError:
        return fn(ctx.commodity, importer=ctx.region, objective="geopolrisk", warehouse=ctx.warehouse)


def _criticality_call(fn: Callable, ctx: Context) -> object:
    """Every method that applies to the region, for this commodity: ``{method: result}`` (a method
    that cannot serve it is recorded in ``ctx.errors``)."""
    out = {}
    methods = [("eu", ctx.region), ("usgs", US), ("geopolrisk", ctx.region)]
    for method, importer in methods:
        if method == "usgs" and ctx.region != US:
            continue
        try:
            out[method] = fn(ctx.commodity, method=method, importer=importer,
                             warehouse=ctx.warehouse)
        except Exception as exc:  # noqa: BLE001 - one method's gap must not hide the others
            ctx.errors[f"criticality:{method}"] = f"{type(exc).__name__}: {exc}"
    return out or None


def _monitor_call(fn: Callable, ctx: Context) -> object:
    """One :func:`critmin.monitor.monitor` result (latest month) per series of :attr:`Context.monitor_series`,
    each fetched once per warehouse (:func:`monitor_result`); a series the monitor cannot assess is
    recorded in ``ctx.errors`` and left out. An empty list when the warehouse holds no monthly exports of
    the commodity's lines."""
    out = []
    for s in ctx.monitor_series:
        try:
            out.append(monitor_result(ctx.warehouse, s.exporter, s.hs, fn=fn))
        except Exception as exc:  # noqa: BLE001 - one series' gap must not hide the others
            ctx.errors[f"monitor:{s.exporter}:{'+'.join(s.hs)}"] = f"{type(exc).__name__}: {exc}"
    return out


# How each later job is called; adapt here when a job's signature changes.
_CALLS: dict[str, Callable[[Callable, Context], object]] = {
    "dependence": _dependence_call,
    "monitor": _monitor_call,
    "scenarios": _scenarios_call,
    "stockpile": _stockpile_call,
    "criticality": _criticality_call,
    "diversify": _diversify_call,
}


# --------------------------------------------------------------------------- restriction monitor
#: Catalogue stages whose unmixed lines are summed into one series: the refined forms (metal and
#: compounds), as customs statistics report a commodity's exports (rare earths: HS 280530 + 284690).
#: Every other line (ores and concentrates, synthetic forms, magnets, any mixed line) is a series of
#: its own: summing it would add a different product, or dilute the signal further.
REFINED_STAGES = ("metal", "compound")


@dataclass(frozen=True)
class MonitorSeries:
    """One series the faces hand to :func:`critmin.monitor.monitor`: an exporter's lines tested together.

    Attributes
    ----------
    exporter : str
        ISO3 of the exporter (the ``trade`` reporter).
    hs : tuple of str
        The 6-digit lines tested together (summed by the monitor).
    stages : tuple of str
        Catalogue stage of each line (``metal``, ``compound``, ``magnet``, ...).
    mixed : bool
        True when a line also holds goods other than the commodity (its signals are diluted).
    """

    exporter: str
    hs: tuple[str, ...]
    stages: tuple[str, ...] = ()
    mixed: bool = False

    @property
    def label(self) -> str:
        """``HS 280530+284690``."""
        return "HS " + "+".join(self.hs)

    @property
    def slug(self) -> str:
        """File-name part: ``CHN_280530-284690``."""
        return f"{self.exporter}_{'-'.join(self.hs)}"


# Per warehouse (weakly held: a closed and collected warehouse takes its results with it).
_MONITOR_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_MONITOR_CACHE_SIZE = 256


def _cache_for(warehouse: object) -> OrderedDict:
    try:
        return _MONITOR_CACHE.setdefault(warehouse, OrderedDict())
    except TypeError:  # not weak-referenceable: no cache across calls
        return OrderedDict()


def _memo(warehouse: object, key: tuple, fn: Callable[[], object]) -> object:
    with _LOCK:
        cache = _cache_for(warehouse)
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
        value = fn()
        cache[key] = value
        while len(cache) > _MONITOR_CACHE_SIZE:
            cache.popitem(last=False)
        return value


def monitor_lines(warehouse: object) -> pd.DataFrame:
    """The 6-digit lines with monthly export rows in the warehouse, per exporter.

    Parameters
    ----------
    warehouse : critmin.warehouse.Warehouse
        Where the data live.

    Returns
    -------
    DataFrame
        Columns ``exporter``, ``hs_code``, ``first``, ``last`` (first and last month, ``YYYY-MM``),
        sorted by exporter and line.
    """
    def query() -> pd.DataFrame:
        df = warehouse.query(  # type: ignore[attr-defined]
            "SELECT reporter AS exporter, hs_code, strftime(min(period), '%Y-%m') AS first, "
            "strftime(max(period), '%Y-%m') AS last FROM trade WHERE flow = 'export' AND freq = 'M' "
            "GROUP BY ALL ORDER BY 1, 2")
        df["hs_code"] = df["hs_code"].astype(str)
        keep = df["hs_code"].str.fullmatch(r"\d{6}") & df["exporter"].notna()
        return df[keep].reset_index(drop=True)

    return _memo(warehouse, ("lines",), query).copy()  # type: ignore[union-attr]


def monitor_series(commodity: str, warehouse: object) -> list[MonitorSeries]:
    """The series of a commodity the faces monitor: its catalogue lines with monthly exports.

    Per exporter with monthly export rows of the commodity's 6-digit catalogue lines
    (:func:`critmin.hs.lines_for`): the unmixed lines of the refined stages (:data:`REFINED_STAGES`) are
    tested together, every other line on its own; series holding a default line of the catalogue come
    first.

    Parameters
    ----------
    commodity : str
        Catalogue id, name or USGS code.
    warehouse : critmin.warehouse.Warehouse
        Where the data live.

    Returns
    -------
    list of MonitorSeries
        Empty when the warehouse has no monthly exports of the commodity's lines.
    """
    from critmin.hs import lines_for

    cat = lines_for(commodity)
    cat = cat[cat["level"] == 6]
    have = monitor_lines(warehouse)
    out: list[tuple[bool, MonitorSeries]] = []
    for exporter, g in have.groupby("exporter", sort=True):
        rows = cat[cat["hs_code"].isin(set(g["hs_code"]))]
        if rows.empty:
            continue
        refined = rows[~rows["mixed"] & rows["stage"].isin(REFINED_STAGES)]
        groups = [refined] if len(refined) else []
        groups += [rows.loc[[i]] for i in rows.index if i not in refined.index]
        for grp in groups:
            s = MonitorSeries(str(exporter), tuple(grp["hs_code"]), tuple(grp["stage"]),
                              bool(grp["mixed"].any()))
            out.append((not bool(grp["default"].any()), s))
    return [s for _d, s in sorted(out, key=lambda x: x[0])]


def monitor_result(warehouse: object, exporter: str, hs: Iterable[str], *,
                   control: Iterable[str] | None = None, partners: Iterable[str] | None = None,
                   month: str | None = None, method: str = "evidence",
                   fn: Callable | None = None) -> object:
    """:func:`critmin.monitor.monitor` for one series, called once per warehouse and arguments.

    Parameters
    ----------
    warehouse : critmin.warehouse.Warehouse
        Where the data live.
    exporter : str
        ISO3 of the exporter.
    hs : iterable of str
        Lines tested together.
    control : iterable of str, optional
        Control lines (default: the monitor chooses them from the HS catalogue).
    partners : iterable of str, optional
        Partners (default: every partner row).
    month : str, optional
        ``YYYY-MM`` (default: the latest month with data).
    method : str
        Detector.
    fn : callable, optional
        The job function (default :func:`critmin.monitor.monitor`).

    Returns
    -------
    critmin.monitor.MonitorResult

    Raises
    ------
    critmin.errors.DataError
        As :func:`critmin.monitor.monitor` (not cached).
    """
    if fn is None:
        from critmin.monitor import monitor as fn
    hs = tuple(hs)
    ctl = tuple(control) if control is not None else None
    par = tuple(partners) if partners else None
    key = ("monitor", exporter.upper(), hs, ctl, par, month, method)
    return _memo(warehouse, key, lambda: fn(exporter, hs, control=ctl, partners=par, month=month,
                                            method=method, warehouse=warehouse))


def default_scan_since(warehouse: object) -> str | None:
    """First month of the report's export-signal scan: January of the year before the latest month
    with monthly exports (``2023-01`` for data to 2024-12); None without monthly exports."""
    lines = monitor_lines(warehouse)
    if lines.empty:
        return None
    return f"{int(str(lines['last'].max())[:4]) - 1}-01"


def scan_result(warehouse: object, since: str | None = None, *, method: str = "evidence",
                done: dict | None = None) -> object:
    """:func:`critmin.monitor.scan` of every monthly export line, once per warehouse and arguments.

    Parameters
    ----------
    warehouse : critmin.warehouse.Warehouse
        Where the data live.
    since : str, optional
        First month reported (``YYYY-MM``).
    method : str
        Detector.
    done : dict, optional
        Series scanned already with these arguments (:func:`scan_part`): the scan is the same, faster.

    Returns
    -------
    critmin.monitor.ScanResult
    """
    from critmin.monitor import scan

    return _memo(warehouse, ("scan", since, method),
                 lambda: scan(since, warehouse=warehouse, method=method, done=done))


def scan_part(commodity: str, warehouse: object, since: str | None, *, method: str = "evidence") -> dict:
    """The series of :func:`critmin.monitor.scan` on the commodity's 6-digit catalogue lines, scanned
    (:func:`critmin.monitor.job.scan_one`): what :func:`scan_result` takes as ``done``.

    A report's commodities are built in several processes; each scans the lines of its commodities,
    whose fits its monitor section has made already, so that no fit is made twice.

    Parameters
    ----------
    commodity : str
        Catalogue id.
    warehouse : critmin.warehouse.Warehouse
        Where the data live.
    since : str, optional
        First month reported (``YYYY-MM``), as the scan's.
    method : str
        Detector.

    Returns
    -------
    dict
        ``(exporter, line) -> (rows, warnings)``; empty when the monitor is not installed.
    """
    if not ANALYSES["monitor"].available():
        return {}
    from critmin.hs import lines_for
    from critmin.monitor.job import parse_month, scan_one, scan_series

    cat = lines_for(commodity)
    mine = set(cat.loc[cat["level"] == 6, "hs_code"].astype(str))
    start = parse_month(since, name="since") if since else None
    return {(exp, code): scan_one(warehouse, exp, code, start, method=method)  # type: ignore[arg-type]
            for exp, code in scan_series(warehouse) if code in mine}  # type: ignore[arg-type]
