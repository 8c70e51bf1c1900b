"""A serial link to an insole: a device path or any pyserial URL (``/dev/ttyUSB0``, ``loop://``,
``socket://host:port``, ``spy://...``).

A reader thread does nothing but read and decode, so a slow listener never costs a byte: what it
reads goes through a queue to a second thread that calls the listeners.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from firmware_protocol import (
    AutoDecoder,
    Command,
    CommandCode,
    DeviceInfo,
    Message,
    Side,
    Status,
    encode,
)

from ..errors import DeviceError

RETRY_S = 0.25  # PROTOCOL.md §4.4: a host retries an unanswered command after 250 ms
BATCH_BYTES = 2048  # reads shorter than this wait ``poll_s`` before the next one
POLL_S = 0.005


@dataclass(frozen=True)
class Received:
    """One read from the link: host time on receipt, the raw bytes, what they decoded to."""

    host_ns: int  # time.monotonic_ns() when the read returned
    raw: bytes
    messages: list[Message]


Listener = Callable[[Received], None]


class SerialSource:
    """An insole on a serial link. Use as a context manager; ``listen`` before ``start``."""

    def __init__(
        self,
        url: str,
        *,
        baudrate: int = 921_600,
        poll_s: float = POLL_S,
        columns: Sequence[str] | None = None,
        side: str | None = None,
    ) -> None:
        """``columns``: the column names of a line-mode board that prints no header (an insole
        profile's), for the live decoder; ``side`` (``"left"``/``"right"``): the foot of
        line-mode lines that do not say theirs (default left)."""
        import serial  # lazy: `pressure --help` stays fast

        self.url = url
        self.poll_s = poll_s
        try:
            self._port = serial.serial_for_url(url, baudrate=baudrate, timeout=0.05)
        except (serial.SerialException, ValueError, OSError) as exc:
            raise DeviceError(f"{url}: cannot open: {_why(exc)}") from None
        self._serial_exception = serial.SerialException
        default_side = Side.RIGHT if side == "right" else Side.LEFT
        self.decoder = AutoDecoder(columns=columns, default_side=default_side)
        self._listeners: list[Listener] = []
        self._queue: queue.Queue[Received | None] = queue.Queue()
        self._answers: queue.Queue[DeviceInfo | Status] = queue.Queue()
        self._stop = threading.Event()
        self._write_lock = threading.Lock()
        self._reader = threading.Thread(target=self._read_loop, name="insole-reader", daemon=True)
        self._dispatcher = threading.Thread(
            target=self._dispatch, name="insole-dispatch", daemon=True
        )
        self.error: str | None = None  # why reading stopped, when it was not asked to
        self.cause: BaseException | None = None  # the exception behind ``error``
        self.info: DeviceInfo | None = None

    # -- life cycle ---------------------------------------------------------------------------
    def listen(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def start(self) -> SerialSource:
        self._reader.start()
        self._dispatcher.start()
        return self

    def close(self) -> None:
        """Stop reading, deliver everything already read to the listeners, close the port."""
        self._stop.set()
        if self._reader.is_alive():
            self._reader.join()
        self._queue.put(None)
        if self._dispatcher.is_alive():
            self._dispatcher.join()  # no frame already read is dropped, however slow a listener
        self._port.close()

    def __enter__(self) -> SerialSource:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def alive(self) -> bool:
        return self._reader.is_alive()

    # -- reading ------------------------------------------------------------------------------
    def _read_loop(self) -> None:
        port = self._port
        while not self._stop.is_set():
            try:
                data = port.read(port.in_waiting or 1)
            except (self._serial_exception, OSError) as exc:
                self.error = f"{self.url}: the device went away (disconnected or unplugged)"
                self.cause = exc
                break
            if not data:
                continue
            received_ns = time.monotonic_ns()
            messages = self.decoder.feed(data)
            for m in messages:
                if isinstance(m, DeviceInfo | Status):
                    if isinstance(m, DeviceInfo):
                        self.info = m
                    self._answers.put(m)
            self._queue.put(Received(received_ns, data, messages))
            if len(data) < BATCH_BYTES:
                # a trickle: let it gather for a moment, so a fast link is read in a few hundred
                # chunks a second rather than thousands of single frames (each read costs the
                # same Python work however small it is); a busy link is never made to wait
                time.sleep(self.poll_s)
        self._queue.put(None)

    def _dispatch(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            for listener in self._listeners:
                listener(item)

    # -- commands (binary mode) -----------------------------------------------------------------
    def send(self, command: Command) -> None:
        with self._write_lock:
            try:
                self._port.write(encode(command))
                self._port.flush()
            except (self._serial_exception, OSError) as exc:
                raise DeviceError(f"{self.url}: cannot write: {exc}") from None

    def _await(
        self, command: Command, match: Callable[[DeviceInfo | Status], bool], timeout_s: float
    ) -> DeviceInfo | Status:
        while not self._answers.empty():  # answers to earlier commands are not this one's
            self._answers.get_nowait()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            self.send(command)
            retry_at = min(deadline, time.monotonic() + RETRY_S)
            while (left := retry_at - time.monotonic()) > 0:
                try:
                    answer = self._answers.get(timeout=left)
                except queue.Empty:
                    break
                if match(answer):
                    return answer
            if not self.alive:
                break
        raise DeviceError(
            f"{self.url}: no answer to command 0x{command.command:02x} within {timeout_s:g} s"
            + (f" ({self.error})" if self.error else "")
        )

    def request_info(self, timeout_s: float = 1.0) -> DeviceInfo:
        answer = self._await(
            Command(CommandCode.REQUEST_INFO), lambda m: isinstance(m, DeviceInfo), timeout_s
        )
        assert isinstance(answer, DeviceInfo)
        return answer

    def command(self, command: Command, timeout_s: float = 1.0) -> Status:
        """Send a command and wait for the STATUS that answers it (OK or an error code)."""
        answer = self._await(
            command, lambda m: isinstance(m, Status) and m.command == command.command, timeout_s
        )
        assert isinstance(answer, Status)
        return answer


def stop_and_close(started: Sequence[SerialSource], sources: Sequence[SerialSource]) -> None:
    """The end of a command that started its links: STOP to each device in ``started`` that is
    still there (one that went away is not an error here), then close every link in
    ``sources`` (every frame read has been handed to the listeners before it closes)."""
    for source in started:
        if source.alive:
            with contextlib.suppress(DeviceError):
                source.send(Command(CommandCode.STOP))
    for source in sources:
        source.close()


def _why(exc: BaseException) -> str:
    """pyserial's open errors in a few plain words (it nests errno texts twice)."""
    import errno

    code = getattr(exc, "errno", None)
    if code == errno.ENOENT:
        return "no such port (is the insole plugged in? `pressure ports` lists the ports)"
    if code in (errno.EACCES, errno.EPERM):
        return "permission denied (on Linux, add yourself to the dialout group)"
    if code == errno.EBUSY:
        return "the port is busy (another program has it open)"
    text = str(exc)
    if code == errno.ENOTTY or "Inappropriate ioctl" in text:
        return "not a serial port"
    if "Connection refused" in text:
        return "connection refused"
    if code is not None and getattr(exc, "strerror", None):
        text = str(exc.strerror)  # type: ignore[attr-defined]
    return text.split("\n")[0]
