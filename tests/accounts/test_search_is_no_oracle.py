"""No search is an oracle on a protected field (issue 12, finding 2).

With usernames equal to ID numbers, ``GET /admin/learners?q=`` matched ``username LIKE
'%q%'`` unescaped: a unit admin recovered a whole ID number digit by digit (``q=3301%``,
``q=_3``, …) without the audited reveal. Now an ID number matches only whole, by its keyed
hash (and that search is audited); ``%`` and ``_`` are literal in every search.
"""

from __future__ import annotations

from core.accounts.identity import mask_id_number
from core.accounts.tables import AuditEntry
from tests.accounts.helpers import STAFF_PASSWORD, make_id, staff_headers
from tests.web.helpers import portal_login, table_rows

T = "/t/zhejiang/api/v1"


async def _open(client, window, name: str, id_number: str, phone: str) -> int:
    response = await client.post(f"{T}/admin/learners", json={"real_name": name, "id_number": id_number, "phone": phone,
                                                               "identity_checked": True}, headers=window)
    assert response.status_code in (200, 201), response.text
    return response.json()["id"]


async def test_a_unit_admin_cannot_read_an_id_number_by_prefix_or_wildcard_searches(client):
    window = await staff_headers(client, "zhejiang", "ZJ-S01", "unit_admin")
    target = make_id("330102", "19800808")
    target_id = await _open(client, window, "孙八", target, "13522220001")
    await _open(client, window, "周九", make_id("330102", "19900909"), "13522220002")

    async def found(q: str) -> list[int]:
        page = await client.get(f"{T}/admin/learners", params={"q": q}, headers=window)
        assert page.status_code == 200, page.text
        return [a["id"] for a in page.json()["items"]]

    # The attack: a digit at a time, by prefix or by single-character wildcards.
    probes = ["%", "_", "%%", "\\", "3%", "33%", "3301%", target[:6], target[:10], target[:17], target[1:],
              target[6:14], "_" * 18, "_" * 17 + target[17], target[:17] + "_", "3301%" + target[-4:],
              "S" + target[:17], mask_id_number(target), target[:4] + "_" * 10 + target[-4:]]
    for q in probes:
        assert await found(q) == [], q
    for digit in "0123456789":  # what would reveal the 5th digit
        assert await found(target[:4] + digit + "%") == []
        assert await found("____" + digit + "%") == []

    # Only the whole number finds the learner, and that search is in the audit log (masked).
    assert await found(target) == [target_id]
    assert await found(target.lower()) == [target_id]
    searched = await AuditEntry.select().where(AuditEntry.action == "learner.search_id_number")
    assert searched and all(target not in repr(entry) for entry in searched)
    assert searched[-1]["detail"] == mask_id_number(target)
    # Names and phone numbers are still found as before.
    assert await found("孙") == [target_id]
    assert await found("13522220001") == [target_id]


async def test_wildcards_are_literal_in_every_public_search(client):
    everything = (await client.get("/t/guangdong/api/v1/rules")).json()["items"]
    assert everything  # there are published rules to leak
    for q in ("%", "_", "%%", "\\", "%转%"):
        assert (await client.get("/t/guangdong/api/v1/rules", params={"q": q})).json()["items"] == [], q
        assert (await client.get("/t/guangdong/api/v1/catalog", params={"q": q})).json()["items"] == [], q
        assert (await client.get("/t/guangdong/api/v1/catalog", params={"institution": q})).json()["items"] == [], q
        assert (await client.get("/t/zhejiang/api/v1/org/units", params={"q": q})).json()["items"] == [], q
    assert (await client.get("/t/zhejiang/api/v1/org/units", params={"q": "义乌"})).json()["items"]
    assert (await client.get("/t/guangdong/api/v1/catalog", params={"q": "公司概况"})).json()["items"]


async def test_the_staff_rule_list_takes_wildcards_literally(client):
    await staff_headers(client, "guangdong", "GD", "tenant_admin", username="gd-rules")
    await portal_login(client, "guangdong", "gd-rules", STAFF_PASSWORD)
    assert table_rows((await client.get("/t/guangdong/staff/rules")).text, "rules")  # there are rules to leak
    for q in ("%", "_"):
        listing = await client.get("/t/guangdong/staff/rules", params={"q": q})
        assert listing.status_code == 200 and '<table id="rules"' not in listing.text, q
