"""A biomechanically plausible synthetic insole signal, with its ground truth.

``SyntheticGait`` gives per-sensor pressure of both feet, as a pressure insole would send it:
uint16 counts, ``count × pressure_scale_kpa`` = kPa, on the layout ``simulated_layout(sensors)``
(foot frame of ``pressure.layout``: mm, origin at the heel, +y to the toe, +x medial on both
feet). A sensor's force is its pressure times its area. The truths below hold in the model
(before noise, rounding to counts and clipping, up to the sampling of a stance into frames)
and are measured back from the values in ``tests/test_gait_simulator.py``.

Walking
    Each foot alternates stance and swing; the right heel strikes half a stride after the left.
    Stride time is ``120 / cadence`` on average, with a seeded stride-to-stride jitter
    (``stride_cv_pct``); the jitter of every 32 consecutive strides sums to zero, so stride
    times average exactly to the nominal one and the feet stay in step. Stance lasts
    ``stance_fraction`` of each foot's own stride. In stance the foot's force follows a double
    hump over the stance phase s (0 at heel strike, 1 at toe off)::

        F(s) = BW · (A sin(πs) + B sin(3πs)),  A ≈ 1.187, B ≈ 0.437

    peaks of 1.15 BW at s ≈ 0.24 (loading) and s ≈ 0.76 (push-off), a 0.75 BW valley at
    mid-stance, and a steep rise and fall at the events, so a force threshold (METHODS §4.1)
    finds them within a sample or two. Each foot's force is then scaled
    so the left foot carries ``left_share_pct`` of the force-time integral of the session (both
    feet; computed from the actual strides in the recorded window, partial ones included). In
    swing the foot carries nothing.

    The force is spread over the sensors as two blobs: a rearfoot blob (over the sensors with
    u < 0.5) and a forefoot blob (u ≥ 0.5), each a Gaussian of the distance to a moving centre,
    normalised over its own region. The rearfoot blob rolls from the lateral heel (u 0.08) to
    the midfoot (u 0.33), the forefoot blob from the lateral metatarsal heads (u 0.62) to the
    hallux (u 0.92); the rearfoot's share of the load falls from 1 to 0 along a logistic curve
    over stance. So the heel loads first, the toes last, and the centre of pressure runs heel
    to toe along a gait line that starts lateral and ends medial. Three numbers are solved for
    when the object is built: where the logistic crosses one half, so that the forefoot
    carries ``forefoot_share_pct`` of the force-time integral of every (complete) stance; a
    medio-lateral shift of both blobs, so that the force-weighted mean stance CoP of the
    neutral walk sits on the centre line (w = x / foot width = 0); and, when
    ``ml_offset_pct`` is not 0, a further medial (+) or lateral (−) shift of both blobs by
    ``bow · sin(π s)``, so that the mean stance CoP sits at ``w = ml_offset_pct / 100``. The
    bow leaves heel strike and toe off where they are and moves mid-stance most: a medial
    walk (pronation direction) rolls over the medial midfoot and forefoot, a lateral walk
    (supination direction) over the lateral ones, which is what CPEI measures (METHODS §2.1;
    a uniform shift would move the whole gait line and its chord alike and leave CPEI as it
    was). All are solved on the stance-phase template, so they hold for every stride
    whatever its duration.

Signs and neutral values (walking)
    The walk with ``ml_offset_pct = 0`` is the neutral one: its mean CoP is on the centre
    line. The other indicators have their own neutral values, which ``truth()`` reports as
    the model gives them on the layout (noise-free, one stance): ``model_medial_share_pct``
    and ``model_medial_lateral_index`` (load either side of the centre line,
    ``SensorLayout.side_weights``: about 49 % and −0.02 on 16 to 1024 sensors, since a mean
    CoP on the line balances the moments of the loads either side of it, not the loads
    themselves), and ``model_cpei_pct`` (the gait line's medio-lateral distance from its
    heel-strike-to-toe-off chord at 2/3 of foot length, % of the outline's width there,
    + lateral: about +8 to +9 % on 16 to 1024 sensors, because a normal gait line bows
    laterally of its chord, as the rectus feet of the published cohorts do; 8 sensors are
    too coarse for the bow and give −1.7 %). A positive ``ml_offset_pct`` raises the medial
    share and the medial-lateral index and lowers the CPEI; a negative one does the
    opposite, on every layout from 4 sensors on (``tests/test_analysis.py`` measures it).

Standing
    Both feet are loaded throughout, the left with ``left_share_pct`` of body weight, and the
    combined centre of pressure sways with an RMS of ``sway_mm`` on each axis: a sum of 16
    sinusoids per axis at seeded frequencies between 0.1 and 1 Hz, each a whole number of
    cycles over the recording, so its RMS over the recording is exact. The anterior-posterior
    sway shifts load between each foot's rearfoot and forefoot blobs (now at fixed places:
    heel u 0.16, metatarsal heads u 0.68, both shifted medio-laterally alike so that each
    foot's mean CoP sits at ``w = ml_offset_pct / 100``) around the ``forefoot_share_pct``
    split; the
    medio-lateral sway shifts load between the feet (loading and unloading of the legs). The
    combined CoP is taken in a floor frame: X to the subject's right, Y forward, feet parallel
    with their heels level, the insoles' centre lines ``STANDING_SEPARATION_MM`` apart; a point
    (x, y) of the left insole lies at (x − d/2, y), of the right insole at (d/2 − x, y).

Sensor artefacts (both activities)
    Gaussian noise of ``noise_kpa`` per sample and sensor; a constant offset per sensor, drawn
    uniformly from [0, ``offset_kpa``]; a baseline drift of ``drift_kpa_per_min`` common to
    all sensors, from 0 at the first frame; values rounded to counts and clipped to
    0..65535. ``drop_fraction`` of each foot's frames is marked as never sent (random frames,
    independently per foot; exactly round(drop_fraction × block) frames per block of frames).

Determinism
    Every random number comes from the one ``seed``, through independent streams keyed by
    (purpose, block index): sensor noise and dropped frames by block of frames, stride jitter
    by block of 32 strides. A frame's values are therefore a function of the parameters and
    its index alone: the same seed gives the same arrays whatever the chunk size, and any
    stretch can be generated without generating what comes before it. Memory is bounded by
    the chunk size, whatever the duration.

Limits of the model: one force shape for every stride (only its duration varies); no
turns, starts or stops; in standing each foot's rearfoot/forefoot blobs are fixed, so the
load split between the feet carries all medio-lateral sway. Few sensors cannot represent
every truth (one sensor has no rearfoot, so all load is forefoot load; a coarse layout
bounds the reachable CoP offset): ``truth()`` reports what the model achieves on this layout
as ``model_forefoot_share_pct`` and ``model_ml_offset_pct`` beside the requested values.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from functools import cached_property
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from firmware_protocol import DeviceInfo, Side, Unit

from ..layout import MAX_SENSORS, SensorLayout, simulated_layout

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]
CountArray = npt.NDArray[np.uint16]

GRAVITY_M_S2 = 9.81
MAX_SECONDS = 7 * 24 * 3600.0
MAX_CHUNK_FRAMES = 6000
COUNT_MAX = 65535
ACTIVITIES = ("walk", "stand")
#: Distance between the two insoles' centre lines in the standing floor frame (see above).
STANDING_SEPARATION_MM = 200.0
#: Decimals of the derived values in ``SyntheticGait.truth()`` (1 µs, 1e-6 % or mm): far finer
#: than any analysis resolves, far coarser than the last digits of the model's sums, which differ
#: between CPUs (numpy's vectorised loops round differently); a value that is zero in the model
#: (the gait-line offset of a neutral walk, left by a bisection at 3e-08 %) is written 0.0.
TRUTH_DECIMALS = 6

# Double hump F(s)/BW = A sin(πs) + B sin(3πs): the valley at s = 0.5 is A − B = 0.75 and B is
# chosen so that the two peaks reach 1.15.
_HUMP_A = 1.187424427615
_HUMP_B = 0.437424427615
_STRIDES_PER_BLOCK = 32  # stride jitter sums to zero over each block of strides
_LEFT_FIRST_STRIKE = -0.75  # in strides: the recording opens 3/4 into a left stride
_TRANSITION_WIDTH = 0.06  # of stance: how fast the load passes from rearfoot to forefoot
_CALIBRATION_PHASES = 100
_SWAY_COMPONENTS = 16
_SWAY_BAND_HZ = (0.1, 1.0)
#: Where the CPEI is taken, as a fraction of foot length: the distal-third line (METHODS §2.1).
CPEI_U = 2.0 / 3.0

# Blob centres in normalised coordinates (u along, w across; + medial). Walking: at stance
# phase s, (u0 + du·s, w0 + dw·s); standing: fixed.
_WALK_REAR = (0.08, 0.25, -0.04, -0.06)
_WALK_FORE = (0.62, 0.30, -0.12, 0.30)
_STAND_REAR = (0.16, -0.02)
_STAND_FORE = (0.68, 0.0)

# Independent random streams (the first element of a SeedSequence spawn key).
_NOISE = (1, 2)  # left, right
_DROP = (3, 4)
_STRIDES = 5
_SWAY = 6
_OFFSET = 7


class GaitChunk(NamedTuple):
    """Consecutive frames ``first``.. of both feet: counts of shape (frames, sensors), and per
    frame whether the device sends it (False: dropped, the receiver sees a gap)."""

    first: int
    left: CountArray
    right: CountArray
    sent_left: BoolArray
    sent_right: BoolArray


class FootEvents(NamedTuple):
    """Ground-truth gait events of one foot within the recording, seconds from frame 0."""

    heel_strike_s: FloatArray
    toe_off_s: FloatArray


class GaitEvents(NamedTuple):
    """Events of both feet; index by ``Side.LEFT``/``Side.RIGHT`` or by name."""

    left: FootEvents
    right: FootEvents


@dataclass(frozen=True)
class _Model:
    """Spatial calibration of the force spreading, fixed by the parameters and the layout."""

    transition_s: float  # walking: stance phase where rearfoot and forefoot carry equal load
    shift_mm: float  # medial shift of both blobs
    bow_mm: float  # walking: further medial shift of both blobs, times sin(π s)
    forefoot_share: float  # what the model achieves, 0..1
    ml_offset_w: float


def _rng(seed: int, *key: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))


def _hump(s: FloatArray) -> FloatArray:
    """Force in body weights at stance phase ``s`` (0..1)."""
    result: FloatArray = _HUMP_A * np.sin(np.pi * s) + _HUMP_B * np.sin(3 * np.pi * s)
    return result


def _hump_integral(s: FloatArray) -> FloatArray:
    """∫₀ˢ of ``_hump``, in body weights × stance durations."""
    result: FloatArray = _HUMP_A * (1 - np.cos(np.pi * s)) / np.pi + _HUMP_B * (
        1 - np.cos(3 * np.pi * s)
    ) / (3 * np.pi)
    return result


def _rounded(value: Any, decimals: int) -> Any:
    """Floats (also inside dicts) rounded to ``decimals``; -0.0 written as 0.0."""
    if isinstance(value, float):
        return round(value, decimals) + 0.0
    if isinstance(value, dict):
        return {key: _rounded(item, decimals) for key, item in value.items()}
    return value


def _bisect(mean_x: Callable[[float], float], target_x: float, width: float) -> float:
    """The shift (mm) within ±2 foot widths at which ``mean_x`` reaches ``target_x``, or the
    end of that range nearest to it. The mean CoP rises monotonically with a medial shift
    (each blob is an exponential tilt of its sensors' x), so bisection finds it; beyond the
    layout's reach it stops at the range's end."""
    lo, hi = -2 * width, 2 * width
    if mean_x(lo) >= target_x:
        hi = lo
    elif mean_x(hi) <= target_x:
        lo = hi
    while hi - lo > 1e-6:
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if mean_x(mid) < target_x else (lo, mid)
    return (lo + hi) / 2


def _cpei(x: FloatArray, y: FloatArray, layout: SensorLayout) -> float | None:
    """CPEI-like value (%) of the gait line (x, y) mm from heel strike to toe off: at
    ``CPEI_U`` of the foot length, the chord from its first to its last point minus the path,
    over the outline's width there; + when the path is lateral of the chord. None when the
    path never reaches the line."""
    y_line = CPEI_U * layout.foot_length_mm
    k = int(np.argmax(y >= y_line))
    if y[k] < y_line or k == 0 or not y[-1] > y[0]:
        return None
    x_path = x[k - 1] + (y_line - y[k - 1]) * (x[k] - x[k - 1]) / (y[k] - y[k - 1])
    x_chord = x[0] + (y_line - y[0]) * (x[-1] - x[0]) / (y[-1] - y[0])
    ring = layout.outline_mm
    a, b = ring[:-1], ring[1:]
    cross = (a[:, 1] - y_line) * (b[:, 1] - y_line) <= 0
    cross &= a[:, 1] != b[:, 1]
    at = a[cross, 0] + (y_line - a[cross, 1]) * (b[cross, 0] - a[cross, 0]) / (
        b[cross, 1] - a[cross, 1]
    )
    width = float(at.max() - at.min()) if at.size >= 2 else 0.0
    return 100.0 * float(x_chord - x_path) / width if width > 0 else None


def _check(name: str, value: float, low: float, high: float, *, open_low: bool = False) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if ok:
        ok = (low < value if open_low else low <= value) and value <= high
    if not ok:
        bracket = "(" if open_low else "["
        raise ValueError(f"{name} must be within {bracket}{low:g}, {high:g}], got {value!r}")


@dataclass(frozen=True)
class SyntheticGait:
    """A synthetic two-foot insole recording (see the module docstring for the model).

    Units are in the names: seconds, Hz, steps per minute (both feet), percent, kg, mm, kPa.
    """

    seconds: float = 10.0
    rate_hz: float = 100.0
    sensors: int = 16
    seed: int = 0
    activity: str = "walk"  # "walk" or "stand" (quiet standing)
    cadence_steps_per_min: float = 110.0
    stance_fraction: float = 0.62
    left_share_pct: float = 50.0
    ml_offset_pct: float = 0.0
    forefoot_share_pct: float = 55.0
    body_mass_kg: float = 70.0
    sway_mm: float = 4.0
    noise_kpa: float = 1.0
    offset_kpa: float = 0.0
    drift_kpa_per_min: float = 0.0
    drop_fraction: float = 0.0
    pressure_scale_kpa: float = 0.1
    stride_cv_pct: float = 1.5

    def __post_init__(self) -> None:
        _check("seconds", self.seconds, 0, MAX_SECONDS, open_low=True)
        _check("rate_hz", self.rate_hz, 0, 10_000, open_low=True)
        if isinstance(self.sensors, bool) or not isinstance(self.sensors, int):
            raise ValueError(f"sensors must be an integer within 1..{MAX_SENSORS}")
        _check("sensors", self.sensors, 1, MAX_SENSORS)
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {self.seed!r}")
        if self.activity not in ACTIVITIES:
            raise ValueError(f"activity must be one of {ACTIVITIES}, got {self.activity!r}")
        _check("cadence_steps_per_min", self.cadence_steps_per_min, 0, 300, open_low=True)
        _check("stance_fraction", self.stance_fraction, 0.3, 0.9)
        _check("left_share_pct", self.left_share_pct, 0, 100)
        _check("ml_offset_pct", self.ml_offset_pct, -40, 40)
        _check("forefoot_share_pct", self.forefoot_share_pct, 10, 90)
        _check("body_mass_kg", self.body_mass_kg, 20, 250)
        _check("sway_mm", self.sway_mm, 0, 50)
        _check("noise_kpa", self.noise_kpa, 0, 1000)
        _check("offset_kpa", self.offset_kpa, 0, 1000)
        _check("drift_kpa_per_min", self.drift_kpa_per_min, -1000, 1000)
        _check("drop_fraction", self.drop_fraction, 0, 0.5)
        _check("pressure_scale_kpa", self.pressure_scale_kpa, 0, 1000, open_low=True)
        _check("stride_cv_pct", self.stride_cv_pct, 0, 5)
        if self.n_frames < 1:
            raise ValueError("seconds × rate_hz must give at least one frame")

    # ------------------------------------------------------------------ public

    @property
    def n_frames(self) -> int:
        """Samples per foot."""
        return round(self.seconds * self.rate_hz)

    @cached_property
    def layout(self) -> SensorLayout:
        return simulated_layout(self.sensors)

    @property
    def body_weight_n(self) -> float:
        return self.body_mass_kg * GRAVITY_M_S2

    @property
    def stride_time_s(self) -> float:
        """Mean stride time (one foot's heel strike to its next): 120 / cadence."""
        return 120.0 / self.cadence_steps_per_min

    def chunks(self, chunk_frames: int | None = None) -> Iterator[GaitChunk]:
        """The recording in consecutive chunks of at most ``chunk_frames`` (≤ 6000) frames.

        The default chunk size keeps a chunk's counts to a few MB for any sensor count. The
        values do not depend on the chunk size.
        """
        size = self._default_chunk if chunk_frames is None else chunk_frames
        if isinstance(size, bool) or not isinstance(size, int):
            raise ValueError(f"chunk_frames must be an integer, got {size!r}")
        if not 1 <= size <= MAX_CHUNK_FRAMES:
            raise ValueError(f"chunk_frames must be within 1..{MAX_CHUNK_FRAMES}, got {size}")
        block = self._block_frames
        cached: tuple[int, tuple[CountArray, CountArray, BoolArray, BoolArray]] | None = None
        for first in range(0, self.n_frames, size):
            stop = min(first + size, self.n_frames)
            parts: list[tuple[CountArray, CountArray, BoolArray, BoolArray]] = []
            for b in range(first // block, (stop - 1) // block + 1):
                # a block straddling two chunks is generated once
                if cached is None or cached[0] != b:
                    cached = (b, self._block(b))
                lo = max(first - b * block, 0)
                hi = min(stop - b * block, block)
                left, right, sent_left, sent_right = cached[1]
                parts.append((left[lo:hi], right[lo:hi], sent_left[lo:hi], sent_right[lo:hi]))
            joined = [np.concatenate([p[i] for p in parts]) for i in range(4)]
            yield GaitChunk(first, joined[0], joined[1], joined[2], joined[3])

    def values(self) -> tuple[CountArray, CountArray]:
        """(left, right) counts of the whole recording, each (n_frames, sensors): for short
        recordings (use ``chunks()`` for long ones)."""
        parts = list(self.chunks())
        return np.concatenate([p.left for p in parts]), np.concatenate([p.right for p in parts])

    def sent(self) -> tuple[BoolArray, BoolArray]:
        """(left, right) masks of the frames the device sends, each (n_frames,)."""
        parts = list(self.chunks())
        return (
            np.concatenate([p.sent_left for p in parts]),
            np.concatenate([p.sent_right for p in parts]),
        )

    def events(self) -> GaitEvents:
        """Heel strikes and toe offs of each foot within [0, n_frames / rate_hz) seconds.

        A toe off whose heel strike came before the recording began is included, and so is a
        heel strike whose toe off comes after it ended. Standing: no events.
        """
        if self.activity != "walk":
            empty = FootEvents(np.zeros(0), np.zeros(0))
            return GaitEvents(empty, empty)
        end = self.n_frames / self.rate_hz
        feet = []
        for side in (Side.LEFT, Side.RIGHT):
            hs_parts, to_parts = [], []
            for hs, to in self._stride_batches(side, 0.0, end):
                hs_parts.append(hs[(hs >= 0) & (hs < end)])
                to_parts.append(to[(to >= 0) & (to < end)])
            feet.append(FootEvents(np.concatenate(hs_parts), np.concatenate(to_parts)))
        return GaitEvents(feet[0], feet[1])

    def truth(self) -> dict[str, Any]:
        """The parameters and what follows from them, JSON-serialisable.

        Besides every field: ``generator``, ``layout`` (name), ``n_frames``, ``duration_s``,
        ``body_weight_n``, ``foot_length_mm``, ``foot_width_mm``, ``stride_time_s``,
        ``stance_time_s``, ``swing_time_s`` and ``step_time_s`` (means; None when standing),
        ``contact_time_s`` (= the stance time) and ``flight_time_s`` (both feet off the
        ground between steps: step time − stance time when the stance is shorter than half
        a stride, as in running, else 0; None when standing),
        ``model_forefoot_share_pct`` and ``model_ml_offset_pct`` (what the model achieves on
        this layout; equal to the requested values unless the layout is too coarse or the
        offset out of its reach), ``model_medial_share_pct``, ``model_medial_lateral_index``
        and ``model_cpei_pct`` (the model's values of these indicators on this layout, see
        "Signs and neutral values"; the CPEI None when standing), ``force_scale`` per foot
        (walking: multiplies the force shape to give the left share),
        ``standing_separation_mm`` and ``dropped_frames`` per foot.

        The parameters are as given; the derived values are rounded to ``TRUTH_DECIMALS``
        decimals, so the same parameters write the same truth on every machine.
        """
        model = self._model
        walking = self.activity == "walk"
        stride = self.stride_time_s
        derived = dict(
            layout=self.layout.name,
            n_frames=self.n_frames,
            duration_s=self.n_frames / self.rate_hz,
            body_weight_n=self.body_weight_n,
            foot_length_mm=self.layout.foot_length_mm,
            foot_width_mm=self.layout.foot_width_mm,
            stride_time_s=stride if walking else None,
            stance_time_s=stride * self.stance_fraction if walking else None,
            swing_time_s=stride * (1 - self.stance_fraction) if walking else None,
            step_time_s=stride / 2 if walking else None,
            contact_time_s=stride * self.stance_fraction if walking else None,
            # both feet off the ground between steps (running): step time − stance
            flight_time_s=max(stride / 2 - stride * self.stance_fraction, 0.0) if walking else None,
            model_forefoot_share_pct=100 * model.forefoot_share,
            model_ml_offset_pct=100 * model.ml_offset_w,
            **self._indicators,
            force_scale={"left": self._force_scale[0], "right": self._force_scale[1]},
            standing_separation_mm=STANDING_SEPARATION_MM,
            dropped_frames={"left": self._dropped(0), "right": self._dropped(1)},
        )
        return {
            "generator": "pressure.simulator.gait",
            **asdict(self),
            **{key: _rounded(value, TRUTH_DECIMALS) for key, value in derived.items()},
        }

    def info(self) -> DeviceInfo:
        """What this simulated device announces: both feet on one link, values in kPa."""
        return DeviceInfo(
            device_id=0x6A17_0000 | (self.seed & 0xFFFF),
            firmware_version=(0, 2, 0),
            side=Side.BOTH,
            sensor_count=self.sensors,
            layout=self.layout.name,
            rate_hz=self.rate_hz,
            unit=Unit.KPA,
            adc_bits=0,
            scale=self.pressure_scale_kpa,
        )

    @cached_property
    def _indicators(self) -> dict[str, float | None]:
        """The model's medial share, medial-lateral index and CPEI (module docstring), from
        the noise-free force spreading of one stance (walking) or the mean standing split."""
        model = self._model
        layout = self.layout
        medial, lateral = layout.side_weights
        cpei: float | None = None
        if self.activity == "walk":
            s = (np.arange(_CALIBRATION_PHASES) + 0.5) / _CALIBRATION_PHASES
            load = _hump(s) @ self._walk_pattern(s, model)  # the stance's FTI per sensor
            # the gait line from heel strike to toe off, finely enough to interpolate
            path = self._walk_pattern(np.linspace(0.0, 1.0, 1001), model)
            cpei = _cpei(path @ layout.x_mm, path @ layout.y_mm, layout)
        else:
            p_rear, p_fore = self._stand_patterns(model.shift_mm)
            load = (1 - model.forefoot_share) * p_rear + model.forefoot_share * p_fore
        m, lat = float(load @ medial), float(load @ lateral)
        share = m / (m + lat) if m + lat > 0 else math.nan
        return {
            "model_medial_share_pct": 100 * share,
            "model_medial_lateral_index": (m - lat) / (m + lat) if m + lat > 0 else math.nan,
            "model_cpei_pct": cpei,
        }

    # ------------------------------------------------------------------ blocks of frames

    @cached_property
    def _block_frames(self) -> int:
        # frames per random-number block: a function of the parameters only (never of the
        # chunk size), and small enough that a block's float temporaries stay near 8 MB
        return min(1000, max(1, 2**20 // self.sensors))

    @cached_property
    def _default_chunk(self) -> int:
        block = self._block_frames
        return block * max(1, min(MAX_CHUNK_FRAMES, 2**22 // self.sensors) // block)

    @cached_property
    def _offsets_kpa(self) -> FloatArray:
        offsets: FloatArray = _rng(self.seed, _OFFSET).uniform(0.0, 1.0, (2, self.sensors))
        return offsets * self.offset_kpa

    def _drop_mask(self, side: int, b: int, m: int) -> BoolArray:
        """True for the dropped frames among the ``m`` frames of block ``b``."""
        block = self._block_frames
        k = round(self.drop_fraction * block)
        mask = np.zeros(block, dtype=np.bool_)
        if k:
            mask[_rng(self.seed, _DROP[side], b).choice(block, size=k, replace=False)] = True
        return mask[:m]

    def _dropped(self, side: int) -> int:
        block = self._block_frames
        full, last = divmod(self.n_frames, block)
        count = full * round(self.drop_fraction * block)
        if last:
            count += int(self._drop_mask(side, full, last).sum())
        return count

    def _block(self, b: int) -> tuple[CountArray, CountArray, BoolArray, BoolArray]:
        """Counts and sent-masks of both feet for frames [b·block, (b+1)·block)."""
        block = self._block_frames
        first = b * block
        m = min(block, self.n_frames - first)
        t_s = (first + np.arange(m)) / self.rate_hz
        loads = self._walk_loads(t_s) if self.activity == "walk" else self._stand_loads(t_s)
        baseline = self.drift_kpa_per_min * t_s / 60.0
        counts, sent = [], []
        for side in (0, 1):
            kpa = loads[side] + self._offsets_kpa[side] + baseline[:, None]
            if self.noise_kpa > 0:
                noise = _rng(self.seed, _NOISE[side], b).standard_normal((m, self.sensors))
                kpa += self.noise_kpa * noise
            raw = np.rint(kpa / self.pressure_scale_kpa)
            counts.append(np.clip(raw, 0, COUNT_MAX).astype(np.uint16))
            sent.append(~self._drop_mask(side, b, m))
        return counts[0], counts[1], sent[0], sent[1]

    # ------------------------------------------------------------------ spreading force

    @cached_property
    def _regions(self) -> tuple[IntArray, IntArray, float, float]:
        """(rearfoot sensor indices, forefoot sensor indices, blob σx mm, blob σy mm)."""
        layout = self.layout
        rear = np.flatnonzero(layout.regions["rearfoot"]).astype(np.int64)
        fore = np.flatnonzero(layout.regions["forefoot"]).astype(np.int64)
        # blobs no narrower than the sensor pitch, so a coarse layout still interpolates
        pitch = float(np.sqrt(np.median(layout.area_mm2)))
        sigma_x = max(0.2 * layout.foot_width_mm, 0.6 * pitch)
        sigma_y = max(0.07 * layout.foot_length_mm, 0.6 * pitch)
        return rear, fore, sigma_x, sigma_y

    def _spread(
        self,
        rear_fraction: FloatArray,
        rear_xy: tuple[FloatArray, FloatArray],
        fore_xy: tuple[FloatArray, FloatArray],
    ) -> FloatArray:
        """Weights (m, sensors), rows summing to 1: ``rear_fraction`` of each row over the
        rearfoot sensors as a Gaussian around ``rear_xy`` (mm, shape (m,) each), the rest over
        the forefoot sensors around ``fore_xy``. An empty region hands its load to the other."""
        rear, fore = self._regions[:2]
        if rear.size == 0:
            rear_fraction = np.zeros_like(rear_fraction)
        elif fore.size == 0:
            rear_fraction = np.ones_like(rear_fraction)
        weights = np.zeros((rear_fraction.size, self.sensors))
        if rear.size:
            weights[:, rear] = rear_fraction[:, None] * self._blob(rear, *rear_xy)
        if fore.size:
            weights[:, fore] = (1.0 - rear_fraction)[:, None] * self._blob(fore, *fore_xy)
        return weights

    def _blob(self, idx: IntArray, cx: FloatArray, cy: FloatArray) -> FloatArray:
        """Gaussian weights over the sensors ``idx`` around (cx, cy) mm, shape (m, idx.size),
        rows summing to 1."""
        sigma_x, sigma_y = self._regions[2:]
        dx = (self.layout.x_mm[idx][None, :] - cx[:, None]) / sigma_x
        dy = (self.layout.y_mm[idx][None, :] - cy[:, None]) / sigma_y
        logit = -0.5 * (dx * dx + dy * dy)
        # in logs, so a centre far outside the region (calibration) cannot underflow to 0/0
        logit -= logit.max(axis=1, keepdims=True)
        kernel = np.exp(logit)
        kernel /= kernel.sum(axis=1, keepdims=True)
        return kernel

    def _rear_fraction(self, s: FloatArray, transition_s: float) -> FloatArray:
        z = np.clip((s - transition_s) / _TRANSITION_WIDTH, -60, 60)
        result: FloatArray = 1.0 / (1.0 + np.exp(z))
        return result

    def _walk_centres(
        self, s: FloatArray, shift_mm: float, bow_mm: float = 0.0
    ) -> tuple[tuple[FloatArray, FloatArray], tuple[FloatArray, FloatArray]]:
        length, width = self.layout.foot_length_mm, self.layout.foot_width_mm
        x_shift = shift_mm + bow_mm * np.sin(np.pi * s) if bow_mm else shift_mm
        centres = []
        for u0, du, w0, dw in (_WALK_REAR, _WALK_FORE):
            centres.append(((w0 + dw * s) * width + x_shift, (u0 + du * s) * length))
        return centres[0], centres[1]

    def _walk_pattern(self, s: FloatArray, model: _Model) -> FloatArray:
        rear_xy, fore_xy = self._walk_centres(s, model.shift_mm, model.bow_mm)
        return self._spread(self._rear_fraction(s, model.transition_s), rear_xy, fore_xy)

    def _stand_patterns(self, shift_mm: float) -> tuple[FloatArray, FloatArray]:
        """Static (rearfoot-only, forefoot-only) weights, each (sensors,) summing to 1 (or all
        zero when the region has no sensors)."""
        length, width = self.layout.foot_length_mm, self.layout.foot_width_mm
        patterns = []
        for idx, (u, w) in zip(self._regions[:2], (_STAND_REAR, _STAND_FORE), strict=True):
            pattern = np.zeros(self.sensors)
            if idx.size:
                cx, cy = np.array([w * width + shift_mm]), np.array([u * length])
                pattern[idx] = self._blob(idx, cx, cy)[0]
            patterns.append(pattern)
        return patterns[0], patterns[1]

    @cached_property
    def _model(self) -> _Model:
        rear, fore = self._regions[:2]
        width = self.layout.foot_width_mm
        x = self.layout.x_mm
        target_share = self.forefoot_share_pct / 100
        if self.activity == "walk":
            s = (np.arange(_CALIBRATION_PHASES) + 0.5) / _CALIBRATION_PHASES
            g = _hump(s)

            def share(transition: float) -> float:
                return float(g @ (1 - self._rear_fraction(s, transition)) / g.sum())

            # the forefoot share falls as the transition comes later in stance
            lo, hi = -1.0, 2.0
            for _ in range(60):
                mid = (lo + hi) / 2
                lo, hi = (mid, hi) if share(mid) > target_share else (lo, mid)
            transition = (lo + hi) / 2

            def walk_mean_x(shift: float, bow: float) -> float:
                rear_xy, fore_xy = self._walk_centres(s, shift, bow)
                w = self._spread(self._rear_fraction(s, transition), rear_xy, fore_xy)
                return float(g @ (w @ x) / g.sum())

            def mean_x(shift: float) -> float:
                return walk_mean_x(shift, 0.0)

            achieved_share = share(transition)
            if rear.size == 0 or fore.size == 0:
                achieved_share = float(rear.size == 0)
        else:
            transition = math.nan
            achieved_share = target_share
            if rear.size == 0 or fore.size == 0:
                achieved_share = float(rear.size == 0)

            def mean_x(shift: float) -> float:
                p_rear, p_fore = self._stand_patterns(shift)
                return float(((1 - achieved_share) * p_rear + achieved_share * p_fore) @ x)

        target_x = self.ml_offset_pct / 100 * width
        walking = self.activity == "walk"
        # walking: the shift centres the neutral gait line (offset 0) and a bow, largest at
        # mid-stance, moves it to the offset; standing: the shift alone
        shift = _bisect(mean_x, 0.0 if walking else target_x, width)
        bow = 0.0
        if walking and self.ml_offset_pct != 0:
            bow = _bisect(lambda b: walk_mean_x(shift, b), target_x, width)
            achieved = walk_mean_x(shift, bow)
        else:
            achieved = mean_x(shift)
        return _Model(
            transition_s=transition,
            shift_mm=shift,
            bow_mm=bow,
            forefoot_share=achieved_share,
            ml_offset_w=achieved / width,
        )

    # ------------------------------------------------------------------ walking

    def _left_strikes(self, first_block: int, last_block: int) -> FloatArray:
        """Left heel strikes j = first_block·32 … (last_block+1)·32 inclusive, in seconds."""
        stride = self.stride_time_s
        cv = self.stride_cv_pct / 100
        parts = []
        for b in range(first_block, last_block + 1):
            jitter = np.zeros(_STRIDES_PER_BLOCK)
            if cv > 0:
                jitter = _rng(self.seed, _STRIDES, b).normal(0.0, cv, _STRIDES_PER_BLOCK)
                jitter = np.clip(jitter, -3 * cv, 3 * cv)
                jitter -= jitter.mean()  # the block's strides last exactly 32 nominal strides
            offsets = np.concatenate([[0.0], np.cumsum(jitter)[:-1]])
            j = b * _STRIDES_PER_BLOCK + np.arange(_STRIDES_PER_BLOCK)
            parts.append((_LEFT_FIRST_STRIKE + j + offsets) * stride)
        end = (_LEFT_FIRST_STRIKE + (last_block + 1) * _STRIDES_PER_BLOCK) * stride
        parts.append(np.array([end]))
        return np.concatenate(parts)

    def _block_strides(
        self, side: int, first_block: int, last_block: int
    ) -> tuple[FloatArray, FloatArray]:
        """(heel strikes, toe offs) in seconds of ``side``'s strides j = first_block·32 …
        (last_block+1)·32 − 1. The right foot's heel strikes lie midway between the left's."""
        n = (last_block - first_block + 1) * _STRIDES_PER_BLOCK
        left = self._left_strikes(first_block, last_block + 1)[: n + 2]
        strikes = left if side == Side.LEFT else (left[:-1] + left[1:]) / 2
        hs, following = strikes[:n], strikes[1 : n + 1]
        return hs, hs + self.stance_fraction * (following - hs)

    def _stride_blocks(self, start_s: float, stop_s: float) -> tuple[int, int]:
        """The stride blocks holding every stride of either foot in effect in [start_s, stop_s]."""
        span = _STRIDES_PER_BLOCK * self.stride_time_s
        origin = _LEFT_FIRST_STRIKE * self.stride_time_s
        # a time lies in left stride block floor((t − origin) / span) exactly, since a block's
        # jitter sums to zero; a right stride starts at most one left stride earlier
        first = max(math.floor((start_s - origin) / span) - 1, 0)
        last = max(math.floor((stop_s - origin) / span), first)
        return first, last

    def _strides(self, side: int, start_s: float, stop_s: float) -> tuple[FloatArray, FloatArray]:
        """(heel strikes, toe offs) of ``side``'s strides, including every stride in effect
        at some time in [start_s, stop_s] (t >= 0)."""
        return self._block_strides(side, *self._stride_blocks(start_s, stop_s))

    def _stride_batches(
        self, side: int, start_s: float, stop_s: float
    ) -> Iterator[tuple[FloatArray, FloatArray]]:
        """``_strides`` over a long span, 1024 blocks of strides at a time (bounded memory);
        every stride comes once."""
        first, last = self._stride_blocks(start_s, stop_s)
        for b in range(first, last + 1, 1024):
            yield self._block_strides(side, b, min(b + 1023, last))

    @cached_property
    def _force_scale(self) -> tuple[float, float]:
        """Multipliers of each foot's force shape giving the requested left share of the
        session's force-time integral (1.0 each when standing)."""
        if self.activity != "walk":
            return 1.0, 1.0
        # frame k stands for [k - 1/2, k + 1/2] / rate: the sum over frames is this integral
        lo = -0.5 / self.rate_hz
        hi = (self.n_frames - 0.5) / self.rate_hz
        integral = []
        for side in (Side.LEFT, Side.RIGHT):
            total = 0.0
            for hs, to in self._stride_batches(side, lo, hi):
                duration = to - hs
                a = (np.clip(hs, lo, hi) - hs) / duration
                b = (np.clip(to, lo, hi) - hs) / duration
                total += float(np.sum(duration * (_hump_integral(b) - _hump_integral(a))))
            integral.append(total)
        share = self.left_share_pct / 100
        if min(integral) <= 0:  # a foot never touches down in a very short recording
            return 2 * share, 2 * (1 - share)
        mean = (integral[0] + integral[1]) / 2
        return 2 * share * mean / integral[0], 2 * (1 - share) * mean / integral[1]

    def _walk_loads(self, t_s: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Sensor pressures in kPa, (frames, sensors) per foot, at times ``t_s``."""
        model = self._model
        kpa_per_n = 1000.0 / self.layout.area_mm2  # 1 N on 1 mm² is 1000 kPa
        loads = []
        for side in (Side.LEFT, Side.RIGHT):
            hs, to = self._strides(side, float(t_s[0]), float(t_s[-1]))
            k = np.searchsorted(hs, t_s, side="right") - 1
            duration = to[k] - hs[k]
            phase = (t_s - hs[k]) / duration
            stance = phase < 1.0
            s = phase[stance]
            force_n = self._force_scale[side] * self.body_weight_n * _hump(s)
            kpa = np.zeros((t_s.size, self.sensors))
            kpa[stance] = force_n[:, None] * self._walk_pattern(s, model) * kpa_per_n
            loads.append(kpa)
        return loads[0], loads[1]

    # ------------------------------------------------------------------ standing

    @cached_property
    def _sway_components(self) -> tuple[FloatArray, FloatArray, FloatArray]:
        """(frequency Hz, amplitude mm, phase rad), each (2 axes [ML, AP], components)."""
        rng = _rng(self.seed, _SWAY)
        duration = self.n_frames / self.rate_hz
        # whole numbers of cycles over the recording (and below Nyquist): the sinusoids are
        # then orthogonal over it, so the recording's own sway has exactly the requested RMS
        # and zero mean, where free frequencies would beat and miss it by ±20 % in 30 s
        low, high = _SWAY_BAND_HZ
        first = max(1, math.ceil(low * duration))
        last = min(math.floor(high * duration), (self.n_frames - 1) // 2)
        count = min(_SWAY_COMPONENTS, max(last - first + 1, 0))  # 0: shorter than a second
        freq = np.zeros((2, _SWAY_COMPONENTS))
        amplitude = np.zeros((2, _SWAY_COMPONENTS))
        for axis in (0, 1):
            if count == 0:
                break
            cycles = first + rng.choice(last - first + 1, size=count, replace=False)
            freq[axis, :count] = cycles / duration
            # more power at low frequencies, as in quiet-standing CoP spectra
            amplitude[axis, :count] = 1.0 / np.sqrt(freq[axis, :count])
        phase = rng.uniform(0.0, 2 * math.pi, (2, _SWAY_COMPONENTS))
        # the RMS of a sum of sinusoids is sqrt(Σ amplitude² / 2)
        power = (amplitude**2).sum(axis=1, keepdims=True) / 2
        amplitude *= self.sway_mm / np.sqrt(np.where(power > 0, power, 1.0))
        return freq, amplitude, phase

    def _sway_mm(self, t_s: FloatArray) -> tuple[FloatArray, FloatArray]:
        """(ML, AP) displacement of the combined CoP, mm, at times ``t_s``."""
        freq, amplitude, phase = self._sway_components
        out = []
        for axis in (0, 1):
            angle = 2 * np.pi * t_s[:, None] * freq[axis] + phase[axis]
            out.append(np.sin(angle) @ amplitude[axis])
        return out[0], out[1]

    def _stand_loads(self, t_s: FloatArray) -> tuple[FloatArray, FloatArray]:
        model = self._model
        p_rear, p_fore = self._stand_patterns(model.shift_mm)
        x, y = self.layout.x_mm, self.layout.y_mm
        ml, ap = self._sway_mm(t_s)
        base = model.forefoot_share
        # AP: move load between rearfoot and forefoot blobs (CoP y is linear in the split)
        lever_y = float(p_fore @ y - p_rear @ y)
        fore = np.full(t_s.size, base)
        if self._regions[0].size and self._regions[1].size and lever_y > 0:
            fore = np.clip(base + ap / lever_y, 0.0, 1.0)
        # ML: move load between the feet. Combined X = (1 - 2·left)(d/2 - x_foot), with x_foot
        # each foot's own CoP x (the same on both feet); solve for the left share per frame
        half = STANDING_SEPARATION_MM / 2
        x_foot = (1 - fore) * float(p_rear @ x) + fore * float(p_fore @ x)
        share = self.left_share_pct / 100
        x_mean = (1 - base) * float(p_rear @ x) + base * float(p_fore @ x)
        target = (1 - 2 * share) * (half - x_mean) + ml
        left = np.clip((1 - target / (half - x_foot)) / 2, 0.0, 1.0)
        pattern = (1 - fore)[:, None] * p_rear + fore[:, None] * p_fore
        kpa_per_n = 1000.0 / self.layout.area_mm2
        weight = self.body_weight_n
        return (
            (left * weight)[:, None] * pattern * kpa_per_n,
            ((1 - left) * weight)[:, None] * pattern * kpa_per_n,
        )


__all__ = [
    "ACTIVITIES",
    "STANDING_SEPARATION_MM",
    "FootEvents",
    "GaitChunk",
    "GaitEvents",
    "SyntheticGait",
]
