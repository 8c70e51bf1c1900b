"""``pressure record``: one insole, or two on two links, into one crash-safe recording.

The file is flushed four times a second (fsync once a second): after ``kill -9``, a power cut
or a pulled cable it opens with everything up to the last flush. Ctrl-C or SIGTERM end the
recording cleanly (exit 0); a link that goes away ends it with one line and a valid file
(exit 4, a device error), unless ``--reconnect``.

While recording, a status line says how long it has run, the frames per foot, frames lost, CRC
errors, lines and bytes skipped: on a terminal (stderr) one line rewritten in place four times a
second; otherwise (a pipe, a log file) one plain line every ``--status-interval`` seconds. At
the end a summary names the file, its duration and frames per foot, and warns of lines or bytes
the decoder rejected. A recording of no frame at all is kept (it is the evidence of what the
link sent) and ends with one line saying why nothing was usable and exit 4, a device error.

With ``--lsl`` the frames, each foot's force and CoP and the gait events go out as Lab
Streaming Layer streams while they are recorded; with ``--lsl-markers NAME`` another
application's LSL marker stream is recorded into the file's events (``pressure.lsl``).

Time is passed in: ``StatusDisplay.update(status, now_s)`` takes the time of the update, and
``run(args, clock)`` the clock, so tests give both and never depend on how fast a loaded machine
ran.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO

from ._args import add_links, check_outputs, number_in

if TYPE_CHECKING:
    from firmware_protocol import DeviceInfo

    from ..io.recorder import LinkStatus, RecordStatus
    from ..lsl import Marker
    from ..sources.serial_source import Received

#: seconds between plain status lines when stderr is not a terminal (``--status-interval``)
STATUS_INTERVAL_S = 5.0

SUBJECT_FIELDS = (
    ("subject_id", str, "ID", "subject or patient code (no names: the file travels)"),
    ("body_mass_kg", number_in(0, 500), "KG", "body mass, for scaling force to body weight"),
    ("height_m", number_in(0, 3), "M", "body height"),
    ("shoe_size_eu", number_in(0, 60), "EU", "shoe size (EU)"),
    ("condition", str, "TEXT", "walking condition, footwear, task"),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_links(parser)
    parser.add_argument(
        "--profile",
        metavar="FILE",
        help="a home-made insole's profile (TOML; README 'Home-made insoles'): its column names "
        "for a board that prints no header and its side are used while recording; the rest "
        "(inversion, zero, calibration, layout) when analysing",
    )
    parser.add_argument("-o", "--out", required=True, metavar="FILE", help="recording to write")
    parser.add_argument(
        "--seconds", type=number_in(0, 7 * 24 * 3600), metavar="S", help="stop after S seconds"
    )
    parser.add_argument(
        "--reconnect",
        action="store_true",
        help="when a device goes away, wait for it and carry on in the same file",
    )
    parser.add_argument(
        "--rate",
        type=number_in(0, 10_000),
        metavar="HZ",
        help="ask the devices for this sample rate per foot (SET_RATE)",
    )
    parser.add_argument(
        "--no-start",
        action="store_true",
        help="do not send START/STOP (the devices stream on their own)",
    )
    parser.add_argument("--baud", type=int, default=921_600, help="baud rate (default 921600)")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing FILE")
    parser.add_argument(
        "--status-interval",
        type=number_in(0, 24 * 3600, low_open=False),
        default=STATUS_INTERVAL_S,
        metavar="S",
        help="seconds between status lines when stderr is not a terminal "
        f"(default {STATUS_INTERVAL_S:g}; 0: none)",
    )
    group = parser.add_argument_group("subject (stored in the recording)")
    for name, kind, metavar, text in SUBJECT_FIELDS:
        group.add_argument(f"--{name.replace('_', '-')}", type=kind, metavar=metavar, help=text)
    add_lsl_arguments(parser).add_argument(
        "--lsl-markers",
        metavar="NAME",
        help="record the LSL marker stream NAME of another application (a trial start from "
        "the motion-capture software) into the recording's events, at its own time stamps; "
        "analyze/report --between-markers cut trials by them",
    )


def add_lsl_arguments(
    parser: argparse.ArgumentParser, *, publish_flag: bool = True
) -> argparse._ArgumentGroup:
    """The options of publishing on LSL (``record --lsl``; ``pressure lsl`` always publishes),
    in a group of their own, which it returns."""
    from ..lsl import DEFAULT_NAME

    group = parser.add_argument_group(
        "Lab Streaming Layer",
        "needs pylsl: pip install 'pressure[lsl]' (README: Lab Streaming Layer)",
    )
    if publish_flag:
        group.add_argument(
            "--lsl",
            action="store_true",
            help="also publish the frames, each foot's force and CoP and the gait events as "
            "LSL streams (NAME-left, NAME-right, NAME-forces, NAME-events)",
        )
    group.add_argument(
        "--lsl-name",
        default=None,
        metavar="NAME",
        help=f"the start of the streams' names (default {DEFAULT_NAME!r})",
    )
    group.add_argument(
        "--lsl-wait-s",
        type=number_in(0, 24 * 3600),
        default=None,
        metavar="S",
        help="before starting the devices, wait up to S seconds for every stream to have a "
        "consumer (LabRecorder recording them), so that it gets every frame",
    )
    return group


def run(args: argparse.Namespace, clock: Callable[[], float] = time.monotonic) -> int:
    from ..errors import DeviceError, UsageError
    from ..io.recorder import Companion, Recorder
    from ..io.recording import RecordingWriter, Role
    from ..signals import stop_on_signals
    from ..sources.serial_source import SerialSource

    session: dict[str, Any] = {
        f"subject.{name}": getattr(args, name)
        for name, *_ in SUBJECT_FIELDS
        if getattr(args, name) is not None
    }
    links: list[tuple[str, Role]] = (
        [(args.device, "left"), (args.right, "right")] if args.right else [(args.device, "both")]
    )
    profile = None
    if args.profile:
        from ..profile import InsoleProfile, decoder_settings

        profile = InsoleProfile.read(args.profile)
        settings = decoder_settings(profile)
        session["profile"] = {"file": str(args.profile), "files": [list(f) for f in profile.files]}
        if settings["columns"]:
            session["columns"] = settings["columns"]
    side = args.side or (profile.side if profile is not None else None)
    if side and args.right:
        raise UsageError("--side is for one insole; with --right the first device is the left")
    if side:
        links = [(args.device, "left" if side == "left" else "right")]
    session["links"] = [url for url, _ in links]
    check_outputs([args.out], [], args.overwrite)  # before touching the device
    if not args.lsl and (args.lsl_name is not None or args.lsl_wait_s is not None):
        raise UsageError("--lsl-name and --lsl-wait-s are for the streams of --lsl")
    use_lsl = bool(args.lsl or args.lsl_markers)
    if use_lsl:
        from ..lsl import check_pylsl

        check_pylsl()  # missing: a usage error before the ports are touched
    opened: list[SerialSource] = []
    lsl = None
    try:
        for url, role in links:  # a wrong port fails here, before any file exists
            opened.append(
                SerialSource(url, baudrate=args.baud, columns=session.get("columns"), side=role)
            )
        start_ns = time.monotonic_ns()
        if use_lsl:
            from ..lsl import DEFAULT_NAME, host_to_lsl_s, import_pylsl

            lsl = import_pylsl()
            lsl_offset_s = host_to_lsl_s(lsl)
            start_ns = time.monotonic_ns()
            session["lsl"] = {
                # recording time + this = LSL time (local_clock) on this computer
                "time_at_start_s": start_ns / 1e9 + lsl_offset_s,
                "published": (args.lsl_name or DEFAULT_NAME) if args.lsl else None,
                "markers": args.lsl_markers,
                "liblsl": lsl.library_version(),
            }
        writer = RecordingWriter(
            args.out, session=session, overwrite=args.overwrite, start_ns=start_ns
        )
    except BaseException:
        for source in opened:
            source.close()
        raise

    stream = sys.stderr
    display = StatusDisplay(
        stream,
        terminal=stream.isatty(),
        interval_s=args.status_interval or None,
        now_s=clock(),
    )
    gait = GaitStatus()
    companions: list[Companion] = [gait]
    publisher = markers = None
    if lsl is not None:
        from ..lsl import MarkerInlet, Publisher

        if args.lsl:
            publisher = Publisher(
                lsl,
                links,
                name=args.lsl_name or DEFAULT_NAME,
                wait_s=args.lsl_wait_s,
                on_note=display.note,
                offset_s=lsl_offset_s,
            )
            companions.append(publisher)
        if args.lsl_markers:
            stream = args.lsl_markers

            def keep_marker(marker: Marker) -> None:
                writer.event(
                    "marker",
                    host_ns=round(marker.host_s * 1e9) - start_ns,
                    label=marker.label,
                    values=list(marker.values),
                    stream=stream,
                    lsl_time_s=marker.lsl_time_s,
                    time_correction_s=marker.time_correction_s,
                )

            markers = MarkerInlet(
                lsl, stream, keep_marker, on_note=display.note, offset_s=lsl_offset_s
            )
            companions.append(markers)
    try:
        recorder = Recorder(
            writer,
            links,
            reconnect=args.reconnect,
            baudrate=args.baud,
            rate_hz=args.rate,
            start=not args.no_start,
            on_note=display.note,
            opened=list(opened),
            columns=session.get("columns"),
            companions=companions,
        )
    except BaseException:
        writer.close()
        raise
    if markers is not None:
        markers.start()

    def stop(*_: object) -> None:
        recorder.stop()
        if publisher is not None:
            publisher.stop()  # if it still waits for consumers

    restore_signals = stop_on_signals(stop)
    started_s = display.started_s
    display.note(f"recording {' + '.join(u for u, _ in links)} to {args.out} (Ctrl-C to stop)")
    failure: DeviceError | None = None
    try:
        recorder.run(
            args.seconds,
            on_tick=lambda: display.update(recorder.status(), clock(), gait.text()),
        )
    except DeviceError as exc:
        failure = exc
    finally:
        if markers is not None:
            markers.stop()  # already stopped when the recorder finished; not if it never ran
        if publisher is not None:
            publisher.close()  # the last gait events, once every frame is in
        restore_signals()
        display.close()
    if publisher is not None:
        published = publisher.frames
        display.note(
            f"LSL: published {published.get('left', 0)} left and {published.get('right', 0)} "
            f"right frames, {publisher.markers_sent} gait events"
        )
    if markers is not None:
        display.note(f"LSL: {markers.count} markers of {args.lsl_markers!r} recorded")
    status = recorder.status()
    frames = status.frames
    summary = (
        f"{args.out}: {clock() - started_s:.1f} s, "
        f"{frames['left']} left and {frames['right']} right frames"
    )
    for warning in summary_warnings(status):
        display.note(f"warning: {warning}")
    for note in line_notes(status):
        display.note(note)
    if failure is not None:
        # one line: what went wrong, and that the file is whole
        raise DeviceError(f"{failure}; recording ended, {summary} saved") from None
    unusable = nothing_usable(status)
    if unusable is not None:
        # the file stays: a crash-safe recording of what the link sent is the evidence
        raise DeviceError(f"{unusable}; {summary} saved (kept: it holds what the link sent)")
    gait_summary = gait.summary()
    if gait_summary:
        display.note(gait_summary)
    display.note(f"saved {summary}")
    return 0


class GaitStatus:
    """Steps, cadence and each foot's share of the load as the frames come, for the status
    line and the summary: the live view's engine (``pressure.view.live.LiveState``: heel
    strikes by the monitor's rule, the share over each foot's latest whole strides) fed every
    read, as a ``Companion`` of the recorder. Its counts agree with ``pressure analyze`` of the
    recording to within a step a foot, and the summary's share, over every frame, to within a
    percentage point (tested on the simulator)."""

    def __init__(self) -> None:
        from ..view.live import LiveState

        self.state = LiveState()
        self._infos: dict[int, DeviceInfo | None] = {}

    def connected(self, link: int, info: DeviceInfo | None) -> None:
        self._infos[link] = info

    def received(self, link: int, received: Received) -> None:
        from firmware_protocol import SampleBlock

        info = self._infos.get(link)
        for message in received.messages:
            if isinstance(message, SampleBlock):
                self.state.add(message, received.host_ns / 1e9, info)

    def ready(self) -> None:
        pass

    def finishing(self) -> None:
        pass

    def text(self) -> str:
        """``steps L n R n  cadence c/min  load L x %`` as it is now ('' before a step)."""
        snap = self.state.snapshot(time.monotonic_ns() / 1e9)
        steps = {side: foot["steps"] for side, foot in snap["feet"].items()}
        if not any(steps.values()):
            return ""
        parts = [f"steps L {steps['left']} R {steps['right']}"]
        if snap["cadence_spm"] is not None:
            parts.append(f"cadence {snap['cadence_spm']:.0f}/min")
        if snap["share_left_pct"] is not None:
            parts.append(f"load L {snap['share_left_pct']:.1f} %")
        return "  ".join(parts)

    def summary(self) -> str:
        """The recording's steps per foot and the left share over all its frames ('' when
        there were no steps)."""
        totals = self.state.totals()
        steps = totals["steps"]
        if not any(steps.values()):
            return ""
        text = f"steps: left {steps['left']}, right {steps['right']}"
        share = totals["share_left_pct"]
        if share is not None:
            text += f"; load on the left foot {share:.1f} % (every frame)"
        return text


class StatusDisplay:
    """The status of a recording on ``stream`` (stderr), at times it is given.

    On a terminal (``terminal``) one line is rewritten in place at every ``update``; otherwise
    a plain line is printed when ``interval_s`` seconds have passed since the last one (None:
    never). ``note`` prints a line of its own (clearing the status line first on a terminal),
    from any thread (the LSL marker inlet's notes come from its own).

    Parameters
    ----------
    stream : text stream
        Where to write (the command's stderr).
    terminal : bool
        Whether ``stream`` is a terminal.
    interval_s : float or None
        Seconds between plain lines (not on a terminal); None for none.
    now_s : float
        The time the recording starts, in s on the clock later updates are given in.
    """

    def __init__(
        self, stream: TextIO, *, terminal: bool, interval_s: float | None, now_s: float
    ) -> None:
        self.stream = stream
        self.terminal = terminal
        self.interval_s = interval_s
        self.started_s = now_s
        self._last_s = now_s
        self._shown = False  # a status line is on the terminal, to be cleared before a note
        self._lock = threading.Lock()

    def update(self, status: RecordStatus, now_s: float, gait: str | None = None) -> None:
        """Show ``status`` as it is at ``now_s`` (s, the clock of ``now_s`` at construction),
        and ``gait`` (``GaitStatus.text``) after it."""
        line = status_line(status, now_s - self.started_s)
        if gait:
            line += f"  {gait}"
        with self._lock:
            self._show(line, now_s)

    def _show(self, line: str, now_s: float) -> None:
        if self.terminal:
            # a line longer than the terminal wraps, and a carriage return no longer reaches
            # its start: cut it to the width
            width = _columns(self.stream)
            self.stream.write(f"\r{line[: max(width - 1, 20)]}\x1b[K")
            self._shown = True
        elif self.interval_s is not None and now_s - self._last_s >= self.interval_s:
            self.stream.write(f"pressure record: {line}\n")
            self._last_s = now_s
        else:
            return
        self.stream.flush()

    def note(self, text: str) -> None:
        """One line of its own, ``pressure record: <text>``."""
        with self._lock:
            self._clear()
            self.stream.write(f"pressure record: {text}\n")
            self.stream.flush()

    def close(self) -> None:
        """Take the status line off the terminal (the summary follows)."""
        with self._lock:
            self._clear()
            self.stream.flush()

    def _clear(self) -> None:
        if self._shown:
            self.stream.write("\r\x1b[K")
            self._shown = False


def _columns(stream: TextIO) -> int:
    """The width of the terminal ``stream`` is (80 when it cannot tell)."""
    try:
        return os.get_terminal_size(stream.fileno()).columns or 80
    except (OSError, ValueError, AttributeError):  # not a real terminal file
        return 80


def status_line(status: RecordStatus, elapsed_s: float) -> str:
    """The status while recording, ``elapsed_s`` seconds in: frames per foot, frames lost, CRC
    errors, lines skipped (samples rejected and other text) and bytes skipped, and bytes not
    understood yet while the stream is neither recognised as frames nor as sample lines."""
    frames = status.frames
    skipped_lines = status.count("bad_lines") + status.count("text_lines")
    line = (
        f"{elapsed_s:6.1f} s  frames L {frames['left']} R {frames['right']}  "
        f"lost {status.count('frames_lost')}  CRC errors {status.count('crc_errors')}  "
        f"skipped {skipped_lines} lines {status.count('bytes_skipped')} bytes"
    )
    if status.unrecognised_bytes:
        line += f"  not understood yet {status.unrecognised_bytes} bytes"
    return line


def summary_warnings(status: RecordStatus) -> list[str]:
    """What the summary warns of: per link, lines the decoder rejected as damaged samples,
    bytes it skipped, frames lost (sequence gaps), each with the first problem it met; and
    lines of other text (boot messages), as a remark rather than damage. In line mode the
    skipped bytes are those of the lines counted (rejected or text) and are told as bytes
    only when no line is counted: a boot message is not damage."""
    out = []
    for link in status.links:
        damage = []
        if link.count("bad_lines"):
            damage.append(f"{link.count('bad_lines')} lines rejected")
        lines_told = link.mode == "text" and (link.count("bad_lines") or link.count("text_lines"))
        if link.count("bytes_skipped") and not lines_told:
            damage.append(f"{link.count('bytes_skipped')} bytes skipped")
        if link.count("crc_errors"):
            damage.append(f"{link.count('crc_errors')} CRC errors")
        if link.count("frames_lost"):
            damage.append(f"{link.count('frames_lost')} frames lost")
        if damage:
            first = f" (first: {link.first_problem})" if link.first_problem else ""
            out.append(f"{link.url}: {', '.join(damage)}{first}")
        if link.count("text_lines"):
            out.append(
                f"{link.url}: {link.count('text_lines')} lines of text that are not samples "
                "(boot messages and the like) skipped"
            )
    return out


def line_notes(status: RecordStatus) -> list[str]:
    """How the lines of a line-mode link without a header were read (columns by position),
    so that a header printed before the port was opened, or a two-foot board taken for one
    foot, does not pass unseen; and where the time came from when the lines carry none."""
    out = []
    for link in status.links:
        line = link.line
        if link.mode != "text" or line is None or not any(link.frames.values()):
            continue
        sides = [side for side, n in link.frames.items() if n]
        if line["header"] is None:
            time = (
                f"the {line['time_column']} is the time ({line['time_unit']})"
                if line["time_column"]
                else "no column is a time"
            )
            out.append(
                f"{link.url}: no header line came: columns by position; {time}, the other "
                f"values are sensors of the {' and '.join(sides)} foot. A two-foot board (or "
                "IMU and frame-number columns) needs its column names: a header line printed "
                "after the port opens, or a profile's columns (record --profile)"
            )
        if line["rate_from"] is None:
            out.append(
                f"{link.url}: the lines carry no time: frames are timed by this computer's "
                "clock on receipt (USB delivery jitter included)"
            )
    return out


def nothing_usable(status: RecordStatus) -> str | None:
    """Why a recording holds no frame at all, one clause per link; None when it holds some."""
    if any(status.frames.values()):
        return None
    return "; ".join(_why_no_frames(link) for link in status.links)


def _why_no_frames(link: LinkStatus) -> str:
    from firmware_protocol import parse_line

    url = link.url
    if not link.bytes_received:
        return f"{url}: nothing arrived (is the device on, streaming, and at this --baud?)"
    if link.mode == "binary":
        if link.count("commands") and not (link.count("infos") or link.count("statuses")):
            return (
                f"{url}: only the commands sent to it came back (an echo: loop:// or a "
                "loopback cable), no device answered"
            )
        return (
            f"{url}: the device answered but sent no sample frames (did it get START? the "
            "notes above say what it answered)"
        )
    if link.mode == "text":
        first = f"; first: {link.first_problem}" if link.first_problem else ""
        return f"{url}: {link.bytes_received} bytes of text, no line a sample{first}"
    # never recognised: say what the start of the stream looks like
    lines = [
        text.strip()
        for text in link.head.decode("ascii", "replace").split("\n")[:-1]
        if text.strip()
    ]
    is_text = all(32 <= b < 127 or b in b"\t\r\n" for b in link.head)
    if not is_text or not lines:
        return (
            f"{url}: {link.bytes_received} bytes, neither version-1 frames nor lines of text "
            "(a wrong --baud reads as such noise)"
        )
    quoted = []
    for text in lines[:2]:
        verdict = parse_line(text)
        quoted.append(f"{text[:60]!r}" + (f" ({verdict})" if isinstance(verdict, str) else ""))
    return (
        f"{url}: {link.bytes_received} bytes of text, but no two lines in a row were samples "
        f"(PROTOCOL.md §5); it starts {', '.join(quoted)}"
    )
