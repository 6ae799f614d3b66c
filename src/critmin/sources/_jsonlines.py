"""A JSON parser that remembers the line of every scalar, for ``row`` provenance of JSON sources.

:func:`load_with_lines` returns the parsed object (dicts keep the file's key order) and a map from the
path of every scalar (a tuple of keys and list indices) to the 1-based line it sits on. Duplicate keys
in one object raise :class:`~critmin.errors.DataError` (``json.loads`` would keep the last silently).
"""

from __future__ import annotations

import bisect
import re
from json.decoder import scanstring

from critmin.errors import DataError
from critmin.sources._io import MAX_DEPTH, json_depth

__all__ = ["load_with_lines", "pointer"]

_WS = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")
_LITERALS = {"null": None, "true": True, "false": False}


def pointer(path: tuple) -> str:
    """The RFC 6901 JSON pointer of a path (``("a", "b/c", 0)`` -> ``/a/b~1c/0``)."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def load_with_lines(text: str, name: str) -> tuple[object, dict[tuple, int]]:
    """Parse JSON text, recording the line of each scalar.

    Parameters
    ----------
    text : str
        The JSON document.
    name : str
        The file name, for errors.

    Returns
    -------
    obj : object
        The parsed document.
    lines : dict of tuple to int
        Path of every scalar (keys and indices from the root) -> its 1-based line.

    Raises
    ------
    DataError
        On malformed JSON, a duplicate key (naming the line) or nesting deeper than
        :data:`critmin.sources._io.MAX_DEPTH` levels.
    """
    text = text.lstrip("\ufeff")
    if json_depth(text) > MAX_DEPTH:
        raise DataError(f"JSON nested more than {MAX_DEPTH} levels deep; expected a data file",
                        file=name)
    newlines = [i for i, c in enumerate(text) if c == "\n"]
    lines: dict[tuple, int] = {}

    def line_of(pos: int) -> int:
        return bisect.bisect_right(newlines, pos - 1) + 1

    def fail(pos: int, what: str) -> DataError:
        return DataError(f"malformed JSON: {what}", file=name, row=line_of(pos))

    def ws(pos: int) -> int:
        return _WS.match(text, pos).end()

    def value(pos: int, path: tuple) -> tuple[object, int]:
        pos = ws(pos)
        if pos >= len(text):
            raise fail(pos, "unexpected end of the document")
        c = text[pos]
        if c == "{":
            out: dict[str, object] = {}
            pos = ws(pos + 1)
            if text.startswith("}", pos):
                return out, pos + 1
            while True:
                if not text.startswith('"', pos):
                    raise fail(pos, "expected a key in double quotes")
                try:
                    key, pos = scanstring(text, pos + 1)
                except ValueError as err:
                    raise fail(pos, str(err)) from err
                if key in out:
                    raise DataError(f"duplicate key {key!r} in the object at {pointer(path) or '/'}",
                                    file=name, row=line_of(pos))
                pos = ws(pos)
                if not text.startswith(":", pos):
                    raise fail(pos, "expected ':' after a key")
                out[key], pos = value(pos + 1, (*path, key))
                pos = ws(pos)
                if text.startswith(",", pos):
                    pos = ws(pos + 1)
                    continue
                if text.startswith("}", pos):
                    return out, pos + 1
                raise fail(pos, "expected ',' or '}'")
        if c == "[":
            items: list[object] = []
            pos = ws(pos + 1)
            if text.startswith("]", pos):
                return items, pos + 1
            while True:
                item, pos = value(pos, (*path, len(items)))
                items.append(item)
                pos = ws(pos)
                if text.startswith(",", pos):
                    pos += 1
                    continue
                if text.startswith("]", pos):
                    return items, pos + 1
                raise fail(pos, "expected ',' or ']'")
        lines[path] = line_of(pos)
        if c == '"':
            try:
                return scanstring(text, pos + 1)
            except ValueError as err:
                raise fail(pos, str(err)) from err
        for lit, val in _LITERALS.items():
            if text.startswith(lit, pos):
                return val, pos + len(lit)
        m = _NUMBER.match(text, pos)
        if m is None or m.end() == pos:
            raise fail(pos, f"unexpected character {c!r}")
        tok = m.group(0)
        return (float(tok) if any(ch in tok for ch in ".eE") else int(tok)), m.end()

    obj, end = value(0, ())
    end = ws(end)
    if end != len(text):
        raise fail(end, "extra data after the document")
    return obj, lines
