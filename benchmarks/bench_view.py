"""``pressure view`` measured as a user meets it, on demand: ``python benchmarks/bench_view.py``.

Everything runs as separate processes, as a user runs them: ``pressure view`` (the server), the
page in headless Chromium (Debian's ``chromium``, driven by playwright as the tests do) and, for
the live case, two ``pressure simulate --pty`` insoles.

**Replay.** A 1-hour two-foot 16-sensor recording at 100 Hz (360,000 frames a foot, written by
the simulator into a temporary folder). *Open*: from starting ``pressure view FILE`` until the
page has drawn frame 0 (the server printed its address, the browser loaded the page, fetched
the file's description and the first frames, drew them). *Seek*: the slider set to a random
frame anywhere in the hour (fixed seed), timed inside the page from the slider's ``input``
event to the frame drawn (``performance.now()``), over ``--seeks`` seeks. *Steps ready*: when
the step table (the analysis, run beside the server) reaches the page.

**Live.** Two simulated insoles at ``--rate`` Hz (1 kHz by default) with 16 sensors each, on
real pseudo-terminals, shown by ``pressure view --live LEFT --right RIGHT`` with the page open;
the page starts a recording, keeps it ``--seconds`` long, and stops it. *Updates*: snapshots
the page received and drew per second while recording. *Server CPU*: user + system CPU time of
the ``pressure view`` process (``/proc/PID/stat``, which includes its reader threads) over the
recording's wall time. *Lost*: frames lost in the recording (``pressure info``'s count, from the
sequence numbers), and whether each foot's sequence runs without a gap.
"""

from __future__ import annotations

import argparse
import os
import re
import selectors
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import machine

PRESSURE = [sys.executable, "-m", "pressure"]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TICKS = os.sysconf("SC_CLK_TCK")


def line_of(proc: subprocess.Popen[str], timeout_s: float = 120.0) -> str:
    assert proc.stdout is not None
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        if not sel.select(timeout_s):
            proc.kill()
            raise SystemExit(f"no line from {proc.args!r} within {timeout_s} s")
    return proc.stdout.readline()


def url_of(proc: subprocess.Popen[str]) -> str:
    text = line_of(proc)
    found = re.search(r"(http://\S+)", text)
    if not found:
        raise SystemExit(f"no address in {text!r}")
    return found.group(1)


def wait(page: Any, expression: str, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise SystemExit(f"not within {timeout_s} s: {expression}")
        time.sleep(0.01)


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def stop(procs: list[subprocess.Popen[str]]) -> None:
    for proc in reversed(procs):
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()


SEEK_JS = """async (target) => {
  const seek = document.getElementById('seek');
  const t0 = performance.now();
  seek.value = String(target);
  seek.dispatchEvent(new Event('input'));
  while (document.body.dataset.frame !== String(target)) {
    await new Promise((r) => requestAnimationFrame(r));
  }
  return performance.now() - t0;
}"""


def replay(browser: Any, minutes: float, seeks: int, folder: Path) -> None:
    import numpy as np

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_analyze import make_recording

    path = make_recording(16, minutes, folder)
    print(f"replay: {path.name}, {minutes:g} min, {path.stat().st_size / 1e6:.1f} MB")
    procs: list[subprocess.Popen[str]] = []
    try:
        started = time.perf_counter()
        proc = subprocess.Popen(
            [*PRESSURE, "view", str(path), "--no-browser"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        procs.append(proc)
        url = url_of(proc)
        printed = time.perf_counter() - started
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(url, wait_until="commit")
        wait(page, "document.body.dataset.frame === '0'")
        opened = time.perf_counter() - started
        n = int(page.inner_text("#frame-count"))
        wait(page, "document.body.dataset.steps !== undefined", timeout_s=600)
        steps_ready = time.perf_counter() - started
        rng = np.random.default_rng(7)
        times = [page.evaluate(SEEK_JS, int(rng.integers(0, n))) for _ in range(seeks)]
        ms = np.asarray(times)
        print(
            f"  address printed {printed:.2f} s, first frame drawn {opened:.2f} s after the "
            f"command started; step table ({page.evaluate('document.body.dataset.steps')} steps)"
            f" at {steps_ready:.2f} s"
        )
        print(
            f"  seek ({seeks} random frames of {n}): median {np.median(ms):.0f} ms, "
            f"95th percentile {np.percentile(ms, 95):.0f} ms, max {ms.max():.0f} ms"
        )
        page.close()
    finally:
        stop(procs)


def live(browser: Any, rate: float, seconds: float, folder: Path) -> None:
    from pressure.io.load import load

    procs: list[subprocess.Popen[str]] = []
    try:
        ports = []
        for side in ("left", "right"):
            sim = subprocess.Popen(
                [*PRESSURE, "simulate", "--pty", "--rate", f"{rate:g}", "--side", side],
                stdout=subprocess.PIPE,
                text=True,
            )
            procs.append(sim)
            ports.append(line_of(sim).strip())
        view = subprocess.Popen(
            [
                *PRESSURE,
                "view",
                "--live",
                ports[0],
                "--right",
                ports[1],
                "--out-dir",
                str(folder),
                "--no-browser",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        procs.append(view)
        url = url_of(view)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(url, wait_until="load")
        wait(page, "Number(document.body.dataset.snapshots || 0) > 20")
        page.click("#record-start")
        wait(page, "document.getElementById('record-status').textContent.startsWith('recording')")
        snaps0 = int(page.evaluate("document.body.dataset.snapshots"))
        cpu0, wall0 = cpu_s(view.pid), time.monotonic()
        time.sleep(seconds)
        snaps1 = int(page.evaluate("document.body.dataset.snapshots"))
        cpu1, wall1 = cpu_s(view.pid), time.monotonic()
        page.click("#record-stop")
        wait(page, "document.body.dataset.recorded !== undefined")
        recorded = Path(page.evaluate("document.body.dataset.recorded"))
        page.close()
        session = load(recorded)
        quality = session.quality
        frames = {side: foot.n_frames for side, foot in session.feet.items()}
        info = subprocess.run(
            [*PRESSURE, "info", str(recorded)], capture_output=True, text=True, check=False
        )
        lost_line = next(
            (ln.strip() for ln in info.stdout.splitlines() if "lost" in ln.lower()), "?"
        )
        wall = wall1 - wall0
        print(
            f"live: 2 insoles x {rate:g} Hz x 16 sensors, recorded from the page for {wall:.1f} s"
        )
        print(
            f"  page updates {(snaps1 - snaps0) / wall:.1f} per second; server process CPU "
            f"{100 * (cpu1 - cpu0) / wall:.1f} % of one core"
        )
        print(
            f"  recording: frames {frames}, frames lost {quality.get('frames_lost', 0)}, "
            f"CRC errors {quality.get('crc_errors', 0)} (pressure info: {lost_line})"
        )
    finally:
        stop(procs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0, help="replay length (60)")
    parser.add_argument("--seeks", type=int, default=30)
    parser.add_argument("--rate", type=float, default=1000.0, help="live rate per foot (1000)")
    parser.add_argument("--seconds", type=float, default=60.0, help="live recording (60)")
    parser.add_argument("--skip", choices=("replay", "live"), help="leave one part out")
    args = parser.parse_args()
    print(machine())
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            if args.skip != "replay":
                replay(browser, args.minutes, args.seeks, Path(tmp))
            if args.skip != "live":
                live(browser, args.rate, args.seconds, Path(tmp))
        finally:
            browser.close()


if __name__ == "__main__":
    main()
