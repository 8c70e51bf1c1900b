"""pressuRe's ``cpei()`` as METHODS §2.1 describes it: the reference for our CPEI, used by
``tests/test_footprint.py`` and ``benchmarks/validate.py``.

pressuRe's CPEI values: pressuRe's repository states none for its example files (its
``tests/testthat/test_pressuRe.R`` has its CPEI tests commented out, ``man/cpei.Rd`` only runs
``cpei()`` on ``emed_test.lst``), and R is not available here. So ``_pressure_r_cpei`` below
computes them the way METHODS §2.1 describes pressuRe's ``cpei()`` [C: Telfer/pressuRe
``R/pressuRe_functions.R``], written from that description: the footprint is the corners of
the sensels loaded over the frames given; the medial border line is the longest edge of the
convex hull of the most medial corner of each corner row; the distal trisection line crosses
the footprint's minimum-area bounding box at 0.667 of its length; the forefoot width runs from
the medial border, along its perpendicular through that crossing, to the footprint's hull; the
construction line is the longest edge of the CoP's hull; CPE is the distance along the
perpendicular between the CoP path and the construction line. It is a different construction
from ours (no bounding box, no hull edges), so agreeing with it is a check, not a tautology.
"""

from __future__ import annotations

import itertools

import numpy as np

from pressure.cop import foot_cop
from pressure.layout import convex_hull
from pressure.model import Session


def _cross(a: np.ndarray, b: np.ndarray) -> float:
    return float(a[0] * b[1] - a[1] * b[0])


def _hull(points: np.ndarray) -> np.ndarray:
    return convex_hull(np.unique(np.round(points, 9), axis=0))


def _along(p: np.ndarray, d: np.ndarray, q0: np.ndarray, q1: np.ndarray) -> tuple[float, float]:
    """(s, r) with p + s·d = q0 + r·(q1 − q0)."""
    s, r = np.linalg.solve(np.array([d, q0 - q1]).T, q0 - p)
    return float(s), float(r)


def pressure_r_cpei(session: Session, side: str, start: int, stop: int) -> float:
    foot = session.feet[side]
    layout, values = foot.layout, foot.values[start:stop]
    assert layout is not None
    cop = foot_cop(foot)
    assert cop is not None
    on = np.nan_to_num(np.nanmax(values, axis=0)) > 0
    h = np.sqrt(layout.area_mm2[on]) / 2
    x, y = layout.x_mm[on], layout.y_mm[on]
    corners = np.concatenate(
        [np.column_stack([x + a * h, y + b * h]) for a in (-1, 1) for b in (-1, 1)]
    )
    rows = np.round(corners[:, 1], 6)
    medial = np.array([[corners[rows == v, 0].max(), v] for v in np.unique(rows)])  # +x medial
    mh = _hull(medial)
    k = int(np.argmax(np.linalg.norm(np.diff(mh, axis=0), axis=1)))
    m0, m1 = mh[k], mh[k + 1]
    hull = _hull(corners)
    boxes = []
    for p0, p1 in itertools.pairwise(hull):
        e = (p1 - p0) / np.linalg.norm(p1 - p0)
        n = np.array([-e[1], e[0]])
        boxes.append((np.ptp(hull @ e) * np.ptp(hull @ n), e, n))
    _, e, n = min(boxes, key=lambda b: b[0])
    axis = e if np.ptp(hull @ e) >= np.ptp(hull @ n) else n
    axis = axis if axis[1] > 0 else -axis  # toward the toes
    proj = hull @ axis
    tri = (proj.min() + 0.667 * np.ptp(proj)) * axis
    s, _ = _along(tri, np.array([-axis[1], axis[0]]), m0, m1)
    point = tri + s * np.array([-axis[1], axis[0]])
    d = (m1 - m0) / np.linalg.norm(m1 - m0)
    perp = np.array([-d[1], d[0]])
    reach = []
    for q0, q1 in itertools.pairwise(hull):
        if abs(_cross(perp, q1 - q0)) > 1e-12:
            s, r = _along(point, perp, q0, q1)
            if -1e-9 <= r <= 1 + 1e-9:
                reach.append(abs(s))
    ff_width = max(reach)
    ok = np.isfinite(cop.x_mm[start:stop]) & np.isfinite(cop.y_mm[start:stop])
    path = np.column_stack([cop.x_mm[start:stop][ok], cop.y_mm[start:stop][ok]])
    ch = _hull(path)
    j = int(np.argmax(np.linalg.norm(np.diff(ch, axis=0), axis=1)))
    s, _ = _along(point, perp, ch[j], ch[j + 1])
    chord = point + s * perp
    crossings = []
    for a0, a1 in itertools.pairwise(path):
        if abs(_cross(perp, a1 - a0)) > 1e-12:
            s, r = _along(point, perp, a0, a1)
            if 0 <= r <= 1:
                crossings.append(point + s * perp)
    cpe = min(float(np.linalg.norm(c - chord)) for c in crossings)
    return 100.0 * cpe / ff_width
