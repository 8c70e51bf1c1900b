"""Novel pedar insole exports (``.asc``): two insoles of 99 sensors each.

Format (text, latin-1): header lines, then the data table::

    File name:  3DI_S001_V2_FE_2.sol<TAB>date/time  25.04.23 10.49
    sensor type:  y-1865l-1870r-pxf306-11mar2021
    total time [secs]:  15.050<TAB>time per frame [secs]:  0.01000<TAB>scanning rate [Hz]:   100
    pressure values in  kPa

    mask definition:
    left insole: 1,2,...,99,
    right insole: 1,2,...,99,

    time[secs]<TAB>1<TAB>2 ... 99<TAB>1 ... 99<TAB>
    0.01000<TAB>32.500<TAB>...

The columns after ``time[secs]`` are the left insole's sensors then the right's, numbered 1-99
each (or 100-198 for the right, as some exports and METHODS §5.2 number them); a trailing tab
ends every line. Fields may be separated by spaces instead of tabs. The first letter group of
the sensor type before ``-`` is the insole size (``y-1865l-…`` → ``y``); the rest names the two
insoles (serial numbers ``1865l``/``1870r``, here). Pressures are in kPa (``pressure values
in kPa``; N/cm² is kept as ``n_cm2``, mmHg converted to kPa, anything else is kept as ``raw``
with a note). Time is the file's own ``time[secs]`` column (from 0.01 s in the example).

Geometry
--------
The sensor shapes are not in the export. ``pedar_geometry.csv`` (the standard insole's 99
sensor quadrilaterals per side, in normalised plot units of a top view with both insoles side
by side, heel at low y and the medial sides facing x = 0.5, the same grid for every size) and
``pedar_sensor_areas_mm2.csv`` (each sensor's area in mm² per insole size letter) come from the
pressuRe R package (Telfer et al., MIT; ``pedar_insole_grids()``, ``pedar_insole_area()``).
They are not part of this package: the reader looks for them next to the ``.asc`` file, else
in the folder named by ``PRESSURE_PEDAR_GEOMETRY_DIR``. Without them the session has no layout
and ``Session.problems`` says where to get them.

From plot units to mm: the plot's areas are proportional to the true ones, so one scale ``s``
(mm per plot unit, the same along x and y: the plot is drawn to scale) is fitted per insole size
by least squares, ``s² = Σ A_i m_i / Σ A_i²`` over the 99 sensors, with ``A_i`` a
quadrilateral's area in plot units² (shoelace) and ``m_i`` the size's published area; the fit's
RMS residual (mm²) is in ``metadata["geometry"]`` (size ``y``: s = 305 mm per unit, RMS 9.3 mm²
on areas of about 190 mm², i.e. a 280 mm insole). The foot frame (``pressure.layout``):

* ``y = s · (Y − Y_min)``: the origin at the most posterior vertex of that insole's sensors;
* ``x = s · (X − X_mid)`` on the left insole and ``x = s · (X_mid − X)`` on the right, with
  ``X_mid`` the middle of the insole's extent across: the plot's medial sides face its centre,
  so +X is medial on the left insole (which therefore keeps the plot's x direction) and
  lateral on the right one (mirrored). Both come out +x medial, as METHODS §5.2's masks confirm
  (its medial rearfoot sensors 1-2, 6-8, 13-15, 20-22 lie at x > 0 on both feet);
* sensor centroid = the quadrilateral's area centroid, mapped the same way; ``area_mm2`` = the
  size's published area (not the fitted quadrilateral's); outline = the convex hull of the
  quadrilaterals' vertices; foot length and width = the vertices' extent.

Regions: ``mask1.hindfoot`` (sensors 1-26), ``mask1.midfoot`` (27-54), ``mask1.forefoot``
(55-82), ``mask1.toes`` (83-99), and the nine ``mask3.*`` regions of METHODS §5.2 (pressuRe's
``pedar_mask3()``, van der Zwaard et al. 2014); a right sensor 100-198 counts as sensor − 99.
Plus the standard length bands of ``pressure.layout`` and the automatic ``auto.*`` regions of
``pressure.masks``.

Reading: pandas' C parser reads the table when it can be checked to give exactly what reading
line by line gives; otherwise (a damaged file) the table is read line by line, which names the
line of the first ragged row or bad cell. ``read_numeric_block`` is shared with the pliance
reader.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import FileFormatError
from ...layout import BoolArray, SensorLayout, convex_hull
from ...masks import with_anatomical_regions
from ...model import FloatArray, FootRecording, Session, SideName
from ..text import (
    TextLines,
    check_increasing,
    head_lines,
    read_bytes,
    read_text_lines,
    sampling_rate_hz,
    to_numbers,
)

NAME = "pedar"
DESCRIPTION = (
    "Novel pedar insole export (.asc: header with 'sensor type:', then time[secs] and 99 left "
    "+ 99 right sensor columns)"
)
SUFFIXES = (".asc",)
N_SENSORS = 99
GEOMETRY_FILE = "pedar_geometry.csv"
AREAS_FILE = "pedar_sensor_areas_mm2.csv"
GEOMETRY_ENV = "PRESSURE_PEDAR_GEOMETRY_DIR"
SOURCE = "Novel pedar .asc export"
GEOMETRY_SOURCE = (
    "pedar_geometry.csv and pedar_sensor_areas_mm2.csv from the pressuRe R package "
    "(Telfer et al.), MIT"
)
GEOMETRY_HINT = (
    f"the pedar sensor geometry ({GEOMETRY_FILE} and {AREAS_FILE}) was not found next to the "
    f"file nor in ${GEOMETRY_ENV}: loaded without a sensor layout (no centre of pressure or "
    "regions). Get them from the pressuRe R package's example data (inst/extdata, MIT; "
    "https://github.com/Telfer/pressuRe) and put them beside the .asc file or in the folder "
    f"${GEOMETRY_ENV} names"
)
MMHG_TO_KPA = 0.133322387415
POOR_FIT = 0.10  # area-fit RMS above this share of the mean area: the grid does not fit the size

#: pedar "mask 1" (METHODS §5.2): sensor number ranges, inclusive
MASK1: dict[str, tuple[int, int]] = {
    "hindfoot": (1, 26),
    "midfoot": (27, 54),
    "forefoot": (55, 82),
    "toes": (83, 99),
}


def _numbers(*spans: tuple[int, int]) -> tuple[int, ...]:
    return tuple(k for a, b in spans for k in range(a, b + 1))


#: pedar "mask 3" (METHODS §5.2; pressuRe pedar_mask3(), van der Zwaard et al. 2014)
MASK3: dict[str, tuple[int, ...]] = {
    "medial_rearfoot": _numbers((1, 2), (6, 8), (13, 15), (20, 22)),
    "lateral_rearfoot": _numbers((3, 5), (9, 12), (16, 19), (23, 26)),
    "medial_midfoot": _numbers((27, 29), (34, 36), (41, 43), (48, 50), (55, 57)),
    "lateral_midfoot": _numbers((30, 33), (37, 40), (44, 47), (51, 54), (58, 59)),
    "mtpj1": _numbers((62, 63), (69, 70), (76, 77)),
    "mtpj2_3": _numbers((64, 66), (71, 73), (78, 80)),
    "mtpj4_5": _numbers((60, 61), (67, 68), (74, 75)),
    "hallux": _numbers((83, 84), (90, 91), (96, 96)),
    "lesser_toes": _numbers((81, 82), (85, 89), (92, 95), (97, 99)),
}

_UNITS = {"kpa": "kpa", "n/cm²": "n_cm2", "n/cm2": "n_cm2", "mmhg": "kpa", "n": "n"}
_KEY = re.compile(r"([A-Za-z][A-Za-z /]*?(?:\s*\[[^\]]*\])?)\s*:")
_VALUES_IN = re.compile(r"^\s*(pressure|force) values in\s+(\S+)", re.I)


# --- shared with the pliance reader ---------------------------------------------------------


def header_fields(lines: Sequence[str]) -> dict[str, str]:
    """``key: value`` pairs of Novel header lines (several per line, separated by tabs or
    spaces), keys as written (``total time [secs]``), values stripped; ``date/time`` and
    ``pressure values in <unit>`` (key ``values in``) too. Keys seen twice keep the first."""
    fields: dict[str, str] = {}
    for line in lines:
        found = _VALUES_IN.match(line)
        if found is not None:
            fields.setdefault("values in", f"{found[1].lower()} {found[2]}")
            continue
        if re.match(r"\s*file\s*name\s*:", line, re.I):  # the name may hold ':' (C:\...)
            name, _, when = line.split(":", 1)[1].partition("date/time")
            fields.setdefault("file name", name.strip())
            if when.strip():
                fields.setdefault("date/time", when.strip())
            continue
        keys = list(_KEY.finditer(line))
        for k, match in enumerate(keys):
            end = keys[k + 1].start() if k + 1 < len(keys) else len(line)
            fields.setdefault(match[1].strip(), line[match.end() : end].strip())
    return fields


def header_number(fields: dict[str, str], pattern: str) -> float | None:
    """The number at the start of the value of the first key matching ``pattern``."""
    for key, value in fields.items():
        if re.fullmatch(pattern, key, re.I):
            found = re.match(r"[-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?", value)
            return float(found[0]) if found else None
    return None


def pressure_unit(path: Path, fields: dict[str, str]) -> tuple[str, float, dict[str, Any]]:
    """(our unit, factor to it, metadata) from ``pressure values in <unit>``."""
    said = fields.get("values in", "pressure kPa").split(" ", 1)
    kind, unit = said[0], said[1] if len(said) > 1 else ""
    key = unit.strip().lower()
    ours = _UNITS.get(key)
    meta: dict[str, Any] = {"unit_in_file": unit}
    if ours is None or (kind == "force") != (ours == "n"):
        meta["unit_note"] = f"{kind} values in {unit!r}: an unknown unit, kept as raw numbers"
        return "raw", 1.0, meta
    if key == "mmhg":
        meta["unit_conversion"] = f"mmHg × {MMHG_TO_KPA} = kPa"
        return ours, MMHG_TO_KPA, meta
    return ours, 1.0, meta


@dataclass
class Block:
    """A numeric table read from a text file: ``values`` (rows, columns) and each row's
    1-based line number."""

    values: FloatArray
    numbers: Sequence[int]


def read_numeric_block(
    path: Path,
    data: bytes,
    start_line: int,
    start: int,
    end: int,
    names: Sequence[str],
    sep: str | None,
    trailing_empty: bool,
    text: TextLines | None = None,
) -> Block:
    """The rows of ``data[start:end]`` (file line index ``start_line`` at byte ``start``), each
    ``len(names)`` numbers separated by ``sep`` (a tab, or None: runs of spaces/tabs), plus an
    empty last field when ``trailing_empty`` (a line ending in a tab). Blank lines are skipped.

    pandas' C parser reads it when the result can be checked to be what reading line by line
    gives (no blank line, every row exactly as many fields, every cell a finite number);
    otherwise ``_block_by_lines`` reads it and raises FileFormatError at the first ragged row
    or bad cell."""
    fast = _block_by_pandas(data, start_line, start, end, len(names), sep, trailing_empty)
    if fast is not None:
        return fast
    if text is None:
        text = read_text_lines(path, encoding="latin-1")
    stop = (
        start_line + data.count(b"\n", start, end) + (0 if data[start:end].endswith(b"\n") else 1)
    )
    return _block_by_lines(text, start_line, min(stop, len(text.lines)), names, sep, trailing_empty)


def _block_by_pandas(
    data: bytes,
    start_line: int,
    start: int,
    end: int,
    n_columns: int,
    sep: str | None,
    trailing_empty: bool,
) -> Block | None:
    import pandas as pd

    if end <= start:
        return None
    n_rows = data.count(b"\n", start, end) + (0 if data[end - 1 : end] == b"\n" else 1)
    n_fields = n_columns + (1 if trailing_empty else 0)
    if sep == "\t" and data.count(b"\t", start, end) != n_rows * (n_fields - 1):
        return None
    if sep is None and trailing_empty:
        return None
    # column-major: each parsed column is copied in one contiguous piece, and a reader can take
    # a run of columns (one insole's sensors) as a view
    columns = np.empty((n_columns, n_rows))
    done = 0
    try:
        with pd.read_csv(
            io.BytesIO(data),
            sep="\t" if sep == "\t" else r"\s+",
            header=None,
            index_col=False,
            skiprows=start_line,
            nrows=n_rows,
            dtype=np.float64,
            quoting=csv.QUOTE_NONE,
            skip_blank_lines=False,
            encoding="latin-1",
            engine="c",
            chunksize=1 << 15,
        ) as chunks:
            for chunk in chunks:
                stop = done + len(chunk)
                if chunk.shape[1] != n_fields or stop > n_rows:
                    return None
                if trailing_empty and not chunk[n_columns].isna().all():
                    return None
                for k in range(n_columns):
                    columns[k, done:stop] = chunk[k].to_numpy(dtype=np.float64)
                done = stop
    except (ValueError, TypeError, OverflowError):  # pandas' ParserError is a ValueError
        return None
    if done != n_rows or not np.isfinite(columns).all():
        return None
    first = start_line + 1
    return Block(columns.T, range(first, first + n_rows))


def _block_by_lines(
    text: TextLines,
    start_line: int,
    stop_line: int,
    names: Sequence[str],
    sep: str | None,
    trailing_empty: bool,
) -> Block:
    n_fields = len(names) + (1 if trailing_empty else 0)
    last = len(text.lines) - 1
    rows: list[list[str]] = []
    numbers: list[int] = []
    for index in range(start_line, stop_line):
        line = text.lines[index]
        if not line.strip():
            continue
        fields = line.split(sep)
        if len(fields) != n_fields or (trailing_empty and fields[-1].strip()):
            hint = ""
            if index == last and not text.ends_with_newline:
                hint = " (the file ends inside this line: it is probably truncated)"
            raise FileFormatError(
                text.path,
                f"row has {len(fields)} fields, expected {n_fields}{hint}",
                line=index + 1,
            )
        rows.append(fields[: len(names)])
        numbers.append(index + 1)
    if not rows:
        raise FileFormatError(text.path, "no data rows after the column header", line=start_line)
    return Block(to_numbers(text.path, rows, numbers, names), numbers)


# --- detection ------------------------------------------------------------------------------


def _is_block_label(line: str) -> bool:
    """A pliance block label line: ``electrical:``, ``mechanical:`` (a word and a colon)."""
    return re.fullmatch(r"\s*[A-Za-z]+:\s*", line) is not None


def detect(path: Path, head: bytes) -> bool:
    """A ``file name:`` line first and a ``sensor type:`` line within the header, before the
    ``time[secs]`` column header, and no pliance block label (``electrical:``)."""
    lines = head_lines(head, 40)
    if not lines or not re.match(r"\s*file\s*name\s*:", lines[0], re.I):
        return False
    sensor_type = False
    for line in lines[1:]:
        if line.strip().lower().startswith("time[secs]"):
            break
        if _is_block_label(line):
            return False
        if re.match(r"\s*sensor\s*type\s*:", line, re.I):
            sensor_type = True
    return sensor_type


def primary_file(path: Path) -> Path | None:
    return None


# --- geometry -------------------------------------------------------------------------------


def geometry_dir(path: Path) -> Path | None:
    """The folder holding both geometry files: the file's own, else $PRESSURE_PEDAR_GEOMETRY_DIR."""
    candidates = [path.parent]
    env = os.environ.get(GEOMETRY_ENV)
    if env:
        candidates.append(Path(env))
    for folder in candidates:
        if (folder / GEOMETRY_FILE).is_file() and (folder / AREAS_FILE).is_file():
            return folder
    return None


def _csv_rows(path: Path) -> list[tuple[int, list[str]]]:
    """(line number, cells) of a small CSV, comment (#) and blank lines left out."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FileFormatError(path, f"cannot be read: {exc}") from None
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip() and not line.lstrip().startswith("#"):
            rows.append((number, next(csv.reader([line]))))
    if not rows:
        raise FileFormatError(path, "no table in the file")
    return rows


def read_geometry(folder: Path) -> dict[SideName, FloatArray]:
    """Per side, the quadrilaterals (99, 4, 2) in plot units from ``pedar_geometry.csv``."""
    path = folder / GEOMETRY_FILE
    rows = _csv_rows(path)
    (header_no, header), body = rows[0], rows[1:]
    columns = ["side", "sensor"] + [f"{a}{k}" for k in range(1, 5) for a in "xy"]
    if [c.strip().lower() for c in header] != columns:
        raise FileFormatError(path, f"expected the columns {','.join(columns)}", line=header_no)
    quads: dict[SideName, FloatArray] = {
        "left": np.full((N_SENSORS, 4, 2), np.nan),
        "right": np.full((N_SENSORS, 4, 2), np.nan),
    }
    for number, cells in body:
        if len(cells) != len(columns):
            raise FileFormatError(
                path, f"row has {len(cells)} fields, expected {len(columns)}", line=number
            )
        side = cells[0].strip().lower()
        if side not in ("left", "right"):
            raise FileFormatError(path, f"side {cells[0]!r} is not left or right", line=number)
        try:
            sensor = int(cells[1])
            corners = [float(c) for c in cells[2:]]
        except ValueError:
            raise FileFormatError(path, "sensor or corner is not a number", line=number) from None
        if not 1 <= sensor <= N_SENSORS or not np.all(np.isfinite(corners)):
            raise FileFormatError(path, f"bad sensor number or corner ({sensor})", line=number)
        quads["left" if side == "left" else "right"][sensor - 1] = np.reshape(corners, (4, 2))
    for side, q in quads.items():
        missing = np.flatnonzero(np.isnan(q).any(axis=(1, 2)))
        if missing.size:
            raise FileFormatError(
                path, f"no quadrilateral for {side} sensors {(missing + 1).tolist()[:10]}"
            )
    return quads


def read_areas(folder: Path) -> dict[str, FloatArray]:
    """Per insole size letter, the 99 sensor areas in mm² from ``pedar_sensor_areas_mm2.csv``."""
    path = folder / AREAS_FILE
    rows = _csv_rows(path)
    (header_no, header), body = rows[0], rows[1:]
    if not header or header[0].strip().lower() != "sensor":
        raise FileFormatError(path, "expected a 'sensor' column first", line=header_no)
    sizes = [h.strip().lower() for h in header[1:]]
    areas = np.full((N_SENSORS, len(sizes)), np.nan)
    for number, cells in body:
        if len(cells) != len(header):
            raise FileFormatError(
                path, f"row has {len(cells)} fields, expected {len(header)}", line=number
            )
        try:
            sensor = int(cells[0])
            values = [float(c) for c in cells[1:]]
        except ValueError:
            raise FileFormatError(path, "sensor or area is not a number", line=number) from None
        if not 1 <= sensor <= N_SENSORS or not all(v > 0 for v in values):
            raise FileFormatError(path, f"bad sensor number or area ({sensor})", line=number)
        areas[sensor - 1] = values
    if np.isnan(areas).any():
        raise FileFormatError(path, "areas missing for some sensors")
    return {size: areas[:, k] for k, size in enumerate(sizes)}


def polygon_areas_centroids(quads: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Areas (n,) and area centroids (n, 2) of polygons (n, k, 2) (shoelace formulas)."""
    x, y = quads[..., 0], quads[..., 1]
    x1, y1 = np.roll(x, -1, axis=1), np.roll(y, -1, axis=1)
    cross = x * y1 - x1 * y
    signed = cross.sum(axis=1) / 2
    cx = ((x + x1) * cross).sum(axis=1) / (6 * signed)
    cy = ((y + y1) * cross).sum(axis=1) / (6 * signed)
    return np.abs(signed), np.column_stack([cx, cy])


def area_scale(plot_areas: FloatArray, areas_mm2: FloatArray) -> tuple[float, dict[str, float]]:
    """mm per plot unit: ``s² = Σ A m / Σ A²`` (least squares), and the fit's residuals."""
    s2 = float(plot_areas @ areas_mm2 / (plot_areas @ plot_areas))
    residual = areas_mm2 - s2 * plot_areas
    return float(np.sqrt(s2)), {
        "scale_mm_per_unit": float(np.sqrt(s2)),
        "area_fit_rms_mm2": float(np.sqrt(np.mean(residual**2))),
        "area_fit_max_abs_mm2": float(np.max(np.abs(residual))),
        "area_mean_mm2": float(np.mean(areas_mm2)),
    }


def _mask_regions(numbers: Sequence[int]) -> dict[str, BoolArray]:
    """``mask1.*`` and ``mask3.*`` over sensors with these pedar numbers (1-99)."""
    numbers_a = np.asarray(numbers)
    regions: dict[str, BoolArray] = {}
    for name, (low, high) in MASK1.items():
        regions[f"mask1.{name}"] = (numbers_a >= low) & (numbers_a <= high)
    for name, members in MASK3.items():
        regions[f"mask3.{name}"] = np.isin(numbers_a, members)
    return regions


def pedar_layout(
    side: SideName,
    size: str,
    numbers: Sequence[int],
    quads: dict[SideName, FloatArray],
    areas: dict[str, FloatArray],
) -> tuple[SensorLayout, dict[str, Any]]:
    """The layout of one insole of ``size`` for the sensors ``numbers`` (1-99, file order), in
    the foot frame (module docstring), and the fit's figures."""
    q = quads[side]
    plot_area, centroid = polygon_areas_centroids(q)
    scale, info = area_scale(plot_area, areas[size])
    vertices = q.reshape(-1, 2)
    y0 = float(vertices[:, 1].min())
    x_mid = float((vertices[:, 0].min() + vertices[:, 0].max()) / 2)
    sign = 1.0 if side == "left" else -1.0  # the plot's +X is medial on the left insole

    def to_foot(points: FloatArray) -> FloatArray:
        return np.column_stack([sign * (points[:, 0] - x_mid), points[:, 1] - y0]) * scale

    index = np.asarray(numbers) - 1
    centres = to_foot(centroid)[index]
    corners = to_foot(vertices)
    layout = SensorLayout(
        name=f"pedar99-{size}-{side}",
        x_mm=centres[:, 0],
        y_mm=centres[:, 1],
        area_mm2=areas[size][index],
        foot_length_mm=float(np.ptp(corners[:, 1])),
        foot_width_mm=float(np.ptp(corners[:, 0])),
        outline_mm=convex_hull(np.unique(corners, axis=0)),
        regions=_mask_regions(numbers),
    )
    return with_anatomical_regions(layout), info


# --- reading --------------------------------------------------------------------------------


@dataclass
class _Header:
    lines: list[str]
    fields: dict[str, str]
    column_index: int  # line index of the time[secs] column header
    names: list[str]
    sep: str | None
    trailing_empty: bool
    masks: dict[str, str]  # "left"/"right" → the mask definition text


def _header(path: Path, data: bytes) -> tuple[_Header, int]:
    """The header (up to the column header line) and the byte offset after it."""
    pos = 0
    lines: list[str] = []
    while pos < len(data) and len(lines) < 200:
        nl = data.find(b"\n", pos)
        end = len(data) if nl < 0 else nl
        line = data[pos:end].decode("latin-1").rstrip("\r")
        pos = end + 1
        lines.append(line)
        if line.strip().lower().startswith("time[secs]"):
            sep: str | None = "\t" if "\t" in line else None
            names = line.split(sep)
            trailing = sep == "\t" and names[-1].strip() == ""
            if trailing:
                names = names[:-1]
            masks = {}
            for text in lines:
                found = re.match(r"\s*(left|right) insole\s*:\s*(.*)$", text, re.I)
                if found:
                    masks[found[1].lower()] = found[2].strip()
            return (
                _Header(
                    lines[:-1],
                    header_fields(lines[:-1]),
                    len(lines) - 1,
                    [n.strip() for n in names],
                    sep,
                    trailing,
                    masks,
                ),
                min(pos, len(data)),
            )
    raise FileFormatError(
        path,
        "no 'time[secs]' column header line after the header: not a pedar export, or "
        "truncated in its header",
        line=max(len(lines), 1),
    )


def _sides(path: Path, header: _Header) -> dict[SideName, tuple[list[int], list[int]]]:
    """Per side: (table columns, pedar sensor numbers 1-99) from the column header."""
    line = header.column_index + 1
    try:
        numbers = [int(float(n)) for n in header.names[1:]]
    except ValueError:
        raise FileFormatError(path, "sensor column names are not numbers", line=line) from None
    runs: list[list[int]] = [[]]
    for k, n in enumerate(numbers):
        if runs[-1] and n <= numbers[runs[-1][-1]]:
            runs.append([])
        runs[-1].append(k)
    if not numbers or len(runs) > 2:
        raise FileFormatError(
            path, "expected the left insole's sensor columns then the right's", line=line
        )
    sides: dict[SideName, tuple[list[int], list[int]]] = {}
    order: list[SideName] = ["left", "right"]
    if len(runs) == 1:
        if min(numbers) > N_SENSORS or (
            max(numbers) <= N_SENSORS and set(header.masks) == {"right"}
        ):
            order = ["right"]
        elif max(numbers) > N_SENSORS:  # one run 1..198: left 1-99, right 100-198
            runs = [
                [k for k, n in enumerate(numbers) if n <= N_SENSORS],
                [k for k, n in enumerate(numbers) if n > N_SENSORS],
            ]
    for side, run in zip(order, runs, strict=False):  # one run: left or right only
        sensor = [numbers[k] - (N_SENSORS if numbers[k] > N_SENSORS else 0) for k in run]
        if not all(1 <= s <= N_SENSORS for s in sensor) or len(set(sensor)) != len(sensor):
            raise FileFormatError(
                path, f"the {side} insole's sensor numbers are not distinct 1-99", line=line
            )
        sides[side] = ([k + 1 for k in run], sensor)  # +1: column 0 is the time
    return sides


def read(path: Path) -> Session:
    """Read a pedar export (module docstring). Raises FileFormatError naming the line of a
    ragged row, a cell that is not a number, or a time that does not increase."""
    data = read_bytes(path)
    header, start = _header(path, data)
    sides = _sides(path, header)
    names = [header.names[0] or "time[secs]", *header.names[1:]]
    block = read_numeric_block(
        path,
        data,
        header.column_index + 1,
        start,
        len(data),
        names,
        header.sep,
        header.trailing_empty,
    )
    del data  # the text is no longer needed: free it before the feet are built
    table = block.values
    time_s = np.ascontiguousarray(table[:, 0])
    check_increasing(path, time_s, block.numbers)
    fields = header.fields
    unit, factor, unit_meta = pressure_unit(path, fields)
    nominal = header_number(fields, r"scanning rate \[hz\]")
    period = header_number(fields, r"time per frame \[secs\]")
    if nominal is None and period:
        nominal = 1.0 / period
    rate = sampling_rate_hz(time_s, nominal) or nominal or 100.0

    sensor_type = fields.get("sensor type", "")
    size_match = re.match(r"\s*([A-Za-z]+)\s*-", sensor_type)
    size = size_match[1].lower() if size_match else None
    meta: dict[str, Any] = {
        "source": SOURCE,
        "record": Path(fields.get("file name") or path.name).stem,
        "device": f"Novel pedar, sensor type {sensor_type}".strip(),
        "sensor_type": sensor_type,
        "insole_size": size,
        "header": dict(fields),
        **unit_meta,
    }
    if "date/time" in fields:
        meta["date_time"] = fields["date/time"]
    total = header_number(fields, r"total times? \[secs\]")
    if total is not None:
        meta["duration_s"] = total
    if header.masks:
        meta["mask_definition"] = dict(header.masks)
    problems: list[str] = []
    if "unit_note" in unit_meta:
        problems.append(unit_meta["unit_note"])

    layouts: dict[SideName, SensorLayout | None] = {side: None for side in sides}
    folder = geometry_dir(path)
    if folder is None:
        problems.append(GEOMETRY_HINT)
    elif size is None:
        problems.append(
            f"no insole size letter in the sensor type {sensor_type!r}: no sensor layout"
        )
    else:
        quads = read_geometry(folder)
        areas = read_areas(folder)
        if size not in areas:
            problems.append(
                f"insole size {size!r} is not in {folder / AREAS_FILE} (sizes: "
                f"{', '.join(areas)}): no sensor layout"
            )
        else:
            fit: dict[str, Any] = {}
            for side, (_, numbers) in sides.items():
                layouts[side], fit = pedar_layout(side, size, numbers, quads, areas)
            meta["geometry"] = {"dir": str(folder), "size": size, **fit}
            meta["geometry_source"] = GEOMETRY_SOURCE
            if fit["area_fit_rms_mm2"] > POOR_FIT * fit["area_mean_mm2"]:
                problems.append(
                    f"the pedar grid fits the areas of insole size {size!r} poorly (RMS "
                    f"{fit['area_fit_rms_mm2']:.0f} mm² on a mean area of "
                    f"{fit['area_mean_mm2']:.0f} mm²): sensor positions are approximate"
                )

    feet: dict[SideName, FootRecording] = {}
    quality: dict[str, int] = {"rows": len(table)}
    for side, (columns, _) in sides.items():
        run = columns[-1] - columns[0] + 1 == len(columns) and columns == sorted(columns)
        values = table[:, columns[0] : columns[-1] + 1] if run else table[:, columns]
        if factor != 1.0:
            values = values * factor
        negative = int((values < 0).sum())
        if negative:
            quality[f"negative_values_{side}"] = negative
        feet[side] = FootRecording(
            side=side,
            time_s=time_s,
            values=values,
            unit=unit,
            sampling_rate_hz=rate,
            layout=layouts[side],
        )
    if any(k.startswith("negative_values") for k in quality):
        meta["negative_values_note"] = "negative values are kept as the file has them"
    return Session(
        path=path,
        format=NAME,
        left=feet.get("left"),
        right=feet.get("right"),
        metadata=meta,
        quality=quality,
        problems=problems,
    )
