"""Where scenario files are found: the folders searched, and each scenario listed once.

The folders are ``$CRITMIN_SCENARIOS`` (separated by ``os.pathsep``), ``examples/scenarios`` of the
working directory, then the scenarios shipped in the package (``critmin/scenarios``). A checkout's
``examples/scenarios`` holds the same files as the installed package's copy: they are one scenario each.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["scenario_dirs", "scenario_files"]


def scenario_dirs() -> list[Path]:
    """The folders searched for scenario files, in order (existing ones only, each once).

    ``$CRITMIN_SCENARIOS`` (folders separated by ``os.pathsep``), ``examples/scenarios`` of the working
    directory, then the scenarios shipped in the package (``critmin/scenarios``).
    """
    import os

    dirs = [Path(d) for d in os.environ.get("CRITMIN_SCENARIOS", "").split(os.pathsep) if d]
    dirs += [Path.cwd() / "examples" / "scenarios", Path(__file__).resolve().parents[1] / "scenarios"]
    out: list[Path] = []
    for d in dirs:
        if d.is_dir() and d.resolve() not in out:
            out.append(d.resolve())
    return out


def scenario_files() -> list[Path]:
    """Every scenario file (``*.toml``) of :func:`scenario_dirs`, each scenario once.

    A scenario is identified by its file name and by its content: the same file met again in a later
    folder (``examples/scenarios`` of a checkout beside the copy installed with the package, or a
    renamed copy with the same bytes) is skipped; the first folder wins, so a file in
    ``$CRITMIN_SCENARIOS`` overrides a packaged one of the same name.
    """
    import hashlib

    names: set[str] = set()
    digests: set[str] = set()
    out: list[Path] = []
    for d in scenario_dirs():
        for f in sorted(d.glob("*.toml")):
            try:
                digest = hashlib.sha256(f.read_bytes()).hexdigest()
            except OSError:
                continue  # unreadable: not listed (a named file still reports its error when loaded)
            if f.name in names or digest in digests:
                continue
            names.add(f.name)
            digests.add(digest)
            out.append(f)
    return out
