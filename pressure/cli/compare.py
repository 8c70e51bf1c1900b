"""``pressure compare A B [C ...]``: sessions of one person under conditions (barefoot / shoe /
insole, before / after), indicator by indicator: each condition's value, the difference from the
first, its 95 % confidence interval from the step-to-step variation, and, with a repeat trial of
the first condition (``--repeat``), whether it exceeds the trial-to-trial noise
(``pressure.analysis.compare`` says how). As text, JSON (``--json``) or a page (``-o OUT.html``).

``pressure compare --batch OUT [--subject ID]``: instead of files, a batch output folder's
sessions of one subject over time, each indicator's value per session and its change from the
first (``pressure.analysis.timeline``)."""

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
        "files", nargs="*", metavar="FILE", help="two or more sessions; the first is the reference"
    )
    timeline = parser.add_argument_group(
        "a subject's sessions over time, from a batch output folder (instead of FILE)"
    )
    timeline.add_argument(
        "--batch",
        default=None,
        metavar="OUT",
        help="the output folder of `pressure batch DIR -o OUT`: one subject's sessions in the "
        "order of their start times, each indicator's value and change from the first",
    )
    timeline.add_argument(
        "--subject",
        default=None,
        metavar="ID",
        help="the subject (subject.subject_id) whose sessions to take; needed when the folder "
        "holds several",
    )
    timeline.add_argument(
        "--indicators",
        default=None,
        metavar="NAME,...",
        help="the indicators (default: left share, symmetry index, cadence, stance time, CPEI "
        "and mean stance force per foot), by name (cpei_pct.left) or summary column",
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


def run(args: argparse.Namespace) -> int:
    from .._version import __version__
    from ..analysis.compare import compare
    from ..profile import load_with_profile
    from ..report import compare_page

    if args.batch is not None:
        return _over_time(args)
    if args.subject is not None or args.indicators is not None:
        raise UsageError("--subject and --indicators go with --batch")
    if len(args.files) < 2:
        raise UsageError("compare needs two session files or more, or --batch OUT")
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
    number = compare_page.number
    for d in result.indicators:
        values = "  ".join(f"{n} {number(d.conditions.get(n))}" for n in names)
        ci = f" [{number(d.ci95_low)}, {number(d.ci95_high)}]" if d.ci95_low is not None else ""
        verdict = {True: "  exceeds noise", False: "  within noise", None: ""}[d.exceeds_noise]
        change = f"{d.compared} {number(d.difference, d.unit)}{ci}"
        print(f"  {d.label:<{width}}  {values}  {change}{verdict}")
    for note in result.notes:
        print(f"note: {note}")
    print(f"method: {result.method}")
    if args.out is not None:
        print(args.out)
    return 0


def _over_time(args: argparse.Namespace) -> int:
    """``--batch OUT``: a subject's sessions over time (``pressure.analysis.timeline``)."""
    from .._version import __version__
    from ..analysis.timeline import read_summary, text_lines, timeline
    from ..report import timeline_page

    if args.files:
        raise UsageError(
            "FILE and --batch do not go together: give session files to compare, or a batch "
            "output folder to follow a subject over time"
        )
    given = [o for o, v in (("--labels", args.labels), ("--repeat", args.repeat)) if v]
    defaults = argparse.ArgumentParser(add_help=False)
    add_analysis_options(defaults)
    given += [
        "--" + dest.replace("_", "-")
        for dest, default in vars(defaults.parse_args([])).items()
        if getattr(args, dest) != default
    ]
    if given:
        raise UsageError(
            f"{', '.join(given)}: not with --batch (the batch's sessions were analysed when it "
            "ran; give these to `pressure batch`, or compare the files)"
        )
    if args.out is not None and Path(args.out).suffix.lower() not in (".html", ".htm"):
        raise UsageError(f"{args.out}: a timeline is written as .html")
    names = (
        [n.strip() for n in args.indicators.split(",") if n.strip()] if args.indicators else None
    )
    if args.indicators is not None and not names:
        raise UsageError("--indicators: name one indicator or more, comma-separated")
    summary, source = read_summary(args.batch)
    check_outputs([args.out], [str(source)], args.overwrite)
    result = timeline(summary, subject=args.subject, indicators=names, source=str(source))
    if args.out is not None:
        who = f"Subject {result.subject}" if result.subject else Path(args.batch).name
        page = timeline_page.render(result, args.title or f"{who} over time", __version__)
        write_output(
            args.out, lambda p: p.write_text(page, encoding="utf-8"), "timeline", args.overwrite
        )
    if args.json:
        json.dump(result.to_dict(), sys.stdout, indent=2)
        print()
        return 0
    print("\n".join(text_lines(result)))
    if args.out is not None:
        print(args.out)
    return 0
