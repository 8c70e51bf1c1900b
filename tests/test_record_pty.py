"""Acceptance of recording over real pseudo-terminals: the simulator and the recorder run as the
user runs them (``pressure simulate --pty``, ``pressure record``), as separate processes; the
recorder opens the ptys by path with pyserial."""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from pressure.errors import PressureError
from pressure.io.load import load
from pressure.io.recording import read_recording
from pressure.simulator.gait import SyntheticGait

PRESSURE = [sys.executable, "-m", "pressure"]


class Processes:
    def __init__(self) -> None:
        self.running: list[subprocess.Popen[str]] = []

    def simulator(self, *args: str) -> tuple[subprocess.Popen[str], str]:
        proc = self.start(*PRESSURE, "simulate", "--pty", *args)
        assert proc.stdout is not None
        path = proc.stdout.readline().strip()
        assert path.startswith("/dev/"), path
        return proc, path

    def recorder(self, *args: str) -> subprocess.Popen[str]:
        proc = self.start(*PRESSURE, "record", *args)
        assert proc.stderr is not None
        first = proc.stderr.readline()  # "recording ... (Ctrl-C to stop)": links are open
        assert "recording" in first, first
        return proc

    def start(self, *argv: str) -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1
        )
        self.running.append(proc)
        return proc

    def stop(self) -> None:
        for proc in self.running:
            if proc.poll() is None:
                proc.kill()
            proc.communicate()


@pytest.fixture
def procs() -> Iterator[Processes]:
    p = Processes()
    yield p
    p.stop()


@dataclass
class StoppedEarly:
    simulator: subprocess.Popen[str]
    recorder: subprocess.Popen[str]
    watcher: threading.Thread
    ended_s: dict[str, float]  # when each process exited (time.monotonic)


@pytest.fixture(scope="module", autouse=True)
def stopped_early(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StoppedEarly]:
    """A simulator of a 60 s walk that a 1 s recording stops, started with the module and
    checked by its last test, so the other tests run during the simulator's 5 s linger; a
    thread notes when each process exits."""
    p = Processes()
    sim, path = p.simulator("--rate", "100", "--seconds", "60")
    out = tmp_path_factory.mktemp("early") / "short.insole"
    rec = p.recorder(path, "-o", str(out), "--seconds", "1")
    ended_s: dict[str, float] = {}

    def watch() -> None:
        for name, proc in (("recorder", rec), ("simulator", sim)):
            proc.wait()
            ended_s[name] = time.monotonic()

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    yield StoppedEarly(sim, rec, watcher, ended_s)
    p.stop()


def _frames_of(path: Path) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    return {
        name: (foot.vendor["seq"].astype(np.int64), foot.vendor["device_time_s"], foot.values)
        for name, foot in load(path).feet.items()
    }


def _check_complete(path: Path, gait: SyntheticGait) -> None:
    """Every frame sent is in the file once, in order, with the values the gait made."""
    session = load(path)
    assert session.quality["frames_lost"] == 0
    assert session.quality["crc_errors"] == 0
    assert session.quality["duplicates"] == 0 and session.quality["out_of_order"] == 0
    scale = gait.info().scale
    left, right = gait.values()
    for name, expected in (("left", left), ("right", right)):
        foot = session.feet[name]
        assert foot.n_frames == gait.n_frames
        np.testing.assert_array_equal(foot.vendor["seq"], np.arange(gait.n_frames) & 0xFFFF)
        np.testing.assert_array_equal(np.round(foot.values / scale), expected)
        assert np.all(np.diff(foot.time_s) > 0)


def _frames_in(path: Path) -> int:
    """Frames of the foot with fewest in a recording being written (0 while it has none)."""
    try:
        feet = load(path).feet
    except (OSError, PressureError):  # not yet created, or caught between two writes
        return 0
    return min((feet[s].n_frames if s in feet else 0) for s in ("left", "right"))


def _record_all(procs: Processes, ports: list[str], out: Path, n_frames: int, *args: str) -> str:
    """Record ``ports`` until the file holds ``n_frames`` a foot (read as it grows: the recorder
    flushes four times a second), then stop the recorder as a user does (SIGTERM); its stderr.

    Waiting for the frames rather than for a fixed time: on a loaded machine the recorder may
    fall behind the stream for a while, and a fixed ``--seconds`` would cut it short."""
    rec = procs.recorder(*ports, "-o", str(out), "--seconds", "300", *args)
    deadline = time.monotonic() + 120
    while rec.poll() is None and time.monotonic() < deadline and _frames_in(out) < n_frames:
        time.sleep(0.2)
    rec.send_signal(signal.SIGTERM)
    _, err = rec.communicate(timeout=30)
    assert rec.returncode == 0, err
    return err


# Per foot, in real time: a rate a 2-core machine busy with other work sustains with room to
# spare (the pty holds a few seconds of it while the recorder waits for a core). The 1 kHz to
# 10 kHz figures are benchmarks/bench_record.py's, measured on a quiet machine.
RATE = 250.0
SECONDS = 3.0


def test_two_insoles_on_two_ptys_lose_nothing(procs: Processes, tmp_path: Path) -> None:
    common = ["--rate", str(RATE), "--seconds", str(SECONDS), "--seed", "5"]
    _, left = procs.simulator(*common, "--side", "left")
    _, right = procs.simulator(*common, "--side", "right")
    out = tmp_path / "two.insole"
    gait = SyntheticGait(seconds=SECONDS, rate_hz=RATE, seed=5)
    _record_all(procs, [left, "--right", right], out, gait.n_frames)
    _check_complete(out, gait)
    feet = load(out).feet
    # two devices, two clocks, one host axis. Each device's first sample is taken when its
    # START arrives, and the recorder starts the right insole after the left one answered: the
    # first samples land between the answers the recorder logged (plus a few ms of transport),
    # however long a busy machine took between the two; a quiet one takes a few ms
    recording = read_recording(out)
    channel = {link.role: link.channel for link in recording.links}
    answered = {e["link"]: e["time_s"] for e in recording.events if e.get("command") == "START"}
    left_ok, right_ok = answered[channel["left"]], answered[channel["right"]]
    first_left, first_right = feet["left"].time_s[0], feet["right"].time_s[0]
    assert first_left <= left_ok + 0.01
    assert left_ok - 0.01 <= first_right <= right_ok + 0.01
    lag = feet["right"].time_s - feet["left"].time_s
    assert np.ptp(lag) < 0.005  # one constant lag, no drift between the aligned clocks


def test_one_link_carrying_both_feet_loses_nothing(procs: Processes, tmp_path: Path) -> None:
    _, path = procs.simulator("--rate", str(RATE), "--seconds", str(SECONDS), "--seed", "6")
    out = tmp_path / "one.insole"
    gait = SyntheticGait(seconds=SECONDS, rate_hz=RATE, seed=6)
    _record_all(procs, [path], out, gait.n_frames, "--body-mass-kg", "70")
    _check_complete(out, gait)
    assert load(out).metadata["session"]["subject.body_mass_kg"] == 70.0


def test_kill_9_leaves_a_readable_file_with_what_was_flushed(
    procs: Processes, tmp_path: Path
) -> None:
    _, path = procs.simulator("--rate", "250", "--seconds", "60")  # as the other tests here
    out = tmp_path / "killed.insole"
    rec = procs.recorder(path, "-o", str(out))
    # from the first frames on disk (the recorder's start-up takes longer on a busy machine)
    deadline = time.monotonic() + 60
    while (not out.exists() or out.stat().st_size < 16_384) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(2.5)
    rec.send_signal(signal.SIGKILL)
    rec.wait(timeout=10)
    info = subprocess.run(
        [*PRESSURE, "info", "--json", str(out)], capture_output=True, text=True, check=False
    )
    assert info.returncode == 0, info.stderr
    report = json.loads(info.stdout)
    assert report["recording"]["complete"] is False
    # at least 1.5 s of the 2.5: the file is flushed four times a second
    assert report["frames"]["left"] >= 1.5 * 250 and report["frames"]["right"] >= 1.5 * 250
    assert report["frames_lost"] == 0


def test_a_vanished_device_ends_the_recording_with_one_line_and_a_valid_file(
    procs: Processes, tmp_path: Path
) -> None:
    sim, path = procs.simulator("--rate", "200", "--seconds", "60")
    out = tmp_path / "cut.insole"
    rec = procs.recorder(path, "-o", str(out))
    time.sleep(2.0)
    sim.kill()  # the device side of the pty closes: a pulled cable
    _, err = rec.communicate(timeout=15)
    assert rec.returncode == 4  # a device that went away (README "Exit codes")
    errors = [line for line in err.splitlines() if line.startswith("pressure: error:")]
    assert len(errors) == 1 and len(err.splitlines()) == 1, err
    assert path in errors[0] and "saved" in errors[0]
    session = load(out)
    assert session.metadata["recording"]["complete"]
    assert session.feet["left"].n_frames >= 200  # at least a second of it
    assert any(e["event"] == "disconnected" for e in session.metadata["recording"]["events"])


def test_the_end_of_a_replay_is_a_normal_end(procs: Processes, tmp_path: Path) -> None:
    """A replayed recording streams to its end, then the simulator closes the port (5 s
    later): the device ended its stream, so record saves every frame and exits 0, with a note
    and an ``ended`` event, not "the device went away"."""
    original = tmp_path / "short.insole"
    made = subprocess.run(
        [*PRESSURE, "simulate", "--out", str(original), "--seconds", "2", "--rate", "100"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    _, path = procs.simulator("--from", str(original))
    out = tmp_path / "again.insole"
    rec = procs.recorder(path, "-o", str(out))
    _, err = rec.communicate(timeout=60)
    assert rec.returncode == 0, err
    assert "stopped streaming" in err and "its stream ended" in err
    assert "went away" not in err
    session = load(out)
    assert session.feet["left"].n_frames == session.feet["right"].n_frames == 200
    assert any(e["event"] == "ended" for e in session.metadata["recording"]["events"])


def test_a_full_disk_ends_the_recording_with_one_line_and_a_readable_file(
    procs: Processes, tmp_path: Path
) -> None:
    """The recorder may write at most 150 kB (RLIMIT_FSIZE: the kernel refuses the rest, as a
    full disk does): one error line naming the file (exit 4), no traceback, and the file
    opens with what reached it."""
    import resource

    _, path = procs.simulator("--rate", "500", "--seconds", "60")
    out = tmp_path / "full.insole"

    def small_disk() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (150_000, 150_000))

    rec = subprocess.Popen(
        [*PRESSURE, "record", path, "-o", str(out), "--seconds", "30"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=small_disk,
    )  # fmt: skip
    procs.running.append(rec)
    _, err = rec.communicate(timeout=60)
    assert rec.returncode == 4, err
    assert "Traceback" not in err
    (line,) = [line for line in err.splitlines() if line.startswith("pressure: error:")]
    assert f"{out}: cannot write:" in line and "keeps what was written" in line
    session = load(out)
    assert not session.metadata["recording"]["complete"]
    assert session.feet["left"].n_frames > 100


def _wait_for_event(out: Path, name: str, timeout_s: float) -> None:
    """Until the recording being written has logged the event ``name``; fails after
    ``timeout_s`` (the recorder flushes every quarter second, also while it waits for a
    device to come back)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if out.exists() and any(
            e["event"] == name for e in load(out).metadata["recording"]["events"]
        ):
            return
        time.sleep(0.25)
    pytest.fail(f"{out}: no {name!r} event within {timeout_s} s")


def _recording_then_unplugged(
    procs: Processes, out: Path
) -> tuple[Path, Path, subprocess.Popen[str]]:
    """An insole at a stable name (a symlink, like /dev/serial/by-id/), recorded with
    --reconnect for 1.5 s, then unplugged (its simulator killed) for 1 s: the name, the
    recording and the recorder, still waiting."""
    _, first = procs.simulator("--rate", "200", "--seconds", "60", "--seed", "1")
    stable = out.with_name("insole-port")
    stable.symlink_to(first)
    rec = procs.recorder(str(stable), "-o", str(out), "--reconnect")
    time.sleep(1.5)
    procs.running[0].kill()  # unplugged
    # and its name goes, as udev removes a /dev/serial/by-id/ link: the freed pty number may
    # be given to another test's simulator at once, which the recorder must not open
    stable.unlink()
    time.sleep(1.0)
    return stable, out, rec


def test_reconnect_carries_on_in_the_same_file(procs: Processes, tmp_path: Path) -> None:
    """Like /dev/serial/by-id/: a stable name that points at whatever port the insole got."""
    stable, out, rec = _recording_then_unplugged(procs, tmp_path / "reconnect.insole")
    _, second = procs.simulator("--rate", "200", "--seconds", "60", "--seed", "1")
    stable.symlink_to(second)  # the same insole (its device id) plugged in again, on another pty
    _wait_for_event(out, "reconnected", 10.0)
    time.sleep(1.5)
    rec.send_signal(signal.SIGTERM)
    _, err = rec.communicate(timeout=15)
    assert rec.returncode == 0, err
    assert "reconnected" in err
    session = load(out)
    assert session.metadata["recording"]["complete"]
    events = [e["event"] for e in session.metadata["recording"]["events"]]
    # one unplugging; on a loaded machine the recorder may also catch the dying pty once more
    # before the link is made again, so: outages and reconnections alternate, at least one
    # reconnection, and the recording goes on after it
    changes = [e for e in events if e in ("disconnected", "reconnected")]
    assert changes[:2] == ["disconnected", "reconnected"], events
    assert all(a != b for a, b in itertools.pairwise(changes)), events
    left = session.feet["left"]
    # both connections are in the file, and the time axis runs on across the gap
    assert left.n_frames >= 2 * 200 and np.all(np.diff(left.time_s) > 0)
    gap = float(np.max(np.diff(left.time_s)))
    assert gap >= 0.9  # the second of unplugged time is kept, not spliced away


def test_reconnect_refuses_another_device_at_the_same_path(
    procs: Processes, tmp_path: Path
) -> None:
    """After the insole is unplugged, another device (another id, 100 Hz instead of 200 Hz)
    appears at the same name: it is refused (one note, a 'refused' event), none of its frames
    join the recording, and the recorder keeps waiting for the one it recorded."""
    stable, out, rec = _recording_then_unplugged(procs, tmp_path / "guarded.insole")
    _, other = procs.simulator("--rate", "100", "--seconds", "60", "--seed", "7", "--autostart")
    stable.symlink_to(other)
    _wait_for_event(out, "refused", 15.0)
    time.sleep(1.0)
    rec.send_signal(signal.SIGTERM)
    _, err = rec.communicate(timeout=15)
    assert rec.returncode == 0, err
    assert err.count("another device came back") == 1, err
    session = load(out)
    events = [e["event"] for e in session.metadata["recording"]["events"]]
    assert "refused" in events and "reconnected" not in events, events
    devices = {d["device_id"] for d in session.metadata["devices"]}
    assert len(devices) == 1  # only the recorded insole's DEVICE_INFO is in the file
    left = session.feet["left"]
    assert left.sampling_rate_hz == pytest.approx(200.0, rel=0.01)
    # every frame is from before the unplugging: none of the other device's joined
    unplugged = next(
        e["time_s"] for e in session.metadata["recording"]["events"] if e["event"] == "disconnected"
    )
    assert np.all(np.diff(left.time_s) > 0) and left.time_s[-1] <= unplugged + 0.05


def test_replaying_a_recording_and_recording_it_again_gives_the_same_frames(
    procs: Processes, tmp_path: Path
) -> None:
    original = tmp_path / "original.insole"
    made = subprocess.run(
        [*PRESSURE, "simulate", "--out", str(original), "--seconds", "2", "--rate", "200",
         "--drop", "0.02", "--seed", "9"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    _, path = procs.simulator("--from", str(original))
    again = tmp_path / "again.insole"
    _record_all(procs, [path], again, _frames_in(original))
    a, b = _frames_of(original), _frames_of(again)
    assert a.keys() == b.keys() == {"left", "right"}
    for side in a:
        np.testing.assert_array_equal(a[side][0], b[side][0])  # sequence numbers, gaps included
        np.testing.assert_array_equal(a[side][2], b[side][2])  # values
        # the device clock keeps its spacing (it starts where the replaying device started)
        np.testing.assert_allclose(np.diff(a[side][1]), np.diff(b[side][1]), atol=1e-6)
    assert load(again).quality["frames_lost"] == load(original).quality["frames_lost"] > 0


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ptys are Linux ones here")
def test_the_simulator_streams_a_rate_set_by_the_recorder(procs: Processes, tmp_path: Path) -> None:
    _, path = procs.simulator("--seconds", "2", "--rate", "100")
    out = tmp_path / "rate.insole"
    _record_all(procs, [path], out, 250, "--rate", "250")  # a second of it
    left = load(out).feet["left"]
    assert left.n_frames >= 250
    np.testing.assert_allclose(np.diff(left.vendor["device_time_s"]), 1 / 250, atol=2e-6)
    assert os.path.getsize(out) > 0


def test_a_simulator_stopped_early_exits_after_its_linger(stopped_early: StoppedEarly) -> None:
    stopped_early.watcher.join(timeout=60)  # started with the module (the fixture)
    rec, sim = stopped_early.recorder, stopped_early.simulator
    assert rec.returncode == 0, rec.communicate()[1]
    # STOP was sent at the end: the device idles, then leaves (5 s), long before its 60 s
    assert sim.returncode == 0
    ended = stopped_early.ended_s
    assert ended["simulator"] - ended["recorder"] < 15


def test_steps_and_load_shares_while_recording_agree_with_the_analysis(
    procs: Processes, tmp_path: Path
) -> None:
    """The status line shows steps, cadence and the load share as they come, and the summary
    the recording's steps per foot and share of the load; ``pressure analyze`` of the file
    finds the same steps to within one a foot and the same share to within a percentage point
    (issue 20). Two insoles on two links, 55 % of the load on the left, 110 steps/min."""
    import re

    from pressure.analysis import analyze

    common = ["--rate", "100", "--cadence", "110", "--left-share", "55", "--seed", "3"]
    _, left = procs.simulator(*common, "--side", "left")
    _, right = procs.simulator(*common, "--side", "right")
    out = tmp_path / "gait.insole"
    err = _record_all(procs, [left, "--right", right], out, 800, "--status-interval", "1")
    status = [line for line in err.splitlines() if "steps L" in line]
    assert status, err
    assert re.search(r"load L \d+\.\d %", status[-1]) and "cadence" in status[-1], status[-1]
    found = re.search(r"steps: left (\d+), right (\d+); load on the left foot ([\d.]+) %", err)
    assert found, err
    live_steps = {"left": int(found.group(1)), "right": int(found.group(2))}
    live_share = float(found.group(3))
    result = analyze(load(out))
    steps = result.gait.steps
    assert steps is not None and result.distribution.left_share_pct is not None
    assert steps.left is not None and steps.right is not None
    assert abs(live_steps["left"] - steps.left) <= 1, (live_steps, steps)
    assert abs(live_steps["right"] - steps.right) <= 1, (live_steps, steps)
    assert min(live_steps.values()) >= 6  # 8 s at 110 steps/min: 7 steps a foot
    assert abs(live_share - result.distribution.left_share_pct) <= 1.0
    assert abs(live_share - 55.0) <= 1.5  # and the walk's own share
