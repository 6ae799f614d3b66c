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
        pytest.skip(f"raw data not found at {SHARED_DATA}")
    return SHARED_DATA
