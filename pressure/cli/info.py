"""``pressure info``: frames per side, losses, CRC errors, duration and rate of a recording or
a capture; for a recording also its session, links and clock alignment."""

from __future__ import annotations

import argparse
import json

from ._args import number_in


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="capture or recording")
    parser.add_argument("--json", action="store_true", help="print a JSON object (stable keys)")
    parser.add_argument(
        "--rate",
        type=number_in(0, 100_000),
        default=None,
        metavar="HZ",
        help="sample rate of a line-mode capture whose lines carry no time",
    )


def _fmt(value: float | None, unit: str) -> str:
    return "unknown" if value is None else f"{value:g} {unit}"


def run(args: argparse.Namespace) -> int:
    from ..io.frames import read_frames, summarize_frames

    summary = summarize_frames(read_frames(args.file, rate_hz=args.rate))
    if args.json:
        print(json.dumps(summary.as_json(), indent=2))
        return 0
    c = summary.counters
    rec = summary.recording
    if rec is None:
        lines = [f"{summary.path}  (capture, {summary.mode} mode, {c['bytes_total']} bytes)"]
    else:
        lines = [
            f"{summary.path}  (recording of {rec['file_bytes']} bytes; {summary.mode} mode, "
            f"{c['bytes_total']} bytes from the links)"
        ]
        session = rec["session"]
        state = "complete" if rec["complete"] else "not closed by its recorder (read to the end)"
        lines.append(f"  recording started {session.get('start_time_utc', '?')}, {state}")
        if rec["ignored_tail_bytes"]:
            lines.append(
                f"  its last {rec['ignored_tail_bytes']} bytes are a record cut short (the "
                "recorder stopped while writing it); everything before them was read"
            )
        subject = {k[8:]: v for k, v in session.items() if k.startswith("subject.")}
        if subject:
            lines.append("  subject " + "  ".join(f"{k} {v}" for k, v in subject.items()))
        for link in rec["links"]:
            feet = " and ".join(link["sides"]) or "no"
            given = f", given as {link['role']}" if link["role"] != "both" else ""
            lines.append(f"  link {link['port']}: {feet} foot frames{given}, {link['bytes']} bytes")
        for clock in rec["clock"]:
            drift = clock["drift_ppm"]
            drift_text = "not estimated (under 30 s)" if drift is None else f"{drift:.1f} ppm"
            lines.append(
                f"  clock of {clock['port']}: offset {clock['offset_s']:.6f} s, "
                f"drift {drift_text}, {clock['frames']} frames"
            )
        if rec["disconnects"]:
            lines.append(f"  disconnects {rec['disconnects']}  reconnects {rec['reconnects']}")
    for device in summary.devices:
        lines.append(
            f"  device {device['device_id']:#010x}  firmware {device['firmware_version']}  "
            f"{device['side']}  {device['sensor_count']} sensors  layout {device['layout']!r}  "
            f"nominal {device['nominal_rate_hz']:g} Hz"
        )
    for name, side in summary.sides.items():
        lines.append(
            f"  {name:<5} {side.frames} frames  {'/'.join(map(str, side.sensors))} sensors  "
            f"{_fmt(side.duration_s, 's')}  {_fmt(side.sampling_rate_hz, 'Hz')}"
        )
    if not summary.sides:
        lines.append("  no sample frames")
    lines.append(
        f"  frames lost {c['frames_lost']}  CRC errors {c['crc_errors']}  "
        f"bad headers {c['header_errors']}  bytes skipped {c['bytes_skipped']}  "
        f"duplicates {c['duplicates']}  out of order {c['out_of_order']}"
    )
    if summary.mode == "text":
        lines.append(f"  bad lines {c['bad_lines']}")
    for error in summary.first_errors:
        lines.append(f"  first problems: {error}")
    print("\n".join(lines))
    return 0
