"""``analyze``'s passes over one foot's frames, a chunk of frames at a time.

A long recording does not fit in memory as per-frame arrays (a 2 × 16-sensor hour at 100 Hz
is 92 MB of sensor values, and the analysis' per-frame series as much again): ``FootWork``
reads the foot's frames from its ``FootSource`` a chunk at a time, three times, and keeps
per-step results and running sums, never a whole per-frame array (only the frame times the
source holds, 8 bytes a frame):

1. **survey**: per frame the load (``FootRecording.load``: N when the values give forces),
   and from it the counts ``analyze`` reports on its input (finite samples, the largest
   load), the sensors' peaks and invalid frames, the largest local range that the event
   detector judges walking against (``events.local_spans``), the gaps, and evenly spaced
   samples for the percentiles (contact thresholds; at most ``SAMPLE_FRAMES`` frames, so
   every frame of a recording up to 33 min at 100 Hz).
2. **stances**: the event detector on each chunk with ``MARGIN_S`` of the frames either side
   (its local range, floors and walk-back look a few seconds around each stance), keeping
   the stances whose heel strike lies in the chunk; each complete stance's own measures
   (``steps.stance_measures``).
3. **sums** over the frames ``analyze`` shares loads over (``masks``): regional integrals
   and ``RegionalSums``, the mean medio-lateral CoP, standing loads, the left share (both
   feet), the sensors' saturation.

The chunk size changes nothing but the order in which sums are added (tested: 37 frames
against the whole foot in one chunk), except where a run of missing samples longer than
``MARGIN_S`` crosses a chunk's edge (the detector fills a gap from the samples either side).
Standing sessions and plate roll-offs keep their per-frame series whole (``whole``): sway and
the roll-off's footprint need them, and a plate's contact lasts a second.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..cop import FootCop, contact_threshold, cop_of_parts, cop_parts, sensor_weights
from ..io.source import CHUNK_FRAMES, FootSource
from ..model import FootRecording
from . import distribution
from .events import EventOptions, FootEvents, decimation, detect_events, gap_mask, local_spans
from .footprint import DISCRETE_MAX_SENSORS
from .steps import stance_measures, step_rows

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: frames either side of a chunk that the event detector sees (s): its local range looks
#: ``window_s`` (4 s) around a sample, the floors a second either side of a stance
MARGIN_S = 30.0
#: sensor values a chunk holds at most by default (``FootWork``)
CHUNK_VALUES = 1 << 21
#: percentiles of the load (contact thresholds, a note's lowest level) are taken over at
#: most this many frames, evenly spaced
SAMPLE_FRAMES = 200_000
#: the sensors' saturated/dead check takes its percentiles over every ``n // this``-th frame
QUALITY_SAMPLE_FRAMES = 20_000
SATURATED_FRACTION = 0.02  # of a sensor's loaded frames at its very maximum
DEAD_FRACTION = 0.01  # of the foot's 99th-percentile sensor value, never exceeded
#: Dead sensors are judged on insoles up to this many sensors (a discrete insole's, as the
#: footprint module tells them from a dense grid's or a plate's sensels).
MAX_SENSORS_DEAD_CHECK = DISCRETE_MAX_SENSORS

#: which frames of a chunk count: (first frame, its load) -> mask
Mask = Callable[[int, FloatArray], BoolArray]


def interval_mask(starts: IntArray, stops: IntArray) -> Mask:
    """The ``Mask`` of the frames in ``[starts[k], stops[k])`` for any k."""
    order = np.argsort(starts, kind="stable")
    starts, stops = starts[order], stops[order]

    def mask(first: int, load: FloatArray) -> BoolArray:
        n = load.size
        edges = np.zeros(n + 1, dtype=np.int64)
        near = (stops > first) & (starts < first + n)
        np.add.at(edges, np.clip(starts[near] - first, 0, n), 1)
        np.add.at(edges, np.clip(stops[near] - first, 0, n), -1)
        inside: BoolArray = np.cumsum(edges[:-1]) > 0
        return inside

    return mask


def array_mask(frames: BoolArray) -> Mask:
    """The ``Mask`` of a whole-foot boolean array."""
    return lambda first, load: frames[first : first + load.size]


@dataclass
class Series:
    """Per-frame series of some frames (``rec``): the load, the total the CoP is weighted by,
    the CoP (``cop.cop_of_parts`` with the whole foot's contact threshold) and the regional
    loads."""

    rec: FootRecording
    load: FloatArray
    total: FloatArray | None
    cop: FootCop | None
    regions: dict[str, FloatArray]


@dataclass
class Sums:
    """What pass 3 keeps of one foot (module docstring)."""

    region_integral: dict[str, float] = field(default_factory=dict)  # Σ load · Δt
    cop_ml_moment: float = 0.0  # Σ load · CoP x
    cop_ml_weight: float = 0.0  # Σ load
    load_sum: float = 0.0  # standing: the loads of the masked frames
    load_count: int = 0
    load_max: float = -math.inf
    regional: distribution.RegionalSums | None = None


class FootWork:
    """One foot's passes (module docstring). ``chunk_frames``: frames per chunk (default:
    eight margins, 240 s, or fewer for many sensors; at least four)."""

    def __init__(
        self, foot: FootSource, options: EventOptions, chunk_frames: int | None = None
    ) -> None:
        self.foot = foot
        self.options = options
        self.n = foot.n_frames
        self.fs = float(foot.sampling_rate_hz)
        step = decimation(self.fs)
        # chunks and margins start at multiples of the detector's decimation step, so each
        # chunk's decimated signal is the whole foot's
        self.margin = step * math.ceil(MARGIN_S * self.fs / step)
        if chunk_frames is None:
            # eight margins (the margins, read twice, then cost a quarter more than the chunk),
            # at most 2 MiB values (16 MiB of float64) a chunk, at least four margins
            fit = CHUNK_VALUES // max(1, foot.n_sensors)
            chunk_frames = max(CHUNK_FRAMES, 4 * self.margin, min(8 * self.margin, fit))
        self.chunk = step * max(1, math.ceil(chunk_frames / step))
        empty = foot.frames(0, 0)
        _, self.weights_unit = sensor_weights(empty)
        self.force_known = self.weights_unit == "n"
        self.unit = "n" if (foot.has_total_force or self.force_known) else foot.unit
        self.layout = foot.layout
        # pass 1
        self.finite = 0
        self.max_abs = 0.0
        self.max_load = -math.inf
        self.invalid = 0
        self.sensor_peak = np.full(foot.n_sensors, -np.inf)
        self.big = math.nan
        self.gaps_before: dict[int, int] = {}  # gap samples before each chunk's first frame
        self.gaps = 0
        self.load_sample = np.zeros(0)
        self.total_sample = np.zeros(0)
        self.quality_sample = np.zeros((0, foot.n_sensors))
        self.cop_threshold = math.inf
        # pass 2
        self.events: FootEvents | None = None
        self.rows: pd.DataFrame | None = None

    # ------------------------------------------------------------------ reading

    def spans(self, margin: int) -> Iterator[tuple[int, int, int, int]]:
        """``(e0, c0, c1, e1)``: each chunk ``[c0, c1)`` and the frames around it read with
        it, ``[e0, e1)`` (``margin`` frames either side, within the foot)."""
        if self.n == 0:
            return
        for c0 in range(0, self.n, self.chunk):
            c1 = min(c0 + self.chunk, self.n)
            yield max(0, c0 - margin), c0, c1, min(self.n, c1 + margin)

    def series(self, first: int, stop: int, *, cop: bool = True, regions: bool = True) -> Series:
        """The per-frame series of frames ``[first, stop)`` (``Series``); without ``cop``
        only the CoP's ``total``, without ``regions`` no regional loads."""
        rec = self.foot.frames(first, stop)
        weights, weights_unit = sensor_weights(rec)
        if rec.total_force_n is None and weights_unit == "n":
            # FootRecording.load() without computing the forces twice (negative readings of
            # tared sensors count as no load)
            load = weights.sum(axis=1)
        else:
            load = rec.load()[0]
        load = np.array(load, dtype=np.float64)
        # a frame with no valid sensor at all is a gap, not an unloaded foot (a frame with
        # some sensors missing counts them as unloaded)
        if rec.total_force_n is None:
            load[~np.isfinite(rec.values).any(axis=1)] = np.nan
        total = None
        foot_cop = None
        per_region: dict[str, FloatArray] = {}
        if self.layout is not None and cop:
            total, x, y = cop_parts(weights, self.layout)
            foot_cop = cop_of_parts(
                rec.time_s, total, x, y, self.weights_unit, self.layout, self.cop_threshold
            )
        elif self.layout is not None:
            total = weights.sum(axis=1)
        if self.layout is not None and regions:
            per_region = distribution.region_loads(rec, weights)
        return Series(rec, load, total, foot_cop, per_region)

    def whole(self) -> Series:
        """Every frame's series at once (standing sessions and plates only: module
        docstring)."""
        return self.series(0, self.n)

    # ------------------------------------------------------------------ pass 1

    def survey(self) -> None:
        """Pass 1 (module docstring)."""
        every = max(1, -(-self.n // SAMPLE_FRAMES))
        every_q = max(1, self.n // QUALITY_SAMPLE_FRAMES)
        loads, totals, quality = [], [], []
        for e0, c0, c1, e1 in self.spans(self.margin):
            s = self.series(e0, e1, cop=False, regions=False)
            k0, k1 = c0 - e0, c1 - e0
            load, values = s.load[k0:k1], s.rec.values[k0:k1]
            finite = np.isfinite(load)
            self.finite += int(finite.sum())
            if finite.any():
                self.max_abs = max(self.max_abs, float(np.nanmax(np.abs(load))))
                self.max_load = max(self.max_load, float(np.nanmax(load)))
            valid = np.isfinite(values)
            self.invalid += int(np.sum(~valid.all(axis=1)))
            if len(values):
                top = np.where(valid, values, -np.inf).max(axis=0)
                self.sensor_peak = np.maximum(self.sensor_peak, top)
            pick = slice((-c0) % every, None, every)
            # copies: a view would keep the whole chunk's array alive
            loads.append(load[pick].copy())
            if s.total is not None:
                totals.append(s.total[k0:k1][pick].copy())
            quality.append(values[(-c0) % every_q :: every_q].copy())
            spans = local_spans(s.load, self.fs, self.options, s.rec.time_s)[k0:k1]
            if np.isfinite(spans).any():
                here = float(np.nanmax(spans))
                self.big = here if math.isnan(self.big) else max(self.big, here)
            self.gaps_before[c0] = self.gaps
            self.gaps += int(gap_mask(s.load, self.fs, self.options, s.rec.time_s)[k0:k1].sum())
        self.load_sample = np.concatenate(loads) if loads else np.zeros(0)
        self.total_sample = np.concatenate(totals) if totals else np.zeros(0)
        if quality:
            self.quality_sample = np.concatenate(quality)
        if self.layout is not None:
            self.cop_threshold = contact_threshold(self.total_sample, self.weights_unit)

    @property
    def contact_threshold(self) -> float:
        """The load below which the foot counts as unloaded (``cop.contact_threshold`` of
        the load's sample)."""
        return contact_threshold(self.load_sample, self.unit)

    # ------------------------------------------------------------------ pass 2

    def detect(self, *, physical_zero: bool, measure: bool) -> FootEvents:
        """Pass 2 (module docstring): the foot's stances (indices into the whole foot), and
        with ``measure`` its step rows (``rows``, ``steps.step_rows``) and its events
        (``events``). Without ``measure``, the detector alone as ``analyze`` asks it whether a
        load with an offset steps (no ``min_range_n`` rule, samples taken as evenly spaced)."""
        hs, to, complete, gaps = [], [], [], []
        measures: dict[str, list[Any]] = {}
        spans = [] if math.isnan(self.big) else self.spans(self.margin)  # NaN: nothing finite
        for e0, c0, c1, e1 in spans:
            s = self.series(e0, e1, cop=measure, regions=measure)
            ev = detect_events(
                s.load,
                self.fs,
                physical_zero=physical_zero,
                unit_is_newton=measure and self.unit == "n",
                options=self.options,
                time_s=s.rec.time_s if measure else None,
                big=self.big,
            )
            k0, k1 = c0 - e0, c1 - e0
            mine = (ev.heel_strike >= k0) & (ev.heel_strike < k1)
            if not mine.any():
                continue
            a, b, done = ev.heel_strike[mine], ev.toe_off[mine], ev.complete[mine]
            hs.append(a + e0)
            to.append(b + e0)
            complete.append(done)
            if ev.gap is not None:  # the detector's own gaps (it returns them when walking)
                cum = np.concatenate([[0], np.cumsum(ev.gap)])
                gaps.append(self.gaps_before[c0] + cum[a + 1] - cum[k0])
            if measure and done.any():
                got = stance_measures(
                    s.rec.time_s,
                    s.load,
                    a[done],
                    b[done],
                    s.cop,
                    s.regions,
                    self.layout,
                    s.rec.values,
                    self.unit,
                )
                for key, value in got.items():
                    measures.setdefault(key, []).append(value)
        empty = np.zeros(0, dtype=np.int64)
        heel = np.concatenate(hs) if hs else empty
        toe = np.concatenate(to) if to else empty
        done_all = np.concatenate(complete) if complete else np.zeros(0, dtype=np.bool_)
        events = FootEvents(heel, toe, done_all, np.zeros(0), np.zeros(0), bool(heel.size))
        if measure:
            t = self.foot.time_s
            self.rows = step_rows(
                self.foot.side,
                t[heel],
                t[toe],
                done_all,
                (np.concatenate(gaps) if gaps else np.zeros(0, np.int64)) if self.gaps else None,
                bool(heel.size) and int(toe[-1]) >= self.n - 1,
                {
                    key: np.concatenate(parts)
                    if not isinstance(parts[0], list)
                    else [k for part in parts for k in part]
                    for key, parts in measures.items()
                },
                float(np.median(np.diff(t))) if self.n > 1 else 0.0,
                self.unit,
            )
            self.events = events
        return events

    @property
    def walking(self) -> bool:
        """Whether the foot walks (pass 2 found a stance in a walking stretch)."""
        return self.events is not None and self.events.walking

    @property
    def any_stance(self) -> bool:
        """Whether ``stance_mask`` holds any frame."""
        if self.events is not None and self.events.walking:
            return True
        return self.max_load >= self.contact_threshold

    def stance_mask(self) -> Mask:
        """The foot's loaded frames: walking, its stances (heel strike to toe off, complete
        or not); else the frames at or above its contact threshold."""
        events = self.events
        if events is not None and events.walking:
            return interval_mask(events.heel_strike, events.toe_off)
        threshold = self.contact_threshold

        def loaded(first: int, load: FloatArray) -> BoolArray:
            return np.where(np.isfinite(load), load, -np.inf) >= threshold

        return loaded

    # ------------------------------------------------------------------ pass 3

    def sums(
        self, masks: Mask, other: FootWork | None, share: bool
    ) -> tuple[Sums, tuple[float, float] | None, tuple[list[int], list[int]]]:
        """Pass 3 (module docstring) over the frames ``masks`` gives: the foot's ``Sums``;
        with ``share`` (this is the left foot, ``other`` the right), the two feet's loads
        integrated on this foot's time base (``distribution.left_share``); and the sensors
        that look saturated and dead (``analyze._sensor_quality``)."""
        out = Sums()
        if self.layout is not None:
            out.regional = distribution.RegionalSums(
                self.foot.side, self.layout, self.foot.unit, self.force_known
            )
        stance = self.stance_mask() if self.any_stance else None  # None: every frame
        quality = _QualityTop(self.foot.n_sensors)
        both = (0.0, 0.0)
        t_all = self.foot.time_s
        rate = self.fs if other is None else max(self.fs, other.fs)
        for e0, c0, c1, e1 in self.spans(1):
            s = self.series(e0, e1)
            k0, k1 = c0 - e0, c1 - e0
            t = s.rec.time_s
            dt = (np.gradient(t) if t.size > 1 else np.ones(t.size))[k0:k1]
            load = s.load[k0:k1]
            mask = masks(c0, load)
            values = s.rec.values[k0:k1]
            quality.add(values, None if stance is None else stance(c0, load))
            for name, v in s.regions.items():
                v = np.where(mask, np.where(np.isfinite(v[k0:k1]), v[k0:k1], 0.0), 0.0)
                out.region_integral[name] = out.region_integral.get(name, 0.0) + float(
                    np.sum(v * dt)
                )
            if s.cop is not None:
                x = s.cop.x_mm[k0:k1]
                sel = mask & np.isfinite(x)
                w = np.where(sel, s.cop.load[k0:k1], 0.0)
                out.cop_ml_moment += float(np.sum(w * np.where(sel, x, 0.0)))
                out.cop_ml_weight += float(w.sum())
            loads = load[mask]
            loads = loads[np.isfinite(loads)]
            out.load_sum += float(loads.sum())
            out.load_count += int(loads.size)
            if loads.size:
                out.load_max = max(out.load_max, float(loads.max()))
            if out.regional is not None:
                out.regional.add(values, dt, mask, {k: v[k0:k1] for k, v in s.regions.items()})
            if share and other is not None:
                here = _share_part(t_all, other, t[k0:k1], dt, load, rate)
                both = (both[0] + here[0], both[1] + here[1])
        return out, both if share else None, quality.result(self.quality_sample)


def _share_part(
    t_left: FloatArray,
    right: FootWork,
    t: FloatArray,
    dt: FloatArray,
    load: FloatArray,
    rate_hz: float,
) -> tuple[float, float]:
    """``distribution.share_integrals`` over the left foot's frames at ``t`` (their
    intervals ``dt`` and loads ``load``), the right foot read where it brackets them."""
    tr = right.foot.time_s
    j0 = max(0, int(np.searchsorted(tr, t[0])) - 1)
    j1 = min(tr.size, int(np.searchsorted(tr, t[-1], side="right")) + 1)
    right_here = np.interp(t, tr[j0:j1], right.series(j0, j1, cop=False, regions=False).load)
    return distribution.share_integrals(t_left, tr, t, dt, load, right_here, rate_hz)


class _QualityTop:
    """Each sensor's highest value over the loaded frames and how many frames reach it,
    as chunks pass (``analyze._sensor_quality``)."""

    def __init__(self, sensors: int) -> None:
        self.top = np.full(sensors, -np.inf)
        self.at_top = np.zeros(sensors, dtype=np.int64)
        self.rows = 0
        self.sensors = sensors

    def add(self, values: FloatArray, loaded: BoolArray | None) -> None:
        v = values if loaded is None else values[loaded]
        self.rows += len(v)
        if not len(v):
            return
        here = np.max(np.where(np.isfinite(v), v, -np.inf), axis=0)
        count = np.sum(v == here, axis=0)
        higher = here > self.top
        self.at_top = np.where(
            higher, count, np.where(here == self.top, self.at_top + count, self.at_top)
        )
        self.top = np.maximum(self.top, here)

    def result(self, sample: FloatArray) -> tuple[list[int], list[int]]:
        """1-based numbers of the sensors that look saturated and that look dead (judged
        only for insoles of up to ``MAX_SENSORS_DEAD_CHECK`` sensors: a dense grid's or a
        plate's sensels outside the foot never load), ``sample`` the foot's frames for the
        1st and 99th percentiles of its values."""
        top, rows = self.top, self.rows
        if rows == 0 or self.sensors == 0:
            return [], []
        # clipping shows as a flat top at a high reading: a sensor at its own maximum in a
        # good share of the loaded frames, that maximum among the foot's highest readings
        highest = float(top.max())
        saturated = [
            i + 1
            for i in range(self.sensors)
            if top[i] > 0
            and top[i] >= 0.5 * highest
            and self.at_top[i] / rows >= SATURATED_FRACTION
            and rows >= 50
        ]
        finite = sample[np.isfinite(sample)]
        scale = float(np.percentile(finite, 99)) if finite.size else 0.0
        offset = float(np.percentile(finite, 1)) if finite.size else 0.0
        dead = []
        # in a dense grid or on a plate a sensel under no part of the foot is normal
        if scale > offset and self.sensors <= MAX_SENSORS_DEAD_CHECK:
            dead = [
                i + 1
                for i in range(self.sensors)
                if top[i] - offset <= DEAD_FRACTION * (scale - offset)
            ]
        return saturated, dead
