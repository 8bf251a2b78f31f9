"""Graded pools: a keyed bank per assignment, the key-free view trainees get, and forms.

An assignment with a pool (issue 12) shows each trainee a different draw of its items.
The pool, ``exercises/pools/<assignment>.yaml`` (bank format 2; ``a1.yaml`` for
``a1-bases-of-power`` also works), is instructor-only: it sits outside ``source/``, so
nbgrader never releases it.  This module

* loads a pool with the bank loader (:func:`load_pool`: every problem located as
  ``file:line: item-id: field: message``; graded items must name their objectives);
* makes the **answer-free public view** of each item (:func:`public_view`): a whitelist of
  fields per kind, so a field added to a kind later stays private until it is listed;
* assembles **forms** (:func:`assemble_forms`): ``n`` lists of ``size`` item ids, each
  balanced by key label, kind and tier, checked against the keys here and never shipped
  with them; the trainee's login then picks one form (:mod:`.draws`);
* writes ``source/<assignment>/<pool name>-items.json`` (:func:`write_items_file`,
  ``powerdynamics grade forms``), the only pool file that is released;
* finds pool keys in text (:func:`key_leaks`), for the leak scans and for a self-check of
  every items file it writes; :func:`encoded_leaks` finds any secret text rot13'd or
  base64-encoded at any alignment.

``powerdynamics grade draw <assignment> --student ID`` prints a trainee's draw.

Only the standard library is imported at module level: ``register`` is wired into every
``powerdynamics`` command.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import sys
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from powerdynamics.grading.draws import Draw, draw_for

#: Forms per assignment: 64 keeps neighbours apart without making any form rare.
FORMS = 64
FORM_SIZE = 12
ITEMS_SUFFIX = "-items.json"
POOLS_DIR = "pools"


class PoolError(ValueError):
    """A pool that cannot be loaded or cannot give balanced forms (the message says why)."""


# -- names and places -----------------------------------------------------------------------
def resolve_assignment(course: str | Path, name: str) -> str:
    """The nbgrader assignment a name means: ``a1-bases-of-power`` as is, or ``a1`` when
    exactly one folder of ``source/`` starts with ``a1-``."""
    source = Path(course) / "source"
    if (source / name).is_dir() or not source.is_dir():
        return name
    matches = sorted(p.name for p in source.iterdir() if p.is_dir() and p.name.startswith(name + "-"))
    return matches[0] if len(matches) == 1 else name


def pool_path(pools: str | Path, assignment: str) -> Path | None:
    """``pools/<assignment>.yaml``, else ``pools/<a1>.yaml`` (the part before the first
    hyphen); ``None`` when the assignment has no pool."""
    folder = Path(pools)
    short = assignment.split("-")[0]
    for name in dict.fromkeys((assignment, short)):
        for ext in (".yaml", ".yml"):
            path = folder / f"{name}{ext}"
            if path.is_file():
                return path
    return None


def pool_name(pool_file: str | Path) -> str:
    """The pool's own name (``a1`` for ``pools/a1.yaml``): the items file is
    ``<name>-items.json``, and its ``"assignment"`` (the string the draw is seeded with)
    is ``<name>``."""
    return Path(pool_file).stem


def items_path(course: str | Path, assignment: str, pools: str | Path | None = None) -> Path:
    """``source/<assignment>/<pool name>-items.json`` (e.g. ``source/a1-bases-of-power/
    a1-items.json``); without a pool, the one items file in that folder, else
    ``<assignment>-items.json``."""
    folder = Path(course) / "source" / assignment
    found = pool_path(Path(pools) if pools else Path(course) / POOLS_DIR, assignment)
    if found is not None:
        return folder / f"{pool_name(found)}{ITEMS_SUFFIX}"
    existing = sorted(folder.glob(f"*{ITEMS_SUFFIX}")) if folder.is_dir() else []
    return existing[0] if len(existing) == 1 else folder / f"{assignment}{ITEMS_SUFFIX}"


# -- loading ----------------------------------------------------------------------------------
def load_pool(path: str | Path) -> list[Any]:
    """The validated items of a pool file, sorted by id.  Raises :class:`PoolError` whose
    message lists every problem as ``file:line: item-id: field: message``."""
    from powerdynamics.bank.loader import Problem, check_files

    path = Path(path)
    if not path.is_file():
        raise PoolError(f"{path}: no such pool file")
    items, problems = check_files([path])
    lines = [str(p) for p in problems]
    text = path.read_text(encoding="utf-8", errors="replace").splitlines()
    for item in items:
        if not item.tags.objectives:
            line = next((n for n, ln in enumerate(text, 1)
                         if re.match(rf"\s*-?\s*id:\s*['\"]?{re.escape(item.id)}['\"]?\s*$", ln)), 1)
            lines.append(str(Problem(str(path), line, item.id, "tags.objectives",
                                     "a graded item must name the lesson objective(s) it assesses")))
    if lines:
        raise PoolError(f"{path}: the pool has problems:\n" + "\n".join(lines))
    if not items:
        raise PoolError(f"{path}: the pool has no items")
    return sorted(items, key=lambda it: it.id)


# -- the public view --------------------------------------------------------------------------
#: What a trainee may see of each kind: listed fields only (a whitelist, not a blacklist).
PUBLIC_FIELDS: dict[str, tuple[str, ...]] = {
    "choice": ("id", "kind", "category", "content_note", "vignette", "question", "options"),
    "case": ("id", "kind", "category", "content_note", "vignette", "question", "options",
             "decisive_question"),
    "cue": ("id", "kind", "category", "content_note", "sentences", "question", "options",
            "cue_question"),
    "session": ("id", "kind", "category", "content_note", "title", "case", "question", "start",
                "nodes"),
}
PUBLIC_NODE_FIELDS = ("say", "end", "moves")
SESSION_END = "end"
NEUTRAL_ENDING = "The session ends here. Your path is saved; it is graded after you submit."
PUBLIC_MOVE_FIELDS = ("text", "next")


def public_view(item: Any) -> dict[str, Any]:
    """What the trainee's quiz needs to show ``item``, and nothing that gives its answer:
    no key, present labels, decisive flag or sentence, rating, principle, explanation or
    feedback."""
    kind = getattr(item, "kind", "choice")
    if kind not in PUBLIC_FIELDS:
        raise PoolError(f"{item.id}: kind {kind!r} has no public view")
    values: dict[str, Any] = {
        "id": item.id, "kind": kind, "category": item.category,
        "content_note": bool(item.tags.content_note), "question": item.question,
        "options": list(item.options),
    }
    if kind in ("choice", "case"):
        values["vignette"] = item.vignette
    if kind == "case":
        values["decisive_question"] = item.decisive_act
    if kind == "cue":
        values["sentences"] = [s.text for s in item.sentences]
        values["cue_question"] = "Which sentence decides it?"
    if kind == "session":
        # Node names ("end-risk") and ending texts ("the danger may have grown") would grade
        # the path on the spot: the view renames the nodes in order (s1, s2, ...) and
        # shows every ending with the same neutral sentence.
        names = {name: f"s{n}" for n, name in enumerate(item.nodes, start=1)}
        names[SESSION_END] = SESSION_END

        def node_view(node: Any) -> dict[str, Any]:
            return {"say": node.say,
                    "end": None if node.end is None else NEUTRAL_ENDING,
                    "moves": [{"text": m.text, "next": names[m.next]} for m in node.moves]}

        values.update(title=item.title, case=item.case, start=names[item.start], nodes={
            names[name]: node_view(node) for name, node in item.nodes.items()})
    return {field: values[field] for field in PUBLIC_FIELDS[kind] if field in values}


# -- forms -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Quotas:
    """What every form must hold (defaults for a 12-item form: 3 case, 3 cue, at most 1
    session, 4 stretch; exactly 1 session when the pool has two or more, so that every
    trainee of assignment 3 walks one graded session)."""

    case: int
    cue: int
    session_max: int
    stretch: int
    session_min: int = 0

    @classmethod
    def for_size(cls, size: int, sessions: int = 0) -> Quotas:
        """Defaults for a form of ``size`` from a pool with ``sessions`` session items."""
        return cls(case=math.ceil(size / 4), cue=math.ceil(size / 4), session_max=1,
                   stretch=math.ceil(size / 3), session_min=1 if sessions >= 2 else 0)

    @classmethod
    def for_pool(cls, pool: Sequence[Any], size: int) -> Quotas:
        return cls.for_size(size, sum(getattr(it, "kind", "") == "session" for it in pool))


def key_label(item: Any) -> str | None:
    """The label a form is balanced on (choice/cue key, case decisive); a session has none."""
    return None if getattr(item, "kind", "choice") == "session" else item.key_label


def label_cap(pool: Sequence[Any], size: int) -> int:
    labels = {key_label(it) for it in pool} - {None}
    return math.ceil(size / max(len(labels), 1)) + 1


def form_problems(form: Sequence[str], pool: Sequence[Any], size: int,
                  quotas: Quotas | None = None) -> list[str]:
    """Why a form is not balanced (empty when it is), judged against the keys."""
    quotas = quotas or Quotas.for_pool(pool, size)
    by_id = {it.id: it for it in pool}
    problems: list[str] = []
    unknown = [i for i in form if i not in by_id]
    if unknown:
        return [f"unknown item(s) {', '.join(unknown)}"]
    if len(form) != size or len(set(form)) != size:
        problems.append(f"{len(set(form))} distinct items, not {size}")
    items = [by_id[i] for i in form]
    kinds = Counter(it.kind for it in items)
    if kinds["case"] < quotas.case:
        problems.append(f"{kinds['case']} case item(s), fewer than {quotas.case}")
    if kinds["cue"] < quotas.cue:
        problems.append(f"{kinds['cue']} cue item(s), fewer than {quotas.cue}")
    if kinds["session"] > quotas.session_max:
        problems.append(f"{kinds['session']} sessions, more than {quotas.session_max}")
    if kinds["session"] < quotas.session_min:
        problems.append(f"{kinds['session']} sessions, fewer than {quotas.session_min}")
    stretch = sum(it.tier == "stretch" for it in items)
    if stretch < quotas.stretch:
        problems.append(f"{stretch} stretch item(s), fewer than {quotas.stretch}")
    cap = label_cap(pool, size)
    for label, count in Counter(key_label(it) for it in items).items():
        if label is not None and count > cap:
            problems.append(f"key label {label!r} {count} times, more than {cap}")
    return problems


def _one_form(pool: Sequence[Any], size: int, quotas: Quotas, cap: int, usage: Counter,
              rng: random.Random) -> list[str] | None:
    order = sorted(pool, key=lambda it: (usage[it.id], rng.random()))
    chosen: list[Any] = []
    labels: Counter = Counter()

    def room(it: Any) -> bool:
        if it in chosen:
            return False
        if it.kind == "session" and sum(c.kind == "session" for c in chosen) >= quotas.session_max:
            return False
        label = key_label(it)
        return label is None or labels[label] < cap

    def take(wanted, count) -> bool:
        for it in order:
            if count() <= 0:
                return True
            if wanted(it) and room(it):
                chosen.append(it)
                labels[key_label(it)] += 1
        return count() <= 0

    steps = [
        (lambda it: it.kind == "session",
         lambda: quotas.session_min - sum(c.kind == "session" for c in chosen)),
        (lambda it: it.kind == "case", lambda: quotas.case - sum(c.kind == "case" for c in chosen)),
        (lambda it: it.kind == "cue", lambda: quotas.cue - sum(c.kind == "cue" for c in chosen)),
        (lambda it: it.tier == "stretch",
         lambda: quotas.stretch - sum(c.tier == "stretch" for c in chosen)),
        (lambda it: True, lambda: size - len(chosen)),
    ]
    for wanted, count in steps:
        if len(chosen) > size or not take(wanted, count):
            return None
    if len(chosen) != size:
        return None
    return sorted(it.id for it in chosen)


def assemble_forms(pool: Sequence[Any], size: int = FORM_SIZE, n: int = FORMS,
                   seed: str = "", quotas: Quotas | None = None) -> list[list[str]]:
    """``n`` forms of ``size`` item ids from the keyed ``pool``, deterministic for a seed.

    Every form holds no key label more than ``ceil(size / labels) + 1`` times, at least
    ``quotas.case`` case and ``quotas.cue`` cue items, at most ``quotas.session_max``
    sessions and at least ``quotas.stretch`` stretch items; the least-used items go first,
    so every pool item is on some form.  :class:`PoolError` when the pool is under twice
    ``size`` or cannot be balanced."""
    pool = sorted(pool, key=lambda it: it.id)
    quotas = quotas or Quotas.for_pool(pool, size)
    if len(pool) < 2 * size:
        raise PoolError(f"the pool has {len(pool)} items; a form of {size} needs at least "
                        f"{2 * size} (twice the form)")
    kinds = Counter(it.kind for it in pool)
    short = [f"{need} {kind} item(s) (it has {kinds[kind]})"
             for kind, need in (("case", quotas.case), ("cue", quotas.cue)) if kinds[kind] < need]
    stretch = sum(it.tier == "stretch" for it in pool)
    if stretch < quotas.stretch:
        short.append(f"{quotas.stretch} stretch item(s) (it has {stretch})")
    if short:
        raise PoolError(f"the pool cannot be balanced: every form needs {', '.join(short)}")
    cap = label_cap(pool, size)
    rng = random.Random(f"powerdynamics-forms\0{seed}\0{size}")
    usage: Counter = Counter()
    forms: list[list[str]] = []
    seen: set[tuple[str, ...]] = set()
    for number in range(n):
        form = None
        for _attempt in range(300):
            candidate = _one_form(pool, size, quotas, cap, usage, rng)
            if candidate is None:
                continue
            form = candidate
            if tuple(candidate) not in seen:
                break
        if form is None:
            raise PoolError(f"the pool cannot be balanced: no form {number + 1} with at most "
                            f"{cap} items per key label, {quotas.case} case, {quotas.cue} cue, "
                            f"{quotas.stretch} stretch and at most {quotas.session_max} session(s)")
        seen.add(tuple(form))
        usage.update(form)
        forms.append(form)
    unused = [it.id for it in pool if usage[it.id] == 0]
    if unused:
        raise PoolError(f"the pool cannot be balanced: {', '.join(unused)} fit on no form "
                        f"of {n} (add items of other labels or kinds)")
    return forms


# -- the items file ------------------------------------------------------------------------------
def items_document(assignment: str, pool: Sequence[Any], size: int = FORM_SIZE,
                   n: int = FORMS) -> dict[str, Any]:
    """``{"assignment", "size", "items", "forms"}``: what ``<name>-items.json`` holds, for
    the pool called ``assignment`` (``a1``).  The forms' seed is that name, so the file is
    the same on every run; the trainee's draw is seeded with it too."""
    forms = assemble_forms(pool, size, n, seed=assignment)
    return {"assignment": assignment, "size": size,
            "items": [public_view(it) for it in sorted(pool, key=lambda it: it.id)],
            "forms": forms}


def dumps_items(document: Mapping[str, Any]) -> str:
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


def write_items_file(course: str | Path, assignment: str, *, size: int = FORM_SIZE,
                     n: int = FORMS, pools: str | Path | None = None) -> Path:
    """Write ``source/<assignment>/<pool name>-items.json`` from the pool (raises
    :class:`PoolError` if the pool is bad, or if a key would reach the file)."""
    course = Path(course)
    pools = Path(pools) if pools else course / POOLS_DIR
    path = pool_path(pools, assignment)
    if path is None:
        raise PoolError(f"{pools}: no pool for {assignment!r} (expected {assignment}.yaml or "
                        f"{assignment.split('-')[0]}.yaml)")
    pool = load_pool(path)
    document = items_document(pool_name(path), pool, size, n)
    text = dumps_items(document)
    leaks = key_leaks(text, pool, structured=True)
    if leaks:  # never: the view is a whitelist; this guards the whitelist itself
        raise PoolError("the items file would show keys: " + "; ".join(leaks[:5]))
    target = items_path(course, assignment, pools)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target


def read_items_file(path: str | Path) -> dict[str, Any]:
    """An items file (bounded JSON) as ``{"assignment", "size", "items", "forms"}``."""
    from powerdynamics.grading.data import DataError, loads_bounded, read_text_bounded

    try:
        data = loads_bounded(read_text_bounded(path, max_bytes=5_000_000))
    except FileNotFoundError:
        raise PoolError(f"{path}: no items file (run powerdynamics grade forms)") from None
    except DataError as exc:
        raise PoolError(f"{path}: could not be read: {exc}") from None
    forms = data.get("forms") if isinstance(data, dict) else None
    if not isinstance(data, dict) or not isinstance(data.get("assignment"), str) \
            or not isinstance(forms, list) or not forms \
            or not all(isinstance(f, list) and all(isinstance(i, str) for i in f) for f in forms):
        raise PoolError(f"{path}: not an items file (assignment, size, items, forms)")
    return data


def draw_of(course: str | Path, assignment: str, student: str) -> Draw:
    """The draw ``student`` sees, from the items file in ``source/``."""
    data = read_items_file(items_path(course, assignment))
    return draw_for(data["assignment"], student, data["forms"])


# -- keys in text ----------------------------------------------------------------------------------
#: Field names that only a keyed item has, as they would appear in JSON or YAML.
KEY_FIELD_PATTERN = re.compile(
    r"[\"']?\b(key|present|decisive|rating|principle|explanation|feedback|decisive_feedback)"
    r"\b[\"']?\s*:\s*[\"'\[{tT]")
MIN_SECRET = 20


class KeyPattern(NamedTuple):
    """A pattern that ties an item to its key, with the literal text every match starts
    with.  The patterns ignore case, which turns off the regex engine's fast literal
    search; checking the anchor first (lower-cased) keeps a scan of a 50 MB site to
    seconds instead of minutes, with the same findings."""

    anchor: str
    regex: re.Pattern

    def found_in(self, lowered: str, text: str) -> bool:
        return self.anchor in lowered and self.regex.search(text) is not None


def _key_pattern(anchor: str, rest: str, flags: int = 0) -> KeyPattern:
    return KeyPattern(anchor.lower(), re.compile(re.escape(anchor) + rest, flags))


def id_label_pattern(item: str, label: str) -> KeyPattern:
    """item id, then a separator within a few characters, then the label: how a key is
    written in code, JSON or prose (also the leak scan of the single-key assignments)."""
    return _key_pattern(item, rf"[\"'`]?\s*\)?\s*(?:==|:|=|,|->|→)\s*[\"'`]?{re.escape(label)}\b",
                        re.IGNORECASE)


#: The shortest run of base64 characters that counts as an encoded secret (12 bytes).
MIN_ENCODED = 16
_URLSAFE = str.maketrans("+/", "-_")


def encoded_forms(secret: str) -> list[tuple[str, str]]:
    """``secret`` as an attacker could print it: rot13, and base64 at each of the three
    alignments (standard and URL-safe alphabets), as (name, text) pairs.

    Base64 turns 3 bytes into 4 characters, so what ``secret`` becomes depends on where
    it starts in the encoded data.  For an offset ``k`` in 0, 1, 2, ``k`` pad bytes are
    encoded before it and only the characters that depend on ``secret`` alone are kept
    (from ``4*ceil(k/3)`` to ``4*floor((k+n)/3)``): each of those runs appears in the
    base64 of any longer text that holds ``secret`` at an offset ``= k (mod 3)``.  A
    run shorter than :data:`MIN_ENCODED` characters is not kept (too likely by chance)."""
    import base64
    import codecs

    forms: list[tuple[str, str]] = []
    rot = codecs.encode(secret, "rot13")
    if rot != secret:
        forms.append(("rot13", rot))
    data = secret.encode("utf-8")
    for k in range(3):
        encoded = base64.b64encode(b"\0" * k + data).decode("ascii")
        run = encoded[4 * -(-k // 3): 4 * ((k + len(data)) // 3)]
        if len(run) >= MIN_ENCODED:
            forms.append((f"base64 (offset {k})", run))
            if run.translate(_URLSAFE) != run:
                forms.append((f"url-safe base64 (offset {k})", run.translate(_URLSAFE)))
    return forms


def encoded_leaks(text: str, secrets: Iterable[str]) -> list[str]:
    """Which ``secrets`` appear in ``text`` rot13'd or base64-encoded (any alignment, also
    inside a longer blob, also wrapped over lines): one line per finding."""
    packed = "".join(text.split())  # base64 wrapped at 76 (MIME) or split over lines
    found = []
    for secret in secrets:
        for name, form in encoded_forms(secret):
            if form in text or (name != "rot13" and form in packed):
                found.append(f"{name} of {secret[:40]!r}")
    return found


def pool_secrets(item: Any) -> tuple[list[str], list[KeyPattern]]:
    """What must never leave the pool for ``item``: prose that explains the answer
    (explanation, feedback) and patterns that tie the item to its key (key label, present
    labels, decisive sentence, move ratings)."""
    texts: list[str] = []
    patterns: list[KeyPattern] = []
    kind = getattr(item, "kind", "choice")

    def prose(value: Any) -> None:
        text = " ".join(str(value or "").split())
        if len(text) >= MIN_SECRET:
            texts.append(text[:80])

    if kind != "session":
        prose(item.explanation)
        for text in item.feedback.values():
            prose(text)
    if kind == "case":
        for text in item.decisive_feedback.values():
            prose(text)
        patterns.append(id_label_pattern(item.id, item.decisive))
        present = "+".join(sorted(item.present))
        patterns.append(_key_pattern(f"{present}>{item.decisive}", ""))
        patterns.append(_key_pattern(item.id, rf".{{0,200}}?present\W{{0,6}}"
                                     rf"{re.escape(json.dumps(list(item.present))[1:-1])}", re.S))
    elif kind in ("choice", "cue"):
        patterns.append(id_label_pattern(item.id, item.key))
    if kind == "cue":
        for sentence in item.sentences:
            prose(sentence.feedback)
        decisive = item.sentences[item.decisive_index].text
        patterns.append(_key_pattern(decisive[:60], r".{0,120}?decisive\W{0,4}true", re.S | re.I))
        patterns.append(_key_pattern(item.id, r"\W{1,6}" + re.escape(item.key)
                                     + rf"@{item.decisive_index}\b"))
    if kind == "session":
        for node in item.nodes.values():
            for move in node.moves:
                prose(move.feedback)
                if len(move.text) >= 12:
                    patterns.append(_key_pattern(move.text[:60], r"[^{}\n]{0,80}?"
                                                 r"\brating\W{0,4}(best|ok|poor)\b", re.I))
    return texts, patterns


#: pool_secrets per item object, computed once: a leak scan calls key_leaks once per file
#: with the same pool (half of a whole-site scan went into recompiling the patterns).
#: The item is kept with its secrets, so an id() is never reused while cached.
_SECRETS_OF: dict[int, tuple[Any, tuple[list[str], list[KeyPattern]]]] = {}


def _secrets_of(item: Any) -> tuple[list[str], list[KeyPattern]]:
    hit = _SECRETS_OF.get(id(item))
    if hit is None or hit[0] is not item:
        hit = _SECRETS_OF[id(item)] = (item, pool_secrets(item))
    return hit[1]


def key_leaks(text: str, pool: Iterable[Any], *, structured: bool = False,
              allowed: Iterable[str] = (), encoded: bool = False) -> list[str]:
    """Where ``text`` shows a pool key: one line per finding (empty when none).  With
    ``structured``, keyed field names (``"key":``, ``"present":``, ``"rating":`` ...) count
    too (for JSON/YAML that should hold only views).  ``allowed`` item ids are skipped
    (a trainee's own right answer in their own feedback).  With ``encoded``, the answer
    prose is also looked for rot13'd and base64-encoded (:func:`encoded_leaks`)."""
    skip = set(allowed)
    found: list[str] = []
    flat = " ".join(text.split())
    lowered, flat_lowered = text.lower(), flat.lower()
    for item in pool:
        if item.id in skip:
            continue
        texts, patterns = _secrets_of(item)
        for secret in texts:
            if secret in flat:
                found.append(f"{item.id}: answer prose {secret[:40]!r}")
        if encoded:
            found += [f"{item.id}: answer prose, {leak}" for leak in encoded_leaks(text, texts)]
        for pattern in patterns:
            if pattern.found_in(lowered, text) or pattern.found_in(flat_lowered, flat):
                found.append(f"{item.id}: key pattern {pattern.regex.pattern[:50]!r}")
    if structured:
        for match in KEY_FIELD_PATTERN.finditer(text):
            found.append(f"keyed field {match.group(1)!r}")
    return found


# -- commands --------------------------------------------------------------------------------------
def _no_course(course: Path, command: str) -> bool:
    """Say so (and return True) when ``course`` is not an nbgrader course folder."""
    if (course / "source").is_dir():
        return False
    print(f"grade {command}: {course} is not a course folder (it has no source/ folder): run "
          "from the course folder (exercises/) with --course ., or pass --course "
          "exercises from the repository root", file=sys.stderr)
    return True


def _cmd_forms(args: argparse.Namespace) -> int:
    course = Path(args.course)
    if _no_course(course, "forms"):
        return 1
    assignment = resolve_assignment(course, args.assignment)
    try:
        path = write_items_file(course, assignment, size=args.size, n=args.forms,
                                pools=args.pools)
    except PoolError as exc:
        print(f"grade forms: {exc}", file=sys.stderr)
        return 1
    data = json.loads(path.read_text(encoding="utf-8"))
    print(f"{path}: {len(data['items'])} items, {len(data['forms'])} forms of {data['size']}")
    return 0


def _cmd_draw(args: argparse.Namespace) -> int:
    course = Path(args.course)
    if _no_course(course, "draw"):
        return 1
    assignment = resolve_assignment(course, args.assignment)
    try:
        draw = draw_of(course, assignment, args.student)
    except (PoolError, ValueError) as exc:
        print(f"grade draw: {exc}", file=sys.stderr)
        return 1
    for item in draw.items:
        print(item)
    print(f"({assignment}: form {draw.form} of {items_path(course, assignment).name} for login "
          f"{draw.student!r}, seed {draw.seed})",
          file=sys.stderr)
    return 0


def register(grade_sub: Any) -> None:
    """Add ``grade forms`` and ``grade draw`` under ``powerdynamics grade``."""
    forms = grade_sub.add_parser(
        "forms", help="write source/<assignment>/<pool>-items.json (key-free item views "
                      "and balanced forms) from pools/<assignment>.yaml")
    forms.add_argument("assignment")
    forms.add_argument("--course", default=".", help="nbgrader course directory (default: .)")
    forms.add_argument("--pools", help="folder of the pools (default: <course>/pools)")
    forms.add_argument("--size", type=int, default=FORM_SIZE, help="items per trainee (default 12)")
    forms.add_argument("--forms", type=int, default=FORMS, help="number of forms (default 64)")
    forms.set_defaults(func=_cmd_forms)
    draw = grade_sub.add_parser(
        "draw", help="print the item ids one trainee sees, one per line, in the order shown")
    draw.add_argument("assignment")
    draw.add_argument("--student", required=True, help="the trainee's course login / nbgrader id")
    draw.add_argument("--course", default=".", help="nbgrader course directory (default: .)")
    draw.set_defaults(func=_cmd_draw)
