"""The deployments: typed forms in the Prefect UI, served by one process (`assured serve`, local use)
or declared in `prefect.yaml` for a work pool (production). The two hold the same set.

Pydantic parameters with titles become the UI's forms; Literal and enum choices become drop-downs.
Review decisions are not deployments: a decision needs a signed-in account (the workbench, the JSON
API, or `assured review` after `assured login`).
"""

from __future__ import annotations

import datetime as dt

from prefect import flow, get_client, task
from prefect.cache_policies import NO_CACHE
from prefect.exceptions import ObjectNotFound
from pydantic import BaseModel, Field

from checks import calendar
from checks.programmes import Programme
from flows.application import application_flow
from flows.common import registry
from flows.deadlines import daily_deployment as deadlines_deployment
from flows.issuance import issue_flow
from flows.recheck import daily_deployment
from flows.reminders import daily_deployment as reminders_deployment
from flows.review import announce_flow
from flows.risk import weekly_deployment
from flows.screen import screen_flow
from registry.applications import online_row, submit_rows
from registry.db import begin_write
from registry.workflow_models import WorkflowError


class ApplicationForm(BaseModel):
    """An online application, as a business or a counter clerk enters it."""

    uscc: str = Field(title="Unified social credit code (统一社会信用代码)", min_length=18, max_length=18)
    program: Programme = Field(title="Programme")
    store_name: str | None = Field(None, title="Store name (default: registered name)")
    contact_email: str | None = Field(None, title="Contact e-mail (default: registered)")
    return_days: int | None = Field(None, title="Committed return period (days)", ge=0, le=3650)
    displayed: bool = Field(False, title="Return rules displayed in store")
    advance_compensation: bool = Field(False, title="Advance compensation (先行赔付)")
    first_inquiry_responsibility: bool = Field(False, title="First-inquiry responsibility (首问负责)")
    service_station: bool = Field(False, title="Complaint service station")
    returns_any_branch: bool = Field(False, title="Returns at any branch")
    refund_within_48h: bool = Field(False, title="Refund within 48 hours")


COMMITMENT_FLAGS = (
    "displayed",
    "advance_compensation",
    "first_inquiry_responsibility",
    "service_station",
    "returns_any_branch",
    "refund_within_48h",
)


@task(cache_policy=NO_CACHE)
def submit_form(form: ApplicationForm, on: dt.date) -> int:
    with begin_write(registry()) as session:
        row = online_row(
            session,
            form.uscc,
            form.program,
            form.store_name,
            form.contact_email,
            form.return_days,
            [f for f in COMMITMENT_FLAGS if getattr(form, f)],
            on,
        )
        report = submit_rows(session, [row], "online")
        if report.rejected:
            raise WorkflowError(report.rejected[0]["reason"])
        return report.accepted[0]


@flow(name="apply")
def apply_flow(form: ApplicationForm, as_of: dt.date | None = None) -> dict:
    """Submit one online application and assess it."""
    day = as_of or calendar.today()
    app_id = submit_form(form, day)
    return {"application_id": app_id, "status": application_flow([app_id], day)[app_id]}


def deployments() -> list:
    """Every deployment (`prefect.yaml` declares the same names for a work pool)."""
    # Later flows (the workbench's reminders, say) join here and in prefect.yaml, each with its schedule.
    return [
        apply_flow.to_deployment("apply", description="Submit and assess an online application"),
        announce_flow.to_deployment("announce", description="公示: publish approved applications"),
        issue_flow.to_deployment("issue", description="Issue and deliver certificates after the window"),
        screen_flow.to_deployment("screen", description="Screen a region under a programme's policy"),
        weekly_deployment(),
        daily_deployment(),
        deadlines_deployment(),
        reminders_deployment(),
    ]


def bound_to_pool(served: list) -> list[str]:
    """Of the deployments `served`, those the Prefect server holds bound to a work pool (made by
    `prefect deploy`): serving them from one process would take them over."""
    bound = []
    with get_client(sync_client=True) as client:
        for d in served:
            name = f"{d.flow_name}/{d.name}"
            try:
                existing = client.read_deployment_by_name(name)
            except ObjectNotFound:
                continue
            if existing.work_pool_name:
                bound.append(f"{name} (work pool {existing.work_pool_name})")
    return bound
