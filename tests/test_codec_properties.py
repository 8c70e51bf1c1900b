"""Properties of the codec, checked by hypothesis.

The damage tests are derandomised: a CRC-16 lets a damaged candidate through with probability
2^-16 for some kinds of damage (PROTOCOL.md §6), so a random seed could, very rarely, make them
flaky; a fixed set of examples keeps every run identical.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from firmware_protocol import (
    Command,
    DeviceInfo,
    SampleBlock,
    SampleFrame,
    Status,
    StreamDecoder,
    decode_capture,
    encode,
    encode_samples,
)

from .strategies import commands, device_infos, sample_frames, sample_streams, statuses

DAMAGE = settings(
    max_examples=150,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def decode_all(data: bytes, chunks: list[int] | None = None) -> tuple[list[Any], StreamDecoder]:
    decoder = StreamDecoder()
    out: list[Any] = []
    if chunks is None:
        out += decoder.feed(data)
    else:
        pos = 0
        for size in chunks:
            out += decoder.feed(data[pos : pos + size])
            pos += size
        out += decoder.feed(data[pos:])
    out += decoder.close()
    return out, decoder


def flatten(messages: list[Any]) -> list[Any]:
    out: list[Any] = []
    for m in messages:
        out.extend(m.frames() if isinstance(m, SampleBlock) else [m])
    return out


@given(st.one_of(sample_frames(), device_infos, statuses, commands))
@settings(deadline=None, suppress_health_check=[HealthCheck.data_too_large])
def test_decode_of_encode_is_identity(message: SampleFrame | DeviceInfo | Status | Command) -> None:
    messages, decoder = decode_all(encode(message))
    assert flatten(messages) == [message]
    assert decoder.errors == []


@given(st.integers(1, 4096), st.data())
@settings(max_examples=40, deadline=None)
def test_every_sensor_count_round_trips(n_values: int, data: st.DataObject) -> None:
    frame = data.draw(sample_frames(n_values=n_values))
    assert flatten(decode_all(encode(frame))[0]) == [frame]


@given(sample_streams())
@settings(deadline=None)
def test_vectorised_encoder_equals_scalar(frames: list[SampleFrame]) -> None:
    bulk = encode_samples(
        [f.seq for f in frames],
        [f.side for f in frames],
        [f.t_us for f in frames],
        np.array([f.values for f in frames]),
    )
    assert bulk == b"".join(encode(f) for f in frames)


@given(sample_streams(), st.lists(st.integers(0, 200), max_size=40))
@settings(deadline=None)
def test_any_split_into_chunks_gives_the_same_frames(
    frames: list[SampleFrame], chunks: list[int]
) -> None:
    data = encode(DeviceInfo(1, (1, 0, 0), 2, len(frames[0].values), "x", 100.0))
    data += b"".join(encode(f) for f in frames)
    whole, d1 = decode_all(data)
    split, d2 = decode_all(data, chunks)
    assert flatten(split) == flatten(whole)
    assert flatten(whole)[1:] == frames
    assert d1.counters == d2.counters


@given(st.binary(max_size=4000))
@settings(max_examples=300, deadline=None)
def test_random_bytes_never_raise(data: bytes) -> None:
    messages, decoder = decode_all(data)
    c = decoder.counters
    framed = sum(len(m) for m in messages if isinstance(m, SampleBlock))
    assert c.bytes_skipped <= len(data)
    assert framed <= len(data) // 20


@given(st.binary(max_size=2000), st.lists(st.integers(1, 64), max_size=30))
@settings(max_examples=100, deadline=None)
def test_random_bytes_in_chunks_never_raise(data: bytes, chunks: list[int]) -> None:
    decode_all(data, chunks)


@st.composite
def damaged_streams(draw: st.DrawFn) -> tuple[list[SampleFrame], bytes, set[int]]:
    """A clean stream with K local damages far apart; returns frames, bytes, touched frames."""
    frames = draw(sample_streams(max_frames=80).filter(lambda f: len(f) >= 8))
    encoded = [encode(f) for f in frames]
    k = draw(st.integers(1, max(1, len(frames) // 4)))
    # damage frames at least 3 apart, so damages never meet
    candidates = list(range(0, len(frames), 3))
    targets = sorted(
        draw(st.lists(st.sampled_from(candidates), min_size=1, max_size=k, unique=True))
    )
    touched: set[int] = set()
    pieces: list[bytes] = []
    for i, raw in enumerate(encoded):
        if i not in targets:
            pieces.append(raw)
            continue
        kind = draw(st.sampled_from(["flip", "delete", "insert", "insert_between"]))
        at = draw(st.integers(0, len(raw) - 1))
        if kind == "flip":
            b = bytearray(raw)
            b[at] ^= draw(st.integers(1, 255))
            if at + 1 < len(b) and draw(st.booleans()):
                b[at + 1] ^= draw(st.integers(0, 255))
            pieces.append(bytes(b))
            touched.add(i)
        elif kind == "delete":
            n = draw(st.integers(1, 3))
            pieces.append(raw[:at] + raw[at + n :])
            touched.add(i)
        elif kind == "insert":
            junk = draw(st.binary(min_size=1, max_size=12))
            pieces.append(raw[:at] + junk + raw[at:])
            touched.add(i)
        else:
            junk = draw(st.binary(min_size=1, max_size=40))
            pieces.append(junk + raw)  # between frames: touches none
    return frames, b"".join(pieces), touched


@given(damaged_streams())
@DAMAGE
def test_damage_costs_at_most_the_frames_it_touches(
    case: tuple[list[SampleFrame], bytes, set[int]],
) -> None:
    frames, data, touched = case
    got = flatten(decode_all(data)[0])
    untouched = [f for i, f in enumerate(frames) if i not in touched]
    # never a frame that was not sent, in order
    sent = iter(frames)
    assert all(any(g == s for s in sent) for g in got)
    # every frame the damage did not touch is there
    assert [g for g in got if g in untouched] == untouched
    assert len(got) >= len(frames) - len(touched)


@given(damaged_streams(), st.lists(st.integers(1, 300), max_size=30))
@DAMAGE
def test_bulk_decode_equals_stream_decode_on_damaged_input(
    case: tuple[list[SampleFrame], bytes, set[int]], chunks: list[int]
) -> None:
    _, data, _ = case
    streamed, decoder = decode_all(data, chunks)
    capture = decode_capture(data, mode="binary")
    bulk = [f for b in capture.blocks for f in b.frames()]
    assert bulk == [f for f in flatten(streamed) if isinstance(f, SampleFrame)]
    bulk_time = [b.time_us for b in capture.blocks]
    stream_time = [m.time_us for m in streamed if isinstance(m, SampleBlock)]
    assert np.array_equal(
        np.concatenate(bulk_time or [np.zeros(0, np.int64)]),
        np.concatenate(stream_time or [np.zeros(0, np.int64)]),
    )
    for name in ("crc_errors", "header_errors", "bytes_skipped", "frames_lost"):
        assert getattr(capture.counters, name) == getattr(decoder.counters, name), name


@given(st.integers(0, 400), st.integers(0, 150), st.integers(0, 0xFFFF), st.data())
@settings(max_examples=60, deadline=None)
def test_vectorised_crc_equals_scalar(
    n_rows: int, half_length: int, init: int, data: st.DataObject
) -> None:
    from firmware_protocol import crc16, crc16_rows

    seed = data.draw(st.integers(0, 2**32 - 1))
    rows = np.random.default_rng(seed).integers(0, 256, (n_rows, 2 * half_length), np.uint8)
    expected = [crc16(row.tobytes(), init) for row in rows]
    assert crc16_rows(rows, init).tolist() == expected
    if n_rows:  # a column slice of a wider array, as the decoder passes it
        wide = np.zeros((n_rows, 2 * half_length + 4), np.uint8)
        wide[:, 2:-2] = rows
        assert crc16_rows(wide[:, 2:-2], init).tolist() == expected


@st.composite
def messy_streams(draw: st.DrawFn) -> bytes:
    """Valid frames with the events a receiver must handle: duplicates, gaps, backward sequence
    jumps, clock steps, restarts (DEVICE_INFO), two feet with different sensor counts."""
    n_left = draw(st.integers(1, 6))
    n_right = draw(st.integers(1, 6))
    seq = {0: draw(u16_small), 1: draw(u16_small)}
    t = {0: draw(st.integers(0, 2**32 - 1)), 1: draw(st.integers(0, 2**32 - 1))}
    out = []
    last: dict[int, bytes] = {}
    for _ in range(draw(st.integers(1, 60))):
        side = draw(st.sampled_from([0, 1]))
        event = draw(st.sampled_from(["next"] * 6 + ["dup", "gap", "back", "step", "info"]))
        if event == "dup" and side in last:
            out.append(last[side])
            continue
        if event == "info":
            out.append(encode(DeviceInfo(1, (1, 0, 0), 2, n_left, "x", 100.0)))
            continue
        if event == "gap":
            seq[side] += draw(st.integers(2, 50))
        elif event == "back":
            seq[side] -= draw(st.integers(1, 5000))
        if event == "step":
            t[side] -= draw(st.integers(1, 10**6))
        else:
            t[side] += draw(st.integers(1, 50_000))
        n = n_left if side == 0 else n_right
        frame = encode(SampleFrame(seq[side] % 65536, side, t[side] % 2**32, (7,) * n))
        last[side] = frame
        out.append(frame)
        seq[side] += 1
    return b"".join(out)


u16_small = st.integers(0, 65535)


@given(messy_streams(), st.lists(st.integers(1, 120), max_size=40))
@settings(max_examples=200, deadline=None)
def test_chunking_changes_nothing_on_messy_streams(data: bytes, chunks: list[int]) -> None:
    whole, d1 = decode_all(data)
    split, d2 = decode_all(data, chunks)
    one_by_one, d3 = decode_all(data, [1] * len(data))
    assert d1.counters == d2.counters == d3.counters
    for side in (0, 1):
        ref = [
            (f.seq, f.t_us)
            for m in whole
            if isinstance(m, SampleBlock)
            for f in m.select(m.side == side).frames()
        ]
        for other in (split, one_by_one):
            got = [
                (f.seq, f.t_us)
                for m in other
                if isinstance(m, SampleBlock)
                for f in m.select(m.side == side).frames()
            ]
            assert got == ref
        times = [
            np.concatenate(
                [m.time_us[m.side == side] for m in msgs if isinstance(m, SampleBlock)]
                or [np.zeros(0, np.int64)]
            )
            for msgs in (whole, split, one_by_one)
        ]
        assert np.array_equal(times[0], times[1]) and np.array_equal(times[0], times[2])
        if times[0].size > 1:
            assert (np.diff(times[0]) >= 0).all()
