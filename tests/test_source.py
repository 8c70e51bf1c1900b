"""``open_source``: a recording read a range of frames at a time equals ``pressure.load``'s
session, whole and in any range of frames, for every recording: the sample data, simulated
walks (both feet, 16 and 99 sensors), a reconnect, a one-foot link whose role names the foot,
a sensor count that changes, values out of range, damaged copies (a bit flipped in header
fields, bytes inserted, deleted or zeroed, a cut file), and line mode (loaded whole). The
streaming decoder is fed in small pieces here (``FEED_BYTES``), so that a recording of a few
seconds is cut as many times as an hour-long one."""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import pressure.io.recording_source as streaming
from firmware_protocol import DeviceInfo, Side, Status, Unit, encode, encode_samples
from firmware_protocol.spec import StatusCode
from pressure.io.load import load
from pressure.io.recording import RecordingWriter, Role
from pressure.io.source import SessionSource, open_source
from pressure.model import FootRecording, Session

from .damage import damaged_copy, flip_cases, record_fields, write_two_links

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted((ROOT / "sample_data").rglob("*.insole"))


@pytest.fixture(autouse=True)
def small_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    """Feed the decoders a few KiB at a time (and detect the mode from the first of them)."""
    monkeypatch.setattr(streaming, "FEED_BYTES", 3000)
    monkeypatch.setattr(streaming, "_DETECT_BYTES", 1000)


def assert_same_foot(got: FootRecording, want: FootRecording, where: str = "") -> None:
    np.testing.assert_array_equal(got.time_s, want.time_s, err_msg=where)
    np.testing.assert_array_equal(got.values, want.values, err_msg=where)  # NaN where NaN
    assert got.values.dtype == want.values.dtype
    assert set(got.vendor) == set(want.vendor), where
    for name in ("seq", "device_time_s"):
        np.testing.assert_array_equal(got.vendor[name], want.vendor[name], err_msg=where)
    assert got.unit == want.unit, where
    assert got.sampling_rate_hz == want.sampling_rate_hz, where
    assert (got.layout and got.layout.name) == (want.layout and want.layout.name), where
    assert got.total_force_n is None and want.total_force_n is None


def assert_same(source: SessionSource, want: Session, where: str = "") -> None:
    """``source.session()`` is ``want``, and so is any range of frames of each foot."""
    got = source.session()
    assert got.path == want.path and got.format == want.format, where
    assert set(got.feet) == set(want.feet), (where, got.problems, want.problems)
    for side, foot in want.feet.items():
        assert_same_foot(got.feet[side], foot, f"{where}: {side}")
    assert got.metadata == want.metadata, where
    assert got.quality == want.quality, where
    assert got.problems == want.problems, where
    assert got.events == want.events, where
    rng = np.random.default_rng(len(where))
    for side, foot in want.feet.items():
        feet = source.feet[side]
        n = foot.n_frames
        ranges = [(0, 0), (0, 1), (n - 1, n), (0, n), *rng.integers(0, n + 1, (5, 2)).tolist()]
        for a, b in ranges:
            a, b = min(a, b), max(a, b)
            assert_same_foot(feet.frames(a, b), foot.frames(a, b), f"{where}: {side} {a}:{b}")
        chunks = list(feet.chunks(frames=max(1, n // 3)))
        assert sum(c.n_frames for _, c in chunks) == n


def check(path: Path, where: str = "") -> SessionSource:
    want = load(path)
    with open_source(path) as source:
        assert_same(source, want, where or path.name)
    return source


def test_streaming_is_what_a_recording_gets(tmp_path: Path) -> None:
    path = SAMPLES[0]
    with open_source(path) as source:
        folder = _spill_folder(source)
        assert folder is not None and folder.is_dir()
        assert Path(tempfile.gettempdir()) in folder.parents
        assert source.feet  # a foot's frames come from the spill, not from a loaded session
    assert not folder.exists()


def _spill_folder(source: SessionSource) -> Path | None:
    read: Any = next(iter(source.feet.values())).read
    cells = [c.cell_contents for c in read.__closure__ or ()]
    spilled = [c for c in cells if isinstance(c, streaming._SpilledFoot)]
    return spilled[0].spill.folder.path if spilled else None


def test_reading_a_closed_source_says_so() -> None:
    from pressure.errors import UsageError

    source = open_source(SAMPLES[0])
    source.close()
    with pytest.raises(UsageError, match="closed"):
        source.feet["left"].frames(0, 10)


def test_the_spill_goes_when_the_source_is_dropped() -> None:
    source = open_source(SAMPLES[0])
    folder = _spill_folder(source)
    assert folder is not None and folder.is_dir()
    del source
    gc.collect()
    assert not folder.exists()


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_sample_recordings(path: Path) -> None:
    check(path)


def test_sample_recordings_fed_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the real piece sizes (a sample's link is fed at once)."""
    monkeypatch.setattr(streaming, "FEED_BYTES", 4 << 20)
    monkeypatch.setattr(streaming, "_DETECT_BYTES", 1 << 20)
    check(SAMPLES[0])


def test_medians_of_steps_that_take_many_values(monkeypatch: pytest.MonkeyPatch) -> None:
    """Steps that take more values than are counted: their median from all of them."""
    monkeypatch.setattr(streaming, "_DISTINCT_STEPS", 1)
    check(SAMPLES[-1])


@pytest.mark.parametrize("sensors", [16, 99])
def test_simulated_walks(tmp_path: Path, sensors: int) -> None:
    from pressure.simulator import SyntheticGait
    from pressure.simulator.output import write_recording
    from pressure.simulator.signals import GaitSignal

    gait = SyntheticGait(seconds=40.0, sensors=sensors, seed=3)
    path = tmp_path / f"walk_{sensors}.insole"
    write_recording(path, GaitSignal(gait), session={"simulated": gait.truth()})
    source = check(path)
    assert set(source.feet) == {"left", "right"}


def _info(side: int, sensors: int = 6, rate: float = 100.0, scale: float = 0.5) -> DeviceInfo:
    return DeviceInfo(10 + side, (1, 0, 0), side, sensors, "sim6", rate, Unit.KPA, 0, scale)


def _samples(
    side: int, n: int, sensors: int = 6, rate: float = 100.0, t0_us: int = 0, seed: int = 0
) -> bytes:
    rng = np.random.default_rng(seed + side)
    k = np.arange(n)
    values = rng.integers(0, 4000, (n, sensors), dtype=np.uint16)
    t_us = t0_us + np.round(k * 1e6 / rate).astype(np.int64)
    return encode_samples(k, np.full(n, side), t_us % (1 << 32), values)


def _write(
    path: Path, links: list[tuple[Role, list[tuple[float, bytes]]]], events: Sequence[Any] = ()
) -> None:
    """A recording of ``links`` (role, [(host time s, bytes)]), flushed every 0.25 s, with
    ``events`` (kind, link index, host time s) in time order among the blocks."""
    with RecordingWriter(path, session={"subject.body_mass_kg": 70.0}) as writer:
        ids = [writer.add_link(f"/dev/ttyACM{k}", role) for k, (role, _) in enumerate(links)]
        pending = sorted(
            [(t, 1, ids[k], data) for k, (_, parts) in enumerate(links) for t, data in parts]
            + [(t, 0, ids[k], kind) for kind, k, t in events],
            key=lambda e: (e[0], e[1]),
        )
        flushed = 0.0
        for t, is_data, link, what in pending:
            ns = round(t * 1e9)
            if is_data:
                writer.received(link, what, ns)
            else:
                writer.event(what, link, host_ns=ns)
            if t - flushed >= 0.25:
                writer.flush(fsync=False)
                flushed = t


def _pieces(data: bytes, start_s: float, seconds: float, drift: float = 1.0) -> list[Any]:
    """``data`` arriving in 10 ms reads over ``seconds`` from ``start_s`` (a late host:
    ``drift``), with a little jitter."""
    n = max(1, round(seconds * 100))
    size = -(-len(data) // n)
    rng = np.random.default_rng(len(data))
    return [
        (
            start_s + drift * (i + 1) * 0.01 + float(rng.uniform(0, 0.004)),
            data[i * size : (i + 1) * size],
        )
        for i in range(n)
        if data[i * size : (i + 1) * size]
    ]


def test_a_reconnect_and_a_drifting_clock(tmp_path: Path) -> None:
    """Two connections of one link (the device restarted its clock), each with its own fit;
    40 s each, so that the drift is estimated; and a right insole on a second link."""
    first = encode(_info(Side.LEFT)) + _samples(Side.LEFT, 4000, t0_us=5_000_000)
    boot = encode(Status(StatusCode.BOOT)) + encode(_info(Side.LEFT))
    second = boot + _samples(Side.LEFT, 4000, seed=1)
    right = encode(_info(Side.RIGHT)) + _samples(Side.RIGHT, 8500)
    path = tmp_path / "reconnect.insole"
    _write(
        path,
        [
            ("left", _pieces(first, 0.0, 40.0, 1.00005) + _pieces(second, 42.0, 40.0, 1.00005)),
            ("right", _pieces(right, 0.0, 85.0)),
        ],
        [("connected", 0, 0.0), ("disconnected", 0, 40.6), ("reconnected", 0, 41.5)],
    )
    want = load(path)
    assert len([c for c in want.metadata["clock"] if c["link"] == 0]) == 2
    assert all(c["drift_ppm"] is not None for c in want.metadata["clock"])
    check(path)


def test_a_one_foot_link_takes_its_role(tmp_path: Path) -> None:
    """Two insoles that both say "left": the recorded role decides the second's side."""
    left = encode(_info(Side.LEFT)) + _samples(Side.LEFT, 500)
    also_left = encode(_info(Side.LEFT)) + _samples(Side.LEFT, 500, seed=5)
    path = tmp_path / "roles.insole"
    _write(path, [("left", _pieces(left, 0.0, 5.0)), ("right", _pieces(also_left, 0.0, 5.0))])
    source = check(path)
    assert set(source.feet) == {"left", "right"}


def test_values_out_of_range_and_a_changing_sensor_count(tmp_path: Path) -> None:
    """Counts of 65535 × 0.5 kPa are beyond what a sensor measures (left out, counted and
    said as ``load`` says it); a right foot whose sensor count changes is left out."""
    n = 600
    values = np.random.default_rng(1).integers(0, 4000, (n, 6), dtype=np.uint16)
    values[[17, 18, 400], [2, 5, 0]] = 65535
    t_us = np.round(np.arange(n) * 1e4).astype(np.int64)
    left = encode(_info(Side.LEFT)) + encode_samples(np.arange(n), np.full(n, 0), t_us, values)
    right = (
        encode(_info(Side.RIGHT))
        + _samples(Side.RIGHT, 300)
        + encode(_info(Side.RIGHT, sensors=8))
        + _samples(Side.RIGHT, 300, sensors=8, t0_us=3_000_000)
    )
    path = tmp_path / "range.insole"
    _write(path, [("both", _pieces(left + right, 0.0, 6.0))])
    want = load(path)
    assert want.quality["values_out_of_range"] == 3
    assert "right" in " ".join(want.problems) and "right" not in want.feet
    check(path)


def test_two_feet_of_different_sizes_on_one_link(tmp_path: Path) -> None:
    """Frames of a 6-sensor left and an 8-sensor right insole alternate on one link."""
    left = _samples(Side.LEFT, 400)
    right = _samples(Side.RIGHT, 400, sensors=8)
    size_l, size_r = len(left) // 400, len(right) // 400
    both = b"".join(
        left[k * size_l : (k + 1) * size_l] + right[k * size_r : (k + 1) * size_r]
        for k in range(400)
    )
    data = encode(_info(Side.LEFT)) + encode(_info(Side.RIGHT, sensors=8)) + both
    path = tmp_path / "mixed.insole"
    _write(path, [("both", _pieces(data, 0.0, 4.0))])
    source = check(path)
    assert {s: f.n_sensors for s, f in source.feet.items()} == {"left": 6, "right": 8}


@pytest.fixture(scope="module")
def two_links(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A recording as ``test_recording_damage``'s: two links, 6 sensors at 200 Hz, 10 s."""
    return write_two_links(tmp_path_factory.mktemp("source") / "walk.insole")


def _damaged(raw: bytes) -> Iterator[tuple[str, bytes]]:
    """Copies of ``raw`` with a bit flipped in header fields, bytes inserted, deleted or
    zeroed at 12 places each, and cut short."""
    cases = flip_cases(raw)
    for case, at, bit in cases[:: max(1, len(cases) // 40)]:
        damaged = bytearray(raw)
        damaged[at] ^= 1 << bit
        yield case, bytes(damaged)
    rng = np.random.default_rng(23)
    for kind in ("insert", "delete", "zero"):
        for at in rng.integers(8, len(raw) - 5000, 12).tolist():
            yield f"{kind} at {at}", damaged_copy(raw, kind, at, rng)
    for keep in (len(raw) // 3, len(raw) - 100):
        yield f"cut at {keep}", raw[:keep]


def test_damaged_recordings(two_links: Path, tmp_path: Path) -> None:
    raw = two_links.read_bytes()
    target = tmp_path / "damaged.insole"
    seen = 0
    for case, data in _damaged(raw):
        target.write_bytes(data)
        check(target, case)
        seen += 1
    assert seen > 60


def test_damaged_receipts_are_repaired_alike(two_links: Path, tmp_path: Path) -> None:
    """A block whose CRC fails, or whose host time is out of order: the link's receipts are
    repaired as ``load`` repairs them (held whole)."""
    raw = two_links.read_bytes()
    stamps = [
        f
        for name, fields in record_fields(raw)
        if name.startswith("message")
        for f in fields
        if f.name in ("block last receipt host_ns", "block wire byte")
    ]
    assert len(stamps) > 40
    target = tmp_path / "receipts.insole"
    repaired = 0
    for f in stamps[10:40:3]:
        damaged = bytearray(raw)
        damaged[f.offset + f.size - 1] ^= 0x40
        target.write_bytes(bytes(damaged))
        want = load(target)
        assert "damaged" in " ".join(want.problems)
        repaired += want.quality.get("bad_receipts", 0)
        check(target, f"{f.name} at {f.offset}")
    assert repaired


def test_line_mode_is_loaded_whole(tmp_path: Path) -> None:
    from pressure.simulator import SyntheticGait
    from pressure.simulator.output import write_recording
    from pressure.simulator.signals import GaitSignal
    from pressure.simulator.sketch import SketchFormat

    gait = SyntheticGait(seconds=10.0, sensors=8, seed=2)
    path = tmp_path / "sketch.insole"
    write_recording(path, GaitSignal(gait), sketch=SketchFormat("header"))
    assert streaming.open_recording(path, dict) is None
    source = check(path)
    assert _spill_folder(source) is None


def test_other_formats_are_loaded_whole(tmp_path: Path) -> None:
    from pressure.simulator import SyntheticGait
    from pressure.simulator.output import write_capture
    from pressure.simulator.signals import GaitSignal

    path = tmp_path / "capture.bin"
    write_capture(path, GaitSignal(SyntheticGait(seconds=5.0, sensors=8, seed=2)))
    check(path)


def test_errors_name_the_file(tmp_path: Path) -> None:
    from pressure.errors import FileFormatError

    path = tmp_path / "broken.insole"
    raw = SAMPLES[0].read_bytes()
    path.write_bytes(raw[:8] + raw[5000:9000])  # no link's channel record: nothing readable
    with pytest.raises(FileFormatError) as error:
        load(path)
    with pytest.raises(FileFormatError) as streamed:
        open_source(path)
    assert str(streamed.value) == str(error.value)
    assert str(path) in str(streamed.value) and "byte offset 8" in str(streamed.value)


@pytest.mark.parametrize("n", [2, 3, 10, 11, 1000, 1001])
@pytest.mark.parametrize("kind", ["int", "float"])
def test_a_median_step_counted_by_value_is_numpys(n: int, kind: str) -> None:
    rng = np.random.default_rng(n)
    values: np.ndarray[Any, Any]
    if kind == "int":
        values = np.cumsum(rng.choice([9999, 10000, 10001, 10003], n)).astype(np.int64)
    else:
        values = 3.25 + 1.00004 * np.cumsum(rng.choice([0.0099, 0.01, 0.0101], n))
    steps = streaming._Steps()
    for part in np.array_split(values, 7):
        steps.add(part)
    want = float(np.median(np.diff(values)))
    assert steps.median() == want


def test_a_killed_process_leaves_a_spill_that_the_next_one_removes(tmp_path: Path) -> None:
    """SIGKILL runs no clean-up: the folder stays until a process opens a source (or calls
    ``remove_stale``), which removes the folders of processes that are gone, not its own."""
    sample = Path(__file__).resolve().parent.parent / "sample_data" / "walk_normal.insole"
    code = (
        "import os, signal\n"
        "from pressure.io.source import open_source\n"
        f"source = open_source({str(sample)!r})\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    child = subprocess.run(
        [sys.executable, "-c", code], env={**os.environ, "TMPDIR": str(tmp_path)}, check=False
    )
    assert child.returncode == -signal.SIGKILL
    left = list(tmp_path.glob(f"{streaming.SPILL_PREFIX}*"))
    assert len(left) == 1 and any(left[0].iterdir())
    mine = tmp_path / f"{streaming.SPILL_PREFIX}{os.getpid()}-live"
    mine.mkdir()
    assert streaming.remove_stale(tmp_path) == left
    assert not left[0].exists() and mine.exists()
