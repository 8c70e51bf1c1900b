"""A session on one time grid, for the page to fetch by range.

Both feet are put on one grid of frames at the session's highest rate: grid frame ``k`` is at
``start_s + k / rate_hz`` and shows each foot's latest frame at or before that time (none when
the foot's latest frame is older than ``STALE_PERIODS`` of its periods: a gap or the end of
its data). Per grid frame the page gets the sensor values, the CoP
(``pressure.cop.foot_cop``: foot frame, mm), each foot's share of the load (mean load
of each foot over the ``SHARE_WINDOW_S`` seconds up to the frame) and each foot's frames in
the second up to the frame. The CoP and a running sum of the load are computed once per foot
frame when the file opens; ``frames(start, count)`` computes the rest for the frames asked for
only (a binary search and a few array operations), so opening and seeking cost the same
whatever the recording's length.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ..layout import SensorLayout
from ..model import UNIT_TEXT, Session

FloatArray = npt.NDArray[np.float64]
#: the page's load bars: mean load over this many seconds up to the frame
SHARE_WINDOW_S = 2.0
#: frames per second are counted over this many seconds up to the frame
RATE_WINDOW_S = 1.0
#: a foot's frame older than this many of its periods is not shown (a gap, or its data ended)
STALE_PERIODS = 2.5
#: the most frames one request may ask for
MAX_FRAMES_PER_REQUEST = 2000
#: the colour scale is set from at most this many frames of each foot
SCALE_SAMPLE = 20_000
#: the most points of a step's CoP path sent to the page
STEP_PATH_POINTS = 400
#: the step table's columns (``Analysis.steps``), in this order
STEP_COLUMNS = (
    "side",
    "step",
    "heel_strike_s",
    "toe_off_s",
    "stance_s",
    "stride_s",
    "peak_load_n",
    "used",
)


def layout_json(layout: SensorLayout | None, n_sensors: int) -> dict[str, Any]:
    """A foot's sensor positions for the page: centre ``x_mm``/``y_mm`` (foot frame: +x
    medial, +y toward the toes, mm), the side of each sensor's square (mm, the square root of
    its area), the outline and the foot's size. Without a layout, a plain grid in made-up mm
    (``known``: False) so the values still show."""
    if layout is None:
        cols = max(1, math.ceil(math.sqrt(n_sensors / 2.5)))
        rows = math.ceil(n_sensors / cols)
        k = np.arange(n_sensors)
        pitch = 20.0
        x = (k % cols - (cols - 1) / 2) * pitch
        y = (k // cols + 0.5) * pitch
        return {
            "known": False,
            "name": None,
            "x_mm": x.tolist(),
            "y_mm": y.tolist(),
            "size_mm": [pitch * 0.9] * n_sensors,
            "outline_mm": [],
            "foot_length_mm": rows * pitch,
            "foot_width_mm": cols * pitch,
        }
    return {
        "known": True,
        "name": layout.name,
        "x_mm": np.round(layout.x_mm, 2).tolist(),
        "y_mm": np.round(layout.y_mm, 2).tolist(),
        "size_mm": np.round(np.sqrt(layout.area_mm2), 2).tolist(),
        "outline_mm": np.round(layout.outline_mm, 2).tolist(),
        "foot_length_mm": float(layout.foot_length_mm),
        "foot_width_mm": float(layout.foot_width_mm),
    }


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^k at or above ``value`` (a colour scale's top)."""
    if not math.isfinite(value) or value <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    for step in (1.0, 2.0, 2.5, 5.0, 10.0):
        if step * power >= value * (1 - 1e-12):
            return step * power
    return 10.0 * power  # pragma: no cover - the loop ends at 10


def stride_window(
    strikes: FloatArray, now_s: FloatArray, window_s: float = SHARE_WINDOW_S
) -> tuple[FloatArray, FloatArray]:
    """The load bars' window at each time of ``now_s``: the foot's latest whole strides,
    heel strike to heel strike (``strikes``: its heel strikes, sorted, s), as many as make
    the length closest to ``window_s`` (at least one): (start, end) in s. NaN where the foot
    has not struck twice yet, or has stopped (its latest strike is more than two of its latest
    strides ago); the caller then takes the plain last ``window_s``.

    The integral of a periodic load over whole periods is the same wherever they start, so a
    share over whole strides does not swing with the phase of the gait; over a fixed window it
    does, by several percentage points (so the terminal monitor, ``pressure monitor``, does too)."""
    now = np.atleast_1d(np.asarray(now_s, dtype=np.float64))
    start = np.full(now.shape, np.nan)
    end = np.full(now.shape, np.nan)
    if strikes.size < 2:
        return start, end
    j = np.searchsorted(strikes, now + 1e-9, side="right") - 1  # the latest strike so far
    ok = j >= 1
    jj = np.where(ok, j, 1)
    last = strikes[jj] - strikes[jj - 1]
    ok &= (last > 0) & (now - strikes[jj] <= 2.0 * last)
    k = np.clip(np.round(window_s / np.where(last > 0, last, 1.0)), 1, jj).astype(np.int64)
    start[ok] = strikes[(jj - k)[ok]]
    end[ok] = strikes[jj[ok]]
    return start, end


def _window_counts(time_s: FloatArray, grid_s: FloatArray, window_s: float) -> npt.NDArray[Any]:
    """For each grid time t: (first, end) frame indices of ``time_s`` in (t - window_s, t]."""
    end = np.searchsorted(time_s, grid_s + 1e-9, side="right")
    first = np.searchsorted(time_s, grid_s - window_s + 1e-9, side="right")
    return np.stack([first, end])


@dataclass
class _Foot:
    """One foot's arrays, per frame of its own (not of the grid)."""

    time_s: FloatArray
    values: FloatArray  # (frames, sensors)
    period_s: float
    cop: FloatArray  # (frames, 2) x, y in mm, NaN when unloaded or no layout
    cumulative: FloatArray  # (frames + 1,) running sum of the load, for window means
    load_unit: str
    strikes: FloatArray  # heel strikes by the live view's rule (``stride_window``), s

    def at(self, grid_s: FloatArray) -> npt.NDArray[np.int64]:
        """The foot's frame shown at each grid time: its latest at or before it, -1 when
        none or when that one is older than ``STALE_PERIODS`` periods."""
        t = self.time_s
        frame = np.searchsorted(t, grid_s + 1e-9, side="right") - 1
        ok = frame >= 0
        if t.size:
            safe = np.clip(frame, 0, t.size - 1)
            ok &= grid_s - t[safe] <= STALE_PERIODS * self.period_s
        return np.where(ok, frame, -1)

    def mean_load(self, grid_s: FloatArray) -> FloatArray:
        """Mean load up to each grid time over the foot's latest whole strides
        (``stride_window``), else over the last ``SHARE_WINDOW_S`` (NaN: no frame)."""
        first, end = _window_counts(self.time_s, grid_s, SHARE_WINDOW_S)
        begin_s, end_s = stride_window(self.strikes, grid_s)
        whole = np.isfinite(begin_s)
        t = self.time_s
        first[whole] = np.searchsorted(t, begin_s[whole] - 1e-9, side="left")
        end[whole] = np.searchsorted(t, end_s[whole] - 1e-9, side="left")
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = (self.cumulative[end] - self.cumulative[first]) / (end - first)
        return np.asarray(mean, dtype=np.float64)

    def rate(self, grid_s: FloatArray) -> FloatArray:
        """Frames per second over the ``RATE_WINDOW_S`` up to each grid time (in the first
        second, over the time since the foot's first frame, one period included)."""
        t = self.time_s
        first, end = _window_counts(t, grid_s, RATE_WINDOW_S)
        span = np.clip(grid_s - (t[0] if t.size else 0.0) + self.period_s, 1e-9, None)
        return np.asarray(np.round((end - first) / np.minimum(RATE_WINDOW_S, span), 1))


class ReplayData:
    """A session for the page, sliced on request on one time grid (module docstring).

    Opening costs one pass over each foot (its CoP and a running sum of its load), so a long
    recording opens at once; ``frames`` computes only the frames asked for. The step table
    comes later (``set_steps``), from an analysis the command runs beside the server.

    Parameters
    ----------
    session : Session
        What ``pressure.load`` returned.
    steps : list of dict, optional
        The step table (``Analysis.steps`` rows, ``STEP_COLUMNS``); None with
        ``pending=False`` when the analysis could not run (``analysis_note`` says why).
    analysis_note : str, optional
        Why there is no step table.
    pending : bool
        The step table is still being made (``set_steps`` will bring it).
    """

    def __init__(
        self,
        session: Session,
        steps: list[dict[str, Any]] | None = None,
        analysis_note: str | None = None,
        *,
        pending: bool = False,
    ) -> None:
        from ..cli.monitor import heel_strikes
        from ..cop import foot_cop, sensor_weights

        feet = {side: foot for side, foot in session.feet.items() if foot.n_frames}
        if not feet:
            raise ValueError("a session without frames")
        self.session = session
        self.rate_hz = max(foot.sampling_rate_hz for foot in feet.values())
        self.start_s = min(float(foot.time_s[0]) for foot in feet.values())
        end_s = max(float(foot.time_s[-1]) for foot in feet.values())
        self.n_frames = math.floor((end_s - self.start_s) * self.rate_hz + 1e-6) + 1
        self.steps = steps
        self.analysis_note = analysis_note
        self.pending = pending
        #: set when the page has had its first frames (the analysis waits for it)
        self.shown = threading.Event()
        self.feet: dict[str, _Foot] = {}
        self.units: dict[str, str] = {}
        top = 0.0
        for side, foot in session.feet.items():
            weights = sensor_weights(foot)
            cop = np.full((foot.n_frames, 2), np.nan)
            fc = foot_cop(foot, weights)
            if fc is not None:
                cop[:, 0] = fc.x_mm
                cop[:, 1] = fc.y_mm
            load = weights[0].sum(axis=1)
            strikes = heel_strikes(np.asarray(foot.time_s, dtype=np.float64), load)
            self.feet[side] = _Foot(
                time_s=np.asarray(foot.time_s, dtype=np.float64),
                values=foot.values,
                period_s=1.0 / foot.sampling_rate_hz,
                cop=cop,
                cumulative=np.concatenate([[0.0], np.cumsum(load)]),
                load_unit=weights[1],
                strikes=np.asarray(strikes, dtype=np.float64),
            )
            self.units[side] = foot.unit
            # the colour scale's top: the 99.5th percentile of the values, of every frame up
            # to SCALE_SAMPLE frames, else of that many evenly spread (a long file opens fast)
            every = max(1, foot.n_frames // SCALE_SAMPLE)
            sample = foot.values[::every]
            finite = sample[np.isfinite(sample)]
            if finite.size:
                top = max(top, float(np.percentile(finite, 99.5)))
        self.scale_max = nice_ceiling(top)

    def grid_s(self, start: int = 0, stop: int | None = None) -> FloatArray:
        """Times of grid frames ``start`` .. ``stop - 1`` (s)."""
        stop = self.n_frames if stop is None else stop
        return np.asarray(self.start_s + np.arange(start, stop) / self.rate_hz)

    def share_left_pct(self, start: int = 0, stop: int | None = None) -> FloatArray | None:
        """The left foot's share of both feet's mean load (``SHARE_WINDOW_S``) at grid frames
        ``start`` .. ``stop - 1``, %; None unless both feet are there with loads in one unit."""
        left, right = self.feet.get("left"), self.feet.get("right")
        if left is None or right is None or left.load_unit != right.load_unit:
            return None
        grid = self.grid_s(start, stop)
        mean_left, mean_right = left.mean_load(grid), right.mean_load(grid)
        total = mean_left + mean_right
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(total > 0, 100.0 * mean_left / total, np.nan)
        return np.asarray(share, dtype=np.float64)

    def set_steps(self, steps: list[dict[str, Any]] | None, note: str | None = None) -> None:
        """The analysis has ended: its step table, or None and why not."""
        self.steps = steps
        self.analysis_note = note
        self.pending = False

    def steps_json(self) -> dict[str, Any]:
        """The step table and the gait events (heel strikes, toe offs) for the timeline;
        ``pending`` while the analysis runs."""
        steps = self.steps or []
        events = [
            {"side": s["side"], "kind": kind, "time_s": s[f"{kind}_s"]}
            for s in steps
            for kind in ("heel_strike", "toe_off")
            if s.get(f"{kind}_s") is not None
        ]
        return {
            "pending": self.pending,
            "steps": steps,
            "step_columns": list(STEP_COLUMNS),
            "events": events,
            "analysis_note": self.analysis_note,
        }

    def meta(self) -> dict[str, Any]:
        """What the page needs once: the grid, the layouts, the colour scale, the file's
        counters, and the step table when it is ready (``steps_json``)."""
        session = self.session
        quality = session.quality
        unit = next(iter(self.units.values()))
        return {
            "mode": "replay",
            "file": session.path.name,
            "format": session.format,
            "n_frames": self.n_frames,
            "rate_hz": self.rate_hz,
            "start_s": self.start_s,
            "duration_s": (self.n_frames - 1) / self.rate_hz,
            "feet": {
                side: layout_json(foot.layout, foot.n_sensors)
                for side, foot in session.feet.items()
            },
            "unit": unit,
            "unit_text": UNIT_TEXT.get(unit, unit),
            "scale_max": self.scale_max,
            "frames": {side: foot.n_frames for side, foot in session.feet.items()},
            "frames_lost": int(quality.get("frames_lost", 0)),
            "crc_errors": int(quality.get("crc_errors", 0)),
            **self.steps_json(),
            "share_band_pct": [47.5, 52.5],
            "share_window_s": SHARE_WINDOW_S,
        }

    def frames(self, start: int, count: int) -> dict[str, Any]:
        """Grid frames ``start`` .. ``start + count - 1`` (clipped to the grid): time (s),
        per foot the values (null where none), the CoP [x, y] in mm (null when unloaded) and
        frames in the last second, and the left share of the load (%; null when unknown)."""
        self.shown.set()
        start = max(0, min(int(start), self.n_frames))
        stop = min(self.n_frames, start + max(0, min(int(count), MAX_FRAMES_PER_REQUEST)))
        grid = self.grid_s(start, stop)
        share = self.share_left_pct(start, stop)
        feet: dict[str, Any] = {}
        for side, foot in self.feet.items():
            frame = foot.at(grid)
            values = np.round(foot.values[np.maximum(frame, 0)], 2) if foot.values.size else None
            cop = np.round(foot.cop[np.maximum(frame, 0)], 1) if foot.cop.size else None
            feet[side] = {
                "values": [
                    None if k < 0 or values is None else _floats(values[i])
                    for i, k in enumerate(frame)
                ],
                "cop": [
                    None if k < 0 or cop is None or np.isnan(cop[i]).any() else cop[i].tolist()
                    for i, k in enumerate(frame)
                ],
                "rate": foot.rate(grid).tolist(),
            }
        return {
            "start": start,
            "time_s": np.round(grid, 4).tolist(),
            "feet": feet,
            "share_left_pct": None if share is None else _floats(np.round(share, 2)),
        }

    def step(self, side: str, number: int) -> dict[str, Any] | None:
        """One step of the table: each sensor's peak from its heel strike to its toe off
        (both included) and the CoP path over them (mm, null where unloaded; at most
        ``STEP_PATH_POINTS`` points, evenly picked). None when there is no such step."""
        rows = [s for s in self.steps or [] if s.get("side") == side and s.get("step") == number]
        foot = self.feet.get(side)
        if not rows or foot is None:
            return None
        row = rows[0]
        begin, end = row.get("heel_strike_s"), row.get("toe_off_s")
        if begin is None or end is None:
            return None
        t = foot.time_s
        first = int(np.searchsorted(t, begin - 1e-9, side="left"))
        stop = int(np.searchsorted(t, end + 1e-9, side="right"))
        if stop <= first:
            return None
        with np.errstate(invalid="ignore"):
            peak = np.nanmax(foot.values[first:stop], axis=0)
        points = min(STEP_PATH_POINTS, stop - first)
        pick = np.unique(np.linspace(first, stop - 1, points).astype(int))
        path = np.round(foot.cop[pick], 1)
        return {
            "side": side,
            "step": number,
            "row": row,
            "frames": stop - first,
            "peak": _floats(np.round(peak, 2)),
            "peak_max": float(np.nanmax(peak)) if np.isfinite(peak).any() else None,
            "cop_path": [None if np.isnan(xy).any() else xy.tolist() for xy in path],
        }


def _floats(values: npt.NDArray[Any]) -> list[float | None]:
    """A row for JSON: NaN (which JSON has not) as null."""
    return [float(v) if math.isfinite(v) else None for v in values.tolist()]


def steps_table(analysis: Any) -> list[dict[str, Any]]:
    """The rows of ``Analysis.steps`` the page's table shows (``STEP_COLUMNS``), numbers
    rounded, NaN as None."""
    table = analysis.steps
    rows: list[dict[str, Any]] = []
    if table is None or len(table) == 0:
        return rows
    columns = [c for c in STEP_COLUMNS if c in table.columns]
    for record in table[columns].to_dict("records"):
        row: dict[str, Any] = {}
        for key, value in record.items():
            if isinstance(value, bool | np.bool_):
                row[key] = bool(value)
            elif isinstance(value, int | np.integer):
                row[key] = int(value)
            elif isinstance(value, float | np.floating):
                row[key] = round(float(value), 3) if math.isfinite(value) else None
            else:
                row[key] = str(value)
        rows.append(row)
    return rows
