"""The raw-response store: every fetched body kept byte for byte under the user cache, keyed by sha256.

Layout (``root`` is ``$CRITMIN_CACHE`` or ``<user cache dir>/critmin/fetch``)::

    root/manifest.jsonl                 one line per retrieval: fetched_at, source, url, query,
                                        sha256, bytes, path, new (false when the bytes were cached)
    root/<source>/<sha256>/<file name>  the body, byte for byte
    root/<source>/<sha256>/manifest.json
                                        the first retrieval of these bytes (``retrieval.completed_at``)
                                        and every name and URL they were fetched under

The per-object ``manifest.json`` has the shape of the recorded UN Comtrade snapshots
(``retrieval.completed_at``, ``files[].url``), so :func:`critmin.sources.comtrade.read_comtrade` dates a
fetched response by the same rule as the bundled ones: edition ``COMTRADE-API-<retrieval date>``. The
same bytes fetched again keep their first retrieval date, hence their edition.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["cache_root", "RawCache", "Stored", "utc_now", "safe_name"]


def utc_now() -> str:
    """The current UTC time as ISO 8601 with a ``Z`` (``2026-12-06T18:35:22Z``)."""
    return _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def cache_root() -> Path:
    """``$CRITMIN_CACHE`` if set, else ``<user cache dir>/critmin/fetch`` (:mod:`platformdirs`)."""
    env = os.environ.get("CRITMIN_CACHE")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("critmin", appauthor=False)) / "fetch"


def safe_name(name: str) -> str:
    """A file name safe on every platform (path separators and odd characters replaced)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    base = re.sub(r"[^A-Za-z0-9._+\-]", "_", base).strip("._") or "response"
    return base[:180]


@dataclass(frozen=True)
class Stored:
    """A body in the store.

    Attributes
    ----------
    path : Path
        The stored file.
    sha256 : str
        Hex sha256 of the body.
    size : int
        Its size [bytes].
    new : bool
        False when the same bytes were already in the store.
    first_fetched_at : str
        UTC time of the first retrieval of these bytes (ISO 8601).
    """

    path: Path
    sha256: str
    size: int
    new: bool
    first_fetched_at: str


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + f".part{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)


class RawCache:
    """The store of raw responses.

    Parameters
    ----------
    root : str or Path, optional
        Default :func:`cache_root`.
    """

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root) if root is not None else cache_root()

    @property
    def manifest_path(self) -> Path:
        """``root/manifest.jsonl``."""
        return self.root / "manifest.jsonl"

    def store(self, body: bytes, *, source: str, name: str, url: str, query: dict | None = None,
              fetched_at: str | None = None, outcome: str = "") -> Stored:
        """Keep ``body`` under its sha256 and log the retrieval.

        Parameters
        ----------
        body : bytes
            The response body, byte for byte.
        source : str
            The source id (``comtrade``, ``usgs-mcs``, ``wgi``): the store's first folder level.
        name : str
            The file name to keep it under (readers see this name).
        url : str
            Where it came from.
        query : dict, optional
            The query, as data (recorded in the manifests).
        fetched_at : str, optional
            UTC ISO time of the retrieval; default now.
        outcome : str
            A word for the manifest line (``ok``, ``empty``, ``truncated``, ...).
        """
        when = fetched_at or utc_now()
        sha = hashlib.sha256(body).hexdigest()
        fname = safe_name(name)
        folder = self.root / safe_name(source) / sha
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / fname
        new = not path.exists()
        if new:
            _write_atomic(path, body)
        side = folder / "manifest.json"
        entry = {"file": fname, "url": url, "query": query, "retrieved_at": when, "sha256": sha,
                 "bytes": len(body)}
        if side.exists():
            meta = json.loads(side.read_text("utf-8"))
            if not any(f.get("file") == fname and f.get("url") == url for f in meta.get("files", [])):
                meta.setdefault("files", []).append(entry)
                _write_atomic(side, json.dumps(meta, indent=1).encode("utf-8"))
        else:
            meta = {"schema_version": "1.0.0", "source": source, "sha256": sha, "bytes": len(body),
                    "retrieval": {"started_at": when, "completed_at": when, "tool": "critmin data fetch"},
                    "files": [entry]}
            _write_atomic(side, json.dumps(meta, indent=1).encode("utf-8"))
        first = str(meta["retrieval"].get("completed_at") or when)
        self.root.mkdir(parents=True, exist_ok=True)
        line = {"fetched_at": when, "source": source, "url": url, "query": query, "sha256": sha,
                "bytes": len(body), "path": str(path), "new": new, "outcome": outcome}
        with open(self.manifest_path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")
        return Stored(path=path, sha256=sha, size=len(body), new=new, first_fetched_at=first)

    def entries(self) -> list[dict]:
        """Every line of ``manifest.jsonl`` (oldest first); [] when nothing was fetched."""
        if not self.manifest_path.exists():
            return []
        out = []
        for line in self.manifest_path.read_text("utf-8").splitlines():
            if line.strip():
                out.append(json.loads(line))
        return out
