"""A production instance never prints a verification address the public cannot reach; a demo
prints its loopback address."""

from __future__ import annotations

import pytest

from certificates.data import private_address
from registry.settings import get_settings
from tests.flows.conftest import approve_all_stages

pytestmark = pytest.mark.usefixtures("prefect_harness")


@pytest.mark.parametrize(
    "url, refused",
    [
        ("http://127.0.0.1:8000/verify/X", True),
        ("http://localhost/verify/X", True),
        ("https://10.2.3.4/verify/X", True),
        ("https://192.168.1.10/verify/X", True),
        ("https://[::1]/verify/X", True),
        ("https://verify.shop.local/verify/X", True),
        ("https://fxxf.amr.hubei.gov.cn/verify/X", False),
        ("https://202.103.24.68/verify/X", False),
    ],
)
def test_which_addresses_the_public_cannot_reach(url, refused):
    assert (private_address(url) is not None) is refused


def test_a_production_instance_refuses_to_issue_with_a_loopback_verification_address(cli, in_review, monkeypatch):
    approve_all_stages(cli, in_review)
    assert cli("announce", "--program", "model_unit", "--on", "2026-07-01").code == 0
    assert cli("keys", "init").code == 0
    monkeypatch.setenv("ASSURED_PRODUCTION", "true")
    get_settings.cache_clear()
    [refused] = cli("issue", "--today", "2026-07-10", "--json").json()
    assert refused["number"] is None and refused["status"].startswith("not issued")
    assert "verification_url" in refused["status"] and "127.0.0.1" in refused["status"]
    monkeypatch.setenv("ASSURED_VERIFY_BASE_URL", "https://fxxf.amr.hubei.gov.cn")
    get_settings.cache_clear()
    [issued] = cli("issue", "--today", "2026-07-10", "--json").json()
    assert issued["number"].startswith("HB-FX-2026-")
