"""The event detector on load shapes met in real insoles (events.py's module docstring): each
synthetic curve has known events, and the detector must place them within a sample or two.

Shapes: a two-stage heel loading (a small rise, a pause, the steep rise), a slow creep of an
uncalibrated signal at the end of swing, a shoulder in the unloading, a drifting baseline.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from pressure.analysis.events import EventOptions, detect_events

RATE_HZ = 100.0
STRIDE_S = 1.1
STANCE_S = 0.66


def _walk(
    shape,
    *,
    strides: int = 12,
    rate_hz: float = RATE_HZ,
    noise: float = 2.0,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """A load made of ``strides`` stances; ``shape(t_in_stance)`` gives the stance load (t
    from the true heel strike, NaN-free) and zero outside. Returns (load, true heel strikes)."""
    n = round((strides + 1) * STRIDE_S * rate_hz)
    t = np.arange(n) / rate_hz
    load = np.zeros(n)
    strikes = 0.3 + STRIDE_S * np.arange(strides)
    for hs in strikes:
        inside = (t >= hs) & (t < hs + STANCE_S + 0.3)
        load[inside] += shape(t[inside] - hs)
    load += np.random.default_rng(seed).normal(0.0, noise, n)
    return load, strikes


def _hump(x: np.ndarray) -> np.ndarray:
    """A walking force curve over the stance (0 at x = 0 and x = STANCE_S), peak 800 N."""
    s = np.clip(x / STANCE_S, 0.0, 1.0)
    return 800.0 * (1.03 * np.sin(np.pi * s) + 0.38 * np.sin(3 * np.pi * s)) / 1.15


def _errors(found: np.ndarray, expected: np.ndarray) -> np.ndarray:
    return np.array([np.min(np.abs(found - e)) for e in expected])


def test_two_stage_heel_loading_keeps_the_first_contact():
    """80 N within 20 ms, held for 60 ms, then the steep rise: the heel strike is the first
    contact, not the start of the steep rise (a slope rule stopped on the plateau)."""

    def shape(x):
        first = np.clip(x / 0.02, 0, 1) * 80.0
        rest = _hump(np.clip(x - 0.08, 0, None) * STANCE_S / (STANCE_S - 0.08))
        return np.where(x < 0.08, first, np.maximum(rest, 80.0 * (x < STANCE_S)))

    load, strikes = _walk(shape)
    events = detect_events(load, RATE_HZ, physical_zero=True, unit_is_newton=True)
    hs = events.heel_strike[events.complete] / RATE_HZ
    inner = strikes[(strikes > 0.5) & (strikes < strikes[-1])]
    assert _errors(hs, inner).max() <= 0.0201
    # one event per stance: none extra (the plateau is no second contact)
    assert len(hs) == len(strikes) and _errors(strikes, hs).max() <= 0.0201


def test_creep_at_the_end_of_swing_is_not_a_heel_strike():
    """An uncalibrated signal (arbitrary offset) creeps up by 4 % of its range over the last
    150 ms of swing, then rises steeply at contact: the heel strike is the steep rise."""

    def shape(x):
        return _hump(x)

    load, strikes = _walk(shape, rate_hz=300.0, noise=3.0)
    t = np.arange(load.size) / 300.0
    for hs in strikes:
        creep = (t >= hs - 0.15) & (t < hs)
        load[creep] += 32.0 * (t[creep] - (hs - 0.15)) / 0.15
    raw = load - 1800.0  # no known zero
    events = detect_events(raw, 300.0, physical_zero=False)
    hs = events.heel_strike[events.complete] / 300.0
    inner = strikes[(strikes > 0.5) & (strikes < strikes[-1])]
    assert _errors(hs, inner).max() <= 0.0101  # 3 samples at 300 Hz


@pytest.mark.parametrize(("physical_zero", "shoulder"), [(True, 160.0), (False, 120.0)])
def test_a_shoulder_in_the_unloading_above_the_level_is_stance(physical_zero, shoulder):
    """The unloading pauses at 15-20 % of the peak for 80 ms before it falls to the floor: the
    toe off is the end of the shoulder, not its start."""

    def shape(x):
        body = _hump(np.clip(x, 0, STANCE_S))
        hold = (x >= STANCE_S - 0.06) & (x < STANCE_S + 0.08)
        fall = (x >= STANCE_S + 0.08) & (x < STANCE_S + 0.1)
        out = np.where(x < STANCE_S, np.maximum(body, shoulder * (x > STANCE_S - 0.06)), 0.0)
        out = np.where(hold, np.maximum(out, shoulder), out)
        return np.where(fall, shoulder * (STANCE_S + 0.1 - x) / 0.02, out)

    load, strikes = _walk(shape)
    if not physical_zero:
        load = load - 1500.0
    events = detect_events(load, RATE_HZ, physical_zero=physical_zero)
    to = events.toe_off[events.complete] / RATE_HZ
    ends = strikes + STANCE_S + 0.09
    inner = ends[(strikes > 0.5) & (strikes < strikes[-1])]
    assert _errors(to, inner).max() <= 0.0201


def test_a_drifting_baseline_does_not_move_the_events():
    """The swing floor of an uncalibrated signal drifts by 40 % of the stance range over the
    walk; each event is measured from the floor next to it."""
    load, _ = _walk(_hump, rate_hz=300.0, noise=3.0)
    drift = np.linspace(0.0, 320.0, load.size)
    steady = detect_events(load - 1800.0, 300.0, physical_zero=False)
    drifting = detect_events(load - 1800.0 + drift, 300.0, physical_zero=False)
    for a, b in ((steady.heel_strike, drifting.heel_strike), (steady.toe_off, drifting.toe_off)):
        assert len(a) == len(b)
        assert np.abs(a - b).max() <= 2


def test_levels_are_validated():
    with pytest.raises(ValueError, match="heel_strike_level"):
        EventOptions(heel_strike_level=0.0)
    with pytest.raises(ValueError, match="floor_part"):
        EventOptions(floor_part=(0.8, 0.2))


def test_frames_lost_from_the_time_axis_are_a_gap():
    """80 ms of frames missing over a toe off (a recorder that lost them): that stance is not
    a step, and no stride spans the gap; a single lost frame is bridged."""
    from pressure.analysis import analyze
    from pressure.simulator import SyntheticGait

    from .conftest import simulated_session

    gait = SyntheticGait(seconds=20.0, seed=4)
    session = simulated_session(gait)
    left = session.feet["left"]
    toe_off = gait.events().left.toe_off_s
    t_gap = float(toe_off[(toe_off > 8.0)][0])
    for lost_s, counted in ((0.08, False), (0.01, True)):
        keep = ~((left.time_s >= t_gap - lost_s / 2) & (left.time_s < t_gap + lost_s / 2))
        cut = dataclasses.replace(
            session,
            left=dataclasses.replace(left, time_s=left.time_s[keep], values=left.values[keep]),
        )
        steps = analyze(cut).steps
        mine = steps[steps["side"] == "left"]
        across = (mine["heel_strike_s"] < t_gap) & (mine["toe_off_s"] > t_gap - 0.05)
        assert across.any() == counted
        spans = mine["heel_strike_s"] + mine["stride_s"].fillna(0.0)
        assert ((mine["heel_strike_s"] < t_gap) & (spans > t_gap)).any() == counted
