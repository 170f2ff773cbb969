"""The issuer's Ed25519 keys: a key ring folder with a public index and 0600 private files.

`keyring.json` lists every key ever used (id, publicKeyMultibase, created, retired) so that
certificates signed before a rotation still verify; only the active key's private file is read
for signing. Private key material is never logged or printed.

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

from certificates import multibase
from checks.errors import AssuredError, Kind

INDEX = "keyring.json"


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
class KeyRing:
    folder: Path
    issuer: str
    active: str
    keys: tuple[PublicKey, ...]

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

    def verification_keys(self) -> dict:
        """Every key ever used (active and retired): verification method id -> Ed25519 public key."""
        return {k.id: k.key() for k in self.keys}

    def as_json(self) -> dict:
        return {"issuer": self.issuer, "active": self.active, "keys": [dataclasses.asdict(k) for k in self.keys]}


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
        return KeyRing(folder, raw["issuer"], raw["active"], keys)
    except (KeyError, TypeError) as exc:
        raise KeyRingError(f"{path}: not a key ring index (missing or unexpected field {exc})") from None


def _new_key(folder: Path, key_id: str) -> PublicKey:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    fd = os.open(_private_path(folder, key_id), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    raw = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return PublicKey(key_id, multibase.ed25519_multikey(raw), _now(), None)


def _write(ring: KeyRing) -> None:
    tmp = ring.folder / (INDEX + ".tmp")
    tmp.write_text(json.dumps(ring.as_json(), ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(tmp, ring.folder / INDEX)


def init(folder: Path, issuer: str) -> KeyRing:
    """Create the key ring with its first key; refuses to overwrite an existing one."""
    if (folder / INDEX).exists():
        raise KeyRingError(
            f"a key ring already exists at {folder}: use `assured keys rotate` for a new key", kind=Kind.conflict
        )
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    key = _new_key(folder, f"{issuer}#key-1")
    ring = KeyRing(folder, issuer, key.id, (key,))
    _write(ring)
    return ring


def rotate(folder: Path) -> KeyRing:
    """A new active key; the old ones stay listed (retired) so their signatures still verify."""
    ring = load(folder)
    key = _new_key(folder, f"{ring.issuer}#key-{len(ring.keys) + 1}")
    now = key.created
    kept = tuple(dataclasses.replace(k, retired=k.retired or now) for k in ring.keys)
    ring = KeyRing(folder, ring.issuer, key.id, kept + (key,))
    _write(ring)
    return ring
