"""Indicators with their reference ranges and sources, the non-diagnostic note and the red flags.

An indicator is a measured value beside a published range. The tool says whether the value lies
below, within or above that range *of that study*, never what it means for the person
(``../shared/METHODS.md`` §7, implementation rule). Where no validated range exists the
indicator says so instead of inventing one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Reference:
    """A published range: ``low``/``high`` (either may be None), what it is, and its source."""

    low: float | None
    high: float | None
    description: str
    source: str


FRENKEL_TOLEDO_2005 = (
    "Frenkel-Toledo et al. 2005, J NeuroEng Rehabil 2:23, doi:10.1186/1743-0003-2-23, Table 2: "
    "30 healthy older adults, force-sensitive insoles, level walking at comfortable speed"
)

REFERENCES: dict[str, Reference] = {
    "cadence_steps_per_min": Reference(
        100.0,
        120.0,
        "typical adult walking cadence (a common textbook range; healthy controls in Pistacchi "
        "et al. walked at 113.8 ± 4.3 steps/min)",
        "Pistacchi et al. 2017, Funct Neurol 32:28 (PMC5505527)",
    ),
    "stride_time_s": Reference(
        0.90,
        1.26,
        "mean ± 2 SD of healthy older adults (1.08 ± 0.09 s)",
        FRENKEL_TOLEDO_2005,
    ),
    "swing_pct": Reference(
        31.33,
        39.21,
        "mean ± 2 SD of healthy older adults (35.27 ± 1.97 % of the stride; insoles measure a "
        "shorter swing than optical systems)",
        FRENKEL_TOLEDO_2005,
    ),
    "stride_time_cv_pct": Reference(
        None,
        2.66,
        "up to mean + 2 SD of healthy older adults (1.94 ± 0.36 %)",
        FRENKEL_TOLEDO_2005,
    ),
    "symmetry_index_pct": Reference(
        -10.0,
        10.0,
        "|SI| < 10 %, the conventional band for 'symmetric' ground-reaction variables; the "
        "cut-off is acknowledged to be arbitrary, and no validated clinical cut-off for load "
        "imbalance exists",
        "Herzog et al. 1989, Med Sci Sports Exerc 21:110; Sadeghi et al. 2000, Gait Posture 12:34",
    ),
    "left_share_pct": Reference(
        47.5,
        52.5,
        "the share that gives |SI| < 10 % (see symmetry index); people asked to stand evenly "
        "miss 50 % by 3.3 % of body weight on average (Bohannon 1989)",
        "Herzog et al. 1989 (SI convention); Bohannon 1989, Percept Mot Skills 69:875",
    ),
    # The barefoot-standing shares often quoted from Cavanagh et al. (heel ~60 %, forefoot
    # ~28 %) could not be checked against the paper or its abstract, so none is quoted: the
    # study is named only as the barefoot, platform measurement it is.
    "rearfoot_share_standing_pct": Reference(
        None,
        None,
        "no published range for a foot standing in a shoe: the classic distribution of standing "
        "load under the foot was measured barefoot on a platform. Compare with the person's own "
        "earlier recordings in the same shoes",
        "Cavanagh, Rodgers & Iiboshi 1987, Foot Ankle 7:262-276 (barefoot standing, platform)",
    ),
    "cpei_pct": Reference(
        None,
        None,
        "no insole reference: CPEI was defined on barefoot plate footprints (cadets: planus "
        "21.6, rectus 22.8, cavus 23.9 %, mean); an insole CPEI-like value is not comparable. "
        "A typical gait line bows laterally of its heel-to-toe chord, so a neutral foot gives a "
        "positive value, not 0; smaller is the pronation direction, larger the supination",
        "Song et al. 1996, JAPMA 86:16; West Point cohort (PMC7393860, Table 4)",
    ),
    "arch_index": Reference(
        0.21,
        0.26,
        "the footprint's middle third over the whole footprint without the toes; a barefoot "
        "footprint's normal range (at or below 0.21 a high arch, at or above 0.26 a flat one, "
        "from 107 subjects' footprints); from a plate's footprint of a walking step here, not "
        "from standing as in the study",
        "Cavanagh & Rodgers 1987, J Biomech 20:547-551",
    ),
    "arch_index_insole": Reference(
        None,
        None,
        "the same index from an in-shoe grid's contact (what touched the insole, not the "
        "ground): no published range for it; compare with the person's own earlier recordings",
        "Cavanagh & Rodgers 1987, J Biomech 20:547-551 (defined on barefoot footprints)",
    ),
    "medial_lateral_index": Reference(
        None,
        None,
        "no validated normative cut-off: compare with the person's own earlier recordings. "
        "+ is medial (pronation direction); a foot whose mean centre of pressure is on the "
        "insole's centre line is near 0, not exactly 0",
        "RSscan footscan manual ('foot balance'); Buldt et al. 2018, J Foot Ankle Res 11:3",
    ),
    "gait_asymmetry_pct": Reference(
        None,
        None,
        "no normative values were found; the measure is 100·|ln(short swing / long swing)|",
        "Plotnik et al. 2005, Ann Neurol 57:656",
    ),
    "sway": Reference(
        None,
        None,
        "insole sway depends on the device and footwear; compare with the same device only",
        "Prieto et al. 1996, IEEE TBME 43:956; Schubert & Kirchner 2014, Gait Posture 39:518",
    ),
}


@dataclass(frozen=True)
class Wording:
    """How an indicator is written for people (the terminal, reports): ``label`` its name,
    ``fmt`` the format of its value (one format per quantity, wherever it is printed), and
    ``sign`` what a positive value means, for the indicators whose sign carries a direction."""

    label: str
    fmt: str
    sign: str | None = None


#: the human name and number format of each indicator, by its ``REFERENCES`` key
WORDING: dict[str, Wording] = {
    "cadence_steps_per_min": Wording("Cadence", ".1f"),
    "stride_time_s": Wording("Stride time", ".3f"),
    "swing_pct": Wording("Swing phase (% of the stride)", ".1f"),
    "stride_time_cv_pct": Wording("Stride-time variability (CV)", ".2f"),
    "gait_asymmetry_pct": Wording("Swing-time asymmetry", ".2f"),
    "left_share_pct": Wording("Left/right load", ".1f"),
    "symmetry_index_pct": Wording("Symmetry index", "+.1f", "+: right carries more"),
    "medial_lateral_index": Wording("Medial-lateral index", "+.2f", "+: medial"),
    "cpei_pct": Wording("CPEI-like index", ".1f", "+: lateral of the heel-to-toe chord"),
    "arch_index": Wording("Arch index", ".3f"),
    "arch_index_insole": Wording("Arch index (in-shoe contact)", ".3f"),
    "rearfoot_share_standing_pct": Wording("Rearfoot share of the load, standing", ".1f"),
    "sway": Wording("Sway", ".1f"),
}


def wording(name: str) -> tuple[Wording, str | None]:
    """An indicator's ``Wording`` and its foot: ``"stride_time_s.left"`` gives the stride
    time's wording and ``"left"``; a whole-body indicator's foot is None."""
    key, _, side = name.partition(".")
    return WORDING[key], side or None


def label(name: str) -> str:
    """An indicator's human name: ``"stride_time_s.left"`` is "Stride time, left foot"."""
    words, side = wording(name)
    return words.label if side is None else f"{words.label}, {side} foot"


#: Indicators whose references describe walking: a running session gets ``NO_RUNNING_REFERENCE``.
WALKING_ONLY = ("cadence_steps_per_min", "stride_time_s", "swing_pct", "stride_time_cv_pct")
NO_RUNNING_REFERENCE = Reference(
    None,
    None,
    "no reference for running: the published ranges here describe walking",
    "the walking references: Pistacchi et al. 2017; Frenkel-Toledo et al. 2005",
)

NOTE = (
    "These are measurement indicators of plantar pressure (centre-of-pressure path, load "
    "symmetry, medial/lateral and forefoot/rearfoot load shares, gait timing). They are not a "
    "diagnosis, and they have not been shown to detect or predict back pain or any other "
    "condition. Systematic reviews found insufficient evidence that insoles prevent or treat "
    "low back pain (Sahar et al., Cochrane Database Syst Rev 2007/2009, "
    "doi:10.1002/14651858.CD005275.pub2; Chuter et al., BMC Musculoskelet Disord 2014;15:140). "
    "Each reference range comes from one study's population and device and may not apply to "
    "this person or this insole."
)

#: the note in a line or two, for the end of a summary that points to ``NOTE`` elsewhere
NOTE_SHORT = (
    "These are measurements, not a diagnosis: they have not been shown to detect or predict back "
    "pain or any other condition, and each reference range is one study's, for its people and "
    "device."
)

RED_FLAGS = (
    "Back pain after a fall, an accident or other injury (or after a minor one at older age or "
    "with osteoporosis)",
    "New back pain before age 20 or after age 50",
    "A history of cancer, or fever, chills or weight loss without a reason",
    "A raised risk of infection (recent bacterial infection, injecting drugs, a weakened "
    "immune system)",
    "Pain that is worse lying down, or severe at night",
    "Numbness around the groin, buttocks or inner thighs (saddle area), or new problems "
    "passing or holding urine",
    "Weakness in the legs that is severe or getting worse, such as a dropping foot",
)
RED_FLAGS_INTRO = (
    "See a doctor promptly, whatever these numbers say, if back pain comes with any of the "
    "following (AHCPR clinical practice guideline, Acute Low Back Problems in Adults, Table 1, "
    "https://www.ncbi.nlm.nih.gov/books/NBK52120/):"
)


def indicator(
    name: str,
    value: float | None,
    unit: str,
    *,
    key: str | None = None,
    activity: str = "walking",
) -> dict[str, Any]:
    """``value`` against the reference ``key`` (default ``name``): a JSON-ready record with
    ``comparison`` "below", "within", "above" (the study's range) or None. In a ``running``
    session the walking references (``WALKING_ONLY``) give way to ``NO_RUNNING_REFERENCE``."""
    ref = REFERENCES[key or name]
    if activity == "running" and (key or name) in WALKING_ONLY:
        ref = NO_RUNNING_REFERENCE
    comparison = None
    if value is not None and (ref.low is not None or ref.high is not None):
        if ref.low is not None and value < ref.low:
            comparison = "below"
        elif ref.high is not None and value > ref.high:
            comparison = "above"
        else:
            comparison = "within"
    return {
        "name": name,
        "value": value,
        "unit": unit,
        "reference_low": ref.low,
        "reference_high": ref.high,
        "reference": ref.description,
        "source": ref.source,
        "comparison": comparison,
    }
