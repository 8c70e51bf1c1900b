"""The analysis reads sensor values a chunk of frames at a time (``analyze(chunk_frames=…)``):
its result must not depend on the chunk size beyond the rounding of sums, on every kind of
input (insoles in N and kPa, uncalibrated loads, a grid whose steps have their own
footprints, a plate roll-off, standing), and a ``SessionSource`` gives what its session gives."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import pressure
from pressure.analysis import analyze
from pressure.errors import AnalysisError
from pressure.io.source import FrameValues, SessionSource
from pressure.simulator import SyntheticGait

from .conftest import ROOT, shared_data, simulated_session

#: relative tolerance: sums taken in another order differ in their last bits only
RTOL = 1e-9

CASES = {
    "simulated walk (kPa)": lambda: ROOT / "sample_data" / "walk_normal.insole",
    "simulated standing": lambda: ROOT / "sample_data" / "stand_quiet.insole",
    "maker CSV (ADC counts)": lambda: ROOT / "sample_data" / "fsr8_walk.csv",
    "pedar (99 sensors)": lambda: shared_data("pressure_r_extdata", "pedar_example.asc"),
    "F-Scan grid": lambda: shared_data("fscan_footpress", "FrasP01L.asf"),
    "emed plate roll-off": lambda: shared_data("pressure_r_extdata", "emed_test.lst"),
    "gaitndd (raw)": lambda: shared_data("gaitndd", "control1.hea"),
    "Moticon (device force)": lambda: shared_data("moticon", "230927_102114.txt"),
}


def _close(a: Any, b: Any, where: str) -> None:
    if isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), where
        for key in a:
            _close(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, (list, tuple)):
        assert isinstance(b, (list, tuple)) and len(a) == len(b), where
        for k, (x, y) in enumerate(zip(a, b, strict=True)):
            _close(x, y, f"{where}[{k}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=RTOL), (
            f"{where}: {a!r} != {b!r}"
        )
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def _same(one: pressure.analysis.Analysis, other: pressure.analysis.Analysis) -> None:
    _close(one.summary, other.summary, "summary")
    for name in ("steps", "regions", "cop", "indicators"):
        pd.testing.assert_frame_equal(getattr(one, name), getattr(other, name), rtol=RTOL, obj=name)


@pytest.fixture(scope="module", params=sorted(CASES))
def session(request: pytest.FixtureRequest) -> pressure.Session:
    return pressure.load(Path(CASES[request.param]()))


def test_the_chunk_size_does_not_change_the_result(session: pressure.Session) -> None:
    whole = analyze(session, chunk_frames=10**9)
    # 37 frames: chunk edges fall inside every stance, mid-step and mid-roll-off (997 for
    # the long records, each chunk being read with 30 s either side)
    longest = max(f.n_frames for f in session.feet.values())
    _same(analyze(session, chunk_frames=37 if longest < 20_000 else 997), whole)


@pytest.mark.parametrize(
    "gait",
    [
        SyntheticGait(seconds=300.0, seed=3, drop_fraction=0.003, left_share_pct=54.0),
        SyntheticGait(seconds=200.0, seed=4, cadence_steps_per_min=170.0, stance_fraction=0.35),
    ],
    ids=["5 min walk with lost frames", "running"],
)
def test_a_long_walk_read_in_short_chunks_gives_the_whole_result(gait: SyntheticGait) -> None:
    """Chunks of 1,000 frames (10 s) with the detector's 30 s either side: every chunk edge
    falls in a walk, some next to lost frames; the steps, shares and regions are the whole
    foot's."""
    session = simulated_session(gait)
    whole = analyze(session, chunk_frames=10**9)
    assert len(whole.steps) > 100
    _same(analyze(session, chunk_frames=1_000), whole)


def test_a_source_gives_what_its_session_gives(session: pressure.Session) -> None:
    _same(analyze(SessionSource.of(session), chunk_frames=500), analyze(session))


def test_frame_values_serve_slices_only() -> None:
    session = pressure.load(ROOT / "sample_data" / "walk_normal.insole")
    foot = SessionSource.of(session).feet["left"]
    values = foot.values
    assert isinstance(values, FrameValues)
    assert values.shape == session.left.values.shape  # type: ignore[union-attr]
    np.testing.assert_array_equal(values[10:20], session.left.values[10:20])  # type: ignore[union-attr]
    with pytest.raises(TypeError, match="slices of consecutive frames"):
        values[::2]
    with pytest.raises(TypeError, match="slices of consecutive frames"):
        values[3]  # type: ignore[index]


def test_a_window_of_a_source_is_the_window_of_its_session() -> None:
    session = pressure.load(ROOT / "sample_data" / "walk_normal.insole")
    source = SessionSource.of(session).window(2.0, 7.5)
    cut = session.window(2.0, 7.5)
    assert source.metadata["window_s"] == cut.metadata["window_s"]
    for side, foot in cut.feet.items():
        np.testing.assert_array_equal(source.feet[side].time_s, foot.time_s)
        np.testing.assert_array_equal(source.feet[side].frames().values, foot.values)
        np.testing.assert_array_equal(source.feet[side].frames(5, 9).values, foot.values[5:9])
    with pytest.raises(AnalysisError, match="not within the recording"):
        SessionSource.of(session).window(1e6, 2e6)


@pytest.mark.parametrize("what", ["no frame", "one frame", "every value missing"])
def test_a_foot_without_usable_frames_beside_a_walking_one(what: str) -> None:
    """The walking foot's steps are found in chunks as alone; the other foot gets none and
    the problems say why (the engine's passes meet a foot with nothing to pass over)."""
    session = pressure.load(ROOT / "sample_data" / "walk_normal.insole")
    right = session.right
    assert right is not None
    if what == "every value missing":
        broken = dataclasses.replace(right, values=np.full_like(right.values, np.nan), vendor={})
    else:
        n = 0 if what == "no frame" else 1
        broken = right.frames(0, n)
    cut = dataclasses.replace(session, right=broken)
    result = analyze(cut, chunk_frames=37)
    _same(result, analyze(cut, chunk_frames=10**9))
    assert result.summary["gait"]["steps"]["right"] == 0
    assert result.summary["gait"]["steps"]["left"] == len(
        analyze(session).steps.query("side == 'left'")
    )
    if what == "every value missing":
        assert "right foot: no valid samples" in result.problems
