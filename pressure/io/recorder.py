"""Record one or more serial links into one crash-safe recording.

``Recorder`` opens every link, asks each device who it is (DEVICE_INFO; a device that never
answers but speaks line mode is recorded as it is), starts the streams, and hands every read to
the ``RecordingWriter``, which the recorder flushes every ``FLUSH_INTERVAL_S``. When a link goes
away, the recording ends with a valid file and a ``DeviceError`` saying so; with ``reconnect``
the recorder waits for the device to come back and carries on in the same file.

``Recorder.status()`` says what the links delivered so far (frames per foot, the decoders'
counters summed over every connection of a link, bytes not understood yet, the first bytes of
each link), for the command line's status line and its summary at the end.

``Companion`` objects run beside the recording and see what it sees: each connection's
DEVICE_INFO, every read from the links, the moment every link is connected and answered but
not yet started, and the moment before the file closes (``pressure.lsl``: the LSL streams of
``record --lsl``, and the marker inlet of ``record --lsl-markers``).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from firmware_protocol import (
    Command,
    CommandCode,
    DeviceInfo,
    LineDecoder,
    SampleBlock,
    Side,
    StatusCode,
)

from ..errors import DeviceError
from ..sources.serial_source import Received, SerialSource
from .recording import FLUSH_INTERVAL_S, RecordingWriter, Role

RECONNECT_POLL_S = 0.5
#: bytes kept of the start of each link: enough lines to quote when nothing in them was understood
HEAD_KEPT = 4096


@dataclass(frozen=True)
class LinkStatus:
    """What one link delivered so far (``Recorder.status``).

    Attributes
    ----------
    url : str
        The link's port or URL.
    mode : str or None
        ``"binary"`` or ``"text"`` once the decoder recognised the stream (PROTOCOL.md §5),
        else None.
    bytes_received : int
        Every byte read from the link, over all its connections.
    frames : dict
        Sample frames per foot (``"left"``, ``"right"``).
    counters : dict
        The decoders' counters (``firmware_protocol.Counters`` fields: ``frames_lost``,
        ``crc_errors``, ``bytes_skipped``, ``bad_lines``...), summed over the link's
        connections; empty while no decoder recognised the stream.
    unrecognised_bytes : int
        Bytes read while the decoder could not yet tell binary frames from line-mode text:
        neither frames nor skipped yet, and nothing at all if the stream is never recognised.
    first_problem : str or None
        The decoder's first complaint on this link (a ``ProtocolError``'s text: kind, byte
        offset, detail).
    head : bytes
        The first ``HEAD_KEPT`` bytes of the link's first connection.
    line : dict or None
        In line mode, what the decoder made of the lines (``LineDecoder.line_info``: header,
        time column and unit, where the rate comes from, extras); None otherwise.
    """

    url: str
    mode: str | None
    bytes_received: int
    frames: dict[str, int]
    counters: dict[str, int]
    unrecognised_bytes: int
    first_problem: str | None
    head: bytes
    line: dict[str, Any] | None = None

    def count(self, name: str) -> int:
        """One of ``counters`` (0 when the decoder has no such counter)."""
        return self.counters.get(name, 0)


@dataclass(frozen=True)
class RecordStatus:
    """What every link delivered so far: a snapshot, not updated afterwards."""

    links: tuple[LinkStatus, ...]

    @property
    def frames(self) -> dict[str, int]:
        """Sample frames per foot over all links."""
        return {side: sum(link.frames[side] for link in self.links) for side in ("left", "right")}

    def count(self, name: str) -> int:
        """A decoder counter summed over the links (0 where a decoder has no such counter)."""
        return sum(link.count(name) for link in self.links)

    @property
    def bytes_received(self) -> int:
        return sum(link.bytes_received for link in self.links)

    @property
    def unrecognised_bytes(self) -> int:
        return sum(link.unrecognised_bytes for link in self.links)


@dataclass
class LinkState:
    url: str
    role: Role
    channel: int
    source: SerialSource | None = None
    frames: dict[str, int] = field(default_factory=lambda: {"left": 0, "right": 0})
    connected_s: float = 0.0
    mode: str | None = None
    notes: list[str] = field(default_factory=list)
    bytes_received: int = 0
    bytes_this_connection: int = 0
    head: bytearray = field(default_factory=bytearray)
    # the decoders of connections already closed (a reconnect starts a new decoder)
    earlier: dict[str, int] = field(default_factory=dict)
    earlier_unrecognised: int = 0
    earlier_mode: str | None = None
    earlier_line: dict[str, Any] | None = None
    first_problem: str | None = None
    last_frame_ns: int | None = None  # host receipt time of the latest sample frame
    info: DeviceInfo | None = None  # the device first recorded here: a reconnect must be it
    ended: bool = False  # the device ended its stream, then the link closed: not a failure
    startable: bool = False  # it answered DEVICE_INFO: a START is for it

    def fold(self) -> None:
        """Add the current connection's decoder to ``earlier`` before it goes away."""
        if self.source is None:
            return
        decoder = self.source.decoder
        counters = decoder.counters
        if counters is None:
            self.earlier_unrecognised += self.bytes_this_connection
        else:
            for name, value in counters.as_dict().items():
                self.earlier[name] = self.earlier.get(name, 0) + value
            self.earlier_mode = decoder.mode
            self.earlier_line = _line_info(self.source) or self.earlier_line
        self.first_problem = self.first_problem or _first_problem(self.source)
        self.bytes_this_connection = 0

    def status(self) -> LinkStatus:
        counters = dict(self.earlier)
        unrecognised = self.earlier_unrecognised
        mode = self.earlier_mode
        problem = self.first_problem
        line = self.earlier_line
        source = self.source
        if source is not None:
            line = _line_info(source) or line
            live = source.decoder.counters
            if live is None:
                unrecognised += self.bytes_this_connection
            else:
                for name, value in live.as_dict().items():
                    counters[name] = counters.get(name, 0) + value
                mode = source.decoder.mode
            problem = problem or _first_problem(source)
        return LinkStatus(
            url=self.url,
            mode=mode,
            bytes_received=self.bytes_received,
            frames=dict(self.frames),
            counters=counters,
            unrecognised_bytes=unrecognised,
            first_problem=problem,
            head=bytes(self.head),
            line=line,
        )


def _line_info(source: SerialSource) -> dict[str, Any] | None:
    inner = source.decoder.decoder
    return inner.line_info if isinstance(inner, LineDecoder) else None


def _first_problem(source: SerialSource) -> str | None:
    inner = source.decoder.decoder
    errors = [] if inner is None else inner.errors
    return str(errors[0]) if errors else None


def _identity(info: DeviceInfo, rate: bool) -> tuple[int, int, int, float]:
    """What makes a device the one recorded: its id, side, sensor count and (unless the
    recorder sets the rate, which a device may or may not keep) its rate."""
    return (info.device_id, info.side, info.sensor_count, round(info.rate_hz, 3) if rate else 0)


def _describe(info: DeviceInfo) -> str:
    return f"id 0x{info.device_id:08x}, {info.sensor_count} sensors, {info.rate_hz:g} Hz"


class Companion(Protocol):
    """What runs beside a ``Recorder`` (``pressure.lsl.Publisher``, ``pressure.lsl.MarkerInlet``).

    ``connected``, ``ready`` and ``finishing`` are called from the thread that runs
    ``Recorder.run``; ``received`` from the link's dispatch thread (one per link), so it must
    be quick and thread-safe.
    """

    def connected(self, link: int, info: DeviceInfo | None) -> None:
        """Link ``link`` (its index in the recorder's links) connected, or connected again
        after ``--reconnect``, and answered ``info`` (None: it did not; a line-mode board).
        Called before its stream is started."""

    def received(self, link: int, received: Received) -> None:
        """One read from link ``link``, already handed to the recording."""

    def ready(self) -> None:
        """Every link connected once and answered (or not); no stream started yet."""

    def finishing(self) -> None:
        """The recording is about to end; the file is still open for events."""


#: a link that closes this long after its last sample frame ended its stream normally (a
#: replay or timed session that finished, then the device went); sooner is a lost device
ENDED_QUIET_S = 2.0


class Recorder:
    """Records ``links`` ([(url, role)]) into ``writer`` until ``stop()``, ``seconds`` or a
    disconnect (without ``reconnect``)."""

    def __init__(
        self,
        writer: RecordingWriter,
        links: list[tuple[str, Role]],
        *,
        reconnect: bool = False,
        baudrate: int = 921_600,
        rate_hz: float | None = None,
        start: bool = True,
        on_note: Callable[[str], None] = lambda _: None,
        opened: list[SerialSource] | None = None,
        columns: Sequence[str] | None = None,
        companions: Sequence[Companion] = (),
    ) -> None:
        """``opened``: the links' sources, already opened (not started) by the caller, so a
        wrong port fails before the recording file exists. ``columns``: the column names of
        line-mode boards that print no header (for the live counts; the recording keeps the
        raw lines, and the names in its session record). ``companions``: what runs beside
        the recording (``Companion``)."""
        self.companions = list(companions)
        self.columns = None if columns is None else list(columns)
        self.writer = writer
        self.reconnect = reconnect
        self.baudrate = baudrate
        self.rate_hz = rate_hz
        self.start_streams = start
        self.on_note = on_note
        self.links = [LinkState(url, role, writer.add_link(url, role)) for url, role in links]
        self._opened: list[SerialSource | None] = list(opened or [])
        self._stop = threading.Event()
        self._tick: Callable[[], None] = lambda: None

    def stop(self) -> None:
        self._stop.set()

    def status(self) -> RecordStatus:
        """What the links delivered so far (a snapshot; call it from the thread that runs
        ``run``, or after it returned)."""
        return RecordStatus(tuple(link.status() for link in self.links))

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    # -- connecting -----------------------------------------------------------------------------
    def _connect(self, link: LinkState, start: bool = True) -> None:
        """Open the link, ask who it is, tell the companions, and (``start``) start its
        stream."""
        index = next(i for i, each in enumerate(self.links) if each is link)
        given = self._opened[index] if index < len(self._opened) else None
        if given is not None:
            source = given
            self._opened[index] = None  # used once: a reconnect opens the port anew
        else:
            source = SerialSource(
                link.url, baudrate=self.baudrate, columns=self.columns, side=link.role
            )
        channel = link.channel
        writer = self.writer

        def keep(received: Received) -> None:
            writer.received(channel, received.raw, received.host_ns - writer.start_ns)
            link.bytes_received += len(received.raw)
            link.bytes_this_connection += len(received.raw)
            if len(link.head) < HEAD_KEPT:
                link.head += received.raw[: HEAD_KEPT - len(link.head)]
            for m in received.messages:
                if isinstance(m, SampleBlock):
                    left = int(np.count_nonzero(m.side == Side.LEFT))
                    link.frames["left"] += left
                    link.frames["right"] += len(m) - left
                    link.last_frame_ns = received.host_ns
            for companion in self.companions:
                companion.received(index, received)

        if link.info is not None:  # coming back: the same device, or nothing is recorded
            source.start()
            try:
                info = source.request_info(timeout_s=1.0)
            except DeviceError:
                source.close()
                raise
            rate = self.rate_hz is None
            if _identity(info, rate) != _identity(link.info, rate):
                source.close()
                raise DeviceError(
                    f"{link.url}: another device came back ({_describe(info)}; recorded: "
                    f"{_describe(link.info)}): not recorded; waiting for the recorded one"
                ) from None
            source.listen(keep)
            link.source = source
            link.connected_s = writer.now_ns() / 1e9
        else:
            source.listen(keep)
            source.start()
            link.source = source
            link.connected_s = writer.now_ns() / 1e9
            try:
                info = source.request_info(timeout_s=1.0)
            except DeviceError:
                info = None
        if info is None:
            for companion in self.companions:
                companion.connected(index, None)
            link.mode = source.decoder.mode
            if link.mode == "text":
                self._note(link, "line mode: recording the lines as they come")
            elif source.alive:
                self._note(link, "no DEVICE_INFO answer; recording whatever arrives")
            return
        link.mode = "binary"
        link.info = link.info or info
        writer.device(channel, info)
        if self.rate_hz is not None and self._command(
            link, Command(CommandCode.SET_RATE, rate_hz=self.rate_hz)
        ):
            with contextlib.suppress(DeviceError):  # the info now says the new rate
                info = source.request_info(timeout_s=1.0)
                writer.device(channel, info)
        for companion in self.companions:
            companion.connected(index, info)
        link.startable = True
        if start:
            self._start(link)

    def _start(self, link: LinkState) -> None:
        """START a link that answered DEVICE_INFO (unless the devices stream on their own)."""
        if self.start_streams and link.startable and link.source is not None:
            self._command(link, Command(CommandCode.START))

    def _command(self, link: LinkState, command: Command) -> bool:
        """Send a command; True when the device answered OK."""
        assert link.source is not None
        name = CommandCode(command.command).name
        try:
            status = link.source.command(command)
        except DeviceError as exc:
            self._note(link, f"{name} not acknowledged ({exc})")
            return False
        self.writer.event("command", link.channel, command=name, status=status.code)
        if status.code != StatusCode.OK:
            self._note(link, f"{name} answered {StatusCode(status.code).name} {status.text!r}")
        return status.code == StatusCode.OK

    def _note(self, link: LinkState, text: str) -> None:
        link.notes.append(text)
        self.writer.event("note", link.channel, text=text)
        self.on_note(f"{link.url}: {text}")

    # -- running --------------------------------------------------------------------------------
    def run(self, seconds: float | None = None, on_tick: Callable[[], None] | None = None) -> None:
        """Record until stopped. Raises DeviceError after closing the file when a link went away
        (and ``reconnect`` is off). ``on_tick`` is called in this thread every
        ``FLUSH_INTERVAL_S`` while recording (also while waiting for a device to come back):
        the moment to show ``status()``."""
        self._tick = on_tick or (lambda: None)
        deadline = None if seconds is None else time.monotonic() + seconds
        try:
            for link in self.links:
                self._connect(link, start=False)
                self.writer.event("connected", link.channel, port=link.url)
            for companion in self.companions:
                companion.ready()
            for link in self.links:  # every link asked first, then all started together
                self._start(link)
            self.writer.flush(fsync=True)
            self._tick()
            while not self._stop.is_set():
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    break
                self._stop.wait(FLUSH_INTERVAL_S if left is None else min(left, FLUSH_INTERVAL_S))
                self.writer.flush()
                for link in self.links:
                    source = link.source
                    if source is not None and not source.alive:
                        self._lost(link, deadline)
                if all(link.ended for link in self.links):
                    break  # every device ended its stream: a normal end
                self._tick()
        finally:
            self._finish()

    def _lost(self, link: LinkState, deadline: float | None) -> None:
        assert link.source is not None
        reason = link.source.error or f"{link.url}: the device went away"
        link.source.close()  # delivers everything already read
        link.fold()
        link.source = None
        self.writer.event("disconnected", link.channel, reason=reason)
        self.writer.flush(fsync=True)
        quiet_s = (
            None if link.last_frame_ns is None else (time.monotonic_ns() - link.last_frame_ns) / 1e9
        )
        if not self.reconnect and quiet_s is not None and quiet_s >= ENDED_QUIET_S:
            # the samples had stopped well before the link closed: the device ended its
            # stream (a replay or a timed session that finished), then went; not a pulled cable
            link.ended = True
            self.writer.event("ended", link.channel, quiet_s=round(quiet_s, 3))
            self.on_note(
                f"{link.url}: the device stopped streaming {quiet_s:.1f} s before the link "
                "closed: its stream ended"
            )
            return
        if not self.reconnect:
            raise DeviceError(reason)
        self.on_note(f"{reason}; waiting for it to come back (--reconnect)")
        refused: set[str] = set()
        while not self._stop.is_set():
            if deadline is not None and time.monotonic() >= deadline:
                return
            try:
                self._connect(link)
            except DeviceError as exc:
                if "another device" in str(exc) and str(exc) not in refused:
                    refused.add(str(exc))  # said once, and in the file
                    self.writer.event("refused", link.channel, reason=str(exc))
                    # in the file at once: a recorder killed while it waits keeps it
                    self.writer.flush(fsync=True)
                    self.on_note(str(exc))
                self._stop.wait(RECONNECT_POLL_S)
                self.writer.flush()
                self._tick()
                continue
            self.writer.event("reconnected", link.channel, port=link.url)
            self.on_note(f"{link.url}: reconnected")
            return

    def _finish(self) -> None:
        for companion in self.companions:
            companion.finishing()
        for unused in self._opened:
            if unused is not None:
                unused.close()
        for link in self.links:
            source = link.source
            if source is None:
                continue
            if source.alive and link.mode == "binary" and self.start_streams:
                with contextlib.suppress(DeviceError):  # wait for its OK: the file ends whole
                    source.command(Command(CommandCode.STOP), timeout_s=0.5)
            source.close()
            link.fold()
            link.source = None
        self.writer.event("stopped")
        self.writer.close()
