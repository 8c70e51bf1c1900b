"""``pressure protocol lbp``: the low-back-pain assessment protocol
(``pressure.analysis.protocol``): which trials were given and whether they are as the protocol
asks, the weight-bearing asymmetry over time in quiet standing, sway with eyes open and closed,
the walk's load shares and CPEI, each with its source; what the clinician typed beside them;
the red flags. Never a diagnosis. As text, JSON (``--json``) or a page (``-o OUT.html``)."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from html import escape
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ._args import (
    add_analysis_options,
    analysis_options,
    check_outputs,
    insole_profile,
    number_in,
    write_output,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", choices=["lbp"], help="the protocol: lbp (low back pain)")
    parser.add_argument(
        "--standing", required=True, metavar="FILE", help="quiet standing, eyes open"
    )
    parser.add_argument("--eyes-closed", metavar="FILE", help="quiet standing, eyes closed")
    parser.add_argument("--walk", metavar="FILE", help="level walking (30 steady steps a foot)")
    parser.add_argument(
        "--footprint", metavar="FILE", help="a barefoot step over a pressure plate (arch index)"
    )
    parser.add_argument("--pain", type=number_in(0, 10), help="pain now, 0-10 (shown, not used)")
    parser.add_argument(
        "--oswestry", type=number_in(0, 100), help="Oswestry disability index, %% (shown)"
    )
    parser.add_argument(
        "--hours-worn", type=number_in(0, 100_000), help="hours the insole was worn (shown)"
    )
    parser.add_argument("--json", action="store_true", help="print the assessment as JSON")
    parser.add_argument("-o", "--out", default=None, metavar="OUT.html", help="write a page")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing OUT")
    add_analysis_options(parser)


#: the width text is wrapped to
WIDTH = 96
#: how the clinician's fields are shown
FIELDS = {
    "pain_0_10": "pain (0-10)",
    "oswestry_pct": "Oswestry index (%)",
    "hours_worn": "hours worn",
}


def _fmt(value: Any, unit: str = "", fmt: str = ".1f") -> str:
    """``display.num`` with one decimal unless said otherwise."""
    from ..display import num

    return num(value, fmt, unit)


def lines(result: Any) -> list[str]:
    """The assessment as text lines: the checks, the numbers with their sources, the
    clinician's fields, the note and the red flags."""
    out = ["Low back pain assessment protocol (measurements, not a diagnosis)", ""]
    out.append("Trials")
    for c in result.checks:
        given = f" ({c.given})" if c.given else ""
        detail = f": {c.detail}" if c.detail else ""
        out.append(f"  {c.trial:<22} {c.status}{detail}{given}")
    if result.standing:
        w = result.standing["weight_bearing_asymmetry_pct_bw"]
        out += [
            "",
            "Quiet standing, eyes open",
            f"  weight-bearing asymmetry  {_fmt(w['trial'], '%')} of body weight over the trial; "
            f"per {w['window_s']:g} s: mean {_fmt(w['mean'], '%')}, SD {_fmt(w['sd'], '%')}, "
            f"largest {_fmt(w['max'], '%')}",
            f"    group means in {w['source']}: low back pain "
            f"{w['group_means_childs_2003']['low back pain']} %, controls "
            f"{w['group_means_childs_2003']['controls']} % ({w['what_it_says']})",
            f"  left share {_fmt(result.standing['left_share_pct'], '%')}; sway "
            f"{_fmt(result.standing['sway_mean_velocity_mm_s'], 'mm/s')}, ellipse "
            f"{_fmt(result.standing['sway_ellipse_area_mm2'], 'mm²', '.0f')}",
        ]
    if result.eyes_closed:
        out.append(
            f"  eyes closed: sway {_fmt(result.eyes_closed['sway_mean_velocity_mm_s'], 'mm/s')}, "
            f"ellipse {_fmt(result.eyes_closed['sway_ellipse_area_mm2'], 'mm²', '.0f')}"
        )
    if result.romberg:
        out.append(
            "  Romberg quotient (eyes closed / open): velocity "
            f"{_fmt(result.romberg['sway_mean_velocity_mm_s'], '', '.2f')}, ellipse "
            f"{_fmt(result.romberg['sway_ellipse_area_mm2'], '', '.2f')}"
        )
    if result.walking:
        w = result.walking
        cpei = ", ".join(f"{k} {_fmt(v, '%')}" for k, v in w["cpei_pct"].items())
        out += [
            "",
            "Walking",
            f"  steady steps L {w['steady_steps'].get('left')} R {w['steady_steps'].get('right')}"
            f"; cadence {_fmt(w['cadence_steps_per_min'], 'steps/min')}",
            f"  left share {_fmt(w['left_share_pct'], '%')}, symmetry index "
            f"{_fmt(w['symmetry_index_pct'], '%')} (+: right carries more)",
            f"  CPEI {cpei} ({w['cpei_source']})",
        ]
    if result.footprint:
        f = result.footprint
        values = ", ".join(f"{side} {v:.3f}" for side, v in f["arch_index"].items())
        low, high = f["normal_range"]
        out += [
            "",
            "Footprint",
            f"  arch index {values} (normal {low}-{high}, {f['source']}; {f['what_it_says']})",
        ]
    if result.clinician:
        said = ", ".join(f"{FIELDS.get(k, k)} {v:g}" for k, v in result.clinician.items())
        out += ["", f"Clinician's fields (shown, not used): {said}"]
    out += [
        "",
        *textwrap.wrap(result.note, WIDTH),
        "",
        *textwrap.wrap(result.red_flags_intro, WIDTH),
    ]
    for flag in result.red_flags:
        out += textwrap.wrap(flag, WIDTH, initial_indent="  - ", subsequent_indent="    ")
    return [
        wrapped
        for line in out
        for wrapped in (textwrap.wrap(line, WIDTH, subsequent_indent="      ") or [""])
    ]


def page(result: Any, version: str) -> str:
    """The assessment as a standalone HTML page (the report's CSS and policy)."""
    from ..report.html import CSS

    body = []
    text = lines(result)
    body.append("<h1>Low back pain assessment protocol</h1>")
    body.append('<p class="note">Measurements, not a diagnosis.</p>')
    rows = "".join(
        f"<tr><td>{escape(c.trial)}</td><td>{escape(c.status)}</td><td>{escape(c.detail)}</td>"
        f"<td>{escape(c.given or '')}</td></tr>"
        for c in result.checks
    )
    body.append(
        "<h2>Trials</h2><table><thead><tr><th>trial</th><th>status</th><th>detail</th>"
        f"<th>file</th></tr></thead><tbody>{rows}</tbody></table>"
    )
    start = text.index("Trials") + len(result.checks) + 1
    body.append("<h2>Numbers</h2><pre>" + escape("\n".join(text[start:])) + "</pre>")
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "img-src data:; style-src 'unsafe-inline'\">"
        f"<title>Low back pain protocol</title><style>{CSS}pre{{white-space:pre-wrap}}</style>"
        f"</head><body>{''.join(body)}<footer>pressure {escape(version)}</footer></body></html>"
    )


def run(args: argparse.Namespace) -> int:
    from .._version import __version__
    from ..analysis.protocol import lbp_assessment
    from ..profile import load_with_profile

    if args.out is not None and Path(args.out).suffix.lower() not in (".html", ".htm"):
        raise UsageError(f"{args.out}: the protocol's page is written as .html")
    inputs = [f for f in (args.standing, args.eyes_closed, args.walk, args.footprint) if f]
    check_outputs([args.out], inputs, args.overwrite)
    profile = insole_profile(args)
    options = analysis_options(args, profile)

    def session(path: str | None) -> Any:
        return load_with_profile(path, profile) if path else None

    clinician = {
        k: v
        for k, v in (
            ("pain_0_10", args.pain),
            ("oswestry_pct", args.oswestry),
            ("hours_worn", args.hours_worn),
        )
        if v is not None
    }
    result = lbp_assessment(
        session(args.standing),
        eyes_closed=session(args.eyes_closed),
        walk=session(args.walk),
        footprint=session(args.footprint),
        clinician=clinician,
        options=options,
    )
    if args.out is not None:
        html = page(result, __version__)
        write_output(
            args.out, lambda p: p.write_text(html, encoding="utf-8"), "page", args.overwrite
        )
    if args.json:
        json.dump(result.to_dict(), sys.stdout, indent=2)
        print()
    else:
        print("\n".join(lines(result)))
    return 0
