"""docs/api.md is the API as the code has it (tests/web/apidoc.py writes it)."""

from __future__ import annotations

from tests.web.apidoc import DOC, render


def test_the_api_reference_is_up_to_date() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), "run `python -m tests.web.apidoc` and commit docs/api.md"


def test_every_operation_is_described() -> None:
    text = render()
    assert "| POST | `/api/v1/slots/{slot_id}/bookings` | family |" in text
    assert "`slot_full` | 409 |" in text
