"""The recording container under damage, field by field: a bit flipped in every header field of
every kind of record (MCAP's and ours), and bytes inserted, deleted or zeroed anywhere. Each
case asserts that the file opens, that no frame is invented or moved, that no more frames are
lost than the blocks the damage touches hold, and that a result that changed says so in its
problems (nothing changes in silence).

The recording: two links (a left and a right insole, 6 sensors at 200 Hz, 10 s each), flushed
four times a second, with session metadata, DEVICE_INFO records and events; its records are
walked by their MCAP layout (opcode u8, length u64; https://mcap.dev/spec) and the fields of
each are listed below."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from firmware_protocol import Side
from pressure.io.load import load
from pressure.model import Session

from .damage import (
    PER_BLOCK,
    RATE,
    SECONDS,
    damaged_copy,
    flip_cases,
    record_fields,
    side_info,
    write_two_links,
)


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Session]:
    path = write_two_links(tmp_path_factory.mktemp("damage") / "walk.insole")
    return path, load(path)


@dataclass
class Outcome:
    """How a damaged recording's session compares with the whole one's."""

    lost: dict[str, int]  # frames a foot
    phantom: int  # frames that are none of the whole's at their time with their values
    shift_s: float  # the largest time difference of a kept frame
    raw_units: bool  # a foot came out in raw units (both copies of its DEVICE_INFO lost)
    mass: object  # the subject's body mass as read
    reported: bool  # a problem says the file is damaged

    whole_mass: object  # the whole file's

    @property
    def changed(self) -> bool:
        return (
            any(self.lost.values())
            or self.shift_s > 1e-9
            or self.raw_units
            or self.mass != self.whole_mass
        )


def measure(got: Session, whole: Session, scale: float = 0.5) -> Outcome:
    """Compare ``got`` (from a damaged copy) with ``whole``; ``scale``: the devices' value
    scale (what a foot in raw units is off by)."""
    lost, phantom, shift, raw = {}, 0, 0.0, False
    for side, full in whole.feet.items():
        foot = got.feet.get(side)
        if foot is None:
            lost[side] = full.n_frames
            continue
        lost[side] = full.n_frames - foot.n_frames
        index = np.minimum(np.searchsorted(full.time_s, foot.time_s - 1e-3), full.n_frames - 1)
        shift = max(shift, float(np.abs(full.time_s[index] - foot.time_s).max(initial=0.0)))
        expected = full.values[index]
        if foot.unit != full.unit:
            raw |= foot.unit == "raw"
            expected = expected / scale
        far = np.abs(full.time_s[index] - foot.time_s) >= 1e-3
        phantom += int(np.count_nonzero(far | np.any(expected != foot.values, axis=1)))
    return Outcome(
        lost,
        phantom,
        shift,
        raw,
        got.metadata.get("subject", {}).get("body_mass_kg"),
        any("damaged" in p for p in got.problems),
        whole.metadata.get("subject", {}).get("body_mass_kg"),
    )


def _check(damaged_path: Path, whole: Session, blocks: int, case: str) -> None:
    """The damaged file opens; every frame is one of the whole file's at its time with its
    values (in raw units when damage took both the stream's DEVICE_INFO and the recorder's
    copy of it, which is said); at most ``blocks`` blocks a foot (and one frame) are lost; a
    changed result says it is damaged; the subject's fields are the whole's or absent, never
    another value."""
    got = measure(load(damaged_path), whole, side_info(Side.LEFT).scale)
    assert got.phantom == 0 and got.shift_s < 1e-3, (case, got)
    assert all(0 <= n <= blocks * PER_BLOCK + 1 for n in got.lost.values()), (case, got)
    assert got.mass in (None, 71.5), (case, got)
    assert got.reported or not got.changed, (case, got)


def test_the_recording_under_test_is_whole(recording: tuple[Path, Session]) -> None:
    path, whole = recording
    assert whole.feet["left"].n_frames == whole.feet["right"].n_frames == RATE * SECONDS
    assert not whole.problems
    names = {name.rsplit(" ", 1)[0] for name, _ in record_fields(path.read_bytes())}
    assert {"header", "channel", "message", "metadata", "data end", "footer"} <= names


def test_a_flipped_bit_in_any_header_field(recording: tuple[Path, Session], tmp_path: Path) -> None:
    """Every field of every kind of record, its lowest and its highest bit: a flip costs at
    most the block it sits in (a record length that now spans the next record: two), and
    moves no frame in time."""
    path, whole = recording
    raw = path.read_bytes()
    cases = flip_cases(raw)
    assert len(cases) > 100
    target = tmp_path / "flipped.insole"
    for case, at, bit in cases:
        damaged = bytearray(raw)
        damaged[at] ^= 1 << bit
        target.write_bytes(bytes(damaged))
        _check(target, whole, 2, case)


@pytest.mark.parametrize("kind", ["insert", "delete", "zero"])
def test_bytes_inserted_deleted_or_zeroed_anywhere(
    recording: tuple[Path, Session], tmp_path: Path, kind: str
) -> None:
    """1-16 bytes inserted or deleted, or a 4 KiB page zeroed, at 40 places spread over the
    file (a fixed seed): the blocks touched are lost, nothing else."""
    path, whole = recording
    raw = path.read_bytes()
    rng = np.random.default_rng(17)
    target = tmp_path / "damaged.insole"
    for at in rng.integers(8, len(raw) - 5000, 40).tolist():
        target.write_bytes(damaged_copy(raw, kind, at, rng))
        # a zeroed page spans two or three blocks of one link; their neighbours stay whole
        _check(target, whole, 4 if kind == "zero" else 2, f"{kind} at {at}")


def test_a_change_no_record_checks_is_found_by_the_data_section_crc(
    recording: tuple[Path, Session], tmp_path: Path
) -> None:
    """A flipped bit in a message's publish time changes no frame, but MCAP's data-section
    CRC (written by the recorder, checked while reading) says that the file was changed."""
    path, _ = recording
    raw = path.read_bytes()
    case, at, bit = next(c for c in flip_cases(raw) if c[0] == "message 2: publish time bit 0")
    damaged = bytearray(raw)
    damaged[at] ^= 1 << bit
    target = tmp_path / "changed.insole"
    target.write_bytes(bytes(damaged))
    got = load(target)
    assert any("data section's CRC fails" in p for p in got.problems), (case, got.problems)
    assert not any("damaged" in p for p in load(path).problems)
