"""``analyze(session)``: every analysis of a session, as a JSON-ready summary and DataFrames.

A recording in which a foot walks (``events.detect_events`` finds stances and swings) gets the
gait analysis: events, the per-step table, spatiotemporal parameters and the load shares over
the stance frames. A recording without walking gets the standing analysis: load shares over
all loaded frames and the sway of the centre of pressure. Either way it gets the quality
counts, the indicators with their references, the non-diagnostic note and the red flags.
Missing inputs give ``None`` (JSON null) where a value cannot be had, with the reason in
``summary["problems"]``; they never raise.

The work is in steps: ``_analyse_foot`` per foot (load, events, CoP, regional loads), the
step table of both feet, then one function per section of the result, each returning its
frozen dataclass (``results``): ``gait_section``, ``distribution_section``,
``pronation_section``, ``balance_section`` (standing only), ``quality_section``,
``indicator_section``. ``Analysis.summary`` is their ``to_dict()`` in one dict.

With ``AnalysisOptions.start_s``/``end_s`` only that time window of the session is analysed
(``Session.window``): times (steps, CoP) stay measured from the start of the recording,
``duration_s`` is the window's, and ``window_s`` is ``[start_s, end_s]`` (null without one).

Summary keys that stay stable (``STABLE_KEYS``): ``duration_s``, ``sampling_rate_hz``,
``gait.steps.{left,right}``, ``gait.cadence_steps_per_min``, ``gait.stride_time_s.{left,right}``,
``gait.stance_time_s.{left,right}``, ``gait.swing_time_s.{left,right}``,
``distribution.left_share_pct``, ``distribution.symmetry_index_pct``,
``distribution.mean_stance_force_n.{left,right}``, ``distribution.forefoot_share_pct.{left,right}``,
``distribution.medial_share_pct.{left,right}``, ``pronation.cpei_pct.{left,right}``,
``quality.frames_lost``. Stride, stance, swing and flight statistics, the cadence, the
loads (mean stance force, peaks) and the pronation indicators are over the steps marked
``used`` in the step table: the steady steps of the walking bouts, without starts, stops and
turns (``steps`` module docstring; their number is ``gait.steps_used``, and
``gait.steps_steady`` counts the steady steps, ``gait.steps_by_label`` every label); loads
and pronation indicators over every complete step when no step is used (a short walk).
``activity`` is ``running`` when the steps with a flight phase outnumber the steady walking
steps, and ``roll_off`` for a foot rolling over a plate (one contact, ``footprint``); the
walking reference ranges (cadence, stride, swing) then do not apply.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..calibration import looks_inverted
from ..cop import (
    FootCop,
    combined_cop,
    contact_threshold,
    cop_of_parts,
    cop_parts,
    on_time_base,
    sensor_weights,
)
from ..errors import AnalysisError
from ..io.source import CHUNK_FRAMES, FootSource, SessionSource
from ..model import UNIT_TEXT, Session
from . import balance, distribution, footprint, indicators
from .events import EventOptions, FootEvents, detect_events
from .results import (
    SIDES,
    Balance,
    Distribution,
    EventDetection,
    Gait,
    Indicator,
    PerSide,
    Pronation,
    Quality,
    Sway,
    clean,
    number,
)
from .steps import (
    LABELS,
    STANDING,
    foot_steps,
    load_columns,
    plate_contact_steps,
    spatiotemporal,
    steps_table,
    summary_label,
)

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
#: what ``analyze`` takes: a session in memory, or one read a chunk of frames at a time
AnySession = Session | SessionSource

GRAVITY_M_S2 = 9.80665
STABLE_KEYS = (
    "duration_s",
    "sampling_rate_hz",
    "gait.steps.left",
    "gait.steps.right",
    "gait.cadence_steps_per_min",
    "gait.stride_time_s.left",
    "gait.stride_time_s.right",
    "gait.stance_time_s.left",
    "gait.stance_time_s.right",
    "gait.swing_time_s.left",
    "gait.swing_time_s.right",
    "distribution.left_share_pct",
    "distribution.symmetry_index_pct",
    "distribution.mean_stance_force_n.left",
    "distribution.mean_stance_force_n.right",
    "distribution.forefoot_share_pct.left",
    "distribution.forefoot_share_pct.right",
    "distribution.medial_share_pct.left",
    "distribution.medial_share_pct.right",
    "pronation.cpei_pct.left",
    "pronation.cpei_pct.right",
    "quality.frames_lost",
)
#: An insole session shorter than this is flagged as too short to represent gait or stance
#: (five strides of walking at a typical 1.1 s stride; plates, whose roll-off lasts under a
#: second, are not judged). The project's choice: no published minimum is applied here.
SHORT_S = 5.0
#: steady steps a foot needs for plantar-pressure means that represent the person's gait: "no
#: fewer than 30 steps" per foot (Melvin, Preece, Nester & Howard 2014, Gait Posture 40:682-687,
#: who also recommend about 166 steps per foot to get used to unfamiliar footwear first)
MIN_STEADY_STEPS = 30
#: Units whose zero means "no load" (``raw`` signals such as gaitndd's have an arbitrary offset).
PHYSICAL_ZERO_UNITS = ("kpa", "n_cm2", "n", "adc")
#: Units in which loads of the two feet compare (a share of ADC counts is not a share of load).
SHARE_UNITS = ("kpa", "n_cm2", "n")
SATURATED_FRACTION = 0.02  # of a sensor's loaded frames at its very maximum
DEAD_FRACTION = 0.01  # of the foot's 99th-percentile sensor value, never exceeded
#: Dead sensors are judged on insoles up to this many sensors (a discrete insole's, as the
#: footprint module tells them from a dense grid's or a plate's sensels).
MAX_SENSORS_DEAD_CHECK = footprint.DISCRETE_MAX_SENSORS


@dataclass(frozen=True)
class AnalysisOptions:
    """What ``analyze`` does beyond its defaults.

    Parameters
    ----------
    events : EventOptions
        The gait event detector's parameters (``pressure.analysis.EventOptions``: times in s,
        levels as fractions of the load's range).
    standing_separation_mm : float, optional
        Distance between the insoles' centre lines when standing, mm, for the combined centre
        of pressure (default: the session's ``metadata["standing_separation_mm"]``).
    body_mass_kg : float, optional
        Body mass, kg, to express forces in body weights (``mean_stance_force_bw``; default:
        the subject's in the session's metadata).
    start_s : float, optional
        Analyse from this time, s from the start of the recording (``Session.window``;
        default: from the start).
    end_s : float, optional
        Analyse up to this time, s (exclusive; default: to the end).
    exclude_turns : bool
        Leave the steps labelled ``turn`` out of the summary (default True; ``steps`` module
        docstring).

    Raises
    ------
    AnalysisError
        When ``start_s`` or ``end_s`` is not a number of seconds >= 0 or the window is
        reversed.
    """

    events: EventOptions = field(default_factory=EventOptions)
    standing_separation_mm: float | None = None
    body_mass_kg: float | None = None
    start_s: float | None = None
    end_s: float | None = None
    exclude_turns: bool = True

    def __post_init__(self) -> None:
        start, end = self.start_s, self.end_s
        if start is not None and not (math.isfinite(start) and start >= 0):
            raise AnalysisError(f"start_s must be a number of seconds >= 0, got {start!r}")
        if end is not None and not (math.isfinite(end) and end > 0):
            raise AnalysisError(f"end_s must be a number of seconds > 0, got {end!r}")
        if start is not None and end is not None and start >= end:
            raise AnalysisError(f"start_s ({start:g} s) must be before end_s ({end:g} s)")

    @property
    def windowed(self) -> bool:
        """Whether a time window is asked for."""
        return self.start_s is not None or self.end_s is not None


@dataclass(frozen=True)
class Analysis:
    """What ``analyze`` found, section by section (``results``), and as tables.

    ``summary`` is all of it as one nested dict of JSON types (module docstring; the
    sections' ``to_dict()``). Units are in the names throughout (``_s``, ``_pct``, ``_mm``,
    ``_n``, ``_hz``; a load that is not in N is named with its unit or beside a
    ``load_unit``).

    Attributes
    ----------
    file : str
        The session's file.
    format : str
        The reader's name for its format.
    duration_s : float
        Length of what was analysed, s (the window's, with one).
    sampling_rate_hz : float or None
        The highest sampling rate of the feet, Hz.
    window_s : tuple of float or None
        ``(start, end)`` of the time window analysed, s from the start of the recording;
        None for the whole recording.
    activity : str
        ``"walking"``, ``"running"``, ``"roll_off"`` (a foot rolling over a plate),
        ``"standing"`` or ``"none"`` (no load).
    gait : Gait
        Steps, cadence (steps/min), stride, stance and swing times (s) and their variability.
    distribution : Distribution
        Left share and symmetry index (%), mean stance and peak loads (N, or ``load_unit``),
        forefoot and medial shares (%).
    pronation : Pronation
        Per-step means of CPEI (%), the medial-lateral index and the gait line (mm, % of foot
        length and width).
    balance : Balance or None
        Sway of the centre of pressure (mm, mm/s, mm²); standing only, else None.
    quality : Quality
        Frames lost and invalid, saturated and dead sensors.
    indicator_list : tuple of Indicator
        Each indicator beside its published reference range and source.
    problems : tuple of str
        Why values are missing (None) or need care.
    steps : pandas.DataFrame
        One row per step (``steps.step_columns``): times in s, percentages of the stride, the
        load columns named with the load's unit (``peak_load_n``, ``mean_load_n``,
        ``load_time_integral_n_s`` when calibrated; ``peak_load_adc`` and so on otherwise),
        gait line in mm and % of foot length/width, ``cpei_pct``, ``label`` and ``used``.
    cop : pandas.DataFrame
        Per-frame centre of pressure, columns ``time_s, side, cop_ml_<unit>, cop_ap_<unit>,
        load_<unit>`` in the foot frame, the coordinates' unit the layout's (``mm``; ``au`` for
        gaitpdb's arbitrary units), NaN while the foot is unloaded; the load the CoP is
        weighted by in N (``load_n``) or in the values' own unit when they are not calibrated
        (``load_raw``, ``load_adc``).
    regions : pandas.DataFrame
        Regional variables, one row per foot and region (``peak_pressure_kpa``,
        ``contact_area_mm2``, ``force_time_integral_n_s``, ``relative_load_pct``, ...).
    indicators : pandas.DataFrame
        One row per indicator: ``name``, ``value`` in ``unit``, the reference range and
        source (``indicator_list`` as a table).
    """

    file: str
    format: str
    duration_s: float
    sampling_rate_hz: float | None
    window_s: tuple[float, float] | None
    activity: str
    gait: Gait
    distribution: Distribution
    pronation: Pronation
    balance: Balance | None
    quality: Quality
    indicator_list: tuple[Indicator, ...]
    problems: tuple[str, ...]
    steps: pd.DataFrame
    cop: pd.DataFrame
    regions: pd.DataFrame
    indicators: pd.DataFrame

    @cached_property
    def summary(self) -> dict[str, Any]:
        """The JSON summary (``pressure analyze --json``): one nested dict of JSON types, the
        sections' ``to_dict()`` with the file, format, duration (s), sampling rate (Hz),
        window, activity, indicators, problems, note and red flags; None (null) where a value
        cannot be had. ``STABLE_KEYS`` stay from version to version."""
        summary: dict[str, Any] = {
            "file": self.file,
            "format": self.format,
            "duration_s": self.duration_s,
            "sampling_rate_hz": self.sampling_rate_hz,
            "window_s": None if self.window_s is None else list(self.window_s),
            "activity": self.activity,
            "gait": self.gait.to_dict(),
            "distribution": self.distribution.to_dict(),
            "pronation": self.pronation.to_dict(),
            "balance": None if self.balance is None else self.balance.to_dict(),
            "quality": self.quality.to_dict(),
            "indicators": [i.to_dict() for i in self.indicator_list],
            "problems": list(self.problems),
            "note": indicators.NOTE,
            "red_flags_intro": indicators.RED_FLAGS_INTRO,
            "red_flags": list(indicators.RED_FLAGS),
        }
        return clean(summary)


def _steps_without_zero(load: FloatArray, rate_hz: float, options: EventOptions) -> bool:
    """Whether ``load`` rises and falls like walking steps once its zero is not taken as the
    floor (a sensor offset): the event detector finds walking relative to the signal's own
    levels, and the steps come regularly (at least 4 strides whose times vary by less than
    15 % (coefficient of variation); walking's vary by a few per cent). Quiet standing's slow
    shifts of weight can look like slow, irregular steps to the detector, never regular ones."""
    events = detect_events(load, rate_hz, physical_zero=False, options=options)
    strides = np.diff(events.heel_strike) / rate_hz
    if not events.walking or len(strides) < 4:
        return False
    return bool(np.std(strides) < 0.15 * np.mean(strides))


@dataclass
class _Foot:
    """One foot's per-frame series (load, CoP, regional loads, stance) and the reductions of
    its sensor values, from one pass over its frames a chunk at a time (``_analyse_foot``)."""

    foot: FootSource
    load: FloatArray
    unit: str
    events: FootEvents
    cop: FootCop | None
    regions: dict[str, FloatArray]
    stance: BoolArray
    force_known: bool  # the sensor values give forces in N
    invalid_frames: int  # frames with some sensor value missing
    sensor_peak: FloatArray  # each sensor's highest value over the session (-inf: none)
    saturated: list[int]
    dead: list[int]


def _concatenate(parts: list[FloatArray]) -> FloatArray:
    return np.concatenate(parts) if parts else np.zeros(0)


def _analyse_foot(foot: FootSource, options: AnalysisOptions, chunk_frames: int) -> _Foot:
    """Load, CoP and regional loads per frame, computed a chunk of frames at a time (so the
    per-sensor weights, the largest temporary, never exist for the whole foot), then the
    events, the stance frames and the sensors' quality."""
    layout = foot.layout
    loads: list[FloatArray] = []
    cop_parts_: list[tuple[FloatArray, FloatArray, FloatArray]] = []
    region_parts: dict[str, list[FloatArray]] = {}
    invalid = 0
    peak = np.full(foot.n_sensors, -np.inf)
    unit = foot.unit
    force_known = False
    chunks = foot.chunks(chunk_frames) if foot.n_frames else iter([(0, foot.frames(0, 0))])
    for _, rec in chunks:
        weights, weights_unit = sensor_weights(rec)
        force_known = weights_unit == "n"
        if rec.total_force_n is None and force_known:
            # FootRecording.load() without computing the forces twice (negative readings of
            # tared sensors count as no load)
            load, unit = weights.sum(axis=1), "n"
        else:
            load, unit = rec.load()
        load = np.array(load, dtype=np.float64)
        finite = np.isfinite(rec.values)
        # a frame with no valid sensor at all is a gap, not an unloaded foot (a frame with
        # some sensors missing counts them as unloaded)
        if rec.total_force_n is None:
            load[~finite.any(axis=1)] = np.nan
        loads.append(load)
        invalid += int(np.sum(~finite.all(axis=1)))
        if rec.n_frames:
            peak = np.maximum(peak, np.where(finite, rec.values, -np.inf).max(axis=0))
        if layout is not None:
            cop_parts_.append(cop_parts(weights, layout))
            for name, series in distribution.region_loads(rec, weights).items():
                region_parts.setdefault(name, []).append(series)
    load = _concatenate(loads)
    events = detect_events(
        load,
        foot.sampling_rate_hz,
        physical_zero=unit in PHYSICAL_ZERO_UNITS,
        unit_is_newton=unit == "n",
        options=options.events,
        time_s=foot.time_s,
    )
    cop = None
    if layout is not None:
        total, x, y = (_concatenate([part[k] for part in cop_parts_]) for k in range(3))
        cop = cop_of_parts(foot.time_s, total, x, y, weights_unit, layout)
    regions = {name: _concatenate(parts) for name, parts in region_parts.items()}
    stance = np.zeros(foot.n_frames, dtype=np.bool_)
    if events.walking:
        for a, b in zip(events.heel_strike, events.toe_off, strict=True):
            stance[a:b] = True
    else:
        finite_load = np.where(np.isfinite(load), load, -np.inf)
        stance = finite_load >= contact_threshold(load, unit)
    saturated, dead = _sensor_quality(foot, stance, chunk_frames)
    return _Foot(
        foot, load, unit, events, cop, regions, stance, force_known, invalid, peak, saturated, dead
    )


def _frames_lost(session: AnySession) -> int:
    if "frames_lost" in session.quality:
        return int(session.quality["frames_lost"])
    lost = 0
    for foot in session.feet.values():
        if foot.n_frames > 1:
            gaps = np.diff(foot.time_s) * foot.sampling_rate_hz
            lost += int(np.sum(np.maximum(np.rint(gaps[gaps > 1.5]) - 1, 0)))
    return lost


def _sensor_quality(
    foot: FootSource, stance: BoolArray, chunk_frames: int
) -> tuple[list[int], list[int]]:
    """1-based numbers of sensors that look saturated and that look dead (judged only for
    insoles of up to ``MAX_SENSORS_DEAD_CHECK`` sensors: a dense grid's or a plate's sensels
    outside the foot never load). Over the loaded frames (``stance``; every frame when none
    is): each sensor's highest value and how many frames reach it, kept as the chunks pass;
    the 1st and 99th percentiles of every value from every ``n // 20000``-th frame."""
    n = foot.n_frames
    loaded = stance if stance.any() else np.ones(n, dtype=np.bool_)
    rows = int(loaded.sum())
    if rows == 0 or foot.n_sensors == 0:
        return [], []
    top = np.full(foot.n_sensors, -np.inf)
    at_top = np.zeros(foot.n_sensors, dtype=np.int64)  # frames at ``top`` so far
    every = max(1, n // 20_000)
    sample: list[FloatArray] = []
    for start, rec in foot.chunks(chunk_frames):
        values = rec.values
        sample.append(values[(-start) % every :: every])
        v = values[loaded[start : start + len(values)]]
        if not len(v):
            continue
        here = np.max(np.where(np.isfinite(v), v, -np.inf), axis=0)
        count = np.sum(v == here, axis=0)
        higher = here > top
        at_top = np.where(higher, count, np.where(here == top, at_top + count, at_top))
        top = np.maximum(top, here)
    # clipping shows as a flat top at a high reading: a sensor at its own maximum in a good
    # share of the loaded frames, that maximum among the foot's highest readings
    highest = float(top.max())
    saturated = [
        i + 1
        for i in range(foot.n_sensors)
        if top[i] > 0
        and top[i] >= 0.5 * highest
        and at_top[i] / rows >= SATURATED_FRACTION
        and rows >= 50
    ]
    values = np.concatenate(sample)
    finite = values[np.isfinite(values)]
    scale = float(np.percentile(finite, 99)) if finite.size else 0.0
    offset = float(np.percentile(finite, 1)) if finite.size else 0.0
    dead = []
    # in a dense grid or on a plate a sensel under no part of the foot is normal, not dead
    if scale > offset and foot.n_sensors <= MAX_SENSORS_DEAD_CHECK:
        dead = [
            i + 1
            for i in range(foot.n_sensors)
            if top[i] - offset <= DEAD_FRACTION * (scale - offset)
        ]
    return saturated, dead


def analyze(
    session: Session | SessionSource,
    options: AnalysisOptions | None = None,
    *,
    chunk_frames: int = CHUNK_FRAMES,
) -> Analysis:
    """Analyse a session: gait, load distribution, pronation indicators, balance and quality.

    The per-foot work (``_analyse_foot``: load, gait events, centre of pressure, regional
    loads), the step table, then each section of the summary from them (module docstring).
    Missing inputs give None where a value cannot be had, with the reason in
    ``Analysis.problems``; they never raise.

    Parameters
    ----------
    session : Session or SessionSource
        The recording (``pressure.load``, or ``pressure.io.source.open_source`` for one read
        a chunk of frames at a time); it is not changed. Loads are in N when the values
        give forces (N, or kPa and N/cm² with the layout's sensor areas), else in the
        values' own unit (``Session``, ``FootRecording.load``).
    options : AnalysisOptions, optional
        Event detection, a time window (``start_s``, ``end_s``: s from the start of the
        recording), body mass (kg), the insoles' separation when standing (mm), turns
        counted or not. Default: ``AnalysisOptions()``.
    chunk_frames : int
        Frames of sensor values handled at once (the result does not depend on it beyond
        the rounding of sums).

    Returns
    -------
    Analysis
        The typed sections (``gait``, ``distribution``, ``pronation``, ``balance``,
        ``quality``), ``summary`` (the JSON of ``pressure analyze --json``) and the tables
        ``steps`` (one row per step), ``cop`` (per frame), ``regions`` (per foot and region)
        and ``indicators``.

    Raises
    ------
    AnalysisError
        When the time window of ``options`` is not within the recording, or the session
        has no frame (a recording that never received one).
    """
    opt = options or AnalysisOptions()
    if isinstance(session, Session):
        session = SessionSource.of(session)
    if not any(f.n_frames for f in session.feet.values()):
        raise AnalysisError(f"{session.path}: no sample frames of either foot: nothing to analyse")
    if opt.windowed:
        session = session.window(opt.start_s, opt.end_s)
    feet = {side: _analyse_foot(foot, opt, chunk_frames) for side, foot in session.feet.items()}
    problems = _input_problems(session, feet, opt)
    roll_off = _roll_offs(session, feet)
    walking = bool(roll_off) or any(f.events.walking for f in feet.values())
    loaded = any(np.nanmax(np.abs(f.load), initial=0.0) > 0 for f in feet.values())
    steps = _step_table(feet, opt, roll_off)
    problems += _step_problems(steps, walking and not roll_off)
    masks = {
        side: roll_off[side] if side in roll_off else _complete_stance(f, walking, steps, side)
        for side, f in feet.items()
    }

    rules = PerSide.of(
        {
            side: "levels" if f.unit in PHYSICAL_ZERO_UNITS else "steep rise"
            for side, f in feet.items()
        }
    )
    gait = gait_section(steps, walking, loaded, opt, rules, rolled=bool(roll_off))
    problems += _few_steps(gait, feet)
    dist, notes = distribution_section(session, feet, steps, masks, walking, opt)
    problems += notes
    pron = replace(
        pronation_section(steps, walking, dist.medial_share_pct), arch_index=_arch_indices(feet)
    )
    balance_out: Balance | None = None
    if not walking and loaded:
        balance_out, notes = balance_section(session, feet, opt)
        problems += notes
    quality = quality_section(session, feet)
    ind = indicator_section(gait, dist, pron, walking)

    region_rows: list[dict[str, Any]] = []
    for side, f in feet.items():
        region_rows += distribution.regional(f.foot, masks[side], f.force_known, f.regions)
    return Analysis(
        file=str(session.path),
        format=session.format,
        duration_s=session.duration_s,
        sampling_rate_hz=session.sampling_rate_hz,
        window_s=_window(session),
        activity=gait.activity,
        gait=gait,
        distribution=dist,
        pronation=pron,
        balance=balance_out,
        quality=quality,
        indicator_list=ind,
        problems=tuple(problems),
        steps=steps,
        cop=_cop_table(feet),
        regions=pd.DataFrame(region_rows),
        indicators=pd.DataFrame([i.to_dict() for i in ind]),
    )


def _window(session: AnySession) -> tuple[float, float] | None:
    """The time window the session was cut to (``Session.window``), or None."""
    window = session.metadata.get("window_s")
    if isinstance(window, (list, tuple)) and len(window) == 2:
        return float(window[0]), float(window[1])
    return None


def _input_problems(session: AnySession, feet: dict[str, _Foot], opt: AnalysisOptions) -> list[str]:
    """What is missing or odd in the input: a foot, the reader's complaints, a layout, a
    sensor offset, no valid or no nonzero samples."""
    problems: list[str] = []
    for side in SIDES:
        if side not in feet:
            problems.append(f"no {side} foot in the recording")
    problems += [f"reading the file: {p}" for p in session.problems]
    if not isinstance(session.metadata.get("plate"), dict) and 0 < session.duration_s < SHORT_S:
        problems.append(
            f"the session lasts {session.duration_s:.3g} s, under {SHORT_S:g} s: a few strides "
            "of walking or seconds of standing at most, so its indicators do not represent the "
            "person's gait or stance (a recording cut short?)"
        )
    for side in looks_inverted(session):
        if side in feet:
            problems.append(
                f"{side} foot: most sensors read near the top of the converter's range most of "
                "the time, as sensors that fall under load do (a divider wired to the supply): "
                "invert them first (--invert; pressure.calibration.invert), or loading and "
                "unloading come out swapped"
            )
    if feet and all(f.foot.layout is None for f in feet.values()):
        problems.append(no_geometry_note(session))
    for side, f in feet.items():
        if (
            not f.events.walking
            and f.unit in PHYSICAL_ZERO_UNITS
            and np.isfinite(f.load).sum() > 10
            and _steps_without_zero(f.load, f.foot.sampling_rate_hz, opt.events)
        ):
            low = float(np.nanpercentile(f.load, 5))
            problems.append(
                f"{side} foot: the load rises and falls like walking but never drops near zero "
                f"(lowest level about {low:.3g} {UNIT_TEXT[f.unit]}): a sensor offset? Analysed as "
                "standing; tare first (--tare)"
            )
        if f.foot.layout is None and any(g.foot.layout is not None for g in feet.values()):
            problems.append(
                f"{side} foot: no sensor layout, so no centre of pressure or regional values"
            )
        if f.foot.n_frames and not np.isfinite(f.load).any():
            problems.append(f"{side} foot: no valid samples")
        elif f.foot.n_frames and not np.nanmax(np.abs(f.load)) > 0:
            problems.append(f"{side} foot: every sensor reads zero")
    return problems


#: What ``analyze`` leaves out without sensor positions (``no_geometry_note``).
NO_GEOMETRY = (
    "no sensor layout: no centre of pressure, gait line, CPEI, medial/lateral or "
    "forefoot/rearfoot shares or regional values"
)


def no_geometry_note(session: AnySession) -> str:
    """The one line ``analyze`` adds when no foot has a sensor layout: what is left out
    (``NO_GEOMETRY``) and, where the reader says how a layout is given
    (``metadata["layout_help"]``), how to add one.

    Parameters
    ----------
    session : Session
        The recording analysed.

    Returns
    -------
    str
        One sentence, no line break.
    """
    help_text = session.metadata.get("layout_help")
    if isinstance(help_text, str) and help_text:
        return f"{NO_GEOMETRY}; {help_text}"
    return NO_GEOMETRY


def _roll_offs(session: AnySession, feet: dict[str, _Foot]) -> dict[str, BoolArray]:
    """Per foot that rolls over a plate, its contact frames: its whole contact is one stance
    (``footprint``). Empty for insoles."""
    roll_off: dict[str, BoolArray] = {}
    if isinstance(session.metadata.get("plate"), dict):
        for side, f in feet.items():
            contact = footprint.contact_frames(f.load)
            if footprint.is_roll_off(f.cop, contact):
                roll_off[side] = contact
    return roll_off


def _step_table(
    feet: dict[str, _Foot], opt: AnalysisOptions, roll_off: dict[str, BoolArray]
) -> pd.DataFrame:
    per_foot_steps = [
        plate_contact_steps(
            side,
            f.foot.time_s,
            f.load,
            f.cop,
            f.regions,
            f.foot.layout,
            f.foot.frames().values,  # a plate's roll-off: a few hundred frames
            roll_off[side],
            load_unit=f.unit,
        )
        if side in roll_off and f.cop is not None
        else foot_steps(
            side,
            f.foot.time_s,
            f.load,
            f.events,
            f.cop,
            f.regions,
            f.foot.layout,
            values=f.foot.values,
            load_unit=f.unit,
        )
        for side, f in feet.items()
    ]
    return steps_table(per_foot_steps, exclude_turns=opt.exclude_turns)


def _step_problems(steps: pd.DataFrame, walking: bool) -> list[str]:
    if walking and len(steps) == 0:
        return ["walking was detected but no complete step (heel strike to toe off)"]
    if walking and int(steps["used"].sum()) == 0:
        return [
            "too few strides for stride statistics (the first and last strides of each "
            "walking bout are not used)"
        ]
    return []


def _arch_indices(feet: dict[str, _Foot]) -> PerSide[float]:
    """Each foot's arch index (``footprint.arch_index``) from its sensors' peaks over the
    session, where its layout is a grid fine enough (a plate, an in-shoe grid)."""
    out: dict[str, float | None] = {}
    for side, f in feet.items():
        layout = f.foot.layout
        if layout is None or f.foot.n_sensors < footprint.ARCH_INDEX_MIN_SENSORS:
            continue
        peak = f.sensor_peak
        out[side] = footprint.arch_index(layout, np.where(np.isfinite(peak), peak, np.nan))
    return PerSide.of(out)


def _few_steps(gait: Gait, feet: dict[str, _Foot]) -> list[str]:
    """A note per walking foot with fewer than ``MIN_STEADY_STEPS`` steady steps."""
    if gait.activity not in ("walking", "running"):
        return []
    out = []
    for side in feet:
        n = gait.steps_steady[side] or 0
        if n < MIN_STEADY_STEPS:
            out.append(
                f"{side} foot: {n} steady step{'s' if n != 1 else ''}, fewer than the "
                f"{MIN_STEADY_STEPS} a foot that plantar-pressure means need to represent a "
                "person's gait (Melvin et al. 2014, Gait Posture 40:682): read its means as "
                "indicative only, or record a longer walk"
            )
    return out


def _complete_stance(f: _Foot, walking: bool, steps: pd.DataFrame, side: str) -> BoolArray:
    """The frames the foot's loads are shared over: walking, the stances of its steps (heel
    strike to toe off; not those labelled standing); standing, its loaded frames."""
    if not walking:
        return f.stance
    mine = steps[(steps["side"] == side) & (steps["label"] != STANDING)]
    t = f.foot.time_s
    a = np.searchsorted(t, mine["heel_strike_s"].to_numpy(dtype=float))
    b = np.searchsorted(t, mine["toe_off_s"].to_numpy(dtype=float))
    edges = np.zeros(f.foot.n_frames + 1, dtype=np.int64)
    np.add.at(edges, a, 1)
    np.add.at(edges, b, -1)
    mask: BoolArray = np.cumsum(edges[:-1]) > 0
    return mask


def _load_unit(feet: dict[str, _Foot]) -> str | None:
    """The unit of every foot's load, or None when they differ (or there is no foot)."""
    units = {f.unit for f in feet.values()}
    return units.pop() if len(units) == 1 else None


# -------------------------------------------------------------------- gait


def gait_section(
    steps: pd.DataFrame,
    walking: bool,
    loaded: bool,
    opt: AnalysisOptions,
    rules: PerSide[str] | None = None,
    *,
    rolled: bool = False,
) -> Gait:
    """Step counts, cadence and the stride, stance and swing statistics of the used strides
    (``steps.spatiotemporal``); ``loaded``: some foot carries a load at all."""
    temporal = spatiotemporal(steps)
    per = temporal["per_foot"]
    assert isinstance(per, dict)

    def stat(name: str, what: str = "mean") -> PerSide[float]:
        return PerSide.of({side: per[side][name][what] for side in SIDES})

    counted = summary_label(steps)

    def count(selected: pd.Series) -> PerSide[int]:
        return PerSide.of({side: int(((steps["side"] == side) & selected).sum()) for side in SIDES})

    return Gait(
        activity=("roll_off" if rolled else "running" if counted == "running" else "walking")
        if walking
        else ("standing" if loaded else "none"),
        steps=count(steps["label"] != STANDING),
        steps_used=count(steps["used"]),
        steps_steady=count(steps["label"] == counted),
        steps_by_label={label: count(steps["label"] == label) for label in LABELS},
        exclude_turns=opt.exclude_turns,
        cadence_steps_per_min=number(temporal["cadence_steps_per_min"]),
        stride_time_s=stat("stride_s"),
        stride_time_sd_s=stat("stride_s", "sd"),
        stride_time_cv_pct=stat("stride_s", "cv_pct"),
        stance_time_s=stat("stance_s"),
        swing_time_s=stat("swing_s"),
        swing_time_cv_pct=stat("swing_s", "cv_pct"),
        stance_pct=stat("stance_pct"),
        swing_pct=stat("swing_pct"),
        double_support_s=stat("double_support_s"),
        contact_time_s=stat("stance_s"),
        flight_time_s=number(temporal["flight_time_s"]),
        gait_asymmetry_pct=number(temporal["gait_asymmetry_pct"]),
        event_detection=EventDetection(
            threshold_fraction=opt.events.threshold,
            hysteresis_fraction=opt.events.hysteresis,
            min_stance_s=opt.events.min_stance_s,
            min_swing_s=opt.events.min_swing_s,
            heel_strike_level=opt.events.heel_strike_level,
            toe_off_level=opt.events.toe_off_level,
            raw_rise_per_s=opt.events.raw_rise_per_s,
            raw_toe_off_level=opt.events.raw_toe_off_level,
            rule=rules if rules is not None else PerSide.of({}),
        ),
    )


# -------------------------------------------------------------------- distribution


def distribution_section(
    session: AnySession,
    feet: dict[str, _Foot],
    steps: pd.DataFrame,
    masks: dict[str, BoolArray],
    walking: bool,
    opt: AnalysisOptions,
) -> tuple[Distribution, list[str]]:
    """Left share and symmetry index, mean stance and peak loads, forefoot and medial shares
    and the mean medio-lateral CoP over the frames of ``masks`` (``_complete_stance``), with
    the problems that left values out."""
    problems: list[str] = []
    share = symmetry = None
    if "left" in feet and "right" in feet:
        fl, fr = feet["left"], feet["right"]
        if fl.unit != fr.unit:
            problems.append(
                f"the feet's loads are in different units ({fl.unit}, {fr.unit}): no left share"
            )
        elif fl.unit not in SHARE_UNITS:
            problems.append(
                f"the load is in uncalibrated units ({fl.unit}): no left share or symmetry "
                "index (calibrate first: --tare and --body-mass-kg KG, or a profile's "
                "calibration curve; README: Home-made insoles)"
            )
        else:
            share, symmetry = distribution.left_share(
                (fl.foot.time_s, fl.load),
                (fr.foot.time_s, fr.load),
                max(fl.foot.sampling_rate_hz, fr.foot.sampling_rate_hz),
            )
    mean_stance: dict[str, Any] = {}
    peak: dict[str, Any] = {}
    within: dict[str, dict[str, Any]] = {}
    cop_ml: dict[str, Any] = {}
    for side, f in feet.items():
        mask = masks[side]
        loads = f.load[mask]
        loads = loads[np.isfinite(loads)]
        if walking:  # each step weighs the same, however long it lasts
            mine = steps[(steps["side"] == side) & (steps["label"] != STANDING)]
            if mine["used"].any():  # the summary's steps; a short walk: every step
                mine = mine[mine["used"]]
            peak_col, mean_col, _ = load_columns(f.unit)
            mean_stance[side] = float(mine[mean_col].mean()) if len(mine) else None
            peak[side] = float(mine[peak_col].mean()) if len(mine) else None
        else:
            mean_stance[side] = float(loads.mean()) if loads.size else None
            peak[side] = float(loads.max()) if loads.size else None
        within[side] = distribution.shares(f.foot.time_s, f.regions, mask)
        if f.cop is not None:
            sel = mask & np.isfinite(f.cop.x_mm)
            w = np.where(sel, f.cop.load, 0.0)
            if w.sum() > 0:
                cop_ml[side] = float(
                    100.0
                    * np.sum(w * np.where(sel, f.cop.x_mm, 0.0))
                    / w.sum()
                    / f.cop.foot_width_mm
                )
    body_mass = _body_mass(session, opt)
    load_unit = _load_unit(feet)
    newtons = load_unit == "n"
    dist = Distribution(
        load_unit=load_unit,
        left_share_pct=number(share),
        symmetry_index_pct=number(symmetry),
        mean_stance_force_n=PerSide.of(mean_stance if newtons else {}),
        # a load with an arbitrary offset (raw units) has no meaningful mean
        mean_stance_load=PerSide.of(mean_stance if load_unit in PHYSICAL_ZERO_UNITS else {}),
        peak_force_n=PerSide.of(peak if newtons else {}),  # walking: mean of the steps' peaks
        forefoot_share_pct=PerSide.of(
            {s: within.get(s, {}).get("forefoot_share_pct") for s in SIDES}
        ),
        medial_share_pct=PerSide.of({s: within.get(s, {}).get("medial_share_pct") for s in SIDES}),
        cop_ml_pct=PerSide.of(cop_ml),
        body_mass_kg=body_mass,
        mean_stance_force_bw=PerSide.of(
            {
                s: (mean_stance[s] / (body_mass * GRAVITY_M_S2))
                if newtons and body_mass and mean_stance.get(s) is not None
                else None
                for s in SIDES
            }
        ),
    )
    return dist, problems


def _body_mass(session: AnySession, opt: AnalysisOptions) -> float | None:
    """The option's body mass, else the subject's in the metadata (kg)."""
    body_mass = opt.body_mass_kg
    if body_mass is None:
        subject = session.metadata.get("subject")
        if isinstance(subject, dict):
            for key in ("weight_kg", "body_mass_kg", "mass_kg"):
                if isinstance(subject.get(key), (int, float)) and subject[key] > 0:
                    body_mass = float(subject[key])
                    break
    return body_mass


# -------------------------------------------------------------------- pronation indicators


def pronation_section(
    steps: pd.DataFrame, walking: bool, medial_share_pct: PerSide[float]
) -> Pronation:
    """Per-step means of the step table's pronation/supination indicators; standing, the
    medial-lateral index from the medial share (2 · share − 1)."""

    def step_mean(column: str) -> PerSide[float]:
        out = {}
        for side in SIDES:
            v = steps.loc[(steps["side"] == side) & steps["used"], column].to_numpy(dtype=float)
            if not v.size:  # few steps: every one (standing still is no step)
                walked = (steps["side"] == side) & (steps["label"] != STANDING)
                v = steps.loc[walked, column].to_numpy(dtype=float)
            v = v[np.isfinite(v)]
            out[side] = float(v.mean()) if v.size else None
        return PerSide.of(out)

    mli = step_mean("medial_lateral_index")
    if not walking:
        mli = PerSide.of(
            {
                side: None if share_ is None else (2 * share_ / 100.0 - 1.0)
                for side, share_ in ((s, medial_share_pct[s]) for s in SIDES)
            }
        )
    return Pronation(
        cpei_pct=step_mean("cpei_pct"),
        cpei_footprint=PerSide.of(
            {  # which footprint the steps' CPEI used (footprint.py)
                side: "+".join(
                    sorted({k for k in steps.loc[steps["side"] == side, "cpei_footprint"] if k})
                )
                or None
                for side in SIDES
            }
        ),
        medial_lateral_index=mli,
        gait_line_length_mm=step_mean("gait_line_length_mm"),
        gait_line_width_mm=step_mean("gait_line_width_mm"),
        gait_line_ap_pct_fl=step_mean("gait_line_ap_pct_fl"),
        gait_line_excursion_pct_fl=step_mean("gait_line_excursion_pct_fl"),
        gait_line_width_pct_fw=step_mean("gait_line_width_pct_fw"),
    )


# -------------------------------------------------------------------- balance (standing)


def balance_section(
    session: AnySession, feet: dict[str, _Foot], opt: AnalysisOptions
) -> tuple[Balance, list[str]]:
    """Sway of each foot's CoP and of the combined CoP (which needs the distance between the
    insoles), and the SD over time of the left share, with the problems that left values
    out."""
    problems: list[str] = []
    per_foot: dict[str, Sway | None] = {}
    metric = {side: f.cop is not None and f.cop.coordinate_unit == "mm" for side, f in feet.items()}
    for side, f in feet.items():
        if f.cop is not None and metric[side]:
            per_foot[side] = Sway.of(balance.sway(f.cop.time_s, f.cop.x_mm, f.cop.y_mm))
        elif f.cop is not None:
            problems.append(
                f"standing: {side} foot's layout is not in mm ({f.cop.coordinate_unit}), "
                "so no sway in mm"
            )
    separation = opt.standing_separation_mm
    if separation is None:
        value = session.metadata.get("standing_separation_mm")
        separation = float(value) if isinstance(value, (int, float)) else None
    combined = None
    lc, rc = feet.get("left"), feet.get("right")
    if (
        separation is not None
        and lc
        and rc
        and lc.cop is not None
        and rc.cop is not None
        and metric["left"]
        and metric["right"]
    ):
        t, big_x, big_y, _ = combined_cop(lc.cop, rc.cop, separation)
        combined = Sway.of(balance.sway(t, big_x, big_y))
    elif lc and rc and (lc.foot.layout is not None or rc.foot.layout is not None):
        # (without any layout, analyze's one no-geometry line says it all)
        if separation is None:
            why = "the distance between the insoles is not known (standing_separation_mm)"
        elif lc.cop is None or rc.cop is None:
            why = "a foot has no sensor layout"
        else:
            why = "a foot's layout is not in mm"
        problems.append(f"standing: no combined centre of pressure: {why}")
    share_sd: float | None = None
    share_sd_known = False
    fl_, fr_ = feet.get("left"), feet.get("right")
    if (
        fl_ is not None
        and fr_ is not None
        and fl_.unit == fr_.unit
        and fl_.unit in SHARE_UNITS
        and fl_.foot.n_frames > 1
        and fr_.foot.n_frames > 1
    ):
        fl, fr = fl_, fr_
        right_on_left = on_time_base(fl.foot.time_s, fr.foot.time_s, fr.load)
        total = fl.load + right_on_left
        with np.errstate(invalid="ignore", divide="ignore"):
            inst = 100.0 * fl.load / total
        inst = inst[np.isfinite(inst) & (total >= contact_threshold(total, fl.unit))]
        share_sd = number(inst.std(ddof=1)) if inst.size > 1 else None
        share_sd_known = True
    out = Balance(
        per_foot=per_foot,
        standing_separation_mm=separation,
        combined=combined,
        left_share_sd_pct=share_sd,
        share_sd_known=share_sd_known,
    )
    return out, problems


# -------------------------------------------------------------------- quality


def quality_section(session: AnySession, feet: dict[str, _Foot]) -> Quality:
    """Frames lost and invalid, and the sensors that look saturated or dead."""
    saturated, dead = {}, {}
    invalid = 0
    for side, f in feet.items():
        saturated[side], dead[side] = f.saturated, f.dead
        invalid += f.invalid_frames
    return Quality(
        frames_lost=_frames_lost(session),
        invalid_frames=invalid,
        frames={side: f.foot.n_frames for side, f in feet.items()},
        saturated_sensors=PerSide.of(saturated, tuple),
        dead_sensors=PerSide.of(dead, tuple),
        reader=dict(session.quality),
    )


# -------------------------------------------------------------------- indicators


def indicator_section(
    gait: Gait, dist: Distribution, pron: Pronation, walking: bool
) -> tuple[Indicator, ...]:
    """Each indicator beside its published reference, in the order they are shown."""
    rearfoot = PerSide.of(
        {
            side: None if (ff := dist.forefoot_share_pct[side]) is None else 100.0 - ff
            for side in SIDES
        }
    )
    # (reference key, per-side values or one value, unit), in the order they are shown
    shown: list[tuple[str, PerSide[float] | float | None, str]] = []
    if walking and gait.activity != "roll_off":  # a plate roll-off has no gait cycle
        shown += [
            ("cadence_steps_per_min", gait.cadence_steps_per_min, "steps/min"),
            ("stride_time_s", gait.stride_time_s, "s"),
            ("swing_pct", gait.swing_pct, "%"),
            ("stride_time_cv_pct", gait.stride_time_cv_pct, "%"),
            ("gait_asymmetry_pct", gait.gait_asymmetry_pct, "%"),
        ]
    shown += [
        ("left_share_pct", dist.left_share_pct, "%"),
        ("symmetry_index_pct", dist.symmetry_index_pct, "%"),
        ("medial_lateral_index", pron.medial_lateral_index, "1"),
        ("cpei_pct", pron.cpei_pct, "%")
        if walking
        else ("rearfoot_share_standing_pct", rearfoot, "%"),
    ]
    if any(pron.arch_index[side] is not None for side in SIDES):
        # a plate's footprint meets the barefoot reference; an in-shoe grid's contact does not
        key = "arch_index" if gait.activity == "roll_off" else "arch_index_insole"
        shown.append((key, pron.arch_index, "1"))
    ind: list[Indicator] = []
    for key, value, unit in shown:
        if isinstance(value, PerSide):  # one indicator per foot, named <key>.<side>
            name = "arch_index" if key.startswith("arch_index") else key
            ind += [
                Indicator(
                    **indicators.indicator(
                        f"{name}.{side}", value[side], unit, key=key, activity=gait.activity
                    )
                )
                for side in SIDES
            ]
        else:
            ind.append(Indicator(**indicators.indicator(key, value, unit, activity=gait.activity)))
    return tuple(ind)


# -------------------------------------------------------------------- per-frame CoP


def _cop_table(feet: dict[str, _Foot]) -> pd.DataFrame:
    """Both feet's per-frame CoP in one table (``Analysis.cop``)."""
    cop_frames = []
    units = {f.cop.coordinate_unit for f in feet.values() if f.cop is not None}
    coord = units.pop() if len(units) == 1 else "mm"
    load_units = {f.cop.load_unit for f in feet.values() if f.cop is not None}
    load_col = f"load_{load_units.pop() if len(load_units) == 1 else 'n'}"
    for side, f in feet.items():
        if f.cop is None or f.cop.coordinate_unit != coord or f"load_{f.cop.load_unit}" != load_col:
            continue
        cop_frames.append(
            pd.DataFrame(
                {
                    "time_s": f.cop.time_s,
                    "side": side,
                    f"cop_ml_{coord}": f.cop.x_mm,
                    f"cop_ap_{coord}": f.cop.y_mm,
                    load_col: f.cop.load,
                }
            )
        )
    if cop_frames:
        return pd.concat(cop_frames, ignore_index=True)
    return pd.DataFrame(columns=["time_s", "side", f"cop_ml_{coord}", f"cop_ap_{coord}", load_col])
