"""Proofs of all four tenants verified by software nobody here wrote: Digital Bazaar's
``@digitalbazaar/vc`` with the ``eddsa-rdfc-2022`` and ``eddsa-jcs-2022`` cryptosuites and
``vc-bitstring-status-list``, plus jsonld.js safe-mode expansion (``tests/interop/verify.mjs``).

The proofs are issued in-process through the API as the test server's own host
(``http://127.0.0.1:PORT``), so their did:web DIDs, key ids and status lists name a real
``creditbank serve`` process on loopback, on the same database: the Node verifier resolves
every key, controller document and status list from it over HTTP; contexts come from the files
the package ships. Node and the packages of ``tests/interop/package-lock.json`` (``npm ci``,
run by ``bin/test``) are needed; without Node the test is skipped, never in CI.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.accounts.helpers import staff_headers
from tests.achievements.test_achievements import guangdong_learner
from tests.browser.conftest import live_server  # noqa: F401  (the fixture: a real serve process)
from tests.certificates.helpers import (
    OPINIONS,
    ZJ_ACCEPT,
    ZJ_REVIEW,
    add_from_catalog,
    apply_for_proof,
    decide,
    store_reviewed,
    zhejiang_learner,
)
from tests.reviews.test_provinces_reviews import ouc_learner

HERE = Path(__file__).parent
NODE = shutil.which("node")


def _node_ready() -> bool:
    return bool(NODE) and (HERE / "node_modules" / "@digitalbazaar" / "vc").is_dir()


pytestmark = pytest.mark.skipif(not _node_ready() and not os.environ.get("CI"),
                                reason="Node 或 tests/interop 的依赖未安装（bin/test 会运行 npm ci）")


def run_verifier(tmp_path: Path, cases: list[dict]) -> list[dict]:
    (tmp_path / "cases.json").write_text(json.dumps({"cases": cases}, ensure_ascii=False))
    if keep := os.environ.get("CREDITBANK_INTEROP_KEEP"):  # for debugging the verifier by hand
        shutil.copy(tmp_path / "cases.json", keep)
    done = subprocess.run([NODE or "node", str(HERE / "verify.mjs"), str(tmp_path / "cases.json")],
                          capture_output=True, text=True, timeout=300, cwd=HERE)
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert done.returncode in (0, 1) and lines, done.stdout + done.stderr
    return lines


async def _issue_all(client) -> dict[str, tuple[str, dict]]:
    """One proof per tenant: (code, learner headers)."""
    out = {}
    learner = await guangdong_learner(client)
    centre = await staff_headers(client, "guangdong", "GD", "tenant_admin", username="gd-interop")
    courses = [await add_from_catalog(client, "guangdong", learner, q) for q in ("公司概况", "公司概论")]
    application = await apply_for_proof(client, "guangdong", learner, [c["id"] for c in courses])
    out["guangdong"] = ((await decide(client, "guangdong", application, centre, "certificate_issue",
                                      OPINIONS["guangdong"]))["proof_code"], learner)

    admin = await staff_headers(client, "national_ouc", "OUC", "tenant_admin", username="ouc-interop")
    gs_centre = await staff_headers(client, "national_ouc", "OUC-GS", "unit_admin", username="gs-interop")
    learner = await ouc_learner(client, "national_ouc", admin, "OUC-GS", "interop@example.com")
    outcome = await store_reviewed(client, "national_ouc", learner, gs_centre, "计算机", category="non_academic")
    application = await apply_for_proof(client, "national_ouc", learner, [outcome["id"]])
    out["national_ouc"] = ((await decide(client, "national_ouc", application, gs_centre, "certificate_issue",
                                         OPINIONS["national_ouc"]))["proof_code"], learner)

    school = await staff_headers(client, "gansu", "GS", "tenant_admin", username="gs-school-interop")
    office = await staff_headers(client, "gansu", "GS", "unit_admin", username="gs-office-interop")
    learner = await ouc_learner(client, "gansu", school, "GS-LZ", "gansu-interop@example.com")
    outcome = await store_reviewed(client, "gansu", learner, office, "", category="academic")
    application = await apply_for_proof(client, "gansu", learner, [outcome["id"]])
    out["gansu"] = ((await decide(client, "gansu", application, office, "certificate_issue",
                                  OPINIONS["gansu"]))["proof_code"], learner)

    learner, _ = await zhejiang_learner(client, "ZJ-S01")
    window = await staff_headers(client, "zhejiang", "ZJ-S01", "unit_admin", username="zj-window-interop")
    branch = await staff_headers(client, "zhejiang", "ZJ-B01", "unit_admin", username="zj-branch-interop")
    outcome = await add_from_catalog(client, "zhejiang", learner, "会计")
    application = await apply_for_proof(client, "zhejiang", learner, [outcome["id"]])
    await decide(client, "zhejiang", application, window, "acceptance_review", ZJ_ACCEPT)
    out["zhejiang"] = ((await decide(client, "zhejiang", application, branch, "re_review", ZJ_REVIEW))["proof_code"],
                       learner)
    return out


@pytest.fixture
def app(settings, plugins, seeded, live_server):  # noqa: F811
    """The app in-process, its base URL the live server's: what it issues names that server
    (links and DIDs come from the configured base URL, never from the Host of a request)."""
    import msgspec

    from core.app import create_app

    return create_app(msgspec.structs.replace(settings, base_url=live_server.url), plugins, migrate=False,
                      sync_tenants=False, run_sender=False)


async def test_digital_bazaar_verifies_proofs_of_all_four_tenants(app, live_server, tmp_path):  # noqa: F811
    # The API in-process, as the live server's host: what it issues names that server.
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    from asgi_lifespan import LifespanManager

    async with LifespanManager(app), httpx.AsyncClient(transport=transport, base_url=live_server.url) as client:
        issued = await _issue_all(client)
        documents = {t: (await client.get(f"/t/{t}/api/v1/me/proofs/{code}", headers=learner)).json()
                     for t, (code, learner) in issued.items()}
        # One revoked proof: a stock verifier reads the bit the platform flipped.
        centre = await staff_headers(client, "guangdong", "GD", "tenant_admin", username="gd-interop-revoker")
        gd_code = issued["guangdong"][0]
        assert (await client.post(f"/t/guangdong/api/v1/admin/proofs/{gd_code}/revoke", headers=centre,
                                  json={"reason": "核查发现成果有误"})).status_code == 200

    for tenant, document in documents.items():
        assert document["issuer"]["id"] == f"did:web:{live_server.url.removeprefix('http://').replace(':', '%3A')}:t:{tenant}"
        assert httpx.get(f"{live_server.url}/t/{tenant}/did.json").json()["id"] == document["issuer"]["id"]

    cases = [{"name": t, "document": d, "expect": "revoked" if t == "guangdong" else "valid"}
             for t, d in documents.items()]
    results = run_verifier(tmp_path, cases)
    assert {r["name"] for r in results} == set(documents)
    for result in results:
        assert result["ok"], result
    assert next(r for r in results if r["name"] == "guangdong")["outcomes"] == 2


async def test_a_tampered_proof_fails_the_stock_verifier(app, live_server, tmp_path):  # noqa: F811
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    from asgi_lifespan import LifespanManager

    async with LifespanManager(app), httpx.AsyncClient(transport=transport, base_url=live_server.url) as client:
        learner = await guangdong_learner(client)
        centre = await staff_headers(client, "guangdong", "GD", "tenant_admin", username="gd-interop-t")
        course = await add_from_catalog(client, "guangdong", learner, "公司概况")
        application = await apply_for_proof(client, "guangdong", learner, [course["id"]])
        code = (await decide(client, "guangdong", application, centre, "certificate_issue",
                             OPINIONS["guangdong"]))["proof_code"]
        document = (await client.get(f"/t/guangdong/api/v1/me/proofs/{code}", headers=learner)).json()
    tampered = json.loads(json.dumps(document))
    tampered["credentialSubject"]["achievement"][1]["name"] = "博士学位"
    [result] = run_verifier(tmp_path, [{"name": "tampered", "document": tampered, "expect": "valid"}])
    assert not result["ok"]
    assert any(p.startswith("eddsa-rdfc-2022") for p in result["problems"]), result
    assert any(p.startswith("eddsa-jcs-2022") for p in result["problems"]), result
    assert not any(p.startswith("outcome") for p in result["problems"]), result  # keys resolved; only the changed credential fails


async def test_the_outcome_credentials_of_a_learners_record_verify_with_digital_bazaar(app, live_server, tmp_path):  # noqa: F811
    """我的学习档案: the CLR and each outcome credential in it (with its own status entry, the
    list resolved from the live server) verify with the stock libraries, both cryptosuites; an
    outcome its issuer no longer recognises reads revoked to them."""
    from tests.certificates.records import zhejiang_cet

    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    from asgi_lifespan import LifespanManager

    async with LifespanManager(app), httpx.AsyncClient(transport=transport, base_url=live_server.url) as client:
        learner, _, _ = await zhejiang_cet(client)
        course = await add_from_catalog(client, "zhejiang", learner, "会计")
        record = (await client.get("/t/zhejiang/api/v1/me/record", headers=learner)).json()
        # The learner deletes the second outcome: Zhejiang no longer vouches for it, its bit reads revoked.
        assert (await client.delete(f"/t/zhejiang/api/v1/me/achievements/{course['id']}", headers=learner)).status_code == 204
    inner = record["credentialSubject"]["verifiableCredential"]
    assert len(inner) == 2 and all(c["credentialStatus"]["statusListCredential"].startswith(live_server.url) for c in inner)
    cases = [{"name": "record", "document": record, "expect": "valid"},
             {"name": "outcome-1", "document": inner[0], "expect": "valid"},
             {"name": "outcome-2", "document": inner[1], "expect": "revoked"}]
    results = run_verifier(tmp_path, cases)
    assert [r["name"] for r in results] == ["record", "outcome-1", "outcome-2"]
    for result in results:
        assert result["ok"], result
    assert results[0]["outcomes"] == 2
