"""Editions of the sources and their publication dates: when two editions give the same value
(an estimate, then the final figure), the one published later wins in the warehouse's ``*_latest`` views.

Dates are those of the data releases as shipped in the raw data (see docs/data.md and each release's
metadata): MCS 2024 is the v2.0 release of 2024-03-06 with the t -> kt unit fixes; MCS 2026 was first
posted 2026-02-06 (the CSV predates the v1.3 PDF correction of Brazil's REE reserves).
"""

from __future__ import annotations

import re

__all__ = ["EDITION_DATES", "edition_date", "mcs_edition", "SOURCE_PRECEDENCE", "precedence_key"]

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
    # the OEC table by the repository snapshot (docs/data.md; their build dates are not recorded).
    "COMTRADE-API-2025-12-28": "2025-12-28",  # bilateral extract, collection_summary.json
    "COMTRADE-API-2026-07-10": "2026-07-10",  # China imports of 2846, manifest.json retrieval
    "COMTRADE-CN-M-2024": "2026-11-29",  # qennis/ChinaCriticalMineralComtrade tables @c59e0e6
    "USITC-DATAWEB-2026-07-10": "2026-07-10",  # DataWeb download date (Query Parameters sheet)
    "OEC-HS2846-2022": "2026-11-29",  # rodnm/proyect_powebi_rare-earth @07dbcc7 (data 1995-2022)
    # IEA Critical Minerals Data Explorer, edition with base year 2024: released with the Global
    # Critical Minerals Outlook 2025 on 2025-05-21 (the date is the IEA release's, not in the file)
    "IEA-CMDE-2025": "2025-05-21",
    # History (issue 19). Minerals Yearbook world tables: the latest "Table includes data available
    # through <date>" of the edition's world tables (a lower bound of the chapters' posting dates).
    "MYB2016": "2018-04-03",  # gallium T7; rare earths T6 2017-11-09, cobalt T8/T9 2018-02-08
    "MYB2017": "2018-12-18",  # tungsten T15; rare earths T8 2018-09-13, cobalt T8 2018-10-15
    "MYB2019": "2021-01-26",  # rare earths advance release T8
    # World Mining Data 2019 (vol. 34) is the edition whose table 6.4 ends in 2017; day unknown.
    "WMD-1984-2017": "2019-01-01",
    # BGS World Mineral Statistics through 2021 (World Mineral Production 2017-2021, 2023); day unknown.
    "BGS-WMS": "2023-01-01",
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


# ---------------------------------------------------------------------------------------------
# precedence between sources (issue 19)

SOURCE_PRECEDENCE: tuple[tuple[str, ...], ...] = (
    ("usgs-mcs", "usgs-myb", "usgs-myb-world", "usgs-ds140"),  # USGS
    ("wmd",),  # World Mining Data (Austrian Federal Ministry)
    ("bgs-wms",),  # British Geological Survey, World Mineral Statistics
)
"""Source tiers, first wins: USGS editions, then World Mining Data, then BGS. Sources not listed come
after all of them."""


def precedence_key(source: str, edition: str, edition_date: str) -> tuple[int, int, str]:
    """Sort key of an edition: ascending keys are preferred (``min`` picks the edition to use).

    The rule, used by the supply and trend jobs wherever several editions cover one year: the source's
    tier in :data:`SOURCE_PRECEDENCE` first (USGS, then WMD, then BGS, then anything else); within a
    tier, the edition published last (``edition_date``, ISO); ties by edition id (descending, so the
    key is total).

    Parameters
    ----------
    source : str
        Source id (``usgs-mcs``, ``usgs-myb-world``, ``wmd``, ``bgs-wms``).
    edition : str
        Edition id (``MCS2026``, ``MYB2017``, ``WMD-1984-2017``).
    edition_date : str
        Publication date of the edition (ISO ``YYYY-MM-DD``).

    Returns
    -------
    tuple
        (tier, minus the date as an integer YYYYMMDD, edition id with inverted characters).
    """
    tier = next((i for i, group in enumerate(SOURCE_PRECEDENCE) if source in group),
                len(SOURCE_PRECEDENCE))
    day = int(str(edition_date)[:10].replace("-", "") or 0)
    return tier, -day, "".join(chr(0x10FFFF - ord(ch)) for ch in edition)
