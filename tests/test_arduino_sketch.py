"""The Arduino example sketch, built with g++ against a host stand-in of the Arduino API and run:
its Serial output must be a valid stream that answers the host's commands."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

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

from .conftest import C_DIR, ROOT

SKETCH = ROOT / "firmware_protocol" / "arduino" / "insole16" / "insole16.ino"
STUB = ROOT / "tests" / "arduino_stub"


@pytest.fixture(scope="module")
def sketch(gcc: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    gxx = shutil.which("g++")
    if gxx is None:
        pytest.fail("g++ is needed to build the sketch on the host (apt-get install g++)")
    out = tmp_path_factory.mktemp("sketch")
    obj = out / "fp_protocol.o"
    subprocess.run(
        [
            gcc,
            "-std=c99",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-c",
            "-o",
            str(obj),
            str(C_DIR / "fp_protocol.c"),
        ],
        check=True,
    )
    exe = out / "insole16"
    subprocess.run(
        [
            gxx,
            "-std=c++11",
            "-Wall",
            "-Wextra",
            "-Werror",
            f"-I{STUB}",
            f"-I{C_DIR}",
            "-x",
            "c++",
            str(SKETCH),
            "-x",
            "none",
            str(STUB / "main.cpp"),
            str(obj),
            "-o",
            str(exe),
        ],
        check=True,
    )
    return exe


def run(exe: Path, commands: list[Command], until_us: int) -> list[object]:
    stdin = b"".join(encode(c) for c in commands)
    done = subprocess.run([str(exe), str(until_us)], input=stdin, capture_output=True, check=True)
    capture = decode_capture(done.stdout, on_error="raise")
    assert capture.counters.bytes_skipped == 0
    assert capture.counters.frames_lost == 0
    return [*capture.infos, *capture.statuses, *capture.blocks]


def test_sketch_boots_and_streams_after_start(sketch: Path) -> None:
    messages = run(sketch, [Command(CommandCode.START)], until_us=1_000_000)
    statuses = [m for m in messages if isinstance(m, Status)]
    assert [s.code for s in statuses] == [StatusCode.BOOT, StatusCode.OK]
    assert statuses[1].command == CommandCode.START
    (info,) = [m for m in messages if isinstance(m, DeviceInfo)]
    assert (info.side, info.sensor_count, info.layout, info.rate_hz) == (0, 16, "fsr16", 100.0)
    blocks = [m for m in messages if isinstance(m, SampleBlock)]
    seq = np.concatenate([b.seq for b in blocks])
    t = np.concatenate([b.t_us for b in blocks]).astype(np.int64)
    assert seq[0] == 0 and (np.diff(seq) == 1).all()
    assert 95 <= len(seq) <= 101  # 100 Hz for about one simulated second
    assert np.median(np.diff(t)) == pytest.approx(10_000, abs=5)


def test_sketch_answers_rate_tare_and_info(sketch: Path) -> None:
    commands = [
        Command(CommandCode.SET_RATE, rate_hz=5000.0),  # beyond the sketch's 1000 Hz
        Command(CommandCode.SET_RATE, rate_hz=200.0),
        Command(CommandCode.TARE),
        Command(CommandCode.REQUEST_INFO),
        Command(0x7F),
        Command(CommandCode.START),
    ]
    messages = run(sketch, commands, until_us=500_000)
    statuses = [(m.code, m.command) for m in messages if isinstance(m, Status)]
    assert statuses == [
        (StatusCode.BOOT, 0),
        (StatusCode.BAD_ARGUMENT, CommandCode.SET_RATE),
        (StatusCode.OK, CommandCode.SET_RATE),
        (StatusCode.OK, CommandCode.TARE),
        (StatusCode.UNKNOWN_COMMAND, 0x7F),
        (StatusCode.OK, CommandCode.START),
    ]
    infos = [m for m in messages if isinstance(m, DeviceInfo)]
    assert [i.rate_hz for i in infos] == [100.0, 200.0]
    n = sum(len(m) for m in messages if isinstance(m, SampleBlock))
    assert 90 <= n <= 101  # 200 Hz for about half a simulated second


TEXT_SKETCH = ROOT / "firmware_protocol" / "arduino" / "insole16_text" / "insole16_text.ino"


@pytest.fixture(scope="module")
def text_sketch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    gxx = shutil.which("g++")
    if gxx is None:
        pytest.fail("g++ is needed to build the sketch on the host (apt-get install g++)")
    exe = tmp_path_factory.mktemp("text_sketch") / "insole16_text"
    flags = ["-std=c++11", "-Wall", "-Wextra", "-Werror", f"-I{STUB}"]
    sources = ["-x", "c++", str(TEXT_SKETCH), "-x", "none", str(STUB / "main.cpp")]
    subprocess.run([gxx, *flags, *sources, "-o", str(exe)], check=True)
    return exe


def test_the_line_mode_sketch_prints_what_line_mode_reads(text_sketch: Path) -> None:
    done = subprocess.run([str(text_sketch), "1000000"], input=b"", capture_output=True, check=True)
    capture = decode_capture(done.stdout, on_error="raise")
    assert capture.mode == "text"
    assert capture.line is not None
    assert capture.line["header"] == ["millis", *(f"fsr{k}" for k in range(1, 17))]
    assert (capture.line["time_column"], capture.line["time_unit"]) == ("millis", "ms")
    assert capture.counters.text_lines == 1  # the boot message
    assert capture.counters.bad_lines == 0
    left = capture.frames(0)
    assert left is not None and left.n_sensors == 16
    assert 95 <= len(left) <= 101  # 100 Hz for about one simulated second
    assert np.median(np.diff(left.time_us)) == pytest.approx(10_000, abs=1000)
    # the stub's analogRead is a ramp: the first reading is 100, 101, ... 115
    assert left.values[0].tolist() == list(range(100, 116))
