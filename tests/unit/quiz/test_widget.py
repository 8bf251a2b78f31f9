"""The live widget (anywidget): Python judges every answer, records it, replies the verdict."""

from __future__ import annotations

from powerdynamics import ScenarioQuiz
from powerdynamics.kinds import answer_token, grade
from powerdynamics.kinds.session import paths as session_paths
from powerdynamics.learner.progress import ProgressStore
from powerdynamics.quiz.frontend import module_source
from powerdynamics.quiz.widget import QuizWidget
from powerdynamics.scoring import score_line
from tests.support.kinds_fixture import one_of_each_kind


def messages(w: QuizWidget) -> list[dict]:
    sent: list[dict] = []
    w.send = lambda content, buffers=None: sent.append(content)  # type: ignore[method-assign]
    return sent


def test_every_kind_is_judged_recorded_and_replied(tmp_path):
    store = ProgressStore(tmp_path / "p.sqlite3")
    quiz = ScenarioQuiz(bank=one_of_each_kind(), progress=store, seed=None)
    w = quiz.widget
    assert isinstance(w, QuizWidget) and w._esm == module_source()
    assert "v" not in w.data["items"][0] and "t" not in w.data["items"][0]  # Python judges here
    sent = messages(w)
    items = {p.scenario.kind: p.scenario for p in quiz.items}
    answers = {
        "choice": items["choice"].distractors[0],
        "case": {"marked": list(items["case"].present), "decisive": items["case"].decisive},
        "cue": {"label": items["cue"].key, "sentence": 0},
        "session": [0],  # not finished: feedback, nothing recorded yet
    }
    for req, (kind, answer) in enumerate(answers.items(), start=1):
        w._on_message(w, {"type": "answer", "req": req, "item": items[kind].id, "answer": answer})
        assert sent[-1]["req"] == req
        assert sent[-1]["verdict"] == grade(items[kind], answer).as_dict()
    best = next(list(path) for path in session_paths(items["session"])
                if grade(items["session"], list(path)).correct)
    w._on_message(w, {"type": "answer", "req": 9, "item": items["session"].id, "answer": best})
    assert sent[-1]["verdict"]["correct"] is True
    assert sent[-1]["score"] == score_line(2, 4, 4) == w.tally.summary()
    recorded = [(a.item_id, a.chosen) for a in store.answers()]
    assert recorded == [(items["choice"].id, answers["choice"]),
                        (items["case"].id, answer_token(items["case"], answers["case"])),
                        (items["cue"].id, f"{items['cue'].key}@0"),
                        (items["session"].id, ".".join(map(str, best)))]
    assert all(a.quiz == quiz.quiz_id for a in store.answers())
    # the partial score is the grade of the stored token
    case_row = store.answers()[1]
    assert grade(items["case"], case_row.chosen).score == 1.0


def test_bad_answer_gets_no_verdict_and_no_record(tmp_path):
    store = ProgressStore(tmp_path / "p.sqlite3")
    quiz = ScenarioQuiz(seed=3, limit=1, progress=store)
    sent = messages(quiz.widget)
    quiz.widget._on_message(quiz.widget, {"type": "answer", "req": 1, "item": quiz.item_ids[0],
                                          "answer": "not-a-label"})
    assert sent[-1]["verdict"] is None and "not an option" in sent[-1]["error"]
    assert store.answers() == []
    assert sent[-1]["score"] == score_line(0, 0, 1)


def test_a_new_widget_shows_the_answers_the_store_holds_as_after_a_kernel_restart(tmp_path):
    """Re-running the quiz cell (after a kernel restart) restores each item's latest answer
    with its feedback and counts its latest first try, as a reload does in the book."""
    store = ProgressStore(tmp_path / "p.sqlite3")
    first = ScenarioQuiz(bank=one_of_each_kind(), progress=store, seed=None)
    items = {p.scenario.kind: p.scenario for p in first.items}
    choice, cue = items["choice"], items["cue"]
    wrong = choice.distractors[0]
    messages(first.widget)
    for answer in (wrong, choice.key):  # wrong first, then right after "Try again"
        first.widget._on_message(first.widget, {"type": "answer", "req": 1, "item": choice.id, "answer": answer})
    first.widget._on_message(first.widget, {"type": "answer", "req": 2, "item": cue.id,
                                            "answer": {"label": cue.key, "sentence": 0}})

    again = ScenarioQuiz(bank=one_of_each_kind(), progress=store, seed=None)  # the cell run again
    w = again.widget
    restored = w.data["restored"]
    assert restored == {choice.id: {"first": wrong, "last": choice.key},
                        cue.id: {"first": f"{cue.key}@0", "last": f"{cue.key}@0"}}
    views = {v["id"]: v for v in w.data["items"]}
    assert set(views[choice.id]["v"]) == {wrong, choice.key}  # only what is shown, not every answer
    assert "v" not in views[items["case"].id]  # never answered: Python judges it live
    assert w.tally.answered == 2 and w.tally.correct == int(grade(cue, {"label": cue.key, "sentence": 0}).correct)
    sent = messages(w)
    w._on_message(w, {"type": "answer", "req": 3, "item": choice.id, "answer": wrong})
    assert sent[-1]["score"] == w.tally.summary()
    assert store.answers()[-1].attempt == 3  # the third answer to that item since its first try

    review = ScenarioQuiz.review(limit=3, seed=1, progress=store, bank=one_of_each_kind())
    assert review.widget.data["restored"] == {}  # a review starts each item afresh
