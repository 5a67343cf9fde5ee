"""The eddsa-jcs-2022 suite against the test vector of the W3C specification (Data Integrity
EdDSA Cryptosuites v1.0, TestVectors/eddsa-jcs-2022 and keyPair.json), and its encodings."""

from __future__ import annotations

import copy
import os
from datetime import UTC, datetime

import pytest

from core.certificates import credential
from core.certificates.issuing import new_code, normalize_code
from tests.certificates.helpers import spec_verify

KEY_PAIR = {
    "publicKeyMultibase": "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
    "privateKeyMultibase": "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq",
}
METHOD = ("did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
          "#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2")
UNSIGNED = {
    "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
    "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
    "type": ["VerifiableCredential", "AlumniCredential"],
    "name": "Alumni Credential",
    "description": "A minimum viable example of an Alumni Credential.",
    "issuer": "https://vc.example/issuers/5678",
    "validFrom": "2023-01-01T00:00:00Z",
    "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"},
}
CREATED = datetime(2023, 2, 24, 23, 36, 38, tzinfo=UTC)
PROOF_VALUE = "z2HnFSSPPBzR36zdDgK8PbEHeXbR56YF24jwMpt3R1eHXQzJDMWS93FCzpvJpwTWd3GAVFuUfjoJdcnTMuVor51aX"


def test_signing_the_specifications_example_gives_its_proof_value():
    key = credential.private_from_multikey(KEY_PAIR["privateKeyMultibase"])
    assert credential.public_multikey(key.public_key()) == KEY_PAIR["publicKeyMultibase"]
    signed = credential.sign(UNSIGNED, key, METHOD, CREATED)
    assert signed["proof"] == {
        "type": "DataIntegrityProof", "cryptosuite": "eddsa-jcs-2022", "created": "2023-02-24T23:36:38Z",
        "verificationMethod": METHOD, "proofPurpose": "assertionMethod", "@context": UNSIGNED["@context"],
        "proofValue": PROOF_VALUE,
    }
    assert "proof" not in UNSIGNED  # the input is left alone
    public = credential.public_from_multikey(KEY_PAIR["publicKeyMultibase"])
    assert credential.check(credential.proof_parts(signed), public)
    assert spec_verify(signed, KEY_PAIR["publicKeyMultibase"])


def test_any_change_breaks_the_signature_and_key_order_does_not():
    key = credential.private_from_multikey(KEY_PAIR["privateKeyMultibase"])
    public = key.public_key()
    signed = credential.sign(UNSIGNED, key, METHOD, CREATED)
    reordered = dict(reversed(list(signed.items())))
    assert credential.check(credential.proof_parts(reordered), public)  # JCS: member order is irrelevant
    changed = copy.deepcopy(signed)
    changed["credentialSubject"]["alumniOf"] = "The School of Exampels"
    assert not credential.check(credential.proof_parts(changed), public)
    assert not credential.check(credential.proof_parts(signed), credential.Ed25519PrivateKey.generate().public_key())
    context = copy.deepcopy(signed)
    context["@context"] = ["https://www.w3.org/ns/credentials/v2"]
    with pytest.raises(credential.MalformedProof):
        credential.proof_parts(context)
    for broken in ({**signed, "proof": {**signed["proof"], "cryptosuite": "ecdsa-rdfc-2019"}},
                   {**signed, "proof": {**signed["proof"], "cryptosuite": "eddsa-rdfc-2022"}},  # examples context: not shipped
                   {**signed, "proof": {**signed["proof"], "proofValue": "u" + PROOF_VALUE[1:]}},
                   {**signed, "proof": {**signed["proof"], "proofValue": "z0OIl"}},
                   {**signed, "proof": "x"}, ["not a document"]):
        with pytest.raises(credential.MalformedProof):
            credential.proof_parts(broken)


def test_base58btc_round_trips_with_leading_zero_bytes():
    for data in (b"", b"\0", b"\0\0\x01", os.urandom(64), b"\0" + os.urandom(33)):
        assert credential.b58decode(credential.b58encode(data)) == data
    assert credential.b58encode(b"hello world") == "StV1DL6CwTryKyV"
    with pytest.raises(ValueError):
        credential.b58decode("0OIl")


def test_public_key_as_jwk():
    public = credential.public_from_multikey(KEY_PAIR["publicKeyMultibase"])
    assert credential.public_jwk(public) == {"kty": "OKP", "crv": "Ed25519", "x": "sA2Nk45_dz1RVlqtNqYj9TRPf10ZYPnPPo4SYg6igQ8"}


def test_codes_are_random_and_survive_retyping():
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    code = next(iter(codes))
    assert normalize_code(code.lower().replace("-", " ")) == code
    assert normalize_code("oooo-iiii-llll-0000") == "0000-1111-1111-0000"
    assert normalize_code("ABCD-EFGH-JKMN-PQRU") is None  # U is not in the alphabet
    assert normalize_code("ABC") is None


def _random_value(rnd, depth=0):
    alphabet = [chr(c) for c in [*range(0x80), 0xa0, 0x2028, 0x2029, 0x4e2d, 0x6587, 0xd800, 0xe000, 0xfeff,
                                 0xffff, 0x10000, 0x1f600]]
    text = "".join(rnd.choice(alphabet) for _ in range(rnd.randrange(0, 10)))
    roll = rnd.random()
    if depth > 3 or roll < 0.3:
        return rnd.choice([None, True, False, 0, -1, 2**53 - 1, -(2**53) + 1, 2**53, rnd.randrange(-10**6, 10**6),
                           rnd.random() * 10**rnd.randrange(-8, 25), 4.0, text])
    if roll < 0.6:
        return [_random_value(rnd, depth + 1) for _ in range(rnd.randrange(0, 5))]
    return {(text if rnd.random() < 0.3 else rnd.choice(["a", "b", "@context", "Z", "_x", "é", "中", "\U0001f600", "\ue000"])):
            _random_value(rnd, depth + 1) for _ in range(rnd.randrange(0, 6))}


def test_canonical_form_is_byte_for_byte_rfc8785():
    """The fast path through the standard library against the reference implementation, on
    the documents it takes and the ones it must hand over (floats, big integers, non-ASCII
    names, lone surrogates)."""
    import random

    import rfc8785

    rnd = random.Random(8785)
    fast = 0
    for _ in range(4000):
        value = _random_value(rnd)
        try:
            expected = rfc8785.dumps(value)
        except Exception as exc:  # noqa: BLE001 — the same refusal is expected
            with pytest.raises(type(exc)):
                credential.canonical(value)
            continue
        assert credential.canonical(value) == expected, value
        fast += credential._plain(value)
    assert fast > 1000  # the fast path was exercised, not only the fallback
    document = credential.sign(UNSIGNED, credential.private_from_multikey(KEY_PAIR["privateKeyMultibase"]), METHOD, CREATED)
    assert credential._plain(document) and credential.canonical(document) == rfc8785.dumps(document)
