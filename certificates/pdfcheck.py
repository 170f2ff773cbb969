"""Whether a certificate PDF is, byte for byte, what the issuer certified.

The issuer certifies the whole file in one revision (PAdES B-B, DocMDP "no changes allowed"):
the signature must hold (pyHanko's validator), chain to a CA of the key folder, and cover every
byte but its own Contents hole, which may hold nothing but hexadecimal digits (so nothing can
hide in it). Everything a reader renders is then signed. A change made after signing is refused
with a code naming its kind, read from the file's structure (what a certificate holds: one page,
one content stream, one signature field with an empty appearance, no other annotation, field,
XObject, JavaScript or action) and, for an incremental update, from the difference between the
signed revision and the one a reader shows (content, fonts, XObjects).

Codes, the most specific first when several apply:

| code | what was found |
|---|---|
| PDF_PAGE_ADDED | more pages than the certificate's one |
| PDF_CONTENT_CHANGED | the page draws other or more content (another name drawn over the printed one) |
| PDF_ANNOTATION_ADDED | an annotation (text box, stamp, link, drawing …) |
| PDF_FORM_FIELD_ADDED | a form field, or a second signature field |
| PDF_FONT_REPLACED | a font of the page replaced or added |
| PDF_XOBJECT_REPLACED | an image or form XObject replaced or added (the page's, or the seal field's appearance) |
| PDF_JAVASCRIPT_ADDED | JavaScript anywhere in the file |
| PDF_ACTION_ADDED | an open action or additional actions (launch, URI, submit …) |
| PDF_MODIFIED | bytes after the signed revision (an incremental update) of no kind above |
| PDF_SIGNATURE_INVALID | the signature does not hold for the bytes it covers (a rewritten file), or its byte range is malformed or hides more than the signature |
| PDF_SIGNER_UNTRUSTED | the signer's certificate does not chain to a CA in the key folder |
| PDF_NOT_CERTIFIED | a signature, but not the issuer's certification (DocMDP, no changes allowed) |
| PDF_UNSIGNED | no PDF signature: a certificate from before PDF signing, or one whose signature was removed |
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import io
import logging
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import KeyUsageConstraints
from pyhanko.sign.validation.pdf_embedded import async_validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

OK = "PDF_SIGNATURE_OK"
ORDER = (
    "PDF_PAGE_ADDED",
    "PDF_CONTENT_CHANGED",
    "PDF_ANNOTATION_ADDED",
    "PDF_FORM_FIELD_ADDED",
    "PDF_FONT_REPLACED",
    "PDF_XOBJECT_REPLACED",
    "PDF_JAVASCRIPT_ADDED",
    "PDF_ACTION_ADDED",
    "PDF_MODIFIED",
    "PDF_SIGNATURE_INVALID",
    "PDF_SIGNER_UNTRUSTED",
    "PDF_NOT_CERTIFIED",
    "PDF_UNSIGNED",
)
HEX_HOLE = re.compile(rb"<[0-9A-Fa-f]*>")
MAX_OBJECTS = 20_000  # a certificate has a few dozen; past this the file is refused unread
MAX_DEPTH = 24
SIGNING_USAGE = KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"}, match_all_key_usages=False)
# pyHanko logs each failed validation with its traceback at WARNING: the verdict is this step's code
logging.getLogger("pyhanko.sign.validation.generic_cms").setLevel(logging.ERROR)
READ_ERRORS = (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError)


@dataclasses.dataclass(frozen=True)
class Finding:
    code: str
    detail: str


@dataclasses.dataclass(frozen=True)
class Outcome:
    ok: bool
    code: str
    detail: str


def check(pdf: bytes, roots: Sequence[x509.Certificate]) -> Outcome:
    """The PDF signature and every change after it; `roots`: the CAs the signer must chain to."""
    try:
        reader = PdfReader(io.BytesIO(pdf))
        findings = shape(reader)
        signature, certified = _certification(reader)
    except READ_ERRORS as exc:
        return Outcome(False, "PDF_SIGNATURE_INVALID", f"the PDF's structure cannot be read: {exc}")
    if signature is None:
        return _outcome(findings + [Finding("PDF_UNSIGNED", "the PDF carries no PDF signature")], "")
    try:
        start, end, signed_end = _byte_range(signature, pdf)
    except ValueError as exc:
        return _outcome(findings + [Finding("PDF_SIGNATURE_INVALID", str(exc))], "")
    if signed_end < len(pdf):
        try:
            before = PdfReader(io.BytesIO(pdf[:signed_end]))
            changed = changes(before, reader)
        except READ_ERRORS as exc:
            changed = [Finding("PDF_MODIFIED", f"the signed revision cannot be read apart: {exc}")]
        extra = len(pdf) - signed_end
        findings = changed + findings
        findings.append(Finding("PDF_MODIFIED", f"{extra} bytes after the signed revision (an incremental update)"))
    if not certified:
        findings.append(Finding("PDF_NOT_CERTIFIED", "the signature is not a DocMDP certification allowing no changes"))
    problems, signer = _validate(pdf, roots)
    return _outcome(
        findings + problems, f"certified (DocMDP: no changes) by {signer}; the signature covers the whole file"
    )


def _outcome(findings: list[Finding], ok_detail: str) -> Outcome:
    if not findings:
        return Outcome(True, OK, ok_detail)
    ranked = sorted(findings, key=lambda f: ORDER.index(f.code))
    details = list(dict.fromkeys(f.detail for f in ranked))
    return Outcome(False, ranked[0].code, "; ".join(details))


def _certification(reader: PdfReader) -> tuple[DictionaryObject | None, bool]:
    """(the signature dictionary of the document's signature field, whether it certifies with P 1)."""
    root = _dict(reader.trailer["/Root"])
    fields = _list(_dict(root.get("/AcroForm")).get("/Fields"))
    sig_fields = [f for f in map(_dict, fields) if f.get("/FT") == "/Sig" and "/V" in f]
    if not sig_fields:
        return None, False
    value = sig_fields[0].raw_get("/V")
    signature = _dict(value)
    perms = _dict(root.get("/Perms"))
    docmdp = perms.raw_get("/DocMDP") if "/DocMDP" in perms else None
    same = isinstance(value, IndirectObject) and isinstance(docmdp, IndirectObject) and value.idnum == docmdp.idnum
    refs = [_dict(r) for r in _list(signature.get("/Reference"))]
    params = [_dict(r.get("/TransformParams")) for r in refs if r.get("/TransformMethod") == "/DocMDP"]
    no_changes = any(p.get("/P") == 1 for p in params)
    return signature, same and no_changes


def _byte_range(signature: DictionaryObject, pdf: bytes) -> tuple[int, int, int]:
    """(hole start, hole end, end of the signed revision), the hole holding the hex Contents only."""
    raw = _list(signature.get("/ByteRange"))
    try:
        a, b, c, d = (int(x) for x in raw)
    except (TypeError, ValueError):
        raise ValueError(f"the signature's ByteRange {raw!r} is not four numbers") from None
    if a != 0 or not (0 < b < c <= len(pdf)) or d < 0 or c + d > len(pdf):
        raise ValueError(f"the signature's ByteRange [{a} {b} {c} {d}] does not fit a file of {len(pdf)} bytes")
    if not HEX_HOLE.fullmatch(pdf[b:c]):
        raise ValueError("the gap the signature leaves holds more than the signature (signature wrapping)")
    return b, c, c + d


def _run(make_coroutine):
    """Run pyHanko's validation coroutine to its end, also when called from inside an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make_coroutine())
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(make_coroutine())).result()


def _label(cert) -> str:
    """ "放心消费证书专用章 1 (湖北省市场监督管理局)" of an asn1crypto certificate."""
    name = cert.subject.native
    organisation = name.get("organization_name")
    return f"{name.get('common_name', cert.subject.human_friendly)}" + (f" ({organisation})" if organisation else "")


def _validate(pdf: bytes, roots: Sequence[x509.Certificate]) -> tuple[list[Finding], str]:
    """pyHanko's verdict on the signature's integrity and its chain to `roots`, and the signer's name."""
    anchors = [asn1_x509.Certificate.load(r.public_bytes(Encoding.DER)) for r in roots]
    try:
        embedded = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures[0]
        context = ValidationContext(trust_roots=anchors, allow_fetching=False)
        status = _run(
            lambda: async_validate_pdf_signature(
                embedded, signer_validation_context=context, key_usage_settings=SIGNING_USAGE, skip_diff=True
            )
        )
        signer = _label(status.signing_cert)
    except Exception as exc:  # noqa: BLE001  a hostile file gets a code, not a traceback (pyHanko raises many kinds)
        detail = f"the signature cannot be checked: {type(exc).__name__}: {exc}"
        return [Finding("PDF_SIGNATURE_INVALID", detail)], "?"
    if not (status.intact and status.valid):
        return [Finding("PDF_SIGNATURE_INVALID", "the signature does not hold for the bytes it covers")], signer
    if not status.trusted:
        detail = f"the signer {signer} does not chain to a CA of the issuer's key folder"
        return [Finding("PDF_SIGNER_UNTRUSTED", detail)], signer
    return [], signer


def _dict(obj) -> DictionaryObject:
    """`obj` resolved when it is a dictionary, else an empty one (a missing or malformed entry)."""
    obj = obj.get_object() if obj is not None else None
    return obj if isinstance(obj, DictionaryObject) else DictionaryObject()


def _list(obj) -> list:
    """`obj` resolved when it is an array, else an empty list."""
    obj = obj.get_object() if obj is not None else None
    return list(obj) if isinstance(obj, ArrayObject) else []


def _annotations(page) -> list[DictionaryObject]:
    return [_dict(a) for a in _list(page.get("/Annots")) if isinstance(a.get_object(), DictionaryObject)]


def _is_signature_widget(annot: DictionaryObject) -> bool:
    return annot.get("/Subtype") == "/Widget" and annot.get("/FT") == "/Sig" and "/Parent" not in annot


def _actions(owner: str, obj: DictionaryObject, keys=("/AA",)) -> list[Finding]:
    found = []
    for key in keys:
        if key in obj:
            text = _fingerprint_text(obj[key])
            code = "PDF_JAVASCRIPT_ADDED" if "/JavaScript" in text or "/JS" in text else "PDF_ACTION_ADDED"
            found.append(Finding(code, f"{owner} carries {key[1:]} (an action run when the PDF is opened or used)"))
    return found


def shape(reader: PdfReader) -> list[Finding]:
    """What the file holds that a certificate does not."""
    out = []
    root = _dict(reader.trailer["/Root"])
    pages = len(reader.pages)
    if pages != 1:
        out.append(Finding("PDF_PAGE_ADDED", f"{pages} pages; a certificate has one"))
    page = reader.pages[0]
    contents = page.get("/Contents")
    contents = contents.get_object() if contents is not None else None
    if isinstance(contents, ArrayObject) and len(contents) > 1:
        out.append(
            Finding("PDF_CONTENT_CHANGED", f"the page draws {len(contents)} content streams, a certificate one stream")
        )
    xobjects = _dict(_dict(page.get("/Resources")).get("/XObject"))
    if xobjects:
        names = ", ".join(sorted(xobjects))
        out.append(Finding("PDF_XOBJECT_REPLACED", f"the page draws XObjects a certificate has not: {names}"))
    seals = 0
    for annot in _annotations(page):
        subtype = annot.get("/Subtype")
        if _is_signature_widget(annot):
            seals += 1
            appearance = _dict(annot.get("/AP"))
            drawn = [k for k, v in appearance.items() if k != "/N" or _stream_data(v)]
            if drawn:
                out.append(Finding("PDF_XOBJECT_REPLACED", "the seal field's appearance draws over the page"))
        elif subtype == "/Widget":
            out.append(Finding("PDF_FORM_FIELD_ADDED", f"a form field {annot.get('/T', annot.get('/FT'))} on the page"))
        else:
            out.append(Finding("PDF_ANNOTATION_ADDED", f"a {subtype} annotation on the page"))
        out += _actions(f"a {subtype} annotation", annot, ("/A", "/AA"))
    form = _dict(root.get("/AcroForm"))
    fields = _list(form.get("/Fields"))
    if seals > 1 or len(fields) > 1 or "/XFA" in form:
        out.append(Finding("PDF_FORM_FIELD_ADDED", f"{len(fields)} form fields; a certificate has its seal's only"))
    for field in fields:
        out += _actions("a form field", _dict(field))
    if "/JavaScript" in _dict(root.get("/Names")):
        out.append(Finding("PDF_JAVASCRIPT_ADDED", "document-level JavaScript (the Names tree)"))
    out += _actions("the document", root, ("/OpenAction", "/AA"))
    out += _actions("the page", page)
    if not any(f.code == "PDF_JAVASCRIPT_ADDED" for f in out) and _has_javascript(reader):
        out.append(Finding("PDF_JAVASCRIPT_ADDED", "JavaScript in the file"))
    return out


def _has_javascript(reader: PdfReader) -> bool:
    """Any object of the file with a /JS entry or a JavaScript action, referenced or not."""
    seen = 0
    for generation, objects in reader.xref.items():
        for number in objects:
            seen += 1
            if seen > MAX_OBJECTS:
                raise ValueError(f"more than {MAX_OBJECTS} objects: not a certificate")
            obj = reader.get_object(IndirectObject(number, generation, reader))
            if isinstance(obj, DictionaryObject) and ("/JS" in obj or obj.get("/S") == "/JavaScript"):
                return True
    return False


def _stream_data(obj) -> bytes:
    obj = obj.get_object()
    return obj.get_data().strip() if isinstance(obj, StreamObject) else b"x"


SKIP = {"/Parent", "/P", "/V"}  # back links (and the signature value, unchanged by construction)


def _serialise(obj, out: list[bytes], depth: int, path: frozenset) -> None:
    if isinstance(obj, IndirectObject):
        if obj.idnum in path or depth > MAX_DEPTH:
            out.append(b"@")
            return
        path = path | {obj.idnum}
        obj = obj.get_object()
    if isinstance(obj, DictionaryObject):
        out.append(b"<<")
        for key in sorted(k for k in obj if k not in SKIP):
            out.append(key.encode())
            _serialise(obj.raw_get(key), out, depth + 1, path)
        if isinstance(obj, StreamObject):
            out.append(hashlib.sha256(obj.get_data()).digest())
        out.append(b">>")
    elif isinstance(obj, ArrayObject):
        out.append(b"[")
        for item in obj:
            _serialise(item, out, depth + 1, path)
        out.append(b"]")
    else:
        out.append(repr(obj).encode())


def _fingerprint(obj) -> bytes:
    """What an object draws or says, followed through references (stream data included)."""
    out: list[bytes] = []
    _serialise(obj, out, 0, frozenset())
    return hashlib.sha256(b" ".join(out)).digest()


def _fingerprint_text(obj) -> str:
    out: list[bytes] = []
    _serialise(obj, out, 0, frozenset())
    return b" ".join(out).decode("latin-1")


def _resources(page, kind: str) -> dict[str, bytes]:
    table = _dict(_dict(page.get("/Resources")).get(kind))
    return {str(k): _fingerprint(table.raw_get(k)) for k in table}


def _appearances(page) -> dict[str, bytes]:
    return {f"annotation {i}": _fingerprint(a.get("/AP")) for i, a in enumerate(_annotations(page)) if "/AP" in a}


def _differ(before: dict[str, bytes], after: dict[str, bytes]) -> list[str]:
    return sorted(k for k in after if before.get(k) != after[k])


def changes(before: PdfReader, after: PdfReader) -> list[Finding]:
    """What an incremental update changed of what the reader renders: pages, content, fonts, XObjects."""
    out = []
    if len(after.pages) != len(before.pages):
        out.append(Finding("PDF_PAGE_ADDED", f"{len(after.pages)} pages, {len(before.pages)} of them signed"))
    was, now = before.pages[0], after.pages[0]
    if _content(was) != _content(now):
        out.append(Finding("PDF_CONTENT_CHANGED", "the page's content differs from the signed page's"))
    fonts = _differ(_resources(was, "/Font"), _resources(now, "/Font"))
    if fonts:
        out.append(Finding("PDF_FONT_REPLACED", f"fonts replaced or added after signing: {', '.join(fonts)}"))
    drawn = _differ(_resources(was, "/XObject"), _resources(now, "/XObject"))
    drawn += _differ(_appearances(was), _appearances(now))
    if drawn:
        out.append(Finding("PDF_XOBJECT_REPLACED", f"XObjects replaced or added after signing: {', '.join(drawn)}"))
    return out


def _content(page) -> bytes:
    contents = page.get_contents()
    return contents.get_data() if contents is not None else b""
