"""The e-mails that go with delivered documents: subject and body, in Chinese, as plain strings."""

from __future__ import annotations

import datetime as dt

from certificates.data import CertificateData
from certificates.status import CertificateState
from checks.calendar import zh_date
from checks.programmes import STAGE_ZH, title_zh
from documents.letters import NOTICE_KINDS


def certificate_issued(data: CertificateData, authority: str) -> tuple[str, str]:
    """The cover e-mail of an issued certificate (the PDF and its twin attached)."""
    subject = f"{data.info.title_zh}证书 {data.number_zh}"
    body = (
        f"{data.business_name}：\n\n您单位已通过{data.info.title_zh}认定，证书编号 {data.number_zh}，"
        f"有效期 {zh_date(data.valid_from)}至{zh_date(data.valid_until)}。证书及其电子验证文件见附件；"
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
    before, after, kind, verb = NOTICE_KINDS[to]
    title = f"{before}{title_zh(program)}{after}{kind}"
    body = (
        f"{business_name}：\n\n你单位的证书（编号 {number_zh}）自 {zh_date(on)}起{verb}。"
        f"原因：{reason}。详见附件《{title}》。\n\n{authority}"
    )
    return f"{title} {number_zh}", body


def review_overdue(
    *,
    application_id: int,
    business: str,
    program: str,
    stage: str,
    due_on: dt.date,
    today: dt.date,
    holder: str | None,
    link: str,
    authority: str,
) -> tuple[str, str]:
    """The e-mail to a reviewer and the stage's supervisors when a review stage is overdue."""
    stage_zh = STAGE_ZH.get(stage, stage)
    who = f"由 {holder} 认领" if holder else "尚无人认领"
    subject = f"审核逾期提醒：申请 {application_id}（{stage_zh}审核）"
    body = (
        f"申请 {application_id}（{business}，{title_zh(program)}）的{stage_zh}审核"
        f"期限为 {zh_date(due_on)}，至 {zh_date(today)} 已逾期 {(today - due_on).days} 日，{who}。"
        f"\n\n请尽快办理：{link}\n\n{authority}"
    )
    return subject, body


def portal_code(code: str, minutes: float, authority: str) -> tuple[str, str]:
    """The message carrying a business's one-time sign-in code."""
    body = (
        f"您的企业服务登录验证码为 {code}，{minutes:g} 分钟内有效，仅可使用一次。"
        f"如非本单位操作，请忽略本消息，切勿将验证码告诉他人。\n\n{authority}"
    )
    return f"企业服务登录验证码 {code}", body


def renewal_reminder(
    *, program: str, business_name: str, number_zh: str, valid_until: dt.date, days: int, link: str, authority: str
) -> tuple[str, str]:
    """The reminder that a certificate ends in `days` days and may be renewed."""
    title = title_zh(program)
    body = (
        f"{business_name}：\n\n你单位的{title}证书（编号 {number_zh}）将于 {zh_date(valid_until)} 到期，"
        f"还有 {days} 天。证书到期前 90 日内可申请复审续期：请登录企业服务（{link}）在线提交申请。"
        f"到期未续期的，证书自动失效。\n\n{authority}"
    )
    return f"{title}证书续期提醒（{number_zh}）", body
