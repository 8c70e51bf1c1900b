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

from ..display import UNIT_TEXT, findings, reference_range
from ..display import num as _num
from ._args import (
    add_analysis_options,
    add_trial_options,
    analysis_options,
    check_outputs,
    insole_profile,
    trial_window,
    write_output,
)

if TYPE_CHECKING:
    from ..analysis import Analysis, PerSide
    from ..analysis.results import Indicator, Quality

#: the width text is wrapped to
WIDTH = 96
#: loads (mean stance load, in its unit) and loads in body weights, wherever they are printed
LOAD_FORMAT = ".1f"
BW_FORMAT = ".2f"


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
    parser.add_argument(
        "--sources",
        action="store_true",
        help="also print each indicator's reference range in full with its source, the full "
        "non-diagnostic note and the red flags (--json always has them)",
    )
    parser.add_argument(
        "--red-flags",
        action="store_true",
        help="also print the red flags: signs with back pain that need a doctor, whatever "
        "the numbers say",
    )
    add_analysis_options(parser)
    add_trial_options(parser)


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


def _wrapped(text: str, indent: str = "  ", more: str = "      ") -> list[str]:
    return textwrap.wrap(
        text,
        WIDTH,
        initial_indent=indent,
        subsequent_indent=more,
        break_long_words=False,  # a DOI or an address stays whole
        break_on_hyphens=False,
    )


def _quality(q: Quality) -> str:
    """Frames lost and invalid, and the sensors that look saturated or dead, in one line."""
    text = f"  frames lost {q.frames_lost}, invalid frames {q.invalid_frames}; "
    if not any((*q.saturated_sensors.to_dict().values(), *q.dead_sensors.to_dict().values())):
        return text + "no saturated or dead sensors"
    return text + (
        f"saturated sensors L {_sensors(q.saturated_sensors.left)} "
        f"R {_sensors(q.saturated_sensors.right)}, "
        f"dead sensors L {_sensors(q.dead_sensors.left)} R {_sensors(q.dead_sensors.right)}"
    )


def _sources(result: Analysis, labels: dict[str, str]) -> list[str]:
    """Each indicator with a value, once for both feet: its JSON names, its reference range,
    what the range is and its source."""
    from ..analysis.indicators import WORDING

    groups: dict[str, list[Indicator]] = {}
    for ind in result.indicator_list:
        groups.setdefault(ind.name.partition(".")[0], []).append(ind)
    lines = ["", "Sources of the reference ranges (the JSON names in brackets)"]
    for key, inds in groups.items():
        if all(ind.value is None for ind in inds):
            continue
        first = inds[0]
        names = ", ".join(ind.name for ind in inds)
        ref = reference_range(first.reference_low, first.reference_high, first.unit)
        lines += _wrapped(f"{labels.get(key, WORDING[key].label)} [{names}]: {ref}", "  ")
        # the range's own caveats (whose norm, or an arbitrary convention) and its source
        lines += _wrapped(f"{first.reference}. Source: {first.source}", "      ")
    return lines


def render(
    result: Analysis,
    calibration: Sequence[str] = (),
    *,
    sources: bool = False,
    red_flags: bool = False,
) -> str:
    """The analysis as text for a terminal (the same numbers as ``--json``): the findings
    first (each indicator against its reference range, one sentence each), then the measured
    sections, then the non-diagnostic note. ``calibration``: what the profile and the insole
    options did to the data, one sentence each. ``sources``: every indicator's reference in
    full with its source, the full note and the red flags; ``red_flags``: the red flags (else
    one line says how to see them)."""
    from ..analysis.indicators import NOTE, NOTE_SHORT, RED_FLAGS, RED_FLAGS_INTRO, WORDING

    fmt = {key: words.fmt for key, words in WORDING.items()}  # one format per quantity
    g, d, p, q = result.gait, result.distribution, result.pronation, result.quality
    walking = result.activity in ("walking", "running")
    stepped = walking or result.activity == "roll_off"  # steps with a gait line
    # a plate's or a dense grid's footprint gives CPEI proper; an insole's outline a
    # CPEI-like value (METHODS §2.1)
    plate = "loaded_sensels" in {p.cpei_footprint.left, p.cpei_footprint.right}
    lines = [
        f"{result.file}  ({result.format}, {_num(result.duration_s, '.1f', 's')}, "
        f"{_num(result.sampling_rate_hz, 'g', 'Hz')}; {result.activity})",
    ]
    if result.window_s is not None:
        start, end = result.window_s
        lines[0] += f"  time window {start:g} to {end:g} s of the recording"
    labels = {"cpei_pct": "CPEI"} if plate else {}
    found = findings([ind.to_dict() for ind in result.indicator_list], WIDTH, labels)
    lines += ["", "Findings (each beside one study's reference range)"]
    lines += found or ["  no indicator could be had from this session (see the quality notes)"]
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
            f"  cadence             "
            f"{_num(g.cadence_steps_per_min, fmt['cadence_steps_per_min'], 'steps/min')}",
            f"  stride time         {_pair(g.stride_time_s, fmt['stride_time_s'], 's')}   "
            f"CV {_pair(g.stride_time_cv_pct, fmt['stride_time_cv_pct'], '%')}",
            f"  stance time         {_pair(g.stance_time_s, fmt['stride_time_s'], 's')}   "
            f"{_pair(g.stance_pct, fmt['swing_pct'], '% of stride')}",
            f"  swing time          {_pair(g.swing_time_s, fmt['stride_time_s'], 's')}   "
            f"{_pair(g.swing_pct, fmt['swing_pct'], '% of stride')}",
            f"  double support      {_pair(g.double_support_s, fmt['stride_time_s'], 's')} "
            "(initial)",
            f"  gait asymmetry      "
            f"{_num(g.gait_asymmetry_pct, fmt['gait_asymmetry_pct'], '%')} (swing times)",
        ]
        if running:
            lines += [
                f"  contact time        {_pair(g.contact_time_s, fmt['stride_time_s'], 's')}",
                f"  flight time         {_num(g.flight_time_s, fmt['stride_time_s'], 's')}",
            ]
    unit = d.load_unit or "mixed units"
    load = f"  mean stance load    {_pair(d.mean_stance_load, LOAD_FORMAT, unit)}"
    if _any(d.mean_stance_force_bw):  # forces, and a body mass from the options or the file
        load += (
            f" = {_pair(d.mean_stance_force_bw, BW_FORMAT, '× BW')} "
            f"(body mass {_num(d.body_mass_kg, 'g', 'kg')})"
        )
    elif d.body_mass_kg is not None and _any(d.mean_stance_load):
        load += f" (not forces: no body weights for {_num(d.body_mass_kg, 'g', 'kg')})"
    lines += [
        "",
        "Load distribution" + (" (over the stances)" if stepped else ""),
        f"  left share          {_num(d.left_share_pct, fmt['left_share_pct'], '%')}   "
        f"symmetry index {_num(d.symmetry_index_pct, fmt['symmetry_index_pct'], '%')} "
        "(+: right carries more)",
        load,
    ]
    # rows that need sensor positions are left out when neither foot has a value (no layout:
    # the quality notes say what a layout adds)
    share = fmt["left_share_pct"]
    geometry = [
        ("forefoot share", d.forefoot_share_pct, share, "%"),
        ("medial share", d.medial_share_pct, share, "%"),
        ("mean CoP, medial", d.cop_ml_pct, "+.1f", "% of foot width"),
    ]
    lines += [f"  {name:<20}{_pair(v, f, u)}" for name, v, f, u in geometry if _any(v)]
    indicators = (p.cpei_pct, p.medial_lateral_index, p.gait_line_length_mm)
    if stepped and any(_any(v) for v in (*indicators, p.gait_line_excursion_pct_fl)):
        cpei = "CPEI      " if plate else "CPEI-like "
        lines += [
            "",
            "Pronation / supination indicators (per step, mean)",
            f"  {cpei}          {_pair(p.cpei_pct, fmt['cpei_pct'], '%')} (+: lateral of chord)",
            f"  medial-lateral idx  "
            f"{_pair(p.medial_lateral_index, fmt['medial_lateral_index'])} (+: medial)",
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
    lines += ["", "Quality", _quality(q)]
    # a note stays one line (it may name a file or a path to copy, and grep finds it whole)
    lines += [f"  note: {problem}" for problem in result.problems]
    if sources:
        lines += _sources(result, labels)
    lines.append("")
    if not sources:
        lines.append("Where each reference range comes from, and what it is: add --sources.")
    if sources or red_flags:
        lines += [textwrap.fill(RED_FLAGS_INTRO, WIDTH)]
        lines += [
            textwrap.fill(flag, WIDTH - 2, initial_indent="- ", subsequent_indent="  ")
            for flag in RED_FLAGS
        ]
        lines.append("")
    else:
        lines.append(
            "Back pain with warning signs needs a doctor, whatever these numbers say: "
            "--red-flags lists them."
        )
    lines.append(textwrap.fill(NOTE if sources else NOTE_SHORT, WIDTH))
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from ..analysis import analyze
    from ..profile import open_with_profile, profile_notes

    outputs = [args.steps_csv, args.cop_csv, args.regions_csv]
    check_outputs(outputs, [args.file], args.overwrite)  # before reading FILE
    profile = insole_profile(args)
    options = analysis_options(args, profile)
    # a recording is read a chunk of frames at a time (bounded memory: README "Long
    # recordings"); the per-frame CoP, made only for --cop-csv, is read while it is open
    with open_with_profile(args.file, profile) as session:
        result = analyze(session, trial_window(args, session, options))
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
            print(render(result, applied, sources=args.sources, red_flags=args.red_flags))
    return 0
