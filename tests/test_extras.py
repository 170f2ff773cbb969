"""A missing extra (`assured[postgres]`, `[dask]`, `[risk]`, `[oidc]`) is one line naming what to install, raised
where the optional module is first needed. `sys.modules[name] = None` makes importing `name` fail as
if it were not installed."""

from __future__ import annotations

import sys

import pytest

from checks.errors import AssuredError, Kind
from checks.extras import require
from checks.risk.text import segmenter
from checks.risk.topics import TopicModel
from flows.screen import dask_runner
from registry.settings import get_settings


def _missing(monkeypatch, *modules: str) -> None:
    for name in modules:
        monkeypatch.setitem(sys.modules, name, None)


def test_require_gives_the_module_when_it_is_installed():
    assert require("json", "none", "Nothing") is sys.modules["json"]


def test_a_missing_module_is_one_line_naming_the_extra(monkeypatch):
    _missing(monkeypatch, "jieba")
    with pytest.raises(AssuredError) as caught:
        require("jieba", "risk", "The risk scan")
    assert caught.value.kind is Kind.unavailable
    assert str(caught.value) == "The risk scan needs the 'risk' extra: pip install 'assured[risk]'"


def test_topics_without_scikit_learn_name_the_risk_extra(monkeypatch):
    _missing(monkeypatch, "sklearn")
    with pytest.raises(AssuredError, match=r"^The risk scan needs the 'risk' extra: pip install 'assured\[risk\]'$"):
        TopicModel([frozenset({"退款", "扣费"})] * 10)


def test_screening_on_dask_without_prefect_dask_names_the_dask_extra(monkeypatch):
    _missing(monkeypatch, "prefect_dask")
    with pytest.raises(
        AssuredError, match=r"^Screening on Dask needs the 'dask' extra: pip install 'assured\[dask\]'$"
    ):
        dask_runner(2, "tcp://127.0.0.1:1")


@pytest.mark.prefect
def test_the_risk_scan_without_jieba_exits_2_naming_the_risk_extra(cli, monkeypatch, prefect_harness):
    assert cli("init").code == 0
    _missing(monkeypatch, "jieba")
    segmenter.cache_clear()  # a tokenizer loaded by an earlier test would hide the missing module
    result = cli("risk-scan", "--as-of", "2026-06-30")
    assert result.code == 2
    assert result.err.splitlines()[-1] == "error: The risk scan needs the 'risk' extra: pip install 'assured[risk]'"


def test_a_postgresql_url_without_psycopg_exits_2_naming_the_postgres_extra(cli, monkeypatch):
    _missing(monkeypatch, "psycopg")
    monkeypatch.setenv("ASSURED_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    get_settings.cache_clear()
    result = cli("init")
    assert result.code == 2
    assert result.err == "error: PostgreSQL needs the 'postgres' extra: pip install 'assured[postgres]'\n"


def test_single_sign_on_without_authlib_answers_one_line_naming_the_oidc_extra(monkeypatch, home):
    import html

    from fastapi.testclient import TestClient

    from registry.settings import get_settings
    from web.app import create_app

    _missing(monkeypatch, "authlib", "authlib.integrations", "authlib.integrations.requests_client")
    monkeypatch.setenv("ASSURED_OIDC_ISSUER", "http://127.0.0.1:1")
    monkeypatch.setenv("ASSURED_OIDC_CLIENT_ID", "x")
    get_settings.cache_clear()
    s = get_settings()
    answer = TestClient(create_app(s.out_path / "certificates", s.keys_path)).get("/review/login/sso")
    assert answer.status_code == 503
    assert "single sign-on needs the 'oidc' extra: pip install 'assured[oidc]'" in html.unescape(answer.text)
