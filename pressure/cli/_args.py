"""Argument types shared by subcommands: bad values are usage errors (exit 2), not tracebacks."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..analysis import AnalysisOptions


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


def add_analysis_options(parser: argparse.ArgumentParser) -> None:
    """The analysis options ``analyze``, ``report`` and ``batch`` share."""
    parser.add_argument(
        "--body-mass-kg",
        type=number_in(0, 500),
        default=None,
        metavar="KG",
        help="body mass, to give forces in body weights (default: from the file, if it says)",
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


def analysis_options(args: argparse.Namespace) -> AnalysisOptions:
    """The ``AnalysisOptions`` of ``add_analysis_options``' arguments. Raises UsageError when
    they do not go together."""
    from ..analysis import AnalysisOptions
    from ..errors import UsageError

    if args.start_s is not None and args.end_s is not None and args.start_s >= args.end_s:
        raise UsageError(f"--start-s ({args.start_s:g}) must be before --end-s ({args.end_s:g})")
    return AnalysisOptions(
        standing_separation_mm=args.standing_separation_mm,
        body_mass_kg=args.body_mass_kg,
        start_s=args.start_s,
        end_s=args.end_s,
        exclude_turns=not args.include_turns,
    )
