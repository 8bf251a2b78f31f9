"""A bank with items of every kind: the real bank plus tests/fixtures/ for kinds it lacks."""

from __future__ import annotations

from powerdynamics.bank.collection import Bank, default_bank
from tests.support.paths import FIXTURES

KINDS = ("choice", "case", "cue", "session")


def every_kind_bank() -> Bank:
    """Every bank item, plus fixture items of each kind the bank does not hold yet."""
    bank = list(default_bank().items)
    have = {i.kind for i in bank}
    extra = [i for i in Bank.from_files([FIXTURES / "kinds-sample.yaml"]).items
             if i.kind not in have and i.id not in {b.id for b in bank}]
    return Bank(bank + extra)


def one_of_each_kind() -> Bank:
    """The first item of each kind (from the bank, or the fixtures)."""
    items = {}
    for item in every_kind_bank():
        items.setdefault(item.kind, item)
    return Bank([items[k] for k in KINDS])
