"""The stappone insole CSV reader and its geometry file.

Data read from ../shared/data (never copied into the repository; damaged variants and the
geometry file they need are written to pytest's tmp_path): the pressuRe R package's example
data (Telfer et al., MIT): ``stappone_example.csv``, ``stappone_geometry.csv``.
"""

from __future__ import annotations

import csv
import itertools
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from pressure.cli import main as cli_main
from pressure.cop import foot_cop
from pressure.errors import FileFormatError
from pressure.io.load import detect_format, load
from pressure.io.readers import stappone

from ..conftest import shared_data
from .helpers import (
    CSV_TIME_ATOL,
    R,
    assert_same_feet,
    check_session,
    empty_and_random_bytes_are_named,
    stappone_csv,
)


def _stappone_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def test_stappone_example(stappone_session):
    session = stappone_session
    check_session(session, "stappone")
    assert tuple(session.feet) == ("left",)  # sole_id 1 only in the example
    foot = session.feet["left"]
    assert foot is not None
    assert foot.n_frames == 4575 and foot.n_sensors == 12
    assert foot.unit == "raw"
    assert foot.sampling_rate_hz == 62.5  # 16 ms between samples
    assert session.duration_s == pytest.approx(73.2)  # 73 184 ms span + one interval
    header, rows = _stappone_rows(stappone_csv())
    p1 = header.index("pressure_01")
    for i in (0, 1000, 4574):
        assert foot.time_s[i] == (int(rows[i][1]) - int(rows[0][1])) / 1000
        np.testing.assert_array_equal(foot.values[i], [float(v) for v in rows[i][p1 : p1 + 12]])
        assert foot.vendor["accel_z_raw"][i] == float(rows[i][header.index("accel_z")])
    assert sorted(foot.vendor) == sorted(
        f"{s}_{a}_raw" for s in ("accel", "gyro", "magn") for a in "xyz"
    )
    assert session.quality["corrupt_left"] == 0 and session.quality["frames_lost"] == 0
    assert "inferred" in session.metadata["side_inference"]
    assert session.metadata["start_time_utc"].startswith("2026-01-15T")
    assert not session.problems


def _geometry_polygons() -> dict[int, np.ndarray]:
    polygons: dict[int, list[tuple[float, float]]] = {}
    with shared_data(R, "stappone_geometry.csv").open() as f:
        lines = [line for line in f if not line.startswith("#")]
    for row in list(csv.reader(lines))[1:]:
        polygons.setdefault(int(row[0]), []).append((float(row[1]), float(row[2])))
    return {k: np.array(v) for k, v in polygons.items()}


def _fan_area_centroid(ring: np.ndarray) -> tuple[float, float, float]:
    """Area and centroid by a fan of triangles from the first vertex (signed areas)."""
    a = ring[0]
    total, moment = 0.0, np.zeros(2)
    for b, c in itertools.pairwise(ring[1:]):
        signed = ((b[0] - a[0]) * (c[1] - a[1]) - (c[0] - a[0]) * (b[1] - a[1])) / 2
        total += signed
        moment += signed * (a + b + c) / 3
    return abs(total), *(moment / total)


def test_stappone_layout_is_the_polygons_in_the_foot_frame(stappone_session):
    layout = stappone_session.feet["left"].layout
    assert layout is not None and layout.name == "stappone12"
    polygons = _geometry_polygons()
    vertices = np.concatenate(list(polygons.values()))
    x_mid = (vertices[:, 0].min() + vertices[:, 0].max()) / 2
    y0 = vertices[:, 1].min()
    for k in range(12):
        area, cx, cy = _fan_area_centroid(polygons[k + 1])
        assert layout.area_mm2[k] == pytest.approx(area, rel=1e-12)
        assert layout.x_mm[k] == pytest.approx(cx - x_mid, abs=1e-9)
        assert layout.y_mm[k] == pytest.approx(cy - y0, abs=1e-9)
    assert layout.foot_length_mm == pytest.approx(np.ptp(vertices[:, 1]))
    assert layout.foot_width_mm == pytest.approx(np.ptp(vertices[:, 0]))
    # +x medial: the hallux (sensor 1) and the first metatarsal head (2) medial, the lateral
    # midfoot strip (7) and the fifth metatarsal head (9) lateral
    assert layout.x_mm[0] > 0 and layout.x_mm[1] > 0
    assert layout.x_mm[6] < 0 and layout.x_mm[8] < 0
    assert layout.y_mm[1] > layout.y_mm[8]  # MTH1 ahead of MTH5
    assert np.flatnonzero(layout.regions["auto.hallux"]).tolist() == [0]
    assert np.flatnonzero(layout.regions["auto.lesser_toes"]).tolist() == [11]
    assert np.flatnonzero(layout.regions["auto.heel"]).tolist() == [7, 9, 10]
    # the outline is the hull of the polygons: every sensor inside it
    assert layout.outline_mm[:, 1].min() == 0 and layout.outline_mm[:, 1].max() == pytest.approx(
        layout.foot_length_mm
    )


def test_stappone_cop_equals_an_independent_computation(stappone_session):
    foot = stappone_session.feet["left"]
    cop = foot_cop(foot)
    assert cop is not None
    polygons = _geometry_polygons()
    vertices = np.concatenate(list(polygons.values()))
    centres = np.array([_fan_area_centroid(polygons[k])[1:] for k in range(1, 13)])
    centres -= [(vertices[:, 0].min() + vertices[:, 0].max()) / 2, vertices[:, 1].min()]
    header, rows = _stappone_rows(stappone_csv())
    p1 = header.index("pressure_01")
    raw = np.array([[float(v) for v in row[p1 : p1 + 12]] for row in rows])
    load_raw = raw.sum(axis=1)  # raw units: the readings are the weights
    loaded = load_raw >= 0.05 * np.percentile(load_raw, 95)
    np.testing.assert_array_equal(np.isfinite(cop.x_mm), loaded)
    expected = raw[loaded] @ centres / load_raw[loaded, None]
    np.testing.assert_allclose(cop.x_mm[loaded], expected[:, 0], rtol=0, atol=1e-9)
    np.testing.assert_allclose(cop.y_mm[loaded], expected[:, 1], rtol=0, atol=1e-9)


def test_stappone_geometry_beside_the_file_or_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv(stappone.GEOMETRY_ENV, raising=False)
    data = tmp_path / "walk.csv"
    shutil.copy(stappone_csv(), data)
    session = load(data)
    assert session.feet["left"].layout is None
    assert any(stappone.GEOMETRY_FILE in p for p in session.problems)
    monkeypatch.setenv(stappone.GEOMETRY_ENV, str(stappone_csv().parent))
    assert load(data).feet["left"].layout == load(stappone_csv()).feet["left"].layout
    # a geometry file whose outlines do not fit the pressure columns: named
    monkeypatch.delenv(stappone.GEOMETRY_ENV)
    geometry = tmp_path / stappone.GEOMETRY_FILE
    lines = stappone_csv().with_name(stappone.GEOMETRY_FILE).read_text().splitlines()
    geometry.write_text("\n".join(line for line in lines if not line.startswith("12,")) + "\n")
    with pytest.raises(FileFormatError, match=r"12 pressure columns, but .*stappone_geometry"):
        load(data)
    geometry.write_text("\n".join([*lines[:3], "1,-56,abc", *lines[4:]]) + "\n")
    with pytest.raises(FileFormatError) as err:
        load(data)
    assert err.value.path == geometry and err.value.line == 4


STAPPONE_HEADER = (
    "sole_id,timestamp,accel_x,accel_y,accel_z,gyro_x,gyro_y,gyro_z,magn_x,magn_y,magn_z,"
    + ",".join(f"pressure_{k:02d}" for k in range(1, 13))
    + ",corrupt"
)


def _stappone_row(sole: int, ms: int, level: int, corrupt: int = 0) -> str:
    imu = [10, 20, 9800, 1, 2, 3, 0, 0, 0]
    return ",".join(map(str, [sole, ms, *imu, *[level + k for k in range(12)], corrupt]))


def test_stappone_two_soles_corrupt_duplicates_and_gaps(tmp_path):
    rows = [STAPPONE_HEADER]
    for k in range(40):
        rows.append(_stappone_row(1, 1000 + 16 * k, 100 + k, corrupt=int(k == 5)))
        if k != 20:  # sole 2 misses one sample
            rows.append(_stappone_row(2, 1008 + 16 * k, 300 + k))
    rows.insert(8, rows[7])  # an exact repeat
    path = tmp_path / "two.csv"
    path.write_text("\n".join(rows) + "\n")
    session = load(path)
    check_session(session, "stappone")
    left, right = session.feet["left"], session.feet["right"]
    assert left is not None and right is not None
    assert left.time_s[0] == 0 and right.time_s[0] == pytest.approx(0.008)
    assert left.sampling_rate_hz == right.sampling_rate_hz == 62.5
    assert right.n_frames == 39
    q = session.quality
    assert q["corrupt_left"] == 1 and q["gaps_right"] == 1 and q["frames_lost"] == 1
    assert sum(v for k, v in q.items() if k.startswith("duplicate_rows")) == 1
    assert np.isnan(left.values[5]).all() and np.isnan(left.vendor["accel_x_raw"][5])
    assert np.isfinite(np.delete(left.values, 5, axis=0)).all()
    assert left.values[6, 0] == 106 and right.values[0, 11] == 311
    assert left.layout is None  # no geometry in tmp_path
    # a timestamp that goes back names its line
    rows[12] = _stappone_row(1, 900, 1)
    path.write_text("\n".join(rows) + "\n")
    with pytest.raises(FileFormatError, match="does not increase") as err:
        load(path)
    assert err.value.line == 13


def _damaged_copy(tmp_path: Path, source: Path, kind: str) -> tuple[Path, int]:
    """A copy of ``source`` with one data line in its second half damaged (as the
    conformance test does) and the 1-based number of that line."""
    for sibling in source.parent.glob("*_geometry.csv"):
        shutil.copy(sibling, tmp_path / sibling.name)
    lines = source.read_bytes().splitlines(keepends=True)
    index = len(lines) * 3 // 5
    body = lines[index].rstrip(b"\r\n")
    end = lines[index][len(body) :]
    fields = body.split(b",")
    before, after = b"".join(lines[:index]), b"".join(lines[index + 1 :])
    if kind == "truncated":
        data = before + body[: len(body) // 2]
    elif kind == "ragged":
        del fields[len(fields) // 2]
        data = before + b",".join(fields) + end + after
    else:
        fields[len(fields) // 2] = b"abc"
        data = before + b",".join(fields) + end + after
    target = tmp_path / source.name
    target.write_bytes(data)
    return target, index + 1


@pytest.mark.parametrize("kind", ["truncated", "ragged", "text"])
def test_stappone_damaged_copy_is_still_detected(tmp_path, kind):
    """The conformance test damages these same bytes (``test_damaged_line_is_named``, case
    stappone) and checks the one-line error naming the file and line; here, that the copy is
    still taken for a stappone file: the damage is after the header."""
    target, line = _damaged_copy(tmp_path, stappone_csv(), kind)
    assert line > 1
    assert detect_format(target) == "stappone"


def test_stappone_walk_gives_steps_and_a_cop_path(tmp_path, capsys):
    cop_csv = tmp_path / "cop.csv"
    assert cli_main(["analyze", str(stappone_csv()), "--json", "--cop-csv", str(cop_csv)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["gait"]["steps"]["left"] >= 50  # about 58 strides in 73 s of walking
    text = cop_csv.read_text().splitlines()
    assert text[0].startswith("time_s,side,cop_ml_mm,cop_ap_mm")
    assert len(text) == 4576


def test_empty_and_random_bytes_are_named(tmp_path, capsys):
    empty_and_random_bytes_are_named(tmp_path, ".csv", "stappone", capsys)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_convert_round_trip(suffix, stappone_session, converted):
    assert_same_feet(
        load(converted(stappone_csv(), suffix)),
        stappone_session,
        CSV_TIME_ATOL if suffix == ".csv" else 0.0,
    )
