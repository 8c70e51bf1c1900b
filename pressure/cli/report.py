"""``pressure report FILE -o OUT``: a standalone HTML page (``.html``) or A4 PDF (``.pdf``) of
one session: figures, indicators with their sources, the step table and the note."""

from __future__ import annotations

import argparse

from ._args import add_analysis_options, analysis_options


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="a session file (any format `load` reads)")
    parser.add_argument(
        "-o", "--out", required=True, metavar="OUT", help="the report to write: .html or .pdf"
    )
    parser.add_argument(
        "--title", default=None, help="heading (default: the session's name or the file name)"
    )
    add_analysis_options(parser)


def run(args: argparse.Namespace) -> int:
    from ..report import write_report

    options = analysis_options(args)
    path = write_report(args.file, args.out, title=args.title, options=options)
    print(path)
    return 0
