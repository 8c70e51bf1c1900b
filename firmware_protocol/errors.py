"""Errors of the wire layer. ``ProtocolError`` is the root; each names the byte offset."""

from __future__ import annotations


class ProtocolError(Exception):
    """Bytes that are not a valid version-1 stream.

    ``kind`` is one of the error kinds of PROTOCOL.md §7 (``bad_header``, ``unsupported_version``,
    ``unknown_type``, ``bad_length``, ``crc_mismatch``, ``malformed_payload``, ``truncated``,
    ``garbage``, ``bad_line``); ``offset`` is the byte offset in the stream where it starts.
    """

    def __init__(self, kind: str, offset: int, detail: str = "") -> None:
        self.kind = kind
        self.offset = offset
        self.detail = detail
        text = f"{kind} at byte offset {offset}"
        super().__init__(f"{text}: {detail}" if detail else text)


class EncodeError(ValueError):
    """A message that cannot be put on the wire (a field out of range)."""
