"""Schema rules of every item kind, each reported as ``file:line: item-id: field:
message`` (the line of the field at fault), and the kinds' lifecycle functions."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml

from powerdynamics.bank.loader import load_file
from powerdynamics.kinds import KINDS, grade
from tests.support.paths import FIXTURES

SAMPLE = FIXTURES / "kinds-sample.yaml"


def sample_items() -> list[dict]:
    return yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))["items"]


def problems_for(tmp_path: Path, item: dict) -> list[str]:
    path = tmp_path / "bank.yaml"
    path.write_text(yaml.safe_dump({"items": [item]}, sort_keys=False, width=200), encoding="utf-8")
    items, problems = load_file(path, "bank.yaml")
    return [str(p) for p in problems]


def line_of(tmp_path: Path, text: str) -> int:
    lines = (tmp_path / "bank.yaml").read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, start=1) if text in line)


def test_sample_of_every_kind_is_valid():
    items, problems = load_file(SAMPLE)
    assert problems == []
    assert {i.kind for i in items} == {"case", "cue", "session"}


CASE, CUE, SESSION = range(3)


@pytest.mark.parametrize(("index", "change", "field", "message"), [
    (CASE, lambda d: d.update(decisive="coercive"), "decisive", "must be one of the present labels"),
    (CASE, lambda d: d.update(present=["legitimate"]), "present", "at least 2"),
    (CASE, lambda d: d.update(present=["legitimate", "reward"]), "present", "not among the options"),
    (CASE, lambda d: d["feedback"].pop("coercive"), "feedback", "no feedback for option(s) 'coercive'"),
    (CASE, lambda d: d.update(decisive_feedback={}), "decisive_feedback", "none for 'legitimate'"),
    (CASE, lambda d: d.update(present=["legitimate", "coercive", "institutional", "dominant-group"],
                              decisive="legitimate"), "present", "not at work"),
    (CASE, lambda d: d.update(options=["legitimate", "coercive", "institutional", "nonsense"]),
     "options", "'nonsense' not in any category"),
    (CUE, lambda d: d["sentences"][0].update(decisive=True), "sentences", "exactly one sentence must be decisive"),
    (CUE, lambda d: d["sentences"][1].update(decisive=False), "sentences", "(found 0)"),
    (CUE, lambda d: d.update(key="referent"), "key", "not among the options"),
    (CUE, lambda d: d["feedback"].pop("expert"), "feedback", "no feedback for distractor(s) 'expert'"),
    (SESSION, lambda d: d["nodes"]["a"]["moves"][0].update(next="nowhere"), "nodes.a.moves.0.next",
     "'nowhere' is not a node"),
    (SESSION, lambda d: d["nodes"].update(orphan={"end": "Never reached."}), "nodes", "unreachable from start: orphan"),
    (SESSION, lambda d: d["nodes"]["a"]["moves"][0].update(next="end"), "nodes", "ends after 1 decision(s)"),
    (SESSION, lambda d: d["nodes"]["c"]["moves"][1].update(next="a"), "nodes.a", "loops back"),
    (SESSION, lambda d: d["nodes"]["b"]["moves"][1].update(rating="best"), "nodes.b",
     "exactly one move must be rated best"),
    (SESSION, lambda d: d.update(start="zzz"), "start", "'zzz' is not a node"),
    (SESSION, lambda d: d["nodes"]["b"].update(moves=d["nodes"]["b"]["moves"][:2]), "nodes.b", "3-4 moves"),
])
def test_every_rule_is_located(tmp_path, index, change, field, message):
    item = sample_items()[index]
    change(item)
    problems = problems_for(tmp_path, item)
    matching = [p for p in problems if f": {item['id']}: {field}" in p and message in p]
    assert matching, problems
    # The line points into the item (at the field when it exists), never a traceback.
    line = int(matching[0].split(":")[1])
    assert line >= line_of(tmp_path, f"id: {item['id']}")


def test_every_answer_of_every_kind_grades(tmp_path):
    items, _ = load_file(SAMPLE)
    for item in items:
        answers = list(KINDS[item.kind].every_answer(item))
        verdicts = [grade(item, a) for a in answers]
        assert any(v.correct for v in verdicts) and not all(v.correct for v in verdicts)
        assert all(0 <= v.score <= 1 for v in verdicts)
        tokens = {KINDS[item.kind].answer_token(a) for a in answers}
        assert len(tokens) == len(answers), "each answer has its own token"
        for a in answers:  # a token stands for its answer
            token = KINDS[item.kind].answer_token(a)
            assert grade(item, token).score == grade(item, a).score


def test_session_paths_all_end_and_score():
    items, _ = load_file(SAMPLE)
    session = next(i for i in items if i.kind == "session")
    paths = list(KINDS["session"].paths(session))
    assert len(paths) == 27
    best = grade(session, [0, 0, 0])
    assert best.correct and best.score == 1 and "safety" in best.parts[-1][0]
    assert grade(session, [1, 1, 1]).score == 0
    with pytest.raises(ValueError, match="not a move"):
        grade(session, [0, 7])


def test_old_bank_items_load_as_choice(tmp_path):
    path = tmp_path / "old.yaml"
    path.write_text(textwrap.dedent("""\
        items:
          - id: old-01
            category: bases
            vignette: A vignette long enough to pass the minimum length rule of the schema.
            options: [expert, legitimate, referent]
            key: expert
            explanation: The decisive cue is the trust in knowledge.
            feedback: {legitimate: not the role here at all., referent: not identification here.}
            tags: {lesson: 2, setting: healthcare, content_note: false}
        """), encoding="utf-8")
    items, problems = load_file(path)
    assert problems == [] and items[0].kind == "choice" and items[0].tier == "core"
