"""Blind key check of bank 2 (every kind): packets with neutral codes and *all labels
of the categories involved*, never the key; then agreement and Fleiss' kappa.

    python scripts/keycheck_blind.py blind OUT_DIR [bank files ...] --reviewers 5
    python scripts/keycheck_blind.py score OUT_DIR [bank files ...]

Reviewers answer in ``reviewer-N.json``::

    {"item-017": {"label": "informational", "why": "..."},             # choice
     "item-018": {"label": "expert", "sentence": 2, "why": "..."},     # cue
     "item-019": {"present": ["legitimate", "institutional"],
                  "decisive": "institutional", "why": "..."}}          # case

An item passes at >= 80 % agreement with its key (a case: on the decisive label; the
marking is reported as mean Jaccard overlap with the present set; a cue: on the label,
and the sentence is reported). The code-to-id mapping (``mapping.json``) is written
beside the packets and must not be shown to reviewers.
"""

from __future__ import annotations

import argparse
import csv
import json
from collections import Counter
from pathlib import Path

from powerdynamics.bank.labels import CATEGORIES, category_of, label_for
from powerdynamics.bank.loader import bank_files, check_files
from powerdynamics.ordering import seeded_order

THRESHOLD = 0.8


def categories_of(item) -> list[str]:
    labels = item.options
    return sorted({category_of(o) for o in labels}, key=list(CATEGORIES).index)


def shown_labels(item) -> list[str]:
    return [s for c in categories_of(item) for s in CATEGORIES[c].slugs]


def load(paths: list[str], ids: set[str] | None = None) -> list:
    items, problems = check_files([Path(p) for p in paths] or bank_files())
    if problems:
        raise SystemExit("\n".join(map(str, problems)))
    return [i for i in items if i.kind in {"choice", "cue", "case"} and (ids is None or i.id in ids)]


def packet_entry(code: str, item, reviewer: int) -> str:
    lines = [f"## {code}", ""]
    if item.kind == "cue":
        lines.append("Sentences:")
        lines += [f"  [{n}] {s.text}" for n, s in enumerate(item.sentences)]
        task = ("Task: choose the ONE label that best explains what happens, then the number of the "
                "ONE sentence that decides it.")
    elif item.kind == "case":
        lines.append(item.vignette)
        task = (f"Task: list EVERY label at work in this situation (\"present\"), then the ONE that "
                f"best answers: {item.decisive_act}")
    else:
        lines.append(item.vignette)
        task = ("Task: choose the ONE label that best explains what happens "
                "(why the target goes along / what does the work).")
    lines += ["", task, "", "Labels:"]
    for slug in seeded_order(shown_labels(item), f"r{reviewer}", salt=code):
        label = label_for(slug)
        lines.append(f"  - `{slug}`: {label.name}. {label.definition}")
    return "\n".join(lines) + "\n"


def blind(out: Path, reviewers: int, paths: list[str], ids: set[str] | None = None) -> None:
    items = load(paths, ids)
    out.mkdir(parents=True, exist_ok=True)
    order = seeded_order(items, "codes", salt="keycheck2", key=lambda i: i.id)
    mapping = {f"item-{n:03d}": i.id for n, i in enumerate(order, start=1)}
    (out / "mapping.json").write_text(json.dumps(mapping, indent=1), encoding="utf-8")
    codes = list(mapping)
    by_id = {i.id: i for i in items}
    for r in range(1, reviewers + 1):
        shuffled = seeded_order(codes, f"reviewer-{r}", salt="packet")
        text = [f"# Packet for reviewer {r}: {len(codes)} items\n"]
        text += [packet_entry(c, by_id[mapping[c]], r) for c in shuffled]
        (out / f"packet-{r}.md").write_text("\n".join(text), encoding="utf-8")
    print(f"{len(codes)} items, {reviewers} packets in {out} (keep mapping.json away from reviewers)")


def fleiss_kappa(rows: list[Counter], categories: list[str]) -> float | None:
    rows = [r for r in rows if sum(r.values()) >= 2]
    if not rows:
        return None
    p_j = Counter()
    total = 0
    p_i = []
    for r in rows:
        n = sum(r.values())
        total += n
        p_j.update(r)
        p_i.append((sum(v * v for v in r.values()) - n) / (n * (n - 1)))
    p_bar = sum(p_i) / len(p_i)
    p_e = sum((p_j[c] / total) ** 2 for c in categories)
    return (p_bar - p_e) / (1 - p_e) if p_e < 1 else None


def score(folder: Path, paths: list[str]) -> int:
    mapping = json.loads((folder / "mapping.json").read_text(encoding="utf-8"))
    items = {i.id: i for i in load(paths)}
    answers = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("reviewer-*.json"))]
    rows, low, kappa_rows = [], [], []
    for code, item_id in mapping.items():
        item = items.get(item_id)
        if item is None:
            continue
        given = [a[code] for a in answers if code in a]
        key = item.key_label
        chosen = [g.get("decisive") if item.kind == "case" else g.get("label") for g in given]
        agree = sum(c == key for c in chosen)
        share = agree / len(given) if given else 0.0
        extra = ""
        if item.kind == "case":
            present = set(item.present)
            jac = [len(present & set(g.get("present", ()))) / len(present | set(g.get("present", ())))
                   for g in given]
            extra = f"jaccard={sum(jac) / len(jac):.2f}" if jac else ""
        elif item.kind == "cue":
            right = sum(g.get("sentence") == item.decisive_index for g in given)
            extra = f"sentence={right}/{len(given)}"
        rows.append([code, item_id, item.kind, key, len(given), agree, f"{share:.2f}",
                     ";".join(f"{k}:{v}" for k, v in Counter(chosen).most_common()), extra])
        kappa_rows.append((tuple(categories_of(item)), Counter(c for c in chosen if c)))
        if share < THRESHOLD:
            low.append(f"{code} {item_id} ({item.kind}, key {key}): {agree}/{len(given)} "
                       f"chose {dict(Counter(chosen))} {extra}")
    with (folder / "agreement.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["code", "id", "kind", "key", "reviewers", "agreeing", "share", "chosen", "extra"])
        writer.writerows(rows)
    kappas = {}
    for cats in sorted({c for c, _ in kappa_rows}):
        labels = [s for c in cats for s in CATEGORIES[c].slugs]
        k = fleiss_kappa([r for c, r in kappa_rows if c == cats], labels)
        if k is not None:
            kappas["+".join(cats)] = round(k, 3)
    mean = sum(float(r[6]) for r in rows) / len(rows) if rows else 0
    summary = {"items": len(rows), "reviewers": len(answers), "mean_agreement": round(mean, 3),
               "below_threshold": len(low), "fleiss_kappa": kappas}
    (folder / "summary.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    print(json.dumps(summary, indent=1))
    print("\n".join(low))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("blind")
    b.add_argument("out", type=Path)
    b.add_argument("paths", nargs="*")
    b.add_argument("--reviewers", type=int, default=5)
    b.add_argument("--ids", type=Path, help="a file of item ids, one per line (default: all)")
    s = sub.add_parser("score")
    s.add_argument("folder", type=Path)
    s.add_argument("paths", nargs="*")
    args = parser.parse_args(argv)
    if args.cmd == "blind":
        ids = set(args.ids.read_text(encoding="utf-8").split()) if args.ids else None
        blind(args.out, args.reviewers, args.paths, ids)
        return 0
    return score(args.folder, args.paths)


if __name__ == "__main__":
    raise SystemExit(main())
