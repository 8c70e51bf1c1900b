"""``pressure view``: a local web page of a session, replayed from a file or live from insoles.

``pressure view FILE`` loads the file once (any format ``pressure.load`` reads), serves a page
that plays it, and meanwhile analyses it for the step table and the gait events.
``pressure view --live DEVICE [--right DEVICE2]`` shows one or two insoles live and records
them on request into ``--out-dir``. The server listens on 127.0.0.1 at a free port unless told
otherwise, prints the address and opens it in the browser; off loopback the address carries a
token.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ._args import number_in

if TYPE_CHECKING:
    from ..view.replay import ReplayData


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "file", nargs="?", metavar="FILE", help="a session file to replay (any format)"
    )
    parser.add_argument(
        "--live",
        metavar="DEVICE",
        help="show an insole live: a serial port path or pyserial URL (the left one with --right)",
    )
    parser.add_argument("--right", metavar="DEVICE2", help="with --live: the right insole")
    parser.add_argument(
        "--out-dir",
        default=".",
        metavar="DIR",
        help="with --live: where recordings started from the page go (default: here)",
    )
    parser.add_argument("--baud", type=int, default=921_600, help="baud rate (default 921600)")
    parser.add_argument(
        "--no-start", action="store_true", help="do not send START/STOP to the devices"
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1; any other needs a token)",
    )
    parser.add_argument(
        "--port",
        type=lambda text: int(number_in(-1, 65535)(text)),
        default=0,
        help="port to listen on (default: a free one)",
    )
    parser.add_argument(
        "--token",
        metavar="TEXT",
        help="the token the page's address must carry (generated when listening off loopback)",
    )
    parser.add_argument("--no-browser", action="store_true", help="do not open a browser")


def run(args: argparse.Namespace) -> int:
    from ..errors import DeviceError, UsageError

    if (args.file is None) == (args.live is None):
        raise UsageError("give a FILE to replay or --live DEVICE, one of them")
    if args.right and not args.live:
        raise UsageError("--right goes with --live")
    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        raise UsageError(
            "pressure view needs the optional extra: pip install 'pressure[view]'"
        ) from None
    from ..view.server import bind, create_app, is_loopback, new_token, serve

    token = args.token
    if token is None and not is_loopback(args.host):
        token = new_token()
    live = None
    replay = None
    if args.file is not None:
        replay = _replay(args.file)
    else:
        out_dir = Path(args.out_dir)
        if not out_dir.is_dir():
            raise UsageError(f"{out_dir}: --out-dir is not a folder")
        from ..view.live import LiveView

        links: list[tuple[str, str]] = (
            [(args.live, "left"), (args.right, "right")] if args.right else [(args.live, "both")]
        )
        live = LiveView(links, out_dir, baudrate=args.baud, start=not args.no_start)  # type: ignore[arg-type]
    try:
        sock = bind(args.host, args.port)
    except OSError as exc:
        raise DeviceError(
            f"{args.host}:{args.port}: cannot listen: {exc.strerror or exc}"
        ) from None
    try:
        port = sock.getsockname()[1]
        shown = args.host
        if shown in ("0.0.0.0", "::", ""):
            import socket

            shown = socket.gethostname()
        if ":" in shown:
            shown = f"[{shown}]"
        hosts = None
        if is_loopback(args.host):
            hosts = {f"{shown}:{port}", f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"}
        app = create_app(replay, live, hosts=hosts, token=token)
        if live is not None:
            live.open()  # a wrong port fails here, before the address is printed
        url = f"http://{shown}:{port}/" + (f"?token={token}" if token else "")
        what = args.file if args.file is not None else " + ".join(u for u, _ in live.links)  # type: ignore[union-attr]
        print(f"pressure view: {what} at {url}", flush=True)
        print("pressure view: Ctrl-C to stop", file=sys.stderr, flush=True)
        if not args.no_browser:
            import webbrowser

            webbrowser.open(url)
        serve(app, sock)
    finally:
        if live is not None:
            live.close()
        sock.close()
    return 0


def _replay(path: str) -> ReplayData:
    """The file, ready to serve; its analysis (the step table, the gait events) runs in a
    thread beside the server, so a long recording shows at once and its steps follow."""
    import threading

    from ..errors import FileFormatError
    from ..io.load import load
    from ..view.replay import ReplayData

    session = load(path)
    if not session.feet or not any(foot.n_frames for foot in session.feet.values()):
        raise FileFormatError(path, "holds no frames to show")
    data = ReplayData(session, pending=True)
    threading.Thread(target=analyse_into, args=(data,), name="view-analysis", daemon=True).start()
    return data


#: the analysis starts when the page has its first frames, or after this many seconds
ANALYSIS_WAIT_S = 3.0


def analyse_into(data: ReplayData) -> None:
    """Analyse ``data``'s session and hand it the step table, or why there is none. It waits
    until the page has been served its first frames (at most ``ANALYSIS_WAIT_S``): Python runs
    one thread at a time, and the page first."""
    data.shown.wait(ANALYSIS_WAIT_S)
    from ..analysis import analyze
    from ..errors import PressureError
    from ..view.replay import steps_table

    try:
        data.set_steps(steps_table(analyze(data.session)))
    except PressureError as exc:
        data.set_steps(None, f"no gait events: {exc}")
    except Exception as exc:  # a bug: the page says so, and the replay goes on
        data.set_steps(None, f"the analysis failed: {type(exc).__name__}: {exc}")
