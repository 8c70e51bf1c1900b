"""How the load is shared: between the feet, and within each foot (METHODS §3, §5.4).

* ``left_share_pct`` = 100 · ∫F_L dt / (∫F_L dt + ∫F_R dt) over the time both feet were
  recorded (walking: over the whole walk, so the longer-loaded foot counts more, as it should);
  a dropout of either foot is left out for both.
* ``symmetry_index_pct`` (Robinson et al. 1987; METHODS §3.1) = 100 · (R − L) / (0.5 (R + L))
  of the same two integrals: 0 is symmetric, + means the right foot carries more.
* Within a foot, over its stance frames (walking) or all loaded frames (standing): the
  forefoot share 100 · FTI_forefoot / (FTI_forefoot + FTI_rearfoot) and the medial share
  100 · FTI_medial / (FTI_medial + FTI_lateral) from the layout's medial and lateral loads
  (``SensorLayout.side_weights``: either side of the centre line, a sensor the line crosses
  split between them; sensors in neither region, such as gaitpdb's centre-line sensors, are
  left out; METHODS §5.3); the load-weighted mean medio-lateral CoP in % of foot width
  (+ medial). Signs and neutral values of these and the pronation indicators: see
  ``pressure.analysis.steps``.
* Regional variables per region and foot (METHODS §5.4) over the same frames: peak pressure
  (kPa, the highest sensor), peak mean pressure (kPa, the highest over frames of the region's
  force over its contact area, ``max_t Σ P_i A_i / Σ_{P_i > p_min} A_i``), mean pressure (kPa,
  the same ratio averaged over the frames in which the region has contact, weighted by Δt),
  maximum force, contact area (mm², the largest area of sensors above ``MIN_PRESSURE_KPA`` at
  once), pressure-time integral (Novel's: Σ max pressure · Δt, kPa·s), force-time integral
  (N·s) and relative load (% of the foot's FTI over all regions of the same scheme). Schemes:
  the standard ones of ``SCHEMES``, and every layout region named ``<scheme>.<region>`` (a
  vendor mask such as ``mask3.hallux``, the automatic ``auto.mth1``) belongs to the scheme
  before the dot.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from ..io.source import FootSource
from ..layout import SensorLayout
from ..model import FootRecording

if TYPE_CHECKING:
    import pandas as pd

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

CHUNK_FRAMES = 8192
#: the pressure units, and their factor to kPa (regional pressures are given in kPa)
PRESSURE_TO_KPA = {"kpa": 1.0, "n_cm2": 10.0}
MIN_PRESSURE_KPA = 10.0  # sensel activation threshold (pressuRe's pedar default, METHODS §5.4)
#: Region schemes whose regions partition a foot, for relative load.
SCHEMES = {
    "length": ("heel", "midfoot", "metatarsals", "toes"),
    "halves": ("rearfoot", "forefoot"),
    "sides": ("medial", "lateral"),
}


def integral(time_s: FloatArray, values: FloatArray, mask: BoolArray | None = None) -> float:
    """Σ values · Δt (rectangle rule on the sampling intervals), over ``mask`` if given."""
    if time_s.size == 0:
        return 0.0
    dt = np.gradient(time_s) if time_s.size > 1 else np.ones(1)
    v = np.where(np.isfinite(values), values, 0.0)
    if mask is not None:
        v = np.where(mask, v, 0.0)
    return float(np.sum(v * dt))


def covered(time_s: FloatArray, at: FloatArray, max_gap_s: float) -> BoolArray:
    """Whether each time in ``at`` lies between two samples of ``time_s`` at most
    ``max_gap_s`` apart (or on a sample)."""
    k = np.searchsorted(time_s, at)
    inside = (k > 0) & (k < time_s.size)
    ok = np.zeros(at.size, dtype=np.bool_)
    kk = k[inside]
    ok[inside] = (time_s[kk] - time_s[kk - 1]) <= max_gap_s
    exact = k < time_s.size
    ok[exact] |= time_s[k[exact]] == at[exact]
    return ok


def left_share(
    left: tuple[FloatArray, FloatArray],
    right: tuple[FloatArray, FloatArray],
    sampling_rate_hz: float,
) -> tuple[float | None, float | None]:
    """(left share %, symmetry index %) of two (time_s, load) pairs: both loads on the left
    foot's time base, over the times where both feet have samples (a dropout of either foot,
    a gap over 1.5 sampling intervals, counts for neither)."""
    (tl, fl), (tr, fr) = left, right
    if tl.size < 2 or tr.size < 2:
        return None, None
    # the left foot's own dropouts: its samples either side of a gap stand for themselves only
    integrals = share_integrals(
        tl, tr, tl, np.gradient(tl), fl, np.interp(tl, tr, fr), sampling_rate_hz
    )
    return share_of(*integrals)


def share_integrals(
    t_left: FloatArray,
    t_right: FloatArray,
    at: FloatArray,
    dt: FloatArray,
    left: FloatArray,
    right_here: FloatArray,
    sampling_rate_hz: float,
) -> tuple[float, float]:
    """``left_share``'s two load-time integrals over the left foot's frames at times ``at``
    (a part of ``t_left``, their sampling intervals ``dt``): the left load there, and the
    right foot's interpolated to them (``right_here``), where both feet have samples."""
    max_gap = 1.5 / sampling_rate_hz
    valid = covered(t_left, at, max_gap) & covered(t_right, at, max_gap)
    d = np.minimum(dt, 1.0 / sampling_rate_hz)
    ok = valid & np.isfinite(left) & np.isfinite(right_here)
    a = float(np.sum(np.maximum(left[ok], 0.0) * d[ok]))
    b = float(np.sum(np.maximum(right_here[ok], 0.0) * d[ok]))
    return a, b


def share_of(left: float, right: float) -> tuple[float | None, float | None]:
    """(left share %, symmetry index %) of the two feet's load-time integrals."""
    if not left + right > 0:
        return None, None
    return 100.0 * left / (left + right), 100.0 * (right - left) / (0.5 * (left + right))


def window_loads(cop: pd.DataFrame, edges: FloatArray) -> FloatArray:
    """Per window between consecutive ``edges`` (s): each foot's force-time integral (of the
    per-frame load of ``Analysis.cop``, trapezoids between frames; unloaded frames count as 0),
    as rows (left, right); NaN for a foot with under two frames."""
    load_column = next((c for c in cop.columns if c.startswith("load_")), None)
    out = np.full((max(len(edges) - 1, 0), 2), np.nan)
    if load_column is None or len(edges) < 2:
        return out
    for k, side in enumerate(("left", "right")):
        mine = cop[cop["side"] == side]
        t = mine["time_s"].to_numpy(dtype=np.float64)
        load = np.nan_to_num(mine[load_column].to_numpy(dtype=np.float64), nan=0.0)
        if t.size < 2:
            continue
        # the integral up to each frame, then its value at the edges
        area = np.concatenate([[0.0], np.cumsum(0.5 * (load[1:] + load[:-1]) * np.diff(t))])
        out[:, k] = np.diff(np.interp(edges, t, area))
    return out


def region_loads(foot: FootRecording, weights: FloatArray) -> dict[str, FloatArray]:
    """Per-frame load of each region of the foot's layout, from ``cop.sensor_weights``;
    ``medial`` and ``lateral`` split the sensors the centre line crosses
    (``SensorLayout.side_weights``)."""
    if foot.layout is None:
        return {}
    names = list(foot.layout.regions)
    masks = np.column_stack([foot.layout.regions[n] for n in names]).astype(np.float64)
    for name, share in zip(("medial", "lateral"), foot.layout.side_weights, strict=True):
        masks[:, names.index(name)] = share
    per_region = weights @ masks  # one pass over the weights for every region
    return {name: np.ascontiguousarray(per_region[:, r]) for r, name in enumerate(names)}


def shares(
    time_s: FloatArray, loads: dict[str, FloatArray], frames: BoolArray
) -> dict[str, float | None]:
    """Forefoot and medial shares (%) over ``frames`` (module docstring)."""
    return shares_of({name: integral(time_s, v, frames) for name, v in loads.items()})


def shares_of(integrals: dict[str, float]) -> dict[str, float | None]:
    """Forefoot and medial shares (%) from the regions' load-time integrals (``shares``)."""
    out: dict[str, float | None] = {"forefoot_share_pct": None, "medial_share_pct": None}
    for key, (a, b) in (
        ("forefoot_share_pct", ("forefoot", "rearfoot")),
        ("medial_share_pct", ("medial", "lateral")),
    ):
        if a in integrals and b in integrals:
            ia, ib = integrals[a], integrals[b]
            if ia + ib > 0:
                out[key] = 100.0 * ia / (ia + ib)
    return out


def regional(
    foot: FootRecording | FootSource,
    frames: BoolArray,
    force_known: bool,
    loads: dict[str, FloatArray],
) -> list[dict[str, object]]:
    """Regional variables (module docstring) of one foot over ``frames``; pressures only
    when the values are pressures, forces only when they are in N (``force_known``); ``loads``
    are the foot's ``region_loads``. ``RegionalSums`` a chunk of frames at a time."""
    if foot.layout is None:
        return []
    sums = RegionalSums(foot.side, foot.layout, foot.unit, force_known)
    t = foot.time_s
    dt = np.gradient(t) if t.size > 1 else np.ones(t.size)
    for start in range(0, foot.n_frames, CHUNK_FRAMES):
        stop = min(start + CHUNK_FRAMES, foot.n_frames)
        sums.add(
            foot.values[start:stop],
            dt[start:stop],
            frames[start:stop],
            {name: v[start:stop] for name, v in loads.items()},
        )
    return sums.rows()


def _dot(a: FloatArray, b: FloatArray) -> float:
    """Σ a·b by numpy, not BLAS: a threaded BLAS dot of a few thousand numbers waits for its
    threads, which on a busy machine took 8 ms instead of 10 µs."""
    return float(np.sum(a * b))


class RegionalSums:
    """``regional``'s maxima and sums, kept as chunks of frames pass (``add``), and its
    rows at the end (``rows``)."""

    def __init__(self, side: str, layout: SensorLayout, unit: str, force_known: bool) -> None:
        self.side, self.layout, self.force_known = side, layout, force_known
        self.names = [name for name, mask in layout.regions.items() if mask.any()]
        self.scale = PRESSURE_TO_KPA.get(unit)
        zero = dict.fromkeys(self.names, 0.0)
        self.peak, self.pti, self.area = dict(zero), dict(zero), dict(zero)
        self.peak_mean, self.mean_sum, self.mean_time = dict(zero), dict(zero), dict(zero)
        self.max_force, self.fti = dict(zero), dict(zero)
        self.seen = False
        self._index = {name: np.flatnonzero(layout.regions[name]) for name in self.names}
        self._areas = np.column_stack([layout.regions[n] * layout.area_mm2 for n in self.names])

    def add(
        self,
        values: FloatArray,
        dt: FloatArray,
        frames: BoolArray,
        loads: dict[str, FloatArray],
    ) -> None:
        """Frames of the foot: their sensor values, their sampling intervals (s, the foot's
        ``np.gradient(time_s)``), which of them count, and their ``region_loads``."""
        if not frames.any():
            return
        self.seen = True
        d = dt[frames]
        if self.force_known:
            dts = np.where(frames, dt, 0.0)
            for name in self.names:
                f = loads[name]
                self.max_force[name] = max(
                    self.max_force[name], float(np.max(f, where=frames, initial=0.0))
                )
                self.fti[name] += _dot(f, dts)
        if self.scale is None:
            return
        p = values[frames]
        p = np.where(np.isfinite(p), p, 0.0)
        if self.scale != 1.0:
            p *= self.scale
        active = p > MIN_PRESSURE_KPA
        contact = active.astype(np.float64) @ self._areas  # float: BLAS
        pressed = np.where(active, p, 0.0) @ self._areas  # Σ P A over active sensors (kPa·mm²)
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.where(contact > 0, pressed / contact, 0.0)
        for r, name in enumerate(self.names):
            each = p[:, self._index[name]].max(axis=1)
            self.peak[name] = max(self.peak[name], float(each.max()))
            self.pti[name] += _dot(each, d)
            self.area[name] = max(self.area[name], float(contact[:, r].max()))
            self.peak_mean[name] = max(self.peak_mean[name], float(ratio[:, r].max()))
            touching = contact[:, r] > 0
            self.mean_sum[name] += _dot(ratio[touching, r], d[touching])
            self.mean_time[name] += float(d[touching].sum())

    def rows(self) -> list[dict[str, object]]:
        """One row per region (``regional``); none when no frame counted."""
        if not self.seen:
            return []
        layout, names, scale = self.layout, self.names, self.scale
        peak, pti, area, peak_mean = self.peak, self.pti, self.area, self.peak_mean
        mean_sum, mean_time = self.mean_sum, self.mean_time
        rows: list[dict[str, object]] = []
        ftis: dict[str, float] = {}
        for name in names:
            row: dict[str, object] = {
                "side": self.side,
                "region": name,
                "sensors": int(layout.regions[name].sum()),
            }
            if scale is not None:
                row["peak_pressure_kpa"] = peak[name]
                row["peak_mean_pressure_kpa"] = peak_mean[name]
                row["mean_pressure_kpa"] = (
                    mean_sum[name] / mean_time[name] if mean_time[name] > 0 else 0.0
                )
                row["pressure_time_integral_kpa_s"] = pti[name]
                row["contact_area_mm2"] = area[name]
            if self.force_known:
                row["max_force_n"] = self.max_force[name]
                row["force_time_integral_n_s"] = ftis[name] = self.fti[name]
            rows.append(row)
        schemes = [list(regions) for regions in SCHEMES.values()]
        dotted: dict[str, list[str]] = {}
        for name in names:
            if "." in name:
                dotted.setdefault(name.split(".", 1)[0], []).append(name)
        for scheme in [*schemes, *dotted.values()]:
            total = sum(ftis.get(r, 0.0) for r in scheme)
            for row in rows:
                if row["region"] in scheme and total > 0:
                    row["relative_load_pct"] = 100.0 * ftis.get(str(row["region"]), 0.0) / total
        return rows
