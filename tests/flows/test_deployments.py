"""`prefect.yaml` (work pools, production) and `flows/deployments.py` (`assured serve`, local use)
declare the same deployments, entrypoints and schedules; none takes a reviewer's decision."""

from __future__ import annotations

from pathlib import Path

import yaml

from flows.deployments import deployments

ROOT = Path(__file__).resolve().parents[2]


def test_prefect_yaml_and_assured_serve_hold_the_same_deployments():
    declared = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))["deployments"]
    in_yaml = {
        d["name"]: (d["entrypoint"].split(":")[1], [(s["cron"], s["timezone"]) for s in d.get("schedules", [])])
        for d in declared
    }
    served = {
        d.name: (d.entrypoint.split(":")[1], [(s.schedule.cron, s.schedule.timezone) for s in d.schedules])
        for d in deployments()
    }
    assert in_yaml == served
    assert {
        "apply",
        "announce",
        "issue",
        "screen",
        "recheck-daily",
        "risk-scan-weekly",
        "deadlines-daily",
        "reminders-daily",
    } == set(served)
    assert all(d["work_pool"]["name"] == "assured" for d in declared)


def test_the_pull_step_names_the_workers_checkout_not_the_deploying_machines():
    config = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    assert config["pull"] == [{"prefect.deployments.steps.set_working_directory": {"directory": "{{ $ASSURED_REPO }}"}}]
