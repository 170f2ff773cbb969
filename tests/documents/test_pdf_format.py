"""The remembered formatting (`documents.pdf_format`) and text runs (`documents.fonts.text_run`)
write exactly what reportlab writes on its own: documents rendered both ways are the same bytes,
and a page set through `text_run` — its first document and the ones that reuse what it
remembered — has the same content stream as one set with reportlab's `setFont` and `textOut`."""

from __future__ import annotations

import contextlib
import datetime as dt
import io

import pytest
from reportlab.pdfgen.canvas import Canvas

from checks.policy import load_policy
from documents import fonts, pdf_format
from documents.certificate import render_signed
from documents.commitment import render_commitment_letter
from documents.fonts import cjk_font, first_subset, seed, text_run
from documents.letters import render_status_notice
from tests.documents.test_status_notice import _notice

ON = dt.date(2026, 7, 1)


@contextlib.contextmanager
def reportlab_alone():
    """Render with reportlab's own formatting inside the block, the remembered one after it."""
    pdf_format.uninstall()
    try:
        yield
    finally:
        pdf_format.install()


def _documents(make_data, ring):
    data = make_data()
    paragraphs = load_policy("model_unit").value("commitment_letter.paragraphs", ON)
    return {
        "certificate": lambda: render_signed(data, ring.issuer, ring.active, ring.signer(), 7).pdf,
        "certified certificate": lambda: (
            render_signed(data, ring.issuer, ring.active, ring.signer(), 7, ring.pdf_signer()).pdf
        ),
        "notice of three pages": lambda: render_status_notice(_notice(45)),
        "commitment letter": lambda: render_commitment_letter(
            "model_unit", "武汉江岸第一商贸有限公司", "91420102MA4K00000X", paragraphs, "武汉市市场监督管理局", ON
        ),
    }


def test_documents_are_the_same_bytes_with_and_without_the_remembered_formatting(make_data, ring):
    assert pdf_format.installed()
    for name, render in _documents(make_data, ring).items():
        remembered = render()
        with reportlab_alone():
            assert not pdf_format.installed()
            alone = render()
        assert remembered == alone, name
        assert remembered == render(), name  # and again, from what the memos hold now


LINES = [
    ("放心消费承诺书", 18),
    ("CERTIFICATE · MODEL UNIT", 9.5),
    ("本单位武汉市江汉区长江百货有限公司（统一社会信用代码 91420102MA4K00000X）", 11.5),
    ("郑重承诺：诚信经营，明码标价。", 11.5),
]
FIXED = "放心消费承诺书郑重承诺：诚信经营，明码标价。"


def _page(draw_run, lines, fixed: str = FIXED) -> bytes:
    """One page whose lines are set run by run by `draw_run(text_object, font, size, run)`."""
    c = Canvas(io.BytesIO(), invariant=1)
    seed(c._doc, first_subset(fixed))
    t = c.beginText()
    y = 800.0
    for line, size in lines:
        t.setTextOrigin(50, y)
        for name, run in cjk_font().runs(line):
            draw_run(t, name, size, run)
        y -= 30
    c.drawText(t)
    c.showPage()
    return c._doc.Pages.pages[-1].stream.encode("latin-1")


def _reportlab_run(t, name, size, run) -> None:
    t.setFont(name, size)
    t.textOut(run)


def test_text_runs_are_set_as_reportlab_sets_them_first_time_and_from_memory():
    if not cjk_font().embedded:
        pytest.skip("no TrueType CJK font installed (fonts-droid-fallback): runs are not subset")
    fonts._runs.clear()
    expected = _page(_reportlab_run, LINES)
    assert _page(text_run, LINES) == expected
    remembered = len(fonts._runs)
    assert remembered > 0
    assert _page(text_run, LINES) == expected  # the second document takes them from memory
    assert len(fonts._runs) == remembered


def test_a_run_whose_codes_depend_on_what_came_before_it_is_not_taken_from_memory():
    """Characters outside the seed get their codes in order of use: a document that uses another
    such character first gives them other codes, and must not get the first document's."""
    if not cjk_font().embedded:
        pytest.skip("no TrueType CJK font installed (fonts-droid-fallback): runs are not subset")
    rare = [("放心", 12), ("鑫鑫鑫淼", 12)]  # the face has them; neither the seed nor COMMON_ZH does
    assert _page(text_run, rare, fixed="") == _page(_reportlab_run, rare, fixed="")  # unseeded
    assert _page(text_run, rare) == _page(_reportlab_run, rare)
    other_order = [rare[0], ("犇", 12), rare[1]]
    assert _page(text_run, other_order) == _page(_reportlab_run, other_order)


def test_a_latin_run_set_partly_in_a_substitute_font_registers_that_font_in_every_document():
    """Helvetica hands "→" to Symbol, which each document registers when it first uses it: the
    second document must not take the first one's operators without the font in its resources."""
    lines = [("放心", 12), ("a → b", 12)]

    def fonts_of(draw_run) -> dict:
        c = Canvas(io.BytesIO(), invariant=1)
        seed(c._doc, first_subset(FIXED))
        t = c.beginText()
        for line, size in lines:
            for name, run in cjk_font().runs(line):
                draw_run(t, name, size, run)
        c.drawText(t)
        return dict(c._doc.fontMapping)

    assert "Symbol" in fonts_of(_reportlab_run)
    assert fonts_of(text_run) == fonts_of(text_run) == fonts_of(_reportlab_run)


def test_the_memos_stay_bounded_however_many_different_documents_pass():
    """A web process renders a letter per business for months: unique subsets and strings must
    not pile up (a ToUnicode map is kilobytes)."""
    for i in range(pdf_format.CMAP_MEMO + 50):
        pdf_format.to_unicode_cmap("AAAAAB+Face", [0, 0x4E00 + i])
    assert len(pdf_format._cmaps) <= pdf_format.CMAP_MEMO
    for i in range(pdf_format.MEMO_SIZE + 10):
        pdf_format.pdf_format(f"s{i}", None)
    assert len(pdf_format._strings) <= pdf_format.MEMO_SIZE
    long = "x" * (pdf_format.MEMO_LENGTH + 1)
    pdf_format.pdfdoc_enc(long)
    assert long not in pdf_format._encoded
