"""The static rendering: self-contained, escaped, deterministic, accessible markup."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from powerdynamics import ScenarioQuiz
from powerdynamics.quiz import WIDGET_MIME
from powerdynamics.scenarios import Bank, Scenario, default_bank
from powerdynamics.static_html import quiz_data, safe_json

HOSTILE = '<script>alert("x")</script> & <img src=x onerror=alert(1)> </script><b>bold</b>'


def hostile_bank() -> Bank:
    base = default_bank().items[0].model_dump()
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
    assert not any(t == "img" for t, _ in parsed.tags)
    assert not any(t == "b" for t, _ in parsed.tags)
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    data_script = parsed.scripts[0]
    assert "</script" not in data_script and "<" not in data_script
    assert json.loads(data_script)["items"][0]["explanation"].startswith("<script>")


def test_safe_json_roundtrips():
    value = {"a": "</script><!-- & >"}
    assert "<" not in safe_json(value) and json.loads(safe_json(value)) == value


def test_markup_is_accessible_and_self_contained():
    quiz = ScenarioQuiz(seed=2, limit=3, record_progress=False)
    html = quiz.to_html()
    parsed = parse(html)
    fieldsets = [a for t, a in parsed.tags if t == "fieldset"]
    assert len(fieldsets) == len(quiz)
    assert html.count("<legend>") == len(quiz)
    radios = [a for t, a in parsed.tags if t == "input" and a.get("type") == "radio"]
    labels = {a.get("for") for t, a in parsed.tags if t == "label"}
    assert radios and all(r["id"] in labels for r in radios)
    live = [a for t, a in parsed.tags if a.get("aria-live") == "polite"]
    assert len(live) == len(quiz) + 1  # one per item and the running score
    assert not re.search(r"(src|href)=\"?https?:", html)
    assert "http://" not in html and "https://" not in html
    ids = [a["id"] for _, a in parsed.tags if "id" in a]
    assert len(ids) == len(set(ids))


def test_rendering_is_deterministic_and_matches_the_plan():
    quiz = ScenarioQuiz(seed=9, limit=4, record_progress=False)
    assert quiz.to_html() == quiz.to_html()
    data = quiz_data(quiz)
    assert [i["id"] for i in data["items"]] == quiz.item_ids
    for planned, item in zip(quiz.items, data["items"], strict=True):
        assert list(item["verdicts"]) == list(planned.options)


def test_mimebundle_has_widget_and_static_html():
    quiz = ScenarioQuiz(seed=1, limit=2, record_progress=False)
    bundle = quiz._repr_mimebundle_()
    assert WIDGET_MIME in bundle and "model_id" in bundle[WIDGET_MIME]
    assert bundle["text/html"] == quiz.to_html()
    assert bundle["text/plain"] == repr(quiz)


@pytest.mark.parametrize("seed", [0, 1, "lesson-2"])
def test_quiz_ids_are_unique_per_instance(seed):
    a = ScenarioQuiz(seed=seed, limit=2, record_progress=False)
    b = ScenarioQuiz(seed=seed, limit=2, record_progress=False)
    assert a.quiz_id != b.quiz_id
