"""Debian's Chromium and a local web server, as the tests and the benchmarks use them.

One place for the flags that keep Chromium off the network (this machine's closed
network refuses its background requests) and for serving a folder on 127.0.0.1.
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
from pathlib import Path

CHROMIUM = os.environ.get("POWERDYNAMICS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002
        pass


def serve_directory(directory: Path | str) -> tuple[str, http.server.ThreadingHTTPServer]:
    """Serve ``directory`` on a free port of 127.0.0.1; returns the base URL and the server
    (call ``server.shutdown()`` when done)."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}", server
