"""The embedded default started early: Prefect's temporary server, owned by one command."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest
from conftest import INPUTS, left_behind

from flows import embedded
from outcomes.errors import OutcomesError
from outcomes.pool import RenderPool


def test_no_early_server_when_the_environment_names_an_api(monkeypatch):
    # Prefect is imported first: its process-wide settings are read from the environment at import.
    from prefect.settings import PREFECT_API_URL, temporary_settings

    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    assert embedded.start_early() is None
    with temporary_settings(updates={PREFECT_API_URL: "http://127.0.0.1:9/api"}):
        with embedded.embedded_default(None) as api_url:
            assert api_url is None


def test_runs_on_a_configured_server_send_the_heartbeats_the_automation_watches(monkeypatch):
    import yaml
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
        get_current_settings,
        temporary_settings,
    )

    from flows import automations

    deployments = yaml.safe_load((Path(__file__).parents[1] / "prefect.yaml").read_text())
    configured = deployments["definitions"]["work_pool"]["job_variables"]["env"]
    assert int(configured["PREFECT_FLOWS_HEARTBEAT_FREQUENCY"]) == embedded.RUN_HEARTBEAT_S
    assert automations.WITHIN_S > 3 * embedded.RUN_HEARTBEAT_S
    assert get_current_settings().flows.heartbeat_frequency > embedded.RUN_HEARTBEAT_S  # Prefect's default
    with temporary_settings(updates={PREFECT_API_URL: "http://127.0.0.1:9/api"}):
        with embedded.embedded_default(None) as api_url:
            assert api_url is None
            assert get_current_settings().flows.heartbeat_frequency == embedded.RUN_HEARTBEAT_S
        # A frequency named in Prefect's settings is the operator's choice.
        with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: 120}):
            with embedded.embedded_default(None):
                assert get_current_settings().flows.heartbeat_frequency == 120


def test_the_early_server_runs_flows_and_is_stopped_after(monkeypatch):
    from prefect import flow, get_client, task
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
    from prefect.settings import get_current_settings

    @task
    def answer() -> int:
        return 42

    @flow
    def tiny() -> int:
        return answer()

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    server = embedded.start_early()
    assert server is not None and server.proc is not None
    pid = server.proc.pid
    with embedded.embedded_default(server) as api_url:
        assert api_url == server.api_url
        settings = get_current_settings()
        assert settings.api.url == api_url
        assert settings.flows.heartbeat_frequency is None  # nobody would watch it
        state = tiny(return_state=True)
        assert state.result() == 42
        with get_client(sync_client=True) as client:
            run = client.read_flow_run(state.state_details.flow_run_id)
            assert run.state is not None and run.state.is_completed()
            # Task runs are recorded from events, by the server's services: they must run.
            deadline = time.monotonic() + 30
            while True:
                tasks = client.read_task_runs(
                    flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run.id]))
                )
                # The recorder takes the task run's events in turn: Pending first, Completed later.
                done = tasks and all(t.state_type.value == "COMPLETED" for t in tasks)
                if done or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
            assert [t.state_type.value for t in tasks] == ["COMPLETED"]
    assert server.proc is None
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{api_url}/health", timeout=2)


def test_a_configured_api_wins_and_the_early_server_is_stopped(monkeypatch):
    from prefect.settings import PREFECT_API_URL, temporary_settings

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    server = embedded.start_early()
    assert server is not None
    # As if a Prefect profile named a server: only known once Prefect's settings are read.
    with temporary_settings(updates={PREFECT_API_URL: "http://127.0.0.1:9/api"}):
        with embedded.embedded_default(server) as api_url:
            assert api_url is None
            assert server.proc is None


def test_a_server_that_cannot_start_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.setattr(embedded, "server_command", lambda port: ["/bin/false"])
    server = embedded.TemporaryServer()
    server.start()
    started = time.monotonic()
    with pytest.raises(OutcomesError, match="temporary server did not start: it exited"):
        server.wait(timeout=30)
    assert time.monotonic() - started < 10  # an exited server is not waited for
    server.stop()


def test_warm_starts_every_renderer_before_the_first_job():
    with RenderPool(workers=2) as pool:
        pool.warm()
        deadline = time.monotonic() + 120
        while pool.started < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert pool.started == 2


def _servers_of(pid: int) -> list[psutil.Process]:
    try:
        children = psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    servers = []
    for child in children:
        try:
            if "server start" in " ".join(child.cmdline()):
                servers.append(child)
        except (psutil.NoSuchProcess, psutil.ZombieProcess):
            pass  # a child that has just ended
    return servers


def test_a_killed_build_leaves_no_prefect_server_running(tmp_path):
    """kill -9 of `outcomes build`: its temporary server ends with it, within seconds."""
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    build = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "outcomes"),
            "build",
            str(INPUTS / "igf2023-ws285"),
            "--out",
            str(tmp_path),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        servers: list[psutil.Process] = []
        while not servers and time.monotonic() < deadline:
            servers = _servers_of(build.pid)
            time.sleep(0.1)
        assert servers, "the build started no temporary server"
        time.sleep(1.0)  # let it get going
        build.kill()
        build.wait()
        gone, alive = psutil.wait_procs(servers, timeout=10)
        assert alive == [], f"left running after kill -9 of the build: {alive}"
    finally:
        if build.poll() is None:
            build.kill()
            build.wait()


def test_a_killed_build_leaves_no_renderer_working_on(tmp_path):
    """kill -9 of `outcomes build` in the middle of a document: its renderer ends with it, at once."""
    slow = tmp_path / "slow-templates" / "session_report"
    slow.mkdir(parents=True)
    # WeasyPrint takes about a minute to lay this out on a session report.
    (slow / "style.css").write_text("* { display: flex !important; flex-wrap: wrap; }\n", "utf-8")
    marker = f"killed-{os.getpid()}-{time.monotonic_ns()}"
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"} | {"OUTCOMES_TEST_MARKER": marker}
    out = tmp_path / "out"
    command = [str(Path(sys.executable).parent / "outcomes"), "build", str(INPUTS / "igf2025-ws106")]
    command += ["--out", str(out), "--doc", "session_report", "--format", "pdf"]
    command += ["--templates", str(slow.parent)]
    build = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not list(out.glob(".*.partial/.session_report.pdf.*.part")) and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.0)  # well into the layout
        busy = [p for p in left_behind(marker) if "outcomes.pool" in " ".join(p.cmdline())]
        assert busy and build.poll() is None, "no renderer was working on the PDF"
        build.kill()
        build.wait()
        _gone, alive = psutil.wait_procs(busy, timeout=10)
        assert alive == [], f"still rendering after kill -9 of the build: {alive}"
        _gone, alive = psutil.wait_procs(left_behind(marker), timeout=10)
        assert alive == [], f"left running after kill -9 of the build: {alive}"
    finally:
        if build.poll() is None:
            build.kill()
            build.wait()
        for proc in left_behind(marker):
            proc.kill()


def _outcomes(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).parent / "outcomes"), *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)


def test_a_configured_server_that_is_down_is_one_line_and_exit_3(tmp_path):
    marker = f"down-{os.getpid()}-{time.monotonic_ns()}"
    env = {**os.environ, "PREFECT_API_URL": "http://127.0.0.1:9/api", "OUTCOMES_TEST_MARKER": marker}
    done = _outcomes("build", str(INPUTS / "igf2023-ws285"), "--out", str(tmp_path), env=env)
    assert done.returncode == 3
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "http://127.0.0.1:9/api" in lines[0] and "does not answer" in lines[0]
    assert "unset PREFECT_API_URL" in lines[0]
    assert "Traceback" not in done.stdout + done.stderr
    assert not (tmp_path / "igf2023-ws285").exists()
    # The renderers start while Prefect is imported; with no run to use them they end with the command.
    assert left_behind(marker) == []


@pytest.fixture
def running_server(monkeypatch):
    """A Prefect server answering on a port of its own, as a configured server would."""
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    server = embedded.TemporaryServer()
    server.start()
    try:
        server.wait()
        yield server
    finally:
        server.stop()


def test_the_temporary_server_runs_only_the_services_its_runs_use(running_server):
    # The server's own view of its settings: a setting Prefect renamed would show here as enabled.
    settings = httpx.get(f"{running_server.api_url}/admin/settings", timeout=10).json()["server"]
    services = {name: value.get("enabled") for name, value in settings["services"].items()}
    assert settings["analytics_enabled"] is False
    assert settings["register_blocks_on_start"] is False
    assert settings["memoize_block_auto_registration"] is False
    off = ["scheduler", "late_runs", "foreman", "cancellation_cleanup", "pause_expirations", "repossessor"]
    off += ["cleanup_reconciler", "triggers"]
    assert [name for name in off if services[name]] == []
    assert services["event_persister"] is True and services["task_run_recorder"] is True


def test_with_a_configured_server_the_build_prints_the_flow_runs_address(tmp_path, running_server):
    marker = f"configured-{os.getpid()}-{time.monotonic_ns()}"
    env = {**os.environ, "PREFECT_API_URL": running_server.api_url, "OUTCOMES_TEST_MARKER": marker}
    done = _outcomes(
        "build", str(INPUTS / "igf2023-ws285"), "--out", str(tmp_path), "--format", "html", env=env
    )
    assert left_behind(marker) == []  # its renderers ended with it
    assert done.returncode == 0, done.stderr
    assert f"Prefect flow run: http://127.0.0.1:{running_server.port}/runs/flow-run/" in done.stdout


def _profiles(path: Path, active: str, url: str | None) -> Path:
    lines = [f'active = "{active}"', "", "[profiles.local]", "", "[profiles.fast]"]
    if url:
        lines.append(f'PREFECT_API_URL = "{url}"')
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def test_a_settings_file_naming_an_api_means_no_early_server(tmp_path, monkeypatch):
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.delenv("PREFECT_PROFILE", raising=False)
    monkeypatch.chdir(tmp_path)
    profiles = tmp_path / "profiles.toml"
    monkeypatch.setenv("PREFECT_PROFILES_PATH", str(profiles))

    _profiles(profiles, "fast", "http://127.0.0.1:4200/api")
    assert embedded.settings_name_api_server()
    assert embedded.start_early() is None
    _profiles(profiles, "local", "http://127.0.0.1:4200/api")  # the active profile names none
    assert not embedded.settings_name_api_server()
    monkeypatch.setenv("PREFECT_PROFILE", "fast")  # the environment picks the profile
    assert embedded.settings_name_api_server()
    monkeypatch.delenv("PREFECT_PROFILE")
    profiles.write_text('active = "fast"\n[profiles.fast\n', "utf-8")  # broken: no hint, no error
    assert not embedded.settings_name_api_server()

    (tmp_path / "prefect.toml").write_text('[api]\nurl = "http://127.0.0.1:4200/api"\n', "utf-8")
    assert embedded.settings_name_api_server()
    (tmp_path / "prefect.toml").unlink()
    (tmp_path / "pyproject.toml").write_text('[tool.prefect.api]\nurl = "http://127.0.0.1:4200/api"\n')
    assert embedded.settings_name_api_server()
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert not embedded.settings_name_api_server()
    (tmp_path / ".env").write_text(
        "# the team's server\nexport PREFECT_API_URL='http://127.0.0.1:4200/api'\n"
    )
    assert embedded.settings_name_api_server()
    (tmp_path / ".env").write_text("PREFECT_LOGGING_LEVEL=INFO\n")
    assert not embedded.settings_name_api_server()
    (tmp_path / ".env").write_bytes(b"\xff\xfe PREFECT_API_URL\n")  # unreadable: no hint, no error
    assert not embedded.settings_name_api_server()


def test_a_misleading_settings_file_gets_the_temporary_server_late(monkeypatch):
    """The hint said an API is configured; Prefect's settings say none is: the server starts then."""
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.setattr(embedded, "settings_name_api_server", lambda: True)
    assert embedded.start_early() is None
    with embedded.embedded_default(None) as api_url:
        assert api_url is not None
        assert httpx.get(f"{api_url}/health", timeout=10).status_code == 200
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{api_url}/health", timeout=2)


def test_a_build_with_the_server_in_a_profile_starts_no_temporary_server(tmp_path, running_server):
    profiles = _profiles(tmp_path / "profiles.toml", "fast", running_server.api_url)
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "PREFECT_PROFILE")}
    env["PREFECT_PROFILES_PATH"] = str(profiles)
    command = [str(Path(sys.executable).parent / "outcomes"), "build", str(INPUTS / "igf2023-ws285")]
    with (tmp_path / "stdout").open("w") as out, (tmp_path / "stderr").open("w") as err:
        build = subprocess.Popen(
            [*command, "--out", str(tmp_path / "out"), "--format", "html"], env=env, stdout=out, stderr=err
        )
        started_servers: list[psutil.Process] = []
        while build.poll() is None:
            started_servers += _servers_of(build.pid)
            time.sleep(0.02)
    stdout = (tmp_path / "stdout").read_text()
    assert build.returncode == 0, (tmp_path / "stderr").read_text()
    assert started_servers == []
    assert f"Prefect flow run: http://127.0.0.1:{running_server.port}/runs/flow-run/" in stdout
