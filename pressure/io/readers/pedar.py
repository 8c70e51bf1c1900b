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

Reading: the table is read by ``pressure.io.table.read_table``, which names the line of the
first ragged row or bad cell. ``header_fields`` and ``pressure_unit`` serve the pliance reader too.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import FileFormatError
from ...layout import BoolArray, SensorLayout, convex_hull, polygon_areas_centroids
from ...masks import with_anatomical_regions
from ...model import FloatArray, FootRecording, Session, SideName
from ..table import Table, line_start, read_table
from ..text import (
    PRESSURE_UNITS,
    Header,
    check_increasing,
    decoded_lines,
    geometry_folder,
    head_lines,
    read_bytes,
    sampling_rate_hz,
    unit_and_factor,
)

NAME = "pedar"
DESCRIPTION = (
    "Novel pedar insole export (.asc: header with 'sensor type:', then time[secs] and 99 left "
    "+ 99 right sensor columns)"
)
SUFFIXES = (".asc",)
LIBRARIES = ("pandas",)
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
MMHG_TO_KPA = PRESSURE_UNITS["mmhg"][1]
NOVEL_UNITS = ("kpa", "n/cm²", "n/cm2", "mmhg", "n")  # what Novel's exports write; others: raw
SIDES: tuple[SideName, SideName] = ("left", "right")
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

_KEY = re.compile(r"([A-Za-z][A-Za-z /]*?(?:\s*\[[^\]]*\])?)\s*:")
_VALUES_IN = re.compile(r"^\s*(pressure|force) values in\s+(\S+)", re.I)


# --- shared with the pliance reader ---------------------------------------------------------


def header_fields(path: Path, lines: Sequence[str]) -> Header:
    """The ``key: value`` fields of Novel header lines (several per line), keys as written
    (``total time [secs]``); ``date/time`` and ``pressure values in <unit>`` (key ``values
    in``) too."""
    header = Header(path, line=1)
    for number, line in enumerate(lines, start=1):
        found = _VALUES_IN.match(line)
        if found is not None:
            header.add("values in", f"{found[1].lower()} {found[2]}", number)
        elif re.match(r"\s*file\s*name\s*:", line, re.I):  # the name may hold ':' (C:\...)
            name, _, when = line.split(":", 1)[1].partition("date/time")
            header.add("file name", name, number)
            if when.strip():
                header.add("date/time", when, number)
        else:
            keys = list(_KEY.finditer(line))
            for k, match in enumerate(keys):
                end = keys[k + 1].start() if k + 1 < len(keys) else len(line)
                header.add(match[1].strip(), line[match.end() : end], number)
    return header


def header_number(header: Header, *keys: str) -> float | None:
    """The number at the start of the first field named one of ``keys`` (in any case)."""
    key = next((k for k in header.fields if k.lower() in keys), None)
    return None if key is None else header.number(key)


def header_times(header: Header, duration_key: str) -> dict[str, Any]:
    """``date_time`` and the total time (as ``duration_key``) where the header gives them."""
    times = {"date_time": header.fields["date/time"]} if "date/time" in header else {}
    total = header_number(header, "total time [secs]", "total times [secs]")
    return times if total is None else {**times, duration_key: total}


def frame_rate_hz(header: Header, time_s: FloatArray, default: float) -> float:
    """The scanning rate (or 1 / the time per frame) checked against the time column."""
    nominal = header_number(header, "scanning rate [hz]")
    period = header_number(header, "time per frame [secs]")
    if nominal is None and period:
        nominal = 1.0 / period
    return sampling_rate_hz(time_s, nominal) or nominal or default


def pressure_unit(header: Header) -> tuple[str, float, dict[str, Any]]:
    """(our unit, factor to it, metadata) from ``pressure values in <unit>``."""
    kind, _, unit = (header.get("values in") or "pressure kPa").partition(" ")
    ours = unit_and_factor(unit) if unit.strip().lower() in NOVEL_UNITS else None
    meta: dict[str, Any] = {"unit_in_file": unit}
    if ours is None or (kind == "force") != (ours[0] == "n"):
        meta["unit_note"] = f"{kind} values in {unit!r}: an unknown unit, kept as raw numbers"
        return "raw", 1.0, meta
    if ours[1] != 1.0:
        meta["unit_conversion"] = f"mmHg × {ours[1]} = kPa"
    return ours[0], ours[1], meta


# --- detection ------------------------------------------------------------------------------


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
        if re.fullmatch(r"\s*[A-Za-z]+:\s*", line):  # a pliance block label
            return False
        if re.match(r"\s*sensor\s*type\s*:", line, re.I):
            sensor_type = True
    return sensor_type


def near(path: Path, head: bytes) -> str | None:
    """A Novel export's ``file name:`` line first and a ``time[secs]`` column header, but no
    ``sensor type:`` line in the header (it says which pedar insole: the layout) and no
    pliance block label."""
    lines = head_lines(head, 40)
    if not lines or not re.match(r"\s*file\s*name\s*:", lines[0], re.I):
        return None
    for line in lines[1:]:
        if line.strip().lower().startswith("time[secs]"):
            return (
                "a Novel pedar insole export, but its header has no 'sensor type:' line "
                "(it names the insole, whose layout the sensors need)"
            )
        if re.fullmatch(r"\s*[A-Za-z]+:\s*", line) or re.match(r"\s*sensor\s*type\s*:", line, re.I):
            return None  # a pliance block label, or a header pedar's detect took
    return None


# --- geometry -------------------------------------------------------------------------------


def _csv_table(
    path: Path, columns: Sequence[str] | None
) -> tuple[list[str], np.ndarray[Any, np.dtype[np.int64]], Table]:
    """The header (lower case), each row's sensor index (0-98) and the rows of a small CSV
    after its ``#`` comment lines, whose header is ``columns`` (None: begins with ``sensor``)."""
    data = read_bytes(path)
    lines = data.decode("latin-1").split("\n")
    comment = [not line.strip() or line.lstrip().startswith("#") for line in lines]
    if all(comment):
        raise FileFormatError(path, "no table in the file")
    index = comment.index(False)
    header = [c.strip().lower() for c in lines[index].split(",")]
    if columns is None and header[0] != "sensor":
        raise FileFormatError(path, "expected a 'sensor' column first", line=index + 1)
    if columns is not None and header != list(columns):
        raise FileFormatError(path, f"expected the columns {','.join(columns)}", line=index + 1)
    start = line_start(data, index + 1)
    text = [0] if header[0] == "side" else []
    table = read_table(path, data, header, start=start, first_line=index + 2, text_columns=text)
    sensor = table.values[:, header.index("sensor")]
    bad = np.flatnonzero((sensor != np.round(sensor)) | (sensor < 1) | (sensor > N_SENSORS))
    if bad.size:
        line = table.line_numbers[bad[0]]
        raise FileFormatError(path, f"bad sensor number ({sensor[bad[0]]:g})", line=line)
    return header, sensor.astype(np.int64) - 1, table


def read_geometry(folder: Path) -> dict[SideName, FloatArray]:
    """Per side, the quadrilaterals (99, 4, 2) in plot units from ``pedar_geometry.csv``."""
    path = folder / GEOMETRY_FILE
    columns = ["side", "sensor"] + [f"{a}{k}" for k in range(1, 5) for a in "xy"]
    _, sensor, table = _csv_table(path, columns)
    sides = np.array([s.strip().lower() for s in table.text[0]])
    for k in np.flatnonzero(~np.isin(sides, SIDES))[:1]:
        raise FileFormatError(
            path, f"side {table.text[0][k]!r} is not left or right", line=table.line_numbers[k]
        )
    quads: dict[SideName, FloatArray] = {}
    for side in SIDES:
        quads[side] = np.full((N_SENSORS, 4, 2), np.nan)
        quads[side][sensor[sides == side]] = table.values[sides == side, 2:].reshape(-1, 4, 2)
        missing = np.flatnonzero(np.isnan(quads[side]).any(axis=(1, 2)))
        if missing.size:
            raise FileFormatError(
                path, f"no quadrilateral for {side} sensors {(missing + 1).tolist()[:10]}"
            )
    return quads


def read_areas(folder: Path) -> dict[str, FloatArray]:
    """Per insole size letter, the 99 sensor areas in mm² from ``pedar_sensor_areas_mm2.csv``."""
    path = folder / AREAS_FILE
    header, sensor, table = _csv_table(path, None)
    bad = np.flatnonzero(~(table.values[:, 1:] > 0).all(axis=1))
    if bad.size:
        raise FileFormatError(path, "an area is not positive", line=table.line_numbers[bad[0]])
    areas = np.full((N_SENSORS, len(header) - 1), np.nan)
    areas[sensor] = table.values[:, 1:]
    if np.isnan(areas).any():
        raise FileFormatError(path, "areas missing for some sensors")
    return {size: areas[:, k] for k, size in enumerate(header[1:])}


def _mask_regions(numbers: Sequence[int]) -> dict[str, BoolArray]:
    """``mask1.*`` and ``mask3.*`` over sensors with these pedar numbers (1-99)."""
    n = np.asarray(numbers)
    regions = {f"mask1.{name}": (n >= low) & (n <= high) for name, (low, high) in MASK1.items()}
    return regions | {f"mask3.{name}": np.isin(n, members) for name, members in MASK3.items()}


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
    # mm per plot unit: s² = Σ A m / Σ A² (least squares), and the fit's residuals
    s2 = float(plot_area @ areas[size] / (plot_area @ plot_area))
    residual = areas[size] - s2 * plot_area
    scale = float(np.sqrt(s2))
    info = {
        "scale_mm_per_unit": scale,
        "area_fit_rms_mm2": float(np.sqrt(np.mean(residual**2))),
        "area_fit_max_abs_mm2": float(np.max(np.abs(residual))),
        "area_mean_mm2": float(np.mean(areas[size])),
    }
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
    header: Header
    column_index: int  # line index of the time[secs] column header
    names: list[str]
    sep: str | None
    trailing_empty: bool
    masks: dict[str, str]  # "left"/"right" → the mask definition text


def _header(path: Path, data: bytes) -> tuple[_Header, int]:
    """The header (up to the column header line) and the byte offset after it."""
    lines: list[str] = []
    for line in itertools.islice(decoded_lines(path, data, "latin-1"), 200):
        lines.append(line)
        if line.strip().lower().startswith("time[secs]"):
            sep = "\t" if "\t" in line else None
            names = [n.strip() for n in line.split(sep)]
            trailing = sep == "\t" and names[-1] == ""
            masks = {}
            for text in lines:
                found = re.match(r"\s*(left|right) insole\s*:\s*(.*)$", text, re.I)
                if found:
                    masks[found[1].lower()] = found[2].strip()
            header = header_fields(path, lines[:-1])
            names = names[:-1] if trailing else names
            found_header = _Header(header, len(lines) - 1, names, sep, trailing, masks)
            return found_header, line_start(data, len(lines))
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
    breaks = [k for k in range(1, len(numbers)) if numbers[k] <= numbers[k - 1]]
    if not numbers or len(breaks) > 1:
        message = "expected the left insole's sensor columns then the right's"
        raise FileFormatError(path, message, line=line)
    everything = list(range(len(numbers)))
    order: tuple[SideName, ...] = SIDES
    if breaks:
        runs = [everything[: breaks[0]], everything[breaks[0] :]]
    elif min(numbers) <= N_SENSORS < max(numbers):  # one run 1..198: left 1-99, right 100-198
        runs = [[k for k in everything if numbers[k] <= N_SENSORS]]
        runs.append([k for k in everything if numbers[k] > N_SENSORS])
    else:  # one insole: the right one when numbered 100-198 or the only mask defined
        right = min(numbers) > N_SENSORS or set(header.masks) == {"right"}
        order, runs = ("right",) if right else ("left",), [everything]
    sides: dict[SideName, tuple[list[int], list[int]]] = {}
    for side, run in zip(order, runs, strict=True):
        sensor = [numbers[k] - (N_SENSORS if numbers[k] > N_SENSORS else 0) for k in run]
        if not all(1 <= s <= N_SENSORS for s in sensor) or len(set(sensor)) != len(sensor):
            message = f"the {side} insole's sensor numbers are not distinct 1-99"
            raise FileFormatError(path, message, line=line)
        sides[side] = ([k + 1 for k in run], sensor)  # +1: column 0 is the time
    return sides


def _layouts(
    path: Path,
    size: str | None,
    sides: dict[SideName, tuple[list[int], list[int]]],
    meta: dict[str, Any],
    problems: list[str],
) -> dict[SideName, SensorLayout | None]:
    """Each side's layout from the geometry files (module docstring), or None with a problem."""
    layouts: dict[SideName, SensorLayout | None] = {side: None for side in sides}
    folder = geometry_folder(path, (GEOMETRY_FILE, AREAS_FILE), GEOMETRY_ENV)
    if folder is None:
        problems.append(GEOMETRY_HINT)
        return layouts
    if size is None:
        problems.append(
            f"no insole size letter in the sensor type {meta['sensor_type']!r}: no sensor layout"
        )
        return layouts
    quads, areas = read_geometry(folder), read_areas(folder)
    if size not in areas:
        problems.append(
            f"insole size {size!r} is not in {folder / AREAS_FILE} (sizes: "
            f"{', '.join(areas)}): no sensor layout"
        )
        return layouts
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
    return layouts


def read(path: Path) -> Session:
    """Read a pedar export (module docstring). Raises FileFormatError naming the line of a
    ragged row, a cell that is not a number, or a time that does not increase."""
    data = read_bytes(path)
    head, start = _header(path, data)
    sides = _sides(path, head)
    table = read_table(
        path,
        data,
        [head.names[0] or "time[secs]", *head.names[1:]],
        start=start,
        first_line=head.column_index + 2,
        sep=head.sep,
        trailing_empty=head.trailing_empty,
        encoding="latin-1",
    )
    del data  # the text is no longer needed: free it before the feet are built
    time_s = np.ascontiguousarray(table.values[:, 0])
    check_increasing(path, time_s, table.line_numbers)
    header = head.header
    unit, factor, unit_meta = pressure_unit(header)
    rate = frame_rate_hz(header, time_s, 100.0)
    sensor_type = header.get("sensor type", "") or ""
    size_match = re.match(r"\s*([A-Za-z]+)\s*-", sensor_type)
    size = size_match[1].lower() if size_match else None
    meta: dict[str, Any] = {
        "source": SOURCE,
        "record": Path(header.get("file name") or path.name).stem,
        "device": f"Novel pedar, sensor type {sensor_type}".strip(),
        "sensor_type": sensor_type,
        "insole_size": size,
        "header": dict(header.fields),
        **unit_meta,
    }
    meta.update(header_times(header, "duration_s"))
    if head.masks:
        meta["mask_definition"] = dict(head.masks)
    problems = [unit_meta["unit_note"]] if "unit_note" in unit_meta else []
    layouts = _layouts(path, size, sides, meta, problems)

    feet: dict[str, FootRecording] = {}
    quality: dict[str, int] = {"rows": len(time_s)}
    for side, (columns, _) in sides.items():
        run = columns[-1] - columns[0] + 1 == len(columns) and columns == sorted(columns)
        values = table.values[:, columns[0] : columns[-1] + 1] if run else table.values[:, columns]
        if factor != 1.0:
            values = values * factor
        negative = int((values < 0).sum())
        if negative:
            quality[f"negative_values_{side}"] = negative
        feet[side] = FootRecording(side, time_s, values, unit, rate, layouts[side])
    if any(k.startswith("negative_values") for k in quality):
        meta["negative_values_note"] = "negative values are kept as the file has them"
    return Session.from_feet(path, NAME, feet, meta, quality=quality, problems=problems)
