"""Automatic anatomical regions ("masks") for sensor grids and insole outlines.

``anatomical_regions(layout, peak)`` divides a foot's sensors into the regions of the open
approximation of Novel's automask that pressuRe calls ``automask_novel`` (``METHODS.md`` §5.1),
computed in the foot frame of ``pressure.layout`` (+y anterior, +x medial on both feet). The
regions are named ``auto.<region>`` (one region scheme, ``auto``) and partition the sensors of
the footprint: every footprint sensor is in exactly one of them, every other sensor in none.

The footprint
    With ``peak`` (each sensor's peak pressure over the recording; platforms and grids), the
    footprint is the sensors whose finite peak exceeds ``threshold`` (default: 1 % of the
    largest peak, ``FOOTPRINT_FRACTION``; never less than 0): sensels that were never loaded
    above it are in no region. Foot length (FL) is the footprint's extent along +y, each sensor
    reaching ``sqrt(area) / 2`` before and behind its centre (exact for square sensels), so
    ``u = (y - heel end) / FL``. Without ``peak`` (insoles) the footprint is every sensor, the
    foot is the layout's outline and ``u`` is the layout's own ``y / foot_length_mm``.

Heel, midfoot, forefoot, toes (by the sensor centre's ``u``)
    heel ``u < 0.27``, midfoot ``0.27 <= u < 0.55``, forefoot ``u >= 0.55`` up to the toe
    line, toes beyond it. The toe line:

    * with ``peak``, from the footprint: the toes are the footprint's separate islands (sensels
      joined to no other footprint sensel, diagonals included, so parted by at least one row
      or column of unloaded sensels; neighbours are found up to 1.05 times the sensel diagonal,
      estimated from the nearest-neighbour pitch and the sensel area, so cells up to about 1.7
      times as long as wide) lying wholly at ``u >= 0.70`` (``TOE_ISLAND_MIN_U``) and
      holding at most a quarter of the footprint's sensors (``TOE_ISLAND_MAX_SHARE``). A toe
      that is joined to the forefoot in the print stays in the forefoot. When no such island
      exists (the toes touch the forefoot, or were never loaded), the line falls back to 85 %
      FL as for insoles;
    * without ``peak``, the insole toe line at 85 % FL (``INSOLE_TOE_LINE``; METHODS §5.1, the
      ``toes`` band of ``pressure.layout``), so the union of the toe regions equals the
      layout's standard ``toes`` region and ``auto.heel``/``auto.midfoot`` its ``heel`` and
      ``midfoot``.

Medial to lateral (metatarsal heads and toes)
    Two edge lines bound the foot: the medial one touches the medial side of the footprint (the
    outline for insoles) at the heel and at the forefoot, the lateral one the lateral side. They
    are the two edges of the convex hull of the heel-band points (``u <= 0.27``) and the
    forefoot-band points (``0.55 <= u`` up to the toe line) that join the two bands: the common
    tangents of the heel and the ball of the foot across the arch. For a footprint the points
    are the footprint sensors' centres; for an insole the outline's vertices (with the points
    where the outline crosses the band limits) and the sensor centres. With ``α`` the angle
    between the edge lines and ``O`` their intersection (behind the heel), each sensor gets the
    fraction ``t = θ / α`` of the angle at ``O`` from the medial edge line to the ray ``O →
    sensor`` (0 on the medial line, 1 on the lateral one). The metatarsal-head regions are split
    at ``t = 0.30, 0.47, 0.64, 0.81`` (``MTH_BOUNDARIES``: MTH1 ``t < 0.30``, MTH2 to 0.47, ...,
    MTH5 ``t >= 0.81``) and the toes at ``t = 0.33`` (``HALLUX_BOUNDARY``: hallux medial of it,
    lesser toes lateral). When the lines are parallel (within 1 mrad; e.g. a rectangular grid),
    or meet in front of the heel, ``t`` is the distance from the medial line over the sum of the
    distances from both lines (the limit of the angle fraction as the lines become parallel).
    Without a hull of both bands (too few points) the lines are taken parallel to +y through the
    most medial and most lateral footprint point.

Resolution (fine or coarse)
    The fine partition is ``REGIONS_FINE``: heel, midfoot, mth1..mth5, hallux, lesser_toes. If
    any of these would hold fewer than two sensors (``MIN_FINE_SENSORS``; a 12- or 16-sensor
    insole: one sensor cannot resolve a metatarsal head from its neighbours, and a region of
    one sensor is that sensor, not a region), the result is the coarse
    partition ``REGIONS_COARSE`` instead: heel, midfoot, forefoot (all the metatarsal heads)
    and toes, the toes split into ``auto.hallux`` and ``auto.lesser_toes`` (replacing
    ``auto.toes``) when both halves hold a sensor; a coarse region without a sensor is left
    out. An empty footprint gives no region at all.

Everything is relative (fractions of length and of angle), so a layout whose coordinates are
not in mm (``coordinate_unit != "mm"``, e.g. gaitpdb's arbitrary units) works the same, and a
layout and its mirror image (``grid_layout(first_col=...)`` of the mirrored matrix) get the same
regions on the same positions. A footprint left slightly rotated in the foot frame keeps its
toes (islands) and nearly all of its metatarsal split (angles are measured from edge lines that
turn with the foot); only the length bands, which are perpendicular to +y, move. Sensors are
assigned whole, by their centre (no partial sensors).

``with_anatomical_regions(layout, peak)`` returns the layout with these regions added to its
own (earlier ``auto.*`` regions are replaced).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from .layout import BoolArray, FloatArray, SensorLayout, convex_hull

#: Scheme prefix of the automatic regions.
SCHEME = "auto"
#: Region names of the fine partition, posterior to anterior, medial to lateral.
REGIONS_FINE: tuple[str, ...] = (
    "auto.heel",
    "auto.midfoot",
    "auto.mth1",
    "auto.mth2",
    "auto.mth3",
    "auto.mth4",
    "auto.mth5",
    "auto.hallux",
    "auto.lesser_toes",
)
#: Region names of the coarse partition (``auto.toes`` may be split into ``auto.hallux`` and
#: ``auto.lesser_toes``; empty regions are left out).
REGIONS_COARSE: tuple[str, ...] = ("auto.heel", "auto.midfoot", "auto.forefoot", "auto.toes")

#: Heel | midfoot and midfoot | forefoot boundaries as fractions of foot length (METHODS §5.1).
HEEL_END_U = 0.27
FOREFOOT_START_U = 0.55
#: The insole toe line (fraction of foot length), and the fallback for footprints.
INSOLE_TOE_LINE = 0.85
#: Metatarsal-head boundaries MT1|2, MT2|3, MT3|4, MT4|5 as fractions of the edge-line angle.
MTH_BOUNDARIES: tuple[float, ...] = (0.30, 0.47, 0.64, 0.81)
#: Hallux | lesser-toes boundary as a fraction of the edge-line angle.
HALLUX_BOUNDARY = 0.33
#: Default footprint threshold: this fraction of the largest peak.
FOOTPRINT_FRACTION = 0.01
#: The fine partition needs at least this many sensors in each of its regions.
MIN_FINE_SENSORS = 2
#: A toe island lies wholly in front of this fraction of foot length ...
TOE_ISLAND_MIN_U = 0.70
#: ... and holds at most this share of the footprint's sensors.
TOE_ISLAND_MAX_SHARE = 0.25

_PARALLEL_RAD = 1e-3  # edge lines closer to parallel than this: distance fractions
_EPS = 1e-9


def footprint(
    layout: SensorLayout, peak: FloatArray | None = None, *, threshold: float | None = None
) -> BoolArray:
    """The sensors of the footprint (module docstring): all of them without ``peak``, else
    those whose finite peak exceeds ``threshold`` (default ``FOOTPRINT_FRACTION`` of the
    largest peak; at least 0)."""
    n = layout.n_sensors
    if peak is None:
        return np.ones(n, dtype=np.bool_)
    values = np.asarray(peak, dtype=np.float64)
    if values.shape != (n,):
        raise ValueError(f"peak must have one value per sensor, shape ({n},), got {values.shape}")
    finite = np.isfinite(values)
    if threshold is None:
        top = float(values[finite].max()) if finite.any() else 0.0
        limit = FOOTPRINT_FRACTION * max(top, 0.0)
    else:
        if not (isinstance(threshold, (int, float)) and math.isfinite(threshold)):
            raise ValueError(f"threshold must be a finite number, got {threshold!r}")
        limit = max(float(threshold), 0.0)
    result: BoolArray = finite & (np.where(finite, values, 0.0) > limit)
    return result


def anatomical_regions(
    layout: SensorLayout, peak: FloatArray | None = None, *, threshold: float | None = None
) -> dict[str, BoolArray]:
    """The ``auto.*`` regions of ``layout`` (module docstring): boolean masks over its sensors
    that partition the footprint, fine (``REGIONS_FINE``) where every fine region gets at least
    ``MIN_FINE_SENSORS`` sensors, else coarse (``REGIONS_COARSE``, empty regions left out).

    ``peak`` (optional, one value per sensor: the peak pressure over the recording, in any
    unit) defines the footprint of a platform or grid; ``threshold`` (same unit) overrides the
    default footprint threshold of 1 % of the largest peak. Without ``peak`` every sensor is in
    the footprint (an insole) and the toe line is at 85 % of foot length."""
    fp = footprint(layout, peak, threshold=threshold)
    if not fp.any():
        return {}
    x = np.asarray(layout.x_mm, dtype=np.float64)
    y = np.asarray(layout.y_mm, dtype=np.float64)
    if peak is None:
        y0, length = 0.0, layout.foot_length_mm
        u = y / length
        toes = u >= INSOLE_TOE_LINE
    else:
        half = np.sqrt(layout.area_mm2) / 2
        y0 = float((y - half)[fp].min())
        length = float((y + half)[fp].max()) - y0
        u = (y - y0) / length
        toes = _toe_islands(x, y, layout.area_mm2, fp, u)
        if not toes.any():
            toes = fp & (u >= INSOLE_TOE_LINE)
    toes &= fp
    heel = fp & (u < HEEL_END_U)
    midfoot = fp & (u >= HEEL_END_U) & (u < FOREFOOT_START_U)
    forefoot = fp & (u >= FOREFOOT_START_U) & ~toes

    # the points the edge lines touch: heel band and forefoot band (toes left out)
    if peak is None:
        band = _band_points(layout.outline_mm, y0, length, INSOLE_TOE_LINE)
        sensors = np.column_stack([x, y])[heel | forefoot]
        points = np.vstack([band, sensors]) if band.size else sensors
    else:
        points = np.column_stack([x, y])[heel | forefoot]
    t = _medial_lateral_fraction(points, y0, length, x, y, fp)

    mth = np.searchsorted(np.asarray(MTH_BOUNDARIES), t, side="right")  # 0..4 for MTH1..5
    hallux = toes & (t < HALLUX_BOUNDARY)
    lesser = toes & ~hallux
    fine: dict[str, BoolArray] = {"auto.heel": heel, "auto.midfoot": midfoot}
    for k in range(len(MTH_BOUNDARIES) + 1):
        fine[f"auto.mth{k + 1}"] = forefoot & (mth == k)
    fine["auto.hallux"] = hallux
    fine["auto.lesser_toes"] = lesser
    if all(int(mask.sum()) >= MIN_FINE_SENSORS for mask in fine.values()):
        return fine
    coarse: dict[str, BoolArray] = {
        "auto.heel": heel,
        "auto.midfoot": midfoot,
        "auto.forefoot": forefoot,
    }
    if hallux.any() and lesser.any():
        coarse["auto.hallux"] = hallux
        coarse["auto.lesser_toes"] = lesser
    else:
        coarse["auto.toes"] = toes
    return {name: mask for name, mask in coarse.items() if mask.any()}


def with_anatomical_regions(
    layout: SensorLayout, peak: FloatArray | None = None, *, threshold: float | None = None
) -> SensorLayout:
    """``layout`` with ``anatomical_regions(layout, peak)`` added to its regions. Its other
    regions (vendor masks, standard bands) are kept; its earlier ``auto.*`` regions are
    dropped, so the ``auto`` scheme stays a partition."""
    own = {name: mask for name, mask in layout.regions.items() if not name.startswith(SCHEME + ".")}
    regions = anatomical_regions(layout, peak, threshold=threshold)
    return dataclasses.replace(layout, regions={**own, **regions})


# ---------------------------------------------------------------------------------------------


def _toe_islands(
    x: FloatArray, y: FloatArray, area: FloatArray, fp: BoolArray, u: FloatArray
) -> BoolArray:
    """Footprint sensors in islands that are toes (module docstring)."""
    # scipy.sparse costs 0.4 s to import: here, not with the module, which every reader
    # detection imports (``pressure view`` and ``info`` open a file without it)
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components
    from scipy.spatial import cKDTree

    toes = np.zeros(x.size, dtype=np.bool_)
    index = np.flatnonzero(fp)
    if index.size < 3:
        return toes
    xy = np.column_stack([x[index], y[index]])
    tree = cKDTree(xy)
    distance, _ = tree.query(xy, k=2)
    pitch = float(np.median(distance[:, 1]))  # the shorter sensel pitch
    if not pitch > 0:
        return toes
    # the longer pitch from the sensel area (cells that tile), at least the shorter one: two
    # sensels are neighbours up to the cell diagonal, so one missing row or column parts them
    # (for cells up to about 1.7 times as long as wide)
    other = max(float(np.median(area[index])) / pitch, pitch)
    link = 1.05 * math.hypot(pitch, other)
    pairs = tree.query_pairs(link, output_type="ndarray")
    m = index.size
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(m, m))
    count, labels = connected_components(graph, directed=False)
    if count < 2:
        return toes
    u_fp = u[index]
    low = np.full(count, np.inf)
    np.minimum.at(low, labels, u_fp)
    size = np.bincount(labels, minlength=count)
    is_toe = (low >= TOE_ISLAND_MIN_U) & (size <= TOE_ISLAND_MAX_SHARE * m)
    toes[index[is_toe[labels]]] = True
    return toes


def _band_points(outline: FloatArray, y0: float, length: float, toe_line: float) -> FloatArray:
    """Outline vertices in the heel band and the forefoot band, with the points where the
    outline crosses the bands' limits."""
    ring = np.asarray(outline, dtype=np.float64)
    levels = y0 + length * np.array([HEEL_END_U, FOREFOOT_START_U, toe_line])
    points = [ring]
    a, b = ring[:-1], ring[1:]
    for level in levels:
        dy = b[:, 1] - a[:, 1]
        crosses = (np.minimum(a[:, 1], b[:, 1]) < level) & (np.maximum(a[:, 1], b[:, 1]) > level)
        s = (level - a[crosses, 1]) / dy[crosses]
        points.append(a[crosses] + s[:, None] * (b[crosses] - a[crosses]))
    allpoints = np.vstack(points)
    u = (allpoints[:, 1] - y0) / length
    keep = (u <= HEEL_END_U + _EPS) | ((u >= FOREFOOT_START_U - _EPS) & (u <= toe_line + _EPS))
    kept: FloatArray = allpoints[keep]
    return kept


def _edge_lines(
    points: FloatArray, y0: float, length: float
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray] | None:
    """(heel point, forefoot point) of the medial and of the lateral edge line: the convex-hull
    edges of ``points`` that join the heel band to the forefoot band; None if there are not
    two such edges."""
    unique = np.unique(points, axis=0)
    if len(unique) < 3:
        return None
    centred = unique - unique.mean(axis=0)
    if np.linalg.matrix_rank(centred, tol=_EPS * max(1.0, float(np.abs(centred).max()))) < 2:
        return None  # all on one line: no hull
    hull = convex_hull(unique)
    u = (hull[:, 1] - y0) / length
    heel = u <= HEEL_END_U + _EPS
    fore = u >= FOREFOOT_START_U - _EPS
    bridges = []
    for i in range(len(hull) - 1):
        j = i + 1
        if heel[i] and fore[j]:
            bridges.append((hull[i], hull[j]))
        elif fore[i] and heel[j]:
            bridges.append((hull[j], hull[i]))
    if len(bridges) != 2:
        return None
    (h1, f1), (h2, f2) = bridges
    if (h1[0] + f1[0]) < (h2[0] + f2[0]):  # +x is medial
        (h1, f1), (h2, f2) = (h2, f2), (h1, f1)
    return h1, f1, h2, f2


def _cross(a: FloatArray, b: FloatArray) -> FloatArray:
    result: FloatArray = a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]
    return result


def _medial_lateral_fraction(
    points: FloatArray,
    y0: float,
    length: float,
    x: FloatArray,
    y: FloatArray,
    fp: BoolArray,
) -> FloatArray:
    """Each sensor's fraction ``t`` of the way from the medial to the lateral edge line
    (module docstring)."""
    p = np.column_stack([x, y])
    lines = _edge_lines(points, y0, length) if len(points) else None
    if lines is None:
        ref = points if len(points) else p[fp]
        medial, lateral = float(ref[:, 0].max()), float(ref[:, 0].min())
        if medial - lateral <= 0:
            return np.full(x.size, 0.5)
        result: FloatArray = (medial - x) / (medial - lateral)
        return result
    hm, fm, hl, fl = lines
    dm = (fm - hm) / np.linalg.norm(fm - hm)  # both pointing anterior
    dl = (fl - hl) / np.linalg.norm(fl - hl)
    sin_alpha = float(_cross(dm, dl))
    behind = False
    if abs(sin_alpha) > math.sin(_PARALLEL_RAD):
        # hm + a·dm = hl + b·dl
        a = float(_cross(hl - hm, dl)) / sin_alpha
        origin = hm + a * dm
        behind = a < 0 and origin[1] < min(float(points[:, 1].min()), float(y[fp].min()))
    if behind:
        alpha = math.atan2(sin_alpha, float(dm @ dl))
        v = p - origin
        theta = np.arctan2(_cross(dm, v), v @ dm)
        angular: FloatArray = theta / alpha
        return angular
    # parallel (or meeting in front of the heel): distances from the two lines
    nm = np.array([-dm[1], dm[0]])
    if nm @ (hl - hm) < 0:
        nm = -nm  # towards the lateral line
    nl = np.array([-dl[1], dl[0]])
    if nl @ (hm - hl) < 0:
        nl = -nl  # towards the medial line
    to_medial = (p - hm) @ nm
    to_lateral = (p - hl) @ nl
    total = to_medial + to_lateral
    safe = np.where(total > _EPS, total, 1.0)
    distance: FloatArray = np.where(total > _EPS, to_medial / safe, 0.5)
    return distance


__all__ = [
    "FOOTPRINT_FRACTION",
    "HALLUX_BOUNDARY",
    "INSOLE_TOE_LINE",
    "MIN_FINE_SENSORS",
    "MTH_BOUNDARIES",
    "REGIONS_COARSE",
    "REGIONS_FINE",
    "anatomical_regions",
    "footprint",
    "with_anatomical_regions",
]
