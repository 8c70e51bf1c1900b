"""A report of a recording too long to draw whole: the numbers and tables are the whole
recording's (read a chunk of frames at a time), the figures a window of it, said in the
report."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import pressure.report
from pressure.analysis import analyze
from pressure.io.source import open_source
from pressure.report import content

from .conftest import ROOT

SAMPLE = ROOT / "sample_data" / "walk_normal.insole"


def test_a_short_recording_is_drawn_whole() -> None:
    with open_source(SAMPLE) as source:
        report = pressure.report._content(source, None, None, None)
    assert not any(label == "figures drawn from" for label, _ in report.facts)
    assert all(f.png is not None for f in report.figures[:3])


def test_a_long_recording_is_analysed_whole_and_drawn_from_its_busiest_window(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with open_source(SAMPLE) as source:
        values = sum(f.n_frames * f.n_sensors for f in source.feet.values())
        whole = analyze(source)
        duration = source.duration_s
    # a quarter of the recording's values: the figures draw a quarter of its time
    monkeypatch.setattr(pressure.report, "FIGURE_VALUES", values // 4)
    with open_source(SAMPLE) as source:
        report = pressure.report._content(source, None, None, None)
    said = dict(report.facts)["figures drawn from"]
    start, end = (float(x) for x in re.findall(r"(\d+) to (\d+) s", said)[0])
    assert 0 <= start < end <= duration + 1
    assert end - start == pytest.approx(duration / 4, abs=1.0)
    assert "the numbers and tables are the whole recording's" in said
    # the tables are the whole recording's: every step, and the summary's left share
    assert len(report.step_rows) == len(whole.steps)
    share = content.num(whole.summary["distribution"]["left_share_pct"], ".1f", "%")
    assert any(share in sentence for sentence, _ in report.findings)
    # the figures are drawn (from the window)
    assert sum(f.png is not None for f in report.figures) >= 3
    out = pressure.report.write_report(SAMPLE, tmp_path / "walk.html", overwrite=False)
    assert "figures drawn from" in out.read_text("utf-8")


def test_the_step_table_lists_its_first_steps_and_says_where_the_rest_are(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(content, "MAX_STEP_ROWS", 10)
    with open_source(SAMPLE) as source:
        steps = len(analyze(source).steps)
        report = pressure.report._content(source, None, None, None)
    assert len(report.step_rows) == 11
    assert report.step_rows[-1][0] == (
        f"and {steps - 10:,} more steps (pressure analyze FILE --steps-csv F writes every one)"
    )
