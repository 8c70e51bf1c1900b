"""Generic sensor tables (CSV or Parquet): the path for any other or home-made insole, and the
format ``pressure convert`` writes (``pressure.io.write.write_table``), so a converted file of
any format reads back as the session it came from.

CSV: UTF-8 text (a byte-order mark is allowed), comma-separated, numbers unquoted. Lines at the
top starting with ``#`` are comments; ``# key: value`` comments are settings (below). The first
other line is the column header; every line below it is one row with one field per column. An
empty sensor cell is a missing value (NaN).

Settings (all optional): ``sampling_rate_hz`` (the rate, Hz, when there is no time column, or
the nominal rate the file states; ``left.sampling_rate_hz`` / ``right.sampling_rate_hz`` for
one foot), ``unit`` (of sensor columns without a unit suffix: ``kpa``, ``n_cm2``, ``n``,
``adc``, ``raw``; default ``raw``), ``side`` (``left``/``right``: the foot of ``sensor_<k>``
columns), ``left.n_sensors`` / ``right.n_sensors`` (a foot's sensor count in a tidy table, when
its last sensors are empty in every row), ``source_format`` (the format a converted table came
from). Other settings are kept in ``metadata["header"]``.

Two table forms, told apart by a ``side`` column:

* **wide**: one row per frame. A time column (``time_s``; or ``time_ms``; or ``time``, in
  seconds) or none and a ``sampling_rate_hz`` setting. Sensor columns ``left_<k>`` /
  ``right_<k>`` or ``L<k>`` / ``R<k>`` (any case), or ``sensor_<k>`` for a single foot whose
  side the ``side`` setting or a one-sided layout file gives; each optionally with a unit
  suffix ``_kpa``, ``_n_cm2``, ``_n``, ``_adc``, ``_raw`` (``left_3_kpa``, ``R12_n``). ``k``
  counts from 1 (or from 0), each number once per foot; columns may come in any order.
  ``left_total_force_n`` / ``right_total_force_n`` (``total_force_n`` for a single foot) give
  a device's own total force.
* **tidy** (``pressure convert``'s output): columns ``time_s``, ``side`` (``left``/``right``),
  optionally ``seq``, ``device_time_s``, ``total_force_n``, then ``sensor_<k>_<unit>`` (``k``
  zero-padded or not). The rows of the two feet are interleaved in time order; each foot's
  times increase. When the feet have different sensor counts the shorter foot's extra cells
  are empty. ``seq`` and ``device_time_s`` (the project's own recordings) are kept per foot in
  ``FootRecording.vendor``.

Any other column is ignored (named in ``metadata["ignored_columns"]``). The unit comes from
the column suffixes (one unit per foot), else the ``unit`` setting, else ``raw``.

Parquet (``.parquet``, magic ``PAR1``): the same columns (either form). The schema metadata key
``pressure.layout`` may hold the text of a layout CSV file (``write_layout``'s format), and the
key ``pressure`` JSON with ``format`` (→ ``metadata["source_format"]``), ``source``,
``metadata`` (the original session's) and ``feet`` (per side ``sampling_rate_hz``,
``n_sensors``, ``unit``), which give the rate and sensor count exactly.

Layout (``pressure.io.layout_file``): ``<data file name without its suffix>.layout.csv`` or
``.layout.json`` beside the data file, else ``layout.csv`` / ``layout.json`` in its folder.
Without one the feet have no layout (no CoP). A foot's layout must have as many sensors as the
foot has sensor columns (an error naming both files otherwise).

Detection: a CSV is this format when its header is a table of the forms above and a layout file
is beside it, or, without a layout, when its header is exactly a tidy table as ``pressure
convert`` writes it (``time_s,side,[seq,][device_time_s,][total_force_n,]sensor_<k>_<unit>...``),
so that random CSV files are not taken. Every Parquet file is taken (no other reader reads
Parquet; ``read`` says what is missing).

Reading: ``pressure.io.table.read_table``, which names the line of the first ragged row or bad
cell.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import FileFormatError
from ...layout import SensorLayout
from ...model import UNITS, FloatArray, FootRecording, Session, SideName
from ..layout_file import read_layout
from ..layout_file import read_layout_text as _layout_from_text
from ..table import Table, rows_after
from ..text import Header, decoded_lines, head_lines, read_bytes
from ..write import LAYOUT_KEY, META_KEY, TIME_DECIMALS, VENDOR_COLUMNS, table_rate_hz, write_table

NAME = "generic_csv"
DESCRIPTION = (
    "generic sensor table (.csv or .parquet: a time column or a rate, one column per sensor, "
    "a layout file beside it; also what `pressure convert` writes)"
)
SUFFIXES = (".csv", ".parquet")
LIBRARIES = ("pandas", "pyarrow.parquet")
SOURCE = "generic sensor table"
PARQUET_MAGIC = b"PAR1"

_UNIT_SUFFIX = r"(?:_(kpa|n_cm2|n|adc|raw))?"
_SIDE_SENSOR = re.compile(r"(left|right)_(\d+)" + _UNIT_SUFFIX, re.IGNORECASE)
_LR_SENSOR = re.compile(r"([lr])(\d+)" + _UNIT_SUFFIX, re.IGNORECASE)
_SENSOR = re.compile(r"sensor_(\d+)" + _UNIT_SUFFIX, re.IGNORECASE)
_TIDY_SENSOR = re.compile(r"sensor_(\d+)_(kpa|n_cm2|n|adc|raw)")
_TIME = {"time_s": 1.0, "time_ms": 1e-3, "time": 1.0}
_TIDY_OPTIONAL = ("seq", "device_time_s", "total_force_n")
_SETTING = re.compile(r"([A-Za-z_][A-Za-z0-9_.]*)\s*:(.*)")
_SIDES: tuple[SideName, SideName] = ("left", "right")
IntArray = np.ndarray[Any, np.dtype[np.intp]]


# --- text ----------------------------------------------------------------------------------


# --- columns ---------------------------------------------------------------------------------


@dataclass
class _Columns:
    """What the header's columns are."""

    names: list[str]
    time: int | None = None
    time_scale: float = 1.0
    side: int | None = None
    # per foot (None: the single foot of sensor_<k> columns, or the tidy table's shared ones):
    # sensor number -> column index, and the unit suffixes seen
    sensors: dict[str | None, dict[int, int]] = field(default_factory=dict)
    units: dict[str | None, set[str]] = field(default_factory=dict)
    total: dict[str | None, int] = field(default_factory=dict)
    vendor: dict[str, int] = field(default_factory=dict)
    ignored: list[int] = field(default_factory=list)

    @property
    def tidy(self) -> bool:
        return self.side is not None

    @property
    def text(self) -> list[int]:
        return ([self.side] if self.side is not None else []) + self.ignored


def _classify(names: Sequence[str]) -> _Columns | str:
    """The columns, or why the header is not a table of this format."""
    cols = _Columns(list(names))
    lower = [n.strip().lower() for n in names]
    seen: set[str] = set()
    for k, name in enumerate(lower):
        if name in seen:
            return f"column {names[k]!r} appears twice"
        seen.add(name)
    tidy = "side" in lower
    for k, name in enumerate(lower):
        if name in _TIME:
            if cols.time is not None:
                return f"two time columns ({names[cols.time]!r} and {names[k]!r})"
            cols.time, cols.time_scale = k, _TIME[name]
            continue
        if name == "side":
            cols.side = k
            continue
        side: str | None
        match = _SENSOR.fullmatch(name)
        if match is not None:
            side, number, unit = None, int(match[1]), match[2]
        elif not tidy and (match := _SIDE_SENSOR.fullmatch(name) or _LR_SENSOR.fullmatch(name)):
            side = "left" if match[1][0] == "l" else "right"
            number, unit = int(match[2]), match[3]
        else:
            if name == "total_force_n":
                cols.total[None] = k
            elif tidy and name in VENDOR_COLUMNS:
                cols.vendor[name] = k
            elif not tidy and name in ("left_total_force_n", "right_total_force_n"):
                cols.total[name.split("_", 1)[0]] = k
            else:
                cols.ignored.append(k)
            continue
        numbers = cols.sensors.setdefault(side, {})
        if number in numbers:
            return f"sensor {number} of the {side or 'single'} foot appears twice"
        numbers[number] = k
        cols.units.setdefault(side, set()).add(unit or "")
    if not cols.sensors:
        return "no sensor columns (left_<k>, right_<k>, L<k>, R<k> or sensor_<k>)"
    if None in cols.sensors and len(cols.sensors) > 1:
        return "sensor_<k> columns (one foot) mixed with left/right sensor columns"
    for side, numbers in cols.sensors.items():
        keys = sorted(numbers)
        base = keys[0]
        if base not in (0, 1) or keys != list(range(base, base + len(keys))):
            missing = sorted(set(range(1, max(keys) + 1)) - set(keys))
            what = f"{side} sensor" if side else "sensor"
            return (
                f"{what} columns must be numbered 1..n (or 0..n-1); "
                f"missing {', '.join(map(str, missing[:5])) or 'none'}, have {keys[0]}..{keys[-1]}"
            )
        units = cols.units[side] - {""}
        if len(units) > 1 or (units and "" in cols.units[side]):
            found = ", ".join(sorted(u or "(none)" for u in cols.units[side]))
            return f"the {side or 'single'} foot's sensor columns have different units: {found}"
    if tidy and cols.time is None:
        return "a table with a side column needs a time column (time_s)"
    return cols


def _strict_tidy(names: Sequence[str]) -> bool:
    """Whether the header is exactly the tidy table ``pressure convert`` writes."""
    if len(names) < 3 or names[0] != "time_s" or names[1] != "side":
        return False
    k = 2
    for optional in _TIDY_OPTIONAL:
        if k < len(names) and names[k] == optional:
            k += 1
    sensors = [_TIDY_SENSOR.fullmatch(n) for n in names[k:]]
    if not sensors or any(m is None for m in sensors):
        return False
    numbers = [int(m[1]) for m in sensors if m is not None]
    units = {m[2] for m in sensors if m is not None}
    return numbers == list(range(1, len(numbers) + 1)) and len(units) == 1


def _header_cells(line: str) -> list[str]:
    line = line.lstrip("\ufeff")
    try:
        cells = next(csv.reader([line]), [])
    except csv.Error:  # a stray carriage return or NUL: not a header csv can split
        cells = line.split(",")
    return [c.strip() for c in cells]


_KNOWN_SETTINGS = ("sampling_rate_hz", "unit", "side", "source_format")
_SIDE_SETTINGS = ("sampling_rate_hz", "n_sensors")


def _known_setting(key: str) -> bool:
    side, _, name = key.partition(".")
    return key in _KNOWN_SETTINGS or (side in _SIDES and name in _SIDE_SETTINGS)


def _read_header(path: Path, data: bytes) -> tuple[Header, int, list[str]]:
    """The settings, the index of the column header line and its column names."""
    settings = Header(path)
    for index, line in enumerate(decoded_lines(path, data)):
        stripped = line.lstrip("\ufeff").strip()
        if not stripped.startswith("#"):
            if stripped:
                return settings, index, _header_cells(stripped)
            continue
        match = _SETTING.fullmatch(stripped[1:].strip())
        if match is None:
            continue
        key, value = match[1].lower(), match[2].strip()
        if key not in settings:
            settings.add(key, value, index + 1)
        elif _known_setting(key):
            raise FileFormatError(
                path,
                f"setting {key!r} is given twice (first at line {settings.lines[key]})",
                line=index + 1,
            )
        else:  # a free "# note: ..." comment that comes again
            settings.fields[key] += "; " + value
    raise FileFormatError(path, "no column header line after the '#' comments")


def layout_path(path: Path) -> Path | None:
    """The layout file of a data file (module docstring), or None."""
    stem = path.name[: -len(path.suffix)] if path.suffix else path.name
    for name in (f"{stem}.layout.csv", f"{stem}.layout.json", "layout.csv", "layout.json"):
        candidate = path.parent / name
        if candidate != path and candidate.is_file():
            return candidate
    return None


# --- the reader protocol ---------------------------------------------------------------------


def detect(path: Path, head: bytes) -> bool:
    """A Parquet file, or a CSV whose header is a table of this format with a layout file
    beside it, or exactly a tidy table (module docstring)."""
    if head.startswith(PARQUET_MAGIC):
        return True
    if b"\x00" in head[:4096]:
        return False
    header = None
    for line in head_lines(head, 200):
        stripped = line.lstrip("\ufeff").lstrip("ï»¿").strip()
        if stripped and not stripped.startswith("#"):
            header = _header_cells(stripped)
            break
    if header is None or len(header) < 2:
        return False
    if _strict_tidy(header):
        return True
    return not isinstance(_classify(header), str) and layout_path(path) is not None


def primary_file(path: Path) -> Path | None:
    return None


def read(path: Path) -> Session:
    """Read a generic CSV or Parquet table (module docstring). FileFormatError names the line
    (CSV) or row (Parquet) of a bad cell, side or time, or the layout that does not fit."""
    data = read_bytes(path, text=False)
    if data.startswith(PARQUET_MAGIC):
        return _read_parquet(path)
    if path.suffix.lower() == ".parquet":
        raise FileFormatError(path, "not a Parquet file: it does not start with 'PAR1'", offset=0)
    if b"\x00" in data:
        raise FileFormatError(path, "binary data, not a CSV text table", offset=data.index(b"\x00"))
    settings, index, names = _read_header(path, data)
    cols = _classify(names)
    if isinstance(cols, str):
        raise FileFormatError(path, f"not a sensor table: {cols}", line=index + 1)
    block = rows_after(path, data, index, names, text_columns=cols.text, allow_empty=True)
    table = _Table(path, cols, block, settings, rows_are_lines=True)
    return _session(table, {"header": dict(settings.fields)}, layout_text=None)


@dataclass
class _Table:
    """A parsed table, from CSV or Parquet, with what is needed to name a bad row."""

    path: Path
    cols: _Columns
    block: Table
    settings: Header  # the CSV's settings with their lines, or those of Parquet's metadata
    rows_are_lines: bool  # CSV: numbers are line numbers; Parquet: row numbers

    def setting_error(self, key: str, detail: str) -> FileFormatError:
        return self.settings.error(key, f"setting {key}: {detail}")

    def rate(self, key: str) -> float | None:
        return self.settings.number(key, positive=True, what=f"setting {key}:")

    def fail(self, i: int, detail: str) -> FileFormatError:
        number = int(self.block.line_numbers[i])
        if self.rows_are_lines:
            return FileFormatError(self.path, detail, line=number)
        return FileFormatError(self.path, f"row {number}: {detail}")


def _read_parquet(path: Path) -> Session:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq

        arrow = pq.read_table(path)
    except Exception as exc:  # OSError, ArrowInvalid (a ValueError), any Arrow error on damage
        raise FileFormatError(path, f"not a readable Parquet file: {exc}") from None
    names = [str(n) for n in arrow.column_names]
    cols = _classify(names)
    if isinstance(cols, str):
        raise FileFormatError(path, f"not a sensor table: {cols}")
    n = arrow.num_rows
    if n == 0:
        raise FileFormatError(path, "the table has no rows")
    values = np.full((n, len(names)), np.nan)
    text: dict[int, list[str]] = {}
    for k, name in enumerate(names):
        column = arrow.column(k)
        if k in cols.text:
            text[k] = ["" if v is None else str(v) for v in column.to_pylist()]
            continue
        kind = column.type
        if not (pa.types.is_floating(kind) or pa.types.is_integer(kind) or pa.types.is_null(kind)):
            raise FileFormatError(path, f"column {name!r} holds {kind}, not numbers")
        values[:, k] = column.to_pandas().to_numpy(dtype=np.float64, na_value=np.nan)
    bad = np.isinf(values)
    if bad.any():
        i, k = (int(a[0]) for a in np.nonzero(bad))
        raise FileFormatError(path, f"row {i + 1}: {names[k]} is infinite")
    meta_raw = (arrow.schema.metadata or {}).get(META_KEY)
    settings = Header(path)
    meta: dict[str, Any] = {}
    if meta_raw:
        try:
            info = json.loads(meta_raw)
        except ValueError as exc:
            raise FileFormatError(path, f"schema metadata 'pressure' is not JSON: {exc}") from None
        if isinstance(info, dict):
            settings.fields, meta = _parquet_settings(info)
    table = _Table(path, cols, Table(values, range(1, n + 1), text), settings, rows_are_lines=False)
    layout_raw = (arrow.schema.metadata or {}).get(LAYOUT_KEY)
    layout_text = layout_raw.decode("utf-8", "replace") if layout_raw else None
    return _session(table, meta, layout_text=layout_text)


def _parquet_settings(info: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, Any]]:
    """Settings (as the CSV comments give them) and metadata from the ``pressure`` JSON."""
    settings: dict[str, str] = {}
    meta: dict[str, Any] = {}
    feet = info.get("feet")
    if isinstance(feet, dict):
        for side, foot in feet.items():
            if side in _SIDES and isinstance(foot, dict):
                for key in ("sampling_rate_hz", "n_sensors"):
                    if isinstance(foot.get(key), (int, float)):
                        settings[f"{side}.{key}"] = repr(foot[key])
    if isinstance(info.get("format"), str):
        meta["source_format"] = info["format"]
    if "source" in info:
        meta["converted_from"] = info["source"]
    if isinstance(info.get("metadata"), dict):
        meta["source_metadata"] = info["metadata"]
    for key in ("session", "counters"):  # the project's own recordings (pressure convert)
        if key in info:
            meta[key] = info[key]
    return settings, meta


def read_layout_text(text: str, path: Path) -> dict[str, SensorLayout]:
    """Layouts from the text of a layout file stored inside ``path`` (a Parquet schema);
    errors name ``path`` and the layout's line."""
    try:
        return _layout_from_text(text, path)
    except FileFormatError as exc:
        where = f" line {exc.line}" if exc.line is not None else ""
        raise FileFormatError(
            path,
            f"the layout in the schema metadata ({LAYOUT_KEY.decode()}){where}: {exc.detail}",
        ) from None


def _check_rows(table: _Table, time: FloatArray, rows: IntArray) -> None:
    """Raise at the first of ``rows`` whose time does not increase."""
    steps = np.diff(time)
    if steps.size and not np.all(steps > 0):
        k = int(np.argmax(~(steps > 0))) + 1
        raise table.fail(
            int(rows[k]), f"time does not increase ({time[k - 1]:g} s, then {time[k]:g} s)"
        )


def _unit(table: _Table, side_key: str | None) -> str:
    suffixes = table.cols.units.get(side_key, set()) - {""}
    if suffixes:
        return suffixes.pop().lower()
    return table.settings.fields.get("unit", "raw").lower()


def _single_side(table: _Table, layouts: Mapping[str, SensorLayout] | None) -> SideName:
    """The foot of ``sensor_<k>`` columns in a wide table."""
    given = table.settings.get("side")
    if given is not None:
        if given.strip().lower() not in _SIDES:
            raise table.setting_error("side", f"{given!r} is not 'left' or 'right'")
        return "left" if given.strip().lower() == "left" else "right"
    if layouts is not None and len(layouts) == 1:
        (only,) = layouts
        return "left" if only == "left" else "right"
    raise FileFormatError(
        table.path,
        "sensor_<k> columns are one foot, but which? Add a '# side: left' (or right) line at "
        "the top, or a layout file with a side column",
    )


def _tidy_sensor_count(
    table: _Table,
    side: str,
    rows: IntArray,
    sensor_cols: IntArray,
    layouts: Mapping[str, SensorLayout] | None,
) -> int:
    """A tidy table's sensor count for one foot: the setting, else the layout's, else up to
    its last column with a value."""
    text = table.settings.get(f"{side}.n_sensors")
    if text is not None:
        try:
            n = int(float(text))
        except ValueError:
            n = 0
        if not 1 <= n <= len(sensor_cols):
            raise table.setting_error(
                f"{side}.n_sensors", f"{text!r} is not within 1..{len(sensor_cols)}"
            )
        return n
    if layouts is not None and side in layouts:
        return min(layouts[side].n_sensors, len(sensor_cols))  # a mismatch is named later
    filled = ~np.isnan(table.block.values[np.ix_(rows, sensor_cols)]).all(axis=0)
    if not filled.any():
        raise table.fail(int(rows[0]), f"the {side} rows have no sensor values")
    return int(np.flatnonzero(filled)[-1]) + 1


def _session(table: _Table, meta: dict[str, Any], layout_text: str | None) -> Session:
    path, cols, block = table.path, table.cols, table.block
    values = block.values
    problems: list[str] = []
    layouts: dict[str, SensorLayout] | None = None
    if layout_text is not None:
        layouts = read_layout_text(layout_text, path)
        meta["layout_file"] = f"{path.name} (schema metadata {LAYOUT_KEY.decode()})"
    else:
        layout_file = layout_path(path)
        if layout_file is not None:
            layouts = read_layout(layout_file)
            meta["layout_file"] = str(layout_file)

    unit_setting = table.settings.get("unit")
    if unit_setting is not None and unit_setting.lower() not in UNITS:
        raise table.setting_error("unit", f"{unit_setting!r} is not one of {', '.join(UNITS)}")

    time: FloatArray | None = None
    if cols.time is not None:
        time = values[:, cols.time] * cols.time_scale
        empty = np.isnan(time)
        if empty.any():
            raise table.fail(int(np.argmax(empty)), f"empty {cols.names[cols.time]} cell")

    # per foot: its rows, its sensor columns, and its key in cols.sensors / cols.total
    feet: dict[SideName, tuple[IntArray, IntArray, str | None]] = {}
    if cols.tidy:
        assert cols.side is not None and time is not None
        sides = [cell.strip().lower() for cell in block.text[cols.side]]
        for i, cell in enumerate(sides):
            if cell not in _SIDES:
                raise table.fail(i, f"side: {block.text[cols.side][i]!r} is not 'left' or 'right'")
        sensor_cols = np.array([cols.sensors[None][k] for k in sorted(cols.sensors[None])])
        for side in _SIDES:
            rows = np.flatnonzero(np.array(sides) == side)
            if rows.size == 0:
                continue
            _check_rows(table, time[rows], rows)
            n = _tidy_sensor_count(table, side, rows, sensor_cols, layouts)
            filled = ~np.isnan(values[np.ix_(rows, sensor_cols[n:])]).all(axis=1)
            if filled.any():
                raise table.fail(
                    int(rows[int(np.argmax(filled))]),
                    f"the {side} foot has {n} sensors, but this row has a value in a sensor "
                    f"column after {cols.names[sensor_cols[n - 1]]}",
                )
            feet[side] = (rows, sensor_cols[:n], None)
    else:
        everything = np.arange(len(values))
        if time is None:
            rate = table.rate("sampling_rate_hz")
            if rate is None:
                raise FileFormatError(
                    path,
                    "no time column (time_s, time_ms or time) and no '# sampling_rate_hz: N' "
                    "setting: the frames have no time",
                )
            time = everything / rate
        else:
            _check_rows(table, time, everything)
        for key, numbers in cols.sensors.items():
            side = "left" if key == "left" else "right"
            if key is None:
                side = _single_side(table, layouts)
            feet[side] = (everything, np.array([numbers[k] for k in sorted(numbers)]), key)

    recordings: dict[str, FootRecording] = {}
    quality: dict[str, int] = {"rows": len(values)}
    for side, (rows, columns, key) in feet.items():
        foot_time, foot_values = time[rows], values[np.ix_(rows, columns)]
        rate = table.rate(f"{side}.sampling_rate_hz") or table.rate("sampling_rate_hz")
        measured = table_rate_hz(foot_time)
        if rate is None:
            if measured is None:
                raise FileFormatError(
                    path, f"the {side} foot has one frame and the file states no sampling rate"
                )
            rate = measured
        elif measured is not None and abs(measured - rate) > 0.01 * rate:
            problems.append(
                f"the {side} foot's times show {measured:.6g} Hz, the file states {rate:g} Hz"
            )
        extra = {name: values[rows, k] for name, k in cols.vendor.items()}
        if key in cols.total:
            extra["total"] = values[rows, cols.total[key]]
        vendor = {name: column for name, column in extra.items() if not np.isnan(column).all()}
        layout = None
        if layouts is not None:
            layout = layouts.get(side)
            where = meta.get("layout_file", "the layout")
            n_columns = len(cols.sensors[key])  # the table's sensor columns for this foot
            if layout is None:
                problems.append(f"{where} has no {side} layout: no sensor positions for it")
            elif layout.n_sensors != len(columns) or layout.n_sensors > n_columns:
                raise FileFormatError(
                    path,
                    f"the {side} foot has {n_columns} sensor columns, but the layout file "
                    f"{where} has {layout.n_sensors} {side} sensors",
                )
        n_empty = int(np.isnan(foot_values).sum())
        if n_empty:
            quality[f"empty_cells_{side}"] = n_empty
        if np.nanmin(foot_values, initial=0.0) < 0:
            problems.append(f"the {side} foot has negative values (kept as they are)")
        recordings[side] = FootRecording(
            side=side,
            time_s=np.ascontiguousarray(foot_time),
            values=np.ascontiguousarray(foot_values),
            unit=_unit(table, key),
            sampling_rate_hz=float(rate),
            layout=layout,
            total_force_n=vendor.pop("total", None),
            vendor=vendor,
        )
    if cols.ignored:
        meta["ignored_columns"] = [cols.names[k] for k in cols.ignored]
    if "source_format" not in meta and "source_format" in table.settings:
        meta["source_format"] = table.settings.fields["source_format"]
    meta.setdefault("source", SOURCE)
    meta["record"] = path.stem
    meta["table_form"] = "tidy" if cols.tidy else "wide"
    return Session.from_feet(path, NAME, recordings, meta, quality=quality, problems=problems)


__all__ = [
    "DESCRIPTION",
    "LIBRARIES",
    "NAME",
    "SUFFIXES",
    "TIME_DECIMALS",
    "detect",
    "layout_path",
    "primary_file",
    "read",
    "read_layout_text",
    "write_table",
]
