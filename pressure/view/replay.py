"""A session turned once into per-frame arrays on one time grid, for the page to fetch by range.

Both feet are put on one grid of frames at the session's highest rate: grid frame ``k`` is at
``start_s + k / rate_hz`` and shows each foot's latest frame at or before that time (none when
the foot's latest frame is older than ``STALE_PERIODS`` of its periods: a gap or the end of
its data). Everything the page shows per frame is computed here with numpy, once: the sensor
values, the CoP (``pressure.analysis.cop.foot_cop``: foot frame, mm), each foot's share of the
load (mean load of each foot over the ``SHARE_WINDOW_S`` seconds up to the frame) and each
foot's frames in the second up to the frame. ``frames(start, count)`` only slices.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ..layout import SensorLayout
from ..model import UNIT_TEXT, FootRecording, Session

FloatArray = npt.NDArray[np.float64]
#: the page's load bars: mean load over this many seconds up to the frame
SHARE_WINDOW_S = 2.0
#: frames per second are counted over this many seconds up to the frame
RATE_WINDOW_S = 1.0
#: a foot's frame older than this many of its periods is not shown (a gap, or its data ended)
STALE_PERIODS = 2.5
#: the most frames one request may ask for
MAX_FRAMES_PER_REQUEST = 2000
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


def _window_counts(time_s: FloatArray, grid_s: FloatArray, window_s: float) -> npt.NDArray[Any]:
    """For each grid time t: (first, end) frame indices of ``time_s`` in (t - window_s, t]."""
    end = np.searchsorted(time_s, grid_s + 1e-9, side="right")
    first = np.searchsorted(time_s, grid_s - window_s + 1e-9, side="right")
    return np.stack([first, end])


@dataclass
class _FootArrays:
    frame: npt.NDArray[np.int64]  # the foot's frame shown at each grid frame, -1: none
    values: FloatArray  # (grid frames, sensors), NaN where none
    cop: FloatArray  # (grid frames, 2) x, y in mm, NaN when unloaded or no layout
    mean_load: FloatArray  # mean load over SHARE_WINDOW_S up to each grid frame
    load_unit: str
    rate: FloatArray  # frames per second: the foot's frames in RATE_WINDOW_S up to each frame


class ReplayData:
    """Per-frame arrays of ``session`` on one time grid (module docstring).

    Parameters
    ----------
    session : Session
        What ``pressure.load`` returned.
    steps : list of dict, optional
        The step table (``Analysis.steps`` rows, ``STEP_COLUMNS``), None when the analysis
        could not run (``analysis_note`` says why).
    analysis_note : str, optional
        Why there is no step table.
    """

    def __init__(
        self,
        session: Session,
        steps: list[dict[str, Any]] | None = None,
        analysis_note: str | None = None,
    ) -> None:
        from ..analysis.cop import foot_cop, sensor_weights

        feet = session.feet
        if not feet:
            raise ValueError("a session without frames")
        self.session = session
        self.rate_hz = max(foot.sampling_rate_hz for foot in feet.values())
        self.start_s = min(float(foot.time_s[0]) for foot in feet.values() if foot.n_frames)
        end_s = max(float(foot.time_s[-1]) for foot in feet.values() if foot.n_frames)
        self.n_frames = math.floor((end_s - self.start_s) * self.rate_hz + 1e-6) + 1
        self.time_s = self.start_s + np.arange(self.n_frames) / self.rate_hz
        self.steps = steps
        self.analysis_note = analysis_note
        self.feet: dict[str, _FootArrays] = {}
        self.units: dict[str, str] = {}
        top = 0.0
        for side, foot in feet.items():
            arrays = self._foot(foot, foot_cop, sensor_weights)
            self.feet[side] = arrays
            self.units[side] = foot.unit
            finite = foot.values[np.isfinite(foot.values)]
            if finite.size:
                top = max(top, float(np.percentile(finite, 99.5)))
        self.scale_max = nice_ceiling(top)

    def _foot(self, foot: FootRecording, foot_cop: Any, sensor_weights: Any) -> _FootArrays:
        grid = self.time_s
        t = foot.time_s
        n = foot.n_frames
        frame = np.searchsorted(t, grid + 1e-9, side="right") - 1
        ok = frame >= 0
        safe = np.clip(frame, 0, max(n - 1, 0))
        if n:
            ok &= grid - t[safe] <= STALE_PERIODS / foot.sampling_rate_hz
        frame = np.where(ok, frame, -1)
        values = np.full((self.n_frames, foot.n_sensors), np.nan)
        values[ok] = foot.values[frame[ok]]
        weights = sensor_weights(foot)
        cop = np.full((self.n_frames, 2), np.nan)
        fc = foot_cop(foot, weights)
        if fc is not None:
            cop[ok, 0] = fc.x_mm[frame[ok]]
            cop[ok, 1] = fc.y_mm[frame[ok]]
        load = weights[0].sum(axis=1)
        cumulative = np.concatenate([[0.0], np.cumsum(load)])
        first, end = _window_counts(t, grid, SHARE_WINDOW_S)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_load = (cumulative[end] - cumulative[first]) / (end - first)
        first, end = _window_counts(t, grid, RATE_WINDOW_S)
        # in the first second, over the time since the foot's first frame (one period included)
        span = np.clip(grid - (t[0] if n else 0.0) + 1.0 / foot.sampling_rate_hz, 1e-9, None)
        rate = np.round((end - first) / np.minimum(RATE_WINDOW_S, span), 1)
        return _FootArrays(
            frame=frame,
            values=values,
            cop=cop,
            mean_load=mean_load,
            load_unit=weights[1],
            rate=rate,
        )

    def share_left_pct(self) -> FloatArray | None:
        """The left foot's share of both feet's mean load (``SHARE_WINDOW_S``) at each grid
        frame, %; None unless both feet are there with loads in one unit."""
        left, right = self.feet.get("left"), self.feet.get("right")
        if left is None or right is None or left.load_unit != right.load_unit:
            return None
        total = left.mean_load + right.mean_load
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(total > 0, 100.0 * left.mean_load / total, np.nan)
        return np.asarray(share, dtype=np.float64)

    def meta(self) -> dict[str, Any]:
        """What the page needs once: the grid, the layouts, the colour scale, the events, the
        step table and the file's counters."""
        session = self.session
        quality = session.quality
        steps = self.steps or []
        events = [
            {"side": s["side"], "kind": kind, "time_s": s[f"{kind}_s"]}
            for s in steps
            for kind in ("heel_strike", "toe_off")
            if s.get(f"{kind}_s") is not None
        ]
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
            "steps": steps,
            "step_columns": list(STEP_COLUMNS),
            "events": events,
            "analysis_note": self.analysis_note,
            "share_band_pct": [47.5, 52.5],
            "share_window_s": SHARE_WINDOW_S,
        }

    def frames(self, start: int, count: int) -> dict[str, Any]:
        """Grid frames ``start`` .. ``start + count - 1`` (clipped to the grid): time (s),
        per foot the values (null where none), the CoP [x, y] in mm (null when unloaded) and
        frames in the last second, and the left share of the load (%; null when unknown)."""
        start = max(0, min(int(start), self.n_frames))
        stop = min(self.n_frames, start + max(0, min(int(count), MAX_FRAMES_PER_REQUEST)))
        share = self.share_left_pct()
        feet: dict[str, Any] = {}
        for side, arrays in self.feet.items():
            values = np.round(arrays.values[start:stop], 2)
            cop = np.round(arrays.cop[start:stop], 1)
            feet[side] = {
                "values": [
                    None if arrays.frame[start + i] < 0 else _floats(row)
                    for i, row in enumerate(values)
                ],
                "cop": [None if np.isnan(xy).any() else xy.tolist() for xy in cop],
                "rate": arrays.rate[start:stop].tolist(),
            }
        return {
            "start": start,
            "time_s": np.round(self.time_s[start:stop], 4).tolist(),
            "feet": feet,
            "share_left_pct": None if share is None else _floats(np.round(share[start:stop], 2)),
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
