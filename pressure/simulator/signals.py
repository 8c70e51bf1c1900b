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
from ..model import FootRecording
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


class Pacer:
    """Hands out a signal's frames as their due time comes: ``take(elapsed_s)`` gives the frames
    due by ``elapsed_s`` (seconds after the stream started), at most ``max_burst_s`` of signal
    past the last frame given however late the caller is; ``whole_instants`` never splits the
    frames of one sample instant (equal ``seq``) over two calls. ``done`` once the signal is
    exhausted."""

    def __init__(
        self, blocks: Iterator[SignalBlock], max_burst_s: float, whole_instants: bool = False
    ) -> None:
        self._blocks = blocks
        self._pending: SignalBlock | None = None
        self._max_burst_s = max_burst_s
        self._whole_instants = whole_instants
        self.sent_s = 0.0  # due time of the last frame given
        self.frames = 0
        self.done = False

    def take(self, elapsed_s: float) -> list[SignalBlock]:
        """The frames due by ``elapsed_s`` (see the class)."""
        limit = min(elapsed_s, self.sent_s + self._max_burst_s)
        out = []
        while not self.done:
            if self._pending is None:
                self._pending = next(self._blocks, None)
                if self._pending is None:
                    self.done = True
                    break
            block = self._pending
            n = int(np.searchsorted(block.due_s, limit, side="right"))
            while (
                self._whole_instants and 0 < n < len(block.seq) and block.seq[n] == block.seq[n - 1]
            ):
                n -= 1
            if n:
                out.append(block.slice(0, n))
                self.sent_s = float(block.due_s[n - 1])
                self.frames += n
            if n < len(block.seq):
                self._pending = block.slice(n)
                break
            self._pending = None
        return out


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


#: Wire unit of each ``FootRecording.unit`` (uncalibrated numbers travel as counts).
_WIRE_UNIT = {"kpa": Unit.KPA, "n": Unit.NEWTON, "n_cm2": Unit.N_PER_CM2, "adc": Unit.ADC_COUNTS}
_WIRE_MAX = 65535  # sample values are u16 on the wire


class ReplaySignal:
    """A file of any format ``pressure.load`` reads, streamed as an insole would stream it, at
    its recorded pace (``speed`` times faster).

    The wire carries unsigned 16-bit values times a scale. A recording of the project's own
    keeps its device: the DEVICE_INFO it announced (``metadata["devices"]``, whose scale gives
    the recorded counts back exactly), its sequence numbers and the spacing of its device
    clock (the ``seq`` and ``device_time_s`` vendor columns), so recording a replay gives the
    same frames back. Any other file is quantised: the scale is the smallest power of ten that
    fits its largest value in 65535 (1 for counts that already fit), i.e. a resolution of at
    most 1/6553 of the largest value; sequence numbers are the frame's index in its foot's
    recording and the device clock is the session's time. Negative values (a vendor's untared
    offset) are sent as 0 and counted in ``clipped``; a frame with a missing value (NaN) is not
    sent, so the receiver sees a lost frame, as it would from a device."""

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
        device = _recorded_device(session.metadata.get("devices"), self.unit)
        largest = max(float(np.nanmax(f.values, initial=0.0)) for f in self._feet)
        # a recorded scale gives values rounded to its decimals: their counts within 1e-6
        if device is not None and _fits(self._feet, device.scale, atol=1e-6):
            self.scale = device.scale
        else:
            device = None
            if _fits(self._feet, 1.0):
                self.scale = 1.0
            else:
                self.scale = 10.0 ** math.ceil(math.log10(max(largest, 1e-12) / _WIRE_MAX))
        self._device = device
        self.clipped = sum(int(np.sum(f.values < 0)) for f in self._feet)
        layouts = {f.layout.name for f in self._feet if f.layout is not None}
        self._layout = layouts.pop() if len(layouts) == 1 else ""
        self._rate = max(f.sampling_rate_hz for f in self._feet)

    def info(self) -> DeviceInfo:
        if self._device is not None:
            return dataclasses.replace(
                self._device, side=self.side, sensor_count=self._feet[0].n_sensors
            )
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
        clocks = [f.vendor.get("device_time_s") for f in feet]
        own_clock = all(
            c is not None and len(c) == f.n_frames for c, f in zip(clocks, feet, strict=True)
        )
        clock0 = min(float(c[0]) for c in clocks if c is not None) if own_clock else t0
        parts = []
        for f, clock in zip(feet, clocks, strict=True):
            ok = np.isfinite(f.values).all(axis=1)
            k = np.flatnonzero(ok)
            seq = f.vendor.get("seq")
            if seq is not None and len(seq) == f.n_frames:
                k = seq[ok].astype(np.int64)
            counts = np.clip(np.round(f.values[ok] / self.scale), 0, _WIRE_MAX)
            device_s = (clock if own_clock and clock is not None else f.time_s)[ok] - clock0
            parts.append((f.time_s[ok] - t0, k, _side(f.side), counts.astype(np.uint16), device_s))
        due = np.concatenate([t / self.speed for t, *_ in parts])
        order = np.argsort(due, kind="stable")
        block = SignalBlock(
            due[order],
            np.concatenate([k for _, k, *_ in parts])[order],
            np.concatenate([np.full(len(k), s, np.uint8) for _, k, s, *_ in parts])[order],
            np.concatenate([np.round(d * 1e6).astype(np.int64) for *_, d in parts])[order],
            np.concatenate([v for *_, v, _ in parts])[order],
        )
        for start in range(0, len(block.seq), 6000):
            yield block.slice(start, start + 6000)


def _recorded_device(devices: object, unit: str) -> DeviceInfo | None:
    """The last DEVICE_INFO a recording names (``device_info_dict``'s form), when it speaks in
    ``unit``; None otherwise."""
    if not isinstance(devices, list) or not devices or not isinstance(devices[-1], dict):
        return None
    d = devices[-1]
    try:
        wire_unit = Unit[str(d["unit"]).upper()]
        info = DeviceInfo(
            int(d["device_id"]),
            _version(d["firmware_version"]),
            Side.BOTH,
            int(d["sensor_count"]),
            str(d["layout"]),
            float(d["nominal_rate_hz"]),
            wire_unit,
            int(d["adc_bits"]),
            float(d["scale"]),
        )
    except (KeyError, TypeError, ValueError):
        return None
    return info if _WIRE_UNIT.get(unit, Unit.ADC_COUNTS) == wire_unit and info.scale > 0 else None


def _version(text: object) -> tuple[int, int, int]:
    major, minor, patch = (int(v) for v in str(text).split("."))
    return major, minor, patch


def _fits(feet: list[FootRecording], scale: float, atol: float = 0.0) -> bool:
    """Whether every value is a whole number of ``scale`` (within ``atol`` of one) that 16 bits
    hold, so that the wire carries it exactly."""
    for f in feet:
        given = f.values[np.isfinite(f.values)] / scale
        if not np.allclose(given, np.round(given), rtol=0, atol=atol):
            return False
        if given.size and float(given.max()) > _WIRE_MAX:
            return False
    return True


def _side(name: str) -> int:
    return Side.LEFT if name == "left" else Side.RIGHT
