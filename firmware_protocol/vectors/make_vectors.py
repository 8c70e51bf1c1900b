"""Write ``v1.json``: the golden vectors of protocol version 1.

Run from the repository root: ``python firmware_protocol/vectors/make_vectors.py``.

Encode vectors take their bytes from the Python encoder and are then checked, byte for byte,
against the C reference in the test suite (two implementations written separately). Decode
vectors are damaged streams whose expected result is written here *by construction* (which frames
survive and where each error starts follows from the damage done and from PROTOCOL.md §6), not
read back from a decoder. The worked example of PROTOCOL.md §4.5 is pinned by its literal hex.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

from firmware_protocol.crc import crc16
from firmware_protocol.encoder import encode, frame, frame_header
from firmware_protocol.vectors import message_from_dict

HERE = Path(__file__).resolve().parent


def sample(seq: int, side: int, t_us: int, values: list[int], flags: int = 0) -> dict[str, Any]:
    return {
        "type": "sample",
        "seq": seq,
        "side": side,
        "flags": flags,
        "t_us": t_us,
        "values": values,
    }


INFO = {
    "type": "info",
    "device_id": 42,
    "firmware_version": [1, 0, 0],
    "side": 0,
    "unit": 0,
    "adc_bits": 10,
    "sensor_count": 16,
    "rate_mhz": 100000,
    "scale": 1.0,
    "layout": "fsr16",
}
INFO_BOTH = {
    "type": "info",
    "device_id": 0xDEADBEEF,
    "firmware_version": [2, 7, 65535],
    "side": 2,
    "unit": 1,
    "adc_bits": 0,
    "sensor_count": 99,
    "rate_mhz": 50000,
    "scale": 0.5,
    "layout": "pedar-W",
}
STATUS_OK = {"type": "status", "code": 0, "severity": 0, "command": 1, "t_us": 5, "text": ""}
STATUS_TEXT = {
    "type": "status",
    "code": 0x10,
    "severity": 1,
    "command": 0,
    "t_us": 4294967295,
    "text": "dropped 3 samples, µC busy",
}
EXAMPLE = sample(1, 0, 10000, [100, 200, 300, 4095])

ENCODE: list[tuple[str, dict[str, Any]]] = [
    ("sample_worked_example", EXAMPLE),
    ("sample_one_value", sample(0, 1, 0, [0])),
    ("sample_wrap_limits", sample(65535, 1, 4294967295, [65535, 0, 65535], flags=3)),
    ("sample_16_fsr", sample(7, 0, 123456, [i * 64 for i in range(16)])),
    ("sample_99_pedar", sample(300, 1, 20000, [(i * 37) % 601 for i in range(99)])),
    ("sample_1024_grid", sample(2, 0, 1, [(i * 7919) % 65536 for i in range(1024)])),
    ("sample_sync_bytes_in_values", sample(0x5AA5, 0, 0xA55AA55A, [0x5AA5, 0xA55A, 0x5AA5])),
    ("info_left_fsr16", INFO),
    ("info_both_feet_kpa", INFO_BOTH),
    ("info_no_layout", {**INFO, "layout": "", "side": 255}),
    ("status_ack_start", STATUS_OK),
    ("status_overrun_text", STATUS_TEXT),
    ("command_start", {"type": "command", "command": 1}),
    ("command_stop", {"type": "command", "command": 2}),
    ("command_request_info", {"type": "command", "command": 3}),
    ("command_set_rate_100hz", {"type": "command", "command": 4, "rate_mhz": 100000}),
    ("command_set_rate_max", {"type": "command", "command": 4, "rate_mhz": 4294967295}),
    ("command_tare", {"type": "command", "command": 5}),
]

ENCODE_ERRORS: list[tuple[str, dict[str, Any]]] = [
    ("sample_no_values", sample(0, 0, 0, [])),
    ("sample_side_both", sample(0, 2, 0, [1])),
    ("sample_too_many_values", sample(0, 0, 0, [0] * 4097)),
    ("info_zero_sensors", {**INFO, "sensor_count": 0}),
    ("info_adc_bits_17", {**INFO, "adc_bits": 17}),
    ("info_side_3", {**INFO, "side": 3}),
    ("info_layout_too_long", {**INFO, "layout": "x" * 65}),
    ("status_text_too_long", {**STATUS_OK, "text": "y" * 65}),
]


def enc(d: dict[str, Any]) -> bytes:
    return encode(message_from_dict(d))


def decode_vectors() -> list[dict[str, Any]]:
    f1 = sample(1, 0, 10000, [100, 200, 300, 4095])
    f2 = sample(2, 0, 20000, [101, 201, 301, 4000])
    f3 = sample(3, 0, 30000, [102, 202, 302, 3900])
    r1 = sample(1, 1, 10500, [7, 8, 9, 10])
    b1, b2, b3, br = enc(f1), enc(f2), enc(f3), enc(r1)
    size = len(b1)  # 26
    vectors: list[dict[str, Any]] = []

    def add(
        name: str, data: bytes, frames: list[dict[str, Any]], errors: list[tuple[str, int]]
    ) -> None:
        vectors.append(
            {"name": name, "hex": data.hex(), "frames": frames, "errors": [list(e) for e in errors]}
        )

    info = enc(INFO)
    add("clean_stream_info_then_samples", info + b1 + b2 + b3, [INFO, f1, f2, f3], [])
    add("both_feet_one_link", info + b1 + br + b2, [INFO, f1, r1, f2], [])
    add(
        "status_and_command",
        enc(STATUS_OK) + b1 + enc({"type": "command", "command": 4, "rate_mhz": 100000}),
        [STATUS_OK, f1, {"type": "command", "command": 4, "rate_mhz": 100000}],
        [],
    )
    add("leading_garbage", b"\x00\x13\xff" + b1, [f1], [("garbage", 0)])
    add("starts_mid_frame", b1[11:] + b2, [f2], [("garbage", 0)])
    # a flipped value byte: that frame fails its CRC; the scanner drops one byte, then the rest
    # of the damaged frame up to the next sync is garbage
    bad = bytearray(b2)
    bad[17] ^= 0x01
    add(
        "flipped_payload_bit",
        b1 + bytes(bad) + b3,
        [f1, f3],
        [("crc_mismatch", size), ("garbage", size + 1)],
    )
    bad = bytearray(b2)
    bad[5] ^= 0x80  # length field: the header CRC catches it
    add(
        "flipped_length_bit",
        b1 + bytes(bad) + b3,
        [f1, f3],
        [("bad_header", size), ("garbage", size + 1)],
    )
    bad = bytearray(b2)
    bad[-1] ^= 0xFF
    add(
        "flipped_frame_crc",
        b1 + bytes(bad) + b3,
        [f1, f3],
        [("crc_mismatch", size), ("garbage", size + 1)],
    )
    add(
        "deleted_bytes",
        b1 + b2[:10] + b2[13:] + b3,
        [f1, f3],
        [("crc_mismatch", size), ("garbage", size + 1)],
    )
    add("inserted_garbage_between", b1 + b"\x01\x02\xa5" + b2, [f1, f2], [("garbage", size)])
    add(
        "frame_cut_then_next",
        b1 + b2[:15] + b3,
        [f1, f3],
        [("crc_mismatch", size), ("garbage", size + 1)],
    )
    add("truncated_at_end", b1 + b2[:20], [f1], [("truncated", size), ("garbage", size + 1)])
    add("truncated_header_at_end", b1 + b2[:5], [f1], [("truncated", size)])
    add("lone_sync_byte_at_end", b1 + b"\xa5", [f1], [("garbage", size)])
    v2 = bytearray(b"\xa5\x5a\x02\x02\x10\x00")
    v2 += struct.pack("<H", crc16(bytes(v2)))
    add("unsupported_version", bytes(v2) + b1, [f1], [("unsupported_version", 0), ("garbage", 1)])
    unknown = frame_header(0x7E, 2)
    add(
        "unknown_type",
        unknown + b"\x00\x00\x00\x00" + b1,
        [f1],
        [("unknown_type", 0), ("garbage", 1)],
    )
    odd = frame_header(0x02, 11)
    add("odd_sample_length", odd + b1, [f1], [("bad_length", 0), ("garbage", 1)])
    big = frame_header(0x02, 8202)
    add("sample_length_over_limit", big + b1, [f1], [("bad_length", 0), ("garbage", 1)])
    # CRC-valid frames whose payload breaks the spec: consumed whole, reported malformed
    side7 = frame(0x02, struct.pack("<HBBI", 5, 7, 0, 0) + b"\x01\x00")
    add("sample_side_7", side7 + b1, [f1], [("malformed_payload", 0)])
    rate_short = frame(0x10, b"\x04\x00\x01\x02")
    add("set_rate_short_argument", rate_short + b1, [f1], [("malformed_payload", 0)])
    not_utf8 = frame(0x03, struct.pack("<HBBI", 0, 0, 0, 0) + b"\xff\xfe")
    add("status_text_not_utf8", not_utf8 + b1, [f1], [("malformed_payload", 0)])
    add("empty_stream", b"", [], [])
    add("only_garbage", bytes(range(0, 64)), [], [("garbage", 0)])
    # a false sync inside garbage with a broken header must not hide the real frame behind it
    add(
        "false_sync_in_garbage",
        b"\xa5\x5a\x01\x02\x10" + b1,
        [f1],
        [("bad_header", 0), ("garbage", 1)],
    )
    return vectors


def main() -> None:
    encoded = [{"name": n, "message": m, "hex": enc(m).hex()} for n, m in ENCODE]
    out: dict[str, Any] = {
        "protocol_version": 1,
        "about": "Golden vectors of PROTOCOL.md version 1. encode: message -> exact bytes (hex). "
        "encode_errors: messages an encoder must refuse. decode: bytes -> the frames "
        "delivered, in order, and the errors (PROTOCOL.md §7 kind, byte offset), in "
        "order, when the whole input is decoded as one stream that then ends.",
        "crc_check": {"input_ascii": "123456789", "crc": "29b1"},
        "encode": encoded,
        "encode_errors": [{"name": n, "message": m} for n, m in ENCODE_ERRORS],
        "decode": decode_vectors(),
    }
    example = next(v for v in encoded if v["name"] == "sample_worked_example")
    assert example["hex"] == "a55a0102100002e401000000102700006400c8002c01ff0fb1af"
    (HERE / "v1.json").write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
