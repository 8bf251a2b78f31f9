"""Formula-like values reach the report's CSVs neutralised (issue 17, case 12).

Autograde refuses a formula-like student id, but a gradebook can still hold one (``nbgrader
db student add`` or ``import``, or a gradebook from before the check).  Here such trainees
have submissions and grades in a real gradebook (nbgrader's API), ``powerdynamics report``
writes ``students.csv`` (through ``analytics.render.write_csvs``), and the file as written
must hold each id with a leading apostrophe, so no spreadsheet evaluates it; numbers
stay numbers.
"""

from __future__ import annotations

import csv

import pytest

import tests.unit.analytics.test_analytics as ta

pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")

FORMULAS = ['=HYPERLINK("http://example.invalid/?leak","open me")', "+cmd|' /C calc'!A0",
            "@SUM(1+1)*cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "\t=1+2", "\r=1+2",
            " =1+2"]
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
def formula_course(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", f"{ta.Path(ta.sys.executable).parent}:{ta.os.environ.get('PATH', '')}")
    matrix = dict(ta.MATRIX)
    for n, student in enumerate(FORMULAS):
        matrix[student] = list(ta.MATRIX[f"s0{n + 1}"])
    monkeypatch.setattr(ta, "MATRIX", matrix)
    return ta.build_course(tmp_path, matrix)


def test_formula_like_student_ids_are_neutralised_in_students_csv(formula_course, tmp_path, capsys):
    out = tmp_path / "out" / "report.html"
    code, _err = ta.run_report(capsys, str(formula_course), "--out", str(out))
    assert code == 0
    path = out.parent / "students.csv"
    raw = path.read_text(encoding="utf-8")
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    students = [row[header.index("student")] for row in body]
    for formula in FORMULAS:
        assert "'" + formula in students, (formula, students)  # there, and neutralised
    for row in rows:
        for value in row:
            if value.lstrip(" ")[:1] in TRIGGERS or value[:1] in TRIGGERS:
                float(value)  # only a number may start so
    assert "\n=HYPERLINK" not in raw and ",=HYPERLINK" not in raw
    # The other CSVs the report writes are held to the same rule.
    for other in out.parent.glob("*.csv"):
        with other.open(newline="", encoding="utf-8") as handle:
            for row in csv.reader(handle):
                for value in row:
                    if value.lstrip(" ")[:1] in TRIGGERS or value[:1] in TRIGGERS:
                        float(value)


def test_write_csvs_neutralises_every_cell_it_writes(formula_course, tmp_path):
    from powerdynamics.analytics.render import write_csvs
    from powerdynamics.analytics.report import collect

    report = collect(formula_course)
    folder = tmp_path / "csvs"
    folder.mkdir()
    paths = write_csvs(report, folder)
    assert folder / "students.csv" in paths
    with (folder / "students.csv").open(newline="", encoding="utf-8") as handle:
        students = [row["student"] for row in csv.DictReader(handle)]
    assert sorted(s for s in students if s.startswith("'")) == sorted("'" + f for f in FORMULAS)
