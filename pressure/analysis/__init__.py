"""Analyses of a ``Session``: centre of pressure, gait events and steps, load distribution,
pronation indicators, standing balance and data quality (see ``analyze``; its result's
sections are the dataclasses of ``results``)."""

from .analyze import STABLE_KEYS, Analysis, AnalysisOptions, analyze
from .events import EventOptions, FootEvents, detect_events
from .results import (
    Balance,
    Distribution,
    Gait,
    Indicator,
    PerSide,
    Pronation,
    Quality,
    Sway,
)
from .steps import STEP_COLUMNS, load_columns, step_columns


def preload() -> None:
    """Import the parts of scipy the analysis uses. They are imported on first use, so that
    ``import pressure`` stays quick; a batch calls this before forking its workers, which
    would otherwise each import them again (about half a second)."""
    import scipy.ndimage
    import scipy.signal
    import scipy.stats  # noqa: F401


__all__ = [
    "STABLE_KEYS",
    "STEP_COLUMNS",
    "Analysis",
    "AnalysisOptions",
    "Balance",
    "Distribution",
    "EventOptions",
    "FootEvents",
    "Gait",
    "Indicator",
    "PerSide",
    "Pronation",
    "Quality",
    "Sway",
    "analyze",
    "detect_events",
    "load_columns",
    "preload",
    "step_columns",
]
