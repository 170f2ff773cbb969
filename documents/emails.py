"""The e-mails that go with delivered documents: subject and body, in Chinese, as plain strings."""

from __future__ import annotations

import datetime as dt

from certificates.data import CertificateData
from certificates.status import CertificateState
from checks.programmes import title_zh
from documents.letters import NOTICE_KINDS


def certificate_issued(data: CertificateData, authority: str) -> tuple[str, str]:
    """The cover e-mail of an issued certificate (the PDF and its twin attached)."""
    subject = f"{data.info.title_zh}证书 {data.number_zh}"
    body = (
        f"{data.business_name}：\n\n您单位已通过{data.info.title_zh}认定，证书编号 {data.number_zh}，"
        f"有效期 {data.valid_from} 至 {data.valid_until}。证书及其电子验证文件见附件；"
        f"扫描证书二维码或访问 {data.verification_url} 可核验真伪。\n\n{authority}"
    )
    return subject, body


def rejection_letter(business_name: str, application_id: int, authority: str) -> tuple[str, str]:
    """The cover e-mail of a reasons letter."""
    body = (
        f"{business_name}：\n\n您单位的申请（编号 {application_id}）未通过审核，"
        f"原因及整改建议见附件《申请审核结果告知书》。\n\n{authority}"
    )
    return "申请审核结果告知书", body


def status_notice(
    program: str, business_name: str, number_zh: str, to: CertificateState, on: dt.date, reason: str, authority: str
) -> tuple[str, str]:
    """The cover e-mail of the notice of a certificate's status change (or expiry)."""
    title = f"{title_zh(program)}{NOTICE_KINDS[to][0]}"
    body = (
        f"{business_name}：\n\n你单位的证书（编号 {number_zh}）自 {on.isoformat()} 起{NOTICE_KINDS[to][1]}。"
        f"原因：{reason}。详见附件《{title}》。\n\n{authority}"
    )
    return f"{title} {number_zh}", body
