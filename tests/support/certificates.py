"""Certificate fixtures shared by tests/certificates and tests/documents: a key ring, a status store and
certificate data, all under tmp_path."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from certificates import keys
from certificates.data import CertificateData, new_serial
from certificates.status import FileStatusStore
from checks.uscc import make_uscc
from registry.account_admin import add_account
from registry.db import begin_write, open_registry
from registry.models import Registration
from registry.settings import get_settings
from registry.workflow_models import Account, Application

SITE = "http://127.0.0.1:8000"
ISSUER = f"{SITE}/issuer"


@pytest.fixture
def ring(tmp_path):
    return keys.init(tmp_path / "keys", ISSUER)


@pytest.fixture
def store(tmp_path):
    return FileStatusStore(tmp_path / "certificates")


@pytest.fixture
def make_data():
    def make(seq: int = 123, programme: str = "model_unit", **overrides) -> CertificateData:
        marker = "FX" if programme == "model_unit" else "QR"
        number = f"HB-{marker}-2026-420100-{seq:06d}"
        fields = dict(
            programme=programme,
            number=number,
            serial=new_serial(),
            business_name="武汉市江汉区长江百货商贸有限公司",
            uscc=make_uscc("420103", "MA4KXX12"),
            address="湖北省武汉市江汉区解放大道688号",
            authority="湖北省市场监督管理局",
            issued_on=date(2026, 7, 1),
            valid_from=date(2026, 7, 1),
            valid_until=date(2028, 6, 30),
            verification_url=f"{SITE}/verify/{number}",
        )
        if programme == "seven_day_return":
            fields.update(store_name="长江百货解放大道店", return_days=15)
        fields.update(overrides)
        return CertificateData(**fields)

    return make


def ready_for_manual_issuance(
    uscc: str, name: str, programme: str = "model_unit", status: str = "approved", region: str = "420103"
) -> None:
    """What `assured certificate make` needs: the business registered under `name`, an application of
    `programme` in `status`, and an admin account `admin` (sign in with `--as admin`)."""
    settings = get_settings()
    with begin_write(open_registry(settings.db_url)) as session:
        if session.get(Registration, uscc) is None:
            session.add(
                Registration(
                    uscc=uscc,
                    name=name,
                    entity_type="enterprise",
                    status="active",
                    established_on=date(2015, 3, 1),
                    region_code=region,
                    industry_code="F5211",
                    address="湖北省武汉市江汉区解放大道688号",
                    legal_representative="张三",
                    contact_email="shop@example.cn",
                    row_hash=0,
                )
            )
        session.add(
            Application(
                uscc=uscc,
                program=programme,
                channel="online",
                submitted_on=date(2026, 6, 1),
                store_name=name,
                contact_email="shop@example.cn",
                commitments={},
                status=status,
            )
        )
        if session.scalar(select(Account).where(Account.username == "admin")) is None:
            add_account(session, "admin", role="admin", stage=None, region_prefix="42", settings=settings)
