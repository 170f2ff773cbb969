"""Manual issuance (`assured certificate make`) kept inside the workflow's rules.

A certificate made by hand is still the certificate of an application: a signed-in admin makes
it, for a business whose application (a first one or a renewal) of the programme was approved
and not yet issued, with the registry's name and USCC. It then takes that application's place in
the workflow — the application becomes issued, and only then, as for any renewal, does the
business's earlier certificate of the programme become superseded.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from certificates.data import CertificateData
from checks.errors import Kind
from registry.models import Registration
from registry.workflow_models import Account, Application, ApplicationStatus, WorkflowError

# approved and not yet issued: what the issue flow would take up
AWAITING_ISSUE = (ApplicationStatus.approved, ApplicationStatus.announced, ApplicationStatus.issuable)


def application_for_manual_issuance(session: Session, data: CertificateData, account: Account) -> Application:
    """The approved application `data` certifies, checked; refused, naming the rule, otherwise."""
    if account.role != "admin" or not account.active:
        raise WorkflowError(f"account {account.username!r} is a {account.role}: manual issuance is for admins")
    registered = session.scalar(select(Registration).where(Registration.uscc == data.uscc))
    if registered is None:
        raise WorkflowError(f"uscc {data.uscc}: no registration on record", kind=Kind.not_found)
    if registered.name != data.business_name:
        raise WorkflowError(
            f"business_name {data.business_name!r} differs from the registered name {registered.name!r} of {data.uscc}"
        )
    app = session.scalar(
        select(Application)
        .where(
            Application.uscc == data.uscc,
            Application.program == data.programme,
            Application.status.in_(AWAITING_ISSUE),
        )
        .order_by(Application.id.desc())
        .limit(1)
    )
    if app is None:
        raise WorkflowError(
            f"{data.uscc} has no approved application or renewal of {data.programme} awaiting issue: "
            "a certificate is made for an application the reviewers approved"
        )
    return app
