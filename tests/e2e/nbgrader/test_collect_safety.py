"""Unsafe submissions are refused when they are collected (issue 17, cases 6, 7 and 10).

A real nbgrader course (a copy of exercises/ with its nbgrader_config.py) collects from
both routes: ``nbgrader collect`` from an exchange inbound folder (``guard.SafeCollect``)
and ``nbgrader zip_collect`` from LMS downloads (``guard.SafeExtractorPlugin`` and
``guard.SafeFileNameCollector``).  Each route is handed one honest submission and one each
with a symbolic link (to the source notebook), a FIFO, an oversized (sparse) file and an
unsafe student id.  Every unsafe one must be refused with a log line naming the student
and the file, and nothing of it may reach ``submitted/``; the honest one is collected.

Assignment 1 is pooled (issue 12): an honest submission's ``responses.json`` is what the
real ``PooledQuiz`` saves under the trainee's login (their own draw, answered right; the
answers are computed from exercises/pools at run time, never written here).
"""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from pathlib import Path
from typing import Any

import nbformat
import pytest

from powerdynamics.grading.draws import draw_for, normalise_login
from powerdynamics.grading.pool_grading import load_keys
from tests.support.nbgrader_course import A1, Course
from tests.support.paths import EXERCISES
from tests.support.pool_course import best_answer

ITEMS_NAME = "a1-items.json"
ITEMS_FILE = EXERCISES / "source" / A1 / ITEMS_NAME  # key-free views and forms (released)
KEYS = load_keys(EXERCISES / "pools" / "a1.yaml")  # item id -> keyed item (instructor only)
STAMP = "2026-03-02 09:00:00.000000 UTC"
BIG = 30_000_000  # over the 20 MB per-file limit (sparse: costs no disk)
BAD_IDS = ["=HYPERLINK(1)", "<img src=x onerror=alert(1)>"]


def draw(login: str) -> tuple[str, ...]:
    data = json.loads(ITEMS_FILE.read_text(encoding="utf-8"))
    return draw_for(data["assignment"], login, data["forms"]).items


def best(items) -> dict[str, Any]:
    return {i: best_answer(KEYS[i]) for i in items}


def saved_responses(path: Path, login: str, items=None) -> dict:
    """``responses.json`` at ``path`` as the real PooledQuiz saves it under ``login``: the
    draw record and right answers to ``items`` (default: the whole draw)."""
    from powerdynamics.grading.pooled_quiz import PooledQuiz

    quiz = PooledQuiz(ITEMS_FILE, path, login=login)
    for item, value in best(draw(login) if items is None else items).items():
        quiz.save(item, value)
    return json.loads(path.read_text(encoding="utf-8"))


def _honest_files(folder: Path, release: Path, student: str, prefix: str = "") -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    nb = nbformat.read(release, as_version=4)
    nbformat.write(nb, folder / f"{prefix}{A1}.ipynb")
    saved = saved_responses(folder / f"{prefix}responses.json", student)
    assert saved["draw"]["student"] == normalise_login(student)
    assert len(saved["answers"]) == len(draw(student))
    return saved


def _sparse(path: Path, size: int = BIG) -> None:
    with open(path, "wb") as handle:
        handle.truncate(size)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = Course(tmp_path_factory.mktemp("collect"))
    run = course.nbgrader("generate_assignment", A1)
    assert run.returncode == 0, run.output[-3000:]
    return course


def _submitted(course) -> set[str]:
    folder = course.dir / "submitted"
    return {p.name for p in folder.iterdir()} if folder.is_dir() else set()


# -- nbgrader collect (the exchange) ---------------------------------------------------------
@pytest.fixture(scope="module")
def exchange(course, tmp_path_factory):
    root = tmp_path_factory.mktemp("exchange")
    inbound = root / "power-dynamics" / "inbound"
    inbound.mkdir(parents=True)
    release = course.dir / "release" / A1 / f"{A1}.ipynb"
    source = course.dir / "source" / A1 / f"{A1}.ipynb"

    def hand_in(student: str, stamp: str = STAMP) -> Path:
        folder = inbound / f"{student}+{A1}+{stamp}+abc123"
        _honest_files(folder, release, student)
        (folder / "timestamp.txt").write_text(stamp)
        return folder

    honest = json.loads((hand_in("c01-honest") / "responses.json").read_text(encoding="utf-8"))
    (hand_in("c02-link") / "responses.json").unlink()
    (inbound / f"c02-link+{A1}+{STAMP}+abc123" / "responses.json").symlink_to(source)
    folder = hand_in("c03-fifo")
    (folder / "responses.json").unlink()
    os.mkfifo(folder / "responses.json")
    _sparse(hand_in("c04-oversized") / "big.bin")
    for bad in BAD_IDS:
        hand_in(bad)
    # c05 was collected safely before; its newer hand-in carries a link.  --update must
    # neither replace nor delete the earlier copy.
    earlier = course.dir / "submitted" / "c05-update" / A1
    earlier_saved = _honest_files(earlier, release, "c05-update")
    (earlier / "timestamp.txt").write_text(STAMP)
    later = hand_in("c05-update", "2026-03-02 10:00:00.000000 UTC")
    (later / "notes.txt").symlink_to("/etc/passwd")
    run = course.nbgrader("collect", A1, "--update", f"--Exchange.root={root}", timeout=120)
    return dict(run=run, earlier=earlier, earlier_saved=earlier_saved, honest=honest)


@pytest.mark.nbgrader
def test_collect_refuses_unsafe_submissions_and_names_student_and_file(course, exchange):
    run = exchange["run"]
    out = run.output
    assert run.returncode == 0, out[-3000:]
    collected = course.dir / "submitted" / "c01-honest" / A1 / "responses.json"
    assert collected.is_file(), out[-3000:]
    assert json.loads(collected.read_text(encoding="utf-8")) == exchange["honest"]  # as handed in
    refused = {
        "c02-link": "responses.json is a symbolic link",
        "c03-fifo": "responses.json is a FIFO",
        "c04-oversized": "big.bin is 30,000,000 bytes",
        "c05-update": "notes.txt is a symbolic link",
        BAD_IDS[0]: "student id '=HYPERLINK(1)' refused",
        BAD_IDS[1]: "student id '<img src=x onerror=alert(1)>' refused",
    }
    lines = [line for line in out.splitlines() if "[powerdynamics] not collected" in line]
    for student, why in refused.items():
        assert any(f"by {student!r}" in line and why in line for line in lines), (student, lines)
    assert _submitted(course) >= {"c01-honest", "c05-update"}
    for student in ["c02-link", "c03-fifo", "c04-oversized", *BAD_IDS]:
        assert student not in _submitted(course), student  # not even an empty folder


@pytest.mark.nbgrader
def test_collect_update_keeps_the_earlier_safe_copy(course, exchange):
    earlier = exchange["earlier"]
    assert sorted(p.name for p in earlier.iterdir()) == sorted(
        [f"{A1}.ipynb", "responses.json", "timestamp.txt"])
    assert earlier.joinpath("timestamp.txt").read_text() == STAMP
    assert json.loads(earlier.joinpath("responses.json").read_text(encoding="utf-8")) == \
        exchange["earlier_saved"]
    for path in (course.dir / "submitted").rglob("*"):
        assert not path.is_symlink(), path
        if path.is_file():
            assert "root:x:0:0" not in path.read_text(errors="replace"), path


# -- nbgrader zip_collect (LMS downloads) ----------------------------------------------------
def _lms(student: str, n: int) -> str:
    return f"{student}_{4700 + n}_{9000 + n}_"


@pytest.fixture(scope="module")
def lms(course, exchange):  # noqa: ARG001  (after the exchange run: both write submitted/)
    release = course.dir / "release" / A1 / f"{A1}.ipynb"
    source = course.dir / "source" / A1 / f"{A1}.ipynb"
    archive = course.dir / "downloaded" / A1 / "archive"
    archive.mkdir(parents=True)
    work = course.dir.parent / "lms-work"
    honest = ["z01-honest", *BAD_IDS]
    with zipfile.ZipFile(archive / "submissions.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        for n, student in enumerate(honest):
            _honest_files(work / str(n), release, student)
            zf.write(work / str(n) / f"{A1}.ipynb", _lms(student, n) + f"{A1}.ipynb")
            zf.write(work / str(n) / "responses.json", _lms(student, n) + "responses.json")
        _sparse(work / "big.json")  # inside the zip, 30 MB once extracted
        zf.write(release, _lms("z05-big-in-zip", 5) + f"{A1}.ipynb")
        zf.write(work / "big.json", _lms("z05-big-in-zip", 5) + "responses.json")
    # Files the instructor dropped next to the zip, as some LMS downloads come.
    for n, student in [(2, "z02-link"), (3, "z03-fifo"), (4, "z04-oversized")]:
        _honest_files(archive, release, student, prefix=_lms(student, n))
        (archive / (_lms(student, n) + "responses.json")).unlink()
    (archive / (_lms("z02-link", 2) + "responses.json")).symlink_to(source)
    os.mkfifo(archive / (_lms("z03-fifo", 3) + "responses.json"))
    _sparse(archive / (_lms("z04-oversized", 4) + "responses.json"))
    run = course.nbgrader("zip_collect", A1, timeout=180)
    return dict(run=run, honest=json.loads((work / "0" / "responses.json").read_text(encoding="utf-8")))


@pytest.mark.nbgrader
def test_zip_collect_refuses_unsafe_files_and_their_whole_submission(course, lms):
    run = lms["run"]
    out = run.output
    assert run.returncode == 0, out[-3000:]
    assert "Traceback" not in out, out[-3000:]
    collected = course.dir / "submitted" / "z01-honest" / A1
    assert sorted(p.name for p in collected.iterdir()) == sorted([f"{A1}.ipynb", "responses.json"])
    assert json.loads((collected / "responses.json").read_text(encoding="utf-8")) == lms["honest"]
    lines = [line for line in out.splitlines() if "[powerdynamics] not" in line]
    expect = {
        "z02-link": "responses.json is a symbolic link",
        "z03-fifo": "responses.json is a FIFO",
        "z04-oversized": "responses.json is 30,000,000 bytes",
        "z05-big-in-zip": "responses.json is 30,000,000 bytes",
    }
    for student, why in expect.items():
        named = [line for line in lines if student in line]
        assert any(why in line for line in named), (student, lines)
        # the honest notebook of the same submission is refused with it, naming the reason
        assert any(f"{A1}.ipynb of {student!r}" in line and why in line for line in named), (
            student, lines)
    for bad in BAD_IDS:
        assert any(f"of {bad!r}" in line and f"student id {bad!r} refused" in line
                   for line in lines), (bad, lines)
    for student in [*expect, *BAD_IDS]:
        assert student not in _submitted(course), student
    extracted = course.dir / "downloaded" / A1 / "extracted"
    for path in [*extracted.rglob("*"), *(course.dir / "submitted").rglob("*")]:
        assert not path.is_symlink(), path
        assert path.is_dir() or path.is_file(), path  # no FIFO copied or opened


# -- powerdynamics grade check (no nbgrader: reads submitted/ with lstat first) --------------
def _plain_submission(root: Path, student: str, typed: dict | None = None) -> Path:
    folder = root / "submitted" / student / A1
    folder.mkdir(parents=True)
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell("typed_answers = " + json.dumps(typed or {})))
    nbformat.write(nb, folder / f"{A1}.ipynb")
    return folder


def test_grade_check_says_refused_and_why(tmp_path, capsys):
    """grade check of the pooled a1 (its items file in source/, as in the course): the
    refused submissions are named with the reason and never opened; the others are counted
    (answers of every kind, saved or typed) and a foreign draw is flagged."""
    import signal

    from powerdynamics.cli import main

    (tmp_path / "source" / A1).mkdir(parents=True)
    shutil.copy(ITEMS_FILE, tmp_path / "source" / A1 / ITEMS_NAME)
    secret = tmp_path / "secret.json"  # a whole right draw: 12 saved answers if it were read
    assert len(saved_responses(secret, "link")["answers"]) == 12
    saved_responses(_plain_submission(tmp_path, "ok") / "responses.json", "ok", draw("ok")[:2])
    (_plain_submission(tmp_path, "link") / "responses.json").symlink_to(secret)
    os.mkfifo(_plain_submission(tmp_path, "fifo", best(draw("fifo")[:1])) / "responses.json")
    _sparse(_plain_submission(tmp_path, "big") / "responses.json", 2_000_000)
    folder = _plain_submission(tmp_path, "nblink")
    (folder / f"{A1}.ipynb").unlink()
    (folder / f"{A1}.ipynb").symlink_to(secret)
    _plain_submission(tmp_path, "=HYPERLINK(1)", best(draw("=HYPERLINK(1)")[:1]))
    # A friend's saved quiz (login "ok", their draw) handed in as one's own.
    saved_responses(_plain_submission(tmp_path, "swapped") / "responses.json", "ok")

    signal.alarm(30)  # a FIFO opened for reading would wait for ever
    try:
        code = main(["grade", "check", A1, "--course", str(tmp_path)])
    finally:
        signal.alarm(0)
    out = capsys.readouterr().out
    rows = {line.split()[0]: line for line in out.splitlines()[1:]
            if line.split() and not line.startswith(("Refused", "These", "Draw mismatch"))}
    assert code == 1
    assert rows["ok"].split()[1:5] == ["yes", "present", "2", "0"] and "REFUSED" not in rows["ok"]
    assert "DRAW MISMATCH" not in rows["ok"]
    assert "unreadable" not in out
    for student, why in [("link", "responses.json is a symbolic link"),
                         ("fifo", "responses.json is a FIFO"),
                         ("nblink", f"{A1}.ipynb is a symbolic link")]:
        assert "REFUSED" in rows[student] and why in rows[student], rows[student]
    assert rows["link"].split()[2] == "refused" and rows["fifo"].split()[2] == "refused"
    assert rows["link"].split()[3] == "0"  # the linked file (12 right answers) is never read
    assert rows["nblink"].split()[1] == "NO"  # nor the linked notebook
    assert rows["fifo"].split()[4] == "1"  # the typed answers are still counted
    # 2 MB: autograde takes the submission, but the file is over the 1 MB read limit
    assert rows["big"].split()[2] == "refused" and "REFUSED" not in rows["big"]
    assert "responses.json refused (responses.json is 2,000,000 bytes" in rows["big"]
    assert "student id '=HYPERLINK(1)' refused" in rows["=HYPERLINK(1)"]
    assert rows["=HYPERLINK(1)"].split()[4] == "1"
    assert "Refused: =HYPERLINK(1), fifo, link, nblink " in out
    assert rows["swapped"].split()[1:5] == ["yes", "present", "12", "0"], rows["swapped"]
    assert "holds the draw of login 'ok', not of student 'swapped'" in rows["swapped"]
    assert "DRAW MISMATCH" in rows["swapped"] and "REFUSED" not in rows["swapped"]
    assert "Draw mismatch: swapped " in out
    assert not [s for s, row in rows.items() if "DRAW MISMATCH" in row and s != "swapped"], out
