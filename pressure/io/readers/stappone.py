"""stappone insole export (.csv). (Being written for issue 5; registered so that the reader order is fixed.)"""

from __future__ import annotations

from pathlib import Path

from ...errors import FileFormatError
from ...model import Session

NAME = "stappone"
DESCRIPTION = "stappone insole export (.csv)"
SUFFIXES = (".csv",)


def detect(path: Path, head: bytes) -> bool:
    return False


def primary_file(path: Path) -> Path | None:
    return None


def read(path: Path) -> Session:
    raise FileFormatError(path, "the stappone reader is not written yet")
