"""One test per hook, named ``test_hook_<name>`` (the meta-test in test_hookspecs.py finds
them): each runs 钩子镇, a plugin with words no real province uses, through the public
surface and looks for its words."""

from __future__ import annotations

import re

import msgspec
import pytest

from core.app import create_app
from core.notifications.sender import Sender
from core.plugins import PluginRegistry
from tests.accounts.helpers import STAFF_PASSWORD, bearer, last_code, login, make_id, staff_headers
from tests.conftest import make_settings, platform_token, serve
from tests.plugins.hooktown import NAME, Hooktown, tenants_folder
from tests.web.helpers import portal_login

T = f"/t/{NAME}/api/v1"
P = f"/t/{NAME}"
PASSWORD = "Ht-2026-pottery"


@pytest.fixture
def town_plugin() -> Hooktown:
    return Hooktown()


@pytest.fixture
def town_plugins(town_plugin) -> PluginRegistry:
    return PluginRegistry.discover(extra={NAME: town_plugin})


@pytest.fixture
def town_settings(home, tmp_path, settings):
    folder = tenants_folder(tmp_path)
    return msgspec.structs.replace(make_settings(home, folder), storage_url=settings.storage_url)


@pytest.fixture
async def town(town_settings, town_plugins, clean_database):
    """钩子镇 served (its tenant file synced when the app starts)."""
    app = create_app(town_settings, town_plugins, migrate=False, run_sender=False)
    async with serve(app) as client:
        yield client


async def _meta(client) -> dict:
    response = await client.get(f"{T}/meta")
    assert response.status_code == 200, response.text
    return response.json()


async def _admin(client) -> dict[str, str]:
    if not hasattr(client, "town_admin"):
        client.town_admin = await staff_headers(client, NAME, "HT", "tenant_admin", username="ht-admin")
    return client.town_admin


async def _register(client, username: str = "htpotter01", **overrides) -> dict:
    admin = await _admin(client)
    phone = overrides.pop("phone", "13900000077")
    sent = await client.post(f"{T}/auth/codes", json={"purpose": "register", "channel": "sms", "phone": phone})
    assert sent.status_code == 202, sent.text
    code = await last_code(client, NAME, admin, phone)
    data = {"agree_terms": True, "username": username, "real_name": "陶匠", "id_number": make_id("460100", "19900101"),
            "phone": phone, "password": PASSWORD, "password_confirm": PASSWORD, "unit_code": "HT-L1", "code": code}
    return (await client.post(f"{T}/auth/register", json={**data, **overrides})).json()


async def test_hook_province_info(town):
    listed = (await town.get("/api/v1/platform/plugins",
                             headers={"Authorization": f"Bearer {await platform_token(town)}"})).json()
    assert {"name": NAME, "title": "钩子镇终身学习学分银行", "version": "9.9.1"} in [
        {k: p[k] for k in ("name", "title", "version")} for p in listed]


async def test_hook_tenant_defaults(town):
    assert (await _meta(town))["contact"]["phones"] == ["0898-66660000"]  # the tenant file names none
    faq = (await town.get(f"{P}/faq")).text
    assert "钩子镇在哪里？" in faq and "在东巷的尽头。" in faq and "钩子镇的学分银行简介。" in faq


async def test_hook_achievement_taxonomy(town):
    taxonomy = (await _meta(town))["taxonomy"]
    assert [(c["code"], [s["code"] for s in c["subtypes"]]) for c in taxonomy["categories"]] == [("craft", ["pottery", "glaze"])]
    learner = bearer(await login(town, NAME, (await _register(town))["username"], PASSWORD))
    unknown = await town.post(f"{T}/me/achievements", headers=learner, json={
        "category": "education", "subtype": "course", "fields": {"course_name": "高等数学"}})
    assert unknown.status_code in (400, 404, 422), unknown.text  # another province's category
    made = await town.post(f"{T}/me/achievements", headers=learner, json={
        "category": "craft", "subtype": "pottery", "fields": {"achievement_name": "青釉茶盏"}})
    assert made.status_code == 201 and made.json()["status"] == "unapplied"  # recognition="apply"


async def test_hook_rule_defaults(town):
    """钩子镇 caps what one programme (and one year) takes and lets a source count once per
    programme: a rule that says nothing of either is held to them, and the explanation says so."""
    admin = await _admin(town)
    entries = []
    for project, name in (("釉料(初级)", "青釉入门"), ("陶艺(专)", "釉色鉴赏"), ("陶艺(专)", "窑变釉")):
        made = await town.post(f"{T}/catalog", headers=admin, json={
            "category": "craft", "subtype": "glaze", "project_name": project, "name": name, "fields": {"course_name": name}})
        assert made.status_code == 201, made.text
        entries.append(made.json())
    source, small, big = entries
    fits = (await town.post(f"{T}/rules", headers=admin, json={
        "name": "青釉入门转釉色鉴赏", "sources": [source["id"]], "target": small["id"], "credits": 2})).json()
    too_big = (await town.post(f"{T}/rules", headers=admin, json={
        "name": "青釉入门转窑变釉", "sources": [source["id"]], "target": big["id"], "credits": 6})).json()
    assert "每个专业最多转换 5 学分" not in fits["conditions"]  # the rule itself sets none
    learner = bearer(await login(town, NAME, (await _register(town))["username"], PASSWORD))
    held = (await town.post(f"{T}/me/achievements", headers=learner, json={
        "category": "craft", "subtype": "glaze", "catalog_entry_id": source["id"], "fields": {}})).json()
    rules = (await town.get(f"{T}/me/achievements/{held['id']}/rules", params={"explain": 1}, headers=learner)).json()
    verdicts = {r["id"]: r["explanation"] for r in rules}
    assert verdicts[fits["id"]]["status"] == "applies"
    assert verdicts[too_big["id"]]["missing"] == [
        "陶艺(专)可转换学分上限为 5，您已转换 0 学分，此规则 6 学分",
        "陶艺(专)每年可转换学分上限为 2，您今年已转换 0 学分，此规则 6 学分"]


async def test_hook_org_levels(town):
    assert [lvl["code"] for lvl in (await _meta(town))["org_levels"]] == ["town", "lane"]
    roots = (await town.get(f"{T}/org/units")).json()
    items = roots["items"] if isinstance(roots, dict) else roots
    assert [(u["code"], u["level"]) for u in items] == [("HT", "town")]
    admin = await _admin(town)
    wrong = await town.post(f"{T}/org/units", headers=admin, json={
        "code": "HT-X", "level": "service_point", "name": "不存在的层级", "parent_code": "HT"})
    assert wrong.status_code in (400, 422)
    right = await town.post(f"{T}/org/units", headers=admin, json={
        "code": "HT-L2", "level": "lane", "name": "钩子镇西巷服务点", "parent_code": "HT"})
    assert right.status_code == 201, right.text


async def test_hook_framework_levels(town):
    assert [(f["level"], f["name"]) for f in (await _meta(town))["framework_levels"]] == [(1, "学徒"), (2, "匠人")]
    page = (await town.get(f"{P}/framework")).text
    assert page.index("学徒") < page.index("匠人")


async def test_hook_username_scheme(town):
    refused = await _register(town, username="potter01")
    assert "钩子镇用户名以 ht 开头" in str(refused)
    account = await _register(town, username="htpotter02", phone="13900000078")
    assert account["username"] == "htpotter02"


async def test_hook_registration_policy(town):
    registration = (await _meta(town))["registration"]
    assert registration["self_registration"] is True and registration["verify"] == ["sms"]
    assert "unit_code" in [f["name"] for f in registration["fields"]]
    no_code = await _register(town, code="")  # verify=["sms"] before registering: the code is required
    assert "验证码" in str(no_code) and "id" not in no_code


async def test_hook_password_policy(town):
    assert (await _meta(town))["password_policy"]["min_length"] == 11
    weak = "Abcdefgh12"  # 10 characters: enough for core's default, not for 钩子镇
    refused = await _register(town, password=weak, password_confirm=weak)
    assert "钩子镇密码至少 11 位" in str(refused) or "11" in str(refused)
    assert (await login(town, NAME, "htpotter01", weak)).status_code != 200


async def test_hook_review_chain(town):
    learner = bearer(await login(town, NAME, (await _register(town))["username"], PASSWORD))
    achievement = (await town.post(f"{T}/me/achievements", headers=learner, json={
        "category": "craft", "subtype": "pottery", "fields": {"achievement_name": "青釉茶盏"}})).json()
    application = (await town.post(f"{T}/me/applications", headers=learner,
                                   json={"kind": "recognition", "achievement_id": achievement["id"]})).json()
    assert [(s["label"], s["unit_code"]) for s in application["steps"]] == [("东巷验看作品", "HT-L1")]
    conversion = await town.post(f"{T}/me/applications", headers=learner,
                                 json={"kind": "conversion", "achievement_id": achievement["id"]})
    assert conversion.status_code in (400, 403, 409, 422)  # the chain is None: not accepted here
    lane = await staff_headers(town, NAME, "HT-L1", "unit_admin")
    decide = f"{T}/reviews/{application['id']}/decision"
    badly = await town.post(decide, headers=lane, json={"step": "lane_check", "decision": "approve", "opinion": "同意"})
    assert badly.status_code in (400, 422) and "巷口意见：同意" in badly.text  # the format's example, shown
    decided = await town.post(decide, headers=lane, json={"step": "lane_check", "decision": "approve", "opinion": "巷口意见：同意"})
    assert decided.status_code == 200, decided.text
    assert (await town.get(f"{T}/me/summary", headers=learner)).json()["recognized"] == 1


async def test_hook_notification_templates(town):
    admin = await _admin(town)
    await town.post(f"{T}/auth/codes", json={"purpose": "register", "channel": "sms", "phone": "13900000088"})
    code = await last_code(town, NAME, admin, "13900000088")
    page = (await town.get(f"{T}/admin/notifications", params={"to": "13900000088"}, headers=admin)).json()
    assert page["items"][0]["body"] == f"【钩子镇】注册验证码 {code}，10 分钟内有效。"


async def test_hook_send_sms(town, town_plugin, town_plugins, town_settings):
    """No SMS gateway is configured, so 钩子镇's own ``send_sms`` delivers, once, with a key
    that stays the same when the message is sent again."""
    await town.post(f"{T}/auth/codes", json={"purpose": "register", "channel": "sms", "phone": "13900000099"})
    sender = Sender(town_settings, town_plugins)
    assert await sender.run_once() == 1
    assert await sender.run_once() == 0
    [(to, text, key)] = town_plugin.sms
    assert to == "13900000099" and text.startswith("【钩子镇】注册验证码 ") and re.fullmatch(r"[0-9a-f]{32}", key)
    admin = await _admin(town)
    [sent] = (await town.get(f"{T}/admin/notifications", params={"to": "13900000099"}, headers=admin)).json()["items"]
    assert sent["status"] == "sent"


async def test_hook_wording(town):
    """Role labels and the name of the body issuing proofs come from the plugin: 钩子镇's words
    on 钩子镇's pages, not another province's."""
    await staff_headers(town, NAME, "HT", "tenant_admin", username="ht-head")
    await portal_login(town, NAME, "ht-head", STAFF_PASSWORD)
    unit = (await town.get(f"{P}/staff/units/HT")).text
    assert "镇中心值守人" in unit and "钩子镇评议会成员" in unit and "单位管理员" in unit  # core's label where none given
    assert "专业认定委员会成员" not in unit
    town.cookies.clear()
    username = (await _register(town))["username"]
    await portal_login(town, NAME, username, PASSWORD)
    proofs = (await town.get(f"{P}/me/proofs")).text
    assert "由钩子镇手艺认证所审核后出具" in proofs and "学习成果认证中心" not in proofs


@pytest.mark.parametrize(("slug", "unit", "committee", "issuer"), [
    ("guangdong", "GD", "专业认定委员会成员", "学分银行管理中心"),
    ("zhejiang", "ZJ", "认定专家", "受理点及其上级服务机构"),
])
async def test_hook_wording_of_the_provinces(client, slug, unit, committee, issuer):
    await staff_headers(client, slug, unit, "tenant_admin", username=f"{slug}-head")
    await portal_login(client, slug, f"{slug}-head", STAFF_PASSWORD)
    page = (await client.get(f"/t/{slug}/staff/units/{unit}")).text
    assert committee in page and "钩子镇评议会成员" not in page
    assert issuer == client._transport.app.state.tenants.by_slug[slug].hooks.wording.proof_issuer
