"""``pressure convert`` as one writer: files appear whole or not at all (a write that fails or is
killed leaves nothing under the target's name), an existing OUT is kept unless ``--overwrite``,
and a CSV carries no noise digits in its times."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from firmware_protocol import DeviceInfo, Side, Unit, encode, encode_samples
from firmware_protocol.spec import sample_frame_size
from pressure.cli import main
from pressure.errors import UsageError
from pressure.io import atomic
from pressure.io.load import load
from pressure.io.readers import generic_csv
from pressure.io.recording import RecordingWriter

RATE = 200.0
SENSORS = 6


def _recording(path: Path, n: int = 300) -> Path:
    """Both feet on one link whose bytes arrive a little late, as from a real port: the
    clock fit gives host times with noise digits (0.019191596999999838)."""
    rng = np.random.default_rng(n)
    k = np.repeat(np.arange(n), 2)
    values = rng.integers(0, 4000, (len(k), SENSORS), dtype=np.uint16)
    info = DeviceInfo(7, (1, 0, 0), Side.BOTH, SENSORS, "sim6", RATE, Unit.KPA, 0, 0.5)
    data = encode(info) + encode_samples(
        k, np.tile([Side.LEFT, Side.RIGHT], n), np.round(k * 1e6 / RATE).astype(np.int64), values
    )
    per_byte_ns = 1e9 / (RATE * 2 * sample_frame_size(SENSORS))
    with RecordingWriter(path) as writer:
        link = writer.add_link("test://a", "both")
        for start in range(0, len(data), 500):
            chunk = data[start : start + 500]
            late_ns = 2_000_000 + int(rng.integers(0, 700_000))
            writer.received(link, chunk, int((start + len(chunk)) * per_byte_ns) + late_ns)
    return path


def test_csv_times_have_no_noise_digits_and_read_back_within_1_us(tmp_path: Path) -> None:
    source = _recording(tmp_path / "a.insole")
    original = load(source)
    assert any(len(repr(float(t))) > 12 for t in original.feet["left"].time_s)  # noisy
    out = tmp_path / "a.csv"
    assert main(["convert", str(source), str(out)]) == 0
    table = pd.read_csv(out, dtype=str)
    decimals = generic_csv.TIME_DECIMALS
    for column in ("time_s", "device_time_s"):
        assert all(re.fullmatch(rf"\d+\.\d{{1,{decimals}}}", t) for t in table[column]), column
    assert all(re.fullmatch(r"\d+", s) for s in table["seq"])  # whole numbers without ".0"
    assert all(re.fullmatch(r"\d+(\.\d)?", v) for v in table["sensor_1_kpa"])  # counts × 0.5
    back = load(out)
    for side, foot in original.feet.items():
        again = back.feet[side]
        np.testing.assert_allclose(again.time_s, foot.time_s, rtol=0, atol=0.5e-6 * (1 + 1e-9))
        np.testing.assert_array_equal(again.values, foot.values)
        np.testing.assert_array_equal(again.vendor["seq"], foot.vendor["seq"])
        np.testing.assert_array_equal(again.vendor["device_time_s"], foot.vendor["device_time_s"])
        assert again.sampling_rate_hz == foot.sampling_rate_hz


def test_times_rounding_would_merge_are_written_in_full(tmp_path: Path) -> None:
    """Frames closer than 1 µs cannot be rounded to it: the times keep every digit."""
    from pressure.model import FootRecording, Session

    t = np.array([0.0, 0.0000002, 0.01, 0.02])
    foot = FootRecording("left", t, np.ones((4, 2)), "kpa", 100.0)
    out = tmp_path / "close.csv"
    generic_csv.write_table(Session(Path("x"), "x", foot, None), out)
    np.testing.assert_array_equal(load(out).feet["left"].time_s, t)


def _only(folder: Path) -> set[str]:
    """Every name in ``folder``, hidden ones included."""
    return {p.name for p in folder.iterdir()}


@pytest.mark.parametrize("unnamed", [True, False], ids=["O_TMPFILE", "named temporary"])
@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_failed_write_leaves_nothing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    suffix: str,
    unnamed: bool,
) -> None:
    """A disk that fills up halfway through: no OUT, no layout file, no temporary file."""
    source = _recording(tmp_path / "a.insole")
    if not unnamed:
        monkeypatch.delattr(os, "O_TMPFILE", raising=False)
    started: list[bool] = []

    def full_disk(write):  # the real writer, then the disk is full
        def failing(*args, **kwargs):
            write(*args, **kwargs)
            started.append(True)
            raise OSError(28, "No space left on device")

        return failing

    if suffix == ".csv":
        monkeypatch.setattr(pd.DataFrame, "to_csv", full_disk(pd.DataFrame.to_csv))
    else:
        import pyarrow.parquet as pq

        monkeypatch.setattr(pq, "write_table", full_disk(pq.write_table))
    before = _only(tmp_path)
    out = tmp_path / f"out{suffix}"
    assert main(["convert", str(source), str(out)]) == 4
    err = capsys.readouterr().err
    assert f"{out}: cannot write: No space left on device" in err and len(err.splitlines()) == 1
    assert started, "the write did start"
    assert _only(tmp_path) == before


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to see the writer")
def test_convert_killed_while_writing_leaves_nothing(tmp_path: Path) -> None:
    """``kill -9`` in the middle of writing a large table: nothing appears, not the table, not
    its layout file, not a temporary file; a second convert then writes it whole."""
    source = tmp_path / "big.insole"
    assert main(["simulate", "--out", str(source), "--seconds", "300", "--sensors", "32"]) == 0
    out = tmp_path / "big.csv"
    proc = subprocess.Popen(
        [sys.executable, "-m", "pressure", "convert", str(source), str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    fds = Path(f"/proc/{proc.pid}/fd")
    deadline = time.monotonic() + 120
    writing = False
    while not writing and proc.poll() is None and time.monotonic() < deadline:
        # an open file in tmp_path other than the input: the table being written
        for fd in list(fds.iterdir()) if fds.is_dir() else []:
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith(str(tmp_path)) and target != str(source):
                writing = True
                break
        else:
            time.sleep(0.002)
    assert writing, "convert ended before it was seen writing"
    time.sleep(0.05)  # well inside the write of 60 000 rows
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert _only(tmp_path) == {"big.insole"}
    assert main(["convert", str(source), str(out)]) == 0
    assert _only(tmp_path) == {"big.insole", "big.csv", "big.layout.csv"}
    assert load(out).feet["left"].n_frames == 30_000


def test_an_existing_out_is_kept_without_overwrite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _recording(tmp_path / "a.insole")
    for suffix in (".csv", ".parquet"):
        out = tmp_path / f"out{suffix}"
        out.write_bytes(b"precious")
        capsys.readouterr()
        assert main(["convert", str(source), str(out)]) == 2
        err = capsys.readouterr().err
        assert "already exists" in err and "--overwrite" in err and len(err.splitlines()) == 1
        assert out.read_bytes() == b"precious"
        assert main(["convert", str(source), str(out), "--overwrite"]) == 0
        assert load(out).feet["left"].n_frames == 300
    assert not any(name.startswith(".") for name in _only(tmp_path))


def test_write_table_does_not_replace_a_file_made_meanwhile(tmp_path: Path) -> None:
    """The check before reading is not the only one: taking the name fails if it exists."""
    session = load(_recording(tmp_path / "a.insole"))
    for suffix in (".csv", ".parquet"):
        out = tmp_path / f"late{suffix}"
        out.write_bytes(b"made meanwhile")
        with pytest.raises(UsageError, match="already exists"):
            generic_csv.write_table(session, out, overwrite=False)
        assert out.read_bytes() == b"made meanwhile"
    assert _only(tmp_path) == {"a.insole", "late.csv", "late.parquet"}


@pytest.mark.parametrize("unnamed", [True, False], ids=["O_TMPFILE", "named temporary"])
def test_write_atomically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, unnamed: bool) -> None:
    if not unnamed:
        monkeypatch.delattr(os, "O_TMPFILE", raising=False)
    target = tmp_path / "t.txt"
    atomic.write_atomically(target, lambda p: p.write_text("one"))
    atomic.write_atomically(target, lambda p: p.write_text("two"))
    assert target.read_text() == "two"
    with pytest.raises(FileExistsError):
        atomic.write_atomically(target, lambda p: p.write_text("three"), overwrite=False)
    assert target.read_text() == "two"
    atomic.write_atomically(tmp_path / "new.txt", lambda p: p.write_text("n"), overwrite=False)

    def broken(path: Path) -> None:
        path.write_text("half")
        raise RuntimeError("the writer failed")

    with pytest.raises(RuntimeError):
        atomic.write_atomically(target, broken)
    assert target.read_text() == "two"
    assert _only(tmp_path) == {"t.txt", "new.txt"}
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_sketch_capture_keeps_its_imu_columns_through_convert(
    tmp_path: Path, suffix: str
) -> None:
    """A board's per-frame columns that are not sensors (here an accelerometer) are written as
    ``vendor.<name>`` and read back under their names."""
    lines = ["Initializing BMA...card initialized.", "t, ax, ay, az, L, M, H"]
    lines += [
        f"{60000 + 55 * k},{k % 7 - 3},{0.5 * (k % 5)},-9.8,{(13 * k) % 400},{(7 * k) % 300},{k}"
        for k in range(120)
    ]
    capture = tmp_path / "board.txt"
    capture.write_text("\n".join(lines) + "\n")
    out = tmp_path / f"board{suffix}"
    assert main(["convert", str(capture), str(out)]) == 0
    if suffix == ".csv":
        header = next(x for x in out.read_text().splitlines() if not x.startswith("#"))
        assert {"vendor.ax", "vendor.ay", "vendor.az"} <= set(header.split(","))
    original, back = load(capture).feet["left"], load(out).feet["left"]
    assert original.n_sensors == back.n_sensors == 3
    for name in ("ax", "ay", "az"):
        np.testing.assert_array_equal(back.vendor[name], original.vendor[name], err_msg=name)
    assert back.vendor["ax"].min() == -3  # signed values survive
