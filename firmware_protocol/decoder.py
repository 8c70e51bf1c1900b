"""Incremental, resynchronising decoder for version-1 binary streams.

One engine serves both uses:

* ``StreamDecoder.feed(chunk)`` for a live link: feed chunks of any size, get messages;
* ``decode_capture`` and ``decode_chunks`` (in ``bulk``) for a whole file.

The engine walks the buffer with a byte scanner (find sync, check the header, wait for the whole
frame, check the frame CRC; on any failure skip one byte and look again). Whenever the scanner
stands on a sample frame, it tries the fast path: the following frames are assumed to be a run of
frames with the same 8-byte header, viewed as one numpy array, and checked all at once (headers
compared as one 64-bit integer each, CRCs with table look-ups). The fast path accepts exactly what
the scanner would accept; at the first frame where it cannot be sure it hands back to the scanner.
"""

from __future__ import annotations

import struct
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Literal

import numpy as np
import numpy.typing as npt

from .crc import crc16, crc16_rows
from .errors import ProtocolError
from .messages import Command, DeviceInfo, Message, SampleBlock, Status
from .spec import (
    COMMAND_FIXED,
    HEADER,
    HEADER_SIZE,
    INFO_FIXED,
    OVERHEAD,
    PAYLOAD_LIMITS,
    PROTOCOL_VERSION,
    SAMPLE_FIXED,
    SEQ_MODULUS,
    SET_RATE_ARG,
    STATUS_FIXED,
    SYNC,
    TIMESTAMP_MODULUS,
    CommandCode,
    MessageType,
    Side,
    StatusCode,
    sample_frame_dtype,
)

OnError = Literal["skip", "warn", "raise"]
MAX_RUN = 65536  # frames checked per vectorised step: bounds the temporary arrays
PROBE_RUN = 64  # frames looked at before copying a longer run
MAX_KEPT_ERRORS = 100
RECENT = 9  # forward intervals kept per foot to splice a clock step (PROTOCOL.md §6)

_U16 = struct.Struct("<H")


@dataclass
class Counters:
    """What a decoder saw. Every byte of the stream is in a frame or in ``bytes_skipped``."""

    frames_left: int = 0
    frames_right: int = 0
    infos: int = 0
    statuses: int = 0
    commands: int = 0
    crc_errors: int = 0  # a valid header, but the frame CRC did not match
    header_errors: int = 0  # sync bytes followed by an invalid header
    malformed: int = 0  # CRC-valid frames whose payload breaks the spec (e.g. side 7)
    truncated: int = 0  # a frame cut off by the end of the data
    bytes_skipped: int = 0  # bytes outside any valid frame
    frames_lost: int = 0  # sum of forward sequence gaps (PROTOCOL.md §6)
    duplicates: int = 0  # frames repeating one already received: replays (dropped)
    out_of_order: int = 0  # backward sequence jumps (delivered, tracking re-anchored)
    clock_resets: int = 0  # device clock stepped backward without a wrap
    bad_lines: int = 0  # line mode: lines that look like samples but are broken
    text_lines: int = 0  # line mode: boot text and other lines that are no samples (skipped)
    bytes_total: int = 0

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


#: frames a foot remembered to recognise a replay: a stretch of the stream that arrives again
#: (a host or adapter that re-sends a buffer) repeats frames accepted within it
REPLAY_MEMORY = 8192
_KEY_MULTIPLIERS = (
    np.arange(1, 4097, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
) | np.uint64(1)


def _frame_keys(block: SampleBlock, index: npt.NDArray[np.intp]) -> npt.NDArray[np.uint64]:
    """A 64-bit digest of each frame's sequence number, device time and values: equal for a
    frame received again, different for a new one (a device that restarted measures anew)."""
    values = block.values[index]
    # the bits of each value (float64 in line mode: NaN and negatives too)
    bits = values.view(np.uint64) if values.dtype.itemsize == 8 else values.astype(np.uint64)
    weights = _KEY_MULTIPLIERS[np.arange(bits.shape[1]) % _KEY_MULTIPLIERS.size]
    with np.errstate(over="ignore"):
        digest = (bits * weights).sum(axis=1, dtype=np.uint64)
        digest ^= block.seq[index].astype(np.uint64) << np.uint64(32)
        digest ^= block.t_us[index].astype(np.uint64) * np.uint64(0xBF58476D1CE4E5B9)
    return digest


def _typical(intervals: list[int]) -> int:
    """Median of the intervals (the upper middle one for an even count); 0 when there are none."""
    return sorted(intervals)[len(intervals) // 2] if intervals else 0


@dataclass
class _SideTrack:
    """Per-side state for sequence and time reconstruction."""

    last_seq: int | None = None
    last_t_us: int | None = None
    last_time_us: int | None = None
    recent_us: list[int] = field(default_factory=list)  # last forward intervals, for splicing
    reset_pending: bool = False
    #: the blocks and frame indices of (at least) the last ``REPLAY_MEMORY`` frames accepted:
    #: their digests are computed only when a backward step may start a replay
    history: list[tuple[SampleBlock, npt.NDArray[np.intp]]] = field(default_factory=list)
    history_frames: int = 0

    def remember(self, block: SampleBlock, index: npt.NDArray[np.intp]) -> None:
        self.history.append((block, index))
        self.history_frames += index.size
        while self.history_frames - self.history[0][1].size >= REPLAY_MEMORY:
            self.history_frames -= self.history.pop(0)[1].size

    def recent_keys(self) -> npt.NDArray[np.uint64]:
        keys = [_frame_keys(block, index) for block, index in self.history]
        return np.concatenate(keys)[-REPLAY_MEMORY:] if keys else np.zeros(0, np.uint64)

    def forget(self) -> None:
        self.history, self.history_frames = [], 0


@dataclass
class _Engine:
    on_error: OnError = "skip"
    counters: Counters = field(default_factory=Counters)
    errors: list[ProtocolError] = field(default_factory=list)
    tracks: dict[int, _SideTrack] = field(
        default_factory=lambda: {Side.LEFT: _SideTrack(), Side.RIGHT: _SideTrack()}
    )

    # -- error policy -------------------------------------------------------------------------
    def error(self, kind: str, offset: int, detail: str = "") -> None:
        exc = ProtocolError(kind, offset, detail)
        if len(self.errors) < MAX_KEPT_ERRORS:
            self.errors.append(exc)
        if self.on_error == "raise":
            raise exc
        if self.on_error == "warn":
            warnings.warn(str(exc), stacklevel=4)

    # -- sequence and time tracking (PROTOCOL.md §6) ------------------------------------------
    def reset_tracking(self) -> None:
        for track in self.tracks.values():
            track.last_seq = None
            track.reset_pending = True
            track.forget()  # a restart, said: its frames are new

    def track(self, block: SampleBlock) -> SampleBlock:
        """Drop duplicates, count gaps, fill ``time_us``. Returns the frames to deliver."""
        keep: npt.NDArray[np.bool_] | None = None
        sides = block.side
        one_side = bool((sides == sides[0]).all())
        for side, track in self.tracks.items():
            if one_side:
                if sides[0] != side:
                    continue
                index = np.arange(len(block))
            else:
                index = np.flatnonzero(sides == side)
                if index.size == 0:
                    continue
            seq = block.seq[index].astype(np.int64)
            dseq = np.empty_like(seq)
            dseq[1:] = seq[1:] - seq[:-1]
            dseq[0] = 1 if track.last_seq is None else seq[0] - track.last_seq
            dseq %= SEQ_MODULUS
            dup = dseq == 0
            if np.any(dup | (dseq >= SEQ_MODULUS // 2)):  # only then can a frame be a replay
                keys = _frame_keys(block, index)
                seen = np.ones(len(keys), dtype=bool)
                seen[np.unique(keys, return_index=True)[1]] = False  # earlier in this block
                replay = (seen | np.isin(keys, track.recent_keys())) & ~dup
                if replay.any():  # the steps between the frames kept
                    dup |= replay
                    kept = seq[~dup]
                    first = kept[:1] - 1 if track.last_seq is None else [track.last_seq]
                    dseq[~dup] = np.diff(kept, prepend=first) % SEQ_MODULUS
            track.remember(block, index[~dup])
            n_dup = int(dup.sum())
            if n_dup:
                if keep is None:
                    keep = np.ones(len(block), dtype=bool)
                keep[index[dup]] = False
                self.counters.duplicates += n_dup
                index = index[~dup]
                dseq = dseq[~dup]
            self.counters.frames_lost += int((dseq[dseq < SEQ_MODULUS // 2] - 1).sum())
            self.counters.out_of_order += int((dseq >= SEQ_MODULUS // 2).sum())
            if index.size:
                track.last_seq = int(block.seq[index[-1]])

            if index.size == 0:
                continue  # every frame of this side in the block was a duplicate

            t_raw = block.t_us[index].astype(np.int64)
            dt = np.empty_like(t_raw)
            dt[1:] = t_raw[1:] - t_raw[:-1]
            dt[0] = 0 if track.last_t_us is None else t_raw[0] - track.last_t_us
            dt %= TIMESTAMP_MODULUS
            stepped_back = dt >= TIMESTAMP_MODULUS // 2
            self.counters.clock_resets += int(stepped_back.sum())
            splice = stepped_back
            if track.last_t_us is not None and track.reset_pending:
                splice = stepped_back.copy()
                splice[0] = True  # after a restart the old clock says nothing about the gap
            track.reset_pending = False
            is_interval = ~splice
            if track.last_t_us is None:
                is_interval[0] = False  # the very first sample has no interval before it
            for i in np.flatnonzero(splice):
                # causal: the intervals before the step only, so chunking cannot change it
                before = track.recent_us + dt[:i][is_interval[:i]][-RECENT:].tolist()
                dt[i] = _typical(before[-RECENT:])
            track.recent_us = (track.recent_us + dt[is_interval][-RECENT:].tolist())[-RECENT:]
            base = t_raw[0] if track.last_time_us is None else track.last_time_us
            time_us = base + np.cumsum(dt)
            block.time_us[index] = time_us
            track.last_t_us = int(t_raw[-1])
            track.last_time_us = int(time_us[-1])
            if side == Side.LEFT:
                self.counters.frames_left += index.size
            else:
                self.counters.frames_right += index.size
        return block if keep is None else block.select(keep)


def _decode_payload(msg_type: int, payload: bytes) -> DeviceInfo | Status | Command:
    """Decode one CRC-checked payload. Raises ValueError when it breaks the spec."""
    if msg_type == MessageType.DEVICE_INFO:
        (dev, major, minor, patch, side, unit, bits, _r1, count, _r2, mhz, scale) = (
            INFO_FIXED.unpack_from(payload)
        )
        if side not in (Side.LEFT, Side.RIGHT, Side.BOTH, Side.UNKNOWN):
            raise ValueError(f"side {side} is not 0, 1, 2 or 255")
        if not 1 <= count <= 4096:
            raise ValueError(f"sensor count {count} is outside 1..4096")
        if bits > 16:
            raise ValueError(f"adc_bits {bits} is over 16")
        layout = payload[INFO_FIXED.size :]
        if not layout.isascii():
            raise ValueError("layout name is not ASCII")
        return DeviceInfo(
            device_id=dev,
            firmware_version=(major, minor, patch),
            side=side,
            sensor_count=count,
            layout=layout.decode("ascii"),
            rate_hz=mhz / 1000.0,
            unit=unit,
            adc_bits=bits,
            # the shortest decimal that is this float32 (0.1, not 0.10000000149011612), so
            # scaled values carry no float32 noise
            scale=float(str(np.float32(scale))),
        )
    if msg_type == MessageType.STATUS:
        code, severity, command, t_us = STATUS_FIXED.unpack_from(payload)
        try:
            text = payload[STATUS_FIXED.size :].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValueError("status text is not UTF-8") from exc
        return Status(code=code, severity=severity, command=command, t_us=t_us, text=text)
    if msg_type == MessageType.COMMAND:
        code, _reserved = COMMAND_FIXED.unpack_from(payload)
        args = payload[COMMAND_FIXED.size :]
        if code == CommandCode.SET_RATE:
            if len(args) != SET_RATE_ARG.size:
                raise ValueError("SET_RATE needs a 4-byte rate")
            return Command(command=code, rate_hz=SET_RATE_ARG.unpack(args)[0] / 1000.0)
        if args:
            raise ValueError(f"command 0x{code:02x} takes no arguments")
        return Command(command=code)
    raise AssertionError("sample payloads are decoded in runs")


class _IncrementalDecoder:
    """What both incremental decoders (binary and line mode) share: buffer, policy, counters."""

    def __init__(self, on_error: OnError = "skip", *, start_offset: int = 0) -> None:
        if on_error not in ("skip", "warn", "raise"):
            raise ValueError(f"on_error must be 'skip', 'warn' or 'raise', not {on_error!r}")
        self._engine = _Engine(on_error=on_error)
        self._buf = bytearray()
        self._base = start_offset  # stream offset of self._buf[0]

    def feed(self, data: bytes | bytearray | memoryview) -> Sequence[Message]:
        raise NotImplementedError

    def close(self) -> Sequence[Message]:
        raise NotImplementedError

    @property
    def counters(self) -> Counters:
        return self._engine.counters

    @property
    def errors(self) -> list[ProtocolError]:
        """The first problems met (at most 100), each with its byte offset."""
        return self._engine.errors

    @property
    def offset(self) -> int:
        """Bytes consumed so far (the stream offset of the first byte still buffered)."""
        return self._base


class StreamDecoder(_IncrementalDecoder):
    """Feed bytes of a binary version-1 stream in chunks of any size; get messages.

    ``on_error`` is the data-quality policy: ``"skip"`` (default: count and resynchronise,
    never raise on bad bytes), ``"warn"`` (the same plus a warning per problem) or ``"raise"``
    (``ProtocolError`` at the first problem, naming its byte offset).
    Sample frames arrive as ``SampleBlock`` (arrays); the rest as message objects, in order.
    """

    def feed(self, data: bytes | bytearray | memoryview) -> list[Message]:
        self._engine.counters.bytes_total += len(data)
        self._buf += data
        return self._consume(final=False)

    def close(self) -> list[Message]:
        """End of stream: whatever is still buffered is a cut-off frame or garbage."""
        return self._consume(final=True)

    def _consume(self, final: bool) -> list[Message]:
        out: list[Message] = []
        consumed = self._scan(out, final)
        del self._buf[:consumed]
        self._base += consumed
        return out

    # -- the scanner ----------------------------------------------------------------------------
    def _skip(self, count: int) -> None:
        self._engine.counters.bytes_skipped += count

    def _scan(self, out: list[Message], final: bool) -> int:
        engine, counters, buf, base = self._engine, self._engine.counters, self._buf, self._base
        n = len(buf)
        pos = 0
        while pos < n:
            start = buf.find(SYNC, pos)
            if start < 0:
                # keep a trailing first sync byte: its partner may come with the next chunk
                stop = n - 1 if (not final and buf[n - 1] == SYNC[0]) else n
                if stop > pos:
                    self._skip(stop - pos)
                    engine.error("garbage", base + pos, f"{stop - pos} bytes without sync")
                pos = stop
                break
            if start > pos:
                self._skip(start - pos)
                engine.error("garbage", base + pos, f"{start - pos} bytes before the next sync")
                pos = start
            if n - pos < HEADER_SIZE:
                if final:
                    counters.truncated += 1
                    self._skip(n - pos)
                    engine.error("truncated", base + pos, "the data ends inside a frame header")
                    pos = n
                break
            _sync, version, msg_type, length, header_crc = HEADER.unpack_from(buf, pos)
            problem = self._check_header(buf, pos, version, msg_type, length, header_crc)
            if problem is not None:
                kind, detail = problem
                counters.header_errors += 1
                engine.error(kind, base + pos, detail)
                self._skip(1)
                pos += 1
                continue
            size = OVERHEAD + length
            if n - pos < size:
                if not final:
                    break
                counters.truncated += 1
                engine.error("truncated", base + pos, f"frame of {size} bytes cut off at {n - pos}")
                self._skip(1)
                pos += 1
                continue
            if msg_type == MessageType.SAMPLE:
                pos = self._sample_run(out, pos, length)
                continue
            end = pos + size - 2
            if crc16(memoryview(buf)[pos:end]) != _U16.unpack_from(buf, end)[0]:
                counters.crc_errors += 1
                engine.error("crc_mismatch", base + pos, f"frame CRC of a type 0x{msg_type:02x}")
                self._skip(1)
                pos += 1
                continue
            try:
                message = _decode_payload(msg_type, bytes(buf[pos + HEADER_SIZE : end]))
            except (ValueError, struct.error) as exc:
                counters.malformed += 1
                self._skip(size)
                engine.error("malformed_payload", base + pos, str(exc))
                pos += size
                continue
            pos += size
            self._deliver(out, message)
        return pos

    @staticmethod
    def _check_header(
        buf: bytearray, pos: int, version: int, msg_type: int, length: int, header_crc: int
    ) -> tuple[str, str] | None:
        if crc16(memoryview(buf)[pos : pos + 6]) != header_crc:
            return "bad_header", "header CRC does not match"
        if version != PROTOCOL_VERSION:
            return "unsupported_version", f"protocol version {version}, this decoder reads 1"
        limits = PAYLOAD_LIMITS.get(msg_type)
        if limits is None:
            return "unknown_type", f"message type 0x{msg_type:02x}"
        low, high = limits
        if not low <= length <= high or (msg_type == MessageType.SAMPLE and length % 2):
            return "bad_length", f"payload length {length} for type 0x{msg_type:02x}"
        return None

    def _deliver(self, out: list[Message], message: DeviceInfo | Status | Command) -> None:
        counters = self._engine.counters
        if isinstance(message, DeviceInfo):
            counters.infos += 1
            self._engine.reset_tracking()
        elif isinstance(message, Status):
            counters.statuses += 1
            restarted = message.code == StatusCode.BOOT or (
                message.code == StatusCode.OK and message.command == CommandCode.START
            )
            if restarted:
                self._engine.reset_tracking()
        else:
            counters.commands += 1
        out.append(message)

    def _sample_run(self, out: list[Message], pos: int, length: int) -> int:
        """Check a run of same-header sample frames at ``pos`` at once; return the new position.

        The frame at ``pos`` has a valid header and is complete in the buffer.
        """
        engine, counters, buf = self._engine, self._engine.counters, self._buf
        size = OVERHEAD + length
        n_values = (length - SAMPLE_FIXED.size) // 2
        available = min((len(buf) - pos) // size, MAX_RUN)
        # Look at a short window first: when frames of another shape interleave (two feet with
        # different sensor counts), runs are short and copying far ahead would be wasted.
        count = min(available, PROBE_RUN)
        while True:
            # a copy, so no numpy view pins the bytearray (it must stay resizable)
            raw = np.frombuffer(bytes(memoryview(buf)[pos : pos + count * size]), np.uint8)
            frames = raw.view(sample_frame_dtype(n_values))
            same_header = frames["header"] == frames["header"][0]
            uniform = bool(same_header.all())
            if not uniform or count == available:
                break
            count = available
        rows = raw.reshape(count, size)
        run = count if uniform else int(np.argmin(same_header))
        header_state = crc16(raw[:HEADER_SIZE].tobytes())
        crc_ok = crc16_rows(rows[:run, HEADER_SIZE:-2], init=header_state) == frames["crc"][:run]

        # Frames with a bad CRC: drop in place only where the scanner would do the same, that is
        # when the next sync in the stream is exactly the next frame's header.
        bad = np.flatnonzero(~crc_ok)
        accept_end = run
        for i in bad:
            if i == run - 1:
                accept_end = int(i)  # the alignment after it is unknown: scanner decides
                break
            frame_start = pos + int(i) * size
            if buf.find(SYNC, frame_start + 1, frame_start + size + 2) != frame_start + size:
                accept_end = int(i)
                break
        bad = bad[bad < accept_end]
        good = crc_ok[:accept_end]
        sel = frames[:accept_end][good]
        side_ok = sel["side"] <= Side.RIGHT
        malformed = np.flatnonzero(good)[~side_ok]
        counters.crc_errors += bad.size
        counters.malformed += malformed.size
        self._skip(int(bad.size + malformed.size) * size)
        # report in stream order, as the scanner would: a CRC mismatch is followed by the rest
        # of its frame as garbage; a malformed frame is consumed whole
        for i in sorted([*bad.tolist(), *malformed.tolist()]):
            at = self._base + pos + i * size
            if crc_ok[i]:
                engine.error("malformed_payload", at, f"sample side {int(frames['side'][i])}")
            else:
                engine.error("crc_mismatch", at, "sample frame CRC")
                engine.error("garbage", at + 1, f"{size - 1} bytes before the next sync")
        if malformed.size:
            sel = sel[side_ok]
        if sel.size:
            offsets = self._base + pos + size * np.flatnonzero(good)[side_ok].astype(np.int64)
            block = SampleBlock(
                seq=sel["seq"].copy(),
                side=sel["side"].copy(),
                flags=sel["flags"].copy(),
                t_us=sel["t_us"].copy(),
                time_us=np.zeros(sel.size, dtype=np.int64),
                values=sel["values"].copy(),
                offset=offsets,
            )
            block = engine.track(block)
            if len(block):
                out.append(block)
        if accept_end == 0:
            # the first frame itself is damaged: let the scanner step past one byte
            counters.crc_errors += 1
            engine.error("crc_mismatch", self._base + pos, "sample frame CRC")
            self._skip(1)
            return pos + 1
        return pos + accept_end * size
