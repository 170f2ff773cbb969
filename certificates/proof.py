"""Data Integrity proofs, cryptosuite `eddsa-jcs-2022` (W3C VC Data Integrity EdDSA Cryptosuites).

hashData = SHA-256(JCS(proofConfig)) || SHA-256(JCS(document without proof));
proofValue = multibase base58btc of the Ed25519 signature over hashData.
"""

from __future__ import annotations

import hashlib

from certificates import multibase
from certificates.jcs import canonicalize
from checks.errors import AssuredError, Kind

CRYPTOSUITE = "eddsa-jcs-2022"


class ProofError(AssuredError, ValueError):
    kind = Kind.bad_input

    def __init__(self, code: str, detail: str):
        self.code = code
        super().__init__(detail)


def _hash_data(document: dict, proof_config: dict) -> bytes:
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    return hashlib.sha256(canonicalize(proof_config)).digest() + hashlib.sha256(canonicalize(unsecured)).digest()


def sign(document: dict, private_key, verification_method: str, created: str, purpose: str = "assertionMethod") -> dict:
    """A copy of `document` with an added proof. Ed25519 is deterministic: same input, same proof."""
    config = {
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": purpose,
    }
    if "@context" in document:
        config["@context"] = document["@context"]
    signature = private_key.sign(_hash_data(document, config))
    proof = {k: v for k, v in config.items() if k != "@context"} | {"proofValue": multibase.encode(signature)}
    return {k: v for k, v in document.items() if k != "proof"} | {"proof": proof}


def proof_of(document: dict) -> dict:
    proof = document.get("proof")
    if not isinstance(proof, dict):
        raise ProofError("PROOF_MISSING", "the document carries no proof object")
    if proof.get("type") != "DataIntegrityProof" or proof.get("cryptosuite") != CRYPTOSUITE:
        raise ProofError(
            "PROOF_UNSUPPORTED",
            f"proof type {proof.get('type')!r}/{proof.get('cryptosuite')!r}, expected DataIntegrityProof/{CRYPTOSUITE}",
        )
    for name in ("verificationMethod", "proofValue", "created", "proofPurpose"):
        if not isinstance(proof.get(name), str):
            raise ProofError("PROOF_MALFORMED", f"proof.{name} missing or not a string")
    return proof


def verify(document: dict, public_key) -> None:
    """Raise ProofError("SIGNATURE_INVALID", …) unless the proof holds under `public_key`."""
    from cryptography.exceptions import InvalidSignature

    proof = proof_of(document)
    config = {k: v for k, v in proof.items() if k != "proofValue"}
    if "@context" in document:
        config["@context"] = document["@context"]
    try:
        signature = multibase.decode(proof["proofValue"])
        public_key.verify(signature, _hash_data(document, config))
    except (ValueError, InvalidSignature):
        raise ProofError("SIGNATURE_INVALID", "the Ed25519 signature does not match the document") from None
