"""``pressure view``: the command run as a user runs it (a subprocess printing its address), the
page opened in headless Chromium (Debian's ``chromium``, driven by playwright as in
``test_report.py``); live from ``pressure simulate --pty``. Waits are for states the page shows
(a frame index, a snapshot count), with generous timeouts, never for a rate."""

from __future__ import annotations

import datetime as dt
import re
import selectors
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pressure.cli import main
from pressure.io.load import load
from pressure.view.live import new_recording_path
from pressure.view.replay import ReplayData, nice_ceiling
from pressure.view.server import content_security_policy, is_loopback

from .conftest import ROOT

PRESSURE = [sys.executable, "-m", "pressure"]
WALK = str(ROOT / "sample_data" / "walk_normal.insole")
TIMEOUT_MS = 60_000  # a loaded two-core machine


def _line(proc: subprocess.Popen[str], timeout_s: float = 60.0) -> str:
    """The next line of the process's stdout, or fail after ``timeout_s``."""
    assert proc.stdout is not None
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        if not sel.select(timeout_s):
            proc.kill()
            pytest.fail(f"no line from {proc.args!r} within {timeout_s} s: {proc.communicate()}")
    return proc.stdout.readline()


class Processes:
    def __init__(self) -> None:
        self.running: list[subprocess.Popen[str]] = []

    def start(self, *argv: str) -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            [*PRESSURE, *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1
        )
        self.running.append(proc)
        return proc

    def view(self, *argv: str) -> tuple[subprocess.Popen[str], str]:
        proc = self.start("view", *argv, "--no-browser")
        line = _line(proc)
        found = re.search(r"(http://\S+)", line)
        assert found, (line, proc.poll())
        return proc, found.group(1)

    def simulator(self, *args: str) -> str:
        proc = self.start("simulate", "--pty", *args)
        path = _line(proc).strip()
        assert path.startswith("/dev/"), path
        return path

    def stop(self) -> None:
        for proc in reversed(self.running):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.communicate(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.communicate()


@pytest.fixture
def procs() -> Iterator[Processes]:
    p = Processes()
    yield p
    p.stop()


def _origin(url: str) -> str:
    found = re.match(r"(http://[^/]+)", url)
    assert found
    return found.group(1)


def _watch(page: Any) -> list[str]:
    """Every URL the page asks for (requests and WebSockets)."""
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url))
    page.on("websocket", lambda ws: seen.append(ws.url))
    return seen


def _wait(page: Any, expression: str, timeout_s: float = TIMEOUT_MS / 1000) -> None:
    """Until ``expression`` is true in the page. Polled with ``evaluate`` (DevTools, which
    the page's CSP does not govern): playwright's ``wait_for_function`` evaluates a string,
    which the CSP forbids, as it should."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            pytest.fail(f"not within {timeout_s} s: {expression}")
        time.sleep(0.1)


def _canvas(page: Any) -> str:
    return str(page.evaluate("document.getElementById('maps').toDataURL()"))


def _frame(page: Any) -> int:
    return int(page.inner_text("#frame-index"))


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


# -- replay ------------------------------------------------------------------------------------
def test_replay_page_plays_pauses_steps_seeks_and_asks_only_its_server(
    procs: Processes, browser: Any
) -> None:
    _, url = procs.view(WALK)
    origin = _origin(url)
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    seen = _watch(page)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    response = page.goto(url, wait_until="load")
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "img-src 'self' data:" in policy
    _wait(page, "document.body.dataset.frame === '0'")
    assert page.inner_text("#frame-count") == "2000"
    # the step table and the gait events on the timeline
    page.wait_for_selector("#steps tbody tr", timeout=TIMEOUT_MS)
    assert page.locator("#steps tbody tr").count() >= 30
    assert page.inner_text("#frames-lost") == "0" and page.inner_text("#crc-errors") == "0"
    assert page.inner_text("#rate-left") == "100"

    before = _canvas(page)
    page.click("#play")
    _wait(page, "Number(document.getElementById('frame-index').textContent) > 60")
    assert _canvas(page) != before  # the map redrew while playing
    cop = page.evaluate("document.body.dataset.copLeft")
    # the CoP moves: another loaded position than the one shown before
    _wait(page, f"!['', {cop!r}].includes(document.body.dataset.copLeft || '')")
    page.click("#play")  # pause
    _wait(page, "document.body.dataset.playing === '0'")
    paused = _frame(page)
    time.sleep(0.5)
    assert _frame(page) == paused

    page.evaluate(
        "(() => { const s = document.getElementById('seek'); s.value = '1500';"
        " s.dispatchEvent(new Event('input')); })()"
    )
    _wait(page, "document.body.dataset.frame === '1500'")
    assert page.inner_text("#time") == "15.00"
    page.click("#step-forward")
    _wait(page, "document.body.dataset.frame === '1501'")
    page.click("#step-back")
    page.click("#step-back")
    _wait(page, "document.body.dataset.frame === '1499'")
    assert "%" in page.inner_text("#share-left")
    assert page.inner_text("#rate-left") == "100"

    # steps so far and the cadence at this time, from the analysis' heel strikes
    assert int(page.inner_text("#steps-left")) >= 10
    assert 80 <= float(page.inner_text("#cadence")) <= 140

    page.select_option("#speed", "4")
    page.click("#play")
    _wait(page, "Number(document.getElementById('frame-index').textContent) > 1560")

    # a click on a step: its peak-pressure map and CoP path
    row = page.locator("#steps tbody tr").nth(6)
    side, number = row.locator("td").nth(0).inner_text(), row.locator("td").nth(1).inner_text()
    blank = page.evaluate("document.getElementById('step-map').toDataURL()")
    row.click()
    _wait(page, f"document.body.dataset.stepShown === '{side}:{number}'")
    assert page.evaluate("document.getElementById('step-map').toDataURL()") != blank
    assert "peak pressure" in page.inner_text("#step-title")
    page.close()
    assert not errors
    assert seen and all(u.startswith(origin) for u in seen), seen


def test_replay_server_refuses_other_hosts_and_serves_frames_by_range(procs: Processes) -> None:
    _, url = procs.view(WALK)
    status, headers, body = _get(url + "api/frames?start=1990&count=50")
    assert status == 200
    import json

    frames = json.loads(body)
    assert frames["start"] == 1990 and len(frames["time_s"]) == 10  # clipped at the end
    assert len(frames["feet"]["left"]["values"][0]) == 16
    assert "default-src 'self'" in headers["content-security-policy"]
    assert _get(url, {"Host": "attacker.example:80"})[0] == 403  # DNS rebinding
    assert _get(url.replace("127.0.0.1", "localhost"))[0] == 200


def test_off_loopback_the_address_carries_a_generated_token(procs: Processes) -> None:
    _, url = procs.view(WALK, "--host", "0.0.0.0")
    found = re.search(r"\?token=([\w-]{16,})$", url)
    assert found, url
    port = re.search(r":(\d+)/", url)
    assert port
    local = f"http://127.0.0.1:{port.group(1)}/"
    assert _get(local + f"?token={found.group(1)}")[0] == 200
    assert _get(local)[0] == 403
    assert _get(local + "api/meta?token=wrong")[0] == 403
    assert _get(local + "static/view.js")[0] == 200  # the package's own files, no data


# -- live --------------------------------------------------------------------------------------
def test_live_page_shows_the_insole_and_records_a_whole_file(
    procs: Processes, browser: Any, tmp_path: Path
) -> None:
    pty = procs.simulator("--rate", "100", "--cadence", "110")
    _, url = procs.view("--live", pty, "--out-dir", str(tmp_path))
    origin = _origin(url)
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    seen = _watch(page)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url, wait_until="load")
    _wait(
        page,
        "Number(document.body.dataset.snapshots || 0) > 5"
        " && document.getElementById('rate-left').textContent !== '0'"
        " && document.getElementById('share-left').textContent.includes('%')",
    )
    first = _canvas(page)
    _wait(page, f"document.getElementById('maps').toDataURL() !== {first!r}")
    # the CoP moves: a loaded foot's CoP shown, then another
    _wait(page, "(document.body.dataset.copLeft || '') !== ''")
    cop = page.evaluate("document.body.dataset.copLeft")
    _wait(page, f"!['', {cop!r}].includes(document.body.dataset.copLeft || '')")
    assert float(page.inner_text("#rate-right")) > 0
    assert page.inner_text("#frames-lost") == "0"
    # steps as they come, and the cadence the simulator walks at (110 steps/min)
    _wait(page, "Number(document.getElementById('steps-left').textContent) >= 4")
    _wait(page, "document.getElementById('cadence').textContent !== '–'")
    assert abs(float(page.inner_text("#cadence")) - 110.0) <= 5.0

    page.click("#record-start")
    _wait(
        page,
        "(() => { const m = document.getElementById('record-status').textContent"
        ".match(/^recording .* frames L (\\d+) R (\\d+)/);"
        " return m && Number(m[1]) >= 100 && Number(m[2]) >= 100; })()",
    )
    page.click("#record-stop")
    _wait(page, "document.body.dataset.recorded !== undefined")
    recorded = Path(page.evaluate("document.body.dataset.recorded"))
    _wait(
        page,
        "document.getElementById('record-status').textContent.startsWith('saved')",
    )
    page.close()
    assert not errors
    assert all(u.startswith((origin, origin.replace("http", "ws"))) for u in seen), seen

    assert recorded.parent == tmp_path and recorded.suffix == ".insole"
    session = load(recorded)
    assert session.left is not None and session.right is not None
    assert session.left.n_frames >= 100 and session.right.n_frames >= 100
    assert session.quality["frames_lost"] == 0 and session.quality["crc_errors"] == 0
    assert main(["info", str(recorded)]) == 0


def test_a_page_that_never_reads_costs_the_recording_no_frame(
    procs: Processes, tmp_path: Path
) -> None:
    """Three WebSocket clients that open the snapshot stream and never read a byte of it (a
    stalled browser tab): the server's sends to them back up, the readers and the recorder do
    not wait for them, and the recording started meanwhile has every frame."""
    import json
    import socket

    pty = procs.simulator("--rate", "250")
    _, url = procs.view("--live", pty, "--out-dir", str(tmp_path))
    found = re.match(r"http://([^:/]+):(\d+)/", url)
    assert found
    host, port = found.group(1), int(found.group(2))
    stalled = []
    for k in range(3):
        sock = socket.create_connection((host, port))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.sendall(
            (
                f"GET /ws HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                f"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZU{k}==\r\n\r\n"
            ).encode()
        )
        stalled.append(sock)  # never read from again
    headers = {"X-Pressure-View": "1"}
    request = urllib.request.Request(url + "api/record/start", method="POST", headers=headers)
    with urllib.request.urlopen(request, timeout=30) as r:
        assert r.status == 200
    time.sleep(4.0)  # 1,000 frames a foot, while the snapshots pile up unread
    request = urllib.request.Request(url + "api/record/stop", method="POST", headers=headers)
    with urllib.request.urlopen(request, timeout=30) as r:
        recorded = json.loads(r.read())["recorded"]
    for sock in stalled:
        sock.close()
    session = load(recorded["path"])
    assert session.quality["frames_lost"] == 0 and session.quality["crc_errors"] == 0
    for side in ("left", "right"):
        foot = session.feet[side]
        assert foot.n_frames >= 800  # 4 s at 250 Hz, less start-up
        seq = np.asarray(foot.vendor["seq"], dtype=np.int64)
        assert np.all(np.diff(seq) % 65536 == 1)  # no frame missing between first and last


# -- parts -------------------------------------------------------------------------------------
def test_replay_data_puts_both_feet_on_one_grid() -> None:
    session = load(WALK)
    data = ReplayData(session)
    assert data.n_frames == 2000 and data.rate_hz == 100.0
    share = data.share_left_pct()
    assert share is not None
    # over whole strides the share holds still through the gait cycle (a fixed 2 s window
    # swings by several points) and agrees with the analysis' share of the whole walk
    from pressure.analysis import analyze

    steady = share[300:1900]
    assert float(np.nanmax(steady) - np.nanmin(steady)) < 0.5
    whole = analyze(session).distribution.left_share_pct
    assert whole is not None and abs(float(np.nanmedian(steady)) - whole) < 1.0
    frames = data.frames(100, 5)
    assert frames["time_s"] == [1.0, 1.01, 1.02, 1.03, 1.04]
    assert frames["feet"]["left"]["rate"] == [100] * 5
    assert data.frames(5000, 10)["time_s"] == []
    meta = data.meta()
    assert meta["unit_text"] == "kPa" and meta["scale_max"] >= 100
    assert meta["feet"]["left"]["known"] and len(meta["feet"]["left"]["x_mm"]) == 16


def test_a_step_shows_its_peak_map_and_cop_path_and_the_table_can_come_later() -> None:
    from pressure.analysis import analyze
    from pressure.cop import foot_cop, sensor_weights
    from pressure.view.replay import steps_table

    session = load(WALK)
    data = ReplayData(session, pending=True)
    assert data.meta()["pending"] and data.meta()["steps"] == []
    assert data.step("left", 3) is None  # no table yet
    rows = steps_table(analyze(session))
    data.set_steps(rows)
    info = data.steps_json()
    assert not info["pending"] and len(info["steps"]) == len(rows)
    assert len(info["events"]) == sum(
        (r["heel_strike_s"] is not None) + (r["toe_off_s"] is not None) for r in rows
    )
    row = next(r for r in rows if r["side"] == "right" and r["toe_off_s"] is not None)
    detail = data.step("right", row["step"])
    assert detail is not None
    foot = session.right
    assert foot is not None
    inside = (foot.time_s >= row["heel_strike_s"] - 1e-9) & (foot.time_s <= row["toe_off_s"] + 1e-9)
    assert detail["frames"] == int(inside.sum())
    np.testing.assert_allclose(detail["peak"], foot.values[inside].max(axis=0), atol=0.01)
    cop = foot_cop(foot, sensor_weights(foot))
    assert cop is not None
    path = [p for p in detail["cop_path"] if p is not None]
    assert len(path) >= 0.8 * len(detail["cop_path"])
    # heel to toe: the path starts behind where it ends, on the foot's own CoP
    assert path[0][1] < path[-1][1]
    loaded = np.isfinite(cop.y_mm[inside])
    assert path[0][1] == pytest.approx(cop.y_mm[inside][loaded][0], abs=0.06)
    assert data.step("right", 10_000) is None and data.step("middle", 1) is None


def test_live_heel_strikes_and_cadence_come_as_the_frames_do() -> None:
    from pressure.view.live import _Strikes

    strikes = _Strikes()
    rate = 100.0
    stride_s = 1.2
    t = np.arange(0, 30, 1 / rate)
    phase = (t % stride_s) / stride_s
    load = np.where(phase < 0.6, 800.0 * np.sin(np.pi * phase / 0.6), 0.0)
    for k in range(0, t.size, 7):  # blocks of 7 frames, as reads come
        strikes.add(t[k : k + 7], load[k : k + 7])
    assert strikes.count == 25  # one per stride from the second on
    assert strikes.stride_s() == pytest.approx(stride_s, abs=0.011)


def test_live_share_is_over_whole_strides_on_the_device_clock() -> None:
    from firmware_protocol import SampleBlock, Side
    from pressure.view.live import LiveState

    state = LiveState()
    rate, stride_s = 100.0, 1.1
    t = np.arange(0, 20, 1 / rate)

    def load(phase: np.ndarray, peak: float) -> np.ndarray:
        return np.where(phase < 0.62, peak * np.sin(np.pi * phase / 0.62), 0.0)

    feet = {
        Side.LEFT: load((t % stride_s) / stride_s, 600.0),
        Side.RIGHT: load(((t + stride_s / 2) % stride_s) / stride_s, 400.0),
    }
    shares = []
    for k in range(0, t.size, 5):  # reads of 5 frames, the feet in turn, as two links give
        for side, values in feet.items():
            n = len(t[k : k + 5])
            block = SampleBlock(
                seq=np.arange(k, k + n, dtype=np.uint16),
                side=np.full(n, side, dtype=np.uint8),
                flags=np.zeros(n, dtype=np.uint8),
                t_us=np.zeros(n, dtype=np.uint32),
                time_us=np.round(t[k : k + 5] * 1e6).astype(np.int64),
                values=values[k : k + 5, None],
            )
            state.add(block, now_s=100.0 + t[k], info=None)
        if t[k] >= 4.0:
            snap = state.snapshot(100.0 + t[k])
            shares.append(snap["share_left_pct"])
            assert snap["cadence_spm"] == pytest.approx(120.0 / stride_s, abs=1.5)
    # 600 : 400 in every whole stride: 60 %, whatever the phase of the gait
    assert min(shares) > 59.5 and max(shares) < 60.5
    # a recording started from the page restarts the devices: their clocks begin again at 0
    # (and the right one first); the windows start again and the share is right once each foot
    # has struck twice more
    restarted = []
    for k in range(0, 800, 5):
        for side, values in feet.items():
            shift = 0.0 if side == Side.RIGHT else 0.3
            n = len(t[k : k + 5])
            block = SampleBlock(
                seq=np.arange(k, k + n, dtype=np.uint16),
                side=np.full(n, side, dtype=np.uint8),
                flags=np.zeros(n, dtype=np.uint8),
                t_us=np.zeros(n, dtype=np.uint32),
                time_us=np.round((t[k : k + 5] + shift) * 1e6).astype(np.int64),
                values=values[k : k + 5, None],
            )
            state.add(block, now_s=130.0 + t[k], info=None)
        if t[k] >= 3.0:
            restarted.append(state.snapshot(130.0 + t[k])["share_left_pct"])
    assert min(restarted) > 59.5 and max(restarted) < 60.5


def test_helpers() -> None:
    assert [nice_ceiling(v) for v in (0.0, 3.2, 20.0, 21.0, 480.0)] == [1.0, 5.0, 20.0, 25.0, 500.0]
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("example.org")
    assert "ws://127.0.0.1:8000" in content_security_policy("127.0.0.1:8000")
    assert "ws://" not in content_security_policy("bad host'; script-src *")


def test_recording_names_never_overwrite(tmp_path: Path) -> None:
    when = dt.datetime(2026, 1, 2, 3, 4, 5)
    first = new_recording_path(tmp_path, when)
    assert first.name == "view-20260102-030405.insole"
    first.write_bytes(b"")
    second = new_recording_path(tmp_path, when)
    assert second.name == "view-20260102-030405-2.insole"
