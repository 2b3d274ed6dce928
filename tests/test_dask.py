"""The Dask task runner (prefect-dask) on a LocalCluster: the same batch, spread over worker processes."""

from __future__ import annotations

import pytest

pytest.importorskip("prefect_dask")

from prefect.exceptions import FailedRun  # noqa: E402
from test_flows import GOOD, broken_session, copy_session  # noqa: E402


def test_dask_local_cluster_builds_a_small_batch(tmp_path, monkeypatch):
    monkeypatch.setenv("OUTCOMES_DASK_WORKERS", "2")
    from flows import build as fb
    from flows.cluster import build_sessions_dask

    inputs = tmp_path / "inputs"
    folders = [copy_session(GOOD[0], inputs, "dask-ws001"), copy_session(GOOD[1], inputs, "dask-ws002")]
    folders.append(broken_session(inputs))
    out = tmp_path / "out"
    with fb.collecting() as collected:
        state = build_sessions_dask(
            folders=[str(f) for f in folders], out=str(out), formats=["pdf"], return_state=True
        )
    results = {r.session: r.status for r in collected}
    assert results == {"dask-ws001": "built", "dask-ws002": "built", "broken-ws000": "failed"}
    assert state.is_failed() and state.message == "1/3 states failed."
    with pytest.raises(FailedRun, match=r"^broken-ws000: .*session\.yaml:"):
        state.result()
    for sid in ("dask-ws001", "dask-ws002"):
        assert (out / sid / "session_report.pdf").read_bytes().startswith(b"%PDF")
        assert (out / sid / "session_report.html").is_file()
