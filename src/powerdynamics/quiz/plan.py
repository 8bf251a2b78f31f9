"""``ScenarioQuiz``: one quiz object, one front end, two ways to judge.

The object holds only the *plan* (which items, in which order, with which option
order) and the per-session state. Both renderings run the same front end
(``quiz/assets/quiz.js``):

* :mod:`powerdynamics.quiz.widget`: an anywidget in JupyterLab/JupyterLite; Python
  judges each answer and records it;
* :mod:`powerdynamics.quiz.static_page`: self-contained HTML for the book, with every
  verdict Python computed embedded.

``_repr_mimebundle_`` returns both, so JupyterLab shows the live widget and the
HTML book (which has no kernel) shows the static quiz.

``quiz_id`` is derived from the content (seed, item ids, title) and the optional
``key``, so the same quiz renders the same bytes in every run (nbval compares them);
give two identical quizzes on one page different keys.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from powerdynamics.bank.collection import Bank, default_bank
from powerdynamics.bank.labels import CATEGORIES
from powerdynamics.kinds import KeyedItem as Scenario
from powerdynamics.ordering import seeded_order

if TYPE_CHECKING:
    from powerdynamics.learner.progress import ProgressStore
    from powerdynamics.quiz.widget import QuizWidget

from powerdynamics.display import bundle_with_widget

SKIP_CONTENT_NOTES_ENV = "POWERDYNAMICS_SKIP_CONTENT_NOTES"

#: Practice runs from worked examples through core items to stretch items.
TIER_ORDER = {"worked": 0, "core": 1, "stretch": 2}


@dataclass(frozen=True)
class PlannedItem:
    """An item as it appears in one quiz: its position and its option order."""

    number: int
    scenario: Scenario
    options: tuple[str, ...]


def skip_content_notes_default() -> bool:
    """Trainees opt out of content-note items by setting POWERDYNAMICS_SKIP_CONTENT_NOTES=1."""
    return os.environ.get(SKIP_CONTENT_NOTES_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


class ScenarioQuiz:
    """A practice quiz over scenario-bank items, chosen by ids, tags or category.

    >>> quiz = ScenarioQuiz(category="bases", lesson=2, limit=5, seed=7)

    ``kinds`` and ``tiers`` keep only items of those kinds (``choice``, ``case``,
    ``cue``, ``session``) and tiers (``worked``, ``core``, ``stretch``).  Unless
    ``ids`` are given or ``seed`` is ``None``, items run from core to stretch; ``seed``
    fixes the order within each tier and of each item's options (``None`` keeps bank
    order and the option order written in the bank).  ``limit`` keeps the first *n* items after
    ordering, so a limited quiz keeps its core items.  Items with a content note are left out when
    ``skip_content_notes`` is true (default: the POWERDYNAMICS_SKIP_CONTENT_NOTES
    environment variable).  A trainee's opt-out is respected even when it leaves
    nothing: the quiz then shows a short notice pointing to the alternative practice.
    """

    def __init__(
        self,
        ids: Sequence[str] | None = None,
        *,
        category: str | None = None,
        lesson: int | None = None,
        setting: str | None = None,
        keys: Sequence[str] | None = None,
        kinds: Sequence[str] | None = None,
        tiers: Sequence[str] | None = None,
        limit: int | None = None,
        seed: int | str | None = 0,
        title: str | None = None,
        skip_content_notes: bool | None = None,
        bank: Bank | None = None,
        progress: ProgressStore | None = None,
        record_progress: bool = True,
        key: str | None = None,
    ) -> None:
        self.bank = bank if bank is not None else default_bank()
        if skip_content_notes is None:
            skip_content_notes = skip_content_notes_default()
        chosen = self.bank.select(ids, category=category, lesson=lesson, setting=setting, keys=keys,
                                  kinds=kinds, tiers=tiers)
        self.skipped_for_content_note = 0
        if skip_content_notes:
            kept = [s for s in chosen if not s.tags.content_note]
            self.skipped_for_content_note = len(chosen) - len(kept)
            chosen = kept
        if ids is None:
            chosen = seeded_order(chosen, seed, salt="items", key=lambda s: s.id)
            if seed is not None:  # None keeps bank order (fixtures and authors rely on it)
                chosen.sort(key=lambda s: TIER_ORDER.get(s.tier, len(TIER_ORDER)))  # stable
        if limit is not None:
            chosen = chosen[:limit]
        if not chosen and not self.skipped_for_content_note:
            raise ValueError(
                "no scenarios match this selection "
                f"(ids={ids!r}, category={category!r}, lesson={lesson!r}, setting={setting!r}, "
                f"kinds={kinds!r}, tiers={tiers!r})"
            )
        self.seed = seed
        self.items: tuple[PlannedItem, ...] = tuple(
            PlannedItem(n, s, tuple(seeded_order(s.options, seed, salt=s.id)))
            for n, s in enumerate(chosen, start=1)
        )
        categories = {p.scenario.category for p in self.items} - {"mixed"}
        mixed = any(p.scenario.category == "mixed" for p in self.items)
        self.title = title or (
            CATEGORIES[categories.pop()].name if len(categories) == 1 and not mixed
            else "Mixed practice"
        )
        self.notice = "" if self.items else (
            f"All {self.skipped_for_content_note} scenarios of this quiz carry a content note, "
            "and you chose to skip those (POWERDYNAMICS_SKIP_CONTENT_NOTES). Nothing is missing: "
            "use the alternative practice in this lesson, which teaches the same distinctions."
        )
        self.key = key
        digest = hashlib.sha256(
            f"{seed}|{'|'.join(p.scenario.id for p in self.items)}|{self.title}|{key or ''}".encode()
        ).hexdigest()[:10]
        self.quiz_id = f"pdq-{digest}"
        self._progress = progress
        self.record_progress = record_progress
        self._widget: QuizWidget | None = None

    @classmethod
    def review(
        cls,
        *,
        limit: int = 12,
        seed: int | str | None = 0,
        category: str | None = None,
        skip_content_notes: bool | None = None,
        bank: Bank | None = None,
        progress: ProgressStore | None = None,
        title: str = "Mixed review",
    ) -> ScenarioQuiz:
        """A review quiz from the progress store: missed items first, categories interleaved."""
        from powerdynamics.learner.progress import ProgressStore
        from powerdynamics.learner.review import review_queue

        bank = bank if bank is not None else default_bank()
        store = progress if progress is not None else ProgressStore()
        if skip_content_notes is None:
            skip_content_notes = skip_content_notes_default()
        pool = bank.select(category=category, exclude_content_note=skip_content_notes)
        queue = review_queue(pool, store.answers(), seed=seed)[:limit]
        return cls([s.id for s in queue], seed=seed, title=title, bank=bank, progress=store,
                   skip_content_notes=False)

    # -- data ---------------------------------------------------------------------------
    @property
    def item_ids(self) -> list[str]:
        return [p.scenario.id for p in self.items]

    def __len__(self) -> int:
        return len(self.items)

    def __repr__(self) -> str:
        return f"<ScenarioQuiz {self.title!r}: {len(self.items)} items, seed={self.seed!r}>"

    @property
    def progress(self) -> ProgressStore | None:
        if not self.record_progress:
            return None
        if self._progress is None:
            from powerdynamics.learner.progress import ProgressStore

            self._progress = ProgressStore()
        return self._progress

    # -- renderings ---------------------------------------------------------------------
    @property
    def widget(self) -> QuizWidget:
        """The live widget (an anywidget running the front end; built on first use)."""
        if self._widget is None:
            from powerdynamics.quiz.widget import QuizWidget

            self._widget = QuizWidget(self)
        return self._widget

    def to_html(self) -> str:
        """Self-contained HTML+CSS+JS rendering for pages without a kernel."""
        from powerdynamics.quiz.static_page import render_quiz

        return render_quiz(self)

    def _repr_html_(self) -> str:
        return self.to_html()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        if not self.items:  # the opt-out left nothing: the notice needs no widget
            return bundle_with_widget(self.notice, self.to_html(), None)
        return bundle_with_widget(repr(self), self.to_html(), self.widget)
