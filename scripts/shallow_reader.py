"""Readers that understand nothing: how far can word-spotting get on the bank?

The bank's items are checked by an independent reader of this kind, so the team runs
its own. Two readers, both blind to meaning:

* **keyword**: a fixed list of cue words per label, written from the label definitions
  alone (never from the items); it picks the option whose words occur most in the
  vignette (ties split evenly, so a tie is worth chance).
* **bag of words**: multinomial naive Bayes trained leave-one-out on every *other*
  item's vignette and key, choosing among the item's own options.

Prints accuracy against chance (the mean of 1/options) per kind and per label, for
choice and cue items (a case's decisive label counts as its key). Usage::

    python scripts/shallow_reader.py [bank files ...] [--json]
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

from powerdynamics.bank.loader import bank_files, check_files

#: Written from the label definitions only (docs/bank-format.md, bank/labels.py).
KEYWORDS: dict[str, tuple[str, ...]] = {
    "expert": ("expert", "expertise", "specialist", "knowledge", "skill", "skilled", "trained",
               "qualified", "experience", "experienced", "doctor", "professional", "trust", "trusts"),
    "informational": ("evidence", "data", "figures", "shows", "showed", "explains", "explained",
                      "argument", "reason", "reasons", "study", "research", "numbers", "because"),
    "referent": ("admire", "admires", "admired", "idol", "role model", "like her", "like him",
                 "look up", "looks up", "identify", "belong", "inspire", "inspired", "charisma", "hero"),
    "legitimate": ("manager", "boss", "role", "position", "authority", "duty", "right to",
                   "job", "supervisor", "head", "officer", "responsible", "formal", "rules"),
    "coercive": ("threat", "threatens", "threatened", "fear", "afraid", "punish", "punishment",
                 "sanction", "lose", "warns", "warned", "scared", "harm", "disciplinary"),
    "reward": ("bonus", "reward", "promotion", "prize", "praise", "benefit", "offer", "offers",
               "offered", "pay", "raise", "gift", "extra", "incentive"),
    "dominant-group": ("privilege", "white", "male", "men", "wealthy", "cisgender", "majority",
                       "dominant", "straight", "able-bodied", "citizen", "advantage", "unearned"),
    "institutional": ("policy", "rule", "rules", "law", "legal", "procedure", "form", "criteria",
                      "system", "eligibility", "requirement", "regulation", "office", "department"),
    "narrative": ("media", "news", "story", "stories", "textbook", "curriculum", "normal", "true",
                  "film", "campaign", "narrative", "history", "headline", "culture"),
    "power": ("influence", "suggests", "advice", "advises", "persuade", "decides", "choice", "free"),
    "control": ("stops", "forbids", "refuses", "locks", "takes", "blocks", "restricts", "once", "bans"),
    "shared-power": ("together", "both", "agree", "agreed", "jointly", "either", "mutual", "we"),
    "coercive-control": ("monitor", "monitors", "checks", "isolates", "isolated", "rules", "always",
                         "every", "pattern", "tracks", "phone", "money", "friends", "allowed"),
    "power-over": ("dominate", "overrule", "overrules", "imposes", "forces", "control", "expense"),
    "power-with": ("together", "collaborate", "collective", "joint", "share", "shared", "group"),
    "power-to": ("herself", "himself", "themselves", "own", "alone", "capacity", "able", "confidence"),
}
WORD = re.compile(r"[a-z][a-z'-]+")


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


def keyword_guess(text: str, options: tuple[str, ...]) -> dict[str, float]:
    """Probability the keyword reader gives each option (ties split evenly)."""
    low = " " + " ".join(words(text)) + " "
    hits = {o: sum(low.count(f" {w} ") for w in KEYWORDS.get(o, ())) for o in options}
    top = max(hits.values())
    best = [o for o in options if hits[o] == top]
    return {o: (1 / len(best) if o in best else 0.0) for o in options}


class NaiveBayes:
    def __init__(self, docs: list[tuple[list[str], str]]):
        self.counts: dict[str, Counter[str]] = defaultdict(Counter)
        self.docs: Counter[str] = Counter()
        for toks, label in docs:
            self.counts[label].update(toks)
            self.docs[label] += 1
        self.vocab = {w for c in self.counts.values() for w in c}

    def guess(self, toks: list[str], options: tuple[str, ...]) -> dict[str, float]:
        scores = {}
        for o in options:
            c = self.counts.get(o, Counter())
            total = sum(c.values()) + len(self.vocab) + 1
            prior = math.log((self.docs.get(o, 0) + 1) / (sum(self.docs.values()) + len(options)))
            scores[o] = prior + sum(math.log((c.get(w, 0) + 1) / total) for w in toks)
        top = max(scores.values())
        best = [o for o in options if scores[o] == top]
        return {o: (1 / len(best) if o in best else 0.0) for o in options}


def evaluate(items: list) -> dict:
    scored = [i for i in items if i.kind in {"choice", "cue", "case"}]
    texts = {i.id: words(i.vignette) for i in scored}
    results = {"keyword": defaultdict(list), "bag_of_words": defaultdict(list), "chance": defaultdict(list)}
    for item in scored:
        key = item.key_label
        others = [(texts[j.id], j.key_label) for j in scored if j.id != item.id]
        nb = NaiveBayes(others)
        kw = keyword_guess(item.vignette, item.options)[key]
        bw = nb.guess(texts[item.id], item.options)[key]
        for group in ("all", f"kind:{item.kind}", f"key:{key}"):
            results["keyword"][group].append(kw)
            results["bag_of_words"][group].append(bw)
            results["chance"][group].append(1 / len(item.options))
    return {reader: {g: round(sum(v) / len(v), 3) for g, v in sorted(groups.items())}
            for reader, groups in results.items()} | {"n": len(scored)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    items, problems = check_files([Path(p) for p in args.paths] or bank_files())
    for p in problems:
        print(p, file=sys.stderr)
    report = evaluate(items)
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"{report['n']} items (choice, cue, case decisive label)")
    print(f"{'group':<28}{'chance':>8}{'keyword':>9}{'bag':>7}")
    for group in report["chance"]:
        print(f"{group:<28}{report['chance'][group]:>8.2f}{report['keyword'][group]:>9.2f}"
              f"{report['bag_of_words'][group]:>7.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
