"""Proofs at the HTTP boundary: what a verification says, a learner's list, the public keys."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from core.paging import Page

ProofStatus = Literal["issued", "revoked"]


class HolderOut(msgspec.Struct, kw_only=True):
    name: str
    id_number_masked: str


class OutcomeOut(msgspec.Struct, kw_only=True):
    """A learning outcome listed in a proof. ``recognition`` says how it came to be
    recognized: 名录成果 (catalog match), 已认定 (reviewed), 转换取得 (converted)."""

    name: str
    category: str
    subtype: str
    institution: str
    credits: float | None = None
    obtained_on: str | None = None
    certificate_no: str = ""
    recognition: str = ""


class ConversionOut(msgspec.Struct, kw_only=True):
    """A conversion a proof states: ``converted`` — the target is in the learner's account;
    ``approved`` — approved for the learner to take to the target institution (national OUC)."""

    sources: list[str]
    target: str
    target_institution: str
    credits: float | None = None
    ratio: int | None = None
    rule: str = ""
    agreement: str = ""
    approved_on: str | None = None
    state: Literal["approved", "converted"] = "approved"


class IssuerOut(msgspec.Struct, kw_only=True):
    id: str
    name: str
    unit: str


class ProofContent(msgspec.Struct, kw_only=True):
    """What a proof says, read back from its credential."""

    code: str
    title: str
    description: str
    holder: HolderOut
    achievements: list[OutcomeOut]
    conversions: list[ConversionOut]
    issuer: IssuerOut
    issued_at: datetime
    verify_url: str
    verification_method: str


class CheckOut(msgspec.Struct, kw_only=True):
    """One check of a verification: ``ok`` true (passed), false (failed), null (could not be
    checked — e.g. the status list did not load); ``message`` says it in plain Chinese."""

    name: Literal["context", "terms", "schema", "signature", "issuer_key", "outcomes", "dates", "status"]
    label: str
    ok: bool | None
    message: str


class Verdict(msgspec.Struct, kw_only=True):
    """The answer of a verification. ``valid`` = every check passed: each signature of the
    proof set checks out under a key the issuer published (and had not retired when signing),
    and the status list says not revoked. ``result``: ``valid``, ``revoked``, ``invalid`` or
    ``status_unknown`` (signature valid, status could not be checked — never valid).
    ``problem`` names why a signature failed: ``tampered`` (content changed after signing),
    ``unknown_key`` (not signed by a key of this tenant), ``retired_key``, ``wrong_issuer``,
    ``unsupported_cryptosuite``, ``unknown_context`` (a context we do not ship), ``malformed``
    (no usable proof). ``status_check``: what the status list said (``not_listed`` for proofs
    issued before status lists: their ``status`` is this tenant's record). What the proof says
    (holder, achievements...) is always the record this tenant keeps."""

    code: str
    valid: bool
    signature_valid: bool
    problem: Literal["tampered", "unknown_key", "retired_key", "wrong_issuer", "unsupported_cryptosuite",
                     "unknown_context", "malformed"] | None
    result: Literal["valid", "revoked", "invalid", "status_unknown"]
    status: ProofStatus
    status_check: Literal["ok", "revoked", "unavailable", "not_listed"]
    revoked_reason: str | None
    revoked_at: datetime | None
    message: str
    checks: list[CheckOut]
    cryptosuites: list[str]
    title: str
    holder: HolderOut
    achievements: list[OutcomeOut]
    conversions: list[ConversionOut]
    issuer: IssuerOut
    issued_at: datetime
    verify_url: str
    verification_method: str


class ProofSummary(msgspec.Struct, kw_only=True):
    code: str
    kind: str
    title: str
    summary: str
    status: ProofStatus
    revoked_reason: str | None
    revoked_at: datetime | None
    application_id: int
    unit: str
    issued_at: datetime
    verify_url: str


ProofPage = Page[ProofSummary]


class RevokeIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(max_length=500)]


class KeyOut(msgspec.Struct, kw_only=True):
    """A public key as a Multikey verification method, with its JWK. ``id`` is what a proof's
    ``verificationMethod`` names (``did:web:…#z6Mk…``); ``key_id`` its fragment; ``controller``
    the tenant's DID; ``url`` where its own key document is served."""

    id: str
    key_id: str
    type: str = "Multikey"
    controller: str
    url: str
    public_key_multibase: str = msgspec.field(name="publicKeyMultibase")
    public_key_jwk: dict = msgspec.field(name="publicKeyJwk")
    status: Literal["active", "retired"]
    created_at: datetime
    retired_at: datetime | None


KeyPage = Page[KeyOut]
