"""Instructor analytics: item statistics (``stats``), the report's steps (``report``),
its charts and its rendering. ``from powerdynamics.analytics import ...`` keeps working."""

from powerdynamics.analytics.stats import *  # noqa: F403
from powerdynamics.analytics.stats import (  # noqa: F401
    GROUP_SHARE,
    AssignmentAnalysis,
    CategoryStats,
    Confusion,
    Item,
    ItemStats,
    SourceItem,
    StudentStats,
    Submission,
    analyse,
    confusion_matrix,
    discrimination,
    group_size,
    group_weights,
    literal_assignment,
    parse_source_notebook,
    revise_flags,
)
