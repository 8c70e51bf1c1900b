"""Wire protocol version 1 for pressure-sensing insoles: spec, codec and golden vectors.

Depends only on the standard library and numpy. ``PROTOCOL.md`` beside this file is normative.
"""

from .bulk import Capture, decode_capture, decode_chunks
from .crc import crc16, crc16_rows
from .decoder import Counters, OnError, StreamDecoder
from .encoder import encode, encode_samples, frame
from .errors import EncodeError, ProtocolError
from .messages import Command, DeviceInfo, Message, SampleBlock, SampleFrame, Status
from .spec import (
    PROTOCOL_VERSION,
    CommandCode,
    MessageType,
    SampleFlag,
    Severity,
    Side,
    StatusCode,
    Unit,
)
from .text import (
    AutoDecoder,
    LineDecoder,
    Mode,
    detect_mode,
    find_mode,
    has_frame_header,
    parse_line,
)

__version__ = "1.0.0"

__all__ = [
    "PROTOCOL_VERSION",
    "AutoDecoder",
    "Capture",
    "Command",
    "CommandCode",
    "Counters",
    "DeviceInfo",
    "EncodeError",
    "LineDecoder",
    "Message",
    "MessageType",
    "Mode",
    "OnError",
    "ProtocolError",
    "SampleBlock",
    "SampleFlag",
    "SampleFrame",
    "Severity",
    "Side",
    "Status",
    "StatusCode",
    "StreamDecoder",
    "Unit",
    "crc16",
    "crc16_rows",
    "decode_capture",
    "decode_chunks",
    "detect_mode",
    "encode",
    "encode_samples",
    "find_mode",
    "frame",
    "has_frame_header",
    "parse_line",
]
