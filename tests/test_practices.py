"""Tests for the lesson 6 practices: logic without a browser, renderings, and the forms."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

from powerdynamics import mastery
from powerdynamics import practices as pr
from powerdynamics.practices import (
    SOURCE_QUESTION,
    BoundaryAnswers,
    InfluenceAnswers,
    boundary_reading,
    facilitation_question,
    influence_profile,
    plan_airing,
)

ALL_CHECKS = tuple(q.slug for q in pr.BOUNDARY_QUESTIONS)
EXAMPLE = InfluenceAnswers(
    talking="B", plan="A", resources_a=frozenset({"money", "time", "social-capital"}),
    resources_b=frozenset({"emotional-pressure"}), names=("Ama", "Tom\u00e1s"),
)


def all_yes() -> dict[str, str]:
    return dict.fromkeys(ALL_CHECKS, "yes")


# -- airing the privilege -------------------------------------------------------------


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


# -- tracking influence ---------------------------------------------------------------


def rows(profile: pr.InfluenceProfile) -> dict[str, tuple[float, float]]:
    return {row.key: (row.a, row.b) for row in profile.rows}


def test_profile_counts_each_sign():
    profile = influence_profile(EXAMPLE)
    assert rows(profile) == {
        "talking": (0, 1), "plan": (1, 0), "time": (1, 0), "money": (1, 0),
        "social-capital": (1, 0), "expertise": (0, 0), "emotional-pressure": (0, 1),
    }
    assert profile.totals == (4, 2)
    assert profile.lean == "A"


def test_shared_answers_count_half_each():
    profile = influence_profile(InfluenceAnswers(talking="both", plan="both"))
    assert rows(profile)["talking"] == (0.5, 0.5)
    assert rows(profile)["plan"] == (0.5, 0.5)
    assert profile.lean == "even"
    assert "roughly balanced (1 sign against 1)" in profile.reading[-1]


def test_neither_plan_counts_for_no_one():
    profile = influence_profile(InfluenceAnswers(talking="A", plan="neither"))
    assert rows(profile)["plan"] == (0, 0)
    assert profile.reading[1] == "Neither plan was enacted (nothing was decided yet)."
    assert profile.lean == "A"


@pytest.mark.parametrize(("a", "b", "lean"), [(2, 1, "A"), (1, 2, "B"), (1.5, 1, "even")])
def test_lean_needs_a_whole_sign_of_difference(a, b, lean):
    assert pr._lean(a, b) == lean


def test_reading_is_plain_language_and_names_people():
    reading = influence_profile(EXAMPLE).reading
    assert reading == (
        "Tom\u00e1s did most of the talking.",
        "Ama's plan was enacted.",
        "Ama used time, money and social capital; Tom\u00e1s used emotional pressure.",
        "Across these signs, influence in this disagreement leaned towards Ama "
        "(4 signs against 2).",
    )


def test_prompts_link_talking_pressure_and_systemic_power():
    prompts = " ".join(influence_profile(EXAMPLE).prompts)
    assert "Talking is not the same as influence" in prompts
    assert "could Ama have said no" in prompts
    assert "Does the status quo benefit Ama" in prompts
    assert prompts.endswith("not a measure of a relationship or of either person.")


def test_no_talking_prompt_when_the_talker_got_their_plan():
    prompts = influence_profile(InfluenceAnswers(talking="A", plan="A")).prompts
    assert not any("Talking is not the same" in p for p in prompts)


@pytest.mark.parametrize("bad", [
    {"talking": "C", "plan": "A"},
    {"talking": "A", "plan": "nobody"},
    {"talking": "A", "plan": "A", "resources_a": frozenset({"charm"})},
])
def test_invalid_answers_fail_loudly(bad):
    with pytest.raises(ValueError):
        influence_profile(InfluenceAnswers(**bad))


def test_alt_text_describes_the_whole_picture():
    alt = influence_profile(EXAMPLE).alt_text
    assert alt.startswith("Diverging bar chart")
    assert "Ama had their plan enacted and used time, money and social capital (4 signs)" in alt
    assert "Tom\u00e1s did most of the talking and used emotional pressure (2 signs)" in alt


def test_figure_has_title_text_labels_and_accessible_colours():
    fig = pr.draw_influence(influence_profile(EXAMPLE))
    ax = fig.axes[0]
    assert ax.get_title(loc="left") == pr.influence_title(influence_profile(EXAMPLE))
    assert "leaned towards Ama" in ax.get_title(loc="left")
    texts = [t.get_text() for t in ax.texts]
    assert texts.count("used") == 4 and "plan enacted" in texts and "most talking" in texts
    by_height = dict(zip(ax.get_yticks(), (t.get_text() for t in ax.get_yticklabels()),
                         strict=True))
    assert by_height[max(by_height)] == "Did most of the talking"
    assert by_height[min(by_height)] == "Used emotional pressure"
    hatched = [p for p in ax.patches if p.get_hatch()]
    assert hatched and all(p.get_width() >= 0 for p in hatched)
    assert pr.COLOURS == {"A": "#0072B2", "B": "#D55E00"}


def test_figure_is_not_left_open_in_pyplot():
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    pr.influence_picture(influence_profile(EXAMPLE))
    assert plt.get_fignums() == before


def test_png_is_deterministic_and_displayed_once_with_alt_text():
    picture = pr.influence_picture(influence_profile(EXAMPLE))
    again = pr.influence_picture(influence_profile(EXAMPLE))
    assert picture.png == again.png
    assert picture.png.startswith(b"\x89PNG")
    assert b"Matplotlib" not in picture.png
    bundle = picture._repr_mimebundle_()
    assert set(bundle) == {"image/png", "text/plain"}
    assert base64.b64decode(bundle["image/png"]) == picture.png
    assert bundle["text/plain"] == influence_profile(EXAMPLE).alt_text


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


@pytest.mark.parametrize(("value", "text"), [(1, "1 sign"), (0.5, "0.5 signs"), (4, "4 signs")])
def test_sign_counts_read_as_words(value, text):
    assert pr._signs(value) == text


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
    assert table._repr_html_().startswith("<p>No answers yet")


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
    from powerdynamics.progress import ProgressStore

    db = tmp_path / "progress.sqlite3"
    monkeypatch.setenv("POWERDYNAMICS_PROGRESS_DB", str(db))
    assert mastery.mastery_table().rows == ()
    ProgressStore(db).record("x-01", "bases", "expert", True)
    assert mastery.mastery_table().rows == (mastery.MasteryRow(
        "Individual and relational bases of power", 1, 1, 1),)


# -- forms ----------------------------------------------------------------------------


def test_airing_form_shows_the_source_question_then_adapts():
    form = pr.AiringForm()
    assert "who has social privilege affect" in form.result.value
    form.boxes["money-management"].value = True
    assert "who manages the money affect how" in form.result.value
    plan = form.select(["citizenship"])
    assert "because of citizenship status" in form.result.value
    assert [d.slug for d in plan.differentials] == ["citizenship"]
    form.clear()
    assert not any(box.value for box in form.boxes.values())


def test_influence_form_asks_for_required_answers_then_draws():
    form = pr.InfluenceForm()
    assert form.draw() is None
    assert "Choose who did the most talking" in form.result.value
    form.talking.value = "B"
    form.plan.value = "A"
    for slug in ("money", "time", "social-capital"):
        form.resources["A"][slug].value = True
    form.resources["B"]["emotional-pressure"].value = True
    profile = form.draw()
    assert profile is not None and profile.totals == (4, 2)
    assert bytes(form.image.value).startswith(b"\x89PNG")
    assert "leaned towards Person A" in form.result.value
    form.clear()
    assert form.answers() is None and bytes(form.image.value) == b"" and form.result.value == ""


def test_boundary_form_reads_its_toggles():
    form = pr.BoundaryForm()
    form.set_answers("A asks B to move city.", {"A": all_yes(), "B": all_yes() | {
        "closeness": "no"}})
    reading = form.read()
    assert reading.has_signs
    assert "Signs of coercive power: Person B may risk losing affection" in form.result.value
    form.clear()
    assert form.request.value == "" and form.answers().responses == {"A": {}, "B": {}}


@pytest.mark.parametrize("make", [pr.AiringForm, pr.InfluenceForm, pr.BoundaryForm])
def test_forms_say_nothing_is_stored_and_have_a_static_rendering(make):
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
    pr.AiringForm().select(["income", "gender"])
    influence = pr.InfluenceForm()
    influence.talking.value, influence.plan.value = "A", "both"
    influence.draw()
    boundary = pr.BoundaryForm()
    boundary.set_answers("A private request", {"A": {"anger": "no"}})
    boundary.read()
    assert list(Path(tmp_path).iterdir()) == []
    assert not db.exists()
    assert os.environ["POWERDYNAMICS_PROGRESS_DB"] == str(db)
