"""Re-assessment with the on-site inspection (`registry.applications.reassess_with_inspection`):
an application in review that still passes stays at its stage with verified points; a failed
veto item rejects it as an assessment does, and its reasons letter cites the inspection."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from checks.uscc import make_uscc
from flows.notices import letter_for
from registry.applications import assess_application, reassess_with_inspection, submit
from registry.models import CreditClass, Inspection, Registration
from registry.notices import rejection_letter
from registry.records import ApplicationRecord
from registry.settings import get_settings
from registry.workflow_models import ApplicationStatus, AssessmentRecord, AuditEntry, WorkflowError
from tests.support.checklists import MODEL_UNIT_ITEMS as MODEL_ITEMS

AS_OF = dt.date(2026, 6, 30)
INSPECTED = dt.date(2026, 7, 8)
USCC = make_uscc("420102", "00077001")
STAGES = ("county", "city", "province")


@pytest.fixture
def in_review(registry_session):
    """A clean model-unit applicant, assessed eligible and waiting at the county stage."""
    s = registry_session
    s.add(
        Registration(
            uscc=USCC,
            name="江汉放心超市",
            entity_type="enterprise",
            status="active",
            established_on=dt.date(2015, 3, 1),
            region_code="420102",
            industry_code="F5211",
            address="武汉市江汉区",
            legal_representative="李四",
            contact_email="shop@example.cn",
            odr_enrolled_on=dt.date(2024, 1, 1),
            row_hash=0,
        )
    )
    s.add(CreditClass(uscc=USCC, risk_class="A", classified_on=dt.date(2026, 5, 1), row_hash=0))
    rec = ApplicationRecord.model_validate(
        {
            "uscc": USCC,
            "program": "model_unit",
            "channel": "online",
            "submitted_on": "2026-06-01",
            "store_name": "江汉放心超市",
            "contact_email": "shop@example.cn",
            "commitments": {
                "return_days": 7,
                "displayed": True,
                "advance_compensation": True,
                "first_inquiry_responsibility": True,
                "service_station": True,
            },
        }
    )
    app = submit(s, rec, "test")
    assess_application(s, app.id, AS_OF, STAGES)
    assert (app.status, app.stage, app.score) == (ApplicationStatus.in_review, "county", 100.0)
    s.commit()
    return app


def inspect(session, *, failed=(), on=INSPECTED, inspection_id="INS-2026-0708-1"):
    items = {i: {"result": "fail" if i in failed else "pass", "note": ""} for i in MODEL_ITEMS}
    session.add(
        Inspection(
            inspection_id=inspection_id,
            uscc=USCC,
            program="model_unit",
            inspected_on=on,
            inspector="county_inspector",
            items=json.dumps(items, sort_keys=True),
            conclusion="fail" if failed else "pass",
            photos="",
            row_hash=0,
        )
    )
    session.flush()


def latest_assessment(session, app_id):
    return session.scalar(
        select(AssessmentRecord).where(AssessmentRecord.application_id == app_id).order_by(AssessmentRecord.id.desc())
    )


def test_an_application_in_review_that_still_passes_stays_at_its_stage_with_verified_points(
    registry_session, in_review
):
    s = registry_session
    inspect(s)
    app = reassess_with_inspection(s, in_review.id, INSPECTED, "account:county_inspector")
    assert (app.status, app.stage, app.score) == (ApplicationStatus.in_review, "county", 100.0)
    stored = latest_assessment(s, app.id)
    assert stored.as_of == INSPECTED and stored.evidence["inspection"]["inspection_id"] == "INS-2026-0708-1"
    basis = {o["id"]: o["basis"] for o in stored.result["outcomes"] if o["basis"] is not None}
    assert basis == {
        "mechanisms.advance_compensation": "verified",
        "mechanisms.first_inquiry_responsibility": "verified",
        "mechanisms.service_station": "declared",  # no checklist item verifies it
        "mechanisms.return_promise": "declared",
    }
    s.commit()  # audit entries join the chain when their transaction commits
    entry = s.scalar(
        select(AuditEntry).where(AuditEntry.action == "assessment.stored").order_by(AuditEntry.id.desc()).limit(1)
    )
    assert entry.actor == "account:county_inspector" and entry.detail["inspection"] == "INS-2026-0708-1"


def test_a_failed_mechanism_item_takes_its_points_and_the_application_stays_in_review_above_the_pass_mark(
    registry_session, in_review
):
    s = registry_session
    inspect(s, failed=("first_inquiry_rule",))
    app = reassess_with_inspection(s, in_review.id, INSPECTED, "system")
    assert (app.status, app.stage, app.score) == (
        ApplicationStatus.in_review,
        "county",
        96.0,
    )  # 20 points / 5 mechanisms
    first = next(
        o
        for o in latest_assessment(s, app.id).result["outcomes"]
        if o["id"] == "mechanisms.first_inquiry_responsibility"
    )
    assert (first["points"], first["basis"]) == (0.0, "failed_on_site")
    assert first["reason_zh"] == "承诺首问负责，但2026年7月8日现场验收“首问负责制度建立并落实”未通过，不得分"


def test_a_failed_veto_item_rejects_the_application_and_its_letter_cites_the_inspection(registry_session, in_review):
    s = registry_session
    inspect(s, failed=("price_marked",))
    app = reassess_with_inspection(s, in_review.id, INSPECTED, "system")
    assert app.status == ApplicationStatus.rejected and app.status_reason.startswith("ineligible: V8")
    letter, recipient = rejection_letter(s, app.id, get_settings())
    v8 = next(f for f in letter.findings if f.check_id == "V8")
    assert v8.reason_zh == "2026年7月8日现场验收未通过否决项：“商品和服务明码标价”"
    assert recipient == "shop@example.cn"
    path = letter_for(s, app.id, get_settings())  # as the application flow writes and queues it
    text = "".join(page.extract_text() for page in PdfReader(path).pages).replace("\n", "")
    assert "2026年7月8日现场验收未通过否决项：“商品和服务明码标价”" in text
    assert "现场验收否决项" in text  # the check's title, and its advice:
    assert "按现场验收意见整改" in text


def test_reassessing_without_an_inspection_or_outside_review_is_refused_naming_why(registry_session, in_review):
    s = registry_session
    with pytest.raises(WorkflowError, match=r"no completed model_unit inspection of .* on or before 2026-07-08"):
        reassess_with_inspection(s, in_review.id, INSPECTED, "system")
    inspect(s, on=dt.date(2026, 7, 9))  # after the day asked for: not counted
    with pytest.raises(WorkflowError, match="no completed model_unit inspection"):
        reassess_with_inspection(s, in_review.id, INSPECTED, "system")
    inspect(s, failed=("supplier_ledger",), inspection_id="INS-2")
    reassess_with_inspection(s, in_review.id, INSPECTED, "system")
    with pytest.raises(WorkflowError, match=r"is rejected; only an application in review is re-assessed"):
        reassess_with_inspection(s, in_review.id, INSPECTED, "system")
