"""Finding 11: the API's contract holds at its edges. Integers past any column's range, in
paths, cursors and bodies, and NUL bytes in strings are refused with 400/404 in Chinese, never
a 5xx; the OpenAPI document says what each operation really returns."""

from __future__ import annotations

import re

import httpx

from tests.accounts.helpers import staff_headers
from tests.achievements.test_achievements import guangdong_learner
from tests.conftest import platform_token
from tests.security.operations import Operation, body_with, operations, types_of

HUGE = ["99999999999999999999", str(2**63), str(2**31), "-1", "0"]
TENANT = "guangdong"
ABSENT = "999999"  # an id in range that names no row: the odd value elsewhere reaches the handler


async def principals(client: httpx.AsyncClient) -> dict[str, dict[str, str]]:
    return {
        "anonymous": {},
        "learner": await guangdong_learner(client),
        "tenant_admin": await staff_headers(client, TENANT, "GD", "tenant_admin"),
        "platform": {"Authorization": f"Bearer {await platform_token(client)}"},
    }


def path_values(op: Operation, integer: str, string: str = "GD") -> dict[str, str]:
    values = {}
    for param in op.params("path"):
        if param["name"] == "tenant_slug":
            values[param["name"]] = TENANT
        elif "integer" in types_of(op.doc, param.get("schema", {})):
            values[param["name"]] = integer
        else:
            values[param["name"]] = string
    return values


async def call(client, op: Operation, headers, *, path: dict, query: dict | None = None, body=None) -> httpx.Response:
    kwargs: dict = {"headers": headers, "params": query or {}}
    if body is not None:
        kwargs["json"] = body
    elif op.multipart:
        kwargs["files"] = {"file": ("a.txt", b"x", "text/plain")}
    return await client.request(op.method.upper(), op.url(path), **kwargs)


# They end the caller's own login (taking no input to fuzz): called, the rest would run anonymous.
LOGOUTS = {"POST /t/{tenant_slug}/api/v1/auth/logout", "POST /api/v1/platform/auth/logout"}


def exercised(app) -> list[Operation]:
    return [op for op in operations(app) if op.key not in LOGOUTS]


class Problems(list):
    """Every fault of one test, reported together (one endpoint's fault hides no other's)."""

    def no_server_error(self, response: httpx.Response, what: str) -> None:
        if response.status_code >= 500:
            self.append(f"{what} → {response.status_code} {response.text[:200]}")

    def in_chinese(self, response: httpx.Response, what: str) -> None:
        if response.status_code in (400, 404) and response.headers.get("content-type", "").startswith("application/json"):
            detail = response.json().get("detail", "")
            if not re.search(r"[\u4e00-\u9fff]", detail) or ENGLISH.search(detail):
                self.append(f"{what} → {response.status_code} {detail!r}")

    def documented(self, op: Operation, response: httpx.Response, what: str) -> None:
        if str(response.status_code) not in op.spec.get("responses", {}):
            self.append(f"{what} → {response.status_code}, which its OpenAPI operation does not document")

    def check(self, response: httpx.Response, what: str, op: Operation | None = None) -> None:
        self.no_server_error(response, what)
        self.in_chinese(response, what)
        if op is not None:
            self.documented(op, response, what)

    def __bool__(self) -> bool:
        return len(self) > 0

    def report(self) -> str:
        return f"{len(self)} problems:\n" + "\n".join(sorted(set(self)))


ENGLISH = re.compile(r"Expected|Invalid|invalid|must be|Object|missing|required|Bad Request|Validation|not found|"
                     r"Internal|Unsupported|Method Not|Not Found|is not")



async def test_huge_ids_in_paths_never_give_a_server_error(client, app):
    who = await principals(client)
    problems = Problems()
    seen = 0
    for op in exercised(app):
        if not any("integer" in types_of(op.doc, p.get("schema", {})) for p in op.params("path")):
            continue
        for number in HUGE:
            for name, headers in who.items():
                response = await call(client, op, headers, path=path_values(op, number),
                                      body=body_with(op.doc, op.body_schema, 1, "x") if op.body_schema else None)
                problems.check(response, f"{op.key} {number} as {name}", op)
                seen += 1
    assert seen > 100
    assert not problems, problems.report()


async def test_huge_integers_in_queries_and_bodies_never_give_a_server_error(client, app):
    who = await principals(client)
    problems = Problems()
    for op in exercised(app):
        integer_query = [p["name"] for p in op.params("query") if "integer" in types_of(op.doc, p.get("schema", {}))]
        for number in HUGE:
            for name, headers in who.items():
                if integer_query:
                    response = await call(client, op, headers, path=path_values(op, ABSENT),
                                          query={q: number for q in integer_query})
                    problems.check(response, f"{op.key} ?{integer_query}={number} as {name}", op)
                if op.body_schema:
                    body = body_with(op.doc, op.body_schema, int(number), "x")
                    response = await call(client, op, headers, path=path_values(op, ABSENT), body=body)
                    problems.check(response, f"{op.key} body {body} as {name}", op)
    assert not problems, problems.report()


async def test_cursors_past_the_range_are_refused_in_chinese(client, app):
    who = await principals(client)
    problems = Problems()
    for op in exercised(app):
        if not any(p["name"] == "cursor" for p in op.params("query")):
            continue
        for cursor in ("99999999999999999999", str(2**63), "1" * 400, "abc"):
            for name, headers in who.items():
                response = await call(client, op, headers, path=path_values(op, ABSENT), query={"cursor": cursor})
                problems.check(response, f"{op.key} ?cursor={cursor[:30]} as {name}", op)
    assert not problems, problems.report()


async def test_a_nul_byte_in_any_string_is_refused_with_400(client, app):
    who = await principals(client)
    problems = Problems()
    for op in exercised(app):
        for name, headers in who.items():
            string_path = [p for p in op.params("path") if "string" in types_of(op.doc, p.get("schema", {}))]
            for param in string_path:
                values = path_values(op, ABSENT)
                values[param["name"]] = "GD%00x"
                response = await call(client, op, headers, path=values)
                problems.check(response, f"{op.key} {param['name']}=NUL as {name}", op)
            string_query = [p["name"] for p in op.params("query")
                            if "string" in types_of(op.doc, p.get("schema", {})) and p["name"] != "format"]
            if string_query:
                response = await call(client, op, headers, path=path_values(op, ABSENT),
                                      query={q: "a\x00b" for q in string_query})
                problems.check(response, f"{op.key} ?{string_query}=NUL as {name}", op)
                if response.status_code < 300:
                    problems.append(f"{op.key} ?{string_query}=NUL as {name} → {response.status_code}")
            if op.body_schema:
                body = body_with(op.doc, op.body_schema, 1, "a\x00b")
                response = await call(client, op, headers, path=path_values(op, ABSENT), body=body)
                problems.check(response, f"{op.key} body NUL as {name}", op)
    assert not problems, problems.report()


async def test_the_anonymous_catalog_with_a_huge_id_is_a_chinese_400_or_404(client):
    response = await client.get("/t/guangdong/api/v1/catalog/99999999999999999999")
    assert response.status_code in (400, 404), response.text
    assert re.search(r"[\u4e00-\u9fff]", response.json()["detail"])


async def test_meta_is_documented_as_the_document_it_is(client, app):
    doc = app.openapi_schema.to_schema()
    schema = doc["paths"]["/t/{tenant_slug}/api/v1/meta"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    meta = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    assert meta["type"] == "object"
    for name in ("slug", "name", "plugin", "branding", "taxonomy", "registration", "password_policy", "org_levels",
                 "framework_levels"):  # API.md's fields
        assert name in meta["properties"] and name in meta["required"], name
    taxonomy = doc["components"]["schemas"][meta["properties"]["taxonomy"]["$ref"].rsplit("/", 1)[-1]]
    assert "categories" in taxonomy["properties"]
    # … and the document served is exactly that shape: every required field there, nothing undocumented.
    served = (await client.get("/t/guangdong/api/v1/meta")).json()
    assert set(served) == set(meta["properties"])
    field = next(f for c in served["taxonomy"]["categories"] for s in c["subtypes"] for f in s["fields"])
    assert {"name", "label", "required", "from_catalog"} <= set(field)


async def test_every_operation_documents_the_errors_it_answers(client, app):
    """Every API operation documents 400, and 401/403/404 where it answers them; each error
    response is the standard body with a Chinese description. (The probes above and the
    schemathesis run check that no status goes undocumented.)"""
    learner = await guangdong_learner(client)
    problems = Problems()
    api = [op for op in exercised(app) if op.path.startswith(("/t/", "/api/"))]
    assert len(api) > 60
    for op in api:
        responses = op.spec["responses"]
        for code, response in responses.items():
            if code.startswith(("4", "5")):
                schema = response["content"]["application/json"]["schema"]
                body = op.doc["components"]["schemas"].get(schema.get("$ref", "").rsplit("/", 1)[-1], schema)
                if {"status_code", "detail"} - set(body.get("properties", {})):
                    problems.append(f"{op.key} {code}: not the standard error body")
                if not re.search(r"[\u4e00-\u9fff]", response.get("description", "")):
                    problems.append(f"{op.key} {code}: description not in Chinese: {response.get('description')!r}")
        if "400" not in responses:
            problems.append(f"{op.key}: 400 undocumented")
        path = path_values(op, ABSENT)
        anonymous = await call(client, op, {}, path=path)
        problems.check(anonymous, f"{op.key} as anonymous", op)
        if op.path.startswith("/t/"):
            elsewhere = await call(client, op, {}, path={**path, "tenant_slug": "no_such_bank"})
            problems.check(elsewhere, f"{op.key} of an unknown tenant", op)
        if op.path.startswith("/t/") and "/admin/" in op.path:
            as_learner = await call(client, op, learner, path=path)
            problems.check(as_learner, f"{op.key} as a learner", op)
            if as_learner.status_code != 403:
                problems.append(f"{op.key} as a learner → {as_learner.status_code}, not 403")
    assert not problems, problems.report()


async def test_portal_pages_answer_huge_ids_and_nul_bytes_with_a_chinese_page(client, app):
    """The same bounds hold on the portal: a page, not JSON, and no 500."""
    from core.accounts.staff import create_staff
    from tests.accounts.helpers import STAFF_PASSWORD
    from tests.web.helpers import portal_login

    await create_staff(await app.state.tenants.get(TENANT), "GD", "tenant_admin", "portal-bounds", STAFF_PASSWORD,
                       real_name="边界测试")
    await portal_login(client, TENANT, "portal-bounds", STAFF_PASSWORD)
    for url in ("/t/guangdong/staff/reviews/99999999999999999999", "/t/guangdong/staff/learners/9223372036854775808",
                "/t/guangdong/staff/rules/2147483648", "/t/guangdong/staff/imports/99999999999999999999",
                "/t/guangdong/verify/AB%00CD", "/t/guangdong/rules?q=a%00b", "/t/guangdong/units?q=%00"):
        response = await client.get(url)
        assert 400 <= response.status_code < 500, f"{url} → {response.status_code}"
        assert response.headers["content-type"].startswith("text/html"), f"{url} → {response.headers['content-type']}"
        assert re.search(r"[\u4e00-\u9fff]", response.text) and "Expected" not in response.text, url


async def test_a_nul_byte_is_named_in_the_message(client):
    for response in (await client.get("/t/guangdong/api/v1/catalog", params={"q": "a\x00b"}),
                     await client.get("/t/guangdong/api/v1/org/units/GD%00"),
                     await client.post("/t/guangdong/api/v1/auth/login", json={"username": "a\x00", "password": "x"}),
                     await client.post("/t/guangdong/api/v1/auth/login", content=b"username=a%00&password=x",
                                       headers={"content-type": "application/x-www-form-urlencoded"})):
        assert response.status_code == 400 and "空字符" in response.json()["detail"], response.text
    # An escaped backslash before u0000 is the text \u0000, not a NUL: it reaches the handler.
    typed = await client.post("/t/guangdong/api/v1/auth/login", json={"username": "a\\u0000", "password": "x"})
    assert typed.status_code == 401, typed.text
