"""Generic sensor tables (CSV or Parquet): the path for any other or home-made insole (a
board's SD-card log, a sketch's output saved as CSV), and the format ``pressure convert``
writes (``pressure.io.write.write_table``), so a converted file of any format reads back as the
session it came from.

CSV: UTF-8 text (a byte-order mark is allowed: ``pressure.io.text``), comma-separated, numbers
unquoted. Lines at the top starting with ``#`` are comments; ``# key: value`` (or
``# key=value``, as ``# fw=v3.1.0``) comments are settings (below). The first other line is
the column header; every line below it is one row with one field per column. An empty sensor
cell is a missing value (NaN).

Settings (all optional): ``sampling_rate_hz`` (the rate, Hz, when there is no time column, or
the nominal rate the file states; ``left.sampling_rate_hz`` / ``right.sampling_rate_hz`` for
one foot), ``unit`` (of sensor columns without a unit suffix: ``kpa``, ``n_cm2``, ``n``,
``adc``, ``raw``; default ``raw``), ``side`` (``left``/``right``: the foot of sensor columns
whose names give none), ``left.n_sensors`` / ``right.n_sensors`` (a foot's sensor count in a
tidy table, when its last sensors are empty in every row), ``source_format`` (the format a
converted table came from). Other settings are kept in ``metadata["header"]``.

Columns: what each column is comes from its name, by the classifier the line-mode decoder uses
too (``firmware_protocol.columns.classify_columns``; its docstring has every rule), so a board's
CSV log and its serial output mean the same:

* **time**: ``time_s``, ``time_ms``, ``time_us``, ``millis``, ``micros`` ... say their unit.
  ``t``, ``time``, ``timestamp`` ... do not: values with a fraction are seconds (what ``time``
  always meant here), whole numbers are a board's clock, milliseconds, or microseconds when
  its median step exceeds ``US_STEP_TICKS`` (250) ticks (``infer_time_unit``; a clock in whole
  seconds would step at 1 Hz or slower, no pressure recording's rate). ``metadata`` says which
  (``time_column``, ``time_unit``, ``time_unit_from``: ``"name"`` or ``"values"``). Times are
  the file's, not shifted to start at 0;
* **frame** (sequence): ``frame``, ``frame_id``, ``seq``, ``sample``, ``counter`` ...;
* **sensors**: ``L<k>`` / ``R<k>``, ``left_<k>`` / ``right_<k>``, ``L_ch<k>``, ``R_value<k>``
  (a foot by prefix, any case), or names without a foot (``sensor_<k>``, ``v<k>``, ``fsr<k>``)
  for one foot: the ``side`` setting's, a one-sided layout file's, else the left, as in line
  mode (``problems`` says so; with a layout for both feet the table must say which). Each
  optionally with a unit suffix ``_kpa``, ``_n_cm2``, ``_n``, ``_adc``, ``_raw``
  (``left_3_kpa``, ``R12_n``), one unit per foot. A foot's sensors are in the order of the
  numbers in their names (from 0 or 1, gaps allowed), any column order;
* ``left_total_force_n`` / ``right_total_force_n`` (``total_force_n`` for a single foot): a
  device's own total force;
* **extras**: every other column: IMU channels (``ax``, ``acc_x``, ``L_gyro_z``), ``flags``,
  ``battery_mv``, ``temp_c``, and columns whose names are neither sensors nor known (``note``).
  The frame column and the extras whose every cell is a number are kept per frame in
  ``FootRecording.vendor`` under their names as written (an extra with a side prefix goes to
  that foot only); the others are named in ``metadata["ignored_columns"]``.

Two table forms, told apart by a ``side`` column:

* **wide**: one row per frame, with a time column, or a ``sampling_rate_hz`` setting (and
  then, with a frame column, a frame ``k`` frames after the first is at ``k / rate`` s, so
  lost frames leave their gap). The rows may come in any order (a board writes frames as they
  come): they are sorted by the frame column when there is one (a counter that wraps, as a
  uint16 does, counts on), else by time; a time that falls back by more than
  ``RESTART_PERIODS`` sampling periods is the board's clock restarting (a reset): the part
  after it is placed one period after the part before (``quality["clock_restarts"]``), as
  line mode does. A row that repeats an earlier one exactly is dropped;
  a frame (or a time) that comes twice with other values is an error at its second line.
  ``quality["rows_out_of_order"]`` (the fewest rows that sorting moves) and
  ``quality["duplicate_rows"]`` count them, when not 0, and ``problems`` says so;
* **tidy** (``pressure convert``'s output): columns ``time_s``, ``side`` (``left``/``right``,
  or ``L``/``R``), optionally ``seq``, ``device_time_s``, ``total_force_n``, then
  ``sensor_<k>_<unit>`` (``k`` zero-padded or not). The rows of the two feet are interleaved
  in time order; each foot's times increase. When the feet have different sensor counts the
  shorter foot's extra cells are empty. ``seq`` and ``device_time_s`` (the project's own
  recordings) are kept per foot in ``FootRecording.vendor``.

The unit comes from the column suffixes (one unit per foot), else the ``unit`` setting, else
``raw``.

Parquet (``.parquet``, magic ``PAR1``): the same columns (either form). The schema metadata key
``pressure.layout`` may hold the text of a layout CSV file (``write_layout``'s format), and the
key ``pressure`` JSON with ``format`` (→ ``metadata["source_format"]``), ``source``,
``metadata`` (the original session's) and ``feet`` (per side ``sampling_rate_hz``,
``n_sensors``, ``unit``), which give the rate and sensor count exactly.

Layout (``pressure.io.layout_file``): ``<data file name without its suffix>.layout.csv`` or
``.layout.json`` beside the data file, else ``layout.csv`` / ``layout.json`` in its folder.
Without one the feet have no layout: no positions, so no CoP or regions (``analyze`` says what
a layout adds, with ``metadata["layout_help"]``: ``layout_help``), but events, steps, timing,
load shares and quality. A foot's layout must have as many sensors as the foot has sensor
columns (an error naming both files otherwise).

Detection (so that other programs' CSV exports are left to their readers and random CSV files
are not taken): a CSV is this format when its header is exactly a tidy table as ``pressure
convert`` writes it (``time_s,side,[seq,][device_time_s,][total_force_n,]sensor_<k>_<unit>...``);
or when its header is a table of the forms above and a layout file is beside it; or, without a
layout file, when it is named ``*.csv``, has a time or a frame column, every other column is a
sensor or a known extra (``firmware_protocol.columns.known_extra``: not ``note``, not
``sole_id``), and the first ``DETECT_ROWS`` rows hold numbers (or empty cells) in every field.
Every Parquet file is taken (no other reader reads Parquet; ``read`` says what is missing).

Reading: ``pressure.io.table.read_table``, which names the line of the first ragged row or bad
cell.
"""

from __future__ import annotations

import bisect
import csv
import dataclasses
import itertools
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from firmware_protocol.columns import (
    TIME_UNIT_S,
    Column,
    ColumnPlan,
    classify_columns,
    infer_time_unit,
    known_extra,
)

from ...errors import FileFormatError
from ...layout import SensorLayout
from ...model import UNITS, UNSTATED_SIDE, FloatArray, FootRecording, Session, SideName
from ..layout_file import read_layout
from ..layout_file import read_layout_text as _layout_from_text
from ..table import Table, line_start, rows_after
from ..text import Header, decoded_lines, head_lines, read_bytes
from ..write import (
    LAYOUT_KEY,
    META_KEY,
    TIME_DECIMALS,
    VENDOR_PREFIX,
    table_rate_hz,
    write_table,
)

NAME = "generic_csv"
DESCRIPTION = (
    "generic sensor table (.csv or .parquet: a time column or a rate, one column per sensor, "
    "a layout file beside it; also what `pressure convert` writes)"
)
SUFFIXES = (".csv", ".parquet")
LIBRARIES = ("pandas", "pyarrow.parquet")
SOURCE = "generic sensor table"
PARQUET_MAGIC = b"PAR1"

_TIDY_SENSOR = re.compile(r"sensor_(\d+)_(kpa|n_cm2|n|adc|raw)")
_TIDY_OPTIONAL = ("seq", "device_time_s", "total_force_n")
_SETTING = re.compile(r"([A-Za-z_][A-Za-z0-9_.]*)\s*[:=](.*)")
_SIDES: tuple[SideName, SideName] = ("left", "right")
IntArray = np.ndarray[Any, np.dtype[np.intp]]


# --- columns ---------------------------------------------------------------------------------


_NO_SENSORS = (
    "no sensor columns (left_<k>, right_<k>, L<k>, R<k>, L_ch<k>, sensor_<k>, v<k>...: names "
    "with a number or a foot)"
)


@dataclass
class _Columns:
    """What the header's columns are (``firmware_protocol.columns.classify_columns``)."""

    names: list[str]
    plan: ColumnPlan
    side: int | None = None  # the tidy table's side column
    # per foot ("left"/"right"; None: the sensors of a table whose names give no foot, or the
    # tidy table's shared ones): the sensor columns in sensor order
    sensors: dict[str | None, list[Column]] = field(default_factory=dict)
    total: dict[str | None, int] = field(default_factory=dict)
    clock_text: bool = False  # the time column holds dates and times (``_CLOCK_CELL``)

    @property
    def date(self) -> Column | None:
        """A ``date`` column beside a time column (a logger with a real-time clock writing
        ``2024-05-01,12:00:00.123``), or None."""
        if self.time is None:
            return None
        return next((c for c in self.extras if c.name.strip().lower() == "date"), None)

    @property
    def tidy(self) -> bool:
        return self.side is not None

    @property
    def time(self) -> Column | None:
        return self.plan.time

    @property
    def sequence(self) -> Column | None:
        return self.plan.sequence

    @property
    def extras(self) -> list[Column]:
        return self.plan.extras

    @property
    def text(self) -> list[int]:
        """Columns read as text: the side column, and the extras (numbers where every cell is
        one, else left out and named in ``metadata["ignored_columns"]``)."""
        clock = []
        if self.clock_text and self.plan.time is not None:
            clock = [self.plan.time.index]
        side = [self.side] if self.side is not None else []
        return side + clock + [c.index for c in self.extras]

    def unit(self, key: str | None) -> str | None:
        """The unit suffix of a foot's sensor columns (checked to be one), or None."""
        units = {c.unit for c in self.sensors[key]} - {None}
        return units.pop() if units else None


def _classify(names: Sequence[str]) -> _Columns | str:
    """The columns, or why the header is not a table of this format."""
    try:
        plan = classify_columns(names)
    except ValueError as exc:
        return _NO_SENSORS if str(exc) == "no sensor column" else str(exc)
    cols = _Columns(list(names), plan)
    sides = [c for c in plan.columns if c.role == "side"]
    if len(sides) > 1:
        return f"two side columns ({sides[0].name!r} and {sides[1].name!r})"
    sensors = [c for c in plan.columns if c.role == "sensor"]
    # without a clock a table must name its sensors (sensor_<k>, L<k>): a column called ``a``
    # alone is no sensor table
    unnamed = all(c.number is None and c.side is None for c in sensors)
    if plan.time is None and plan.sequence is None and unnamed:
        return _NO_SENSORS
    if sides:
        cols.side = sides[0].index
        if plan.sided:
            return "a table with a side column names its sensors sensor_<k>, not by foot"
        if plan.time is None:
            return "a table with a side column needs a time column (time_s)"
        cols.sensors[None] = plan.sensors("left")
    elif plan.sided:
        for side in _SIDES:
            if plan.sensors(side):
                cols.sensors[side] = plan.sensors(side)
    else:
        cols.sensors[None] = plan.sensors("left")
    for c in plan.columns:
        if c.role == "total_force":
            cols.total.setdefault(c.side, c.index)
    for key, columns in cols.sensors.items():
        units = {c.unit for c in columns}
        if len(units) > 1:
            found = ", ".join(sorted(u or "(none)" for u in units))
            return f"the {key or 'single'} foot's sensor columns have different units: {found}"
    return cols


def _strict_tidy(names: Sequence[str]) -> bool:
    """Whether the header is exactly the tidy table ``pressure convert`` writes."""
    if len(names) < 3 or names[0] != "time_s" or names[1] != "side":
        return False
    k = 2
    for optional in _TIDY_OPTIONAL:
        if k < len(names) and names[k] == optional:
            k += 1
    while k < len(names) and names[k].startswith(VENDOR_PREFIX):
        k += 1
    sensors = [_TIDY_SENSOR.fullmatch(n) for n in names[k:]]
    if not sensors or any(m is None for m in sensors):
        return False
    numbers = [int(m[1]) for m in sensors if m is not None]
    units = {m[2] for m in sensors if m is not None}
    return numbers == list(range(1, len(numbers) + 1)) and len(units) == 1


@dataclass(frozen=True)
class _Header:
    """The column header line: its names, the separator of the table (a comma; a semicolon or
    a tab when the header has one and no comma, as a spreadsheet in a decimal-comma locale or a
    board's logger writes it) and whether every line ends in a separator (a firmware that
    writes ``","`` after each value: the header's last cell is empty)."""

    names: list[str]
    sep: str = ","
    trailing: bool = False


def _header_cells(line: str) -> _Header:
    """The header of ``line`` (its line end removed; a tab or separator at its end counts)."""
    line = line.lstrip("\ufeff").strip(" \r\n")
    sep = next((s for s in (";", "\t") if s in line and "," not in line), ",")
    try:
        cells = next(csv.reader([line], delimiter=sep), [])
    except csv.Error:  # a stray carriage return or NUL: not a header csv can split
        cells = line.split(sep)
    cells = [c.strip() for c in cells]
    trailing = len(cells) > 2 and cells[-1] == "" and all(cells[:-1])
    return _Header(cells[:-1] if trailing else cells, sep, trailing)


_KNOWN_SETTINGS = ("sampling_rate_hz", "unit", "side", "source_format")
_SIDE_SETTINGS = ("sampling_rate_hz", "n_sensors")


def _known_setting(key: str) -> bool:
    side, _, name = key.partition(".")
    return key in _KNOWN_SETTINGS or (side in _SIDES and name in _SIDE_SETTINGS)


def _read_header(path: Path, data: bytes) -> tuple[Header, int, _Header]:
    """The settings, the index of the column header line and its column names."""
    settings = Header(path)
    for index, line in enumerate(decoded_lines(path, data)):
        stripped = line.strip()
        if not stripped.startswith("#"):
            if stripped:
                return settings, index, _header_cells(line)
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


def layout_help(path: Path) -> str:
    """How to give the data file ``path`` its sensor positions, in one line (what
    ``pressure analyze`` prints when a table has no layout file).

    Parameters
    ----------
    path : Path
        The data file.

    Returns
    -------
    str
        The layout file's name and form, and where the README describes it.
    """
    stem = path.name[: -len(path.suffix)] if path.suffix else path.name
    return (
        f"a layout file adds them: {stem}.layout.csv beside the data, one row per sensor "
        "'sensor,x_mm,y_mm,area_mm2,side' (mm in the foot frame; README: File formats, "
        "Generic CSV)"
    )


# --- the reader protocol ---------------------------------------------------------------------


#: data rows ``detect`` looks at below the header of a table without a layout file
DETECT_ROWS = 5
_NUMBER_CELL = re.compile(r"\s*(?:[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)?\s*")
_DATE_CELL = re.compile(r"\s*\d{4}-\d{2}-\d{2}\s*")
#: a time cell as a logger with a real-time clock writes it: an ISO date and time
#: (``2024-05-01 12:00:00.123``, ``2024-05-01T12:00:00.123Z``) or a time of day
#: (``12:00:00.123``)
_CLOCK_CELL = re.compile(
    r"\s*(?:\d{4}-\d{2}-\d{2}[ T])?\d{1,2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?\s*"
)
_SIDE_CELLS = ("left", "right", "l", "r")


def _numeric_rows(cols: _Columns, header: _Header, lines: Sequence[str]) -> bool:
    """Whether the first ``DETECT_ROWS`` lines below the header (all there are, at least one)
    have one field per column (and the empty one after a trailing separator), each a number or
    empty (a side column: left/right/L/R)."""
    rows = [line for line in lines if line.strip()][:DETECT_ROWS]
    for line in rows:
        cells = line.rstrip("\r\n").split(header.sep)
        if header.trailing:
            if cells[-1].strip():
                return False
            cells = cells[:-1]
        if len(cells) != len(cols.names):
            return False
        time = None if cols.time is None else cols.time.index
        for k, cell in enumerate(cells):
            if k == cols.side:
                if cell.strip().lower() not in _SIDE_CELLS:
                    return False
            elif not (
                _NUMBER_CELL.fullmatch(cell)
                or (k == time and _CLOCK_CELL.fullmatch(cell))
                or (cols.date is not None and k == cols.date.index and _DATE_CELL.fullmatch(cell))
            ):
                return False
    return bool(rows)


def detect(path: Path, head: bytes) -> bool:
    """A Parquet file; or a CSV whose header is exactly a tidy table; or whose header is a
    table of this format (module docstring) and which has a layout file beside it, or, without
    one, is named ``*.csv``, has a time or frame column, no column of unknown meaning (every
    one a sensor, the time, the frame or a known extra: ``firmware_protocol.columns.
    known_extra``) and numbers (or empty cells) in every field of its first rows."""
    if head.startswith(PARQUET_MAGIC):
        return True
    if b"\x00" in head[:4096]:
        return False
    lines = head_lines(head, 200)
    index = next(
        (k for k, line in enumerate(lines) if line.strip() and not line.strip().startswith("#")),
        None,
    )
    if index is None:
        return False
    header = _header_cells(lines[index])
    if len(header.names) < 2:
        return False
    if _strict_tidy(header.names):
        return True
    cols = _classify(header.names)
    if isinstance(cols, str):
        return False
    if layout_path(path) is not None:
        return True
    return (
        path.suffix.lower() == ".csv"
        and (cols.time is not None or cols.sequence is not None)
        and all(known_extra(c.name) or c is cols.date for c in cols.extras)
        and _numeric_rows(cols, header, lines[index + 1 :])
    )


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
    settings, index, header = _read_header(path, data)
    names = header.names
    cols = _classify(names)
    if isinstance(cols, str):
        raise FileFormatError(path, f"not a sensor table: {cols}", line=index + 1)
    cols.clock_text = _clock_in_first_row(cols, header, data, index)
    block = rows_after(
        path,
        data,
        index,
        names,
        sep=header.sep,
        trailing_empty=header.trailing,
        text_columns=cols.text,
        allow_empty=True,
    )
    table = _Table(path, cols, block, settings, rows_are_lines=True)
    meta: dict[str, Any] = {"header": dict(settings.fields)}
    if cols.clock_text:
        _clock_to_seconds(table, meta)
    return _session(table, meta, layout_text=None)


def _clock_in_first_row(cols: _Columns, header: _Header, data: bytes, index: int) -> bool:
    """Whether the time column's cell in the first row below the header is a date and time."""
    if cols.time is None or cols.tidy:
        return False
    for line in head_lines(data[: line_start(data, index + 1) + 65536], index + 50)[index + 1 :]:
        if line.strip() and not line.lstrip().startswith("#"):
            cells = line.rstrip("\r\n").split(header.sep)
            at = cols.time.index
            return at < len(cells) and bool(_CLOCK_CELL.fullmatch(cells[at]))
    return False


def _clock_to_seconds(table: _Table, meta: dict[str, Any]) -> None:
    """A time column of dates and times (``_CLOCK_CELL``; a time of day alone is taken on one
    day) into seconds since the earliest, in the table's values; the earliest goes to
    ``meta["start_time"]``. FileFormatError at the line of a cell that is none."""
    import pandas as pd

    cols = table.cols
    assert cols.time is not None
    at = cols.time.index
    cells = [cell.strip() for cell in table.block.text[at]]
    bad = next((i for i, cell in enumerate(cells) if not _CLOCK_CELL.fullmatch(cell)), None)
    if bad is not None:
        raise table.fail(bad, f"{cols.time.name}: {cells[bad]!r} is not a date and time")
    if cols.date is not None:  # the day from the date column, where the time has none
        days = [cell.strip() for cell in table.block.text[cols.date.index]]
        bad = next((i for i, day in enumerate(days) if not _DATE_CELL.fullmatch(day)), None)
        if bad is not None:
            raise table.fail(bad, f"{cols.date.name}: {days[bad]!r} is not a date (YYYY-MM-DD)")
        cells = [c if "-" in c[:5] else f"{d} {c}" for d, c in zip(days, cells, strict=True)]
    stamps = pd.to_datetime(
        pd.Series([c if "-" in c[:5] else f"2000-01-01 {c}" for c in cells]),
        format="ISO8601",
        utc=True,
    )
    start = stamps.min()
    table.block.values[:, at] = (stamps - start).dt.total_seconds().to_numpy(np.float64)
    meta["start_time"] = cells[int(np.argmin(stamps.to_numpy()))]
    meta["time_from"] = "dates and times"
    seconds = dataclasses.replace(cols.time, unit="s")
    cols.plan = ColumnPlan(tuple(seconds if c is cols.time else c for c in cols.plan.columns))


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
        kind = column.type
        numeric = pa.types.is_floating(kind) or pa.types.is_integer(kind) or pa.types.is_null(kind)
        if k == cols.side or (k in cols.text and not numeric):
            text[k] = ["" if v is None else str(v) for v in column.to_pylist()]
            continue
        if not numeric:
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
    suffix = table.cols.unit(side_key)
    if suffix is not None:
        return suffix
    return table.settings.fields.get("unit", "raw").lower()


def _single_side(
    table: _Table, layouts: Mapping[str, SensorLayout] | None, problems: list[str]
) -> SideName:
    """The foot of sensor columns whose names give none (module docstring: the ``side``
    setting, a layout file with one foot, else the left foot as in line mode)."""
    given = table.settings.get("side")
    if given is not None:
        if given.strip().lower() not in _SIDES:
            raise table.setting_error("side", f"{given!r} is not 'left' or 'right'")
        return "left" if given.strip().lower() == "left" else "right"
    if layouts is not None and len(layouts) == 1:
        (only,) = layouts
        return "left" if only == "left" else "right"
    if layouts is None:
        problems.append(
            f"{UNSTATED_SIDE} (its sensor columns name none): read as the left foot (a "
            "'# side: right' line at the top, or --side right, says otherwise)"
        )
        return "left"
    raise FileFormatError(
        table.path,
        "the sensor columns do not say which foot they are, but which? The layout file is for "
        "both feet. Add a '# side: left' (or right) line at the top, or a layout file with a "
        "side column",
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


#: rows of a time column whose values decide its unit when its name does not
TIME_UNIT_ROWS = 1000


def _time_s(
    table: _Table,
    rows: IntArray,
    meta: dict[str, Any],
    restarts: tuple[dict[str, int], list[str]] | None = None,
) -> FloatArray:
    """The time column in s at ``rows`` (in time order), its unit from its name or, for
    ``t``, ``time``, ``timestamp`` ..., from its values (module docstring); the unit used is
    recorded in ``meta``. With ``restarts`` (a wide table's quality and problems), a clock
    that restarted is joined (``_splice_restarts``), counted and said."""
    column = table.cols.time
    assert column is not None
    ticks = table.block.values[rows, column.index]
    unit = column.unit
    meta["time_column"] = column.name
    meta["time_unit_from"] = meta.get("time_from") or ("name" if unit is not None else "values")
    if unit is None:
        unit = infer_time_unit(ticks[:TIME_UNIT_ROWS].tolist())
    meta["time_unit"] = unit
    if restarts is not None:
        ticks, starts = _splice_restarts(ticks)
        if starts:
            quality, problems = restarts
            quality["clock_restarts"] = len(starts)
            line = table.block.line_numbers[int(rows[starts[0]])]
            where = f"line {line}" if table.rows_are_lines else f"row {line}"
            problems.append(
                f"the {column.name} clock restarted {len(starts)} time"
                f"{'s' if len(starts) > 1 else ''} (first at {where}: a board reset?): each "
                "part is placed one sampling period after the one before"
            )
    scale = TIME_UNIT_S[unit]
    return ticks if scale == 1.0 else ticks * scale


#: a time that falls back by more than this many sampling periods is the clock restarting (a
#: board reset, a millis() wrap), not a row written late: rows written as they come are out of
#: place by a few periods at most
RESTART_PERIODS = 50


def _splice_restarts(ticks: FloatArray) -> tuple[FloatArray, list[int]]:
    """A time column (in row order) whose clock restarted, joined into one time axis: each part
    after a fall of more than ``RESTART_PERIODS`` periods (the median forward step) is moved to
    start one period after the latest time before it, as line mode joins a restarted
    ``millis()``. Returns the ticks (unchanged when the clock never restarted) and the row
    positions where the parts begin. Parts too short to be a run of the clock are left for
    sorting (a shuffled table, not a restart)."""
    steps = np.diff(ticks)
    forward = steps[steps > 0]
    if not forward.size:
        return ticks, []
    period = float(np.median(forward))
    starts = (np.flatnonzero(steps < -RESTART_PERIODS * period) + 1).tolist()
    bounds = [0, *starts, len(ticks)]
    if not starts or min(np.diff(bounds)) < RESTART_PERIODS:
        return ticks, []
    out = ticks.astype(np.float64, copy=True)
    for a, b in itertools.pairwise(bounds[1:]):
        out[a:b] += float(out[:a].max()) + period - float(out[a:b].min())
    return out, starts


def _longest_run_in_order(key: FloatArray) -> int:
    """The length of the longest increasing subsequence of ``key``: the rows that stay where
    they are; the others are the fewest that sorting moves."""
    tails: list[float] = []
    for value in key.tolist():
        at = bisect.bisect_left(tails, value)
        if at == len(tails):
            tails.append(value)
        else:
            tails[at] = value
    return len(tails)


def _frame_order(
    table: _Table, quality: dict[str, int], problems: list[str], meta: dict[str, Any]
) -> IntArray:
    """The rows of a wide table in frame order: sorted by the frame (sequence) column when
    there is one, else by time; exact repeats of a row dropped. Counts go to ``quality``
    (``rows_out_of_order``: the fewest rows sorting moves; ``duplicate_rows``) and
    ``problems``. FileFormatError at the line of an empty key cell or of a frame or time that
    comes twice with other values."""
    cols, block = table.cols, table.block
    n = len(block.values)
    everything = np.arange(n)
    column = cols.sequence or cols.time
    if column is None:
        return everything
    key = block.values[:, column.index]
    empty = np.isnan(key)
    if empty.any():
        raise table.fail(int(np.argmax(empty)), f"empty {column.name} cell")
    if column is cols.sequence:
        meta["sequence_column"] = column.name
        span = float(key.max() - key.min())
        if span > 0:
            # a frame counter that wraps (uint8, uint16) counts on past its top
            key = np.unwrap(key, period=float(key.max()) + 1.0)
    else:
        key = _splice_restarts(key)[0]  # a restarted clock's parts stay apart (_time_s)
    order = np.argsort(key, kind="stable")
    ordered = key[order]
    repeats = np.flatnonzero(np.diff(ordered) == 0)
    dropped: list[int] = []
    for k in repeats.tolist():
        first, again = sorted((int(order[k]), int(order[k + 1])))
        same = np.array_equal(block.values[first], block.values[again], equal_nan=True) and all(
            cells[first] == cells[again] for cells in block.text.values()
        )
        if not same:
            what = f"{column.name} {ordered[k]:g} appears twice with other values"
            line = block.line_numbers[first]
            where = f"first at line {line}" if table.rows_are_lines else f"first in row {line}"
            if column is cols.time:
                raise table.fail(again, f"time does not increase: {what} ({where})")
            raise table.fail(again, f"{what} ({where})")
        dropped.append(k + 1)
    if dropped:
        order = np.delete(order, dropped)
        quality["duplicate_rows"] = len(dropped)
        problems.append(f"{len(dropped)} rows repeated an earlier row exactly: dropped")
    in_order = bool(np.all(np.diff(order) > 0))
    if not in_order:
        kept = np.sort(order)
        moved = len(kept) - _longest_run_in_order(key[kept])
        quality["rows_out_of_order"] = moved
        problems.append(f"{moved} rows were out of order: sorted by {column.name}")
    return order.astype(np.intp)


def _extra_values(table: _Table, column: Column) -> FloatArray | None:
    """An extra column's numbers (NaN where empty), or None when a cell is not a number."""
    cells = table.block.text.get(column.index)
    if cells is None:
        return table.block.values[:, column.index]
    try:
        return np.array([float(c) if c.strip() else np.nan for c in cells], dtype=np.float64)
    except ValueError:
        return None


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
        else:
            meta["layout_help"] = layout_help(path)

    unit_setting = table.settings.get("unit")
    if unit_setting is not None and unit_setting.lower() not in UNITS:
        raise table.setting_error("unit", f"{unit_setting!r} is not one of {', '.join(UNITS)}")

    quality: dict[str, int] = {"rows": len(values)}
    # per foot: its rows, its sensor columns, and its key in cols.sensors / cols.total
    feet: dict[SideName, tuple[IntArray, IntArray, str | None]] = {}
    time = np.full(len(values), np.nan)
    if cols.tidy:
        assert cols.side is not None and cols.time is not None
        everything = np.arange(len(values))
        empty = np.isnan(values[:, cols.time.index])
        if empty.any():
            raise table.fail(int(np.argmax(empty)), f"empty {cols.time.name} cell")
        time = _time_s(table, everything, meta)
        sides = [cell.strip().lower() for cell in block.text[cols.side]]
        for i, cell in enumerate(sides):
            if cell not in _SIDE_CELLS:
                raise table.fail(i, f"side: {block.text[cols.side][i]!r} is not 'left' or 'right'")
        foot_of = np.array([_SIDES[0] if cell[0] == "l" else _SIDES[1] for cell in sides])
        sensor_cols = np.array([c.index for c in cols.sensors[None]])
        for side in _SIDES:
            rows = np.flatnonzero(foot_of == side)
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
        order = _frame_order(table, quality, problems, meta)
        if cols.time is None:
            rate = table.rate("sampling_rate_hz")
            if rate is None:
                raise FileFormatError(
                    path,
                    "no time column (time_s, time_ms, millis, t ...) and no "
                    "'# sampling_rate_hz: N' setting: the frames have no time",
                )
            if cols.sequence is not None:  # frame numbers: a lost frame leaves its gap
                frames = values[order, cols.sequence.index]
                frames = np.unwrap(frames, period=float(frames.max()) + 1.0)
                time[order] = (frames - frames[0]) / rate
            else:
                time[order] = np.arange(len(order)) / rate
        else:
            empty = np.isnan(values[:, cols.time.index])
            if empty.any():
                raise table.fail(int(np.argmax(empty)), f"empty {cols.time.name} cell")
            time[order] = _time_s(table, order, meta, (quality, problems))
            _check_rows(table, time[order], order)
        for key, named in cols.sensors.items():
            side = "left" if key == "left" else "right"
            if key is None:
                side = _single_side(table, layouts, problems)
                meta["side_from"] = "side setting" if "side" in table.settings else "layout"
                if layouts is None and "side" not in table.settings:
                    meta["side_from"] = "default (left)"
            feet[side] = (order, np.array([c.index for c in named]), key)

    extras: dict[int, FloatArray] = {}
    ignored = []
    for column in cols.extras:
        numbers = _extra_values(table, column)
        if numbers is None:
            ignored.append(column.name)
        else:
            extras[column.index] = numbers
    recordings: dict[str, FootRecording] = {}
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
        extra: dict[str, FloatArray] = {}
        if cols.sequence is not None:
            extra[cols.sequence.name] = values[rows, cols.sequence.index]
        for column in cols.extras:
            if column.index in extras and column.side in (None, side):
                # ``vendor.<name>``: a reader's own column, written by ``pressure convert``
                extra[column.name.removeprefix(VENDOR_PREFIX)] = extras[column.index][rows]
        vendor = {name: column for name, column in extra.items() if not np.isnan(column).all()}
        total = values[rows, cols.total[key]] if key in cols.total else None
        if total is not None and np.isnan(total).all():  # the other foot's column
            total = None
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
            total_force_n=total,
            vendor=vendor,
        )
    if ignored:
        meta["ignored_columns"] = ignored
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
    "read",
    "read_layout_text",
    "write_table",
]
