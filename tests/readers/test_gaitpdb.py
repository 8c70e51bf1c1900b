"""The PhysioNet gaitpdb reader (tab-separated walks, 8 force sensors a foot) and its layout.

Data read from ../shared/data/gaitpdb (PhysioNet gaitpdb 1.0.0, ODC-By 1.0; never copied into the
repository: damaged copies are written to pytest's tmp_path).
"""

from __future__ import annotations

import numpy as np
import pytest

from pressure.errors import FileFormatError
from pressure.io.load import load
from pressure.io.readers import gaitpdb
from pressure.layouts_builtin import (
    GAITPDB_LEFT_XY,
    builtin_layout,
    gaitpdb8_layout,
    gaitpdb_left_to_foot,
    gaitpdb_right_to_foot,
)

from ..conftest import shared_data
from .helpers import check_session, inside, read_by_lines


def test_gaitpdb_walks():
    files = sorted(shared_data("gaitpdb").glob("*_*.txt"))
    assert {"GaCo01_01.txt", "JuPt01_01.txt", "SiCo01_01.txt"} <= {p.name for p in files}
    for path in files:
        session = load(path)
        check_session(session, "gaitpdb")
        assert session.sampling_rate_hz == 100.0
        assert 50 < session.duration_s < 125
        for foot in session.feet.values():
            assert (foot.n_sensors, foot.unit) == (8, "n")
            assert foot.layout is gaitpdb8_layout()
            assert foot.values.min() >= 0.0
            # the authors' totals are the sums of the 8 sensors (values have 2 decimals)
            assert foot.total_force_n is not None
            assert np.abs(foot.values.sum(axis=1) - foot.total_force_n).max() < 0.01
            # standing weight on one foot: hundreds of N at the peaks
            assert 300 < np.percentile(foot.total_force_n, 95) < 2000
        subject = session.metadata["subject"]
        assert subject["subject_id"] == path.stem.split("_")[0]
        assert subject["group"] == ("control" if "Co" in path.stem else "parkinson")
        assert 1.2 < subject["height_m"] < 2.1, "Ju heights are in cm in the source"
        assert session.metadata["walk"] == path.stem.split("_")[1]
    ju = load(shared_data("gaitpdb", "JuPt01_01.txt"))
    assert ju.metadata["subject"]["height_m"] == pytest.approx(1.83)
    assert ju.metadata["subject"]["gait_speed_m_s"] == pytest.approx(1.013)


def test_gaitpdb8_layout_mirrors_both_feet_medial_positive():
    layout = builtin_layout("gaitpdb8")
    left_x, left_y = gaitpdb_left_to_foot(GAITPDB_LEFT_XY[:, 0], GAITPDB_LEFT_XY[:, 1])
    right_x, right_y = gaitpdb_right_to_foot(-GAITPDB_LEFT_XY[:, 0], GAITPDB_LEFT_XY[:, 1])
    np.testing.assert_array_equal(left_x, layout.x_mm)
    np.testing.assert_array_equal(right_x, layout.x_mm)
    np.testing.assert_array_equal(right_y, left_y)
    # sensors 3, 5, 7 (|X| = 300, nearer the origin between the feet) are medial
    assert list(np.flatnonzero(layout.x_mm > 0) + 1) == [3, 5, 7]
    assert list(np.flatnonzero(layout.regions["medial"]) + 1) == [3, 5, 7]
    assert list(np.flatnonzero(layout.regions["lateral"]) + 1) == [2, 4, 6]
    assert list(np.flatnonzero(layout.regions["rearfoot"]) + 1) == [1, 2, 3]
    assert list(np.flatnonzero(layout.regions["toes"]) + 1) == [8]
    np.testing.assert_allclose(layout.u, [0.1, 0.3, 0.3, 0.5, 0.5, 0.7, 0.7, 0.9])
    assert inside(layout.outline_mm, layout.x_mm, layout.y_mm).all()


def _gaitpdb_lines() -> list[str]:
    return shared_data("gaitpdb", "JuCo01_01.txt").read_bytes().decode().split("\r\n")


def test_gaitpdb_truncated_ragged_and_text(tmp_path):
    path = tmp_path / "JuCo01_01.txt"
    data = shared_data("gaitpdb", "JuCo01_01.txt").read_bytes()
    path.write_bytes(data[: len(data) // 2])  # cut inside a row
    with pytest.raises(FileFormatError, match="probably truncated") as err:
        load(path)
    assert err.value.line == data[: len(data) // 2].count(b"\n") + 1

    lines = _gaitpdb_lines()
    lines[99] = "\t".join(lines[99].split("\t")[:-1])
    path.write_text("\r\n".join(lines))
    with pytest.raises(FileFormatError, match="18 fields, expected 19") as err:
        load(path)
    assert err.value.line == 100

    lines = _gaitpdb_lines()
    cells = lines[1234].split("\t")
    cells[5] = "n/a"
    lines[1234] = "\t".join(cells)
    path.write_text("\r\n".join(lines))
    with pytest.raises(FileFormatError, match="L5_n: 'n/a' is not a number") as err:
        load(path)
    assert err.value.line == 1235 and str(path) in str(err.value)


def test_gaitpdb_fast_and_line_by_line_reads_agree():
    """The pandas path gives bit-identical sessions to the line-by-line reader on every walk."""
    folder = shared_data("gaitpdb")
    walks = sorted(folder.glob("*_*.txt"))
    assert walks
    for path in walks:
        fast, slow = gaitpdb.read(path), read_by_lines(gaitpdb.read, path)
        for side in ("left", "right"):
            a, b = fast.feet[side], slow.feet[side]
            np.testing.assert_array_equal(a.time_s, b.time_s)
            np.testing.assert_array_equal(a.values, b.values)
            np.testing.assert_array_equal(a.total_force_n, b.total_force_n)
