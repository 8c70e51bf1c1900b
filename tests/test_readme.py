"""The README's first two commands are the ones CI and new users run."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pressure.io.recording import read_recording
from pressure.simulator.gait import TRUTH_DECIMALS

from .conftest import ROOT


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text("utf-8")
    return re.findall(r"```sh\n(.+?)\n```", text)[:2]


def test_ci_runs_the_readme_test_command_exactly() -> None:
    _, setup_and_test = readme_commands()
    assert "pytest" in setup_and_test
    ci = (ROOT / ".ci" / "run").read_text("utf-8")
    assert setup_and_test in ci.splitlines()


def test_readme_main_job_names_a_bundled_sample() -> None:
    setup_and_run, _ = readme_commands()
    sample = setup_and_run.split()[-1]
    assert (ROOT / sample).is_file()


def _same_truth(made: Any, committed: Any, where: str) -> None:
    """Equal, numbers to within one unit of the ground truth's last decimal."""
    if isinstance(committed, dict):
        assert isinstance(made, dict) and list(made) == list(committed), where
        for key, value in committed.items():
            _same_truth(made[key], value, f"{where}.{key}")
    elif isinstance(committed, float) and isinstance(made, float):
        assert made == pytest.approx(committed, rel=0, abs=1.01 * 10.0**-TRUTH_DECIMALS), where
    else:
        assert made == committed and type(made) is type(committed), where


def _same_recording(made: Path, committed: Path) -> None:
    """The same links (bytes and receipt times), devices and events, and the same session but
    for its ground truth, compared at its precision."""
    a, b = read_recording(made), read_recording(committed)
    for x, y in zip(a.links, b.links, strict=True):
        assert (x.channel, x.port, x.role, x.data) == (y.channel, y.port, y.role, y.data)
        np.testing.assert_array_equal(x.receipt_end, y.receipt_end)
        np.testing.assert_array_equal(x.receipt_ns, y.receipt_ns)
    assert (a.devices, a.events, a.complete) == (b.devices, b.events, b.complete)
    truth = a.session.pop("simulated")
    _same_truth(truth, b.session.pop("simulated"), committed.name)
    assert a.session == b.session


def test_sample_data_is_reproducible(tmp_path: Path) -> None:
    """Running the generator script again gives the committed sample files byte for byte; the
    ground truth (``*.truth.json``, and the copy a recording carries) is compared at the
    precision the simulator writes it (``TRUTH_DECIMALS``): on another CPU the last digits of
    the model's sums differ, and a value could round the other way."""
    committed = {
        p.name: p.read_bytes()
        for p in (ROOT / "sample_data").iterdir()
        if p.is_file() and p.suffix != ".py"
    }
    script = (ROOT / "sample_data" / "make_samples.py").read_text("utf-8")
    copy = tmp_path / "make_samples.py"
    copy.write_text(script)
    subprocess.run([sys.executable, str(copy)], check=True, cwd=tmp_path)
    made = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.suffix != ".py"}
    assert made.keys() == committed.keys()
    for name, data in committed.items():
        if made[name] == data:
            continue
        if name.endswith(".truth.json"):
            _same_truth(json.loads(made[name]), json.loads(data), name)
        elif name.endswith(".insole"):
            _same_recording(tmp_path / name, ROOT / "sample_data" / name)
        else:
            raise AssertionError(f"{name} is not the same")


@pytest.mark.parametrize("path", sorted((ROOT / "sample_data").glob("*.insole")), ids=str)
def test_a_bundled_recording_opens_as_written(path: Path) -> None:
    """Each sample recording reads without a damaged region, a repaired receipt or a
    problem: a change of the recording format that would make them read as damaged (a CRC
    computed another way) fails here, and the samples are written again."""
    from pressure.io.load import load

    recording = read_recording(path)
    assert recording.complete and not recording.damaged
    assert not any(link.bad_receipts for link in recording.links)
    assert load(path).problems == []
