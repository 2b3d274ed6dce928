"""A preview server running in a thread of the test, and a reader of its event stream."""

from __future__ import annotations

import http.client
import json
import re
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from outcomes.preview import run_preview


class Lines:
    """A console stand-in that keeps what the preview prints."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def print(self, *objects: object, markup: bool | None = None) -> None:
        self.lines.append(" ".join(str(o) for o in objects))


def wait_for(condition, timeout: float) -> float:
    """Seconds until ``condition()`` holds; fails after ``timeout``."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if condition():
            return time.perf_counter() - started
        time.sleep(0.005)
    raise AssertionError(f"not within {timeout} s")


class Served:
    """``outcomes preview`` serving on a free port of 127.0.0.1 until the block ends."""

    def __init__(self, session: Path, doc: str, templates: Path | None, out: Path, pdf: bool = False, **kw):
        self.lines, self.stop = Lines(), threading.Event()
        self.thread = threading.Thread(
            target=run_preview,
            args=(session, doc, templates, pdf, out, False, self.lines, self.stop),
            kwargs={"port": 0, **kw},
            daemon=True,
        )

    def __enter__(self) -> Served:
        self.thread.start()
        wait_for(lambda: any(line.startswith("serving ") for line in self.lines.lines), 60)
        line = next(line for line in self.lines.lines if line.startswith("serving "))
        self.url = re.search(r"http://\S+", line).group(0)
        parts = urlsplit(self.url)
        self.host, self.port = parts.hostname, parts.port
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(15)
        assert not self.thread.is_alive(), "the server did not stop"

    def get(self, target: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        """GET a request target sent exactly as written (http.client does not normalise it)."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            conn.request("GET", target, headers=headers or {})
            answer = conn.getresponse()
            return answer.status, answer.read()
        finally:
            conn.close()

    def events(self, query: str = "") -> EventStream:
        return EventStream(self.host, self.port, f"/events{query}")


class EventStream:
    """The page's server-sent events, read as a browser's EventSource reads them."""

    def __init__(self, host: str, port: int, target: str):
        self.conn = http.client.HTTPConnection(host, port, timeout=30)
        self.conn.request("GET", target, headers={"Accept": "text/event-stream"})
        self.answer = self.conn.getresponse()
        assert self.answer.status == 200
        assert self.answer.headers["content-type"].startswith("text/event-stream")

    def next(self) -> dict[str, Any]:
        data = []
        while True:
            line = self.answer.readline().decode("utf-8")
            if not line:
                raise AssertionError("the event stream ended")
            line = line.rstrip("\r\n")
            if line.startswith("data: "):
                data.append(line[6:])
            elif not line and data:
                return json.loads("\n".join(data))

    def until(self, condition, limit: int = 20) -> dict[str, Any]:
        for _ in range(limit):
            state = self.next()
            if condition(state):
                return state
        raise AssertionError(f"no such event in {limit}")

    def close(self) -> None:
        self.conn.close()
