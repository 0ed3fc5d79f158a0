"""The statistics tests' district admin."""

from __future__ import annotations

import httpx
import pytest

from tests.helpers import staff_headers


@pytest.fixture
async def admin(client: httpx.AsyncClient) -> dict[str, str]:
    """A district admin's API headers."""
    return await staff_headers(client, "stats_admin")
