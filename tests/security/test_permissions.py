"""One permission function (core/security/permissions.py) behind the API's guards and the
services: the same answer and the same message wherever it is asked."""

from __future__ import annotations

from core.security.permissions import MESSAGE
from tests.accounts.helpers import staff_headers
from tests.achievements.test_achievements import guangdong_learner

G = "/t/guangdong/api/v1"


async def test_tenant_admin_only_actions_answer_alike(client):
    centre = await staff_headers(client, "guangdong", "GD", "tenant_admin", username="gd-centre-perm")
    unit = await staff_headers(client, "guangdong", "GD-GOU-TP02", "unit_admin", username="gd-unit-perm")
    learner = await guangdong_learner(client)
    assert (await client.get(f"{G}/admin/templates", headers=centre)).status_code == 200
    refusals = [
        await client.get(f"{G}/admin/templates", headers=unit),  # a guarded controller
        await client.patch(f"{G}/rules/1", headers=unit, json={"description": "x"}),  # a guarded handler
        await client.post(f"{G}/catalog", headers=unit, json={}),  # refused before the body is read
        await client.post(f"{G}/admin/imports/units", headers=unit),  # refused before the upload is read
        await client.get(f"{G}/admin/templates", headers=learner),
    ]
    for response in refusals:
        assert response.status_code == 403, (response.request.url, response.text)
        assert MESSAGE in response.text, response.text
    assert (await client.get(f"{G}/admin/templates")).status_code == 401
    assert (await client.get("/t/no-such-bank/api/v1/admin/templates")).status_code == 404
