"""``pressure batch``: a folder of 30+ sessions in mixed formats with three broken files and a
few files that are not sessions; tables, errors, skipped files, resuming, --force, --report."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from pressure.batch import CACHE_DIR, discover, run_batch, safe_name
from pressure.cli import main

from . import batch_folder
from .conftest import shared_data

#: libraries a worker should not have to import (``test_workers_inherit_...``)
HEAVY = ("scipy", "matplotlib", "wfdb", "xlrd", "mcap", "lz4", "zstandard", "pyarrow")
OUTPUTS = (
    "summary.parquet",
    "summary.csv",
    "quality.parquet",
    "quality.csv",
    "steps.parquet",
    "errors.csv",
    "skipped.csv",
    "index.html",
)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, set[str]]:
    shared_data("gaitndd")  # skips, or fails under PRESSURE_REQUIRE_DATA=1, without the data
    dest = tmp_path_factory.mktemp("cohort")
    good = batch_folder.build(dest, simulated_s=20.0)
    return dest, good


@pytest.fixture(scope="module")
def first_run(
    folder: tuple[Path, set[str]], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, int, str]:
    out = tmp_path_factory.mktemp("out") / "tables"
    import contextlib
    import io

    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        status = main(["batch", str(folder[0]), "-o", str(out), "--jobs", "2"])
    return out, status, err.getvalue()


def _cache_mtimes(out: Path) -> dict[str, int]:
    return {str(p): p.stat().st_mtime_ns for p in (out / CACHE_DIR).rglob("*") if p.is_file()}


def test_every_good_session_is_in_the_summary_and_the_broken_ones_in_errors(
    folder: tuple[Path, set[str]], first_run: tuple[Path, int, str]
) -> None:
    _, good = folder
    out, status, stderr = first_run
    assert len(good) >= 30
    assert status == 1  # three sessions failed
    for name in OUTPUTS:
        assert (out / name).is_file()
    summary = pd.read_parquet(out / "summary.parquet")
    assert set(summary["session_id"]) == good
    assert summary["session_id"].is_unique  # a WFDB record, an F-Scan pair: once each
    assert list(summary["session_id"]) == sorted(good)
    assert len({f for f in summary["format"]}) >= 12  # mixed formats
    assert summary["source_path"].map(lambda p: Path(p).is_file()).all()
    errors = pd.read_csv(out / "errors.csv")
    assert sorted(errors["file"]) == sorted(batch_folder.BROKEN)
    for file, error in errors.itertuples(index=False):
        assert Path(file).name in error  # the message names the file ...
    by_file = dict(zip(errors["file"], errors["error"], strict=True))
    assert "line " in by_file["extdata/broken_pedar.asc"]  # ... and where it is damaged
    assert "line 51" in by_file["gaitpdb/GaCo99_01.txt"]
    assert "byte offset 0" in by_file["sim/damaged.insole"]
    assert stderr.count("failed:") == 3
    skipped = pd.read_csv(out / "skipped.csv")
    assert set(batch_folder.NOT_SESSIONS) <= set(skipped["file"])
    assert not set(skipped["file"]) & set(errors["file"])
    assert not set(skipped["file"]) & good
    # the CSV holds the same table as the Parquet file
    csv = pd.read_csv(out / "summary.csv")
    assert list(csv.columns) == list(summary.columns)
    assert csv["session_id"].tolist() == summary["session_id"].tolist()


def test_steps_table_matches_the_summary_step_counts(first_run: tuple[Path, int, str]) -> None:
    out = first_run[0]
    summary = pd.read_parquet(out / "summary.parquet").set_index("session_id")
    steps = pd.read_parquet(out / "steps.parquet")
    # gait.steps counts the walked steps: every row but those labelled standing
    counts = steps[steps["label"] != "standing"].groupby(["session_id", "side"]).size()
    for sid, row in summary.iterrows():
        for side in ("left", "right"):
            expected = int(row[f"gait.steps.{side}"])
            assert counts.get((sid, side), 0) == expected, (sid, side)
    assert steps["session_id"].isin(summary.index).all()
    assert {"heel_strike_s", "toe_off_s", "stance_s", "used"} <= set(steps.columns)


def test_quality_columns_are_in_their_own_table_keyed_by_session(
    folder: tuple[Path, set[str]], first_run: tuple[Path, int, str]
) -> None:
    """summary.csv holds what a lab compares; the data quality (every reader's own counters
    among it) and the event detector's settings are in quality.csv, one row per session of
    the summary, with the values the analysis gives."""
    from pressure import analyze, load
    from pressure.batch import flatten

    root, good = folder
    out = first_run[0]
    summary = pd.read_parquet(out / "summary.parquet")
    quality = pd.read_parquet(out / "quality.parquet")
    moved = ("quality.", "gait.event_detection.")
    assert not [c for c in summary.columns if c.startswith(moved)]
    assert list(quality.columns[:2]) == ["session_id", "format"]
    assert all(c.startswith(moved) for c in quality.columns[2:])
    assert quality["session_id"].tolist() == summary["session_id"].tolist()
    assert quality["format"].tolist() == summary["format"].tolist()
    readers = [c for c in quality.columns if c.startswith("quality.reader.")]
    assert len(readers) >= 20  # the mixed formats' counters, each sparse
    # what a lab compares stays in the summary
    for column in (
        "activity",
        "duration_s",
        "gait.steps.left",
        "gait.cadence_steps_per_min",
        "distribution.left_share_pct",
        "distribution.symmetry_index_pct",
        "distribution.mean_stance_force_n.right",
        "pronation.cpei_pct.left",
        "balance.combined.ellipse_area_mm2",
        "indicator.left_share_pct.value",
        "indicator.left_share_pct.comparison",
        "problems",
    ):
        assert column in summary.columns, column
    # each session's quality row holds what its analysis says, no more, no less
    quality = quality.set_index("session_id")
    for sid in ("sim/walk_0.insole", "extdata/pedar_example.asc", "gaitndd/als1.hea"):
        flat = flatten(analyze(load(root / sid)).summary)
        expected = {k: v for k, v in flat.items() if k.startswith(moved)}
        got = {k: v for k, v in quality.loc[sid].items() if k.startswith(moved) and pd.notna(v)}
        assert got == {k: v for k, v in expected.items() if v is not None}, sid
    csv = pd.read_csv(out / "quality.csv")
    assert list(csv.columns) == [quality.index.name, *quality.columns]
    assert len(csv) == len(good)


def test_second_run_reuses_every_result_then_redoes_what_changed(
    folder: tuple[Path, set[str]], first_run: tuple[Path, int, str], tmp_path: Path
) -> None:
    root, good = folder
    out = tmp_path / "again"
    shutil.copytree(first_run[0], out)  # this test changes things: its own copy of the outputs
    before = pd.read_parquet(out / "summary.parquet")
    mtimes = _cache_mtimes(out)

    again = run_batch(root, out, jobs=2)
    assert (again.analysed, again.up_to_date, again.failed) == (0, len(good), 3)
    assert again.analysed + again.up_to_date + again.failed == again.sessions
    assert _cache_mtimes(out) == mtimes  # nothing was re-analysed or re-saved
    pd.testing.assert_frame_equal(pd.read_parquet(out / "summary.parquet"), before)
    pd.testing.assert_frame_equal(again.summary, before)  # the Python API: same tables
    pd.testing.assert_frame_equal(again.quality, pd.read_parquet(out / "quality.parquet"))
    pd.testing.assert_frame_equal(
        again.steps.reset_index(drop=True), pd.read_parquet(out / "steps.parquet")
    )
    assert main(["batch", str(root), "-o", str(out), "--jobs", "1"]) == 1  # still failing

    # a changed source is redone, the rest reused
    walk = root / "sim" / "walk_0.insole"
    st = walk.stat()
    os.utime(walk, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    try:
        changed = run_batch(root, out, jobs=1)
        assert (changed.analysed, changed.up_to_date, changed.failed) == (1, len(good) - 1, 3)
        pd.testing.assert_frame_equal(changed.summary, before)  # same content, same row
        # --force redoes everything
        forced = run_batch(root, out, jobs=2, force=True)
        assert (forced.analysed, forced.up_to_date, forced.failed) == (len(good), 0, 3)
        pd.testing.assert_frame_equal(forced.summary, before)
    finally:
        os.utime(walk, ns=(st.st_atime_ns, st.st_mtime_ns))


def test_a_deleted_source_drops_out_and_a_pattern_selects(tmp_path: Path) -> None:
    root = tmp_path / "small"
    root.mkdir()
    batch_folder.copy_samples(root)
    out = root / "results"  # inside the folder: not searched
    first = run_batch(root, out, jobs=1)
    assert sorted(first.summary["session_id"]) == [
        "fsr8_walk.csv",
        "stand_quiet.insole",
        "walk_normal.insole",
    ]
    assert first.skipped.empty  # the layout file belongs to its table
    (root / "stand_quiet.insole").unlink()
    second = run_batch(root, out, jobs=1)
    assert sorted(second.summary["session_id"]) == ["fsr8_walk.csv", "walk_normal.insole"]
    assert second.up_to_date == 2 and second.analysed == 0
    only = run_batch(root, None, pattern="*.insole")
    assert only.summary["session_id"].tolist() == ["walk_normal.insole"]
    jobs, _ = discover(root, "*.csv", exclude=out)
    assert [j.session_id for j in jobs] == ["fsr8_walk.csv"]


def test_report_per_session(tmp_path: Path) -> None:
    root = tmp_path / "two"
    root.mkdir()
    for name in ("walk_normal.insole", "stand_quiet.insole"):
        shutil.copy(batch_folder.ROOT / "sample_data" / name, root)
    out = tmp_path / "out"
    assert main(["batch", str(root), "-o", str(out), "--report", "--jobs", "2"]) == 0
    reports = sorted((out / "reports").glob("*.html"))
    assert [p.name for p in reports] == ["stand_quiet.html", "walk_normal.html"]
    for path in reports:
        text = path.read_text(encoding="utf-8")
        assert text.startswith("<!DOCTYPE html>") and "data:image/png;base64," in text
    # a run without reports reuses these results; asking for reports later redoes only the
    # sessions analysed without one
    assert run_batch(root, out, jobs=1).up_to_date == 2
    shutil.rmtree(out)
    assert run_batch(root, out, jobs=1).up_to_date == 0
    redo = run_batch(root, out, jobs=1, report=True)
    assert redo.analysed == 2 and len(list((out / "reports").glob("*.html"))) == 2


def test_editing_a_file_a_reader_looks_up_beside_the_session_redoes_it(tmp_path: Path) -> None:
    root = tmp_path / "pdb"
    root.mkdir()
    shutil.copy(shared_data("gaitpdb", "GaCo01_01.txt"), root)
    shutil.copy(shared_data("gaitpdb", "demographics_from_xls.csv"), root)
    out = tmp_path / "out"
    first = run_batch(root, out, jobs=1)
    mass = first.summary["distribution.body_mass_kg"].iloc[0]
    assert first.skipped["file"].tolist() == ["demographics_from_xls.csv"]
    lines = (root / "demographics_from_xls.csv").read_text().splitlines()
    row = next(i for i, line in enumerate(lines) if line.startswith("GaCo01,"))
    assert f",{mass:g}," in lines[row]
    lines[row] = lines[row].replace(f",{mass:g},", ",60,", 1)
    (root / "demographics_from_xls.csv").write_text("\n".join(lines) + "\n")
    second = run_batch(root, out, jobs=1)
    assert second.analysed == 1
    assert second.summary["distribution.body_mass_kg"].iloc[0] == 60.0 != mass


def test_a_pattern_keeps_records_whole(tmp_path: Path) -> None:
    root = tmp_path / "ndd"
    root.mkdir()
    for suffix in (".hea", ".let", ".rit", ".ts"):
        shutil.copy(shared_data("gaitndd", f"als1{suffix}"), root)
    out = tmp_path / "out"
    assert run_batch(root, out, pattern="*.hea").summary["session_id"].tolist() == ["als1.hea"]
    let = root / "als1.let"
    st = let.stat()
    os.utime(let, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert run_batch(root, out, pattern="*.hea").analysed == 1  # a part changed


def test_argument_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["batch", str(tmp_path / "missing"), "-o", str(tmp_path / "o")]) == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "missing: no such folder" in err[0]
    (tmp_path / "file").write_text("x")
    assert main(["batch", str(tmp_path), "-o", str(tmp_path / "file")]) == 4
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not a folder" in err[0]
    with pytest.raises(SystemExit) as exc:
        main(["batch", str(tmp_path), "-o", str(tmp_path / "o"), "--jobs", "0"])
    assert exc.value.code == 2


def test_workers_inherit_every_library_the_work_imports(
    folder: tuple[Path, set[str]], tmp_path: Path
) -> None:
    """Before forking its workers the batch imports what analysing and reporting a session of
    each format found imports on first use (scipy alone takes about half a second, which
    every worker would pay again). Checked in a fresh interpreter: after ``_preload`` for the
    mixed folder's formats, processing a session of each format with a report imports no
    module of these libraries (the package's own small modules may still come in). What a
    reader imports is per format, and the analysis and the report are the same code for
    every session: one session a format proves it (the first of each format in the order the
    batch finds them that gives a report, and every broken file: an error path may import
    more)."""
    import json
    import subprocess
    import sys

    script = f"""
import json, sys
from pressure import batch
jobs, _ = batch.discover({str(folder[0])!r})
batch._preload({{job.format for job in jobs if job.format}}, report=True)
before = set(sys.modules)
reported, failed = set(), 0
for job in jobs:
    if job.format in reported and job.session_id not in {batch_folder.BROKEN!r}:
        continue
    outcome = batch.process(job, report=True)
    if outcome.report_bytes is not None:
        reported.add(job.format)
    else:
        failed += 1
new = sorted(m for m in set(sys.modules) - before if m.split(".")[0] in {HEAVY!r})
print(json.dumps({{"new": new, "formats": sorted({{j.format for j in jobs if j.format}}),
                  "reported": sorted(reported), "failed": failed}}))
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    result = json.loads(done.stdout.splitlines()[-1])
    assert len(result["formats"]) >= 12 and result["reported"] == result["formats"]
    assert result["failed"] == len(batch_folder.BROKEN)  # their errors come in too
    assert result["new"] == []


def test_an_unexpected_failure_keeps_its_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug (any exception that is not the project's own error about a file) is a row of
    errors.csv like a bad file, and its whole traceback is kept beside the tables."""
    import pressure.analysis

    real = pressure.analysis.analyze

    def analyze(session: Any, *args: Any, **kwargs: Any) -> Any:
        if session.path.name == "walk_left_heavy.insole":
            raise ZeroDivisionError("a bug in the analysis")
        return real(session, *args, **kwargs)

    monkeypatch.setattr(pressure.analysis, "analyze", analyze)
    root = tmp_path / "in"
    root.mkdir()
    for name in ("walk_normal.insole", "walk_left_heavy.insole"):
        shutil.copy(batch_folder.ROOT / "sample_data" / name, root)
    out = tmp_path / "out"
    result = run_batch(root, out, jobs=1)
    assert list(result.summary["session_id"]) == ["walk_normal.insole"]
    (error,) = result.errors["error"]
    kept = out / "tracebacks" / f"{safe_name('walk_left_heavy.insole')}.txt"
    assert error == (
        f"ZeroDivisionError: a bug in the analysis (traceback in tracebacks/{kept.name})"
    )
    text = kept.read_text()
    assert text.startswith("Traceback (most recent call last):") and "in analyze" in text
    assert pd.read_csv(out / "errors.csv")["error"].tolist() == [error]


def test_analysis_options_reach_every_session_and_their_results_are_kept_apart(
    tmp_path: Path,
) -> None:
    """A time window (and turns counted) given to the batch is each session's analysis; a run
    with other options does not reuse the results of the first."""
    folder = tmp_path / "in"
    folder.mkdir()
    batch_folder.copy_samples(folder)
    out = tmp_path / "out"
    assert main(["batch", str(folder), "-o", str(out), "--jobs", "1"]) == 0
    whole = pd.read_parquet(out / "summary.parquet").set_index("session_id")
    args = ["batch", str(folder), "-o", str(out), "--jobs", "1", "--end-s", "10"]
    assert main([*args, "--include-turns"]) == 0
    cut = pd.read_parquet(out / "summary.parquet").set_index("session_id")
    walk = "walk_normal.insole"
    assert pd.isna(whole.loc[walk, "window_s"])
    assert cut.loc[walk, "window_s"] == "0.0 10.0"  # a list in the flat row: space-separated
    assert bool(cut.loc[walk, "gait.exclude_turns"]) is False
    assert cut.loc[walk, "gait.steps.left"] < whole.loc[walk, "gait.steps.left"]
    steps = pd.read_parquet(out / "steps.parquet")
    assert steps.loc[steps["session_id"] == walk, "toe_off_s"].max() < 10.0
    # a reversed window is a usage error
    assert main(["batch", str(folder), "-o", str(out), "--start-s", "5", "--end-s", "2"]) == 2


def test_any_folder_entry_is_a_session_a_skipped_row_or_a_named_special_file(
    tmp_path: Path,
) -> None:
    """A file name that is not UTF-8, a named pipe, a symbolic link loop and a dangling link:
    the batch runs to the end, the session with the odd name is analysed (its id shown with
    U+FFFD, its tables written), and each special entry is in skipped.csv with its kind."""
    root = tmp_path / "in"
    root.mkdir()
    sample = batch_folder.ROOT / "sample_data" / "walk_left_heavy.insole"
    odd = os.fsdecode(b"walk\xff\xfe.insole")
    shutil.copy(sample, root / odd)
    os.mkfifo(root / "pipe.insole")
    (root / "loop_a").symlink_to("loop_b")
    (root / "loop_b").symlink_to("loop_a")
    (root / "gone.insole").symlink_to("nowhere.insole")
    out = tmp_path / "out"
    result = run_batch(root, out, jobs=1)
    assert (result.analysed, result.failed) == (1, 0)
    assert list(result.summary["session_id"]) == ["walk\ufffd\ufffd.insole"]
    skipped = pd.read_csv(out / "skipped.csv")
    reasons = dict(zip(skipped["file"], skipped["reason"], strict=True))
    assert reasons == {
        "gone.insole": "a symbolic link to nothing (its target is missing)",
        "loop_a": "a symbolic link loop",
        "loop_b": "a symbolic link loop",
        "pipe.insole": "a named pipe (FIFO), not a file",
    }
    summary = pd.read_parquet(out / "summary.parquet")
    assert summary["source_path"].str.endswith("walk\ufffd\ufffd.insole").all()


def _children(pid: int) -> set[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return set()
    return {int(p) for p in text.split()}


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, dead but not yet reaped, does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")
def test_a_batch_killed_with_sigkill_leaves_no_worker_running(tmp_path: Path) -> None:
    """kill -9 of `pressure batch` while its workers analyse: the kernel ends every worker
    (PR_SET_PDEATHSIG), none keeps running (and holding its memory) on its own."""
    import signal
    import subprocess
    import sys
    import time

    root = tmp_path / "in"
    root.mkdir()
    sample = batch_folder.ROOT / "sample_data" / "walk_left_heavy.insole"
    for k in range(60):
        shutil.copy(sample, root / f"walk_{k:02d}.insole")
    batch = subprocess.Popen(
        [sys.executable, "-m", "pressure", "batch", str(root), "-o", str(tmp_path / "out"),
         "--jobs", "2"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        workers: set[int] = set()
        while len(workers) < 2 and batch.poll() is None and time.monotonic() < deadline:
            workers = _children(batch.pid)
            time.sleep(0.02)
        assert len(workers) >= 2, "the batch never had two workers running"
        batch.send_signal(signal.SIGKILL)
        batch.wait(timeout=10)
        deadline = time.monotonic() + 10
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(_alive(w) for w in workers), "a worker outlived its batch"
    finally:
        if batch.poll() is None:
            batch.kill()
