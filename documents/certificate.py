"""The printed certificate: A4 landscape, one template per programme, reportlab.

`render` draws the page, hashes the page's content stream (the "rendered content"), lets the
caller build the signed twin from that digest, attaches the twin as an embedded file, adds the
PDF signature's field over the seal (`documents.pdf_objects`), saves, and certifies the
saved file with the authority's X.509 key (`certificates.pades.seal`: PAdES B-B, DocMDP "no
changes"), so the PDF signature covers every byte a reader renders, the twin included.
The attachment lives outside the page's content stream, so the digest does not depend on it.
Output is byte-identical for the same input: invariant document id, creation date from the data,
deterministic signatures.
`make_certificate` is the whole issue: lint (data and layout), reserve, render, sign, embed, certify.
"""

from __future__ import annotations

import dataclasses
import io
import math
from collections.abc import Callable
from functools import lru_cache

from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from certificates.data import CertificateData, LintError, LintProblem, lint_problems
from certificates.issue import ATTACHMENT_NAME, Issued, content_digest, sign_credential, twin_bytes
from certificates.keys import KeyRing
from certificates.pades import PdfSigner, seal
from certificates.status import StatusStore
from checks.calendar import zh_date
from checks.programmes import Programme
from documents.drawing import draw_seal
from documents.fonts import cjk_font, first_subset, seed, text_run
from documents.linebreak import line_ranges
from documents.pdf_objects import add_signature_field, embed_file
from documents.qr import qr_image_mask

PAGE_W, PAGE_H = 841.89, 595.28  # A4 landscape, points

CREAM = (1.0, 0.986, 0.945)
GOLD = (0.72, 0.56, 0.22)
INK = (0.12, 0.10, 0.09)
GREY = (0.38, 0.36, 0.34)
SEAL_RED = (0.86, 0.08, 0.08)
ACCENT = {Programme.MODEL_UNIT: (0.66, 0.08, 0.09), Programme.SEVEN_DAY_RETURN: (0.04, 0.29, 0.55)}

TITLE_SIZE, BAND_Y = 36, 448
NAME_SIZE, NAME_WIDTH, NAME_LINES, NAME_Y = 28, 620, 2, 386
BODY_SIZE, BODY_WIDTH, BODY_LINES, BODY_LEADING = 15, 640, 3, 27
FIELD_SIZE, FIELD_X, FIELD_WIDTH, FIELD_VALUE_DX, FIELD_LEADING, FIELDS_TOP = 11.5, 180, 440, 112, 20, 196
AUTHORITY_SIZE, AUTHORITY_WIDTH = 15, 250
QR_X, QR_Y, QR_SIZE = 66, 104, 100
SEAL_X, SEAL_Y, SEAL_R = 660, 140, 56
SEAL_FIELD_RECT = (SEAL_X - SEAL_R - 4, SEAL_Y - SEAL_R - 4, SEAL_X + SEAL_R + 4, SEAL_Y + SEAL_R + 4)
BOLD_STROKE = 0.6  # outline stroke of the heavier title and name

ZH_DIGITS = "〇一二三四五六七八九"


@lru_cache(maxsize=8192)
def wrap(text: str, size: float, width: float) -> tuple[str, ...]:
    """The lines of `text` at `size` within `width`, by the rules of `documents.linebreak`: no line
    starts with closing punctuation, and a date, a document number or a Latin run stays whole."""
    width_of = cjk_font().width
    ranges = line_ranges(text, [width_of(ch, size) for ch in text], lambda _: width)
    return tuple(line for a, b in ranges if (line := text[a:b].strip(" ")))


def zh_official_date(d) -> str:
    """二〇二六年七月一日, as written under an official seal."""

    def small(n: int) -> str:
        tens, ones = divmod(n, 10)
        return ("" if tens == 0 else ("十" if tens == 1 else ZH_DIGITS[tens] + "十")) + (
            ZH_DIGITS[ones] if ones or n == 0 else ""
        )

    return "".join(ZH_DIGITS[int(c)] for c in str(d.year)) + f"年{small(d.month)}月{small(d.day)}日"


def body_text(data: CertificateData) -> str:
    title = data.info.title_zh
    if data.programme == Programme.SEVEN_DAY_RETURN:
        return (
            f"\u3000\u3000经审核，该店（{data.store_name}）承诺线下购物{data.return_days}天无理由退货，"
            f"退货范围、条件和期限已在店内公示，达到示范店标准，特授予“{title}”称号。"
        )
    return f"\u3000\u3000经审核，该单位在诚信经营、消费维权和售后服务等方面达到放心消费创建标准，特授予“{title}”称号。"


def fixed_text(data: CertificateData) -> str:
    """The text every certificate of this programme and authority carries: its characters take
    the font's first subset (`documents.fonts.first_subset`), the same codes in every certificate."""
    labels = "".join(label for _, label, _ in field_lines(data))
    body = body_text(data).replace(data.store_name, "") if data.store_name else body_text(data)
    return (
        f"{data.info.title_zh}{body}{labels}：至扫码核验真伪{data.authority}证书专用章"
        f"{ZH_DIGITS}十年月日核验：扫描左侧二维码或访问本证书带有发证机关的电子签名；扫码或访问上述网址，"
        "即可查验真伪、当前状态与有效期。序列号"
    )


def field_lines(data: CertificateData) -> list[tuple[str, str, str]]:
    """(field, label, printed value) for the block beside the QR code."""
    rows = [("uscc", "统一社会信用代码", data.uscc)]
    if data.store_name:
        rows.append(("store_name", "门店名称", data.store_name))
    rows += [
        ("address", "经营地址", data.address),
        ("number", "证书编号", data.number_zh),
        ("valid_until", "有效期限", f"{zh_date(data.valid_from)}至{zh_date(data.valid_until)}"),
    ]
    return rows


@dataclasses.dataclass
class Layout:
    name: tuple[str, ...]
    body: tuple[str, ...]
    fields: list[tuple[str, str, str]]
    problems: list[LintProblem]


def layout(data: CertificateData) -> Layout:
    """Wrap every text into its box; each overflow is a lint problem naming the field."""
    font = cjk_font()
    problems = []
    name = wrap(data.business_name, NAME_SIZE, NAME_WIDTH)
    if len(name) > NAME_LINES:
        problems.append(
            LintProblem(
                "business_name",
                data.business_name,
                f"needs {len(name)} lines at {NAME_SIZE}pt, the box holds {NAME_LINES}",
            )
        )
    body = wrap(body_text(data), BODY_SIZE, BODY_WIDTH)
    if len(body) > BODY_LINES:
        problems.append(
            LintProblem("store_name", data.store_name, f"body text needs {len(body)} lines, the box holds {BODY_LINES}")
        )
    fields = field_lines(data)
    for field, label, value in fields:
        if FIELD_VALUE_DX + font.width(value, FIELD_SIZE) > FIELD_WIDTH:
            problems.append(
                LintProblem(field, value, f"{label} does not fit its {FIELD_WIDTH}pt line at {FIELD_SIZE}pt")
            )
    if font.width(data.authority, AUTHORITY_SIZE) > AUTHORITY_WIDTH:
        problems.append(
            LintProblem("authority", data.authority, f"does not fit {AUTHORITY_WIDTH}pt at {AUTHORITY_SIZE}pt")
        )
    return Layout(name, body, fields, problems)


def lint(data: CertificateData) -> None:
    """Every problem with the data and with its layout on the page, before anything is signed."""
    problems = lint_problems(data) + layout(data).problems
    if problems:
        raise LintError(problems)


@dataclasses.dataclass(frozen=True)
class RenderedPdf:
    pdf: bytes
    content_digest: str  # "sha256-<base64>" of the page content stream (SRI form)


def make_certificate(data: CertificateData, ring: KeyRing, store: StatusStore) -> Issued:
    """Lint, store number/serial/index before signing, then render, sign and certify. Same input, same bytes."""
    lint(data)
    pdf_signer = ring.pdf_signer()  # before anything is stored: no certificate without its PDF signature
    record = store.reserve(data.number, data.serial, data.valid_from, data.valid_until, data.issued_on)
    issued = render_signed(data, ring.issuer, ring.active, ring.signer(), record.status_index, pdf_signer)
    store.save_credential(data.number, issued.credential)
    return issued


def render_signed(
    data: CertificateData,
    issuer: str,
    key_id: str,
    private_key,
    status_index: int,
    pdf_signer: PdfSigner | None = None,
) -> Issued:
    """Render the page, sign the twin bound to its content, embed the twin, certify the PDF with
    `pdf_signer` (no lint, no store; without a PDF signer: the twin alone, as benchmarks compare)."""
    signed: list[dict] = []

    def attach(digest: str) -> bytes:
        signed.append(sign_credential(data, issuer, key_id, private_key, status_index, digest))
        return twin_bytes(signed[0])

    pdf = render(data, attach, pdf_signer).pdf
    return Issued(pdf, signed[0])


def render(
    data: CertificateData, attach: Callable[[str], bytes] | None = None, pdf_signer: PdfSigner | None = None
) -> RenderedPdf:
    """Draw the certificate. `attach(content_digest) -> bytes` makes the embedded twin; `pdf_signer`
    certifies the saved file (after the twin is embedded, so the signature covers it too)."""
    lay = layout(data)
    if lay.problems:
        raise LintError(lay.problems)
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=(PAGE_W, PAGE_H), invariant=1, pageCompression=1, pdfVersion=(1, 7))
    c.setTitle(f"{data.info.title_zh} {data.number_zh}")
    c.setAuthor(data.authority)
    c.setSubject(data.business_name)
    c.setCreator("assured")
    c.setKeywords(data.number)
    stamp = f"D:{data.issued_on:%Y%m%d}000000+08'00'"
    c._doc.info._dateFormatter = lambda *_: stamp  # creation date from the data, not the clock
    seed(c._doc, first_subset(fixed_text(data)))
    accent = ACCENT[data.programme]

    _frame(c, accent)
    _star(c, PAGE_W / 2, 532, 13, accent)
    _qr(c, data.verification_url)
    c.setLineWidth(BOLD_STROKE)
    w = Writer(c)  # every upright line of text in one text object
    _heading(w, data, accent)
    y = _business_name(w, lay.name)
    _body(w, lay.body, y - 40)
    _fields(w, lay.fields)
    w(QR_X + QR_SIZE / 2, QR_Y - 14, "扫码核验真伪", 9, "centre", GREY)
    _authority(w, data)
    _footer(w, data)
    w.close()
    draw_seal(c, SEAL_X, SEAL_Y, SEAL_R, data.authority, "证书专用章")
    c.showPage()

    stream = c._doc.Pages.pages[-1].stream.encode("latin-1")
    digest = content_digest(stream)
    if attach is not None:
        embed_file(c, ATTACHMENT_NAME, attach(digest), "application#2Fjson", "签名的机器可读证书 (W3C VC 2.0)")
    if pdf_signer is not None:
        reason = f"签发{data.info.title_zh}证书 {data.number_zh}"
        add_signature_field(c, pdf_signer, SEAL_FIELD_RECT, pdf_signer.signing_time(data.issued_on), reason)
    c.save()
    pdf = buf.getvalue()
    return RenderedPdf(seal(pdf, pdf_signer) if pdf_signer is not None else pdf, digest)


class Writer:
    """Sets mixed CJK/Latin lines inside one PDF text object (BT … ET): the CJK font lacks Latin
    letters and digits, which go to Helvetica run by run."""

    def __init__(self, c):
        self.c = c
        self.t = c.beginText()
        self.font = cjk_font()
        self.state = (None, 0, 0.0)  # fill colour, render mode, character spacing

    def __call__(
        self,
        x: float,
        y: float,
        s: str,
        size: float,
        align: str = "left",
        colour=INK,
        bold: bool = False,
        char_space: float = 0.0,
        font: str | None = None,
    ) -> None:
        """`s` at (x, y); `font`: the whole line in that font instead of the CJK face's runs."""
        if align != "left":
            w = (stringWidth(s, font, size) if font else self.font.width(s, size)) + char_space * (len(s) - 1)
            x -= w if align == "right" else w / 2
        t = self.t
        state = (colour, 2 if bold else 0, char_space)
        if state != self.state:
            if colour != self.state[0]:
                t.setFillColorRGB(*colour)
                t.setStrokeColorRGB(*colour)
            if state[1] != self.state[1]:
                t.setTextRenderMode(state[1])  # 2: fill and stroke, a heavier face from one font
            if char_space != self.state[2]:
                t.setCharSpace(char_space)
            self.state = state
        t.setTextOrigin(x, y)
        for name, run in ((font, s),) if font else self.font.runs(s):
            text_run(t, name, size, run)

    def close(self) -> None:
        if self.state[2]:
            self.t.setCharSpace(0)  # text state outlives ET
        self.c.drawText(self.t)


def _frame(c, accent) -> None:
    c.setFillColorRGB(*CREAM)
    c.rect(0, 0, PAGE_W, PAGE_H, stroke=0, fill=1)
    c.setStrokeColorRGB(*GOLD)
    c.setLineWidth(7)
    c.rect(20, 20, PAGE_W - 40, PAGE_H - 40, stroke=1, fill=0)
    c.setLineWidth(1.2)
    c.rect(31, 31, PAGE_W - 62, PAGE_H - 62, stroke=1, fill=0)
    c.setStrokeColorRGB(*accent)
    c.setLineWidth(0.6)
    c.rect(35, 35, PAGE_W - 70, PAGE_H - 70, stroke=1, fill=0)
    c.setFillColorRGB(*GOLD)
    for x, y in ((31, 31), (PAGE_W - 31, 31), (31, PAGE_H - 31), (PAGE_W - 31, PAGE_H - 31)):
        _diamond(c, x, y, 11)
    c.setStrokeColorRGB(*GOLD)
    c.setLineWidth(0.8)
    c.line(PAGE_W / 2 - 250, BAND_Y, PAGE_W / 2 - 12, BAND_Y)
    c.line(PAGE_W / 2 + 12, BAND_Y, PAGE_W / 2 + 250, BAND_Y)
    _diamond(c, PAGE_W / 2, BAND_Y, 5)


def _diamond(c, x, y, r) -> None:
    p = c.beginPath()
    p.moveTo(x, y - r)
    p.lineTo(x + r, y)
    p.lineTo(x, y + r)
    p.lineTo(x - r, y)
    p.close()
    c.drawPath(p, stroke=0, fill=1)


def _star(c, x, y, r, colour) -> None:
    c.setFillColorRGB(*colour)
    p = c.beginPath()
    for i in range(10):
        radius = r if i % 2 == 0 else r * 0.382
        a = math.pi / 2 + i * math.pi / 5
        (p.moveTo if i == 0 else p.lineTo)(x + radius * math.cos(a), y + radius * math.sin(a))
    p.close()
    c.drawPath(p, stroke=0, fill=1)


def _heading(w: Writer, data: CertificateData, accent) -> None:
    w(PAGE_W / 2, 478, data.info.title_zh, TITLE_SIZE, "centre", accent, bold=True, char_space=5)
    w(PAGE_W / 2, 459, f"CERTIFICATE · {data.info.title_en.upper()}", 9.5, "centre", GREY)


def _business_name(w: Writer, lines: tuple[str, ...]) -> float:
    y = NAME_Y if len(lines) == 1 else NAME_Y + 14
    for line in lines:
        w(PAGE_W / 2, y, line, NAME_SIZE, "centre", INK, bold=True)
        y -= NAME_SIZE + 8
    return y + NAME_SIZE + 8


def _body(w: Writer, lines: tuple[str, ...], y: float) -> None:
    x = (PAGE_W - BODY_WIDTH) / 2
    for line in lines:
        w(x, y, line, BODY_SIZE)
        y -= BODY_LEADING


def _fields(w: Writer, rows: list[tuple[str, str, str]]) -> None:
    y = FIELDS_TOP
    for _, label, value in rows:
        w(FIELD_X, y, f"{label}：", FIELD_SIZE, colour=GREY)
        w(FIELD_X + FIELD_VALUE_DX, y, value, FIELD_SIZE)
        y -= FIELD_LEADING


def _qr(c, url: str) -> None:
    n, mask = qr_image_mask(url)
    quiet = 2
    module = QR_SIZE / (n + 2 * quiet)
    c.setFillColorRGB(1, 1, 1)
    c.rect(QR_X, QR_Y, QR_SIZE, QR_SIZE, stroke=0, fill=1)
    c.setFillColorRGB(0, 0, 0)
    c.saveState()
    # the modules as one inline image mask, one sample per module, painted in the fill colour
    c.transform(n * module, 0, 0, n * module, QR_X + quiet * module, QR_Y + quiet * module)
    c.addLiteral(f"BI /IM true /W {n} /H {n} /BPC 1 /D [1 0] /F /AHx ID {mask}> EI")
    c.restoreState()


def _authority(w: Writer, data: CertificateData) -> None:
    w(SEAL_X, SEAL_Y + 6, data.authority, AUTHORITY_SIZE, "centre")
    w(SEAL_X, SEAL_Y - 20, zh_official_date(data.issued_on), 13, "centre")


def _footer(w: Writer, data: CertificateData) -> None:
    w(FIELD_X, 62, f"核验：扫描左侧二维码或访问 {data.verification_url}", 8, colour=GREY)
    w(
        FIELD_X,
        50,
        "本证书带有发证机关的电子签名；扫码或访问上述网址，即可查验真伪、当前状态与有效期。",
        8,
        colour=GREY,
    )
    w(PAGE_W - 50, 50, f"序列号 {data.serial}", 7, "right", GREY)
