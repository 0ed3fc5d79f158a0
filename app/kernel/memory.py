"""Fewer malloc arenas, and freed memory given back.

glibc gives a thread that allocates while another does an arena of its own, up to eight per
core, and an arena keeps the memory the process freed. Every SQLite connection and every
`asyncio.to_thread` worker is such a thread, and the embedded process (the web process and the
jobs in one) grew to 206-252 MB where two arenas gave 170 (docs/benchmarks.md). Our Python runs
on one thread per process: two arenas are enough.

glibc also keeps what a process frees for its next allocations; `give_back()` returns the free
pages to the system after a large release (the statistics' kept values of a rollup run left
behind: a web process otherwise stayed 3-7 MB larger after each run)."""

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


def give_back() -> bool:
    """Return the memory glibc holds free to the system (`malloc_trim(0)`: every arena's free
    pages); False where it cannot (not glibc) or nothing was returned."""
    try:
        trim = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return False
    trim.argtypes = (ctypes.c_size_t,)
    return bool(trim(0))
