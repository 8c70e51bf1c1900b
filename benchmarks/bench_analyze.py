"""Analysing long sessions, run on demand: ``python benchmarks/bench_analyze.py``.

For each case (``--case SENSORS:MINUTES``, default the issue's five: 2 × 16 sensors for 1 h,
6 h and 24 h, 2 × 99 for 1 h and 8 h, all at 100 Hz) the simulator writes a recording
(``.insole``) as ``pressure simulate --out`` would, into ``--keep DIR`` when given (and
reused from there next time) or a temporary folder. Then, per run, a fresh Python process
imports the package and the scipy modules the analysis uses and does what ``pressure
analyze FILE`` does: opens the file with ``pressure.io.source.open_source`` (a recording is
decoded block by block into a temporary spill file) and runs ``pressure.analysis.analyze``
on the source (events, steps, shares, regions, quality; the engine reads each foot a chunk of
frames at a time).

Reported per case: the time to open (best of ``--repeat`` runs) and to analyse (best,
median, worst), their sum for the best run, and the process's peak resident memory
(``VmHWM``: imports, opening and analysis) with the memory after the imports, read from
``/proc`` (Linux only; not ``ru_maxrss``, which on Linux carries a parent's peak into its
children). ``--load`` measures the old way instead: ``pressure.load`` (the whole session in
memory), then ``analyze`` of the session. ``--source`` measures reading alone: open, then
every chunk of every foot summed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _machine import machine

CASES = ("16:60", "16:360", "16:1440", "99:60", "99:480")


def _memory_kib() -> dict[str, int]:
    with open("/proc/self/status", encoding="ascii") as f:
        fields = dict(line.split(":", 1) for line in f if line.startswith(("VmRSS", "VmHWM")))
    return {key: int(value.split()[0]) for key, value in fields.items()}


def worker(path: Path, mode: str) -> None:
    import numpy as np
    import scipy.ndimage
    import scipy.signal
    import scipy.stats  # noqa: F401  (imports are not what is measured)

    from pressure import load
    from pressure.analysis import analyze
    from pressure.io.source import SessionSource, open_source

    before = _memory_kib()
    t0 = time.perf_counter()
    source = SessionSource.of(load(path)) if mode == "load" else open_source(path)
    open_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    steps = frames = 0
    total = 0.0
    with source:
        if mode == "source":
            for foot in source.feet.values():
                for _, chunk in foot.chunks():
                    frames += chunk.n_frames
                    total += float(np.nansum(chunk.values))  # every value touched
        else:
            steps = len(analyze(source).steps)
    work_s = time.perf_counter() - t0
    after = _memory_kib()
    print(
        json.dumps(
            {
                "open_s": open_s,
                "work_s": work_s,
                "before_kib": before["VmRSS"],
                "peak_kib": after["VmHWM"],
                "steps": steps,
                "frames": frames,
                "sum": total,
            }
        )
    )


def _run(path: Path, mode: str) -> dict[str, float]:
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--worker", str(path), "--mode", mode],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(proc.stderr)
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def make_recording(sensors: int, minutes: float, folder: Path) -> Path:
    """The simulator's walk (seed 1) of ``minutes`` at 100 Hz, ``sensors`` per foot, in
    ``folder`` (kept there: an existing file of that name is reused)."""
    from pressure.simulator import SyntheticGait
    from pressure.simulator.output import write_recording
    from pressure.simulator.signals import GaitSignal

    path = folder / f"walk_{sensors}x{minutes:g}min.insole"
    if path.exists():
        return path
    gait = SyntheticGait(seconds=minutes * 60.0, sensors=sensors, seed=1)
    write_recording(path, GaitSignal(gait), session={"simulated": gait.truth()})
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="stream", help=argparse.SUPPRESS)
    how = parser.add_mutually_exclusive_group()
    how.add_argument("--load", action="store_true", help="load whole, then analyze (old way)")
    how.add_argument("--source", action="store_true", help="open and read every chunk only")
    parser.add_argument("--repeat", type=int, default=3, help="runs per case")
    parser.add_argument(
        "--case",
        nargs="*",
        default=list(CASES),
        metavar="SENSORS:MINUTES",
        help="sensors per foot and minutes of walking (default: %(default)s)",
    )
    parser.add_argument("--keep", type=Path, help="folder to keep (and reuse) the recordings in")
    args = parser.parse_args()
    if args.worker is not None:
        worker(args.worker, args.mode)
        return
    mode = "load" if args.load else "source" if args.source else "stream"
    print(f"machine: {machine()}")
    print(f"mode: {mode}")
    print()
    print(
        "| sensors per foot | duration | file | steps | open | analyse: best | median | worst "
        "| open + analyse | peak RSS | RSS after imports |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for case in args.case:
            sensors, minutes = int(case.split(":")[0]), float(case.split(":")[1])
            path = make_recording(sensors, minutes, folder)
            runs = [_run(path, mode) for _ in range(args.repeat)]
            times = sorted(r["work_s"] for r in runs)
            best = min(runs, key=lambda r: r["open_s"] + r["work_s"])
            peak = max(r["peak_kib"] for r in runs) / 1024
            base = max(r["before_kib"] for r in runs) / 1024
            size = path.stat().st_size / 1e6
            hours = f"{minutes / 60:g} h"
            print(
                f"| 2 × {sensors} | {hours} at 100 Hz | {size:,.0f} MB | "
                f"{int(runs[0]['steps']):,} | {min(r['open_s'] for r in runs):.2f} s | "
                f"{times[0]:.2f} s | {times[len(times) // 2]:.2f} s | {times[-1]:.2f} s | "
                f"{best['open_s'] + best['work_s']:.1f} s | {peak:,.0f} MiB | {base:.0f} MiB |"
            )


if __name__ == "__main__":
    main()
