"""pressure: the open plantar-pressure insole analyzer.

The wire format lives in the sibling package ``firmware_protocol``; this package reads devices
and files, and analyses what they hold.
"""

from __future__ import annotations

__version__ = "0.1.0"

from typing import TYPE_CHECKING, Any

from .errors import DeviceError, FileFormatError, PressureError

if TYPE_CHECKING:
    from .io.load import load
    from .model import FootRecording, Session

__all__ = [
    "DeviceError",
    "FileFormatError",
    "FootRecording",
    "PressureError",
    "Session",
    "__version__",
    "load",
]


def __getattr__(name: str) -> Any:
    # imported on first use, so `pressure --help` does not pay for numpy and the readers
    if name == "load":
        from .io.load import load

        return load
    if name in ("Session", "FootRecording"):
        from . import model

        return getattr(model, name)
    raise AttributeError(f"module 'pressure' has no attribute {name!r}")
