"""The machine's speed at a moment, and two bench runs compared at the same speed.

The machines the bench runs on share their cores with others: the same code measured 47 µs
and 69 µs a request (`tests.load.deps_cpu`) an hour apart, and a city run's own `/healthz`
floor cost 1.63 × the district run's before it. A CPU figure per request moves with that, so
comparing two runs compares their machines too. Right before and after each scenario the
bench times a fixed piece of pure Python (`calibrate`: dicts, strings, JSON, sorting, as a
request handler does), in CPU time (a core taken away by the host is not counted, as it is
not in the server's CPU figures either), and writes it into the row. `compare` divides each
row's CPU per request by its calibration:

    python -m tests.load.speed var/bench/bench-<district>.json var/bench/bench-<city>.json
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROUNDS = 7


def _work() -> int:
    rows = [{"id": i, "name": f"绘本 {i}", "street": f"街道 {i % 271}", "n": i * 3} for i in range(1500)]
    encoded = json.dumps(rows, ensure_ascii=False)
    decoded = json.loads(encoded)
    by_street: dict[str, int] = {}
    for row in decoded:
        by_street[row["street"]] = by_street.get(row["street"], 0) + row["n"]
    return len(sorted(by_street, key=lambda s: (-by_street[s], s))) + len(encoded)


def calibrate() -> float:
    """CPU milliseconds of the fixed work, the median of ROUNDS (~10 ms each on the machines
    seen here)."""
    times = []
    for _ in range(ROUNDS):
        started = time.process_time()
        _work()
        times.append((time.process_time() - started) * 1000)
    return round(statistics.median(times), 3)


def rows_of(path: Path) -> dict[str, dict[str, Any]]:
    report = json.loads(path.read_text(encoding="utf-8"))
    return {r["scenario"]: r for r in report["rows"] if r["engine"] == "postgresql"}


def compare(first: Path, second: Path) -> list[str]:
    """Serving CPU ms per request of each scenario in both runs, their ratio, and the ratio at
    the same speed (each divided by its row's calibration), as a markdown table."""
    a, b = rows_of(first), rows_of(second)
    lines = [
        f"| scenario | {first.stem} | calib. ms | {second.stem} | calib. ms | ratio | at the same speed |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for scenario, x in a.items():
        y = b.get(scenario)
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
