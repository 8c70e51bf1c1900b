"""Analyses of a ``Session``: centre of pressure, gait events and steps, load distribution,
pronation indicators, standing balance and data quality (see ``analyze``)."""

from .analyze import STABLE_KEYS, Analysis, AnalysisOptions, analyze
from .events import EventOptions, FootEvents, detect_events
from .steps import STEP_COLUMNS

__all__ = [
    "STABLE_KEYS",
    "STEP_COLUMNS",
    "Analysis",
    "AnalysisOptions",
    "EventOptions",
    "FootEvents",
    "analyze",
    "detect_events",
]
