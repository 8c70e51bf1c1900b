"""Novel emed platform export (.lst). (Being written for issue 5; registered so that the reader order is fixed.)"""

from __future__ import annotations

from pathlib import Path

from ...errors import FileFormatError
from ...model import Session

NAME = "emed"
DESCRIPTION = "Novel emed platform export (.lst)"
SUFFIXES = (".lst",)


def detect(path: Path, head: bytes) -> bool:
    return False


def primary_file(path: Path) -> Path | None:
    return None


def read(path: Path) -> Session:
    raise FileFormatError(path, "the emed reader is not written yet")
