"""``pressure compare A B [C ...]``: sessions of one person under conditions (barefoot / shoe /
insole, before / after), indicator by indicator: each condition's value, the difference from the
first, its 95 % confidence interval from the step-to-step variation, and, with a repeat trial of
the first condition (``--repeat``), whether it exceeds the trial-to-trial noise
(``pressure.analysis.compare`` says how). As text, JSON (``--json``) or a page (``-o OUT.html``)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..errors import UsageError
from ._args import (
    add_analysis_options,
    analysis_options,
    check_outputs,
    insole_profile,
    write_output,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "files", nargs="+", metavar="FILE", help="two or more sessions; the first is the reference"
    )
    parser.add_argument(
        "--labels", default=None, help="a name per session, comma-separated (default: file names)"
    )
    parser.add_argument(
        "--repeat", default=None, metavar="FILE", help="a repeat trial of the first condition"
    )
    parser.add_argument("--json", action="store_true", help="print the comparison as JSON")
    parser.add_argument(
        "-o", "--out", default=None, metavar="OUT", help="write a page (.html) or an A4 PDF (.pdf)"
    )
    parser.add_argument("--title", default=None, help="the page's heading")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing OUT")
    add_analysis_options(parser)


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    text = f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"
    return "0" if text in ("-0", "-0.0") else text


def run(args: argparse.Namespace) -> int:
    from .._version import __version__
    from ..analysis.compare import compare
    from ..profile import load_with_profile
    from ..report import compare_page

    if len(args.files) < 2:
        raise UsageError("compare needs two session files or more")
    labels = [s.strip() for s in args.labels.split(",")] if args.labels else None
    if labels is not None and (len(labels) != len(args.files) or len(set(labels)) != len(labels)):
        raise UsageError(f"--labels: {len(args.files)} distinct names, one per file, are needed")
    suffix = Path(args.out).suffix.lower() if args.out is not None else None
    if suffix is not None and suffix not in (".html", ".htm", ".pdf"):
        raise UsageError(f"{args.out}: a comparison is written as .html or .pdf")
    inputs = [*args.files, *([args.repeat] if args.repeat else [])]
    check_outputs([args.out], inputs, args.overwrite)
    profile = insole_profile(args)
    options = analysis_options(args, profile)
    sessions = [load_with_profile(f, profile) for f in args.files]
    repeat = load_with_profile(args.repeat, profile) if args.repeat else None
    result = compare(sessions, labels, repeat=repeat, options=options)
    if args.out is not None:
        title = args.title or " vs ".join(str(c["label"]) for c in result.conditions)
        if suffix == ".pdf":

            def write(path: Path) -> None:
                compare_page.render_pdf(result, title, __version__, path)

        else:
            page = compare_page.render(result, title, __version__)

            def write(path: Path) -> None:
                path.write_text(page, encoding="utf-8")

        write_output(args.out, write, "comparison", args.overwrite)
    if args.json:
        json.dump(result.to_dict(), sys.stdout, indent=2)
        print()
        return 0
    names = [str(c["label"]) for c in result.conditions]
    print("compare " + ", ".join(f"{c['label']} ({c['file']})" for c in result.conditions))
    if result.repeat:
        print(f"repeat of {result.reference}: {result.repeat}")
    width = max(len(d.label) for d in result.indicators) if result.indicators else 20
    for d in result.indicators:
        values = "  ".join(f"{n} {_fmt(d.conditions.get(n))}" for n in names)
        ci = f" [{_fmt(d.ci95_low)}, {_fmt(d.ci95_high)}]" if d.ci95_low is not None else ""
        verdict = {True: "  exceeds noise", False: "  within noise", None: ""}[d.exceeds_noise]
        unit = f" {d.unit}" if d.unit else ""
        print(
            f"  {d.label:<{width}}  {values}  {d.compared} {_fmt(d.difference)}{ci}{unit}{verdict}"
        )
    for note in result.notes:
        print(f"note: {note}")
    print(f"method: {result.method}")
    if args.out is not None:
        print(args.out)
    return 0
