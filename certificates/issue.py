"""The signed twin of a certificate, bound to its printed page, and the signed status lists.

The twin is a W3C Verifiable Credential 2.0 whose `relatedResource` carries the SHA-256 of the
PDF page's content stream (digestSRI); the PDF carries the signed twin as an embedded file named
ATTACHMENT_NAME. Rendering the page and embedding the twin is `documents.certificate`.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from certificates import proof
from certificates.data import CertificateData
from certificates.keys import KeyRing
from certificates.status import PURPOSES, StatusStore, encode_bitstring, status_list_credential

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
CREDENTIAL_TYPE = "AssuredConsumptionCertificate"
TZ = "+08:00"  # certificates are dated in China Standard Time
ATTACHMENT_NAME = "credential.json"  # the twin as the PDF's embedded file


def content_digest(stream: bytes) -> str:
    """The binding: "sha256-<base64>" (SRI form) of the PDF page's content stream."""
    return "sha256-" + base64.b64encode(hashlib.sha256(stream).digest()).decode()


def site_of(data: CertificateData) -> str:
    return data.verification_url.rsplit("/verify/", 1)[0]


def status_list_url(site: str, purpose: str) -> str:
    return f"{site}/status/{purpose}"


def build_credential(data: CertificateData, issuer: str, status_index: int, content_digest: str) -> dict:
    """The unsigned twin: everything printed, plus status entries and the PDF content digest."""
    site = site_of(data)
    subject: dict[str, Any] = {
        "id": f"urn:uscc:{data.uscc}",
        "type": "CertifiedBusiness",
        "name": data.business_name,
        "uscc": data.uscc,
        "address": data.address,
        "programme": data.programme,
        "programmeTitle": data.info.title_zh,
        "certificateNumber": data.number_zh,
        "certificateNumberAscii": data.number,
        "serial": data.serial,
        "issuedOn": data.issued_on.isoformat(),
    }
    if data.store_name:
        subject["storeName"] = data.store_name
    if data.return_days is not None:
        subject["returnDays"] = data.return_days
    if data.score is not None:
        subject["score"] = data.score
    return {
        "@context": [VC_CONTEXT],
        "id": f"urn:assured:certificate:{data.serial}",
        "type": ["VerifiableCredential", CREDENTIAL_TYPE],
        "issuer": {"id": issuer, "name": data.authority},
        "validFrom": f"{data.valid_from.isoformat()}T00:00:00{TZ}",
        "validUntil": f"{data.valid_until.isoformat()}T23:59:59{TZ}",
        "credentialSubject": subject,
        "credentialStatus": [
            {
                "id": f"{status_list_url(site, p)}#{status_index}",
                "type": "BitstringStatusListEntry",
                "statusPurpose": p,
                "statusListIndex": str(status_index),
                "statusListCredential": status_list_url(site, p),
            }
            for p in PURPOSES
        ],
        "relatedResource": [
            {"id": f"{data.verification_url}#pdf-content", "mediaType": "application/pdf", "digestSRI": content_digest}
        ],
    }


def twin_bytes(credential: dict) -> bytes:
    return json.dumps(credential, ensure_ascii=False, indent=2).encode("utf-8")


@dataclasses.dataclass(frozen=True)
class Issued:
    pdf: bytes
    credential: dict


def sign_credential(
    data: CertificateData, issuer: str, key_id: str, private_key, status_index: int, content_digest: str
) -> dict:
    """The twin bound to the page with this content digest, signed as of the day of issue."""
    unsigned = build_credential(data, issuer, status_index, content_digest)
    return proof.sign(unsigned, private_key, key_id, f"{data.issued_on.isoformat()}T00:00:00{TZ}")


def status_lists(
    store: StatusStore, ring: KeyRing, site: str, authority: str, now: datetime | None = None
) -> dict[str, bytes]:
    """The signed revocation and suspension lists, as the bytes of their files: {"<purpose>.json": bytes}."""
    now = now or datetime.now(UTC).replace(microsecond=0)
    stamp = now.isoformat().replace("+00:00", "Z")
    private = ring.signer()
    lists = {}
    for purpose in PURPOSES:
        url = status_list_url(site, purpose)
        doc = status_list_credential(
            url, purpose, encode_bitstring(store.listed(purpose)), {"id": ring.issuer, "name": authority}, stamp
        )
        lists[f"{purpose}.json"] = twin_bytes(proof.sign(doc, private, ring.active, stamp))
    return lists


def audit_checkpoint(entries: int, head: str, ring: KeyRing, now: datetime | None = None) -> dict:
    """A signed anchor of the audit chain: its entry count and head hash, signed with the
    authority's key (eddsa-jcs-2022, like the twins), to be written outside the database."""
    now = now or datetime.now(UTC).replace(microsecond=0)
    stamp = now.isoformat().replace("+00:00", "Z")
    doc = {"type": "AuditCheckpoint", "issuer": ring.issuer, "entries": entries, "head": head, "created": stamp}
    return proof.sign(doc, ring.signer(), ring.active, stamp)
