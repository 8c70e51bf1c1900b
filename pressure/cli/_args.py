"""Argument types shared by subcommands: bad values are usage errors (exit 2), not tracebacks."""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import OutputError, UsageError
from ..io.atomic import EXISTS

if TYPE_CHECKING:
    from ..analysis import AnalysisOptions
    from ..io.source import SessionSource
    from ..model import Session
    from ..profile import InsoleProfile


def check_outputs(outputs: Sequence[str | None], inputs: Sequence[str], overwrite: bool) -> None:
    """Before any work: every output the command will write (None: not asked for) is new, or
    ``overwrite`` is given; none is an input file (not even with ``overwrite``) or named twice:
    UsageError (exit 2) otherwise. The folder each goes into exists: OutputError (exit 4, as
    the write itself would fail after the work) otherwise."""
    given = [Path(out) for out in outputs if out is not None]
    for k, out in enumerate(given):
        for source in inputs:
            if out.exists() and Path(source).exists() and os.path.samefile(out, source):
                raise UsageError(f"{out}: is the input file; choose another name for the output")
        if any(out.resolve() == other.resolve() for other in given[:k]):
            raise UsageError(f"{out}: named for two outputs")
        if out.exists() and not overwrite:
            raise UsageError(f"{out}: {EXISTS}")
        folder = out.parent
        if not folder.is_dir():
            missing = "does not exist" if not folder.exists() else "is not a folder"
            raise OutputError(out, f"cannot write: {folder} {missing}")


def write_output(path: str, write: Callable[[Path], object], what: str, overwrite: bool) -> None:
    """Write one output atomically (``pressure.io.atomic.write_output``): an existing file is
    replaced only with ``overwrite``."""
    from ..io.atomic import write_output as write_file

    write_file(path, write, overwrite=overwrite, what=what)


def number_in(low: float, high: float, *, low_open: bool = True) -> Callable[[str], float]:
    """A float type accepting finite values in (low, high] (or [low, high])."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        above = value > low if low_open else value >= low
        if not (math.isfinite(value) and above and value <= high):
            bracket = "(" if low_open else "["
            raise argparse.ArgumentTypeError(f"{text} is outside {bracket}{low:g}, {high:g}]")
        return value

    return parse


def integer_in(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is outside {low}..{high}")
        return value

    return parse


def sensor_list(text: str) -> tuple[int, ...]:
    """``--invert``'s value: sensor numbers from 1, comma-separated (``1,3,5``)."""
    try:
        numbers = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        numbers = ()
    if not numbers or min(numbers) < 1:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a list of sensor numbers such as 1,3,5 (for every sensor, give "
            "--invert alone after FILE)"
        )
    return numbers


def add_links(parser: argparse.ArgumentParser, *, side: bool = True) -> None:
    """The links of ``record``, ``lsl`` and ``monitor``: DEVICE, ``--right DEVICE2`` and
    (``side``) ``--side`` for a one-insole board that does not say its foot."""
    parser.add_argument(
        "device",
        metavar="DEVICE",
        help="serial port path or pyserial URL (the left insole when --right is given)",
    )
    parser.add_argument("--right", metavar="DEVICE2", help="the right insole on a second link")
    if side:
        parser.add_argument(
            "--side",
            choices=("left", "right"),
            help="the foot of a one-insole board whose frames or lines do not say it",
        )


def add_analysis_options(parser: argparse.ArgumentParser) -> None:
    """The analysis options ``analyze``, ``report`` and ``batch`` share, with the options for
    home-made insoles (``add_insole_options``)."""
    parser.add_argument(
        "--body-mass-kg",
        type=number_in(0, 500),
        default=None,
        metavar="KG",
        help="body mass, to give forces in body weights (default: from the file, if it says); "
        "data in raw units or ADC counts are scaled to newtons by body weight (both feet)",
    )
    parser.add_argument(
        "--standing-separation-mm",
        type=number_in(0, 2000),
        default=None,
        metavar="MM",
        help="distance between the insoles' centre lines when standing (combined CoP)",
    )
    parser.add_argument(
        "--start-s",
        type=number_in(0, math.inf, low_open=False),
        default=None,
        metavar="S",
        help="analyse from S seconds after the start of the recording (default: its start)",
    )
    parser.add_argument(
        "--end-s",
        type=number_in(0, math.inf),
        default=None,
        metavar="S",
        help="analyse up to S seconds after the start of the recording (default: its end); "
        "times in the output stay measured from the recording's start",
    )
    parser.add_argument(
        "--include-turns",
        action="store_true",
        help="count the steps labelled 'turn' (strides or stances far from their walking "
        "bout's median) in the summary; by default only steady steps count",
    )

    add_insole_options(parser)


def add_trial_options(parser: argparse.ArgumentParser) -> None:
    """``analyze`` and ``report``: a trial between two markers of a recording."""
    group = parser.add_argument_group(
        "trials by markers",
        "markers another application sent while recording (record --lsl-markers NAME)",
    )
    group.add_argument(
        "--between-markers",
        nargs=2,
        metavar=("START", "END"),
        default=None,
        help="analyse from the marker labelled START to the first marker labelled END after "
        "it (instead of --start-s/--end-s)",
    )
    group.add_argument(
        "--trial",
        type=integer_in(1, 1_000_000),
        default=1,
        metavar="K",
        help="with --between-markers: the trial that starts at the K-th START marker (default 1)",
    )


def trial_window(
    args: argparse.Namespace, session: Session | SessionSource, options: AnalysisOptions
) -> AnalysisOptions:
    """``options`` with the time window of ``--between-markers`` (and ``--trial``) in
    ``session``'s markers; ``options`` itself without it. UsageError when --start-s or
    --end-s is given too; AnalysisError (the analysis could not run) when the session has no
    such markers."""
    import dataclasses

    from ..errors import AnalysisError
    from ..io.recording import recorded_markers

    between = getattr(args, "between_markers", None)
    if between is None:
        return options
    if options.start_s is not None or options.end_s is not None:
        raise UsageError("--between-markers sets the time window: no --start-s or --end-s")
    first, last = between
    recording = session.metadata.get("recording")
    markers = recorded_markers(recording.get("events", []) if isinstance(recording, dict) else [])
    starts = [t for t, label in markers if label == first]
    labels = sorted({label for _, label in markers})
    known = (
        f"its markers: {', '.join(repr(label) for label in labels)}"
        if labels
        else "it holds no markers (record --lsl-markers NAME records them)"
    )
    if len(starts) < args.trial:
        raise AnalysisError(
            f"{session.path}: {len(starts)} marker(s) {first!r}, no trial {args.trial}; {known}"
        )
    start = starts[args.trial - 1]
    ends = [t for t, label in markers if label == last and t > start]
    if not ends:
        raise AnalysisError(
            f"{session.path}: no marker {last!r} after the marker {first!r} at {start:.3f} s; "
            f"{known}"
        )
    return dataclasses.replace(options, start_s=max(start, 0.0), end_s=ends[0])


def add_insole_options(parser: argparse.ArgumentParser) -> None:
    """The options for a home-made insole's data (``pressure.profile``); each overrides the
    profile's key of the same meaning."""
    group = parser.add_argument_group(
        "home-made insoles", "what the board's numbers mean (README: Home-made insoles)"
    )
    group.add_argument(
        "--profile",
        metavar="FILE",
        default=None,
        help="the insole's profile (TOML; `pressure profile init` writes one)",
    )
    group.add_argument(
        "--layout", metavar="FILE", default=None, help="a sensor layout file (CSV or JSON grid)"
    )
    group.add_argument(
        "--side",
        choices=("left", "right"),
        default=None,
        help="the foot of a one-insole recording",
    )
    group.add_argument(
        "--invert",
        nargs="?",
        const=True,
        default=None,
        type=sensor_list,
        metavar="N,...",
        help="readings fall under load (e.g. 4095 unloaded): full scale minus reading, for "
        "every sensor or the numbers given",
    )
    group.add_argument(
        "--tare",
        action="store_true",
        default=None,
        help="subtract each sensor's zero, measured on the unloaded frames",
    )
    group.add_argument(
        "--rate",
        type=number_in(0, 100_000),
        default=None,
        metavar="HZ",
        help="the sampling rate of data whose lines carry no time",
    )


def insole_profile(args: argparse.Namespace) -> InsoleProfile | None:
    """The profile of ``--profile`` with the other insole options in place of its keys; None
    when none is given."""
    from ..profile import InsoleProfile

    profile = InsoleProfile.read(args.profile) if args.profile else InsoleProfile()
    profile = profile.with_options(
        layout=args.layout,
        side=args.side,
        invert=args.invert,
        tare=args.tare,
        rate_hz=args.rate,
        body_mass_kg=args.body_mass_kg,
    )
    return None if profile.empty else profile


def analysis_options(
    args: argparse.Namespace, profile: InsoleProfile | None = None
) -> AnalysisOptions:
    """The ``AnalysisOptions`` of ``add_analysis_options``' arguments (the body mass, when not
    given, the profile's). Raises UsageError when they do not go together."""
    from ..analysis import AnalysisOptions
    from ..errors import UsageError

    if args.start_s is not None and args.end_s is not None and args.start_s >= args.end_s:
        raise UsageError(f"--start-s ({args.start_s:g}) must be before --end-s ({args.end_s:g})")
    body_mass_kg = args.body_mass_kg
    if body_mass_kg is None and profile is not None:
        body_mass_kg = profile.body_mass_kg
    return AnalysisOptions(
        standing_separation_mm=args.standing_separation_mm,
        body_mass_kg=body_mass_kg,
        start_s=args.start_s,
        end_s=args.end_s,
        exclude_turns=not args.include_turns,
    )
