"""Accounts on the command line: the first admin is made without signing in, then only a
signed-in admin manages accounts; `assured login` changes a one-time password, keeps its token
0600 and `logout` ends the session for good."""

from __future__ import annotations

import io
import stat
import sys

from sqlalchemy import select

from registry.db import make_engine
from registry.settings import get_settings
from registry.workflow_models import AuditEntry

PASSWORD = "长江大桥-Wuhan-1957"


def _stdin(monkeypatch, *lines: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("".join(line + "\n" for line in lines)))


def test_after_the_first_admin_only_a_signed_in_admin_manages_accounts(cli, monkeypatch):
    _stdin(monkeypatch, PASSWORD)
    first = cli("accounts", "add", "admin", "--role", "admin", "--password-stdin")
    assert first.code == 0 and "one-time password" not in first.out
    assert cli("accounts", "add", "county-a", "--stage", "county", "--region", "420102", "--as", "admin").code == 0
    anonymous = cli("accounts", "add", "county-x", "--stage", "county", "--region", "420102")
    assert anonymous.code == 2 and "not signed in" in anonymous.err
    reviewer = cli("accounts", "disable", "admin", "--as", "county-a")
    assert reviewer.code == 2 and "managing accounts is for admins" in reviewer.err
    assert cli("accounts", "add", "county-x", "--stage", "county", "--region", "420102", "--as", "admin").code == 0
    assert cli("accounts", "disable", "county-x", "--as", "admin").code == 0
    with make_engine(get_settings().db_url).connect() as conn:
        actors = dict(
            conn.execute(select(AuditEntry.action, AuditEntry.actor).where(AuditEntry.entity_id == "county-x")).all()
        )
    assert actors == {"account.added": "account:admin", "account.disabled": "account:admin"}


def test_changing_an_account_is_for_a_signed_in_admin_audited_with_before_and_after(cli, monkeypatch):
    _stdin(monkeypatch, PASSWORD)
    assert cli("accounts", "add", "admin", "--role", "admin", "--password-stdin").code == 0
    assert cli("accounts", "add", "county-a", "--stage", "county", "--region", "420102", "--as", "admin").code == 0
    assert cli("accounts", "add", "county-b", "--stage", "county", "--region", "420106", "--as", "admin").code == 0
    refused = cli("accounts", "change", "county-b", "--region", "42", "--as", "county-a")
    assert refused.code == 2 and "managing accounts is for admins" in refused.err
    bad = cli("accounts", "change", "county-b", "--stage", "nation", "--as", "admin")
    assert bad.code == 2 and "--stage 'nation'" in bad.err
    changed = cli("accounts", "change", "county-b", "--stage", "city", "--region", "4201", "--as", "admin")
    assert changed.code == 0 and "city stage, region 4201" in changed.out
    rows = {r["username"]: r for r in cli("accounts", "list", "--json").json()}
    assert (rows["county-b"]["stage"], rows["county-b"]["region"]) == ("city", "4201")
    with make_engine(get_settings().db_url).connect() as conn:
        [(actor, detail)] = conn.execute(
            select(AuditEntry.actor, AuditEntry.detail).where(AuditEntry.action == "account.changed")
        ).all()
    assert actor == "account:admin"
    assert detail["before"]["stage"] == "county" and detail["after"] == {
        "role": "reviewer",
        "stage": "city",
        "region": "4201",
        "ties": [],
    }


def test_a_bad_account_is_refused_naming_the_field(cli):
    for args, message in (
        (("--stage", "town", "--region", "420102"), "--stage 'town'"),
        (("--stage", "county", "--region", "42x"), "--region '42x'"),
        (("--stage", "county", "--role", "boss"), "--role 'boss'"),
        (("--region", "42"), "--stage: a reviewer needs a review stage"),
    ):
        refused = cli("accounts", "add", "someone", *args)
        assert refused.code == 2 and message in refused.err, refused.err


def test_login_changes_a_one_time_password_and_keeps_the_token_private(cli, monkeypatch, home, prefect_harness):
    added = cli("accounts", "add", "county-a", "--stage", "county", "--region", "420102")
    one_time = added.out.rsplit(": ", 1)[1].strip()
    _stdin(monkeypatch, one_time, "password1234")
    too_common = cli("login", "county-a")
    assert too_common.code == 2 and "too common" in too_common.err
    _stdin(monkeypatch, one_time, PASSWORD)
    assert cli("login", "county-a").code == 0
    token_file = home / "session-token"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    listed = cli("applications", "list", "--json")
    assert listed.code == 0
    refused = cli("review", "1", "--approve")  # signed in: the refusal is about the application now
    assert refused.code == 2 and "no such application" in refused.err
    assert cli("logout").code == 0 and not token_file.exists()
    monkeypatch.setenv("ASSURED_TOKEN", "x")  # the old token, even if kept, is dead
    _stdin(monkeypatch, "wrong")
    wrong = cli("login", "county-a")
    assert wrong.code == 2 and "wrong username or password" in wrong.err


def test_five_wrong_passwords_on_the_command_line_lock_the_account(cli, monkeypatch):
    _stdin(monkeypatch, PASSWORD)
    assert cli("accounts", "add", "county-a", "--stage", "county", "--region", "420102", "--password-stdin").code == 0
    for _ in range(5):
        _stdin(monkeypatch, "not-the-password")
        assert cli("login", "county-a").code == 2
    _stdin(monkeypatch, PASSWORD)
    locked = cli("login", "county-a")
    assert locked.code == 2 and "locked" in locked.err
    assert cli("accounts", "unlock", "county-a").code == 0
    _stdin(monkeypatch, PASSWORD)
    assert cli("login", "county-a").code == 0
