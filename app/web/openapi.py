"""Each operation's real security in the OpenAPI document, from the same `opt` the guard
reads: public operations say `security: []`, the rest require the bearer token."""

from __future__ import annotations

from litestar import Litestar
from litestar.routes import HTTPRoute

BEARER: list[dict[str, list[str]]] = [{"BearerToken": []}]


def apply_security(app: Litestar) -> None:
    schema = app.openapi_schema
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        path_item = (schema.paths or {}).get(route.path_format)
        if path_item is None:
            continue
        for handler in route.route_handlers:
            for method in handler.http_methods:
                operation = getattr(path_item, method.lower(), None)
                if operation is not None:
                    operation.security = [] if handler.opt.get("public") else BEARER  # type: ignore[assignment]
