"""One exception root for the package; one class per failure phase.

Errors of the wire layer (``firmware_protocol.ProtocolError``) are wrapped at the boundary into
these, with the file named. The command line prints ``str(error)`` as one line and exits with
the status of its class (``pressure.cli.EXIT_CODES``).
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


class UsageError(PressureError, ValueError):
    """Arguments that cannot be used as given, found after parsing them: options that do not
    go together, an output suffix no writer takes, an output that exists when replacing it was
    not asked for."""


class OutputError(PressureError):
    """A file (or folder) this program writes that cannot be written: no permission, a full
    disk, a folder in the way. The message names the file and the system's reason.

    Parameters
    ----------
    path : str or Path
        The file that cannot be written (kept as ``self.path``).
    detail : str
        Why, in the system's words where it gave some (``self.detail``).
    """

    def __init__(self, path: str | Path, detail: str) -> None:
        self.path = Path(path)
        self.detail = detail
        super().__init__(f"{self.path}: {detail}")
