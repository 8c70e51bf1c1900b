"""The ``pressure`` command: one entry point, one module per subcommand.

Each subcommand module has ``add_arguments(parser)`` and ``run(args) -> int`` and imports heavy
libraries only inside ``run``, so ``pressure --help`` starts fast.
Exit status: 0 success, 1 a handled error (one line on stderr), 2 usage, 130 Ctrl-C.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from collections.abc import Sequence

from .._version import __version__
from ..errors import PressureError

# name -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "simulate": (
        "pressure.cli.simulate",
        "a virtual insole: synthetic gait or a replay, to a file or on a pty",
    ),
    "ports": ("pressure.cli.ports", "list serial ports (USB VID:PID, description)"),
    "record": ("pressure.cli.record", "record one or two insoles into a crash-safe file"),
    "monitor": ("pressure.cli.monitor", "live view: load share, force, CoP, rate, losses"),
    "info": ("pressure.cli.info", "frames, losses and errors of a recording or capture"),
    "convert": ("pressure.cli.convert", "decoded frames to a tidy table (.parquet or .csv)"),
    "analyze": (
        "pressure.cli.analyze",
        "gait, load distribution, pronation indicators, balance and quality of a session",
    ),
    "report": ("pressure.cli.report", "a standalone HTML or PDF report of one session"),
    "batch": (
        "pressure.cli.batch",
        "analyse every session under a folder, in parallel, into tables (and reports)",
    ),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pressure",
        description="Open plantar-pressure insole analyzer.",
    )
    parser.add_argument("--version", action="version", version=f"pressure {__version__}")
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="show the traceback of an error"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (module_name, help_text) in COMMANDS.items():
        module = importlib.import_module(module_name)
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument(
            "-v",
            "--verbose",
            action="store_true",
            default=argparse.SUPPRESS,
            help="show the traceback of an error",
        )
        module.add_arguments(p)
        p.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args._run(args))
    except PressureError as exc:
        if args.verbose:
            traceback.print_exc()
        print(f"pressure: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("pressure: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
