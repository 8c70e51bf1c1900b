"""The per-step table and the spatiotemporal parameters (METHODS §4.2).

A *step* here is one stance of one foot, from its heel strike to its toe off; its stride runs
from this heel strike to the next one of the same foot. Times are seconds from the start of the
recording. Columns (``STEP_COLUMNS``; units in the names, ``load`` in the unit of the foot's
load, N when calibrated):

``side, step, heel_strike_s, toe_off_s, stance_s, swing_s, stride_s, stance_pct, swing_pct,
double_support_s, used, peak_load, mean_load, load_time_integral, gait_line_length_mm,
gait_line_width_mm, gait_line_ap_mm, gait_line_ap_pct_fl, gait_line_width_pct_fw, cpei_pct,
cpei_footprint, medial_lateral_index, cop_ml_pct``

* ``swing_s`` = next heel strike − this toe off; ``stride_s`` = next heel strike − this one;
  NaN for the last step of a foot, or across a gap in the signal.
* A stance more than ``MAX_STANCE_FACTOR`` (2) times the foot's median stance is standing
  still (before, after or during a walk), not a step: it gets no row (with at least three
  complete stances to take a median from; with fewer, every complete stance is a row).
* ``double_support_s``: initial double support, from this heel strike to the other foot's
  toe off that follows it (NaN when that foot's events are not known there).
* ``used``: the stride counts for the summary. Dropped: a foot's first and last stride, strides
  more than ``max_stride_factor`` (2) times the median (turns, pauses: the step after a pause
  is also dropped), and strides more than 3 robust SD (1.4826 × MAD) from the foot's median
  stride (METHODS §8.1 step 3 uses 3 SD; the robust SD is not inflated by the very outliers
  it is meant to find). The robust SD is taken as at least 1% of the median stride, so that
  strides quantised to the sample period (most equal, the others one sample off) are kept.
* Gait line (METHODS §1.4): the CoP path over the stance; length (mm, summed point to point),
  width (medio-lateral excursion, mm), AP excursion (mm), and the excursions as % of foot
  length and width. The mm columns are empty for a layout whose coordinates are not in mm
  (gaitpdb's arbitrary units); the percentages are always there.
* ``cpei_pct`` (METHODS §2.1): the medio-lateral distance at 2/3 of the footprint's length
  between the line from the stance's first to its last CoP and the CoP path, as a percentage
  of the footprint's width there; + when the path runs lateral of the line
  (``footprint.py``). ``cpei_footprint`` names the footprint: ``loaded_sensels`` (a dense
  grid's or a plate's sensels loaded in the stance) or ``insole_outline`` (a discrete
  insole's outline: a "CPEI-like" value, not comparable with plate-based CPEI); empty without
  a layout.
* ``medial_lateral_index`` (METHODS §2.2): (FTI_medial − FTI_lateral) / (FTI_medial +
  FTI_lateral) over the stance, from the layout's medial and lateral regions; + medial.
* ``cop_ml_pct``: the load-weighted mean medio-lateral CoP over the stance, in % of foot
  width from the insole's centre line (+ medial).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..layout import SensorLayout
from .cop import FootCop
from .events import FootEvents
from .footprint import steps_cpei

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

STEP_COLUMNS = (
    "side",
    "step",
    "heel_strike_s",
    "toe_off_s",
    "stance_s",
    "swing_s",
    "stride_s",
    "stance_pct",
    "swing_pct",
    "double_support_s",
    "used",
    "peak_load",
    "mean_load",
    "load_time_integral",
    "gait_line_length_mm",
    "gait_line_width_mm",
    "gait_line_ap_mm",
    "gait_line_ap_pct_fl",
    "gait_line_width_pct_fw",
    "cpei_pct",
    "cpei_footprint",
    "medial_lateral_index",
    "cop_ml_pct",
)

MAX_STRIDE_FACTOR = 2.0
MAX_STANCE_FACTOR = 2.0  # longer "stances" are standing still, before or after walking
MIN_SPREAD_FRACTION = 0.01  # floor of the robust SD, fraction of the median stride
OUTLIER_SD = 3.0


def _segment_sums(values: FloatArray, a: IntArray, b: IntArray) -> FloatArray:
    """Σ values[a:b] per segment (NaN counts as 0)."""
    c = np.concatenate([[0.0], np.cumsum(np.where(np.isfinite(values), values, 0.0))])
    result: FloatArray = c[b] - c[a]
    return result


def _segment_reduce(ufunc: np.ufunc, values: FloatArray, a: IntArray, b: IntArray) -> FloatArray:
    """``ufunc`` (np.fmax, np.fmin) over values[a:b] per non-empty, non-overlapping segment."""
    extended = np.append(values, np.nan)
    idx = np.column_stack([a, b]).ravel()
    result: FloatArray = ufunc.reduceat(extended, idx)[::2]
    return result


def foot_steps(
    side: str,
    time_s: FloatArray,
    load: FloatArray,
    events: FootEvents,
    cop: FootCop | None,
    region_load: dict[str, FloatArray],
    layout: SensorLayout | None,
    values: FloatArray | None = None,
) -> pd.DataFrame:
    """One row per complete stance of one foot (columns ``STEP_COLUMNS`` but
    ``double_support_s`` and ``used``, filled in by ``steps_table``). Vectorised over the
    stances: an hour of walking is a few thousand of them. ``values``: the foot's sensor
    values (frames, sensors), for each stance's loaded footprint (``footprint``)."""
    columns = [c for c in STEP_COLUMNS if c != "step"]
    hs_all, to_all, complete = events.heel_strike, events.toe_off, events.complete
    durations = time_s[to_all] - time_s[hs_all]
    longest = np.inf
    if complete.sum() >= 3:
        longest = MAX_STANCE_FACTOR * float(np.median(durations[complete]))
    # the next heel strike counts if that stance is complete or only cut by the end
    next_ok = np.zeros(hs_all.size, dtype=np.bool_)
    next_ok[:-1] = complete[1:]
    if hs_all.size > 1 and to_all[-1] >= time_s.size - 1:
        next_ok[-2] = True  # the last stance is only cut by the end: its heel strike is real
    next_hs = np.full(hs_all.size, np.nan)
    next_hs[:-1] = np.where(next_ok[:-1], time_s[hs_all[1:]], np.nan)
    keep = complete & (durations <= longest)
    a, b = hs_all[keep].astype(np.int64), to_all[keep].astype(np.int64)
    if a.size == 0:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in columns})
    dt = np.gradient(time_s) if time_s.size > 1 else np.ones_like(time_s)
    hs_t, to_t, nxt = time_s[a], time_s[b], next_hs[keep]
    f = np.where(np.isfinite(load), load, np.nan)
    counts = _segment_sums(np.isfinite(f).astype(np.float64), a, b)
    with np.errstate(invalid="ignore", divide="ignore"):
        table: dict[str, object] = {
            "side": side,
            "heel_strike_s": hs_t,
            "toe_off_s": to_t,
            "stance_s": to_t - hs_t,
            "swing_s": nxt - to_t,
            "stride_s": nxt - hs_t,
            "peak_load": _segment_reduce(np.fmax, f, a, b),
            "mean_load": _segment_sums(f, a, b) / counts,
            "load_time_integral": _segment_sums(f * dt, a, b),
        }
        nan = np.full(a.size, np.nan)
        length = width_mm = ap = ap_pct = width_pct = cpei = ml_pct = nan
        cpei_footprint: object = ""  # no footprint (steps_cpei)
        if cop is not None:
            x, y = cop.x_mm, cop.y_mm
            step = np.hypot(np.diff(x), np.diff(y))  # NaN next to an unloaded frame
            length = _segment_sums(np.append(step, 0.0), a, b - 1)
            width_mm = _segment_reduce(np.fmax, x, a, b) - _segment_reduce(np.fmin, x, a, b)
            ap = _segment_reduce(np.fmax, y, a, b) - _segment_reduce(np.fmin, y, a, b)
            ap_pct = 100.0 * ap / cop.foot_length_mm
            width_pct = 100.0 * width_mm / cop.foot_width_mm
            if cop.coordinate_unit != "mm":
                length = width_mm = ap = nan
            cpei, cpei_footprint = steps_cpei(x, y, a, b, layout, values)
            ok = np.isfinite(x) & np.isfinite(f)
            wts = np.where(ok, f, 0.0)
            ml_pct = (
                100.0
                * _segment_sums(wts * np.where(ok, x, 0.0), a, b)
                / _segment_sums(wts, a, b)
                / cop.foot_width_mm
            )
        mli = nan
        medial, lateral = region_load.get("medial"), region_load.get("lateral")
        if medial is not None and lateral is not None:
            m = _segment_sums(medial * dt, a, b)
            lat = _segment_sums(lateral * dt, a, b)
            mli = (m - lat) / (m + lat)
    table.update(
        gait_line_length_mm=length,
        gait_line_width_mm=width_mm,
        gait_line_ap_mm=ap,
        gait_line_ap_pct_fl=ap_pct,
        gait_line_width_pct_fw=width_pct,
        cpei_pct=cpei,
        cpei_footprint=cpei_footprint,
        medial_lateral_index=mli,
        cop_ml_pct=ml_pct,
    )
    return pd.DataFrame({c: table.get(c, np.nan) for c in columns})


def _flag_used(steps: pd.DataFrame) -> pd.Series:
    used = pd.Series(False, index=steps.index)
    for _, idx in steps.groupby("side").groups.items():
        stride = steps.loc[idx, "stride_s"].to_numpy(dtype=float)
        ok = np.isfinite(stride)
        if ok.sum() < 3:
            continue
        median = np.median(stride[ok])
        good = ok & (stride <= MAX_STRIDE_FACTOR * median)
        # the stride after a long one starts from a pause or a turn: drop it too
        long_before = np.concatenate([[False], ~good[:-1] & ok[:-1]])
        good &= ~long_before
        spread = 1.4826 * np.median(np.abs(stride[good] - np.median(stride[good])))
        # floor: strides quantised to the sample period (and their float sums) must not be
        # dropped for differing from the median by one sample
        spread = max(spread, MIN_SPREAD_FRACTION * median)
        good &= np.abs(stride - np.median(stride[good])) <= OUTLIER_SD * spread
        first, last = np.flatnonzero(ok)[[0, -1]]
        good[first] = good[last] = False
        used.loc[idx] = good
    return used


def steps_table(per_foot: list[pd.DataFrame]) -> pd.DataFrame:
    """Both feet's steps in time order, with ``step`` (per foot, from 1), ``double_support_s``
    and ``used`` filled in."""
    frames = [f for f in per_foot if len(f)]
    if not frames:
        table = pd.DataFrame({c: pd.Series(dtype=float) for c in STEP_COLUMNS})
        table["side"] = table["side"].astype(object)
        table["used"] = table["used"].astype(bool)
        return table
    table = pd.concat(frames, ignore_index=True).sort_values("heel_strike_s", kind="stable")
    table = table.reset_index(drop=True)
    table["step"] = table.groupby("side").cumcount() + 1
    table["stance_pct"] = 100.0 * table["stance_s"] / table["stride_s"]
    table["swing_pct"] = 100.0 * table["swing_s"] / table["stride_s"]
    ds = np.full(len(table), np.nan)
    sides = table["side"].to_numpy()
    hs_all = table["heel_strike_s"].to_numpy(dtype=float)
    to_all = table["toe_off_s"].to_numpy(dtype=float)
    for side, other in (("left", "right"), ("right", "left")):
        mine = np.flatnonzero(sides == side)
        theirs = sides == other
        if not mine.size or not theirs.any():
            continue
        to_other, hs_other = to_all[theirs], hs_all[theirs]
        hs = hs_all[mine]
        j = np.searchsorted(to_other, hs, side="right")
        ok = j < to_other.size
        # the other foot's stance must be the one under way at this heel strike
        ok[ok] &= hs_other[j[ok]] < hs[ok]
        ds[mine[ok]] = to_other[j[ok]] - hs[ok]
    table["double_support_s"] = ds
    table["used"] = _flag_used(table)
    return table[list(STEP_COLUMNS)]


def _stats(values: FloatArray) -> dict[str, float | None]:
    v = values[np.isfinite(values)]
    if v.size == 0:
        return {"mean": None, "sd": None, "cv_pct": None}
    mean = float(np.mean(v))
    sd = float(np.std(v, ddof=1)) if v.size > 1 else None
    cv = 100.0 * sd / mean if sd is not None and mean else None
    return {"mean": mean, "sd": sd, "cv_pct": cv}


def spatiotemporal(steps: pd.DataFrame) -> dict[str, Any]:
    """Means, SDs and CVs of the used strides per foot, cadence and gait asymmetry."""
    out: dict[str, Any] = {}
    per: dict[str, dict[str, dict[str, float | None]]] = {}
    for side in ("left", "right"):
        mine = steps[(steps["side"] == side) & steps["used"]]
        per[side] = {
            name: _stats(mine[name].to_numpy(dtype=float))
            for name in (
                "stride_s",
                "stance_s",
                "swing_s",
                "stance_pct",
                "swing_pct",
                "double_support_s",
            )
        }
        per[side]["n_used"] = {"mean": float(len(mine)), "sd": None, "cv_pct": None}
    used = steps[steps["used"]]
    strides = used["stride_s"].to_numpy(dtype=float)
    out["per_foot"] = per
    out["cadence_steps_per_min"] = float(120.0 / np.mean(strides)) if strides.size else None
    swings = [per[s]["swing_s"]["mean"] for s in ("left", "right")]
    if all(s is not None and s > 0 for s in swings):
        short, long_ = sorted(float(s) for s in swings if s is not None)
        out["gait_asymmetry_pct"] = 100.0 * abs(np.log(short / long_))
    else:
        out["gait_asymmetry_pct"] = None
    return out
