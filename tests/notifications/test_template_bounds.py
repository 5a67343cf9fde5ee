"""A tenant admin's template cannot spend the server: heavy templates are stopped within a
budget, a preview renders off the event loop (other tenants' requests go on), templates that
reach for other templates are refused with a 400, and no object's repr shows in a preview."""

from __future__ import annotations

import asyncio

import pytest

from tests.accounts.helpers import staff_headers
from tests.web.helpers import field_error, submit
from tests.web.test_admin_pages import log_in_as

T = "/t/guangdong/api/v1/admin/templates"
# The audit's template: twenty million loop turns (3.3 s of a blocked server before).
AUDIT = "{% for i in range(100000) %}{% for j in range(200) %}{% endfor %}{% endfor %}{{ code }}"
HEAVY = [
    AUDIT,
    "{% for i in range(1000) %}{% for j in range(1000) %}{% endfor %}{% endfor %}{{ code }}",
    "{{ code }}{{ 'x' * 1000000000 }}",
    "{{ code }}{{ [code] * 100000000 }}",
    "{% macro d(s, n) %}{% if n %}{{ d(s ~ s, n - 1) }}{% else %}{{ s|length }}{% endif %}{% endmacro %}{{ d(code, 40) }}",
    "{% macro r() %}{{ r() }}{% endmacro %}{{ code }}{{ r() }}",
    "{{ code }}{{ 10 ** 10000000 }}",
    "{{ code }}{{ '{:>1000000000}'.format(code) }}",
    "{{ code|center(1000000000) }}",
    "{{ code|replace('', code * 5000) }}",
]
REACHING = ["{% include 'base.html' %}{{ code }}", "{% import 'macros.html' as m %}{{ code }}",
            "{% from 'macros.html' import x %}{{ code }}", "{% extends 'base.html' %}"]
OBJECTS = ["{{ code }}{{ self }}", "{{ code }}{{ cycler }}", "{{ code }}{{ namespace }}", "{{ code }}{{ joiner }}",
           "{{ code }}{{ lipsum }}", "{{ code }}{{ dict }}", "{{ code }}{% for i in range(1) %}{{ loop }}{% endfor %}",
           "{{ code }}{{ '' ~ self }}", "{{ code }}{{ self|upper }}", "{{ code }}{{ self|string }}",
           "{% macro m() %}{% endmacro %}{{ code }}{{ m }}", "{{ code }}{{ [self] }}", "{{ code }}{{ range }}"]


@pytest.fixture
async def admin(client) -> dict:
    return await staff_headers(client, "guangdong", "GD", "tenant_admin")


async def test_heavy_templates_are_refused_at_preview_and_save(client, admin):
    for body in HEAVY:
        preview = await client.post(f"{T}/code.register/sms/preview", headers=admin, json={"body": body})
        assert preview.status_code == 400, (body, preview.text)
        assert any(word in preview.json()["detail"] for word in ("上限", "受限", "不支持")), (body, preview.text)
        saved = await client.put(f"{T}/code.register/sms", headers=admin, json={"body": body})
        assert saved.status_code == 400, (body, saved.text)
    listed = (await client.get(T, headers=admin)).json()
    assert next(t for t in listed if (t["event"], t["channel"]) == ("code.register", "sms"))["source"] == "province"
    fine = "【广东学银】{% for i in range(3) %}{{ loop.index }}{% endfor %}验证码{{ code|upper }}，{{ minutes ~ '分钟' }}"
    preview = await client.post(f"{T}/code.register/sms/preview", headers=admin, json={"body": fine})
    assert preview.status_code == 200 and preview.json()["body"] == "【广东学银】123验证码123456，10分钟"


async def test_healthz_answers_while_a_heavy_preview_renders(client, admin, monkeypatch):
    # Lift the operation budget and the range bound so that only the time limit stops the
    # audit's template: it then renders for the whole limit, which is what this test needs.
    monkeypatch.setattr("core.notifications.rendering.MAX_OPERATIONS", 10**12)
    monkeypatch.setattr("core.notifications.rendering.MAX_RANGE", 10**6)
    monkeypatch.setattr("core.notifications.rendering.TIME_LIMIT", 2.0)
    preview = asyncio.create_task(client.post(f"{T}/code.register/sms/preview", headers=admin, json={"body": AUDIT}))
    await asyncio.sleep(0.3)  # the preview is rendering now
    assert not preview.done()
    health = await client.get("/healthz")
    assert health.status_code == 200
    assert not preview.done()  # /healthz answered while the preview was still rendering
    response = await preview
    assert response.status_code == 400 and "超时" in response.json()["detail"], response.text


async def test_templates_that_reach_for_other_templates_are_400_not_500(client, admin, app):
    for body in REACHING:
        for response in (await client.post(f"{T}/code.register/sms/preview", headers=admin, json={"body": body}),
                         await client.put(f"{T}/code.register/sms", headers=admin, json={"body": body})):
            assert response.status_code == 400, (body, response.text)
            assert "不能使用 include、import、from 或 extends" in response.json()["detail"]
    failing = await client.post(f"{T}/code.register/sms/preview", headers=admin, json={"body": "{{ code }}{{ 1 / 0 }}"})
    assert failing.status_code == 400 and "模板" in failing.json()["detail"], failing.text

    await log_in_as(client, app, username="gdadmin-page")
    url = "/t/guangdong/staff/notifications/templates/code.activation/sms"
    for action in ("preview", "save"):
        refused = await submit(client, url, url, {"body": REACHING[0], "_action": action})
        assert refused.status_code == 400
        assert "不能使用 include" in field_error(refused.text, "body")


async def test_no_object_repr_shows_in_a_preview(client, admin):
    for body in OBJECTS:
        preview = await client.post(f"{T}/code.register/sms/preview", headers=admin, json={"body": body})
        if preview.status_code == 200:
            shown = preview.json()["body"]
            assert shown == "123456", (body, shown)  # the object rendered as nothing
        else:
            assert preview.status_code == 400, (body, preview.text)
            detail = preview.json()["detail"]
            assert "<" not in detail and "object" not in detail and "Template" not in detail, (body, detail)
