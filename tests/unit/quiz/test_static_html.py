"""The static rendering: self-contained, escaped, deterministic; no inputs before the script."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from powerdynamics import ScenarioQuiz
from powerdynamics.kinds import answer_token, grade
from powerdynamics.quiz import WIDGET_MIME
from powerdynamics.quiz.frontend import STRINGS, answers_of, classic_script, module_source
from powerdynamics.scenarios import Bank, Scenario, default_bank
from powerdynamics.scoring import NO_ANSWERS_YET
from powerdynamics.static_html import quiz_data, safe_json
from tests.support.kinds_fixture import KINDS, every_kind_bank, one_of_each_kind

HOSTILE = '<script>alert("x")</script> & <img src=x onerror=alert(1)> </script><b>bold</b>'


def hostile_bank() -> Bank:
    base = next(i for i in default_bank() if i.kind == "choice").model_dump(by_alias=True, exclude_none=True)
    base.update(id="hostile-01", vignette=HOSTILE + " " + base["vignette"],
                explanation=HOSTILE + " because.")
    base["feedback"] = {k: HOSTILE for k in base["feedback"]}
    return Bank([Scenario.model_validate(base)])


class Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts.append(data)


def parse(html: str) -> Collector:
    c = Collector()
    c.feed(html)
    return c


def test_bank_text_is_escaped_everywhere():
    html = ScenarioQuiz(bank=hostile_bank(), record_progress=False).to_html()
    parsed = parse(html)
    # Only our two script elements exist: the JSON data and the quiz code.
    assert [t for t, _ in parsed.tags].count("script") == 2
    assert not any(t in ("img", "b") for t, _ in parsed.tags)
    data_script = parsed.scripts[0]
    assert "</script" not in data_script and "<" not in data_script
    data = json.loads(data_script)
    assert HOSTILE + " because." in data["items"][0]["t"]


def test_safe_json_roundtrips():
    value = {"a": "</script><!-- & >"}
    assert "<" not in safe_json(value) and json.loads(safe_json(value)) == value


def test_stored_output_says_run_this_cell_and_has_no_controls():
    """What an unrun or untrusted notebook shows (scripts and styles stripped): a plain
    sentence, never a quiz that looks usable with disabled buttons."""
    quiz = ScenarioQuiz(bank=one_of_each_kind(), record_progress=False)
    html = quiz.to_html()
    stripped = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)
    tags = {t for t, _ in parse(stripped).tags}
    assert not tags & {"input", "button", "fieldset", "select", "textarea", "label"}
    assert f"Run this cell to start the quiz ({len(quiz)} in this quiz)." in stripped
    assert "https://" not in html and "http://" not in html


def test_every_kind_is_embedded_with_every_verdict_python_gives():
    bank = every_kind_bank()
    assert {i.kind for i in bank} == set(KINDS)
    quiz = ScenarioQuiz(bank=bank, record_progress=False, skip_content_notes=False)
    data = quiz_data(quiz)
    for planned, item in zip(quiz.items, data["items"], strict=True):
        s = planned.scenario
        assert item["id"] == s.id and item["kind"] == s.kind
        if "options" in item:
            assert item["options"] == list(planned.options)
        tokens = [answer_token(s, a) for a in answers_of(s)]
        assert sorted(item["v"]) == sorted(tokens)
        for answer in answers_of(s):
            v = grade(s, answer).as_dict()
            row = item["v"][answer_token(s, answer)]
            t = item["t"]
            parts = [[t[row[4][i]], t[row[4][i + 1]]] for i in range(0, len(row[4]), 2)]
            assert {"correct": bool(row[1]), "headline": t[row[2]], "feedback": t[row[3]],
                    "score": row[0], "parts": parts} == v


def test_rendering_is_deterministic_with_content_ids():
    a = ScenarioQuiz(seed=9, limit=4, record_progress=False)
    b = ScenarioQuiz(seed=9, limit=4, record_progress=False)
    assert a.quiz_id == b.quiz_id and a.to_html() == b.to_html()
    assert ScenarioQuiz(seed=9, limit=4, record_progress=False, key="x").quiz_id != a.quiz_id
    assert ScenarioQuiz(seed=8, limit=4, record_progress=False).quiz_id != a.quiz_id
    assert ScenarioQuiz(seed=9, limit=4, record_progress=False, title="Other").quiz_id != a.quiz_id


def test_mimebundle_has_widget_and_static_html():
    quiz = ScenarioQuiz(seed=1, limit=2, record_progress=False)
    bundle = quiz._repr_mimebundle_()
    assert WIDGET_MIME in bundle and "model_id" in bundle[WIDGET_MIME]
    assert bundle["text/html"] == quiz.to_html()
    assert bundle["text/plain"] == repr(quiz)


def test_front_end_holds_no_user_facing_text():
    """The strings live once, in Python; the script carries none and scores nothing."""
    js = module_source()
    for text in ("Check", "Try again", "Choose an option", "Score:", "No answers yet", "Question "):
        assert f'"{text}' not in js, text
    assert STRINGS["none"] == NO_ANSWERS_YET
    assert "/*" not in js.replace("/* private mode */", "")  # classic_script drops only // lines
    assert not re.search(r"""["'][^"'\n]*//""", js)
    classic = classic_script()
    assert "export " not in classic and "import " not in classic


@pytest.mark.parametrize("bad", ["<style>", "<script>"])
def test_strip_inline_assets_leaves_data(bad):
    from powerdynamics.book.sphinx_offline import strip_inline_assets

    html = ScenarioQuiz(seed=1, limit=2, record_progress=False).to_html()
    stripped = strip_inline_assets(html)
    assert bad[:-1] + " " not in stripped.replace('<script type="application/json"', "")
    assert 'class="pdq-data"' in stripped and "pdq-asset" not in stripped
