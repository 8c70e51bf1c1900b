"""``pressure report FILE -o OUT``: a standalone HTML page (``.html``) or A4 PDF (``.pdf``) of
one session: figures, indicators with their sources, the step table and the note."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import UsageError
from ._args import (
    add_analysis_options,
    add_trial_options,
    analysis_options,
    check_outputs,
    insole_profile,
    trial_window,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="a session file (any format `load` reads)")
    parser.add_argument(
        "-o", "--out", required=True, metavar="OUT", help="the report to write: .html or .pdf"
    )
    parser.add_argument(
        "--title", default=None, help="heading (default: the session's name or the file name)"
    )
    parser.add_argument("--overwrite", action="store_true", help="replace an existing OUT")
    add_analysis_options(parser)
    add_trial_options(parser)


def run(args: argparse.Namespace) -> int:
    from ..profile import open_with_profile, profile_notes
    from ..report import SUFFIXES, write_report

    profile = insole_profile(args)
    options = analysis_options(args, profile)
    if Path(args.out).suffix.lower() not in SUFFIXES:  # before reading: write_report checks too
        raise UsageError(f"{args.out}: a report is written as .html or .pdf")
    check_outputs([args.out], [args.file], args.overwrite)
    # read a chunk of frames at a time: a long recording's figures are drawn from a part
    with open_with_profile(args.file, profile) as session:
        for note in profile_notes(session)[1]:
            print(f"pressure report: note: {note}", file=sys.stderr)
        options = trial_window(args, session, options)
        path = write_report(
            session, args.out, title=args.title, options=options, overwrite=args.overwrite
        )
    print(path)
    return 0
