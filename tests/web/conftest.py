"""The end-to-end set-up of the web page's tests: Debian's Chromium, installed with apt-get when
/usr/bin/chromium is absent (CI runs as root on Debian with its package registry reachable; a
machine that cannot install it fails the test, saying why), driven by Playwright (whose own browser
download is not used); and `metacascade serve` started on a free local port in a subprocess whose
temporary folder and working directory lie in the test's tmp_path."""

from __future__ import annotations

import fcntl
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
#: Chromium's switches: headless, as root in a container, with no network of its own.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
                 "--disable-component-update", "--disable-sync"]
#: Seconds: installing Chromium (about a minute with `apt-get update`), and the server's start.
INSTALL_SECONDS, START_SECONDS = 900, 60


def _apt_get(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(["apt-get", *arguments], capture_output=True, text=True, timeout=INSTALL_SECONDS,
                          env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})


def _install_chromium() -> None:
    """``apt-get install -y chromium`` (after ``apt-get update`` if the package lists lack it), once
    for all test processes; a test failure with apt-get's output if it cannot."""
    if os.geteuid() != 0:
        pytest.fail(f"the browser test needs Debian's Chromium at {CHROMIUM}: run `apt-get install -y chromium` as "
                    "root (the test set-up installs it when it runs as root)")
    with open(Path(tempfile.gettempdir()) / "metacascade-chromium.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one apt-get at a time (pytest-xdist workers)
        if CHROMIUM.exists():
            return
        installed = _apt_get("install", "-y", "chromium")
        if installed.returncode != 0:
            updated = _apt_get("update")
            installed = _apt_get("install", "-y", "chromium") if updated.returncode == 0 else updated
        if installed.returncode != 0 or not CHROMIUM.exists():
            pytest.fail(f"could not install Chromium with apt-get (exit {installed.returncode}):\n"
                        f"{installed.stdout[-2000:]}\n{installed.stderr[-2000:]}")


@pytest.fixture(scope="session")
def browser():
    """A headless Debian Chromium under Playwright."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        _install_chromium()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _interruptible() -> None:
    """In the server's process before it starts: Ctrl-C (SIGINT) delivered and not ignored, as in a
    terminal, whatever the test process inherited or set (an ignored or blocked SIGINT passes to the
    child, whose Python then never raises KeyboardInterrupt: seen in full parallel runs only)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


class Server:
    """`metacascade serve` on a free port of 127.0.0.1, in ``folder``: its working directory
    (``cwd``) and the temporary folder where it keeps its runs (``tmp``)."""

    def __init__(self, folder: Path) -> None:
        self.cwd, self.tmp, self.log = folder / "cwd", folder / "tmp", folder / "server.log"
        self.cwd.mkdir()
        self.tmp.mkdir()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}/"
        with open(self.log, "w") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "metacascade", "serve", "--port", str(port)], cwd=self.cwd, stdout=log,
                stderr=subprocess.STDOUT, env={**os.environ, "TMPDIR": str(self.tmp)}, preexec_fn=_interruptible,
            )
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"metacascade serve exited with {self.process.returncode}:\n{self.log.read_text()}")
            try:
                with urllib.request.urlopen(self.url, timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        pytest.fail(f"metacascade serve did not answer at {self.url} within {START_SECONDS} s:\n{self.log.read_text()}")

    def stop(self) -> int:
        """Stop the server as Ctrl-C does; its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


@pytest.fixture
def server(tmp_path):
    served = Server(tmp_path)
    yield served
    served.stop()
