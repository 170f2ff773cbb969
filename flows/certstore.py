"""The certificates' status kept in the registry: `certificates.status.StatusStore` over the
`certificates` and `certificate_status_changes` tables (the system of record)."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator

from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from certificates.data import CertificateData
from certificates.issue import Issued
from certificates.status import LIST_SIZE, CertificateRecord, StatusError, StatusEvent, transition
from documents.certificate import lint
from registry import audit
from registry.workflow_models import Certificate, CertificateStatusChange


@contextmanager
def status_store(write: bool = False, actor: str = "system") -> Iterator[DbStatusStore]:
    """The registry's status store in its own transaction (a write transaction when `write`)."""
    from flows.common import registry
    from registry.db import begin_write

    if write:
        with begin_write(registry()) as session:
            yield DbStatusStore(session, actor)
    else:
        with registry()() as session:
            yield DbStatusStore(session, actor)


def _free_index(session: Session) -> int:
    import secrets

    while True:
        index = secrets.randbelow(LIST_SIZE)
        if session.scalar(select(Certificate.id).where(Certificate.status_index == index)) is None:
            return index


def record_reservation(session: Session, data: CertificateData, application_id: int | None,
                       actor: str = "system") -> Certificate:
    """Lint, then store number, serial and a random status index before anything is signed."""
    lint(data)
    number = data.parsed_number
    taken = session.scalar(select(Certificate.number).where(
        (Certificate.number == number.ascii) | (Certificate.serial == data.serial)))
    if taken is not None:
        raise StatusError(f"number {number.ascii} or serial {data.serial} is already used by certificate {taken}")
    cert = Certificate(application_id=application_id, uscc=data.uscc, program=data.programme, number=number.ascii,
                       number_zh=number.text, serial=data.serial, status_index=_free_index(session),
                       status="reserved", issued_on=data.issued_on, valid_from=data.valid_from,
                       valid_until=data.valid_until, data=data.model_dump(mode="json"))
    session.add(cert)
    session.flush()
    session.add(CertificateStatusChange(certificate_id=cert.id, status="valid", reason_code="issued", note="",
                                        actor=actor, on=data.issued_on))
    audit.record(session, actor, "certificate.reserved", "certificate", number.ascii,
                 {"serial": data.serial, "application": application_id, "uscc": data.uscc})
    return cert


def write_files(issued: Issued, folder: Path) -> tuple[Path, Path]:
    """The PDF and its twin, each written atomically (a crash never leaves half a file)."""
    from certificates.issue import twin_bytes

    number = issued.credential["credentialSubject"]["certificateNumberAscii"]
    folder.mkdir(parents=True, exist_ok=True)
    paths = folder / f"{number}.pdf", folder / f"{number}.vc.json"
    for path, data in zip(paths, (issued.pdf, twin_bytes(issued.credential))):
        tmp = path.with_name(path.name + ".part")
        tmp.write_bytes(data)
        tmp.replace(path)
    return paths


def mark_issued(session: Session, number: str, pdf_path: Path, twin_path: Path, pdf: bytes) -> Certificate:
    import hashlib

    cert = session.scalar(select(Certificate).where(Certificate.number == number))
    cert.pdf_path, cert.twin_path = str(pdf_path), str(twin_path)
    cert.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    cert.status = "valid"
    supersede(session, cert)
    return cert


def supersede(session: Session, cert: Certificate) -> list[str]:
    """A renewal: the business's earlier certificates of the programme that still hold (valid or
    suspended) are superseded by `cert` (final; set in the revocation list)."""
    older = session.scalars(select(Certificate).where(
        Certificate.uscc == cert.uscc, Certificate.program == cert.program, Certificate.id != cert.id,
        Certificate.status.in_(("valid", "suspended"))).order_by(Certificate.id)).all()
    store = DbStatusStore(session)
    for old in older:
        on = max(cert.issued_on, session.scalar(select(func.max(CertificateStatusChange.on)).where(
            CertificateStatusChange.certificate_id == old.id)) or cert.issued_on)
        store.change(old.number, "superseded", "superseded", on, f"superseded by {cert.number}")
        cert.supersedes_id = old.id
    return [old.number for old in older]


def publish_lists(store: "DbStatusStore", ring=None) -> list[Path]:
    """Re-sign and write the revocation and suspension status lists under the output folder
    (with the issuer's key ring, created on first use like issuance does)."""
    from certificates.issue import publish_status
    from flows.issuance import key_ring
    from registry.settings import get_settings

    s = get_settings()
    return publish_status(store, ring or key_ring(s), s.verify_base_url.rstrip("/"),
                          s.out_path / "certificates" / "status", s.authority_zh)


class DbStatusStore:
    """Reservation happens in the workflow (with the application); this store then serves the
    renderer, the verifier, the web page and status changes."""

    def __init__(self, session: Session, actor: str = "system"):
        self.session, self.actor = session, actor

    def _row(self, number: str) -> Certificate | None:
        return self.session.scalar(select(Certificate).where(
            (Certificate.number == number) | (Certificate.number_zh == number)))

    def _record(self, row: Certificate) -> CertificateRecord:
        changes = self.session.scalars(select(CertificateStatusChange).where(
            CertificateStatusChange.certificate_id == row.id).order_by(CertificateStatusChange.id))
        history = tuple(StatusEvent(c.on.isoformat(), c.status, c.reason_code, c.note) for c in changes)
        return CertificateRecord(row.number, row.serial, row.status_index, row.valid_from.isoformat(),
                                 row.valid_until.isoformat(), history)

    def reserve(self, number, serial, valid_from, valid_until, on) -> CertificateRecord:
        row = self._row(number)
        if row is None:
            raise StatusError(f"number {number} was not reserved by the issuance workflow")
        if row.serial != serial:
            raise StatusError(f"number {number} is already issued with another serial")
        return self._record(row)

    def save_credential(self, number: str, credential: dict) -> None:
        self._row(number).credential = credential

    def credential(self, number: str) -> dict | None:
        row = self._row(number)
        return None if row is None or row.status == "reserved" else row.credential

    def get(self, number: str) -> CertificateRecord | None:
        row = self._row(number)
        return None if row is None or row.status == "reserved" else self._record(row)

    def change(self, number, to, reason, on: dt.date, note: str = "") -> CertificateRecord:
        row = self._row(number)
        if row is None or row.status == "reserved":
            raise StatusError(f"no issued certificate {number}")
        record = transition(self._record(row), to, reason, on, note)
        self.session.add(CertificateStatusChange(certificate_id=row.id, status=to, reason_code=reason, note=note,
                                                 actor=self.actor, on=on))
        row.status = to
        audit.record(self.session, self.actor, f"certificate.{to}", "certificate", row.number,
                     {"reason": reason, "note": note, "on": on.isoformat(), "uscc": row.uscc})
        self.session.flush()
        return record

    def records(self) -> Iterator[CertificateRecord]:
        """Every issued certificate with its history, in two queries."""
        history: dict[int, list[StatusEvent]] = defaultdict(list)
        for c in self.session.scalars(select(CertificateStatusChange).order_by(CertificateStatusChange.id)):
            history[c.certificate_id].append(StatusEvent(c.on.isoformat(), c.status, c.reason_code, c.note))
        for row in self.session.scalars(select(Certificate).where(Certificate.status != "reserved")
                                        .order_by(Certificate.id)):
            yield CertificateRecord(row.number, row.serial, row.status_index, row.valid_from.isoformat(),
                                    row.valid_until.isoformat(), tuple(history[row.id]))
