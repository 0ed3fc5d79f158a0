"""The bench's comparison of two runs at the same machine speed (tests/load/speed.py)."""

from __future__ import annotations

import gc
import json
import statistics
import time
from pathlib import Path

from tests.load import speed


def run(path: Path, rows: list[tuple[str, float, float | None]], extra: tuple[dict[str, object], ...] = ()) -> Path:
    path.write_text(
        json.dumps(
            {
                "rows": [
                    {"engine": "postgresql", "scenario": name, "serving_cpu_ms_per_request": ms, "calibration_ms": c}
                    for name, ms, c in rows
                ]
                + [{"engine": "sqlite", "scenario": "check-in wave", "serving_cpu_ms_per_request": 9.0}]
                + list(extra)
            }
        ),
        encoding="utf-8",
    )
    return path


def test_a_run_on_a_slower_machine_compares_at_the_same_speed(tmp_path: Path) -> None:
    district = run(tmp_path / "district.json", [("check-in wave", 2.0, 8.0), ("summary", 1.0, None)])
    city = run(tmp_path / "city.json", [("check-in wave", 3.0, 12.0), ("summary", 1.1, None), ("city only", 1, 1)])
    table = speed.compare(district, city)
    assert table[2] == "| check-in wave | 2.0 | 8.0 | 3.0 | 12.0 | 1.50 | 1.00 |"
    assert table[3] == "| summary | 1.0 |  | 1.1 |  | 1.10 |  |"  # no calibration: no same-speed ratio
    assert len(table) == 4  # rows of one run only, and other engines, are left out


def test_the_speed_is_sampled_while_the_block_runs() -> None:
    assert speed._work() == speed._work()  # the same work every time
    with speed.Sampled() as sampled:
        time.sleep(3 * speed.INTERVAL)
    assert len(sampled.samples) >= 2
    assert sampled.ms == round(statistics.median(sampled.samples), 3)
    assert gc.isenabled()  # the collector back on after each sample


def test_a_block_over_before_its_start_still_samples_once() -> None:
    with speed.Sampled(start_at=time.time() + 60) as sampled:
        pass
    assert len(sampled.samples) == 1
    assert sampled.ms > 0


def streamed(stream: str, scenario: str, ms: float, calibration: float) -> dict[str, object]:
    """A PostgreSQL row of `stream` as the bench writes it."""
    return {
        "engine": "postgresql",
        "stream": stream,
        "scenario": scenario,
        "serving_cpu_ms_per_request": ms,
        "calibration_ms": calibration,
    }


def test_rows_pair_by_stream_when_a_label_holds_its_own_figure(tmp_path: Path) -> None:
    def cycles(rate: int, ms: float) -> dict[str, object]:
        return streamed("circulation", f"circulation: {rate} loan + return cycles/s", ms, 7.0)

    district = run(tmp_path / "district.json", [], (cycles(203, 4.0),))
    city = run(tmp_path / "city.json", [], (cycles(167, 5.0),))
    assert speed.compare(district, city)[2:] == [
        "| circulation: 203 loan + return cycles/s | 4.0 | 7.0 | 5.0 | 7.0 | 1.25 | 1.25 |"
    ]


def test_rows_of_one_stream_pair_in_their_order(tmp_path: Path) -> None:
    def search(concurrent: int, ms: float) -> dict[str, object]:
        return streamed("search", f"book search, {concurrent} concurrent", ms, 2.0)

    district = run(tmp_path / "district.json", [], (search(8, 1.0), search(50, 1.5)))
    city = run(tmp_path / "city.json", [], (search(8, 1.1), search(50, 3.0)))
    assert speed.compare(district, city)[2:] == [
        "| book search, 8 concurrent | 1.0 | 2.0 | 1.1 | 2.0 | 1.10 | 1.10 |",
        "| book search, 50 concurrent | 1.5 | 2.0 | 3.0 | 2.0 | 2.00 | 2.00 |",
    ]
