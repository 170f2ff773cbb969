"""Multibase base58btc ('z' prefix) and Ed25519 Multikey encoding (multicodec 0xed01)."""

from __future__ import annotations

ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {ch: i for i, ch in enumerate(ALPHABET)}
ED25519_PUB = b"\xed\x01"


def b58encode(raw: bytes) -> str:
    n = int.from_bytes(raw, "big")
    out = []
    while n:
        n, r = divmod(n, 58)
        out.append(ALPHABET[r])
    zeros = len(raw) - len(raw.lstrip(b"\0"))
    return "1" * zeros + "".join(reversed(out))


def b58decode(text: str) -> bytes:
    n = 0
    for ch in text:
        if ch not in _INDEX:
            raise ValueError(f"base58btc: character {ch!r} is not in the alphabet")
        n = n * 58 + _INDEX[ch]
    zeros = len(text) - len(text.lstrip("1"))
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\0" * zeros + body


def encode(raw: bytes) -> str:
    return "z" + b58encode(raw)


def decode(text: str) -> bytes:
    if not text.startswith("z"):
        raise ValueError(f"multibase value {text[:12]!r}… is not base58btc ('z')")
    return b58decode(text[1:])


def ed25519_multikey(public_raw: bytes) -> str:
    return encode(ED25519_PUB + public_raw)


def ed25519_from_multikey(value: str) -> bytes:
    raw = decode(value)
    if not raw.startswith(ED25519_PUB) or len(raw) != 34:
        raise ValueError(f"publicKeyMultibase {value[:16]!r}… is not an Ed25519 Multikey")
    return raw[2:]
