"""Write what a virtual insole would stream straight into a recording, as fast as possible.

The bytes are the ones the device sends on its link; the receipts say each group of frames
arrived at its due time (no transport latency), so the recording reads exactly like one made
by ``pressure record`` from a device whose clock matches the host's.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from firmware_protocol import encode, encode_samples

from ..errors import OutputError
from ..io.recording import FLUSH_INTERVAL_S, RecordingWriter, Role
from .signals import Signal, SignalBlock
from .sketch import SketchFormat

RECEIPT_S = 0.01  # one receipt per 10 ms of signal, like a host reading a USB link


def write_recording(
    path: str | Path,
    signal: Signal,
    *,
    session: Mapping[str, Any] | None = None,
    overwrite: bool = False,
    role: Role = "both",
    port: str = "simulator",
    sketch: SketchFormat | None = None,
    wall_ns: int = 0,
) -> int:
    """Write ``signal`` as a one-link recording; returns the number of frames written.

    ``sketch``: the link carries a hobby sketch's text lines (``SketchFormat``) instead of the
    binary protocol, and no DEVICE_INFO (a sketch sends none). ``wall_ns``: the host's wall
    clock at the start, ns since the Unix epoch (``RecordingWriter``; default 0, the epoch:
    the same signal gives the same file, and readers take it for no start time)."""
    frames = 0
    last_ns = 0
    flushed_s = 0.0
    # a fixed start time and host name: the same signal gives the same file, byte for byte
    meta = {"host": "simulator", **(session or {})}
    writer = RecordingWriter(path, session=meta, overwrite=overwrite, start_ns=0, wall_ns=wall_ns)
    try:
        link = writer.add_link(port, role)
        info = signal.info()
        if sketch is None:
            writer.device(link, info)
            writer.received(link, encode(info), 0)
        else:
            writer.received(link, sketch.preamble(info), 0)
        for block in signal.blocks():
            groups = np.floor(block.due_s / RECEIPT_S).astype(np.int64)
            cuts = np.flatnonzero(np.diff(groups)) + 1
            for part in np.split(np.arange(len(block.seq)), cuts):
                if not part.size:
                    continue
                data = _wire(block, part, info, sketch)
                due_s = float(block.due_s[part[-1]])
                last_ns = round(due_s * 1e9)
                writer.received(link, data, last_ns)
                if due_s - flushed_s >= FLUSH_INTERVAL_S:  # messages as a recorder writes them
                    writer.flush(fsync=False)
                    flushed_s = due_s
            frames += len(block.seq)
        writer.event("stopped", host_ns=last_ns)
        writer.close()
    except BaseException:
        writer.abort()  # half a simulated file is of no use: leave none
        if writer.failed is not None:  # a full disk: say that nothing was kept
            reason = writer.failed.strerror or writer.failed
            raise OutputError(path, f"cannot write: {reason}; nothing was kept") from None
        raise
    return frames


def _wire(block: SignalBlock, part: np.ndarray, info: Any, sketch: SketchFormat | None) -> bytes:
    """What the link carries for frames ``part`` of ``block``."""
    if sketch is not None:
        return sketch.lines(block.slice(int(part[0]), int(part[-1]) + 1), info)
    return encode_samples(block.seq[part], block.side[part], block.t_us[part], block.values[part])


def write_capture(
    path: str | Path,
    signal: Signal,
    *,
    overwrite: bool = False,
    sketch: SketchFormat | None = None,
) -> int:
    """Write ``signal`` as a bare wire capture (what the serial port carried, no receipts or
    metadata); returns the number of frames written. ``sketch``: as ``write_recording``."""
    frames = 0
    path = Path(path)
    info = signal.info()
    with path.open("wb" if overwrite else "xb") as f:
        try:
            f.write(encode(info) if sketch is None else sketch.preamble(info))
            for block in signal.blocks():
                f.write(_wire(block, np.arange(len(block.seq)), info, sketch))
                frames += len(block.seq)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
    return frames
