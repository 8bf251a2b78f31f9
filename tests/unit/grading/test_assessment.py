"""Unit tests of assessment mode (powerdynamics.assessment) and the grading helpers.

The items here are made up for the tests (ids ``t1-..``); the real assessment items
and their keys live only in exercises/source and are never copied into tests.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from powerdynamics import assessment as A
from powerdynamics.grading import LimitOutputSize, StripHiddenTests, remove_from_release

ITEMS = [
    {
        "id": "t1-01",
        "category": "bases",
        "vignette": "A made-up vignette for the tests: someone does something because of someone else.",
        "options": ["expert", "referent", "legitimate"],
    },
    {
        "id": "t1-02",
        "category": "bases",
        "vignette": "Another made-up vignette for the tests, long enough to pass the schema check.",
        "options": ["coercive", "reward", "legitimate", "referent"],
    },
    {
        "id": "t1-03",
        "category": "modes",
        "vignette": "A third made-up vignette, about a group deciding something together or not.",
        "options": ["power-over", "power-with", "power-to"],
        "content_note": True,
    },
]


@pytest.fixture(autouse=True)
def _not_under_nbgrader(monkeypatch):
    monkeypatch.delenv(A.NBGRADER_EXECUTION_ENV, raising=False)


def _quiz(tmp_path: Path, **kw) -> A.AssessmentQuiz:
    return A.AssessmentQuiz(ITEMS, responses_path=tmp_path / "responses.json", assignment="t1", **kw)


def _on_disk(tmp_path: Path) -> dict:
    return json.loads((tmp_path / "responses.json").read_text(encoding="utf-8"))


# -- items ----------------------------------------------------------------------------
def test_items_are_validated_and_keys_are_refused():
    parsed = A.parse_items(ITEMS)
    assert [i.id for i in parsed] == ["t1-01", "t1-02", "t1-03"]
    with pytest.raises(ValueError, match=r"item 2 \(t1-02\): key: .*must not carry key"):
        A.parse_items([ITEMS[0], {**ITEMS[1], "key": "reward"}])
    with pytest.raises(ValueError, match=r"item 1 \(t1-01\).*'referant' not in category 'bases'"):
        A.parse_items([{**ITEMS[0], "options": ["expert", "referant", "legitimate"]}])
    with pytest.raises(ValueError, match=r"item 2 \(t1-01\): id: duplicate id"):
        A.parse_items([ITEMS[0], ITEMS[0]])
    with pytest.raises(ValueError, match=r"item 1 \(T1 01\): id:"):
        A.parse_items([{**ITEMS[0], "id": "T1 01"}])
    with pytest.raises(ValueError, match="empty"):
        A.parse_items([])


def test_a_practice_scenario_with_its_key_is_refused():
    from powerdynamics.scenarios import Scenario

    scenario = Scenario.model_validate({
        "id": "t9-01", "category": "bases", "vignette": ITEMS[0]["vignette"],
        "options": ["expert", "referent", "legitimate"], "key": "expert",
        "explanation": "Because the test says so, at length.",
        "feedback": {"referent": "not this one", "legitimate": "nor this one"},
        "tags": {"lesson": 2, "setting": "workplace"},
    })
    with pytest.raises(ValueError, match="key, explanation, feedback: an assessment item must not carry"):
        A.AssessmentQuiz([scenario], responses_path="unused.json")


def test_the_quiz_object_holds_no_key(tmp_path):
    quiz = _quiz(tmp_path)
    for item in quiz.items:
        assert set(item.model_dump()) == {"id", "category", "vignette", "options", "content_note"}


# -- saving and restoring -----------------------------------------------------------------
def test_each_answer_is_saved_at_once_and_atomically(tmp_path):
    quiz = _quiz(tmp_path)
    assert not (tmp_path / "responses.json").exists()
    status = quiz.select("t1-02", "reward")
    assert "Saved" in status
    data = _on_disk(tmp_path)
    assert data["assignment"] == "t1"
    assert data["answers"] == {"t1-02": "reward"}
    assert data["updated"].endswith("+00:00")
    quiz.select("t1-01", "expert")
    quiz.select("t1-02", "coercive")  # a changed mind replaces the earlier answer
    assert _on_disk(tmp_path)["answers"] == {"t1-01": "expert", "t1-02": "coercive"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["responses.json"]  # no temp files left


def test_reopening_restores_answers_into_the_widget(tmp_path):
    _quiz(tmp_path).select("t1-03", "power-with")
    again = _quiz(tmp_path)
    assert again.answers == {"t1-03": "power-with"}
    assert again.widget.radios["t1-03"].value == "power-with"
    assert again.widget.radios["t1-01"].value is None
    assert "Saved earlier: Power with" in again.widget.statuses["t1-03"].value
    assert "Answered 1 of 3" in again.widget.progress.value


def test_answers_to_other_items_in_the_file_are_kept(tmp_path):
    A.write_responses(tmp_path / "responses.json", "t1", {"zz-99": "anything", "t1-01": "referent"})
    quiz = _quiz(tmp_path)
    assert quiz.answers == {"t1-01": "referent"}
    quiz.select("t1-02", "legitimate")
    assert _on_disk(tmp_path)["answers"] == {"t1-01": "referent", "t1-02": "legitimate", "zz-99": "anything"}


def test_two_open_copies_do_not_erase_each_other(tmp_path):
    first, second = _quiz(tmp_path), _quiz(tmp_path)
    first.select("t1-01", "expert")
    second.select("t1-02", "reward")
    assert _on_disk(tmp_path)["answers"] == {"t1-01": "expert", "t1-02": "reward"}


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", '{"answers": ["a"]}', '{"answers": {"t1-01": 3}}'])
def test_a_corrupt_file_is_moved_aside_with_a_warning_never_lost(tmp_path, content):
    (tmp_path / "responses.json").write_text(content, encoding="utf-8")
    with pytest.warns(UserWarning, match=r"responses\.json.*kept as responses\.json\.corrupt-"):
        quiz = _quiz(tmp_path)
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("responses.json.corrupt-")]
    assert len(aside) == 1 and aside[0].read_text(encoding="utf-8") == content
    assert any("kept as" in m for m in quiz.messages)  # shown in the widget too
    assert "kept as" in quiz.widget.box.children[2].value
    quiz.select("t1-01", "expert")
    assert _on_disk(tmp_path)["answers"] == {"t1-01": "expert"}
    assert aside[0].read_text(encoding="utf-8") == content


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temp_file(tmp_path):
    target = tmp_path / "responses.json"
    A.write_responses(target, "t1", {"t1-01": "expert"})
    before = target.read_text(encoding="utf-8")
    blocker = tmp_path / "dir"
    blocker.mkdir()
    with pytest.raises(OSError):
        A.write_responses(blocker, "t1", {"t1-01": "referent"})  # os.replace onto a directory fails
    assert target.read_text(encoding="utf-8") == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir", "responses.json"]


def test_a_save_that_fails_says_so_in_the_widget(tmp_path):
    quiz = A.AssessmentQuiz(ITEMS, responses_path=tmp_path / "gone" / "responses.json")
    status = quiz.select("t1-01", "expert")  # the folder does not exist: the write fails
    assert "Not saved" in status and "kept in this session" in status
    assert quiz.answers == {"t1-01": "expert"}


def test_a_folder_in_the_way_is_reported_not_moved(tmp_path):
    (tmp_path / "responses.json").mkdir()
    with pytest.warns(UserWarning, match="is a folder"):
        quiz = _quiz(tmp_path)
    assert "Not saved" in quiz.select("t1-01", "expert")
    assert (tmp_path / "responses.json").is_dir()


def test_nothing_is_written_or_moved_while_nbgrader_executes(tmp_path, monkeypatch):
    monkeypatch.setenv(A.NBGRADER_EXECUTION_ENV, "autograde")
    (tmp_path / "responses.json").write_text("{broken", encoding="utf-8")
    quiz = _quiz(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["responses.json"]
    status = quiz.select("t1-01", "expert")
    assert "Not saved" in status
    assert (tmp_path / "responses.json").read_text(encoding="utf-8") == "{broken"


def test_the_widget_never_shows_correctness(tmp_path):
    quiz = _quiz(tmp_path)
    texts = []
    for item in quiz.items:
        for option in item.options:
            texts.append(quiz.select(item.id, option))
    assert all(t.count("Saved:") == 1 for t in texts)
    shown = " ".join(t.lower() for t in texts)
    for word in ("correct", "not quite", "wrong", "right", "\u2713", "\u2717"):
        assert word not in shown


def test_paged_and_stacked_layouts(tmp_path):
    paged = _quiz(tmp_path).widget
    assert paged.holder.children == (paged.panels[0],)
    assert paged.prev.disabled and not paged.next.disabled
    paged.next.click()
    assert paged.holder.children == (paged.panels[1],)
    stacked = _quiz(tmp_path, stacked=True).widget
    assert all(panel in stacked.box.children for panel in stacked.panels)


def test_renderings(tmp_path):
    quiz = _quiz(tmp_path)
    bundle = quiz._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    html = bundle["text/html"]
    assert "needs a running Python kernel" in html and "t1-02" in html
    assert "Content note" in html  # item t1-03
    assert html == quiz.to_html()  # deterministic


# -- typed answers --------------------------------------------------------------------------
def test_check_format_says_exactly_what_is_wrong():
    report = A.check_format(
        {"t1-01": "referant", "t1-2": "reward", "t1-02": "", "t1-03": 3}, ITEMS
    )
    assert not report.ok
    text = str(report)
    assert 't1-01: \'referant\' is not a label; did you mean "referent"?' in text
    assert "'t1-2' is not an item of this assessment; did you mean \"t1-02\"?" in text
    assert "t1-02: empty answer; type one of: coercive, reward, legitimate, referent" in text
    assert "t1-03: the answer must be a label in quotes" in text
    assert "never says whether an answer is right" in text


def test_check_format_other_cases():
    assert "must be a dict" in str(A.check_format(["expert"], ITEMS))
    empty = A.check_format({}, ITEMS)
    assert empty.ok and "No typed answers to check" in str(empty)
    wrong_category = A.check_format({"t1-01": "power-with"}, ITEMS)
    assert "'power-with' is not one of this item's options (expert, referent, legitimate)" in str(wrong_category)
    forgiving = A.check_format({"t1-01": "Referent Power"}, ITEMS)
    assert forgiving.ok and "will be read as 'referent'" in str(forgiving)
    assert "not typed: t1-02, t1-03" in str(forgiving)


def test_check_format_never_reveals_correctness():
    # Two well-formed answer sets (at most one of them can be "right") get the same report.
    one = str(A.check_format({"t1-01": "expert", "t1-02": "reward"}, ITEMS))
    two = str(A.check_format({"t1-01": "legitimate", "t1-02": "coercive"}, ITEMS))
    assert one == two


def test_check_format_uses_the_last_quiz_by_default(tmp_path):
    _quiz(tmp_path)
    assert "did you mean" in str(A.check_format({"t1-01": "referant"}))


@pytest.mark.parametrize(("typed", "expected"), [
    ("referent", "referent"), (" Referent ", "referent"), ("Referent power", "referent"),
    ("power over", "power-over"), ("POWER_WITH", "power-with"), ("Dominant-group power", "dominant-group"),
    ("referant", None), ("", None),
])
def test_normalise_label(typed, expected):
    assert A.normalise_label(typed) == expected


# -- the loader -------------------------------------------------------------------------------
def test_load_responses_missing_file(tmp_path, capsys):
    assert A.load_responses(tmp_path / "responses.json") == {}
    assert "No saved quiz answers" in capsys.readouterr().out
    assert A.load_responses(tmp_path / "responses.json", quiet=True) == {}
    assert capsys.readouterr().out == ""
    assert A.load_responses(tmp_path / "responses.json", typed={"t1-01": "Expert"}, quiet=True) == {
        "t1-01": "expert"
    }


def test_load_responses_typed_wins_when_it_names_a_label(tmp_path, capsys):
    path = tmp_path / "responses.json"
    A.write_responses(path, "t1", {"t1-01": "expert", "t1-02": "reward", "t1-03": "power-to"})
    typed = {"t1-01": "referent", "t1-02": "rewrd", "t1-03": "  ", "t1-04": "bogus"}
    merged = A.load_responses(path, typed=typed)
    assert merged == {"t1-01": "referent", "t1-02": "reward", "t1-03": "power-to", "t1-04": "bogus"}
    assert "t1-02: typed answer 'rewrd' is not a label; the saved quiz answer is used" in capsys.readouterr().out


def test_load_responses_reports_but_never_moves_a_corrupt_file(tmp_path, capsys):
    path = tmp_path / "responses.json"
    path.write_text("{oops", encoding="utf-8")
    assert A.load_responses(path, typed=["not", "a", "dict"]) == {}
    out = capsys.readouterr().out
    assert "could not be read" in out and "not valid JSON" in out and "typed answers ignored" in out
    assert path.read_text(encoding="utf-8") == "{oops"


def test_load_responses_mentions_another_assignment(tmp_path, capsys):
    path = tmp_path / "responses.json"
    A.write_responses(path, "other", {"t1-01": "expert"})
    assert A.load_responses(path, assignment="t1") == {"t1-01": "expert"}
    assert "saved for assignment 'other'" in capsys.readouterr().out


def test_answer_status(tmp_path):
    path = tmp_path / "responses.json"
    A.write_responses(path, "t1", {"t1-01": "expert"})
    text = A.answer_status(ITEMS, typed={"t1-02": "reward"}, path=path)
    assert text.splitlines()[0] == "2 of 3 questions answered."
    assert "Question 1 (t1-01): Expert power (saved quiz answer)" in text
    assert "Question 2 (t1-02): Reward power (typed)" in text
    assert "Question 3 (t1-03): no answer" in text
    assert "No quiz answers saved yet" in A.answer_status(ITEMS, path=tmp_path / "none.json")


# -- grading helpers ------------------------------------------------------------------------
def _graded_notebook():
    cell = new_code_cell(
        'answers = {}\nassert "t1-01" in answers, "Question 1 has no answer yet"\n'
        "### BEGIN HIDDEN TESTS\n"
        'assert answers.get("t1-01") == "SECRET-LABEL", "SECRET-MESSAGE"\n'
        "### END HIDDEN TESTS",
        outputs=[
            new_output("stream", name="stdout", text='ok\nassert answers.get("t1-01") == "SECRET-LABEL"\n'),
            new_output("error", ename="AssertionError", evalue="Question 1 has no answer yet",
                       traceback=['----> 4 assert answers.get("t1-01") == "SECRET-LABEL"']),
        ],
    )
    cell2 = new_code_cell(
        "x = 1\n### BEGIN HIDDEN TESTS\nassert x == 2, 'SECRET-MESSAGE'\n### END HIDDEN TESTS",
        outputs=[new_output("error", ename="AssertionError", evalue="SECRET-MESSAGE",
                            traceback=["SECRET-MESSAGE"])],
    )
    scheme = new_markdown_cell("Task\n### BEGIN MARK SCHEME\nSECRET-SCHEME\n### END MARK SCHEME\nend")
    plain = new_code_cell("print(1)", outputs=[new_output("error", ename="ValueError", evalue="mine",
                                                           traceback=["mine"])])
    return new_notebook(cells=[cell, cell2, scheme, plain])


def test_strip_hidden_tests_removes_sources_tracebacks_and_mark_schemes():
    nb, _ = StripHiddenTests()(_graded_notebook(), {})
    text = json.dumps(nb)
    assert "SECRET" not in text and "HIDDEN TESTS" not in text
    first = nb.cells[0]
    assert "# (Hidden tests are not shown in feedback.)" in first.source
    assert first.outputs[0].text == "ok\n[hidden]\n"
    assert "did not pass" in first.outputs[1].text
    assert "AssertionError: Question 1 has no answer yet" in first.outputs[1].text  # visible check kept
    assert nb.cells[2].source == "Task\nend"
    assert nb.cells[3].outputs[0].output_type == "error"  # other cells untouched


def test_limit_output_size_caps_a_huge_print():
    cell = new_code_cell("print('x' * 10_000_000)", outputs=[
        new_output("stream", name="stdout", text="x" * 10_000_000),
        new_output("execute_result", data={"text/plain": "y" * 500, "image/png": "z" * 200_000},
                   execution_count=1),
    ])
    nb, _ = LimitOutputSize(max_chars=1000)(new_notebook(cells=[cell]), {})
    size = len(json.dumps(nb))
    assert size < 5_000
    assert "output truncated: 9999000 characters not shown" in nb.cells[0].outputs[0].text
    assert "image/png" not in nb.cells[0].outputs[1].data


def test_remove_from_release_deletes_saved_answers(tmp_path, capsys):
    source = tmp_path / "source" / "t1"
    release = tmp_path / "release" / "t1"
    source.mkdir(parents=True)
    release.mkdir(parents=True)
    nbformat.write(new_notebook(), source / "t1.ipynb")
    (release / "responses.json").write_text("{}", encoding="utf-8")
    (release / "data.csv").write_text("kept", encoding="utf-8")
    remove_from_release(["responses.json"])(assignment="t1", student=".",
                                             notebooks=[os.fspath(source / "t1.ipynb")])
    assert sorted(p.name for p in release.iterdir()) == ["data.csv"]
    assert "must not be given to trainees" in capsys.readouterr().err


def test_batch_command_reports_a_wrong_course_directory(tmp_path, capsys):
    from powerdynamics.batch import main

    assert main(["autograde", "a1-x", "--course", str(tmp_path)]) == 2
    assert "no nbgrader_config.py here" in capsys.readouterr().err
    (tmp_path / "nbgrader_config.py").write_text("", encoding="utf-8")
    assert main(["autograde", "a1-x", "--course", str(tmp_path)]) == 2
    assert "no submissions of 'a1-x'" in capsys.readouterr().err
