"""The issuer's keys: a key folder with public indexes and 0600 private files.

- the Ed25519 key ring of the VC twin: `keyring.json` lists every key ever used (id,
  publicKeyMultibase, created, retired) so that certificates signed before a rotation still
  verify; only the active key's private file (`key-N.pem`) is read for signing;
- beside it, in `pdf/`, the X.509 material of the PDF signature (`certificates.pki` makes it):
  the trusted CAs (`ca-N.crt`, and `ca-N.key` when the CA was made here), the signing
  certificates (`signing-N.crt`, its chain `signing-N.chain.crt`, its key `signing-N.key`) and
  `pdf/index.json` listing them with the active one. Rotation issues a new signing certificate
  from the CA; the old ones stay listed (retired) and every CA ever listed stays trusted, so
  certificates signed before still verify. A bureau's own identity comes in from PKCS#12.

Private key material is never logged or printed.

The key ring writes its own files (the private key created 0600 with O_EXCL, the index
through a temporary file and `os.replace`) rather than through `documents.files`: this layer
may not import documents, and handing key bytes to another layer to write would spread the
handling of private keys over two packages.
"""

from __future__ import annotations

import dataclasses
import json
import os
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509

from certificates import multibase, pki
from certificates.pades import PdfSigner
from checks.errors import AssuredError, Kind

INDEX = "keyring.json"
PDF_FOLDER = "pdf"
PDF_INDEX = "index.json"


class KeyRingError(AssuredError):
    """A missing, unreadable or inconsistent key ring."""

    kind = Kind.bad_input


@dataclasses.dataclass(frozen=True)
class PublicKey:
    id: str  # verification method: <issuer>#key-N
    public_multibase: str
    created: str
    retired: str | None

    def key(self):
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        return Ed25519PublicKey.from_public_bytes(multibase.ed25519_from_multikey(self.public_multibase))


@dataclasses.dataclass(frozen=True)
class SigningCert:
    """A PDF signing certificate in the key folder (public facts only)."""

    id: str  # signing-N: files signing-N.crt, signing-N.chain.crt, signing-N.key
    source: str  # generated (by the CA here) | imported (PKCS#12)
    anchor: str  # the trusted CA it chains to
    subject: str
    serial: str
    sha256: str
    not_before: str
    not_after: str
    created: str
    retired: str | None


@dataclasses.dataclass(frozen=True)
class TrustedCa:
    """A CA whose signing certificates the verifier accepts."""

    id: str  # ca-N: ca-N.crt, and ca-N.key for a CA made here
    source: str  # generated | imported
    subject: str
    serial: str
    sha256: str
    not_before: str
    not_after: str
    created: str


class IssuerKeys(dict):
    """What a verifier trusts: verification method id -> Ed25519 public key (the twin's proofs), and in
    `pdf_roots` the CAs the PDF signature must chain to."""

    def __init__(self, keys: dict, pdf_roots: tuple[x509.Certificate, ...] = ()):
        super().__init__(keys)
        self.pdf_roots = pdf_roots


@dataclasses.dataclass(frozen=True)
class PdfKeys:
    folder: Path  # <keys>/pdf
    active: str
    signers: tuple[SigningCert, ...]
    anchors: tuple[TrustedCa, ...]

    def signer(self) -> PdfSigner:
        """The active signing certificate with its chain and private key."""
        path = self.folder / f"{self.active}.key"
        try:
            key = pki.load_key(path.read_bytes())
        except FileNotFoundError:
            raise KeyRingError(f"private key file for {self.active} missing at {path}", kind=Kind.not_found) from None
        certificate = pki.certificates((self.folder / f"{self.active}.crt").read_bytes())[0]
        chain = tuple(pki.certificates((self.folder / f"{self.active}.chain.crt").read_bytes()))
        return PdfSigner(certificate, chain, key)

    def roots(self) -> tuple[x509.Certificate, ...]:
        return tuple(pki.certificates((self.folder / f"{a.id}.crt").read_bytes())[0] for a in self.anchors)

    def as_json(self) -> dict:
        return {
            "active": self.active,
            "signing_certificates": [dataclasses.asdict(c) for c in self.signers],
            "trusted_cas": [dataclasses.asdict(a) for a in self.anchors],
        }


@dataclasses.dataclass(frozen=True)
class KeyRing:
    folder: Path
    issuer: str
    active: str
    keys: tuple[PublicKey, ...]
    pdf: PdfKeys | None = None  # the PDF signature's X.509 material (<folder>/pdf), when made or imported

    def public(self, key_id: str) -> PublicKey | None:
        return next((k for k in self.keys if k.id == key_id), None)

    def signer(self):
        """The active private key (Ed25519PrivateKey)."""
        from cryptography.hazmat.primitives.serialization import load_pem_private_key

        path = _private_path(self.folder, self.active)
        try:
            return load_pem_private_key(path.read_bytes(), password=None)
        except FileNotFoundError:
            raise KeyRingError(f"private key file for {self.active} missing at {path}", kind=Kind.not_found) from None

    def pdf_signer(self) -> PdfSigner:
        """The active PDF signing certificate with its chain and key."""
        if self.pdf is None:
            raise KeyRingError(
                f"no PDF signing certificate in {self.folder / PDF_FOLDER}: run `assured keys init` "
                "(or `assured keys import-p12`)",
                kind=Kind.not_found,
            )
        return self.pdf.signer()

    def verification_keys(self) -> IssuerKeys:
        """Every key ever used (active and retired): verification method id -> Ed25519 public key; and
        every CA the PDF signature may chain to."""
        return IssuerKeys({k.id: k.key() for k in self.keys}, self.pdf.roots() if self.pdf else ())

    def as_json(self) -> dict:
        return {
            "issuer": self.issuer,
            "active": self.active,
            "keys": [dataclasses.asdict(k) for k in self.keys],
            "pdf": self.pdf.as_json() if self.pdf else None,
        }


def _private_path(folder: Path, key_id: str) -> Path:
    return folder / (key_id.rsplit("#", 1)[-1] + ".pem")


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def load(folder: Path) -> KeyRing:
    path = folder / INDEX
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise KeyRingError(f"no key ring at {folder}: run `assured keys init`", kind=Kind.not_found) from None
    except json.JSONDecodeError as exc:
        raise KeyRingError(f"{path}: not valid JSON ({exc})") from None
    try:
        keys = tuple(PublicKey(**k) for k in raw["keys"])
        return KeyRing(folder, raw["issuer"], raw["active"], keys, load_pdf(folder / PDF_FOLDER))
    except (KeyError, TypeError) as exc:
        raise KeyRingError(f"{path}: not a key ring index (missing or unexpected field {exc})") from None


def load_pdf(folder: Path) -> PdfKeys | None:
    """The PDF signing material in `folder` (<keys>/pdf), or None where none was made or imported."""
    path = folder / PDF_INDEX
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except json.JSONDecodeError as exc:
        raise KeyRingError(f"{path}: not valid JSON ({exc})") from None
    try:
        signers = tuple(SigningCert(**c) for c in raw["signing_certificates"])
        anchors = tuple(TrustedCa(**a) for a in raw["trusted_cas"])
        return PdfKeys(folder, raw["active"], signers, anchors)
    except (KeyError, TypeError) as exc:
        raise KeyRingError(f"{path}: not a PDF signing index (missing or unexpected field {exc})") from None


def _write_new(path: Path, data: bytes, mode: int) -> None:
    """A new file (never an existing one replaced) created with `mode`: 0600 for private keys."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def _new_key(folder: Path, key_id: str) -> PublicKey:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

    private = Ed25519PrivateKey.generate()
    _write_new(
        _private_path(folder, key_id), private.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()), 0o600
    )
    raw = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return PublicKey(key_id, multibase.ed25519_multikey(raw), _now(), None)


def _write_index(path: Path, doc: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(tmp, path)


def _write(ring: KeyRing) -> None:
    doc = ring.as_json()
    del doc["pdf"]  # pdf/index.json's
    _write_index(ring.folder / INDEX, doc)


def _make_folder(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)


def init(folder: Path, issuer: str, authority: str | None = None) -> KeyRing:
    """Create the key ring with its first key, and the PDF signature's CA and first signing certificate
    (`authority`: the organisation their names carry). Refuses when both exist; adds what is missing
    to a key folder made before the PDF signature."""
    has_ring, has_pdf = (folder / INDEX).exists(), (folder / PDF_FOLDER / PDF_INDEX).exists()
    if has_ring and has_pdf:
        raise KeyRingError(
            f"a key ring already exists at {folder}: use `assured keys rotate` for a new key", kind=Kind.conflict
        )
    _make_folder(folder)
    if not has_ring:
        key = _new_key(folder, f"{issuer}#key-1")
        _write(KeyRing(folder, issuer, key.id, (key,)))
    ring = load(folder)
    if not has_pdf:
        _make_folder(folder / PDF_FOLDER)
        ca_pem, ca_key = pki.new_ca(ring.issuer, authority)
        anchor = _add_ca(folder / PDF_FOLDER, "ca-1", ca_pem, ca_key, "generated")
        signer = pki.new_signer(ca_pem, ca_key, ring.issuer, 1)
        _write_pdf(_add_signer(None, folder / PDF_FOLDER, (anchor,), signer, "generated"))
    return load(folder)


def _add_ca(folder: Path, ca_id: str, cert: bytes, key: bytes | None, source: str) -> TrustedCa:
    _write_new(folder / f"{ca_id}.crt", cert, 0o644)
    if key is not None:
        _write_new(folder / f"{ca_id}.key", key, 0o600)
    return TrustedCa(ca_id, source, created=_now(), **pki.describe(cert))


def _add_signer(
    pdf: PdfKeys | None, folder: Path, anchors: tuple[TrustedCa, ...], identity: pki.Identity, source: str
) -> PdfKeys:
    """`identity` as the active signing certificate; the earlier ones retired, kept for the record."""
    earlier = pdf.signers if pdf else ()
    signer_id = f"signing-{len(earlier) + 1}"
    facts = pki.describe(identity.anchor())
    anchor = next(a for a in anchors if a.sha256 == facts["sha256"])
    _write_new(folder / f"{signer_id}.crt", identity.certificate, 0o644)
    _write_new(folder / f"{signer_id}.chain.crt", identity.chain, 0o644)
    _write_new(folder / f"{signer_id}.key", identity.key, 0o600)
    now = _now()
    added = SigningCert(signer_id, source, anchor.id, created=now, retired=None, **pki.describe(identity.certificate))
    kept = tuple(dataclasses.replace(c, retired=c.retired or now) for c in earlier)
    return PdfKeys(folder, signer_id, kept + (added,), anchors)


def _write_pdf(pdf: PdfKeys) -> None:
    _write_index(pdf.folder / PDF_INDEX, pdf.as_json())


def rotate(folder: Path) -> KeyRing:
    """A new active key; the old ones stay listed (retired) so their signatures still verify. A PDF signing
    certificate made here from the CA here is rotated too (one imported from PKCS#12 is replaced by
    importing the next: `assured keys import-p12`)."""
    ring = load(folder)
    key = _new_key(folder, f"{ring.issuer}#key-{len(ring.keys) + 1}")
    now = key.created
    kept = tuple(dataclasses.replace(k, retired=k.retired or now) for k in ring.keys)
    _write(KeyRing(folder, ring.issuer, key.id, kept + (key,)))
    pdf = ring.pdf
    if pdf is not None and can_rotate_pdf(ring):
        anchor = _active(pdf).anchor
        ca_pem, ca_key = (pdf.folder / f"{anchor}.crt").read_bytes(), (pdf.folder / f"{anchor}.key").read_bytes()
        identity = pki.new_signer(ca_pem, ca_key, ring.issuer, len(pdf.signers) + 1)
        _write_pdf(_add_signer(pdf, pdf.folder, pdf.anchors, identity, "generated"))
    return load(folder)


def _active(pdf: PdfKeys) -> SigningCert:
    return next(c for c in pdf.signers if c.id == pdf.active)


def can_rotate_pdf(ring: KeyRing) -> bool:
    """Whether `rotate` makes a new PDF signing certificate (a CA with its key here issued the active one)."""
    if ring.pdf is None:
        return False
    active = _active(ring.pdf)
    return active.source == "generated" and (ring.pdf.folder / f"{active.anchor}.key").exists()


def import_p12(folder: Path, issuer: str, data: bytes, passphrase: bytes | None, extra_cas: bytes = b"") -> KeyRing:
    """The bureau's own signing identity from PKCS#12 becomes the active PDF signing certificate; its CA
    joins the trusted ones (earlier CAs stay trusted). Creates the Ed25519 key ring when none exists."""
    identity = pki.from_pkcs12(data, passphrase, extra_cas)
    _make_folder(folder)
    if not (folder / INDEX).exists():
        key = _new_key(folder, f"{issuer}#key-1")
        _write(KeyRing(folder, issuer, key.id, (key,)))
    ring = load(folder)
    pdf_folder = folder / PDF_FOLDER
    _make_folder(pdf_folder)
    anchors = ring.pdf.anchors if ring.pdf else ()
    anchor_pem = identity.anchor()
    if pki.describe(anchor_pem)["sha256"] not in {a.sha256 for a in anchors}:
        anchors += (_add_ca(pdf_folder, f"ca-{len(anchors) + 1}", anchor_pem, None, "imported"),)
    _write_pdf(_add_signer(ring.pdf, pdf_folder, anchors, identity, "imported"))
    return load(folder)
