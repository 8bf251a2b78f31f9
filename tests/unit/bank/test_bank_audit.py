"""Bank 2 as a whole: the counts the course promises, content notes, casting and the
opt-out (issue: scenario bank 2). Counts are read from ``powerdynamics bank stats
--json``, the same figures an author sees."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from powerdynamics.bank.audit import casting_problems, content_note_problems, must_flag
from powerdynamics.bank.collection import default_bank
from powerdynamics.bank.labels import CATEGORIES, POWER_SOURCES
from tests.support.paths import ROOT


@pytest.fixture(scope="module")
def stats() -> dict:
    out = subprocess.run([sys.executable, "-m", "powerdynamics", "bank", "stats", "--json"],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_bank_size_and_kinds(stats):
    assert stats["total"] >= 200
    assert stats["by_kind"]["case"] >= 30
    assert stats["by_kind"]["cue"] >= 30
    assert stats["mixing_interpersonal_and_systemic"] >= 10


def test_choice_items_per_source_and_label(stats):
    for source in POWER_SOURCES:
        assert stats["choice_by_key"][source] >= 15, source
    for category in ("control", "modes"):
        for label in CATEGORIES[category].slugs:
            assert stats["choice_by_key"][label] >= 6, label
    assert stats["choice_by_key"]["informational"] >= 6
    assert stats["by_category"]["mixed"] >= 10, "choice items whose options span categories"


def test_tiers_pairs_settings(stats):
    assert stats["by_tier"]["stretch"] >= 0.25 * stats["total"]
    assert stats["pair_groups"] >= 25
    assert stats["outside_uk"] >= 0.30 * stats["total"]
    assert stats["statutory"] >= 8


def test_every_item_that_depicts_harm_is_content_noted():
    assert content_note_problems(default_bank().items) == []


def test_content_notes_are_no_cue_to_the_key():
    harmful = {"coercive", "coercive-control", "control", "power-over"}
    noted = [i for i in default_bank() if i.tags.content_note]
    assert noted, "some items carry a content note"
    assert any(i.key_label not in harmful for i in noted), "content-noted items include non-harmful keys"
    share_harmful = sum(i.key_label in harmful for i in noted) / len(noted)
    assert share_harmful < 0.8


def test_must_flag_rule_is_derived_from_keys_and_tags():
    flagged = [i.id for i in default_bank() if must_flag(i)]
    keyed_cc = [i.id for i in default_bank() if "coercive-control" in (i.key_label, *i.labels_at_work)]
    assert set(keyed_cc) <= set(flagged)


def test_casting_rotates_who_plays_the_harmful_agent():
    assert casting_problems(default_bank().items) == []
    tagged = [i for i in default_bank() if i.tags.agent or i.tags.target]
    assert len(tagged) >= 0.8 * len(default_bank()), "identity cues recorded for most items"


def test_every_label_reachable_with_the_opt_out():
    """With the opt-out, each label is still practised, except coercive control: every
    item about it must carry the note, so its objective is met through the contrast
    with single acts of control (still practised) and the lesson text."""
    kept = [i for i in default_bank() if not i.tags.content_note]
    for category in CATEGORIES.values():
        for label in category.slugs:
            if label == "coercive-control":
                continue
            assert sum(i.key_label == label for i in kept) >= 2, label
    assert sum(i.key_label == "control" for i in kept) >= 4


def test_pairs_have_different_keys():
    groups: dict[str, set[str]] = {}
    for item in default_bank():
        if item.pair:
            groups.setdefault(item.pair, set()).add(item.key_label)
    singles = [g for g, keys in groups.items() if len(keys) < 2]
    assert singles == [], "a minimal pair's items must differ in key"


def test_casting_page_is_generated_from_the_bank():

    from powerdynamics.bank.audit import casting_page

    page = ROOT / "book" / "casting.md"
    assert page.read_text(encoding="utf-8") == casting_page(default_bank().items), (
        "book/casting.md is stale: run `powerdynamics bank casting > book/casting.md`")
