"""Analysing long sessions, run on demand: ``python benchmarks/bench_analyze.py``.

For each case (default: one hour at 100 Hz of both feet with 16 sensors, and with 99 sensors)
the simulator writes a recording (``.insole``) into a temporary folder, as ``pressure simulate
--out`` would. Then, per run, a fresh Python process (``--worker``) imports the package and
the scipy modules the analysis uses, loads the recording with ``pressure.load``, resets its
resident-memory high-water mark (``5`` to ``/proc/self/clear_refs``) and times
``pressure.analysis.analyze(session)``: events, steps, CoP, distribution, regions, quality.

Reported per case: load time (best); analysis time (best, median and worst of ``--repeat``
runs: on a shared virtual machine a fresh process's first touch of new memory varies a lot
from run to run); the process's peak
resident memory during the analysis (``VmHWM`` after it, which includes the loaded session),
and what the analysis added on top of the memory before it. Imports are excluded from the
times: ``import scipy.signal`` alone takes about 0.8 s on the machine below, once per process.
Memory is read from ``/proc`` (Linux only), not ``ru_maxrss``, which on Linux carries a
parent's peak into its children.

``--source`` measures reading instead of analysing: per run, a fresh process opens the
recording with ``pressure.io.source.open_source`` (decoded block by block into a temporary
spill file) and, per foot, reads every chunk (``FootSource.chunks()``) summing its values.
Reported: the time to open, the time to read every chunk, the process's peak resident memory
over both (``VmHWM``, imports included) and its resident memory after the imports.
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

CASES = ((16, 60.0), (99, 60.0))


def _memory_kib() -> dict[str, int]:
    with open("/proc/self/status", encoding="ascii") as f:
        fields = dict(line.split(":", 1) for line in f if line.startswith(("VmRSS", "VmHWM")))
    return {key: int(value.split()[0]) for key, value in fields.items()}


def worker(path: Path) -> None:
    import scipy.ndimage
    import scipy.signal
    import scipy.stats  # noqa: F401  (imports are not what is measured)

    from pressure import load
    from pressure.analysis import analyze

    t0 = time.perf_counter()
    session = load(path)
    load_s = time.perf_counter() - t0
    with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
        f.write("5")
    before = _memory_kib()
    t0 = time.perf_counter()
    result = analyze(session)
    seconds = time.perf_counter() - t0
    after = _memory_kib()
    print(
        json.dumps(
            {
                "load_s": load_s,
                "analyze_s": seconds,
                "before_kib": before["VmRSS"],
                "peak_kib": after["VmHWM"],
                "steps": len(result.steps),
            }
        )
    )


def source_worker(path: Path) -> None:
    import numpy as np

    from pressure.io.source import open_source

    before = _memory_kib()
    t0 = time.perf_counter()
    source = open_source(path)
    open_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    total, frames = 0.0, 0
    with source:
        for foot in source.feet.values():
            for _, chunk in foot.chunks():
                total += float(np.nansum(chunk.values))
                frames += chunk.n_frames
    read_s = time.perf_counter() - t0
    after = _memory_kib()
    print(
        json.dumps(
            {
                "open_s": open_s,
                "read_s": read_s,
                "before_kib": before["VmRSS"],
                "peak_kib": after["VmHWM"],
                "frames": frames,
                "sum": total,
            }
        )
    )


def _run(flag: str, path: Path) -> dict[str, float]:
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), flag, str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(proc.stderr)
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def source_main(args: argparse.Namespace) -> None:
    print(
        "| sensors per foot | duration | frames | open: best | read every chunk: best | worst "
        "| peak RSS | RSS after imports |"
    )
    print("|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for sensors in args.sensors:
            path = make_recording(sensors, args.minutes, Path(tmp))
            runs = [_run("--source-worker", path) for _ in range(args.repeat)]
            reads = sorted(r["read_s"] for r in runs)
            peak = max(r["peak_kib"] for r in runs) / 1024
            base = max(r["before_kib"] for r in runs) / 1024
            size = path.stat().st_size / 1e6
            print(
                f"| 2 × {sensors} | {args.minutes:g} min at 100 Hz ({size:.0f} MB file) | "
                f"{int(runs[0]['frames'])} | {min(r['open_s'] for r in runs):.2f} s | "
                f"{reads[0]:.2f} s | {reads[-1]:.2f} s | {peak:.0f} MiB | {base:.0f} MiB |"
            )
            path.unlink()


def make_recording(sensors: int, minutes: float, folder: Path) -> Path:
    from pressure.simulator import SyntheticGait
    from pressure.simulator.output import write_recording
    from pressure.simulator.signals import GaitSignal

    gait = SyntheticGait(seconds=minutes * 60.0, sensors=sensors, seed=1)
    path = folder / f"walk_{sensors}.insole"
    write_recording(path, GaitSignal(gait), session={"simulated": gait.truth()})
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--source-worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument(
        "--source",
        action="store_true",
        help="open with open_source and read every chunk, instead of load and analyze",
    )
    parser.add_argument("--repeat", type=int, default=5, help="runs per case")
    parser.add_argument("--minutes", type=float, default=60.0, help="length of each session")
    parser.add_argument(
        "--sensors", type=int, nargs="*", default=[c[0] for c in CASES], help="sensors per foot"
    )
    args = parser.parse_args()
    if args.worker is not None:
        worker(args.worker)
        return
    if args.source_worker is not None:
        source_worker(args.source_worker)
        return
    print(f"machine: {machine()}")
    print()
    if args.source:
        source_main(args)
        return
    print(
        "| sensors per foot | duration | steps | load | analyze: best | median | worst "
        "| peak RSS | added |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for sensors in args.sensors:
            path = make_recording(sensors, args.minutes, Path(tmp))
            runs = [_run("--worker", path) for _ in range(args.repeat)]
            times = sorted(r["analyze_s"] for r in runs)
            best, median, worst = times[0], times[len(times) // 2], times[-1]
            peak = max(r["peak_kib"] for r in runs) / 1024
            added = max(r["peak_kib"] - r["before_kib"] for r in runs) / 1024
            size = path.stat().st_size / 1e6
            print(
                f"| 2 × {sensors} | {args.minutes:g} min at 100 Hz ({size:.0f} MB file) | "
                f"{runs[0]['steps']} | {min(r['load_s'] for r in runs):.2f} s | {best:.2f} s | "
                f"{median:.2f} s | {worst:.2f} s | "
                f"{peak:.0f} MiB | {added:.0f} MiB |"
            )
            path.unlink()


if __name__ == "__main__":
    main()
