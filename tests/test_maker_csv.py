"""Issue 16, the files part, end to end: a home-made two-foot insole's CSV log as a board
writes it, and a generic CSV without its layout file.

The log (written to tmp_path): ``# fw=v3.1.0``, then ``time_ms,frame_id,R_ch0..R_ch15,
L_ch0..L_ch15,flags``, the right foot first, rows sometimes written after their successor and
one frame written twice, sensors that read 4095 unloaded and fall under load (a 12-bit
converter, the FSR on the ground side of a divider). Its signal is the simulator's gait
(``pressure.simulator.SyntheticGait``) at a known cadence, so the analysis after inverting the
sensors (``pressure.calibration.invert``) has a truth to meet.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from pressure.analysis import analyze
from pressure.calibration import invert, looks_inverted
from pressure.cli import main as cli_main
from pressure.io.load import detect_format, load
from pressure.model import FootRecording, Session
from pressure.simulator import SyntheticGait

from .conftest import ROOT

CADENCE_STEPS_PER_MIN = 104.0
SWAPPED = 40  # rows written after the row that follows them
FULL_SCALE = 4095


def _maker_log(tmp_path: Path) -> tuple[Path, np.ndarray, np.ndarray]:
    """The log, and the left and right readings (frames, 16) in frame order."""
    gait = SyntheticGait(
        seconds=30.0, rate_hz=100.0, sensors=16, seed=11, cadence_steps_per_min=104.0
    )
    left, right = (FULL_SCALE - counts.astype(np.int64) for counts in gait.values())
    assert left.min() > 0 and left.max() == FULL_SCALE  # falls under load, never to 0
    n = gait.n_frames
    rows = [[250_000 + 10 * k, 7000 + k, *right[k], *left[k], int(k % 50 == 0)] for k in range(n)]
    # disjoint pairs of neighbours swapped, as a board writes frames as they come
    starts = np.sort(np.random.default_rng(2).choice(np.arange(1, n // 3 - 1), SWAPPED, False))
    for a in (3 * starts).tolist():
        rows[a], rows[a + 1] = rows[a + 1], rows[a]
    rows.insert(500, list(rows[499]))  # one frame written twice
    header = ["time_ms", "frame_id"]
    header += [f"R_ch{k}" for k in range(16)] + [f"L_ch{k}" for k in range(16)] + ["flags"]
    path = tmp_path / "LOG0001.csv"
    lines = ["# fw=v3.1.0", ",".join(header), *(",".join(map(str, row)) for row in rows)]
    path.write_text("\n".join(lines) + "\n")
    return path, left, right


def test_a_two_foot_maker_log_loads_sorted_and_walks_once_inverted(tmp_path: Path) -> None:
    path, left, right = _maker_log(tmp_path)
    assert not list(tmp_path.glob("*layout*"))
    assert detect_format(path) == "generic_csv"
    session = load(path)
    n = len(left)
    assert set(session.feet) == {"left", "right"}
    for foot, expected in ((session.left, left), (session.right, right)):
        assert foot is not None and foot.n_sensors == 16 and foot.layout is None
        np.testing.assert_array_equal(foot.values, expected)  # the right feet, frame order
        np.testing.assert_allclose(foot.time_s, 250.0 + 0.01 * np.arange(n), rtol=1e-12)
        assert foot.sampling_rate_hz == 100.0 and foot.unit == "raw"
        np.testing.assert_array_equal(foot.vendor["frame_id"], 7000 + np.arange(n))
        np.testing.assert_array_equal(foot.vendor["flags"], np.arange(n) % 50 == 0)
    assert session.quality["rows_out_of_order"] == SWAPPED
    assert session.quality["duplicate_rows"] == 1
    assert f"{SWAPPED} rows were out of order: sorted by frame_id" in session.problems
    assert session.metadata["header"]["fw"] == "v3.1.0"
    assert (session.metadata["time_unit"], session.metadata["time_unit_from"]) == ("ms", "name")

    inverted = invert(session)
    assert inverted.metadata["calibration"][-1]["full_scale"] == {
        "left": FULL_SCALE,
        "right": FULL_SCALE,
    }
    assert session.feet["left"].values.max() == FULL_SCALE  # the loaded session is unchanged
    result = analyze(inverted)
    steps = result.gait.steps
    assert steps.left is not None and steps.right is not None
    assert steps.left >= 20 and steps.right >= 20  # 30 s at 104 steps/min: 26 a foot
    cadence = result.gait.cadence_steps_per_min
    assert cadence == pytest.approx(CADENCE_STEPS_PER_MIN, rel=0.05)
    stance_pct = 100.0 * SyntheticGait().stance_fraction  # the simulator's stance, % of stride
    for side in ("left", "right"):
        assert result.gait.stance_pct[side] == pytest.approx(stance_pct, abs=3.0)
    assert any("no sensor layout" in p for p in result.problems)


def test_readings_that_fall_under_load_are_noticed_until_inverted(tmp_path: Path) -> None:
    """Analysed as they are, the maker log's readings (4095 unloaded) get a note naming each
    foot and --invert; inverted, and the same walk never inverted (counts that rise under
    load), get none."""
    path, left, _ = _maker_log(tmp_path)
    session = load(path)
    assert looks_inverted(session) == ["left", "right"]
    notes = [p for p in analyze(session).problems if "top of the converter's range" in p]
    assert [n.split(" foot")[0] for n in notes] == ["left", "right"]
    assert all("--invert" in n for n in notes)
    assert looks_inverted(invert(session)) == []
    assert not any("top of the converter" in p for p in analyze(invert(session)).problems)
    rising = _session(FULL_SCALE - left)  # the same left foot, wired the other way
    assert looks_inverted(rising) == []
    # one sensor in four falling under load is a mixed wiring, not an inverted insole
    mixed = (FULL_SCALE - left).copy()
    mixed[:, :4] = left[:, :4]
    assert looks_inverted(_session(mixed)) == []


def test_the_maker_log_walks_with_invert_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, _, _ = _maker_log(tmp_path)
    capsys.readouterr()
    assert cli_main(["analyze", str(path), "--invert", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    steps = result["gait"]["steps"]
    assert steps["left"] >= 20 and steps["right"] >= 20
    assert result["gait"]["cadence_steps_per_min"] == pytest.approx(CADENCE_STEPS_PER_MIN, rel=0.05)
    assert any("inverted" in step for step in result["profile"]["applied"])


def test_the_generic_csv_without_its_layout_is_analysed_without_geometry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """sample_data/fsr8_walk.csv copied without fsr8_walk.layout.csv: analyze exits 0 with the
    steps and one line saying what a layout adds and how to write one."""
    path = tmp_path / "fsr8_walk.csv"
    shutil.copy(ROOT / "sample_data" / "fsr8_walk.csv", path)
    truth = json.loads((ROOT / "sample_data" / "fsr8_walk.csv.truth.json").read_text())
    assert cli_main(["analyze", str(path)]) == 0
    out = capsys.readouterr().out
    about_layout = [line for line in out.splitlines() if "layout" in line]
    assert len(about_layout) == 1, about_layout
    line = about_layout[0]
    for words in ("centre of pressure", "CPEI", "medial", "forefoot", "regional"):
        assert words in line  # what a layout would add
    for words in ("fsr8_walk.layout.csv", "sensor,x_mm,y_mm,area_mm2", "README: File formats"):
        assert words in line  # how to write one
    assert cli_main(["analyze", str(path), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["gait"]["steps"]["left"] >= 10 and summary["gait"]["steps"]["right"] >= 10
    cadence = summary["gait"]["cadence_steps_per_min"]
    assert cadence == pytest.approx(truth["cadence_steps_per_min"], rel=0.05)
    assert summary["gait"]["stance_time_s"]["left"] is not None
    # load shares need no geometry (the values are kPa); positions do
    assert summary["distribution"]["left_share_pct"] == pytest.approx(50.0, abs=3.0)
    assert summary["distribution"]["forefoot_share_pct"] == {"left": None, "right": None}
    assert summary["pronation"]["cpei_pct"] == {"left": None, "right": None}
    assert summary["quality"]["frames_lost"] == 0
    assert sum("layout" in p for p in summary["problems"]) == 1


# --- pressure.calibration.invert ------------------------------------------------------------


@pytest.mark.parametrize("frame_column", [False, True])
def test_a_log_whose_board_reset_midway_is_joined_not_interleaved(
    tmp_path: Path, frame_column: bool
) -> None:
    """A board reset while logging: its millis (and frame counter) start again. Sorting by time
    would interleave the two parts; they are joined one period apart, in their own order, and
    rows written late within a part are still sorted."""
    times = [250_000 + 10 * k for k in range(300)] + [4 + 10 * k for k in range(300)]
    frames = list(range(7000, 7300)) + list(range(300))
    values = [[k % 97, (3 * k) % 89] for k in range(600)]  # row k: frame k of the session
    rows = [[t, f, *v] for t, f, v in zip(times, frames, values, strict=True)]
    for a in (100, 200, 400, 500):  # neighbours written in the wrong order, in both parts
        rows[a], rows[a + 1] = rows[a + 1], rows[a]
    header = "time_ms,frame_id,L1,L2" if frame_column else "time_ms,L1,L2"
    if not frame_column:
        rows = [[r[0], *r[2:]] for r in rows]
    path = tmp_path / "LOG0002.csv"
    path.write_text("\n".join([header, *(",".join(map(str, r)) for r in rows)]) + "\n")
    session = load(path)
    assert session.left is not None
    np.testing.assert_array_equal(session.left.values, values)  # the frames in their order
    np.testing.assert_allclose(np.diff(session.left.time_s), 0.01, rtol=1e-9)
    assert session.quality["clock_restarts"] == 1
    assert session.quality["rows_out_of_order"] == 4
    assert any("time_ms clock restarted 1 time (first at line 302" in p for p in session.problems)


def _session(values: np.ndarray, unit: str = "raw") -> Session:
    t = np.arange(len(values)) / 100.0
    foot = FootRecording("left", t, values.astype(float), unit, 100.0)
    return Session(Path("s"), "test", foot, None)


@pytest.mark.parametrize(
    ("largest", "full_scale"), [(1000, 1023), (1023, 1023), (1024, 4095), (5000, 65535)]
)
def test_invert_takes_the_smallest_converter_full_scale_at_or_above_the_largest_value(
    largest: int, full_scale: int
) -> None:
    values = np.array([[0, largest], [largest, 10]])
    out = invert(_session(values))
    assert out.left is not None and out.left.unit == "adc"
    np.testing.assert_array_equal(out.left.values, full_scale - values)
    step = out.metadata["calibration"][-1]
    assert step["step"] == "invert" and step["full_scale"] == {"left": full_scale}


def test_invert_some_sensors_with_a_given_full_scale() -> None:
    values = np.array([[100.0, 900.0, np.nan], [200.0, 300.0, 5.0]])
    out = invert(_session(values, "adc"), full_scale=1000, sensors=[1, 2])
    assert out.left is not None
    np.testing.assert_array_equal(out.left.values, [[100, 100, np.nan], [200, 700, 995]])
    assert out.metadata["calibration"][-1]["sensors"] == [1, 2]


@pytest.mark.parametrize(
    ("values", "unit", "options", "message"),
    [
        ([[1.0, 2.0]], "kpa", {}, "only ADC counts or raw readings"),
        ([[-1.0, 2.0]], "raw", {}, "negative readings"),
        ([[70000.0, 2.0]], "raw", {}, "pass full_scale"),
        ([[1100.0, 2.0]], "adc", {"full_scale": 1023}, "above full_scale 1023"),
        ([[1.0, 2.0]], "adc", {"sensors": [2]}, "sensor position 2 is not one"),
        ([[1.0, 2.0]], "adc", {"full_scale": 0}, "positive number"),
    ],
)
def test_invert_refuses(
    values: list[list[float]], unit: str, options: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        invert(_session(np.array(values), unit), **options)  # type: ignore[arg-type]
