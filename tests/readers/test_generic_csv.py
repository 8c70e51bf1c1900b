"""stappone insole CSV, RSscan footscan .xls and the generic sensor table (CSV / Parquet).

Data read from ../shared/data (never copied into the repository; damaged variants and the
geometry file they need are written to pytest's tmp_path): the pressuRe R package's example
data (Telfer et al., MIT): ``stappone_example.csv``, ``stappone_geometry.csv``,
``footscan_test.xls``. The generic tables are synthetic, written here.
"""

from __future__ import annotations

import csv
import importlib
import itertools
import random
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pressure.analysis.cop import foot_cop
from pressure.cli import main as cli_main
from pressure.errors import FileFormatError
from pressure.io.load import detect_format, load
from pressure.io.readers import footscan, generic_csv, read_head, readers, stappone
from pressure.layout import SensorLayout
from pressure.model import FootRecording, Session
from pressure.simulator import SyntheticGait
from tests.conftest import ROOT, SHARED_DATA, shared_data, simulated_session
from tests.readers.test_moticon import check_session

R = "pressure_r_extdata"
MINE = {"stappone", "footscan", "generic_csv"}


def _stappone() -> Path:
    shared_data(R, "stappone_geometry.csv")
    return shared_data(R, "stappone_example.csv")


def _footscan() -> Path:
    return shared_data(R, "footscan_test.xls")


@pytest.fixture(scope="module")
def stappone_session() -> Session:
    return load(_stappone())


@pytest.fixture(scope="module")
def footscan_session() -> Session:
    return load(_footscan())


def _assert_same_feet(back: Session, original: Session) -> None:
    assert tuple(back.feet) == tuple(original.feet)
    for side, foot in original.feet.items():
        again = back.feet[side]
        assert again.unit == foot.unit
        assert again.sampling_rate_hz == foot.sampling_rate_hz
        np.testing.assert_array_equal(again.time_s, foot.time_s)
        np.testing.assert_array_equal(again.values, foot.values)
        if foot.total_force_n is None:
            assert again.total_force_n is None
        else:
            np.testing.assert_array_equal(again.total_force_n, foot.total_force_n)
        assert again.layout == foot.layout


# --- detection -------------------------------------------------------------------------------


def test_detection_claims_only_our_files():
    """Our readers claim none of the other example files, and the others none of ours."""
    if not SHARED_DATA.exists():
        pytest.skip("no ../shared/data")
    ours = {
        _stappone(): "stappone",
        _footscan(): "footscan",
        ROOT / "sample_data" / "fsr8_walk.csv": "generic_csv",  # a CSV with its layout file
    }
    mine = [r for r in readers() if r.NAME in MINE]
    files = [p for p in sorted(SHARED_DATA.rglob("*")) if p.is_file()]
    files += [p for p in sorted((ROOT / "sample_data").iterdir()) if p.is_file()]
    for path in files:
        head = read_head(path)
        claimed = {r.NAME for r in mine if r.detect(path, head)}
        expected = {ours[path]} if path in ours else set()
        assert claimed == expected, path
    for path, name in ours.items():
        assert detect_format(path) == name


def test_footscan_detection_by_magic_markers_and_suffix(tmp_path):
    magic = footscan.OLE2_MAGIC
    assert footscan.detect(tmp_path / "a.dat", magic + b"\0" * 100 + b"Scanning speed")
    assert footscan.detect(tmp_path / "a.dat", magic + "Dynamic Roll off".encode("utf-16-le"))
    assert footscan.detect(tmp_path / "a.xls", magic + b"\0" * 100)  # a workbook named .xls
    assert not footscan.detect(tmp_path / "a.doc", magic + b"\0" * 100)  # some other OLE2 file
    assert not footscan.detect(tmp_path / "a.xls", b"Scanning speed")  # no OLE2 magic


# --- stappone --------------------------------------------------------------------------------


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
    header, rows = _stappone_rows(_stappone())
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
    assert "problems" not in session.metadata


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
    header, rows = _stappone_rows(_stappone())
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
    shutil.copy(_stappone(), data)
    session = load(data)
    assert session.feet["left"].layout is None
    assert any(stappone.GEOMETRY_FILE in p for p in session.metadata["problems"])
    monkeypatch.setenv(stappone.GEOMETRY_ENV, str(_stappone().parent))
    assert load(data).feet["left"].layout == load(_stappone()).feet["left"].layout
    # a geometry file whose outlines do not fit the pressure columns: named
    monkeypatch.delenv(stappone.GEOMETRY_ENV)
    geometry = tmp_path / stappone.GEOMETRY_FILE
    lines = _stappone().with_name(stappone.GEOMETRY_FILE).read_text().splitlines()
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
def test_stappone_damaged_line_is_named(tmp_path, kind, capsys):
    target, line = _damaged_copy(tmp_path, _stappone(), kind)
    assert detect_format(target) == "stappone"
    with pytest.raises(FileFormatError) as err:
        load(target)
    assert err.value.path == target and err.value.line == line, str(err.value)
    assert cli_main(["analyze", str(target)]) == 1
    message = capsys.readouterr().err.strip().splitlines()
    assert len(message) == 1 and str(target) in message[0] and f"line {line}" in message[0]


@pytest.mark.parametrize(
    ("suffix", "reader"), [(".csv", "stappone"), (".xls", "footscan"), (".parquet", "generic_csv")]
)
def test_empty_and_random_bytes_are_named(tmp_path, suffix, reader, capsys):
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
        assert cli_main(["analyze", str(target)]) == 1
        message = capsys.readouterr().err.strip().splitlines()
        assert len(message) == 1 and str(target) in message[0]


def test_stappone_walk_gives_steps_and_a_cop_path(tmp_path, capsys):
    import json

    cop_csv = tmp_path / "cop.csv"
    assert cli_main(["analyze", str(_stappone()), "--json", "--cop-csv", str(cop_csv)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["gait"]["steps"]["left"] >= 50  # about 58 strides in 73 s of walking
    text = cop_csv.read_text().splitlines()
    assert text[0].startswith("time_s,side,cop_ml_mm,cop_ap_mm")
    assert len(text) == 4576


# --- footscan --------------------------------------------------------------------------------


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
    assert cli_main(["analyze", str(target)]) == 1
    message = capsys.readouterr().err.strip().splitlines()
    assert len(message) == 1 and str(target) in message[0]


def test_footscan_analyze_gives_a_cop_path(tmp_path):
    cop_csv = tmp_path / "cop.csv"
    assert cli_main(["analyze", str(_footscan()), "--cop-csv", str(cop_csv)]) == 0
    lines = cop_csv.read_text().splitlines()
    assert lines[0].startswith("time_s,side,cop_ml_mm,cop_ap_mm")
    assert sum(1 for line in lines[1:] if line.split(",")[2]) > 300


# --- generic tables --------------------------------------------------------------------------

LAYOUT_CSV = """# name: test4
# foot_length_mm: 250
# foot_width_mm: 100
sensor,x_mm,y_mm,area_mm2
1,-20,30,300
2,20,35,300
3,-25,180,250
4,25,190,200
"""
XY = np.array([[-20, 30], [20, 35], [-25, 180], [25, 190]], dtype=float)
AREA = np.array([300, 300, 250, 200], dtype=float)


def _pressures(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    values = np.round(rng.uniform(0, 400, (n, 4)), 2)
    values[::7] = 0.0  # unloaded frames
    return values


def _wide(tmp_path: Path, name: str = "walk.csv", n: int = 60) -> tuple[Path, np.ndarray]:
    left, right = _pressures(n, 1), _pressures(n, 2)
    lines = [
        "# a home-made insole",
        "# sampling_rate_hz: 50",
        "time_ms,note,"
        + ",".join([f"left_{k}_kpa" for k in range(1, 5)] + [f"R{k}_kpa" for k in (2, 1, 4, 3)]),
    ]
    for i in range(n):
        cells = (
            [f"{20 * i}", "x"]
            + [repr(float(v)) for v in left[i]]
            + [repr(float(right[i][k - 1])) for k in (2, 1, 4, 3)]
        )
        lines.append(",".join(cells))
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path, np.stack([left, right])


def test_generic_wide_table_with_a_layout(tmp_path):
    path, (left, right) = _wide(tmp_path)
    assert generic_csv.detect(path, read_head(path)) is False  # no layout beside it yet
    assert detect_format(path) is None
    (tmp_path / "layout.csv").write_text(LAYOUT_CSV)
    assert detect_format(path) == "generic_csv"
    session = load(path)
    check_session(session, "generic_csv")
    assert tuple(session.feet) == ("left", "right")
    for foot, expected in zip(session.feet.values(), (left, right), strict=True):
        assert foot.unit == "kpa" and foot.sampling_rate_hz == 50.0
        np.testing.assert_array_equal(foot.values, expected)
        np.testing.assert_allclose(foot.time_s, np.arange(60) * 0.02, rtol=0, atol=1e-12)
        assert foot.layout is not None and foot.layout.name == "test4"
        np.testing.assert_array_equal(foot.layout.x_mm, XY[:, 0])
        cop = foot_cop(foot)
        assert cop is not None
        force = expected * AREA * 1e-3  # kPa × mm² = mN
        loaded = force.sum(axis=1) >= 20.0
        np.testing.assert_array_equal(np.isfinite(cop.x_mm), loaded)
        want = force[loaded] @ XY / force[loaded].sum(axis=1, keepdims=True)
        np.testing.assert_allclose(cop.x_mm[loaded], want[:, 0], rtol=0, atol=1e-9)
        np.testing.assert_allclose(cop.y_mm[loaded], want[:, 1], rtol=0, atol=1e-9)
    assert session.metadata["ignored_columns"] == ["note"]
    assert session.metadata["header"]["sampling_rate_hz"] == "50"


def test_generic_single_foot_without_time_and_own_layout_name(tmp_path):
    lines = [
        "# sampling_rate_hz: 100",
        "# unit: n",
        "# side: right",
        "sensor_1,sensor_2,sensor_3,sensor_4",
    ]
    lines += [f"{i},{2 * i},,{i % 3}" for i in range(10)]
    path = tmp_path / "trial.csv"
    path.write_text("\n".join(lines) + "\n")
    (tmp_path / "trial.layout.json").write_text(
        '{"grid": {"rows": 2, "cols": 2, "row_spacing_mm": 10, "col_spacing_mm": 8}}'
    )
    (tmp_path / "layout.csv").write_text("not a layout: the named one comes first\n")
    session = load(path)
    assert tuple(session.feet) == ("right",)
    foot = session.feet["right"]
    assert foot.unit == "n" and foot.sampling_rate_hz == 100.0
    np.testing.assert_allclose(foot.time_s, np.arange(10) / 100)
    assert np.isnan(foot.values[:, 2]).all() and session.quality["empty_cells_right"] == 10
    assert foot.layout is not None and foot.layout.name == "grid2x2"
    path.write_text("\n".join(lines[:2] + lines[3:]) + "\n")  # which foot, then?
    with pytest.raises(FileFormatError, match="which"):
        load(path)


def test_generic_errors_name_the_line_and_the_files(tmp_path):
    path, _ = _wide(tmp_path)
    (tmp_path / "layout.csv").write_text(LAYOUT_CSV)
    lines = path.read_text().splitlines()
    for damage, line_no, message in [
        (lambda c: c[:5], 10, "fields"),
        (lambda c: [*c[:4], "abc", *c[5:]], 10, "'abc' is not a number"),
        (lambda c: ["", *c[1:]], 10, "empty time_ms cell"),
        (lambda c: ["0", *c[1:]], 10, "does not increase"),
    ]:
        cells = lines[9].split(",")
        path.write_text("\n".join([*lines[:9], ",".join(damage(cells)), *lines[10:]]) + "\n")
        with pytest.raises(FileFormatError, match=message) as err:
            load(path)
        assert err.value.line == line_no and err.value.path == path
    path.write_text("\n".join(lines[:20]) + "\n" + lines[20][:9])  # cut inside a line
    with pytest.raises(FileFormatError, match="truncated") as err:
        load(path)
    assert err.value.line == 21
    path.write_text("\n".join(lines) + "\n")
    (tmp_path / "layout.csv").write_text(LAYOUT_CSV + "5,0,100,100\n")
    with pytest.raises(
        FileFormatError, match=r"4 sensor columns, but the layout file .*layout\.csv has 5"
    ):
        load(path)


def test_generic_tidy_table_detected_without_layout_and_its_errors(tmp_path):
    rows = ["time_s,side,sensor_1_adc,sensor_2_adc,sensor_3_adc"]
    for i in range(6):
        rows.append(f"{i * 0.01},left,{i},{i + 1},{i + 2}")
        rows.append(f"{i * 0.01 + 0.005},right,{10 * i},{10 * i + 1},")
    path = tmp_path / "t.csv"
    path.write_text("\n".join(rows) + "\n")
    assert detect_format(path) == "generic_csv"
    session = load(path)
    assert session.feet["left"].n_sensors == 3 and session.feet["right"].n_sensors == 2
    assert session.feet["left"].unit == "adc" and session.feet["left"].sampling_rate_hz == 100.0
    assert session.feet["left"].layout is None and session.metadata["table_form"] == "tidy"
    np.testing.assert_array_equal(session.feet["right"].values[:, 1], 10 * np.arange(6) + 1)
    for bad, message in [
        ("0.02,middle,1,2,3", "'middle' is not 'left' or 'right'"),
        ("0.0,left,1,2,3", "does not increase"),
    ]:
        path.write_text("\n".join([*rows[:5], bad, *rows[6:]]) + "\n")
        with pytest.raises(FileFormatError, match=message) as err:
            load(path)
        assert err.value.line == 6
    # a random CSV is not taken
    other = tmp_path / "shopping.csv"
    other.write_text("item,count\neggs,6\n")
    assert detect_format(other) is None


def _two_feet_session() -> Session:
    """Two feet with different sensor counts, layouts, NaNs, a total force and unequal rates."""
    base = simulated_session(SyntheticGait(seconds=3, sensors=16, drop_fraction=0.05))
    left = base.left
    assert left is not None and left.layout is not None
    values = left.values.copy()
    values[3, 2] = np.nan
    values[:, -1] = np.nan  # a dead last sensor
    lay = SensorLayout(
        name="six",
        x_mm=np.array([-10.0, 10, -12, 12, -8, 8]),
        y_mm=np.array([20.0, 20, 120, 120, 200, 205]),
        area_mm2=np.full(6, 150.0),
        foot_length_mm=240.0,
        foot_width_mm=90.0,
        outline_mm=np.array([[-45.0, 0], [45, 0], [45, 240], [-45, 240], [-45, 0]]),
    )
    t = np.arange(90) / 30 + 0.0123
    right = FootRecording(
        side="right",
        time_s=t,
        values=np.abs(np.sin(np.outer(t, np.arange(1, 7)))) * 100,
        unit="kpa",
        sampling_rate_hz=30.001,  # a nominal rate the times do not show
        layout=lay,
        total_force_n=np.linspace(0, 700, 90),
    )
    no_layout_left = FootRecording(
        side="left",
        time_s=left.time_s,
        values=values,
        unit="kpa",
        sampling_rate_hz=left.sampling_rate_hz,
    )
    return Session(Path("made"), "made", no_layout_left, right, metadata={"x": np.int64(3)})


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_write_table_reads_back_the_same_feet(tmp_path, suffix):
    for session in (
        simulated_session(SyntheticGait(seconds=4, drop_fraction=0.03)),
        _two_feet_session(),
    ):
        out = tmp_path / f"{session.format}{suffix}"
        generic_csv.write_table(session, out)
        assert detect_format(out) == "generic_csv"
        back = load(out)
        check_session(back, "generic_csv")
        _assert_same_feet(back, session)
        if suffix == ".parquet":
            assert back.metadata["source_format"] == session.format
    assert suffix == ".parquet" or (
        (tmp_path / "made.csv")
        .read_text()
        .startswith("# left.n_sensors: 16\n# right.sampling_rate_hz")
    )


def test_write_table_refuses_mixed_units_and_drops_a_stale_layout(tmp_path):
    session = simulated_session(SyntheticGait(seconds=1))
    out = tmp_path / "a.csv"
    generic_csv.write_table(session, out)
    assert (tmp_path / "a.layout.csv").exists()
    no_layout = Session(
        Path("b"),
        "b",
        FootRecording(
            "left", session.feet["left"].time_s, session.feet["left"].values, "kpa", 100.0
        ),
        None,
    )
    generic_csv.write_table(no_layout, out)
    assert not (tmp_path / "a.layout.csv").exists() and load(out).feet["left"].layout is None
    mixed = Session(
        Path("c"),
        "c",
        FootRecording("left", np.arange(3.0), np.ones((3, 2)), "kpa", 1.0),
        FootRecording("right", np.arange(3.0), np.ones((3, 2)), "n", 1.0),
    )
    with pytest.raises(FileFormatError, match="different units"):
        generic_csv.write_table(mixed, out)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_convert_round_trip_of_stappone_and_footscan(
    tmp_path, suffix, stappone_session, footscan_session
):
    for session, source in ((stappone_session, _stappone()), (footscan_session, _footscan())):
        out = tmp_path / f"{source.stem}{suffix}"
        assert cli_main(["convert", str(source), str(out)]) == 0
        _assert_same_feet(load(out), session)


def test_convert_of_a_recording_reads_back_as_a_tidy_table(tmp_path):
    out = tmp_path / "walk.csv"
    assert cli_main(["convert", str(ROOT / "sample_data" / "walk_normal.insole"), str(out)]) == 0
    session = load(out)
    assert session.format == "generic_csv" and tuple(session.feet) == ("left", "right")
    assert session.feet["left"].unit == "kpa" and "seq" in session.feet["left"].vendor
    original = load(ROOT / "sample_data" / "walk_normal.insole")
    np.testing.assert_allclose(
        session.feet["left"].values, original.feet["left"].values, rtol=1e-12
    )


def test_parquet_layout_in_the_schema_and_damaged_parquet(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    session = _two_feet_session()
    out = tmp_path / "s.parquet"
    generic_csv.write_table(session, out)
    schema = pq.read_schema(out).metadata
    assert schema[generic_csv.LAYOUT_KEY].startswith(b"# name: six\n")
    assert b"1,-10,20,150,right\n" in schema[generic_csv.LAYOUT_KEY]
    assert not list(tmp_path.glob("*.layout.csv"))
    table = pq.read_table(out)
    broken = dict(schema)
    broken[generic_csv.LAYOUT_KEY] = b"sensor,x_mm,y_mm,area_mm2\n1,0,abc,10\n"
    pq.write_table(table.replace_schema_metadata(broken), out)
    with pytest.raises(FileFormatError, match=r"layout in the schema metadata .* line 2") as err:
        load(out)
    assert err.value.path == out
    cut = tmp_path / "cut.parquet"
    pq.write_table(table, tmp_path / "s.parquet")
    data = (tmp_path / "s.parquet").read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(FileFormatError, match="not a readable Parquet file") as err:
        load(cut)
    assert err.value.path == cut
    nosides = tmp_path / "n.parquet"
    pq.write_table(pa.table({"a": [1.0, 2.0]}), nosides)
    with pytest.raises(FileFormatError, match="no sensor columns"):
        load(nosides)


def test_pandas_and_line_by_line_reads_agree(tmp_path, monkeypatch, stappone_session):
    wide, _ = _wide(tmp_path)
    (tmp_path / "layout.csv").write_text(LAYOUT_CSV)
    tidy = tmp_path / "tidy.csv"
    generic_csv.write_table(_two_feet_session(), tidy)
    fast = {"stappone": stappone_session, "wide": load(wide), "tidy": load(tidy)}

    def refuse(*args, **kwargs):
        raise AssertionError("clean files are read by pandas")

    monkeypatch.setattr(generic_csv, "_block_by_lines", refuse)
    load(wide)  # the pandas path alone reads a clean file
    monkeypatch.undo()
    monkeypatch.setattr(generic_csv, "_block_by_pandas", lambda *args, **kwargs: None)
    slow = {"stappone": load(_stappone()), "wide": load(wide), "tidy": load(tidy)}
    for name, session in fast.items():
        _assert_same_feet(slow[name], session)
        for side, foot in session.feet.items():
            assert foot.vendor.keys() == slow[name].feet[side].vendor.keys()
            for key, column in foot.vendor.items():
                np.testing.assert_array_equal(slow[name].feet[side].vendor[key], column)


def test_generic_settings_errors_name_their_line(tmp_path):
    path = tmp_path / "s.csv"
    body = "sensor_1,sensor_2\n1,2\n3,4\n"
    for settings, message, line in [
        ("# note: a\n# note: b\n# sampling_rate_hz: fast\n# side: left\n", "'fast' is not", 3),
        ("# sampling_rate_hz: 10\n# unit: psi\n# side: left\n", "unit: 'psi' is not one of", 2),
        ("# sampling_rate_hz: 10\n# side: middle\n", "side: 'middle'", 2),
        ("# sampling_rate_hz: 10\n# sampling_rate_hz: 20\n", "given twice", 2),
    ]:
        path.write_text(settings + body)
        with pytest.raises(FileFormatError, match=message) as err:
            generic_csv.read(path)
        assert err.value.line == line
    path.write_text("# note: a\n# note: b\n# sampling_rate_hz: 10\n# side: left\n" + body)
    session = generic_csv.read(path)
    assert session.metadata["header"]["note"] == "a; b"
    assert session.feet["left"].sampling_rate_hz == 10.0 and session.feet["left"].unit == "raw"
