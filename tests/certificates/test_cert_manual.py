"""Manual issuance (`assured certificate make`) stays inside the workflow: a signed-in admin, an
approved application or renewal of that business, the registry's name and USCC, and never a
supersession outside a renewal."""

from __future__ import annotations

import json

from sqlalchemy import select

from registry.db import open_registry
from registry.settings import get_settings
from registry.workflow_models import Application, Certificate
from tests.certificates.test_cert_cli_web import DATA, NUMBER
from tests.support.certificates import ready_for_manual_issuance
from tests.web.conftest import make_account


def _data(tmp_path, **changes):
    path = tmp_path / f"data-{len(list(tmp_path.glob('data-*')))}.json"
    path.write_text(json.dumps(DATA | changes, ensure_ascii=False), encoding="utf-8")
    return path


def _make(cli, tmp_path, *extra, **changes):
    return cli("certificate", "make", _data(tmp_path, **changes), "--out", tmp_path / "out", "--json", *extra)


def _certificates() -> list[tuple[str, str]]:
    with open_registry(get_settings().db_url)() as session:
        return [
            tuple(r) for r in session.execute(select(Certificate.number, Certificate.status).order_by(Certificate.id))
        ]


def test_manual_issuance_needs_a_signed_in_admin(cli, tmp_path):
    assert cli("keys", "init").code == 0
    ready_for_manual_issuance(DATA["uscc"], DATA["business_name"])
    make_account("prov", "province", "42", password="a long enough passphrase 1")
    anonymous = _make(cli, tmp_path)
    assert anonymous.code == 2 and "not signed in" in anonymous.err
    reviewer = _make(cli, tmp_path, "--as", "prov")
    assert reviewer.code == 2 and "manual issuance is for admins" in reviewer.err
    assert _certificates() == []


def test_manual_issuance_needs_an_approved_application_and_the_registered_name(cli, tmp_path):
    assert cli("keys", "init").code == 0
    ready_for_manual_issuance(DATA["uscc"], DATA["business_name"], status="in_review")
    waiting = _make(cli, tmp_path, "--as", "admin")
    assert waiting.code == 2 and "no approved application or renewal of model_unit" in waiting.err
    ready_for_manual_issuance(DATA["uscc"], DATA["business_name"])
    other_name = _make(cli, tmp_path, "--as", "admin", business_name="武汉市另一家商贸有限公司")
    assert other_name.code == 2 and "differs from the registered name" in other_name.err
    unknown = _make(cli, tmp_path, "--as", "admin", uscc="91420102MA4K00010N")
    assert unknown.code == 2 and "no registration on record" in unknown.err
    assert _certificates() == []
    made = _make(cli, tmp_path, "--as", "admin")
    assert made.code == 0, made.err
    with open_registry(get_settings().db_url)() as session:
        app = session.get(Application, made.json()["application_id"])
        assert app.status == "issued"
    assert _certificates() == [(NUMBER, "valid")]


def test_a_certificate_outside_a_renewal_never_supersedes_the_real_one(cli, tmp_path):
    assert cli("keys", "init").code == 0
    ready_for_manual_issuance(DATA["uscc"], DATA["business_name"])
    assert _make(cli, tmp_path, "--as", "admin").code == 0
    second = "鄂放心〔2026〕第420100-000124号"
    refused = _make(cli, tmp_path, "--as", "admin", number=second)
    assert refused.code == 2 and "no approved application or renewal" in refused.err
    assert _certificates() == [(NUMBER, "valid")]
    ready_for_manual_issuance(DATA["uscc"], DATA["business_name"])  # a renewal, approved
    renewed = _make(cli, tmp_path, "--as", "admin", number=second)
    assert renewed.code == 0 and renewed.json()["superseded"] == NUMBER
    assert _certificates() == [(NUMBER, "superseded"), ("HB-FX-2026-420100-000124", "valid")]
