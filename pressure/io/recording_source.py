"""A recording (``.insole``) read a range of frames at a time: ``open_recording``, which
``pressure.io.source.open_source`` makes a ``SessionSource`` of.

``pressure.load`` reads a recording whole: every link's bytes joined in memory, decoded, and
each foot's values as float64 (frames × sensors). ``open_recording`` gives the same session in
memory that grows with the frame times only (8 bytes a frame a foot), plus 47 bytes a link
block (four a second) and 24 a second of device time a connection:

1. **Scan** (``recording.scan_recording``): the records are read as ``read_recording`` reads
   them, past damage, but of each link block only where it is (``BlockRef``, kept in columns:
   ``_RefTable``). A link's receipts are checked block by block (``receipts_in_order``);
   only a link whose receipts need repairing (damage) has them all read into memory, 16 bytes
   a receipt, and repaired as ``read_recording`` repairs them (``join_receipts``).
2. **Decode**: the blocks are read again in file order and each link's bytes are fed to its
   own streaming decoder (``AutoDecoder``), cut where a valid frame ends and the next valid
   one starts (``_safe_cut``; the first piece holds all that the mode detection may look at),
   so that the decoder makes every decision as it does on the whole link. Each side's frames
   of each link go to two spill files in a temporary folder (``tempfile.gettempdir()``):
   device times (int64 µs), and sequence numbers with sensor counts (uint16). What the session
   needs of the whole link is gathered as the frames pass: each connection's least clock delay
   per second of device time (``recording.least_delays``), frame count and device-time span;
   per side its sensor counts and a histogram of its counts (from which the values out of
   range are counted once the DEVICE_INFO, and so the scale and unit, is known).
3. **Assemble**: each connection's clock fit (``recording.fit_clock``), each foot's frame
   times from its device times, the medians of time steps (counted by value: ``_Steps``), the
   wire summary, metadata, problems and quality, by the functions ``pressure.load`` uses
   (``insole.decoded_recording``, ``insole.assemble``, ``load.range_report``).

A foot's ``read(start, stop)`` then reads those frames' rows from the spill files (plain
reads, ``np.fromfile``: a memory map's pages would count as resident memory), scales them
(``insole.scaled_values``) and leaves out the values out of range as ``load`` does
(``load.out_of_range``). The temporary folder goes with ``cleanup`` (the source's ``close``
or ``with`` block), or else when nothing refers to it any more, or at the process's normal
exit.

Where the session cannot be had exactly without the whole link in memory, ``open_recording``
returns None and ``open_source`` loads the file whole (``pressure.load``):

* a link in line mode (text): ``_host_unit`` and ``_host_rate`` decide the unit of its clock
  and the rate of its lines from the host time of every line, and a damaged block's lines are
  dropped after decoding (``_drop_suspect``);
* a recording made with line-mode column names (the session record's ``columns``, from
  ``record --profile``): its links are line mode.

Equal means equal: every array (NaN included) and every metadata entry, problem and count of
the source's session are ``pressure.load``'s (``tests/test_source.py``). One limit: a link of
more than ``_STUCK_BYTES`` bytes in which no two valid frames follow each other (nothing but
noise) is fed to its decoder as it comes; there a damaged run's error reports
(``metadata["wire"]["first_errors"]``) may be split otherwise than ``load``'s, while its frames
and counts are the same.
"""

from __future__ import annotations

import array
import contextlib
import ctypes
import heapq
import os
import shutil
import tempfile
import weakref
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import IO, Any, Generic, TypeVar

import numpy as np
import numpy.typing as npt

from firmware_protocol import AutoDecoder, Capture, DeviceInfo, ProtocolError, SampleBlock, Side
from firmware_protocol.crc import crc16
from firmware_protocol.decoder import StreamDecoder
from firmware_protocol.spec import (
    HEADER,
    HEADER_SIZE,
    MAX_PAYLOAD,
    OVERHEAD,
    SYNC,
    sample_frame_size,
)

from ..errors import FileFormatError, OutputError, UsageError
from ..layout import SensorLayout
from ..model import FootRecording, SideName
from . import recording as rec
from .capture import SideSummary, side_summary, side_summary_of
from .load import OutOfRange, out_of_range, range_report
from .readers import insole
from .text import sampling_rate_hz

#: frames read from a spill file at a time while opening (each foot's times, its values)
_READ_FRAMES = 1 << 16
#: link bytes handed to a decoder at a time (then cut back to the last safe place)
FEED_BYTES = 4 << 20
#: the first piece of a link holds this much: all that the mode detection may look at
_DETECT_BYTES = AutoDecoder.SEARCH_LIMIT + AutoDecoder.DETECT_LIMIT
#: a link's bytes held without a safe cut before they are fed as they are (module docstring)
_STUCK_BYTES = 64 << 20
#: binary sensor values are uint16: a histogram of every possible count
_COUNTS = 1 << 16
_U16 = np.dtype("<u2")
_I64 = np.dtype("<i8")


_S = TypeVar("_S")


class _LineMode(Exception):
    """A link that cannot be streamed exactly (module docstring): load the file whole."""


@dataclass(frozen=True, slots=True)
class BlockRef:
    """Where a link block is in the file, and what the scan needs of it (``_BlockLike``)."""

    payload_at: int  # file offset of the block's payload (its receipt count)
    n_receipts: int
    size: int  # wire bytes
    intact: bool
    crc: bool
    first_ns: int
    last_ns: int
    ordered: bool

    @classmethod
    def of(cls, offset: int, block: rec.Block) -> BlockRef:
        """The reference to ``block``, whose message record starts at file ``offset``."""
        return cls(
            rec.payload_at(offset),
            block.n_receipts,
            len(block.data),
            block.intact,
            block.crc,
            block.first_ns,
            block.last_ns,
            block.ordered,
        )

    @property
    def receipts_at(self) -> int:
        return self.payload_at + rec.block_parts(self.n_receipts)[0]

    @property
    def data_at(self) -> int:
        return self.payload_at + rec.block_parts(self.n_receipts)[1]


class _RefTable:
    """A link's ``BlockRef``s with their record offsets, in columns (``recording.Parts``):
    47 bytes a block, where a list of objects would take some 300."""

    _COLUMNS = (
        ("offset", "q"),
        ("payload_at", "q"),
        ("n_receipts", "q"),
        ("size", "q"),
        ("intact", "b"),
        ("crc", "b"),
        ("first_ns", "q"),
        ("last_ns", "q"),
        ("ordered", "b"),
    )

    def __init__(self) -> None:
        self._columns = [array.array(code) for _, code in self._COLUMNS]

    def append(self, item: tuple[int, BlockRef], /) -> None:
        offset, ref = item
        values = (offset, *(getattr(ref, name) for name, _ in self._COLUMNS[1:]))
        for column, value in zip(self._columns, values, strict=True):
            column.append(value)

    def extend(self, items: Iterable[tuple[int, BlockRef]], /) -> None:
        for item in items:
            self.append(item)

    def __len__(self) -> int:
        return len(self._columns[0])

    def __iter__(self) -> Iterator[tuple[int, BlockRef]]:
        for row in zip(*self._columns, strict=True):
            offset, payload_at, n, size, intact, crc, first, last, ordered = row
            yield (
                offset,
                BlockRef(payload_at, n, size, bool(intact), bool(crc), first, last, bool(ordered)),
            )


def _read_block(f: IO[bytes], path: Path, ref: BlockRef) -> tuple[npt.NDArray[Any], bytes]:
    """A block's receipts and wire bytes, read again where the scan found them."""
    at = ref.receipts_at
    want = ref.data_at + ref.size - at
    try:
        f.seek(at)
        raw = f.read(want)
    except OSError as exc:
        raise FileFormatError(path, f"cannot be read: {exc.strerror or exc}", offset=at) from None
    receipts = np.frombuffer(raw, rec.RECEIPT, ref.n_receipts) if len(raw) == want else None
    if receipts is None or int(receipts["end"][-1]) != ref.size:
        raise FileFormatError(path, "changed while it was being read", offset=ref.payload_at)
    return receipts, raw[ref.n_receipts * rec.RECEIPT.itemsize :]


# -- cutting a link's bytes where the decoder decides as on the whole ---------------------------


def _frame_size(buf: bytearray, at: int) -> int | None:
    """The size of the whole, valid frame (header and frame CRC) at ``at``, or None."""
    if at < 0 or len(buf) - at < HEADER_SIZE or buf[at : at + 2] != SYNC:
        return None
    _sync, version, msg_type, length, header_crc = HEADER.unpack_from(buf, at)
    if StreamDecoder._check_header(buf, at, version, msg_type, length, header_crc) is not None:
        return None
    size = OVERHEAD + length
    end = at + size - 2
    if at + size > len(buf) or crc16(memoryview(buf)[at:end]) != int.from_bytes(
        buf[end : end + 2], "little"
    ):
        return None
    return size


def _safe_cut(buf: bytearray, low: int) -> int | None:
    """The last place at or after ``low`` where a valid frame ends and another begins (None:
    there is none). A decoder given the bytes before it stops there with nothing held, as it
    passes there given the whole: its frames, counts and error reports do not depend on the
    cut (a valid frame is one the decoder accepts wherever it stands before it)."""
    pos = len(buf)
    from_ = max(low, 1)
    while True:
        at = buf.rfind(SYNC, from_, pos)
        if at < 0:
            return None
        pos = at + 1
        if _frame_size(buf, at) is None:
            continue
        before, reach = at, max(0, at - OVERHEAD - MAX_PAYLOAD)
        while True:
            start = buf.rfind(SYNC, reach, before)
            if start < 0:
                break
            if _frame_size(buf, start) == at - start:
                return at
            before = start + 1


# -- one link, decoded as its blocks come -------------------------------------------------------


class _Minima:
    """One connection's clock evidence gathered frame by frame (``recording.align_clock``):
    the least delay per window of device time (arrays in window order: 24 bytes a second)
    and the device times' extent."""

    def __init__(self) -> None:
        self.origin: float | None = None
        self.windows = np.zeros(0, np.int64)
        self.device_s = np.zeros(0)
        self.delay_s = np.zeros(0)
        self.low = np.inf
        self.high = -np.inf

    def add(self, device_s: npt.NDArray[np.float64], host_s: npt.NDArray[np.float64]) -> None:
        if not device_s.size:
            return
        if self.origin is None:
            self.origin = float(device_s[0])
        bins, x, y = rec.least_delays(device_s, host_s, self.origin)
        at = np.searchsorted(self.windows, bins)
        seen = at < self.windows.size
        seen[seen] = self.windows[at[seen]] == bins[seen]
        # a window seen before keeps its frame unless this one waited less (equal: the
        # earlier frame stays, as in ``window_minima``)
        better = seen.copy()
        better[seen] = y[seen] < self.delay_s[at[seen]]
        self.device_s[at[better]] = x[better]
        self.delay_s[at[better]] = y[better]
        new = ~seen
        if new.any():
            self.windows = np.insert(self.windows, at[new], bins[new])
            self.device_s = np.insert(self.device_s, at[new], x[new])
            self.delay_s = np.insert(self.delay_s, at[new], y[new])
        self.low = min(self.low, float(device_s.min()))
        self.high = max(self.high, float(device_s.max()))

    def fit(self) -> tuple[float, float, float]:
        """``(offset_s, slope, span_s)`` as ``align_clock`` gives them for these frames."""
        if self.origin is None:
            return 0.0, 1.0, 0.0
        span = self.high - self.low
        offset, slope = rec.fit_clock(self.device_s, self.delay_s, span)
        return offset, slope, span


@dataclass
class _Connection:
    """One connection of a link: its frames, and its clock evidence from every timed frame
    and from the timed frames outside blocks whose CRC failed (``sure``)."""

    frames: int = 0
    timed: _Minima = field(default_factory=_Minima)
    sure: _Minima = field(default_factory=_Minima)

    def fit(self) -> tuple[float, float, float]:
        return (self.sure if self.sure.origin is not None else self.timed).fit()


#: the spill folders' names: this prefix, the owning process's id, a dash, a random part
SPILL_PREFIX = "pressure-source-"


class _Folder:
    """The temporary folder of a source's spill files: removed by ``remove`` (the source's
    ``close``), or once nothing refers to it, or at the process's normal exit. A process
    killed outright leaves its folder behind: the next one removes the folders whose process
    is gone (``remove_stale``)."""

    def __init__(self) -> None:
        remove_stale()
        prefix = f"{SPILL_PREFIX}{os.getpid()}-"
        self.path = Path(tempfile.mkdtemp(prefix=prefix, dir=tempfile.gettempdir()))
        self.remove = weakref.finalize(self, shutil.rmtree, str(self.path), True)


def remove_stale(folder: Path | None = None) -> list[Path]:
    """Remove the spill folders in ``folder`` (default: the temporary folder) whose process
    no longer runs (a recorder or an analysis killed with SIGKILL); returns them."""
    gone = []
    for path in Path(folder or tempfile.gettempdir()).glob(f"{SPILL_PREFIX}*-*"):
        pid = path.name[len(SPILL_PREFIX) :].split("-", 1)[0]
        if not pid.isdigit() or _running(int(pid)):
            continue
        shutil.rmtree(path, ignore_errors=True)
        gone.append(path)
    return gone


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: running
        return True
    return True


class _SideSpill:
    """One side's frames of one link, as the wire carried them, in two spill files."""

    def __init__(self, folder: _Folder, channel: int, side: int) -> None:
        self.folder = folder  # it stays while a spill refers to it
        self.times_path = folder.path / f"link{channel}-side{side}.time_us"
        self.frames_path = folder.path / f"link{channel}-side{side}.frames"
        with _writing(self.times_path):
            self._times: IO[bytes] | None = self.times_path.open("wb")
            self._frames: IO[bytes] | None = self.frames_path.open("wb")
        self.n_frames = 0
        self.n_sensors: int | None = None
        self.counts: set[int] = set()  # the sensor counts its blocks had
        #: the first change of the sensor count: (the new count, the frame's byte offset)
        self.change: tuple[int, int] | None = None
        self.histogram = np.zeros(_COUNTS, np.int64)
        #: (connection, frames) in stream order
        self.runs: list[list[int]] = []

    @property
    def dtype(self) -> np.dtype[Any]:
        return np.dtype([("seq", _U16), ("values", _U16, (self.n_sensors or 0,))])

    def add(self, blocks: list[SampleBlock], connection: npt.NDArray[np.int64]) -> None:
        """This side's frames, in ``blocks`` in stream order, and each one's connection."""
        assert self._times is not None and self._frames is not None
        time_us = np.concatenate([b.time_us for b in blocks]).astype(_I64, copy=False)
        with _writing(self.times_path):
            self._times.write(time_us.tobytes())
        for k, count in zip(*_runs(connection), strict=True):
            if self.runs and self.runs[-1][0] == k:
                self.runs[-1][1] += count
            else:
                self.runs.append([k, count])
        self.n_frames += time_us.size
        same = []
        for block in blocks:
            n = block.n_sensors
            self.counts.add(n)
            if self.n_sensors is None:
                self.n_sensors = n
            if n != self.n_sensors and self.change is None:
                self.change = (n, int(block.offset[0]))
            if self.change is None:
                same.append(block)
        if not same:
            return  # a side whose count changed is no foot (``Capture.frames``): no values
        values = np.concatenate([b.values for b in same])
        rows = np.empty(len(values), self.dtype)
        rows["seq"] = np.concatenate([b.seq for b in same])
        rows["values"] = values
        with _writing(self.frames_path):
            self._frames.write(rows.tobytes())
        self.histogram += np.bincount(values.ravel(), minlength=_COUNTS)

    def close(self) -> None:
        with _writing(self.times_path):
            for f in (self._times, self._frames):
                if f is not None:
                    f.close()
        self._times = self._frames = None

    def times_us(self, start: int, stop: int) -> npt.NDArray[np.int64]:
        return _read(self.times_path, _I64, start, stop)

    def rows(self, start: int, stop: int) -> npt.NDArray[Any]:
        return _read(self.frames_path, self.dtype, start, stop)


@contextlib.contextmanager
def _writing(path: Path) -> Iterator[None]:
    """A spill file that cannot be written (a full disk): OutputError naming it."""
    try:
        yield
    except OSError as exc:
        raise OutputError(path, f"cannot be written: {exc.strerror or exc}") from None


def _read(path: Path, dtype: np.dtype[Any], start: int, stop: int) -> npt.NDArray[Any]:
    """Rows ``[start, stop)`` of a spill file (UsageError once its source is closed)."""
    try:
        rows = np.fromfile(path, dtype, stop - start, offset=start * dtype.itemsize)
    except FileNotFoundError:
        raise UsageError(f"{path}: read after its source was closed") from None
    if len(rows) != stop - start:
        raise OutputError(path, f"holds {len(rows)} of rows {start} to {stop}: it was changed")
    return rows


def _runs(values: npt.NDArray[np.int64]) -> tuple[list[int], list[int]]:
    """The runs of equal ``values``: each run's value and length."""
    if not values.size:
        return [], []
    starts = np.flatnonzero(np.r_[True, values[1:] != values[:-1]])
    lengths = np.diff(np.r_[starts, values.size])
    return values[starts].tolist(), lengths.tolist()


class _LinkStream:
    """One link decoded as its blocks are read: the decoder fed at safe cuts, each frame
    placed (its host time, connection, clock evidence) and spilled."""

    def __init__(self, folder: _Folder, link: rec.Link, restarts: npt.NDArray[np.float64]) -> None:
        self.folder = folder
        self.link = link
        self.restarts = restarts
        self.decoder = AutoDecoder("skip", strict=True)
        self.capture = Capture("binary", [])
        self.pending = bytearray()
        self.head = b""  # the link's first bytes (a link of no frames: what they look like)
        self.window_end = np.zeros(0, np.int64)  # receipts of the bytes not yet decoded
        self.window_ns = np.zeros(0, np.int64)
        self.connections: dict[int, _Connection] = {}
        self.sides: dict[int, _SideSpill] = {}
        self.error: ProtocolError | None = None  # the decoder's: no frame or sample line
        #: per connection: (offset_s, slope, span_s) of its clock fit (``finish``)
        self.fits: dict[int, tuple[float, float, float]] = {}

    def add(self, ends: npt.NDArray[np.int64], ns: npt.NDArray[np.int64], data: bytes) -> None:
        """A block's receipts (ends over the link's bytes) and wire bytes."""
        if len(self.head) < 4096:
            self.head += data[: 4096 - len(self.head)]
        if self.error is not None:
            return
        self.window_end = np.concatenate([self.window_end, ends])
        self.window_ns = np.concatenate([self.window_ns, ns])
        self.pending += data
        if len(self.pending) < FEED_BYTES:
            return
        low = _DETECT_BYTES if self.decoder.mode is None else 0
        cut = _safe_cut(self.pending, low) if len(self.pending) > low else None
        if cut is None and len(self.pending) < _STUCK_BYTES:
            return
        self._feed(len(self.pending) if cut is None else cut)

    def _feed(self, size: int) -> None:
        piece = bytes(self.pending[:size])
        del self.pending[:size]
        try:
            messages = self.decoder.feed(piece)
        except ProtocolError as exc:  # nothing in the first MiB is a frame: no frames at all
            self.error = exc
            self.pending = bytearray()
            return
        self._messages(messages)

    def finish(self, recording: rec.RecordingFile) -> None:
        """The link's end: what is held is decoded, the decoder closed, the clock fitted.
        ProtocolError when the link holds no frame (``AutoDecoder``)."""
        try:
            if self.pending:
                self._feed(len(self.pending))
            if self.error is not None:
                raise self.error
            self._messages(self.decoder.close())
        finally:
            self.close()
        decoder = self.decoder.decoder
        assert self.decoder.mode is not None and decoder is not None
        self.capture.mode = self.decoder.mode
        self.capture.counters = decoder.counters
        self.capture.errors = decoder.errors
        self.decoder = AutoDecoder()  # the decoder's buffers go
        self.pending = bytearray()
        rec.recorded_infos(self.capture, recording, self.link)
        self.fits = {k: self.connections[k].fit() for k in sorted(self.connections)}

    def close(self) -> None:
        """Close the spill files (they stay)."""
        for spill in self.sides.values():
            spill.close()

    def _messages(self, messages: list[Any]) -> None:
        if self.decoder.mode == "text":
            raise _LineMode
        blocks = []
        for message in messages:
            if isinstance(message, SampleBlock):
                blocks.append(message)
            else:
                self.capture.add(message)
        if blocks:
            self._frames(blocks)
        decoder = self.decoder.decoder
        if decoder is not None:  # the receipts of bytes decoded are not needed again
            keep = np.searchsorted(self.window_end, decoder.offset, side="right")
            self.window_end = self.window_end[keep:]
            self.window_ns = self.window_ns[keep:]

    def _frames(self, blocks: list[SampleBlock]) -> None:
        """Frames decoded, in stream order, placed as ``recording._align_link`` places them:
        a frame has arrived when its last byte has; frames in a block whose CRC failed are
        kept out of the clock fit."""
        ends = np.concatenate([b.offset + sample_frame_size(b.n_sensors) for b in blocks])
        time_us = np.concatenate([b.time_us for b in blocks])
        sides = np.concatenate([b.side for b in blocks])
        sure = ~rec.in_spans(ends - 1, self.link.suspect)
        index = np.searchsorted(self.window_end, ends, side="left")
        host_s = self.window_ns[np.minimum(index, self.window_end.size - 1)] / 1e9
        connection = np.searchsorted(self.restarts, host_s, side="right").astype(np.int64)
        device_s = time_us / 1e6
        timed = time_us >= 0
        for k in np.unique(connection).tolist():
            mine = connection == k
            state = self.connections.setdefault(k, _Connection())
            state.frames += int(mine.sum())
            mine &= timed
            if self.link.suspect:  # else every frame is sure: one set of minima does
                state.timed.add(device_s[mine], host_s[mine])
            mine &= sure
            state.sure.add(device_s[mine], host_s[mine])
        for side in np.unique(sides).tolist():
            spill = self.sides.get(side)
            if spill is None:
                spill = self.sides[side] = _SideSpill(self.folder, self.link.channel, side)
            mine = [b if (b.side == side).all() else b.select(b.side == side) for b in blocks]
            spill.add([b for b in mine if len(b)], connection[sides == side])


# -- medians of frame-time steps, without a second copy of the times ----------------------------

#: distinct steps counted before a median is taken the plain way (all steps in memory)
_DISTINCT_STEPS = 1 << 16


class _Steps:
    """The differences between consecutive values given a part at a time, counted by value
    (a clock's steps take few values): their median as ``np.median(np.diff(whole))`` gives
    it, or None when they take more than ``_DISTINCT_STEPS`` values (then ask the whole)."""

    def __init__(self) -> None:
        self.last: Any = None
        self.counts: dict[Any, int] = {}
        self.dtype: np.dtype[Any] | None = None
        self.too_many = False

    def add(self, values: npt.NDArray[Any]) -> None:
        if not values.size or self.too_many:
            return
        self.dtype = values.dtype
        if self.last is not None:
            values = np.concatenate([[self.last], values]).astype(values.dtype)
        self.last = values[-1]
        found, counts = np.unique(np.diff(values), return_counts=True)
        for value, count in zip(found.tolist(), counts.tolist(), strict=True):
            self.counts[value] = self.counts.get(value, 0) + count
        if len(self.counts) > _DISTINCT_STEPS:
            self.too_many = True
            self.counts = {}

    def median(self) -> float | None:
        """The median step (None: none, or too many distinct ones)."""
        n = sum(self.counts.values())
        if self.too_many or not n:
            return None
        middle = [n // 2] if n % 2 else [n // 2 - 1, n // 2]
        keys = sorted(self.counts)
        ends = np.cumsum([self.counts[k] for k in keys])
        picked = [keys[int(np.searchsorted(ends, k, side="right"))] for k in middle]
        return float(np.mean(np.array(picked, dtype=self.dtype)))  # as np.median takes them


# -- a foot read back from its spill ------------------------------------------------------------


class _SpilledFoot:
    """One foot of the session, its frames in a ``_SideSpill`` (``insole.FootFrames``)."""

    def __init__(
        self,
        spill: _SideSpill,
        fits: dict[int, tuple[float, float]],
        info: DeviceInfo | None,
        link: int,
    ) -> None:
        self.spill = spill
        self._fits = fits
        self.info = info
        self.link = link

    @property
    def n_sensors(self) -> int:
        return int(self.spill.n_sensors or 0)

    @property
    def unit(self) -> str:
        return insole.foot_unit(self.info)

    def rate_hz(self, nominal_hz: float | None) -> float | None:
        """``io.text.sampling_rate_hz`` of the foot's times, its median step counted."""
        time_s = self.time_s
        steps = _Steps()
        for start in range(0, time_s.size, _READ_FRAMES):
            steps.add(time_s[start : start + _READ_FRAMES])
        period = steps.median()
        if period is None or time_s.size < 2:
            return sampling_rate_hz(time_s, nominal_hz)
        return sampling_rate_hz(np.array([0.0, period]), nominal_hz)  # its one step: the median

    @cached_property
    def time_s(self) -> npt.NDArray[np.float64]:
        """Each frame's time on the host clock: its connection's fit of its device time."""
        out = np.empty(self.spill.n_frames)
        at = 0
        for k, count in self.spill.runs:
            offset, slope = self._fits[k]
            for start in range(at, at + count, _READ_FRAMES):
                stop = min(start + _READ_FRAMES, at + count)
                out[start:stop] = offset + slope * (self.spill.times_us(start, stop) / 1e6)
            at += count
        return out

    def out_of_range(self) -> OutOfRange | None:
        """This foot's values out of range (``load.within_physical_range``): counted from the
        histogram of its counts, the first found in its frames."""
        codes = np.arange(_COUNTS, dtype=np.uint16)[:, None]
        bad_code = out_of_range(insole.scaled_values(codes, self.info), self.unit)[:, 0]
        count = int(self.spill.histogram[bad_code].sum())
        if not count:
            return None
        for start in range(0, self.spill.n_frames, _READ_FRAMES):
            stop = min(start + _READ_FRAMES, self.spill.n_frames)
            values = insole.scaled_values(self.spill.rows(start, stop)["values"], self.info)
            first = OutOfRange.first(out_of_range(values, self.unit), values, start)
            if first is not None:
                time_s = float(self.time_s[first.frame])
                return OutOfRange(count, first.frame, first.sensor, first.value, time_s)
        raise AssertionError("the histogram counts values no frame holds")

    def read(
        self, side: SideName, rate: float, layout: SensorLayout | None, start: int, stop: int
    ) -> FootRecording:
        """Frames ``[start, stop)`` as ``pressure.load`` gives them."""
        rows = self.spill.rows(start, stop)
        values = insole.scaled_values(rows["values"], self.info)
        values[out_of_range(values, self.unit)] = np.nan
        device_time_s = self.spill.times_us(start, stop) / 1e6
        return FootRecording(
            side=side,
            time_s=self.time_s[start:stop],
            values=values,
            unit=self.unit,
            sampling_rate_hz=rate,
            layout=layout,
            vendor=insole.vendor_columns(rows["seq"], device_time_s, {}),
        )


# -- the whole ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Opened(Generic[_S]):
    """A recording opened by ``open_recording``: what its ``SessionSource`` holds, each foot
    as ``make_foot`` made it, and ``cleanup``, which removes the spill files."""

    format: str
    feet: dict[str, _S]
    metadata: dict[str, Any]
    quality: dict[str, int]
    problems: list[str]
    cleanup: Callable[[], None]


def open_recording(path: Path, make_foot: Callable[..., _S]) -> Opened[_S] | None:
    """A recording decoded into spill files (module docstring), each foot made by
    ``make_foot`` from the keywords ``side``, ``time_s``, ``unit``, ``sampling_rate_hz``,
    ``n_sensors``, ``read`` (frames ``[start, stop)`` as a ``FootRecording``) and ``layout``
    (``source.FootSource``'s fields); None when it cannot be streamed exactly (then load it
    whole). FileFormatError as ``pressure.load`` raises it."""
    folder = _Folder()
    try:
        return _open(path, folder, make_foot)
    except _LineMode:
        folder.remove()
        return None
    except BaseException:
        folder.remove()
        raise


def _open(path: Path, folder: _Folder, make_foot: Callable[..., _S]) -> Opened[_S]:
    scan = rec.scan_recording(path, BlockRef.of, _RefTable)
    if rec.column_names(scan.recording(()), None) is not None:
        raise _LineMode
    repaired: dict[int, tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]] = {}
    with path.open("rb") as f:
        for channel, link in scan.links.items():
            refs = scan.parts[channel]
            rec.link_spans(link, ((ref.size, ref.intact) for _, ref in refs))
            if not rec.receipts_in_order(ref for _, ref in refs):
                receipts = [(_read_block(f, path, ref)[0], ref.intact) for _, ref in refs]
                rec.join_receipts(link, receipts)
                repaired[channel] = (link.receipt_end, link.receipt_ns)
        recording = scan.recording(rec.intact_times(scan.links, scan.parts))
        streams = {
            link.channel: _LinkStream(folder, link, rec.restarts_s(recording, link))
            for link in recording.links
        }
        try:
            _decode(f, path, scan, streams, repaired)
            links = [_link_frames(path, recording, streams[k.channel]) for k in recording.links]
        finally:
            for stream in streams.values():
                stream.close()
    _trim_heap()
    feet: dict[tuple[int, int], _SpilledFoot] = {}

    def foot(frames: rec.LinkFrames, position: int, side: int) -> _SpilledFoot | None:
        stream = streams[frames.link.channel]
        spill = _spill_of(stream, side)
        if spill is None:
            return None
        if spill.change is not None:
            new, offset = spill.change
            raise ProtocolError(
                "malformed_payload",
                offset,
                f"the {Side(side).name.lower()} sensor count changes from {spill.n_sensors} "
                f"to {new}",
            )
        key = (frames.link.channel, side)
        if key not in feet:
            fits = {k: (offset, slope) for k, (offset, slope, _) in stream.fits.items()}
            info = insole.info_for(stream.capture, side)
            feet[key] = _SpilledFoot(spill, fits, info, position)
        return feet[key]

    decoded = insole.decoded_recording(recording, links, foot, _sides(streams, recording))
    readers: dict[str, _SpilledFoot] = {}

    def make(side: SideName, got: _SpilledFoot, rate: float, layout: SensorLayout | None) -> _S:
        readers[side] = got

        def read(start: int, stop: int) -> FootRecording:
            return got.read(side, rate, layout, start, stop)

        return make_foot(
            side=side,
            time_s=got.time_s,
            unit=got.unit,
            sampling_rate_hz=rate,
            n_sensors=got.n_sensors,
            read=read,
            layout=layout,
        )

    sources, metadata, quality, problems = insole.assemble(path, decoded, make)
    found = {side: bad for side, got in readers.items() if (bad := got.out_of_range())}
    if found:
        units = {side: got.unit for side, got in readers.items()}
        quality, problems = range_report(quality, problems, found, units)
    # what is no foot's goes now; a foot's files stay until the source is closed
    kept = {p for got in readers.values() for p in (got.spill.times_path, got.spill.frames_path)}
    for each in folder.path.iterdir():
        if each not in kept:
            each.unlink()
    feet_made: dict[str, _S] = dict(sources.items())
    return Opened(insole.NAME, feet_made, metadata, quality, problems, folder.remove)


def _trim_heap() -> None:
    """Give the decoders' freed buffers back to the system (glibc keeps them otherwise), so
    that the peak memory is the larger of decoding and building the frame times, not their
    sum. Nothing where the C library has no ``malloc_trim``."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).malloc_trim(0)


def _spill_of(stream: _LinkStream, side: int) -> _SideSpill | None:
    """The spill of the frames that are ``side``'s (a one-foot link: its role decides)."""
    wanted = rec.one_foot_side(stream.link, set(stream.sides))
    if wanted is None:
        return stream.sides.get(side)
    return next(iter(stream.sides.values())) if side == wanted else None


def _decode(
    f: IO[bytes],
    path: Path,
    scan: rec.Scan[BlockRef],
    streams: dict[int, _LinkStream],
    repaired: dict[int, tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]],
) -> None:
    """Every link's blocks read in file order and fed to its stream."""

    def blocks(channel: int) -> Iterator[tuple[int, int, BlockRef]]:
        for _, ref in scan.parts[channel]:
            yield ref.payload_at, channel, ref

    base = dict.fromkeys(streams, 0)  # link bytes so far
    count = dict.fromkeys(streams, 0)  # receipts so far
    for _, channel, ref in heapq.merge(*(blocks(c) for c in streams)):
        receipts, data = _read_block(f, path, ref)
        if channel in repaired:
            ends, ns = repaired[channel]
            at = count[channel]
            ends, ns = ends[at : at + ref.n_receipts], ns[at : at + ref.n_receipts]
        else:
            ends = receipts["end"].astype(np.int64) + base[channel]
            ns = receipts["host_ns"].astype(np.int64)
        base[channel] += ref.size
        count[channel] += ref.n_receipts
        streams[channel].add(ends, ns, data)


def _link_frames(path: Path, recording: rec.RecordingFile, stream: _LinkStream) -> rec.LinkFrames:
    """The link as ``decode_recording`` gives it, without its frames."""
    link = stream.link
    if not link.size:
        return rec.LinkFrames(link, Capture("binary", []), [], [], "nothing arrived")
    try:
        stream.finish(recording)
    except ProtocolError as exc:
        capture, problem = rec.undecodable(path, link, stream.head, exc, "skip")
        return rec.LinkFrames(link, capture, [], [], problem)
    segments = [
        rec.clock_segment(offset, slope, span, stream.connections[k].frames)
        for k, (offset, slope, span) in stream.fits.items()
    ]
    return rec.LinkFrames(link, stream.capture, [], segments)


def _sides(streams: dict[int, _LinkStream], recording: rec.RecordingFile) -> dict[str, SideSummary]:
    """Each side's ``SideSummary`` over every link, as ``summarize_sides`` gives it."""
    out: dict[str, SideSummary] = {}
    for side in (Side.LEFT, Side.RIGHT):
        spills = [
            spill
            for link in recording.links
            if (spill := _spill_of(streams[link.channel], side)) is not None and spill.n_frames
        ]
        if not spills:
            continue
        frames = sum(s.n_frames for s in spills)
        counts = {n for s in spills for n in s.counts}
        steps, first, last = _Steps(), None, None
        for spill in spills:
            for start in range(0, spill.n_frames, _READ_FRAMES):
                time_us = spill.times_us(start, min(start + _READ_FRAMES, spill.n_frames))
                timed = time_us[time_us >= 0]
                if timed.size:
                    first = timed[0] if first is None else first
                    last = timed[-1]
                    steps.add(timed)
        period_us = steps.median()
        if steps.too_many:
            whole = np.concatenate([s.times_us(0, s.n_frames) for s in spills])
            out[side.name.lower()] = side_summary(frames, counts, whole)
            continue
        span_us = 0.0 if first is None or last is None else float(last - first)
        out[side.name.lower()] = side_summary_of(frames, counts, period_us, span_us)
    return out
