"""The reader of the project's own recordings (``.insole``) and line-mode captures, on the bundled
samples (sample_data/, made by sample_data/make_samples.py with their ground truth beside them).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pressure.io.load import detect_format, load
from pressure.layouts_builtin import builtin_layout
from pressure.simulator import GaitSignal, SyntheticGait, write_recording

from ..conftest import ROOT
from .helpers import check_session

SAMPLES = ROOT / "sample_data"


@pytest.mark.parametrize(("others", "detected"), [(0, True), (2, True), (3, False)])
def test_line_mode_capture_needs_nine_tenths_timestamped_samples(tmp_path, others, detected):
    """A capture of line-mode text is an insole session when at least 90 % of its lines are
    timestamped samples (here 20 lines; the others are untimestamped rows of numbers, placed
    first, as in a table of integers that starts like a capture)."""
    rows = [f"{i},{i + 1},{i + 2}" for i in range(others)]
    rows += [f"{10_000 * i}us L {i},{i + 1},{i + 2}" for i in range(20 - others)]
    path = tmp_path / "capture.txt"
    path.write_text("\n".join(rows) + "\n")
    assert (detect_format(path) == "insole") is detected


@pytest.mark.parametrize(
    "name",
    [
        "walk_normal.insole",
        "walk_left_heavy.insole",
        "walk_medial_shift.insole",
        "stand_quiet.insole",
        "line_mode_example.txt",
    ],
)
def test_sample_recordings(name):
    path = SAMPLES / name
    truth = json.loads((SAMPLES / f"{name}.truth.json").read_text())
    session = load(path)
    check_session(session, "insole")
    assert detect_format(path) == "insole"
    assert session.sampling_rate_hz == truth["rate_hz"]
    assert session.duration_s == pytest.approx(truth["duration_s"], abs=1.5 / truth["rate_hz"])
    for foot in session.feet.values():
        assert foot.n_frames == truth["n_frames"] and foot.n_sensors == truth["sensors"]
        assert foot.values.min() >= 0
    if path.suffix == ".insole":
        assert session.metadata["kind"] == "recording"
        assert session.metadata["devices"][0]["layout"] == truth["layout"]
        for foot in session.feet.values():
            assert foot.unit == "kpa" and foot.layout == builtin_layout(truth["layout"])
        assert session.quality["crc_errors"] == 0
        assert session.quality["frames_left"] == truth["n_frames"]
    else:  # line mode names no unit and no layout
        assert session.metadata["mode"] == "text"
        assert all(f.unit == "raw" and f.layout is None for f in session.feet.values())


def test_recording_subject_fields_reach_metadata(tmp_path):
    path = tmp_path / "subject.insole"
    gait = SyntheticGait(seconds=2, rate_hz=100, sensors=8, seed=2)
    write_recording(
        path, GaitSignal(gait), session={"subject.body_mass_kg": 70.5, "subject.subject_id": "S7"}
    )
    session = load(path)
    assert session.metadata["subject"] == {"body_mass_kg": 70.5, "subject_id": "S7"}
    assert session.left is not None and session.left.layout == builtin_layout("sim8")


def test_capture_cut_short_is_read_and_counted(tmp_path):
    data = (SAMPLES / "line_mode_example.txt").read_bytes()
    path = tmp_path / "cut.txt"
    path.write_bytes(data[: len(data) - 7])  # the last line loses its end
    session = load(path)
    assert session.quality["truncated"] == 1
    assert session.left is not None and session.right is not None
    assert session.left.n_frames + session.right.n_frames == 199


@pytest.mark.parametrize(
    ("style", "side", "feet"), [("bare", "left", {"left"}), ("header", "both", {"left", "right"})]
)
def test_a_saved_sketch_output_is_a_capture(tmp_path, style, side, feet):
    """What a serial monitor saves of a hobby sketch (boot text, maybe a header, then millis and
    counts) is read as a line-mode capture: the clock is time, not sensor 1."""
    from pressure.cli import main

    path = tmp_path / "board.txt"
    args = ["simulate", "--out", str(path), "--raw", "--seconds", "5", "--side", side]
    assert main([*args, "--sketch", style, "--start-ms", "60000"]) == 0
    assert detect_format(path) == "insole"
    session = load(path)
    assert set(session.feet) == feet
    for foot in session.feet.values():
        assert foot.n_sensors == 16 and foot.n_frames == 500
        assert foot.sampling_rate_hz == pytest.approx(100.0)
    assert session.metadata["wire"]["line"]["time_unit"] == "ms"
    assert session.quality["text_lines"] == 2  # the boot messages, not damage
    assert session.quality["bad_lines"] == 0


@pytest.mark.parametrize(
    ("name", "text"),
    [
        # a stride table: a first column of seconds rising by ~1.1 s a row (WFDB .ts-like)
        (
            "table.txt",
            "".join(f"{1.1 * i + 0.01 * (i % 3):.3f}\t1.1\t0.4\t0.7\n" for i in range(1, 40)),
        ),
        # a .csv with its header first belongs to the table readers
        ("table.csv", "time_ms,a,b\n" + "".join(f"{10 * i},{i % 7},{i % 5}\n" for i in range(40))),
        # a bare clock in seconds with a fraction: a lab's export, not a sketch's millis()
        ("table.txt", "".join(f"{0.01 * i:.2f} {i % 7} {i % 5}\n" for i in range(40))),
    ],
)
def test_tables_of_numbers_are_not_captures(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    assert detect_format(path) != "insole"


def test_a_terminal_log_with_its_header_first_is_a_capture(tmp_path: Path) -> None:
    """A serial terminal's log (.txt, .log) whose first line is the sketch's header, and whose
    board reset midway (boot text and the header again): read as line mode, every sample kept,
    the restart joined."""
    header = "millis,fsr1,fsr2"
    part = ["".join(f"{t0 + 10 * i},{i % 7},{i % 5}\n" for i in range(100)) for t0 in (9000, 3)]
    text = f"{header}\n{part[0]}[boot] insole v1\n{header}\n{part[1]}"
    for suffix in (".txt", ".log"):
        path = tmp_path / f"terminal{suffix}"
        path.write_text(text)
        assert detect_format(path) == "insole", suffix
        session = load(path)
        assert session.left is not None and session.left.n_frames == 200
        assert session.quality["clock_resets"] == 1
