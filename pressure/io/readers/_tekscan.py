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
``read_movie`` takes each ``Frame`` line and the ``ROWS`` lines after it; a frame whose lines
are not ``ROWS`` rows of ``COLS`` cells is checked line by line and named where it is damaged.
The cells of all frames are read in one pass by ``pressure.io.table.read_table`` (``B`` → NaN),
which names the line of a cell that is not a number. A file that ends exactly at a line end
inside its last frame loses that frame (``incomplete_frames``); one that ends inside a line is
damaged there. The ``B`` pattern is the sensor's outline: the same in every frame (checked).

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
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from ...errors import FileFormatError
from ...layout import BoolArray, GridFirstCol, GridFirstRow, grid_layout
from ...model import FloatArray, FootRecording, SideName
from ..table import read_table
from ..text import LENGTH_MM, Header, check_increasing, head_lines, read_text_lines, unit_and_factor

IntArray = npt.NDArray[np.int64]

#: A sensor has at most this many cells (a 1-hour movie of a big sensor stays readable).
MAX_CELLS = 1 << 16
#: The header ends with this line.
DATA_KEY = "ASCII_DATA"
#: Credits of the example data sets we test on, by the folder that holds them.
EXAMPLE_SOURCES = {
    "pressure_r_extdata": "pressuRe R package example data (Telfer et al.), MIT",
    "fscan_footpress": "footPress repository example data, MIT",
}
_TRUNCATED = " (the file ends inside this line: it is probably truncated)"

_ANY_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_]*:?")
_UPPER_KEY = re.compile(r"[A-Z][A-Z0-9_]*:?")
_FRAME = re.compile(r"Frame\s+(-?\d+)\s*(?:,|$)")
_NUMBER_UNIT = re.compile(r"\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([A-Za-z^0-9/]*)\s*")
_B_CELL = re.compile(rb"(?<![^,\n])[ \t]*B[ \t]*(?![^,\n])")
_EMPTY_CELL = re.compile(rb"(?<![^,\n])[ \t]*(?=[,\n])")
_TIME_FORMATS = (
    "%A, %d %B %Y %I:%M:%S %p",
    "%A, %B %d, %Y %I:%M:%S %p",
    "%A, %d %B %Y %H:%M:%S",
    "%m/%d/%Y %I:%M:%S.%f%p",
    "%m/%d/%Y %I:%M:%S%p",
    "%m/%d/%Y %H:%M:%S.%f",
    "%m/%d/%Y %H:%M:%S",
)


def example_source(path: Path, default: str) -> str:
    """``metadata["source"]``: the credit of an example data set (by the file's folder), else
    ``default`` (what the file is)."""
    return EXAMPLE_SOURCES.get(path.resolve().parent.name, default)


def units(text: str) -> tuple[str, float, str]:
    """(our unit, factor, ``metadata["unit_conversion"]``) of a pressure unit as a file writes
    it (``pressure.io.text.PRESSURE_UNITS``); an unknown one keeps the values, unit ``raw``."""
    found = unit_and_factor(text.replace("²", "2"))
    if found is None:
        return "raw", 1.0, f"unknown unit {text!r} in the file: values kept as they are, unit 'raw'"
    unit, factor = found
    note = f"values as in the file ({text})" if factor == 1.0 else f"{text} × {factor:g} = {unit}"
    return unit, factor, note


# --- header ---------------------------------------------------------------------------------


def split_header(lines: list[str], path: Path = Path()) -> tuple[Header, list[str], int | None]:
    """(fields, comment lines, index of the ``ASCII_DATA`` line or None) of an ASF text. Keys
    keep their spelling, without a trailing colon."""
    fields = Header(path)
    comments: list[str] = []
    in_comments = False
    for index, raw in enumerate(lines):
        line = raw.strip()
        if line.startswith(DATA_KEY):
            return fields, comments, index
        key, _, value = line.partition(" ")
        if not line or (in_comments and not _UPPER_KEY.fullmatch(key)):
            comments += [line] if line else []
        elif _ANY_KEY.fullmatch(key):
            in_comments = key.rstrip(":").upper() == "COMMENTS"
            fields.add(key.rstrip(":"), value, index + 1)
        else:
            return fields, comments, None  # not a header line: not ASF (or damaged)
    return fields, comments, None


def looks_like_asf(head: bytes) -> dict[str, str] | None:
    """The header fields when ``head`` starts like a Tekscan ASF movie (``DATA_TYPE`` first or a
    ``VERSION Tekscan`` line, and ``ROWS`` and ``COLS``), else None."""
    lines = head_lines(head, 200)
    first = next((line.strip() for line in lines if line.strip()), "")
    fields = split_header(lines)[0].fields
    tekscan = first.startswith("DATA_TYPE") or "tekscan" in fields.get("VERSION", "").lower()
    return fields if tekscan and "ROWS" in fields and "COLS" in fields else None


def family(fields: dict[str, str]) -> Literal["fscan", "iscan"]:
    """F-Scan (in-shoe insoles) when the header's ``SENSOR_TYPE`` or ``VERSION`` says F-Scan or
    names an F-Scan model (the 30xx series, e.g. ``3000E``); else any other Tekscan matrix
    (I-Scan, mats, the 6900 finger sensor, ...), read as a generic pressure sensor."""
    sensor = fields.get("SENSOR_TYPE", "")
    if re.search(r"f-?scan", f"{sensor} {fields.get('VERSION', '')}", re.IGNORECASE):
        return "fscan"
    return "fscan" if re.fullmatch(r"30\d\d[A-Za-z]*", sensor.strip()) else "iscan"


@dataclass
class AsfHeader:
    """What the readers need from an ASF header, checked and in our units."""

    fields: Header  # as written, with their lines
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


def _length_mm(fields: Header, key: str) -> float:
    match = _NUMBER_UNIT.fullmatch(fields.require(key))
    unit = match.group(2).lower() if match else ""
    if match is None or unit not in LENGTH_MM or not float(match.group(1)) > 0:
        units = "/".join(sorted(LENGTH_MM))
        raise fields.error(key, f"{key} {fields.fields[key]!r} is not a positive length in {units}")
    return float(match.group(1)) * LENGTH_MM[unit]


def _positive(fields: Header, key: str, whole: bool = False) -> float:
    """The first word of ``key``'s value as a positive number (``whole``: an integer). Stricter
    than ``Header.number``, which would read ``6x0`` as 6: a damaged value is named."""
    word = (fields.fields[key].split() or [""])[0]
    try:
        value = int(word) if whole else float(word)
    except ValueError:
        value = 0
    if not (math.isfinite(value) and value > 0):
        kind = "positive whole number" if whole else "positive number"
        raise fields.error(key, f"{key} {fields.fields[key]!r} is not a {kind}")
    return value


def _first_int(fields: Header, key: str) -> int | None:
    try:
        return int(fields.fields[key].split()[0])
    except (KeyError, ValueError, IndexError):
        return None


def parse_header(path: Path, lines: list[str]) -> AsfHeader:
    """The checked header (FileFormatError naming the line of a bad or missing field)."""
    fields, comments, data_index = split_header(lines, path)
    if data_index is None:
        raise FileFormatError(
            path,
            f"no '{DATA_KEY} @@' line ending a Tekscan header (not a Tekscan ASCII export, or "
            "cut inside its header)",
            line=len(lines) or None,
        )
    fields.line = data_index + 1
    for key in ("ROWS", "COLS", "ROW_SPACING", "COL_SPACING"):
        if key not in fields:
            raise fields.error(key, f"the header has no {key} field")
    rows, cols = (int(_positive(fields, key, whole=True)) for key in ("ROWS", "COLS"))
    if rows * cols > MAX_CELLS:
        raise fields.error("COLS", f"ROWS × COLS = {rows * cols} cells: more than {MAX_CELLS}")
    area = _NUMBER_UNIT.fullmatch(fields.fields.get("SENSEL_AREA", ""))
    side_mm = LENGTH_MM.get(area.group(2).lower().rstrip("2").rstrip("^"), 0) if area else 0
    area_mm2 = float(area.group(1)) * side_mm**2 if area and side_mm else None
    spf = _positive(fields, "SECONDS_PER_FRAME") if "SECONDS_PER_FRAME" in fields else None
    row_mm, col_mm = (_length_mm(fields, key) for key in ("ROW_SPACING", "COL_SPACING"))
    unit, factor, note = units(fields.fields.get("UNITS", "raw"))
    first, last = (_first_int(fields, key) for key in ("START_FRAME", "END_FRAME"))
    return AsfHeader(
        fields,
        comments,
        data_index,
        rows,
        cols,
        row_mm,
        col_mm,
        spf,
        unit,
        factor,
        note,
        first,
        last,
        area_mm2,
    )


def start_time(fields: Header) -> _dt.datetime | None:
    """The ``TIME`` field (plus ``MICRO_SECOND``) as a naive local datetime, or None when it
    is missing or in no format we know (``Thursday, 16 February 2017 11:26:22 a.m.``,
    ``12/2/2019 6:21:52.34PM``)."""
    text = re.sub(
        r"\s*([ap])\.?\s*m\.?\s*$",
        lambda m: " " + m.group(1).upper() + "M",
        fields.fields.get("TIME", ""),
        flags=re.I,
    )
    for fmt in _TIME_FORMATS if text else ():
        for candidate in (text, text.replace(" AM", "AM").replace(" PM", "PM")):
            try:
                when = _dt.datetime.strptime(candidate, fmt)
            except ValueError:
                continue
            return when + _dt.timedelta(microseconds=_first_int(fields, "MICRO_SECOND") or 0)
    return None


# --- the frame block ------------------------------------------------------------------------


@dataclass
class Movie:
    """The frames of an ASF export."""

    path: Path
    header: AsfHeader
    numbers: IntArray  # frame numbers from the ``Frame N`` lines
    times_s: FloatArray | None  # the frames' own times (I-Scan), None when the lines give none
    raw_sums: FloatArray | None  # ``Raw Sum=`` per frame, NaN where a frame gives none
    frame_lines: IntArray  # 1-based line number of each ``Frame`` line
    values: FloatArray  # (frames, rows, cols) as in the file (no unit conversion), NaN for B
    mask: BoolArray  # (rows, cols): the sensels (cells that are not B)
    incomplete_frames: int = 0
    fast: bool = True  # whether regular frames were taken whole (``read_movie``)

    @property
    def n_frames(self) -> int:
        return int(self.numbers.size)

    def quality(self, prefix: str = "") -> dict[str, int]:
        """Frames read, the incomplete one dropped, and those the header's frame range lacks."""
        h, n = self.header, self.n_frames
        out = {f"{prefix}frames": n, f"{prefix}incomplete_frames": self.incomplete_frames}
        if h.start_frame is not None and h.end_frame is not None:
            out[f"{prefix}frames_missing"] = max(h.end_frame - h.start_frame + 1 - n, 0)
        return out


def frame_times(movie: Movie) -> FloatArray:
    """Seconds from the first frame: the Frame lines' own times when they give them, else
    frame number minus START_FRAME (or the first frame's number) times SECONDS_PER_FRAME."""
    h = movie.header
    if movie.times_s is not None:
        return movie.times_s - movie.times_s[0]
    if h.seconds_per_frame is None:
        raise FileFormatError(
            movie.path,
            "no SECONDS_PER_FRAME in the header and no times on the Frame lines",
            line=h.data_index + 1,
        )
    first = h.start_frame if h.start_frame is not None else int(movie.numbers[0])
    return (movie.numbers - first).astype(np.float64) * h.seconds_per_frame


def _frame_line(path: Path, line: str, line_no: int) -> tuple[int, float | None, float | None]:
    """(frame number, time in s or None, raw sum or None) of a ``Frame`` line."""
    match = _FRAME.match(line)
    if match is None:
        raise FileFormatError(path, f"expected 'Frame <number>', found {line[:40]!r}", line=line_no)
    parts = [p.strip() for p in line.split(",")]
    time_s = raw_sum = None
    if len(parts) > 1 and parts[1]:
        try:
            time_s = float(parts[1])
        except ValueError:
            raise FileFormatError(
                path, f"frame time {parts[1]!r} is not a number", line=line_no
            ) from None
        if not math.isfinite(time_s):
            raise FileFormatError(path, f"frame time {parts[1]!r} is not finite", line=line_no)
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


def read_rows(
    path: Path, body: bytes, index: Sequence[int], width: int, encoding: str
) -> FloatArray:
    """The rows of ``width`` comma-separated cells in ``body``, gathered from the file's lines
    at ``index`` (0-based, one a row) and read by ``read_table`` (empty cells NaN): its errors
    name the file's line."""
    names = [f"column {c + 1}" for c in range(width)]
    try:
        return read_table(path, body, names, allow_empty=True, encoding=encoding).values
    except FileFormatError as exc:
        if exc.line is None:
            raise
        raise FileFormatError(path, exc.detail, line=index[exc.line - 1] + 1) from None


def frames_increase(path: Path, numbers: IntArray, lines: Sequence[int]) -> None:
    """FileFormatError at the line of the first frame number that does not increase."""
    bad = np.flatnonzero(np.diff(numbers) <= 0)
    if bad.size:
        k = int(bad[0]) + 1
        raise FileFormatError(
            path,
            f"frame number {numbers[k]} does not follow frame {numbers[k - 1]}",
            line=int(lines[k]),
        )


def outline_check(
    path: Path, blank: BoolArray, row_lines: IntArray, numbers: IntArray, what: str, block: str = ""
) -> BoolArray:
    """The outline of (frames, rows, cols) ``blank`` cells: each cell as in most frames. A
    cell that differs from it raises FileFormatError at its row's line (``row_lines``,
    (frames, rows), 1-based), naming the ``block`` and the frame's number."""
    outline = blank.sum(axis=0) * 2 > len(blank)
    differs = (blank != outline).any(axis=2)
    if differs.any():
        f, r = (int(v[0]) for v in np.nonzero(differs))
        c = int(np.argmax(blank[f, r] != outline[r]))
        raise FileFormatError(
            path,
            f"row {r + 1} of {block}frame {numbers[f]}: column {c + 1} is "
            f"{'' if blank[f, r, c] else 'not '}{what} in this frame only ({what} cells are "
            "outside the sensor: its outline changes)",
            line=int(row_lines[f, r]),
        )
    return outline


def _check_rows(
    path: Path, lines: list[str], at: int, number: int, h: AsfHeader, cut: bool
) -> None:
    """The rows of frame ``number`` (its ``Frame`` line at index ``at``) line by line:
    FileFormatError at a blank, ``Frame`` or ``@@`` line, or a row not of COLS cells."""
    for r, row in enumerate(lines[at + 1 : at + 1 + h.rows]):
        line_no, cells = at + 2 + r, row.count(",") + 1
        if not row.strip() or row.startswith("Frame") or row.strip() == "@@":
            then = "" if row.strip() else ", then a blank line"
            raise FileFormatError(
                path, f"frame {number} has {r} of its {h.rows} rows{then}", line=line_no
            )
        if cells != h.cols:
            hint = _TRUNCATED if cut and line_no == len(lines) else ""
            raise FileFormatError(
                path,
                f"row {r + 1} of frame {number} has {cells} cells, expected {h.cols} (COLS){hint}",
                line=line_no,
            )


def _without_b(body: bytes) -> tuple[bytes, int]:
    """``body`` with every cell ``B`` emptied, and how many there were."""
    buf = np.frombuffer(b"\n" + body, dtype=np.uint8)  # (body ends with a line end)
    at = np.flatnonzero(buf == ord("B"))
    if np.isin(buf[at - 1], (44, 10)).all() and np.isin(buf[at + 1], (44, 10)).all():
        return body.replace(b"B", b""), int(at.size)  # every B is a whole cell
    return _B_CELL.subn(b"", body)


def read_movie(path: Path, *, fast: bool = True) -> Movie:
    """The frames of an ASF export (module docstring). ``fast=False`` checks every frame line
    by line (the tests check that both agree)."""
    # latin-1: any byte decodes (the header's free text may be in a Windows code page);
    # read_text_lines still refuses an empty file and binary data (NUL bytes, by offset)
    text = read_text_lines(path, encoding="latin-1")
    h = parse_header(path, text.lines)
    lines, rows, cut = text.lines, h.rows, not text.ends_with_newline
    parsed: list[tuple[int, float | None, float | None]] = []
    frame_lines: list[int] = []
    chunks: list[str] = []
    row_at: list[int] = []
    at, closed = h.data_index + 1, False
    while at < len(lines):
        line = lines[at].strip()
        if line and closed:
            raise FileFormatError(
                path, f"text after the closing '@@': {lines[at][:40]!r}", line=at + 1
            )
        if not line or line == "@@":
            closed, at = closed or line == "@@", at + 1
            continue
        parsed.append(_frame_line(path, lines[at], at + 1))
        frame_lines.append(at + 1)
        block = lines[at + 1 : at + 1 + rows]
        chunks.append("\n".join(block))
        regular = len(block) == rows and chunks[-1].count(",") == rows * (h.cols - 1)
        if not (fast and regular and all(map(str.strip, block))):
            _check_rows(path, lines, at, parsed[-1][0], h, cut)
        if cut and at + rows >= len(lines) - 1:
            raise FileFormatError(
                path,
                "the file ends inside this line (no line end): it is probably truncated",
                line=len(lines),
            )
        row_at += range(at + 1, at + 1 + len(block))
        at += 1 + rows
    incomplete = int(len(row_at) < len(parsed) * rows)  # the file ends inside its last frame
    n = len(parsed) - incomplete
    if n < 1:
        raise FileFormatError(
            path, "no frame after the header ('Frame 1' and its rows)", line=h.data_index + 1
        )
    body = ("\n".join(chunks) + "\n").encode("latin-1")
    cells, n_blank = _without_b(body)
    values = read_rows(path, cells, row_at, h.cols, "latin-1")
    if int(np.isnan(values).sum()) != n_blank:  # an empty cell: only B may be blank
        at = next(_EMPTY_CELL.finditer(body)).start()
        k, start = body.count(b"\n", 0, at), body.rfind(b"\n", 0, at) + 1
        raise FileFormatError(
            path,
            f"row {k % rows + 1}, column {body.count(b',', start, at) + 1} of frame "
            f"{parsed[k // rows][0]}: '' is not a number or B",
            line=row_at[k] + 1,
        )
    values = values[: n * rows].reshape(n, rows, h.cols)
    numbers = np.array([p[0] for p in parsed[:n]], dtype=np.int64)
    at_lines = np.array(frame_lines[:n], dtype=np.int64)
    mask = ~outline_check(
        path, np.isnan(values), at_lines[:, None] + 1 + np.arange(rows), numbers, "B"
    )
    frames_increase(path, numbers, frame_lines)
    given = [p[1] is not None for p in parsed[:n]]
    times_s = None
    if all(given):
        times_s = np.array([p[1] for p in parsed[:n]], dtype=np.float64)
        check_increasing(path, times_s, frame_lines, "frame time")
    elif any(given):
        raise FileFormatError(
            path,
            "frame lines give a time in some frames only",
            line=frame_lines[given.index(not given[0])],
        )
    sums = [p[2] for p in parsed[:n]]
    raw_sums = None
    if any(s is not None for s in sums):
        raw_sums = np.array([np.nan if s is None else s for s in sums], dtype=np.float64)
    if not mask.any():
        raise FileFormatError(
            path, "every cell is B: the sensor has no sensel", line=frame_lines[0]
        )
    return Movie(path, h, numbers, times_s, raw_sums, at_lines, values, mask, incomplete, fast)


def metadata(
    movie: Movie, source: str, system: str, hardware: Any, device: dict[str, Any], **more: Any
) -> dict[str, Any]:
    """The metadata the Tekscan readers share (``source``: what the file is, when it is no
    example data set), then ``more``."""
    h, fields = movie.header, movie.header.fields
    meta: dict[str, Any] = {
        "source": example_source(movie.path, source),
        "record": movie.path.stem,
        "device": {
            "system": system,
            "sensor_type": fields.get("SENSOR_TYPE"),
            "version": fields.get("VERSION"),
            "hardware": hardware,
            "rows": h.rows,
            "cols": h.cols,
            "row_spacing_mm": h.row_spacing_mm,
            "col_spacing_mm": h.col_spacing_mm,
            "sensel_area_mm2": h.sensel_area_mm2,
            **device,
        },
        "header": dict(fields.fields),
        "comments": " ".join(h.comments),
        "unit_conversion": h.unit_note,
        "units_in_file": fields.get("UNITS", "raw"),
        **more,
    }
    when = start_time(fields)
    if when is not None:
        meta["start_time_local"] = when.isoformat()
    return meta


def grid_foot(
    side: SideName,
    time_s: FloatArray,
    cube: FloatArray,
    mask: BoolArray,
    spacing_mm: tuple[float, float],
    orientation: Orientation,
    name: str,
    factor: float,
    peaks: bool = False,
    **more: Any,
) -> FootRecording:
    """The foot of a grid insole: the (frames, rows, cols) ``cube``'s sensels (``mask``) × the
    unit factor, on ``grid_layout`` (rows, columns ``spacing_mm`` apart) oriented as found, with
    the ``auto.*`` regions (from each sensel's peak with ``peaks``, else from the outline)."""
    from ...masks import with_anatomical_regions

    (rows, cols), o = mask.shape, orientation
    layout = grid_layout(
        rows, cols, *spacing_mm, mask=mask, name=name, first_row=o.first_row, first_col=o.first_col
    )
    values = cube.reshape(len(cube), -1)[:, np.flatnonzero(mask.ravel())] * factor
    layout = with_anatomical_regions(layout, values.max(axis=0) if peaks else None)
    return FootRecording(side, time_s, values, layout=layout, **more)


def problems(movie: Movie, values: FloatArray, prefix: str = "") -> list[str]:
    """What ``Session.problems`` says of a movie's (converted) ``values``."""
    negative = int((values[np.isfinite(values)] < 0).sum())
    out = [f"{prefix}{negative} negative values (kept as they are)"] if negative else []
    if movie.incomplete_frames:
        out.append(f"{prefix}the file ends inside its last frame (that frame is left out)")
    return out


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
