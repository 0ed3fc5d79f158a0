"""A web process's stop, in the order a load balancer needs: on SIGTERM `/readyz` answers
503 at once while the process keeps serving for `SHUTDOWN_DRAIN` seconds (the balancer sees
it and sends no new requests); then uvicorn stops accepting and gives the requests in flight
up to `SHUTDOWN_GRACE` seconds. Without the drain, connections that arrived in the moment
after the signal were reset.

Installed only under uvicorn's own signal handling (`python -m app serve`), so an app run
in-process by the tests is left alone.
"""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType
from typing import Any

log = logging.getLogger("storycorner.lifecycle")

stopping = threading.Event()


def install_drain(drain_seconds: float) -> bool:
    """Put the drain in front of uvicorn's SIGTERM handler; False when uvicorn is not serving."""
    current: Any = signal.getsignal(signal.SIGTERM)
    owner = getattr(current, "__self__", None)
    if owner is None or type(owner).__module__.split(".")[0] != "uvicorn":
        return False

    def on_term(sig: int, frame: FrameType | None) -> None:
        if stopping.is_set():  # a second signal: stop now
            current(sig, frame)
            return
        stopping.set()
        log.warning("stopping: /readyz answers 503; serving %ss more before closing", drain_seconds)
        timer = threading.Timer(drain_seconds, current, (sig, frame))
        timer.daemon = True
        timer.start()

    signal.signal(signal.SIGTERM, on_term)
    return True
