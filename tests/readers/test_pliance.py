"""The Novel pliance reader (.asc pressure mat).

Data: the pressuRe R package's example data (Telfer et al., MIT) in
../shared/data/pressure_r_extdata, never copied into the repository (damaged copies and
synthetic files are written to tmp_path). Every check that compares with the file reads the
raw text here, independently of the reader.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pytest

from pressure.errors import FileFormatError
from pressure.io.load import detect_format, load
from pressure.io.readers import pliance
from pressure.model import Session

from ..conftest import shared_data
from .helpers import R, check_session, plate_cop_check


@pytest.fixture(scope="module")
def pliance_session(loaded) -> Session:
    return loaded(shared_data(R, "pliance_test.asc"))


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
    assert "blocks_not_read" not in meta and "problems" not in meta and not s.problems
    # what the summary rows are: MPP is each sensor's maximum over the frames
    np.testing.assert_array_equal(raw.summary["MPP"], frames[:, 1:].max(axis=0))
    assert not np.array_equal(raw.summary["MVP"], frames[:, 1:].max(axis=0))


def test_pliance_cop_and_the_vendor_columns(pliance_session):
    raw = _pliance_raw()
    g = raw.geometry
    x, y = g["x[c]"] * 10, g["y[c]"] * 10
    area = g["area"] * 100
    pressure = raw.frames[:, 1:]
    plate_cop_check(pliance_session, x, y, pressure * area)
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
    assert "'mechanical:' (line 293)" in s.problems[0]
    assert s.metadata["sensor_block"] == {"label": "electrical", "line": 7}
    assert sum(f.n_sensors for f in s.feet.values()) == 179


def test_load_time_stays_small():
    path = shared_data(R, "pliance_test.asc")
    start = time.perf_counter()
    load(path)
    assert time.perf_counter() - start < 5.0
