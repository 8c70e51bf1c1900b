"""What every export holds: each foot's load, centre of pressure and (optionally) sensor values
on one uniform time grid, and the gait events.

Channels, per foot present (left first), names from ``channel_name`` (units in the names):

* ``<side>_force_n``: the foot's total load, N (``FootRecording.load``: the device's own total
  when the file gives one, else the sum of the sensors' forces). A session whose values give
  no force (ADC counts, raw numbers, pressures without sensor areas) has
  ``<side>_load_<unit>`` instead: the plain sum of the values, in their unit.
* ``<side>_cop_ml_mm``, ``<side>_cop_ap_mm``: the centre of pressure (``pressure.cop.foot_cop``)
  in the foot frame of ``pressure.layout``: ``ml`` is x, mm medial (+) of the insole's long
  axis, on both feet; ``ap`` is y, mm anterior of the back of the heel. NaN while the foot is
  unloaded (below the contact threshold). Left out for a foot without a sensor layout; in the
  layout's own unit where it is not mm (``_au`` for gaitpdb's arbitrary units).
* ``<side>_sensor_<k>_<unit>`` (with ``sensors=True``): each sensor's value as the session has
  it (k from 1, zero-padded to the widest number).

The grid
--------
Both feet share one grid of ``n`` samples ``t0 + k / rate``: ``rate`` the session's sampling
rate (the highest of the feet's), ``t0`` the first frame of either foot, to the last frame of
either. A foot whose every frame lies on this grid (its rate is the grid's and each time is
within ``ON_GRID_TOLERANCE`` of a sample period of a grid time) is placed on it as it is, no
value changed. Any other foot (another rate, or times off the grid, as two insoles on clocks of
their own give) is *resampled*: each channel linearly interpolated between the foot's two
frames either side of a grid time (its centre of pressure computed on its own frames first,
then interpolated), and the export says so in its notes. Where a foot has no frame (before its
first, after its last, or within a gap where frames were lost: two frames more than
``GAP_PERIODS`` of its sample periods apart) its channels are NaN; an export is never filled
with values that were not measured. The notes count those samples per foot.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from ..cop import foot_cop
from ..errors import FileFormatError
from ..model import FloatArray, FootRecording, Session

if TYPE_CHECKING:
    from ..analysis import Analysis

IntArray = npt.NDArray[np.int64]

SIDES = ("left", "right")
#: a frame within this fraction of a sample period of a grid time lies on the grid
ON_GRID_TOLERANCE = 0.01
#: two frames of a foot further apart than this many of its sample periods have lost frames
#: between them: nothing is interpolated across
GAP_PERIODS = 1.5
#: the kinds of gait event an export carries, as ``Session.events`` names them
EVENT_KINDS = ("heel_strike_s", "toe_off_s")

#: channel name patterns (``channel_name``)
FORCE = "{side}_force_n"
LOAD = "{side}_load_{unit}"
COP_ML = "{side}_cop_ml_{unit}"
COP_AP = "{side}_cop_ap_{unit}"
SENSOR = "{side}_sensor_{k}_{unit}"


@dataclass(frozen=True)
class Channel:
    """One exported signal on the grid.

    Attributes
    ----------
    name : str
        Its name, unit last (module docstring).
    side : str
        The foot, ``"left"`` or ``"right"``.
    quantity : str
        ``"load"``, ``"cop_ml"``, ``"cop_ap"`` or ``"sensor"``.
    unit : str
        The unit: one of ``pressure.model.UNITS`` for loads and sensors, the layout's
        coordinate unit (``"mm"``) for the centre of pressure.
    description : str
        One line saying what it is.
    values : ndarray of float, shape (samples,)
        On the grid; NaN where there is no value.
    """

    name: str
    side: str
    quantity: str
    unit: str
    description: str
    values: FloatArray


@dataclass(frozen=True)
class ExportGrid:
    """A session's channels on one uniform time grid (module docstring).

    Attributes
    ----------
    time_s : ndarray of float, shape (samples,)
        The grid, s on the session's own time axis (``t0 + k / sampling_rate_hz``).
    sampling_rate_hz : float
        The grid's rate, Hz.
    channels : tuple of Channel
        Per foot present, left first: load, centre of pressure (with a layout), then the
        sensors (when asked for).
    resampled : tuple of str
        The feet interpolated onto the grid (their frames are not on it).
    missing : dict of str to int
        Per foot, the grid samples where it has no frame (its channels NaN).
    notes : tuple of str
        What a user should know about the export, one sentence each.
    """

    time_s: FloatArray
    sampling_rate_hz: float
    channels: tuple[Channel, ...]
    resampled: tuple[str, ...]
    missing: dict[str, int]
    notes: tuple[str, ...]

    @property
    def n_samples(self) -> int:
        """The number of grid samples."""
        return len(self.time_s)

    @property
    def sides(self) -> tuple[str, ...]:
        """The feet exported, left first."""
        return tuple(dict.fromkeys(c.side for c in self.channels))

    def channel(self, side: str, quantity: str) -> Channel | None:
        """The first channel of ``side`` measuring ``quantity`` (``"load"``, ``"cop_ml"``,
        ``"cop_ap"``), or None."""
        return next((c for c in self.channels if c.side == side and c.quantity == quantity), None)


@dataclass(frozen=True)
class Written:
    """What an export wrote.

    Attributes
    ----------
    path : Path
        The file.
    grid : ExportGrid
        The samples and channels it was made from.
    n_events : int
        The events it holds.
    notes : tuple of str
        What a user should know about it (the grid's notes and the writer's), one sentence
        each.
    """

    path: Path
    grid: ExportGrid
    n_events: int
    notes: tuple[str, ...]


def channel_name(side: str, quantity: str, unit: str, k: int | None = None, width: int = 1) -> str:
    """The name of a channel (module docstring): ``left_force_n``, ``left_load_adc``,
    ``right_cop_ml_mm``, ``left_sensor_07_kpa``."""
    if quantity == "load":
        return FORCE.format(side=side) if unit == "n" else LOAD.format(side=side, unit=unit)
    if quantity == "cop_ml":
        return COP_ML.format(side=side, unit=unit)
    if quantity == "cop_ap":
        return COP_AP.format(side=side, unit=unit)
    if quantity == "sensor" and k is not None:
        return SENSOR.format(side=side, k=f"{k:0{width}d}", unit=unit)
    raise ValueError(f"no channel {quantity!r}")


def export_grid(session: Session, *, sensors: bool = False) -> ExportGrid:
    """Every foot's channels on one uniform grid (module docstring).

    Parameters
    ----------
    session : Session
        The session; it is not changed.
    sensors : bool
        Add a channel per sensor (default: load and centre of pressure only).

    Returns
    -------
    ExportGrid
        The grid, the channels and the notes.

    Raises
    ------
    FileFormatError
        When no foot has a frame.
    """
    feet = [session.feet[s] for s in SIDES if s in session.feet and session.feet[s].n_frames]
    if not feet:
        raise FileFormatError(session.path, "no sample frames to export")
    rate = float(max(f.sampling_rate_hz for f in feet))
    t0 = min(float(f.time_s[0]) for f in feet)
    t_end = max(float(f.time_s[-1]) for f in feet)
    n = math.floor((t_end - t0) * rate + ON_GRID_TOLERANCE) + 1
    grid = t0 + np.arange(n) / rate

    channels: list[Channel] = []
    resampled: list[str] = []
    missing: dict[str, int] = {}
    notes: list[str] = []
    for foot in feet:
        placed = _grid_positions(foot, t0, rate, n)
        if placed is None:
            resampled.append(foot.side)
            notes.append(
                f"{foot.side} foot: its frames ({foot.sampling_rate_hz:g} Hz) are not on the "
                f"{rate:g} Hz grid of the export; resampled by linear interpolation"
            )

        load, load_unit = foot.load()
        load_on_grid = _on_grid(np.asarray(load, dtype=np.float64), placed, grid, foot)
        channels.append(
            Channel(
                channel_name(foot.side, "load", load_unit),
                foot.side,
                "load",
                load_unit,
                _load_description(foot, load_unit),
                load_on_grid,
            )
        )
        has = _on_grid(np.ones(foot.n_frames), placed, grid, foot)
        missing[foot.side] = int(np.isnan(has).sum())
        if missing[foot.side]:
            notes.append(
                f"{foot.side} foot: no frame at {missing[foot.side]} of the {n} samples "
                "(before its first frame, after its last, or where frames were lost): NaN there"
            )
        cop = foot_cop(foot)
        if cop is None:
            notes.append(f"{foot.side} foot: no sensor layout, so no centre of pressure")
        else:
            unit = cop.coordinate_unit
            channels += [
                Channel(
                    channel_name(foot.side, "cop_ml", unit),
                    foot.side,
                    "cop_ml",
                    unit,
                    f"{foot.side} centre of pressure x, {unit} medial of the insole's long axis "
                    "(foot frame); NaN while unloaded",
                    _on_grid(cop.x_mm, placed, grid, foot),
                ),
                Channel(
                    channel_name(foot.side, "cop_ap", unit),
                    foot.side,
                    "cop_ap",
                    unit,
                    f"{foot.side} centre of pressure y, {unit} anterior of the heel (foot frame); "
                    "NaN while unloaded",
                    _on_grid(cop.y_mm, placed, grid, foot),
                ),
            ]
        if sensors:
            values = _on_grid(foot.values, placed, grid, foot)
            width = len(str(foot.n_sensors))
            channels += [
                Channel(
                    channel_name(foot.side, "sensor", foot.unit, k + 1, width),
                    foot.side,
                    "sensor",
                    foot.unit,
                    f"{foot.side} sensor {k + 1}",
                    values[:, k],
                )
                for k in range(foot.n_sensors)
            ]
    return ExportGrid(grid, rate, tuple(channels), tuple(resampled), missing, tuple(notes))


def _load_description(foot: FootRecording, unit: str) -> str:
    if foot.total_force_n is not None:
        return f"{foot.side} total force, N (the device's own)"
    if unit == "n":
        return f"{foot.side} total force, N (sum of the sensors' forces)"
    return f"{foot.side} sum of the sensor values, {unit} (not a force)"


def _on_grid(
    values: FloatArray, placed: IntArray | None, grid: FloatArray, foot: FootRecording
) -> FloatArray:
    """A foot's per-frame ``values`` (frames, ...) on the grid: placed at ``placed`` (the
    frames' grid indices), or interpolated when that is None; NaN where the foot has none."""
    if placed is None:
        return _interpolate(grid, foot, values)
    out = np.full((len(grid), *values.shape[1:]), np.nan)
    out[placed] = values
    return out


def _grid_positions(foot: FootRecording, t0: float, rate: float, n: int) -> IntArray | None:
    """Each frame's index on the grid when every frame lies on it (module docstring), else
    None."""
    if not math.isclose(foot.sampling_rate_hz, rate, rel_tol=1e-9):
        return None
    position = (foot.time_s - t0) * rate
    index = np.rint(position)
    if not np.all(np.abs(position - index) <= ON_GRID_TOLERANCE):
        return None
    if np.any(np.diff(index) < 1) or index[0] < 0 or index[-1] >= n:
        return None
    return index.astype(np.int64)


def _interpolate(grid: FloatArray, foot: FootRecording, values: FloatArray) -> FloatArray:
    """``values`` (frames, ...) of ``foot`` linearly interpolated at the ``grid`` times; NaN
    outside the foot's frames and across a gap (module docstring)."""
    t = foot.time_s
    period = 1.0 / foot.sampling_rate_hz
    tolerance = ON_GRID_TOLERANCE * period
    right = np.searchsorted(t, grid - tolerance, side="left")  # first frame at or after
    inside = right < len(t)
    right = np.minimum(right, len(t) - 1)
    exact = inside & (np.abs(t[right] - grid) <= tolerance)
    left = np.maximum(right - 1, 0)
    between = inside & ~exact & (right > 0) & (t[right] - t[left] <= GAP_PERIODS * period)
    span = np.where(between, t[right] - t[left], 1.0)
    w = np.where(between, (grid - t[left]) / span, 0.0)
    shape = (-1,) + (1,) * (values.ndim - 1)
    mixed = values[left] * (1.0 - w).reshape(shape) + values[right] * w.reshape(shape)
    out = np.full((len(grid), *values.shape[1:]), np.nan)
    out[exact] = values[right[exact]]
    out[between] = mixed[between]
    return out


def analysis_events(analysis: Analysis) -> dict[str, dict[str, FloatArray]]:
    """The gait events of ``analyze``: each step's heel strike and toe off (every row of
    ``analysis.steps``, the analysis' complete stances), per side, times in s on the
    session's time axis, in ``Session.events``' form (``{"left": {"heel_strike_s": ...,
    "toe_off_s": ...}}``)."""
    steps = analysis.steps
    out: dict[str, dict[str, FloatArray]] = {}
    if len(steps) == 0:
        return out
    for side in SIDES:
        mine = steps[steps["side"] == side]
        if len(mine):
            out[side] = {
                kind: np.sort(mine[kind].to_numpy(dtype=np.float64)) for kind in EVENT_KINDS
            }
    return out


def count_events(events: Mapping[str, Mapping[str, FloatArray]]) -> int:
    """The number of heel strikes and toe offs in ``events`` (``Session.events``' form)."""
    return sum(
        int(np.isfinite(np.asarray(times)).sum())
        for kinds in events.values()
        for kind, times in kinds.items()
        if kind in EVENT_KINDS
    )


__all__ = [
    "COP_AP",
    "COP_ML",
    "EVENT_KINDS",
    "FORCE",
    "GAP_PERIODS",
    "LOAD",
    "ON_GRID_TOLERANCE",
    "SENSOR",
    "Channel",
    "ExportGrid",
    "Written",
    "analysis_events",
    "channel_name",
    "count_events",
    "export_grid",
]
