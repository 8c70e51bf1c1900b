"""Tekscan F-Scan and I-Scan (ASF text) and XSENSOR readers, on the real example files.

Data read from ../shared/data (never copied into the repository; damaged variants are written
to pytest's tmp_path): the pressuRe R package's example data (Telfer et al., MIT:
``fscan_testL.asf``, ``iscan_test.csv``, ``xsensor_data.csv``) and the footPress repository's
F-Scan walk (MIT: ``FrasP01L.asf``, ``FrasP01R.asf``).

The CoP checks compute the centre of pressure independently: from the file's text (parsed here
with plain Python), the sensel centres ``((c + 0.5) · col spacing, (r + 0.5) · row spacing)``
of the file's own rows and columns, and the orientation each reader documents (toes at row 0;
column 0 lateral on a left insole, medial on a right one).
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from pressure.analysis.analyze import analyze
from pressure.analysis.cop import foot_cop
from pressure.cli import main as cli_main
from pressure.errors import FileFormatError
from pressure.io.load import detect_format, load
from pressure.io.readers import HEAD_BYTES, _tekscan, fscan, iscan, xsensor
from pressure.model import Session
from tests.conftest import shared_data

R_EXT = "pressure_r_extdata"
FOOTPRESS = "fscan_footpress"
MMHG_KPA = 0.133322387415
MINE = ("fscan", "iscan", "xsensor")
OTHER_EXAMPLES = (
    "pedar_example.asc",
    "pliance_test.asc",
    "emed_test.lst",
    "stappone_example.csv",
    "footscan_test.xls",
    "pedar_geometry.csv",
    "stappone_geometry.csv",
)


def fscan_l() -> Path:
    return shared_data(R_EXT, "fscan_testL.asf")


def pair() -> tuple[Path, Path]:
    return shared_data(FOOTPRESS, "FrasP01L.asf"), shared_data(FOOTPRESS, "FrasP01R.asf")


def iscan_csv() -> Path:
    return shared_data(R_EXT, "iscan_test.csv")


def xsensor_csv() -> Path:
    return shared_data(R_EXT, "xsensor_data.csv")


def lines_of(path: Path) -> list[str]:
    return path.read_bytes().decode("latin-1").replace("\r\n", "\n").split("\n")


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_bytes("\n".join(lines).encode("latin-1"))
    return path


# --- an independent parse of the ASF text (plain Python) -----------------------------------


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


# --- F-Scan --------------------------------------------------------------------------------


def test_fscan_single_file_counts_units_values_and_cop():
    path = fscan_l()
    session = load(path)
    assert session.format == "fscan" and set(session.feet) == {"left"}
    foot = session.feet["left"]
    header, frames = asf_text(path)
    cube = np.stack([v for _, v in frames])
    mask = ~np.isnan(cube[0])
    assert foot.n_frames == 205 == int(header["END_FRAME"]) - int(header["START_FRAME"]) + 1
    assert foot.n_sensors == int(mask.sum()) == 955
    assert foot.unit == "kpa" and foot.sampling_rate_hz == pytest.approx(1 / 0.032)
    assert session.duration_s == pytest.approx(205 * 0.032)
    np.testing.assert_allclose(foot.time_s, np.arange(205) * 0.032)
    # values in the file's row-major order of the non-B cells, e.g. line 52: frame 1, row 21
    assert frames[0][0] == "Frame 1"
    np.testing.assert_array_equal(foot.values, cube[:, mask])
    row21 = [float(c) for c in lines_of(path)[51].split(",")]
    assert row21[5] == 18.0 and foot.values[0, int(mask.ravel()[: 20 * 21 + 5].sum())] == 18.0
    # geometry: 5.08 mm sensels, toes at row 0, column 0 lateral (left insole)
    layout = foot.layout
    assert layout is not None and layout.area_mm2[0] == pytest.approx(5.08 * 5.08)
    assert layout.foot_length_mm == pytest.approx(60 * 5.08)
    assert session.metadata["orientation"]["left"]["first_row"] == "toe"
    assert session.metadata["orientation"]["left"]["first_col"] == "lateral"
    assert not session.metadata["side_inferred"] and "problems" not in session.metadata
    assert {f"auto.mth{k}" for k in range(1, 6)} | {"auto.hallux", "auto.heel"} <= set(
        layout.regions
    )
    hallux = layout.regions["auto.hallux"]
    assert layout.x_mm[hallux].mean() > 0 and layout.y_mm[hallux].mean() > 0.85 * 304.8
    x, y = grid_cop_foot(cube, 5.08, 5.08, medial_high=True)
    assert_cop(session, "left", x, y)
    assert session.metadata["source"].startswith("pressuRe")
    assert session.metadata["device"]["sensor_type"] == "FSCAN"
    assert session.metadata["header"]["SENSOR_TYPE"] == "FSCAN"


def test_fscan_pair_is_one_session_from_either_file():
    left_path, right_path = pair()
    assert detect_format(left_path) == "fscan"
    assert detect_format(right_path) is None  # the pair is counted once, on its left file
    assert fscan.primary_file(right_path) == left_path
    assert fscan.primary_file(left_path) is None
    assert fscan.primary_file(left_path.with_name("FrasP01")) == left_path
    a, b = load(left_path), load(right_path)
    c = load(left_path.with_name("FrasP01"))
    for session in (a, b, c):
        assert session.path == left_path and set(session.feet) == {"left", "right"}
        assert session.metadata["record"] == "FrasP01"
        assert session.metadata["source"].startswith("footPress")
        np.testing.assert_array_equal(session.feet["left"].time_s, session.feet["right"].time_s)
    np.testing.assert_array_equal(a.feet["right"].values, b.feet["right"].values)
    assert a.metadata["orientation"]["right"]["first_col"] == "medial"
    # the right outline is the mirror image of the left: the same sensel positions
    lx, rx = a.feet["left"].layout, a.feet["right"].layout
    assert lx is not None and rx is not None
    assert sorted(zip(lx.x_mm, lx.y_mm, strict=True)) == sorted(zip(rx.x_mm, rx.y_mm, strict=True))
    _, frames = asf_text(right_path)
    x, y = grid_cop_foot(np.stack([v for _, v in frames]), 5.08, 5.08, medial_high=False)
    assert_cop(a, "right", x, y)


def test_fscan_pair_times_follow_the_time_fields(tmp_path):
    left_path, right_path = pair()
    lines = lines_of(right_path)
    k = next(i for i, line in enumerate(lines) if line.startswith("TIME "))
    assert lines[k] == "TIME Thursday, 16 February 2017 11:26:22 a.m."
    lines[k] = "TIME Thursday, 16 February 2017 11:26:24 a.m."
    shutil.copy(left_path, tmp_path / "walkL.asf")
    write_lines(tmp_path / "walkR.asf", lines)
    session = load(tmp_path / "walkR.asf")
    assert session.feet["left"].time_s[0] == 0.0
    assert session.feet["right"].time_s[0] == pytest.approx(2.0)
    assert "right 2 s" in session.metadata["time_alignment"]


def test_fscan_lone_right_file_and_side_from_outline(tmp_path):
    _, right_path = pair()
    lone = shutil.copy(right_path, tmp_path / "walk_R.asf")
    assert detect_format(lone) == "fscan" and fscan.primary_file(Path(lone)) is None
    session = load(lone)
    assert set(session.feet) == {"right"} and not session.metadata["side_inferred"]
    # no side in the name nor in FILENAME: the outline's chirality says right
    lines = lines_of(right_path)
    k = next(i for i, line in enumerate(lines) if line.startswith("FILENAME"))
    lines[k] = "FILENAME C:\\movie.fsx"
    unnamed = write_lines(tmp_path / "trial.asf", lines)
    session = load(unnamed)
    assert set(session.feet) == {"right"} and session.metadata["side_inferred"]


@pytest.mark.parametrize(
    ("stem", "side"),
    [
        ("FrasP01L", "left"),
        ("FrasP01R", "right"),
        ("walk_r", "right"),
        ("walk-l", "left"),
        ("walkL", "left"),
        ("CONTROL", None),
        ("normal", None),
        ("trial", None),
    ],
)
def test_fscan_side_from_the_file_name(stem, side):
    assert fscan.name_side(stem) == side


def _transform(path: Path, out: Path, rows: bool, cols: bool) -> Path:
    """The file with every frame's rows and/or columns reversed."""
    lines = lines_of(path)
    header_rows = int(next(line.split()[1] for line in lines if line.startswith("ROWS ")))
    k = 0
    while k < len(lines):
        if lines[k].startswith("Frame"):
            block = lines[k + 1 : k + 1 + header_rows]
            if rows:
                block = block[::-1]
            if cols:
                block = [",".join(line.split(",")[::-1]) for line in block]
            lines[k + 1 : k + 1 + header_rows] = block
            k += header_rows
        k += 1
    return write_lines(out, lines)


def test_fscan_orientation_comes_from_the_outline(tmp_path):
    """The same insole stored turned by 180°, or mirrored either way, gives the same CoP in the
    foot frame: the heel end and the medial edge are read from the B outline (a mirrored
    outline is a right foot from above, which the file's name contradicts: noted)."""
    reference = load(fscan_l())
    ref_cop = foot_cop(reference.feet["left"])
    assert ref_cop is not None
    rotated = load(_transform(fscan_l(), tmp_path / "upsideL.asf", rows=True, cols=True))
    assert rotated.metadata["orientation"]["left"]["first_row"] == "heel"
    assert rotated.metadata["orientation"]["left"]["first_col"] == "medial"
    assert "problems" not in rotated.metadata  # turned 180°: still a left foot from above
    mirrored = load(_transform(fscan_l(), tmp_path / "mirrorL.asf", rows=False, cols=True))
    assert mirrored.metadata["orientation"]["left"]["first_col"] == "medial"
    assert "outline is a right foot" in mirrored.metadata["problems"][0]
    flipped = load(_transform(fscan_l(), tmp_path / "flipL.asf", rows=True, cols=False))
    assert flipped.metadata["orientation"]["left"]["first_row"] == "heel"
    assert "outline is a right foot" in flipped.metadata["problems"][0]
    for session in (rotated, mirrored, flipped):
        cop = foot_cop(session.feet["left"])
        assert cop is not None
        np.testing.assert_allclose(cop.x_mm, ref_cop.x_mm, rtol=0, atol=1e-9)
        np.testing.assert_allclose(cop.y_mm, ref_cop.y_mm, rtol=0, atol=1e-9)


def test_insole_orientation_undecided_falls_back_to_the_convention():
    full = np.ones((20, 8), dtype=bool)
    o = _tekscan.insole_orientation(full, "right")
    assert (o.first_row, o.first_col, o.row_decided, o.col_decided) == (
        "toe",
        "medial",
        False,
        False,
    )
    assert _tekscan.insole_orientation(full, "left").first_col == "lateral"


@pytest.mark.parametrize(("units", "unit", "factor"), [("PSI", "kpa", 6.894757), ("raw", "raw", 1)])
def test_fscan_units(tmp_path, units, unit, factor):
    lines = lines_of(fscan_l())
    k = lines.index("UNITS KPa")
    lines[k] = f"UNITS {units}"
    session = load(write_lines(tmp_path / "unitsL.asf", lines))
    reference = load(fscan_l())
    assert session.feet["left"].unit == unit
    np.testing.assert_allclose(
        session.feet["left"].values, reference.feet["left"].values * factor, rtol=1e-12
    )
    assert units in session.metadata["unit_conversion"]


def test_asf_fast_and_line_by_line_reads_agree():
    for path in (fscan_l(), iscan_csv(), pair()[1]):
        fast = _tekscan.read_movie(path)
        slow = _tekscan.read_movie(path, fast=False)
        assert fast.fast and not slow.fast
        np.testing.assert_array_equal(fast.values, slow.values)
        np.testing.assert_array_equal(fast.numbers, slow.numbers)
        np.testing.assert_array_equal(fast.frame_lines, slow.frame_lines)
        np.testing.assert_array_equal(fast.mask, slow.mask)
        for a, b in ((fast.times_s, slow.times_s), (fast.raw_sums, slow.raw_sums)):
            assert (a is None) == (b is None)
            if a is not None:
                np.testing.assert_array_equal(a, b)


# --- damaged input, every reader -----------------------------------------------------------

# (file, a data line inside a frame block, 1-based) for each reader
DAMAGE_CASES = [
    ("fscan", lambda: fscan_l(), "asf", 120),  # frame 2, row 27
    ("iscan", lambda: iscan_csv(), "csv", 70),  # frame 2, row 12
    ("xsensor", lambda: xsensor_csv(), "csv", 101),  # frame 1, left matrix, row 19
]


def _damaged(kind: str, path: Path, line_no: int, tmp_path: Path, suffix: str) -> Path:
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


@pytest.mark.parametrize(("name", "source", "suffix", "line"), DAMAGE_CASES)
@pytest.mark.parametrize("kind", ["truncated", "ragged", "text"])
def test_damaged_line_is_named(tmp_path, name, source, suffix, line, kind):
    path = _damaged(kind, source(), line, tmp_path, suffix)
    assert detect_format(path) == name  # the header is intact: still recognised
    with pytest.raises(FileFormatError) as err:
        load(path)
    assert err.value.line == line and err.value.path == path
    assert str(path) in str(err.value) and f"line {line}:" in str(err.value)
    if kind == "truncated":
        assert "truncated" in str(err.value)


@pytest.mark.parametrize("reader", [fscan, iscan, xsensor])
def test_empty_and_random_bytes(tmp_path, reader):
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


def test_random_bytes_with_the_asf_suffix_reach_the_fscan_reader(tmp_path):
    noise = tmp_path / "noise.asf"
    noise.write_bytes(np.random.default_rng(3).integers(0, 256, 5000, dtype=np.uint8).tobytes())
    with pytest.raises(FileFormatError, match="binary data") as err:
        load(noise)
    assert err.value.offset is not None


def test_fscan_damage_in_the_other_file_of_a_pair_names_it(tmp_path):
    left_path, right_path = pair()
    shutil.copy(left_path, tmp_path / "walkL.asf")
    lines = lines_of(right_path)
    lines[119] = lines[119].replace("B,", "B,x", 1)
    write_lines(tmp_path / "walkR.asf", lines)
    with pytest.raises(FileFormatError) as err:
        load(tmp_path / "walkL.asf")
    assert err.value.path == tmp_path / "walkR.asf" and err.value.line == 120


def test_asf_outline_change_truncation_at_a_line_end_and_frame_order(tmp_path):
    lines = lines_of(fscan_l())
    changed = list(lines)
    changed[99] = "0" + changed[99][1:]  # frame 2, row 7 starts with B in every other frame
    assert lines[99].startswith("B,") and lines[93 - 1] == "Frame 2"
    with pytest.raises(FileFormatError, match="outline changes") as err:
        load(write_lines(tmp_path / "outlineL.asf", changed))
    assert err.value.line == 100
    changed = list(lines)
    changed[31] = "0" + changed[31][1:]  # the first frame's first row
    with pytest.raises(FileFormatError, match="outline changes") as err:
        load(write_lines(tmp_path / "outline1L.asf", changed))
    assert err.value.line == 32
    # cut at the end of line 120 (inside frame 2): frame 2 is lost, the file reads
    cut = write_lines(tmp_path / "cutL.asf", [*lines[:120], ""])
    session = load(cut)
    assert session.feet["left"].n_frames == 1
    assert session.quality["left_incomplete_frames"] == 1
    assert "ends inside its last frame" in session.metadata["problems"][0]
    # frame numbers must increase
    swapped = list(lines)
    swapped[92] = "Frame 1"
    with pytest.raises(FileFormatError, match="does not follow") as err:
        load(write_lines(tmp_path / "orderL.asf", swapped))
    assert err.value.line == 93


# --- I-Scan --------------------------------------------------------------------------------


def test_iscan_platform_counts_raw_sums_and_cop():
    path = iscan_csv()
    session = load(path)
    assert session.format == "iscan" and len(session.feet) == 1
    side, foot = next(iter(session.feet.items()))
    header, frames = asf_text(path)
    assert (header["ROWS"], header["COLS"], header["UNITS"]) == ("28", "28", "raw")
    cube = np.stack([v for _, v in frames])
    times = np.array([float(line.split(",")[1]) for line, _ in frames])
    raw_sums = np.array([float(line.split(",")[-1]) for line, _ in frames])
    assert foot.n_frames == 309 and foot.unit == "raw"
    np.testing.assert_array_equal(foot.time_s, times)
    assert foot.sampling_rate_hz == pytest.approx(308 / times[-1])
    # every frame's cells add up to its Raw Sum=, in the file and in the session
    np.testing.assert_array_equal(np.nansum(cube, axis=(1, 2)), raw_sums)
    np.testing.assert_array_equal(foot.values.sum(axis=1), raw_sums)
    assert session.metadata["raw_sum_checked"]
    # CoP: plate coordinates from the cell centres (1.27 mm), mapped with the plate's matrix
    plate = session.metadata["plate"][side]
    r, c = np.mgrid[0:28, 0:28]
    p = np.nan_to_num(cube, nan=0.0)
    total = p.sum(axis=(1, 2))
    big = (
        np.stack([(p * (c + 0.5) * 1.27).sum(axis=(1, 2)), (p * (r + 0.5) * 1.27).sum(axis=(1, 2))])
        / total
    )
    local = np.array(plate["matrix"]) @ (big - np.array(plate["origin_mm"])[:, None])
    assert_cop(session, side, local[0], local[1])
    assert len(plate["sensors"]) == foot.n_sensors
    assert session.metadata["source"].startswith("pressuRe")


def test_iscan_a_frame_that_does_not_add_up_is_named(tmp_path):
    lines = lines_of(iscan_csv())
    assert lines[57].startswith("Frame 2,") and lines[69].split(",")[5] == "0"
    cells = lines[69].split(",")
    cells[5] = "7"
    lines[69] = ",".join(cells)
    with pytest.raises(FileFormatError, match="Raw Sum") as err:
        load(write_lines(tmp_path / "sum.csv", lines))
    assert err.value.line == 58


# --- XSENSOR -------------------------------------------------------------------------------


def xsensor_text(path: Path) -> dict[str, list]:
    """Per side: matrices (frames, 31, 11) in mmHg, Est. Load, frame times (plain Python)."""
    lines = path.read_text(encoding="utf-8-sig").split("\n")
    out: dict[str, list] = {"LF": [], "RF": [], "load_LF": [], "load_RF": [], "time": []}
    side = ""
    k = 0
    while k < len(lines):
        key, _, value = lines[k].partition(",")
        value = value.split(",")[0]
        if key == "Time":
            h, m, s = value.strip().split(":")
            out["time"].append(int(h) * 3600 + int(m) * 60 + float(s))
        elif key == "SENSOR":
            side = value.split("-")[-1].split()[0]
            block = "sensor"
        elif key == "GROUP":
            block = "group"
        elif key == "Est. Load (N)" and block == "sensor":
            out[f"load_{side}"].append(float(value))
        elif key == "SENSELS" and block == "sensor":
            rows = [line for line in lines[k + 1 : k + 70] if line.strip(",")][:31]
            out[side].append([[float(c) for c in row.split(",")[:11]] for row in rows])
        k += 1
    return out


def test_xsensor_two_insoles_values_time_force_and_cop():
    path = xsensor_csv()
    session = load(path)
    assert session.format == "xsensor" and set(session.feet) == {"left", "right"}
    text = xsensor_text(path)
    times = np.array(text["time"]) - text["time"][0]
    for side, key, medial_high in (("left", "LF", True), ("right", "RF", False)):
        foot = session.feet[side]
        cube = np.array(text[key])
        assert cube.shape == (101, 31, 11)
        assert foot.n_frames == 101 and foot.n_sensors == 341 and foot.unit == "kpa"
        np.testing.assert_allclose(foot.time_s, times, rtol=0, atol=1e-9)
        assert foot.sampling_rate_hz == pytest.approx(100 / 1.331)
        np.testing.assert_allclose(foot.values, cube.reshape(101, -1) * MMHG_KPA, rtol=1e-12)
        assert foot.total_force_n is not None
        np.testing.assert_array_equal(foot.total_force_n, text[f"load_{key}"])
        # the vendor's load is the pressure sum × its sensel area (0.7411 cm²)
        area = session.metadata["vendor_sensel_area_mm2"][side]
        assert area == pytest.approx(74.11, abs=0.02)
        np.testing.assert_allclose(
            foot.values.sum(axis=1) * area * 1e-3, foot.total_force_n, atol=0.05
        )
        groups = sum(
            foot.vendor[f"{g}_est_load_n"] for g in ("heel", "midfoot", "metatarsal", "toe")
        )
        assert np.all(groups <= foot.total_force_n + 0.05)
        x, y = grid_cop_foot(cube, 8.6, 8.6, medial_high=medial_high)
        assert_cop(session, side, x, y)
        assert session.metadata["feet"][side]["orientation"]["first_row"] == "toe"
        layout = foot.layout
        assert layout is not None and layout.foot_length_mm == pytest.approx(31 * 8.6)
        assert "auto.hallux" in layout.regions
        assert session.metadata["feet"][side]["footprint_agrees"] is True
    assert session.metadata["feet"]["left"]["orientation"]["first_col"] == "lateral"
    assert session.metadata["feet"]["right"]["orientation"]["first_col"] == "medial"
    assert session.metadata["unit_conversion"].startswith("mmHg")
    assert session.metadata["vendor_summary"]["left"]["Stride Time"] == "1092"
    assert session.quality == {"frames": 101, "incomplete_frames": 0, "frames_missing": 0}
    assert session.metadata["start_time_local"] == "2022-08-16T08:21:17.982000"


def test_xsensor_fast_and_line_by_line_reads_agree(tmp_path):
    path = xsensor_csv()
    assert xsensor._parse_fast(path) is not None  # the example is regular: the fast path
    fast, slow = xsensor._read(path), xsensor._read(path, fast=False)
    assert fast.metadata == slow.metadata and fast.quality == slow.quality
    for side, a in fast.feet.items():
        b = slow.feet[side]
        np.testing.assert_array_equal(a.values, b.values)
        np.testing.assert_array_equal(a.time_s, b.time_s)
        assert a.total_force_n is not None and b.total_force_n is not None
        np.testing.assert_array_equal(a.total_force_n, b.total_force_n)
        assert a.vendor.keys() == b.vendor.keys()
        for key, column in a.vendor.items():
            np.testing.assert_array_equal(column, b.vendor[key])
        assert a.layout == b.layout and a.sampling_rate_hz == b.sampling_rate_hz
    # CRLF line ends and a damaged key row far from the start: both paths agree
    crlf = tmp_path / "crlf.csv"
    crlf.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    np.testing.assert_array_equal(load(crlf).feet["left"].values, fast.feet["left"].values)
    lines = path.read_text(encoding="utf-8-sig").split("\n")
    k = next(i for i in range(30000, 40000) if lines[i].startswith("Est. Load (N)"))
    lines[k] = lines[k].replace("Est. Load (N)", "Est. Lxad (N)")
    damaged = tmp_path / "key.csv"
    damaged.write_text("\n".join(lines), encoding="utf-8")
    assert xsensor._parse_fast(damaged) is None
    with pytest.raises(FileFormatError, match=r"'Est\. Lxad \(N\)' where the first") as err:
        load(damaged)
    assert err.value.line == k + 1


def test_xsensor_a_footprint_against_the_convention_is_noted(tmp_path):
    lines = xsensor_csv().read_text(encoding="utf-8-sig").split("\n")
    for k, line in enumerate(lines):  # every left matrix upside down
        if line.startswith("SENSOR,") and "-LF" in line:
            j = next(i for i in range(k, k + 60) if lines[i].startswith("SENSELS"))
            rows = list(range(j + 2, j + 2 + 62, 2))
            block = [lines[i] for i in rows]
            for i, text in zip(rows, block[::-1], strict=True):
                lines[i] = text
    path = tmp_path / "upside.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    session = load(path)
    assert session.metadata["feet"]["left"]["footprint_agrees"] is False
    assert session.metadata["feet"]["right"]["footprint_agrees"] is True
    assert "footprint suggests first_row=heel" in session.metadata["problems"][0]


def test_xsensor_blank_cells_are_outside_the_insole(tmp_path):
    lines = xsensor_csv().read_text(encoding="utf-8-sig").split("\n")
    blanked = 0
    for k, line in enumerate(lines):  # the last cell of every left matrix's first row
        if line.startswith("SENSOR,") and "-LF" in line:
            j = next(i for i in range(k, k + 60) if lines[i].startswith("SENSELS"))
            cells = lines[j + 2].split(",")
            cells[10] = ""
            lines[j + 2] = ",".join(cells)
            blanked += 1
    assert blanked == 101
    path = tmp_path / "blank.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    session = load(path)
    assert session.feet["left"].n_sensors == 340 and session.feet["right"].n_sensors == 341
    # one frame only: the outline changes, the line is named
    lines2 = xsensor_csv().read_text(encoding="utf-8-sig").split("\n")
    cells = lines2[100].split(",")
    cells[0] = ""
    lines2[100] = ",".join(cells)
    path2 = tmp_path / "blank_once.csv"
    path2.write_text("\n".join(lines2), encoding="utf-8")
    with pytest.raises(FileFormatError, match="empty cells") as err:
        load(path2)
    assert err.value.line == 101


def test_xsensor_cut_at_a_line_end_drops_the_last_frame(tmp_path):
    lines = xsensor_csv().read_text(encoding="utf-8-sig").split("\n")
    path = tmp_path / "cut.csv"
    path.write_text("\n".join(lines[:1000]) + "\n", encoding="utf-8")
    session = load(path)
    assert session.quality["incomplete_frames"] == 1 and session.feet["left"].n_frames == 1
    # a frame cut short in the middle of the file is damage
    assert lines[650] == "SENSELS" + "," * 19 and lines[652].startswith("0,")
    del lines[652]  # the left matrix of frame 2 loses its first row
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(FileFormatError, match="30 of its 31 sensel rows") as err:
        load(path)
    assert err.value.line == 716 and lines[715].startswith("SENSOR,")


# --- detection and the command line --------------------------------------------------------


def test_detection_claims_only_its_own_files():
    mine = {
        fscan_l(): "fscan",
        pair()[0]: "fscan",
        iscan_csv(): "iscan",
        xsensor_csv(): "xsensor",
    }
    for path, name in mine.items():
        assert detect_format(path) == name
        head = path.read_bytes()[:HEAD_BYTES]
        for reader in (fscan, iscan, xsensor):
            assert reader.detect(path, head) == (name == reader.NAME)
    for other in OTHER_EXAMPLES:
        path = shared_data(R_EXT, other)
        head = path.read_bytes()[:HEAD_BYTES]
        assert detect_format(path) not in MINE, other
        for reader in (fscan, iscan, xsensor):
            assert not reader.detect(path, head), (reader.NAME, other)


def test_analyze_fscan_walk_has_steps_and_every_file_a_cop_path(tmp_path, capsys):
    summary = analyze(load(pair()[0])).summary
    assert summary["gait"]["steps"]["left"] >= 4 and summary["gait"]["steps"]["right"] >= 4
    assert 95 < summary["gait"]["cadence_steps_per_min"] < 120
    for path in (pair()[0], iscan_csv(), xsensor_csv()):
        out = tmp_path / f"{path.stem}_cop.csv"
        assert cli_main(["analyze", str(path), "--cop-csv", str(out)]) == 0
        table = np.genfromtxt(out, delimiter=",", names=True, dtype=None, encoding="utf-8")
        assert np.isfinite(table["cop_ap_mm"]).sum() > 20
    capsys.readouterr()
