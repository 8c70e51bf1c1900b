"""``pressure batch --dask ADDRESS``: a real Dask scheduler and worker, started as separate
processes on loopback, give the same tables as the local run."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from pressure.batch import run_batch
from pressure.cli import main

from . import batch_folder

DASK = Path(sys.executable).with_name("dask")


@pytest.fixture(scope="module", autouse=True)
def _distributed() -> None:
    """Skip the module without the [dask] extra; imported here, not at collection, so that
    the workers that run none of these tests do not import distributed."""
    pytest.importorskip("distributed", reason="the [dask] extra is not installed")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A scheduler and one single-threaded worker; yields the scheduler's address."""
    if not DASK.exists():
        pytest.fail(f"{DASK} is missing: install the [dask] extra")
    tmp = tmp_path_factory.mktemp("dask")
    scheduler_file = tmp / "scheduler.json"
    common = ["--no-dashboard"]
    procs = [
        subprocess.Popen(
            [
                str(DASK),
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--scheduler-file",
                str(scheduler_file),
                *common,
            ],
            stdout=subprocess.DEVNULL,
            stderr=(tmp / "scheduler.log").open("w"),
        )
    ]
    try:
        deadline = time.monotonic() + 60
        while not scheduler_file.exists():
            if time.monotonic() > deadline or procs[0].poll() is not None:
                pytest.fail(f"the scheduler did not start: {(tmp / 'scheduler.log').read_text()}")
            time.sleep(0.2)
        address = json.loads(scheduler_file.read_text())["address"]
        assert address.startswith("tcp://127.0.0.1:")
        procs.append(
            subprocess.Popen(
                [
                    str(DASK),
                    "worker",
                    address,
                    "--nworkers",
                    "1",
                    "--nthreads",
                    "1",
                    "--host",
                    "127.0.0.1",
                    *common,
                ],
                stdout=subprocess.DEVNULL,
                stderr=(tmp / "worker.log").open("w"),
            )
        )
        from distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(1, timeout=60)
        yield address
    finally:
        # the worker first, and waited for, while its scheduler is still there to say goodbye
        # to (stopped together, the worker spends seconds trying to reach the scheduler)
        for proc in reversed(procs):
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture(scope="module")
def small_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cohort")
    shared = batch_folder.SHARED_DATA
    if not shared.exists():
        from .conftest import shared_data

        shared_data("gaitndd")
    for rec in ("als1", "control1"):
        for suffix in (".hea", ".let", ".rit", ".ts"):
            shutil.copy(shared / "gaitndd" / f"{rec}{suffix}", root)
    for name in (
        "pedar_example.asc",
        "pedar_geometry.csv",
        "pedar_sensor_areas_mm2.csv",
        "fscan_testL.asf",
        "emed_test.lst",
        "stappone_example.csv",
        "stappone_geometry.csv",
    ):
        shutil.copy(shared / "pressure_r_extdata" / name, root)
    shutil.copy(shared / "gaitpdb" / "GaCo01_01.txt", root)
    batch_folder.copy_samples(root)
    (root / "broken.asf").write_bytes(b"\x00\x01 not an F-Scan file")
    return root


def test_dask_run_equals_the_local_run_and_reports_come_back(
    cluster: str, small_folder: Path, tmp_path: Path
) -> None:
    """One test, so that one cluster serves both checks: a module's tests may be spread over
    the suite's workers, and each worker would start a scheduler and a worker of its own."""
    local = run_batch(small_folder, tmp_path / "local", jobs=2)
    assert main(["batch", str(small_folder), "-o", str(tmp_path / "dask"), "--dask", cluster]) == 1
    for name in ("summary.parquet", "steps.parquet"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(tmp_path / "dask" / name), pd.read_parquet(tmp_path / "local" / name)
        )
    for name in ("errors.csv", "skipped.csv"):
        assert (tmp_path / "dask" / name).read_text() == (tmp_path / "local" / name).read_text()
    assert len(local.summary) == 10 and local.errors["file"].tolist() == ["broken.asf"]

    # a report made on the cluster comes back whole
    root = tmp_path / "one"
    root.mkdir()
    shutil.copy(batch_folder.ROOT / "sample_data" / "walk_normal.insole", root)
    result = run_batch(root, tmp_path / "out", dask=cluster, report=True)
    assert result.analysed == 1 and result.failed == 0
    (report,) = (tmp_path / "out" / "reports").glob("*.html")
    assert "data:image/png;base64," in report.read_text(encoding="utf-8")


def test_unreachable_scheduler_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "one"
    root.mkdir()
    shutil.copy(batch_folder.ROOT / "sample_data" / "walk_normal.insole", root)
    # a port nothing listens on (the discard port, closed on loopback)
    assert (
        main(
            [
                "batch",
                str(root),
                "-o",
                str(tmp_path / "o"),
                "--dask",
                "tcp://127.0.0.1:9",
                "--dask-timeout",
                "0.5",
            ]
        )
        == 1
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in err[0]
