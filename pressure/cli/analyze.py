"""``pressure analyze FILE``: gait, load distribution, pronation indicators, balance and quality
of one session, as a readable summary or JSON (``--json``, stable keys: see
``pressure.analysis.STABLE_KEYS``), with the per-step table, the per-frame centre of pressure
and the regional values written as CSV on request."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..display import UNIT_TEXT, reference_range
from ..display import num as _num
from ._args import (
    add_analysis_options,
    analysis_options,
    check_outputs,
    insole_profile,
    write_output,
)

if TYPE_CHECKING:
    from ..analysis import Analysis, PerSide


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="a session file (any format `load` reads)")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument(
        "--steps-csv", metavar="F", help="write the per-step table (one row per step) to F"
    )
    parser.add_argument(
        "--cop-csv",
        metavar="F",
        help="write the per-frame centre of pressure (foot frame; mm, or the layout's unit) to F",
    )
    parser.add_argument(
        "--regions-csv", metavar="F", help="write regional values per foot and region to F"
    )
    parser.add_argument(
        "--overwrite", action="store_true", help="replace the CSV files named if they exist"
    )
    add_analysis_options(parser)


def _write_csv(frame: Any, path: str, what: str, overwrite: bool) -> None:
    write_output(
        path,
        lambda target: frame.to_csv(target, index=False, float_format="%.6g"),
        what,
        overwrite,
    )


def _pair(d: PerSide[Any] | None, fmt: str = ".3g", unit: str = "") -> str:
    unit = UNIT_TEXT.get(unit, unit)
    left, right = (None, None) if d is None else (d.left, d.right)
    return f"L {_num(left, fmt)}  R {_num(right, fmt)} {unit}".rstrip()


def _any(d: PerSide[Any] | None) -> bool:
    """Whether either foot has a value."""
    return d is not None and (d.left is not None or d.right is not None)


def _sensors(numbers: tuple[int, ...] | None) -> str:
    return str(list(numbers)) if numbers else "-"


def render(result: Analysis, calibration: Sequence[str] = ()) -> str:
    """The analysis as text for a terminal (the same numbers as ``--json``); ``calibration``:
    what the profile and the insole options did to the data, one sentence each."""
    from ..analysis.indicators import NOTE, RED_FLAGS, RED_FLAGS_INTRO

    g, d, p, q = result.gait, result.distribution, result.pronation, result.quality
    walking = result.activity in ("walking", "running")
    stepped = walking or result.activity == "roll_off"  # steps with a gait line
    lines = [
        f"{result.file}  ({result.format}, {_num(result.duration_s, '.1f', 's')}, "
        f"{_num(result.sampling_rate_hz, 'g', 'Hz')}; {result.activity})",
    ]
    if result.window_s is not None:
        start, end = result.window_s
        lines[0] += f"  time window {start:g} to {end:g} s of the recording"
    if calibration:
        lines += ["", "Calibration (the profile and options)"]
        lines += [f"  {step}" for step in calibration]
    if walking:
        turns = "" if g.exclude_turns else " and turns"
        running = g.activity == "running"
        lines += [
            "",
            "Gait" + (" (running: flight phases between the steps)" if running else ""),
            f"  steps               {_pair(g.steps, 'd')}  (used for statistics, the "
            f"steady ones{turns}: {_pair(g.steps_used, 'd')})",
            f"  cadence             {_num(g.cadence_steps_per_min, '.1f', 'steps/min')}",
            f"  stride time         {_pair(g.stride_time_s, '.3f', 's')}   "
            f"CV {_pair(g.stride_time_cv_pct, '.2f', '%')}",
            f"  stance time         {_pair(g.stance_time_s, '.3f', 's')}   "
            f"{_pair(g.stance_pct, '.1f', '% of stride')}",
            f"  swing time          {_pair(g.swing_time_s, '.3f', 's')}   "
            f"{_pair(g.swing_pct, '.1f', '% of stride')}",
            f"  double support      {_pair(g.double_support_s, '.3f', 's')} (initial)",
            f"  gait asymmetry      {_num(g.gait_asymmetry_pct, '.2f', '%')} (swing times)",
        ]
        if running:
            lines += [
                f"  contact time        {_pair(g.contact_time_s, '.3f', 's')}",
                f"  flight time         {_num(g.flight_time_s, '.3f', 's')}",
            ]
    unit = d.load_unit or "mixed units"
    lines += [
        "",
        "Load distribution" + (" (over the stances)" if stepped else ""),
        f"  left share          {_num(d.left_share_pct, '.1f', '%')}   symmetry index "
        f"{_num(d.symmetry_index_pct, '+.1f', '%')} (+: right carries more)",
        f"  mean stance load    {_pair(d.mean_stance_load, '.4g', unit)}",
    ]
    # rows that need sensor positions are left out when neither foot has a value (no layout:
    # the quality notes say what a layout adds)
    geometry = [
        ("forefoot share", d.forefoot_share_pct, ".1f", "%"),
        ("medial share", d.medial_share_pct, ".1f", "%"),
        ("mean CoP, medial", d.cop_ml_pct, "+.1f", "% of foot width"),
    ]
    lines += [f"  {name:<20}{_pair(v, fmt, u)}" for name, v, fmt, u in geometry if _any(v)]
    indicators = (p.cpei_pct, p.medial_lateral_index, p.gait_line_length_mm)
    if stepped and any(_any(v) for v in (*indicators, p.gait_line_excursion_pct_fl)):
        # a plate's or a dense grid's footprint gives CPEI proper; an insole's outline a
        # CPEI-like value (METHODS §2.1)
        plate = "loaded_sensels" in {p.cpei_footprint.left, p.cpei_footprint.right}
        cpei = "CPEI      " if plate else "CPEI-like "
        lines += [
            "",
            "Pronation / supination indicators (per step, mean)",
            f"  {cpei}          {_pair(p.cpei_pct, '.1f', '%')} (+: lateral of chord)",
            f"  medial-lateral idx  {_pair(p.medial_lateral_index, '+.2f')} (+: medial)",
            f"  gait line length    {_pair(p.gait_line_length_mm, '.0f', 'mm')} (CoP path)",
            f"  gait line heel→toe  "
            f"{_pair(p.gait_line_excursion_pct_fl, '.1f', '% of foot length')}",
        ]
    balance = result.balance
    if balance:
        lines += ["", "Standing balance (95% prediction ellipse; path low-pass filtered, see JSON)"]
        rows = [("both feet", balance.combined)] + [
            (f"{side} foot", v) for side, v in balance.per_foot.items()
        ]
        for name, v in rows:
            if v:
                lines.append(
                    f"  {name:<10} sway path {_num(v.path_length_mm, '.0f', 'mm')}, "
                    f"mean velocity {_num(v.mean_velocity_mm_s, '.1f', 'mm/s')}, "
                    f"ellipse {_num(v.ellipse_area_mm2, '.0f', 'mm²')}"
                )
    lines += [
        "",
        "Quality",
        f"  frames lost {q.frames_lost}, invalid frames {q.invalid_frames}, "
        f"saturated sensors L {_sensors(q.saturated_sensors.left)} "
        f"R {_sensors(q.saturated_sensors.right)}, "
        f"dead sensors L {_sensors(q.dead_sensors.left)} "
        f"R {_sensors(q.dead_sensors.right)}",
    ]
    for problem in result.problems:
        lines.append(f"  note: {problem}")
    lines += ["", "Indicators (value | reference range | source)"]
    for ind in result.indicator_list:
        if ind.value is None:
            continue
        low, high = ind.reference_low, ind.reference_high
        ref = reference_range(low, high, ind.unit)
        if low is not None or high is not None:
            ref += f" ({ind.comparison} the reference range)"
        lines.append(f"  {ind.name:<28} {_num(ind.value, '.3g', ind.unit)} | {ref}")
        # the range's own caveats (whose norm, or an arbitrary convention) and its source
        about = f"{ind.reference}. Source: {ind.source}"
        lines.append(textwrap.indent(textwrap.fill(about, 92), "      "))
    lines += ["", textwrap.fill(NOTE, 96), "", textwrap.fill(RED_FLAGS_INTRO, 96)]
    lines += [
        textwrap.fill(flag, 94, initial_indent="- ", subsequent_indent="  ") for flag in RED_FLAGS
    ]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from ..analysis import analyze
    from ..profile import load_with_profile, profile_notes

    outputs = [args.steps_csv, args.cop_csv, args.regions_csv]
    check_outputs(outputs, [args.file], args.overwrite)  # before reading FILE
    profile = insole_profile(args)
    options = analysis_options(args, profile)
    session = load_with_profile(args.file, profile)
    result = analyze(session, options)
    applied, notes = profile_notes(session)
    for note in notes:
        print(f"pressure analyze: note: {note}", file=sys.stderr)
    if args.steps_csv:
        _write_csv(result.steps, args.steps_csv, "step table", args.overwrite)
    if args.cop_csv:
        _write_csv(result.cop, args.cop_csv, "centre of pressure", args.overwrite)
    if args.regions_csv:
        _write_csv(result.regions, args.regions_csv, "regional values", args.overwrite)
    if args.json:
        summary = result.summary
        if "profile" in session.metadata:  # what the profile and options did, and did not
            summary = {**summary, "profile": session.metadata["profile"]}
        print(json.dumps(summary, indent=2, allow_nan=False))
    else:
        print(render(result, applied))
    return 0
