"""Certificates in the registry: `certificates.status.StatusStore` over the `certificates` and
`certificate_status_changes` tables (the system of record), the reservation of an application's
number and serial before anything is signed, the issued files, renewals, the published status
lists and the issuer's key ring."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from certificates import keys, proof
from certificates.data import CertificateData, CertificateNumber, LintError, LintProblem, new_serial, private_address
from certificates.issue import Issued, audit_checkpoint, status_lists, twin_bytes
from certificates.status import (
    LIST_SIZE,
    CertificateRecord,
    CertificateState,
    StatusError,
    StatusEvent,
    transition,
)
from checks.calendar import add_years
from checks.errors import Kind
from checks.policy import load_policy
from checks.programmes import Programme
from documents.certificate import lint
from documents.files import write_atomic
from registry import audit, delivery
from registry.applications import set_status
from registry.db import begin_write, open_registry
from registry.models import Registration
from registry.settings import Settings, get_settings
from registry.status_lists import listed as listed_in_register
from registry.status_lists import status_folder
from registry.workflow_models import Application, ApplicationStatus, Certificate, CertificateStatusChange, WorkflowError


@contextmanager
def status_store(write: bool = False, actor: str = "system") -> Iterator[DbStatusStore]:
    """The registry's status store in its own transaction (a write transaction when `write`)."""
    factory = open_registry(get_settings().db_url)
    if write:
        with begin_write(factory) as session:
            yield DbStatusStore(session, actor)
    else:
        with factory() as session:
            yield DbStatusStore(session, actor)


def _free_index(session: Session) -> int:
    while True:
        index = secrets.randbelow(LIST_SIZE)
        if session.scalar(select(Certificate.id).where(Certificate.status_index == index)) is None:
            return index


def record_reservation(
    session: Session, data: CertificateData, application_id: int | None, actor: str = "system"
) -> Certificate:
    """Lint, then store number, serial and a random status index before anything is signed. A
    production instance (`ASSURED_PRODUCTION`) refuses a verification address the public cannot
    reach; a demo prints its loopback address."""
    lint(data)
    unreachable = private_address(data.verification_url) if get_settings().production else None
    if unreachable:
        raise LintError([LintProblem("verification_url", data.verification_url, unreachable)])
    number = data.parsed_number
    taken = session.scalar(
        select(Certificate.number).where((Certificate.number == number.ascii) | (Certificate.serial == data.serial))
    )
    if taken is not None:
        raise StatusError(f"number {number.ascii} or serial {data.serial} is already used by certificate {taken}")
    cert = Certificate(
        application_id=application_id,
        uscc=data.uscc,
        program=data.programme,
        number=number.ascii,
        number_zh=number.text,
        serial=data.serial,
        status_index=_free_index(session),
        status="reserved",
        issued_on=data.issued_on,
        valid_from=data.valid_from,
        valid_until=data.valid_until,
        data=data.model_dump(mode="json"),
    )
    session.add(cert)
    session.flush()
    session.add(
        CertificateStatusChange(
            certificate_id=cert.id,
            status=CertificateState.valid,
            reason_code="issued",
            note="",
            actor=actor,
            on=data.issued_on,
        )
    )
    audit.record(
        session,
        actor,
        "certificate.reserved",
        "certificate",
        number.ascii,
        {"serial": data.serial, "application": application_id, "uscc": data.uscc},
    )
    return cert


def _validity_years(program: str, on: dt.date) -> int:
    return load_policy(program).value("lifecycle.validity_years", on)


def _next_sequence(session: Session, program: str, year: int, region: str) -> int:
    prefix = CertificateNumber(program, year, region, 1).ascii.rsplit("-", 1)[0] + "-"
    last = session.scalar(select(func.max(Certificate.number)).where(Certificate.number.startswith(prefix)))
    return 1 if last is None else int(last.rsplit("-", 1)[1]) + 1


def reserve(session: Session, app: Application, today: dt.date, settings: Settings) -> Certificate:
    """The application's certificate row, created once (number and serial before signing)."""
    cert = application_certificate(session, app.id)
    if cert is not None:
        return cert
    reg = session.get(Registration, app.uscc)
    assert reg is not None  # only a registered business gets this far (assessed, reviewed, announced)
    number = CertificateNumber(
        app.program,
        today.year,
        settings.authority_region,
        _next_sequence(session, app.program, today.year, settings.authority_region),
    )
    valid_until = add_years(today, _validity_years(app.program, today)) - dt.timedelta(days=1)
    serial = new_serial()
    data = CertificateData(
        programme=Programme(app.program),
        number=number.ascii,
        serial=serial,
        business_name=reg.name,
        uscc=app.uscc,
        store_name=app.store_name if app.program == Programme.SEVEN_DAY_RETURN or app.store_name != reg.name else None,
        address=reg.address,
        return_days=app.commitments.get("return_days") if app.program == Programme.SEVEN_DAY_RETURN else None,
        score=app.score,
        authority=settings.authority_zh,
        issued_on=today,
        valid_from=today,
        valid_until=valid_until,
        verification_url=f"{settings.verify_base_url.rstrip('/')}/verify/{number.ascii}",
    )
    return record_reservation(session, data, app.id)  # lint first: a failing certificate is never stored


def application_certificate(session: Session, app_id: int) -> Certificate | None:
    """The certificate row of an application (reserved or issued), if it has one."""
    return session.scalar(select(Certificate).where(Certificate.application_id == app_id))


def reserve_for(session: Session, app_id: int, today: dt.date, settings: Settings) -> tuple[Certificate, bool]:
    """The application's certificate row, reserved when it has none yet, and whether the
    application was already issued (then nothing is reserved or redone)."""
    app = session.get(Application, app_id)
    assert app is not None  # the flow passes the id of an existing application
    if app.status == ApplicationStatus.issued:
        cert = application_certificate(session, app_id)
        assert cert is not None  # an issued application has its certificate
        return cert, True
    return reserve(session, app, today, settings), False


def record_issued(
    session: Session,
    app_id: int,
    number: str,
    pdf_path: Path,
    twin_path: Path,
    pdf: bytes,
    subject: str,
    body: str,
    settings: Settings,
) -> str | None:
    """The certificate valid (superseding the business's earlier one of the programme), the
    application issued, and the certificate queued for delivery with its cover e-mail; the
    number of the certificate it superseded, if any."""
    app = session.get(Application, app_id)
    assert app is not None  # the flow passes the id of an existing application
    cert = mark_issued(session, number, pdf_path, twin_path, pdf)
    earlier = session.get(Certificate, cert.supersedes_id) if cert.supersedes_id else None
    superseded = earlier.number if earlier is not None else None
    set_status(
        session,
        app,
        ApplicationStatus.issued,
        "system",
        f"certificate {cert.number}",
        number=cert.number,
        **({"supersedes": superseded} if superseded else {}),
    )
    delivery.queue(session, delivery.Document(cert.uscc, pdf_path, subject, body, app.contact_email), settings)
    return superseded


def issued_certificate(session: Session, number: str) -> Certificate:
    """The issued certificate with this number (ASCII or Chinese form)."""
    cert = session.scalar(select(Certificate).where((Certificate.number == number) | (Certificate.number_zh == number)))
    if cert is None or cert.status == "reserved":
        raise WorkflowError(f"certificate {number}: no issued certificate with this number", kind=Kind.not_found)
    return cert


def key_ring(settings: Settings) -> keys.KeyRing:
    """The issuer's key ring; created on first issuance when none exists yet."""
    try:
        return keys.load(settings.keys_path)
    except keys.KeyRingError:
        if (settings.keys_path / keys.INDEX).exists():
            raise
        return keys.init(settings.keys_path, f"{settings.verify_base_url.rstrip('/')}/issuer", settings.authority_zh)


def write_files(issued: Issued, folder: Path, twin_suffix: str = ".vc.json") -> tuple[Path, Path]:
    """The PDF and its twin (<number><twin_suffix>), each written atomically (a crash never leaves half a file)."""
    number = issued.credential["credentialSubject"]["certificateNumberAscii"]
    return (
        write_atomic(folder / f"{number}.pdf", issued.pdf),
        write_atomic(folder / f"{number}{twin_suffix}", twin_bytes(issued.credential)),
    )


def mark_issued(session: Session, number: str, pdf_path: Path, twin_path: Path, pdf: bytes) -> Certificate:
    cert = session.scalar(select(Certificate).where(Certificate.number == number))
    assert cert is not None  # reserved before it was signed
    cert.pdf_path, cert.twin_path = str(pdf_path), str(twin_path)
    cert.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    cert.status = CertificateState.valid
    supersede(session, cert)
    return cert


def supersede(session: Session, cert: Certificate) -> list[str]:
    """A renewal: the business's earlier certificates of the programme that still hold (valid or
    suspended) are superseded by `cert` (final; set in the revocation list)."""
    older = session.scalars(
        select(Certificate)
        .where(
            Certificate.uscc == cert.uscc,
            Certificate.program == cert.program,
            Certificate.id != cert.id,
            Certificate.status.in_((CertificateState.valid, CertificateState.suspended)),
        )
        .order_by(Certificate.id)
    ).all()
    store = DbStatusStore(session)
    for old in older:
        on = max(
            cert.issued_on,
            session.scalar(
                select(func.max(CertificateStatusChange.on)).where(CertificateStatusChange.certificate_id == old.id)
            )
            or cert.issued_on,
        )
        store.change(old.number, CertificateState.superseded, "superseded", on, f"superseded by {cert.number}")
        cert.supersedes_id = old.id
    return [old.number for old in older]


def publish_lists(store: DbStatusStore, ring=None) -> list[Path]:
    """Re-sign and write the revocation and suspension status lists under the output folder
    (with the issuer's key ring, created on first use like issuance does)."""
    s = get_settings()
    ring = ring or key_ring(s)
    lists = status_lists(store, ring, s.verify_base_url.rstrip("/"), s.authority_zh)
    folder = status_folder(s)
    written = [write_atomic(folder / name, data) for name, data in lists.items()]
    return written + [write_checkpoint(store.session, ring, folder)]


CHECKPOINTS = "audit-checkpoints.jsonl"


def write_checkpoint(session: Session, ring, folder: Path) -> Path:
    """Append a signed checkpoint of the audit chain (entry count, head hash) to the file beside
    the status lists: outside the database, so deleting or recomputing entries shows."""
    entries, head_hash = audit.head(session)
    line = json.dumps(audit_checkpoint(entries, head_hash, ring), ensure_ascii=False, sort_keys=True) + "\n"
    path = folder / CHECKPOINTS
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(line)
    return path


def signed_checkpoints(folder: Path, ring) -> tuple[list[dict], list[str]]:
    """The checkpoints whose signature holds under the key ring, and a problem for each other line."""
    path = folder / CHECKPOINTS
    good, bad = [], []
    lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
    keys_by_id = ring.verification_keys()
    for n, text in enumerate(lines, 1):
        try:
            cp = json.loads(text)
            proof.verify(cp, keys_by_id[proof.proof_of(cp)["verificationMethod"]])
            good.append(cp)
        except (ValueError, KeyError, TypeError, proof.ProofError) as exc:
            bad.append(f"{path.name} line {n}: checkpoint signature does not hold ({type(exc).__name__})")
    return good, bad


class DbStatusStore:
    """Reservation happens in the workflow (with the application); this store then serves the
    renderer, the verifier, the web page and status changes."""

    def __init__(self, session: Session, actor: str = "system", via: dict | None = None):
        self.session, self.actor, self.via = session, actor, via or {}

    def _row(self, number: str) -> Certificate | None:
        return self.session.scalar(
            select(Certificate).where((Certificate.number == number) | (Certificate.number_zh == number))
        )

    def _record(self, row: Certificate) -> CertificateRecord:
        changes = self.session.scalars(
            select(CertificateStatusChange)
            .where(CertificateStatusChange.certificate_id == row.id)
            .order_by(CertificateStatusChange.id)
        )
        history = tuple(
            StatusEvent(c.on.isoformat(), CertificateState(c.status), c.reason_code, c.note) for c in changes
        )
        return CertificateRecord(
            row.number, row.serial, row.status_index, row.valid_from.isoformat(), row.valid_until.isoformat(), history
        )

    def reserve(self, number, serial, valid_from, valid_until, on) -> CertificateRecord:
        row = self._row(number)
        if row is None:
            raise StatusError(f"number {number} was not reserved by the issuance workflow")
        if row.serial != serial:
            raise StatusError(f"number {number} is already issued with another serial")
        return self._record(row)

    def save_credential(self, number: str, credential: dict) -> None:
        row = self._row(number)
        assert row is not None  # issuance saves the credential of the number it reserved
        row.credential = credential

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
        self.session.add(
            CertificateStatusChange(
                certificate_id=row.id, status=to, reason_code=reason, note=note, actor=self.actor, on=on
            )
        )
        row.status = to
        audit.record(
            self.session,
            self.actor,
            f"certificate.{to}",
            "certificate",
            row.number,
            {"reason": reason, "note": note, "on": on.isoformat(), "uscc": row.uscc, **self.via},
        )
        self.session.flush()
        return record

    def listed(self, purpose: str) -> list[int]:
        return listed_in_register(self.session, purpose)
