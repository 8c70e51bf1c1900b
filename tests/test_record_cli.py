"""``pressure record`` tells the truth while it runs and at the end.

The status display with the time passed in (which lines appear when, and what they say), then
``pressure record`` through ``main([...])`` on real links: ``loop://`` (an echo, no device),
pseudo-terminals fed by a thread as a hobby board prints (labelled values, random bytes,
nothing, samples with some broken lines), and a terminal of its own (a pty as stderr) with the
simulator's binary insole on the other side. A recording of nothing still leaves its file.
"""

from __future__ import annotations

import io
import itertools
import os
import random
import re
import select
import subprocess
import sys
import threading
import tty
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from pressure import load
from pressure.cli import main
from pressure.cli.record import (
    StatusDisplay,
    line_notes,
    nothing_usable,
    status_line,
    summary_warnings,
)
from pressure.io.recorder import LinkStatus, RecordStatus
from pressure.io.recording import read_recording

from .conftest import read_terminal

PRESSURE = [sys.executable, "-m", "pressure"]
STATUS = re.compile(
    r"(?P<t>[\d.]+) s  frames L (?P<left>\d+) R (?P<right>\d+)  lost (?P<lost>\d+)  "
    r"CRC errors (?P<crc>\d+)  skipped (?P<lines>\d+) lines (?P<bytes>\d+) bytes"
)


def _link(**given: object) -> LinkStatus:
    fields: dict[str, object] = {
        "url": "/dev/ttyUSB0",
        "mode": "binary",
        "bytes_received": 0,
        "frames": {"left": 0, "right": 0},
        "counters": {},
        "unrecognised_bytes": 0,
        "first_problem": None,
        "head": b"",
    }
    fields.update(given)
    return LinkStatus(**fields)  # type: ignore[arg-type]


def test_plain_lines_come_once_per_interval_of_the_time_given() -> None:
    """Updates four times a second for 12 s of passed-in time, a line every 5 s: exactly two,
    at 5 and 10 s, each saying what the status was then."""
    out = io.StringIO()
    display = StatusDisplay(out, terminal=False, interval_s=5.0, now_s=100.0)
    for k in range(1, 49):
        frames = {"left": 50 * k, "right": 49 * k}
        counters = {"frames_lost": k // 10, "crc_errors": 1, "bad_lines": 2, "bytes_skipped": 7}
        display.update(RecordStatus((_link(frames=frames, counters=counters),)), 100.0 + k / 4)
    lines = out.getvalue().splitlines()
    assert len(lines) == 2 and not any("\r" in line or "\x1b" in line for line in lines)
    first, second = (STATUS.search(line) for line in lines)
    assert first and second, lines
    assert lines[0].startswith("pressure record: ")
    assert (first["t"], first["left"], first["right"], first["lost"]) == ("5.0", "1000", "980", "2")
    assert (second["t"], second["left"], second["lost"]) == ("10.0", "2000", "4")
    assert (second["crc"], second["lines"], second["bytes"]) == ("1", "2", "7")


def test_on_a_terminal_one_line_is_rewritten_and_notes_clear_it_first() -> None:
    out = io.StringIO()
    display = StatusDisplay(out, terminal=True, interval_s=5.0, now_s=0.0)
    for k in range(1, 4):
        display.update(RecordStatus((_link(frames={"left": k, "right": k}),)), 0.25 * k)
    display.note("/dev/ttyUSB0: reconnected")
    display.update(RecordStatus((_link(frames={"left": 9, "right": 9}),)), 1.0)
    display.close()
    text = out.getvalue()
    assert "\n" not in text.split("pressure record:")[0]  # in place until the note
    assert text.count("\r") == 6  # 4 status lines, 2 clearings (before the note, at the end)
    assert text.count("\x1b[K") == 6
    assert "\r\x1b[Kpressure record: /dev/ttyUSB0: reconnected\n" in text
    assert text.endswith("\r\x1b[K")  # the summary starts on a clean line
    last = text.split("\r")[-2]
    match = STATUS.search(last)
    assert match and match["t"] == "1.0" and match["left"] == "9", last


def test_bytes_not_understood_yet_are_shown_while_the_mode_is_unknown() -> None:
    status = RecordStatus((_link(mode=None, bytes_received=300, unrecognised_bytes=300),))
    assert status_line(status, 2.0).endswith("not understood yet 300 bytes")


def test_why_a_recording_holds_nothing() -> None:
    """Each reason a link gave no frame is told apart: silence, an echo, a device that answered
    but did not stream, noise, text without samples."""

    def why(**given: object) -> str | None:
        return nothing_usable(RecordStatus((_link(**given),)))

    assert why(frames={"left": 1, "right": 0}) is None
    assert "nothing arrived" in str(why(mode=None))
    echo = why(bytes_received=72, counters={"commands": 6})
    assert "echo" in str(echo) and "no device answered" in str(echo)
    answered = why(bytes_received=90, counters={"infos": 1, "statuses": 2})
    assert "answered but sent no sample frames" in str(answered)
    noise = why(mode=None, bytes_received=4096, head=random.Random(1).randbytes(4096))
    assert "neither version-1 frames nor lines of text" in str(noise) and "--baud" in str(noise)
    text = why(mode=None, bytes_received=48, head=_prose(0) + _prose(1))
    assert "'sensor 0 reads 500 units'" in str(text)
    assert "no two lines in a row were samples" in str(text)


def test_warnings_name_the_damage_and_its_first_problem() -> None:
    link = _link(
        mode="text",
        counters={"bad_lines": 3, "bytes_skipped": 40, "text_lines": 2},
        first_problem="bad_line at byte offset 120: 2 values where earlier lines had 3",
    )
    damage, text = summary_warnings(RecordStatus((link,)))
    assert damage == (
        "/dev/ttyUSB0: 3 lines rejected "
        "(first: bad_line at byte offset 120: 2 values where earlier lines had 3)"
    )
    assert "2 lines of text" in text
    # boot messages alone are a remark, not damage: their bytes are not told as skipped
    boot = _link(mode="text", counters={"bytes_skipped": 67, "text_lines": 2})
    assert [w for w in summary_warnings(RecordStatus((boot,))) if "skipped" in w] == [
        "/dev/ttyUSB0: 2 lines of text that are not samples (boot messages and the like) skipped"
    ]
    # bytes no counted line explains (binary mode, or junk before the stream) are told
    binary = _link(mode="binary", counters={"bytes_skipped": 12, "crc_errors": 1})
    assert "12 bytes skipped, 1 CRC errors" in summary_warnings(RecordStatus((binary,)))[0]
    assert summary_warnings(RecordStatus((_link(counters={"frames_left": 10}),))) == []


def test_a_headerless_line_stream_is_told_how_its_columns_were_read() -> None:
    """32 values and a clock with no header (the header was printed before the port opened):
    the summary says the columns went by position, to which foot, and how to name them."""
    line = {"header": None, "time_column": "1st column", "time_unit": "ms",
            "rate_from": "device clock"}  # fmt: skip
    bare = _link(mode="text", frames={"left": 400, "right": 0}, line=line)
    (note,) = line_notes(RecordStatus((bare,)))
    assert "no header line came: columns by position" in note
    assert "the 1st column is the time (ms)" in note and "sensors of the left foot" in note
    assert "profile's columns" in note
    named = dict(line, header=["millis", "L1", "R1"])
    assert line_notes(RecordStatus((_link(mode="text", frames={"left": 4, "right": 4},
                                          line=named),))) == []  # fmt: skip
    untimed = {"header": ["A0"], "time_column": None, "time_unit": None, "rate_from": None}
    (clock,) = line_notes(RecordStatus((_link(mode="text", frames={"left": 9, "right": 0},
                                              line=untimed),)))  # fmt: skip
    assert "timed by this computer's clock on receipt" in clock
    assert line_notes(RecordStatus((_link(frames={"left": 9, "right": 9}),))) == []  # binary


# --- pressure record on real links ----------------------------------------------------------


@contextmanager
def board(line: Callable[[int], bytes], period_s: float = 0.01) -> Iterator[str]:
    """A pseudo-terminal (raw mode, opened by path like a USB serial port) whose other side a
    thread writes ``line(k)`` to every ``period_s``, k = 0, 1, ...; yields the port's path."""
    controller, port = os.openpty()
    tty.setraw(port)
    stop = threading.Event()

    def feed() -> None:
        k = 0
        while not stop.wait(period_s):
            data = line(k)
            if data:
                os.write(controller, data)
            # the recorder's commands come back here: read them so that nothing blocks
            while select.select([controller], [], [], 0)[0]:
                os.read(controller, 4096)
            k += 1

    thread = threading.Thread(target=feed, daemon=True)
    thread.start()
    try:
        yield os.ttyname(port)
    finally:
        stop.set()
        thread.join(timeout=10)
        os.close(controller)
        os.close(port)


def _record(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str]]:
    code = main(["record", *argv])
    return code, capsys.readouterr().err.splitlines()


def test_from_loop_it_saves_nothing_says_why_and_keeps_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "echo.insole"
    code, err = _record(capsys, "loop://", "-o", str(out), "--seconds", "0.5")
    assert code == 4  # the device sent nothing usable (README "Exit codes")
    errors = [line for line in err if line.startswith("pressure: error:")]
    assert len(errors) == 1 and err[-1] == errors[0], err
    assert "loop://: only the commands sent to it came back" in errors[0]
    assert f"{out}: " in errors[0] and "0 left and 0 right frames saved" in errors[0]
    recording = read_recording(out)  # kept, closed and whole: the evidence
    assert recording.complete and recording.links[0].data  # the echoed commands are in it


def _labelled(k: int) -> bytes:
    """``Serial.print("A0="); Serial.print(analogRead(A0)); ...``: values with labels."""
    return f"A0={500 + k % 7} A1={300 - k % 5} A2={k % 11}\r\n".encode()


def _prose(k: int) -> bytes:
    """A sketch that talks about its readings instead of printing them as columns."""
    return f"sensor {k % 3} reads {500 + k % 7} units\r\n".encode()


def _noise(k: int) -> bytes:
    """What a port opened at the wrong baud rate reads: bytes of no pattern."""
    return random.Random(k).randbytes(64)


@pytest.mark.parametrize(
    ("line", "said"),
    [
        (_prose, r"bytes of text, but no two lines in a row were samples .*'sensor "),
        (_noise, r"bytes, neither version-1 frames nor lines of text \(a wrong --baud"),
        (lambda k: b"", r"nothing arrived \(is the device on, streaming, and at this --baud\?\)"),
    ],
    ids=["prose", "noise", "silence"],
)
def test_a_board_that_sends_nothing_usable_exits_4_with_its_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], line: Callable[[int], bytes], said: str
) -> None:
    out = tmp_path / "nothing.insole"
    with board(line) as port:
        code, err = _record(capsys, port, "-o", str(out), "--seconds", "0.5")
    assert code == 4, err
    assert err[-1].startswith(f"pressure: error: {port}: "), err
    assert re.search(said, err[-1]), err[-1]
    assert "0 left and 0 right frames saved (kept" in err[-1]
    assert read_recording(out).complete


def test_labelled_values_without_a_clock_are_recorded_by_their_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``A0=512 A1=300 A2=7`` from a real pseudo-terminal: the labels name three sensors, no
    line is rejected, and with no clock in the lines the frames keep the host's receipt times."""
    out = tmp_path / "labelled.insole"
    with board(_labelled) as port:
        code, err = _record(capsys, port, "-o", str(out), "--seconds", "1")
    assert code == 0, err
    assert not any("warning:" in line for line in err), err
    session = load(out)
    assert session.left is not None and session.right is None
    assert session.left.n_frames > 10 and session.left.n_sensors == 3
    line = session.metadata["wire"]["line"]
    assert line["header"] == ["A0", "A1", "A2"] and line["rate_from"] == "host clock"
    # the values are the ones printed (500..506, 296..300, 0..10), not shifted by a clock column
    values = session.left.values
    assert values[:, 0].min() >= 500 and values[:, 0].max() <= 506
    assert values[:, 2].min() >= 0 and values[:, 2].max() <= 10


def test_rejected_lines_are_counted_while_recording_and_warned_of_at_the_end(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A line-mode board at 100 Hz whose every 10th line lost a value (a serial buffer that
    overflowed): the frames are recorded (exit 0), the plain status lines count the rejected
    lines as they come, and the summary warns of them with the first one's byte offset."""

    def line(k: int) -> bytes:
        values = [100 + k % 13, 200, 300 + k % 3]
        if k % 10 == 9:
            values.pop()
        return (f"{10 * k}ms," + ",".join(map(str, values)) + "\r\n").encode()

    out = tmp_path / "board.insole"
    with board(line) as port:
        code, err = _record(
            capsys, port, "-o", str(out), "--seconds", "2", "--status-interval", "0.4"
        )
    assert code == 0, err
    statuses = [m for m in map(STATUS.search, err) if m]
    assert len(statuses) >= 2, err
    times = [float(m["t"]) for m in statuses]
    # a line only once 0.4 s of the recorder's clock have passed since the last one
    # (printed to 0.1 s)
    assert all(b - a >= 0.4 - 0.1 for a, b in itertools.pairwise(times)), times
    assert [int(m["left"]) for m in statuses] == sorted(int(m["left"]) for m in statuses)
    assert int(statuses[-1]["lines"]) > 0 and int(statuses[-1]["right"]) == 0
    warning = next(line for line in err if "warning:" in line)
    rejected = re.search(r"(\d+) lines rejected", warning)
    assert rejected and int(rejected[1]) >= int(statuses[-1]["lines"]), warning
    assert "(first: bad_line at byte offset" in warning
    saved = re.search(r"saved .*: ([\d.]+) s, (\d+) left and 0 right frames", err[-1])
    assert saved, err
    # nine of ten lines are samples: the rest were rejected, every one of them counted
    assert int(saved[2]) >= 8 * int(rejected[1])


def test_on_a_terminal_the_status_is_one_line_rewritten_in_place(tmp_path: Path) -> None:
    """The recorder's stderr is a pseudo-terminal (a real one: what a user's terminal is); the
    simulator's insole streams both feet. The status line is rewritten with a carriage return,
    its frame counts grow, it is cleared before the summary, and no line of it ends in a
    newline."""
    sim = subprocess.Popen(
        # streaming without waiting for START: frames come even if a loaded machine keeps the
        # simulator's answer to DEVICE_INFO past the recorder's 1 s (then no START is sent)
        [*PRESSURE, "simulate", "--pty", "--autostart", "--rate", "100", "--seconds", "60"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    controller, terminal = os.openpty()
    try:
        assert sim.stdout is not None
        port = sim.stdout.readline().strip()
        rec = subprocess.Popen(
            [*PRESSURE, "record", port, "-o", str(tmp_path / "t.insole"), "--seconds", "2"],
            stdout=subprocess.PIPE, stderr=terminal,
        )  # fmt: skip
        os.close(terminal)
        seen = read_terminal(controller, rec, 60.0)
        assert rec.wait(timeout=30) == 0, seen.decode(errors="replace")
    finally:
        sim.kill()
        sim.communicate()
        os.close(controller)
    text = seen.decode(errors="replace").replace("\r\n", "\n")  # the terminal's own line ends
    before, _, summary = text.rpartition("\r\x1b[K")
    # the summary: the steps and the load share (when the feet stepped), then the file saved
    *gait, saved = summary.rstrip("\n").split("\n")
    assert saved.startswith("pressure record: saved "), summary
    assert all(line.startswith("pressure record: steps: left ") for line in gait), summary
    updates = [u.removesuffix("\x1b[K") for u in before.split("\r") if STATUS.search(u)]
    assert len(updates) >= 3, text  # four a second for 2 s
    assert not any("\n" in u for u in updates)
    counts = [int(m["left"]) + int(m["right"]) for m in map(STATUS.search, updates) if m]
    assert counts[-1] > counts[0] and counts == sorted(counts)
    last = STATUS.search(updates[-1])
    assert last and int(last["left"]) > 0 and int(last["right"]) > 0 and last["lost"] == "0"
