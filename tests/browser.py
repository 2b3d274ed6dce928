"""A headless Chromium driven over the DevTools protocol, for tests of pages that change by themselves.

Nothing is downloaded: Debian's ``chromium`` package, started with a throw-away profile and no
background traffic, and a small client for the protocol over the ``websockets`` package (installed
with uvicorn).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from websockets.sync.client import ClientConnection, connect

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


class BrowserError(Exception):
    pass


class Tab:
    """One page target: send a command, wait for its answer (events are not asked for, so not sent)."""

    def __init__(self, ws_url: str):
        self.ws: ClientConnection = connect(ws_url, max_size=None, open_timeout=10)
        self.last_id = 0

    def send(self, method: str, **params: Any) -> int:
        self.last_id += 1
        self.ws.send(json.dumps({"id": self.last_id, "method": method, "params": params}))
        return self.last_id

    def answer(self, command_id: int, timeout: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            message = json.loads(self.ws.recv(timeout=max(deadline - time.monotonic(), 0.001)))
            if message.get("id") == command_id:
                if "error" in message:
                    raise BrowserError(message["error"])
                return message["result"]

    def call(self, method: str, timeout: float = 30, **params: Any) -> dict[str, Any]:
        return self.answer(self.send(method, **params), timeout)

    def evaluate(self, expression: str, timeout: float = 30) -> Any:
        """The value of a JavaScript expression in the page (a promise is awaited)."""
        return self.value(self.answer(self.send_evaluate(expression), timeout))

    def wait_for(self, expression: str, timeout: float = 30) -> Any:
        """Poll a JavaScript expression until it is truthy (while the page loads, it may not run)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                value = self.evaluate(expression, timeout=max(deadline - time.monotonic(), 0.001))
            except BrowserError:
                value = None  # the page navigated while the expression ran
            if value:
                return value
            time.sleep(0.02)
        raise BrowserError(f"not true within {timeout} s: {expression}")

    def send_evaluate(self, expression: str) -> int:
        return self.send("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True)

    @staticmethod
    def value(result: dict[str, Any]) -> Any:
        if "exceptionDetails" in result:
            raise BrowserError(result["exceptionDetails"].get("exception", {}).get("description"))
        return result["result"].get("value")

    def close(self) -> None:
        self.ws.close()


class Chromium:
    """A headless Chromium with one tab open on ``url``."""

    def __init__(self, url: str):
        if CHROMIUM is None:
            raise BrowserError("chromium is not installed (make system installs it)")
        self.profile = Path(tempfile.mkdtemp(prefix="preview-chromium-"))
        self.process = subprocess.Popen(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",  # tests may run as root, where Chromium's sandbox refuses to start
                "--disable-gpu",
                "--remote-debugging-port=0",
                f"--user-data-dir={self.profile}",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--no-default-browser-check",
                url,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            # Chromium's own temporary folders (org.chromium.Chromium.*) go with the profile.
            env={**os.environ, "TMPDIR": str(self.profile)},
            # Its own process group, so that closing it ends its helper processes too.
            start_new_session=True,
        )
        try:
            self.tab = self._open_tab(url)
        except BaseException:
            self._stop()
            raise

    def _open_tab(self, url: str) -> Tab:
        # Chromium writes the port it chose into the profile once its DevTools endpoint listens.
        port_file = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BrowserError(f"chromium exited with {self.process.returncode}")
            if port_file.is_file() and port_file.read_text().strip():
                port = int(port_file.read_text().split()[0])
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as answer:
                    pages = [t for t in json.load(answer) if t["type"] == "page" and t["url"].startswith(url)]
                if pages:
                    return Tab(pages[0]["webSocketDebuggerUrl"])
            time.sleep(0.05)
        raise BrowserError("chromium's DevTools endpoint did not come up within 30 s")

    def close(self) -> None:
        self.tab.close()
        self._stop()

    def _stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        # Helpers still exiting may write to the profile for a moment after the browser is gone.
        deadline = time.monotonic() + 10
        while True:
            try:
                shutil.rmtree(self.profile)
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
