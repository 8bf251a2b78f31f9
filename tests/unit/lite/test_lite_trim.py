"""What the browser edition leaves out: each rule drops its files and nothing else."""

from __future__ import annotations

import ast

import pytest

from powerdynamics import lite_trim

MAPPING = "pygments/lexers/_mapping.py"


def _pygments(**lexers: str) -> dict[str, bytes]:
    """A small pygments wheel: ``module=source`` lexer files and a generated-style table."""
    rows = {
        "PythonLexer": ("pygments.lexers.python", "Python", ("python", "py"), ("*.py",), ()),
        "RustLexer": ("pygments.lexers.rust", "Rust", ("rust",), ("*.rs",), ()),
        "CssLexer": ("pygments.lexers.css", "CSS", ("css",), ("*.css",), ()),
        "HtmlLexer": ("pygments.lexers.html", "HTML", ("html",), ("*.html",), ()),
    }
    table = "".join(f"    {k!r}: {v!r},\n" for k, v in rows.items())
    members = {MAPPING: f"# Automatically generated\n\nLEXERS = {{\n{table}}}\n".encode(),
               "pygments/lexers/__init__.py": b"", "pygments/__init__.py": b"",
               "pygments/styles/default.py": b""}
    members.update({f"pygments/lexers/{m}.py": s.encode() for m, s in lexers.items()})
    return members


def test_trim_pygments_keeps_the_roots_what_they_import_and_a_matching_table():
    members = _pygments(python="", rust="", css="", html="from pygments.lexers.css import CssLexer\n")
    out = lite_trim.trim_pygments(members, roots=("python", "html"))
    assert set(out) == set(members) - {"pygments/lexers/rust.py"}  # css stays: html imports it
    table = ast.literal_eval(out[MAPPING].decode().split("LEXERS = ", 1)[1])
    assert sorted(table) == ["CssLexer", "HtmlLexer", "PythonLexer"]
    assert table["PythonLexer"] == ("pygments.lexers.python", "Python", ("python", "py"), ("*.py",), ())


def test_trim_pygments_fails_loudly_on_a_wheel_it_does_not_understand():
    with pytest.raises(ValueError, match="_mapping.py: not in the pygments wheel"):
        lite_trim.trim_pygments({"pygments/__init__.py": b""})
    odd = _pygments(python="")
    odd[MAPPING] = b"def lexers():\n    return {}\n"
    with pytest.raises(ValueError, match="expected one LEXERS"):
        lite_trim.trim_pygments(odd, roots=("python",))
    with pytest.raises(ValueError, match="not in the wheel"):
        lite_trim.trim_pygments(_pygments(python=""), roots=("python", "rust"))


def test_trim_stdlib_leaves_out_only_legacy_code_pages():
    names = ["encodings/__init__.py", "encodings/utf_8.pyc", "encodings/cp850.py", "encodings/mac_roman.py",
             "encodings/latin_1.py", "encodings/aliases.py", "json/__init__.py", "cp850.py",
             "encodings/sub/cp850.py"]
    assert lite_trim.trim_stdlib(names) == {"encodings/cp850.py", "encodings/mac_roman.py"}


def test_drop_desktop_files_keeps_code_data_and_licences():
    members = {"pkg/__init__.py": b"", "pkg/testing.py": b"", "pkg/static/app.css": b"",
               "pkg-1.dist-info/licenses/LICENSE": b"", "pkg/tests/test_x.py": b"", "pkg/__init__.pyi": b"",
               "pkg-1.data/data/etc/jupyter/nbconfig/notebook.d/pkg.json": b""}
    assert set(lite_trim.drop_desktop_files(members)) == {
        "pkg/__init__.py", "pkg/testing.py", "pkg/static/app.css", "pkg-1.dist-info/licenses/LICENSE"}


def test_keep_modules_drops_only_unreached_modules_of_the_course():
    members = {"course/__init__.py": b"", "course/quiz/__init__.py": b"", "course/quiz/plan.py": b"",
               "course/grading/__init__.py": b"", "course/grading/batch.py": b"",
               "course/grading/templates/feedback/index.html.j2": b"",
               "course/bank/data/bank.yaml": b"", "course/quiz/assets/widget.js": b"",
               "other/grading.py": b"", "course-1.dist-info/METADATA": b""}
    kept = lite_trim.keep_modules(members, "course", ["course", "course.quiz", "course.quiz.plan"])
    assert set(members) - set(kept) == {"course/grading/__init__.py", "course/grading/batch.py",
                                        "course/grading/templates/feedback/index.html.j2"}
