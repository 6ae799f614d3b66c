"""A Griffe extension that renders critmin's reStructuredText habits in Markdown for the API pages.

critmin's docstrings are numpydoc with a few Sphinx/reST constructs that Markdown does not know. Before
mkdocstrings renders a docstring, this extension rewrites (outside code spans and fences):

* roles such as ``:func:`trend```, ``:class:`~critmin.monitor.panel.Panel```, ``:mod:`critmin.hs``` into
  inline code wrapped in an *optional* cross-reference: a link when the target is documented on the
  site, plain code (and no warning) when it is not;
* doctest blocks (``>>>`` lines outside an Examples section) into fenced ``pycon`` blocks, so that
  ``res.to_dict()["materials"][0]`` is code, not a Markdown link;
* reST simple tables (``=====  =====`` rulers) into Markdown tables;
* a paragraph ending in ``::`` (a reST literal block follows) into one ending in ``:``.

The docstrings in the source are not changed; only what the site shows is.
"""

from __future__ import annotations

import re

import griffe

ROLE = re.compile(r":(?:py:)?(func|meth|class|mod|data|attr|exc|obj|const|ref|term):`([^`]+)`")
RULER = re.compile(r"^\s*=+(\s+=+)+\s*$")


def _target(obj: griffe.Object, text: str) -> tuple[str, str]:
    """(shown text, identifier) of a role's target, resolved in the scope of ``obj`` where possible."""
    text = text.strip()
    m = re.match(r"^(.*?)\s*<([^>]+)>$", text)  # :func:`title <target>`
    if m:
        return m.group(1), m.group(2)
    short = text.startswith("~")
    name = text.lstrip("~.")
    shown = name.rsplit(".", 1)[-1] if short else name
    if not name.startswith("critmin."):
        head, _, rest = name.partition(".")
        try:
            base = obj.resolve(head)
        except Exception:  # noqa: BLE001 - an unknown name stays plain code
            base = None
        if base:
            name = f"{base}.{rest}" if rest else base
    return shown, name


# a role, or an inline code span (which may run over a line break, not over a blank line)
TOKEN = re.compile(ROLE.pattern + r"|``(?:(?!\n\s*\n).)+?``|`[^`\n]+`", re.S)


def _roles(obj: griffe.Object, text: str) -> str:
    """Roles in ``text`` as optional cross-references; inline code spans are left as they are."""

    def repl(m: re.Match) -> str:
        if m.group(1) is None:  # an inline code span
            return m.group(0)
        shown, ident = _target(obj, m.group(2))
        if m.group(1) in ("ref", "term") or not re.match(r"^[\w.]+$", ident):
            return f"`{shown}`"
        return f'<autoref identifier="{ident}" optional><code>{shown}</code></autoref>'

    return TOKEN.sub(repl, text)


def _table(lines: list[str]) -> list[str]:
    """A reST simple table (rulers of ``=``) as a Markdown table."""
    starts = [m.start() for m in re.finditer(r"=+", lines[0])]

    def cells(row: str) -> list[str]:
        ends = [*starts[1:], None]
        return [row[a:b].strip().replace("|", "\\|") for a, b in zip(starts, ends, strict=True)]

    rulers = [i for i, ln in enumerate(lines) if RULER.match(ln)]
    body = [cells(ln) for ln in lines if ln.strip() and not RULER.match(ln)]
    header = body.pop(0) if len(rulers) >= 3 else [""] * len(starts)
    md = ["| " + " | ".join(header) + " |", "|" + "---|" * len(starts)]
    return md + ["| " + " | ".join(r) + " |" for r in body]


def rst_to_markdown(obj: griffe.Object, text: str) -> str:
    """The docstring ``text`` of ``obj`` with its reST constructs in Markdown (idempotent)."""
    lines = text.split("\n")
    out: list[str] = []
    i, fenced, in_examples = 0, False, False
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped.startswith("```"):
            fenced = not fenced
            out.append(line)
            i += 1
            continue
        if fenced:
            out.append(line)
            i += 1
            continue
        # numpydoc section headers: Examples sections keep their doctests (Griffe renders them)
        if i + 1 < len(lines) and stripped and re.fullmatch(r"-{3,}", lines[i + 1].strip()):
            in_examples = stripped.lower() in ("examples", "example")
        if stripped.startswith(">>>") and not in_examples:
            indent = line[: len(line) - len(line.lstrip())]
            block = []
            while i < len(lines) and lines[i].strip().startswith((">>>", "...")):
                block.append(re.sub(r"\s*#\s*doctest:.*$", "", lines[i][len(indent):]))
                i += 1
            if out and out[-1].strip():
                out.append("")
            out += [f"{indent}```pycon", *[indent + b for b in block], f"{indent}```"]
            if i < len(lines) and lines[i].strip():
                out.append("")
            continue
        if RULER.match(line):
            j = i + 1
            rulers = 1
            while j < len(lines) and lines[j].strip() and rulers < 3:
                if RULER.match(lines[j]):
                    rulers += 1
                j += 1
            block = lines[i:j]
            if rulers >= 2:
                indent = line[: len(line) - len(line.lstrip())]
                if out and out[-1].strip():
                    out.append("")
                out += [indent + r for r in _table([b[len(indent):] for b in block])]
                i = j
                continue
        if stripped.endswith("::") and not stripped.startswith(":"):
            line = line.rstrip()[:-1] if stripped != "::" else ""
        out.append(line)
        i += 1
    # roles last, on whole stretches between fences (inline code spans may run over a line break)
    parts = re.split(r"(^\s*```.*?^\s*```[^\n]*$)", "\n".join(out), flags=re.S | re.M)
    return "".join(p if k % 2 else _roles(obj, p) for k, p in enumerate(parts))


class RstToMarkdown(griffe.Extension):
    """Rewrite every docstring once the package is loaded (see the module docstring)."""

    def on_object(self, *, obj: griffe.Object, **kwargs) -> None:  # noqa: D102
        if obj.is_alias or obj.docstring is None:
            return
        doc = obj.docstring
        if getattr(doc, "_critmin_md", False):
            return
        doc.value = rst_to_markdown(obj, doc.value)
        doc._critmin_md = True
