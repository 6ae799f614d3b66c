"""How much memory a simulation needs, estimated before anything is allocated, against what the machine
has: a run count that cannot fit is refused with the estimate and the largest count that fits, instead of
ending in a ``MemoryError`` (or the machine swapping) minutes later.

What stays in memory for the whole simulation is the per-run table (one row per run, of
:func:`~critmin.market.engine.row_bytes` bytes: the column dtypes of
:func:`~critmin.market.engine.column_dtypes`, float32 for the per-region tonnes and months) and, with
``keep_paths``, every run's monthly paths (float64). What one chunk needs while it runs
(the work arrays of :func:`~critmin.market.model.simulate_market`) is bounded by the chunk size, not by the
number of runs: that is why chunks exist.
"""

from __future__ import annotations

import os

from critmin.errors import CritminError

__all__ = ["available_bytes", "simulation_bytes", "check_memory", "MemoryEstimateError", "HEADROOM"]

HEADROOM = 0.8
"""Share of the available memory a job may plan to use [1] (the rest is for Python, pandas, the OS)."""

_WORK_ARRAYS = 40
"""Work arrays of one chunk per (supplier + region) and run, counted generously from
:func:`~critmin.market.model.simulate_market` (prices, demand, supply, stocks, releases, sums) [1]."""


class MemoryEstimateError(CritminError):
    """A job would need more memory than the machine has."""


def available_bytes() -> int:
    """Memory available to a new allocation [bytes]: ``MemAvailable`` of ``/proc/meminfo`` (Linux),
    else the physical memory; capped by a cgroup limit when one is set."""
    avail = None
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    avail = int(line.split()[1]) * 1024
                    break
    except OSError:
        pass
    if avail is None:
        try:
            avail = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (ValueError, OSError, AttributeError):
            avail = 8 * 1024**3  # unknown platform: assume a small laptop
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            with open(path, encoding="ascii") as fh:
                text = fh.read().strip()
            if text.isdigit():
                avail = min(avail, int(text))
        except OSError:
            continue
    return int(avail)


def simulation_bytes(runs: int, *, columns_bytes_per_run: int, horizon: int, regions: int,
                     suppliers: int, chunk_size: int, keep_paths: bool = False) -> int:
    """Estimated peak memory of a simulation [bytes].

    Parameters
    ----------
    runs : int
        Number of runs [runs].
    columns_bytes_per_run : int
        Bytes of one row of the per-run table [bytes].
    horizon, regions, suppliers : int
        Months, consumer regions and other suppliers of the market.
    chunk_size : int
        Runs per chunk [runs].
    keep_paths : bool
        Every run's monthly paths are kept (``(3 + 6 regions) x horizon`` float64 per run: price, other
        supply, exports, and six per region).
    """
    table = runs * columns_bytes_per_run
    paths = runs * horizon * (3 + 6 * regions) * 8 if keep_paths else 0
    chunk = min(runs, chunk_size) * (suppliers + regions + 4) * _WORK_ARRAYS * 8
    return int(table + paths + chunk)


def check_memory(need: int, *, what: str, per_run: float, runs: int, available: int | None = None) -> None:
    """Refuse a job whose estimate exceeds :data:`HEADROOM` of the available memory.

    Parameters
    ----------
    need : int
        The estimate [bytes].
    what : str
        What is being sized, for the message (``"simulate with 1,000,000,000 runs"``).
    per_run : float
        Bytes per run, to say how many runs would fit [bytes].
    runs : int
        The runs asked for [runs].
    available : int, optional
        Memory available [bytes] (default :func:`available_bytes`).

    Raises
    ------
    MemoryEstimateError
        With the estimate, what is available, and the largest run count that fits.
    """
    avail = available_bytes() if available is None else available
    budget = HEADROOM * avail
    if need <= budget:
        return
    fits = int(max(0.0, budget - (need - per_run * runs)) // max(per_run, 1.0))
    raise MemoryEstimateError(
        f"{what} would need about {_gib(need)} of memory; this machine has {_gib(avail)} available "
        f"(critmin plans for at most {HEADROOM:.0%} of it). Use at most {fits:,} runs (the quantiles of "
        f"a few hundred thousand runs are already stable to a fraction of a percent), or run several "
        "seeds separately and compare them")


def _gib(n: float) -> str:
    return f"{n / 1024**3:,.1f} GiB" if n >= 1024**3 else f"{n / 1024**2:,.0f} MiB"
