"""The leak finder: hidden-test lines, rubric lines and pool keys in any file or folder,
plain or encoded; and where the installed package lives (to scan it)."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from tests.support.htmltext import html_text
from tests.support.nbgrader_course import (
    POOL_ITEMS,
    SECRETS,
)
from tests.support.paths import ROOT

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _text_of(path: Path) -> str:
    raw = path.read_bytes().decode("utf-8", errors="replace")
    forms = [raw]
    if path.suffix in (".html", ".htm"):
        forms.append(html_text(raw))
    if path.suffix in (".ipynb", ".json"):
        try:
            forms.append("\n".join(_strings(json.loads(raw))))
        except (ValueError, RecursionError):  # a trainee's damaged responses.json
            pass
    return _ANSI.sub("", html.unescape("\n".join(forms)))


def find_leaks(root: Path, allowed: dict[str, set[str]] | None = None, *, markers: bool = True,
               encoded: bool = False) -> list[str]:
    """Hidden-test lines, mark-scheme lines and key pairs found under ``root``.
    ``allowed`` maps a top-level folder (a student) to item ids whose key pair may appear
    there because it is that trainee's own (correct) answer.  With ``encoded``, the lines
    (and the pools' answer prose) are also looked for rot13'd and base64-encoded at any
    alignment (``pools.encoded_leaks``)."""
    keys = SECRETS.all_keys
    lines = SECRETS.hidden_lines + SECRETS.scheme_lines
    from powerdynamics.grading.pools import encoded_leaks, id_label_pattern

    patterns = {item: id_label_pattern(item, label) for item, label in keys.items()}
    found: list[str] = []
    files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    for path in files:
        text = _text_of(path)
        lowered = text.lower()
        rel = path.relative_to(root) if path != root else Path(path.name)
        own = (allowed or {}).get(rel.parts[0], set())
        for line in lines:
            if line in text:
                found.append(f"{rel}: hidden/mark-scheme line {line[:60]!r}")
        if encoded:
            found += [f"{rel}: {leak}" for leak in encoded_leaks(text, lines)]
        if markers and ("BEGIN HIDDEN TESTS" in text or "END HIDDEN TESTS" in text):
            found.append(f"{rel}: hidden-test delimiter")
        for item, pattern in patterns.items():
            if item not in own and pattern.found_in(lowered, text):
                found.append(f"{rel}: key of {item}")
        if POOL_ITEMS:
            from powerdynamics.grading.pools import key_leaks

            found += [f"{rel}: pool {leak}" for leak in key_leaks(
                text, POOL_ITEMS, allowed=own, structured=path.name.endswith("-items.json"),
                encoded=encoded)]
    return found


def _package_dirs() -> list[Path]:
    import importlib.util

    import powerdynamics

    dirs = {ROOT / "src" / "powerdynamics", Path(powerdynamics.__file__).resolve().parent}
    spec = importlib.util.find_spec("powerdynamics")
    for location in spec.submodule_search_locations or []:
        dirs.add(Path(location).resolve())
    import sysconfig

    copy = Path(sysconfig.get_paths()["purelib"]) / "powerdynamics"
    if copy.is_dir():
        dirs.add(copy)
    return sorted(dirs)

