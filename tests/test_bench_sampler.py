"""The benchmark's memory sampler: a process tree's peak memory, shared pages counted once (no timings)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.run import TreeSampler  # noqa: E402

MB = 2**20
# Four processes map one 200 MB file and read all of it: they share its pages.
READER = """
import mmap, sys, time
with open(sys.argv[1], "rb") as f:
    view = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
total = sum(view[i] for i in range(0, len(view), 4096))
print("ready", flush=True)
time.sleep(float(sys.argv[2]))
"""
TREE = """
import subprocess, sys
reader = sys.argv[1]
children = [subprocess.Popen([sys.executable, "-c", reader, sys.argv[2], "4"], stdout=subprocess.PIPE, text=True)
            for _ in range(3)]
for child in children:
    child.stdout.readline()
exec(reader.replace("sys.argv[1]", "sys.argv[2]").replace("float(sys.argv[2])", "4.0"))
for child in children:
    child.wait()
"""


def test_shared_pages_count_once_in_pss_and_in_every_process_in_rss(tmp_path):
    data = tmp_path / "block"
    data.write_bytes(b"\x01" * (200 * MB))
    proc = subprocess.Popen(
        [sys.executable, "-c", TREE, READER, str(data)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    sampler = TreeSampler(proc.pid)
    sampler.start()
    time.sleep(1.0)
    sampler.stop()
    proc.wait(timeout=30)

    pss, rss = sampler.peak_bytes / MB, sampler.peak_rss_bytes / MB
    assert sampler.peak_procs == 4
    assert 200 <= pss < 300, pss  # the file's pages once, plus four small interpreters
    assert rss >= 4 * 200, rss  # the file's pages in each of the four processes
    assert abs(sum(mb for _, mb in sampler.peak_breakdown) - pss) < 2
