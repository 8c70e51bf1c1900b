"""A simple deterministic walking signal, written as a version-1 wire capture.

Both feet, interleaved on one link. Sensors lie along the foot from heel to toe, alternating
medial and lateral. In stance, the foot's force follows a double hump and its centre of
pressure travels from heel to toe; each sensor takes a share by its distance from that centre.
Values are 12-bit ADC counts with Gaussian noise. The same parameters and seed always give the
same bytes.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from firmware_protocol import DeviceInfo, Side, encode, encode_samples

ADC_MAX = 4095
CHUNK_FRAMES = 6000  # generated at a time, so memory does not grow with the duration
MAX_SECONDS = 7 * 24 * 3600.0


@dataclass(frozen=True)
class SimpleWalk:
    seconds: float = 10.0
    rate_hz: float = 100.0
    sensors: int = 16
    seed: int = 0
    cadence_steps_per_min: float = 110.0
    stance_fraction: float = 0.62
    left_share_pct: float = 50.0
    noise_counts: float = 4.0
    peak_counts: float = 3000.0  # the busiest sensor's value at a full foot load

    def __post_init__(self) -> None:
        if not (math.isfinite(self.seconds) and 0 < self.seconds <= MAX_SECONDS):
            raise ValueError(f"seconds must be within (0, {MAX_SECONDS:g}] (a week)")
        if not (
            math.isfinite(self.cadence_steps_per_min) and 0 < self.cadence_steps_per_min <= 300
        ):
            raise ValueError("cadence must be within (0, 300] steps per minute")
        if not 0 < self.rate_hz <= 10_000:
            raise ValueError("rate_hz must be within (0, 10000]")
        if not 1 <= self.sensors <= 4096:
            raise ValueError("sensors must be within 1..4096")
        if not 0 < self.stance_fraction < 1:
            raise ValueError("stance_fraction must be within (0, 1)")
        if not 0 <= self.left_share_pct <= 100:
            raise ValueError("left_share_pct must be within 0..100")

    @property
    def n_frames(self) -> int:
        """Samples per foot."""
        return round(self.seconds * self.rate_hz)

    def chunks(self) -> Iterator[tuple[int, npt.NDArray[np.uint16], npt.NDArray[np.uint16]]]:
        """(first frame index, left, right) for consecutive chunks of ADC counts.

        Each array has shape (frames in the chunk, sensors). The noise is drawn chunk by chunk
        from one seeded generator, so the sequence is fixed by the parameters alone.
        """
        rng = np.random.default_rng(self.seed)
        stride_s = 120.0 / self.cadence_steps_per_min
        # sensor positions along the foot, heel (0) to toe (1)
        ap = (np.arange(self.sensors) + 0.5) / self.sensors
        for first in range(0, self.n_frames, CHUNK_FRAMES):
            t_s = np.arange(first, min(first + CHUNK_FRAMES, self.n_frames)) / self.rate_hz
            out = []
            for side, share in ((0, self.left_share_pct), (1, 100.0 - self.left_share_pct)):
                phase = ((t_s / stride_s) + 0.5 * side) % 1.0
                s = phase / self.stance_fraction  # 0..1 through stance
                force = np.where(s < 1.0, np.sin(np.pi * s) + 0.25 * np.sin(3 * np.pi * s), 0.0)
                cop_ap = 0.05 + 0.85 * np.clip(s, 0, 1)
                weight = np.exp(-(((ap[None, :] - cop_ap[:, None]) / 0.18) ** 2))
                weight /= weight.max(axis=1, keepdims=True)
                load = force[:, None] * weight * (share / 50.0) * self.peak_counts
                noisy = load + rng.normal(0.0, self.noise_counts, load.shape)
                out.append(np.clip(np.round(noisy), 0, ADC_MAX).astype(np.uint16))
            yield first, out[0], out[1]

    def values(self) -> tuple[npt.NDArray[np.uint16], npt.NDArray[np.uint16]]:
        """(left, right) ADC counts of the whole walk, each of shape (n_frames, sensors)."""
        parts = list(self.chunks())
        return (
            np.concatenate([p[1] for p in parts]),
            np.concatenate([p[2] for p in parts]),
        )

    def info(self) -> DeviceInfo:
        return DeviceInfo(
            device_id=0x51A0_0000 + (self.seed & 0xFFFF),
            firmware_version=(0, 1, 0),
            side=Side.BOTH,
            sensor_count=self.sensors,
            layout=f"line{self.sensors}",
            rate_hz=self.rate_hz,
            adc_bits=12,
        )

    def capture_chunks(self) -> Iterator[bytes]:
        """DEVICE_INFO, then left and right samples interleaved, as on a two-foot link."""
        yield encode(self.info())
        for first, left, right in self.chunks():
            n = len(left)
            k = np.repeat(np.arange(first, first + n), 2)
            side = np.tile([Side.LEFT, Side.RIGHT], n)
            t_us = np.round(k * 1e6 / self.rate_hz).astype(np.int64)
            values = np.empty((2 * n, self.sensors), dtype=np.uint16)
            values[0::2], values[1::2] = left, right
            yield encode_samples(k, side, t_us, values)

    def capture_bytes(self) -> bytes:
        return b"".join(self.capture_chunks())


def write_capture(path: str | Path, walk: SimpleWalk, ground_truth: bool = False) -> int:
    """Write the capture (and, if asked, its parameters as ``<path>.truth.json``); return bytes."""
    path = Path(path)
    size = 0
    with path.open("wb") as f:
        for chunk in walk.capture_chunks():
            f.write(chunk)
            size += len(chunk)
    if ground_truth:
        truth = {"generator": "pressure.simulator.simple", **asdict(walk)}
        truth_path = path.with_name(path.name + ".truth.json")
        truth_path.write_text(json.dumps(truth, indent=2) + "\n")
    return size
