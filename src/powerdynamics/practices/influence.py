"""Tracking influence (prompt): whose plan was enacted, and with which resources.

The source note's prompt asks three things about a disagreement: who did the most
talking, whose plan was ultimately enacted, and which resources (time, money, social
capital) were used to influence the outcome. The lesson's point is that the most vocal
person is not always the most influential, so the reading follows it:

* the **headline** is whose plan was enacted and the resources that person used;
* the resources the other person used are listed next, with the fact that their plan
  was not the one enacted;
* **talking time is context**: reported on its own line, never counted as influence,
  never able to change the headline;
* there is no overall score or "lean" verdict: counting talking as a sign would
  contradict the lesson, and a count of resources is not a measure of anyone.

The picture is in :mod:`.charts`; the form in :mod:`.forms`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from html import escape
from typing import Any

from .common import PEOPLE
from .common import check_choice as _check_choice
from .common import html_list as _html_list
from .common import join_words as _join

TALKING_CHOICES: tuple[str, ...] = ("A", "B", "both")
PLAN_CHOICES: tuple[str, ...] = ("A", "B", "both", "neither")

#: Resources the source note names (time, money, social capital) plus two that trainees
#: meet often in practice.  Order is the order of rows in the picture and of words in
#: every sentence.
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

CLOSING_PROMPT = "This reading describes one disagreement, not a relationship or either person."


@dataclass(frozen=True)
class InfluenceAnswers:
    """The answers to the tracking-influence prompt for one disagreement.

    ``talking``: who did the most talking ("A", "B" or "both" equally); context only.
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
class ResourceRow:
    """One row of the picture: a resource and whether each person used it."""

    key: str
    label: str
    a: bool
    b: bool


@dataclass(frozen=True)
class InfluenceProfile:
    """The reading of one disagreement: headline, the other side's resources, context."""

    names: tuple[str, str]
    plan: str
    talking: str
    used: tuple[tuple[str, ...], tuple[str, ...]]
    headline: str
    others: str
    context: str
    prompts: tuple[str, ...]
    alt_text: str

    @property
    def reading(self) -> tuple[str, ...]:
        """The reading's sentences in order: headline, the other side (if any), context."""
        return tuple(s for s in (self.headline, self.others, self.context) if s)

    @property
    def rows(self) -> tuple[ResourceRow, ...]:
        return tuple(ResourceRow(slug, name, slug in self.used[0], slug in self.used[1])
                     for slug, name in RESOURCES)

    def _repr_html_(self) -> str:
        return render_influence_reading(self)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(influence_text(self))


def _check_resources(used: Iterable[str], person: str) -> tuple[str, ...]:
    """Validated and in the fixed order of :data:`RESOURCES`."""
    given = frozenset(used)
    unknown = sorted(given - _RESOURCE_NAMES.keys())
    if unknown:
        raise ValueError(f"resources of person {person}: unknown {', '.join(unknown)}; "
                         f"use {', '.join(_RESOURCE_NAMES)}")
    return tuple(slug for slug, _ in RESOURCES if slug in given)


def resource_phrase(used: Iterable[str]) -> str:
    """'time, money and social capital' (empty string when nothing was used)."""
    wanted = set(used)
    return _join([name.lower() for slug, name in RESOURCES if slug in wanted], "and")


def _used_clause(name: str, used: tuple[str, ...]) -> str:
    return (f"{name} used {resource_phrase(used)}" if used
            else f"none of the listed resources was marked for {name}")


def _headline(plan: str, name: dict[str, str], used: dict[str, tuple[str, ...]]) -> str:
    if plan in PEOPLE:
        planner = name[plan]
        if used[plan]:
            return (f"{planner}'s plan was enacted, and {planner} used "
                    f"{resource_phrase(used[plan])} to influence the outcome.")
        return f"{planner}'s plan was enacted; none of the listed resources was marked for {planner}."
    if plan == "both":
        if not (used["A"] or used["B"]):
            return "A joint plan was enacted; no listed resource was marked for either person."
        return (f"A joint plan was enacted: {_used_clause(name['A'], used['A'])}, and "
                f"{_used_clause(name['B'], used['B'])}.")
    return "Neither plan was enacted: nothing was decided yet."


def _others(plan: str, name: dict[str, str], used: dict[str, tuple[str, ...]]) -> str:
    """The resources of whoever's plan was not enacted (empty when there is nothing to say)."""
    if plan in PEOPLE:
        other = PEOPLE[1 - PEOPLE.index(plan)]
        if used[other]:
            return (f"{name[other]} used {resource_phrase(used[other])}, and "
                    f"{name[other]}'s plan was not the one enacted.")
        return ""
    if plan == "neither" and (used["A"] or used["B"]):
        return (f"Resources used so far: {_used_clause(name['A'], used['A'])}; "
                f"{_used_clause(name['B'], used['B'])}.")
    return ""


def _context(talking: str, name: dict[str, str]) -> str:
    who = ("both talked about as much as each other" if talking == "both"
           else f"{name[talking]} did most of the talking")
    return f"Context, not counted as influence: {who}."


def _prompts(talking: str, plan: str, name: dict[str, str],
             used: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """Questions to reflect on; they point to other lessons, and judge no one."""
    other = {"A": name["B"], "B": name["A"]}
    prompts: list[str] = []
    if talking in PEOPLE and plan in PEOPLE:
        if talking != plan:
            prompts.append(
                f"Talking is not the same as influence: {name[talking]} did most of the "
                f"talking, but {name[plan]}'s plan was enacted. Which resources made the "
                "difference?")
        else:
            prompts.append(
                f"{name[plan]} did most of the talking and {name[plan]}'s plan was enacted. "
                "Was it the talking, or the resources behind it, that decided the outcome?")
    for person in PEOPLE:
        if "emotional-pressure" in used[person]:
            prompts.append(
                f"{name[person]} used emotional pressure. A boundary check asks: could "
                f"{other[person]} have said no without fear of relational or emotional "
                "punishment?")
        if set(used[person]) & {"money", "social-capital"}:
            prompts.append(
                f"{name[person]} drew on money or social capital, which often come from "
                "systemic power (income, social privilege). Does the status quo benefit "
                f"{name[person]}, and who has the incentive to change it?")
    prompts.append(CLOSING_PROMPT)
    return tuple(prompts)


def _alt_text(names: tuple[str, str], sentences: Iterable[str]) -> str:
    return (f"Chart of the resources each person used in one disagreement, {names[0]} to "
            f"the left, {names[1]} to the right. " + " ".join(s for s in sentences if s))


def influence_profile(answers: InfluenceAnswers) -> InfluenceProfile:
    """Read the answers: whose plan was enacted and with which resources; talking as context."""
    _check_choice(answers.talking, TALKING_CHOICES, "who did the most talking")
    _check_choice(answers.plan, PLAN_CHOICES, "whose plan was enacted")
    used = {"A": _check_resources(answers.resources_a, "A"),
            "B": _check_resources(answers.resources_b, "B")}
    name = dict(zip(PEOPLE, answers.names, strict=True))
    headline = _headline(answers.plan, name, used)
    others = _others(answers.plan, name, used)
    context = _context(answers.talking, name)
    return InfluenceProfile(
        names=answers.names, plan=answers.plan, talking=answers.talking,
        used=(used["A"], used["B"]), headline=headline, others=others, context=context,
        prompts=_prompts(answers.talking, answers.plan, name, used),
        alt_text=_alt_text(answers.names, (headline, others, context)),
    )


def render_influence_reading(profile: InfluenceProfile) -> str:
    """HTML for the reading and the reflection prompts (escaped; deterministic)."""
    parts = ['<div class="pd-practice"><p><strong>Reading</strong></p>',
             f'<p class="pd-influence-headline"><strong>{escape(profile.headline)}</strong></p>']
    if profile.others:
        parts.append(f"<p>{escape(profile.others)}</p>")
    parts.append(f'<p class="pd-influence-context"><em>{escape(profile.context)}</em></p>')
    parts.append("<p><strong>Questions to reflect on</strong></p>" + _html_list(profile.prompts))
    parts.append("</div>")
    return "".join(parts)


def influence_text(profile: InfluenceProfile) -> str:
    """Plain-text version of the reading."""
    return "\n".join([*profile.reading, *(f"- {p}" for p in profile.prompts)])
