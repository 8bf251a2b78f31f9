"""``session``: a simulated conversation that branches on the practitioner's moves.

A session is a graph of nodes; each decision node offers 3-4 moves with a rating
(best/ok/poor), the principle it serves or breaks, feedback and the next node. The
graph is checked like code: every node reachable, every ``next`` resolves, every path
ends, and every path from the start passes at least three decision points.
Scoring: the share of ``best`` moves on the path taken.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from fractions import Fraction
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .base import ID_PATTERN, KeyedItem, Verdict, tidy

END = "end"
Principle = Literal["client-autonomy", "mitigating-the-differential", "no-punishment-for-no", "safety-first"]
PRINCIPLE_NAMES: dict[str, str] = {
    "client-autonomy": "Client autonomy",
    "mitigating-the-differential": "Mitigating the power differential",
    "no-punishment-for-no": "No punishment for saying no",
    "safety-first": "Safety first",
}
MIN_DECISIONS = 3


class Move(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str = Field(min_length=5)
    rating: Literal["best", "ok", "poor"]
    principle: Principle
    feedback: str = Field(min_length=20)
    next: str

    @field_validator("text", "feedback")
    @classmethod
    def _tidy(cls, value: str) -> str:
        return tidy(value)


class Node(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    say: str | None = None
    moves: tuple[Move, ...] = ()
    end: str | None = None

    @field_validator("say", "end")
    @classmethod
    def _tidy(cls, value: str | None) -> str | None:
        return None if value is None else tidy(value)

    @model_validator(mode="after")
    def _decision_or_end(self) -> Node:
        if self.end is not None:
            if self.moves:
                raise ValueError("an ending node has `end` text and no moves")
            return self
        if not self.say:
            raise ValueError("a decision node needs `say` (what happens) and 3-4 moves")
        if not 3 <= len(self.moves) <= 4:
            raise ValueError(f"a decision node offers 3-4 moves (found {len(self.moves)})")
        best = sum(m.rating == "best" for m in self.moves)
        if best != 1:
            raise ValueError(f"exactly one move must be rated best (found {best})")
        return self


class SessionItem(KeyedItem):
    kind: Literal["session"]
    skill: Literal["airing", "tracking", "boundary", "broaching"]
    title: str = Field(min_length=5)
    vignette: str = Field(default="", description="Filled from `case`.")
    case: str = Field(min_length=40)
    options: tuple[str, ...] = ()
    start: str
    nodes: dict[str, Node]
    explanation: str = Field(default="The principle at each step is named in its feedback.", min_length=20)

    @model_validator(mode="before")
    @classmethod
    def _vignette_from_case(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and not data.get("vignette") and isinstance(data.get("case"), str):
            data = {**data, "vignette": tidy(data["case"])}
        return data

    @field_validator("case")
    @classmethod
    def _tidy_case(cls, value: str) -> str:
        return tidy(value)

    @model_validator(mode="after")
    def _graph(self) -> SessionItem:
        problems = graph_problems(self.start, self.nodes)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def option_problems(self) -> list[str]:
        return []

    @property
    def key(self) -> str:
        return self.skill

    @property
    def labels_at_work(self) -> tuple[str, ...]:
        return ()

    @property
    def question(self) -> str:
        return "What do you do next?"


def graph_problems(start: str, nodes: Mapping[str, Node]) -> list[str]:
    """Reachability, dangling links, cycles and path depth, as ``field: message``."""
    problems: list[str] = []
    bad_ids = [n for n in nodes if n == END or not ID_PATTERN.match(n)]
    if bad_ids:
        problems.append(f"nodes: invalid node id(s) {', '.join(map(repr, bad_ids))} ('end' is reserved)")
    if start not in nodes:
        return [*problems, f"start: {start!r} is not a node"]
    for name, node in nodes.items():
        for i, move in enumerate(node.moves):
            if move.next != END and move.next not in nodes:
                problems.append(f"nodes.{name}.moves.{i}.next: {move.next!r} is not a node (or 'end')")
    if problems:
        return problems
    reachable: set[str] = set()
    stack = [start]
    while stack:
        name = stack.pop()
        if name in reachable or name == END:
            continue
        reachable.add(name)
        stack.extend(m.next for m in nodes[name].moves)
    unreachable = sorted(set(nodes) - reachable)
    if unreachable:
        problems.append(f"nodes: unreachable from start: {', '.join(unreachable)}")

    def walk(name: str, depth: int, seen: tuple[str, ...]) -> None:
        if name in seen:
            problems.append(f"nodes.{name}: a path loops back to it ({' > '.join((*seen, name))})")
            return
        if name == END or nodes[name].end is not None:
            if depth < MIN_DECISIONS:
                path = " > ".join((*seen, name))
                problems.append(f"nodes: the path {path} ends after {depth} decision(s); "
                                f"every path needs at least {MIN_DECISIONS}")
            return
        for move in nodes[name].moves:
            walk(move.next, depth + 1, (*seen, name))

    walk(start, 0, ())
    return list(dict.fromkeys(problems))


def paths(item: SessionItem) -> Iterator[tuple[int, ...]]:
    """Every path through the session as a tuple of move indices."""
    def walk(name: str, taken: tuple[int, ...]) -> Iterator[tuple[int, ...]]:
        node = item.nodes.get(name)
        if node is None or node.end is not None:
            yield taken
            return
        for i, move in enumerate(node.moves):
            yield from walk(move.next, (*taken, i))

    yield from walk(item.start, ())


def follow(item: SessionItem, moves: Sequence[int]) -> list[tuple[str, Move]]:
    """The nodes and moves of a path; raises ValueError on an impossible path."""
    name, steps = item.start, []
    for i in moves:
        node = item.nodes.get(name)
        if node is None or node.end is not None:
            raise ValueError(f"the path goes on after the session ended at {name!r}")
        if not (isinstance(i, int) and 0 <= i < len(node.moves)):
            raise ValueError(f"move {i!r} is not a move of node {name!r} in session {item.id!r}")
        steps.append((name, node.moves[i]))
        name = node.moves[i].next
    return steps


def session_score(steps: Sequence[tuple[str, Move]]) -> Fraction:
    if not steps:
        return Fraction(0)
    return Fraction(sum(m.rating == "best" for _, m in steps), len(steps))


def parse_answer(answer: Any) -> list[int]:
    if isinstance(answer, str):
        return [int(p) for p in answer.split(".") if p.isdigit()]
    if isinstance(answer, Mapping):
        answer = answer.get("path", ())
    if isinstance(answer, list | tuple) and all(isinstance(i, int) and not isinstance(i, bool) for i in answer):
        return list(answer)
    raise ValueError(f"a session answer is a list of move numbers, not {answer!r}")


def grade(item: SessionItem, answer: Any) -> Verdict:
    steps = follow(item, parse_answer(answer))
    score = session_score(steps)
    finished = bool(steps) and (steps[-1][1].next == END or item.nodes[steps[-1][1].next].end is not None)
    best = sum(m.rating == "best" for _, m in steps)
    headline = (f"{best} of {len(steps)} moves were the best available"
                f"{'' if finished else ' so far'}.")
    parts = tuple((f"{name}:{m.rating}:{m.principle}", m.feedback) for name, m in steps)
    return Verdict(item.id, answer_token([i for i in parse_answer(answer)]), finished and score == 1,
                   headline, "", float(score), parts)


def answer_token(answer: Any) -> str:
    return ".".join(str(i) for i in parse_answer(answer))


def every_answer(item: SessionItem) -> Iterator[list[int]]:
    for path in paths(item):
        yield list(path)


def view(item: SessionItem, options: tuple[str, ...] = ()) -> dict[str, Any]:
    """The whole graph (a session's moves carry no hidden key: the rating is feedback)."""
    return {
        "kind": "session", "title": item.title, "case": item.case, "start": item.start,
        "question": item.question,
        "nodes": {name: {"say": n.say, "end": n.end,
                         "moves": [{"text": m.text, "next": m.next} for m in n.moves]}
                  for name, n in item.nodes.items()},
        "principles": PRINCIPLE_NAMES,
    }
