"""Lesson 6 practices: airing the privilege, tracking influence and the boundary check.

Each exercise has three layers, kept apart on purpose:

* **logic**: plain Python (frozen dataclasses in, frozen dataclasses out), so tests can
  check every rule without a browser, a kernel or a widget;
* **rendering**: functions that turn a result into escaped HTML, plain text or a
  matplotlib figure.  They are deterministic (no randomness, dates or paths), because
  lessons are committed executed and nbval compares the stored outputs;
* **forms**: small ipywidgets UIs that only collect answers and call the two layers
  above.  A form's ``_repr_mimebundle_`` also carries a static ``text/html`` note, so
  the HTML book (which has no kernel) says what the form is instead of showing nothing.

Privacy: nothing a trainee types is stored or sent anywhere.  The forms keep answers
in widget attributes of the running kernel only; they never touch the progress store,
files or the network.  :data:`PRIVACY_NOTE` says so in every form.

A reading is never a verdict about a real relationship: the texts below describe the
answers given about a described (fictional) situation, and say so.
"""

from __future__ import annotations

import base64
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import ipywidgets as w
    from matplotlib.figure import Figure

from powerdynamics.display import WIDGET_MIME, figure_png

PRIVACY_NOTE = (
    "Nothing you type or tick here is stored or sent anywhere: it stays in this "
    "notebook's memory and is gone when the kernel stops (Clear removes it sooner). "
    "Use a fictional case; if you think of your own, you never need to write it here. "
    "(JupyterLab writes widget values into the notebook file only if you turn on "
    "Settings > Save Widget State Automatically.)"
)

NOT_A_VERDICT = (
    "This reading describes the answers given about one described situation. It is not "
    "a verdict about any real relationship or person."
)

SUPPORT_NOTE = (
    "If this exercise raises a concern about someone's safety, including your own, talk "
    "to your supervisor or a local support service."
)


def _join(words: Sequence[str], conjunction: str) -> str:
    """'a', 'a and b', 'a, b and c': lists read as a sentence, not as code."""
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


def _number(value: float) -> str:
    """2.0 -> '2', 1.5 -> '1.5': counts of signs read as people would write them."""
    return f"{value:g}"


def _signs(value: float) -> str:
    """'1 sign', '0.5 signs', '4 signs'."""
    return f"{_number(value)} sign" + ("" if value == 1 else "s")


def _html_list(items: Iterable[str], tag: str = "ul") -> str:
    return f"<{tag}>" + "".join(f"<li>{escape(item)}</li>" for item in items) + f"</{tag}>"


# =====================================================================================
# 1. Airing the privilege (couples-therapy micro-skill)
# =====================================================================================

#: The facilitation question exactly as the source note gives it.
SOURCE_QUESTION = (
    "How does the difference in who manages the money or who has social privilege affect "
    "how this problem is experienced by each of you?"
)


@dataclass(frozen=True)
class Differential:
    """A power differential a trainee can tick for a case.

    ``kind`` decides where it goes in the question: "resources" differentials are named
    directly ("who manages the money"); "social" ones are gathered into the source's
    "who has social privilege because of ..." so the question keeps its shape.
    """

    slug: str
    name: str
    kind: Literal["resources", "social"]
    phrase: str
    follow_up: str


DIFFERENTIALS: tuple[Differential, ...] = (
    Differential(
        "money-management", "Who manages the money", "resources", "who manages the money",
        "Who decides how money is spent, and who has to ask? How does that shape what each "
        "of you feels able to say or do about this problem?"),
    Differential(
        "income", "Income", "resources", "who earns more",
        "If the partner who earns less wanted to walk away from this disagreement, what "
        "would it cost them? What would it cost the partner who earns more?"),
    Differential(
        "gender", "Gender", "social", "gender",
        "Whose time, work or feelings are expected to give way in this problem, and how do "
        "expectations about gender play into that?"),
    Differential(
        "race", "Race or ethnicity", "social", "race",
        "Where does this problem play out (family, work, neighbourhood, services)? Is either "
        "of you treated differently there because of race or ethnicity?"),
    Differential(
        "class", "Class background", "social", "class",
        "Which of you feels more at home with the people, places or institutions involved "
        "in this problem? What does the other have to manage that the first does not?"),
    Differential(
        "citizenship", "Citizenship or immigration status", "social", "citizenship status",
        "Does either of you depend on the other for a visa, residence or access to services? "
        "How does that affect how freely each of you can disagree?"),
    Differential(
        "health", "Health or disability", "social", "health (including disability)",
        "Does either of you rely on the other for care, transport or income because of "
        "health or disability? How does that affect what each of you can ask for?"),
)

GENERAL_FOLLOW_UPS: tuple[str, ...] = (
    "Ask each partner in turn, and offer the partner with less power in this area the "
    "choice of answering first.",
    "Reflect back what each person says without ruling on who is right: the aim is to make "
    "the difference visible, not to assign blame.",
    "Ask the partner with more power in this area what they could do with it to make the "
    "outcome fairer for both of you.",
)

SAFETY_PROMPT = (
    "If either partner seems afraid to answer in front of the other, do not press. Fear of "
    "answering can be a sign of coercive power: pause the joint discussion, offer each "
    "person separate time, and take it to supervision."
)


def differential(slug: str) -> Differential:
    """Look up a differential by slug; unknown slugs fail loudly with the valid ones."""
    for item in DIFFERENTIALS:
        if item.slug == slug:
            return item
    valid = ", ".join(d.slug for d in DIFFERENTIALS)
    raise ValueError(f"unknown differential {slug!r}; use one of {valid}")


def _chosen_differentials(slugs: Iterable[str]) -> tuple[Differential, ...]:
    """Validate and put in a fixed order, so the same ticks give the same question."""
    wanted = {differential(slug).slug for slug in slugs}
    return tuple(d for d in DIFFERENTIALS if d.slug in wanted)


def facilitation_question(slugs: Iterable[str]) -> str:
    """The source note's question, adapted to the differentials present in the case.

    With nothing ticked the source question is returned unchanged, so the micro-skill
    is never lost; otherwise its two slots (money, social privilege) are filled in.
    """
    chosen = _chosen_differentials(slugs)
    if not chosen:
        return SOURCE_QUESTION
    parts = [d.phrase for d in chosen if d.kind == "resources"]
    social = [d.phrase for d in chosen if d.kind == "social"]
    if social:
        parts.append(f"who has social privilege because of {_join(social, 'and')}")
    return (
        f"How does the difference in {_join(parts, 'or')} affect how this problem is "
        "experienced by each of you?"
    )


@dataclass(frozen=True)
class AiringPlan:
    """What a trainee takes into the (role-played) session: question, follow-ups, safety."""

    differentials: tuple[Differential, ...]
    question: str
    follow_ups: tuple[str, ...]
    safety: str = SAFETY_PROMPT

    def _repr_html_(self) -> str:
        return render_airing_plan(self)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(airing_plan_text(self))


def plan_airing(slugs: Iterable[str]) -> AiringPlan:
    """Build the facilitation question and follow-up prompts for the ticked differentials."""
    chosen = _chosen_differentials(slugs)
    follow_ups = tuple(d.follow_up for d in chosen) + GENERAL_FOLLOW_UPS
    return AiringPlan(chosen, facilitation_question(d.slug for d in chosen), follow_ups)


def render_airing_plan(plan: AiringPlan) -> str:
    """HTML for a plan (escaped; deterministic)."""
    if plan.differentials:
        present = _join([d.name.lower() for d in plan.differentials], "and")
        intro = f"<p>Differentials in this case: {escape(present)}.</p>"
    else:
        intro = ("<p>No differential ticked yet: this is the source question. Tick the "
                 "differentials present in the case to adapt it.</p>")
    return (
        '<div class="pd-practice">' + intro
        + "<p><strong>Facilitation question</strong></p>"
        + f"<blockquote><p>{escape(plan.question)}</p></blockquote>"
        + "<p><strong>Follow-up prompts</strong></p>" + _html_list(plan.follow_ups, "ol")
        + f"<p><strong>Safety check.</strong> {escape(plan.safety)}</p></div>"
    )


def airing_plan_text(plan: AiringPlan) -> str:
    """Plain-text version of a plan (for terminals and the text/plain output)."""
    lines = [f"Facilitation question: {plan.question}", "Follow-up prompts:"]
    lines += [f"  {n}. {text}" for n, text in enumerate(plan.follow_ups, start=1)]
    lines.append(f"Safety check: {plan.safety}")
    return "\n".join(lines)


# =====================================================================================
# 2. Tracking influence (prompt)
# =====================================================================================

PEOPLE: tuple[str, str] = ("A", "B")
TALKING_CHOICES: tuple[str, ...] = ("A", "B", "both")
PLAN_CHOICES: tuple[str, ...] = ("A", "B", "both", "neither")

#: Resources the source note names (time, money, social capital) plus two that trainees
#: meet often in practice.  Order is the order of rows in the picture.
RESOURCES: tuple[tuple[str, str], ...] = (
    ("time", "Time"),
    ("money", "Money"),
    ("social-capital", "Social capital"),
    ("expertise", "Expertise"),
    ("emotional-pressure", "Emotional pressure"),
)
_RESOURCE_NAMES = dict(RESOURCES)

#: Okabe-Ito blue and vermillion: told apart with the common colour-vision deficiencies
#: and in greyscale; person B's bars are also hatched, so colour is never the only cue.
COLOURS: dict[str, str] = {"A": "#0072B2", "B": "#D55E00"}


@dataclass(frozen=True)
class InfluenceAnswers:
    """The answers to the tracking-influence prompt for one disagreement.

    ``talking``: who did the most talking ("A", "B" or "both" equally).
    ``plan``: whose plan was ultimately enacted ("A", "B", "both" for a joint plan,
    "neither" if nothing was decided).  ``resources_a``/``resources_b``: slugs from
    :data:`RESOURCES` each person used to influence the outcome.
    """

    talking: str
    plan: str
    resources_a: Collection[str] = frozenset()
    resources_b: Collection[str] = frozenset()
    names: tuple[str, str] = ("Person A", "Person B")


@dataclass(frozen=True)
class IndicatorRow:
    """One row of the picture: a sign of influence and how much of it each person had."""

    key: str
    label: str
    a: float
    b: float
    a_text: str = ""
    b_text: str = ""


@dataclass(frozen=True)
class InfluenceProfile:
    """Signs of influence in one disagreement, and a plain-language reading of them."""

    names: tuple[str, str]
    rows: tuple[IndicatorRow, ...]
    lean: Literal["A", "B", "even"]
    reading: tuple[str, ...]
    prompts: tuple[str, ...]
    alt_text: str

    @property
    def totals(self) -> tuple[float, float]:
        return (sum(r.a for r in self.rows), sum(r.b for r in self.rows))

    def _repr_html_(self) -> str:
        return render_influence_reading(self)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(influence_text(self))


def _check_choice(value: str, choices: Sequence[str], what: str) -> None:
    if value not in choices:
        raise ValueError(f"{what}: {value!r} is not one of {', '.join(choices)}")


def _check_resources(used: Iterable[str], person: str) -> frozenset[str]:
    used = frozenset(used)
    unknown = sorted(used - _RESOURCE_NAMES.keys())
    if unknown:
        raise ValueError(f"resources of person {person}: unknown {', '.join(unknown)}; "
                         f"use {', '.join(_RESOURCE_NAMES)}")
    return used


def _share(choice: str, person: str, whole: str, half: str) -> tuple[float, str]:
    """1 for the person chosen, 0.5 each when shared ("both"), 0 otherwise."""
    if choice == person:
        return 1.0, whole
    if choice == "both":
        return 0.5, half
    return 0.0, ""


def _rows(answers: InfluenceAnswers, used: tuple[frozenset[str], frozenset[str]]) -> tuple[
        IndicatorRow, ...]:
    talk = [_share(answers.talking, p, "most talking", "equal share") for p in PEOPLE]
    plan = [_share(answers.plan, p, "plan enacted", "joint plan") for p in PEOPLE]
    rows = [
        IndicatorRow("talking", "Did most of the talking", talk[0][0], talk[1][0],
                     talk[0][1], talk[1][1]),
        IndicatorRow("plan", "Plan enacted", plan[0][0], plan[1][0], plan[0][1], plan[1][1]),
    ]
    for slug, name in RESOURCES:
        a, b = (float(slug in u) for u in used)
        rows.append(IndicatorRow(slug, f"Used {name.lower()}", a, b,
                                 "used" if a else "", "used" if b else ""))
    return tuple(rows)


def _lean(a: float, b: float) -> Literal["A", "B", "even"]:
    """A difference of less than one whole sign is read as roughly balanced."""
    if a - b >= 1:
        return "A"
    if b - a >= 1:
        return "B"
    return "even"


def _resource_phrase(used: frozenset[str]) -> str:
    names = [name.lower() for slug, name in RESOURCES if slug in used]
    return _join(names, "and") if names else "none of the listed resources"


def _reading(answers: InfluenceAnswers, used: tuple[frozenset[str], frozenset[str]],
             totals: tuple[float, float], lean: str) -> tuple[str, ...]:
    name = dict(zip(PEOPLE, answers.names, strict=True))
    talking = ("Both did about the same amount of talking." if answers.talking == "both"
               else f"{name[answers.talking]} did most of the talking.")
    plan = {"both": "A joint plan was enacted.",
            "neither": "Neither plan was enacted (nothing was decided yet)."}.get(
        answers.plan, f"{name.get(answers.plan, '')}'s plan was enacted.")
    resources = (f"{name['A']} used {_resource_phrase(used[0])}; "
                 f"{name['B']} used {_resource_phrase(used[1])}.")
    counts = f"{_signs(totals[0])} against {_number(totals[1])}"
    overall = (f"Across these signs, influence in this disagreement was roughly balanced "
               f"({counts})." if lean == "even" else
               f"Across these signs, influence in this disagreement leaned towards "
               f"{name[lean]} ({counts}).")
    return talking, plan, resources, overall


def _prompts(answers: InfluenceAnswers, used: tuple[frozenset[str], frozenset[str]]) -> tuple[
        str, ...]:
    """Questions to reflect on; they point to other lessons, and judge no one."""
    name = dict(zip(PEOPLE, answers.names, strict=True))
    other = {"A": name["B"], "B": name["A"]}
    prompts: list[str] = []
    if answers.talking in PEOPLE and answers.plan in PEOPLE and answers.talking != answers.plan:
        prompts.append(
            f"Talking is not the same as influence: {name[answers.talking]} did most of the "
            f"talking, but {name[answers.plan]}'s plan was enacted. Which resources made "
            "the difference?")
    for person, person_used in zip(PEOPLE, used, strict=True):
        if "emotional-pressure" in person_used:
            prompts.append(
                f"{name[person]} used emotional pressure. A boundary check asks: could "
                f"{other[person]} have said no without fear of relational or emotional "
                "punishment?")
        if person_used & {"money", "social-capital"}:
            prompts.append(
                f"{name[person]} drew on money or social capital, which often come from "
                "systemic power (income, social privilege). Does the status quo benefit "
                f"{name[person]}, and who has the incentive to change it?")
    prompts.append("These are counts of signs in one disagreement, not a measure of a "
                   "relationship or of either person.")
    return tuple(prompts)


def _row_phrase(row: IndicatorRow, value: float) -> str:
    """How one sign reads in the text alternative ("had their plan enacted")."""
    if row.key == "talking":
        return "did most of the talking" if value == 1 else "talked about as much as the other"
    if row.key == "plan":
        return "had their plan enacted" if value == 1 else "shared a joint plan"
    return row.label.lower()


def _alt_text(names: tuple[str, str], rows: tuple[IndicatorRow, ...],
              totals: tuple[float, float], overall: str) -> str:
    def side(index: int) -> str:
        values = {r.key: (r.a, r.b)[index] for r in rows}
        phrases = [_row_phrase(r, values[r.key]) for r in rows[:2] if values[r.key]]
        used = [name.lower() for slug, name in RESOURCES if values[slug]]
        if used:
            phrases.append(f"used {_join(used, 'and')}")
        return f"{names[index]} {_join(phrases, 'and') or 'showed none of these signs'}"
    return (f"Diverging bar chart of signs of influence in one disagreement, "
            f"{names[0]} to the left, {names[1]} to the right. {side(0)} "
            f"({_signs(totals[0])}); {side(1)} ({_signs(totals[1])}). {overall}")


def influence_profile(answers: InfluenceAnswers) -> InfluenceProfile:
    """Count the signs of influence in the answers and read them in plain language.

    Talking and the enacted plan count 1 for the person chosen (0.5 each when shared);
    each resource used counts 1.  The counts are a picture to talk about, not a score.
    """
    _check_choice(answers.talking, TALKING_CHOICES, "who did the most talking")
    _check_choice(answers.plan, PLAN_CHOICES, "whose plan was enacted")
    used = (_check_resources(answers.resources_a, "A"), _check_resources(answers.resources_b, "B"))
    rows = _rows(answers, used)
    totals = (sum(r.a for r in rows), sum(r.b for r in rows))
    lean = _lean(*totals)
    reading = _reading(answers, used, totals, lean)
    return InfluenceProfile(
        names=answers.names, rows=rows, lean=lean, reading=reading,
        prompts=_prompts(answers, used), alt_text=_alt_text(answers.names, rows, totals,
                                                            reading[-1]),
    )


def influence_title(profile: InfluenceProfile) -> str:
    """The figure's title: the main finding in words, like a short alt text."""
    a, b = profile.names
    ta, tb = (_signs(t) for t in profile.totals)
    if profile.lean == "even":
        head = "Influence in this disagreement was roughly balanced"
    else:
        leader = profile.names[PEOPLE.index(profile.lean)]
        head = f"Influence in this disagreement leaned towards {leader}"
    return f"{head}\n({a}: {ta}, {b}: {tb})"


def draw_influence(profile: InfluenceProfile) -> Figure:
    """A diverging bar chart: person A's signs to the left, person B's to the right.

    Built on a bare ``Figure`` (not pyplot), so it is never registered with pyplot's
    figure manager: nothing to ``plt.close`` and no second automatic rendering in a
    notebook.  Text labels on every bar and a title that states the finding mean the
    picture does not depend on colour.
    """
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    rows = profile.rows
    y = list(range(len(rows)))[::-1]
    fig = Figure(figsize=(8, 4.6), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    ax.barh(y, [-r.a for r in rows], color=COLOURS["A"], height=0.6)
    ax.barh(y, [r.b for r in rows], color=COLOURS["B"], height=0.6, hatch="//",
            edgecolor="white", linewidth=0)
    for yi, row in zip(y, rows, strict=True):
        if row.a:
            ax.text(-row.a - 0.04, yi, row.a_text, ha="right", va="center", fontsize=9)
        if row.b:
            ax.text(row.b + 0.04, yi, row.b_text, ha="left", va="center", fontsize=9)
    ax.axvline(0, color="#333333", linewidth=1)
    ax.set_xlim(-1.75, 1.75)
    ax.set_yticks(y, [r.label for r in rows])
    ax.set_xticks([-1, 0, 1], ["1", "0", "1"])
    a, b = profile.names
    ax.set_xlabel(f"\u2190 {a}      signs of influence      {b} \u2192")
    ax.spines[["top", "right"]].set_visible(False)
    fig.legend(handles=[Patch(color=COLOURS["A"], label=f"{profile.names[0]} (left)"),
                        Patch(facecolor=COLOURS["B"], hatch="//", edgecolor="white",
                              label=f"{profile.names[1]} (right)")],
               loc="outside lower center", ncols=2, frameon=False)
    ax.set_title(influence_title(profile), fontsize=11, loc="left")
    return fig


@dataclass(frozen=True)
class FigureImage:
    """A rendered picture with its text alternative, displayed once in a notebook."""

    png: bytes
    alt: str

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        if not self.png:  # no matplotlib here (the browser edition): the text alternative
            return {"text/plain": self.alt, "text/html": f'<p class="pd-chart-text">{escape(self.alt)}</p>'}
        return {"image/png": base64.b64encode(self.png).decode("ascii"), "text/plain": self.alt}


def influence_picture(profile: InfluenceProfile) -> FigureImage:
    """Draw and render the picture once; the figure object is dropped right after.

    Without matplotlib (an optional dependency, absent in the browser edition) the
    picture is its text alternative alone."""
    try:
        png = figure_png(draw_influence(profile))
    except ImportError:
        png = b""
    return FigureImage(png, profile.alt_text)


def render_influence_reading(profile: InfluenceProfile) -> str:
    """HTML for the reading and the reflection prompts (escaped; deterministic)."""
    return (
        '<div class="pd-practice"><p><strong>Reading</strong></p>'
        + "".join(f"<p>{escape(s)}</p>" for s in profile.reading)
        + "<p><strong>Questions to reflect on</strong></p>" + _html_list(profile.prompts)
        + "</div>"
    )


def influence_text(profile: InfluenceProfile) -> str:
    """Plain-text version of the reading."""
    return "\n".join([*profile.reading, *(f"- {p}" for p in profile.prompts)])


# =====================================================================================
# 3. Boundary check (micro-skill): testing for coercive power
# =====================================================================================

Response = Literal["yes", "no", "unsure"]
RESPONSES: tuple[tuple[str, str], ...] = (("Yes", "yes"), ("No", "no"), ("Not sure", "unsure"))


@dataclass(frozen=True)
class BoundaryQuestion:
    """One check: can {person} say no without fear of this kind of punishment?"""

    slug: str
    question: str
    sign: str


BOUNDARY_QUESTIONS: tuple[BoundaryQuestion, ...] = (
    BoundaryQuestion(
        "anger", "Can {person} say no without facing anger, shouting, sulking or the silent "
        "treatment?",
        "{person} may not be able to say no without emotional punishment (anger, sulking "
        "or the silent treatment)"),
    BoundaryQuestion(
        "closeness", "Can {person} say no without risking affection, closeness or the "
        "relationship itself?",
        "{person} may risk losing affection or closeness by saying no (relational "
        "punishment)"),
    BoundaryQuestion(
        "resources", "Can {person} say no without losing money, housing, care or other "
        "resources the other person controls?",
        "{person} may lose money, housing, care or other resources by saying no (a benefit "
        "withheld as a punishment is coercion, not reward)"),
    BoundaryQuestion(
        "safety", "Can {person} say no and still feel safe, with no threat of harm?",
        "{person} may not feel safe saying no"),
    BoundaryQuestion(
        "pressure", "Is a \u201cno\u201d from {person} accepted the first time, without "
        "being asked again and again until they give in?",
        "a \u201cno\u201d from {person} may not be accepted (repeated pressure wears a "
        "refusal down)"),
)
_QUESTION_SLUGS = tuple(q.slug for q in BOUNDARY_QUESTIONS)


@dataclass(frozen=True)
class BoundaryAnswers:
    """A described request and, per person ("A", "B"), an answer to each check.

    An answer is "yes" (can say no freely), "no" or "unsure"; a check left out counts
    as not answered yet.
    """

    request: str
    responses: Mapping[str, Mapping[str, str]]
    names: tuple[str, str] = ("Person A", "Person B")


@dataclass(frozen=True)
class BoundaryReading:
    """A plain-language reading of the boundary check; never a verdict."""

    request: str
    signs: tuple[str, ...]
    to_explore: tuple[str, ...]
    unanswered: tuple[str, ...]
    summary: str
    next_steps: tuple[str, ...]
    disclaimer: str = NOT_A_VERDICT

    @property
    def has_signs(self) -> bool:
        return bool(self.signs)

    def _repr_html_(self) -> str:
        return render_boundary_reading(self)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(boundary_text(self))


def _validated(responses: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, str]]:
    """Unknown people, checks or answers are errors, not silently ignored."""
    unknown_people = sorted(set(responses) - set(PEOPLE))
    if unknown_people:
        raise ValueError(f"unknown person {', '.join(unknown_people)}; use A or B")
    valid = [value for _, value in RESPONSES]
    out: dict[str, dict[str, str]] = {}
    for person in PEOPLE:
        given = dict(responses.get(person, {}))
        for slug, value in given.items():
            _check_choice(slug, _QUESTION_SLUGS, f"check for person {person}")
            _check_choice(value, valid, f"answer to {slug!r} for person {person}")
        out[person] = given
    return out


def _sorted_by(responses: dict[str, dict[str, str]], names: tuple[str, str],
               value: str | None) -> list[str]:
    """The checks with a given answer, as sentences, person by person in a fixed order."""
    found = []
    for person, name in zip(PEOPLE, names, strict=True):
        for question in BOUNDARY_QUESTIONS:
            if responses[person].get(question.slug) == value:
                template = question.sign if value == "no" else question.question
                found.append(template.format(person=name))
    return found


def _boundary_summary(signs: Sequence[str], explore: Sequence[str], unanswered: Sequence[str],
                      people_with_signs: Sequence[str]) -> str:
    if signs:
        who = _join(list(people_with_signs), "and")
        return (
            f"Signs of coercive power: {'; '.join(signs)}. In the request described, "
            f"saying no seems to carry a cost for {who} that the other person can impose. "
            "The boundary check asks that both people can refuse without fear of relational "
            "or emotional punishment; where one cannot, a yes may be compliance rather than "
            "free agreement.")
    if explore:
        return ("No clear signs of coercive power in these answers, but some are unsure: "
                "those are worth exploring before reading anything into the request.")
    if unanswered:
        return "Not every check is answered yet: answer them for both people to get a reading."
    return ("No signs of coercive power in these answers: both people could say no to this "
            "request without fear of relational or emotional punishment. One request is a "
            "small window; it cannot show that a relationship is free of coercion.")


def boundary_reading(answers: BoundaryAnswers) -> BoundaryReading:
    """Read the boundary check answers in plain language (signs, things to explore)."""
    responses = _validated(answers.responses)
    signs = _sorted_by(responses, answers.names, "no")
    explore = _sorted_by(responses, answers.names, "unsure")
    unanswered = _sorted_by(responses, answers.names, None)
    people_with_signs = [name for person, name in zip(PEOPLE, answers.names, strict=True)
                         if "no" in responses[person].values()]
    next_steps: tuple[str, ...] = ()
    if signs:
        next_steps = (
            "In practice, explore this with each person separately before any joint "
            "conversation, and bring it to supervision.",
            "If the same fears show up across many requests and areas of life, that pattern "
            "is what Stark (2007) calls coercive control; one request cannot show a pattern.",
            SUPPORT_NOTE,
        )
    return BoundaryReading(
        request=answers.request.strip(), signs=tuple(signs), to_explore=tuple(explore),
        unanswered=tuple(unanswered),
        summary=_boundary_summary(signs, explore, unanswered, people_with_signs),
        next_steps=next_steps,
    )


def render_boundary_reading(reading: BoundaryReading) -> str:
    """HTML for a reading (escaped; deterministic)."""
    request = reading.request or "(no request described)"
    parts = [f'<div class="pd-practice"><p><strong>Request:</strong> {escape(request)}</p>',
             f"<p>{escape(reading.summary)}</p>"]
    if reading.to_explore:
        parts.append("<p><strong>Worth exploring</strong></p>" + _html_list(reading.to_explore))
    if reading.unanswered:
        parts.append("<p><strong>Not answered yet</strong></p>" + _html_list(reading.unanswered))
    if reading.next_steps:
        parts.append("<p><strong>Next steps</strong></p>" + _html_list(reading.next_steps))
    parts.append(f"<p><em>{escape(reading.disclaimer)}</em></p></div>")
    return "".join(parts)


def boundary_text(reading: BoundaryReading) -> str:
    """Plain-text version of a reading."""
    lines = [f"Request: {reading.request or '(no request described)'}", reading.summary]
    for title, items in (("Worth exploring", reading.to_explore),
                         ("Not answered yet", reading.unanswered),
                         ("Next steps", reading.next_steps)):
        if items:
            lines += [f"{title}:", *(f"- {item}" for item in items)]
    lines.append(reading.disclaimer)
    return "\n".join(lines)


# =====================================================================================
# Forms (ipywidgets): collect answers, call the logic, show the rendering
# =====================================================================================


def _static_note(title: str) -> str:
    """What the HTML book shows for a form: it needs a kernel to run."""
    return (
        f'<div class="pd-practice-static"><p><strong>{escape(title)}</strong> is an '
        "interactive form that needs a running Python kernel: in JupyterLab, run this cell "
        "to use it. On a static page, the worked example above shows what it produces.</p>"
        f"<p>{escape(PRIVACY_NOTE)}</p></div>"
    )


class _Form:
    """Shared shape of the three forms: a title, the privacy note, a body, a result."""

    title = ""

    def __init__(self) -> None:
        import ipywidgets as w

        self.result = w.HTML(layout=w.Layout(max_width="48em"))
        self.clear_button = w.Button(description="Clear", tooltip="Clear every answer")
        self.clear_button.on_click(lambda _b: self.clear())
        self.box = w.VBox(
            [w.HTML(f"<strong>{escape(self.title)}</strong>"),
             w.HTML(f"<p><em>{escape(PRIVACY_NOTE)}</em></p>", layout=w.Layout(max_width="48em")),
             *self._body(), self.result],
            layout=w.Layout(border="1px solid #8a8a8a", padding="0.5em 1em", margin="1em 0"),
        )

    def _body(self) -> list[w.Widget]:
        raise NotImplementedError

    def clear(self) -> None:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.title}>"

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        bundle: dict[str, Any] = {"text/plain": repr(self), "text/html": _static_note(self.title)}
        view = self.box._repr_mimebundle_()
        if view and WIDGET_MIME in view:
            bundle[WIDGET_MIME] = view[WIDGET_MIME]
        return bundle


class AiringForm(_Form):
    """Tick the differentials in a fictional case; the question adapts as you tick."""

    title = "Airing the privilege: build the facilitation question"

    def __init__(self) -> None:
        super().__init__()
        self.update()

    def _body(self) -> list[w.Widget]:
        import ipywidgets as w

        self.boxes = {d.slug: w.Checkbox(description=d.name, value=False, indent=False)
                      for d in DIFFERENTIALS}
        for box in self.boxes.values():
            box.observe(lambda _change: self.update(), names="value")
        groups = [
            w.VBox([w.HTML(f"<em>{label}</em>")]
                   + [self.boxes[d.slug] for d in DIFFERENTIALS if d.kind == kind])
            for kind, label in (("resources", "Resources"), ("social", "Social privilege"))
        ]
        return [w.HTML("Which differentials are present in the case?"), w.HBox(groups),
                self.clear_button]

    def select(self, slugs: Iterable[str]) -> AiringPlan:
        """Tick exactly ``slugs`` (for scripts and tests) and return the plan shown."""
        wanted = {differential(s).slug for s in slugs}
        for slug, box in self.boxes.items():
            box.value = slug in wanted
        return self.update()

    def update(self) -> AiringPlan:
        plan = plan_airing(slug for slug, box in self.boxes.items() if box.value)
        self.result.value = render_airing_plan(plan)
        return plan

    def clear(self) -> None:
        self.select([])


class InfluenceForm(_Form):
    """Answer the tracking-influence prompt; draw the picture and read it."""

    title = "Tracking influence: picture one disagreement"

    def _body(self) -> list[w.Widget]:
        import ipywidgets as w

        self.talking = w.RadioButtons(
            options=[("Person A", "A"), ("Person B", "B"), ("Both equally", "both")],
            value=None, description="Most talking:", style={"description_width": "initial"})
        self.plan = w.RadioButtons(
            options=[("Person A's plan", "A"), ("Person B's plan", "B"),
                     ("A joint plan", "both"), ("Neither (nothing decided yet)", "neither")],
            value=None, description="Plan enacted:", style={"description_width": "initial"})
        self.resources = {
            person: {slug: w.Checkbox(description=name, value=False, indent=False)
                     for slug, name in RESOURCES}
            for person in PEOPLE
        }
        columns = [w.VBox([w.HTML(f"<em>Resources Person {p} used</em>"),
                           *self.resources[p].values()]) for p in PEOPLE]
        self.draw_button = w.Button(description="Draw the picture", button_style="primary")
        self.draw_button.on_click(lambda _b: self.draw())
        self.image = w.Image(format="png", layout=w.Layout(max_width="40em", display="none"))
        return [w.HTML("Who did the most talking? Whose plan was ultimately enacted?"),
                w.HBox([self.talking, self.plan]), w.HBox(columns),
                w.HBox([self.draw_button, self.clear_button]), self.image]

    def answers(self) -> InfluenceAnswers | None:
        """The form's answers, or None while a required choice is missing."""
        if self.talking.value is None or self.plan.value is None:
            return None
        used = [frozenset(s for s, box in self.resources[p].items() if box.value) for p in PEOPLE]
        return InfluenceAnswers(self.talking.value, self.plan.value, used[0], used[1])

    def draw(self) -> InfluenceProfile | None:
        answers = self.answers()
        if answers is None:
            self.image.layout.display = "none"
            self.result.value = ("<p>Choose who did the most talking and whose plan was "
                                 "enacted first.</p>")
            return None
        profile = influence_profile(answers)
        try:
            self.image.value = figure_png(draw_influence(profile))
            # "" (not None) shows it again: Pyodide's widget state ignores a None display.
            self.image.layout.display = ""
        except ImportError:  # no matplotlib (the browser edition): the text below says it all
            self.image.layout.display = "none"
        self.result.value = (f"<p><em>{escape(profile.alt_text)}</em></p>"
                             + render_influence_reading(profile))
        return profile

    def clear(self) -> None:
        self.talking.value = None
        self.plan.value = None
        for boxes in self.resources.values():
            for box in boxes.values():
                box.value = False
        self.image.value = b""
        self.image.layout.display = "none"
        self.result.value = ""


class BoundaryForm(_Form):
    """Describe a request; for each person, can they say no without fear of punishment?"""

    title = "Boundary check: can each person say no?"

    def _body(self) -> list[w.Widget]:
        import ipywidgets as w

        self.request = w.Textarea(
            placeholder="A fictional request, e.g. 'A asks B to skip a friend's birthday to "
                        "visit A's parents.'",
            description="Request:", layout=w.Layout(width="40em", height="4em"))
        self.toggles: dict[str, dict[str, w.ToggleButtons]] = {p: {} for p in PEOPLE}
        rows: list[w.Widget] = []
        for question in BOUNDARY_QUESTIONS:
            rows.append(w.HTML(f"<p>{escape(question.question.format(person='each person'))}</p>"))
            for person in PEOPLE:
                toggle = w.ToggleButtons(options=list(RESPONSES), value=None,
                                         description=f"Person {person}:",
                                         style={"button_width": "6em"})
                self.toggles[person][question.slug] = toggle
                rows.append(toggle)
        self.read_button = w.Button(description="Read the answers", button_style="primary")
        self.read_button.on_click(lambda _b: self.read())
        return [self.request, *rows, w.HBox([self.read_button, self.clear_button])]

    def answers(self) -> BoundaryAnswers:
        responses = {p: {slug: t.value for slug, t in self.toggles[p].items() if t.value}
                     for p in PEOPLE}
        return BoundaryAnswers(self.request.value, responses)

    def set_answers(self, request: str, responses: Mapping[str, Mapping[str, str]]) -> None:
        """Fill the form (for scripts and tests)."""
        self.request.value = request
        for person, toggles in self.toggles.items():
            for slug, toggle in toggles.items():
                toggle.value = responses.get(person, {}).get(slug)

    def read(self) -> BoundaryReading:
        reading = boundary_reading(self.answers())
        self.result.value = render_boundary_reading(reading)
        return reading

    def clear(self) -> None:
        self.set_answers("", {})
        self.result.value = ""
