"""``analyze(session)``: every analysis of a session, as a JSON-ready summary and DataFrames.

A recording in which a foot walks (``events.detect_events`` finds stances and swings) gets the
gait analysis: events, the per-step table, spatiotemporal parameters and the load shares over
the stance frames. A recording without walking gets the standing analysis: load shares over
all loaded frames and the sway of the centre of pressure. Either way it gets the quality
counts, the indicators with their references, the non-diagnostic note and the red flags.
Missing inputs give ``None`` (JSON null) where a value cannot be had, with the reason in
``summary["problems"]``; they never raise.

The work is in steps: ``engine.FootWork`` per foot, which reads the foot's frames a chunk
at a time (load, events and each stance's measures, then the sums over the frames the loads
are shared over: ``engine`` module docstring), the step table of both feet, then one
function per section of the result, each returning its frozen dataclass (``results``):
``gait_section``, ``distribution_section``, ``pronation_section``, ``balance_section``
(standing only), ``quality_section``, ``indicator_section``. ``Analysis.summary`` is their
``to_dict()`` in one dict.

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

import functools
import math
from collections.abc import Callable
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
    on_time_base,
)
from ..errors import AnalysisError
from ..io.source import FootSource, SessionSource
from ..model import UNIT_TEXT, Session
from . import balance, distribution, footprint, indicators
from .engine import FootWork, Mask, Sums, array_mask, interval_mask
from .events import EventOptions
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
    cop_table : callable
        Makes ``cop`` from the session on first use (``cop`` is a property: a long
        recording's per-frame CoP is built only when asked for, and the session must still
        be readable then).
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
    regions: pd.DataFrame
    indicators: pd.DataFrame
    #: builds ``cop`` (it reads the session again: a long recording's per-frame CoP is
    #: made only when asked for)
    cop_table: Callable[[], pd.DataFrame] = field(repr=False, compare=False)

    @cached_property
    def cop(self) -> pd.DataFrame:
        """Per-frame centre of pressure (class docstring). Made on first use from the
        session, which must still be readable then (a ``SessionSource`` not yet closed)."""
        return self.cop_table()

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


def _steps_without_zero(work: FootWork) -> bool:
    """Whether the foot's load rises and falls like walking steps once its zero is not
    taken as the floor (a sensor offset): the event detector finds walking relative to the
    signal's own levels, and the steps come regularly (at least 4 strides whose times vary by
    less than 15 % (coefficient of variation); walking's vary by a few per cent). Quiet
    standing's slow shifts of weight can look like slow, irregular steps to the detector,
    never regular ones."""
    events = work.detect(physical_zero=False, measure=False)
    strides = np.diff(events.heel_strike) / work.fs
    if not events.walking or len(strides) < 4:
        return False
    return bool(np.std(strides) < 0.15 * np.mean(strides))


@dataclass
class _Whole:
    """A foot's per-frame series whole: standing sessions (sway) and plates (roll-offs)."""

    work: FootWork
    load: FloatArray
    cop: FootCop | None
    regions: dict[str, FloatArray]

    @classmethod
    def of(cls, work: FootWork) -> _Whole:
        s = work.whole()
        return cls(work, s.load, s.cop, s.regions)

    @property
    def foot(self) -> FootSource:
        return self.work.foot

    @property
    def unit(self) -> str:
        return self.work.unit


def _frames_lost(session: AnySession) -> int:
    if "frames_lost" in session.quality:
        return int(session.quality["frames_lost"])
    lost = 0
    for foot in session.feet.values():
        if foot.n_frames > 1:
            gaps = np.diff(foot.time_s) * foot.sampling_rate_hz
            lost += int(np.sum(np.maximum(np.rint(gaps[gaps > 1.5]) - 1, 0)))
    return lost


def analyze(
    session: Session | SessionSource,
    options: AnalysisOptions | None = None,
    *,
    chunk_frames: int | None = None,
) -> Analysis:
    """Analyse a session: gait, load distribution, pronation indicators, balance and quality.

    The per-foot work (``engine.FootWork``: load, gait events, centre of pressure, regional
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
    chunk_frames : int, optional
        Frames of sensor values handled at once (default: 240 s of frames, fewer for many
        sensors; the result does not depend on it beyond the rounding of sums: ``engine``).

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
    from threadpoolctl import threadpool_limits

    # BLAS on one thread: the products here are a chunk of frames by 16-99 sensors, which a
    # second thread hardly speeds up, and on a busy machine its waits made them 10x slower
    with threadpool_limits(1, user_api="blas"):
        return _analyze(session, options, chunk_frames)


def _analyze(
    session: Session | SessionSource, options: AnalysisOptions | None, chunk_frames: int | None
) -> Analysis:
    opt = options or AnalysisOptions()
    source = SessionSource.of(session) if isinstance(session, Session) else session
    if not any(f.n_frames for f in source.feet.values()):
        raise AnalysisError(f"{source.path}: no sample frames of either foot: nothing to analyse")
    if opt.windowed:
        source = source.window(opt.start_s, opt.end_s)
    works = {side: FootWork(foot, opt.events, chunk_frames) for side, foot in source.feet.items()}
    for work in works.values():
        work.survey()
        work.detect(physical_zero=work.unit in PHYSICAL_ZERO_UNITS, measure=True)
    problems = _input_problems(source, works, opt)
    rolled = _roll_offs(source, works)
    walking = bool(rolled) or any(w.walking for w in works.values())
    loaded = any(w.max_abs > 0 for w in works.values())
    steps = _step_table(works, opt, rolled)
    problems += _step_problems(steps, walking and not rolled)
    masks = {
        side: array_mask(rolled[side][0])
        if side in rolled
        else _complete_stance(w, walking, steps, side)
        for side, w in works.items()
    }
    sums, share, sensors = _pass_sums(works, masks)

    rules = PerSide.of(
        {
            side: "levels" if w.unit in PHYSICAL_ZERO_UNITS else "steep rise"
            for side, w in works.items()
        }
    )
    gait = gait_section(steps, walking, loaded, opt, rules, rolled=bool(rolled))
    problems += _few_steps(gait, works)
    dist, notes = distribution_section(source, works, steps, sums, share, walking, opt)
    problems += notes
    pron = replace(
        pronation_section(steps, walking, dist.medial_share_pct), arch_index=_arch_indices(works)
    )
    balance_out: Balance | None = None
    if not walking and loaded:
        balance_out, notes = balance_section(
            source, {side: _Whole.of(w) for side, w in works.items()}, opt
        )
        problems += notes
    quality = quality_section(source, works, sensors)
    ind = indicator_section(gait, dist, pron, walking)

    region_rows: list[dict[str, Any]] = []
    for side in works:
        regional = sums[side].regional
        region_rows += [] if regional is None else regional.rows()
    return Analysis(
        file=str(source.path),
        format=source.format,
        duration_s=source.duration_s,
        sampling_rate_hz=source.sampling_rate_hz,
        window_s=_window(source),
        activity=gait.activity,
        gait=gait,
        distribution=dist,
        pronation=pron,
        balance=balance_out,
        quality=quality,
        indicator_list=ind,
        problems=tuple(problems),
        steps=steps,
        regions=pd.DataFrame(region_rows),
        indicators=pd.DataFrame([i.to_dict() for i in ind]),
        cop_table=functools.partial(_cop_table, works),
    )


def _pass_sums(
    works: dict[str, FootWork], masks: dict[str, Mask]
) -> tuple[dict[str, Sums], tuple[float, float] | None, dict[str, tuple[list[int], list[int]]]]:
    """Pass 3 of every foot (``engine``): its sums over its ``masks``, the left share's two
    integrals (both feet, in load units that compare), the sensors' quality."""
    left, right = works.get("left"), works.get("right")
    shared = (
        left is not None
        and right is not None
        and left.unit == right.unit
        and left.unit in SHARE_UNITS
        and left.n >= 2
        and right.n >= 2
    )
    sums, sensors = {}, {}
    share = None
    for side, work in works.items():
        other = right if side == "left" and shared else None
        sums[side], got, sensors[side] = work.sums(masks[side], other, other is not None)
        share = got if got is not None else share
    return sums, share, sensors


def _window(session: AnySession) -> tuple[float, float] | None:
    """The time window the session was cut to (``Session.window``), or None."""
    window = session.metadata.get("window_s")
    if isinstance(window, (list, tuple)) and len(window) == 2:
        return float(window[0]), float(window[1])
    return None


def _input_problems(
    session: AnySession, feet: dict[str, FootWork], opt: AnalysisOptions
) -> list[str]:
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
    if feet and all(f.layout is None for f in feet.values()):
        problems.append(no_geometry_note(session))
    for side, f in feet.items():
        if (
            not f.walking
            and f.unit in PHYSICAL_ZERO_UNITS
            and f.finite > 10
            and _steps_without_zero(f)
        ):
            low = float(np.nanpercentile(f.load_sample, 5))
            problems.append(
                f"{side} foot: the load rises and falls like walking but never drops near zero "
                f"(lowest level about {low:.3g} {UNIT_TEXT[f.unit]}): a sensor offset? Analysed as "
                "standing; tare first (--tare)"
            )
        if f.layout is None and any(g.layout is not None for g in feet.values()):
            problems.append(
                f"{side} foot: no sensor layout, so no centre of pressure or regional values"
            )
        if f.n and not f.finite:
            problems.append(f"{side} foot: no valid samples")
        elif f.n and not f.max_abs > 0:
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


def _roll_offs(
    session: AnySession, feet: dict[str, FootWork]
) -> dict[str, tuple[BoolArray, _Whole]]:
    """Per foot that rolls over a plate, its contact frames (its whole contact is one stance:
    ``footprint``) and its series. Empty for insoles."""
    roll_off: dict[str, tuple[BoolArray, _Whole]] = {}
    if isinstance(session.metadata.get("plate"), dict):
        for side, work in feet.items():
            whole = _Whole.of(work)
            contact = footprint.contact_frames(whole.load)
            if footprint.is_roll_off(whole.cop, contact):
                roll_off[side] = contact, whole
    return roll_off


def _step_table(
    feet: dict[str, FootWork], opt: AnalysisOptions, roll_off: dict[str, tuple[BoolArray, _Whole]]
) -> pd.DataFrame:
    per_foot_steps = []
    for side, work in feet.items():
        rolled = roll_off.get(side)
        cop = None if rolled is None else rolled[1].cop
        if rolled is not None and cop is not None:
            contact, whole = rolled
            per_foot_steps.append(
                plate_contact_steps(
                    side,
                    work.foot.time_s,
                    whole.load,
                    cop,
                    whole.regions,
                    work.layout,
                    work.foot.frames().values,  # a plate's roll-off: a few hundred frames
                    contact,
                    load_unit=work.unit,
                )
            )
        else:
            assert work.rows is not None
            per_foot_steps.append(work.rows)
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


def _arch_indices(feet: dict[str, FootWork]) -> PerSide[float]:
    """Each foot's arch index (``footprint.arch_index``) from its sensors' peaks over the
    session, where its layout is a grid fine enough (a plate, an in-shoe grid)."""
    out: dict[str, float | None] = {}
    for side, f in feet.items():
        layout = f.layout
        if layout is None or f.foot.n_sensors < footprint.ARCH_INDEX_MIN_SENSORS:
            continue
        peak = f.sensor_peak
        out[side] = footprint.arch_index(layout, np.where(np.isfinite(peak), peak, np.nan))
    return PerSide.of(out)


def _few_steps(gait: Gait, feet: dict[str, FootWork]) -> list[str]:
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


def _complete_stance(f: FootWork, walking: bool, steps: pd.DataFrame, side: str) -> Mask:
    """The frames the foot's loads are shared over: walking, the stances of its steps (heel
    strike to toe off; not those labelled standing); standing, its loaded frames."""
    if not walking:
        return f.stance_mask()
    mine = steps[(steps["side"] == side) & (steps["label"] != STANDING)]
    t = f.foot.time_s
    a = np.searchsorted(t, mine["heel_strike_s"].to_numpy(dtype=float))
    b = np.searchsorted(t, mine["toe_off_s"].to_numpy(dtype=float))
    return interval_mask(a.astype(np.int64), b.astype(np.int64))


def _load_unit(feet: dict[str, FootWork]) -> str | None:
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
    feet: dict[str, FootWork],
    steps: pd.DataFrame,
    sums: dict[str, Sums],
    share_integrals: tuple[float, float] | None,
    walking: bool,
    opt: AnalysisOptions,
) -> tuple[Distribution, list[str]]:
    """Left share and symmetry index, mean stance and peak loads, forefoot and medial shares
    and the mean medio-lateral CoP over the frames ``analyze`` shares loads over
    (``_complete_stance``; their ``sums`` and the left share's two integrals from
    ``engine``), with the problems that left values out."""
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
        elif share_integrals is not None:
            share, symmetry = distribution.share_of(*share_integrals)
    mean_stance: dict[str, Any] = {}
    peak: dict[str, Any] = {}
    within: dict[str, dict[str, Any]] = {}
    cop_ml: dict[str, Any] = {}
    for side, f in feet.items():
        got = sums[side]
        if walking:  # each step weighs the same, however long it lasts
            mine = steps[(steps["side"] == side) & (steps["label"] != STANDING)]
            if mine["used"].any():  # the summary's steps; a short walk: every step
                mine = mine[mine["used"]]
            peak_col, mean_col, _ = load_columns(f.unit)
            mean_stance[side] = float(mine[mean_col].mean()) if len(mine) else None
            peak[side] = float(mine[peak_col].mean()) if len(mine) else None
        else:
            count = got.load_count
            mean_stance[side] = got.load_sum / count if count else None
            peak[side] = got.load_max if count else None
        within[side] = distribution.shares_of(got.region_integral)
        if f.layout is not None and got.cop_ml_weight > 0:
            cop_ml[side] = float(
                100.0 * got.cop_ml_moment / got.cop_ml_weight / f.layout.foot_width_mm
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
    session: AnySession, feet: dict[str, _Whole], opt: AnalysisOptions
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


def quality_section(
    session: AnySession,
    feet: dict[str, FootWork],
    sensors: dict[str, tuple[list[int], list[int]]],
) -> Quality:
    """Frames lost and invalid, and the sensors that look saturated or dead (``sensors``:
    per foot, from ``engine``)."""
    return Quality(
        frames_lost=_frames_lost(session),
        invalid_frames=sum(f.invalid for f in feet.values()),
        frames={side: f.n for side, f in feet.items()},
        saturated_sensors=PerSide.of({side: got[0] for side, got in sensors.items()}, tuple),
        dead_sensors=PerSide.of({side: got[1] for side, got in sensors.items()}, tuple),
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


def _cop_table(feet: dict[str, FootWork]) -> pd.DataFrame:
    """Both feet's per-frame CoP in one table (``Analysis.cop``), read again a chunk at a
    time."""
    cop_frames = []
    cops = {side: f for side, f in feet.items() if f.layout is not None}
    units = {f.layout.coordinate_unit for f in cops.values() if f.layout is not None}
    coord = units.pop() if len(units) == 1 else "mm"
    load_units = {f.weights_unit for f in cops.values()}
    load_col = f"load_{load_units.pop() if len(load_units) == 1 else 'n'}"
    for side, f in cops.items():
        assert f.layout is not None
        if f.layout.coordinate_unit != coord or f"load_{f.weights_unit}" != load_col:
            continue
        for first, _, _, stop in f.spans(0):
            cop = f.series(first, stop, regions=False).cop
            assert cop is not None
            cop_frames.append(
                pd.DataFrame(
                    {
                        "time_s": cop.time_s,
                        "side": side,
                        f"cop_ml_{coord}": cop.x_mm,
                        f"cop_ap_{coord}": cop.y_mm,
                        load_col: cop.load,
                    }
                )
            )
    if cop_frames:
        return pd.concat(cop_frames, ignore_index=True)
    return pd.DataFrame(columns=["time_s", "side", f"cop_ml_{coord}", f"cop_ap_{coord}", load_col])
