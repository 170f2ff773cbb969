"""Forged copies of a genuine certificate PDF, made as a forger would with pypdf: most as an incremental
update (the genuine bytes left whole, so the old signature still holds for its revision), some by
rewriting the file. Each returns the forged PDF's bytes."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

FORGED_NAME = "湖北省诚信百货有限公司"  # every glyph of it is in the certificate's font subsets


def incremental(pdf: bytes, change: Callable[[PdfWriter], None]) -> bytes:
    writer = PdfWriter(io.BytesIO(pdf), incremental=True)
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    forged = out.getvalue()
    assert forged.startswith(pdf) and len(forged) > len(pdf)  # an update appended, the signed bytes untouched
    return forged


def rewritten(pdf: bytes, change: Callable[[PdfWriter], None]) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _name(n: str) -> NameObject:
    return NameObject(n)


def _numbers(*values: float) -> ArrayObject:
    return ArrayObject([FloatObject(v) for v in values])


def _stream(writer: PdfWriter, data: bytes, **entries) -> IndirectObject:
    stream = DecodedStreamObject()
    stream.set_data(data)
    for key, value in entries.items():
        stream[_name("/" + key)] = value
    return writer._add_object(stream)


def _form(writer: PdfWriter, data: bytes, width: float, height: float, fonts: bool = True) -> IndirectObject:
    extra = {"Resources": helvetica()} if fonts else {}
    return _stream(
        writer, data, Type=_name("/XObject"), Subtype=_name("/Form"), BBox=_numbers(0, 0, width, height), **extra
    )


def helvetica() -> DictionaryObject:
    font = {"/Type": "/Font", "/Subtype": "/Type1", "/BaseFont": "/Helvetica-Bold"}
    return DictionaryObject(
        {
            _name("/Font"): DictionaryObject(
                {_name("/Hv"): DictionaryObject({_name(k): _name(v) for k, v in font.items()})}
            )
        }
    )


def glyph_codes(pdf: bytes) -> dict[str, tuple[str, bytes]]:
    """Character -> (font resource, code) from the ToUnicode maps of the page's embedded fonts."""
    found: dict[str, tuple[str, bytes]] = {}
    for name, font in PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]["/Font"].items():
        font = font.get_object()
        if "/ToUnicode" not in font:
            continue
        cmap = font["/ToUnicode"].get_object().get_data().decode("latin-1")
        for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S):
            for code, text in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                found[bytes.fromhex(text).decode("utf-16-be")] = (name, bytes.fromhex(code))
        for block in re.findall(r"beginbfrange(.*?)endbfrange", cmap, re.S):
            for low, high, text in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                for code in range(int(low, 16), int(high, 16) + 1):
                    found[chr(int(text, 16) + code - int(low, 16))] = (name, bytes([code]))
    return found


def _name_over(pdf: bytes, name: str) -> bytes:
    """Content drawing a cream box over the printed business name and another name in its place,
    each character in the subset font that has it."""
    codes = glyph_codes(pdf)
    shown = b" ".join(codes[c][0].encode() + b" 28 Tf <" + codes[c][1].hex().encode() + b"> Tj" for c in name)
    return b"q 1 .986 .945 rg 90 372 662 52 re f Q BT 1 0 0 1 266 386 Tm .12 .1 .09 rg " + shown + b" ET"


def _append_content(writer: PdfWriter, data: bytes) -> None:
    page = writer.pages[0]
    page[_name("/Contents")] = ArrayObject([page.raw_get("/Contents"), _stream(writer, data)])


def name_drawn_over(pdf: bytes) -> bytes:
    """Another business name drawn over the genuine one: a content stream appended to the page."""
    return incremental(pdf, lambda w: _append_content(w, _name_over(pdf, FORGED_NAME)))


def name_drawn_over_rewritten(pdf: bytes) -> bytes:
    """The same, saved as a new file (the page's first content stream left as it was)."""
    return rewritten(pdf, lambda w: _append_content(w, _name_over(pdf, FORGED_NAME)))


def _annotation(writer: PdfWriter) -> None:
    text = b"VALID UNTIL 2030-12-31"
    appearance = _form(
        writer,
        b"1 1 .6 rg 0 0 260 30 re f 1 0 0 RG 2 w 1 1 258 28 re S BT /Hv 14 Tf .8 0 0 rg 10 10 Td (" + text + b") Tj ET",
        260,
        30,
    )
    annotation = DictionaryObject(
        {
            _name("/Type"): _name("/Annot"),
            _name("/Subtype"): _name("/FreeText"),
            _name("/Rect"): _numbers(420, 228, 680, 258),
            _name("/Contents"): TextStringObject(text.decode()),
            _name("/DA"): TextStringObject("/Helv 14 Tf 1 0 0 rg"),
            _name("/F"): NumberObject(4),
            _name("/AP"): DictionaryObject({_name("/N"): appearance}),
        }
    )
    writer.pages[0]["/Annots"].get_object().append(writer._add_object(annotation))


def annotation_added(pdf: bytes) -> bytes:
    """A text box "VALID UNTIL 2030-12-31" over the page."""
    return incremental(pdf, _annotation)


def annotation_added_rewritten(pdf: bytes) -> bytes:
    return rewritten(pdf, _annotation)


def form_field_added(pdf: bytes) -> bytes:
    """A filled-in text field printing a later validity under the genuine one."""

    def change(writer: PdfWriter) -> None:
        appearance = _form(writer, b"/Tx BMC BT /Hv 12 Tf .8 0 0 rg 2 6 Td (2030-12-31) Tj ET EMC", 120, 20)
        field = writer._add_object(
            DictionaryObject(
                {
                    _name("/Type"): _name("/Annot"),
                    _name("/Subtype"): _name("/Widget"),
                    _name("/FT"): _name("/Tx"),
                    _name("/T"): TextStringObject("valid_until"),
                    _name("/V"): TextStringObject("2030-12-31"),
                    _name("/Rect"): _numbers(420, 94, 540, 114),
                    _name("/F"): NumberObject(4),
                    _name("/DA"): TextStringObject("/Hv 12 Tf 0 g"),
                    _name("/AP"): DictionaryObject({_name("/N"): appearance}),
                }
            )
        )
        writer.pages[0]["/Annots"].get_object().append(field)
        writer._root_object["/AcroForm"].get_object()["/Fields"].append(field)

    return incremental(pdf, change)


def page_added(pdf: bytes) -> bytes:
    """A second page: an "annex" extending the validity."""

    def change(writer: PdfWriter) -> None:
        page = writer.add_blank_page(841.89, 595.28)
        page[_name("/Contents")] = _stream(
            writer, b"BT /Hv 28 Tf 80 400 Td (ANNEX: validity extended to 2030-12-31) Tj ET"
        )
        page[_name("/Resources")] = helvetica()

    return incremental(pdf, change)


def font_replaced(pdf: bytes) -> bytes:
    """The font of every Latin run (the USCC, the dates' digits, the serial) replaced: same codes, other glyphs."""

    def change(writer: PdfWriter) -> None:
        font = writer.pages[0]["/Resources"]["/Font"]["/F1"].get_object()
        font[_name("/BaseFont")] = _name("/Courier-Oblique")

    return incremental(pdf, change)


def seal_appearance_replaced(pdf: bytes) -> bytes:
    """The signature field's appearance (a form XObject) replaced: it now hides the drawn seal under another."""

    def change(writer: PdfWriter) -> None:
        ring = b"1 .986 .945 rg 0 0 120 120 re f 0 .3 .7 RG 3 w 60 6 m 90 6 114 30 114 60 c 114 90 90 114 60 114 c"
        ring += b" 30 114 6 90 6 60 c 6 30 30 6 60 6 c S"
        for annotation in writer.pages[0]["/Annots"]:
            annotation = annotation.get_object()
            if annotation.get("/FT") == "/Sig":
                annotation[_name("/AP")] = DictionaryObject({_name("/N"): _form(writer, ring, 120, 120, fonts=False)})

    return incremental(pdf, change)


def javascript_added(pdf: bytes) -> bytes:
    """A JavaScript open action (invisible on the page)."""

    def change(writer: PdfWriter) -> None:
        action = {_name("/S"): _name("/JavaScript"), _name("/JS"): TextStringObject("app.alert('有效');")}
        writer._root_object[_name("/OpenAction")] = DictionaryObject(action)

    return incremental(pdf, change)


def action_added(pdf: bytes) -> bytes:
    """An open action sending the reader to another site (invisible on the page)."""

    def change(writer: PdfWriter) -> None:
        action = {_name("/S"): _name("/URI"), _name("/URI"): TextStringObject("http://127.0.0.1:9/verify")}
        writer._root_object[_name("/OpenAction")] = DictionaryObject(action)

    return incremental(pdf, change)


def metadata_changed(pdf: bytes) -> bytes:
    """Only the document information changed, in an incremental update."""
    return incremental(pdf, lambda w: w.add_metadata({"/Title": "放心消费创建示范单位（更新）"}))


def signature_wrapped(pdf: bytes) -> bytes:
    """An object hidden in the zero padding of the signature's Contents hole, every offset kept."""
    start = pdf.index(b"/Contents <") + len(b"/Contents <")
    end = pdf.index(b">", start)
    padding = pdf.rindex(b"00000000000000000000000000000000000000000000000000000000", start, end)
    hidden = b"> 99 0 obj (forged) endobj <"
    return pdf[:padding] + hidden + pdf[padding + len(hidden) :]
