"""Decode speed of the wire codec, run on demand: ``python benchmarks/bench_decode.py``.

Builds a capture of ``--minutes`` (default 60) of two feet at 100 Hz, then times:

* ``struct loop``: a plain per-frame decoder written here for comparison: for every frame,
  ``struct.unpack_from`` of the header, both CRCs with ``binascii.crc_hqx``, ``struct.unpack_from``
  of the payload, appended to lists, then turned into numpy arrays. No resynchronisation at all;
  it only works on a clean stream, which is what it is timed on.
* ``bulk``: ``firmware_protocol.decode_capture`` (numpy fast path, scanner where damaged), up to
  per-side arrays.
* ``stream``: ``StreamDecoder.feed`` in chunks of 4 KiB and of 64 KiB.
* ``line mode``: ``decode_capture`` of as many lines of a sketch's text (``millis()`` and 16
  counts, one foot) as the capture has instants.

Each figure is the median of ``--repeat`` runs. Both decoders' outputs are compared for equality
before any figure is printed.
"""

from __future__ import annotations

import argparse
import binascii
import statistics
import struct
import time
from collections.abc import Callable

import numpy as np
from _machine import machine

from firmware_protocol import StreamDecoder, decode_capture, encode_samples
from firmware_protocol.spec import HEADER, SAMPLE_FIXED, sample_frame_size

RATE_HZ = 100.0


def make_capture(minutes: float, n_sensors: int) -> tuple[bytes, int]:
    n = round(minutes * 60 * RATE_HZ)
    rng = np.random.default_rng(0)
    k = np.repeat(np.arange(n), 2)
    side = np.tile([0, 1], n)
    values = rng.integers(0, 4096, size=(2 * n, n_sensors))
    return encode_samples(k, side, k * 10_000, values), 2 * n


def struct_loop(data: bytes) -> dict[int, np.ndarray]:
    crc_hqx = binascii.crc_hqx
    header = HEADER
    fixed = SAMPLE_FIXED
    values: dict[int, list[tuple[int, ...]]] = {0: [], 1: []}
    seqs: dict[int, list[int]] = {0: [], 1: []}
    times: dict[int, list[int]] = {0: [], 1: []}
    view = memoryview(data)
    pos, end = 0, len(data)
    value_structs: dict[int, struct.Struct] = {}
    while pos + 8 <= end:
        sync, _version, _type, length, header_crc = header.unpack_from(data, pos)
        size = length + 10
        if sync != b"\xa5\x5a" or crc_hqx(view[pos : pos + 6], 0xFFFF) != header_crc:
            raise ValueError(f"bad header at {pos}")
        stored = int.from_bytes(view[pos + size - 2 : pos + size], "little")
        if crc_hqx(view[pos : pos + size - 2], 0xFFFF) != stored:
            raise ValueError(f"bad frame CRC at {pos}")
        seq, side, _flags, t_us = fixed.unpack_from(data, pos + 8)
        n_values = (length - 8) // 2
        vs = value_structs.get(n_values)
        if vs is None:
            vs = value_structs[n_values] = struct.Struct(f"<{n_values}H")
        values[side].append(vs.unpack_from(data, pos + 16))
        seqs[side].append(seq)
        times[side].append(t_us)
        pos += size
    return {side: np.array(v, dtype=np.uint16) for side, v in values.items()}


def bulk(data: bytes) -> dict[int, np.ndarray]:
    capture = decode_capture(data, mode="binary")
    out = {}
    for side in (0, 1):
        block = capture.frames(side)
        assert block is not None
        out[side] = block.values
    return out


def stream(data: bytes, chunk: int) -> int:
    decoder = StreamDecoder()
    frames = 0
    for start in range(0, len(data), chunk):
        for message in decoder.feed(data[start : start + chunk]):
            frames += len(message)  # type: ignore[arg-type]
    decoder.close()
    return frames


def timed(fn: Callable[[], object], repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sensors", type=int, nargs="+", default=[16, 99])
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(f"capture: {args.minutes:g} min, two feet, {RATE_HZ:g} Hz; median of {args.repeat}")
    for n_sensors in args.sensors:
        data, n_frames = make_capture(args.minutes, n_sensors)
        reference = struct_loop(data)
        fast = bulk(data)
        for side in (0, 1):
            assert np.array_equal(reference[side], fast[side]), "decoders disagree"
        assert stream(data, 65536) == n_frames
        t_loop = timed(lambda d=data: struct_loop(d), args.repeat)  # type: ignore[misc]
        t_bulk = timed(lambda d=data: bulk(d), args.repeat)  # type: ignore[misc]
        t_s4 = timed(lambda d=data: stream(d, 4096), args.repeat)  # type: ignore[misc]
        t_s64 = timed(lambda d=data: stream(d, 65536), args.repeat)  # type: ignore[misc]
        mb = len(data) / 1e6
        print(
            f"\n{n_sensors} sensors: {n_frames} frames of {sample_frame_size(n_sensors)} bytes "
            f"({mb:.1f} MB)"
        )
        print(f"  struct loop      {t_loop:8.3f} s  {n_frames / t_loop / 1e6:6.2f} M frames/s")
        print(
            f"  bulk decode      {t_bulk:8.3f} s  {n_frames / t_bulk / 1e6:6.2f} M frames/s  "
            f"{t_loop / t_bulk:5.1f}x the struct loop"
        )
        print(f"  stream, 4 KiB    {t_s4:8.3f} s  {n_frames / t_s4 / 1e6:6.2f} M frames/s")
        print(f"  stream, 64 KiB   {t_s64:8.3f} s  {n_frames / t_s64 / 1e6:6.2f} M frames/s")
    # line mode: what a hobby sketch prints, one foot, millis() then 16 ADC counts
    lines = round(args.minutes * 60 * RATE_HZ)
    text = make_lines(lines, 16)
    decoded = decode_capture(text, mode="text").frames(0)
    assert decoded is not None and len(decoded) == lines
    t_text = timed(lambda: decode_capture(text, mode="text"), args.repeat)
    print(
        f"\nline mode, millis + 16 counts: {lines} lines ({len(text) / 1e6:.1f} MB)\n"
        f"  bulk decode      {t_text:8.3f} s  {lines / t_text / 1e3:6.1f} k lines/s"
    )


def make_lines(n: int, n_sensors: int) -> bytes:
    """``n`` lines of a sketch printing ``millis(),v1,...,vn`` at 100 Hz (CR LF ends)."""
    rng = np.random.default_rng(0)
    values = rng.integers(0, 4096, size=(n, n_sensors)).tolist()
    return "".join(
        f"{120_000 + 10 * k}," + ",".join(map(str, row)) + "\r\n" for k, row in enumerate(values)
    ).encode()


if __name__ == "__main__":
    main()
