"""Sessions of one person under conditions (barefoot / shoe / insole, before / after), compared
indicator by indicator, with how sure each difference is.

Units of variation
------------------
A condition's value is computed from units the session repeats: its **steady steps** (step
table, ``label`` as the summary counts them) for per-step quantities (stance and stride time,
CPEI, the medial-lateral index, mean stance force per foot), its **strides** for the load shares
of a walk (each window from one left heel strike to the next: the force-time integral of each
foot over it; the share is ``100 ΣL / (ΣL + ΣR)`` over the strides), and **2-second windows** for
the shares of a standing session. The symmetry index is ``100 (R − L) / (0.5 (L + R))`` of the
same sums (+: the right foot carries more), as in the single-session analysis.

Confidence interval
-------------------
The 95 % confidence interval of each difference (condition minus the reference, the first
condition) is a **percentile bootstrap over the units** (``BOOTSTRAP`` resamples, a fixed seed,
each condition resampled on its own): the indicators are means and ratios of sums whose
sampling distributions are not assumed normal, and steps are what a session repeats. Steps of
one walk are not fully independent (a slow step is often followed by another), so the interval
can be somewhat narrow; a repeat trial (below) measures the trial-to-trial part of the noise
that it cannot see.

Smallest detectable change
--------------------------
With a repeat trial of the reference condition (``repeat``), a difference *exceeds the noise*
when its confidence interval excludes 0 and it is larger than the smallest detectable change,
``SDC = z · √2 · SEM`` (Weir 2005, J Strength Cond Res 19:231), where the standard error of
measurement ``SEM`` is the larger of ``|A − A₂| / √2`` (the test-retest difference of the one
repeat pair) and the bootstrap standard error of a single trial (the within-trial part, which one
pair can underestimate), and ``z`` is Bonferroni-adjusted over the indicators compared (``z`` for
``0.05 / K``), so that for two trials of one condition the chance that any indicator is called a
change is at most 5 %. Without a repeat, ``exceeds_noise`` is None and the output says that none
was given.

The regional peak pressure and pressure-time integral of a walk are per steady step too: for
each step and each region of the analysis' regional table, the region's highest pressure in the
stance and the integral over the stance of its highest pressure in each frame (kPa, kPa·s).
A standing session's sway is per 2-second window of each foot's CoP (``balance.sway``: mean
velocity and 95 % ellipse area). Quantities without repeated units (the forefoot and medial
shares, a standing session's regional peak pressure, the combined CoP's sway) are given per
condition with their difference and no interval; a standing session's pressure-time integral
is left out (over the whole session it grows with the session's length).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from ..model import Session
from .analyze import Analysis, AnalysisOptions, analyze
from .distribution import PRESSURE_TO_KPA, window_loads
from .results import clean

FloatArray = npt.NDArray[np.float64]
#: bootstrap resamples of each condition's units
BOOTSTRAP = 2000
#: the seed of the bootstrap: the same sessions give the same intervals
SEED = 20261204
#: a standing session's units for its load shares, s
WINDOW_S = 2.0
#: fewest units a condition needs for an interval
MIN_UNITS = 3
SIDES = ("left", "right")

#: indicator -> (human name, unit)
NAMES: dict[str, tuple[str, str]] = {
    "left_share_pct": ("Load carried by the left foot", "%"),
    "symmetry_index_pct": ("Symmetry index (+: right carries more)", "%"),
    "cadence_steps_per_min": ("Cadence", "steps/min"),
    "stance_time_s": ("Stance time", "s"),
    "stride_time_s": ("Stride time", "s"),
    "cpei_pct": ("Centre of pressure excursion index (CPEI)", "%"),
    "medial_lateral_index": ("Medial-lateral index (+: medial)", ""),
    "mean_stance_force_n": ("Mean stance force", "N"),
    "forefoot_share_pct": ("Forefoot share of the foot's load", "%"),
    "medial_share_pct": ("Medial share of the foot's load", "%"),
    "sway_velocity_mm_s": ("Sway: mean CoP velocity", "mm/s"),
    "sway_ellipse_mm2": ("Sway: 95 % ellipse area", "mm²"),
    "sway_combined_velocity_mm_s": ("Sway of the combined CoP: mean velocity", "mm/s"),
    "sway_combined_ellipse_mm2": ("Sway of the combined CoP: 95 % ellipse area", "mm²"),
}


@dataclass(frozen=True)
class Units:
    """One condition's repeated units for one indicator and the statistic that makes its
    value of them: ``data`` has one row per unit."""

    data: FloatArray
    #: of units stacked as ``(..., n_units, columns)``: one value per leading index
    statistic: Callable[[FloatArray], FloatArray]

    def value(self) -> float:
        return float(self.statistic(self.data))


@dataclass(frozen=True)
class Difference:
    """One indicator across the conditions: each condition's value, and one condition's
    difference from the reference with its interval and whether it exceeds the noise."""

    name: str
    label: str  # the human name
    unit: str
    conditions: dict[str, float | None]
    compared: str  # "B − A"
    difference: float | None
    ci95_low: float | None = None
    ci95_high: float | None = None
    units: str | None = None  # what the interval resamples ("steady steps", ...)
    sdc: float | None = None
    exceeds_noise: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        return clean(
            {
                "name": self.name,
                "label": self.label,
                "unit": self.unit,
                "conditions": dict(self.conditions),
                "compared": self.compared,
                "difference": self.difference,
                "ci95_low": self.ci95_low,
                "ci95_high": self.ci95_high,
                "units": self.units,
                "sdc": self.sdc,
                "exceeds_noise": self.exceeds_noise,
            }
        )


@dataclass(frozen=True)
class Comparison:
    """What ``compare`` found: the conditions (label, file, activity, steady steps) and one
    ``Difference`` per indicator and compared condition."""

    conditions: tuple[dict[str, Any], ...]
    reference: str
    repeat: str | None
    indicators: tuple[Difference, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)
    #: each condition's analysis and session (for the figures; not in ``to_dict``)
    analyses: tuple[Analysis, ...] = field(default_factory=tuple, repr=False)
    sessions: tuple[Session, ...] = field(default_factory=tuple, repr=False)
    method: str = (
        "95 % CI: percentile bootstrap over the units (steady steps, strides or 2 s windows), "
        f"{BOOTSTRAP} resamples per condition; exceeds_noise: CI excludes 0 and |difference| > "
        "SDC = z·√2·SEM from the repeat trial, z Bonferroni-adjusted over the indicators"
    )

    def to_dict(self) -> dict[str, Any]:
        return {
            "conditions": [clean(c) for c in self.conditions],
            "reference": self.reference,
            "repeat": self.repeat,
            "method": self.method,
            "indicators": [d.to_dict() for d in self.indicators],
            "notes": list(self.notes),
        }


# -- the units of one condition ----------------------------------------------------------------


# Each statistic takes units stacked as ``(..., n_units, columns)`` and gives one value per
# leading index: a condition's units give a 0-d value, a block of bootstrap resamples one value
# each, computed in numpy at once rather than resample by resample.


def _ratio(top: FloatArray, bottom: FloatArray) -> FloatArray:
    """``top / bottom`` where ``bottom`` > 0, else NaN."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(bottom > 0, top / np.where(bottom > 0, bottom, 1.0), np.nan)


def _mean(data: FloatArray) -> FloatArray:
    if not data.shape[-2]:
        return np.full(data.shape[:-2], np.nan)
    return np.asarray(np.mean(data[..., 0], axis=-1))


def _sums(data: FloatArray, fixed: FloatArray | None = None) -> tuple[FloatArray, FloatArray]:
    """The left and right loads of the units, plus the ``fixed`` part not resampled."""
    left, right = data[..., 0].sum(axis=-1), data[..., 1].sum(axis=-1)
    if fixed is not None:
        left, right = left + fixed[0], right + fixed[1]
    return left, right


def _share(data: FloatArray, fixed: FloatArray | None = None) -> FloatArray:
    left, right = _sums(data, fixed)
    return _ratio(100.0 * left, left + right)


def _symmetry(data: FloatArray, fixed: FloatArray | None = None) -> FloatArray:
    left, right = _sums(data, fixed)
    return _ratio(100.0 * (right - left), 0.5 * (left + right))


def _cadence(data: FloatArray) -> FloatArray:
    return _ratio(np.full(data.shape[:-2], 120.0), _mean(data))


def _column(values: pd.Series) -> FloatArray:
    out = values.to_numpy(dtype=np.float64)
    return out[np.isfinite(out)].reshape(-1, 1)


def regional_step_units(
    analysis: Analysis, session: Session, steady: pd.DataFrame
) -> dict[str, tuple[Units, str]]:
    """Per steady step and region of each foot (the regions of ``analysis.regions``): the
    region's peak pressure (kPa) and pressure-time integral (kPa·s: the integral over the
    stance of the region's highest pressure in each frame, as ``distribution.regional``
    computes it over the session)."""
    out: dict[str, tuple[Units, str]] = {}
    for side in SIDES:
        foot = session.feet.get(side)
        scale = PRESSURE_TO_KPA.get(foot.unit) if foot is not None else None
        if foot is None or foot.layout is None or scale is None:
            continue
        names = [
            str(r)
            for r in analysis.regions.loc[analysis.regions["side"] == side, "region"]
            if str(r) in foot.layout.regions and foot.layout.regions[str(r)].any()
        ]
        mine = steady[steady["side"] == side]
        if not names or not len(mine):
            continue
        t = foot.time_s
        a = np.searchsorted(t, mine["heel_strike_s"].to_numpy(dtype=float))
        b = np.searchsorted(t, mine["toe_off_s"].to_numpy(dtype=float))
        peaks = np.full((len(mine), len(names)), np.nan)
        ptis = np.full((len(mine), len(names)), np.nan)
        for i, (start, stop) in enumerate(zip(a.tolist(), b.tolist(), strict=True)):
            if stop - start < 2:
                continue
            p = np.nan_to_num(foot.values[start:stop]) * scale
            dt = np.gradient(t[start:stop])
            for r, name in enumerate(names):
                each = p[:, foot.layout.regions[name]].max(axis=1)
                peaks[i, r], ptis[i, r] = float(each.max()), float(each @ dt)
        for r, name in enumerate(names):
            for kind, values in (
                ("peak_pressure_kpa", peaks),
                ("pressure_time_integral_kpa_s", ptis),
            ):
                column = values[:, r]
                data = column[np.isfinite(column)].reshape(-1, 1)
                out[f"{kind}.{side}.{name}"] = (Units(data, _mean), "steady steps")
    return out


def condition_units(
    analysis: Analysis, session: Session | None = None
) -> dict[str, tuple[Units, str]]:
    """Each indicator's units in one analysed session, and what they are; with the
    ``session``, also the regional peak pressure and pressure-time integral per step."""
    out: dict[str, tuple[Units, str]] = {}
    steps = analysis.steps
    if analysis.activity in ("walking", "running") and len(steps):
        counted = "running" if analysis.activity == "running" else "steady"
        steady = steps[steps["label"] == counted]
        if session is not None:
            out.update(regional_step_units(analysis, session, steady))
        for side in SIDES:
            mine = steady[steady["side"] == side]
            for name, column in (
                ("stance_time_s", "stance_s"),
                ("stride_time_s", "stride_s"),
                ("cpei_pct", "cpei_pct"),
                ("medial_lateral_index", "medial_lateral_index"),
                ("mean_stance_force_n", "mean_load_n"),
            ):
                if column in mine:
                    out[f"{name}.{side}"] = (Units(_column(mine[column]), _mean), "steady steps")
        strides = _column(steady["stride_s"])
        out["cadence_steps_per_min"] = (Units(strides, _cadence), "steady strides")
        # the whole session cut at the left heel strikes: the strides are the units, what
        # comes before the first and after the last is counted as it is, not resampled
        edges = np.sort(steps[steps["side"] == "left"]["heel_strike_s"].to_numpy(float))
        out.update(_share_units(analysis, edges, "strides"))
    elif analysis.activity == "standing":
        start, end = _span(analysis)
        edges = np.arange(start, end + 1e-9, WINDOW_S)
        out.update(_share_units(analysis, edges, f"{WINDOW_S:g} s windows"))
        out.update(_sway_units(analysis, edges))
    return out


def _sway_units(analysis: Analysis, edges: FloatArray) -> dict[str, tuple[Units, str]]:
    """Standing: each foot's sway (``balance.sway``: mean CoP velocity, mm/s; 95 % ellipse,
    mm²) in each window between ``edges``, the windows as the units."""
    from .balance import sway

    cop = analysis.cop
    if "cop_ml_mm" not in cop:
        return {}
    out: dict[str, tuple[Units, str]] = {}
    for side in SIDES:
        mine = cop[cop["side"] == side]
        t = mine["time_s"].to_numpy(dtype=np.float64)
        x = mine["cop_ml_mm"].to_numpy(dtype=np.float64)
        y = mine["cop_ap_mm"].to_numpy(dtype=np.float64)
        rows = []
        for a, b in itertools.pairwise(edges):
            inside = (t >= a) & (t < b)
            got = sway(t[inside], x[inside], y[inside]) if inside.sum() > 10 else None
            if got is not None:
                rows.append((got["mean_velocity_mm_s"], got["ellipse_area_mm2"]))
        if len(rows) < MIN_UNITS:
            continue
        data = np.array(rows, dtype=np.float64)
        what = f"{WINDOW_S:g} s windows"
        out[f"sway_velocity_mm_s.{side}"] = (Units(data[:, :1], _mean), what)
        out[f"sway_ellipse_mm2.{side}"] = (Units(data[:, 1:], _mean), what)
    return out


def _span(analysis: Analysis) -> tuple[float, float]:
    t = analysis.cop["time_s"].to_numpy(dtype=np.float64)
    return (float(t.min()), float(t.max())) if t.size else (0.0, 0.0)


def _share_units(analysis: Analysis, edges: FloatArray, what: str) -> dict[str, tuple[Units, str]]:
    """The load shares with the windows between ``edges`` as units and the rest of the
    session (before the first edge, after the last) as a fixed part."""
    start, end = _span(analysis)
    if len(edges) < 2 or not end > start:
        return {}
    loads = window_loads(analysis.cop, edges)
    # before the first edge and after the last, summed
    outside = window_loads(analysis.cop, np.array([start, edges[0], edges[-1], end]))[[0, 2]]
    fixed = np.nan_to_num(outside).sum(axis=0)
    loads = loads[np.all(np.isfinite(loads), axis=1)]

    def share(data: FloatArray) -> FloatArray:
        return _share(data, fixed)

    def symmetry(data: FloatArray) -> FloatArray:
        return _symmetry(data, fixed)

    return {
        "left_share_pct": (Units(loads, share), what),
        "symmetry_index_pct": (Units(loads, symmetry), what),
    }


def single_values(analysis: Analysis) -> dict[str, float | None]:
    """The indicators a session gives once, without repeated units."""
    out: dict[str, float | None] = {}
    dist = analysis.distribution
    for side in SIDES:
        out[f"forefoot_share_pct.{side}"] = dist.forefoot_share_pct[side]
        out[f"medial_share_pct.{side}"] = dist.medial_share_pct[side]
    if analysis.balance is not None:
        both = analysis.summary["balance"].get("combined") or {}
        out["sway_combined_velocity_mm_s"] = both.get("mean_velocity_mm_s")
        out["sway_combined_ellipse_mm2"] = both.get("ellipse_area_mm2")
    regions = analysis.regions
    if len(regions):
        for _, row in regions.iterrows():
            key = f"{row['side']}.{row['region']}"
            if "peak_pressure_kpa" in row:
                out[f"peak_pressure_kpa.{key}"] = _finite(row["peak_pressure_kpa"])
    return out


def _finite(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


# -- the comparison ----------------------------------------------------------------------------


#: the most unit values one block of bootstrap resamples holds at once (64 MiB of floats)
BOOTSTRAP_BLOCK_VALUES = 1 << 23


def _bootstrap(units: Units, rng: np.random.Generator) -> FloatArray:
    """The statistic of ``BOOTSTRAP`` resamples (with replacement) of the units, drawn and
    computed a block of resamples at a time so that memory stays bounded for long sessions."""
    n, width = units.data.shape
    block = max(1, BOOTSTRAP_BLOCK_VALUES // max(1, n * width))
    out = np.empty(BOOTSTRAP)
    for start in range(0, BOOTSTRAP, block):
        stop = min(BOOTSTRAP, start + block)
        picks = rng.integers(0, n, size=(stop - start, n))
        out[start:stop] = units.statistic(units.data[picks])
    return out


def human_name(name: str) -> tuple[str, str]:
    """An indicator's human name and unit."""
    base, _, rest = name.partition(".")
    human, unit = NAMES.get(base, (base.replace("_", " "), ""))
    if base.startswith("peak_pressure_kpa"):
        human, unit = "Peak pressure", "kPa"
    elif base.startswith("pressure_time_integral"):
        human, unit = "Pressure-time integral", "kPa·s"
    if rest:
        human = f"{human}, {rest.replace('.', ' ').replace('_', ' ')}"
    return human, unit


def compare(
    sessions: Sequence[Session],
    labels: Sequence[str] | None = None,
    *,
    repeat: Session | None = None,
    options: AnalysisOptions | None = None,
) -> Comparison:
    """Compare sessions of one person under conditions (module docstring).

    Parameters
    ----------
    sessions : sequence of Session
        Two or more; the first is the reference every other is compared with.
    labels : sequence of str, optional
        A name per session (default: the files' names).
    repeat : Session, optional
        A repeat trial of the reference condition: decides ``exceeds_noise``.
    options : AnalysisOptions, optional
        For every session's analysis.

    Returns
    -------
    Comparison
        Per indicator and compared condition: values, difference, 95 % CI, SDC and whether the
        difference exceeds the noise (None without a repeat trial).
    """
    if len(sessions) < 2:
        raise ValueError("compare needs two sessions or more")
    names = list(labels) if labels else [Path(s.path).stem for s in sessions]
    if not labels and len(set(names)) < len(names):  # the same name twice: number them
        names = [f"{n} ({k + 1})" for k, n in enumerate(names)]
    if len(names) != len(sessions) or len(set(names)) != len(names):
        raise ValueError(f"labels {names}: one distinct label per session")
    analyses = [analyze(s, options) for s in sessions]
    again = analyze(repeat, options) if repeat is not None else None
    rng = np.random.default_rng(SEED)
    units = [condition_units(a, s) for a, s in zip(analyses, sessions, strict=True)]
    repeat_units = condition_units(again, repeat) if again is not None and repeat else {}
    singles = [single_values(a) for a in analyses]
    notes: list[str] = []
    activities = {a.activity for a in analyses}
    if len(activities) > 1:
        notes.append(
            f"the sessions are of different activities ({', '.join(sorted(activities))}): "
            "only the indicators they share are compared"
        )
    if again is None:
        notes.append(
            "no repeat trial of the reference condition was given (--repeat): whether a "
            "difference exceeds the trial-to-trial noise is not judged (exceeds_noise null)"
        )
    shared = [n for n in units[0] if all(n in u for u in units[1:])]
    k = max(1, len(shared) * (len(sessions) - 1))
    z = float(stats.norm.ppf(1 - 0.05 / (2 * k)))
    reference = names[0]
    out: list[Difference] = []
    for name in shared:
        values = {lab: _finite(u[name][0].value()) for lab, u in zip(names, units, strict=True)}
        ok = [u[name][0].data.shape[0] >= MIN_UNITS for u in units]
        boots = {
            lab: _bootstrap(u[name][0], rng) if good else None
            for lab, u, good in zip(names, units, ok, strict=True)
        }
        sdc = None
        if name in repeat_units and repeat_units[name][0].data.shape[0] >= MIN_UNITS:
            a, a2 = values[reference], _finite(repeat_units[name][0].value())
            boot_ref = boots[reference]
            if a is not None and a2 is not None and boot_ref is not None:
                within = float(np.nanstd(boot_ref))
                sem = max(abs(a - a2) / math.sqrt(2.0), within)
                sdc = z * math.sqrt(2.0) * sem
        human, unit = human_name(name)
        for label in names[1:]:
            diff = None
            if values[label] is not None and values[reference] is not None:
                diff = values[label] - values[reference]  # type: ignore[operator]
            low = high = None
            b_ref, b_other = boots[reference], boots[label]
            if b_ref is not None and b_other is not None:
                d = b_other - b_ref
                d = d[np.isfinite(d)]
                if d.size:
                    low, high = (float(q) for q in np.percentile(d, [2.5, 97.5]))
            exceeds = None
            if sdc is not None and diff is not None and low is not None and high is not None:
                exceeds = bool((low > 0 or high < 0) and abs(diff) > sdc)
            out.append(
                Difference(
                    name,
                    human,
                    unit,
                    values,
                    f"{label} − {reference}",
                    diff,
                    low,
                    high,
                    units[0][name][1],
                    sdc,
                    exceeds,
                )
            )
    single_names = [n for n in singles[0] if all(n in s for s in singles[1:]) and n not in units[0]]
    for name in single_names:
        values = {lab: s[name] for lab, s in zip(names, singles, strict=True)}
        human, unit = human_name(name)
        for label in names[1:]:
            a, b = values[reference], values[label]
            diff = b - a if a is not None and b is not None else None
            out.append(Difference(name, human, unit, values, f"{label} − {reference}", diff))
    conditions = tuple(
        {
            "label": lab,
            "file": str(s.path),
            "activity": a.activity,
            "steady_steps": a.summary["gait"].get("steps_steady"),
            "duration_s": a.duration_s,
        }
        for lab, s, a in zip(names, sessions, analyses, strict=True)
    )
    return Comparison(
        conditions,
        reference,
        None if repeat is None else Path(repeat.path).stem,
        tuple(out),
        tuple(notes),
        tuple(analyses),
        tuple(sessions),
    )
