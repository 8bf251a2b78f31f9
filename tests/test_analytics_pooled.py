"""Item analysis for per-trainee draws: each item's n, difficulty and discrimination are
computed only on the trainees who saw it (issue 12). Values checked by hand."""

from __future__ import annotations

import pytest

from powerdynamics.analytics.pooled import analyse_pooled, per_item_scores
from powerdynamics.grading.draws import draw_for

SCORES = {
    "s1": {"A": 1.0, "B": 1.0},  # own share 1
    "s2": {"A": 0.0, "C": 1.0},  # 0.5
    "s3": {"B": 0.5, "C": 0.0},  # 0.25 (partial credit on B)
    "s4": {"A": 1.0, "B": 0.0},  # 0.5
}


def test_each_item_is_judged_on_those_who_saw_it():
    stats = {s.item: s for s in analyse_pooled(["A", "B", "C", "D"], SCORES)}
    a, b, c, d = stats["A"], stats["B"], stats["C"], stats["D"]
    assert (a.n, a.correct) == (3, 2) and a.difficulty == pytest.approx(2 / 3)
    # groups of 1 (27 % of 3, rounded half up); s2 and s4 tie at the bottom: half each
    assert (a.p_upper, a.p_lower, a.discrimination) == (1.0, 0.5, 0.5)
    assert (b.n, b.correct, b.difficulty) == (3, 1, 0.5)
    assert (b.p_upper, b.p_lower, b.discrimination) == (1.0, 0.5, 0.5)
    assert (c.n, c.difficulty, c.discrimination) == (2, 0.5, 1.0)
    assert (d.n, d.difficulty, d.discrimination) == (0, None, None)


def test_one_trainee_gives_no_discrimination_and_ungraded_cells_do_not_count():
    stats = analyse_pooled(["A"], {"s1": {"A": 1.0}, "s2": {"A": None}})
    assert (stats[0].n, stats[0].difficulty, stats[0].discrimination) == (1, 1.0, None)


def test_max_scores_scale_the_shares():
    stats = analyse_pooled(["A"], {"s1": {"A": 2.0}, "s2": {"A": 1.0}}, {"A": 2.0})
    assert stats[0].difficulty == 0.75 and stats[0].discrimination == 0.5


def test_position_grades_become_item_grades_through_the_draw():
    forms = [["x1", "x2", "x3"], ["x2", "x3", "x4"], ["x1", "x3", "x4"]]
    rows = per_item_scores("a9", forms, {"ana": {"q01": 1.0, "q02": 0.0, "q03": 0.5}})
    draw = draw_for("a9", "ana", forms)
    assert rows["ana"] == {draw.items[0]: 1.0, draw.items[1]: 0.0, draw.items[2]: 0.5}
