"""``pressure profile init FILE``: write a commented insole profile (TOML) for the board that
made FILE (any file ``pressure.load`` reads, a recording or capture included): what was found
in it (feet, sensors, unit, rate) and every key of ``pressure.profile``, ready to edit. OUT
appears whole or not at all, and is not replaced unless ``--overwrite``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ._args import check_outputs, write_output

DEFAULT_OUT = "profile.toml"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    init = actions.add_parser(
        "init",
        help="a commented profile from a recording's columns",
        description="Write a commented insole profile (TOML) from a recording or file of the "
        "board: its feet, sensors, unit and rate, and every key to edit.",
    )
    init.add_argument("file", metavar="FILE", help="a recording or file of the board")
    init.add_argument(
        "-o",
        "--out",
        default=DEFAULT_OUT,
        metavar="OUT",
        help=f"the profile to write (default: {DEFAULT_OUT})",
    )
    init.add_argument("--overwrite", action="store_true", help="replace an existing OUT")


def run(args: argparse.Namespace) -> int:
    from ..io.load import load
    from ..profile import profile_template

    out = Path(args.out)
    check_outputs([args.out], [args.file], args.overwrite)  # before reading FILE
    session = load(args.file)
    text = profile_template(session, args.file)
    write_output(args.out, lambda path: path.write_text(text, "utf-8"), "profile", args.overwrite)
    feet = ", ".join(f"{side} {f.n_sensors} sensors" for side, f in session.feet.items())
    print(
        f"wrote {out}: a profile for {feet or 'no feet'}; edit it, then "
        f"pressure analyze FILE --profile {out}",
        file=sys.stderr,
    )
    return 0
