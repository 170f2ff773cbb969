"""Registry integrity: the audit chain anchored by signed checkpoints outside the database, and
the home folder, the SQLite file and the keys private."""

from __future__ import annotations

import json
import stat

import pytest
from sqlalchemy import delete, select, update

from registry.audit import GENESIS, entry_hash
from registry.db import begin_write, open_registry
from registry.settings import get_settings
from registry.workflow_models import AuditEntry, Certificate, CertificateStatusChange
from tests.certificates.test_cert_cli_web import NUMBER, issued, reviewer  # noqa: F401 (fixtures)
from tests.conftest import BACKEND


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.skipif(BACKEND != "sqlite", reason="the SQLite file's mode")
def test_the_home_folder_is_0700_and_the_database_and_keys_0600(cli, tmp_path, monkeypatch):
    home = tmp_path / "fresh-home"
    monkeypatch.setenv("ASSURED_HOME", str(home))
    monkeypatch.delenv("ASSURED_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    assert cli("init").code == 0 and cli("keys", "init").code == 0
    assert _mode(home) == 0o700 and _mode(home / "assured.db") == 0o600
    private = [p for p in (home / "keys").rglob("*.key")] + [p for p in (home / "keys").rglob("*.pem")]
    assert private and all(_mode(p) == 0o600 for p in private)


def _suspend(cli, who: str) -> None:
    assert cli("suspend", NUMBER, "--as", who, "--reason", "complaint_spike", "--on", "2026-07-10").code == 0


def _audit(cli) -> tuple[int, dict]:
    result = cli("audit", "verify", "--json")
    return result.code, result.json()


def test_truncating_the_audit_log_is_detected_naming_the_missing_entries(cli, issued, reviewer):  # noqa: F811
    _suspend(cli, reviewer)  # a status change: lists republished, a checkpoint written
    assert _audit(cli)[0] == 0
    checkpoints = get_settings().out_path / "certificates" / "status" / "audit-checkpoints.jsonl"
    anchored = json.loads(checkpoints.read_text(encoding="utf-8").splitlines()[-1])["entries"]
    with begin_write(open_registry(get_settings().db_url)) as session:  # the last entries, checkpointed
        session.execute(delete(AuditEntry).where(AuditEntry.seq >= anchored - 1))
    code, report = _audit(cli)
    assert code == 1 and report["seq"] == anchored
    assert f"entries {anchored - 1}..{anchored} deleted" in report["problem"]


def test_an_edit_with_the_later_hashes_recomputed_is_detected(cli, issued, reviewer):  # noqa: F811
    _suspend(cli, reviewer)
    with begin_write(open_registry(get_settings().db_url)) as session:
        entries = list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
        prev = GENESIS
        for e in entries:
            detail = e.detail | {"note": "edited"} if e.seq == 1 else e.detail
            h = entry_hash(prev, e.seq, e.at, e.actor, e.action, e.entity, e.entity_id, detail)
            session.execute(
                update(AuditEntry).where(AuditEntry.seq == e.seq).values(detail=detail, prev_hash=prev, hash=h)
            )
            prev = h
    code, report = _audit(cli)
    assert code == 1 and "recomputed" in report["problem"] and report["seq"] >= 1
    assert json.dumps(report)  # a machine-readable answer


def test_a_revocation_undone_in_the_database_is_a_status_list_mismatch_naming_the_certificate(
    cli,
    issued,  # noqa: F811
    reviewer,  # noqa: F811
):
    _suspend(cli, reviewer)
    assert cli("revoke", NUMBER, "--as", reviewer, "--reason", "complaint_spike", "--on", "2026-07-11").code == 0
    before = cli("verify", NUMBER, "--today", "2026-08-01", "--json").json()
    assert before["status"] == "revoked"
    assert next(s for s in before["steps"] if s["step"] == "status_list")["code"] == "STATUS_LIST_OK"
    with begin_write(open_registry(get_settings().db_url)) as session:  # un-revoke behind the workflow's back
        cert = session.scalar(select(Certificate).where(Certificate.number == NUMBER))
        session.execute(
            delete(CertificateStatusChange).where(
                CertificateStatusChange.certificate_id == cert.id, CertificateStatusChange.status != "valid"
            )
        )
        cert.status = "valid"
    result = cli("verify", NUMBER, "--today", "2026-08-01", "--json")
    report = result.json()
    step = next(s for s in report["steps"] if s["step"] == "status_list")
    assert result.code == 1 and report["status"] == "invalid" and not report["valid"]
    assert step["code"] == "STATUS_LIST_MISMATCH" and NUMBER in step["detail"] and "says valid" in step["detail"]
