"""The command line as users call it: ``main([...])`` in process, and the real entry points."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from firmware_protocol.spec import sample_frame_size
from pressure.cli import main

from .conftest import ROOT


def simulate(tmp_path: Path, *extra: str, name: str = "walk.insole") -> Path:
    """A bare wire capture (the damage tests count bytes of the wire stream itself)."""
    out = tmp_path / name
    assert main(["simulate", "--out", str(out), "--raw", "--seconds", "10", *extra]) == 0
    return out


def info_json(path: Path, capsys: pytest.CaptureFixture[str]) -> dict:
    capsys.readouterr()
    assert main(["info", str(path), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_simulate_is_deterministic(tmp_path: Path) -> None:
    a = simulate(tmp_path, "--seed", "3", name="a.insole").read_bytes()
    b = simulate(tmp_path, "--seed", "3", name="b.insole").read_bytes()
    c = simulate(tmp_path, "--seed", "4", name="c.insole").read_bytes()
    assert a == b
    assert a != c


def test_info_json_stable_keys(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = simulate(tmp_path, "--rate", "200", "--sensors", "99")
    report = info_json(path, capsys)
    assert report["frames"] == {"left": 2000, "right": 2000}
    assert report["frames_lost"] == 0
    assert report["crc_errors"] == 0
    assert report["bytes_skipped"] == 0
    assert report["duration_s"] == pytest.approx(10.0)
    assert report["sampling_rate_hz"] == pytest.approx(200.0)
    assert report["sensors"] == {"left": 99, "right": 99}


def test_info_text_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = simulate(tmp_path)
    capsys.readouterr()
    assert main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    assert "left  1000 frames" in out and "frames lost 0" in out


def test_info_counts_account_for_damage_at_one_percent_of_frames(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = simulate(tmp_path, "--seconds", "10")
    data = bytearray(path.read_bytes())
    size = sample_frame_size(16)
    first = len(data) % size  # the DEVICE_INFO frame comes first
    n_frames = (len(data) - first) // size
    rng = np.random.default_rng(7)
    damaged = rng.choice(n_frames, size=n_frames // 100, replace=False)
    where = rng.integers(0, size, size=len(damaged))
    for i, within in zip(damaged, where, strict=True):
        data[first + int(i) * size + int(within)] ^= 0xFF
    path.write_bytes(bytes(data))
    report = info_json(path, capsys)
    assert report["frames"]["left"] + report["frames"]["right"] == n_frames - len(damaged)
    # damage to a sync byte leaves no header to reject (the frame is skipped as garbage); in the
    # rest of the header it is a bad header; in the payload or frame CRC, a CRC error
    assert report["header_errors"] == int(((where >= 2) & (where < 8)).sum())
    assert report["crc_errors"] == int((where >= 8).sum())
    assert report["frames_lost"] == len(damaged)
    assert report["bytes_skipped"] == len(damaged) * size


def test_info_counts_deleted_and_inserted_bytes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = simulate(tmp_path)
    data = bytearray(path.read_bytes())
    size = sample_frame_size(16)
    first = len(data) % size
    junk = b"\x00garbage\xff"
    at = first + 1200 * size
    data[at:at] = junk  # between frames: costs nothing
    at = first + 500 * size + 20
    del data[at : at + 3]  # inside frame 500: costs that frame
    path.write_bytes(bytes(data))
    report = info_json(path, capsys)
    assert report["frames"]["left"] + report["frames"]["right"] == 1999
    assert report["frames_lost"] == 1
    assert report["bytes_skipped"] == (size - 3) + len(junk)


def test_not_a_capture_one_line_exit_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "notes.insole"
    bad.write_bytes(bytes(range(256)) * 8)
    capsys.readouterr()
    assert main(["info", str(bad)]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert str(bad) in err and "unrecognised content" in err and "expected" in err
    assert "Traceback" not in err


def test_verbose_shows_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "x.insole"
    bad.write_text("hello\n")
    assert main(["-v", "info", str(bad)]) == 3
    assert "Traceback" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("content", "message"), [(b"", "the file is empty"), (None, "no such file")]
)
def test_empty_or_missing_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes | None, message: str
) -> None:
    path = tmp_path / "f.insole"
    if content is not None:
        path.write_bytes(content)
    assert main(["info", str(path)]) == 3
    assert message in capsys.readouterr().err


def test_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["simulate", "--seconds", "1"])  # --out missing
    assert info.value.code == 2


@pytest.mark.parametrize(
    "args",
    [
        ["simulate", "--out", "x", "--seconds", "-1"],
        ["simulate", "--out", "x", "--seconds", "inf"],
        ["simulate", "--out", "x", "--seconds", "1e12"],
        ["simulate", "--out", "x", "--seconds", "1", "--cadence", "0"],
        ["simulate", "--out", "x", "--seconds", "1", "--seed", "-1"],
        ["simulate", "--out", "x", "--seconds", "1", "--sensors", "4097"],
        ["simulate", "--out", "x", "--seconds", "1", "--left-share", "101"],
        ["record", "/dev/null", "-o", "x", "--rate", "20000"],
        ["info", "x", "--rate", "0"],
    ],
)
def test_bad_values_are_usage_errors(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(args)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "is outside" in err and "Traceback" not in err


def test_info_reports_a_sensor_count_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from firmware_protocol import SampleFrame, encode

    path = tmp_path / "reconfigured.insole"
    frames = [SampleFrame(k, 0, k * 10_000, (1,) * 4) for k in range(5)]
    frames += [SampleFrame(k, 0, k * 10_000, (1,) * 8) for k in range(5, 10)]
    path.write_bytes(b"".join(encode(f) for f in frames))
    report = info_json(path, capsys)
    assert report["frames"] == {"left": 10, "right": 0}
    assert report["sensors"] == {"left": [4, 8]}


def test_large_capture_is_read_in_chunks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Over 8 MiB, so the file reaches the decoder in several reads; nothing is lost at seams."""
    path = simulate(tmp_path, "--seconds", "900", "--sensors", "99", "--rate", "50")
    assert path.stat().st_size > 2 * (8 << 20)
    report = info_json(path, capsys)
    assert report["frames"] == {"left": 45000, "right": 45000}
    assert report["bytes_skipped"] == 0 and report["frames_lost"] == 0


def test_line_mode_capture(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "arduino.txt"
    lines = ["# millis, side, 4 FSR"]
    for i in range(200):
        lines.append(f"{i * 20}ms,L,{i % 50},{i % 7},0,{i}")
        lines.append(f"{i * 20}ms,R,{i % 30},1,2,{i}")
    lines.insert(50, "oops,1,2")
    path.write_text("\r\n".join(lines) + "\r\n")
    report = info_json(path, capsys)
    assert report["mode"] == "text"
    assert report["frames"] == {"left": 200, "right": 200}
    assert report["bad_lines"] == 1
    assert report["sampling_rate_hz"] == pytest.approx(50.0)


def test_real_entry_points(tmp_path: Path) -> None:
    """``python -m pressure`` and the installed ``pressure`` script both run."""
    out = tmp_path / "w.insole"
    done = subprocess.run(
        [sys.executable, "-m", "pressure", "simulate", "--out", str(out), "--seconds", "1"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    script = Path(sys.executable).with_name("pressure")
    if not script.exists():
        pytest.fail(f"the console script is not installed beside {sys.executable}")
    done = subprocess.run([str(script), "info", str(out), "--json"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["frames"] == {"left": 100, "right": 100}
    done = subprocess.run([str(script), "info", str(tmp_path)], capture_output=True, text=True)
    assert done.returncode == 3
    assert done.stderr.startswith("pressure: error:") and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["simulate", "--pty", "--raw"],
        ["simulate", "--pty", "--speed", "2"],
        ["simulate", "--pty", "--from", "x.insole", "--cadence", "100"],
        ["simulate", "--pty", "--truth"],
    ],
)
def test_options_that_do_not_go_together_are_usage_errors(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("pressure simulate: error:") and len(err.splitlines()) == 1


def test_an_unknown_activity_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["simulate", "--out", "x", "--seconds", "1", "--activity", "run"])
    assert info.value.code == 2
    assert "invalid choice: 'run'" in capsys.readouterr().err


def test_record_from_a_wrong_port_leaves_no_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "never.insole"
    assert main(["record", str(tmp_path / "no-such-port"), "-o", str(out)]) == 4
    err = capsys.readouterr().err
    assert "no such port" in err and len(err.splitlines()) == 1
    assert not out.exists()


def test_convert_of_a_file_without_frames_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from pressure.io.recording import RecordingWriter

    empty = tmp_path / "empty.insole"
    RecordingWriter(empty).close()
    assert main(["convert", str(empty), str(tmp_path / "out.csv")]) == 3
    assert "no sample frames" in capsys.readouterr().err
    assert not (tmp_path / "out.csv").exists()


def test_no_output_replaces_a_file_unless_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """analyze's CSV outputs and report's -o: an existing file is kept (exit 2, one line)
    unless --overwrite; the input file is never an output; one file is not named for two
    outputs. Checked before the input is read, so nothing is half done."""
    walk = ROOT / "sample_data" / "walk_left_heavy.insole"
    kept = tmp_path / "rec1.insole"
    kept.write_bytes(b"a recording kept here")
    capsys.readouterr()
    for argv in (
        ["analyze", str(walk), "--steps-csv", str(kept)],
        ["analyze", str(walk), "--regions-csv", str(kept)],
        ["report", str(walk), "-o", str(tmp_path / "old.html")],
    ):
        (tmp_path / "old.html").write_text("earlier report")
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert "already exists; choose another name or pass --overwrite" in err, argv
    assert kept.read_bytes() == b"a recording kept here"
    assert (tmp_path / "old.html").read_text() == "earlier report"
    copy = tmp_path / "walk.insole"
    copy.write_bytes(walk.read_bytes())
    assert main(["analyze", str(copy), "--cop-csv", str(copy), "--overwrite"]) == 2
    assert "is the input file" in capsys.readouterr().err
    assert copy.read_bytes() == walk.read_bytes()
    both = tmp_path / "both.csv"
    assert main(["analyze", str(walk), "--steps-csv", str(both), "--cop-csv", str(both)]) == 2
    assert "named for two outputs" in capsys.readouterr().err and not both.exists()
    # with --overwrite the files are replaced, whole
    assert main(["analyze", str(walk), "--steps-csv", str(kept), "--overwrite"]) == 0
    assert kept.read_text().startswith("side,")
    out = tmp_path / "old.html"
    assert main(["report", str(walk), "-o", str(out), "--overwrite"]) == 0
    assert out.read_text().lstrip().lower().startswith("<!doctype html")
