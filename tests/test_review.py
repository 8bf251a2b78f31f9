"""The spaced review queue orders items as specified for a scripted history."""

from __future__ import annotations

from powerdynamics import ScenarioQuiz
from powerdynamics.progress import Answer, ProgressStore
from powerdynamics.review import leitner_boxes, review_queue
from powerdynamics.scenarios import default_bank


def answer(item_id: str, correct: bool, t: int, attempt: int = 1, category: str = "bases") -> Answer:
    return Answer(item_id, category, "x", correct, attempt, "q", f"2026-01-01T00:00:{t:02d}+00:00")


def test_leitner_boxes_for_a_scripted_history():
    history = [
        answer("a", True, 1), answer("a", True, 2), answer("a", True, 3),  # three in a row: box 4
        answer("b", True, 4), answer("b", False, 5),                      # missed last: box 1
        answer("c", False, 6), answer("c", True, 7, attempt=2),           # retry does not count
        answer("d", True, 8),                                             # once right: box 2
    ]
    boxes = {k: v.box for k, v in leitner_boxes(history).items()}
    assert boxes == {"a": 4, "b": 1, "c": 1, "d": 2}


def test_queue_missed_first_then_unseen_then_by_box():
    items = list(default_bank().items)
    if len(items) < 6:
        return
    a, b, c, d, e = (i.id for i in items[:5])
    history = [answer(a, True, 0), answer(a, True, 1), answer(a, True, 2), answer(b, False, 3), answer(c, True, 4),
               answer(d, False, 5), answer(e, True, 6), answer(e, True, 7)]
    queue = [s.id for s in review_queue(items, history, seed=1)]
    assert set(queue[:2]) == {b, d}                       # missed first
    unseen = [i.id for i in items if i.id not in {a, b, c, d, e}]
    assert set(queue[2:2 + len(unseen)]) == set(unseen)   # then never answered
    assert queue[-3:] == [c, e, a]                        # then box 2, 3, 4: later the better known
    assert len(queue) == len(items) and len(set(queue)) == len(items)


def test_review_quiz_reads_the_store(tmp_path):
    store = ProgressStore(tmp_path / "p.sqlite3")
    missed = default_bank().items[-1]
    store.record(missed.id, missed.category, missed.distractors[0], False)
    quiz = ScenarioQuiz.review(limit=5, progress=store)
    assert quiz.item_ids[0] == missed.id
    assert len(quiz) == min(5, len(default_bank()))
