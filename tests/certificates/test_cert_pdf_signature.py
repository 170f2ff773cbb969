"""The PDF signature: a genuine certificate is certified (PAdES, DocMDP "no changes") and validates in
poppler's pdfsig and pyHanko; every kind of change after signing fails with its own code, and the
forged copies are looked at as a person would (pdftoppm) to be sure each shows what it claims."""

from __future__ import annotations

import asyncio
import io
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.serialization import Encoding
from PIL import Image, ImageChops
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from certificates import keys
from certificates.verify import verify_pdf
from documents.certificate import make_certificate, render_signed
from tests.certificates import forgeries

TODAY = date(2026, 8, 1)
NUMBER = "HB-FX-2026-420100-000123"


def check(ring, store, pdf):
    return verify_pdf(pdf, ring.verification_keys(), ring.issuer, store.get, TODAY)


def codes(report) -> dict[str, str]:
    return {s.step: s.code for s in report.steps if not s.ok}


@pytest.fixture
def genuine(make_data, ring, store) -> bytes:
    return make_certificate(make_data(), ring, store).pdf


def test_a_genuine_certificate_is_certified_over_its_whole_file_and_passes(genuine, ring, store):
    report = check(ring, store, genuine)
    assert report.valid and report.status == "valid"
    steps = [s.step for s in report.steps]
    assert steps == ["format", "pdf_signature", "issuer_key", "signature", "binding", "status", "validity"]
    step = report.steps[1]
    assert step.code == "PDF_SIGNATURE_OK" and "covers the whole file" in step.detail
    reader = PdfReader(io.BytesIO(genuine))
    signature = reader.trailer["/Root"]["/Perms"]["/DocMDP"]
    assert signature["/SubFilter"] == "/ETSI.CAdES.detached"
    assert signature["/Reference"][0]["/TransformParams"]["/P"] == 1  # DocMDP: no changes allowed
    start, end, tail = (int(v) for v in signature["/ByteRange"][1:])
    assert end + tail == len(genuine) and genuine[start : start + 1] == b"<"  # every byte but the hole is signed
    (seal,) = reader.pages[0]["/Annots"]
    assert seal.get_object()["/FT"] == "/Sig" and [float(v) for v in seal.get_object()["/Rect"]] == [600, 80, 720, 200]


def test_the_container_is_pades_baseline_b(genuine):
    """SignedData with content type, message digest and ESS signing-certificate-v2, and no signing time."""
    reader = PdfReader(io.BytesIO(genuine))
    contents = bytes(reader.trailer["/Root"]["/Perms"]["/DocMDP"]["/Contents"])
    signed = cms.ContentInfo.load(contents.rstrip(b"\0"))["content"]
    attributes = [a["type"].native for a in signed["signer_infos"][0]["signed_attrs"]]
    assert sorted(attributes) == ["content_type", "message_digest", "signing_certificate_v2"]
    assert signed["signer_infos"][0]["signature_algorithm"]["algorithm"].native == "sha256_ecdsa"
    assert len(signed["certificates"]) == 2  # the signing certificate and its CA


def test_pyhanko_judges_the_genuine_signature_valid_trusted_and_whole(genuine, ring):
    roots = [asn1_x509.Certificate.load(c.public_bytes(Encoding.DER)) for c in ring.pdf.roots()]
    embedded = PdfFileReader(io.BytesIO(genuine)).embedded_signatures[0]
    status = validate_pdf_signature(embedded, ValidationContext(trust_roots=roots))
    assert status.bottom_line and status.intact and status.valid and status.trusted
    assert status.coverage.name == "ENTIRE_FILE" and status.docmdp_ok


def test_verification_inside_a_running_event_loop_gives_the_same_answer(genuine, ring, store):
    async def inside() -> bool:
        return check(ring, store, genuine).valid

    assert asyncio.run(inside())


PDFSIG = shutil.which("pdfsig")


@pytest.mark.skipif(PDFSIG is None, reason="pdfsig is not installed (apt-get install poppler-utils)")
def test_poppler_pdfsig_reports_the_genuine_signature_valid(genuine, ring, tmp_path):
    path = tmp_path / "genuine.pdf"
    path.write_bytes(genuine)
    out = subprocess.run([PDFSIG, str(path)], capture_output=True, text=True, timeout=60).stdout
    assert "Signature Validation: Signature is Valid." in out and "Total document signed" in out
    assert "放心消费证书专用章 1" in out and "ETSI.CAdES.detached" in out
    certutil = shutil.which("certutil")
    if certutil is None:
        return  # trusting the CA in an NSS database needs certutil (apt-get install libnss3-tools)
    nss = tmp_path / "nss"
    nss.mkdir()
    subprocess.run([certutil, "-N", "-d", f"sql:{nss}", "--empty-password"], check=True, timeout=60)
    ca = tmp_path / "ca.pem"
    ca.write_bytes(ring.pdf.roots()[0].public_bytes(Encoding.PEM))
    subprocess.run([certutil, "-A", "-d", f"sql:{nss}", "-n", "ca", "-t", "C,C,C", "-i", str(ca)], check=True)
    out = subprocess.run([PDFSIG, "-nssdir", f"sql:{nss}", str(path)], capture_output=True, text=True, timeout=60)
    assert "Certificate Validation: Certificate is Trusted." in out.stdout


# Each forgery with the code it must get, and whether a person sees the change on the page.
FORGERIES = [
    (forgeries.name_drawn_over, "PDF_CONTENT_CHANGED", True),
    (forgeries.name_drawn_over_rewritten, "PDF_CONTENT_CHANGED", True),
    (forgeries.annotation_added, "PDF_ANNOTATION_ADDED", True),
    (forgeries.annotation_added_rewritten, "PDF_ANNOTATION_ADDED", True),
    (forgeries.form_field_added, "PDF_FORM_FIELD_ADDED", True),
    (forgeries.page_added, "PDF_PAGE_ADDED", True),
    (forgeries.font_replaced, "PDF_FONT_REPLACED", True),
    (forgeries.seal_appearance_replaced, "PDF_XOBJECT_REPLACED", True),
    (forgeries.javascript_added, "PDF_JAVASCRIPT_ADDED", False),
    (forgeries.action_added, "PDF_ACTION_ADDED", False),
    (forgeries.metadata_changed, "PDF_MODIFIED", False),
]


@pytest.mark.parametrize(("forge", "code", "visible"), FORGERIES, ids=[f[0].__name__ for f in FORGERIES])
def test_each_kind_of_change_after_signing_fails_with_its_code(genuine, ring, store, forge, code, visible):
    report = check(ring, store, forge(genuine))
    failed = codes(report)
    assert failed["pdf_signature"] == code, report.steps[1].detail
    assert set(failed) <= {"pdf_signature", "binding"}  # the twin's binding sees a changed content stream too
    assert not report.valid and report.status == "invalid"


@pytest.mark.skipif(PDFSIG is None, reason="pdfsig is not installed (apt-get install poppler-utils)")
def test_the_old_signature_still_holds_for_its_revision_so_only_the_change_check_catches_it(genuine, tmp_path):
    """What pdfsig says of the drawn-over name: the signature is valid, but not over the whole document."""
    path = tmp_path / "forged.pdf"
    path.write_bytes(forgeries.name_drawn_over(genuine))
    out = subprocess.run([PDFSIG, str(path)], capture_output=True, text=True, timeout=60).stdout
    assert "Signature is Valid." in out and "Not total document signed" in out


PDFTOPPM = shutil.which("pdftoppm")


def pages_as_seen(pdf: bytes, folder: Path, stem: str) -> list[Image.Image]:
    path = folder / f"{stem}.pdf"
    path.write_bytes(pdf)
    subprocess.run([PDFTOPPM, "-png", "-r", "50", str(path), str(folder / stem)], check=True, timeout=120)
    return [Image.open(p).convert("RGB") for p in sorted(folder.glob(f"{stem}-*.png"))]


@pytest.mark.skipif(PDFTOPPM is None, reason="pdftoppm is not installed (apt-get install poppler-utils)")
def test_each_forgery_shows_its_change_to_a_reader_or_hides_it(genuine, tmp_path):
    """Rendered as a person would see them: the visible forgeries differ from the genuine page, the
    JavaScript, action and metadata ones look exactly like it (which is why they must be refused)."""
    (original,) = pages_as_seen(genuine, tmp_path, "genuine")
    for forge, _, visible in FORGERIES:
        pages = pages_as_seen(forge(genuine), tmp_path, forge.__name__)
        looks_different = len(pages) > 1 or ImageChops.difference(original, pages[0]).getbbox() is not None
        assert looks_different == visible, forge.__name__


@pytest.mark.skipif(PDFTOPPM is None, reason="pdftoppm is not installed (apt-get install poppler-utils)")
def test_a_forged_name_is_drawn_where_the_genuine_one_was(genuine, tmp_path):
    (original,) = pages_as_seen(genuine, tmp_path, "genuine")
    forged_pdf = forgeries.name_drawn_over(genuine)
    (forged,) = pages_as_seen(forged_pdf, tmp_path, "forged")
    left, top, right, bottom = ImageChops.difference(original, forged).getbbox()
    to_px = 50 / 72  # -r 50: pixels per point
    name_band = ((595.28 - 424) * to_px, (595.28 - 372) * to_px)  # the covered band of the business name
    assert name_band[0] - 1 <= top and bottom <= name_band[1] + 1 and right - left > 200
    assert forgeries.FORGED_NAME in PdfReader(io.BytesIO(forged_pdf)).pages[0].extract_text()


def test_an_object_hidden_in_the_signature_hole_is_refused(genuine, ring, store):
    report = check(ring, store, forgeries.signature_wrapped(genuine))
    assert codes(report) == {"pdf_signature": "PDF_SIGNATURE_INVALID"}


def test_a_certificate_without_a_pdf_signature_is_refused_as_unsigned(make_data, ring, store):
    data = make_data()
    record = store.reserve(data.number, data.serial, data.valid_from, data.valid_until, data.issued_on)
    issued = render_signed(data, ring.issuer, ring.active, ring.signer(), record.status_index)  # the twin only
    store.save_credential(data.number, issued.credential)
    assert codes(check(ring, store, issued.pdf)) == {"pdf_signature": "PDF_UNSIGNED"}


def test_a_pdf_signed_by_a_ca_the_issuer_does_not_trust_is_refused(make_data, ring, store, tmp_path):
    """The issuer's own Ed25519 key (the twin verifies) but an impostor's X.509 CA."""
    impostor = tmp_path / "impostor"
    impostor.mkdir()
    for name in ("keyring.json", "key-1.pem"):
        shutil.copy2(ring.folder / name, impostor / name)
    impostor_ring = keys.init(impostor, ring.issuer)  # adds only the PDF part: its own CA
    pdf = make_certificate(make_data(), impostor_ring, store).pdf
    assert codes(check(ring, store, pdf)) == {"pdf_signature": "PDF_SIGNER_UNTRUSTED"}
    assert check(impostor_ring, store, pdf).valid


def test_rotation_keeps_certificates_signed_before_it_valid(make_data, ring, store):
    old = make_certificate(make_data(1), ring, store).pdf
    rotated = keys.rotate(ring.folder)
    assert rotated.pdf.active == "signing-2" and [c.retired is None for c in rotated.pdf.signers] == [False, True]
    new = make_certificate(make_data(2), rotated, store).pdf
    signer = PdfFileReader(io.BytesIO(new)).embedded_signatures[0].signer_cert.subject.native["common_name"]
    assert signer == "放心消费证书专用章 2"
    assert check(rotated, store, old).valid and check(rotated, store, new).valid
