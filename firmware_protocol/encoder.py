"""Encode messages into version-1 frames (the host side of what firmware does in C)."""

from __future__ import annotations

import math
import struct
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from .crc import crc16, crc16_rows
from .errors import EncodeError
from .messages import Command, DeviceInfo, SampleFrame, Status
from .spec import (
    COMMAND_FIXED,
    HEADER,
    INFO_FIXED,
    MAX_SENSORS,
    MAX_TEXT,
    PROTOCOL_VERSION,
    SAMPLE_FIXED,
    SEQ_MODULUS,
    SET_RATE_ARG,
    STATUS_FIXED,
    SYNC,
    TIMESTAMP_MODULUS,
    CommandCode,
    MessageType,
    Side,
    sample_frame_dtype,
)


def frame_header(msg_type: int, payload_length: int) -> bytes:
    """The 8 header bytes of a frame: sync, version, type, length, header CRC."""
    head = HEADER.pack(SYNC, PROTOCOL_VERSION, msg_type, payload_length, 0)[:6]
    return head + struct.pack("<H", crc16(head))


def frame(msg_type: int, payload: bytes) -> bytes:
    """Wrap ``payload`` in a frame: header, payload, frame CRC over both."""
    body = frame_header(msg_type, len(payload)) + payload
    return body + struct.pack("<H", crc16(body))


def _check(name: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        raise EncodeError(f"{name}={value} is outside {low}..{high}")


def _rate_mhz(rate_hz: float) -> int:
    if not math.isfinite(rate_hz) or rate_hz < 0:
        raise EncodeError(f"rate_hz={rate_hz} must be a finite non-negative number")
    mhz = round(rate_hz * 1000)
    _check("rate in mHz", mhz, 0, 0xFFFFFFFF)
    return mhz


def _text(name: str, text: str) -> bytes:
    raw = text.encode("utf-8")
    if len(raw) > MAX_TEXT:
        raise EncodeError(f"{name} is {len(raw)} bytes in UTF-8; at most {MAX_TEXT} fit")
    return raw


def encode_info(info: DeviceInfo) -> bytes:
    major, minor, patch = info.firmware_version
    _check("device_id", info.device_id, 0, 0xFFFFFFFF)
    _check("firmware major", major, 0, 255)
    _check("firmware minor", minor, 0, 255)
    _check("firmware patch", patch, 0, 0xFFFF)
    _check("sensor_count", info.sensor_count, 1, MAX_SENSORS)
    _check("adc_bits", info.adc_bits, 0, 16)
    if info.side not in (Side.LEFT, Side.RIGHT, Side.BOTH, Side.UNKNOWN):
        raise EncodeError(f"side={info.side} is not 0 (left), 1 (right), 2 (both) or 255")
    if not info.layout.isascii():
        raise EncodeError(f"layout name {info.layout!r} must be ASCII")
    layout = info.layout.encode("ascii")
    if len(layout) > MAX_TEXT:
        raise EncodeError(f"layout name is {len(layout)} bytes; at most {MAX_TEXT} fit")
    payload = INFO_FIXED.pack(
        info.device_id,
        major,
        minor,
        patch,
        int(info.side),
        int(info.unit),
        info.adc_bits,
        0,
        info.sensor_count,
        0,
        _rate_mhz(info.rate_hz),
        info.scale,
    )
    return frame(MessageType.DEVICE_INFO, payload + layout)


def encode_sample(sample: SampleFrame) -> bytes:
    _check("seq", sample.seq, 0, SEQ_MODULUS - 1)
    _check("t_us", sample.t_us, 0, TIMESTAMP_MODULUS - 1)
    _check("flags", sample.flags, 0, 255)
    _check("number of values", len(sample.values), 1, MAX_SENSORS)
    if sample.side not in (Side.LEFT, Side.RIGHT):
        raise EncodeError(f"side={sample.side} of a sample must be 0 (left) or 1 (right)")
    for value in sample.values:
        _check("sensor value", value, 0, 0xFFFF)
    payload = SAMPLE_FIXED.pack(sample.seq, sample.side, sample.flags, sample.t_us)
    payload += struct.pack(f"<{len(sample.values)}H", *sample.values)
    return frame(MessageType.SAMPLE, payload)


def encode_status(status: Status) -> bytes:
    _check("code", status.code, 0, 0xFFFF)
    _check("severity", status.severity, 0, 255)
    _check("command", status.command, 0, 255)
    _check("t_us", status.t_us, 0, TIMESTAMP_MODULUS - 1)
    payload = STATUS_FIXED.pack(status.code, status.severity, status.command, status.t_us)
    return frame(MessageType.STATUS, payload + _text("status text", status.text))


def encode_command(command: Command) -> bytes:
    _check("command", command.command, 0, 255)
    payload = COMMAND_FIXED.pack(command.command, 0)
    if command.command == CommandCode.SET_RATE:
        if command.rate_hz is None:
            raise EncodeError("SET_RATE needs rate_hz")
        payload += SET_RATE_ARG.pack(_rate_mhz(command.rate_hz))
    elif command.rate_hz is not None:
        raise EncodeError("only SET_RATE takes rate_hz")
    return frame(MessageType.COMMAND, payload)


def encode(message: DeviceInfo | SampleFrame | Status | Command) -> bytes:
    """Encode one message into one frame."""
    if isinstance(message, SampleFrame):
        return encode_sample(message)
    if isinstance(message, DeviceInfo):
        return encode_info(message)
    if isinstance(message, Status):
        return encode_status(message)
    if isinstance(message, Command):
        return encode_command(message)
    raise TypeError(f"cannot encode {type(message).__name__}")


def encode_samples(
    seq: Sequence[int] | npt.NDArray[np.integer],
    side: Sequence[int] | npt.NDArray[np.integer],
    t_us: Sequence[int] | npt.NDArray[np.integer],
    values: npt.NDArray[np.integer],
    flags: Sequence[int] | npt.NDArray[np.integer] | None = None,
) -> bytes:
    """Encode many sample frames at once (vectorised); the same bytes as ``encode_sample``.

    ``values`` has shape (n_frames, n_sensors); the other arguments have n_frames entries.
    Sequence numbers and timestamps are taken modulo their wrap (2**16, 2**32).
    """
    values = np.asarray(values)
    if values.ndim != 2:
        raise EncodeError("values must have shape (n_frames, n_sensors)")
    n_frames, n_sensors = values.shape
    _check("number of values", n_sensors, 1, MAX_SENSORS)
    if values.size and (values.min() < 0 or values.max() > 0xFFFF):
        raise EncodeError("sensor values must be within 0..65535")
    side_arr = np.asarray(side)
    if side_arr.size and not np.isin(side_arr, (Side.LEFT, Side.RIGHT)).all():
        raise EncodeError("sample sides must be 0 (left) or 1 (right)")
    dtype = sample_frame_dtype(n_sensors)
    out = np.zeros(n_frames, dtype=dtype)
    header = frame_header(MessageType.SAMPLE, SAMPLE_FIXED.size + 2 * n_sensors)
    out["header"] = np.frombuffer(header, "<u8")[0]
    out["seq"] = np.asarray(seq, dtype=np.int64) % SEQ_MODULUS
    out["side"] = side_arr
    out["flags"] = 0 if flags is None else np.asarray(flags)
    out["t_us"] = np.asarray(t_us, dtype=np.int64) % TIMESTAMP_MODULUS
    out["values"] = values
    rows = out.view(np.uint8).reshape(n_frames, dtype.itemsize)
    out["crc"] = crc16_rows(rows[:, 8:-2], init=crc16(header))
    return out.tobytes()
