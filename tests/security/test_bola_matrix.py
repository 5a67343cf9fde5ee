"""The BOLA matrix: every API operation whose path names an object (an id, a code, a unit, a
tenant) is called by every principal who does not own it, on objects a first learner and their
unit own; any 2xx that is not in ``ALLOWED`` fails.

The operations come from the app's own OpenAPI document at test time, so a new endpoint is
covered without editing this file: its path parameters must be ones ``OBJECTS`` knows (else
the test fails and says so), or the operation must be allow-listed with a reason.

Principals who do not own the objects: another learner of the same tenant, the admin of a unit
outside the owner's subtree, a committee member, another tenant's admin (with a valid token,
sent to the owner's tenant and, with the owner's ids, to their own), and anonymous. So that a
matrix of refusals cannot pass because the ids are wrong, every read in it is first made by
the owner (the learner for ``/me``, the platform admin for the platform API, else the tenant
admin) and must succeed.
"""

from __future__ import annotations

import httpx

from tests.accounts.helpers import run_import, staff_headers
from tests.achievements.test_achievements import PDF, PNG, guangdong_learner
from tests.certificates.helpers import gd_issued
from tests.conftest import platform_token
from tests.security.operations import Operation, body_with, operations
from tests.web.test_staff_pages import cet4_conversion

G = "/t/guangdong/api/v1"
T = "/t/{tenant_slug}/api/v1"
INITIAL = "教学点：广东理工职业学院人工智能学院 审核人：林碧莹 意见：同意"

# Allowed 2xx for a non-owner: operation → (principals, reason). "*" is every principal calling
# the owner's tenant; "other_tenant_admin@own" (the owner's ids under another tenant) is never
# allowed by "*": an id of one tenant must name nothing in another.
ALLOWED: dict[str, tuple[set[str], str]] = {
    f"GET {T}/catalog/{{entry_id}}": ({"*"}, "the catalog (名录) is public: learners search it before they have an account"),
    f"GET {T}/rules/{{rule_id}}": ({"*"}, "published conversion rules are public"),
    f"GET {T}/rules/{{rule_id}}/versions": ({"*"}, "a published rule's history is public (retired rules: administrators only)"),
    f"GET {T}/org/units/{{code}}": ({"*"}, "the service network is a public directory (where is my nearest acceptance point)"),
    f"GET {T}/verify/{{code}}": ({"*"}, "anyone holding a proof's code may verify it (the QR code on the printed proof)"),
    f"GET {T}/proof-keys/{{multibase}}": ({"*"}, "a public key is public: verifiers resolve it (did:web, Multikey)"),
    f"GET {T}/status-lists/{{list_id}}": ({"*"}, "the revocation status list is public by design (131,072 entries, so "
                                                   "one proof's index tells nothing)"),
    f"GET {T}/reviews/{{application_id}}": (
        {"committee"}, "the committee decides the chain's final step, so it reads the application while it waits at an "
                       "earlier one; it may not decide that step nor open the files (checked below: decision, evidence)"),
}

# Parameters that name a setting every tenant has (a notification template), not an object of
# the owner's: another tenant's admin changing their own tenant's template is no breach.
SETTINGS = {"event", "channel"}


async def world(client: httpx.AsyncClient) -> dict:
    """The owner's objects, and who calls them."""
    owner = await guangdong_learner(client, "owner0001")
    decided, centre = await gd_issued(client, owner)  # a proof of the owner's, and the tenant admin
    application = await cet4_conversion(client, owner)  # waits at 转换初审 at the owner's teaching point
    outcome = (await client.get(f"{G}/me/achievements/{application['achievement_id']}", headers=owner)).json()
    me = (await client.get(f"{G}/me", headers=owner)).json()
    message = (await client.get(f"{G}/admin/notifications", headers=centre)).json()["items"][0]
    job = await run_import(client, "guangdong", "catalog", b"category,subtype,project_name,name,institution\n",
                           centre)
    rule = (await client.get(f"{G}/rules")).json()["items"][0]
    template = (await client.get(f"{G}/admin/templates", headers=centre)).json()[0]
    # A refused application of the owner's, appealed with a file (申诉).
    refused = await cet4_conversion(client, owner, certificate_no="1900483699")
    point = await staff_headers(client, "guangdong", "GD-GOU-TP02", "unit_admin", username="tp02-bola")
    step = next(s for s in refused["steps"] if s["name"] == "initial")
    refusal = await client.post(f"{G}/reviews/{refused['id']}/decision", headers=point, json={
        "step": "initial", "decision": "reject", "opinion": step["opinion_example"].replace("意见：同意", "意见：不同意")})
    assert refusal.status_code == 200, refusal.text
    appeal = (await client.post(f"{G}/me/applications/{refused['id']}/appeal", headers=owner,
                                json={"grounds": "请复核"})).json()
    appeal_file = (await client.post(f"{G}/me/appeals/{appeal['id']}/files", headers=owner,
                                     files={"file": ("复核材料.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")})).json()
    key = (await client.get(f"{G}/proof-keys")).json()["items"][0]
    platform = {"Authorization": f"Bearer {await platform_token(client)}"}
    trusted = (await client.post("/api/v1/platform/tenants/guangdong/trust", headers=platform,
                                 json={"issuer_tenant": "zhejiang"})).json()  # Guangdong accepts Zhejiang's records
    # An outcome the owner's teaching point collected for them at its window, disputed (异议).
    collected = await client.post(f"{G}/admin/learners/{me['id']}/achievements", headers=point, json={
        "category": "other", "subtype": "training", "fields": {
            "training_name": "越权测试培训", "training_provider": "某培训机构", "provider_code": "BOLA01",
            "certificate_no": "BOLA-0001", "obtained_on": "2020-01-01"}})
    assert collected.status_code == 201, collected.text
    dispute = (await client.post(f"{G}/me/achievements/{collected.json()['id']}/dispute", headers=owner,
                                 json={"grounds": "请核对"})).json()
    # A learner of the owner's teaching point with nothing under review asks to close their account.
    closer = await guangdong_learner(client, "closer0003")
    closing = await client.post(f"{G}/me/closure", headers=closer, json={"reason": "不再使用"})
    assert closing.status_code == 201, closing.text
    objects = {
        "closure_id": str(closing.json()["id"]),
        "achievement_id": str(outcome["id"]),
        "evidence_id": str(outcome["evidence"][0]["id"]),
        "application_id": str(application["id"]),
        "account_id": str(me["id"]),
        "code": decided["proof_code"],  # a proof's code; for /org/units/{code} the owner's unit, below
        "notification_id": str(message["id"]),
        "job_id": str(job["job_id"]),
        "rule_id": str(rule["id"]),
        "entry_id": str(rule["sources"][0]["id"]),
        "slug": "guangdong",
        "event": template["event"],
        "channel": template["channel"],
        "appeal_id": str(appeal["id"]),
        "file_id": str(appeal_file["id"]),
        "multibase": key["id"].split("#")[-1],
        "list_id": "1",
        "trust_id": str(trusted["id"]),
        "dispute_id": str(dispute["id"]),
        "kind": "catalog",  # an import kind (POST /api/v1/platform/tenants/{slug}/imports/{kind})
    }
    callers = {
        "anonymous": {},
        "other_learner": await guangdong_learner(client, "other0002"),
        "outside_unit_admin": await staff_headers(client, "guangdong", "GD-GOU-TP01", "unit_admin", username="tp01-bola"),
        "committee": await staff_headers(client, "guangdong", "GD", "committee", username="committee-bola"),
        "other_tenant_admin": await staff_headers(client, "national_ouc", "OUC", "tenant_admin", username="ouc-bola"),
    }
    return {"objects": objects, "callers": callers, "owner": owner, "centre": centre, "platform": platform}


def object_params(op: Operation) -> list[str]:
    return [p["name"] for p in op.params("path") if p["name"] != "tenant_slug"]


def path_for(op: Operation, objects: dict[str, str], tenant: str = "guangdong") -> str:
    values = {name: objects[name] for name in object_params(op)}
    if op.path.startswith(f"{T}/org/units/{{code}}"):
        values["code"] = "GD-GOU-TP02"  # the owner's unit
    return op.url({"tenant_slug": tenant, **values})


# Bodies that pass validation, so that what refuses the call is the authorisation under test.
BODIES = {
    f"POST {T}/admin/learners/{{account_id}}/id-number": {"reason": "核对身份信息"},
    f"POST {T}/admin/learners/{{account_id}}/review": {"decision": "approve", "opinion": "同意"},
    f"POST {T}/admin/accounts/{{account_id}}/disable": {"reason": "测试停用"},
    f"POST {T}/org/units/{{code}}/staff": {"real_name": "越权测试", "role": "unit_admin", "phone": "13800000099"},
    f"POST {T}/reviews/{{application_id}}/decision": {"step": "initial", "decision": "approve", "opinion": INITIAL},
    f"POST {T}/admin/proofs/{{code}}/revoke": {"reason": "越权撤销"},
    f"POST {T}/admin/disputes/{{dispute_id}}/decision": {"decision": "dismiss", "opinion": "越权处理"},
    f"POST {T}/admin/learners/{{account_id}}/achievements": {"category": "other", "subtype": "training", "fields": {
        "training_name": "越权采集", "training_provider": "某机构", "provider_code": "X2", "certificate_no": "BOLA-0002",
        "obtained_on": "2020-01-01"}},
    f"POST {T}/admin/closures/{{closure_id}}/decision": {"decision": "refuse", "opinion": "越权处理"},
    f"PATCH {T}/rules/{{rule_id}}": {"description": "越权修改"},
    f"PUT {T}/admin/templates/{{event}}/{{channel}}": {"body": "越权模板"},
    f"POST {T}/admin/templates/{{event}}/{{channel}}/preview": {"body": "预览"},
    "PATCH /api/v1/platform/tenants/{slug}": {"name": "越权改名"},
}


async def call(client: httpx.AsyncClient, op: Operation, url: str, headers: dict) -> httpx.Response:
    kwargs: dict = {"headers": headers}
    if op.multipart:
        kwargs["files"] = {"file": ("原件.pdf", PDF, "application/pdf") if "/reviews/" in op.path
                           else ("scan.png", PNG, "image/png")}
    elif op.key in BODIES:
        kwargs["json"] = BODIES[op.key]
    elif op.body_schema is not None:
        kwargs["json"] = body_with(op.doc, op.body_schema, 1, "越权测试")
    return await client.request(op.method.upper(), url, **kwargs)


def owner_of(op: Operation, world: dict) -> dict:
    if op.path.startswith("/api/v1/platform"):
        return world["platform"]
    return world["owner"] if "/me/" in op.path else world["centre"]


async def test_no_principal_reaches_another_ones_objects(client, app):
    w = await world(client)
    matrix = [op for op in operations(app) if object_params(op)]
    unknown = {f"{op.key}: {name}" for op in matrix for name in object_params(op)
               if name not in w["objects"] and op.key not in ALLOWED}
    assert not unknown, ("an operation names an object this matrix cannot make; add it to world() "
                         f"or allow-list the operation with a reason: {sorted(unknown)}")
    assert len(matrix) >= 30

    # The ids are real: the owner reads every one of them.
    vacuous = []
    for op in matrix:
        if op.method == "get":
            response = await call(client, op, path_for(op, w["objects"]), owner_of(op, w))
            if not response.is_success:
                vacuous.append(f"{op.key} as its owner → {response.status_code} {response.text[:120]}")
    assert not vacuous, "the matrix would test nothing for:\n" + "\n".join(vacuous)

    async def owners_state() -> tuple:
        base, owner = G, w["owner"]
        application = (await client.get(f"{base}/me/applications/{w['objects']['application_id']}", headers=owner)).json()
        outcome = (await client.get(f"{base}/me/achievements/{w['objects']['achievement_id']}", headers=owner)).json()
        me = (await client.get(f"{base}/me", headers=owner)).json()
        rule = (await client.get(f"{base}/rules/{w['objects']['rule_id']}")).json()
        proof = (await client.get(f"{base}/verify/{w['objects']['code']}")).json()
        return application, outcome, me, rule, proof

    before = await owners_state()
    leaks, calls = [], 0
    reads_first = sorted(matrix, key=lambda op: op.method != "get")  # refused writes must not hide reads
    for op in reads_first:
        allowed, _reason = ALLOWED.get(op.key, (set(), ""))
        for name, headers in w["callers"].items():
            attempts = [(name, path_for(op, w["objects"]))]
            if name == "other_tenant_admin" and op.path.startswith("/t/") and set(object_params(op)) - SETTINGS:
                attempts.append((f"{name}@own", path_for(op, w["objects"], tenant="national_ouc")))
            for who, url in attempts:
                response = await call(client, op, url, headers)
                calls += 1
                if response.is_success and not (who in allowed or ("*" in allowed and not who.endswith("@own"))):
                    leaks.append(f"{op.key} as {who} → {response.status_code} {response.text[:160]}")
    assert calls > 150
    assert not leaks, f"{len(leaks)} calls reached what is not the caller's:\n" + "\n".join(leaks)

    # And none of the refused calls changed anything: the owner's application, outcome, account,
    # the tenant's rule and the owner's proof read as they did before.
    assert await owners_state() == before


def test_every_allowed_exception_names_a_real_operation_and_says_why(app):
    keys = {op.key for op in operations(app)}
    for key, (who, reason) in ALLOWED.items():
        assert key in keys, f"ALLOWED names {key}, which the API no longer has"
        assert who and len(reason) > 10
