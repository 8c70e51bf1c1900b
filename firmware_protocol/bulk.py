"""Decode a whole capture at once: the numpy fast path, with the scanner only where damaged."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .decoder import Counters, OnError
from .errors import ProtocolError
from .messages import Command, DeviceInfo, Message, SampleBlock, Status
from .spec import Side
from .text import AutoDecoder, LineDecoder, Mode


@dataclass
class Capture:
    """Everything decoded from one stream, sample frames gathered per side. ``line``: what a
    line-mode decoder found (``LineDecoder.line_info``); None in binary mode."""

    mode: Mode
    blocks: list[SampleBlock]
    infos: list[DeviceInfo] = field(default_factory=list)
    statuses: list[Status] = field(default_factory=list)
    commands: list[Command] = field(default_factory=list)
    counters: Counters = field(default_factory=Counters)
    errors: list[ProtocolError] = field(default_factory=list)
    line: dict[str, Any] | None = None

    def add(self, message: Message) -> None:
        if isinstance(message, SampleBlock):
            self.blocks.append(message)
        elif isinstance(message, DeviceInfo):
            self.infos.append(message)
        elif isinstance(message, Status):
            self.statuses.append(message)
        else:
            self.commands.append(message)

    def frames(self, side: int) -> SampleBlock | None:
        """All frames of one side in stream order, or None if that side sent none. A line-mode
        column (``extra``) that only some blocks have is NaN in the others.

        Raises ProtocolError when the side's sensor count changes within the stream.
        """
        mine = [b.select(b.side == side) for b in self.blocks]
        mine = [b for b in mine if len(b)]
        if not mine:
            return None
        counts = {b.n_sensors for b in mine}
        if len(counts) > 1:
            change = next(b for b in mine if b.n_sensors != mine[0].n_sensors)
            raise ProtocolError(
                "malformed_payload",
                int(change.offset[0]),
                f"the {Side(side).name.lower()} sensor count changes from "
                f"{mine[0].n_sensors} to {change.n_sensors}",
            )
        return SampleBlock(
            seq=np.concatenate([b.seq for b in mine]),
            side=np.concatenate([b.side for b in mine]),
            flags=np.concatenate([b.flags for b in mine]),
            t_us=np.concatenate([b.t_us for b in mine]),
            time_us=np.concatenate([b.time_us for b in mine]),
            values=np.concatenate([b.values for b in mine]),
            offset=np.concatenate([b.offset for b in mine]),
            extra={
                name: np.concatenate([b.extra.get(name, np.full(len(b), np.nan)) for b in mine])
                for name in dict.fromkeys(name for b in mine for name in b.extra)
            },
        )


def decode_capture(
    data: bytes | bytearray | memoryview,
    on_error: OnError = "skip",
    mode: Mode | None = None,
    rate_hz: float | None = None,
    columns: Sequence[str] | None = None,
) -> Capture:
    """Decode a complete capture (binary or line mode, detected unless ``mode`` is given).

    Raises ProtocolError with kind ``"not_a_capture"`` when neither mode recognises the data.
    ``rate_hz`` only matters for line-mode captures whose lines carry no timestamp, ``columns``
    for line-mode captures without a header line (``LineDecoder``).
    """
    return decode_chunks([data], on_error=on_error, mode=mode, rate_hz=rate_hz, columns=columns)


def decode_chunks(
    chunks: Iterable[bytes | bytearray | memoryview],
    on_error: OnError = "skip",
    mode: Mode | None = None,
    rate_hz: float | None = None,
    columns: Sequence[str] | None = None,
) -> Capture:
    """``decode_capture`` for a capture read piece by piece (a large file), in bounded memory
    beyond the decoded arrays. The mode is detected from the first 64 KiB."""
    decoder = AutoDecoder(on_error, mode=mode, strict=True, rate_hz=rate_hz, columns=columns)
    messages: list[Message] = []
    for chunk in chunks:
        messages += decoder.feed(chunk)
    messages += decoder.close()
    assert decoder.mode is not None and decoder.decoder is not None
    capture = Capture(
        mode=decoder.mode,
        blocks=[],
        counters=decoder.decoder.counters,
        errors=decoder.decoder.errors,
        line=decoder.decoder.line_info if isinstance(decoder.decoder, LineDecoder) else None,
    )
    for message in messages:
        capture.add(message)
    return capture
