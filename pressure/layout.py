"""Sensor layouts of pressure insoles, all in one foot coordinate frame.

The foot frame (the project's reference; ``../shared/METHODS.md`` §1.1–1.2)
-----------------------------------------------------------------------------
Every layout, centre of pressure and gait line in this project is expressed in this frame:

* **origin**: the most posterior point of the insole outline (the back of the heel);
* **+y anterior**: along the insole's long axis, heel to toe;
* **+x medial, for both feet**: the left insole is stored mirrored, so ``x > 0`` is the big-toe
  side and ``x < 0`` the little-toe side of either foot, and medial/lateral masks, offsets and
  indices mean the same thing on both feet;
* **units**: millimetres (areas in mm²).

Normalised coordinates: ``u = y / foot_length_mm`` (0 at the heel, 1 at the toe tip) and
``w = x / foot_width_mm``, where the foot width is the largest medio-lateral extent of the
outline. The outline is centred on ``x = 0`` at its widest, so ``w`` spans -0.5 (lateral edge)
to +0.5 (medial edge) and the centre line is ``w = 0``.

Seen from above with toes up, the medial side of a right foot is on the viewer's left and of a
left foot on the viewer's right: draw ``-x`` to the right for a right foot and ``+x`` for a left
foot.

Regions
-------
Regions are named boolean masks over the sensors, by the sensor centroid's ``u`` (bounds as a
percentage of foot length, METHODS §5.1): ``heel`` u < 0.27, ``midfoot`` 0.27 ≤ u < 0.55,
``metatarsals`` 0.55 ≤ u < 0.85 and ``toes`` u ≥ 0.85 (the plate automask bounds at 27 % and
55 % FL with the insole toe line at 85 % FL); ``rearfoot`` u < 0.5 and ``forefoot`` u ≥ 0.5
(the two-part insole split at 50 % FL); ``medial`` x > 0 and ``lateral`` x ≤ 0 (a sensor on the
centre line counts as lateral, so the two halves partition the sensors).

Medial and lateral loads
------------------------
The medio-lateral split line is the insole's long axis, ``x = 0`` (METHODS §1.1, §2.2: the
CoP's medial deviation is measured from the insole midline, and the medial and lateral regions
lie either side of it). A sensor stands for a cell around its centroid, and a cell that the
centre line crosses is partly medial and partly lateral: ``SensorLayout.side_weights`` counts
``clip(1/2 + x / c, 0, 1)`` of such a sensor's load as medial and the rest as lateral, with
``c`` the cell's medio-lateral width (the distance to the nearest sensor of the same row, or
the side of a square of the sensor's area for a sensor alone in its row). A sensor on the
centre line is half medial, half lateral (METHODS §5.3); a sensor at least half a cell from
it is wholly on its side, as the ``medial``/``lateral`` masks say. Counting whole sensors by
their centroid instead biases a coarse insole: the 16-sensor simulated insole has sensors
0.3, 2, 5 and 6.5 mm medial of the centre line (cells 25-34 mm wide), and whole-sensor
counting gave its neutral walk (mean CoP on the centre line) a 57 % medial share. Where a
layout's own ``medial``/``lateral`` masks depart from the x > 0 / x ≤ 0 rule (gaitpdb's
centre-line sensors are in neither), its masks decide for those sensors. The medial share,
the medial-lateral index and the regional loads of ``medial`` and ``lateral`` use these
weights; the other regional values (peak pressure, contact area) use the masks.
"""

from __future__ import annotations

import math
import re
import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
_A = TypeVar("_A", bound=np.ndarray[Any, Any])

MAX_SENSORS = 4096
_UNIT = re.compile(r"[a-z][a-z0-9_]{0,15}")  # as many as one wire-protocol frame carries

#: Bands of ``u = y / foot length`` as [low, high) (METHODS §5.1).
LENGTH_BANDS: Mapping[str, tuple[float, float]] = types.MappingProxyType(
    {
        "heel": (-math.inf, 0.27),
        "midfoot": (0.27, 0.55),
        "metatarsals": (0.55, 0.85),
        "toes": (0.85, math.inf),
        "rearfoot": (-math.inf, 0.5),
        "forefoot": (0.5, math.inf),
    }
)
#: Every layout has at least these regions.
REGION_NAMES: tuple[str, ...] = (*LENGTH_BANDS, "medial", "lateral")


@dataclass(frozen=True)
class SensorLayout:
    """Where an insole's sensors are, in the foot frame of this module's docstring (origin
    at the back of the heel, +y anterior, +x medial on both feet, mm).

    All arrays are stored as read-only float64 (masks as read-only bool) copies.

    Parameters
    ----------
    name : str
        The layout's name (``"sim16"``, ``"grid60x21"``, a vendor's insole size).
    x_mm : array of float, shape (sensors,)
        Medio-lateral position of each sensor's centroid, mm (+ medial), in the order of the
        values on the wire.
    y_mm : array of float, shape (sensors,)
        Position along the foot, mm from the back of the heel.
    area_mm2 : array of float, shape (sensors,)
        Each sensor's area, mm² (positive): pressure times area is force.
    foot_length_mm : float
        Length of the insole, mm (``u = y / foot_length_mm``).
    foot_width_mm : float
        Its largest medio-lateral extent, mm (``w = x / foot_width_mm``).
    outline_mm : array of float, shape (N, 2)
        The insole outline as a closed polygon of (x, y) rows, mm, its last vertex equal to
        its first.
    regions : mapping of str to array of bool, shape (sensors,)
        Region name to a mask over the sensors; the standard regions (``REGION_NAMES``)
        missing from it are filled in from the percentage-of-foot-length bands, so a layout
        may bring its own vendor masks (a pedar sensel table, say) and still answer every
        standard name.
    coordinate_unit : str
        What the ``*_mm`` coordinates really are: ``"mm"`` (default), or e.g. ``"au"`` for
        arbitrary units; analyses compute nothing in mm from a layout that is not in mm.

    Raises
    ------
    ValueError
        For arrays of the wrong shape, non-finite values, areas or foot dimensions that are
        not positive, or more than ``MAX_SENSORS`` sensors.
    """

    name: str
    x_mm: FloatArray
    y_mm: FloatArray
    area_mm2: FloatArray
    foot_length_mm: float
    foot_width_mm: float
    outline_mm: FloatArray
    regions: Mapping[str, BoolArray] = field(default_factory=dict)
    #: What the ``*_mm`` coordinates really are: "mm", or e.g. "au" for arbitrary units
    #: (PhysioNet gaitpdb's coordinates are "a proxy" with no unit). Analyses name their
    #: lengths with this unit and compute nothing in mm from a layout that is not in mm.
    coordinate_unit: str = "mm"

    def __post_init__(self) -> None:
        x = _frozen_floats("x_mm", self.x_mm)
        y = _frozen_floats("y_mm", self.y_mm)
        area = _frozen_floats("area_mm2", self.area_mm2)
        if x.ndim != 1 or x.size == 0:
            raise ValueError(f"x_mm must be a non-empty 1-D array, got shape {x.shape}")
        if y.shape != x.shape or area.shape != x.shape:
            raise ValueError(
                f"x_mm, y_mm and area_mm2 must have one value per sensor; got shapes "
                f"{x.shape}, {y.shape} and {area.shape}"
            )
        if x.size > MAX_SENSORS:
            raise ValueError(f"a layout has at most {MAX_SENSORS} sensors, got {x.size}")
        if not np.all(area > 0):
            raise ValueError("area_mm2 must be positive for every sensor")
        for name in ("foot_length_mm", "foot_width_mm"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a positive finite number of mm, got {value!r}")
        if not (isinstance(self.coordinate_unit, str) and _UNIT.fullmatch(self.coordinate_unit)):
            raise ValueError(
                f"coordinate_unit must be a short lower-case name such as 'mm' or 'au', got "
                f"{self.coordinate_unit!r}"
            )
        outline = _frozen_floats("outline_mm", self.outline_mm)
        if outline.ndim != 2 or outline.shape[1] != 2 or outline.shape[0] < 3:
            raise ValueError(
                f"outline_mm must have shape (N, 2) with N >= 3 vertices, got {outline.shape}"
            )
        regions = {name: _mask(name, mask, x.size) for name, mask in self.regions.items()}
        u = y / self.foot_length_mm
        for name, (low, high) in LENGTH_BANDS.items():
            regions.setdefault(name, _frozen((u >= low) & (u < high)))
        regions.setdefault("medial", _frozen(x > 0))
        regions.setdefault("lateral", _frozen(x <= 0))
        for attr, value in (("x_mm", x), ("y_mm", y), ("area_mm2", area), ("outline_mm", outline)):
            object.__setattr__(self, attr, value)
        object.__setattr__(self, "foot_length_mm", float(self.foot_length_mm))
        object.__setattr__(self, "foot_width_mm", float(self.foot_width_mm))
        object.__setattr__(self, "regions", types.MappingProxyType(regions))

    # Arrays make the generated __eq__/__hash__ unusable (ambiguous truth value, unhashable),
    # so compare by content and hash by what identifies a layout cheaply.
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SensorLayout):
            return NotImplemented
        return (
            self.name == other.name
            and self.coordinate_unit == other.coordinate_unit
            and self.foot_length_mm == other.foot_length_mm
            and self.foot_width_mm == other.foot_width_mm
            and all(
                np.array_equal(getattr(self, a), getattr(other, a))
                for a in ("x_mm", "y_mm", "area_mm2", "outline_mm")
            )
            and self.regions.keys() == other.regions.keys()
            and all(np.array_equal(m, other.regions[k]) for k, m in self.regions.items())
        )

    def __hash__(self) -> int:
        return hash((self.name, self.n_sensors, self.foot_length_mm, self.foot_width_mm))

    @property
    def n_sensors(self) -> int:
        """The number of sensors."""
        return int(self.x_mm.size)

    @property
    def u(self) -> FloatArray:
        """Sensor centroids as fractions of foot length (0 heel, 1 toe tip), shape (n,)."""
        return self.y_mm / self.foot_length_mm

    @property
    def w(self) -> FloatArray:
        """Sensor centroids as fractions of foot width (+ medial, centre line 0), shape (n,)."""
        return self.x_mm / self.foot_width_mm

    @property
    def side_weights(self) -> tuple[FloatArray, FloatArray]:
        """(medial, lateral) share of each sensor's load, each shape (n,), from 0 to 1: a cell
        the centre line crosses is split by the part of it on either side (module docstring,
        "Medial and lateral loads"); a layout's own masks decide where they depart from the
        x > 0 / x ≤ 0 rule. Load of the medial side = weights @ medial."""
        x = self.x_mm
        medial_mask, lateral_mask = self.regions["medial"], self.regions["lateral"]
        medial = np.clip(0.5 + x / _ml_cell_width(x, self.y_mm, self.area_mm2), 0.0, 1.0)
        lateral = 1.0 - medial
        own = (medial_mask != (x > 0)) | (lateral_mask != (x <= 0))
        medial[own] = medial_mask[own]
        lateral[own] = lateral_mask[own]
        return medial, lateral


def _ml_cell_width(x: FloatArray, y: FloatArray, area: FloatArray) -> FloatArray:
    """Medio-lateral width of each sensor's cell: the distance to the nearest sensor of its
    row (the same y to 1 µm), or the side of a square of its area if none."""
    _, row = np.unique(np.round(y, 3), return_inverse=True)
    order = np.lexsort((x, row))
    xs, rs = x[order], row[order]
    gap = np.where(rs[1:] == rs[:-1], np.diff(xs), np.inf)
    gap[gap <= 0] = np.inf  # two sensors at one place say nothing about the cell
    nearest = np.minimum(np.append(gap, np.inf), np.insert(gap, 0, np.inf))
    width = np.empty_like(x)
    width[order] = nearest
    return np.where(np.isfinite(width), width, np.sqrt(area))


def _frozen_floats(name: str, value: object) -> FloatArray:
    try:
        array = np.array(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be an array of numbers: {exc}") from None
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite (no NaN or infinity)")
    return _frozen(array)


def _frozen(array: _A) -> _A:
    # a layout is shared (one per simulator, cached by callers): nobody may change it in place
    array.setflags(write=False)
    return array


def _mask(name: str, value: object, n: int) -> BoolArray:
    array = np.asarray(value)
    if array.dtype == np.bool_:
        if array.shape != (n,):
            raise ValueError(f"region {name!r} mask must have shape ({n},), got {array.shape}")
        return _frozen(array.copy())
    if array.ndim != 1 or not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"region {name!r} must be a boolean mask or an array of sensor indices")
    if array.size and (array.min() < 0 or array.max() >= n):
        raise ValueError(f"region {name!r} has sensor indices outside 0..{n - 1}")
    mask = np.zeros(n, dtype=np.bool_)
    mask[array] = True
    return _frozen(mask)


# ---------------------------------------------------------------------------------------------
# The simulated insole

#: Foot width as a fraction of foot length for simulated layouts (≈ 99 mm for a 260 mm foot).
SIMULATED_WIDTH_RATIO = 0.38

# Outline half-profiles before the heel and toe are rounded off, as (u, lateral w, medial w).
# A plausible insole: a narrow heel, a slight medial arch indentation around u 0.35–0.45, the
# widest point laterally at the fifth metatarsal head (u ≈ 0.65) and medially at the first
# (u ≈ 0.72), and the toe line receding laterally. The extremes are exactly -0.5 and +0.5 so
# that the foot width is the outline's true extent.
_PROFILE = np.array(
    [
        (0.00, -0.30, 0.30),
        (0.10, -0.32, 0.31),
        (0.20, -0.34, 0.29),
        (0.30, -0.37, 0.26),
        (0.40, -0.41, 0.25),
        (0.50, -0.46, 0.29),
        (0.58, -0.49, 0.40),
        (0.65, -0.50, 0.47),
        (0.72, -0.49, 0.50),
        (0.80, -0.44, 0.49),
        (0.88, -0.36, 0.46),
        (0.94, -0.26, 0.42),
        (1.00, -0.14, 0.38),
    ]
)
_HEEL_CAP_U = 0.12  # length of the rounded heel, fraction of foot length
_TOE_CAP_U = 0.12
_OUTLINE_STEPS = 120  # vertices per side


def _pchip(x: FloatArray, y: FloatArray, at: FloatArray) -> FloatArray:
    """Monotone piecewise-cubic interpolation (Fritsch–Carlson): smooth, and never overshoots
    the data, so the outline's extremes stay exactly at the profile's extremes."""
    h = np.diff(x)
    delta = np.diff(y) / h
    d = np.zeros_like(y)
    # interior slopes: weighted harmonic mean of the neighbouring secants, 0 at local extrema
    w1 = 2 * h[1:] + h[:-1]
    w2 = h[1:] + 2 * h[:-1]
    same_sign = delta[:-1] * delta[1:] > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        d[1:-1] = np.where(same_sign, (w1 + w2) / (w1 / delta[:-1] + w2 / delta[1:]), 0.0)
    d[0], d[-1] = delta[0], delta[-1]
    k = np.clip(np.searchsorted(x, at, side="right") - 1, 0, len(h) - 1)
    t = (at - x[k]) / h[k]
    t2, t3 = t * t, t * t * t
    return (
        (2 * t3 - 3 * t2 + 1) * y[k]
        + (t3 - 2 * t2 + t) * h[k] * d[k]
        + (-2 * t3 + 3 * t2) * y[k + 1]
        + (t3 - t2) * h[k] * d[k + 1]
    )


def _outline_w(u: FloatArray) -> tuple[FloatArray, FloatArray]:
    """(lateral w, medial w) of the simulated outline at ``u`` (0..1)."""
    lateral = _pchip(_PROFILE[:, 0], _PROFILE[:, 1], u)
    medial = _pchip(_PROFILE[:, 0], _PROFILE[:, 2], u)
    centre = (lateral + medial) / 2
    # elliptical caps round the heel and the toe off towards their centre points
    cap = np.ones_like(u)
    heel = u < _HEEL_CAP_U
    cap[heel] = np.sqrt(1 - ((_HEEL_CAP_U - u[heel]) / _HEEL_CAP_U) ** 2)
    toe = u > 1 - _TOE_CAP_U
    cap[toe] = np.sqrt(np.clip(1 - ((u[toe] - (1 - _TOE_CAP_U)) / _TOE_CAP_U) ** 2, 0, 1))
    return centre + (lateral - centre) * cap, centre + (medial - centre) * cap


def _outline_u() -> FloatArray:
    # denser near the rounded ends; the profile's own points keep its extremes on vertices
    cosine = (1 - np.cos(np.pi * np.arange(_OUTLINE_STEPS + 1) / _OUTLINE_STEPS)) / 2
    u: FloatArray = np.unique(np.concatenate([cosine, _PROFILE[:, 0]]))
    return u


def polygon_areas_centroids(polygons: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Areas (n,), positive, and area centroids (n, 2) of simple polygons (n, k, 2) given by
    their vertices in order, either way round (shoelace formulas). A polygon may repeat its
    first vertex at the end or not; one of fewer vertices may pad with repeats of its last."""
    x, y = polygons[..., 0], polygons[..., 1]
    x1, y1 = np.roll(x, -1, axis=1), np.roll(y, -1, axis=1)
    cross = x * y1 - x1 * y
    signed = cross.sum(axis=1) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        cx = ((x + x1) * cross).sum(axis=1) / (6 * signed)
        cy = ((y + y1) * cross).sum(axis=1) / (6 * signed)
    return np.abs(signed), np.column_stack([cx, cy])


def _polygon_area(xy: FloatArray) -> float:
    return float(polygon_areas_centroids(xy[None])[0][0])


def simulated_layout(n_sensors: int, foot_length_mm: float = 260.0) -> SensorLayout:
    """A plausible insole of ``foot_length_mm`` with exactly ``n_sensors`` (1..4096) sensors.

    The outline is a foot shape ``SIMULATED_WIDTH_RATIO`` times as wide as long. Sensors sit in
    rows across the foot: ``R ≈ sqrt(n · length / mean width)`` rows of equal height (so cells
    are close to square), every row gets one sensor and the rest are shared out by row width
    (largest remainders, ties to the heel). Within a row the sensors are spread evenly between
    the outline's edges at the row's centre line, staggered by a quarter pitch, laterally in
    even rows and medially in odd rows. So the placement is deterministic, every sensor lies
    strictly inside the outline, the rows run from heel to toes, two sensors are one lateral
    (heel) and one medial (forefoot), and from four sensors on both the rearfoot and the
    forefoot have medial and lateral sensors. Each sensor gets an equal share of the outline's
    area. Sensor order: row by row from the heel, lateral to medial within a row.
    """
    if isinstance(n_sensors, bool) or not isinstance(n_sensors, (int, np.integer)):
        raise ValueError(f"n_sensors must be an integer, got {n_sensors!r}")
    n = int(n_sensors)
    if not 1 <= n <= MAX_SENSORS:
        raise ValueError(f"n_sensors must be within 1..{MAX_SENSORS}, got {n}")
    if not (math.isfinite(foot_length_mm) and 50.0 <= foot_length_mm <= 500.0):
        raise ValueError(f"foot_length_mm must be within 50..500 mm, got {foot_length_mm!r}")
    length = float(foot_length_mm)
    width = SIMULATED_WIDTH_RATIO * length

    u_edge = _outline_u()
    lateral_w, medial_w = _outline_w(u_edge)
    ring = np.concatenate(
        [
            np.column_stack([medial_w, u_edge]),  # heel to toe along the medial edge
            np.column_stack([lateral_w[::-1], u_edge[::-1]])[1:-1],  # and back laterally
        ]
    )
    ring = np.vstack([ring, ring[:1]])  # closed: last vertex repeats the first
    outline = ring * np.array([width, length])
    area = _polygon_area(outline)

    mean_width = area / length
    rows = min(max(round(math.sqrt(n * length / mean_width)), 1), n)
    u_row = (np.arange(rows) + 0.5) / rows
    # the polygon's own edges (not the smooth curve) so that "inside" holds exactly
    lat_row = np.interp(u_row, u_edge, lateral_w)
    med_row = np.interp(u_row, u_edge, medial_w)
    span = med_row - lat_row
    per_row = np.ones(rows, dtype=np.int64)
    quota = (n - rows) * span / span.sum()
    per_row += np.floor(quota).astype(np.int64)
    left_over = n - int(per_row.sum())
    order = np.lexsort((np.arange(rows), -(quota - np.floor(quota))))  # stable, heel first
    per_row[order[:left_over]] += 1

    u_all = np.repeat(u_row, per_row)
    row_of = np.repeat(np.arange(rows), per_row)
    j = np.arange(n) - np.repeat(np.cumsum(per_row) - per_row, per_row)
    stagger = np.where(row_of % 2 == 0, -0.25, 0.25)
    fraction = (j + 0.5 + stagger) / per_row[row_of]
    w_all = lat_row[row_of] + fraction * span[row_of]
    return SensorLayout(
        name=f"sim{n}",
        x_mm=w_all * width,
        y_mm=u_all * length,
        area_mm2=np.full(n, area / n),
        foot_length_mm=length,
        foot_width_mm=width,
        outline_mm=outline,
    )


# ---------------------------------------------------------------------------------------------
# Rectangular sensel grids

#: Which end of the foot a grid's row 0 lies at, and which edge its column 0.
GridFirstRow = Literal["heel", "toe"]
GridFirstCol = Literal["lateral", "medial"]


def grid_layout(
    rows: int,
    cols: int,
    row_spacing_mm: float,
    col_spacing_mm: float,
    *,
    mask: npt.ArrayLike | None = None,
    name: str | None = None,
    first_row: GridFirstRow = "heel",
    first_col: GridFirstCol = "lateral",
) -> SensorLayout:
    """A rectangular matrix of sensels (rows across the foot, columns along it) in the foot frame.

    Indexing ``[r, c]`` is the device's own: row ``r`` runs across the foot, the rows
    ``row_spacing_mm`` apart along the foot's long axis; column ``c`` runs along the foot, the
    columns ``col_spacing_mm`` apart across it. Row 0 lies at the heel end
    (``first_row="heel"``, the default) or at the toe end (``"toe"``); column 0 at the lateral
    edge (``first_col="lateral"``, the default) or at the medial edge (``"medial"``).

    Mirroring: seen from above with the toes up, the medial edge of a right foot is on the
    viewer's left and of a left foot on the viewer's right. So a matrix whose columns count
    from the viewer's left (the usual drawing of a sensor sheet) is ``first_col="lateral"`` on
    a left insole and ``first_col="medial"`` on a right one; with that, both come out with
    ``+x`` medial, as every layout in this frame.

    ``mask`` (boolean, or 0/1 integers, shape (rows, cols), in the same indexing; default: every
    cell) says which cells are sensels; the others (outside the insole) are dropped.

    **Sensor order**: row-major over the kept cells in the device's indexing, ``r = 0, 1, ...``
    and within a row ``c = 0, 1, ...``: the order of the values on the wire when the device
    scans its matrix row by row.

    Geometry: cell ``(r, c)`` is a ``row_spacing_mm`` × ``col_spacing_mm`` rectangle whose
    centre is the sensor's centroid; ``area_mm2`` is that product for every sensel. The foot
    length is the kept cells' extent along the foot (the heel edge of the kept cell nearest the
    heel at ``y = 0``, the toe edge of the one nearest the toes at ``y = foot_length_mm``), the
    foot width their extent across it, centred on ``x = 0``; so a full grid's sensels lie at
    ``y = (k + 1/2) · row_spacing_mm`` (``k`` rows from the heel) and a column on the grid's
    centre line, if any, at ``x = 0``. The outline is the convex hull of the kept cells'
    corners (a rectangle for a full grid). Regions are the standard bands of this module (a
    sensel on the centre line counts as lateral). The default name is ``grid<rows>x<cols>``,
    with ``-<n>`` (the kept cells) appended when a mask drops cells.

    Parameters
    ----------
    rows : int
        Rows of the matrix (across the foot; counted along it).
    cols : int
        Columns of the matrix (along the foot; counted across it).
    row_spacing_mm : float
        Distance between rows along the foot, mm.
    col_spacing_mm : float
        Distance between columns across the foot, mm.
    mask : array of bool or 0/1, shape (rows, cols), optional
        Which cells are sensels (default: every cell).
    name : str, optional
        The layout's name (default ``grid<rows>x<cols>``, ``-<n>`` appended with a mask).
    first_row : {"heel", "toe"}
        The end of the foot row 0 lies at.
    first_col : {"lateral", "medial"}
        The edge of the foot column 0 lies at.

    Returns
    -------
    SensorLayout
        The sensels' centroids (mm), areas (``row_spacing_mm · col_spacing_mm``, mm²),
        outline and standard regions, in row-major order of the kept cells.

    Raises
    ------
    ValueError
        For counts or spacings that are not positive, an unknown ``first_row`` or
        ``first_col``, or a mask of the wrong shape or keeping no cell.
    """
    for label, count in (("rows", rows), ("cols", cols)):
        if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < 1:
            raise ValueError(f"{label} must be a positive integer, got {count!r}")
    for label, spacing in (("row_spacing_mm", row_spacing_mm), ("col_spacing_mm", col_spacing_mm)):
        ok = isinstance(spacing, (int, float, np.floating, np.integer)) and not isinstance(
            spacing, bool
        )
        if not (ok and math.isfinite(spacing) and spacing > 0):
            raise ValueError(f"{label} must be a positive finite number of mm, got {spacing!r}")
    if first_row not in ("heel", "toe"):
        raise ValueError(f"first_row must be 'heel' or 'toe', got {first_row!r}")
    if first_col not in ("lateral", "medial"):
        raise ValueError(f"first_col must be 'lateral' or 'medial', got {first_col!r}")
    n_rows, n_cols = int(rows), int(cols)
    dy, dx = float(row_spacing_mm), float(col_spacing_mm)
    if mask is None:
        keep = np.ones((n_rows, n_cols), dtype=np.bool_)
    else:
        given = np.asarray(mask)
        if given.shape != (n_rows, n_cols):
            raise ValueError(f"mask must have shape ({n_rows}, {n_cols}), got {given.shape}")
        if given.dtype != np.bool_:
            if not (np.issubdtype(given.dtype, np.integer) and np.isin(given, (0, 1)).all()):
                raise ValueError("mask must hold booleans (or the integers 0 and 1)")
            given = given.astype(np.bool_)
        keep = given
    r, c = np.nonzero(keep)  # row-major, the sensor order
    if r.size == 0:
        raise ValueError("mask keeps no cell: a layout needs at least one sensor")
    if r.size > MAX_SENSORS:
        raise ValueError(f"a layout has at most {MAX_SENSORS} sensors, the grid keeps {r.size}")
    # k: rows counted from the heel, j: columns counted from the lateral edge
    k = r if first_row == "heel" else n_rows - 1 - r
    j = c if first_col == "lateral" else n_cols - 1 - c
    k0, j0, j1 = int(k.min()), int(j.min()), int(j.max())
    y = (k - k0 + 0.5).astype(np.float64) * dy
    x = (j - (j0 + j1) / 2).astype(np.float64) * dx
    length = (int(k.max()) - k0 + 1) * dy
    width = (j1 - j0 + 1) * dx
    corners = np.unique(
        np.concatenate([np.column_stack([x + sx * dx / 2, y + sy * dy / 2]) for sx, sy in _SIGNS]),
        axis=0,
    )
    if name is None:
        name = f"grid{n_rows}x{n_cols}" + ("" if keep.all() else f"-{r.size}")
    return SensorLayout(
        name=name,
        x_mm=x,
        y_mm=y,
        area_mm2=np.full(r.size, dx * dy),
        foot_length_mm=length,
        foot_width_mm=width,
        outline_mm=convex_hull(corners),
    )


_SIGNS = ((-1, -1), (1, -1), (1, 1), (-1, 1))


def convex_hull(points: FloatArray) -> FloatArray:
    """Convex hull of distinct points (N, 2) as a closed counter-clockwise polygon, collinear
    points left out (Andrew's monotone chain). At least three points not on one line."""
    pts = sorted(map(tuple, points.tolist()))

    def half(sequence: list[tuple[float, float]]) -> list[tuple[float, float]]:
        chain: list[tuple[float, float]] = []
        for p in sequence:
            while len(chain) >= 2:
                (ax, ay), (bx, by) = chain[-2], chain[-1]
                if (bx - ax) * (p[1] - ay) - (by - ay) * (p[0] - ax) > 0:
                    break
                chain.pop()
            chain.append(p)
        return chain

    lower, upper = half(pts), half(pts[::-1])
    ring = lower[:-1] + upper[:-1]
    return np.array([*ring, ring[0]], dtype=np.float64)


_NAME = re.compile(r"(sim|line)([1-9][0-9]{0,3})")


def layout_by_name(name: str) -> SensorLayout:
    """The layout a device announces by name (``DeviceInfo.layout``).

    ``"sim<N>"`` is ``simulated_layout(N)``; ``"line<N>"`` (the name the first simulator used)
    is accepted for it too. Raises ``KeyError`` for any other name.
    """
    match = _NAME.fullmatch(name)
    if match is not None and 1 <= int(match.group(2)) <= MAX_SENSORS:
        return simulated_layout(int(match.group(2)))
    raise KeyError(
        f"unknown sensor layout {name!r}; known: sim1..sim{MAX_SENSORS} (simulated insole), "
        f"line1..line{MAX_SENSORS} (legacy name of the same)"
    )


__all__ = [
    "LENGTH_BANDS",
    "REGION_NAMES",
    "SIMULATED_WIDTH_RATIO",
    "GridFirstCol",
    "GridFirstRow",
    "SensorLayout",
    "grid_layout",
    "layout_by_name",
    "polygon_areas_centroids",
    "simulated_layout",
]
