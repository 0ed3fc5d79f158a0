"""What a serving process does not import until it is used (app/kernel/lazy.py), and the
monthly report's files drawn in a child process (app/stats/services/report_files.py): the
memory a process never needs is never taken. Each check runs in a fresh interpreter, since
this test process has imported everything already."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from app.kernel.lazy import lazy
from app.stats.schemas import Summary
from app.stats.services import report_files
from app.stats.services.report import MonthlyReport

ROOT = Path(__file__).resolve().parents[2]
# Drawing, calendars, charts, outside services' clients, report files.
NOT_AT_START = ("PIL", "qrcode", "barcode", "icalendar", "pygal", "httpx", "fpdf", "openpyxl")


def run(code: str, **env: str) -> None:
    environ = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env={**environ, **env}, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]


def test_a_serving_process_starts_without_the_heavy_libraries(tmp_path: Path) -> None:
    run(
        "import sys\n"
        "from app.web.app import create_app\n"
        "create_app()\n"
        "from app.jobs import registry\n"
        f"loaded = sorted(m for m in {NOT_AT_START!r} + ('redis',) if m in sys.modules)\n"
        "assert not loaded, f'imported at start: {loaded}'\n"
        # Each is there when its first use comes.
        "from spaces.services import codes\n"
        "assert b'<svg' in codes.images.svg('https://example.org/c/1')\n"
        "assert 'qrcode' in sys.modules and 'PIL' in sys.modules\n"
        "from app.stats.services import charts\n"
        "charts.line('k', 'visits', ['a', 'b'], [1.0, 2.0], ('day', 'visits'))\n"
        "assert 'pygal' in sys.modules\n",
        DATABASE_URL=f"sqlite://{tmp_path / 'db.sqlite3'}",
    )


def test_a_lazy_module_imports_on_first_read() -> None:
    run(
        "import sys\n"
        "from app.kernel.lazy import lazy\n"
        "colorsys = lazy('colorsys')\n"
        "assert 'colorsys' not in sys.modules and 'colorsys' in repr(colorsys)\n"
        "assert colorsys.rgb_to_hsv(1.0, 0.0, 0.0) == (0.0, 1.0, 1.0) and 'colorsys' in sys.modules\n"
    )
    with pytest.raises(AttributeError):
        _ = lazy("json").no_such_name
    with pytest.raises(ModuleNotFoundError):
        _ = lazy("no_such_module_here").anything


REPORT = MonthlyReport(
    month="2026-11",
    district=Summary(first=date(2026, 11, 1), last=date(2026, 11, 30), visits=13, people=13, adults=6, children=7),
    streets=[["东华门街道", 2, 13, 13, 7, 4, 1, 3, 2, 5]],
    active=[("王府井书店亲子阅读基地", "东华门街道", 9, 9)],
    quiet=[],
)


async def test_the_report_files_are_drawn_in_a_child_process() -> None:
    pdf = await report_files.draw("pdf", REPORT)
    assert pdf.startswith(b"%PDF") and len(pdf) > 5_000
    xlsx = await report_files.draw("xlsx", REPORT)
    book = openpyxl.load_workbook(io.BytesIO(xlsx))
    cells = {cell for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for cell in row}
    assert "东华门街道" in cells and "王府井书店亲子阅读基地" in cells
    # The process that asked never imported the drawing libraries.
    run(
        "import asyncio, sys\n"
        "from tests.app.test_lazy_imports import REPORT\n"
        "from app.stats.services import report_files\n"
        "assert asyncio.run(report_files.draw('pdf', REPORT)).startswith(b'%PDF')\n"
        "assert 'fpdf' not in sys.modules and 'fontTools' not in sys.modules\n"
    )


async def test_a_failed_drawing_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="unknown report file kind"):
        await report_files.draw("docx", REPORT)
    monkeypatch.setattr(report_files, "PYTHON", "/bin/false")
    with pytest.raises(report_files.DrawingFailed, match="exited 1"):
        await report_files.draw("pdf", REPORT)
    done = subprocess.run(
        [sys.executable, "-m", "app.stats.services.report_files", "docx"], cwd=ROOT, capture_output=True, check=False
    )
    assert done.returncode == 2 and b"usage" in done.stderr


async def test_the_drawing_child_is_out_of_reach_of_the_servers_signals(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A signal to the server's process group (Ctrl-C, a supervisor stopping the group) killed
    the drawing mid-way and failed the month for good: the child runs in a session of its own.
    The stand-in child answers its session id as the "file"."""
    child = tmp_path / "child"
    child.write_text('#!/bin/sh\ncat > /dev/null\ncut -d " " -f 6 /proc/$$/stat\n')
    child.chmod(0o755)
    monkeypatch.setattr(report_files, "PYTHON", str(child))
    session = int(await report_files.draw("pdf", REPORT))
    assert session != os.getsid(0)
