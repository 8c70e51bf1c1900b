"""``pressure view``: a local web page, served by the tool, that shows a session as it plays.

* ``replay``: a file ``pressure.load`` reads, turned once into per-frame arrays on a common
  time grid (``ReplayData``), that the page fetches by index range; seeking never rereads the
  file.
* ``live``: one or two serial links (``LiveView``): the reader threads add each frame to a
  small state, and the page receives the latest snapshot over a WebSocket 25 times a second; a
  slow page misses snapshots, never frames. Recording from the page uses the ``Recorder`` and
  the ``RecordingWriter`` of ``pressure record``.
* ``server``: the Starlette application both modes share (page, static files, JSON, WebSocket)
  with a strict Content-Security-Policy, a Host check and, off loopback, a token.

Starlette and uvicorn are the optional extra ``pressure[view]``; only this package imports them.
"""
