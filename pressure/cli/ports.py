"""``pressure ports``: the serial ports of this machine, with USB identifiers."""

from __future__ import annotations

import argparse
import json


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print a JSON list")


def run(args: argparse.Namespace) -> int:
    from serial.tools import list_ports

    ports = [
        {
            "device": p.device,
            "vid_pid": f"{p.vid:04x}:{p.pid:04x}"
            if p.vid is not None and p.pid is not None
            else None,
            "serial_number": p.serial_number,
            "description": p.description,
            "manufacturer": p.manufacturer,
        }
        for p in sorted(list_ports.comports(), key=lambda p: p.device)
    ]
    if args.json:
        print(json.dumps(ports, indent=2))
    elif not ports:
        print("no serial ports found (a USB insole appears as /dev/ttyUSB* or /dev/ttyACM*)")
    else:
        for p in ports:
            print(f"{p['device']:<16} {p['vid_pid'] or '-':<10} {p['description']}")
    return 0
