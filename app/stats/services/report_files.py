"""The monthly report's files, drawn in a child process that exits when they are done.

fpdf2 with fontTools, and openpyxl, hold ~55 MB resident once imported, and a process keeps
what it has imported. The hourly job (in the embedded default, the serving process itself)
and a download of a month not kept draw a month's files once; drawn here, the process that
asked stays the size it was. The child gets the report as JSON on stdin and answers the file
on stdout: nothing but data crosses.

    python -m app.stats.services.report_files pdf < report.json > report.pdf
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import msgspec

from app.stats.services.report import MonthlyReport

ROOT = Path(__file__).resolve().parents[3]  # where `python -m app…` finds the packages
KINDS = ("pdf", "xlsx")
PYTHON = sys.executable


class DrawingFailed(RuntimeError):
    pass


async def draw(kind: str, found: MonthlyReport) -> bytes:
    """The month's file of this kind (pdf or xlsx)."""
    if kind not in KINDS:
        raise ValueError(f"unknown report file kind {kind!r}")
    child = await asyncio.create_subprocess_exec(
        PYTHON,
        "-m",
        __name__,
        kind,
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        # A session of its own: a signal to the server's process group (Ctrl-C, a supervisor
        # stopping the group) must not kill the drawing mid-way and fail the month for good;
        # the server's shutdown cancels this task instead, which kills the child below and
        # leaves the month interrupted, for the watchdog to resume.
        start_new_session=True,
    )
    try:
        out, err = await child.communicate(msgspec.json.encode(found))
    finally:
        if child.returncode is None:  # cancelled (a shutdown, a newer run): no orphan left
            child.kill()
            await child.wait()
    if child.returncode != 0:
        raise DrawingFailed(f"drawing the {kind} exited {child.returncode}: {err.decode(errors='replace')[-2000:]}")
    return out


def _drawer(kind: str) -> Callable[[MonthlyReport], bytes]:
    if kind == "pdf":
        from app.stats.services.report_pdf import pdf

        return pdf
    from app.stats.services.report import xlsx

    return xlsx


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in KINDS:
        print(f"usage: python -m {__name__} {{pdf|xlsx}} < report.json", file=sys.stderr)
        return 2
    found = msgspec.json.decode(sys.stdin.buffer.read(), type=MonthlyReport)
    sys.stdout.buffer.write(_drawer(argv[0])(found))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
