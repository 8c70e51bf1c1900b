"""The virtual insole: its logic with injected time (no sleeping), then as a real serial device on
a pseudo-terminal, opened by path with pyserial."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import numpy as np
import pytest

from firmware_protocol import (
    Command,
    CommandCode,
    DeviceInfo,
    SampleBlock,
    Status,
    StatusCode,
    decode_capture,
    encode,
)
from pressure.simulator.device import PtyInsole, VirtualInsole
from pressure.simulator.gait import SyntheticGait
from pressure.simulator.signals import GaitSignal
from pressure.sources import Received, SerialSource

#: how long the host waits for a command's answer (retrying every 250 ms): the simulated device
#: is a thread of this busy test process, which a loaded machine can keep off a core for over
#: the 1 s a real device gets
ANSWER_S = 5.0


def test_device_streams_exactly_what_is_due() -> None:
    device = VirtualInsole(
        GaitSignal(SyntheticGait(seconds=2, rate_hz=100, sensors=4, seed=1)), now_s=10.0
    )
    assert device.receive(encode(Command(CommandCode.START)), 10.0)
    out = device.due(10.0) + device.due(10.5) + device.due(10.999)
    cap = decode_capture(out)
    left, right = cap.frames(0), cap.frames(1)
    assert left is not None and right is not None
    assert len(left) == len(right) == 100  # samples at 0, 10, ..., 990 ms
    assert list(left.seq[:3]) == [0, 1, 2]
    assert (np.diff(left.t_us.astype(np.int64)) == 10_000).all()
    expected_left, _ = SyntheticGait(seconds=2, rate_hz=100, sensors=4, seed=1).values()
    assert np.array_equal(left.values, expected_left[:100])
    # far later: at most half a second of signal per call, until the walk ends and it stops
    rest = [device.due(60.0) for _ in range(3)]
    assert [len(decode_capture(r).frames(0)) for r in rest[:2]] == [50, 50]  # type: ignore[arg-type]
    assert rest[2] == b""
    assert device.finished and not device.streaming


def test_a_start_retried_while_streaming_does_not_restart_the_stream() -> None:
    """A host retries a command it got no answer to within 250 ms (PROTOCOL.md §4.4): a second
    START while streaming is answered OK and the sequence numbers and clock go on."""
    device = VirtualInsole(
        GaitSignal(SyntheticGait(seconds=2, rate_hz=100, sensors=4, seed=1)), now_s=10.0
    )
    device.receive(encode(Command(CommandCode.START)), 10.0)
    first = device.due(10.3)
    again = decode_capture(device.receive(encode(Command(CommandCode.START)), 10.3))
    assert [s.code for s in again.statuses] == [StatusCode.OK]
    left = decode_capture(first + device.due(10.605)).frames(0)  # 0, 10, ..., 600 ms
    assert left is not None and len(left) == 61
    assert (np.diff(left.seq.astype(int)) == 1).all()
    assert (np.diff(left.t_us.astype(np.int64)) == 10_000).all()


def test_device_answers_commands() -> None:
    device = VirtualInsole(GaitSignal(SyntheticGait(seconds=1, rate_hz=100, sensors=4)))

    def ask(command: Command) -> list[object]:
        cap = decode_capture(device.receive(encode(command), 0.0), mode="binary")
        return [*cap.infos, *cap.statuses]

    assert ask(Command(CommandCode.SET_RATE, rate_hz=20_000.0)) == [
        Status(StatusCode.BAD_ARGUMENT, 1, CommandCode.SET_RATE, 0, "1..10000 Hz")
    ]
    (ok,) = ask(Command(CommandCode.SET_RATE, rate_hz=250.0))
    assert isinstance(ok, Status) and ok.code == StatusCode.OK
    (info,) = ask(Command(CommandCode.REQUEST_INFO))
    assert isinstance(info, DeviceInfo) and info.rate_hz == 250.0
    ask(Command(CommandCode.START))
    (busy,) = ask(Command(CommandCode.SET_RATE, rate_hz=100.0))
    assert isinstance(busy, Status) and busy.code == StatusCode.NOT_READY
    (unknown,) = ask(Command(0x42))
    assert isinstance(unknown, Status) and unknown.code == StatusCode.UNKNOWN_COMMAND


@pytest.fixture
def pty_insole() -> Iterator[PtyInsole]:
    pty = PtyInsole(
        VirtualInsole(GaitSignal(SyntheticGait(seconds=60, rate_hz=500, sensors=16, seed=3)))
    )
    thread = threading.Thread(target=pty.run, daemon=True)
    pty.start = thread.start  # type: ignore[attr-defined]  # by _connect, once the port is open
    yield pty
    pty.stop()
    if thread.is_alive():
        thread.join(timeout=5)
    pty.close()


def _connect(pty: PtyInsole, listener: Callable[[Received], None]) -> SerialSource:
    """Open the port, listen, then power the device up: its boot frames come after the opening
    (pyserial discards what waits in a port when it opens it; a device that booted earlier may
    have part of its boot frames cut, which these tests do not test) and reach the listener,
    which listens before reading starts (``with`` starts it)."""
    source = SerialSource(pty.path)
    source.listen(listener)
    pty.start()  # type: ignore[attr-defined]
    return source


def test_commands_round_trip_over_a_real_pty(pty_insole: PtyInsole) -> None:
    assert pty_insole.path.startswith("/dev/")
    received: list[Received] = []
    with _connect(pty_insole, received.append) as source:
        info = source.request_info(ANSWER_S)
        assert (info.sensor_count, info.rate_hz, info.side) == (16, 500.0, 2)
        assert source.command(Command(CommandCode.SET_RATE, rate_hz=1e6), ANSWER_S).code == (
            StatusCode.BAD_ARGUMENT
        )
        set_rate = Command(CommandCode.SET_RATE, rate_hz=200.0)
        assert source.command(set_rate, ANSWER_S).code == StatusCode.OK
        assert source.request_info(ANSWER_S).rate_hz == 200.0
        assert source.command(Command(CommandCode.START), ANSWER_S).code == StatusCode.OK
        time.sleep(0.5)
        assert source.command(Command(CommandCode.STOP), ANSWER_S).code == StatusCode.OK
        assert source.command(Command(CommandCode.TARE), ANSWER_S).code == StatusCode.OK
    blocks = [m for r in received for m in r.messages if isinstance(m, SampleBlock)]
    seq = np.concatenate([b.seq[b.side == 0] for b in blocks])
    t_us = np.concatenate([b.t_us[b.side == 0] for b in blocks]).astype(np.int64)
    assert seq[0] == 0 and (np.diff(seq) == 1).all()
    # 200 Hz for at least 0.5 s, less the one loop tick (10 ms) before STOP: 99 frames or more
    assert len(seq) >= 95
    assert (np.diff(t_us) == 5000).all()
    assert source.decoder.mode == "binary"
    raw = b"".join(r.raw for r in received)
    assert decode_capture(raw).counters.bytes_skipped == 0


def test_a_slow_listener_costs_no_frames(pty_insole: PtyInsole) -> None:
    """A listener that takes longer than the whole stream (held until reading has stopped; a
    listener that sleeps a few ms per read is not behind on a loaded machine, whose reader
    thread reads fewer, larger chunks) still gets every frame: reads pile up in the queue."""
    got: list[int] = []
    release = threading.Event()

    def slow(item: Received) -> None:
        release.wait(timeout=30)
        got.extend(len(m) for m in item.messages if isinstance(m, SampleBlock))

    with _connect(pty_insole, slow) as source:
        source.command(Command(CommandCode.START), ANSWER_S)
        time.sleep(0.6)
        source.command(Command(CommandCode.STOP), ANSWER_S)
        time.sleep(0.1)
        backlog = source._queue.qsize()
        counters = source.decoder.counters
        assert counters is not None
        release.set()
    assert counters.frames_lost == 0 and counters.bytes_skipped == 0
    assert backlog > 0  # the listener really was behind when reading stopped
    assert sum(got) == counters.frames_left + counters.frames_right > 500


def test_line_mode_board_is_detected(tmp_path: object) -> None:
    """A pty that speaks line mode (like an Arduino printing values) is decoded as such."""
    import os
    import tty

    master, slave = os.openpty()
    tty.setraw(slave)
    try:
        with SerialSource(os.ttyname(slave)) as source:
            received: list[Received] = []
            source.listen(received.append)
            for i in range(50):
                os.write(master, f"{i * 10}ms,{i},{2 * i},{3 * i}\r\n".encode())
            deadline = time.monotonic() + 3
            while (
                time.monotonic() < deadline
                and sum(len(m) for r in received for m in r.messages if isinstance(m, SampleBlock))
                < 50
            ):
                time.sleep(0.02)
        assert source.decoder.mode == "text"
        values = np.concatenate(
            [m.values for r in received for m in r.messages if isinstance(m, SampleBlock)]
        )
        assert values[:, 0].tolist() == list(range(50))
    finally:
        os.close(master)
        os.close(slave)


def test_unopenable_port_is_one_clear_error() -> None:
    from pressure.errors import DeviceError

    with pytest.raises(DeviceError, match="/dev/does-not-exist: cannot open"):
        SerialSource("/dev/does-not-exist")


def test_simulate_pty_command(tmp_path: object) -> None:
    """``pressure simulate --pty``: the path is the first line of stdout; the device answers and
    streams; SIGTERM ends it cleanly."""
    import signal
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-m", "pressure", "simulate", "--pty", "--rate", "250", "--sensors", "8"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        path = proc.stdout.readline().strip()
        assert path.startswith("/dev/")
        received: list[Received] = []
        with SerialSource(path) as source:
            source.listen(received.append)
            info = source.request_info(ANSWER_S)
            assert (info.sensor_count, info.rate_hz) == (8, 250.0)
            assert source.command(Command(CommandCode.START), ANSWER_S).code == StatusCode.OK
            time.sleep(0.4)
            assert source.command(Command(CommandCode.STOP), ANSWER_S).code == StatusCode.OK
        frames = sum(len(m) for r in received for m in r.messages if isinstance(m, SampleBlock))
        assert frames >= 190  # 250 Hz, two feet, at least 0.4 s less one 10 ms loop tick
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0


def test_ports_lists_without_error(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from pressure.cli import main

    assert main(["ports", "--json"]) == 0
    ports = json.loads(capsys.readouterr().out)
    assert isinstance(ports, list)
    assert all({"device", "vid_pid", "description"} <= set(p) for p in ports)
