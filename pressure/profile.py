"""An insole profile: what a maker writes once per home-made board, in a small TOML file.

A board with force-sensing resistors on an Arduino or ESP32 prints numbers; what they mean (which
column is which foot, whether a reading falls under load, where each sensor sits, how counts turn
into newtons) is known to its maker, not to the file. The profile says it once::

    # my-insole.toml
    columns = ["millis", "L1", "L2", "L3", "L4", "R1", "R2", "R3", "R4"]
    rate_hz = 50                    # only used when the lines carry no time
    layout = "my-insole.layout.csv" # relative to this file's folder
    invert = true                   # 4095 unloaded, falling under load
    tare = true
    body_mass_kg = 72

    [calibration]                   # counts -> newtons per sensor, from known weights
    unit = "n"
    points = [[0, 0.0], [900, 9.81], [2300, 49.0]]

Every key is optional (``KEYS`` lists them with what they do; an unknown key is an error, so a
typing mistake is not silently ignored):

* ``columns``: the column names of a board that prints no header line, as a header would name
  them (``millis``, ``t_ms``; ``L1``.. ``R1``..; ``fsr1``..; ``ax``, ``ay``, ``az``). Read by
  ``pressure record --profile`` (``decoder_settings``); a file names its own columns.
* ``side``: ``"left"`` or ``"right"``, the foot of a one-insole board (its reader's guess, left,
  is replaced).
* ``rate_hz``: the sampling rate, Hz, of data whose lines carry no time.
* ``layout``: a layout file (``pressure.io.layout_file``: CSV or JSON grid), its path relative to
  the profile's folder; or a ``[layout]`` table with the positions inline: arrays ``x_mm`` and
  ``y_mm`` (and ``area_mm2``, one number or one per sensor), or one ``[[layout.sensor]]`` table
  per sensor with ``x_mm``, ``y_mm`` and optionally ``area_mm2``, ``side`` and ``regions``; and
  optionally ``name``, ``foot_length_mm``, ``foot_width_mm``. Both are read by the layout file
  reader, with its rules (foot frame: mm, origin at the back of the heel, +y to the toes, +x
  medial on both feet). Without ``area_mm2`` a sensor gets ``DEFAULT_SENSOR_AREA_MM2``.
* ``invert``: ``true`` (every sensor) or a list of 1-based sensor numbers (of each foot) whose
  reading falls under load (a divider reading the ADC's top count unloaded): ``full_scale −
  value``, in ADC counts (``pressure.calibration.invert``). ``full_scale``: the unloaded
  reading; default, per foot, the smallest of 1023, 4095 and 65535 (the top counts of 10-, 12-
  and 16-bit converters) at or above the largest reading of the inverted sensors.
* ``zero``: known zero offsets, subtracted (negative results clipped to 0): one number, one per
  sensor, or a ``[zero]`` table with ``left`` and ``right``. ``tare = true`` instead measures them
  on the unloaded frames (``pressure.calibration.tare``). Not both.
* ``calibration``: a table ``unit`` (``"n"`` per sensor, ``"kpa"`` or ``"n_cm2"``), ``points``
  (``[[reading, value], ...]``, at least two, readings increasing, e.g. from known weights on
  one sensor: 1 kg is 9.81 N) and optionally ``extrapolate`` (``"clamp"``, the default, or
  ``"linear"``); one curve for every sensor (``pressure.calibration.apply_curve``).
* ``body_mass_kg``: the subject's mass. The analysis gives loads in body weights; data still in
  raw units or ADC counts after the steps above are scaled to newtons by body weight
  (``pressure.calibration.scale_to_body_weight``; both feet needed).

``apply_profile`` applies them in this order: invert → zero or tare → calibration curve, or
body-weight scaling of uncalibrated data → side → layout. The command-line options of
``analyze``, ``report`` and ``batch`` (``--layout``, ``--side``, ``--invert``, ``--tare``,
``--rate``, ``--body-mass-kg``) override the profile's keys (``InsoleProfile.with_options``).

Errors name the profile file and the key (``FileFormatError``, exit status 3); a value given by
an option that does not fit the data names the option (``UsageError``, 2).
"""

from __future__ import annotations

import dataclasses
import hashlib
import inspect
import itertools
import math
import re
import sys
import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import AnalysisError, FileFormatError, PressureError, UsageError
from .layout import SensorLayout
from .model import UNIT_TEXT, UNSTATED_SIDE, Session, SideName

if TYPE_CHECKING:
    from .io.source import SessionSource

if sys.version_info >= (3, 11):
    import tomllib
else:  # the same parser, as a package before Python 3.11
    import tomli as tomllib  # type: ignore[import-not-found, no-redef, unused-ignore]

#: a sensor's area when an inline layout gives none, mm²: the active area of the round 12.7 mm
#: force-sensing resistor most home-made insoles use (π · 6.35²); it only matters where a
#: pressure is turned into a force (kPa data) or a force into a pressure (regional peaks)
DEFAULT_SENSOR_AREA_MM2 = 127.0
#: below this recording length (s) the body-weight scaling gets a note: the mean load of a cut
#: recording is off by up to one stride's share of it (``scale_to_body_weight``'s limits)
BODY_WEIGHT_MIN_S = 20.0
#: the keys of a profile and what each does (the template's comments say the same)
KEYS: dict[str, str] = {
    "columns": "the column names of a board that prints no header line, in its order",
    "side": 'the foot of a one-insole board: "left" or "right"',
    "rate_hz": "the sampling rate (Hz) of lines that carry no time",
    "layout": "a layout file (relative to this file) or a [layout] table of sensor positions",
    "invert": "true, or the sensor numbers, whose reading falls under load",
    "full_scale": "an inverted sensor's unloaded reading (default 1023, 4095 or 65535)",
    "zero": "zero offsets to subtract: one number, one per sensor, or [zero] left/right",
    "tare": "true: measure the zero offsets on the unloaded frames",
    "calibration": "a [calibration] table: unit and points [[reading, value], ...]",
    "body_mass_kg": "the subject's body mass, kg; scales uncalibrated data to newtons",
}
LAYOUT_KEYS = ("name", "foot_length_mm", "foot_width_mm", "x_mm", "y_mm", "area_mm2", "sensor")
SENSOR_KEYS = ("x_mm", "y_mm", "area_mm2", "side", "regions")
CALIBRATION_KEYS = ("unit", "points", "extrapolate")
CURVE_UNITS = ("n", "kpa", "n_cm2")
#: the command-line option that overrides each key
OPTIONS = {
    "layout": "--layout",
    "side": "--side",
    "invert": "--invert",
    "tare": "--tare",
    "rate_hz": "--rate",
    "body_mass_kg": "--body-mass-kg",
}
_UNCALIBRATED = ("raw", "adc")
_SIDES: tuple[SideName, SideName] = ("left", "right")


@dataclass(frozen=True)
class Curve:
    """A calibration curve shared by every sensor: ``raw`` readings to ``value`` in ``unit``.

    Parameters
    ----------
    raw : tuple of float
        Readings, strictly increasing (at least two).
    value : tuple of float
        What each reading means, in ``unit``.
    unit : str
        ``"n"`` (newtons per sensor), ``"kpa"`` or ``"n_cm2"``.
    extrapolate : str
        ``"clamp"`` (hold the end values) or ``"linear"`` outside the readings' range.
    """

    raw: tuple[float, ...]
    value: tuple[float, ...]
    unit: str
    extrapolate: str = "clamp"


@dataclass(frozen=True)
class InsoleProfile:
    """What a home-made insole's numbers mean (module docstring); every field optional.

    Parameters
    ----------
    path : Path, optional
        The profile file it was read from (None: options only).
    columns : tuple of str, optional
        The column names of a board that prints no header line.
    side : {"left", "right"}, optional
        The foot of a one-insole board.
    rate_hz : float, optional
        The sampling rate, Hz, of data without time.
    layout : dict of str to SensorLayout, optional
        The sensor layout by side, as ``pressure.io.layout_file.read_layout`` gives it.
    invert : bool or tuple of int
        True: every sensor falls under load; a tuple: those 1-based sensor numbers; False: none.
    full_scale : float, optional
        The unloaded reading of an inverted sensor (default: from the data, per foot).
    zero : dict of str to float or tuple of float, optional
        Zero offsets by side (``"left"``, ``"right"``, or ``"both"``): one for every sensor, or
        one per sensor.
    tare : bool
        Measure and subtract the zero offsets on the unloaded frames.
    calibration : Curve, optional
        A calibration curve from readings to newtons or kPa.
    body_mass_kg : float, optional
        The subject's body mass, kg.
    origins : dict of str to str
        Where each field given came from: ``"key 'invert'"`` of the file, or the option
        (``"--invert"``); errors name it.
    files : tuple of (str, str)
        The files read (the profile, a layout file) with the SHA-256 of their content.
    """

    path: Path | None = None
    columns: tuple[str, ...] | None = None
    side: SideName | None = None
    rate_hz: float | None = None
    layout: Mapping[str, SensorLayout] | None = None
    invert: bool | tuple[int, ...] = False
    full_scale: float | None = None
    zero: Mapping[str, float | tuple[float, ...]] | None = None
    tare: bool = False
    calibration: Curve | None = None
    body_mass_kg: float | None = None
    origins: Mapping[str, str] = field(default_factory=dict)
    files: tuple[tuple[str, str], ...] = ()

    @classmethod
    def read(cls, path: str | Path) -> InsoleProfile:
        """Read a profile file (TOML, module docstring).

        Parameters
        ----------
        path : str or Path
            The profile file.

        Returns
        -------
        InsoleProfile
            Its keys, checked; a layout file it names is read too.

        Raises
        ------
        FileFormatError
            Naming the file (and the key and its line) when it is missing, not TOML, has an
            unknown key, a value of the wrong type, or names a layout file that is missing or
            damaged (that error names the layout file and its line).
        """
        return _read_profile(Path(path))

    @property
    def empty(self) -> bool:
        """Whether the profile says nothing (applying it changes nothing)."""
        return not self.origins

    def with_options(
        self,
        *,
        layout: str | Path | None = None,
        side: str | None = None,
        invert: bool | Sequence[int] | None = None,
        tare: bool | None = None,
        rate_hz: float | None = None,
        body_mass_kg: float | None = None,
    ) -> InsoleProfile:
        """This profile with the command-line options given (not None) in place of its keys.

        Parameters
        ----------
        layout : str or Path, optional
            A layout file (``--layout``), relative to the working folder.
        side : {"left", "right"}, optional
            ``--side``.
        invert : bool or sequence of int, optional
            ``--invert``: True for every sensor, or sensor numbers.
        tare : bool, optional
            ``--tare`` (True replaces the profile's ``zero``).
        rate_hz : float, optional
            ``--rate``, Hz.
        body_mass_kg : float, optional
            ``--body-mass-kg``, kg.

        Returns
        -------
        InsoleProfile
            A new profile; this one is not changed.

        Raises
        ------
        FileFormatError
            When the layout file is missing or damaged.
        UsageError
            For a side other than left or right, or sensor numbers below 1.
        """
        changes: dict[str, Any] = {}
        origins = dict(self.origins)
        files = list(self.files)
        if layout is not None:
            changes["layout"] = _layout_file(Path(layout))
            files.append((str(layout), _sha256(Path(layout))))
        if side is not None:
            if side not in _SIDES:
                raise UsageError(f"--side must be left or right, got {side!r}")
            changes["side"] = side
        if invert is not None and invert is not False:
            changes["invert"] = True if invert is True else _sensor_numbers(invert, "--invert")
        if tare:
            changes.update(tare=True, zero=None)
            origins.pop("zero", None)
        if rate_hz is not None:
            changes["rate_hz"] = float(rate_hz)
        if body_mass_kg is not None:
            changes["body_mass_kg"] = float(body_mass_kg)
        origins.update({key: OPTIONS[key] for key in changes if key in OPTIONS})
        return dataclasses.replace(self, **changes, origins=origins, files=tuple(files))

    def stamp(self) -> dict[str, Any]:
        """What a result depends on, as JSON: the settings and the files' content hashes
        (``pressure batch`` keeps it with each session's result).

        Returns
        -------
        dict
            ``settings`` (every key given, the layout by name) and ``files`` ([path, SHA-256]).
        """
        settings: dict[str, Any] = {}
        for key in self.origins:
            value = getattr(self, key)
            if key == "layout":
                value = {side: one.name for side, one in value.items()}
            elif isinstance(value, Curve):
                value = dataclasses.asdict(value)
            elif isinstance(value, Mapping):
                value = {k: list(v) if isinstance(v, tuple) else v for k, v in value.items()}
            elif isinstance(value, tuple):
                value = list(value)
            settings[key] = value
        return {"settings": settings, "files": [list(f) for f in self.files]}

    def fail(self, key: str, detail: str) -> PressureError:
        """The error for a value of ``key`` that does not fit: naming the profile file and the
        key (``FileFormatError``), or the option that gave it (``UsageError``).

        Parameters
        ----------
        key : str
            The profile key (``"invert"``, ``"layout"`` ...).
        detail : str
            What does not fit.

        Returns
        -------
        PressureError
            The error to raise.
        """
        origin = self.origins.get(key, f"key '{key}'")
        if origin.startswith("--") or self.path is None:
            return UsageError(f"{origin}: {detail}")
        return FileFormatError(self.path, f"{origin}: {detail}")


# --------------------------------------------------------------------------- reading the file


def _sha256(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:  # read_layout has said what is wrong by now; the stamp only needs a value
        return ""


def _key_line(text: str, key: str) -> int | None:
    """The line (from 1) where ``key`` is set or its table starts, for error messages."""
    last = key.rsplit(".", 1)[-1]
    pattern = re.compile(rf"^\s*(\[+\s*{re.escape(key)}\s*\]|{re.escape(last)}\s*=)")
    for number, line in enumerate(text.splitlines(), start=1):
        if pattern.match(line):
            return number
    return None


class _Checker:
    """Checks the values of one profile file, naming the file, key and line in errors."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.text = text

    def error(self, key: str, detail: str) -> FileFormatError:
        return FileFormatError(self.path, f"key '{key}': {detail}", line=_key_line(self.text, key))

    def known(self, table: Mapping[str, Any], keys: Sequence[str], where: str) -> None:
        for key in table:
            if key not in keys:
                name = f"{where}.{key}" if where else key
                raise FileFormatError(
                    self.path,
                    f"unknown key '{name}' (known{' in [' + where + ']' if where else ''}: "
                    f"{', '.join(keys)})",
                    line=_key_line(self.text, name),
                )

    def number(self, key: str, value: Any, *, positive: bool = False) -> float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not (ok and math.isfinite(value) and (value > 0 or not positive)):
            want = "a positive number" if positive else "a number"
            raise self.error(key, f"expected {want}, got {value!r}")
        return float(value)

    def numbers(self, key: str, value: Any) -> tuple[float, ...]:
        if not isinstance(value, list) or not value:
            raise self.error(key, f"expected a list of numbers, got {value!r}")
        return tuple(self.number(key, v) for v in value)

    def boolean(self, key: str, value: Any) -> bool:
        if not isinstance(value, bool):
            raise self.error(key, f"expected true or false, got {value!r}")
        return value

    def text_value(self, key: str, value: Any, choices: Sequence[str]) -> str:
        if value not in choices:
            options = " or ".join(f'"{c}"' for c in choices)
            raise self.error(key, f"expected {options}, got {value!r}")
        return str(value)


def _read_profile(path: Path) -> InsoleProfile:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise FileFormatError(path, "no such profile file") from None
    except OSError as exc:
        raise FileFormatError(path, f"cannot be read: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileFormatError(path, "not UTF-8 text", offset=exc.start) from None
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise FileFormatError(path, f"not valid TOML: {exc}") from None
    check = _Checker(path, text)
    check.known(table, list(KEYS), "")
    values: dict[str, Any] = {}
    files = [(str(path), hashlib.sha256(data).hexdigest())]
    if "columns" in table:
        values["columns"] = _columns(check, table["columns"])
    if "side" in table:
        values["side"] = check.text_value("side", table["side"], _SIDES)
    if "rate_hz" in table:
        values["rate_hz"] = check.number("rate_hz", table["rate_hz"], positive=True)
    if "layout" in table:
        raw = table["layout"]
        if isinstance(raw, str):
            layout_path = path.parent / raw
            if not layout_path.is_file():
                raise check.error("layout", f"no such layout file {layout_path}")
            values["layout"] = _layout_file(layout_path)
            files.append((str(layout_path), _sha256(layout_path)))
        elif isinstance(raw, dict):
            values["layout"] = _inline_layout(check, raw)
        else:
            raise check.error("layout", f"expected a file name or a [layout] table, got {raw!r}")
    if "invert" in table:
        raw = table["invert"]
        if isinstance(raw, bool):
            values["invert"] = raw
        elif isinstance(raw, list):
            try:
                values["invert"] = _sensor_numbers(raw, "invert")
            except UsageError as exc:
                raise check.error("invert", str(exc).removeprefix("invert: ")) from None
        else:
            raise check.error("invert", f"expected true or a list of sensor numbers, got {raw!r}")
    if "full_scale" in table:
        values["full_scale"] = check.number("full_scale", table["full_scale"], positive=True)
    if "zero" in table:
        values["zero"] = _zero(check, table["zero"])
    if "tare" in table:
        values["tare"] = check.boolean("tare", table["tare"])
    if values.get("tare") and "zero" in values:
        raise check.error(
            "tare",
            "zero and tare = true both given: give one (tare measures "
            "the offsets that zero states)",
        )
    if "calibration" in table:
        values["calibration"] = _curve(check, table["calibration"])
    if "body_mass_kg" in table:
        mass = check.number("body_mass_kg", table["body_mass_kg"], positive=True)
        if not 10 <= mass <= 500:
            raise check.error("body_mass_kg", f"expected a mass within 10..500 kg, got {mass:g}")
        values["body_mass_kg"] = mass
    origins = {key: f"key '{key}'" for key in values}
    return InsoleProfile(path=path, **values, origins=origins, files=tuple(files))


def _columns(check: _Checker, raw: Any) -> tuple[str, ...]:
    if not (isinstance(raw, list) and raw and all(isinstance(c, str) and c.strip() for c in raw)):
        raise check.error("columns", f"expected a list of column names, got {raw!r}")
    names = tuple(c.strip() for c in raw)
    seen: set[str] = set()
    for name in names:
        if name.lower() in seen:
            raise check.error("columns", f"the name {name!r} appears twice")
        seen.add(name.lower())
    return names


def _sensor_numbers(raw: Any, origin: str) -> tuple[int, ...]:
    """1-based sensor numbers from a list (the profile) or a sequence (an option)."""
    numbers = []
    for value in raw:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise UsageError(f"{origin}: sensor numbers are integers from 1, got {value!r}")
        numbers.append(value)
    if not numbers:
        raise UsageError(f"{origin}: an empty list of sensors")
    return tuple(sorted(set(numbers)))


def _zero(check: _Checker, raw: Any) -> dict[str, float | tuple[float, ...]]:
    def one(key: str, value: Any) -> float | tuple[float, ...]:
        if isinstance(value, list):
            return check.numbers(key, value)
        return check.number(key, value)

    if isinstance(raw, dict):
        check.known(raw, _SIDES, "zero")
        return {side: one(f"zero.{side}", value) for side, value in raw.items()}
    return {"both": one("zero", raw)}


def _curve(check: _Checker, raw: Any) -> Curve:
    if not isinstance(raw, dict):
        raise check.error("calibration", f"expected a [calibration] table, got {raw!r}")
    check.known(raw, CALIBRATION_KEYS, "calibration")
    for key in ("unit", "points"):
        if key not in raw:
            raise check.error("calibration", f"the table needs '{key}'")
    unit = check.text_value("calibration.unit", raw["unit"], CURVE_UNITS)
    points = raw["points"]
    if not (
        isinstance(points, list)
        and len(points) >= 2
        and all(isinstance(p, list) and len(p) == 2 for p in points)
    ):
        raise check.error(
            "calibration.points", f"expected at least two [reading, value] pairs, got {points!r}"
        )
    reading = tuple(check.number("calibration.points", p[0]) for p in points)
    value = tuple(check.number("calibration.points", p[1]) for p in points)
    if not all(b > a for a, b in itertools.pairwise(reading)):
        raise check.error("calibration.points", "the readings must increase from pair to pair")
    steps = np.diff(value)
    if not ((steps >= 0).all() or (steps <= 0).all()):
        raise check.error("calibration.points", "the values must rise (or fall) monotonically")
    extrapolate = check.text_value(
        "calibration.extrapolate", raw.get("extrapolate", "clamp"), ("clamp", "linear")
    )
    return Curve(reading, value, unit, extrapolate)


def _layout_file(path: Path) -> dict[str, SensorLayout]:
    from .io.layout_file import read_layout

    return read_layout(path)


def _inline_layout(check: _Checker, raw: dict[str, Any]) -> dict[str, SensorLayout]:
    """A ``[layout]`` table, written out as a layout CSV and read by the layout file reader (one
    set of rules for positions, however they are given)."""
    from .io.layout_file import read_layout_text

    check.known(raw, LAYOUT_KEYS, "layout")
    rows: list[dict[str, Any]] = []
    if "sensor" in raw:
        if "x_mm" in raw or "y_mm" in raw:
            raise check.error(
                "layout", "give x_mm/y_mm arrays or [[layout.sensor]] tables, not both"
            )
        sensors = raw["sensor"]
        if not (
            isinstance(sensors, list) and sensors and all(isinstance(s, dict) for s in sensors)
        ):
            raise check.error("layout.sensor", "expected [[layout.sensor]] tables")
        for entry in sensors:
            check.known(entry, SENSOR_KEYS, "layout.sensor")
            rows.append(entry)
    else:
        for key in ("x_mm", "y_mm"):
            if key not in raw:
                raise check.error(
                    "layout", f"the table needs '{key}' (or [[layout.sensor]] tables)"
                )
        x = check.numbers("layout.x_mm", raw["x_mm"])
        y = check.numbers("layout.y_mm", raw["y_mm"])
        if len(x) != len(y):
            raise check.error("layout.y_mm", f"{len(y)} values, but x_mm has {len(x)}")
        area = raw.get("area_mm2", DEFAULT_SENSOR_AREA_MM2)
        areas = (
            check.numbers("layout.area_mm2", area) if isinstance(area, list) else (area,) * len(x)
        )
        if len(areas) != len(x):
            raise check.error("layout.area_mm2", f"{len(areas)} values, but x_mm has {len(x)}")
        rows = [{"x_mm": a, "y_mm": b, "area_mm2": c} for a, b, c in zip(x, y, areas, strict=True)]
    sided = any("side" in row for row in rows)
    lines = [f"# name: {raw.get('name', check.path.stem)}"]
    for key in ("foot_length_mm", "foot_width_mm"):
        if key in raw:
            lines.append(f"# {key}: {check.number('layout.' + key, raw[key], positive=True)!r}")
    lines.append("sensor,x_mm,y_mm,area_mm2" + (",side" if sided else "") + ",regions")
    counts = {"left": 0, "right": 0, None: 0}
    for row in rows:
        side = row.get("side")
        if sided:
            side = check.text_value("layout.sensor.side", side, _SIDES)
        counts[side] += 1
        cells = [
            str(counts[side]),
            repr(check.number("layout.x_mm", row.get("x_mm"))),
            repr(check.number("layout.y_mm", row.get("y_mm"))),
            repr(
                check.number(
                    "layout.area_mm2", row.get("area_mm2", DEFAULT_SENSOR_AREA_MM2), positive=True
                )
            ),
        ]
        if sided:
            cells.append(str(side))
        regions = row.get("regions", [])
        if not (isinstance(regions, list) and all(isinstance(r, str) for r in regions)):
            raise check.error("layout.sensor.regions", f"expected a list of names, got {regions!r}")
        cells.append(";".join(regions))
        lines.append(",".join(cells))
    try:
        return read_layout_text("\n".join(lines) + "\n", check.path)
    except FileFormatError as exc:  # the line is the written-out table's: name the key instead
        raise check.error("layout", exc.detail) from None


# --------------------------------------------------------------------------- reading data


def decoder_settings(profile: InsoleProfile) -> dict[str, Any]:
    """What a live decoder of the board's text lines needs from the profile (``pressure record
    --profile``).

    Parameters
    ----------
    profile : InsoleProfile
        The board's profile.

    Returns
    -------
    dict
        ``columns`` (list of str, or None: the board prints a header or the columns are
        inferred), ``default_side`` (``"left"``/``"right"``, or None: left) for sensor columns
        whose names give no foot, and ``rate_hz`` (float or None: from the host's receipt
        times) for lines without time.
    """
    return {
        "columns": None if profile.columns is None else list(profile.columns),
        "default_side": profile.side,
        "rate_hz": profile.rate_hz,
    }


def load_with_profile(path: str | Path, profile: InsoleProfile | None = None) -> Session:
    """``pressure.load(path)``, with the profile's rate for data without time, then
    ``apply_profile``.

    The rate reaches the reader that reads the file when that reader takes one (a line-mode
    capture without timestamps, which ``load`` alone would refuse); a file that carries its
    own time keeps it, and the notes (``metadata["profile"]["notes"]``) say so.

    Parameters
    ----------
    path : str or Path
        A file ``pressure.load`` reads.
    profile : InsoleProfile, optional
        The insole's profile (None: plain ``load``).

    Returns
    -------
    Session
        The session, the profile applied.

    Raises
    ------
    FileFormatError
        When the file cannot be read; ``PressureError`` from ``apply_profile``.
    """
    from .io.load import load

    if profile is None or profile.empty:
        return load(path)
    session, unused = _read(Path(path), profile)
    notes = []
    for key in unused:
        origin = profile.origins[key]
        if key == "columns":
            notes.append(
                f"{origin} not used: the file names its own columns (a profile's columns are "
                "for `pressure record --profile`)"
            )
        else:
            notes.append(f"{origin} not used: the {session.format} file carries its own time")
    return apply_profile(session, profile, notes=notes)


def open_with_profile(path: str | Path, profile: InsoleProfile | None = None) -> SessionSource:
    """The file as a ``SessionSource`` for ``analyze``: read a chunk of frames at a time
    (``pressure.io.source.open_source``) when there is no profile, else
    ``load_with_profile``'s session (a profile's calibration changes every value).

    Parameters
    ----------
    path : str or Path
        A file ``pressure.load`` reads.
    profile : InsoleProfile, optional
        The insole's profile (None: none).

    Returns
    -------
    SessionSource
        The source; use it as a context manager, so that what it keeps on disk goes.

    Raises
    ------
    FileFormatError
        When the file cannot be read; ``PressureError`` from ``apply_profile``.
    """
    from .io.source import SessionSource, open_source

    if profile is None or profile.empty:
        return open_source(path)
    return SessionSource.of(load_with_profile(path, profile))


def _read(path: Path, profile: InsoleProfile) -> tuple[Session, list[str]]:
    """The session, read with the settings its reader takes, and the settings not used.

    ``load`` takes no reading settings (yet): the reader it would choose is called directly with
    those its ``read`` accepts, and a file no reader recognises goes to the readers that take
    one (a line-mode capture without time needs its rate to be read at all)."""
    from .io.load import format_of, load, within_physical_range
    from .io.readers import readers

    settings = {k: getattr(profile, k) for k in ("rate_hz", "columns") if k in profile.origins}
    if not settings:
        return load(path), []
    found = format_of(path)
    for reader in readers():
        if found not in (None, reader.NAME):
            continue
        takes = inspect.signature(reader.read).parameters
        given = {k: v for k, v in settings.items() if k in takes}
        if not given:
            continue
        try:
            session = within_physical_range(reader.read(path, **given))
        except FileFormatError:
            if found is not None:
                raise
            continue  # not this reader's file after all: load says what it is
        return session, [k for k in settings if k not in given]
    return load(path), list(settings)


# --------------------------------------------------------------------------- applying it


def _full_scale(session: Session) -> float | None:
    """The converter full scale of every foot's readings (``calibration.full_scale_of``)."""
    from .calibration import full_scale_of

    feet = [f.values.ravel() for f in session.feet.values() if f.n_frames]
    return full_scale_of(np.concatenate(feet)) if feet else full_scale_of([])


def apply_profile(
    session: Session, profile: InsoleProfile, *, notes: Sequence[str] = ()
) -> Session:
    """Apply a profile to a session: invert → zero or tare → calibration curve, or body-weight
    scaling of uncalibrated data → side → layout (module docstring).

    Each step is ``pressure.calibration``'s and is recorded in ``metadata["calibration"]``;
    ``metadata["profile"]`` holds ``file`` (the profile's path or None), ``applied`` (one
    sentence per step) and ``notes`` (what was not applied, and why), unless there is nothing
    to say (options only, none of which applied: a body mass for data in kPa).

    Parameters
    ----------
    session : Session
        The session as read; it is not changed.
    profile : InsoleProfile
        The profile (and options).
    notes : sequence of str
        Notes from reading the file, kept with the profile's (``load_with_profile``).

    Returns
    -------
    Session
        A new session (this one when the profile is empty).

    Raises
    ------
    FileFormatError
        A profile key that does not fit the data (a sensor number the insole lacks, a layout
        with another sensor count, a side for a two-foot session), naming the profile file.
    UsageError
        The same for a value given by an option, naming the option.
    AnalysisError
        A step the data do not allow (a tare on a foot that never unloads).
    """
    from . import calibration

    if profile.empty:
        return session
    applied: list[str] = []
    notes = list(notes)

    def step(key: str, run: Callable[[], Session], data: bool = False) -> Session:
        try:
            return run()
        except ValueError as exc:
            if data:
                raise AnalysisError(
                    f"{session.path}: {profile.origins.get(key, key)}: {exc}"
                ) from None
            raise profile.fail(key, str(exc)) from None

    out = session
    if profile.invert and out.feet:
        numbers = None if isinstance(profile.invert, bool) else profile.invert
        for side, foot in out.feet.items():
            if numbers is not None and max(numbers) > foot.n_sensors:
                raise profile.fail(
                    "invert",
                    f"sensor {max(numbers)} does not exist: the {side} foot has sensors "
                    f"1..{foot.n_sensors}",
                )
        positions = None if numbers is None else [n - 1 for n in numbers]
        out = step("invert", lambda: calibration.invert(out, profile.full_scale, positions))
        scales = sorted(set(out.metadata["calibration"][-1]["full_scale"].values()))
        which = "every sensor" if numbers is None else f"sensors {_ranges(numbers)}"
        how = "given" if profile.full_scale else "from the largest reading"
        applied.append(
            f"inverted {which}: {' or '.join(f'{v:g}' for v in scales)} minus the reading "
            f"(full scale {how}), in ADC counts"
        )
    if profile.zero:
        out = step("zero", lambda: _subtract_zero(out, profile.zero or {}))
        applied.append("subtracted the zero offsets")
    if profile.tare:
        out = step("tare", lambda: calibration.tare(out), data=True)
        applied.append("tared: each sensor's median over the unloaded frames subtracted")
    units = {foot.unit for foot in out.feet.values()}
    if profile.calibration is not None:
        curve = profile.calibration
        out = step(
            "calibration",
            lambda: calibration.apply_curve(
                out,
                curve.raw,
                curve.value,
                unit=curve.unit,
                extrapolate="linear" if curve.extrapolate == "linear" else "clamp",
            ),
        )
        applied.append(f"calibration curve of {len(curve.raw)} points to {curve.unit}")
    elif profile.body_mass_kg is not None and units and units <= set(_UNCALIBRATED):
        if len(out.feet) == 2:
            out = step(
                "body_mass_kg",
                lambda: calibration.scale_to_body_weight(out, profile.body_mass_kg or 0.0),
                data=True,
            )
            factor = out.metadata["calibration"][-1]["factor"]
            if out.duration_s < BODY_WEIGHT_MIN_S:
                notes.append(
                    f"{profile.origins['body_mass_kg']}: scaled to body weight over "
                    f"{out.duration_s:.3g} s: a recording cut mid-stride biases the factor by up "
                    f"to a stride's share; record at least {BODY_WEIGHT_MIN_S:g} s"
                )
            applied.append(
                f"scaled {' and '.join(UNIT_TEXT[u] for u in sorted(units))} to newtons by body "
                f"weight ({profile.body_mass_kg:g} kg: {factor:.4g} N per unit)"
            )
        else:
            notes.append(
                f"{profile.origins['body_mass_kg']}: the values stay in "
                f"{' and '.join(UNIT_TEXT[u] for u in sorted(units))}: scaling to body weight "
                "needs both feet"
            )
    if profile.side is not None and len(out.feet) == 2:
        notes.append(f"{profile.origins['side']} not used: the file has both feet")
    elif profile.side is not None and len(out.feet) == 1:
        target = profile.side
        moved = target not in out.feet
        out = step("side", lambda: calibration.with_side(out, target))
        if moved:
            applied.append(f"the insole is on the {target} foot")
    if profile.layout is not None:
        layout = profile.layout
        feet = [s for s in out.feet if s in layout]
        missing = [s for s in out.feet if s not in layout]
        if missing:
            raise profile.fail("layout", f"the layout has no {missing[0]} side")
        out = step("layout", lambda: calibration.with_layout(out, dict(layout)))
        names = sorted({layout[s].name for s in feet})
        applied.append(f"layout {', '.join(names)}")
    if not (applied or notes or profile.path):  # e.g. a body mass for data in kPa
        return out
    # first, so that a report's list of what the file says starts with what was done to it
    metadata = {
        "profile": {
            "file": None if profile.path is None else str(profile.path),
            "applied": applied,
            "notes": notes,
        },
        **out.metadata,
    }
    return dataclasses.replace(out, metadata=metadata)


def _subtract_zero(session: Session, zero: Mapping[str, float | tuple[float, ...]]) -> Session:
    from .calibration import subtract_offset

    for side in session.feet:
        offset = zero.get(side, zero.get("both"))
        if offset is not None:
            session = subtract_offset(session, offset, side=side)
    return session


def _ranges(numbers: Sequence[int]) -> str:
    """``1-4, 7`` for [1, 2, 3, 4, 7]."""
    parts: list[str] = []
    ordered = sorted(numbers)
    start = prev = ordered[0]
    for n in [*ordered[1:], None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        parts.append(str(start) if start == prev else f"{start}-{prev}")
        if n is not None:
            start = prev = n
    return ", ".join(parts)


def profile_notes(session: Session | SessionSource) -> tuple[list[str], list[str]]:
    """What ``apply_profile`` did to a session and what it left out, for output.

    Parameters
    ----------
    session : Session or SessionSource
        A session (with or without a profile applied).

    Returns
    -------
    applied : list of str
        One sentence per step applied.
    notes : list of str
        What was not applied, and why.
    """
    info = session.metadata.get("profile")
    if not isinstance(info, dict):
        return [], []
    return list(info.get("applied", [])), list(info.get("notes", []))


# --------------------------------------------------------------------------- the template


def _toml_list(values: Sequence[object]) -> str:
    return "[" + ", ".join(f'"{v}"' if isinstance(v, str) else str(v) for v in values) + "]"


def _side_stated(session: Session) -> bool:
    """Whether a one-foot file says which foot it is: no reader noted that it took its
    default (``model.UNSTATED_SIDE``)."""
    return not any(UNSTATED_SIDE in problem for problem in session.problems)


def profile_template(session: Session, source: str | Path) -> str:
    """A commented profile for the board that made ``session`` (``pressure profile init``):
    what was found in the file, and every key, off (commented) but for the side of a
    one-insole board, with a value to start from. It reads back with ``InsoleProfile.read``.

    Parameters
    ----------
    session : Session
        A session read from the board's file or recording.
    source : str or Path
        The file it was read from, named in the header comment.

    Returns
    -------
    str
        The TOML text.
    """
    from .calibration import looks_inverted
    from .layout import simulated_layout

    feet = session.feet
    n = max((foot.n_sensors for foot in feet.values()), default=16)
    if len(feet) == 2:
        names = ["millis"] + [f"L{k}" for k in range(1, feet["left"].n_sensors + 1)]
        names += [f"R{k}" for k in range(1, feet["right"].n_sensors + 1)]
    else:
        names = ["millis"] + [f"fsr{k}" for k in range(1, n + 1)]
    full_scale = _full_scale(session) or 65535
    stem = Path(source).stem
    out = [
        f"# Insole profile of the board that wrote {Path(source).name} (`pressure profile init`).",
        f"# Found in it ({session.format}):",
        *(
            f"#   {side} foot: {foot.n_sensors} sensors, values in {UNIT_TEXT[foot.unit]}, "
            f"{foot.sampling_rate_hz:g} Hz"
            for side, foot in feet.items()
        ),
        "# Use it with: pressure analyze FILE --profile THIS (also report, batch, record).",
        "# Every key is optional; a line starting with # is off: remove the # to use it.",
        "# Applied in this order: invert, zero or tare, calibration (or body-weight scaling),",
        "# side, layout. The command-line options (--invert, --tare ...) override these keys.",
        "",
    ]

    def key(name: str, value: str, on: bool = False, note: str = "") -> None:
        out.extend(
            textwrap.wrap(
                f"{name}: {KEYS[name]}{note}", 88, initial_indent="# ", subsequent_indent="#   "
            )
        )
        out.append(f"{'' if on else '# '}{name} = {value}")
        out.append("")

    key("columns", _toml_list(names), note=" (time first: millis, t_ms or t_us)")
    one_side = next(iter(feet)) if len(feet) == 1 else None
    stated = one_side is not None and _side_stated(session)
    key(
        "side",
        f'"{one_side or "left"}"',
        on=stated,
        note=(
            f"; the file does not say which foot (read as the {one_side}): set yours"
            if one_side is not None and not stated
            else ""
        ),
    )
    rate = next((f.sampling_rate_hz for f in feet.values()), 100.0)
    key("rate_hz", f"{rate:g}")
    key(
        "layout",
        f'"{stem}.layout.csv"',
        note=" (a file you write: README, Layouts and calibration; none is made for you)",
    )
    inverted = bool(looks_inverted(session))
    hint = (
        "; ON because most of this file's sensors read near the top of the scale most of the "
        "time (unloaded sensors of a divider wired that way): check it"
        if inverted
        else ""
    )
    key("invert", "true", on=inverted, note="; or a list: [1, 2, 5]" + hint)
    key(
        "full_scale",
        f"{full_scale:g}",
        note=" (here: the smallest of 1023, 4095, 65535 that this file's readings fit under)",
    )
    key("zero", _toml_list([0] * n))
    key("tare", "true")
    key("body_mass_kg", "70")
    example = simulated_layout(n)
    out += [
        "# Sensor positions here instead of a layout file (foot frame, mm: origin at the back",
        "# of the heel, +y to the toes, +x medial on both feet). These are a generic insole's:",
        "# measure yours. (Use either `layout = FILE` above or this table, not both.)",
        "# [layout]",
        f"# x_mm = {_toml_list([round(float(v), 1) for v in example.x_mm])}",
        f"# y_mm = {_toml_list([round(float(v), 1) for v in example.y_mm])}",
        f"# area_mm2 = {DEFAULT_SENSOR_AREA_MM2:g}",
        "",
        "# A calibration curve, the same for every sensor: [reading, value] pairs, e.g. from",
        "# known weights on one sensor (1 kg is 9.81 N); unit: n (N per sensor), kpa or n_cm2.",
        "# [calibration]",
        '# unit = "n"',
        f"# points = [[0, 0.0], [{full_scale // 4:g}, 9.81], [{full_scale * 3 // 5:g}, 49.0]]",
        "",
    ]
    return "\n".join(out)


__all__ = [
    "DEFAULT_SENSOR_AREA_MM2",
    "KEYS",
    "Curve",
    "InsoleProfile",
    "apply_profile",
    "decoder_settings",
    "load_with_profile",
    "profile_notes",
    "profile_template",
]
