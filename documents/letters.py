"""Documents beside the certificate: the reasons letter to a rejected applicant, the
announcement (公示) list and the status notices. Plain data in, deterministic PDF bytes out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table

from certificates.status import CertificateState
from checks.programmes import title_zh
from documents.drawing import build, date_zh, paragraph, styles, table
from documents.fonts import cjk_font


@dataclass(frozen=True)
class Finding:
    check_id: str
    title_zh: str
    status: str  # veto | fail
    reason_zh: str
    remedy_zh: str


@dataclass(frozen=True)
class RejectionLetter:
    application_id: int
    business_name: str
    uscc: str
    program: str
    assessed_on: dt.date
    score: float
    pass_mark: float
    authority: str
    findings: tuple[Finding, ...]


@dataclass(frozen=True)
class AnnouncedEntry:
    application_id: int
    business_name: str
    uscc: str
    store_name: str
    region_code: str
    score: float


@dataclass(frozen=True)
class AnnouncementList:
    announcement_id: int
    program: str
    published_on: dt.date
    window_ends_on: dt.date
    authority: str
    entries: tuple[AnnouncedEntry, ...] = field(default_factory=tuple)
    contact: str = ""  # where written objections go: address, phone, e-mail (as configured)


def _paragraphs() -> Callable[..., Paragraph]:
    """p(text, style="cell"): a paragraph in the letters' stylesheet."""
    s = styles(
        10.5,
        16,
        title=dict(fontSize=18, leading=26, alignment=TA_CENTER),
        cell=dict(fontSize=9, leading=12),
        right=dict(alignment=2),
    )
    return lambda text, style="cell": paragraph(text, s[style])


def _table(rows: list[list], widths: list[float]) -> Table:
    return table(
        rows,
        widths,
        font=(cjk_font().name, 9),
        header=colors.HexColor("#f2dede"),
        grid=(0.4, colors.HexColor("#999999")),
    )


def render_rejection_letter(letter: RejectionLetter) -> bytes:
    """审核结果告知书: every failed check with the reason and what would fix it."""
    program = title_zh(letter.program)
    p = _paragraphs()
    rows = [[p("审核项目"), p("结果"), p("原因"), p("整改建议")]]
    for f in letter.findings:
        rows.append(
            [
                p(f.title_zh),  # the check's id stays in the JSON and the logs, not in the letter
                p("否决" if f.status == "veto" else "未达标"),
                p(f.reason_zh),
                p(f.remedy_zh),
            ]
        )
    story = [
        p(f"{program}申请审核结果告知书", "title"),
        Spacer(1, 6 * mm),
        p(f"{letter.business_name}（统一社会信用代码：{letter.uscc}）：", "body"),
        Spacer(1, 3 * mm),
        p(
            f"你单位提交的{program}申请（申请编号 {letter.application_id}）经审核，"
            f"截至 {date_zh(letter.assessed_on)} 的评分为 {letter.score:g} 分（合格线 {letter.pass_mark:g} 分），"
            f"未通过审核。具体情况及整改建议如下：",
            "body",
        ),
        Spacer(1, 4 * mm),
        _table(rows, [38 * mm, 16 * mm, 60 * mm, 60 * mm]),
        Spacer(1, 6 * mm),
        p("整改完成后可重新提交申请。如对审核结果有异议，可自收到本告知书之日起依法申请复核。", "body"),
        Spacer(1, 10 * mm),
        p(letter.authority, "right"),
        p(date_zh(letter.assessed_on), "right"),
    ]
    return build(story, f"{program}申请审核结果告知书 {letter.application_id}", A4)


def render_announcement(ann: AnnouncementList) -> bytes:
    """公示名单: approved applicants, personal data omitted, with the objection window."""
    program = title_zh(ann.program)
    p = _paragraphs()
    rows = [[p("序号"), p("申请编号"), p("单位名称"), p("统一社会信用代码"), p("门店名称"), p("行政区划"), p("评分")]]
    for i, e in enumerate(ann.entries, 1):
        rows.append(
            [
                p(str(i)),
                p(str(e.application_id)),
                p(e.business_name),
                p(e.uscc),
                p(e.store_name),
                p(e.region_code),
                p(f"{e.score:g}"),
            ]
        )
    story = [
        p(f"{program}拟认定名单公示", "title"),
        Spacer(1, 5 * mm),
        p(
            f"经申报、审核，现将{program}拟认定名单予以公示。公示期为 {date_zh(ann.published_on)} 至 "
            f"{date_zh(ann.window_ends_on)}。公示期间，对名单有异议的，请以书面形式向{ann.authority}提出，"
            f"写明异议对象、理由和联系方式（公示编号 {ann.announcement_id}）"
            + (f"。{ann.contact}。" if ann.contact else "。"),
            "body",
        ),
        Spacer(1, 4 * mm),
        _table(rows, [12 * mm, 20 * mm, 70 * mm, 44 * mm, 70 * mm, 20 * mm, 14 * mm]),
        Spacer(1, 8 * mm),
        p(ann.authority, "right"),
        p(date_zh(ann.published_on), "right"),
    ]
    return build(story, f"{program}拟认定名单公示 {ann.announcement_id}", landscape(A4))


@dataclass(frozen=True)
class StatusNotice:
    """A notice to a certified business that its certificate changed status (or expired)."""

    program: str
    business_name: str
    uscc: str
    number_zh: str
    to: CertificateState  # suspended | revoked | valid (reinstated) | expired
    on: dt.date
    reason_zh: str
    authority: str
    findings: tuple[Finding, ...] = ()


NOTICE_KINDS = {  # to -> (title, verb, closing)
    CertificateState.suspended: (
        "证书暂停通知书",
        "暂停",
        "暂停期间不得使用该称号及证书。相关事项消除后，可向发证机关申请恢复；"
        "如对本决定有异议，可自收到本通知之日起依法申请复核。",
    ),
    CertificateState.revoked: (
        "证书撤销决定书",
        "撤销",
        "证书撤销后予以公布，你单位不得继续使用该称号及证书。如不服本决定，可依法申请行政复议或者提起行政诉讼。",
    ),
    CertificateState.valid: ("证书恢复通知书", "恢复有效", "证书恢复有效后，你单位继续接受动态监管。"),
    CertificateState.expired: (
        "证书到期通知",
        "有效期届满",
        "如需继续保留该称号，请按规定重新提交申请，审核通过后换发新证书。",
    ),
}


def render_status_notice(notice: StatusNotice) -> bytes:
    """暂停通知书 / 撤销决定书 / 恢复通知书 / 到期通知: what changed, why, and what the business may do."""
    program = title_zh(notice.program)
    title, verb, closing = NOTICE_KINDS[notice.to]
    p = _paragraphs()
    story = [
        p(f"{program}{title}", "title"),
        Spacer(1, 6 * mm),
        p(f"{notice.business_name}（统一社会信用代码：{notice.uscc}）：", "body"),
        Spacer(1, 3 * mm),
        p(
            f"你单位持有的{program}证书（编号 {notice.number_zh}）自 {date_zh(notice.on)} 起{verb}。"
            f"原因：{notice.reason_zh}。",
            "body",
        ),
        Spacer(1, 4 * mm),
    ]
    if notice.findings:
        rows = [[p("事项"), p("情况"), p("整改建议")]]
        rows += [[p(f.title_zh), p(f.reason_zh), p(f.remedy_zh)] for f in notice.findings]  # ids stay in JSON
        story += [_table(rows, [40 * mm, 80 * mm, 54 * mm]), Spacer(1, 6 * mm)]
    story += [p(closing, "body"), Spacer(1, 10 * mm), p(notice.authority, "right"), p(date_zh(notice.on), "right")]
    return build(story, f"{program}{title} {notice.number_zh}", A4)
