"""Fetchers: download raw public files when the user asks, store them byte for byte, ingest them.

Nothing here runs at ``import critmin`` or by default: only ``critmin data fetch ...`` (or a direct call
to a ``fetch_*`` function) touches the network. HTTP uses the standard library (:mod:`urllib.request`);
the ``[fetch]`` extra exists so that ``pip install critmin[fetch]`` keeps working should an HTTP client
dependency ever be added, and holds nothing today.

Modules
-------
``_http``
    The HTTP client: timeouts, retries with exponential backoff, ``Retry-After``, a minimum interval
    between calls (rate limit), one-line errors.
``cache``
    The raw-response store under the user cache directory (:func:`platformdirs.user_cache_dir`), keyed
    by sha256, with a manifest of every retrieval (URL, query, time, sha256, size).
``store``
    Ingests stored files into the warehouse through the registry readers (the ``critmin data ingest``
    path), content-keyed, and records each fetch in the warehouse's ``fetch_log``.
``comtrade``
    UN Comtrade v1 API (public preview endpoint, or the full endpoint with ``COMTRADE_API_KEY``).
``mcs_release``
    USGS Mineral Commodity Summaries data releases on ScienceBase.
``wgi_release``
    World Bank Worldwide Governance Indicators, the full-dataset workbook.
"""
