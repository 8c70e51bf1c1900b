"""Files that appear whole or not at all: written beside under a unique temporary name, then
renamed over the target (``os.replace`` is atomic on one file system). A failed or killed
write leaves the old file, or none, never half a file."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path


def write_atomically(path: str | os.PathLike[str], write: Callable[[Path], object]) -> Path:
    """Call ``write(temporary)`` to fill a new file beside ``path``, then rename it to ``path``.
    The temporary file is created by ``open`` (so it gets the umask's mode, like any new file)
    under a name unique to this call, so concurrent writers of one target do not mix. Raises
    what ``write`` or the file system raise (OSError), with nothing left behind."""
    target = Path(path)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        temporary.open("xb").close()
        write(temporary)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return target


__all__ = ["write_atomically"]
