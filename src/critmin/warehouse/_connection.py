"""Where the warehouse file is, and how processes share it: connections that retry a held lock with
backoff, name the holder, and read-only leases that let the file go when idle or when a writer waits."""

from __future__ import annotations

import hashlib
import os
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import duckdb

from critmin.errors import CritminError

LOCK_TIMEOUT_S = 30.0
"""Default time a connection waits for another process to release the file [s]."""

IDLE_RELEASE_S = 0.5
"""A read-only warehouse lets go of the file after this long without a query [s]."""


class WarehouseError(CritminError):
    """The warehouse file cannot be opened or is not a critmin warehouse."""


class WarehouseLockedError(WarehouseError):
    """Another process holds the warehouse file (DuckDB allows one writer or many readers).

    Attributes
    ----------
    path : str
        The warehouse file.
    pid : int or None
        The process holding it, when DuckDB names it.
    holder : str
        That process, in words (its command line when readable).
    """

    def __init__(self, message: str, *, path: str, pid: int | None, holder: str) -> None:
        super().__init__(message)
        self.path, self.pid, self.holder = path, pid, holder


def default_db_path() -> Path:
    """The warehouse path: ``$CRITMIN_DB`` if set, else ``<user data dir>/critmin/critmin.duckdb``."""
    env = os.environ.get("CRITMIN_DB")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("critmin", appauthor=False)) / "critmin.duckdb"


def bundle_dir() -> Path:
    """The folder of the bundled canonical tables shipped in the package."""
    return Path(__file__).resolve().parents[1] / "bundled"  # critmin/bundled


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _lock_timeout(value: float | None) -> float:
    if value is not None:
        return max(0.0, float(value))
    env = os.environ.get("CRITMIN_LOCK_TIMEOUT")
    if env:
        try:
            return max(0.0, float(env))
        except ValueError:
            raise WarehouseError(f"CRITMIN_LOCK_TIMEOUT={env!r} is not a number of seconds") from None
    return LOCK_TIMEOUT_S


_HOLDER = re.compile(r"Conflicting lock is held in (?P<exe>.*?) \(PID (?P<pid>\d+)\)")
_SAME_PROCESS = "different configuration than existing connections"


def _is_lock_error(err: Exception) -> bool:
    text = str(err)
    return "Could not set lock" in text or "Conflicting lock" in text or _SAME_PROCESS in text


def _holder(err: Exception) -> tuple[int | None, str]:
    """The PID and a description of the process named in DuckDB's lock error."""
    text = str(err)
    if _SAME_PROCESS in text:
        return os.getpid(), f"this process (PID {os.getpid()}) in another mode (read-only vs read-write)"
    m = _HOLDER.search(text)
    if not m:
        return None, "another process"
    pid = int(m.group("pid"))
    desc = m.group("exe")
    with suppress(OSError):
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        if cmd.strip():
            desc = cmd.strip()[:160]
    return pid, f"PID {pid} ({desc})"


def _marker(target: str) -> Path:
    """The file a waiting writer leaves beside the warehouse (its PID): readers let go for it."""
    return Path(target + ".writer-waiting")


def _writer_waiting(target: str) -> bool:
    """True while another live process waits to write (its marker refreshed in the last 3 s)."""
    m = _marker(target)
    try:
        age = time.time() - m.stat().st_mtime
        pid = int(m.read_text().strip() or 0)
    except (OSError, ValueError):
        return False
    if age > 3.0 or pid in (0, os.getpid()):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        pass
    return True


def _wait_for_writer(target: str, timeout: float) -> None:
    """Readers do not reconnect while a writer waits (bounded by ``timeout``)."""
    deadline = time.monotonic() + timeout
    while _writer_waiting(target) and time.monotonic() < deadline:
        time.sleep(0.05)


def _connect(target: str, *, read_only: bool, timeout: float) -> duckdb.DuckDBPyConnection:
    """Open a DuckDB connection, retrying with backoff while another process holds the file.

    A writer that meets a lock leaves a marker (:func:`_marker`) so that critmin readers release
    their connections and wait for it; it is removed once the writer is in or gives up.
    """
    deadline = time.monotonic() + timeout
    delay = 0.02
    marked = False
    try:
        while True:
            try:
                return duckdb.connect(target, read_only=read_only)
            except duckdb.Error as err:
                same_process = _SAME_PROCESS in str(err)
                if read_only and same_process:
                    # this process already has the file open read-write: share that instance
                    with suppress(duckdb.Error):
                        return duckdb.connect(target)
                if not _is_lock_error(err):
                    raise WarehouseError(f"cannot open warehouse {target}: {err}") from err
                if not read_only and not same_process:
                    with suppress(OSError):
                        _marker(target).write_text(str(os.getpid()))
                        marked = True
                left = deadline - time.monotonic()
                if left <= 0:
                    pid, who = _holder(err)
                    mode = "read" if read_only else "write to"
                    raise WarehouseLockedError(
                        f"cannot {mode} warehouse {target}: it is held by {who}; waited "
                        f"{timeout:g} s. A writer (data ingest, data build) needs every other "
                        "critmin process to let go of the file; readers only wait for writers. "
                        "Wait for that process to finish or stop it, or raise "
                        "CRITMIN_LOCK_TIMEOUT [s]",
                        path=target, pid=pid, holder=who) from None
                time.sleep(min(delay, left))
                delay = min(delay * 2, 0.05 if marked else 0.5)
    finally:
        if marked:
            with suppress(OSError, ValueError):
                m = _marker(target)
                if int(m.read_text().strip() or 0) == os.getpid():
                    m.unlink()


class _Lease:
    """A read-only connection shared by the queries of one process while they come in quick
    succession, let go after ``idle`` seconds without a query, and at once when a writer waits.

    Each query runs on its own cursor (safe across threads); the base connection holds DuckDB's
    shared lock, so while it is open other readers may read but no writer may write.
    """

    def __init__(self, target: str, timeout: float, idle: float) -> None:
        self.target, self.timeout, self.idle = target, timeout, idle
        self.lock = threading.Lock()
        self.base: duckdb.DuckDBPyConnection | None = None
        self.active = 0
        self.last = 0.0
        self.generation = 0
        self.timer: threading.Timer | None = None

    @contextmanager
    def cursor(self) -> Iterator[tuple[duckdb.DuckDBPyConnection, int]]:
        with self.lock:
            if self.base is not None and self.active == 0 and _writer_waiting(self.target):
                self._close()
            if self.base is None:
                _wait_for_writer(self.target, self.timeout)
                self.base = _connect(self.target, read_only=True, timeout=self.timeout)
                self.generation += 1
            self.active += 1
            cur = self.base.cursor()
            gen = self.generation
        try:
            yield cur, gen
        finally:
            with suppress(Exception):
                cur.close()
            with self.lock:
                self.active -= 1
                self.last = time.monotonic()
                if self.active == 0:
                    self._schedule(self.idle)

    def _schedule(self, delay: float) -> None:
        if self.timer is not None or self.base is None:
            return
        self.timer = threading.Timer(max(delay, 0.01), self._expire)
        self.timer.daemon = True
        self.timer.start()

    def _expire(self) -> None:
        with self.lock:
            self.timer = None
            if self.base is None or self.active:
                return
            left = self.idle - (time.monotonic() - self.last)
            if left > 0 and not _writer_waiting(self.target):
                self._schedule(left)
                return
            self._close()

    def _close(self) -> None:
        if self.base is not None:
            with suppress(Exception):
                self.base.close()
            self.base = None

    def close(self) -> None:
        with self.lock:
            if self.timer is not None:
                self.timer.cancel()
                self.timer = None
            if self.active == 0:
                self._close()


