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

from certificates.data import CertificateData, LintError
from checks import calendar
from documents import emails
from documents.certificate import make_certificate
from flows.application import deliver_pending
from flows.common import chunks, registry
from registry import certificates as C
from registry import failpoints
from registry.announcements import release_after_window
from registry.db import begin_write
from registry.queries import application_ids
from registry.settings import Settings, get_settings
from registry.workflow_models import ApplicationStatus


def issue_one(app_id: int, today: dt.date, settings: Settings) -> dict:
    """One application through the four steps, each in its own transaction."""
    factory = registry()
    with begin_write(factory) as session:
        cert, already = C.reserve_for(session, app_id, today, settings)
        number, uscc, data = cert.number, cert.uscc, CertificateData.model_validate(cert.data)
    if already:
        return {"application_id": app_id, "number": number, "status": "already issued"}
    failpoints.hit("issue.after_reserve")
    ring = C.key_ring(settings)
    with begin_write(factory) as session:
        issued = make_certificate(data, ring, C.DbStatusStore(session))
    failpoints.hit("issue.after_sign")
    pdf_path, twin_path = C.write_files(issued, settings.out_path / "certificates" / uscc)
    failpoints.hit("issue.after_files")
    subject, body = emails.certificate_issued(data, settings.authority_zh)
    with begin_write(factory) as session:
        superseded = C.record_issued(session, app_id, number, pdf_path, twin_path, issued.pdf, subject, body, settings)
    return {
        "application_id": app_id,
        "number": number,
        "status": ApplicationStatus.issued,
        "pdf": str(pdf_path),
        "superseded": superseded,
    }


@task(cache_policy=NO_CACHE)
def release(today: dt.date) -> list[int]:
    """Applications whose announcement window has passed without open objections become issuable."""
    with begin_write(registry()) as session:
        release_after_window(session, today)
        return application_ids(session, ApplicationStatus.issuable)


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


@task(cache_policy=NO_CACHE)
def publish_status_lists() -> list[str]:
    """Re-sign and write the revocation and suspension status lists."""
    with registry()() as session:
        return [str(p) for p in C.publish_lists(C.DbStatusStore(session))]


@flow(name="issue")
def issue_flow(today: dt.date | None = None) -> list[dict]:
    """Issue every issuable application, then deliver (re-running repairs any interrupted issuance)."""
    today = today or calendar.today()
    ids = release(today)
    results: list[dict] = []
    for part in chunks(ids, parts=4, min_size=100):
        results.extend(issue_chunk(part, today))
    if any(r.get("number") for r in results):  # each new entry (and a renewal's predecessor) published
        publish_status_lists()
    deliver_pending()
    return results
