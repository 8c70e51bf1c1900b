"""The project's own files: recordings (``.insole``, MCAP) and raw captures of the wire stream
(binary frames or line-mode text, PROTOCOL.md).

Session: per foot the frames' values times the device's scale, in the device's unit (``unit``
``kpa``/``n``/``n_cm2``/``adc``, or ``raw`` when no DEVICE_INFO said; a scale of 0.1 gives
50.3, not 50.300000000000004), ``time_s`` in seconds from the start of the recording on the
host clock (each link's device clock mapped onto it by ``recording.align_clock``), or for a
raw capture, which carries no host times, from the first sample of the device clock.
``sampling_rate_hz`` = 1 / the median period (snapped to the device's nominal rate within
0.1 %), ``layout`` the one the device announced when it is known
(``pressure.layouts_builtin.builtin_layout``), else None. Per foot ``vendor`` holds the wire's
own per-frame columns: ``seq`` (the device's sequence number, 0..65535) and ``device_time_s``
(the device clock, unwrapped, s), which a replay uses to send the frames as they came, and for
line mode the named columns that are not sensors (``ax``, ``frame_id``, ``flags`` ...; PROTOCOL.md
§5; a name that is already a key gets the prefix ``line_``). Line-mode values are the numbers
as printed (signed, decimal).

``quality`` = the decoder's counters (damage is skipped and counted; a recording cut by a
crash is read up to its last whole record). ``metadata``: ``kind`` (``recording`` or
``capture``), ``mode`` (``binary``/``text``), ``devices`` (each DEVICE_INFO), ``clock``
(per-link clock alignment), ``session`` (the recording's session record), ``subject`` (its
``subject.*`` fields without the prefix), ``recording`` (complete, ignored tail bytes, links,
events), ``problems``, and ``wire`` (what ``pressure info`` reports of the wire stream:
``CaptureSummary.as_json``, its ``sides`` and ``first_errors``; for line mode its ``line``
says how the time and the rate were found). A foot whose sensor count changes within the
stream is left out (named in ``problems``), as is a recorded foot without a rate; a file
without a frame that can be tabulated, or a recording link that delivered none, reads as a
session without those feet, which ``info`` can still describe.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

import numpy as np
import numpy.typing as npt

from firmware_protocol import (
    AutoDecoder,
    Capture,
    Counters,
    DeviceInfo,
    OnError,
    ProtocolError,
    SampleBlock,
    Side,
    Unit,
    decode_capture,
    detect_mode,
    find_mode,
    has_frame_header,
)
from firmware_protocol.columns import is_header
from firmware_protocol.text import Mode, lone_cr_to_lf, split_fields

from ...errors import FileFormatError, UsageError
from ...layout import SensorLayout
from ...model import UNSTATED_SIDE, FootRecording, Session, SideName
from ..capture import (
    EXPECTED,
    UNIT_SUFFIX,
    CaptureSummary,
    SideSummary,
    device_info_dict,
    device_list,
    read_capture,
    summarize_sides,
)
from ..recording import (
    MCAP_MAGIC,
    Damage,
    Link,
    LinkFrames,
    RecordingFile,
    decode_recording,
    is_recording,
    read_recording,
)
from ..text import HEAD_BYTES, read_head, sampling_rate_hz

NAME = "insole"
DESCRIPTION = (
    "pressure recording (.insole, MCAP) or capture of the insole wire stream (binary frames or "
    "line-mode text, PROTOCOL.md)"
)
SUFFIXES = (".insole", ".bin", ".txt", ".csv", ".log")
LIBRARIES = ("mcap.exceptions", "mcap.records", "mcap.stream_reader")


#: a text file is a line-mode capture only with this many samples in its first 64 KiB (a live
#: link needs two; a file must stand out from other tables of numbers)
MIN_FILE_SAMPLES = 10
#: lines that may be other than samples: at most this share of the samples (damage) ...
MAX_BAD_SHARE = 0.1
#: ... and at most this many lines of text before the data (a board's boot messages)
MAX_BOOT_LINES = 50
#: a file's samples must come at least this often: below it no gait event can be timed, and a
#: table whose first column rises that slowly is one of strides or trials (a WFDB ``.ts``
#: stride table rises by ~1.1 s a row), not a capture
MIN_FILE_RATE_HZ = 5.0


def detect(path: Path, head: bytes) -> bool:
    """The MCAP magic of a recording, a version-1 frame header with a valid CRC, or line-mode
    text (PROTOCOL.md §5) that holds little else: decoded as line mode, the first 64 KiB give
    at least ``MIN_FILE_SAMPLES`` samples with a time (a timestamp suffix, a header's time
    column or a first column of integer ticks that runs like a clock), lines that look like
    broken samples are at most ``MAX_BAD_SHARE`` of the sample lines, at most
    ``MAX_BOOT_LINES`` lines of text come before the data, and the samples come at
    ``MIN_FILE_RATE_HZ`` or faster. A ``.csv`` file whose first line is a header is a table,
    left to the table readers (``_table_header_first``); with another suffix (a serial
    terminal's ``.txt`` or ``.log``, which may hold a reset's boot text and header again
    midway) it is a capture.

    Line-mode detection on a live link only needs two sample lines; a file needs more,
    because many other text tables have rows of numbers (F-Scan frames, pedar area tables),
    and those that come earlier in the registry are theirs. Without a time the samples have no
    time axis, which ``read`` cannot invent (``read(rate_hz=...)`` takes such a file)."""
    if not head:
        return False
    if head.startswith(MCAP_MAGIC) or has_frame_header(head):
        return True
    if _line_mode_file(path, head) == (True, None):
        return True
    return len(head) >= HEAD_BYTES and _past_the_head(path)


def _past_the_head(path: Path) -> bool:
    """A capture whose first frame or sample lines come after more junk than the head holds
    (an ESP32's boot log, bytes of noise): windows of the file up to the decoder's search
    limit (``AutoDecoder.SEARCH_LIMIT``), each overlapping the last by half, looked at as
    ``detect`` looks at the head; sample lines must then pass ``detect``'s file rules from the
    first of them on."""
    window, limit = AutoDecoder.DETECT_LIMIT, AutoDecoder.SEARCH_LIMIT
    try:
        with path.open("rb") as f:
            at = window // 2
            while at < limit:
                f.seek(at)
                data = f.read(window)
                if len(data) < window // 2:
                    return False  # the last window was the file's end
                mode, start = find_mode(data)
                if mode == "binary":
                    return True
                if mode == "text":
                    f.seek(at + start)
                    return _line_mode_file(path, f.read(HEAD_BYTES)) == (True, None)
                at += window // 2
    except OSError:
        return False
    return False


def near(path: Path, head: bytes) -> str | None:
    """Line-mode text (two sample lines in a row, PROTOCOL.md §5) that ``detect`` did not take
    for a capture: the first of its rules the file breaks (``pressure.io.load.identify``)."""
    return _line_mode_file(path, head)[1]


def _line_mode_file(path: Path, head: bytes) -> tuple[bool, str | None]:
    """Whether ``head`` is a line-mode capture by ``detect``'s rules, and when it is line-mode
    text that breaks one of them, which (None: it is a capture, or not line-mode text)."""
    head = lone_cr_to_lf(head)  # lines ended by CR alone
    complete = head[: head.rfind(b"\n") + 1]
    table = path.suffix.lower() == ".csv" and _table_header_first(complete)
    if not complete or table or detect_mode(complete) != "text":
        return False, None
    try:
        capture = decode_capture(complete, mode="text")
    except ProtocolError:
        return False, None
    line = capture.line or {}
    counters = capture.counters
    samples = sum(len(b) for b in capture.blocks)
    bad = counters.bad_lines
    what = "lines a board printed (line mode: README, Home-made insoles), but"
    if line.get("time_column") is None:
        # a sketch prints counts (integers); rows of decimals without a time are someone's
        # table (a geometry file's vertices), not a capture
        counts = all(np.array_equal(b.values, np.round(b.values)) for b in capture.blocks)
        return (
            False,
            (
                f"{what} they carry no time: give the rate the board printed them at "
                "(--rate HZ, or rate_hz in a --profile)"
            )
            if counts
            else None,
        )
    if samples < MIN_FILE_SAMPLES:
        return False, f"{what} it holds {samples} samples (at least {MIN_FILE_SAMPLES} expected)"
    if bad > MAX_BAD_SHARE * (samples + bad):
        return False, (
            f"{what} {bad} of its first {samples + bad} sample lines are broken (at most "
            f"{MAX_BAD_SHARE:.0%} may be)"
        )
    if counters.text_lines > MAX_BOOT_LINES:
        return False, (
            f"{what} {counters.text_lines} lines of text come before its samples (at most "
            f"{MAX_BOOT_LINES} may)"
        )
    # sketches print a bare clock as integer ticks (millis(), micros()); a headerless table
    # whose first column is seconds with a fraction is a lab's export (gaitpdb), and one that
    # rises slower than MIN_FILE_RATE_HZ a table of strides: neither is a capture
    if line.get("time_column") == "1st column" and line.get("time_unit") == "s":
        return False, None
    busiest = max(
        (capture.frames(side) for side in (Side.LEFT, Side.RIGHT)),
        key=lambda b: 0 if b is None else len(b),
    )
    if busiest is None or len(busiest) < 2:
        return False, None
    period_s = float(np.median(np.diff(busiest.time_us))) / 1e6
    return 0 < period_s <= 1.0 / MIN_FILE_RATE_HZ, None


def _table_header_first(data: bytes) -> bool:
    """Whether the first line that is not blank or a ``#`` comment names columns: a table,
    which the table readers own (a vendor's CSV, or a maker's log for the generic CSV reader).
    A serial capture has its header, if any, after the board's boot text or as a comment."""
    for raw in data.split(b"\n", 64)[:64]:
        text = raw.decode("utf-8", "replace").lstrip("\ufeff").strip()
        if text and not text.startswith("#"):
            return is_header(split_fields(text))
    return False


# --- decoding ----------------------------------------------------------------------------------


@dataclass
class _Foot:
    """One foot's frames in time order, as the wire carried them."""

    time_s: npt.NDArray[np.float64]
    device_time_s: npt.NDArray[np.float64]
    seq: npt.NDArray[np.uint16]
    counts: npt.NDArray[Any]  # (frames, sensors); ``counts * scale`` is in ``unit``
    info: DeviceInfo | None  # the DEVICE_INFO that speaks for this foot
    link: int = 0
    extra: dict[str, npt.NDArray[np.float64]] = dataclasses.field(default_factory=dict)

    @property
    def unit(self) -> str:
        return foot_unit(self.info)

    @property
    def n_sensors(self) -> int:
        return int(self.counts.shape[1])

    def values(self) -> npt.NDArray[np.float64]:
        return scaled_values(self.counts, self.info)

    def rate_hz(self, nominal_hz: float | None) -> float | None:
        return sampling_rate_hz(self.time_s, nominal_hz)


class FootFrames(Protocol):
    """What the session's assembly (``assemble``) needs of a decoded foot: its frame times on
    the session's axis, its sensor count, the DEVICE_INFO that speaks for it and its link."""

    @property
    def time_s(self) -> npt.NDArray[np.float64]: ...
    @property
    def n_sensors(self) -> int: ...
    @property
    def info(self) -> DeviceInfo | None: ...
    @property
    def link(self) -> int: ...
    @property
    def unit(self) -> str: ...
    def rate_hz(self, nominal_hz: float | None) -> float | None:
        """The foot's sampling rate (``io.text.sampling_rate_hz`` of its times), Hz."""


def foot_unit(info: DeviceInfo | None) -> str:
    """The ``FootRecording.unit`` of the values a device with this DEVICE_INFO sends."""
    return "raw" if info is None else UNIT_SUFFIX.get(Unit(info.unit), "raw")


def scaled_values(counts: npt.NDArray[Any], info: DeviceInfo | None) -> npt.NDArray[np.float64]:
    """``counts × scale`` (frames × sensors), rounded to the scale's own decimals (float32
    scales on the wire would otherwise add noise digits); row by row, so any range of frames
    scales as the whole does."""
    scale = 1.0 if info is None else info.scale
    if scale == 1.0:
        return counts.astype(np.float64)
    decimals = max(0, -Decimal(repr(scale)).as_tuple().exponent)  # type: ignore[operator]
    return np.round(counts * scale, decimals)


_F = TypeVar("_F", bound=FootFrames)


@dataclass
class Decoded(Generic[_F]):
    """A recording or capture decoded, before it is a session (``assemble``)."""

    kind: str  # "recording" | "capture"
    mode: Mode  # of the first link
    feet: dict[str, _F]
    counters: dict[str, int]
    captures: list[Capture]
    recording: RecordingFile | None
    clock: list[dict[str, Any]]  # per link and connection: offset and drift
    problems: dict[str, str]  # feet or links without frames and why
    links: list[LinkFrames] = dataclasses.field(default_factory=list)  # a recording's links
    #: each side's summary of the wire stream (None: from the captures' blocks)
    sides: dict[str, SideSummary] | None = None

    @property
    def infos(self) -> list[DeviceInfo]:
        return [i for c in self.captures for i in c.infos]


def _merge_counters(captures: list[Capture]) -> dict[str, int]:
    total = Counters().as_dict()
    for capture in captures:
        for key, value in capture.counters.as_dict().items():
            total[key] += value
    return total


def _position(recording: RecordingFile, link: Link) -> int:
    return next(i for i, each in enumerate(recording.links) if each is link)


def info_for(capture: Capture, side: int) -> DeviceInfo | None:
    """The last DEVICE_INFO on the link that speaks for this side (or for both)."""
    for info in reversed(capture.infos):
        if info.side in (side, Side.BOTH):
            return info
    return capture.infos[-1] if capture.infos else None


def _take_feet(
    feet: dict[str, _F],
    problems: dict[str, str],
    foot: Callable[[int], _F | None],
) -> None:
    """Each foot, as ``foot(side)`` gives it (None: no frames of that side), into ``feet``
    unless the foot is there (one link per foot: the first wins); why a foot has none (a
    ProtocolError ``foot`` raised) into ``problems``."""
    for side in (Side.LEFT, Side.RIGHT):
        name = side.name.lower()
        try:
            got = foot(side)
        except ProtocolError as exc:
            problems[name] = exc.detail
            continue
        if got is not None and name not in feet:
            feet[name] = got


def _whole_foot(
    frames: tuple[SampleBlock, npt.NDArray[np.float64]] | None,
    capture: Capture,
    side: int,
    link: int = 0,
) -> _Foot | None:
    """The ``_Foot`` of one side's ``frames`` (the block and its times on the session's axis)."""
    if frames is None:
        return None
    block, time_s = frames
    info = info_for(capture, side)
    return _Foot(time_s, block.time_us / 1e6, block.seq, block.values, info, link, block.extra)


def decoded_recording(
    recording: RecordingFile,
    links: list[LinkFrames],
    foot: Callable[[LinkFrames, int, int], _F | None],
    sides: dict[str, SideSummary] | None = None,
) -> Decoded[_F]:
    """A recording's ``Decoded``: its links as decoded, each foot from the first link with
    frames of its side (``foot(link, position, side)``: those frames, None without any;
    ProtocolError when they cannot be one foot)."""
    feet: dict[str, _F] = {}
    problems: dict[str, str] = {}
    for link in links:
        position = _position(recording, link.link)
        if link.problem is not None:
            problems[f"link {position} ({link.link.port})"] = link.problem
        _take_feet(feet, problems, functools.partial(foot, link, position))
    captures = [d.capture for d in links]
    clock = [
        {"link": _position(recording, d.link), "port": d.link.port, **segment}
        for d in links
        for segment in d.segments
    ]
    # the mode of the first link that gave frames (a link that gave none only guesses); a
    # link has a clock segment exactly when it gave frames
    speaking = [d.capture for d in links if d.segments] or captures
    mode: Mode = speaking[0].mode if speaking else "binary"
    counters = _merge_counters(captures)
    return Decoded(
        "recording", mode, feet, counters, captures, recording, clock, problems, links, sides
    )


def _link_foot(link: LinkFrames, position: int, side: int) -> _Foot | None:
    return _whole_foot(link.side(side), link.capture, side, position)


def _decode(
    path: Path, on_error: OnError, rate_hz: float | None, columns: Sequence[str] | None
) -> Decoded[_Foot]:
    """The frames of a recording or a raw capture, per foot, on one time axis."""
    if is_recording(path):
        recording = read_recording(path)
        links = decode_recording(recording, on_error=on_error, rate_hz=rate_hz, columns=columns)
        return decoded_recording(recording, links, _link_foot)
    feet: dict[str, _Foot] = {}
    problems: dict[str, str] = {}
    capture = read_capture(path, on_error=on_error, rate_hz=rate_hz, columns=columns)

    def device_clock(side: int) -> _Foot | None:
        block = capture.frames(side)  # a capture has no host times: the device clock's
        return _whole_foot(None if block is None else (block, block.time_us / 1e6), capture, side)

    _take_feet(feet, problems, device_clock)
    t0 = min((float(f.device_time_s[0]) for f in feet.values() if len(f.seq)), default=0.0)
    for foot in feet.values():
        foot.time_s = foot.time_s - t0
    return Decoded(
        "capture", capture.mode, feet, capture.counters.as_dict(), [capture], None, [], problems
    )


def _wire_summary(path: Path, decoded: Decoded[Any]) -> dict[str, Any]:
    """What ``pressure info`` reports of the wire stream (``metadata["wire"]``)."""
    captures = decoded.captures
    sides = decoded.sides
    if sides is None:
        sides = summarize_sides([b for c in captures for b in c.blocks])
    summary = CaptureSummary(
        path, decoded.mode, sides, decoded.counters, device_list(decoded.infos)
    )
    rec = decoded.recording
    summary.line = next((c.line for c in captures if c.line is not None), None)
    if rec is not None:
        lines = {
            _position(rec, d.link): d.capture.line
            for d in decoded.links
            if d.capture.line is not None
        }
        sides_by_link: dict[int, list[str]] = {}
        for name, foot in decoded.feet.items():
            sides_by_link.setdefault(foot.link, []).append(name)
        summary.recording = {
            "complete": rec.complete,
            "ignored_tail_bytes": rec.ignored_tail_bytes,
            "session": rec.session,
            "links": [
                {
                    "port": link.port,
                    "role": link.role,
                    "bytes": link.size,
                    "sides": sides_by_link.get(index, []),
                    "line": lines.get(index),
                }
                for index, link in enumerate(rec.links)
            ],
            "file_bytes": rec.path.stat().st_size,
            "clock": decoded.clock,
            "damaged": [d._asdict() for d in rec.damaged],
            "bad_receipts": sum(link.bad_receipts for link in rec.links),
            "disconnects": sum(e.get("event") == "disconnected" for e in rec.events),
            "reconnects": sum(e.get("event") == "reconnected" for e in rec.events),
        }
    first_errors = [str(e) for c in captures for e in c.errors][:5]
    plain = {name: dataclasses.asdict(side) for name, side in summary.sides.items()}
    return {**summary.as_json(), "sides": plain, "first_errors": first_errors}


def _span(d: Damage) -> str:
    if d.after_s is None and d.before_s is None:
        return ""
    a = "the start" if d.after_s is None else f"{d.after_s:.3f} s"
    b = "the end" if d.before_s is None else f"{d.before_s:.3f} s"
    return f", between {a} and {b}"


def damage_regions(damaged: Sequence[Damage], limit: int = 10) -> list[str]:
    """One line per damaged region (byte offset, bytes, what, the host times either side),
    the first ``limit`` of them and then how many more."""
    lines = [f"byte offset {d.offset}, {d.length} bytes: {d.what}{_span(d)}" for d in damaged]
    if len(lines) > limit:
        lines[limit:] = [f"and {len(lines) - limit} more"]
    return lines


def damage_note(damaged: Sequence[Damage]) -> str:
    """The problem a damaged recording carries: the regions, and what they cost."""
    lost = sum(d.length for d in damaged)
    count = len(damaged)
    return (
        f"{count} damaged region{'s' if count > 1 else ''} ({lost} bytes; "
        + "; ".join(damage_regions(damaged, 3))
        + "): the frames whose bytes they hold are lost (a binary frame whose own CRCs hold is "
        "kept), the rest was read"
    )


# --- the session -------------------------------------------------------------------------------


def vendor_columns(
    seq: npt.NDArray[np.uint16],
    device_time_s: npt.NDArray[np.float64],
    extra: dict[str, npt.NDArray[np.float64]],
) -> dict[str, npt.NDArray[np.float64]]:
    """The wire's per-frame columns, then line mode's named ones (``line_`` before a name that
    is taken)."""
    vendor = {"seq": seq.astype(np.float64), "device_time_s": device_time_s}
    for name, column in extra.items():
        vendor[f"line_{name}" if name in vendor else name] = column
    return vendor


def read(
    path: Path,
    *,
    on_error: OnError = "skip",
    rate_hz: float | None = None,
    columns: Sequence[str] | None = None,
) -> Session:
    """Read a recording or capture (module docstring). ``on_error="raise"`` stops at the first
    damaged byte instead of skipping it. ``rate_hz`` gives the rate of a line-mode capture
    whose lines carry no time (such a file is then read although ``detect`` does not take it);
    ``columns`` names the columns of a board that prints no header line (an insole profile's
    ``columns``; a recording made with ``record --profile`` keeps them). Raises
    FileFormatError naming the file and offset, UsageError when ``columns`` are no header."""
    head = read_head(path)
    # missing or empty: _decode says so
    if head and rate_hz is None and columns is None and not detect(path, head):
        raise FileFormatError(
            path,
            "unrecognised content: no MCAP magic, no version-1 frame header and no timestamped "
            f"line-mode samples in the first 64 KiB; {EXPECTED}",
            offset=0,
        )
    try:
        decoded = _decode(path, on_error, rate_hz, columns)
    except FileFormatError:  # a ValueError too, but the file's, not the columns'
        raise
    except ValueError as exc:  # the columns given are no header (classify_columns)
        raise UsageError(f"columns {list(columns or [])}: {exc}") from None
    feet, metadata, quality, problems = assemble(path, decoded, _foot_recording)
    return Session.from_feet(path, NAME, feet, metadata, quality=quality, problems=problems)


def _foot_recording(
    side: SideName, foot: _Foot, rate: float, layout: SensorLayout | None
) -> FootRecording:
    return FootRecording(
        side=side,
        time_s=foot.time_s,
        values=foot.values(),
        unit=foot.unit,
        sampling_rate_hz=rate,
        layout=layout,
        vendor=vendor_columns(foot.seq, foot.device_time_s, foot.extra),
    )


_T = TypeVar("_T")


def assemble(
    path: Path,
    decoded: Decoded[_F],
    make: Callable[[SideName, _F, float, SensorLayout | None], _T],
) -> tuple[dict[SideName, _T], dict[str, Any], dict[str, int], list[str]]:
    """A session's parts from what was decoded (module docstring): each foot as ``make``
    makes it from the decoded foot, its sampling rate and its layout, and the session's
    ``metadata``, ``quality`` and ``problems``. FileFormatError for a capture's foot without
    a rate (a recording's is left out, and said)."""
    from ...layouts_builtin import builtin_layout

    feet: dict[SideName, _T] = {}
    notes: dict[str, str] = dict(decoded.problems)
    for name in ("left", "right"):
        side: SideName = "left" if name == "left" else "right"
        got = decoded.feet.get(name)
        if got is None or len(got.time_s) == 0:
            continue
        info = got.info
        nominal = info.rate_hz if info is not None and info.rate_hz > 0 else None
        rate = got.rate_hz(nominal)
        if rate is None:
            why = "one frame" if len(got.time_s) < 2 else "frames without timestamps"
            if decoded.kind == "recording":  # a damaged recording still opens
                notes[name] = f"left out: {why}, and neither the device nor the host gave a rate"
                continue
            raise FileFormatError(
                path, f"no sampling rate: the {name} foot has {why} and no device said its rate"
            )
        layout = None
        if info is not None and info.layout:
            try:
                layout = builtin_layout(info.layout)
            except KeyError:
                notes[f"layout_{name}"] = f"unknown layout {info.layout!r}"
            if layout is not None and layout.n_sensors != got.n_sensors:
                notes[f"layout_{name}"] = (
                    f"layout {info.layout!r} has {layout.n_sensors} sensors, the frames "
                    f"{got.n_sensors}"
                )
                layout = None
        feet[side] = make(side, got, rate, layout)
    if not feet:
        notes["frames"] = "no sample frames of either foot"
    metadata: dict[str, Any] = {
        "kind": decoded.kind,
        "mode": decoded.mode,
        "devices": [device_info_dict(i) for i in decoded.infos],
    }
    if decoded.clock:
        metadata["clock"] = decoded.clock
    recording = decoded.recording
    if recording is not None:
        session = dict(recording.session)
        metadata["session"] = session
        nested = session.get("subject")  # a nested record, should one ever be written
        subject = dict(nested) if isinstance(nested, dict) else {}
        subject.update({k[8:]: v for k, v in session.items() if k.startswith("subject.")})
        if subject:
            metadata["subject"] = subject
        # the standing geometry (distance between the insoles' centre lines), when the
        # recording says it: as a session field, or in the simulator's ground truth
        simulated = session.get("simulated")
        for source in (session, simulated if isinstance(simulated, dict) else {}):
            value = source.get("standing_separation_mm")
            if isinstance(value, (int, float)) and value > 0:
                metadata["standing_separation_mm"] = float(value)
                break
        if recording.damaged:
            notes["damage"] = damage_note(recording.damaged)
        repaired = sum(link.bad_receipts for link in recording.links)
        if repaired:
            notes["receipts"] = (
                f"{repaired} receipt time{'s' if repaired > 1 else ''} damaged (out of the host "
                "clock's order, or in a block whose CRC fails) replaced by times interpolated "
                "from their neighbours"
            )
        if not recording.complete:  # a killed recorder, a pulled plug, a cut copy
            cut = recording.ignored_tail_bytes
            notes["recording"] = "not closed by its recorder: it may end early" + (
                f" (its last {cut} bytes are a record cut short)" if cut else ""
            )
        metadata["recording"] = {
            "complete": recording.complete,
            "ignored_tail_bytes": recording.ignored_tail_bytes,
            "links": [{"port": link.port, "role": link.role} for link in recording.links],
            "events": recording.events,
        }
    metadata["record"] = path.stem
    metadata["wire"] = _wire_summary(path, decoded)
    line = metadata["wire"].get("line") or {}
    roles = [link["role"] for link in metadata.get("recording", {}).get("links", [])]
    if (
        list(feet) == ["left"]
        and line.get("side_from") == "default"
        and not any(role in ("left", "right") for role in roles)
    ):
        notes["side"] = (
            f"{UNSTATED_SIDE} (its lines name none): read as the left foot (--side right, or "
            "side in a --profile, says otherwise)"
        )
    quality = dict(decoded.counters)
    if recording is not None and not recording.complete:
        quality["recording_cut_bytes"] = recording.ignored_tail_bytes
    if recording is not None and recording.damaged:
        quality["damaged_bytes"] = sum(d.length for d in recording.damaged)
    if recording is not None and any(link.bad_receipts for link in recording.links):
        quality["bad_receipts"] = sum(link.bad_receipts for link in recording.links)
    return feet, metadata, quality, [f"{topic}: {note}" for topic, note in notes.items()]
