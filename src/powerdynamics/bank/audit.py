"""Counts and audits over the whole bank: what ``bank stats --json`` reports and what
the content tests hold the bank to (counts, tiers, settings, casting, content notes).

Kept apart from the loader: the loader judges one item at a time; these rules are
about the bank as a whole (no group over-cast as the harmful agent, every label still
reachable when a trainee opts out of content notes)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from .labels import CATEGORIES, GENDER_CUES, HARMFUL_KEYS, HERITAGE_CUES

#: At most this share of the agents of harmful keys may carry one heritage or gender cue.
MAX_HARMFUL_AGENT_SHARE = 0.35


def _count(values: Iterable[str]) -> dict[str, int]:
    return dict(sorted(Counter(values).items()))


def bank_stats(items: Sequence[Any]) -> dict[str, Any]:
    labels = [slug for c in CATEGORIES.values() for slug in c.slugs]
    by_key = dict.fromkeys(labels, 0) | _count(i.key_label for i in items if i.kind != "session")
    choice_by_key = dict.fromkeys(labels, 0) | _count(i.key for i in items if i.kind == "choice")
    pairs = Counter(i.pair for i in items if i.pair)
    outside_uk = sum(i.tags.region not in {"uk"} for i in items)
    content_note = sum(i.tags.content_note for i in items)
    return {
        "total": len(items),
        "by_kind": dict.fromkeys(("choice", "case", "cue", "session"), 0) | _count(i.kind for i in items),
        "by_category": dict.fromkeys((*CATEGORIES, "mixed"), 0) | _count(i.category for i in items),
        "by_key": by_key,
        "choice_by_key": choice_by_key,
        "by_skill": _count(i.skill for i in items if i.kind == "session"),
        "by_tier": dict.fromkeys(("worked", "core", "stretch"), 0) | _count(i.tier for i in items),
        "by_setting": _count(i.tags.setting for i in items),
        "by_region": _count(i.tags.region for i in items),
        "outside_uk": outside_uk,
        "statutory": sum(i.tags.statutory for i in items),
        "by_pair_group": dict(sorted(pairs.items())),
        "pair_groups": sum(1 for n in pairs.values() if n >= 2),
        "content_note": content_note,
        "without_content_note": len(items) - content_note,
        "content_note_keys": _count(i.key_label for i in items if i.tags.content_note),
        "mixing_interpersonal_and_systemic": sum(
            1 for i in items if i.kind == "case" and _mixes(i.labels_at_work)),
    }


def _mixes(labels: Iterable[str]) -> bool:
    bases, systemic = set(CATEGORIES["bases"].slugs), set(CATEGORIES["systemic"].slugs)
    present = set(labels)
    return bool(present & bases) and bool(present & systemic)


def must_flag(item: Any) -> bool:
    """Items that must carry a content note: harm depicted, or coercive control taught."""
    return bool(item.tags.depicts) or "coercive-control" in (item.key_label, *item.labels_at_work)


def content_note_problems(items: Sequence[Any]) -> list[str]:
    return [f"{i.id}: depicts harm or coercive control but has no content note"
            for i in items if must_flag(i) and not i.tags.content_note]


def casting_problems(items: Sequence[Any]) -> list[str]:
    """No heritage or gender cue is over-represented among agents of harmful keys."""
    harmful = [i for i in items if i.key_label in HARMFUL_KEYS and i.tags.agent]
    problems: list[str] = []
    if not harmful:
        return problems
    counts = Counter(cue for i in harmful for cue in set(i.tags.agent) if cue in (*HERITAGE_CUES, *GENDER_CUES))
    for cue, n in counts.items():
        # Gender: two large groups, so hold each to its fair share plus a margin.
        limit = 0.65 if cue in GENDER_CUES else MAX_HARMFUL_AGENT_SHARE
        if n / len(harmful) > limit:
            problems.append(f"{cue}: agent of {n} of {len(harmful)} harmful-key items "
                            f"({n / len(harmful):.0%}, limit {limit:.0%})")
    return problems


def casting_page(items: Sequence[Any]) -> str:
    """The book page that tabulates identity cue x role x key (generated; a test keeps
    ``book/casting.md`` equal to this, so the page cannot drift from the bank)."""
    keyed = [i for i in items if i.kind != "session"]
    cues = sorted({c for i in keyed for c in (*i.tags.agent, *i.tags.target)},
                  key=lambda c: (c not in GENDER_CUES, c not in HERITAGE_CUES, c))
    labels = [s for c in CATEGORIES.values() for s in c.slugs]
    lines = [
        "# Who plays which part",
        "",
        "This page is generated from the scenario bank (`powerdynamics bank casting`). It counts",
        "the identity cues each item's text gives about the **agent** (the person who exercises",
        "power or benefits from a structure) and the **target** (the person influenced or",
        "affected), by the item's key. The course rotates identities across both roles, and a",
        "test holds the bank to it: no heritage group may be more than "
        f"{MAX_HARMFUL_AGENT_SHARE:.0%} of the agents",
        "of harmful keys (coercive, coercive control, control, power over, dominant-group).",
        "An identity detail is never the cue that decides an item.",
        "",
        f"{len(keyed)} items; {sum(bool(i.tags.agent or i.tags.target) for i in keyed)} record at least one cue.",
        "",
    ]
    for role in ("agent", "target"):
        lines += [f"## As {role}", "", "| cue | " + " | ".join(labels) + " | total |",
                  "| --- |" + " ---: |" * (len(labels) + 1)]
        for cue in cues:
            counts = Counter(i.key_label for i in keyed if cue in getattr(i.tags, role))
            if counts:
                row = [str(counts.get(label, 0)) for label in labels]
                lines.append(f"| {cue} | " + " | ".join(row) + f" | {sum(counts.values())} |")
        lines.append("")
    harmful = [i for i in keyed if i.key_label in HARMFUL_KEYS and i.tags.agent]
    lines += ["## Agents of harmful keys", "",
              f"{len(harmful)} harmful-key items name at least one cue about the agent.", "",
              "| cue | items | share |", "| --- | ---: | ---: |"]
    counts = Counter(c for i in harmful for c in set(i.tags.agent))
    for cue, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"| {cue} | {n} | {n / len(harmful):.0%} |")
    return "\n".join(lines) + "\n"
