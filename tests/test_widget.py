"""The JupyterLab widget: check, feedback, try again, score, summary, recorded answers."""

from __future__ import annotations

from powerdynamics import ScenarioQuiz
from powerdynamics.progress import ProgressStore
from powerdynamics.scoring import score_line


def test_full_session_is_scored_and_recorded(tmp_path):
    store = ProgressStore(tmp_path / "p.sqlite3")
    quiz = ScenarioQuiz(seed=3, limit=3, progress=store)
    w = quiz.widget
    first, second = quiz.items[0].scenario, quiz.items[1].scenario if len(quiz) > 1 else None

    assert w.check.disabled  # nothing chosen yet
    wrong = first.distractors[0]
    verdict = w.answer(wrong)
    assert not verdict.correct
    assert first.feedback[wrong].split()[0] in w.feedback.value
    assert w.retry.layout.display is None and w.radio.disabled
    w.retry.click()
    assert w.radio.value is None and not w.radio.disabled and w.feedback.value == ""
    assert w.answer(first.key).correct
    assert "Correct" in w.feedback.value
    assert w.score.value == f"<p>{score_line(0, 1, len(quiz))}</p>"

    if second is not None:
        w.next.click()
        assert w.index == 1 and w.radio.value is None
        w.answer(second.key)
        assert w.score.value == f"<p>{score_line(1, 2, len(quiz))}</p>"
        for i in range(2, len(quiz)):
            w.next.click()
            w.answer(quiz.items[i].scenario.key)

    assert w.tally.finished
    assert "Question 1: you first chose" in w.summary.value
    answers = store.answers()
    assert [(a.item_id, a.chosen, a.correct, a.attempt) for a in answers[:2]] == [
        (first.id, wrong, False, 1), (first.id, first.key, True, 2)]
    assert all(a.quiz == quiz.quiz_id for a in answers)


def test_check_without_choice_explains():
    quiz = ScenarioQuiz(seed=3, limit=1, record_progress=False)
    quiz.widget._on_check()
    assert "Choose an option first" in quiz.widget.feedback.value


def test_widget_escapes_bank_text():
    from tests.test_static_html import HOSTILE, hostile_bank

    quiz = ScenarioQuiz(bank=hostile_bank(), record_progress=False)
    assert HOSTILE not in quiz.widget.vignette.value
    assert "&lt;script&gt;" in quiz.widget.vignette.value
