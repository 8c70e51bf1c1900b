"""The view's web application (Starlette) and how it is served (uvicorn).

Routes: ``/`` the page, ``/static/*`` its script and style (files of this package: nothing
comes from the network), ``/api/meta`` what the page needs once, ``/api/frames`` a range of
replay frames, ``/ws`` live snapshots, ``/api/record/start|stop`` recording.

Every answer carries a strict Content-Security-Policy (scripts, styles and connections only to
this server). ``Guard`` refuses, before the application sees them: on loopback, a request whose
``Host`` is not this server (DNS rebinding); with a token (required off loopback), a request
without it (``?token=``; the static files excepted: they are the package's, not data); a
WebSocket from another origin; a POST without the page's ``X-Pressure-View`` header (a form on
another site cannot add one).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import re
import secrets
import socket
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from ..signals import stop_on_signals

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from .live import LiveView
    from .replay import ReplayData

STATIC = Path(__file__).parent / "static"
#: snapshots a second sent to a live page (fewer to a page that reads slowly)
SNAPSHOT_HZ = 25.0
POST_HEADER = "x-pressure-view"
_HOST_CHARS = re.compile(r"^[A-Za-z0-9.\-:\[\]]+$")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an address) is this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def new_token() -> str:
    return secrets.token_urlsafe(18)


def content_security_policy(host_header: str) -> str:
    """The page's policy: everything from this server only; WebSocket to this server."""
    ws = f" ws://{host_header}" if host_header and _HOST_CHARS.match(host_header) else ""
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src 'self'{ws}; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'; form-action 'none'"
    )


class Guard:
    """ASGI middleware: the checks of the module docstring, and the security headers."""

    def __init__(self, app: ASGIApp, *, hosts: set[str] | None, token: str | None) -> None:
        self.app = app
        self.hosts = hosts  # None: any Host (off loopback; the token guards)
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host", "")
        why = self._refuse(scope, headers, host)
        if why is not None:
            if kind == "websocket":
                await send({"type": "websocket.close", "code": 1008, "reason": why})
            else:
                await _plain(send, 403, why)
            return
        policy = content_security_policy(host).encode()

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = [
                    (b"content-security-policy", policy),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"cache-control", b"no-store"),
                    (b"x-frame-options", b"DENY"),
                ]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, with_headers)

    def _refuse(self, scope: Scope, headers: dict[str, str], host: str) -> str | None:
        if self.hosts is not None and host not in self.hosts:
            return "unknown Host"
        path = scope.get("path", "")
        if self.token is not None and not path.startswith("/static/"):
            query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
            given = query.get("token", [""])[0]
            if not secrets.compare_digest(given.encode(), self.token.encode()):
                return "a token is needed: open the address the command printed"
        if scope["type"] == "websocket":
            origin = headers.get("origin")
            if origin is not None and origin not in (f"http://{host}", f"https://{host}"):
                return "another origin"
        elif scope.get("method") == "POST" and POST_HEADER not in headers:
            return "missing header"
        return None


async def _plain(send: Send, status: int, text: str) -> None:
    body = text.encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def create_app(
    replay: ReplayData | None = None,
    live: LiveView | None = None,
    *,
    hosts: set[str] | None = None,
    token: str | None = None,
) -> ASGIApp:
    """The application for one mode (``replay`` or ``live``), wrapped in ``Guard``."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import FileResponse, JSONResponse, Response
    from starlette.routing import Mount, Route, WebSocketRoute
    from starlette.staticfiles import StaticFiles
    from starlette.websockets import WebSocket, WebSocketDisconnect

    async def index(request: Request) -> Response:
        return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")

    async def meta(request: Request) -> Response:
        if replay is not None:
            return JSONResponse(replay.meta())
        assert live is not None
        return JSONResponse(live.meta())

    async def frames(request: Request) -> Response:
        if replay is None:
            return JSONResponse({"error": "not a replay"}, status_code=404)
        try:
            start = int(request.query_params.get("start", "0"))
            count = int(request.query_params.get("count", "200"))
        except ValueError:
            return JSONResponse({"error": "start and count are integers"}, status_code=400)
        return JSONResponse(replay.frames(start, count))

    async def steps(request: Request) -> Response:
        if replay is None:
            return JSONResponse({"error": "not a replay"}, status_code=404)
        return JSONResponse(replay.steps_json())

    async def step(request: Request) -> Response:
        if replay is None:
            return JSONResponse({"error": "not a replay"}, status_code=404)
        side = request.query_params.get("side", "")
        try:
            number = int(request.query_params.get("step", ""))
        except ValueError:
            return JSONResponse({"error": "step is an integer"}, status_code=400)
        detail = replay.step(side, number)
        if detail is None:
            return JSONResponse({"error": f"no step {number} of the {side} foot"}, status_code=404)
        return JSONResponse(detail)

    async def record(request: Request) -> Response:
        from starlette.concurrency import run_in_threadpool

        from ..errors import PressureError

        if live is None:
            return JSONResponse({"error": "not live"}, status_code=404)
        action = request.path_params["action"]
        try:
            if action == "start":
                path = await run_in_threadpool(live.start_recording)
                return JSONResponse({"recording": str(path)})
            if action == "stop":
                return JSONResponse({"recorded": await run_in_threadpool(live.stop_recording)})
        except PressureError as exc:
            return JSONResponse({"error": str(exc)}, status_code=500)
        return JSONResponse({"error": f"unknown action {action!r}"}, status_code=404)

    async def stream(websocket: WebSocket) -> None:
        if live is None:
            await websocket.close(code=1008)
            return
        await websocket.accept()
        period = 1.0 / SNAPSHOT_HZ
        clock = asyncio.get_running_loop().time
        due = clock()
        try:
            while True:
                # the latest state, whenever the page has taken the previous one: a slow page
                # gets fewer snapshots, the readers never wait for it
                await websocket.send_text(json.dumps(live.snapshot(), allow_nan=False))
                # on a fixed beat (the time a send takes is not added to it); when behind,
                # the beat starts again from now: no catching up in a burst
                due = max(due + period, clock())
                await asyncio.sleep(due - clock())
        except (WebSocketDisconnect, RuntimeError, OSError):
            return

    routes = [
        Route("/", index),
        Route("/api/meta", meta),
        Route("/api/frames", frames),
        Route("/api/steps", steps),
        Route("/api/step", step),
        Route("/api/record/{action}", record, methods=["POST"]),
        WebSocketRoute("/ws", stream),
        Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
    ]
    app: Starlette = Starlette(routes=routes)
    return Guard(app, hosts=hosts, token=token)


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host``:``port`` (0: a free port the system picks)."""
    info = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    family, kind, proto, _, address = info[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(address)
    sock.listen(64)
    sock.set_inheritable(True)
    return sock


def serve(app: ASGIApp, sock: socket.socket) -> None:
    """Serve ``app`` on ``sock`` until Ctrl-C or SIGTERM, which end it cleanly (no exception)."""
    import uvicorn

    class _Server(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            # our own handlers: a signal ends the server and the command returns normally
            # (uvicorn's would raise the signal again after shutting down)
            def stop(*_: object) -> None:
                if self.should_exit:
                    self.force_exit = True
                self.should_exit = True

            restore = stop_on_signals(stop)
            try:
                yield
            finally:
                restore()

    config = uvicorn.Config(
        app,
        log_level="warning",
        lifespan="off",
        ws="websockets-sansio",
        timeout_graceful_shutdown=2,
    )
    _Server(config).run(sockets=[sock])
