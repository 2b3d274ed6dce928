"""The embedded default for one command: a temporary Prefect server that ends with the command.

With no API configured, Prefect would start a temporary server of its own at the command's first API
call, and a command killed with SIGKILL would leave that server running for ever. Instead,
:func:`start_early` runs Prefect's own ``prefect server start`` (no UI, no block registration, only
the services these runs use, telemetry off: :data:`SERVER_ENV`; SQLite in ``PREFECT_HOME``, as
Prefect's temporary server uses; its event services record the task runs) as the command's very
first step, so that it starts while the command imports Prefect and the readers, and
asks the kernel to stop it when the command ends, however the command ends (``PR_SET_PDEATHSIG`` on
Linux, :func:`outcomes.children.end_with`, as the renderers do; elsewhere an ``atexit`` hook, which a
SIGKILL skips). :meth:`TemporaryServer.serve` points
Prefect at it with ``temporary_settings``, as ``prefect.testing.utilities.prefect_test_harness``
does. An API named in the environment, or in a Prefect settings file (:func:`settings_name_api_server`
reads the active profile, ``.env``, ``prefect.toml`` and ``pyproject.toml`` without importing
Prefect), means no early server. Prefect's own settings decide once it is imported: an early server
is stopped if an API turns out to be configured after all, and one is started then if none was and
none is configured.

Flow-run heartbeats are off for these runs: they let a long-lived server notice a crashed run, and
this server ends with the run. On a configured server, a command's flow run sends them every
:data:`RUN_HEARTBEAT_S` seconds, as the deployments' runs do (``prefect.yaml``), unless Prefect's settings
say otherwise: the automation of ``flows/automations.py`` marks a run Crashed three missed heartbeats
after its last one, and Prefect's own default (180 s) would leave it a 30 s margin.

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
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from outcomes.children import end_with
from outcomes.errors import OutcomesError

RUN_HEARTBEAT_S = 60
"""Seconds between a flow run's heartbeats on a long-lived server (``PREFECT_FLOWS_HEARTBEAT_FREQUENCY``
of ``prefect.yaml``'s deployments; the crash automation allows three missed ones)."""
START_TIMEOUT_S = float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120"))
STOP_TIMEOUT_S = 5.0


def _free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


SERVER_ENV = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    # Block types matter to the UI and to saved blocks, which these runs have neither of;
    # registering them at start imports every installed Prefect collection (prefect-dask brings
    # Dask's distributed), even when the registration itself is memoised.
    "PREFECT_SERVER_REGISTER_BLOCKS_ON_START": "false",
    "PREFECT_SERVER_MEMOIZE_BLOCK_AUTO_REGISTRATION": "false",
    # Services for what a server that ends with its command never has: schedules, late runs,
    # workers, paused or cancelled runs, concurrency leases and automations. The event persister
    # and the task-run recorder stay: they record the task runs.
    **{
        f"PREFECT_SERVER_SERVICES_{service}_ENABLED": "false"
        for service in (
            "SCHEDULER",
            "LATE_RUNS",
            "FOREMAN",
            "CANCELLATION_CLEANUP",
            "PAUSE_EXPIRATIONS",
            "REPOSSESSOR",
            "CLEANUP_RECONCILER",
            "TRIGGERS",
        )
    },
}
"""Prefect settings (documented, as environment variables) of the temporary server's process."""


def server_command(port: int) -> list[str]:
    """``prefect server start`` for a server only this command uses."""
    return [
        sys.executable,
        "-m",
        "prefect",
        "server",
        "start",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-ui",
        "--log-level",
        "ERROR",
    ]


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
        """Launch the server process and return at once; :meth:`wait` waits for it to answer.

        Call it from the main thread: the kernel signals the server when the thread that started
        it ends.
        """
        self.port = _free_port()
        # Its log is kept for the error message if it cannot start; with --debug it goes to stderr.
        self._log = None if self.debug else tempfile.TemporaryFile()
        parent = os.getpid()
        self.proc = subprocess.Popen(
            server_command(self.port),
            env={**os.environ, **SERVER_ENV},
            stdin=subprocess.DEVNULL,
            stdout=self._log if self._log is not None else sys.stderr,
            stderr=subprocess.STDOUT,
            preexec_fn=lambda: end_with(parent),  # noqa: PLW1509 - started before any thread
        )
        atexit.register(self.stop)

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


def configured_server_down() -> str | None:
    """One line saying that the configured Prefect API does not answer, and how to fall back.

    None when it answers (whatever its status code) or when no API is configured.
    """
    import httpx
    from prefect.settings import get_current_settings

    url = get_current_settings().api.url
    if not url:
        return None
    try:
        httpx.get(f"{url.rstrip('/')}/health", timeout=10.0)
    except httpx.TransportError as exc:
        return (
            f"The Prefect server at {url} (PREFECT_API_URL) does not answer ({type(exc).__name__}): "
            "start it, or unset PREFECT_API_URL (`prefect config unset PREFECT_API_URL` if a profile "
            "sets it) to build on a temporary local server."
        )
    return None


def _toml(path: Path) -> dict:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return {}


def _dotenv(path: Path) -> dict:
    """A ``.env`` file's variables ({} if there is none or it cannot be read)."""
    if not path.is_file():
        return {}
    from dotenv import dotenv_values

    try:
        return dotenv_values(path)
    except (OSError, UnicodeDecodeError, ValueError):
        return {}


def _table(data: object, *keys: str) -> dict:
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data if isinstance(data, dict) else {}


def settings_name_api_server() -> bool:
    """Whether a Prefect settings file this command reads names an API server, read without Prefect.

    Importing Prefect takes most of a second; the temporary server must start before that. The
    files looked at: the active profile of ``profiles.toml`` (``PREFECT_PROFILES_PATH``, else in
    ``PREFECT_HOME``), and ``.env`` (read with python-dotenv, as Prefect's settings read it),
    ``prefect.toml`` and ``pyproject.toml`` (``[tool.prefect]``) in the working folder. It is a hint:
    once Prefect is imported its own settings decide (:func:`embedded_default`).
    """
    home = Path(os.environ.get("PREFECT_HOME") or "~/.prefect").expanduser()
    profiles = _toml(Path(os.environ.get("PREFECT_PROFILES_PATH") or home / "profiles.toml").expanduser())
    active = os.environ.get("PREFECT_PROFILE") or profiles.get("active")
    if isinstance(active, str) and _table(profiles, "profiles", active).get("PREFECT_API_URL"):
        return True
    cwd = Path.cwd()
    return bool(
        _dotenv(cwd / ".env").get("PREFECT_API_URL")
        or _table(_toml(cwd / "prefect.toml"), "api").get("url")
        or _table(_toml(cwd / "pyproject.toml"), "tool", "prefect", "api").get("url")
    )


def start_early(debug: bool = False) -> TemporaryServer | None:
    """Start the embedded default's server now, unless the environment or a settings file names an API."""
    if os.environ.get("PREFECT_API_URL") or settings_name_api_server():
        return None
    server = TemporaryServer(debug=debug)
    server.start()
    return server


@contextlib.contextmanager
def embedded_default(server: TemporaryServer | None) -> Iterator[str | None]:
    """Use ``server`` if one was started early, else Prefect's configured API.

    If none was started but Prefect's settings name no API after all (a settings file seemed to), the
    temporary server starts now: Prefect's own would not end with a killed command.
    """
    if server is None:
        from prefect.settings import get_current_settings

        settings = get_current_settings()
        if settings.api.url or not settings.server.ephemeral.enabled:
            with _watched_heartbeats():
                yield None
            return
        server = TemporaryServer()
        server.start()
    with server.serve() as api_url:
        if api_url is None:
            with _watched_heartbeats():
                yield None
        else:
            yield api_url


@contextlib.contextmanager
def _watched_heartbeats() -> Iterator[None]:
    """Heartbeats every :data:`RUN_HEARTBEAT_S` on a configured server, unless the settings say otherwise."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, get_current_settings, temporary_settings

    if "heartbeat_frequency" in get_current_settings().flows.model_fields_set:
        yield
        return
    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: RUN_HEARTBEAT_S}):
        yield
