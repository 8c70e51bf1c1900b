"""``pressure compare``: simulated walks with known different left shares and cadences (the
differences and their intervals against the truth), two trials of one condition (nothing
exceeds the noise), a standing session, real Moticon walks split into halves, and the command
(text, JSON, page)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pressure.analysis.compare import compare
from pressure.cli import main
from pressure.io.load import load
from pressure.model import Session

from .conftest import ROOT, shared_data


def _walk(folder: Path, name: str, seed: int, left_share: float, cadence: float) -> Path:
    path = folder / f"{name}.insole"
    args = ["simulate", "--out", str(path), "--seconds", "60", "--seed", str(seed)]
    args += ["--left-share", str(left_share), "--cadence", str(cadence)]
    assert main(args) == 0
    return path


@pytest.fixture(scope="module")
def walks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("walks")
    return {
        "a": _walk(folder, "a", 1, 50, 105),
        "b": _walk(folder, "b", 2, 54, 112),
        "a2": _walk(folder, "a2", 3, 50, 105),
        "a3": _walk(folder, "a3", 4, 50, 105),
    }


def _by_name(result: object) -> dict[str, object]:
    return {d.name: d for d in result.indicators}  # type: ignore[attr-defined]


def test_known_differences_are_recovered_with_intervals_that_hold_the_truth(
    walks: dict[str, Path],
) -> None:
    """Left share 50 → 54 % (symmetry index 0 → −16 %) and cadence 105 → 112 steps/min: the
    differences within 0.5 pp and 1 % of the cadence, each 95 % CI holding the truth, and each
    exceeds the noise of the repeat trial."""
    result = compare([load(walks["a"]), load(walks["b"])], ["A", "B"], repeat=load(walks["a2"]))
    found = _by_name(result)
    for name, truth, tolerance in (
        ("left_share_pct", 4.0, 0.5),
        ("symmetry_index_pct", -16.0, 1.0),
        ("cadence_steps_per_min", 7.0, 1.05),
    ):
        d = found[name]
        assert abs(d.difference - truth) <= tolerance, (name, d)  # type: ignore[attr-defined]
        assert d.ci95_low <= truth <= d.ci95_high, (name, d)  # type: ignore[attr-defined]
        assert d.exceeds_noise is True, (name, d)  # type: ignore[attr-defined]


def test_two_trials_of_one_condition_exceed_no_noise(walks: dict[str, Path]) -> None:
    result = compare([load(walks["a"]), load(walks["a3"])], ["A", "A3"], repeat=load(walks["a2"]))
    judged = [d for d in result.indicators if d.exceeds_noise is not None]
    assert len(judged) >= 10
    assert [d.name for d in judged if d.exceeds_noise] == []


def test_without_a_repeat_nothing_is_judged_and_the_output_says_why(
    walks: dict[str, Path],
) -> None:
    result = compare([load(walks["a"]), load(walks["b"])])
    assert all(d.exceeds_noise is None for d in result.indicators)
    assert any("no repeat trial" in n for n in result.notes)
    assert result.conditions[0]["label"] == "a"


def test_a_standing_session_compares_its_shares_over_windows() -> None:
    stand = load(ROOT / "sample_data" / "stand_quiet.insole")
    result = compare([stand, stand], ["S1", "S2"])
    found = _by_name(result)
    share = found["left_share_pct"]
    assert share.difference == 0 and share.ci95_low < 0 < share.ci95_high  # type: ignore[attr-defined]
    velocity = found["sway_velocity_mm_s.left"]  # per 2 s window: an interval
    assert velocity.ci95_low < 0 < velocity.ci95_high  # type: ignore[attr-defined]
    assert "sway_combined_velocity_mm_s" in found


def _halves(path: Path) -> tuple[Session, Session]:
    session = load(path)
    start = min(float(f.time_s[0]) for f in session.feet.values())
    end = max(float(f.time_s[-1]) for f in session.feet.values())
    middle = 0.5 * (start + end)
    return session.window(start, middle), session.window(middle, end)


def test_real_moticon_walk_split_in_halves_runs_and_draws(tmp_path: Path) -> None:
    """A real walk (the project's Moticon data) cut in halves, the second as the repeat of
    the first, compared with itself: it runs, every value is finite or None, and the page is
    written with its figures."""
    from pressure._version import __version__
    from pressure.report import compare_page

    first, second = _halves(shared_data("moticon/230927_102114.txt"))
    result = compare([first, second], ["first half", "second half"], repeat=second)
    assert result.indicators
    page = compare_page.render(result, "halves", __version__)
    assert page.count("data:image/png;base64,") >= 2
    assert "Findings" in page and page.index("Findings") < page.index("<img")


def test_the_command_prints_text_json_and_a_page(
    walks: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "c.html"
    args = ["compare", str(walks["a"]), str(walks["b"]), "--labels", "shoe,insole"]
    assert main([*args, "--repeat", str(walks["a2"]), "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "Load carried by the left foot" in text and "exceeds noise" in text
    page = out.read_text()
    assert page.startswith("<!DOCTYPE html>")
    # CoP paths, step to step, the sensor-by-sensor peak and PTI difference maps, the regions
    assert page.count("data:image/png;base64,") == 5
    assert "Peak pressure, sensor by sensor" in page
    assert main([*args, "-o", str(out)]) == 2  # no overwrite without --overwrite
    pdf = tmp_path / "c.pdf"
    assert main([*args, "-o", str(pdf)]) == 0
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 20_000
    capsys.readouterr()
    assert main([*args, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    first = data["indicators"][0]
    for key in (
        "name",
        "unit",
        "conditions",
        "difference",
        "ci95_low",
        "ci95_high",
        "exceeds_noise",
    ):
        assert key in first
    assert set(first["conditions"]) == {"shoe", "insole"}
    assert main(["compare", str(walks["a"])]) == 2


def test_bootstrap_statistics_of_stacked_resamples_equal_each_resample_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The statistics compute every bootstrap resample of a block at once: each stacked value
    equals the definition applied to that resample alone (mean of the first column; left
    share and symmetry index of the summed loads, with a fixed part; cadence from strides),
    and the memory-bounding blocks draw as many resamples as one block would."""
    import numpy as np

    from pressure.analysis import compare as cmp

    rng = np.random.default_rng(7)
    data = rng.uniform(0.5, 2.0, size=(40, 2))
    fixed = np.array([3.0, 5.0])
    picks = rng.integers(0, 40, size=(25, 40))
    stacked = data[picks]
    for k, one in enumerate(stacked):
        left, right = one[:, 0].sum() + fixed[0], one[:, 1].sum() + fixed[1]
        assert cmp._mean(stacked)[k] == pytest.approx(one[:, 0].mean(), rel=1e-12)
        assert cmp._cadence(stacked)[k] == pytest.approx(120.0 / one[:, 0].mean(), rel=1e-12)
        assert cmp._share(stacked, fixed)[k] == pytest.approx(100 * left / (left + right))
        symmetry = 100 * (right - left) / (0.5 * (left + right))
        assert cmp._symmetry(stacked, fixed)[k] == pytest.approx(symmetry, rel=1e-12)
    assert np.isnan(cmp._mean(np.empty((0, 1))))
    assert np.isnan(cmp._share(np.zeros((3, 2))))
    units = cmp.Units(data, cmp._mean)
    whole = cmp._bootstrap(units, np.random.default_rng(1))
    # blocks of 7 resamples of 40 units × 2 columns
    monkeypatch.setattr(cmp, "BOOTSTRAP_BLOCK_VALUES", 7 * 80)
    blocks = cmp._bootstrap(units, np.random.default_rng(1))
    assert whole.shape == blocks.shape == (cmp.BOOTSTRAP,)
    assert np.all(np.isfinite(blocks))
    # both are resamples of the same units: their spread agrees
    assert np.std(blocks) == pytest.approx(np.std(whole), rel=0.15)
