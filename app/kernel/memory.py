"""Fewer malloc arenas. glibc gives a thread that allocates while another does an arena of its
own, up to eight per core, and an arena keeps the memory the process freed. Every SQLite
connection and every `asyncio.to_thread` worker is such a thread, and the embedded process
(the web process and the jobs in one) grew to 206-252 MB where two arenas gave 170
(docs/benchmarks.md). Our Python runs on one thread per process: two arenas are enough."""

from __future__ import annotations

import ctypes
import ctypes.util
import os

M_ARENA_MAX = -8  # glibc's malloc.h


def limit_malloc_arenas(count: int = 2) -> bool:
    """As `MALLOC_ARENA_MAX=count` would, from inside the process; False where it cannot (not
    glibc) or need not (MALLOC_ARENA_MAX is set: it wins)."""
    if os.environ.get("MALLOC_ARENA_MAX"):
        return False
    try:
        mallopt = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    return bool(mallopt(M_ARENA_MAX, count))
