"""Tracking influence, corrected: whose plan was enacted and with which resources.

The rules (issue 16, item 3): the headline is whose plan was enacted and the resources
used; talking time is reported as context and never counted as influence; there is no
overall "lean" verdict. The known-answer table states them case by case.
"""

from __future__ import annotations

import base64
import itertools

import pytest

from powerdynamics import practices as pr
from powerdynamics.practices import InfluenceAnswers, influence_profile

NAMES = ("Ama", "Diego")
AMA = frozenset({"time", "money", "social-capital"})
DIEGO = frozenset({"emotional-pressure"})
EXAMPLE = InfluenceAnswers(talking="B", plan="A", resources_a=AMA, resources_b=DIEGO, names=NAMES)

# talking, plan, resources of Ama, resources of Diego -> headline, the other side, context
KNOWN_ANSWERS = [
    pytest.param(
        "B", "A", AMA, DIEGO,
        "Ama's plan was enacted, and Ama used time, money and social capital to influence the outcome.",
        "Diego used emotional pressure, and Diego's plan was not the one enacted.",
        "Context, not counted as influence: Diego did most of the talking.",
        id="talking Diego, plan Ama: headline names Ama's plan and her resources"),
    pytest.param(
        "A", "B", frozenset(), frozenset({"money"}),
        "Diego's plan was enacted, and Diego used money to influence the outcome.",
        "",
        "Context, not counted as influence: Ama did most of the talking.",
        id="talking Ama, plan Diego: roles, not names, decide"),
    pytest.param(
        "A", "A", frozenset({"expertise"}), frozenset({"time"}),
        "Ama's plan was enacted, and Ama used expertise to influence the outcome.",
        "Diego used time, and Diego's plan was not the one enacted.",
        "Context, not counted as influence: Ama did most of the talking.",
        id="talker's plan enacted: talking is still only context"),
    pytest.param(
        "B", "A", frozenset(), frozenset(),
        "Ama's plan was enacted; none of the listed resources was marked for Ama.",
        "",
        "Context, not counted as influence: Diego did most of the talking.",
        id="plan without resources: talking does not fill the gap"),
    pytest.param(
        "both", "both", frozenset({"time"}), frozenset({"money"}),
        "A joint plan was enacted: Ama used time, and Diego used money.",
        "",
        "Context, not counted as influence: both talked about as much as each other.",
        id="joint plan: both people's resources"),
    pytest.param(
        "A", "both", frozenset(), frozenset({"social-capital"}),
        "A joint plan was enacted: none of the listed resources was marked for Ama, and "
        "Diego used social capital.",
        "",
        "Context, not counted as influence: Ama did most of the talking.",
        id="joint plan, one side without resources"),
    pytest.param(
        "both", "both", frozenset(), frozenset(),
        "A joint plan was enacted; no listed resource was marked for either person.",
        "",
        "Context, not counted as influence: both talked about as much as each other.",
        id="joint plan, no resources"),
    pytest.param(
        "B", "neither", frozenset({"money"}), frozenset({"emotional-pressure", "time"}),
        "Neither plan was enacted: nothing was decided yet.",
        "Resources used so far: Ama used money; Diego used time and emotional pressure.",
        "Context, not counted as influence: Diego did most of the talking.",
        id="nothing decided: resources so far, no winner"),
    pytest.param(
        "A", "neither", frozenset(), frozenset(),
        "Neither plan was enacted: nothing was decided yet.",
        "",
        "Context, not counted as influence: Ama did most of the talking.",
        id="nothing decided, nothing used"),
]


@pytest.mark.parametrize(("talking", "plan", "res_a", "res_b", "headline", "others", "context"),
                         KNOWN_ANSWERS)
def test_known_answers(talking, plan, res_a, res_b, headline, others, context):
    profile = influence_profile(InfluenceAnswers(talking, plan, res_a, res_b, NAMES))
    assert profile.headline == headline
    assert profile.others == others
    assert profile.context == context
    assert profile.reading == tuple(s for s in (headline, others, context) if s)
    assert profile.reading[0] == headline  # the headline comes first, always


ALL_ANSWERS = list(itertools.product(
    pr.TALKING_CHOICES, pr.PLAN_CHOICES,
    [frozenset(), frozenset({"money"}), frozenset({"time", "social-capital"})],
    [frozenset(), frozenset({"emotional-pressure"})]))


@pytest.mark.parametrize(("plan", "res_a", "res_b"),
                         sorted({(p, a, b) for _, p, a, b in ALL_ANSWERS}, key=repr))
def test_talking_never_changes_the_headline_or_the_resources(plan, res_a, res_b):
    readings = {t: influence_profile(InfluenceAnswers(t, plan, res_a, res_b, NAMES))
                for t in pr.TALKING_CHOICES}
    assert len({r.headline for r in readings.values()}) == 1
    assert len({r.others for r in readings.values()}) == 1
    assert len({r.context for r in readings.values()}) == 3
    for r in readings.values():
        assert "talk" not in r.headline.lower() and "talk" not in r.others.lower()


@pytest.mark.parametrize(("talking", "plan", "res_a", "res_b"), ALL_ANSWERS)
def test_no_lean_verdict_or_count_anywhere(talking, plan, res_a, res_b):
    profile = influence_profile(InfluenceAnswers(talking, plan, res_a, res_b, NAMES))
    text = " ".join([pr.influence_text(profile), profile.alt_text, pr.influence_title(profile)]).lower()
    for verdict in ("lean", "balanced", "sign against", "signs against", "more influence",
                    "more powerful", "won", "winner"):
        assert verdict not in text
    assert not hasattr(profile, "lean") and not hasattr(profile, "totals")
    assert profile.context.startswith("Context, not counted as influence:")


def test_example_reads_and_prompts_as_the_lesson_teaches():
    profile = influence_profile(EXAMPLE)
    prompts = " ".join(profile.prompts)
    assert "Talking is not the same as influence: Diego did most of the talking, but Ama's plan" in prompts
    assert "could Ama have said no" in prompts
    assert "Does the status quo benefit Ama" in prompts
    assert profile.prompts[-1] == "This reading describes one disagreement, not a relationship or either person."


def test_when_the_talker_got_their_plan_the_prompt_asks_what_decided_it():
    prompts = influence_profile(InfluenceAnswers(talking="A", plan="A", names=NAMES)).prompts
    assert not any("Talking is not the same" in p for p in prompts)
    assert "Was it the talking, or the resources behind it, that decided the outcome?" in prompts[0]


def test_resources_read_in_a_fixed_order():
    a = influence_profile(InfluenceAnswers("A", "A", ["social-capital", "time", "money"], names=NAMES))
    assert "used time, money and social capital" in a.headline
    assert a.used == (("time", "money", "social-capital"), ())


@pytest.mark.parametrize("bad", [
    {"talking": "C", "plan": "A"},
    {"talking": "A", "plan": "nobody"},
    {"talking": "A", "plan": "A", "resources_a": frozenset({"charm"})},
])
def test_invalid_answers_fail_loudly(bad):
    with pytest.raises(ValueError):
        influence_profile(InfluenceAnswers(**bad))


def test_html_puts_the_headline_first_and_talking_as_context():
    html = pr.render_influence_reading(influence_profile(EXAMPLE))
    assert html.index("Ama&#x27;s plan was enacted") < html.index("Context, not counted")
    assert '<p class="pd-influence-headline"><strong>Ama&#x27;s plan was enacted' in html
    hostile = influence_profile(InfluenceAnswers("A", "A", names=("<b>x</b>", "y & z")))
    rendered = pr.render_influence_reading(hostile)
    assert "<b>x</b>" not in rendered and "&lt;b&gt;x&lt;/b&gt;" in rendered


def test_alt_text_describes_the_whole_picture():
    alt = influence_profile(EXAMPLE).alt_text
    assert alt.startswith("Chart of the resources each person used in one disagreement, Ama to the left")
    assert "Ama's plan was enacted, and Ama used time, money and social capital" in alt
    assert alt.endswith("Context, not counted as influence: Diego did most of the talking.")


# -- the picture ------------------------------------------------------------------------


def test_figure_title_is_the_headline_and_talking_is_no_bar():
    profile = influence_profile(EXAMPLE)
    fig = pr.draw_influence(profile)
    ax = fig.axes[0]
    assert ax.get_title(loc="left").replace("\n", " ") == profile.headline
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == [name for _, name in pr.RESOURCES]
    assert not any("talk" in label.lower() for label in labels)
    assert "Context, not counted as influence" in ax.get_xlabel().replace("\n", " ")
    texts = [t.get_text() for t in ax.texts]
    assert texts.count("used") == 4
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["Ama (left) - plan enacted", "Diego (right)"]
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


def test_without_matplotlib_the_picture_is_its_text(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError("no matplotlib in the browser edition")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    picture = pr.influence_picture(influence_profile(EXAMPLE))
    assert picture.png == b""
    bundle = picture._repr_mimebundle_()
    assert "image/png" not in bundle
    assert bundle["text/html"].startswith('<p class="pd-chart-text">Chart of the resources')
