"""What a serving process does not import until it is used (app/kernel/lazy.py): the memory
a process never needs is never taken. Each check runs in a fresh interpreter, since this test
process has imported everything already."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.kernel.lazy import lazy

ROOT = Path(__file__).resolve().parents[2]
# Drawing, calendars, charts, outside services' clients, spreadsheets and PDFs.
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
