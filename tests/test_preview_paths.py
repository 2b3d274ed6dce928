"""The preview server answers only its own routes: nothing outside the preview folder, whatever the path.

Every request target is sent exactly as written (http.client does not normalise it), so ``../``,
percent-encoded dots and slashes, absolute paths and a symlink in the preview folder all reach the
server as an attacker would send them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from served import Served

ROOT = Path(__file__).resolve().parents[1]
SECRET = b"SECRET-OUTSIDE-THE-PREVIEW-FOLDER"


@pytest.fixture(scope="module")
def served_with_secrets(tmp_path_factory):
    """A running preview, a secret file beside its output folder, and symlinks to it in the preview folder."""
    tmp_path = tmp_path_factory.mktemp("paths")
    session = tmp_path / "igf2025-ws106"
    shutil.copytree(ROOT / "inputs" / "igf2025-ws106", session)
    out = tmp_path / "out"
    secret = tmp_path / "secret.txt"
    secret.write_bytes(SECRET)
    (tmp_path / "secret-dir").mkdir()
    (tmp_path / "secret-dir" / "inside.txt").write_bytes(SECRET)
    with Served(session, "session_report", None, out) as served:
        preview = out / "igf2025-ws106" / "preview"
        (preview / "linked-secret.txt").symlink_to(secret)
        (preview / "linked-dir").symlink_to(tmp_path / "secret-dir", target_is_directory=True)
        (preview / "linked-session.yaml").symlink_to(session / "session.yaml")
        yield served, secret, session


def test_the_preview_folder_is_served(served_with_secrets):
    """The control: the route works, so the refusals below are refusals."""
    served, _secret, _session = served_with_secrets
    status, body = served.get("/files/session_report.html")
    assert status == 200 and b"<html" in body


@pytest.mark.parametrize(
    "target",
    [
        # ../ out of the preview folder (out/igf2025-ws106/preview -> tmp/secret.txt)
        "/files/../../../secret.txt",
        "/files/../../../igf2025-ws106/session.yaml",
        "/../../../secret.txt",
        "/files/./../../../secret.txt",
        # percent-encoded dots and slashes
        "/files/%2e%2e/%2e%2e/%2e%2e/secret.txt",
        "/files/%2E%2E%2F%2E%2E%2F%2E%2E%2Fsecret.txt",
        "/files/..%2f..%2f..%2fsecret.txt",
        "/files/..%252f..%252f..%252fsecret.txt",
        "/files/..%5c..%5c..%5csecret.txt",
        "/files/%2e%2e%5c%2e%2e%5c%2e%2e%5csecret.txt",
        # absolute paths, plain and encoded ({secret} is filled in with the file's absolute path)
        "/files/{secret}",
        "/files/%2f{secret_rel}",
        "/files/%2F{secret_enc}",
        "//{secret_rel}",
        "{secret}",
        "/files//etc/passwd",
        "/etc/passwd",
        # symlinks in the preview folder pointing out
        "/files/linked-secret.txt",
        "/files/linked-dir/inside.txt",
        "/files/linked-session.yaml",
        # not routes of the server at all
        "/session.yaml",
        "/notes/01-session-report.txt",
        "/files/",
    ],
)
def test_nothing_outside_the_preview_folder(served_with_secrets, target):
    served, secret, session = served_with_secrets
    target = target.format(
        secret=secret.as_posix(),
        secret_rel=secret.as_posix().lstrip("/"),
        secret_enc=secret.as_posix().lstrip("/").replace("/", "%2F"),
    )
    status, body = served.get(target)
    assert status in (400, 404), (target, status)
    assert SECRET not in body
    assert (session / "session.yaml").read_bytes() not in body
