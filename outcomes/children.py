"""Child processes that end with the command that started them, however it ends.

A command killed with SIGKILL runs no clean-up, so a child it started (Prefect's temporary server, a
renderer in the middle of a document) would go on for ever, or for as long as its work takes. On
Linux the kernel can send the child a signal when its parent ends (``PR_SET_PDEATHSIG``); elsewhere
the callers keep their own ``atexit`` hooks, which a SIGKILL skips. Standard library only: the
embedded default imports this before it starts its server.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def end_with(parent: int) -> None:
    """In a child process: receive SIGTERM when ``parent`` ends (Linux only).

    The kernel sends it when the *thread* that started this process ends; the server and the
    renderers are started by threads that outlive them. ``parent`` is checked once after the request:
    if it ended while this process was starting, the signal would never come.
    """
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:
            os.kill(os.getpid(), signal.SIGTERM)
