"""What the Tekscan readers share (``pressure.io.readers._tekscan``): the ASF text parser, its two
paths (pandas and line by line) and its checks of the frames, and the orientation rule for
insole grids.

Data read from ../shared/data (never copied into the repository; damaged variants are written
to pytest's tmp_path): the pressuRe R package's example data (Telfer et al., MIT) and the
footPress repository's F-Scan walk (MIT).
"""

from __future__ import annotations

import numpy as np
import pytest

from pressure.errors import FileFormatError
from pressure.io.load import load
from pressure.io.readers import _tekscan

from .helpers import fscan_l, iscan_csv, lines_of, pair, write_lines


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
    assert "ends inside its last frame" in session.problems[0]
    # frame numbers must increase
    swapped = list(lines)
    swapped[92] = "Frame 1"
    with pytest.raises(FileFormatError, match="does not follow") as err:
        load(write_lines(tmp_path / "orderL.asf", swapped))
    assert err.value.line == 93
