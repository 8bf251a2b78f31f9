"""Hostile submissions (issue 17) of the pooled assignment 1 (issue 12) graded in ONE batch
of a real nbgrader course.

Each trainee of a1 answers their own draw of 12 items (``PooledQuiz`` under their login);
autograde grades position k of the draw it recomputes from the nbgrader student id, from
data only (``GradeFromData`` pool mode).  Each attacker hands in what the red team handed
in (code in cells of the release, a forged or foreign ``responses.json``, a forged items
file, links, FIFOs, oversized files, unsafe ids); after autograde, feedback and export
every attacker scores only what its answers deserve, the honest trainees' grades are what
they should be, no key (pool key, rubric line, model answer) is found in feedback (plain,
base64 or rot13), no process an attacker tried to start exists, and every refused
submission is refused before nbgrader copied anything.  Keys are read at run time from
exercises/pools (never written here).
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import nbformat
import pytest

from powerdynamics.grading.draws import draw_for, normalise_login
from powerdynamics.grading.pool_grading import load_keys
from tests.support.leaks import find_leaks
from tests.support.nbgrader_course import A1, Course
from tests.support.paths import EXERCISES
from tests.support.pool_course import best_answer

ITEMS_NAME = "a1-items.json"
ITEMS_FILE = EXERCISES / "source" / A1 / ITEMS_NAME  # key-free forms, released
POOL_FILE = EXERCISES / "pools" / "a1.yaml"  # the keys (instructor only)
KEYS = load_keys(POOL_FILE)  # item id -> keyed item
MARKER = "pd-hostile-daemon-marker"
TASK = "a1-formulation"  # a hand-graded markdown answer cell (9 points)


def draw(login: str) -> tuple[str, ...]:
    """The items ``login`` sees, as autograde recomputes them."""
    data = json.loads(ITEMS_FILE.read_text(encoding="utf-8"))
    return draw_for(data["assignment"], login, data["forms"]).items


def best(items) -> dict[str, Any]:
    return {i: best_answer(KEYS[i]) for i in items}


def save(folder: Path, login: str, answers: dict[str, Any], items_file: Path | None = None) -> dict:
    """Answer in the real PooledQuiz under ``login`` (as the widget's Save does); returns
    the responses.json it wrote."""
    from powerdynamics.grading.pooled_quiz import PooledQuiz

    quiz = PooledQuiz(items_file or folder / ITEMS_NAME, folder / "responses.json", login=login)
    for item, value in answers.items():
        quiz.save(item, value)
    return json.loads((folder / "responses.json").read_text(encoding="utf-8"))


def _cell(nb, cell_id):
    return next(c for c in nb.cells if c.get("id") == cell_id)


def _insert(nb, after: str, source: str, kind: str = "code") -> None:
    index = next(i for i, c in enumerate(nb.cells) if c.get("id") == after)
    make = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
    nb.cells.insert(index + 1, make(source))


SCRIPT = ("<script>window.top.__pd_pwned = 1; alert('pwned')</script>"
          "<img src=x onerror=\"window.top.__pd_pwned = 1; alert('pwned')\">")
TASK_TEXT = "My formulation for task 1."
FRIEND = "g01-honest"  # whose draw and answers the copying attackers hand in


def _plan(tmp: Path) -> tuple[dict, Path]:
    """student id -> (expected autograded score or 'refused', builder(folder, nb, student))."""
    pidfile = tmp / "daemon.pid"

    def empty_responses(folder, nb, student):
        # The quiz was opened under the trainee's own login and nothing was answered.
        saved = save(folder, student, {})
        assert saved["answers"] == {} and saved["draw"]["student"] == normalise_login(student)

    def monkeypatch(folder, nb, student):
        empty_responses(folder, nb, student)
        _insert(nb, "setup", "import types\nimport powerdynamics.kinds as kinds\n"
                "import powerdynamics.grading.pool_grading as pg\n"
                "full = lambda *a, **k: types.SimpleNamespace(score=1.0, correct=True)\n"
                "kinds.grade = full\npg.judge = lambda item, value: (full(), None)\n"
                "pg.read_pool_responses = lambda path: pg.PoolResponses('ok', "
                f"{{i: 'x' for i in {list(draw(student))!r}}}, None)")

    def pool_overwrite(folder, nb, student):
        # Reads the keys from the course's pools/ (beside submitted/) and writes them as
        # this trainee's answers.
        empty_responses(folder, nb, student)
        _insert(nb, "quiz", "import glob, json, yaml\nkeys = {}\n"
                "for p in glob.glob('../../../pools/*.yaml'):\n"
                "    for it in yaml.safe_load(open(p)).get('items', []):\n"
                "        keys[it['id']] = it.get('key')\n"
                "json.dump({'assignment': 'a1', 'draw': quiz.draw_record, 'answers': "
                "{i: keys.get(i) for i in quiz.draw.items}}, open('responses.json', 'w'))")

    def gradebook_write(folder, nb, student):
        empty_responses(folder, nb, student)
        _cell(nb, "typed-answers").source = (
            'import sqlite3\nsqlite3.connect("../../../gradebook.db").execute('
            '"update grade set auto_score=0").connection.commit()\ntyped_answers = {}')

    def hook_exfiltration(folder, nb, student):
        empty_responses(folder, nb, student)
        _insert(nb, "setup", "import base64, codecs, glob\nip = get_ipython()\n"
                "def leak(info):\n    src = info.raw_cell\n"
                "    for p in glob.glob('../../../pools/*.yaml') + glob.glob('../../../source/*/*.ipynb'):\n"
                "        src += open(p).read()\n"
                "    print(base64.b64encode(src.encode()).decode())\n"
                "    print(codecs.encode(src, 'rot13'))\n"
                "ip.events.register('pre_run_cell', leak)")

    def daemon(folder, nb, student):
        empty_responses(folder, nb, student)
        _insert(nb, "setup", "import subprocess, sys\nsubprocess.Popen([sys.executable, '-c', "
                f"'import os, time; open({str(pidfile)!r}, \"w\").write(str(os.getpid())); "
                f"time.sleep(600)  # {MARKER}'], start_new_session=True)")

    def scripts(folder, nb, student):
        save(folder, student, best(draw(student)[:2]))
        _cell(nb, TASK).source = f"{TASK_TEXT} " + SCRIPT
        _insert(nb, f"{TASK}-prompt", "Extra markdown " + SCRIPT, kind="markdown")
        _insert(nb, "setup", f"from IPython.display import HTML, display\ndisplay(HTML({SCRIPT!r}))")

    def link_to(target):
        def build(folder, nb, student):
            (folder / "responses.json").symlink_to(target)
        return build

    def fifo(folder, nb, student):
        os.mkfifo(folder / "responses.json")

    def oversized(folder, nb, student):
        with open(folder / "big.bin", "wb") as handle:
            handle.truncate(30_000_000)  # sparse: 30 MB by size

    def nested(folder, nb, student):
        (folder / "responses.json").write_text('{"answers": ' + "[" * 200_000 + "]" * 200_000 + "}")
        _cell(nb, "typed-answers").source = "typed_answers = " + json.dumps(best(draw(student)[:2]))

    def honest(folder, nb, student):
        save(folder, student, best(draw(student)))

    def honest_typed(folder, nb, student):
        _cell(nb, "typed-answers").source = "typed_answers = " + json.dumps(best(draw(student)[:4]))

    def edited_locked(folder, nb, student):
        honest(folder, nb, student)
        _cell(nb, "status").source = "print('edited')"

    # -- pooled attacks: someone else's draw, a forged draw, items outside the draw ----------
    def foreign_draw(folder, nb, student):
        # The friend's saved quiz (their login, their draw, all right) handed in as one's own.
        save(folder, FRIEND, best(draw(FRIEND)))

    def forged_draw_record(folder, nb, student):
        # Own login in the draw record, the friend's items and right answers under it.
        record = save(folder, student, {})["draw"]
        record["items"] = list(draw(FRIEND))
        (folder / "responses.json").write_text(json.dumps(
            {"assignment": "a1", "answers": best(draw(FRIEND)), "draw": record}))

    def outside_draw(folder, nb, student):
        # The friend's right answers with the draw record removed: they name items
        # outside this trainee's draw (and some inside it).
        (folder / "responses.json").write_text(json.dumps(
            {"assignment": "a1", "answers": best(draw(FRIEND))}))

    def forged_items_file(folder, nb, student):
        # A submitted items file whose every form is the friend's draw: the quiz then
        # "draws" the friend's items under this trainee's own login.
        data = json.loads((folder / ITEMS_NAME).read_text(encoding="utf-8"))
        data["forms"] = [list(draw(FRIEND))] * len(data["forms"])
        (folder / ITEMS_NAME).write_text(json.dumps(data), encoding="utf-8")
        saved = save(folder, student, best(draw(FRIEND)))
        assert saved["draw"]["student"] == normalise_login(student) and set(saved["draw"]["items"]) == set(draw(FRIEND))

    def odd_values(folder, nb, student):
        # Own draw record, answers of the wrong shape: lone surrogates, every option at
        # once, nested junk.  None of them is an answer.
        record = save(folder, student, {})["draw"]
        answers = {}
        for n, item in enumerate(draw(student)):
            options = list(getattr(KEYS[item], "options", ()) or ())
            answers[item] = ["\ud800", options, {"marked": "\ud800", "decisive": ["\ud800"]},
                             {"label": options, "sentence": "0"}][n % 4]
        (folder / "responses.json").write_text(json.dumps(
            {"assignment": "a1", "answers": answers, "draw": record}))

    return {
        "g01-honest": (12, honest),
        "g02-honest-typed": (4, honest_typed),
        "g03-untouched": (0, lambda folder, nb, student: None),
        "g04-edited-locked": (12, edited_locked),
        "h01-monkeypatch": (0, monkeypatch),
        "h02-pool-overwrite": (0, pool_overwrite),
        "h03-gradebook-write": (0, gradebook_write),
        "h04-hook-exfiltration": (0, hook_exfiltration),
        "h05-daemon": (0, daemon),
        "h06-scripts": (2, scripts),
        "h07-nested-json": (2, nested),
        "h08-link-to-pool": ("refused", None),  # built after the copy (the course's pools/a1.yaml)
        "h09-link-to-passwd": ("refused", link_to("/etc/passwd")),
        "h10-fifo": ("refused", fifo),
        "h11-oversized": ("refused", oversized),
        "h12-foreign-draw": (0, foreign_draw),
        "h13-forged-draw-record": (0, forged_draw_record),
        "h14-outside-draw": (0, outside_draw),
        "h15-forged-items-file": (0, forged_items_file),
        "h16-odd-values": (0, odd_values),
        "<img src=x onerror=alert(1)>": ("refused", honest),
        "=HYPERLINK(1)": ("refused", honest),
    }, pidfile


#: Attackers whose responses.json is not their own draw: DRAW MISMATCH, every q cell 0.
MISMATCHED = ["h12-foreign-draw", "h13-forged-draw-record", "h14-outside-draw",
              "h15-forged-items-file"]
#: trainee -> item ids whose key may appear in their own feedback (their own right answers).
def _own() -> dict[str, set[str]]:
    return {"g01-honest": set(draw("g01-honest")), "g02-honest-typed": set(draw("g02-honest-typed")[:4]),
            "g04-edited-locked": set(draw("g04-edited-locked")),
            "h06-scripts": set(draw("h06-scripts")[:2]), "h07-nested-json": set(draw("h07-nested-json")[:2])}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    start = time.monotonic()
    base = tmp_path_factory.mktemp("hostile")
    course = Course(base)
    assert course.nbgrader("generate_assignment", A1).returncode == 0
    plan, pidfile = _plan(base)
    pool_copy = course.dir / "pools" / POOL_FILE.name
    assert pool_copy.is_file()
    plan["h08-link-to-pool"] = ("refused", lambda folder, nb, student: (folder / "responses.json")
                                .symlink_to(pool_copy))
    assert set(draw(FRIEND)) - set(draw("h14-outside-draw")), "the friend's draw must differ"
    release = course.dir / "release" / A1
    assert sorted(p.name for p in release.iterdir()) == sorted([f"{A1}.ipynb", ITEMS_NAME])
    for student, (_expected, build) in plan.items():
        folder = course.dir / "submitted" / student / A1
        shutil.copytree(release, folder)  # what a trainee hands in: the notebook and its items
        nb = nbformat.read(folder / f"{A1}.ipynb", as_version=4)
        build(folder, nb, student)
        nbformat.write(nb, folder / f"{A1}.ipynb")
        (folder / "timestamp.txt").write_text("2026-03-02 09:00:00.000000 UTC")
    batch = course.nbgrader("autograde", A1, timeout=600)
    feedback = course.nbgrader("generate_feedback", A1)
    check = course.powerdynamics("grade", "check", A1, "--course", ".")
    with course.gradebook() as gb:  # a roster imported by hand, with formula-like fields
        gb.update_or_create_student("=1+2", first_name="=HYPERLINK(\"http://x\")", last_name="+cmd",
                                    email="@SUM(1)")
    export = course.nbgrader("export", "--to", str(course.dir / "grades.csv"))
    report = subprocess.run([sys.executable, "-m", "powerdynamics", "report", ".", "--out",
                             str(course.dir / "report.html")], cwd=course.dir, env=course.env,
                            capture_output=True, text=True, timeout=300)
    return dict(course=course, plan=plan, pidfile=pidfile, batch=batch, feedback=feedback,
                check=check, export=export, report=report, seconds=time.monotonic() - start)


def _scores(course) -> dict[str, float]:
    with course.gradebook() as gb:
        return {s.student.id: s.score for s in gb.find_assignment(A1).submissions}


@pytest.mark.nbgrader
def test_every_attacker_scores_only_what_its_answers_deserve(hostile):
    scores = _scores(hostile["course"])
    for student, (expected, _build) in hostile["plan"].items():
        if expected == "refused":
            assert student not in scores, f"{student} reached the gradebook"
            assert not (hostile["course"].dir / "autograded" / student).exists(), student
            assert f"refused submission of '{A1}'" in hostile["batch"].output
        else:
            assert scores.get(student) == expected, (student, scores.get(student))
    print(f"\nhostile batch {hostile['batch'].seconds:.1f} s, module {hostile['seconds']:.1f} s")


@pytest.mark.nbgrader
def test_a_foreign_or_forged_draw_is_flagged_not_graded(hostile):
    """Another login's draw, a forged draw record, answers to items outside the draw and a
    forged items file: every q cell is a DrawMismatch error (0 points), and grade check
    names exactly these submissions."""
    course = hostile["course"]
    for student in MISMATCHED:
        nb = nbformat.read(course.dir / "autograded" / student / A1 / f"{A1}.ipynb", as_version=4)
        errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
                  if o.output_type == "error"]
        assert len(errors) == 12 and {e.ename for e in errors} == {"DrawMismatch"}, (
            student, [(e.ename, e.evalue[:80]) for e in errors])
    with course.gradebook() as gb:
        for student in MISMATCHED:
            grades = [g for n in gb.find_submission(A1, student).notebooks for g in n.grades
                      if re.fullmatch(r"q\d\d", g.name)]
            assert len(grades) == 12 and all(g.auto_score == 0 for g in grades), student
    check = hostile["check"]
    assert check.returncode == 1, check.output
    flagged = sorted(line.split()[0] for line in check.output.splitlines()
                     if "DRAW MISMATCH" in line)
    assert flagged == sorted(MISMATCHED), check.output
    assert f"Draw mismatch: {', '.join(sorted(MISMATCHED))}" in check.output, check.output
    text = (course.dir / "autograded" / "h12-foreign-draw" / A1 / f"{A1}.ipynb").read_text()
    assert f"holds the draw of login '{FRIEND}', not of student 'h12-foreign-draw'" in text


@pytest.mark.nbgrader
def test_no_trainee_code_ran_and_no_process_survives(hostile):
    assert not hostile["pidfile"].exists(), "a submission started a process"
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        assert MARKER.encode() not in cmdline, f"process {proc.name} survived"
    out = hostile["batch"].output
    assert "CellTimeoutError" not in out and "Executing notebook" not in out


@pytest.mark.nbgrader
def test_checksum_warnings_only_for_edited_locked_cells(hostile):
    warnings = [line for line in hostile["batch"].output.splitlines()
                if "Attribute 'checksum'" in line]
    # g04 edited one locked cell; h-attackers edited none (they added cells or edited
    # unlocked ones); everyone else handed in the release untouched.
    assert len(warnings) == 1 and "status" in warnings[0], warnings


@pytest.mark.nbgrader
def test_no_key_leaks_plain_base64_or_rot13(hostile):
    course = hostile["course"]
    feedback = course.dir / "feedback"
    own = _own()
    # The copiers' own responses.json (the friend's right answers) comes back to them in
    # feedback/, as handed in; their feedback page shows none of it (below).
    own.update({student: set(draw(FRIEND)) for student in MISMATCHED})
    assert find_leaks(feedback, own) == []
    # rot13 and base64 at every alignment (tests/unit/grading/test_leak_scan.py shows it finds them).
    assert find_leaks(feedback, own, encoded=True) == []
    for path in feedback.rglob("*"):
        assert not path.is_symlink()
        if path.is_file():
            assert "root:x:0:0" not in path.read_text(errors="replace"), path
    assert not list(feedback.glob("h0[89]*")) and not list(feedback.glob("h1[01]*"))
    # Those who handed in a friend's right answers: their feedback page shows no key.
    for student in MISMATCHED:
        page = feedback / student / A1 / f"{A1}.html"
        assert page.is_file() and find_leaks(page, encoded=True) == [], student


@pytest.mark.nbgrader
def test_feedback_is_sanitised_offline_and_numbered(hostile):
    course = hostile["course"]
    assert hostile["feedback"].returncode == 0, hostile["feedback"].output[-3000:]
    for page in (course.dir / "feedback").rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        # The trainee's markup is kept as readable text (&lt;script&gt;), never as markup.
        assert not re.search(r"<script\b[^>]*>[^<]*__pd_pwned", text), page
        assert not re.search(r"<[a-zA-Z][^<>]*\son[a-z]+\s*=[^<>]*__pd_pwned", text), page
        fetched = re.findall(r"""(?:src|href)\s*=\s*["']?(https?://[^"' >]+)|url\(\s*["']?(https?://[^)"']+)""",
                             text)
        assert fetched == [], (page, fetched)  # no third-party URL is loaded
    text = (course.dir / "feedback" / "g03-untouched" / A1 / f"{A1}.html").read_text()
    assert f"Question 1 ({draw('g03-untouched')[0]}) has no answer" in text
    assert "hidden test did not pass" not in text


@pytest.mark.nbgrader
def test_damaged_json_is_could_not_be_read_everywhere(hostile):
    course = hostile["course"]
    nb = (course.dir / "autograded" / "h07-nested-json" / A1 / f"{A1}.ipynb").read_text()
    assert "could not be read" in nb and "RecursionError" not in nb
    report = hostile["report"]
    assert report.returncode == 0, report.stdout[-2000:] + report.stderr[-2000:]
    assert "Traceback" not in report.stderr
    html = (course.dir / "report.html").read_text(encoding="utf-8")
    assert "g01-honest" in html  # the report covers everyone else


@pytest.mark.nbgrader
def test_the_report_names_the_deep_json_submission_as_could_not_be_read(hostile):
    from tests.support.htmltext import html_text

    note = re.compile(r"saved answers file\(s\) could not be read: [^.]*\bh07-nested-json\b")
    report = hostile["report"]
    warning = [line for line in report.stderr.splitlines() if "could not be read" in line]
    assert any(note.search(line) for line in warning), report.stderr[-3000:]
    assert any(line.startswith("powerdynamics report: warning:") for line in warning), warning
    text = " ".join(html_text((hostile["course"].dir / "report.html").read_text(encoding="utf-8"))
                    .split())
    assert note.search(text), [t for t in text.split(". ") if "could not be read" in t]
    assert "g01-honest" not in note.search(text).group(0)  # only the damaged file is named


@pytest.mark.nbgrader
def test_export_and_report_csvs_are_spreadsheet_safe(hostile):
    course = hostile["course"]
    assert hostile["export"].returncode == 0, hostile["export"].output[-2000:]
    for path in [course.dir / "grades.csv", *course.dir.glob("*.csv")]:
        with open(path, newline="", encoding="utf-8") as handle:
            for row in csv.reader(handle):
                for value in row:
                    if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
                        float(value)  # only numbers may start so
    rows = list(csv.DictReader(open(course.dir / "grades.csv", newline="", encoding="utf-8")))
    assert any(r["student_id"] == "'=1+2" and r["first_name"].startswith("'=") for r in rows)


@pytest.mark.nbgrader
@pytest.mark.parametrize("route", ["isolate", "workers"])
def test_batch_table_refuses_unsafe_submissions(hostile, route):
    """Every autograde route (``--isolate`` and ``--jobs N``) refuses them before nbgrader."""
    from powerdynamics.batch import autograde_each, format_outcomes
    from powerdynamics.grading.parallel import autograde_parallel

    course = hostile["course"]
    unsafe = ["h09-link-to-passwd", "h10-fifo", "h11-oversized"]
    if route == "isolate":
        outcomes = autograde_each(course.dir, A1, unsafe, limit=60, log_dir=course.dir.parent / "logs")
    else:
        outcomes = autograde_parallel(course.dir, A1, unsafe, jobs=2, limit=60,
                                      log_dir=course.dir.parent / "logs")
    assert [o.status for o in outcomes] == ["refused"] * 3
    assert not any((course.dir / "autograded" / s).exists() for s in unsafe)
    table = format_outcomes(outcomes)
    assert "symbolic link" in table and "FIFO" in table and "bytes" in table
    assert "refused (not graded, nothing copied)" in table


def test_the_quiz_says_could_not_be_read_for_deep_json(tmp_path):
    import warnings

    from powerdynamics.assessment import read_responses
    from powerdynamics.grading.pool_grading import read_pool_responses
    from powerdynamics.grading.pooled_quiz import PooledQuiz

    path = tmp_path / "responses.json"
    deep = "[" * 200_000 + "]" * 200_000
    path.write_text(deep)
    found = read_pool_responses(path)
    assert found.status == "corrupt" and "could not be read" in found.problem
    assert read_responses(path).status == "corrupt"
    shutil.copy(ITEMS_FILE, tmp_path / ITEMS_NAME)
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        quiz = PooledQuiz(tmp_path / ITEMS_NAME, path, login="t01-deep")
    assert any("could not be read" in m for m in quiz.messages), quiz.messages
    # Nothing is lost: the damaged file is kept aside and a new one holds the draw.
    assert [p.read_text() for p in tmp_path.glob("responses.json.corrupt-*")] == [deep]
    assert json.loads(path.read_text())["draw"]["student"] == "t01-deep"
    for odd in ['{"answers": {"a": "b", "a": "c"}}', '{"answers": {"a": NaN}}',
                '{"answers": {"a": ' + "1" * 5000 + "}}", '{"answers": {"a": "\\ud800"}}']:
        path.write_text(odd)
        assert read_responses(path).status == "corrupt", odd
    for odd in ['{"answers": {"a": "b", "a": "c"}}', '{"answers": {"a": NaN}}',
                '{"answers": {"a": ' + "1" * 5000 + "}}", '{"answers": {"a": "' + "x" * 3000 + '"}}',
                '{"answers": [1]}', '{"answers": {}, "draw": [1]}']:
        path.write_text(odd)
        assert read_pool_responses(path).status == "corrupt", odd


def test_spreadsheet_safe_and_student_ids():
    from powerdynamics.grading.safety import spreadsheet_safe, student_id_problem

    for bad in ["=1+2", "+cmd", "-x", "@SUM(1)", "\tx", "\rx", " =x"]:
        assert spreadsheet_safe(bad).startswith("'"), bad
    for fine in ["-1.5", "3", "+2e3", "jane", ""]:
        assert spreadsheet_safe(fine) == fine
    assert student_id_problem("doejane") is None
    for bad in ["<img src=x onerror=alert(1)>", "=HYPERLINK(1)", "a/b", "", "a,b", "x" * 65]:
        assert student_id_problem(bad), bad


@pytest.mark.nbgrader
@pytest.mark.browser
def test_no_script_runs_in_feedback_in_chromium(hostile, page):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    target = hostile["course"].dir / "feedback" / "h06-scripts" / A1 / f"{A1}.html"
    page.goto(target.as_uri())
    page.wait_for_timeout(500)
    assert page.evaluate("typeof window.__pd_pwned") == "undefined"
    assert dialogs == []
    assert TASK_TEXT in page.inner_text("body")
    assert page.request_log.external == []


@pytest.fixture(scope="module")
def formgrader(hostile, tmp_path_factory):
    """nbgrader's real formgrader (a Jupyter server extension) over the hostile course, on
    127.0.0.1 with a token."""
    import secrets

    from tests.support.localweb import free_port, wait_until_up

    course = hostile["course"]
    scratch = tmp_path_factory.mktemp("formgrader")
    token, port = secrets.token_hex(16), free_port()
    log = open(scratch / "server.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "server", "--no-browser", "--ip=127.0.0.1",
         f"--port={port}", f"--IdentityProvider.token={token}", "--ServerApp.port_retries=0",
         f"--ServerApp.root_dir={course.dir}", *(["--allow-root"] if os.geteuid() == 0 else [])],
        cwd=course.dir, env=course.env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, token, proc, log, scratch / "server.log", "formgrader's server")
        yield {"base": base, "token": token}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.mark.nbgrader
@pytest.mark.browser
def test_no_script_runs_in_a_real_formgrader_page(hostile, formgrader, page):
    """The grader's view of the submission that carries script in markdown, in an HTML
    output and in its hand-graded task answer: the text is there, the script never runs."""
    with hostile["course"].gradebook() as gb:
        notebook = gb.find_submission_notebook(A1, A1, "h06-scripts")
        submission_id = notebook.id
    before = _grade_rows(hostile["course"])  # case 9c: a script would PUT other trainees' grades
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    base, token = formgrader["base"], formgrader["token"]
    page.goto(f"{base}/formgrader/submissions/{submission_id}/?token={token}")
    page.wait_for_selector(f"text={TASK_TEXT}", timeout=30_000)
    page.wait_for_timeout(500)
    assert page.evaluate("typeof window.__pd_pwned") == "undefined"
    page.goto(f"{base}/formgrader/manage_students?token={token}")
    page.wait_for_selector("text==1+2", timeout=30_000)  # the formula-like roster entry, as text
    page.wait_for_timeout(500)
    assert page.evaluate("typeof window.__pd_pwned") == "undefined"
    assert dialogs == []
    assert page.request_log.external == []
    page.goto("about:blank")  # leave formgrader before reading the gradebook again
    after = _grade_rows(hostile["course"])
    assert after == before, {k: (before.get(k), after.get(k)) for k in set(before) | set(after)
                             if before.get(k) != after.get(k)}
    others = {student for student, _grade in before if student != "h06-scripts"}
    assert {"g01-honest", "g02-honest-typed", "g04-edited-locked"} <= others


def _grade_rows(course) -> dict[tuple[str, str], tuple]:
    """Every trainee's every grade and comment in the gradebook (what formgrader's
    /formgrader/api/grade/<id> and /api/comment/<id> PUTs change)."""
    with course.gradebook() as gb:
        rows: dict[tuple[str, str], tuple] = {}
        for submission in gb.find_assignment(A1).submissions:
            student = submission.student.id
            rows[(student, "score")] = (submission.score,)
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    rows[(student, grade.name)] = (grade.auto_score, grade.manual_score,
                                                   grade.extra_credit, grade.needs_manual_grade)
                for comment in notebook.comments:
                    rows[(student, f"comment {comment.name}")] = (comment.manual_comment,)
        return rows
