"""The README's first two commands are the ones CI and new users run."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

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


def test_sample_data_is_reproducible(tmp_path: Path) -> None:
    """Running the generator script again gives the committed sample files byte for byte."""
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
    assert made == committed
