"""PROTOCOL.md §5 and §6: sequence gaps, duplicates, wraps, clock resets, line mode, detection."""

from __future__ import annotations

import numpy as np
import pytest

from firmware_protocol import (
    CommandCode,
    DeviceInfo,
    LineDecoder,
    ProtocolError,
    SampleBlock,
    SampleFrame,
    Status,
    StatusCode,
    StreamDecoder,
    decode_capture,
    decode_chunks,
    detect_mode,
    encode,
    encode_samples,
    parse_line,
)


def stream(seqs: list[int], times: list[int], side: int = 0) -> bytes:
    return b"".join(
        encode(SampleFrame(s, side, t, (1, 2))) for s, t in zip(seqs, times, strict=True)
    )


def test_gap_counts_lost_frames() -> None:
    cap = decode_capture(stream([1, 2, 5, 6], [0, 10, 40, 50]))
    assert cap.counters.frames_lost == 2
    assert cap.counters.frames_left == 4


def test_duplicate_is_dropped_and_counted() -> None:
    cap = decode_capture(stream([1, 2, 2, 3], [0, 10, 10, 20]))
    block = cap.frames(0)
    assert block is not None
    assert list(block.seq) == [1, 2, 3]
    assert cap.counters.duplicates == 1
    assert cap.counters.frames_lost == 0


def test_sequence_wrap_is_not_a_gap() -> None:
    cap = decode_capture(stream([65534, 65535, 0, 1], [0, 10, 20, 30]))
    assert cap.counters.frames_lost == 0
    assert cap.counters.out_of_order == 0


def test_backward_jump_is_out_of_order_and_reanchors() -> None:
    cap = decode_capture(stream([100, 101, 7, 8, 9], [0, 10, 20, 30, 40]))
    assert cap.counters.out_of_order == 1
    assert cap.counters.frames_lost == 0
    assert cap.counters.frames_left == 5


def test_timestamp_wrap_is_reconstructed() -> None:
    top = 2**32
    cap = decode_capture(stream([0, 1, 2, 3], [top - 20000, top - 10000, 0, 10000]))
    block = cap.frames(0)
    assert block is not None
    assert list(np.diff(block.time_us)) == [10000, 10000, 10000]
    assert cap.counters.clock_resets == 0


def test_wraps_over_hours_stay_continuous() -> None:
    """Two hours at 100 Hz crosses the 71.6-minute wrap once; time keeps increasing."""
    n = 2 * 3600 * 100
    k = np.arange(n)
    data = encode_samples(k, np.zeros(n, int), k * 10_000, np.ones((n, 1), int))
    block = decode_capture(data).frames(0)
    assert block is not None
    assert block.time_us[-1] - block.time_us[0] == (n - 1) * 10_000
    assert (np.diff(block.time_us) == 10_000).all()


def test_clock_step_back_is_a_reset_spliced_by_the_typical_interval() -> None:
    cap = decode_capture(stream([1, 2, 3, 4, 5], [5000, 6000, 7000, 100, 1100]))
    block = cap.frames(0)
    assert block is not None
    assert list(np.diff(block.time_us)) == [1000, 1000, 1000, 1000]
    assert cap.counters.clock_resets == 1


def test_device_info_and_start_ack_restart_tracking() -> None:
    info = DeviceInfo(1, (1, 0, 0), 0, 2, "x", 100.0)
    ack = Status(code=StatusCode.OK, command=CommandCode.START)
    data = stream([500, 501], [0, 10]) + encode(info) + stream([0, 1], [0, 10])
    data += encode(ack) + stream([0, 1], [0, 10])
    cap = decode_capture(data)
    assert cap.counters.frames_lost == 0
    assert cap.counters.out_of_order == 0
    assert cap.counters.frames_left == 6


def test_two_feet_track_separately() -> None:
    data = stream([10, 11, 12], [0, 10, 20], side=0) + stream([70, 72], [0, 20], side=1)
    cap = decode_capture(data)
    assert cap.counters.frames_lost == 1
    assert cap.counters.frames_left == 3 and cap.counters.frames_right == 2


def test_sensor_count_change_is_reported_with_offset() -> None:
    data = encode(SampleFrame(0, 0, 0, (1, 2))) + encode(SampleFrame(1, 0, 10, (1, 2, 3)))
    cap = decode_capture(data)
    with pytest.raises(ProtocolError, match="sensor count changes from 2 to 3"):
        cap.frames(0)


# -- line mode ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("1,2,3", (None, None, [1, 2, 3])),
        ("1 2   3", (None, None, [1, 2, 3])),
        ("1\t2\t3", (None, None, [1, 2, 3])),
        ("1 , 2 ,3", (None, None, [1, 2, 3])),
        ("1500ms,L,4,5", (1_500_000, 0, [4, 5])),
        ("R 77us 4 5", (77, 1, [4, 5])),
        ("r,9", (None, 1, [9])),
        ("65535", (None, None, [65535])),
        # no 65535 limit, signed and decimal values (PROTOCOL.md §5, issue 16)
        ("65536", (None, None, [65536])),
        ("-4", (None, None, [-4])),
        ("1.5,2", (None, None, [1.5, 2])),
        ("120000,L,-3,2.5", (None, 0, [120000, -3, 2.5])),
    ],
)
def test_line_parse(line: str, expected: tuple[int | None, int | None, list[int]]) -> None:
    assert parse_line(line) == expected


@pytest.mark.parametrize("line", ["1,,2", "1,x,3", "1-2", "L", "12ms", "L,R,1", "0x1F,2"])
def test_bad_lines(line: str) -> None:
    assert isinstance(parse_line(line), str)


def test_line_decoder_counts_bad_lines_and_keeps_good_ones() -> None:
    text = (
        b"# t, side, values\r\n"
        b"0ms,L,1,2,3\r\n"
        b"0ms,R,4,5,6\r\n"
        b"10ms,L,7,8\r\n"  # wrong count
        b"garbage here\n"
        b"10ms,R,1,1,1\n"
        b"20ms,L,2,2,2\n"
    )
    decoder = LineDecoder()
    blocks = []
    for i in range(0, len(text), 5):
        blocks += decoder.feed(text[i : i + 5])
    blocks += decoder.close()
    assert decoder.counters.bad_lines == 2
    assert decoder.counters.frames_left == 2 and decoder.counters.frames_right == 2
    kinds = [(e.kind, e.offset) for e in decoder.errors]
    assert kinds == [("bad_line", text.index(b"10ms,L")), ("bad_line", text.index(b"garbage"))]
    left = np.concatenate([b.values[b.side == 0] for b in blocks])
    assert left.tolist() == [[1, 2, 3], [2, 2, 2]]


def test_line_capture_with_millis_timestamps() -> None:
    text = "".join(f"{10 * i}ms,{i},{2 * i}\n" for i in range(100)).encode()
    cap = decode_capture(text)
    assert cap.mode == "text"
    block = cap.frames(0)
    assert block is not None
    assert (np.diff(block.time_us) == 10_000).all()


def test_line_capture_without_time_uses_given_rate() -> None:
    text = "".join(f"{i},{i}\n" for i in range(50)).encode()
    block = decode_capture(text, rate_hz=50.0).frames(0)
    assert block is not None
    assert (np.diff(block.time_us) == 20_000).all()
    # without a rate, a first column rising like a clock is the time (issue 16) ...
    clocked = decode_capture(text).frames(0)
    assert clocked is not None and clocked.values.shape == (50, 1)
    # ... and lines whose first column does not are samples without time
    untimed = decode_capture("".join(f"{7 * i % 5},{i}\n" for i in range(50)).encode()).frames(0)
    assert untimed is not None and (untimed.time_us == -1).all()


def test_detect_mode() -> None:
    binary = encode(SampleFrame(0, 0, 0, (1,)))
    assert detect_mode(b"\x00\x01" + binary) == "binary"
    assert detect_mode(b"booting...\n1,2,3\n4,5,6\n") == "text"
    assert detect_mode(b"1,2,3\n4,5") is None  # only one complete line yet
    assert detect_mode(bytes(range(256))) is None
    assert detect_mode(b"") is None


def test_not_a_capture() -> None:
    with pytest.raises(ProtocolError) as info:
        decode_capture(b"%PDF-1.7 \x00\x01\x02 this is not insole data" * 10)
    assert info.value.kind == "not_a_capture"


def test_stream_decoder_rejects_unknown_policy() -> None:
    with pytest.raises(ValueError, match="on_error"):
        StreamDecoder(on_error="ignore")  # type: ignore[arg-type]


def test_a_block_of_only_duplicates_does_not_break_the_decoder() -> None:
    frames = [encode(SampleFrame(s, 0, s * 10, (1, 2))) for s in (0, 1, 1)]
    decoder = StreamDecoder()
    out: list[SampleBlock] = []
    for f in frames:
        out += [m for m in decoder.feed(f) if isinstance(m, SampleBlock)]
    assert sum(len(b) for b in out) == 2
    assert decoder.counters.duplicates == 1


def test_restart_splices_time_without_counting_a_clock_reset() -> None:
    info = DeviceInfo(1, (1, 0, 0), 0, 2, "x", 100.0)
    data = stream([0, 1, 2], [0, 10_000, 20_000]) + encode(info) + stream([0, 1], [30_000, 40_000])
    cap = decode_capture(data)
    block = cap.frames(0)
    assert block is not None
    assert list(np.diff(block.time_us)) == [10_000] * 4
    assert cap.counters.clock_resets == 0


def test_clock_step_spliced_the_same_whatever_the_chunking() -> None:
    data = stream(
        list(range(30)), [10_000 * k for k in range(20)] + [10_000 * k for k in range(10)]
    )
    whole = decode_capture(data).frames(0)
    decoder = StreamDecoder()
    blocks: list[SampleBlock] = []
    for i in range(len(data)):
        blocks += [m for m in decoder.feed(data[i : i + 1]) if isinstance(m, SampleBlock)]
    assert whole is not None
    one_by_one = np.concatenate([b.time_us for b in blocks])
    assert np.array_equal(whole.time_us, one_by_one)
    assert (np.diff(one_by_one) == 10_000).all()


def _line_decode(text: bytes, chunk: int) -> tuple[list[list[int]], LineDecoder]:
    decoder = LineDecoder()
    blocks = []
    for i in range(0, len(text), chunk):
        blocks += decoder.feed(text[i : i + chunk])
    blocks += decoder.close()
    values = [row for b in blocks for row in b.values.tolist()]
    return values, decoder


@pytest.mark.parametrize("chunk", [1, 7, 4096, 10**6])
def test_overlong_line_is_dropped_whole_whatever_the_chunking(chunk: int) -> None:
    junk = b"9," * 20000 + b"1020ms,L,5,6,7,8\n"  # 40017 bytes: over the 32768 limit
    text = b"0ms,L,1,2,3,4\n" + junk + b"20ms,L,9,9,9,9\n"
    values, decoder = _line_decode(text, chunk)
    assert values == [[1, 2, 3, 4], [9, 9, 9, 9]]
    assert decoder.counters.bad_lines == 1
    assert decoder.counters.bytes_skipped == len(junk)
    assert [(e.kind, e.offset) for e in decoder.errors] == [("bad_line", 14)]


def test_unterminated_last_line_is_truncated_not_a_sample() -> None:
    text = b"0ms,L,1,2\n10ms,L,3,40"  # the board was cut off mid-line
    values, decoder = _line_decode(text, 3)
    assert values == [[1, 2]]
    assert decoder.counters.truncated == 1
    assert decoder.counters.bytes_skipped == len(b"10ms,L,3,40")
    assert [(e.kind, e.offset) for e in decoder.errors] == [("truncated", 10)]


def test_live_link_keeps_looking_past_noise_in_bounded_memory() -> None:
    """A link whose first 100 KiB are noise (no sync, no lines): the auto decoder holds at most
    its detection window, then finds the frames; every byte is accounted for at true offsets."""
    from firmware_protocol import AutoDecoder

    noise = bytes([0x00, 0x11, 0x22, 0xFF]) * 25_600  # 100 KiB, no a5 5a, not printable
    frames = stream([0, 1, 2], [0, 10, 20])
    decoder = AutoDecoder()
    out = []
    for i in range(0, len(noise), 4096):
        out += decoder.feed(noise[i : i + 4096])
        assert decoder.counters is None
        assert len(decoder._pending) <= AutoDecoder.DETECT_LIMIT
    out += decoder.feed(frames) + decoder.close()
    blocks = [m for m in out if isinstance(m, SampleBlock)]
    assert decoder.mode == "binary" and sum(len(b) for b in blocks) == 3
    assert blocks[0].offset[0] == len(noise)
    assert decoder.counters is not None
    assert decoder.counters.bytes_skipped == len(noise)
    assert decoder.counters.bytes_total == len(noise) + len(frames)


@pytest.mark.parametrize("junk", ["noise", "boot log"])
def test_a_file_is_read_past_long_junk_and_given_up_on_past_the_search_limit(
    junk: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """200 KiB of junk before the frames (bytes that are no frame, or an ESP32 boot log's
    text): the file decodes, the junk counted as skipped. Past ``SEARCH_LIMIT`` (here made
    small) detection gives up with ``not_a_capture``."""
    from firmware_protocol import AutoDecoder, decode_chunks

    line = b"I (1234) wifi:wifi driver task: 3ffc1e4c, prio:23, stack:6656, core=0\r\n"
    unit = bytes([0x00, 0xFF]) if junk == "noise" else line
    prefix = unit * (200_000 // len(unit))
    frames = stream([0, 1, 2], [0, 10, 20])
    capture = decode_chunks([prefix[:70_000], prefix[70_000:], frames])
    assert capture.mode == "binary" and sum(len(b) for b in capture.blocks) == 3
    assert capture.counters.bytes_skipped == len(prefix)
    assert capture.blocks[0].offset[0] == len(prefix)
    monkeypatch.setattr(AutoDecoder, "SEARCH_LIMIT", 100_000)
    with pytest.raises(ProtocolError) as info:
        decode_chunks([prefix, frames])
    assert info.value.kind == "not_a_capture"


def _walk_frames(n: int, first_value: int = 0) -> bytes:
    """``n`` frames of each foot at 100 Hz whose values change from frame to frame."""
    out = []
    for k in range(n):
        for side in (0, 1):
            values = ((first_value + 7 * k + side) % 4000, (first_value + 3 * k) % 4000)
            out.append(encode(SampleFrame(k, side, 10_000 * k, values)))
    return b"".join(out)


@pytest.mark.parametrize("piece", [1, 37, 4096, 1 << 20])
def test_a_replayed_stretch_of_the_stream_is_dropped_as_duplicates(piece: int) -> None:
    """Bytes 30 %-60 % of a stream arrive a second time after the first (a host or adapter
    that re-sent a buffer): the frames of the stretch come out once, every device time is what
    it was (no clock reset, nothing out of order), and the replayed frames count as
    duplicates; the seam where the stretch starts again costs at most the frame it cuts."""
    data = _walk_frames(400)
    a, b = int(len(data) * 0.3), int(len(data) * 0.6)
    replayed = data[:b] + data[a:b] + data[b:]
    whole = decode_chunks([data])
    got = decode_chunks([replayed[i : i + piece] for i in range(0, len(replayed), piece)])
    assert got.counters.out_of_order == 0 and got.counters.clock_resets == 0
    frame = len(encode(SampleFrame(0, 0, 0, (0, 0))))
    assert (b - a) // frame - 2 <= got.counters.duplicates <= (b - a) // frame
    for side in (0, 1):
        mine, theirs = got.frames(side), whole.frames(side)
        assert mine is not None and theirs is not None
        np.testing.assert_array_equal(mine.seq, theirs.seq)
        np.testing.assert_array_equal(mine.time_us, theirs.time_us)
        np.testing.assert_array_equal(mine.values, theirs.values)


def test_a_device_that_restarts_without_saying_so_is_not_a_replay() -> None:
    """Sequence numbers and device times start again from 0 (a board reset, no DEVICE_INFO):
    the new frames measure other values, so they are delivered, out of order, not dropped."""
    data = _walk_frames(100) + _walk_frames(100, first_value=1234)
    got = decode_chunks([data])
    assert got.counters.duplicates == 0 and got.counters.out_of_order == 2
    assert got.counters.frames_left == got.counters.frames_right == 200
