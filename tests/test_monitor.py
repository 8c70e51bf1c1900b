"""``pressure monitor``: its drawing with the time passed in (shares over whole strides, rates
per foot on the device's clock, checked against the simulator's ground truth), then against the
virtual insole on real ptys: plain lines without a terminal, an in-place view on one (its own
stdout is a pseudo-terminal here), at most 10 redraws a second, two insoles on two links, and a
summary line however it ends."""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import numpy as np
import pytest

from firmware_protocol import decode_capture
from pressure.cli.monitor import STALE_S, Drawer, Link, LiveState
from pressure.layout import layout_by_name
from pressure.simulator import GaitSignal, SyntheticGait
from pressure.simulator.device import VirtualInsole

from .conftest import read_terminal

PRESSURE = [sys.executable, "-m", "pressure"]
PLAIN_LINE = re.compile(
    r"left share\s+([\d.]+) % \(last ([\d.]+) s[^)]*\)\s+force L\s+(\d+) R\s+(\d+) N"
    r"\s+rate left ([\d.]+)/(\d+) Hz\s+right ([\d.]+)/(\d+) Hz"
    r"\s+lost (\d+)\s+CRC errors (\d+)"
)
SUMMARY = re.compile(
    r"^pressure monitor: ([\d.]+) s, left (\d+) frames at ([\d.]+)/(\d+) Hz, "
    r"right (\d+) frames at ([\d.]+)/(\d+) Hz, (\d+) frames lost, (\d+) CRC errors, "
    r"left share ([\d.]+) % \(whole run\)$"
)


def _drive(gait: SyntheticGait, step_s: float, steps: int, window_s: float = 2.0) -> tuple[
    Drawer, list[str], float
]:  # fmt: skip
    """The simulator's frames by ``due(now_s)``, drawn every ``step_s`` of the same passed-in
    time: (the drawer, its plain lines, the last time)."""
    device = VirtualInsole(GaitSignal(gait), autostart=True, now_s=50.0)
    info = device.info()
    state = LiveState([Link(info, layout_by_name(info.layout))], window_s=window_s)
    drawer = Drawer(state, now_s=50.0)
    lines = []
    now_s = 50.0
    for k in range(1, steps + 1):
        now_s = 50.0 + step_s * k
        for block in decode_capture(device.due(now_s)).blocks:
            state.add(block, arrival_s=now_s)
        lines.append(drawer.draw({"frames_lost": 0, "crc_errors": 0}, now_s)[1])
    return drawer, lines, now_s


def test_standing_shares_forces_and_rates_per_foot() -> None:
    """Quiet standing at 200 Hz a foot, drawn every 0.5 s of passed-in time: each foot's rate is
    200 Hz on the device's clock, never both feet summed; the share and force are the ground
    truth's, however busy the machine."""
    gait = SyntheticGait(
        seconds=10, rate_hz=200, activity="stand", left_share_pct=60, sway_mm=1, seed=2
    )
    _, lines, _ = _drive(gait, 0.5, 7)
    for line in lines[1:]:  # the first window holds the frame at the start as well
        m = PLAIN_LINE.search(line)
        assert m, line
        share, _, force_l, force_r, rate_l, nominal_l, rate_r, nominal_r, lost, crc = m.groups()
        assert float(rate_l) == float(rate_r) == 200.0
        assert nominal_l == nominal_r == "200"
        assert float(share) == pytest.approx(60.0, abs=1.5)
        assert int(force_l) + int(force_r) == pytest.approx(687, rel=0.05)
        assert lost == "0" and crc == "0"
    assert lines[-1].startswith("t     3.5 s")
    assert "(last 2.0 s)" in lines[-1]  # standing makes no strides: the last --window-s


@pytest.mark.parametrize("cadence", [95.0, 110.0, 125.0])
def test_walking_share_is_steady_over_whole_strides(cadence: float) -> None:
    """Walking with 55 % of the load on the left, drawn ten times a second: once the window
    holds whole strides the share is the truth's within 1 pp and moves less than 1 pp from one
    redraw to the next (a share over the last tenth of a second swung from 95 % to 12 %), and
    the view says the window. The truth is the share of the whole session, partial strides at
    its ends included: a minute of it, so that they weigh little against the steady strides
    the monitor sees."""
    gait = SyntheticGait(
        seconds=60, rate_hz=100, activity="walk", left_share_pct=55, cadence_steps_per_min=cadence,
        seed=3,
    )  # fmt: skip
    _, lines, _ = _drive(gait, 0.1, 150)
    full = [PLAIN_LINE.search(line) for line in lines[50:]]  # from 5 s on: whole strides
    assert all(full), lines[50]
    shares = np.array([float(m.group(1)) for m in full if m])
    assert np.abs(shares - gait.truth()["left_share_pct"]).max() <= 1.0
    assert np.abs(np.diff(shares)).max() <= 1.0
    windows = {float(m.group(2)) for m in full if m}
    stride_s = gait.stride_time_s
    # whole strides as near the 2 s window as strides go
    assert all(abs(w / stride_s - round(w / stride_s)) < 0.15 for w in windows), windows
    assert "stride" in lines[-1]


def test_rate_per_foot_is_the_nominal_rate() -> None:
    """Each foot's rate on the device's clock beside the nominal rate; a device that stopped
    streaming shows 0 once its frames are old (``STALE_S``) rather than its last rate."""
    gait = SyntheticGait(seconds=10, rate_hz=100, activity="walk", seed=4)
    drawer, lines, now_s = _drive(gait, 0.1, 40)
    for line in lines[5:]:
        m = PLAIN_LINE.search(line)
        assert m, line
        for rate, nominal in ((m.group(5), m.group(6)), (m.group(7), m.group(8))):
            assert float(nominal) == 100.0
            assert float(rate) == pytest.approx(100.0, rel=0.01)
    quiet = drawer.draw({}, now_s + STALE_S + 0.5)[1]
    assert "rate left 0.0/100 Hz  right 0.0/100 Hz" in quiet


def test_the_summary_says_what_arrived() -> None:
    """Five seconds of passed-in time: the duration, frames and mean rate per foot against the
    nominal rate, losses, and the left share of the whole run."""
    gait = SyntheticGait(seconds=20, rate_hz=100, activity="walk", left_share_pct=45, seed=5)
    drawer, _, now_s = _drive(gait, 0.1, 50)
    line = drawer.summary({"frames_lost": 2, "crc_errors": 1}, now_s)
    m = SUMMARY.match(line)
    assert m, line
    duration, n_l, rate_l, nominal_l, n_r, rate_r, nominal_r, lost, crc, share = m.groups()
    assert duration == "5.0"
    assert int(n_l) == int(n_r) == pytest.approx(500, abs=2)
    assert float(rate_l) == float(rate_r) == 100.0
    assert nominal_l == nominal_r == "100"
    assert (lost, crc) == ("2", "1")
    # five seconds is a few strides and a part of one: near the truth, not to the point
    assert float(share) == pytest.approx(45.0, abs=2.0)


def _simulator(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*PRESSURE, "simulate", "--pty", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


@pytest.fixture
def standing_insole() -> Iterator[str]:
    """Quiet standing, 60% of the load on the left, 1 mm sway: a share steady enough to check."""
    sim = _simulator("--activity", "stand", "--left-share", "60", "--sway", "1", "--rate", "200",
                     "--seconds", "60", "--seed", "2")  # fmt: skip
    assert sim.stdout is not None
    yield sim.stdout.readline().strip()
    sim.kill()
    sim.communicate()


def _check_summary(line: str, nominal_hz: float, frames_at_least: int) -> re.Match[str]:
    m = SUMMARY.match(line)
    assert m, line
    _, n_l, rate_l, nominal_l, n_r, rate_r, nominal_r, lost, crc, _ = m.groups()
    assert int(n_l) >= frames_at_least and int(n_r) >= frames_at_least
    # the device's clock, not this machine's: exact however loaded it is
    assert float(rate_l) == pytest.approx(nominal_hz, rel=0.01)
    assert float(rate_r) == pytest.approx(nominal_hz, rel=0.01)
    assert float(nominal_l) == float(nominal_r) == nominal_hz
    assert lost == "0" and crc == "0"
    return m


def test_without_a_terminal_it_prints_plain_lines(standing_insole: str) -> None:
    run = subprocess.run(
        [*PRESSURE, "monitor", standing_insole, "--seconds", "3.2", "--interval", "0.5"],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    *lines, summary = run.stdout.splitlines()
    assert 4 <= len(lines) <= 7
    assert not any("\x1b" in line for line in lines)  # no terminal codes in a pipe
    for line in lines[1:]:  # the first window may hold the start of the stream
        m = PLAIN_LINE.search(line)
        assert m, line
        share, _, force_l, force_r, rate_l, _, rate_r, _, lost, crc = m.groups()
        assert float(share) == pytest.approx(60.0, abs=1.5)
        # 70 kg standing: about 687 N over both feet
        assert int(force_l) + int(force_r) == pytest.approx(687, rel=0.05)
        assert float(rate_l) == pytest.approx(200.0, rel=0.01)
        assert float(rate_r) == pytest.approx(200.0, rel=0.01)
        assert lost == "0" and crc == "0"
    m = _check_summary(summary, 200.0, 200)
    assert float(m.group(1)) == pytest.approx(3.2, abs=0.5)
    assert float(m.group(10)) == pytest.approx(60.0, abs=1.5)


def test_two_insoles_on_two_links() -> None:
    """``--right``: the left and right insoles of the same standing subject on two ptys, each
    sending one foot; the monitor shows both feet, each at its own device's rate, and ends on
    Ctrl-C with the summary."""
    common = ["--activity", "stand", "--left-share", "60", "--sway", "1", "--rate", "100",
              "--seconds", "60", "--seed", "7"]  # fmt: skip
    sims = [_simulator(*common, "--side", side) for side in ("left", "right")]
    try:
        paths = []
        for sim in sims:
            assert sim.stdout is not None
            paths.append(sim.stdout.readline().strip())
        mon = subprocess.Popen(
            [*PRESSURE, "monitor", paths[0], "--right", paths[1], "--interval", "0.5"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert mon.stdout is not None
        lines = [mon.stdout.readline() for _ in range(6)]  # 3 s of lines, at the machine's pace
        mon.send_signal(signal.SIGINT)
        rest, err = mon.communicate(timeout=30)
    finally:
        for sim in sims:
            sim.kill()
            sim.communicate()
    assert mon.returncode == 0, err
    for line in lines[2:]:  # both links started: both feet in view
        m = PLAIN_LINE.search(line)
        assert m, line
        share, _, force_l, force_r, rate_l, nominal_l, rate_r, nominal_r, _, _ = m.groups()
        assert float(share) == pytest.approx(60.0, abs=1.5)
        assert int(force_l) + int(force_r) == pytest.approx(687, rel=0.05)
        assert float(rate_l) == pytest.approx(100.0, rel=0.01)
        assert float(rate_r) == pytest.approx(100.0, rel=0.01)
        assert nominal_l == nominal_r == "100"
    summary = rest.splitlines()[-1]
    m = _check_summary(summary, 100.0, 100)
    assert float(m.group(10)) == pytest.approx(60.0, abs=1.5)


def test_on_a_terminal_it_redraws_in_place_at_most_ten_times_a_second(
    standing_insole: str,
) -> None:
    controller, terminal = os.openpty()
    mon = subprocess.Popen(
        [*PRESSURE, "monitor", standing_insole, "--seconds", "2.5"],
        stdout=terminal, stderr=subprocess.PIPE,
    )  # fmt: skip
    os.close(terminal)
    out = read_terminal(controller, mon, 30.0)
    mon.wait(timeout=10)
    os.close(controller)
    assert mon.returncode == 0
    text = out.decode(errors="replace")
    redraws = text.count("\x1b[H\x1b[2J")
    assert 10 <= redraws <= 26  # 2.5 s at no more than 10 a second
    last = text.split("\x1b[H\x1b[2J")[-1]
    assert "LEFT" in last and "RIGHT" in last and "@" in last  # the CoP on the outline
    assert "frames lost 0" in last
    # the last view stays on the screen, the summary under it
    _check_summary(last.replace("\r\n", "\n").rstrip().splitlines()[-1], 200.0, 200)


def test_a_terminal_that_does_not_read_costs_no_frame(standing_insole: str) -> None:
    """Nobody reads the monitor's terminal for 5 s: its drawing blocks once the pty's buffer
    (about 16 KiB) is full, after 2 to 3 s of views; reading goes on."""
    controller, terminal = os.openpty()
    os.set_blocking(controller, False)
    mon = subprocess.Popen(
        [*PRESSURE, "monitor", standing_insole, "--seconds", "6"],
        stdout=terminal, stderr=subprocess.PIPE,
    )  # fmt: skip
    os.close(terminal)
    time.sleep(5.0)
    out = bytearray()
    while mon.poll() is None or select.select([controller], [], [], 0.2)[0]:
        try:
            out += os.read(controller, 65536)
        except BlockingIOError:
            time.sleep(0.05)
        except OSError:
            break
    os.close(controller)
    # the pty reads EIO as the monitor exits, maybe before ``poll`` above saw it exit
    assert mon.wait(timeout=10) == 0
    last = out.decode(errors="replace").split("\x1b[H\x1b[2J")[-1]
    m = re.search(r"frames L (\d+)\s+R (\d+)", last)
    assert m, last
    # 200 Hz a foot for about 6 s, every frame counted although the drawing was stuck
    assert int(m.group(1)) >= 1050 and int(m.group(2)) >= 1050
    assert "frames lost 0" in last
    _check_summary(last.replace("\r\n", "\n").rstrip().splitlines()[-1], 200.0, 1050)
