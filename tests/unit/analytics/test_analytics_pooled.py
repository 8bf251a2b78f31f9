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


# -- minimal pairs (issue 11): the partner's key given ----------------------------------------
def _paired_pool():
    from powerdynamics.grading.pools import load_pool
    from tests.support.pool_course import POOL_FIXTURE

    by_id = {it.id: it for it in load_pool(POOL_FIXTURE)}
    groups = {"tp-p01": "g-choice", "tp-p02": "g-choice", "tp-p05": "g-case", "tp-p06": "g-case",
              "tp-p08": "g-cue", "tp-p09": "g-cue", "tp-p03": "g-alone", "tp-p11": "g-session",
              "tp-p12": "g-session"}
    return [it.model_copy(update={"pair": groups.get(it.id)}) for it in by_id.values()]


def test_pair_confusion_counts_the_partner_key_per_member_for_every_kind():
    from powerdynamics.analytics.pairs import answered_label, pair_confusion

    pool = _paired_pool()
    by_id = {it.id: it for it in pool}
    assert (by_id["tp-p01"].key, by_id["tp-p02"].key) == ("legitimate", "referent")
    assert (by_id["tp-p05"].decisive, by_id["tp-p06"].decisive) == ("institutional", "coercive")
    assert (by_id["tp-p08"].key, by_id["tp-p09"].key) == ("informational", "coercive")
    shown = {"s1": ["tp-p01", "tp-p02", "tp-p05", "tp-p08"], "s2": ["tp-p01", "tp-p06", "tp-p09"],
             "s3": ["tp-p01", "tp-p05", "tp-p08"]}
    answers = {
        "s1": {"tp-p01": "referent", "tp-p02": "referent",  # partner's key on p01, own on p02
               "tp-p05": {"marked": ["institutional", "coercive"], "decisive": "coercive"},
               "tp-p08": "coercive@1"},
        "s2": {"tp-p01": "legitimate", "tp-p06": "coercive+institutional>coercive",
               "tp-p09": {"label": "coercive", "sentence": 0}},
        "s3": {"tp-p05": "institutional>institutional", "tp-p08": "expert@0"},  # p01 unanswered
    }
    rows = {r.item: r for r in pair_confusion(pool, answers, shown)}
    assert set(rows) == {"tp-p01", "tp-p02", "tp-p05", "tp-p06", "tp-p08", "tp-p09"}  # no lone, no session
    got = {i: (r.pair, r.key, r.partner_keys, r.n, r.right, r.partner, r.other) for i, r in rows.items()}
    assert got == {
        "tp-p01": ("g-choice", "legitimate", ("referent",), 3, 1, 1, 1),
        "tp-p02": ("g-choice", "referent", ("legitimate",), 1, 1, 0, 0),
        "tp-p05": ("g-case", "institutional", ("coercive",), 2, 1, 1, 0),
        "tp-p06": ("g-case", "coercive", ("institutional",), 1, 1, 0, 0),
        "tp-p08": ("g-cue", "informational", ("coercive",), 2, 0, 1, 1),
        "tp-p09": ("g-cue", "coercive", ("informational",), 1, 1, 0, 0),
    }
    assert rows["tp-p01"].partner_share == pytest.approx(1 / 3)
    assert answered_label(by_id["tp-p11"], [0, 1, 0]) is None  # a session has no single label
    assert answered_label(by_id["tp-p01"], None) is None


def test_case_hit_and_false_alarm_rates_and_cue_sentence_choices():
    from powerdynamics.analytics.kind_stats import case_label_rows, cue_sentence_rows
    from powerdynamics.grading.pools import load_pool
    from tests.support.pool_course import POOL_FIXTURE

    pool = [it for it in load_pool(POOL_FIXTURE) if it.id in ("tp-p05", "tp-p08")]
    # tp-p05: options legitimate, coercive, institutional, dominant-group; at work legitimate and
    # institutional; decisive institutional.  tp-p08: key informational, sentence 2 (index 1) decisive.
    shown = {"s1": ["tp-p05", "tp-p08"], "s2": ["tp-p05", "tp-p08"], "s3": ["tp-p05"], "s4": ["tp-p08"]}
    answers = {
        "s1": {"tp-p05": {"marked": ["legitimate", "institutional"], "decisive": "institutional"},
               "tp-p08": {"label": "informational", "sentence": 1}},
        "s2": {"tp-p05": "coercive+institutional>coercive", "tp-p08": "expert@0"},
        "s3": {},  # saw tp-p05, no answer saved
        "s4": {"tp-p08": "informational@1"},
    }
    rows = {r.label: r for r in case_label_rows(pool, answers, shown)}
    assert list(rows) == ["legitimate", "coercive", "institutional", "dominant-group"]
    got = {k: (r.at_work, r.decisive, r.n, r.answered, r.marked, r.chosen_decisive) for k, r in rows.items()}
    assert got == {"legitimate": (True, False, 3, 2, 1, 0), "coercive": (False, False, 3, 2, 1, 1),
                   "institutional": (True, True, 3, 2, 2, 1), "dominant-group": (False, False, 3, 2, 0, 0)}
    assert rows["legitimate"].rate == 0.5 and rows["institutional"].rate == 1.0  # hit rates
    assert rows["coercive"].rate == 0.5 and rows["dominant-group"].rate == 0.0  # false alarms

    cue = cue_sentence_rows(pool, answers, shown)
    assert [(r.sentence, r.decisive, r.n, r.pointed, r.labels) for r in cue] == [
        (0, False, 3, 1, (("expert", 1),)),
        (1, True, 3, 2, (("informational", 2),)),
        (2, False, 3, 0, ()),
    ]
