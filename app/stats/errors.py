"""Refusals of the statistics: bad filters (400 naming the field). A space the actor does not
serve is refused as everywhere (`spaces.errors.NotStaffOfSpace`, 403)."""

from __future__ import annotations

from app.kernel.errors import DomainError, InvalidInput


class StatsError(DomainError, code="stats_error"): ...


class BadFilter(StatsError, InvalidInput, code="invalid_input", title="统计条件有误"):
    """A filter that cannot be answered: `fields` names it."""

    def __init__(self, detail: str, *, field: str = "", message: str = "") -> None:
        super().__init__(detail, fields=[{"field": field, "message": message}])
