"""JSON-LD for proofs: the contexts shipped in the package, expansion, the "every term defined"
check and RDF Dataset Canonicalization (RDFC-1.0, which ``pyld`` names URDNA2015).

Nothing is fetched from the network: a context URL is either one of the official documents in
``contexts/`` (copied verbatim from the publishers' packages) or our own context, served by each
tenant at ``{site}/contexts/creditbank-v1.jsonld``; anything else is ``UnknownContext``.
"""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from pathlib import Path

from pyld import jsonld

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CLR_V2 = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"
DID_V1 = "https://www.w3.org/ns/did/v1"
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"
OUR_CONTEXT_PATH = "/contexts/creditbank-v1.jsonld"

_DIR = Path(__file__).parent / "contexts"
_FILES = {
    VC_V2: "credentials-v2.jsonld",
    OB_V3: "ob-v3p0-context-3.0.3.json",
    CLR_V2: "clr-v2p0-context-2.0.1.json",
    MULTIKEY_V1: "multikey-v1.jsonld",
    DID_V1: "did-v1.jsonld",
    DATA_INTEGRITY_V2: "data-integrity-v2.jsonld",
}
_OURS = re.compile(r"^https?://[^/?#\s]+(/[^?#\s]*)?" + re.escape(OUR_CONTEXT_PATH) + "$")
# Marks a term no context defines: expansion under it turns such a term into this IRI instead
# of dropping it silently (pyld has no "safe mode"; this is how we get its answer).
_UNDEFINED = "urn:creditbank:undefined:"


class UnknownContext(ValueError):
    """A context this platform does not ship (and will not fetch)."""


def our_context(site: str) -> str:
    return site + OUR_CONTEXT_PATH


def is_known(url: object) -> bool:
    return isinstance(url, str) and (url in _FILES or bool(_OURS.match(url)))


@cache
def _read(name: str) -> dict:
    return json.loads((_DIR / name).read_text(encoding="utf-8"))


def context_document(url: str) -> dict:
    """The JSON of the context at ``url``. Raises ``UnknownContext``."""
    if url in _FILES:
        return _read(_FILES[url])
    if _OURS.match(url):
        return _read("creditbank-v1.jsonld")
    raise UnknownContext(url)


def _loader(url: str, options=None) -> dict:
    try:
        document = context_document(url)
    except UnknownContext as exc:
        raise jsonld.JsonLdError(f"不认识的 JSON-LD 上下文：{url}", "jsonld.LoadDocumentError",
                                 code="loading document failed") from exc
    return {"contextUrl": None, "documentUrl": url, "document": copy.deepcopy(document)}


def contexts_of(document: dict) -> list:
    context = document.get("@context")
    return context if isinstance(context, list) else [context]


def check_contexts(document: dict) -> None:
    """Every context named by URL is one we ship. Raises ``UnknownContext`` naming the first that is not."""
    stack = [document]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if key == "@context":
                    for url in value if isinstance(value, list) else [value]:
                        if isinstance(url, str) and not is_known(url):
                            raise UnknownContext(url)
                else:
                    stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)


def expand(document: dict) -> list:
    check_contexts(document)
    return jsonld.expand(document, {"documentLoader": _loader})


def undefined_terms(document: dict) -> list[str]:
    """The terms and types of ``document`` that no context defines (JSON-LD would drop them):
    empty when safe-mode expansion succeeds. Raises ``UnknownContext``."""
    check_contexts(document)
    expanded = jsonld.expand(document, {"documentLoader": _loader, "expandContext": {"@vocab": _UNDEFINED}})
    found: list[str] = []
    stack: list = [expanded]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            for key, value in item.items():
                if key.startswith(_UNDEFINED):
                    found.append(key.removeprefix(_UNDEFINED))
                if key == "@type":
                    found += [t.removeprefix(_UNDEFINED) for t in (value if isinstance(value, list) else [value])
                              if isinstance(t, str) and t.startswith(_UNDEFINED)]
                if isinstance(value, (list, dict)):
                    stack.append(value)
    return sorted(set(found))


def canonize(document: dict) -> str:
    """The RDFC-1.0 canonical N-Quads of ``document``. Raises ``UnknownContext``, or
    ``pyld.jsonld.JsonLdError`` for a document JSON-LD cannot process."""
    check_contexts(document)
    return jsonld.normalize(document, {"algorithm": "URDNA2015", "format": "application/n-quads",
                                       "documentLoader": _loader})
