"""A low-back-pain assessment protocol: the trials a clinician records, checked, and the numbers
the articles this project grew from look at, each with its source and what it can and cannot
say. Never a diagnosis.

The sequence (``LBP_TRIALS``):

1. **Quiet standing, eyes open, 30-60 s**, feet hip-width apart, weight on both feet. Reported:
   the weight-bearing asymmetry ``100 · |L − R| / (L + R)`` % of body weight (L + R is the body
   weight in quiet standing) of the whole trial's loads, and over time: in each
   ``ASYMMETRY_WINDOW_S`` window, its mean, SD and largest value (shifting weight from foot to
   foot raises these above the whole trial's); and the sway of the centre of pressure. Childs
   et al. (2003, Man Ther 8:166) measured this asymmetry as the mean of three trials: people
   with low back pain averaged 8.8 % of body weight, controls 3.6 %; these are group means, not
   a cut-off for a person.
2. **Quiet standing, eyes closed, 30-60 s** (optional): the sway with and without vision, and
   their ratio (the Romberg quotient, eyes closed over eyes open).
3. **Walking**, at least 30 steady steps a foot (Melvin et al. 2014, Gait Posture 40:682; in
   unfamiliar footwear after about 166 steps a foot to get used to it): left share, symmetry
   index, cadence and the CPEI with the cohort values the analysis cites.
4. **Footprint and arch index** (optional): a barefoot step over a pressure plate; the arch
   index of its footprint (``footprint.arch_index``) beside Cavanagh & Rodgers' normal range
   (1987, J Biomech 20:547: 0.21-0.26).

Fields the clinician types (pain 0-10, Oswestry disability index %, hours the insole was worn)
are shown beside the numbers, not used in them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..model import Session
from .analyze import Analysis, AnalysisOptions, analyze
from .distribution import window_loads
from .footprint import ARCH_INDEX_NORMAL
from .results import clean

#: the width of each window of the weight-bearing asymmetry, s
ASYMMETRY_WINDOW_S = 1.0
#: a standing trial's recommended length, s
STANDING_S = (30.0, 60.0)
#: steady steps a foot a walk needs (Melvin et al. 2014)
MIN_STEADY_STEPS = 30
#: Childs et al. 2003: mean side-to-side weight-bearing asymmetry, % of body weight
CHILDS_2003 = {"low back pain": 8.8, "controls": 3.6}
CHILDS_SOURCE = "Childs, Piva, Erhard & Hicks 2003, Man Ther 8:166-169"
LBP_TRIALS = (
    ("standing, eyes open", "quiet standing 30-60 s, eyes open"),
    ("standing, eyes closed", "quiet standing 30-60 s, eyes closed (optional)"),
    ("walking", f"level walking, at least {MIN_STEADY_STEPS} steady steps a foot"),
    ("footprint", "a barefoot step over a pressure plate, for the arch index (optional)"),
)


@dataclass(frozen=True)
class Check:
    """One step of the protocol: what was given and whether it is as the protocol asks."""

    trial: str
    asked: str
    given: str | None  # the file, or None
    status: str  # "as asked", "short", "not given", "not an X trial", "not computed"
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "trial": self.trial,
            "asked": self.asked,
            "given": self.given,
            "status": self.status,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class LbpAssessment:
    """What ``lbp_assessment`` found (module docstring)."""

    checks: tuple[Check, ...]
    standing: dict[str, Any] | None
    eyes_closed: dict[str, Any] | None
    romberg: dict[str, Any] | None
    walking: dict[str, Any] | None
    footprint: dict[str, Any] | None
    clinician: dict[str, Any]
    note: str
    red_flags_intro: str
    red_flags: tuple[str, ...]
    analyses: dict[str, Analysis] = field(default_factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return clean(
            {
                "protocol": "low back pain",
                "checks": [c.to_dict() for c in self.checks],
                "standing": self.standing,
                "eyes_closed": self.eyes_closed,
                "romberg": self.romberg,
                "walking": self.walking,
                "footprint": self.footprint,
                "clinician": self.clinician,
                "note": self.note,
                "red_flags_intro": self.red_flags_intro,
                "red_flags": list(self.red_flags),
            }
        )


def asymmetry_over_time(analysis: Analysis) -> tuple[np.ndarray, np.ndarray]:
    """(window start s, weight-bearing asymmetry % of body weight) per ``ASYMMETRY_WINDOW_S``
    window of a standing session (module docstring)."""
    t = analysis.cop["time_s"].to_numpy(dtype=np.float64)
    if t.size < 2:
        return np.zeros(0), np.zeros(0)
    edges = np.arange(float(t.min()), float(t.max()) + 1e-9, ASYMMETRY_WINDOW_S)
    loads = window_loads(analysis.cop, edges)
    total = loads.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        asym = 100.0 * np.abs(loads[:, 0] - loads[:, 1]) / total
    ok = np.isfinite(asym) & (total > 0)
    return edges[:-1][ok], asym[ok]


def _standing(analysis: Analysis) -> dict[str, Any]:
    _, asym = asymmetry_over_time(analysis)
    combined = (analysis.summary.get("balance") or {}).get("combined") or {}
    share = analysis.distribution.left_share_pct
    return {
        "duration_s": analysis.duration_s,
        "left_share_pct": share,
        "weight_bearing_asymmetry_pct_bw": {
            # the trial's mean loads, as Childs et al. read theirs: |L − R| of the whole trial
            "trial": abs(2.0 * share - 100.0) if share is not None else None,
            # and over time: each window's |L − R|, which weight shifting raises
            "mean": float(np.mean(asym)) if asym.size else None,
            "sd": float(np.std(asym, ddof=1)) if asym.size > 1 else None,
            "max": float(np.max(asym)) if asym.size else None,
            "window_s": ASYMMETRY_WINDOW_S,
            "group_means_childs_2003": dict(CHILDS_2003),
            "source": CHILDS_SOURCE,
            "what_it_says": (
                "group means of people with and without low back pain, each the mean of three "
                "trials; not a cut-off: a person's value says how evenly they stood in this "
                "trial, not whether they have or will have back pain"
            ),
        },
        "sway_mean_velocity_mm_s": combined.get("mean_velocity_mm_s"),
        "sway_ellipse_area_mm2": combined.get("ellipse_area_mm2"),
    }


def _walking(analysis: Analysis) -> dict[str, Any]:
    gait, dist = analysis.gait, analysis.distribution
    cpei = {
        i["name"].partition(".")[2]: i
        for i in analysis.summary["indicators"]
        if str(i["name"]).startswith("cpei_pct")
    }
    return {
        "steady_steps": gait.steps_steady.to_dict(),
        "cadence_steps_per_min": gait.cadence_steps_per_min,
        "left_share_pct": dist.left_share_pct,
        "symmetry_index_pct": dist.symmetry_index_pct,
        "cpei_pct": {side: i["value"] for side, i in cpei.items()},
        "cpei_reference": next(iter(cpei.values()))["reference"] if cpei else None,
        "cpei_source": next(iter(cpei.values()))["source"] if cpei else None,
    }


def _standing_check(trial: str, asked: str, session: Session | None, a: Analysis | None) -> Check:
    if session is None or a is None:
        return Check(trial, asked, None, "not given")
    given = str(session.path)
    if a.activity != "standing":
        return Check(
            trial, asked, given, "not a standing trial", f"the analysis found {a.activity}"
        )
    low, high = STANDING_S
    if a.duration_s < low:
        return Check(
            trial, asked, given, "short", f"{a.duration_s:.0f} s, under the {low:.0f} s asked"
        )
    detail = f"{a.duration_s:.0f} s" + (
        f" (over {high:.0f} s: fine)" if a.duration_s > high else ""
    )
    return Check(trial, asked, given, "as asked", detail)


def lbp_assessment(
    standing: Session,
    *,
    eyes_closed: Session | None = None,
    walk: Session | None = None,
    footprint: Session | None = None,
    clinician: Mapping[str, Any] | None = None,
    options: AnalysisOptions | None = None,
) -> LbpAssessment:
    """Check and report the low-back-pain protocol's trials (module docstring).

    Parameters
    ----------
    standing : Session
        Quiet standing, eyes open (30-60 s).
    eyes_closed : Session, optional
        Quiet standing, eyes closed.
    walk : Session, optional
        Level walking.
    footprint : Session, optional
        A barefoot step over a pressure plate (its arch index).
    clinician : mapping, optional
        What the clinician typed: ``pain_0_10``, ``oswestry_pct``, ``hours_worn`` (shown, not
        used).
    options : AnalysisOptions, optional
        For every trial's analysis.
    """
    analyses: dict[str, Analysis] = {"standing": analyze(standing, options)}
    if eyes_closed is not None:
        analyses["eyes_closed"] = analyze(eyes_closed, options)
    if walk is not None:
        analyses["walking"] = analyze(walk, options)
    if footprint is not None:
        analyses["footprint"] = analyze(footprint, options)
    (eo_name, eo_asked), (ec_name, ec_asked), (w_name, w_asked), (f_name, f_asked) = LBP_TRIALS
    checks = [
        _standing_check(eo_name, eo_asked, standing, analyses["standing"]),
        _standing_check(ec_name, ec_asked, eyes_closed, analyses.get("eyes_closed")),
    ]
    walking = analyses.get("walking")
    if walk is None or walking is None:
        checks.append(Check(w_name, w_asked, None, "not given"))
    elif walking.activity not in ("walking", "running"):
        checks.append(
            Check(w_name, w_asked, str(walk.path), "not a walk", f"found {walking.activity}")
        )
    else:
        fewest = min((walking.gait.steps_steady[s] or 0) for s in ("left", "right"))
        status = "as asked" if fewest >= MIN_STEADY_STEPS else "short"
        checks.append(
            Check(
                w_name, w_asked, str(walk.path), status, f"{fewest} steady steps on the fewer foot"
            )
        )
    plate = analyses.get("footprint")
    footprint_out = None
    if footprint is None or plate is None:
        checks.append(Check(f_name, f_asked, None, "not given"))
    else:
        index = plate.pronation.arch_index.to_dict()
        found = {side: v for side, v in index.items() if v is not None}
        if plate.activity != "roll_off" or not found:
            why = (
                "no footprint fine enough for an arch index"
                if not found
                else f"not a step over a plate (the analysis found {plate.activity})"
            )
            checks.append(Check(f_name, f_asked, str(footprint.path), "not a plate step", why))
        else:
            checks.append(Check(f_name, f_asked, str(footprint.path), "as asked", ""))
            low, high = ARCH_INDEX_NORMAL
            footprint_out = {
                "arch_index": found,
                "normal_range": [low, high],
                "source": "Cavanagh & Rodgers 1987, J Biomech 20:547-551",
                "what_it_says": (
                    "the share of the footprint (toes left out) in its middle third: larger "
                    "with a lower arch; the range is that of barefoot footprints, a description "
                    "of the foot's print, not of pain or its cause"
                ),
            }
    standing_out = (
        _standing(analyses["standing"]) if analyses["standing"].activity == "standing" else None
    )
    closed = analyses.get("eyes_closed")
    closed_out = _standing(closed) if closed is not None and closed.activity == "standing" else None
    romberg = None
    if standing_out and closed_out:
        romberg = {}
        for key in ("sway_mean_velocity_mm_s", "sway_ellipse_area_mm2"):
            a, b = standing_out.get(key), closed_out.get(key)
            romberg[key] = b / a if a and b is not None and math.isfinite(a) and a > 0 else None
    summary = analyses["standing"].summary
    return LbpAssessment(
        tuple(checks),
        standing_out,
        closed_out,
        romberg,
        _walking(walking) if walking is not None and walking.activity == "walking" else None,
        footprint_out,
        dict(clinician or {}),
        str(summary["note"]),
        str(summary["red_flags_intro"]),
        tuple(summary["red_flags"]),
        analyses,
    )
