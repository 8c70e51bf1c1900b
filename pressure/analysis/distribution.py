"""How the load is shared: between the feet, and within each foot (METHODS §3, §5.4).

* ``left_share_pct`` = 100 · ∫F_L dt / (∫F_L dt + ∫F_R dt) over the time both feet were
  recorded (walking: over the whole walk, so the longer-loaded foot counts more, as it should).
* ``symmetry_index_pct`` (Robinson et al. 1987; METHODS §3.1) = 100 · (R − L) / (0.5 (R + L))
  of the same two integrals: 0 is symmetric, + means the right foot carries more.
* Within a foot, over its stance frames (walking) or all loaded frames (standing): the
  forefoot share 100 · FTI_forefoot / (FTI_forefoot + FTI_rearfoot) and the medial share
  100 · FTI_medial / (FTI_medial + FTI_lateral) from the layout's regions (sensors in neither
  region, such as gaitpdb's centre-line sensors, are left out; METHODS §5.3); the load-weighted
  mean medio-lateral CoP in % of foot width (+ medial).
* Regional variables per region and foot (METHODS §5.4) over the same frames: peak pressure
  (kPa, the highest sensor), maximum force, contact area (mm², the largest area of sensors
  above ``MIN_PRESSURE_KPA`` at once), pressure-time integral (Novel's: Σ max pressure · Δt,
  kPa·s), force-time integral (N·s) and relative load (% of the foot's FTI over all regions of
  the same scheme).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ..model import FootRecording

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

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
    v = np.nan_to_num(values)
    if mask is not None:
        v = np.where(mask, v, 0.0)
    return float(np.sum(v * dt))


def left_share(
    left: tuple[FloatArray, FloatArray], right: tuple[FloatArray, FloatArray]
) -> tuple[float | None, float | None]:
    """(left share %, symmetry index %) of two (time_s, load) pairs over their common time."""
    (tl, fl), (tr, fr) = left, right
    if tl.size < 2 or tr.size < 2:
        return None, None
    start, stop = max(tl[0], tr[0]), min(tl[-1], tr[-1])
    if stop <= start:
        return None, None
    a = integral(tl, np.maximum(fl, 0.0), (tl >= start) & (tl <= stop))
    b = integral(tr, np.maximum(fr, 0.0), (tr >= start) & (tr <= stop))
    if not a + b > 0:
        return None, None
    return 100.0 * a / (a + b), 100.0 * (b - a) / (0.5 * (a + b))


def region_loads(foot: FootRecording, weights: FloatArray) -> dict[str, FloatArray]:
    """Per-frame load of each region of the foot's layout (same unit as ``weights``)."""
    if foot.layout is None:
        return {}
    w = np.where(np.isfinite(weights), np.maximum(weights, 0.0), 0.0)
    return {name: w[:, mask].sum(axis=1) for name, mask in foot.layout.regions.items()}


def shares(
    time_s: FloatArray, loads: dict[str, FloatArray], frames: BoolArray
) -> dict[str, float | None]:
    """Forefoot and medial shares (%) over ``frames`` (module docstring)."""
    out: dict[str, float | None] = {"forefoot_share_pct": None, "medial_share_pct": None}
    for key, (a, b) in (
        ("forefoot_share_pct", ("forefoot", "rearfoot")),
        ("medial_share_pct", ("medial", "lateral")),
    ):
        if a in loads and b in loads:
            ia = integral(time_s, loads[a], frames)
            ib = integral(time_s, loads[b], frames)
            if ia + ib > 0:
                out[key] = 100.0 * ia / (ia + ib)
    return out


def regional(foot: FootRecording, frames: BoolArray) -> list[dict[str, object]]:
    """Regional variables (module docstring) of one foot over ``frames``; pressures only
    when the values are pressures, forces only when they can be had in N."""
    layout = foot.layout
    if layout is None or not frames.any():
        return []
    t = foot.time_s
    dt = np.gradient(t) if t.size > 1 else np.ones(1)
    values = np.nan_to_num(foot.values[frames])
    pressure_kpa = None
    if foot.unit == "kpa":
        pressure_kpa = values
    elif foot.unit == "n_cm2":
        pressure_kpa = values * 10.0
    force = foot.sensor_force_n()
    force = None if force is None else np.maximum(np.nan_to_num(force[frames]), 0.0)
    dts = dt[frames]
    rows: list[dict[str, object]] = []
    ftis: dict[str, float] = {}
    for name, mask in layout.regions.items():
        if not mask.any():
            continue
        row: dict[str, object] = {"side": foot.side, "region": name, "sensors": int(mask.sum())}
        if pressure_kpa is not None:
            p = pressure_kpa[:, mask]
            peak_each = p.max(axis=1)
            row["peak_pressure_kpa"] = float(peak_each.max())
            row["pressure_time_integral_kpa_s"] = float(np.sum(peak_each * dts))
            active = p > MIN_PRESSURE_KPA
            row["contact_area_mm2"] = float((active * layout.area_mm2[mask]).sum(axis=1).max())
        if force is not None:
            f = force[:, mask].sum(axis=1)
            row["max_force_n"] = float(f.max())
            row["force_time_integral_n_s"] = ftis[name] = float(np.sum(f * dts))
        rows.append(row)
    for scheme in SCHEMES.values():
        total = sum(ftis.get(r, 0.0) for r in scheme)
        for row in rows:
            if row["region"] in scheme and total > 0:
                row["relative_load_pct"] = 100.0 * ftis.get(str(row["region"]), 0.0) / total
    return rows
