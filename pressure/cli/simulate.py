"""``pressure simulate``: write a deterministic synthetic capture of the wire stream."""

from __future__ import annotations

import argparse
import sys

from ..errors import PressureError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out",
        required=True,
        metavar="FILE",
        help="capture to write (any name; the project uses .insole)",
    )
    parser.add_argument("--seconds", type=float, required=True, metavar="S")
    parser.add_argument(
        "--rate",
        type=float,
        default=100.0,
        metavar="HZ",
        help="samples per second per foot (default 100)",
    )
    parser.add_argument(
        "--sensors", type=int, default=16, metavar="N", help="sensors per foot (default 16)"
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        metavar="K",
        help="random seed; the same seed gives the same bytes (default 0)",
    )
    parser.add_argument("--cadence", type=float, default=110.0, metavar="STEPS_PER_MIN")
    parser.add_argument(
        "--left-share",
        type=float,
        default=50.0,
        metavar="PCT",
        help="left foot's share of the load in percent (default 50)",
    )
    parser.add_argument(
        "--truth", action="store_true", help="also write the parameters as FILE.truth.json"
    )


def run(args: argparse.Namespace) -> int:
    from ..simulator.simple import SimpleWalk, write_capture

    try:
        walk = SimpleWalk(
            seconds=args.seconds,
            rate_hz=args.rate,
            sensors=args.sensors,
            seed=args.seed,
            cadence_steps_per_min=args.cadence,
            left_share_pct=args.left_share,
        )
    except ValueError as exc:
        raise PressureError(f"simulate: {exc}") from None
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
