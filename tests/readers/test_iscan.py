"""The Tekscan I-Scan reader (ASF text of a pressure mat).

Data read from ../shared/data (never copied into the repository; damaged variants are written
to pytest's tmp_path): the pressuRe R package's example data (Telfer et al., MIT:
``iscan_test.csv``).

The CoP checks compute the centre of pressure independently (``helpers``): from the file's text
parsed with plain Python, the sensel centres ``((c + 0.5) · col spacing, (r + 0.5) · row
spacing)`` of the file's own rows and columns, and the orientation each reader documents (toes
at row 0; column 0 lateral on a left insole, medial on a right one).
"""

from __future__ import annotations

import numpy as np
import pytest

from pressure.errors import FileFormatError
from pressure.io.load import load
from pressure.io.readers import iscan

from .helpers import (
    analyze_writes_a_cop_path,
    asf_text,
    assert_cop,
    damaged_line_is_named,
    empty_and_random_bytes_are_refused,
    iscan_csv,
    lines_of,
    write_lines,
)


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


@pytest.mark.parametrize("kind", ["truncated", "ragged", "text"])
def test_damaged_line_is_named(tmp_path, kind):
    damaged_line_is_named("iscan", iscan_csv(), "csv", 70, kind, tmp_path)  # frame 2, row 12


def test_empty_and_random_bytes(tmp_path):
    empty_and_random_bytes_are_refused(tmp_path, iscan)


def test_analyze_gives_a_cop_path(tmp_path):
    analyze_writes_a_cop_path(iscan_csv(), tmp_path)
