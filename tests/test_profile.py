"""Home-made insoles: the profile (``pressure.profile``) and the maker options of ``analyze``,
``report`` and ``batch``, end to end through ``pressure.cli.main`` on files written to disk.

The board is modelled once: a synthetic two-foot walk of known cadence and stance share, read
through a 12-bit ADC whose dividers are wired the other way round (4095 unloaded, falling under
load), printed as line-mode text (``<ms>ms,L|R,<counts>``, PROTOCOL.md §5)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from firmware_protocol import Side
from pressure.cli import main
from pressure.io.layout_file import write_layout
from pressure.io.load import load
from pressure.layout import simulated_layout
from pressure.profile import InsoleProfile, apply_profile
from pressure.simulator import GaitSignal, SyntheticGait
from pressure.simulator.sketch import SketchFormat

CADENCE = 104.0  # steps/min of the simulated walk
STANCE_PCT = 62.0  # its stance share of the stride
FULL_SCALE_KPA = 600.0  # the pressure that reads the ADC's top count
TOP = 4095  # 12-bit ADC
MASS_KG = 70.0
Counts = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Board:
    """The files one simulated board gave, in one folder."""

    folder: Path
    walk: Path  # inverted 12-bit counts, both feet, timed lines
    untimed: Path  # the same lines without their time
    offset: Path  # the same, every sensor reading 300 counts less (300 after inversion)
    upright: Path  # not inverted
    upright_offset: Path  # not inverted, 100 counts added to every reading
    one_foot: Path  # the left insole only
    layout: Path  # where the 8 sensors are


def _write_lines(path: Path, feet: dict[str, Counts], rate_hz: float, timed: bool = True) -> Path:
    rows = []
    n = len(next(iter(feet.values())))
    for k in range(n):
        time = f"{round(k * 1000 / rate_hz)}ms," if timed else ""
        for letter, counts in feet.items():
            rows.append(time + letter + "," + ",".join(map(str, counts[k].tolist())))
    path.write_text("\n".join(rows) + "\n", "ascii")
    return path


@pytest.fixture(scope="module")
def board(tmp_path_factory: pytest.TempPathFactory) -> Board:
    folder = tmp_path_factory.mktemp("board")
    gait = SyntheticGait(
        seconds=15.0, rate_hz=50.0, sensors=8, seed=7, cadence_steps_per_min=CADENCE
    )
    assert gait.stance_fraction * 100 == STANCE_PCT
    left, right = gait.values()

    def adc(counts: npt.NDArray[Any]) -> Counts:
        kpa = counts.astype(np.float64) * gait.pressure_scale_kpa
        return np.round(np.clip(kpa / FULL_SCALE_KPA, 0.0, 1.0) * TOP).astype(np.int64)

    up = {"L": adc(left), "R": adc(right)}
    inverted = {k: TOP - v for k, v in up.items()}
    layout = folder / "insole8.layout.csv"
    write_layout(layout, simulated_layout(8))
    rate = gait.rate_hz
    return Board(
        folder=folder,
        walk=_write_lines(folder / "walk.txt", inverted, rate),
        untimed=_write_lines(folder / "untimed.txt", inverted, rate, timed=False),
        offset=_write_lines(folder / "offset.txt", {k: v - 300 for k, v in inverted.items()}, rate),
        upright=_write_lines(folder / "upright.txt", up, rate),
        upright_offset=_write_lines(
            folder / "upright_offset.txt", {k: v + 100 for k, v in up.items()}, rate
        ),
        one_foot=_write_lines(folder / "one_foot.txt", {"L": inverted["L"]}, rate),
        layout=layout,
    )


def run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    capsys.readouterr()
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def summary(capsys: pytest.CaptureFixture[str], *argv: object) -> dict[str, Any]:
    status, out, err = run(capsys, "analyze", *argv, "--json")
    assert status == 0, err
    result: dict[str, Any] = json.loads(out)
    return result


def _plausible_gait(result: dict[str, Any]) -> None:
    """Steps on both feet, the cadence within 5 % and the stance share within 5 points of the
    simulated walk's."""
    gait = result["gait"]
    assert result["activity"] == "walking"
    assert gait["steps"]["left"] >= 8 and gait["steps"]["right"] >= 8
    assert gait["cadence_steps_per_min"] == pytest.approx(CADENCE, rel=0.05)
    for side in ("left", "right"):
        assert gait["stance_pct"][side] == pytest.approx(STANCE_PCT, abs=5.0)


def _same_analysis(a: dict[str, Any], b: dict[str, Any]) -> None:
    """The same summary but for the file (name and size) and what was applied."""
    for d in (a, b):
        d.pop("file"), d.pop("profile", None), d["quality"].pop("reader")
    assert a == b


# ----------------------------------------------------------------------------- the options


def test_invert_gives_the_walk_back(board: Board, capsys: pytest.CaptureFixture[str]) -> None:
    """Inverted sensors read as load: the stances come out as swings (stance share far off).
    ``--invert`` turns them round: steps on both feet, the right cadence and stance share."""
    wrong = summary(capsys, board.walk, "--tare")
    assert wrong["gait"]["stance_pct"]["left"] > STANCE_PCT + 15
    right = summary(capsys, board.walk, "--invert", "--tare")
    _plausible_gait(right)
    assert right["profile"]["applied"][0].startswith("inverted every sensor: 4095 minus")
    # every sensor by number is the same as every sensor
    _same_analysis(right, summary(capsys, board.walk, "--invert=1,2,3,4,5,6,7,8", "--tare"))
    status, out, _ = run(capsys, "analyze", board.walk, "--invert")
    assert status == 0 and "Calibration (the profile and options)\n  inverted every" in out


def test_invert_of_a_sensor_the_insole_lacks_names_the_option(
    board: Board, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run(capsys, "analyze", board.walk, "--invert=2,9")
    assert status == 2
    assert "--invert: sensor 9 does not exist: the left foot has sensors 1..8" in err
    with pytest.raises(SystemExit) as info:  # not a list of numbers: argparse's usage error
        main(["analyze", str(board.walk), "--invert=left"])
    assert info.value.code == 2


def test_body_mass_scales_raw_units_to_newtons(
    board: Board, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = summary(capsys, board.walk, "--invert")
    assert raw["distribution"]["load_unit"] == "adc"  # counts below the top
    assert raw["distribution"]["left_share_pct"] is None
    advice = next(p for p in raw["problems"] if "uncalibrated units" in p)
    assert "--tare and --body-mass-kg" in advice  # the command line, not Python
    scaled = summary(capsys, board.walk, "--invert", "--body-mass-kg", MASS_KG)
    d = scaled["distribution"]
    assert d["load_unit"] == "n" and d["body_mass_kg"] == MASS_KG
    assert d["left_share_pct"] == pytest.approx(50.0, abs=2.0)
    # walking, a foot's mean stance load is most of body weight (single support) but less
    # than all of it (double support shares it): between 0.6 and 1 body weight
    for side in ("left", "right"):
        assert 0.6 < d["mean_stance_force_bw"][side] < 1.0
    assert "newtons by body weight (70 kg" in scaled["profile"]["applied"][-1]
    status, out, _ = run(capsys, "analyze", board.walk, "--invert", "--body-mass-kg", MASS_KG)
    assert status == 0 and "scaled ADC counts to newtons by body weight" in out


def test_tare_removes_an_offset(board: Board, capsys: pytest.CaptureFixture[str]) -> None:
    """Dividers that read 300 counts short of the top unloaded: after the inversion every
    sensor reads 300 with nothing on it. Without a tare that is load, and no step ends; with
    ``--tare`` the forces are those of the clean board."""
    clean = summary(capsys, board.walk, "--invert", "--body-mass-kg", MASS_KG)
    untared = summary(capsys, board.offset, "--invert", "--body-mass-kg", MASS_KG)
    tared = summary(capsys, board.offset, "--invert", "--tare", "--body-mass-kg", MASS_KG)
    _plausible_gait(tared)
    assert untared["gait"]["stance_pct"]["left"] is None
    for side in ("left", "right"):
        want = clean["distribution"]["mean_stance_force_n"][side]
        assert tared["distribution"]["mean_stance_force_n"][side] == pytest.approx(want, rel=0.02)
    assert any(s.startswith("tared") for s in tared["profile"]["applied"])


def test_layout_gives_the_centre_of_pressure(
    board: Board, capsys: pytest.CaptureFixture[str]
) -> None:
    without = summary(capsys, board.walk, "--invert")
    assert any("no sensor layout" in p for p in without["problems"])
    assert without["distribution"]["medial_share_pct"]["left"] is None
    with_layout = summary(capsys, board.walk, "--invert", "--layout", board.layout)
    assert not any("no sensor layout" in p for p in with_layout["problems"])
    for side in ("left", "right"):
        assert 20 < with_layout["distribution"]["medial_share_pct"][side] < 80
        assert with_layout["pronation"]["gait_line_length_mm"][side] > 50
    status, _, err = run(capsys, "analyze", board.walk, "--layout", board.folder / "none.csv")
    assert status == 3 and "none.csv" in err


def test_side_puts_a_one_insole_board_on_its_foot(
    board: Board, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run(
        capsys, "analyze", board.one_foot, "--invert", "--side", "right", "--body-mass-kg", 70
    )
    assert status == 0
    result = summary(capsys, board.one_foot, "--invert", "--side", "right")
    assert "no left foot in the recording" in result["problems"]
    assert result["gait"]["steps"]["right"] >= 8
    assert "the insole is on the right foot" in result["profile"]["applied"]
    # one foot cannot be scaled to body weight: said, not an error
    assert "--body-mass-kg: the values stay in ADC counts" in err
    # a two-foot file has its sides: a --side is noted and left unused
    status, _, err = run(capsys, "analyze", board.walk, "--invert", "--side", "left")
    assert status == 0 and "--side not used: the file has both feet" in err


def test_rate_reaches_a_file_without_time(board: Board, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "analyze", board.untimed, "--invert")
    assert status == 3
    assert "lines a board printed" in err and "carry no time" in err and "--rate HZ" in err
    at_50 = summary(capsys, board.untimed, "--invert", "--rate", 50)
    assert at_50["sampling_rate_hz"] == 50
    _plausible_gait(at_50)
    at_25 = summary(capsys, board.untimed, "--invert", "--rate", 25)  # the same lines, slower
    assert at_25["gait"]["cadence_steps_per_min"] == pytest.approx(CADENCE / 2, rel=0.05)


# ----------------------------------------------------------------------------- the profile


def _profile(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, "utf-8")
    return path


def test_a_profile_does_what_the_options_do(
    board: Board, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = _profile(
        board.folder,
        "options.toml",
        f'invert = true\ntare = true\nbody_mass_kg = 70\nlayout = "{board.layout.name}"\n',
    )
    by_profile = summary(capsys, board.offset, "--profile", profile)
    _plausible_gait(by_profile)
    assert by_profile["profile"]["file"] == str(profile)
    assert by_profile["distribution"]["body_mass_kg"] == 70  # reaches the analysis too
    by_options = summary(
        capsys, board.offset, "--invert", "--tare", "--body-mass-kg", 70, "--layout", board.layout
    )
    _same_analysis(by_profile, by_options)


def test_options_override_the_profile(board: Board, capsys: pytest.CaptureFixture[str]) -> None:
    profile = _profile(board.folder, "one_sensor.toml", "invert = [1]\nbody_mass_kg = 90\n")
    overridden = summary(capsys, board.walk, "--profile", profile, "--invert", "--tare")
    _same_analysis(
        overridden, summary(capsys, board.walk, "--invert", "--tare", "--body-mass-kg", 90)
    )
    mass = summary(capsys, board.walk, "--profile", profile, "--body-mass-kg", 60)
    assert mass["distribution"]["body_mass_kg"] == 60


def test_zero_offsets_from_the_profile(board: Board, capsys: pytest.CaptureFixture[str]) -> None:
    """100 counts added to every reading, and ``zero = 100`` takes them off: the analysis of
    the clean board exactly (no reading goes below zero, so nothing is clipped)."""
    profile = _profile(board.folder, "zero.toml", "zero = 100\n")
    _same_analysis(
        summary(capsys, board.upright_offset, "--profile", profile), summary(capsys, board.upright)
    )
    per_sensor = _profile(
        board.folder, "zero8.toml", "[zero]\nleft = [100, 100, 100, 100, 100, 100, 100, 100]\n"
    )
    left_only = summary(capsys, board.upright_offset, "--profile", per_sensor)
    assert left_only["profile"]["applied"] == ["subtracted the zero offsets"]


def test_calibration_curve_from_the_profile(
    board: Board, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A curve of 0.1 N per count: each step's peak load in N is its peak in counts / 10."""
    profile = _profile(
        board.folder,
        "curve.toml",
        'invert = true\n\n[calibration]\nunit = "n"\npoints = [[0, 0.0], [4095, 409.5]]\n',
    )
    raw_steps, n_steps = tmp_path / "raw.csv", tmp_path / "n.csv"
    assert main(["analyze", str(board.walk), "--invert", "--steps-csv", str(raw_steps)]) == 0
    assert (
        main(["analyze", str(board.walk), "--profile", str(profile), "--steps-csv", str(n_steps)])
        == 0
    )
    import pandas as pd

    raw, newtons = pd.read_csv(raw_steps), pd.read_csv(n_steps)
    np.testing.assert_allclose(newtons["peak_load_n"], raw["peak_load_adc"] / 10, rtol=1e-5)
    result = summary(capsys, board.walk, "--profile", profile)
    assert result["distribution"]["load_unit"] == "n"
    assert "calibration curve of 2 points to n" in result["profile"]["applied"]


@pytest.mark.parametrize(
    "table",
    [
        "[layout]\nx_mm = {x}\ny_mm = {y}\narea_mm2 = 300\n",
        "".join(f"[[layout.sensor]]\nx_mm = {{x[{k}]}}\ny_mm = {{y[{k}]}}\n" for k in range(8)),
    ],
    ids=["arrays", "tables"],
)
def test_an_inline_layout_is_read_by_the_layout_rules(
    table: str, board: Board, capsys: pytest.CaptureFixture[str]
) -> None:
    sim = simulated_layout(8)
    x, y = [round(float(v), 1) for v in sim.x_mm], [round(float(v), 1) for v in sim.y_mm]
    profile = _profile(board.folder, "inline.toml", "invert = true\n" + table.format(x=x, y=y))
    result = summary(capsys, board.walk, "--profile", profile)
    assert result["distribution"]["medial_share_pct"]["left"] is not None
    read = InsoleProfile.read(profile)
    assert read.layout is not None and read.layout["left"].n_sensors == 8
    np.testing.assert_allclose(read.layout["left"].x_mm, x)


# ----------------------------------------------------------------------------- bad profiles


@pytest.mark.parametrize(
    ("text", "status", "expected"),
    [
        ("invertt = true\n", 3, r"line 1: unknown key 'invertt' \(known: columns, side"),
        ('tare = true\nrate_hz = "fast"\n', 3, r"line 2: key 'rate_hz': expected a positive"),
        ('side = "up"\n', 3, r"key 'side': expected \"left\" or \"right\", got 'up'"),
        ('layout = "missing.layout.csv"\n', 3, r"key 'layout': no such layout file .*missing"),
        ("invert = [0]\n", 3, r"key 'invert': sensor numbers are integers from 1"),
        ("invert = [12]\n", 3, r"key 'invert': sensor 12 does not exist"),
        ("zero = [1, 2]\n", 3, r"key 'zero': 2 offsets, but the left foot has 8 sensors"),
        ("zero = 5\ntare = true\n", 3, r"key 'tare': zero and tare = true both given"),
        ('[calibration]\nunit = "n"\n', 3, r"key 'calibration': the table needs 'points'"),
        (
            '[calibration]\nunit = "n"\npoints = [[10, 1], [5, 2]]\n',
            3,
            r"line 3: key 'calibration.points': the readings must increase",
        ),
        (
            "[layout]\nx_mm = [0]\ny_mm = [-5]\n",
            3,
            r"'layout': sensor 1: y_mm -5 is behind the heel",
        ),
        ("invert = true\n[layout]\nx_mm = [0]\ny_mm = [50]\n", 3, r"layout .* has 1 sensors"),
        ("rate_hz = 50\nrate_hz = 60\n", 3, r"not valid TOML"),
    ],
)
def test_a_bad_profile_names_the_file_and_the_key(
    text: str, status: int, expected: str, board: Board, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = _profile(board.folder, "bad.toml", text)
    got, _, err = run(capsys, "analyze", board.walk, "--profile", profile)
    assert got == status
    assert err.startswith(f"pressure: error: {profile}:")
    assert re.search(expected, err), err
    assert len(err.splitlines()) == 1


def test_a_missing_profile_is_an_input_error(
    board: Board, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run(capsys, "analyze", board.walk, "--profile", board.folder / "no.toml")
    assert status == 3 and "no.toml: no such profile file" in err


def test_apply_profile_leaves_its_input_alone(board: Board) -> None:
    session = load(board.walk)
    before = session.left.values.copy() if session.left is not None else None
    profile = InsoleProfile().with_options(invert=True, tare=True, layout=board.layout)
    done = apply_profile(session, profile)
    assert session.left is not None and done.left is not None and before is not None
    np.testing.assert_array_equal(session.left.values, before)
    assert "calibration" not in session.metadata and "profile" not in session.metadata
    assert [s["step"] for s in done.metadata["calibration"]] == ["invert", "tare", "with_layout"]


# ----------------------------------------------------------------------------- profile init


def _uncomment(text: str, keys: list[str], tables: list[str]) -> str:
    """The template with the lines ``# key = ...`` of these keys, and these tables, on."""
    lines, table = [], None
    for line in text.splitlines():
        body = line.removeprefix("# ")
        if body.startswith("["):
            table = body.strip("[]")
        elif not line:
            table = None
        name = body.split(" = ")[0] if " = " in body else None
        switch = (table in tables and (body.startswith("[") or name is not None)) or (
            table is None and name in keys
        )
        lines.append(body if switch else line)
    return "\n".join(lines) + "\n"


def test_profile_init_writes_a_template_that_reads_back(
    board: Board, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "board.toml"
    status, _, err = run(capsys, "profile", "init", board.walk, "-o", out)
    assert status == 0 and f"wrote {out}" in err
    text = out.read_text("utf-8")
    assert "left foot: 8 sensors, values in raw units, 50 Hz" in text
    assert '# columns = ["millis", "L1", "L2"' in text and '"R8"]' in text
    for key in ("side", "rate_hz", "layout", "invert", "full_scale = 4095", "zero", "tare"):
        assert f"\n# {key}" in text, key
    # as written, every key is off for a two-foot board but invert: this board's sensors sit
    # near full scale most of the time, so the template turns it on (and says why)
    assert "\ninvert = true\n" in text and "ON because" in text
    written = InsoleProfile.read(out)
    assert written.invert is True
    assert written.columns is None and written.side is None and written.layout is None
    assert not written.tare and written.calibration is None and written.body_mass_kg is None
    # its suggested values, switched on, make a working profile
    on = _uncomment(text, ["invert", "full_scale", "tare"], ["layout", "calibration"])
    out.write_text(on, "utf-8")
    profile = InsoleProfile.read(out)
    assert profile.invert is True and profile.full_scale == 4095 and profile.tare
    assert profile.layout is not None and profile.calibration is not None
    result = summary(capsys, board.walk, "--profile", out)
    _plausible_gait(result)
    assert result["distribution"]["load_unit"] == "n"
    assert result["distribution"]["medial_share_pct"]["left"] is not None


def test_profile_init_leaves_invert_off_for_sensors_that_rise_under_load(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    walk = tmp_path / "rising.txt"
    simulate = ["simulate", "--out", str(walk), "--raw", "--seconds", "8", "--side", "left"]
    assert main([*simulate, "--sketch", "bare", "--adc-bits", "12"]) == 0
    out = tmp_path / "rising.toml"
    assert run(capsys, "profile", "init", walk, "-o", out)[0] == 0
    text = out.read_text("utf-8")
    assert "\n# invert = true\n" in text and "ON because" not in text
    assert InsoleProfile.read(out).invert is False


def test_profile_init_of_one_insole_sets_its_side(
    board: Board, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "one.toml"
    assert run(capsys, "profile", "init", board.one_foot, "-o", out)[0] == 0
    assert '\nside = "left"\n' in out.read_text("utf-8")
    profile = InsoleProfile.read(out)
    assert profile.side == "left"
    assert apply_profile(load(board.one_foot), profile).left is not None


def _serial_capture(folder: Path) -> Path:
    """A bare sketch's lines (millis and 8 counts, no side named), as a terminal saves them."""
    signal = GaitSignal(SyntheticGait(seconds=8, rate_hz=100, sensors=8, seed=4), Side.RIGHT)
    info, fmt = signal.info(), SketchFormat()
    capture = folder / "serial.txt"
    capture.write_bytes(fmt.preamble(info) + b"".join(fmt.lines(b, info) for b in signal.blocks()))
    return capture


def test_a_foot_the_file_does_not_name_is_noted_until_the_side_is_given(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    capture = _serial_capture(tmp_path)
    unstated = summary(capsys, capture)
    assert any("does not say which foot" in p and "--side right" in p for p in unstated["problems"])
    for side in ("right", "left"):  # either answer settles it
        stated = summary(capsys, capture, "--side", side)
        assert not any("does not say which foot" in p for p in stated["problems"]), side
        assert stated["gait"]["steps"][side] >= 5  # 8 s at 110 steps/min: 7 a foot


def test_profile_init_leaves_the_side_off_when_the_file_does_not_say_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A bare sketch's lines name no foot (read as the left by default): the template does not
    assert a foot the maker never stated; it says so and leaves the key off."""
    capture = _serial_capture(tmp_path)
    out = tmp_path / "serial.toml"
    assert run(capsys, "profile", "init", capture, "-o", out)[0] == 0
    text = out.read_text("utf-8")
    assert '\n# side = "left"\n' in text and "the file does not say which" in text
    assert InsoleProfile.read(out).side is None


def test_profile_init_never_overwrites_unasked(
    board: Board, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "kept.toml"
    out.write_text("# mine\n")
    status, _, err = run(capsys, "profile", "init", board.walk, "-o", out)
    assert status == 2 and "already exists" in err and out.read_text() == "# mine\n"
    assert run(capsys, "profile", "init", board.walk, "-o", out, "--overwrite")[0] == 0
    assert out.read_text().startswith("# Insole profile")


# ----------------------------------------------------------------------------- report, batch


def test_report_with_the_options(
    board: Board, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "walk.html"
    status, _, _ = run(capsys, "report", board.walk, "-o", out, "--invert", "--body-mass-kg", 70)
    assert status == 0
    html = out.read_text("utf-8")
    assert "scaled ADC counts to newtons by body weight" in html  # the session's metadata


def test_batch_applies_the_profile_and_redoes_when_it_changes(
    board: Board, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = tmp_path / "sessions"
    folder.mkdir()
    (folder / "walk.txt").write_bytes(board.walk.read_bytes())
    profile = _profile(tmp_path, "board.toml", "invert = true\ntare = true\n")
    out = tmp_path / "out"

    def batch(*extra: object) -> str:
        status, printed, err = run(
            capsys, "batch", folder, "-o", out, "--jobs", 1, "--profile", profile, *extra
        )
        assert status == 0, err
        return printed

    assert "1 analysed" in batch()
    import pandas as pd

    row = pd.read_csv(out / "summary.csv").iloc[0]
    assert row["gait.cadence_steps_per_min"] == pytest.approx(CADENCE, rel=0.05)
    assert str(row["profile.applied"]).startswith("inverted every sensor")
    assert "1 up to date" in batch()
    profile.write_text("invert = true\n")  # the profile's content is in the stamp
    assert "1 analysed" in batch()
    assert "1 analysed" in batch("--body-mass-kg", 70)  # and so are the options
    assert pd.read_csv(out / "summary.csv").iloc[0]["distribution.load_unit"] == "n"


def test_the_readme_profile_reads(board: Board, tmp_path: Path) -> None:
    """The README's example profile is valid: every key known and of the right type."""
    from .conftest import ROOT

    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme[readme.index("## Home-made insoles") :]
    example = re.search(r"```\n(invert = true.+?)```", section, re.DOTALL)
    assert example is not None
    (tmp_path / "board.layout.csv").write_bytes(board.layout.read_bytes())
    path = _profile(tmp_path, "readme.toml", example.group(1))
    profile = InsoleProfile.read(path)
    assert profile.invert is True and profile.tare and profile.body_mass_kg == 70
    assert profile.calibration is not None and profile.calibration.unit == "n"
    assert profile.columns is not None and profile.columns[0] == "millis"
