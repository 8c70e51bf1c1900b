"""``pressure simulate``: a deterministic synthetic insole, written to a file (``--out``) or
served as a device on a pseudo-terminal (``--pty``)."""

from __future__ import annotations

import argparse
import sys

from ..errors import PressureError
from ._args import integer_in, number_in

MAX_SECONDS = 7 * 24 * 3600


def add_arguments(parser: argparse.ArgumentParser) -> None:
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument(
        "--out",
        metavar="FILE",
        help="write a capture as fast as possible (any name; the project uses .insole)",
    )
    target.add_argument(
        "--pty",
        action="store_true",
        help="be a device on a new pseudo-terminal: print its path as the first line, answer "
        "commands, stream in real time until --seconds or a signal",
    )
    parser.add_argument(
        "--seconds",
        type=number_in(0, MAX_SECONDS),
        metavar="S",
        help="duration, up to a week (needed with --out)",
    )
    parser.add_argument(
        "--autostart",
        action="store_true",
        help="with --pty: stream at once instead of waiting for the START command",
    )
    parser.add_argument(
        "--rate",
        type=number_in(0, 10_000),
        default=100.0,
        metavar="HZ",
        help="samples per second per foot (default 100)",
    )
    parser.add_argument(
        "--sensors",
        type=integer_in(1, 4096),
        default=16,
        metavar="N",
        help="sensors per foot (default 16)",
    )
    parser.add_argument(
        "--seed",
        type=integer_in(0, 2**63 - 1),
        default=0,
        metavar="K",
        help="random seed; the same seed gives the same bytes (default 0)",
    )
    parser.add_argument(
        "--cadence",
        type=number_in(0, 300),
        default=110.0,
        metavar="STEPS_PER_MIN",
        help="steps per minute, both feet together (default 110)",
    )
    parser.add_argument(
        "--left-share",
        type=number_in(0, 100, low_open=False),
        default=50.0,
        metavar="PCT",
        help="left foot's share of the load in percent (default 50)",
    )
    parser.add_argument(
        "--truth", action="store_true", help="also write the parameters as FILE.truth.json"
    )


def run(args: argparse.Namespace) -> int:
    from ..simulator.simple import SimpleWalk, write_capture

    if args.out and args.seconds is None:
        print("pressure simulate: error: --out needs --seconds", file=sys.stderr)
        return 2
    try:
        walk = SimpleWalk(
            seconds=args.seconds or MAX_SECONDS,
            rate_hz=args.rate,
            sensors=args.sensors,
            seed=args.seed,
            cadence_steps_per_min=args.cadence,
            left_share_pct=args.left_share,
        )
    except ValueError as exc:
        raise PressureError(f"simulate: {exc}") from None
    if args.pty:
        return _serve_pty(walk, args.seconds, args.autostart)
    try:
        size = write_capture(args.out, walk, ground_truth=args.truth)
    except OSError as exc:
        raise PressureError(f"{args.out}: cannot write: {exc.strerror or exc}") from None
    print(
        f"wrote {args.out}: {walk.n_frames} frames per foot, {walk.sensors} sensors, "
        f"{walk.rate_hz:g} Hz, {size} bytes",
        file=sys.stderr,
    )
    return 0


def _serve_pty(walk: object, seconds: float | None, autostart: bool) -> int:
    import signal
    import time

    from ..simulator.device import PtyInsole, VirtualInsole
    from ..simulator.signals import GaitSignal
    from ..simulator.simple import SimpleWalk

    assert isinstance(walk, SimpleWalk)
    pty = PtyInsole(VirtualInsole(GaitSignal(walk), autostart=autostart, now_s=time.monotonic()))
    previous = signal.signal(signal.SIGTERM, lambda *_: pty.stop())
    try:
        print(pty.path, flush=True)
        pty.run(seconds=seconds)
    finally:
        signal.signal(signal.SIGTERM, previous)
        pty.close()
    return 0
