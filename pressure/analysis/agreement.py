"""Agreement of detected gait events with a reference: another system's events, or a
database's stride table. Used by the validation (``benchmarks/validate.py``, the reference
tests) and useful to anyone checking this tool against their own reference system.

Times are seconds on one clock (the recording's). A reference event is *located* when one of
ours lies within ``match_s`` (100 ms: less than half of the shortest stance); a located event
agrees when it is within the tolerance.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    import pandas as pd

    from ..model import Session

FloatArray = npt.NDArray[np.float64]

MATCH_S = 0.100


def nearest_errors(ours_s: FloatArray, reference_s: FloatArray) -> FloatArray:
    """Per reference event, our nearest event minus it (s); NaN when we have none."""
    ours = np.sort(np.asarray(ours_s, dtype=np.float64))
    ref = np.asarray(reference_s, dtype=np.float64)
    if ours.size == 0:
        return np.full(ref.size, np.nan)
    j = np.clip(np.searchsorted(ours, ref), 1, max(1, ours.size - 1))
    before = ours[np.maximum(j - 1, 0)]
    after = ours[np.minimum(j, ours.size - 1)]
    pick = np.where(np.abs(after - ref) < np.abs(before - ref), after, before)
    result: FloatArray = pick - ref
    return result


@dataclass(frozen=True)
class EventAgreement:
    """Reference events, how many we located (within ``MATCH_S``), how many agree within
    ``tolerance_s``, and our events that match no reference event (``extra``, counted only
    inside the reference's time span)."""

    events: int
    located: int
    within: int
    extra: int
    tolerance_s: float
    errors_s: FloatArray

    @property
    def within_pct(self) -> float:
        return 100.0 * self.within / self.events if self.events else float("nan")


def event_agreement(
    ours_s: FloatArray, reference_s: FloatArray, tolerance_s: float = 0.020
) -> EventAgreement:
    """How our events agree with the reference's (module docstring)."""
    ref = np.asarray(reference_s, dtype=np.float64)
    ours = np.asarray(ours_s, dtype=np.float64)
    errors = nearest_errors(ours, ref)
    located = np.abs(errors) <= MATCH_S
    extra = 0
    if ref.size and ours.size:
        span = (ours >= ref.min() - MATCH_S) & (ours <= ref.max() + MATCH_S)
        back = np.abs(nearest_errors(ref, ours[span]))
        extra = int(np.sum(~(back <= MATCH_S)))
    return EventAgreement(
        events=int(ref.size),
        located=int(located.sum()),
        within=int(np.sum(np.abs(errors) <= tolerance_s + 1e-9)),
        extra=extra,
        tolerance_s=tolerance_s,
        errors_s=errors,
    )


@dataclass(frozen=True)
class StrideAgreement:
    """Agreement with a stride table (one row per stride of one foot).

    ``strides``: rows in the table; ``missed``: rows whose closing heel strike we did not
    locate; ``extra``: our heel strikes inside the table's span that match none of its heel
    strikes; ``strides_within``: rows whose stride (our closing heel strike minus our
    previous one) is within ``stride_tolerance_s`` of the table's; ``stances_within``: rows
    whose stance (our first toe off after our opening heel strike, minus it) is within
    ``stance_tolerance_s``. ``stance_bias_s``: the median of our stance minus theirs.
    """

    strides: int
    missed: int
    extra: int
    strides_within: int
    stances_within: int
    stride_tolerance_s: float
    stance_tolerance_s: float
    stance_bias_s: float

    @property
    def stride_pct(self) -> float:
        return 100.0 * self.strides_within / self.strides if self.strides else float("nan")

    @property
    def stance_pct(self) -> float:
        return 100.0 * self.stances_within / self.strides if self.strides else float("nan")


def stride_agreement(
    heel_strike_s: FloatArray,
    toe_off_s: FloatArray,
    reference_heel_strike_s: FloatArray,
    reference_stride_s: FloatArray,
    reference_stance_s: FloatArray,
    *,
    stride_tolerance_s: float = 0.020,
    stance_tolerance_s: float = 0.050,
) -> StrideAgreement:
    """How our events of one foot agree with a stride table (see ``StrideAgreement``).

    ``reference_heel_strike_s`` is the heel strike that *closes* each stride (PhysioNet
    gaitndd's ``.ts`` column 1); the stride opened ``reference_stride_s`` before it, and its
    stance lasted ``reference_stance_s`` from that opening heel strike.
    """
    hs = np.sort(np.asarray(heel_strike_s, dtype=np.float64))
    to = np.sort(np.asarray(toe_off_s, dtype=np.float64))
    ref_hs = np.asarray(reference_heel_strike_s, dtype=np.float64)
    ref_stride = np.asarray(reference_stride_s, dtype=np.float64)
    ref_stance = np.asarray(reference_stance_s, dtype=np.float64)
    n = int(ref_hs.size)
    if hs.size < 2 or n == 0:
        return StrideAgreement(
            n, n, int(hs.size), 0, 0, stride_tolerance_s, stance_tolerance_s, float("nan")
        )
    j = np.clip(np.searchsorted(hs, ref_hs), 1, hs.size - 1)
    j = np.where(np.abs(hs[j - 1] - ref_hs) < np.abs(hs[j] - ref_hs), j - 1, j)
    located = (np.abs(hs[j] - ref_hs) <= MATCH_S) & (j > 0)
    opening = hs[np.maximum(j - 1, 0)]
    stride_ok = located & (np.abs((hs[j] - opening) - ref_stride) <= stride_tolerance_s + 1e-9)
    k = np.searchsorted(to, opening, side="right")
    has_to = located & (k < to.size)
    stance_err = np.full(n, np.nan)
    stance_err[has_to] = to[k[has_to]] - opening[has_to] - ref_stance[has_to]
    stance_ok = np.abs(stance_err) <= stance_tolerance_s + 1e-9
    all_ref = np.concatenate([ref_hs, ref_hs - ref_stride])
    span = (hs >= all_ref.min() - MATCH_S) & (hs <= all_ref.max() + MATCH_S)
    extra = int(np.sum(~(np.abs(nearest_errors(all_ref, hs[span])) <= MATCH_S)))
    finite = stance_err[np.isfinite(stance_err)]
    return StrideAgreement(
        strides=n,
        missed=int(np.sum(~located)),
        extra=extra,
        strides_within=int(stride_ok.sum()),
        stances_within=int(stance_ok.sum()),
        stride_tolerance_s=stride_tolerance_s,
        stance_tolerance_s=stance_tolerance_s,
        stance_bias_s=float(np.median(finite)) if finite.size else float("nan"),
    )


def reference_stride_agreement(session: Session, steps: pd.DataFrame) -> StrideAgreement:
    """The left foot's steps (a ``steps`` table of ``analyze``) against the stride table a
    reader put in ``session.metadata["reference_strides"]`` (PhysioNet gaitndd's ``.ts``:
    its first column is the time of the left heel strike that closes each left stride)."""
    table = np.asarray(session.metadata["reference_strides"], dtype=np.float64)
    columns = list(session.metadata["reference_stride_columns"])
    mine = steps[steps["side"] == "left"]
    return stride_agreement(
        mine["heel_strike_s"].to_numpy(dtype=np.float64),
        mine["toe_off_s"].to_numpy(dtype=np.float64),
        table[:, 0],
        table[:, columns.index("left_stride_s")],
        table[:, columns.index("left_stance_s")],
    )
