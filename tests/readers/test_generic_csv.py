"""The generic sensor table reader and writer (CSV and Parquet, wide and tidy, with a layout
file or one in the Parquet schema). The tables are synthetic, written here to tmp_path; the
pandas path is also checked on the stappone example (pressuRe example data, MIT, in
../shared/data), which is read with the same table parser.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from pressure.cli import main as cli_main
from pressure.cop import foot_cop
from pressure.errors import FileFormatError
from pressure.io import table as table_parser
from pressure.io.load import detect_format, load
from pressure.io.readers import generic_csv
from pressure.io.text import read_head
from pressure.layout import SensorLayout
from pressure.model import FootRecording, Session
from pressure.simulator import SyntheticGait

from ..conftest import ROOT, simulated_session
from .helpers import (
    CSV_TIME_ATOL,
    assert_same_feet,
    check_session,
    empty_and_random_bytes_are_named,
    stappone_csv,
)

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
        assert_same_feet(back, session, CSV_TIME_ATOL if suffix == ".csv" else 0.0)
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

    monkeypatch.setattr(table_parser, "_by_lines", refuse)
    load(wide)  # the pandas path alone reads a clean file
    monkeypatch.undo()
    monkeypatch.setattr(table_parser, "_by_pandas", lambda *args, **kwargs: None)
    slow = {"stappone": load(stappone_csv()), "wide": load(wide), "tidy": load(tidy)}
    for name, session in fast.items():
        assert_same_feet(slow[name], session)
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


def test_empty_and_random_bytes_are_named(tmp_path, capsys):
    empty_and_random_bytes_are_named(tmp_path, ".parquet", "generic_csv", capsys)


# --- home-made insoles' logs (issue 16): no layout file, the shared column classifier -------


def _log(path: Path, header: list[str], rows: Sequence[Sequence[object]], top: str = "") -> Path:
    path.write_text(
        top + ",".join(header) + "\n" + "".join(f"{','.join(map(str, r))}\n" for r in rows)
    )
    return path


def _counts(n: int, k: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 4096, (n, k))


@pytest.mark.parametrize(
    ("header", "ticks", "unit", "sides"),
    [
        (  # an ESP32 two-foot log: millis, a frame counter, right foot first, flags
            [
                "time_ms",
                "frame_id",
                *(f"R_ch{k}" for k in range(4)),
                *(f"L_ch{k}" for k in range(4)),
                "flags",
            ],
            [120000 + 10 * i for i in range(40)],
            "ms",
            {"right": [2, 3, 4, 5], "left": [6, 7, 8, 9]},
        ),
        (  # a bare "time" in whole milliseconds: not seconds
            ["time", *(f"L_value{k}" for k in range(1, 5)), *(f"R_value{k}" for k in range(1, 5))],
            [5000 + 20 * i for i in range(40)],
            "ms",
            {"left": [1, 2, 3, 4], "right": [5, 6, 7, 8]},
        ),
        (  # "t" with fractions: seconds, as "time" always was
            ["t", "R1", "R2", "L2", "L1"],
            [round(0.02 * i, 2) for i in range(40)],
            "s",
            {"left": [4, 3], "right": [1, 2]},
        ),
        (  # micros(): steps of 10000 ticks
            ["timestamp", "left_1", "left_2", "right_1", "right_2"],
            [10_000_000 + 10_000 * i for i in range(40)],
            "us",
            {"left": [1, 2], "right": [3, 4]},
        ),
        (  # a one-foot sketch: millis, v1..v4
            ["millis", "v1", "v2", "v3", "v4"],
            [65000 + 10 * i for i in range(40)],
            "ms",
            {"left": [1, 2, 3, 4]},
        ),
    ],
    ids=["esp32-two-feet", "time-ms", "t-seconds", "timestamp-us", "millis-one-foot"],
)
def test_maker_logs_load_without_a_layout(tmp_path, header, ticks, unit, sides):
    n = len(ticks)
    counts = _counts(n, len(header), 3)
    rows = []
    for i in range(n):
        row: list[object] = [ticks[i], *counts[i, 1:]]
        if "frame_id" in header:
            row[1] = 7 + i
            row[-1] = i % 2
        rows.append(row)
    path = _log(tmp_path / "log.csv", header, rows, top="# fw=v3.1.0\n")
    assert detect_format(path) == "generic_csv"
    session = load(path)
    check_session(session, "generic_csv")
    assert sorted(session.feet) == sorted(sides)
    scale = {"s": 1.0, "ms": 1e-3, "us": 1e-6}[unit]
    for side, columns in sides.items():
        foot = session.feet[side]
        assert foot.unit == "raw" and foot.layout is None
        np.testing.assert_array_equal(foot.values, counts[:, columns])
        np.testing.assert_allclose(foot.time_s, np.array(ticks) * scale, rtol=1e-12)
        assert foot.sampling_rate_hz == pytest.approx(1.0 / ((ticks[1] - ticks[0]) * scale))
    assert session.metadata["time_unit"] == unit
    assert session.metadata["time_column"] == header[0]
    assert session.metadata["time_unit_from"] == (
        "values" if header[0] in ("time", "t", "timestamp") else "name"
    )
    assert session.metadata["header"]["fw"] == "v3.1.0"
    if "frame_id" in header:  # extras are per-frame vendor columns of both feet, not sensors
        for foot in session.feet.values():
            np.testing.assert_array_equal(foot.vendor["frame_id"], 7 + np.arange(n))
            np.testing.assert_array_equal(foot.vendor["flags"], np.arange(n) % 2)
    if len(sides) == 1:
        assert session.metadata["side_from"] == "default (left)"
        assert any("read as the left foot" in p for p in session.problems)
    else:
        assert "side_from" not in session.metadata


def test_rows_out_of_order_are_sorted_by_frame_and_repeats_dropped(tmp_path):
    n = 60
    counts = _counts(n, 4, 4)
    frames = (65530 + np.arange(n)) % 65536  # a uint16 counter wraps mid-file
    rows = [[1000 + 10 * i, int(frames[i]), *counts[i], 0] for i in range(n)]
    written = list(rows)
    for a in (5, 20, 40):  # three rows written after their successor (the firmware's order)
        written[a], written[a + 1] = written[a + 1], written[a]
    written.insert(30, list(written[29]))  # one frame written twice
    written.append(list(written[3]))  # and one again at the end
    header = ["time_ms", "frame_id", "L_ch0", "L_ch1", "R_ch0", "R_ch1", "flags"]
    path = _log(tmp_path / "log.csv", header, written)
    session = load(path)
    check_session(session, "generic_csv")
    assert session.quality["rows_out_of_order"] == 3
    assert session.quality["duplicate_rows"] == 2
    assert session.quality["rows"] == n + 2
    assert any("3 rows were out of order: sorted by frame_id" in p for p in session.problems)
    left = session.feet["left"]
    np.testing.assert_array_equal(left.values, counts[:, :2])
    np.testing.assert_array_equal(left.vendor["frame_id"], frames)
    np.testing.assert_allclose(left.time_s, 1.0 + 0.01 * np.arange(n), rtol=1e-12)
    # the same frame with other values is refused at its second line
    written[33] = [written[34][0], written[34][1], 1, 2, 3, 4, 0]
    path.write_text(
        ",".join(header) + "\n" + "".join(",".join(map(str, r)) + "\n" for r in written)
    )
    with pytest.raises(FileFormatError, match=r"frame_id .* appears twice with other") as err:
        load(path)
    assert err.value.line == 36


def test_rows_out_of_order_are_sorted_by_time_without_a_frame_column(tmp_path):
    counts = _counts(30, 2, 5)
    rows = [[round(0.01 * i, 2), *counts[i]] for i in range(30)]
    rows[10], rows[12] = rows[12], rows[10]  # two rows moved
    session = load(_log(tmp_path / "t.csv", ["time_s", "L1", "R1"], rows))
    assert session.quality["rows_out_of_order"] == 2
    np.testing.assert_array_equal(session.feet["right"].values[:, 0], counts[:, 1])
    assert session.metadata["time_unit"] == "s" and session.metadata["time_unit_from"] == "name"


def test_a_frame_column_and_a_rate_give_times_with_the_gaps_of_lost_frames(tmp_path):
    frames = [0, 1, 2, 5, 6, 7, 8, 9]  # frames 3 and 4 never arrived
    rows = [[f, f * 3, f * 5] for f in frames]
    path = _log(tmp_path / "f.csv", ["frame", "v1", "v2"], rows, top="# sampling_rate_hz: 50\n")
    assert detect_format(path) == "generic_csv"
    foot = load(path).feet["left"]
    np.testing.assert_allclose(foot.time_s, np.array(frames) / 50)
    assert foot.sampling_rate_hz == 50.0
    path.write_text(path.read_text().split("\n", 1)[1])  # no rate: the frames have no time
    with pytest.raises(FileFormatError, match="no time column"):
        load(path)


def test_sensor_columns_of_one_foot_without_a_layout(tmp_path):
    rows = [[i, i + 1, 2 * i] for i in range(10)]
    header = ["time_ms", "sensor_1", "sensor_2"]
    session = load(_log(tmp_path / "one.csv", header, rows))
    assert tuple(session.feet) == ("left",)
    session = load(_log(tmp_path / "one.csv", header, rows, top="# side: right\n"))
    assert tuple(session.feet) == ("right",) and session.metadata["side_from"] == "side setting"
    assert not any("left foot" in p for p in session.problems)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("shopping.csv", "item,count\neggs,6\n"),
        ("notes.csv", "time_ms,note,L1,R1\n0,start,1,2\n10,x,3,4\n"),  # text cells
        ("vendor.csv", "sole_id,timestamp,pressure_01\n1,100,5\n1,116,6\n"),  # an unknown column
        ("no_clock.csv", "L1,L2,R1\n1,2,3\n4,5,6\n"),  # no time or frame column
        ("log.txt", "time_ms,L1,R1\n0,1,2\n10,3,4\n"),  # not named .csv
    ],
)
def test_tables_that_are_not_taken_without_a_layout(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    assert generic_csv.detect(path, read_head(path)) is False


def test_an_unknown_numeric_column_is_kept_and_a_text_one_ignored(tmp_path):
    text = "time_ms,mood,temp_c,L1,R1\n0,ok,21.5,1,2\n10,ok,21.6,3,4\n"
    path = tmp_path / "t.csv"
    path.write_text(text)
    (tmp_path / "layout.csv").write_text(
        "sensor,x_mm,y_mm,area_mm2\n1,0,100,100\n"
    )  # with a layout file the table is taken whatever its columns
    session = load(path)
    assert session.metadata["ignored_columns"] == ["mood"]
    np.testing.assert_array_equal(session.feet["left"].vendor["temp_c"], [21.5, 21.6])


@pytest.mark.parametrize(
    ("sep", "end"),
    [(",", ","), (";", ""), ("\t", ""), ("\t", "\t"), (";", ";")],
    ids=["trailing-comma", "semicolon", "tab", "trailing-tab", "trailing-semicolon"],
)
def test_a_board_log_with_its_own_separators(tmp_path, sep, end):
    """Loggers end every line with a separator, or separate with semicolons or tabs (a
    spreadsheet in a decimal-comma locale): the same table, the same session."""
    header = sep.join(["time_ms", "L1", "L2", "R1", "R2"]) + end
    rows = [
        sep.join(str(v) for v in (1000 + 10 * k, k % 40, k % 30, k % 20, k % 10)) + end
        for k in range(100)
    ]
    path = tmp_path / "log.csv"
    path.write_text("\n".join([header, *rows]) + "\n")
    assert detect_format(path) == "generic_csv"
    session = load(path)
    assert set(session.feet) == {"left", "right"}
    left, right = session.feet["left"], session.feet["right"]
    assert left.values[:3].tolist() == [[0, 0], [1, 1], [2, 2]]
    assert right.values[:3].tolist() == [[0, 0], [1, 1], [2, 2]]
    assert left.sampling_rate_hz == pytest.approx(100.0)


@pytest.mark.parametrize(
    ("header", "stamp"),
    [
        ("timestamp", lambda k: f"2024-05-01 23:59:59.{k:03d}" if k < 1000 else None),
        ("time", lambda k: f"2024-05-01T12:00:{k // 100:02d}.{(k % 100) * 10:03d}Z"),
        ("date,time", lambda k: f"2024-05-01,12:00:{k // 100:02d}.{(k % 100) * 10:03d}"),
    ],
    ids=["iso-space", "iso-t-utc", "date-and-time-columns"],
)
def test_a_logger_with_a_real_time_clock_writes_dates_and_times(
    tmp_path: Path, header: str, stamp: object
) -> None:
    """An ESP32 with an RTC or NTP logs ``2024-05-01 12:00:00.123`` (or a date column and a
    time of day): seconds from the earliest, the earliest kept as the start time."""
    if header == "timestamp":  # 1 ms apart, crossing into the next day
        cells = [f"2024-05-01 23:59:59.{k:03d}" for k in range(1000)]
        cells += [f"2024-05-02 00:00:00.{k:03d}" for k in range(500)]
        period = 0.001
    else:
        cells = [stamp(k) for k in range(1500)]  # type: ignore[operator]
        period = 0.01
    rows = [f"{cell},{k % 7},{k % 5},{(k + 3) % 7},{(k + 1) % 5}" for k, cell in enumerate(cells)]
    path = tmp_path / "rtc_log.csv"
    path.write_text("\n".join([f"{header},L1,L2,R1,R2", *rows]) + "\n")
    assert detect_format(path) == "generic_csv"
    session = load(path)
    assert session.left is not None and session.right is not None
    np.testing.assert_allclose(session.left.time_s, period * np.arange(1500), atol=1e-9)
    assert session.left.sampling_rate_hz == pytest.approx(1 / period)
    assert session.metadata["start_time"] == cells[0].replace(",", " ")
    assert session.metadata["time_unit_from"] == "dates and times"
    np.testing.assert_array_equal(session.left.values[:, 0], np.arange(1500) % 7)


def test_a_time_cell_that_is_no_date_names_its_line(tmp_path: Path) -> None:
    rows = [f"2024-05-01 12:00:00.{k:03d},1,2" for k in range(20)]
    rows[12] = "yesterday noon,1,2"
    path = tmp_path / "rtc_log.csv"
    path.write_text("\n".join(["timestamp,L1,L2", *rows]) + "\n")
    with pytest.raises(FileFormatError, match=r"line 14: timestamp: 'yesterday noon' is not a"):
        load(path)


def test_values_no_sensor_measures_are_left_out_and_named(tmp_path: Path) -> None:
    """A cell of 1e308 kPa or −500 kPa is damage, not a pressure: NaN in the session, counted,
    named with its sensor and time; the analysis gives finite numbers."""
    gait = SyntheticGait(seconds=12.0, rate_hz=100.0, sensors=8, seed=5)
    left, right = (v.astype(float) * 0.1 for v in gait.values())
    left[300, 2], right[450, 5], left[600, 0] = 1e308, -500.0, -30.0  # the last is in range
    rows = [
        ",".join([f"{k / 100:.2f}", *map(repr, left[k].tolist()), *map(repr, right[k].tolist())])
        for k in range(len(left))
    ]
    header = ",".join(["time_s", *(f"L{j}" for j in range(1, 9)), *(f"R{j}" for j in range(1, 9))])
    path = tmp_path / "damaged.csv"
    path.write_text("\n".join(["# unit: kpa", header, *rows]) + "\n")
    session = load(path)
    assert session.quality["values_out_of_range"] == 2
    assert session.left is not None and session.right is not None
    assert np.isnan(session.left.values[300, 2]) and np.isnan(session.right.values[450, 5])
    assert session.left.values[600, 0] == -30.0
    named = [p for p in session.problems if "outside what a sensor measures" in p]
    assert any("1e+308 kPa (sensor 3 at 3.000 s)" in p for p in named), named
    assert any("-500 kPa (sensor 6 at 4.500 s)" in p for p in named), named
    from pressure.analysis import analyze

    result = analyze(session)
    share = result.distribution.left_share_pct
    assert share is not None and 40 < share < 60
