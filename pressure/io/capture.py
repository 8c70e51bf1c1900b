"""Captures: files holding the raw wire stream of one link (binary or line mode).

A capture is what ``pressure simulate --out`` writes and what a serial port carried, byte for
byte; the project's own suffix is ``.insole`` but the content decides, not the name.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from firmware_protocol import (
    Capture,
    DeviceInfo,
    OnError,
    ProtocolError,
    SampleBlock,
    Side,
    Unit,
    decode_chunks,
)

from ..errors import FileFormatError

READ_CHUNK = 8 << 20
#: the ``FootRecording.unit`` of each wire unit (``raw`` when no DEVICE_INFO said)
UNIT_SUFFIX = {Unit.ADC_COUNTS: "adc", Unit.KPA: "kpa", Unit.NEWTON: "n", Unit.N_PER_CM2: "n_cm2"}
EXPECTED = (
    "expected a recording (.insole) or a capture of the wire stream: version-1 frames or "
    "line-mode text (PROTOCOL.md)"
)


def read_capture(
    path: str | Path,
    on_error: OnError = "skip",
    rate_hz: float | None = None,
    columns: Sequence[str] | None = None,
) -> Capture:
    """Decode a capture file, read in chunks so memory holds the decoded arrays and little more.

    ``on_error="skip"`` (the default) counts damage and keeps every intact frame; ``"raise"``
    stops at the first damaged byte. Raises FileFormatError (naming the file and the byte offset)
    when the file is missing, empty, not a capture, or damaged under ``"raise"``.
    """
    path = Path(path)
    try:
        with path.open("rb") as f:
            first = f.read(READ_CHUNK)
            if not first:
                raise FileFormatError(path, f"the file is empty; {EXPECTED}")
            chunks = itertools.chain([first], iter(lambda: f.read(READ_CHUNK), b""))
            return decode_chunks(chunks, on_error=on_error, rate_hz=rate_hz, columns=columns)
    except FileNotFoundError:
        raise FileFormatError(path, "no such file") from None
    except IsADirectoryError:
        raise FileFormatError(path, f"is a directory; {EXPECTED}") from None
    except ProtocolError as exc:
        if exc.kind == "not_a_capture":
            raise FileFormatError(
                path, f"unrecognised content: {exc.detail} in the first 64 KiB; {EXPECTED}"
            ) from None
        raise FileFormatError(path, f"{exc.kind}: {exc.detail}", offset=exc.offset) from None
    except OSError as exc:
        raise FileFormatError(path, f"cannot be read: {exc.strerror or exc}") from None


@dataclass
class SideSummary:
    frames: int
    sensors: list[int]  # one entry unless the device changed its sensor count mid-stream
    duration_s: float | None
    sampling_rate_hz: float | None


@dataclass
class CaptureSummary:
    """What ``pressure info`` reports. ``as_json`` gives the stable keys; ``line`` (line mode,
    else None) says what the decoder made of the lines: ``header``, ``time_column``,
    ``time_unit`` and how it was decided (``time_unit_from``: ``suffix``, ``name``, ``steps``,
    ``host receipts``), where the rate comes from (``rate_from``: ``device clock``,
    ``given rate``, ``host clock``) and the ``extras`` kept per frame."""

    path: Path
    mode: str
    sides: dict[str, SideSummary]
    counters: dict[str, int]
    devices: list[dict[str, Any]] = field(default_factory=list)
    first_errors: list[str] = field(default_factory=list)
    recording: dict[str, Any] | None = None  # what a recording adds (None for a raw capture)
    line: dict[str, Any] | None = None  # line mode: what the decoder found (Capture.line)

    @property
    def duration_s(self) -> float | None:
        spans = [s.duration_s for s in self.sides.values() if s.duration_s is not None]
        return max(spans) if spans else None

    @property
    def sampling_rate_hz(self) -> float | None:
        busiest = max(self.sides.values(), key=lambda s: s.frames, default=None)
        return None if busiest is None else busiest.sampling_rate_hz

    def as_json(self) -> dict[str, Any]:
        c = self.counters
        return {
            "file": str(self.path),
            "mode": self.mode,
            "frames": {
                "left": self.sides["left"].frames if "left" in self.sides else 0,
                "right": self.sides["right"].frames if "right" in self.sides else 0,
            },
            "frames_lost": c["frames_lost"],
            "crc_errors": c["crc_errors"],
            "bytes_skipped": c["bytes_skipped"],
            "duration_s": self.duration_s,
            "sampling_rate_hz": self.sampling_rate_hz,
            "header_errors": c["header_errors"],
            "duplicates": c["duplicates"],
            "out_of_order": c["out_of_order"],
            "malformed": c["malformed"],
            "truncated": c["truncated"],
            "bad_lines": c["bad_lines"],
            "text_lines": c.get("text_lines", 0),
            "clock_resets": c["clock_resets"],
            "bytes_total": c["bytes_total"],
            "sensors": {
                name: s.sensors[0] if len(s.sensors) == 1 else s.sensors
                for name, s in self.sides.items()
            },
            "devices": self.devices,
            "recording": self.recording,
            "line": self.line,
        }


def device_info_dict(info: DeviceInfo) -> dict[str, Any]:
    """A DEVICE_INFO as plain values (what ``info --json`` and recordings show)."""
    return {
        "device_id": info.device_id,
        "firmware_version": ".".join(str(v) for v in info.firmware_version),
        "side": {0: "left", 1: "right", 2: "both"}.get(info.side, "unknown"),
        "sensor_count": info.sensor_count,
        "layout": info.layout,
        "nominal_rate_hz": info.rate_hz,
        "unit": Unit(info.unit).name.lower(),
        "adc_bits": info.adc_bits,
        "scale": info.scale,
    }


def device_info_from_dict(values: dict[str, Any]) -> DeviceInfo | None:
    """The DEVICE_INFO that ``device_info_dict`` gave ``values``, or None when they are not
    one (a record of another version, or damaged)."""
    try:
        parts = [int(v) for v in str(values["firmware_version"]).split(".")]
        major, minor, patch = (*parts, 0, 0, 0)[:3]
        side = {"left": 0, "right": 1, "both": 2}.get(str(values["side"]), 3)
        unit = Unit[str(values["unit"]).upper()]
        info = DeviceInfo(
            int(values["device_id"]),
            (major, minor, patch),
            side,
            int(values["sensor_count"]),
            str(values["layout"]),
            float(values["nominal_rate_hz"]),
            unit,
            int(values["adc_bits"]),
            float(values["scale"]),
        )
    except (KeyError, ValueError, TypeError):
        return None
    return info if info.sensor_count > 0 and info.rate_hz > 0 else None


def side_summary(frames: int, counts: Iterable[int], time_us: np.ndarray) -> SideSummary:
    """One side's ``SideSummary``: its ``frames``, the sensor ``counts`` its blocks had, and
    the device time of each frame (µs, -1 where none) in stream order."""
    timed = time_us[time_us >= 0]
    if timed.size < 2:
        return side_summary_of(frames, counts, None, 0.0)
    period_us = float(np.median(np.diff(timed)))
    return side_summary_of(frames, counts, period_us, float(timed[-1] - timed[0]))


def side_summary_of(
    frames: int, counts: Iterable[int], period_us: float | None, span_us: float
) -> SideSummary:
    """``side_summary`` from the median period of the timed frames (µs; None for fewer than
    two) and the device time from the first to the last (µs)."""
    duration = rate = None
    if period_us is not None and period_us > 0:
        rate = round(1e6 / period_us, 3)
        # the span between the first and last sample, plus the last sample's own period
        duration = round((span_us + period_us) / 1e6, 6)
    return SideSummary(frames, sorted(set(counts)), duration, rate)


def summarize_sides(blocks: Sequence[SampleBlock]) -> dict[str, SideSummary]:
    """Each side's ``SideSummary`` over ``blocks`` in stream order."""
    sides: dict[str, SideSummary] = {}
    for side in (Side.LEFT, Side.RIGHT):
        # per block, so a sensor count that changes mid-stream (a reconfigured device) is
        # reported rather than refused
        mine = [b.select(b.side == side) for b in blocks]
        mine = [b for b in mine if len(b)]
        if not mine:
            continue
        time_us = np.concatenate([b.time_us for b in mine])
        frames = sum(len(b) for b in mine)
        sides[side.name.lower()] = side_summary(frames, [b.n_sensors for b in mine], time_us)
    return sides


def device_list(infos: Sequence[DeviceInfo]) -> list[dict[str, Any]]:
    """Each device once (by id, side and layout, the last DEVICE_INFO of each), as plain values."""
    return [
        device_info_dict(info)
        for info in {(i.device_id, i.side, i.layout): i for i in infos}.values()
    ]


def summarize_capture(path: str | Path, capture: Capture) -> CaptureSummary:
    return CaptureSummary(
        path=Path(path),
        mode=capture.mode,
        sides=summarize_sides(capture.blocks),
        counters=capture.counters.as_dict(),
        devices=device_list(capture.infos),
        first_errors=[str(e) for e in capture.errors[:5]],
        line=capture.line,
    )
