"""A validated, ordered collection of items with look-ups by id, tag, category and kind."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from ..kinds import KeyedItem
from .labels import CATEGORIES
from .loader import BankError, bank_files, check_files


class Bank:
    """A validated, ordered collection of scenarios with look-ups by id, tag and category."""

    def __init__(self, items: Iterable[KeyedItem]):
        self.items: tuple[KeyedItem, ...] = tuple(items)
        self._by_id = {item.id: item for item in self.items}
        if len(self._by_id) != len(self.items):
            raise ValueError("duplicate scenario ids")

    @classmethod
    def from_files(cls, paths: Iterable[Path | str]) -> Bank:
        items, problems = check_files(paths)
        if problems:
            raise BankError(problems)
        return cls(items)

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[KeyedItem]:
        return iter(self.items)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._by_id

    def get(self, item_id: str) -> KeyedItem:
        try:
            return self._by_id[item_id]
        except KeyError:
            raise KeyError(f"no scenario with id {item_id!r} in the bank") from None

    def select(
        self,
        ids: Sequence[str] | None = None,
        *,
        category: str | None = None,
        lesson: int | None = None,
        setting: str | None = None,
        keys: Sequence[str] | None = None,
        kinds: Sequence[str] | None = None,
        tiers: Sequence[str] | None = None,
        exclude_content_note: bool = False,
    ) -> list[KeyedItem]:
        """Items chosen by ids (in that order) or by filters (in bank order).

        ``keys`` matches any label an item teaches as at work (a case's present labels
        count), so a lesson's quiz on one label also finds the cases where it acts."""
        if category is not None and category not in (*CATEGORIES, "mixed"):
            raise ValueError(f"unknown category {category!r}; use one of {', '.join(CATEGORIES)}, mixed")
        chosen = [self.get(i) for i in ids] if ids is not None else list(self.items)
        return [
            item
            for item in chosen
            if (category is None or item.category == category)
            and (lesson is None or item.tags.lesson == lesson)
            and (setting is None or item.tags.setting == setting)
            and (keys is None or any(label in keys for label in (item.key_label, *item.labels_at_work)))
            and (kinds is None or item.kind in kinds)
            and (tiers is None or item.tier in tiers)
            and not (exclude_content_note and item.tags.content_note)
        ]

    def stats(self) -> dict[str, Any]:
        """Counts per kind, category, key label, tier, setting, region and pair group.

        ``by_key`` counts each item under its key (a case under its decisive label, a
        session under its skill); ``choice_by_key`` counts choice items only."""
        from .audit import bank_stats

        return bank_stats(self.items)


@cache
def default_bank() -> Bank:
    """The practice bank shipped with the package (loaded once per process): from the
    wheel's pre-parsed snapshot when it matches the YAML files (:mod:`.snapshot`), else
    from the YAML."""
    from .snapshot import SNAPSHOT_NAME, load_snapshot

    files = bank_files()
    if files:
        items = load_snapshot(files[0].parent / SNAPSHOT_NAME, files)
        if items is not None:
            return Bank(items)
    return Bank.from_files(files)
