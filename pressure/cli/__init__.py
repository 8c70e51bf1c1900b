"""The ``pressure`` command: one entry point, one module per subcommand.

Each subcommand module has ``add_arguments(parser)`` and ``run(args) -> int`` and imports heavy
libraries only inside ``run``, so ``pressure --help`` starts fast. A handled error is one line
on stderr (``-v`` adds the traceback) and an exit status by its kind, the same for every
command: ``EXIT_STATUS`` says what each status means, ``ERROR_STATUS`` which errors give it.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import textwrap
import traceback
from collections.abc import Sequence

from .. import __version__
from ..errors import DeviceError, FileFormatError, OutputError, PressureError, UsageError

#: what each exit status means, for every command (``pressure --help``, README "Exit codes")
EXIT_STATUS: dict[int, str] = {
    0: "success",
    1: "the analysis could not run (a time window outside the recording, a session without "
    "frames; batch: a session failed), or another handled error",
    2: "usage: an unknown option, a bad or missing value, options that do not go together, "
    "an output suffix no writer takes, an output that exists without --overwrite",
    3: "input: a file that is missing, unreadable, empty, damaged, of no known format, or "
    "holds nothing to do the command on",
    4: "device or output: a serial port that cannot be opened, answers wrongly or went away; "
    "a file that cannot be written",
    130: "interrupted (Ctrl-C)",
}
#: the exit status of each error class; the first class an error is an instance of decides
ERROR_STATUS: tuple[tuple[type[PressureError], int], ...] = (
    (UsageError, 2),
    (FileFormatError, 3),
    (DeviceError, 4),
    (OutputError, 4),
    (PressureError, 1),
)

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
        epilog="exit status (every command):\n"
        + "\n".join(
            textwrap.fill(text, 79, initial_indent=f"  {code:<4} ", subsequent_indent=" " * 7)
            for code, text in EXIT_STATUS.items()
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
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


def exit_status(error: PressureError) -> int:
    """The exit status of a handled error (``ERROR_STATUS``)."""
    return next(code for kind, code in ERROR_STATUS if isinstance(error, kind))


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()  # argparse itself exits 2 on a usage error it finds
    args = parser.parse_args(argv)
    try:
        return int(args._run(args))
    except PressureError as exc:
        if args.verbose:
            traceback.print_exc()
        who = f"pressure {args.command}" if isinstance(exc, UsageError) else "pressure"
        print(f"{who}: error: {exc}", file=sys.stderr)
        return exit_status(exc)
    except KeyboardInterrupt:
        print("pressure: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader of our output went away: an output not written
        return exit_status(OutputError("<stdout>", "broken pipe"))


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
