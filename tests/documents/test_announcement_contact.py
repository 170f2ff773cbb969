"""An announcement tells the public where a written objection goes."""

from __future__ import annotations

import datetime as dt
import io

from pypdf import PdfReader

from documents.letters import AnnouncementList, render_announcement
from registry.settings import Settings


def _text(contact: str) -> str:
    ann = AnnouncementList(
        3, "model_unit", dt.date(2026, 7, 1), dt.date(2026, 7, 8), "武汉市市场监督管理局", (), contact
    )
    return " ".join("".join(p.extract_text() for p in PdfReader(io.BytesIO(render_announcement(ann))).pages).split())


def test_the_objection_goes_to_the_authority_at_its_configured_address_phone_and_email():
    settings = Settings(
        authority_address="武汉市江岸区沿江大道188号",
        authority_phone="027-12315000",
        authority_email="gs@amr.example.cn",
    )
    assert settings.objection_contact == (
        "联系方式：地址：武汉市江岸区沿江大道188号；电话：027-12315000；电子邮箱：gs@amr.example.cn"
    )
    text = _text(settings.objection_contact).replace(" ", "")
    assert "以书面形式向武汉市市场监督管理局提出" in text
    assert "武汉市江岸区沿江大道188号" in text and "027-12315000" in text and "gs@amr.example.cn" in text


def test_without_a_configured_contact_the_announcement_still_names_the_authority():
    assert Settings().objection_contact == ""
    text = _text("").replace(" ", "")
    assert "以书面形式向武汉市市场监督管理局提出" in text and "联系方式：" not in text and "电话" not in text
