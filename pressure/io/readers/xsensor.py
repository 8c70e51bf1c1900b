"""XSENSOR insole export (``.csv``, XSENSOR Foot & Gait / X4 software).

Test data: ``xsensor_data.csv`` of the pressuRe R package's example data (Telfer et al., MIT):
two HX210 insoles (``HX210.11.31.M11-DFM-LF`` and ``-RF``: 31 rows × 11 columns of 0.86 cm
sensels), mmHg, 101 frames (numbers 1464–1564) 13–14 ms apart (75.1 Hz), 1.33 s of walking.

The file
--------
Every line has the same number of comma-separated fields (20 in the example; the export pads
them), and a line of commas only (a blank row) follows almost every line. Rows whose first
cell is a word are ``key,value`` rows; the others are numbers.

* File rows: ``File:`` (the original ``.XSN``), ``Units:`` (``mmHg``), ``Threshold:``.
* Per frame: ``FRAME,<number>``, ``Date, 2022 Aug 16``, ``Time, 08:21:17.982`` (local time to
  the ms), then one block per insole and one per vendor group (region), in the same order in
  every frame:

  - ``SENSOR,<model>-LF <serial>`` (``-LF`` left foot, ``-RF`` right foot), ``Rows``,
    ``Columns``, ``Sensel Width (cm)``, ``Sensel Height (cm)``, this frame's summary
    (``Average``/``Minimum``/``Peak Pressure (mmHg)``, ``Contact Area (cm²)``, ``Total Area``,
    ``Contact %``, ``Est. Load (N)``, ``Std Dev.``), the whole recording's summary (``Stance
    Avg Pressure`` ... ``Support Time``: the same in every frame), then ``SENSELS`` and
    ``Rows`` rows of ``Columns`` values (the matrix; the fields after ``Columns`` are empty);
  - ``GROUP,<k>``, ``Name,Left Heel`` (Left/Right × Heel, Midfoot, Metatarsal, Toe),
    ``Cells,36``, the group's summary rows, ``SENSELS`` and its cells' values, as many per
    row as the row has fields (the group's cells in the vendor's own order, which is not
    row-major: they duplicate matrix cells and are checked as numbers but not used).

  Left and right do not alternate between frames: every frame holds both insoles (one
  scan), left block first in the example. A blank cell inside the matrix would be a cell
  outside the insole (NaN; it must be blank in every frame); the example has none: its
  export writes all 31 × 11 cells, 0 where the insole has no sensel.

Session
-------
Per foot ``values`` (frames, sensels) in kPa (mmHg × 0.133322387415), the sensor's name
telling the side (``-LF``/``-RF``, or Left/Right). ``time_s`` from each frame's ``Date`` and
``Time`` (0 at the first frame), the rate the mean over the recording. ``total_force_n`` is
the vendor's ``Est. Load (N)``, which equals the sum of pressure × 0.7411 cm² (a sensel pitch
of 0.8609 cm; ``metadata["vendor_sensel_area_mm2"]`` gives the fitted value) where the header
rounds the pitch to 0.86 cm. ``vendor``: ``average_pressure_kpa``, ``min_pressure_kpa``,
``peak_pressure_kpa``, ``pressure_sd_kpa``, ``contact_area_cm2``, ``contact_pct`` of the
insole, and per vendor group ``<group>_est_load_n``, ``<group>_peak_pressure_kpa``,
``<group>_contact_area_cm2`` (e.g. ``heel_est_load_n``). ``metadata["vendor_summary"]`` keeps
the per-recording values (stance averages, stride, swing, stance and support times in ms).

Geometry (the foot frame of ``pressure.layout``)
------------------------------------------------
``grid_layout`` of the matrix (rows ``Sensel Height`` apart, columns ``Sensel Width`` apart)
with every non-blank cell: the file does not give the insole's outline (its ``Total Area``
says 235 of the 341 cells are sensels), so all cells stay, and the cells outside the insole
are simply never loaded. The matrix is taken as XSENSOR draws it: toes at row 0, seen from
above, so a left insole's column 0 is lateral and a right insole's medial. The example
confirms it with the footprint of the cells ever loaded (``_tekscan.insole_orientation``:
widest rows in the toe half, the toe end's apex medial of the heel): the widest loaded rows
lie a quarter of the length from row 0 on both insoles, and the toe apex lies 3.1 columns
toward the high columns on LF and 3.2 toward column 0 on RF. The footprint depends on the
recording (a toe-walker's has no heel), so it only checks: a footprint that clearly says
otherwise is noted in ``Session.problems``, the convention kept
(``metadata["feet"][side]["footprint_agrees"]``). With blank cells (an outline) the outline
decides, as for F-Scan; a sensor whose name gives no side gets the footprint's orientation
and chirality. Regions: ``pressure.masks`` ``auto.*`` from the footprint (each sensel's peak),
since the grid's own outline is a rectangle, not the insole.

Reading
-------
``_parse_by_lines`` walks every row: the file rows, then per frame its key rows and each block's
sensel rows; every frame must have the first frame's blocks, keys and number of sensel rows (the
line where one does not is named). A regular export, every frame laid out line for line as the
first, is read by index instead (``_parse_fast``: the first frame walked, the others checked to
have their key rows, with the same keys, and their blank rows where the first has them). The
sensel rows of all frames are read in one pass by ``pressure.io.table.read_table``. A file that
ends exactly at a line end inside its last frame loses that frame (``incomplete_frames``); one
that ends inside a row is damaged there.
"""

from __future__ import annotations

import csv
import datetime as _dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import methodcaller
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ...errors import FileFormatError
from ...layout import BoolArray
from ...model import FloatArray, FootRecording, Session, SideName
from ..text import TextLines, check_increasing, head_lines, read_text_lines, to_numbers
from ._tekscan import (
    Orientation,
    example_source,
    frames_increase,
    grid_foot,
    insole_orientation,
    outline_check,
    read_rows,
    units,
)

NAME = "xsensor"
DESCRIPTION = (
    "XSENSOR insole export (.csv: 'FRAME', 'SENSOR …-LF/-RF' blocks with Rows, Columns, "
    "Sensel Width/Height and a SENSELS matrix per foot, GROUP blocks)"
)
SUFFIXES = (".csv",)
LIBRARIES = ("pandas",)
SYSTEM = "XSENSOR"
MIN_FOOTPRINT_CELLS = 12  # fewer loaded cells: the orientation falls back to the convention

IntArray = npt.NDArray[np.int64]
StrArray = npt.NDArray[np.str_]

_SIDE = re.compile(r"(?:^|[^A-Za-z])(?P<letter>[LR])F(?:[^A-Za-z]|$)")
# per-frame summary rows of a SENSOR or GROUP block → our vendor key (pressures converted)
_SUMMARY = {
    "average pressure": "average_pressure",
    "minimum pressure": "min_pressure",
    "peak pressure": "peak_pressure",
    "std dev.": "pressure_sd",
    "contact area": "contact_area_cm2",
    "contact %": "contact_pct",
    "est. load (n)": "est_load_n",
}
_PRESSURE_KEYS = ("average_pressure", "min_pressure", "peak_pressure", "pressure_sd")
_GROUP_COLUMNS = ("est_load_n", "contact_area_cm2")  # and the peak pressure
_NOT_SUMMARY = ("Rows", "Columns", "Name", "Cells")
_DATE_FORMATS = ("%Y %b %d", "%Y-%m-%d", "%d %b %Y", "%m/%d/%Y", "%d.%m.%Y")
_NAMING = ("sensor", "group", "name")  # the key rows that name a block


_KEYS = ("frame", "sensor", "rows", "columns")


def _keys(lines: Sequence[str], sep: str = ",") -> set[str]:
    """The first cells of ``lines`` (the keys of key rows), in lower case."""
    return {line.lstrip("\ufeff").split(sep, 1)[0].strip().lower() for line in lines}


def detect(path: Path, head: bytes) -> bool:
    """Key rows ``FRAME``, ``SENSOR``, ``Rows`` and ``Columns``, and ``SENSELS`` or
    ``Units:``, among the first rows."""
    if not all(key.encode() in head.lower() for key in _KEYS):
        return False  # a quick look before splitting the rows
    keys = _keys(head_lines(head, 400))
    return set(_KEYS) <= keys and bool({"sensels", "units:"} & keys)


def near(path: Path, head: bytes) -> str | None:
    """XSENSOR's key rows (``FRAME``, ``SENSOR``, ``Rows``, ``Columns``) with their cells
    separated by semicolons or tabs (a spreadsheet's re-save), or some of them missing."""
    low = head.lower()
    if sum(key.encode() in low for key in _KEYS) < 3 or b"sensels" not in low:
        return None
    lines = head_lines(head, 400)
    for sep, name in ((";", "semicolon"), ("\t", "tab")):
        if set(_KEYS) <= _keys(lines, sep):
            return (
                f"an XSENSOR export, but its cells are {name}-separated (expected comma-separated)"
            )
    keys = _keys(lines)
    missing = [key.capitalize() for key in _KEYS if key not in keys]
    if "sensels" in keys and len(missing) == 1:
        return f"an XSENSOR export, but it has no {missing[0]!r} row in its first rows"
    return None


# --- the rows -------------------------------------------------------------------------------


@dataclass
class _Part:
    """A frame, or a SENSOR or GROUP block of one, as the walk finds it."""

    kind: str  # "frame", "sensor" or "group"
    name: str  # a frame's number; a block's name
    line: int  # 1-based line of its FRAME / SENSOR / GROUP row
    fields: dict[str, tuple[str, int]] = field(default_factory=dict)  # key → (value, line)
    rows: list[int] = field(default_factory=list)  # indices of a block's sensel rows
    blocks: list[_Part] = field(default_factory=list)  # a frame's
    sensels_line: int | None = None
    end_line: int = 0  # 1-based line that ends it (a frame's next FRAME row; 0: the file's end)


@dataclass
class _Series:
    """One SENSOR or GROUP block (or the frames' own rows) through all frames."""

    kind: str  # "sensor", "group" or "frame"
    name: str
    line: int  # 1-based line of its SENSOR / GROUP row in the first frame
    fields: dict[str, StrArray]  # key → value per frame
    field_lines: dict[str, IntArray]  # key → 1-based line per frame
    row_lines: IntArray  # (frames, rows): 0-based line index of each sensel row
    values: FloatArray = field(default_factory=lambda: np.empty((0, 0, 0)))  # (frames, rows,
    # width), empty cells NaN


@dataclass
class _Parsed:
    file_fields: dict[str, str]
    width: int
    numbers: IntArray  # FRAME numbers
    frame_lines: IntArray  # 1-based
    frame: _Series  # the frames' own rows (Date, Time)
    blocks: list[_Series]
    incomplete: int


def _text(path: Path) -> TextLines:
    text = read_text_lines(path, encoding=None)  # UTF-8, or a Windows code page
    if text.lines:
        text.lines[0] = text.lines[0].lstrip("\ufeff")
    return text


def _cells(line: str) -> list[str]:
    return next(csv.reader([line])) if '"' in line else line.split(",")


def _width(text: TextLines) -> int | None:
    """The fields every row has when the export pads its rows (the example's 20), else None."""
    counts = {len(_cells(line)) for line in text.lines[:64]}
    return counts.pop() if len(counts) == 1 else None


def _structure(
    path: Path, text: TextLines, width: int | None
) -> tuple[dict[str, str], list[_Part]]:
    """The file rows and the frames with their blocks (sensel rows by index)."""
    file_fields: dict[str, str] = {}
    frames: list[_Part] = []
    block: _Part | None = None
    collecting = False
    for index, line in enumerate(text.lines):
        if width is not None and line.count(",") != width - 1 and '"' not in line:
            cut = index == len(text.lines) - 1 and not text.ends_with_newline
            raise FileFormatError(
                path,
                f"row has {line.count(',') + 1} fields, the file's rows have {width}"
                + (" (the file ends inside this line: it is probably truncated)" if cut else ""),
                line=index + 1,
            )
        if not line[:1].isalpha():
            if not line.strip(", \t\r"):
                continue  # a blank row
            if not collecting or block is None:
                raise FileFormatError(path, "numbers outside a SENSELS block", line=index + 1)
            block.rows.append(index)
            continue
        cells = _cells(line)
        key, value = cells[0].strip(), cells[1].strip() if len(cells) > 1 else ""
        lower = key.lower()
        if collecting and block is not None:
            block.end_line = index + 1
        collecting = False
        if lower == "frame":
            try:
                number = int(value)
            except ValueError:
                raise FileFormatError(
                    path, f"FRAME {value!r} is not a frame number", line=index + 1
                ) from None
            if frames:
                frames[-1].end_line = index + 1
            frames.append(_Part("frame", str(number), index + 1))
            block = None
        elif not frames:
            file_fields[key.rstrip(":")] = value
        elif lower in ("sensor", "group"):
            block = _Part(lower, value, index + 1)
            frames[-1].blocks.append(block)
        elif lower == "sensels":
            if block is None or block.sensels_line is not None:
                where = (
                    "SENSELS outside a SENSOR or GROUP block"
                    if block is None
                    else "a second SENSELS row in one block"
                )
                raise FileFormatError(path, where, line=index + 1)
            block.sensels_line, collecting = index + 1, True
        else:
            (block or frames[-1]).fields[key] = (value, index + 1)
            if block is not None and block.kind == "group" and lower == "name":
                block.name = value  # a group is known by its name, not its number
    if frames:
        frames[-1].end_line = len(text.lines) + 1
    return file_fields, frames


def _incomplete(frame: _Part, first: _Part, n_lines: int) -> tuple[str, int] | None:
    """Why ``frame`` is not complete (as the ``first`` frame is) and the line that shows it."""
    for position, b in enumerate(frame.blocks):
        ref = first.blocks[position] if position < len(first.blocks) else None
        if ref is None or (b.kind, b.name) != (ref.kind, ref.name):
            return f"{b.kind.upper()} {b.name!r} where the first frame has another block", b.line
        after = b.end_line or n_lines
        if b.sensels_line is None:
            return f"{b.kind.upper()} {b.name!r} has no SENSELS row", after
        if b.kind == "sensor" and len(b.rows) != (rows := int(ref.fields["Rows"][0])):
            return f"SENSOR {b.name!r} has {len(b.rows)} of its {rows} sensel rows", after
    if len(frame.blocks) < len(first.blocks):
        ref = first.blocks[len(frame.blocks)]
        return f"no {ref.kind.upper()} {ref.name!r} block (the first frame has one)", frame.end_line
    return None


def _check_first(path: Path, frame: _Part) -> None:
    """The first frame's SENSOR blocks each give a positive count of Rows and Columns."""
    sensors = [b for b in frame.blocks if b.kind == "sensor"]
    if not sensors:
        raise FileFormatError(path, "the first frame has no SENSOR block", line=frame.line)
    for b in sensors:
        for key in ("Rows", "Columns"):
            value, line = b.fields.get(key, ("", b.line))
            if not value.isdigit() or int(value) < 1:
                raise FileFormatError(
                    path, f"SENSOR {b.name!r}: {key} {value!r} is not a positive count", line=line
                )


def _parse_by_lines(path: Path, text: TextLines) -> _Parsed:
    """Every frame walked (``_structure``) and checked against the first."""
    width = _width(text)
    file_fields, frames = _structure(path, text, width)
    n_lines = len(text.lines)
    if not frames:
        raise FileFormatError(path, "no FRAME row: not an XSENSOR frame export", line=n_lines)
    _check_first(path, frames[0])
    incomplete = 0
    for k, frame in enumerate(frames):
        why = _incomplete(frame, frames[0], n_lines)
        if why is not None and k == len(frames) - 1 and text.ends_with_newline:
            frames.pop()  # the file ends at a line end inside its last frame
            incomplete = 1
        elif why is not None:
            raise FileFormatError(path, f"frame {frame.name}: {why[0]}", line=min(why[1], n_lines))
    if not frames:
        raise FileFormatError(path, "no complete frame", line=n_lines)
    rows = [i for f in frames for b in f.blocks for i in b.rows]
    if rows and rows[-1] == n_lines - 1 and not text.ends_with_newline:
        raise FileFormatError(
            path, "the file ends inside this line: it is probably truncated", line=n_lines
        )
    width = width or (max(len(_cells(text.lines[i])) for i in rows) if rows else 1)
    table = _sensels(path, text, rows, width)  # a bad cell is named before a broken frame
    blocks = []
    for k, b0 in enumerate(frames[0].blocks):
        mine = [f.blocks[k] for f in frames]
        what, keys = f"{b0.kind.upper()} {b0.name!r} of frame", list(b0.fields)
        for f, b in zip(frames, mine, strict=True):
            if len(b.rows) != len(b0.rows):  # a group's rows: the same in every frame
                raise FileFormatError(
                    path,
                    f"{what} {f.name} has {len(b.rows)} sensel rows, the first frame "
                    f"{len(b0.rows)}",
                    line=b.end_line or n_lines,
                )
        for f, b in zip(frames, mine, strict=True):
            theirs = list(b.fields)
            if theirs != keys:  # a key row missing, renamed or added
                pairs = enumerate(zip(theirs, keys, strict=False))
                i = next((i for i, (x, y) in pairs if x != y), min(len(theirs), len(keys)))
                got, want = (
                    (theirs[i] if i < len(theirs) else None),
                    (keys[i] if i < len(keys) else None),
                )
                line = b.fields[got][1] if got is not None else (b.sensels_line or b.line)
                raise FileFormatError(
                    path,
                    f"{what} {f.name}: row {got!r} where the first frame has {want!r}",
                    line=line,
                )
        rows_at = np.array([b.rows for b in mine], dtype=np.int64).reshape(len(mine), -1)
        blocks.append(_Series(b0.kind, b0.name, b0.line, *_columns(mine, list(b0.fields)), rows_at))
    numbers = np.array([int(f.name) for f in frames], dtype=np.int64)
    frame_lines = np.array([f.line for f in frames], dtype=np.int64)
    own = _Series(
        "frame",
        "",
        frame_lines[0],
        *_columns(frames, ["Date", "Time"]),
        frame_lines[:, None][:, :0],
    )
    return _with_sensels(
        table, _Parsed(file_fields, width, numbers, frame_lines, own, blocks, incomplete)
    )


def _columns(
    parts: Sequence[_Part], keys: list[str]
) -> tuple[dict[str, StrArray], dict[str, IntArray]]:
    """Each key's value and line in each of ``parts`` (the part's line and "" without)."""
    found = {key: [p.fields.get(key, ("", p.line)) for p in parts] for key in keys}
    values = {key: np.array([v for v, _ in pairs], dtype=str) for key, pairs in found.items()}
    return values, {
        key: np.array([n for _, n in pairs], dtype=np.int64) for key, pairs in found.items()
    }


def _parse_fast(path: Path, text: TextLines | None = None) -> _Parsed | None:
    """A regular export read by index (module docstring), or None where a frame is not laid
    out line for line as the first."""
    text = _text(path) if text is None else text
    lines, width = text.lines, _width(text)
    f0 = next((i for i, line in enumerate(lines) if line.startswith("FRAME,")), None)
    if width is None or f0 is None or not text.ends_with_newline:
        return None
    f1 = next((i for i in range(f0 + 1, len(lines)) if lines[i].startswith("FRAME,")), None)
    per = (f1 or len(lines)) - f0
    file_fields, first = _structure(path, TextLines(path, lines[: f0 + per], True), width)
    _check_first(path, first[0])
    if len(first) > 1 or _incomplete(first[0], first[0], 0):
        return None
    head, blank = lines[f0 : f0 + per], "," * (width - 1)
    keys = [o for o, line in enumerate(head) if line[:1].isalpha()]
    numeric = [r - f0 for b in first[0].blocks for r in b.rows]
    blanks = [o for o, line in enumerate(head) if line == blank]
    starts = np.arange(f0, len(lines), per, dtype=np.int64)[:, None]
    tail = len(lines) - starts[-1, 0]  # the last frame's lines: its closing blank rows may lack
    if len(keys) + len(numeric) + len(blanks) != per or max(keys + numeric) >= tail:
        return None  # a row of another kind, or the last frame lacks more than blank rows

    def rows(offsets: list[int]) -> list[str]:  # the lines at these offsets in every frame
        index = (starts + np.array(offsets, dtype=np.int64)).ravel()
        return [lines[i] for i in index[index < len(lines)].tolist()]

    sensel_rows, keyed = rows(numeric), rows(keys)
    if set(rows(blanks)) - {blank} or any(row[:1].isalpha() or row == blank for row in sensel_rows):
        return None
    commas = set(map(methodcaller("count", ","), keyed + sensel_rows))
    if '"' in "".join(keyed) or commas != {width - 1}:
        return None
    # (find, not split: a list a row would wake the garbage collector over and over)
    cut = [row.find(",") for row in keyed]
    names = [head[o][: cut[k]] for k, o in enumerate(keys)]
    if [row[:c] for row, c in zip(keyed, cut, strict=True)] != names * len(starts):
        return None  # a key row differs from the first frame's
    values = np.array(
        [row[c + 1 : row.find(",", c + 1)].strip() for row, c in zip(keyed, cut, strict=True)]
    )
    values = values.reshape(-1, len(keys))
    named = [k for k, name in enumerate(names) if name.strip().lower() in _NAMING]
    if (values[:, named] != values[0, named]).any():
        return None  # a block's name differs from the first frame's
    try:
        numbers = values[:, 0].astype(np.int64)
    except ValueError:
        return None
    column = {f0 + 1 + o: k for k, o in enumerate(keys)}  # a first-frame line → its key row

    def series(part: _Part) -> _Series:
        fields = part.fields.items()
        return _Series(
            part.kind,
            part.name,
            part.line,
            {key: values[:, column[line]] for key, (_, line) in fields},
            {key: starts[:, 0] + line - f0 for key, (_, line) in fields},
            starts + np.array(part.rows, dtype=np.int64) - f0,
        )

    table = _sensels(path, text, (starts + np.array(numeric)).ravel().tolist(), width)
    blocks = [series(b) for b in first[0].blocks]
    parsed = _Parsed(file_fields, width, numbers, starts[:, 0] + 1, series(first[0]), blocks, 0)
    return _with_sensels(table, parsed)


def _sensels(path: Path, text: TextLines, rows: list[int], width: int) -> FloatArray:
    """The sensel rows at ``rows`` (0-based lines), read in one ``read_table`` pass."""
    if not rows:
        return np.empty((0, width))
    body = ("\n".join([text.lines[i] for i in rows]) + "\n").encode()
    return read_rows(path, body, rows, width, "utf-8")


def _with_sensels(table: FloatArray, parsed: _Parsed) -> _Parsed:
    """``parsed`` with each block's cells from ``table``: every frame's sensel rows in turn."""
    table, start = table.reshape(parsed.numbers.size, -1, parsed.width), 0
    for block in parsed.blocks:
        block.values = table[:, start : start + block.row_lines.shape[1]]
        start += block.row_lines.shape[1]
    return parsed


# --- the session ----------------------------------------------------------------------------


def _side(name: str) -> SideName | None:
    match = _SIDE.search(name)
    if match is not None:
        return "left" if match.group("letter") == "L" else "right"
    lower = name.lower()
    if ("left" in lower) != ("right" in lower):
        return "left" if "left" in lower else "right"
    return None


def _when(path: Path, date: str, time: str, line: int, number: int) -> _dt.datetime | float:
    """A frame's ``Date`` + ``Time`` as a datetime (or its ``Time`` in s when it is a plain
    number)."""
    if not time:
        raise FileFormatError(path, f"frame {number} has no Time row", line=line)
    try:
        return float(time)
    except ValueError:
        pass
    for fmt in ("%H:%M:%S.%f", "%H:%M:%S"):
        try:
            clock = _dt.datetime.strptime(time, fmt).time()
        except ValueError:
            continue
        for date_fmt in _DATE_FORMATS:
            try:
                return _dt.datetime.combine(_dt.datetime.strptime(date, date_fmt).date(), clock)
            except ValueError:
                continue
        return _dt.datetime.combine(_dt.date(1900, 1, 1), clock)
    raise FileFormatError(path, f"frame {number}: Time {time!r} is not hh:mm:ss.fff", line=line)


def _times(path: Path, parsed: _Parsed) -> tuple[FloatArray, _dt.datetime | None]:
    """Each frame's time in s from the first, and the first frame's date and time."""
    fields, empty = parsed.frame.fields, np.full(parsed.numbers.size, "")
    found = [
        _when(path, *args)
        for args in zip(
            fields.get("Date", empty).tolist(),
            fields.get("Time", empty).tolist(),
            parsed.frame.field_lines.get("Time", parsed.frame_lines).tolist(),
            parsed.numbers.tolist(),
            strict=True,
        )
    ]
    if all(isinstance(s, float) for s in found):
        plain = np.array(found, dtype=np.float64)
        return plain - plain[0], None
    stamps = [s for s in found if isinstance(s, _dt.datetime)]
    if len(stamps) < len(found):
        raise FileFormatError(
            path, "frames mix clock times and numbers", line=int(parsed.frame_lines[0])
        )
    seconds = np.array([(s - stamps[0]).total_seconds() for s in stamps], dtype=np.float64)
    return seconds, stamps[0] if stamps[0].year > 1900 else None


def _vendor(
    path: Path, block: _Series, factor: float, unit: str
) -> tuple[dict[str, FloatArray], dict[str, str]]:
    """Per-frame summary columns of a block (our names, pressures in ``unit``) and the rows
    that are the same in every frame."""
    columns: dict[str, FloatArray] = {}
    constants: dict[str, str] = {}
    for key, values in block.fields.items():
        ours = next((v for k, v in _SUMMARY.items() if key.lower().startswith(k)), None)
        if key in _NOT_SUMMARY or key.startswith("Sensel"):
            continue
        if (values == values[0]).all():
            constants[key] = str(values[0])
        elif ours is not None:
            cells = values.reshape(-1, 1).tolist()
            numbers = to_numbers(path, cells, block.field_lines[key].tolist(), [key])[:, 0]
            pressure = ours in _PRESSURE_KEYS
            columns[f"{ours}_{unit}" if pressure else ours] = (
                numbers * factor if pressure else numbers
            )
    return columns, constants


def _check_group(path: Path, parsed: _Parsed, block: _Series) -> None:
    """A group's SENSELS rows hold exactly ``Cells`` numbers in every frame, then empty cells."""
    values, lines = block.fields.get("Cells"), block.field_lines.get("Cells")
    if values is None or lines is None:
        raise FileFormatError(path, f"GROUP {block.name!r} has no Cells row", line=block.line)
    for value, line in zip(values.tolist(), lines.tolist(), strict=True):
        if not value.isdigit():
            raise FileFormatError(
                path, f"GROUP {block.name!r}: Cells {value!r} is not a count", line=int(line)
            )
    cells = values.astype(np.int64)
    n, rows, width = block.values.shape
    filled = ~np.isnan(block.values.reshape(n, rows * width))
    count = filled.sum(axis=1)
    position = np.arange(rows * width)
    wrong = (count != cells) | ~(filled == (position[None, :] < cells[:, None])).all(axis=1)
    if wrong.any():
        f = int(np.argmax(wrong))
        bad = np.flatnonzero(filled[f] != (position < cells[f]))
        row = int(bad[0]) // width if bad.size else rows - 1
        raise FileFormatError(
            path,
            f"GROUP {block.name!r} of frame {parsed.numbers[f]}: {int(count[f])} sensel values, "
            f"Cells says {int(cells[f])}",
            line=int(block.row_lines[f, row]) + 1 if rows else int(lines[f]),
        )


def read(path: Path) -> Session:
    """Read an XSENSOR export (module docstring). FileFormatError names the line of the first
    ragged row, bad cell or broken frame."""
    return _read(path)


def _read(path: Path, fast: bool = True) -> Session:
    """``read``; ``fast=False`` walks every frame (the tests check both agree)."""
    text = _text(path)
    parsed = _parse_fast(path, text) if fast else None
    return _session(path, parsed or _parse_by_lines(path, text))


def _orientation(
    mask: BoolArray, matrix: FloatArray, side: SideName | None
) -> tuple[Orientation, Orientation | None, str]:
    """(orientation, the footprint's when it decides, how the orientation was decided)."""
    loaded = np.nan_to_num(matrix, nan=0.0).max(axis=0) > 0
    footprint = insole_orientation(loaded, side) if loaded.sum() >= MIN_FOOTPRINT_CELLS else None
    if footprint is not None and not (footprint.row_decided and footprint.col_decided):
        footprint = None
    if not mask.all():  # blank cells: the insole's outline decides, as for F-Scan
        return insole_orientation(mask, side), footprint, "outline (blank cells)"
    if side is None and footprint is not None:
        return footprint, footprint, "footprint (cells ever loaded)"
    convention = insole_orientation(np.zeros_like(mask), side)
    return convention, footprint, "convention (toes at row 0, seen from above)"


def _session(path: Path, parsed: _Parsed) -> Session:
    """The session from the parsed frames."""
    unit_text = parsed.file_fields.get("Units", "")
    unit, factor, unit_note = units(unit_text)
    numbers, frame_lines = parsed.numbers, parsed.frame_lines.tolist()
    frames_increase(path, numbers, frame_lines)
    time_s, started = _times(path, parsed)
    check_increasing(path, time_s, frame_lines, "frame time")
    n = int(numbers.size)
    rate = (n - 1) / float(time_s[-1]) if n > 1 and time_s[-1] > 0 else 1.0
    groups = [b for b in parsed.blocks if b.kind == "group"]
    for block in groups:
        _check_group(path, parsed, block)
    feet: dict[str, FootRecording] = {}
    per_foot: dict[str, Any] = {}
    summary: dict[str, Any] = {}
    problems: list[str] = []
    for ref in (b for b in parsed.blocks if b.kind == "sensor"):
        rows, cols = int(ref.fields["Rows"][0]), int(ref.fields["Columns"][0])
        for key, expected in (("Rows", rows), ("Columns", cols)):
            f = int(np.argmax(ref.fields[key] != str(expected)))
            if ref.fields[key][f] != str(expected):
                raise FileFormatError(
                    path,
                    f"SENSOR {ref.name!r}: {key} {ref.fields[key][f]!r} in frame {numbers[f]}, "
                    f"{expected} in the first",
                    line=int(ref.field_lines[key][f]),
                )
        if parsed.width < cols:
            raise FileFormatError(
                path, f"sensel rows have {parsed.width} fields, Columns says {cols}", line=ref.line
            )
        extra = ~np.isnan(ref.values[:, :, cols:])
        if extra.any():
            f, r, _ = (int(v[0]) for v in np.nonzero(extra))
            raise FileFormatError(
                path,
                f"a sensel row of SENSOR {ref.name!r} has values after its {cols} columns",
                line=int(ref.row_lines[f, r]) + 1,
            )
        matrix = ref.values[:, :, :cols]
        where = f"SENSOR {ref.name!r} in "
        mask = ~outline_check(path, np.isnan(matrix), ref.row_lines + 1, numbers, "empty", where)
        if not mask.any():
            raise FileFormatError(path, f"SENSOR {ref.name!r} has no sensel", line=ref.line)
        spacing = {}
        for key in ("Sensel Width", "Sensel Height"):
            row_key = next((k for k in ref.fields if k.startswith(key)), None)
            if row_key is None:
                raise FileFormatError(path, f"SENSOR {ref.name!r} has no {key} row", line=ref.line)
            line = int(ref.field_lines[row_key][0])
            size = float(to_numbers(path, [[str(ref.fields[row_key][0])]], [line], [row_key])[0, 0])
            if not size > 0:
                raise FileFormatError(path, f"{row_key} must be positive", line=line)
            scale = 10.0 if "(cm)" in row_key else (25.4 if "(in" in row_key else 1.0)
            spacing[key] = size * scale
        row_mm, col_mm = spacing["Sensel Height"], spacing["Sensel Width"]
        named = _side(ref.name)
        orientation, footprint, decided_by = _orientation(mask, matrix, named)
        side: SideName = named or orientation.side_from_outline()
        o, fp = orientation, footprint
        agrees = None if fp is None else (fp.first_row, fp.first_col) == (o.first_row, o.first_col)
        if named is not None and fp is not None and not agrees:
            problems.append(
                f"SENSOR {ref.name!r}: the loaded footprint suggests first_row={fp.first_row}, "
                f"first_col={fp.first_col}; kept {o.first_row}, {o.first_col} ({decided_by})"
            )
        if side in feet:
            raise FileFormatError(path, f"two SENSOR blocks of the {side} foot", line=ref.line)
        vendor, constants = _vendor(path, ref, factor, unit)
        total = vendor.pop("est_load_n", None)
        group_constants: dict[str, dict[str, str]] = {}
        for g_index, group in enumerate(groups):
            if _side(group.name) != side:
                continue  # the other foot's group, or one whose name says no side
            region = re.sub(r"^(left|right)\s*", "", group.name, flags=re.I)
            region = re.sub(r"[^a-z0-9]+", "_", region.lower()).strip("_") or f"group{g_index + 1}"
            g_vendor, group_constants[group.name] = _vendor(path, group, factor, unit)
            for key, column in g_vendor.items():
                if key in _GROUP_COLUMNS or key == f"peak_pressure_{unit}":
                    vendor[f"{region}_{key}"] = column
        name = f"xsensor{rows}x{cols}" + ("" if mask.all() else f"-{int(mask.sum())}")
        recording = dict(unit=unit, sampling_rate_hz=rate, total_force_n=total, vendor=vendor)
        spacing_mm, peaks = (row_mm, col_mm), bool(mask.all())
        foot = grid_foot(
            side, time_s.copy(), matrix, mask, spacing_mm, o, name, factor, peaks, **recording
        )
        feet[side] = foot
        if (foot.values < 0).any():
            problems.append(f"{side} foot: {int((foot.values < 0).sum())} negative values (kept)")
        summary[side] = {**constants, "groups": group_constants}
        per_foot[side] = {
            "sensor": ref.name,
            "rows": rows,
            "cols": cols,
            "sensel_width_mm": col_mm,
            "sensel_height_mm": row_mm,
            "orientation": orientation.describe(),
            "orientation_from": decided_by,
            "footprint_agrees": agrees,
            "side_from": "footprint" if named is None else "sensor name",
        }
        p = foot.values.sum(axis=1)
        usable = p > 0
        if total is not None and unit == "kpa" and usable.sum() >= 3:
            area = float(total[usable] @ p[usable] / (p[usable] @ p[usable])) * 1e3
            per_foot[side]["vendor_sensel_area_mm2"] = round(area, 3)
    meta: dict[str, Any] = {
        "source": example_source(path, "XSENSOR insole export (.csv)"),
        "record": path.stem,
        "device": {
            "system": SYSTEM,
            "sensors": {s: i["sensor"] for s, i in per_foot.items()},
            "rows": {s: i["rows"] for s, i in per_foot.items()},
            "cols": {s: i["cols"] for s, i in per_foot.items()},
        },
        "header": dict(parsed.file_fields),
        "unit_conversion": unit_note,
        "units_in_file": unit_text,
        "feet": per_foot,
        "vendor_summary": summary,
        "side_inferred": any(i["side_from"] == "footprint" for i in per_foot.values()),
        "frame_numbers": [int(numbers[0]), int(numbers[-1])],
    }
    for s, i in per_foot.items():
        if "vendor_sensel_area_mm2" in i:
            meta.setdefault("vendor_sensel_area_mm2", {})[s] = i["vendor_sensel_area_mm2"]
    if started is not None:
        meta["start_time_local"] = started.isoformat()
    missing = int((np.diff(numbers) - 1).clip(min=0).sum())
    quality = {"frames": n, "incomplete_frames": parsed.incomplete, "frames_missing": missing}
    return Session.from_feet(path, NAME, feet, meta, quality=quality, problems=problems)
