"""A different draw per trainee (issue 12), grading side: pools, forms, the items file,
autograde of draws in a real nbgrader course (SQLite gradebook), the DrawMismatch flag,
``grade draw``/``grade check`` and the leak scan of every pool key.

The course is tests/support/pool_course.py: the real nbgrader_config.py, the fixture pool
(tests/fixtures/pools/tp.yaml, 12 items of all four kinds) and a pool-mode notebook with
q01 ... q06.  Expected scores are computed here from the fixture's keys.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import nbformat
import pytest

from tests.support.htmltext import html_text
from tests.support.paths import ROOT
from tests.support.pool_course import (
    ASSIGNMENT,
    ITEMS_FILE,
    POOL,
    POOL_FIXTURE,
    SIZE,
    PoolCourse,
    best_answer,
    wrong_answer,
)


@pytest.fixture(scope="module")
def pool():
    from powerdynamics.grading.pools import load_pool

    return load_pool(POOL_FIXTURE)


def _clone(pool, copies: int):
    """A bigger pool for size-12 forms: each fixture item ``copies`` times, new ids."""
    from powerdynamics.kinds import validate_item

    items = []
    for n in range(copies):
        for item in pool:
            data = item.model_dump(by_alias=True, exclude_none=True)
            data["id"] = f"{item.id}-c{n}"
            items.append(validate_item(data))
    return items


# -- pools and forms ---------------------------------------------------------------------------
def test_forms_are_balanced_deterministic_and_cover_the_pool(pool):
    from powerdynamics.grading.pools import FORMS, assemble_forms, form_problems, label_cap

    forms = assemble_forms(pool, SIZE, seed="tp-pool")
    assert forms == assemble_forms(pool, SIZE, seed="tp-pool")
    assert assemble_forms(pool, SIZE, seed="other") != forms
    assert len(forms) == FORMS and len({tuple(f) for f in forms}) > FORMS // 2
    assert all(form_problems(f, pool, SIZE) == [] for f in forms)
    assert {i for f in forms for i in f} == {it.id for it in pool}
    assert label_cap(pool, SIZE) == 2  # 7 key labels: ceil(6/7) + 1

    big = _clone(pool, 2)  # 24 items: a form of 12
    forms12 = assemble_forms(big, 12, seed="a1")
    by_id = {it.id: it for it in big}
    for form in forms12:
        assert form_problems(form, big, 12) == []
        kinds = [by_id[i].kind for i in form]
        assert kinds.count("case") >= 3 and kinds.count("cue") >= 3 and kinds.count("session") <= 1
        assert sum(by_id[i].tier == "stretch" for i in form) >= 4


def test_a_small_or_unbalanceable_pool_is_an_error(pool):
    from powerdynamics.grading.pools import PoolError, Quotas, assemble_forms

    with pytest.raises(PoolError, match="at least 14"):
        assemble_forms(pool, 7)
    with pytest.raises(PoolError, match="case"):
        assemble_forms([it for it in pool if it.kind != "case"] * 1, 4,
                       quotas=Quotas(case=1, cue=1, session_max=1, stretch=1))
    with pytest.raises(PoolError, match="cannot be balanced"):
        assemble_forms(pool, 6, quotas=Quotas(case=2, cue=2, session_max=0, stretch=6))


def test_a_bad_pool_is_reported_with_file_item_and_field(tmp_path):
    from powerdynamics.grading.pools import PoolError, load_pool

    text = POOL_FIXTURE.read_text(encoding="utf-8").replace("key: expert", "key: expertise", 1)
    text = text.replace("objectives: [L6.4]}", "}", 1)
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(PoolError) as info:
        load_pool(bad)
    message = str(info.value)
    assert "bad.yaml:" in message and "tp-p04: key:" in message
    assert ": tp-p12: tags.objectives: a graded item must name" in message


def test_the_public_view_is_a_whitelist_and_shows_no_key(pool):
    from powerdynamics.grading.pools import (
        PUBLIC_FIELDS,
        dumps_items,
        items_document,
        key_leaks,
        public_view,
    )

    for item in pool:
        view = public_view(item)
        assert set(view) <= set(PUBLIC_FIELDS[item.kind]), item.id
        assert view["id"] == item.id and view["kind"] == item.kind
    session = public_view(next(it for it in pool if it.kind == "session"))
    move = next(iter(session["nodes"].values()))["moves"][0]
    assert set(move) == {"text", "next"}
    cue = public_view(next(it for it in pool if it.kind == "cue"))
    assert all(isinstance(s, str) for s in cue["sentences"])
    text = dumps_items(items_document(POOL, pool, SIZE))
    assert key_leaks(text, pool, structured=True) == []
    # Negative control: the pool file itself is full of keys.
    leaks = key_leaks(POOL_FIXTURE.read_text(encoding="utf-8"), pool, structured=True)
    for item in pool:
        assert any(leak.startswith(f"{item.id}:") for leak in leaks), item.id


def test_key_leaks_finds_each_kind_of_key(pool):
    from powerdynamics.grading.pools import key_leaks

    case = next(it for it in pool if it.kind == "case")
    cue = next(it for it in pool if it.kind == "cue")
    session = next(it for it in pool if it.kind == "session")
    choice = next(it for it in pool if it.kind == "choice")
    move = next(m for n in session.nodes.values() for m in n.moves)
    samples = {
        choice.id: f'"{choice.id}": "{choice.key}"',
        case.id: f"{case.id} present: {json.dumps(list(case.present))}",
        cue.id: json.dumps({"text": cue.sentences[cue.decisive_index].text, "decisive": True}),
        session.id: f"{move.text} (rating: {move.rating})",
    }
    for item_id, sample in samples.items():
        assert any(leak.startswith(item_id) for leak in key_leaks(sample, pool)), sample
    assert key_leaks(f"{case.id}: your answer, marked nothing", pool) == []


# -- the real course ------------------------------------------------------------------------------
@dataclass
class Trainee:
    id: str
    answers: dict[str, Any] | None  # item id -> answer saved by the quiz (None: no file)
    expected: float | None  # autograded total; None = a reported failure
    draw_of: str | None = None  # whose draw the responses.json records (default: own)
    typed: dict[str, Any] | None = None
    edits: list = field(default_factory=list)
    raw: str | None = None  # the notebook file's text instead of the release
    raw_responses: str | None = None


def _score(item, answer) -> Fraction:
    from powerdynamics import kinds

    return Fraction(kinds.grade(item, answer).score).limit_denominator(100)


@dataclass
class Pipeline:
    course: PoolCourse
    trainees: list[Trainee]
    draws: dict[str, Any]
    forms: Any
    batch: Any
    feedback: Any
    check: Any


def _insert_after(nb, cell_id: str, source: str) -> None:
    index = next(i for i, c in enumerate(nb.cells) if c.get("id") == cell_id)
    nb.cells.insert(index + 1, nbformat.v4.new_code_cell(source))


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory, pool) -> Pipeline:
    from powerdynamics.grading.draws import draw_for

    course = PoolCourse(tmp_path_factory.mktemp("pool"))
    forms = course.powerdynamics("grade", "forms", ASSIGNMENT, "--course", ".", "--size", str(SIZE))
    assert forms.returncode == 0, forms.output
    run = course.nbgrader("generate_assignment", ASSIGNMENT)
    assert run.returncode == 0, run.output[-3000:]
    released = json.loads((course.dir / "release" / ASSIGNMENT / ITEMS_FILE)
                          .read_text(encoding="utf-8"))
    keys = {it.id: it for it in pool}

    def draw(login):
        return draw_for(released["assignment"], login, released["forms"])

    ana, ben = draw("ana.k"), draw("ben.o")
    assert ana.items != ben.items
    # Ana: every answer right except one case item, marked with one false alarm (2/3).
    ana_answers = {i: best_answer(keys[i]) for i in ana.items}
    case_id = next(i for i in ana.items if keys[i].kind == "case")
    case = keys[case_id]
    absent = next(o for o in case.options if o not in case.present)
    ana_answers[case_id] = {"marked": [*case.present, absent], "decisive": case.decisive}
    ana_total = sum(_score(keys[i], a) for i, a in ana_answers.items())
    assert _score(case, ana_answers[case_id]) == Fraction(2, 3)
    # Ben: a wrong answer on every second item of his draw, the rest right.
    ben_answers = {i: (wrong_answer(keys[i]) if n % 2 else best_answer(keys[i]))
                   for n, i in enumerate(ben.items)}
    ben_total = sum(_score(keys[i], a) for i, a in ben_answers.items())
    assert 0 < ben_total < SIZE
    full = float(SIZE)
    cy = draw("cy.d")
    typed_only = {i: best_answer(keys[i]) for i in draw("dee.typed").items}

    def delete_cells(nb):
        nb.cells = [c for c in nb.cells if c.get("id") not in {"quiz", "typed-answers", "q03"}]

    def edit_locked(nb):
        for c in nb.cells:
            if c.get("id") in ("q01", "q02", "status"):
                c.source = 'print("edited")\n1'

    trainees = [
        Trainee("ana.k", ana_answers, float(ana_total)),
        Trainee("ben.o", ben_answers, float(ben_total)),
        Trainee("cy.swap", ana_answers, 0.0, draw_of="ana.k"),  # hands in Ana's draw
        Trainee("dee.typed", None, full, typed=typed_only),
        Trainee("eve.loop", {i: best_answer(keys[i]) for i in draw("eve.loop").items}, full,
                edits=[lambda nb: _insert_after(nb, "quiz", "while True:\n    pass")]),
        Trainee("fay.deleted", {i: best_answer(keys[i]) for i in draw("fay.deleted").items}, full,
                edits=[delete_cells]),
        Trainee("gus.edited", {i: best_answer(keys[i]) for i in draw("gus.edited").items}, full,
                edits=[edit_locked]),
        Trainee("hal.malformed", {i: best_answer(keys[i]) for i in draw("hal.malformed").items},
                None, raw='{"cells": [ {"cell_type": '),
        Trainee("ida.none", None, 0.0),
        Trainee("jon.huge", {i: best_answer(keys[i]) for i in draw("jon.huge").items}, full,
                edits=[lambda nb: _insert_after(nb, "quiz", "print('x' * 10_000_000)")]),
        Trainee("kim.nested", None, 0.0, raw_responses="[" * 200_000 + "]" * 200_000),
    ]
    assert cy.items != ana.items
    release = course.dir / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    for t in trainees:
        folder = course.dir / "submitted" / t.id / ASSIGNMENT
        folder.mkdir(parents=True)
        shutil.copy(release.parent / ITEMS_FILE, folder)
        if t.answers is not None:
            d = draw(t.draw_of or t.id)
            record = {"student": d.student, "seed": d.seed, "form": d.form, "items": list(d.items)}
            (folder / "responses.json").write_text(json.dumps(
                {"assignment": ASSIGNMENT, "draw": record, "answers": t.answers,
                 "updated": "2026-03-02T09:00:00+00:00"}), encoding="utf-8")
        if t.raw_responses is not None:
            (folder / "responses.json").write_text(t.raw_responses, encoding="utf-8")
        nb = nbformat.read(release, as_version=4)
        if t.typed is not None:
            cell = next(c for c in nb.cells if c.get("id") == "typed-answers")
            cell.source = "typed_answers = " + json.dumps(t.typed, indent=4)
        for edit in t.edits:
            edit(nb)
        target = folder / f"{ASSIGNMENT}.ipynb"
        if t.raw is not None:
            target.write_text(t.raw, encoding="utf-8")
        else:
            nbformat.write(nb, target)
        (folder / "timestamp.txt").write_text("2026-03-02 09:00:00.000000 UTC", encoding="utf-8")
    batch = course.nbgrader("autograde", ASSIGNMENT, "--Execute.timeout=3")
    feedback = course.nbgrader("generate_feedback", ASSIGNMENT)
    check = course.powerdynamics("grade", "check", ASSIGNMENT, "--course", ".")
    return Pipeline(course, trainees, {"ana.k": ana, "ben.o": ben}, released, batch, feedback, check)


def _q_scores(gb, student: str) -> dict[str, float | None]:
    submission = gb.find_submission(ASSIGNMENT, student)
    return {g.name: g.auto_score for nb in submission.notebooks for g in nb.grades
            if g.name.startswith("q")}


@pytest.mark.nbgrader
def test_items_file_is_released_and_fresh(pipeline, pool):
    from powerdynamics.grading.pools import dumps_items, items_document

    course = pipeline.course
    source = course.dir / "source" / ASSIGNMENT / ITEMS_FILE
    assert source.read_text(encoding="utf-8") == dumps_items(items_document(POOL, pool, SIZE))
    released = course.dir / "release" / ASSIGNMENT / ITEMS_FILE
    assert released.read_bytes() == source.read_bytes()
    assert pipeline.forms["assignment"] == POOL and pipeline.forms["size"] == SIZE


@pytest.mark.nbgrader
def test_two_trainees_see_different_draws_and_are_graded_right(pipeline, pool):
    keys = {it.id: it for it in pool}
    by_id = {t.id: t for t in pipeline.trainees}
    with pipeline.course.gradebook() as gb:
        for login in ("ana.k", "ben.o"):
            draw = pipeline.draws[login]
            scores = _q_scores(gb, login)
            for k, item_id in enumerate(draw.items, start=1):
                expected = float(_score(keys[item_id], by_id[login].answers[item_id]))
                assert scores[f"q{k:02d}"] == pytest.approx(expected, abs=1e-3), (login, k, item_id)
            assert sum(scores.values()) == pytest.approx(by_id[login].expected, abs=1e-3)
        case_positions = [k for k, i in enumerate(pipeline.draws["ana.k"].items, 1)
                          if keys[i].kind == "case"]
        ana = _q_scores(gb, "ana.k")
        assert pytest.approx(2 / 3, abs=1e-3) in [ana[f"q{k:02d}"] for k in case_positions]


@pytest.mark.nbgrader
def test_robustness_cases_each_leave_a_gradebook_row(pipeline):
    with pipeline.course.gradebook() as gb:
        rows = {s.student.id for s in gb.find_assignment(ASSIGNMENT).submissions}
        assert rows == {t.id for t in pipeline.trainees}
        for t in pipeline.trainees:
            scores = _q_scores(gb, t.id)
            if t.expected is None:
                assert all(v is None for v in scores.values()), t.id
                continue
            assert len(scores) == SIZE, t.id  # a deleted q cell comes back and is graded
            assert sum(scores.values()) == pytest.approx(t.expected, abs=1e-3), (t.id, scores)
    assert "There was an error processing assignment" in pipeline.batch.output
    assert "hal.malformed" in pipeline.batch.output


@pytest.mark.nbgrader
def test_a_swapped_draw_is_flagged_not_graded(pipeline):
    course = pipeline.course
    nb = nbformat.read(course.dir / "autograded" / "cy.swap" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb",
                       as_version=4)
    errors = [o for c in nb.cells if c.get("id", "").startswith("q") for o in c.outputs
              if o.output_type == "error"]
    assert len(errors) == SIZE and all(o.ename == "DrawMismatch" for o in errors)
    assert "holds the draw of login 'ana.k', not of student 'cy.swap'" in errors[0].evalue
    rows = {line.split()[0]: line for line in pipeline.check.output.splitlines() if line.strip()}
    assert "DRAW MISMATCH" in rows["cy.swap"], pipeline.check.output
    assert "DRAW MISMATCH" not in rows["ana.k"] and "DRAW MISMATCH" not in rows["ben.o"]
    assert "draw mismatch: cy.swap" in pipeline.check.output.lower()
    assert pipeline.check.returncode == 1


@pytest.mark.nbgrader
def test_report_gives_per_item_statistics_over_those_who_saw_each_item(pipeline, pool):
    import csv

    run = pipeline.course.powerdynamics("report", ".", "--assignment", ASSIGNMENT)
    assert run.returncode == 0, run.output
    assert "are positions, not items" in run.output
    path = pipeline.course.dir / f"pooled-items-{ASSIGNMENT}.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = {r["item"]: r for r in csv.DictReader(handle)}
    assert set(rows) == {it.id for it in pool}
    graded = [t for t in pipeline.trainees if t.expected is not None]
    assert sum(int(r["n"]) for r in rows.values()) == SIZE * len(graded)
    ana_first = pipeline.draws["ana.k"].items[0]
    assert int(rows[ana_first]["n"]) >= 1

    # The minimal pair tp-p01/tp-p04 (legitimate vs expert): per member, who saw it and
    # whether they gave its own key, the partner's key or something else, from the
    # trainees' own answers and draws.
    from powerdynamics.analytics.pairs import answered_label

    by_id = {it.id: it for it in pool}
    with (pipeline.course.dir / f"pairs-{ASSIGNMENT}.csv").open(encoding="utf-8", newline="") as handle:
        pairs = {r["item"]: r for r in csv.DictReader(handle)}
    assert set(pairs) == {"tp-p01", "tp-p04"}
    from powerdynamics.grading.draws import draw_for

    own_draw = [t for t in graded if t.draw_of is None]  # a swapped draw says nothing of the pair
    assert len(own_draw) < len(graded)
    assert "left out of the answers per item: cy.swap" in run.output
    for item, partner in (("tp-p01", "tp-p04"), ("tp-p04", "tp-p01")):
        want = {"n": 0, "own_key": 0, "partner_key": 0, "other": 0}
        for t in own_draw:
            if item not in draw_for(pipeline.forms["assignment"], t.id, pipeline.forms["forms"]).items:
                continue
            want["n"] += 1
            given = answered_label(by_id[item], {**(t.answers or {}), **(t.typed or {})}.get(item))
            which = ("own_key" if given == by_id[item].key else
                     "partner_key" if given == by_id[partner].key else "other")
            want[which] += 1
        assert {k: int(pairs[item][k]) for k in want} == want, (item, pairs[item])
        assert pairs[item]["pair"] == "tp-ward" and pairs[item]["partner_keys"] == by_id[partner].key
    # Case items: one row per source of every case item, over the same trainees.
    with (pipeline.course.dir / f"case-labels-{ASSIGNMENT}.csv").open(encoding="utf-8", newline="") as handle:
        labels = list(csv.DictReader(handle))
    cases = [it for it in pool if it.kind == "case"]
    assert [(r["item"], r["label"]) for r in labels] == [(c.id, o) for c in cases for o in c.options]
    seen = {t.id: draw_for(pipeline.forms["assignment"], t.id, pipeline.forms["forms"]).items for t in own_draw}
    for r in labels:
        item = by_id[r["item"]]
        assert int(r["n"]) == sum(1 for t in own_draw if item.id in seen[t.id])
        assert (r["at_work"] == "yes") == (r["label"] in item.present)
        assert int(r["marked"]) <= int(r["answered"]) <= int(r["n"])
    with (pipeline.course.dir / f"cue-sentences-{ASSIGNMENT}.csv").open(encoding="utf-8", newline="") as handle:
        sentences = list(csv.DictReader(handle))
    cues = [it for it in pool if it.kind == "cue"]
    assert len(sentences) == sum(len(c.sentences) for c in cues)
    html = (pipeline.course.dir / f"report-{ASSIGNMENT}.html").read_text(encoding="utf-8")
    for heading in ("Minimal pairs: was the changed detail seen?", "Pool items (each over",
                    "Case items: each source marked", "Cue items: the sentence pointed at"):
        assert heading in html, heading


@pytest.mark.nbgrader
def test_the_batch_table_carries_the_flag(pipeline):
    from powerdynamics.grading.batch import Outcome, _flag_answers, format_outcomes

    outcomes = [Outcome("cy.swap", "graded", 1.0, 0, "ok"), Outcome("ana.k", "graded", 1.0, 0, "ok")]
    _flag_answers(pipeline.course.dir, ASSIGNMENT, outcomes)
    table = format_outcomes(outcomes)
    line = next(x for x in table.splitlines() if x.startswith("cy.swap"))
    assert "DRAW MISMATCH: this notebook holds the draw of login 'ana.k'" in line
    assert "DRAW MISMATCH" not in next(x for x in table.splitlines() if x.startswith("ana.k"))


@pytest.mark.nbgrader
def test_grade_draw_prints_the_ids(pipeline):
    run = pipeline.course.powerdynamics("grade", "draw", ASSIGNMENT, "--student", "ana.k",
                                        "--course", ".")
    assert run.returncode == 0, run.output
    lines = [ln for ln in run.output.splitlines() if ln.startswith("tp-")]
    assert lines == list(pipeline.draws["ana.k"].items)
    short = pipeline.course.powerdynamics("grade", "draw", "tp", "--student", " Ana.K ", "--course", ".")
    assert [ln for ln in short.output.splitlines() if ln.startswith("tp-")] == lines


@pytest.mark.nbgrader
def test_feedback_shows_own_answers_and_points_and_no_key(pipeline, pool):
    from powerdynamics.grading.pools import key_leaks

    course = pipeline.course
    assert pipeline.feedback.returncode == 0, pipeline.feedback.output[-3000:]
    keys = {it.id: it for it in pool}
    page = course.dir / "feedback" / "ana.k" / ASSIGNMENT / f"{ASSIGNMENT}.html"
    text = html_text(page.read_text(encoding="utf-8"))
    assert "earned 0.666667 of 1" in text or "earned 0.6667 of 1" in text
    assert "your answer, marked" in text
    for t in pipeline.trainees:
        folder = course.dir / "feedback" / t.id
        if not folder.is_dir():
            continue
        own = {i for i, a in (t.answers or t.typed or {}).items()
               if i in keys and _score(keys[i], a) == 1}
        for path in folder.rglob("*"):
            if path.is_file():
                raw = path.read_text(encoding="utf-8", errors="replace")
                assert key_leaks(raw + "\n" + html_text(raw), pool, allowed=own) == [], path


@pytest.mark.nbgrader
def test_no_pool_key_in_the_release(pipeline, pool):
    from powerdynamics.grading.pools import key_leaks

    release = pipeline.course.dir / "release"
    for path in release.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            assert key_leaks(text, pool, structured=path.name.endswith("-items.json")) == [], path
    assert not list(release.rglob("*.yaml"))


def _course_pools():
    from powerdynamics.grading.pools import load_pool

    folder = ROOT / "exercises" / "pools"
    pools = [load_pool(POOL_FIXTURE)]
    if folder.is_dir():
        pools += [load_pool(p) for p in sorted(folder.glob("*.yaml")) if not p.name.endswith("-tasks.yaml")]
    return [it for p in pools for it in p]


def test_no_pool_key_in_the_installed_package():
    from powerdynamics.grading.pools import key_leaks
    from tests.support.leaks import _package_dirs

    items = _course_pools()
    for folder in _package_dirs():
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix in (".py", ".json", ".yaml", ".html", ".js", ".md"):
                text = path.read_text(encoding="utf-8", errors="replace")
                assert key_leaks(text, items) == [], path


def test_no_pool_key_in_the_course_release_material():
    """Every items file in exercises/source (what nbgrader releases) is key-free."""
    from powerdynamics.grading.pools import key_leaks

    items = _course_pools()
    for path in sorted((ROOT / "exercises" / "source").rglob("*-items.json")):
        assert key_leaks(path.read_text(encoding="utf-8"), items, structured=True) == [], path


def test_every_course_items_file_is_fresh():
    """source/<a...>/<a>-items.json is what `powerdynamics grade forms <a>` writes from
    exercises/pools/<a>.yaml today (never hand-edited, never stale)."""
    from powerdynamics.grading.pools import dumps_items, items_document, load_pool, resolve_assignment

    exercises = ROOT / "exercises"
    for pool_file in sorted((exercises / "pools").glob("*.yaml")):
        if pool_file.name.endswith("-tasks.yaml"):
            continue
        assignment = resolve_assignment(exercises, pool_file.stem)
        path = exercises / "source" / assignment / f"{pool_file.stem}-items.json"
        assert path.is_file(), f"{path}: missing; run powerdynamics grade forms {assignment} --course exercises"
        fresh = dumps_items(items_document(pool_file.stem, load_pool(pool_file)))
        assert path.read_text(encoding="utf-8") == fresh, f"{path}: stale; run powerdynamics grade forms"


@pytest.mark.book
def test_no_pool_key_in_the_built_book(built_book):
    from powerdynamics.grading.pools import key_leaks

    items = _course_pools()
    for path in sorted(built_book.rglob("*.html")):
        raw = path.read_text(encoding="utf-8", errors="replace")
        assert key_leaks(html_text(raw), items) == [], path
