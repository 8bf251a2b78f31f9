"""Boundary check (micro-skill): can each person say no without fear of punishment?

Testing for coercive power. Logic (answers in, a plain-language reading out) and its
HTML and text renderings; the form is in :mod:`.forms`. A reading is never a verdict.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any, Literal

from .common import NOT_A_VERDICT, PEOPLE, SUPPORT_NOTE
from .common import check_choice as _check_choice
from .common import html_list as _html_list
from .common import join_words as _join

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

