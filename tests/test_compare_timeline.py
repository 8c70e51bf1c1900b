"""``pressure compare --batch``: a subject's sessions over time from a batch output folder.

Three 30 s simulated walks of one subject with known left shares, recorded on three days in
an order other than their file names', go through ``pressure batch``; the timeline must put
them in time order and give each left share within 0.5 pp of its truth, the changes from the
first, the JSON, the page with its charts and the usage errors. Also what the batch takes from
a file's metadata (start time, subject) for the formats that carry it."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from pressure.analysis.timeline import DEFAULT_INDICATORS, session_fields
from pressure.cli import main
from pressure.io.load import load
from pressure.simulator import GaitSignal, SyntheticGait
from pressure.simulator.output import write_recording

from .conftest import shared_data

SUBJECT = "P07"
#: (file, start time, left share %, seed): the file names' order is not the visits' order
VISITS = (
    ("visit_b.insole", dt.datetime(2025, 1, 10, 9, 30, tzinfo=dt.timezone.utc), 47.0, 11),
    ("visit_a.insole", dt.datetime(2025, 2, 14, 14, 5, tzinfo=dt.timezone.utc), 50.0, 12),
    ("visit_c.insole", dt.datetime(2025, 3, 20, 8, 0, tzinfo=dt.timezone.utc), 53.5, 13),
)


def _simulate_args(path: Path, share: float, seed: int) -> list[str]:
    """``pressure simulate --out F --seconds 30 --left-share X --seed K``."""
    args = ["simulate", "--out", str(path), "--seconds", "30"]
    return [*args, "--left-share", str(share), "--seed", str(seed)]


def _visit(path: Path, when: dt.datetime, share: float, seed: int) -> None:
    """What ``pressure simulate --out F --seconds 30 --left-share X --seed K`` writes, recorded
    at ``when`` by a host whose recorder was given the subject (``pressure record
    --subject-id``: session fields ``subject.*``). ``simulate`` sets neither, so the
    recording is written as it does (``write_recording``) with the wall clock and subject a
    real recorder writes."""
    gait = SyntheticGait(seconds=30.0, seed=seed, left_share_pct=share)
    session = {
        "simulated": gait.truth(),
        "subject.subject_id": SUBJECT,
        "subject.body_mass_kg": 70.0,
    }
    wall_ns = int(when.timestamp()) * 1_000_000_000
    write_recording(path, GaitSignal(gait), session=session, wall_ns=wall_ns)


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A batch output folder of the three visits."""
    root = tmp_path_factory.mktemp("visits")
    for name, when, share, seed in VISITS:
        _visit(root / name, when, share, seed)
    out = tmp_path_factory.mktemp("batch") / "out"
    assert main(["batch", str(root), "-o", str(out), "--jobs", "1", "--no-progress"]) == 0
    return out


def test_simulate_writes_no_subject_and_the_epoch_as_its_start(tmp_path: Path) -> None:
    """Why the visits are written with a wall clock: ``pressure simulate`` gives its files the
    epoch as their start time (reproducible bytes) and no subject; the batch takes the epoch
    for no start time. ``_visit`` with the epoch and no subject writes the same bytes."""
    made = tmp_path / "sim.insole"
    assert main(_simulate_args(made, 50.0, 12)) == 0
    meta = load(made).metadata
    assert meta["session"]["start_time_utc"] == "1970-01-01T00:00:00Z"
    assert "subject" not in meta
    assert session_fields(meta) == {"start_time_utc": None, "start_time_local": None}
    gait = SyntheticGait(seconds=30.0, seed=12, left_share_pct=50.0)
    same = tmp_path / "same.insole"
    write_recording(same, GaitSignal(gait), session={"simulated": gait.truth()}, wall_ns=0)
    assert same.read_bytes() == made.read_bytes()


def test_batch_summary_carries_the_start_time_and_subject_fields(batch: Path) -> None:
    summary = pd.read_csv(batch / "summary.csv")
    columns = list(summary.columns)
    assert columns[3:7] == [
        "start_time_utc",
        "start_time_local",
        "subject.subject_id",
        "subject.body_mass_kg",
    ]
    by_id = summary.set_index("session_id")
    for name, when, _, _ in VISITS:
        assert by_id.loc[name, "start_time_utc"] == when.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        assert by_id.loc[name, "subject.subject_id"] == SUBJECT
        assert by_id.loc[name, "subject.body_mass_kg"] == 70.0
    assert summary["start_time_local"].isna().all()
    parquet = pd.read_parquet(batch / "summary.parquet")
    assert list(parquet.columns) == columns


def test_session_fields_of_the_formats_that_give_them() -> None:
    """A Moticon export gives its local time without a zone; a stappone export its time in
    UTC; a gaitpdb record its subject (from the demographics beside it); an offset is turned
    into UTC; an id stays text; a time of day alone is no start time."""
    moticon = session_fields(load(shared_data("moticon", "230927_102114.txt")).metadata)
    assert moticon["start_time_local"] == "2023-09-27T10:21:14.922"
    assert moticon["start_time_utc"] is None
    stappone = load(shared_data("pressure_r_extdata", "stappone_example.csv")).metadata
    assert session_fields(stappone)["start_time_utc"] == "2026-01-15T16:36:19.568Z"
    gaitpdb = session_fields(load(shared_data("gaitpdb", "GaCo01_01.txt")).metadata)
    assert gaitpdb["subject.subject_id"] == "GaCo01"
    assert gaitpdb["subject.body_mass_kg"] == 83.0
    made = session_fields(
        {"start_time": "2024-05-02 10:00:00+02:00", "subject": {"subject_id": 7, "tags": [1, 2]}}
    )
    assert made == {
        "start_time_utc": "2024-05-02T08:00:00.000Z",
        "start_time_local": None,
        "subject.subject_id": "7",
        "subject.tags": "1 2",
    }
    assert session_fields({"start_time": "10:21:14"})["start_time_local"] is None


def test_timeline_orders_the_visits_and_recovers_each_left_share(
    batch: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["compare", "--batch", str(batch), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) == {"source", "subject", "ordered_by", "sessions", "indicators", "notes"}
    assert result["subject"] == SUBJECT
    assert result["ordered_by"] == "start time"
    in_time = sorted(VISITS, key=lambda v: v[1])
    assert [s["session_id"] for s in result["sessions"]] == [v[0] for v in in_time]
    assert [s["session_id"] for s in result["sessions"]] != sorted(v[0] for v in VISITS)
    first = result["sessions"][0]
    assert {"session_id", "start_time_utc", "start_time_local", "activity"} <= set(first)
    assert first["start_time_utc"] == "2025-01-10T09:30:00.000Z"
    assert first["subject.subject_id"] == SUBJECT
    names = [d["name"] for d in result["indicators"]]
    assert names == list(DEFAULT_INDICATORS)
    for d in result["indicators"]:
        assert set(d) == {"name", "label", "unit", "column", "values", "change_from_first"}
        assert len(d["values"]) == len(d["change_from_first"]) == 3
        assert all(v is not None for v in d["values"]), d
        assert d["change_from_first"] == pytest.approx([v - d["values"][0] for v in d["values"]])
    share = result["indicators"][0]
    assert share["unit"] == "%"
    truths = [v[2] for v in in_time]
    for value, truth in zip(share["values"], truths, strict=True):
        assert abs(value - truth) <= 0.5, (share["values"], truths)
    for change, truth in zip(share["change_from_first"], truths, strict=True):
        assert abs(change - (truth - truths[0])) <= 1.0
    assert any("no confidence intervals" in n for n in result["notes"])


def test_text_names_the_order_and_says_there_are_no_intervals(
    batch: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["compare", "--batch", str(batch), "--indicators", "left_share_pct"]) == 0
    out = capsys.readouterr().out
    assert f"timeline of subject {SUBJECT}: 3 sessions, ordered by start time" in out
    assert out.index("visit_b.insole") < out.index("visit_a.insole") < out.index("visit_c")
    assert "Load carried by the left foot (%)" in out
    assert "Cadence" not in out
    assert "no confidence intervals" in out


def test_page_has_a_chart_per_indicator_and_the_table(batch: Path, tmp_path: Path) -> None:
    page = tmp_path / "timeline.html"
    assert main(["compare", "--batch", str(batch), "--subject", SUBJECT, "-o", str(page)]) == 0
    text = page.read_text("utf-8")
    assert "default-src 'none'; img-src data:" in text
    images = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', text)
    assert len(images) == len(DEFAULT_INDICATORS)
    assert all(len(i) > 1000 for i in images)
    assert "<h2>All indicators</h2>" in text and "visit_b.insole" in text
    assert "There are no confidence intervals" in text
    assert "<script" not in text and "http://" not in text and "https://" not in text


def test_usage_errors(batch: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    walk = str(batch / "summary.csv")  # any file: FILE and --batch are refused before reading
    assert main(["compare", walk, walk, "--batch", str(batch)]) == 2
    assert "FILE and --batch do not go together" in capsys.readouterr().err
    assert main(["compare", "--batch", str(batch), "--repeat", walk]) == 2
    assert main(["compare", "--batch", str(batch), "--body-mass-kg", "70"]) == 2
    assert main(["compare", walk, walk, "--subject", SUBJECT]) == 2
    assert main(["compare", "--batch", str(batch), "--indicators", "no_such_thing"]) == 2
    assert "no_such_thing" in capsys.readouterr().err
    assert main(["compare", "--batch", str(batch), "--subject", "Q01"]) == 2
    assert f"{SUBJECT} (3 sessions)" in capsys.readouterr().err
    assert main(["compare", "--batch", str(tmp_path)]) == 3  # no summary: not a batch folder
    capsys.readouterr()

    # a folder of two subjects (summary.csv only: the text table is read too)
    two = tmp_path / "two"
    two.mkdir()
    summary = pd.read_csv(batch / "summary.csv")
    summary.loc[summary["session_id"] == "visit_c.insole", "subject.subject_id"] = "Q01"
    summary.to_csv(two / "summary.csv", index=False)
    assert main(["compare", "--batch", str(two)]) == 2
    err = capsys.readouterr().err
    assert "--subject" in err and "P07 (2 sessions)" in err and "Q01 (1 session)" in err
    assert main(["compare", "--batch", str(two), "--subject", "Q01", "--json"]) == 0
    one = json.loads(capsys.readouterr().out)
    assert [s["session_id"] for s in one["sessions"]] == ["visit_c.insole"]
    assert one["indicators"][0]["change_from_first"] == [0.0]


def test_sessions_without_start_times_are_ordered_by_id_and_said(
    batch: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "untimed"
    folder.mkdir()
    summary = pd.read_parquet(batch / "summary.parquet")
    summary["start_time_utc"] = None
    summary.to_parquet(folder / "summary.parquet", index=False)
    assert main(["compare", "--batch", str(folder), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert [s["session_id"] for s in result["sessions"]] == sorted(v[0] for v in VISITS)
    assert result["ordered_by"] == "session_id"
    assert any("ordered by session_id" in n for n in result["notes"])


def test_a_summary_of_an_earlier_version_says_to_run_the_batch_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "summary.csv").write_text(
        "session_id,distribution.left_share_pct\nb.insole,52\na.insole,50\n"
    )
    assert main(["compare", "--batch", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "run `pressure batch` on the folder again" in out
    assert "not in the batch summary: symmetry_index_pct" in out
    assert out.index("a.insole") < out.index("b.insole")
