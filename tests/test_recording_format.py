"""The recording container: written to disk and read back, torn at every point, damaged, and the
clock alignment on links with known offset, drift and latency."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from firmware_protocol import DeviceInfo, Side, Unit, encode, encode_samples
from firmware_protocol.spec import sample_frame_size
from pressure.cli import main
from pressure.errors import UsageError
from pressure.io.load import load
from pressure.io.recording import (
    RecordingWriter,
    align_clock,
    decode_recording,
    read_recording,
)
from pressure.model import Session

RATE = 200.0
SENSORS = 6
FRAME = sample_frame_size(SENSORS)


def _stream(n: int, side: int = Side.BOTH, t0_us: int = 0) -> tuple[bytes, np.ndarray]:
    """DEVICE_INFO then n samples per foot; returns (bytes, values of every frame)."""
    rng = np.random.default_rng(n)
    feet = [Side.LEFT, Side.RIGHT] if side == Side.BOTH else [side]
    k = np.repeat(np.arange(n), len(feet))
    sides = np.tile(feet, n)
    values = rng.integers(0, 4000, (len(k), SENSORS), dtype=np.uint16)
    t_us = t0_us + np.round(k * 1e6 / RATE).astype(np.int64)
    info = DeviceInfo(7, (1, 0, 0), side, SENSORS, "sim6", RATE, Unit.KPA, 0, 0.5)
    return encode(info) + encode_samples(k, sides, t_us, values), values


def _write(path: Path, data: bytes, piece: int = 500, flush_every: int = 3) -> None:
    """Write ``data`` as a link receiving ``piece`` bytes per read, arriving in real time."""
    with RecordingWriter(path, session={"subject.body_mass_kg": 71.5}) as writer:
        link = writer.add_link("test://a", "both")
        per_byte_ns = 1e9 / (RATE * 2 * (FRAME))
        for i, start in enumerate(range(0, len(data), piece)):
            chunk = data[start : start + piece]
            writer.received(link, chunk, int((start + len(chunk)) * per_byte_ns) + 2_000_000)
            if i % flush_every == 0:
                writer.flush()
        writer.event("stopped")


def test_round_trip_keeps_bytes_receipts_and_metadata(tmp_path: Path) -> None:
    data, values = _stream(400)
    path = tmp_path / "a.insole"
    _write(path, data)
    rec = read_recording(path)
    assert rec.complete and rec.ignored_tail_bytes == 0
    assert rec.links[0].data == data  # byte for byte
    assert rec.session["subject.body_mass_kg"] == 71.5
    assert rec.links[0].receipt_end[-1] == len(data)
    assert np.all(np.diff(rec.links[0].receipt_ns) >= 0)
    session = load(path)
    got = np.empty(values.shape)
    got[0::2], got[1::2] = session.feet["left"].values, session.feet["right"].values
    np.testing.assert_array_equal(got, values * 0.5)  # the device's scale
    assert session.feet["left"].unit == "kpa" and session.metadata["devices"][0]["scale"] == 0.5


def test_overwrite_is_refused_unless_asked(tmp_path: Path) -> None:
    path = tmp_path / "a.insole"
    path.write_bytes(b"precious")
    with pytest.raises(UsageError, match="already exists"):
        RecordingWriter(path)
    assert path.read_bytes() == b"precious"
    RecordingWriter(path, overwrite=True).close()
    assert read_recording(path).complete


def test_a_recording_cut_anywhere_reads_up_to_its_last_whole_message(tmp_path: Path) -> None:
    """What a kill -9 or a power cut leaves: any prefix of the file."""
    data, _ = _stream(300)
    whole = tmp_path / "whole.insole"
    _write(whole, data, piece=700, flush_every=1)
    raw = whole.read_bytes()
    rec = read_recording(whole)
    cut_file = tmp_path / "cut.insole"
    previous = -1
    for cut in range(8, len(raw), 97):
        cut_file.write_bytes(raw[:cut])
        got = read_recording(cut_file)
        assert not got.complete or cut == len(raw)
        kept = got.links[0].data if got.links else b""
        assert data.startswith(kept)  # a prefix, never garbage
        assert len(kept) >= previous  # more file, never less data
        previous = len(kept)
    assert previous >= len(rec.links[0].data) - 2 * 700


def test_damage_inside_a_recording_names_the_byte_offset(tmp_path: Path) -> None:
    """The record-length field of the link's channel record is broken: the reader skips to the
    next readable record, names the damaged region, and still finds every wire block (the
    channel is repeated in the file's summary)."""
    data, _ = _stream(200)
    path = tmp_path / "a.insole"
    _write(path, data)
    raw = bytearray(path.read_bytes())
    idx = raw.index(b"/link/0")
    raw[idx - 30 : idx - 22] = b"\xff" * 8
    path.write_bytes(bytes(raw))
    rec = read_recording(path)
    assert len(rec.damaged) == 1 and rec.damaged[0][0] < idx
    assert rec.links[0].data == data
    session = load(path)
    assert any(f"byte offset {rec.damaged[0][0]}" in p for p in session.problems)


@pytest.mark.parametrize(
    "damage", ["insert 1", "insert 16", "delete 1", "delete 16", "zero 4096", "flip opcode"]
)
def test_a_damaged_region_costs_only_the_records_it_touches(tmp_path: Path, damage: str) -> None:
    """Bytes inserted, deleted or zeroed in the middle of a 30 s recording, or one record's
    opcode flipped: the file opens, frames are only lost near the damage (no more than the
    blocks touched, each ~0.25 s of two feet at 200 Hz, plus one), none is invented, and the
    region is reported."""
    data, _ = _stream(6000)  # 6000 frames a foot
    path = tmp_path / "a.insole"
    _write(path, data, piece=2000, flush_every=1)
    whole = load(path)
    raw = bytearray(path.read_bytes())
    middle = len(raw) // 2
    kind, amount = damage.rsplit(" ", 1) if damage != "flip opcode" else ("flip", "0")
    if kind == "insert":
        raw[middle:middle] = bytes(range(7, 7 + int(amount)))
    elif kind == "delete":
        del raw[middle : middle + int(amount)]
    elif kind == "zero":
        raw[middle : middle + int(amount)] = bytes(int(amount))
    else:  # the opcode of the first message record after the middle
        at = 8  # after the magic: walk the records (opcode u8, length u64)
        while not (at > middle and raw[at] == 0x05):
            at += 9 + int.from_bytes(raw[at + 1 : at + 9], "little")
        raw[at] ^= 0x40
    damaged_path = tmp_path / "b.insole"
    damaged_path.write_bytes(bytes(raw))
    rec = read_recording(damaged_path)
    assert rec.damaged, damage
    session = load(damaged_path)
    assert any("damaged" in p for p in session.problems), session.problems
    for side in ("left", "right"):
        got, full = session.feet[side], whole.feet[side]
        lost = full.n_frames - got.n_frames
        assert 0 <= lost <= 2 * 110, (damage, side, lost)  # at most two blocks of ~0.5 s
        # no phantom frame: every frame kept is one of the whole file's, at its time
        index = np.searchsorted(full.time_s, got.time_s)
        assert np.all(index < full.n_frames)
        np.testing.assert_allclose(full.time_s[index], got.time_s, atol=1e-6)
        np.testing.assert_array_equal(full.values[index], got.values)


def test_a_flipped_wire_byte_costs_only_the_frame_it_touches(tmp_path: Path) -> None:
    data, _ = _stream(200)
    path = tmp_path / "a.insole"
    _write(path, data)
    raw = bytearray(path.read_bytes())
    frame = data[-200:-150]  # somewhere in the last frames
    raw[raw.index(frame) + 20] ^= 0x40
    path.write_bytes(bytes(raw))
    session = load(path)
    assert session.feet["left"].n_frames + session.feet["right"].n_frames == 2 * 200 - 1
    assert session.quality["frames_lost"] == 1
    assert 0 < session.quality["bytes_skipped"] <= FRAME


@pytest.mark.parametrize("drift_ppm", [0.0, 80.0, -150.0])
def test_clock_alignment_recovers_offset_and_drift(drift_ppm: float) -> None:
    rng = np.random.default_rng(1)
    device_s = np.arange(0, 60, 0.001)
    offset = 12.345
    latency = 0.0015 + rng.exponential(0.004, device_s.size)  # always late, sometimes very
    latency[20_000:21_500] += 0.3  # a stall of a second and a half
    host_s = offset + device_s * (1 + drift_ppm * 1e-6) + latency
    got_offset, slope = align_clock(device_s, host_s)
    assert (slope - 1) * 1e6 == pytest.approx(drift_ppm, abs=2.0)
    # the fixed part of the latency stays in the offset (nothing can see it); within 0.5 ms
    assert got_offset == pytest.approx(offset + 0.0015, abs=5e-4)
    aligned = got_offset + slope * device_s
    assert np.all(aligned <= host_s + 1e-4)  # no frame is placed after its arrival


def test_two_links_share_one_time_axis(tmp_path: Path) -> None:
    """Two insoles with different boot times land on one host axis within a millisecond."""
    left, _ = _stream(600, Side.LEFT, t0_us=5_000_000)
    right, _ = _stream(600, Side.RIGHT, t0_us=123_456_789)
    path = tmp_path / "two.insole"
    frame = FRAME
    with RecordingWriter(path) as writer:
        a = writer.add_link("test://left", "left")
        b = writer.add_link("test://right", "right")
        for data, link, lag in ((left, a, 0.001), (right, b, 0.003)):
            info_len = len(data) - 600 * frame
            for k in range(600):  # one frame per read, each read 1-3 ms after the sample
                end = info_len + (k + 1) * frame
                host_ns = int((k / RATE + lag + 0.001 * (k % 3)) * 1e9)
                writer.received(link, data[end - frame if k else 0 : end], host_ns)
            writer.flush()
    session = load(path)
    lt, rt = session.feet["left"].time_s, session.feet["right"].time_s
    assert lt[0] == pytest.approx(0.001, abs=1e-3)
    assert rt[0] == pytest.approx(0.003, abs=1e-3)
    np.testing.assert_allclose(np.diff(lt), 1 / RATE, atol=1e-6)
    assert len(decode_recording(read_recording(path))) == 2


def test_convert_writes_a_tidy_table_with_units(tmp_path: Path) -> None:
    data, values = _stream(50)
    path = tmp_path / "a.insole"
    _write(path, data)
    for suffix in ("csv", "parquet"):
        out = tmp_path / f"a.{suffix}"
        assert main(["convert", str(path), str(out)]) == 0
        table = pd.read_csv(out) if suffix == "csv" else pd.read_parquet(out)
        assert list(table.columns[:4]) == ["time_s", "side", "seq", "device_time_s"]
        assert list(table.columns[4:]) == [f"sensor_{k}_kpa" for k in range(1, SENSORS + 1)]
        assert len(table) == 100
        left = table[table["side"] == "left"]
        np.testing.assert_allclose(left.iloc[:, 4:].to_numpy(), values[0::2] * 0.5)
        assert left["seq"].tolist() == list(range(50))
        assert table["time_s"].is_monotonic_increasing
    assert main(["convert", str(path), str(tmp_path / "a.csv")]) == 2  # exists
    assert main(["convert", str(path), str(tmp_path / "a.xlsx")]) == 2


def test_info_reports_the_recording(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    data, _ = _stream(100)
    path = tmp_path / "a.insole"
    _write(path, data)
    assert main(["info", "--json", str(path)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["frames"] == {"left": 100, "right": 100}
    assert report["recording"]["complete"] is True
    assert report["recording"]["session"]["subject.body_mass_kg"] == 71.5


def test_scaled_values_carry_no_float32_noise(tmp_path: Path) -> None:
    """A device scale of 0.1 travels as float32; the table says 50.3, not 50.30000075."""
    info = DeviceInfo(1, (1, 0, 0), Side.LEFT, 2, "", 100.0, Unit.KPA, 0, 0.1)
    values = np.array([[503, 7], [1, 65535]], dtype=np.uint16)
    capture = tmp_path / "c.bin"
    capture.write_bytes(encode(info) + encode_samples([0, 1], [0, 0], [0, 10_000], values))
    out = tmp_path / "c.csv"
    assert main(["convert", str(capture), str(out)]) == 0
    table = pd.read_csv(out)
    assert table["sensor_1_kpa"].tolist() == [50.3, 0.1]
    assert table["sensor_2_kpa"].tolist() == [0.7, 6553.5]
    assert "0000" not in out.read_text()


def test_an_interrupted_simulated_recording_leaves_no_file(tmp_path: Path) -> None:
    from pressure.simulator import GaitSignal, SignalBlock, SyntheticGait, write_recording

    class Interrupted(GaitSignal):
        def blocks(self) -> Iterator[SignalBlock]:
            blocks = super().blocks()
            yield next(blocks)
            raise KeyboardInterrupt

    path = tmp_path / "half.insole"
    with pytest.raises(KeyboardInterrupt):
        write_recording(path, Interrupted(SyntheticGait(seconds=600)))
    assert not path.exists()


def test_a_cut_recording_says_so_in_quality_problems_and_the_analysis(tmp_path: Path) -> None:
    """The first 5000 bytes of a walk (a copy cut short, a recorder killed at once): the
    reader's truncation reaches quality and problems, and the analysis says the session is too
    short to represent gait or stance; a whole 10 s walk carries neither note."""
    from pressure.analysis import analyze
    from pressure.cli import main as cli_main

    whole = tmp_path / "walk.insole"
    assert cli_main(["simulate", "--out", str(whole), "--seconds", "10"]) == 0
    cut = tmp_path / "cut.insole"
    cut.write_bytes(whole.read_bytes()[:5000])
    session = load(cut)
    assert session.quality["recording_cut_bytes"] > 0
    assert any("not closed by its recorder" in p for p in session.problems)
    problems = analyze(session).problems
    assert any("under 5 s" in p and "do not represent" in p for p in problems), problems
    full = load(whole)
    assert "recording_cut_bytes" not in full.quality
    assert not any("under 5 s" in p for p in analyze(full).problems)


def test_a_walk_with_too_few_steady_steps_says_so(tmp_path: Path) -> None:
    """Under 30 steady steps a foot (Melvin et al. 2014) the analysis says its means are
    indicative only, per foot; a walk long enough carries no such note."""
    from pressure.analysis import analyze
    from pressure.cli import main as cli_main

    short, long = tmp_path / "short.insole", tmp_path / "long.insole"
    assert cli_main(["simulate", "--out", str(short), "--seconds", "20"]) == 0
    assert cli_main(["simulate", "--out", str(long), "--seconds", "60"]) == 0
    few = analyze(load(short))
    assert all((few.gait.steps_steady[side] or 0) < 30 for side in ("left", "right"))
    for side in ("left", "right"):
        assert any(p.startswith(f"{side} foot:") and "Melvin" in p for p in few.problems)
    enough = analyze(load(long))
    assert all((enough.gait.steps_steady[side] or 0) >= 30 for side in ("left", "right"))
    assert not any("Melvin" in p for p in enough.problems)


@pytest.fixture
def first_encoding(monkeypatch: pytest.MonkeyPatch) -> None:
    """The writer as it was before blocks carried a CRC (``pressure.wire.v1``): files written
    then must keep opening."""
    from pressure.io import recording

    def pack_v1(channel: int, receipts: list[tuple[int, int]], data: bytes) -> bytes:
        table = np.array(receipts, dtype=recording.RECEIPT)
        return len(table).to_bytes(4, "little") + table.tobytes() + data

    monkeypatch.setattr(recording, "WIRE_ENCODING", "pressure.wire.v1")
    monkeypatch.setattr(recording, "_pack_block", pack_v1)


def test_a_recording_of_the_first_encoding_still_opens(
    tmp_path: Path, first_encoding: None
) -> None:
    data, _ = _stream(400)
    path = tmp_path / "a.insole"
    _write(path, data)
    assert b"pressure.wire.v1" in path.read_bytes()
    rec = read_recording(path)
    assert not rec.links[0].checked and rec.links[0].data == data and not rec.damaged
    got = load(path)
    assert got.feet["left"].n_frames == got.feet["right"].n_frames == 400


def _flip_a_receipt_bit(tmp_path: Path, bit: int) -> tuple[Session, Session]:
    """A 400-frame recording and a copy with ``bit`` of its 21st receipt's host time flipped,
    both loaded."""
    data, _ = _stream(400)
    path = tmp_path / "a.insole"
    _write(path, data)
    whole = load(path)
    target = int(read_recording(path).links[0].receipt_ns[20])
    raw = bytearray(path.read_bytes())
    at = raw.find(target.to_bytes(8, "little", signed=True))
    assert at > 0
    raw[at + bit // 8] ^= 1 << (bit % 8)
    damaged_path = tmp_path / "b.insole"
    damaged_path.write_bytes(bytes(raw))
    return whole, load(damaged_path)


@pytest.mark.parametrize("bit", [7, 30, 62, 63], ids=["low", "seconds", "years", "sign"])
def test_a_flipped_bit_in_a_receipt_costs_only_its_blocks_host_times(
    tmp_path: Path, bit: int
) -> None:
    """A bit flipped in one receipt's host time (by 128 ns up to the sign: −9.2e9 s): the
    block's CRC fails, so its receipts are replaced by their neighbours' interpolation; counted
    and reported with the region; every frame's time is what it was (within 1 ms), and every
    frame is kept (binary frames prove themselves)."""
    whole, damaged = _flip_a_receipt_bit(tmp_path, bit)
    for side in ("left", "right"):
        assert damaged.feet[side].n_frames == whole.feet[side].n_frames
        shift = np.abs(damaged.feet[side].time_s - whole.feet[side].time_s).max()
        assert shift < 1e-3, (side, shift)
    assert damaged.quality["bad_receipts"] == 3  # the block's (three reads a flush)
    assert any("CRC fails" in p and "between" in p for p in damaged.problems), damaged.problems


@pytest.mark.parametrize("bit", [7, 30, 62, 63], ids=["low", "seconds", "years", "sign"])
def test_a_flipped_receipt_bit_without_a_crc_costs_only_that_receipt(
    tmp_path: Path, bit: int, first_encoding: None
) -> None:
    """The same flip in a recording of the first encoding (no CRC): a receipt out of the host
    clock's order is found, replaced by its neighbours' interpolation, counted and reported;
    every frame's time is what it was, or within the flip for a small one that stays in
    order."""
    whole, damaged = _flip_a_receipt_bit(tmp_path, bit)
    for side in ("left", "right"):
        shift = np.abs(damaged.feet[side].time_s - whole.feet[side].time_s).max()
        assert shift < 1e-3, (side, shift)  # a flip that stays in order moves one receipt only
    if bit >= 30:  # out of order: found, replaced and said
        assert damaged.quality["bad_receipts"] == 1
        assert any("receipt time damaged" in p for p in damaged.problems)
