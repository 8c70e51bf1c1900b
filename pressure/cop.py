"""Centre of pressure (CoP) per foot, and combined for two feet on the floor.

Per foot (METHODS §1.3), in the foot frame of ``pressure.layout`` (mm from the heel, +y
anterior, +x medial on both feet)::

    CoP = Σ F_i · (x_i, y_i) / Σ F_i

with ``F_i`` each sensor's force (pressure × area, or the force a device reports). For values
without a physical unit (ADC counts) the values themselves are the weights, which assumes a
sensor's reading grows with the force on it. Negative values (noise after a tare) weigh
nothing. The CoP is undefined (NaN) while the foot's load is below the contact threshold:
20 N for loads in newtons (METHODS §4.1), else 5 % of the foot's 95th-percentile load.

Combined CoP (METHODS §6) needs the standing geometry: both insoles in one floor frame. Here
that is the distance between the insoles' centre lines, heels level, feet parallel; floor X
points to the subject's right and Y forward, a point (x, y) of the left insole lies at
(x − d/2, y) and of the right insole at (d/2 − x, y).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .layout import SensorLayout
from .model import FootRecording

FloatArray = npt.NDArray[np.float64]

CONTACT_N = 20.0  # METHODS §4.1: a common force threshold for contact
CONTACT_FRACTION = 0.05  # without newtons: of the foot's 95th-percentile load


@dataclass(frozen=True)
class FootCop:
    """Per-frame CoP of one foot: ``x_mm``/``y_mm`` in the foot frame (NaN when unloaded),
    the ``load`` it was weighted by (``load_unit``) and the contact threshold used."""

    time_s: FloatArray
    x_mm: FloatArray
    y_mm: FloatArray
    load: FloatArray
    load_unit: str
    threshold: float
    foot_length_mm: float
    foot_width_mm: float
    coordinate_unit: str = "mm"  # of x_mm, y_mm and the foot's length and width


def sensor_weights(foot: FootRecording) -> tuple[FloatArray, str]:
    """Per-sensor weights (frames, sensors) for CoP and regional loads, and their unit:
    force in N when the unit and layout give it, else the values as they are; negative and
    missing values weigh nothing. A new array (the recording is not changed)."""
    force = foot.sensor_force_n()
    unit = "n"
    if force is None:
        force, unit = foot.values.copy(), foot.unit
    elif force is foot.values:
        force = force.copy()
    np.maximum(force, 0.0, out=force)  # NaN stays NaN here
    bad = ~np.isfinite(force)
    if bad.any():
        force[bad] = 0.0
    return force, unit


def contact_threshold(load: FloatArray, unit: str) -> float:
    """The load below which a foot counts as unloaded (module docstring)."""
    if unit == "n":
        return CONTACT_N
    finite = load[np.isfinite(load)]
    if finite.size == 0:
        return np.inf
    return float(CONTACT_FRACTION * max(np.percentile(finite, 95), 0.0)) or np.inf


def foot_cop(foot: FootRecording, weights: tuple[FloatArray, str] | None = None) -> FootCop | None:
    """The foot's CoP per frame, or None without a sensor layout. ``weights``: the result of
    ``sensor_weights(foot)`` when the caller has it already."""
    layout = foot.layout
    if layout is None:
        return None
    weights_, unit = weights if weights is not None else sensor_weights(foot)
    return cop_of_parts(foot.time_s, *cop_parts(weights_, layout), unit, layout)


def cop_parts(
    weights: FloatArray, layout: SensorLayout
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Per frame of ``weights`` (``sensor_weights``): the total and the weighted mean x and y
    of the sensors, before unloaded frames are masked (``cop_of_parts``). Row by row, so a
    foot's frames may be taken a chunk at a time."""
    total = weights.sum(axis=1)
    # one pass over the weights for both coordinates
    moments = weights @ np.column_stack([layout.x_mm, layout.y_mm])
    with np.errstate(invalid="ignore", divide="ignore"):
        x = moments[:, 0] / total
        y = moments[:, 1] / total
    return total, x, y


def cop_of_parts(
    time_s: FloatArray,
    total: FloatArray,
    x: FloatArray,
    y: FloatArray,
    unit: str,
    layout: SensorLayout,
    threshold: float | None = None,
) -> FootCop:
    """The ``FootCop`` of ``cop_parts``: frames below the contact threshold have no CoP.
    ``threshold``: the whole foot's (``contact_threshold``, the default, of ``total``, which
    must then be the whole foot's). ``x`` and ``y`` are changed in place."""
    if threshold is None:
        threshold = contact_threshold(total, unit)
    unloaded = ~(total >= threshold)
    x[unloaded] = np.nan
    y[unloaded] = np.nan
    return FootCop(
        time_s=time_s,
        x_mm=x,
        y_mm=y,
        load=total,
        load_unit=unit,
        threshold=threshold,
        foot_length_mm=layout.foot_length_mm,
        foot_width_mm=layout.foot_width_mm,
        coordinate_unit=layout.coordinate_unit,
    )


def on_time_base(time_s: FloatArray, t: FloatArray, v: FloatArray) -> FloatArray:
    """``v`` sampled at ``t``, taken at ``time_s`` by linear interpolation (NaN outside
    ``t``'s span or next to a NaN)."""
    if t.size == 0:
        return np.full(time_s.size, np.nan)
    out = np.interp(time_s, t, v)
    out[(time_s < t[0]) | (time_s > t[-1])] = np.nan
    return out


def combined_cop(
    left: FootCop, right: FootCop, separation_mm: float
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """(time_s, X, Y, total load) of both feet on the floor, on the left foot's time base
    (module docstring for the floor frame); NaN where either foot's value is missing."""
    t = left.time_s
    half = separation_mm / 2.0
    fl = left.load
    fr = on_time_base(t, right.time_s, right.load)
    lx = np.where(fl >= left.threshold, left.x_mm, 0.0)
    ly = np.where(fl >= left.threshold, left.y_mm, 0.0)
    rx_raw = np.where(right.load >= right.threshold, right.x_mm, 0.0)
    ry_raw = np.where(right.load >= right.threshold, right.y_mm, 0.0)
    rx = on_time_base(t, right.time_s, rx_raw)
    ry = on_time_base(t, right.time_s, ry_raw)
    fl_w = np.where(fl >= left.threshold, fl, 0.0)
    fr_w = np.where(fr >= right.threshold, fr, 0.0)
    total = fl_w + fr_w
    with np.errstate(invalid="ignore", divide="ignore"):
        big_x = (fl_w * (lx - half) + fr_w * (half - rx)) / total
        big_y = (fl_w * ly + fr_w * ry) / total
    bad = ~(total > 0) | ~np.isfinite(fr)
    big_x[bad] = np.nan
    big_y[bad] = np.nan
    return t, big_x, big_y, total
