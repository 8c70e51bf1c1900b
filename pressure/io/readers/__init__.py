"""One reader per file format, behind ``pressure.io.load.load``.

A reader is a module with

* ``NAME``: the format's short name (``Session.format``);
* ``DESCRIPTION``: one line for people (what the files are, which suffixes);
* ``SUFFIXES``: the suffixes its files usually have — a hint only, used when the content is
  recognised by no reader, to let the likely reader say precisely what is wrong;
* ``detect(path, head) -> bool``: whether ``path`` is this format's **primary file**, decided
  by its content: ``head`` is the file's first ``HEAD_BYTES`` bytes. A record made of several
  files (WFDB ``X.hea`` + ``X.let`` + ``X.rit``) is detected on one of them only, so a folder
  scan counts each record once;
* ``primary_file(path) -> Path | None``: for another part of a multi-file record, or a record
  name without suffix (``path`` need not exist), the primary file; None otherwise;
* ``read(path) -> Session``: the session, raising ``FileFormatError`` with the line or byte
  offset where damaged input starts. ``read`` accepts whatever ``primary_file`` maps.

Adding a format is adding a module and naming it in ``readers()``. Readers import pandas,
wfdb and the like inside ``read`` so that importing this package stays fast.

Metadata conventions shared by the readers: ``metadata["source"]`` credits the data set (name,
authors, license) where there is one; ``metadata["record"]`` names the record;
``metadata["subject"]`` holds subject fields with units in their names (``subject_id``,
``group``, ``sex``, ``age_yr``, ``height_m``, ``body_mass_kg``, ``gait_speed_m_s``; None
where the source says the value is missing).

This module also holds the small helpers the text readers share: reading lines with their
line numbers, splitting them into a fixed number of fields, and converting fields to numbers
with the first bad cell reported by line and column.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from ...errors import FileFormatError
from ...model import FloatArray, Session

HEAD_BYTES = 64 * 1024


class Reader(Protocol):
    """What ``load`` needs from a reader module (see the module docstring)."""

    # read-only, so that a module's constants (inferred as exact tuple types) satisfy them
    @property
    def NAME(self) -> str: ...

    @property
    def DESCRIPTION(self) -> str: ...

    @property
    def SUFFIXES(self) -> tuple[str, ...]: ...

    def detect(self, path: Path, head: bytes) -> bool: ...

    def primary_file(self, path: Path) -> Path | None: ...

    def read(self, path: Path) -> Session: ...


@functools.cache
def readers() -> tuple[Reader, ...]:
    """The registered readers, in the order ``load`` asks them: the most specific content
    checks first, the project's own line-mode text (any lines of integers) last."""
    from . import (
        emed,
        footscan,
        fscan,
        gaitndd,
        gaitpdb,
        generic_csv,
        insole,
        iscan,
        moticon,
        pedar,
        pliance,
        stappone,
        xsensor,
    )

    registered: list[Reader] = [
        gaitndd,
        gaitpdb,
        moticon,
        pedar,
        pliance,
        emed,
        fscan,
        iscan,
        xsensor,
        stappone,
        footscan,
        generic_csv,
        insole,
    ]
    return tuple(registered)


def reader_by_name(name: str) -> Reader:
    for reader in readers():
        if name == reader.NAME:
            return reader
    raise KeyError(f"no reader named {name!r}; known: {', '.join(r.NAME for r in readers())}")


# --- helpers for the readers ---------------------------------------------------------------


def read_head(path: Path, size: int = HEAD_BYTES) -> bytes:
    """The first ``size`` bytes of a file (b"" when it cannot be read: detection only)."""
    try:
        with path.open("rb") as f:
            return f.read(size)
    except OSError:
        return b""


def head_lines(head: bytes, limit: int = 20) -> list[str]:
    """Up to ``limit`` complete lines of ``head`` as text (latin-1, so any bytes decode), line
    ends stripped; the last, possibly cut, line is left out unless ``head`` is the whole
    file (a short file without a final newline)."""
    lines = head.decode("latin-1").split("\n", limit)  # the rest of the head stays one string
    if len(lines) > limit:  # ``limit`` complete lines, then the rest
        lines = lines[:limit]
    elif len(head) >= HEAD_BYTES or lines[-1] == "":
        lines = lines[:-1]
    return [line.rstrip("\r") for line in lines]


@dataclass
class TextLines:
    """A text file's lines (line ends stripped) and whether its last line was complete."""

    path: Path
    lines: list[str]
    ends_with_newline: bool

    def line_no(self, index: int) -> int:
        """1-based line number of ``lines[index]``."""
        return index + 1


def read_bytes(path: Path, *, text: bool = True) -> bytes:
    """A file's bytes. FileFormatError for a missing, unreadable or empty file, and, when it
    should be ``text``, for one holding NUL bytes (binary data: the offset of the first)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise FileFormatError(path, "no such file") from None
    except IsADirectoryError:
        raise FileFormatError(path, "is a directory, not a file") from None
    except OSError as exc:
        raise FileFormatError(path, f"cannot be read: {exc.strerror or exc}") from None
    if not data:
        raise FileFormatError(path, "the file is empty")
    if text and b"\x00" in data:  # text never holds NUL; decoding would not notice
        raise FileFormatError(path, "binary data in a text file", offset=data.index(b"\x00"))
    return data


def read_text_lines(path: Path, encoding: str = "utf-8") -> TextLines:
    """Read a whole text file. Raises FileFormatError for a missing, unreadable, empty or
    wrongly encoded file (with the byte offset of the first bad byte)."""
    data = read_bytes(path)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise FileFormatError(path, f"not {encoding} text", offset=exc.start) from None
    lines = text.split("\n")
    ends = lines[-1] == ""
    if ends:
        lines.pop()
    return TextLines(path, [line.rstrip("\r") for line in lines], ends)


def split_rows(
    text: TextLines,
    start: int,
    n_fields: int,
    sep: str | None = "\t",
    what: str = "row",
) -> tuple[list[list[str]], list[int]]:
    """Split ``text.lines[start:]`` into exactly ``n_fields`` fields each (blank lines are
    skipped). Returns the rows and their 1-based line numbers; raises FileFormatError at the
    first row with another number of fields."""
    rows: list[list[str]] = []
    numbers: list[int] = []
    last = len(text.lines) - 1
    for index in range(start, len(text.lines)):
        line = text.lines[index]
        if not line.strip():
            continue
        fields = line.split(sep)
        if len(fields) != n_fields:
            hint = ""
            if index == last and not text.ends_with_newline:
                hint = " (the file ends inside this line: it is probably truncated)"
            raise FileFormatError(
                text.path,
                f"{what} has {len(fields)} fields, expected {n_fields}{hint}",
                line=text.line_no(index),
            )
        rows.append(fields)
        numbers.append(text.line_no(index))
    return rows, numbers


def to_numbers(
    path: Path,
    rows: Sequence[Sequence[str]],
    line_numbers: Sequence[int],
    names: Sequence[str],
    *,
    allow_empty: bool = False,
) -> FloatArray:
    """Convert rows of text cells to a float array, shape (rows, len(names)).

    Every cell must be a finite number; with ``allow_empty`` an empty cell becomes NaN. The
    first bad cell raises FileFormatError naming its line and column (``names``)."""
    if not rows:
        return np.zeros((0, len(names)))
    cells = np.array(rows, dtype=str)
    empty = cells == ""
    if allow_empty:
        cells[empty] = "nan"
    try:
        values = cells.astype(np.float64)
    except ValueError:
        values = None  # find the culprit below, cell by cell
    if values is not None:
        bad = ~np.isfinite(values) & ~(empty & allow_empty)
        if not bad.any():
            return values
        i, j = (int(k[0]) for k in np.nonzero(bad))
        raise FileFormatError(
            path, f"{names[j]}: {rows[i][j]!r} is not a finite number", line=line_numbers[i]
        )
    for i, row in enumerate(rows):
        for j, cell in enumerate(row):
            if allow_empty and cell == "":
                continue
            try:
                number = float(cell)
            except ValueError:
                number = float("nan")
            if not np.isfinite(number):
                raise FileFormatError(
                    path, f"{names[j]}: {cell!r} is not a number", line=line_numbers[i]
                )
    # numpy refused a cell that Python's float takes (e.g. surrounding spaces): use Python's
    return np.array(
        [[float("nan") if c == "" else float(c) for c in row] for row in rows], dtype=np.float64
    )


def check_increasing(
    path: Path, time_s: FloatArray, line_numbers: Sequence[int], what: str = "time"
) -> None:
    """Raise FileFormatError at the first sample whose time does not increase."""
    steps = np.diff(time_s)
    if steps.size and not np.all(steps > 0):
        k = int(np.argmax(~(steps > 0))) + 1
        raise FileFormatError(
            path,
            f"{what} does not increase ({time_s[k - 1]:g} s, then {time_s[k]:g} s)",
            line=line_numbers[k],
        )


def sampling_rate_hz(time_s: FloatArray, nominal_hz: float | None = None) -> float | None:
    """1 / the median sampling period, snapped to the nominal rate (or, without one, to a
    whole number of Hz) when within 0.1 % of it: times printed with few decimals put the
    median period a little off. The nominal rate (or None) for fewer than two samples."""
    if time_s.size < 2:
        return nominal_hz
    period = float(np.median(np.diff(time_s)))
    if not period > 0:
        return nominal_hz
    rate = 1.0 / period
    target = float(round(rate)) if nominal_hz is None else float(nominal_hz)
    if target > 0 and abs(rate - target) <= 1e-3 * target:
        return target
    return rate


__all__ = [
    "HEAD_BYTES",
    "Reader",
    "TextLines",
    "check_increasing",
    "head_lines",
    "read_bytes",
    "read_head",
    "read_text_lines",
    "reader_by_name",
    "readers",
    "sampling_rate_hz",
    "split_rows",
    "to_numbers",
]
