"""Shared fixtures: where the raw public data lives (../shared/data beside the checkout)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED_DATA = Path(os.environ.get("CRITMIN_SHARED_DATA",
                                  Path(__file__).resolve().parents[1].parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The raw data folder (``../shared/data``); tests that need it skip when it is absent."""
    if not (SHARED_DATA / "SOURCES.md").exists():
        pytest.skip(f"raw data not found at {SHARED_DATA}: put the folder of raw public files there (the "
                    "sources are listed in docs/data.md) or set CRITMIN_SHARED_DATA to it")
    return SHARED_DATA


@pytest.fixture(scope="session")
def warehouse_path(tmp_path_factory) -> Path:
    """A warehouse built once per test session from the bundled dataset (tests only read it)."""
    from critmin.warehouse import Warehouse

    path = tmp_path_factory.mktemp("warehouse") / "critmin.duckdb"
    with Warehouse(path) as wh:
        wh.build_from_bundle()
    return path
