"""The XSENSOR reader (CSV export of two insoles).

Data read from ../shared/data (never copied into the repository; damaged variants are written
to pytest's tmp_path): the pressuRe R package's example data (Telfer et al., MIT:
``xsensor_data.csv``).

The CoP checks compute the centre of pressure independently (``helpers``): from the file's text
parsed with plain Python, the sensel centres ``((c + 0.5) · col spacing, (r + 0.5) · row
spacing)`` of the file's own rows and columns, and the orientation each reader documents (toes
at row 0; column 0 lateral on a left insole, medial on a right one).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pressure.errors import FileFormatError
from pressure.io.load import load
from pressure.io.readers import xsensor

from .helpers import (
    analyze_writes_a_cop_path,
    assert_cop,
    damaged_line_is_named,
    empty_and_random_bytes_are_refused,
    grid_cop_foot,
    xsensor_csv,
)

MMHG_KPA = 0.133322387415


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
    assert "footprint suggests first_row=heel" in session.problems[0]


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


@pytest.mark.parametrize("kind", ["truncated", "ragged", "text"])
def test_damaged_line_is_named(tmp_path, kind):
    # frame 1, left matrix, row 19
    damaged_line_is_named("xsensor", xsensor_csv(), "csv", 101, kind, tmp_path)


def test_empty_and_random_bytes(tmp_path):
    empty_and_random_bytes_are_refused(tmp_path, xsensor)


def test_analyze_gives_a_cop_path(tmp_path):
    analyze_writes_a_cop_path(xsensor_csv(), tmp_path)
