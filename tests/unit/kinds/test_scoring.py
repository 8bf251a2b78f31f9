"""One scoring rule, seeded order, and the quiz's selection."""

from __future__ import annotations

from fractions import Fraction

import pytest

from powerdynamics import ScenarioQuiz
from powerdynamics.ordering import seeded_order
from powerdynamics.scenarios import default_bank
from powerdynamics.scoring import Tally, all_verdicts, case_score, check_answer, cue_score, score_line


def choices() -> list:
    return [i for i in default_bank() if i.kind == "choice"]


def test_right_answer_gives_the_decisive_cue():
    item = choices()[0]
    verdict = check_answer(item, item.key)
    assert verdict.correct and verdict.feedback == item.explanation
    assert verdict.headline.startswith("Correct")


def test_every_distractor_gives_its_own_feedback():
    for item_id, by_option in all_verdicts(choices()).items():
        item = default_bank().get(item_id)
        for option, verdict in by_option.items():
            assert verdict.correct == (option == item.key)
            if option != item.key:
                assert verdict.feedback == item.feedback[option]
                assert item.explanation not in verdict.feedback  # the key is not given away


def test_unknown_option_is_refused():
    for item in default_bank():
        if item.kind == "session":
            with pytest.raises(ValueError, match="is not a move"):
                check_answer(item, [99])
            continue
        wrong = next(s for s in ("narrative", "expert", "power") if s not in item.options)
        answer = {"choice": wrong, "cue": {"label": wrong, "sentence": 0},
                  "case": {"marked": [wrong], "decisive": wrong}}[item.kind]
        with pytest.raises(ValueError, match="is not an option"):
            check_answer(item, answer)


def test_tally_counts_first_attempts_only():
    a = choices()[0]
    wrong = a.distractors[0]
    tally = Tally([a.id, "other"])
    assert tally.record(check_answer(a, wrong))
    assert not tally.record(check_answer(a, a.key))  # retry does not change the score
    assert (tally.correct, tally.answered, tally.missed, tally.finished) == (0, 1, [a.id], False)
    assert tally.summary() == score_line(0, 1, 2)


def test_seeded_order_is_deterministic_and_seed_dependent():
    values = [f"item-{i:02d}" for i in range(30)]
    assert seeded_order(values, 3) == seeded_order(list(values), 3)
    assert seeded_order(values, 3) != seeded_order(values, 4)
    assert sorted(seeded_order(values, 3)) == values
    assert seeded_order(values, None) == values
    # Pinned: the order must not change with the Python version or platform.
    assert seeded_order(["a", "b", "c", "d"], 1) == seeded_order(["d", "c", "b", "a"], 1)


def test_quiz_order_is_reproducible():
    one = ScenarioQuiz(seed=11, record_progress=False)
    two = ScenarioQuiz(seed=11, record_progress=False)
    assert [(p.scenario.id, p.options) for p in one.items] == [
        (p.scenario.id, p.options) for p in two.items
    ]
    assert one.to_html().replace(one.quiz_id, "Q") == two.to_html().replace(two.quiz_id, "Q")


def test_quiz_selection_errors_are_clear():
    with pytest.raises(ValueError, match="no scenarios match"):
        ScenarioQuiz(category="bases", lesson=7, setting="online", keys=["reward"], limit=0)
    with pytest.raises(KeyError, match="no scenario with id"):
        ScenarioQuiz(["does-not-exist"])


def test_ids_keep_their_order_and_limit_applies():
    ids = [s.id for s in default_bank().items[:3]]
    quiz = ScenarioQuiz(list(reversed(ids)), seed=5, record_progress=False)
    assert quiz.item_ids == list(reversed(ids))
    assert len(ScenarioQuiz(seed=5, limit=2, record_progress=False)) == min(2, len(default_bank()))


def test_quiz_selects_by_kind_and_tier():
    quiz = ScenarioQuiz(lesson=3, kinds=["case"], seed=3, record_progress=False)
    assert len(quiz) and {p.scenario.kind for p in quiz.items} == {"case"}
    assert all(p.scenario.tags.lesson == 3 for p in quiz.items)
    stretch = ScenarioQuiz(kinds=["choice", "cue"], tiers=["stretch"], seed=1, record_progress=False)
    assert len(stretch) and {p.scenario.tier for p in stretch.items} == {"stretch"}
    assert {p.scenario.kind for p in stretch.items} <= {"choice", "cue"}
    with pytest.raises(ValueError, match="kinds=\\['session'\\]"):
        ScenarioQuiz(lesson=2, kinds=["session"])


def test_practice_runs_from_core_to_stretch_seeded_within_each_tier():
    rank = {"worked": 0, "core": 1, "stretch": 2}
    for seed in (0, 3, 11):
        quiz = ScenarioQuiz(seed=seed, record_progress=False)
        tiers = [rank[p.scenario.tier] for p in quiz.items]
        assert tiers == sorted(tiers) and len(set(tiers)) > 1
        for tier in ("core", "stretch"):
            ids = [p.scenario.id for p in quiz.items if p.scenario.tier == tier]
            assert ids == seeded_order(sorted(ids), seed, salt="items")
    # a limit keeps the core items; ids keep the order they were given in
    first = ScenarioQuiz(lesson=2, seed=5, limit=3, record_progress=False)
    assert all(p.scenario.tier != "stretch" for p in first.items)
    mixed = [s.id for s in default_bank() if s.tier == "stretch"][:1] + [
        s.id for s in default_bank() if s.tier == "core"][:1]
    assert ScenarioQuiz(mixed, seed=5, record_progress=False).item_ids == mixed


def test_content_note_items_can_be_skipped(monkeypatch):
    bank = default_bank()
    flagged = [s.id for s in bank if s.tags.content_note]
    assert flagged, "the bank has no content-note items to opt out of"
    monkeypatch.setenv("POWERDYNAMICS_SKIP_CONTENT_NOTES", "1")
    quiz = ScenarioQuiz(record_progress=False)
    assert not any(p.scenario.tags.content_note for p in quiz.items)
    assert quiz.skipped_for_content_note == len(flagged)


def test_opting_out_is_respected_when_it_leaves_nothing(monkeypatch):
    flagged = [s.id for s in default_bank() if s.tags.content_note][:3]
    monkeypatch.setenv("POWERDYNAMICS_SKIP_CONTENT_NOTES", "1")
    quiz = ScenarioQuiz(flagged, record_progress=False)
    assert len(quiz) == 0
    bundle = quiz._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" not in bundle
    assert "3 scenarios of this quiz carry a content note" in bundle["text/html"]
    assert "alternative practice" in bundle["text/plain"]
    assert all(i not in bundle["text/html"] for i in flagged)


@pytest.mark.parametrize(("present", "marked", "decisive", "expected"), [
    # (every source at work, what the trainee marked, their decisive choice, score)
    ({"a", "b"}, {"a", "b"}, "a", Fraction(1)),            # all found, decisive right
    ({"a", "b"}, {"a", "b"}, "b", Fraction(2, 3)),         # all found, decisive wrong
    ({"a", "b"}, {"a"}, "a", Fraction(2, 3)),              # one missed
    ({"a", "b"}, {"a", "b", "c"}, "a", Fraction(2, 3)),    # one false alarm
    ({"a", "b"}, {"a", "c"}, "a", Fraction(1, 3)),         # hit and false alarm cancel
    ({"a", "b"}, {"a", "b", "c", "d"}, "a", Fraction(1, 3)),  # marking everything earns nothing
    ({"a", "b", "c"}, {"a", "b"}, None, Fraction(4, 9)),   # no decisive choice
    ({"a", "b"}, set(), None, Fraction(0)),
])
def test_case_partial_credit_known_answers(present, marked, decisive, expected):
    assert case_score(frozenset(present), frozenset(marked), "a", decisive) == expected


def test_cue_and_session_scores():
    assert [cue_score(x, y) for x, y in ((1, 1), (1, 0), (0, 1), (0, 0))] == [1, Fraction(1, 2),
                                                                              Fraction(1, 2), 0]
    for item in default_bank():
        if item.kind == "case":
            best = check_answer(item, {"marked": list(item.present), "decisive": item.decisive})
            assert best.correct and best.score == 1
        if item.kind == "cue":
            best = check_answer(item, {"label": item.key, "sentence": item.decisive_index})
            assert best.correct and best.score == 1
            assert check_answer(item, {"label": item.key, "sentence": None}).score == 0.5


def test_score_line_at_zero_answers_says_so():
    assert score_line(0, 0, 6) == "No answers yet (6 in this quiz)."
    assert "0 of 0" not in score_line(0, 0, 6)
