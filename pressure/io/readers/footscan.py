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

import dataclasses
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import FileFormatError
from ...model import FloatArray, FootRecording, Session, SideName
from ..text import read_bytes, sampling_rate_hz

NAME = "footscan"
DESCRIPTION = "RSscan footscan plate export (.xls: Excel 97-2003 'Dynamic Roll off' workbook)"
SUFFIXES = (".xls",)
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


def primary_file(path: Path) -> Path | None:
    return None


@dataclass
class _Cells:
    """The sheet as values (str or float; '' empty) and 1-based row numbers."""

    name: str
    rows: list[list[Any]]


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
    """What ``parse_sheet`` finds: header lines, per-foot scanning speeds and sections."""

    header: dict[str, str]
    speeds_hz: dict[str, float]
    feet: list[Foot]


def _open(path: Path) -> _Cells:
    import xlrd  # imported here: only reading a workbook needs it

    data = read_bytes(path, text=False)
    if not data.startswith(OLE2_MAGIC):
        raise FileFormatError(
            path,
            "not an Excel 97-2003 workbook (.xls): no OLE2 signature D0 CF 11 E0 A1 B1 1A E1",
            offset=0,
        )
    log = io.StringIO()  # xlrd's warnings, kept off the terminal
    try:
        book = xlrd.open_workbook(file_contents=data, logfile=log, on_demand=True)
        try:
            if book.nsheets < 1:
                raise FileFormatError(path, "the workbook has no sheet")
            sheet = book.sheet_by_index(0)
            rows = [sheet.row_values(r) for r in range(sheet.nrows)]
            name = sheet.name
        finally:
            book.release_resources()
    except FileFormatError:
        raise
    except Exception as exc:  # xlrd raises XLRDError, CompDocError, struct/Index errors...
        detail = str(exc).strip() or type(exc).__name__
        raise FileFormatError(
            path, f"not a readable Excel 97-2003 workbook (damaged or cut short?): {detail}"
        ) from None
    return _Cells(name, rows)


def _label(row: Sequence[Any]) -> str:
    return row[0].strip() if row and isinstance(row[0], str) else ""


def _number(path: Path, cell: Any, line: int, what: str) -> float:
    if isinstance(cell, float) and np.isfinite(cell):
        return cell
    if isinstance(cell, str):
        try:
            value = float(cell)
        except ValueError:
            value = float("nan")
        if np.isfinite(value):
            return value
    raise FileFormatError(path, f"{what}: {cell!r} is not a number", line=line)


def parse_sheet(path: Path, rows: Sequence[Sequence[Any]], sheet: str = "") -> Parsed:
    """The header, scanning speeds and foot sections of a footscan sheet given as rows of cell
    values (str, float, or '' for empty). Raises FileFormatError with ``line`` = the 1-based
    sheet row of the first problem."""
    where = f"sheet {sheet!r}: " if sheet else ""
    header: dict[str, str] = {}
    speeds: dict[str, float] = {}
    feet: list[Foot] = []
    current: Foot | None = None
    i = 0
    n = len(rows)
    while i < n:
        label = _label(rows[i])
        line = i + 1
        if not label:
            if any(c != "" for c in rows[i]):
                raise FileFormatError(path, f"{where}a row of numbers outside a frame", line=line)
            i += 1
            continue
        section = _SECTION.fullmatch(label)
        frame = _FRAME.fullmatch(label)
        if section is not None:
            current = Foot("left" if section[1].lower() == "left" else "right", line)
            feet.append(current)
            i += 1
        elif label.lower().startswith("rectangle") and not label.lower().endswith("position"):
            key = label.split(None, 1)[1].lower() if " " in label else ""
            if current is None or key not in _RECT:
                raise FileFormatError(path, f"{where}unexpected {label!r}", line=line)
            if i + 1 >= n:
                raise FileFormatError(path, f"{where}{label!r} has no value below it", line=line)
            value = _number(path, rows[i + 1][0], line + 1, label)
            if value != int(value) or value < 0 or (key in ("width", "height") and value < 1):
                raise FileFormatError(
                    path, f"{where}{label}: {value:g} is not a count", line=line + 1
                )
            current.rect[key] = int(value)
            i += 2
        elif frame is not None:
            if current is None or len(current.rect) != len(_RECT):
                raise FileFormatError(
                    path, f"{where}a frame before its foot's rectangle position", line=line
                )
            height, width = current.rect["height"], current.rect["width"]
            block = rows[i + 1 : i + 1 + height]
            if len(block) < height:
                raise FileFormatError(
                    path,
                    f"{where}frame {frame[1]} has {len(block)} of {height} rows (the sheet ends)",
                    line=n,
                )
            matrix = np.empty((height, width))
            for r, cells in enumerate(block):
                row_line = line + 1 + r
                if len(cells) < width:
                    raise FileFormatError(
                        path,
                        f"{where}frame {frame[1]}: {len(cells)} of {width} cells",
                        line=row_line,
                    )
                for c in range(width):
                    cell = cells[c]
                    if not (isinstance(cell, float) and np.isfinite(cell)):
                        column = _column_name(c)
                        shown = "an empty cell" if cell == "" else repr(cell)
                        raise FileFormatError(
                            path,
                            f"{where}frame {frame[1]}, column {column}: {shown} is not a number",
                            line=row_line,
                        )
                    matrix[r, c] = cell
                if any(cell != "" for cell in cells[width:]):
                    raise FileFormatError(
                        path,
                        f"{where}frame {frame[1]}: more than {width} cells in the row",
                        line=row_line,
                    )
            current.frame_numbers.append(int(frame[1]))
            current.frame_lines.append(line)
            current.time_ms.append(float(frame[2]))
            current.frames.append(matrix)
            i += 1 + height
        else:
            if label.lower().startswith("frame"):
                raise FileFormatError(path, f"{where}{label!r} is not a frame label", line=line)
            if label.lower().startswith("scanning speed"):
                speeds.update({m[1].lower(): float(m[2]) for m in _SPEED.finditer(label)})
            if current is None:
                key, sep, text = label.partition(":")
                lower = label.lower()
                if lower.startswith("measurement done on"):
                    key, text = "Measurement done on", label[len("measurement done on") :]
                elif lower.startswith("scanning speed"):
                    key, text = "Scanning speed", label[len("scanning speed") :].lstrip(";: ")
                elif not sep:
                    key, text = label, ""
                header[key.strip()] = text.strip()
            i += 1
    return Parsed(header, speeds, feet)


def _column_name(c: int) -> str:
    name = ""
    c += 1
    while c:
        c, rest = divmod(c - 1, 26)
        name = chr(ord("A") + rest) + name
    return name


def preload() -> None:
    """Import what ``read`` imports on first use: xlrd and (``_plate.preload``) scipy."""
    import xlrd  # noqa: F401

    from . import _plate

    _plate.preload()


def read(path: Path) -> Session:
    """Read a footscan export (module docstring)."""
    from ._plate import plate_feet

    cells = _open(path)
    parsed = parse_sheet(path, cells.rows, cells.name)
    recorded = [f for f in parsed.feet if f.frames]
    if not recorded:
        raise FileFormatError(
            path,
            f"sheet {cells.name!r}: no foot section with frames "
            "('Right foot data', then 'Frame 0 (0.00 ms)' and its rows)",
        )
    feet: dict[SideName, FootRecording] = {}
    plate: dict[str, Any] = {}
    problems: list[str] = []
    quality: dict[str, int] = {}
    for section in recorded:
        if section.side in feet:
            raise FileFormatError(path, f"a second {section.side} foot section", line=section.line)
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
        nominal = parsed.speeds_hz.get(section.side)
        rate = sampling_rate_hz(time_s, nominal if nominal and nominal > 0 else None)
        if rate is None:
            raise FileFormatError(
                path, f"the {section.side} foot has one frame and no scanning speed"
            )
        if nominal and nominal > 0 and abs(rate - nominal) > 1e-3 * nominal:
            problems.append(
                f"the {section.side} foot's frame times show {rate:.6g} Hz, the header "
                f"{nominal:g} Hz"
            )
        rect = section.rect
        frames = np.stack(section.frames)  # (n, height, width)
        n, height, width = frames.shape
        values = frames.reshape(n, height * width)
        r, c = np.divmod(np.arange(height * width), width)
        x = (rect["left"] + c + 0.5) * COL_SPACING_MM
        y = (rect["bottom"] + r + 0.5) * ROW_SPACING_MM
        area = np.full(height * width, ROW_SPACING_MM * COL_SPACING_MM)
        # the vendor's N per sensor as pressure, like the other plates: kPa = N / mm² · 1000
        pressure_kpa = values / area * KPA_PER_N_MM2
        found, info = plate_feet(
            path,
            time_s,
            pressure_kpa,
            x,
            y,
            area,
            unit="kpa",
            sampling_rate_hz=float(rate),
            name="footscan",
            side=section.side,
        )
        if section.side not in found:
            raise FileFormatError(
                path, f"no {section.side} footprint in its section", line=section.line
            )
        if len(found) > 1:
            problems.append(f"the {section.side} foot's window holds a second footprint: left out")
        # the vendor's own values, summed per frame (N): the kPa times the sensor areas
        feet[section.side] = dataclasses.replace(
            found[section.side], vendor={"sensor_force_sum_n": values.sum(axis=1)}
        )
        plate[section.side] = {
            **info[section.side],
            "window": dict(rect),
            **{k: v for k, v in info.items() if k not in ("left", "right")},
        }
        quality[f"frames_{section.side}"] = n
        negative = int((values < 0).sum())
        if negative:
            problems.append(f"{negative} negative {section.side} sensor values (kept as they are)")
    meta: dict[str, Any] = {
        "source": SOURCE,
        "record": path.stem,
        "device": "RSscan footscan pressure plate",
        "header": dict(parsed.header),
        "sheet": cells.name,
        "scanning_speed_hz": dict(parsed.speeds_hz),
        "sensor_size_mm": {"row_spacing": ROW_SPACING_MM, "col_spacing": COL_SPACING_MM},
        "sensor_size_note": SENSOR_SIZE_NOTE,
        "unit_note": (
            "the file's values are the force per sensor in N (inferred; module docstring), "
            "given as kPa = N / sensor area; vendor['sensor_force_sum_n'] keeps their sum per frame"
        ),
        "plate": plate,
    }
    for key, value in parsed.header.items():
        if key.lower().startswith("dynamic roll off"):
            meta["measurement"] = value
        elif key.lower() == "measurement done on":
            meta["date"] = value
    return Session(
        path=path,
        format=NAME,
        left=feet.get("left"),
        right=feet.get("right"),
        metadata=meta,
        quality=quality,
        problems=problems,
    )


__all__ = [
    "COL_SPACING_MM",
    "DESCRIPTION",
    "NAME",
    "ROW_SPACING_MM",
    "SUFFIXES",
    "detect",
    "parse_sheet",
    "primary_file",
    "read",
]
