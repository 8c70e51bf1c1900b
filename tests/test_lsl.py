"""The Lab Streaming Layer (``pressure.lsl``, ``record --lsl``, ``record --lsl-markers``,
``analyze --between-markers``).

First with the time passed in and a stand-in for pylsl (``FakeLSL``, what the publisher calls of
it): the live clock is the recording's alignment, the live event detector finds the analysis'
events, the publisher's streams carry every frame with the recording's time stamps and its
markers the analysis' events. Then the real thing, as a user runs it: the simulator on a
pseudo-terminal, ``pressure record --lsl`` and an LSL peer (``lsl_peer.py``) as processes of
their own, LSL outlets and inlets on this machine, loopback only.

liblsl reads its configuration once per process, the first time it is used: every process that
loads it here gets ``LSLAPICFG`` (the loopback configuration the fixture writes) in its
environment from the start, and this process never loads it.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from firmware_protocol import AutoDecoder, DeviceInfo
from pressure.analysis import analyze
from pressure.cli import main
from pressure.io.load import load
from pressure.io.recording import RecordingWriter, align_clock, read_recording
from pressure.lsl import LiveClock, LiveEvents, Publisher, force_unit, frame_load
from pressure.simulator import GaitSignal, SyntheticGait
from pressure.simulator.device import VirtualInsole
from pressure.sources.serial_source import Received

from .conftest import simulated_session
from .lsl_peer import LOOPBACK_CONFIG

HERE = Path(__file__).resolve().parent
PRESSURE = [sys.executable, "-m", "pressure"]
PEER = [sys.executable, str(HERE / "lsl_peer.py")]


# -- a stand-in for pylsl: what the publisher calls of it --------------------------------------


class FakeNode:
    """An XML element of a stream's ``desc``."""

    def __init__(self, name: str = "desc") -> None:
        self.element = ET.Element(name)

    def append_child(self, name: str) -> FakeNode:
        child = FakeNode(name)
        self.element.append(child.element)
        return child

    def append_child_value(self, name: str, value: str) -> FakeNode:
        ET.SubElement(self.element, name).text = value
        return self


class FakeInfo:
    def __init__(self, name: str, kind: str, channels: int, rate: float, fmt: str, source: str):
        self._name, self.kind, self.channels, self.rate = name, kind, channels, rate
        self.format, self.source, self._desc = fmt, source, FakeNode()

    def desc(self) -> FakeNode:
        return self._desc

    def name(self) -> str:
        return self._name


class FakeOutlet:
    def __init__(self, info: FakeInfo) -> None:
        self.info = info
        self.samples: list[list[Any]] = []
        self.stamps: list[float] = []

    def push_chunk(self, x: Any, timestamp: list[float]) -> None:
        assert len(x) == len(timestamp) and np.shape(x)[1] == self.info.channels
        self.samples += np.asarray(x).tolist()
        self.stamps += list(timestamp)

    def push_sample(self, x: list[Any], timestamp: float) -> None:
        self.samples.append(x)
        self.stamps.append(timestamp)

    def have_consumers(self) -> bool:
        return False

    def wait_for_consumers(self, timeout: float) -> bool:
        return True

    def get_info(self) -> FakeInfo:
        return self.info


class FakeLSL:
    IRREGULAR_RATE = 0.0
    StreamInfo = FakeInfo
    outlets: dict[str, FakeOutlet]

    def __init__(self) -> None:
        self.outlets = {}

    def StreamOutlet(self, info: FakeInfo) -> FakeOutlet:  # pylsl's name
        outlet = FakeOutlet(info)
        self.outlets[info.name()] = outlet
        return outlet

    @staticmethod
    def local_clock() -> float:
        return time.monotonic()


# -- the live clock and the live events --------------------------------------------------------


@pytest.mark.parametrize("seconds", [20.0, 90.0])
def test_the_live_clock_ends_where_the_recordings_alignment_is(seconds: float) -> None:
    """Fed frames read by read, the live clock's map ends as the recording's (``align_clock``)
    on the same frames, to 10 µs (it refits once a window of device time, not at every read):
    the offset alone under 30 s, the offset and a 50 ppm drift beyond."""
    rng = np.random.default_rng(1)
    rate = 200.0
    device_s = 1234.5 + np.arange(round(seconds * rate)) / rate
    sent_s = 17.0 + device_s * (1 + 50e-6)  # the host's time when the device stamped each
    # a read every 1-8 ms takes what has come, late by a wait of the operating system's
    arrived_s = np.empty_like(device_s)
    reads = []
    at, now = 0, float(sent_s[0])
    while at < device_s.size:
        now += float(rng.uniform(0.001, 0.008)) + float(rng.exponential(0.0005))
        n = int(np.searchsorted(sent_s, now, side="right")) - at
        if n > 0:
            arrived_s[at : at + n] = now
            reads.append((at, n, now))
            at += n
    clock = LiveClock()
    for at, n, now in reads:
        clock.add(device_s[at : at + n], now)
    offset, slope = align_clock(device_s, arrived_s)
    live = clock.host_s(device_s)
    assert np.abs(live - (offset + slope * device_s)).max() < 1e-5
    assert (slope == 1.0) == (seconds < 30) and (clock.slope == 1.0) == (seconds < 30)


@pytest.mark.parametrize(
    ("rate", "seconds", "drop"),
    [(1000.0, 30.0, 0.0), (100.0, 60.0, 0.0), (100.0, 60.0, 0.005)],
)
def test_live_events_are_the_analysis_events(rate: float, seconds: float, drop: float) -> None:
    """Frames fed in reads of a few at a time, the detector run every second of them: every
    heel strike and toe off the analysis finds, at the same frame, and nothing else (with
    frames dropped too: a gap of two frames or fewer moves nothing)."""
    gait = SyntheticGait(seconds=seconds, rate_hz=rate, seed=7, drop_fraction=drop)
    session = simulated_session(gait)
    steps = analyze(session).steps
    rng = np.random.default_rng(2)
    for side, foot in session.feet.items():
        load = frame_load(foot.values, foot.unit, foot.layout)[0]
        unit = force_unit(foot.unit, foot.layout)
        live = LiveEvents(rate, physical_zero=True, unit_is_newton=unit == "n")
        found = []
        at, next_run = 0, foot.time_s[0] + 1.0
        while at < foot.n_frames:
            n = int(rng.integers(1, int(3 * rate / 100) + 2))
            live.add(foot.time_s[at : at + n], load[at : at + n])
            at += n
            if foot.time_s[min(at, foot.n_frames) - 1] >= next_run:
                found += live.events()
                next_run += 1.0
        found += live.events(final=True)
        mine = steps[steps.side == side]
        for kind, column in (("heel_strike", "heel_strike_s"), ("toe_off", "toe_off_s")):
            times = [e.time_s for e in found if e.kind == kind]
            assert times == sorted(mine[column].tolist()), (side, kind)
        assert len(mine) >= seconds / 1.3  # a walk: a step every 1.1 s at 110 steps/min


# -- the publisher, time passed in --------------------------------------------------------------


def _stream(
    device: VirtualInsole, seconds: float, seed: int
) -> Iterator[tuple[int, bytes, list[Any]]]:
    """The device's bytes read every 1-8 ms of passed-in time for ``seconds`` after START, with
    what they decode to: (host_ns, bytes, messages). A read takes some of what has come, cut
    anywhere (within a frame, between the two feet of an instant), as a serial read does; the
    reads of the first second wait 12, 8, then 4 ms more (a machine busy as the recording
    starts), so that the live clock learns on the way."""
    from firmware_protocol import Command, CommandCode, encode

    rng = np.random.default_rng(seed)
    decoder = AutoDecoder()
    now = 10.0
    yield int(now * 1e9), device.boot_bytes, decoder.feed(device.boot_bytes)
    answer = device.receive(encode(Command(CommandCode.START)), now)
    yield int(now * 1e9), answer, decoder.feed(answer)
    end = now + seconds
    pending = b""
    while now < end or pending:
        now += float(rng.uniform(0.001, 0.008))
        pending += device.due(now)
        if pending:
            cut = len(pending) if now >= end else int(rng.integers(1, len(pending) + 1))
            data, pending = pending[:cut], pending[cut:]
            slow = 0.012 if now < 10.3 else 0.008 if now < 10.6 else 0.004 if now < 11.0 else 0
            arrived = now + slow + float(rng.exponential(0.0003))
            yield int(arrived * 1e9), data, decoder.feed(data)


def test_the_publisher_sends_every_frame_with_the_recordings_times_and_its_events(
    tmp_path: Path,
) -> None:
    """A virtual insole at 1 kHz read with the time passed in, each read handed both to a
    recording and to the publisher (as ``record --lsl`` does): each foot's stream holds every
    frame with the values ``load`` gives, stamped with the recording's time; the forces
    stream a pair of frames per instant with the analysis' force and CoP; the markers are the
    analysis' events, at the same times."""
    gait = SyntheticGait(seconds=25.0, rate_hz=1000.0, seed=11)
    device = VirtualInsole(GaitSignal(gait), now_s=9.0)
    info: DeviceInfo = device.info()
    lsl = FakeLSL()
    notes: list[str] = []
    publisher = Publisher(lsl, [("pty", "both")], name="t", on_note=notes.append, offset_s=100.0)  # type: ignore[arg-type]
    out = tmp_path / "walk.insole"
    writer = RecordingWriter(out, start_ns=0)
    link = writer.add_link("pty", "both")
    writer.device(link, info)
    publisher.connected(0, info)
    publisher.ready()
    publisher._stop.set()  # the detector runs here, at passed-in times, not on its thread
    next_run = 11.0
    for host_ns, data, messages in _stream(device, 25.0, seed=3):
        writer.received(link, data, host_ns)
        publisher.received(0, Received(host_ns, data, messages))
        if host_ns / 1e9 >= next_run:
            with publisher._lock:
                publisher._emit(final=False)
            next_run += 1.0
    publisher.close()
    writer.close()
    assert "t-left (16 sensors, kPa, 1000 Hz)" in notes[0]

    session = load(out)
    result = analyze(session)
    for side, foot in session.feet.items():
        outlet = lsl.outlets[f"t-{side}"]
        assert foot.n_frames == gait.n_frames
        np.testing.assert_array_equal(np.array(outlet.samples), foot.values.astype(np.float32))
        stamps = np.array(outlet.stamps) - 100.0
        late = stamps - foot.time_s
        # the live clock knows less than the whole recording's fit, never more: under 30 s
        # (the offset alone) its stamps are at or after the recording's times
        assert late.min() > -1e-9
        # late by what the clock had yet to learn: up to the slow start's 12 ms and more at
        # first; after 5 s, by less than 0.1 ms (here 0.044: a quicker read came later)
        assert late.max() < 0.03
        assert late[foot.time_s > foot.time_s[0] + 5].max() < 1e-4
    forces = lsl.outlets["t-forces"]
    assert len(forces.samples) == gait.n_frames
    cop = result.cop
    values = np.array(forces.samples, dtype=float)
    for k, side in enumerate(("left", "right")):
        mine = cop[cop.side == side]
        np.testing.assert_allclose(values[:, 3 * k], mine["load_n"], rtol=1e-6)
        np.testing.assert_allclose(values[:, 3 * k + 1], mine["cop_ml_mm"], atol=1e-4)
        np.testing.assert_allclose(values[:, 3 * k + 2], mine["cop_ap_mm"], atol=1e-4)
    markers = lsl.outlets["t-events"]
    got = sorted(
        (label[0], stamp - 100.0)
        for label, stamp in zip(markers.samples, markers.stamps, strict=True)
    )
    expected = sorted(
        (f"{row.side}_{kind}", getattr(row, f"{kind}_s"))
        for row in result.steps.itertuples()
        for kind in ("heel_strike", "toe_off")
    )
    assert [label for label, _ in got] == [label for label, _ in expected]
    errors = np.abs(np.array([t for _, t in got]) - np.array([t for _, t in expected]))
    assert errors.max() < 1.0 / gait.rate_hz  # within one sample (in fact the same frame)
    print(f"publisher: {len(got)} markers, largest error {errors.max() * 1e3:.6f} ms")


def test_two_links_are_paired_by_time_and_a_lost_frame_is_nan() -> None:
    """Two one-foot devices on two links, their clocks apart: ``NAME-forces`` pairs the frames
    of the same instant; a frame that one foot lost leaves its half NaN."""
    lsl = FakeLSL()
    publisher = Publisher(lsl, [("a", "left"), ("b", "right")], offset_s=0.0)  # type: ignore[arg-type]
    gait = SyntheticGait(seconds=2.0, rate_hz=100.0, seed=1)
    devices = [
        VirtualInsole(GaitSignal(gait, side), now_s=boot) for side, boot in ((0, 3.0), (1, 7.5))
    ]
    for k, device in enumerate(devices):
        publisher.connected(k, device.info())
    publisher.ready()
    publisher._stop.set()
    from firmware_protocol import Command, CommandCode, encode

    decoders = [AutoDecoder(), AutoDecoder()]
    for device, decoder in zip(devices, decoders, strict=True):
        decoder.feed(device.boot_bytes + device.receive(encode(Command(CommandCode.START)), 10.0))
    now = 10.0
    while now < 12.5:
        now += 0.01
        for k, (device, decoder) in enumerate(zip(devices, decoders, strict=True)):
            data = device.due(now)
            messages = decoder.feed(data)
            if k == 1 and abs(now - 11.0) < 0.005:
                # the right foot's frames of this read never come
                messages = [m for m in messages if not hasattr(m, "values")]
            publisher.received(k, Received(int((now + 0.002 * k) * 1e9), data, messages))
    publisher.close()
    forces = np.array(lsl.outlets["pressure-forces"].samples, dtype=float)
    lone = np.isnan(forces[:, 3])
    assert len(forces) == gait.n_frames and 1 <= lone.sum() <= 2
    assert not np.isnan(forces[:, 0]).any()


# -- the real thing: processes, LSL on loopback ----------------------------------------------


@pytest.fixture
def lsl_env(tmp_path: Path) -> dict[str, str]:
    """The environment of every process that loads liblsl: ``LSLAPICFG`` names the loopback
    configuration, with a session id of this test's own."""
    assert "pylsl" not in sys.modules, "this process must not load liblsl (module docstring)"
    config = tmp_path / "lsl_api.cfg"
    config.write_text(LOOPBACK_CONFIG.replace("SESSION", f"pressure-test-{uuid.uuid4().hex}"))
    return {**os.environ, "LSLAPICFG": str(config)}


class Running:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.procs: list[subprocess.Popen[str]] = []

    def start(self, *argv: str, stdin: int | None = None) -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            argv,
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
            env=self.env,
        )
        self.procs.append(proc)
        return proc

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
            if proc.stdin is not None and proc.stdin.closed:
                proc.stdin = None  # communicate would flush it
            proc.communicate()


@pytest.fixture
def running(lsl_env: dict[str, str]) -> Iterator[Running]:
    r = Running(lsl_env)
    yield r
    r.stop()


def _line(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None
    return proc.stdout.readline().strip()


def _channels(xml: str) -> list[dict[str, Any]]:
    root = ET.fromstring(xml)
    out = []
    for channel in root.iter("channel"):
        location = channel.find("location")
        out.append(
            {
                "label": channel.findtext("label"),
                "unit": channel.findtext("unit"),
                "type": channel.findtext("type"),
                "xy": None
                if location is None
                else (
                    float(location.findtext("X") or "nan"),
                    float(location.findtext("Y") or "nan"),
                ),
            }
        )
    return out


#: a rate a 2-core machine busy with other work sustains with nothing lost; 1 kHz (the rate
#: the README states for ``record --lsl``) is measured by ``benchmarks/bench_record.py --lsl``
RATE = 250.0
SECONDS = 10.0


def test_record_lsl_publishes_every_frame_its_metadata_and_the_analysis_events(
    running: Running, lsl_env: dict[str, str], tmp_path: Path
) -> None:
    """A simulated 250 Hz walk recorded with ``--lsl``, an LSL peer subscribed before the
    device starts (``--lsl-wait-s``): every frame arrives, with the recording's values; the
    channel metadata reads back (labels, units, sensor positions in the foot frame); the gait
    markers are the analysis' events of the recording, within one sample."""
    sim = running.start(
        *PRESSURE,
        "simulate",
        "--pty",
        "--rate",
        str(RATE),
        "--seconds",
        str(SECONDS),
        "--seed",
        "3",
    )
    path = _line(sim)
    out = tmp_path / "walk.insole"
    name = "t" + uuid.uuid4().hex[:8]
    rec = running.start(
        *PRESSURE, "record", path, "-o", str(out), "--lsl", "--lsl-name", name,
        "--lsl-wait-s", "120", "--seconds", "300",
    )  # fmt: skip
    streams = [f"{name}-{s}" for s in ("left", "right", "forces", "events")]
    peer_out = tmp_path / "peer.json"
    peer = running.start(*PEER, "subscribe", str(peer_out), *streams, stdin=subprocess.PIPE)
    assert _line(peer) == "ready"
    # the simulator ends its stream, then exits 5 s later: the recording ends by itself
    _, err = rec.communicate(timeout=240)
    assert rec.returncode == 0, err
    assert peer.stdin is not None
    peer.stdin.close()
    assert peer.wait(timeout=60) == 0
    assert f"Configuration loaded from {lsl_env['LSLAPICFG']}" in err  # liblsl's own line
    got = json.loads(peer_out.read_text())

    gait = SyntheticGait(seconds=SECONDS, rate_hz=RATE, seed=3)
    session = load(out)
    t0 = session.metadata["session"]["lsl"]["time_at_start_s"]
    for side, foot in session.feet.items():
        stream = got[f"{name}-{side}"]
        samples = np.array(stream["samples"])
        # every frame the simulator sent, in the recording and through LSL
        assert foot.n_frames == gait.n_frames == len(samples), session.quality
        np.testing.assert_array_equal(samples, foot.values.astype(np.float32))
        late = np.array(stream["timestamps"]) - t0 - foot.time_s
        assert late.min() > -1e-6 and np.median(late) < 1e-3
        channels = _channels(stream["xml"])
        assert [c["label"] for c in channels] == [f"{side}_{k + 1}" for k in range(16)]
        assert {c["unit"] for c in channels} == {"kPa"} and {c["type"] for c in channels} == {
            "Pressure"
        }
        assert foot.layout is not None
        np.testing.assert_allclose(
            [c["xy"] for c in channels], np.c_[foot.layout.x_mm, foot.layout.y_mm]
        )
        root = ET.fromstring(stream["xml"])
        assert root.findtext("desc/coordinates/X") == "medial (both feet)"
        assert root.findtext("desc/acquisition/serial_number") == f"{gait.info().device_id:08x}"
        assert float(root.findtext("nominal_srate") or 0) == RATE
    forces = got[f"{name}-forces"]
    assert len(forces["samples"]) == gait.n_frames
    assert [c["label"] for c in _channels(forces["xml"])] == [
        f"{side}_{what}"
        for side in ("left", "right")
        for what in ("force_n", "cop_ml_mm", "cop_ap_mm")
    ]
    events = got[f"{name}-events"]
    steps = analyze(session).steps
    assert len(events["samples"]) == 2 * len(steps) > 0
    worst = 0.0
    for side in ("left", "right"):
        mine = steps[steps.side == side]
        for kind in ("heel_strike", "toe_off"):
            stamps = sorted(
                t - t0
                for (label,), t in zip(events["samples"], events["timestamps"], strict=True)
                if label == f"{side}_{kind}"
            )
            errors = np.abs(np.array(stamps) - np.sort(mine[f"{kind}_s"].to_numpy()))
            assert errors.max() <= 1.0 / RATE, (side, kind, errors.max())
            worst = max(worst, float(errors.max()))
    arrived = sum(len(got[f"{name}-{side}"]["samples"]) for side in ("left", "right"))
    print(
        f"LSL: {arrived} frames of {2 * gait.n_frames} arrived; "
        f"{len(events['samples'])} markers, worst {worst * 1e3:.6f} ms"
    )


def test_record_lsl_markers_puts_another_apps_markers_in_the_events_and_cuts_trials(
    running: Running, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A marker stream of a test outlet, recorded with ``--lsl-markers``: each marker is in
    the recording's events at its own time stamp (sent 250 ms in the past, so that the time
    it arrived would be wrong), within 5 ms; ``analyze --between-markers`` analyses the trial
    between them."""
    name = "mocap" + uuid.uuid4().hex[:8]
    source = running.start(*PEER, "markers", name, stdin=subprocess.PIPE)
    assert _line(source) == "ready"
    sim = running.start(*PRESSURE, "simulate", "--pty", "--rate", "100", "--seconds", "60")
    path = _line(sim)
    out = tmp_path / "trial.insole"
    rec = running.start(*PRESSURE, "record", path, "-o", str(out), "--lsl-markers", name)
    assert _line(source) == "consumer"
    assert source.stdin is not None

    def push(label: str, ago_s: float) -> float:
        assert source.stdin is not None
        source.stdin.write(f"push {label} {ago_s}\n")
        source.stdin.flush()
        return float(_line(source))

    def wait_for(done: Any) -> None:
        deadline = time.monotonic() + 60
        while not done() and time.monotonic() < deadline and rec.poll() is None:
            time.sleep(0.1)

    def frames() -> int:
        try:
            return min(f.n_frames for f in load(out).feet.values())
        except Exception:  # not there yet, or caught between two writes
            return 0

    wait_for(lambda: frames() >= 100)
    sent = {"trial_start": push("trial_start", 0.25)}
    wait_for(lambda: frames() >= 450)
    sent["trial_end"] = push("trial_end", 0.0)

    def markers() -> list[dict[str, Any]]:
        try:
            return [e for e in read_recording(out).events if e.get("event") == "marker"]
        except Exception:
            return []

    wait_for(lambda: len(markers()) == 2)
    rec.send_signal(signal.SIGTERM)
    _, err = rec.communicate(timeout=30)
    assert rec.returncode == 0, err
    assert re.search(rf"2 markers of '{name}' recorded", err), err

    session = load(out)
    t0 = session.metadata["session"]["lsl"]["time_at_start_s"]
    recorded = {
        e["label"]: e for e in session.metadata["recording"]["events"] if e["event"] == "marker"
    }
    for label, stamp in sent.items():
        error_s = recorded[label]["time_s"] - (stamp - t0)
        assert abs(error_s) < 0.005, (label, error_s)
        assert recorded[label]["stream"] == name and recorded[label]["lsl_time_s"] == stamp
    with capsys.disabled():
        print(
            "markers: "
            + ", ".join(
                f"{k} {(recorded[k]['time_s'] - (v - t0)) * 1e3:+.3f} ms" for k, v in sent.items()
            )
        )
    capsys.readouterr()
    assert (
        main(["analyze", str(out), "--between-markers", "trial_start", "trial_end", "--json"]) == 0
    )
    summary = json.loads(capsys.readouterr().out)
    assert summary["window_s"] == [
        recorded["trial_start"]["time_s"],
        recorded["trial_end"]["time_s"],
    ]
    assert main(["analyze", str(out), "--between-markers", "trial_start", "nope"]) == 1
    assert "no marker 'nope' after the marker 'trial_start'" in capsys.readouterr().err
    assert main(["analyze", str(out), "--between-markers", "a", "b", "--start-s", "1"]) == 2


def test_pressure_lsl_publishes_without_recording(running: Running, tmp_path: Path) -> None:
    """``pressure lsl DEVICE``: the same streams, no file; its last line says what it
    published, which is what the peer got."""
    sim = running.start(*PRESSURE, "simulate", "--pty", "--rate", "200", "--seconds", "60")
    path = _line(sim)
    name = "t" + uuid.uuid4().hex[:8]
    publisher = running.start(
        *PRESSURE, "lsl", path, "--lsl-name", name, "--lsl-wait-s", "120", "--seconds", "4"
    )
    peer_out = tmp_path / "peer.json"
    streams = [f"{name}-{s}" for s in ("left", "right", "forces", "events")]
    peer = running.start(*PEER, "subscribe", str(peer_out), *streams, stdin=subprocess.PIPE)
    assert _line(peer) == "ready"
    _, err = publisher.communicate(timeout=120)
    assert publisher.returncode == 0, err
    assert peer.stdin is not None
    peer.stdin.close()
    assert peer.wait(timeout=60) == 0
    last = re.findall(r"published (\d+) left and (\d+) right frames", err)[-1]
    got = json.loads(peer_out.read_text())
    assert [len(got[f"{name}-{side}"]["samples"]) for side in ("left", "right")] == [
        int(n) for n in last
    ]
    # it stopped after about 4 s of the device's 60. How many frames 4 s of wall time hold
    # depends on how soon a busy machine gets the stream going (789 of 800 were seen with two
    # CPU hogs beside the suite), so the count is bounded, not fixed; that every frame the
    # device sends is published is test_record_lsl_publishes_every_frame_...'s check
    for n in last:
        assert 200 <= int(n) <= 5 * 200
    assert list(tmp_path.glob("*.insole")) == []
