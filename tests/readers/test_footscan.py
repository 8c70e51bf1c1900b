"""The RSscan footscan reader (.xls workbooks of plate frames).

Data read from ../shared/data (never copied into the repository; damaged variants and the
geometry file they need are written to pytest's tmp_path): the pressuRe R package's example
data (Telfer et al., MIT): ``footscan_test.xls``.
"""

from __future__ import annotations

import functools
import importlib
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pressure.cli import main as cli_main
from pressure.cop import foot_cop
from pressure.errors import FileFormatError
from pressure.io.load import detect_format, load
from pressure.io.readers import footscan
from pressure.model import Session

from ..conftest import shared_data
from .helpers import (
    CSV_TIME_ATOL,
    R,
    assert_same_feet,
    check_session,
    empty_and_random_bytes_are_named,
)


def _footscan() -> Path:
    return shared_data(R, "footscan_test.xls")


@pytest.fixture(scope="module")
def footscan_session(loaded) -> Session:
    return loaded(_footscan())


def test_footscan_detection_by_magic_markers_and_suffix(tmp_path):
    magic = footscan.OLE2_MAGIC
    assert footscan.detect(tmp_path / "a.dat", magic + b"\0" * 100 + b"Scanning speed")
    assert footscan.detect(tmp_path / "a.dat", magic + "Dynamic Roll off".encode("utf-16-le"))
    assert footscan.detect(tmp_path / "a.xls", magic + b"\0" * 100)  # a workbook named .xls
    assert not footscan.detect(tmp_path / "a.doc", magic + b"\0" * 100)  # some other OLE2 file
    assert not footscan.detect(tmp_path / "a.xls", b"Scanning speed")  # no OLE2 magic


@functools.cache  # xlrd takes most of a second over the workbook; the tests only read it
def _footscan_frames() -> tuple[dict[str, int], list[float], np.ndarray]:
    """Rectangle, frame times (ms) and frames (n, rows, cols), read with xlrd directly."""
    xlrd = importlib.import_module("xlrd")
    sheet = xlrd.open_workbook(str(_footscan())).sheet_by_index(0)
    column = sheet.col_values(0)
    rect = {
        key: int(column[column.index(f"Rectangle {key}") + 1])
        for key in ("bottom", "left", "width", "height")
    }
    frames, times = [], []
    for r, label in enumerate(column):
        match = re.fullmatch(r"Frame \d+ \((.*) ms\)", str(label))
        if match:
            times.append(float(match[1]))
            frames.append([sheet.row_values(r + 1 + k) for k in range(rect["height"])])
    return rect, times, np.array(frames, dtype=float)


def test_footscan_example(footscan_session):
    session = footscan_session
    check_session(session, "footscan")
    assert tuple(session.feet) == ("right",)  # the left foot's scanning speed is 0 Hz
    foot = session.feet["right"]
    assert foot is not None
    assert foot.unit == "kpa" and foot.sampling_rate_hz == 500.0
    assert foot.n_frames == 329 and session.duration_s == pytest.approx(0.658)
    rect, times, frames = _footscan_frames()
    assert rect == {"bottom": 6, "left": 40, "width": 20, "height": 38}
    np.testing.assert_allclose(foot.time_s, np.array(times) / 1000, rtol=0, atol=1e-15)
    plate = session.metadata["plate"]["right"]
    sensors = np.array(plate["sensors"])
    flat = frames.reshape(len(frames), -1)
    # the file's N per sensor as kPa: N / (7.62 × 5.08 mm²) × 1000
    np.testing.assert_allclose(foot.values, flat[:, sensors] / (7.62 * 5.08) * 1000, rtol=1e-12)
    np.testing.assert_allclose(foot.vendor["sensor_force_sum_n"], flat.sum(axis=1), rtol=1e-12)
    assert foot.n_sensors == int((flat.max(axis=0) > 0).sum()) == 387
    assert not flat[:, np.setdiff1d(np.arange(flat.shape[1]), sensors)].any()
    assert plate["side_inferred"] is False and plate["window"] == rect
    assert session.metadata["scanning_speed_hz"] == {"left": 0.0, "right": 500.0}
    assert session.metadata["date"] == "07-07-2011"
    assert "7.62" in session.metadata["sensor_size_note"]
    layout = foot.layout
    assert layout is not None
    assert 250 < layout.foot_length_mm < 300 and 90 < layout.foot_width_mm < 115
    assert {"auto.heel", "auto.mth1", "auto.hallux"} <= set(layout.regions)
    peak_sum = flat.sum(axis=1).max()
    assert 600 < peak_sum < 800  # newtons per sensor: the frame sum is a body weight


def test_footscan_cop_equals_an_independent_computation(footscan_session):
    foot = footscan_session.feet["right"]
    cop = foot_cop(foot)
    assert cop is not None
    rect, _, frames = _footscan_frames()
    rows, cols = frames.shape[1:]
    r, c = np.divmod(np.arange(rows * cols), cols)
    plate_xy = np.column_stack([(rect["left"] + c + 0.5) * 5.08, (rect["bottom"] + r + 0.5) * 7.62])
    flat = frames.reshape(len(frames), -1)
    total = flat.sum(axis=1)
    loaded = total >= 20.0  # newtons: the contact threshold
    np.testing.assert_array_equal(np.isfinite(cop.x_mm), loaded)
    plate_cop = flat[loaded] @ plate_xy / total[loaded, None]
    info = footscan_session.metadata["plate"]["right"]
    matrix, origin = np.array(info["matrix"]), np.array(info["origin_mm"])
    expected = (plate_cop - origin) @ matrix.T
    np.testing.assert_allclose(cop.x_mm[loaded], expected[:, 0], rtol=0, atol=1e-9)
    np.testing.assert_allclose(cop.y_mm[loaded], expected[:, 1], rtol=0, atol=1e-9)


def test_footscan_plate_view_agrees_with_the_files_side():
    """Told nothing, plate_feet's chirality calls the footprint a right foot, as the file
    does: the rows as listed count up from the window's bottom edge."""
    from pressure.io.readers._plate import plate_feet

    rect, times, frames = _footscan_frames()
    rows, cols = frames.shape[1:]
    r, c = np.divmod(np.arange(rows * cols), cols)
    feet, _ = plate_feet(
        Path("x.xls"),
        np.array(times) / 1000,
        frames.reshape(len(frames), -1),
        (rect["left"] + c + 0.5) * 5.08,
        (rect["bottom"] + r + 0.5) * 7.62,
        np.full(rows * cols, 5.08 * 7.62),
        unit="n",
        sampling_rate_hz=500.0,
        name="footscan",
    )
    assert list(feet) == ["right"]


HEAD: list[list[Any]] = [
    ["Dynamic Roll offfor measurement: Trial_1", ""],
    ["Scanning speed;  for the left foot: 0.00 Hertz, for the right foot: 250.00 Hertz", ""],
    ["", ""],
    ["Right foot data", ""],
    ["Right rectangle position", ""],
    ["Rectangle bottom", ""],
    [0.0, ""],
    ["Rectangle left", ""],
    [0.0, ""],
    ["Rectangle width", ""],
    [2.0, ""],
    ["Rectangle height", ""],
    [2.0, ""],
]


def _frame(k: int, values: list[list[Any]]) -> list[list[Any]]:
    return [[f"Frame {k} ({4 * k:.2f} ms)", ""], *values]


def test_footscan_sheet_parsing_and_bad_cells_by_row():
    rows = HEAD + _frame(0, [[1.0, 2.0], [0.0, 3.5]]) + _frame(1, [[0.0, 0.0], [1.5, 0.0]])
    parsed = footscan.parse_sheet(Path("t.xls"), rows)
    assert parsed.speeds_hz == {"left": 0.0, "right": 250.0}
    (foot,) = parsed.feet
    assert foot.side == "right" and foot.rect == {"bottom": 0, "left": 0, "width": 2, "height": 2}
    assert foot.time_ms == [0.0, 4.0]
    np.testing.assert_array_equal(foot.frames[1], [[0, 0], [1.5, 0]])
    bad = HEAD + _frame(0, [[1.0, 2.0], [0.0, "abc"]])
    with pytest.raises(FileFormatError, match="column B: 'abc' is not a number") as err:
        footscan.parse_sheet(Path("t.xls"), bad, "Test")
    assert err.value.line == len(HEAD) + 3 and "sheet 'Test'" in str(err.value)
    short = HEAD + _frame(0, [[1.0, 2.0]])
    with pytest.raises(FileFormatError, match="1 of 2 rows"):
        footscan.parse_sheet(Path("t.xls"), short)
    ragged = HEAD + _frame(0, [[1.0, 2.0], [0.0]])
    with pytest.raises(FileFormatError, match="1 of 2 cells") as err:
        footscan.parse_sheet(Path("t.xls"), ragged)
    assert err.value.line == len(HEAD) + 3
    no_rect = HEAD[:4] + _frame(0, [[1.0, 2.0], [0.0, 1.0]])
    with pytest.raises(FileFormatError, match="before its foot's rectangle") as err:
        footscan.parse_sheet(Path("t.xls"), no_rect)
    assert err.value.line == 5


@pytest.mark.parametrize("fraction", [0.0005, 0.3, 0.5, 0.9997])
def test_footscan_truncated_workbook_is_named(tmp_path, fraction, capsys):
    data = _footscan().read_bytes()
    target = tmp_path / "cut.xls"
    target.write_bytes(data[: int(len(data) * fraction)])
    assert detect_format(target) == "footscan"  # the head is intact
    with pytest.raises(FileFormatError, match="not a readable Excel 97-2003 workbook") as err:
        load(target)
    assert err.value.path == target
    assert cli_main(["analyze", str(target)]) == 3
    message = capsys.readouterr().err.strip().splitlines()
    assert len(message) == 1 and str(target) in message[0]


def test_footscan_analyze_gives_a_cop_path(tmp_path):
    cop_csv = tmp_path / "cop.csv"
    assert cli_main(["analyze", str(_footscan()), "--cop-csv", str(cop_csv)]) == 0
    lines = cop_csv.read_text().splitlines()
    assert lines[0].startswith("time_s,side,cop_ml_mm,cop_ap_mm")
    assert sum(1 for line in lines[1:] if line.split(",")[2]) > 300


def test_empty_and_random_bytes_are_named(tmp_path, capsys):
    empty_and_random_bytes_are_named(tmp_path, ".xls", "footscan", capsys)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_convert_round_trip(suffix, footscan_session, converted):
    assert_same_feet(
        load(converted(_footscan(), suffix)),
        footscan_session,
        CSV_TIME_ATOL if suffix == ".csv" else 0.0,
    )
