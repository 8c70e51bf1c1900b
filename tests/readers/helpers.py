"""Checks and independent parsers shared by the reader tests. Not a test module: the test
modules import it, never each other.

``check_session`` is what every reader promises, whatever the format (like MNE's shared reader
checks in ``mne/io/tests/test_raw.py``): the conformance test and every reader's own tests call
it. The Tekscan-text helpers parse the files with plain Python and compute the centre of
pressure from the sensel centres, independently of the readers.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from pressure.cli import main as cli_main
from pressure.cop import foot_cop
from pressure.errors import FileFormatError
from pressure.io import table as table_parser
from pressure.io.load import detect_format, load
from pressure.io.write import TIME_DECIMALS
from pressure.model import UNITS, FootRecording, Session

from ..conftest import shared_data

R = "pressure_r_extdata"  # the pressuRe R package's example data (Telfer et al., MIT)
FOOTPRESS = "fscan_footpress"  # the footPress repository's F-Scan walk (MIT)


def check_session(session: Session, fmt: str) -> None:
    """What every reader promises, whatever the format."""
    assert session.format == fmt
    assert session.feet, "at least one foot"
    for side, foot in session.feet.items():
        assert foot.side == side
        assert foot.unit in UNITS
        assert foot.n_frames > 1
        assert foot.values.shape == (foot.n_frames, foot.n_sensors)
        assert np.all(np.diff(foot.time_s) > 0), "time increases"
        assert foot.sampling_rate_hz > 0
        if foot.layout is not None:
            assert foot.layout.n_sensors == foot.n_sensors
        if foot.total_force_n is not None:
            assert foot.total_force_n.shape == (foot.n_frames,)
        for name, column in foot.vendor.items():
            assert column.shape == (foot.n_frames,), name
    for side, events in session.events.items():
        assert side in ("left", "right")
        for name, times in events.items():
            assert name.endswith("_s") and np.all(np.diff(times) >= 0)
    assert all(isinstance(v, int) for v in session.quality.values())


def read_by_lines(read: Callable[[Path], Session], path: Path) -> Session:
    """``read(path)`` with the table parser's pandas path declined: read line by line."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(table_parser, "_by_pandas", lambda *args: None)
        return read(path)


#: how far a CSV's times may be from the session's: write_table rounds them to 1 µs
CSV_TIME_ATOL = 0.5 * 10.0**-TIME_DECIMALS * (1 + 1e-9)


def assert_same_feet(back: Session, original: Session, time_atol: float = 0.0) -> None:
    assert tuple(back.feet) == tuple(original.feet)
    for side, foot in original.feet.items():
        again = back.feet[side]
        assert again.unit == foot.unit
        assert again.sampling_rate_hz == foot.sampling_rate_hz
        np.testing.assert_allclose(again.time_s, foot.time_s, rtol=0, atol=time_atol)
        np.testing.assert_array_equal(again.values, foot.values)
        if foot.total_force_n is None:
            assert again.total_force_n is None
        else:
            np.testing.assert_array_equal(again.total_force_n, foot.total_force_n)
        assert again.layout == foot.layout


def inside(outline: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Even-odd ray casting: which points lie strictly inside the closed polygon."""
    inside = np.zeros(len(x), dtype=bool)
    x0, y0 = outline[:-1, 0], outline[:-1, 1]
    x1, y1 = outline[1:, 0], outline[1:, 1]
    for k, (px, py) in enumerate(zip(x, y, strict=True)):
        crosses = (y0 > py) != (y1 > py)
        with np.errstate(divide="ignore", invalid="ignore"):
            at = x0 + (py - y0) * (x1 - x0) / (y1 - y0)
        inside[k] = bool(np.sum(crosses & (px < at)) % 2)
    return inside


def loaded_cop(foot: FootRecording) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    cop = foot_cop(foot)
    assert cop is not None
    loaded = ~np.isnan(cop.x_mm)
    assert loaded.sum() > 20, "a CoP path"
    return loaded, cop.x_mm[loaded], cop.y_mm[loaded]


def plate_cop_check(
    session: Session, x_plate: np.ndarray, y_plate: np.ndarray, weights: np.ndarray
) -> None:
    """CoP from raw weights and plate centres, mapped with the plate's matrix and origin,
    equals the session's CoP per foot (1e-9 mm)."""
    plate = session.metadata["plate"]
    for side, foot in session.feet.items():
        index = np.asarray(plate[side]["sensors"])
        matrix = np.asarray(plate[side]["matrix"])
        origin = np.asarray(plate[side]["origin_mm"])
        loaded, cop_x, cop_y = loaded_cop(foot)
        w = weights[:, index][loaded]
        cx = w @ x_plate[index] / w.sum(axis=1)
        cy = w @ y_plate[index] / w.sum(axis=1)
        mapped = (np.column_stack([cx, cy]) - origin) @ matrix.T
        np.testing.assert_allclose(cop_x, mapped[:, 0], rtol=0, atol=1e-9)
        np.testing.assert_allclose(cop_y, mapped[:, 1], rtol=0, atol=1e-9)
        # the layout is the same rigid map of the sensor centres
        local = (np.column_stack([x_plate[index], y_plate[index]]) - origin) @ matrix.T
        assert foot.layout is not None
        np.testing.assert_allclose(foot.layout.x_mm, local[:, 0], atol=1e-9)
        np.testing.assert_allclose(foot.layout.y_mm, local[:, 1], atol=1e-9)


def empty_and_random_bytes_are_named(
    tmp_path: Path, suffix: str, reader: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """An empty file and 4 KiB of random bytes named ``*suffix``: ``load`` and the reader's own
    ``read`` refuse both naming the file, and ``pressure analyze`` says so in one line."""
    import importlib

    empty = tmp_path / f"empty{suffix}"
    empty.write_bytes(b"")
    noise = tmp_path / f"noise{suffix}"
    noise.write_bytes(random.Random(5).randbytes(4096))
    for target in (empty, noise):
        with pytest.raises(FileFormatError) as err:
            load(target)
        assert err.value.path == target
        with pytest.raises(FileFormatError, match=r"empty|not|binary") as err:
            importlib.import_module(f"pressure.io.readers.{reader}").read(target)
        assert err.value.path == target
        assert cli_main(["analyze", str(target)]) == 3
        message = capsys.readouterr().err.strip().splitlines()
        assert len(message) == 1 and str(target) in message[0]


# --- Tekscan and XSENSOR text --------------------------------------------------------------


def fscan_l() -> Path:
    return shared_data(R, "fscan_testL.asf")


def pair() -> tuple[Path, Path]:
    return shared_data(FOOTPRESS, "FrasP01L.asf"), shared_data(FOOTPRESS, "FrasP01R.asf")


def iscan_csv() -> Path:
    return shared_data(R, "iscan_test.csv")


def xsensor_csv() -> Path:
    return shared_data(R, "xsensor_data.csv")


def stappone_csv() -> Path:
    """The stappone example, with the geometry file its layout is read from beside it."""
    shared_data(R, "stappone_geometry.csv")
    return shared_data(R, "stappone_example.csv")


def lines_of(path: Path) -> list[str]:
    return path.read_bytes().decode("latin-1").replace("\r\n", "\n").split("\n")


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_bytes("\n".join(lines).encode("latin-1"))
    return path


def asf_text(path: Path) -> tuple[dict[str, str], list[tuple[str, np.ndarray]]]:
    """(header fields, [(Frame line, values (rows, cols) with NaN for B)])."""
    lines = lines_of(path)
    header: dict[str, str] = {}
    k = 0
    while not lines[k].startswith("ASCII_DATA"):
        key, _, value = lines[k].partition(" ")
        header[key] = value.strip()
        k += 1
    rows, cols = int(header["ROWS"]), int(header["COLS"])
    frames = []
    for i in range(k, len(lines)):
        if lines[i].startswith("Frame"):
            block = [lines[i + 1 + r].split(",") for r in range(rows)]
            assert all(len(row) == cols for row in block)
            values = np.array([[math.nan if c == "B" else float(c) for c in row] for row in block])
            frames.append((lines[i], values))
    return header, frames


def grid_cop_foot(
    frames: np.ndarray, row_mm: float, col_mm: float, medial_high: bool
) -> tuple[np.ndarray, np.ndarray]:
    """CoP in the foot frame of (frames, rows, cols) pressures with toes at row 0: plate CoP
    from the sensel centres, then y from the heel edge of the last kept row, x from the centre
    of the kept columns (+ toward the medial edge)."""
    kept = ~np.isnan(frames[0])
    rows_kept = np.flatnonzero(kept.any(axis=1))
    cols_kept = np.flatnonzero(kept.any(axis=0))
    r, c = np.mgrid[0 : frames.shape[1], 0 : frames.shape[2]]
    big_x = (c + 0.5) * col_mm
    big_y = (r + 0.5) * row_mm
    p = np.nan_to_num(frames, nan=0.0).clip(min=0)
    total = p.sum(axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        cx = (p * big_x).sum(axis=(1, 2)) / total
        cy = (p * big_y).sum(axis=(1, 2)) / total
    centre = (cols_kept[0] + cols_kept[-1] + 1) / 2 * col_mm
    heel_edge = (rows_kept[-1] + 1) * row_mm
    x = cx - centre if medial_high else centre - cx
    return x, heel_edge - cy


def assert_cop(session: Session, side: str, x: np.ndarray, y: np.ndarray) -> None:
    cop = foot_cop(session.feet[side])
    assert cop is not None
    loaded = ~np.isnan(cop.x_mm)
    assert loaded.sum() > 20
    np.testing.assert_allclose(cop.x_mm[loaded], x[loaded], rtol=0, atol=1e-9)
    np.testing.assert_allclose(cop.y_mm[loaded], y[loaded], rtol=0, atol=1e-9)


def damaged_csv_line(kind: str, path: Path, line_no: int, tmp_path: Path, suffix: str) -> Path:
    data = path.read_bytes()
    lines = data.split(b"\n")
    target = lines[line_no - 1]
    if kind == "truncated":
        cut = b"\n".join(lines[: line_no - 1]) + b"\n" + target[: len(target) // 2]
        out = cut
    elif kind == "ragged":
        cells = target.split(b",")
        lines[line_no - 1] = b",".join(cells[:3] + cells[4:])
        out = b"\n".join(lines)
    else:
        cells = target.split(b",")
        cells[2] = b"abc"
        lines[line_no - 1] = b",".join(cells)
        out = b"\n".join(lines)
    damaged = tmp_path / f"damagedL.{suffix}"
    damaged.write_bytes(out)
    return damaged


def damaged_line_is_named(
    name: str, source: Path, suffix: str, line: int, kind: str, tmp_path: Path
) -> None:
    """A copy of ``source`` with data line ``line`` damaged (``kind``): still detected as
    ``name`` (the header is intact), and refused naming the file and the line."""
    path = damaged_csv_line(kind, source, line, tmp_path, suffix)
    assert detect_format(path) == name  # the header is intact: still recognised
    with pytest.raises(FileFormatError) as err:
        load(path)
    assert err.value.line == line and err.value.path == path
    assert str(path) in str(err.value) and f"line {line}:" in str(err.value)
    if kind == "truncated":
        assert "truncated" in str(err.value)


def empty_and_random_bytes_are_refused(tmp_path: Path, reader: ModuleType) -> None:
    """The reader's ``read`` refuses an empty file (saying so) and random bytes with its first
    suffix (naming the file); ``load`` refuses the random bytes too."""
    empty = tmp_path / f"empty{reader.SUFFIXES[0]}"
    empty.write_bytes(b"")
    with pytest.raises(FileFormatError, match="empty"):
        reader.read(empty)
    noise = tmp_path / f"noise{reader.SUFFIXES[0]}"
    noise.write_bytes(np.random.default_rng(5).integers(0, 256, 5000, dtype=np.uint8).tobytes())
    with pytest.raises(FileFormatError) as err:
        reader.read(noise)
    assert err.value.path == noise
    with pytest.raises(FileFormatError):
        load(noise)


def analyze_writes_a_cop_path(path: Path, tmp_path: Path) -> None:
    """``pressure analyze PATH --cop-csv`` writes more than 20 frames of CoP."""
    out = tmp_path / f"{path.stem}_cop.csv"
    assert cli_main(["analyze", str(path), "--cop-csv", str(out)]) == 0
    table = np.genfromtxt(out, delimiter=",", names=True, dtype=None, encoding="utf-8")
    assert np.isfinite(table["cop_ap_mm"]).sum() > 20
