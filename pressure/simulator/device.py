"""A virtual insole: a device that speaks protocol v1, and a real pseudo-terminal to host it.

``VirtualInsole`` is the device's logic without any transport: ``receive(bytes)`` returns its
answers to host commands, ``due(now_s)`` returns the sample frames whose time has come. Time is
passed in, so tests drive it without sleeping. ``PtyInsole`` puts it on a pseudo-terminal: the
slave side (in raw mode) is a serial device any program opens by path, exactly like a USB insole.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import struct
import termios
import threading
import time
import tty
from collections.abc import Callable
from typing import TYPE_CHECKING

from firmware_protocol import (
    Command,
    CommandCode,
    DeviceInfo,
    Severity,
    Status,
    StatusCode,
    StreamDecoder,
    encode,
    encode_samples,
)

from .signals import Pacer, Signal

if TYPE_CHECKING:
    from .sketch import SketchInsole

MAX_RATE_HZ = 10_000.0
MAX_BURST_S = 0.5  # at most this much signal is sent in one call, however late the caller is


class VirtualInsole:
    """Device logic streaming ``signal`` (a synthetic gait or a replayed file).

    Follows PROTOCOL.md §4.4: START answers OK and streams from the signal's start; STOP answers
    OK; REQUEST_INFO answers DEVICE_INFO; SET_RATE answers OK (1..10000 Hz, while stopped),
    BAD_ARGUMENT (out of range, or a replay, whose rate is the recording's) or NOT_READY (while
    streaming); TARE answers OK. Device time (``t_us``) counts from the device's boot.
    """

    def __init__(self, signal: Signal, *, autostart: bool = False, now_s: float = 0.0) -> None:
        self._signal = signal
        self._boot_s = now_s
        self._decoder = StreamDecoder()
        self._streaming = False
        self._finished = False
        self._start_s = 0.0
        self._start_us = 0
        self._pacer = Pacer(iter(()), MAX_BURST_S)
        self._sent_before = 0  # frames sent before the last START
        self.boot_bytes = encode(self._status(StatusCode.BOOT, 0, now_s)) + encode(self.info())
        if autostart:
            self._begin(now_s)

    @property
    def streaming(self) -> bool:
        return self._streaming

    @property
    def finished(self) -> bool:
        """True once the whole signal has been streamed."""
        return self._finished

    def info(self) -> DeviceInfo:
        return self._signal.info()

    def _t_us(self, now_s: float) -> int:
        return round((now_s - self._boot_s) * 1e6) % (1 << 32)

    def _status(self, code: int, command: int, now_s: float, text: str = "") -> Status:
        severity = Severity.INFO if code == StatusCode.OK else Severity.WARNING
        return Status(code, severity, command, self._t_us(now_s), text)

    def _begin(self, now_s: float) -> None:
        self._streaming = True
        self._finished = False
        self._start_s = now_s
        self._start_us = round((now_s - self._boot_s) * 1e6)
        self._sent_before += self._pacer.frames
        self._pacer = Pacer(self._signal.blocks(), MAX_BURST_S)

    def receive(self, data: bytes, now_s: float) -> bytes:
        """Bytes from the host; returns the device's answers."""
        out = bytearray()
        for message in self._decoder.feed(data):
            if isinstance(message, Command):
                out += self._answer(message, now_s)
        return bytes(out)

    def _answer(self, cmd: Command, now_s: float) -> bytes:
        code = cmd.command
        if code == CommandCode.START:
            if not self._streaming:  # a START retried while streaming changes nothing
                self._begin(now_s)
            return encode(self._status(StatusCode.OK, code, now_s))
        if code == CommandCode.STOP:
            self._streaming = False
            return encode(self._status(StatusCode.OK, code, now_s))
        if code == CommandCode.REQUEST_INFO:
            return encode(self.info())
        if code == CommandCode.SET_RATE:
            rate = cmd.rate_hz or 0.0
            if not 1.0 <= rate <= MAX_RATE_HZ:
                return encode(self._status(StatusCode.BAD_ARGUMENT, code, now_s, "1..10000 Hz"))
            if self._streaming:
                return encode(self._status(StatusCode.NOT_READY, code, now_s, "stop first"))
            changed = self._signal.with_rate(rate)
            if changed is None:
                return encode(
                    self._status(StatusCode.BAD_ARGUMENT, code, now_s, "replay: fixed rate")
                )
            self._signal = changed
            return encode(self._status(StatusCode.OK, code, now_s))
        if code == CommandCode.TARE:
            return encode(self._status(StatusCode.OK, code, now_s))
        return encode(self._status(StatusCode.UNKNOWN_COMMAND, code, now_s))

    def due(self, now_s: float) -> bytes:
        """Sample frames for every sample time up to ``now_s``, at most ``MAX_BURST_S`` of signal
        at once however late the caller is."""
        if not self._streaming:
            return b""
        parts = [
            encode_samples(now.seq, now.side, self._start_us + now.t_us, now.values)
            for now in self._pacer.take(now_s - self._start_s)
        ]
        if self._pacer.done:
            self._streaming = False
            self._finished = True
        return b"".join(parts)

    @property
    def frames_sent(self) -> int:
        """Sample frames sent since power-up."""
        return self._sent_before + self._pacer.frames

    def port_opened(self, now_s: float) -> bytes:
        """The host opened the port. A protocol-v1 insole does not reset: nothing to say (the
        host asks for ``DEVICE_INFO``)."""
        return b""


_FLUSHREAD = getattr(termios, "TIOCPKT_FLUSHREAD", 1)


def _packet_mode(master: int) -> bool:
    """Put a pty's master side in packet mode: each read then starts with a status byte (0 for
    data; ``TIOCPKT_FLUSHREAD`` when the slave side's input was discarded). False where the
    system has no packet mode."""
    request = getattr(termios, "TIOCPKT", None)
    if request is None:
        return False
    try:
        fcntl.ioctl(master, request, struct.pack("i", 1))
    except OSError:
        return False
    return True


class PtyInsole:
    """A ``VirtualInsole`` on a pseudo-terminal. ``path`` is the device to open (e.g. /dev/pts/3).

    The slave side is put in raw mode, so every byte passes unchanged; this object keeps it open
    so the link survives a host that closes and reopens the port. The master side is in packet
    mode where the system has it (``TIOCPKT``, Linux and macOS): a host that discards the
    port's input, as pyserial does when it opens a port, is told to the device
    (``port_opened``), which answers as a board reset by the opening would.
    """

    def __init__(self, device: VirtualInsole | SketchInsole) -> None:
        self.device = device
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        self.path = os.ttyname(self._slave)
        os.set_blocking(self._master, False)
        self._packets = _packet_mode(self._master)
        self._stop = threading.Event()
        self.dropped_writes = 0  # sample writes given up because the host was not reading

    def stop(self) -> None:
        self._stop.set()

    def close(self) -> None:
        for fd in (self._master, self._slave):
            with contextlib.suppress(OSError):  # already closed
                os.close(fd)

    def _write(self, data: bytes, wait_s: float) -> bool:
        """Write all of ``data``, waiting at most ``wait_s`` for room; False if it gave up.

        Like a USB device whose host stopped reading, the pty cannot hold everything: when the
        host does not read, frames are dropped rather than the device hanging.
        """
        view = memoryview(data)
        deadline = time.monotonic() + wait_s
        while view:
            try:
                view = view[os.write(self._master, view) :]
            except BlockingIOError:
                left = deadline - time.monotonic()
                if left <= 0 or self._stop.is_set():
                    return False
                select.select([], [self._master], [], min(left, 0.01))
        return True

    def _read_host(self) -> tuple[bool, bytes] | None:
        """One read of what the host sent: whether it discarded its input (opened the port)
        since the last read, and its bytes; None when the pty went away."""
        try:
            data = os.read(self._master, 4096)
        except BlockingIOError:
            return False, b""
        except OSError:
            return None
        if self._packets and data:
            return bool(data[0] & _FLUSHREAD), data[1:]
        return False, data

    def run(
        self,
        seconds: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        linger_s: float | None = None,
    ) -> None:
        """Serve until ``stop()``, ``seconds`` elapse, ``linger_s`` after streaming ended (the
        signal's end, or a STOP not followed by a START), or (all None) forever."""
        start = clock()
        finished_at: float | None = None
        early = b""  # from a host that opened the port before this began: the boot is for it
        while select.select([self._master], [], [], 0)[0]:
            got = self._read_host()
            if not got or not (got[0] or got[1]):
                break
            early += got[1]
        self._write(self.device.boot_bytes, wait_s=1.0)
        if early:
            self._write(self.device.receive(early, clock()), wait_s=1.0)
        tick = 0.5 / self.device.info().rate_hz if self.device.info().rate_hz else 0.01
        while not self._stop.is_set():
            now = clock()
            if seconds is not None and now - start >= seconds:
                break
            done = self.device.frames_sent > 0 and not self.device.streaming
            if linger_s is not None and done:  # streamed to the end, or stopped by the host
                finished_at = now if finished_at is None else finished_at
                if now - finished_at >= linger_s:
                    break
            else:
                finished_at = None  # started again: the host still wants it
            readable, _, _ = select.select([self._master], [], [], min(tick, 0.01))
            if readable:
                got = self._read_host()
                if got is None:  # the pty went away
                    break
                opened, data = got
                if opened:  # the host discarded its input: it opened the port
                    self._write(self.device.port_opened(clock()), wait_s=1.0)
                answer = self.device.receive(data, clock())
                if answer:
                    self._write(answer, wait_s=1.0)
            frames = self.device.due(clock())
            if frames and not self._write(frames, wait_s=0.1):
                self.dropped_writes += 1
