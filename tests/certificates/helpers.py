"""Helpers for proof tests: learners with recognized outcomes in each province, walking a
certificate application through its chain, and reading a proof's PDF the way a person would
(rendered to an image, the QR code scanned)."""

from __future__ import annotations

import pypdfium2
import zxingcpp

from tests.accounts.helpers import bearer, last_code, login, make_id, staff_headers
from tests.achievements.test_achievements import catalog_entry
from tests.reviews.test_provinces_reviews import STORE_OPINION

OPINIONS = {  # the last step's opinion format, per province (first step for Zhejiang below)
    "national_ouc": "审核意见：同意，出具学习成果认证证明。",
    "gansu": "审核意见：同意，出具学习成果认证证明。",
    "guangdong": "审核人：学分银行管理中心 明耀星",
}
ZJ_ACCEPT = "受理点：杭州市上城区分中心 经办人：王丽 意见：同意"
ZJ_REVIEW = "复审单位：浙江学分银行杭州分部 复审人：陈明 意见：同意"


def api(tenant: str) -> str:
    return f"/t/{tenant}/api/v1"


async def zhejiang_learner(client, unit: str, real_name: str = "周九") -> tuple[dict, dict]:
    """A learner opened at the window of ``unit`` and activated: (headers, account)."""
    admin = await staff_headers(client, "zhejiang", "ZJ", "tenant_admin", username=f"zj-centre-{real_name}")
    window = await staff_headers(client, "zhejiang", unit, "unit_admin", username=f"window-{unit}-{real_name}")
    id_number = make_id("330102", "19900101")
    phone = "135" + "".join(c for c in id_number if c.isdigit())[-8:]
    account = (await client.post("/t/zhejiang/api/v1/admin/learners", headers=window, json={
        "real_name": real_name, "id_number": id_number, "phone": phone, "identity_checked": True})).json()
    code = await last_code(client, "zhejiang", admin, phone)
    await client.post("/t/zhejiang/api/v1/auth/activate", json={"id_number": id_number, "code": code, "password": "Learner-2026"})
    return bearer(await login(client, "zhejiang", id_number, "Learner-2026")), {**account, "id_number": id_number}


async def typed_fields(client, tenant: str, category: str, subtype: str) -> dict:
    """A plausible value for every field of the sub-type the learner types in."""
    taxonomy = (await client.get(f"{api(tenant)}/meta")).json()["taxonomy"]
    fields = next(s["fields"] for c in taxonomy["categories"] if c["code"] == category
                  for s in c["subtypes"] if s["code"] == subtype)
    sample = {"date": "2019-07-01", "integer": "80", "number": "80"}
    return {f["name"]: f["options"][0] if f["options"] else sample.get(f["type"], "X-1")
            for f in fields if not f["from_catalog"]}


async def add_from_catalog(client, tenant: str, learner: dict, q: str, **params) -> dict:
    entry = await catalog_entry(client, tenant, q, **params)
    added = await client.post(f"{api(tenant)}/me/achievements", headers=learner, json={
        "category": entry["category"], "subtype": entry["subtype"], "catalog_entry_id": entry["id"],
        "fields": await typed_fields(client, tenant, entry["category"], entry["subtype"])})
    assert added.status_code == 201, added.text
    return added.json()


async def store_reviewed(client, tenant: str, learner: dict, reviewer: dict, q: str, **params) -> dict:
    """An outcome stored on the national OUC platform (or Gansu) and approved by the reviewer."""
    added = await add_from_catalog(client, tenant, learner, q, **params)
    store = next(a for a in (await client.get(f"{api(tenant)}/me/applications", headers=learner)).json()["items"]
                 if a["achievement_id"] == added["id"] and a["kind"] == "store_review")
    decided = await client.post(f"{api(tenant)}/reviews/{store['id']}/decision", headers=reviewer,
                                json={"step": "store_review", "decision": "approve", "opinion": STORE_OPINION})
    assert decided.status_code == 200 and decided.json()["status"] == "approved", decided.text
    return added


async def apply_for_proof(client, tenant: str, learner: dict, achievement_ids: list[int]) -> dict:
    submitted = await client.post(f"{api(tenant)}/me/applications", headers=learner,
                                  json={"kind": "certificate", "achievement_ids": achievement_ids})
    assert submitted.status_code == 201, submitted.text
    return submitted.json()


async def decide(client, tenant: str, application: dict, reviewer: dict, step: str, opinion: str,
                 decision: str = "approve", reason_code: str | None = None) -> dict:
    response = await client.post(f"{api(tenant)}/reviews/{application['id']}/decision", headers=reviewer,
                                 json={"step": step, "decision": decision, "opinion": opinion,
                                       **({"reason_code": reason_code} if reason_code else {})})
    assert response.status_code == 200, response.text
    return response.json()


def read_pdf(pdf: bytes) -> tuple[str, list[str]]:
    """(the text of every page, the QR codes found on them) — the PDF rendered at 200 dpi."""
    document = pypdfium2.PdfDocument(pdf)
    text, codes = [], []
    for page in document:
        text.append(page.get_textpage().get_text_range())
        image = page.render(scale=200 / 72).to_pil()
        codes += [r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode]
    return "\n".join(text), codes


async def gd_issued(client, learner: dict) -> tuple[dict, dict]:
    """A Guangdong learner's proof of a catalog course: (application, centre admin headers)."""
    centre = await staff_headers(client, "guangdong", "GD", "tenant_admin", username="gd-proof-centre")
    course = await add_from_catalog(client, "guangdong", learner, "公司概况")
    assert course["status"] == "catalog"
    application = await apply_for_proof(client, "guangdong", learner, [course["id"]])
    decided = await decide(client, "guangdong", application, centre, "certificate_issue", OPINIONS["guangdong"])
    assert decided["status"] == "approved" and decided["proof_code"]
    return decided, centre


_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _b58decode(text: str) -> bytes:
    """Base58btc by long division over a byte array — deliberately not the platform's code."""
    out = bytearray()
    for char in text:
        carry = _B58.index(char)
        for i in range(len(out)):
            carry += out[i] * 58
            out[i] = carry & 0xFF
            carry >>= 8
        while carry:
            out.append(carry & 0xFF)
            carry >>= 8
    out.extend(b"\0" * (len(text) - len(text.lstrip("1"))))
    return bytes(reversed(out))


def spec_verify(document: dict, public_key_multibase: str) -> bool:
    """eddsa-jcs-2022 verification written straight from the specification, independent of
    ``core.certificates``: the check an outside verifier holding the published key makes."""
    import hashlib

    import rfc8785
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    proofs = document["proof"] if isinstance(document["proof"], list) else [document["proof"]]
    proof = dict(next(p for p in proofs if p["cryptosuite"] == "eddsa-jcs-2022"))
    signature = _b58decode(proof.pop("proofValue")[1:])
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    data = hashlib.sha256(rfc8785.dumps(proof)).digest() + hashlib.sha256(rfc8785.dumps(unsecured)).digest()
    raw = _b58decode(public_key_multibase[1:])
    assert raw[:2] == b"\xed\x01"
    try:
        Ed25519PublicKey.from_public_bytes(raw[2:]).verify(signature, data)
    except InvalidSignature:
        return False
    return True
