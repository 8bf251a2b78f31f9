"""What the browser edition leaves out of the wheels and the standard library it ships.

Why: the browser fetches every shipped wheel and the whole standard-library zip before
the first lesson cell runs, so each byte a browser kernel never reads is paid by every
trainee on every first open.  Each rule here drops one kind of file and says why no
lesson can miss it; the transforms take and return a wheel's members (name -> bytes),
so :mod:`powerdynamics.lite_build` keeps the zip reading and writing in one place.

What a trainee could notice, and accepts for a faster first open:
- ``IPython.display.Code(..., language="rust")`` and similar lookups of a highlighter
  for a language outside :data:`PYGMENTS_LEXERS` raise pygments' own
  ``ClassNotFound`` ("no lexer for alias ...") in the browser edition;
- ``b"...".decode("cp850")`` and the other legacy code pages outside
  :data:`STDLIB_ENCODINGS` raise ``LookupError: unknown encoding``;
- the course's own desktop tools (``powerdynamics.grading`` in a lesson site,
  ``powerdynamics.analytics``, the command line, the site builders) are not there:
  :func:`keep_modules` ships only the course modules that the site's notebooks and the
  course's public modules (all top-level ones but :data:`COURSE_DESKTOP_ONLY`, so
  ``powerdynamics.progress`` for moving progress) reach.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable

__all__ = ["COURSE_DESKTOP_ONLY", "PYGMENTS_LEXERS", "STDLIB_ENCODINGS", "drop_desktop_files", "keep_modules",
           "trim_pygments", "trim_stdlib"]

#: What no browser kernel reads: copies of front-end extensions and their desktop
#: settings (the site has its own), software bills of materials, type stubs and
#: packages' own test suites.
_NOT_IN_BROWSER = re.compile(
    r"(?:^[^/]+\.data/data/(?:share|etc)/jupyter/|^[^/]+/(?:labextension|nbextension)/|"
    r"\.dist-info/sboms/|\.pyi$|/tests?/)")

#: The pygments lexer modules the browser edition keeps (with what they import): Python
#: (IPython's tracebacks and ``?``/``??``), plain text, and the languages of IPython's own
#: lexers (``ipython_pygments_lexers`` imports Bash, HTML, JavaScript, Ruby, Perl and TeX
#: lexers when pygments loads it as a plugin), plus JSON/YAML and Markdown/reST.
PYGMENTS_LEXERS = ("python", "special", "shell", "html", "javascript", "ruby", "perl", "markup", "data")

#: The codecs the browser edition keeps: every Unicode form, ASCII, Latin-1 and the
#: Windows and ISO Western code pages (the encodings of files trainees meet), the
#: byte-to-byte codecs, and what the ``encodings`` package itself needs.
STDLIB_ENCODINGS = (
    "__init__", "aliases", "ascii", "base64_codec", "charmap", "cp1252", "hex_codec", "idna",
    "iso8859_1", "iso8859_15", "latin_1", "punycode", "quopri_codec", "raw_unicode_escape",
    "undefined", "unicode_escape", "utf_16", "utf_16_be", "utf_16_le", "utf_32", "utf_32_be",
    "utf_32_le", "utf_7", "utf_8", "utf_8_sig", "uu_codec", "zlib_codec")

#: Top-level modules of the course that only an instructor, a terminal or a build uses
#: (grading batches, reports, the command line, the site builders): not roots of what
#: the browser edition ships.  Everything they alone reach stays out too.
COURSE_DESKTOP_ONLY = frozenset({
    "__main__", "assessment", "batch", "cli", "lite_build", "lite_trim", "notebook_outputs",
    "report", "report_charts", "report_render", "sphinx_offline"})

_LEXERS = "pygments/lexers/"
_MAPPING = _LEXERS + "_mapping.py"


def drop_desktop_files(members: dict[str, bytes]) -> dict[str, bytes]:
    """``members`` without what only a desktop install or a developer uses."""
    return {n: d for n, d in members.items() if not _NOT_IN_BROWSER.search(n)}


def keep_modules(members: dict[str, bytes], top: str, modules: Iterable[str]) -> dict[str, bytes]:
    """``members`` with only the Python modules of package ``top`` named in ``modules``
    (dotted names; a package by its own name, for its ``__init__.py``).  A file that is
    not a module (the bank, the widget's front end, licences) stays, as data is read by
    path, which no import analysis sees; unless it lies inside a subpackage that does
    not ship at all (the grading's nbgrader templates).

    Why: the course wheel holds the instructor's and the build's tools too (grading,
    analytics, the site builders), which no notebook in the browser can reach."""
    keep = set(modules)
    dropped_packages = {n[: -len("/__init__.py")] + "/" for n in members
                        if n.startswith(top + "/") and n.endswith("/__init__.py")
                        and n[: -len("/__init__.py")].replace("/", ".") not in keep}
    out = {}
    for name, data in members.items():
        if name.startswith(top + "/") and name.endswith(".py"):
            dotted = name[:-3].replace("/", ".").removesuffix(".__init__")
            if dotted not in keep:
                continue
        elif any(name.startswith(folder) for folder in dropped_packages):
            continue
        out[name] = data
    return out


def _module_of(name: str) -> str | None:
    """``python`` for ``pygments/lexers/python.py``; None for anything else."""
    if not name.startswith(_LEXERS) or not name.endswith(".py") or "/" in name[len(_LEXERS):]:
        return None
    return name[len(_LEXERS):-3]


def _lexer_closure(members: dict[str, bytes], roots: Iterable[str]) -> tuple[set[str], list[str]]:
    """The lexer modules ``roots`` need, following ``from pygments.lexers.X import``;
    and those of them (roots, or modules a kept lexer imports) not in ``members``."""
    keep: set[str] = {"__init__", "_mapping"}
    missing: list[str] = []
    todo = list(roots)
    while todo:
        module = todo.pop()
        if module in keep or module in missing:
            continue
        source = members.get(f"{_LEXERS}{module}.py")
        if source is None:
            missing.append(module)
            continue
        keep.add(module)
        for node in ast.walk(ast.parse(source, f"{_LEXERS}{module}.py")):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("pygments.lexers."):
                todo.append(node.module.split(".")[2])
    return keep, sorted(missing)


def trim_pygments(members: dict[str, bytes], roots: Iterable[str] = PYGMENTS_LEXERS) -> dict[str, bytes]:
    """The pygments wheel with only the lexers ``roots`` need, and its name table
    (``_mapping.py``) cut to match, so a lookup of a dropped language fails with
    pygments' own ``ClassNotFound`` rather than an ``ImportError`` from deep inside it.

    Raises ``ValueError`` if the wheel's table is not the generated dictionary this
    expects (a new pygments): better a failed build than a broken highlighter."""
    if _MAPPING not in members:
        raise ValueError(f"{_MAPPING}: not in the pygments wheel")
    keep, missing = _lexer_closure(members, roots)
    if missing:
        raise ValueError(f"{_MAPPING}: lexer modules not in the wheel: {missing}")
    tree = ast.parse(members[_MAPPING], _MAPPING)
    tables = [n for n in tree.body if isinstance(n, ast.Assign)
              and [getattr(t, "id", None) for t in n.targets] == ["LEXERS"]]
    if len(tables) != 1:
        raise ValueError(f"{_MAPPING}: expected one LEXERS = {{...}} table")
    lexers = ast.literal_eval(tables[0].value)
    kept = {name: row for name, row in lexers.items() if row[0].rsplit(".", 1)[-1] in keep}
    if not kept:
        raise ValueError(f"{_MAPPING}: no lexer of {list(roots)} is in the table")
    table = "".join(f"    {name!r}: {row!r},\n" for name, row in sorted(kept.items()))
    out = {n: d for n, d in members.items() if _module_of(n) is None or _module_of(n) in keep}
    out[_MAPPING] = ("# Cut by powerdynamics.lite_trim from pygments' generated table: only the\n"
                     "# lexers the browser edition ships.\n\n"
                     f"LEXERS = {{\n{table}}}\n").encode()
    return out


def trim_stdlib(names: Iterable[str]) -> set[str]:
    """Which names of the standard-library zip to leave out: the codecs outside
    :data:`STDLIB_ENCODINGS` (legacy code pages, each a table no lesson reads)."""
    keep = set(STDLIB_ENCODINGS)
    dropped = set()
    for name in names:
        folder, _, file = name.partition("/")
        if folder == "encodings" and "/" not in file and file.endswith((".py", ".pyc")):
            if file.rsplit(".", 1)[0] not in keep:
                dropped.add(name)
    return dropped
