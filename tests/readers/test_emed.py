"""The Novel emed reader (.lst platform printouts).

Data: the pressuRe R package's example data (Telfer et al., MIT) in
../shared/data/pressure_r_extdata, never copied into the repository (damaged copies and
synthetic files are written to tmp_path). Every check that compares with the file reads the
raw text here, independently of the reader.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import numpy as np
import pytest

from pressure.errors import FileFormatError
from pressure.io.load import detect_format, load
from pressure.model import Session

from ..conftest import shared_data
from .helpers import R, check_session, plate_cop_check


@pytest.fixture(scope="module")
def emed_session(loaded) -> Session:
    return loaded(shared_data(R, "emed_test.lst"))


def _emed_raw() -> tuple[np.ndarray, np.ndarray]:
    """All 106 frames as (frames, 95, 64) kPa and the printed frame forces, parsed here."""
    lines = shared_data(R, "emed_test.lst").read_bytes().decode("latin-1").split("\n")
    frames, forces = [], []
    for k, line in enumerate(lines):
        if "Pict-No.:" not in line:
            continue
        columns = [int(c) for c in lines[k + 2].split("\t")[1:-1]]
        image = np.zeros((95, 64))
        j = k + 3
        while not lines[j].startswith("Force"):
            cells = lines[j].split("\t")
            image[int(cells[0]) - 1, np.array(columns) - 1] = [float(v) for v in cells[1:-1]]
            j += 1
        forces.append(float(lines[j].split("\t")[-1]))
        frames.append(image)
    return np.array(frames), np.array(forces)


def test_emed_example(emed_session):
    s = emed_session
    check_session(s, "emed")
    images, forces = _emed_raw()
    assert images.shape == (106, 95, 64)
    meta = s.metadata
    assert meta["matrix_columns"] == 64 and meta["matrix_rows"] == 95
    assert meta["sensor_pitch_mm"] == [5.0, 5.0] and meta["frame_period_s"] == 0.01
    assert meta["unit_check"]["force_over_sum_times_area_cm2"] == pytest.approx(0.1, abs=1e-3)
    assert meta["printout"] == ["MV over frames"] and "summary_pages" not in meta
    assert s.quality == {"frames": 106, "pages": 106}
    flat = images.reshape(106, -1)
    plate = meta["plate"]
    assert plate["sensors_total"] == 95 * 64
    for side, foot in s.feet.items():
        assert foot.unit == "kpa" and foot.sampling_rate_hz == 100.0
        np.testing.assert_allclose(foot.time_s, np.arange(106) * 0.01, atol=1e-12)
        np.testing.assert_array_equal(foot.values, flat[:, plate[side]["sensors"]])
        np.testing.assert_array_equal(foot.vendor["plate_force_n"], forces)
    # page 1 (line 57): row 75 holds 15, 10, 10 kPa at columns 31-33
    assert images[0, 74, 30:33].tolist() == [15.0, 10.0, 10.0]
    # the printed force is the frame's pressure sum × 0.25 cm² in kPa (2 decimals per row)
    np.testing.assert_allclose(forces, flat.sum(axis=1) * 0.025, atol=0.06)
    assert s.duration_s == pytest.approx(1.06)


def test_emed_cop_equals_an_independent_computation(emed_session):
    images, _ = _emed_raw()
    r, c = np.divmod(np.arange(95 * 64), 64)
    x, y = (c + 0.5) * 5.0, (95 - r - 0.5) * 5.0  # Y up the page (rows are listed downward)
    plate_cop_check(emed_session, x, y, images.reshape(len(images), -1) * 25.0)


def _emed_page(
    page: int, picture: str, columns: list[int], rows: dict[int, list[float]], matrix: str = "8x10"
) -> str:
    head = (
        f"\n\t\t\t\tPage {page}\n\n\tFile: C:\\x\\s.dat \tMatrix: {matrix} \n"
        "\tSensor area: 0.25 cm\xb2\tTime/picture:20.0 ms\n\tMV over frames\n"
        "\tSensor size: 0.500x0.500 cm\n\tnovel munich/st.paul/london\n"
        "\tpedar is a registered trademark of novel\n"
        f"\t{picture}  Force[N]=sum*sensor_area in row/column\n\n"
        "\t" + "\t".join(str(k) for k in columns) + "\tForce\n"
    )
    body = "".join(
        f"{r}\t" + "\t".join(f"{v:.2f}" for v in vals) + f"\t{sum(vals) * 0.025:.2f}\n"
        for r, vals in rows.items()
    )
    column_force = [sum(v[k] for v in rows.values()) * 0.025 for k in range(len(columns))]
    total = sum(column_force)
    force = "Force\t" + "\t".join(f"{v:.2f}" for v in column_force) + f"\t{total:.2f}\n\f\n"
    return head + body + force


def _synthetic_emed(tmp_path: Path, extra: str = "") -> Path:
    pages = [
        _emed_page(1, "Pict-No.: 1", [3, 4], {5: [10.0, 20.0], 6: [30.0, 40.0]}),
        _emed_page(2, "Pict-No.: 2", [2, 3, 4, 5], {4: [1.0, 2.0, 3.0, 4.0], 7: [5, 6, 7, 8]}),
        _emed_page(3, "Pict-No.: 4", [4], {1: [50.0], 10: [60.0]}),
    ]
    path = tmp_path / "synthetic.lst"
    path.write_bytes(("".join(pages) + extra).encode("latin-1"))
    return path


def test_emed_sub_rectangles_differ_per_page_and_summary_pages_are_left_out(tmp_path):
    path = _synthetic_emed(tmp_path, _emed_page(4, "MVP", [3], {5: [99.0]}))
    assert detect_format(path) == "emed"
    s = load(path)
    full = np.zeros((3, 10, 8))
    full[0, 4, 2:4], full[0, 5, 2:4] = [10, 20], [30, 40]
    full[1, 3, 1:5], full[1, 6, 1:5] = [1, 2, 3, 4], [5, 6, 7, 8]
    full[2, 0, 3], full[2, 9, 3] = 50, 60
    flat = full.reshape(3, -1)
    for side, foot in s.feet.items():
        index = s.metadata["plate"][side]["sensors"]
        np.testing.assert_array_equal(foot.values, flat[:, index])
        np.testing.assert_allclose(foot.time_s, [0.0, 0.02, 0.06])  # pictures 1, 2, 4
    used = np.concatenate([s.metadata["plate"][side]["sensors"] for side in s.feet])
    assert sorted(used.tolist()) == np.flatnonzero(flat.max(axis=0) > 0).tolist()
    (summary,) = s.metadata["summary_pages"]
    assert summary["page"] == 4 and summary["title"].startswith("MVP")
    assert path.read_text("latin-1").split("\n")[summary["line"] - 1].strip() == "Page 4"
    assert s.quality["summary_pages"] == 1 and s.quality["frames"] == 3


def test_emed_damaged(tmp_path):
    source = shared_data(R, "emed_test.lst")
    lines = source.read_bytes().decode("latin-1").split("\n")
    path = tmp_path / "bad.lst"

    def fails(text: str, line: int | None, match: str) -> None:
        path.write_bytes(text.encode("latin-1"))
        with pytest.raises(FileFormatError, match=match) as info:
            load(path)
        assert info.value.path == path and info.value.line == line

    k = 4300  # a data row inside a page
    assert re.match(r"\d+\t", lines[k])
    fails("\n".join(lines[:k]) + "\n" + lines[k][:40], k + 1, "truncated")
    fields = lines[k].split("\t")
    fails(
        "\n".join([*lines[:k], "\t".join(fields[:5] + fields[6:]), *lines[k + 1 :]]),
        k + 1,
        "23 fields, expected 24",
    )
    fails(
        "\n".join([*lines[:k], "\t".join([*fields[:7], "abc", *fields[8:]]), *lines[k + 1 :]]),
        k + 1,
        "'abc' is not a",
    )
    # a row number outside the matrix, a picture number that does not increase
    fails(
        "\n".join([*lines[:k], "\t".join(["99", *fields[1:]]), *lines[k + 1 :]]),
        k + 1,
        "outside 1..95",
    )
    picture = _picture_line(lines, k)
    again = list(lines)
    again[picture - 1] = re.sub(r"Pict-No\.: \d+", "Pict-No.: 1", again[picture - 1])
    fails("\n".join(again), picture, "not increasing")
    # cut right after a page's picture line
    fails("\n".join(lines[:picture]) + "\n", picture, "no table")
    fails("", None, "empty")
    path.write_bytes(np.random.default_rng(5).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    with pytest.raises(FileFormatError) as info:
        load(path)
    assert info.value.path == path


def _picture_line(lines: list[str], index: int) -> int:
    """1-based line of the picture line of the page holding ``lines[index]``."""
    return max(k for k in range(index) if "Pict-No.:" in lines[k]) + 1


def test_load_time_stays_small():
    path = shared_data(R, "emed_test.lst")
    start = time.perf_counter()
    load(path)
    assert time.perf_counter() - start < 5.0
