"""The app's own OpenAPI document, walked: every operation with its parameters, and request
values built from the schemas (so a new endpoint is exercised without editing the tests)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from litestar import Litestar

METHODS = ("get", "post", "put", "patch", "delete")


@dataclass
class Operation:
    method: str
    path: str  # the template, e.g. /t/{tenant_slug}/api/v1/me/achievements/{achievement_id}
    spec: dict
    doc: dict = field(repr=False)

    @property
    def key(self) -> str:
        return f"{self.method.upper()} {self.path}"

    def params(self, where: str) -> list[dict]:
        return [p for p in self.spec.get("parameters", []) if p["in"] == where]

    def schema_of(self, param: dict) -> dict:
        return resolve(self.doc, param.get("schema", {}))

    @property
    def body_schema(self) -> dict | None:
        content = self.spec.get("requestBody", {}).get("content", {})
        if "application/json" in content:
            return resolve(self.doc, content["application/json"].get("schema", {}))
        return None

    @property
    def multipart(self) -> bool:
        return "multipart/form-data" in self.spec.get("requestBody", {}).get("content", {})

    def url(self, values: dict[str, str]) -> str:
        path = self.path
        for name, value in values.items():
            path = path.replace("{" + name + "}", value)
        return path


def operations(app: Litestar) -> Iterator[Operation]:
    doc = app.openapi_schema.to_schema()
    for path, item in doc["paths"].items():
        for method in METHODS:
            if method in item:
                yield Operation(method, path, item[method], doc)


def resolve(doc: dict, schema: dict) -> dict:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = doc["components"]["schemas"][name]
    return schema


def types_of(doc: dict, schema: dict) -> set[str]:
    """The JSON types a (possibly union) schema allows."""
    schema = resolve(doc, schema)
    kinds = schema.get("type")
    found = set(kinds if isinstance(kinds, list) else [kinds] if kinds else [])
    for option in schema.get("oneOf", []) + schema.get("anyOf", []):
        found |= types_of(doc, option)
    return found - {None}


def body_with(doc: dict, schema: dict, integer: Any, string: Any, depth: int = 0) -> Any:
    """A JSON value of ``schema`` with every integer ``integer`` and every string ``string``
    (the first enum value where the schema has one, so the odd value reaches the fields)."""
    schema = resolve(doc, schema)
    if "enum" in schema:
        return schema["enum"][0]
    for option in schema.get("oneOf", []) + schema.get("anyOf", []):
        if types_of(doc, option) - {"null"}:
            return body_with(doc, option, integer, string, depth)
    kinds = types_of(doc, schema) - {"null"}
    if "object" in kinds or "properties" in schema:
        if depth > 4:
            return {}
        return {name: body_with(doc, sub, integer, string, depth + 1) for name, sub in schema.get("properties", {}).items()}
    if "array" in kinds:
        return [body_with(doc, schema.get("items", {}), integer, string, depth + 1)] if depth <= 4 else []
    if "integer" in kinds:
        return integer
    if "number" in kinds:
        return integer
    if "boolean" in kinds:
        return True
    if "string" in kinds:
        return string
    return string
