"""Moticon OpenGo text exports (sensor insoles with 16 pressure sensors and an IMU per foot).

Test data: the ``moticon-opengo`` package's example exports (Moticon ReGo AG, Apache-2.0).

Format: ``#`` header lines (``Start time: 27.09.2023 10:21:14.922``, ``Duration``, ``Sensor
insoles: Left SN…, Right SN…``, ``Size: 7``, ``Recording type``, ``Name``, ``Notes``, ``Tag``,
sometimes ``Start timestamp`` in ms since the epoch), then the column header line
``# time<TAB>left pressure 1[N/cm²]…``, then tab-separated rows (100 Hz in the files we have).
Per side: ``pressure 1..16`` (N/cm²), ``acceleration X/Y/Z`` (g), ``angular X/Y/Z`` (dps),
``total force`` (N), ``center of pressure X/Y`` (normalised -0.5..+0.5, X heel to toe),
sometimes ``COP velocity``. After them come event columns: ``right steps[]``/``left steps[]``
with the vendor software's step events (11 left heel strike, 15 left toe off, 21 right heel
strike, 25 right toe off), and user-set event groups as a pair ``<Group> label[]`` (text) and
``<Group>[]`` (a number). Columns are found by name, not position. An empty cell means that
side had no sample at that time: those rows are left out of that foot's arrays.

Session: per foot ``values`` shape (n, 16) in N/cm² (``unit="n_cm2"``), ``time_s`` from the
file's time column (rows without that foot's sample dropped), ``total_force_n`` the vendor's
total force, ``vendor``: ``cop_ap_norm``, ``cop_ml_norm`` (Moticon's normalised CoP; NaN where
the vendor wrote (0, 0) under 50 N — in these files it writes exactly 0 for every frame below
50 N, which is "no CoP", not a position), ``acc_x_g`` …, ``gyro_x_dps`` …, and
``cop_velocity_norm_per_s`` when present (our name: it tracks the speed of the normalised CoP
within a few per cent; the file's unit is ``[1]``). ``events[side]`` holds ``heel_strike_s`` and
``toe_off_s`` from the steps columns; a user-set group whose name starts with Left/Right adds
``<label>_<value>_s`` keys to that side (``event_1_s``: markers whose meaning is whoever set
them); every user event is also listed in ``metadata["vendor_events"]``.

Layout: ``moticon16`` (``pressure.layouts_builtin``; derived, not vendor-published) for a
size-7 insole. For other sizes the areas scale (a size-3 insole's are 0.70 times size 7's), so
we fit one area factor to the file's own total-force column and use
``moticon16_layout(area_scale)``; ``metadata["layout_area_scale"]`` gives the factor (also the
check value for size 7, where it is 1.000).

Re-saved exports: the same file opened in a spreadsheet and saved as CSV is read alike. The
column header line says the separator (a tab; a comma; a semicolon, as Excel writes CSV where
the decimal mark is a comma, and then numbers written ``0,5`` are read as ``0.5``); header
lines may be quoted and padded with empty cells (``"# Sensor insoles: Left SN1, Right SN2",,,``),
and the text may be UTF-8 (with or without a byte-order mark) or, as a spreadsheet saves
"CSV" on Windows, Windows-1252. ``metadata["separator"]`` names a separator other than the tab,
``metadata["decimal_comma"]`` is True where commas were decimal marks.

Reading: the data block by ``pressure.io.table.read_table`` (a one-hour export, 120 MB, in
about a second), which names the line of the first ragged row or bad cell.
"""

from __future__ import annotations

import csv
import datetime as _dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import FileFormatError
from ...layout import SensorLayout
from ...model import FloatArray, FootRecording, Session, SideName
from ..table import Table, line_start, rows_after
from ..text import (
    Header,
    check_increasing,
    decoded_lines,
    head_lines,
    read_bytes,
    sampling_rate_hz,
    unit_and_factor,
    utf8_or_cp1252,
)

NAME = "moticon"
DESCRIPTION = (
    "Moticon OpenGo text export (.txt: '#' header lines, tab-separated columns; also re-saved "
    "as a comma- or semicolon-separated .csv)"
)
SUFFIXES = (".txt", ".csv")
LIBRARIES = ("pandas",)
N_SENSORS = 16
STEP_CODES: dict[int, tuple[SideName, str]] = {
    11: ("left", "heel_strike_s"),
    15: ("left", "toe_off_s"),
    21: ("right", "heel_strike_s"),
    25: ("right", "toe_off_s"),
}
COP_MIN_FORCE_N = 50.0  # below it the vendor writes CoP (0, 0) (seen in every file we have)
_MIN_FIT_FRAMES = 50  # loaded frames needed to fit the area factor of another insole size
SOURCE = "Moticon OpenGo text export"
_PRESSURE_UNITS = (("n_cm2", 1.0), ("kpa", 1.0))  # what unit_and_factor gives for those we read
_SIDE_COLUMN = re.compile(r"(?P<side>left|right) (?P<what>.+?)\s*\[(?P<unit>[^\]]*)\]\s*$", re.I)
_AXIS = re.compile(r"(acceleration|angular|center of pressure) ([XYZ])$", re.I)
_PRESSURE = re.compile(r"pressure (\d+)$", re.I)


_SEPARATORS = ("\t", ";", ",")


def _comment(line: str, sep: str | None = None) -> str | None:
    """A ``#`` header line as the export wrote it, or None for a line that is not one. In a
    re-saved CSV (``sep`` a comma or semicolon; None: either) a spreadsheet's quotes around it
    and the empty cells it pads it with are removed; a tab-separated export's lines are
    kept as they are."""
    text = line.strip()
    if sep == "\t":
        return line if line.startswith("#") else None
    if text.startswith('"#'):
        cells = next(csv.reader([text], delimiter=sep or ","), [""])
        return cells[0]
    if text.startswith("#"):
        return text.rstrip(sep + " " if sep else ",; ")
    return None


def _column_header(line: str) -> str | None:
    """The separator of the export's column header line (``# time`` then a separator and
    ``... pressure 1[``), or None when ``line`` is not it."""
    text = line.strip().lstrip('"')
    if not text.startswith("# time") or "pressure 1[" not in text:
        return None
    after = text[len("# time") :].lstrip(' "')
    return next((sep for sep in _SEPARATORS if after.startswith(sep)), None)


def detect(path: Path, head: bytes) -> bool:
    """``#`` header lines with the export's column header (``# time``, ``… pressure 1[``), or
    with its ``Start time`` and ``Sensor insoles`` fields (so a file cut inside its header
    reaches ``read``, which says so); also re-saved as CSV (module docstring)."""
    lines = head_lines(head, 64)
    if any(_column_header(line) is not None for line in lines):
        return True
    header = [c for c in map(_comment, lines) if c is not None]
    keys = {line[1:].split(":", 1)[0].strip().lower() for line in header if ":" in line}
    return {"start time", "sensor insoles"} <= keys


@dataclass
class _Columns:
    names: list[str]
    time: int
    text: list[int]  # event label columns (text, not numbers)
    groups: list[tuple[str, int, int]]  # user event groups: (name, label column, value column)
    steps: dict[str, int]  # side → steps column
    sides: dict[str, dict[str, int]]  # side → our key (pressure_<k>, vendor keys) → column
    pressure_unit: str


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def _columns(path: Path, line_no: int, names: list[str]) -> _Columns:
    time = next((k for k, n in enumerate(names) if n.strip().lower() == "time"), None)
    if time is None:
        raise FileFormatError(path, "the column header has no 'time' column", line=line_no)
    groups, text = [], []
    for k in range(len(names) - 1):  # "<G> label[]" followed by "<G>[]"
        name, after = names[k].strip(), names[k + 1].strip()
        if name.endswith(" label[]") and after == name[: -len(" label[]")] + "[]":
            groups.append((after[:-2], k, k + 1))
            text.append(k)
    in_groups = {k for _, a, b in groups for k in (a, b)}
    steps: dict[str, int] = {}
    sides: dict[str, dict[str, int]] = {}
    pressure_unit = ""
    for k, raw in enumerate(names):
        match = _SIDE_COLUMN.match(raw.strip())
        if k in in_groups or match is None:
            continue
        side = match["side"].lower()
        what = match["what"].strip()
        unit = match["unit"].strip().lower()
        columns = sides.setdefault(side, {})
        pressure = _PRESSURE.match(what)
        axis = _AXIS.match(what)
        if what.lower() == "steps":
            steps[side] = k
        elif pressure is not None:
            found = unit_and_factor(unit)
            if found not in _PRESSURE_UNITS or pressure_unit not in ("", found[0]):
                raise FileFormatError(path, f"unexpected pressure unit in {raw!r}", line=line_no)
            pressure_unit = found[0]
            columns[f"pressure_{int(pressure.group(1))}"] = k
        elif axis is not None:
            kind, letter = axis.group(1).lower(), axis.group(2).lower()
            key = {
                "acceleration": f"acc_{letter}_g",
                "angular": f"gyro_{letter}_dps",
                "center of pressure": {"x": "cop_ap_norm", "y": "cop_ml_norm"}.get(letter, ""),
            }[kind]
            if key:
                columns[key] = k
        elif what.lower() == "total force":
            columns["total_force_n"] = k
        elif what.lower() == "cop velocity":
            columns["cop_velocity_norm_per_s"] = k
        else:
            columns[_slug(f"{what} {unit}")] = k
    for side, columns in sides.items():
        missing = [k for k in range(1, N_SENSORS + 1) if f"pressure_{k}" not in columns]
        if missing and len(missing) < N_SENSORS:
            raise FileFormatError(
                path, f"{side} pressure columns {missing} are missing", line=line_no
            )
    sides = {side: c for side, c in sides.items() if "pressure_1" in c}  # a side with data
    if not sides:
        raise FileFormatError(path, "no left or right pressure columns", line=line_no)
    return _Columns(names, time, text, groups, steps, sides, pressure_unit)


def _header(path: Path, data: bytes, encoding: str) -> tuple[Header, int, list[str], str]:
    """The ``# key: value`` fields, the index of the column header line, its column names and
    the separator."""
    header = Header(path)
    lines: list[str] = []
    for index, line in enumerate(decoded_lines(path, data, encoding)):
        sep = _column_header(line)
        if sep is None:
            if _comment(line) is None:
                raise FileFormatError(
                    path,
                    "expected the column header line ('# time<TAB>left pressure 1[N/cm²]…') "
                    "before the data",
                    line=index + 1,
                )
            lines.append(line)
            continue
        if sep == "\t":
            names = line[1:].split("\t")
        else:
            names = next(csv.reader([line.strip()], delimiter=sep))
            names[0] = names[0].lstrip()[1:]
        names[0] = names[0].strip()
        for number, text in enumerate(lines, start=1):
            body = (_comment(text, sep) or "#")[1:].strip()
            if ":" in body:
                key, value = body.split(":", 1)
                header.add(_slug(key), value, number)
        return header, index, names, sep
    raise FileFormatError(
        path,
        "the file ends in its header, before the column header line: truncated?",
        line=len(lines),
    )


def _metadata(fields: dict[str, str]) -> dict[str, Any]:
    meta: dict[str, Any] = {"header": dict(fields)}
    try:
        start = _dt.datetime.strptime(fields.get("start_time", ""), "%d.%m.%Y %H:%M:%S.%f")
    except ValueError:
        pass
    else:
        meta["start_time_local"] = start.isoformat()  # the export gives no time zone
    duration = re.fullmatch(r"(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)", fields.get("duration", ""))
    if duration is not None:
        hours, minutes, seconds = duration.groups()
        meta["duration_s"] = int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)
    if fields.get("size", "").isdigit():
        meta["insole_size"] = int(fields["size"])
    serials = {}
    for part in fields.get("sensor_insoles", "").split(","):
        words = part.split()
        if len(words) == 2 and words[0].lower() in ("left", "right"):
            serials[words[0].lower()] = words[1]
    if serials:
        meta["insole_serial_numbers"] = serials
    for key in ("name", "notes", "tag", "recording_type"):
        if fields.get(key):
            meta[key] = fields[key]
    return meta


def _layout(
    pressures: dict[str, FloatArray], totals: dict[str, FloatArray], size: int | None
) -> tuple[SensorLayout, dict[str, Any]]:
    """The moticon16 layout for this insole size: size 7 as derived, another size with its
    areas scaled by a factor fitted to the vendor's total force (module docstring)."""
    from ...layouts_builtin import moticon16_layout

    base = moticon16_layout()
    area_cm2 = base.area_mm2 / 100.0
    sums, vendor = [], []
    for side, p in pressures.items():
        loaded = totals[side] >= COP_MIN_FORCE_N
        sums.append(p[loaded] @ area_cm2)  # N/cm² × cm² = N
        vendor.append(totals[side][loaded])
    s, t = np.concatenate(sums), np.concatenate(vendor)
    info: dict[str, Any] = {}
    scale = None
    if s.size >= _MIN_FIT_FRAMES:
        scale = float(np.dot(s, t) / np.dot(s, s))
        residual = t - scale * s
        info["layout_area_scale"] = round(scale, 4)
        info["layout_force_rms_n"] = float(np.sqrt(np.mean(residual**2)))
    if size == 7 or scale is None:
        if size != 7:
            info["layout_note"] = (
                "size-7 areas: too few loaded frames to fit this insole size's areas"
            )
        return base, info
    return moticon16_layout(round(scale, 4)), info


def read(path: Path) -> Session:
    """Read an OpenGo text export (module docstring). FileFormatError names the line of a bad
    row or cell, a foot's sample with only some of its cells, or a time that does not increase."""
    data = read_bytes(path)
    encoding = utf8_or_cp1252(data)
    header, index, names, sep = _header(path, data, encoding)
    cols = _columns(path, index + 1, names)
    decimal_comma = False
    if sep == ";":
        start = line_start(data, index + 1)
        if b"," in data[start:]:  # a decimal comma: as many bytes, so lines and offsets stay
            data = data[:start] + data[start:].replace(b",", b".")
            decimal_comma = True
    table = rows_after(
        path,
        data,
        index,
        names,
        sep=sep,
        text_columns=cols.text,
        allow_empty=True,
        encoding=encoding,
    )
    session = _session(path, header, cols, table)
    if sep != "\t":
        session.metadata["separator"] = sep
    if decimal_comma:
        session.metadata["decimal_comma"] = True
    return session


def _session(path: Path, header: Header, cols: _Columns, parsed: Table) -> Session:
    table, numbers, labels = parsed.values, parsed.line_numbers, parsed.text
    time = table[:, cols.time]
    if np.isnan(time).any():
        raise FileFormatError(path, "empty time cell", line=numbers[int(np.argmax(np.isnan(time)))])
    check_increasing(path, time, numbers)

    quality: dict[str, int] = {"rows": len(table)}
    pressures: dict[str, FloatArray] = {}
    totals: dict[str, FloatArray] = {}
    kept: dict[str, Any] = {}
    blank = np.isnan(table)
    for side, columns in cols.sides.items():
        # a foot's sample is all its core cells or none (COP velocity may be blank alone)
        core = [k for key, k in columns.items() if key != "cop_velocity_norm_per_s"]
        empty = blank[:, core]
        partial = empty.any(axis=1) & ~empty.all(axis=1)
        if partial.any():
            i = int(np.argmax(partial))
            raise FileFormatError(
                path,
                f"the {side} foot's sample has {int(empty[i].sum())} of {len(core)} cells empty",
                line=numbers[i],
            )
        present = ~empty.all(axis=1)
        quality[f"rows_without_{side}"] = int((~present).sum())
        if "total_force_n" not in columns:
            raise FileFormatError(path, f"no {side} total force column")
        sensors = [columns[f"pressure_{k}"] for k in range(1, 17)]
        pressures[side] = np.ascontiguousarray(table[np.ix_(present, np.array(sensors))])
        totals[side] = table[present, columns["total_force_n"]]
        vendor = {
            key: table[present, k]
            for key, k in columns.items()
            if not key.startswith("pressure_") and key != "total_force_n"
        }
        if "cop_ap_norm" in vendor and "cop_ml_norm" in vendor:
            no_cop = (
                (vendor["cop_ap_norm"] == 0)
                & (vendor["cop_ml_norm"] == 0)
                & (totals[side] < COP_MIN_FORCE_N)
            )
            vendor["cop_ap_norm"][no_cop] = np.nan
            vendor["cop_ml_norm"][no_cop] = np.nan
        kept[side] = (time[present], vendor)
    meta = _metadata(header.fields)
    layout, layout_info = _layout(pressures, totals, meta.get("insole_size"))
    meta.update(layout_info)
    feet = {
        side: FootRecording(
            side="left" if side == "left" else "right",
            time_s=time_s,
            values=pressures[side],
            unit=cols.pressure_unit,
            sampling_rate_hz=sampling_rate_hz(time_s) or 100.0,
            layout=layout,
            total_force_n=totals[side],
            vendor=vendor,
        )
        for side, (time_s, vendor) in kept.items()
        if time_s.size
    }

    events: dict[str, dict[str, list[float]]] = {}
    unknown = 0
    for k in cols.steps.values():  # the code says the side, whichever column holds it
        codes = table[:, k]
        for at in np.flatnonzero(~np.isnan(codes)):
            code = int(codes[at]) if float(codes[at]).is_integer() else -1
            if code not in STEP_CODES:
                unknown += 1
                continue
            side, key = STEP_CODES[code]
            events.setdefault(side, {}).setdefault(key, []).append(float(time[at]))
    if cols.steps:
        quality["unknown_step_codes"] = unknown
    vendor_events = []
    for group, label_col, value_col in cols.groups:
        first = group.split(" ", 1)[0].lower()
        cells = labels[label_col]
        marked = ~np.isnan(table[:, value_col])  # a value or a label: the rows to look at
        marked[[i for i, cell in enumerate(cells) if cell]] = True
        for i in np.flatnonzero(marked).tolist():
            label = cells[i].strip()
            value = table[i, value_col]
            if not label and np.isnan(value):
                continue
            vendor_events.append(
                {"group": group, "label": label, "value": float(value), "time_s": float(time[i])}
            )
            if first in ("left", "right"):
                key = f"{_slug(label) or 'event'}_{float(value):g}_s".replace(".", "p")
                events.setdefault(first, {}).setdefault(key, []).append(float(time[i]))
    if cols.groups:
        meta["vendor_events"] = sorted(vendor_events, key=lambda e: e["time_s"])
    meta["source"] = SOURCE
    meta["record"] = meta.get("name", path.stem)
    return Session.from_feet(
        path,
        NAME,
        feet,
        meta,
        events={
            side: {key: np.array(sorted(times)) for key, times in keys.items()}
            for side, keys in events.items()
        },
        quality=quality,
    )
