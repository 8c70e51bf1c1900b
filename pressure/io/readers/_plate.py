"""Pressure platforms and mats: from plate coordinates to feet in the foot frame.

A platform (Novel emed, RSscan footscan, a Tekscan iScan matrix, a Novel pliance mat) measures
wherever the foot lands, so its sensors have no fixed place in the foot frame of
``pressure.layout``. ``plate_feet`` turns a platform recording into feet the analyses can use:

1. **Footprints.** A sensor is *active* when it measured more than zero in any frame (NaN
   cells, such as Tekscan's ``B`` cells outside the sensing area, never are). Active sensors
   closer than ``LINK_MM`` (or three sensor pitches, whichever is larger) are linked; each
   linked group is a cluster (``scipy.sparse.csgraph.connected_components``). Clusters that
   lie one behind the other along their union's long axis, within a foot's length, are parts
   of one foot (a heel and a forefoot with no midfoot contact) and merge. The cluster with
   the largest force-time integral (or value-time integral, for raw units) is a foot; the second
   is the other foot when its integral is at least ``SECOND_FOOT_SHARE`` of the first. Every
   smaller cluster (a toe, a flicker) joins the nearest foot when within ``ATTACH_MM`` of it;
   the others are left out and counted in ``metadata["plate"]["left_out"]`` with their share of
   the integral.
2. **Long axis** (METHODS §1.1): the principal axis of the active sensors' centres (PCA of the
   footprint). **Heel end**: walking loads the heel first, so when the first loaded tenth of
   the contact's frames lies clearly at one end (more than 20 % of the footprint's length from
   the last tenth), that end is the heel; otherwise (standing) the heel is the end away from the
   area centroid, which lies toward the wide forefoot.
3. **Medial side**: the arch, else the hallux. Over 30–55 % of the footprint's length the
   outline is concave on the medial side (the arch): the foot touches the ground on its lateral
   side, so the side of the centre line where the midfoot's active sensors lie is lateral. When
   the midfoot holds no active sensor or its contact lies on the centre line (a high arch with
   heel and forefoot apart, a flat print), the hallux decides: it is on the medial side of the
   forefoot, and the first ray reaches further forward than the fifth, so of the forefoot's
   active sensors (from 55 % of the length) the half on one side of the forefoot's centre line
   whose mean position lies further forward (by more than ``HALLUX_REACH``, 1 % of the length)
   is medial. ``medial_side_cue`` says which cue decided ("arch" or "hallux"); with neither
   the choice is arbitrary, the cue is None and ``medial_side_inferred`` is False.
4. **Side**: given by the file when it says (``side``); else from the footprint's chirality
   (medial edge on the viewer's left with the toes up is a right foot), which assumes that the
   plate's rows and columns, as the file orders them, are a top view with the row number
   increasing toward the toes' general direction — one foot's side is therefore an inference
   and ``side_inferred`` says so. Two footprints are told apart the same way; if both come out
   the same side, the one on the viewer's left is the left foot.

The foot frame's origin is the most posterior point of the footprint's outline (the convex hull
of its sensors' squares), x centred on the outline's widest extent; each foot's
``metadata["plate"][side]`` holds ``sensors`` (plate sensor indices in the foot's sensor order),
``matrix`` (2 × 2) and ``origin_mm`` such that foot ``(x, y) = matrix @ ((X, Y) − origin)``:
a rotation, or a rotation with a reflection when the plate's view needs mirroring. Because the
map is rigid, the CoP in the foot frame is the plate CoP mapped the same way.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import FileFormatError
from ...layout import SensorLayout, convex_hull
from ...model import PHYSICAL_RANGE, FloatArray, FootRecording, SideName, sensor_force_n

LINK_MM = 15.0  # active sensors this close belong to one footprint (toes to forefoot)
ATTACH_MM = 40.0  # a small cluster this close to a foot joins it
SECOND_FOOT_SHARE = 0.25  # a second cluster with this share of the first's integral is a foot
MAX_FOOT_MM = 330.0  # clusters one behind the other within this length are one foot
ALONG_AXIS_DEG = 30.0  # ... when their offset is within this angle of the long axis
MIDFOOT_BAND = (0.30, 0.55)  # fractions of footprint length where the arch lifts medially
FOREFOOT_START = 0.55  # fraction of footprint length where the forefoot begins (METHODS §5.1)
HALLUX_REACH = 0.01  # the hallux half's forefoot lies this fraction of length further forward


def grid_cells(
    rows: int, cols: int, row_spacing_mm: float, col_spacing_mm: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Plate coordinates (X, Y) and areas of a rows × cols matrix, row-major: cell ``(r, c)`` is
    index ``r * cols + c`` and has its centre at ``X = (c + 0.5) · col_spacing_mm``,
    ``Y = (r + 0.5) · row_spacing_mm``."""
    r, c = np.divmod(np.arange(rows * cols), cols)
    x = (c + 0.5) * float(col_spacing_mm)
    y = (r + 0.5) * float(row_spacing_mm)
    return x, y, np.full(rows * cols, float(row_spacing_mm) * float(col_spacing_mm))


#: what finding footprints imports on first use (the plate readers' ``LIBRARIES``)
LIBRARIES = ("scipy.sparse.csgraph", "scipy.spatial")


def _clusters(xy: FloatArray, link_mm: float) -> np.ndarray[Any, np.dtype[np.int64]]:
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components
    from scipy.spatial import cKDTree

    pairs = cKDTree(xy).query_pairs(link_mm, output_type="ndarray")

    n = len(xy)
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    return connected_components(graph, directed=False)[1].astype(np.int64)


def _merge_along(
    labels: np.ndarray[Any, np.dtype[np.int64]], xy: FloatArray, impulse: FloatArray, pitch: float
) -> np.ndarray[Any, np.dtype[np.int64]]:
    """Clusters that are parts of one foot (a heel and a forefoot with no midfoot contact,
    toes apart from the ball) merged: taken in order of their integral, a cluster joins an
    earlier group when the two lie one behind the other along the union's long axis (their
    centroids' offset within ``ALONG_AXIS_DEG`` of it) and the union is no longer than
    ``MAX_FOOT_MM``. Two feet side by side, or two steps of a walk, stay apart. Returns labels
    0..k-1."""
    n = int(labels.max()) + 1
    weight = np.bincount(labels, weights=impulse, minlength=n)
    groups: list[list[int]] = []
    cos_limit = np.cos(np.radians(ALONG_AXIS_DEG))
    for c in np.argsort(-weight, kind="stable"):
        mine = xy[labels == c]
        for group in groups:
            theirs = xy[np.isin(labels, group)]
            union = np.concatenate([theirs, mine])
            centre = union.mean(axis=0)
            axis = np.linalg.svd(union - centre, full_matrices=False)[2][0]
            length = float(np.ptp((union - centre) @ axis)) + pitch
            offset = mine.mean(axis=0) - theirs.mean(axis=0)
            norm = float(np.linalg.norm(offset))
            if length <= MAX_FOOT_MM and (norm == 0 or abs(offset @ axis) / norm >= cos_limit):
                group.append(int(c))
                break
        else:
            groups.append([int(c)])
    merged = np.empty_like(labels)
    for k, group in enumerate(groups):
        merged[np.isin(labels, group)] = k
    return merged


def _frame(
    xy: FloatArray, first_xy: FloatArray | None, half: float
) -> tuple[FloatArray, FloatArray, str | None]:
    """(toe direction d, medial direction m, the cue the medial side was told by: "arch",
    "hallux", or None when neither told it) of one footprint."""
    centre = xy.mean(axis=0)
    if len(xy) >= 2:
        _, _, vt = np.linalg.svd(xy - centre, full_matrices=False)
        d = vt[0]
    else:
        d = np.array([0.0, 1.0])
    s = (xy - centre) @ d
    length = float(s.max() - s.min()) + 2 * half
    toe_ahead = float(s.mean()) > (s.max() + s.min()) / 2  # area centroid toward the forefoot
    if first_xy is not None:
        s_first, s_last = (first_xy - centre) @ d
        if abs(s_first - s_last) > 0.2 * length:
            toe_ahead = s_last > s_first  # the heel loads first
    if not toe_ahead:
        d = -d
    n = np.array([-d[1], d[0]])  # d turned 90° counter-clockwise
    u = ((xy - centre) @ d - ((xy - centre) @ d).min() + half) / length
    t = (xy - centre) @ n
    mid = (u >= MIDFOOT_BAND[0]) & (u < MIDFOOT_BAND[1])
    centre_line = (t.max() + t.min()) / 2
    arch = bool(mid.any()) and abs(float(t[mid].mean()) - centre_line) > half / 2
    if arch:  # the midfoot's contact lies laterally: the arch is the concave, medial side
        medial_positive = float(t[mid].mean()) < centre_line
        return d, (n if medial_positive else -n), "arch"
    # no arch to go by: the hallux side of the forefoot reaches further forward
    fore = u >= FOREFOOT_START
    if fore.sum() >= 2:
        ff_centre = (t[fore].max() + t[fore].min()) / 2
        ahead, behind = fore & (t > ff_centre), fore & (t <= ff_centre)
        if ahead.any() and behind.any():
            reach = float(u[ahead].mean() - u[behind].mean())
            if abs(reach) > HALLUX_REACH:
                return d, (n if reach > 0 else -n), "hallux"
    return d, n, None


def plate_feet(
    path: Path,
    time_s: FloatArray,
    values: FloatArray,
    x_mm: FloatArray,
    y_mm: FloatArray,
    area_mm2: FloatArray,
    *,
    unit: str,
    sampling_rate_hz: float,
    name: str,
    side: SideName | None = None,
    vendor: dict[str, FloatArray] | None = None,
) -> tuple[dict[str, FootRecording], dict[str, Any]]:
    """The feet on a platform recording (module docstring) and ``metadata["plate"]``.

    ``values`` has shape (frames, sensors) in ``unit``, the sensors at plate coordinates
    ``x_mm``, ``y_mm`` with ``area_mm2`` each; each foot gets the per-frame ``vendor`` columns.
    Raises FileFormatError when no sensor was ever loaded."""
    from ...masks import with_anatomical_regions

    values = np.asarray(values, dtype=np.float64)
    xy_all = np.column_stack([np.asarray(x_mm, float), np.asarray(y_mm, float)])
    area_all = np.asarray(area_mm2, dtype=np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN cells: NaN, never active
        peak_all = np.nanmax(values, axis=0) if len(values) else np.zeros(values.shape[1])
    active = np.flatnonzero(np.nan_to_num(peak_all, nan=0.0) > 0)
    if active.size == 0:
        raise FileFormatError(path, "no sensor of the plate was ever loaded: no footprint")
    pitch = float(np.sqrt(np.median(area_all[active])))
    half = pitch / 2
    labels = _clusters(xy_all[active], max(LINK_MM, 3 * pitch))
    # loads for the footprint: NaN, negative and physically absurd values (left out by
    # ``load.within_physical_range`` later) count as 0 here
    high = PHYSICAL_RANGE.get(unit, (0.0, np.inf))[1]
    mine = values[:, active]
    with np.errstate(invalid="ignore"):
        clean = np.where(np.isfinite(mine) & (mine > 0) & (mine <= high), mine, 0)
    force = sensor_force_n(clean, unit, area_all[active])
    impulse_per_sensor = (force if force is not None else clean).sum(axis=0)
    labels = _merge_along(labels, xy_all[active], impulse_per_sensor, pitch)
    n_clusters = int(labels.max()) + 1
    impulse = np.bincount(labels, weights=impulse_per_sensor, minlength=n_clusters)
    order = np.argsort(-impulse, kind="stable")
    feet_clusters = [int(order[0])]
    if n_clusters > 1 and impulse[order[1]] >= SECOND_FOOT_SHARE * impulse[order[0]]:
        feet_clusters.append(int(order[1]))
    members: dict[int, list[int]] = {c: [c] for c in feet_clusters}
    left_out: list[int] = []
    for c in order:
        c = int(c)
        if c in feet_clusters:
            continue
        mine = xy_all[active[labels == c]]
        gaps = [
            float(np.min(np.linalg.norm(mine[:, None] - xy_all[active[labels == f]][None], axis=2)))
            for f in feet_clusters
        ]
        if min(gaps) <= ATTACH_MM:
            members[feet_clusters[int(np.argmin(gaps))]].append(c)
        else:
            left_out.append(c)
    total = float(impulse.sum())
    plate: dict[str, Any] = {
        "sensors_total": int(values.shape[1]),
        "sensors_active": int(active.size),
        "left_out": {
            "sensors": int(np.isin(labels, left_out).sum()),
            "share_pct": 100.0 * float(impulse[left_out].sum()) / total if total > 0 else 0.0,
        },
    }
    frames_loaded = clean.sum(axis=1) > 0
    candidates: list[dict[str, Any]] = []
    for f in feet_clusters:
        index = np.sort(active[np.isin(labels, members[f])])
        xy = xy_all[index]
        w = clean[:, np.searchsorted(active, index)]  # this foot's loads, NaN and < 0 as 0
        loaded = np.flatnonzero(w.sum(axis=1) > 0)
        first_xy = None
        if loaded.size >= 10:
            tenth = max(1, loaded.size // 10)
            first = w[loaded[:tenth]].sum(axis=0)
            last = w[loaded[-tenth:]].sum(axis=0)
            if first.sum() > 0 and last.sum() > 0:
                first_xy = np.array([first @ xy / first.sum(), last @ xy / last.sum()])
        d, m, cue = _frame(xy, first_xy, half)
        candidates.append({"index": index, "d": d, "m": m, "medial_cue": cue})
    # which foot is which: chirality (medial on the viewer's left with the toes up = right)
    for cand in candidates:
        n = np.array([-cand["d"][1], cand["d"][0]])
        cand["side"] = "right" if float(cand["m"] @ n) > 0 else "left"
        cand["centre_x"] = float(xy_all[cand["index"], 0].mean())
    side_inferred = side is None
    if len(candidates) == 2:
        if candidates[0]["side"] == candidates[1]["side"] or side is not None:
            a, b = sorted(candidates, key=lambda c: c["centre_x"])
            a["side"], b["side"] = "left", "right"
    elif side is not None:
        candidates[0]["side"] = side
    feet: dict[str, FootRecording] = {}
    for cand in candidates:
        index, d, m = cand["index"], cand["d"], cand["m"]
        matrix = np.array([m, d])
        xy = xy_all[index]
        sq = np.sqrt(area_all[index]) / 2
        corners = np.concatenate(
            [xy + np.column_stack([sx * sq, sy * sq]) for sx in (-1, 1) for sy in (-1, 1)]
        )
        proj = corners @ matrix.T
        origin = np.linalg.solve(
            matrix, np.array([(proj[:, 0].min() + proj[:, 0].max()) / 2, proj[:, 1].min()])
        )
        local = (xy - origin) @ matrix.T
        hull = convex_hull(np.unique((corners - origin) @ matrix.T, axis=0))
        foot_side: SideName = cand["side"]
        layout = SensorLayout(
            name=f"{name}-{foot_side}",
            x_mm=local[:, 0],
            y_mm=local[:, 1],
            area_mm2=area_all[index],
            foot_length_mm=float(np.ptp((corners - origin) @ d)),
            foot_width_mm=float(np.ptp((corners - origin) @ m)),
            outline_mm=hull,
        )
        layout = with_anatomical_regions(layout, peak_all[index])
        feet[foot_side] = FootRecording(
            side=foot_side,
            time_s=np.asarray(time_s, dtype=np.float64),
            values=values[:, index],
            unit=unit,
            sampling_rate_hz=sampling_rate_hz,
            layout=layout,
            vendor=dict(vendor or {}),
        )
        plate[foot_side] = {
            "sensors": [int(i) for i in index],
            "matrix": matrix.tolist(),
            "origin_mm": origin.tolist(),
            "side_inferred": side_inferred,
            "medial_side_inferred": cand["medial_cue"] is not None,
            "medial_side_cue": cand["medial_cue"],
        }
    plate["frames_loaded"] = int(frames_loaded.sum())
    return feet, plate


__all__ = ["grid_cells", "plate_feet"]
