"""One exception root for the package; one class per failure phase.

Errors of the wire layer (``firmware_protocol.ProtocolError``) are wrapped at the boundary into
these, with the file named. The command line prints ``str(error)`` as one line and exits 1.
"""

from __future__ import annotations

from pathlib import Path


class PressureError(Exception):
    """Root of every error this package raises on purpose."""


class FileFormatError(PressureError, ValueError):
    """A file that cannot be read as what it was taken for.

    The message names the file, the byte offset or line where the problem starts (when known),
    and what was expected: ``"<path>: line <line>: <detail>"``.

    Parameters
    ----------
    path : str or Path
        The file (kept as ``self.path``).
    detail : str
        What is wrong and, where it helps, what to do (``self.detail``).
    offset : int, optional
        Byte offset from the start of the file where the problem starts (``self.offset``).
    line : int, optional
        Line number, from 1, where the problem starts (``self.line``; shown instead of the
        offset when both are given).
    """

    def __init__(
        self,
        path: str | Path,
        detail: str,
        *,
        offset: int | None = None,
        line: int | None = None,
    ) -> None:
        self.path = Path(path)
        self.detail = detail
        self.offset = offset
        self.line = line
        where = ""
        if line is not None:
            where = f" line {line}:"
        elif offset is not None:
            where = f" byte offset {offset}:"
        super().__init__(f"{self.path}:{where} {detail}")


class AnalysisError(PressureError, ValueError):
    """An analysis asked of a session what it cannot give, such as a time window outside the
    recording. The message names the file and the recording's extent."""


class DeviceError(PressureError):
    """A serial device that cannot be opened, answers wrongly or went away."""
