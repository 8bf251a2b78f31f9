"""Lesson 6 practices: airing the privilege, broaching, tracking influence, the boundary check.

One module per exercise, each with its logic and renderings kept apart on purpose:

* :mod:`.airing`: the source question, the differentials to listen for, the safety prompt;
* :mod:`.drafts`: *draft, then compare* for airing the privilege and for broaching:
  situations as data (``data/drafts.yaml``), the checklist, the static HTML rendering;
* :mod:`.influence`: tracking influence (whose plan, which resources; talking as context);
* :mod:`.charts`: the tracking-influence picture (matplotlib, optional);
* :mod:`.boundary`: the boundary check;
* :mod:`.forms`: the ipywidgets forms, which only collect answers and call the above;
* :mod:`.common`: the notes every exercise shows, and text helpers.

Logic is plain Python (frozen dataclasses in, frozen dataclasses out), so tests check
every rule without a browser, a kernel or a widget. Renderings are deterministic (no
randomness, dates or paths), because lessons are committed executed and nbval compares
the stored outputs.

Privacy: nothing a trainee types is stored or sent anywhere. The forms keep answers in
widget attributes of the running kernel only, and the book's static rendering keeps a
draft in the browser tab only; neither touches the progress store, files or the
network. :data:`PRIVACY_NOTE` says so in every form.

A reading is never a verdict about a real relationship: the texts describe the answers
given about a described (fictional) situation, and say so.

Everything lessons and scripts imported from ``powerdynamics.practices`` before the
split is still importable from here.
"""

from __future__ import annotations

from .airing import (
    DIFFERENTIALS,
    GENERAL_FOLLOW_UPS,
    SAFETY_PROMPT,
    SOURCE_QUESTION,
    AiringPlan,
    Differential,
    airing_plan_text,
    differential,
    facilitation_question,
    plan_airing,
    render_airing_plan,
)
from .boundary import (
    BOUNDARY_QUESTIONS,
    RESPONSES,
    BoundaryAnswers,
    BoundaryQuestion,
    BoundaryReading,
    boundary_reading,
    boundary_text,
    render_boundary_reading,
)
from .charts import FigureImage, draw_influence, influence_picture, influence_title
from .common import NOT_A_VERDICT, PEOPLE, PRIVACY_NOTE, SUPPORT_NOTE
from .drafts import (
    BROACHING_NOTE,
    PAGE_PRIVACY_NOTE,
    Check,
    DraftBank,
    DraftDataError,
    ModelLine,
    Situation,
    checklist,
    draft_checklist,
    load_drafts,
    render_drafts_html,
    situation,
    situation_text,
    situations,
)
from .forms import AiringForm, BoundaryForm, BroachingForm, DraftForm, InfluenceForm
from .influence import (
    COLOURS,
    PLAN_CHOICES,
    RESOURCES,
    TALKING_CHOICES,
    InfluenceAnswers,
    InfluenceProfile,
    ResourceRow,
    influence_profile,
    influence_text,
    render_influence_reading,
)

__all__ = [
    "BOUNDARY_QUESTIONS", "BROACHING_NOTE", "COLOURS", "DIFFERENTIALS", "GENERAL_FOLLOW_UPS",
    "NOT_A_VERDICT", "PAGE_PRIVACY_NOTE", "PEOPLE", "PLAN_CHOICES", "PRIVACY_NOTE", "RESOURCES",
    "RESPONSES", "SAFETY_PROMPT", "SOURCE_QUESTION", "SUPPORT_NOTE", "TALKING_CHOICES",
    "AiringForm", "AiringPlan", "BoundaryAnswers", "BoundaryForm", "BoundaryQuestion",
    "BoundaryReading", "BroachingForm", "Check", "Differential", "DraftBank", "DraftDataError",
    "DraftForm", "FigureImage", "InfluenceAnswers", "InfluenceForm", "InfluenceProfile",
    "ModelLine", "ResourceRow", "Situation",
    "airing_plan_text", "boundary_reading", "boundary_text", "checklist", "differential",
    "draft_checklist", "draw_influence", "facilitation_question", "influence_picture",
    "influence_profile", "influence_text", "influence_title", "load_drafts", "plan_airing",
    "render_airing_plan", "render_boundary_reading", "render_drafts_html",
    "render_influence_reading", "situation", "situation_text", "situations",
]
