"""The one table writer: any session as the tidy table ``pressure convert`` writes (CSV or
Parquet), which the generic table reader (``pressure.io.readers.generic_csv``, whose docstring
describes the columns) reads back as the same session. Every write is atomic
(``pressure.io.atomic``)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import FileFormatError, OutputError, UsageError
from ..layout import SensorLayout
from ..model import FloatArray, FootRecording, Session
from .atomic import EXISTS, write_atomically
from .layout_file import layout_text
from .text import sampling_rate_hz

SUFFIXES = (".csv", ".parquet")
#: Parquet schema metadata keys: the layout CSV text, and JSON about the session.
LAYOUT_KEY = b"pressure.layout"
META_KEY = b"pressure"
#: the project's own per-frame columns (``FootRecording.vendor``) a table carries
VENDOR_COLUMNS = ("seq", "device_time_s")
#: the prefix of the other per-frame vendor columns in a written table
VENDOR_PREFIX = "vendor."
_SIDES = ("left", "right")


def table_rate_hz(time_s: FloatArray) -> float | None:
    """The rate a table's times show (``sampling_rate_hz``), a value within 1e-9 of a number
    with at most six decimals taken as that number: times printed in decimal put the median
    interval a few ulps off (16 ms steps give 62.49999999999994 Hz, not 62.5)."""
    rate = sampling_rate_hz(time_s)
    if rate is None:
        return None
    rounded = round(rate, 6)
    return rounded if abs(rate - rounded) <= 1e-9 * rate else rate


#: decimals of the times (``time_s``, ``device_time_s``) in a CSV ``write_table`` writes: 1 µs
TIME_DECIMALS = 6


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def write_table(session: Session, path: str | Path, *, overwrite: bool = True) -> None:
    """Write ``session`` as the tidy table of the module docstring: ``OUT.csv`` (with the
    layouts in ``OUT.layout.csv`` beside it) or ``OUT.parquet`` (layouts and session facts in
    the schema metadata), so that ``read`` gives the same feet back: times, values (NaN as
    empty cells), units, rates, layouts, total forces and the ``seq`` and ``device_time_s``
    vendor columns of the project's own recordings.

    Columns: ``time_s``, ``side``, ``seq`` and ``device_time_s`` when a foot has them,
    ``total_force_n`` when a foot has one, then ``sensor_<k>_<unit>`` (``k`` zero-padded to
    the widest number). Rows in time order, the left foot first at equal times. A CSV gets
    ``#`` setting lines only where the table alone would not give the session back: a rate
    other than the one the written times show (``table_rate_hz``; written as
    ``<side>.sampling_rate_hz``), a foot without layout whose last sensors are empty in every
    frame (``<side>.n_sensors``); usually there are none and the file is a plain CSV table.
    Every other per-frame vendor column (a maker board's IMU channels and frame counter, a
    Moticon export's acceleration, an XSENSOR export's regional values) is written after those
    as ``vendor.<name>`` (empty for a foot without it), so that it reads back under its name;
    vendor events are not written.

    Numbers in a CSV: values are written as the shortest text that reads back as the same
    float64 (``50.3``, not ``50.300000000000004``; a column of whole numbers without ``.0``).
    Times, which are sums of periods or clock fits and carry noise digits
    (``0.019191596999999838``), are rounded to ``TIME_DECIMALS`` decimals, 1 µs (``0.019192``),
    far below any sampling period; should that make two frames of a foot share a time, the
    times are written in full instead. A CSV therefore reads back with times within 0.5 µs, a
    Parquet file exactly.

    Files appear whole or not at all (``pressure.io.atomic``): the table and its layout file
    are written under no name and given their names when both are complete (the table
    first), and a stale ``OUT.layout.csv`` is removed when the session has no layout.
    ``overwrite=False`` never replaces an existing ``OUT`` (UsageError). Raises
    FileFormatError when the feet are in different units (one table holds one unit) or there
    is no foot, OutputError when the file cannot be written, UsageError for a suffix other
    than ``.csv``/``.parquet``.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise UsageError(
            f"{path}: a table is written as .csv or .parquet, not {suffix or 'no suffix'!r}"
        )
    feet = [session.feet[s] for s in _SIDES if s in session.feet]
    if not feet:
        raise FileFormatError(path, "the session has no foot to write")
    units = sorted({f.unit for f in feet})
    if len(units) > 1:
        raise FileFormatError(
            path, f"the feet are in different units ({', '.join(units)}): one table holds one unit"
        )
    unit = units[0]
    n_max = max(f.n_sensors for f in feet)
    width = len(str(n_max))
    names = [f"sensor_{k:0{width}d}_{unit}" for k in range(1, n_max + 1)]
    total_rows = sum(f.n_frames for f in feet)
    time = np.concatenate([f.time_s for f in feet])
    side_code = np.concatenate([np.full(f.n_frames, _SIDES.index(f.side)) for f in feet])
    values = np.full((total_rows, n_max), np.nan)
    totals = np.full(total_rows, np.nan)
    vendor = {
        name: np.full(total_rows, np.nan)
        for name in VENDOR_COLUMNS
        if any(_vendor_column(f, name) is not None for f in feet)
    }
    # the other per-frame vendor columns, in the order the feet have them
    others = [
        name
        for f in feet
        for name in f.vendor
        if name not in VENDOR_COLUMNS and _vendor_column(f, name) is not None
    ]
    extra = {
        f"{VENDOR_PREFIX}{name}": np.full(total_rows, np.nan) for name in dict.fromkeys(others)
    }
    at = 0
    for f in feet:
        rows = slice(at, at + f.n_frames)
        values[rows, : f.n_sensors] = f.values
        if f.total_force_n is not None:
            totals[rows] = f.total_force_n
        for name, column in vendor.items():
            given = _vendor_column(f, name)
            if given is not None:
                column[rows] = given
        for name, column in extra.items():
            given = _vendor_column(f, name[len(VENDOR_PREFIX) :])
            if given is not None:
                column[rows] = given
        at += f.n_frames
    order = np.lexsort((side_code, time))

    import pandas as pd

    columns: dict[str, Any] = {"time_s": time[order], "side": np.array(_SIDES)[side_code[order]]}
    columns.update({name: column[order] for name, column in vendor.items()})
    if any(f.total_force_n is not None for f in feet):
        columns["total_force_n"] = totals[order]
    columns.update({name: column[order] for name, column in extra.items()})
    table = pd.concat([pd.DataFrame(columns), pd.DataFrame(values[order], columns=names)], axis=1)
    if "seq" in table and _whole(table["seq"].to_numpy()):
        table["seq"] = table["seq"].astype("Int64")

    layouts: dict[str, SensorLayout] = {f.side: f.layout for f in feet if f.layout is not None}
    try:
        if suffix == ".csv":
            _write_csv(table, feet, layouts, path, overwrite)
        else:
            _write_parquet(session, feet, table, layouts, path, overwrite)
    except FileExistsError:
        raise UsageError(f"{path}: {EXISTS}") from None
    except OSError as exc:
        raise OutputError(path, f"cannot write: {exc.strerror or exc}") from None


def _vendor_column(foot: FootRecording, name: str) -> FloatArray | None:
    column = foot.vendor.get(name)
    return column if column is not None and len(column) == foot.n_frames else None


def _whole(column: FloatArray) -> bool:
    """Whether every number of ``column`` is a whole number that int64 holds exactly."""
    given = column[~np.isnan(column)]
    return bool(np.all(given == np.round(given)) and np.all(np.abs(given) < 2.0**53))


def _csv_times(table: Any, feet: Sequence[FootRecording]) -> Any:
    """``table`` (changed in place) with its time columns rounded to ``TIME_DECIMALS``
    (``write_table``), where that keeps each foot's ``time_s`` increasing, and its columns of
    whole numbers as integers."""
    rounded = np.round(table["time_s"].to_numpy(), TIME_DECIMALS)
    sides = table["side"].to_numpy()
    if all(np.all(np.diff(rounded[sides == f.side]) > 0) for f in feet):
        table["time_s"] = rounded
    if "device_time_s" in table:
        table["device_time_s"] = np.round(table["device_time_s"].to_numpy(), TIME_DECIMALS)
    for name in table.columns:  # whole numbers without ".0"
        numbers = name not in ("time_s", "side", "device_time_s")
        if numbers and table[name].dtype == np.float64 and _whole(table[name].to_numpy()):
            table[name] = table[name].astype("Int64")
    return table


def _write_csv(
    table: Any,
    feet: Sequence[FootRecording],
    layouts: Mapping[str, SensorLayout],
    path: Path,
    overwrite: bool,
) -> None:
    try:
        layout = layout_text(dict(layouts)) if layouts else None
    except ValueError as exc:  # a layout the layout file cannot hold
        raise FileFormatError(path, f"cannot write the layout: {exc}") from None
    table = _csv_times(table, feet)
    times, sides = table["time_s"].to_numpy(np.float64), table["side"].to_numpy()
    written: dict[str, FloatArray] = {f.side: times[sides == f.side] for f in feet}
    settings = _needed_settings(feet, layouts, written)
    layout_file = path.with_name(f"{path.name[: -len(path.suffix)]}.layout.csv")

    def write(temporary: Path) -> None:
        with temporary.open("w", encoding="utf-8", newline="") as out:
            out.writelines(f"# {key}: {value}\n" for key, value in settings.items())
            table.to_csv(out, index=False, lineterminator="\n")

    if layout is None:
        write_atomically(path, write, overwrite=overwrite)
        layout_file.unlink(missing_ok=True)
        return

    def write_both(temporary: Path) -> None:
        temporary.write_text(layout, encoding="utf-8")
        write_atomically(path, write, overwrite=overwrite)

    # both files are written before either appears; the table first, so that a table that
    # may not be replaced keeps its layout file too
    write_atomically(layout_file, write_both)


def _needed_settings(
    feet: Sequence[FootRecording],
    layouts: Mapping[str, SensorLayout],
    written: Mapping[str, FloatArray],
) -> dict[str, str]:
    """The CSV settings without which ``read`` would not give these feet back from the
    ``written`` times."""
    settings: dict[str, str] = {}
    for f in feet:
        if table_rate_hz(written[f.side]) != f.sampling_rate_hz:
            settings[f"{f.side}.sampling_rate_hz"] = repr(float(f.sampling_rate_hz))
        if f.side not in layouts:
            filled = ~np.isnan(f.values).all(axis=0)
            last = int(np.flatnonzero(filled)[-1]) + 1 if filled.any() else 0
            if last != f.n_sensors:
                settings[f"{f.side}.n_sensors"] = str(f.n_sensors)
    return settings


def _write_parquet(
    session: Session,
    feet: Sequence[FootRecording],
    table: Any,
    layouts: Mapping[str, SensorLayout],
    path: Path,
    overwrite: bool,
) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    info = {
        "format": session.format,
        "source": str(session.path),
        "feet": {
            f.side: {
                "sampling_rate_hz": f.sampling_rate_hz,
                "n_sensors": f.n_sensors,
                "unit": f.unit,
            }
            for f in feet
        },
        "metadata": session.metadata,
    }
    arrow = pa.Table.from_pandas(table, preserve_index=False)
    schema_meta = dict(arrow.schema.metadata or {})
    schema_meta[META_KEY] = json.dumps(info, default=_jsonable).encode()
    if layouts:
        try:
            schema_meta[LAYOUT_KEY] = layout_text(dict(layouts)).encode()
        except ValueError as exc:  # a layout the layout file cannot hold
            raise FileFormatError(path, f"cannot write the layout: {exc}") from None
    arrow = arrow.replace_schema_metadata(schema_meta)
    write_atomically(path, lambda temporary: pq.write_table(arrow, temporary), overwrite=overwrite)


__all__ = ["LAYOUT_KEY", "META_KEY", "SUFFIXES", "TIME_DECIMALS", "table_rate_hz", "write_table"]
