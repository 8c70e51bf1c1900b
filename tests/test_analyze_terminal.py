"""What ``pressure analyze FILE`` prints on a terminal: the findings first, in words, then the
measured sections; sources, the full note and the red flags on request; no "-0.0", one number
format per quantity, no placeholder text, and body weights when a body mass is known."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

import pressure
from pressure.analysis import AnalysisOptions, analyze
from pressure.analysis.indicators import NOTE_SHORT, RED_FLAGS, REFERENCES, WORDING, label
from pressure.cli import main
from pressure.cli.analyze import render
from pressure.display import num

from .conftest import ROOT

SAMPLES = ROOT / "sample_data"
WALK = SAMPLES / "walk_normal.insole"
STAND = SAMPLES / "stand_quiet.insole"
#: every bundled session `analyze` reads
SESSIONS = sorted(
    p
    for p in SAMPLES.iterdir()
    if p.suffix in (".insole", ".csv", ".txt") and "layout" not in p.name
)
SECTIONS = ("Gait", "Load distribution", "Pronation / supination", "Standing balance", "Quality")
NEGATIVE_ZERO = re.compile(r"-0(\.0+)?(?![0-9.])")


def analyze_text(capsys: pytest.CaptureFixture[str], *args: str | Path) -> str:
    capsys.readouterr()
    assert main(["analyze", *map(str, args)]) == 0
    return capsys.readouterr().out


def findings_block(text: str) -> list[str]:
    """The lines under "Findings" up to the next blank line."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Findings"))
    end = lines.index("", start)
    return lines[start + 1 : end]


@pytest.mark.parametrize("path", [WALK, STAND], ids=lambda p: p.name)
def test_the_findings_come_first_then_the_sections(
    path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = analyze_text(capsys, path)
    lines = text.splitlines()
    assert lines[0].startswith(str(path))  # the header
    assert lines[1] == "" and lines[2].startswith("Findings")
    found = text.index("Findings")
    for section in SECTIONS:
        if f"\n{section}" in text:
            assert text.index(f"\n{section}") > found, section
    # every finding is a sentence in words: a human name, no code identifier
    block = findings_block(text)
    assert block
    for line in block:
        assert not re.search(r"\b[a-z]+_[a-z_]+\b", line), line


def test_findings_say_value_reference_and_where_it_lies(
    capsys: pytest.CaptureFixture[str],
) -> None:
    block = "\n".join(findings_block(analyze_text(capsys, STAND)))
    assert "Left/right load: left carries 52.0 % (reference 47.5 to 52.5 %: within)" in block
    assert "Symmetry index: -7.9 %, left carries more (reference -10 to 10 %: within)" in block
    # an indicator without a published range says so, for both feet on one line
    assert re.search(
        r"Rearfoot share of the load, standing: left \S+ %, right \S+ % \(no pub", block
    )
    walk = "\n".join(findings_block(analyze_text(capsys, WALK)))
    assert "Cadence: 110.2 steps/min (reference 100 to 120 steps/min: within)" in walk
    assert "Stride time: left 1.089 s, right 1.089 s (reference 0.9 to 1.26 s: both within)" in walk


def test_one_number_format_per_quantity(capsys: pytest.CaptureFixture[str]) -> None:
    """A value in the findings is written as in its measured section."""
    text = analyze_text(capsys, WALK)
    s = analyze(pressure.load(WALK)).summary
    g, d = s["gait"], s["distribution"]
    for value, key, unit in (
        (g["cadence_steps_per_min"], "cadence_steps_per_min", "steps/min"),
        (g["gait_asymmetry_pct"], "gait_asymmetry_pct", "%"),
        (d["left_share_pct"], "left_share_pct", "%"),
        (d["symmetry_index_pct"], "symmetry_index_pct", "%"),
    ):
        shown = num(value, WORDING[key].fmt, unit)
        assert text.count(shown) >= 2, (key, shown)  # findings and section alike
    for side in ("left", "right"):
        shown = num(g["stride_time_s"][side], WORDING["stride_time_s"].fmt)
        assert text.count(f"{side} {shown} s") == 1 and f" {shown}" in text.split("Gait")[1]


def test_sources_only_on_request(capsys: pytest.CaptureFixture[str]) -> None:
    plain = analyze_text(capsys, WALK)
    assert "Source:" not in plain and "Frenkel-Toledo" not in plain
    assert [line for line in plain.splitlines() if "--sources" in line]  # how to see them
    full = analyze_text(capsys, WALK, "--sources")
    assert "Source: Frenkel-Toledo et al. 2005" in full
    assert "Stride time [stride_time_s.left, stride_time_s.right]: 0.9 to 1.26 s" in full
    assert "Sahar et al." in full  # the full note
    assert len(full.splitlines()) > len(plain.splitlines()) + 30


def test_red_flags_on_request_and_always_pointed_to(capsys: pytest.CaptureFixture[str]) -> None:
    plain = analyze_text(capsys, WALK)
    assert "See a doctor promptly" not in plain
    assert not any(flag[:40] in plain for flag in RED_FLAGS)
    pointer = [line for line in plain.splitlines() if "--red-flags" in line]
    assert len(pointer) == 1 and "doctor" in pointer[0]
    for option in ("--red-flags", "--sources"):
        text = analyze_text(capsys, WALK, option)
        assert "See a doctor promptly" in text
        assert all(flag.split()[0] in text for flag in RED_FLAGS)
    flags_only = analyze_text(capsys, WALK, "--red-flags")
    assert "Source:" not in flags_only


def test_the_short_note_ends_the_output(capsys: pytest.CaptureFixture[str]) -> None:
    for args in ((WALK,), (STAND, "--red-flags")):
        text = analyze_text(capsys, *args).rstrip()
        assert text.replace("\n", " ").endswith(NOTE_SHORT)
        assert "not a diagnosis" in text


@pytest.mark.parametrize("path", SESSIONS, ids=lambda p: p.name)
def test_no_negative_zero_and_no_placeholder(
    path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for extra in ((), ("--sources",), ("--body-mass-kg", "70")):
        text = analyze_text(capsys, path, *extra)
        assert not NEGATIVE_ZERO.search(text), NEGATIVE_ZERO.search(text)
        assert "+0.0 " not in text
        assert "to be verified" not in text.lower()
    summary = analyze_text(capsys, path, "--json")
    assert "to be verified" not in summary.lower()


def test_no_reference_carries_a_placeholder() -> None:
    for ref in REFERENCES.values():
        assert "to be verified" not in f"{ref.description} {ref.source}".lower()
        assert "verify" not in ref.description.lower()


def test_negative_zero_is_written_as_zero() -> None:
    assert num(-0.0, ".1f") == "0.0"
    assert num(-0.02, "+.1f", "%") == "0.0 %"
    assert num(0.0, "+.1f") == "0.0"
    assert num(-0.02, ".2f") == "-0.02"  # not zero: the sign stays
    assert num(-0.3, "+.1f") == "-0.3"
    assert num(0.3, "+.1f") == "+0.3"


def test_every_indicator_has_a_human_name() -> None:
    assert set(WORDING) == set(REFERENCES)
    assert label("stride_time_s.left") == "Stride time, left foot"
    assert label("cadence_steps_per_min") == "Cadence"
    for path in (WALK, STAND):
        for ind in analyze(pressure.load(path)).indicator_list:
            assert "_" not in label(ind.name)


def test_body_mass_shows_body_weights(capsys: pytest.CaptureFixture[str]) -> None:
    plain = analyze_text(capsys, WALK)
    assert "× BW" not in plain
    text = analyze_text(capsys, WALK, "--body-mass-kg", "70")
    s = analyze(pressure.load(WALK), AnalysisOptions(body_mass_kg=70.0)).summary
    bw = s["distribution"]["mean_stance_force_bw"]
    load = next(line for line in text.splitlines() if "mean stance load" in line)
    assert f"L {bw['left']:.2f}  R {bw['right']:.2f} × BW (body mass 70 kg)" in load
    assert " N = " in load  # the force itself stays


def test_body_mass_from_the_file_shows_body_weights() -> None:
    session = pressure.load(STAND)
    subject = {**session.metadata, "subject": {"body_mass_kg": 72.0}}
    text = render(analyze(dataclasses.replace(session, metadata=subject)))
    assert "× BW (body mass 72 kg)" in text


def test_the_json_is_the_same_whatever_the_terminal_options(
    capsys: pytest.CaptureFixture[str],
) -> None:
    plain = json.loads(analyze_text(capsys, WALK, "--json"))
    both = json.loads(analyze_text(capsys, WALK, "--json", "--sources", "--red-flags"))
    assert plain == both
    assert plain["red_flags"] == list(RED_FLAGS) and plain["indicators"][0]["source"]
