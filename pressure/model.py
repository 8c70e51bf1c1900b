"""The seam between files and analysis: a ``Session`` holds a ``FootRecording`` per foot.

Readers (``pressure.io``) make sessions from bytes; analyses (``pressure.analysis``) read only
sessions. Arrays are numpy, time in seconds from the start of the session, sensor positions in
the foot frame of ``pressure.layout`` (origin at the heel, +y anterior, +x medial on both feet,
mm).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar

import numpy as np
import numpy.typing as npt

from .errors import AnalysisError
from .layout import SensorLayout

FloatArray = npt.NDArray[np.float64]
SideName = Literal["left", "right"]
# what one sensor value measures: pressure (kPa, N/cm²), force (N), or uncalibrated numbers
UNITS = ("kpa", "n_cm2", "n", "adc", "raw")
#: frames within this of a window's bound count as on it (time stamps of 0.01 · k are not exact)
TIME_TOLERANCE_S = 1e-9
#: how a reader's problem about a one-foot file that names no foot starts (it took the left);
#: ``calibration.with_side`` drops it once the side is given
UNSTATED_SIDE = "the file does not say which foot"
#: per unit, the lowest and highest value a sensor can measure. Beyond them a value is damage (a
#: cell of ``1e308``) or a wrong unit, not a measurement. 10 MPa is five times the highest
#: plantar pressures reported (about 2 MPa under the forefoot in sprinting); a zero that drifted
#: reads a few kPa below 0, never 50.
PHYSICAL_RANGE = {
    "kpa": (-50.0, 10_000.0),
    "n_cm2": (-5.0, 1_000.0),
    "n": (-500.0, 100_000.0),  # per sensor or cell
    "adc": (-(2.0**31), 2.0**32),  # no converter counts beyond 32 bits
    "raw": (-1e12, 1e12),  # any scale a board prints, but not a damaged 1e308
}
#: each unit as people write it
UNIT_TEXT = {"kpa": "kPa", "n_cm2": "N/cm²", "n": "N", "adc": "ADC counts", "raw": "raw units"}


def sensor_force_n(values: FloatArray, unit: str, area_mm2: FloatArray | None) -> FloatArray | None:
    """Per-sensor force in N from values in ``unit`` (see ``UNITS``), or None when that takes
    areas that are not known, or the unit is not physical."""
    if unit == "n":
        return values
    if area_mm2 is None:
        return None
    if unit == "kpa":  # kPa × mm² = 1e-3 N
        return values * (area_mm2 * 1e-3)
    if unit == "n_cm2":  # N/cm² × mm² = 1e-2 N
        return values * (area_mm2 * 1e-2)
    return None


@dataclass(frozen=True, eq=False)
class FootRecording:
    """One foot's samples: what one insole (or one foot on a plate) recorded.

    Parameters
    ----------
    side : {"left", "right"}
        Which foot.
    time_s : ndarray of float, shape (frames,)
        Time of each frame, s, increasing (gaps where frames were lost).
    values : ndarray of float, shape (frames, sensors)
        Each sensor's reading, in ``unit``; NaN where a reader marks a gap.
    unit : str
        The unit of ``values``, one of ``UNITS``: ``"kpa"``, ``"n_cm2"`` (N/cm²), ``"n"``
        (N per sensor), ``"adc"`` (converter counts) or ``"raw"`` (uncalibrated numbers with
        an arbitrary offset).
    sampling_rate_hz : float
        The nominal sampling rate, Hz (positive).
    layout : SensorLayout, optional
        Where the sensors are (foot frame, mm) and their areas (mm²), in the order of the
        columns of ``values``; None when not known (no CoP, no regional values).
    total_force_n : ndarray of float, shape (frames,), optional
        The device's own total force, N, when the file gives one (some systems compute it
        with a calibration the per-sensor values do not carry).
    vendor : dict of str to ndarray
        Other per-frame columns the file provides (e.g. the vendor's CoP), by name, units in
        the names.

    Raises
    ------
    ValueError
        When the shapes disagree, the rate is not positive, the unit is unknown or the
        layout's sensor count is not the data's.
    """

    side: SideName
    time_s: FloatArray
    values: FloatArray
    unit: str
    sampling_rate_hz: float
    layout: SensorLayout | None = None
    total_force_n: FloatArray | None = None
    vendor: dict[str, FloatArray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.values.ndim != 2 or len(self.values) != len(self.time_s):
            raise ValueError("values must have shape (len(time_s), sensors)")
        if not (math.isfinite(self.sampling_rate_hz) and self.sampling_rate_hz > 0):
            raise ValueError(f"sampling_rate_hz must be positive, got {self.sampling_rate_hz!r}")
        if self.unit not in UNITS:
            raise ValueError(f"unit {self.unit!r} is not one of {UNITS}")
        if self.layout is not None and self.layout.n_sensors != self.values.shape[1]:
            raise ValueError(
                f"layout {self.layout.name!r} has {self.layout.n_sensors} sensors, "
                f"the data {self.values.shape[1]}"
            )

    @property
    def n_frames(self) -> int:
        """The number of frames (rows of ``values``)."""
        return len(self.time_s)

    @property
    def n_sensors(self) -> int:
        """The number of sensors (columns of ``values``)."""
        return int(self.values.shape[1])

    def sensor_force_n(self) -> FloatArray | None:
        """Per-sensor force.

        Returns
        -------
        ndarray of float, shape (frames, sensors), or None
            Force on each sensor, N: the values themselves in ``"n"``, kPa or N/cm² times the
            layout's sensor areas; None when the unit and layout do not allow it (ADC counts
            or raw numbers, or pressure without a layout).
        """
        return sensor_force_n(
            self.values, self.unit, None if self.layout is None else self.layout.area_mm2
        )

    def load(self) -> tuple[FloatArray, str]:
        """The foot's total load per frame and its unit.

        Returns
        -------
        load : ndarray of float, shape (frames,)
            The device's total force (N) when given, else the sum of per-sensor forces (N,
            ``sensor_force_n``), else the plain sum of the values (in ``unit``).
        unit : str
            ``"n"`` for a force, else the values' ``unit``.
        """
        if self.total_force_n is not None:
            return self.total_force_n, "n"
        force = self.sensor_force_n()
        if force is not None:
            return force.sum(axis=1), "n"
        return self.values.sum(axis=1), self.unit

    def window(self, start_s: float, end_s: float) -> FootRecording:
        """The frames with ``start_s <= time_s < end_s``.

        Parameters
        ----------
        start_s : float
            Start of the window, s on the recording's own time axis (inclusive).
        end_s : float
            End of the window, s (exclusive).

        Returns
        -------
        FootRecording
            Those frames, times not shifted, with the device's total force and the per-frame
            vendor columns cut alike. The arrays are views of this recording's; nothing is
            copied.
        """
        a, b = np.searchsorted(self.time_s, [start_s - TIME_TOLERANCE_S, end_s - TIME_TOLERANCE_S])
        return self.frames(int(a), int(b))

    def frames(self, start: int, stop: int) -> FootRecording:
        """Frames ``[start, stop)`` by index, cut as ``window`` cuts them.

        Parameters
        ----------
        start : int
            Index of the first frame.
        stop : int
            Index one past the last frame.

        Returns
        -------
        FootRecording
            Those frames (views of this recording's arrays; nothing is copied).
        """
        n = self.n_frames
        return replace(
            self,
            time_s=self.time_s[start:stop],
            values=self.values[start:stop],
            total_force_n=None if self.total_force_n is None else self.total_force_n[start:stop],
            vendor={k: v[start:stop] if len(v) == n else v for k, v in self.vendor.items()},
        )


class _Timed(Protocol):
    """What ``extent`` and ``cut_window`` need of a foot: its frame times and rate."""

    @property
    def time_s(self) -> FloatArray: ...
    @property
    def sampling_rate_hz(self) -> float: ...


def extent(feet: Iterable[_Timed]) -> tuple[float, float, float]:
    """``(duration_s, end_s, first_s)`` of feet (``Session.duration_s``, ``end_s``; the
    earliest frame's time), 0 for each without frames."""
    timed = [f for f in feet if len(f.time_s)]
    duration = max(
        (float(f.time_s[-1] - f.time_s[0]) + 1.0 / f.sampling_rate_hz for f in timed),
        default=0.0,
    )
    end = max((float(f.time_s[-1]) + 1.0 / f.sampling_rate_hz for f in timed), default=0.0)
    first = min((float(f.time_s[0]) for f in timed), default=0.0)
    return duration, end, first


_T = TypeVar("_T", bound=_Timed)


def cut_window(
    path: Path,
    feet: Mapping[str, _T],
    cut: Callable[[_T, float, float], _T],
    start_s: float | None,
    end_s: float | None,
) -> tuple[dict[str, _T], float, float]:
    """Each foot cut to ``start_s <= time_s < end_s`` by ``cut``, after the checks
    ``Session.window`` documents (the errors name ``path``); also the start and end used."""
    _, recording_end, first = extent(feet.values())
    start = 0.0 if start_s is None else float(start_s)
    end = recording_end if end_s is None else float(end_s)
    span = f"the recording runs from {first:.6g} to {recording_end:.6g} s on its time axis"
    shown = f"{start:g}-{end:g} s" if end_s is not None else f"from {start:g} s"
    where = f"{path}: time window {shown}"
    if not (math.isfinite(start) and math.isfinite(end)) or start < 0:
        raise AnalysisError(f"{where}: the start must be at least 0 and before the end")
    if start >= recording_end or end > recording_end + TIME_TOLERANCE_S * max(1.0, end):
        raise AnalysisError(f"{where} is not within the recording ({span})")
    if start >= end:
        raise AnalysisError(f"{where}: the start must be at least 0 and before the end")
    out = {side: cut(foot, start, end) for side, foot in feet.items()}
    for side, foot in out.items():
        if len(foot.time_s) < 2 and len(feet[side].time_s) >= 2:
            raise AnalysisError(
                f"{where} holds {len(foot.time_s)} frame(s) of the {side} foot; "
                f"a window needs at least 2 ({span})"
            )
    return out, start, end


def window_events(
    events: dict[str, dict[str, FloatArray]], start: float, end: float
) -> dict[str, dict[str, FloatArray]]:
    """The vendor's events with ``start <= time < end`` (``Session.window``)."""
    return {
        side: {
            name: times[(times >= start - TIME_TOLERANCE_S) & (times < end - TIME_TOLERANCE_S)]
            for name, times in kinds.items()
        }
        for side, kinds in events.items()
    }


def window_metadata(metadata: dict[str, Any], start: float, end: float) -> dict[str, Any]:
    """``metadata`` with ``window_s`` (a window of a window keeps the overlap)."""
    earlier = metadata.get("window_s")
    if isinstance(earlier, (list, tuple)) and len(earlier) == 2:
        start, end = max(start, float(earlier[0])), min(end, float(earlier[1]))
    return {**metadata, "window_s": [start, end]}


@dataclass(frozen=True, eq=False)
class Session:
    """Both feet of one recording (either may be missing) and what the file says about it:
    what ``pressure.load`` returns and ``pressure.analyze`` takes.

    Parameters
    ----------
    path : Path
        The file it was read from.
    format : str
        The reader's name for the file's format (``pressure.io.load.known_formats``).
    left : FootRecording or None
        The left foot's samples, None when the file has none.
    right : FootRecording or None
        The right foot's samples, None when the file has none.
    metadata : dict
        What the file says beyond the samples (subject, device, source, calibration steps
        applied, ``window_s`` of a window), JSON types.
    events : dict
        Events a vendor's software put in the file, per side, times in s
        (``{"left": {"heel_strike_s": array, "toe_off_s": array}}``).
    quality : dict of str to int
        The reader's counts (frames lost, CRC errors, ...).
    problems : list of str
        What the reader found wrong or missing but could read past, one sentence each
        (e.g. "no sensor geometry: no CoP").
    """

    path: Path
    format: str
    left: FootRecording | None
    right: FootRecording | None
    metadata: dict[str, Any] = field(default_factory=dict)
    events: dict[str, dict[str, FloatArray]] = field(default_factory=dict)
    quality: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @classmethod
    def from_feet(
        cls,
        path: Path,
        format: str,
        feet: Mapping[str, FootRecording] | Mapping[SideName, FootRecording],
        metadata: dict[str, Any] | None = None,
        *,
        events: dict[str, dict[str, FloatArray]] | None = None,
        quality: dict[str, int] | None = None,
        problems: Sequence[str] = (),
    ) -> Session:
        """The session of the feet in ``feet``, as a reader builds it.

        Parameters
        ----------
        path : Path
            The file it was read from.
        format : str
            The reader's name for the format.
        feet : mapping of side to FootRecording
            By side (``"left"``, ``"right"``); either may be missing.
        metadata : dict, optional
            What the file says beyond the samples (default: empty).
        events : dict, optional
            The vendor's events per side, times in s (default: none).
        quality : dict of str to int, optional
            The reader's counts (default: none).
        problems : sequence of str
            What the reader found wrong or missing but could read past.

        Returns
        -------
        Session
            The session (the arrays are not copied).
        """
        return cls(
            path=path,
            format=format,
            left=feet.get("left"),
            right=feet.get("right"),
            metadata={} if metadata is None else metadata,
            events={} if events is None else events,
            quality={} if quality is None else quality,
            problems=list(problems),
        )

    @property
    def feet(self) -> dict[str, FootRecording]:
        """The feet present, by side (``"left"``, ``"right"``)."""
        return {f.side: f for f in (self.left, self.right) if f is not None}

    @property
    def duration_s(self) -> float:
        """Length of the recording, s: the longest foot's first to last frame plus one
        sample period (0 without frames)."""
        return extent(self.feet.values())[0]

    @property
    def sampling_rate_hz(self) -> float | None:
        """The highest sampling rate of the feet, Hz (None without a foot)."""
        rates = [f.sampling_rate_hz for f in self.feet.values()]
        return max(rates) if rates else None

    @property
    def end_s(self) -> float:
        """Where the recording ends on its time axis, s: its last frame plus one sample
        period (the latest over the feet; 0 without frames)."""
        return extent(self.feet.values())[1]

    def window(self, start_s: float | None = None, end_s: float | None = None) -> Session:
        """The part of the session from ``start_s`` to ``end_s``.

        Each foot's frames with ``start_s <= time_s < end_s`` (``FootRecording.window``) and
        the vendor's events in that span. Times keep their origin, so a step at 12.3 s in the
        recording is at 12.3 s in the window. ``metadata["window_s"]`` records
        ``[start_s, end_s]``; the reader's quality counts stay the whole file's, except
        ``frames_lost``, left out so that the analysis counts the gaps within the window.
        This session is not changed.

        Parameters
        ----------
        start_s : float, optional
            Start, s from the start of the recording on the feet's time axis (default: 0).
        end_s : float, optional
            End, s (exclusive; default: the end of the recording, ``end_s``).

        Returns
        -------
        Session
            The window, a new session sharing this one's arrays.

        Raises
        ------
        AnalysisError
            When the window is empty or reversed, starts before 0 or ends after the
            recording, or leaves a foot fewer than 2 frames.
        """
        feet, start, end = cut_window(self.path, self.feet, FootRecording.window, start_s, end_s)
        return replace(
            self,
            left=feet.get("left"),
            right=feet.get("right"),
            metadata=window_metadata(self.metadata, start, end),
            events=window_events(self.events, start, end),
            quality={k: v for k, v in self.quality.items() if k != "frames_lost"},
        )
