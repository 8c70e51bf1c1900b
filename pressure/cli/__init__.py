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

from .._version import __version__
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
    4: "device or output: a serial port that cannot be opened, answers wrongly, went away or "
    "sent nothing usable (record with no frame); a file that cannot be written",
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
    "lsl": (
        "pressure.cli.lsl",
        "publish insoles on the Lab Streaming Layer (no recording)",
        "publish one insole, or two on two links, on the Lab Streaming Layer without recording: "
        "per-foot sensor values, force and CoP, gait events (pip install 'pressure[lsl]'; "
        "record --lsl publishes while recording)",
    ),
    "view": (
        "pressure.cli.view",
        "a local web page: a session replayed, or insoles live",
        "a local web page served by this command: a session file replayed (play, seek, the gait "
        "events and steps), or one or two insoles live (pressure map, CoP, load shares, rate, "
        "losses) and recorded from the page",
    ),
    "info": ("pressure.cli.info", "frames, losses and errors of a recording or capture", None),
    "convert": (
        "pressure.cli.convert",
        "a session to a table (.parquet, .csv), C3D or OpenSim .mot",
        "any file `pressure analyze` reads to a tidy table of every sensor (.parquet or .csv), "
        "a C3D file (forces, centres of pressure and gait events as analog channels and C3D "
        "events) or an OpenSim .mot (forces and centres of pressure for ExternalLoads)",
    ),
    "analyze": (
        "pressure.cli.analyze",
        "gait, load shares, pronation, balance, quality of a session",
        "gait, load distribution, pronation indicators, balance and data quality of one "
        "session, as text or JSON, with the step, CoP and regional tables as CSV",
    ),
    "report": ("pressure.cli.report", "a standalone HTML or PDF report of one session", None),
    "movie": (
        "pressure.cli.movie",
        "pressure maps over time with the CoP trail: GIF or MP4",
        "each foot's pressure map over time, with the centre of pressure's trail over the last "
        "second and a time stamp, as an animated GIF or an MP4 (MP4: pip install "
        "'pressure[movie]')",
    ),
    "compare": (
        "pressure.cli.compare",
        "sessions under conditions: differences, their CIs, noise",
        "sessions of one person under conditions (barefoot, shoe, insole; before, after): each "
        "indicator's difference with its 95 % confidence interval and, with a repeat trial, "
        "whether it exceeds the trial-to-trial noise; with --batch OUT instead of files, one "
        "subject's sessions of a batch output folder over time",
    ),
    "protocol": (
        "pressure.cli.protocol",
        "a clinical protocol's trials checked: protocol lbp ...",
        "a clinical protocol's trials, checked and reported: 'protocol lbp' (low back pain: "
        "standing eyes open and closed, walking; weight-bearing asymmetry over time, sway, "
        "load shares, CPEI, each with its source; never a diagnosis)",
    ),
    "batch": (
        "pressure.cli.batch",
        "every session under a folder, in parallel, into tables",
        "analyse every session under a folder, in parallel, into tables (and reports); resumable",
    ),
    "profile": (
        "pressure.cli.profile",
        "a home-made insole's profile: profile init FILE writes one",
        "a home-made insole's profile (TOML: columns, side, layout, inversion, zero, "
        "calibration, body mass); 'profile init FILE' writes a commented one from a recording",
    ),
}
#: the width of a command's one-line help (80 columns less argparse's indent)
HELP_WIDTH = 61


def build_parser() -> argparse.ArgumentParser:
    """The ``pressure`` argument parser, one subparser per command (``COMMANDS``)."""
    parser = argparse.ArgumentParser(
        prog="pressure",
        description="Open plantar-pressure insole analyzer.",
        epilog="'pressure COMMAND --help' gives the options of one command.\n\n"
        "exit status (every command):\n"
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


def exit_status(error: PressureError) -> int:
    """The exit status of a handled error (``ERROR_STATUS``)."""
    return next(code for kind, code in ERROR_STATUS if isinstance(error, kind))


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
        The exit status (``EXIT_STATUS``: 0 success, 1 the analysis could not run, 2 usage,
        3 input, 4 device or output, 130 Ctrl-C; a handled error prints one line on
        stderr). ``--help``, ``--version`` and the parser's usage errors exit through
        ``SystemExit`` instead.
    """
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
