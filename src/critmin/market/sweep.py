"""Sweeps: one scenario simulated for a range of one parameter, with common random numbers.

``critmin simulate SCENARIO --sweep capacity.USA=0:60000:7`` adds new capacity in the USA, in place
from month 0 (no ramp, no delay, never cancelled), of 0, 10,000, ..., 60,000 t/yr on the scenario's
basis, to the market the scenario clears (its stage), and simulates the scenario once per value with
the same seed. The draws depend only on the seed and the run's index (:mod:`critmin.market.engine`),
and the added capacity is the last project (its random stream never shifts the others'), so every
value meets the same disruptions and market behaviour: differences between values are the capacity's
effect, not noise. The answer to "how much non-exporter capacity halves the shortfall of this cut"
is the value at which the median shortfall (all regions outside the exporter, over the horizon)
falls to half its value without added capacity, interpolated linearly between the swept values.

:func:`parse_sweep` and :func:`sweep_scenario` are pure; :func:`run_sweep` simulates.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from critmin.errors import ScenarioError
from critmin.market.results import quantile_summary as _q
from critmin.market.spec import ScenarioSpec, load_scenario

__all__ = ["SweepSpec", "SweepResult", "parse_sweep", "sweep_scenario", "run_sweep", "halving_value",
           "SWEEP_NAME"]

SWEEP_NAME = "sweep"
"""Name of the capacity entry a sweep adds (its columns read ``capacity_delay_years[sweep ...]``)."""

_KINDS = ("capacity",)
_RANGE = re.compile(r"^\s*([^:]+):([^:]+):([^:]+)\s*$")


@dataclass(frozen=True)
class SweepSpec:
    """A parsed ``--sweep`` option.

    Attributes
    ----------
    parameter : str
        As given, e.g. ``capacity.USA``.
    kind : str
        ``capacity``.
    target : str
        ISO3 of the country where capacity is added.
    values : tuple of float
        The values swept [t/yr on the scenario's basis], ascending.
    """

    parameter: str
    kind: str
    target: str
    values: tuple[float, ...]


def parse_sweep(text: str) -> SweepSpec:
    """Parse ``KIND.TARGET=START:STOP:N`` (N evenly spaced values) or ``KIND.TARGET=V1,V2,...``.

    Parameters
    ----------
    text : str
        E.g. ``capacity.USA=0:60000:7`` (0, 10,000, ..., 60,000 t/yr added for the USA).

    Returns
    -------
    SweepSpec

    Raises
    ------
    ScenarioError
        For another form, an unknown kind, a country that is not ISO3, or values that are not finite
        numbers >= 0 (N an integer >= 2).
    """
    form = "expected KIND.COUNTRY=START:STOP:N or KIND.COUNTRY=V1,V2,..., e.g. capacity.USA=0:60000:7"
    if "=" not in text:
        raise ScenarioError(f"--sweep {text!r}: {form}")
    key, rhs = (p.strip() for p in text.split("=", 1))
    if "." not in key:
        raise ScenarioError(f"--sweep {text!r}: {form}")
    kind, target = (p.strip() for p in key.split(".", 1))
    if kind not in _KINDS:
        raise ScenarioError(f"--sweep {text!r}: unknown parameter {kind!r}; sweepable: "
                            f"{', '.join(k + '.COUNTRY' for k in _KINDS)}")
    target = target.upper()
    if len(target) != 3 or not target.isalpha():
        raise ScenarioError(f"--sweep {text!r}: {target!r} is not a three-letter ISO3 country code")
    m = _RANGE.match(rhs)
    if m and (not m.group(3).strip().isdigit() or int(m.group(3)) < 2):
        raise ScenarioError(f"--sweep {text!r}: N must be an integer >= 2 (got {m.group(3).strip()!r})")
    try:
        if m:
            vals = np.linspace(float(m.group(1)), float(m.group(2)), int(m.group(3)))
        else:
            vals = np.asarray([float(v) for v in rhs.split(",") if v.strip()], float)
    except ValueError:
        raise ScenarioError(f"--sweep {text!r}: values must be numbers; {form}") from None
    if vals.size < 2 or not np.isfinite(vals).all() or (vals < 0).any():
        raise ScenarioError(f"--sweep {text!r}: need at least two finite values >= 0 (t/yr)")
    vals = np.unique(vals)
    return SweepSpec(parameter=f"{kind}.{target}", kind=kind, target=target,
                     values=tuple(float(v) for v in vals))


def sweep_scenario(spec: ScenarioSpec, sweep: SweepSpec, value: float, stage: str) -> ScenarioSpec:
    """The scenario with one sweep value: a capacity entry of ``value`` [t/yr] in ``sweep.target``,
    at the market's ``stage``, in place from month 0, appended after the scenario's own entries."""
    entry = {"name": f"{SWEEP_NAME} {sweep.target}", "country": sweep.target, "stage": stage,
             "t_per_year": float(value), "start_month": 0.0, "ramp_months": 0.0, "delay_years": 0.0,
             "cancel_probability": 0.0,
             "note": f"--sweep {sweep.parameter}: capacity in place from month 0 (no ramp, delay or "
                     "cancellation)"}
    caps = [c.model_dump() for c in spec.capacity] + [entry]
    return spec.with_overrides(capacity=caps)


def halving_value(values, shortfall_p50) -> float | None:
    """The smallest value at which ``shortfall_p50`` falls to half its first value, interpolated
    linearly between the swept values (None when it never does, or the first value is 0).

    Parameters
    ----------
    values : array
        Swept values, ascending [t/yr].
    shortfall_p50 : array
        Median shortfall at each value [t].
    """
    v = np.asarray(values, float)
    s = np.asarray(shortfall_p50, float)
    if v.size < 2 or not s[0] > 0:
        return None
    half = 0.5 * s[0]
    for i in range(1, v.size):
        if s[i] <= half:
            if s[i - 1] == s[i]:
                return float(v[i])
            return float(v[i - 1] + (v[i] - v[i - 1]) * (s[i - 1] - half) / (s[i - 1] - s[i]))
    return None


@dataclass
class SweepResult:
    """Shortfall and price per sweep value (see :meth:`to_dict` for the JSON shape)."""

    spec: ScenarioSpec
    sweep: SweepSpec
    stage: str
    basis: str
    runs: int
    seed: int
    runner: str
    elapsed_s: float
    points: list[dict]
    assumptions: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def halving_t_per_year(self) -> float | None:
        """Added capacity at which the median shortfall halves [t/yr] (None if not within the sweep)."""
        return halving_value([p["value"] for p in self.points],
                             [p["shortfall_t"]["p50"] for p in self.points])

    def table(self) -> pd.DataFrame:
        """One row per value: shortfall of all regions and peak price (p05, p50, p95, mean)."""
        rows = []
        for p in self.points:
            row = {"value_t_per_year": p["value"]}
            for k in ("shortfall_t", "peak_price_multiple", "mean_price_multiple"):
                for q, v in p[k].items():
                    row[f"{k}_{q}"] = v
            row["added_supply_t_mean"] = p["added_supply_t"]["mean"]
            row["idle_capacity_t_mean"] = p["idle_capacity_t"]["mean"]
            rows.append(row)
        return pd.DataFrame(rows)

    def to_dict(self) -> dict:
        """The JSON of ``critmin simulate --sweep --json``::

            {"scenario", "scenario_file", "commodity", "parameter", "country", "stage", "unit", "basis",
             "runs", "seed", "runner", "elapsed_s",
             "points": [{"value", "shortfall_t": {"p05", "p50", "p95", "mean"}, "regions": {R: {...}},
                         "peak_price_multiple": {...}, "mean_price_multiple": {...},
                         "months_at_choke": {...}, "added_supply_t": {...}, "idle_capacity_t": {...}}],
             "halving": {"shortfall_t_p50_at_first", "target_t", "value_t_per_year"},
             "assumptions": [...], "notes": [...]}

        ``shortfall_t``: shortfall of all regions outside the exporter over the horizon [t];
        ``value``: capacity added [t/yr on the scenario's basis]. Fields may be added, none renamed.
        """
        first = self.points[0]["shortfall_t"]["p50"] if self.points else math.nan
        return {
            "scenario": self.spec.name, "scenario_file": self.spec.path, "commodity": self.spec.commodity,
            "parameter": self.sweep.parameter, "country": self.sweep.target, "stage": self.stage,
            "unit": "t/yr", "basis": self.basis, "runs": self.runs, "seed": self.seed, "runner": self.runner,
            "elapsed_s": self.elapsed_s, "points": self.points,
            "halving": {"shortfall_t_p50_at_first": first, "target_t": 0.5 * first,
                        "value_t_per_year": self.halving_t_per_year,
                        "method": "smallest swept value whose median shortfall is at most half that of the "
                                  "first value, interpolated linearly between swept values"},
            "assumptions": self.assumptions, "notes": self.notes,
        }


def run_sweep(
    spec: ScenarioSpec | str | Path,
    sweep: SweepSpec | str,
    *,
    runs: int = 10_000,
    seed: int | None = None,
    baseline=None,
    warehouse=None,
    runner=None,
    chunk_size: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SweepResult:
    """Simulate a scenario once per sweep value, with the same seed (common random numbers).

    Parameters
    ----------
    spec : ScenarioSpec, str or Path
        The scenario.
    sweep : SweepSpec or str
        What to sweep (:func:`parse_sweep`).
    runs : int
        Runs per value [runs].
    seed : int, optional
        Root seed, the same for every value (default: fresh, recorded).
    baseline : Baseline, optional
        Default: built from ``warehouse`` (once).
    warehouse : Warehouse, optional
    runner : runner, optional
        Where chunks run; the same runner serves every value (a Dask runner keeps its cluster).
    chunk_size : int, optional
        Runs per chunk (default: the engine's).
    progress : callable, optional
        ``progress(done_runs, total_runs)`` over all values.

    Returns
    -------
    SweepResult
    """
    from critmin.market.engine import DEFAULT_CHUNK, simulate
    from critmin.market.runners import InProcessRunner

    if not isinstance(spec, ScenarioSpec):
        spec = load_scenario(spec)
    if isinstance(sweep, str):
        sweep = parse_sweep(sweep)
    if baseline is None:
        if warehouse is None:
            raise ValueError("give a baseline or a warehouse to build it from")
        from critmin.market.baseline import build_baseline

        baseline = build_baseline(spec, warehouse)
    if sweep.target == baseline.exporter:
        raise ScenarioError(f"--sweep {sweep.parameter}: {sweep.target} is the restricting exporter; sweep "
                            "capacity outside it")
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % (2**63))
    runner = runner or InProcessRunner()
    total = runs * len(sweep.values)
    points = []
    first = None
    t0 = time.perf_counter()
    for i, v in enumerate(sweep.values):
        s_v = sweep_scenario(spec, sweep, v, baseline.stage)
        res = simulate(s_v, runs=runs, seed=seed, baseline=baseline, runner=runner,
                       chunk_size=chunk_size or DEFAULT_CHUNK, purchase_counterfactual=False,
                       progress=None if progress is None else
                       (lambda d, _t, _i=i: progress(_i * runs + d, total)))
        if first is None:
            first = res
        c = res.columns
        points.append({
            "value": float(v), "shortfall_t": _q(res.total_shortfall_t()),
            "regions": {r: _q(c[f"shortfall_t[{r}]"]) for r in res.regions},
            "peak_price_multiple": _q(c["peak_price_multiple"]),
            "mean_price_multiple": _q(c["mean_price_multiple"]),
            "months_at_choke": _q(c["months_at_choke"]),
            "added_supply_t": _q(c["added_supply_t"]), "idle_capacity_t": _q(c["idle_capacity_t"]),
        })
    elapsed = time.perf_counter() - t0
    assumptions = [a for a in first.assumptions if not a["name"].startswith(f"capacity.{SWEEP_NAME} ")]
    assumptions.append({"name": f"sweep.{sweep.parameter}",
                        "value": ", ".join(f"{v:g}" for v in sweep.values), "unit": "t/yr", "kind": "setting",
                        "source": f"capacity added in {sweep.target} at the {baseline.stage} stage, in place "
                                  "from month 0 (no ramp, delay or cancellation), on the scenario's basis "
                                  f"({baseline.basis}); the same seed for every value"})
    notes = list(dict.fromkeys([*first.baseline.notes, *first.extra_notes]))
    return SweepResult(spec=spec, sweep=sweep, stage=baseline.stage, basis=baseline.basis, runs=runs,
                       seed=int(seed), runner=getattr(runner, "name", type(runner).__name__),
                       elapsed_s=elapsed, points=points, assumptions=assumptions, notes=notes)
