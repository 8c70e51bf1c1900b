"""Text helpers the file readers share (a leaf module: it imports nothing of the package but
``errors`` and ``model``): the head of a file, its lines with their numbers, rows split into a
fixed number of fields, cells converted to numbers with the first bad cell reported by line and
column, checks on a time column; a file header's ``key: value`` fields (``Header``), the units
files write (``PRESSURE_UNITS``, ``LENGTH_MM``), and where a format's geometry files are
(``geometry_folder``).

**Byte-order mark.** Windows programs (Excel's "CSV UTF-8", Notepad) start a text file with a
UTF-8 byte-order mark (``EF BB BF``). It is not part of the text, so the one place that hands
a file's text to a reader drops it: ``read_bytes`` (and ``read_text_lines``, which uses it)
return the bytes after the mark, and ``head_lines`` (what ``detect`` looks at) leaves it out
of the first line. Every text reader therefore reads a file with a mark as the same file
without one. Line numbers are unchanged; a byte offset in a message then counts from after
the mark (the offsets of NUL bytes, which ``read_bytes`` reports, count from the file's
start)."""

from __future__ import annotations

import io
import math
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import FileFormatError
from ..model import FloatArray

HEAD_BYTES = 64 * 1024
#: the UTF-8 byte-order mark (module docstring)
UTF8_BOM = b"\xef\xbb\xbf"


def without_bom(data: bytes) -> bytes:
    """``data`` without a UTF-8 byte-order mark at its start (module docstring)."""
    return data[len(UTF8_BOM) :] if data.startswith(UTF8_BOM) else data


def read_head(path: Path, size: int = HEAD_BYTES) -> bytes:
    """The first ``size`` bytes of a file (b"" when it cannot be read: detection only)."""
    try:
        with path.open("rb") as f:
            return f.read(size)
    except OSError:
        return b""


def head_lines(head: bytes, limit: int = 20) -> list[str]:
    """Up to ``limit`` complete lines of ``head`` as text (latin-1, so any bytes decode), line
    ends stripped, without a byte-order mark (module docstring); the last, possibly cut, line
    is left out unless ``head`` is the whole file (a short file without a final newline)."""
    # the rest of the head stays one string
    lines = without_bom(head).decode("latin-1").split("\n", limit)
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
    """A file's bytes after a UTF-8 byte-order mark, if it starts with one (module docstring).
    FileFormatError for a missing, unreadable or empty file, and, when it should be ``text``,
    for one holding NUL bytes (binary data: the offset of the first)."""
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
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM) :]
        if not data:
            raise FileFormatError(path, "the file is empty (only a byte-order mark)")
    return data


def utf8_or_cp1252(data: bytes) -> str:
    """UTF-8, or Windows-1252 for text that is not UTF-8 (an export from a Windows code page,
    a spreadsheet's "CSV" on Windows: ``N/cm²`` with ``²`` as the single byte B2)."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def read_text_lines(path: Path, encoding: str | None = "utf-8") -> TextLines:
    """Read a whole text file (without a byte-order mark: module docstring) in ``encoding``
    (None: ``utf8_or_cp1252``). Raises FileFormatError for a missing, unreadable, empty or
    wrongly encoded file (with the byte offset of the first bad byte)."""
    data = read_bytes(path)
    encoding = encoding or utf8_or_cp1252(data)
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


def decoded_lines(path: Path, data: bytes, encoding: str = "utf-8") -> Iterator[str]:
    """The lines of ``data`` as ``read_text_lines`` gives them, decoded one at a time as they
    are asked for; FileFormatError at the offset of the first byte that is not ``encoding``."""
    pos = 0
    for raw in io.BytesIO(data):
        try:
            line = raw.decode(encoding)
        except UnicodeDecodeError as exc:
            raise FileFormatError(path, f"not {encoding} text", offset=pos + exc.start) from None
        yield line.rstrip("\r\n")
        pos += len(raw)


# --- headers, units, geometry files ---------------------------------------------------------

#: Pressure and force units as files write them (lower case, spaces removed) → (our unit,
#: factor): a value in the file × factor = the value in our unit (``pressure.model.UNITS``).
#: Factors: 1 mmHg = 133.322387415 Pa, 1 psi = 6.894757 kPa, 1 kgf = 9.80665 N (standard
#: gravity), 1 lbf = 4.4482216152605 N (NIST SP 811, appendix B).
PRESSURE_UNITS: dict[str, tuple[str, float]] = {
    "kpa": ("kpa", 1.0),
    "mpa": ("kpa", 1000.0),
    "pa": ("kpa", 1e-3),
    "psi": ("kpa", 6.894757),
    "mmhg": ("kpa", 0.133322387415),
    "bar": ("kpa", 100.0),
    "kg/cm2": ("kpa", 98.0665),
    "kg/cm^2": ("kpa", 98.0665),
    "kgf/cm2": ("kpa", 98.0665),
    "g/cm2": ("kpa", 0.0980665),
    "n/cm2": ("n_cm2", 1.0),
    "n/cm²": ("n_cm2", 1.0),
    "n/cm^2": ("n_cm2", 1.0),
    "n/mm2": ("kpa", 1000.0),
    "n": ("n", 1.0),
    "newtons": ("n", 1.0),
    "lbf": ("n", 4.4482216152605),
    "lbs": ("n", 4.4482216152605),
    "lb": ("n", 4.4482216152605),
    "kg": ("n", 9.80665),
    "kgf": ("n", 9.80665),
    "raw": ("raw", 1.0),
}

#: Length units → mm.
LENGTH_MM: dict[str, float] = {
    "mm": 1.0,
    "millimeters": 1.0,
    "millimetres": 1.0,
    "cm": 10.0,
    "centimeters": 10.0,
    "centimetres": 10.0,
    "in": 25.4,
    "inch": 25.4,
    "inches": 25.4,
    "m": 1000.0,
    "meters": 1000.0,
    "metres": 1000.0,
}


def unit_and_factor(text: str) -> tuple[str, float] | None:
    """(our unit, factor) for a unit as a file writes it (``PRESSURE_UNITS``), or None."""
    return PRESSURE_UNITS.get(re.sub(r"\s+", "", text).lower())


_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")


@dataclass
class Header:
    """A file header's fields: ``fields[key]`` the value text as written (stripped), and
    ``lines[key]`` its 1-based line, so that a bad or missing value is reported where it is.
    ``line`` is where the header starts (for a missing field)."""

    path: Path
    fields: dict[str, str] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    line: int | None = None

    def add(self, key: str, value: str, line: int) -> None:
        """Record a field (a key seen twice keeps its first value)."""
        if key not in self.fields:
            self.fields[key] = value.strip()
            self.lines[key] = line

    def __contains__(self, key: object) -> bool:
        return key in self.fields

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.fields.get(key, default)

    def error(self, key: str, problem: str) -> FileFormatError:
        """A FileFormatError at ``key``'s line (the header's, when the key is missing)."""
        return FileFormatError(self.path, problem, line=self.lines.get(key, self.line))

    def require(self, key: str, what: str | None = None) -> str:
        """The value of ``key``; FileFormatError when the header has no such field."""
        if key not in self.fields:
            raise self.error(key, f"no {what or repr(key)} field in the header")
        return self.fields[key]

    def number(
        self,
        key: str,
        *,
        required: bool = False,
        positive: bool = False,
        integer: bool = False,
        what: str | None = None,
    ) -> float | None:
        """The number at the start of ``key``'s value (``12.5 ms`` → 12.5): None when the key
        is missing (FileFormatError when ``required``); FileFormatError at its line when the
        value does not start with a number, or is not ``positive`` or an ``integer`` when asked."""
        if key not in self.fields:
            if required:
                self.require(key, what)
            return None
        text = self.fields[key]
        found = _NUMBER.match(text)
        value = float(found[0]) if found else math.nan
        name = what or key
        if not math.isfinite(value):
            raise self.error(key, f"{name} {text!r} is not a number")
        if integer and value != int(value):
            raise self.error(key, f"{name} {text!r} is not a whole number")
        if positive and not value > 0:
            raise self.error(key, f"{name} {text!r} is not positive")
        return value


def geometry_folder(path: Path, names: Sequence[str], env: str) -> Path | None:
    """The folder holding every file in ``names`` (a format's sensor geometry, which its
    exports do not carry) for the data file ``path``: the file's own folder, else the folder
    named by the environment variable ``env``; None when neither holds them all."""
    candidates = [path.parent]
    named = os.environ.get(env)
    if named:
        candidates.append(Path(named))
    for folder in candidates:
        if all((folder / name).is_file() for name in names):
            return folder
    return None


__all__ = [
    "HEAD_BYTES",
    "LENGTH_MM",
    "PRESSURE_UNITS",
    "UTF8_BOM",
    "Header",
    "TextLines",
    "check_increasing",
    "decoded_lines",
    "geometry_folder",
    "head_lines",
    "read_bytes",
    "read_head",
    "read_text_lines",
    "sampling_rate_hz",
    "split_rows",
    "to_numbers",
    "unit_and_factor",
    "utf8_or_cp1252",
    "without_bom",
]
