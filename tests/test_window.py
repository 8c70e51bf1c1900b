"""A time window of a session: ``Session.window``, ``AnalysisOptions.start_s``/``end_s`` and
``--start-s``/``--end-s``."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pressure import load
from pressure.analysis import AnalysisOptions, analyze
from pressure.cli import main
from pressure.errors import AnalysisError, PressureError
from pressure.model import FootRecording, Session
from pressure.simulator import SyntheticGait

from .conftest import ROOT, shared_data, simulated_session

WALK = ROOT / "sample_data" / "walk_normal.insole"  # 20 s of walking at 100 Hz


@pytest.fixture(scope="module")
def walk() -> Session:
    gait = SyntheticGait(seconds=30.0, seed=7, cadence_steps_per_min=105.0)
    return simulated_session(gait)


def test_a_window_gives_the_steps_within_it_timed_from_the_recording_start(walk):
    full = analyze(walk)
    part = analyze(walk, AnalysisOptions(start_s=8.0, end_s=20.0))
    assert part.window_s == (8.0, 20.0) and part.summary["window_s"] == [8.0, 20.0]
    assert full.window_s is None and full.summary["window_s"] is None
    assert part.duration_s == pytest.approx(12.0)
    steps = part.steps
    assert len(steps) and steps["heel_strike_s"].min() >= 8.0
    assert steps["toe_off_s"].max() < 20.0
    # the same steps as in the whole recording's analysis, at the same times: those whose
    # stance lies inside the window
    inside = full.steps[(full.steps["heel_strike_s"] >= 8.05) & (full.steps["toe_off_s"] < 19.95)]
    for side in ("left", "right"):
        ours = steps.loc[steps["side"] == side, "heel_strike_s"].to_numpy()
        theirs = inside.loc[inside["side"] == side, "heel_strike_s"].to_numpy()
        assert all(np.min(np.abs(ours - t)) <= 0.011 for t in theirs)  # within a sample
        assert (part.gait.steps[side] or 0) < (full.gait.steps[side] or 0)
    assert part.cop["time_s"].between(8.0, 20.0, inclusive="left").all()
    cadence, whole = part.gait.cadence_steps_per_min, full.gait.cadence_steps_per_min
    assert cadence is not None and whole is not None
    assert cadence == pytest.approx(whole, rel=0.03)


def _session_with_extras() -> Session:
    t = np.arange(100) / 10.0  # 10 s at 10 Hz
    values = np.arange(200, dtype=np.float64).reshape(100, 2)
    foot = FootRecording(
        side="left",
        time_s=t,
        values=values,
        unit="n",
        sampling_rate_hz=10.0,
        total_force_n=values.sum(axis=1),
        vendor={"cop_x_mm": t * 2, "constant": np.array([1.0])},
    )
    return Session(
        path=Path("x.csv"),
        format="test",
        left=foot,
        right=replace(foot, side="right"),
        metadata={"subject": {"weight_kg": 70}},
        events={"left": {"heel_strike_s": np.array([0.5, 2.5, 4.5, 9.5])}},
        quality={"frames_lost": 3, "rows": 100},
    )


def test_window_cuts_frames_vendor_columns_and_events_alike_and_changes_nothing():
    session = _session_with_extras()
    assert session.left is not None
    before = (session.left.values.copy(), dict(session.metadata), dict(session.quality))
    part = session.window(2.0, 5.0)
    left = part.left
    assert left is not None and part.right is not None
    np.testing.assert_array_equal(left.time_s, np.arange(20, 50) / 10.0)  # 2.0 .. 4.9
    np.testing.assert_array_equal(left.values, before[0][20:50])
    assert left.total_force_n is not None
    np.testing.assert_array_equal(left.total_force_n, before[0][20:50].sum(axis=1))
    np.testing.assert_array_equal(left.vendor["cop_x_mm"], left.time_s * 2)
    np.testing.assert_array_equal(left.vendor["constant"], [1.0])  # not per frame: kept
    np.testing.assert_array_equal(part.events["left"]["heel_strike_s"], [2.5, 4.5])
    assert part.metadata == {**before[1], "window_s": [2.0, 5.0]}
    assert part.quality == {"rows": 100}  # frames lost are counted again within the window
    # the input is as it was
    assert session.left.n_frames == 100 and session.metadata == before[1]
    assert session.quality == before[2]
    np.testing.assert_array_equal(session.left.values, before[0])
    # open ends, and a window of a window stays on the same time axis
    assert session.window(end_s=5.0).metadata["window_s"] == [0.0, 5.0]
    assert session.window(start_s=5.0).metadata["window_s"] == [5.0, pytest.approx(10.0)]
    inner = part.window(3.0, 4.0)
    assert inner.metadata["window_s"] == [3.0, 4.0] and inner.left is not None
    assert inner.left.time_s[0] == pytest.approx(3.0)


@pytest.mark.parametrize(
    ("start", "end", "says"),
    [
        (5.0, 5.0, "before the end"),
        (6.0, 5.0, "before the end"),
        (-1.0, 5.0, "at least 0"),
        (12.0, None, "not within the recording (the recording runs from 0 to 10 s on its"),
        (2.0, 10.5, "not within the recording"),
        (2.0, 2.05, "holds 1 frame(s) of the left foot"),
    ],
)
def test_bad_windows_raise_one_clear_error(start, end, says):
    with pytest.raises(AnalysisError, match=r"x\.csv: time window") as info:
        _session_with_extras().window(start, end)
    assert says in str(info.value) and "\n" not in str(info.value)
    assert isinstance(info.value, PressureError) and isinstance(info.value, ValueError)


def test_analysis_options_reject_a_reversed_window():
    with pytest.raises(AnalysisError, match="start_s"):
        AnalysisOptions(start_s=5.0, end_s=3.0)
    with pytest.raises(AnalysisError, match="start_s"):
        AnalysisOptions(start_s=-1.0)


def test_cli_window(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    steps_csv = tmp_path / "steps.csv"
    argv = ["analyze", str(WALK), "--json", "--start-s", "5", "--end-s", "15"]
    assert main([*argv, "--steps-csv", str(steps_csv)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["window_s"] == [5.0, 15.0]
    assert summary["duration_s"] == pytest.approx(10.0)
    steps = pd.read_csv(steps_csv)
    assert steps["heel_strike_s"].min() >= 5.0 and steps["toe_off_s"].max() < 15.0
    assert main(["analyze", str(WALK), "--end-s", "10"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.endswith("walking)  time window 0 to 10 s of the recording")


@pytest.mark.parametrize("command", ["analyze", "report"])
def test_cli_bad_windows(tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str) -> None:
    out = ["-o", str(tmp_path / "r.html")] if command == "report" else []
    # reversed: a usage error, one line
    assert main([command, str(WALK), *out, "--start-s", "15", "--end-s", "5"]) == 2
    err = capsys.readouterr().err
    assert err == f"pressure {command}: error: --start-s (15) must be before --end-s (5)\n"
    # negative: argparse's usage error
    with pytest.raises(SystemExit) as info:
        main([command, str(WALK), *out, "--start-s", "-1"])
    assert info.value.code == 2
    capsys.readouterr()
    # beyond the recording: a handled error, one line
    assert main([command, str(WALK), *out, "--start-s", "5", "--end-s", "100"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("pressure: error: ") and len(err.splitlines()) == 1
    assert "not within the recording (the recording runs from 0 to 20 s on its time axis)" in err
    assert not (tmp_path / "r.html").exists()


def test_report_of_a_window_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r.html"
    assert main(["report", str(WALK), "-o", str(out), "--start-s", "5", "--end-s", "15"]) == 0
    page = out.read_text(encoding="utf-8")
    assert "time window analysed" in page and "5 to 15 s of the recording" in page


def test_a_window_of_a_real_file_keeps_its_vendor_events_and_columns():
    session = load(shared_data("moticon", "230927_102114.txt"))  # 28 vendor events
    part = session.window(5.0, 12.0)
    for side, kinds in session.events.items():
        for name, times in kinds.items():
            inside = times[(times >= 5.0) & (times < 12.0)]
            np.testing.assert_array_equal(part.events[side][name], inside)
    for side, foot in part.feet.items():
        whole = session.feet[side]
        assert foot.total_force_n is not None and len(foot.total_force_n) == foot.n_frames
        for name, column in foot.vendor.items():
            assert len(column) == foot.n_frames
            first = int(np.searchsorted(whole.time_s, foot.time_s[0]))
            np.testing.assert_array_equal(column, whole.vendor[name][first : first + len(column)])
