"""The restore drill: an issued certificate's instance backed up, restored into another home and
database, where every certificate verifies (by number and as the delivered PDF), the audit chain
verifies and every table holds the same number of rows. A backup whose files changed is refused,
and so is a restore into a home that holds anything."""

from __future__ import annotations

import json

import pytest

from registry.backup import table_counts
from registry.db import open_registry
from registry.settings import get_settings
from tests.flows.conftest import apply_online, approve_all_stages

pytestmark = pytest.mark.usefixtures("prefect_harness")
PUBLISHED, AFTER_WINDOW = "2026-07-01", "2026-07-10"


def _counts() -> dict[str, int]:
    with open_registry(get_settings().db_url)() as session:
        return table_counts(session)


@pytest.fixture
def issued(cli, shops, reviewers):
    """One certificate issued through the whole workflow (application, three stages, 公示, issue)."""
    n = apply_online(cli, shops["good"])["id"]
    approve_all_stages(cli, n)
    assert cli("announce", "--program", "model_unit", "--on", PUBLISHED).code == 0
    [result] = cli("issue", "--today", AFTER_WINDOW, "--json").json()
    return {"number": result["number"], "uscc": shops["good"]}


def _elsewhere(monkeypatch, tmp_path, new_database, name: str):
    """Point the settings at a new, empty home and database."""
    monkeypatch.setenv("ASSURED_HOME", str(tmp_path / name))
    new_database(name)


def test_a_backup_restored_into_another_home_verifies_and_counts_the_same(
    cli, issued, tmp_path, monkeypatch, new_database
):
    before = _counts()
    made = cli("backup", tmp_path / "backup", "--json")
    assert made.code == 0, made.err
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert manifest["counts"] == before and before["certificates"] == 1
    keys = [f for f in manifest["files"] if f.startswith("keys/") and f.endswith(".pem")]
    assert keys and all(manifest["files"][f]["mode"] == 0o600 for f in keys)

    _elsewhere(monkeypatch, tmp_path, new_database, "restored")
    restored = cli("restore", tmp_path / "backup", "--json")
    assert restored.code == 0, restored.err
    assert restored.json()["counts"] == before == _counts()
    settings = get_settings()
    assert settings.home_path == (tmp_path / "restored").resolve()
    pdf = settings.outbox_path / issued["uscc"] / f"{issued['number']}.pdf"
    for target in (issued["number"], pdf):
        verified = cli("verify", target, "--today", AFTER_WINDOW, "--json")
        assert verified.code == 0 and verified.json()["valid"], verified.out
    assert cli("audit", "verify").code == 0
    shown = cli("certificate", "status", issued["number"], "--json")
    assert shown.code == 0, shown.err
    assert all((settings.keys_path / f.removeprefix("keys/")).stat().st_mode & 0o777 == 0o600 for f in keys)


def test_a_changed_file_in_the_backup_is_refused_before_anything_is_restored(
    cli, issued, tmp_path, monkeypatch, new_database
):
    assert cli("backup", tmp_path / "backup").code == 0
    twin = next((tmp_path / "backup" / "outbox").rglob("*.vc.json"))
    twin.write_bytes(twin.read_bytes() + b" ")
    _elsewhere(monkeypatch, tmp_path, new_database, "restored")
    refused = cli("restore", tmp_path / "backup")
    assert refused.code == 2 and "does not match its SHA-256" in refused.err
    assert not (tmp_path / "restored" / "keys").exists()


def test_a_restore_into_a_home_that_holds_anything_is_refused(cli, issued, tmp_path):
    assert cli("backup", tmp_path / "backup").code == 0
    refused = cli("restore", tmp_path / "backup")
    assert refused.code == 2 and "is not empty" in refused.err
