"""Issue 19, item 5 (account closure, 注销): a learner asks to close their account; not while an
application of theirs is under review; one open request at a time. An admin whose units cover
the learner approves it: the account is closed and anonymised in one transaction (no login, no
name, phone, e-mail or ID number left), the learner is told first, their proof still verifies,
and the trail holds the request, the decision and the completion. Staff of another subtree or
tenant see nothing (404)."""

from __future__ import annotations

import httpx

from core.accounts.tables import Account, AuditEntry
from core.notifications.tables import Notification
from tests.accounts.helpers import STAFF_PASSWORD, bearer, last_code, login, make_id, staff_headers
from tests.achievements.test_achievements import PNG, guangdong_learner
from tests.certificates.helpers import add_from_catalog, apply_for_proof, gd_issued
from tests.web.helpers import form_error, portal_login, submit, textarea_value

G = "/t/guangdong/api/v1"


async def test_a_learner_closes_their_account_and_their_proof_still_verifies(client, app):
    gd = (await app.state.tenants.get("guangdong")).id
    learner = await guangdong_learner(client, "closing01")
    me = (await client.get(f"{G}/me", headers=learner)).json()
    decided, centre = await gd_issued(client, learner)

    # Refused while an application is under review, naming it.
    spare = await add_from_catalog(client, "guangdong", learner, "公司概况")
    waiting = await apply_for_proof(client, "guangdong", learner, [spare["id"]])
    refused = await client.post(f"{G}/me/closure", headers=learner, json={"reason": "不再使用"})
    assert refused.status_code == 409, refused.text
    assert str(waiting["id"]) in refused.json()["detail"] and "审核中" in refused.json()["detail"]
    assert (await client.post(f"{G}/me/applications/{waiting['id']}/withdraw", headers=learner)).status_code == 200

    asked = await client.post(f"{G}/me/closure", headers=learner, json={"reason": "不再使用"})
    assert asked.status_code == 201, asked.text
    closure = asked.json()
    assert closure["status"] == "pending" and closure["account_id"] == me["id"]
    again = await client.post(f"{G}/me/closure", headers=learner, json={})
    assert again.status_code == 409 and str(closure["id"]) in again.json()["detail"]
    assert [c["id"] for c in (await client.get(f"{G}/me/closure", headers=learner)).json()] == [closure["id"]]

    # Another subtree's admin and another tenant's admin: nothing there.
    outside = await staff_headers(client, "guangdong", "GD-GOU-TP01", "unit_admin", username="tp01-closure")
    other = await staff_headers(client, "national_ouc", "OUC", "tenant_admin", username="ouc-closure")
    approve = {"decision": "approve", "opinion": "同意注销"}
    assert (await client.post(f"{G}/admin/closures/{closure['id']}/decision", headers=outside, json=approve)
            ).status_code == 404
    assert closure["id"] not in [c["id"] for c in (await client.get(f"{G}/admin/closures", headers=outside)
                                                   ).json()["items"]]
    assert (await client.post(f"/t/national_ouc/api/v1/admin/closures/{closure['id']}/decision", headers=other,
                              json=approve)).status_code == 404
    assert (await client.post(f"{G}/admin/closures/{closure['id']}/decision", headers=learner, json=approve)
            ).status_code == 403
    # A refusal needs a reason.
    point = await staff_headers(client, "guangdong", "GD-GOU-TP02", "unit_admin", username="tp02-closure")
    blank = await client.post(f"{G}/admin/closures/{closure['id']}/decision", headers=point,
                              json={"decision": "refuse", "opinion": " "})
    assert blank.status_code == 400 and "原因" in blank.text

    pending = (await client.get(f"{G}/admin/closures", headers=point)).json()["items"]
    assert [(c["id"], c["learner_name"]) for c in pending] == [(closure["id"], "明耀星")]
    done = await client.post(f"{G}/admin/closures/{closure['id']}/decision", headers=point, json=approve)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "approved"
    assert (await client.post(f"{G}/admin/closures/{closure['id']}/decision", headers=point, json=approve)
            ).status_code == 409

    # Closed: the old token is dead and no login works.
    assert (await client.get(f"{G}/me", headers=learner)).status_code == 401
    login = await client.post(f"{G}/auth/login", json={"username": "closing01", "password": "gd2020pass"})
    assert login.status_code in (401, 403), login.text
    row = await Account.select().where(Account.id == me["id"]).first()
    assert row["status"] == "closed" and row["real_name"] == "已注销"
    assert row["phone"] is None and row["email"] is None and row["address"] == "" and row["region"] == ""
    assert row["id_number_enc"] is None and row["id_number_hash"] is None and row["id_number_masked"] == ""
    assert row["password_hash"] is None and row["username"] != "closing01"
    # There is no ID number left to reveal: a clear answer, not a 500 (schemathesis found it).
    reveal = await client.post(f"{G}/admin/learners/{me['id']}/id-number", headers=point, json={"reason": "核对"})
    assert reveal.status_code == 409 and "没有可查看的证件号码" in reveal.json()["detail"]
    async with httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url), cookies={
            "cb_session_guangdong": centre["Authorization"].removeprefix("Bearer ")}) as browser:
        staff_view = await browser.get(f"/t/guangdong/staff/learners/{me['id']}")
    assert staff_view.status_code == 200
    assert "明耀星" not in staff_view.text and me["id_number_masked"] not in staff_view.text
    assert "closing01@example.com" not in staff_view.text

    # Told before the contact details went (the outbox holds the message to the old address).
    told = await Notification.select().where(Notification.event == "account.closure_decided").first()
    assert told["account_id"] == me["id"] and told["recipient"] == "closing01@example.com"

    # The bank's records stay: the proof still verifies.
    verdict = (await client.get(f"{G}/verify/{decided['proof_code']}")).json()
    assert verdict["valid"] is True

    trail = await AuditEntry.select().where(AuditEntry.tenant_id == gd, AuditEntry.subject_id == me["id"])
    actions = [e["action"] for e in trail]
    assert {"learner.request_closure", "account.closure_decide", "account.close"} <= set(actions), actions
    request = next(e for e in trail if e["action"] == "learner.request_closure")
    assert request["actor_kind"] == "learner" and request["detail"] == "不再使用"
    close = next(e for e in trail if e["action"] == "account.close")
    assert close["actor_kind"] == "staff" and close["result"] == "done"


async def test_a_refused_request_leaves_the_account_as_it_was(client):
    learner = await guangdong_learner(client, "closing02")
    closure = (await client.post(f"{G}/me/closure", headers=learner, json={})).json()
    centre = await staff_headers(client, "guangdong", "GD", "tenant_admin", username="gd-closure-centre")
    refused = await client.post(f"{G}/admin/closures/{closure['id']}/decision", headers=centre,
                                json={"decision": "refuse", "opinion": "请先结清档案"})
    assert refused.status_code == 200 and refused.json()["status"] == "refused"
    me = await client.get(f"{G}/me", headers=learner)
    assert me.status_code == 200 and me.json()["real_name"] == "明耀星"
    again = (await client.post(f"{G}/me/closure", headers=learner, json={})).json()
    # An application submitted while the request waits holds the approval back (409 naming it).
    spare = await add_from_catalog(client, "guangdong", learner, "公司概况")
    waiting = await apply_for_proof(client, "guangdong", learner, [spare["id"]])
    held = await client.post(f"{G}/admin/closures/{again['id']}/decision", headers=centre,
                             json={"decision": "approve", "opinion": "同意"})
    assert held.status_code == 409 and str(waiting["id"]) in held.json()["detail"]
    assert (await client.get(f"{G}/me", headers=learner)).status_code == 200


async def test_the_portal_asks_with_a_confirmation_and_staff_approve_on_their_page(client):
    learner = await guangdong_learner(client, "closing03")
    me = (await client.get(f"{G}/me", headers=learner)).json()
    await staff_headers(client, "guangdong", "GD-GOU-TP02", "unit_admin", username="tp02-closure-page")
    base = str(client.base_url)
    async with httpx.AsyncClient(transport=client._transport, base_url=base) as browser, \
            httpx.AsyncClient(transport=client._transport, base_url=base) as desk:
        await portal_login(browser, "guangdong", "closing03", "gd2020pass")
        privacy = await browser.get("/t/guangdong/me/privacy")
        assert 'href="/t/guangdong/me/privacy/closure"' in privacy.text
        form = "/t/guangdong/me/privacy/closure"
        unconfirmed = await submit(browser, form, form, {"reason": "移居海外"})
        assert unconfirmed.status_code == 400 and "请勾选确认" in unconfirmed.text
        assert textarea_value(unconfirmed.text, "reason") == "移居海外"  # nothing typed is lost
        asked = await submit(browser, form, form, {"reason": "移居海外", "confirm": "yes"})
        assert asked.status_code == 303, asked.text
        shown = await browser.get(asked.headers["location"])
        assert "正在审核中" in shown.text and 'id="closure-form"' not in shown.text

        await portal_login(desk, "guangdong", "tp02-closure-page", STAFF_PASSWORD)
        listing = await desk.get("/t/guangdong/staff/closures")
        assert listing.status_code == 200 and "移居海外" in listing.text and "明耀星" in listing.text
        closure_id = (await client.get(f"{G}/me/closure", headers=learner)).json()[0]["id"]
        blank = await submit(desk, "/t/guangdong/staff/closures", f"/t/guangdong/staff/closures/{closure_id}",
                             {"decision": "refuse", "opinion": ""})
        assert blank.status_code == 400 and "原因" in (form_error(blank.text) or "")
        done = await submit(desk, "/t/guangdong/staff/closures", f"/t/guangdong/staff/closures/{closure_id}",
                            {"decision": "approve", "opinion": "同意"})
        assert done.status_code == 303, done.text
        assert 'id="no-closures"' in (await desk.get(done.headers["location"])).text
        # The learner's portal session went with the account.
        assert (await browser.get("/t/guangdong/me/privacy/closure")).status_code in (302, 303, 401)
    row = await Account.select(Account.status, Account.real_name).where(Account.id == me["id"]).first()
    assert row == {"status": "closed", "real_name": "已注销"}


async def test_closing_erases_the_id_scan_file(client, app):
    T = "/t/national_ouc/api/v1"
    admin = await staff_headers(client, "national_ouc", "OUC", "tenant_admin", username="ouc-closure-admin")
    scan = (await client.post(f"{T}/auth/register/id-scan", files={"file": ("id.png", PNG, "image/png")})).json()["id_scan"]
    registered = await client.post(f"{T}/auth/register", json={
        "agree_terms": True, "region": "甘肃省", "unit_code": "OUC-GS", "real_name": "林学员", "gender": "女",
        "ethnicity": "汉族", "id_type": "居民身份证", "id_number": make_id("620102", "19950101"), "birth_date": "1995-01-01",
        "phone": "13919191918", "email": "closing-scan@example.com", "education_level": "本科",
        "password": "Ouc-2026-pass", "password_confirm": "Ouc-2026-pass", "id_scan": scan})
    assert registered.status_code == 201, registered.text
    account = registered.json()
    code = await last_code(client, "national_ouc", admin, "closing-scan@example.com")
    await client.post(f"{T}/auth/verify", json={"username": "closing-scan@example.com", "code": code})
    assert (await client.post(f"{T}/admin/learners/{account['id']}/review", json={"decision": "approve"},
                              headers=admin)).status_code == 200
    learner = bearer(await login(client, "national_ouc", "closing-scan@example.com", "Ouc-2026-pass"))
    key = (await Account.select(Account.id_scan_key).where(Account.id == account["id"]).first())["id_scan_key"]
    assert key and await app.state.storage.exists(key)
    closure = (await client.post(f"{T}/me/closure", headers=learner, json={})).json()
    done = await client.post(f"{T}/admin/closures/{closure['id']}/decision", headers=admin,
                             json={"decision": "approve", "opinion": "同意"})
    assert done.status_code == 200, done.text
    assert not await app.state.storage.exists(key)
    row = await Account.select(Account.id_scan_key, Account.profile).where(Account.id == account["id"]).first()
    assert row["id_scan_key"] is None and row["profile"] in ({}, "{}")  # the plugin's fields (education level) gone
    close = await AuditEntry.select(AuditEntry.changes).where(AuditEntry.action == "account.close").first()
    assert '"id_scan_erased":true' in close["changes"]
