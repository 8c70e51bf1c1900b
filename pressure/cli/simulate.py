"""``pressure simulate``: a virtual insole streaming synthetic gait with known ground truth, or
replaying a file (``--from``); written to a recording (``--out``, as fast as possible) or served
as a device on a pseudo-terminal (``--pty``)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ..errors import OutputError, UsageError
from ._args import integer_in, number_in

MAX_SECONDS = 7 * 24 * 3600
LINGER_S = 5.0  # with --pty: after streaming the whole signal, time left for the host to stop

# (option, SyntheticGait field, type, metavar, help)
TRUTH_OPTIONS: list[tuple[str, str, Any, str, str]] = [
    ("--activity", "activity", str, "walk|stand", "walking (default) or quiet standing"),
    ("--cadence", "cadence_steps_per_min", number_in(0, 300), "STEPS_PER_MIN", "both feet"),
    ("--stance", "stance_fraction", number_in(0.3, 0.9), "FRACTION", "stance share of a cycle"),
    ("--left-share", "left_share_pct", number_in(0, 100, low_open=False), "PCT", "left load"),
    (
        "--ml-offset",
        "ml_offset_pct",
        number_in(-40.0, 40.0, low_open=False),
        "PCT",
        "gait line medial (+, pronation-like) or lateral (-), %% of foot width",
    ),
    (
        "--forefoot-share",
        "forefoot_share_pct",
        number_in(10, 90, low_open=False),
        "PCT",
        "forefoot share of the stance load",
    ),
    ("--body-mass", "body_mass_kg", number_in(20, 250, low_open=False), "KG", "body mass"),
    ("--sway", "sway_mm", number_in(0, 50, low_open=False), "MM", "standing sway, RMS per axis"),
    ("--noise", "noise_kpa", number_in(0, 1000, low_open=False), "KPA", "sensor noise SD"),
    ("--offset", "offset_kpa", number_in(0, 1000, low_open=False), "KPA", "max sensor offset"),
    ("--drift", "drift_kpa_per_min", number_in(-100, 100, low_open=False), "KPA_PER_MIN", "drift"),
    ("--drop", "drop_fraction", number_in(0, 0.5, low_open=False), "FRACTION", "frames not sent"),
]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument(
        "--out", metavar="FILE", help="write a recording as fast as possible (.insole)"
    )
    target.add_argument(
        "--pty",
        action="store_true",
        help="be a device on a new pseudo-terminal: print its path as the first line, answer "
        "commands, stream in real time; with --seconds or --from, exit 5 s after streaming "
        "ends (the signal's end, or the host's STOP); otherwise run until a signal",
    )
    parser.add_argument(
        "--from",
        dest="source",
        metavar="RECORDING",
        help="replay this file (any format `pressure info` reads) instead of synthetic gait",
    )
    parser.add_argument(
        "--speed",
        type=number_in(0, 1000),
        default=1.0,
        metavar="X",
        help="replay X times faster than recorded (default 1)",
    )
    parser.add_argument(
        "--side",
        choices=("left", "right", "both"),
        default="both",
        help="which feet this device sends: one insole, or both on one link (default)",
    )
    parser.add_argument(
        "--seconds",
        type=number_in(0, MAX_SECONDS),
        metavar="S",
        help="length of the synthetic signal, up to a week (needed with --out)",
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
        help="sensors per foot, laid out over a foot outline (default 16)",
    )
    parser.add_argument(
        "--seed",
        type=integer_in(0, 2**63 - 1),
        default=0,
        metavar="K",
        help="random seed; the same options give the same bytes (default 0)",
    )
    truth = parser.add_argument_group("ground truth of the synthetic gait")
    for option, field, kind, metavar, text in TRUTH_OPTIONS:
        choices = ("walk", "stand") if field == "activity" else None
        truth.add_argument(
            option, dest=field, type=kind, metavar=metavar, help=text, choices=choices
        )
    parser.add_argument(
        "--truth", action="store_true", help="also write the ground truth as FILE.truth.json"
    )
    parser.add_argument(
        "--raw",
        action="store_true",
        help="with --out: write the bare wire stream (as a serial port carries it) instead of "
        "a recording",
    )
    parser.add_argument("--overwrite", action="store_true", help="replace an existing FILE")
    maker = parser.add_argument_group(
        "a home-made board: print text lines as an Arduino/ESP32 sketch does (line mode)"
    )
    maker.add_argument(
        "--sketch",
        choices=("bare", "header"),
        help="print 'millis,v1,...,vn' lines after two boot messages, with no header (bare) or "
        "a header line naming the columns (header); both feet of an instant on one line",
    )
    maker.add_argument(
        "--adc-bits",
        type=integer_in(8, 16),
        default=10,
        metavar="BITS",
        help="with --sketch: the ADC's resolution (default 10; an ESP32 has 12)",
    )
    maker.add_argument(
        "--invert",
        action="store_true",
        help="with --sketch: sensors read the top count unloaded and fall under load",
    )
    maker.add_argument(
        "--start-ms",
        type=integer_in(0, 2**32 - 1),
        default=0,
        metavar="MS",
        help="with --sketch: the board's millis() at the first reading (default 0)",
    )


def _signal(args: argparse.Namespace) -> tuple[Any, dict[str, Any] | None]:
    """(signal, ground truth or None for a replay)."""
    from firmware_protocol import Side

    from ..simulator.gait import SyntheticGait
    from ..simulator.signals import GaitSignal, ReplaySignal

    side = {"left": Side.LEFT, "right": Side.RIGHT, "both": Side.BOTH}[args.side]
    if args.source:
        return ReplaySignal(args.source, speed=args.speed, side=side), None
    fields = {f: getattr(args, f) for _, f, *_ in TRUTH_OPTIONS if getattr(args, f) is not None}
    try:
        gait = SyntheticGait(
            seconds=args.seconds or MAX_SECONDS,
            rate_hz=args.rate,
            sensors=args.sensors,
            seed=args.seed,
            **fields,
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return GaitSignal(gait, side), gait.truth()


def run(args: argparse.Namespace) -> int:
    problem = None
    if args.out and args.seconds is None and not args.source:
        problem = "--out needs --seconds"
    elif args.pty and args.raw:
        problem = "--raw goes with --out"
    elif args.speed != 1.0 and not args.source:
        problem = "--speed goes with --from"
    elif args.source and any(getattr(args, f) is not None for _, f, *_ in TRUTH_OPTIONS):
        problem = "ground-truth options make a synthetic gait; they do not go with --from"
    elif args.truth and (args.pty or args.source):
        problem = "--truth goes with --out and a synthetic gait"
    elif args.sketch and args.source:
        problem = "--sketch prints a synthetic gait; it does not go with --from"
    elif not args.sketch and (args.invert or args.start_ms or args.adc_bits != 10):
        problem = "--adc-bits, --invert and --start-ms go with --sketch"
    if problem:
        raise UsageError(problem)
    signal, truth = _signal(args)
    from ..simulator.sketch import SketchFormat

    sketch = (
        SketchFormat(args.sketch, args.adc_bits, args.invert, args.start_ms)
        if args.sketch
        else None
    )
    if args.pty:
        linger = LINGER_S if args.seconds or args.source else None
        return _serve_pty(signal, args.autostart, linger, sketch)
    from ..io.recording import Role
    from ..simulator.output import write_capture, write_recording

    session: dict[str, Any] = {"simulated": truth if truth is not None else False}
    if args.source:
        session["replayed_from"] = str(args.source)
    role: Role = "left" if args.side == "left" else "right" if args.side == "right" else "both"
    try:
        if args.raw:
            frames = write_capture(args.out, signal, overwrite=args.overwrite, sketch=sketch)
        else:
            frames = write_recording(
                args.out,
                signal,
                session=session,
                overwrite=args.overwrite,
                role=role,
                sketch=sketch,
            )
    except FileExistsError:
        raise UsageError(
            f"{args.out}: already exists; choose another name or pass --overwrite"
        ) from None
    except OSError as exc:
        raise OutputError(args.out, f"cannot write: {exc.strerror or exc}") from None
    if args.truth and truth is not None:
        out = Path(args.out)
        truth_path = out.with_name(out.name + ".truth.json")
        try:
            truth_path.write_text(json.dumps(truth, indent=2) + "\n")
        except OSError as exc:
            raise OutputError(truth_path, f"cannot write: {exc.strerror or exc}") from None
    info = signal.info()
    print(
        f"wrote {args.out}: {frames} frames, {info.sensor_count} sensors, {info.rate_hz:g} Hz",
        file=sys.stderr,
    )
    return 0


def _serve_pty(signal: Any, autostart: bool, linger_s: float | None, sketch: Any = None) -> int:
    import signal as signals
    import time

    from ..simulator.device import PtyInsole, VirtualInsole
    from ..simulator.sketch import SketchInsole

    device: Any = (
        VirtualInsole(signal, autostart=autostart, now_s=time.monotonic())
        if sketch is None
        else SketchInsole(signal, sketch, now_s=time.monotonic())
    )
    pty = PtyInsole(device)
    previous = signals.signal(signals.SIGTERM, lambda *_: pty.stop())
    try:
        print(pty.path, flush=True)
        pty.run(linger_s=linger_s)
    finally:
        signals.signal(signals.SIGTERM, previous)
        pty.close()
    return 0
