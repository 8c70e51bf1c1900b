"""Novel pliance exports (``.asc``) of a pressure mat: a platform, read with ``_plate``.

Format (text, latin-1, fields separated by runs of spaces)::

    file name: 2112170R_1.mat date/time 17.06.23 15.21
    mat type s2160_001
    total times [secs]: 44.458 time per frame [secs]: 0.04167 scanning rate [Hz]: 24
    pressure values in kPa

    electrical:
    time[secs]       4       5  ...  896          ← sensor numbers
        5.79167   0.000   0.000 ...               ← one row per frame (kPa)
            MPP   0.000 ...                       ← summary rows (below)
            MVP   0.000 ...

     time[secs] force[N]   x[cm]   y[cm]          ← the mat's total force and CoP, every frame
        0.04167    0.000       -       -          ← '-': no CoP (no load)

    sensor        4        5  ...                 ← the sensor geometry
    corner[cm]
    x[0] ... y[3]                                 ← the four corners of each sensor (cm)
    x[c] y[c]                                     ← its centre (cm)
    area                                          ← its area (cm²)

What the example file shows (``pliance_test.asc``, pressuRe's example data, MIT): a mat of
28 × 29 sensors (812 of the s2160's sensor numbers; 5.28 × 10.28 mm, 0.5428 cm² each); the
pressure block holds only the 281 loaded frames (5.79-17.46 s) of a 44.458 s recording, every
frame of which is in the force block. The rows labelled with a capitalised word after the
frames are per-sensor summaries, not frames: ``MPP`` equals each sensor's maximum over the
frames (the maximum pressure picture; checked), ``MVP`` is another summary picture; both are
left out of the time series and named in ``metadata["summary_rows"]``. The force block's force
equals the frame's sum of pressure × area (to its 3 decimals); its CoP (x', y') is the
pressure-weighted centre of the sensors' ``x[c]``, ``y[c]`` turned by 180° on the mat:
``x' = X_max − x``, ``y' = Y_max − y`` with ``X_max``, ``Y_max`` the corners' largest
coordinates (checked on the example to 0.005 mm). Both are kept per frame in each foot's
``vendor`` as ``plate_force_n``, ``plate_cop_x_mm`` and ``plate_cop_y_mm`` (the vendor's
coordinates, for the whole mat; NaN where the file has ``-``).

Blocks: the pressure block is the labelled block (``electrical:``, or another word and a colon
such as ``mechanical:``) whose columns are sensor numbers, ``electrical:`` first when there are
several. Novel's software can also export ``mechanical:`` blocks; no such file was available to
see what they hold, so any further labelled block is not read: it is listed with its line in
``metadata["blocks_not_read"]`` and ``Session.problems`` says so.

Geometry: a mat has no foot frame, so the sensors' centres (``x[c]``, ``y[c]`` × 10 mm) and
areas (``area`` × 100 mm²) go to ``_plate.plate_feet``, which finds the footprint(s), aligns
each to the foot frame and infers its side (``metadata["plate"]``). Time is the file's own
``time[secs]``.

Reading: ``pressure.io.table.read_table`` reads the pressure block; the header is read as the
pedar reader reads it (``pedar.header_fields``).
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import FileFormatError
from ...layout import polygon_areas_centroids
from ...model import FloatArray, Session
from ..table import read_table
from ..text import LENGTH_MM, check_increasing, head_lines, read_bytes, to_numbers
from ._plate import LIBRARIES as _PLATE_LIBRARIES
from ._plate import plate_feet
from .pedar import frame_rate_hz, header_fields, header_times, pressure_unit

NAME = "pliance"
DESCRIPTION = (
    "Novel pliance mat export (.asc: header, an 'electrical:' block of time[secs] and sensor "
    "columns, the sensors' corners and areas)"
)
SUFFIXES = (".asc",)
LIBRARIES = ("pandas", *_PLATE_LIBRARIES)
SOURCE = "Novel pliance .asc export"
CORNER_ROWS = ("x[0]", "y[0]", "x[1]", "y[1]", "x[2]", "y[2]", "x[3]", "y[3]")
GEOMETRY_ROWS = (*CORNER_ROWS, "x[c]", "y[c]", "area")
_LABEL = re.compile(r"[ \t]*([A-Za-z]+)[ \t]*:[ \t]*")  # electrical:, mechanical:
# (the byte patterns start with a newline: the regex engine then jumps from newline to newline
# instead of trying every byte of a large file)
_LABEL_BYTES = re.compile(rb"\n[ \t]*([A-Za-z]+)[ \t]*:[ \t]*\r?(?=\n|\Z)")
# the end of a block of frames: a blank line or a row labelled with a capitalised word (MPP)
_BLOCK_END = re.compile(rb"\n[ \t]*(?:\r?(?:\n|\Z)|[A-Z][A-Z_]+(?:[ \t]|\r?(?:\n|\Z)))")
_SUMMARY = re.compile(r"[ \t]*[A-Z][A-Z_]+(?:[ \t]|$)")
# the column header after a block label, past blank lines
_COLUMNS = re.compile(rb"(?:[ \t\r\f\v]*\n)*([ \t\f\v]*(?i:time\[secs\])[^\n]*)")


def detect(path: Path, head: bytes) -> bool:
    """A ``file name:`` line first, then in the header a block label (``electrical:``)
    followed by a ``time[secs]`` column header."""
    lines = head_lines(head, 40)
    if not lines or not re.match(r"\s*file\s*name\s*:", lines[0], re.I):
        return False
    for k, line in enumerate(lines[1:], start=1):
        if line.strip().lower().startswith("time[secs]"):
            return False
        if _LABEL.fullmatch(line):
            rest = [x for x in lines[k + 1 :] if x.strip()]
            return bool(rest) and rest[0].strip().lower().startswith("time[secs]")
    return False


@dataclasses.dataclass
class _Block:
    label: str
    label_start: int  # byte offset of the label line
    label_line: int  # 1-based line number of the label
    header_line: int  # 1-based line number of its time[secs] column header
    names: list[str]
    start: int  # byte offset of the line after the column header
    end: int  # byte offset of the line that ends its frames (a blank line or MPP), or the end


def _blocks(data: bytes) -> list[_Block]:
    """Every labelled block whose first non-blank line is a ``time[secs]`` column header."""
    blocks = []
    for label in _LABEL_BYTES.finditer(data):
        columns = _COLUMNS.match(data, label.end() + 1)
        if columns is None:
            continue
        start = min(columns.end(1) + 1, len(data))
        found = _BLOCK_END.search(data, start - 1)
        end = len(data) if found is None else min(found.start() + 1, len(data))
        names = columns[1].decode("latin-1").split()
        line = data.count(b"\n", 0, label.start() + 1) + 1
        header_line = line + 1 + columns[0].count(b"\n", 0, columns.start(1) - columns.start())
        name = label[1].decode("latin-1").lower()
        blocks.append(_Block(name, label.start() + 1, line, header_line, names, start, end))
    return blocks


@dataclasses.dataclass
class _Rest:
    """What follows the pressure block."""

    summary_rows: list[str] = dataclasses.field(default_factory=list)
    force: FloatArray | None = None  # (frames, 4): time, force N, x cm, y cm (NaN for '-')
    sensors: list[int] | None = None
    sensor_line: int = 0
    geometry: dict[str, FloatArray] = dataclasses.field(default_factory=dict)
    corner_unit: str = "cm"
    lines_not_read: int = 0


def _rest(
    path: Path, lines: list[str], first: int, columns: list[int], skip: dict[int, int]
) -> _Rest:
    """Parse ``lines`` (the file's from line ``first`` on): summary rows, the force block, the
    sensor geometry (which must hold every sensor of ``columns``, the pressure block's).
    ``skip`` maps the label line of a block that is not read to the line that ends it."""
    rest = _Rest()
    in_frames = True  # right after the pressure block: summary rows may follow
    k = 0
    while k < len(lines):
        if first + k in skip:
            k = skip[first + k] - first
            continue
        fields = lines[k].split()
        k += 1
        if not fields:
            in_frames = False
        elif in_frames and _SUMMARY.match(lines[k - 1]):
            if len(fields) != len(columns) + 1:
                message = (
                    f"summary row {fields[0]} has {len(fields)} fields, expected {len(columns) + 1}"
                )
                raise FileFormatError(path, message, line=first + k - 1)
            rest.summary_rows.append(fields[0])
        elif fields[0].lower() == "time[secs]" and rest.force is None:
            k = _force_block(path, lines, k, first, fields, rest)
        elif fields[0].lower() == "sensor" and rest.sensors is None:
            k = _geometry(path, lines, k, first, fields, columns, rest)
        else:
            rest.lines_not_read += 1
    return rest


def _force_block(
    path: Path, lines: list[str], k: int, first: int, header: list[str], rest: _Rest
) -> int:
    """The ``time[secs] force[N] x[cm] y[cm]`` rows from ``lines[k]``; returns where the scan
    goes on."""
    rows: list[list[str]] = []
    numbers: list[int] = []
    while k < len(lines) and (lines[k].strip() or not rows):
        fields = lines[k].split()
        if fields and len(fields) != len(header):
            message = f"force row has {len(fields)} fields, expected {len(header)}"
            raise FileFormatError(path, message, line=first + k)
        if fields:
            rows.append(["" if f == "-" else f for f in fields])  # '-': no CoP
            numbers.append(first + k)
        k += 1
    rest.force = to_numbers(path, rows, numbers, header, allow_empty=True) if rows else None
    return k


def _geometry(
    path: Path,
    lines: list[str],
    k: int,
    first: int,
    header: list[str],
    columns: list[int],
    rest: _Rest,
) -> int:
    """The ``sensor`` row (``lines[k - 1]``) and the corner, centre and area rows after it."""
    rest.sensor_line = first + k - 1
    try:
        rest.sensors = [int(f) for f in header[1:]]
    except ValueError:
        raise FileFormatError(
            path, "sensor numbers are not integers", line=rest.sensor_line
        ) from None
    known = set(rest.sensors)
    absent = [n for n in columns if n not in known]
    if absent or len(known) != len(rest.sensors):
        detail = f"lacks sensors {absent[:10]} of the pressure block" if absent else "repeats"
        raise FileFormatError(path, f"the 'sensor' row {detail}", line=rest.sensor_line)
    n = len(rest.sensors)
    while k < len(lines):
        fields = lines[k].split()
        label = fields[0].lower() if fields else ""
        if label.startswith("corner["):
            rest.corner_unit = label[len("corner[") :].rstrip("]")
        elif label in GEOMETRY_ROWS:
            if len(fields) != n + 1:
                message = f"{fields[0]} row has {len(fields)} fields, expected {n + 1}"
                raise FileFormatError(path, message, line=first + k)
            rest.geometry[label] = to_numbers(path, [fields[1:]], [first + k], [label] * n)[0]
        else:
            break
        k += 1
    return k


def _vendor(
    rest: _Rest, time_s: FloatArray, rate: float, to_mm: float
) -> dict[str, FloatArray] | None:
    """The force block's force and CoP at each frame (its rows nearest in time), or None when
    they are not within a quarter frame."""
    assert rest.force is not None
    f_time = rest.force[:, 0]
    at = np.clip(np.searchsorted(f_time, time_s), 0, len(f_time) - 1)
    before = np.clip(at - 1, 0, len(f_time) - 1)
    nearest = np.where(np.abs(f_time[before] - time_s) < np.abs(f_time[at] - time_s), before, at)
    if not np.all(np.abs(f_time[nearest] - time_s) <= 0.25 / rate):
        return None
    return {
        "plate_force_n": rest.force[nearest, 1],
        "plate_cop_x_mm": rest.force[nearest, 2] * to_mm,
        "plate_cop_y_mm": rest.force[nearest, 3] * to_mm,
    }


def read(path: Path) -> Session:
    """Read a pliance export (module docstring). Raises FileFormatError naming the line of a
    ragged row, a cell that is not a number, a time that does not increase, or missing
    geometry."""
    data = read_bytes(path)
    blocks = _blocks(data)
    if not blocks:
        raise FileFormatError(
            path,
            "no block label ('electrical:') followed by a 'time[secs]' column header: not a "
            "pliance export, or truncated in its header",
            line=max(data.count(b"\n", 0, min(len(data), 4096)), 1),
        )
    block = next((b for b in blocks if b.label == "electrical"), blocks[0])
    lines = data[: min(b.label_start for b in blocks)].decode("latin-1").split("\n")
    header = header_fields(path, [line.rstrip("\r") for line in lines])
    for number, line in enumerate(lines, start=1):
        found = re.match(r"\s*mat\s*type\s*:?\s*(\S.*?)\s*$", line, re.I)
        if found:
            header.add("mat type", found[1], number)
    try:
        numbers = [int(float(n)) for n in block.names[1:]]
    except ValueError:
        raise FileFormatError(
            path, "the sensor column names are not numbers", line=block.header_line
        ) from None
    table = read_table(
        path,
        data,
        block.names,
        start=block.start,
        end=block.end,
        first_line=block.header_line + 1,
        sep=None,
        encoding="latin-1",
    )
    time_s = table.values[:, 0].copy()
    check_increasing(path, time_s, table.line_numbers)

    skip = {b.label_line: data.count(b"\n", 0, b.end) + 1 for b in blocks if b is not block}
    lines = [line.rstrip("\r") for line in data[block.end :].decode("latin-1").split("\n")]
    rest = _rest(path, lines, data.count(b"\n", 0, block.end) + 1, numbers, skip)
    if rest.sensors is None:
        raise FileFormatError(
            path,
            "no sensor geometry ('sensor' and 'corner[cm]' rows) after the data: truncated?",
            line=data.count(b"\n") + (0 if data.endswith(b"\n") else 1),
        )
    missing_rows = [r for r in GEOMETRY_ROWS if r not in rest.geometry]
    if missing_rows:
        raise FileFormatError(
            path,
            f"the sensor geometry lacks the rows {', '.join(missing_rows)}: truncated?",
            line=rest.sensor_line,
        )
    where = {s: k for k, s in enumerate(rest.sensors)}
    index = np.array([where[n] for n in numbers])
    to_mm = LENGTH_MM.get(rest.corner_unit)
    if to_mm is None:
        raise FileFormatError(
            path, f"unknown corner unit {rest.corner_unit!r}", line=rest.sensor_line + 1
        )
    geo = {k: v[index] for k, v in rest.geometry.items()}

    unit, factor, unit_meta = pressure_unit(header)
    values = table.values[:, 1:] * factor if factor != 1.0 else table.values[:, 1:]
    rate = frame_rate_hz(header, time_s, 1.0)
    problems = [unit_meta["unit_note"]] if "unit_note" in unit_meta else []
    # the corners' own area against the area row (a check of the units)
    corners = np.stack([np.column_stack([geo[f"x[{k}]"], geo[f"y[{k}]"]]) for k in range(4)], 1)
    mismatch = float(
        np.max(np.abs(polygon_areas_centroids(corners)[0] - geo["area"]) / geo["area"])
    )
    if mismatch > 0.02:
        problems.append(
            f"the area row differs from the corners' area by up to {100 * mismatch:.0f} %: "
            "the area row is used"
        )
    mat = header.get("mat type", "") or ""
    meta: dict[str, Any] = {
        "source": SOURCE,
        "record": Path(header.get("file name") or path.name).stem,
        "device": f"Novel pliance, mat type {mat}".strip(),
        "mat_type": mat,
        "header": dict(header.fields),
        **unit_meta,
        "sensor_block": {"label": block.label, "line": block.label_line},
        "sensors_in_file": len(numbers),
        "corner_area_mismatch_pct": 100 * mismatch,
    }
    meta.update(header_times(header, "recording_duration_s"))
    if rest.summary_rows:
        meta["summary_rows"] = rest.summary_rows
    others = [{"label": b.label, "line": b.label_line} for b in blocks if b is not block]
    if others:
        meta["blocks_not_read"] = others
        problems.append(
            "blocks not read: "
            + ", ".join(f"'{b['label']}:' (line {b['line']})" for b in others)
            + f"; the pressures are those of the '{block.label}:' block"
        )
    vendor = None
    if rest.force is not None and rest.force.shape[1] >= 4:
        vendor = _vendor(rest, time_s, rate, to_mm)
        if vendor is None:
            problems.append("the force block's times do not match the frames: not kept")
        meta["force_block_frames"] = len(rest.force)
    quality: dict[str, int] = {"frames": len(time_s)}
    negative = int((values < 0).sum())
    if negative:
        quality["negative_values"] = negative
        meta["negative_values_note"] = "negative values are kept as the file has them"
    if rest.lines_not_read:
        quality["lines_not_read"] = rest.lines_not_read
    feet, meta["plate"] = plate_feet(
        path,
        time_s,
        values,
        geo["x[c]"] * to_mm,
        geo["y[c]"] * to_mm,
        geo["area"] * to_mm**2,
        unit=unit,
        sampling_rate_hz=rate,
        name=f"pliance-{mat}" if mat else "pliance",
        vendor=vendor,
    )
    return Session.from_feet(path, NAME, feet, meta, quality=quality, problems=problems)
