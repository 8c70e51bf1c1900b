"""What the columns of a home-made insole's output mean (PROTOCOL.md §5.2).

One classifier for two places that must agree: the line-mode decoder (a board printing
``millis(),v1,...,v16`` or a header line such as ``t, ax, ay, az, L, M, H``) and the generic CSV
reader (a board's SD-card log such as ``time_ms,frame_id,R_ch0..R_ch15,L_ch0..L_ch15,flags``).

A column name is, in this order of precedence (case and surrounding blanks ignored):

* **time**: ``t``, ``time``, ``timestamp``, ``ts``, ``elapsed`` (unit unknown: inferred from the
  data, ``infer_time_unit``); ``millis``, ``ms``; ``micros``, ``us``; and any of those words
  followed by a unit suffix ``_s``, ``_ms``, ``_us`` (``time_ms``, ``t_us``, ``timestamp_s``);
* **sequence**: a frame or sample counter (``frame``, ``frame_id``, ``seq``, ``sample``,
  ``index``, ``counter`` ...);
* **side**: ``side`` or ``foot``, a column whose values say the foot of each row;
* **total_force**: ``total_force_n`` (``left_total_force_n``, ``L_total_force_n``);
* **extra**: a per-frame value that is not a pressure sensor: accelerometer, gyroscope,
  magnetometer and orientation channels (``ax``, ``acc_x``, ``gyro_z``, ``mag_y``, ``qw``,
  ``roll``), ``flags``, ``status``, ``battery``, ``temperature``, ``rssi``, ``button``,
  ``marker`` ... (a side prefix is allowed: ``L_ax``), and ``vendor.<name>``, a reader's own
  per-frame column as ``pressure convert`` writes it;
* **sensor**: everything else. A side comes from a prefix followed by a number (``L1``,
  ``L_ch0``, ``R_value4``, ``left_3``, ``right-fsr2``), from the words ``left``/``right`` alone or
  as a prefix (``left_heel``), and from bare ``L`` and ``R`` only when both are columns (``t,L,R``:
  one sensor per foot; in ``t,L,M,H`` the ``L`` is a sensor named L). When any sensor column
  names its foot, a column that names none is an extra, not a sensor; likewise, when sensor
  columns are numbered (``v1..v16``), a column with neither a number nor a foot in its name
  (``note``) is an extra. A unit suffix (``_kpa``, ``_n_cm2``, ``_n``, ``_adc``, ``_raw``)
  gives the sensor's unit.

An extra's ``side`` is the foot its prefix names (``L_ax``, ``right_battery``), else None (it
belongs to every foot of the row).

Sensors of one foot are in the order of the numbers in their names when every one has a number,
else in column order.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Role = Literal["time", "sequence", "side", "sensor", "total_force", "extra"]
SideName = Literal["left", "right"]
TimeUnit = Literal["s", "ms", "us"]

#: seconds per tick of each time unit
TIME_UNIT_S: dict[str, float] = {"s": 1.0, "ms": 1e-3, "us": 1e-6}

_TIME_WORDS = ("t", "time", "timestamp", "ts", "elapsed", "clock")
_TIME_ALONE: dict[str, TimeUnit | None] = {
    **{word: None for word in _TIME_WORDS},
    "millis": "ms",
    "ms": "ms",
    "micros": "us",
    "us": "us",
    "µs": "us",
    "sec": "s",
    "seconds": "s",
}
_TIME = re.compile(
    r"(?P<word>t|time|timestamp|ts|elapsed|clock|millis|micros)[_ \-.]?"
    r"\(?(?P<unit>s|sec|ms|us|µs)\)?"
)
_SEQUENCE = re.compile(
    r"(frame|sample|packet|line|record)([_ \-.]?(id|no|nr|num|number|index|idx|count))?"
    r"|seq|sequence|seq[_ \-.]?(no|num|nr)|index|idx|counter|count|cnt|n"
)
_UNIT = r"(?:[_ \-.](?P<unit>kpa|n_cm2|n|adc|raw))?"
_TOTAL = re.compile(r"((?P<side>l|r|left|right)[_ \-.]?)?total[_ \-.]?force[_ \-.]?n")
# IMU and housekeeping channels; an optional side prefix and an optional axis or index
_EXTRA = re.compile(
    r"vendor\.[a-z0-9_\-.]+"  # a reader's per-frame column, as ``pressure convert`` writes it
    r"|((l|r|left|right)[_ \-.])?"
    r"(a|g|m|acc|accel|gyr|gyro|mag|quat|q|euler|lin|grav)[_ \-.]?[xyzw]\d?"
    r"|((l|r|left|right)[_ \-.])?"
    r"(roll|pitch|yaw|heading|flags?|status|state|battery|batt|vbat|voltage|temp|temperature"
    r"|rssi|button|btn|marker|event|trigger|checksum|crc|err|error|mode|id|device|device_id"
    r"|heart_?rate|hr|steps?|step_count)\d*(?:[_ \-.][a-z0-9]+)*"
)
_EXTRA_SIDE = re.compile(r"(l|r|left|right)[_ \-.]")
# a one-letter side prefix only before a sensor word or a number (``L3``, ``R_ch0``,
# ``l_fsr2``), so that ``rear3`` or ``lat1`` stay unsided
_SENSOR_WORD = (
    r"(?:ch|chan|channel|s|sen|sensor|fsr|v|val|value|p|pres|pressure|c|cell|a|adc|f|force)?"
)
_SIDED = re.compile(
    r"(?:(?P<side>left|right)[_ \-.]?(?:[a-z_]*?)|(?P<letter>l|r)[_ \-.]?" + _SENSOR_WORD + ")"
    r"[_ \-.]?(?P<number>\d+)" + _UNIT
)
_SIDE_WORD = re.compile(r"(?P<side>left|right)(?:[_ \-.](?P<stem>[a-z][a-z0-9_]*?))?" + _UNIT)
_NUMBERED = re.compile(r"(?P<stem>[a-z_]*?)[_ \-.]?(?P<number>\d+)" + _UNIT)
_UNIT_ONLY = re.compile(r"(?P<stem>.+?)" + _UNIT)
_IDENTIFIER = re.compile(r"[A-Za-z_µ][A-Za-z0-9_\-()µ/]*")


@dataclass(frozen=True)
class Column:
    """One column: its position in a row, its name as written, and what it holds.

    ``side`` is the foot its name gives (None: not named; the sensors then belong to the default
    side). ``number`` is the sensor number in the name, if any. ``unit``: for time ``"s"``,
    ``"ms"``, ``"us"`` or None (infer it); for a sensor or a total force the unit suffix of its
    name (``"kpa"``, ``"n_cm2"``, ``"n"``, ``"adc"``, ``"raw"``) or None.
    """

    index: int
    name: str
    role: Role
    side: SideName | None = None
    number: int | None = None
    unit: str | None = None


@dataclass(frozen=True)
class ColumnPlan:
    """The meaning of every column of a header."""

    columns: tuple[Column, ...]

    def _first(self, role: Role) -> Column | None:
        return next((c for c in self.columns if c.role == role), None)

    @property
    def time(self) -> Column | None:
        """The time column, or None."""
        return self._first("time")

    @property
    def sequence(self) -> Column | None:
        """The frame or sample counter column, or None."""
        return self._first("sequence")

    @property
    def extras(self) -> list[Column]:
        """Per-frame columns that are not pressure sensors (IMU, flags ...), in column order."""
        return [c for c in self.columns if c.role == "extra"]

    @property
    def sided(self) -> bool:
        """Whether any sensor column names its foot."""
        return any(c.role == "sensor" and c.side is not None for c in self.columns)

    def sensors(self, side: SideName, default_side: SideName = "left") -> list[Column]:
        """The sensor columns of one foot in sensor order; unsided sensors belong to
        ``default_side``.

        Parameters
        ----------
        side : "left" or "right"
            The foot.
        default_side : "left" or "right"
            The foot of sensor columns whose names give none.

        Returns
        -------
        list of Column
            By the numbers in their names when each has one, else in column order.
        """
        mine = [c for c in self.columns if c.role == "sensor" and (c.side or default_side) == side]
        if mine and all(c.number is not None for c in mine):
            mine.sort(key=lambda c: (c.number, c.index))
        return mine

    def total_force(self, side: SideName, default_side: SideName = "left") -> Column | None:
        """The device's own total-force column of one foot, or None."""
        return next(
            (
                c
                for c in self.columns
                if c.role == "total_force" and (c.side or default_side) == side
            ),
            None,
        )


def _side(text: str) -> SideName:
    return "left" if text[0] == "l" else "right"


def _one(index: int, name: str, bare_pair: bool) -> Column:
    key = name.strip().lower()
    if key in _TIME_ALONE:
        return Column(index, name, "time", unit=_TIME_ALONE[key])
    if match := _TIME.fullmatch(key):
        unit = match["unit"].replace("µ", "u")
        return Column(index, name, "time", unit="s" if unit == "sec" else unit)
    if _SEQUENCE.fullmatch(key):
        return Column(index, name, "sequence")
    if key in ("side", "foot"):
        return Column(index, name, "side")
    if match := _TOTAL.fullmatch(key):
        side = _side(match["side"]) if match["side"] else None
        return Column(index, name, "total_force", side=side, unit="n")
    if _EXTRA.fullmatch(key):
        prefix = _EXTRA_SIDE.match(key)
        return Column(index, name, "extra", side=_side(prefix[1]) if prefix else None)
    if key in ("l", "r"):
        side = _side(key) if bare_pair else None
        return Column(index, name, "sensor", side=side)
    if match := _SIDED.fullmatch(key):
        side = _side(match["side"] or match["letter"])
        return Column(index, name, "sensor", side, int(match["number"]), match["unit"])
    if match := _SIDE_WORD.fullmatch(key):
        return Column(index, name, "sensor", _side(match["side"]), unit=match["unit"])
    if match := _NUMBERED.fullmatch(key):
        return Column(index, name, "sensor", number=int(match["number"]), unit=match["unit"])
    match = _UNIT_ONLY.fullmatch(key)
    return Column(index, name, "sensor", unit=match["unit"] if match else None)


def classify_columns(names: Sequence[str]) -> ColumnPlan:
    """The meaning of each column of a header (module docstring).

    Parameters
    ----------
    names : sequence of str
        The column names in row order.

    Returns
    -------
    ColumnPlan
        One Column per name.

    Raises
    ------
    ValueError
        When a name is empty or given twice, there are two time columns, or no column is a
        sensor; the message says which.
    """
    keys = [n.strip().lower() for n in names]
    seen: dict[str, int] = {}
    for k, key in enumerate(keys):
        if not key:
            raise ValueError(f"column {k + 1} has no name")
        if key in seen:
            raise ValueError(f"column {names[k].strip()!r} appears twice")
        seen[key] = k
    bare_pair = "l" in seen and "r" in seen
    columns = tuple(_one(k, name.strip(), bare_pair) for k, name in enumerate(names))
    if any(c.role == "sensor" and c.side is not None for c in columns):
        # a table that names its feet: a column naming neither is no foot's sensor
        columns = tuple(
            Column(c.index, c.name, "extra") if c.role == "sensor" and c.side is None else c
            for c in columns
        )
    elif any(c.role == "sensor" and c.number is not None for c in columns):
        # numbered sensors (v1..v16): a column with no number is no sensor of theirs
        columns = tuple(
            Column(c.index, c.name, "extra") if c.role == "sensor" and c.number is None else c
            for c in columns
        )
    times = [c for c in columns if c.role == "time"]
    if len(times) > 1:
        raise ValueError(f"two time columns ({times[0].name!r} and {times[1].name!r})")
    if not any(c.role == "sensor" for c in columns):
        raise ValueError("no sensor column")
    for side in ("left", "right", None):
        numbers = [
            c.number
            for c in columns
            if c.role == "sensor" and c.side == side and c.number is not None
        ]
        if len(numbers) != len(set(numbers)):
            twice = sorted({n for n in numbers if numbers.count(n) > 1})
            foot = f"{side} " if side else ""
            raise ValueError(f"{foot}sensor {twice[0]} appears twice")
    return ColumnPlan(columns)


def known_extra(name: str) -> bool:
    """Whether ``name`` is one of the extras of the module docstring (IMU, orientation and
    housekeeping channels such as ``acc_x``, ``flags``, ``battery_mv``), as opposed to a
    column that ``classify_columns`` makes an extra only because it is no sensor of a table
    whose sensors name their foot or number (``note``, ``sole_id``).

    Parameters
    ----------
    name : str
        A column name (case and surrounding blanks ignored).

    Returns
    -------
    bool
    """
    return _EXTRA.fullmatch(name.strip().lower()) is not None


def is_header(fields: Sequence[str]) -> bool:
    """Whether a line's fields are column names rather than values or boot text.

    Every field must be a name (a letter or underscore, then letters, digits, ``_ - ( ) /``),
    and there must be at least two. Boot text rarely passes (``[SD] init failed``,
    ``card initialized.``); what does is taken as a header only when the sample lines that
    follow have as many fields (the decoder checks that).
    """
    return len(fields) >= 2 and all(_IDENTIFIER.fullmatch(f.strip()) for f in fields)


#: rows looked at to decide that a first column is a clock
CLOCK_ROWS = 4
#: the spread of its steps that a clock may have: sketches print ``millis()`` from a loop with a
#: ``delay`` or a busy ``while``, so steps vary by a tick or two (10, 10, 11, 10 ms at 100 Hz;
#: 55, 56, 55 ms at 18 Hz) but not by a factor
_CLOCK_SPREAD = 2.0


def looks_like_clock(values: Sequence[float]) -> bool:
    """Whether the first values of a column increase like a clock: at least ``CLOCK_ROWS``
    finite values, each step positive, and the largest step at most twice the smallest (a
    rising sensor reading is rarely that regular).

    Parameters
    ----------
    values : sequence of float
        The column's first values in row order.

    Returns
    -------
    bool
    """
    if len(values) < CLOCK_ROWS or not all(math.isfinite(v) for v in values):
        return False
    steps = [b - a for a, b in itertools.pairwise(values)]
    if min(steps) <= 0:
        return False
    return max(steps) <= _CLOCK_SPREAD * min(steps)


#: without host times: a step of more than this many ticks is a microsecond clock (a
#: millisecond clock would tick at under 4 Hz, a microsecond one runs at under 4 kHz)
US_STEP_TICKS = 250.0


def infer_time_unit(ticks: Sequence[float], host_span_s: float | None = None) -> TimeUnit:
    """The unit of a clock column whose name does not say it.

    Parameters
    ----------
    ticks : sequence of float
        The column's values, in row order (at least two).
    host_span_s : float, optional
        The host's time between the first and the last of these rows (a recording's receipts).
        When given, the unit is the one whose span is nearest to it (on a log scale).

    Returns
    -------
    "s", "ms" or "us"
        Values with a fraction are seconds. Otherwise, without host times, a median step of
        more than ``US_STEP_TICKS`` ticks means microseconds, else milliseconds.
    """
    if len(ticks) < 2:
        return "ms"
    span = float(ticks[-1]) - float(ticks[0])
    if host_span_s is not None and host_span_s > 0 and span > 0:
        units: tuple[TimeUnit, ...] = ("s", "ms", "us")
        return min(units, key=lambda unit: abs(math.log(span * TIME_UNIT_S[unit] / host_span_s)))
    if any(float(t) != math.floor(float(t)) for t in ticks):
        return "s"
    steps = sorted(float(b) - float(a) for a, b in itertools.pairwise(ticks))
    median = steps[len(steps) // 2]
    return "us" if median > US_STEP_TICKS else "ms"


__all__ = [
    "CLOCK_ROWS",
    "TIME_UNIT_S",
    "US_STEP_TICKS",
    "Column",
    "ColumnPlan",
    "classify_columns",
    "infer_time_unit",
    "is_header",
    "known_extra",
    "looks_like_clock",
]
