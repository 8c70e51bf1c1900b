"""Calibration of insole values: zero offsets, gains, calibration curves, body weight, layouts.

Every function takes a ``Session`` and returns a **new** one (``dataclasses.replace``); the
input and its arrays are never changed. Each appends what it did to
``metadata["calibration"]``, a list of JSON-serialisable steps in the order applied::

    {"step": "tare", "sides": ["left", "right"], "method": "unloaded_frames", ...,
     "offset": {"left": [...], "right": [...]}, "unit": {"left": "kpa", "right": "kpa"}}

``side=None`` means every foot the session has; ``"left"``/``"right"`` one foot (which must be
there). The usual order is ``invert`` (a sensor whose reading falls under load), ``tare`` or
``subtract_offset``, then one of ``apply_gain`` / ``apply_curve`` / ``scale_to_body_weight``,
and ``with_side`` / ``with_layout`` when the reader did not know them (``pressure.profile``
applies a home-made insole's profile in that order).

A device's own total force (``FootRecording.total_force_n``) is its vendor's calibration and
is left alone by ``tare``, ``apply_gain`` and ``apply_curve``; ``scale_to_body_weight`` scales
it with everything else. Samples that are NaN (gaps some readers mark) stay NaN.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt

from .layout import SensorLayout
from .model import UNITS, UNSTATED_SIDE, FloatArray, FootRecording, Session, SideName

if TYPE_CHECKING:
    from .io.source import SessionSource

#: Standard gravity (m/s²), for body weight = mass × g.
STANDARD_GRAVITY_M_S2 = 9.80665
#: ``tare``'s default rule for finding unloaded frames (see ``tare``).
TARE_LOW_PERCENTILE = 20.0
TARE_HIGH_PERCENTILE = 95.0
TARE_BAND = 0.05
TARE_MAX_UNLOADED_LEVEL = 0.25
TARE_MIN_UNLOADED_SHARE = 0.25

SIDES: tuple[SideName, SideName] = ("left", "right")
Extrapolate = Literal["clamp", "linear"]


# --- helpers ---------------------------------------------------------------------------------


def _check_session(session: object) -> Session:
    if not isinstance(session, Session):
        raise ValueError(f"expected a pressure.model.Session, got {type(session).__name__}")
    return session


def _sides(session: Session, side: str | None) -> list[SideName]:
    """The feet an operation applies to (see the module docstring)."""
    if side is None:
        feet = [s for s in SIDES if getattr(session, s) is not None]
        if not feet:
            raise ValueError("the session has no foot recording")
        return feet
    for name in SIDES:
        if side == name:
            if getattr(session, name) is None:
                raise ValueError(f"the session has no {name} foot")
            return [name]
    raise ValueError(f"side must be 'left', 'right' or None (both), got {side!r}")


def _foot(session: Session, side: SideName) -> FootRecording:
    foot = session.left if side == "left" else session.right
    assert foot is not None  # _sides checked it
    return foot


def _with(
    session: Session, feet: Mapping[SideName, FootRecording], step: dict[str, Any]
) -> Session:
    """A new session with ``feet`` replaced and ``step`` appended to the calibration record."""
    history = session.metadata.get("calibration", [])
    if not isinstance(history, list):
        raise ValueError(
            f"metadata['calibration'] must be a list of steps, got {type(history).__name__}"
        )
    metadata = {**session.metadata, "calibration": [*history, step]}
    return dataclasses.replace(
        session,
        left=feet.get("left", session.left),
        right=feet.get("right", session.right),
        metadata=metadata,
    )


def _floats(values: FloatArray) -> FloatArray:
    return np.asarray(values, dtype=np.float64)


def _per_side(values: Mapping[SideName, Any]) -> dict[str, Any]:
    return {str(side): value for side, value in values.items()}


def _list(array: FloatArray) -> list[float | None]:
    # JSON has no NaN: a sensor without data is None
    return [None if math.isnan(v) else float(v) for v in np.asarray(array, dtype=np.float64)]


def _unit(unit: str | None, name: str = "unit") -> str | None:
    if unit is not None and unit not in UNITS:
        raise ValueError(f"{name} must be one of {UNITS}, got {unit!r}")
    return unit


# --- zero offsets ----------------------------------------------------------------------------


def subtract_offset(
    session: Session,
    offset: float | Sequence[float] | FloatArray,
    *,
    side: str | None = None,
) -> Session:
    """Subtract known zero offsets (each sensor's reading with nothing on it), then clip
    negative values to 0, as ``tare`` does with offsets it measures.

    Parameters
    ----------
    session : Session
        The session; it is not changed.
    offset : float or array of float, shape (sensors,)
        One offset for every sensor, or one per sensor, in the values' unit; finite.
    side : {"left", "right"}, optional
        This foot only (default: every foot the session has).

    Returns
    -------
    Session
        A new session in the same unit; ``metadata["calibration"]`` records the offsets.

    Raises
    ------
    ValueError
        For offsets that are not finite numbers or whose count is not the foot's sensors'.
    """
    session = _check_session(session)
    sides = _sides(session, side)
    try:
        offsets = np.asarray(offset, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(
            f"offset must be a number or an array of numbers, got {offset!r}"
        ) from None
    if offsets.ndim > 1 or not np.all(np.isfinite(offsets)):
        raise ValueError("offset must be finite: one number, or one per sensor")
    feet: dict[SideName, FootRecording] = {}
    for name in sides:
        foot = _foot(session, name)
        if offsets.ndim == 1 and offsets.size != foot.n_sensors:
            raise ValueError(
                f"{offsets.size} offsets, but the {name} foot has {foot.n_sensors} sensors"
            )
        feet[name] = dataclasses.replace(
            foot, values=np.maximum(_floats(foot.values) - offsets, 0.0)
        )
    step = {
        "step": "subtract_offset",
        "sides": list(sides),
        "offset": float(offsets) if offsets.ndim == 0 else _list(offsets),
        "unit": {s: _foot(session, s).unit for s in sides},
        "clipped_below": 0.0,
    }
    return _with(session, feet, step)


# --- tare ------------------------------------------------------------------------------------


def tare(
    session: Session,
    *,
    window_s: tuple[float, float] | None = None,
    side: str | None = None,
) -> Session:
    """Subtract each sensor's zero offset, then clip negative values to 0.

    Offsets are per foot and per sensor, in the foot's own unit:

    * ``window_s=(t0, t1)`` (seconds, ``t0 <= time_s < t1``): the median of each sensor over
      that window — a period with the foot lifted (sitting with the leg raised, a calibration
      pause). Every foot tared must have samples in the window.
    * default, for walking: the median of each sensor over the foot's **unloaded frames**. A
      frame's total is its summed sensor force (or the plain sum of values when the unit and
      layout give no force). ``low`` is the median total of the 20 % of frames with the lowest
      totals, ``high`` the 95th percentile of the totals; the unloaded frames are those whose
      total is at most ``low + 0.05 · (high − low)``. In walking the swing phase (about 40 %
      of the time) holds the lowest-loaded frames, so ``low`` is the swing level as long as
      at least 10 % of the frames are swing (a median tolerates half its data from elsewhere);
      the band then takes in every swing frame whatever its noise, rather than only the
      quietest half (which would bias each offset low), and leaves out the stance frames. The
      median per sensor ignores the few frames at the edges of stance that fall in the band.
      The foot must be seen to unload: either ``low`` is at most 25 % of ``high`` (the
      unloaded level is near zero), or at least 25 % of the frames sit in the band (a tight
      cluster at one level, as swing phases make even on an insole whose offsets are large
      against its load; walking gives about 40 %, a simulated quiet stance about 13 %).
      Otherwise (standing, or only loaded frames) this raises ValueError: there is no
      unloaded period to measure; pass ``window_s``. A stance with weight shifted almost
      entirely off the foot at times passes the first test and is tared on those frames.

    ``metadata["calibration"]`` records the method, its parameters, the unloaded frame counts
    and the offsets. ``total_force_n`` (the device's own) is left as it is.

    Parameters
    ----------
    session : Session
        The session to tare; it is not changed.
    window_s : tuple of float, optional
        ``(t0, t1)``, s on the recording's time axis: take the offsets over this unloaded
        period instead of the unloaded frames.
    side : {"left", "right"}, optional
        Tare this foot only (default: every foot the session has).

    Returns
    -------
    Session
        A new session whose values are the tared ones, in the same unit.

    Raises
    ------
    ValueError
        When a foot has no frames, no samples in ``window_s``, or (without ``window_s``) is
        not seen to unload.
    """
    session = _check_session(session)
    sides = _sides(session, side)
    window = None if window_s is None else _window(window_s)
    feet: dict[SideName, FootRecording] = {}
    offsets: dict[SideName, list[float | None]] = {}
    frames: dict[SideName, int] = {}
    for name in sides:
        foot = _foot(session, name)
        values = _floats(foot.values)
        if foot.n_frames == 0:
            raise ValueError(f"the {name} foot has no frames to tare")
        if window is None:
            chosen = _unloaded_frames(foot, name)
        else:
            chosen = (foot.time_s >= window[0]) & (foot.time_s < window[1])
            if not chosen.any():
                raise ValueError(
                    f"the {name} foot has no samples in window_s {window[0]:g}..{window[1]:g} s "
                    f"(its samples span {foot.time_s[0]:g}..{foot.time_s[-1]:g} s)"
                )
        with warnings.catch_warnings():
            # a sensor with only NaN samples gets a NaN offset: treated as 0, recorded as None
            warnings.simplefilter("ignore", RuntimeWarning)
            offset = np.nanmedian(values[chosen], axis=0)
        tared = np.maximum(values - np.where(np.isnan(offset), 0.0, offset), 0.0)
        feet[name] = dataclasses.replace(foot, values=tared)
        offsets[name] = _list(offset)
        frames[name] = int(chosen.sum())
    step: dict[str, Any] = {"step": "tare", "sides": list(sides)}
    if window is None:
        step.update(
            method="unloaded_frames",
            low_percentile=TARE_LOW_PERCENTILE,
            high_percentile=TARE_HIGH_PERCENTILE,
            band=TARE_BAND,
            max_unloaded_level=TARE_MAX_UNLOADED_LEVEL,
            min_unloaded_share=TARE_MIN_UNLOADED_SHARE,
        )
    else:
        step.update(method="window", window_s=[window[0], window[1]])
    step.update(
        frames=_per_side(frames),
        offset=_per_side(offsets),
        unit={s: _foot(session, s).unit for s in sides},
        clipped_below=0.0,
    )
    return _with(session, feet, step)


def _window(window_s: object) -> tuple[float, float]:
    try:
        t0, t1 = (float(t) for t in window_s)  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        raise ValueError(f"window_s must be a pair (t0, t1) of seconds, got {window_s!r}") from None
    if not (math.isfinite(t0) and math.isfinite(t1) and t0 < t1):
        raise ValueError(f"window_s must be finite seconds with t0 < t1, got {window_s!r}")
    return t0, t1


def _frame_totals(foot: FootRecording) -> FloatArray:
    values = _floats(foot.values)
    force = foot.sensor_force_n()
    summed = values if force is None else _floats(force)
    return np.asarray(summed.sum(axis=1), dtype=np.float64)


def _unloaded_frames(foot: FootRecording, side: str) -> npt.NDArray[np.bool_]:
    """The foot's unloaded frames by ``tare``'s default rule (see there)."""
    total = _frame_totals(foot)
    valid = np.isfinite(total)
    if valid.sum() < 10:
        raise ValueError(
            f"the {side} foot has {int(valid.sum())} complete frames: too few to find its "
            "unloaded frames; pass window_s"
        )
    finite = total[valid]
    cut = np.percentile(finite, TARE_LOW_PERCENTILE)
    low = float(np.median(finite[finite <= cut]))
    high = float(np.percentile(finite, TARE_HIGH_PERCENTILE))
    if not high > low:
        raise ValueError(f"the {side} foot's load never changes: no unloaded frames to find")
    unloaded = valid & (total <= low + TARE_BAND * (high - low))
    share = float(unloaded.sum() / valid.sum())
    # a raw signal has an arbitrary offset (gaitndd swings at about -1800): its level says
    # nothing about unloading, only the share of frames at the low level does
    offset_free = foot.unit != "raw"
    if offset_free and low > TARE_MAX_UNLOADED_LEVEL * high and share < TARE_MIN_UNLOADED_SHARE:
        raise ValueError(
            f"the {side} foot never seems to unload: its lowest {TARE_LOW_PERCENTILE:g} % of "
            f"frames carry {100 * low / high:.0f} % of its {TARE_HIGH_PERCENTILE:g}th-percentile "
            f"load, and only {100 * share:.0f} % of its frames sit at that level (walking: a "
            f"swing phase near zero, or at least {100 * TARE_MIN_UNLOADED_SHARE:g} % of the "
            "frames at one level). Is it standing? Pass window_s=(t0, t1) for a time with the "
            "foot lifted"
        )
    return unloaded


# --- gains and curves ------------------------------------------------------------------------


def apply_gain(
    session: Session,
    gain: float | Sequence[float] | FloatArray,
    *,
    side: str | None = None,
    unit: str | None = None,
) -> Session:
    """Multiply each sensor's values by its gain.

    Parameters
    ----------
    session : Session
        The session; it is not changed.
    gain : float or array of float, shape (sensors,)
        One gain for all sensors, or one per sensor (every foot it applies to must have that
        many sensors); finite and non-negative (0 silences a dead sensor), in the new unit
        per old unit (e.g. kPa per ADC count).
    side : {"left", "right"}, optional
        Apply to this foot only (default: every foot the session has).
    unit : str, optional
        The values' unit afterwards, one of ``UNITS`` (default: unchanged).

    Returns
    -------
    Session
        A new session with the scaled values; ``metadata["calibration"]`` records the gains.

    Raises
    ------
    ValueError
        For a gain that is not finite and non-negative, of the wrong length, or an unknown
        unit.
    """
    session = _check_session(session)
    sides = _sides(session, side)
    _unit(unit)
    try:
        gains = np.asarray(gain, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"gain must be a number or an array of numbers, got {gain!r}") from None
    if gains.ndim > 1:
        raise ValueError(
            f"gain must be a scalar or a 1-D array (one per sensor), got {gains.shape}"
        )
    if not (np.all(np.isfinite(gains)) and np.all(gains >= 0)):
        raise ValueError("gain must be finite and non-negative")
    feet: dict[SideName, FootRecording] = {}
    for name in sides:
        foot = _foot(session, name)
        if gains.ndim == 1 and gains.size != foot.n_sensors:
            raise ValueError(
                f"gain has {gains.size} values, the {name} foot {foot.n_sensors} sensors"
            )
        feet[name] = dataclasses.replace(
            foot, values=_floats(foot.values) * gains, unit=unit or foot.unit
        )
    step = {
        "step": "apply_gain",
        "sides": list(sides),
        "gain": float(gains) if gains.ndim == 0 else _list(gains),
        "unit": {s: feet[s].unit for s in sides},
        "from_unit": {s: _foot(session, s).unit for s in sides},
    }
    return _with(session, feet, step)


def apply_curve(
    session: Session,
    raw: Sequence[float] | FloatArray,
    value: Sequence[float] | FloatArray,
    *,
    unit: str,
    side: str | None = None,
    extrapolate: Extrapolate = "clamp",
) -> Session:
    """Convert values through a monotone calibration curve given by points ``raw → value``,
    piecewise linear between them (``numpy.interp``), e.g. ADC counts to kPa or N.

    ``raw`` and ``value`` have shape (k,) with k ≥ 2 for one curve shared by all sensors, or
    (sensors, k) for one curve per sensor. ``raw`` must increase strictly along each curve and
    ``value`` be monotone (either direction). ``unit`` (one of ``UNITS``) is the unit of
    ``value``. Outside a curve's range: ``extrapolate="clamp"`` (default) holds the end values,
    never inventing numbers beyond what was calibrated; ``"linear"`` continues the first and
    last segments. Values are not clipped (a curve that starts at (0, 0) keeps zero at zero).
    ``metadata["calibration"]`` records the points and how many samples fell outside the
    curve's range per foot.

    Parameters
    ----------
    session : Session
        The session; it is not changed.
    raw : array of float, shape (k,) or (sensors, k)
        The curve's points in the values' current unit (e.g. ADC counts), strictly
        increasing.
    value : array of float, same shape as ``raw``
        What each point means, in ``unit``; monotone.
    unit : str
        The unit of ``value``, one of ``UNITS`` (``"kpa"``, ``"n_cm2"``, ``"n"``, ...).
    side : {"left", "right"}, optional
        Convert this foot only (default: every foot the session has).
    extrapolate : {"clamp", "linear"}
        Outside the curve's range: hold the end values, or continue the end segments.

    Returns
    -------
    Session
        A new session whose values are in ``unit``.

    Raises
    ------
    ValueError
        For an unknown unit, points of the wrong shape, not finite, ``raw`` not strictly
        increasing or ``value`` not monotone.
    """
    session = _check_session(session)
    sides = _sides(session, side)
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {UNITS}, got {unit!r}")
    if extrapolate not in ("clamp", "linear"):
        raise ValueError(f"extrapolate must be 'clamp' or 'linear', got {extrapolate!r}")
    try:
        xp = np.asarray(raw, dtype=np.float64)
        fp = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError("raw and value must be arrays of numbers") from None
    if xp.shape != fp.shape or xp.ndim not in (1, 2) or xp.shape[-1] < 2:
        raise ValueError(
            "raw and value must have the same shape, (k,) or (sensors, k) with k >= 2 points; "
            f"got {xp.shape} and {fp.shape}"
        )
    if not (np.all(np.isfinite(xp)) and np.all(np.isfinite(fp))):
        raise ValueError("raw and value must be finite")
    if not np.all(np.diff(xp, axis=-1) > 0):
        raise ValueError("raw must increase strictly along each curve")
    steps = np.diff(fp, axis=-1)
    if not np.all((steps >= 0).all(axis=-1) | (steps <= 0).all(axis=-1)):
        raise ValueError(
            "value must be monotone (non-decreasing or non-increasing) along each curve"
        )
    feet: dict[SideName, FootRecording] = {}
    outside: dict[SideName, int] = {}
    for name in sides:
        foot = _foot(session, name)
        if xp.ndim == 2 and xp.shape[0] != foot.n_sensors:
            raise ValueError(
                f"the curves are for {xp.shape[0]} sensors, the {name} foot has {foot.n_sensors}"
            )
        values = _floats(foot.values)
        out = np.empty_like(values)
        for i in range(foot.n_sensors):
            x, f = (xp, fp) if xp.ndim == 1 else (xp[i], fp[i])
            out[:, i] = _interp(values[:, i], x, f, extrapolate)
        # per-sensor curves broadcast their ends over the sensors' columns
        outside[name] = int(np.sum((values < xp[..., 0]) | (values > xp[..., -1])))
        feet[name] = dataclasses.replace(foot, values=out, unit=unit)
    step = {
        "step": "apply_curve",
        "sides": list(sides),
        "raw": xp.tolist(),
        "value": fp.tolist(),
        "extrapolate": extrapolate,
        "unit": unit,
        "from_unit": {s: _foot(session, s).unit for s in sides},
        "samples_outside_curve": _per_side(outside),
    }
    return _with(session, feet, step)


def _interp(x: FloatArray, xp: FloatArray, fp: FloatArray, extrapolate: Extrapolate) -> FloatArray:
    out = np.asarray(np.interp(x, xp, fp), dtype=np.float64)
    if extrapolate == "linear":
        below, above = x < xp[0], x > xp[-1]
        out[below] = fp[0] + (x[below] - xp[0]) * (fp[1] - fp[0]) / (xp[1] - xp[0])
        out[above] = fp[-1] + (x[above] - xp[-1]) * (fp[-1] - fp[-2]) / (xp[-1] - xp[-2])
    return out


# --- body weight -----------------------------------------------------------------------------


def scale_to_body_weight(session: Session, body_mass_kg: float) -> Session:
    """Scale both feet by one factor so that their combined load averages body weight.

    Why it works: the vertical ground reaction force under both feet, averaged over whole
    strides of steady walking, equals body weight ``m·g`` (``g = 9.80665 m/s²``): the body's
    vertical velocity is the same at the start and end of a stride, so the impulse of
    ``F − m·g`` over it is zero. In quiet standing it equals body weight at every instant.
    So one factor ``k = m·g / mean(load_left + load_right)`` turns uncalibrated values (ADC
    counts, or a pressure calibration that is off) into newtons.

    Limits: it needs **both feet** (one foot carries body weight only in part, and not a known
    part); steady walking over many strides or quiet standing (starts, stops, turns, jumps and
    a recording cut mid-stride bias the mean — by up to about one stride's share of the
    duration, so use at least 20 s); all support through the insoles (no handrail, cane or
    walker; a carried load adds to the mass). The insole must respond linearly from zero:
    ``tare`` first, and use ``apply_curve`` for a nonlinear sensor — a single factor cannot
    straighten a curve. It also absorbs what the insole misses (force outside the sensors),
    so sensor forces come out a little high where coverage is sparse.

    How: each foot's load is ``FootRecording.load()`` — the device's total force when it has
    one, else the sum of sensor forces (N, from kPa or N/cm² and the layout's areas), else the
    plain sum of values (ADC counts and the like are taken as proportional to force; pressure
    without a layout is summed as if the sensors had equal areas). The mean is over the frames
    within the time both feet have samples, per foot (so the feet may have different sample
    times), ignoring NaN frames; both feet's loads must have the same unit. Per-sensor values
    become newtons (unit ``"n"``): sensor force (or value) × k; ``total_force_n`` × k when
    present.

    Parameters
    ----------
    session : Session
        Both feet, tared, walking steadily or standing quietly; it is not changed.
    body_mass_kg : float
        The subject's body mass, kg (10 to 500), with anything carried.

    Returns
    -------
    Session
        A new session whose values are in N per sensor (unit ``"n"``); the factor (N per
        unit of the load), the mean loads and their unit are in ``metadata["calibration"]``.

    Raises
    ------
    ValueError
        When a foot is missing, the feet do not overlap in time, the loads' units differ, or
        there is no load.
    """
    session = _check_session(session)
    ok = isinstance(body_mass_kg, (int, float)) and not isinstance(body_mass_kg, bool)
    if not (ok and math.isfinite(body_mass_kg) and 10 <= body_mass_kg <= 500):
        raise ValueError(f"body_mass_kg must be a mass within 10..500 kg, got {body_mass_kg!r}")
    missing = [s for s in SIDES if getattr(session, s) is None]
    if missing:
        raise ValueError(
            f"scaling to body weight needs both feet (their loads add up to body weight); "
            f"the session has no {missing[0]} foot"
        )
    left, right = _foot(session, "left"), _foot(session, "right")
    if left.n_frames == 0 or right.n_frames == 0:
        raise ValueError("scaling to body weight needs samples of both feet")
    start = max(float(left.time_s[0]), float(right.time_s[0]))
    stop = min(float(left.time_s[-1]), float(right.time_s[-1]))
    if not start < stop:
        raise ValueError(
            f"the feet's recordings do not overlap in time (left {left.time_s[0]:g}.."
            f"{left.time_s[-1]:g} s, right {right.time_s[0]:g}..{right.time_s[-1]:g} s)"
        )
    means: dict[SideName, float] = {}
    units: dict[SideName, str] = {}
    pair: tuple[tuple[SideName, FootRecording], ...] = (("left", left), ("right", right))
    for name, foot in pair:
        load, load_unit = foot.load()
        inside = (foot.time_s >= start) & (foot.time_s <= stop)
        chosen = _floats(load)[inside]
        chosen = chosen[np.isfinite(chosen)]
        if chosen.size == 0:
            raise ValueError(f"the {name} foot has no complete frames while both feet record")
        means[name] = float(chosen.mean())
        units[name] = load_unit
        if foot.total_force_n is not None and foot.sensor_force_n() is None:
            raise ValueError(
                f"the {name} foot has the device's total force (N) but its sensor values are "
                f"in {foot.unit!r}, which cannot be scaled into N by the same factor: calibrate "
                "the sensors first (apply_gain/apply_curve), or drop the total "
                "(dataclasses.replace(foot, total_force_n=None))"
            )
    if units["left"] != units["right"]:
        raise ValueError(
            f"the feet's loads are in different units (left {units['left']!r}, right "
            f"{units['right']!r}): give both feet the same unit (and layouts) first"
        )
    combined = means["left"] + means["right"]
    if not (math.isfinite(combined) and combined > 0):
        raise ValueError(
            "the feet carry no load on average (mean combined load "
            f"{combined:g} {units['left']}): nothing to scale to body weight"
            + (
                "; raw values have an arbitrary offset: tare first"
                if units["left"] in ("raw", "adc")
                else ""
            )
        )
    weight_n = float(body_mass_kg) * STANDARD_GRAVITY_M_S2
    factor = weight_n / combined
    feet: dict[SideName, FootRecording] = {}
    for name, foot in pair:
        force = foot.sensor_force_n()
        per_sensor = _floats(foot.values if force is None else force)
        total = None if foot.total_force_n is None else _floats(foot.total_force_n) * factor
        feet[name] = dataclasses.replace(
            foot, values=per_sensor * factor, unit="n", total_force_n=total
        )
    step = {
        "step": "scale_to_body_weight",
        "sides": list(SIDES),
        "body_mass_kg": float(body_mass_kg),
        "gravity_m_s2": STANDARD_GRAVITY_M_S2,
        "body_weight_n": weight_n,
        "factor": factor,
        "factor_unit": f"N per {units['left']}",
        "mean_load": _per_side(means),
        "load_unit": units["left"],  # of mean_load (N when the sensors give forces)
        "window_s": [start, stop],
        "from_unit": {s: _foot(session, s).unit for s in SIDES},
        "unit": "n",
    }
    return _with(session, feet, step)


# --- inversion -------------------------------------------------------------------------------

#: The full scales ``invert`` chooses among: the largest count of a 10-, 12- and 16-bit
#: converter (Arduino Uno, ESP32, a 16-bit external ADC).
FULL_SCALES = (1023.0, 4095.0, 65535.0)
#: Units whose readings ``invert`` may turn round (converter counts and uncalibrated numbers;
#: a pressure or force that falls under load is no pressure or force).
INVERTIBLE_UNITS = ("adc", "raw")


#: ``looks_inverted``: a foot's readings look inverted when this share of its sensors has a
#: median reading at or above ``INVERTED_LEVEL`` of the converter's full scale. A sensor is
#: loaded for less than half of a walk (the stance of one area of the foot), so its median is
#: its unloaded reading: near 0 for a divider that rises under load, near the top for one
#: that falls.
INVERTED_SHARE = 0.75
INVERTED_LEVEL = 0.75


def full_scale_of(values: npt.ArrayLike) -> float | None:
    """The smallest of ``FULL_SCALES`` at or above the largest finite reading, as ``invert``
    takes it by default; None when a reading is above 65535."""
    array = np.asarray(values, dtype=float)
    finite = array[np.isfinite(array)]
    top = float(finite.max()) if finite.size else 0.0
    return next((scale for scale in FULL_SCALES if scale >= top), None)


def looks_inverted(session: Session | SessionSource) -> list[SideName]:
    """The feet whose uncalibrated readings (``"adc"`` or ``"raw"``) look like sensors that fall
    under load: ``INVERTED_SHARE`` of the sensors with a median at or above ``INVERTED_LEVEL``
    of the converter's full scale (``full_scale_of``). Feet already inverted by ``invert`` are
    not judged again.

    Parameters
    ----------
    session : Session or SessionSource
        The session (a source is read a chunk of frames at a time; the medians are over at
        most ``INVERTED_SAMPLE_FRAMES`` evenly spaced frames).

    Returns
    -------
    list of str
        The sides that look inverted, in the session's order; empty when none does.
    """
    done: set[str] = set()
    for step in session.metadata.get("calibration", []):
        if isinstance(step, dict) and step.get("step") == "invert":
            done.update(step.get("sides") or ())
    out: list[SideName] = []
    for foot in session.feet.values():
        side = foot.side
        if foot.unit not in INVERTIBLE_UNITS or not foot.n_frames or side in done:
            continue
        top, sample = _top_and_sample(foot.values, foot.n_frames)
        scale = next((scale for scale in FULL_SCALES if scale >= top), None)
        if scale is None:
            continue
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN column
            medians = np.nanmedian(sample, axis=0)
        high = np.nan_to_num(medians, nan=0.0) >= INVERTED_LEVEL * scale
        if high.mean() >= INVERTED_SHARE:
            out.append(side)
    return out


#: ``looks_inverted`` takes its medians over at most this many frames, evenly spaced (every
#: frame of a recording up to 33 min at 100 Hz)
INVERTED_SAMPLE_FRAMES = 200_000


def _top_and_sample(values: Any, n: int, chunk: int = 8192) -> tuple[float, FloatArray]:
    """The largest finite value of ``values`` (frames, sensors; anything that slices, as a
    ``FrameValues`` does) and every ``k``-th frame, ``k`` keeping at most
    ``INVERTED_SAMPLE_FRAMES`` of them, read a chunk of frames at a time."""
    every = max(1, -(-n // INVERTED_SAMPLE_FRAMES))
    top, rows = 0.0, []
    for start in range(0, n, chunk):
        v = _floats(values[start : start + chunk])
        finite = v[np.isfinite(v)]
        if finite.size:
            top = max(top, float(finite.max()))
        rows.append(v[(-start) % every :: every])
    return top, np.concatenate(rows)


def invert(
    session: Session,
    full_scale: float | None = None,
    sensors: Sequence[int] | None = None,
) -> Session:
    """Turn readings that fall under load into readings that rise: ``full_scale − value``.

    Many home-made insoles read the converter's full scale unloaded and less under load (an
    FSR or velostat in a voltage divider whose other resistor goes to the supply side), so
    ``analyze`` would see a foot that is loaded in swing. After ``invert`` an unloaded sensor
    reads about 0 and a loaded one more, as analysis expects. Apply it first, before ``tare``
    and any gain or curve.

    Parameters
    ----------
    session : Session
        The session; it is not changed.
    full_scale : float, optional
        The reading of an unloaded sensor at the converter's top, in the values' unit
        (counts). Default: per foot, the smallest of ``FULL_SCALES`` (1023, 4095, 65535) at or
        above the largest value of the sensors inverted: a 10-bit converter never reads more
        than 1023, a 12-bit one 4095.
    sensors : sequence of int, optional
        The sensors to invert, as 0-based positions in each foot's columns (``values[:, k]``);
        default every sensor. The others are left as they are (a mixed wiring).

    Returns
    -------
    Session
        A new session with the inverted values, in ADC counts (``unit="adc"``: a count from
        the converter's top, 0 for no load); ``metadata["calibration"]`` records the full
        scale of each foot and the sensors.

    Raises
    ------
    ValueError
        When a foot's unit is not ``"adc"`` or ``"raw"``, a value is negative or above the
        full scale (above 65535 without one), or a sensor position is not one of the foot's.
    """
    session = _check_session(session)
    sides = _sides(session, None)
    if full_scale is not None and not (math.isfinite(full_scale) and full_scale > 0):
        raise ValueError(f"full_scale must be a positive number of counts, got {full_scale!r}")
    chosen = None if sensors is None else [int(k) for k in sensors]
    feet: dict[SideName, FootRecording] = {}
    scales: dict[SideName, float] = {}
    for name in sides:
        foot = _foot(session, name)
        if foot.unit not in INVERTIBLE_UNITS:
            raise ValueError(
                f"the {name} foot is in {foot.unit}: only ADC counts or raw readings are inverted "
                "(invert before calibrating)"
            )
        columns = list(range(foot.n_sensors)) if chosen is None else chosen
        bad = [k for k in columns if not 0 <= k < foot.n_sensors]
        if bad:
            raise ValueError(
                f"sensor position {bad[0]} is not one of the {name} foot's "
                f"(0..{foot.n_sensors - 1})"
            )
        values = _floats(foot.values).copy()
        part = values[:, columns]
        finite = part[np.isfinite(part)]
        largest = float(finite.max()) if finite.size else 0.0
        if finite.size and float(finite.min()) < 0:
            raise ValueError(
                f"the {name} foot has negative readings ({float(finite.min()):g}): not converter "
                "counts that fall under load"
            )
        scale = full_scale
        if scale is None:
            scale = next((top for top in FULL_SCALES if top >= largest), None)
            if scale is None:
                raise ValueError(
                    f"the {name} foot reads up to {largest:g}, above any of {FULL_SCALES}: "
                    "pass full_scale"
                )
        elif largest > scale:
            raise ValueError(f"the {name} foot reads up to {largest:g}, above full_scale {scale:g}")
        values[:, columns] = scale - part
        feet[name] = dataclasses.replace(foot, values=values, unit="adc")
        scales[name] = float(scale)
    step = {
        "step": "invert",
        "sides": list(sides),
        "full_scale": _per_side(scales),
        "full_scale_from": "given" if full_scale is not None else "largest value",
        "sensors": None if chosen is None else chosen,
        "unit": {s: "adc" for s in sides},
        "from_unit": {s: _foot(session, s).unit for s in sides},
    }
    return _with(session, feet, step)


# --- layouts ---------------------------------------------------------------------------------


def with_layout(
    session: Session,
    layout: SensorLayout | Mapping[str, SensorLayout],
    side: str | None = None,
) -> Session:
    """Attach a sensor layout (where each sensor is, mm, and its area, mm²).

    Parameters
    ----------
    session : Session
        The session; it is not changed.
    layout : SensorLayout or dict of side to SensorLayout
        One layout for both feet, or ``{"left": ..., "right": ...}`` (as ``read_layout``
        returns). Each layout's sensor count must match its foot's.
    side : {"left", "right"}, optional
        Attach to this foot only (default: every foot the session has; a dict must then have
        each of them).

    Returns
    -------
    Session
        A new session whose feet have the layouts; ``metadata["calibration"]`` records the
        layout names, before and after.

    Raises
    ------
    ValueError
        When a layout is missing for a foot, is not a ``SensorLayout``, or its sensor count
        differs from the foot's.
    """
    session = _check_session(session)
    sides = _sides(session, side)
    if isinstance(layout, SensorLayout):
        chosen: dict[SideName, SensorLayout] = {s: layout for s in sides}
    elif isinstance(layout, Mapping):
        unknown = [k for k in layout if k not in SIDES]
        if unknown:
            raise ValueError(f"layouts must be keyed by 'left' and/or 'right', got {unknown}")
        absent = [s for s in sides if s not in layout]
        if absent:
            raise ValueError(
                f"no layout for the {absent[0]} foot (the dict has {', '.join(layout) or 'none'})"
                + ("; pass side= to attach one foot's" if side is None else "")
            )
        chosen = {s: layout[s] for s in sides}
        for s, one in chosen.items():
            if not isinstance(one, SensorLayout):
                raise ValueError(f"the layout for {s} is not a SensorLayout: {one!r}")
    else:
        raise ValueError(f"expected a SensorLayout or a dict of them by side, got {layout!r}")
    feet: dict[SideName, FootRecording] = {}
    for name, one in chosen.items():
        foot = _foot(session, name)
        if one.n_sensors != foot.n_sensors:
            raise ValueError(
                f"layout {one.name!r} has {one.n_sensors} sensors, the {name} foot's data "
                f"{foot.n_sensors}"
            )
        feet[name] = dataclasses.replace(foot, layout=one)
    step = {
        "step": "with_layout",
        "sides": list(sides),
        "layout": {s: one.name for s, one in chosen.items()},
        "previous": {s: _layout_name(_foot(session, s)) for s in sides},
    }
    return _with(session, feet, step)


def with_side(session: Session, side: str) -> Session:
    """Put the one foot of a one-insole session on ``side`` (a board whose columns do not say
    which foot it is under, read as the default left).

    Parameters
    ----------
    session : Session
        A session with exactly one foot; it is not changed.
    side : {"left", "right"}
        The foot the insole is under.

    Returns
    -------
    Session
        A new session with that foot only (the same object when it already is); the vendor's
        events move with it, and ``metadata["calibration"]`` records the change.

    Raises
    ------
    ValueError
        For a side other than left or right, or a session with both feet or none.
    """
    session = _check_session(session)
    if side not in SIDES:
        raise ValueError(f"side must be 'left' or 'right', got {side!r}")
    feet = session.feet
    if len(feet) != 1:
        raise ValueError(
            "the session has both feet: a side is for a one-insole recording"
            if feet
            else "the session has no foot recording"
        )
    ((before, foot),) = feet.items()
    target: SideName = "left" if side == "left" else "right"
    # the reader's "which foot?" is answered now
    problems = [p for p in session.problems if UNSTATED_SIDE not in p]
    if before == target:
        same = problems == session.problems
        return session if same else dataclasses.replace(session, problems=problems)
    moved = dataclasses.replace(foot, side=target)
    events = {target if k == before else k: v for k, v in session.events.items()}
    history = session.metadata.get("calibration", [])
    step = {"step": "with_side", "sides": [target], "previous": before}
    return dataclasses.replace(
        session,
        left=moved if target == "left" else None,
        right=moved if target == "right" else None,
        events=events,
        metadata={**session.metadata, "calibration": [*history, step]},
        problems=problems,
    )


def _layout_name(foot: FootRecording) -> str | None:
    return None if foot.layout is None else foot.layout.name


__all__ = [
    "FULL_SCALES",
    "INVERTIBLE_UNITS",
    "STANDARD_GRAVITY_M_S2",
    "apply_curve",
    "apply_gain",
    "full_scale_of",
    "invert",
    "looks_inverted",
    "scale_to_body_weight",
    "subtract_offset",
    "tare",
    "with_layout",
    "with_side",
]
