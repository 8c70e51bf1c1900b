"""pressure: the open plantar-pressure insole analyzer.

The wire format lives in the sibling package ``firmware_protocol``; this package reads devices
and files, and analyses what they hold.
"""

from __future__ import annotations

__version__ = "0.1.0"

from typing import TYPE_CHECKING, Any

from .errors import DeviceError, FileFormatError, OutputError, PressureError, UsageError

if TYPE_CHECKING:
    from .analysis import Analysis, AnalysisOptions, analyze
    from .batch import BatchResult, run_batch
    from .calibration import apply_curve, apply_gain, scale_to_body_weight, tare, with_layout
    from .io.layout_file import read_layout, write_layout
    from .io.load import load
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
    "UsageError",
    "__version__",
    "analyze",
    "apply_curve",
    "apply_gain",
    "grid_layout",
    "load",
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
    # imported on first use, so `pressure --help` does not pay for numpy and the readers
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module 'pressure' has no attribute {name!r}")
