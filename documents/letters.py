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
from checks.calendar import zh_date
from checks.programmes import title_zh
from documents.codes import region_name
from documents.drawing import build, paragraph, styles, table
from documents.fonts import cjk_font
from documents.official import Official, closing, draw_closing, draw_heading, heading, official_title
from documents.sheet import Sheet


@dataclass(frozen=True)
class Finding:
    check_id: str
    title_zh: str
    status: str  # veto | fail | note (scored below full marks for what the business cannot change)
    reason_zh: str
    remedy_zh: str


VERDICT = {"veto": "否决", "fail": "未达标", "note": "未满分"}


@dataclass(frozen=True)
class Redress:
    """Where and by when the recipient may contest a decision: 复核 by `body_zh` within
    `working_days` of receipt (policy lifecycle.reconsideration.*); against a revocation,
    行政复议 within `review_days` and 行政诉讼 within `litigation_months` (their statutes)."""

    body_zh: str
    working_days: int
    review_days: int
    litigation_months: int

    def reconsideration(self, matter: str, document: str) -> str:
        return (
            f"如对{matter}有异议，可自收到本{document}之日起 {self.working_days} 个工作日内"
            f"向{self.body_zh}书面申请复核。"
        )

    def appeal(self, document: str) -> str:
        return (
            f"如不服本决定，可自收到本{document}之日起 {self.review_days} 日内依法申请行政复议，"
            f"或者 {self.litigation_months} 个月内依法向人民法院提起行政诉讼。"
        )


@dataclass(frozen=True)
class RejectionLetter:
    application_id: int
    business_name: str
    uscc: str
    program: str
    assessed_on: dt.date
    score: float
    pass_mark: float
    findings: tuple[Finding, ...]
    form: Official  # the issuing authority, the document number, the date and the contact
    redress: Redress


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


TABLE_HEADER = colors.HexColor("#f2dede")
TABLE_GRID = (0.4, colors.HexColor("#999999"))


def _table(rows: list[list], widths: list[float]) -> Table:
    return table(rows, widths, font=(cjk_font().name, 9), header=TABLE_HEADER, grid=TABLE_GRID)


def render_rejection_letter(letter: RejectionLetter) -> bytes:
    """审核结果告知书: every failed check with the reason and what would fix it."""
    program = title_zh(letter.program)
    p = _paragraphs()
    rows = [[p("审核项目"), p("结果"), p("原因"), p("整改建议")]]
    for f in letter.findings:
        rows.append(
            [
                p(f.title_zh),  # the check's id stays in the JSON and the logs, not in the letter
                p(VERDICT[f.status]),
                p(f.reason_zh),
                p(f.remedy_zh),
            ]
        )
    title = official_title(letter.form.authority, f"{program}申请审核结果", "告知书")
    story = [
        *heading(letter.form, title),
        p(f"{letter.business_name}（统一社会信用代码：{letter.uscc}）：", "body"),
        Spacer(1, 3 * mm),
        p(
            f"你单位提交的{program}申请（申请编号 {letter.application_id}）经审核，"
            f"截至 {zh_date(letter.assessed_on)} 的评分为 {letter.score:g} 分（合格线 {letter.pass_mark:g} 分），"
            f"未通过审核。具体情况及整改建议如下：",
            "body",
        ),
        Spacer(1, 4 * mm),
        _table(rows, [38 * mm, 16 * mm, 60 * mm, 60 * mm]),
        Spacer(1, 6 * mm),
        p("整改完成后可重新提交申请。" + letter.redress.reconsideration("审核结果", "告知书"), "body"),
        closing(letter.form),
    ]
    return build(story, f"{title} {letter.form.number}", A4)


def render_announcement(ann: AnnouncementList) -> bytes:
    """公示名单: approved applicants, personal data omitted, with the objection window."""
    program = title_zh(ann.program)
    p = _paragraphs()
    # a store-name column only when some store's name differs from its business's ("—" where equal)
    stores = any(e.store_name and e.store_name != e.business_name for e in ann.entries)
    header = ["序号", "申请编号", "单位名称", "统一社会信用代码", *(["门店名称"] if stores else []), "行政区划", "评分"]
    rows = [[p(h) for h in header]]
    for i, e in enumerate(ann.entries, 1):
        store = [p(e.store_name if e.store_name and e.store_name != e.business_name else "—")] if stores else []
        rows.append(
            [
                p(str(i)),
                p(str(e.application_id)),
                p(e.business_name),
                p(e.uscc),
                *store,
                p(region_name(e.region_code)),
                p(f"{e.score:g}"),
            ]
        )
    widths = [
        12 * mm,
        20 * mm,
        62 * mm if stores else 110 * mm,
        44 * mm,
        *([56 * mm] if stores else []),
        42 * mm,
        14 * mm,
    ]
    form = Official(ann.authority, "", ann.published_on)
    title = official_title(ann.authority, f"{program}拟认定名单", "公示")
    story = [
        *heading(form, title, landscape(A4)[0] - 36 * mm),
        p(
            f"经申报、审核，现将{program}拟认定名单予以公示。公示期为 {zh_date(ann.published_on)} 至 "
            f"{zh_date(ann.window_ends_on)}。公示期间，对名单有异议的，请以书面形式向{ann.authority}提出，"
            f"写明异议对象、理由和联系方式（公示编号 {ann.announcement_id}）"
            + (f"。{ann.contact}。" if ann.contact else "。"),
            "body",
        ),
        Spacer(1, 4 * mm),
        _table(rows, widths),
        closing(form),
    ]
    return build(story, f"{title} {ann.announcement_id}", landscape(A4))


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
    form: Official
    redress: Redress
    findings: tuple[Finding, ...] = ()


NOTICE_KINDS = {  # to -> (subject before the programme's title, subject after it, kind, verb)
    CertificateState.suspended: ("暂停", "证书", "通知书", "暂停"),
    CertificateState.revoked: ("撤销", "证书", "决定书", "撤销"),
    CertificateState.valid: ("恢复", "证书效力", "通知书", "恢复有效"),
    CertificateState.expired: ("", "证书有效期届满", "通知", "有效期届满"),
}


def _closing_text(to: CertificateState, redress: Redress) -> str:
    if to is CertificateState.suspended:
        return "暂停期间不得使用该称号及证书。相关事项消除后，可向发证机关申请恢复。" + redress.reconsideration(
            "本决定", "通知书"
        )
    if to is CertificateState.revoked:
        return "证书撤销后予以公布，你单位不得继续使用该称号及证书。" + redress.appeal("决定书")
    if to is CertificateState.valid:
        return "证书恢复有效后，你单位继续接受动态监管。"
    return "如需继续保留该称号，请按规定重新提交申请，审核通过后换发新证书。"


def render_status_notice(notice: StatusNotice) -> bytes:
    """暂停通知书 / 撤销决定书 / 恢复通知书 / 到期通知: what changed, why, and what the business may do.
    Drawn on a `Sheet` (one is sent per status change, thousands in a recheck), laid out as the
    platypus letters are."""
    program = title_zh(notice.program)
    before, after, kind, verb = NOTICE_KINDS[notice.to]
    title = official_title(notice.form.authority, f"{before}{program}{after}", kind)
    closing_text = _closing_text(notice.to, notice.redress)
    fixed = (
        f"{title}（统一社会信用代码：）：你单位持有的证书（编号）自年月日起{verb}。原因：事项情况整改建议{closing_text}"
    )
    # the document number's digits differ from notice to notice: left out, the first subset is the same in all
    number_text = "".join(ch for ch in notice.form.number if not ch.isdigit())
    sheet = Sheet(f"{title} {notice.form.number}", fixed + f"{number_text}（{notice.form.contact}）第页共")
    draw_heading(sheet, notice.form, title)
    sheet.text(f"{notice.business_name}（统一社会信用代码：{notice.uscc}）：", 10.5, 16)
    sheet.space(3 * mm)
    sheet.text(
        f"你单位持有的{program}证书（编号 {notice.number_zh}）自 {zh_date(notice.on)} 起{verb}。"
        f"原因：{notice.reason_zh}。",
        10.5,
        16,
    )
    sheet.space(4 * mm)
    if notice.findings:
        rows = [["事项", "情况", "整改建议"]]
        rows += [[f.title_zh, f.reason_zh, f.remedy_zh] for f in notice.findings]  # ids stay in JSON
        sheet.table(rows, [40 * mm, 80 * mm, 54 * mm], 9, 12, TABLE_HEADER, TABLE_GRID)
        sheet.space(6 * mm)
    sheet.text(closing_text, 10.5, 16)
    draw_closing(sheet, notice.form)
    return sheet.pdf()
