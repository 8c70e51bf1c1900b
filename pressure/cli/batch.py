"""``pressure batch DIR -o OUT``: every session under DIR, analysed in parallel, into
``summary.parquet``/``.csv``, ``quality.parquet``/``.csv``, ``steps.parquet``, ``errors.csv``,
``skipped.csv`` and ``index.html`` (and one HTML or PDF report per session with
``--report [html|pdf]``); resumable. Exit 1 when any session failed."""

from __future__ import annotations

import argparse
import sys

from ._args import (
    add_analysis_options,
    analysis_options,
    insole_profile,
    integer_in,
    number_in,
)

MAX_ERRORS_SHOWN = 20  # on the terminal; errors.csv has them all
REPORT_FORMATS = ("html", "pdf")  # pressure.batch.REPORT_FORMATS, without importing pandas


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", metavar="DIR", help="folder to search, with its subfolders")
    parser.add_argument("-o", "--out", required=True, metavar="OUT", help="output folder")
    parser.add_argument(
        "--jobs",
        type=integer_in(1, 1024),
        default=None,
        metavar="N",
        help="worker processes (default: one per CPU; 1: in this process)",
    )
    parser.add_argument(
        "--pattern",
        default=None,
        metavar="GLOB",
        help="only files whose path under DIR matches, from the right (e.g. '*.asc', 'site_a/*')",
    )
    parser.add_argument(
        "--report",
        nargs="?",
        const="html",
        default=None,
        choices=REPORT_FORMATS,
        help="also write one report per session, OUT/reports/<name>.html (or .pdf), linked "
        "from OUT/index.html; <name>: the session's path under DIR (default: html)",
    )
    parser.add_argument(
        "--force", action="store_true", help="redo every session, even those up to date"
    )
    parser.add_argument(
        "--dask",
        default=None,
        metavar="ADDRESS",
        help="run on this Dask scheduler (e.g. tcp://10.0.0.5:8786; needs pressure[dask])",
    )
    parser.add_argument(
        "--dask-timeout",
        type=number_in(0, 3600),
        default=10.0,
        metavar="S",
        help="give up on a scheduler that does not answer within S seconds (default 10)",
    )
    parser.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bar (default: when stderr is a terminal)",
    )
    add_analysis_options(parser)


def run(args: argparse.Namespace) -> int:
    from ..batch import run_batch

    profile = insole_profile(args)
    options = analysis_options(args, profile)
    result = run_batch(
        args.dir,
        args.out,
        jobs=args.jobs,
        pattern=args.pattern,
        report=args.report,
        force=args.force,
        dask=args.dask,
        dask_timeout_s=args.dask_timeout,
        progress=args.progress,
        options=options,
        profile=profile,
    )
    for i, (file, error) in enumerate(result.errors.itertuples(index=False)):
        if i == MAX_ERRORS_SHOWN:
            print(
                f"pressure batch: ... and {len(result.errors) - i} more failures: see errors.csv",
                file=sys.stderr,
            )
            break
        where = "" if file in error else f"{file}: "
        print(f"pressure batch: failed: {where}{error}", file=sys.stderr)
    print(
        f"{result.sessions} sessions: {result.analysed} analysed, {result.up_to_date} up to date, "
        f"{result.failed} failed; {len(result.skipped)} files skipped (not sessions); "
        f"tables and index.html in {args.out}"
    )
    return 1 if result.failed else 0
