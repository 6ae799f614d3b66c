"""One formatter of pydantic validation errors into plain words: ``source: key: what is wrong; accepted:
...``.

pydantic's own text (``1 validation error for PlanningParams ... errors.pydantic.dev``) names its
internals: union branches (``tagged-union[Fixed,function-after[_order(), Uniform], ...]``), error
types and a web address. :func:`format_validation_error` keeps what a user needs: the file or object,
the dotted key (``disruption.cut``), what is wrong with it in words, the value given, and what is
accepted (the keys a table takes, the values a choice takes, or a hint the caller passes). Where a
value may be a number or a table (a distribution), the branch that does not match the kind of value
given is dropped, so a table with ``low > high`` reports that, not also "should be a valid number".

Used by scenario loading (:func:`critmin.market.spec.load_scenario`) and by the stockpile planner's
:class:`~critmin.stockpile.sizing.PlanningParams`.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Mapping

__all__ = ["format_validation_error", "validation_problems"]

_TYPE_TAGS = {"float", "int", "str", "bool", "none", "list", "dict", "tuple", "is-instance", "lax-or-strict"}
"""Union-branch names pydantic puts in an error's location; not keys of the user's file."""

_NUMBER_TYPES = {"float_type", "float_parsing", "int_type", "int_parsing", "int_from_float", "decimal_type",
                 "decimal_parsing", "finite_number"}
_TABLE_TYPES = {"model_type", "model_attributes_type", "dict_type", "union_tag_invalid",
                "union_tag_not_found"}
_YEAR_KEYS = {"year", "data_year", "first_year"}
_YEAR_TYPES = {"int_type", "int_parsing", "int_from_float", "greater_than_equal", "less_than_equal",
               "greater_than", "less_than"}
_YEARS = (1800, 2100)  # critmin.schema.YEAR_MIN, YEAR_MAX (not imported: this module sits below it)
"""Years a file may name (as :mod:`critmin.schema` accepts them)."""
_WORDS = {"dist": "distribution"}
"""Discriminator key -> what its value names, for "unknown distribution 'gamma'"."""

_SIMPLE = {
    "missing": "required key is missing",
    "float_type": "must be a number, without quotes", "float_parsing": "must be a number, without quotes",
    "int_type": "must be a whole number, without quotes or decimals",
    "int_parsing": "must be a whole number, without quotes or decimals",
    "int_from_float": "must be a whole number, without quotes or decimals",
    "finite_number": "not a finite number (nan and inf are not accepted; omit a truncation bound for no "
                     "bound)",
    "bool_type": "must be true or false", "bool_parsing": "must be true or false",
    "string_type": "must be text", "list_type": "must be a list", "tuple_type": "must be a list",
    "dict_type": "must be a table", "model_type": "must be a table",
    "model_attributes_type": "must be a table",
}


def _is_internal(part: object) -> bool:
    if not isinstance(part, str):
        return False
    return (part in _TYPE_TAGS or part.startswith(("function-", "tagged-union", "union[", "nullable["))
            or any(c in part for c in "[](),"))


def _clean_loc(loc: tuple) -> tuple[list[str], str | None]:
    """The user's key path of an error location, and the union tag it passed through (if any)."""
    parts: list[str] = []
    tag = None
    skip_next = False
    for p in loc:
        if skip_next:
            skip_next = False
            tag = str(p)
            continue
        if isinstance(p, str) and p.startswith("tagged-union"):
            skip_next = True
            continue
        if _is_internal(p):
            continue
        parts.append(f"[{p}]" if isinstance(p, int) else str(p))
    return parts, tag


def _dotted(parts: list[str]) -> str:
    out = ""
    for p in parts:
        out += p if p.startswith("[") or not out else f".{p}"
    return out


def _unwrap(annotation: object) -> list[object]:
    """The alternatives of an annotation (``Annotated``, ``Optional`` and unions unwrapped)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [x for a in typing.get_args(annotation) for x in _unwrap(a)]
    return [annotation]


def _is_model(t: object) -> bool:
    return isinstance(t, type) and hasattr(t, "model_fields")


def _accepted_keys(model: type | None, path: list[str]) -> list[str]:
    """The keys the table at ``path`` (a key path into ``model``) accepts, as far as the model says."""
    if model is None:
        return []
    nodes: list[object] = [model]
    for part in path:
        nxt: list[object] = []
        for node in nodes:
            for t in _unwrap(node):
                if _is_model(t):
                    f = t.model_fields.get(part)  # type: ignore[attr-defined]
                    if f is not None:
                        nxt.append(f.annotation)
                elif typing.get_origin(t) in (dict, Mapping, typing.Mapping):
                    nxt.append(typing.get_args(t)[-1])
                elif typing.get_origin(t) in (list, tuple) and part.startswith("["):
                    nxt.extend(typing.get_args(t)[:1])
        nodes = nxt
    keys: list[str] = []
    for node in nodes:
        for t in _unwrap(node):
            if _is_model(t):
                keys += [k for k in t.model_fields if k not in keys and k != "path"]  # type: ignore[attr-defined]
    return keys


def _choices(text: str) -> str:
    """pydantic's ``'a', 'b' or 'c'`` as ``a, b or c``."""
    return re.sub(r"'([^']*)'", r"\1", text)


def _got(value: object) -> str:
    if isinstance(value, (dict, list, tuple)) or value is None:
        return ""
    text = repr(value) if isinstance(value, str) else str(value)
    return f" (got {text if len(text) <= 60 else text[:57] + '...'})"


def validation_problems(exc, *, model: type | None = None,
                        expect: Mapping[str, str] | None = None) -> list[tuple[str, str]]:
    """The errors of a pydantic ``ValidationError`` as ``(dotted key, what is wrong)`` pairs, in plain
    words, union-branch noise removed and duplicates dropped (see the module docstring).

    Parameters
    ----------
    exc : pydantic.ValidationError
        The error.
    model : type, optional
        The model validated: unknown keys then list the keys accepted.
    expect : mapping, optional
        Last key name -> what is accepted there, in words (``"cut": "a share in [0, 1] or ..."``).
    """
    expect = dict(expect or {})
    groups: dict[str, list] = {}
    for e in exc.errors():
        parts, tag = _clean_loc(tuple(e.get("loc", ())))
        groups.setdefault(_dotted(parts), []).append((parts, tag, e))
    out: list[tuple[str, str]] = []

    def add(key: str, text: str) -> None:
        if (key, text) not in out:
            out.append((key, text))

    for key, items in groups.items():
        # a table given where a number or a table is accepted: the number branch is noise when the
        # table branch has its own complaint (here or on a key inside the table)
        inside = [k for k in groups if k != key and k.startswith(key + ".")]
        if inside:
            items = [i for i in items if not (i[2]["type"] in _NUMBER_TYPES
                                              and isinstance(i[2].get("input"), dict))]
            if not items:
                continue
        # a value that may be a number or a table: keep the branch of the kind of value given
        numbers = [i for i in items if i[2]["type"] in _NUMBER_TYPES]
        tables = [i for i in items if i not in numbers and (i[1] is not None or i[2]["type"] in _TABLE_TYPES
                  or any(isinstance(p, str) and p.startswith("tagged-union") for p in i[2]["loc"]))]
        if numbers and tables:
            if any(isinstance(i[2].get("input"), dict) for i in numbers):
                items = [i for i in items if i not in numbers]
            else:
                last = items[0][0][-1] if items[0][0] else ""
                hint = expect.get(last, "a number or a table")
                finite = [i for i in numbers if i[2]["type"] == "finite_number"]
                what = _SIMPLE["finite_number"] if finite else "must be a number or a table"
                add(key, f"{what}{_got(numbers[0][2].get('input'))}; accepted: {hint}")
                continue
        for parts, tag, e in items:
            add(key, _problem(parts, tag, e, model, expect))
    return out


def _problem(parts: list[str], tag: str | None, e: dict, model: type | None,
             expect: Mapping[str, str]) -> str:
    """One error in words, with what is accepted where known."""
    last = parts[-1] if parts else ""
    typ, ctx = e["type"], e.get("ctx") or {}
    msg = str(e.get("msg", ""))
    accepted = ""
    if typ == "missing":
        text = _SIMPLE["missing"] + (f" (in a {tag} table)" if tag else "")
        accepted = expect.get(last, "")
    elif typ == "extra_forbidden":
        text = "unknown key (check the spelling)"
        accepted = ", ".join(_accepted_keys(model, [p for p in parts[:-1] if not p.startswith("[")]))
    elif typ == "union_tag_invalid":
        disc = str(ctx.get("discriminator", "")).strip("'")
        text = f"unknown {_WORDS.get(disc, disc or 'kind')} {ctx.get('tag', '')!r}"
        accepted = _choices(str(ctx.get("expected_tags", "")))
    elif typ == "union_tag_not_found":
        disc = str(ctx.get("discriminator", "")).strip("'")
        text = f"the table needs a {disc} key"
        accepted = expect.get(last, "")
    elif typ in ("literal_error", "enum"):
        text = "not one of the accepted values" + _got(e.get("input"))
        accepted = _choices(str(ctx.get("expected", "")))
    elif last in _YEAR_KEYS and typ in _YEAR_TYPES:
        text = f"must be a year from {_YEARS[0]} to {_YEARS[1]}" + _got(e.get("input"))
    elif typ in _SIMPLE:
        text = _SIMPLE[typ] + _got(e.get("input"))
        accepted = expect.get(last, "")
    elif typ in ("value_error", "assertion_error"):
        text = re.sub(r"^(Value error|Assertion failed), ", "", msg)
    else:
        text = re.sub(r"^Input should be", "must be", msg) + _got(e.get("input"))
    return text + (f"; accepted: {accepted}" if accepted else "")


def format_validation_error(exc, *, source: str, what: str = "invalid", model: type | None = None,
                            expect: Mapping[str, str] | None = None) -> str:
    """A pydantic ``ValidationError`` as plain text: ``<what> <source>: <key>: <problem>; accepted:
    ...``, one line per problem (indented under the first when there are several).

    Parameters
    ----------
    exc : pydantic.ValidationError
        The error.
    source : str
        The file or object validated (``examples/scenarios/x.toml``, ``planning parameters``).
    what : str
        The first words (``invalid scenario``).
    model, expect
        See :func:`validation_problems`.
    """
    problems = validation_problems(exc, model=model, expect=expect)
    head = f"{what} {source}".strip()
    lines = [f"{key}: {text}" if key else text for key, text in problems]
    if len(lines) == 1:
        return f"{head}: {lines[0]}"
    return f"{head}:\n" + "\n".join(f"  {line}" for line in lines)
