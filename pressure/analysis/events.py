"""Gait events from one foot's load: heel strike (initial contact) and toe off (foot off).

The method works on any load signal, calibrated (N) or not (ADC counts, the arbitrary units
of PhysioNet gaitndd). Every event is a *level crossing*: the load passes a level set
between the swing floor next to the event and the step's own peak (METHODS §4.1 defines
events as threshold crossings after the offset is removed; a level relative to the floor
removes the offset, and one relative to the step's peak follows a foot that loads more on
one step than the next, or a sensor whose gain drifts).

1. **Where the stances are.** The local swing and stance levels ``low(t)``/``high(t)`` are
   the 5th and 95th percentiles of the load over ``window_s`` (4 s: two to four strides)
   around t (on the signal decimated to about 25 Hz). ``level(t) = (load − low) /
   (high − low)``; the foot is in stance from a rise through ``threshold + hysteresis`` to a
   fall through ``threshold − hysteresis`` (30 % ± 5 %). Stances shorter than
   ``min_stance_s`` (0.2 s) go, swings shorter than ``min_swing_s`` (0.1 s) join their
   stances (METHODS §4.1). These crossings lie part-way up and down the load ramps; they
   only say where each stance is.
2. **The swing floor** on each side of a stance is the median of the middle part of that
   swing (``floor_part``: its central half, at most ``floor_window_s`` next to the stance),
   so it follows a baseline that drifts from one swing to the next and is lifted neither by
   the unloading tail nor by the next rising edge; its robust SD (1.4826 × MAD) is the
   noise. **The step's peak** is its largest sample.
3. **Heel strike**, for a load with a physical zero (N, kPa, ADC counts): the first sample
   above ``floor + heel_strike_level × (peak − floor)`` (3 %) after the last sample at or
   below it before the stance. A level this low lies below the plateau of a two-stage heel
   loading (a small rise, a pause, then the steep rise), so the event is the first contact,
   as a force plate's 20-40 N threshold would place it (METHODS §4.1; the Moticon OpenGo
   software's heel strikes sit there). For a load *without* a known zero
   (``physical_zero=False``: an uncalibrated force-sensitive resistor, whose swing level
   creeps and drifts), a low level relative to the floor cannot tell first contact from that
   creep; there the heel strike is the foot of the steep rise: from the stance's first
   sample, walk back while the load still rises faster than ``raw_rise_per_s`` × (peak −
   floor) per second (slope: Savitzky–Golay derivative, 7 samples, degree 2). Chosen on
   PhysioNet gaitndd records 1-4, whose authors place their heel strikes there.
4. **Toe off**: the first sample at or below ``floor + toe_off_level × (peak − floor)``
   after the stance, measured from the floor of the swing that follows. ``toe_off_level``
   is 10 % for loads with a physical zero (pressuRe's automatic threshold is 10 % of the
   range, METHODS §4.1, and the Moticon OpenGo software's toe offs sit there) and
   ``raw_toe_off_level`` 7 % for loads without one (chosen on gaitndd records 1-4: a
   force-sensitive resistor read through a voltage divider is not proportional to force,
   so its fractions are not the force's). A shoulder of the unloading above the level is
   stance; one below it is swing.
5. Neither level is ever closer to its floor than ``noise_sds`` (3) robust SDs of the swing.
   A stance that touches a gap in the signal (NaN samples, or more than
   ``max_missing_frames`` (2) frames missing from the time axis: a lost frame or two moves an
   event by at most their duration) is not complete, and a stride across a gap is not known.
6. **Is this walking?** A foot walks when its local range is large against its load: the
   swing level sits below ``max_swing_level`` (25 %) of the stance level above the signal's
   zero (for loads with a physical zero) and the range exceeds ``min_range_n`` (20 N for
   loads in N). A stance not wholly inside a walking stretch is not reported. A load that
   swings like walking but never falls near zero (an untared offset of more than a quarter
   of the stance level) is not taken for walking; ``analyze`` says so.

The levels were chosen on one part of the reference data (gaitndd records 1-4 of each
group; the first half of the Moticon export and the walk with manual events) and are
reported on the other (``benchmarks/validate.py``; README "Validation"); tests in
``tests/test_analysis_reference.py`` hold them to the targets.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class EventOptions:
    """Parameters of ``detect_events`` (see the module docstring). Times in s;
    ``threshold`` and ``hysteresis`` as fractions of the local range, the event levels as
    fractions of (step peak − swing floor), ``raw_rise_per_s`` in (peak − floor) per second,
    ``noise_sds`` in robust SDs of the swing."""

    threshold: float = 0.30
    hysteresis: float = 0.05
    window_s: float = 4.0
    min_stance_s: float = 0.2
    min_swing_s: float = 0.1
    heel_strike_level: float = 0.03
    toe_off_level: float = 0.10
    raw_toe_off_level: float = 0.07
    raw_rise_per_s: float = 3.0
    noise_sds: float = 3.0
    floor_part: tuple[float, float] = (0.25, 0.75)
    floor_window_s: float = 1.0
    max_swing_level: float = 0.25
    min_range_n: float = 20.0
    max_missing_frames: int = 2

    def __post_init__(self) -> None:
        if not 0 < self.hysteresis < self.threshold < 1 - self.hysteresis:
            raise ValueError("need 0 < hysteresis < threshold < 1 - hysteresis")
        for name in ("window_s", "min_stance_s", "min_swing_s", "floor_window_s"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive")
        for name in ("heel_strike_level", "toe_off_level", "raw_toe_off_level"):
            if not 0 < getattr(self, name) < 1:
                raise ValueError(f"{name} must be a fraction between 0 and 1")
        for name in ("raw_rise_per_s", "noise_sds", "min_range_n"):
            if not getattr(self, name) >= 0:
                raise ValueError(f"{name} must not be negative")
        if not (isinstance(self.max_missing_frames, int) and self.max_missing_frames >= 0):
            raise ValueError("max_missing_frames must be a whole number >= 0")
        low, high = self.floor_part
        if not 0 <= low < high <= 1:
            raise ValueError("floor_part must be two fractions, 0 <= first < second <= 1")


@dataclass(frozen=True)
class FootEvents:
    """One foot's stances as sample indices into its arrays.

    ``heel_strike`` and ``toe_off`` pair up: stance k runs from ``heel_strike[k]`` to
    ``toe_off[k]`` (inclusive start, the first sample of swing at the end). ``complete[k]``
    is False for a stance cut by the start or end of the recording, or by a gap in the
    signal (a run of NaN, or frames missing from the time axis); its cut end is then the cut,
    not an event. ``low``/``high`` are the local swing and stance levels (same unit as the
    load). ``gap``: per sample, True where it is missing or follows missing frames (None:
    not known), so that a stride across a gap is not taken for one.
    """

    heel_strike: IntArray
    toe_off: IntArray
    complete: BoolArray
    low: FloatArray
    high: FloatArray
    walking: bool
    gap: BoolArray | None = None


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
    step = decimation(sampling_rate_hz)
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


def _prepared(
    load: FloatArray, fs: float, opt: EventOptions, time_s: FloatArray | None
) -> tuple[FloatArray, BoolArray, FloatArray, FloatArray]:
    """The load with its gaps filled, the gap mask (NaN samples, and frames after more than
    ``max_missing_frames`` missing ones) and the local range ``low``, ``high``."""
    filled, _ = _fill_gaps(np.asarray(load, dtype=np.float64))
    low, high = local_range(filled, fs, opt.window_s)
    return filled, gap_mask(load, fs, opt, time_s), low, high


def gap_mask(
    load: FloatArray, sampling_rate_hz: float, opt: EventOptions, time_s: FloatArray | None
) -> BoolArray:
    """Per sample: missing (NaN), or after more than ``max_missing_frames`` frames missing
    from the time axis (``FootEvents.gap``)."""
    gap: BoolArray = ~np.isfinite(load)
    n = int(load.size)
    if time_s is not None and time_s.size == n and n > 1:
        # more than max_missing_frames frames lost before this one
        gap[1:] |= np.diff(time_s) > (opt.max_missing_frames + 1.5) / float(sampling_rate_hz)
    return gap


def decimation(sampling_rate_hz: float) -> int:
    """The step of ``local_range``'s decimated signal: a chunk of a load that starts at a
    multiple of it gives the whole load's local range away from the chunk's edges."""
    return max(1, round(sampling_rate_hz / 25.0))


def local_spans(
    load: FloatArray,
    sampling_rate_hz: float,
    options: EventOptions | None = None,
    time_s: FloatArray | None = None,
) -> FloatArray:
    """The local range (``high − low``, step 1 of the module docstring) at each sample of
    ``load``, gaps filled as ``detect_events`` fills them; its largest value over a whole
    recording is what ``detect_events`` judges walking against (``big``)."""
    opt = options or EventOptions()
    if not np.isfinite(load).any():
        return np.full(load.size, np.nan)
    _, _, low, high = _prepared(load, float(sampling_rate_hz), opt, time_s)
    return high - low


def detect_events(
    load: FloatArray,
    sampling_rate_hz: float,
    *,
    physical_zero: bool = True,
    unit_is_newton: bool = False,
    options: EventOptions | None = None,
    time_s: FloatArray | None = None,
    big: float | None = None,
) -> FootEvents:
    """Stances of one foot from its load per sample (NaN for missing samples).

    ``physical_zero``: the load's zero means no load (N, kPa); False for signals with an
    arbitrary offset (gaitndd), which are then judged on their local range alone.
    ``unit_is_newton`` enables the ``min_range_n`` rule. ``time_s``: the samples' times, so
    that a run of more than ``max_missing_frames`` frames missing from the time axis counts as
    a gap like NaN samples do; without it the samples are taken as evenly spaced. ``big``:
    the largest local range of the whole recording (``local_spans``) when ``load`` is a
    part of it (default: this load's own).
    """
    opt = options or EventOptions()
    fs = float(sampling_rate_hz)
    n = int(load.size)
    empty = np.zeros(0, dtype=np.int64)
    none = FootEvents(empty, empty, np.zeros(0, dtype=np.bool_), np.zeros(n), np.zeros(n), False)
    if n < max(7, int(2 * opt.min_stance_s * fs)) or not np.isfinite(load).any():
        return none
    filled, gap, low, high = _prepared(load, fs, opt, time_s)
    span = high - low
    if big is None:
        big = float(np.nanmax(span))
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

    hs, to = _level_crossings(filled, starts, stops, opt, fs, known_zero=physical_zero)
    complete = (hs > 0) & (to < n)
    to = np.minimum(to, n - 1)
    # a stance that touches a gap in the signal is not measured there
    if gap.any():
        gap_cum = np.concatenate([[0], np.cumsum(gap)])
        lo_i = np.maximum(hs - 1, 0)
        hi_i = np.minimum(to + 2, n)
        complete &= (gap_cum[hi_i] - gap_cum[lo_i]) == 0
    # a stance already under way at the start (or still at the end) has no event there
    complete &= starts > 0
    complete &= stops < n
    return FootEvents(hs, to, complete, low, high, True, gap)


def _floors(
    load: FloatArray, a: IntArray, b: IntArray, part: tuple[float, float]
) -> tuple[FloatArray, FloatArray]:
    """Median and robust SD (1.4826 × MAD) of the middle ``part`` of each segment
    [a, b) of ``load``, all segments at once (NaN for an empty one)."""
    m = b - a
    lo = a + (part[0] * m).astype(np.int64)
    hi = np.maximum(lo + 1, a + (part[1] * m).astype(np.int64))
    width = hi - lo
    if width.size == 0:
        empty = np.zeros(0)
        return empty, empty
    offsets = np.arange(int(width.max()))
    idx = lo[:, None] + offsets[None, :]
    inside = offsets[None, :] < width[:, None]
    values = np.where(inside, load[np.minimum(idx, load.size - 1)], np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows: empty segments
        median = np.nanmedian(values, axis=1)
        sd = 1.4826 * np.nanmedian(np.abs(values - median[:, None]), axis=1)
    return median, sd


def _level_crossings(
    load: FloatArray,
    starts: IntArray,
    stops: IntArray,
    opt: EventOptions,
    fs: float,
    *,
    known_zero: bool,
) -> tuple[IntArray, IntArray]:
    """Heel strike and toe off of each stance [starts, stops) (module docstring, 2-5)."""
    n = load.size
    window = max(3, round(opt.floor_window_s * fs))
    off_level = opt.toe_off_level if known_zero else opt.raw_toe_off_level
    # the swing before each stance and the one after it, at most a window long
    previous_stop = np.concatenate([[0], stops[:-1]])
    next_start = np.concatenate([starts[1:], [n]])
    before = np.maximum(previous_stop, starts - window)
    after = np.minimum(next_start, stops + window)
    floor_in, sd_in = _floors(load, before, starts, opt.floor_part)
    floor_out, sd_out = _floors(load, stops, after, opt.floor_part)
    # each stance's largest sample (a NaN-free load, padded so a stance may end at n)
    padded = np.append(load, -np.inf)
    peak = np.maximum.reduceat(padded, np.column_stack([starts, stops]).ravel())[::2]
    rise_level = floor_in + np.maximum(
        opt.heel_strike_level * (peak - floor_in), opt.noise_sds * sd_in
    )
    fall_level = floor_out + np.maximum(off_level * (peak - floor_out), opt.noise_sds * sd_out)
    hs = before.copy()
    to = after.copy()
    slope = None
    if not known_zero:
        from scipy.signal import savgol_filter

        slope = savgol_filter(load, 7, 2, deriv=1) * fs
    for k in range(starts.size):
        s, e, lo, hi = int(starts[k]), int(stops[k]), int(before[k]), int(after[k])
        if s - lo >= 3:
            if slope is not None:
                # no known zero: the foot of the final steep rise (module docstring)
                i = s
                rise = opt.raw_rise_per_s * (peak[k] - floor_in[k])
                while i > lo and slope[i - 1] > rise:
                    i -= 1
                hs[k] = i
            else:
                below = np.flatnonzero(load[lo:s] <= rise_level[k])
                hs[k] = lo + int(below[-1]) + 1 if below.size else lo
        if hi - e >= 3:
            below = np.flatnonzero(load[e:hi] <= fall_level[k])
            to[k] = e + int(below[0]) if below.size else hi
    return hs, to
