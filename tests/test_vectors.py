"""Every golden vector, in Python and in the C reference (built by gcc in this run)."""

from __future__ import annotations

import struct
import subprocess
from pathlib import Path
from typing import Any

import pytest

from firmware_protocol import (
    DeviceInfo,
    EncodeError,
    SampleBlock,
    Status,
    StreamDecoder,
    encode,
)
from firmware_protocol.vectors import load_v1, message_from_dict

from .conftest import C_DIR, GCC_FLAGS, Harness

VECTORS = load_v1()


def py_message_dicts(messages: list[Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for m in messages:
        if isinstance(m, SampleBlock):
            for f in m.frames():
                out.append(
                    {
                        "type": "sample",
                        "seq": f.seq,
                        "side": f.side,
                        "flags": f.flags,
                        "t_us": f.t_us,
                        "values": list(f.values),
                    }
                )
        elif isinstance(m, DeviceInfo):
            out.append(
                {
                    "type": "info",
                    "device_id": m.device_id,
                    "firmware_version": list(m.firmware_version),
                    "side": m.side,
                    "unit": m.unit,
                    "adc_bits": m.adc_bits,
                    "sensor_count": m.sensor_count,
                    "rate_mhz": round(m.rate_hz * 1000),
                    "scale": m.scale,
                    "layout": m.layout,
                }
            )
        elif isinstance(m, Status):
            out.append(
                {
                    "type": "status",
                    "code": m.code,
                    "severity": m.severity,
                    "command": m.command,
                    "t_us": m.t_us,
                    "text": m.text,
                }
            )
        else:
            d: dict[str, Any] = {"type": "command", "command": m.command}
            if m.rate_hz is not None:
                d["rate_mhz"] = round(m.rate_hz * 1000)
            out.append(d)
    return out


def c_line(d: dict[str, Any]) -> str:
    """The C harness's rendering of a decoded message (see fp_harness.c)."""
    kind = d["type"]
    if kind == "sample":
        values = ",".join(str(v) for v in d["values"])
        return f"frame sample {d['seq']} {d['side']} {d['flags']} {d['t_us']} {values}"
    if kind == "status":
        text = d["text"].encode("utf-8").hex() or "-"
        return f"frame status {d['code']} {d['severity']} {d['command']} {d['t_us']} {text}"
    if kind == "command":
        return f"frame command {d['command']} {d.get('rate_mhz', 0)}"
    major, minor, patch = d["firmware_version"]
    layout = d["layout"].encode("ascii").hex() or "-"
    return (
        f"frame info {d['device_id']} {major} {minor} {patch} {d['side']} {d['unit']} "
        f"{d['adc_bits']} {d['sensor_count']} {d['rate_mhz']} {d['scale']:.9g} {layout}"
    )


def c_encode_request(d: dict[str, Any]) -> str:
    kind = d["type"]
    if kind == "sample":
        values = " ".join(str(v) for v in d["values"])
        return f"encode_sample {d['seq']} {d['side']} {d['flags']} {d['t_us']} {values}"
    if kind == "info":
        major, minor, patch = d["firmware_version"]
        return (
            f"encode_info {d['device_id']} {major} {minor} {patch} {d['side']} {d['unit']} "
            f"{d['adc_bits']} {d['sensor_count']} {d['rate_mhz']} {d['scale']!r} "
            f"{d['layout'] or '-'}"
        )
    if kind == "status":
        text = d["text"].encode("utf-8").hex() or "-"
        return f"encode_status {d['code']} {d['severity']} {d['command']} {d['t_us']} {text}"
    return f"encode_command {d['command']} {d.get('rate_mhz', 0)}"


def ids(vectors: list[dict[str, Any]]) -> list[str]:
    return [v["name"] for v in vectors]


def test_c_reference_compiles_cleanly_with_strict_flags(c_harness: Path) -> None:
    assert c_harness.exists()


def test_c_header_compiles_as_cplusplus_free_standalone(gcc: str, tmp_path: Path) -> None:
    """The encoder alone (what a sketch links) builds without the harness or libc stdio."""
    obj = tmp_path / "fp_protocol.o"
    subprocess.run(
        [gcc, *GCC_FLAGS, "-c", "-o", str(obj), str(C_DIR / "fp_protocol.c")], check=True
    )
    assert obj.stat().st_size > 0


def test_crc_check_value(harness: Harness) -> None:
    check = VECTORS["crc_check"]
    data = check["input_ascii"].encode("ascii")
    from firmware_protocol import crc16

    assert f"{crc16(data):04x}" == check["crc"]
    assert harness.ask(f"crc {data.hex()}") == check["crc"]


@pytest.mark.parametrize("vector", VECTORS["encode"], ids=ids(VECTORS["encode"]))
def test_encode_python(vector: dict[str, Any]) -> None:
    assert encode(message_from_dict(vector["message"])).hex() == vector["hex"]


@pytest.mark.parametrize("vector", VECTORS["encode"], ids=ids(VECTORS["encode"]))
def test_encode_c(vector: dict[str, Any], harness: Harness) -> None:
    assert harness.ask(c_encode_request(vector["message"])) == vector["hex"]


@pytest.mark.parametrize("vector", VECTORS["encode"], ids=ids(VECTORS["encode"]))
def test_encoded_vector_decodes_back(vector: dict[str, Any], harness: Harness) -> None:
    data = bytes.fromhex(vector["hex"])
    decoder = StreamDecoder(on_error="raise")
    messages = decoder.feed(data) + decoder.close()
    assert py_message_dicts(messages) == [vector["message"]]
    assert harness.ask_until_end(f"decode {vector['hex']}") == [c_line(vector["message"])]


@pytest.mark.parametrize("vector", VECTORS["encode_errors"], ids=ids(VECTORS["encode_errors"]))
def test_encode_errors_python(vector: dict[str, Any]) -> None:
    with pytest.raises(EncodeError):
        encode(message_from_dict(vector["message"]))


@pytest.mark.parametrize("vector", VECTORS["encode_errors"], ids=ids(VECTORS["encode_errors"]))
def test_encode_errors_c(vector: dict[str, Any], harness: Harness) -> None:
    assert harness.ask(c_encode_request(vector["message"])) == "error"


@pytest.mark.parametrize("vector", VECTORS["decode"], ids=ids(VECTORS["decode"]))
def test_decode_python(vector: dict[str, Any]) -> None:
    decoder = StreamDecoder()
    data = bytes.fromhex(vector["hex"])
    messages = decoder.feed(data) + decoder.close()
    assert py_message_dicts(messages) == vector["frames"]
    assert [[e.kind, e.offset] for e in decoder.errors] == vector["errors"]


@pytest.mark.parametrize("vector", VECTORS["decode"], ids=ids(VECTORS["decode"]))
def test_decode_python_byte_by_byte(vector: dict[str, Any]) -> None:
    """Chunk boundaries change nothing but how garbage runs are split into reports."""
    decoder = StreamDecoder()
    messages: list[Any] = []
    for byte in bytes.fromhex(vector["hex"]):
        messages += decoder.feed(bytes([byte]))
    messages += decoder.close()
    assert py_message_dicts(messages) == vector["frames"]
    kinds = [e.kind for e in decoder.errors if e.kind != "garbage"]
    assert kinds == [k for k, _ in vector["errors"] if k != "garbage"]


@pytest.mark.parametrize("vector", VECTORS["decode"], ids=ids(VECTORS["decode"]))
def test_decode_c(vector: dict[str, Any], harness: Harness) -> None:
    lines = harness.ask_until_end(f"decode {vector['hex'] or '-'}")
    frames = [line for line in lines if line.startswith("frame ")]
    errors = [line.split() for line in lines if line.startswith("error ")]
    assert frames == [c_line(f) for f in vector["frames"]]
    assert [[e[1], int(e[2])] for e in errors] == vector["errors"]


def test_decode_raise_policy_names_offset() -> None:
    vector = next(v for v in VECTORS["decode"] if v["name"] == "flipped_payload_bit")
    decoder = StreamDecoder(on_error="raise")
    with pytest.raises(Exception) as info:
        decoder.feed(bytes.fromhex(vector["hex"]))
    assert "crc_mismatch at byte offset 26" in str(info.value)


def test_scale_is_float32_on_the_wire() -> None:
    vector = next(v for v in VECTORS["encode"] if v["name"] == "info_both_feet_kpa")
    data = bytes.fromhex(vector["hex"])
    assert struct.unpack_from("<f", data, 8 + 20)[0] == 0.5
