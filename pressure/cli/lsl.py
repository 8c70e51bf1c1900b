"""``pressure lsl DEVICE``: one insole, or two on two links, published on the Lab Streaming
Layer without recording (``pressure.lsl``: the streams, their metadata and time stamps).

It asks each device who it is, makes the streams, starts the devices (``--lsl-wait-s``: once
every stream has a consumer) and publishes until ``--seconds``, Ctrl-C or SIGTERM (exit 0), or
a link that goes away (exit 4). A status line every ``--status-interval`` seconds says the
frames published per foot and the gait events sent; the last line says them for the whole run.
To keep the frames as well, ``pressure record ... --lsl`` does both.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from ._args import add_links, number_in
from .record import add_lsl_arguments

if TYPE_CHECKING:
    from ..lsl import Publisher

#: seconds between status lines (``--status-interval``)
STATUS_INTERVAL_S = 5.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_links(parser)
    parser.add_argument(
        "--seconds", type=number_in(0, 7 * 24 * 3600), metavar="S", help="stop after S seconds"
    )
    parser.add_argument(
        "--no-start",
        action="store_true",
        help="do not send START/STOP (the devices stream on their own)",
    )
    parser.add_argument("--baud", type=int, default=921_600, help="baud rate (default 921600)")
    parser.add_argument(
        "--status-interval",
        type=number_in(0, 24 * 3600, low_open=False),
        default=STATUS_INTERVAL_S,
        metavar="S",
        help=f"seconds between status lines (default {STATUS_INTERVAL_S:g}; 0: none)",
    )
    add_lsl_arguments(parser, publish_flag=False)


def run(args: argparse.Namespace, clock: Callable[[], float] = time.monotonic) -> int:
    from firmware_protocol import Command, CommandCode

    from ..errors import DeviceError, UsageError
    from ..lsl import DEFAULT_NAME, Publisher, check_pylsl, import_pylsl
    from ..signals import stop_on_signals
    from ..sources.serial_source import Received, SerialSource, stop_and_close

    if args.side and args.right:
        raise UsageError("--side is for one insole; with --right the first device is the left")
    links = (
        [(args.device, "left"), (args.right, "right")]
        if args.right
        else [(args.device, args.side or "both")]
    )
    check_pylsl()  # a usage error before the ports are touched

    def note(text: str) -> None:
        print(f"pressure lsl: {text}", file=sys.stderr, flush=True)

    sources: list[SerialSource] = []
    try:  # a wrong port fails here, before any stream exists
        for url, role in links:
            sources.append(
                SerialSource(url, baudrate=args.baud, side=None if role == "both" else role)
            )
    except BaseException:
        for source in sources:
            source.close()
        raise
    try:
        lsl = import_pylsl()
    except BaseException:
        for source in sources:
            source.close()
        raise
    publisher = Publisher(
        lsl, links, name=args.lsl_name or DEFAULT_NAME, wait_s=args.lsl_wait_s, on_note=note
    )

    def listener(index: int) -> Callable[[Received], None]:
        return lambda received: publisher.received(index, received)

    stop = threading.Event()

    def on_signal(*_: object) -> None:
        stop.set()
        publisher.stop()

    restore_signals = stop_on_signals(on_signal)
    started: list[SerialSource] = []
    began_s = clock()
    try:
        for index, source in enumerate(sources):
            source.listen(listener(index))
            source.start()
        for index, ((url, _), source) in enumerate(zip(links, sources, strict=True)):
            try:
                info = source.request_info(timeout_s=1.0)
            except DeviceError:
                info = None
                note(f"{url}: no DEVICE_INFO answer; publishing whatever arrives")
            publisher.connected(index, info)
            if info is not None and not args.no_start:
                started.append(source)
        publisher.ready()
        for source in started:
            if not stop.is_set():
                source.command(Command(CommandCode.START))
        began_s = clock()
        deadline = None if args.seconds is None else began_s + args.seconds
        last_s = began_s
        while not stop.is_set():
            wait = 0.25 if deadline is None else min(0.25, deadline - clock())
            if wait <= 0 or stop.wait(wait):
                break
            for (url, _), source in zip(links, sources, strict=True):
                if not source.alive:
                    raise DeviceError(source.error or f"{url}: the device went away")
            if args.status_interval and clock() - last_s >= args.status_interval:
                last_s = clock()
                note(_status(publisher, last_s - began_s))
    finally:
        restore_signals()
        stop_and_close(started, sources)  # every frame read is handed to the publisher first
        publisher.close()
        note(_status(publisher, clock() - began_s))
    return 0


def _status(publisher: Publisher, elapsed_s: float) -> str:
    """Frames published per foot and gait events sent, ``elapsed_s`` into the run."""
    frames = publisher.frames
    return (
        f"{elapsed_s:.1f} s: published {frames.get('left', 0)} left and "
        f"{frames.get('right', 0)} right frames, {publisher.markers_sent} gait events"
    )
