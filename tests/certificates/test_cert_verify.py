"""Verification: each kind of tampering or status fails with its own code."""

from __future__ import annotations

import copy
import io
from datetime import date

from pypdf import PdfReader, PdfWriter

from certificates import keys
from certificates.status import FileStatusStore
from certificates.verify import read_pdf, verify, verify_pdf
from documents.certificate import make_certificate

TODAY = date(2026, 8, 1)


def check(ring, store, twin=None, pdf=None, today=TODAY):
    args = (ring.verification_keys(), ring.issuer, store.get, today)
    return verify_pdf(pdf, *args) if pdf is not None else verify(twin, None, *args)


def codes(report) -> dict[str, str]:
    return {s.step: s.code for s in report.steps if not s.ok}


def test_an_untouched_certificate_passes_every_step(make_data, ring, store):
    report = check(ring, store, pdf=make_certificate(make_data(), ring, store).pdf)
    assert report.valid and report.status == "valid" and report.number == "HB-FX-2026-420100-000123"
    steps = ["format", "pdf_signature", "issuer_key", "signature", "binding", "status", "validity"]
    assert [s.step for s in report.steps] == steps


def test_a_changed_field_in_the_twin_breaks_the_signature(make_data, ring, store):
    twin = copy.deepcopy(make_certificate(make_data(), ring, store).credential)
    twin["credentialSubject"]["name"] = "另一家商贸有限公司"
    report = check(ring, store, twin=twin)
    assert codes(report) == {"signature": "SIGNATURE_INVALID"} and report.status == "invalid"


def test_a_pdf_swapped_under_a_twin_breaks_the_binding(make_data, ring, store):
    a = make_certificate(make_data(1), ring, store)
    b = make_certificate(make_data(2), ring, store)
    _, digest_b = read_pdf(b.pdf)
    report = verify(a.credential, digest_b, ring.verification_keys(), ring.issuer, store.get, TODAY)
    assert codes(report) == {"binding": "BINDING_MISMATCH"}


def test_an_edited_page_with_its_twin_still_attached_breaks_the_binding(make_data, ring, store):
    pdf = make_certificate(make_data(), ring, store).pdf
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    page = writer.pages[0]
    contents = page.get_contents()
    data = contents.get_data()
    assert b"(2028)" in data  # digits are set in Helvetica: a forger can extend the validity
    contents.set_data(data.replace(b"(2028)", b"(2029)"))
    page.replace_contents(contents)
    out = io.BytesIO()
    writer.write(out)
    failed = codes(check(ring, store, pdf=out.getvalue()))
    assert failed == {"pdf_signature": "PDF_SIGNATURE_INVALID", "binding": "BINDING_MISMATCH"}


def test_a_twin_signed_by_a_key_the_issuer_never_had_is_refused(make_data, ring, store, tmp_path):
    impostor = keys.init(tmp_path / "impostor", ring.issuer)
    impostor = keys.rotate(impostor.folder)  # key-2: an id the real ring does not know
    twin = make_certificate(make_data(), impostor, store).credential
    assert codes(check(ring, store, twin=twin)) == {"issuer_key": "KEY_UNKNOWN", "signature": "SIGNATURE_UNCHECKED"}


def test_a_twin_from_another_issuer_is_refused(make_data, ring, store, tmp_path):
    other = keys.init(tmp_path / "other", "https://elsewhere.example/issuer")
    twin = make_certificate(make_data(), other, store).credential
    assert codes(check(ring, store, twin=twin))["issuer_key"] == "ISSUER_MISMATCH"


def test_a_revoked_certificate_fails_with_revoked(make_data, ring, store):
    pdf = make_certificate(make_data(), ring, store).pdf
    store.change("HB-FX-2026-420100-000123", "revoked", "severe_penalty", date(2026, 7, 20))
    report = check(ring, store, pdf=pdf)
    assert codes(report) == {"status": "REVOKED"} and report.status == "revoked"


def test_a_suspended_certificate_fails_with_suspended_and_passes_once_reinstated(make_data, ring, store):
    pdf = make_certificate(make_data(), ring, store).pdf
    store.change("HB-FX-2026-420100-000123", "suspended", "complaint_spike", date(2026, 7, 20))
    report = check(ring, store, pdf=pdf)
    assert codes(report) == {"status": "SUSPENDED"} and report.status == "suspended"
    store.change("HB-FX-2026-420100-000123", "valid", "review_cleared", date(2026, 7, 25))
    assert check(ring, store, pdf=pdf).valid


def test_a_certificate_past_its_last_day_is_expired(make_data, ring, store):
    pdf = make_certificate(make_data(), ring, store).pdf
    assert check(ring, store, pdf=pdf, today=date(2028, 6, 30)).valid
    report = check(ring, store, pdf=pdf, today=date(2028, 7, 1))
    assert codes(report) == {"validity": "EXPIRED"} and report.status == "expired"


def test_a_certificate_not_in_the_register_is_unknown(make_data, ring, store, tmp_path):
    from certificates.status import FileStatusStore

    twin = make_certificate(make_data(), ring, store).credential
    assert codes(check(ring, FileStatusStore(tmp_path / "empty"), twin=twin)) == {"status": "STATUS_UNKNOWN"}


def test_old_certificates_still_verify_after_a_key_rotation(make_data, ring, store):
    old = make_certificate(make_data(1), ring, store).pdf
    rotated = keys.rotate(ring.folder)
    new = make_certificate(make_data(2), rotated, store).credential
    assert new["proof"]["verificationMethod"].endswith("#key-2")
    assert check(rotated, store, pdf=old).valid and check(rotated, store, twin=new).valid


def test_a_pdf_without_a_twin_is_not_a_certificate(ring, store):
    from reportlab.pdfgen.canvas import Canvas

    buf = io.BytesIO()
    Canvas(buf).save()
    report = check(ring, store, pdf=buf.getvalue())
    assert codes(report) == {"format": "FORMAT_NOT_CERTIFICATE_PDF"} and not report.valid


def test_the_private_key_file_is_readable_by_its_owner_only(ring):
    pem = next(ring.folder.glob("*.pem"))
    assert pem.stat().st_mode & 0o777 == 0o600
    assert "PRIVATE" not in (ring.folder / "keyring.json").read_text()


def test_a_register_that_cannot_be_read_is_status_unavailable_never_valid(make_data, ring, store, tmp_path):
    twin = make_certificate(make_data(), ring, store).credential
    broken = FileStatusStore(tmp_path / "broken")
    (tmp_path / "broken").mkdir(exist_ok=True)
    (tmp_path / "broken" / "status.json").write_text("{not json", encoding="utf-8")
    report = check(ring, broken, twin=twin)
    assert not report.valid and report.status == "invalid"
    assert codes(report) == {"status": "STATUS_UNAVAILABLE"}
