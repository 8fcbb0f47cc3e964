"""``metacascade serve``: the page on a local port, its runs in a temporary folder of its own that
goes when the server stops."""

from __future__ import annotations

import tempfile
from pathlib import Path

from .app import create_app


def serve(host: str, port: int) -> None:
    """Serve the page at http://HOST:PORT until interrupted (host 127.0.0.1: to this machine only)."""
    with tempfile.TemporaryDirectory(prefix="metacascade-serve-") as folder:
        create_app(Path(folder)).run(host=host, port=port, debug=False)
