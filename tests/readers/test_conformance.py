"""One conformance test that every reader passes, on a real example file of its format.

For each format (``CASES``): the session has the duration, rate, sensor count, unit and sides
its file states; values are non-negative where the unit is a physical quantity or ADC counts;
every foot has a layout in the foot frame (the formats without sensor positions are named);
``pressure convert`` to CSV and to Parquet reads back to the same session; ``pressure analyze``
gives a CoP path, and steps for the walking insole recordings; and damaged copies (cut inside a
data line, a ragged row, text in a numeric cell, an empty file, random bytes with the format's
suffix) give one line naming the file and the line, exit 1.

Data: ../shared/data (never copied into the repository; damaged copies are written to
tmp_path): pressuRe R package example data (MIT), footPress F-Scan walk (MIT), PhysioNet
gaitndd and gaitpdb (ODC-By 1.0), Moticon OpenGo exports (Apache-2.0); sample_data (ours).
"""

from __future__ import annotations

import json
import random
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pressure.cli import main as cli_main
from pressure.errors import FileFormatError
from pressure.io.load import detect_format, load
from pressure.io.readers import readers
from pressure.io.write import TIME_DECIMALS

from ..conftest import ROOT, shared_data
from .conftest import Converted, Loaded
from .helpers import check_session

PHYSICAL = ("kpa", "n", "n_cm2", "adc")


@dataclass(frozen=True)
class Case:
    parts: tuple[str, ...]  # under ../shared/data, or ("sample_data", name)
    fmt: str
    sides: tuple[str, ...]
    sensors: dict[str, int]  # per side; a platform's are the footprint's, given as a minimum
    unit: str
    rate_hz: float
    duration_s: float  # as the file's header or its rows state it
    walking: bool  # a walking insole recording: analyze must find steps
    geometry: bool = True  # every foot has a layout
    platform: bool = False  # sensors = the footprint's (at least ``sensors``)
    text: bool = True  # a text format: line-level damage must name the line
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.fmt + "-" + self.parts[-1]

    def path(self) -> Path:
        if self.parts[0] == "sample_data":
            return ROOT.joinpath(*self.parts)
        return shared_data(*self.parts)


R = "pressure_r_extdata"
CASES = [
    Case(("sample_data", "walk_normal.insole"), "insole", ("left", "right"),
         {"left": 16, "right": 16}, "kpa", 100.0, 20.0, True, text=False),
    Case(("gaitpdb", "GaCo01_01.txt"), "gaitpdb", ("left", "right"),
         {"left": 8, "right": 8}, "n", 100.0, 121.18, True),
    Case(("moticon", "230927_102114.txt"), "moticon", ("left", "right"),
         {"left": 16, "right": 16}, "n_cm2", 100.0, 17.46, True),
    Case((R, "pedar_example.asc"), "pedar", ("left", "right"),
         {"left": 99, "right": 99}, "kpa", 100.0, 15.05, True),
    Case((R, "pliance_test.asc"), "pliance", ("left",),
         {"left": 150}, "kpa", 24.0, 11.708, False, platform=True),
    Case((R, "emed_test.lst"), "emed", ("right",),
         {"right": 400}, "kpa", 100.0, 1.06, False, platform=True),
    Case((R, "stappone_example.csv"), "stappone", ("left",),
         {"left": 12}, "raw", 62.5, 73.2, True),
    Case((R, "footscan_test.xls"), "footscan", ("right",),
         {"right": 300}, "kpa", 500.0, 0.658, False, platform=True, text=False),
    Case((R, "fscan_testL.asf"), "fscan", ("left",),
         {"left": 955}, "kpa", 31.25, 6.56, True),
    Case(("fscan_footpress", "FrasP01L.asf"), "fscan", ("left", "right"),
         {"left": 955, "right": 955}, "kpa", 31.25, 6.56, True),
    Case((R, "iscan_test.csv"), "iscan", ("right",),
         {"right": 40}, "raw", 9.9035, 31.2, False, platform=True),
    Case((R, "xsensor_data.csv"), "xsensor", ("left", "right"),
         {"left": 341, "right": 341}, "kpa", 75.13, 1.344, False),
    Case(("sample_data", "fsr8_walk.csv"), "generic_csv", ("left", "right"),
         {"left": 8, "right": 8}, "kpa", 50.0, 20.0, True),
]  # fmt: skip


def _ids(case: Case) -> str:
    return case.id


def test_every_reader_has_a_case() -> None:
    names = {r.NAME for r in readers()} - {"gaitndd"}  # gaitndd: test_gaitndd (WFDB records)
    assert names <= {c.fmt for c in CASES}, names - {c.fmt for c in CASES}


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_session_is_what_the_file_states(case: Case, loaded: Loaded) -> None:
    path = case.path()
    assert detect_format(path) == case.fmt
    session = loaded(path)
    check_session(session, case.fmt)
    assert tuple(session.feet) == case.sides
    assert session.duration_s == pytest.approx(case.duration_s, abs=0.05)
    for side, foot in session.feet.items():
        assert foot.sampling_rate_hz == pytest.approx(case.rate_hz, rel=1e-3)
        assert foot.unit == case.unit
        if case.platform:
            assert foot.n_sensors >= case.sensors[side]
        else:
            assert foot.n_sensors == case.sensors[side]
        if foot.unit in PHYSICAL:
            assert np.nanmin(foot.values) >= 0, "pressures, forces and counts are not negative"
        if case.geometry:
            layout = foot.layout
            assert layout is not None
            assert np.all(layout.y_mm >= 0) and np.all(layout.y_mm <= layout.foot_length_mm)
            assert np.all(np.abs(layout.x_mm) <= layout.foot_width_mm / 2 + 1e-9)
            assert layout.foot_length_mm > layout.foot_width_mm * (0.3 if case.platform else 1)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_convert_round_trip(case: Case, suffix: str, loaded: Loaded, converted: Converted) -> None:
    back = load(converted(case.path(), suffix))  # ``pressure convert`` exits 0
    original = loaded(case.path())
    assert tuple(back.feet) == tuple(original.feet)
    # a CSV's times are rounded to 1 µs (write_table), a Parquet file's are exact
    time_atol = 0.5 * 10.0**-TIME_DECIMALS * (1 + 1e-9) if suffix == ".csv" else 0.0
    for side, foot in original.feet.items():
        again = back.feet[side]
        assert again.unit == foot.unit
        assert again.sampling_rate_hz == pytest.approx(foot.sampling_rate_hz, rel=1e-9)
        np.testing.assert_allclose(again.time_s, foot.time_s, rtol=0, atol=time_atol)
        np.testing.assert_array_equal(again.values, foot.values)
        for name in ("seq", "device_time_s"):  # the project's own recordings' wire columns
            if name in foot.vendor:
                np.testing.assert_allclose(
                    again.vendor[name], foot.vendor[name], rtol=0, atol=time_atol
                )
        # every other per-frame vendor column (IMU channels, regional values) comes back too
        for name, column in foot.vendor.items():
            if name not in ("seq", "device_time_s") and len(column) == foot.n_frames:
                np.testing.assert_array_equal(again.vendor[name], column, err_msg=name)
        if foot.layout is None:
            assert again.layout is None
        else:
            assert again.layout is not None
            for attr in ("x_mm", "y_mm", "area_mm2"):
                np.testing.assert_allclose(
                    getattr(again.layout, attr), getattr(foot.layout, attr), rtol=0, atol=1e-9
                )
            assert again.layout.coordinate_unit == foot.layout.coordinate_unit
            for name, mask in foot.layout.regions.items():
                np.testing.assert_array_equal(again.layout.regions[name], mask, err_msg=name)


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_analyze_gives_a_cop_path_and_steps(
    case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cop_csv = tmp_path / "cop.csv"
    assert cli_main(["analyze", str(case.path()), "--json", "--cop-csv", str(cop_csv)]) == 0
    summary = json.loads(capsys.readouterr().out)
    cop = pd.read_csv(cop_csv)
    assert list(cop.columns[:2]) == ["time_s", "side"]
    ml = [c for c in cop.columns if c.startswith("cop_ml_")]
    ap = [c for c in cop.columns if c.startswith("cop_ap_")]
    assert len(ml) == 1 and len(ap) == 1
    assert set(cop["side"]) == set(case.sides)
    for side in case.sides:
        part = cop[cop["side"] == side]
        loaded = part[ml[0]].notna()
        assert loaded.sum() > 10, f"{side}: a CoP path"
        assert (part[ap[0]].notna() == loaded).all()
    if case.walking:
        for side in case.sides:
            assert summary["gait"]["steps"][side] >= 3, summary["gait"]["steps"]


# --- damaged input --------------------------------------------------------------------------


def _data_line(lines: list[bytes]) -> int:
    """Index of a data line in the file's second half: one with at least 4 numeric fields."""
    number = re.compile(rb"^-?\d+(\.\d+)?([eE][-+]?\d+)?$")
    for index in range(len(lines) * 3 // 5, len(lines)):
        fields = [f for f in re.split(rb"[,\t ;]+", lines[index].strip()) if f]
        if sum(bool(number.match(f)) for f in fields) >= 4:
            return index
    raise AssertionError("no data line found")


def _damaged(original: bytes, kind: str, index: int, lines: list[bytes]) -> bytes:
    line = lines[index]
    before = b"".join(lines[:index])
    after = b"".join(lines[index + 1 :])
    body = line.rstrip(b"\r\n")
    end = line[len(body) :]
    sep = b"\t" if b"\t" in body else b"," if b"," in body else b" "
    if kind == "truncated":
        return before + body[: len(body) // 2]
    fields = body.split(sep)
    numeric = [
        k for k, f in enumerate(fields) if re.fullmatch(rb"\s*-?\d+(\.\d+)?\s*", f) and k > 0
    ]
    k = numeric[len(numeric) // 2]
    if kind == "ragged":
        del fields[k]
    elif kind == "text":
        fields[k] = b"abc"
    return before + sep.join(fields) + end + after


@pytest.mark.parametrize("kind", ["truncated", "ragged", "text"])
@pytest.mark.parametrize("case", [c for c in CASES if c.text], ids=_ids)
def test_damaged_line_is_named(
    case: Case, kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = case.path()
    folder = tmp_path / "d"
    folder.mkdir()
    for sibling in source.parent.iterdir():  # geometry files beside it, the other foot's file
        if sibling.is_file() and sibling != source and sibling.suffix == ".csv":
            shutil.copy(sibling, folder / sibling.name)
    original = source.read_bytes()
    lines = original.splitlines(keepends=True)
    index = _data_line(lines)
    target = folder / source.name
    target.write_bytes(_damaged(original, kind, index, lines))
    with pytest.raises(FileFormatError) as info:
        load(target)
    assert info.value.path == target
    assert info.value.line == index + 1, str(info.value)
    assert cli_main(["analyze", str(target)]) == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(target) in err[0] and f"line {index + 1}" in err[0]


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_empty_and_random_bytes_are_named(
    case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    suffix = case.path().suffix
    empty = tmp_path / f"empty{suffix}"
    empty.write_bytes(b"")
    noise = tmp_path / f"noise{suffix}"
    noise.write_bytes(random.Random(5).randbytes(4096))
    for target in (empty, noise):
        with pytest.raises(FileFormatError) as info:
            load(target)
        assert info.value.path == target
        assert cli_main(["analyze", str(target)]) == 3
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and str(target) in err[0]


def test_the_other_file_of_a_pair_is_the_same_session(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``info``, ``convert`` and ``analyze`` of an F-Scan pair's right-foot file work on the
    two-foot session, as ``pressure.load`` does (not on the file as a line-mode capture)."""
    right = shared_data("fscan_footpress", "FrasP01R.asf")
    assert cli_main(["info", str(right), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["format"] == "fscan" and set(info["feet"]) == {"left", "right"}
    out = tmp_path / "pair.csv"
    assert cli_main(["convert", str(right), str(out)]) == 0
    back = load(out)
    assert set(back.feet) == {"left", "right"}
    np.testing.assert_array_equal(back.feet["right"].values, load(right).feet["right"].values)


@pytest.mark.parametrize("case", [c for c in CASES if c.fmt != "insole"], ids=_ids)
def test_simulate_from_streams_the_file(case: Case, tmp_path: Path, loaded: Loaded) -> None:
    """``pressure simulate --from FILE --out REC`` streams any format as an insole would: the
    recording holds the same feet and frames, the values within the 16-bit quantisation."""
    out = tmp_path / "replay.insole"
    assert cli_main(["simulate", "--from", str(case.path()), "--out", str(out)]) == 0
    original = loaded(case.path())
    replay = load(out)
    assert set(replay.feet) == set(original.feet)
    for side, foot in original.feet.items():
        again = replay.feet[side]
        complete = np.isfinite(foot.values).all(axis=1)
        assert again.n_frames == int(complete.sum())
        largest = float(np.nanmax(foot.values))
        step = (
            10.0 ** np.ceil(np.log10(largest / 65535))
            if largest > 65535
            or not np.all(foot.values[complete] == np.round(foot.values[complete]))
            else 1.0
        )
        expected = np.clip(foot.values[complete], 0, None)
        np.testing.assert_allclose(again.values, expected, rtol=1e-6, atol=step / 2 + 1e-9)
