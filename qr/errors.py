"""Refusals of the QR module. A bad token never says which part was wrong."""

from app.kernel.errors import DomainError, Gone, InvalidInput


class QrError(DomainError):
    """Base of every refusal the QR module gives."""


class InvalidToken(QrError, InvalidInput, code="invalid_token", title="二维码无效"):
    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail or "这个二维码无法识别，请确认扫描的是故事角的二维码")


class TokenRevoked(QrError, Gone, code="token_revoked", title="二维码已作废"):
    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail or "这个二维码已经作废（可能已重新打印），请扫描现场最新的二维码")
