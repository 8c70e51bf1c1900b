"""The per-step table and the spatiotemporal parameters (METHODS §4.2).

A *step* here is one stance of one foot, from its heel strike to its toe off; its stride runs
from this heel strike to the next one of the same foot. Times are seconds from the start of the
recording. Columns (``STEP_COLUMNS``; units in the names, ``load`` in the unit of the foot's
load, N when calibrated):

``side, step, heel_strike_s, toe_off_s, stance_s, swing_s, stride_s, stance_pct, swing_pct,
double_support_s, used, peak_load, mean_load, load_time_integral, gait_line_length_mm,
gait_line_width_mm, gait_line_ap_mm, cpei_pct, medial_lateral_index, cop_ml_pct``

* ``swing_s`` = next heel strike − this toe off; ``stride_s`` = next heel strike − this one;
  NaN for the last step of a foot, or across a gap in the signal.
* A stance more than ``MAX_STANCE_FACTOR`` (2) times the foot's median stance is standing
  still (before, after or during a walk), not a step: it gets no row.
* ``double_support_s``: initial double support, from this heel strike to the other foot's
  toe off that follows it (NaN when that foot's events are not known there).
* ``used``: the stride counts for the summary. Dropped: a foot's first and last stride, strides
  more than ``max_stride_factor`` (2) times the median (turns, pauses: the step after a pause
  is also dropped), and strides more than 3 robust SD (1.4826 × MAD) from the foot's median
  stride (METHODS §8.1 step 3 uses 3 SD; the robust SD is not inflated by the very outliers
  it is meant to find).
* Gait line (METHODS §1.4): the CoP path over the stance; length (mm, summed point to point),
  width (medio-lateral excursion, mm), AP excursion (mm).
* ``cpei_pct`` (METHODS §2.1, "CPEI-like"): the medio-lateral distance at 2/3 of foot length
  between the line from the stance's first to its last CoP and the CoP path, as a percentage
  of the insole's width there; + when the path runs lateral of the line. An insole value: the
  insole template's width stands in for the foot's, so it is not comparable with
  plate-based CPEI (METHODS §2.1).
* ``medial_lateral_index`` (METHODS §2.2): (FTI_medial − FTI_lateral) / (FTI_medial +
  FTI_lateral) over the stance, from the layout's medial and lateral regions; + medial.
* ``cop_ml_pct``: the load-weighted mean medio-lateral CoP over the stance, in % of foot
  width from the insole's centre line (+ medial).
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..layout import SensorLayout
from .cop import FootCop
from .events import FootEvents

FloatArray = npt.NDArray[np.float64]

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
    "cpei_pct",
    "medial_lateral_index",
    "cop_ml_pct",
)

CPEI_U = 2.0 / 3.0  # the distal-third line (METHODS §2.1)
MAX_STRIDE_FACTOR = 2.0
MAX_STANCE_FACTOR = 2.0  # longer "stances" are standing still, before or after walking
OUTLIER_SD = 3.0


def outline_width_at(layout: SensorLayout, y_mm: float) -> float:
    """Medio-lateral width (mm) of the insole outline along the line y = ``y_mm``."""
    ring = layout.outline_mm
    xs = []
    for (x0, y0), (x1, y1) in itertools.pairwise(ring):
        if (y0 - y_mm) * (y1 - y_mm) <= 0 and y0 != y1:
            xs.append(x0 + (y_mm - y0) * (x1 - x0) / (y1 - y0))
    return float(max(xs) - min(xs)) if len(xs) >= 2 else float("nan")


def _cpei(x: FloatArray, y: FloatArray, y_line: float, width_mm: float) -> float:
    """CPEI-like value of one gait line (see the module docstring), or NaN."""
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    if x.size < 3 or not width_mm > 0:
        return float("nan")
    # where the path first reaches the line, and the chord's position there
    above = np.flatnonzero(y >= y_line)
    if above.size == 0 or above[0] == 0 or y[-1] <= y[0] or y[-1] < y_line:
        return float("nan")
    k = int(above[0])
    f = (y_line - y[k - 1]) / (y[k] - y[k - 1])
    x_path = x[k - 1] + f * (x[k] - x[k - 1])
    x_chord = x[0] + (y_line - y[0]) * (x[-1] - x[0]) / (y[-1] - y[0])
    return float(100.0 * (x_chord - x_path) / width_mm)


def foot_steps(
    side: str,
    time_s: FloatArray,
    load: FloatArray,
    events: FootEvents,
    cop: FootCop | None,
    region_load: dict[str, FloatArray],
    layout: SensorLayout | None,
) -> pd.DataFrame:
    """One row per complete stance of one foot (columns ``STEP_COLUMNS`` but
    ``double_support_s`` and ``used``, filled in by ``steps_table``)."""
    rows = []
    dt = np.gradient(time_s) if time_s.size > 1 else np.ones_like(time_s)
    y_line = width = float("nan")
    if layout is not None:
        y_line = CPEI_U * layout.foot_length_mm
        width = outline_width_at(layout, y_line)
    medial = region_load.get("medial")
    lateral = region_load.get("lateral")
    hs_all, to_all, complete = events.heel_strike, events.toe_off, events.complete
    durations = time_s[to_all] - time_s[hs_all]
    longest = np.inf
    if complete.sum() >= 3:
        longest = MAX_STANCE_FACTOR * float(np.median(durations[complete]))
    for k in range(hs_all.size):
        if not complete[k] or durations[k] > longest:
            continue
        a, b = int(hs_all[k]), int(to_all[k])
        hs_t, to_t = float(time_s[a]), float(time_s[b])
        nxt = float("nan")
        if k + 1 < hs_all.size and (complete[k + 1] or k + 2 == hs_all.size):
            nxt = float(time_s[hs_all[k + 1]])
        seg = slice(a, b)
        f = load[seg]
        integral = float(np.sum(np.nan_to_num(f) * dt[seg]))
        row = {
            "side": side,
            "heel_strike_s": hs_t,
            "toe_off_s": to_t,
            "stance_s": to_t - hs_t,
            "swing_s": nxt - to_t,
            "stride_s": nxt - hs_t,
            "peak_load": float(np.nanmax(f)),
            "mean_load": float(np.nanmean(f)),
            "load_time_integral": integral,
        }
        length = width_mm = ap = cpei = ml_pct = float("nan")
        if cop is not None:
            x, y = cop.x_mm[seg], cop.y_mm[seg]
            ok = np.isfinite(x) & np.isfinite(y)
            if ok.sum() >= 2:
                xo, yo = x[ok], y[ok]
                length = float(np.sum(np.hypot(np.diff(xo), np.diff(yo))))
                width_mm = float(xo.max() - xo.min())
                ap = float(yo.max() - yo.min())
                cpei = _cpei(x, y, y_line, width)
                wts = np.where(ok, np.nan_to_num(f), 0.0)
                if wts.sum() > 0:
                    ml_pct = float(
                        100.0 * np.sum(wts * np.nan_to_num(x)) / wts.sum() / cop.foot_width_mm
                    )
        mli = float("nan")
        if medial is not None and lateral is not None:
            m = float(np.sum(np.nan_to_num(medial[seg]) * dt[seg]))
            lat = float(np.sum(np.nan_to_num(lateral[seg]) * dt[seg]))
            if m + lat > 0:
                mli = (m - lat) / (m + lat)
        row.update(
            gait_line_length_mm=length,
            gait_line_width_mm=width_mm,
            gait_line_ap_mm=ap,
            cpei_pct=cpei,
            medial_lateral_index=mli,
            cop_ml_pct=ml_pct,
        )
        rows.append(row)
    frame = pd.DataFrame(rows, columns=[c for c in STEP_COLUMNS if c not in ("step",)])
    return frame


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
        if spread > 0:
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
    for side, other in (("left", "right"), ("right", "left")):
        mine = table.index[table["side"] == side]
        theirs = table[table["side"] == other]
        if not len(theirs):
            continue
        to_other = theirs["toe_off_s"].to_numpy()
        hs_other = theirs["heel_strike_s"].to_numpy()
        for i in mine:
            hs = table.at[i, "heel_strike_s"]
            j = np.searchsorted(to_other, hs, side="right")
            # the other foot's stance must be the one under way at this heel strike
            if j < len(to_other) and hs_other[j] < hs:
                ds[i] = to_other[j] - hs
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
