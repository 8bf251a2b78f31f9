"""Compatibility module: the labels now live in :mod:`powerdynamics.bank.labels`."""

from .bank.labels import *  # noqa: F403
from .bank.labels import CATEGORIES, POWER_SOURCES, SETTINGS, Category, Label, category_of, label_for  # noqa: F401
