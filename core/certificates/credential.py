"""Data Integrity proofs with the ``eddsa-rdfc-2022`` and ``eddsa-jcs-2022`` cryptosuites (W3C VC
Data Integrity EdDSA Cryptosuites v1.0, sections 3.2 and 3.3), proof sets of both, and the
encodings of Ed25519 public keys.

RDFC: the same construction with RDF Dataset Canonicalization (``linked_data.canonize``) in
place of JCS.

Signing: ``hashData = SHA-256(JCS(proof options)) || SHA-256(JCS(document without proof))``,
signed with Ed25519; ``proofValue`` is the signature in multibase base58btc (``z…``). The proof
options carry the document's ``@context``, so verification checks that the document still
starts with it. JCS is RFC 8785: ``canonical`` writes the common case through the standard
library's C encoder — byte for byte what the ``rfc8785`` package writes, six times faster — and
hands everything else to the package.

Pure functions: no database, no keys store. ``tests/certificates/test_credential.py`` checks
them against the specification's own test vector.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from core.certificates import linked_data

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-jcs-2022"
RDFC = "eddsa-rdfc-2022"
SUITES = (RDFC, CRYPTOSUITE)
PROOF_SET = (RDFC, CRYPTOSUITE)
# Multicodec prefixes (varint) of an Ed25519 public key and private key in a Multikey.
ED25519_PUB = b"\xed\x01"
ED25519_PRIV = b"\x80\x26"

_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {c: i for i, c in enumerate(_ALPHABET)}


def b58encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    out = []
    while number:
        number, digit = divmod(number, 58)
        out.append(_ALPHABET[digit])
    zeros = len(data) - len(data.lstrip(b"\0"))  # each leading zero byte is a leading "1"
    return "1" * zeros + "".join(reversed(out))


def b58decode(text: str) -> bytes:
    """Raises ``ValueError`` on a character outside the bitcoin alphabet."""
    number = 0
    for char in text:
        if char not in _INDEX:
            raise ValueError(f"不是 base58btc 字符：{char!r}")
        number = number * 58 + _INDEX[char]
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def multibase(data: bytes) -> str:
    return "z" + b58encode(data)


def from_multibase(text: str) -> bytes:
    if not text.startswith("z"):
        raise ValueError("只支持 base58btc（z 开头）的 multibase 编码")
    return b58decode(text[1:])


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def public_multikey(key: Ed25519PublicKey) -> str:
    """``publicKeyMultibase`` of a Multikey: ``z6Mk…``."""
    return multibase(ED25519_PUB + raw_public(key))


def public_from_multikey(text: str) -> Ed25519PublicKey:
    data = from_multibase(text)
    if not data.startswith(ED25519_PUB) or len(data) != 34:
        raise ValueError("不是 Ed25519 公钥的 Multikey")
    return Ed25519PublicKey.from_public_bytes(data[2:])


def private_from_multikey(text: str) -> Ed25519PrivateKey:
    data = from_multibase(text)
    if not data.startswith(ED25519_PRIV) or len(data) != 34:
        raise ValueError("不是 Ed25519 私钥的 Multikey")
    return Ed25519PrivateKey.from_private_bytes(data[2:])


def public_jwk(key: Ed25519PublicKey) -> dict[str, str]:
    """RFC 8037 JWK of an Ed25519 public key."""
    x = base64.urlsafe_b64encode(raw_public(key)).rstrip(b"=").decode()
    return {"kty": "OKP", "crv": "Ed25519", "x": x}


def xml_datetime(moment: datetime) -> str:
    """An XML Schema dateTime in UTC to the second, as Data Integrity and VC 2.0 show them."""
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


_SAFE_INTEGER = 2**53  # past it JCS (IEEE 754 numbers) cannot represent an integer exactly


def _plain(value: object) -> bool:
    """Whether ``json.dumps`` writes ``value`` exactly as RFC 8785 does: no floats (ECMAScript
    formats numbers unlike Python), integers within ±2**53, ASCII member names (JCS sorts by
    UTF-16 code units, Python by code points: the same order for ASCII). Strings need nothing:
    both escape only the quotation mark, the backslash and control characters, alike."""
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if isinstance(item, dict) and kind is dict:
            for key, member in item.items():
                if type(key) is not str or not key.isascii():
                    return False
                stack.append(member)
        elif isinstance(item, list) and kind is list:
            stack.extend(item)
        elif isinstance(item, int) and kind is int:
            if not -_SAFE_INTEGER < item < _SAFE_INTEGER:
                return False
        elif not (kind is str or kind is bool or item is None):
            return False
    return True


def canonical(value: Any) -> bytes:
    """RFC 8785 (JCS) bytes of ``value``. Raises ``rfc8785.CanonicalizationError`` for what
    JCS cannot represent."""
    if _plain(value):
        try:
            return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
        except UnicodeEncodeError:  # a lone surrogate: the package's rules apply
            pass
    return rfc8785.dumps(value)


def _hash_data(document: dict, proof_options: dict) -> bytes:
    return hashlib.sha256(canonical(proof_options)).digest() + hashlib.sha256(canonical(document)).digest()


def _rdfc_hash_data(document: dict, proof_options: dict) -> bytes:
    """eddsa-rdfc-2022 (section 3.2): SHA-256 of the RDFC-1.0 N-Quads of the proof options
    (under the document's ``@context``), then of the document."""
    return (hashlib.sha256(linked_data.canonize(proof_options).encode()).digest()
            + hashlib.sha256(linked_data.canonize(document).encode()).digest())


def _hash(cryptosuite: str, document: dict, options: dict) -> bytes:
    return _rdfc_hash_data(document, options) if cryptosuite == RDFC else _hash_data(document, options)


def _one_proof(unsecured: dict, key: Ed25519PrivateKey, verification_method: str, created: datetime,
               cryptosuite: str) -> dict:
    proof = {"type": PROOF_TYPE, "cryptosuite": cryptosuite, "created": xml_datetime(created),
             "verificationMethod": verification_method, "proofPurpose": "assertionMethod"}
    if "@context" in unsecured:
        proof["@context"] = copy.deepcopy(unsecured["@context"])
    try:
        signature = key.sign(_hash(cryptosuite, unsecured, proof))
    except rfc8785.CanonicalizationError as exc:
        raise ValueError(f"证明内容无法规范化：{exc}") from exc
    return {**proof, "proofValue": multibase(signature)}


def sign(document: dict, key: Ed25519PrivateKey, verification_method: str, created: datetime,
         cryptosuites: tuple[str, ...] = (CRYPTOSUITE,)) -> dict:
    """``document`` with a proof per cryptosuite added (the input is not changed): one proof
    as an object (``eddsa-jcs-2022`` alone, the old form), several as a proof set — an array of
    independent proofs, each over the document without ``proof``. Raises ``ValueError`` for a
    document JCS cannot represent; ``UnknownContext`` for RDFC under a context we do not ship."""
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    proofs = [_one_proof(unsecured, key, verification_method, created, suite) for suite in cryptosuites]
    return {**unsecured, "proof": proofs[0] if len(proofs) == 1 else proofs}


def sign_set(document: dict, key: Ed25519PrivateKey, verification_method: str, created: datetime) -> dict:
    """The proof set every credential is issued with: ``eddsa-rdfc-2022`` (what 1EdTech's OB 3.0
    certification checks) and ``eddsa-jcs-2022`` (verifiable without JSON-LD)."""
    return sign(document, key, verification_method, created, PROOF_SET)


@dataclass(frozen=True)
class ProofParts:
    """What verification needs from one proof: the key it names and the bytes signed."""

    verification_method: str
    hash_data: bytes
    signature: bytes
    cryptosuite: str = CRYPTOSUITE
    created: str = ""


class MalformedProof(ValueError):
    """The document carries no proof this suite can check (missing, bad encoding)."""


class UnsupportedCryptosuite(MalformedProof):
    """A proof of a type or cryptosuite this platform does not verify."""


def _parts(document: dict, proof: object) -> ProofParts:
    if not isinstance(proof, dict):
        raise MalformedProof("签名（proof）应为 JSON 对象")
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") not in SUITES:
        raise UnsupportedCryptosuite(
            f"不支持的签名算法：{proof.get('type')} / {proof.get('cryptosuite')}（应为 {PROOF_TYPE} / "
            f"{' 或 '.join(SUITES)}）")
    if proof.get("proofPurpose") != "assertionMethod":
        raise MalformedProof("签名用途（proofPurpose）应为 assertionMethod")
    method = proof.get("verificationMethod")
    value = proof.get("proofValue")
    if not isinstance(method, str) or not isinstance(value, str):
        raise MalformedProof("签名缺少 verificationMethod 或 proofValue")
    try:
        signature = from_multibase(value)
    except ValueError as exc:
        raise MalformedProof(str(exc)) from exc
    if len(signature) != 64:
        raise MalformedProof("签名长度不正确")
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    if "@context" in options:
        # The document must still start with the contexts the proof was made under.
        context = options["@context"]
        prefix = context if isinstance(context, list) else [context]
        held = unsecured.get("@context")
        held = held if isinstance(held, list) else [held]
        if held[:len(prefix)] != prefix:
            raise MalformedProof("证明文件的 @context 与签名不符")
        unsecured["@context"] = context
    suite = proof["cryptosuite"]
    try:
        hash_data = _hash(suite, unsecured, options)
    except rfc8785.CanonicalizationError as exc:
        raise MalformedProof(f"证明内容无法规范化：{exc}") from exc
    except linked_data.UnknownContext as exc:
        raise MalformedProof(f"不认识的 JSON-LD 上下文：{exc}") from exc
    except Exception as exc:  # pyld's JsonLdError and what it wraps: not a document RDFC can read
        raise MalformedProof(f"证明内容无法按 JSON-LD 规范化：{type(exc).__name__}") from exc
    return ProofParts(method, hash_data, signature, suite, str(proof.get("created", "")))


def proof_list(document: object) -> list:
    """The proofs of ``document`` as a list (a single proof object is a set of one). Raises
    ``MalformedProof`` when there is none."""
    if not isinstance(document, dict):
        raise MalformedProof("证明文件应为 JSON 对象")
    proof = document.get("proof")
    proofs = proof if isinstance(proof, list) else [proof] if isinstance(proof, dict) else []
    if not proofs:
        raise MalformedProof("证明文件没有签名（proof）")
    return proofs


def all_proof_parts(document: object) -> list[ProofParts | MalformedProof]:
    """Each proof of ``document`` split into what its signature covers, or the reason it cannot
    be (in the order of the set). Raises ``MalformedProof`` when there is no proof at all."""
    out: list[ProofParts | MalformedProof] = []
    for proof in proof_list(document):
        try:
            out.append(_parts(document, proof))
        except MalformedProof as exc:
            out.append(exc)
    return out


def proof_parts(document: object) -> ProofParts:
    """The first proof of ``document`` split into what its signature covers. Raises ``MalformedProof``."""
    first = all_proof_parts(document)[0]
    if isinstance(first, MalformedProof):
        raise first
    return first


def check(parts: ProofParts, key: Ed25519PublicKey) -> bool:
    """Whether ``parts`` were signed by ``key``."""
    try:
        key.verify(parts.signature, parts.hash_data)
    except InvalidSignature:
        return False
    return True
