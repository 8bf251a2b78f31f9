"""Sphinx extension that keeps the Jupyter Book offline, free of console errors, and
loads the quiz's assets once per page.

Jupyter Book 1 always enables ``sphinx_thebe`` (which writes a CDN URL into every page
and declares ``THEBE_JS_URL`` twice, a console error) and ``sphinx_comments``.  The
book's ``_config.yml`` lists its extensions without them; Jupyter Book still passes
their settings (``thebe_config``, ``comments_config``), so this extension declares
those names to keep the build free of "unknown config value" warnings.

Quiz outputs are self-contained (inline ``<style>`` and ``<script>`` marked
``class="pdq-asset"``) so they work in notebooks; on a book page with a quiz this
extension removes those copies and links ``_static/powerdynamics/quiz.css`` and
``quiz.js`` once instead (no ``<style>`` in the body, which HTML forbids there). The JS
is the front end's ES module turned into a classic script at build time: pages opened
from ``file://`` cannot import ES modules. It lives in a subfolder because Jupyter Book
adds every ``*.js`` directly in ``_static/`` to every page.

A page with a Mixed review (``ScenarioQuiz.review``, marked ``data-pdq-review``) also
gets ``review-<digest>.js``: the public view and embedded verdicts of every item the
review draws from, so that the page can build the review from the answers saved in the
browser (missed first, by the kernel's rule).  It is a separate, cacheable file, named
in the review's ``data-pdq-bank``; quiz.js adds it as a script element (which also works
from ``file://``) only when the browser holds answers.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import cache
from html import escape
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

ASSET_DIR = "powerdynamics"
_INLINE = re.compile(r'<(style|script) class="pdq-asset">.*?</\1>\n?', re.S)
_REVIEW = re.compile(r'data-pdq-quiz="([^"]+)" data-pdq-review>.*?'
                     r'<script type="application/json" class="pdq-review">(.*?)</script>', re.S)


def strip_inline_assets(html: str) -> str:
    """A page body without the per-quiz copies of the quiz's style and script."""
    return _INLINE.sub("", html)


def write_assets(static_dir: Path) -> None:
    from powerdynamics.quiz.frontend import classic_script, stylesheet

    target = static_dir / ASSET_DIR
    target.mkdir(parents=True, exist_ok=True)
    (target / "quiz.js").write_text(classic_script(), encoding="utf-8")
    (target / "quiz.css").write_text(stylesheet(), encoding="utf-8")


@cache
def review_bank(ids: tuple[str, ...], seed: int | str | None) -> str:
    """The script that gives a page's review every item it may show (views and verdicts,
    options in the review's seeded order) and the mastery table each case's labels
    (:func:`~powerdynamics.learner.mastery.mastery_cases`): ``window.PDQReviewBank[JSON of
    the seed]``."""
    from powerdynamics.learner.mastery import mastery_cases
    from powerdynamics.quiz.plan import ScenarioQuiz
    from powerdynamics.quiz.static_page import quiz_data, safe_json

    quiz = ScenarioQuiz(list(ids), seed=seed, skip_content_notes=False, record_progress=False)
    data = quiz_data(quiz)
    bank = {"labels": data["labels"], "items": {item["id"]: item for item in data["items"]},
            "cases": mastery_cases(p.scenario for p in quiz.items)}
    return (f"window.PDQReviewBank=window.PDQReviewBank||{{}};"
            f"window.PDQReviewBank[{json.dumps(json.dumps(seed))}]={safe_json(bank)};\n")


def review_asset(app: Sphinx, body: str) -> str | None:
    """Write the review bank a page needs (if any) and return its path under _static."""
    found = _REVIEW.search(body)
    if not found:
        return None
    rule = json.loads(found.group(2))
    script = review_bank(tuple(p[0] for p in rule["pool"]), rule["seed"])
    name = f"{ASSET_DIR}/review-{hashlib.sha256(script.encode()).hexdigest()[:12]}.js"
    target = Path(app.outdir) / "_static" / name
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(script, encoding="utf-8")
    return name


def _builder_inited(app: Sphinx) -> None:
    if app.builder.format == "html":
        write_assets(Path(app.outdir) / "_static")


def _page_context(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any],
                  doctree: Any) -> None:
    body = context.get("body") or ""
    if "data-pdq-quiz" not in body:
        return
    body = strip_inline_assets(body)
    bank = review_asset(app, body)
    if bank:  # quiz.js loads it when the browser holds answers to build the review from
        url = escape(context["pathto"](f"_static/{bank}", 1))
        body = body.replace(" data-pdq-review>", f' data-pdq-review data-pdq-bank="{url}">', 1)
    context["body"] = body
    app.add_css_file(f"{ASSET_DIR}/quiz.css")
    app.add_js_file(f"{ASSET_DIR}/quiz.js")


def _build_finished(app: Sphinx, exception: Exception | None) -> None:
    if exception is None and app.builder.format == "html":
        write_assets(Path(app.outdir) / "_static")  # in case the static copy replaced them


def setup(app: Sphinx) -> dict[str, Any]:
    for name in ("thebe_config", "comments_config"):
        if name not in app.config.values:
            app.add_config_value(name, {}, "html")
    app.connect("builder-inited", _builder_inited)
    app.connect("html-page-context", _page_context)
    app.connect("build-finished", _build_finished)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
