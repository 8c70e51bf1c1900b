"""``pressure convert FILE OUT.c3d``: the file reads back equal to the session (each foot's total
force, its centre of pressure from ``pressure.cop``, every sensor, the analysis' gait events)
with ezc3d, which wrote it, and with the independent pure-Python ``c3d`` reader; feet on other
times are resampled, gaps stay NaN, and what a C3D cannot hold is refused with one line."""

from __future__ import annotations

import subprocess
import sys
import warnings
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import pressure
from pressure.cli import main
from pressure.cli._args import EXISTS
from pressure.cop import foot_cop
from pressure.errors import UsageError
from pressure.export import analysis_events, export_grid, write_c3d
from pressure.export.c3d import MAX_CHANNELS, MAX_EVENTS, MAX_FRAMES
from pressure.model import FootRecording, Session

from .conftest import ROOT, shared_data

WALK = ROOT / "sample_data" / "walk_normal.insole"  # 20 s, both feet, 16 sensors, kPa
RAW = ROOT / "sample_data" / "line_mode_example.txt"  # raw units, no sensor layout


@dataclass
class C3d:
    """What a reader found in a C3D file."""

    labels: list[str]
    units: list[str]
    analog_rate_hz: float
    point_rate_hz: float
    analogs: np.ndarray  # (channels, samples)
    events: list[tuple[float, str, str]]  # (time from the first sample, context, label)
    start_time_s: float

    def channel(self, name: str) -> np.ndarray:
        return self.analogs[self.labels.index(name)]


def read_ezc3d(path: Path) -> C3d:
    import ezc3d

    c3d = ezc3d.c3d(str(path))
    p = c3d["parameters"]
    events: list[tuple[float, str, str]] = []
    if "EVENT" in p and int(p["EVENT"]["USED"]["value"][0]):
        minutes, seconds = p["EVENT"]["TIMES"]["value"]
        events = list(
            zip(
                (minutes * 60.0 + seconds).tolist(),
                p["EVENT"]["CONTEXTS"]["value"],
                p["EVENT"]["LABELS"]["value"],
                strict=True,
            )
        )
    return C3d(
        labels=list(p["ANALOG"]["LABELS"]["value"]),
        units=list(p["ANALOG"]["UNITS"]["value"]),
        analog_rate_hz=float(p["ANALOG"]["RATE"]["value"][0]),
        point_rate_hz=float(p["POINT"]["RATE"]["value"][0]),
        analogs=c3d["data"]["analogs"][0],
        events=events,
        start_time_s=float(p["PRESSURE"]["START_TIME_S"]["value"][0]),
    )


def read_c3d_package(path: Path) -> C3d:
    """The same through the ``c3d`` package, which shares no code with ezc3d."""
    import c3d

    with path.open("rb") as handle, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "No point data found in file."
        reader = c3d.Reader(handle)
        frames = [analog for _, _, analog in reader.read_frames()]
        events: list[tuple[float, str, str]] = []
        used = reader.get("EVENT:USED")
        if used is not None and used.int16_value:
            times = reader.get("EVENT:TIMES").float_array  # (events, [minutes, seconds])
            events = list(
                zip(
                    (times[:, 0].astype(np.float64) * 60.0 + times[:, 1]).tolist(),
                    [s.strip() for s in reader.get("EVENT:CONTEXTS").string_array],
                    [s.strip() for s in reader.get("EVENT:LABELS").string_array],
                    strict=True,
                )
            )
        return C3d(
            labels=[s.strip() for s in reader.analog_labels],
            units=[s.strip() for s in reader.get("ANALOG:UNITS").string_array],
            analog_rate_hz=float(reader.analog_rate),
            point_rate_hz=float(reader.point_rate),
            analogs=np.concatenate(frames, axis=1),
            events=events,
            start_time_s=float(reader.get("PRESSURE:START_TIME_S").float_value),
        )


READERS = [read_ezc3d, read_c3d_package]


def _f32(values: np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype=np.float32)


def _same(read: np.ndarray, expected: np.ndarray) -> None:
    """Equal as float32 (the C3D's storage), NaN where the session has none."""
    np.testing.assert_array_equal(_f32(read), _f32(expected))


@pytest.mark.parametrize("reader", READERS, ids=["ezc3d", "c3d"])
def test_a_sample_walk_reads_back_equal_to_the_session(
    tmp_path: Path, reader: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "walk.c3d"
    assert main(["convert", str(WALK), str(out), "--sensors"]) == 0
    assert "70 events (analysis)" in capsys.readouterr().err
    session = pressure.load(WALK)
    got = reader(out)
    assert got.analog_rate_hz == got.point_rate_hz == 100.0
    assert got.start_time_s == 0.0
    names = [
        f"{side}_{what}"
        for side in ("left", "right")
        for what in ["force_n", "cop_ml_mm", "cop_ap_mm"]
        + [f"sensor_{k:02d}_kpa" for k in range(1, 17)]
    ]
    assert got.labels == names
    assert got.units == (["N", "mm", "mm"] + ["kPa"] * 16) * 2
    for side, foot in session.feet.items():
        assert got.analogs.shape[1] == foot.n_frames == 2000  # both feet on the same times
        force, unit = foot.load()
        assert unit == "n"
        _same(got.channel(f"{side}_force_n"), force)
        cop = foot_cop(foot)
        assert cop is not None
        _same(got.channel(f"{side}_cop_ml_mm"), cop.x_mm)
        _same(got.channel(f"{side}_cop_ap_mm"), cop.y_mm)
        assert np.isnan(cop.x_mm).sum() > 500  # swing: NaN in the session, NaN in the file
        for k in range(16):
            _same(got.channel(f"{side}_sensor_{k + 1:02d}_kpa"), foot.values[:, k])

    # the analysis' events: every step's heel strike and toe off, at its sample
    steps = pressure.analyze(session).steps
    assert len(got.events) == 2 * len(steps) == 70
    for side, context in (("left", "Left"), ("right", "Right")):
        mine = steps[steps["side"] == side]
        for kind, label in (("heel_strike_s", "Foot Strike"), ("toe_off_s", "Foot Off")):
            times = np.array([t for t, c, lab in got.events if (c, lab) == (context, label)])
            expected = np.sort(mine[kind].to_numpy(float))
            np.testing.assert_allclose(times + got.start_time_s, expected, rtol=0, atol=1e-5)
            rate = got.analog_rate_hz
            # the same sample: frame 1 is time 0
            np.testing.assert_array_equal(
                np.rint(times * rate), np.rint(expected * session.feet[side].sampling_rate_hz)
            )
    assert [t for t, *_ in got.events] == sorted(t for t, *_ in got.events)


def test_the_readers_agree_on_every_number(tmp_path: Path) -> None:
    out = tmp_path / "walk.c3d"
    session = pressure.load(WALK)
    write_c3d(session, out, events=analysis_events(pressure.analyze(session)), sensors=True)
    a, b = read_ezc3d(out), read_c3d_package(out)
    np.testing.assert_array_equal(a.analogs, b.analogs)
    assert (a.labels, a.units, a.events) == (b.labels, b.units, b.events)


def test_the_command_line_writes_a_c3d(tmp_path: Path) -> None:
    """The real entry point, as a user types it."""
    out = tmp_path / "walk.c3d"
    run = subprocess.run(
        [sys.executable, "-m", "pressure", "convert", str(WALK), str(out)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert run.stderr.splitlines()[-1] == (
        f"wrote {out}: insole session (2000 left, 2000 right frames) as 2000 samples at "
        "100 Hz, 6 analog channels, 70 events (analysis)"
    )
    assert read_ezc3d(out).labels == [
        "left_force_n", "left_cop_ml_mm", "left_cop_ap_mm",
        "right_force_n", "right_cop_ml_mm", "right_cop_ap_mm",
    ]  # fmt: skip


def test_moticon_feet_on_their_own_frames_and_the_files_events(tmp_path: Path) -> None:
    """A real export: the left foot starts 0.5 s after the right, frames are missing here and
    there, the forces are the device's own and the events the vendor software's."""
    source = shared_data("moticon", "230927_102114.txt")
    session = pressure.load(source)
    out = tmp_path / "moticon.c3d"
    assert main(["convert", str(source), str(out), "--events", "file"]) == 0
    for reader in READERS:
        got = reader(out)
        n = got.analogs.shape[1]
        assert n == 1751  # 0 to 17.50 s at 100 Hz
        for side, foot in session.feet.items():
            at = np.rint(foot.time_s * 100).astype(int)  # the frames lie on the grid
            force = got.channel(f"{side}_force_n")
            assert foot.total_force_n is not None
            _same(force[at], foot.total_force_n)
            without = np.setdiff1d(np.arange(n), at)
            assert np.isnan(force[without]).all()  # no frame: NaN, nothing filled in
            cop = foot_cop(foot)
            assert cop is not None
            _same(got.channel(f"{side}_cop_ap_mm")[at], cop.y_mm)
            context = side.capitalize()
            for kind, label in (("heel_strike_s", "Foot Strike"), ("toe_off_s", "Foot Off")):
                times = [t for t, c, lab in got.events if (c, lab) == (context, label)]
                np.testing.assert_allclose(
                    np.array(times) + got.start_time_s,
                    np.sort(session.events[side][kind]),
                    rtol=0,
                    atol=1e-5,
                )
        assert len(np.setdiff1d(np.arange(n), np.rint(session.feet["left"].time_s * 100))) == 64


def _foot(side: Any, time_s: np.ndarray, rate: float, n_sensors: int = 3) -> FootRecording:
    rng = np.random.default_rng(len(time_s) + n_sensors)
    values = rng.uniform(0, 50, (len(time_s), n_sensors))
    return FootRecording(side, time_s, values, "n", rate)


def _session(left: FootRecording | None, right: FootRecording | None) -> Session:
    return Session(Path("synthetic"), "synthetic", left, right)


def test_feet_off_the_grid_are_interpolated_and_gaps_stay_nan(tmp_path: Path) -> None:
    """The right insole's clock runs 3.7 ms behind the left's and lost two frames: its values
    are interpolated between its own frames at the grid's times, never across the gap."""
    t = np.arange(200) / 100.0
    left = _foot("left", t, 100.0)
    right_t = np.delete(t + 0.0037, [50, 51])
    right = _foot("right", right_t, 100.0)
    session = _session(left, right)
    grid = export_grid(session)
    assert grid.resampled == ("right",)
    assert any("resampled by linear interpolation" in note for note in grid.notes)
    np.testing.assert_array_equal(grid.time_s, t)  # the left foot's frames, as they are
    left_load = grid.channel("left", "load")
    right_load = grid.channel("right", "load")
    assert left_load is not None and right_load is not None
    np.testing.assert_array_equal(left_load.values, left.load()[0])
    expected = np.interp(t, right_t, right.load()[0])
    gap = (t > right_t[49]) & (t < right_t[50])  # 49.37 .. 52.37 ms: samples 50, 51, 52
    expected[gap | (t < right_t[0])] = np.nan  # before its first frame, and in the gap
    np.testing.assert_allclose(right_load.values, expected, rtol=1e-12, atol=0)
    assert np.flatnonzero(np.isnan(right_load.values)).tolist() == [0, 50, 51, 52]
    assert grid.missing == {"left": 0, "right": 4}

    out = tmp_path / "resampled.c3d"
    write_c3d(session, out)
    for reader in READERS:
        _same(reader(out).channel("right_force_n"), expected)


def test_a_slower_foot_is_interpolated_onto_the_faster_ones_grid() -> None:
    left = _foot("left", np.arange(100) / 100.0, 100.0)
    right = _foot("right", np.arange(50) / 50.0, 50.0)
    grid = export_grid(_session(left, right))
    assert grid.sampling_rate_hz == 100.0 and grid.resampled == ("right",)
    channel = grid.channel("right", "load")
    assert channel is not None
    r = right.load()[0]
    np.testing.assert_allclose(channel.values[:98:2], r[:49], rtol=1e-12)  # its own frames
    np.testing.assert_allclose(channel.values[1:98:2], (r[:49] + r[1:50]) / 2, rtol=1e-12)
    assert np.isnan(channel.values[99])  # after its last frame (0.98 s)


def test_a_long_session_packs_samples_into_frames(tmp_path: Path) -> None:
    """More samples than a C3D has frames: several analog samples a frame, as few as give a
    point rate exact in float32 (3 would give 333.33334 Hz, which readers take for 2 a frame),
    the last frame padded with NaN."""
    n = 2 * MAX_FRAMES + 3  # 3 a frame at least: 4, 16385 frames, 3 NaN at the end
    session = _session(_foot("left", np.arange(n) / 1000.0, 1000.0, 2), None)
    out = tmp_path / "long.c3d"
    written = write_c3d(session, out, sensors=True)
    assert any("4 analog samples per frame (POINT:RATE 250 Hz)" in n for n in written.notes)
    force = session.feet["left"].load()[0]
    for reader in READERS:
        got = reader(out)
        assert (got.analog_rate_hz, got.point_rate_hz) == (1000.0, 250.0)
        assert got.analogs.shape == (3, 4 * 16385)  # load, 2 sensors
        _same(got.analogs[0, :n], force)
        assert np.isnan(got.analogs[:, n:]).all() and got.analogs.shape[1] - n == 3


def test_raw_units_keep_their_unit_and_give_no_cop(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "raw.c3d"
    assert main(["convert", str(RAW), str(out), "--events", "none"]) == 0
    err = capsys.readouterr().err
    assert "left foot: no sensor layout, so no centre of pressure" in err
    session = pressure.load(RAW)
    for reader in READERS:
        got = reader(out)
        assert got.labels == ["left_load_raw", "right_load_raw"]
        assert got.units == ["raw", "raw"] and got.events == []
        for side, foot in session.feet.items():
            load, unit = foot.load()
            assert unit == "raw"
            _same(got.channel(f"{side}_load_raw"), load)


def test_an_existing_file_is_kept_and_a_bad_suffix_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "walk.c3d"
    out.write_bytes(b"keep me")
    assert main(["convert", str(WALK), str(out)]) == 2
    err = capsys.readouterr().err
    assert err == f"pressure convert: error: {out}: {EXISTS}\n"
    assert out.read_bytes() == b"keep me"
    assert main(["convert", str(WALK), str(out), "--overwrite"]) == 0
    assert read_ezc3d(out).labels[0] == "left_force_n"
    assert main(["convert", str(WALK), str(tmp_path / "walk.c3z")]) == 2
    assert "OUT must end in .parquet, .csv, .c3d or .mot" in capsys.readouterr().err
    assert main(["convert", str(WALK), str(tmp_path / "walk.csv"), "--sensors"]) == 2
    assert main(["convert", str(WALK), str(tmp_path / "walk.mot"), "--events", "none"]) == 2
    with pytest.raises(UsageError, match=r"ends in \.c3d"):
        write_c3d(pressure.load(WALK), tmp_path / "walk.C3DX")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["walk.c3d"]


def test_what_a_c3d_cannot_hold_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    t = np.arange(100) / 100.0
    many = _session(_foot("left", t, 100.0, 130), _foot("right", t, 100.0, 130))
    with pytest.raises(UsageError, match=f"at most {MAX_CHANNELS} analog channels"):
        write_c3d(many, tmp_path / "many.c3d", sensors=True)
    write_c3d(many, tmp_path / "few.c3d")  # 2 loads: fine
    events = {"left": {"heel_strike_s": np.linspace(0, 0.9, MAX_EVENTS + 1)}}
    with pytest.raises(UsageError, match=f"at most {MAX_EVENTS} events"):
        write_c3d(many, tmp_path / "events.c3d", events=events)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["few.c3d"]


def test_a_window_is_converted_with_its_times(tmp_path: Path) -> None:
    out = tmp_path / "window.c3d"
    assert main(["convert", str(WALK), str(out), "--start-s", "5", "--end-s", "10"]) == 0
    got = read_ezc3d(out)
    assert got.analogs.shape[1] == 500 and got.start_time_s == 5.0
    session = pressure.load(WALK).window(5.0, 10.0)
    _same(got.channel("left_force_n"), session.feet["left"].load()[0])
    steps = pressure.analyze(session).steps
    assert len(got.events) == 2 * len(steps) > 0
    first = min(steps["heel_strike_s"].min(), steps["toe_off_s"].min())
    assert got.events[0][0] + got.start_time_s == pytest.approx(first, abs=1e-5)


def test_without_ezc3d_the_error_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "ezc3d", None)  # import ezc3d raises ImportError
    assert main(["convert", str(WALK), str(tmp_path / "walk.c3d")]) == 2
    assert "pip install 'pressure[c3d]'" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_a_folder_that_does_not_exist_is_an_output_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "no" / "such" / "walk.c3d"
    assert main(["convert", str(WALK), str(out)]) == 4
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(f"pressure: error: {out}: cannot write")


def test_a_cut_file_from_ezc3d_is_an_output_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ezc3d reports no failed write; a file shorter than its data is caught, and nothing is
    left behind (the hidden folder ezc3d wrote in included)."""
    import ezc3d

    real_write = ezc3d.c3d.write

    def cut(self: Any, path: str, **kwargs: Any) -> None:
        real_write(self, path, **kwargs)
        with open(path, "r+b") as file:
            file.truncate(3000)

    monkeypatch.setattr(ezc3d.c3d, "write", cut)
    with pytest.raises(pressure.OutputError, match=r"cannot write: ezc3d wrote 3000 of its"):
        write_c3d(pressure.load(WALK), tmp_path / "walk.c3d")
    assert list(tmp_path.iterdir()) == []


def test_a_foot_without_frames_is_left_out(tmp_path: Path) -> None:
    """(With one channel only ezc3d reads the file back: it stores the one-element
    ANALOG:OFFSET as a scalar, which C3D allows and the ``c3d`` package's reader asserts
    against.)"""
    t = np.arange(50) / 100.0
    empty = replace(_foot("right", t, 100.0), time_s=t[:0], values=np.zeros((0, 3)))
    session = _session(_foot("left", t, 100.0), empty)
    write_c3d(session, tmp_path / "one.c3d")
    got = read_ezc3d(tmp_path / "one.c3d")
    assert got.labels == ["left_force_n"]
    _same(got.analogs[0], session.feet["left"].load()[0])
