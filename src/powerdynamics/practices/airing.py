"""Airing the privilege: the source note's facilitation question and its differentials.

The trainee's path is *draft, then compare* (:mod:`.drafts`): the trainee writes their
own line for a described situation and compares it with model versions. This module
keeps the source question, the differentials to listen for and the safety prompt.

:func:`plan_airing` and :func:`facilitation_question` (the question filled in from
ticked differentials) are kept for scripts and instructor material written against
them; no lesson or form uses them, because a tool that writes the line does the
adapting the objective asks of the trainee.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from html import escape
from typing import Any, Literal

from .common import html_list as _html_list
from .common import join_words as _join

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

