"""Calibration (``pressure.calibration``) on simulated sessions whose truth is known: zero
offsets, gains, calibration curves, body weight and layouts; new sessions, inputs untouched."""

from __future__ import annotations

import copy
import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import pytest

from pressure.calibration import (
    STANDARD_GRAVITY_M_S2,
    apply_curve,
    apply_gain,
    invert,
    scale_to_body_weight,
    subtract_offset,
    tare,
    with_layout,
    with_side,
)
from pressure.io.layout_file import read_layout, write_layout
from pressure.layout import grid_layout
from pressure.model import FootRecording, Session
from pressure.simulator import SyntheticGait

from .conftest import simulated_session

# The simulator's stance force is BW·(A sin πs + B sin 3πs) (pressure.simulator.gait), so one
# foot's impulse per stride is c·stance·BW·stride with c = 2A/π + 2B/(3π), and the two feet
# average 2·c·stance_fraction body weights. Physically that must be 1 (over whole strides the
# mean vertical force is body weight); the simulator's default stance of 0.62 gives 1.052. At
# this stance fraction its walk is consistent with body weight.
_HUMP_A, _HUMP_B = 1.187424427615, 0.437424427615
BALANCED_STANCE = 1.0 / (2.0 * (2 * _HUMP_A / math.pi + 2 * _HUMP_B / (3 * math.pi)))


def map_values(session: Session, function, unit: str | None = None) -> Session:
    """The session with every foot's values passed through ``function(values, side)``."""
    feet = {
        side: dataclasses.replace(foot, values=function(foot.values, side), unit=unit or foot.unit)
        for side, foot in session.feet.items()
    }
    return with_feet(session, feet)


def with_feet(session: Session, feet: dict[str, FootRecording]) -> Session:
    """The session with the feet in ``feet`` replaced."""
    return dataclasses.replace(
        session, left=feet.get("left", session.left), right=feet.get("right", session.right)
    )


def force_n(foot: FootRecording) -> np.ndarray:
    force = foot.sensor_force_n()
    assert force is not None
    return force


def snapshot(session: Session) -> dict[str, object]:
    return {
        "values": {s: f.values.copy() for s, f in session.feet.items()},
        "units": {s: f.unit for s, f in session.feet.items()},
        "metadata": copy.deepcopy(session.metadata),
    }


def assert_unchanged(session: Session, before: dict[str, object]) -> None:
    for side, foot in session.feet.items():
        np.testing.assert_array_equal(foot.values, before["values"][side])  # type: ignore[index]
        assert foot.unit == before["units"][side]  # type: ignore[index]
    assert session.metadata == before["metadata"]


# --- tare ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("sensors", [16, 99])
def test_tare_recovers_known_offsets_added_to_a_walk(sensors: int) -> None:
    gait = SyntheticGait(seconds=20.0, sensors=sensors, noise_kpa=1.0, seed=3)
    clean = simulated_session(gait)
    rng = np.random.default_rng(11)
    known = {side: rng.uniform(2.0, 30.0, sensors) for side in ("left", "right")}
    offset = map_values(clean, lambda values, side: values + known[side])
    before = snapshot(offset)

    tared = tare(offset)

    assert_unchanged(offset, before)  # a new session, the input untouched
    step = tared.metadata["calibration"][-1]
    assert step["step"] == "tare" and step["method"] == "unloaded_frames"
    for side in ("left", "right"):
        estimate = np.array(step["offset"][side])
        # the median of unloaded frames sits on the clean signal's zero: within a count
        # (0.1 kPa quantisation) plus the median's noise (1 kPa / sqrt(~700 frames))
        np.testing.assert_allclose(estimate, known[side], atol=0.15)
        # swing is ~38 % of the frames and the band takes all of it, not the stance
        frames = step["frames"][side]
        assert 0.3 * gait.n_frames < frames < 0.45 * gait.n_frames
        values = tared.feet[side].values
        assert values.min() >= 0.0
        # and the loaded frames come back to the clean signal
        loaded = clean.feet[side].values.sum(axis=1) > 100.0
        error = np.abs(values[loaded] - clean.feet[side].values[loaded])
        assert np.median(error) <= 0.15
    json.dumps(tared.metadata["calibration"])  # the record is plain JSON


def test_tare_finds_the_simulators_own_sensor_offsets() -> None:
    """SyntheticGait(offset_kpa=...) adds a constant per sensor; the same seed without it
    gives the same noise, so the difference of the two runs is the truth (wherever the
    run without offsets is not clipped at zero)."""
    with_offsets = simulated_session(SyntheticGait(seconds=30.0, offset_kpa=20.0, seed=4))
    without = simulated_session(SyntheticGait(seconds=30.0, offset_kpa=0.0, seed=4))
    step = tare(with_offsets).metadata["calibration"][-1]
    for side in ("left", "right"):
        difference = with_offsets.feet[side].values - without.feet[side].values
        unclipped = without.feet[side].values > 0
        truth = [np.median(difference[unclipped[:, i], i]) for i in range(16)]
        assert np.ptp(truth) > 5.0  # offsets really differ between sensors
        np.testing.assert_allclose(step["offset"][side], truth, atol=0.1 + 1e-9)


def test_tare_over_a_window_with_the_foot_lifted() -> None:
    gait = SyntheticGait(seconds=10.0, sensors=16, noise_kpa=0.5, seed=8)
    clean = simulated_session(gait)
    known = np.linspace(3.0, 18.0, 16)
    offset = map_values(clean, lambda values, side: values + known)
    # one swing of the left foot, from ground truth, trimmed away from the events
    events = gait.events().left
    toe_off = events.toe_off_s[events.toe_off_s > 1.0][0]
    heel_strike = events.heel_strike_s[events.heel_strike_s > toe_off][0]
    window = (toe_off + 0.05, heel_strike - 0.05)

    tared = tare(offset, window_s=window, side="left")

    step = tared.metadata["calibration"][-1]
    assert step["method"] == "window" and step["sides"] == ["left"]
    assert step["window_s"] == list(window)
    expected_frames = np.sum(
        (clean.feet["left"].time_s >= window[0]) & (clean.feet["left"].time_s < window[1])
    )
    assert step["frames"]["left"] == expected_frames > 20
    # ~30 frames: median noise error ≈ 1.25 · 0.5 / sqrt(30) ≈ 0.11 kPa, plus a 0.05 rounding
    np.testing.assert_allclose(step["offset"]["left"], known, atol=0.3)
    np.testing.assert_array_equal(
        tared.feet["right"].values, offset.feet["right"].values
    )  # the other foot


def test_tare_refuses_a_foot_that_never_unloads() -> None:
    standing = simulated_session(SyntheticGait(seconds=10.0, activity="stand", offset_kpa=5.0))
    with pytest.raises(ValueError, match="never seems to unload") as info:
        tare(standing)
    assert "window_s" in str(info.value)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"window_s": (5.0, 2.0)}, "t0 < t1"),
        ({"window_s": 3.0}, "pair"),
        ({"window_s": (100.0, 200.0)}, "no samples in window_s"),
        ({"side": "both"}, "side must be"),
    ],
)
def test_tare_rejects_bad_arguments(kwargs: dict[str, object], message: str) -> None:
    session = simulated_session(SyntheticGait(seconds=3.0, sensors=4))
    with pytest.raises(ValueError, match=message):
        tare(session, **kwargs)  # type: ignore[arg-type]


def test_a_missing_foot_is_named() -> None:
    session = simulated_session(SyntheticGait(seconds=3.0, sensors=4))
    only_left = dataclasses.replace(session, right=None)
    with pytest.raises(ValueError, match="no right foot"):
        tare(only_left, side="right")
    assert (
        tare(only_left).right is None and "right" not in tare(only_left).feet
    )  # side=None: the feet the session has


# --- gains and curves -------------------------------------------------------------------------


def test_apply_gain_scalar_and_per_sensor() -> None:
    session = simulated_session(SyntheticGait(seconds=3.0, sensors=6))
    before = snapshot(session)
    doubled = apply_gain(session, 2.0, unit="n_cm2")
    gains = np.arange(1.0, 7.0)
    per_sensor = apply_gain(session, gains, side="right")
    assert_unchanged(session, before)
    for side in ("left", "right"):
        np.testing.assert_allclose(doubled.feet[side].values, 2.0 * session.feet[side].values)
        assert doubled.feet[side].unit == "n_cm2"
    np.testing.assert_allclose(
        per_sensor.feet["right"].values, session.feet["right"].values * gains
    )
    np.testing.assert_array_equal(per_sensor.feet["left"].values, session.feet["left"].values)
    assert per_sensor.feet["right"].unit == "kpa"
    step = per_sensor.metadata["calibration"][-1]
    assert step["gain"] == gains.tolist() and step["sides"] == ["right"]


@pytest.mark.parametrize(
    ("gain", "kwargs", "message"),
    [
        (np.ones(5), {}, "gain has 5 values, the left foot 6 sensors"),
        (-1.0, {}, "non-negative"),
        (float("nan"), {}, "finite"),
        (np.ones((2, 3)), {}, "1-D"),
        ("two", {}, "number"),
        (1.0, {"unit": "psi"}, "unit must be one of"),
    ],
)
def test_apply_gain_rejects_bad_arguments(gain, kwargs, message: str) -> None:
    session = simulated_session(SyntheticGait(seconds=2.0, sensors=6))
    with pytest.raises(ValueError, match=message):
        apply_gain(session, gain, **kwargs)


# A force-sensing resistor's kind of response: steep at first, saturating towards 4095 counts.
CURVE_KPA = np.array([0.0, 5.0, 15.0, 40.0, 80.0, 150.0, 250.0, 400.0, 600.0])
CURVE_ADC = 4095.0 * (1.0 - np.exp(-CURVE_KPA / 250.0))


def test_apply_curve_inverts_a_known_sensor_curve() -> None:
    session = simulated_session(SyntheticGait(seconds=5.0, sensors=16, noise_kpa=0.0, seed=2))
    peak = max(f.values.max() for f in session.feet.values())
    assert 150.0 < peak < CURVE_KPA[-1]  # the walk spans most of the curve, inside its range
    # the insole's ADC response, piecewise linear between the curve points
    raw = map_values(session, lambda values, side: np.interp(values, CURVE_KPA, CURVE_ADC), "adc")
    before = snapshot(raw)

    back = apply_curve(raw, CURVE_ADC, CURVE_KPA, unit="kpa")

    assert_unchanged(raw, before)
    for side in ("left", "right"):
        assert back.feet[side].unit == "kpa"
        np.testing.assert_allclose(back.feet[side].values, session.feet[side].values, atol=1e-9)
    step = back.metadata["calibration"][-1]
    assert step["step"] == "apply_curve" and step["samples_outside_curve"] == {
        "left": 0,
        "right": 0,
    }


def test_apply_curve_per_sensor_curves() -> None:
    session = simulated_session(SyntheticGait(seconds=3.0, sensors=4, noise_kpa=0.0, seed=5))
    sensitivity = np.array([0.8, 1.0, 1.1, 1.3])  # each sensor saturates differently
    adc = sensitivity[:, None] * CURVE_ADC[None, :] / 1.3
    kpa = np.tile(CURVE_KPA, (4, 1))

    def forward(values: np.ndarray, side: str) -> np.ndarray:
        return np.column_stack([np.interp(values[:, i], kpa[i], adc[i]) for i in range(4)])

    raw = map_values(session, forward, "adc")
    back = apply_curve(raw, adc, kpa, unit="kpa")
    for side in ("left", "right"):
        np.testing.assert_allclose(back.feet[side].values, session.feet[side].values, atol=1e-9)


def test_apply_curve_outside_its_range_clamps_or_extends() -> None:
    time_s = np.arange(4) / 100.0
    values = np.array([[-10.0], [0.0], [50.0], [130.0]])
    foot = FootRecording("left", time_s, values, "adc", 100.0)
    session = Session(Path("x"), "test", foot, None)
    raw, value = [0.0, 100.0, 120.0], [0.0, 200.0, 300.0]
    clamped = apply_curve(session, raw, value, unit="kpa")
    linear = apply_curve(session, raw, value, unit="kpa", extrapolate="linear")
    slope_low = (value[1] - value[0]) / (raw[1] - raw[0])
    slope_high = (value[2] - value[1]) / (raw[2] - raw[1])
    assert clamped.feet["left"].values[:, 0].tolist() == [value[0], 0.0, 100.0, value[-1]]
    np.testing.assert_allclose(
        linear.feet["left"].values[:, 0],
        [value[0] - 10.0 * slope_low, 0.0, 100.0, value[-1] + 10.0 * slope_high],
    )
    assert clamped.metadata["calibration"][-1]["samples_outside_curve"] == {"left": 2}


@pytest.mark.parametrize(
    ("raw", "value", "kwargs", "message"),
    [
        ([0, 10, 10], [0, 1, 2], {}, "increase strictly"),
        ([0, 10, 20], [0, 5, 3], {}, "monotone"),
        ([0, 10], [0, 5, 3], {}, "same shape"),
        ([5], [1], {}, "k >= 2"),
        (np.zeros((3, 2)), np.zeros((3, 2)), {}, "increase strictly"),
        ([[0, 1], [0, 1]], [[0, 1], [0, 1]], {}, "curves are for 2 sensors"),
        ([0, 10], [0, 5], {"unit": "volts"}, "unit must be one of"),
        ([0, 10], [0, 5], {"extrapolate": "cubic"}, "extrapolate"),
    ],
)
def test_apply_curve_rejects_bad_curves(raw, value, kwargs, message: str) -> None:
    session = simulated_session(SyntheticGait(seconds=1.0, sensors=3))
    with pytest.raises(ValueError, match=message):
        apply_curve(session, raw, value, **{"unit": "kpa", **kwargs})


def test_a_decreasing_curve_is_monotone_too() -> None:
    session = simulated_session(SyntheticGait(seconds=1.0, sensors=3))
    out = apply_curve(session, [0.0, 1000.0], [1000.0, 0.0], unit="raw")
    np.testing.assert_allclose(
        out.feet["left"].values, 1000.0 - np.clip(session.feet["left"].values, 0, 1000)
    )


# --- body weight --------------------------------------------------------------------------------

COUNTS_PER_KPA = 37.0  # the "unknown" ADC gain of the insoles


def to_adc(session: Session) -> Session:
    return map_values(session, lambda values, side: np.rint(values * COUNTS_PER_KPA), "adc")


def true_newtons_per_count(gait: SyntheticGait) -> float:
    # the simulated layout's sensors have equal areas: one count is area / gain mN
    area = gait.layout.area_mm2
    assert np.ptp(area) == 0
    return float(area[0]) * 1e-3 / COUNTS_PER_KPA


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_scale_to_body_weight_recovers_the_gain_of_a_walk(seed: int) -> None:
    """Over 20 s of walking the gain comes back within 0.3 % (measured: at most 0.03 % over
    seeds 0–2). Why it holds: at ``BALANCED_STANCE`` the simulator's mean force is body weight
    over whole strides, and a window cut mid-stride moves the mean by at most the running
    integral of (F − BW) over one step, 0.031 BW·s here (computed from the force shape), i.e.
    0.16 % of 20 s; the simulator's g = 9.81 against our 9.80665 adds 0.03 %."""
    gait = SyntheticGait(
        seconds=20.0, sensors=16, stance_fraction=BALANCED_STANCE, noise_kpa=0.0, seed=seed
    )
    adc = to_adc(simulated_session(gait))
    before = snapshot(adc)

    scaled = scale_to_body_weight(adc, gait.body_mass_kg)

    assert_unchanged(adc, before)
    step = scaled.metadata["calibration"][-1]
    assert step["factor"] / true_newtons_per_count(gait) == pytest.approx(1.0, abs=3e-3)
    # the contract: per-sensor newtons whose combined mean is m·g
    weight_n = gait.body_mass_kg * STANDARD_GRAVITY_M_S2
    combined = sum(scaled.feet[s].load()[0].mean() for s in ("left", "right"))
    assert combined == pytest.approx(weight_n, rel=1e-12)
    for side in ("left", "right"):
        assert scaled.feet[side].unit == "n"
        np.testing.assert_allclose(
            scaled.feet[side].values, adc.feet[side].values * step["factor"], rtol=1e-12
        )


def test_scale_to_body_weight_in_quiet_standing() -> None:
    """Standing, both feet carry body weight at every instant: within 0.1 % (measured
    0.056 %: the simulator's g and rounding to counts)."""
    gait = SyntheticGait(seconds=10.0, activity="stand", noise_kpa=0.0, left_share_pct=42.0)
    scaled = scale_to_body_weight(to_adc(simulated_session(gait)), gait.body_mass_kg)
    factor = scaled.metadata["calibration"][-1]["factor"]
    assert factor / true_newtons_per_count(gait) == pytest.approx(1.0, abs=1e-3)


def test_tare_then_scale_a_noisy_walk_in_adc() -> None:
    """The whole chain on an insole with offsets and noise: within 2 % (measured −1.3 % over
    three seeds). The bias is the noise floor that survives clipping at zero: every unloaded
    sensor keeps mean(max(0, noise)) ≈ 0.4 σ, which adds to the summed load and lowers the
    factor."""
    gait = SyntheticGait(
        seconds=20.0,
        sensors=16,
        stance_fraction=BALANCED_STANCE,
        noise_kpa=1.0,
        offset_kpa=8.0,
        seed=6,
    )
    raw = to_adc(simulated_session(gait))
    calibrated = scale_to_body_weight(tare(raw), gait.body_mass_kg)
    steps = [s["step"] for s in calibrated.metadata["calibration"]]
    assert steps == ["tare", "scale_to_body_weight"]
    factor = calibrated.metadata["calibration"][-1]["factor"]
    assert factor / true_newtons_per_count(gait) == pytest.approx(1.0, abs=0.02)
    # without the tare the offsets would count as load: far off
    untared = scale_to_body_weight(raw, gait.body_mass_kg).metadata["calibration"][-1]["factor"]
    assert untared / true_newtons_per_count(gait) < 0.9


def test_scale_to_body_weight_scales_the_devices_total_force_too() -> None:
    gait = SyntheticGait(seconds=6.0, sensors=8, activity="stand", noise_kpa=0.0)
    session = simulated_session(gait)
    # a device total that reads 10 % high, beside per-sensor pressures in kPa
    feet = {
        side: dataclasses.replace(foot, total_force_n=1.1 * force_n(foot).sum(axis=1))
        for side, foot in session.feet.items()
    }
    with_total = with_feet(session, feet)
    scaled = scale_to_body_weight(with_total, gait.body_mass_kg)
    weight_n = gait.body_mass_kg * STANDARD_GRAVITY_M_S2
    totals = [scaled.feet[s].total_force_n for s in ("left", "right")]
    assert totals[0] is not None and totals[1] is not None
    assert (totals[0] + totals[1]).mean() == pytest.approx(weight_n, rel=1e-12)
    factor = scaled.metadata["calibration"][-1]["factor"]
    # the total was matched, so the sensors (in N from kPa × area) come out 1/1.1 of it
    for side in ("left", "right"):
        np.testing.assert_allclose(
            scaled.feet[side].values, force_n(with_total.feet[side]) * factor
        )
    assert factor == pytest.approx(1 / 1.1, rel=2e-3)


def test_scale_to_body_weight_uses_only_the_time_both_feet_record() -> None:
    gait = SyntheticGait(seconds=10.0, sensors=8, activity="stand", noise_kpa=0.0)
    session = simulated_session(gait)
    # the right foot starts 4 s late; meanwhile the left foot "carried" a huge load
    late = session.feet["right"].time_s >= 4.0
    left_values = session.feet["left"].values.copy()
    left_values[~late] *= 50.0
    trimmed = dataclasses.replace(
        session,
        left=dataclasses.replace(session.feet["left"], values=left_values),
        right=dataclasses.replace(
            session.feet["right"],
            time_s=session.feet["right"].time_s[late],
            values=session.feet["right"].values[late],
        ),
    )
    step = scale_to_body_weight(trimmed, gait.body_mass_kg).metadata["calibration"][-1]
    assert step["window_s"] == [4.0, session.feet["left"].time_s[-1]]
    assert step["factor"] == pytest.approx(1.0, abs=2e-3)  # kPa × area is already N here


def test_scale_to_body_weight_refuses_what_it_cannot_do() -> None:
    gait = SyntheticGait(seconds=3.0, sensors=4)
    session = simulated_session(gait)
    with pytest.raises(ValueError, match="needs both feet"):
        scale_to_body_weight(dataclasses.replace(session, right=None), 70.0)
    silent = map_values(session, lambda values, side: np.zeros_like(values))
    with pytest.raises(ValueError, match="no load"):
        scale_to_body_weight(silent, 70.0)
    mixed = dataclasses.replace(
        session, right=dataclasses.replace(session.feet["right"], unit="adc")
    )
    with pytest.raises(ValueError, match="different units"):
        scale_to_body_weight(mixed, 70.0)
    for mass in (0.0, -70.0, float("nan"), "70", 5000.0):
        with pytest.raises(ValueError, match="body_mass_kg"):
            scale_to_body_weight(session, mass)  # type: ignore[arg-type]
    apart = dataclasses.replace(
        session,
        right=dataclasses.replace(
            session.feet["right"], time_s=session.feet["right"].time_s + 100.0
        ),
    )
    with pytest.raises(ValueError, match="do not overlap"):
        scale_to_body_weight(apart, 70.0)
    raw_with_total = dataclasses.replace(
        session,
        left=dataclasses.replace(
            session.feet["left"], unit="adc", total_force_n=np.ones(session.feet["left"].n_frames)
        ),
    )
    with pytest.raises(ValueError, match="total force"):
        scale_to_body_weight(raw_with_total, 70.0)


# --- layouts and the record -----------------------------------------------------------------------


def test_with_layout_from_a_layout_file(tmp_path: Path) -> None:
    gait = SyntheticGait(seconds=2.0, sensors=12)
    bare = map_values(simulated_session(gait), lambda values, side: values)
    bare = with_feet(bare, {s: dataclasses.replace(f, layout=None) for s, f in bare.feet.items()})
    layout = grid_layout(4, 3, 60.0, 30.0, name="sheet")
    path = tmp_path / "sheet.csv"
    write_layout(path, layout)

    attached = with_layout(bare, read_layout(path))

    assert bare.feet["left"].layout is None  # untouched
    assert attached.feet["left"].layout == layout and attached.feet["right"].layout == layout
    assert attached.feet["left"].sensor_force_n() is not None  # kPa with areas: newtons now
    step = attached.metadata["calibration"][-1]
    assert step == {
        "step": "with_layout",
        "sides": ["left", "right"],
        "layout": {"left": "sheet", "right": "sheet"},
        "previous": {"left": None, "right": None},
    }
    one = with_layout(bare, layout, side="right")
    assert one.feet["left"].layout is None and one.feet["right"].layout == layout


def test_with_layout_checks_the_sensor_count_and_the_sides() -> None:
    session = simulated_session(SyntheticGait(seconds=2.0, sensors=12))
    with pytest.raises(ValueError, match="has 6 sensors, the left foot's data 12"):
        with_layout(session, grid_layout(2, 3, 10.0, 10.0))
    with pytest.raises(ValueError, match="no layout for the right foot"):
        with_layout(session, {"left": grid_layout(4, 3, 10.0, 10.0)})
    with pytest.raises(ValueError, match="keyed by"):
        with_layout(session, {"middle": grid_layout(4, 3, 10.0, 10.0)})
    with pytest.raises(ValueError, match="SensorLayout"):
        with_layout(session, "grid4x3")  # type: ignore[arg-type]


def test_steps_accumulate_in_order_without_touching_earlier_sessions() -> None:
    session = simulated_session(SyntheticGait(seconds=5.0, sensors=8, offset_kpa=4.0, seed=1))
    first = tare(session)
    second = apply_gain(first, 0.5)
    third = apply_gain(second, 3.0, side="left", unit="n_cm2")
    assert "calibration" not in session.metadata
    assert [s["step"] for s in first.metadata["calibration"]] == ["tare"]
    steps = [s["step"] for s in third.metadata["calibration"]]
    assert steps == ["tare", "apply_gain", "apply_gain"]
    assert len(second.metadata["calibration"]) == 2
    assert third.metadata["subject"] == session.metadata["subject"]
    json.dumps(third.metadata["calibration"])
    np.testing.assert_allclose(third.feet["left"].values, first.feet["left"].values * 1.5)
    with pytest.raises(ValueError, match="must be a list"):
        tare(dataclasses.replace(session, metadata={"calibration": "done"}))


# --- inversion, known offsets, side -------------------------------------------------------------


def test_invert_chosen_sensors_and_back() -> None:
    gait = SyntheticGait(seconds=3.0, sensors=8, seed=2)
    session = map_values(simulated_session(gait), lambda values, side: values, unit="adc")
    before = snapshot(session)
    flipped = invert(session, 4095, sensors=[1, 4])
    assert_unchanged(session, before)
    for side, foot in flipped.feet.items():
        original = session.feet[side].values
        np.testing.assert_allclose(foot.values[:, [1, 4]], 4095 - original[:, [1, 4]])
        others = [0, 2, 3, 5, 6, 7]
        np.testing.assert_allclose(foot.values[:, others], original[:, others])
    step = flipped.metadata["calibration"][-1]
    assert step["full_scale"] == {"left": 4095.0, "right": 4095.0} and step["sensors"] == [1, 4]
    back = invert(flipped, 4095, sensors=[1, 4])
    np.testing.assert_allclose(back.feet["left"].values, session.feet["left"].values, atol=1e-9)
    with pytest.raises(ValueError, match="sensor position 8 is not one of the left foot's"):
        invert(session, 4095, sensors=[8])
    top = max(float(f.values.max()) for f in session.feet.values())
    with pytest.raises(ValueError, match="above full_scale"):
        invert(session, top / 2)
    with pytest.raises(ValueError, match="only ADC counts or raw readings"):
        invert(simulated_session(gait))  # kPa


def test_subtract_offset_known_offsets_clipped_at_zero() -> None:
    session = simulated_session(SyntheticGait(seconds=3.0, sensors=4, seed=2))
    shifted = map_values(session, lambda values, side: values + np.array([1.0, 2.0, 3.0, 4.0]))
    back = subtract_offset(shifted, [1.0, 2.0, 3.0, 4.0])
    for side, foot in back.feet.items():
        np.testing.assert_allclose(foot.values, session.feet[side].values)
    low = subtract_offset(session, 1e9, side="right")
    assert not low.feet["right"].values.any()  # clipped at 0
    np.testing.assert_array_equal(low.feet["left"].values, session.feet["left"].values)
    with pytest.raises(ValueError, match="3 offsets, but the left foot has 4 sensors"):
        subtract_offset(session, [1.0, 2.0, 3.0])


def test_with_side_moves_a_one_insole_session() -> None:
    both = simulated_session(SyntheticGait(seconds=3.0, sensors=4, seed=2))
    one = dataclasses.replace(both, right=None)
    moved = with_side(one, "right")
    assert moved.left is None and moved.right is not None and moved.right.side == "right"
    np.testing.assert_array_equal(moved.right.values, both.feet["left"].values)
    assert moved.metadata["calibration"][-1] == {
        "step": "with_side",
        "sides": ["right"],
        "previous": "left",
    }
    assert with_side(one, "left") is one
    with pytest.raises(ValueError, match="both feet"):
        with_side(both, "left")
    with pytest.raises(ValueError, match="'left' or 'right'"):
        with_side(one, "up")
