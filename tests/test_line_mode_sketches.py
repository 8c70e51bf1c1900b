"""Line mode as real Arduino and ESP32 sketches print it (PROTOCOL.md §5, issue 16).

First the decoder's rules, each fed in one piece and byte by byte (the result must not depend on
where reads split the stream); then recordings written with host receipts of our choosing; then
the acceptance: a sketch's output streamed through a real pseudo-terminal into
``pressure record`` (``pressure.cli.main``), and ``info`` and ``analyze`` on the recording.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import select
import signal
import threading
import time
import tty
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from firmware_protocol import Capture, Counters, LineDecoder, SampleBlock, Side, decode_chunks
from firmware_protocol.errors import ProtocolError
from pressure.cli import main
from pressure.errors import PressureError
from pressure.io.load import load
from pressure.io.recording import RecordingWriter, line_period_s
from pressure.simulator.gait import SyntheticGait

# -- the decoder, rule by rule -----------------------------------------------------------------


@dataclass
class Decoded:
    """What a LineDecoder made of a stream, per side, with everything that could differ."""

    values: dict[int, np.ndarray]
    time_us: dict[int, np.ndarray]
    offsets: dict[int, np.ndarray]
    extra: dict[int, dict[str, np.ndarray]]
    counters: Counters
    errors: list[tuple[str, int, str]]
    line: dict[str, Any]

    def same_as(self, other: Decoded) -> None:
        assert self.values.keys() == other.values.keys()
        for side in self.values:
            np.testing.assert_array_equal(self.values[side], other.values[side])
            np.testing.assert_array_equal(self.time_us[side], other.time_us[side])
            np.testing.assert_array_equal(self.offsets[side], other.offsets[side])
            assert self.extra[side].keys() == other.extra[side].keys()
            for name in self.extra[side]:
                np.testing.assert_array_equal(self.extra[side][name], other.extra[side][name])
        assert self.counters == other.counters
        assert self.errors == other.errors
        assert self.line == other.line


def _decode(text: bytes, chunk: int | None, **options: Any) -> Decoded:
    decoder = LineDecoder(**options)
    blocks: list[SampleBlock] = []
    if chunk is None:
        blocks += decoder.feed(text)
    else:
        for i in range(0, len(text), chunk):
            blocks += decoder.feed(text[i : i + chunk])
    blocks += decoder.close()
    out = Decoded({}, {}, {}, {}, decoder.counters, [], decoder.line_info)
    capture = Capture("text", blocks)
    for side in (Side.LEFT, Side.RIGHT):
        whole = capture.frames(side)
        if whole is None:
            continue
        out.values[side] = whole.values
        out.time_us[side] = whole.time_us
        out.offsets[side] = whole.offset
        out.extra[side] = whole.extra
    out.errors = [(e.kind, e.offset, e.detail) for e in decoder.errors]
    return out


def decode(lines: Sequence[str], end: str = "\r\n", **options: Any) -> Decoded:
    """Decode in one piece and byte by byte, check both give the same, return it."""
    text = "".join(line + end for line in lines).encode()
    whole = _decode(text, None, **options)
    _decode(text, 1, **options).same_as(whole)
    _decode(text, 7, **options).same_as(whole)
    return whole


BOOT = ["[SD] init failed, retrying", "Initializing BMA...card initialized."]


def millis_lines(start: int, n: int, step: Callable[[int], int] = lambda k: 10 * k) -> list[str]:
    return [",".join(str(v) for v in [start + step(k), *range(k, k + 16)]) for k in range(n)]


@pytest.mark.parametrize("start", [120_000, 60_000])
def test_a_bare_millis_column_is_the_time_and_boot_text_is_not_damage(start: int) -> None:
    got = decode(BOOT + millis_lines(start, 1000))
    values, time_us = got.values[Side.LEFT], got.time_us[Side.LEFT]
    assert values.shape == (1000, 16)
    assert values[999, 0] == 999 and values[0, 15] == 15  # the clock is not sensor 1
    assert time_us[0] == start * 1000 and (np.diff(time_us) == 10_000).all()  # past 65535 too
    assert got.counters.text_lines == 2 and got.counters.bad_lines == 0
    assert got.counters.frames_left == 1000 and got.errors == []
    assert got.line["time_column"] == "1st column"
    assert (got.line["time_unit"], got.line["time_unit_from"]) == ("ms", "steps")


#: what an ESP32 prints at power-up (its ROM bootloader), before the sketch's first line
ESP32_BOOT = [
    "ets Jun  8 2016 00:22:57",
    "",
    "rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)",
    "configsip: 0, SPIWP:0xee",
    "clk_drv:0x00,q_drv:0x00,d_drv:0x00,cs0_drv:0x00,hd_drv:0x00,wp_drv:0x00",
    "mode:DIO, clock div:1",
    "load:0x3fff0030,len:1344",
    "load:0x40078000,len:13964",
    "load:0x40080400,len:3600",
    "entry 0x400805f0",
]


@pytest.mark.parametrize(
    "boot",
    [
        ESP32_BOOT,  # name:value pairs whose values are hex or words: not labelled samples
        ["Heap:123456", "Free:2000"],  # labelled numbers once, then plain lines: boot text
        ["Heap:123456", "Heap:120000"],
    ],
    ids=["esp32-rom", "heap-free", "heap-twice"],
)
def test_boot_lines_that_look_labelled_are_text(boot: list[str]) -> None:
    got = decode(boot + millis_lines(70_000, 300))
    assert got.values[Side.LEFT].shape == (300, 16)
    assert got.counters.bad_lines == 0
    assert got.counters.text_lines == sum(1 for line in boot if line)
    assert (np.diff(got.time_us[Side.LEFT]) == 10_000).all()


def test_a_few_lines_before_a_reset_s_header_are_text() -> None:
    """Opening the port resets the board: the tail of what it printed before (three lines of
    one foot's 16 values) comes before its boot text and a header naming two feet. Those few
    lines are text, not a foot of 16 sensors that then changes to 8."""
    header = "millis," + ",".join([f"L{k}" for k in range(1, 9)] + [f"R{k}" for k in range(1, 9)])
    got = decode([*millis_lines(90_000, 3), *BOOT, header, *millis_lines(0, 100)])
    assert got.values[Side.LEFT].shape == (100, 8) and got.values[Side.RIGHT].shape == (100, 8)
    assert got.counters.text_lines == 3 + len(BOOT) and got.counters.bad_lines == 0


def test_values_are_signed_decimal_and_unbounded() -> None:
    lines = [f"{1000 + 10 * k}ms,{-k},{k + 0.5},{70_000 + k}" for k in range(10)]
    got = decode(lines)
    np.testing.assert_array_equal(got.values[Side.LEFT][3], [-3, 3.5, 70_003])
    assert got.counters.bad_lines == 0


def test_an_unsigned_long_millis_clock_wraps_and_a_restart_is_spliced() -> None:
    wrap = millis_lines(2**32 - 35, 8)  # 2^32 - 35, -25, ... wraps to 5, 15, ...
    restart = millis_lines(0, 8, lambda k: 3 + 10 * k)  # the board restarted
    got = decode(wrap + restart)
    time_us = got.time_us[Side.LEFT]
    assert (np.diff(time_us) == 10_000).all()  # the wrap is a step of 10 ms, the restart too
    assert got.counters.clock_resets == 1 and got.counters.bad_lines == 0


def test_info_says_where_the_time_came_from_and_counts_the_restarts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A serial terminal's log of a board (boot text, a header whose time column is ``t_ms``)
    reset midway: ``info`` names the column, the unit and where the unit came from, and the
    restart."""
    header = "t_ms," + ",".join(f"fsr{k}" for k in range(1, 17))
    first, again = millis_lines(90_000, 300), millis_lines(0, 300, lambda k: 2 + 10 * k)
    path = tmp_path / "LOG.txt"
    path.write_text("\r\n".join([*BOOT, header, *first, *again]) + "\r\n")
    assert main(["info", str(path)]) == 0
    text = capsys.readouterr().out
    assert "  time: column 't_ms', in ms (unit from the column's name)" in text
    assert "  clock restarts 1 (a board reset" in text
    # saved with its header first: a .txt is still the terminal's log, a .csv a table (the
    # generic CSV reader), and either joins the restart
    for name, kind in (("log.txt", "insole"), ("table.csv", "generic_csv")):
        headed = tmp_path / name
        headed.write_text("\r\n".join([header, *first, *again]) + "\r\n")
        assert load(headed).format == kind, name
    session = load(tmp_path / "table.csv")
    assert session.quality["clock_restarts"] == 1
    assert session.left is not None and np.all(np.diff(session.left.time_s) > 0)
    assert session.duration_s == pytest.approx(6.0)
    assert any("t_ms clock restarted 1 time (first at line 302" in p for p in session.problems)
    bare = tmp_path / "bare.txt"
    bare.write_text("\r\n".join(millis_lines(90_000, 300)) + "\r\n")
    assert main(["info", str(bare)]) == 0
    text = capsys.readouterr().out
    assert "  time: the 1st column, in ms (unit from the clock's step size)" in text
    assert "clock restarts" not in text


def test_a_micros_clock_is_told_by_its_steps() -> None:
    got = decode(millis_lines(5_000_000, 20, lambda k: 10_000 * k))  # micros() at 100 Hz
    assert got.line["time_unit"] == "us"
    assert (np.diff(got.time_us[Side.LEFT]) == 10_000).all()


def test_a_first_column_that_does_not_tick_is_a_sensor() -> None:
    lines = [f"{v},{k}" for k, v in enumerate([5, 5, 9, 300, 2, 7, 1])]
    got = decode(lines)
    assert got.values[Side.LEFT][:, 0].tolist() == [5, 5, 9, 300, 2, 7, 1]
    assert (got.time_us[Side.LEFT] == -1).all() and got.line["time_column"] is None


def test_a_header_with_an_imu_keeps_three_sensors_and_named_columns() -> None:
    header = "t, ax, ay, az, L, M, H"
    rows = [
        f"{120_000 + (111 * k) // 2}, {-120 + k}, {35 - 3 * k}, -1002, {900 - k}, 0, {k}"
        for k in range(40)
    ]
    got = decode(["Booting...", header, *rows])
    left = got.values[Side.LEFT]
    assert left.shape == (40, 3) and left[2].tolist() == [898, 0, 2]
    extra = got.extra[Side.LEFT]
    assert list(extra) == ["ax", "ay", "az"]
    assert extra["ax"][:3].tolist() == [-120, -119, -118] and (extra["az"] == -1002).all()
    assert got.line["header"] == ["t", "ax", "ay", "az", "L", "M", "H"]
    assert (got.line["time_column"], got.line["time_unit"]) == ("t", "ms")
    assert got.counters.text_lines == 1 and got.counters.bad_lines == 0
    assert set(np.diff(got.time_us[Side.LEFT]).tolist()) == {55_000, 56_000}


def test_a_commented_header_with_unit_and_sides_by_name() -> None:
    names = ["time_ms", "frame_id", "R_ch0", "R_ch1", "L_ch0", "L_ch1", "flags"]
    rows = [f"{10 * k},{k},{k},{k + 1},{-k},{-k - 1},{k % 2}" for k in range(12)]
    got = decode(["# fw=v3.1.0", "# " + ",".join(names), *rows])
    assert got.values[Side.LEFT][5].tolist() == [-5, -6]
    assert got.values[Side.RIGHT][5].tolist() == [5, 6]
    assert list(got.extra[Side.LEFT]) == ["frame_id", "flags"]
    assert got.extra[Side.RIGHT]["frame_id"].tolist() == list(range(12))
    assert got.line["time_unit_from"] == "name"
    assert got.counters.frames_left == got.counters.frames_right == 12
    assert got.counters.text_lines == 0  # comments are content


def test_words_that_are_not_followed_by_as_many_fields_are_boot_text() -> None:
    # "Booting ESP" has the form of a header, but no sample line has two fields; a space-
    # separated pair of plain words is prose even when the samples have two fields
    got = decode(["Booting ESP", "Sensor ready", *[f"{1000 + 20 * k},{k}" for k in range(9)]])
    assert got.counters.text_lines == 2 and got.line["header"] is None
    assert got.line["time_column"] == "1st column"
    assert got.values[Side.LEFT][:, 0].tolist() == list(range(9))


def test_the_side_marker_goes_with_a_bare_clock_either_side_of_it() -> None:
    lines = []
    for k in range(10):
        lines += [f"L,{5000 + 10 * k},{k},1", f"{5000 + 10 * k},R,{-k},2"]
    got = decode(lines)
    assert got.values[Side.LEFT][:, 0].tolist() == list(range(10))
    assert got.values[Side.RIGHT][:, 0].tolist() == [-k for k in range(10)]
    assert (np.diff(got.time_us[Side.RIGHT]) == 10_000).all()


def test_a_line_cut_by_opening_the_port_mid_line_is_one_bad_line() -> None:
    full = millis_lines(120_000, 10)
    got = decode([full[0][-9:], *full[1:]])  # "12,13,14,15": the tail of a line
    assert got.counters.bad_lines == 1 and got.errors[0][1] == 0
    assert got.values[Side.LEFT].shape == (9, 16) and got.line["time_column"] == "1st column"
    cut_clock = decode(["0" + full[0][6:], *full[1:]])  # "0,0,1,...": the clock's tail
    assert cut_clock.counters.bad_lines == 1 and cut_clock.values[Side.LEFT].shape == (9, 16)


def test_damage_after_the_data_started_is_counted_where_it_is() -> None:
    rows = millis_lines(1000, 12)
    text_rows = [*rows[:6], "garbage here", "1,x,3", *rows[6:]]
    got = decode(["boot", *text_rows])
    assert got.counters.text_lines == 1 and got.counters.bad_lines == 2
    starts = np.cumsum([0] + [len(line) + 2 for line in ["boot", *text_rows]])
    assert [(kind, offset) for kind, offset, _ in got.errors] == [
        ("bad_line", int(starts[7])),
        ("bad_line", int(starts[8])),
    ]
    assert got.values[Side.LEFT].shape == (12, 16)


def test_a_new_header_mid_stream_changes_the_columns() -> None:
    first = ["t,a,b", *[f"{100 + 10 * k},{k},{k}" for k in range(6)]]
    second = ["time_us,a,b,flags", *[f"{200_000 + 10_000 * k},{k},{k},1" for k in range(6)]]
    got = decode(first + second)
    assert got.counters.frames_left == 12 and got.counters.bad_lines == 0
    assert got.line["header"] == ["time_us", "a", "b", "flags"]
    assert got.line["time_unit_from"] == "mixed"  # steps, then the name
    assert np.isnan(got.extra[Side.LEFT]["flags"][:6]).all()  # not a column before
    assert (np.diff(got.time_us[Side.LEFT]) == 10_000).all()  # the new clock spliced on
    third = ["t,a,b,c", *[f"{300 + 10 * k},{k},{k},{k}" for k in range(6)]]
    decoder = LineDecoder()
    blocks = decoder.feed("".join(f"{line}\n" for line in first + third).encode())
    blocks += decoder.close()
    assert [b.values.shape for b in blocks] == [(6, 2), (6, 3)]


def test_few_lines_are_settled_at_the_end() -> None:
    got = decode(["1500ms,1,2", "1510ms,3,4"])  # fewer than the lines held to decide
    assert got.values[Side.LEFT].tolist() == [[1, 2], [3, 4]]
    assert (got.time_us[Side.LEFT] == [1_500_000, 1_510_000]).all()


def test_under_raise_the_first_bad_line_stops_the_decoder() -> None:
    decoder = LineDecoder(on_error="raise")
    with pytest.raises(ProtocolError, match="bad_line"):
        decoder.feed(b"boot\n1000,1,2\n1010,1,2\n1020,x,2\n1030,1,2\n1040,1,2\n")
        decoder.close()


def test_every_split_point_of_a_stream_with_every_rule_gives_the_same() -> None:
    """Boot text, a fragment, a bare clock across a wrap, a header, an IMU, signed values, a
    broken line and a restart, split into two reads at every byte."""
    wrap = [f"{(2**32 - 55 + 10 * k) % 2**32},{k},{-k}" for k in range(8)]
    lines = ["[SD] init failed", "0,7", *wrap, "1,x,3"]
    lines += ["# t, ax, L, M", *[f"{40 + 55 * k}, {-k}, {k}, {2 * k}" for k in range(7)]]
    lines += [f"{5 + 55 * k}, 1, 2, 3" for k in range(3)]  # the board restarted
    text = "".join(f"{line}\r\n" for line in lines).encode()
    whole = _decode(text, None)
    assert whole.counters.bad_lines == 2 and whole.counters.clock_resets == 1
    assert whole.counters.text_lines == 1
    assert whole.counters.frames_left == 18 and whole.line["extras"] == ["ax"]

    for cut in range(1, len(text)):
        decoder = LineDecoder()
        blocks = decoder.feed(text[:cut]) + decoder.feed(text[cut:]) + decoder.close()
        split = Capture("text", blocks).frames(Side.LEFT)
        assert split is not None and decoder.counters == whole.counters
        np.testing.assert_array_equal(split.time_us, whole.time_us[Side.LEFT])
        assert np.array_equal(split.extra["ax"], whole.extra[Side.LEFT]["ax"], equal_nan=True)


# -- recordings with host receipts of our choosing ---------------------------------------------


def _record(path: Path, links: list[tuple[bytes, Sequence[float] | np.ndarray]]) -> Path:
    """A recording whose links delivered ``data`` in reads at the given host times (one read
    per line: the receipts say when each line arrived)."""
    with RecordingWriter(path, start_ns=0, wall_ns=1_700_000_000 * 10**9) as writer:
        for k, (data, arrivals) in enumerate(links):
            link = writer.add_link(f"/dev/fake{k}", "both")
            lines = data.splitlines(keepends=True)
            assert len(lines) == len(arrivals)
            for line, host_s in zip(lines, arrivals, strict=True):
                writer.received(link, line, round(host_s * 1e9))
    return path


def _bursts(n: int, period_s: float, seed: int) -> np.ndarray:
    """Arrival times of ``n`` lines printed every ``period_s``: delivered in bursts (USB frames,
    a host busy elsewhere), so each waits 0 to 40 ms, and in one stretch 300 ms."""
    rng = np.random.default_rng(seed)
    printed = 0.5 + period_s * np.arange(n)
    flush = np.maximum.accumulate(printed + rng.uniform(0.0, 0.04, n))
    stall = (printed > 2.0) & (printed < 2.3)
    flush[stall] = max(2.3, float(flush[stall].max(initial=0.0)))
    return np.maximum.accumulate(flush)


def test_the_period_of_lines_without_time_from_bursty_arrivals() -> None:
    for period in (0.01, 1 / 18):
        for seed in range(3):
            found = line_period_s(_bursts(600, period, seed))
            assert found is not None and found == pytest.approx(period, rel=0.005)
    assert line_period_s(np.array([1.0, 1.0, 1.0])) is None


def test_lines_without_time_get_their_rate_from_the_host_clock(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [f"{(7 * k) % 5},{k % 3}" for k in range(600)]  # no clock, no timestamp
    data = "".join(r + "\n" for r in rows).encode()
    path = _record(tmp_path / "untimed.insole", [(data, _bursts(600, 0.02, 1))])
    left = load(path).feet["left"]
    assert left.sampling_rate_hz == pytest.approx(50.0, rel=0.01)
    assert np.diff(left.time_s) == pytest.approx(np.full(599, 0.02), rel=0.01)
    assert main(["info", "--json", str(path)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["line"]["rate_from"] == "host clock"
    assert report["sampling_rate_hz"] == pytest.approx(50.0, rel=0.01)


def test_the_host_receipts_decide_a_clock_unit_its_steps_would_get_wrong(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """micros() at 5 kHz steps by 200: by its steps a millisecond clock (5 Hz), by the host's
    clock a microsecond one."""
    rows = [f"{1_000_000 + 200 * k},{k % 9},{k % 4}" for k in range(15_000)]
    data = "".join(r + "\n" for r in rows).encode()
    path = _record(tmp_path / "micros.insole", [(data, 0.1 + 2e-4 * np.arange(15_000))])
    left = load(path).feet["left"]
    assert left.sampling_rate_hz == pytest.approx(5000.0)
    assert main(["info", "--json", str(path)]) == 0
    line = json.loads(capsys.readouterr().out)["line"]
    assert (line["time_unit"], line["time_unit_from"]) == ("us", "host receipts")


def test_two_feet_on_one_text_link_are_placed_at_their_arrival(tmp_path: Path) -> None:
    """Each line arrives 5 ms after its device time: both feet's frames are placed 5 ms after
    it on the host axis (a line's arrival is that of its own line end, whatever the order in
    which the feet's frames are gathered)."""
    data, arrivals = b"", []
    for k in range(300):
        for side in "LR":
            data += f"{20 * k}ms,{side},{k % 7},{k % 3}\n".encode()
            arrivals.append(0.5 + 0.02 * k + 0.005)
    session = load(_record(tmp_path / "two_feet.insole", [(data, arrivals)]))
    for foot in session.feet.values():
        assert foot.n_frames == 300
        np.testing.assert_allclose(foot.time_s, 0.505 + 0.02 * np.arange(300), atol=1e-9)


def test_a_link_that_decoded_nothing_opens_with_a_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    boot = b"[SD] init failed\r\nretrying...\r\n"
    good = "".join(f"{1000 + 10 * k},{k},{k}\n" for k in range(300)).encode()
    path = _record(
        tmp_path / "one_dead.insole",
        [(boot, [0.1, 0.2]), (good, 0.1 + 0.01 * np.arange(300))],
    )
    session = load(path)
    assert session.left is not None and session.left.n_frames == 300
    assert any("link 0 (/dev/fake0)" in p and "no frames" in p for p in session.problems)
    assert main(["info", str(path)]) == 0
    text = capsys.readouterr().out
    assert "link /dev/fake0: no foot frames" in text
    assert "first problems: not_a_capture" in text and "/dev/fake0" in text
    alone = _record(tmp_path / "dead.insole", [(boot, [0.1, 0.2])])
    assert main(["info", "--json", str(alone)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["frames"] == {"left": 0, "right": 0} and report["problems"]


# -- acceptance: a sketch on a real pseudo-terminal, recorded by ``pressure record`` -------------

#: the sketches' output is sent this many times faster than real time (their clocks tick as
#: printed; the host receipts then span half the device time, still far nearer ms than µs or s)
SPEED = 2.0


@dataclass
class Sketch:
    """What a sketch prints: boot lines, then sample lines each due at its device time."""

    boot: list[str]
    lines: list[str]
    due_s: np.ndarray  # device time of each sample line, s from the first


class SketchPty:
    """A board on a pseudo-terminal: the test's side (the master) in raw mode, the recorder
    opens the slave by path with pyserial. Streaming starts when the host first writes (the
    recorder asks for DEVICE_INFO as soon as it opened the port, and pyserial empties the
    input when it opens it, as a USB board's output before the port opens is lost)."""

    def __init__(self, sketch: Sketch) -> None:
        self.sketch = sketch
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        os.set_blocking(self._master, False)
        self.path = os.ttyname(self._slave)
        self.stop = threading.Event()
        self.sent = 0  # sample lines written

    def close(self) -> None:
        self.stop.set()
        for fd in (self._master, self._slave):
            with contextlib.suppress(OSError):  # closed already
                os.close(fd)

    def _drain(self, wait_s: float) -> bool:
        """Read what the host wrote (its commands: a line-mode board ignores them)."""
        readable, _, _ = select.select([self._master], [], [], wait_s)
        if readable:
            try:
                return bool(os.read(self._master, 4096))
            except OSError:
                return False
        return False

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view and not self.stop.is_set():
            try:
                view = view[os.write(self._master, view) :]
            except BlockingIOError:
                select.select([], [self._master], [], 0.05)

    def run(self, clock: Callable[[], float] = time.monotonic) -> None:
        """Wait for the host, then print the boot lines and each sample line when it is due
        (paced by the lines' own times, ``SPEED`` times faster)."""
        while not self.stop.is_set() and not self._drain(0.05):
            pass
        self._write("".join(line + "\r\n" for line in self.sketch.boot).encode())
        start = clock()
        for line, due in zip(self.sketch.lines, self.sketch.due_s / SPEED, strict=True):
            if self.stop.is_set():
                return
            wait = start + due - clock()
            if wait > 0:
                self._drain(wait)
            self._write((line + "\r\n").encode())
            self.sent += 1
        while not self.stop.is_set():
            self._drain(0.05)


def _frames_in(path: Path) -> int:
    try:
        feet = load(path).feet
    except (OSError, PressureError):  # not yet written, or caught between two writes
        return 0
    return sum(f.n_frames for f in feet.values())


def record_sketch(sketch: Sketch, out: Path) -> int:
    """``pressure record`` of the sketch on a pty until the file holds every line sent (or a
    minute passed), stopped as a user stops it (Ctrl-C); its exit status."""
    board = SketchPty(sketch)
    board_thread = threading.Thread(target=board.run, daemon=True)
    board_thread.start()
    recording = threading.Event()
    lock = threading.Lock()

    def stop_when_recorded() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if board.sent == len(sketch.lines) and _frames_in(out) >= len(sketch.lines):
                break
            time.sleep(0.2)
        with lock:
            if recording.is_set():
                os.kill(os.getpid(), signal.SIGINT)  # record's handler: stop and save

    stopper = threading.Thread(target=stop_when_recorded, daemon=True)
    recording.set()
    stopper.start()
    try:
        status = main(["record", board.path, "-o", str(out), "--seconds", "120"])
    finally:
        with lock:
            recording.clear()
        board.close()
    stopper.join(timeout=5)
    board_thread.join(timeout=5)
    return status


def millis_sketch(start_ms: int, seconds: float, seed: int) -> tuple[Sketch, np.ndarray]:
    """``Serial.print(millis())`` then 16 values at 100 Hz (a ``delay`` loop: 10 or 11 ms),
    after two boot lines; the walk's left foot as the values."""
    gait = SyntheticGait(seconds=seconds, rate_hz=100, sensors=16, seed=seed)
    values, _ = gait.values()
    rng = np.random.default_rng(seed)
    steps = np.r_[0, 10 + (rng.random(len(values) - 1) < 0.05)]  # a late tick now and then
    millis = start_ms + np.cumsum(steps)
    lines = [",".join(map(str, [m, *row])) for m, row in zip(millis, values.tolist(), strict=True)]
    due = (millis - millis[0]) / 1000.0
    return Sketch(list(BOOT), lines, due), values


def imu_sketch(seconds: float, seed: int) -> tuple[Sketch, np.ndarray, np.ndarray]:
    """A header ``t, ax, ay, az, L, M, H``, then millis, a signed accelerometer and three FSRs
    at about 18 Hz (a loop of 55.5 ms: steps of 55 and 56)."""
    gait = SyntheticGait(seconds=seconds, rate_hz=1000 / 55.5, sensors=3, seed=seed)
    fsr, _ = gait.values()
    n = len(fsr)
    millis = 84_210 + np.floor(55.5 * np.arange(n)).astype(np.int64)
    phase = 2 * math.pi * np.arange(n) / 20
    acc = np.stack(
        [np.round(300 * np.sin(phase)), np.round(-150 * np.cos(phase)), np.full(n, -1002.0)],
        axis=1,
    ).astype(np.int64)
    lines = [
        ", ".join(map(str, [m, *a, *f]))
        for m, a, f in zip(millis, acc.tolist(), fsr.tolist(), strict=True)
    ]
    due = (millis - millis[0]) / 1000.0
    return Sketch(["Booting...", "t, ax, ay, az, L, M, H"], lines, due), fsr, acc


def _info(path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    capsys.readouterr()
    assert main(["info", "--json", str(path)]) == 0
    return dict(json.loads(capsys.readouterr().out))


def _analyze(path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    capsys.readouterr()
    assert main(["analyze", "--json", str(path)]) == 0
    return dict(json.loads(capsys.readouterr().out))


@pytest.mark.parametrize("start_ms", [120_000, 60_000])  # 60000: crosses 65535 after 5.5 s
def test_a_bare_millis_sketch_through_a_pty(
    start_ms: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sketch, sent = millis_sketch(start_ms, seconds=10, seed=4)
    out = tmp_path / "millis.insole"
    assert record_sketch(sketch, out) == 0
    left = load(out).feet["left"]
    n = left.n_frames
    assert n >= 0.99 * len(sketch.lines) and left.n_sensors == 16
    assert left.sampling_rate_hz == pytest.approx(100.0, rel=0.02)
    np.testing.assert_array_equal(left.values, sent[:n])  # the clock is no sensor
    # the device clock, as printed, past 65535 ms
    device_ms = np.round(left.vendor["device_time_s"] * 1000).astype(np.int64)
    np.testing.assert_array_equal(device_ms, [int(s.split(",")[0]) for s in sketch.lines[:n]])
    report = _info(out, capsys)
    assert report["text_lines"] == 2 and report["bad_lines"] == 0
    assert report["line"]["time_column"] == "1st column"
    assert (report["line"]["time_unit"], report["line"]["time_unit_from"]) == (
        "ms",
        "host receipts",
    )
    result = _analyze(out, capsys)
    assert result["gait"]["steps"]["left"] >= 5


def test_an_imu_and_three_fsr_sketch_through_a_pty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sketch, fsr, acc = imu_sketch(seconds=12, seed=8)
    out = tmp_path / "imu.insole"
    assert record_sketch(sketch, out) == 0
    session = load(out)
    left = session.feet["left"]
    n = left.n_frames
    assert n >= 0.99 * len(sketch.lines) and left.n_sensors == 3
    assert left.sampling_rate_hz == pytest.approx(18.0, rel=0.02)
    np.testing.assert_array_equal(left.values, fsr[:n])
    for k, name in enumerate(("ax", "ay", "az")):  # kept per frame, not as sensors
        np.testing.assert_array_equal(left.vendor[name], acc[:n, k])
    assert (left.vendor["ax"] < 0).any()
    report = _info(out, capsys)
    assert report["line"]["header"] == ["t", "ax", "ay", "az", "L", "M", "H"]
    assert report["line"]["extras"] == ["ax", "ay", "az"]
    assert report["text_lines"] == 1 and report["bad_lines"] == 0
    result = _analyze(out, capsys)
    assert result["gait"]["steps"]["left"] >= 5


def test_columns_named_by_the_host_split_a_headerless_two_foot_stream() -> None:
    """A board printing no header: the names given to the decoder (an insole profile's
    ``columns``) act as its header; a header the board prints later replaces them."""
    from firmware_protocol import decode_capture, decode_chunks

    names = ["millis", "L1", "L2", "R1", "R2", "ax"]
    lines = [f"{70000 + 10 * k},{k},{k + 1},{2 * k},{2 * k + 1},-{k}.5" for k in range(8)]
    data = ("\n".join(["booting", *lines]) + "\n").encode()
    for chunks in ([data], [data[i : i + 1] for i in range(len(data))]):
        capture = decode_chunks(chunks, columns=names)
        left, right = capture.frames(0), capture.frames(1)
        assert left is not None and right is not None
        assert left.values.tolist()[:2] == [[0, 1], [1, 2]]
        assert right.values.tolist()[:2] == [[0, 1], [2, 3]]
        assert left.time_us.tolist()[:2] == [70_000_000, 70_010_000]
        assert capture.counters.text_lines == 1
    whole = decode_capture(data, columns=names).frames(0)
    assert whole is not None and set(whole.extra) == {"ax"}
    with pytest.raises(ValueError, match="appears twice"):
        decode_capture(data, columns=["millis", "L1", "L1"])


@pytest.mark.parametrize("end", ["\r", "\n", "\r\n"])
def test_lines_ended_by_cr_alone_read_as_any_others(end: str) -> None:
    """``Serial.print('\\r')`` as the line end (or a terminal that saved CR alone): the same
    samples, in one piece and byte by byte (``decode``), the last line included."""
    got = decode(BOOT + millis_lines(70_000, 50), end=end)
    assert got.values[Side.LEFT].shape == (50, 16)
    assert got.counters.bad_lines == 0 and got.counters.text_lines == len(BOOT)
    assert got.counters.truncated == 0


def test_json_lines_of_two_feet_split_by_their_names() -> None:
    """``{"time":..,"L":[..],"R":[..],"batt":3.9}`` after a JSON status line: both feet, the
    battery kept per frame, the status line text."""
    rows = [
        json.dumps({"time": 9000 + 10 * k, "L": [k % 7, k % 5], "R": [k % 3, k % 11], "batt": 3.9})
        for k in range(200)
    ]
    got = decode(['{"status":"ready"}', *rows])
    assert got.values[Side.LEFT].tolist()[:2] == [[0, 0], [1, 1]]
    assert got.values[Side.RIGHT].shape == (200, 2)
    assert got.counters.text_lines == 1 and got.counters.bad_lines == 0
    assert (np.diff(got.time_us[Side.RIGHT]) == 10_000).all()


@pytest.mark.parametrize(
    ("name", "line", "sensors", "extras", "timed"),
    [
        # Serial.print(v); Serial.print(",") for every value: a separator after the last one
        ("trailing comma", "{t},{a},{b},", 2, [], True),
        ("trailing tab", "{t}\t{a}\t{b}\t", 2, [], True),
        ("semicolons", "{t};{a};{b}", 2, [], True),
        # the Arduino Serial Plotter's labelled form names its own columns
        ("plotter", "FSR1:{a},FSR2:{b},ax:-0.5", 2, ["ax"], False),
        ("plotter with time", "t:{t} s1:{a} s2:{b}", 2, [], True),
        ("equals", "millis={t}, heel={a}, toe={b}", 2, [], True),
        # ArduinoJson's serializeJson(doc, Serial): a list is numbered, text members left out
        ("json", '{{"t":{t},"fsr":[{a},{b}],"ax":-0.5,"state":"walk"}}', 2, ["ax"], True),
        ("json nested", '{{"ms":{t},"sole":{{"heel":{a},"toe":{b}}},"ok":true}}', 2, [], True),
    ],
)
def test_what_common_sketches_print(
    name: str, line: str, sensors: int, extras: list[str], timed: bool
) -> None:
    rows = [line.format(t=70_000 + 10 * k, a=k % 50, b=(3 * k) % 70) for k in range(30)]
    data = ("booting\r\n" + "\r\n".join(rows) + "\r\n").encode()
    for chunks in ([data], [data[i : i + 7] for i in range(0, len(data), 7)]):
        capture = decode_chunks(chunks)
        assert capture.mode == "text", name
        left = capture.frames(0)
        assert left is not None and len(left) == 30 and left.n_sensors == sensors, name
        assert left.values[:3].tolist() == [[0, 0], [1, 3], [2, 6]], name
        assert sorted(left.extra) == extras, name
        assert capture.counters.bad_lines == 0 and capture.counters.text_lines == 1, name
        if timed:
            assert left.time_us[:2].tolist() == [70_000_000, 70_010_000], name
