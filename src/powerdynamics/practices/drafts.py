"""Draft, then compare: the trainee writes their own line first, then sees model versions.

For Airing the Privilege and for broaching, a described situation asks for one line
the practitioner would say. The trainee writes it; only then are three model versions
shown, with a four-point checklist to compare against (names the specific
differential, invites each person's experience, does not blame, does not ask for
disclosure). The tool never writes, completes, scores or stores the trainee's line.

The situations are data (``data/drafts.yaml``), validated on load: a broken file fails
loudly with the situation and field named. Three renderings share them:

* :func:`render_drafts_html`: static HTML for the book (no kernel, no script, no inline
  ``<style>``, no request): the trainee's draft goes in a ``<textarea>``, the models
  sit in a ``<details>`` to open afterwards;
* :func:`situation_text`: plain text;
* the ipywidgets form in :mod:`.forms` (JupyterLab and JupyterLite).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from html import escape
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from powerdynamics.bank import safe_yaml

from .airing import SAFETY_PROMPT

Skill = Literal["airing", "broaching"]
SKILLS: tuple[str, ...] = ("airing", "broaching")
SKILL_NAMES: dict[str, str] = {"airing": "Airing the privilege", "broaching": "Broaching"}
CHECK_SLUGS: tuple[str, ...] = ("names-differential", "invites-each", "no-blame", "no-disclosure")
MODELS_PER_SITUATION = 3

#: What the static page says about privacy: there the text stays in the browser tab.
PAGE_PRIVACY_NOTE = (
    "Nothing you type here is stored or sent anywhere: it stays in this browser tab and "
    "is gone when you reload or leave the page. You play the practitioner described; "
    "you never need to write about yourself or anyone you know."
)

#: What broaching may raise in the practitioner; said after every broaching model set.
BROACHING_NOTE = (
    "Naming your own position can feel exposing, and a client may answer with anger or "
    "silence. Neither is a failure of the line; take what it raises to supervision."
)


def _tidy(text: str) -> str:
    """YAML folded text to one line of single spaces (what every rendering shows)."""
    return " ".join(str(text).split())


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Check(_Data):
    """One point of the compare checklist."""

    slug: str
    name: str = Field(min_length=5)
    text: str = Field(min_length=20)

    @field_validator("name", "text")
    @classmethod
    def _tidy_text(cls, value: str) -> str:
        return _tidy(value)


class ModelLine(_Data):
    """A model version of the line, and what it shows (shown only after the draft)."""

    line: str = Field(min_length=20)
    note: str = Field(min_length=20)

    @field_validator("line", "note")
    @classmethod
    def _tidy_text(cls, value: str) -> str:
        return _tidy(value)


class Situation(_Data):
    """A described situation to write one line for."""

    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    skill: Skill
    title: str = Field(min_length=5)
    setting: str = Field(min_length=5)
    situation: str = Field(min_length=80)
    task: str = Field(min_length=20)
    differential: str = Field(min_length=20)
    models: tuple[ModelLine, ...]

    @field_validator("title", "setting", "situation", "task", "differential")
    @classmethod
    def _tidy_text(cls, value: str) -> str:
        return _tidy(value)

    @field_validator("models")
    @classmethod
    def _three_models(cls, value: tuple[ModelLine, ...]) -> tuple[ModelLine, ...]:
        if len(value) != MODELS_PER_SITUATION:
            raise ValueError(f"a situation has exactly {MODELS_PER_SITUATION} model versions "
                             f"(found {len(value)})")
        if len({m.line for m in value}) != len(value):
            raise ValueError("two model versions are the same line")
        return value

    def _repr_html_(self) -> str:
        return render_drafts_html([self])

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(situation_text(self))


class DraftBank(_Data):
    """The whole file: the checklist and the situations."""

    checklist: tuple[Check, ...]
    situations: tuple[Situation, ...]

    @model_validator(mode="after")
    def _consistent(self) -> DraftBank:
        slugs = tuple(c.slug for c in self.checklist)
        if slugs != CHECK_SLUGS:
            raise ValueError(f"checklist: the checks are {', '.join(CHECK_SLUGS)} in this order "
                             f"(found {', '.join(slugs)})")
        seen: set[str] = set()
        for s in self.situations:
            if s.id in seen:
                raise ValueError(f"situation {s.id!r}: duplicate id")
            seen.add(s.id)
        return self


class DraftDataError(ValueError):
    """The drafts file cannot be used; the message names the file, situation and field."""


def _located(path: Path, data: Any, exc: ValidationError) -> DraftDataError:
    lines = []
    for error in exc.errors():
        loc = list(error["loc"])
        where = ".".join(str(p) for p in loc) or "file"
        if len(loc) >= 2 and loc[0] == "situations" and isinstance(loc[1], int):
            try:
                where = f"situation {data['situations'][loc[1]]['id']!r}: " + ".".join(map(str, loc[2:]))
            except (KeyError, IndexError, TypeError):
                pass
        lines.append(f"{path.name}: {where}: {error['msg']}")
    return DraftDataError("\n".join(lines))


def load_drafts(path: Path | str) -> DraftBank:
    """Read and validate a drafts file (bounded YAML; every problem located)."""
    path = Path(path)
    try:
        node = safe_yaml.compose(safe_yaml.read_text(path))
        data = safe_yaml.construct(node) if node is not None else None
    except safe_yaml.YamlProblem as problem:
        raise DraftDataError(f"{path.name}:{problem.line}: {problem.field}: {problem.message}") from None
    try:
        return DraftBank.model_validate(data)
    except ValidationError as exc:
        raise _located(path, data, exc) from None


def drafts_file() -> Path:
    """The drafts file shipped with the package."""
    return Path(str(resources.files("powerdynamics.practices") / "data" / "drafts.yaml"))


@cache
def draft_bank() -> DraftBank:
    """The shipped checklist and situations (read once)."""
    return load_drafts(drafts_file())


def checklist() -> tuple[Check, ...]:
    return draft_bank().checklist


def situations(skill: str | None = None) -> tuple[Situation, ...]:
    """The shipped situations, all or for one skill ("airing", "broaching"), in file order."""
    if skill is not None and skill not in SKILLS:
        raise ValueError(f"unknown skill {skill!r}; use one of {', '.join(SKILLS)}")
    return tuple(s for s in draft_bank().situations if skill is None or s.skill == skill)


def situation(situation_id: str) -> Situation:
    """One situation by id; unknown ids fail loudly with the valid ones."""
    for s in draft_bank().situations:
        if s.id == situation_id:
            return s
    valid = ", ".join(s.id for s in draft_bank().situations)
    raise ValueError(f"unknown situation {situation_id!r}; use one of {valid}")


def after_note(s: Situation) -> str:
    """The safety or supervision reminder shown with the models."""
    return SAFETY_PROMPT if s.skill == "airing" else BROACHING_NOTE


# -- renderings -------------------------------------------------------------------------


def render_situation_brief(s: Situation) -> str:
    """The situation and the task: what the trainee sees before writing (HTML)."""
    return (
        f'<p class="pd-draft-title"><strong>{escape(s.title)}</strong> '
        f"({escape(s.setting)})</p>"
        f'<p class="pd-draft-situation">{escape(s.situation)}</p>'
        f'<p class="pd-draft-task"><strong>Your line.</strong> {escape(s.task)}</p>'
    )


def render_models(s: Situation) -> str:
    """The differential, the three models and their notes (HTML; shown after the draft)."""
    items = "".join(
        f'<li><blockquote class="pd-draft-model"><p>{escape(m.line)}</p></blockquote>'
        f'<p class="pd-draft-note">{escape(m.note)}</p></li>'
        for m in s.models)
    return (
        f'<p><strong>The differential here.</strong> {escape(s.differential)}</p>'
        f"<p><strong>Three model versions</strong> (there is no single right line):</p>"
        f'<ol class="pd-draft-models">{items}</ol>'
    )


def render_checklist(checks: Sequence[Check], boxes: bool) -> str:
    """The four checks; with ``boxes``, each is a native checkbox the trainee may tick."""
    if boxes:
        rows = "".join(
            f'<li><label><input type="checkbox"> '
            f"<strong>{escape(c.name)}.</strong> {escape(c.text)}</label></li>" for c in checks)
    else:
        rows = "".join(f"<li><strong>{escape(c.name)}.</strong> {escape(c.text)}</li>" for c in checks)
    return (
        '<div class="pd-draft-checklist"><p><strong>Compare your line:</strong> does it meet '
        f'each point? Do the models?</p><ul class="pd-draft-checks">{rows}</ul></div>'
    )


def _situation_block(s: Situation, checks: Sequence[Check]) -> str:
    return (
        f'<div class="pd-draft-item" data-pd-situation="{escape(s.id)}">'
        + render_situation_brief(s)
        + '<p><label class="pd-draft-label">Write your own line first:<br>'
        '<textarea class="pd-draft-line" rows="4" cols="60" autocomplete="off"></textarea>'
        "</label></p>"
        '<details class="pd-draft-reveal"><summary>I have written my line: show three model '
        "versions and the checklist</summary>"
        + render_models(s) + render_checklist(checks, boxes=True)
        + f'<p class="pd-draft-after"><em>{escape(after_note(s))}</em></p>'
        "</details></div>"
    )


def render_drafts_html(items: Sequence[Situation], checks: Sequence[Check] | None = None) -> str:
    """Static HTML for one or more situations (escaped; deterministic; no script or style).

    The first situation is open; the others each sit in a closed ``<details>``, so the
    page stays short. The models of every situation are behind their own reveal.
    """
    if not items:
        raise ValueError("no situation to render")
    checks = checklist() if checks is None else checks
    skills = sorted({s.skill for s in items}, key=SKILLS.index)
    title = " and ".join(SKILL_NAMES[k] for k in skills)
    parts = [
        f'<div class="pd-practice pd-draft"><p><strong>Draft, then compare: '
        f"{escape(title)}</strong></p>",
        f'<p class="pd-draft-privacy"><em>{escape(PAGE_PRIVACY_NOTE)}</em></p>',
        _situation_block(items[0], checks),
    ]
    for s in items[1:]:
        parts.append(f'<details class="pd-draft-more"><summary>Another situation: '
                     f"{escape(s.title)}</summary>{_situation_block(s, checks)}</details>")
    parts.append("</div>")
    return "".join(parts)


def situation_text(s: Situation, reveal: bool = False) -> str:
    """Plain text: the situation and task; with ``reveal``, the models and checklist too."""
    lines = [f"{s.title} ({s.setting})", s.situation, f"Your line: {s.task}"]
    if reveal:
        lines.append(f"The differential here: {s.differential}")
        lines += [f"  Model {n}: {m.line}\n    ({m.note})" for n, m in enumerate(s.models, start=1)]
        lines += [f"- {c.name}: {c.text}" for c in checklist()]
    return "\n".join(lines)


class DraftChecklist:
    """The checklist on its own, for the lesson's worked example."""

    def __init__(self) -> None:
        self.checks = checklist()

    def _repr_html_(self) -> str:
        return '<div class="pd-practice">' + render_checklist(self.checks, boxes=False) + "</div>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text("\n".join(f"- {c.name}: {c.text}" for c in self.checks))


def draft_checklist() -> DraftChecklist:
    """The four points a drafted line is compared against."""
    return DraftChecklist()
