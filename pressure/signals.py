"""Ctrl-C and SIGTERM as a request to stop. The commands that run until stopped (``record``,
``monitor``, ``lsl``, ``view``) install one handler for both and end cleanly, exit 0."""

from __future__ import annotations

import signal
from collections.abc import Callable


def stop_on_signals(handler: Callable[..., object]) -> Callable[[], None]:
    """From now on SIGINT and SIGTERM call ``handler`` (with the signal's number and frame)
    instead of raising KeyboardInterrupt or ending the process. Returns the function that puts
    back the handlers that were there before (call it in a ``finally``)."""
    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}

    def restore() -> None:
        for sig, old in previous.items():
            signal.signal(sig, old)

    return restore
