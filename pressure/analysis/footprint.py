"""CPEI from the loaded footprint, and a plate's roll-off analysed as one contact.

Centre of Pressure Excursion Index (METHODS §2.1; Song et al. 1996, J Am Podiatr Med Assoc
86:16, doi:10.7547/87507315-86-1-16), per stance, in the foot frame of ``pressure.layout``
(mm, +y anterior, +x medial on both feet):

1. **Footprint** of the stance (``step_footprint``), named in ``Footprint.kind``:

   * ``"loaded_sensels"``: a dense grid or a plate (more than ``DISCRETE_MAX_SENSORS``
     sensors): the sensels whose highest value over the stance's frames exceeds
     ``LOADED_FRACTION`` (1 %) of the stance's highest sensel (as ``pressure.masks``),
     each sensel a square of its own area around its centre;
   * ``"insole_outline"``: a discrete insole (up to ``DISCRETE_MAX_SENSORS`` sensors: pedar,
     Moticon, an 8-FSR insole): a few sensors say little about where the foot ends, so the
     insole's outline (the template is foot-sized) stands for the footprint, as METHODS §2.1
     allows for an insole value ("CPEI-like").

   Foot length FL = the footprint's extent along +y (heel end to toe end).
2. **Distal-third line**: y = heel end + ``DISTAL_THIRD`` (2/3) FL (Song 1996's border of the
   distal third; pressuRe's ``cpei()`` takes 0.667 of its bounding box's length, METHODS §2.1).
3. **Forefoot width**: the width of the footprint's convex hull along that line (pressuRe
   measures from the medial border line, a hull edge, to the lateral hull).
4. **Construction line**: from the stance's first to its last CoP (Song 1996; pressuRe takes
   the longest edge of the CoP's hull, which approximates this chord).
5. ``CPEI = 100 · (x_chord − x_path) / forefoot width`` at the line, ``x_path`` where the
   CoP path first reaches it: + when the path runs lateral of the chord (the usual sign:
   larger is more supinated).

**Plates** (``steps.plate_contact_steps``): a foot rolling over a plate has no swing to detect steps
by; its whole contact (every frame in which the foot carries load) is analysed as one stance
when it is a roll-off (``is_roll_off``: the CoP travels from the rear to the front of the foot,
more than ``ROLL_OFF_AP_FRACTION`` of its length), which is also what pressuRe's ``cpei()`` uses
for a plate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..cop import FootCop
from ..io.source import FrameValues
from ..layout import SensorLayout, convex_hull

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: Border of the distal third, fraction of foot length from the heel (Song 1996; METHODS §2.1).
DISTAL_THIRD = 2.0 / 3.0
#: Insoles with up to this many sensors are discrete: their outline is the footprint (the one
#: limit that tells an insole's sensors from a dense grid's sensels; ``analyze`` uses it too).
DISCRETE_MAX_SENSORS = 128
#: A sensel is loaded in a stance above this fraction of the stance's highest sensel (the
#: footprint threshold of the automatic regions, ``pressure.masks.FOOTPRINT_FRACTION``).
LOADED_FRACTION = 0.01
#: A plate contact is a roll-off when its CoP travels at least this fraction of foot length
#: along the foot (standing sways by a few per cent; a roll-off goes heel to toe, 60-80 %).
ROLL_OFF_AP_FRACTION = 0.4

KIND_SENSELS = "loaded_sensels"
KIND_OUTLINE = "insole_outline"


@dataclass(frozen=True)
class Footprint:
    """The footprint of one stance in the foot frame (mm): ``kind`` (module docstring),
    ``heel_y_mm`` and ``toe_y_mm`` its ends along +y, ``hull_mm`` its convex hull as a closed
    polygon (N, 2) of (x, y) rows."""

    kind: str
    heel_y_mm: float
    toe_y_mm: float
    hull_mm: FloatArray

    @property
    def length_mm(self) -> float:
        return self.toe_y_mm - self.heel_y_mm

    @property
    def distal_third_y_mm(self) -> float:
        """y of the distal-third line (module docstring, step 2)."""
        return self.heel_y_mm + DISTAL_THIRD * self.length_mm

    def width_at(self, y_mm: float) -> float:
        """Width (mm, along x) of the hull along the line y = ``y_mm``; NaN off the hull."""
        ring = self.hull_mm
        x0, y0, x1, y1 = ring[:-1, 0], ring[:-1, 1], ring[1:, 0], ring[1:, 1]
        crosses = ((y0 - y_mm) * (y1 - y_mm) <= 0) & (y0 != y1)
        if not crosses.any():
            return float("nan")
        xs = x0[crosses] + (y_mm - y0[crosses]) * (x1 - x0)[crosses] / (y1 - y0)[crosses]
        return float(xs.max() - xs.min())


def step_footprint(layout: SensorLayout, values: FloatArray | None) -> Footprint | None:
    """The footprint (module docstring, step 1) of a stance whose sensor values are
    ``values`` (frames, sensors; any unit, NaN for missing), or None when no sensel was loaded.
    ``values`` None, or a discrete insole: the layout's outline."""
    if values is None or layout.n_sensors <= DISCRETE_MAX_SENSORS:
        ring = np.asarray(layout.outline_mm, dtype=np.float64)
        return Footprint(KIND_OUTLINE, float(ring[:, 1].min()), float(ring[:, 1].max()), ring)
    if values.shape[0] == 0:
        return None
    with np.errstate(invalid="ignore"):
        peak = np.fmax.reduce(values, axis=0)  # NaN only where a sensel is always NaN
    finite = np.isfinite(peak)
    top = float(peak[finite].max()) if finite.any() else 0.0
    loaded = finite & (np.where(finite, peak, 0.0) > LOADED_FRACTION * top)
    if not top > 0 or loaded.sum() < 3:
        return None
    x, y = layout.x_mm[loaded], layout.y_mm[loaded]
    half = np.sqrt(layout.area_mm2[loaded]) / 2
    corners = np.concatenate(
        [np.column_stack([x + sx * half, y + sy * half]) for sx in (-1, 1) for sy in (-1, 1)]
    )
    hull = convex_hull(np.unique(corners, axis=0))
    return Footprint(KIND_SENSELS, float((y - half).min()), float((y + half).max()), hull)


def cpei_pct(x_mm: FloatArray, y_mm: FloatArray, fp: Footprint) -> float:
    """CPEI (%) of one stance's CoP path ``x_mm``, ``y_mm`` (foot frame, NaN when unloaded)
    on footprint ``fp`` (module docstring), or NaN when the path never reaches the distal-third
    line, or does not run forward."""
    line = fp.distal_third_y_mm
    return _cpei_on_line(x_mm, y_mm, line, fp.width_at(line))


def _cpei_on_line(x_mm: FloatArray, y_mm: FloatArray, line: float, width: float) -> float:
    """``cpei_pct`` with the distal-third line at y = ``line`` and the forefoot ``width``."""
    ok = np.isfinite(x_mm) & np.isfinite(y_mm)
    if ok.sum() < 2:
        return float("nan")
    x, y = x_mm[ok], y_mm[ok]
    if not width > 0 or not y[-1] > y[0]:
        return float("nan")
    reach = np.flatnonzero(y >= line)
    if reach.size == 0 or reach[0] == 0:
        return float("nan")
    k = int(reach[0])
    x_path = x[k - 1] + (line - y[k - 1]) * (x[k] - x[k - 1]) / (y[k] - y[k - 1])
    x_chord = x[0] + (line - y[0]) * (x[-1] - x[0]) / (y[-1] - y[0])
    return float(100.0 * (x_chord - x_path) / width)


def steps_cpei(
    x_mm: FloatArray,
    y_mm: FloatArray,
    a: IntArray,
    b: IntArray,
    layout: SensorLayout | None,
    values: FloatArray | FrameValues | None,
) -> tuple[FloatArray, list[str]]:
    """Per stance [a, b) of the CoP path: (CPEI %, the footprint's kind, "" without one).
    ``values``: the foot's sensor values (frames, sensors), to find each stance's loaded
    sensels. Strings only (no None), so that the column has one type in every table."""
    cpei = np.full(a.size, np.nan)
    kinds = [""] * a.size
    if layout is None:
        return cpei, kinds
    if values is None or layout.n_sensors <= DISCRETE_MAX_SENSORS:
        # one footprint for every stance: its line and width once
        outline = step_footprint(layout, None)
        assert outline is not None
        line = outline.distal_third_y_mm
        width = outline.width_at(line)
        for i, (start, stop) in enumerate(zip(a.tolist(), b.tolist(), strict=True)):
            kinds[i] = outline.kind
            cpei[i] = _cpei_on_line(x_mm[start:stop], y_mm[start:stop], line, width)
        return cpei, kinds
    for i, (start, stop) in enumerate(zip(a.tolist(), b.tolist(), strict=True)):
        fp = step_footprint(layout, values[start:stop])
        if fp is None:
            continue
        kinds[i] = fp.kind
        cpei[i] = cpei_pct(x_mm[start:stop], y_mm[start:stop], fp)
    return cpei, kinds


def contact_frames(load: FloatArray) -> BoolArray:
    """Frames in which the foot carries load (finite and > 0)."""
    return np.isfinite(load) & (np.where(np.isfinite(load), load, 0.0) > 0)


def is_roll_off(cop: FootCop | None, contact: BoolArray) -> bool:
    """Whether a plate contact is a foot rolling over the plate (module docstring)."""
    if cop is None or not contact.any():
        return False
    y = cop.y_mm[contact]
    y = y[np.isfinite(y)]
    if y.size < 3:
        return False
    return bool(np.ptp(y) >= ROLL_OFF_AP_FRACTION * cop.foot_length_mm)


__all__ = [
    "DISCRETE_MAX_SENSORS",
    "DISTAL_THIRD",
    "LOADED_FRACTION",
    "ROLL_OFF_AP_FRACTION",
    "Footprint",
    "contact_frames",
    "cpei_pct",
    "is_roll_off",
    "step_footprint",
    "steps_cpei",
]


#: sensors a foot's layout needs for an arch index: a grid fine enough to resolve the midfoot's
#: width (a plate or an in-shoe grid that covers the whole foot, not a 16-sensor insole)
ARCH_INDEX_MIN_SENSORS = 50
#: Cavanagh & Rodgers 1987 (J Biomech 20:547-551): a normal arch index lies between these;
#: at or below the first the arch is high, at or above the second flat (their footprints:
#: barefoot, standing)
ARCH_INDEX_NORMAL = (0.21, 0.26)


def arch_index(layout: SensorLayout, peak: FloatArray) -> float | None:
    """The arch index of a footprint (Cavanagh & Rodgers 1987): the footprint without the toes
    is divided along the foot's long axis into thirds of equal length; the index is the area of
    the middle third over the area of all three.

    The footprint is the sensors ``peak`` loaded (``masks.footprint``: above 1 % of the largest
    peak), in the foot frame (+y anterior); the toes are those of ``masks.anatomical_regions``
    (the footprint's separate islands in its front 30 %, else beyond 85 % of its length). Each
    sensel counts with the share of its extent along the axis that lies in each third (its
    centre ± half the square root of its area). None for a layout of fewer than
    ``ARCH_INDEX_MIN_SENSORS`` sensors or not in mm, or a footprint of fewer than ten sensels.
    """
    from ..masks import anatomical_regions, footprint

    if layout.n_sensors < ARCH_INDEX_MIN_SENSORS or layout.coordinate_unit != "mm":
        return None
    fp = footprint(layout, peak)
    regions = anatomical_regions(layout, peak)
    toes = np.zeros(layout.n_sensors, dtype=np.bool_)
    for name, mask in regions.items():
        if name.split(".")[-1] in ("hallux", "lesser_toes", "toes"):
            toes |= mask
    keep = fp & ~toes
    if keep.sum() < 10:
        return None
    y = np.asarray(layout.y_mm, dtype=np.float64)[keep]
    area = np.asarray(layout.area_mm2, dtype=np.float64)[keep]
    half = np.sqrt(area) / 2.0
    low, high = y - half, y + half
    start, end = float(low.min()), float(high.max())
    third = (end - start) / 3.0
    a, b = start + third, start + 2 * third
    inside = np.clip(np.minimum(high, b) - np.maximum(low, a), 0.0, None) / (high - low)
    total = float(area.sum())
    return float((area * inside).sum() / total) if total > 0 else None
