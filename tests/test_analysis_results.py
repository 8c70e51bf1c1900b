"""The typed sections of ``Analysis`` and the JSON summary say the same thing."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from pressure import load
from pressure.analysis import STABLE_KEYS, AnalysisOptions, analyze
from pressure.analysis.results import PerSide

from .conftest import ROOT, shared_data

SAMPLES = [
    "walk_normal.insole",
    "walk_left_heavy.insole",
    "stand_quiet.insole",
    "fsr8_walk.csv",
]
SECTIONS = ("gait", "distribution", "pronation", "quality")


def _same(typed: Any, plain: Any, where: str) -> None:
    """``typed`` (a section, PerSide, tuple or value) holds exactly what ``plain`` (its
    summary entry) does, key by key."""
    if dataclasses.is_dataclass(typed) and not isinstance(typed, type):
        assert isinstance(plain, dict), where
        if type(typed).__name__ == "Balance":  # its flag is not a JSON key
            names = [f.name for f in dataclasses.fields(typed) if f.name != "share_sd_known"]
            if not typed.share_sd_known:  # type: ignore[attr-defined]
                names.remove("left_share_sd_pct")
        else:
            names = [f.name for f in dataclasses.fields(typed)]
        assert list(plain) == names, where
        for name in names:
            _same(getattr(typed, name), plain[name], f"{where}.{name}")
    elif isinstance(typed, dict):
        assert isinstance(plain, dict) and list(plain) == list(typed), where
        for key, value in typed.items():
            _same(value, plain[key], f"{where}.{key}")
    elif isinstance(typed, tuple):
        assert list(typed) == plain, where
    else:
        assert typed == plain and type(typed) is type(plain), where


def _check(result: Any) -> None:
    s = result.summary
    json.dumps(s, allow_nan=False)  # JSON types only
    for name in SECTIONS:
        section = getattr(result, name)
        assert section.to_dict() == s[name]
        _same(section, s[name], name)
    if result.balance is None:
        assert s["balance"] is None
    else:
        _same(result.balance, s["balance"], "balance")
    assert [i.to_dict() for i in result.indicator_list] == s["indicators"]
    for i, ind in zip(result.indicator_list, s["indicators"], strict=True):
        _same(i, ind, "indicator")
    assert list(result.indicators["name"]) == [i.name for i in result.indicator_list]
    assert list(result.problems) == s["problems"]
    assert result.window_s is None and s["window_s"] is None
    assert (result.file, result.format, result.activity) == (s["file"], s["format"], s["activity"])
    assert (result.duration_s, result.sampling_rate_hz) == (s["duration_s"], s["sampling_rate_hz"])
    for key in STABLE_KEYS:  # every stable key is there (its value may be null)
        node = s
        for part in key.split("."):
            assert isinstance(node, dict) and part in node, key
            node = node[part]


@pytest.mark.parametrize("name", SAMPLES)
def test_typed_sections_equal_the_summary(name):
    path = ROOT / "sample_data" / name
    _check(analyze(load(path)))
    _check(analyze(load(path), AnalysisOptions(standing_separation_mm=150.0, body_mass_kg=70.0)))


@pytest.mark.parametrize(
    "parts",
    [
        ("gaitpdb", "GaCo01_01.txt"),  # walking, N, both feet
        ("gaitndd", "als1.hea"),  # walking, raw units: no shares
        ("pressure_r_extdata", "pliance_test.asc"),  # one foot rolling over a plate
    ],
)
def test_typed_sections_equal_the_summary_on_real_files(parts):
    _check(analyze(load(shared_data(*parts))))


def test_typed_attributes_read_like_the_summary():
    result = analyze(load(ROOT / "sample_data" / "walk_left_heavy.insole"))
    s = result.summary
    assert result.gait.cadence_steps_per_min == s["gait"]["cadence_steps_per_min"]
    assert result.distribution.left_share_pct == s["distribution"]["left_share_pct"]
    assert result.distribution.left_share_pct == pytest.approx(58.0, abs=0.5)
    assert result.gait.stride_time_s.left == s["gait"]["stride_time_s"]["left"]
    assert result.gait.stride_time_s["right"] == s["gait"]["stride_time_s"]["right"]
    assert result.pronation.cpei_pct.to_dict() == s["pronation"]["cpei_pct"]
    assert result.balance is None and s["balance"] is None  # walking
    assert result.summary is s  # built once
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.gait.cadence_steps_per_min = 1.0  # type: ignore[misc]
    with pytest.raises(KeyError):
        result.gait.steps["middle"]


def test_standing_has_a_typed_balance():
    result = analyze(
        load(ROOT / "sample_data" / "stand_quiet.insole"),
        AnalysisOptions(standing_separation_mm=150.0),
    )
    assert result.activity == "standing" and result.balance is not None
    combined = result.balance.combined
    assert combined is not None and combined.ellipse_area_mm2 is not None
    assert combined.ellipse_area_mm2 > 0
    assert result.summary["balance"]["combined"]["ellipse_area_mm2"] == combined.ellipse_area_mm2
    assert result.balance.standing_separation_mm == 150.0


def test_per_side_of_turns_nan_into_none():
    both = PerSide.of({"left": float("nan"), "right": 2.0})
    assert both == PerSide(None, 2.0) and both.to_dict() == {"left": None, "right": 2.0}
    assert PerSide.of({}).to_dict() == {"left": None, "right": None}


def _key_paths(node: object, prefix: str = "") -> set[str]:
    out: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            out |= {path} | _key_paths(value, path)
    return out


def test_the_summary_keeps_every_key_it_had():
    """Extend, don't break: every JSON key the summary had before the typed sections (listed
    in tests/summary_keys_v1.txt from that version's output) is still there."""
    lines = (ROOT / "tests" / "summary_keys_v1.txt").read_text(encoding="utf-8").splitlines()
    before = {line for line in lines if line and not line.startswith("#")}
    now: set[str] = set()
    for path in (
        ROOT / "sample_data" / "walk_normal.insole",
        ROOT / "sample_data" / "stand_quiet.insole",
        shared_data("gaitpdb", "GaCo01_01.txt"),
    ):
        summary = dict(analyze(load(path)).summary)
        summary.pop("indicators")
        now |= _key_paths(summary)
    assert len(before) > 150
    assert before <= now, sorted(before - now)
