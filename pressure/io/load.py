"""``load(path)``: any file format this package reads, as a ``Session``.

One detection for every command (``identify``): the content decides (each reader's ``detect``
sees the first 64 KiB); a part of a multi-file record (a WFDB ``.let``, ``.rit`` or ``.ts``) or
a record name without suffix stands for the whole record. When no reader takes the file, the
message is the same whichever command asked (``info``, ``analyze``, ``convert``, ``batch``),
and short:

* the closest format and what is missing, when a reader says the file is nearly its format
  (its optional ``near``, see ``pressure.io.readers``): ``looks like a Moticon OpenGo export,
  but its columns are comma-separated (expected tab-separated)``. When several readers say so,
  the first in ``readers()`` order is the closest: that order puts the most specific
  signatures first (a vendor's header fields before a generic table's column names, and line
  mode, which any lines of numbers resemble, last), so the first near miss is the one whose
  evidence is the most particular;
* else, when exactly one reader takes files with this suffix, that reader's own complaint
  (with the line or byte offset where the file stops being that format);
* else what the file looks like (``binary data``, ``text starting '...'``) and where the
  formats are listed, not the list.

The readers live in ``pressure.io.readers``; adding a format is adding one module there.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt

from ..errors import FileFormatError
from ..model import PHYSICAL_RANGE, UNIT_TEXT, FloatArray, Session
from .readers import Reader, near_of, primary_of, readers
from .text import HEAD_BYTES

#: where the formats are listed, for a message about a file of none of them
FORMATS_DOC = "the README's 'File formats' lists the formats this program reads"


def known_formats() -> list[tuple[str, str]]:
    """(name, description) of every format ``load`` reads, in the order it tries them."""
    return [(r.NAME, r.DESCRIPTION) for r in readers()]


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as f:
            return f.read(HEAD_BYTES)
    except OSError as exc:
        raise FileFormatError(path, f"cannot be read: {exc.strerror or exc}") from None


def _by_content(path: Path, head: bytes) -> Reader | None:
    return next((r for r in readers() if r.detect(path, head)), None)


def detect_format(path: str | os.PathLike[str]) -> str | None:
    """The format whose primary file ``path`` is, by content, or None. Parts of a multi-file
    record other than its primary file give None, so a folder scan counts each record once."""
    path = Path(path)
    if not path.is_file():
        return None
    try:
        head = _head(path)
    except FileFormatError:
        return None
    found = _by_content(path, head) if head else None
    return None if found is None else found.NAME


def format_of(path: str | os.PathLike[str]) -> str | None:
    """The format ``load(path)`` reads ``path`` as, by content: ``detect_format``, or for
    another part of a multi-file record (the right-foot file of an F-Scan pair, a WFDB
    signal file) the format of its primary file; None when no reader takes it."""
    found = detect_format(path)
    if found is not None:
        return found
    for reader in readers():
        primary = primary_of(reader, Path(path))
        if primary is not None and detect_format(primary) == reader.NAME:
            return reader.NAME
    return None


def near_miss(path: Path, head: bytes) -> tuple[Reader, str] | None:
    """The closest format of a file no reader detects, and what it lacks: the first reader in
    ``readers()`` order whose ``near`` answers (module docstring), with its answer. Readers
    without ``near`` are passed over."""
    for reader in readers():
        near = near_of(reader)
        if near is None:
            continue
        said = near(path, head)
        if said:
            return reader, said
    return None


How = Literal["content", "record", "suffix"]


@dataclass(frozen=True)
class Detection:
    """What ``identify`` found a path to be.

    Attributes
    ----------
    path : Path
        The path asked about.
    reader : Reader or None
        The reader that reads it; None when no reader takes it.
    how : str or None
        Why that reader: ``"content"`` (its ``detect`` recognised the file), ``"record"`` (the
        path is a part, or the name, of a multi-file record of that reader), ``"suffix"`` (no
        reader recognised the content, and this is the one reader of files with this suffix:
        its ``read`` says what is wrong); None without a reader.
    problem : str or None
        Without a reader, why (the message every command prints after the path).
    offset : int or None
        Without a reader, the byte offset the problem is at, where there is one (0: the file
        as a whole is of no known format).
    closest : str or None
        The name of the closest format when a reader said the file is nearly its format
        (``near``); None otherwise.
    """

    path: Path
    reader: Reader | None
    how: How | None = None
    problem: str | None = None
    offset: int | None = None
    closest: str | None = None

    @property
    def format(self) -> str | None:
        """The format the file is read as, or None."""
        return None if self.reader is None else self.reader.NAME

    def error(self) -> FileFormatError:
        """The error ``load`` raises for a path no reader takes."""
        return FileFormatError(self.path, self.problem or "not read", offset=self.offset)


def identify(path: str | os.PathLike[str]) -> Detection:
    """How ``load`` reads ``path``, or why it cannot: the one detection every command uses.

    Parameters
    ----------
    path : str or path
        A file, a part of a multi-file record, or a record name without suffix.

    Returns
    -------
    Detection
        The reader (and why that one), or the message saying why none reads it: missing, a
        folder, unreadable, empty, nearly a known format (the closest one and what is
        missing), or of no known format (what it looks like).
    """
    path = Path(path)
    if path.is_dir():
        return Detection(
            path, None, problem="is a folder; give one file (`pressure batch` takes a folder)"
        )
    if not path.exists():
        for reader in readers():
            if primary_of(reader, path) is not None:  # a record name without its suffix
                return Detection(path, reader, "record")
        return Detection(path, None, problem="no such file")
    try:
        head = _head(path)
    except FileFormatError as exc:
        return Detection(path, None, problem=exc.detail)
    if not head:
        return Detection(path, None, problem="the file is empty (0 bytes)")
    found = _by_content(path, head)
    if found is not None:
        return Detection(path, found, "content")
    for reader in readers():
        if primary_of(reader, path) is not None:
            return Detection(path, reader, "record")
    near = near_miss(path, head)
    if near is not None:
        reader, said = near
        return Detection(path, None, problem=f"looks like {said}", closest=reader.NAME)
    suffix = path.suffix.lower()
    hinted = [r for r in readers() if suffix in r.SUFFIXES]
    if len(hinted) == 1:  # let the one candidate say what is wrong, with line or offset
        return Detection(path, hinted[0], "suffix")
    return Detection(
        path,
        None,
        problem=f"not a format this program reads: {_describe(head)} ({FORMATS_DOC})",
        offset=0,
    )


def _describe(head: bytes) -> str:
    """A few words on what the file looks like, for the error message."""
    if b"\x00" in head or sum(b < 9 or 13 < b < 32 for b in head[:4096]) > 8:
        return "binary data"
    first = head.split(b"\n", 1)[0].rstrip(b"\r").decode("utf-8", "replace")
    return f"text starting {first[:60]!r}"


def load(path: str | os.PathLike[str]) -> Session:
    """Read a session file of any format this package reads.

    The content decides which reader reads it (``identify``; module docstring); the suffix is
    only a hint.

    Parameters
    ----------
    path : str or path
        The file (or any part of a multi-file record, or a record name without suffix).

    Returns
    -------
    Session
        Both feet's samples (time in s, each sensor's values in the file's unit: kPa, N/cm²,
        N, ADC counts or raw numbers), the sensor layout where known, and what the file says
        (metadata, vendor events, the reader's quality counts).

    Raises
    ------
    FileFormatError
        Naming the file when it is missing, empty, a folder or of no format read here (with
        the closest format and what the file lacks, when a reader says it is nearly its
        format), and, from the readers, with the line or byte offset where damaged input
        starts.
    """
    found = identify(path)
    if found.reader is None:
        raise found.error()
    return within_physical_range(found.reader.read(found.path))


def within_physical_range(session: Session) -> Session:
    """The session with every sensor value outside ``PHYSICAL_RANGE`` for its unit, or infinite
    (any unit), left out (NaN, as a value not measured), counted in ``quality``
    (``values_out_of_range``) and named in ``problems`` with the first one's time; the session
    itself when every value is in range.

    Parameters
    ----------
    session : Session
        A session as a reader gave it.

    Returns
    -------
    Session
        The checked session.
    """
    feet = dict(session.feet)
    found: dict[str, OutOfRange] = {}
    for side, foot in session.feet.items():
        values = np.asarray(foot.values, dtype=np.float64)
        bad = out_of_range(values, foot.unit)
        first = OutOfRange.first(bad, values)
        if first is None:
            continue
        found[side] = dataclasses.replace(first, time_s=float(foot.time_s[first.frame]))
        feet[side] = dataclasses.replace(foot, values=np.where(bad, np.nan, values))
    if not found:
        return session
    units = {side: foot.unit for side, foot in session.feet.items()}
    quality, problems = range_report(session.quality, session.problems, found, units)
    return dataclasses.replace(
        session,
        left=feet.get("left"),
        right=feet.get("right"),
        quality=quality,
        problems=problems,
    )


def out_of_range(values: FloatArray, unit: str) -> npt.NDArray[np.bool_]:
    """Which ``values`` (in ``unit``) are outside ``PHYSICAL_RANGE`` or infinite
    (``within_physical_range``)."""
    low, high = PHYSICAL_RANGE.get(unit, (-np.inf, np.inf))
    with np.errstate(invalid="ignore"):
        return np.isinf(values) | (values < low) | (values > high)


@dataclass(frozen=True)
class OutOfRange:
    """A foot's values out of range (``within_physical_range``): how many, and the first
    (by frame, then sensor): its frame, sensor (0-based), value and time."""

    count: int
    frame: int
    sensor: int
    value: float
    time_s: float = 0.0

    @classmethod
    def first(
        cls, bad: npt.NDArray[np.bool_], values: FloatArray, frame0: int = 0
    ) -> OutOfRange | None:
        """The count and first of ``bad`` (frames × sensors) in ``values``, whose first row
        is frame ``frame0``; None when none is bad."""
        count = int(np.count_nonzero(bad))
        if not count:
            return None
        frame, sensor = (int(k) for k in np.argwhere(bad)[0])
        return cls(count, frame0 + frame, sensor, float(values[frame, sensor]))

    def __add__(self, later: OutOfRange) -> OutOfRange:
        """This foot's values out of range and those of frames after them."""
        return dataclasses.replace(self, count=self.count + later.count)


def range_report(
    quality: dict[str, int],
    problems: list[str],
    found: Mapping[str, OutOfRange],
    units: Mapping[str, str],
) -> tuple[dict[str, int], list[str]]:
    """``quality`` and ``problems`` with the values out of range ``found`` per side (their
    ``units``): ``values_out_of_range`` and one problem a foot (``within_physical_range``)."""
    problems = list(problems)
    for side, bad in found.items():
        unit = UNIT_TEXT[units[side]]
        low, high = PHYSICAL_RANGE.get(units[side], (-np.inf, np.inf))
        bounds = "" if not np.isfinite(high) else f" ({low:g} to {high:g} {unit})"
        problems.append(
            f"{side} foot: {bad.count} value{'s' if bad.count > 1 else ''} outside what a sensor "
            f"measures{bounds} left out, the first {bad.value:g} {unit} "
            f"(sensor {bad.sensor + 1} at {bad.time_s:.3f} s)"
        )
    total = sum(bad.count for bad in found.values())
    return {**quality, "values_out_of_range": total}, problems


__all__ = [
    "Detection",
    "OutOfRange",
    "detect_format",
    "format_of",
    "identify",
    "known_formats",
    "load",
    "near_miss",
    "out_of_range",
    "range_report",
    "within_physical_range",
]
