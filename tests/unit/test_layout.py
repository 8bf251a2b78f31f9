"""The package layout: old module paths still work, and each one *is* the moved module
(so a monkeypatch or an isinstance check through either name sees the same objects)."""

from __future__ import annotations

import ast
import importlib

import pytest

from tests.support.paths import ROOT

PACKAGE = ROOT / "src" / "powerdynamics"


def _compat_modules() -> dict[str, str]:
    """old name -> new name, read from each compatibility module's own import."""
    found = {}
    for path in sorted(PACKAGE.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        doc = ast.get_docstring(tree) or ""
        if not doc.startswith("Compatibility module") or "sys.modules[__name__]" not in \
                path.read_text(encoding="utf-8"):
            continue  # re-export modules (labels, scenarios) are checked by their users
        target = next(node.module for node in ast.walk(tree)
                      if isinstance(node, ast.ImportFrom) and node.module
                      and node.module.startswith("powerdynamics."))
        found[f"powerdynamics.{path.stem}"] = target
    return found


def test_there_are_compatibility_modules():
    assert "powerdynamics.progress" in _compat_modules()


@pytest.mark.parametrize(("old", "new"), sorted(_compat_modules().items()))
def test_an_old_module_path_is_the_moved_module(old: str, new: str):
    assert importlib.import_module(old) is importlib.import_module(new)


def test_the_version_is_the_one_the_package_metadata_declares():
    import tomllib

    from powerdynamics import __version__

    pyproject = tomllib.loads((PACKAGE.parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    assert __version__ == pyproject["project"]["version"]
