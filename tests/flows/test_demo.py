"""The main job: `assured demo` end to end on a small province, twice in a row."""

import pytest

from tests.conftest import BACKEND

pytestmark = [
    pytest.mark.usefixtures("prefect_harness"),
    pytest.mark.skipif(BACKEND != "sqlite", reason="the demo always runs on the embedded SQLite default"),
]


def test_the_demo_runs_end_to_end_twice_and_its_certificates_verify(cli, home):
    for _ in range(2):
        result = cli("demo", "--businesses", 1500, "--seed", 3, "--json")
        assert result.code == 0, result.err
        summary = result.json()
        assert summary["issued"] > 0 and summary["applications"].get("issued") == summary["issued"]
        assert summary["verified"] and all(v["valid"] and v["status"] == "valid" for v in summary["verified"])
        assert {a["program"] for a in summary["announcements"]} == {"model_unit", "seven_day_return"}
        assert summary["applications"].get("rejected", 0) > 0
        assert summary["recheck"]["certificates"] == summary["issued"]  # every certified business rechecked
        assert summary["disclosures"]["counts"]["red_list"] == summary["issued"]
    assert cli("audit", "verify").code == 0  # the demo's own registry (the demo points the settings at it)
