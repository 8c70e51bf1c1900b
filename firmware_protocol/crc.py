"""CRC-16/CCITT-FALSE, one frame at a time and many equal-length frames at once.

The scalar form is the standard library's ``binascii.crc_hqx(data, 0xFFFF)``.

The vectorised form checks thousands of frames in a few numpy operations. A CRC is affine over
GF(2): for messages of a fixed length L, ``crc(m) = crc(0^L) XOR (sum over positions i of
c_i(m[i]))``, where ``c_i(b)`` is the contribution of byte value ``b`` at position ``i``. The
contributions of two adjacent bytes are merged into one 65536-entry table per 16-bit word, so a
frame costs one table look-up per two bytes: for a small batch in one gather, for a large one
column by column over all frames. Very short batches and long frames (over 256 bytes) take one
``binascii.crc_hqx`` call per frame instead, which needs no tables.
"""

from __future__ import annotations

import binascii
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from .spec import CRC_INIT, CRC_POLY


def crc16(data: bytes | bytearray | memoryview, init: int = CRC_INIT) -> int:
    """CRC-16/CCITT-FALSE of ``data`` (continuing from ``init``)."""
    return binascii.crc_hqx(data, init)


def _byte_table() -> npt.NDArray[np.uint16]:
    table = np.zeros(256, dtype=np.uint16)
    for byte in range(256):
        crc = byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ CRC_POLY) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
        table[byte] = crc
    return table


_TABLE = _byte_table()


def _advance_zero_byte(crc: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint32]:
    """Push one zero byte through the CRC register (vectorised)."""
    return ((crc << 8) & 0xFFFF) ^ _TABLE[crc >> 8].astype(np.uint32)


# Word tables cost length * 64 KiB: 14 MiB for a 99-sensor payload. Beyond this length, or for a
# handful of rows, one C call per row (binascii) is used instead, so memory stays bounded.
MAX_TABLE_LENGTH = 256
MIN_TABLE_ROWS = 16


@lru_cache(maxsize=4)
def _word_tables(length: int) -> npt.NDArray[np.uint16]:
    """Tables for messages of ``length`` bytes (even): shape (length // 2, 65536).

    Row j maps the little-endian 16-bit word at bytes (2j, 2j+1) to its CRC contribution.
    """
    per_byte = np.empty((length, 256), dtype=np.uint16)
    contribution = _TABLE.astype(np.uint32)
    per_byte[length - 1] = contribution
    for position in range(length - 2, -1, -1):
        contribution = _advance_zero_byte(contribution)
        per_byte[position] = contribution
    word = np.arange(65536)
    low, high = word & 0xFF, word >> 8
    return np.stack([per_byte[2 * j][low] ^ per_byte[2 * j + 1][high] for j in range(length // 2)])


@lru_cache(maxsize=64)
def _init_term(init: int, length: int) -> int:
    """CRC of ``length`` zero bytes starting from ``init``: the part independent of the data."""
    return binascii.crc_hqx(bytes(length), init)


def crc16_rows(rows: npt.NDArray[np.uint8], init: int = CRC_INIT) -> npt.NDArray[np.uint16]:
    """CRC-16/CCITT-FALSE of every row of a (n_rows, length) uint8 array.

    ``length`` must be even (every sample payload is). Rows may be a column slice of a larger
    array; no copy is made when the bytes of a row are contiguous. Equals ``crc16(row, init)``.
    """
    n_rows, length = rows.shape
    if length % 2:
        raise ValueError("crc16_rows needs an even row length")
    if length == 0:
        return np.full(n_rows, init, dtype=np.uint16)
    if n_rows < MIN_TABLE_ROWS or length > MAX_TABLE_LENGTH:
        flat = memoryview(np.ascontiguousarray(rows).tobytes())
        crc_hqx = binascii.crc_hqx
        return np.fromiter(
            (crc_hqx(flat[i * length : (i + 1) * length], init) for i in range(n_rows)),
            dtype=np.uint16,
            count=n_rows,
        )
    result = np.full(n_rows, _init_term(init, length), dtype=np.uint16)
    tables = _word_tables(length)
    if rows.strides[-1] != 1:
        rows = np.ascontiguousarray(rows)
    words = rows.view("<u2")
    n_words = length // 2
    if n_rows * n_words <= 65536:
        # a small batch: one gather over all words at once (fewest numpy calls)
        return result ^ np.bitwise_xor.reduce(tables[np.arange(n_words), words], axis=1)
    # a large batch: column by column, so each table stays in cache while it is used
    for j in range(n_words):
        result ^= tables[j][words[:, j]]
    return result
