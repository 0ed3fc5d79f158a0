"""Small helpers for the wiring tests: problem-details checks and an admin's headers."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.helpers import staff_headers

PROBLEM_JSON = "application/problem+json"


def expect_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """Assert an RFC 9457 problem with our stable `code`; returns the body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON), response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["code"] == code, body
    assert isinstance(body["title"], str)
    assert body["title"]
    assert isinstance(body["detail"], str)
    assert body["detail"]
    return body


def field_names(body: dict[str, Any]) -> set[str]:
    """The field names a validation problem points at."""
    return {str(f["field"]) for f in body.get("fields", [])}


@pytest.fixture
async def admin(client: httpx.AsyncClient) -> dict[str, str]:
    """Bearer headers of a district admin."""
    return await staff_headers(client, "admin1")
