"""The Novel pedar reader (.asc insoles) and its geometry files.

Data: the pressuRe R package's example data (Telfer et al., MIT) in
../shared/data/pressure_r_extdata, never copied into the repository (damaged copies and
synthetic files are written to tmp_path). Every check that compares with the file reads the
raw text here, independently of the reader.
"""

from __future__ import annotations

import io
import re
import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pressure.errors import FileFormatError
from pressure.io import table
from pressure.io.load import detect_format, load
from pressure.io.readers import pedar
from pressure.model import Session

from ..conftest import shared_data
from .helpers import R, check_session, loaded_cop


@pytest.fixture(scope="module")
def pedar_session(loaded) -> Session:
    return loaded(shared_data(R, "pedar_example.asc"))


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
    assert "problems" not in meta and not s.problems
    assert s.feet["left"].layout.foot_length_mm == pytest.approx(279.9, abs=0.1)


def test_pedar_cop_equals_an_independent_computation(pedar_session):
    raw = _pedar_raw()
    for side, first in (("left", 1), ("right", 100)):
        foot = pedar_session.feet[side]
        x, y, area = _pedar_reference(side, "y")
        np.testing.assert_allclose(foot.layout.x_mm, x, rtol=0, atol=1e-9)
        np.testing.assert_allclose(foot.layout.y_mm, y, rtol=0, atol=1e-9)
        np.testing.assert_array_equal(foot.layout.area_mm2, area)
        loaded, cop_x, cop_y = loaded_cop(foot)
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
    (problem,) = session.problems
    assert (
        "pressuRe" in problem and pedar.GEOMETRY_FILE in problem and pedar.GEOMETRY_ENV in problem
    )
    monkeypatch.setenv(pedar.GEOMETRY_ENV, str(shared_data(R, "pedar_geometry.csv").parent))
    session = load(path)
    assert all(f.layout is not None for f in session.feet.values())
    assert not session.problems


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
        # the two paths of pressure.io.table.read_table, which the pedar reader uses
        layout = (header.column_index + 2, len(names), header.sep, header.trailing_empty, ())
        fast = table._by_pandas(content, start, len(content), *layout, "latin-1")
        assert fast is not None, name
        slow = table._by_lines(
            path,
            content,
            start,
            len(content),
            header.column_index + 2,
            names,
            header.sep,
            header.trailing_empty,
            (),
            False,
            "latin-1",
            "row",
        )
        if fast is not None:
            np.testing.assert_array_equal(fast.values, slow.values)
            assert list(fast.line_numbers) == list(slow.line_numbers)
    # a blank line inside the table: the fast path steps aside, the line path skips it
    blank = data.replace(b"\n     5.00000", b"\n\n     5.00000", 1)
    path = tmp_path / "blank.asc"
    path.write_bytes(blank)
    header, start = pedar._header(path, blank)
    assert (
        table._by_pandas(
            blank,
            start,
            len(blank),
            header.column_index + 2,
            len(header.names),
            header.sep,
            header.trailing_empty,
            (),
            "latin-1",
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
    assert s.feet["left"].layout is None and "'q' is not in" in s.problems[0]
    path.write_text(_pedar_text(list(range(1, 199)), values.tolist(), "xw-1l"), "latin-1")
    s = load(path)
    assert s.feet["left"].layout is not None and "poorly" in s.problems[0]
    # an unknown unit is kept as raw numbers, with a note
    path.write_text(_pedar_text(list(range(1, 199)), values.tolist(), unit="psi"), "latin-1")
    s = load(path)
    assert s.feet["left"].unit == "raw" and "psi" in s.problems[0]
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


def test_load_time_stays_small():
    path = shared_data(R, "pedar_example.asc")
    start = time.perf_counter()
    load(path)
    assert time.perf_counter() - start < 5.0
