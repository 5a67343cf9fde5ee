"""Issue 12, findings 10, 12, 13, 16 and 17: the web surface against another site, a forged
Host, a spoofed X-Forwarded-For, framing and sniffing, and one tenant's session logging out another.
Each test goes through HTTP (or ``creditbank serve`` itself) as an attacker would."""

from __future__ import annotations

import re

import httpx
import msgspec
import pytest

from core.accounts.staff import create_staff
from core.settings import Settings, SettingsError
from tests.accounts.helpers import STAFF_PASSWORD, staff_headers
from tests.achievements.test_achievements import JPG, guangdong_learner
from tests.browser.conftest import live_server  # noqa: F401  (the fixture: a real `creditbank serve`)
from tests.certificates.helpers import gd_issued, read_pdf
from tests.conftest import serve, session_app
from tests.web.helpers import csrf_token, portal_login, submit

G = "/t/guangdong"
GA = "/t/guangdong/api/v1"


async def _gd_admin(client, app, username: str = "gdadmin") -> None:
    tenant = await app.state.tenants.get("guangdong")
    await create_staff(tenant, "GD", "tenant_admin", username, STAFF_PASSWORD, real_name="管理中心")


def _served_with(settings: Settings, plugins, **changes):
    return session_app(msgspec.structs.replace(settings, **changes), plugins)


# ---------------------------------------------------------------------------------------------
# Finding 10: the JSON API takes bearer tokens and JSON only


async def test_the_api_does_not_take_the_portal_session_cookie(client, app):
    await _gd_admin(client, app)
    await portal_login(client, "guangdong", "gdadmin", STAFF_PASSWORD)
    assert (await client.get(f"{G}/staff/reviews")).status_code == 200  # the portal session works
    # The same browser, its cookie attached by the browser: a page on another site would get this far.
    for path in ("/me", "/reviews", "/admin/notifications"):
        response = await client.get(GA + path)
        assert response.status_code == 401, (path, response.text)
        assert response.json()["detail"] == "请先登录"
    changed = await client.post(f"{GA}/auth/password", json={"old_password": STAFF_PASSWORD, "new_password": "Other-pass-2026"})
    assert changed.status_code == 401
    # A bearer token still works.
    token = (await client.post(f"{GA}/auth/login", json={"username": "gdadmin", "password": STAFF_PASSWORD})).json()
    me = await client.get(f"{GA}/me", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert me.status_code == 200 and me.json()["username"] == "gdadmin"


async def test_api_bodies_that_are_not_json_get_415_in_chinese(client, app):
    await _gd_admin(client, app)
    body = b'{"username": "gdadmin", "password": "' + STAFF_PASSWORD.encode() + b'"}'
    # What a cross-site <form enctype="text/plain"> or a simple fetch() can send without a preflight.
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", None):
        headers = {"Content-Type": content_type} if content_type else {}
        response = await client.post(f"{GA}/auth/login", content=body, headers=headers)
        assert response.status_code == 415, (content_type, response.text)
        assert "JSON" in response.json()["detail"] and "请" in response.json()["detail"]
    assert (await client.post(f"{GA}/auth/login", content=body, headers={"Content-Type": "application/json"})).status_code == 200
    admin = await staff_headers(client, "guangdong", "GD", "tenant_admin", username="gd-api-admin")
    decision = await client.post(f"{GA}/reviews/1/decision", headers={**admin, "Content-Type": "text/plain"},
                                 content=b'{"step": "initial", "decision": "approve", "opinion": "x"}')
    assert decision.status_code == 415
    # A file endpoint wants multipart, nothing else.
    scan = await client.post(f"{GA}/auth/register/id-scan", json={"file": "x"})
    assert scan.status_code == 415 and "multipart/form-data" in scan.json()["detail"]


async def test_portal_pages_use_their_own_routes_not_the_api(client, app):
    await _gd_admin(client, app)
    await portal_login(client, "guangdong", "gdadmin", STAFF_PASSWORD)
    reports = await client.get(f"{G}/staff/reports")
    assert reports.status_code == 200, reports.text
    exports = re.findall(r'<p id="report-exports">(.*?)</p>', reports.text, re.S)[0]
    links = [link.replace("&amp;", "&") for link in re.findall(r'href="([^"]+)"', exports)]
    assert links and not any("/api/" in link for link in links)
    for link in links:
        if "overdue" in link:
            continue
        download = await client.get(link)
        assert download.status_code == 200, (link, download.text)
    csv = await client.get(f"{G}/staff/reports/export?format=csv")
    assert "attachment" in csv.headers["content-disposition"] and csv.headers["content-type"].startswith("text/csv")

    audit = await client.get(f"{G}/staff/audit")
    assert audit.status_code == 200 and "/api/" not in "".join(re.findall(r'class="export"[^>]*', audit.text))
    assert re.search(r'href="/t/guangdong/staff/audit/export\?format=csv"', audit.text)
    exported = await client.get(f"{G}/staff/audit/export?format=csv")
    assert exported.status_code == 200 and "attachment" in exported.headers["content-disposition"]


# ---------------------------------------------------------------------------------------------
# Finding 12: forwarded headers only from configured proxies


async def test_serve_does_not_believe_x_forwarded_for_from_loopback(live_server):  # noqa: F811
    """A real ``creditbank serve``: 30 code tries per address, whatever address the client claims."""
    url = f"{live_server.url}/t/guangdong/api/v1/auth/activate"
    async with httpx.AsyncClient(timeout=30) as outside:
        statuses = []
        for n in range(31):
            response = await outside.post(url, json={"username": "nobody", "code": "000000", "password": "Whatever-2026"},
                                          headers={"X-Forwarded-For": f"198.51.100.{n + 1}"})
            statuses.append(response.status_code)
    assert 429 not in statuses[:30] and statuses[30] == 429, statuses


async def test_x_forwarded_for_is_believed_only_from_a_trusted_proxy(settings, plugins, seeded):
    app = _served_with(settings, plugins, trusted_proxies=("127.0.0.0/8",))
    attempt = {"username": "nobody", "code": "000000", "password": "Whatever-2026"}
    async with serve(app) as client:  # the test client's peer is 127.0.0.1: the proxy
        for _ in range(30):
            response = await client.post(f"{GA}/auth/activate", json=attempt, headers={"X-Forwarded-For": "203.0.113.1"})
            assert response.status_code != 429
        capped = await client.post(f"{GA}/auth/activate", json=attempt, headers={"X-Forwarded-For": "203.0.113.1"})
        assert capped.status_code == 429 and "频繁" in capped.json()["detail"]
        # Another client behind the proxy is not held back by the first one.
        other = await client.post(f"{GA}/auth/activate", json=attempt, headers={"X-Forwarded-For": "203.0.113.2"})
        assert other.status_code != 429
        # What the client wrote itself, left of the address the proxy saw, is not believed.
        spoofed = await client.post(f"{GA}/auth/activate", json=attempt,
                                    headers={"X-Forwarded-For": "192.0.2.99, 203.0.113.1"})
        assert spoofed.status_code == 429
        forwarded = await client.post(f"{GA}/auth/activate", json=attempt, headers={"Forwarded": 'for="203.0.113.1:4711"'})
        assert forwarded.status_code == 429


def test_trusted_proxies_setting_is_checked(tmp_path):
    base = {"CREDITBANK_HOME": str(tmp_path), "CREDITBANK_SECRET_KEY": "k"}
    assert Settings.from_env(base).trusted_proxies == ()
    parsed = Settings.from_env({**base, "CREDITBANK_TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.7"}).trusted_proxies
    assert parsed == ("10.0.0.0/8", "192.168.1.7/32")
    with pytest.raises(SettingsError, match="CREDITBANK_TRUSTED_PROXIES"):
        Settings.from_env({**base, "CREDITBANK_TRUSTED_PROXIES": "proxy.local"})


# ---------------------------------------------------------------------------------------------
# Finding 13: absolute links from the configured base URL; unknown hosts refused


async def test_a_forged_host_is_refused_and_never_reaches_a_link(client, app):
    evil = {"Host": "evil.example"}
    for path in (f"{GA}/proof-keys", f"{GA}/meta", f"{G}/", f"{G}/login", "/api/v1/platform/plugins", "/"):
        response = await client.get(path, headers=evil)
        assert response.status_code == 400, (path, response.status_code)
        assert "主机名" in response.json()["detail"]
    assert (await client.get("/healthz", headers=evil)).status_code == 200  # load balancers probe by address
    admin = await staff_headers(client, "guangdong", "GD", "tenant_admin", username="gd-keys-admin")
    rotated = await client.post(f"{GA}/admin/proof-keys/rotate", headers={**admin, "Host": "guangdong.localhost"})
    assert rotated.status_code == 201 and rotated.json()["id"].startswith("did:web:testserver.local:t:guangdong#")
    keys = (await client.get(f"{GA}/proof-keys", headers={"Host": "guangdong.localhost"})).json()["items"]
    assert keys and all(k["id"].startswith("did:web:testserver.local:t:guangdong#") for k in keys)


async def test_proofs_and_their_qr_codes_use_the_tenants_base_url(client, admin_headers):
    patched = await client.patch("/api/v1/platform/tenants/guangdong", headers=admin_headers,
                                 json={"base_url": "https://www.cbgd.cn"})
    assert patched.status_code == 200 and patched.json()["base_url"] == "https://www.cbgd.cn"
    bad = await client.patch("/api/v1/platform/tenants/guangdong", headers=admin_headers,
                             json={"base_url": "javascript:alert(1)"})
    assert bad.status_code == 400
    # Everything below is asked for through another of the tenant's host names, over http.
    client.headers["Host"] = "guangdong.localhost"
    learner = await guangdong_learner(client)
    decided, _ = await gd_issued(client, learner)
    code = decided["proof_code"]
    document = (await client.get(f"{GA}/me/proofs/{code}", headers=learner)).json()
    assert document["id"] == f"https://www.cbgd.cn/t/guangdong/verify/{code}"
    assert document["issuer"]["id"] == "did:web:www.cbgd.cn:t:guangdong"  # did:web of the configured address
    assert "guangdong.localhost" not in msgspec.json.encode(document).decode()
    pdf = await client.get(f"{GA}/me/proofs/{code}/pdf", headers=learner)
    text, qr_codes = read_pdf(pdf.content)
    assert qr_codes == [f"https://www.cbgd.cn/t/guangdong/verify/{code}"]
    assert "guangdong.localhost" not in text


async def test_sms_links_use_the_base_url_whatever_the_host(client):
    admin = await staff_headers(client, "zhejiang", "ZJ", "tenant_admin", username="zj-link-admin")
    invited = await client.post("/t/zhejiang/api/v1/org/units/ZJ-B01/staff", headers={**admin, "Host": "zhejiang.localhost"},
                                json={"real_name": "杭州分部管理员", "phone": "13600000099", "role": "unit_admin"})
    assert invited.status_code == 201, invited.text
    log = (await client.get("/t/zhejiang/api/v1/admin/notifications", params={"to": "13600000099"}, headers=admin)).json()
    body = log["items"][0]["body"]
    assert "http://testserver.local/t/zhejiang/activate" in body and "zhejiang.localhost" not in body


async def test_allowed_hosts_are_served(settings, plugins, seeded):
    app = _served_with(settings, plugins, allowed_hosts=("cb.example.org",))
    async with serve(app) as client:
        assert (await client.get(f"{GA}/meta", headers={"Host": "cb.example.org:8443"})).status_code == 200
        assert (await client.get(f"{GA}/meta", headers={"Host": "cb.example.org.evil.example"})).status_code == 400


def test_base_url_settings_are_checked(tmp_path):
    base = {"CREDITBANK_HOME": str(tmp_path), "CREDITBANK_SECRET_KEY": "k"}
    assert Settings.from_env(base).base_url == "http://127.0.0.1:8000"
    assert Settings.from_env({**base, "CREDITBANK_BASE_URL": "https://cb.example.org/"}).base_url == "https://cb.example.org"
    with pytest.raises(SettingsError, match="CREDITBANK_BASE_URL"):
        Settings.from_env({**base, "CREDITBANK_BASE_URL": "cb.example.org"})


# ---------------------------------------------------------------------------------------------
# Finding 16: security headers, cookies, files


def _assert_hardened(response: httpx.Response) -> str:
    headers = response.headers
    assert headers["x-content-type-options"] == "nosniff", response.request.url
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    csp = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp and "script-src 'self'" in csp
    return csp


async def test_every_response_carries_the_security_headers(client, app):
    learner = await guangdong_learner(client)
    added = (await client.post(f"{GA}/me/achievements", headers=learner, json={
        "category": "other", "subtype": "perf_work_experience",
        "fields": {"achievement_name": "工作经历", "completed_on": "2020-07-07"}})).json()
    evidence = (await client.post(f"{GA}/me/achievements/{added['id']}/evidence", headers=learner,
                                  files={"file": ("证明.jpg", JPG, "image/jpeg")})).json()
    for path in (f"{G}/", f"{G}/login", f"{G}/no-such-page", f"{GA}/meta", f"{GA}/no-such", "/static/portal.js",
                 "/healthz", "/platform/login", f"{GA}/me/achievements/{added['id']}/evidence/{evidence['id']}"):
        response = await client.get(path, headers=learner if "/me/" in path else None)
        _assert_hardened(response)
        assert "strict-transport-security" not in response.headers  # the base URL is http
    refused = await client.get(f"{GA}/meta", headers={"Host": "evil.example"})
    _assert_hardened(refused)


async def test_inline_styles_carry_a_fresh_nonce(client):
    nonces = []
    for _ in range(2):
        page = await client.get(f"{G}/")
        nonce = re.search(r'<style nonce="([^"]+)">', page.text).group(1)
        assert f"'nonce-{nonce}'" in page.headers["content-security-policy"]
        assert not re.search(r"<style>|<script>|style=\"", page.text)  # nothing inline the CSP would block
        nonces.append(nonce)
    assert nonces[0] != nonces[1]


async def test_https_base_url_sends_hsts_and_secure_cookies(settings, plugins, seeded):
    app = _served_with(settings, plugins, base_url="https://testserver.local")
    async with serve(app) as plain, httpx.AsyncClient(transport=plain._transport, base_url="https://testserver.local") as client:
        await _gd_admin(client, app)
        login_page = await client.get(f"{G}/login")
        assert "max-age=" in login_page.headers["strict-transport-security"]
        assert "Secure" in login_page.headers["set-cookie"] and "HttpOnly" in login_page.headers["set-cookie"]
        token = re.search(r'name="_csrf_token" value="([^"]+)"', login_page.text).group(1)
        logged_in = await client.post(f"{G}/login", data={"username": "gdadmin", "password": STAFF_PASSWORD,
                                                           "_csrf_token": token})
        assert logged_in.status_code == 303, logged_in.text
        cookie = logged_in.headers["set-cookie"]
        assert cookie.startswith("cb_session_guangdong=") and "Secure" in cookie and "HttpOnly" in cookie
        assert "SameSite=lax" in cookie


async def test_evidence_names_are_cleaned_and_files_served_safely(client):
    from core.storage.files import clean_filename
    from core.web.downloads import content_disposition, stored_file_disposition

    learner = await guangdong_learner(client)
    added = (await client.post(f"{GA}/me/achievements", headers=learner, json={
        "category": "other", "subtype": "perf_work_experience",
        "fields": {"achievement_name": "工作经历", "completed_on": "2020-07-07"}})).json()
    uploaded = await client.post(f"{GA}/me/achievements/{added['id']}/evidence", headers=learner,
                                 files={"file": ("..\\..\\.证明\u200b 材料\u202e.jpg", JPG, "image/jpeg")})
    assert uploaded.status_code == 201, uploaded.text
    assert uploaded.json()["filename"] == "证明 材料.jpg"
    download = await client.get(f"{GA}/me/achievements/{added['id']}/evidence/{uploaded.json()['id']}", headers=learner)
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["content-disposition"].startswith("inline;")  # an image may open in the browser

    assert clean_filename("../../etc/passwd", "x") == "passwd"
    assert clean_filename("报告\x00\x07\r\n.pdf", "x") == "报告.pdf"
    assert clean_filename("....", "evidence.pdf") == "evidence.pdf"
    long = clean_filename("成绩单" * 100 + ".pdf", "x")
    assert len(long) <= 120 and long.endswith(".pdf") and long.startswith("成绩单")
    assert stored_file_disposition("text/html", "a.html").startswith("attachment;")
    assert stored_file_disposition("image/svg+xml", "a.svg").startswith("attachment;")
    assert stored_file_disposition("application/pdf", "a.pdf").startswith("inline;")
    # Every download names the file twice: an ASCII fallback, and the real name (RFC 5987).
    assert content_disposition('成绩单 "2026".pdf') == (
        "attachment; filename=\"___ _2026_.pdf\"; filename*=UTF-8''%E6%88%90%E7%BB%A9%E5%8D%95%20%222026%22.pdf")


# ---------------------------------------------------------------------------------------------
# Finding 17: a session per tenant; the CSRF token bound to the session


async def test_another_tenants_pages_do_not_log_you_out(client, app):
    await _gd_admin(client, app)
    zhejiang = await app.state.tenants.get("zhejiang")
    await create_staff(zhejiang, "ZJ", "tenant_admin", "zjadmin", STAFF_PASSWORD, real_name="浙江中心")
    await portal_login(client, "guangdong", "gdadmin", STAFF_PASSWORD)
    # A page of another tenant that wants a login sends the visitor to its login page ...
    elsewhere = await client.get("/t/zhejiang/staff/reviews")
    assert elsewhere.status_code == 303 and "/t/zhejiang/login" in elsewhere.headers["location"]
    # ... and leaves the session at the first tenant alone.
    assert (await client.get(f"{G}/staff/reviews")).status_code == 200
    await portal_login(client, "zhejiang", "zjadmin", STAFF_PASSWORD)
    assert (await client.get(f"{G}/staff/reviews")).status_code == 200
    assert (await client.get("/t/zhejiang/staff/reviews")).status_code == 200
    assert {c.name for c in client.cookies.jar} >= {"cb_session_guangdong", "cb_session_zhejiang"}
    await submit(client, "/t/zhejiang/", "/t/zhejiang/logout", {})
    assert (await client.get(f"{G}/staff/reviews")).status_code == 200


async def test_the_csrf_token_is_bound_to_the_session(client, app):
    await _gd_admin(client, app)
    await _gd_admin(client, app, "gdother")
    # The attacker's own browser: a cb_csrf cookie and the matching token.
    attacker = httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url))
    their_token = await csrf_token(attacker, f"{G}/login")
    their_cookie = attacker.cookies.get("cb_csrf")
    await attacker.aclose()

    await portal_login(client, "guangdong", "gdadmin", STAFF_PASSWORD)
    # Cookie tossing from a sibling host: the victim's browser now carries the attacker's cb_csrf.
    client.cookies.set("cb_csrf", their_cookie, domain="testserver.local", path="/")
    forged = await client.post(f"{G}/logout", data={"_csrf_token": their_token})
    assert forged.status_code == 403 and "页面已过期" in forged.text
    assert (await client.get(f"{G}/staff/reviews")).status_code == 200  # still logged in

    # A token stops working when the session changes: log out, log in as someone else.
    old_token = await csrf_token(client, f"{G}/")
    await submit(client, f"{G}/", f"{G}/logout", {})
    await portal_login(client, "guangdong", "gdother", STAFF_PASSWORD)
    stale = await client.post(f"{G}/logout", data={"_csrf_token": old_token})
    assert stale.status_code == 403 and "页面已过期" in stale.text
    missing = await client.post(f"{G}/logout", data={})
    assert missing.status_code == 403 and "页面已过期" in missing.text
    fresh = await submit(client, f"{G}/", f"{G}/logout", {})
    assert fresh.status_code == 303
