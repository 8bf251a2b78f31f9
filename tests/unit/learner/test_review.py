"""The spaced review queue orders items as specified for a scripted history."""

from __future__ import annotations

from powerdynamics import ScenarioQuiz
from powerdynamics.learner.progress import Answer, ProgressStore
from powerdynamics.review import leitner_boxes, review_queue
from powerdynamics.scenarios import default_bank
from tests.support.paths import ROOT


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
    missed = [i for i in default_bank() if i.kind == "choice"][-1]
    store.record(missed.id, missed.category, missed.distractors[0], False)
    quiz = ScenarioQuiz.review(limit=5, progress=store)
    assert quiz.item_ids[0] == missed.id
    assert len(quiz) == min(5, len(default_bank()))


# -- the mastery view of the review lesson ----------------------------------------------
def test_mastery_chart_with_no_answers_is_a_deterministic_message(tmp_path, monkeypatch):
    from powerdynamics.mastery import NO_ANSWERS_CHART, mastery_chart

    monkeypatch.setenv("POWERDYNAMICS_PROGRESS_DB", str(tmp_path / "empty.sqlite3"))
    bundle = mastery_chart()._repr_mimebundle_()
    assert bundle == {"text/plain": NO_ANSWERS_CHART, "text/html": f'<p class="pdq-no-chart">{NO_ANSWERS_CHART}</p>'}
    assert bundle == mastery_chart({})._repr_mimebundle_()
    assert NO_ANSWERS_CHART.startswith("No answers yet")


def test_mastery_chart_reads_the_store_and_names_what_to_review_next(tmp_path):
    import base64

    from powerdynamics.mastery import draw_mastery, mastery_chart, mastery_rows

    store = ProgressStore(tmp_path / "p.sqlite3")
    for n in range(6):  # bases: 5 of 6 right at the first try -> secure
        store.record(f"b-{n}", "bases", "x", n != 0)
    for n in range(5):  # control: 1 of 5 right -> review first (retries do not count)
        store.record(f"c-{n}", "control", "x", n == 0)
        store.record(f"c-{n}", "control", "x", True, attempt=2)
    store.record("m-0", "modes", "x", True)  # one item: too few to tell
    chart = mastery_chart(store.summary())
    bundle = chart._repr_mimebundle_()
    assert set(bundle) == {"image/png", "text/plain"}
    assert base64.b64decode(bundle["image/png"]) == chart.png == mastery_chart(store.summary()).png
    alt = bundle["text/plain"]
    assert "Individual and relational bases of power: 83% (5 of 6 items), secure" in alt
    assert "Power versus control: 20% (1 of 5 items), review first" in alt
    assert "Power over, power with, power to: 100% (1 of 1 item), too few items to tell yet" in alt
    assert alt.endswith("Review next: Power versus control (20% right at the first try).")
    fig = draw_mastery(mastery_rows(store.summary()))
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "20% (1 of 5 items), review first" in texts  # values in text, not colour alone
    assert fig.axes[0].get_title(loc="left") == "Review next: Power versus control (20% right at the first try)"


def test_review_lesson_uses_the_queue_and_the_mastery_chart():

    import nbformat

    path = ROOT / "notebooks" / "07-mixed-review.ipynb"
    code = [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    review = next(i for i, s in enumerate(code) if "ScenarioQuiz.review(" in s)
    chart = next(i for i, s in enumerate(code) if "mastery_chart()" in s)
    table = next(i for i, s in enumerate(code) if "mastery_table()" in s)
    assert review < table < chart  # the chart follows the table, after the review
