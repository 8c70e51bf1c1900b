"""A full disk, for every command that writes: the kernel refuses writes past a small size
(``RLIMIT_FSIZE``, as a full disk refuses them) and each command ends with one line naming what
it could not write (exit 4), no traceback, and no partial file where one file was asked for.
(``record`` has its own case in ``test_record_pty.py``: it keeps what reached the file.)"""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

SAMPLE = str(ROOT / "sample_data" / "walk_normal.insole")
#: (arguments, the output the error line names); "{out}" is a folder of the test's own,
#: "{one}" a folder holding one sample session
COMMANDS = [
    (["convert", SAMPLE, "{out}/walk.csv"], "walk.csv"),
    (["convert", SAMPLE, "{out}/walk.parquet"], "walk.parquet"),
    (["convert", SAMPLE, "{out}/walk.c3d"], "walk.c3d"),
    (["convert", SAMPLE, "{out}/walk.mot"], "walk.mot"),
    (["report", SAMPLE, "-o", "{out}/walk.html"], "walk.html"),
    (["movie", SAMPLE, "-o", "{out}/walk.gif", "--start-s", "2", "--end-s", "3"], "walk.gif"),
    (["movie", SAMPLE, "-o", "{out}/walk.mp4", "--start-s", "2", "--end-s", "3"], "walk.mp4"),
    (["analyze", SAMPLE, "--steps-csv", "{out}/steps.csv"], "steps.csv"),
    (["simulate", "--out", "{out}/sim.insole", "--seconds", "30"], "sim.insole"),
    (["simulate", "--out", "{out}/sim.bin", "--raw", "--seconds", "30"], "sim.bin"),
    (["profile", "init", str(ROOT / "sample_data" / "fsr8_walk.csv"), "-o", "{out}/p.toml"],
     "p.toml"),
    # a folder of one session proves what a folder of many would: the tables and reports
    # are written after every session has been processed
    (["batch", "{one}", "-o", "{out}/tables"], "tables"),
    (["batch", "{one}", "-o", "{out}/tables", "--report"], "tables"),
    (["batch", "{one}", "-o", "{out}/tables", "--report", "pdf"], "tables"),
]  # fmt: skip


def _small_disk() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (2000, 2000))


@pytest.mark.parametrize(("args", "target"), COMMANDS, ids=[" ".join(a[:2]) for a, _ in COMMANDS])
def test_a_full_disk_is_one_line_naming_the_file(
    tmp_path: Path, args: list[str], target: str
) -> None:
    one = tmp_path.parent / f"{tmp_path.name}-one"  # outside the output folder
    one.mkdir()
    (one / "walk_normal.insole").write_bytes(Path(SAMPLE).read_bytes())
    argv = [a.replace("{out}", str(tmp_path)).replace("{one}", str(one)) for a in args]
    run = subprocess.run(
        [sys.executable, "-m", "pressure", *argv],
        capture_output=True, text=True, preexec_fn=_small_disk, timeout=300,
    )  # fmt: skip
    assert run.returncode == 4, run.stderr
    assert "Traceback" not in run.stderr
    (line,) = [line for line in run.stderr.splitlines() if line.startswith("pressure: error:")]
    assert f"{tmp_path / target}: cannot write" in line, line
    if "." in target:  # one file asked for: none, not half of one
        assert not (tmp_path / target).exists()
        assert [p.name for p in tmp_path.iterdir()] == []
