"""Shared fixtures. Real operating-system parts stay in the default run: gcc builds the C
reference, pseudo-terminals are real serial devices. Real insole hardware is opt-in."""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pressure.analysis.events import EventOptions
from pressure.model import FootRecording, Session, SideName
from pressure.simulator import SyntheticGait

ROOT = Path(__file__).resolve().parent.parent
C_DIR = ROOT / "firmware_protocol" / "c"
GCC_FLAGS = ["-std=c99", "-Wall", "-Wextra", "-Wpedantic", "-Wconversion", "-Werror", "-O2"]
SHARED_DATA = ROOT.parent / "shared" / "data"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--hardware", metavar="PORT", default=None, help="run the tests that need a real insole"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--hardware"):
        return
    skip = pytest.mark.skip(reason="needs a real insole: pass --hardware PORT")
    for item in items:
        if "hardware" in item.keywords:
            item.add_marker(skip)


def shared_data(*parts: str) -> Path:
    """A path under ../shared/data; skips (or fails under PRESSURE_REQUIRE_DATA=1) if absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        reason = f"reference data {path} is not here (it lives in ../shared/data beside the repo)"
        if os.environ.get("PRESSURE_REQUIRE_DATA") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return path


@pytest.fixture(scope="session")
def gcc() -> str:
    path = shutil.which("gcc")
    if path is None:
        pytest.fail("gcc is needed to build the C reference (apt-get install gcc)")
    return path


@pytest.fixture(scope="session")
def c_harness(gcc: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The C reference and its harness, compiled with the strict flags the spec promises."""
    out = tmp_path_factory.mktemp("c") / "fp_harness"
    sources = [str(C_DIR / "fp_protocol.c"), str(C_DIR / "fp_harness.c")]
    subprocess.run([gcc, *GCC_FLAGS, "-o", str(out), *sources], check=True)
    return out


class Harness:
    def __init__(self, path: Path) -> None:
        self._proc = subprocess.Popen(
            [str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1
        )

    def ask(self, request: str) -> str:
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.write(request + "\n")
        self._proc.stdin.flush()
        return self._proc.stdout.readline().rstrip("\n")

    def ask_until_end(self, request: str) -> list[str]:
        assert self._proc.stdout is not None
        lines = [self.ask(request)]
        while lines[-1] != "end":
            lines.append(self._proc.stdout.readline().rstrip("\n"))
        return lines[:-1]

    def close(self) -> None:
        assert self._proc.stdin is not None
        self._proc.stdin.close()
        self._proc.wait(timeout=10)


@pytest.fixture(scope="session")
def harness(c_harness: Path) -> Iterator[Harness]:
    h = Harness(c_harness)
    yield h
    h.close()


def simulated_session(gait: SyntheticGait, *, keep_dropped: bool = False) -> Session:
    """The gait as a reader would give it: kPa per sensor, the simulator's layout, dropped
    frames missing."""
    left, right = gait.values()
    sent_left, sent_right = gait.sent()
    t = np.arange(gait.n_frames) / gait.rate_hz
    feet = {}
    sides: tuple[tuple[SideName, np.ndarray, np.ndarray], ...] = (
        ("left", left, sent_left),
        ("right", right, sent_right),
    )
    for side, counts, sent in sides:
        keep = np.ones_like(sent) if keep_dropped else sent
        feet[side] = FootRecording(
            side=side,
            time_s=t[keep],
            values=(counts[keep] * gait.pressure_scale_kpa).astype(np.float64),
            unit="kpa",
            sampling_rate_hz=gait.rate_hz,
            layout=gait.layout,
        )
    return Session(
        path=Path("simulated"),
        format="simulated",
        left=feet["left"],
        right=feet["right"],
        metadata={
            "standing_separation_mm": gait.truth()["standing_separation_mm"],
            "subject": {"body_mass_kg": gait.body_mass_kg},
        },
    )


def event_level_phases(options: EventOptions | None = None) -> tuple[float, float]:
    """Stance phases (0..1) at which the simulator's force curve crosses the event detector's
    heel-strike and toe-off levels (fractions of the step's peak above a zero floor), so that
    the simulator's true contact times give the events the detector is defined to find."""
    from pressure.simulator.gait import _hump

    opt = options or EventOptions()
    s = np.linspace(0.0, 1.0, 200_001)
    force = _hump(s)
    peak = float(force.max())
    rising = s[: s.size // 2][force[: s.size // 2] >= opt.heel_strike_level * peak]
    falling = s[s.size // 2 :][force[s.size // 2 :] > opt.toe_off_level * peak]
    return float(rising[0]), float(falling[-1])


def read_terminal(controller: int, proc: subprocess.Popen[bytes] | subprocess.Popen[str],
                  timeout_s: float) -> bytes:  # fmt: skip
    """Everything a process writes to the pseudo-terminal whose other side is ``controller``,
    until it closes its side or exits (or ``timeout_s``)."""
    seen = bytearray()
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if select.select([controller], [], [], 0.5)[0]:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # the process closed its side
                break
            if not chunk:
                break
            seen += chunk
        elif proc.poll() is not None:
            break
    return bytes(seen)


#: Debian's chromium, which playwright drives for the HTML pages' tests (not its own browser)
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


def system_tool(name: str, package: str) -> str:
    """The path of a program a test needs from the system; the test fails (not skips) when it
    is missing, since ``.ci/run`` installs it."""
    path = shutil.which(name) or (name if Path(name).exists() else None)
    if path is None:
        pytest.fail(f"{name} is needed (apt-get install {package}; .ci/run installs it)")
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A headless Chromium for a test module's pages."""
    system_tool(CHROMIUM, "chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()
