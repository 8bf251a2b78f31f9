"""Compatibility module: the bank now lives in :mod:`powerdynamics.bank` and the item
models in :mod:`powerdynamics.kinds`. Old imports keep working."""

from .bank.collection import Bank, default_bank
from .bank.loader import BankError, Problem, bank_files, check_files, load_file
from .kinds.base import ID_PATTERN, ItemBase, Tags
from .kinds.choice import ChoiceItem as Scenario

__all__ = ["Bank", "BankError", "ID_PATTERN", "ItemBase", "Problem", "Scenario", "Tags", "bank_files",
           "check_files", "default_bank", "load_file"]
