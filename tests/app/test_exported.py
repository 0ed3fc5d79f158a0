"""The rows of a family's export (app.accounts.personal_data.exported): JSON-ready."""

from datetime import UTC, date, datetime

from app.accounts.personal_data import exported


def test_dates_and_times_become_iso_text_and_id_lists_are_decoded() -> None:
    rows = [
        {
            "id": 3,
            "read_on": date(2026, 5, 1),
            "created_at": datetime(2026, 5, 1, 8, 30, tzinfo=UTC),
            "child_ids": "[4, 5]",
            "preferred_space_ids": [1],
            "password_hash": "x",
        }
    ]
    assert exported(rows, drop=("password_hash",)) == [
        {
            "id": 3,
            "read_on": "2026-05-01",
            "created_at": "2026-05-01T08:30:00+00:00",
            "child_ids": [4, 5],
            "preferred_space_ids": [1],
        }
    ]
    assert exported([{"child_ids": None, "note": None}]) == [{"child_ids": None, "note": None}]
