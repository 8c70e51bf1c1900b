"""``pressure info``: what a file holds, for any format ``pressure.load`` reads.

Every file: the format, duration, rate, and per foot the frames, sensors, unit and layout, the
device and source the file names, and the reader's quality counts and problems. What else the
session carries is shown too: for the project's own recordings and captures, the wire stream's
summary the reader gives (``metadata["wire"]``: frames per side, losses, CRC errors, duration
and rate; for a recording also its session, links and clock alignment), which is then what the
text shows."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._args import number_in

if TYPE_CHECKING:
    from ..io.source import SessionSource
    from ..model import Session


#: How a line-mode capture's time unit was found (``LineDecoder.line_info``), for ``info``.
_UNIT_FROM = {
    "suffix": "from the values' suffix",
    "name": "from the column's name",
    "steps": "from the clock's step size",
    "mixed": "from suffixes and names",
    "host receipts": "from this computer's receipt times",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "file", metavar="FILE", help="recording, capture, or any file `pressure analyze` reads"
    )
    parser.add_argument("--json", action="store_true", help="print a JSON object (stable keys)")
    parser.add_argument(
        "--rate",
        type=number_in(0, 100_000),
        default=None,
        metavar="HZ",
        help="read FILE as a line-mode capture whose lines carry no time, sampled at HZ",
    )


def _fmt(value: float | None, unit: str) -> str:
    return "unknown" if value is None else f"{value:g} {unit}"


def session_info(session: Session | SessionSource) -> dict[str, Any]:
    """The JSON summary of a session of any format (stable keys: ``path``, ``format``,
    ``duration_s``, ``sampling_rate_hz``, ``feet`` (per side: ``frames``, ``sensors``,
    ``unit``, ``sampling_rate_hz``, ``duration_s``, ``layout``, ``coordinate_unit``,
    ``foot_length_mm``, ``foot_width_mm``, ``regions``), ``device``, ``source``, ``quality``,
    ``problems``), and the keys of the wire summary when the reader gives one (``frames``
    (``left``, ``right``), ``frames_lost``, ``crc_errors``, ``bytes_skipped``, ``duration_s``
    and ``sampling_rate_hz`` of the device clock, ``recording`` ...; see
    ``CaptureSummary.as_json``)."""
    feet: dict[str, Any] = {}
    for side, foot in session.feet.items():
        layout = foot.layout
        span = float(foot.time_s[-1] - foot.time_s[0]) if foot.n_frames > 1 else 0.0
        feet[side] = {
            "frames": foot.n_frames,
            "sensors": foot.n_sensors,
            "unit": foot.unit,
            "sampling_rate_hz": foot.sampling_rate_hz,
            "duration_s": span + (1.0 / foot.sampling_rate_hz if foot.n_frames else 0.0),
            "layout": None if layout is None else layout.name,
            "coordinate_unit": None if layout is None else layout.coordinate_unit,
            "foot_length_mm": None if layout is None else layout.foot_length_mm,
            "foot_width_mm": None if layout is None else layout.foot_width_mm,
            "regions": [] if layout is None else sorted(layout.regions),
        }
    meta = session.metadata
    wire = meta.get("wire")
    return {
        "path": str(session.path),
        "format": session.format,
        "duration_s": session.duration_s,
        "sampling_rate_hz": session.sampling_rate_hz,
        "feet": feet,
        "device": meta.get("device"),
        "source": meta.get("source"),
        "quality": dict(session.quality),
        "problems": list(session.problems),
        **(wire if isinstance(wire, dict) else {}),
    }


def _render_session(info: dict[str, Any]) -> str:
    lines = [
        f"{info['path']}  ({info['format']}, {_fmt(info['duration_s'], 's')}, "
        f"{_fmt(info['sampling_rate_hz'], 'Hz')})"
    ]
    device = info["device"]
    if isinstance(device, dict):
        device = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in device.items() if v)
    if device:
        lines.append(f"  device: {device}")
    for side, foot in info["feet"].items():
        layout = "no layout" if foot["layout"] is None else f"layout {foot['layout']!r}"
        if foot["foot_length_mm"] is not None:
            unit = foot["coordinate_unit"]
            layout += f" ({foot['foot_length_mm']:.0f} × {foot['foot_width_mm']:.0f} {unit})"
        lines.append(
            f"  {side:<5} {foot['frames']} frames  {foot['sensors']} sensors  {foot['unit']}  "
            f"{_fmt(foot['duration_s'], 's')}  {_fmt(foot['sampling_rate_hz'], 'Hz')}  {layout}"
        )
        extra = [r for r in foot["regions"] if "." in r]
        if extra:
            lines.append(f"        regions {', '.join(extra)}")
    if not info["feet"]:
        lines.append("  no foot recorded")
    if info["quality"]:
        lines.append(
            "  " + "  ".join(f"{k.replace('_', ' ')} {v}" for k, v in info["quality"].items())
        )
    for problem in info["problems"]:
        lines.append(f"  note: {problem}")
    if info["source"]:
        lines.append(f"  source: {info['source']}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from ..io.source import SessionSource, open_source

    if args.rate is not None:  # the option says what the file is: a capture without times
        from ..io.readers import insole

        source = SessionSource.of(insole.read(Path(args.file), rate_hz=args.rate))
    else:
        source = open_source(args.file)  # a long recording is not held in memory
    with source as session:
        info = session_info(session)
    if args.json:
        print(json.dumps(info, indent=2, default=str))
    elif isinstance(session.metadata.get("wire"), dict):
        print(_render_wire(session.metadata["wire"]))
    else:
        print(_render_session(info))
    return 0


def _render_wire(summary: dict[str, Any]) -> str:
    """The wire summary of the project's own files (``CaptureSummary.as_json`` and
    ``first_errors``) as text."""
    from ..io.readers.insole import damage_regions
    from ..io.recording import Damage

    c = summary
    rec = summary["recording"]
    if rec is None:
        lines = [f"{summary['file']}  (capture, {summary['mode']} mode, {c['bytes_total']} bytes)"]
    else:
        lines = [
            f"{summary['file']}  (recording of {rec['file_bytes']} bytes; {summary['mode']} mode, "
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
        for region in damage_regions([Damage(**d) for d in rec.get("damaged", [])]):
            lines.append(f"  damaged: {region}")
        if rec.get("bad_receipts"):
            lines.append(
                f"  receipts repaired {rec['bad_receipts']} (damaged host times, interpolated)"
            )
        if rec["disconnects"]:
            lines.append(f"  disconnects {rec['disconnects']}  reconnects {rec['reconnects']}")
    for device in summary["devices"]:
        lines.append(
            f"  device {device['device_id']:#010x}  firmware {device['firmware_version']}  "
            f"{device['side']}  {device['sensor_count']} sensors  layout {device['layout']!r}  "
            f"nominal {device['nominal_rate_hz']:g} Hz"
        )
    for name, side in summary["sides"].items():
        lines.append(
            f"  {name:<5} {side['frames']} frames  {'/'.join(map(str, side['sensors']))} sensors  "
            f"{_fmt(side['duration_s'], 's')}  {_fmt(side['sampling_rate_hz'], 'Hz')}"
        )
    if not summary["sides"]:
        lines.append("  no sample frames")
    lines.append(
        f"  frames lost {c['frames_lost']}  CRC errors {c['crc_errors']}  "
        f"bad headers {c['header_errors']}  bytes skipped {c['bytes_skipped']}  "
        f"duplicates {c['duplicates']}  out of order {c['out_of_order']}"
    )
    if summary["mode"] == "text":
        lines.append(f"  bad lines {c['bad_lines']}  text lines skipped {c.get('text_lines', 0)}")
        line = summary.get("line") or {}
        if line.get("header"):
            lines.append(f"  header: {', '.join(line['header'])}")
        column = line.get("time_column")
        if column:
            where = (
                f"the {column}"
                if column in ("1st column", "timestamp suffix")
                else f"column {column!r}"
            )
            found = str(line.get("time_unit_from"))
            source = _UNIT_FROM.get(found, found)
            lines.append(f"  time: {where}, in {line['time_unit']} (unit {source})")
        if c.get("clock_resets"):
            lines.append(
                f"  clock restarts {c['clock_resets']} (a board reset: the time runs on across "
                "each)"
            )
        if line.get("rate_from"):
            lines.append(f"  rate from the {line['rate_from']}")
        if line.get("extras"):
            lines.append(f"  kept per frame, not sensors: {', '.join(line['extras'])}")
    for error in summary["first_errors"]:
        lines.append(f"  first problems: {error}")
    return "\n".join(lines)
