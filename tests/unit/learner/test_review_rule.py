"""One rule: the book's Mixed review (quiz.js, in the browser) orders items as the kernel does.

The kernel's review queue is :func:`powerdynamics.learner.review.review_queue`; the book
has no kernel, so ``quiz.js`` applies the same rule (``reviewQueue``) to the answers it
saved in ``localStorage``, given the rule's data by Python (:func:`review_rule`: the pool
in its seeded order and ``MAX_BOX``).  The mastery table likewise (``masteryRows`` against
``ProgressStore.summary`` and :func:`mastery_rows`).  Here both run on the same generated
histories, many of them, and must agree exactly: the JavaScript runs in Node when it is
installed, else in Chromium.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from dataclasses import asdict
from types import SimpleNamespace

import pytest

from powerdynamics.learner.mastery import mastery_rows, mastery_rule
from powerdynamics.learner.progress import Answer, ProgressStore
from powerdynamics.learner.review import review_queue, review_rule
from powerdynamics.scenarios import default_bank
from tests.support.paths import ROOT

QUIZ_JS = ROOT / "src" / "powerdynamics" / "quiz" / "assets" / "quiz.js"
RUNNER = """
const m = await import(process.argv[1]);
const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const out = JSON.parse(Buffer.concat(chunks).toString()).map((c) => run(m, c));
process.stdout.write(JSON.stringify(out));
"""
RUN = """function run(m, c) {
  const cat = {};
  for (const p of c.rule.pool) cat[p[0]] = p[1];
  return { queue: m.reviewQueue(c.rule, c.answers),
           rows: m.masteryRows(c.mastery, c.answers, (id) => cat[id]),
           saved: c.saved ? m.savedAnswers(c.saved, (id, t) => (t in c.ok ? c.ok[t] : null)) : null };
}"""


def run_js(cases: list[dict]) -> list[dict]:
    node = shutil.which("node")
    if node:
        r = subprocess.run([node, "--input-type=module", "-e", RUN + RUNNER, QUIZ_JS.as_uri()],
                           input=json.dumps(cases), capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        return json.loads(r.stdout)
    from playwright.sync_api import sync_playwright

    from tests.support.localweb import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.set_content("<p>rule</p>")
        page.add_script_tag(content=QUIZ_JS.read_text(encoding="utf-8")
                            + "\nwindow.M = {reviewQueue, masteryRows, savedAnswers};", type="module")
        page.wait_for_function("window.M")
        out = page.evaluate(f"(cases) => {{ {RUN}; return cases.map((c) => run(window.M, c)); }}",
                            cases)
        browser.close()
    return out


def history(rng: random.Random, pool: list, extra: int = 3) -> list[Answer]:
    """Answers as the kernel's store holds them: retries, sessions, ties in time, strays."""
    ids = [(s.id, s.category) for s in rng.sample(pool, rng.randint(0, min(len(pool), 40)))]
    ids += [(f"gone-{i}", "bases") for i in range(rng.randint(0, extra))]  # not in the pool
    times = [f"2026-11-{d:02d}T{h:02d}:00:00+00:00" for d in (1, 2, 3) for h in (8, 9)]
    out = []
    for _ in range(rng.randint(0, 120)) if ids else ():
        item_id, category = rng.choice(ids)
        out.append(Answer(item_id, category, "x", rng.random() < 0.55, rng.choice((1, 1, 2, 3)),
                          "q", rng.choice(times)))
    out.sort(key=lambda a: a.answered_at) if rng.random() < 0.5 else None
    return out


def flat(answers: list[Answer]) -> list[list]:
    return [[a.item_id, a.correct, a.attempt, a.answered_at] for a in answers]


def python_rows(answers: list[Answer]) -> list[dict]:
    summary = ProgressStore.summary(SimpleNamespace(answers=lambda: answers))
    return [{**asdict(r), "percent": r.percent, "advice": r.advice} for r in mastery_rows(summary)]


def test_review_queue_and_mastery_agree_with_python_on_generated_histories():
    rng = random.Random(20261202)
    bank = default_bank().select()
    cats = ("bases", "systemic", "control", "modes", "mixed")
    small = [SimpleNamespace(id=f"s{i:02d}", category=rng.choice(cats)) for i in range(12)]
    cases, expected = [], []
    for n in range(400):
        pool = bank if n % 2 else small
        if n % 5 == 0:
            pool = rng.sample(bank, 30)
        seed = rng.choice((0, 7, "trainee-x", None))
        answers = history(rng, pool)
        rule = review_rule(pool, seed=seed)
        cases.append({"rule": rule, "answers": flat(answers), "mastery": mastery_rule()})
        pool_ids = {s.id for s in pool}
        expected.append({"queue": [s.id for s in review_queue(pool, answers, seed=seed)],
                         "rows": python_rows([a for a in answers if a.item_id in pool_ids])})
    got = run_js(cases)
    for case, want, have in zip(cases, expected, got, strict=True):
        assert have["queue"] == want["queue"], case
        assert have["rows"] == want["rows"], case
    assert sum(bool(c["answers"]) for c in cases) > 300  # most histories are not empty


def test_an_empty_browser_builds_the_review_the_book_was_built_with():
    from powerdynamics import ScenarioQuiz

    quiz = ScenarioQuiz.review(limit=12, seed=7, progress=SimpleNamespace(answers=lambda: []))
    (got,) = run_js([{"rule": quiz.review_rule, "answers": [], "mastery": mastery_rule()}])
    assert got["queue"][:12] == quiz.item_ids and got["rows"] == []


def test_saved_answers_read_the_browser_store_as_first_tries_and_retries():
    saved = {
        "a": {"first": "t-ok", "at": "2026-11-02T08:00:00+00:00", "last": "t-no", "n": 3,
              "past": [[0, "2026-11-01T08:00:00+00:00"]]},
        "b": {"first": "t-no", "last": "t-no"},  # saved before times and counts were kept
        "c": {"past": [[1, "2026-11-01T09:00:00+00:00"]], "n": 1},  # started again since
        "d": {"first": "unknown-token", "n": 1},
        "e": "not an entry",
    }
    (got,) = run_js([{"rule": {"pool": [], "maxBox": 5}, "answers": [], "mastery": mastery_rule(),
                      "saved": saved, "ok": {"t-ok": True, "t-no": False}}])
    assert got["saved"] == [
        ["a", False, 1, "2026-11-01T08:00:00+00:00"], ["a", True, 1, "2026-11-02T08:00:00+00:00"],
        ["a", False, 2, ""], ["b", False, 1, ""], ["c", True, 1, "2026-11-01T09:00:00+00:00"]]


@pytest.mark.parametrize("seed", [0, 7])
def test_the_rule_pool_is_the_seeded_order_review_queue_starts_from(seed):
    pool = default_bank().select()
    rule = review_rule(pool, seed=seed)
    assert sorted(p[0] for p in rule["pool"]) == sorted(s.id for s in pool)
    assert rule["maxBox"] == 5
