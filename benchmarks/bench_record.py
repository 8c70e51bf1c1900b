"""Recording through real pseudo-terminals, run on demand: ``python benchmarks/bench_record.py``.

The simulator (``pressure simulate --pty``) and the recorder (``pressure record``) run as the
user runs them, as separate processes. For each case the simulator streams ``--seconds`` of
synthetic gait; the recorder records it; the file is then checked frame by frame:

* **throughput**: frames per second (both feet) that reached the file, and frames lost. A rate
  is sustained when nothing is lost.
* **recorder CPU**: user + system CPU time of the recorder process (from the kernel's
  accounting of the reaped child, ``RUSAGE_CHILDREN``) divided by its wall time. This
  includes its start-up (imports, opening the ports), so it over-states the steady state.

``--lsl``: instead, ``record --lsl`` of 2 × 1 kHz × 16 sensors on one pty with a subscriber
(``tests/lsl_peer.py``) on this machine, liblsl kept on the loopback: frames in the file and
frames that reached the subscriber through LSL, and the recorder's CPU with and without
``--lsl``.

The rates here (1 kHz and up) are claims about a quiet machine, measured on demand. The test
suite (``tests/test_record_pty.py``, ``tests/test_lsl.py``) checks that nothing is lost at
250 Hz a foot, a rate a 2-core machine busy with other work still sustains, so the suite holds
on a loaded CI runner.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

from pressure.analysis import analyze
from pressure.io.load import load

PRESSURE = [sys.executable, "-m", "pressure"]
TESTS = Path(__file__).resolve().parent.parent / "tests"
PEER = TESTS / "lsl_peer.py"


def loopback_config() -> str:
    """liblsl's loopback configuration, from the test peer (which does not load liblsl)."""
    if str(TESTS) not in sys.path:
        sys.path.insert(0, str(TESTS))
    from lsl_peer import LOOPBACK_CONFIG  # type: ignore[import-not-found]

    return str(LOOPBACK_CONFIG)


def simulator(*args: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [*PRESSURE, "simulate", "--pty", *args], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def case(
    rate: float, sensors: int, seconds: float, two_links: bool, workdir: Path
) -> dict[str, float]:
    common = ["--rate", f"{rate:g}", "--sensors", str(sensors), "--seconds", f"{seconds:g}"]
    sims = []
    if two_links:
        sims.append(simulator(*common, "--side", "left"))
        sims.append(simulator(*common, "--side", "right"))
        ports = [sims[0][1], "--right", sims[1][1]]
    else:
        sims.append(simulator(*common))
        ports = [sims[0][1]]
    out = workdir / f"r{rate:g}_{sensors}_{int(two_links)}.insole"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    rec = subprocess.run(
        [*PRESSURE, "record", *ports, "-o", str(out), "--seconds", f"{seconds + 2:g}"],
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    for proc, _ in sims:
        proc.kill()
        proc.wait()
    if rec.returncode != 0:
        raise SystemExit(rec.stderr)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    session = load(out)
    expected = round(seconds * rate)
    got = {s: f.n_frames for s, f in session.feet.items()}
    in_order = all(
        np.array_equal(f.vendor["seq"], np.arange(f.n_frames) & 0xFFFF)
        for f in session.feet.values()
    )
    return {
        "frames": sum(got.values()),
        "expected": 2 * expected,
        "lost": session.quality["frames_lost"] + 2 * expected - sum(got.values()),
        "in_order": float(in_order),
        "frames_per_s": sum(got.values()) / seconds,
        "cpu_pct": 100.0 * cpu / wall,
        "mb_per_min": out.stat().st_size / 1e6 / seconds * 60,
    }


def case_lsl(rate: float, seconds: float, lsl: bool, workdir: Path) -> dict[str, float]:
    """``record`` (with ``--lsl`` and a subscriber, or without) of both feet on one pty; with
    ``--lsl`` also the gait markers against ``analyze``'s events of the recording."""
    config = workdir / "lsl_api.cfg"
    config.write_text(loopback_config().replace("SESSION", f"bench-{uuid.uuid4().hex}"))
    env = {**os.environ, "LSLAPICFG": str(config)}
    sim, port = simulator("--rate", f"{rate:g}", "--seconds", f"{seconds:g}")
    out = workdir / f"lsl{int(lsl)}_{rate:g}.insole"
    name = "bench" + uuid.uuid4().hex[:8]
    extra = ["--lsl", "--lsl-name", name, "--lsl-wait-s", "60"] if lsl else []
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    argv = [*PRESSURE, "record", port, "-o", str(out), "--seconds", f"{seconds + 30:g}", *extra]
    rec = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peer = None
    if lsl:
        peer_out = workdir / f"peer_{name}.json"
        streams = [f"{name}-{s}" for s in ("left", "right", "forces", "events")]
        peer = subprocess.Popen(
            [sys.executable, str(PEER), "subscribe", str(peer_out), *streams],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert peer.stdout is not None and peer.stdout.readline().strip() == "ready"
    _, err = rec.communicate(timeout=seconds + 120)  # ends when the simulator has gone
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    sim.kill()
    sim.wait()
    if rec.returncode != 0:
        raise SystemExit(err)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    session = load(out)
    through, markers, events, worst_ms = 0, 0, 0, float("nan")
    stamps_late = {"exact_from_s": float("nan"), "late_max_ms": float("nan")}
    stamps_late |= {"late_median_ms": float("nan"), "late_p99_ms": float("nan")}
    if peer is not None:
        assert peer.stdin is not None
        peer.stdin.close()
        peer.wait(timeout=60)
        got = json.loads(peer_out.read_text())
        through = sum(len(got[f"{name}-{side}"]["samples"]) for side in ("left", "right"))
        t0 = session.metadata["session"]["lsl"]["time_at_start_s"]
        # each frame's LSL stamp against its time in the recording (no frame lost: k-th to k-th)
        late, when = [], []
        for side in ("left", "right"):
            stamped = np.asarray(got[f"{name}-{side}"]["timestamps"]) - t0
            if stamped.size == session.feet[side].n_frames:
                late.append(stamped - session.feet[side].time_s)
                when.append(session.feet[side].time_s)
        if late:
            diff, at = np.concatenate(late), np.concatenate(when)
            off = np.abs(diff) > 1e-9
            stamps_late = {
                "exact_from_s": float(at[off].max()) if off.any() else 0.0,
                "late_max_ms": 1e3 * float(diff.max()),
                "late_median_ms": 1e3 * float(np.median(diff)),
                "late_p99_ms": 1e3 * float(np.percentile(diff, 99)),
            }
        sent = got[f"{name}-events"]
        markers = len(sent["samples"])
        steps = analyze(session).steps
        events = 2 * len(steps)
        worst_ms = 0.0
        for side in ("left", "right"):
            for kind in ("heel_strike", "toe_off"):
                stamps = np.sort(
                    [
                        t - t0
                        for (label,), t in zip(sent["samples"], sent["timestamps"], strict=True)
                        if label == f"{side}_{kind}"
                    ]
                )
                truth = np.sort(steps.loc[steps.side == side, f"{kind}_s"].to_numpy())
                if stamps.size != truth.size:
                    worst_ms = float("inf")  # a marker missing or extra
                elif stamps.size:
                    worst_ms = max(worst_ms, 1e3 * float(np.abs(stamps - truth).max()))
    expected = 2 * round(seconds * rate)
    frames = sum(f.n_frames for f in session.feet.values())
    return {
        "expected": expected,
        "lost": session.quality["frames_lost"] + expected - frames,
        "through_lsl": through,
        "markers": markers,
        "events": events,
        "worst_marker_ms": worst_ms,
        **stamps_late,
        "cpu_s": cpu,  # the recorder's alone: the only child reaped between the two readings
        "wall_s": wall,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--lsl", action="store_true", help="record --lsl at 2 × 1 kHz instead")
    args = parser.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, {platform.platform()}")  # fmt: skip
    if args.lsl:
        print(
            "| record | frames lost in the file | frames through LSL | markers (analysis "
            "events) | largest marker difference | CPU s | wall s |"
        )
        print("|---|---|---|---|---|---|---|")
        with tempfile.TemporaryDirectory() as tmp:
            for lsl in (False, True):
                r = case_lsl(1000.0, args.seconds, lsl, Path(tmp))
                print(
                    f"| {'with --lsl' if lsl else 'without'} | {r['lost']:.0f} of "
                    f"{r['expected']:.0f} | {r['through_lsl'] if lsl else '-'} | "
                    + (
                        f"{r['markers']} ({r['events']}) | {r['worst_marker_ms']:.6f} ms | "
                        if lsl
                        else "- | - | "
                    )
                    + f"{r['cpu_s']:.1f} | {r['wall_s']:.1f} |",
                    flush=True,
                )
                if lsl:
                    print(
                        f"\nframe stamps against the recording's times: every stamp equal to "
                        f"1 ns from {r['exact_from_s']:.2f} s on; late by at most "
                        f"{r['late_max_ms']:.3f} ms, median {r['late_median_ms']:.6f} ms, "
                        f"99th percentile {r['late_p99_ms']:.3f} ms"
                    )
        return
    cases = [
        (1000.0, 16, True),
        (1000.0, 16, False),
        (1000.0, 99, True),
        (2000.0, 16, True),
        (5000.0, 16, False),
        (10000.0, 16, False),
    ]
    print("| rate per foot | sensors | links | frames/s in file | lost | order | recorder CPU "
          "| MB/min |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for rate, sensors, two in cases:
            r = case(rate, sensors, args.seconds, two, Path(tmp))
            print(
                f"| {rate:g} Hz | {sensors} | {'two' if two else 'one'} | "
                f"{r['frames_per_s']:,.0f} | {r['lost']:.0f} of {r['expected']:.0f} | "
                f"{'kept' if r['in_order'] else 'BROKEN'} | {r['cpu_pct']:.1f}% | "
                f"{r['mb_per_min']:.1f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
