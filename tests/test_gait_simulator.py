"""The sensor layouts and the synthetic gait, measured back.

Every ground truth of ``SyntheticGait`` is recovered here from the generated counts alone, with
small computations written out in this file (force = pressure × area, threshold crossings,
force-weighted centroids), never with the simulator's own internals. The layout and ground-truth
events are public outputs and are used as such.
"""

from __future__ import annotations

import dataclasses
import json
import math
from functools import cache

import numpy as np
import pytest

from firmware_protocol import Side, Unit, decode_capture, encode
from pressure.layout import (
    REGION_NAMES,
    SensorLayout,
    layout_by_name,
    simulated_layout,
)
from pressure.simulator.gait import SyntheticGait

THRESHOLD_N = 20.0  # contact threshold for event detection (METHODS §4.1)


# ---------------------------------------------------------------------------------------------
# independent measurements


def forces_n(counts, gait):
    """Per-sensor force in N, (frames, sensors): kPa × mm² = 1e-3 N."""
    return counts.astype(float) * gait.pressure_scale_kpa * gait.layout.area_mm2 * 1e-3


def stances(total_n, threshold=THRESHOLD_N):
    """(contact, lift-off) sample indices of the complete stances: the first sample at or above
    the threshold after one below it, and the first sample below it after that."""
    on = total_n >= threshold
    up = np.flatnonzero(on[1:] & ~on[:-1]) + 1
    down = np.flatnonzero(~on[1:] & on[:-1]) + 1
    if up.size == 0:
        return up, up
    down = down[down > up[0]]
    n = min(up.size, down.size)
    return up[:n], down[:n]


def stance_mask(total_n):
    mask = np.zeros(total_n.size, dtype=bool)
    for a, b in zip(*stances(total_n), strict=True):
        mask[a:b] = True
    return mask


def swing_by_truth(gait, side):
    """Frames whose latest ground-truth event is a toe off (before any event: whether the
    first event is a heel strike)."""
    hs, to = gait.events()[side]
    times = np.concatenate([hs, to])
    is_toe_off = np.concatenate([np.zeros(hs.size, bool), np.ones(to.size, bool)])
    order = np.argsort(times)
    times, is_toe_off = times[order], is_toe_off[order]
    t = np.arange(gait.n_frames) / gait.rate_hz
    latest = np.searchsorted(times, t, side="right") - 1
    return np.where(latest >= 0, is_toe_off[np.maximum(latest, 0)], ~is_toe_off[0])


def inside_polygon(x, y, polygon):
    """Even-odd ray casting: True where (x, y) lies inside the closed polygon."""
    inside = np.zeros(np.shape(x), dtype=bool)
    x0, y0 = polygon[:-1, 0], polygon[:-1, 1]
    x1, y1 = polygon[1:, 0], polygon[1:, 1]
    for a, b, c, d in zip(x0, y0, x1, y1, strict=True):
        crosses = (b > y) != (d > y)
        with np.errstate(divide="ignore", invalid="ignore"):
            at = a + (c - a) * (y - b) / (d - b)
        inside ^= crosses & (x < at)
    return inside


def shoelace(polygon):
    x, y = polygon[:, 0], polygon[:, 1]
    return 0.5 * float(np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1]))


@cache
def walk(**kwargs):
    """One generation per parameter set, shared by the tests that measure it."""
    gait = SyntheticGait(**kwargs)
    left, right = gait.values()
    return gait, forces_n(left, gait), forces_n(right, gait)


# ---------------------------------------------------------------------------------------------
# layout


def test_foot_frame_of_the_simulated_outline():
    layout = simulated_layout(16, foot_length_mm=250.0)
    outline = layout.outline_mm
    x, y = outline[:, 0], outline[:, 1]
    assert outline.shape[1] == 2
    assert np.array_equal(outline[0], outline[-1])  # closed
    assert shoelace(outline) > 0  # counter-clockwise: up the medial (+x) edge, back laterally
    assert math.isclose(y.min(), 0.0, abs_tol=1e-9)  # origin at the back of the heel
    assert math.isclose(y.max(), 250.0)  # foot length along +y
    assert abs(x[np.argmin(y)]) < 1e-9  # the heel point is on the centre line
    assert math.isclose(x.max(), layout.foot_width_mm / 2)  # w spans -0.5..0.5
    assert math.isclose(x.min(), -layout.foot_width_mm / 2)
    assert 0.3 < layout.foot_width_mm / layout.foot_length_mm < 0.45
    # the widest part is the forefoot and the heel is narrower, as in a foot
    heel = x[(y > 20) & (y < 60)]
    forefoot = x[(y > 150) & (y < 190)]
    assert np.ptp(heel) < 0.75 * np.ptp(forefoot)
    # the toe tip leans medially (big toe side)
    assert x[np.argmax(y)] > 0
    assert np.allclose(layout.u, layout.y_mm / 250.0)
    assert np.allclose(layout.w, layout.x_mm / layout.foot_width_mm)


@pytest.mark.parametrize("n", [*range(1, 130), 255, 256, 500, 999, 1024, 2000, 4095, 4096])
def test_simulated_layout_places_exactly_n_sensors_inside(n):
    layout = simulated_layout(n)
    assert layout.n_sensors == n and layout.name == f"sim{n}"
    assert layout.x_mm.dtype == np.float64 and layout.x_mm.shape == (n,)
    assert inside_polygon(layout.x_mm, layout.y_mm, layout.outline_mm).all()
    assert len(set(zip(layout.x_mm, layout.y_mm, strict=True))) == n  # no two in one place
    # equal shares of the outline's area
    assert np.allclose(layout.area_mm2, shoelace(layout.outline_mm) / n)
    regions = layout.regions
    if n >= 2:
        assert regions["medial"].any() and regions["lateral"].any()
        assert layout.u.min() < 0.5 <= layout.u.max()  # heel to toes
    if n >= 4:
        for part in ("rearfoot", "forefoot"):
            for side in ("medial", "lateral"):
                assert (regions[part] & regions[side]).any(), (part, side)
    if n >= 8:
        assert layout.u.min() < 0.27 and layout.u.max() >= 0.85
        for band in ("heel", "midfoot", "metatarsals", "toes"):
            assert regions[band].any(), band


def test_simulated_layout_is_deterministic_and_read_only():
    a, b = simulated_layout(99), simulated_layout(99)
    assert a == b and hash(a) == hash(b) and a is not b
    assert a != simulated_layout(98)
    with pytest.raises(ValueError):
        a.x_mm[0] = 1.0
    with pytest.raises(ValueError):
        a.regions["heel"][0] = True
    with pytest.raises(TypeError):
        a.regions["new"] = a.regions["heel"]  # type: ignore[index]


def test_regions_follow_the_percent_of_foot_length_bounds():
    layout = simulated_layout(1024)
    u, x, r = layout.u, layout.x_mm, layout.regions
    assert set(REGION_NAMES) <= set(r)
    assert np.array_equal(r["heel"], u < 0.27)
    assert np.array_equal(r["midfoot"], (u >= 0.27) & (u < 0.55))
    assert np.array_equal(r["metatarsals"], (u >= 0.55) & (u < 0.85))
    assert np.array_equal(r["toes"], u >= 0.85)
    assert np.array_equal(r["rearfoot"], u < 0.5)
    assert np.array_equal(r["forefoot"], u >= 0.5)
    assert np.array_equal(r["medial"], x > 0)
    assert np.array_equal(r["lateral"], x <= 0)
    # each family partitions the sensors
    for family in (("heel", "midfoot", "metatarsals", "toes"), ("rearfoot", "forefoot")):
        assert np.array_equal(sum(r[name].astype(int) for name in family), np.ones(1024))
    assert not (r["medial"] & r["lateral"]).any()


def custom_layout(**changes):
    fields = dict(
        name="test4",
        x_mm=[-20.0, 20.0, -30.0, 30.0],
        y_mm=[30.0, 30.0, 200.0, 200.0],
        area_mm2=[100.0, 100.0, 100.0, 100.0],
        foot_length_mm=250.0,
        foot_width_mm=100.0,
        outline_mm=[[0, 0], [50, 125], [0, 250], [-50, 125], [0, 0]],
    )
    fields.update(changes)
    return SensorLayout(**fields)  # type: ignore[arg-type]


def test_a_layout_keeps_its_own_regions_and_gets_the_standard_ones():
    layout = custom_layout(regions={"hallux": [3], "heel": np.array([True, False, False, False])})
    assert np.array_equal(layout.regions["hallux"], [False, False, False, True])
    assert np.array_equal(layout.regions["heel"], [True, False, False, False])  # its own
    assert np.array_equal(layout.regions["forefoot"], [False, False, True, True])
    assert np.array_equal(layout.regions["medial"], [False, True, False, True])
    assert layout.n_sensors == 4 and layout.x_mm.dtype == np.float64


def test_side_weights_split_the_sensors_the_centre_line_crosses():
    # rows at y 30 (pitch 20 mm) and y 200 (pitch 35 mm)
    layout = custom_layout(x_mm=[0.0, 20.0, -5.0, 30.0])
    medial, lateral = layout.side_weights
    assert medial == pytest.approx([0.5, 1.0, 0.5 - 5 / 35, 1.0])  # on the line: half each
    assert medial + lateral == pytest.approx(np.ones(4))
    # the layout's own masks decide where they depart from x > 0 / x <= 0
    own = custom_layout(x_mm=[0.0, 20.0, -5.0, 30.0], regions={"medial": [1, 3], "lateral": [2]})
    medial, lateral = own.side_weights
    assert medial[0] == lateral[0] == 0.0  # in neither region: left out
    assert medial[1:] == pytest.approx([1.0, 0.5 - 5 / 35, 1.0])
    # sensors half a cell or more from the centre line are wholly on their side
    sim = simulated_layout(1024)
    medial, lateral = sim.side_weights
    whole = np.abs(sim.x_mm) >= 0.5 * np.sqrt(sim.area_mm2) * 1.5
    assert np.array_equal(medial[whole], sim.regions["medial"][whole])


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"x_mm": [0.0, 1.0]}, "one value per sensor"),
        ({"x_mm": []}, "non-empty"),
        ({"y_mm": [1.0, 2.0, float("nan"), 3.0]}, "finite"),
        ({"area_mm2": [1.0, 0.0, 1.0, 1.0]}, "positive"),
        ({"foot_length_mm": 0.0}, "foot_length_mm"),
        ({"foot_width_mm": float("inf")}, "foot_width_mm"),
        ({"outline_mm": [[0, 0], [1, 1]]}, "outline_mm"),
        ({"outline_mm": [0, 1, 2, 3]}, "outline_mm"),
        ({"regions": {"heel": [True, False]}}, "heel"),
        ({"regions": {"toes": [7]}}, "toes"),
        ({"regions": {"toes": [0.5]}}, "toes"),
        ({"x_mm": ["a", "b", "c", "d"]}, "x_mm"),
    ],
)
def test_layout_validation(changes, message):
    with pytest.raises(ValueError, match=message):
        custom_layout(**changes)


@pytest.mark.parametrize("bad", [0, 4097, -1, 2.5, True])
def test_simulated_layout_rejects_bad_counts(bad):
    with pytest.raises(ValueError, match="n_sensors"):
        simulated_layout(bad)


def test_layout_by_name():
    assert layout_by_name("sim16") == simulated_layout(16)
    legacy = layout_by_name("line8")
    assert legacy.n_sensors == 8 and np.array_equal(legacy.x_mm, simulated_layout(8).x_mm)
    assert layout_by_name("sim4096").n_sensors == 4096
    for unknown in ("pedar99", "sim0", "sim4097", "sim016", "sim", "SIM16", " sim16", ""):
        with pytest.raises(KeyError, match=r"known: sim1\.\.sim4096"):
            layout_by_name(unknown)


# ---------------------------------------------------------------------------------------------
# walking: timing


def test_cadence_stance_fraction_and_heel_strikes():
    gait, left, right = walk(seconds=40.0, cadence_steps_per_min=100.0, stance_fraction=0.6)
    events = gait.events()
    for side, force in ((Side.LEFT, left), (Side.RIGHT, right)):
        up, down = stances(force.sum(axis=1))
        stride_s = np.diff(up).mean() / gait.rate_hz
        stance_s = (down - up).mean() / gait.rate_hz
        assert 120.0 / stride_s == pytest.approx(100.0, rel=0.01)
        assert stance_s / stride_s == pytest.approx(0.6, rel=0.02)
        truth = events[side].heel_strike_s
        # every detected contact is a true heel strike, within two samples, and none is missed
        # (the recording starts and ends mid-stride, so the first may be partial)
        nearest = truth[np.argmin(np.abs(truth[None, :] - up[:, None] / gait.rate_hz), axis=1)]
        assert np.all(np.abs(up / gait.rate_hz - nearest) <= 2 / gait.rate_hz)
        assert up.size >= truth.size - 1
        assert np.all(np.diff(events[side].toe_off_s) > 0)


def test_events_alternate_and_strides_average_to_the_cadence():
    gait = SyntheticGait(seconds=120.0, cadence_steps_per_min=120.0, stance_fraction=0.65)
    events = gait.events()
    left, right = events.left.heel_strike_s, events.right.heel_strike_s
    assert left.min() >= 0 and right.max() < 120.0
    # a right heel strike between every two consecutive left ones
    between = (right[None, :] > left[:-1, None]) & (right[None, :] < left[1:, None])
    assert np.all(between.sum(axis=1) == 1)
    strides = np.diff(left)
    assert strides.mean() == pytest.approx(1.0, rel=0.003)
    assert 0.5 < 100 * strides.std() / strides.mean() < 3.0  # stride_cv_pct 1.5
    # toe off is stance_fraction of the stride after each heel strike
    hs, to = events.left
    first_to = to[to > hs[0]][: hs.size - 1]
    assert np.allclose((first_to - hs[:-1]) / strides[: first_to.size], 0.65)
    steady = SyntheticGait(seconds=30.0, stride_cv_pct=0.0).events()
    assert np.allclose(np.diff(steady.left.heel_strike_s), 120 / 110)
    n = min(steady.left.heel_strike_s.size, steady.right.heel_strike_s.size)
    lag = steady.right.heel_strike_s[:n] - steady.left.heel_strike_s[:n]
    assert np.allclose(lag, 60 / 110)  # right heel strike half a stride after the left


# ---------------------------------------------------------------------------------------------
# walking: loads and centre of pressure


def test_double_hump_force_near_body_weight():
    gait, left, right = walk(seconds=20.0, body_mass_kg=80.0, noise_kpa=0.0)
    body_weight = 80.0 * 9.81
    for force in (left, right):
        total = force.sum(axis=1)
        assert 1.0 <= total.max() / body_weight <= 1.3
        for a, b in zip(*stances(total), strict=True):
            shape = total[a:b] / body_weight
            n = shape.size
            first = shape[: n // 2].max()
            second = shape[n // 2 :].max()
            valley = shape[int(0.4 * n) : int(0.6 * n)].min()
            assert valley < 0.85 and first > 1.0 and second > 1.0
            assert np.argmax(shape[: n // 2]) < 0.35 * n  # loading peak early in stance
    for side, force in ((Side.LEFT, left), (Side.RIGHT, right)):
        total = force.sum(axis=1)
        swing = swing_by_truth(gait, side)
        assert np.all(total[swing] == 0)  # no noise: swing carries nothing
        assert np.all(total[~swing] > 0)


@pytest.mark.parametrize("share", [50.0, 65.0, 30.0])
def test_left_share_of_the_session_load(share):
    _, left, right = walk(seconds=12.0, left_share_pct=share)
    measured = 100 * left.sum() / (left.sum() + right.sum())
    assert measured == pytest.approx(share, abs=1.0)


@pytest.mark.parametrize("share", [55.0, 30.0, 75.0])
def test_forefoot_share_of_stance_load(share):
    gait, left, right = walk(seconds=20.0, forefoot_share_pct=share)
    fore = gait.layout.regions["forefoot"]
    for force in (left, right):
        in_stance = stance_mask(force.sum(axis=1))
        measured = 100 * force[in_stance][:, fore].sum() / force[in_stance].sum()
        assert measured == pytest.approx(share, abs=2.0)


def mean_stance_cop_w(gait, force):
    """Force-weighted mean medio-lateral CoP over the complete stances, in foot widths."""
    in_stance = stance_mask(force.sum(axis=1))
    f = force[in_stance]
    return float((f @ gait.layout.x_mm).sum() / f.sum() / gait.layout.foot_width_mm)


@pytest.mark.parametrize("sensors", [16, 99])
def test_medio_lateral_offset_of_the_gait_line(sensors):
    offsets = {}
    for pct in (-15.0, 0.0, 15.0):
        gait, left, right = walk(seconds=12.0, sensors=sensors, ml_offset_pct=pct)
        for force in (left, right):
            assert 100 * mean_stance_cop_w(gait, force) == pytest.approx(pct, abs=2.0)
        offsets[pct] = mean_stance_cop_w(gait, left)
    assert offsets[-15.0] < offsets[0.0] < offsets[15.0]  # + is medial


@pytest.mark.parametrize("sensors", [16, 99])
def test_medial_share_of_the_truth(sensors):
    shares, cpeis = {}, {}
    for pct in (-10.0, 0.0, 10.0):
        gait, left, right = walk(seconds=12.0, sensors=sensors, ml_offset_pct=pct)
        truth = gait.truth()
        medial_w, lateral_w = gait.layout.side_weights
        for force in (left, right):
            f = force[stance_mask(force.sum(axis=1))]
            medial, lateral = float((f @ medial_w).sum()), float((f @ lateral_w).sum())
            share = 100 * medial / (medial + lateral)
            assert share == pytest.approx(truth["model_medial_share_pct"], abs=1.0)
            mli = (medial - lateral) / (medial + lateral)
            assert mli == pytest.approx(truth["model_medial_lateral_index"], abs=0.02)
        shares[pct] = truth["model_medial_share_pct"]
        # the bow moves mid-stance: a medial walk's gait line bows medially of its chord
        cpei = truth["model_cpei_pct"]
        assert cpei is not None
        cpeis[pct] = cpei
    assert shares[-10.0] < shares[0.0] < shares[10.0]
    assert cpeis[-10.0] > cpeis[0.0] > cpeis[10.0]


def test_centre_of_pressure_rolls_heel_to_toe():
    gait, left, right = walk(seconds=12.0)
    for force in (left, right):
        total = force.sum(axis=1)
        cop_y = force @ gait.layout.y_mm / np.maximum(total, 1e-9)
        rear = gait.layout.regions["rearfoot"]
        for a, b in zip(*stances(total), strict=True):
            n = b - a
            assert cop_y[a + round(0.2 * n)] < cop_y[a + round(0.8 * n)] - 100  # mm
            # the heel loads first, the forefoot last
            assert force[a + 1, rear].sum() > force[a + 1, ~rear].sum()
            assert force[b - 2, ~rear].sum() > force[b - 2, rear].sum()
        # the gait line starts lateral of where it ends (lateral heel, medial push-off)
        a, b = (s[0] for s in stances(total))
        cop_x = force @ gait.layout.x_mm / np.maximum(total, 1e-9)
        assert cop_x[a + round(0.1 * (b - a))] < cop_x[a + round(0.9 * (b - a))]


# ---------------------------------------------------------------------------------------------
# standing


@pytest.mark.parametrize(("sway", "left_share"), [(4.0, 50.0), (10.0, 40.0)])
def test_quiet_standing(sway, left_share):
    gait = SyntheticGait(
        activity="stand",
        seconds=30.0,
        sway_mm=sway,
        left_share_pct=left_share,
        seed=5,
        noise_kpa=0.5,
    )
    counts_left, counts_right = gait.values()
    left, right = forces_n(counts_left, gait), forces_n(counts_right, gait)
    total_left, total_right = left.sum(axis=1), right.sum(axis=1)
    weight = 70.0 * 9.81
    assert total_left.min() > 0.2 * weight and total_right.min() > 0.2 * weight  # never unloaded
    assert np.allclose(total_left + total_right, weight, rtol=0.03)
    assert 100 * total_left.sum() / (total_left + total_right).sum() == pytest.approx(
        left_share, abs=1.0
    )
    fore = gait.layout.regions["forefoot"]
    for force in (left, right):
        assert 100 * force[:, fore].sum() / force.sum() == pytest.approx(55.0, abs=2.0)
    # combined CoP in the floor frame the truth describes: X to the right, left insole mirrored
    half = gait.truth()["standing_separation_mm"] / 2
    x = gait.layout.x_mm
    cop_x = (left @ (x - half) + right @ (half - x)) / (total_left + total_right)
    cop_y = (left @ gait.layout.y_mm + right @ gait.layout.y_mm) / (total_left + total_right)
    for axis in (cop_x, cop_y):
        rms = float(np.sqrt(np.mean((axis - axis.mean()) ** 2)))
        assert rms == pytest.approx(sway, rel=0.3)
        # slow sway (0.1–1 Hz), not sample-to-sample jitter
        assert np.sqrt(np.mean(np.diff(axis) ** 2)) < 0.2 * rms
    assert gait.events().left.heel_strike_s.size == 0
    assert gait.truth()["stride_time_s"] is None


def test_standing_without_sway_is_still():
    gait = SyntheticGait(activity="stand", seconds=5.0, sway_mm=0.0, noise_kpa=0.0)
    left, _ = gait.values()
    assert np.all(left == left[0])


# ---------------------------------------------------------------------------------------------
# sensor artefacts and dropped frames


def test_noise_offset_and_drift_show_in_swing():
    gait = SyntheticGait(
        seconds=60.0, noise_kpa=1.0, offset_kpa=20.0, drift_kpa_per_min=6.0, seed=7
    )
    kpa = gait.values()[0] * gait.pressure_scale_kpa
    hs, to = gait.events().left
    t = np.arange(gait.n_frames) / gait.rate_hz
    swing = np.zeros(gait.n_frames, dtype=bool)
    for off in to:
        following = hs[hs > off]
        if following.size:
            swing |= (t > off + 0.03) & (t < following[0] - 0.03)
    assert swing.sum() > 1500
    # per sensor: baseline = offset + drift × t, plus noise
    design = np.column_stack([np.ones(swing.sum()), t[swing] / 60])
    coef, *_ = np.linalg.lstsq(design, kpa[swing], rcond=None)
    offsets, slopes = coef
    assert np.all((offsets > -0.5) & (offsets < 20.5))
    assert offsets.std() > 3.0  # drawn per sensor, uniform on [0, 20]: sd ≈ 5.8
    assert np.allclose(slopes, 6.0, atol=0.3)
    residual = kpa[swing] - design @ coef
    assert np.std(residual[:, offsets > 4.0], axis=0) == pytest.approx(1.0, abs=0.15)
    # without artefacts, swing is exactly zero
    clean = SyntheticGait(seconds=10.0, noise_kpa=0.0)
    assert np.all(clean.values()[0][swing_by_truth(clean, Side.LEFT)] == 0)


def test_dropped_frames():
    gait = SyntheticGait(seconds=30.0, drop_fraction=0.2, seed=3)
    sent_left, sent_right = gait.sent()
    for sent in (sent_left, sent_right):
        assert sent.shape == (gait.n_frames,)
        assert (~sent).mean() == pytest.approx(0.2, abs=0.01)
        # scattered, not a block: dropped frames in every tenth of the recording
        assert all((~part).any() for part in np.array_split(sent, 10))
    assert not np.array_equal(sent_left, sent_right)  # independent per foot
    truth = gait.truth()["dropped_frames"]
    assert truth == {"left": int((~sent_left).sum()), "right": int((~sent_right).sum())}
    assert SyntheticGait(seconds=5.0).sent()[0].all()


# ---------------------------------------------------------------------------------------------
# determinism, chunks, sizes


def test_same_seed_same_values_different_seed_different_values():
    a = SyntheticGait(seconds=15.0, drop_fraction=0.1, offset_kpa=2.0)
    b = SyntheticGait(seconds=15.0, drop_fraction=0.1, offset_kpa=2.0)
    for x, y in zip(a.values() + a.sent(), b.values() + b.sent(), strict=True):
        assert np.array_equal(x, y)
    c = dataclasses.replace(a, seed=1)
    assert not np.array_equal(a.values()[0], c.values()[0])
    assert not np.array_equal(a.sent()[0], c.sent()[0])
    assert not np.array_equal(a.events().left.heel_strike_s, c.events().left.heel_strike_s)


@pytest.mark.parametrize(("activity", "sensors"), [("walk", 16), ("stand", 8), ("walk", 1500)])
def test_chunk_size_does_not_change_values(activity, sensors):
    gait = SyntheticGait(seconds=25.0, activity=activity, sensors=sensors, drop_fraction=0.05)
    default = list(gait.chunks())
    assert all(len(c.left) <= 6000 for c in default)
    odd = list(gait.chunks(777))
    assert [c.first for c in odd] == list(range(0, gait.n_frames, 777))
    for field in ("left", "right", "sent_left", "sent_right"):
        a = np.concatenate([getattr(c, field) for c in default])
        b = np.concatenate([getattr(c, field) for c in odd])
        assert np.array_equal(a, b), field
    for bad in (0, 6001, 2.0):
        with pytest.raises(ValueError, match="chunk_frames"):
            next(gait.chunks(bad))  # type: ignore[arg-type]


@pytest.mark.parametrize("sensors", [1, 2, 8, 16, 99, 1024, 4096])
@pytest.mark.parametrize("activity", ["walk", "stand"])
def test_any_layout_size(sensors, activity):
    gait = SyntheticGait(
        seconds=3.0, sensors=sensors, activity=activity, rate_hz=50.0, noise_kpa=0.0
    )
    chunk = next(gait.chunks())
    assert chunk.first == 0 and chunk.left.dtype == np.uint16 and chunk.right.dtype == np.uint16
    left, right = gait.values()
    assert left.shape == right.shape == (150, sensors)
    total = forces_n(left, gait).sum(axis=1) + forces_n(right, gait).sum(axis=1)
    weight = 70.0 * 9.81
    if activity == "stand":
        assert np.allclose(total, weight, rtol=0.01)
    else:
        assert 0.9 * weight < total.max() < 1.5 * weight
    assert gait.layout.n_sensors == sensors


# ---------------------------------------------------------------------------------------------
# truth, device info, validation


def test_truth_is_json_and_complete():
    gait = SyntheticGait(seconds=10.0, cadence_steps_per_min=96.0, stance_fraction=0.6)
    truth = json.loads(json.dumps(gait.truth()))
    for name in ("seconds", "rate_hz", "sensors", "seed", "activity", "left_share_pct"):
        assert truth[name] == getattr(gait, name)
    assert truth["layout"] == "sim16" and truth["n_frames"] == 1000
    assert truth["stride_time_s"] == pytest.approx(1.25)
    assert truth["stance_time_s"] == pytest.approx(0.75)
    assert truth["swing_time_s"] == pytest.approx(0.5)
    assert truth["model_forefoot_share_pct"] == pytest.approx(55.0, abs=0.01)
    assert truth["model_ml_offset_pct"] == pytest.approx(0.0, abs=0.01)
    # the neutral walk's own values of the other medio-lateral indicators (module docstring)
    assert truth["model_medial_share_pct"] == pytest.approx(49.0, abs=1.0)
    assert truth["model_medial_lateral_index"] == pytest.approx(-0.02, abs=0.02)
    assert truth["model_cpei_pct"] == pytest.approx(9.3, abs=1.0)
    assert SyntheticGait(activity="stand").truth()["model_cpei_pct"] is None
    assert truth["dropped_frames"] == {"left": 0, "right": 0}
    # a single sensor has no rearfoot: the truth says what the layout can represent
    single = SyntheticGait(sensors=1).truth()
    assert single["model_forefoot_share_pct"] == 100.0


def test_device_info():
    gait = SyntheticGait(seed=0x12345, sensors=99, rate_hz=200.0, pressure_scale_kpa=0.25)
    info = gait.info()
    assert (info.side, info.sensor_count, info.layout, info.rate_hz) == (
        Side.BOTH,
        99,
        "sim99",
        200,
    )
    assert (info.unit, info.adc_bits, info.scale) == (Unit.KPA, 0, 0.25)
    assert info.firmware_version == (0, 2, 0)
    assert info.device_id != SyntheticGait(seed=1).info().device_id
    assert layout_by_name(info.layout) == gait.layout
    decoded = decode_capture(encode(info)).infos[0]
    assert decoded.layout == "sim99" and decoded.unit == Unit.KPA


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("seconds", 0.0),
        ("seconds", 8 * 24 * 3600.0),
        ("seconds", float("nan")),
        ("rate_hz", 0.0),
        ("rate_hz", 20_000.0),
        ("sensors", 0),
        ("sensors", 4097),
        ("sensors", 16.0),
        ("seed", -1),
        ("activity", "run"),
        ("cadence_steps_per_min", 0.0),
        ("cadence_steps_per_min", 301.0),
        ("stance_fraction", 0.2),
        ("stance_fraction", 0.95),
        ("left_share_pct", -1.0),
        ("left_share_pct", 101.0),
        ("ml_offset_pct", 41.0),
        ("ml_offset_pct", -41.0),
        ("forefoot_share_pct", 5.0),
        ("forefoot_share_pct", 95.0),
        ("body_mass_kg", 10.0),
        ("body_mass_kg", 300.0),
        ("sway_mm", -1.0),
        ("sway_mm", 51.0),
        ("noise_kpa", -0.1),
        ("offset_kpa", -0.1),
        ("drift_kpa_per_min", float("inf")),
        ("drop_fraction", 0.6),
        ("pressure_scale_kpa", 0.0),
        ("stride_cv_pct", 6.0),
        ("left_share_pct", "50"),
    ],
)
def test_validation(field, value):
    with pytest.raises(ValueError, match=field):
        SyntheticGait(**{field: value})


def test_validation_of_a_frameless_recording():
    with pytest.raises(ValueError, match="at least one frame"):
        SyntheticGait(seconds=0.001, rate_hz=100.0)
