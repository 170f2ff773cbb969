"""What the signed status lists set, read from the register, and whether the published lists still
say it. Kept apart from `registry.certificates` (which renders and signs): the doctor, which every
flow run performs first, checks the lists without loading the renderer."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from certificates.status import PURPOSES, StatusError, decode_bitstring, listed_states
from registry.settings import Settings
from registry.workflow_models import Certificate, CertificateStatusChange


def status_folder(settings: Settings) -> Path:
    """Where the signed status lists are published."""
    return settings.out_path / "certificates" / "status"


def listed(session: Session, purpose: str) -> list[int]:
    """The status indices the `purpose` list sets: certificates whose latest status change (the
    change log is the system of record, not the certificate row's copy) is listed for it. One
    query over the change log's certificate index, so re-signing after each write batch stays
    cheap at a province's certificates."""
    change = CertificateStatusChange
    latest = select(func.max(change.id)).group_by(change.certificate_id)
    return list(
        session.scalars(
            select(Certificate.status_index)
            .join(change, change.certificate_id == Certificate.id)
            .where(change.id.in_(latest), change.status.in_(listed_states(purpose)), Certificate.status != "reserved")
            .order_by(Certificate.status_index)
        )
    )


def stale_lists(session: Session, settings: Settings) -> list[str]:
    """Where the published status lists say otherwise than the register (empty when they agree):
    what a run stopped between its writes and republishing leaves behind, and what verification
    would report as STATUS_LIST_MISMATCH until the lists are published again."""
    folder = status_folder(settings)
    issued = session.scalar(select(func.count()).where(Certificate.status != "reserved")) or 0
    problems = []
    for purpose in PURPOSES:
        wanted = set(listed(session, purpose))
        try:
            doc = json.loads((folder / f"{purpose}.json").read_text(encoding="utf-8"))
            bits = decode_bitstring(doc["credentialSubject"]["encodedList"])
        except (OSError, ValueError, KeyError, TypeError, StatusError):
            if issued:
                problems.append(f"the {purpose} list is missing or unreadable ({issued} certificates issued)")
            continue
        shown = {8 * i + j for i, byte in enumerate(bits) if byte for j in range(8) if byte & (0x80 >> j)}
        if differ := len(shown ^ wanted):
            problems.append(f"the {purpose} list shows {differ} certificates otherwise than the register")
    return problems
