"""The golden vectors of protocol version 1 (``v1.json``) and how their JSON maps to messages.

Another implementation (firmware in C, a host in another language) can read ``v1.json`` directly;
its ``about`` field says what each section means.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..messages import Command, DeviceInfo, SampleFrame, Status

V1_PATH = Path(__file__).resolve().with_name("v1.json")


def load_v1() -> dict[str, Any]:
    return json.loads(V1_PATH.read_text("utf-8"))


def message_from_dict(d: dict[str, Any]) -> SampleFrame | DeviceInfo | Status | Command:
    """The message a vector's ``message`` object describes (rates are in mHz in the JSON)."""
    kind = d["type"]
    if kind == "sample":
        return SampleFrame(
            seq=d["seq"],
            side=d["side"],
            t_us=d["t_us"],
            values=tuple(d["values"]),
            flags=d["flags"],
        )
    if kind == "info":
        major, minor, patch = d["firmware_version"]
        return DeviceInfo(
            device_id=d["device_id"],
            firmware_version=(major, minor, patch),
            side=d["side"],
            sensor_count=d["sensor_count"],
            layout=d["layout"],
            rate_hz=d["rate_mhz"] / 1000,
            unit=d["unit"],
            adc_bits=d["adc_bits"],
            scale=d["scale"],
        )
    if kind == "status":
        return Status(
            code=d["code"],
            severity=d["severity"],
            command=d["command"],
            t_us=d["t_us"],
            text=d["text"],
        )
    if kind == "command":
        rate = d.get("rate_mhz")
        return Command(command=d["command"], rate_hz=None if rate is None else rate / 1000)
    raise ValueError(f"unknown message type {kind!r} in a vector")
