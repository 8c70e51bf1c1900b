"""Files that appear whole or not at all: filled under no name (or a hidden temporary one), then
given the target's name in one step. A failed or killed write leaves the old file, or none,
never half a file.

On Linux the new file is an unnamed ``O_TMPFILE`` in the target's folder and is linked under
its name only once written, so even ``kill -9`` during the write leaves nothing behind (the
kernel frees an unnamed file when its last descriptor closes). Elsewhere, or on a file system
without ``O_TMPFILE``, it is written as ``.<name>.<pid>.<random>.tmp`` beside the target and
renamed over it (``os.replace`` is atomic on one file system); only a killed process can leave
that hidden file behind.
"""

from __future__ import annotations

import contextlib
import errno
import os
import uuid
from collections.abc import Callable
from pathlib import Path

#: what an output that exists already and may not be replaced is told
EXISTS = "already exists; choose another name or pass --overwrite"

# errors that say "this folder's file system cannot make unnamed files"
_NO_TMPFILE = {errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL, errno.ENOENT}


def write_atomically(
    path: str | os.PathLike[str],
    write: Callable[[Path], object],
    *,
    overwrite: bool = True,
) -> Path:
    """Call ``write(temporary)`` to fill a new file in the folder of ``path`` (``temporary`` is
    a path that opens that file; its name says nothing about the target, so ``write`` must not
    read a format from it), then give it the name ``path``. The file gets the umask's mode,
    like any new file.

    ``overwrite=False`` never replaces an existing ``path``: the name is taken with ``link``,
    which fails if it exists, so another process creating ``path`` meanwhile is not clobbered
    either. Raises ``FileExistsError`` then, and whatever ``write`` or the file system raise
    (OSError), with nothing left behind."""
    target = Path(path)
    if hasattr(os, "O_TMPFILE") and Path("/proc/self/fd").is_dir():
        try:
            fd = os.open(target.parent, os.O_TMPFILE | os.O_WRONLY, 0o666)
        except OSError as exc:
            if exc.errno not in _NO_TMPFILE:
                raise
        else:
            try:
                _write_unnamed(fd, target, write, overwrite)
            finally:
                os.close(fd)
            return target
    return _write_named(target, write, overwrite)


def _write_unnamed(fd: int, target: Path, write: Callable[[Path], object], overwrite: bool) -> None:
    """Fill the unnamed file ``fd`` and link it as ``target``."""
    unnamed = f"/proc/self/fd/{fd}"
    write(Path(unnamed))
    folder = os.open(target.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        # a dir fd makes os.link use linkat(..., AT_SYMLINK_FOLLOW), which links the file the
        # /proc entry stands for (link() would try to link the /proc entry itself)
        try:
            os.link(unnamed, target.name, dst_dir_fd=folder)
            return
        except FileExistsError:
            if not overwrite:
                raise _exists(target) from None
        temporary = _temporary_name(target)  # to replace the file in one step
        os.link(unnamed, temporary.name, dst_dir_fd=folder)
        try:
            os.replace(temporary, target)
        finally:
            temporary.unlink(missing_ok=True)
    finally:
        os.close(folder)


def _write_named(target: Path, write: Callable[[Path], object], overwrite: bool) -> Path:
    temporary = _temporary_name(target)
    try:
        temporary.open("xb").close()
        write(temporary)
        if overwrite:
            os.replace(temporary, target)
        else:
            try:
                os.link(temporary, target)  # fails if the target exists
            except FileExistsError:
                raise _exists(target) from None
            except OSError:  # a file system without hard links: check, then rename
                if target.exists():
                    raise _exists(target) from None
                os.replace(temporary, target)
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
    return target


def _exists(target: Path) -> FileExistsError:
    return FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(target))


def _temporary_name(target: Path) -> Path:
    """A hidden name beside ``target``, unique to this call (concurrent writers do not mix)."""
    return target.with_name(f".{target.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")


__all__ = ["write_atomically"]


def write_output(
    path: str | os.PathLike[str],
    write: Callable[[Path], object],
    *,
    overwrite: bool,
    what: str | None = None,
) -> None:
    """``write_atomically``, with the commands' errors: ``UsageError`` for an existing file
    (replaced only with ``overwrite``), ``OutputError`` naming the file (and ``what`` it is)
    for a write that fails (a full disk, a folder that is not there)."""
    from ..errors import OutputError, UsageError

    try:
        write_atomically(path, write, overwrite=overwrite)
    except FileExistsError:
        raise UsageError(f"{path}: {EXISTS}") from None
    except OSError as exc:
        thing = f" the {what}" if what else ""
        raise OutputError(Path(path), f"cannot write{thing}: {exc.strerror or exc}") from None
