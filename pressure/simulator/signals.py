"""What a virtual insole streams: a synthetic gait, or a replayed recording.

A signal yields ``SignalBlock``s in time order: for every frame, when it is due (seconds after
the device started streaming, on the device's own pace), and what it carries (sequence number,
side, device time relative to the start, values). The device encodes and paces them; it cannot
tell where they came from.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple, Protocol

import numpy as np
import numpy.typing as npt

from firmware_protocol import DeviceInfo, Side, Unit

from ..errors import FileFormatError
from .gait import SyntheticGait


class SignalBlock(NamedTuple):
    due_s: npt.NDArray[np.float64]  # seconds after START at which each frame is sent
    seq: npt.NDArray[np.int64]
    side: npt.NDArray[np.uint8]
    t_us: npt.NDArray[np.int64]  # device time, microseconds after START (any wrap is the encoder's)
    values: npt.NDArray[np.uint16]  # (frames, sensors)

    def slice(self, start: int, stop: int | None = None) -> SignalBlock:
        part = slice(start, stop)
        return SignalBlock(
            self.due_s[part], self.seq[part], self.side[part], self.t_us[part], self.values[part]
        )


class Signal(Protocol):
    def info(self) -> DeviceInfo: ...

    def blocks(self) -> Iterator[SignalBlock]: ...

    def with_rate(self, rate_hz: float) -> Signal | None:
        """The same signal at another sample rate, or None if it has a fixed rate."""
        ...


@dataclasses.dataclass(frozen=True)
class GaitSignal:
    """A synthetic gait (``SyntheticGait``) as a device streams it: both feet interleaved on one
    link, or one foot (``side``) as a one-insole device. Frames the gait drops are not sent, so
    the receiver sees the sequence gap."""

    gait: SyntheticGait
    side: int = Side.BOTH

    def info(self) -> DeviceInfo:
        info: DeviceInfo = self.gait.info()
        return dataclasses.replace(info, side=self.side)

    def with_rate(self, rate_hz: float) -> GaitSignal:
        return dataclasses.replace(self, gait=dataclasses.replace(self.gait, rate_hz=rate_hz))

    def blocks(self) -> Iterator[SignalBlock]:
        rate = self.gait.rate_hz
        feet = [Side.LEFT, Side.RIGHT] if self.side == Side.BOTH else [self.side]
        m = len(feet)
        for chunk in self.gait.chunks():
            n = len(chunk.left)
            # frame by frame, the feet of one sample instant together (left first)
            per_foot: dict[int, tuple[npt.NDArray[np.uint16], npt.NDArray[np.bool_]]] = {
                Side.LEFT: (chunk.left, chunk.sent_left),
                Side.RIGHT: (chunk.right, chunk.sent_right),
            }
            values = np.stack([per_foot[f][0] for f in feet], axis=1).reshape(m * n, -1)
            sent = np.stack([per_foot[f][1] for f in feet], axis=1).reshape(m * n)
            k = np.repeat(np.arange(chunk.first, chunk.first + n), m)[sent]
            side = np.tile(np.array(feet, np.uint8), n)[sent]
            t_us = np.round(k * 1e6 / rate).astype(np.int64)
            yield SignalBlock(k / rate, k, side, t_us, values[sent])


class ReplaySignal:
    """Frames of a file the project reads, sent again at their recorded pace (``speed`` times
    faster). Sequence numbers, sides and values are the recorded ones, and so is the spacing of
    the device times, so recording a replay gives the same frames back."""

    def __init__(self, path: str | Path, speed: float = 1.0, side: int = Side.BOTH) -> None:
        from ..io.frames import read_frames

        self.path = Path(path)
        self.speed = speed
        self.side = side
        self.frames = read_frames(self.path)
        self._sides = [
            s for s in self.frames.sides.values() if len(s) and side in (Side.BOTH, _side(s.side))
        ]
        if not self._sides:
            raise FileFormatError(self.path, "no sample frames to replay")
        if len({s.values.shape[1] for s in self._sides}) > 1:
            raise FileFormatError(
                self.path, "the feet have different sensor counts; replay one with --side"
            )

    def info(self) -> DeviceInfo:
        first = self._sides[0]
        if self.frames.infos:
            info = self.frames.infos[-1]
            return dataclasses.replace(info, side=self.side, sensor_count=first.values.shape[1])
        span = np.diff(first.device_time_s)
        rate = 1.0 / float(np.median(span)) if span.size and np.median(span) > 0 else 100.0
        return DeviceInfo(0, (0, 0, 0), self.side, first.values.shape[1], "", round(rate, 3))

    def with_rate(self, rate_hz: float) -> None:
        return None

    def blocks(self) -> Iterator[SignalBlock]:
        sides = self._sides
        t0_dev = min(float(s.device_time_s[0]) for s in sides)
        t0 = min(float(s.time_s[0]) for s in sides)
        due = np.concatenate([(s.time_s - t0) / self.speed for s in sides])
        order = np.argsort(due, kind="stable")
        block = SignalBlock(
            due[order],
            np.concatenate([s.seq.astype(np.int64) for s in sides])[order],
            np.concatenate([np.full(len(s), _side(s.side), np.uint8) for s in sides])[order],
            np.concatenate(
                [np.round((s.device_time_s - t0_dev) * 1e6).astype(np.int64) for s in sides]
            )[order],
            np.concatenate([s.values for s in sides])[order],
        )
        for start in range(0, len(block.seq), 6000):
            yield block.slice(start, start + 6000)


#: Wire unit of each ``FootRecording.unit`` (uncalibrated numbers travel as counts).
_WIRE_UNIT = {"kpa": Unit.KPA, "n": Unit.NEWTON, "n_cm2": Unit.N_PER_CM2, "adc": Unit.ADC_COUNTS}
_WIRE_MAX = 65535  # sample values are u16 on the wire


class SessionSignal:
    """A session of any other format ``pressure.load`` reads (a pedar, F-Scan, Moticon ...
    file), streamed as an insole would stream it, at its recorded pace (``speed`` times faster).

    The wire carries unsigned 16-bit values times a scale, so the values are quantised: the
    scale is the smallest power of ten that fits the file's largest value in 65535 (1 for
    counts that already fit), i.e. a resolution of at most 1/6553 of the largest value.
    Negative values (a vendor's untared offset) are sent as 0 and counted in ``clipped``; a
    frame with a missing value (NaN) is not sent, so the receiver sees a lost frame, as it
    would from a device. Sequence numbers are the frame's index in its foot's recording."""

    def __init__(self, path: str | Path, speed: float = 1.0, side: int = Side.BOTH) -> None:
        from ..io.load import load

        self.path = Path(path)
        self.speed = speed
        self.side = side
        session = load(self.path)
        self._feet = [
            f for f in session.feet.values() if f.n_frames and side in (Side.BOTH, _side(f.side))
        ]
        if not self._feet:
            raise FileFormatError(self.path, "no sample frames to replay")
        if len({f.n_sensors for f in self._feet}) > 1:
            raise FileFormatError(
                self.path, "the feet have different sensor counts; replay one with --side"
            )
        units = {f.unit for f in self._feet}
        if len(units) > 1:
            raise FileFormatError(self.path, f"the feet have different units ({units})")
        self.unit = units.pop()
        largest = max(float(np.nanmax(f.values, initial=0.0)) for f in self._feet)
        integral = all(
            np.array_equal(
                f.values[np.isfinite(f.values)], np.round(f.values[np.isfinite(f.values)])
            )
            for f in self._feet
        )
        if integral and largest <= _WIRE_MAX:
            self.scale = 1.0
        else:
            self.scale = 10.0 ** math.ceil(math.log10(max(largest, 1e-12) / _WIRE_MAX))
        self.clipped = sum(int(np.sum(f.values < 0)) for f in self._feet)
        layouts = {f.layout.name for f in self._feet if f.layout is not None}
        self._layout = layouts.pop() if len(layouts) == 1 else ""
        self._rate = max(f.sampling_rate_hz for f in self._feet)

    def info(self) -> DeviceInfo:
        return DeviceInfo(
            0,
            (0, 0, 0),
            self.side,
            self._feet[0].n_sensors,
            self._layout[:64],
            round(self._rate, 3),
            unit=_WIRE_UNIT.get(self.unit, Unit.ADC_COUNTS),
            scale=self.scale,
        )

    def with_rate(self, rate_hz: float) -> None:
        return None

    def blocks(self) -> Iterator[SignalBlock]:
        feet = self._feet
        t0 = min(float(f.time_s[0]) for f in feet)
        parts = []
        for f in feet:
            ok = np.isfinite(f.values).all(axis=1)
            k = np.flatnonzero(ok)
            counts = np.clip(np.round(f.values[ok] / self.scale), 0, _WIRE_MAX)
            t = f.time_s[ok] - t0
            parts.append((t, k, _side(f.side), counts.astype(np.uint16)))
        due = np.concatenate([t / self.speed for t, *_ in parts])
        order = np.argsort(due, kind="stable")
        block = SignalBlock(
            due[order],
            np.concatenate([k.astype(np.int64) for _, k, _, _ in parts])[order],
            np.concatenate([np.full(len(k), s, np.uint8) for _, k, s, _ in parts])[order],
            np.concatenate([np.round(t * 1e6).astype(np.int64) for t, *_ in parts])[order],
            np.concatenate([v for *_, v in parts])[order],
        )
        for start in range(0, len(block.seq), 6000):
            yield block.slice(start, start + 6000)


def _side(name: str) -> int:
    return Side.LEFT if name == "left" else Side.RIGHT
