"""``pressure monitor``: its drawing with the time passed in (the rate it shows is the frames
over the time between redraws, checked to the frame), then against the virtual insole on a
real pty: plain lines without a terminal, an in-place view on one (its own stdout is a
pseudo-terminal here), at most 10 redraws a second, and the numbers agree with the simulator's
ground truth."""

from __future__ import annotations

import os
import re
import select
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from firmware_protocol import decode_capture
from pressure.cli.monitor import Drawer, LiveState
from pressure.layout import layout_by_name
from pressure.simulator import GaitSignal, SyntheticGait
from pressure.simulator.device import VirtualInsole

from .conftest import read_terminal

PRESSURE = [sys.executable, "-m", "pressure"]
PLAIN_LINE = re.compile(
    r"left\s+([\d.]+) %.*force L\s+(\d+) R\s+(\d+) N.*rate\s+([\d.]+) frames/s"
    r".*lost (\d+)\s+CRC errors (\d+)"
)


def test_the_rate_is_the_frames_over_the_time_between_redraws() -> None:
    """The standing insole of the pty tests, streamed by ``due(now_s)`` and drawn every 0.5 s of
    the same passed-in time: 400 frames/s (200 Hz x 2 feet) exactly, and the share and force of
    the ground truth, however busy the machine."""
    gait = SyntheticGait(
        seconds=10, rate_hz=200, activity="stand", left_share_pct=60, sway_mm=1, seed=2
    )
    device = VirtualInsole(GaitSignal(gait), autostart=True, now_s=50.0)
    state = LiveState(device.info(), layout_by_name(device.info().layout))
    drawer = Drawer(state, now_s=50.0)
    lines = []
    for k in range(1, 8):
        now_s = 50.0 + 0.5 * k
        for block in decode_capture(device.due(now_s)).blocks:
            state.add(block)
        lines.append(drawer.draw({"frames_lost": 0, "crc_errors": 0}, now_s)[1])
    for line in lines[1:]:  # the first window holds the frame at the start as well
        m = PLAIN_LINE.search(line)
        assert m, line
        share, force_l, force_r, rate, lost, crc = m.groups()
        assert float(rate) == 400.0
        assert float(share) == pytest.approx(60.0, abs=1.5)
        assert int(force_l) + int(force_r) == pytest.approx(687, rel=0.05)
        assert lost == "0" and crc == "0"
    assert lines[-1].startswith("t     3.5 s")


@pytest.fixture
def standing_insole() -> Iterator[str]:
    """Quiet standing, 60% of the load on the left, 1 mm sway: a share steady enough to check."""
    sim = subprocess.Popen(
        [*PRESSURE, "simulate", "--pty", "--activity", "stand", "--left-share", "60", "--sway", "1",
         "--rate", "200", "--seconds", "60", "--seed", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert sim.stdout is not None
    yield sim.stdout.readline().strip()
    sim.kill()
    sim.communicate()


def test_without_a_terminal_it_prints_plain_lines(standing_insole: str) -> None:
    run = subprocess.run(
        [*PRESSURE, "monitor", standing_insole, "--seconds", "3.2", "--interval", "0.5"],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert 4 <= len(lines) <= 7
    assert not any("\x1b" in line for line in lines)  # no terminal codes in a pipe
    for line in lines[1:]:  # the first window may hold the start of the stream
        m = PLAIN_LINE.search(line)
        assert m, line
        # the rate's value is what a busy machine delivered in that half second: its
        # arithmetic is checked with passed-in time above
        share, force_l, force_r, _, lost, crc = m.groups()
        assert float(share) == pytest.approx(60.0, abs=1.5)
        # 70 kg standing: about 687 N over both feet
        assert int(force_l) + int(force_r) == pytest.approx(687, rel=0.05)
        assert lost == "0" and crc == "0"


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
    assert mon.returncode == 0
    last = out.decode(errors="replace").split("\x1b[H\x1b[2J")[-1]
    m = re.search(r"frames L (\d+)\s+R (\d+)", last)
    assert m, last
    # 200 Hz a foot for about 6 s, every frame counted although the drawing was stuck
    assert int(m.group(1)) >= 1050 and int(m.group(2)) >= 1050
    assert "frames lost 0" in last
