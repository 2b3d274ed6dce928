"""Prefect's embedded default for one command, started before Prefect is imported.

With no API configured, Prefect starts a temporary API server (SQLite in ``PREFECT_HOME``) for each
process: on first use, after importing its server code into the calling process (about 2.8 s of CPU
here), it launches ``uvicorn prefect.server.api.server:create_app`` and waits for it to answer. The
command therefore waited for Prefect's import, then for the server's own import and start, one after
the other.

:func:`start_early` launches the same server, the same way (``SubprocessASGIServer``'s command and
environment; the app comes from :func:`create_app`, which builds Prefect's own with the garbage
collector paused), as the very first thing the command does, so that it starts while this process imports
Prefect and our own code; :meth:`TemporaryServer.serve` then points Prefect at it, exactly as
``prefect.testing.utilities.prefect_test_harness`` does with ``temporary_settings``, and stops it
when the command ends. If an API turns out to be configured after all (a Prefect profile or a
``prefect.toml``, which are only known once Prefect is imported), the early server is stopped and the
configured API is used.

The flow-run heartbeat is turned off for these runs: it lets a long-lived server notice a crashed run,
but this server ends with the run, and a sync flow waits up to a second for the heartbeat thread at
exit. Measurements: ``bench/README.md``.

Nothing here imports Prefect at module level: importing this module must cost nothing.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from outcomes.errors import OutcomesError

# The same switches SubprocessASGIServer gives its server: no UI, ephemeral services, final app.
# And no block types registered at start-up (about 0.3 s, on the critical path): the flows use no
# blocks, and a `prefect server start` on the same database registers them itself.
SERVER_ENV = {
    "PREFECT_UI_ENABLED": "0",
    "PREFECT__SERVER_EPHEMERAL": "1",
    "PREFECT__SERVER_FINAL": "1",
    "PREFECT_API_BLOCKS_REGISTER_ON_START": "false",
    "PREFECT_MEMOIZE_BLOCK_AUTO_REGISTRATION": "false",
}
START_TIMEOUT_S = float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120"))
STOP_TIMEOUT_S = 5.0


def create_app():
    """Prefect's server app (``prefect.server.api.server:create_app``), imported and built with the
    collector paused and its objects frozen: the server answers about 0.9 s sooner (``outcomes.heap``).
    """
    from outcomes.heap import imports_frozen

    with imports_frozen():
        from prefect.server.api.server import create_app as prefect_create_app

        return prefect_create_app()


def _free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _with_this_project(pythonpath: str | None) -> str:
    """PYTHONPATH with this project first, so that the server can import :func:`create_app`."""
    root = str(Path(__file__).resolve().parents[1])
    return os.pathsep.join(p for p in (root, pythonpath) if p)


def _prefect_root() -> str:
    """The folder that holds the ``prefect`` package, found without importing it."""
    import importlib.util

    spec = importlib.util.find_spec("prefect")
    if spec is None or spec.origin is None:
        raise OutcomesError("Prefect is not installed in this environment")
    return str(Path(spec.origin).parent.parent)


class TemporaryServer:
    """One temporary Prefect API server, owned by this command."""

    def __init__(self, debug: bool = False):
        self.debug = debug
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def start(self) -> None:
        """Launch the server process and return at once; :meth:`wait` waits for it to answer."""
        self.port = _free_port()
        # Its log is kept for the error message if it cannot start; with --debug it goes to stderr.
        self._log = None if self.debug else tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--app-dir",
                _prefect_root(),
                "--factory",
                f"{__name__}:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--log-level",
                "error",
                "--lifespan",
                "on",
            ],
            env={**os.environ, **SERVER_ENV, "PYTHONPATH": _with_this_project(os.environ.get("PYTHONPATH"))},
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT if self._log is not None else None,
        )
        atexit.register(self.stop)  # never outlive the command, whatever happens before serve()

    def wait(self, timeout: float = START_TIMEOUT_S) -> None:
        """Wait until the server answers its health check; start it once more on a port clash."""
        import httpx

        deadline = time.monotonic() + timeout
        restarted = False
        with httpx.Client(timeout=2.0) as client:
            while time.monotonic() < deadline:
                assert self.proc is not None
                if self.proc.poll() is not None:
                    if restarted:
                        break
                    restarted = True  # the port was taken between choosing and binding it
                    self.start()
                    continue
                try:
                    if client.get(f"{self.api_url}/health").status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                time.sleep(0.05)
        raise OutcomesError(f"Prefect's temporary server did not start: {self._log_tail()}")

    def _log_tail(self) -> str:
        if self.proc is not None and self.proc.poll() is None:
            return f"no answer on {self.api_url} after {START_TIMEOUT_S:g} s"
        if self._log is None:
            return "it exited (its log is above)"
        self._log.seek(0)
        lines = self._log.read().decode("utf-8", "replace").strip().splitlines()
        return "it exited: " + (" | ".join(lines[-5:]) if lines else "no output")

    def stop(self) -> None:
        """Stop the server (it has no work left once the flow run has ended) and wait for it."""
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self._log is not None:
            self._log.close()
            self._log = None

    @contextlib.contextmanager
    def serve(self) -> Iterator[str | None]:
        """Point Prefect at this server for the block (unless an API is configured); stop it after.

        Yields the API URL in use, or None when Prefect's configured API is used instead.
        """
        from prefect.settings import (
            PREFECT_API_URL,
            PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
            get_current_settings,
            temporary_settings,
        )

        try:
            settings = get_current_settings()
            if settings.api.url or not settings.server.ephemeral.enabled:
                self.stop()
                yield None
                return
            self.wait()
            updates = {PREFECT_API_URL: self.api_url, PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}
            with temporary_settings(updates=updates):
                try:
                    yield self.api_url
                finally:
                    _send_pending()
        finally:
            self.stop()


def _send_pending() -> None:
    """Send the logs and events Prefect still holds, while the server can take them.

    Prefect sends them from background workers that it drains at interpreter exit; by then this
    server is gone, and the log worker would retry against it for a long while.
    """
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for worker in (APILogWorker, EventsWorker):
        worker.drain_all(timeout=STOP_TIMEOUT_S)


def start_early(debug: bool = False) -> TemporaryServer | None:
    """Start the embedded default's server now, unless the environment names an API server."""
    if os.environ.get("PREFECT_API_URL"):
        return None
    server = TemporaryServer(debug=debug)
    server.start()
    return server


@contextlib.contextmanager
def embedded_default(server: TemporaryServer | None) -> Iterator[str | None]:
    """Use ``server`` if one was started early; otherwise leave Prefect to its configuration."""
    if server is None:
        yield None
        return
    with server.serve() as api_url:
        yield api_url
