"""The certificate PDF's objects beside its page, in the reportlab document: the signed twin as an
embedded file, and the PDF signature — a signature field over the drawn seal, its signature
dictionary with the placeholders `certificates.pades.seal` fills after saving, and the DocMDP
certification ("no changes allowed", P 1) that every reader enforces.

Everything goes into the one revision reportlab writes, so the signature covers the whole file:
no incremental update is needed to sign, and any byte added later is outside the signed revision.
The field's appearance is empty: the seal the reader shows is the page's own drawing, which the
signature covers like the rest of the page.
"""

from __future__ import annotations

from datetime import datetime

from reportlab.pdfbase.pdfdoc import PDFArray, PDFDictionary, PDFName, PDFObject, PDFStream, PDFString

from certificates.pades import BYTE_RANGE_PLACEHOLDER, PdfSigner, contents_placeholder, pdf_date

SEAL_FIELD = "Seal"  # the signature field's name (/T)
WIDGET_FLAGS = 4 | 128  # print, locked
CATALOG_KEYS = ("Perms", "Extensions")  # keys reportlab's catalog does not know


class _Placeholder(PDFObject):
    """Bytes written as they are, for `seal` to find and fill in."""

    def __init__(self, raw: bytes):
        self.raw = raw

    def format(self, document) -> bytes:
        return self.raw


def add_signature_field(
    c, signer: PdfSigner, rect: tuple[float, float, float, float], signed_at: datetime, reason: str
) -> None:
    """After the page is shown and before `c.save()`: the field, its signature dictionary and the certification."""
    doc = c._doc
    page = doc.Pages.pages[-1]
    docmdp = PDFDictionary(
        {
            "Type": PDFName("SigRef"),
            "TransformMethod": PDFName("DocMDP"),
            "TransformParams": PDFDictionary({"Type": PDFName("TransformParams"), "P": 1, "V": PDFName("1.2")}),
        }
    )
    signature = doc.Reference(
        PDFDictionary(
            {
                "Type": PDFName("Sig"),
                "Filter": PDFName("Adobe.PPKLite"),
                "SubFilter": PDFName("ETSI.CAdES.detached"),
                "ByteRange": _Placeholder(BYTE_RANGE_PLACEHOLDER),
                "Contents": _Placeholder(contents_placeholder(signer.contents_size)),
                "M": PDFString(pdf_date(signed_at)),
                "Reason": PDFString(reason),
                "Reference": PDFArray([docmdp]),
            }
        )
    )
    x0, y0, x1, y1 = rect
    appearance = doc.Reference(
        PDFStream(
            PDFDictionary(
                {
                    "Type": PDFName("XObject"),
                    "Subtype": PDFName("Form"),
                    "BBox": PDFArray([0, 0, x1 - x0, y1 - y0]),
                    "Resources": PDFDictionary({}),
                }
            ),
            b"",
        )
    )
    widget = doc.Reference(
        PDFDictionary(
            {
                "Type": PDFName("Annot"),
                "Subtype": PDFName("Widget"),
                "FT": PDFName("Sig"),
                "T": PDFString(SEAL_FIELD),
                "F": WIDGET_FLAGS,
                "Rect": PDFArray(list(rect)),
                "P": doc.Reference(page),
                "AP": PDFDictionary({"N": appearance}),
                "V": signature,
            }
        )
    )
    page.Annots.append(widget)
    catalog = doc.Catalog
    catalog.AcroForm = PDFDictionary({"Fields": PDFArray([widget]), "SigFlags": 3})  # signatures exist, append only
    catalog.Perms = PDFDictionary({"DocMDP": signature})
    catalog.Extensions = PDFDictionary(  # the PAdES extension of PDF 1.7 (ETSI EN 319 142-1)
        {
            "ESIC": PDFDictionary(
                {"Type": PDFName("DeveloperExtensions"), "BaseVersion": PDFName("1.7"), "ExtensionLevel": 1}
            )
        }
    )
    catalog.__NoDefault__ = [*type(catalog).__NoDefault__, *CATALOG_KEYS]


def embed_file(c, name: str, content: bytes, subtype: str, description: str) -> None:
    """An embedded file (PDF 32000 7.11.4) in the document's name tree, outside the page stream."""
    doc = c._doc
    stream = PDFStream(
        PDFDictionary(
            {"Type": PDFName("EmbeddedFile"), "Subtype": "/" + subtype, "Params": PDFDictionary({"Size": len(content)})}
        ),
        content,
    )
    ref = doc.Reference(stream)
    spec = doc.Reference(
        PDFDictionary(
            {
                "Type": PDFName("Filespec"),
                "F": PDFString(name),
                "UF": PDFString(name),
                "Desc": PDFString(description),
                "AFRelationship": PDFName("Data"),
                "EF": PDFDictionary({"F": ref, "UF": ref}),
            }
        )
    )
    doc.Catalog.Names = PDFDictionary({"EmbeddedFiles": PDFDictionary({"Names": PDFArray([PDFString(name), spec])})})
