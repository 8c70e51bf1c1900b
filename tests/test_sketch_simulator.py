"""The simulated hobby board (pressure.simulator.sketch): text lines as Arduino/ESP32 sketches
print them, to a file and on a real pseudo-terminal."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest
import serial

from firmware_protocol import Side, decode_chunks
from pressure.cli import main
from pressure.simulator import GaitSignal, SyntheticGait
from pressure.simulator.device import PtyInsole
from pressure.simulator.sketch import BOOT_LINES, FULL_SCALE_KPA, SketchFormat, SketchInsole


def _signal(side: int = Side.BOTH, seconds: float = 2.0) -> GaitSignal:
    return GaitSignal(SyntheticGait(seconds=seconds, rate_hz=100.0, sensors=8, seed=3), side)


def _data_lines(text: str) -> list[list[int]]:
    return [[int(v) for v in line.split(",")] for line in text.splitlines() if line[:1].isdigit()]


@pytest.mark.parametrize("invert", [False, True])
def test_counts_follow_the_stated_adc_model(invert: bool) -> None:
    signal = _signal(Side.LEFT)
    info = signal.info()
    block = next(signal.blocks())
    fmt = SketchFormat(adc_bits=12, invert=invert)
    kpa = block.values.astype(float) * info.scale
    expected = np.round(np.clip(kpa / FULL_SCALE_KPA, 0, 1) * 4095)
    got = fmt.counts(block, info)
    assert np.array_equal(got, 4095 - expected if invert else expected)
    assert got.max() > 200 if not invert else got.min() < 4095 - 200  # the gait loads them


def test_both_feet_of_an_instant_share_a_line_and_millis_wraps_like_unsigned_long() -> None:
    signal = _signal(Side.BOTH, seconds=1.0)
    info = signal.info()
    fmt = SketchFormat("header", start_ms=2**32 - 500)
    text = (fmt.preamble(info) + b"".join(fmt.lines(b, info) for b in signal.blocks())).decode()
    lines = text.split("\r\n")
    assert lines[: len(BOOT_LINES)] == list(BOOT_LINES)
    header = lines[len(BOOT_LINES)].split(",")
    assert header == ["millis"] + [f"L{k}" for k in range(1, 9)] + [f"R{k}" for k in range(1, 9)]
    rows = _data_lines(text)
    assert {len(r) for r in rows} == {17}
    millis = [r[0] for r in rows]
    assert millis[0] == 2**32 - 500 and millis[50] == 0  # 50 readings at 10 ms: the wrap
    assert len(rows) == 100


def test_a_sketch_on_a_pty_prints_boot_lines_then_readings() -> None:
    device = SketchInsole(_signal(Side.LEFT, seconds=1.0), SketchFormat(start_ms=120000))
    pty = PtyInsole(device)
    server = threading.Thread(target=pty.run, kwargs={"linger_s": 0.5}, daemon=True)
    received = bytearray()
    try:
        with serial.Serial(pty.path, timeout=0.2) as port:
            server.start()
            deadline = time.monotonic() + 30.0
            while received.count(b"\n") < 2 + 100 and time.monotonic() < deadline:
                received += port.read(4096)
    finally:
        pty.stop()
        server.join(10)
        pty.close()
    text = received.decode()
    assert text.startswith(BOOT_LINES[0] + "\r\n" + BOOT_LINES[1] + "\r\n")
    rows = _data_lines(text)
    assert len(rows) == 100 and {len(r) for r in rows} == {9}
    assert [r[0] for r in rows[:3]] == [120000, 120010, 120020]


def test_a_board_printing_before_the_port_opens_prints_its_header_again_on_opening() -> None:
    """The header sketch ran before the host opened the port; pyserial discards what waited.
    The board is reset by the opening (as an Uno's or most ESP32 boards' DTR line does) and
    prints its boot lines and header again, so the host names both feet's columns."""
    device = SketchInsole(_signal(Side.BOTH, seconds=5.0), SketchFormat("header"))
    pty = PtyInsole(device)
    server = threading.Thread(target=pty.run, kwargs={"linger_s": 0.5}, daemon=True)
    server.start()
    received = bytearray()
    try:
        deadline = time.monotonic() + 30.0
        while device.frames_sent < 20 and time.monotonic() < deadline:
            time.sleep(0.01)  # lines pile up unread in the port
        with serial.Serial(pty.path, timeout=0.2) as port:
            while received.count(b"\n") < 60 and time.monotonic() < deadline:
                received += port.read(4096)
    finally:
        pty.stop()
        server.join(10)
        pty.close()
    # the boot lines and header came after the opening (lines the board printed while the
    # port opened may come before them: a real reset has the same race), named both feet
    boot = bytes(received).find(BOOT_LINES[0].encode())
    assert boot >= 0, bytes(received[:200])
    capture = decode_chunks([bytes(received[boot:])])
    assert capture.mode == "text" and capture.line is not None
    assert capture.line["header"][:2] == ["millis", "L1"] and capture.line["header"][-1] == "R8"
    left, right = capture.frames(0), capture.frames(1)
    assert left is not None and right is not None
    assert left.n_sensors == right.n_sensors == 8


def test_simulate_writes_a_sketch_capture(tmp_path: Path) -> None:
    out = tmp_path / "board.txt"
    args = ["simulate", "--out", str(out), "--raw", "--seconds", "2", "--side", "right"]
    assert main([*args, "--sketch", "bare", "--start-ms", "60000"]) == 0
    rows = _data_lines(out.read_text())
    assert len(rows) == 200 and rows[0][0] == 60000 and rows[-1][0] == 61990
    other = ["simulate", "--out", str(tmp_path / "other.txt"), "--raw", "--seconds", "2"]
    assert main([*other, "--invert"]) == 2  # --invert goes with --sketch
    assert not (tmp_path / "other.txt").exists()
