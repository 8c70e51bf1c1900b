"""Sensor layouts of insoles whose recordings we read, in the foot frame of ``pressure.layout``.

The foot frame: origin at the back of the heel, +y anterior, +x medial on both feet (the left
insole mirrored), normally in mm. Each layout below says where its numbers come from and how
sure they are.

``gaitpdb8`` — PhysioNet *Gait in Parkinson's Disease* 1.0.0 (Hausdorff et al.; Open Data
Commons Attribution License v1.0), 8 force sensors per foot (Infotronic insoles). The database's
``format.txt`` (https://physionet.org/content/gaitpdb/1.0.0/format.txt; METHODS.md §1.2) gives
each sensor's (X, Y) in **arbitrary units**, origin between the feet, +Y forward, feet parallel:

    sensor   1     2     3     4     5     6     7     8
    left X  -500  -700  -300  -700  -300  -700  -300  -500     (right X = -left X)
    Y       -800  -400  -400     0     0   400   400   800

Mirrored so +x is medial on both feet (METHODS §1.2): ``x = X + 500`` (left), ``x = 500 - X``
(right), so sensors 3, 5, 7 are medial (x = +200) and 2, 4, 6 lateral (x = -200) on both feet.
``y = Y + 1000``: we put the heel end 200 units behind the heel sensor and the toe end 200
units ahead of the toe sensor, so the foot length is 2000 units and the sensors sit at 10, 30,
50, 70 and 90 % of it; the foot width is 600 units (the sensors at ±200 plus a margin of 100).
These margins and the elliptical outline are our convention, not the source's. **The units are
arbitrary, not mm**: ``SensorLayout`` has no field for a coordinate unit, so they are stored 1:1
in its ``*_mm`` fields; use only normalised positions (``u``, ``w``) or ratios from this layout.
The values are forces in N per sensor, so the areas (1 unit² each) are placeholders that only
make pressure- and force-weighted centroids equal. Regions follow METHODS §5.3 (a proposal
derived from the coordinates): rearfoot = heel = {1, 2, 3}, midfoot = {4, 5}, metatarsals
(§5.3's "forefoot") = {6, 7}, toes = {8}, forefoot = {6, 7, 8}, medial = {3, 5, 7}, lateral =
{2, 4, 6}; sensors 1 and 8 lie on the midline and are in neither half, and the midfoot sensors
in neither rearfoot nor forefoot.

``moticon16`` — Moticon OpenGo insoles, 16 pressure sensors, insole size 7. The centres and
areas are **derived, not published by the vendor**: ``../shared/data/moticon/
sensor_layout_DERIVED_size7.csv`` fitted them by least squares to the vendor's own total-force
and centre-of-pressure columns of OpenGo text exports (Moticon test data from the
``moticon-opengo`` package, Apache-2.0). Moticon's normalised CoP runs -0.5..+0.5 along the
insole (``x_norm``, heel to toe) and across it (``y_norm``, the same on both insoles); that
``y_norm > 0`` is medial is inferred from which sensors are rarely loaded (the arch), not
confirmed. We map them linearly onto a **nominal** size-7 foot of ``MOTICON_FOOT_LENGTH_MM``
by ``MOTICON_FOOT_WIDTH_MM`` (nominal numbers, not measured)::

    y_mm = (x_norm + 0.5) * foot_length_mm        x_mm = y_norm * foot_width_mm
    x_norm = y_mm / foot_length_mm - 0.5 = u - 0.5    y_norm = x_mm / foot_width_mm = w

The map is exact, so a CoP computed with this layout converts back to Moticon's normalised
units without loss (``foot_to_moticon_norm``): with the derived centres it matches the vendor's
CoP columns to about 2e-5. Areas are ``area_cm2 x 100`` mm². Other insole sizes share the
normalised centres but not the areas (a size-3 insole's areas are 0.70 times these):
``moticon16_layout(area_scale=...)`` scales areas by ``area_scale`` and lengths by its square
root. The outline is the simulated insole's foot shape stretched to the nominal length and
width, for drawing only; regions are the standard length bands of ``pressure.layout``.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from .layout import (
    SIMULATED_WIDTH_RATIO,
    FloatArray,
    SensorLayout,
    layout_by_name,
    simulated_layout,
)

GAITPDB8 = "gaitpdb8"
MOTICON16 = "moticon16"
BUILTIN_LAYOUTS: tuple[str, ...] = (GAITPDB8, MOTICON16)

# --- gaitpdb8 ------------------------------------------------------------------------------

#: (X, Y) of the left insole's sensors 1..8 in format.txt's arbitrary units; right X = -left X
GAITPDB_LEFT_XY = np.array(
    [
        (-500, -800),
        (-700, -400),
        (-300, -400),
        (-700, 0),
        (-300, 0),
        (-700, 400),
        (-300, 400),
        (-500, 800),
    ],
    dtype=np.float64,
)
_GAITPDB_HEEL_Y = -1000.0  # our heel end: 200 units behind the heel sensor
GAITPDB_FOOT_LENGTH = 2000.0  # arbitrary units (heel end to toe end)
GAITPDB_FOOT_WIDTH = 600.0  # arbitrary units


def gaitpdb_left_to_foot(x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
    """format.txt (X, Y) of the left insole → foot frame (x medial, y from the heel end)."""
    return x + 500.0, y - _GAITPDB_HEEL_Y


def gaitpdb_right_to_foot(x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
    """format.txt (X, Y) of the right insole → foot frame (mirrored: x medial)."""
    return 500.0 - x, y - _GAITPDB_HEEL_Y


def _ellipse(length: float, width: float, n: int = 72) -> FloatArray:
    angle = np.linspace(0.0, 2 * np.pi, n + 1)
    outline = np.column_stack(
        [width / 2 * np.sin(angle), length / 2 * (1 - np.cos(angle))]  # starts at the heel
    )
    outline[-1] = outline[0]  # closed exactly, not up to rounding
    return outline


@functools.cache
def gaitpdb8_layout() -> SensorLayout:
    """The 8-sensor layout of PhysioNet gaitpdb, the same for both feet (module docstring).

    Coordinates in format.txt's arbitrary units (stored in the ``*_mm`` fields), foot length
    2000 and width 600 units; areas are placeholders of 1 unit²."""
    # the mirrored right insole lands on the same positions (tests check it), so one layout
    # serves both feet
    x, y = gaitpdb_left_to_foot(GAITPDB_LEFT_XY[:, 0], GAITPDB_LEFT_XY[:, 1])

    def sensors(*numbers: int) -> list[int]:
        return [n - 1 for n in numbers]

    rearfoot = sensors(1, 2, 3)
    return SensorLayout(
        name=GAITPDB8,
        x_mm=x,
        y_mm=y,
        area_mm2=np.ones(8),
        foot_length_mm=GAITPDB_FOOT_LENGTH,
        foot_width_mm=GAITPDB_FOOT_WIDTH,
        outline_mm=_ellipse(GAITPDB_FOOT_LENGTH, GAITPDB_FOOT_WIDTH),
        coordinate_unit="au",
        regions={
            "heel": np.array(rearfoot),
            "rearfoot": np.array(rearfoot),
            "midfoot": np.array(sensors(4, 5)),
            "metatarsals": np.array(sensors(6, 7)),
            "toes": np.array(sensors(8)),
            "forefoot": np.array(sensors(6, 7, 8)),
            "medial": np.array(sensors(3, 5, 7)),
            "lateral": np.array(sensors(2, 4, 6)),
        },
    )


# --- moticon16 -----------------------------------------------------------------------------

#: Nominal foot length and width of a size-7 Moticon insole (mm): round numbers, not measured.
MOTICON_FOOT_LENGTH_MM = 260.0
MOTICON_FOOT_WIDTH_MM = 100.0

# sensor_layout_DERIVED_size7.csv (sensors 1..16): area_cm2_size7, x_norm (AP), y_norm (ML)
_MOTICON_SIZE7 = np.array(
    [
        (12.364, -0.4037, 0.1092),
        (11.053, -0.4165, -0.1661),
        (13.360, -0.2654, 0.0892),
        (13.123, -0.2875, -0.2249),
        (13.128, -0.1253, 0.0614),
        (13.025, -0.1522, -0.2729),
        (17.933, 0.0806, 0.2422),
        (18.216, -0.0122, -0.3920),
        (15.658, 0.2563, 0.2742),
        (12.420, 0.2406, 0.0641),
        (12.503, 0.2260, -0.1160),
        (12.673, 0.2069, -0.2942),
        (10.230, 0.1698, -0.4623),
        (10.130, 0.4131, 0.1778),
        (12.501, 0.4081, -0.0822),
        (6.468, 0.3594, -0.3133),
    ]
)


def moticon_norm_to_foot(
    ap_norm: FloatArray, ml_norm: FloatArray, layout: SensorLayout
) -> tuple[FloatArray, FloatArray]:
    """Moticon normalised (AP -0.5..0.5 heel to toe, ML +medial) → foot frame (x_mm, y_mm)."""
    return ml_norm * layout.foot_width_mm, (ap_norm + 0.5) * layout.foot_length_mm


def foot_to_moticon_norm(
    x_mm: FloatArray, y_mm: FloatArray, layout: SensorLayout
) -> tuple[FloatArray, FloatArray]:
    """Foot frame (x_mm, y_mm) → Moticon normalised (AP, ML): the inverse of
    ``moticon_norm_to_foot``, i.e. ``(u - 0.5, w)``."""
    return y_mm / layout.foot_length_mm - 0.5, x_mm / layout.foot_width_mm


@functools.cache
def moticon16_layout(area_scale: float = 1.0) -> SensorLayout:
    """The derived Moticon 16-sensor layout (module docstring), for a size-7 insole by default.

    ``area_scale`` adapts it to another insole size: areas × ``area_scale``, foot length and
    width × ``sqrt(area_scale)`` (normalised centres unchanged); the name is then
    ``moticon16*<scale>`` so it is not mistaken for the size-7 layout.
    """
    if not (math.isfinite(area_scale) and area_scale > 0):
        raise ValueError(f"area_scale must be a positive number, got {area_scale!r}")
    linear = math.sqrt(area_scale)
    length = MOTICON_FOOT_LENGTH_MM * linear
    width = MOTICON_FOOT_WIDTH_MM * linear
    outline = simulated_layout(1, foot_length_mm=length).outline_mm.copy()
    outline[:, 0] *= width / (SIMULATED_WIDTH_RATIO * length)
    name = MOTICON16 if area_scale == 1.0 else f"{MOTICON16}*{area_scale:.4g}"
    return SensorLayout(
        name=name,
        x_mm=_MOTICON_SIZE7[:, 2] * width,
        y_mm=(_MOTICON_SIZE7[:, 1] + 0.5) * length,
        area_mm2=_MOTICON_SIZE7[:, 0] * 100.0 * area_scale,
        foot_length_mm=length,
        foot_width_mm=width,
        outline_mm=outline,
    )


def builtin_layout(name: str) -> SensorLayout:
    """A layout by name: ``gaitpdb8``, ``moticon16``, or what ``pressure.layout.layout_by_name``
    knows (``sim<N>``). Raises ``KeyError`` naming the known layouts otherwise."""
    if name == GAITPDB8:
        return gaitpdb8_layout()
    if name == MOTICON16:
        return moticon16_layout()
    try:
        return layout_by_name(name)
    except KeyError as exc:
        raise KeyError(f"{exc.args[0]}; built in: {', '.join(BUILTIN_LAYOUTS)}") from None


__all__ = [
    "BUILTIN_LAYOUTS",
    "GAITPDB8",
    "MOTICON16",
    "MOTICON_FOOT_LENGTH_MM",
    "MOTICON_FOOT_WIDTH_MM",
    "builtin_layout",
    "foot_to_moticon_norm",
    "gaitpdb8_layout",
    "moticon16_layout",
    "moticon_norm_to_foot",
]
