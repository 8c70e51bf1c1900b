"""Hypothesis strategies for protocol messages and streams."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from firmware_protocol import Command, CommandCode, DeviceInfo, SampleFrame, Status

u16 = st.integers(0, 0xFFFF)
u32 = st.integers(0, 0xFFFFFFFF)
#: values a payload must carry like any other: 0, the largest, the sign bit's neighbours, and
#: the sync word's two bytes in either order (0x5AA5 is "a5 5a" little-endian)
EDGE_U16 = (0, 1, 0x7FFF, 0x8000, 0xFFFE, 0xFFFF, 0x5AA5, 0xA55A)


@st.composite
def u16_values(draw: st.DrawFn, n: int) -> list[int]:
    """``n`` uint16 values drawn as one block of bytes (value by value, the drawing took most of
    the property tests' time), with up to 8 of them set to edge values (``EDGE_U16``), which
    random bytes seldom give."""
    values = np.frombuffer(draw(st.binary(min_size=2 * n, max_size=2 * n)), "<u2").copy()
    edges = st.tuples(st.integers(0, max(n - 1, 0)), st.sampled_from(EDGE_U16))
    for index, value in draw(st.lists(edges, max_size=min(n, 8))):
        values[index] = value
    return values.tolist()


@st.composite
def sample_frames(draw: st.DrawFn, n_values: int | None = None) -> SampleFrame:
    n = draw(st.integers(1, 1100)) if n_values is None else n_values
    values = draw(u16_values(n))
    return SampleFrame(
        seq=draw(u16),
        side=draw(st.sampled_from([0, 1])),
        t_us=draw(u32),
        values=tuple(values),
        flags=draw(st.integers(0, 255)),
    )


float32 = st.floats(width=32, allow_nan=False, allow_infinity=False)
# a receiver reads an f32 scale as the shortest decimal that is that f32 (PROTOCOL.md §4.1)
f32_scale = float32.map(lambda x: float(str(np.float32(x))))

device_infos = st.builds(
    DeviceInfo,
    device_id=u32,
    firmware_version=st.tuples(st.integers(0, 255), st.integers(0, 255), u16),
    side=st.sampled_from([0, 1, 2, 255]),
    sensor_count=st.integers(1, 4096),
    layout=st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=64),
    rate_hz=st.integers(0, 0xFFFFFFFF).map(lambda mhz: mhz / 1000),
    unit=st.integers(0, 3),
    adc_bits=st.integers(0, 16),
    scale=f32_scale,
)

statuses = st.builds(
    Status,
    code=u16,
    severity=st.integers(0, 2),
    command=st.integers(0, 255),
    t_us=u32,
    text=st.text(max_size=16),
)

commands = st.one_of(
    st.builds(Command, command=st.sampled_from([c for c in CommandCode if c != 4])),
    st.builds(
        Command,
        command=st.just(CommandCode.SET_RATE),
        rate_hz=st.integers(0, 0xFFFFFFFF).map(lambda mhz: mhz / 1000),
    ),
)


@st.composite
def sample_streams(draw: st.DrawFn, max_frames: int = 60) -> list[SampleFrame]:
    """A clean run of samples: one or two feet, consecutive sequence numbers, rising time."""
    n_values = draw(st.integers(1, 40))
    n_frames = draw(st.integers(1, max_frames))
    two_feet = draw(st.booleans())
    seq0 = draw(u16)
    t0 = draw(u32)
    period = draw(st.integers(100, 20000))
    all_values = draw(u16_values(n_frames * n_values))
    frames = []
    for i in range(n_frames):
        side = i % 2 if two_feet else 0
        k = i // 2 if two_feet else i
        values = tuple(all_values[i * n_values : (i + 1) * n_values])
        frames.append(
            SampleFrame(
                seq=(seq0 + k) % 65536, side=side, t_us=(t0 + k * period) % 2**32, values=values
            )
        )
    return frames
