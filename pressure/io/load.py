"""``load(path)``: any file format this package reads, as a ``Session``.

The content decides (each reader's ``detect`` sees the first 64 KiB); the suffix is only a
hint, used when no reader recognises the content, so that the one reader the suffix points to
can say precisely what is wrong (line, byte offset). A part of a multi-file record (a WFDB
``.let``, ``.rit`` or ``.ts``) or a record name without suffix loads the whole record. The
readers live in ``pressure.io.readers``; adding a format is adding one module there.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import FileFormatError
from ..model import Session
from .readers import Reader, readers
from .text import HEAD_BYTES


def known_formats() -> list[tuple[str, str]]:
    """(name, description) of every format ``load`` reads, in the order it tries them."""
    return [(r.NAME, r.DESCRIPTION) for r in readers()]


def _known() -> str:
    return "known formats: " + "; ".join(f"{r.NAME} ({' '.join(r.SUFFIXES)})" for r in readers())


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as f:
            return f.read(HEAD_BYTES)
    except OSError as exc:
        raise FileFormatError(path, f"cannot be read: {exc.strerror or exc}") from None


def detect_format(path: str | os.PathLike[str]) -> str | None:
    """The format whose primary file ``path`` is, by content, or None. Parts of a multi-file
    record other than its primary file give None, so a folder scan counts each record once."""
    path = Path(path)
    if not path.is_file():
        return None
    head = _head(path)
    if not head:
        return None
    return next((r.NAME for r in readers() if r.detect(path, head)), None)


def format_of(path: str | os.PathLike[str]) -> str | None:
    """The format ``load(path)`` reads ``path`` as, by content: ``detect_format``, or for
    another part of a multi-file record (the right-foot file of an F-Scan pair, a WFDB
    signal file) the format of its primary file; None when no reader takes it."""
    found = detect_format(path)
    if found is not None:
        return found
    for reader in readers():
        primary = reader.primary_file(Path(path))
        if primary is not None and detect_format(primary) == reader.NAME:
            return reader.NAME
    return None


def _describe(head: bytes) -> str:
    """A few words on what the file looks like, for the error message."""
    if b"\x00" in head or sum(b < 9 or 13 < b < 32 for b in head[:4096]) > 8:
        return "binary data"
    first = head.split(b"\n", 1)[0].rstrip(b"\r").decode("utf-8", "replace")
    return f"text starting {first[:60]!r}"


def load(path: str | os.PathLike[str]) -> Session:
    """Read a session file of any format this package reads.

    The content decides which reader reads it (module docstring); the suffix is only a hint.

    Parameters
    ----------
    path : str or path
        The file (or any part of a multi-file record, or a record name without suffix).

    Returns
    -------
    Session
        Both feet's samples (time in s, each sensor's values in the file's unit: kPa, N/cm²,
        N, ADC counts or raw numbers), the sensor layout where known, and what the file says
        (metadata, vendor events, the reader's quality counts).

    Raises
    ------
    FileFormatError
        Naming the file when it is missing, empty, a directory or of no known format
        (listing the formats), and, from the readers, with the line or byte offset where
        damaged input starts.
    """
    path = Path(path)
    if path.is_dir():
        raise FileFormatError(path, f"is a directory; give one file ({_known()})")
    if not path.exists():
        for reader in readers():
            if reader.primary_file(path) is not None:  # a record name without its suffix
                return reader.read(path)
        raise FileFormatError(path, "no such file")
    head = _head(path)
    if not head:
        raise FileFormatError(path, f"the file is empty; {_known()}")
    for reader in readers():
        if reader.detect(path, head):
            return reader.read(path)
    for reader in readers():
        if reader.primary_file(path) is not None:
            return reader.read(path)
    suffix = path.suffix.lower()
    hinted: list[Reader] = [r for r in readers() if suffix in r.SUFFIXES]
    if len(hinted) == 1:  # let the one candidate say what is wrong, with line or offset
        return hinted[0].read(path)
    candidates = f" (files ending {suffix} are {' or '.join(r.NAME for r in hinted)})"
    raise FileFormatError(
        path,
        f"not a format this program reads: {_describe(head)}"
        f"{candidates if hinted else ''}; {_known()}",
        offset=0,
    )


__all__ = ["detect_format", "format_of", "known_formats", "load"]
