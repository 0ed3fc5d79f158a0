"""Fewer malloc arenas (app/kernel/memory.py): in a process of its own, sixteen threads that
allocate at once share at most two arenas once the limit is set, and get more without it
(glibc's `malloc_stats()` lists one "Arena N:" per arena on stderr). The service runs on
Linux with glibc (Debian, the container image), where the limit must take."""

from __future__ import annotations

import subprocess
import sys

import pytest

SCRIPT = """
import ctypes, sys, threading
from app.kernel.memory import limit_malloc_arenas
if sys.argv[1] == "limited":
    assert limit_malloc_arenas()
start = threading.Barrier(16)
def churn():
    start.wait()
    for _ in range(2000):
        [bytearray(512) for _ in range(50)]
threads = [threading.Thread(target=churn) for _ in range(16)]
for t in threads: t.start()
for t in threads: t.join()
ctypes.CDLL(None).malloc_stats()
"""


def arenas(mode: str) -> int:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": "."}
    done = subprocess.run([sys.executable, "-c", SCRIPT, mode], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stderr.count("Arena ")


def test_two_arenas_at_most_once_limited() -> None:
    assert arenas("limited") <= 2
    assert arenas("free") > 2  # the test can tell: without the limit the threads get their own


def test_an_explicit_setting_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    from app.kernel.memory import limit_malloc_arenas

    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert limit_malloc_arenas() is False
