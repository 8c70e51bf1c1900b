"""Decoded sample frames of a recording or a raw capture, per foot, on one time axis.

``read_frames(path)`` is what ``info``, ``convert`` and the replaying simulator use for the
project's own files. Time (``time_s``) is in seconds from the start of the recording on the
host clock (recordings: each link's device clock mapped onto the host clock by
``recording.align_clock``), or from the first sample of the device clock (raw captures, which
carry no host times).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from firmware_protocol import Capture, Counters, DeviceInfo, OnError, ProtocolError, Side, Unit
from firmware_protocol.text import Mode

from .capture import CaptureSummary, read_capture, summarize_capture
from .recording import Link, RecordingFile, decode_recording, is_recording, read_recording

UNIT_SUFFIX = {Unit.ADC_COUNTS: "adc", Unit.KPA: "kpa", Unit.NEWTON: "n", Unit.N_PER_CM2: "n_cm2"}


@dataclass
class SideFrames:
    """One foot's frames in time order. ``values * scale`` is in ``unit`` (a column suffix:
    ``adc`` raw counts, ``kpa``, ``n``, ``n_cm2``; ``raw`` when the device never said)."""

    side: str  # "left" | "right"
    time_s: npt.NDArray[np.float64]
    device_time_s: npt.NDArray[np.float64]
    seq: npt.NDArray[np.uint16]
    values: npt.NDArray[np.uint16]  # shape (frames, sensors)
    unit: str
    scale: float
    link: int = 0

    def __len__(self) -> int:
        return len(self.seq)

    def scaled(self) -> npt.NDArray[np.float64]:
        """``values × scale`` in ``unit``, rounded to the scale's own decimals (a scale of 0.1
        gives 50.3, not 50.300000000000004)."""
        if self.scale == 1.0:
            return self.values.astype(np.float64)
        decimals = max(0, -Decimal(repr(self.scale)).as_tuple().exponent)  # type: ignore[operator]
        return np.round(self.values * self.scale, decimals)


@dataclass
class Frames:
    path: Path
    kind: str  # "recording" | "capture"
    mode: Mode  # of the first link
    sides: dict[str, SideFrames]
    counters: dict[str, int]
    captures: list[Capture]
    infos: list[DeviceInfo]
    recording: RecordingFile | None = None
    clock: list[dict[str, Any]] = field(default_factory=list)  # per link: offset and drift
    # sides left out of ``sides`` and why (a device whose sensor count changed mid-stream)
    problems: dict[str, str] = field(default_factory=dict)


def _merge_counters(captures: list[Capture]) -> dict[str, int]:
    total = Counters().as_dict()
    for capture in captures:
        for key, value in capture.counters.as_dict().items():
            total[key] += value
    return total


def _position(recording: RecordingFile, link: Link) -> int:
    return next(i for i, each in enumerate(recording.links) if each is link)


def _unit(info: DeviceInfo | None) -> tuple[str, float]:
    if info is None:
        return "raw", 1.0
    return UNIT_SUFFIX.get(Unit(info.unit), "raw"), info.scale


def _info_for(capture: Capture, side: int) -> DeviceInfo | None:
    """The last DEVICE_INFO on the link that speaks for this side (or for both)."""
    for info in reversed(capture.infos):
        if info.side in (side, Side.BOTH):
            return info
    return capture.infos[-1] if capture.infos else None


def read_frames(
    path: str | Path, on_error: OnError = "skip", rate_hz: float | None = None
) -> Frames:
    """Read a recording or a raw capture. Raises FileFormatError naming the file."""
    path = Path(path)
    if is_recording(path):
        recording = read_recording(path)
        decoded = decode_recording(recording, on_error=on_error, rate_hz=rate_hz)
        sides: dict[str, SideFrames] = {}
        problems: dict[str, str] = {}
        for link in decoded:
            index = _position(recording, link.link)
            for side in (Side.LEFT, Side.RIGHT):
                name = side.name.lower()
                try:
                    got = link.side(side)
                except ProtocolError as exc:
                    problems[name] = exc.detail
                    continue
                if got is None or name in sides:  # one link per foot; the first one wins
                    continue
                block, time_s = got
                unit, scale = _unit(_info_for(link.capture, side))
                sides[name] = SideFrames(
                    name, time_s, block.time_us / 1e6, block.seq, block.values, unit, scale, index
                )
        captures = [d.capture for d in decoded]
        return Frames(
            path,
            "recording",
            captures[0].mode if captures else "binary",
            sides,
            _merge_counters(captures),
            captures,
            [i for c in captures for i in c.infos],
            recording,
            [
                {"link": _position(recording, d.link), "port": d.link.port, **segment}
                for d in decoded
                for segment in d.segments
            ],
            problems,
        )
    capture = read_capture(path, on_error=on_error, rate_hz=rate_hz)
    sides = {}
    problems = {}
    starts = []
    for side in (Side.LEFT, Side.RIGHT):
        try:
            whole = capture.frames(side)
        except ProtocolError as exc:
            problems[side.name.lower()] = exc.detail
            continue
        if whole is None:
            continue
        block = whole
        unit, scale = _unit(_info_for(capture, side))
        device_s = block.time_us / 1e6
        starts.append(device_s[0] if device_s.size else 0.0)
        sides[side.name.lower()] = SideFrames(
            side.name.lower(), device_s, device_s, block.seq, block.values, unit, scale
        )
    t0 = min(starts, default=0.0)
    for frames in sides.values():
        frames.time_s = frames.time_s - t0
    return Frames(
        path,
        "capture",
        capture.mode,
        sides,
        capture.counters.as_dict(),
        [capture],
        capture.infos,
        problems=problems,
    )


def summarize_frames(frames: Frames) -> CaptureSummary:
    """What ``pressure info`` reports, for a recording or a capture."""
    merged = Capture(frames.mode, [b for c in frames.captures for b in c.blocks], frames.infos)
    summary = summarize_capture(frames.path, merged)
    summary.counters = frames.counters
    summary.first_errors = [str(e) for c in frames.captures for e in c.errors][:5]
    rec = frames.recording
    sides_by_link: dict[int, list[str]] = {}
    for name, side in frames.sides.items():
        sides_by_link.setdefault(side.link, []).append(name)
    if rec is not None:
        summary.recording = {
            "complete": rec.complete,
            "ignored_tail_bytes": rec.ignored_tail_bytes,
            "session": rec.session,
            "links": [
                {
                    "port": link.port,
                    "role": link.role,
                    "bytes": len(link.data),
                    "sides": sides_by_link.get(index, []),
                }
                for index, link in enumerate(rec.links)
            ],
            "file_bytes": rec.path.stat().st_size,
            "clock": frames.clock,
            "disconnects": sum(e.get("event") == "disconnected" for e in rec.events),
            "reconnects": sum(e.get("event") == "reconnected" for e in rec.events),
        }
    return summary
