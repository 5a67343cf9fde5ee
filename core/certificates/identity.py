"""A tenant as a ``did:web`` issuer: its DID, its controller document and one JSON document per
key (W3C DID 1.0, did:web method, Controlled Identifiers' ``Multikey``).

``site`` is the tenant's address as ``core.certificates.api.tenant_base`` gives it
(``https://host[:port]/t/{slug}``); every id here is made from it, nothing from a request.
did:web maps ``did:web:host%3Aport:t:slug`` to ``https://host:port/t/slug/did.json`` (a DID
with no path to ``/.well-known/did.json``).
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote, unquote, urlsplit

from core.certificates import linked_data
from core.clock import aware


def did_web(site: str) -> str:
    parts = urlsplit(site)
    segments = [quote(unquote(s), safe="") for s in parts.path.split("/") if s]
    return ":".join(["did:web", quote(parts.netloc, safe="")] + segments)


def did_document_url(did: str) -> str:
    """The HTTPS URL a did:web resolves to (the did:web method, section 3.2)."""
    _, _, rest = did.partition("did:web:")
    host, *path = rest.split(":")
    tail = "/".join(unquote(p) for p in path) + "/did.json" if path else ".well-known/did.json"
    return f"https://{unquote(host)}/{tail}"


def method_id(site: str, multibase: str) -> str:
    """A key's verification method id: the DID URL ``did:web:…#z6Mk…``."""
    return f"{did_web(site)}#{multibase}"


def key_url(site: str, multibase: str) -> str:
    """Where the key's own JSON document is served (besides the DID document)."""
    return f"{site}/api/v1/proof-keys/{multibase}"


def _method(site: str, row: dict) -> dict:
    return {"id": method_id(site, row["public_multibase"]), "type": "Multikey", "controller": did_web(site),
            "publicKeyMultibase": row["public_multibase"]}


def key_document(site: str, row: dict) -> dict:
    """One key as a Multikey document. A retired key is no longer used to sign; it stays
    listed so the proofs it signed before ``retired_at`` keep verifying."""
    return {"@context": [linked_data.MULTIKEY_V1], **_method(site, row)}


def did_document(site: str, name: str, rows: list[dict]) -> dict:
    """The tenant's controller document: every key it has had, current first, each an
    ``assertionMethod`` (a stock verifier checks that purpose; our own verifier also checks
    that a retired key signed before it was retired)."""
    did = did_web(site)
    methods = [_method(site, r) for r in rows]
    return {
        "@context": [linked_data.DID_V1, linked_data.MULTIKEY_V1],
        "id": did,
        "alsoKnownAs": [site],
        "verificationMethod": methods,
        "assertionMethod": [m["id"] for m in methods],
    }


def retired_before(row: dict, created: datetime) -> bool:
    """Whether the key was retired before ``created`` (a proof dated after is not its)."""
    return row.get("retired_at") is not None and aware(row["retired_at"]) < created
