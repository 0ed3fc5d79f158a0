"""A bounded schemathesis run against the real app in uvicorn processes: no request, however
malformed, may produce a 5xx (API.md, Conventions), and every answer is one the OpenAPI
document lists: its status, its content type (problem details for every refusal) and its
schema. Run with a district admin's token and with a family's, each over every operation.

Operations that would end the run's own credentials (revoking the token, erasing the family,
disabling a user — possibly the admin running the tests) are left out of the main runs and
fuzzed last, each with a throw-away account of its own. Every token is issued before any
fuzzing, so the fuzzed log-ins' failure counting cannot lock the test out.

Bounded by time as well as by examples: the API keeps growing, so each run gets a fixed
`--max-time` that schemathesis shares between the operations and phases (a slow or busy
machine gives each operation fewer cases, never a longer test). Seeded; one schemathesis
worker per run, because with its worker threads Python 3.11.7 failed inside hypothesis with
`SystemError: AST constructor recursion depth mismatch`.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.helpers import create_staff, family_body

pytestmark = pytest.mark.live

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
REVOKE_TOKEN = "DELETE /api/v1/auth/tokens/current"
ERASE_FAMILY = "DELETE /api/v1/families/me"
DISABLE_USER = "POST /api/v1/users/{user_id}/disable"
# Every answer must be a documented one: no 5xx, and status, content type and body as the
# OpenAPI document says (refusals: application/problem+json with the Problem schema).
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


def token_for(base: str, login: str, password: str) -> str:
    r = httpx.post(f"{base}/api/v1/auth/tokens", json={"login": login, "password": password}, timeout=10)
    assert r.status_code == 201, r.text
    return str(r.json()["token"])


async def admin_token(base: str, login: str) -> str:
    await create_staff(login, password="staff-pass-1", roles=("district_admin",))
    return token_for(base, login, "staff-pass-1")


def family_token(base: str) -> str:
    body = family_body()
    r = httpx.post(f"{base}/api/v1/families", json=body, timeout=10)
    assert r.status_code == 201, r.text
    return token_for(base, body["phone"], body["password"])


class Run:
    """One seeded schemathesis process; `wait()` gives None when it passed, else its report."""

    def __init__(self, base: str, token: str, workdir: Path, seconds: int, *filters: str) -> None:
        self.filters = filters
        self.proc = subprocess.Popen(
            [
                str(SCHEMATHESIS),
                "run",
                f"{base}/schema/openapi.json",
                "--header",
                f"Authorization: Bearer {token}",
                "--checks",
                CHECKS,
                "--seed",
                "1",
                "--max-examples",
                "25",
                "--max-time",
                str(seconds),
                "--workers",
                "1",
                "--request-timeout",
                "10",
                "--generation-database",
                "none",
                "--no-color",
                *filters,
            ],
            cwd=workdir,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def wait(self) -> str | None:
        try:
            output, _ = self.proc.communicate(timeout=300)  # a hang guard, not the time budget
        except subprocess.TimeoutExpired:
            self.proc.kill()
            output, _ = self.proc.communicate()
        if self.proc.returncode == 0:
            return None
        return f"=== schemathesis {' '.join(self.filters)} exited {self.proc.returncode}\n{output[-10000:]}"


def server_errors(log: str) -> str:
    """Each failing request and the exception that ended its traceback, one example per kind."""
    seen: dict[str, str] = {}
    for line in log.splitlines():
        if " error on " in line or re.match(r"^[A-Za-z_][\w.]*(Error|Exception)\b", line):
            line = re.sub(r"^.*? - (unhandled error|server error) on ", r"\1 on ", line)
            seen.setdefault(re.sub(r"-?\d+", "N", line), line)
    return "\n".join(seen.values()) or "(none logged)"


async def test_no_request_produces_a_server_error(live_server: Any, tmp_path: Path) -> None:
    base = live_server.start(workers=1)
    server_log = live_server.tmp / f"server-{base.rsplit(':', 1)[1]}.log"
    admin, spare_admin = await admin_token(base, "fuzz-admin"), await admin_token(base, "fuzz-admin-2")
    family, spare_family = family_token(base), family_token(base)

    # Every operation with a district admin's token and, beside it, with a family's, except
    # those that end the run's own credentials.
    main_runs = [
        Run(base, admin, tmp_path, 40, *("--exclude-name", REVOKE_TOKEN, "--exclude-name", DISABLE_USER)),
        Run(base, family, tmp_path, 40, *("--exclude-name", REVOKE_TOKEN, "--exclude-name", ERASE_FAMILY)),
    ]
    reports = [run.wait() for run in main_runs]
    # The credential-ending operations, last, each with a throw-away account.
    reports.append(
        Run(base, spare_family, tmp_path, 8, "--include-name", ERASE_FAMILY, "--include-name", REVOKE_TOKEN).wait()
    )
    reports.append(Run(base, spare_admin, tmp_path, 8, "--include-name", DISABLE_USER).wait())

    failed = [r for r in reports if r]
    if failed:
        log = server_log.read_text(errors="replace")
        pytest.fail(
            "\n\n".join(failed) + f"\n\n=== server errors (request, then exception)\n{server_errors(log)}",
            pytrace=False,
        )
