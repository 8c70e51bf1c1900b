"""``pressure protocol lbp``: the trials checked against what the protocol asks, the
weight-bearing asymmetry of simulated standing with known left shares, the Romberg quotient,
and the command's text, JSON and page (never a diagnosis)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pressure.analysis.protocol import CHILDS_2003, lbp_assessment
from pressure.cli import main
from pressure.io.load import load

from .conftest import shared_data


def _simulate(folder: Path, name: str, *args: str) -> Path:
    path = folder / f"{name}.insole"
    assert main(["simulate", "--out", str(path), *args]) == 0
    return path


@pytest.fixture(scope="module")
def trials(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("lbp")
    stand = ["--activity", "stand", "--seconds", "40"]
    return {
        "even": _simulate(folder, "even", *stand, "--left-share", "50", "--sway", "3"),
        "uneven": _simulate(folder, "uneven", *stand, "--left-share", "56", "--sway", "3"),
        "closed": _simulate(folder, "closed", *stand, "--left-share", "56", "--sway", "6"),
        "short": _simulate(folder, "short", "--activity", "stand", "--seconds", "10"),
        "walk": _simulate(folder, "walk", "--seconds", "70"),
    }


@pytest.mark.parametrize(("trial", "truth"), [("even", 0.0), ("uneven", 12.0)])
def test_weight_bearing_asymmetry_of_known_standing(
    trials: dict[str, Path], trial: str, truth: float
) -> None:
    """Standing with 50 % and 56 % on the left: |L − R| of the trial is 0 and 12 % of body
    weight (within 1 point: the share is recovered within 0.5 pp); the mean over 1 s windows is
    never below it (the mean of |x| is at least |mean x|: weight shifting only adds)."""
    result = lbp_assessment(load(trials[trial]))
    assert result.standing is not None
    asym = result.standing["weight_bearing_asymmetry_pct_bw"]
    assert abs(asym["trial"] - truth) < 1.0, asym
    assert asym["mean"] >= asym["trial"] - 0.05, asym
    assert asym["group_means_childs_2003"] == CHILDS_2003


def test_every_trial_is_checked(trials: dict[str, Path]) -> None:
    full = lbp_assessment(
        load(trials["uneven"]), eyes_closed=load(trials["closed"]), walk=load(trials["walk"])
    )
    status = {c.trial: c.status for c in full.checks}
    assert status == {
        "standing, eyes open": "as asked",
        "standing, eyes closed": "as asked",
        "walking": "as asked",
        "footprint": "not given",
    }
    # sway RMS 3 mm open, 6 mm closed: the ellipse (∝ RMS²) four times as large, faster sway
    assert full.romberg is not None
    assert 3.0 < full.romberg["sway_ellipse_area_mm2"] < 5.0, full.romberg
    assert full.romberg["sway_mean_velocity_mm_s"] > 1.0, full.romberg
    assert full.walking is not None and min(full.walking["steady_steps"].values()) >= 30
    short = lbp_assessment(load(trials["short"]), walk=load(trials["even"]))
    status = {c.trial: c.status for c in short.checks}
    assert status["standing, eyes open"] == "short"
    assert status["walking"] == "not a walk"
    assert status["standing, eyes closed"] == "not given"


def test_a_plate_footprint_gives_the_arch_index_beside_its_range(trials: dict[str, Path]) -> None:
    """emed's example step (pressuRe's, a right foot over a plate): its arch index with
    Cavanagh & Rodgers' range; a walk on insoles is no plate footprint."""
    plate = load(shared_data("pressure_r_extdata/emed_test.lst"))
    result = lbp_assessment(load(trials["even"]), footprint=plate)
    status = {c.trial: c.status for c in result.checks}
    assert status["footprint"] == "as asked"
    assert result.footprint is not None
    assert set(result.footprint["arch_index"]) == {"right"}
    assert 0.0 < result.footprint["arch_index"]["right"] < 1.0
    assert result.footprint["normal_range"] == [0.21, 0.26]
    wrong = lbp_assessment(load(trials["even"]), footprint=load(trials["walk"]))
    assert {c.trial: c.status for c in wrong.checks}["footprint"] == "not a plate step"


def test_the_command_says_no_diagnosis_and_shows_the_red_flags(
    trials: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["protocol", "lbp", "--standing", str(trials["uneven"]), "--pain", "4"]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "not a diagnosis" in text and "pain (0-10) 4" in text
    assert "See a doctor promptly" in text and "Childs" in text
    out = tmp_path / "lbp.html"
    assert main([*args, "--json", "-o", str(out)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["clinician"] == {"pain_0_10": 4.0}
    assert data["red_flags"] and data["checks"][0]["status"] == "as asked"
    assert "Low back pain assessment protocol" in out.read_text()
