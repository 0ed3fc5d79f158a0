"""Refusals of the spaces domain."""

from app.kernel.errors import DomainError, InvalidInput, NotFound


class SpacesError(DomainError):
    """Base of every refusal the spaces domain gives."""


class SpaceNotFound(SpacesError, NotFound):
    code = "space_not_found"
    title = "没有找到这个空间"


class InvalidOpeningHours(SpacesError, InvalidInput):
    code = "invalid_input"
    title = "开放时间不正确"
