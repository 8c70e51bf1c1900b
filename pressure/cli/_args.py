"""Argument types shared by subcommands: bad values are usage errors (exit 2), not tracebacks."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable


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
    """The analysis options ``analyze`` and ``report`` share."""
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
        "--include-turns",
        action="store_true",
        help="count the steps labelled 'turn' (strides or stances far from their walking "
        "bout's median) in the summary; by default only steady steps count",
    )
