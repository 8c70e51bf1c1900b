"""One reader per file format, behind ``pressure.io.load.load``.

A reader is a module with

* ``NAME``: the format's short name (``Session.format``);
* ``DESCRIPTION``: one line for people (what the files are, which suffixes);
* ``SUFFIXES``: the suffixes its files usually have — a hint only, used when the content is
  recognised by no reader, to let the likely reader say precisely what is wrong;
* ``detect(path, head) -> bool``: whether ``path`` is this format's **primary file**, decided
  by its content: ``head`` is the file's first ``pressure.io.text.HEAD_BYTES`` bytes. A
  record made of several files (WFDB ``X.hea`` + ``X.let`` + ``X.rit``) is detected on one of
  them only, so a folder scan counts each record once;
* optionally ``primary_file(path) -> Path | None``: for another part of a multi-file record,
  or a record name without suffix (``path`` need not exist), the primary file; None
  otherwise. ``primary_of(reader, path)`` asks it; a reader without one reads single files;
* ``read(path) -> Session``: the session, raising ``FileFormatError`` with the line or byte
  offset where damaged input starts. ``read`` accepts whatever ``primary_file`` maps;
* ``LIBRARIES``: the modules ``read`` imports on first use (pandas, wfdb, xlrd, parts of
  scipy...), not at import, so that importing this package stays fast; ``preload(reader)``
  imports them ahead (a batch does, before forking its workers);
* optionally ``near(path, head) -> str | None``: for a file no reader detects, whether it is
  *nearly* this format, and what it lacks, as ``"<the format as people call it>, but <what is
  missing or different>"`` (``"a Moticon OpenGo export, but its columns are comma-separated
  (expected tab-separated)"``); the message is ``"<path>: looks like " + that``. None when the
  file shows no particular sign of the format: ``near`` speaks only on evidence (a header
  field, column names of the format) and reads only ``head``. ``near_of(reader)`` gives it, or
  None for a reader without one; ``pressure.io.load.identify`` picks the closest (its
  docstring says by which rule).

Adding a format is adding a module and naming it in ``readers()``.

Metadata conventions shared by the readers: ``metadata["source"]`` credits the data set (name,
authors, license) where there is one; ``metadata["record"]`` names the record;
``metadata["subject"]`` holds subject fields with units in their names (``subject_id``,
``group``, ``sex``, ``age_yr``, ``height_m``, ``body_mass_kg``, ``gait_speed_m_s``; None
where the source says the value is missing).

The helpers the text readers share live in ``pressure.io.text`` (a leaf module); this module
is only the registry.
"""

from __future__ import annotations

import functools
import importlib
import warnings
from pathlib import Path
from typing import Protocol

from ...model import Session


class Reader(Protocol):
    """What ``load`` needs from a reader module (see the module docstring)."""

    # read-only, so that a module's constants (inferred as exact tuple types) satisfy them
    @property
    def NAME(self) -> str: ...

    @property
    def DESCRIPTION(self) -> str: ...

    @property
    def SUFFIXES(self) -> tuple[str, ...]: ...

    @property
    def LIBRARIES(self) -> tuple[str, ...]: ...

    def detect(self, path: Path, head: bytes) -> bool: ...

    def read(self, path: Path) -> Session: ...


class NearMiss(Protocol):
    """A reader's optional ``near`` (module docstring)."""

    def __call__(self, path: Path, head: bytes) -> str | None: ...


def near_of(reader: Reader) -> NearMiss | None:
    """The reader's ``near`` function, or None when it has none (it is optional)."""
    near: NearMiss | None = getattr(reader, "near", None)
    return near if callable(near) else None


def primary_of(reader: Reader, path: Path) -> Path | None:
    """``reader.primary_file(path)``, or None for a reader without one (module docstring)."""
    primary = getattr(reader, "primary_file", None)
    return primary(path) if callable(primary) else None


@functools.cache
def readers() -> tuple[Reader, ...]:
    """The registered readers, in the order ``load`` asks them: the most specific content
    checks first, the project's own line-mode text (any lines of integers) last."""
    from . import (
        emed,
        footscan,
        fscan,
        gaitndd,
        gaitpdb,
        generic_csv,
        insole,
        iscan,
        moticon,
        pedar,
        pliance,
        stappone,
        xsensor,
    )

    registered: list[Reader] = [
        gaitndd,
        gaitpdb,
        moticon,
        pedar,
        pliance,
        emed,
        fscan,
        iscan,
        xsensor,
        stappone,
        footscan,
        generic_csv,
        insole,
    ]
    return tuple(registered)


def reader_by_name(name: str) -> Reader:
    for reader in readers():
        if name == reader.NAME:
            return reader
    raise KeyError(f"no reader named {name!r}; known: {', '.join(r.NAME for r in readers())}")


def preload(reader: Reader) -> None:
    """Import the modules ``reader.read`` imports on first use (its ``LIBRARIES``), without
    the deprecation notices those libraries' own imports may give."""
    for name in reader.LIBRARIES:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", module=rf"{name.split('.')[0]}(\.|$)")
            importlib.import_module(name)


__all__ = ["NearMiss", "Reader", "near_of", "preload", "primary_of", "reader_by_name", "readers"]
