"""Recordings: the project's crash-safe session file (suffix ``.insole``).

A recording is an `MCAP <https://mcap.dev>`_ file (profile ``pressure-insole``), written without
chunking or compression, so every record goes to disk as soon as it is written and the file is
usable up to its last complete record after ``kill -9``, a power cut or a pulled cable. MCAP gives
us a documented, append-only container with tools that can list and inspect it; we add only the
content below (the README's "Recordings" section describes it for users).

Content
-------
* One **channel per link** (topic ``/link/<k>``, message encoding ``pressure.wire.v2``; channel
  metadata: ``port``, ``role`` = ``left`` | ``right`` | ``both``, and ``crc32``, the record's
  own CRC). Each message holds what the link delivered since the previous flush: the **raw
  wire bytes**, byte for byte, and the **receipts**, one per read from the port, that say when
  the host had received how many of those bytes::

      u32 n                                   little-endian
      n x (u32 end, i64 host_ns)              end: bytes of this message received by that read
      wire bytes                              exactly receipts[-1].end bytes
      u32 crc                                 CRC-32 (zlib's, as MCAP's) of the channel id (u16)
                                              and all of the above

  ``host_ns`` is the host's monotonic clock in nanoseconds since the recording started. Message
  ``log_time`` is the wall-clock time (ns since the Unix epoch) of the first receipt. The CRC
  (encoding ``pressure.wire.v2``) proves a block: a reader that scans past damage accepts a
  record only when its CRC holds, and a block whose CRC fails keeps none of its host times.
  Recordings written before it (``pressure.wire.v1``: the same block without the CRC) still
  open.
* ``/events`` (JSON): connected, disconnected, reconnected, commands, the end of the recording,
  and ``marker``: another application's marker (``record --lsl-markers``) with its ``label``,
  ``stream``, ``lsl_time_s`` as sent and ``time_correction_s``, at its own time stamp
  (``recorded_markers``). Every event has its ``time_s`` on the recording's host clock.
* Metadata records: ``session`` (start time, host, software version, subject fields such as
  ``subject.body_mass_kg``) and one ``device`` record per DEVICE_INFO a link answered. Values are
  JSON-encoded strings; the entry ``crc32`` is the record's own CRC over the others. MCAP's
  data-section CRC (in its DataEnd record) is written too.

Writing: ``RecordingWriter.received`` only appends to memory (it is called from the serial
reader's side); ``flush`` writes one message per link and is called at least once a second, with
an fsync so a power cut keeps what was flushed. A file without its MCAP footer is one whose
recorder did not finish: it is read up to the last complete message, and ``complete`` is False.

Reading: ``read_recording`` gives each link's bytes and receipts; ``decode_recording`` decodes
them and maps each frame's device clock onto the host clock (``align_clock``), so two insoles on
two links share one time axis. For a line-mode link the receipts also decide what the lines do
not say: the unit of a clock column whose name does not give it (``infer_time_unit`` with the
host's time span), and, for lines without any time, their rate (``line_period_s``).
"""

from __future__ import annotations

import bisect
import contextlib
import dataclasses
import datetime as _dt
import json
import os
import platform
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Generic, Literal, NamedTuple, Protocol, TypeVar

import numpy as np
import numpy.typing as npt

from firmware_protocol import (
    Capture,
    Counters,
    DeviceInfo,
    OnError,
    ProtocolError,
    SampleBlock,
    Side,
    decode_chunks,
)
from firmware_protocol.columns import TIME_UNIT_S, infer_time_unit
from firmware_protocol.spec import TIMESTAMP_MODULUS, sample_frame_size

from ..errors import FileFormatError, OutputError, UsageError
from .capture import device_info_dict, device_info_from_dict

PROFILE = "pressure-insole"
WIRE_ENCODING = "pressure.wire.v2"
#: the wire encodings this reader opens, and whether their blocks end in a CRC-32
WIRE_ENCODINGS = {"pressure.wire.v1": False, WIRE_ENCODING: True}
EVENT_TOPIC = "/events"
MCAP_MAGIC = b"\x89MCAP0\r\n"
FLUSH_INTERVAL_S = 0.25  # the spec's bound is one second; a kill costs at most this much
RECEIPT = np.dtype([("end", "<u4"), ("host_ns", "<i8")])
_COUNT = struct.Struct("<I")
_CRC = struct.Struct("<I")
_CHANNEL = struct.Struct("<H")
MAX_DRIFT = 0.01  # 10 000 ppm; crystals drift by tens of ppm
MIN_DRIFT_SPAN_S = 30.0  # shorter connections get an offset only
#: host receipts spanning less than this do not decide a line-mode clock's unit: what a board
#: printed before the port was opened arrives at once, so a short span can be far too short;
#: a second of receipts still tells ms from µs or s, a factor of 1000 apart
MIN_UNIT_SPAN_S = 1.0
#: lines per window of ``line_period_s``: about this many seconds of lines, so that each window
#: holds several of the bursts USB and the host deliver lines in
LINE_WINDOW_S = 1.0
_MAX_RECORD = 256 << 20  # a corrupted length never makes us allocate more than this
Role = Literal["left", "right", "both"]
ROLES: tuple[Role, ...] = ("left", "right", "both")


def is_recording(path: str | Path) -> bool:
    """True when the file starts with the MCAP magic (the content decides, not the suffix)."""
    try:
        with open(path, "rb") as f:
            return f.read(len(MCAP_MAGIC)) == MCAP_MAGIC
    except OSError:
        return False


def _block_crc(channel: int, body: bytes) -> int:
    """A block's CRC-32: over its channel id (u16, as in the MCAP message) and its body, so a
    block that a damaged channel id sends to another link is found."""
    return zlib.crc32(body, zlib.crc32(_CHANNEL.pack(channel)))


def _pack_block(channel: int, receipts: list[tuple[int, int]], data: bytes) -> bytes:
    table = np.array(receipts, dtype=RECEIPT)
    body = _COUNT.pack(len(table)) + table.tobytes() + data
    return body + _CRC.pack(_block_crc(channel, body))


def payload_at(record_offset: int) -> int:
    """The file offset of the payload (a block) of the link message whose record starts at
    ``record_offset``: after the record's opcode and length and the message's header."""
    return record_offset + _RECORD_HEAD.size + _MESSAGE_HEAD.size


def block_parts(n_receipts: int) -> tuple[int, int]:
    """Where in a block's payload its receipts and its wire bytes start."""
    return _COUNT.size, _COUNT.size + n_receipts * RECEIPT.itemsize


@dataclass(frozen=True)
class Block:
    """One link message read back: its receipts, its wire bytes, and whether its CRC held
    (always True for a block of the first encoding, which had none)."""

    receipts: npt.NDArray[Any]
    data: bytes
    intact: bool = True
    crc: bool = True  # it carried a CRC

    @property
    def n_receipts(self) -> int:
        return len(self.receipts)

    @property
    def first_ns(self) -> int:
        return int(self.receipts["host_ns"][0])

    @property
    def last_ns(self) -> int:
        return int(self.receipts["host_ns"][-1])

    @property
    def ordered(self) -> bool:
        """Its receipts' host times never decrease."""
        return bool(np.all(np.diff(self.receipts["host_ns"]) >= 0))


def _unpack_block(payload: bytes, checked: bool, channel: int) -> Block | None:
    """The block in a link message's payload (``checked``: the payload ends in a CRC-32 over
    ``channel`` and the rest), or None when the payload is not shaped as a block. A block that
    is shaped as one but whose CRC fails comes back with ``intact`` False."""
    intact = True
    if checked:
        if len(payload) < _CRC.size:
            return None
        payload, (crc,) = payload[: -_CRC.size], _CRC.unpack_from(payload, len(payload) - 4)
        intact = _block_crc(channel, payload) == crc
    if len(payload) < _COUNT.size:
        return None
    (n,) = _COUNT.unpack_from(payload)
    start = _COUNT.size + n * RECEIPT.itemsize
    if n == 0 or start > len(payload):
        return None
    receipts = np.frombuffer(payload, RECEIPT, n, _COUNT.size)
    data = payload[start:]
    ends = receipts["end"].astype(np.int64)
    if ends[-1] != len(data) or np.any(np.diff(ends) < 0):
        return None
    return Block(receipts, data, intact, checked)


#: channel ids tried for a block whose own does not prove it (a recording has a few links)
_LIKELY_CHANNELS = range(1, 17)


def _proven_block(
    payload: bytes, channel: int, others: Iterable[int] = _LIKELY_CHANNELS
) -> tuple[Block, int] | None:
    """The block and the channel id its CRC holds with: ``channel`` first, then ``others``
    (a damaged channel id); None when the payload is no block with a CRC that holds."""
    for candidate in dict.fromkeys([channel, *others]):
        block = _unpack_block(payload, True, candidate)
        if block is None:
            return None
        if block.intact:
            return block, candidate
    return None


def _any_block(payload: bytes, channel: int) -> Block | None:
    """A block of either encoding that proves itself: a CRC that holds, or else the first
    encoding's shape (which a block with a CRC never has: its CRC follows the wire bytes)."""
    found = _proven_block(payload, channel)
    return found[0] if found else _unpack_block(payload, False, channel)


_METADATA_CRC = "crc32"


def _metadata_crc(entries: Mapping[str, str]) -> str:
    """A metadata record's own CRC-32 (hex) over its other entries, in key order."""
    items = sorted((k, v) for k, v in entries.items() if k != _METADATA_CRC)
    return f"{zlib.crc32(json.dumps(items).encode()):08x}"


def _channel_crc(channel: int, topic: str, encoding: str, metadata: Mapping[str, str]) -> str:
    """A link's channel record's own CRC-32 (hex) over its id, topic, encoding and metadata."""
    return _metadata_crc({"id": str(channel), "topic": topic, "encoding": encoding, **metadata})


def _signed(entries: dict[str, str]) -> dict[str, str]:
    return {**entries, _METADATA_CRC: _metadata_crc(entries)}


# -- writing ------------------------------------------------------------------------------------


class RecordingWriter:
    """Append-only writer of one recording. Thread-safe: ``received`` may be called from any
    thread while another calls ``flush``.

    Refuses to overwrite an existing file unless ``overwrite`` (UsageError); raises
    OutputError when the file cannot be created.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        session: Mapping[str, Any] | None = None,
        overwrite: bool = False,
        start_ns: int | None = None,
        wall_ns: int | None = None,
    ) -> None:
        from mcap.writer import CompressionType, IndexType, Writer

        self.path = Path(path)
        try:
            self._file: IO[bytes] = self.path.open("wb" if overwrite else "xb")
        except FileExistsError:
            raise UsageError(
                f"{self.path}: already exists; choose another name or pass --overwrite"
            ) from None
        except OSError as exc:
            raise OutputError(self.path, f"cannot be created: {exc.strerror or exc}") from None
        self._mcap = Writer(
            self._file,
            compression=CompressionType.NONE,
            use_chunking=False,  # every message reaches the file at once: nothing sits in a chunk
            index_types=IndexType.NONE,
            enable_data_crcs=True,  # DataEnd's CRC: a changed byte no record's check finds
        )
        self._mcap.start(profile=PROFILE, library=f"pressure {_version()}")
        self.start_ns = time.monotonic_ns() if start_ns is None else start_ns
        self.wall_ns = time.time_ns() if wall_ns is None else wall_ns
        self._lock = threading.Lock()
        self._pending: dict[int, tuple[list[tuple[int, int]], list[bytes]]] = {}
        self._events = self._mcap.register_channel(EVENT_TOPIC, "json", 0)
        self._last_fsync = time.monotonic()
        self.closed = False
        self.failed: OSError | None = None  # the write that failed (a full disk): no more writes
        meta = {
            "start_time_utc": _dt.datetime.fromtimestamp(self.wall_ns / 1e9, _dt.timezone.utc)
            .isoformat()
            .replace("+00:00", "Z"),
            "host": platform.node(),
            "software": f"pressure {_version()}",
            "format": "pressure-insole recording 1",
        }
        meta.update(session or {})
        try:
            self._mcap.add_metadata("session", _signed({k: json.dumps(v) for k, v in meta.items()}))
            self._file.flush()
        except OSError as exc:
            with contextlib.suppress(OSError):
                self._file.close()
            raise OutputError(self.path, f"cannot be written: {exc.strerror or exc}") from None

    def now_ns(self) -> int:
        """Host monotonic time since the recording started, the clock of every receipt."""
        return time.monotonic_ns() - self.start_ns

    def add_link(self, port: str, role: Role) -> int:
        with self._lock:
            # MCAP numbers channels from 1 in registration order (/events is the first)
            expected = len(self._pending) + 2
            topic = f"/link/{len(self._pending)}"
            meta = {"port": port, "role": role}
            meta[_METADATA_CRC] = _channel_crc(expected, topic, WIRE_ENCODING, meta)
            channel = self._mcap.register_channel(topic, WIRE_ENCODING, 0, meta)
            if channel != expected:  # the CRC would call every channel record damaged
                raise RuntimeError(f"mcap numbered channel {channel}, not {expected}")
            self._pending[channel] = ([], [])
            self._file.flush()
        return channel

    def received(self, link: int, data: bytes, host_ns: int | None = None) -> None:
        """``data`` just arrived on ``link`` at ``host_ns`` (default: now)."""
        if not data:
            return
        host_ns = self.now_ns() if host_ns is None else host_ns
        with self._lock:
            receipts, parts = self._pending[link]
            parts.append(data)
            end = (receipts[-1][0] if receipts else 0) + len(data)
            receipts.append((end, host_ns))

    @contextlib.contextmanager
    def _writing(self) -> Iterator[bool]:
        """Around every write: yields False once a write has failed (nothing more is written;
        the file keeps what reached it), and turns an OSError into one ``OutputError`` naming
        the file."""
        if self.failed is not None:
            yield False
            return
        try:
            yield True
        except OSError as exc:
            self.failed = exc
            raise OutputError(
                self.path,
                f"cannot write: {exc.strerror or exc}; the recording keeps what was written "
                "before (it opens as a cut-off recording)",
            ) from None

    def device(self, link: int, info: DeviceInfo) -> None:
        with self._lock, self._writing() as ok:
            if not ok:
                return
            self._flush_link(link)
            values = {"link": link, **device_info_dict(info)}
            self._mcap.add_metadata(
                "device", _signed({k: json.dumps(v) for k, v in values.items()})
            )

    def event(
        self, kind: str, link: int | None = None, *, host_ns: int | None = None, **detail: Any
    ) -> None:
        """Log an event at ``host_ns`` (default: now) on the recording's clock."""
        host_ns = self.now_ns() if host_ns is None else host_ns
        record = {"event": kind, "time_s": host_ns / 1e9, "link": link, **detail}
        with self._lock, self._writing() as ok:
            if not ok:
                return
            if link is not None:
                self._flush_link(link)  # the event follows the bytes that came before it
            t = self.wall_ns + host_ns
            self._mcap.add_message(self._events, t, json.dumps(record).encode(), t)

    def _flush_link(self, link: int) -> None:
        receipts, parts = self._pending[link]
        if not receipts:
            return
        data = b"".join(parts)
        t = self.wall_ns + receipts[0][1]
        self._mcap.add_message(link, t, _pack_block(link, receipts, data), t)
        self._pending[link] = ([], [])

    def flush(self, fsync: bool | None = None) -> None:
        """Write what every link received since the last flush; fsync at most once a second
        unless ``fsync`` says otherwise."""
        with self._lock, self._writing() as ok:
            if self.closed or not ok:
                return
            for link in self._pending:
                self._flush_link(link)
            self._file.flush()
            now = time.monotonic()
            if fsync or (fsync is None and now - self._last_fsync >= 1.0):
                os.fsync(self._file.fileno())
                self._last_fsync = now

    def close(self) -> None:
        """Flush, write the MCAP summary and footer, fsync and close. Idempotent."""
        if self.closed:
            return
        try:
            self.flush(fsync=False)
        finally:
            with self._lock:
                self.closed = True
                try:
                    with self._writing() as ok:
                        if ok:
                            self._mcap.finish()
                            self._file.flush()
                            os.fsync(self._file.fileno())
                finally:
                    with contextlib.suppress(OSError):  # the buffer a full disk did not take
                        self._file.close()

    def abort(self) -> None:
        """Close without the footer and remove the file: for a writer whose output would be
        incomplete and useless (an interrupted ``simulate --out``, or one whose ``close`` a
        full disk refused), not for live recordings."""
        with self._lock:
            self.closed = True
            with contextlib.suppress(OSError):  # the buffer a full disk did not take
                self._file.close()
            self.path.unlink(missing_ok=True)

    def __enter__(self) -> RecordingWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pressure")
    except PackageNotFoundError:  # running from a source tree
        return "unknown"


# -- reading ------------------------------------------------------------------------------------


@dataclass
class Link:
    """What one link delivered: its bytes in order and when they arrived."""

    channel: int
    port: str
    role: Role
    data: bytes = b""
    #: bytes the link delivered (``len(data)``; also known when ``data`` is not held)
    size: int = 0
    receipt_end: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    receipt_ns: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    #: receipts whose host time could not be trusted (out of the host clock's order: a damaged
    #: bit; or in a block whose CRC failed), replaced by times interpolated from their neighbours
    bad_receipts: int = 0
    #: the blocks end in a CRC-32 (``pressure.wire.v2``)
    checked: bool = True
    #: byte spans of ``data`` from blocks whose CRC failed: a binary frame in them proves itself
    #: by its own CRCs, a text line cannot and is dropped (``decode_recording``)
    suspect: list[tuple[int, int]] = field(default_factory=list)


class Damage(NamedTuple):
    """A region of a recording that could not be read as it was written."""

    offset: int  # byte offset in the file
    length: int  # bytes
    what: str  # what was wrong there
    #: the host times (s from the recording's start) of the intact blocks either side: the
    #: frames lost, if any, arrived between them; None where no block lies on that side
    after_s: float | None = None
    before_s: float | None = None


def _repair_receipts(
    ends: npt.NDArray[np.int64],
    stamps: npt.NDArray[np.int64],
    trusted: npt.NDArray[np.bool_] | None = None,
) -> int:
    """Make a link's receipt times plausible in place: the host clock never runs backwards, so
    the receipts kept are the longest run in order (non-decreasing, from 0 on) among the
    ``trusted`` ones (default: all); each other one (a flipped bit moves one by years; a block
    whose CRC failed has none to trust) takes the time interpolated by byte position between
    the kept ones around it. Returns how many were replaced."""
    n = len(stamps)
    if trusted is None:
        trusted = np.ones(n, bool)
    if n == 0 or (bool(trusted.all()) and stamps[0] >= 0 and bool(np.all(np.diff(stamps) >= 0))):
        return 0  # in order: the usual case, checked at numpy speed
    values = stamps.tolist()
    tails: list[int] = []  # index of the smallest last value of a run of each length
    tail_values: list[int] = []
    before = [-1] * n
    for i, value in enumerate(values):
        if value < 0 or not trusted[i]:
            continue
        at = bisect.bisect_right(tail_values, value)
        before[i] = tails[at - 1] if at else -1
        if at == len(tails):
            tails.append(i)
            tail_values.append(value)
        else:
            tails[at] = i
            tail_values[at] = value
    keep = np.zeros(n, bool)
    i = tails[-1] if tails else -1
    while i >= 0:
        keep[i] = True
        i = before[i]
    bad = int(n - keep.sum())
    if bad and keep.any():
        stamps[~keep] = np.round(
            np.interp(ends[~keep], ends[keep], stamps[keep].astype(np.float64))
        ).astype(np.int64)
    return bad


@dataclass
class RecordingFile:
    path: Path
    session: dict[str, Any]
    links: list[Link]
    devices: list[dict[str, Any]]
    events: list[dict[str, Any]]
    complete: bool  # the recorder closed the file (it has its MCAP footer)
    ignored_tail_bytes: int  # bytes of a last record cut short by a crash
    #: regions skipped as damaged, or blocks whose CRC failed, in file order
    damaged: list[Damage] = field(default_factory=list)


class _Tell:
    """File wrapper that counts what the MCAP reader consumed (its offsets in our errors) and
    keeps the CRC-32 of it (MCAP's data-section CRC, checked without reading the file twice)."""

    def __init__(self, f: IO[bytes]) -> None:
        self._f = f
        self.pos = 0
        self.crc = 0

    def read(self, n: int = -1) -> bytes:
        data = self._f.read(n)
        self.pos += len(data)
        self.crc = zlib.crc32(data, self.crc)
        return data


def read_recording(path: str | Path) -> RecordingFile:
    """Read a recording, past damage.

    A record that cannot be read (bytes inserted, deleted or overwritten inside the file) is
    skipped up to the next place where records read again (``_resync``): the damage costs the
    records it touches, each region is listed in ``damaged`` (byte offset, length). A record
    cut short at the very end (a crash while writing) is ignored and counted. FileFormatError
    (file and byte offset) when the file is not a recording.
    """
    scan = scan_recording(path, _keep_block, list)
    for channel, link in scan.links.items():
        _join_blocks(link, [block for _, block in scan.parts[channel]])
    return scan.recording(intact_times(scan.links, scan.parts))


def _keep_block(offset: int, block: Block) -> Block:
    return block


_B = TypeVar("_B", bound="_BlockLike")


class _BlockLike(Protocol):
    """What the scan and its callers need of a kept block (``Block``, or a reference to one
    in the file)."""

    @property
    def intact(self) -> bool: ...
    @property
    def crc(self) -> bool: ...
    @property
    def n_receipts(self) -> int: ...
    @property
    def first_ns(self) -> int: ...
    @property
    def last_ns(self) -> int: ...
    @property
    def ordered(self) -> bool: ...


class Parts(Protocol[_B]):
    """A link's blocks as a scan keeps them: (record offset, what ``keep`` made of the
    block), in file order (a ``list``, or a more compact store)."""

    def append(self, item: tuple[int, _B], /) -> None: ...
    def extend(self, items: Iterable[tuple[int, _B]], /) -> None: ...
    def __iter__(self) -> Iterator[tuple[int, _B]]: ...


@dataclass
class Scan(Generic[_B]):
    """A recording's records read (``scan_recording``): everything but the links' bytes,
    which stay in their blocks (``parts``: per link, in file order, each block's record
    offset and what ``keep`` made of it)."""

    path: Path
    session: dict[str, Any]
    links: dict[int, Link]
    parts: dict[int, Parts[_B]]
    devices: list[dict[str, Any]]
    events: list[dict[str, Any]]
    complete: bool
    tail: int
    damaged: list[Damage]

    def recording(self, intact: Iterable[tuple[int, float, float]]) -> RecordingFile:
        """The ``RecordingFile``; ``intact``: each intact block's offset and first and last
        host time (s, receipts as repaired), which place the damaged regions in time."""
        return RecordingFile(
            self.path,
            self.session,
            list(self.links.values()),
            self.devices,
            self.events,
            self.complete,
            self.tail,
            _time_spans(self.damaged, intact),
        )


def scan_recording(
    path: str | Path,
    keep: Callable[[int, Block], _B],
    new_parts: Callable[[], Parts[_B]],
) -> Scan[_B]:
    """Read every record of a recording, past damage (``read_recording``), handing each link
    block to ``keep`` (its record's byte offset, the block) as it is read: ``keep`` decides
    what of it is held (the whole block, or where it is), ``new_parts`` where (one per
    link)."""
    from mcap.exceptions import McapError
    from mcap.records import Channel, DataEnd, Footer, Message, Metadata
    from mcap.stream_reader import StreamReader

    path = Path(path)
    try:
        f = path.open("rb")
    except FileNotFoundError:
        raise FileFormatError(path, "no such file") from None
    except OSError as exc:
        raise FileFormatError(path, f"cannot be read: {exc.strerror or exc}") from None
    with f:
        size = os.fstat(f.fileno()).st_size
        if f.read(len(MCAP_MAGIC)) != MCAP_MAGIC:
            raise FileFormatError(path, "not a recording (no MCAP magic)", offset=0)

        def reader_at(offset: int) -> tuple[_Tell, Iterator[Any]]:
            f.seek(offset)
            stream = _Tell(f)
            stream.pos = offset
            reader = StreamReader(
                stream,  # type: ignore[arg-type]
                skip_magic=offset > 0,
                record_size_limit=_MAX_RECORD,
            )
            return stream, iter(reader.records)

        links: dict[int, Link] = {}
        parts: dict[int, Parts[_B]] = {}  # per link: (file offset, block)
        session: dict[str, Any] = {}
        devices: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        damaged: list[Damage] = []
        orphans: dict[int, Parts[_B]] = {}
        channels: dict[int, tuple[str, str, dict[str, str]]] = {}
        complete = False
        data_crc = 0  # the DataEnd record's CRC (0: none, or not written)
        crc_so_far = read_crc = 0  # the CRC of the bytes up to ``good``; up to DataEnd
        stream, records = reader_at(0)
        good = len(MCAP_MAGIC)  # end of the last record known to be whole
        tail = 0
        while True:
            try:
                record = next(records)
            except StopIteration:
                break
            except (McapError, struct.error, ValueError, UnicodeDecodeError):
                found = _resync(f, good + 1, size)
                if found is None and stream.pos >= size:
                    tail = size - good  # the recorder died while writing this last record
                    break
                end = size if found is None else found
                damaged.append(Damage(good, end - good, "unreadable records"))
                if found is None:
                    break
                good = found
                stream, records = reader_at(found)
                continue
            if isinstance(record, Message):
                # a record the reader passed over (an unknown opcode: MCAP readers skip those,
                # so a flipped opcode bit would lose a block without a word)
                skipped = stream.pos - good - _RECORD_HEAD.size - _MESSAGE_HEAD.size
                skipped -= len(record.data)
                if skipped > 0:
                    damaged.append(Damage(good, skipped, "a record of unknown type"))
                    good += skipped
            if isinstance(record, Message):
                channel = record.channel_id
                link = links.get(channel)
                block = None if link is None else _unpack_block(record.data, link.checked, channel)
                if block is None or not block.intact:  # its channel id may be the damage
                    proven = _proven_block(record.data, channel, [*links, *_LIKELY_CHANNELS])
                    if proven is not None:
                        if proven[1] != channel:
                            what = f"a message's channel id ({channel}; its block's is {proven[1]})"
                            damaged.append(Damage(good, stream.pos - good, what))
                        block, channel = proven
                    elif link is None:
                        block = _unpack_block(record.data, False, channel)  # first encoding
                if block is not None:
                    if not block.intact:
                        damaged.append(Damage(good, stream.pos - good, "a block's CRC fails"))
                    # a block of a link whose channel record is not read (yet): the summary
                    # repeats the channels
                    held = parts if channel in links else orphans
                    if channel not in held:
                        held[channel] = new_parts()
                    held[channel].append((good, keep(good, block)))
                else:
                    event = _event(record.data) if link is None else None
                    if event is not None:
                        events.append(event)
                    elif stream.pos >= size:
                        tail = size - good
                        break
                    else:
                        what = (
                            "an unreadable event" if link is None else "a link message not a block"
                        )
                        damaged.append(Damage(good, stream.pos - good, what))
            elif (
                isinstance(record, Channel)
                and _METADATA_CRC in record.metadata
                and record.metadata[_METADATA_CRC]
                != _channel_crc(record.id, record.topic, record.message_encoding, record.metadata)
            ):
                damaged.append(Damage(good, stream.pos - good, "a channel record's CRC fails"))
            elif isinstance(record, Channel) and record.id in links:
                # the summary repeats each channel: a copy that differs says one was damaged;
                # a role or encoding that is not one of ours is the damaged one
                seen = channels[record.id]
                if _channel_key(record) != seen:
                    damaged.append(Damage(good, stream.pos - good, "a channel record differs"))
                    role = record.metadata.get("role")
                    if seen[2].get("role") not in ROLES and role in ROLES:
                        links[record.id].role = role
            elif isinstance(record, Channel) and record.message_encoding in WIRE_ENCODINGS:
                role = record.metadata.get("role", "both")
                checked = WIRE_ENCODINGS[record.message_encoding]
                links[record.id] = Link(
                    record.id,
                    record.metadata.get("port", ""),
                    role if role in ROLES else "both",
                    checked=checked,
                )
                channels[record.id] = _channel_key(record)
                # blocks read before their channel: those of its encoding
                parts[record.id] = new_parts()
                parts[record.id].extend(
                    (at, block) for at, block in orphans.pop(record.id, []) if block.crc == checked
                )
            elif isinstance(record, Metadata):
                entries = dict(record.metadata)
                crc = entries.pop(_METADATA_CRC, None)
                values = {k: _loads(v) for k, v in entries.items()}
                if crc is not None and crc != _metadata_crc(entries):
                    what = "a metadata record's CRC fails (its values are left out)"
                    damaged.append(Damage(good, stream.pos - good, what))
                elif record.name == "session":
                    session.update(values)
                elif record.name == "device":
                    devices.append(values)
            elif isinstance(record, DataEnd):
                # the CRC of everything before this record, as the writer computed it
                data_crc, read_crc = record.data_section_crc, crc_so_far
            elif isinstance(record, Footer):
                complete = True
            good, crc_so_far = stream.pos, stream.crc
        if complete and data_crc and not damaged and read_crc != data_crc:
            what = "the data section's CRC fails: a byte changed that no record's own check finds"
            damaged.append(Damage(0, 0, what))
        for channel, blocks in orphans.items():  # a channel record lost (a cut file has no
            links[channel] = Link(channel, "", "both")  # summary to repeat it): the firmware's
            parts[channel] = blocks  # side decides the foot
        if not links and damaged:
            raise FileFormatError(
                path, "damaged recording: no link readable", offset=damaged[0].offset
            )
    return Scan(path, session, links, parts, devices, events, complete, tail, damaged)


def _channel_key(record: Any) -> tuple[str, str, dict[str, str]]:
    return (record.topic, record.message_encoding, dict(record.metadata))


def _join_blocks(link: Link, blocks: list[Block]) -> None:
    """A link's bytes and receipts from its blocks in order; the receipts of a block whose CRC
    failed, and any out of the host clock's order, replaced (``_repair_receipts``)."""
    link.data = b"".join(block.data for block in blocks)
    link_spans(link, [(len(block.data), block.intact) for block in blocks])
    if blocks:
        join_receipts(link, [(block.receipts, block.intact) for block in blocks])


def link_spans(link: Link, blocks: Iterable[tuple[int, bool]]) -> None:
    """A link's ``size`` and ``suspect`` spans from its blocks' data sizes and whether their
    CRC held, in order."""
    base = 0
    for size, intact in blocks:
        if not intact:
            link.suspect.append((base, base + size))
        base += size
    link.size = base


def join_receipts(link: Link, blocks: Sequence[tuple[npt.NDArray[Any], bool]]) -> None:
    """A link's receipts (``receipt_end`` over the link's bytes, ``receipt_ns``) from its
    blocks' receipts and whether their CRC held, in order, repaired (``_repair_receipts``)."""
    ends, stamps, trusted, base = [], [], [], 0
    for receipts, intact in blocks:
        ends.append(receipts["end"].astype(np.int64) + base)
        stamps.append(receipts["host_ns"].astype(np.int64))
        trusted.append(np.full(len(receipts), intact))
        base += int(receipts["end"][-1])
    link.receipt_end = np.concatenate(ends)
    link.receipt_ns = np.concatenate(stamps)
    link.bad_receipts = _repair_receipts(link.receipt_end, link.receipt_ns, np.concatenate(trusted))


def receipts_in_order(blocks: Iterable[_BlockLike]) -> bool:
    """Whether ``_repair_receipts`` leaves a link's receipts as they are: every block intact,
    host times from 0 on and never decreasing (checked from per-block figures: ``ordered``
    says each block's own are)."""
    last = 0
    for block in blocks:
        if not (block.intact and block.ordered) or block.first_ns < last:
            return False
        last = block.last_ns
    return True


def intact_times(
    links: Mapping[int, Link], parts: Mapping[int, Parts[Any]]
) -> Iterator[tuple[int, float, float]]:
    """Each intact block's record offset and its first and last host time (s): the link's
    repaired receipts where they are held, else the block's own."""
    for channel, link in links.items():
        count = 0
        for offset, block in parts[channel]:
            n = block.n_receipts
            if block.intact:
                if link.receipt_ns.size:
                    first, last = link.receipt_ns[count], link.receipt_ns[count + n - 1]
                else:
                    first, last = block.first_ns, block.last_ns
                yield offset, first / 1e9, last / 1e9
            count += n


def _time_spans(damaged: list[Damage], intact: Iterable[tuple[int, float, float]]) -> list[Damage]:
    """Each damaged region with the host times of the intact blocks either side of it
    (``intact``: their record offsets and first and last host times, s)."""
    if not damaged:
        return damaged
    at, first, last = [], [], []
    for offset, a, b in intact:
        at.append(offset)
        first.append(a)
        last.append(b)
    order = np.argsort(at)
    at_a, first_a, last_a = np.array(at)[order], np.array(first)[order], np.array(last)[order]
    out = []
    for d in damaged:
        k = int(np.searchsorted(at_a, d.offset))  # blocks before: [:k]; after: [k:] past it
        later = np.flatnonzero(at_a[k:] >= d.offset + d.length) + k
        after = float(last_a[:k].max()) if k else None
        before = float(first_a[later].min()) if later.size else None
        out.append(d._replace(after_s=after, before_s=before))
    return out


#: MCAP record opcodes a recording holds (PROFILE: no chunks, no attachments)
_OPCODES = frozenset({0x02, 0x04, 0x05, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F})
_MESSAGE = 0x05
_RECORD_HEAD = struct.Struct("<BQ")  # opcode, content length
_MESSAGE_HEAD = struct.Struct("<HIQQ")  # channel id, sequence, log time, publish time
#: how far past a damaged record a scan looks for the next readable one
_RESYNC_WINDOW = 64 << 20


def _plausible(data: bytes, at: int, end: int) -> int | None:
    """The end of the record header-plausible at ``at`` in ``data`` (a known opcode and a
    length that fits before ``end``), or None."""
    if at + _RECORD_HEAD.size > len(data):
        return None
    opcode, length = _RECORD_HEAD.unpack_from(data, at)
    stop = at + _RECORD_HEAD.size + length
    if opcode not in _OPCODES or length > _MAX_RECORD or stop > end:
        return None
    return stop


def _resync(f: IO[bytes], start: int, size: int) -> int | None:
    """The offset of the first record at or after ``start`` that reads as one: a known opcode,
    a length that fits, a message whose content is a whole wire block or JSON (an event), and
    a next record that starts as plausibly (or the file's end). None when there is none within
    ``_RESYNC_WINDOW``."""
    f.seek(start)
    data = f.read(min(size - start, _RESYNC_WINDOW))
    end = len(data)
    for at in np.flatnonzero(np.isin(np.frombuffer(data, np.uint8), list(_OPCODES))).tolist():
        stop = _plausible(data, at, end)
        if stop is None:
            continue
        if data[at] == _MESSAGE:
            content = data[at + _RECORD_HEAD.size : stop]
            if len(content) < _MESSAGE_HEAD.size:
                continue
            payload = content[_MESSAGE_HEAD.size :]
            (channel,) = _CHANNEL.unpack_from(content)
            if _any_block(payload, channel) is None:  # a wire block, or else an event
                try:
                    json.loads(payload)
                except ValueError:
                    continue
        at_end = stop == size - start or stop + len(MCAP_MAGIC) == size - start
        if at_end or _plausible(data, stop, end) is not None or stop == end:
            return start + at
    return None


def recorded_markers(events: Iterable[Mapping[str, Any]]) -> list[tuple[float, str]]:
    """The ``marker`` events among a recording's ``events`` (``RecordingFile.events``; a
    session's ``metadata["recording"]["events"]``): (time_s, label) in time order, time_s on
    the recording's clock (s from its start)."""
    found = [
        (float(e["time_s"]), str(e.get("label", "")))
        for e in events
        if e.get("event") == "marker" and isinstance(e.get("time_s"), (int, float))
    ]
    return sorted(found, key=lambda m: m[0])


def _event(data: bytes) -> dict[str, Any] | None:
    """An ``/events`` message's record, or None when it is not one."""
    try:
        value = json.loads(data)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _loads(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


# -- decoding and clock alignment ---------------------------------------------------------------


def align_clock(
    device_s: npt.NDArray[np.float64], host_s: npt.NDArray[np.float64], window_s: float = 1.0
) -> tuple[float, float]:
    """Map a device clock onto the host clock: ``host ≈ offset + slope * device``.

    A frame reaches the host some time after the device stamped it, never before, so the delay
    ``host - device`` is a constant (clock offset plus the smallest transport latency) plus a
    non-negative wait. In each ``window_s`` of device time the frame with the smallest delay is
    the one that waited least; a straight line through these minima (a lower envelope) gives the
    offset and the drift between the two clocks. Windows whose minimum sits far above the line
    (the link stalled for the whole window) are dropped and the line refitted. The line is then
    lowered onto the lowest minimum, so no frame is placed after its own arrival.

    Returns ``(offset_s, slope)``; ``slope`` is 1 when less than two windows are available.
    ``pressure.lsl.LiveClock`` does the same as frames come (``window_minima`` per window as
    it fills, ``fit_clock`` on the minima so far).
    """
    if device_s.size == 0:
        return 0.0, 1.0
    x, y = window_minima(device_s, host_s, window_s)
    return fit_clock(x, y, float(device_s.max() - device_s.min()))


def window_minima(
    device_s: npt.NDArray[np.float64], host_s: npt.NDArray[np.float64], window_s: float = 1.0
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """The least-delayed frame of each ``window_s`` of device time from the first frame's:
    its device time and its delay ``host - device`` (s), in window order (``align_clock``)."""
    _, x, y = least_delays(device_s, host_s, device_s[0], window_s)
    return x, y


def least_delays(
    device_s: npt.NDArray[np.float64],
    host_s: npt.NDArray[np.float64],
    origin_s: float,
    window_s: float = 1.0,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """``window_minima`` with windows counted from ``origin_s``: each window's number, and the
    device time and delay of its least-delayed frame (the earliest of equal ones), in window
    order. Frames given a part at a time give, window by window, the same minima as all at
    once when each part's are kept unless a later part's is smaller."""
    delay = host_s - device_s
    bins = np.floor((device_s - origin_s) / window_s).astype(np.int64)
    order = np.lexsort((delay, bins))
    first = np.r_[True, bins[order][1:] != bins[order][:-1]]
    pick = order[first]  # the least-delayed frame of each window
    return bins[pick], device_s[pick], delay[pick]


def fit_clock(
    x: npt.NDArray[np.float64], y: npt.NDArray[np.float64], span_s: float
) -> tuple[float, float]:
    """``(offset_s, slope)`` of the lower envelope of the windows' least delays ``y`` at
    device times ``x`` (``window_minima``), the frames spanning ``span_s`` of device time
    (``align_clock``)."""
    if x.size < 3 or span_s < MIN_DRIFT_SPAN_S:
        # too short for drift to be told from latency jitter (or to matter: 50 ppm over
        # 30 s is 1.5 ms); the offset alone
        return float(y.min()), 1.0
    keep = np.ones(x.size, dtype=bool)
    for _ in range(3):
        slope, intercept = np.polyfit(x[keep], y[keep], 1)
        resid = y - (intercept + slope * x)
        mad = float(np.median(np.abs(resid[keep] - np.median(resid[keep])))) or 1e-6
        new_keep = resid <= np.median(resid[keep]) + 5 * 1.4826 * mad
        if np.array_equal(new_keep, keep):
            break
        keep = new_keep
    if abs(slope) > MAX_DRIFT:
        # not a drifting crystal but a source that is not real time (a replay at another
        # speed, a device that stalled): keep the device's own pace, align the offset only
        return float(np.min(y)), 1.0
    resid = y - (intercept + slope * x)
    intercept += float(np.min(resid[keep]))
    return float(intercept), float(1.0 + slope)


@dataclass
class LinkFrames:
    """One link decoded: its capture and, per block of frames, the host-aligned time in s.
    ``problem`` says why a link gave no frames (nothing arrived, or nothing it sent is a frame
    or a sample line)."""

    link: Link
    capture: Capture
    aligned_s: list[npt.NDArray[np.float64]]  # parallel to capture.blocks
    segments: list[dict[str, Any]]  # per connection: offset_s, drift_ppm (or None), frames
    problem: str | None = None

    def side(self, side: int) -> tuple[SampleBlock, npt.NDArray[np.float64]] | None:
        """All frames of one side in stream order and their aligned times, or None."""
        picked = [
            (b.select(b.side == side), t[b.side == side])
            for b, t in zip(self.capture.blocks, self.aligned_s, strict=True)
        ]
        picked = [(b, t) for b, t in picked if len(b)]
        if not picked:
            return None
        whole = Capture(self.capture.mode, [b for b, _ in picked]).frames(side)
        assert whole is not None
        return whole, np.concatenate([t for _, t in picked])


def decode_recording(
    recording: RecordingFile,
    on_error: OnError = "skip",
    rate_hz: float | None = None,
    columns: Sequence[str] | None = None,
) -> list[LinkFrames]:
    """Decode every link (binary or line mode, detected) and map its frames onto host time.
    ``rate_hz`` and ``columns`` are for line-mode links whose lines carry no time or whose
    board prints no header (``LineDecoder``); ``columns`` defaults to the names the recorder
    was given (the session record's ``columns``, from ``record --profile``).

    Each connection of a link (they restart on ``--reconnect``) gets its own clock fit, since a
    device that was unplugged may have restarted its clock. A link that sent nothing, or
    nothing that is a frame or a sample line, gives a ``LinkFrames`` without frames and with
    its ``problem`` (under ``on_error="raise"`` the latter is a FileFormatError).
    """
    out = []
    names = column_names(recording, columns)
    for link in recording.links:
        if not link.data:
            empty = Capture("binary", [])
            out.append(LinkFrames(link, empty, [], [], "nothing arrived"))
            continue
        try:
            capture = decode_chunks([link.data], on_error=on_error, rate_hz=rate_hz, columns=names)
        except ProtocolError as exc:
            capture, problem = undecodable(recording.path, link, link.data, exc, on_error)
            out.append(LinkFrames(link, capture, [], [], problem))
            continue
        recorded_infos(capture, recording, link)
        if capture.mode == "text" and link.suspect:
            capture.blocks = _drop_suspect(capture.blocks, link.suspect)
        wanted = one_foot_side(link, {int(s) for b in capture.blocks for s in np.unique(b.side)})
        if wanted is not None:
            capture.blocks = [
                dataclasses.replace(b, side=np.full_like(b.side, wanted)) for b in capture.blocks
            ]
        aligned, segments = _align_link(link, capture, restarts_s(recording, link))
        out.append(LinkFrames(link, capture, aligned, segments))
    return out


def column_names(recording: RecordingFile, columns: Sequence[str] | None) -> Sequence[str] | None:
    """The line-mode column names to decode with: ``columns``, else those the recorder was
    given (the session record's ``columns``)."""
    recorded = recording.session.get("columns")
    if columns is None and isinstance(recorded, list) and all(isinstance(n, str) for n in recorded):
        return recorded
    return columns


def link_name(link: Link) -> str:
    return f"link {link.channel} ({link.port})"


def undecodable(
    path: Path, link: Link, head: bytes, exc: ProtocolError, on_error: OnError
) -> tuple[Capture, str]:
    """A link whose bytes (``head``: the first of them) the decoder refused: its capture and
    problem when nothing it sent is a frame or a sample line (FileFormatError for any other
    error, or under ``on_error="raise"``)."""
    name = link_name(link)
    if exc.kind != "not_a_capture" or on_error == "raise":
        raise FileFormatError(path, f"{name}: {exc.kind}: {exc.detail}") from None
    problem = f"no frames in its {link.size} bytes ({exc.detail})"
    return _undecodable(link, head, exc, f"{name}: {problem}"), problem


def recorded_infos(capture: Capture, recording: RecordingFile, link: Link) -> None:
    """A binary link whose DEVICE_INFO frame was in a damaged block: the recorder's copy of
    it (its ``device`` record) as the capture's ``infos``."""
    if capture.mode == "binary" and not capture.infos:
        known = [d for d in recording.devices if d.get("link") == link.channel]
        info = device_info_from_dict(known[-1]) if known else None
        if info is not None:
            capture.infos = [info]


def one_foot_side(link: Link, sides: set[int]) -> int | None:
    """The side a one-foot link's frames are (``sides``: those they carry), or None to keep
    theirs: the role given when recording decides, whatever the firmware was set to (two
    identical insoles often both say "left")."""
    if link.role in ("left", "right") and len(sides) == 1:
        return int(Side.LEFT if link.role == "left" else Side.RIGHT)
    return None


def restarts_s(recording: RecordingFile, link: Link) -> npt.NDArray[np.float64]:
    """The host times (s) at which ``link`` reconnected: each starts a connection, with its
    own clock fit."""
    return np.array(
        sorted(
            float(e["time_s"])
            for e in recording.events
            if e.get("event") == "reconnected" and e.get("link") == link.channel
        )
    )


def in_spans(offsets: npt.NDArray[Any], spans: list[tuple[int, int]]) -> npt.NDArray[np.bool_]:
    """Which byte offsets fall in one of the (start, stop) ``spans`` (in order, apart)."""
    if not spans:
        return np.zeros(len(offsets), bool)
    starts = np.array([a for a, _ in spans], np.int64)
    stops = np.array([b for _, b in spans], np.int64)
    at = np.searchsorted(starts, offsets, side="right") - 1
    return (at >= 0) & (offsets < stops[np.maximum(at, 0)])


def _drop_suspect(blocks: list[SampleBlock], spans: list[tuple[int, int]]) -> list[SampleBlock]:
    """The frames of a line-mode link whose lines start outside the byte ``spans`` of blocks
    whose CRC failed: a line has no CRC of its own, so a damaged digit would pass."""
    kept = []
    for block in blocks:
        inside = in_spans(block.offset, spans)
        if inside.any():
            block = block.select(~inside)
        if len(block):
            kept.append(block)
    return kept


def _undecodable(link: Link, head: bytes, exc: ProtocolError, problem: str) -> Capture:
    """The capture of a link whose bytes (``head``: the first of them) hold no frame: every
    byte skipped, the problem its one error, the mode a guess from the bytes (text when they
    are printable)."""
    printable = all(b in (9, 10, 13) or 32 <= b < 127 for b in head[:4096])
    counters = Counters(bytes_total=link.size, bytes_skipped=link.size)
    error = ProtocolError(exc.kind, exc.offset, problem)
    return Capture("text" if printable else "binary", [], counters=counters, errors=[error])


def line_period_s(host_s: npt.NDArray[np.float64]) -> float | None:
    """The period of lines that carry no time, from the host times at which they arrived.

    A line reaches the host some time after the board printed it, never before, and USB and the
    operating system deliver lines in bursts: each arrival is the print time plus a wait of
    zero or more. In each window of about ``LINE_WINDOW_S`` the line that waited least is the
    one with the smallest ``host_s - rough_period × index``; a straight line through these
    minima (windows whose minimum sits far above it, a stalled host, dropped and the line
    refitted) has the period as its slope.

    Parameters
    ----------
    host_s : ndarray of float, shape (lines,)
        The host time of each line's arrival, s, in line order.

    Returns
    -------
    float or None
        The period, s; None for fewer than three lines or no host time between them.
    """
    n = host_s.size
    if n < 3 or not host_s[-1] > host_s[0]:
        return None
    rough = float(host_s[-1] - host_s[0]) / (n - 1)
    index = np.arange(n)
    per_window = max(2, round(LINE_WINDOW_S / rough))
    bins = index // per_window
    delay = host_s - rough * index
    order = np.lexsort((delay, bins))
    first = np.r_[True, bins[order][1:] != bins[order][:-1]]
    pick = order[first]
    if pick.size < 3:
        return rough
    x, y = index[pick].astype(np.float64), host_s[pick]
    keep = np.ones(x.size, dtype=bool)
    slope = rough
    for _ in range(3):
        slope, intercept = np.polyfit(x[keep], y[keep], 1)
        resid = y - (intercept + slope * x)
        mad = float(np.median(np.abs(resid[keep] - np.median(resid[keep])))) or 1e-6
        new_keep = resid <= np.median(resid[keep]) + 5 * 1.4826 * mad
        if np.array_equal(new_keep, keep) or new_keep.sum() < 3:
            break
        keep = new_keep
    return float(slope) if slope > 0 else rough


def _line_ends(data: bytes, offsets: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """The end (one past its LF) of the line starting at each offset."""
    lf = np.flatnonzero(np.frombuffer(data, np.uint8) == 10)
    at = np.searchsorted(lf, offsets, side="left")
    return np.where(at < lf.size, lf[np.minimum(at, lf.size - 1)] + 1, len(data)).astype(np.int64)


def _host_unit(
    capture: Capture, host_s: npt.NDArray[np.float64], time_us: npt.NDArray[np.int64]
) -> None:
    """A line-mode clock whose unit the decoder took from its step size: the host receipts
    decide it (``infer_time_unit`` with the host's span) when they span ``MIN_UNIT_SPAN_S``;
    the blocks' times are rescaled in place when the unit changes."""
    line = capture.line
    if line is None or line.get("time_unit_from") != "steps" or line.get("time_unit") is None:
        return
    timed = time_us >= 0
    if timed.sum() < 2:
        return
    host_span = float(host_s[timed].max() - host_s[timed].min())
    if host_span < MIN_UNIT_SPAN_S:
        return
    old = str(line["time_unit"])
    ticks = float(time_us[timed].max() - time_us[timed].min()) / 1e6 / TIME_UNIT_S[old]
    new = infer_time_unit([0.0, ticks], host_span_s=host_span)
    line["time_unit"], line["time_unit_from"] = new, "host receipts"
    if new == old:
        return
    scale = TIME_UNIT_S[new] / TIME_UNIT_S[old]
    for block in capture.blocks:
        mine = block.time_us >= 0
        block.time_us[mine] = np.round(block.time_us[mine] * scale).astype(np.int64)
        block.t_us[mine] = (block.time_us[mine] % TIMESTAMP_MODULUS).astype(np.uint32)


def _host_rate(
    capture: Capture, host_s: npt.NDArray[np.float64], segment: npt.NDArray[np.int64]
) -> None:
    """Lines without any time: per foot and connection, spaced at the period their arrivals
    give (``line_period_s``), starting at the host time of the first; blocks changed in place."""
    blocks = capture.blocks
    sides = np.concatenate([b.side for b in blocks])
    time_us = np.concatenate([b.time_us for b in blocks])
    untimed = time_us < 0
    if not untimed.any():
        return
    placed = False
    for side in np.unique(sides[untimed]):
        for k in np.unique(segment[untimed]):
            mine = np.flatnonzero(untimed & (sides == side) & (segment == k))
            period = line_period_s(host_s[mine])
            if period is None:
                continue
            index = np.arange(mine.size)
            start = float(np.min(host_s[mine] - period * index))
            time_us[mine] = np.round((start + period * index) * 1e6).astype(np.int64)
            placed = True
    if not placed:
        return
    at = 0
    for block in blocks:
        block.time_us[:] = time_us[at : at + len(block)]
        block.t_us[:] = (np.maximum(block.time_us, 0) % TIMESTAMP_MODULUS).astype(np.uint32)
        at += len(block)
    if capture.line is not None:
        capture.line["rate_from"] = "host clock"


def _align_link(
    link: Link, capture: Capture, restarts_s: npt.NDArray[np.float64]
) -> tuple[list[npt.NDArray[np.float64]], list[dict[str, Any]]]:
    blocks = capture.blocks
    if not blocks:
        return [], []
    sizes = [len(b) for b in blocks]
    time_us = np.concatenate([b.time_us for b in blocks])
    if link.receipt_end.size:
        # a frame has arrived when its last byte has (a text line: its line end)
        offsets = np.concatenate([b.offset for b in blocks])
        if capture.mode == "binary":
            ends = np.concatenate([b.offset + sample_frame_size(b.n_sensors) for b in blocks])
        else:
            ends = _line_ends(link.data, offsets)
        # frames in a block whose CRC failed: their host times are guesses, kept out of the
        # clock fit (their device times, under their own CRCs, place them)
        sure = ~in_spans(ends - 1, link.suspect)  # by a frame's last byte
        index = np.searchsorted(link.receipt_end, ends.astype(np.int64), side="left")
        host_s = link.receipt_ns[np.minimum(index, link.receipt_end.size - 1)] / 1e9
        segment = np.searchsorted(restarts_s, host_s, side="right")
        if capture.mode == "text":
            _host_unit(capture, host_s, time_us)
            _host_rate(capture, host_s, segment)
            time_us = np.concatenate([b.time_us for b in blocks])
        device_s = time_us / 1e6
    else:
        device_s = time_us / 1e6
        host_s = device_s - (device_s[0] if device_s.size else 0.0)
        sure = np.ones(device_s.size, bool)
        segment = np.searchsorted(restarts_s, host_s, side="right")
    aligned = np.empty_like(device_s)
    segments = []
    for k in np.unique(segment):
        mine = segment == k
        timed = mine & (time_us >= 0)
        if (timed & sure).any():
            timed &= sure
        offset, slope = align_clock(device_s[timed], host_s[timed])
        aligned[mine] = offset + slope * device_s[mine]
        timed_s = device_s[timed]
        span = float(timed_s.max() - timed_s.min()) if timed_s.size else 0.0
        segments.append(clock_segment(offset, slope, span, int(mine.sum())))
    return list(np.split(aligned, np.cumsum(sizes)[:-1])), segments


def clock_segment(offset: float, slope: float, span_s: float, frames: int) -> dict[str, Any]:
    """What ``metadata["clock"]`` says of one connection's clock fit (``span_s``: the device
    time its fitted frames span)."""
    return {
        "offset_s": offset + 0.0,  # no -0.0
        # None: not estimated (too short), not "no drift"
        "drift_ppm": (slope - 1.0) * 1e6 if span_s >= MIN_DRIFT_SPAN_S else None,
        "frames": frames,
    }
