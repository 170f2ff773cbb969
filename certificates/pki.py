"""X.509 material of the PDF signature: an issuing CA, the signing certificates it issues, and the
bureau's own signing identity read from PKCS#12.

Pure: everything goes in and out as PEM bytes; the key folder's files are `certificates.keys`'.
Generated keys are ECDSA P-256 with SHA-256, a profile Acrobat, Foxit, poppler (NSS) and pyHanko
validate: the CA is a v3 CA (basicConstraints CA, pathLen 0; keyCertSign, cRLSign), a signing
certificate an end entity with digitalSignature and nonRepudiation, no extended key usage (which
some readers restrict to e-mail or code signing). Both carry the issuer id (the VC twin's issuer)
as a URI subject alternative name, so the two signatures name one issuer.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
    pkcs12,
)
from cryptography.x509.oid import NameOID

from certificates.pades import same_key
from checks.errors import AssuredError, Kind

CA_YEARS, SIGNER_YEARS = 20, 10  # a signing certificate outlives every certificate it signs (≤ 3 years)
BACKDATE = timedelta(days=1)  # clock skew between the issuing host and a reader's


class PkiError(AssuredError):
    """Unusable signing material: a PKCS#12 file that cannot be read, a key or chain that does not fit."""

    kind = Kind.bad_input


@dataclasses.dataclass(frozen=True)
class Identity:
    """One signing identity as PEM: its certificate, the chain up to and including the trust anchor, its key."""

    certificate: bytes
    chain: bytes
    key: bytes

    def anchor(self) -> bytes:
        """The last certificate of the chain: the CA a verifier trusts."""
        return pem(certificates(self.chain)[-1])


def pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(Encoding.PEM)


def certificates(data: bytes) -> list[x509.Certificate]:
    try:
        return x509.load_pem_x509_certificates(data)
    except ValueError as exc:
        raise PkiError(f"not PEM certificates: {exc}") from None


def private_pem(key) -> bytes:
    return key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())


def load_key(data: bytes):
    return load_pem_private_key(data, password=None)


def _name(common_name: str, authority: str | None) -> x509.Name:
    parts = [x509.NameAttribute(NameOID.COUNTRY_NAME, "CN")]
    if authority:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, authority))
    return x509.Name(parts + [x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _key_usage(*, sign: bool, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=sign,
        content_commitment=sign,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _build(subject, issuer_name, public_key, signing_key, years: int, ca: bool, issuer_id: str, now: datetime):
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True)
        .add_extension(_key_usage(sign=not ca, ca=ca), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(x509.SubjectAlternativeName([x509.UniformResourceIdentifier(issuer_id)]), critical=False)
    )
    if not ca:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signing_key.public_key()), critical=False
        )
    return builder.sign(signing_key, hashes.SHA256())


def new_ca(issuer_id: str, authority: str | None, now: datetime | None = None) -> tuple[bytes, bytes]:
    """(CA certificate PEM, CA private key PEM): the issuing CA of the PDF signing certificates."""
    now = now or datetime.now(UTC)
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name("放心消费证书签发 CA", authority)
    return pem(_build(name, name, key.public_key(), key, CA_YEARS, True, issuer_id, now)), private_pem(key)


def new_signer(ca_certificate: bytes, ca_key: bytes, issuer_id: str, n: int, now: datetime | None = None) -> Identity:
    """A signing certificate number `n` issued by the CA; its chain is the CA itself."""
    now = now or datetime.now(UTC)
    ca = certificates(ca_certificate)[0]
    authority = next((a.value for a in ca.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)), None)
    key = ec.generate_private_key(ec.SECP256R1())
    subject = _name(f"放心消费证书专用章 {n}", str(authority) if authority else None)
    cert = _build(subject, ca.subject, key.public_key(), load_key(ca_key), SIGNER_YEARS, False, issuer_id, now)
    return Identity(pem(cert), ca_certificate, private_pem(key))


def _issued_by(cert: x509.Certificate, ca: x509.Certificate) -> bool:
    if cert.issuer != ca.subject:
        return False
    try:
        cert.verify_directly_issued_by(ca)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def from_pkcs12(data: bytes, passphrase: bytes | None, extra_cas: bytes = b"") -> Identity:
    """The signing identity in a PKCS#12 file: its key, its certificate and the CA chain (from the file,
    or `extra_cas`, PEM), checked: the key fits the certificate, the certificate may sign, the chain holds."""
    try:
        key, cert, others = pkcs12.load_key_and_certificates(data, passphrase or None)
    except ValueError as exc:
        raise PkiError(f"cannot read the PKCS#12 file (wrong passphrase, or not PKCS#12): {exc}") from None
    if key is None or cert is None:
        raise PkiError("the PKCS#12 file holds no private key with its certificate")
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise PkiError(f"the PKCS#12 key is {type(key).__name__}: PDF signing takes an ECDSA or RSA key")
    if isinstance(key, rsa.RSAPrivateKey) and key.key_size < 2048:
        raise PkiError(f"the PKCS#12 RSA key has {key.key_size} bits: at least 2048 are needed")
    if not same_key(key.public_key(), cert.public_key()):
        raise PkiError("the PKCS#12 private key does not belong to its certificate")
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        if not (usage.digital_signature or usage.content_commitment):
            raise PkiError(f"{cert.subject.rfc4514_string()} may not sign (key usage lacks digitalSignature)")
    except x509.ExtensionNotFound:
        pass
    if cert.subject == cert.issuer and _issued_by(cert, cert):
        raise PkiError("the PKCS#12 certificate is self-signed: the signing certificate must come from a CA")
    pool = list(others) + (certificates(extra_cas) if extra_cas else [])
    chain: list[x509.Certificate] = []
    current = cert
    while not (chain and chain[-1].subject == chain[-1].issuer):
        parent = next((c for c in pool if c not in chain and _issued_by(current, c)), None)
        if parent is None:
            break
        chain.append(parent)
        current = parent
    if not chain:
        raise PkiError(
            f"no CA certificate for {cert.issuer.rfc4514_string()} in the PKCS#12 file: give it with --ca FILE"
        )
    return Identity(pem(cert), b"".join(pem(c) for c in chain), private_pem(key))


def to_pkcs12(identity: Identity, passphrase: bytes, name: bytes = b"signing") -> bytes:
    """The identity as PKCS#12 (tests and hand-over to another host)."""
    chain = certificates(identity.chain)
    return pkcs12.serialize_key_and_certificates(
        name, load_key(identity.key), certificates(identity.certificate)[0], chain, BestAvailableEncryption(passphrase)
    )


def describe(cert_pem: bytes) -> dict:
    """Public facts of a certificate for the key folder's index and `assured keys show`."""
    cert = certificates(cert_pem)[0]
    return {
        "subject": cert.subject.rfc4514_string(),
        "serial": format(cert.serial_number, "x"),
        "sha256": cert.fingerprint(hashes.SHA256()).hex(),
        "not_before": cert.not_valid_before_utc.isoformat().replace("+00:00", "Z"),
        "not_after": cert.not_valid_after_utc.isoformat().replace("+00:00", "Z"),
    }
