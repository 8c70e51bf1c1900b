"""The public surface: what ``import pressure`` offers, and what ``dir()`` and ``help()`` say."""

from __future__ import annotations

import json
import subprocess
import sys

import pressure

from .conftest import ROOT


def test_dir_lists_every_public_name_without_importing_it() -> None:
    """``dir(pressure)`` (and so tab completion) shows the lazily imported names too, and
    listing them imports nothing heavy: ``pressure --help`` must stay fast."""
    code = (
        "import json, sys, pressure; names = dir(pressure); "
        "print(json.dumps({'names': names, 'numpy': 'numpy' in sys.modules}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    got = json.loads(done.stdout)
    assert set(pressure.__all__) <= set(got["names"])
    assert {"load", "analyze", "write_report", "run_batch"} <= set(got["names"])
    assert got["names"] == sorted(got["names"])
    assert not got["numpy"]


def test_every_public_name_resolves() -> None:
    for name in pressure.__all__:
        assert getattr(pressure, name) is not None, name
    assert set(dir(pressure)) >= set(pressure.__all__)
