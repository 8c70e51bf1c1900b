"""Plain-text line mode (PROTOCOL.md §5) and the detection of which mode a link speaks.

A line is ``[timestamp] [side] v1 v2 ... vn`` ended by LF (a CR before it is dropped); fields are
separated by commas, tabs or spaces. A timestamp is a field with a unit suffix, ``12345us`` or
``12345ms``; a side marker is ``L`` or ``R``. Values are decimal numbers (signed, with or
without a fraction). A header line naming the columns (``t, ax, ay, az, L, M, H``; with or
without ``#``) gives them their meaning (``firmware_protocol.columns``); without one, a first
column that increases like a clock (a bare ``millis()``) is the time. Other lines starting with
``#`` and empty lines are ignored; text before the first sample (boot messages) is counted and
skipped.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from .columns import (
    CLOCK_ROWS,
    TIME_UNIT_S,
    ColumnPlan,
    classify_columns,
    infer_time_unit,
    is_header,
    looks_like_clock,
)
from .crc import crc16
from .decoder import RECENT, Counters, OnError, StreamDecoder, _IncrementalDecoder
from .errors import ProtocolError
from .messages import Message, SampleBlock
from .spec import HEADER, HEADER_SIZE, SEQ_MODULUS, SYNC, TIMESTAMP_MODULUS, Side

MAX_LINE = 32768
_BOM = b"\xef\xbb\xbf"
_SPLIT = re.compile(r"\s*[,;\t]\s*|\s+")
#: separators a sketch prints after its last value (``Serial.print(v); Serial.print(",")``)
_TRAILING = " \t,;"
#: ``name:value`` pairs, the Arduino Serial Plotter's labelled form (``FSR1:512,FSR2:300``;
#: ``=`` is seen too)
_PAIR = re.compile(r"([A-Za-z_][\w.\-]*)\s*[:=]\s*([^\s,;:=]+)")
_PAIRS = re.compile(r"(?:[A-Za-z_][\w.\-]*\s*[:=]\s*[^\s,;:=]+(?:\s*[,;\t]\s*|\s+|$))+")
_LONE_CR = re.compile(rb"\r(?!\n)")
_TIMESTAMP = re.compile(r"(\d+)(us|ms)", re.IGNORECASE)
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
#: a byte that line-mode text never holds: anything but tab, CR and printable ASCII
_NOT_TEXT = re.compile(rb"[^\t\r\x20-\x7e]")
#: a clock printed as an unsigned 32-bit count (Arduino ``millis()``, ``micros()``) wraps here
CLOCK_MODULUS = TIMESTAMP_MODULUS
#: sample lines held at the start of a stream (and after a new header) before the decoder
#: decides what their first column is: ``CLOCK_ROWS`` to judge a clock, and one more so that a
#: first line cut by a port opened mid-line can be told from the lines after it
HOLD_ROWS = CLOCK_ROWS + 1
_SIDES = {"l": Side.LEFT, "left": Side.LEFT, "r": Side.RIGHT, "right": Side.RIGHT}

TimeFound = Literal["suffix", "header", "clock"]


def _number(text: str) -> float | None:
    return float(text) if _NUMBER.fullmatch(text) else None


def _marker(text: str) -> int | None:
    return Side.LEFT if text in ("L", "l") else Side.RIGHT if text in ("R", "r") else None


def _sample_like(fields: Sequence[str]) -> bool:
    """Whether a line that failed to parse was meant as a sample (damage) rather than text:
    at least half of its fields are numbers, timestamps or side markers."""
    marks = sum(
        1
        for f in fields
        if _NUMBER.fullmatch(f) or _TIMESTAMP.fullmatch(f) or _marker(f) is not None
    )
    return 2 * marks >= len(fields)


@dataclass
class _Plain:
    """A line without a header: an optional suffixed timestamp and side marker, then numbers."""

    ticks: float | None  # the suffixed timestamp, in ``unit``
    unit: str | None  # "ms" or "us"
    side: int | None
    values: list[float]


def _parse_plain(fields: Sequence[str]) -> _Plain | str:
    ticks: float | None = None
    unit: str | None = None
    side: int | None = None
    values: list[float] = []
    i = 0
    while i < len(fields) and i < 2:
        f = fields[i]
        match = _TIMESTAMP.fullmatch(f)
        if match and ticks is None:
            ticks, unit = float(match.group(1)), match.group(2).lower()
        elif _marker(f) is not None and side is None:
            side = _marker(f)
        elif i == 0 and len(fields) > 2 and _marker(fields[1]) is not None:
            # ``120000,L,v1,...``: a bare number before the side marker is the first column
            number = _number(f)
            if number is None:
                break
            values.append(number)
            side = _marker(fields[1])
            i = 2
            break
        else:
            break
        i += 1
    tail = fields[i:]
    try:  # fast path: float() takes every number of §5.1 ...
        numbers = [float(f) for f in tail]
    except ValueError:
        numbers = []
    # ... and more ("nan", "inf", "1_0"): those are checked field by field
    if len(numbers) != len(tail) or not math.isfinite(sum(numbers)) or "_" in "".join(tail):
        for f in tail:
            if _number(f) is None:
                return f"value {f!r} is not a number"
    values += numbers
    if not values:
        return "no sensor values"
    return _Plain(ticks, unit, side, values)


def split_fields(text: str) -> list[str]:
    """The fields of a stripped line: separated by a comma, a semicolon, a tab or spaces; a
    separator after the last field is ignored (PROTOCOL.md §5.1)."""
    text = text.rstrip(_TRAILING)
    return _SPLIT.split(text) if text else []


def _json_pairs(text: str) -> tuple[list[str], list[str]] | None:
    """The numbers of a JSON object line (``{"t":1200,"fsr":[512,300]}``, as ArduinoJson's
    ``serializeJson(doc, Serial)`` prints) as names and values: a list's items are
    ``name_1..name_n``, a nested object's members ``name_member``; text, true/false and null
    members are left out. None when the line is no JSON object or holds no number."""
    try:
        document = json.loads(text)
    except ValueError:
        return None
    if not isinstance(document, dict):
        return None
    names: list[str] = []
    values: list[str] = []

    def walk(name: str, item: object) -> None:
        if isinstance(item, bool) or item is None or isinstance(item, str):
            return
        if isinstance(item, int | float):
            if math.isfinite(item):
                names.append(name)
                values.append(repr(item) if isinstance(item, float) else str(item))
        elif isinstance(item, list):
            for k, member in enumerate(item, 1):
                walk(f"{name}_{k}", member)
        elif isinstance(item, dict):
            for key, member in item.items():
                walk(f"{name}_{key}" if name else str(key), member)

    walk("", document)
    return (names, values) if names else None


def labelled(text: str) -> tuple[list[str], list[str]] | None:
    """The names and values of a line of ``name:value`` pairs (the Arduino Serial Plotter's
    labelled form, PROTOCOL.md §5.2) or of a JSON object of numbers, or None when the line is
    neither."""
    if text.startswith("{") and text.endswith("}"):
        return _json_pairs(text)
    if ":" not in text and "=" not in text:
        return None
    if not _PAIRS.fullmatch(text.rstrip(_TRAILING) + ","):
        return None
    pairs = _PAIR.findall(text)
    if not all(_NUMBER.fullmatch(value) for _, value in pairs):
        return None  # ``load:0x3fff0030,len:1344``, ``mode:DIO``: a boot log's words, not values
    return [name for name, _ in pairs], [value for _, value in pairs]


def parse_line(text: str) -> tuple[int | None, int | None, list[float]] | str:
    """Parse one stripped line without a header (PROTOCOL.md §5).

    Parameters
    ----------
    text : str
        The line, without its line end.

    Returns
    -------
    tuple or str
        (the suffixed timestamp in µs or None, the side marker (``Side``) or None, the values),
        or the reason the line is not a sample. A first column that is a clock is not told
        here (one line cannot show it): it is the first value.
    """
    pairs = labelled(text)
    parsed = _parse_plain(pairs[1] if pairs is not None else split_fields(text))
    if isinstance(parsed, str):
        return parsed
    t_us = None
    if parsed.ticks is not None:
        t_us = int(parsed.ticks) * (1 if parsed.unit == "us" else 1000)
    return t_us, parsed.side, parsed.values


@dataclass
class _Row:
    """One foot's sample from one line, before the decoder has placed it in time."""

    offset: int  # stream offset of its line
    size: int  # bytes of its line, LF included
    side: int | None  # from a side marker or side column; None: the configured side
    ticks: float | None  # a suffixed timestamp or the header's time column, in ``unit``
    unit: str | None  # the unit of ``ticks`` when the line or the header says it
    values: list[float]
    extra: dict[str, float] = field(default_factory=dict)


@dataclass
class _Clock:
    """One foot's device clock, placed on a continuous time line (PROTOCOL.md §6, in the
    clock's own ticks: a clock printed as an unsigned 32-bit count wraps at 2³² ticks)."""

    last_ticks: float | None = None
    last_us: float | None = None
    recent_us: list[float] = field(default_factory=list)  # the last forward intervals
    restart: bool = False  # tracking begins anew: splice the next sample

    def place(self, ticks: float, unit_us: float) -> tuple[float, bool]:
        """The time of a sample in µs, and whether its clock stepped back (a reset)."""
        last = self.last_ticks
        stepped_back = False
        if last is None or self.last_us is None:
            time_us = ticks * unit_us
        else:
            modular = (
                ticks.is_integer()
                and last.is_integer()
                and 0 <= ticks < CLOCK_MODULUS
                and 0 <= last < CLOCK_MODULUS
            )
            dt = (ticks - last) % CLOCK_MODULUS if modular else ticks - last
            stepped_back = dt >= CLOCK_MODULUS // 2 if modular else dt < 0
            if stepped_back or self.restart:
                step_us = sorted(self.recent_us)[len(self.recent_us) // 2] if self.recent_us else 0
            else:
                step_us = dt * unit_us
                self.recent_us = [*self.recent_us, step_us][-RECENT:]
            time_us = self.last_us + step_us
        self.last_ticks, self.last_us, self.restart = ticks, time_us, False
        return time_us, stepped_back


class LineDecoder(_IncrementalDecoder):
    """Incremental decoder for line mode (PROTOCOL.md §5). Lines that are not samples are
    counted and skipped: before the first sample as text (``text_lines``), after it, or when
    they look like samples, as damage (``bad_lines``).

    ``default_side`` is the side of lines without a marker (a single insole on a hobby board).
    ``rate_hz`` says that the lines carry no time (their first column is a value even when it
    rises like a clock) and gives each its ``time_us``; without it, lines without a time have
    ``time_us`` -1 (no device time). The first ``HOLD_ROWS`` sample lines of a stream (and after
    a new header) are held until the decoder can tell whether their first column is a clock;
    ``close`` delivers what is still held. ``line_info`` says what the decoder found (header,
    time column, its unit and how the unit was decided).

    ``columns`` names the columns of a board that prints no header line (an insole profile's
    ``columns``), as if its first line had been that header; a header the board does print
    replaces it. Raises ValueError when the names are not a header (``classify_columns``).
    """

    def __init__(
        self,
        on_error: OnError = "skip",
        default_side: int = Side.LEFT,
        rate_hz: float | None = None,
        *,
        start_offset: int = 0,
        columns: Sequence[str] | None = None,
    ) -> None:
        super().__init__(on_error, start_offset=start_offset)
        self._default_side = default_side
        self._rate_hz = rate_hz
        self._n_values: dict[int, int] = {}
        self._index: dict[int, int] = {Side.LEFT: 0, Side.RIGHT: 0}
        self._clocks: dict[int, _Clock] = {Side.LEFT: _Clock(), Side.RIGHT: _Clock()}
        self._discarding = False
        self._started = False  # a sample line was seen: later non-samples are damage
        self._plan: ColumnPlan | None = None  # the header in force
        self._labelled = False  # the header in force came from a labelled line
        self._pending: tuple[ColumnPlan, int, int, bool] | None = None  # header, offset, size, #
        # the current epoch (the stream's start, or a confirmed header): held rows until decided
        self._decided = False
        self._first_epoch = True
        self._held: list[_Row] = []
        self._held_bad: list[tuple[int, int, str]] = []
        self._time: TimeFound | None = None
        self._unit: str | None = None
        self._unit_from: str | None = None
        self._ready: list[_Ready] = []
        self._units_from: set[str] = set()
        self._sides_from: set[str] = set()  # "lines" (a marker or a header's name), "default"
        if columns is not None:
            self._plan = classify_columns([c.strip() for c in columns])

    # -- what was found -----------------------------------------------------------------------
    @property
    def line_info(self) -> dict[str, Any]:
        """What the decoder made of the stream (plain values, for ``pressure info``).

        ``header``: the column names in force (None without a header); ``time_column``: the
        name of the time column (``"1st column"`` for a bare clock, ``"timestamp suffix"`` for
        ``123ms`` fields; None without time); ``time_unit``; ``time_unit_from``: ``"suffix"``,
        ``"name"`` (the header's), ``"steps"`` (the clock's step size) or ``"mixed"``;
        ``rate_from``: ``"device clock"``, ``"given rate"`` or None (no time: the recorder's
        host clock may give it); ``extras``: the named per-frame columns that are not sensors;
        ``side_from``: ``"lines"`` (side markers or a header's side names), ``"default"`` (the
        decoder's ``default_side``: the lines do not say), ``"mixed"`` or None (no sample).
        """
        plan = self._plan
        column = None
        if self._time == "suffix":
            column = "timestamp suffix"
        elif self._time == "clock":
            column = "1st column"
        elif self._time == "header" and plan is not None and plan.time is not None:
            column = plan.time.name
        rate_from = "device clock" if self._time else "given rate" if self._rate_hz else None
        return {
            "header": None if plan is None else [c.name for c in plan.columns],
            "time_column": column,
            "time_unit": self._unit if self._time else None,
            "time_unit_from": (
                None
                if not self._units_from
                else "mixed"
                if len(self._units_from) > 1
                else next(iter(self._units_from))
            ),
            "rate_from": rate_from,
            "extras": [] if plan is None else [c.name for c in _extras(plan)],
            "side_from": (
                None
                if not self._sides_from
                else "mixed"
                if len(self._sides_from) > 1
                else next(iter(self._sides_from))
            ),
        }

    # -- bytes to lines -------------------------------------------------------------------------
    def feed(self, data: bytes | bytearray | memoryview) -> list[SampleBlock]:
        counters = self._engine.counters
        counters.bytes_total += len(data)
        old = len(self._buf)
        self._buf += data
        buf = self._buf
        _lone_cr_to_lf(buf, max(0, old - 1))
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
                    self._bad(
                        self._base + pos, len(buf) - pos, f"line longer than {MAX_LINE} bytes"
                    )
                    pos = len(buf)
                    self._discarding = True
                break
            if end - pos > MAX_LINE:
                self._bad(self._base + pos, end + 1 - pos, f"line longer than {MAX_LINE} bytes")
            else:
                self._line(pos, end)
            pos = end + 1
        del buf[:pos]
        self._base += pos
        return self._blocks()

    def close(self) -> list[SampleBlock]:
        """End of stream: a last line without its LF may be cut off, so it is not trusted; held
        lines and a header still waiting for its first sample are settled."""
        ready: list[SampleBlock] = []
        if self._buf.endswith(b"\r"):  # a last line ended by a lone CR is whole
            self._buf[-1] = 0x0A
            ready = self.feed(b"")
        rest = bytes(self._buf)
        self._reject_pending()
        if not self._decided:
            self._decide()
        if rest.strip():
            counters = self._engine.counters
            counters.truncated += 1
            counters.bytes_skipped += len(rest)
            self._engine.error("truncated", self._base, "the last line has no line end")
        self._base += len(rest)
        self._buf.clear()
        self._discarding = False
        return ready + self._blocks()

    # -- damage and text ----------------------------------------------------------------------
    def _bad(self, offset: int, size: int, detail: str) -> None:
        if not self._decided and self._started:
            self._held_bad.append((offset, size, detail))  # reported in order when released
            return
        self._engine.counters.bad_lines += 1
        self._engine.counters.bytes_skipped += size
        self._engine.error("bad_line", offset, detail)

    def _text(self, size: int) -> None:
        self._engine.counters.text_lines += 1
        self._engine.counters.bytes_skipped += size

    def _not_a_sample(self, offset: int, size: int, fields: Sequence[str], why: str) -> None:
        if self._started or _sample_like(fields):
            self._bad(offset, size, why)
        else:
            self._text(size)

    # -- one line -----------------------------------------------------------------------------
    def _line(self, start: int, end: int) -> None:
        raw = bytes(self._buf[start:end])
        offset, size = self._base + start, end - start + 1
        if offset == 0 and raw.startswith(_BOM):
            raw = raw[len(_BOM) :]  # a text file saved with a byte-order mark: not content
        text = raw.decode("ascii", errors="replace").strip()
        if not text:
            return
        hashed = text.startswith("#")
        body = text[1:].strip() if hashed else text
        pairs = None if hashed else labelled(body)
        if pairs is not None:  # ``FSR1:512,FSR2:300``: the line names its own columns
            names, fields = pairs
            if self._plan is None or _names(self._plan) != [n.lower() for n in names]:
                try:
                    named = classify_columns(names)
                except ValueError as exc:
                    self._not_a_sample(offset, size, fields, f"labels: {exc}")
                    return
                self._reject_pending()
                self._adopt(named, labelled=True)
            self._sample(offset, size, fields)
            return
        fields = split_fields(body) if body else []
        if self._labelled and fields and not hashed:
            # a plain line after labelled ones: the labels were the line's own, not a header
            # for it (a boot message such as ``Heap:123456`` before a sketch's plain lines)
            self._reject_pending()
            self._adopt(None)
        # a header's first name starts with a letter or "_" (a cheap test first: most lines
        # are samples)
        if fields and (body[0].isalpha() or body[0] == "_") and is_header(fields):
            plan = _header_plan(fields, hashed, body)
            if plan is not None:
                self._propose(plan, offset, size, hashed)
                return
        if hashed:
            return  # a comment: valid content, not damage
        if _NOT_TEXT.search(raw):
            if self._started:
                self._bad(offset, size, "bytes that are not text")
            else:
                self._text(size)  # noise before the data (a board's boot output at another baud)
            return
        if self._pending is not None:
            plan = self._pending[0]
            if len(fields) == len(plan.columns) and not isinstance(
                _parse_planned(plan, fields, offset, size), str
            ):
                self._pending = None
                self._adopt(plan)
            else:
                self._reject_pending()
        self._sample(offset, size, fields)

    def _sample(self, offset: int, size: int, fields: Sequence[str]) -> None:
        """A line's fields, under the header in force or as a plain line."""
        rows: list[_Row] | str
        if self._plan is not None:
            rows = _parse_planned(self._plan, fields, offset, size)
        else:
            plain = _parse_plain(fields)
            rows = (
                plain
                if isinstance(plain, str)
                else [_Row(offset, size, plain.side, plain.ticks, plain.unit, plain.values)]
            )
        if isinstance(rows, str):
            self._not_a_sample(offset, size, fields, rows)
            return
        self._started = True
        if self._decided:
            for row in rows:
                self._accept(row)
            return
        self._held += rows
        counts: dict[int, int] = {}
        for row in self._held:
            side = self._side(row)
            counts[side] = counts.get(side, 0) + 1
        if max(counts.values()) >= HOLD_ROWS:
            self._decide()

    def _side(self, row: _Row) -> int:
        if row.side is None:
            self._sides_from.add("default")
            return self._default_side
        self._sides_from.add("lines")
        return row.side

    # -- headers ------------------------------------------------------------------------------
    def _propose(self, plan: ColumnPlan, offset: int, size: int, hashed: bool) -> None:
        self._reject_pending()
        if self._plan is not None and _names(plan) == _names(self._plan):
            return  # the header in force, printed again: content, not damage
        self._pending = (plan, offset, size, hashed)

    def _reject_pending(self) -> None:
        """A header not followed by a sample of as many fields was text after all."""
        if self._pending is None:
            return
        _plan, offset, size, hashed = self._pending
        self._pending = None
        if hashed:
            return  # a comment
        if self._started:
            self._bad(offset, size, "a line of words where samples were expected")
        else:
            self._text(size)

    def _adopt(self, plan: ColumnPlan | None, *, labelled: bool = False) -> None:
        """A new header (None: none, plain lines again): the lines after it are decided anew
        (their time column, its unit). ``labelled``: the names came from a labelled line and
        hold only for labelled lines."""
        if not self._decided and len(self._held) < HOLD_ROWS and not any(self._index.values()):
            # a few lines before the stream's first decided samples, then a header or lines of
            # another shape: boot text (``Heap:123456``) or the tail of what a board printed
            # as the port opened and reset it, not samples
            for row in self._held:
                self._text(row.size)
            for _, size, _ in self._held_bad:
                self._text(size)
            self._held, self._held_bad = [], []
            self._started = False
        if not self._decided:
            self._decide()
        self._plan = plan
        self._labelled = labelled
        self._decided = False
        self._first_epoch = False
        self._n_values = {}
        for clock in self._clocks.values():
            clock.restart = True

    # -- deciding what the first lines are ----------------------------------------------------
    def _decide(self) -> None:
        """Decide the epoch's time column and unit from the held rows, then release them."""
        held, bad = self._held, self._held_bad
        self._held, self._held_bad = [], []
        self._decided = True
        fragment: _Row | None = None
        plan = self._plan
        by_side: dict[int, list[_Row]] = {}
        for row in held:
            by_side.setdefault(self._side(row), []).append(row)
        rows = max(by_side.values(), key=len, default=[])
        if plan is not None:
            time = plan.time
            if time is None:
                self._set_time(None, None, None)
            elif time.unit is not None:
                self._set_time("header", time.unit, "name")
            elif rows and rows[0].unit is not None:
                self._set_time("header", rows[0].unit, "suffix")
            else:
                ticks = [r.ticks for r in rows if r.ticks is not None]
                self._set_time("header", infer_time_unit(ticks), "steps")
        else:
            if self._first_epoch and len(rows) >= 3 and rows[0] is held[0]:
                later = {len(r.values) for r in rows[1:]}
                if len(later) == 1 and len(rows[0].values) not in later:
                    fragment = rows[0]  # a line cut by a port opened in its middle
            trusted = [r for r in rows if r is not fragment]
            suffixed = [r for r in trusted if r.ticks is not None]
            if trusted and 2 * len(suffixed) > len(trusted):  # most lines say their time
                self._set_time("suffix", suffixed[0].unit, "suffix")
            else:
                firsts = [r.values[0] for r in trusted if len(r.values) >= 2]
                # a rate given by the user says the lines carry no time: no clock is looked for
                judge = len(firsts) == len(trusted) and not self._rate_hz
                clock = judge and looks_like_clock(firsts[:CLOCK_ROWS])
                if (
                    judge
                    and not clock
                    and fragment is None
                    and self._first_epoch
                    and trusted
                    and trusted[0] is held[0]
                    and looks_like_clock(firsts[1 : CLOCK_ROWS + 1])
                ):
                    fragment, clock = trusted[0], True  # its clock field was cut
                    firsts = firsts[1:]
                if clock:
                    self._set_time("clock", infer_time_unit(firsts[:CLOCK_ROWS]), "steps")
                else:
                    self._set_time(None, None, None)
        events: list[tuple[int, int, _Row | tuple[int, str]]] = [
            (r.offset, k, r) for k, r in enumerate(held)
        ]
        events += [
            (offset, len(held) + k, (size, why)) for k, (offset, size, why) in enumerate(bad)
        ]
        for offset, _, item in sorted(events, key=lambda e: (e[0], e[1])):
            if isinstance(item, _Row):
                if item is fragment:
                    self._bad(offset, item.size, "a cut-off line (the lines after it differ)")
                else:
                    self._accept(item)
            else:
                self._bad(offset, *item)

    def _set_time(self, found: TimeFound | None, unit: str | None, unit_from: str | None) -> None:
        self._time, self._unit, self._unit_from = found, unit, unit_from
        if unit_from is not None:
            self._units_from.add(unit_from)

    def _accept(self, row: _Row) -> None:
        """A sample line of a decided epoch: checked against the earlier lines of its side,
        then placed in time (in stream order, so the result does not depend on chunking)."""
        side = self._side(row)
        values = row.values
        ticks: float | None = None
        if self._time == "clock":
            if len(values) < 2:
                self._bad(row.offset, row.size, "no sensor value after the clock")
                return
            ticks, values = values[0], values[1:]
        elif self._time == "suffix" and row.ticks is None:
            self._bad(row.offset, row.size, "no timestamp where the other lines have one")
            return
        elif self._time is not None and row.ticks is not None:
            ticks = row.ticks
            if row.unit is not None and self._unit is not None and row.unit != self._unit:
                ticks = ticks * TIME_UNIT_S[row.unit] / TIME_UNIT_S[self._unit]
        expected = self._n_values.setdefault(side, len(values))
        if len(values) != expected:
            self._bad(
                row.offset, row.size, f"{len(values)} values where earlier lines had {expected}"
            )
            return
        index = self._index[side]
        self._index[side] = index + 1
        time_us = -1
        if ticks is not None:
            unit_us = TIME_UNIT_S[self._unit or "us"] * 1e6
            placed, stepped_back = self._clocks[side].place(ticks, unit_us)
            time_us = round(placed)
            self._engine.counters.clock_resets += stepped_back
        elif self._time is None and self._rate_hz:
            time_us = round(index * 1e6 / self._rate_hz)
        self._ready.append(_Ready(side, index, time_us, values, row))

    # -- rows to blocks -----------------------------------------------------------------------
    def _blocks(self) -> list[SampleBlock]:
        ready, self._ready = self._ready, []
        blocks: list[SampleBlock] = []
        counters = self._engine.counters
        for side in (Side.LEFT, Side.RIGHT):
            mine = [r for r in ready if r.side == side]
            # one block per run of rows of one shape (a new header may change it)
            start = 0
            for k in range(1, len(mine) + 1):
                if k < len(mine) and mine[k].shape == mine[start].shape:
                    continue
                blocks.append(_block(side, mine[start:k]))
                start = k
            if side == Side.LEFT:
                counters.frames_left += len(mine)
            else:
                counters.frames_right += len(mine)
        blocks.sort(key=lambda b: int(b.offset[0]))
        return blocks


@dataclass
class _Ready:
    """A sample placed in time, waiting to go out in a block."""

    side: int
    index: int  # the side's frame number since the stream began
    time_us: int  # -1: no time
    values: list[float]
    row: _Row

    @property
    def shape(self) -> tuple[object, ...]:
        return (len(self.values), tuple(self.row.extra))


def _block(side: int, rows: list[_Ready]) -> SampleBlock:
    n = len(rows)
    index = np.array([r.index for r in rows], dtype=np.int64)
    time_us = np.array([r.time_us for r in rows], dtype=np.int64)
    return SampleBlock(
        seq=(index % SEQ_MODULUS).astype(np.uint16),
        side=np.full(n, side, dtype=np.uint8),
        flags=np.zeros(n, dtype=np.uint8),
        t_us=(np.maximum(time_us, 0) % TIMESTAMP_MODULUS).astype(np.uint32),
        time_us=time_us,
        values=np.array([r.values for r in rows], dtype=np.float64).reshape(n, -1),
        offset=np.array([r.row.offset for r in rows], dtype=np.int64),
        extra={
            name: np.array([r.row.extra[name] for r in rows], dtype=np.float64)
            for name in rows[0].row.extra
        },
    )


def _names(plan: ColumnPlan) -> list[str]:
    return [c.name.lower() for c in plan.columns]


def _extras(plan: ColumnPlan) -> list[Any]:
    """The columns kept per frame that are not sensors: a frame counter, IMU channels, flags,
    a device's own total force."""
    return [c for c in plan.columns if c.role in ("sequence", "extra", "total_force")]


def _header_plan(fields: Sequence[str], hashed: bool, body: str) -> ColumnPlan | None:
    """The meaning of a header line's columns, or None when the line is no header.

    Words separated by spaces alone, none of them a name this protocol knows (a time, a sided
    or numbered sensor, a counter, an IMU channel), read as a sentence (``Booting ESP``) unless
    the line starts with ``#``."""
    try:
        plan = classify_columns([f.strip() for f in fields])
    except ValueError:
        return None
    plain = all(c.role == "sensor" and c.side is None and c.number is None for c in plan.columns)
    if plain and not hashed and not re.search(r"[,\t]", body):
        return None
    return plan


def _parse_planned(
    plan: ColumnPlan, fields: Sequence[str], offset: int, size: int
) -> list[_Row] | str:
    """A line under a header: one row per foot that has sensors, or why it is not a sample."""
    if len(fields) != len(plan.columns):
        return f"{len(fields)} fields where the header names {len(plan.columns)}"
    numbers: list[float] = []
    side: int | None = None
    time = plan.time
    unit = None if time is None else time.unit
    for column, text in zip(plan.columns, fields, strict=True):
        stamp = _TIMESTAMP.fullmatch(text) if column.role == "time" else None
        if stamp is not None:  # ``1500ms`` under a time column: the suffix gives the unit
            numbers.append(float(stamp.group(1)))
            unit = stamp.group(2).lower()
            continue
        if column.role == "side":
            side = _SIDES.get(text.lower())
            if side is None:
                return f"{column.name} {text!r} is not L or R"
            numbers.append(math.nan)
            continue
        number = _number(text)
        if number is None:
            return f"{column.name} {text!r} is not a number"
        numbers.append(number)
    ticks = None if time is None else numbers[time.index]
    extra = {c.name: numbers[c.index] for c in _extras(plan)}
    if plan.sided:
        rows = []
        for foot, name in ((Side.LEFT, "left"), (Side.RIGHT, "right")):
            sensors = plan.sensors(name)  # type: ignore[arg-type]
            if sensors:
                values = [numbers[c.index] for c in sensors]
                rows.append(_Row(offset, size, foot, ticks, unit, values, extra))
        return rows
    values = [numbers[c.index] for c in plan.sensors("left")]
    return [_Row(offset, size, side, ticks, unit, values, extra)]


Mode = Literal["binary", "text"]


def has_frame_header(data: bytes | bytearray) -> bool:
    """Whether ``data`` holds a sync pattern followed by a frame header whose CRC holds."""
    return _first_frame_header(data) >= 0


def _first_frame_header(data: bytes | bytearray) -> int:
    """The offset of the first frame header in ``data`` whose CRC holds, or -1."""
    pos = data.find(SYNC)
    while 0 <= pos <= len(data) - HEADER_SIZE:
        if crc16(data[pos : pos + 6]) == HEADER.unpack_from(data, pos)[4]:
            return pos
        pos = data.find(SYNC, pos + 1)
    return -1


def _lone_cr_to_lf(buf: bytearray, start: int) -> None:
    """Make each CR that no LF follows a LF, from ``start`` (a board or terminal that ends its
    lines with CR alone; one byte for one, so offsets stay). A CR at the very end waits for the
    next byte."""
    last = len(buf) - 1
    for match in _LONE_CR.finditer(buf, start):  # CRLF lines cost one C-speed scan
        if match.start() < last:
            buf[match.start()] = 0x0A


def lone_cr_to_lf(data: bytes) -> bytes:
    """``data`` with each CR that no LF follows made a LF (line-mode text ended by CR alone)."""
    return _LONE_CR.sub(b"\n", data)


def detect_mode(data: bytes | bytearray) -> Mode | None:
    """Which mode the start of a stream speaks: ``"binary"``, ``"text"``, or None if unsure yet.

    Binary when a sync pattern is followed by a header whose CRC holds. Text when two
    consecutive complete lines of printable ASCII parse as samples with the same number of
    values (comments and empty lines between them are passed over; any other line, such as a
    partial first line, a boot message, a header or bytes that are not text, starts the pair
    anew).
    """
    return find_mode(data)[0]


def find_mode(data: bytes | bytearray) -> tuple[Mode | None, int]:
    """``detect_mode``'s answer and where its evidence starts: the byte offset of the first
    frame header whose CRC holds, or of the first of the two sample lines (0 when None)."""
    data = bytes(data)
    if has_frame_header(data):
        return "binary", _first_frame_header(data)
    last: int | None = None
    start = at = 0
    for raw in lone_cr_to_lf(data).split(b"\n")[:-1]:  # complete lines only
        line_at, at = at, at + len(raw) + 1
        if _NOT_TEXT.search(raw):
            last = None
            continue
        text = raw.decode("ascii").strip()
        if not text or text.startswith("#"):
            continue
        parsed = parse_line(text)
        if isinstance(parsed, str):
            last = None
            continue
        if last == len(parsed[2]):
            return "text", start
        last, start = len(parsed[2]), line_at
    return None, 0


class AutoDecoder:
    """A stream decoder for a link or file whose mode may not be known: it buffers until
    ``detect_mode`` can tell (PROTOCOL.md §5), then decodes with ``StreamDecoder`` or
    ``LineDecoder``. ``mode`` skips the detection.

    Detection looks at windows of ``DETECT_LIMIT`` bytes: while a whole window holds neither a
    frame header nor two sample lines in a row, its first half is let go and counted as skipped
    once the mode is known (an ESP32's boot log alone can fill a window). A live link keeps
    looking for as long as it runs; a ``strict`` decoder (a file) gives up after
    ``SEARCH_LIMIT`` bytes with ProtocolError ``not_a_capture``.
    """

    DETECT_LIMIT = 65536
    #: how far into a file detection looks for the first frame or sample lines (an ESP32's
    #: boot log is tens of KiB)
    SEARCH_LIMIT = 1 << 20

    def __init__(
        self,
        on_error: OnError = "skip",
        *,
        mode: Mode | None = None,
        strict: bool = False,
        default_side: int = Side.LEFT,
        rate_hz: float | None = None,
        columns: Sequence[str] | None = None,
    ) -> None:
        self._on_error: OnError = on_error
        self._strict = strict
        self._default_side = default_side
        self._rate_hz = rate_hz
        self._columns = None if columns is None else list(columns)
        if self._columns is not None:
            classify_columns(self._columns)  # names that are no header: ValueError now
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
                self._on_error,
                self._default_side,
                self._rate_hz,
                start_offset=self._dropped,
                columns=self._columns,
            )
        decoder.counters.bytes_total += self._dropped
        decoder.counters.bytes_skipped += self._dropped
        if self._dropped:
            detail = f"the first {self._dropped} bytes hold no frame and no sample lines (skipped)"
            decoder.errors.append(ProtocolError("garbage", 0, detail))
        self.decoder = decoder
        return decoder

    def _not_a_capture(self) -> ProtocolError:
        where = f" in its first {self.SEARCH_LIMIT >> 10} KiB" if self._dropped else ""
        return ProtocolError(
            "not_a_capture", 0, f"no version-1 frame header and no sample lines found{where}"
        )

    def feed(self, data: bytes | bytearray | memoryview) -> list[Message]:
        decoder = self.decoder
        if decoder is None:
            self._pending += data
            half = self.DETECT_LIMIT // 2
            while True:
                mode = detect_mode(self._pending[: self.DETECT_LIMIT])
                if mode is not None:
                    break
                if len(self._pending) < self.DETECT_LIMIT:
                    return []  # more bytes may tell
                # a whole window without a frame or sample lines: let its first half go (the
                # second half may hold the start of what the next bytes complete)
                if self._strict and self._dropped + half > self.SEARCH_LIMIT:
                    raise self._not_a_capture()
                del self._pending[:half]
                self._dropped += half
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
