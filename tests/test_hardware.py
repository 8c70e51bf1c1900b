"""Against a real insole, opt-in: ``pytest --hardware /dev/ttyUSB0`` (skipped otherwise).

Works with any device speaking protocol v1 (e.g. the example sketch in
``firmware_protocol/arduino/insole16``) or line mode."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from firmware_protocol import Command, CommandCode, DeviceInfo, StatusCode
from pressure.cli import main
from pressure.errors import DeviceError
from pressure.sources import SerialSource

pytestmark = pytest.mark.hardware


@pytest.fixture
def port(request: pytest.FixtureRequest) -> str:
    return str(request.config.getoption("--hardware"))


def test_the_device_answers_or_speaks_line_mode(port: str) -> None:
    with SerialSource(port) as source:
        try:
            info = source.request_info(timeout_s=2.0)
        except DeviceError:
            assert source.decoder.mode == "text", "neither DEVICE_INFO nor line mode"
            return
        assert isinstance(info, DeviceInfo) and info.sensor_count >= 1
        for code in (CommandCode.START, CommandCode.STOP):
            assert source.command(Command(code), timeout_s=2.0).code == StatusCode.OK


def test_record_three_seconds(
    port: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "hardware.insole"
    assert main(["record", port, "-o", str(out), "--seconds", "3"]) == 0
    capsys.readouterr()
    assert main(["info", "--json", str(out)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["frames"]["left"] + report["frames"]["right"] > 0
    assert report["recording"]["complete"] is True
