"""The certificates' status kept in the registry: `certificates.status.StatusStore` over the
`certificates` and `certificate_status_changes` tables (the system of record)."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from certificates.status import CertificateRecord, StatusError, StatusEvent, transition
from registry import audit
from registry.workflow_models import Certificate, CertificateStatusChange


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
