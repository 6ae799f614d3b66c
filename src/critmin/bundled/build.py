"""Build the bundled dataset from the raw public files.

Run from a checkout with the raw data beside it::

    python -m critmin.bundled.build ../shared/data

It reads every raw file listed in :data:`RAW_FILES` with critmin's own readers, writes one Parquet file per
canonical table into ``src/critmin/bundled/`` and a ``manifest.json`` (every input file with its sha256,
source, edition and row counts; a content ``bundle_id``). The build is deterministic: rows are sorted by
provenance, so rebuilding from the same raw files gives equal tables (a test checks this).
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from critmin.schema import TABLES, conform
from critmin.sources.registry import read_source

__all__ = ["RAW_FILES", "raw_file_list", "build_tables", "write_bundle", "main"]

RAW_FILES: tuple[tuple[str, str], ...] = (
    ("usgs_mcs/mcs2022/world/*.csv", "usgs-mcs"),
    ("usgs_mcs/mcs2022/salient/*.csv", "usgs-mcs"),
    ("usgs_mcs/mcs2023/world/*.csv", "usgs-mcs"),
    ("usgs_mcs/mcs2023/salient/*.csv", "usgs-mcs"),
    ("usgs_mcs/mcs2023/salient/*.xlsx", "usgs-mcs"),
    ("usgs_mcs/mcs2024/world/*.csv", "usgs-mcs"),
    ("usgs_mcs/mcs2024/salient/*.csv", "usgs-mcs"),
    ("usgs_mcs/mcs2025/MCS2025_World_Data.csv", "usgs-mcs"),
    ("usgs_mcs/mcs2025/salient/*.csv", "usgs-mcs"),
    ("usgs_mcs/mcs2026/MCS2026_Commodities_Data.csv", "usgs-mcs"),
    ("usgs_rare_earths/ds140_rare_earths_historical_statistics_2020.xlsx", "usgs-ds140"),
    ("usgs_rare_earths/myb2022_rare_earths_advance_tables.xlsx", "usgs-myb"),
    ("wgi/wgidataset_2024update_1996-2023.xlsx", "wgi"),
    ("trade/china_exports_monthly_comtrade_derived/strategic_premium_hs6.csv",
     "comtrade-monthly-derived"),
    ("trade/china_exports_monthly_comtrade_derived/country_monthly_stats.csv",
     "comtrade-monthly-derived"),
    ("trade/china_exports_monthly_comtrade_derived/overview_monthly.csv",
     "comtrade-monthly-derived"),
    ("trade/china_exports_monthly_comtrade_derived/deep_dive_hs6_monthly.csv",
     "comtrade-monthly-derived"),
    ("trade/un_comtrade_china_imports_hs2846_annual/[12][0-9][0-9][0-9].json", "comtrade"),
    ("trade/un_comtrade_cmm_bilateral_annual_2020_2024/*_trade_data.csv", "comtrade"),
    ("trade/un_comtrade_bilateral_imports_2023/bilateral_edges_*.csv", "comtrade-bilateral"),
    ("trade/usitc_dataweb_us_trade_hts4_annual/*.xlsx", "usitc"),
    ("trade/oec_rare_earth_net_trade_annual/oec_hs2846_net_trade_by_country_1995-2022.csv", "oec"),
    ("eu_crm/eu_crm_*.csv", "eu-crm"),
    ("iea/iea_critical_minerals_data_explorer_*.json", "iea"),
    # history (issue 19): Minerals Yearbook world tables (no germanium: it has no world table),
    # World Mining Data 1984-2017, BGS World Mineral Statistics 1970-2021
    *((f"usgs_myb/myb1-201[67]-{code}.xls*", "usgs-myb-world")
      for code in ("antim", "cobal", "galli", "graph", "lithi", "raree", "tungs")),
    ("usgs_myb/myb1-2019-raree-adv.xlsx", "usgs-myb-world"),
    ("wmd/wmd_6.4._total_1984-2017.xlsx", "wmd"),
    ("bgs/df_ukgs.csv.gz", "bgs-wms"),
)
"""(glob relative to the raw data folder, source id), in build order."""

SORT = ["source", "edition", "file", "row"]


def raw_file_list(shared_data: Path) -> list[tuple[Path, str]]:
    """The raw files of :data:`RAW_FILES` present under ``shared_data`` (sorted within each glob)."""
    out = []
    for pattern, source in RAW_FILES:
        hits = sorted(shared_data.glob(pattern))
        if not hits:
            raise FileNotFoundError(f"no raw file matches {pattern} under {shared_data}")
        out.extend((p, source) for p in hits)
    return out


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build_tables(
    shared_data: str | Path, progress: Callable[[str], None] | None = None
) -> tuple[dict[str, pd.DataFrame], dict]:
    """Read every raw file and return the canonical tables and the manifest.

    Parameters
    ----------
    shared_data : str or Path
        The raw data folder (``../shared/data``).
    progress : callable, optional
        Called with a message per file.
    """
    root = Path(shared_data)
    parts: dict[str, list[pd.DataFrame]] = {t: [] for t in TABLES}
    files: dict[str, dict] = {}
    for path, source in raw_file_list(root):
        tables = read_source(path, source)
        rows = {}
        editions = set()
        for name, df in tables.items():
            df = conform(df, name, file=path.name)
            parts[name].append(df)
            rows[name] = len(df)
            editions.update(df["edition"].dropna().unique())
        files[path.name] = {
            "path": str(path.relative_to(root)),
            "source": source,
            "edition": ";".join(sorted(editions)),
            "sha256": _sha(path),
            "rows": rows,
        }
        if progress:
            progress(f"{path.relative_to(root)}: {sum(rows.values())} rows")
    out = {}
    for name, frames in parts.items():
        if not frames:
            continue
        df = pd.concat(frames, ignore_index=True)
        out[name] = conform(df.sort_values(SORT, kind="stable").reset_index(drop=True), name)
    digest = hashlib.sha256()
    for name in sorted(out):
        digest.update(name.encode())
        digest.update(pd.util.hash_pandas_object(out[name], index=False).values.tobytes())
    manifest = {
        "bundle_id": digest.hexdigest()[:16],
        "tables": sorted(out),
        "rows": {k: len(v) for k, v in sorted(out.items())},
        "files": files,
    }
    return out, manifest


def write_bundle(tables: dict[str, pd.DataFrame], manifest: dict, out_dir: str | Path) -> None:
    """Write the tables (Parquet, zstd) and manifest.json into ``out_dir``, each file atomically and
    the manifest (which names the bundle) last."""
    from critmin._atomic import atomic_path, write_text

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        with atomic_path(out / f"{name}.parquet") as tmp:
            df.to_parquet(tmp, index=False, compression="zstd")
    write_text(out / "manifest.json", json.dumps(manifest, indent=1, sort_keys=True) + "\n")


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m critmin.bundled.build [SHARED_DATA] [OUT_DIR]``."""
    args = list(sys.argv[1:] if argv is None else argv)
    here = Path(__file__).resolve().parent
    shared = Path(args[0]) if args else here.parents[3] / "shared" / "data"
    out_dir = Path(args[1]) if len(args) > 1 else here
    tables, manifest = build_tables(shared, progress=lambda m: print(m, file=sys.stderr))
    write_bundle(tables, manifest, out_dir)
    if "eu_crm" in tables and out_dir == here:
        # the default criticality parameters are derived from the EU inputs (see critmin.criticality)
        from critmin.criticality import build_parameters, default_parameters_path, write_parameters

        write_parameters(build_parameters(tables["eu_crm"]), default_parameters_path())
    print(json.dumps(manifest["rows"]), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
