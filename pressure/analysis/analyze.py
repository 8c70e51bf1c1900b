"""``analyze(session)``: every analysis of a session, as a JSON-ready summary and DataFrames.

A recording in which a foot walks (``events.detect_events`` finds stances and swings) gets the
gait analysis: events, the per-step table, spatiotemporal parameters and the load shares over
the stance frames. A recording without walking gets the standing analysis: load shares over
all loaded frames and the sway of the centre of pressure. Either way it gets the quality
counts, the indicators with their references, the non-diagnostic note and the red flags.
Missing inputs give ``None`` (JSON null) where a value cannot be had, with the reason in
``summary["problems"]``; they never raise.

Summary keys that stay stable (``STABLE_KEYS``): ``duration_s``, ``sampling_rate_hz``,
``gait.steps.{left,right}``, ``gait.cadence_steps_per_min``, ``gait.stride_time_s.{left,right}``,
``gait.stance_time_s.{left,right}``, ``gait.swing_time_s.{left,right}``,
``distribution.left_share_pct``, ``distribution.symmetry_index_pct``,
``distribution.mean_stance_force_n.{left,right}``, ``distribution.forefoot_share_pct.{left,right}``,
``distribution.medial_share_pct.{left,right}``, ``pronation.cpei_pct.{left,right}``,
``quality.frames_lost``. Stride, stance and swing statistics and the cadence are over the
strides marked ``used`` in the step table; loads (mean stance force, peaks) and the
pronation indicators are means over every step in it (pronation indicators over the used
steps when there are any).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..model import UNIT_TEXT, FootRecording, Session
from . import balance, distribution, footprint, indicators
from .cop import (
    FootCop,
    combined_cop,
    contact_threshold,
    foot_cop,
    on_time_base,
    sensor_weights,
)
from .events import EventOptions, FootEvents, detect_events
from .steps import foot_steps, spatiotemporal, steps_table

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

GRAVITY_M_S2 = 9.80665
SIDES = ("left", "right")
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
#: Units whose zero means "no load" (``raw`` signals such as gaitndd's have an arbitrary offset).
PHYSICAL_ZERO_UNITS = ("kpa", "n_cm2", "n", "adc")
#: Units in which loads of the two feet compare (a share of ADC counts is not a share of load).
SHARE_UNITS = ("kpa", "n_cm2", "n")
SATURATED_FRACTION = 0.02  # of a sensor's loaded frames at its very maximum
DEAD_FRACTION = 0.01  # of the foot's 99th-percentile sensor value, never exceeded
MAX_SENSORS_DEAD_CHECK = 128  # dead sensors are judged on insoles up to this many sensors


@dataclass(frozen=True)
class AnalysisOptions:
    """``events``: the event detector's parameters. ``standing_separation_mm``: distance of the
    insoles' centre lines when standing (for the combined CoP; default from the session's
    metadata). ``body_mass_kg``: to express forces in body weights (default from the
    subject's metadata)."""

    events: EventOptions = field(default_factory=EventOptions)
    standing_separation_mm: float | None = None
    body_mass_kg: float | None = None


@dataclass(frozen=True)
class Analysis:
    """What ``analyze`` found. ``summary``: nested dict of JSON types (module docstring).
    ``steps``: one row per step (``steps.STEP_COLUMNS``). ``cop``: per-frame CoP, columns
    ``time_s, side, cop_ml_<unit>, cop_ap_<unit>, load_<unit>`` in the foot frame, the unit the
    layout's (``mm``; ``au`` for gaitpdb's arbitrary units); NaN while the foot is unloaded;
    the load the CoP is weighted by in N (``load_n``) or in the values' own unit when they
    are not calibrated (``load_raw``, ``load_adc``).
    ``regions``: regional variables, one row per foot and region. ``indicators``: one row per
    indicator with its reference and source."""

    summary: dict[str, Any]
    steps: pd.DataFrame
    cop: pd.DataFrame
    regions: pd.DataFrame
    indicators: pd.DataFrame


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


def _clean(value: Any) -> Any:
    """JSON-ready: numpy scalars to Python, NaN and infinities to None."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return v if math.isfinite(v) else None
    if isinstance(value, np.bool_):
        return bool(value)
    return value


@dataclass
class _Foot:
    foot: FootRecording
    load: FloatArray
    unit: str
    events: FootEvents
    cop: FootCop | None
    regions: dict[str, FloatArray]
    stance: BoolArray
    force_known: bool  # the sensor values give forces in N


def _analyse_foot(foot: FootRecording, options: AnalysisOptions) -> _Foot:
    weights = sensor_weights(foot)
    if foot.total_force_n is None and weights[1] == "n":
        # FootRecording.load() without computing the forces twice (negative readings of
        # tared sensors count as no load)
        load, unit = weights[0].sum(axis=1), "n"
    else:
        load, unit = foot.load()
    load = np.array(load, dtype=np.float64)
    # a frame with no valid sensor at all is a gap, not an unloaded foot (a frame with some
    # sensors missing counts them as unloaded)
    if foot.total_force_n is None:
        load[~np.isfinite(foot.values).any(axis=1)] = np.nan
    events = detect_events(
        load,
        foot.sampling_rate_hz,
        physical_zero=unit in PHYSICAL_ZERO_UNITS,
        unit_is_newton=unit == "n",
        options=options.events,
    )
    cop = foot_cop(foot, weights)
    regions = distribution.region_loads(foot, weights[0])
    stance = np.zeros(foot.n_frames, dtype=np.bool_)
    if events.walking:
        for a, b in zip(events.heel_strike, events.toe_off, strict=True):
            stance[a:b] = True
    else:
        finite = np.where(np.isfinite(load), load, -np.inf)
        stance = finite >= contact_threshold(load, unit)
    # the per-sensor weights are the largest temporary (one float per sensor and frame):
    # only the per-region sums above are kept
    return _Foot(foot, load, unit, events, cop, regions, stance, weights[1] == "n")


def _frames_lost(session: Session) -> int:
    if "frames_lost" in session.quality:
        return int(session.quality["frames_lost"])
    lost = 0
    for foot in session.feet.values():
        if foot.n_frames > 1:
            gaps = np.diff(foot.time_s) * foot.sampling_rate_hz
            lost += int(np.sum(np.maximum(np.rint(gaps[gaps > 1.5]) - 1, 0)))
    return lost


def _sensor_quality(f: _Foot) -> tuple[list[int], list[int]]:
    """1-based numbers of sensors that look saturated and that look dead (judged only for
    insoles of up to ``MAX_SENSORS_DEAD_CHECK`` sensors: a dense grid's or a plate's sensels
    outside the foot never load)."""
    values = f.foot.values
    loaded = f.stance if f.stance.any() else np.ones(f.foot.n_frames, dtype=np.bool_)
    v = values[loaded]
    if v.size == 0:
        return [], []
    top = np.nanmax(np.where(np.isfinite(v), v, -np.inf), axis=0)
    # clipping shows as a flat top at a high reading: a sensor at its own maximum in a good
    # share of the loaded frames, that maximum among the foot's highest readings
    highest = float(top.max())
    saturated = [
        i + 1
        for i in range(v.shape[1])
        if top[i] > 0
        and top[i] >= 0.5 * highest
        and np.mean(v[:, i] == top[i]) >= SATURATED_FRACTION
        and v.shape[0] >= 50
    ]
    sample = values[:: max(1, values.shape[0] // 20_000)]  # percentiles of a subsample
    finite = sample[np.isfinite(sample)]
    scale = float(np.percentile(finite, 99)) if finite.size else 0.0
    offset = float(np.percentile(finite, 1)) if finite.size else 0.0
    dead = []
    # in a dense grid or on a plate a sensel under no part of the foot is normal, not dead
    if scale > offset and v.shape[1] <= MAX_SENSORS_DEAD_CHECK:
        dead = [
            i + 1 for i in range(v.shape[1]) if top[i] - offset <= DEAD_FRACTION * (scale - offset)
        ]
    return saturated, dead


def _per_side(values: dict[str, Any]) -> dict[str, Any]:
    return {side: values.get(side) for side in SIDES}


def analyze(session: Session, options: AnalysisOptions | None = None) -> Analysis:
    """Analyse ``session`` (module docstring)."""
    opt = options or AnalysisOptions()
    problems: list[str] = []
    feet = {side: _analyse_foot(foot, opt) for side, foot in session.feet.items()}
    for side in SIDES:
        if side not in feet:
            problems.append(f"no {side} foot in the recording")
    reader_problems = session.metadata.get("problems")
    if isinstance(reader_problems, dict):
        problems += [f"reading the file: {k}: {v}" for k, v in reader_problems.items()]
    elif isinstance(reader_problems, list):
        problems += [f"reading the file: {p}" for p in reader_problems]
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
                "standing; tare first (pressure.calibration.tare)"
            )
        if f.foot.layout is None:
            problems.append(
                f"{side} foot: no sensor layout, so no centre of pressure or regional values"
            )
        if f.foot.n_frames and not np.isfinite(f.load).any():
            problems.append(f"{side} foot: no valid samples")
        elif f.foot.n_frames and not np.nanmax(np.abs(f.load)) > 0:
            problems.append(f"{side} foot: every sensor reads zero")

    # a foot rolling over a plate: its whole contact is one stance (footprint.py)
    roll_off: dict[str, BoolArray] = {}
    if isinstance(session.metadata.get("plate"), dict):
        for side, f in feet.items():
            contact = footprint.contact_frames(f.load)
            if footprint.is_roll_off(f.cop, contact):
                roll_off[side] = contact
    walking = bool(roll_off) or any(f.events.walking for f in feet.values())
    loaded_feet = [f for f in feet.values() if np.nanmax(np.abs(f.load), initial=0.0) > 0]
    per_foot_steps = [
        footprint.plate_contact_steps(
            side,
            f.foot.time_s,
            f.load,
            f.cop,
            f.regions,
            f.foot.layout,
            f.foot.values,
            roll_off[side],
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
        )
        for side, f in feet.items()
    ]
    steps = steps_table(per_foot_steps)
    if walking and len(steps) == 0:
        problems.append("walking was detected but no complete step (heel strike to toe off)")
    elif walking and not roll_off and int(steps["used"].sum()) == 0:
        problems.append(
            "too few strides for stride statistics (a foot's first and last strides are not used)"
        )
    units = {f.unit for f in feet.values()}
    load_unit = units.pop() if len(units) == 1 else None

    # ---------------------------------------------------------------- gait
    temporal = spatiotemporal(steps)
    per = temporal["per_foot"]
    assert isinstance(per, dict)

    def stat(name: str, what: str = "mean") -> dict[str, Any]:
        return {side: per[side][name][what] for side in SIDES}

    gait: dict[str, Any] = {
        "activity": "walking" if walking else ("standing" if loaded_feet else "none"),
        "steps": {side: int((steps["side"] == side).sum()) for side in SIDES},
        "steps_used": {
            side: int(((steps["side"] == side) & steps["used"]).sum()) for side in SIDES
        },
        "cadence_steps_per_min": temporal["cadence_steps_per_min"],
        "stride_time_s": stat("stride_s"),
        "stride_time_sd_s": stat("stride_s", "sd"),
        "stride_time_cv_pct": stat("stride_s", "cv_pct"),
        "stance_time_s": stat("stance_s"),
        "swing_time_s": stat("swing_s"),
        "swing_time_cv_pct": stat("swing_s", "cv_pct"),
        "stance_pct": stat("stance_pct"),
        "swing_pct": stat("swing_pct"),
        "double_support_s": stat("double_support_s"),
        "gait_asymmetry_pct": temporal["gait_asymmetry_pct"],
        "event_detection": {
            "threshold_fraction": opt.events.threshold,
            "hysteresis_fraction": opt.events.hysteresis,
            "min_stance_s": opt.events.min_stance_s,
            "min_swing_s": opt.events.min_swing_s,
        },
    }

    # ---------------------------------------------------------------- distribution
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
                "index (calibrate first: pressure.calibration.tare, then scale_to_body_weight or "
                "apply_curve)"
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
    region_rows: list[dict[str, Any]] = []
    complete_stance: dict[str, BoolArray] = {}
    for side, f in feet.items():
        mask = np.zeros(f.foot.n_frames, dtype=np.bool_)
        if side in roll_off:
            mask = roll_off[side]
        elif walking:
            for a, b, ok in zip(
                f.events.heel_strike, f.events.toe_off, f.events.complete, strict=True
            ):
                if ok:
                    mask[a:b] = True
        else:
            mask = f.stance
        complete_stance[side] = mask
        loads = f.load[mask]
        loads = loads[np.isfinite(loads)]
        if walking:  # each step weighs the same, however long it lasts
            mine = steps[steps["side"] == side]
            mean_stance[side] = float(mine["mean_load"].mean()) if len(mine) else None
            peak[side] = float(mine["peak_load"].mean()) if len(mine) else None
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
        region_rows += distribution.regional(f.foot, mask, f.force_known, f.regions)
    body_mass = opt.body_mass_kg
    if body_mass is None:
        subject = session.metadata.get("subject")
        if isinstance(subject, dict):
            for key in ("weight_kg", "body_mass_kg", "mass_kg"):
                if isinstance(subject.get(key), (int, float)) and subject[key] > 0:
                    body_mass = float(subject[key])
                    break
    newtons = load_unit == "n"
    dist: dict[str, Any] = {
        "load_unit": load_unit,
        "left_share_pct": share,
        "symmetry_index_pct": symmetry,
        "mean_stance_force_n": _per_side(mean_stance if newtons else {}),
        # a load with an arbitrary offset (raw units) has no meaningful mean
        "mean_stance_load": _per_side(mean_stance if load_unit in PHYSICAL_ZERO_UNITS else {}),
        "peak_force_n": _per_side(peak if newtons else {}),  # walking: mean of the steps' peaks
        "forefoot_share_pct": {s: within.get(s, {}).get("forefoot_share_pct") for s in SIDES},
        "medial_share_pct": {s: within.get(s, {}).get("medial_share_pct") for s in SIDES},
        "cop_ml_pct": _per_side(cop_ml),
        "body_mass_kg": body_mass,
        "mean_stance_force_bw": {
            s: (mean_stance[s] / (body_mass * GRAVITY_M_S2))
            if newtons and body_mass and mean_stance.get(s) is not None
            else None
            for s in SIDES
        },
    }

    # ---------------------------------------------------------------- pronation indicators
    def step_mean(column: str) -> dict[str, Any]:
        out = {}
        for side in SIDES:
            v = steps.loc[(steps["side"] == side) & steps["used"], column].to_numpy(dtype=float)
            if not v.size:  # few steps: every complete one
                v = steps.loc[steps["side"] == side, column].to_numpy(dtype=float)
            v = v[np.isfinite(v)]
            out[side] = float(v.mean()) if v.size else None
        return out

    pronation = {
        "cpei_pct": step_mean("cpei_pct"),
        "cpei_footprint": {  # which footprint the steps' CPEI used (footprint.py)
            side: "+".join(
                sorted({k for k in steps.loc[steps["side"] == side, "cpei_footprint"] if k})
            )
            or None
            for side in SIDES
        },
        "medial_lateral_index": step_mean("medial_lateral_index"),
        "gait_line_length_mm": step_mean("gait_line_length_mm"),
        "gait_line_width_mm": step_mean("gait_line_width_mm"),
        "gait_line_ap_pct_fl": step_mean("gait_line_ap_pct_fl"),
        "gait_line_width_pct_fw": step_mean("gait_line_width_pct_fw"),
    }
    if not walking:
        mli = {}
        for side, share_ in ((s, within.get(s, {}).get("medial_share_pct")) for s in SIDES):
            mli[side] = None if share_ is None else (2 * share_ / 100.0 - 1.0)
        pronation["medial_lateral_index"] = mli

    # ---------------------------------------------------------------- balance (standing)
    balance_out: dict[str, Any] | None = None
    if not walking and loaded_feet:
        balance_out = {"per_foot": {}}
        metric = {
            side: f.cop is not None and f.cop.coordinate_unit == "mm" for side, f in feet.items()
        }
        for side, f in feet.items():
            if f.cop is not None and metric[side]:
                balance_out["per_foot"][side] = balance.sway(f.cop.time_s, f.cop.x_mm, f.cop.y_mm)
            elif f.cop is not None:
                problems.append(
                    f"standing: {side} foot's layout is not in mm ({f.cop.coordinate_unit}), "
                    "so no sway in mm"
                )
        separation = opt.standing_separation_mm
        if separation is None:
            value = session.metadata.get("standing_separation_mm")
            separation = float(value) if isinstance(value, (int, float)) else None
        balance_out["standing_separation_mm"] = separation
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
            combined = balance.sway(t, big_x, big_y)
        elif lc and rc:
            if separation is None:
                why = "the distance between the insoles is not known (standing_separation_mm)"
            elif lc.cop is None or rc.cop is None:
                why = "a foot has no sensor layout"
            else:
                why = "a foot's layout is not in mm"
            problems.append(f"standing: no combined centre of pressure: {why}")
        balance_out["combined"] = combined
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
            balance_out["left_share_sd_pct"] = float(inst.std(ddof=1)) if inst.size > 1 else None

    # ---------------------------------------------------------------- quality
    saturated, dead = {}, {}
    invalid = 0
    for side, f in feet.items():
        saturated[side], dead[side] = _sensor_quality(f)
        invalid += int(np.sum(~np.isfinite(f.foot.values).all(axis=1)))
    quality = {
        "frames_lost": _frames_lost(session),
        "invalid_frames": invalid,
        "frames": {side: f.foot.n_frames for side, f in feet.items()},
        "saturated_sensors": _per_side(saturated),
        "dead_sensors": _per_side(dead),
        "reader": dict(session.quality),
    }

    # ---------------------------------------------------------------- indicators
    rearfoot = {
        side: None if (ff := dist["forefoot_share_pct"][side]) is None else 100.0 - ff
        for side in SIDES
    }
    # (reference key, per-side values or one value, unit), in the order they are shown
    shown: list[tuple[str, Any, str]] = []
    if walking:
        shown += [
            ("cadence_steps_per_min", temporal["cadence_steps_per_min"], "steps/min"),
            ("stride_time_s", gait["stride_time_s"], "s"),
            ("swing_pct", gait["swing_pct"], "%"),
            ("stride_time_cv_pct", gait["stride_time_cv_pct"], "%"),
            ("gait_asymmetry_pct", temporal["gait_asymmetry_pct"], "%"),
        ]
    shown += [
        ("left_share_pct", share, "%"),
        ("symmetry_index_pct", symmetry, "%"),
        ("medial_lateral_index", pronation["medial_lateral_index"], "1"),
        ("cpei_pct", pronation["cpei_pct"], "%")
        if walking
        else ("rearfoot_share_standing_pct", rearfoot, "%"),
    ]
    ind: list[dict[str, Any]] = []
    for key, value, unit in shown:
        if isinstance(value, dict):  # one indicator per foot, named <key>.<side>
            ind += [
                indicators.indicator(f"{key}.{side}", value[side], unit, key=key) for side in SIDES
            ]
        else:
            ind.append(indicators.indicator(key, value, unit))

    summary: dict[str, Any] = {
        "file": str(session.path),
        "format": session.format,
        "duration_s": session.duration_s,
        "sampling_rate_hz": session.sampling_rate_hz,
        "activity": gait["activity"],
        "gait": gait,
        "distribution": dist,
        "pronation": pronation,
        "balance": balance_out,
        "quality": quality,
        "indicators": ind,
        "problems": problems,
        "note": indicators.NOTE,
        "red_flags_intro": indicators.RED_FLAGS_INTRO,
        "red_flags": list(indicators.RED_FLAGS),
    }
    summary = _clean(summary)

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
    cop = (
        pd.concat(cop_frames, ignore_index=True)
        if cop_frames
        else pd.DataFrame(
            columns=["time_s", "side", f"cop_ml_{coord}", f"cop_ap_{coord}", load_col]
        )
    )
    return Analysis(
        summary=summary,
        steps=steps,
        cop=cop,
        regions=pd.DataFrame(region_rows),
        indicators=pd.DataFrame(ind),
    )
