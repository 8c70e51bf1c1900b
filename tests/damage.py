"""Damage for recordings, shared by the tests of the whole reader (``test_recording_damage``)
and the streaming one (``test_source``): every header field of every record, to flip a bit in
(walked by MCAP's layout: opcode u8, length u64; https://mcap.dev/spec), and bytes inserted,
deleted or zeroed."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from firmware_protocol import DeviceInfo, Side, Unit, encode, encode_samples
from pressure.io.recording import RecordingWriter

#: the recording the damage tests make: two links, ``SENSORS`` sensors at ``RATE`` Hz,
#: ``SECONDS`` s each, flushed every ``FLUSH_S``
RATE = 200.0
SENSORS = 6
SECONDS = 10
FLUSH_S = 0.25
#: frames a foot per flushed block
PER_BLOCK = int(RATE * FLUSH_S)


def side_info(side: int) -> DeviceInfo:
    """The DEVICE_INFO of the damage tests' insole on ``side``."""
    return DeviceInfo(10 + side, (1, 0, 0), side, SENSORS, "sim6", RATE, Unit.KPA, 0, 0.5)


def side_stream(side: int) -> bytes:
    """``SECONDS`` of random frames of one insole, as its wire sends them."""
    rng = np.random.default_rng(side)
    n = int(RATE * SECONDS)
    k = np.arange(n)
    values = rng.integers(0, 4000, (n, SENSORS), dtype=np.uint16)
    t_us = np.round(k * 1e6 / RATE).astype(np.int64)
    return encode(side_info(side)) + encode_samples(k, np.full(n, side), t_us, values)


@dataclass(frozen=True)
class Field:
    name: str
    offset: int  # in the file
    size: int  # bytes


def _string(raw: bytes, at: int, name: str) -> tuple[list[Field], int]:
    (n,) = struct.unpack_from("<I", raw, at)
    fields = [Field(f"{name} length", at, 4)]
    if n:
        fields.append(Field(f"{name} text", at + 4, min(n, 4)))
    return fields, at + 4 + n


def _map(raw: bytes, at: int, name: str) -> list[Field]:
    (n,) = struct.unpack_from("<I", raw, at)
    fields = [Field(f"{name} byte length", at, 4)]
    if n:
        key, _ = _string(raw, at + 4, f"{name} first key")
        fields += key
    return fields


def record_fields(raw: bytes) -> Iterator[tuple[str, list[Field]]]:
    """Every record (its kind and position) and its header fields."""
    at, count = 8, dict[str, int]()
    while at + 9 <= len(raw) - 8:
        opcode, length = struct.unpack_from("<BQ", raw, at)
        body = at + 9
        kind = {1: "header", 2: "footer", 4: "channel", 5: "message", 11: "statistics"}.get(
            opcode, {12: "metadata", 13: "metadata index", 14: "summary offset"}.get(opcode, "")
        )
        kind = kind or {15: "data end"}.get(opcode, f"opcode {opcode}")
        fields = [Field("opcode", at, 1), Field("record length", at + 1, 8)]
        if opcode == 1:
            profile, next_at = _string(raw, body, "profile")
            fields += profile + _string(raw, next_at, "library")[0]
        elif opcode == 4:
            fields += [Field("channel id", body, 2), Field("schema id", body + 2, 2)]
            topic, next_at = _string(raw, body + 4, "topic")
            encoding, next_at = _string(raw, next_at, "message encoding")
            fields += topic + encoding + _map(raw, next_at, "metadata")
        elif opcode == 5:
            fields += [
                Field("channel id", body, 2),
                Field("sequence", body + 2, 4),
                Field("log time", body + 6, 8),
                Field("publish time", body + 14, 8),
            ]
            payload = body + 22
            if raw[payload] != ord("{"):  # a wire block (an event is JSON)
                (n,) = struct.unpack_from("<I", raw, payload)
                fields += [
                    Field("block receipt count", payload, 4),
                    Field("block first receipt end", payload + 4, 4),
                    Field("block first receipt host_ns", payload + 8, 8),
                    Field("block last receipt host_ns", payload + 4 + 12 * n - 8, 8),
                    Field("block wire byte", payload + 4 + 12 * n + 30, 1),
                    Field("block crc", body + length - 4, 4),
                ]
            else:
                fields.append(Field("event text", payload + 2, 4))
        elif opcode == 12:
            name, next_at = _string(raw, body, "name")
            fields += name + _map(raw, next_at, "metadata")
        elif opcode == 15:
            fields.append(Field("data section crc", body, 4))
        elif opcode == 2:
            fields += [
                Field("summary start", body, 8),
                Field("summary offset start", body + 8, 8),
                Field("summary crc", body + 16, 4),
            ]
        else:
            fields.append(Field("first content byte", body, 1))
        key = kind
        count[key] = count.get(key, 0) + 1
        yield f"{kind} {count[key]}", fields
        at = body + length


def flip_cases(raw: bytes) -> list[tuple[str, int, int]]:
    """(name, byte offset, bit) for the lowest and the highest bit of every field of every
    record, except the message records other than the first three, the middle one and the
    last three (their fields are the same as those tested; the last blocks of a link have
    no intact block after them)."""
    records = list(record_fields(raw))
    messages = [i for i, (name, _) in enumerate(records) if name.startswith("message")]
    keep = {*messages[:3], messages[len(messages) // 2], *messages[-3:]}
    cases = []
    for i, (record, fields) in enumerate(records):
        if record.startswith("message") and i not in keep:
            continue
        for f in fields:
            for bit in (0, 8 * f.size - 1):
                at = f.offset + bit // 8
                cases.append((f"{record}: {f.name} bit {bit}", at, bit % 8))
    return cases


def damaged_copy(raw: bytes, kind: str, at: int, rng: np.random.Generator) -> bytes:
    """``raw`` with 1-16 random bytes inserted (``kind`` "insert") or deleted ("delete") at
    ``at``, or the 4 KiB page from ``at`` zeroed ("zero"); ``rng`` draws the size and bytes."""
    damaged = bytearray(raw)
    size = int(rng.integers(1, 17))
    if kind == "insert":
        damaged[at:at] = rng.integers(0, 256, size, dtype=np.uint8).tobytes()
    elif kind == "delete":
        del damaged[at : at + size]
    else:
        damaged[at : at + 4096] = bytes(4096)
    return bytes(damaged)


def write_two_links(path: Path) -> Path:
    """The damage tests' recording at ``path``: a left and a right insole on two links
    (``side_stream``), read 20 times a second and flushed every ``FLUSH_S``, with a subject
    field, the devices' DEVICE_INFO and connected/stopped events."""
    streams = [side_stream(Side.LEFT), side_stream(Side.RIGHT)]
    with RecordingWriter(path, session={"subject.body_mass_kg": 71.5}) as writer:
        links = [writer.add_link("/dev/ttyACM0", "left"), writer.add_link("/dev/ttyACM1", "right")]
        for link, side in zip(links, (Side.LEFT, Side.RIGHT), strict=True):
            writer.event("connected", link, host_ns=0)
            writer.device(link, side_info(side))  # as the recorder writes what the device said
        piece = len(streams[0]) // (SECONDS * 20)  # 20 reads a second
        for i in range(SECONDS * 20 + 1):
            now_ns = int((i + 1) * 0.05e9) + 1_000_000
            for link, data in zip(links, streams, strict=True):
                writer.received(link, data[i * piece : (i + 1) * piece], now_ns)
            if i % int(FLUSH_S / 0.05) == 0:
                writer.flush()
        writer.event("stopped", host_ns=int(SECONDS * 1e9))
    return path
