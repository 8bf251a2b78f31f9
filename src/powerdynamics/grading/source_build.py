"""``powerdynamics grade build-source``: the instructor notebook of a pooled assignment,
written from data (issue 12).

Each assignment is two instructor-only files in ``<course>/pools/``: the item pool
(``a1.yaml``, bank format 2) and its hand-graded tasks (``a1-tasks.yaml``: the notebook's
title, then each task's prompt, material, objectives, Bloom level and analytic rubric,
criteria x levels 0-3 with a descriptor and an anchor answer per level, and a model
answer).  From them this writes ``source/<folder>/<folder>.ipynb`` with nbgrader cell
metadata:

* the graded quiz (``PooledQuiz`` on the released ``<pool>-items.json``), a typed-answer
  cell, and the "Before you submit" status;
* ``q01`` ... ``q12``: one autograded cell per position of the trainee's draw, 1 point
  each, holding **no key and no hidden test** (grades come from data: ``GradeFromData``);
* per task: the prompt (locked) and a *manually graded answer* cell whose solution
  region is the rubric with its anchors and the model answer, which nbgrader strips from
  the release and graders read in the source next to formgrader;
* ``metadata.powerdynamics.objectives`` on every graded cell, the lesson objectives it
  assesses: ``powerdynamics grade alignment`` builds the guide's table from it.

Writing is deterministic (same data, same bytes), so a test can check the committed
notebook is what the data gives.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from powerdynamics.grading.pools import FORM_SIZE, POOLS_DIR, PoolError, load_pool, pool_name

ObjectiveId = Annotated[str, StringConstraints(pattern=r"^L[1-7]\.[1-9]$")]
POINTS_PER_LEVEL = 3
QUIZ_POINTS = 1
META_KEY = "powerdynamics"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Level(_Strict):
    descriptor: Annotated[str, StringConstraints(min_length=10)]
    anchor: Annotated[str, StringConstraints(min_length=3)]


class Criterion(_Strict):
    criterion: Annotated[str, StringConstraints(min_length=3)]
    levels: dict[int, Level]

    def model_post_init(self, _context: Any) -> None:
        if sorted(self.levels) != [0, 1, 2, 3]:
            raise ValueError(f"criterion {self.criterion!r}: levels must be exactly 0, 1, 2 and 3")


class Task(_Strict):
    id: Annotated[str, StringConstraints(pattern=r"^a\d+-[a-z0-9-]+$")]
    level: str = Field(description="Bloom level: application, analysis or evaluation")
    objectives: tuple[ObjectiveId, ...] = Field(min_length=1)
    words: tuple[int, int]
    prompt: Annotated[str, StringConstraints(min_length=20)]
    material: str | None = None
    rubric: tuple[Criterion, ...] = Field(min_length=1)
    model_answer: Annotated[str, StringConstraints(min_length=20)]

    @property
    def points(self) -> int:
        return POINTS_PER_LEVEL * len(self.rubric)


class NotebookInfo(_Strict):
    folder: Annotated[str, StringConstraints(pattern=r"^a\d+-[a-z0-9-]+$")]
    title: str
    follows: str


class TasksFile(_Strict):
    notebook: NotebookInfo
    tasks: tuple[Task, ...] = Field(min_length=1)


def load_tasks(path: str | Path) -> TasksFile:
    """The tasks file, validated; :class:`PoolError` names the file, task and field."""
    from powerdynamics.bank.safe_yaml import YamlProblem, compose, construct, read_text

    path = Path(path)
    try:
        data = construct(compose(read_text(path)))
    except FileNotFoundError:
        raise PoolError(f"{path}: no tasks file") from None
    except YamlProblem as exc:
        raise PoolError(f"{path}:{exc.line}: {exc.field}: {exc.message}") from None
    try:
        return TasksFile.model_validate(data)
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            loc = list(error["loc"])
            where = ""
            if len(loc) >= 2 and loc[0] == "tasks" and isinstance(loc[1], int):
                tasks = data.get("tasks") if isinstance(data, dict) else None
                task = tasks[loc[1]] if isinstance(tasks, list) and loc[1] < len(tasks) else {}
                where = f"{task.get('id', f'task {loc[1] + 1}') if isinstance(task, dict) else loc[1]}: "
                loc = loc[2:]
            lines.append(f"{path}: {where}{'.'.join(str(p) for p in loc) or '(top)'}: {error['msg']}")
        raise PoolError("\n".join(lines)) from None


def tasks_path(pools: Path, pool: str) -> Path:
    return pools / f"{pool}-tasks.yaml"


# -- cells -----------------------------------------------------------------------------------
def _meta(grade_id: str, *, grade: bool = False, solution: bool = False, locked: bool = True,
          points: float | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"grade": grade, "grade_id": grade_id, "locked": locked,
                            "schema_version": 3, "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    return meta


def _content_note_text(pool: list[Any]) -> str:
    noted = sum(1 for it in pool if it.tags.content_note)
    if not noted:
        return ""
    return ("**Content note.** Some questions (marked *Content note* in the quiz) describe "
            "controlling or abusive behaviour, without graphic detail. If you would rather not "
            "work with one, tell your instructor before the deadline: an equivalent workplace "
            "scenario can replace it, with no explanation needed.\n\n")


def _intro(info: NotebookInfo, pool: list[Any], tasks: TasksFile, size: int) -> str:
    task_points = sum(t.points for t in tasks.tasks)
    total = size * QUIZ_POINTS + task_points
    return (
        f"# {info.title}\n\n"
        f"Follows {info.follows}. Total: {total} points: {size * QUIZ_POINTS} for the "
        f"graded quiz ({size} questions, 1 point each; some give part marks) and {task_points} "
        f"for {len(tasks.tasks)} written tasks, graded by hand with a rubric.\n\n"
        "**How this works.** Each trainee answers their own set of questions, chosen from "
        "their course login, so your questions are not your neighbour's. Your answers are "
        "saved straight away in a file called `responses.json` next to this notebook, and "
        "that file is handed in with the notebook. Unlike the practice quizzes, this quiz "
        "does not tell you whether an answer is right: you will see that in your feedback.\n\n"
        "There are four kinds of question: pick the best option; mark **every** source at "
        "work and then the one that decides the outcome (part marks); classify a situation "
        "and then choose the sentence that decides it (part marks); and, in some "
        "assignments, a short practice session where you choose the practitioner's next "
        "move at each step. A session is walked once: the path you take is your answer, "
        "so choose each move with care.\n\n"
        "If you cannot use the quiz (for example with a screen reader that does not work "
        "with it), type your answers in the *typed answers* cell instead; they are graded "
        "in exactly the same way.\n\n"
        + _content_note_text(pool)
        + "Working with a fictional situation assesses no real relationship, and no task "
        "asks about your own life. If any of this material touches something difficult for "
        "you, you can pause, talk to your supervisor, or contact your local support "
        "services.\n\n"
        "Do not delete or edit the locked cells; run the cells from the top (Run → Run All "
        "Cells) and wait until the status bar says *Idle*.")


TEXT_HELP = (
    "## Your questions as plain text\n\n"
    "The next cell prints your questions as plain text, with each question's item id, the "
    "labels you can answer with and the sentence numbers. Use it with a screen reader, or "
    "to type your answers below. A session is walked in the quiz above, one step at a "
    "time. The output starts collapsed: click the bar beside it to open it.")

TYPED_HELP = (
    "## Typed answers (only if you do not use the quiz)\n\n"
    "Type one entry per question: its item id (shown in the list under *Before you submit*) "
    "and your answer, for example:\n\n"
    "```python\n"
    "typed_answers = {\n"
    '    "x9-p01": "referent",                                         # pick the best option\n'
    '    "x9-p02": {"marked": ["expert", "legitimate"], "decisive": "expert"},  # mark every source\n'
    '    "x9-p03": {"label": "coercive", "sentence": 2},               # sentence numbers start at 0\n'
    "}\n"
    "```\n\n"
    "(Those ids are only examples.) A typed answer replaces the quiz answer for that "
    "question. Leave the cell as it is if you used the quiz. The cell after *Before you "
    "submit* checks the *format* of what you typed and never tells you whether an answer "
    "is right.")

STATUS_HELP = (
    "## Before you submit\n\n"
    "The next cell lists your questions, which have an answer and where it came from "
    "(saved quiz answer or typed). It does not say whether the answers are right.")

GRADED_HELP = (
    "## Autograded questions\n\n"
    "Each cell below is one question of your set, graded after you submit from your saved "
    "(or typed) answers. Leave these cells as they are. Running one only tells you whether "
    "that question has an answer, never whether it is right.")


def _rubric_markdown(task: Task) -> str:
    lines = [f"**Rubric for {task.id}** (instructor only: nbgrader removes this from the "
             f"release). {task.points} points: {len(task.rubric)} criteria, each scored 0 to "
             f"3. Level: {task.level}. Objectives: {', '.join(task.objectives)}.", ""]
    for number, crit in enumerate(task.rubric, start=1):
        lines.append(f"*Criterion {number}: {crit.criterion}* (0-3)")
        lines.append("")
        for level in (3, 2, 1, 0):
            spec = crit.levels[level]
            lines.append(f"- **{level}**: {spec.descriptor.strip()} Anchor: \"{spec.anchor.strip()}\"")
        lines.append("")
    lines += ["**Model answer** (one of many full-mark answers):", "", task.model_answer.strip()]
    return "\n".join(lines)


def build_notebook(pool: list[Any], tasks: TasksFile, pool_id: str, size: int = FORM_SIZE) -> Any:
    """The source notebook (an ``nbformat`` node) for a pool and its tasks."""
    info = tasks.notebook
    cells: list[Any] = []
    items_file = f"{pool_id}-items.json"
    pool_objectives = Counter(o for it in pool for o in it.tags.objectives)

    def add(cell: Any, grade_id: str, objectives: Any = None, **kw: Any) -> None:
        cell["id"] = grade_id
        cell.metadata["nbgrader"] = _meta(grade_id, **kw)
        if not kw.get("solution") or kw.get("grade"):
            cell.metadata["deletable"] = False
        if kw.get("locked", True):
            cell.metadata["editable"] = False
        if objectives is not None:
            cell.metadata[META_KEY] = objectives
        cells.append(cell)

    add(new_markdown_cell(_intro(info, pool, tasks, size)), "intro")
    add(new_code_cell("from powerdynamics.grading.pooled_quiz import PooledQuiz, answered, pooled_status"),
        "setup")
    add(new_markdown_cell("## Graded quiz\n\nRun the next cell. The first time, it asks for "
                          "your course login; then it shows your questions."), "quiz-heading")
    add(new_code_cell(f'ITEMS_FILE = "{items_file}"\nquiz = PooledQuiz(ITEMS_FILE, title="{info.title}")\nquiz'),
        "quiz", {"items_file": items_file, "pool": pool_id, "size": size,
                 "objectives": dict(sorted(pool_objectives.items()))})
    add(new_markdown_cell(TEXT_HELP), "text-heading")
    text_cell = new_code_cell("print(quiz.as_text())")
    text_cell.metadata["jupyter"] = {"outputs_hidden": True}
    add(text_cell, "questions-text")
    add(new_markdown_cell(TYPED_HELP), "typed-heading")
    add(new_code_cell("typed_answers = {\n    ### BEGIN SOLUTION\n    ### END SOLUTION\n}"),
        "typed-answers", solution=True, locked=False)
    add(new_markdown_cell(STATUS_HELP), "status-heading")
    add(new_code_cell('print(pooled_status(quiz, globals().get("typed_answers")))'), "status")
    add(new_markdown_cell(GRADED_HELP), "graded-heading")
    objectives = sorted(pool_objectives)
    for k in range(1, size + 1):
        add(new_code_cell(f"# Question {k} of your set, {QUIZ_POINTS} point: graded after you "
                          "submit from your saved answers. Leave this cell as it is.\n"
                          f'answered(quiz, {k}, globals().get("typed_answers"))'),
            f"q{k:02d}", {"objectives": objectives, "from": "pool"}, grade=True,
            points=QUIZ_POINTS)
    for number, task in enumerate(tasks.tasks, start=1):
        low, high = task.words
        prompt = (f"## Task {number} ({task.points} points, graded by hand)\n\n"
                  f"{task.prompt.strip()}\n\nAim for {low} to {high} words.")
        if task.material:
            prompt += "\n\n**The situation.**\n\n" + task.material.strip()
        prompt += ("\n\nWrite your answer in the cell below (double-click it to edit). It is "
                   f"marked against {len(task.rubric)} criteria, each scored 0 to 3: "
                   + "; ".join(c.criterion for c in task.rubric) + ".")
        add(new_markdown_cell(prompt), f"{task.id}-prompt")
        add(new_markdown_cell(f"### BEGIN SOLUTION\n{_rubric_markdown(task)}\n### END SOLUTION"),
            task.id, {"objectives": list(task.objectives), "level": task.level,
                      "criteria": [c.criterion for c in task.rubric]},
            grade=True, solution=True, locked=False, points=task.points)
    return new_notebook(cells=cells, metadata={
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                       "name": "python3"},
        "language_info": {"name": "python"}})


def build_source(course: str | Path, pool_id: str, *, size: int = FORM_SIZE,
                 pools: str | Path | None = None) -> Path:
    """Write ``source/<folder>/<folder>.ipynb`` and the items file; returns the notebook."""
    from powerdynamics.grading.pools import write_items_file

    course = Path(course)
    pools = Path(pools) if pools else course / POOLS_DIR
    pool = load_pool(pools / f"{pool_id}.yaml")
    tasks = load_tasks(tasks_path(pools, pool_id))
    folder = tasks.notebook.folder
    if pool_name(pools / f"{pool_id}.yaml") != folder.split("-")[0]:
        raise PoolError(f"{tasks_path(pools, pool_id)}: notebook.folder {folder!r} does not "
                        f"belong to pool {pool_id!r}")
    nb = build_notebook(pool, tasks, pool_id, size)
    target = course / "source" / folder / f"{folder}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    text = nbformat.writes(nb) + "\n"
    target.write_text(text, encoding="utf-8")
    write_items_file(course, folder, size=size, pools=pools)
    return target


def pool_ids(pools: Path) -> list[str]:
    """The pools that have a tasks file (``a1``, ``a2``, ...)."""
    return sorted(p.name[: -len("-tasks.yaml")] for p in pools.glob("*-tasks.yaml")
                  if (pools / p.name.replace("-tasks.yaml", ".yaml")).is_file())


def _cmd_build_source(args: argparse.Namespace) -> int:
    course = Path(args.course)
    pools = Path(args.pools) if args.pools else course / POOLS_DIR
    wanted = pool_ids(pools) if args.assignment == "all" else [args.assignment.split("-")[0]]
    if not wanted:
        print(f"grade build-source: {pools}: no pool with a tasks file", file=sys.stderr)
        return 1
    status = 0
    for pool_id in wanted:
        try:
            path = build_source(course, pool_id, size=args.size, pools=pools)
        except PoolError as exc:
            print(f"grade build-source: {exc}", file=sys.stderr)
            status = 1
            continue
        print(f"{path} and {path.parent / (pool_id + '-items.json')}: written from "
              f"{pools / pool_id}.yaml and {pool_id}-tasks.yaml")
    return status


def register(grade_sub: Any) -> None:
    cmd = grade_sub.add_parser(
        "build-source", help="write source/<assignment>/<assignment>.ipynb (and its items "
                             "file) from pools/<pool>.yaml and pools/<pool>-tasks.yaml")
    cmd.add_argument("assignment", help="a pool (a1), an assignment (a1-bases-of-power) or all")
    cmd.add_argument("--course", default=".", help="nbgrader course directory (default: .)")
    cmd.add_argument("--pools", help="folder of the pools (default: <course>/pools)")
    cmd.add_argument("--size", type=int, default=FORM_SIZE, help="items per trainee (default 12)")
    cmd.set_defaults(func=_cmd_build_source)
