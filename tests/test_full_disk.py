"""A full disk, for every command that writes: the kernel refuses writes past a small size
(``RLIMIT_FSIZE``, as a full disk refuses them) and each command ends with one line naming what
it could not write (exit 4), no traceback, and no partial file where one file was asked for.
(``record`` has its own case in ``test_record_pty.py``: it keeps what reached the file.)"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path

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


#: One interpreter runs every command in turn through ``pressure.cli.main``, which is what the
#: ``pressure`` script calls (its ``run`` only passes the status to ``sys.exit``): the kernel's
#: limit, the interpreter's ignored SIGXFSZ and the children (ffmpeg, the batch's workers) are
#: those of a real run, and the start-up of 14 interpreters is paid once.
DRIVER = """
import contextlib, io, json, sys, traceback
from pressure.cli import main
done = []
for argv in json.loads(sys.argv[1]):
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        try:
            status = main(argv)
        except SystemExit as exc:
            status = exc.code
        except BaseException:
            traceback.print_exc()
            status = None
    done.append({"status": status, "stderr": err.getvalue()})
print(json.dumps(done))
"""


def test_a_full_disk_is_one_line_naming_the_file(tmp_path: Path) -> None:
    one = tmp_path / "one"  # outside every output folder
    one.mkdir()
    (one / "walk_normal.insole").write_bytes(Path(SAMPLE).read_bytes())
    outs = [tmp_path / f"out{i}" for i in range(len(COMMANDS))]
    argvs = []
    for out, (args, _) in zip(outs, COMMANDS, strict=True):
        out.mkdir()
        argvs.append([a.replace("{out}", str(out)).replace("{one}", str(one)) for a in args])
    run = subprocess.run(
        [sys.executable, "-c", DRIVER, json.dumps(argvs)],
        capture_output=True, text=True, preexec_fn=_small_disk, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    done = json.loads(run.stdout.splitlines()[-1])
    wrong = []
    for out, (args, target), result in zip(outs, COMMANDS, done, strict=True):
        case = f"pressure {args[0]} … {' '.join(args[2:])}"
        err = result["stderr"]
        lines = [line for line in err.splitlines() if line.startswith("pressure: error:")]
        if result["status"] != 4 or "Traceback" in err or len(lines) != 1:
            wrong.append(f"{case}: exit {result['status']}, stderr:\n{err}")
        elif f"{out / target}: cannot write" not in lines[0]:
            wrong.append(f"{case}: the line does not name the file: {lines[0]}")
        elif "." in target and list(out.iterdir()):  # one file asked for: none, not half of one
            wrong.append(f"{case}: left {[p.name for p in out.iterdir()]}")
    assert not wrong, "\n".join(wrong)
