"""docs/api.md is the API as the code has it (tests/web/apidoc.py writes it)."""

from __future__ import annotations

from typing import Any

from tests.web.apidoc import DOC, render


def test_the_api_reference_is_up_to_date() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), "run `python -m tests.web.apidoc` and commit docs/api.md"


def test_every_operation_is_described() -> None:
    text = render()
    assert "| POST | `/api/v1/slots/{slot_id}/bookings` | family |" in text
    assert "`slot_full` | 409 |" in text


async def test_every_operation_documents_its_refusals_as_problem_details(client: Any) -> None:
    """401/403/404/409 (and 400, other 4xx, 503) with `application/problem+json` and the
    Problem schema on every operation of the OpenAPI document (issue 13)."""
    r = await client.get("/schema/openapi.json")
    assert r.status_code == 200
    doc = r.json()
    problem = doc["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "status", "code", "title", "detail"}
    operations = [
        (method, path, op)
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if method in {"get", "put", "post", "delete", "patch"}
    ]
    assert len(operations) > 50
    for method, path, op in operations:
        for status in ("400", "401", "403", "404", "409", "4XX", "503"):
            content = op["responses"].get(status, {}).get("content", {})
            assert content.get("application/problem+json", {}).get("schema") == {
                "$ref": "#/components/schemas/Problem"
            }, (method, path, status)
    # And the answers really are: a refusal of the API is problem details with a code.
    r = await client.get("/api/v1/families/me")
    assert r.status_code == 401 and r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "not_authenticated"
