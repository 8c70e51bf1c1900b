"""The maker's whole path, as the README's "Home-made insoles" section walks it, on a simulated
board (a sketch printing millis() and inverted 12-bit counts, no header) through a real
pseudo-terminal: record, profile init, analyse with the profile."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from firmware_protocol import Side
from pressure.cli import main
from pressure.profile import InsoleProfile
from pressure.simulator import GaitSignal, SyntheticGait
from pressure.simulator.device import PtyInsole
from pressure.simulator.sketch import SketchFormat, SketchInsole

CADENCE = 104.0
SECONDS = 7.0


@pytest.fixture
def board() -> Iterator[PtyInsole]:
    """A one-insole board on a pty, printing from power-up (line mode has no START)."""
    gait = SyntheticGait(
        seconds=SECONDS, rate_hz=100.0, sensors=16, seed=5, cadence_steps_per_min=CADENCE
    )
    sketch = SketchFormat("bare", adc_bits=12, invert=True, start_ms=120_000)
    pty = PtyInsole(SketchInsole(GaitSignal(gait, Side.RIGHT), sketch))
    # the board starts printing when it is served; the recorder opens the port first
    yield pty
    pty.stop()
    pty.close()


def _serve(pty: PtyInsole) -> threading.Thread:
    thread = threading.Thread(target=pty.run, kwargs={"linger_s": 30.0}, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize("how", ["profile", "side"])
def test_record_profile_analyse(
    board: PtyInsole, tmp_path: Path, capsys: pytest.CaptureFixture[str], how: str
) -> None:
    walk = tmp_path / "walk.insole"
    record = ["record", board.path, "-o", str(walk)]
    if how == "profile":  # the board prints no header: a profile names its columns and foot
        first = tmp_path / "first.toml"
        names = ", ".join(['"millis"', *(f'"fsr{k}"' for k in range(1, 17))])
        first.write_text(f'columns = [{names}]\nside = "right"\n')
        record += ["--profile", str(first)]
    else:  # or the option alone: the bare first column runs like a clock, so it is the time
        record += ["--side", "right"]
    server = None
    try:
        server = _serve(board)
        # the recording stops when the board's signal ends (it stops printing) or at --seconds
        assert main([*record, "--seconds", str(SECONDS - 1), "--status-interval", "0"]) == 0
    finally:
        board.stop()
        if server is not None:
            server.join(10)
    err = capsys.readouterr().err
    # the board's lines carry no side: the profile's foot counts them, live and at the end
    assert re.search(r"saved \S+: [\d.]+ s, 0 left and [1-9]\d* right frames", err), err

    profile = tmp_path / "board.toml"
    assert main(["profile", "init", str(walk), "-o", str(profile)]) == 0
    made = InsoleProfile.read(profile)
    assert made.side == "right"
    assert made.invert is True  # the template saw readings near full scale most of the time

    assert main(["analyze", str(walk), "--profile", str(profile), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    gait = result["gait"]
    assert gait["steps"]["left"] is None or gait["steps"]["left"] == 0
    assert gait["steps"]["right"] >= 4  # 7 s at 104 steps/min: 6 steps of the right foot
    assert gait["cadence_steps_per_min"] == pytest.approx(CADENCE, rel=0.05)
    assert result["sampling_rate_hz"] == pytest.approx(100.0, rel=0.02)
