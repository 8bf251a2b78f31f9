"""Independent key check of the scenario bank.

    python scripts/keycheck.py blind OUT_DIR --reviewers 5 --mapping docs/keycheck/round-2/mapping.json
    python scripts/keycheck.py score docs/keycheck/round-2      # agreement per item

A blind packet shows each item's vignette, question and options (with the label
definitions trainees see) in a reviewer-specific order, but never the key, the
explanation or the feedback.  Items carry neutral codes (``item-017``): bank ids such
as ``coercive-03`` name the key, which round 1 showed gives the answer away.  The
code-to-id mapping is kept apart from the packets (``--mapping``).  Reviewers answer in ``reviewer-N.json`` as
``{"item-id": {"label": "...", "why": "one sentence"}}``.  ``score`` writes
``agreement.csv`` (one row per item: reviewers, agreeing, share, labels chosen) and
prints the items below the 80 % threshold.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from powerdynamics.labels import CATEGORIES, label_for
from powerdynamics.ordering import seeded_order
from powerdynamics.scenarios import default_bank

THRESHOLD = 0.8


@dataclass(frozen=True)
class BlindItem:
    """What a reviewer may see of an item, plus its key (never written to a packet)."""

    id: str
    category: str
    vignette: str
    options: tuple[str, ...]
    key: str


def bank_items(ids: list[str] | None) -> list[BlindItem]:
    bank = default_bank()
    chosen = [bank.get(i) for i in ids] if ids else list(bank)
    return [BlindItem(s.id, s.category, s.vignette, s.options, s.key) for s in chosen]


def assessment_items(source: Path) -> list[BlindItem]:
    """Graded items of the nbgrader course, keys from the hidden tests (instructor
    material; the results stay in exercises/keycheck/).  Parsed like the instructor
    report parses them, without running the notebooks."""
    from powerdynamics.report import read_source

    out: list[BlindItem] = []
    for folder in sorted(p for p in source.iterdir() if p.is_dir()):
        items, problems = read_source(folder)
        if problems:
            raise SystemExit(f"{folder}: " + "; ".join(problems))
        out += [BlindItem(i.id, i.category or "", i.vignette, i.options, i.key or "") for i in items]
    return out


def blind(out: Path, reviewers: int, items: list[BlindItem], mapping: Path | None) -> None:
    out.mkdir(parents=True, exist_ok=True)
    codes = {s.id: s.id for s in items}
    if mapping is not None:
        shuffled = seeded_order(items, str(mapping), salt="codes", key=lambda s: s.id)
        codes = {s.id: f"item-{n:03d}" for n, s in enumerate(shuffled, start=1)}
        mapping.parent.mkdir(parents=True, exist_ok=True)
        mapping.write_text(json.dumps({c: i for i, c in codes.items()}, indent=1, sort_keys=True),
                           encoding="utf-8")
        keys = {s.id: s.key for s in items}
        (mapping.parent / "keys.json").write_text(json.dumps(keys, indent=1, sort_keys=True),
                                                   encoding="utf-8")
    for n in range(1, reviewers + 1):
        lines = [
            f"# Blind key check, packet for reviewer {n}",
            "",
            "For each item choose the ONE label that best fits, using only the vignette and",
            f"the label definitions. Answer in reviewer-{n}.json as",
            '{"item-id": {"label": "<label slug>", "why": "<one sentence: the cue you used>"}}.',
            "",
        ]
        for s in seeded_order(items, f"reviewer-{n}", salt="keycheck", key=lambda s: s.id):
            lines += [f"## {codes[s.id]}", "", s.vignette, "", f"*{CATEGORIES[s.category].question}*", ""]
            for option in seeded_order(s.options, f"reviewer-{n}", salt=s.id):
                label = label_for(option)
                lines.append(f"- `{option}`: {label.name}. {label.definition}")
            lines.append("")
        (out / f"packet-{n}.md").write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {reviewers} packets of {len(items)} items to {out}")


def score(folder: Path) -> int:
    keys_file = folder / "keys.json"
    keys = (json.loads(keys_file.read_text(encoding="utf-8")) if keys_file.exists()
            else {s.id: s.key for s in default_bank()})
    answers = {p.stem: json.loads(p.read_text(encoding="utf-8"))
               for p in sorted(folder.glob("reviewer-*.json"))}
    mapping_file = folder / "mapping.json"
    if mapping_file.exists():
        mapping = json.loads(mapping_file.read_text(encoding="utf-8"))
        answers = {r: {mapping.get(code, code): v for code, v in a.items()} for r, a in answers.items()}
    if not answers:
        print(f"no reviewer-*.json in {folder}", file=sys.stderr)
        return 1
    rows = []
    for item_id in sorted({i for a in answers.values() for i in a}):
        if item_id not in keys:
            print(f"{folder}: {item_id}: no key known (dropped or renamed?)", file=sys.stderr)
            continue
        key = keys[item_id]
        chosen = [a[item_id]["label"] for a in answers.values() if item_id in a]
        agree = sum(c == key for c in chosen)
        rows.append({
            "item": item_id, "key": key, "reviewers": len(chosen), "agreeing": agree,
            "agreement": round(agree / len(chosen), 2),
            "chosen": "; ".join(f"{k} {v}" for k, v in Counter(chosen).most_common()),
        })
    with open(folder / "agreement.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    low = [r for r in rows if r["agreement"] < THRESHOLD]
    mean = sum(r["agreement"] for r in rows) / len(rows)
    print(f"{len(rows)} items, {len(answers)} reviewers, mean agreement {mean:.2f}, "
          f"{len(rows) - len(low)} at or above {THRESHOLD:.0%}, {len(low)} below")
    for r in low:
        print(f"  {r['item']}: key {r['key']}, {r['agreeing']}/{r['reviewers']} ({r['chosen']})")
    return 0


PAGE_HEAD = """# How the quiz keys were checked

Every practice item has one key: the label a careful reader should choose. An item whose
key a careful reader would dispute teaches the wrong thing, so every key was checked by
independent reviewers before the item was used in a lesson.

## Procedure

1. **Writers and reviewers are different people.** Items were written by four authors
   following the item-writing guide of the course design notes
   (`docs/item-writing-brief.md`); none of them reviewed items.
2. **Blind packets.** Each reviewer received a packet with every item's vignette, the
   question and the options with the same one-line definitions trainees see, in an
   order of their own. The packet never shows the key, the explanation or the
   feedback, and reviewers were told not to open the course repository.
3. **One answer per item, with the cue.** Reviewers chose one label per item and named,
   in one sentence, the cue that decided it, and listed the items they found hardest.
4. **Threshold.** An item is kept when at least 80 % of its reviewers chose the key;
   below that it is revised (and re-checked by new reviewers) or dropped.
5. **Disagreements sharpen feedback.** The distractors that reviewers named as the
   closest alternative were used to rewrite that distractor's feedback, so a trainee
   who picks it is told the reasoning they probably used and the rule that separates
   the two labels.

The procedure is scripted (`scripts/keycheck.py blind` writes the packets, `score`
computes agreement) and the raw answers are kept in `docs/keycheck/`.

## Limits of this check

The reviewers were independent of the writers but they were not a panel of practising
clinicians, and reviewers who share a training tend to agree with each other: high
agreement shows that each key is recoverable from its vignette and the definitions, not
that every expert would frame the situation the same way. Before using items for
high-stakes assessment, add a round with human raters from the course's own discipline.
Analytics from real cohorts (item difficulty, discrimination, the confusion matrix)
are the next check.

"""


def page(rounds: list[Path], out: Path) -> None:
    """Write the book page: procedure, per-round summary and per-item agreement."""
    bank = default_bank()
    tables = {}
    for folder in rounds:
        with open(folder / "agreement.csv", encoding="utf-8") as fh:
            tables[folder.name] = {row["item"]: row for row in csv.DictReader(fh)}
    final = tables[rounds[-1].name]
    lines = [PAGE_HEAD, "## Rounds", ""]
    notes = {p.name: (p / "NOTE.md").read_text(encoding="utf-8").strip()
             for p in rounds if (p / "NOTE.md").exists()}
    for folder in rounds:
        rows = list(tables[folder.name].values())
        n = len(rows)
        mean = sum(float(r["agreement"]) for r in rows) / max(n, 1)
        low = sum(float(r["agreement"]) < THRESHOLD for r in rows)
        reviewers = max(int(r["reviewers"]) for r in rows)
        lines.append(f"- **{folder.name}**: {n} items, {reviewers} reviewers, mean agreement "
                     f"{mean:.0%}, {low} item(s) below 80 %. {notes.get(folder.name, '')}")
    lines += ["", "## Agreement per item", "",
              f"Final round ({rounds[-1].name}): reviewers who chose the key, out of all reviewers.",
              "", "| item | category | key | agreement | labels chosen |", "|---|---|---|---|---|"]
    for item in bank:
        row = final.get(item.id)
        if row is None:
            lines.append(f"| {item.id} | {item.category} | {item.key} | not yet checked | |")
            continue
        lines.append(f"| {item.id} | {item.category} | {item.key} | {row['agreeing']}/"
                     f"{row['reviewers']} ({float(row['agreement']):.0%}) | {row['chosen']} |")
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {out}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("blind")
    b.add_argument("out", type=Path)
    b.add_argument("--reviewers", type=int, default=5)
    b.add_argument("--ids", nargs="*")
    b.add_argument("--assessment", type=Path, metavar="SOURCE_DIR",
                   help="check the graded items of an nbgrader source directory instead of the bank")
    b.add_argument("--mapping", type=Path, help="write neutral item codes and keep their ids here")
    s = sub.add_parser("score")
    s.add_argument("folder", type=Path)
    pg = sub.add_parser("page", help="write the book page from the rounds' agreement.csv")
    pg.add_argument("rounds", type=Path, nargs="+")
    pg.add_argument("--out", type=Path, default=Path("book/key-check.md"))
    args = parser.parse_args()
    if args.command == "blind":
        items = assessment_items(args.assessment) if args.assessment else bank_items(args.ids)
        blind(args.out, args.reviewers, items, args.mapping)
        return 0
    if args.command == "page":
        page(args.rounds, args.out)
        return 0
    return score(args.folder)


if __name__ == "__main__":
    sys.exit(main())
