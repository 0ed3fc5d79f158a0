"""Each operation's real security in the OpenAPI document, from the same `opt` the guard
reads: public operations say `security: []`, the rest require the bearer token. And every
operation's refusals: problem details (`application/problem+json`, `app/errors.py`) for 400,
401, 403, 404, 409, any other 4xx, and 503 (database unavailable or busy)."""

from __future__ import annotations

from litestar import Litestar
from litestar.openapi.spec import Components, OpenAPIMediaType, OpenAPIResponse, OpenAPIType, Reference, Schema
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
    document_problems(app)


PROBLEM_JSON = "application/problem+json"
PROBLEM_SCHEMA = Schema(
    type=OpenAPIType.OBJECT,
    description="RFC 9457 problem details with the stable `code` of the refusal (docs/api.md, Error codes).",
    required=["type", "status", "code", "title", "detail"],
    properties={
        "type": Schema(type=OpenAPIType.STRING),
        "status": Schema(type=OpenAPIType.INTEGER),
        "code": Schema(type=OpenAPIType.STRING),
        "title": Schema(type=OpenAPIType.STRING),
        "detail": Schema(type=OpenAPIType.STRING),
        "fields": Schema(
            type=OpenAPIType.ARRAY,
            items=Schema(
                type=OpenAPIType.OBJECT,
                required=["field", "message"],
                properties={"field": Schema(type=OpenAPIType.STRING), "message": Schema(type=OpenAPIType.STRING)},
            ),
        ),
    },
)
# Status → description; "4XX" covers the framework's rarer refusals (405, 410, 413, 415, 429, ...).
PROBLEMS: dict[str, str] = {
    "400": "Invalid input (`invalid_input`, with `fields`)",
    "401": "Not logged in, or the token expired (`not_authenticated`)",
    "403": "Not allowed for this account or space",
    "404": "Not found, or someone else's",
    "409": "Conflicts with the current state",
    "4XX": "Another refusal (problem details with its `code`)",
    "503": "Database unavailable or busy: try again after `Retry-After` seconds",
}


def document_problems(app: Litestar) -> None:
    """Every operation answers its refusals as problem details: say so in its responses."""
    schema = app.openapi_schema
    if schema.components is None:
        schema.components = Components()
    schema.components.schemas = {**(schema.components.schemas or {}), "Problem": PROBLEM_SCHEMA}
    content = {PROBLEM_JSON: OpenAPIMediaType(schema=Reference(ref="#/components/schemas/Problem"))}
    for path_item in (schema.paths or {}).values():
        for method in ("get", "put", "post", "delete", "patch"):
            operation = getattr(path_item, method, None)
            if operation is None:
                continue
            responses = dict(operation.responses or {})
            for status, description in PROBLEMS.items():
                responses[status] = OpenAPIResponse(description=description, content=content)
            operation.responses = responses
