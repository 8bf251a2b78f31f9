"""Tests for the lesson 6 practices: the split package, airing (reference logic), the
boundary check, the mastery table and the forms. Tracking influence is in
test_influence.py, draft-then-compare in test_drafts.py."""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import pytest

from powerdynamics import mastery
from powerdynamics import practices as pr
from powerdynamics.practices import (
    SOURCE_QUESTION,
    BoundaryAnswers,
    boundary_reading,
    facilitation_question,
    plan_airing,
)

ALL_CHECKS = tuple(q.slug for q in pr.BOUNDARY_QUESTIONS)


def all_yes() -> dict[str, str]:
    return dict.fromkeys(ALL_CHECKS, "yes")


# -- the split package ---------------------------------------------------------------

#: Every name lesson notebooks and scripts imported before the split, plus the new ones.
PUBLIC = ("AiringForm", "BoundaryForm", "InfluenceForm", "BroachingForm", "DraftForm",
          "plan_airing", "facilitation_question", "InfluenceAnswers", "influence_profile",
          "influence_picture", "BoundaryAnswers", "boundary_reading", "draw_influence",
          "render_airing_plan", "render_boundary_reading", "render_influence_reading",
          "situations", "draft_checklist", "PRIVACY_NOTE", "NOT_A_VERDICT", "SUPPORT_NOTE",
          "BOUNDARY_QUESTIONS", "DIFFERENTIALS", "RESOURCES", "COLOURS")


@pytest.mark.parametrize("name", PUBLIC)
def test_package_re_exports_what_lessons_import(name):
    assert name in pr.__all__
    assert getattr(pr, name) is not None


@pytest.mark.parametrize("module", ["airing", "drafts", "influence", "charts", "boundary", "forms",
                                    "common"])
def test_one_module_per_exercise(module):
    importlib.import_module(f"powerdynamics.practices.{module}")


def test_logic_modules_import_neither_widgets_nor_matplotlib():
    """JupyterLite runs without matplotlib: only the picture and the forms need more."""
    import ast

    folder = Path(pr.__file__).parent
    for name in ("airing", "drafts", "influence", "boundary", "common"):
        tree = ast.parse((folder / f"{name}.py").read_text(encoding="utf-8"))
        imported = {alias.name.split(".")[0] for node in ast.walk(tree)
                    if isinstance(node, ast.Import | ast.ImportFrom)
                    for alias in getattr(node, "names", [])}
        modules = {node.module.split(".")[0] for node in ast.walk(tree)
                   if isinstance(node, ast.ImportFrom) and node.module}
        assert not ({"ipywidgets", "matplotlib"} & (imported | modules)), name


# -- airing the privilege: the source question (reference logic, not on the trainee path)


def test_no_differential_gives_the_source_question_verbatim():
    assert facilitation_question([]) == SOURCE_QUESTION
    assert SOURCE_QUESTION == (
        "How does the difference in who manages the money or who has social privilege "
        "affect how this problem is experienced by each of you?")


def test_question_names_resources_and_gathers_social_privilege():
    question = facilitation_question(["citizenship", "money-management", "income"])
    assert question == (
        "How does the difference in who manages the money, who earns more or who has social "
        "privilege because of citizenship status affect how this problem is experienced by "
        "each of you?")


def test_only_social_differentials():
    assert facilitation_question(["race", "gender"]) == (
        "How does the difference in who has social privilege because of gender and race "
        "affect how this problem is experienced by each of you?")


def test_question_does_not_depend_on_tick_order_or_duplicates():
    assert facilitation_question(["health", "class", "class"]) == facilitation_question(
        ["class", "health"])


def test_unknown_differential_fails_loudly():
    with pytest.raises(ValueError, match="unknown differential 'religion'"):
        plan_airing(["religion"])


def test_plan_has_one_follow_up_per_differential_then_general_ones():
    plan = plan_airing(["income", "gender"])
    assert [d.slug for d in plan.differentials] == ["income", "gender"]
    assert plan.follow_ups[:2] == (pr.differential("income").follow_up,
                                   pr.differential("gender").follow_up)
    assert plan.follow_ups[2:] == pr.GENERAL_FOLLOW_UPS
    assert "coercive power" in plan.safety and "supervision" in plan.safety


def test_every_differential_has_its_own_follow_up_and_kind():
    follow_ups = [d.follow_up for d in pr.DIFFERENTIALS]
    assert len(set(follow_ups)) == len(follow_ups)
    assert {d.kind for d in pr.DIFFERENTIALS} == {"resources", "social"}
    for slug in ("money-management", "income", "gender", "race", "class", "citizenship",
                 "health"):
        pr.differential(slug)


def test_airing_plan_html_is_escaped_and_deterministic():
    plan = plan_airing(["money-management"])
    html = pr.render_airing_plan(plan)
    assert html == pr.render_airing_plan(plan_airing(["money-management"]))
    assert "<blockquote><p>How does the difference in who manages the money affect" in html
    assert html.count("<li>") == len(plan.follow_ups)
    assert "No differential ticked yet" in pr.render_airing_plan(plan_airing([]))
    hostile = pr.AiringPlan((), "<script>x</script>", ("a & b",))
    rendered = pr.render_airing_plan(hostile)
    assert "<script>" not in rendered and "&lt;script&gt;" in rendered
    assert "a &amp; b" in rendered


# -- boundary check -------------------------------------------------------------------


def test_all_yes_reads_as_no_signs_and_never_as_a_clean_bill():
    reading = boundary_reading(BoundaryAnswers("A asks B to cook.", {"A": all_yes(),
                                                                      "B": all_yes()}))
    assert not reading.has_signs
    assert reading.summary.startswith("No signs of coercive power in these answers")
    assert "cannot show that a relationship is free of coercion" in reading.summary
    assert reading.next_steps == ()


def test_a_no_is_a_sign_of_coercive_power_named_in_plain_language():
    b = all_yes() | {"resources": "no", "anger": "no"}
    reading = boundary_reading(BoundaryAnswers("A asks B to lend money.", {"A": all_yes(),
                                                                            "B": b}))
    assert reading.has_signs
    assert reading.summary.startswith(
        "Signs of coercive power: Person B may not be able to say no without emotional "
        "punishment")
    assert "Person B may lose money, housing, care or other resources" in reading.summary
    assert "coercion, not reward" in reading.summary
    assert "a cost for Person B that" in reading.summary
    assert any("supervision" in step for step in reading.next_steps)
    assert any("local support service" in step for step in reading.next_steps)


def test_signs_follow_a_fixed_order_person_then_check():
    responses = {"A": {"pressure": "no"}, "B": {"anger": "no"}}
    reading = boundary_reading(BoundaryAnswers("", responses, ("Kai", "Noor")))
    assert reading.signs[0].startswith("a \u201cno\u201d from Kai")
    assert reading.signs[1].startswith("Noor may not be able to say no")
    assert "a cost for Kai and Noor" in reading.summary


def test_unsure_and_unanswered_are_listed_not_read_as_signs():
    reading = boundary_reading(BoundaryAnswers("x", {"A": all_yes() | {"closeness": "unsure"},
                                                     "B": {"anger": "yes"}}))
    assert not reading.has_signs
    assert reading.to_explore == ("Can Person A say no without risking affection, closeness "
                                  "or the relationship itself?",)
    assert len(reading.unanswered) == len(ALL_CHECKS) - 1
    assert "some are unsure" in reading.summary


def test_nothing_answered_asks_for_answers():
    reading = boundary_reading(BoundaryAnswers("", {}))
    assert reading.summary.startswith("Not every check is answered yet")
    assert len(reading.unanswered) == 2 * len(ALL_CHECKS)


@pytest.mark.parametrize("responses", [
    {"C": {"anger": "no"}},
    {"A": {"money": "no"}},
    {"A": {"anger": "maybe"}},
])
def test_invalid_boundary_answers_fail_loudly(responses):
    with pytest.raises(ValueError):
        boundary_reading(BoundaryAnswers("", responses))


@pytest.mark.parametrize("responses", [
    {"A": all_yes(), "B": all_yes()},
    {"A": dict.fromkeys(ALL_CHECKS, "no"), "B": dict.fromkeys(ALL_CHECKS, "no")},
    {"A": {"safety": "unsure"}},
])
def test_every_reading_disclaims_a_verdict_about_a_real_relationship(responses):
    reading = boundary_reading(BoundaryAnswers("r", responses))
    html = pr.render_boundary_reading(reading)
    assert pr.NOT_A_VERDICT in pr.boundary_text(reading)
    assert "It is not a verdict about any real relationship" in html
    text = (reading.summary + " ".join(reading.signs)).lower()
    for verdict in ("is abusive", "abuser", "is coercive", "unhealthy relationship"):
        assert verdict not in text


def test_boundary_html_escapes_the_typed_request():
    reading = boundary_reading(BoundaryAnswers("<img src=x onerror=alert(1)>", {}))
    html = pr.render_boundary_reading(reading)
    assert "<img" not in html and "&lt;img" in html
    assert "(no request described)" in pr.render_boundary_reading(
        boundary_reading(BoundaryAnswers("   ", {})))


# -- mastery table --------------------------------------------------------------------


def test_empty_store_says_no_answers_yet():
    table = mastery.mastery_table({})
    html = table._repr_html_()
    assert html.startswith('<div class="pdq-mastery" data-pdq-mastery><p>No answers yet')
    assert 'class="pdq-mastery-data"' in html  # the book fills it in from the browser


def test_mastery_rows_follow_course_order_with_names_and_advice():
    summary = {
        "modes": {"items": 5, "first_correct": 4, "answers": 7},
        "bases": {"items": 6, "first_correct": 3, "answers": 9},
        "control": {"items": 2, "first_correct": 2, "answers": 2},
    }
    rows = mastery.mastery_rows(summary)
    assert [r.category for r in rows] == [
        "Individual and relational bases of power", "Power versus control",
        "Power over, power with, power to"]
    assert [r.advice for r in rows] == [
        "review first", "too few items to tell yet", "secure: keep reviewing now and then"]
    html = mastery.MasteryTable(rows)._repr_html_()
    assert "<td>3 (50%)</td>" in html and html.count("<tr>") == 4


def test_mastery_table_reads_the_progress_store(tmp_path, monkeypatch):
    from powerdynamics.learner.progress import ProgressStore

    db = tmp_path / "progress.sqlite3"
    monkeypatch.setenv("POWERDYNAMICS_PROGRESS_DB", str(db))
    assert mastery.mastery_table().rows == ()
    ProgressStore(db).record("x-01", "bases", "expert", True)
    assert mastery.mastery_table().rows == (mastery.MasteryRow(
        "Individual and relational bases of power", 1, 1, 1),)


# -- forms ----------------------------------------------------------------------------


def test_airing_form_is_draft_then_compare_not_a_question_builder():
    form = pr.AiringForm()
    assert not hasattr(form, "boxes") and not hasattr(form, "select")
    assert form.draft.value == ""
    assert form.compare_button.disabled


def test_influence_form_asks_for_required_answers_then_draws():
    form = pr.InfluenceForm()
    assert form.draw() is None
    assert "Choose whose plan was enacted" in form.result.value
    form.talking.value = "B"
    form.plan.value = "A"
    for slug in ("money", "time", "social-capital"):
        form.resources["A"][slug].value = True
    form.resources["B"]["emotional-pressure"].value = True
    profile = form.draw()
    assert profile is not None and profile.headline.startswith("Person A's plan was enacted")
    assert bytes(form.image.value).startswith(b"\x89PNG")
    assert form.image.layout.display == ""
    assert "Context, not counted as influence: Person B did most of the talking." in form.result.value
    assert "leaned" not in form.result.value
    form.clear()
    assert form.answers() is None and bytes(form.image.value) == b"" and form.result.value == ""
    assert form.image.layout.display == "none"


def test_influence_form_asks_for_the_plan_before_the_talking():
    form = pr.InfluenceForm()
    radios = [c for box in form.box.children if hasattr(box, "children") for c in box.children
              if hasattr(c, "options")]
    assert [r.description for r in radios[:2]] == ["Plan enacted:", "Most talking (context):"]


def test_boundary_form_reads_its_toggles():
    form = pr.BoundaryForm()
    form.set_answers("A asks B to move city.", {"A": all_yes(), "B": all_yes() | {
        "closeness": "no"}})
    reading = form.read()
    assert reading.has_signs
    assert "Signs of coercive power: Person B may risk losing affection" in form.result.value
    form.clear()
    assert form.request.value == "" and form.answers().responses == {"A": {}, "B": {}}


@pytest.mark.parametrize("make", [pr.InfluenceForm, pr.BoundaryForm])
def test_kernel_forms_say_nothing_is_stored_and_have_a_static_note(make):
    form = make()
    bundle = form._repr_mimebundle_()
    assert "Nothing you type or tick here is stored or sent anywhere" in bundle["text/html"]
    assert "in JupyterLab, run this cell" in bundle["text/html"]
    assert bundle["text/html"] == make()._repr_mimebundle_()["text/html"]
    assert any("stored or sent anywhere" in getattr(child, "value", "")
               for child in form.box.children)


def test_using_the_forms_writes_no_file(tmp_path, monkeypatch):
    db = tmp_path / "progress.sqlite3"
    monkeypatch.setenv("POWERDYNAMICS_PROGRESS_DB", str(db))
    monkeypatch.chdir(tmp_path)
    for make in (pr.AiringForm, pr.BroachingForm):
        draft = make()
        draft.write("A private line")
        draft.compare()
        draft.checks["no-blame"].value = True
    influence = pr.InfluenceForm()
    influence.talking.value, influence.plan.value = "A", "both"
    influence.draw()
    boundary = pr.BoundaryForm()
    boundary.set_answers("A private request", {"A": {"anger": "no"}})
    boundary.read()
    assert list(Path(tmp_path).iterdir()) == []
    assert not db.exists()
    assert os.environ["POWERDYNAMICS_PROGRESS_DB"] == str(db)
