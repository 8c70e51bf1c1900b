"""stappone insole exports (.csv): 12 pressure sensors and an IMU per insole, raw values.

Test data: ``stappone_example.csv`` from the pressuRe R package's example data (Telfer et al.,
MIT); the sensor outlines ``stappone_geometry.csv`` come from the same package
(``stappone_insole_polys()``).

Format: one comma-separated header line ``sole_id,timestamp,accel_x,accel_y,accel_z,gyro_x,
gyro_y,gyro_z,magn_x,magn_y,magn_z,pressure_01,...,pressure_12,corrupt``, then one row per
sample of one insole; the rows of both insoles are interleaved (``sole_id`` 1 or 2).
``timestamp`` is milliseconds since the Unix epoch (the example: 16 ms apart, 62.5 Hz).
Pressures are raw sensor readings (no unit; they grow with the load: about 100-300 in swing and
up to about 700 under load in the example). ``corrupt`` flags a sample the device marked bad.
Columns are found by name, not position.

Session: per insole ``values`` (n, 12) with ``unit="raw"``, ``time_s`` in seconds from the
first row of the file (both insoles on that one time base; ``metadata["start_time_utc"]`` is
that row's time), the rate from the median sample interval. IMU columns go to
``FootRecording.vendor`` as ``accel_x_raw`` ... ``magn_z_raw``: their units are not documented
(at rest ``|accel|`` is about 9.9e3 in the example, which would be mm/s², but that is a guess;
the magnetometer reads 0 throughout the example). Samples flagged ``corrupt`` are kept with
their pressure and IMU values set to NaN and counted in ``quality["corrupt_<side>"]``. A row
that repeats the previous row of its insole exactly (same timestamp, same values) is dropped
and counted (``quality["duplicate_rows_<side>"]``); any other timestamp that does not increase
is an error naming the line. Gaps (intervals over 1.5 times the median) are counted in
``quality["gaps_<side>"]`` and the samples they miss in ``quality["frames_lost"]``.

Which foot is which: **sole_id 1 = left, sole_id 2 = right — an inference**, not documented by
stappone or pressuRe. pressuRe draws the outlines as given for sole_id 1 and mirrored for
sole_id 2. In the outlines as given, +x is the medial side (below), so with +y toward the toes
they are a top view of a LEFT insole (its big toe is on the viewer's right); a right insole is
their mirror image, as pressuRe draws sole_id 2. This rests on pressuRe's drawing being a top
view (a view from below would swap the feet); ``metadata["side_inference"]`` says so.

Geometry (``stappone_geometry.csv``: ``# comment`` lines, then ``id,x,y`` rows, the vertices
of sensor ``id``'s outline polygon in mm; sensor ``k`` is ``pressure_k``): read from beside the
data file, else from the folder named by the environment variable
``PRESSURE_STAPPONE_GEOMETRY_DIR``; without it the session has no layout (no CoP) and
``Session.problems`` says why. Medial is +x in the file's coordinates: sensor 1, a compact
outline at the front of the +x side, is the hallux; sensor 12, the long front outline whose
rear end lies toward -x, follows the toe line, which recedes laterally; the five outlines
across the forefoot (2, 5, 4, 6, 9 from +x to -x) lie further back toward -x, as the metatarsal
heads do from the first to the fifth; and sensor 7, a long strip along the -x edge from the
heel to the forefoot, is where the lateral border of the foot bears load (the arch does not).
So the foot frame (``pressure.layout``: origin at the heel, +y anterior, +x medial on both
feet, mm) takes the file's coordinates as they are, shifted: ``y = y_file - min(y_file)``,
``x = x_file - (min + max of x_file) / 2`` over all vertices, the same layout for both feet
(pressuRe's +100 mm / +40 mm offsets only place the drawing). Sensor centroid = the polygon's
area centroid, area = its area (shoelace formula); the outline is the convex hull of all the
sensor polygons (stappone's insole outline is not in the file), and the foot length and width
are that hull's extent. Regions: ``auto.*`` from ``pressure.masks.anatomical_regions``.

Reading: ``pressure.io.table.read_table``, which names the line of a ragged row or a bad cell.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import FileFormatError
from ...layout import SensorLayout, convex_hull, polygon_areas_centroids
from ...model import FloatArray, FootRecording, Session, SideName
from ..table import rows_after
from ..text import (
    decoded_lines,
    geometry_folder,
    head_lines,
    read_bytes,
    read_text_lines,
    split_rows,
    to_numbers,
)

NAME = "stappone"
DESCRIPTION = "stappone insole export (.csv: sole_id, timestamp, IMU, pressure_01..12, corrupt)"
SUFFIXES = (".csv",)
LIBRARIES = ("pandas",)
SOURCE = "stappone insole CSV export"
GEOMETRY_FILE = "stappone_geometry.csv"
GEOMETRY_ENV = "PRESSURE_STAPPONE_GEOMETRY_DIR"
GEOMETRY_SOURCE = (
    "stappone_geometry.csv (stappone_insole_polys()) from the pressuRe R package "
    "(Telfer et al.), MIT"
)
GEOMETRY_HINT = (
    f"the stappone sensor outlines ({GEOMETRY_FILE}) were not found next to the file nor in "
    f"${GEOMETRY_ENV}: loaded without a sensor layout (no centre of pressure or regions). "
    "They come with the pressuRe R package's example data (inst/extdata, MIT; "
    "https://github.com/Telfer/pressuRe): put the file beside the .csv or in the folder "
    f"${GEOMETRY_ENV} names"
)
SOLE_SIDES: dict[int, SideName] = {1: "left", 2: "right"}
SIDE_INFERENCE = (
    "sole_id 1 = left, 2 = right is inferred, not documented: the outlines as given (drawn "
    "unmirrored by pressuRe for sole_id 1) have their hallux and medial side at +x, a left "
    "insole seen from above; this assumes pressuRe draws a top view"
)
_PRESSURE = re.compile(r"pressure_(\d+)")
_GAP = 1.5  # an interval over this many median intervals is a gap


def _cells(line: str) -> list[str]:
    return [c.strip().strip('"').strip() for c in line.lstrip("\ufeff").lstrip("ï»¿").split(",")]


def detect(path: Path, head: bytes) -> bool:
    """The header line: ``sole_id,timestamp,...`` with ``pressure_01`` among its columns."""
    lines = head_lines(head, 1)
    if not lines:
        return False
    cells = _cells(lines[0])
    return (
        len(cells) > 2
        and cells[0].lower() == "sole_id"
        and cells[1].lower() == "timestamp"
        and any(_PRESSURE.fullmatch(c.lower()) for c in cells)
    )


def near(path: Path, head: bytes) -> str | None:
    """A header with stappone's ``pressure_NN`` columns, separated by semicolons or tabs (a
    spreadsheet's re-save) or not starting ``sole_id,timestamp``."""
    lines = head_lines(head, 1)
    if not lines:
        return None
    first = lines[0].lstrip("\ufeff").lstrip("ï»¿")
    for sep, name in ((";", "semicolon"), ("\t", "tab")):
        cells = [c.strip().strip('"').strip().lower() for c in first.split(sep)]
        if len(cells) > 2 and "sole_id" in cells and any(_PRESSURE.fullmatch(c) for c in cells):
            return (
                f"a stappone insole export, but its columns are {name}-separated "
                "(expected comma-separated)"
            )
    cells = [c.lower() for c in _cells(first)]
    pressures = sum(bool(_PRESSURE.fullmatch(c)) for c in cells)
    if pressures >= 2 and ("sole_id" in cells or "timestamp" in cells):
        return (
            "a stappone insole export, but its header does not start with sole_id,timestamp "
            f"(it starts {','.join(cells[:2])})"
        )
    return None


# --- geometry --------------------------------------------------------------------------------


def read_geometry(file: Path) -> dict[int, FloatArray]:
    """The sensor outline polygons of ``stappone_geometry.csv``: sensor id → (vertices, 2) in
    mm, as the file gives them. Raises FileFormatError naming the file and line."""
    text = read_text_lines(file, encoding="utf-8-sig")
    body = [i for i, line in enumerate(text.lines) if line.strip() and line.lstrip()[0] != "#"]
    if not body:
        raise FileFormatError(file, "no column header (id,x,y)")
    start = body[0]
    header = _cells(text.lines[start])
    if [h.lower() for h in header] != ["id", "x", "y"]:
        raise FileFormatError(
            file, f"expected the columns id,x,y, got {','.join(header)}", line=start + 1
        )
    rows, numbers = split_rows(text, start + 1, 3, ",", what="vertex row")
    if not rows:
        raise FileFormatError(file, "no vertices", line=start + 1)
    table = to_numbers(file, rows, numbers, ("id", "x", "y"))
    ids = table[:, 0]
    polygons: dict[int, FloatArray] = {}
    for i in np.flatnonzero(ids != np.round(ids)):
        raise FileFormatError(file, f"id: {rows[i][0]!r} is not a whole number", line=numbers[i])
    for sensor in sorted({int(v) for v in ids}):
        at = np.flatnonzero(ids == sensor)
        if np.any(np.diff(at) != 1):
            raise FileFormatError(
                file, f"the vertices of sensor {sensor} are not together", line=numbers[at[0]]
            )
        ring = table[at, 1:]
        if len(np.unique(ring, axis=0)) < 3:
            raise FileFormatError(
                file, f"sensor {sensor} has fewer than 3 vertices", line=numbers[at[0]]
            )
        polygons[sensor] = ring
    return polygons


def stappone_layout(polygons: dict[int, FloatArray], n_sensors: int) -> SensorLayout:
    """The foot-frame layout of sensors 1..n_sensors from their outline polygons (module
    docstring); the same for both feet."""
    from ...masks import with_anatomical_regions

    rings = [polygons[k] for k in range(1, n_sensors + 1)]
    # one at a time, as they differ in length; without a repeated first vertex, which changes
    # the rounding of the sums
    opened = [ring[:-1] if np.array_equal(ring[0], ring[-1]) else ring for ring in rings]
    stats = [polygon_areas_centroids(ring[None]) for ring in opened]
    areas, centroids = (np.concatenate(part) for part in zip(*stats, strict=True))
    vertices = np.concatenate(rings)
    y0 = float(vertices[:, 1].min())
    x_mid = float((vertices[:, 0].min() + vertices[:, 0].max()) / 2)
    shift = np.array([x_mid, y0])
    layout = SensorLayout(
        name=f"stappone{n_sensors}",
        x_mm=centroids[:, 0] - x_mid,
        y_mm=centroids[:, 1] - y0,
        area_mm2=areas,
        foot_length_mm=float(np.ptp(vertices[:, 1])),
        foot_width_mm=float(np.ptp(vertices[:, 0])),
        outline_mm=convex_hull(np.unique(vertices - shift, axis=0)),
    )
    return with_anatomical_regions(layout)


# --- reading ---------------------------------------------------------------------------------


def read(path: Path) -> Session:
    """Read a stappone export (module docstring). FileFormatError names the line of a bad row
    or cell, an unknown sole_id, or a timestamp that goes back."""
    data = read_bytes(path, text=False)
    if b"\x00" in data:
        raise FileFormatError(
            path, "binary data, not a stappone CSV export", offset=data.index(b"\x00")
        )
    names = [c.lower() for c in _cells(next(decoded_lines(path, data)))]
    for required in ("sole_id", "timestamp"):
        if required not in names:
            raise FileFormatError(path, f"no {required} column in the header", line=1)
    pressure = sorted(
        (int(m[1]), k) for k, name in enumerate(names) if (m := _PRESSURE.fullmatch(name))
    )
    if not pressure:
        raise FileFormatError(path, "no pressure_<k> columns in the header", line=1)
    if [k for k, _ in pressure] != list(range(1, len(pressure) + 1)):
        raise FileFormatError(
            path, "the pressure columns must be pressure_01 .. pressure_<n>, each once", line=1
        )
    if len(set(names)) != len(names):
        raise FileFormatError(path, "a column name appears twice in the header", line=1)
    block = rows_after(path, data, 0, names)
    table, numbers = block.values, np.asarray(block.line_numbers)
    sole = table[:, names.index("sole_id")]
    stamp = table[:, names.index("timestamp")]
    corrupt_col = names.index("corrupt") if "corrupt" in names else None
    sensor_cols = [k for _, k in pressure]
    imu_cols = {
        f"{name}_raw": k
        for k, name in enumerate(names)
        if k not in sensor_cols and name not in ("sole_id", "timestamp", "corrupt")
    }
    bad = ~np.isin(sole, list(SOLE_SIDES))
    if bad.any():
        i = int(np.argmax(bad))
        raise FileFormatError(path, f"sole_id: {sole[i]:g} is not 1 or 2", line=int(numbers[i]))

    t0 = float(stamp[0])
    quality: dict[str, int] = {"rows": len(table)}
    feet: dict[str, FootRecording] = {}
    lost = 0
    info: dict[str, Any] = {}
    for sole_id, side in SOLE_SIDES.items():
        rows = np.flatnonzero(sole == sole_id)
        if rows.size == 0:
            continue
        ms = stamp[rows]
        steps = np.diff(ms)
        same = steps == 0
        if same.any():  # an exact repeat of the previous row is dropped, anything else is wrong
            repeat = same & np.all(table[rows[1:]] == table[rows[:-1]], axis=1)
            keep = np.concatenate([[True], ~repeat])
            quality[f"duplicate_rows_{side}"] = int(repeat.sum())
            rows, ms = rows[keep], ms[keep]
            steps = np.diff(ms)
        if np.any(steps <= 0):
            k = int(np.argmax(steps <= 0)) + 1
            raise FileFormatError(
                path,
                f"the timestamp of sole {sole_id} does not increase ({ms[k - 1]:.0f} ms, then "
                f"{ms[k]:.0f} ms)",
                line=int(numbers[rows[k]]),
            )
        period = float(np.median(steps)) if steps.size else float("nan")
        if not period > 0:
            raise FileFormatError(path, f"sole {sole_id} has one sample: no sampling rate")
        rate = 1000.0 / period
        gaps = steps > _GAP * period
        missing = int(np.sum(np.rint(steps[gaps] / period) - 1))
        quality[f"gaps_{side}"] = int(gaps.sum())
        lost += missing
        values = table[np.ix_(rows, np.asarray(sensor_cols))]
        vendor = {key: table[rows, k] for key, k in imu_cols.items()}
        if corrupt_col is not None:
            flagged = table[rows, corrupt_col] != 0
            quality[f"corrupt_{side}"] = int(flagged.sum())
            values[flagged] = np.nan
            for column in vendor.values():
                column[flagged] = np.nan
        info[side] = {"sole_id": sole_id, "samples": int(rows.size), "interval_ms": period}
        feet[side] = FootRecording(
            side=side,
            time_s=(ms - t0) / 1000.0,
            values=values,
            unit="raw",
            sampling_rate_hz=rate,
            vendor=vendor,
        )
    quality["frames_lost"] = lost

    start = _dt.datetime.fromtimestamp(t0 / 1000.0, tz=_dt.timezone.utc)
    meta: dict[str, Any] = {
        "source": SOURCE,
        "record": path.stem,
        "device": f"stappone insole, {len(sensor_cols)} pressure sensors and an IMU",
        "header": ",".join(names),
        "start_time_utc": start.isoformat(timespec="milliseconds"),
        "soles": info,
        "side_inference": SIDE_INFERENCE,
        "imu_units": "not documented: raw numbers (…_raw)",
    }
    problems: list[str] = []
    folder = geometry_folder(path, [GEOMETRY_FILE], GEOMETRY_ENV)
    if folder is None:
        problems.append(GEOMETRY_HINT)
    else:
        geometry = folder / GEOMETRY_FILE
        polygons = read_geometry(geometry)
        if sorted(polygons) != list(range(1, len(sensor_cols) + 1)):
            raise FileFormatError(
                path,
                f"{len(sensor_cols)} pressure columns, but {geometry} has outlines for sensors "
                f"{', '.join(map(str, sorted(polygons)))}",
            )
        layout = stappone_layout(polygons, len(sensor_cols))
        feet = {side: replace(foot, layout=layout) for side, foot in feet.items()}
        meta["geometry"] = {
            "file": str(geometry),
            "outline": "convex hull of the sensor polygons (the insole outline is not given)",
            "frame": "x = x_file - mid-x of all vertices (+x medial), y = y_file - min y",
        }
        meta["geometry_source"] = GEOMETRY_SOURCE
    return Session.from_feet(path, NAME, feet, meta, quality=quality, problems=problems)
