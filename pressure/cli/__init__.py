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

# name -> (module, one-line help for the list of commands: at most HELP_WIDTH characters, so
# that `pressure --help` shows each command on one line in an 80-column terminal; a longer
# description for `pressure COMMAND --help`, or None for the same line)
COMMANDS: dict[str, tuple[str, str, str | None]] = {
    "simulate": (
        "pressure.cli.simulate",
        "a virtual insole: synthetic gait or a replay, to file or pty",
        "a virtual insole: synthetic gait or a replay of a recording, to a file or on a "
        "pseudo-terminal that programs open as a serial port",
    ),
    "ports": ("pressure.cli.ports", "list serial ports (USB VID:PID, description)", None),
    "record": ("pressure.cli.record", "record one or two insoles into a crash-safe file", None),
    "monitor": ("pressure.cli.monitor", "live view: load share, force, CoP, rate, losses", None),
    "info": ("pressure.cli.info", "frames, losses and errors of a recording or capture", None),
    "convert": ("pressure.cli.convert", "decoded frames to a tidy table (.parquet or .csv)", None),
    "analyze": (
        "pressure.cli.analyze",
        "gait, load shares, pronation, balance, quality of a session",
        "gait, load distribution, pronation indicators, balance and data quality of one "
        "session, as text or JSON, with the step, CoP and regional tables as CSV",
    ),
    "report": ("pressure.cli.report", "a standalone HTML or PDF report of one session", None),
    "batch": (
        "pressure.cli.batch",
        "every session under a folder, in parallel, into tables",
        "analyse every session under a folder, in parallel, into tables (and reports); resumable",
    ),
}
#: the width of a command's one-line help (80 columns less argparse's indent)
HELP_WIDTH = 61


def build_parser() -> argparse.ArgumentParser:
    """The ``pressure`` argument parser, one subparser per command (``COMMANDS``)."""
    parser = argparse.ArgumentParser(
        prog="pressure",
        description="Open plantar-pressure insole analyzer.",
        epilog="'pressure COMMAND --help' gives the options of one command.",
    )
    parser.add_argument("--version", action="version", version=f"pressure {__version__}")
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="show the traceback of an error"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (module_name, help_text, description) in COMMANDS.items():
        module = importlib.import_module(module_name)
        p = sub.add_parser(name, help=help_text, description=description or help_text)
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
    """Run one ``pressure`` command.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after ``pressure`` (default: ``sys.argv[1:]``), e.g.
        ``["analyze", "walk.insole", "--json"]``.

    Returns
    -------
    int
        The exit status: 0 success, 1 a handled error (one line on stderr), 2 a usage
        error, 130 Ctrl-C. ``--help``, ``--version`` and the parser's usage errors exit
        through ``SystemExit`` instead.
    """
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
