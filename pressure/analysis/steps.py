"""The per-step table, walking bouts and step labels, and the spatiotemporal parameters
(METHODS §4.2).

A *step* here is one stance of one foot, from its heel strike to its toe off; its stride runs
from this heel strike to the next one of the same foot. Times are seconds from the start of the
recording. Columns (``step_columns``; units in the names):

``side, step, heel_strike_s, toe_off_s, stance_s, swing_s, stride_s, stance_pct, swing_pct,
double_support_s, flight_s, used, bout, label, peak_load_<unit>, mean_load_<unit>,
load_time_integral_<unit>_s, gait_line_length_mm, gait_line_width_mm, gait_line_ap_mm,
gait_line_ap_pct_fl, gait_line_excursion_pct_fl, gait_line_width_pct_fw, cpei_pct,
cpei_footprint, medial_lateral_index, cop_ml_pct``

The load columns carry the unit of the foot's load (``load_columns``), as the CoP table's
``load_<unit>`` does: ``peak_load_n``, ``mean_load_n``, ``load_time_integral_n_s`` (N, N·s)
when the values give forces (``FootRecording.load``), else the values' own unit summed over
the sensors (``peak_load_kpa``, ``load_time_integral_adc_s``, ...; ``model.UNITS``). A
session whose feet have loads in different units has both sets of columns, each foot's row
empty in the other's. ``STEP_COLUMNS`` are the columns for loads in N.

* ``swing_s`` = next heel strike − this toe off; ``stride_s`` = next heel strike − this one;
  NaN for the last step of a foot, or across a gap in the signal.
* Every complete stance (heel strike and toe off both seen) is a row. One more than
  ``MAX_STANCE_FACTOR`` (2) times the foot's median stance is standing still (a pause, or a
  turn on the spot) rather than a step: label ``standing``, never in the summary, and the
  next step starts a new walking bout (with at least three complete stances to take a median
  from).
* ``double_support_s``: initial double support, from this heel strike to the other foot's
  toe off that follows it (NaN when that foot's events are not known there).
* ``flight_s``: the time both feet are off the ground after this step: the other foot's next
  heel strike (within this stride) − this toe off, 0 when that heel strike comes first (double
  support, walking); NaN when not known.
* ``mean_load_<unit>``: the mean load over the samples from the heel strike to the toe off, *both
  included*: the Moticon OpenGo gait report's "Mean total force during stance phase (left)
  (N)" per step (its sheet "Report Data"; checked against its numbers in
  ``tests/test_analysis_reference.py``). ``peak_load_<unit>`` and
  ``load_time_integral_<unit>_s`` (Σ load · Δt) are over the stance [heel strike, toe off),
  the toe-off sample (the first of swing) excluded.

Walking bouts and step labels
-----------------------------

METHODS §4.1: "reject the first 1–2 and the last strides of each straight bout, and any
turns"; §3.1 (gait asymmetry, Plotnik et al. 2005): "computed over all strides of a walk,
excluding turns, starts and stops". Every step keeps its row; ``label`` says what it is and
only the steady ones enter the summary.

* **Bouts** (``bout``, numbered from 1) are runs of steps separated by pauses. A step starts a
  new bout when the stance before it on the same foot was not a step (standing: longer than
  ``MAX_STANCE_FACTOR`` medians; or cut by a gap in the signal), when no foot was on the
  ground or changed stance for more than ``PAUSE_STRIDES`` (2) median strides before its
  heel strike (the median over the recording's strides), or when the same foot's previous
  stride lasted longer than that.
* ``initiation``: the first ``INITIATION_STRIDES`` (1) stride(s) of each foot in a bout (the
  first two steps), and then any following step that is irregular (below): the subject is
  still speeding up.
* ``termination``: each foot's last ``TERMINATION_STRIDES`` (1) stride(s) in the bout, and the
  steps after them (a foot's last step, whose stride is not known), and before them any
  irregular steps: the subject slows down and stops.
* ``turn``: among the other steps, a stride outside ``TURN_BAND`` (0.7–1.3) times the bout's
  median stride (both feet), a stance outside that band times the foot's median stance in
  the bout, or a stride more than ``OUTLIER_SD`` (3) SDs from the foot's median stride in
  the bout (METHODS §8.1 step 3: "remove strides > 3 SD from the subject's median"; the SD of
  the foot's strides in the bout that lie inside the band, so that the turns found by the
  band do not inflate it; a MAD-based SD took the ordinary stride-to-stride variation of
  steady walking for outliers). The SD is taken
  as at least ``MIN_SPREAD_FRACTION`` (1 %) of the median and one sample period, so that
  strides quantised to the sample period are not outliers; the rule needs
  ``MIN_STRIDES_FOR_SPREAD`` (5) strides of the foot in the bout). Insoles do not see the
  body turn; a turn shows in them as strides and stances far from the bout's median (the
  inner foot's stance lengthens). The label is the likely cause on a level walk; a stumble
  or an obstacle looks the same.
* ``running``: a steady step followed by a flight phase of at least ``MIN_FLIGHT_S``
  (0.02 s) and two sample periods (shorter gaps are within the event detector's error; the
  toe-off level, 10 % of the peak, also shortens each stance by a few ms): both feet off the
  ground, the other foot's heel strike after this foot's toe off.
* ``steady``: the rest.

The summary's steps are the ``steady`` ones, or the ``running`` ones when they outnumber the
steady walking steps (``summary_label``): ``used`` is True for those whose stride is known,
and for ``turn`` steps too when turns are not excluded (``exclude_turns=False``).

* Gait line (METHODS §1.4): the CoP path over the stance; length (mm, summed point to point:
  the *path* length, not the Moticon report's "gait line length"), width (medio-lateral
  excursion, mm), AP excursion (max − min, mm), and the excursions as % of foot length and
  width. ``gait_line_excursion_pct_fl``: the CoP's progression along the foot from the heel
  strike to the toe off, (y at the last defined CoP of the stance − y at the first) / foot
  length × 100, over the stance [heel strike, toe off) (the toe-off sample, the first of
  swing, can carry a stray CoP of a barely loaded insole): the Moticon OpenGo report's
  per-step "Gaitline length" (end x − start x in its normalised heel-to-toe coordinate, a
  fraction of the insole length; × 100 here). The mm columns are empty for a layout whose
  coordinates are not in mm (gaitpdb's arbitrary units); the percentages are always there.
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

Signs and neutral values of the medio-lateral indicators (these, and the medial share of
``pressure.analysis.distribution``). The pronation direction is medial: ``cop_ml_pct`` and
``medial_lateral_index`` up, the medial share up, ``cpei_pct`` down; supination the
opposite (METHODS §2.1, §2.2). Every one is taken against the insole's long axis (x = 0; the
medial and lateral loads split the sensors the centre line crosses,
``SensorLayout.side_weights``), but their neutral values differ, and none is a validated
cut-off:

* ``cop_ml_pct`` is 0 when the load's moments either side of the centre line balance;
* the medial share is 50 % and the index 0 when the loads themselves balance: with the mean
  CoP on the line they are near, not at, these values (the simulator's neutral walk: 49 %,
  −0.02), as the load spreads further on one side than the other;
* ``cpei_pct`` is 0 for a straight gait line, but a typical one bows laterally of its
  first-to-last chord: a neutral foot gives a positive value (the simulator's neutral walk:
  about +9 % on its 16-sensor insole; plate CPEI of rectus feet is about 23 %, METHODS
  §2.1), and only a change from the person's own value, or a comparison of groups, reads as
  more medial or more lateral.

``SyntheticGait.truth()`` gives each of these values for the simulated walk it generates.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..cop import FootCop
from ..io.source import FrameValues
from ..layout import SensorLayout
from .events import FootEvents
from .footprint import steps_cpei

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: the load columns, ``{unit}`` the foot's load unit (``load_columns``)
LOAD_COLUMN_PATTERNS = ("peak_load_{unit}", "mean_load_{unit}", "load_time_integral_{unit}_s")
_BEFORE_LOAD = (
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
    "flight_s",
    "used",
    "bout",
    "label",
)
_AFTER_LOAD = (
    "gait_line_length_mm",
    "gait_line_width_mm",
    "gait_line_ap_mm",
    "gait_line_ap_pct_fl",
    "gait_line_excursion_pct_fl",
    "gait_line_width_pct_fw",
    "cpei_pct",
    "cpei_footprint",
    "medial_lateral_index",
    "cop_ml_pct",
)


def load_columns(unit: str) -> tuple[str, str, str]:
    """The step table's load columns for a foot whose load is in ``unit``.

    Parameters
    ----------
    unit : str
        The load's unit, one of ``model.UNITS`` (``"n"`` when the values give forces).

    Returns
    -------
    tuple of str
        ``(peak_load_<unit>, mean_load_<unit>, load_time_integral_<unit>_s)``, e.g.
        ``("peak_load_n", "mean_load_n", "load_time_integral_n_s")``.
    """
    peak, mean, integral = (pattern.format(unit=unit) for pattern in LOAD_COLUMN_PATTERNS)
    return peak, mean, integral


def step_columns(load_units: Iterable[str] = ("n",)) -> tuple[str, ...]:
    """The step table's columns (module docstring) for feet whose loads are in
    ``load_units`` (one set of load columns per distinct unit, in the order given)."""
    loads = [c for unit in dict.fromkeys(load_units) for c in load_columns(unit)]
    return (*_BEFORE_LOAD, *loads, *_AFTER_LOAD)


#: the step table's columns for loads in N (``step_columns``)
STEP_COLUMNS = step_columns(("n",))

MAX_STANCE_FACTOR = 2.0  # longer "stances" are standing still, before or after walking
MIN_SPREAD_FRACTION = 0.01  # floor of the robust SD, fraction of the median stride
OUTLIER_SD = 3.0
# walking bouts and step labels (module docstring)
PAUSE_STRIDES = 2.0  # a pause: nothing changes for this many median strides
INITIATION_STRIDES = 1  # per foot, at the start of a bout
TERMINATION_STRIDES = 1  # per foot, at the end of a bout
TURN_BAND = (0.7, 1.3)  # steady strides and stances, as fractions of the bout's median
MIN_STRIDES_FOR_SPREAD = 5  # fewer strides in a bout: no robust-SD rule, only the band
MIN_FLIGHT_S = 0.02  # a flight phase (running) at least this long

INITIATION = "initiation"
STEADY = "steady"
TERMINATION = "termination"
TURN = "turn"
RUNNING = "running"
STANDING = "standing"
LABELS = (INITIATION, STEADY, TERMINATION, TURN, RUNNING, STANDING)
# foot_steps → steps_table: the stance before was not a step; the foot's sample period (s)
_FOLLOWS_GAP = "_follows_gap"
_STANDING = "_standing"
_SAMPLE_PERIOD = "_sample_period_s"


def _first_at_or_after(positions: npt.NDArray[np.int64], a: IntArray, b: IntArray) -> IntArray:
    """Per segment [a, b): the first of the sorted ``positions`` inside it, or -1."""
    j = np.searchsorted(positions, a)
    out = np.full(a.size, -1, dtype=np.int64)
    inside = j < positions.size
    out[inside] = positions[j[inside]]
    out[out >= b] = -1
    return out


def _last_before(positions: npt.NDArray[np.int64], a: IntArray, b: IntArray) -> IntArray:
    """Per segment [a, b): the last of the sorted ``positions`` inside it, or -1."""
    j = np.searchsorted(positions, b) - 1
    out = np.full(a.size, -1, dtype=np.int64)
    ok = j >= 0
    out[ok] = positions[j[ok]]
    out[out < a] = -1
    return out


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
    values: FloatArray | FrameValues | None = None,
    *,
    load_unit: str,
) -> pd.DataFrame:
    """One row per complete stance of one foot (columns ``step_columns((load_unit,))`` but
    ``step``;
    ``double_support_s``, ``flight_s``, ``used``, ``bout`` and ``label`` are filled in by
    ``steps_table``), and for ``steps_table`` the columns ``_follows_gap`` (the foot's stance
    before this one was not a step: standing, or cut by a gap) and ``_sample_period_s``
    (the median time between the foot's samples). Vectorised over the stances:
    an hour of walking is a few thousand of them. ``values``: the foot's sensor values
    (frames, sensors), for each stance's loaded footprint (``footprint``). ``load_unit``:
    the unit of ``load`` (``model.UNITS``), which names the load columns.

    The work is ``stance_measures`` (what each stance's own frames give) and ``step_rows``
    (what the stances give together), so that a long recording can be measured a chunk of
    frames at a time."""
    hs, to, complete = events.heel_strike, events.toe_off, events.complete
    gaps = None
    if events.gap is not None and events.gap.any():
        gaps = np.concatenate([[0], np.cumsum(events.gap)])[hs + 1]
    measures = stance_measures(
        time_s, load, hs[complete], to[complete], cop, region_load, layout, values, load_unit
    )
    return step_rows(
        side,
        time_s[hs],
        time_s[to],
        complete,
        gaps,
        bool(hs.size) and int(to[-1]) >= time_s.size - 1,
        measures,
        float(np.median(np.diff(time_s))) if time_s.size > 1 else 0.0,
        load_unit,
    )


def stance_measures(
    time_s: FloatArray,
    load: FloatArray,
    a: IntArray,
    b: IntArray,
    cop: FootCop | None,
    region_load: dict[str, FloatArray],
    layout: SensorLayout | None,
    values: FloatArray | FrameValues | None,
    load_unit: str,
) -> dict[str, Any]:
    """The step table's columns that each stance's own frames give (its load, gait line,
    CPEI, medial-lateral index), per stance from heel strike ``a`` to toe off ``b`` (sample
    indices into the arrays, which may be a part of the foot's: the stances' frames and one
    either side are all that is read)."""
    peak_col, mean_col, integral_col = load_columns(load_unit)
    a, b = a.astype(np.int64), b.astype(np.int64)
    b_incl = np.minimum(b + 1, time_s.size)  # [a, b_incl): the toe-off sample included
    nan = np.full(a.size, np.nan)
    if a.size == 0:
        return {}
    dt = np.gradient(time_s) if time_s.size > 1 else np.ones_like(time_s)
    f = np.where(np.isfinite(load), load, np.nan)
    counts = _segment_sums(np.isfinite(f).astype(np.float64), a, b_incl)
    with np.errstate(invalid="ignore", divide="ignore"):
        out: dict[str, Any] = {
            peak_col: _segment_reduce(np.fmax, f, a, b),
            mean_col: _segment_sums(f, a, b_incl) / counts,
            integral_col: _segment_sums(f * dt, a, b),
        }
        length = width_mm = ap = ap_pct = width_pct = cpei = ml_pct = excursion = nan
        cpei_footprint: object = ""  # no footprint (steps_cpei)
        if cop is not None:
            x, y = cop.x_mm, cop.y_mm
            step = np.hypot(np.diff(x), np.diff(y))  # NaN next to an unloaded frame
            length = _segment_sums(np.append(step, 0.0), a, b - 1)
            width_mm = _segment_reduce(np.fmax, x, a, b) - _segment_reduce(np.fmin, x, a, b)
            ap = _segment_reduce(np.fmax, y, a, b) - _segment_reduce(np.fmin, y, a, b)
            ap_pct = 100.0 * ap / cop.foot_length_mm
            defined = np.flatnonzero(np.isfinite(y))
            first = _first_at_or_after(defined, a, b)
            last = _last_before(defined, a, b)
            ok_ends = (first >= 0) & (last > first)
            excursion = np.where(ok_ends, 100.0 * (y[last] - y[first]) / cop.foot_length_mm, np.nan)
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
    out.update(
        gait_line_length_mm=length,
        gait_line_width_mm=width_mm,
        gait_line_ap_mm=ap,
        gait_line_ap_pct_fl=ap_pct,
        gait_line_excursion_pct_fl=excursion,
        gait_line_width_pct_fw=width_pct,
        cpei_pct=cpei,
        cpei_footprint=cpei_footprint
        if isinstance(cpei_footprint, list)
        else [cpei_footprint] * a.size,
        medial_lateral_index=mli,
        cop_ml_pct=ml_pct,
    )
    return out


def step_rows(
    side: str,
    heel_strike_s: FloatArray,
    toe_off_s: FloatArray,
    complete: BoolArray,
    gaps: IntArray | None,
    last_cut_by_end: bool,
    measures: dict[str, Any],
    sample_period_s: float,
    load_unit: str,
) -> pd.DataFrame:
    """The rows of ``foot_steps`` from every stance of the foot (complete or not): the times
    of its heel strike and toe off, ``gaps`` (per stance, the number of gap samples of the
    foot up to and including the one after its heel strike; None: no gap anywhere),
    whether the last stance is cut by the end of the recording, and the ``stance_measures``
    of the complete stances."""
    columns = [c for c in step_columns((load_unit,)) if c != "step"]
    columns += [_FOLLOWS_GAP, _STANDING, _SAMPLE_PERIOD]
    n = heel_strike_s.size
    durations = toe_off_s - heel_strike_s
    longest = np.inf
    if complete.sum() >= 3:
        longest = MAX_STANCE_FACTOR * float(np.median(durations[complete]))
    # the next heel strike counts if that stance is complete or only cut by the end
    next_ok = np.zeros(n, dtype=np.bool_)
    next_ok[:-1] = complete[1:]
    if n > 1 and last_cut_by_end:
        next_ok[-2] = True  # the last stance is only cut by the end: its heel strike is real
    if gaps is not None and n > 1:
        # a stride across a gap in the signal is not known
        next_ok[:-1] &= gaps[1:] - gaps[:-1] == 0
    next_hs = np.full(n, np.nan)
    next_hs[:-1] = np.where(next_ok[:-1], heel_strike_s[1:], np.nan)
    walked = complete & (durations <= longest)
    # every complete stance is a row; a long one is standing (labelled so, never counted)
    keep = complete
    # a step of this foot came earlier, but the stance just before this one was not a step
    follows_gap = np.zeros(n, dtype=np.bool_)
    follows_gap[1:] = ~walked[:-1] & (np.cumsum(walked)[:-1] > 0)
    if not keep.any():
        return pd.DataFrame({c: pd.Series(dtype=float) for c in columns})
    hs_t, to_t, nxt = heel_strike_s[keep], toe_off_s[keep], next_hs[keep]
    table: dict[str, object] = {
        "side": side,
        "heel_strike_s": hs_t,
        "toe_off_s": to_t,
        "stance_s": to_t - hs_t,
        "swing_s": nxt - to_t,
        "stride_s": nxt - hs_t,
        _FOLLOWS_GAP: follows_gap[keep],
        _STANDING: ~walked[keep],
        _SAMPLE_PERIOD: sample_period_s,
        **measures,
    }
    return pd.DataFrame({c: table.get(c, np.nan) for c in columns})


def _bouts(table: pd.DataFrame, follows_gap: BoolArray) -> IntArray:
    """Bout number (from 1) of each step of the time-ordered ``table`` (module docstring)."""
    n = len(table)
    hs = table["heel_strike_s"].to_numpy(dtype=float)
    to = table["toe_off_s"].to_numpy(dtype=float)
    stride = table["stride_s"].to_numpy(dtype=float)
    sides = table["side"].to_numpy()
    known = stride[np.isfinite(stride)]
    pause_s = PAUSE_STRIDES * float(np.median(known)) if known.size else np.inf
    new = np.zeros(n, dtype=np.bool_)
    new[0] = True
    # nothing changed for a long time: no foot in stance, no heel strike
    new[1:] |= hs[1:] - np.maximum.accumulate(to)[:-1] > pause_s
    with np.errstate(invalid="ignore"):
        long_stride = stride > pause_s
    # a foot that stood (or whose signal broke off) or took a very long stride ends the
    # bout, unless a bout already started since that foot's previous step
    previous: dict[object, int] = {}
    bout_start = 0
    for i in range(n):
        j = previous.get(sides[i])
        if new[i]:
            bout_start = i
        elif j is not None and j >= bout_start and (follows_gap[i] or long_stride[j]):
            new[i] = True
            bout_start = i
        previous[sides[i]] = i
    bouts: IntArray = np.cumsum(new).astype(np.int64)
    return bouts if n else np.zeros(0, dtype=np.int64)


def _far_from_median(values: FloatArray, *, spread_floor_s: float | None) -> BoolArray:
    """``values`` (s) outside ``TURN_BAND`` × their median, or (with ``spread_floor_s``, and
    enough values) more than ``OUTLIER_SD`` SDs from it, the SD taken over the values inside
    the band (so that the turns it has already found do not inflate it) and as at least
    ``spread_floor_s`` and ``MIN_SPREAD_FRACTION`` × the median. NaN is never far."""
    ok = np.isfinite(values)
    far = np.zeros(values.size, dtype=np.bool_)
    if not ok.any():
        return far
    median = float(np.median(values[ok]))
    low, high = TURN_BAND
    far[ok] = (values[ok] < low * median) | (values[ok] > high * median)
    inside = ok & ~far
    if spread_floor_s is not None and inside.sum() >= MIN_STRIDES_FOR_SPREAD:
        spread = float(np.std(values[inside], ddof=1))
        # floor: strides quantised to the sample period (and their float sums) must not be
        # taken for outliers for differing from the median by a sample or two
        spread = max(spread, MIN_SPREAD_FRACTION * median, spread_floor_s)
        far[ok] |= np.abs(values[ok] - median) > OUTLIER_SD * spread
    return far


def _label_bout(
    sides: npt.NDArray[np.object_],
    stride: FloatArray,
    stance: FloatArray,
    flight: FloatArray,
    sample_period_s: FloatArray,
) -> npt.NDArray[np.object_]:
    """Labels of one bout's steps, in time order (module docstring)."""
    n = sides.size
    labels = np.full(n, STEADY, dtype=object)
    for side in np.unique(sides):
        mine = np.flatnonzero(sides == side)
        known = mine[np.isfinite(stride[mine])]
        if known.size >= TERMINATION_STRIDES:
            labels[mine[mine >= known[-TERMINATION_STRIDES]]] = TERMINATION
        else:
            labels[mine] = TERMINATION
        labels[mine[:INITIATION_STRIDES]] = INITIATION
    middle = labels == STEADY
    if middle.any():
        far = np.zeros(n, dtype=np.bool_)
        far[middle] = _far_from_median(stride[middle], spread_floor_s=None)  # the band
        for side in np.unique(sides):
            mine = middle & (sides == side)
            floor = float(np.max(sample_period_s[mine], initial=0.0))
            far[mine] |= _far_from_median(stride[mine], spread_floor_s=floor)
            far[mine] |= _far_from_median(stance[mine], spread_floor_s=None)
        labels[far] = TURN
    # irregular steps next to the start or the end belong to starting or stopping
    for order, label in ((range(n), INITIATION), (range(n - 1, -1, -1), TERMINATION)):
        for i in order:
            if labels[i] == TURN:
                labels[i] = label
            elif labels[i] != label:
                break
    with np.errstate(invalid="ignore"):
        # a flight phase must outlast the events' uncertainty: two sample periods at least
        shortest = np.maximum(MIN_FLIGHT_S, 2.0 * sample_period_s)
        labels[(labels == STEADY) & (flight >= shortest)] = RUNNING
    return labels


def summary_label(steps: pd.DataFrame) -> str:
    """The label of the steps a summary is made of: ``running`` when running steps outnumber
    the steady walking ones, else ``steady``."""
    labels = steps["label"].to_numpy() if "label" in steps else np.zeros(0, dtype=object)
    return RUNNING if np.sum(labels == RUNNING) > np.sum(labels == STEADY) else STEADY


def _flight(table: pd.DataFrame) -> FloatArray:
    """``flight_s`` of each step of the time-ordered ``table`` (module docstring)."""
    flight = np.full(len(table), np.nan)
    sides = table["side"].to_numpy()
    hs_all = table["heel_strike_s"].to_numpy(dtype=float)
    to_all = table["toe_off_s"].to_numpy(dtype=float)
    stride_all = table["stride_s"].to_numpy(dtype=float)
    for side, other in (("left", "right"), ("right", "left")):
        mine = np.flatnonzero(sides == side)
        hs_other = hs_all[sides == other]
        if not mine.size or not hs_other.size:
            continue
        hs = hs_all[mine]
        j = np.searchsorted(hs_other, hs, side="right")
        ok = j < hs_other.size
        ok[ok] &= hs_other[j[ok]] < hs[ok] + stride_all[mine[ok]]  # NaN stride: not known
        flight[mine[ok]] = np.maximum(hs_other[j[ok]] - to_all[mine[ok]], 0.0)
    return flight


def steps_table(per_foot: list[pd.DataFrame], *, exclude_turns: bool = True) -> pd.DataFrame:
    """Both feet's steps in time order, with ``step`` (per foot, from 1),
    ``double_support_s``, ``flight_s``, ``bout``, ``label`` and ``used`` filled in (module
    docstring; ``exclude_turns=False`` counts the ``turn`` steps in the summary too). The
    load columns are those of the feet's tables (``foot_steps``, even without a row)."""
    prefix = LOAD_COLUMN_PATTERNS[0].removesuffix("{unit}")
    units = [c.removeprefix(prefix) for f in per_foot for c in f.columns if c.startswith(prefix)]
    columns = list(step_columns(units or ("n",)))
    frames = [f for f in per_foot if len(f)]
    if not frames:
        table = pd.DataFrame({c: pd.Series(dtype=float) for c in columns})
        table["side"] = table["side"].astype(object)
        table["label"] = table["label"].astype(object)
        table["bout"] = table["bout"].astype(np.int64)
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
    table["flight_s"] = _flight(table)
    standing = table[_STANDING].fillna(False).to_numpy(dtype=bool)
    walking = table[~standing]
    bouts = np.zeros(len(table), dtype=np.int64)
    if len(walking):
        gap = walking[_FOLLOWS_GAP].fillna(False).to_numpy(dtype=bool)
        bouts[~standing] = _bouts(walking, gap)
    # a standing stance belongs to the bout it ends (or, before any step, the first one)
    bouts = np.maximum.accumulate(bouts)
    bouts[bouts == 0] = 1
    labels = np.full(len(table), STANDING, dtype=object)
    stride = table["stride_s"].to_numpy(dtype=float)
    stance = table["stance_s"].to_numpy(dtype=float)
    flight = table["flight_s"].to_numpy(dtype=float)
    period = table[_SAMPLE_PERIOD].to_numpy(dtype=float)
    for bout in np.unique(bouts):
        rows = np.flatnonzero((bouts == bout) & ~standing)
        labels[rows] = _label_bout(
            sides[rows], stride[rows], stance[rows], flight[rows], period[rows]
        )
    table["bout"] = bouts
    table["label"] = labels
    counted = [summary_label(table)] + ([] if exclude_turns else [TURN])
    table["used"] = table["label"].isin(counted) & np.isfinite(stride)
    return table[columns]


def _stats(values: FloatArray) -> dict[str, float | None]:
    v = values[np.isfinite(values)]
    if v.size == 0:
        return {"mean": None, "sd": None, "cv_pct": None}
    mean = float(np.mean(v))
    sd = float(np.std(v, ddof=1)) if v.size > 1 else None
    cv = 100.0 * sd / mean if sd is not None and mean else None
    return {"mean": mean, "sd": sd, "cv_pct": cv}


def spatiotemporal(steps: pd.DataFrame) -> dict[str, Any]:
    """Means, SDs and CVs of the used strides per foot, cadence, the mean flight time (s,
    both feet; 0 in walking) and gait asymmetry."""
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
                "flight_s",
            )
        }
        per[side]["n_used"] = {"mean": float(len(mine)), "sd": None, "cv_pct": None}
    used = steps[steps["used"]]
    strides = used["stride_s"].to_numpy(dtype=float)
    out["per_foot"] = per
    flight = used["flight_s"].to_numpy(dtype=float)
    flight = flight[np.isfinite(flight)]
    out["flight_time_s"] = float(np.mean(flight)) if flight.size else None
    out["cadence_steps_per_min"] = float(120.0 / np.mean(strides)) if strides.size else None
    swings = [per[s]["swing_s"]["mean"] for s in ("left", "right")]
    if all(s is not None and s > 0 for s in swings):
        short, long_ = sorted(float(s) for s in swings if s is not None)
        out["gait_asymmetry_pct"] = 100.0 * abs(np.log(short / long_))
    else:
        out["gait_asymmetry_pct"] = None
    return out


def plate_contact_steps(
    side: str,
    time_s: FloatArray,
    load: FloatArray,
    cop: FootCop,
    region_load: dict[str, FloatArray],
    layout: SensorLayout | None,
    values: FloatArray,
    contact: BoolArray,
    *,
    load_unit: str,
) -> pd.DataFrame:
    """The step table's row for a plate roll-off: one stance from the first to the last frame
    in ``contact`` (inclusive; its ``toe_off_s`` is the end of the last loaded frame, one frame
    period after it), with the gait line, CPEI and medial-lateral index of ``foot_steps``
    (``load_unit``: the unit of ``load``, which names the load columns)."""
    loaded = np.flatnonzero(contact)
    a, b = int(loaded[0]), int(loaded[-1]) + 1
    # one unloaded frame after the contact, so that the stance [a, b) ends inside the arrays
    period = float(np.median(np.diff(time_s))) if time_s.size > 1 else 1.0
    t = np.append(time_s, time_s[-1] + period)

    def pad(v: FloatArray, fill: float) -> FloatArray:
        return np.concatenate([v, np.full((1, *v.shape[1:]), fill)])

    padded_cop = dataclasses.replace(
        cop,
        time_s=t,
        x_mm=pad(cop.x_mm, np.nan),
        y_mm=pad(cop.y_mm, np.nan),
        load=pad(cop.load, 0.0),
    )
    events = FootEvents(
        heel_strike=np.array([a], dtype=np.int64),
        toe_off=np.array([b], dtype=np.int64),
        complete=np.array([True]),
        low=np.zeros(1),
        high=np.array([float(np.nanmax(load))]),
        walking=True,
    )
    return foot_steps(
        side,
        t,
        pad(load, 0.0),
        events,
        padded_cop,
        {name: pad(v, 0.0) for name, v in region_load.items()},
        layout,
        values=pad(values, np.nan),
        load_unit=load_unit,
    )
