"""The messages of protocol version 1 as Python values.

Sample frames travel in blocks (``SampleBlock``: numpy arrays, one row per frame) because a
stream carries up to thousands of them per second; ``SampleBlock.frames()`` gives one
``SampleFrame`` per row where convenience matters more than speed.

Binary mode carries unsigned 16-bit values; line mode (PROTOCOL.md §5) carries any decimal number
and may name per-frame columns that are not sensors (an IMU, a frame counter, flags): its blocks
hold float64 values and those columns in ``SampleBlock.extra``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from .spec import Side, Unit


@dataclass(frozen=True)
class DeviceInfo:
    """Who is talking: answers REQUEST_INFO and opens every stream (PROTOCOL.md §4.1)."""

    device_id: int
    firmware_version: tuple[int, int, int]
    side: int  # Side: LEFT, RIGHT, BOTH or UNKNOWN
    sensor_count: int
    layout: str
    rate_hz: float  # nominal sample rate; carried on the wire in mHz
    unit: int = Unit.ADC_COUNTS
    adc_bits: int = 0  # resolution of raw counts; 0 when values are not raw counts
    scale: float = 1.0  # value * scale is in `unit`


@dataclass(frozen=True)
class SampleFrame:
    """One sample of one foot (PROTOCOL.md §4.2)."""

    seq: int
    side: int  # Side.LEFT or Side.RIGHT
    t_us: int  # device clock, wraps at 2**32
    values: tuple[int, ...]  # u16 on the wire (a line-mode block's frames() gives floats)
    flags: int = 0

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SampleFrame):
            return NotImplemented
        return (self.seq, self.side, self.t_us, tuple(self.values), self.flags) == (
            other.seq,
            other.side,
            other.t_us,
            tuple(other.values),
            other.flags,
        )

    def __hash__(self) -> int:
        return hash((self.seq, self.side, self.t_us, tuple(self.values), self.flags))


@dataclass(frozen=True)
class Status:
    """Acknowledgement, error or event report from the device (PROTOCOL.md §4.3)."""

    code: int
    severity: int = 0
    command: int = 0  # the command this answers; 0 when unsolicited
    t_us: int = 0
    text: str = ""


@dataclass(frozen=True)
class Command:
    """Host-to-device command (PROTOCOL.md §4.4). ``rate_hz`` only for SET_RATE."""

    command: int
    rate_hz: float | None = None


@dataclass(eq=False)
class SampleBlock:
    """Consecutive sample frames of one stream, as arrays (one row per frame).

    ``offset`` is the stream byte offset of each frame's first byte (line mode: of its line);
    ``time_us`` is the device time reconstructed across wraps and resets (PROTOCOL.md §6), -1
    for a line-mode frame without a time. ``values`` has shape (n_frames, n_sensors): uint16 in
    binary mode, float64 in line mode. ``extra`` holds line mode's named per-frame columns that
    are not sensors (``ax``, ``frame_id``, ``flags`` ...), float64 of shape (n_frames,) each;
    empty in binary mode.
    """

    seq: npt.NDArray[np.uint16]
    side: npt.NDArray[np.uint8]
    flags: npt.NDArray[np.uint8]
    t_us: npt.NDArray[np.uint32]
    time_us: npt.NDArray[np.int64]
    values: npt.NDArray[Any]  # uint16 (binary mode) or float64 (line mode)
    offset: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    extra: dict[str, npt.NDArray[np.float64]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.seq)

    @property
    def n_sensors(self) -> int:
        return int(self.values.shape[1])

    def frames(self) -> Iterator[SampleFrame]:
        """One ``SampleFrame`` per row (values as ints in binary mode, floats in line mode;
        ``extra`` is not part of a frame)."""
        for i in range(len(self.seq)):
            yield SampleFrame(
                seq=int(self.seq[i]),
                side=int(self.side[i]),
                t_us=int(self.t_us[i]),
                values=tuple(self.values[i].tolist()),
                flags=int(self.flags[i]),
            )

    def select(self, mask: npt.NDArray[np.bool_]) -> SampleBlock:
        return SampleBlock(
            seq=self.seq[mask],
            side=self.side[mask],
            flags=self.flags[mask],
            t_us=self.t_us[mask],
            time_us=self.time_us[mask],
            values=self.values[mask],
            offset=self.offset[mask],
            extra={name: column[mask] for name, column in self.extra.items()},
        )


Message = DeviceInfo | SampleBlock | Status | Command

__all__ = ["Command", "DeviceInfo", "Message", "SampleBlock", "SampleFrame", "Side", "Status"]
