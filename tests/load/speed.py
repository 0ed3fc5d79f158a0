"""The machine's speed during a scenario, and two bench runs compared at the same speed.

The machines the bench runs on share their cores with others. On an idle machine the same
~8 ms of Python took 4.3-4.8 ms in one moment and 7.4-9.2 ms a third of a second later, back
and forth (2026-12-07), and a city run's own `/healthz` floor cost 1.63 × the district run's
before it. A CPU figure per request moves with that, so comparing two runs compares their
machines too. While each scenario runs, the bench times a fixed piece of pure Python
(`_work`: dicts, strings, JSON and a sort, as a request handler does) every quarter second in
a thread of its own (`Sampled`, ~2 % of a core), in that thread's CPU time (a core taken away
by the host is not counted, as it is not in the server's CPU figures either), and writes the
median into the row. `compare` divides each row's CPU per request by it:

    python -m tests.load.speed var/bench/bench-<district>.json var/bench/bench-<city>.json
"""

from __future__ import annotations

import gc
import json
import statistics
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from types import TracebackType
from typing import Any

INTERVAL = 0.25  # seconds between two samples of the fixed work


def _work() -> int:
    rows = [{"id": i, "name": f"绘本 {i}", "street": f"街道 {i % 271}", "n": i * 3} for i in range(1500)]
    encoded = json.dumps(rows, ensure_ascii=False)
    decoded = json.loads(encoded)
    by_street: dict[str, int] = {}
    for row in decoded:
        by_street[row["street"]] = by_street.get(row["street"], 0) + row["n"]
    return len(sorted(by_street, key=lambda s: (-by_street[s], s))) + len(encoded)


class Sampled:
    """The fixed work's median CPU ms (`ms`), sampled every INTERVAL seconds while the block
    runs, from `start_at` (epoch seconds: when a scenario's load starts) if given; at least
    once."""

    def __init__(self, start_at: float | None = None) -> None:
        self.start_at = start_at
        self.samples: list[float] = []
        self.ms = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="speed", daemon=True)

    def _sample(self) -> None:
        if self.start_at is not None and self._stop.wait(max(0.0, self.start_at - time.time())):
            return
        while True:
            self._sample_once()
            if self._stop.wait(INTERVAL):
                return

    def _sample_once(self) -> None:
        # Without the collector: a collection the work's allocations set off would walk the
        # harness's own heap (its fixtures) and land in the sample. The work frees what it
        # makes by reference counting.
        collecting = gc.isenabled()
        gc.disable()
        try:
            started = time.thread_time()
            _work()
            self.samples.append((time.thread_time() - started) * 1000)
        finally:
            if collecting:
                gc.enable()

    def __enter__(self) -> Sampled:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join()
        if not self.samples:
            self._sample_once()
        self.ms = round(statistics.median(self.samples), 3)


def rows_of(path: Path) -> dict[tuple[str, int], dict[str, Any]]:
    """A run's PostgreSQL rows by stream and the stream's turn: a scenario's label may hold its
    own figure (circulation's cycles per second), and one stream may give several rows in
    order (the search at 8, then at 50 concurrent)."""
    report = json.loads(path.read_text(encoding="utf-8"))
    rows: dict[tuple[str, int], dict[str, Any]] = {}
    turns: Counter[str] = Counter()
    for row in report["rows"]:
        if row["engine"] == "postgresql":
            stream = row.get("stream") or row["scenario"]
            rows[stream, turns[stream]] = row
            turns[stream] += 1
    return rows


def compare(first: Path, second: Path) -> list[str]:
    """Serving CPU ms per request of each scenario in both runs, their ratio, and the ratio at
    the same speed (each divided by its row's calibration), as a markdown table."""
    a, b = rows_of(first), rows_of(second)
    lines = [
        f"| scenario | {first.stem} | calib. ms | {second.stem} | calib. ms | ratio | at the same speed |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for key, x in a.items():
        y, scenario = b.get(key), x["scenario"]
        if y is None:
            continue
        cx, cy = x.get("calibration_ms"), y.get("calibration_ms")
        sx, sy = x["serving_cpu_ms_per_request"], y["serving_cpu_ms_per_request"]
        ratio = sy / sx if sx else float("nan")
        same = ratio * cx / cy if cx and cy else None
        lines.append(
            f"| {scenario} | {sx} | {cx or ''} | {sy} | {cy or ''} | {ratio:.2f} | "
            f"{'' if same is None else f'{same:.2f}'} |"
        )
    return lines


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit("usage: python -m tests.load.speed FIRST.json SECOND.json")
    print("\n".join(compare(Path(sys.argv[1]), Path(sys.argv[2]))))
