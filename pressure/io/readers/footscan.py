"""RSscan footscan plate exports (.xls, the legacy Excel 97-2003 workbook "Dynamic Roll off").

Test data: ``footscan_test.xls`` from the pressuRe R package's example data (Telfer et al., MIT).

Format (one sheet; column A holds the labels, ``row N`` below is the sheet's 1-based row):
``Dynamic Roll offfor measurement: <name>``, ``Patient name: ...``, ``Measurement done on
<dd-mm-yyyy>``, ``Scanning speed;  for the left foot: <f> Hertz, for the right foot: <f>
Hertz``; then per foot a section ``Right foot data`` (or ``Left foot data``) with ``Right
rectangle position`` and four label/number row pairs (``Rectangle bottom``, ``Rectangle
left``, ``Rectangle width``, ``Rectangle height``: where the foot's window lies on the plate,
in sensors), then frames: a row ``Frame <k> (<t> ms)`` and ``height`` rows of ``width``
numbers, the sensors under that window. A foot with a scanning speed of 0 Hz was not recorded.

Values: the file's values are the force on each sensor in newtons. The file does not say so;
the frame sums of the example (up to about 725 N in mid-stance) are a body weight, and
pressuRe's ``load_footscan`` divides the values by the sensor area to get kPa, which is the same
reading. The reader does the same (``unit="kpa"``: N / sensor area in mm² × 1000), so footscan
gives pressures like the other plates, and keeps the vendor's values' sum per frame in
``vendor["sensor_force_sum_n"]`` (each sensor's N is its kPa × area / 1000).

Sensor size: the file does not state it. We use 7.62 mm × 5.08 mm per sensor, the size
pressuRe's ``load_footscan`` uses for footscan plates (``sens_size <- c(0.00508, 0.00762)``
m); we could not confirm the manufacturer's figure from a published specification with the
sources at hand, and ``metadata["sensor_size_note"]`` says so. Which of the two runs along the
rows is inferred from the footprint: with rows 7.62 mm apart (along the foot) and columns
5.08 mm apart the example's footprint is about 275 mm long and 100 mm wide, a foot; the other
way round it would be 183 mm by 150 mm.

Plate coordinates: sensor (r, c) of a window — r the row below the frame's label row, c the
column — lies at ``X = (left + c + 0.5) · 5.08 mm``, ``Y = (bottom + r + 0.5) · 7.62 mm``:
the rows as listed count up from the window's bottom edge (``Rectangle bottom``), so the first
row listed is the plate row nearest the plate's bottom. Read this way the example's footprint,
seen from above, is a right foot, as the file says (``plate_feet``'s chirality agrees when it
is not told the side); read top-down it would be a left one. ``pressure.io.readers._plate.
plate_feet`` then finds the footprint, aligns it to the foot frame of ``pressure.layout`` and
adds the ``auto.*`` regions; the file gives the side. ``metadata["plate"]`` holds the map from
plate to foot coordinates.

Frame times come from the frame labels (``Frame 1 (2.00 ms)``); the rate from the header's
scanning speed (checked against the labels).

Errors: a file xlrd cannot open (truncated, not a workbook) is a FileFormatError naming the
file and xlrd's reason; a label or cell out of place names the sheet row as the line (``row N``
of the sheet is ``line=N``).
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import FileFormatError
from ...model import FloatArray, FootRecording, Session, SideName
from ..text import Header, read_bytes, sampling_rate_hz
from ._plate import LIBRARIES as _PLATE_LIBRARIES
from ._plate import plate_feet

NAME = "footscan"
DESCRIPTION = "RSscan footscan plate export (.xls: Excel 97-2003 'Dynamic Roll off' workbook)"
SUFFIXES = (".xls",)
LIBRARIES = ("xlrd", *_PLATE_LIBRARIES)
SOURCE = "RSscan footscan .xls export"
OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
KPA_PER_N_MM2 = 1000.0  # 1 N/mm² = 1 MPa
#: Sensor pitch (mm): rows (along the plate's long axis) and columns (module docstring).
ROW_SPACING_MM = 7.62
COL_SPACING_MM = 5.08
SENSOR_SIZE_NOTE = (
    "the file does not state the sensor size: 7.62 mm (rows) × 5.08 mm (columns) as pressuRe's "
    "load_footscan uses (Telfer et al., MIT, https://github.com/Telfer/pressuRe); the "
    "manufacturer's specification was not checked; rows along the foot inferred from the "
    "footprint's proportions"
)
# strings of the export that a footscan workbook holds early in its shared-string table
_MARKERS = (b"Dynamic Roll off", b"Scanning speed", b"Rectangle bottom")
_FRAME = re.compile(r"Frame\s+(\d+)\s*\(\s*([-+0-9.eE]+)\s*ms\s*\)")
_SPEED = re.compile(r"(left|right) foot:\s*([-+0-9.eE]+)\s*Hertz", re.IGNORECASE)
_SECTION = re.compile(r"(Left|Right) foot data", re.IGNORECASE)
_RECT = ("bottom", "left", "width", "height")


def detect(path: Path, head: bytes) -> bool:
    """An OLE2 compound file (legacy Excel) holding the footscan export's labels in its first
    bytes, or (a workbook whose strings lie further on) one named ``.xls``."""
    if not head.startswith(OLE2_MAGIC):
        return False
    for marker in _MARKERS:
        if marker in head or marker.decode().encode("utf-16-le") in head:
            return True
    return path.suffix.lower() == ".xls"


@dataclass
class Foot:
    """One foot section of the sheet: the window and the frames under it."""

    side: SideName
    line: int  # sheet row of the section label
    rect: dict[str, int] = field(default_factory=dict)
    frame_numbers: list[int] = field(default_factory=list)
    frame_lines: list[int] = field(default_factory=list)  # sheet row of each frame's label
    time_ms: list[float] = field(default_factory=list)
    frames: list[FloatArray] = field(default_factory=list)


@dataclass
class Parsed:
    """What ``parse_sheet`` finds: the header's labels, per-foot scanning speeds and sections."""

    header: Header
    speeds_hz: dict[str, float]
    feet: list[Foot]


def _open(path: Path) -> tuple[str, list[list[Any]]]:
    """The first sheet's name and its rows of cell values (str or float; '' empty)."""
    import xlrd  # imported here: only reading a workbook needs it

    data = read_bytes(path, text=False)
    if not data.startswith(OLE2_MAGIC):
        raise FileFormatError(
            path,
            "not an Excel 97-2003 workbook (.xls): no OLE2 signature D0 CF 11 E0 A1 B1 1A E1",
            offset=0,
        )
    try:
        book = xlrd.open_workbook(file_contents=data, logfile=io.StringIO(), on_demand=True)
        try:
            if book.nsheets < 1:
                raise FileFormatError(path, "the workbook has no sheet")
            sheet = book.sheet_by_index(0)
            return sheet.name, [sheet.row_values(r) for r in range(sheet.nrows)]
        finally:
            book.release_resources()
    except FileFormatError:
        raise
    except Exception as exc:  # xlrd raises XLRDError, CompDocError, struct/Index errors...
        detail = str(exc).strip() or type(exc).__name__
        raise FileFormatError(
            path, f"not a readable Excel 97-2003 workbook (damaged or cut short?): {detail}"
        ) from None


def _frame(
    path: Path, where: str, frame: str, block: Sequence[Sequence[Any]], line: int, width: int
) -> FloatArray:
    """The frame's ``block`` of rows (the first at sheet row ``line``), ``width`` numbers each."""
    for r, cells in enumerate(block):
        if len(cells) < width:
            raise FileFormatError(
                path, f"{where}frame {frame}: {len(cells)} of {width} cells", line=line + r
            )
        for c, cell in enumerate(cells[:width]):
            if not (isinstance(cell, float) and math.isfinite(cell)):
                from xlrd.formula import colname  # the sheet's name of column c: A, ..., IV

                shown = "an empty cell" if cell == "" else repr(cell)
                raise FileFormatError(
                    path,
                    f"{where}frame {frame}, column {colname(c)}: {shown} is not a number",
                    line=line + r,
                )
        if any(cell != "" for cell in cells[width:]):
            raise FileFormatError(
                path, f"{where}frame {frame}: more than {width} cells in the row", line=line + r
            )
    return np.array([cells[:width] for cells in block], dtype=np.float64)


def parse_sheet(path: Path, rows: Sequence[Sequence[Any]], sheet: str = "") -> Parsed:
    """The header, scanning speeds and foot sections of a footscan sheet given as rows of cell
    values (str, float, or '' for empty). Raises FileFormatError with ``line`` = the 1-based
    sheet row of the first problem."""
    where = f"sheet {sheet!r}: " if sheet else ""
    header = Header(path, line=1)
    speeds: dict[str, float] = {}
    feet: list[Foot] = []
    current: Foot | None = None
    i = 0
    while i < len(rows):
        row = rows[i]
        label = row[0].strip() if row and isinstance(row[0], str) else ""
        lower = label.lower()
        line = i + 1
        section = _SECTION.fullmatch(label)
        frame = _FRAME.fullmatch(label)
        i += 1
        if not label:
            if any(c != "" for c in row):
                raise FileFormatError(path, f"{where}a row of numbers outside a frame", line=line)
        elif section is not None:
            current = Foot("left" if section[1].lower() == "left" else "right", line)
            feet.append(current)
        elif lower.startswith("rectangle") and not lower.endswith("position"):
            key = lower.split(None, 1)[1] if " " in label else ""
            if current is None or key not in _RECT:
                raise FileFormatError(path, f"{where}unexpected {label!r}", line=line)
            if i >= len(rows):
                raise FileFormatError(path, f"{where}{label!r} has no value below it", line=line)
            cell = rows[i][0]
            try:
                value = float(cell)
            except (TypeError, ValueError):
                value = float("nan")
            if not np.isfinite(value):
                raise FileFormatError(path, f"{label}: {cell!r} is not a number", line=line + 1)
            if value != int(value) or value < 0 or (key in ("width", "height") and value < 1):
                raise FileFormatError(
                    path, f"{where}{label}: {value:g} is not a count", line=line + 1
                )
            current.rect[key] = int(value)
            i += 1
        elif frame is not None:
            if current is None or len(current.rect) != len(_RECT):
                raise FileFormatError(
                    path, f"{where}a frame before its foot's rectangle position", line=line
                )
            height = current.rect["height"]
            block = rows[i : i + height]
            if len(block) < height:
                raise FileFormatError(
                    path,
                    f"{where}frame {frame[1]} has {len(block)} of {height} rows (the sheet ends)",
                    line=len(rows),
                )
            current.frames.append(
                _frame(path, where, frame[1], block, line + 1, current.rect["width"])
            )
            current.frame_numbers.append(int(frame[1]))
            current.frame_lines.append(line)
            current.time_ms.append(float(frame[2]))
            i += height
        elif lower.startswith("frame"):
            raise FileFormatError(path, f"{where}{label!r} is not a frame label", line=line)
        else:
            if lower.startswith("scanning speed"):
                speeds.update({m[1].lower(): float(m[2]) for m in _SPEED.finditer(label)})
            if current is None:
                key, sep, text = label.partition(":")
                if lower.startswith("measurement done on"):
                    key, text = "Measurement done on", label[len("measurement done on") :]
                elif lower.startswith("scanning speed"):
                    key, text = "Scanning speed", label[len("scanning speed") :].lstrip(";: ")
                elif not sep:
                    key, text = label, ""
                header.add(key.strip(), text, line)
    return Parsed(header, speeds, feet)


def read(path: Path) -> Session:
    """Read a footscan export (module docstring)."""
    sheet, rows = _open(path)
    parsed = parse_sheet(path, rows, sheet)
    recorded = [f for f in parsed.feet if f.frames]
    if not recorded:
        raise FileFormatError(
            path,
            f"sheet {sheet!r}: no foot section with frames "
            "('Right foot data', then 'Frame 0 (0.00 ms)' and its rows)",
        )
    feet: dict[str, FootRecording] = {}
    plate: dict[str, Any] = {}
    problems: list[str] = []
    quality: dict[str, int] = {}
    for section in recorded:
        side = section.side
        if side in feet:
            raise FileFormatError(path, f"a second {side} foot section", line=section.line)
        time_s = np.asarray(section.time_ms) / 1000.0
        steps = np.diff(time_s)
        if steps.size and not np.all(steps > 0):
            k = int(np.argmax(~(steps > 0))) + 1
            raise FileFormatError(
                path,
                f"frame {section.frame_numbers[k]}'s time ({section.time_ms[k]:g} ms) does not "
                f"follow the previous frame's ({section.time_ms[k - 1]:g} ms)",
                line=section.frame_lines[k],
            )
        nominal = parsed.speeds_hz.get(side, 0.0)
        rate = sampling_rate_hz(time_s, nominal if nominal > 0 else None)
        if rate is None:
            raise FileFormatError(path, f"the {side} foot has one frame and no scanning speed")
        if nominal > 0 and abs(rate - nominal) > 1e-3 * nominal:
            problems.append(
                f"the {side} foot's frame times show {rate:.6g} Hz, the header {nominal:g} Hz"
            )
        rect = section.rect
        n, height, width = len(section.frames), rect["height"], rect["width"]
        values = np.stack(section.frames).reshape(n, height * width)
        r, c = np.divmod(np.arange(height * width), width)
        area = np.full(height * width, ROW_SPACING_MM * COL_SPACING_MM)
        found, info = plate_feet(
            path,
            time_s,
            values / area * KPA_PER_N_MM2,  # the vendor's N per sensor as a pressure in kPa
            (rect["left"] + c + 0.5) * COL_SPACING_MM,
            (rect["bottom"] + r + 0.5) * ROW_SPACING_MM,
            area,
            unit="kpa",
            sampling_rate_hz=float(rate),
            name="footscan",
            side=side,
            vendor={"sensor_force_sum_n": values.sum(axis=1)},  # the vendor's values' sum (N)
        )
        if side not in found:
            raise FileFormatError(path, f"no {side} footprint in its section", line=section.line)
        if len(found) > 1:
            problems.append(f"the {side} foot's window holds a second footprint: left out")
        feet[side] = found[side]
        plate[side] = {
            **info[side],
            "window": dict(rect),
            **{k: v for k, v in info.items() if k not in ("left", "right")},
        }
        quality[f"frames_{side}"] = n
        negative = int((values < 0).sum())
        if negative:
            problems.append(f"{negative} negative {side} sensor values (kept as they are)")
    meta: dict[str, Any] = {
        "source": SOURCE,
        "record": path.stem,
        "device": "RSscan footscan pressure plate",
        "header": dict(parsed.header.fields),
        "sheet": sheet,
        "scanning_speed_hz": dict(parsed.speeds_hz),
        "sensor_size_mm": {"row_spacing": ROW_SPACING_MM, "col_spacing": COL_SPACING_MM},
        "sensor_size_note": SENSOR_SIZE_NOTE,
        "unit_note": (
            "the file's values are the force per sensor in N (inferred; module docstring), "
            "given as kPa = N / sensor area; vendor['sensor_force_sum_n'] keeps their sum per frame"
        ),
        "plate": plate,
    }
    for key, value in parsed.header.fields.items():
        if key.lower().startswith("dynamic roll off"):
            meta["measurement"] = value
        elif key.lower() == "measurement done on":
            meta["date"] = value
    return Session.from_feet(path, NAME, feet, meta, quality=quality, problems=problems)
