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
The fast path (``_parse_fast``) works on the bytes with numpy: it finds every line's start,
comma count and first character, checks that the file is regular (every frame has the same
rows in the same order: the same kinds of row, the same keys, the same number of fields), reads
the first frame's structure, and then takes every frame's values by index: the sensel rows of
all frames in one pass of pandas' C parser, the key rows' values in another. Anything else (a
ragged row, a cell that is not a number, a frame that differs, a damaged key, a lone carriage
return) goes to the reference path (``_parse_by_lines``), which reads the file row by row and
names the line of the first ragged row, bad cell or broken frame. Both give the same session
(the tests check it). A file that ends exactly at a line end inside its last frame loses that
frame (``incomplete_frames``); one that ends inside a row is damaged there.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ...errors import FileFormatError
from ...layout import grid_layout
from ...model import FloatArray, FootRecording, Session, SideName
from ..text import TextLines, check_increasing, head_lines, read_text_lines
from ..text import PRESSURE_UNITS
from ._tekscan import example_source, insole_orientation

NAME = "xsensor"
DESCRIPTION = (
    "XSENSOR insole export (.csv: 'FRAME', 'SENSOR …-LF/-RF' blocks with Rows, Columns, "
    "Sensel Width/Height and a SENSELS matrix per foot, GROUP blocks)"
)
SUFFIXES = (".csv",)
SYSTEM = "XSENSOR"
MIN_FOOTPRINT_CELLS = 12  # fewer loaded cells: the orientation falls back to the convention

IntArray = npt.NDArray[np.int64]
StrArray = npt.NDArray[np.str_]

_BOM = b"\xef\xbb\xbf"
_SIDE = re.compile(r"(?:^|[^A-Za-z])(?P<letter>[LR])F(?:[^A-Za-z]|$)")
_NUMERIC_BYTES = b"0123456789+-.eE,\r\n"
_KEY_PREFIX = 32  # bytes of each key row compared between frames (up to the first comma)
_CHUNK = 1 << 17  # key rows compared at a time
_LINES_AT_ONCE = 1 << 20  # lines whose commas are counted at a time
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


def detect(path: Path, head: bytes) -> bool:
    """Key rows ``FRAME``, ``SENSOR``, ``Rows`` and ``Columns``, and ``SENSELS`` or
    ``Units:``, among the first rows."""
    low = head.lower()
    if not all(key in low for key in (b"frame", b"sensor", b"rows", b"columns")):
        return False  # a quick look before splitting the rows
    keys = set()
    for line in head_lines(head, 400):
        key = line.lstrip("\ufeff").split(",", 1)[0].strip().lower()
        if key:
            keys.add(key)
    return {"frame", "sensor", "rows", "columns"} <= keys and (
        "sensels" in keys or "units:" in keys
    )


def primary_file(path: Path) -> Path | None:
    return None


# --- what both paths produce ---------------------------------------------------------------


@dataclass
class _Series:
    """One SENSOR or GROUP block through all frames."""

    kind: str  # "sensor" or "group"
    name: str
    line: int  # 1-based line of its SENSOR / GROUP row in the first frame
    fields: dict[str, StrArray]  # key → value per frame
    field_lines: dict[str, IntArray]  # key → 1-based line per frame
    row_lines: IntArray  # (frames, rows): 0-based line index of each sensel row
    values: FloatArray  # (frames, rows, width): the sensel rows' cells, empty cells NaN


@dataclass
class _Parsed:
    file_fields: dict[str, str]
    width: int
    numbers: IntArray  # FRAME numbers
    frame_lines: IntArray  # 1-based
    dates: StrArray
    times: StrArray
    time_lines: IntArray
    blocks: list[_Series]
    incomplete: int
    n_lines: int
    fast: bool


# --- the reference path: row by row ---------------------------------------------------------


@dataclass
class _Block:
    kind: str
    name: str
    line: int  # 1-based line of its SENSOR / GROUP row
    fields: dict[str, tuple[str, int]] = field(default_factory=dict)  # key → (value, line)
    rows: list[int] = field(default_factory=list)  # indices of its sensel rows
    sensels_line: int | None = None
    end_line: int = 0  # 1-based line of the row that ends its sensel rows (0: the file's end)


@dataclass
class _Frame:
    number: int
    line: int
    fields: dict[str, tuple[str, int]] = field(default_factory=dict)
    blocks: list[_Block] = field(default_factory=list)
    end_line: int = 0  # 1-based line after its last row (the next FRAME row, or past the end)


def _text(path: Path) -> TextLines:
    try:
        text = read_text_lines(path, encoding="utf-8")
    except FileFormatError as exc:
        if not exc.detail.startswith("not utf-8"):
            raise
        text = read_text_lines(path, encoding="cp1252")  # an export from a Windows code page
    if text.lines:
        text.lines[0] = text.lines[0].lstrip("\ufeff")
    return text


def _cells(line: str) -> list[str]:
    if '"' in line:
        return next(csv.reader([line]))
    return line.split(",")


def _width(text: TextLines) -> int | None:
    """The fields every row has when the export pads its rows (the example's 20), else None."""
    counts = {len(_cells(line)) for line in text.lines[:64]}
    return counts.pop() if len(counts) == 1 else None


def _structure(
    path: Path, text: TextLines, width: int | None
) -> tuple[dict[str, str], list[_Frame]]:
    """The file rows and the frames with their blocks (sensel rows by index)."""
    lines = text.lines
    last = len(lines) - 1
    file_fields: dict[str, str] = {}
    frames: list[_Frame] = []
    block: _Block | None = None
    collecting = False
    for index, line in enumerate(lines):
        first = line[:1]
        if width is not None and line.count(",") != width - 1 and '"' not in line:
            hint = ""
            if index == last and not text.ends_with_newline:
                hint = " (the file ends inside this line: it is probably truncated)"
            raise FileFormatError(
                path,
                f"row has {line.count(',') + 1} fields, the file's rows have {width}{hint}",
                line=index + 1,
            )
        if not first.isalpha():
            if not line.strip(", \t\r"):
                continue  # a blank row
            if not collecting or block is None:
                raise FileFormatError(path, "numbers outside a SENSELS block", line=index + 1)
            block.rows.append(index)
            continue
        cells = _cells(line)
        key = cells[0].strip()
        value = cells[1].strip() if len(cells) > 1 else ""
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
            frames.append(_Frame(number, index + 1))
            block = None
        elif not frames:
            file_fields[key.rstrip(":")] = value
        elif lower in ("sensor", "group"):
            block = _Block(lower, value, index + 1)
            frames[-1].blocks.append(block)
        elif lower == "sensels":
            if block is None:
                raise FileFormatError(
                    path, "SENSELS outside a SENSOR or GROUP block", line=index + 1
                )
            if block.sensels_line is not None:
                raise FileFormatError(path, "a second SENSELS row in one block", line=index + 1)
            block.sensels_line = index + 1
            collecting = True
        elif block is None:
            frames[-1].fields[key] = (value, index + 1)
        else:
            block.fields[key] = (value, index + 1)
            if block.kind == "group" and lower == "name":
                block.name = value  # a group is known by its name, not its number
    if frames:
        frames[-1].end_line = len(lines) + 1
    return file_fields, frames


def _shapes(path: Path, frame: _Frame) -> list[tuple[int, int]]:
    """(Rows, Columns) of each SENSOR block of ``frame``."""
    shapes = []
    for b in frame.blocks:
        if b.kind != "sensor":
            continue
        dims = []
        for key in ("Rows", "Columns"):
            value, line = b.fields.get(key, ("", b.line))
            if not value.isdigit() or int(value) < 1:
                raise FileFormatError(
                    path, f"SENSOR {b.name!r}: {key} {value!r} is not a positive count", line=line
                )
            dims.append(int(value))
        shapes.append((dims[0], dims[1]))
    if not shapes:
        raise FileFormatError(path, "the first frame has no SENSOR block", line=frame.line)
    return shapes


def _incomplete(
    frame: _Frame, reference: list[tuple[str, str]], shapes: list[tuple[int, int]], n_lines: int
) -> tuple[str, int] | None:
    """Why ``frame`` is not complete and the line that shows it, or None."""
    k = 0
    for position, b in enumerate(frame.blocks):
        if position >= len(reference) or (b.kind, b.name) != reference[position]:
            return f"{b.kind.upper()} {b.name!r} where the first frame has another block", b.line
        after = b.end_line or n_lines
        if b.sensels_line is None:
            return f"{b.kind.upper()} {b.name!r} has no SENSELS row", after
        if b.kind == "sensor":
            rows = shapes[k][0]
            k += 1
            if len(b.rows) != rows:
                return f"SENSOR {b.name!r} has {len(b.rows)} of its {rows} sensel rows", after
    if len(frame.blocks) < len(reference):
        kind, name = reference[len(frame.blocks)]
        return f"no {kind.upper()} {name!r} block (the first frame has one)", frame.end_line
    return None


def _rows_by_lines(path: Path, text: TextLines, index: list[int], width: int) -> FloatArray:
    """The rows at ``index`` cell by cell (empty → NaN); FileFormatError at the first ragged
    row or cell that is not a number."""
    last = len(text.lines) - 1
    out = np.full((len(index), width), np.nan)
    for k, i in enumerate(index):
        cells = _cells(text.lines[i])
        truncated = i == last and not text.ends_with_newline
        hint = " (the file ends inside this line: it is probably truncated)" if truncated else ""
        if len(cells) != width:
            raise FileFormatError(
                path, f"row has {len(cells)} fields, expected {width}{hint}", line=i + 1
            )
        for c, cell in enumerate(cells):
            cell = cell.strip()
            if cell:
                out[k, c] = _number(path, cell, i + 1, f"column {c + 1}:")
        if truncated:
            raise FileFormatError(
                path, "the file ends inside this line: it is probably truncated", line=i + 1
            )
    return out


def _parse_by_lines(path: Path) -> _Parsed:
    """The reference path (module docstring)."""
    text = _text(path)
    width = _width(text)
    file_fields, frames = _structure(path, text, width)
    n_lines = len(text.lines)
    if not frames:
        raise FileFormatError(path, "no FRAME row: not an XSENSOR frame export", line=n_lines)
    reference = [(b.kind, b.name) for b in frames[0].blocks]
    shapes = _shapes(path, frames[0])
    incomplete = 0
    for k, frame in enumerate(frames):
        found = _incomplete(frame, reference, shapes, n_lines)
        if found is None:
            continue
        if k == len(frames) - 1 and text.ends_with_newline:
            frames.pop()  # the file ends at a line end inside its last frame
            incomplete = 1
            break
        why, line = found
        raise FileFormatError(path, f"frame {frame.number}: {why}", line=min(line, n_lines))
    if not frames:
        raise FileFormatError(path, "no complete frame", line=n_lines)
    all_rows = [i for f in frames for b in f.blocks for i in b.rows]
    if width is None:
        width = max(len(_cells(text.lines[i])) for i in all_rows) if all_rows else 1
    table = _rows_by_lines(path, text, all_rows, width)
    start = 0
    per_block: list[list[FloatArray]] = [[] for _ in reference]
    for f in frames:
        for k, b in enumerate(f.blocks):
            per_block[k].append(table[start : start + len(b.rows)])
            start += len(b.rows)
    blocks = []
    for k, b0 in enumerate(frames[0].blocks):
        mine = [f.blocks[k] for f in frames]
        counts = {len(b.rows) for b in mine}
        if len(counts) != 1:  # a group's rows: the same in every frame, or the count differs
            at = next(i for i, b in enumerate(mine) if len(b.rows) != len(b0.rows))
            raise FileFormatError(
                path,
                f"{b0.kind.upper()} {b0.name!r} of frame {frames[at].number} has "
                f"{len(mine[at].rows)} sensel rows, the first frame {len(b0.rows)}",
                line=mine[at].end_line or n_lines,
            )
        keys = list(b0.fields)
        for at, b in enumerate(mine):
            if list(b.fields) != keys:  # a key row missing, renamed or added
                theirs = list(b.fields)
                i = next(
                    (i for i, (x, y) in enumerate(zip(theirs, keys, strict=False)) if x != y),
                    min(len(theirs), len(keys)),
                )
                got = theirs[i] if i < len(theirs) else None
                want = keys[i] if i < len(keys) else None
                line = b.fields[got][1] if got is not None else (b.sensels_line or b.line)
                raise FileFormatError(
                    path,
                    f"{b0.kind.upper()} {b0.name!r} of frame {frames[at].number}: row "
                    f"{got!r} where the first frame has {want!r}",
                    line=line,
                )
        fields = {
            key: np.array([b.fields.get(key, ("", b.line))[0] for b in mine], dtype=str)
            for key in b0.fields
        }
        field_lines = {
            key: np.array([b.fields.get(key, ("", b.line))[1] for b in mine], dtype=np.int64)
            for key in b0.fields
        }
        blocks.append(
            _Series(
                kind=b0.kind,
                name=b0.name,
                line=b0.line,
                fields=fields,
                field_lines=field_lines,
                row_lines=np.array([b.rows for b in mine], dtype=np.int64).reshape(
                    len(mine), len(b0.rows)
                ),
                values=np.stack(per_block[k]).reshape(len(mine), len(b0.rows), width),
            )
        )
    return _Parsed(
        file_fields=file_fields,
        width=width,
        numbers=np.array([f.number for f in frames], dtype=np.int64),
        frame_lines=np.array([f.line for f in frames], dtype=np.int64),
        dates=np.array([f.fields.get("Date", ("", f.line))[0] for f in frames], dtype=str),
        times=np.array([f.fields.get("Time", ("", f.line))[0] for f in frames], dtype=str),
        time_lines=np.array([f.fields.get("Time", ("", f.line))[1] for f in frames]),
        blocks=blocks,
        incomplete=incomplete,
        n_lines=n_lines,
        fast=False,
    )


# --- the fast path: the bytes, by index -----------------------------------------------------


def _line_bytes(buf: np.ndarray, starts: IntArray, nl: IntArray, index: IntArray) -> bytes:
    """The lines at ``index`` (with their line ends), in order, as one byte string."""
    delta = np.zeros(buf.size + 1, dtype=np.int8)
    delta[starts[index]] = 1
    delta[nl[index] + 1] -= 1
    keep = np.cumsum(delta[:-1], dtype=np.int8).view(np.bool_)
    return bytes(buf[keep])


def _commas_per_line(buf: np.ndarray, starts: IntArray) -> IntArray:
    """The commas in each line (from its start to the next line's), a block of lines at a
    time so that the temporaries stay small."""
    out = np.empty(starts.size, dtype=np.int64)
    for a in range(0, starts.size, _LINES_AT_ONCE):
        b = min(a + _LINES_AT_ONCE, starts.size)
        lo = int(starts[a])
        hi = int(starts[b]) if b < starts.size else buf.size
        ones = (buf[lo:hi] == 44).view(np.uint8).astype(np.uint16)
        out[a:b] = np.add.reduceat(ones, starts[a:b] - lo)
    return out


def _parse_fast(path: Path) -> _Parsed | None:
    """The fast path (module docstring), or None wherever the file is not regular."""
    import pandas as pd

    try:
        data = path.read_bytes()
    except OSError:
        return None
    if not data or not data.endswith(b"\n") or b"\x00" in data:
        return None
    encoding = "utf-8"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        encoding = "cp1252"
        try:
            data.decode("cp1252")
        except UnicodeDecodeError:
            return None
    buf = np.frombuffer(data, dtype=np.uint8)
    nl = np.flatnonzero(buf == 10).astype(np.int64)
    starts = np.empty_like(nl)
    starts[0] = 0
    starts[1:] = nl[:-1] + 1
    cr = np.zeros(nl.size, dtype=np.bool_)
    cr[nl > 0] = buf[nl[nl > 0] - 1] == 13
    if int(np.count_nonzero(buf == 13)) != int(cr.sum()):
        return None  # a carriage return inside a line
    ends = nl - cr
    if data.startswith(_BOM) and ends[0] >= 3:
        starts[0] = 3
    lengths = ends - starts
    if lengths.max(initial=0) >= 1 << 16:
        return None  # a line too long to count its commas in 16 bits
    commas = _commas_per_line(buf, starts)
    first = np.where(lengths > 0, buf[np.minimum(starts, buf.size - 1)], 0)
    if np.any((first == 32) | (first == 9)):
        return None
    lower = first | 0x20
    letter = (lower >= 97) & (lower <= 122)
    kind = np.where(commas == lengths, 0, np.where(letter, 1, 2)).astype(np.int8)
    key_rows = np.flatnonzero(kind == 1)
    head6 = buf[np.minimum(starts[key_rows][:, None] + np.arange(6), buf.size - 1)]
    is_frame = (head6 == np.frombuffer(b"FRAME,", dtype=np.uint8)).all(axis=1)
    frames = key_rows[is_frame & (lengths[key_rows] >= 6)]
    if frames.size == 0:
        return None
    f0, n, n_lines = int(frames[0]), int(frames.size), int(nl.size)
    tail = n_lines - int(frames[-1])  # the last frame's rows (its closing blank rows may lack)
    per_frame = int(frames[1] - frames[0]) if n > 1 else tail
    if np.any(np.diff(frames) != per_frame) or tail > per_frame:
        return None  # frames of different lengths
    width = int(commas[f0]) + 1
    if np.any(commas[f0:] != width - 1):
        return None
    quotes = np.flatnonzero(buf == 34)
    if quotes.size and quotes[-1] >= starts[f0]:
        return None
    padded = np.zeros(n * per_frame, dtype=np.int8)  # rows the last frame lacks: blank
    padded[: n_lines - f0] = kind[f0:]
    kinds = padded.reshape(n, per_frame)
    if not (kinds == kinds[0]).all():
        return None  # (also when the last frame lacks more than blank rows)
    key_off = np.flatnonzero(kinds[0] == 1)
    num_off = np.flatnonzero(kinds[0] == 2)
    # every frame's key rows say what the first frame's say (up to the first comma)
    key_lines = (frames[:, None] + key_off[None, :]).ravel()
    reference: np.ndarray | None = None
    step = max(1, _CHUNK // key_off.size) * key_off.size  # whole frames at a time
    for at in range(0, key_lines.size, step):
        chunk = key_lines[at : at + step]
        pos = starts[chunk][:, None] + np.arange(_KEY_PREFIX)
        prefix = np.where(pos < ends[chunk][:, None], buf[np.minimum(pos, buf.size - 1)], 0)
        prefix[np.cumsum(prefix == 44, axis=1) > 0] = 0
        prefix = prefix.reshape(-1, key_off.size, _KEY_PREFIX)
        if reference is None:
            reference = prefix[0].copy()
        if not (prefix == reference).all():
            return None
    # the first frame's structure, read as the reference path reads it
    head_text = data[: int(nl[f0 + per_frame - 1]) + 1].decode(encoding)
    lines = [line.rstrip("\r") for line in head_text.split("\n")[:-1]]
    if lines:
        lines[0] = lines[0].lstrip("\ufeff")
    try:
        file_fields, first_frames = _structure(path, TextLines(path, lines, True), None)
        shapes = _shapes(path, first_frames[0])
    except FileFormatError:
        return None
    frame0 = first_frames[0]
    reference_blocks = [(b.kind, b.name) for b in frame0.blocks]
    if _incomplete(frame0, reference_blocks, shapes, len(lines)) is not None:
        return None
    # the sensel rows of every frame, in one pass
    numeric = _line_bytes(buf, starts, nl, (frames[:, None] + num_off[None, :]).ravel())
    if numeric.translate(None, _NUMERIC_BYTES):
        return None  # letters or other characters: the reference path names the cell
    try:
        table = pd.read_csv(
            io.BytesIO(numeric),
            header=None,
            names=list(range(width)),
            dtype=np.float64,
            na_values=[""],
            keep_default_na=False,
            engine="c",
        ).to_numpy(dtype=np.float64)
    except (ValueError, TypeError, OverflowError):
        return None
    if table.shape != (n * num_off.size, width) or np.isinf(table).any():
        return None
    table = table.reshape(n, num_off.size, width)
    # the key rows' values of every frame, in one pass
    keyed = _line_bytes(buf, starts, nl, key_lines)
    try:
        column = pd.read_csv(
            io.BytesIO(keyed),
            header=None,
            names=list(range(width)),
            usecols=[1],
            dtype=str,
            keep_default_na=False,
            quoting=csv.QUOTE_NONE,
            encoding=encoding,
            engine="c",
        )[1]
    except (ValueError, TypeError, UnicodeDecodeError):
        return None
    if len(column) != key_lines.size:
        return None
    values = column.str.strip().to_numpy(dtype=str).reshape(n, key_off.size)
    key_at = {int(off): k for k, off in enumerate(key_off)}
    num_at = {int(off): k for k, off in enumerate(num_off)}

    def field_of(line: int) -> tuple[StrArray, IntArray]:
        offset = line - 1 - f0
        return values[:, key_at[offset]], frames + offset + 1

    try:
        numbers = values[:, key_at[0]].astype(np.int64)
    except ValueError:
        return None
    blocks = []
    for b in frame0.blocks:
        fields: dict[str, StrArray] = {}
        field_lines: dict[str, IntArray] = {}
        for key, (_, line) in b.fields.items():
            fields[key], field_lines[key] = field_of(line)
        offsets = np.array(b.rows, dtype=np.int64) - f0
        blocks.append(
            _Series(
                kind=b.kind,
                name=b.name,
                line=b.line,
                fields=fields,
                field_lines=field_lines,
                row_lines=frames[:, None] + offsets[None, :],
                values=table[:, [num_at[int(o)] for o in offsets], :],
            )
        )
    empty = np.full(n, "", dtype=str)
    dates, _ = field_of(frame0.fields["Date"][1]) if "Date" in frame0.fields else (empty, frames)
    if "Time" in frame0.fields:
        times, time_lines = field_of(frame0.fields["Time"][1])
    else:
        times, time_lines = empty, frames + 1
    return _Parsed(
        file_fields=file_fields,
        width=width,
        numbers=numbers,
        frame_lines=frames + 1,
        dates=dates,
        times=times,
        time_lines=time_lines,
        blocks=blocks,
        incomplete=0,
        n_lines=n_lines,
        fast=True,
    )


# --- the session ----------------------------------------------------------------------------


def _number(path: Path, value: str, line: int, what: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if not np.isfinite(number):
        raise FileFormatError(path, f"{what} {value!r} is not a number", line=line)
    return number


def _numbers(path: Path, values: StrArray, lines: IntArray, what: str) -> FloatArray:
    """``values`` as floats; FileFormatError at the line of the first that is not a number."""
    try:
        out = values.astype(np.float64)
    except ValueError:
        out = None
    if out is not None and np.isfinite(out).all():
        return out
    for value, line in zip(values.tolist(), lines.tolist(), strict=True):
        _number(path, value, int(line), what)
    return np.array([float(v) for v in values.tolist()], dtype=np.float64)


def _side(name: str) -> SideName | None:
    match = _SIDE.search(name)
    if match is not None:
        return "left" if match.group("letter") == "L" else "right"
    lower = name.lower()
    if "left" in lower and "right" not in lower:
        return "left"
    if "right" in lower and "left" not in lower:
        return "right"
    return None


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def _summary_key(key: str) -> str | None:
    lower = key.lower()
    for prefix, ours in _SUMMARY.items():
        if lower.startswith(prefix):
            return ours
    return None


_DATE_FORMATS = ("%Y %b %d", "%Y-%m-%d", "%d %b %Y", "%m/%d/%Y", "%d.%m.%Y")


def _when(
    path: Path, date_text: str, time_text: str, line: int, number: int
) -> _dt.datetime | float:
    """A frame's ``Date`` + ``Time`` as a datetime (or its ``Time`` in s when it is a plain
    number)."""
    if not time_text:
        raise FileFormatError(path, f"frame {number} has no Time row", line=line)
    try:
        return float(time_text)
    except ValueError:
        pass
    for fmt in ("%H:%M:%S.%f", "%H:%M:%S"):
        try:
            clock = _dt.datetime.strptime(time_text, fmt)
        except ValueError:
            continue
        day = _dt.date(1900, 1, 1)
        for date_fmt in _DATE_FORMATS:
            try:
                day = _dt.datetime.strptime(date_text, date_fmt).date()
                break
            except ValueError:
                continue
        return _dt.datetime.combine(day, clock.time())
    raise FileFormatError(
        path, f"frame {number}: Time {time_text!r} is not hh:mm:ss.fff", line=line
    )


def _times(path: Path, parsed: _Parsed) -> tuple[FloatArray, _dt.datetime | None]:
    """Each frame's time in s from the first, and the first frame's date and time."""
    import pandas as pd

    dates, times = parsed.dates, parsed.times
    if times.size and all(
        re.fullmatch(r"\d{1,2}:\d{2}:\d{2}\.\d{1,6}", str(t)) for t in (times[0], times[-1])
    ):
        try:
            stamps = pd.to_datetime(
                pd.Series(dates) + " " + pd.Series(times), format="%Y %b %d %H:%M:%S.%f"
            )
        except (ValueError, TypeError):
            stamps = None
        if stamps is not None and not stamps.isna().any():
            micro = stamps.to_numpy(dtype="datetime64[us]").astype(np.int64)
            first = stamps.iloc[0].to_pydatetime()
            return (micro - micro[0]) / 1e6, first
    found = [
        _when(path, str(d), str(t), int(line), int(k))
        for d, t, line, k in zip(
            dates.tolist(),
            times.tolist(),
            parsed.time_lines.tolist(),
            parsed.numbers.tolist(),
            strict=True,
        )
    ]
    if all(isinstance(s, float) for s in found):
        plain = np.array(found, dtype=np.float64)
        return plain - plain[0], None
    if all(isinstance(s, _dt.datetime) for s in found):
        t0 = found[0]
        assert isinstance(t0, _dt.datetime)
        seconds = [(s - t0).total_seconds() for s in found if isinstance(s, _dt.datetime)]
        return np.array(seconds, dtype=np.float64), t0 if t0.year > 1900 else None
    raise FileFormatError(
        path, "frames mix clock times and numbers", line=int(parsed.frame_lines[0])
    )


def _vendor(
    path: Path, block: _Series, factor: float, unit: str
) -> tuple[dict[str, FloatArray], dict[str, str]]:
    """Per-frame summary columns of a block (our names, pressures in ``unit``) and the rows
    that are the same in every frame."""
    columns: dict[str, FloatArray] = {}
    constants: dict[str, str] = {}
    for key, values in block.fields.items():
        if key in _NOT_SUMMARY or key.startswith("Sensel"):
            continue
        if (values == values[0]).all():
            constants[key] = str(values[0])
            continue
        ours = _summary_key(key)
        if ours is None:
            continue
        numbers = _numbers(path, values, block.field_lines[key], key)
        if ours in _PRESSURE_KEYS:
            columns[f"{ours}_{unit}"] = numbers * factor
        else:
            columns[ours] = numbers
    return columns, constants


def _check_group(path: Path, parsed: _Parsed, block: _Series) -> None:
    """A group's SENSELS rows hold exactly ``Cells`` numbers in every frame, then empty cells."""
    values = block.fields.get("Cells")
    lines = block.field_lines.get("Cells")
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
        line = int(block.row_lines[f, row]) + 1 if rows else int(block.field_lines["Cells"][f])
        raise FileFormatError(
            path,
            f"GROUP {block.name!r} of frame {parsed.numbers[f]}: {int(count[f])} sensel values, "
            f"Cells says {int(cells[f])}",
            line=line,
        )


def read(path: Path) -> Session:
    """Read an XSENSOR export (module docstring). FileFormatError names the line of the first
    ragged row, bad cell or broken frame."""
    return _read(path)


def _read(path: Path, fast: bool = True) -> Session:
    """``read``; ``fast=False`` takes the reference path (the tests check both agree)."""
    parsed = _parse_fast(path) if fast else None
    return _session(path, parsed if parsed is not None else _parse_by_lines(path))


def _session(path: Path, parsed: _Parsed) -> Session:
    """The session from what either path parsed."""
    from ...masks import with_anatomical_regions

    file_fields = parsed.file_fields
    unit_text = file_fields.get("Units", "")
    unit_key = re.sub(r"\s+", "", unit_text).lower().replace("²", "2")
    if unit_key in PRESSURE_UNITS:
        unit, factor = PRESSURE_UNITS[unit_key]
        unit_note = (
            f"values as in the file ({unit_text})"
            if factor == 1.0
            else f"{unit_text} × {factor:g} = {unit}"
        )
    else:
        unit, factor = "raw", 1.0
        unit_note = f"unknown unit {unit_text!r}: values kept as they are, unit 'raw'"
    numbers = parsed.numbers
    frame_lines = parsed.frame_lines.tolist()
    steps = np.diff(numbers)
    if steps.size and not np.all(steps > 0):
        k = int(np.argmax(~(steps > 0))) + 1
        raise FileFormatError(
            path, f"FRAME {numbers[k]} does not follow {numbers[k - 1]}", line=frame_lines[k]
        )
    time_s, started = _times(path, parsed)
    check_increasing(path, time_s, frame_lines, "frame time")
    n = int(numbers.size)
    span = float(time_s[-1]) if n > 1 else 0.0
    rate = (n - 1) / span if span > 0 else 1.0
    for block in parsed.blocks:
        if block.kind == "group":
            _check_group(path, parsed, block)

    feet: dict[SideName, FootRecording] = {}
    per_foot: dict[str, Any] = {}
    summary: dict[str, Any] = {}
    problems: list[str] = []
    side_inferred = False
    groups = [b for b in parsed.blocks if b.kind == "group"]
    for ref in (b for b in parsed.blocks if b.kind == "sensor"):
        rows = int(ref.fields["Rows"][0])
        cols = int(ref.fields["Columns"][0])
        for key, expected in (("Rows", rows), ("Columns", cols)):
            differs = ref.fields[key] != str(expected)
            if differs.any():
                f = int(np.argmax(differs))
                raise FileFormatError(
                    path,
                    f"SENSOR {ref.name!r}: {key} {ref.fields[key][f]!r} in frame "
                    f"{numbers[f]}, {expected} in the first",
                    line=int(ref.field_lines[key][f]),
                )
        if parsed.width < cols:
            raise FileFormatError(
                path, f"sensel rows have {parsed.width} fields, Columns says {cols}", line=ref.line
            )
        cube = ref.values
        extra = ~np.isnan(cube[:, :, cols:])
        if extra.any():
            f, r, _ = (int(v[0]) for v in np.nonzero(extra))
            raise FileFormatError(
                path,
                f"a sensel row of SENSOR {ref.name!r} has values after its {cols} columns",
                line=int(ref.row_lines[f, r]) + 1,
            )
        matrix = cube[:, :, :cols]
        blank = np.isnan(matrix)
        outline = blank.sum(axis=0) * 2 > n  # each cell as in most frames
        differs_rows = (blank != outline).any(axis=2)
        if differs_rows.any():
            f, r = (int(v[0]) for v in np.nonzero(differs_rows))
            raise FileFormatError(
                path,
                f"row {r + 1} of SENSOR {ref.name!r} in frame {numbers[f]}: empty cells where "
                "the other frames have values, or values where they have empty cells (the "
                "insole outline changes)",
                line=int(ref.row_lines[f, r]) + 1,
            )
        mask = ~outline
        if not mask.any():
            raise FileFormatError(path, f"SENSOR {ref.name!r} has no sensel", line=ref.line)
        spacing = {}
        for key, ours in (("Sensel Width", "col"), ("Sensel Height", "row")):
            row_key = next((k for k in ref.fields if k.startswith(key)), None)
            if row_key is None:
                raise FileFormatError(path, f"SENSOR {ref.name!r} has no {key} row", line=ref.line)
            size = _number(
                path, str(ref.fields[row_key][0]), int(ref.field_lines[row_key][0]), row_key
            )
            scale = 10.0 if "(cm)" in row_key else (25.4 if "(in" in row_key else 1.0)
            if not size > 0:
                raise FileFormatError(
                    path, f"{row_key} must be positive", line=int(ref.field_lines[row_key][0])
                )
            spacing[ours] = size * scale
        side = _side(ref.name)
        loaded = np.nan_to_num(matrix, nan=0.0).max(axis=0) > 0
        footprint = None
        if loaded.sum() >= MIN_FOOTPRINT_CELLS:
            found = insole_orientation(loaded, side)
            if found.row_decided and found.col_decided:
                footprint = found
        if not mask.all():  # blank cells: the insole's outline decides, as for F-Scan
            orientation = insole_orientation(mask, side)
            decided_by = "outline (blank cells)"
        elif side is None and footprint is not None:
            orientation = footprint
            decided_by = "footprint (cells ever loaded)"
        else:
            orientation = insole_orientation(np.zeros_like(mask), side)  # the convention
            decided_by = "convention (toes at row 0, seen from above)"
        if side is None:
            side = orientation.side_from_outline()
            side_inferred = True
        elif footprint is not None and (footprint.first_row, footprint.first_col) != (
            orientation.first_row,
            orientation.first_col,
        ):
            problems.append(
                f"SENSOR {ref.name!r}: the loaded footprint suggests first_row="
                f"{footprint.first_row}, first_col={footprint.first_col}; kept "
                f"{orientation.first_row}, {orientation.first_col} ({decided_by})"
            )
        if side in feet:
            raise FileFormatError(path, f"two SENSOR blocks of the {side} foot", line=ref.line)
        layout = grid_layout(
            rows,
            cols,
            spacing["row"],
            spacing["col"],
            mask=mask,
            first_row=orientation.first_row,
            first_col=orientation.first_col,
            name=f"xsensor{rows}x{cols}" + ("" if mask.all() else f"-{int(mask.sum())}"),
        )
        values = matrix.reshape(n, rows * cols)[:, np.flatnonzero(mask.ravel())]
        if factor != 1.0:
            values *= factor
        layout = with_anatomical_regions(layout, None if not mask.all() else values.max(axis=0))
        vendor, constants = _vendor(path, ref, factor, unit)
        total = vendor.pop("est_load_n", None)
        group_constants: dict[str, dict[str, str]] = {}
        for g_index, group in enumerate(groups):
            if _side(group.name) != side:
                continue  # the other foot's group, or one whose name says no side
            region = (
                _slug(re.sub(r"^(left|right)\s*", "", group.name, flags=re.I))
                or f"group{g_index + 1}"
            )
            g_vendor, g_constants = _vendor(path, group, factor, unit)
            for key, column in g_vendor.items():
                if key in _GROUP_COLUMNS or key == f"peak_pressure_{unit}":
                    vendor[f"{region}_{key}"] = column
            group_constants[group.name] = g_constants
        if (values < 0).any():
            problems.append(f"{side} foot: {int((values < 0).sum())} negative values (kept)")
        feet[side] = FootRecording(
            side=side,
            time_s=time_s.copy(),
            values=values,
            unit=unit,
            sampling_rate_hz=rate,
            layout=layout,
            total_force_n=total,
            vendor=vendor,
        )
        summary[side] = {**constants, "groups": group_constants}
        info: dict[str, Any] = {
            "sensor": ref.name,
            "rows": rows,
            "cols": cols,
            "sensel_width_mm": spacing["col"],
            "sensel_height_mm": spacing["row"],
            "orientation": orientation.describe(),
            "orientation_from": decided_by,
            "footprint_agrees": None
            if footprint is None
            else (footprint.first_row, footprint.first_col)
            == (orientation.first_row, orientation.first_col),
            "side_from": "footprint" if _side(ref.name) is None else "sensor name",
        }
        if total is not None and unit == "kpa":
            p = values.sum(axis=1)
            usable = p > 0
            if usable.sum() >= 3:
                area = float(total[usable] @ p[usable] / (p[usable] @ p[usable])) * 1e3
                info["vendor_sensel_area_mm2"] = round(area, 3)
        per_foot[side] = info
    meta: dict[str, Any] = {
        "source": example_source(path, "XSENSOR insole export (.csv)"),
        "record": path.stem,
        "device": {
            "system": SYSTEM,
            "sensors": {s: i["sensor"] for s, i in per_foot.items()},
            "rows": {s: i["rows"] for s, i in per_foot.items()},
            "cols": {s: i["cols"] for s, i in per_foot.items()},
        },
        "header": dict(file_fields),
        "unit_conversion": unit_note,
        "units_in_file": unit_text,
        "feet": per_foot,
        "vendor_summary": summary,
        "side_inferred": side_inferred,
        "frame_numbers": [int(numbers[0]), int(numbers[-1])],
    }
    for s, i in per_foot.items():
        if "vendor_sensel_area_mm2" in i:
            meta.setdefault("vendor_sensel_area_mm2", {})[s] = i["vendor_sensel_area_mm2"]
    if started is not None:
        meta["start_time_local"] = started.isoformat()
    quality = {
        "frames": n,
        "incomplete_frames": parsed.incomplete,
        "frames_missing": int((steps - 1).clip(min=0).sum()) if steps.size else 0,
    }
    return Session(
        path=path,
        format=NAME,
        left=feet.get("left"),
        right=feet.get("right"),
        metadata=meta,
        quality=quality,
        problems=problems,
    )
