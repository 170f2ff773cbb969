"""The PDF signature's bytes: a PAdES baseline B (B-B) CMS container, and sealing a PDF that carries
the placeholders of its signature dictionary.

`documents.certificate` writes the page, the signature field and the signature dictionary in one
revision, with BYTE_RANGE_PLACEHOLDER and a Contents hole of `contents_size` zero bytes in hex;
`seal` fills in the byte range, hashes every byte outside the hole and writes the CMS into it.
The signed revision is then the whole file.

The container is the one ETSI EN 319 142-1 asks of B-B (SubFilter ETSI.CAdES.detached): SignedData
with the signer's certificate and its chain, and three signed attributes — content type, message
digest and ESS signing-certificate-v2 — but no signing-time attribute (the time is the signature
dictionary's /M). Its DER is assembled here from parts fixed per signing key: building it with an
ASN.1 library per certificate costs about 10 ms, three times the page itself. Signatures are
deterministic (ECDSA per RFC 6979, or RSA PKCS#1 v1.5): same page and key, same bytes.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time, timedelta, timezone

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from checks.errors import AssuredError, Kind

BYTE_RANGE_PLACEHOLDER = b"[0 0000000000 0000000000 0000000000]"
CHINA = timezone(timedelta(hours=8))

# DER of the fixed object identifiers and algorithm identifiers
OID_DATA = bytes.fromhex("06092a864886f70d010701")
OID_SIGNED_DATA = bytes.fromhex("06092a864886f70d010702")
OID_CONTENT_TYPE = bytes.fromhex("06092a864886f70d010903")
OID_MESSAGE_DIGEST = bytes.fromhex("06092a864886f70d010904")
OID_SIGNING_CERTIFICATE_V2 = bytes.fromhex("060b2a864886f70d010910022f")
SHA256 = bytes.fromhex("300b0609608648016503040201")  # parameters absent (RFC 5754)
ECDSA_SHA256 = bytes.fromhex("300a06082a8648ce3d040302")
RSA_SHA256 = bytes.fromhex("300d06092a864886f70d01010b0500")


class SealError(AssuredError):
    """A PDF without exactly one set of signature placeholders, or a container larger than its hole."""

    kind = Kind.bad_input


def tlv(tag: int, content: bytes) -> bytes:
    """One DER element: tag, definite length, content."""
    n = len(content)
    if n < 0x80:
        return bytes((tag, n)) + content
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(size))) + size + content


def der_integer(value: int) -> bytes:
    return tlv(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big", signed=True))


def sequence(*parts: bytes) -> bytes:
    return tlv(0x30, b"".join(parts))


def set_of(*parts: bytes) -> bytes:
    return tlv(0x31, b"".join(sorted(parts)))  # DER: a SET OF's elements in the order of their encodings


def same_key(a, b) -> bool:
    """Whether two public keys (any type) are one key."""
    return a.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo) == b.public_bytes(
        Encoding.DER, PublicFormat.SubjectPublicKeyInfo
    )


def attribute(oid: bytes, value: bytes) -> bytes:
    return sequence(oid, set_of(value))


class PdfSigner:
    """One signing certificate, its chain (up to and including the trust anchor) and its private key."""

    def __init__(self, certificate: x509.Certificate, chain: tuple[x509.Certificate, ...], key) -> None:
        if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
            raise SealError(f"a PDF signing key must be ECDSA or RSA, not {type(key).__name__}")
        if not same_key(key.public_key(), certificate.public_key()):
            raise SealError(
                f"the private key does not belong to the certificate {certificate.subject.rfc4514_string()}"
            )
        self.certificate, self.chain, self.key = certificate, chain, key
        self.not_before = certificate.not_valid_before_utc
        der = certificate.public_bytes(Encoding.DER)
        issuer = certificate.issuer.public_bytes()
        serial = der_integer(certificate.serial_number)
        self._sid = sequence(issuer, serial)  # IssuerAndSerialNumber
        ess_cert_id = sequence(  # hashAlgorithm left out: SHA-256 is its default
            tlv(0x04, hashlib.sha256(der).digest()), sequence(sequence(tlv(0xA4, issuer)), serial)
        )
        self._ess = attribute(OID_SIGNING_CERTIFICATE_V2, sequence(sequence(ess_cert_id)))
        self._certificates = tlv(0xA0, b"".join(c.public_bytes(Encoding.DER) for c in (certificate, *chain)))
        self._algorithm = ECDSA_SHA256 if isinstance(key, ec.EllipticCurvePrivateKey) else RSA_SHA256
        slack = 16 if isinstance(key, ec.EllipticCurvePrivateKey) else 0  # an ECDSA signature's DER varies a little
        self.contents_size = -(-(len(self.cms(bytes(32))) + slack) // 64) * 64

    def signed_attributes(self, digest: bytes) -> bytes:
        """The DER SET OF the signed attributes (what the signature covers)."""
        return set_of(
            attribute(OID_CONTENT_TYPE, OID_DATA), attribute(OID_MESSAGE_DIGEST, tlv(0x04, digest)), self._ess
        )

    def _sign(self, message: bytes) -> bytes:
        if isinstance(self.key, ec.EllipticCurvePrivateKey):
            return self.key.sign(message, ec.ECDSA(hashes.SHA256(), deterministic_signing=True))
        return self.key.sign(message, padding.PKCS1v15(), hashes.SHA256())

    def cms(self, digest: bytes) -> bytes:
        """The DER ContentInfo of a detached SignedData over a SHA-256 `digest`."""
        attrs = self.signed_attributes(digest)
        signer_info = sequence(
            der_integer(1),
            self._sid,
            SHA256,
            b"\xa0" + attrs[1:],  # [0] IMPLICIT: the same content under the context tag
            self._algorithm,
            tlv(0x04, self._sign(attrs)),
        )
        signed_data = sequence(
            der_integer(1), set_of(SHA256), sequence(OID_DATA), self._certificates, set_of(signer_info)
        )
        return sequence(OID_SIGNED_DATA, tlv(0xA0, signed_data))

    def signing_time(self, day: date) -> datetime:
        """The signature's /M: the day of issue at midnight in China, never before the certificate's validity."""
        return max(datetime.combine(day, time(0, 0), CHINA), self.not_before.astimezone(CHINA))

    def subject(self) -> str:
        return self.certificate.subject.rfc4514_string()


def pdf_date(moment: datetime) -> str:
    """D:YYYYMMDDHHmmSS+08'00' (PDF 32000 7.9.4)."""
    offset = moment.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"D:{moment:%Y%m%d%H%M%S}{sign}{abs(minutes) // 60:02d}'{abs(minutes) % 60:02d}'"


def contents_placeholder(size: int) -> bytes:
    return b"<" + b"0" * (2 * size) + b">"


def _only(pdf: bytes, needle: bytes, what: str) -> int:
    at = pdf.find(needle)
    if at < 0 or pdf.find(needle, at + 1) >= 0:
        raise SealError(f"the PDF must carry exactly one {what} placeholder")
    return at


def seal(pdf: bytes, signer: PdfSigner) -> bytes:
    """Fill in the byte range, then the CMS over every byte outside the Contents hole."""
    hole = contents_placeholder(signer.contents_size)
    start = _only(pdf, b"/Contents " + hole, "signature Contents") + len(b"/Contents ")
    end = start + len(hole)
    at = _only(pdf, b"/ByteRange " + BYTE_RANGE_PLACEHOLDER, "ByteRange") + len(b"/ByteRange ")
    byte_range = f"[0 {start} {end} {len(pdf) - end}]".encode().ljust(len(BYTE_RANGE_PLACEHOLDER))
    pdf = pdf[:at] + byte_range + pdf[at + len(BYTE_RANGE_PLACEHOLDER) :]
    digest = hashlib.sha256()
    digest.update(memoryview(pdf)[:start])
    digest.update(memoryview(pdf)[end:])
    contents = signer.cms(digest.digest()).hex().encode()
    if len(contents) > 2 * signer.contents_size:
        raise SealError(f"the signature ({len(contents) // 2} bytes) does not fit its {signer.contents_size}")
    return pdf[: start + 1] + contents.ljust(2 * signer.contents_size, b"0") + pdf[end - 1 :]
