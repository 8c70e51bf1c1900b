"""``pressure record``: one insole, or two on two links, into one crash-safe recording.

The file is flushed four times a second (fsync once a second): after ``kill -9``, a power cut
or a pulled cable it opens with everything up to the last flush. Ctrl-C or SIGTERM end the
recording cleanly (exit 0); a link that goes away ends it with one line and a valid file
(exit 4, a device error), unless ``--reconnect``.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ._args import number_in

SUBJECT_FIELDS = (
    ("subject_id", str, "ID", "subject or patient code (no names: the file travels)"),
    ("body_mass_kg", number_in(0, 500), "KG", "body mass, for scaling force to body weight"),
    ("height_m", number_in(0, 3), "M", "body height"),
    ("shoe_size_eu", number_in(0, 60), "EU", "shoe size (EU)"),
    ("condition", str, "TEXT", "walking condition, footwear, task"),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "device",
        metavar="DEVICE",
        help="serial port path or pyserial URL (the left insole when --right is given)",
    )
    parser.add_argument("--right", metavar="DEVICE2", help="the right insole on a second link")
    parser.add_argument("-o", "--out", required=True, metavar="FILE", help="recording to write")
    parser.add_argument(
        "--seconds", type=number_in(0, 7 * 24 * 3600), metavar="S", help="stop after S seconds"
    )
    parser.add_argument(
        "--reconnect",
        action="store_true",
        help="when a device goes away, wait for it and carry on in the same file",
    )
    parser.add_argument(
        "--rate",
        type=number_in(0, 10_000),
        metavar="HZ",
        help="ask the devices for this sample rate per foot (SET_RATE)",
    )
    parser.add_argument(
        "--no-start",
        action="store_true",
        help="do not send START/STOP (the devices stream on their own)",
    )
    parser.add_argument("--baud", type=int, default=921_600, help="baud rate (default 921600)")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing FILE")
    group = parser.add_argument_group("subject (stored in the recording)")
    for name, kind, metavar, text in SUBJECT_FIELDS:
        group.add_argument(f"--{name.replace('_', '-')}", type=kind, metavar=metavar, help=text)


def run(args: argparse.Namespace) -> int:
    import signal
    import time
    from pathlib import Path

    from ..errors import DeviceError, UsageError
    from ..io.recorder import Recorder
    from ..io.recording import RecordingWriter, Role
    from ..sources.serial_source import SerialSource

    session: dict[str, Any] = {
        f"subject.{name}": getattr(args, name)
        for name, *_ in SUBJECT_FIELDS
        if getattr(args, name) is not None
    }
    links: list[tuple[str, Role]] = (
        [(args.device, "left"), (args.right, "right")] if args.right else [(args.device, "both")]
    )
    session["links"] = [url for url, _ in links]
    if not args.overwrite and Path(args.out).exists():  # before touching the device
        raise UsageError(f"{args.out}: already exists; choose another name or pass --overwrite")
    opened: list[SerialSource] = []
    try:
        for url, _ in links:  # a wrong port fails here, before any file exists
            opened.append(SerialSource(url, baudrate=args.baud))
        writer = RecordingWriter(args.out, session=session, overwrite=args.overwrite)
    except BaseException:
        for source in opened:
            source.close()
        raise

    def note(text: str) -> None:
        print(f"pressure record: {text}", file=sys.stderr, flush=True)

    try:
        recorder = Recorder(
            writer,
            links,
            reconnect=args.reconnect,
            baudrate=args.baud,
            rate_hz=args.rate,
            start=not args.no_start,
            on_note=note,
            opened=list(opened),
        )
    except BaseException:
        writer.close()
        raise
    handlers = {
        sig: signal.signal(sig, lambda *_: recorder.stop())
        for sig in (signal.SIGINT, signal.SIGTERM)
    }
    started = time.monotonic()
    note(f"recording {' + '.join(u for u, _ in links)} to {args.out} (Ctrl-C to stop)")
    failure: DeviceError | None = None
    try:
        recorder.run(args.seconds)
    except DeviceError as exc:
        failure = exc
    finally:
        for sig, previous in handlers.items():
            signal.signal(sig, previous)
    frames = {side: sum(link.frames[side] for link in recorder.links) for side in ("left", "right")}
    summary = (
        f"{args.out}: {time.monotonic() - started:.1f} s, "
        f"{frames['left']} left and {frames['right']} right frames"
    )
    if failure is not None:
        # one line: what went wrong, and that the file is whole
        raise DeviceError(f"{failure}; recording ended, {summary} saved") from None
    note(f"saved {summary}")
    return 0
