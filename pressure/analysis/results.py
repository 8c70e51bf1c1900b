"""What ``analyze`` returns, section by section, as frozen dataclasses.

Each section (``Gait``, ``Distribution``, ``Pronation``, ``Balance``, ``Quality``, and the
``Indicator`` records) has typed attributes and a ``to_dict()`` giving the JSON keys of
``Analysis.summary`` (``pressure analyze --json``): the attribute names are the JSON keys,
in the same order. Values are Python numbers, ``None`` where a value cannot be had (never NaN).
Per-foot values are ``PerSide`` (``.left``, ``.right``; ``None`` for a missing foot). Units are
in the names (``_s``, ``_pct``, ``_mm``, ``_n``); ``_pct`` is percent (0-100).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Generic, TypeVar

import numpy as np

T = TypeVar("T")
SIDES = ("left", "right")


def clean(value: Any) -> Any:
    """JSON-ready: numpy scalars to Python, NaN and infinities to None, tuples to lists."""
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return v if math.isfinite(v) else None
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def number(value: Any) -> float | None:
    """A finite float, or None (NaN, infinities and None)."""
    if value is None:
        return None
    v = float(value)
    return v if math.isfinite(v) else None


@dataclass(frozen=True)
class PerSide(Generic[T]):
    """One value per foot; ``None`` where the foot is missing or the value cannot be had."""

    left: T | None = None
    right: T | None = None

    @classmethod
    def of(cls, values: Mapping[str, Any], convert: Callable[[Any], Any] = clean) -> PerSide[Any]:
        """From ``{"left": ..., "right": ...}`` (either may be missing), each value through
        ``convert`` (default: ``clean``, so NaN becomes None)."""
        got = {side: values.get(side) for side in SIDES}
        return cls(*(None if v is None else convert(v) for v in got.values()))

    def __getitem__(self, side: str) -> T | None:
        if side not in SIDES:
            raise KeyError(side)
        value: T | None = getattr(self, side)
        return value

    def to_dict(self) -> dict[str, Any]:
        return clean(asdict(self))


@dataclass(frozen=True)
class _Section:
    """A section whose field names and order are its JSON keys."""

    def to_dict(self) -> dict[str, Any]:
        return clean(asdict(self))


@dataclass(frozen=True)
class EventDetection(_Section):
    """The event detector's parameters the gait was found with (``events.EventOptions``).
    ``rule`` per foot: ``levels`` (a load with a physical zero: heel strike and toe off at
    ``heel_strike_level`` and ``toe_off_level``) or ``steep rise`` (a load without a known
    zero: the foot of the rise steeper than ``raw_rise_per_s``, toe off at
    ``raw_toe_off_level``)."""

    threshold_fraction: float
    hysteresis_fraction: float
    min_stance_s: float
    min_swing_s: float
    heel_strike_level: float
    toe_off_level: float
    raw_rise_per_s: float
    raw_toe_off_level: float
    rule: PerSide[str]


@dataclass(frozen=True)
class Gait(_Section):
    """``summary["gait"]``. ``activity``: "walking", "running", "roll_off" (a foot rolling
    over a plate: one contact, no gait cycle), "standing" or "none" (no load at all).
    ``steps``: complete steps per foot (the step table's rows but those labelled
    ``standing``); ``steps_used``: those used for the stride statistics (the step table's
    ``used``, ``steps.step_columns``). Times and percentages are means over the used strides
    (``_sd_s``: standard deviation, ``_cv_pct``: coefficient of variation);
    ``gait_asymmetry_pct``: 100 · |ln(short swing / long swing)|."""

    activity: str
    steps: PerSide[int]
    steps_used: PerSide[int]
    steps_steady: PerSide[int]
    steps_by_label: dict[str, PerSide[int]]
    exclude_turns: bool
    cadence_steps_per_min: float | None
    stride_time_s: PerSide[float]
    stride_time_sd_s: PerSide[float]
    stride_time_cv_pct: PerSide[float]
    stance_time_s: PerSide[float]
    swing_time_s: PerSide[float]
    swing_time_cv_pct: PerSide[float]
    stance_pct: PerSide[float]
    swing_pct: PerSide[float]
    double_support_s: PerSide[float]
    contact_time_s: PerSide[float]
    flight_time_s: float | None
    gait_asymmetry_pct: float | None
    event_detection: EventDetection


@dataclass(frozen=True)
class Distribution(_Section):
    """``summary["distribution"]``: load between and within the feet. ``load_unit``: the
    unit of both feet's loads (``model.UNITS``; None when they differ). ``left_share_pct`` and
    ``symmetry_index_pct`` (+: right carries more) need a physical unit. Forefoot and medial
    shares are of the force-time integral over the complete stances; ``cop_ml_pct`` the
    load-weighted mean medio-lateral CoP in % of the foot width (+: medial). Walking: mean
    stance and peak loads are means over the steps; standing: over the loaded frames."""

    load_unit: str | None
    left_share_pct: float | None
    symmetry_index_pct: float | None
    mean_stance_force_n: PerSide[float]
    mean_stance_load: PerSide[float]
    peak_force_n: PerSide[float]
    forefoot_share_pct: PerSide[float]
    medial_share_pct: PerSide[float]
    cop_ml_pct: PerSide[float]
    body_mass_kg: float | None
    mean_stance_force_bw: PerSide[float]


@dataclass(frozen=True)
class Pronation(_Section):
    """``summary["pronation"]``: per-step means (of the used steps when there are any) of the
    step table's pronation/supination indicators; standing: the medial-lateral index from the
    medial share."""

    cpei_pct: PerSide[float]
    cpei_footprint: PerSide[str]
    medial_lateral_index: PerSide[float]
    gait_line_length_mm: PerSide[float]
    gait_line_width_mm: PerSide[float]
    gait_line_ap_pct_fl: PerSide[float]
    gait_line_excursion_pct_fl: PerSide[float]
    gait_line_width_pct_fw: PerSide[float]
    #: Cavanagh & Rodgers' arch index of the foot's footprint over the session (plates and
    #: in-shoe grids of ``footprint.ARCH_INDEX_MIN_SENSORS`` or more sensors; else None)
    arch_index: PerSide[float] = field(default_factory=PerSide)


@dataclass(frozen=True)
class Sway(_Section):
    """Sway measures of one CoP path (``balance.sway``, definitions there), mm and seconds."""

    duration_s: float | None
    low_pass_hz: float | None
    mean_distance_mm: float | None
    rms_distance_mm: float | None
    rms_ap_mm: float | None
    rms_ml_mm: float | None
    path_length_mm: float | None
    mean_velocity_mm_s: float | None
    mean_velocity_ap_mm_s: float | None
    mean_velocity_ml_mm_s: float | None
    range_ap_mm: float | None
    range_ml_mm: float | None
    ellipse_area_mm2: float | None
    mean_frequency_hz: float | None

    @classmethod
    def of(cls, measures: Mapping[str, Any] | None) -> Sway | None:
        """From ``balance.sway``'s dict (None stays None)."""
        if measures is None:
            return None
        return cls(**{k: number(v) for k, v in measures.items()})


@dataclass(frozen=True)
class Balance:
    """``summary["balance"]`` (standing only). ``per_foot``: sway of each foot's CoP whose
    layout is in mm; ``combined``: of both feet's combined CoP, which needs
    ``standing_separation_mm``. ``left_share_sd_pct``: SD over time of the left share of the
    load; ``share_sd_known`` says whether it was judged (both feet in one physical unit): the
    JSON has the key only then."""

    per_foot: dict[str, Sway | None]
    standing_separation_mm: float | None
    combined: Sway | None
    left_share_sd_pct: float | None = None
    share_sd_known: bool = False

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "per_foot": {
                side: None if sway is None else sway.to_dict()
                for side, sway in self.per_foot.items()
            },
            "standing_separation_mm": self.standing_separation_mm,
            "combined": None if self.combined is None else self.combined.to_dict(),
        }
        if self.share_sd_known:
            out["left_share_sd_pct"] = self.left_share_sd_pct
        return clean(out)


@dataclass(frozen=True)
class Quality(_Section):
    """``summary["quality"]``. ``frames_lost``: the reader's count, else gaps in the time
    stamps; ``invalid_frames``: frames with a missing (non-finite) sensor value; ``frames``:
    per foot present; saturated and dead sensors as 1-based sensor numbers; ``reader``: the
    reader's own counts (``Session.quality``)."""

    frames_lost: int
    invalid_frames: int
    frames: dict[str, int]
    saturated_sensors: PerSide[tuple[int, ...]]
    dead_sensors: PerSide[tuple[int, ...]]
    reader: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Indicator(_Section):
    """One indicator against its published reference (``indicators.REFERENCES``):
    ``comparison`` "below", "within", "above" the reference range, or None."""

    name: str
    value: float | None
    unit: str
    reference_low: float | None
    reference_high: float | None
    reference: str
    source: str
    comparison: str | None
