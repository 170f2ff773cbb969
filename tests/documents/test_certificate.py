"""The printed certificate: text extractable, CJK font embedded, deterministic, long names wrap."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from PIL import Image, ImageChops
from pypdf import PdfReader

from certificates.data import LintError
from documents import fonts
from documents.certificate import (
    NAME_SIZE,
    NAME_WIDTH,
    SEAL_FIELD_RECT,
    layout,
    lint,
    make_certificate,
    render_signed,
    wrap,
)
from documents.fonts import cjk_font


def text_of(pdf: bytes) -> str:
    return PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def test_the_pdf_parses_back_with_name_number_and_validity(make_data, ring, store):
    pdf = make_certificate(make_data(), ring, store).pdf
    text = text_of(pdf)
    assert "武汉市江汉区长江百货商贸有限公司" in text
    assert "鄂放心〔2026〕第420100-000123号" in text
    assert "2026年7月1日至2028年6月30日" in text
    assert "放心消费创建示范单位" in text
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert abs(float(page.mediabox.width) - 841.89) < 0.1 and abs(float(page.mediabox.height) - 595.28) < 0.1


def test_the_seven_day_return_template_prints_the_store_and_its_promise(make_data, ring, store):
    text = text_of(make_certificate(make_data(programme="seven_day_return"), ring, store).pdf)
    assert "七日无理由退货承诺示范店" in text and "长江百货解放大道店" in text and "15天无理由退货" in text
    assert "鄂七日〔2026〕第420100-000123号" in text


def font_files(pdf: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(pdf))
    found = []
    for font in reader.pages[0]["/Resources"]["/Font"].values():
        descriptor = font.get_object().get("/FontDescriptor")
        if descriptor is not None:
            found += [k for k in ("/FontFile", "/FontFile2", "/FontFile3") if k in descriptor.get_object()]
    return found


def test_the_cjk_font_is_embedded_as_a_truetype_subset(make_data, ring, store):
    if not cjk_font().embedded:
        pytest.skip("no TrueType CJK font installed (fonts-droid-fallback): the STSong-Light fallback is not embedded")
    assert "/FontFile2" in font_files(make_certificate(make_data(), ring, store).pdf)


def test_the_same_input_gives_identical_bytes(make_data, ring, store):
    data = make_data()
    assert make_certificate(data, ring, store).pdf == make_certificate(data, ring, store).pdf


def test_a_long_name_wraps_onto_two_lines_inside_its_box(make_data, ring, store):
    name = "湖北省武汉市江汉区长江沿岸百货日用品商贸连锁经营管理有限责任公司"
    lines = layout(make_data(business_name=name)).name
    assert len(lines) == 2 and "".join(lines) == name
    assert all(cjk_font().width(line, NAME_SIZE) <= NAME_WIDTH for line in lines)
    text = text_of(make_certificate(make_data(business_name=name), ring, store).pdf)
    assert lines[0] in text and lines[1] in text


def test_closing_punctuation_never_starts_a_line():
    lines = wrap("一二三四五六七八九十，一二三四五六七八九十。", 10, 100)
    assert len(lines) > 1 and not any(line[0] in "，。" for line in lines)


def test_latin_runs_stay_whole_when_wrapping():
    lines = wrap("地址 Jiefang Avenue 688 号", 10, 60)
    assert "Jiefang" in " ".join(lines).split()


def test_without_a_truetype_font_the_fallback_is_used_with_one_warning(make_data, ring, store, monkeypatch, caplog):
    with caplog.at_level("WARNING", logger="documents.fonts"):
        fallback = fonts._register(None)
    assert [r.levelname for r in caplog.records] == ["WARNING"] and "fonts-droid-fallback" in caplog.text
    monkeypatch.setattr(fonts, "_registered", fallback)
    pdf = make_certificate(make_data(), ring, store).pdf
    assert font_files(pdf) == []
    assert "武汉市江汉区长江百货商贸有限公司" in text_of(pdf)


def test_good_data_passes_lint_with_its_layout(make_data):
    lint(make_data(programme="seven_day_return"))


def test_a_name_too_long_for_two_lines_fails_lint_before_signing(make_data):
    with pytest.raises(LintError) as err:
        lint(make_data(business_name="湖北省武汉市江汉区长江沿岸百货日用品商贸连锁经营管理有限责任公司" * 2))
    assert [p.field for p in err.value.problems] == ["business_name"]


def test_the_pdf_is_certified_with_its_signature_field_over_the_drawn_seal(make_data, ring, store):
    reader = PdfReader(io.BytesIO(make_certificate(make_data(), ring, store).pdf))
    (widget,) = (a.get_object() for a in reader.pages[0]["/Annots"])
    assert (
        widget["/FT"] == "/Sig"
        and widget["/T"] == "Seal"
        and tuple(float(v) for v in widget["/Rect"]) == SEAL_FIELD_RECT
    )
    assert widget["/AP"]["/N"].get_object().get_data() == b""  # the reader shows the page's own seal
    assert reader.trailer["/Root"]["/Perms"]["/DocMDP"]["/Reference"][0]["/TransformParams"]["/P"] == 1


@pytest.mark.skipif(
    shutil.which("pdftoppm") is None, reason="pdftoppm is not installed (apt-get install poppler-utils)"
)
def test_certifying_changes_nothing_a_reader_sees(make_data, ring, tmp_path):
    data = make_data()
    twin_only = render_signed(data, ring.issuer, ring.active, ring.signer(), 7)
    certified = render_signed(data, ring.issuer, ring.active, ring.signer(), 7, ring.pdf_signer())
    images = []
    for name, issued in (("twin", twin_only), ("certified", certified)):
        (tmp_path / f"{name}.pdf").write_bytes(issued.pdf)
        subprocess.run(["pdftoppm", "-png", "-r", "50", tmp_path / f"{name}.pdf", tmp_path / name], check=True)
        images.append(Image.open(tmp_path / f"{name}-1.png").convert("RGB"))
    assert ImageChops.difference(*images).getbbox() is None
    assert twin_only.credential == certified.credential  # the twin is signed and embedded before the PDF is


@pytest.mark.skipif(
    shutil.which("pdftoppm") is None, reason="pdftoppm is not installed (apt-get install poppler-utils)"
)
def test_the_printed_qr_code_is_the_verification_urls_matrix_module_by_module(make_data, ring, tmp_path):
    """The page's QR code (one inline image mask) read back from pixels: each module's centre
    is dark exactly where the encoder's matrix for the verification URL has a dark module, with
    the finder patterns at the top left, top right and bottom left, and a white quiet zone."""
    from documents.certificate import PAGE_H, QR_SIZE, QR_X, QR_Y
    from documents.qr import qr_matrix

    data = make_data()
    (tmp_path / "c.pdf").write_bytes(render_signed(data, ring.issuer, ring.active, ring.signer(), 7).pdf)
    dpi = 300
    subprocess.run(["pdftoppm", "-png", "-gray", "-r", str(dpi), tmp_path / "c.pdf", tmp_path / "c"], check=True)
    page = Image.open(tmp_path / "c-1.png").convert("L")
    matrix = qr_matrix(data.verification_url)
    n, quiet = len(matrix), 2
    module = QR_SIZE / (n + 2 * quiet)
    scale = dpi / 72

    def dark(row: int, col: int) -> int:  # row 0 at the top of the code, -1 and n in the quiet zone
        x = QR_X + (quiet + col + 0.5) * module
        y = PAGE_H - (QR_Y + QR_SIZE - (quiet + row + 0.5) * module)
        return int(page.getpixel((round(x * scale), round(y * scale))) < 128)

    assert [[dark(r, c) for c in range(n)] for r in range(n)] == matrix
    assert matrix[0][:7] == matrix[0][-7:] == matrix[-1][:7] == [1] * 7  # finder patterns where they belong
    assert not any(dark(r, c) for r, c in [(-1, 0), (0, -1), (n, n - 1), (n - 1, n)])
