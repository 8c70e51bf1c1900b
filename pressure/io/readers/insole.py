"""The project's own files: recordings (``.insole``, MCAP) and raw captures of the wire stream
(binary frames or line-mode text, PROTOCOL.md), through ``pressure.io.frames.read_frames``.

Session: per foot the frames' values scaled to the device's unit (``SideFrames.scaled()``;
``unit`` ``kpa``/``n``/``n_cm2``/``adc``, or ``raw`` when no DEVICE_INFO said), ``time_s`` as
``read_frames`` gives it (host clock of the recording, or device clock of a capture, in s from
the start), ``sampling_rate_hz`` = 1 / the median period (snapped to the device's nominal rate
within 0.1 %), ``layout`` the one the device announced when it is known
(``pressure.layouts_builtin.builtin_layout``), else None. ``quality`` = the decoder's counters
(damage is skipped and counted, as ``info`` and ``convert`` do; a recording cut by a crash is
read up to its last whole record). ``metadata``: ``session`` (the recording's session record),
``subject`` (its ``subject.*`` fields without the prefix), ``devices`` (each DEVICE_INFO),
``clock`` (per-link clock alignment), ``recording`` (complete, ignored tail bytes, links).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from firmware_protocol import (
    DeviceInfo,
    OnError,
    Side,
    detect_mode,
    has_frame_header,
    parse_line,
)

from ...errors import FileFormatError
from ...model import FootRecording, Session
from ..capture import device_info_dict
from ..frames import Frames, SideFrames, read_frames
from ..recording import MCAP_MAGIC
from ..text import head_lines, read_head, sampling_rate_hz

NAME = "insole"
DESCRIPTION = (
    "pressure recording (.insole, MCAP) or capture of the insole wire stream (binary frames or "
    "line-mode text, PROTOCOL.md)"
)
SUFFIXES = (".insole", ".bin", ".txt", ".csv", ".log")


def detect(path: Path, head: bytes) -> bool:
    """The MCAP magic of a recording, a version-1 frame header with a valid CRC, or line-mode
    text (``firmware_protocol.detect_mode``) that holds little else: at least 90 % of the
    first lines that are not comments are timestamped samples.

    Line-mode detection on a live link only needs two sample lines; a file needs more,
    because many other text tables have rows of integers (F-Scan frames, pedar area tables).
    Without timestamps the samples have no time axis, which ``read`` cannot invent."""
    if not head:
        return False
    if head.startswith(MCAP_MAGIC) or has_frame_header(head):
        return True
    lines = [
        line.strip()
        for line in head_lines(head, 200)
        if line.strip() and not line.strip().startswith("#")
    ]
    # at most 10 % of the lines may be other than timestamped samples: stop at one too many
    # (a table of numbers without timestamps fails within its first lines)
    allowed = len(lines) - math.ceil(0.9 * len(lines))
    others = 0
    for line in lines:
        parsed = parse_line(line)
        if isinstance(parsed, str) or parsed[0] is None:
            others += 1
            if others > allowed:
                return False
    return bool(lines) and detect_mode(head) == "text"


def primary_file(path: Path) -> Path | None:
    return None


def _info(frames: Frames, side_frames: SideFrames, side: Side) -> DeviceInfo | None:
    """The last DEVICE_INFO on this foot's link that speaks for it (or for both feet)."""
    if side_frames.link < len(frames.captures):
        infos = frames.captures[side_frames.link].infos
    else:
        infos = frames.infos
    for info in reversed(infos):
        if info.side in (side, Side.BOTH):
            return info
    return infos[-1] if infos else None


def preload() -> None:
    """Import the MCAP reader ``read`` uses (imported on first use)."""
    from ..recording import preload_reader

    preload_reader()


def read(path: Path, *, on_error: OnError = "skip") -> Session:
    """Read a recording or capture (module docstring). ``on_error="raise"`` stops at the first
    damaged byte instead of skipping it. Raises FileFormatError naming the file and offset."""
    from ...layouts_builtin import builtin_layout

    head = read_head(path)
    if head and not detect(path, head):  # missing and empty files: read_frames says so
        raise FileFormatError(
            path,
            "not a recording or capture: no MCAP magic, no version-1 frame header and no "
            "timestamped line-mode samples in the first 64 KiB",
            offset=0,
        )
    frames = read_frames(path, on_error=on_error)
    feet: dict[str, FootRecording] = {}
    notes: dict[str, str] = dict(frames.problems)
    for name, side in (("left", Side.LEFT), ("right", Side.RIGHT)):
        got = frames.sides.get(name)
        if got is None or len(got) == 0:
            continue
        info = _info(frames, got, side)
        nominal = info.rate_hz if info is not None and info.rate_hz > 0 else None
        rate = sampling_rate_hz(got.time_s, nominal)
        if rate is None:
            why = "one frame" if len(got) < 2 else "frames without timestamps"
            raise FileFormatError(
                path, f"no sampling rate: the {name} foot has {why} and no device said its rate"
            )
        values = got.scaled()
        layout = None
        if info is not None and info.layout:
            try:
                layout = builtin_layout(info.layout)
            except KeyError:
                notes[f"layout_{name}"] = f"unknown layout {info.layout!r}"
            if layout is not None and layout.n_sensors != values.shape[1]:
                notes[f"layout_{name}"] = (
                    f"layout {info.layout!r} has {layout.n_sensors} sensors, the frames "
                    f"{values.shape[1]}"
                )
                layout = None
        feet[name] = FootRecording(
            side="left" if name == "left" else "right",
            time_s=got.time_s,
            values=values,
            unit=got.unit,
            sampling_rate_hz=rate,
            layout=layout,
        )
    if not feet:
        raise FileFormatError(path, "no sample frames of either foot")
    metadata: dict[str, Any] = {
        "kind": frames.kind,
        "mode": frames.mode,
        "devices": [device_info_dict(i) for i in frames.infos],
    }
    if frames.clock:
        metadata["clock"] = frames.clock
    recording = frames.recording
    if recording is not None:
        session = dict(recording.session)
        metadata["session"] = session
        nested = session.get("subject")  # a nested record, should one ever be written
        subject = dict(nested) if isinstance(nested, dict) else {}
        subject.update({k[8:]: v for k, v in session.items() if k.startswith("subject.")})
        if subject:
            metadata["subject"] = subject
        # the standing geometry (distance between the insoles' centre lines), when the
        # recording says it: as a session field, or in the simulator's ground truth
        simulated = session.get("simulated")
        for source in (session, simulated if isinstance(simulated, dict) else {}):
            value = source.get("standing_separation_mm")
            if isinstance(value, (int, float)) and value > 0:
                metadata["standing_separation_mm"] = float(value)
                break
        metadata["recording"] = {
            "complete": recording.complete,
            "ignored_tail_bytes": recording.ignored_tail_bytes,
            "links": [{"port": link.port, "role": link.role} for link in recording.links],
            "events": recording.events,
        }
    metadata["record"] = path.stem
    return Session(
        path=path,
        format=NAME,
        left=feet.get("left"),
        right=feet.get("right"),
        metadata=metadata,
        quality=dict(frames.counters),
        problems=[f"{topic}: {note}" for topic, note in notes.items()],
    )
