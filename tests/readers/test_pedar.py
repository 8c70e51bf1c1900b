"""The Novel readers: pedar (.asc insoles), pliance (.asc mat), emed (.lst platform).

Data: the pressuRe R package's example data (Telfer et al., MIT) in
../shared/data/pressure_r_extdata, never copied into the repository (damaged copies and
synthetic files are written to tmp_path). Every check that compares with the file reads the
raw text here, independently of the readers.
"""

from __future__ import annotations

import io
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pressure.analysis.cop import foot_cop
from pressure.errors import FileFormatError
from pressure.io.load import detect_format, load
from pressure.io.readers import emed, pedar, pliance, read_text_lines, readers
from pressure.model import FootRecording, Session
from tests.conftest import shared_data
from tests.readers.test_moticon import check_session

R = "pressure_r_extdata"
NOVEL = {"pedar_example.asc": "pedar", "pliance_test.asc": "pliance", "emed_test.lst": "emed"}
OTHER_EXAMPLES = [
    (R, "fscan_testL.asf"),
    (R, "iscan_test.csv"),
    (R, "xsensor_data.csv"),
    (R, "stappone_example.csv"),
    (R, "stappone_geometry.csv"),
    (R, "footscan_test.xls"),
    (R, "pedar_geometry.csv"),
    (R, "pedar_sensor_areas_mm2.csv"),
    ("fscan_footpress", "FrasP01L.asf"),
    ("fscan_footpress", "FrasP01R.asf"),
]


@pytest.fixture(scope="module")
def pedar_session() -> Session:
    return load(shared_data(R, "pedar_example.asc"))


@pytest.fixture(scope="module")
def pliance_session() -> Session:
    return load(shared_data(R, "pliance_test.asc"))


@pytest.fixture(scope="module")
def emed_session() -> Session:
    return load(shared_data(R, "emed_test.lst"))


def _loaded_cop(foot: FootRecording) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    cop = foot_cop(foot)
    assert cop is not None
    loaded = ~np.isnan(cop.x_mm)
    assert loaded.sum() > 20, "a CoP path"
    return loaded, cop.x_mm[loaded], cop.y_mm[loaded]


# --- detection ------------------------------------------------------------------------------


def test_each_novel_example_is_claimed_by_its_reader_only():
    for name, fmt in NOVEL.items():
        path = shared_data(R, name)
        assert detect_format(path) == fmt
        head = path.read_bytes()[: 64 * 1024]
        claims = [r.NAME for r in readers() if r.detect(path, head)]
        assert claims == [fmt], "every reader is asked; only its own claims it"


@pytest.mark.parametrize("parts", OTHER_EXAMPLES, ids=lambda p: p[-1])
def test_the_other_example_files_are_not_claimed(parts):
    path = shared_data(*parts)
    head = path.read_bytes()[: 64 * 1024]
    assert not any(r.detect(path, head) for r in (pedar, pliance, emed))
    assert detect_format(path) not in ("pedar", "pliance", "emed")


# --- pedar ----------------------------------------------------------------------------------


def _pedar_raw() -> np.ndarray:
    """The example's table read independently: time + 198 columns."""
    text = shared_data(R, "pedar_example.asc").read_text(encoding="latin-1")
    body = "\n".join(text.split("\n")[10:])
    table = np.loadtxt(io.StringIO(body), delimiter="\t", usecols=range(199))
    return table


def _pedar_reference(side: str, size: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sensor (x, y, area) in the foot frame from the geometry files, computed here: centroids
    by splitting each quadrilateral into two triangles, the scale by numpy's least squares,
    origin at the side's most posterior vertex, x from the middle of its extent, mirrored on
    the right insole (the plot's medial sides face its centre)."""
    geometry = pd.read_csv(shared_data(R, "pedar_geometry.csv"), comment="#")
    areas = pd.read_csv(shared_data(R, "pedar_sensor_areas_mm2.csv"), comment="#")
    q = geometry[geometry["side"] == side].sort_values("sensor")
    px = q[["x1", "x2", "x3", "x4"]].to_numpy()
    py = q[["y1", "y2", "y3", "y4"]].to_numpy()
    p = np.stack([px, py], axis=-1)

    def triangle(a, b, c):
        ab, ac = b - a, c - a
        return 0.5 * (ab[:, 0] * ac[:, 1] - ab[:, 1] * ac[:, 0]), (a + b + c) / 3

    a1, c1 = triangle(p[:, 0], p[:, 1], p[:, 2])
    a2, c2 = triangle(p[:, 0], p[:, 2], p[:, 3])
    centroid = (a1[:, None] * c1 + a2[:, None] * c2) / (a1 + a2)[:, None]
    plot_area = np.abs(a1 + a2)
    area_mm2 = areas.sort_values("sensor")[size].to_numpy(dtype=float)
    s2 = np.linalg.lstsq(plot_area[:, None], area_mm2, rcond=None)[0][0]
    s = np.sqrt(s2)
    x_mid = (px.min() + px.max()) / 2
    sign = 1.0 if side == "left" else -1.0
    return sign * (centroid[:, 0] - x_mid) * s, (centroid[:, 1] - py.min()) * s, area_mm2


def test_pedar_example(pedar_session):
    s = pedar_session
    check_session(s, "pedar")
    assert tuple(s.feet) == ("left", "right")
    raw = _pedar_raw()
    assert raw.shape == (1505, 199)
    for side, first in (("left", 1), ("right", 100)):
        foot = s.feet[side]
        assert foot.n_sensors == 99 and foot.unit == "kpa"
        assert foot.sampling_rate_hz == 100.0
        np.testing.assert_array_equal(foot.time_s, raw[:, 0])
        np.testing.assert_array_equal(foot.values, raw[:, first : first + 99])
        assert foot.layout is not None and foot.layout.name == f"pedar99-y-{side}"
    # cells read off the text (line 11: the first frame; line 1515: the last)
    assert s.feet["left"].values[0, :3].tolist() == [32.5, 40.0, 40.0]
    assert s.feet["left"].values[-1, 18] == 0.0 and s.feet["left"].values[-2, 18] == 20.0
    assert s.duration_s == pytest.approx(15.05, abs=1e-9)
    meta = s.metadata
    assert meta["duration_s"] == 15.05 and meta["insole_size"] == "y"
    assert meta["sensor_type"] == "y-1865l-1870r-pxf306-11mar2021"
    assert meta["header"]["scanning rate [Hz]"] == "100"
    assert meta["record"] == "3DI_S001_V2_FE_2" and "pedar" in meta["source"]
    assert "pressuRe" in meta["geometry_source"]
    geometry = meta["geometry"]
    assert geometry["scale_mm_per_unit"] == pytest.approx(305.25, abs=0.01)
    assert 0 < geometry["area_fit_rms_mm2"] < 0.1 * geometry["area_mean_mm2"]
    assert "problems" not in meta
    assert s.feet["left"].layout.foot_length_mm == pytest.approx(279.9, abs=0.1)


def test_pedar_cop_equals_an_independent_computation(pedar_session):
    raw = _pedar_raw()
    for side, first in (("left", 1), ("right", 100)):
        foot = pedar_session.feet[side]
        x, y, area = _pedar_reference(side, "y")
        np.testing.assert_allclose(foot.layout.x_mm, x, rtol=0, atol=1e-9)
        np.testing.assert_allclose(foot.layout.y_mm, y, rtol=0, atol=1e-9)
        np.testing.assert_array_equal(foot.layout.area_mm2, area)
        loaded, cop_x, cop_y = _loaded_cop(foot)
        weight = raw[:, first : first + 99] * area
        w = weight[loaded]
        np.testing.assert_allclose(cop_x, w @ x / w.sum(axis=1), rtol=0, atol=1e-9)
        np.testing.assert_allclose(cop_y, w @ y / w.sum(axis=1), rtol=0, atol=1e-9)


def test_pedar_masks_agree_with_the_geometry_and_the_mirroring(pedar_session):
    left, right = (pedar_session.feet[s].layout for s in ("left", "right"))
    # the geometry is mirror-symmetric: both insoles give the same layout in the foot frame
    for attr in ("x_mm", "y_mm", "area_mm2", "outline_mm"):
        np.testing.assert_allclose(getattr(left, attr), getattr(right, attr), atol=1e-9)
    for layout in (left, right):
        regions = layout.regions
        y = layout.y_mm
        # mask 1 runs heel to toe: every hindfoot sensel behind every toe sensel, means ordered
        means = [
            y[regions[f"mask1.{r}"]].mean() for r in ("hindfoot", "midfoot", "forefoot", "toes")
        ]
        assert means == sorted(means)
        assert y[regions["mask1.hindfoot"]].max() < y[regions["mask1.toes"]].min()
        assert np.all(layout.u[regions["mask1.hindfoot"]] < 0.35)
        # mask 3's medial/lateral halves lie on the medial (+x) / lateral side after mirroring
        x = layout.x_mm
        for part in ("rearfoot", "midfoot"):
            assert np.all(
                x[regions[f"mask3.medial_{part}"]] > x[regions[f"mask3.lateral_{part}"]].mean()
            )
            assert (
                x[regions[f"mask3.medial_{part}"]].mean()
                > 0
                > x[regions[f"mask3.lateral_{part}"]].mean()
            )
        assert x[regions["mask3.mtpj1"]].min() > x[regions["mask3.mtpj2_3"]].max()
        assert x[regions["mask3.mtpj2_3"]].min() > x[regions["mask3.mtpj4_5"]].max()
        assert x[regions["mask3.hallux"]].mean() > x[regions["mask3.lesser_toes"]].mean()
        # each scheme partitions the 99 sensors
        for scheme in ("mask1", "mask3", "auto"):
            masks = [m for k, m in regions.items() if k.startswith(scheme + ".")]
            assert np.array_equal(np.sum(masks, axis=0), np.ones(99)), scheme
        assert regions["mask1.hindfoot"].sum() == 26 and regions["mask3.hallux"].sum() == 5
        assert regions["auto.hallux"].any() and regions["auto.mth1"].any()
        # the outline holds every sensor centre; the heel is at y = 0
        assert layout.outline_mm[:, 1].min() == pytest.approx(0.0, abs=1e-12)
        assert np.all(np.abs(x) <= layout.foot_width_mm / 2)


def _copy(source: Path, folder: Path, name: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / (name or source.name)
    shutil.copy(source, target)
    return target


def test_pedar_without_geometry_loads_without_layout(tmp_path, monkeypatch):
    monkeypatch.delenv(pedar.GEOMETRY_ENV, raising=False)
    path = _copy(shared_data(R, "pedar_example.asc"), tmp_path / "alone")
    session = load(path)
    assert all(f.layout is None for f in session.feet.values())
    (problem,) = session.metadata["problems"]
    assert (
        "pressuRe" in problem and pedar.GEOMETRY_FILE in problem and pedar.GEOMETRY_ENV in problem
    )
    monkeypatch.setenv(pedar.GEOMETRY_ENV, str(shared_data(R, "pedar_geometry.csv").parent))
    session = load(path)
    assert all(f.layout is not None for f in session.feet.values())
    assert "problems" not in session.metadata


def _pedar_lines() -> list[str]:
    return shared_data(R, "pedar_example.asc").read_text(encoding="latin-1").split("\n")


def _with_geometry(folder: Path) -> None:
    for name in (pedar.GEOMETRY_FILE, pedar.AREAS_FILE):
        _copy(shared_data(R, name), folder)


def test_pedar_damaged(tmp_path):
    lines = _pedar_lines()
    folder = tmp_path / "d"
    _with_geometry(folder)
    path = folder / "bad.asc"

    def fails(text: str, line: int | None, match: str) -> FileFormatError:
        path.write_bytes(text.encode("latin-1"))
        with pytest.raises(FileFormatError, match=match) as info:
            load(path)
        assert info.value.path == path and info.value.line == line
        return info.value

    # (a) cut in the middle of data line 800
    cut = "\n".join(lines[:799]) + "\n" + lines[799][: len(lines[799]) // 2]
    fails(cut, 800, "truncated")
    # a file cut exactly at a line end is just shorter
    path.write_text("\n".join(lines[:799]) + "\n", encoding="latin-1")
    assert load(path).feet["left"].n_frames == 789
    # (b) a ragged row: a field removed on line 500
    ragged = list(lines)
    fields = ragged[499].split("\t")
    del fields[50]
    ragged[499] = "\t".join(fields)
    fails("\n".join(ragged), 500, "199 fields, expected 200")
    # (c) text in a numeric cell on line 1200
    text = list(lines)
    fields = text[1199].split("\t")
    fields[120] = "abc"
    text[1199] = "\t".join(fields)
    fails("\n".join(text), 1200, "'abc' is not a")
    # a time that does not increase
    back = list(lines)
    back[300] = back[299]
    fails("\n".join(back), 301, "does not increase")
    # (d) empty, (e) random bytes
    fails("", None, "empty")
    noise = folder / "noise.asc"
    noise.write_bytes(np.random.default_rng(3).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    with pytest.raises(FileFormatError) as info:
        load(noise)
    assert info.value.path == noise
    with pytest.raises(FileFormatError) as info:
        pedar.read(noise)
    assert info.value.path == noise and (info.value.offset is not None or info.value.line)
    # a header without its column header line
    fails("\n".join(lines[:6]) + "\n", 6, "time\\[secs\\]")


def test_pedar_pandas_and_line_paths_agree(tmp_path):
    source = shared_data(R, "pedar_example.asc")
    data = source.read_bytes()
    variants = {
        "as_is.asc": data,
        "crlf.asc": data.replace(b"\n", b"\r\n"),
        "spaces.asc": re.sub(rb"\t(?=.)", b"  ", data).replace(b"\t", b""),
    }
    for name, content in variants.items():
        path = tmp_path / name
        path.write_bytes(content)
        header, start = pedar._header(path, content)
        names = [header.names[0], *header.names[1:]]
        fast = pedar._block_by_pandas(
            content,
            header.column_index + 1,
            start,
            len(content),
            len(names),
            header.sep,
            header.trailing_empty,
        )
        assert fast is not None, name
        text = read_text_lines(path, "latin-1")
        slow = pedar._block_by_lines(
            text,
            header.column_index + 1,
            len(text.lines),
            names,
            header.sep,
            header.trailing_empty,
        )
        np.testing.assert_array_equal(fast.values, slow.values)
        assert list(fast.numbers) == list(slow.numbers)
    # a blank line inside the table: the fast path steps aside, the line path skips it
    blank = data.replace(b"\n     5.00000", b"\n\n     5.00000", 1)
    path = tmp_path / "blank.asc"
    path.write_bytes(blank)
    header, start = pedar._header(path, blank)
    assert (
        pedar._block_by_pandas(
            blank,
            header.column_index + 1,
            start,
            len(blank),
            len(header.names),
            header.sep,
            header.trailing_empty,
        )
        is None
    )


def _pedar_text(
    columns: list[int],
    rows: list[list[float]],
    sensor_type: str = "x-1l-2r",
    unit: str = "kPa",
    masks: str = "left insole: 1,\nright insole: 1,\n",
) -> str:
    head = (
        "File name:  synthetic.sol\tdate/time  01.01.24 10.00\n"
        f"sensor type:  {sensor_type} \n"
        "total time [secs]:  0.030\ttime per frame [secs]:  0.01000\tscanning rate [Hz]:   100\n"
        f"pressure values in  {unit}\n\nmask definition: \n{masks}\n"
        "time[secs]    \t" + "\t".join(str(c) for c in columns) + "\t\n"
    )
    body = "".join(
        f"{0.01 * (k + 1):12.5f}\t" + "\t".join(f"{v:7.3f}" for v in row) + "\t\n"
        for k, row in enumerate(rows)
    )
    return head + body


def test_pedar_synthetic_variants(tmp_path, monkeypatch):
    monkeypatch.delenv(pedar.GEOMETRY_ENV, raising=False)
    _with_geometry(tmp_path)
    rng = np.random.default_rng(1)
    values = rng.uniform(0, 300, (3, 198)).round(3)
    # right sensors numbered 100-198 in one run
    path = tmp_path / "numbered.asc"
    path.write_text(_pedar_text(list(range(1, 199)), values.tolist()), encoding="latin-1")
    assert detect_format(path) == "pedar"
    s = load(path)
    np.testing.assert_array_equal(s.feet["right"].values, values[:, 99:])
    layout = s.feet["left"].layout
    assert s.metadata["insole_size"] == "x" and layout is not None
    assert layout.name == "pedar99-x-left"
    # a right insole alone, in mmHg
    path = tmp_path / "right.asc"
    path.write_text(
        _pedar_text(
            list(range(1, 100)), values[:, :99].tolist(), unit="mmHg", masks="right insole: 1,\n"
        ),
        encoding="latin-1",
    )
    s = load(path)
    assert tuple(s.feet) == ("right",)
    assert s.feet["right"].unit == "kpa" and "mmHg" in s.metadata["unit_conversion"]
    np.testing.assert_allclose(s.feet["right"].values, values[:, :99] * pedar.MMHG_TO_KPA)
    # a size the area table lacks, and a wide size the grid fits poorly
    path = tmp_path / "size.asc"
    path.write_text(_pedar_text(list(range(1, 199)), values.tolist(), "q-1l"), "latin-1")
    s = load(path)
    assert s.feet["left"].layout is None and "'q' is not in" in s.metadata["problems"][0]
    path.write_text(_pedar_text(list(range(1, 199)), values.tolist(), "xw-1l"), "latin-1")
    s = load(path)
    assert s.feet["left"].layout is not None and "poorly" in s.metadata["problems"][0]
    # an unknown unit is kept as raw numbers, with a note
    path.write_text(_pedar_text(list(range(1, 199)), values.tolist(), unit="psi"), "latin-1")
    s = load(path)
    assert s.feet["left"].unit == "raw" and "psi" in s.metadata["problems"][0]
    # column numbers that repeat within a side
    path.write_text(_pedar_text([1, 1, *range(3, 199)], values.tolist()), "latin-1")
    with pytest.raises(FileFormatError, match="not distinct") as info:
        load(path)
    assert info.value.line == 10


def test_pedar_geometry_files_damaged(tmp_path):
    folder = tmp_path / "g"
    _with_geometry(folder)
    path = _copy(shared_data(R, "pedar_example.asc"), folder)
    geometry = folder / pedar.GEOMETRY_FILE
    lines = geometry.read_text(encoding="utf-8").split("\n")
    lines[20] = lines[20].replace(",0.", ",zz", 1)
    geometry.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(FileFormatError, match="not a number") as info:
        load(path)
    assert info.value.path == geometry and info.value.line == 21


# --- pliance --------------------------------------------------------------------------------


@dataclass
class _PlianceRaw:
    sensors: list[int]
    frames: np.ndarray
    summary: dict[str, np.ndarray]
    geometry: dict[str, np.ndarray]
    force: np.ndarray


def _pliance_raw() -> _PlianceRaw:
    """The example parsed here with plain splits (line numbers from the file)."""
    lines = shared_data(R, "pliance_test.asc").read_text(encoding="latin-1").split("\n")
    header = lines[7].split()
    frames = np.array([[float(v) for v in line.split()] for line in lines[8:289]])
    summary = {line.split()[0]: np.array(line.split()[1:], float) for line in lines[289:291]}
    geometry = {}
    for line in lines[1364:1377]:
        fields = line.split()
        if len(fields) > 2:
            geometry[fields[0]] = np.array(fields[1:], dtype=float)
    force = [line.split() for line in lines[295:1362] if line.strip()]
    return _PlianceRaw(
        sensors=[int(v) for v in header[1:]],
        frames=frames,
        summary=summary,
        geometry=geometry,
        force=np.array([[np.nan if v == "-" else float(v) for v in row] for row in force]),
    )


def _plate_cop_check(
    session: Session, x_plate: np.ndarray, y_plate: np.ndarray, weights: np.ndarray
) -> None:
    """CoP from raw weights and plate centres, mapped with the plate's matrix and origin,
    equals the session's CoP per foot (1e-9 mm)."""
    plate = session.metadata["plate"]
    for side, foot in session.feet.items():
        index = np.asarray(plate[side]["sensors"])
        matrix = np.asarray(plate[side]["matrix"])
        origin = np.asarray(plate[side]["origin_mm"])
        loaded, cop_x, cop_y = _loaded_cop(foot)
        w = weights[:, index][loaded]
        cx = w @ x_plate[index] / w.sum(axis=1)
        cy = w @ y_plate[index] / w.sum(axis=1)
        mapped = (np.column_stack([cx, cy]) - origin) @ matrix.T
        np.testing.assert_allclose(cop_x, mapped[:, 0], rtol=0, atol=1e-9)
        np.testing.assert_allclose(cop_y, mapped[:, 1], rtol=0, atol=1e-9)
        # the layout is the same rigid map of the sensor centres
        local = (np.column_stack([x_plate[index], y_plate[index]]) - origin) @ matrix.T
        assert foot.layout is not None
        np.testing.assert_allclose(foot.layout.x_mm, local[:, 0], atol=1e-9)
        np.testing.assert_allclose(foot.layout.y_mm, local[:, 1], atol=1e-9)


def test_pliance_example(pliance_session):
    s = pliance_session
    check_session(s, "pliance")
    raw = _pliance_raw()
    frames = raw.frames
    assert frames.shape == (281, 813)
    plate = s.metadata["plate"]
    assert plate["sensors_total"] == 812
    for side, foot in s.feet.items():
        assert foot.unit == "kpa" and foot.sampling_rate_hz == 24.0
        np.testing.assert_array_equal(foot.time_s, frames[:, 0])
        np.testing.assert_array_equal(foot.values, frames[:, 1:][:, plate[side]["sensors"]])
    assert s.feet[next(iter(s.feet))].time_s[0] == 5.79167
    # every sensor ever loaded belongs to a foot
    used = np.concatenate([plate[side]["sensors"] for side in s.feet])
    assert set(used.tolist()) == set(np.flatnonzero(frames[:, 1:].max(axis=0) > 0).tolist())
    meta = s.metadata
    assert meta["summary_rows"] == ["MPP", "MVP"]
    assert meta["mat_type"] == "s2160_001" and meta["recording_duration_s"] == 44.458
    assert meta["record"] == "2112170R_1" and meta["force_block_frames"] == 1067
    assert "blocks_not_read" not in meta and "problems" not in meta
    # what the summary rows are: MPP is each sensor's maximum over the frames
    np.testing.assert_array_equal(raw.summary["MPP"], frames[:, 1:].max(axis=0))
    assert not np.array_equal(raw.summary["MVP"], frames[:, 1:].max(axis=0))


def test_pliance_cop_and_the_vendor_columns(pliance_session):
    raw = _pliance_raw()
    g = raw.geometry
    x, y = g["x[c]"] * 10, g["y[c]"] * 10
    area = g["area"] * 100
    pressure = raw.frames[:, 1:]
    _plate_cop_check(pliance_session, x, y, pressure * area)
    # the vendor's force: the frame's sum of pressure × area; its CoP: ours turned by 180°
    foot = next(iter(pliance_session.feet.values()))
    force = pressure @ area * 1e-3
    np.testing.assert_allclose(foot.vendor["plate_force_n"], force, atol=0.0095)
    w = pressure
    x_max = max(g[f"x[{k}]"].max() for k in range(4)) * 10
    y_max = max(g[f"y[{k}]"].max() for k in range(4)) * 10
    ours_x, ours_y = w @ x / w.sum(axis=1), w @ y / w.sum(axis=1)
    np.testing.assert_allclose(foot.vendor["plate_cop_x_mm"], x_max - ours_x, atol=0.006)
    np.testing.assert_allclose(foot.vendor["plate_cop_y_mm"], y_max - ours_y, atol=0.006)


def _pliance_lines() -> list[str]:
    return shared_data(R, "pliance_test.asc").read_text(encoding="latin-1").split("\n")


@pytest.mark.parametrize("where", [150, 1367], ids=["frames", "geometry"])
def test_pliance_damaged(tmp_path, where):
    lines = _pliance_lines()
    path = tmp_path / "bad.asc"

    def fails(text: str, line: int | None, match: str) -> None:
        path.write_bytes(text.encode("latin-1"))
        with pytest.raises(FileFormatError, match=match) as info:
            load(path)
        assert info.value.path == path and info.value.line == line

    k = where - 1
    fails("\n".join(lines[:k]) + "\n" + lines[k][: len(lines[k]) // 2], where, "fields, expected")
    fields = lines[k].split()
    ragged = list(lines)
    ragged[k] = "   ".join(fields[:-3] + fields[-2:])
    fails("\n".join(ragged), where, "812 fields, expected 813")
    text = list(lines)
    text[k] = "   ".join([*fields[:300], "abc", *fields[301:]])
    fails("\n".join(text), where, "'abc' is not a")


def test_pliance_truncated_at_a_line_end_and_other_damage(tmp_path):
    lines = _pliance_lines()
    path = tmp_path / "bad.asc"
    # cut at the end of a frame line: no geometry left
    path.write_text("\n".join(lines[:200]) + "\n", encoding="latin-1")
    with pytest.raises(FileFormatError, match="no sensor geometry") as info:
        load(path)
    assert info.value.line == 200
    # a force row with a missing field
    broken = list(lines)
    broken[400] = broken[400].rsplit(None, 1)[0]
    path.write_text("\n".join(broken), encoding="latin-1")
    with pytest.raises(FileFormatError, match="force row has 3 fields") as info:
        load(path)
    assert info.value.line == 401
    # a sensor without geometry
    broken = list(lines)
    broken[1364] = broken[1364].replace(" 4 ", " 3 ", 1)
    path.write_text("\n".join(broken), encoding="latin-1")
    with pytest.raises(FileFormatError, match=r"'sensor' row lacks sensors \[4\]") as info:
        load(path)
    assert info.value.line == 1365
    # empty, random bytes
    path.write_bytes(b"")
    with pytest.raises(FileFormatError, match="empty"):
        pliance.read(path)
    path.write_bytes(np.random.default_rng(4).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    with pytest.raises(FileFormatError) as info:
        pliance.read(path)
    assert info.value.path == path


def test_pliance_other_blocks_are_listed_not_read(tmp_path):
    lines = _pliance_lines()
    block = ["mechanical:", *lines[7:291], "", ""]
    text = "\n".join(lines[:292] + block + lines[292:])
    path = tmp_path / "two_blocks.asc"
    path.write_text(text, encoding="latin-1")
    assert detect_format(path) == "pliance"
    s = load(path)
    assert s.metadata["blocks_not_read"] == [{"label": "mechanical", "line": 293}]
    assert "'mechanical:' (line 293)" in s.metadata["problems"][0]
    assert s.metadata["sensor_block"] == {"label": "electrical", "line": 7}
    assert sum(f.n_sensors for f in s.feet.values()) == 179


# --- emed -----------------------------------------------------------------------------------


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
    _plate_cop_check(emed_session, x, y, images.reshape(len(images), -1) * 25.0)


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


# --- speed ----------------------------------------------------------------------------------


def test_load_times_stay_small():
    import time

    for name in NOVEL:
        path = shared_data(R, name)
        start = time.perf_counter()
        load(path)
        assert time.perf_counter() - start < 5.0, name
