"""Certificate status: valid | suspended | revoked | superseded (| expired, derived from the dates).

Revocation is final; suspension is reversible; a renewed certificate supersedes its
predecessor (final too, and set in the revocation list: the old one no longer holds). Every change is kept in the record's history
with a reason code. `StatusStore` is the small interface issuance, verification and the web page
need; `FileStatusStore` keeps it in a folder (a database-backed store can implement the same).
The published lists follow the W3C Bitstring Status List: GZIP-compressed bitstring, multibase
base64url ('u'), 131,072 entries, each certificate at a random index.
"""

from __future__ import annotations

import base64
import dataclasses
import fcntl
import gzip
import json
import os
import secrets
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from checks.errors import AssuredError, Kind


class CertificateState(StrEnum):
    """A certificate's state: the first four are recorded; `expired` is derived from the dates."""

    valid = "valid"
    suspended = "suspended"
    revoked = "revoked"
    superseded = "superseded"
    expired = "expired"


FINAL = (CertificateState.revoked, CertificateState.superseded)
LIST_SIZE = 131_072  # the spec's minimum, so one certificate's bit does not stand out
PURPOSES = ("revocation", "suspension")

# reason code -> (Chinese, English)
REASONS: dict[str, tuple[str, str]] = {
    "issued": ("颁发", "issued"),
    "severe_penalty": ("受到严重行政处罚", "severe administrative penalty"),
    "credit_class_drop": ("信用风险分类不再为A类", "credit-risk class no longer A"),
    "complaint_blacklist": ("列入投诉黑名单或投诉超期未处理", "complaint black list or complaint left unhandled"),
    "low_reconciliation_rate": ("投诉和解率持续低于下限", "reconciliation rate stayed below the floor"),
    "commitment_not_met": ("承诺不符合要求", "commitment below the programme's requirement"),
    "serious_dishonest_listing": ("列入严重违法失信名单", "listed as seriously illegal and dishonest"),
    "abnormal_operations_listing": ("列入经营异常名录", "listed for abnormal operations"),
    "complaint_spike": ("投诉显著增加", "complaint spike"),
    "commitment_breach": ("未履行承诺", "commitment not kept"),
    "inspection_failed": ("现场验收未通过否决项", "an on-site inspection failed a veto item"),
    "return_refused": (
        "暗访发现承诺期内拒绝无理由退货",
        "a return within the committed period refused to a mystery shopper",
    ),
    "false_application": ("申请材料不实", "false application"),
    "business_closed": ("经营主体注销或吊销", "business deregistered or licence revoked"),
    "business_request": ("经营者申请", "at the business's request"),
    "reviewer_decision": ("审核人员决定", "a reviewer's decision"),
    "issued_in_error": ("误发", "issued in error"),
    "review_cleared": ("复核后恢复", "cleared on review"),
    "superseded": ("已换发新证书", "superseded by a renewed certificate"),
}
TRANSITIONS: dict[tuple[str, str], str] = {
    (CertificateState.valid, CertificateState.suspended): "suspend",
    (CertificateState.suspended, CertificateState.valid): "reinstate",
    (CertificateState.valid, CertificateState.revoked): "revoke",
    (CertificateState.suspended, CertificateState.revoked): "revoke",
    (CertificateState.valid, CertificateState.superseded): "supersede",
    (CertificateState.suspended, CertificateState.superseded): "supersede",
}


class StatusError(AssuredError, ValueError):
    kind = Kind.refused


@dataclasses.dataclass(frozen=True)
class StatusEvent:
    on: str  # ISO date
    state: CertificateState
    reason: str
    note: str = ""


@dataclasses.dataclass(frozen=True)
class CertificateRecord:
    number: str
    serial: str
    status_index: int
    valid_from: str
    valid_until: str
    history: tuple[StatusEvent, ...]

    @property
    def state(self) -> CertificateState:
        return self.history[-1].state

    @property
    def reason(self) -> str:
        return self.history[-1].reason

    def status_on(self, today: date) -> str:
        """valid | suspended | revoked | superseded | expired (any recorded change outranks expiry)."""
        if self.state != CertificateState.valid:
            return self.state
        return CertificateState.expired if today > date.fromisoformat(self.valid_until) else CertificateState.valid

    def as_json(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, raw: dict) -> CertificateRecord:
        return cls(**{**raw, "history": tuple(StatusEvent(**e) for e in raw["history"])})


def transition(
    record: CertificateRecord, to: CertificateState, reason: str, on: date, note: str = ""
) -> CertificateRecord:
    """The record after a status change, or StatusError naming why the change is not allowed."""
    if reason not in REASONS:
        raise StatusError(f"reason {reason!r} is not one of: {', '.join(REASONS)}")
    if record.state in FINAL:
        what = "revocation" if record.state == CertificateState.revoked else "a renewal's replacement"
        raise StatusError(f"{record.number} was {record.state} on {record.history[-1].on}: {what} is final")
    if (record.state, to) not in TRANSITIONS:
        raise StatusError(f"{record.number} is {record.state}: cannot change to {to}")
    if on.isoformat() < record.history[-1].on:
        raise StatusError(f"date {on} is before the last change on {record.history[-1].on}")
    return dataclasses.replace(record, history=record.history + (StatusEvent(on.isoformat(), to, reason, note),))


class StatusStore(Protocol):
    def reserve(self, number: str, serial: str, valid_from: date, valid_until: date, on: date) -> CertificateRecord:
        """Record the number and serial with a fresh random status index, before anything is signed.
        Reserving the same number and serial again returns the same record."""

    def save_credential(self, number: str, credential: dict) -> None: ...

    def credential(self, number: str) -> dict | None: ...

    def get(self, number: str) -> CertificateRecord | None: ...

    def change(self, number: str, to: CertificateState, reason: str, on: date, note: str = "") -> CertificateRecord: ...

    def listed(self, purpose: str) -> list[int]:
        """The status indices the `purpose` list sets (`listed_states`)."""


class FileStatusStore:
    """status.json (all records) and credentials/<number>.json in one folder; writers take a lock.

    A store, not a rendered document: it replaces its files itself (a temporary file and
    `os.replace`), since status.json must be rewritten inside the lock it read it under, and
    this layer may not import `documents.files`.
    """

    def __init__(self, folder: Path):
        self.folder = folder

    @property
    def _index(self) -> Path:
        return self.folder / "status.json"

    @contextmanager
    def _locked(self) -> Iterator[dict[str, CertificateRecord]]:
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            records = self._read()
            yield records
            tmp = self._index.with_suffix(".tmp")
            tmp.write_text(
                json.dumps({n: r.as_json() for n, r in sorted(records.items())}, ensure_ascii=False, indent=1),
                encoding="utf-8",
            )
            os.replace(tmp, self._index)

    def _read(self) -> dict[str, CertificateRecord]:
        try:
            raw = json.loads(self._index.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        return {n: CertificateRecord.from_json(r) for n, r in raw.items()}

    def reserve(self, number, serial, valid_from, valid_until, on) -> CertificateRecord:
        with self._locked() as records:
            if (old := records.get(number)) is not None:
                if old.serial != serial:
                    raise StatusError(f"number {number} is already issued with another serial", kind=Kind.conflict)
                return old
            used = {r.status_index for r in records.values()}
            if len(used) >= LIST_SIZE:
                raise StatusError(f"status list full ({LIST_SIZE} entries)")
            index = secrets.randbelow(LIST_SIZE)
            while index in used:
                index = secrets.randbelow(LIST_SIZE)
            rec = CertificateRecord(
                number,
                serial,
                index,
                valid_from.isoformat(),
                valid_until.isoformat(),
                (StatusEvent(on.isoformat(), CertificateState.valid, "issued"),),
            )
            records[number] = rec
            return rec

    def save_credential(self, number: str, credential: dict) -> None:
        folder = self.folder / "credentials"
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f"{number}.json.tmp"
        tmp.write_text(json.dumps(credential, ensure_ascii=False, indent=2), encoding="utf-8")
        os.replace(tmp, folder / f"{number}.json")

    def credential(self, number: str) -> dict | None:
        try:
            return json.loads((self.folder / "credentials" / f"{number}.json").read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None

    def get(self, number: str) -> CertificateRecord | None:
        return self._read().get(number)

    def change(self, number, to, reason, on, note="") -> CertificateRecord:
        with self._locked() as records:
            if number not in records:
                raise StatusError(f"no certificate {number} in {self.folder}", kind=Kind.not_found)
            records[number] = transition(records[number], to, reason, on, note)
            return records[number]

    def listed(self, purpose: str) -> list[int]:
        wanted = listed_states(purpose)
        return sorted(r.status_index for r in self._read().values() if r.state in wanted)


def encode_bitstring(indices: Iterable[int], size: int = LIST_SIZE) -> str:
    """Bit i is the i-th bit counting from the most significant bit of the first byte."""
    bits = bytearray(size // 8)
    for i in indices:
        if not 0 <= i < size:
            raise StatusError(f"status index {i} outside 0..{size - 1}")
        bits[i // 8] |= 0x80 >> (i % 8)
    packed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).rstrip(b"=").decode()


def decode_bitstring(encoded: str) -> bytes:
    if not encoded.startswith("u"):
        raise StatusError("encodedList is not multibase base64url ('u')")
    body = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def bit(bits: bytes, index: int) -> bool:
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def listed_states(purpose: str) -> tuple[CertificateState, ...]:
    """The states whose certificates the `purpose` list sets: revoked (or superseded) ones, or
    currently suspended ones."""
    return FINAL if purpose == "revocation" else (CertificateState.suspended,)


def status_list_credential(list_url: str, purpose: str, encoded: str, issuer: dict, valid_from: str) -> dict:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": valid_from,
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encoded,
        },
    }
