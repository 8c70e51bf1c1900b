"""The Tekscan F-Scan reader (ASF text insoles, one file a foot or a pair).

Data read from ../shared/data (never copied into the repository; damaged variants are written
to pytest's tmp_path): the pressuRe R package's example data (Telfer et al., MIT:
``fscan_testL.asf``) and the footPress repository's F-Scan walk (MIT: ``FrasP01L.asf``,
``FrasP01R.asf``).

The CoP checks compute the centre of pressure independently (``helpers``): from the file's text
parsed with plain Python, the sensel centres ``((c + 0.5) · col spacing, (r + 0.5) · row
spacing)`` of the file's own rows and columns, and the orientation each reader documents (toes
at row 0; column 0 lateral on a left insole, medial on a right one).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from pressure.analysis.analyze import analyze
from pressure.cop import foot_cop
from pressure.errors import FileFormatError
from pressure.io.load import detect_format, load
from pressure.io.readers import fscan

from .helpers import (
    analyze_writes_a_cop_path,
    asf_text,
    assert_cop,
    damaged_line_is_named,
    empty_and_random_bytes_are_refused,
    fscan_l,
    grid_cop_foot,
    lines_of,
    pair,
    write_lines,
)


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
    assert not session.metadata["side_inferred"] and not session.problems
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
    assert not rotated.problems  # turned 180°: still a left foot from above
    mirrored = load(_transform(fscan_l(), tmp_path / "mirrorL.asf", rows=False, cols=True))
    assert mirrored.metadata["orientation"]["left"]["first_col"] == "medial"
    assert "outline is a right foot" in mirrored.problems[0]
    flipped = load(_transform(fscan_l(), tmp_path / "flipL.asf", rows=True, cols=False))
    assert flipped.metadata["orientation"]["left"]["first_row"] == "heel"
    assert "outline is a right foot" in flipped.problems[0]
    for session in (rotated, mirrored, flipped):
        cop = foot_cop(session.feet["left"])
        assert cop is not None
        np.testing.assert_allclose(cop.x_mm, ref_cop.x_mm, rtol=0, atol=1e-9)
        np.testing.assert_allclose(cop.y_mm, ref_cop.y_mm, rtol=0, atol=1e-9)


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


@pytest.mark.parametrize("kind", ["truncated", "ragged", "text"])
def test_damaged_line_is_named(tmp_path, kind):
    damaged_line_is_named("fscan", fscan_l(), "asf", 120, kind, tmp_path)  # frame 2, row 27


def test_empty_and_random_bytes(tmp_path):
    empty_and_random_bytes_are_refused(tmp_path, fscan)


def test_analyze_fscan_walk_has_steps_and_a_cop_path(tmp_path):
    summary = analyze(load(pair()[0])).summary
    assert summary["gait"]["steps"]["left"] >= 4 and summary["gait"]["steps"]["right"] >= 4
    assert 95 < summary["gait"]["cadence_steps_per_min"] < 120
    analyze_writes_a_cop_path(pair()[0], tmp_path)
