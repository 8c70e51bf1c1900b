"""Ctrl-C and SIGTERM as a request to stop (``pressure.signals``); the commands' own handling is
tested end to end on pseudo-terminals (``test_record_pty``, ``test_monitor``, ``test_lsl``)."""

from __future__ import annotations

import os
import signal
import time

from pressure.signals import stop_on_signals


def test_both_signals_call_the_handler_and_the_old_handlers_come_back() -> None:
    before = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    seen: list[int] = []
    restore = stop_on_signals(lambda number, _frame: seen.append(number))
    try:
        for sig in (signal.SIGINT, signal.SIGTERM):
            os.kill(os.getpid(), sig)
            deadline = time.monotonic() + 5
            while sig not in seen and time.monotonic() < deadline:
                time.sleep(0.001)  # the handler runs in the main thread between bytecodes
    finally:
        restore()
    assert seen == [signal.SIGINT, signal.SIGTERM]
    assert {sig: signal.getsignal(sig) for sig in before} == before
