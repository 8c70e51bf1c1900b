"""pressure: the open plantar-pressure insole analyzer.

The wire format lives in the sibling package ``firmware_protocol``; this package reads devices
and files, and analyses what they hold::

    import pressure

    session = pressure.load("walk.insole")  # any format it reads -> Session
    result = pressure.analyze(session)  # -> Analysis: .summary (JSON), .steps, .cop, ...
    pressure.write_report(session, "walk.html", analysis=result)  # or .pdf
    pressure.run_batch("recordings/", "tables/")  # every session under a folder

Files and sessions: ``load``, ``Session``, ``FootRecording``, ``SensorLayout``,
``grid_layout``, ``read_layout``, ``write_layout``. Calibration (each returns a new session):
``tare``, ``apply_gain``, ``apply_curve``, ``scale_to_body_weight``, ``with_layout``.
Analysis: ``analyze``, ``AnalysisOptions``, ``Analysis``; reports and batches:
``write_report``, ``run_batch``, ``BatchResult``. Errors: ``PressureError`` (the root),
``FileFormatError``, ``DeviceError``. Units are in the names (``time_s``, ``force_n``,
``pressure_kpa``, ``cop_ml_mm``). The command line is ``pressure --help``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._version import __version__
from .errors import DeviceError, FileFormatError, OutputError, PressureError, UsageError

if TYPE_CHECKING:
    from .analysis import Analysis, AnalysisOptions, analyze
    from .batch import BatchResult, run_batch
    from .calibration import apply_curve, apply_gain, scale_to_body_weight, tare, with_layout
    from .io.layout_file import read_layout, write_layout
    from .io.load import load
    from .io.source import SessionSource, open_source
    from .layout import SensorLayout, grid_layout
    from .model import FootRecording, Session
    from .report import write_report

__all__ = [
    "Analysis",
    "AnalysisOptions",
    "BatchResult",
    "DeviceError",
    "FileFormatError",
    "FootRecording",
    "OutputError",
    "PressureError",
    "SensorLayout",
    "Session",
    "SessionSource",
    "UsageError",
    "__version__",
    "analyze",
    "apply_curve",
    "apply_gain",
    "grid_layout",
    "load",
    "open_source",
    "read_layout",
    "run_batch",
    "scale_to_body_weight",
    "tare",
    "with_layout",
    "write_layout",
    "write_report",
]

# name -> module that defines it (relative to this package)
_LAZY = {
    "load": ".io.load",
    "open_source": ".io.source",
    "SessionSource": ".io.source",
    "Session": ".model",
    "FootRecording": ".model",
    "analyze": ".analysis",
    "Analysis": ".analysis",
    "AnalysisOptions": ".analysis",
    "tare": ".calibration",
    "apply_gain": ".calibration",
    "apply_curve": ".calibration",
    "scale_to_body_weight": ".calibration",
    "with_layout": ".calibration",
    "read_layout": ".io.layout_file",
    "write_layout": ".io.layout_file",
    "SensorLayout": ".layout",
    "grid_layout": ".layout",
    "run_batch": ".batch",
    "BatchResult": ".batch",
    "write_report": ".report",
}


def __getattr__(name: str) -> Any:
    """The public name ``name``, its module imported on first use (PEP 562)."""
    # so that `pressure --help` does not pay for numpy and the readers
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module 'pressure' has no attribute {name!r}")


def __dir__() -> list[str]:
    """This module's names and the public ones imported on first use (PEP 562)."""
    # so that tab completion and dir() show them, without importing them
    return sorted(set(globals()) | set(__all__))
