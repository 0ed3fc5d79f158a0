"""A graceful stop (issue 14): from SIGTERM on, /readyz answers 503 while the process keeps
serving for SHUTDOWN_DRAIN seconds (a load balancer stops sending), then it exits by itself;
no request that arrives meanwhile is reset."""

from __future__ import annotations

import os
import signal
import time
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.live


def test_a_stop_drains_before_it_closes(live_server: Any) -> None:
    base = live_server.start(workers=1, extra_env={"SHUTDOWN_DRAIN": "3", "SHUTDOWN_GRACE": "5"})
    process = live_server.procs[-1]
    assert httpx.get(f"{base}/readyz").json()["status"] == "ok"

    os.killpg(process.pid, signal.SIGTERM)
    started = time.monotonic()
    ready = httpx.get(f"{base}/readyz", timeout=5)
    assert ready.status_code == 503
    assert ready.json()["status"] == "stopping"
    answers = []
    while time.monotonic() - started < 2.0:  # well inside the drain: still served, never reset
        answers.append(httpx.get(f"{base}/api/v1/consent-policy", timeout=5).status_code)
        time.sleep(0.1)
    assert answers
    assert set(answers) == {200}

    assert process.wait(timeout=15) is not None
    assert time.monotonic() - started >= 3.0  # it waited for the drain
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{base}/readyz", timeout=2)
