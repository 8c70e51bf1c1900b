"""Readers of every file format behind ``pressure.io.load.load``, on real files.

Data read from ../shared/data (never copied into the repository; damaged variants are written
to pytest's tmp_path): PhysioNet gaitndd and gaitpdb 1.0.0 (ODC-By 1.0), Moticon OpenGo
example exports (moticon-opengo test data, Apache-2.0). Every session passes the same
conformance checks (``check_session``), like MNE's shared reader tests.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from pressure.errors import FileFormatError
from pressure.io.load import detect_format, known_formats, load
from pressure.io.readers import gaitndd, moticon, reader_by_name, readers
from pressure.layouts_builtin import (
    GAITPDB_LEFT_XY,
    builtin_layout,
    foot_to_moticon_norm,
    gaitpdb8_layout,
    gaitpdb_left_to_foot,
    gaitpdb_right_to_foot,
    moticon16_layout,
    moticon_norm_to_foot,
)
from pressure.model import UNITS, Session
from tests.conftest import ROOT, shared_data

SAMPLES = ROOT / "sample_data"


def check_session(session: Session, fmt: str) -> None:
    """What every reader promises, whatever the format."""
    assert session.format == fmt
    assert session.feet, "at least one foot"
    for side, foot in session.feet.items():
        assert foot.side == side
        assert foot.unit in UNITS
        assert foot.n_frames > 1
        assert foot.values.shape == (foot.n_frames, foot.n_sensors)
        assert np.all(np.diff(foot.time_s) > 0), "time increases"
        assert foot.sampling_rate_hz > 0
        if foot.layout is not None:
            assert foot.layout.n_sensors == foot.n_sensors
        if foot.total_force_n is not None:
            assert foot.total_force_n.shape == (foot.n_frames,)
        for name, column in foot.vendor.items():
            assert column.shape == (foot.n_frames,), name
    for side, events in session.events.items():
        assert side in ("left", "right")
        for name, times in events.items():
            assert name.endswith("_s") and np.all(np.diff(times) >= 0)
    assert all(isinstance(v, int) for v in session.quality.values())


def moticon_cop_norm(session: Session, side: str) -> tuple[np.ndarray, np.ndarray]:
    """Our CoP (force-weighted centroid of the layout's sensors) in Moticon's normalised units,
    next to the vendor's, over the frames where the vendor gives one."""
    foot = session.feet[side]
    assert foot.layout is not None
    force = foot.sensor_force_n()
    assert force is not None
    total = force.sum(axis=1)
    valid = ~np.isnan(foot.vendor["cop_ap_norm"])
    x_mm = force[valid] @ foot.layout.x_mm / total[valid]
    y_mm = force[valid] @ foot.layout.y_mm / total[valid]
    ap, ml = foot_to_moticon_norm(x_mm, y_mm, foot.layout)
    ours = np.column_stack([ap, ml])
    theirs = np.column_stack([foot.vendor["cop_ap_norm"], foot.vendor["cop_ml_norm"]])[valid]
    return ours, theirs


# --- registry and dispatcher ---------------------------------------------------------------


def test_registry_lists_each_reader_once_with_its_interface():
    names = [r.NAME for r in readers()]
    assert names == [
        "gaitndd",
        "gaitpdb",
        "moticon",
        "pedar",
        "pliance",
        "emed",
        "fscan",
        "iscan",
        "xsensor",
        "stappone",
        "footscan",
        "generic_csv",
        "insole",
    ]
    assert [n for n, _ in known_formats()] == names
    for reader in readers():
        assert reader_by_name(reader.NAME) is reader
        assert reader.DESCRIPTION and all(s.startswith(".") for s in reader.SUFFIXES)
        assert callable(reader.detect) and callable(reader.read)
    with pytest.raises(KeyError, match="known: gaitndd"):
        reader_by_name("tekscan")


def test_missing_empty_and_directory_are_named(tmp_path):
    with pytest.raises(FileFormatError, match="no such file") as err:
        load(tmp_path / "nothing.txt")
    assert err.value.path == tmp_path / "nothing.txt"
    (tmp_path / "empty.txt").write_bytes(b"")
    with pytest.raises(FileFormatError, match="empty; known formats: gaitndd") as err:
        load(tmp_path / "empty.txt")
    assert str(tmp_path / "empty.txt") in str(err.value)
    with pytest.raises(FileFormatError, match="is a directory") as err:
        load(tmp_path)
    assert "moticon" in str(err.value)


@pytest.mark.parametrize("suffix", [".txt", ".hea", ".insole", ".dat"])
def test_random_bytes_with_a_known_suffix(tmp_path, suffix):
    path = tmp_path / f"noise{suffix}"
    path.write_bytes(np.random.default_rng(7).integers(0, 256, 5000, dtype=np.uint8).tobytes())
    with pytest.raises(FileFormatError) as err:
        load(path)
    assert err.value.path == path and str(path) in str(err.value)
    assert err.value.offset is not None or err.value.line is not None
    if suffix == ".txt":
        assert "binary data" in str(err.value) and "gaitpdb or moticon or insole" in str(err.value)


def test_text_of_no_known_format(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("shopping list\neggs\n")
    with pytest.raises(FileFormatError, match="text starting 'shopping list'") as err:
        load(path)
    assert err.value.offset == 0


@pytest.mark.parametrize(("others", "detected"), [(0, True), (2, True), (3, False)])
def test_line_mode_capture_needs_nine_tenths_timestamped_samples(tmp_path, others, detected):
    """A capture of line-mode text is an insole session when at least 90 % of its lines are
    timestamped samples (here 20 lines; the others are untimestamped rows of numbers, placed
    first, as in a table of integers that starts like a capture)."""
    rows = [f"{i},{i + 1},{i + 2}" for i in range(others)]
    rows += [f"{10_000 * i}us L {i},{i + 1},{i + 2}" for i in range(20 - others)]
    path = tmp_path / "capture.txt"
    path.write_text("\n".join(rows) + "\n")
    assert (detect_format(path) == "insole") is detected


# --- gaitndd -------------------------------------------------------------------------------


def test_gaitndd_records():
    folder = shared_data("gaitndd")
    headers = sorted(folder.glob("*.hea"))
    # the folder grows: every record in it must read, whatever their number
    assert {f"{g}{k}.hea" for g in ("control", "hunt", "park", "als") for k in (1, 2, 3, 4)} <= {
        p.name for p in headers
    }
    for hea in headers:
        session = load(hea)
        check_session(session, "gaitndd")
        assert session.path == hea
        assert session.duration_s == pytest.approx(300.0)
        assert session.sampling_rate_hz == 300.0
        for foot in session.feet.values():
            assert (foot.n_frames, foot.n_sensors, foot.unit) == (90000, 1, "raw")
            assert foot.layout is None and foot.total_force_n is None
            values = foot.values[:, 0]
            assert np.isnan(values).sum() == session.quality[f"invalid_samples_{foot.side}"]
            # the database: about -1800 to -2000 in swing, high in stance
            assert -2100 < np.nanpercentile(values, 5) < -1200 < np.nanpercentile(values, 95)
        strides = session.metadata["reference_strides"]
        columns = session.metadata["reference_stride_columns"]
        assert strides.shape[1] == len(columns) == 13 and len(strides) > 100
        # the authors' table holds together: stride = swing + stance, per foot
        for side in ("left", "right"):
            stride = strides[:, columns.index(f"{side}_stride_s")]
            swing = strides[:, columns.index(f"{side}_swing_s")]
            stance = strides[:, columns.index(f"{side}_stance_s")]
            assert np.median(np.abs(stride - swing - stance)) < 0.01
        subject = session.metadata["subject"]
        assert subject["subject_id"] == hea.stem
        assert subject["group"] == hea.stem.rstrip("0123456789")
        assert 0.5 < np.median(strides[:, 1]) < 2.0
    # a folder scan finds each record once, on its header
    detected = [p.name for p in sorted(folder.iterdir()) if detect_format(p) == "gaitndd"]
    assert detected == [p.name for p in headers]


def test_gaitndd_record_by_any_of_its_files_or_its_name():
    hea = shared_data("gaitndd", "control2.hea")
    whole = load(hea)
    assert whole.quality["invalid_samples_left"] == 1  # sample 7581 is -2048: no sample
    for other in (hea.with_suffix(".let"), hea.with_suffix(".rit"), hea.with_suffix(".ts")):
        again = load(other)
        assert again.path == hea
        np.testing.assert_array_equal(again.feet["right"].values, whole.feet["right"].values)
    by_name = load(hea.with_suffix(""))
    assert by_name.metadata["record"] == "control2"


def test_gaitndd_subject_descriptions_broken_row_and_missing():
    subjects = gaitndd.subject_descriptions(shared_data("gaitndd", "subject-description.txt"))
    hunt20 = subjects["hunt20"]  # broken over two lines in the file
    assert hunt20["gait_speed_m_s"] is None and hunt20["duration_severity"] == 9.0
    assert (hunt20["age_yr"], hunt20["height_m"], hunt20["body_mass_kg"]) == (33.0, 1.57, 45.0)
    assert subjects["als4"]["gait_speed_m_s"] is None
    assert subjects["als13"]["body_mass_kg"] is None
    assert subjects["als1"]["group"] == "als" and subjects["als1"]["group_in_file"] == "subjects"
    assert subjects["park15"]["sex"] == "m"
    assert {s["group"] for s in subjects.values()} == {"als", "control", "hunt", "park"}


def _gaitndd_copy(tmp_path: Path, record: str = "park1") -> Path:
    for suffix in (".hea", ".let", ".rit", ".ts"):
        source = shared_data("gaitndd", record + suffix)
        (tmp_path / source.name).write_bytes(source.read_bytes())
    return tmp_path / f"{record}.hea"


def test_gaitndd_truncated_signal_file(tmp_path):
    hea = _gaitndd_copy(tmp_path)
    let = hea.with_suffix(".let")
    let.write_bytes(let.read_bytes()[:100_000])
    with pytest.raises(FileFormatError, match="truncated: 90000 samples") as err:
        load(hea)
    assert err.value.path == let and err.value.offset == 100_000


def test_gaitndd_damaged_header_and_stride_table(tmp_path):
    hea = _gaitndd_copy(tmp_path)
    good = hea.read_text()
    hea.write_text(good.replace("park1 2 300 90000", "park1 2 300 9x000"))
    with pytest.raises(FileFormatError, match="bad number of samples") as err:
        load(hea)
    assert err.value.line == 1
    hea.write_text(good)
    hea.with_suffix(".rit").unlink()
    with pytest.raises(FileFormatError, match=r"park1\.rit is missing") as err:
        load(hea)
    assert err.value.line == 3
    _gaitndd_copy(tmp_path)
    ts = hea.with_suffix(".ts")
    lines = ts.read_text().splitlines()
    lines[4] = lines[4].replace("\t", "\tx", 1)
    ts.write_text("\n".join(lines) + "\n")
    with pytest.raises(FileFormatError, match="left_stride_s: 'x") as err:
        load(hea)
    assert err.value.path == ts and err.value.line == 5
    (tmp_path / "park9.let").write_bytes(hea.with_suffix(".let").read_bytes())
    with pytest.raises(FileFormatError, match=r"record header park9\.hea is not beside it"):
        load(tmp_path / "park9.let")


# --- gaitpdb -------------------------------------------------------------------------------


def test_gaitpdb_walks():
    files = sorted(shared_data("gaitpdb").glob("*_*.txt"))
    assert {"GaCo01_01.txt", "JuPt01_01.txt", "SiCo01_01.txt"} <= {p.name for p in files}
    for path in files:
        session = load(path)
        check_session(session, "gaitpdb")
        assert session.sampling_rate_hz == 100.0
        assert 50 < session.duration_s < 125
        for foot in session.feet.values():
            assert (foot.n_sensors, foot.unit) == (8, "n")
            assert foot.layout is gaitpdb8_layout()
            assert foot.values.min() >= 0.0
            # the authors' totals are the sums of the 8 sensors (values have 2 decimals)
            assert foot.total_force_n is not None
            assert np.abs(foot.values.sum(axis=1) - foot.total_force_n).max() < 0.01
            # standing weight on one foot: hundreds of N at the peaks
            assert 300 < np.percentile(foot.total_force_n, 95) < 2000
        subject = session.metadata["subject"]
        assert subject["subject_id"] == path.stem.split("_")[0]
        assert subject["group"] == ("control" if "Co" in path.stem else "parkinson")
        assert 1.2 < subject["height_m"] < 2.1, "Ju heights are in cm in the source"
        assert session.metadata["walk"] == path.stem.split("_")[1]
    ju = load(shared_data("gaitpdb", "JuPt01_01.txt"))
    assert ju.metadata["subject"]["height_m"] == pytest.approx(1.83)
    assert ju.metadata["subject"]["gait_speed_m_s"] == pytest.approx(1.013)


def test_gaitpdb8_layout_mirrors_both_feet_medial_positive():
    layout = builtin_layout("gaitpdb8")
    left_x, left_y = gaitpdb_left_to_foot(GAITPDB_LEFT_XY[:, 0], GAITPDB_LEFT_XY[:, 1])
    right_x, right_y = gaitpdb_right_to_foot(-GAITPDB_LEFT_XY[:, 0], GAITPDB_LEFT_XY[:, 1])
    np.testing.assert_array_equal(left_x, layout.x_mm)
    np.testing.assert_array_equal(right_x, layout.x_mm)
    np.testing.assert_array_equal(right_y, left_y)
    # sensors 3, 5, 7 (|X| = 300, nearer the origin between the feet) are medial
    assert list(np.flatnonzero(layout.x_mm > 0) + 1) == [3, 5, 7]
    assert list(np.flatnonzero(layout.regions["medial"]) + 1) == [3, 5, 7]
    assert list(np.flatnonzero(layout.regions["lateral"]) + 1) == [2, 4, 6]
    assert list(np.flatnonzero(layout.regions["rearfoot"]) + 1) == [1, 2, 3]
    assert list(np.flatnonzero(layout.regions["toes"]) + 1) == [8]
    np.testing.assert_allclose(layout.u, [0.1, 0.3, 0.3, 0.5, 0.5, 0.7, 0.7, 0.9])
    assert _inside(layout.outline_mm, layout.x_mm, layout.y_mm).all()


def _gaitpdb_lines() -> list[str]:
    return shared_data("gaitpdb", "JuCo01_01.txt").read_bytes().decode().split("\r\n")


def test_gaitpdb_truncated_ragged_and_text(tmp_path):
    path = tmp_path / "JuCo01_01.txt"
    data = shared_data("gaitpdb", "JuCo01_01.txt").read_bytes()
    path.write_bytes(data[: len(data) // 2])  # cut inside a row
    with pytest.raises(FileFormatError, match="probably truncated") as err:
        load(path)
    assert err.value.line == data[: len(data) // 2].count(b"\n") + 1

    lines = _gaitpdb_lines()
    lines[99] = "\t".join(lines[99].split("\t")[:-1])
    path.write_text("\r\n".join(lines))
    with pytest.raises(FileFormatError, match="18 fields, expected 19") as err:
        load(path)
    assert err.value.line == 100

    lines = _gaitpdb_lines()
    cells = lines[1234].split("\t")
    cells[5] = "n/a"
    lines[1234] = "\t".join(cells)
    path.write_text("\r\n".join(lines))
    with pytest.raises(FileFormatError, match="L5_n: 'n/a' is not a number") as err:
        load(path)
    assert err.value.line == 1235 and str(path) in str(err.value)


# --- Moticon -------------------------------------------------------------------------------


def test_moticon_walk_cop_force_and_steps():
    path = shared_data("moticon", "230927_102114.txt")
    session = load(path)
    check_session(session, "moticon")
    assert session.metadata["insole_size"] == 7
    assert session.duration_s == pytest.approx(17.5, abs=0.05)
    assert session.metadata["duration_s"] == pytest.approx(17.496)
    assert session.sampling_rate_hz == 100.0
    rows = session.quality["rows"]
    for side, foot in session.feet.items():
        assert (foot.n_sensors, foot.unit) == (16, "n_cm2")
        assert foot.layout == moticon16_layout()
        assert foot.n_frames == rows - session.quality[f"rows_without_{side}"]
        assert foot.values.min() >= 0.0
        assert set(foot.vendor) >= {"cop_ap_norm", "cop_ml_norm", "acc_z_g", "gyro_x_dps"}
        # the insole lies flat: gravity on the z axis, about 1 g
        assert np.median(foot.vendor["acc_z_g"]) == pytest.approx(1.0, abs=0.1)

        ours, theirs = moticon_cop_norm(session, side)
        rms = np.sqrt(np.mean((ours - theirs) ** 2, axis=0))
        print(f"moticon {side}: CoP RMS (AP, ML) = {rms[0]:.2e}, {rms[1]:.2e} normalised units")
        assert len(ours) > 1000 and np.all(rms < 0.005)

        force = foot.sensor_force_n()
        assert force is not None and foot.total_force_n is not None
        error = force.sum(axis=1) - foot.total_force_n
        loaded = foot.total_force_n >= 50
        ratio = np.median(force.sum(axis=1)[loaded] / foot.total_force_n[loaded])
        force_rms = np.sqrt(np.mean(error**2))
        print(f"moticon {side}: total force RMS error {force_rms:.2f} N, ratio {ratio:.4f}")
        assert force_rms < 1.0  # the vendor's total is whole newtons
        assert ratio == pytest.approx(1.0, abs=0.005)
        assert session.metadata["layout_area_scale"] == pytest.approx(1.0, abs=0.005)

    # 7 steps a side: heel strike then toe off, alternating
    for side in ("left", "right"):
        strikes = session.events[side]["heel_strike_s"]
        offs = session.events[side]["toe_off_s"]
        assert len(strikes) == len(offs) == 7
        assert np.all(strikes < offs) and np.all(offs[:-1] < strikes[1:])
    assert session.quality["unknown_step_codes"] == 0


def test_moticon_steps_match_the_vendor_gait_report():
    openpyxl = pytest.importorskip("openpyxl")
    session = load(shared_data("moticon", "230927_102114.txt"))
    book = openpyxl.load_workbook(
        shared_data("moticon", "gait_report_230927_10_21_14.xlsx"), read_only=True
    )
    for side, sheet in (("left", "Left Steps"), ("right", "Right Steps")):
        rows = [r for r in book[sheet].iter_rows(min_row=2, values_only=True) if r[0] is not None]
        report = np.array([(r[1], r[2]) for r in rows], dtype=float)
        # the report has ms; the export marks the 10 ms row that holds the event
        np.testing.assert_allclose(session.events[side]["heel_strike_s"], report[:, 0], atol=0.011)
        np.testing.assert_allclose(session.events[side]["toe_off_s"], report[:, 1], atol=0.011)
    book.close()


def test_moticon_size3_export_with_user_events():
    session = load(shared_data("moticon", "walk_data_with_events", "text_export.txt"))
    check_session(session, "moticon")
    assert session.metadata["insole_size"] == 3
    # a size-3 insole's sensors are 0.70 times as large as size 7's (fitted to the total force)
    scale = session.metadata["layout_area_scale"]
    assert scale == pytest.approx(0.70, abs=0.01)
    for side, foot in session.feet.items():
        assert foot.layout is not None and foot.layout.name.startswith("moticon16*")
        ours, theirs = moticon_cop_norm(session, side)
        rms = np.sqrt(np.mean((ours - theirs) ** 2, axis=0))
        print(f"moticon size 3 {side}: CoP RMS (AP, ML) = {rms[0]:.2e}, {rms[1]:.2e}")
        assert np.all(rms < 0.005)
        force = foot.sensor_force_n()
        assert force is not None and foot.total_force_n is not None
        assert np.sqrt(np.mean((force.sum(axis=1) - foot.total_force_n) ** 2)) < 3.0
        assert set(session.events[side]) == {"event_1_s", "event_2_s"}
        assert len(session.events[side]["event_1_s"]) == 4
        assert "cop_velocity_norm_per_s" in foot.vendor
    events = session.metadata["vendor_events"]
    assert len(events) == 16 and {e["label"] for e in events} == {"Event"}
    assert {e["group"] for e in events} == {"Left Events", "Right Events"}


def test_moticon16_layout_map_is_exact_and_inside_the_outline():
    layout = builtin_layout("moticon16")
    assert layout.n_sensors == 16 and layout.foot_length_mm == 260.0
    ap, ml = foot_to_moticon_norm(layout.x_mm, layout.y_mm, layout)
    x, y = moticon_norm_to_foot(ap, ml, layout)
    np.testing.assert_allclose(x, layout.x_mm, atol=1e-12)
    np.testing.assert_allclose(y, layout.y_mm, atol=1e-12)
    np.testing.assert_allclose(ap[[0, 13]], [-0.4037, 0.4131], atol=1e-12)
    np.testing.assert_allclose(ml[[6, 12]], [0.2422, -0.4623], atol=1e-12)
    assert layout.area_mm2[0] == pytest.approx(1236.4)
    assert _inside(layout.outline_mm, layout.x_mm, layout.y_mm).all()
    smaller = moticon16_layout(0.7)
    np.testing.assert_allclose(smaller.u, layout.u)
    np.testing.assert_allclose(smaller.w, layout.w)
    np.testing.assert_allclose(smaller.area_mm2, 0.7 * layout.area_mm2)
    assert builtin_layout("sim16").n_sensors == 16
    with pytest.raises(KeyError, match="gaitpdb8, moticon16"):
        builtin_layout("pedar99")


def _moticon_text() -> tuple[str, list[str]]:
    lines = shared_data("moticon", "230927_102114.txt").read_text(encoding="utf-8").split("\n")
    return "\n".join(lines), lines


def test_moticon_damaged(tmp_path):
    path = tmp_path / "walk.txt"
    text, lines = _moticon_text()
    data = text.encode()
    path.write_bytes(data[: len(data) - 300])
    with pytest.raises(FileFormatError, match="probably truncated") as err:
        load(path)
    assert err.value.line == data[: len(data) - 300].count(b"\n") + 1

    header_end = next(k for k, line in enumerate(lines) if line.startswith("# time"))
    damaged = list(lines)
    damaged[header_end + 500] = damaged[header_end + 500] + "\t1.0"
    path.write_text("\n".join(damaged), encoding="utf-8")
    with pytest.raises(FileFormatError, match="54 fields, expected 53") as err:
        load(path)
    assert err.value.line == header_end + 501

    damaged = list(lines)
    cells = damaged[header_end + 700].split("\t")
    cells[23] = "12,5"  # a decimal comma in the left total force (column 24)
    damaged[header_end + 700] = "\t".join(cells)
    path.write_text("\n".join(damaged), encoding="utf-8")
    with pytest.raises(FileFormatError, match=r"left total force\[N\]: '12,5'") as err:
        load(path)
    assert err.value.line == header_end + 701

    damaged = list(lines)
    cells = damaged[header_end + 800].split("\t")
    cells[3] = ""  # one empty cell in a sample of the left foot
    damaged[header_end + 800] = "\t".join(cells)
    path.write_text("\n".join(damaged), encoding="utf-8")
    with pytest.raises(FileFormatError, match="left foot's sample has 1 of 25 cells empty") as e:
        load(path)
    assert e.value.line == header_end + 801

    path.write_text("\n".join(lines[:5]) + "\n", encoding="utf-8")
    with pytest.raises(FileFormatError, match="ends in its header") as err:
        load(path)
    assert err.value.line == 5


def assert_same(a: object, b: object, where: str = "session") -> None:
    """Equal bit for bit: arrays by dtype, shape, layout and bytes (NaN where NaN), dataclasses
    field by field, dicts in the same key order."""
    if isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray), where
        assert (a.dtype, a.shape, a.flags.c_contiguous) == (b.dtype, b.shape, b.flags.c_contiguous)
        assert a.tobytes() == b.tobytes(), where
    elif isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b), where
        for key in a:
            assert_same(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b), where
        for k, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{where}[{k}]")
    elif dataclasses.is_dataclass(a) and not isinstance(a, type):
        assert type(a) is type(b), where
        for f in dataclasses.fields(a):
            assert_same(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
    else:
        assert type(a) is type(b) and (a == b or (a != a and b != b)), (where, a, b)


@pytest.mark.parametrize(
    "parts", [("230927_102114.txt",), ("walk_data_with_events", "text_export.txt")]
)
def test_moticon_pandas_and_line_by_line_reads_agree(parts):
    path = shared_data("moticon", *parts)
    assert moticon._table_by_pandas(path) is not None, "a clean export takes the pandas path"
    assert_same(moticon._read(path), moticon._read(path, fast=False))


def _edit_cell(line: str, column: int, value: str) -> str:
    cells = line.split("\t")
    cells[column] = value
    return "\t".join(cells)


def _edit_line(row: int, edit: Callable[[str], str]) -> Callable[[list[str]], list[str]]:
    return lambda rows: [edit(line) if k == row else line for k, line in enumerate(rows)]


def _only_step_code(code: str) -> Callable[[list[str]], list[str]]:
    """The left steps column (52) empty but for one cell."""
    return lambda rows: [
        _edit_cell(line, 52, code if k == 40 else "") for k, line in enumerate(rows)
    ]


# (what, edit of the data lines (text after the column header), whether pandas may read them)
MOTICON_EDITS: list[tuple[str, Callable[[list[str]], list[str]], bool]] = [
    ("crlf line ends", lambda rows: [line + "\r" for line in rows], True),
    ("no final newline", lambda rows: rows, True),
    ("spaces around a number", _edit_line(40, lambda line: _edit_cell(line, 5, " 2.5 ")), True),
    ("one empty cell of a foot", _edit_line(40, lambda line: _edit_cell(line, 3, "")), True),
    ("time going back", _edit_line(40, lambda line: _edit_cell(line, 0, "0.01")), True),
    ("a steps code 21 alone", _only_step_code("21"), True),
    ("True as the only steps code", _only_step_code("True"), False),  # pandas: 1.0
    ("nan as the only steps code", _only_step_code("nan"), False),
    (
        "-Infinity in a pressure",
        _edit_line(40, lambda line: _edit_cell(line, 5, "-Infinity")),
        False,
    ),
    ("1_000 in a pressure", _edit_line(40, lambda line: _edit_cell(line, 5, "1_000")), False),
    ("a short row", _edit_line(40, lambda line: line.rsplit("\t", 1)[0]), False),
    ("a long row", _edit_line(40, lambda line: line + "\t1"), False),
    ("a blank line", _edit_line(40, lambda line: "\n" + line), False),
    ("a line of tabs", _edit_line(40, lambda line: "\t" * 52 + "\n" + line), False),
    ("a lone carriage return", _edit_line(40, lambda line: line.replace("\t", "\r", 1)), False),
    ("an empty time cell", _edit_line(40, lambda line: _edit_cell(line, 0, "")), False),
]


@pytest.mark.parametrize(
    ("what", "edit", "pandas_path"), MOTICON_EDITS, ids=[e[0] for e in MOTICON_EDITS]
)
def test_moticon_pandas_path_leaves_what_it_cannot_match_to_the_line_reader(
    tmp_path, what, edit, pandas_path
):
    """The file is read as the line-by-line reader reads it, or refused with its error (same
    message, same line), whichever path takes it; pandas takes only what it reads the same."""
    _, lines = _moticon_text()
    header_end = next(k for k, line in enumerate(lines) if line.startswith("# time"))
    assert lines[-1] == ""  # the file ends with a newline
    rows = edit(lines[header_end + 1 : -1])
    path = tmp_path / "walk.txt"
    text = "\n".join(lines[: header_end + 1] + rows) + ("" if what == "no final newline" else "\n")
    path.write_bytes(text.encode("utf-8"))
    assert (moticon._table_by_pandas(path) is not None) == pandas_path
    try:
        expected = moticon._read(path, fast=False)
    except FileFormatError as err:
        with pytest.raises(FileFormatError) as got:
            load(path)
        assert (str(got.value), got.value.line) == (str(err), err.line)
    else:
        assert_same(load(path), expected)


# --- the project's own recordings and captures ---------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "walk_normal.insole",
        "walk_left_heavy.insole",
        "walk_medial_shift.insole",
        "stand_quiet.insole",
        "line_mode_example.txt",
    ],
)
def test_sample_recordings(name):
    path = SAMPLES / name
    truth = json.loads((SAMPLES / f"{name}.truth.json").read_text())
    session = load(path)
    check_session(session, "insole")
    assert detect_format(path) == "insole"
    assert session.sampling_rate_hz == truth["rate_hz"]
    assert session.duration_s == pytest.approx(truth["duration_s"], abs=1.5 / truth["rate_hz"])
    for foot in session.feet.values():
        assert foot.n_frames == truth["n_frames"] and foot.n_sensors == truth["sensors"]
        assert foot.values.min() >= 0
    if path.suffix == ".insole":
        assert session.metadata["kind"] == "recording"
        assert session.metadata["devices"][0]["layout"] == truth["layout"]
        for foot in session.feet.values():
            assert foot.unit == "kpa" and foot.layout == builtin_layout(truth["layout"])
        assert session.quality["crc_errors"] == 0
        assert session.quality["frames_left"] == truth["n_frames"]
    else:  # line mode names no unit and no layout
        assert session.metadata["mode"] == "text"
        assert all(f.unit == "raw" and f.layout is None for f in session.feet.values())


def test_recording_subject_fields_reach_metadata(tmp_path):
    from pressure.simulator import GaitSignal, SyntheticGait, write_recording

    path = tmp_path / "subject.insole"
    gait = SyntheticGait(seconds=2, rate_hz=100, sensors=8, seed=2)
    write_recording(
        path, GaitSignal(gait), session={"subject.body_mass_kg": 70.5, "subject.subject_id": "S7"}
    )
    session = load(path)
    assert session.metadata["subject"] == {"body_mass_kg": 70.5, "subject_id": "S7"}
    assert session.left is not None and session.left.layout == builtin_layout("sim8")


def test_capture_cut_short_is_read_and_counted(tmp_path):
    data = (SAMPLES / "line_mode_example.txt").read_bytes()
    path = tmp_path / "cut.txt"
    path.write_bytes(data[: len(data) - 7])  # the last line loses its end
    session = load(path)
    assert session.quality["truncated"] == 1
    assert session.left is not None and session.right is not None
    assert session.left.n_frames + session.right.n_frames == 199


# --- helpers -------------------------------------------------------------------------------


def _inside(outline: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Even-odd ray casting: which points lie strictly inside the closed polygon."""
    inside = np.zeros(len(x), dtype=bool)
    x0, y0 = outline[:-1, 0], outline[:-1, 1]
    x1, y1 = outline[1:, 0], outline[1:, 1]
    for k, (px, py) in enumerate(zip(x, y, strict=True)):
        crosses = (y0 > py) != (y1 > py)
        with np.errstate(divide="ignore", invalid="ignore"):
            at = x0 + (py - y0) * (x1 - x0) / (y1 - y0)
        inside[k] = bool(np.sum(crosses & (px < at)) % 2)
    return inside


def test_gaitpdb_fast_and_line_by_line_reads_agree():
    """The pandas path gives bit-identical sessions to the line-by-line reader on every walk."""
    from pressure.io.readers import gaitpdb

    folder = shared_data("gaitpdb")
    walks = sorted(folder.glob("*_*.txt"))
    assert walks
    for path in walks:
        fast, slow = gaitpdb.read(path), gaitpdb.read(path, fast=False)
        for side in ("left", "right"):
            a, b = fast.feet[side], slow.feet[side]
            np.testing.assert_array_equal(a.time_s, b.time_s)
            np.testing.assert_array_equal(a.values, b.values)
            np.testing.assert_array_equal(a.total_force_n, b.total_force_n)
