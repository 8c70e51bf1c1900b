"""Gait events from one foot's load: heel strike (initial contact) and toe off (foot off).

The method works on any load signal, calibrated (N) or not (ADC counts, the arbitrary units
of PhysioNet gaitndd), because it judges the signal against its own local range rather than
against an absolute threshold (METHODS §4.1 notes that a fixed threshold needs the offset
removed first; insole baselines drift, and uncalibrated ones have no known zero):

1. **Local range.** The swing level ``low(t)`` and the stance level ``high(t)`` are the 5th and
   95th percentiles of the load in a window of ``window_s`` (4 s: two to four strides) around
   t, computed on the signal decimated to about 25 Hz and interpolated back.
   ``level(t) = (load − low) / (high − low)`` is 0 in swing and about 1 at the stance peaks.
2. **Stance with hysteresis.** The foot is in stance from when ``level`` rises through
   ``threshold + hysteresis`` until it falls through ``threshold − hysteresis`` (default 30 %
   ± 5 %). Then the minimum durations (METHODS §4.1: stances of at least ``min_stance_s``
   0.2 s, swings of at least ``min_swing_s`` 0.1 s): a shorter swing joins its two stances,
   a shorter stance is dropped.
3. **Exact instants.** The crossing points lie part-way up the loading ramp. The heel strike
   is the start of that steep rise: from the up-crossing, walk back while the load still
   rises faster than ``rise_per_s`` × range per second. The toe off is the end of the fall:
   from the down-crossing, walk forward while it still falls faster than ``fall_per_s`` ×
   range per second (the slope is a Savitzky–Golay derivative, 7 samples, degree 2) — for
   loads without a known zero. For loads with a physical zero (N, kPa, ADC counts) the toe
   off is where the load falls below the swing level plus ``toe_off_level`` (10 %) of the
   range: that matches the Moticon OpenGo software's toe offs (tests), and pressuRe's default
   threshold is 10 % of the range (METHODS §4.1). Both rules work from the local swing level,
   not from zero, so a baseline offset does not move the events.
4. **Is this walking?** A foot walks when its local range is large against its load: the
   swing level sits below ``max_swing_level`` (25 %) of the stance level above the signal's
   zero (for loads with a physical zero: N, kPa) and the range exceeds ``min_range``
   (20 N for loads in N). A stance that is not wholly inside a walking stretch is not
   reported. A load that swings like walking but never falls near zero (an untared offset of
   more than a quarter of the stance level) is not taken for walking; ``analyze`` says so.

Validated in ``tests/test_analysis_reference.py`` against the authors' stride table of
PhysioNet gaitndd (figures in the README) and against the Moticon OpenGo software's events.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class EventOptions:
    """Parameters of ``detect_events`` (see the module docstring). Times in s; levels as
    fractions of the local range."""

    threshold: float = 0.30
    hysteresis: float = 0.05
    window_s: float = 4.0
    min_stance_s: float = 0.2
    min_swing_s: float = 0.1
    rise_per_s: float = 3.0
    fall_per_s: float = 0.6
    search_s: float = 0.15
    toe_off_level: float = 0.10
    max_swing_level: float = 0.25
    min_range_n: float = 20.0

    def __post_init__(self) -> None:
        if not 0 < self.hysteresis < self.threshold < 1 - self.hysteresis:
            raise ValueError("need 0 < hysteresis < threshold < 1 - hysteresis")
        for name in ("window_s", "min_stance_s", "min_swing_s", "search_s"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive")


@dataclass(frozen=True)
class FootEvents:
    """One foot's stances as sample indices into its arrays.

    ``heel_strike`` and ``toe_off`` pair up: stance k runs from ``heel_strike[k]`` to
    ``toe_off[k]`` (inclusive start, the first sample of swing at the end). ``complete[k]``
    is False for a stance cut by the start or end of the recording, or by a gap (NaN run)
    in the signal; its cut end is then the cut, not an event. ``low``/``high`` are the local
    swing and stance levels (same unit as the load).
    """

    heel_strike: IntArray
    toe_off: IntArray
    complete: BoolArray
    low: FloatArray
    high: FloatArray
    walking: bool


def _fill_gaps(load: FloatArray) -> tuple[FloatArray, BoolArray]:
    """NaN samples linearly interpolated (edges held); returns the filled copy and the mask."""
    bad = ~np.isfinite(load)
    if not bad.any():
        return load.astype(np.float64, copy=False), bad
    good = np.flatnonzero(~bad)
    filled = load.astype(np.float64, copy=True)
    if good.size == 0:
        filled[:] = 0.0
        return filled, bad
    filled[bad] = np.interp(np.flatnonzero(bad), good, load[good])
    return filled, bad


def local_range(
    load: FloatArray, sampling_rate_hz: float, window_s: float
) -> tuple[FloatArray, FloatArray]:
    """(low, high): 5th and 95th percentile of ``load`` over a moving window (see module)."""
    from scipy.ndimage import percentile_filter

    n = load.size
    step = max(1, round(sampling_rate_hz / 25.0))
    coarse = load[::step]
    size = max(3, round(window_s * sampling_rate_hz / step) | 1)
    if coarse.size <= size:  # shorter than a window: one range for the whole signal
        low = np.full(n, np.percentile(load, 5))
        high = np.full(n, np.percentile(load, 95))
        return low, high
    lo = percentile_filter(coarse, 5, size=size, mode="nearest")
    hi = percentile_filter(coarse, 95, size=size, mode="nearest")
    at = np.arange(coarse.size) * step
    where = np.arange(n)
    return np.interp(where, at, lo), np.interp(where, at, hi)


def _runs(mask: BoolArray) -> tuple[IntArray, IntArray]:
    """Start and stop (exclusive) indices of the runs of True in ``mask``."""
    padded = np.concatenate([[False], mask, [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return edges[0::2].astype(np.int64), edges[1::2].astype(np.int64)


def _hysteresis(level: FloatArray, on: float, off: float) -> BoolArray:
    """True from a rise through ``on`` until a fall through ``off`` (vectorised latch)."""
    state = np.full(level.size, np.nan)
    state[level >= on] = 1.0
    state[level <= off] = 0.0
    # carry the last decided state forward; undecided start counts as its first decision
    idx = np.where(np.isfinite(state), np.arange(level.size), 0)
    np.maximum.accumulate(idx, out=idx)
    carried = state[idx]
    first = np.flatnonzero(np.isfinite(state))
    if first.size == 0:
        return np.zeros(level.size, dtype=np.bool_)
    carried[: first[0]] = state[first[0]]
    return carried == 1.0


def detect_events(
    load: FloatArray,
    sampling_rate_hz: float,
    *,
    physical_zero: bool = True,
    unit_is_newton: bool = False,
    options: EventOptions | None = None,
) -> FootEvents:
    """Stances of one foot from its load per sample (NaN for missing samples).

    ``physical_zero``: the load's zero means no load (N, kPa); False for signals with an
    arbitrary offset (gaitndd), which are then judged on their local range alone.
    ``unit_is_newton`` enables the ``min_range_n`` rule.
    """
    opt = options or EventOptions()
    fs = float(sampling_rate_hz)
    n = int(load.size)
    empty = np.zeros(0, dtype=np.int64)
    none = FootEvents(empty, empty, np.zeros(0, dtype=np.bool_), np.zeros(n), np.zeros(n), False)
    if n < max(7, int(2 * opt.min_stance_s * fs)) or not np.isfinite(load).any():
        return none
    filled, gap = _fill_gaps(np.asarray(load, dtype=np.float64))
    low, high = local_range(filled, fs, opt.window_s)
    span = high - low
    big = np.nanmax(span)
    if not big > 0:
        return none
    # where the signal is walking: a large local range against the load (module docstring)
    walking = span > 0.05 * big
    if physical_zero:
        walking &= low <= opt.max_swing_level * np.maximum(high, 0.0)
        walking &= high > 0
    if unit_is_newton:
        walking &= span >= opt.min_range_n
    safe = np.where(span > 0, span, np.inf)
    level = (filled - low) / safe
    stance = _hysteresis(level, opt.threshold + opt.hysteresis, opt.threshold - opt.hysteresis)
    starts, stops = _runs(stance)
    # a stance that is not wholly inside a walking stretch (standing before or after the
    # walk) has no measurable event at that end: dropped
    outside = np.concatenate([[0], np.cumsum(~walking)])
    inside = (outside[stops] - outside[starts]) == 0
    starts, stops = starts[inside], stops[inside]
    # minimum durations: short swings join their stances, then short stances go
    if starts.size > 1:
        keep_gap = (starts[1:] - stops[:-1]) >= opt.min_swing_s * fs
        starts = starts[np.concatenate([[True], keep_gap])]
        stops = stops[np.concatenate([keep_gap, [True]])]
    long_enough = (stops - starts) >= opt.min_stance_s * fs
    starts, stops = starts[long_enough], stops[long_enough]
    if starts.size == 0:
        return FootEvents(empty, empty, np.zeros(0, dtype=np.bool_), low, high, False)

    from scipy.signal import savgol_filter

    slope = savgol_filter(filled, 7, 2, deriv=1) * fs  # load units per second
    look = max(1, round(opt.search_s * fs))
    rise = opt.rise_per_s * span
    fall = opt.fall_per_s * span
    # toe-off level, measured from the local swing level so an untared offset does not move it
    floor_ = low + opt.toe_off_level * span
    hs = starts.copy()
    to = stops.copy()
    for k in range(starts.size):
        i = int(starts[k])
        floor = int(stops[k - 1]) if k else 0
        limit = max(floor, i - look)
        while i > limit and slope[i - 1] > rise[i - 1]:
            i -= 1
        hs[k] = i
        j = int(stops[k])
        ceiling = int(starts[k + 1]) if k + 1 < starts.size else n
        limit = min(ceiling, int(stops[k]) + look, n)
        if physical_zero:
            # back to the last sample at or above the toe-off level (above zero)
            while j > hs[k] + 1 and filled[j - 1] < floor_[j - 1]:
                j -= 1
            while j < limit and filled[j] >= floor_[j]:
                j += 1
        else:
            while j < limit and slope[j - 1] < -fall[j - 1]:
                j += 1
        to[k] = j
    complete = (hs > 0) & (to < n)
    to = np.minimum(to, n - 1)
    # a stance that touches a gap in the signal is not measured there
    if gap.any():
        gap_cum = np.concatenate([[0], np.cumsum(gap)])
        lo_i = np.maximum(hs - look, 0)
        hi_i = np.minimum(to + look, n)
        complete &= (gap_cum[hi_i] - gap_cum[lo_i]) == 0
    # a stance already under way at the start (or still at the end) has no event there
    complete &= starts > 0
    complete &= stops < n
    return FootEvents(hs, to, complete, low, high, True)
