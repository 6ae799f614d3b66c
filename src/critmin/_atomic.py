"""Writing output files atomically: a temporary file in the target's folder, then ``os.replace``.

A reader of the target (or a user who interrupts the run) sees the old file or the new one, never half a
file: a crash, a full disk or Ctrl+C leaves the previous file in place and no stray temporary file.
Every file critmin writes for a user (``--out``, reports, the bundle) goes through :func:`atomic_path`
or :func:`write_text` / :func:`write_bytes`.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from critmin.errors import CritminError

__all__ = ["OutputError", "atomic_path", "write_text", "write_bytes", "check_target"]


class OutputError(CritminError):
    """An output file cannot be written (missing folder, a folder in its place, no permission, full
    disk)."""


def check_target(path: str | Path) -> Path:
    """Check that ``path`` can be written before any work is done.

    Parameters
    ----------
    path : str or Path
        The output file.

    Returns
    -------
    Path
        The path.

    Raises
    ------
    OutputError
        When its folder does not exist or is not a folder, or the path is a folder.
    """
    p = Path(path)
    if p.is_dir():
        raise OutputError(f"cannot write {p}: it is a folder; give a file name")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.exists():
        raise OutputError(f"cannot write {p}: the folder {parent} does not exist")
    if not parent.is_dir():
        raise OutputError(f"cannot write {p}: {parent} is not a folder")
    return p


def _special(p: Path) -> bool:
    """True for an existing target that is not a regular file (a device such as /dev/stdout)."""
    try:
        mode = p.stat().st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode)


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path to write; on success it replaces ``path`` in one step.

    Parameters
    ----------
    path : str or Path
        The final file.

    Yields
    ------
    Path
        Where to write (same folder, hidden name). When the block raises, the temporary file is
        removed and ``path`` is left as it was. A target that exists and is not a regular file (a
        device such as ``/dev/stdout``) is written directly.

    Raises
    ------
    OutputError
        When the file cannot be written (naming it and why).
    """
    p = check_target(path)
    if _special(p):
        try:
            yield p
        except OSError as err:
            raise OutputError(f"cannot write {p}: {err.strerror or err}") from None
        return
    parent = p.parent if str(p.parent) else Path(".")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=parent)
    except OSError as err:
        raise OutputError(f"cannot write {p}: {err.strerror or err}") from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        with suppress(OSError):
            mode = p.stat().st_mode & 0o777 if p.exists() else 0o666 & ~_umask()
            os.chmod(tmp, mode)
        os.replace(tmp, p)
    except OSError as err:
        with suppress(OSError):
            tmp.unlink()
        raise OutputError(f"cannot write {p}: {err.strerror or err}") from None
    except BaseException:
        with suppress(OSError):
            tmp.unlink()
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_bytes(path: str | Path, data: bytes) -> Path:
    """Write bytes atomically (see :func:`atomic_path`); returns the path."""
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        with suppress(OSError):  # devices (/dev/stdout) cannot be synced
            os.fsync(fh.fileno())
    return Path(path)


def write_text(path: str | Path, text: str, encoding: str = "utf-8") -> Path:
    """Write text atomically (see :func:`atomic_path`); returns the path."""
    return write_bytes(path, text.encode(encoding))
