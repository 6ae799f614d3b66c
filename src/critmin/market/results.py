"""The result of a simulation: per-run summaries, quantile bands, assumptions; JSON and Parquet.

``to_dict()`` is the JSON contract of ``critmin simulate --json``::

    {"runs", "seed", "commodity",
     "price_peak_multiple": {"p05", "p50", "p95"},
     "regions": [{"region", "shortfall_t": {"p05", "p50", "p95"}, "stock_end_t": {...}, ...}, ...],
     "assumptions": [...], ...}

Scenarios with ``[[capacity]]`` entries add ``"capacity"`` (the projects, their drawn delays and
cancellations, the added supply used and idle); with ``[[purchase]]`` entries ``"purchases"`` (what
each buyer bought and paid, and, against the same runs without the purchases, the price impact and
the shortfall each region suffers because of them). Scenarios without them give exactly the fields
above.

Fields may be added; none is renamed. Every number in it traces to a warehouse row or to a named
assumption listed in ``assumptions`` (each with its kind: data, estimate, residual, override,
assumption, default).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from critmin._json import jsonable
from critmin._result import Result
from critmin.market.model import FTOL_REL, REGION_METRICS, MarketInputs
from critmin.market.spec import ScenarioSpec, describe_param

__all__ = ["SimulationResult", "build_assumptions", "purchase_impact", "QUANTILES", "OUTPUT_FORMATS",
           "output_format", "quantile_summary", "quantile_summaries"]

QUANTILES = {"p05": 0.05, "p50": 0.50, "p95": 0.95}


_QS = np.array(list(QUANTILES.values()))


def quantile_summary(values: np.ndarray) -> dict[str, float]:
    """p05, p50, p95 (:data:`QUANTILES`, linear interpolation) and mean of ``values``."""
    return quantile_summaries([values])[0]


#: Values per :func:`quantile_summaries` NumPy call [float64 values]: the call copies its columns twice
#: (to float64, then to partition), so a batch costs at most ~16 MiB; at 1M runs the columns go one by
#: one (six at once held 96 MiB more at the peak of a 1M-run simulation's summary).
QUANTILE_BATCH = 1 << 20


def quantile_summaries(columns: list[np.ndarray]) -> list[dict[str, float]]:
    """:func:`quantile_summary` of each of ``columns`` (equal lengths), from as few NumPy calls as
    :data:`QUANTILE_BATCH` allows (one for up to 1M values in all): the same values as one call per
    column (each row is partitioned on its own), a tenth of the overhead on small columns."""
    shapes = {np.shape(c) for c in columns}
    (shape,) = shapes if len(shapes) == 1 else ((),)
    if len(shape) != 1 or shape[0] == 0:
        raise ValueError(f"quantiles need columns of equal, non-zero length, not shapes {sorted(shapes)}")
    per = max(1, QUANTILE_BATCH // shape[0])
    out = []
    for i in range(0, len(columns), per):
        m = np.asarray(columns[i:i + per], float)
        qs = np.quantile(m, _QS, axis=1).T.tolist()
        out += [{**dict(zip(QUANTILES, q, strict=True)), "mean": float(row.mean())}
                for q, row in zip(qs, m, strict=True)]
    return out


_q = quantile_summary


@dataclass(repr=False)
class SimulationResult(Result):
    """Per-run summaries and merged monthly statistics of one Monte Carlo simulation.

    The main table is ``scenarios`` (one row per run); ``to_frame()`` adds scenario, commodity and
    seed as columns. ``region_summaries()``, ``price_band()`` and ``mean_paths()`` give the rest.

    Attributes
    ----------
    columns : dict of str to ndarray
        Per-run columns: ``run``, the draws (``occurs``, ``start_month``, ``duration_months``, ``cut``,
        ``leakage``, elasticities, ``substitution_months``), ``peak_price_multiple`` [1],
        ``mean_price_multiple`` [1], ``months_at_choke`` [months], ``cost_usd_total`` [USD], and per
        region ``shortfall_t[R]`` [t], ``shortfall_months[R]`` [months], ``unmet_t[R]`` [t],
        ``stock_end_t[R]`` [t], ``released_t[R]`` [t], ``refilled_t[R]`` [t], ``cost_usd[R]`` [USD].
        The draws, months and per-region tonnes are float32 unless ``simulate(compact=False)``
        (:func:`~critmin.market.engine.column_dtypes`); convert before summing many of them.
    price_hist : ndarray
        (H, B + 2) counts of ``ln(P/P0)`` per month (see :class:`~critmin.market.model.MarketOutput`).
    sums : dict of str to ndarray
        Sums over runs per month (price multiple; consumption, shortfall, stock per region [t]).
    paths : dict or None
        Every run's monthly paths when requested.
    engine : str
        The engine that ran, and why (``"numba (auto: about 14 s on numpy)"``).
    """

    spec: ScenarioSpec
    baseline: object
    inputs: MarketInputs
    runs: int
    seed: int
    runner: str
    chunk_size: int
    elapsed_s: float
    columns: dict[str, np.ndarray]
    price_hist: np.ndarray | None
    sums: dict[str, np.ndarray]
    paths: dict[str, np.ndarray] | None = None
    assumptions: list[dict] = field(default_factory=list)
    extra_notes: list[str] = field(default_factory=list)
    purchase_impact: dict | None = None
    engine: str = "numpy"

    _key_fields = ("scenario", "commodity", "seed")
    _repr_fields = ("runs", "runner", "elapsed_s")
    _main = "scenarios"

    @property
    def scenario(self) -> str:
        """The scenario's name."""
        return self.spec.name

    @property
    def commodity(self) -> str:
        """The commodity simulated (catalogue id)."""
        return self.baseline.commodity

    def units(self) -> dict[str, str]:
        """Units of the per-run columns whose name does not state it."""
        out = {"peak_price_multiple": "1 (P/P0)", "mean_price_multiple": "1 (P/P0)",
               "months_at_choke": "months", "start_month": "month", "duration_months": "months"}
        for c in self.columns:
            base = c.split("[")[0]
            unit = {"shortfall_t": "t", "unmet_t": "t", "stock_end_t": "t", "released_t": "t",
                    "refilled_t": "t", "cost_usd": "USD", "shortfall_months": "months"}.get(base)
            if unit:
                out[c] = unit
        return out

    def sources_used(self) -> list[dict[str, str]]:
        """The baseline's production edition and its source (``wmd``, ``usgs-mcs``...)."""
        ed = getattr(self.baseline, "edition", "") or ""
        src = getattr(self.baseline, "source", "") or ("usgs-mcs" if str(ed).startswith("MCS") else "")
        return [{"source": str(src), "edition": str(ed)}]

    def headline(self) -> str:
        """One line: the scenario, the market it runs on (year and edition) and the median peak price."""
        q = self.quantiles("peak_price_multiple")
        b = self.baseline
        year = getattr(b, "start_year", None) or b.year
        return (f"{self.spec.name}: {self.runs:,} runs (seed {self.seed}) on the market of {year} "
                f"({b.edition}); peak price p50 {q['p50']:.2f} x P0, p95 {q['p95']:.2f} x P0")

    # ------------------------------------------------------------------ tables
    @property
    def regions(self) -> tuple[str, ...]:
        return self.inputs.regions

    @property
    def scenarios(self) -> pd.DataFrame:
        """One row per run (a new DataFrame each call)."""
        return pd.DataFrame(self.columns)

    def quantiles(self, column: str) -> dict[str, float]:
        """p05, p50, p95 and mean of a per-run column."""
        return _q(self.columns[column])

    def price_band(self) -> pd.DataFrame:
        """Per month: quantiles of ``P/P0`` (from the merged histograms; exact at P0 and at the choke,
        otherwise within half a bin, ln(P_max/P0)/4000) and the mean."""
        H = self.inputs.horizon
        xmax = math.log(self.inputs.choke_multiple)
        rows = []
        for t in range(H):
            row = {"month": t}
            for k, p in QUANTILES.items():
                row[k] = _hist_quantile(self.price_hist[t], p, xmax) if self.price_hist is not None \
                    else float("nan")
            row["mean"] = float(self.sums["price_multiple"][t] / self.runs)
            rows.append(row)
        return pd.DataFrame(rows)

    def mean_paths(self) -> pd.DataFrame:
        """Per month and region: mean consumption, shortfall and end-of-month stock [t]."""
        rows = []
        for t in range(self.inputs.horizon):
            for j, r in enumerate(self.regions):
                rows.append({"month": t, "region": r,
                             "consumption_t": self.sums["consumption_t"][t, j] / self.runs,
                             "shortfall_t": self.sums["shortfall_t"][t, j] / self.runs,
                             "stock_t": self.sums["stock_t"][t, j] / self.runs})
        return pd.DataFrame(rows)

    def region_summaries(self) -> list[dict]:
        """Per region: baseline, stock and the quantiles of each per-run metric."""
        out = []
        b = self.baseline
        for j, r in enumerate(self.regions):
            reg = b.region(r)
            item = {"region": r, "name": reg.name, "estimate": reg.is_estimate,
                    "demand_kind": reg.kind, "demand_source": reg.source,
                    "baseline_demand_t_per_year": reg.demand_t_per_year,
                    "stock_start_t": float(self.inputs.stock0[j])}
            summaries = quantile_summaries([self.columns[f"{m}[{r}]"] for m in REGION_METRICS])
            item.update(zip(REGION_METRICS, summaries, strict=True))
            out.append(item)
        return out

    # ------------------------------------------------------------------ outputs
    def to_dict(self) -> dict:
        """The JSON contract (see the module docstring); deterministic for a given seed."""
        occ = self.columns["occurs"]
        return {
            "runs": self.runs,
            "seed": self.seed,
            "commodity": self.baseline.commodity,
            "scenario": self.spec.name,
            "scenario_file": self.spec.path,
            "horizon_months": self.inputs.horizon,
            "exporter": self.baseline.exporter,
            "p0_usd_per_t": self.inputs.p0,
            "choke_multiple": self.inputs.choke_multiple,
            "disruption_share": float(np.mean(occ)) if len(occ) else 0.0,
            "price_peak_multiple": self.quantiles("peak_price_multiple"),
            "price_mean_multiple": self.quantiles("mean_price_multiple"),
            "months_at_choke": self.quantiles("months_at_choke"),
            "cost_usd_total": self.quantiles("cost_usd_total"),
            "regions": self.region_summaries(),
            "price_band": self.price_band().to_dict(orient="records"),
            "baseline": self.baseline.to_dict(),
            "assumptions": self.assumptions,
            "notes": list(self.baseline.notes) + list(self.extra_notes),
            "runner": self.runner,
            "engine": self.engine,
            "chunk_size": self.chunk_size,
            **({"capacity": self.capacity_summary()} if self.inputs.has_capacity else {}),
            **({"purchases": self.purchase_summary()} if self.inputs.buyers else {}),
        }

    def _file_metadata(self) -> dict:
        return {
            "runs": self.runs, "seed": self.seed, "commodity": self.baseline.commodity,
            "scenario": self.spec.model_dump(mode="json"), "baseline": self.baseline.to_dict(),
            "assumptions": self.assumptions,
            "units": {"shortfall_t": "t", "unmet_t": "t", "stock_end_t": "t", "released_t": "t",
                      "refilled_t": "t", "cost_usd": "USD", "shortfall_months": "months",
                      "months_at_choke": "months", "peak_price_multiple": "1 (P/P0)"},
        }

    def total_shortfall_t(self) -> np.ndarray:
        """Per run: the shortfall of all regions outside the exporter [t]."""
        return np.sum([np.asarray(self.columns[f"shortfall_t[{r}]"], float) for r in self.regions], axis=0)

    def capacity_summary(self) -> dict:
        """New capacity: per project its nameplate, planned start, drawn delays and cancellations;
        the added supply the market took and the capacity left idle [t over the horizon]."""
        inp = self.inputs
        kept = [c for c in self.spec.capacity if c.stage == self.baseline.stage]
        projects = []
        for i, name in enumerate(inp.capacity_names):
            c = kept[i]
            delay = self.columns[f"capacity_delay_years[{name}]"]
            canc = self.columns[f"capacity_cancelled[{name}]"]
            projects.append({
                "name": name, "country": c.country, "stage": c.stage,
                "t_per_year": float(inp.capacity_t[i] * 12.0), "t_per_year_given": c.t_per_year,
                "basis": c.basis, "first_year": c.first_year,
                "planned_start_month": float(inp.capacity_start[i]),
                "ramp_months": float(inp.capacity_ramp[i]),
                "delay_years": describe_param(c.delay_years), "delay_years_drawn": _q(delay),
                "cancel_probability": c.cancel_probability, "cancelled_share": float(np.mean(canc)),
                "note": c.note or ""})
        return {"projects": projects, "added_supply_t": self.quantiles("added_supply_t"),
                "idle_capacity_t": self.quantiles("idle_capacity_t"),
                "shortfall_t_all_regions": _q(self.total_shortfall_t())}

    def purchase_summary(self) -> dict:
        """Purchases: what each buyer bought and paid, at P0 and with the price it met; with the
        counterfactual (``purchase_impact``), the price impact and who is short because of it."""
        p0 = self.inputs.p0
        buyers = []
        for k, code in enumerate(self.inputs.buyers):
            got = self.columns[f"purchased_t[{code}]"]
            cost = self.columns[f"purchase_cost_usd[{code}]"]
            planned = float(self.inputs.purchase_t[:, k].sum())
            buyers.append({"region": code, "planned_t": planned,
                           "purchased_t": _q(got),
                           "purchase_cost_usd": _q(cost), "cost_at_p0_usd": _q(got * p0),
                           "impact_usd": _q(cost - got * p0),
                           "impact_share": _q(np.where(got > 0, cost / np.where(got > 0, got * p0, 1.0) - 1.0,
                                                       0.0))})
        events = [{"name": e.label, "region": e.region, "tonnes": e.tonnes, "start_month": e.start_month,
                   "months": e.months, "t_per_month": e.t_per_month, "note": e.note or ""}
                  for e in self.spec.purchase]
        out = {"events": events, "buyers": buyers}
        if self.purchase_impact is not None:
            out["impact"] = self.purchase_impact
        return out

    def to_parquet(self, path: str | Path) -> Path:
        """Write one row per run to Parquet (atomically); the scenario, baseline and assumptions go in
        the file's metadata (``critmin.simulation``, JSON).

        Parameters
        ----------
        path : str or Path
            Output file.
        """
        import pyarrow as pa
        import pyarrow.parquet as pq

        from critmin._atomic import atomic_path
        from critmin._json import dumps

        table = pa.table({k: pa.array(v) for k, v in self.columns.items()})
        md = dict(table.schema.metadata or {})
        md[b"critmin.simulation"] = dumps(self._file_metadata()).encode()
        with atomic_path(path) as tmp:
            pq.write_table(table.replace_schema_metadata(md), tmp)
        return Path(path)

    def to_csv(self, path: str | Path) -> Path:
        """Write one row per run to CSV (atomically); the scenario, baseline and assumptions go in a
        JSON file beside it (``<name>.meta.json``).

        Parameters
        ----------
        path : str or Path
            Output file.
        """
        from critmin._atomic import write_text
        from critmin._json import dumps

        p = Path(path)
        write_text(p, self.scenarios.to_csv(index=False, lineterminator="\n"))
        write_text(p.with_name(p.name + ".meta.json"), dumps(self._file_metadata(), indent=1) + "\n")
        return p

    def write(self, path: str | Path) -> Path:
        """Write one row per run in the format the suffix names (:func:`output_format`).

        Raises
        ------
        OutputError
            For another suffix, or when the file cannot be written.
        """
        fmt = output_format(path)
        return self.to_csv(path) if fmt == "csv" else self.to_parquet(path)


OUTPUT_FORMATS = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv"}
"""Suffix -> format of :meth:`SimulationResult.write`."""


def output_format(path: str | Path) -> str:
    """The format of a per-run output file from its suffix; checks the folder exists.

    Parameters
    ----------
    path : str or Path
        ``runs.parquet`` (or ``.pq``) or ``runs.csv``.

    Returns
    -------
    str
        ``"parquet"`` or ``"csv"``.

    Raises
    ------
    OutputError
        For any other suffix (naming the accepted ones), a missing folder or a folder given as file.
    """
    from critmin._atomic import OutputError, check_target

    p = Path(path)
    fmt = OUTPUT_FORMATS.get(p.suffix.lower())
    if fmt is None:
        raise OutputError(f"cannot write {p}: unknown suffix {p.suffix or '(none)'!r}; expected "
                          f"{', '.join(OUTPUT_FORMATS)} (Parquet or CSV)")
    check_target(p)
    return fmt

def purchase_impact(with_: SimulationResult, without: SimulationResult) -> dict:
    """The purchases' effect, run by run against the same draws without them (common random numbers).

    Returns
    -------
    dict
        ``peak_price_multiple`` and ``mean_price_multiple``: quantiles ``with``, ``without`` and of the
        paired ``difference``; ``mean_price_path``: the mean P/P0 per month with and without;
        ``regions``: per region the shortfall with, without and the paired difference (the shortfall
        the purchases cause) [t]; ``shortfall_t_all_regions``: the same summed over regions.
    """
    if with_.runs != without.runs or with_.seed != without.seed:
        raise ValueError("the counterfactual must use the same runs and seed")
    out: dict = {"method": "the same runs (seed, draws) without the [[purchase]] entries; differences "
                           "are paired run by run"}
    for k in ("peak_price_multiple", "mean_price_multiple"):
        a, b = with_.columns[k], without.columns[k]
        out[k] = {"with": _q(a), "without": _q(b), "difference": _q(a - b)}
    n = with_.runs
    out["mean_price_path"] = [{"month": t, "with": float(with_.sums["price_multiple"][t] / n),
                               "without": float(without.sums["price_multiple"][t] / n)}
                              for t in range(with_.inputs.horizon)]
    regions = []
    for r in with_.regions:
        a, b = with_.columns[f"shortfall_t[{r}]"], without.columns[f"shortfall_t[{r}]"]
        regions.append({"region": r, "shortfall_t_with": _q(a), "shortfall_t_without": _q(b),
                        "shortfall_t_caused": _q(a - b)})
    out["regions"] = regions
    a, b = with_.total_shortfall_t(), without.total_shortfall_t()
    out["shortfall_t_all_regions"] = {"with": _q(a), "without": _q(b), "caused": _q(a - b)}
    return out


def _json_default(o):
    return jsonable(o)


def _hist_quantile(counts: np.ndarray, p: float, xmax: float) -> float:
    """Quantile of P/P0 from a (B + 2)-bin histogram (bin 0 exactly P0, bin B + 1 the choke)."""
    total = counts.sum()
    if total == 0:
        return float("nan")
    B = counts.shape[0] - 2
    target = p * total
    cum = np.cumsum(counts)
    k = int(np.searchsorted(cum, target, side="left"))
    k = min(k, B + 1)
    if k == 0:
        return 1.0
    if k == B + 1:
        return math.exp(xmax)
    below = cum[k - 1]
    frac = (target - below) / counts[k] if counts[k] else 0.5
    w = xmax / B
    return math.exp((k - 1 + min(max(frac, 0.0), 1.0)) * w)


# --------------------------------------------------------------------------- assumptions
def _src(spec: ScenarioSpec, key: str, description: str, set_in_file: bool) -> tuple[str, str]:
    if key in spec.sources:
        return "assumption", spec.sources[key]
    if set_in_file:
        return "assumption", f"scenario file; {description}" if description else "scenario file"
    return "default", f"default; {description}" if description else "default"


def build_assumptions(spec: ScenarioSpec, baseline, inputs: MarketInputs) -> list[dict]:
    """Every figure a simulation rests on, with its kind and source (shown in every output).

    Kinds: ``data`` (a warehouse row), ``estimate`` (documented estimate where the data lack a
    figure), ``residual``, ``override``, ``assumption`` (a model parameter given in the scenario file)
    and ``default`` (a model parameter left at its documented default).
    """
    out = list(baseline.assumptions())
    m = spec.market
    mset = m.model_fields_set
    units = {"demand_elasticity_short": "1", "demand_elasticity_long": "1", "substitution_months": "months",
             "supply_elasticity": "1", "spare_capacity": "1 (share of Q_i0)",
             "spare_capacity_immediate": "1 (share of Q_i0)", "ramp_lag_months": "months",
             "ramp_months": "months", "choke_multiple": "1 (P_max/P0)",
             "spare_capacity_from_data": "", "shortfall_month_threshold": "1 (share of monthly demand)",
             "shortage_cost_usd_per_t": "USD/t", "shortage_cost_multiple": "1 (x P0)"}
    for name, unit in units.items():
        val = getattr(m, name)
        if val is None or (name == "spare_capacity" and m.spare_capacity_from_data):
            continue
        desc = type(m).model_fields[name].description or ""
        kind, src = _src(spec, f"market.{name}", desc, name in mset)
        out.append({"name": f"market.{name}", "value": _v(val), "unit": unit, "kind": kind, "source": src})
    if m.spare_capacity_from_data:
        out.append({"name": "market.spare_capacity (from data)",
                    "value": float(inputs.spare_max.max(initial=0)),
                    "unit": "1 (share of Q_i0)", "kind": "data",
                    "source": f"other suppliers' capacity {baseline.other_capacity_t_per_year():,.6g} t/yr "
                              f"(idle plants included) / their output - 1; {baseline.capacity_source}"})
    if m.shortage_cost_usd_per_t is None and m.shortage_cost_multiple is None:
        out.append({"name": "market.shortage_cost_usd_per_t", "value": inputs.shortage_cost,
                    "unit": "USD/t", "kind": "default",
                    "source": "default: choke_multiple x P0, the lowest value consistent with rationing "
                              "at the choke price"})
    for c, sm in m.suppliers.items():
        for k, v in sm.model_dump().items():
            if v is not None:
                kind, src = _src(spec, f"market.suppliers.{c}.{k}", "", True)
                out.append({"name": f"market.suppliers.{c}.{k}", "value": v, "unit": units.get(k, ""),
                            "kind": kind, "source": src})
    for r, sp in spec.stockpiles.items():
        j = inputs.regions.index(r)
        kind, src = _src(spec, f"stockpiles.{r}", sp.note or "", True)
        how = (f"{sp.tonnes:g} t" if sp.tonnes is not None else f"{sp.days_of_cover:g} days of cover")
        trig = sp.trigger + (f" at {sp.trigger_level:g}" if sp.trigger_level is not None else "")
        refill = (f"; refill {inputs.refill_cap[j]:,.6g} t/month while P <= {sp.refill_below_multiple:g} x P0"
                  if inputs.refill_cap[j] > 0 else "; no refill")
        out.append({"name": f"stockpiles.{r}", "value": float(inputs.stock0[j]), "unit": "t",
                    "kind": kind, "source": f"{how}; release <= {inputs.release_cap[j]:,.6g} t/month "
                    f"when trigger {trig}{refill}; {src}"})
    d = spec.disruption
    dset = d.model_fields_set
    for name, unit in (("probability", "1"), ("targets", ""), ("start_month", "months"),
                       ("duration_months", "months"), ("cut", "1 (share of exports to targets)"),
                       ("leakage", "1 (share of the cut)")):
        desc = type(d).model_fields[name].description or ""
        kind, src = _src(spec, f"disruption.{name}", desc, name in dset)
        out.append({"name": f"disruption.{name}", "value": _v(getattr(d, name)), "unit": unit,
                    "kind": kind, "source": src})
    out.append({"name": "disruption.target_exports", "value": inputs.target_exports_t * 12.0,
                "unit": "t/yr", "kind": "estimate",
                "source": "exporter's baseline exports to the targeted regions (see baseline regions)"})
    out += _addition_assumptions(spec, baseline, inputs)
    out.append({"name": "model.clearing_tolerance", "value": FTOL_REL, "unit": "1 (of demand)",
                "kind": "default",
                "source": "excess demand at the solved price, relative to baseline demand"})
    return out


def _addition_assumptions(spec: ScenarioSpec, baseline, inputs: MarketInputs) -> list[dict]:
    """Assumption records of [[capacity]] and [[purchase]] entries (none without them)."""
    out = []
    names = iter(inputs.capacity_names)
    for i, c in enumerate(spec.capacity):
        inside = c.stage == baseline.stage
        name = next(names) if inside else c.label
        kind, src = _src(spec, f"capacity.{i}", c.note or "", True)
        when = (f"first year {c.first_year}" if c.first_year is not None
                else f"start month {c.start_month:g}")
        conv = (f" ({c.t_per_year:,.6g} t/yr on IEA's basis x {baseline.iea_factor:.4g})"
                if c.basis == "iea" and baseline.iea_factor is not None else "")
        val = c.t_per_year * (baseline.iea_factor if c.basis == "iea" and baseline.iea_factor else 1.0)
        out.append({"name": f"capacity.{name}", "value": float(val), "unit": "t/yr",
                    "kind": kind,
                    "source": (f"{c.country} {c.stage}{conv}; {when}, ramp {c.ramp_months:g} months, delay "
                               f"{describe_param(c.delay_years)} years, cancellation probability "
                               f"{c.cancel_probability:g}" + ("" if inside else
                                                              f"; not in this {baseline.stage} market")
                               + f"; {src}")})
    if spec.capacity:
        out.append({"name": "capacity.model", "value": "inelastic added supply", "unit": "",
                    "kind": "assumption",
                    "source": "new capacity produces C x ramp(t - start) whatever the price (linear ramp, "
                              "start = planned start + 12 x drawn delay years, nothing if cancelled); buyers "
                              "switch to it from the exporter, whose exports (and the cut's base) shrink by "
                              "as much; beyond the exporter's exports it sells at P0 only what the market "
                              "needs (the price never falls below P0; the rest is idle capacity)"})
    for i, p in enumerate(spec.purchase):
        kind, src = _src(spec, f"purchase.{i}", p.note or "", True)
        share = ""
        if p.region == baseline.exporter:
            ex = baseline.exporter_exports_t_per_year / baseline.exporter_production_t_per_year
            share = (f"; the exporter's reserve: its export share {ex:.3g} of it ({ex * p.tonnes:,.6g} t) "
                     "comes off the market outside it, the rest off its home market")
        out.append({"name": f"purchase.{p.label}", "value": p.tonnes, "unit": "t", "kind": kind,
                    "source": f"{p.region} buys {p.tonnes:,.6g} t over {p.months:g} months from month "
                              f"{p.start_month:g} ({p.t_per_month:,.6g} t/month){share}; {src}"})
    if spec.purchase:
        out.append({"name": "purchase.model", "value": "inelastic added demand", "unit": "",
                    "kind": "assumption",
                    "source": "a purchase is extra demand bought before other buyers whatever the price "
                              "(also at the choke, where the others share the rest pro rata); it goes into a "
                              "state stock not released within the horizon"})
    return out


def _v(val):
    if isinstance(val, (int, float, str)):
        return val
    if isinstance(val, list):
        return val
    return describe_param(val)
