"""One reviewer-eligibility rule (`registry.reviewers.eligible_reviewer`) behind every decision a
reviewer takes: the review of an application, a suspension and a revocation agree on who may act,
including for a business with no registration row (its region is the one its code carries)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from certificates.data import CertificateData, CertificateNumber, new_serial
from checks.uscc import make_uscc
from registry.account_admin import add_account
from registry.applications import decide
from registry.certificates import DbStatusStore, record_reservation
from registry.inspections import checklist
from registry.models import Inspection, Registration
from registry.monitoring import change_by_reviewer
from registry.reviewers import eligible_reviewer
from registry.settings import Settings
from registry.workflow_models import Application, WorkflowError

STAGES = ("county", "city", "province")
ON = dt.date(2026, 7, 1)
CODE_REGION = "420102"  # the region the business's USCC carries (characters 3-8)
USCC = make_uscc(CODE_REGION, "MA000001")


def _business(session, registered_in: str | None) -> None:
    if registered_in is not None:
        session.add(
            Registration(
                uscc=USCC,
                name="武汉放心超市有限公司",
                entity_type="enterprise",
                status="active",
                established_on=dt.date(2015, 3, 1),
                region_code=registered_in,
                industry_code="F5211",
                address="武汉市江岸区中山大道1号",
                legal_representative="张三",
                contact_email="shop@example.cn",
                row_hash=0,
            )
        )
    for stage in STAGES:
        for prefix in ("420102", "420106"):
            add_account(
                session,
                f"{stage}-{prefix}",
                role="reviewer",
                stage=stage,
                region_prefix=prefix,
                settings=Settings(),
            )
    session.flush()


def _application(session) -> int:
    app = Application(
        uscc=USCC,
        program="model_unit",
        channel="online",
        submitted_on=ON,
        store_name="武汉放心超市",
        contact_email="",
        commitments={},
        status="in_review",
        stage="county",
        open_key=f"{USCC}:model_unit",
    )
    session.add(app)
    session.flush()
    return app.id


def _certificate(session, status: str) -> str:
    number = CertificateNumber("model_unit", 2026, "420000", 1).ascii
    data = CertificateData(
        programme="model_unit",
        number=number,
        serial=new_serial(),
        business_name="武汉放心超市有限公司",
        uscc=USCC,
        address="武汉市江岸区中山大道1号",
        score=90.0,
        authority="湖北省市场监督管理局",
        issued_on=ON,
        valid_from=ON,
        valid_until=dt.date(2029, 6, 30),
        verification_url=f"http://127.0.0.1:8000/verify/{number}",
    )
    record_reservation(session, data, None).status = "valid"
    if status == "suspended":
        DbStatusStore(session).change(number, "suspended", "reviewer_decision", ON, "核查")
    return number


def _review(session, prefix: str) -> None:
    app_id = _application(session)
    items = {i.id: {"result": "pass", "note": ""} for i in checklist("model_unit", ON)}
    session.add(  # the field team's inspection, as an ingested record: the county may approve
        Inspection(
            inspection_id="YS-1",
            uscc=USCC,
            program="model_unit",
            inspected_on=ON,
            inspector="field-team-1",
            items=json.dumps(items, sort_keys=True),
            conclusion="pass",
            photos="",
            row_hash=0,
        )
    )
    decide(session, app_id, f"county-{prefix}", "approve", "", STAGES)


def _suspend(session, prefix: str) -> None:
    change_by_reviewer(
        session, _certificate(session, "valid"), "suspended", f"county-{prefix}", "现场核查属实", "", ON, STAGES
    )


def _revoke(session, prefix: str) -> None:
    change_by_reviewer(
        session, _certificate(session, "suspended"), "revoked", f"province-{prefix}", "处罚属实", "", ON, STAGES
    )


CALL_SITES = [
    pytest.param(_review, id="review decision"),
    pytest.param(_suspend, id="suspend"),
    pytest.param(_revoke, id="revoke"),
]
CASES = [
    pytest.param(None, "420102", None, id="no registration: the code's region is covered"),
    pytest.param(None, "420106", "from region 420102", id="no registration: the code's region is not covered"),
    pytest.param("420106", "420102", "from region 420106", id="registered outside the code's region: refused"),
    pytest.param("420106", "420106", None, id="registered outside the code's region: the registered one counts"),
]


@pytest.mark.parametrize("act", CALL_SITES)
@pytest.mark.parametrize(("registered_in", "prefix", "refusal"), CASES)
def test_every_reviewer_decision_applies_the_same_region_rule(registry_session, act, registered_in, prefix, refusal):
    _business(registry_session, registered_in)
    if refusal is None:
        act(registry_session, prefix)
    else:
        with pytest.raises(WorkflowError, match=f"covers region {prefix}; .* is {refusal}$"):
            act(registry_session, prefix)


def test_an_unknown_reviewer_is_refused(registry_session):
    _business(registry_session, None)
    with pytest.raises(WorkflowError, match="^reviewer 'nobody': not registered$"):
        eligible_reviewer(registry_session, "nobody", USCC)


def test_a_disabled_reviewer_is_refused(registry_session):
    _business(registry_session, None)
    eligible_reviewer(registry_session, "county-420102", USCC).active = False
    with pytest.raises(WorkflowError, match="^reviewer 'county-420102' is disabled$"):
        eligible_reviewer(registry_session, "county-420102", USCC)


def test_a_reviewer_of_another_stage_is_refused_naming_the_stage_needed(registry_session):
    _business(registry_session, None)
    with pytest.raises(WorkflowError, match="decides the county stage; the business .* needs a province-stage"):
        eligible_reviewer(registry_session, "county-420102", USCC, stage="province")


def test_a_reviewer_tied_to_the_business_is_refused(registry_session):
    _business(registry_session, None)
    eligible_reviewer(registry_session, "county-420102", USCC).ties = [USCC]
    with pytest.raises(WorkflowError, match=f"tied to {USCC} and must not decide"):
        eligible_reviewer(registry_session, "county-420102", USCC)


def test_an_admin_account_decides_no_stage(registry_session):
    _business(registry_session, None)
    add_account(registry_session, "admin", role="admin", stage=None, region_prefix="42", settings=Settings())
    with pytest.raises(WorkflowError, match="^account 'admin' is an admin and decides no review stage$"):
        eligible_reviewer(registry_session, "admin", USCC)
