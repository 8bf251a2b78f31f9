"""One rule: the book's Mixed review (quiz.js, in the browser) orders items as the kernel does.

The kernel's review queue is :func:`powerdynamics.learner.review.review_queue`; the book
has no kernel, so ``quiz.js`` applies the same rule (``reviewQueue``) to the answers it
saved in ``localStorage``, given the rule's data by Python (:func:`review_rule`: the pool
in its seeded order and ``MAX_BOX``).  The mastery table likewise (``masteryRows`` against
``ProgressStore.summary`` and :func:`mastery_rows`), a case counted per category from its
answer token (:func:`powerdynamics.kinds.case.mastery_counts`; the book is given the cases'
labels by :func:`mastery_cases`).  Here both run on the same generated
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

from powerdynamics.kinds import CaseItem
from powerdynamics.kinds.case import answer_token, every_answer
from powerdynamics.learner.mastery import mastery_cases, mastery_rows, mastery_rule
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
  const saved = c.saved ? m.savedAnswers(c.saved, (id, t) => (t in c.ok ? c.ok[t] : null)) : null;
  return { queue: m.reviewQueue(c.rule, c.answers),
           rows: m.masteryRows(c.mastery, c.answers, (id) => cat[id], c.cases),
           saved: saved,
           savedRows: saved && m.masteryRows(c.mastery, saved, (id) => cat[id], c.cases) };
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


def chosen(rng: random.Random, item) -> str:
    """A stored answer token: for a case, a real answer, nothing marked, or one that
    cannot be read (labels that are no options); "x" for the other kinds (never read)."""
    if not isinstance(item, CaseItem):
        return "x"
    pick = rng.random()
    if pick < 0.1:
        return rng.choice(("x", "", ">", f"{item.options[0]}>gone", "a>b>c"))
    if pick < 0.2:  # the answer with every label right (decisive right or wrong)
        return answer_token({"marked": item.present, "decisive": rng.choice(item.options)})
    return answer_token(rng.choice(list(every_answer(item))))


def history(rng: random.Random, pool: list, extra: int = 3) -> list[Answer]:
    """Answers as the kernel's store holds them: retries, sessions, ties in time, strays."""
    ids = [(s, s.category) for s in rng.sample(pool, rng.randint(0, min(len(pool), 40)))]
    ids += [(SimpleNamespace(id=f"gone-{i}"), "bases") for i in range(rng.randint(0, extra))]
    times = [f"2026-11-{d:02d}T{h:02d}:00:00+00:00" for d in (1, 2, 3) for h in (8, 9)]
    out = []
    for _ in range(rng.randint(0, 120)) if ids else ():
        item, category = rng.choice(ids)  # (the gone ones are not in the pool)
        out.append(Answer(item.id, category, chosen(rng, item), rng.random() < 0.55,
                          rng.choice((1, 1, 2, 3)), "q", rng.choice(times)))
    out.sort(key=lambda a: a.answered_at) if rng.random() < 0.5 else None
    return out


def flat(answers: list[Answer]) -> list[list]:
    return [[a.item_id, a.correct, a.attempt, a.answered_at, a.chosen] for a in answers]


def python_rows(answers: list[Answer], items: list) -> list[dict]:
    summary = ProgressStore.summary(SimpleNamespace(answers=lambda: answers), items)
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
        cases.append({"rule": rule, "answers": flat(answers), "mastery": mastery_rule(),
                      "cases": mastery_cases(pool)})
        pool_ids = {s.id for s in pool}
        expected.append({"queue": [s.id for s in review_queue(pool, answers, seed=seed)],
                         "rows": python_rows([a for a in answers if a.item_id in pool_ids], pool)})
    got = run_js(cases)
    for case, want, have in zip(cases, expected, got, strict=True):
        assert have["queue"] == want["queue"], case
        assert have["rows"] == want["rows"], case
    assert sum(bool(c["answers"]) for c in cases) > 300  # most histories are not empty
    # cases were answered, mixed ones (labels of two categories) among them
    case_ids = {i for c in cases for i in c["cases"]}
    answered = {a[0] for c in cases for a in c["answers"] if a[0] in case_ids}
    assert any(len(c["cases"].get(i, [{}])[0]) > 1 for c in cases for i in answered)


# Known answers, the expected rows worked out by hand.  The cases (from the bank):
#   case-06 (mixed)  bases: legitimate, expert        systemic: narrative*, institutional*
#   case-01 (bases)  bases: informational, legitimate*, reward, expert*
#   case-14 (mixed)  bases: expert, reward  control: coercive-control*  systemic: institutional*
#   case-31 (mixed)  control: coercive-control, shared-power*, control*  bases: legitimate*, coercive*
#   case-08 (mixed)  bases: expert, reward            systemic: narrative*, institutional*
# (* at work).  A case is right in a category when each of its labels there is marked
# exactly when it is at work; the decisive choice does not count.
KNOWN = [  # item, chosen, correct (as graded: full marks), attempt
    # every label right, decisive wrong: right in bases and in systemic; a retry counts as
    # an answer in both
    ("case-06", "institutional+narrative>narrative", False, 1),
    ("case-06", "institutional+narrative>institutional", True, 2),
    # a miss (legitimate) and a false alarm (reward): wrong in bases
    ("case-01", "expert+reward>expert", False, 1),
    # control hit; bases false alarm (expert); systemic miss (institutional)
    ("case-14", "coercive-control+expert>coercive-control", False, 1),
    # full marks: right in bases and in control
    ("case-31", "coercive+control+legitimate+shared-power>shared-power", True, 1),
    # a later first-session answer does not change the first try
    ("case-31", "coercive>coercive", False, 1),
    # a token that cannot be read (decisive not an option): counts 'correct' in both
    ("case-08", "narrative>gone", False, 1),
    ("modes-01", "x", False, 1),  # other kinds: their own category, as graded
    ("mixed-choice-01", "x", True, 1),
]
KNOWN_ROWS = [  # category, items, right at the first try, answers
    ("Individual and relational bases of power", 5, 2, 7),  # 06 right, 01 no, 14 no, 31 right, 08 no
    ("Systemic and structural power", 3, 1, 4),  # 06 right, 14 no, 08 no
    ("Power versus control", 2, 2, 3),  # 14 right, 31 right
    ("Power over, power with, power to", 1, 0, 1),
    ("mixed", 1, 1, 1),
]


def known_history() -> list[Answer]:
    bank = default_bank()
    return [Answer(i, bank.get(i).category, t, ok, n, "q", f"2026-11-01T{8 + k:02d}:00:00+00:00")
            for k, (i, t, ok, n) in enumerate(KNOWN)]


def test_a_case_counts_per_category_in_python_and_in_the_book_as_worked_out_by_hand():
    answers, pool = known_history(), default_bank().select()
    rows = [(r.category, r.items, r.first_correct, r.answers)
            for r in mastery_rows(ProgressStore.summary(SimpleNamespace(answers=lambda: answers)))]
    assert rows == KNOWN_ROWS  # the default is the course's bank
    assert python_rows(answers, pool) == python_rows(answers, list(default_bank().items))
    # The book: the same rows from the answers as quiz.js reads them, and from its own store
    # (localStorage), where an earlier first try kept without its token counts 'correct'.
    saved = {"case-14": {"past": [[0, "2026-11-01T08:00:00+00:00",
                                   "coercive-control+expert>coercive-control"]],
                         "first": "t-ok", "at": "2026-11-02T08:00:00+00:00", "n": 2},
             "case-06": {"past": [[0, "2026-11-01T09:00:00+00:00"]], "n": 1}}
    (got,) = run_js([{"rule": review_rule(pool), "answers": flat(answers), "mastery": mastery_rule(),
                      "cases": mastery_cases(pool), "saved": saved, "ok": {"t-ok": True}}])
    assert [(r["category"], r["items"], r["first_correct"], r["answers"]) for r in got["rows"]] \
        == KNOWN_ROWS
    assert got["rows"] == python_rows(answers, pool)
    assert [(r["category"], r["items"], r["first_correct"], r["answers"]) for r in got["savedRows"]] \
        == [("Individual and relational bases of power", 2, 0, 3),  # 14: false alarm; 06: past, wrong
            ("Systemic and structural power", 2, 0, 3),  # 14: miss; 06: past, wrong
            ("Power versus control", 1, 1, 2)]  # 14: hit


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
        ["a", False, 1, "2026-11-01T08:00:00+00:00", None],
        ["a", True, 1, "2026-11-02T08:00:00+00:00", "t-ok"], ["a", False, 2, "", None],
        ["b", False, 1, "", "t-no"], ["c", True, 1, "2026-11-01T09:00:00+00:00", None]]


@pytest.mark.parametrize("seed", [0, 7])
def test_the_rule_pool_is_the_seeded_order_review_queue_starts_from(seed):
    pool = default_bank().select()
    rule = review_rule(pool, seed=seed)
    assert sorted(p[0] for p in rule["pool"]) == sorted(s.id for s in pool)
    assert rule["maxBox"] == 5
