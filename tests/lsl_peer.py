"""The other side of the LSL tests, run as its own process (liblsl reads its configuration,
``LSLAPICFG``, once per process, at first use: the test gives it the loopback one in the
environment of every process that loads liblsl, and loads none itself).

``python lsl_peer.py subscribe OUT NAME...``: subscribe to the streams NAME..., print ``ready``
once every inlet is open, take every sample until stdin closes (and what arrives within a
second after), then write OUT (JSON): per stream its full XML, time stamps, samples and the
inlet's time correction.

``LOOPBACK_CONFIG``: liblsl's configuration that keeps it on this machine; importing this file
does not load liblsl (the LSL tests import the configuration, and must not).

``python lsl_peer.py markers NAME``: publish a string marker stream NAME, print ``ready``, then
``consumer`` once something subscribed; each stdin line ``push LABEL AGO_S`` pushes LABEL
stamped ``local_clock() - AGO_S`` and prints the stamp; stdin closing ends it.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from typing import Any

#: liblsl sends only to 127.0.0.1 with this (checked with strace; README: Lab Streaming Layer):
#: no IPv6, resolution within this machine, no multicast address beyond it, no peer but itself;
#: SESSION is replaced by a session id of the run's own, which keeps two runs at once apart
LOOPBACK_CONFIG = """\
[ports]
IPv6 = disable

[multicast]
ResolveScope = machine
ListenAddress = 127.0.0.1
MachineAddresses = {127.0.0.1}
LinkAddresses = {}
SiteAddresses = {}
OrganizationAddresses = {}
GlobalAddresses = {}

[lab]
KnownPeers = {127.0.0.1}
SessionID = SESSION
"""


def _pylsl() -> Any:
    import pylsl

    return pylsl


def subscribe(out: str, names: list[str]) -> None:
    pylsl = _pylsl()
    inlets = {}
    for name in names:
        found = pylsl.resolve_byprop("name", name, 1, 60.0)
        if not found:
            raise SystemExit(f"no stream {name!r}")
        inlet = pylsl.StreamInlet(found[0], max_buflen=360, recover=False)
        inlet.open_stream(timeout=10.0)
        inlets[name] = inlet
    result = {
        name: {"xml": inlet.info(10.0).as_xml(), "timestamps": [], "samples": []}
        for name, inlet in inlets.items()
    }
    print("ready", flush=True)
    done = threading.Event()

    def wait_for_stdin() -> None:
        sys.stdin.read()
        done.set()

    threading.Thread(target=wait_for_stdin, daemon=True).start()
    for name, inlet in inlets.items():
        result[name]["time_correction"] = inlet.time_correction(timeout=10.0)
    live = dict(inlets)
    quiet_since = None
    while live:
        got = 0
        for name, inlet in list(live.items()):
            try:
                samples, stamps = inlet.pull_chunk(timeout=0.0, max_samples=8192)
            except pylsl.util.LostError:  # its outlet is gone, and everything it sent is in
                del live[name]
                continue
            result[name]["samples"] += samples
            result[name]["timestamps"] += stamps
            got += len(stamps)
        if done.is_set():
            quiet_since = quiet_since if got == 0 and quiet_since else time.monotonic()
            if got == 0 and time.monotonic() - quiet_since > 1.0:
                break
        if not got:
            time.sleep(0.01)
    with open(out, "w") as f:
        json.dump(result, f)


def markers(name: str) -> None:
    pylsl = _pylsl()
    info = pylsl.StreamInfo(name, "Markers", 1, pylsl.IRREGULAR_RATE, "string", f"test-{name}")
    outlet = pylsl.StreamOutlet(info)
    print("ready", flush=True)
    outlet.wait_for_consumers(60.0)
    print("consumer" if outlet.have_consumers() else "no consumer", flush=True)
    for line in sys.stdin:
        command, label, ago = line.split()
        assert command == "push"
        stamp = pylsl.local_clock() - float(ago)
        outlet.push_sample([label], stamp)
        print(repr(stamp), flush=True)
    time.sleep(0.5)  # liblsl sends from its own threads


if __name__ == "__main__":
    if sys.argv[1] == "subscribe":
        subscribe(sys.argv[2], sys.argv[3:])
    else:
        markers(sys.argv[2])
