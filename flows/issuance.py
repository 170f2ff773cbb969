"""Issuance: number → render → sign → store → deliver, idempotent and crash-safe.

1. reserve: in one transaction, the certificate row with its number, serial and status
   index is written before anything is signed (an application has at most one row);
2. render and sign from the stored data (deterministic: same data, same bytes);
3. write the PDF and its twin atomically under the output folder;
4. mark issued (certificate valid, application issued, audit, delivery queued).
A crash between any two steps is repaired by running `assured issue` again: each step
finds the work of the ones before it and redoes only what is missing.
"""
from __future__ import annotations

import datetime as dt

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from certificates.data import CertificateData, CertificateNumber, LintError, new_serial
from checks.calendar import add_years
from flows.certstore import record_reservation
from flows.common import registry
from registry import delivery, failpoints
from registry.applications import release_after_window, set_status
from registry.models import Registration
from registry.settings import Settings, get_settings
from registry.workflow_models import Application, Certificate


def _validity_years(program: str, on: dt.date) -> int:
    from checks.policy import load_policy

    return load_policy(program).value("lifecycle.validity_years", on)


def _next_sequence(session: Session, program: str, year: int, region: str) -> int:
    prefix = CertificateNumber(program, year, region, 1).ascii.rsplit("-", 1)[0] + "-"
    last = session.scalar(select(func.max(Certificate.number)).where(Certificate.number.startswith(prefix)))
    return 1 if last is None else int(last.rsplit("-", 1)[1]) + 1


def reserve(session: Session, app: Application, today: dt.date, settings: Settings) -> Certificate:
    """The application's certificate row, created once (number and serial before signing)."""
    cert = session.scalar(select(Certificate).where(Certificate.application_id == app.id))
    if cert is not None:
        return cert
    reg = session.get(Registration, app.uscc)
    number = CertificateNumber(app.program, today.year, settings.authority_region,
                               _next_sequence(session, app.program, today.year, settings.authority_region))
    valid_until = add_years(today, _validity_years(app.program, today)) - dt.timedelta(days=1)
    serial = new_serial()
    data = CertificateData(
        programme=app.program, number=number.ascii, serial=serial, business_name=reg.name, uscc=app.uscc,
        store_name=app.store_name if app.program == "seven_day_return" or app.store_name != reg.name else None,
        address=reg.address,
        return_days=app.commitments.get("return_days") if app.program == "seven_day_return" else None,
        score=app.score, authority=settings.authority_zh, issued_on=today, valid_from=today,
        valid_until=valid_until, verification_url=f"{settings.verify_base_url.rstrip('/')}/verify/{number.ascii}",
    )
    return record_reservation(session, data, app.id)  # lint first: a failing certificate is never stored


def key_ring(settings: Settings):
    """The issuer's key ring; created on first issuance when none exists yet."""
    from certificates import keys

    try:
        return keys.load(settings.keys_path)
    except keys.KeyRingError:
        if (settings.keys_path / keys.INDEX).exists():
            raise
        return keys.init(settings.keys_path, f"{settings.verify_base_url.rstrip('/')}/issuer")


def issue_one(app_id: int, today: dt.date, settings: Settings) -> dict:
    from documents.certificate import make_certificate
    from flows.certstore import DbStatusStore, mark_issued, write_files
    from registry.db import begin_write

    factory = registry()
    with begin_write(factory) as session:
        app = session.get(Application, app_id)
        if app.status == "issued":
            cert = session.scalar(select(Certificate).where(Certificate.application_id == app_id))
            return {"application_id": app_id, "number": cert.number, "status": "already issued"}
        cert = reserve(session, app, today, settings)
        number, uscc, data = cert.number, cert.uscc, CertificateData.model_validate(cert.data)
    failpoints.hit("issue.after_reserve")
    ring = key_ring(settings)
    with begin_write(factory) as session:
        issued = make_certificate(data, ring, DbStatusStore(session))
    failpoints.hit("issue.after_sign")
    pdf_path, twin_path = write_files(issued, settings.out_path / "certificates" / uscc)
    failpoints.hit("issue.after_files")
    with begin_write(factory) as session:
        app = session.get(Application, app_id)
        cert = mark_issued(session, number, pdf_path, twin_path, issued.pdf)
        superseded = session.get(Certificate, cert.supersedes_id).number if cert.supersedes_id else None
        set_status(session, app, "issued", "system", f"certificate {cert.number}", number=cert.number,
                   **({"supersedes": superseded} if superseded else {}))
        body = (f"{data.business_name}：\n\n您单位已通过{data.info.title_zh}认定，证书编号 {cert.number_zh}，"
                f"有效期 {data.valid_from} 至 {data.valid_until}。证书及其电子验证文件见附件；"
                f"扫描证书二维码或访问 {data.verification_url} 可核验真伪。\n\n{settings.authority_zh}")
        delivery.queue(session, delivery.Document(uscc, pdf_path, f"{data.info.title_zh}证书 {cert.number_zh}",
                                                  body, app.contact_email), settings)
    return {"application_id": app_id, "number": number, "status": "issued", "pdf": str(pdf_path),
            "superseded": superseded}


@task(cache_policy=NO_CACHE)
def release(today: dt.date) -> list[int]:
    """Applications whose announcement window has passed without open objections become issuable."""
    from registry.db import begin_write

    with begin_write(registry()) as session:
        release_after_window(session, today)
        return list(session.scalars(select(Application.id).where(Application.status == "issuable")
                                    .order_by(Application.id)))


@task(cache_policy=NO_CACHE)
def issue_chunk(app_ids: list[int], today: dt.date) -> list[dict]:
    """Issue each; one that fails lint is reported (and stays issuable) without stopping the rest."""
    settings = get_settings()
    out = []
    for app_id in app_ids:
        try:
            out.append(issue_one(app_id, today, settings))
        except LintError as exc:
            out.append({"application_id": app_id, "number": None, "status": f"not issued: {exc}"})
    return out


@flow(name="issue")
def issue_flow(today: dt.date | None = None) -> list[dict]:
    """Issue every issuable application, then deliver (re-running repairs any interrupted issuance)."""
    from flows.application import deliver_pending
    from flows.common import chunks

    today = today or dt.date.today()
    ids = release(today)
    results: list[dict] = []
    for part in chunks(ids, parts=4, min_size=100):
        results.extend(issue_chunk(part, today))
    if any(r.get("superseded") for r in results):  # a renewal's predecessor enters the revocation list
        from flows.certstore import DbStatusStore, publish_lists
        from registry.db import begin_write

        with begin_write(registry()) as session:
            publish_lists(DbStatusStore(session))
    deliver_pending()
    return results
