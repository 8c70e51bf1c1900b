"""Fixtures of the reader tests: example files loaded, and converted with ``pressure convert``,
once per test run. The conformance test and a reader's own tests often check the same file;
reading a workbook like footscan's takes most of a second, so they share the work.

Tests must not change what these fixtures hand out (a session's arrays, the converted file).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pressure.cli import main as cli_main
from pressure.io.load import load
from pressure.model import Session

from .helpers import stappone_csv


class Loaded:
    """``load(path)``, once per path."""

    def __init__(self) -> None:
        self._sessions: dict[Path, Session] = {}

    def __call__(self, path: Path) -> Session:
        if path not in self._sessions:
            self._sessions[path] = load(path)
        return self._sessions[path]


class Converted:
    """``pressure convert SOURCE OUT`` to a suffix (".csv", ".parquet"), once per pair."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._files: dict[tuple[Path, str], Path] = {}

    def __call__(self, source: Path, suffix: str) -> Path:
        key = (source, suffix)
        if key not in self._files:
            out = self._folder / f"{len(self._files)}_{source.stem}{suffix}"
            assert cli_main(["convert", str(source), str(out)]) == 0
            self._files[key] = out
        return self._files[key]


@pytest.fixture(scope="session")
def loaded() -> Loaded:
    return Loaded()


@pytest.fixture(scope="session")
def converted(tmp_path_factory: pytest.TempPathFactory) -> Converted:
    return Converted(tmp_path_factory.mktemp("converted"))


@pytest.fixture(scope="session")
def stappone_session(loaded: Loaded) -> Session:
    """The stappone example, loaded once (the generic table tests convert it too)."""
    return loaded(stappone_csv())
