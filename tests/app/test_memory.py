"""Fewer malloc arenas (app/kernel/memory.py): in a process of its own, sixteen threads that
allocate at once share at most two arenas once the limit is set, and get more without it
(glibc's `malloc_stats()` lists one "Arena N:" per arena on stderr); memory freed is given
back to the system. The service runs on Linux with glibc (Debian, the container image),
where both must take."""

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


GIVE_BACK = """
import os, sys
from app.kernel.memory import give_back
def resident():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 2**20
kept = [bytearray(600) for _ in range(200_000)]  # ~130 MB through malloc, not Python's arenas
pinned = kept[::1000]  # a few blocks still in use, scattered through the heap
del kept
before = resident()
assert give_back()
print(before, resident())
"""


def test_freed_memory_is_given_back() -> None:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": "."}
    done = subprocess.run([sys.executable, "-c", GIVE_BACK], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    before, after = (int(n) for n in done.stdout.split())
    assert before > 100 and after < before - 80, (before, after)  # MB
