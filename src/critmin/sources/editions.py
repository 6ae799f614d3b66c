"""Editions of the sources and their publication dates: when two editions give the same value
(an estimate, then the final figure), the one published later wins in the warehouse's ``*_latest`` views.

Dates are those of the data releases as shipped in ``../shared/data`` (see SOURCES.md and each release's
metadata): MCS 2024 is the v2.0 release of 2024-03-06 with the t -> kt unit fixes; MCS 2026 was first
posted 2026-02-06 (the CSV predates the v1.3 PDF correction of Brazil's REE reserves).
"""

from __future__ import annotations

import re

__all__ = ["EDITION_DATES", "edition_date", "mcs_edition"]

EDITION_DATES: dict[str, str] = {
    "DS140-2020": "2023-09-27",  # USGS Data Series 140, rare earths (workbook last modified)
    "MCS2022": "2022-01-31",
    "MCS2023": "2023-01-31",
    "MCS2024": "2024-03-06",
    "MYB2022": "2025-03-19",  # Minerals Yearbook 2022, rare earths advance tables (posted)
    "MCS2025": "2025-01-29",
    "MCS2026": "2026-02-06",
    "WGI2024": "2024-09-26",
    # Trade. UN Comtrade API snapshots are dated by their retrieval; the derived monthly tables and
    # the OEC table by the repository snapshot of SOURCES.md (their build dates are not recorded).
    "COMTRADE-API-2025-12-28": "2025-12-28",  # bilateral extract, collection_summary.json
    "COMTRADE-API-2026-07-10": "2026-07-10",  # China imports of 2846, manifest.json retrieval
    "COMTRADE-CN-M-2024": "2026-11-29",  # qennis/ChinaCriticalMineralComtrade tables @c59e0e6
    "USITC-DATAWEB-2026-07-10": "2026-07-10",  # DataWeb download date (Query Parameters sheet)
    "OEC-HS2846-2022": "2026-11-29",  # rodnm/proyect_powebi_rare-earth @07dbcc7 (data 1995-2022)
    "COMTRADE-BILATERAL-2023": "2026-12-06",  # ibtisamkhan96/crm-trade-network @b714a7b (2023 data)
}
"""Edition id -> publication date (ISO). Later wins."""


def mcs_edition(text: str) -> str | None:
    """The MCS edition id (``MCS2024``) found in a Source cell or a file name, else None."""
    m = re.search(r"mcs\s*(20\d\d)", str(text), re.IGNORECASE)
    return f"MCS{m.group(1)}" if m else None


def edition_date(edition: str) -> str:
    """Publication date of an edition; an unknown MCS edition Y is dated Y-01-31 (MCS appears each
    January), anything else raises KeyError."""
    if edition in EDITION_DATES:
        return EDITION_DATES[edition]
    m = re.fullmatch(r"MCS(20\d\d)", edition)
    if m:
        return f"{m.group(1)}-01-31"
    raise KeyError(edition)
