"""The lesson 6 forms (ipywidgets): they collect answers, call the logic, show the rendering.

They work wherever ipywidgets does (JupyterLab, JupyterLite). Each form's
``_repr_mimebundle_`` also carries a static ``text/html`` rendering for the book, which
has no kernel: for the draft forms that rendering is the whole exercise (a textarea and
a ``<details>`` reveal); for the other two it says what the form is.

Privacy: the forms keep answers in widget attributes of the running kernel only; they
never touch the progress store, files or the network.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import TYPE_CHECKING, Any

from powerdynamics.display import WIDGET_MIME, figure_png

from .boundary import (
    BOUNDARY_QUESTIONS,
    RESPONSES,
    BoundaryAnswers,
    BoundaryReading,
    boundary_reading,
    render_boundary_reading,
)
from .charts import draw_influence
from .common import PEOPLE, PRIVACY_NOTE
from .drafts import (
    Situation,
    after_note,
    checklist,
    render_drafts_html,
    render_models,
    render_situation_brief,
    situation,
    situations,
)
from .influence import RESOURCES, InfluenceAnswers, InfluenceProfile, influence_profile, render_influence_reading

if TYPE_CHECKING:
    import ipywidgets as w

#: ipywidgets layout value that shows a hidden widget again ("" works in Pyodide too,
#: where None does not).
SHOWN = ""
HIDDEN = "none"


def _static_note(title: str) -> str:
    """What the HTML book shows for a form that needs a kernel to run."""
    return (
        f'<div class="pd-practice-static"><p><strong>{escape(title)}</strong> is an '
        "interactive form that needs a running Python kernel: in JupyterLab, run this cell "
        "to use it. On a static page, the worked example above shows what it produces.</p>"
        f"<p>{escape(PRIVACY_NOTE)}</p></div>"
    )


class _Form:
    """Shared shape of the forms: a title, the privacy note, a body, a result, a tail."""

    title = ""

    def __init__(self) -> None:
        import ipywidgets as w

        self.result = w.HTML(layout=w.Layout(max_width="48em"))
        self.clear_button = w.Button(description="Clear", tooltip="Clear every answer")
        self.clear_button.on_click(lambda _b: self.clear())
        self.box = w.VBox(
            [w.HTML(f"<strong>{escape(self.title)}</strong>"),
             w.HTML(f"<p><em>{escape(PRIVACY_NOTE)}</em></p>", layout=w.Layout(max_width="48em")),
             *self._body(), self.result, *self._tail()],
            layout=w.Layout(border="1px solid #8a8a8a", padding="0.5em 1em", margin="1em 0"),
        )

    def _body(self) -> list[w.Widget]:
        raise NotImplementedError

    def _tail(self) -> list[w.Widget]:
        return []

    def clear(self) -> None:
        raise NotImplementedError

    def static_html(self) -> str:
        return _static_note(self.title)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.title}>"

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        bundle: dict[str, Any] = {"text/plain": repr(self), "text/html": self.static_html()}
        view = self.box._repr_mimebundle_()
        if isinstance(view, tuple):  # ipywidgets may return (data, metadata)
            view = view[0]
        if view and WIDGET_MIME in view:
            bundle[WIDGET_MIME] = view[WIDGET_MIME]
        return bundle


# -- draft, then compare ---------------------------------------------------------------


class DraftForm(_Form):
    """Write your own line for a situation, then compare it with three model versions.

    The compare button stays disabled until something is written; the form never
    fills in, completes or scores the line, and keeps it only in the kernel's memory.
    """

    skill = ""

    def __init__(self, skill: str | None = None, situation_id: str | None = None) -> None:
        self.skill = skill or self.skill
        self.items: tuple[Situation, ...] = situations(self.skill)
        self.title = f"Draft, then compare: {'broaching' if self.skill == 'broaching' else 'airing the privilege'}"
        self.current = situation(situation_id) if situation_id else self.items[0]
        if self.current.skill != self.skill:
            raise ValueError(f"situation {self.current.id!r} is for {self.current.skill}, not {self.skill}")
        super().__init__()

    def _body(self) -> list[w.Widget]:
        import ipywidgets as w

        self.choice = w.Dropdown(options=[(s.title, s.id) for s in self.items], value=self.current.id,
                                 description="Situation:", style={"description_width": "initial"},
                                 layout=w.Layout(width="40em"))
        self.choice.observe(lambda change: self.choose(change["new"]), names="value")
        self.brief = w.HTML(render_situation_brief(self.current), layout=w.Layout(max_width="48em"))
        self.draft = w.Textarea(value="", placeholder="Write your own line here.",
                                description="Your line:", style={"description_width": "initial"},
                                layout=w.Layout(width="40em", height="7em"))
        self.draft.observe(lambda _change: self._sync_button(), names="value")
        self.compare_button = w.Button(description="Compare with model versions", button_style="primary",
                                       disabled=True, layout=w.Layout(width="auto"),
                                       tooltip="Write your own line first")
        self.compare_button.on_click(lambda _b: self.compare())
        return [self.choice, self.brief, self.draft, w.HBox([self.compare_button, self.clear_button])]

    def _tail(self) -> list[w.Widget]:
        import ipywidgets as w

        self.checks = {c.slug: w.Checkbox(description=f"My line: {c.name.lower()}", value=False, indent=False,
                                          tooltip=c.text, layout=w.Layout(width="auto"))
                       for c in checklist()}
        self.checklist_box = w.VBox(
            [w.HTML("<p><strong>Compare your line:</strong> tick what it does (nothing is stored).</p>"),
             *self.checks.values()], layout=w.Layout(display=HIDDEN))
        return [self.checklist_box]

    def _sync_button(self) -> None:
        self.compare_button.disabled = not self.draft.value.strip()

    def write(self, text: str) -> None:
        """Type a line into the draft box (for scripts and tests)."""
        self.draft.value = text

    def choose(self, situation_id: str) -> None:
        """Switch to another situation; the draft and the reveal start afresh."""
        self.current = situation(situation_id)
        if self.choice.value != situation_id:
            self.choice.value = situation_id
            return
        self.brief.value = render_situation_brief(self.current)
        self.clear()

    def compare(self) -> Situation | None:
        """Show the models and the checklist, but only once the trainee's own line exists."""
        line = self.draft.value.strip()
        if not line:
            self.result.value = "<p>Write your own line first; the model versions appear after it.</p>"
            return None
        s = self.current
        self.result.value = (
            '<div class="pd-practice pd-draft">'
            f'<p><strong>Your line</strong></p><blockquote class="pd-draft-own"><p>{escape(line)}</p></blockquote>'
            + render_models(s)
            + f'<p class="pd-draft-after"><em>{escape(after_note(s))}</em></p></div>')
        for box in self.checks.values():
            box.value = False
        self.checklist_box.layout.display = SHOWN
        return s

    def clear(self) -> None:
        self.draft.value = ""
        self.result.value = ""
        for box in self.checks.values():
            box.value = False
        self.checklist_box.layout.display = HIDDEN

    def static_html(self) -> str:
        return render_drafts_html(self.items)


class AiringForm(DraftForm):
    """Airing the privilege: write the facilitation line for a situation, then compare."""

    skill = "airing"


class BroachingForm(DraftForm):
    """Broaching: name the difference between you and the client, then compare."""

    skill = "broaching"


# -- tracking influence ----------------------------------------------------------------


class InfluenceForm(_Form):
    """Answer the tracking-influence prompt; draw the picture and read it."""

    title = "Tracking influence: picture one disagreement"

    def _body(self) -> list[w.Widget]:
        import ipywidgets as w

        self.plan = w.RadioButtons(
            options=[("Person A's plan", "A"), ("Person B's plan", "B"),
                     ("A joint plan", "both"), ("Neither (nothing decided yet)", "neither")],
            value=None, description="Plan enacted:", style={"description_width": "initial"})
        self.talking = w.RadioButtons(
            options=[("Person A", "A"), ("Person B", "B"), ("Both equally", "both")],
            value=None, description="Most talking (context):", style={"description_width": "initial"})
        self.resources = {
            person: {slug: w.Checkbox(description=name, value=False, indent=False)
                     for slug, name in RESOURCES}
            for person in PEOPLE
        }
        columns = [w.VBox([w.HTML(f"<em>Resources Person {p} used</em>"),
                           *self.resources[p].values()]) for p in PEOPLE]
        self.draw_button = w.Button(description="Draw the picture", button_style="primary")
        self.draw_button.on_click(lambda _b: self.draw())
        self.image = w.Image(format="png", layout=w.Layout(max_width="40em", display=HIDDEN))
        return [w.HTML("Whose plan was ultimately enacted? Which resources did each person use? "
                       "Who did the most talking (context only)?"),
                w.HBox([self.plan, self.talking]), w.HBox(columns),
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
            self.image.layout.display = HIDDEN
            self.result.value = ("<p>Choose whose plan was enacted and who did the most "
                                 "talking first.</p>")
            return None
        profile = influence_profile(answers)
        try:
            self.image.value = figure_png(draw_influence(profile))
            self.image.layout.display = SHOWN
        except ImportError:  # no matplotlib (the browser edition): the text says it all
            self.image.layout.display = HIDDEN
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
        self.image.layout.display = HIDDEN
        self.result.value = ""


# -- boundary check --------------------------------------------------------------------

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
