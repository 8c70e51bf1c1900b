"""pressure: the open plantar-pressure insole analyzer.

The wire format lives in the sibling package ``firmware_protocol``; this package reads devices
and files, and analyses what they hold.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .errors import DeviceError, FileFormatError, PressureError

__all__ = ["DeviceError", "FileFormatError", "PressureError", "__version__"]
