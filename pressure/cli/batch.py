"""Placeholder while `pressure batch` is being written (issue 6)."""

from __future__ import annotations

import argparse

from ..errors import PressureError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    raise PressureError("not built yet")
