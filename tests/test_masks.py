"""Automatic anatomical regions (pressure.masks): partition, anatomy, resolution, geometry."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from pressure.layout import SensorLayout, convex_hull, grid_layout, simulated_layout
from pressure.layouts_builtin import gaitpdb8_layout, moticon16_layout
from pressure.masks import (
    HALLUX_BOUNDARY,
    MTH_BOUNDARIES,
    REGIONS_COARSE,
    REGIONS_FINE,
    anatomical_regions,
    footprint,
    with_anatomical_regions,
)

PITCH = 5.0  # mm
ROWS, COLS = 52, 22  # the foot mask: row 0 at the heel, column 0 lateral
GAP_ROW = 41  # one row of unloaded sensels between the forefoot and the toes
HALLUX_X = 17.5  # hallux sensels at x > this (mm from the centre line, + medial)
LESSER_X = 12.5  # lesser-toe sensels at x < this; no sensel in between (a gap column)
MTH_NAMES = [f"auto.mth{k}" for k in range(1, 6)]


def _col_x(cols: int = COLS) -> np.ndarray:
    return (np.arange(cols) - (cols - 1) / 2) * PITCH


def foot_mask(*, gap: bool = True) -> np.ndarray:
    """A footprint-like matrix (ROWS × COLS, row 0 heel, column 0 lateral): a narrow rounded
    heel, a medial arch indentation, a wide forefoot, then (with ``gap``) one unloaded row and
    the toes: a hallux medially, the lesser toes laterally, a gap column between them."""
    x = _col_x()
    mask = np.zeros((ROWS, COLS), dtype=bool)
    for r in range(ROWS):
        if r < 2:
            lateral, medial = -18.0, 18.0  # rounded back of the heel
        elif r < 13:
            lateral, medial = -28.0, 28.0  # heel
        elif r < 29:
            lateral = -30.0 - 12.0 * (r - 13) / 16  # lateral border widens forwards
            medial = 5.0 if 16 <= r <= 26 else 22.0  # the medial arch
        elif r < GAP_ROW:
            lateral, medial = -48.0, 50.0  # forefoot (metatarsal heads)
        elif r == GAP_ROW:
            if gap:
                continue
            lateral, medial = -44.0, 50.0
        else:
            hallux = (x > HALLUX_X) & (x < 50.0)
            lesser = (x > -44.0) & (x < LESSER_X) & (r <= 48)
            mask[r] = hallux | lesser
            continue
        mask[r] = (x > lateral) & (x < medial)
    return mask


def check_partition(regions: dict[str, np.ndarray], covered: np.ndarray) -> None:
    """Every covered sensor in exactly one region, every other sensor in none."""
    count = np.sum([m.astype(int) for m in regions.values()], axis=0)
    assert np.array_equal(count, covered.astype(int)), "the auto regions are not a partition"
    for name, mask in regions.items():
        assert name.startswith("auto.") and mask.dtype == np.bool_ and mask.any(), name


def mean_x(layout: SensorLayout, mask: np.ndarray) -> float:
    return float(layout.x_mm[mask].mean())


def mean_y(layout: SensorLayout, mask: np.ndarray) -> float:
    return float(layout.y_mm[mask].mean())


def check_anatomy(layout: SensorLayout, regions: dict[str, np.ndarray]) -> None:
    """MTH1..5 medial to lateral, hallux medial of the lesser toes, heel < midfoot < forefoot
    < toes from the heel, and the big-toe regions on the medial (+x) side."""
    assert tuple(regions) == REGIONS_FINE
    foot = np.any(list(regions.values()), axis=0)
    centre = (layout.x_mm[foot].max() + layout.x_mm[foot].min()) / 2  # of the footprint
    xs = [mean_x(layout, regions[n]) - centre for n in MTH_NAMES]
    assert all(a > b for a, b in itertools.pairwise(xs)), f"MTH not medial→lateral: {xs}"
    assert xs[0] > 0 > xs[-1]
    hallux, lesser = regions["auto.hallux"], regions["auto.lesser_toes"]
    assert mean_x(layout, hallux) > centre and mean_x(layout, hallux) > mean_x(layout, lesser)
    forefoot = np.any([regions[n] for n in MTH_NAMES], axis=0)
    ys = [
        mean_y(layout, regions["auto.heel"]),
        mean_y(layout, regions["auto.midfoot"]),
        mean_y(layout, forefoot),
        mean_y(layout, hallux | lesser),
    ]
    assert ys == sorted(ys) and len(set(ys)) == 4, ys
    # strictly: every heel sensor behind every midfoot sensor, etc. (length bands)
    assert layout.y_mm[regions["auto.heel"]].max() < layout.y_mm[regions["auto.midfoot"]].min()
    assert layout.y_mm[regions["auto.midfoot"]].max() < layout.y_mm[forefoot].min()


def plate(offset: tuple[int, int] = (4, 5), shape: tuple[int, int] = (62, 34), gap: bool = True):
    """A full plate grid with the foot mask loaded at ``offset``: (layout, peak, foot cells)."""
    rows, cols = shape
    loaded = np.zeros(shape, dtype=bool)
    r0, c0 = offset
    loaded[r0 : r0 + ROWS, c0 : c0 + COLS] = foot_mask(gap=gap)
    rng = np.random.default_rng(5)
    peak = np.where(loaded, rng.uniform(40.0, 400.0, shape), 0.0)
    # sub-threshold noise around the foot (threshold: 1 % of the largest peak, ≥ 0.4)
    noise = ~loaded & (rng.random(shape) < 0.2)
    peak[noise] = rng.uniform(0.01, 0.3, int(noise.sum()))
    layout = grid_layout(rows, cols, PITCH, PITCH, name="plate")
    return layout, peak.ravel(), loaded.ravel()


# --- insoles and grids without a peak image ---------------------------------------------------


def test_foot_shaped_grid_insole_fine_partition_and_anatomy() -> None:
    layout = grid_layout(ROWS, COLS, PITCH, PITCH, mask=foot_mask())
    regions = anatomical_regions(layout)
    check_partition(regions, np.ones(layout.n_sensors, dtype=bool))
    check_anatomy(layout, regions)
    # without a peak image: the layout's own length bands and the insole toe line at 85 % FL
    assert np.array_equal(regions["auto.heel"], layout.regions["heel"])
    assert np.array_equal(regions["auto.midfoot"], layout.regions["midfoot"])
    toes = regions["auto.hallux"] | regions["auto.lesser_toes"]
    assert np.array_equal(toes, layout.u >= 0.85)
    assert np.array_equal(toes, layout.regions["toes"])


@pytest.mark.parametrize("n", [99, 200, 400])
def test_simulated_insoles_fine(n: int) -> None:
    layout = simulated_layout(n)
    regions = anatomical_regions(layout)
    check_partition(regions, np.ones(n, dtype=bool))
    check_anatomy(layout, regions)
    assert all(int(m.sum()) >= 2 for m in regions.values())


@pytest.mark.parametrize(
    "layout", [simulated_layout(16), simulated_layout(12), moticon16_layout(), gaitpdb8_layout()]
)
def test_low_resolution_falls_back_to_coarse(layout: SensorLayout) -> None:
    regions = anatomical_regions(layout)
    check_partition(regions, np.ones(layout.n_sensors, dtype=bool))
    assert not any(name.startswith("auto.mth") for name in regions)
    allowed = set(REGIONS_COARSE) | {"auto.hallux", "auto.lesser_toes"}
    assert set(regions) <= allowed
    assert {"auto.heel", "auto.midfoot", "auto.forefoot"} <= set(regions)
    # the toes are either one region or split into hallux and lesser toes, never both
    assert ("auto.toes" in regions) != ("auto.hallux" in regions) or not any(
        n in regions for n in ("auto.toes", "auto.hallux")
    )
    if "auto.hallux" in regions:
        assert mean_x(layout, regions["auto.hallux"]) > mean_x(layout, regions["auto.lesser_toes"])
    ys = [mean_y(layout, regions[n]) for n in ("auto.heel", "auto.midfoot", "auto.forefoot")]
    assert ys == sorted(ys)


def test_sixteen_sensor_simulated_insole_is_coarse_with_split_toes() -> None:
    layout = simulated_layout(16)
    regions = anatomical_regions(layout)
    assert list(regions) == [
        "auto.heel",
        "auto.midfoot",
        "auto.forefoot",
        "auto.hallux",
        "auto.lesser_toes",
    ]
    assert np.array_equal(regions["auto.forefoot"], layout.regions["metatarsals"])


def test_arbitrary_units_and_scale_invariance() -> None:
    layout = simulated_layout(99)
    regions = anatomical_regions(layout)
    scale = 0.013
    scaled = SensorLayout(
        name="scaled",
        x_mm=layout.x_mm * scale,
        y_mm=layout.y_mm * scale,
        area_mm2=layout.area_mm2 * scale**2,
        foot_length_mm=layout.foot_length_mm * scale,
        foot_width_mm=layout.foot_width_mm * scale,
        outline_mm=layout.outline_mm * scale,
        coordinate_unit="au",
    )
    again = anatomical_regions(scaled)
    assert regions.keys() == again.keys()
    assert all(np.array_equal(regions[k], again[k]) for k in regions)
    # gaitpdb's arbitrary units: coarse, sensor 1 the heel, sensor 8 the toes
    gait = anatomical_regions(gaitpdb8_layout())
    assert np.flatnonzero(gait["auto.heel"]).tolist() == [0]
    assert np.flatnonzero(gait["auto.forefoot"]).tolist() == [5, 6]
    assert np.flatnonzero(gait["auto.toes"]).tolist() == [7]


def test_mirrored_matrix_gives_the_same_regions_on_the_same_positions() -> None:
    mask = foot_mask()
    lateral_first = grid_layout(ROWS, COLS, PITCH, PITCH, mask=mask, first_col="lateral")
    medial_first = grid_layout(ROWS, COLS, PITCH, PITCH, mask=mask[:, ::-1], first_col="medial")
    a, b = anatomical_regions(lateral_first), anatomical_regions(medial_first)
    assert a.keys() == b.keys()

    def by_position(layout: SensorLayout, regions: dict[str, np.ndarray]) -> set:
        return {
            (round(float(x), 6), round(float(y), 6), name)
            for name, m in regions.items()
            for x, y in zip(layout.x_mm[m], layout.y_mm[m], strict=True)
        }

    assert by_position(lateral_first, a) == by_position(medial_first, b)
    # and the file order really differs, so the check is not trivial
    assert not np.array_equal(lateral_first.x_mm, medial_first.x_mm)


# --- the split itself -------------------------------------------------------------------------


def test_parallel_edge_lines_split_the_width_by_the_published_fractions() -> None:
    # a rectangular grid: the edge lines are its sides, parallel, 100 mm apart; the fraction of
    # the way from the medial side is t = (50 - x) / 100 at sensel centre x
    layout = grid_layout(40, 20, PITCH, PITCH)
    regions = anatomical_regions(layout)
    t = (50.0 - layout.x_mm) / 100.0
    forefoot = (layout.u >= 0.55) & (layout.u < 0.85)
    bounds = [-math.inf, *MTH_BOUNDARIES, math.inf]
    for k, name in enumerate(MTH_NAMES):
        expected = forefoot & (t >= bounds[k]) & (t < bounds[k + 1])
        assert np.array_equal(regions[name], expected), name
    toes = layout.u >= 0.85
    assert np.array_equal(regions["auto.hallux"], toes & (t < HALLUX_BOUNDARY))
    assert np.array_equal(regions["auto.lesser_toes"], toes & (t >= HALLUX_BOUNDARY))
    assert [int(regions[n].sum()) // 12 for n in MTH_NAMES] == [6, 3, 4, 3, 4]


def test_angle_fractions_are_measured_at_the_edge_lines_intersection() -> None:
    # a fan-shaped foot: straight medial and lateral borders meeting 200 mm behind the heel at
    # ±30° about +y, so α = 60° and the split lines are rays from (0, -200)
    half = math.radians(30.0)
    origin = np.array([0.0, -200.0])
    length = 250.0
    corners = []
    for yy in (0.0, length):
        w = (yy + 200.0) * math.tan(half)
        corners += [(-w, yy), (w, yy)]
    outline = convex_hull(np.array(corners))
    # sensors on rays at angle fraction f from the medial border (+x side), at 25 depths
    fractions = [0.05, 0.29, 0.31, 0.32, 0.34, 0.46, 0.48, 0.63, 0.65, 0.80, 0.82, 0.95]
    depths = np.linspace(0.02, 0.98, 25) * length
    xs, ys, fs = [], [], []
    for f in fractions:
        angle = half - f * 2 * half  # from +x (medial) to -x (lateral), measured from +y
        for yy in depths:
            xs.append(origin[0] + (yy - origin[1]) * math.tan(angle))
            ys.append(yy)
            fs.append(f)
    layout = SensorLayout(
        name="fan",
        x_mm=np.array(xs),
        y_mm=np.array(ys),
        area_mm2=np.full(len(xs), 4.0),
        foot_length_mm=length,
        foot_width_mm=float(np.ptp(outline[:, 0])),
        outline_mm=outline,
    )
    regions = anatomical_regions(layout)
    ray = np.array(fs)
    forefoot = (layout.u >= 0.55) & (layout.u < 0.85)
    bounds = [-math.inf, *MTH_BOUNDARIES, math.inf]
    for k, name in enumerate(MTH_NAMES):
        expected = forefoot & (ray > bounds[k]) & (ray < bounds[k + 1])
        assert expected.any() and np.array_equal(regions[name], expected), name
    toes = layout.u >= 0.85
    assert np.array_equal(regions["auto.hallux"], toes & (ray < HALLUX_BOUNDARY))
    assert np.array_equal(regions["auto.lesser_toes"], toes & (ray > HALLUX_BOUNDARY))
    # the check discriminates: a fraction of distances from the two borders (instead of the
    # angle) would put the rays at f = 0.29 and 0.32 beyond the 0.30 and 0.33 lines
    alpha = 2 * half
    for f_ray, boundary in ((0.29, 0.30), (0.32, 0.33)):
        by_distance = math.sin(f_ray * alpha) / (
            math.sin(f_ray * alpha) + math.sin((1 - f_ray) * alpha)
        )
        assert by_distance > boundary


# --- footprints from a peak image -------------------------------------------------------------


def test_peak_footprint_unloaded_sensels_in_no_region_and_toes_from_the_gap() -> None:
    layout, peak, loaded = plate()
    regions = anatomical_regions(layout, peak)
    check_partition(regions, loaded)
    check_anatomy(layout, regions)
    # the toes are exactly the sensels beyond the unloaded row, the hallux the medial toe
    foot = np.zeros((62, 34), dtype=bool)
    foot[4 + GAP_ROW + 1 : 4 + ROWS, :] = True
    toes = loaded & foot.ravel()
    assert np.array_equal(regions["auto.hallux"] | regions["auto.lesser_toes"], toes)
    x_foot = layout.x_mm - (layout.x_mm[loaded].max() + layout.x_mm[loaded].min()) / 2
    assert np.array_equal(regions["auto.hallux"], toes & (x_foot > HALLUX_X))
    assert np.array_equal(regions["auto.lesser_toes"], toes & (x_foot < LESSER_X))
    # the heel and the midfoot by 27 % and 55 % of the footprint's length (52 rows)
    row = np.repeat(np.arange(62), 34) - 4
    u = (row + 0.5) / ROWS
    assert np.array_equal(regions["auto.heel"], loaded & (u < 0.27))
    assert np.array_equal(regions["auto.midfoot"], loaded & (u >= 0.27) & (u < 0.55))
    # the insole toe line would have cut the toes elsewhere: the gap decided
    assert not np.array_equal(toes, loaded & (u >= 0.85))


def test_peak_footprint_without_a_toe_gap_uses_the_85_percent_line() -> None:
    layout, peak, loaded = plate(gap=False)
    regions = anatomical_regions(layout, peak)
    check_partition(regions, loaded)
    row = np.repeat(np.arange(62), 34) - 4
    u = (row + 0.5) / ROWS
    toes = regions["auto.hallux"] | regions["auto.lesser_toes"]
    assert np.array_equal(toes, loaded & (u >= 0.85))


def test_peak_footprint_threshold_nan_and_validation() -> None:
    layout, peak, loaded = plate()
    assert np.array_equal(footprint(layout, peak), loaded)  # the noise stays below 1 %
    assert footprint(layout).all()
    # an explicit threshold in the peak's unit; NaN is never in the footprint
    assert np.array_equal(footprint(layout, peak, threshold=0.0), peak > 0)
    with_nan = peak.copy()
    with_nan[np.flatnonzero(loaded)[:3]] = np.nan
    regions = anatomical_regions(layout, with_nan)
    covered = np.sum([m for m in regions.values()], axis=0)
    assert covered[np.flatnonzero(loaded)[:3]].sum() == 0
    check_partition(regions, loaded & np.isfinite(with_nan))
    assert anatomical_regions(layout, np.zeros(layout.n_sensors)) == {}
    with pytest.raises(ValueError, match="one value per sensor"):
        anatomical_regions(layout, peak[:-1])
    with pytest.raises(ValueError, match="threshold"):
        anatomical_regions(layout, peak, threshold=math.nan)


@pytest.mark.parametrize("degrees", [-10.0, 7.0])
def test_rotated_footprint_keeps_the_anatomy(degrees: float) -> None:
    # a plate footprint left slightly rotated in the foot frame (an imperfect alignment)
    layout, peak, loaded = plate()
    a = math.radians(degrees)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    xy = np.column_stack([layout.x_mm, layout.y_mm]) @ rot.T
    xy[:, 1] -= xy[loaded, 1].min() - PITCH / 2
    rotated = SensorLayout(
        name="rotated",
        x_mm=xy[:, 0],
        y_mm=xy[:, 1],
        area_mm2=layout.area_mm2,
        foot_length_mm=float(np.ptp(xy[:, 1])) + PITCH,
        foot_width_mm=float(np.ptp(xy[:, 0])) + PITCH,
        outline_mm=convex_hull(xy),
    )
    straight = anatomical_regions(layout, peak)
    regions = anatomical_regions(rotated, peak)
    check_partition(regions, loaded)
    check_anatomy(rotated, regions)
    # the toes come from the gap, not from a band: the same sensels
    assert np.array_equal(regions["auto.hallux"], straight["auto.hallux"])
    assert np.array_equal(regions["auto.lesser_toes"], straight["auto.lesser_toes"])
    # the metatarsal split is measured from the edge lines, which turn with the foot: the
    # forefoot sensels in both keep their metatarsal head almost everywhere
    both = np.any([straight[n] for n in MTH_NAMES], axis=0) & np.any(
        [regions[n] for n in MTH_NAMES], axis=0
    )
    same = sum(int((straight[n] & regions[n]).sum()) for n in MTH_NAMES)
    assert same >= 0.9 * int(both.sum())


# --- with_anatomical_regions ------------------------------------------------------------------


def test_with_anatomical_regions_keeps_own_regions_and_replaces_old_auto() -> None:
    layout = grid_layout(ROWS, COLS, PITCH, PITCH, mask=foot_mask())
    custom = np.zeros(layout.n_sensors, dtype=bool)
    custom[:5] = True
    stale = np.ones(layout.n_sensors, dtype=bool)
    base = SensorLayout(
        name=layout.name,
        x_mm=layout.x_mm,
        y_mm=layout.y_mm,
        area_mm2=layout.area_mm2,
        foot_length_mm=layout.foot_length_mm,
        foot_width_mm=layout.foot_width_mm,
        outline_mm=layout.outline_mm,
        regions={"vendor.first": custom, "auto.old": stale},
    )
    out = with_anatomical_regions(base)
    assert "auto.old" not in out.regions
    assert np.array_equal(out.regions["vendor.first"], custom)
    for name in ("heel", "midfoot", "metatarsals", "toes", "medial", "lateral"):
        assert np.array_equal(out.regions[name], layout.regions[name])
    auto = {k: v for k, v in out.regions.items() if k.startswith("auto.")}
    assert tuple(auto) == REGIONS_FINE
    check_partition(auto, np.ones(layout.n_sensors, dtype=bool))
    assert with_anatomical_regions(out) == out  # applying it again changes nothing
    # with a peak image: the coarse/fine set is recomputed for the loaded footprint
    plate_layout, peak, loaded = plate()
    on_plate = with_anatomical_regions(plate_layout, peak)
    auto = {k: v for k, v in on_plate.regions.items() if k.startswith("auto.")}
    check_partition(auto, loaded)
