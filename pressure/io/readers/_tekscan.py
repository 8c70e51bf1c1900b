"""Tekscan ASCII movie exports (the "ASF" text of F-Scan and I-Scan), shared by the ``fscan``
and ``iscan`` readers; and the orientation rule for insole grids (also used by ``xsensor``).

The text
--------
Header lines ``KEY value`` (``DATA_TYPE MOVIE``, ``VERSION Tekscan Pressure Measurement System
6.33``, ``SENSOR_TYPE FSCAN`` or a sensor model such as ``6900``, ``ROWS 60``, ``COLS 21``,
``ROW_SPACING 5.08 mm`` / ``0.127 centimeters``, ``COL_SPACING``, ``SENSEL_AREA 25.8064 mm2``,
``SECONDS_PER_FRAME 0.032``, ``TIME …``, ``START_FRAME``, ``END_FRAME``, ``UNITS KPa`` / ``raw`` /
``PSI``, ``MIRROR_ROW``, ``MIRROR_COL``, ...); ``COMMENTS:`` is followed by free text lines up to
the next upper-case ``KEY``. ``ASCII_DATA @@`` ends the header. Then, per frame, a line
``Frame N`` (F-Scan) or ``Frame N, t,, date time,,,Raw Sum=,,S`` (I-Scan: the frame's time in s
and the sum of its raw values) followed by ``ROWS`` lines of ``COLS`` comma-separated values,
``B`` for a cell that is no sensel (outside the trimmed insole, or between a sensor's
quadrants); blank lines between frames, and ``@@`` after the last frame.

Reading
-------
``read_movie`` reads the frame block vectorised wherever the file is regular (each ``Frame``
line followed by exactly ``ROWS`` lines of ``COLS`` cells, blank lines between frames): the
data lines are cut out by index and converted in one pass by pandas' C parser (``B`` → NaN).
Anything else (a ragged row, a cell that is not a number, a frame cut short, a ``B`` pattern
that changes from frame to frame, a lone carriage return) is read line by line by the reference
path ``_movie_by_lines``, which raises FileFormatError naming the line (inside the frame block:
the data line itself). Both paths give the same movie (the tests check it).

A file that ends exactly at a line end inside its last frame (cut short, but no line damaged)
loses that incomplete frame, counted as ``incomplete_frames``; a file that ends inside a line
is damaged there.

The ``B`` pattern is the sensor's outline: it must be the same in every frame (the line where
it is not is named).

Insole orientation (``insole_orientation``)
-------------------------------------------
An insole grid's rows run across the foot; which end of the grid is the heel and which edge the
medial side is read from the outline of the insole's cells (the non-``B`` cells of an F-Scan
insole, or the cells ever loaded where a format has no outline):

* **Heel end.** A foot (and an insole cut to one) is widest across the metatarsal heads, at
  65–75 % of its length from the heel; the heel is narrower. So the rows of greatest width lie
  in the toe half: if they lie in the first 45 % of the rows, row 0 is the toe end; in the last
  45 %, row 0 is the heel end; otherwise it is undecided.
* **Medial edge.** The toe end of an insole is not symmetric: its apex is the hallux (and second
  toe), medial of the heel's centre line. So the centre of the cells in the toe-most 15 % of the
  rows lies to the medial side of the centre of the heel-most 15 %: an offset of at least half
  a column decides.
* **Chirality.** The file's matrix, drawn as the vendor shows it (row 0 at the top, column 0 at
  the viewer's left), is a view from above when the outline it shows is the foot the file says:
  with the toes up, a left foot's medial edge is on the viewer's right. ``side_from_outline``
  gives the side the outline implies under that assumption.

Undecided questions fall back to the vendor's drawing convention (toes at row 0, a view from
above), and say so in the returned notes.
"""

from __future__ import annotations

import datetime as _dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from ...errors import FileFormatError
from ...layout import BoolArray, GridFirstCol, GridFirstRow
from ...model import FloatArray, SideName
from ..text import TextLines, head_lines, read_text_lines

IntArray = npt.NDArray[np.int64]

#: A sensor has at most this many cells (a 1-hour movie of a big sensor stays readable).
MAX_CELLS = 1 << 16

#: Pressure units of the UNITS field (lower case, spaces removed) → (our unit, factor).
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
#: Length units of the spacing fields → mm.
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
}
#: The header ends with this line.
DATA_KEY = "ASCII_DATA"
#: Credits of the example data sets we test on, by the folder that holds them.
EXAMPLE_SOURCES = {
    "pressure_r_extdata": "pressuRe R package example data (Telfer et al.), MIT",
    "fscan_footpress": "footPress repository example data, MIT",
}

_ANY_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_]*:?")
_UPPER_KEY = re.compile(r"[A-Z][A-Z0-9_]*:?")
_FRAME = re.compile(r"Frame\s+(-?\d+)\s*(?:,|$)")
_NUMBER_UNIT = re.compile(r"\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([A-Za-z^0-9/]*)\s*")


def example_source(path: Path, default: str) -> str:
    """``metadata["source"]``: the credit of the example data sets (``EXAMPLE_SOURCES``, by
    the file's folder), else ``default`` (what the file is)."""
    return EXAMPLE_SOURCES.get(path.resolve().parent.name, default)


# --- header ---------------------------------------------------------------------------------


def split_header(lines: list[str]) -> tuple[dict[str, str], dict[str, int], list[str], int | None]:
    """(fields, 1-based line of each field, comment lines, index of the ``ASCII_DATA`` line or
    None) of an ASF text. Keys keep their spelling, without a trailing colon."""
    fields: dict[str, str] = {}
    where: dict[str, int] = {}
    comments: list[str] = []
    in_comments = False
    for index, raw in enumerate(lines):
        line = raw.strip()
        if not line:
            continue
        key, _, value = line.partition(" ")
        if key == DATA_KEY or line.startswith(DATA_KEY):
            return fields, where, comments, index
        pattern = _UPPER_KEY if in_comments else _ANY_KEY
        if not pattern.fullmatch(key):
            if in_comments:
                comments.append(line)
                continue
            return fields, where, comments, None  # not a header line: not ASF (or damaged)
        name = key.rstrip(":")
        in_comments = name.upper() == "COMMENTS"
        fields.setdefault(name, value.strip())
        where.setdefault(name, index + 1)
    return fields, where, comments, None


def looks_like_asf(head: bytes) -> dict[str, str] | None:
    """The header fields when ``head`` starts like a Tekscan ASF movie (``DATA_TYPE`` first or a
    ``VERSION Tekscan`` line, and ``ROWS`` and ``COLS``), else None."""
    lines = head_lines(head, 200)
    first = next((line.strip() for line in lines if line.strip()), "")
    fields, _, _, _ = split_header(lines)
    tekscan = first.startswith("DATA_TYPE") or "tekscan" in fields.get("VERSION", "").lower()
    if not tekscan or "ROWS" not in fields or "COLS" not in fields:
        return None
    return fields


def family(fields: dict[str, str]) -> Literal["fscan", "iscan"]:
    """Which Tekscan system wrote the header: F-Scan (in-shoe insoles) when its ``SENSOR_TYPE``
    or ``VERSION`` says F-Scan (``FSCAN``, ``F-Scan``) or names an F-Scan sensor model (the
    30xx series, e.g. ``3000E``); any other Tekscan matrix (I-Scan, pressure mats, the
    6900 finger sensor, ...) is read as a generic pressure sensor."""
    sensor = fields.get("SENSOR_TYPE", "")
    version = fields.get("VERSION", "")
    if re.search(r"f-?scan", f"{sensor} {version}", re.IGNORECASE):
        return "fscan"
    if re.fullmatch(r"30\d\d[A-Za-z]*", sensor.strip()):
        return "fscan"
    return "iscan"


@dataclass
class Header:
    """What the readers need from an ASF header, checked and in our units."""

    fields: dict[str, str]
    lines: dict[str, int]  # field → 1-based line
    comments: list[str]
    data_index: int  # index of the ASCII_DATA line
    rows: int
    cols: int
    row_spacing_mm: float
    col_spacing_mm: float
    seconds_per_frame: float | None
    unit: str  # ours (pressure.model.UNITS)
    factor: float  # file value × factor = value in ``unit``
    unit_note: str
    start_frame: int | None
    end_frame: int | None
    sensel_area_mm2: float | None


def _positive_int(path: Path, header: dict[str, str], where: dict[str, int], key: str) -> int:
    text = header[key].split()[0] if header[key].split() else ""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise FileFormatError(
            path, f"{key} {header[key]!r} is not a positive whole number", line=where[key]
        )
    return value


def _length_mm(path: Path, header: dict[str, str], where: dict[str, int], key: str) -> float:
    match = _NUMBER_UNIT.fullmatch(header[key])
    unit = match.group(2).lower() if match else ""
    if match is None or unit not in LENGTH_MM or not float(match.group(1)) > 0:
        raise FileFormatError(
            path,
            f"{key} {header[key]!r} is not a positive length in {'/'.join(sorted(set(LENGTH_MM)))}",
            line=where[key],
        )
    return float(match.group(1)) * LENGTH_MM[unit]


def parse_header(path: Path, lines: list[str]) -> Header:
    """The checked header (FileFormatError naming the line of a bad or missing field)."""
    fields, where, comments, data_index = split_header(lines)
    if data_index is None:
        last = len(lines)
        raise FileFormatError(
            path,
            f"no '{DATA_KEY} @@' line ending a Tekscan header (not a Tekscan ASCII export, or "
            "cut inside its header)",
            line=last if last else None,
        )
    for key in ("ROWS", "COLS", "ROW_SPACING", "COL_SPACING"):
        if key not in fields:
            raise FileFormatError(path, f"the header has no {key} field", line=data_index + 1)
    rows = _positive_int(path, fields, where, "ROWS")
    cols = _positive_int(path, fields, where, "COLS")
    if rows * cols > MAX_CELLS:
        raise FileFormatError(
            path, f"ROWS × COLS = {rows * cols} cells: more than {MAX_CELLS}", line=where["COLS"]
        )
    row_mm = _length_mm(path, fields, where, "ROW_SPACING")
    col_mm = _length_mm(path, fields, where, "COL_SPACING")
    spf = None
    if "SECONDS_PER_FRAME" in fields:
        try:
            spf = float(fields["SECONDS_PER_FRAME"].split()[0])
        except (ValueError, IndexError):
            spf = float("nan")
        if not (np.isfinite(spf) and spf > 0):
            raise FileFormatError(
                path,
                f"SECONDS_PER_FRAME {fields['SECONDS_PER_FRAME']!r} is not a positive number",
                line=where["SECONDS_PER_FRAME"],
            )
    unit_text = fields.get("UNITS", "raw").strip()
    key = re.sub(r"\s+", "", unit_text).lower()
    if key in PRESSURE_UNITS:
        unit, factor = PRESSURE_UNITS[key]
        if factor == 1.0:
            note = f"values as in the file ({unit_text})"
        else:
            note = f"{unit_text} × {factor:g} = {unit}"
    else:
        unit, factor = "raw", 1.0
        note = f"unknown unit {unit_text!r} in the file: values kept as they are, unit 'raw'"
    area = None
    if "SENSEL_AREA" in fields:
        match = _NUMBER_UNIT.fullmatch(fields["SENSEL_AREA"])
        if match is not None:
            unit_area = match.group(2).lower().rstrip("2").rstrip("^")
            if unit_area in LENGTH_MM:
                area = float(match.group(1)) * LENGTH_MM[unit_area] ** 2

    def frame_no(key: str) -> int | None:
        try:
            return int(fields[key].split()[0])
        except (KeyError, ValueError, IndexError):
            return None

    return Header(
        fields=fields,
        lines=where,
        comments=comments,
        data_index=data_index,
        rows=rows,
        cols=cols,
        row_spacing_mm=row_mm,
        col_spacing_mm=col_mm,
        seconds_per_frame=spf,
        unit=unit,
        factor=factor,
        unit_note=note,
        start_frame=frame_no("START_FRAME"),
        end_frame=frame_no("END_FRAME"),
        sensel_area_mm2=area,
    )


_TIME_FORMATS = (
    "%A, %d %B %Y %I:%M:%S %p",
    "%A, %B %d, %Y %I:%M:%S %p",
    "%A, %d %B %Y %H:%M:%S",
    "%m/%d/%Y %I:%M:%S.%f%p",
    "%m/%d/%Y %I:%M:%S%p",
    "%m/%d/%Y %H:%M:%S.%f",
    "%m/%d/%Y %H:%M:%S",
)


def start_time(fields: dict[str, str]) -> _dt.datetime | None:
    """The ``TIME`` field (plus ``MICRO_SECOND``) as a naive local datetime, or None when it
    is missing or in no format we know (``Thursday, 16 February 2017 11:26:22 a.m.``,
    ``12/2/2019 6:21:52.34PM``)."""
    text = fields.get("TIME", "").strip()
    if not text:
        return None
    text = re.sub(
        r"\s*([ap])\.?\s*m\.?\s*$", lambda m: " " + m.group(1).upper() + "M", text, flags=re.I
    )
    for fmt in _TIME_FORMATS:
        for candidate in (text, text.replace(" AM", "AM").replace(" PM", "PM")):
            try:
                when = _dt.datetime.strptime(candidate, fmt)
            except ValueError:
                continue
            try:
                micro = int(fields.get("MICRO_SECOND", "0").split()[0])
            except (ValueError, IndexError):
                micro = 0
            return when + _dt.timedelta(microseconds=micro)
    return None


# --- the frame block ------------------------------------------------------------------------


@dataclass
class Movie:
    """The frames of an ASF export."""

    path: Path
    header: Header
    numbers: IntArray  # frame numbers from the ``Frame N`` lines
    times_s: FloatArray | None  # the frames' own times (I-Scan), None when the lines give none
    raw_sums: FloatArray | None  # ``Raw Sum=`` per frame, NaN where a frame gives none
    frame_lines: IntArray  # 1-based line number of each ``Frame`` line
    values: FloatArray  # (frames, rows, cols) as in the file (no unit conversion), NaN for B
    mask: BoolArray  # (rows, cols): the sensels (cells that are not B)
    incomplete_frames: int = 0
    fast: bool = field(default=True)

    @property
    def n_frames(self) -> int:
        return int(self.numbers.size)

    def data_line(self, frame: int, row: int) -> int:
        """1-based line number of ``row`` of frame index ``frame``."""
        return int(self.frame_lines[frame]) + 1 + row


def frame_times(path: Path, header: Header, movie: Movie) -> FloatArray:
    """Seconds from the first frame: the Frame lines' own times when they give them, else
    frame number minus START_FRAME (or the first frame's number) times SECONDS_PER_FRAME."""
    if movie.times_s is not None:
        return movie.times_s - movie.times_s[0]
    if header.seconds_per_frame is None:
        raise FileFormatError(
            path,
            "no SECONDS_PER_FRAME in the header and no times on the Frame lines",
            line=header.data_index + 1,
        )
    first = header.start_frame if header.start_frame is not None else int(movie.numbers[0])
    return (movie.numbers - first).astype(np.float64) * header.seconds_per_frame


def _frame_line(path: Path, line: str, line_no: int) -> tuple[int, float | None, float | None]:
    """(frame number, time in s or None, raw sum or None) of a ``Frame`` line."""
    match = _FRAME.match(line)
    if match is None:
        raise FileFormatError(path, f"expected 'Frame <number>', found {line[:40]!r}", line=line_no)
    parts = [p.strip() for p in line.split(",")]
    time_s = None
    if len(parts) > 1 and parts[1]:
        try:
            time_s = float(parts[1])
        except ValueError:
            raise FileFormatError(
                path, f"frame time {parts[1]!r} is not a number", line=line_no
            ) from None
        if not np.isfinite(time_s):
            raise FileFormatError(path, f"frame time {parts[1]!r} is not finite", line=line_no)
    raw_sum = None
    for k, part in enumerate(parts):
        if part.lower().startswith("raw sum"):
            rest = [p for p in parts[k + 1 :] if p] or [part.split("=", 1)[-1].strip()]
            try:
                raw_sum = float(rest[0])
            except (ValueError, IndexError):
                raise FileFormatError(
                    path, f"'Raw Sum=' is followed by no number ({line[:60]!r})", line=line_no
                ) from None
            break
    return int(match.group(1)), time_s, raw_sum


def _text(path: Path) -> TextLines:
    # latin-1: any byte decodes (the header's free text may be in a Windows code page);
    # read_text_lines still refuses an empty file and binary data (NUL bytes, by offset)
    return read_text_lines(path, encoding="latin-1")


def read_movie(path: Path, *, fast: bool = True) -> Movie:
    """The frames of an ASF export (module docstring). ``fast=False`` reads every line with
    the reference path (the tests check that both agree)."""
    text = _text(path)
    header = parse_header(path, text.lines)
    movie = _movie_fast(path, text, header) if fast else None
    return movie if movie is not None else _movie_by_lines(path, text, header)


def _finish(
    path: Path,
    header: Header,
    numbers: list[int],
    times: list[float | None],
    sums: list[float | None],
    frame_lines: list[int],
    values: FloatArray,
    incomplete: int,
    fast: bool,
) -> Movie:
    if not numbers:
        raise FileFormatError(
            path, "no frame after the header ('Frame 1' and its rows)", line=header.data_index + 1
        )
    steps = np.diff(np.asarray(numbers))
    if steps.size and not np.all(steps > 0):
        k = int(np.argmax(~(steps > 0))) + 1
        raise FileFormatError(
            path,
            f"frame number {numbers[k]} does not follow frame {numbers[k - 1]}",
            line=frame_lines[k],
        )
    given = [t is not None for t in times]
    times_s = None
    if all(given):
        times_s = np.array(times, dtype=np.float64)
        dt = np.diff(times_s)
        if dt.size and not np.all(dt > 0):
            k = int(np.argmax(~(dt > 0))) + 1
            raise FileFormatError(
                path,
                f"frame time {times_s[k]:g} s does not follow {times_s[k - 1]:g} s",
                line=frame_lines[k],
            )
    elif any(given):
        k = given.index(not given[0])
        raise FileFormatError(
            path, "frame lines give a time in some frames only", line=frame_lines[k]
        )
    raw_sums = None
    if any(s is not None for s in sums):
        raw_sums = np.array([np.nan if s is None else s for s in sums], dtype=np.float64)
    mask = ~np.isnan(values[0])
    if not mask.any():
        raise FileFormatError(
            path, "every cell is B: the sensor has no sensel", line=frame_lines[0]
        )
    return Movie(
        path=path,
        header=header,
        numbers=np.array(numbers, dtype=np.int64),
        times_s=times_s,
        raw_sums=raw_sums,
        frame_lines=np.array(frame_lines, dtype=np.int64),
        values=values,
        mask=mask,
        incomplete_frames=incomplete,
        fast=fast,
    )


def _movie_by_lines(path: Path, text: TextLines, header: Header) -> Movie:
    """The reference path: every line in turn; FileFormatError at the first damaged line."""
    rows, cols = header.rows, header.cols
    lines = text.lines
    last = len(lines) - 1
    numbers: list[int] = []
    times: list[float | None] = []
    sums: list[float | None] = []
    frame_lines: list[int] = []
    frames: list[FloatArray] = []
    current: FloatArray | None = None
    row = rows
    ended = False
    for index in range(header.data_index + 1, len(lines)):
        line = lines[index]
        line_no = index + 1
        if row < rows:  # inside a frame
            assert current is not None
            fields = line.split(",")
            if not line.strip():
                raise FileFormatError(
                    path,
                    f"frame {numbers[-1]} has {row} of its {rows} rows, then a blank line",
                    line=line_no,
                )
            if len(fields) != cols:
                hint = ""
                if index == last and not text.ends_with_newline:
                    hint = " (the file ends inside this line: it is probably truncated)"
                if line.startswith("Frame") or line.strip() == "@@":
                    raise FileFormatError(
                        path, f"frame {numbers[-1]} has {row} of its {rows} rows", line=line_no
                    )
                raise FileFormatError(
                    path,
                    f"row {row + 1} of frame {numbers[-1]} has {len(fields)} cells, "
                    f"expected {cols} (COLS){hint}",
                    line=line_no,
                )
            for c, cell in enumerate(fields):
                cell = cell.strip()
                if cell == "B":
                    current[row, c] = np.nan
                    continue
                try:
                    number = float(cell)
                except ValueError:
                    number = float("nan")
                if not np.isfinite(number):
                    hint = ""
                    if index == last and not text.ends_with_newline:
                        hint = " (the file ends inside this line: it is probably truncated)"
                    raise FileFormatError(
                        path,
                        f"row {row + 1}, column {c + 1} of frame {numbers[-1]}: {cell!r} is "
                        f"not a number or B{hint}",
                        line=line_no,
                    )
                current[row, c] = number
            if index == last and not text.ends_with_newline:
                raise FileFormatError(
                    path,
                    "the file ends inside this line (no line end): it is probably truncated",
                    line=line_no,
                )
            row += 1
            if row == rows:
                frames.append(current)
            continue
        stripped = line.strip()
        if not stripped:
            continue
        if ended:
            raise FileFormatError(path, f"text after the closing '@@': {line[:40]!r}", line=line_no)
        if stripped == "@@":
            ended = True
            continue
        number, time_s, raw_sum = _frame_line(path, line, line_no)
        numbers.append(number)
        times.append(time_s)
        sums.append(raw_sum)
        frame_lines.append(line_no)
        current = np.empty((rows, cols))
        row = 0
    incomplete = 0
    if row < rows:  # the file ends at a line end inside its last frame: that frame is lost
        if not text.ends_with_newline:
            raise FileFormatError(
                path,
                "the file ends inside this line (no line end): it is probably truncated",
                line=len(lines),
            )
        numbers.pop()
        times.pop()
        sums.pop()
        frame_lines.pop()
        incomplete = 1
    values = np.stack(frames) if frames else np.empty((0, rows, cols))
    outline_check(path, np.isnan(values), frame_lines, numbers)
    return _finish(path, header, numbers, times, sums, frame_lines, values, incomplete, False)


def outline_check(
    path: Path,
    blank: BoolArray,
    frame_lines: list[int],
    numbers: list[int],
    what: str = "B",
) -> None:
    """The blank (``B``) cells of (frames, rows, cols) must be the same in every frame: the
    outline is each cell's state in most frames, and the first row that differs from it is
    named (``frame_lines[f] + 1 + row``: its rows follow the frame's line)."""
    if len(blank) < 2:
        return
    outline = blank.sum(axis=0) * 2 > len(blank)
    differs = (blank != outline).any(axis=2)
    if differs.any():
        f, r = (int(v[0]) for v in np.nonzero(differs))
        c = int(np.argmax(blank[f, r] != outline[r]))
        raise FileFormatError(
            path,
            f"row {r + 1} of frame {numbers[f]}: column {c + 1} is "
            f"{'' if blank[f, r, c] else 'not '}{what} in this frame only: the sensor outline "
            "changes between frames",
            line=frame_lines[f] + 1 + r,
        )


def _movie_fast(path: Path, text: TextLines, header: Header) -> Movie | None:
    """The frame block cut out by index and parsed by pandas' C parser, or None wherever the
    file is not regular (the caller then reads it line by line)."""
    import pandas as pd

    rows, cols = header.rows, header.cols
    lines = text.lines
    if not text.ends_with_newline and lines and lines[-1].strip() not in ("", "@@"):
        return None  # cut inside a line: the line path names it
    start = header.data_index + 1
    frame_at = [i for i in range(start, len(lines)) if lines[i][:5] == "Frame"]
    if not frame_at:
        return None
    at = np.array(frame_at, dtype=np.int64)
    gaps = np.diff(np.append(at, len(lines)))
    if np.any(gaps < rows + 1):
        return None  # a frame cut short (or lines missing)
    # the lines that are neither a Frame line nor one of its rows must be blank, or one "@@"
    covered = np.zeros(len(lines), dtype=np.bool_)
    covered[:start] = True
    data_index = (at[:, None] + 1 + np.arange(rows)).ravel()
    covered[at] = True
    covered[data_index] = True
    closing = 0
    for index in np.flatnonzero(~covered).tolist():
        stripped = lines[index].strip()
        if stripped == "@@" and closing == 0:
            closing = index
        elif stripped:
            return None
    if closing and np.any(at > closing):
        return None
    n_rows = len(frame_at) * rows
    joined = "\n".join(["\n".join(lines[i + 1 : i + 1 + rows]) for i in frame_at])
    # a row with too many cells makes pandas raise; one with too few is padded with NaN,
    # which the count of NaN against the count of B below catches
    if joined.count(",") != n_rows * (cols - 1) or any(c in joined for c in ("\r", "\t", '"')):
        return None
    try:
        table = pd.read_csv(
            io.StringIO(joined),
            header=None,
            names=list(range(cols)),
            dtype=np.float64,
            na_values=["B"],
            keep_default_na=False,
            engine="c",
            skip_blank_lines=False,
        )
    except (ValueError, TypeError, OverflowError):
        return None
    values = table.to_numpy(dtype=np.float64)
    if values.shape != (n_rows, cols):
        return None
    nan = np.isnan(values)
    if np.isinf(values).any() or int(nan.sum()) != joined.count("B"):
        return None  # only B is missing: anything else the line path names
    values = values.reshape(len(frame_at), rows, cols)
    if not np.array_equal(nan.reshape(values.shape), np.broadcast_to(nan[:rows], values.shape)):
        return None  # the outline changes: the line path names the line
    parsed = [_frame_line(path, lines[i], i + 1) for i in frame_at]
    return _finish(
        path,
        header,
        [p[0] for p in parsed],
        [p[1] for p in parsed],
        [p[2] for p in parsed],
        [i + 1 for i in frame_at],
        values,
        0,
        True,
    )


# --- insole orientation ---------------------------------------------------------------------


@dataclass(frozen=True)
class Orientation:
    """Where an insole grid's heel and medial edge are (``grid_layout`` arguments), and how
    that was decided."""

    first_row: GridFirstRow
    first_col: GridFirstCol
    row_decided: bool  # False: the outline did not tell, the convention was used
    col_decided: bool
    widest_at: float  # position of the widest rows, fraction of the length from row 0
    toe_offset_cols: float  # toe-end centre minus heel-end centre, in columns (+: toward high)

    def side_from_outline(self) -> SideName:
        """The foot the outline is, if the matrix is a view from above (module docstring)."""
        return "left" if (self.first_row == "toe") == (self.first_col == "lateral") else "right"

    def describe(self) -> dict[str, Any]:
        return {
            "first_row": self.first_row,
            "first_col": self.first_col,
            "heel_end_from_outline": self.row_decided,
            "medial_edge_from_outline": self.col_decided,
            "widest_rows_at_fraction_from_row0": round(self.widest_at, 3),
            "toe_end_offset_cols": round(self.toe_offset_cols, 3),
        }


def insole_orientation(cells: BoolArray, side: SideName | None = None) -> Orientation:
    """Heel end and medial edge of an insole grid from its outline ``cells`` (rows, cols; the
    insole's cells), by the rules of the module docstring. Where the outline does not decide,
    the convention: toes at row 0, and a view from above (a left foot's medial edge at the
    high columns, a right foot's at column 0; for an unknown side, left)."""
    cells = np.asarray(cells, dtype=np.bool_)
    occupied = np.flatnonzero(cells.any(axis=1))
    first_row: GridFirstRow = "toe"
    row_decided = False
    widest_at = 0.5
    offset = 0.0
    if occupied.size >= 3:
        r0, r1 = int(occupied[0]), int(occupied[-1])
        length = r1 - r0 + 1
        width = cells[r0 : r1 + 1].sum(axis=1).astype(np.float64)
        widest = np.flatnonzero(width >= 0.95 * width.max())
        widest_at = float((widest.mean() + 0.5) / length)
        if widest_at < 0.45:
            first_row, row_decided = "toe", True
        elif widest_at > 0.55:
            first_row, row_decided = "heel", True
        band = max(1, round(0.15 * length))
        cols = np.arange(cells.shape[1], dtype=np.float64)
        top = cells[r0 : r0 + band]
        bottom = cells[r1 - band + 1 : r1 + 1]
        top_centre = float((top * cols).sum() / top.sum())
        bottom_centre = float((bottom * cols).sum() / bottom.sum())
        offset = top_centre - bottom_centre if first_row == "toe" else bottom_centre - top_centre
    if row_decided and abs(offset) >= 0.5:
        medial_high = offset > 0
        col_decided = True
    else:
        # a view from above, toes toward row 0 or row -1 as decided
        left = side != "right"
        medial_high = left if first_row == "toe" else not left
        col_decided = False
    first_col: GridFirstCol = "lateral" if medial_high else "medial"
    return Orientation(first_row, first_col, row_decided, col_decided, widest_at, offset)


__all__ = [
    "DATA_KEY",
    "PRESSURE_UNITS",
    "Header",
    "Movie",
    "Orientation",
    "example_source",
    "family",
    "insole_orientation",
    "looks_like_asf",
    "outline_check",
    "parse_header",
    "read_movie",
    "split_header",
    "start_time",
]
