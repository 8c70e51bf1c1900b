"""Plain-text line mode (PROTOCOL.md §5) and the detection of which mode a link speaks.

A line is ``[timestamp] [side] v1 v2 ... vn`` ended by LF (a CR before it is dropped); fields are
separated by commas, tabs or spaces. A timestamp is a field with a unit suffix, ``12345us`` or
``12345ms``; a side marker is ``L`` or ``R``. Values are unsigned decimal integers 0..65535.
Empty lines and lines starting with ``#`` are ignored.
"""

from __future__ import annotations

import re
from typing import Literal

import numpy as np

from .crc import crc16
from .decoder import Counters, OnError, StreamDecoder, _IncrementalDecoder
from .errors import ProtocolError
from .messages import Message, SampleBlock
from .spec import HEADER, HEADER_SIZE, SEQ_MODULUS, SYNC, TIMESTAMP_MODULUS, Side

MAX_LINE = 32768
_SPLIT = re.compile(r"\s*[,\t]\s*|\s+")
_TIMESTAMP = re.compile(r"(\d+)(us|ms)", re.IGNORECASE)
#: a byte that line-mode text never holds: anything but tab, CR and printable ASCII
_NOT_TEXT = re.compile(rb"[^\t\r\x20-\x7e]")


class LineDecoder(_IncrementalDecoder):
    """Incremental decoder for line mode. Lines that are not samples are counted and skipped.

    ``default_side`` is the side of lines without a marker (a single insole on a hobby board).
    Lines without a timestamp get ``t_us`` from ``rate_hz`` when it is given, else ``time_us``
    is -1 (no device time).
    """

    def __init__(
        self,
        on_error: OnError = "skip",
        default_side: int = Side.LEFT,
        rate_hz: float | None = None,
        *,
        start_offset: int = 0,
    ) -> None:
        super().__init__(on_error, start_offset=start_offset)
        self._default_side = default_side
        self._rate_hz = rate_hz
        self._n_values: dict[int, int] = {}
        self._index = {Side.LEFT: 0, Side.RIGHT: 0}
        self._discarding = False

    def feed(self, data: bytes | bytearray | memoryview) -> list[SampleBlock]:
        counters = self._engine.counters
        counters.bytes_total += len(data)
        self._buf += data
        buf = self._buf
        rows: list[tuple[int, int, int | None, list[int]]] = []
        pos = 0
        while pos < len(buf):
            end = buf.find(b"\n", pos)
            if self._discarding:  # the rest of an overlong line, already reported
                stop = len(buf) if end < 0 else end + 1
                counters.bytes_skipped += stop - pos
                pos = stop
                self._discarding = end < 0
                continue
            if end < 0:
                if len(buf) - pos > MAX_LINE:
                    self._bad(pos, len(buf) - pos, f"line longer than {MAX_LINE} bytes")
                    pos = len(buf)
                    self._discarding = True
                break
            if end - pos > MAX_LINE:
                self._bad(pos, end + 1 - pos, f"line longer than {MAX_LINE} bytes")
            else:
                self._line(pos, end, rows)
            pos = end + 1
        del buf[:pos]
        self._base += pos
        return self._blocks(rows)

    def close(self) -> list[SampleBlock]:
        """End of stream: a last line without its LF may be cut off, so it is not trusted."""
        rest = bytes(self._buf)
        if rest.strip():
            counters = self._engine.counters
            counters.truncated += 1
            counters.bytes_skipped += len(rest)
            self._engine.error("truncated", self._base, "the last line has no line end")
        self._base += len(rest)
        self._buf.clear()
        self._discarding = False
        return []

    def _bad(self, pos: int, size: int, detail: str) -> None:
        self._engine.counters.bad_lines += 1
        self._engine.counters.bytes_skipped += size
        self._engine.error("bad_line", self._base + pos, detail)

    def _line(
        self, start: int, end: int, rows: list[tuple[int, int, int | None, list[int]]]
    ) -> None:
        raw = bytes(self._buf[start:end])
        size = end - start + 1
        text = raw.decode("ascii", errors="replace").strip()
        if not text or text.startswith("#"):
            return  # a comment or blank line: valid content, not damage
        parsed = parse_line(text)
        if isinstance(parsed, str):
            self._bad(start, size, parsed)
            return
        t_us, side, values = parsed
        side = self._default_side if side is None else side
        expected = self._n_values.setdefault(side, len(values))
        if len(values) != expected:
            self._bad(start, size, f"{len(values)} values where earlier lines had {expected}")
            return
        rows.append((self._base + start, side, t_us, values))

    def _blocks(self, rows: list[tuple[int, int, int | None, list[int]]]) -> list[SampleBlock]:
        blocks = []
        for side in (Side.LEFT, Side.RIGHT):
            mine = [r for r in rows if r[1] == side]
            if not mine:
                continue
            first = self._index[side]
            index = np.arange(first, first + len(mine), dtype=np.int64)
            self._index[side] = first + len(mine)
            timed = [r[2] for r in mine]
            if all(t is not None for t in timed):
                t_us = np.array(timed, dtype=np.int64) % TIMESTAMP_MODULUS
            elif self._rate_hz:
                t_us = np.round(index * 1e6 / self._rate_hz).astype(np.int64) % TIMESTAMP_MODULUS
            else:
                t_us = None
            block = SampleBlock(
                seq=(index % SEQ_MODULUS).astype(np.uint16),
                side=np.full(len(mine), side, dtype=np.uint8),
                flags=np.zeros(len(mine), dtype=np.uint8),
                t_us=np.zeros(len(mine), np.uint32) if t_us is None else t_us.astype(np.uint32),
                time_us=np.full(len(mine), -1, dtype=np.int64),
                values=np.array([r[3] for r in mine], dtype=np.uint16),
                offset=np.array([r[0] for r in mine], dtype=np.int64),
            )
            if t_us is not None:
                block = self._engine.track(block)
            else:
                counter = "frames_left" if side == Side.LEFT else "frames_right"
                setattr(self.counters, counter, getattr(self.counters, counter) + len(block))
            blocks.append(block)
        blocks.sort(key=lambda b: int(b.offset[0]))
        return blocks


def parse_line(text: str) -> tuple[int | None, int | None, list[int]] | str:
    """Parse one stripped line: (t_us or None, side or None, values), or the reason it is bad."""
    fields = _SPLIT.split(text)
    t_us: int | None = None
    side: int | None = None
    i = 0
    while i < len(fields) and i < 2:
        field = fields[i]
        match = _TIMESTAMP.fullmatch(field)
        if match and t_us is None:
            number = int(match.group(1))
            t_us = number if match.group(2).lower() == "us" else number * 1000
        elif field.upper() in ("L", "R") and side is None:
            side = Side.LEFT if field.upper() == "L" else Side.RIGHT
        else:
            break
        i += 1
    values_text = fields[i:]
    if not values_text:
        return "no sensor values"
    values = []
    for field in values_text:
        if not field.isdigit() or not field.isascii():
            return f"value {field!r} is not an unsigned integer"
        value = int(field)
        if value > 0xFFFF:
            return f"value {value} is over 65535"
        values.append(value)
    return t_us, side, values


Mode = Literal["binary", "text"]


def has_frame_header(data: bytes | bytearray) -> bool:
    """Whether ``data`` holds a sync pattern followed by a frame header whose CRC holds."""
    pos = data.find(SYNC)
    while 0 <= pos <= len(data) - HEADER_SIZE:
        if crc16(data[pos : pos + 6]) == HEADER.unpack_from(data, pos)[4]:
            return True
        pos = data.find(SYNC, pos + 1)
    return False


def detect_mode(data: bytes | bytearray) -> Mode | None:
    """Which mode the start of a stream speaks: ``"binary"``, ``"text"``, or None if unsure yet.

    Binary when a sync pattern is followed by a header whose CRC holds. Text when the bytes are
    printable ASCII and at least two complete lines parse as samples with the same number of
    values (a partial first line or a boot message is tolerated).
    """
    data = bytes(data)
    if has_frame_header(data):
        return "binary"
    counts: dict[int, int] = {}
    for raw in data.split(b"\n")[:-1]:  # complete lines only
        if _NOT_TEXT.search(raw):
            return None
        text = raw.decode("ascii").strip()
        if not text or text.startswith("#"):
            continue
        parsed = parse_line(text)
        if isinstance(parsed, str):
            continue
        n = counts[len(parsed[2])] = counts.get(len(parsed[2]), 0) + 1
        if n >= 2:
            return "text"
    return None


class AutoDecoder:
    """A stream decoder for a link or file whose mode may not be known: it buffers until
    ``detect_mode`` can tell (PROTOCOL.md §5), then decodes with ``StreamDecoder`` or
    ``LineDecoder``. ``mode`` skips the detection.

    Detection looks at the first ``DETECT_LIMIT`` bytes. Past that, a ``strict`` decoder (a file)
    raises ProtocolError ``not_a_capture``; otherwise (a live link) it keeps looking in a sliding
    window, and the bytes it lets go count as skipped once the mode is known.
    """

    DETECT_LIMIT = 65536

    def __init__(
        self,
        on_error: OnError = "skip",
        *,
        mode: Mode | None = None,
        strict: bool = False,
        default_side: int = Side.LEFT,
        rate_hz: float | None = None,
    ) -> None:
        self._on_error: OnError = on_error
        self._strict = strict
        self._default_side = default_side
        self._rate_hz = rate_hz
        self._pending = bytearray()
        self._dropped = 0
        self.decoder: StreamDecoder | LineDecoder | None = None
        self.mode: Mode | None = None
        if mode is not None:
            self._begin(mode)

    def _begin(self, mode: Mode) -> StreamDecoder | LineDecoder:
        self.mode = mode
        decoder: StreamDecoder | LineDecoder
        if mode == "binary":
            decoder = StreamDecoder(self._on_error, start_offset=self._dropped)
        else:
            decoder = LineDecoder(
                self._on_error, self._default_side, self._rate_hz, start_offset=self._dropped
            )
        decoder.counters.bytes_total += self._dropped
        decoder.counters.bytes_skipped += self._dropped
        self.decoder = decoder
        return decoder

    def _not_a_capture(self) -> ProtocolError:
        return ProtocolError(
            "not_a_capture", 0, "no version-1 frame header and no sample lines found"
        )

    def feed(self, data: bytes | bytearray | memoryview) -> list[Message]:
        decoder = self.decoder
        if decoder is None:
            self._pending += data
            excess = len(self._pending) - self.DETECT_LIMIT
            if excess > 0 and not self._strict:  # slide the window: newest bytes kept
                del self._pending[:excess]
                self._dropped += excess
            mode = detect_mode(self._pending[: self.DETECT_LIMIT])
            if mode is None:
                if excess > 0 and self._strict:
                    raise self._not_a_capture()
                return []
            decoder = self._begin(mode)
            data, self._pending = bytes(self._pending), bytearray()
        return list(decoder.feed(data))

    def close(self) -> list[Message]:
        if self.decoder is None:
            if self._strict:
                raise self._not_a_capture()
            return []
        return list(self.decoder.close())

    @property
    def counters(self) -> Counters | None:
        """The counters of the mode's decoder; None while the mode is unknown."""
        return None if self.decoder is None else self.decoder.counters
