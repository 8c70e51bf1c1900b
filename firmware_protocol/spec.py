"""Wire format version 1: every constant and byte layout, declared once.

``PROTOCOL.md`` beside this file is the normative text; this module is its executable form.
All multi-byte fields are little-endian. A frame is::

    offset  size  field
    0       1     sync byte 0 (0xA5)
    1       1     sync byte 1 (0x5A)
    2       1     protocol version (1)
    3       1     message type
    4       2     payload length N in bytes (u16)
    6       2     header CRC: crc16 over bytes 0..5 (u16)
    8       N     payload
    8+N     2     frame CRC: crc16 over bytes 0..8+N-1, header included (u16)
"""

from __future__ import annotations

import enum
import struct

import numpy as np

SYNC = b"\xa5\x5a"
PROTOCOL_VERSION = 1
HEADER = struct.Struct("<2sBBHH")  # sync, version, type, payload length, header crc
HEADER_SIZE = HEADER.size  # 8
CRC_SIZE = 2
OVERHEAD = HEADER_SIZE + CRC_SIZE  # 10 bytes around every payload

CRC_INIT = 0xFFFF  # CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF, no reflection, no xorout
CRC_POLY = 0x1021

SEQ_MODULUS = 1 << 16
TIMESTAMP_MODULUS = 1 << 32  # device timestamp in µs wraps every 4294.967296 s

MAX_SENSORS = 4096
MAX_TEXT = 64  # layout name in DEVICE_INFO, message in STATUS


class MessageType(enum.IntEnum):
    DEVICE_INFO = 0x01
    SAMPLE = 0x02
    STATUS = 0x03
    COMMAND = 0x10


class Side(enum.IntEnum):
    LEFT = 0
    RIGHT = 1
    BOTH = 2  # DEVICE_INFO only: one link carries frames of both feet
    UNKNOWN = 0xFF  # DEVICE_INFO only


class Unit(enum.IntEnum):
    """What a sensor value counts; ``value * scale`` is in this unit."""

    ADC_COUNTS = 0
    KPA = 1
    NEWTON = 2
    N_PER_CM2 = 3


class CommandCode(enum.IntEnum):
    START = 0x01
    STOP = 0x02
    REQUEST_INFO = 0x03
    SET_RATE = 0x04  # argument: u32 rate in mHz
    TARE = 0x05


class StatusCode(enum.IntEnum):
    OK = 0x0000  # acknowledges the command named in the status's command field
    UNKNOWN_COMMAND = 0x0001
    BAD_ARGUMENT = 0x0002
    NOT_READY = 0x0003
    OVERRUN = 0x0010  # device dropped samples (its buffer overflowed)
    SATURATION = 0x0011
    SENSOR_FAULT = 0x0012
    LOW_BATTERY = 0x0020
    BOOT = 0x00FF  # device (re)started: sequence numbers and clock restart


class Severity(enum.IntEnum):
    INFO = 0
    WARNING = 1
    ERROR = 2


class SampleFlag(enum.IntFlag):
    NONE = 0
    DEVICE_OVERRUN = 0x01  # the device dropped samples just before this one
    SATURATED = 0x02  # at least one value is at the sensor's full scale


# Payload layouts (fixed parts); variable tails are described next to each.
INFO_FIXED = struct.Struct("<IBBHBBBBHHIf")
# device_id u32, fw_major u8, fw_minor u8, fw_patch u16, side u8, unit u8, adc_bits u8,
# reserved u8, sensor_count u16, reserved u16, rate_mhz u32, scale f32; then layout name (ASCII)
SAMPLE_FIXED = struct.Struct("<HBBI")  # seq u16, side u8, flags u8, t_us u32; then n x u16 values
STATUS_FIXED = struct.Struct(
    "<HBBI"
)  # code u16, severity u8, command u8, t_us u32; then UTF-8 text
COMMAND_FIXED = struct.Struct("<BB")  # command u8, reserved u8; then arguments
SET_RATE_ARG = struct.Struct("<I")

# Allowed payload lengths per type: (minimum, maximum).
PAYLOAD_LIMITS: dict[int, tuple[int, int]] = {
    MessageType.DEVICE_INFO: (INFO_FIXED.size, INFO_FIXED.size + MAX_TEXT),
    MessageType.SAMPLE: (SAMPLE_FIXED.size + 2, SAMPLE_FIXED.size + 2 * MAX_SENSORS),
    MessageType.STATUS: (STATUS_FIXED.size, STATUS_FIXED.size + MAX_TEXT),
    MessageType.COMMAND: (COMMAND_FIXED.size, COMMAND_FIXED.size + 4),
}
MAX_PAYLOAD = max(hi for _, hi in PAYLOAD_LIMITS.values())
MAX_FRAME = OVERHEAD + MAX_PAYLOAD

# numpy view of the fixed part of a sample frame (header + sample fields), for bulk decode.
SAMPLE_PREFIX_DTYPE = np.dtype(
    [
        ("header", "<u8"),  # the 8 header bytes as one integer: identical within a run
        ("seq", "<u2"),
        ("side", "u1"),
        ("flags", "u1"),
        ("t_us", "<u4"),
    ]
)


def sample_frame_size(n_values: int) -> int:
    """Bytes on the wire for one sample frame carrying ``n_values`` sensor values."""
    return OVERHEAD + SAMPLE_FIXED.size + 2 * n_values


def sample_frame_dtype(n_values: int) -> np.dtype:
    """Structured dtype of one whole sample frame, for ``np.frombuffer`` over a run."""
    return np.dtype(
        [
            ("header", "<u8"),
            ("seq", "<u2"),
            ("side", "u1"),
            ("flags", "u1"),
            ("t_us", "<u4"),
            ("values", "<u2", (n_values,)),
            ("crc", "<u2"),
        ]
    )
