"""Step-by-step verification (after Blockcerts' verifier): each step reports ok and a code.

Pure given its inputs: the twin, the PDF bytes (optional), the issuer's known public keys (and
the CAs its PDF signatures chain to), a status lookup and today's date. Steps: format,
pdf_signature (a PDF only: `certificates.pdfcheck`, the file is byte for byte what the issuer
certified), issuer_key, signature, binding, status, validity.
"""

from __future__ import annotations

import dataclasses
import io
import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from cryptography import x509
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from certificates import pdfcheck, proof
from certificates.data import CertificateNumber, NumberError
from certificates.issue import ATTACHMENT_NAME, CREDENTIAL_TYPE, VC_CONTEXT, content_digest
from certificates.limits import MAX_CONTENT_BYTES, MAX_TWIN_BYTES, FormatError, inflate, parse_twin
from certificates.status import (
    FINAL,
    PURPOSES,
    REASONS,
    CertificateRecord,
    CertificateState,
    StatusError,
    bit,
    decode_bitstring,
)
from checks.errors import AssuredError, Kind


@dataclasses.dataclass(frozen=True)
class Step:
    step: str
    ok: bool
    code: str
    detail: str


@dataclasses.dataclass(frozen=True)
class Report:
    valid: bool
    status: str  # valid | suspended | revoked | expired | invalid
    number: str | None
    steps: tuple[Step, ...]

    def as_json(self) -> dict:
        return {
            "valid": self.valid,
            "status": self.status,
            "number": self.number,
            "steps": [dataclasses.asdict(s) for s in self.steps],
        }

    def failed(self) -> list[Step]:
        return [s for s in self.steps if not s.ok]


class PdfError(AssuredError, ValueError):
    kind = Kind.bad_input


DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}(T[0-9:.]+(Z|[+-]\d{2}:\d{2})?)?$")


def read_pdf(pdf: bytes) -> tuple[dict, str]:
    """(embedded twin, content digest of the first page) from a certificate PDF (more pages are the
    pdf_signature step's to refuse). Neither stream is inflated past its limit (`certificates.limits`)."""
    try:
        reader = PdfReader(io.BytesIO(pdf))
        if not reader.pages:
            raise PdfError("the PDF has no page")
        stream = _page_content(reader.pages[0].get("/Contents"))
        attached = _attachment(reader, ATTACHMENT_NAME)
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        if isinstance(exc, FormatError):
            raise
        raise PdfError(f"not a readable PDF: {exc}") from None
    if attached is None:
        raise PdfError(f"the PDF has no embedded {ATTACHMENT_NAME}")
    twin = parse_twin(attached, f"embedded {ATTACHMENT_NAME}")
    if not isinstance(twin, dict):
        raise PdfError(f"embedded {ATTACHMENT_NAME} is not a JSON object")
    return twin, content_digest(stream)


def _page_content(contents) -> bytes:
    if contents is None:
        return b""
    contents = contents.get_object()
    parts = list(contents) if isinstance(contents, list) else [contents]
    data, left = [], MAX_CONTENT_BYTES
    for part in parts:
        chunk = inflate(part.get_object(), left, "the page's content stream")
        data.append(chunk)
        left -= len(chunk)
    return b"".join(data)


def _attachment(reader: PdfReader, name: str) -> bytes | None:
    """The embedded file called `name` (flat name tree, as the issuer writes it), inflated within bounds."""
    root: Any = reader.trailer["/Root"]
    names: Any = root.get("/Names")
    tree: Any = names.get_object().get("/EmbeddedFiles") if names is not None else None
    if tree is None:
        return None
    entries: Any = tree.get_object().get("/Names") or []
    for i in range(0, len(entries) - 1, 2):
        if entries[i] == name:
            stream = entries[i + 1].get_object()["/EF"]["/F"].get_object()
            return inflate(stream, MAX_TWIN_BYTES, f"embedded {name}")
    return None


def _format(twin) -> tuple[Step, str | None]:
    def bad(detail: str) -> tuple[Step, None]:
        return Step("format", False, "FORMAT_INVALID", detail), None

    if not isinstance(twin, dict):
        return bad("the credential is not a JSON object")
    ctx = twin.get("@context")
    if not isinstance(ctx, list) or not ctx or ctx[0] != VC_CONTEXT:
        return bad(f"@context must start with {VC_CONTEXT}")
    if not isinstance(twin.get("type"), list) or CREDENTIAL_TYPE not in twin["type"]:
        return bad(f"type must include VerifiableCredential and {CREDENTIAL_TYPE}")
    subject = twin.get("credentialSubject")
    if not isinstance(subject, dict):
        return bad("credentialSubject missing")
    try:
        number = CertificateNumber.parse(str(subject.get("certificateNumberAscii", ""))).ascii
    except NumberError as exc:
        return bad(f"credentialSubject.certificateNumberAscii: {exc}")
    for name in ("validFrom", "validUntil"):
        value = twin.get(name)
        if not isinstance(value, str) or not DATE_TIME.match(value):
            return bad(f"{name}={value!r} is not an ISO date-time YYYY-MM-DD[Thh:mm:ssZ]")
        try:
            date.fromisoformat(value[:10])
        except ValueError:
            return bad(f"{name}={value!r} is not an ISO date-time")
    if not isinstance(subject.get("serial"), str):
        return bad("credentialSubject.serial missing")
    if not isinstance(twin.get("issuer"), dict) or not isinstance(twin["issuer"].get("id"), str):
        return bad("issuer.id missing")
    related = twin.get("relatedResource")
    if not (
        isinstance(related, list)
        and related
        and isinstance(related[0], dict)
        and str(related[0].get("digestSRI", "")).startswith("sha256-")
    ):
        return bad("relatedResource[0].digestSRI (sha256 of the PDF content) missing")
    return Step("format", True, "FORMAT_OK", f"VC 2.0 {CREDENTIAL_TYPE} {number}"), number


def verify(
    twin,
    pdf_digest: str | None,
    keys: Mapping[str, object],
    trusted_issuer: str,
    lookup: Callable[[str], CertificateRecord | None],
    today: date,
) -> Report:
    """Run every step that can run. `keys`: verification method id -> Ed25519 public key. Input the
    format step let through but a later step could not read is `FORMAT_MALFORMED`, never a crash."""
    try:
        return _verify(twin, pdf_digest, keys, trusted_issuer, lookup, today)
    except (TypeError, KeyError, AttributeError, ValueError, IndexError, RecursionError) as exc:
        detail = f"the credential cannot be read: {type(exc).__name__}"
        return Report(False, "invalid", None, (Step("format", False, "FORMAT_MALFORMED", detail),))


def _verify(twin, pdf_digest, keys, trusted_issuer, lookup, today) -> Report:
    fmt, number = _format(twin)
    if number is None:
        return Report(False, "invalid", None, (fmt,))
    steps = [fmt]
    key = None
    try:
        method = proof.proof_of(twin)["verificationMethod"]
        controller = method.split("#", 1)[0]
        if controller != twin["issuer"]["id"] or controller != trusted_issuer:
            steps.append(
                Step(
                    "issuer_key",
                    False,
                    "ISSUER_MISMATCH",
                    f"key {method} belongs to {controller}; credential issuer {twin['issuer']['id']}, "
                    f"trusted issuer {trusted_issuer}",
                )
            )
        elif method not in keys:
            steps.append(Step("issuer_key", False, "KEY_UNKNOWN", f"{method} is not among the issuer's keys"))
        else:
            key = keys[method]
            steps.append(Step("issuer_key", True, "KEY_KNOWN", method))
    except proof.ProofError as exc:
        steps.append(Step("issuer_key", False, exc.code, str(exc)))
    if key is None:
        steps.append(Step("signature", False, "SIGNATURE_UNCHECKED", "no trusted key to check the signature with"))
    else:
        try:
            proof.verify(twin, key)
            steps.append(Step("signature", True, "SIGNATURE_OK", f"{proof.CRYPTOSUITE} proof holds"))
        except proof.ProofError as exc:
            steps.append(Step("signature", False, exc.code, str(exc)))

    expected = twin["relatedResource"][0]["digestSRI"]
    if pdf_digest is None:
        steps.append(Step("binding", True, "NO_PDF", "no PDF given: the registered credential alone is checked"))
    elif pdf_digest == expected:
        steps.append(Step("binding", True, "BINDING_OK", "the PDF page is the one the credential was signed for"))
    else:
        steps.append(
            Step(
                "binding",
                False,
                "BINDING_MISMATCH",
                f"PDF page content {pdf_digest} differs from the signed digest {expected}",
            )
        )

    serial = twin["credentialSubject"].get("serial")
    state = "invalid"
    unavailable = None
    try:
        record = lookup(number)
    except Exception as exc:  # noqa: BLE001 (the register could not be read: never a pass)
        record, unavailable = None, type(exc).__name__
    if unavailable is not None:
        steps.append(Step("status", False, "STATUS_UNAVAILABLE", f"the status could not be checked ({unavailable})"))
    elif record is None:
        steps.append(Step("status", False, "STATUS_UNKNOWN", f"{number} is not in the issuer's register"))
    elif record.serial != serial:
        steps.append(
            Step("status", False, "SERIAL_MISMATCH", f"{number} is registered with another serial than {serial}")
        )
    elif record.state == CertificateState.valid:
        steps.append(Step("status", True, "STATUS_OK", f"not revoked or suspended (since {record.history[-1].on})"))
    else:
        state = record.state
        last = record.history[-1]
        zh, en = REASONS.get(record.reason, ("", ""))
        # the reason's code and its labels, never a reviewer's free-text note (it may hold phone or
        # ID numbers); a supersession's note is the system's own: the number that replaced it
        detail = f"{record.state} on {last.on}: {record.reason} ({zh} / {en})"
        if record.state == CertificateState.superseded and last.note:
            detail += f"; {last.note}"
        steps.append(Step("status", False, record.state.upper(), detail))

    valid_from = date.fromisoformat(twin["validFrom"][:10])
    valid_until = date.fromisoformat(twin["validUntil"][:10])
    if today < valid_from:
        steps.append(Step("validity", False, "NOT_YET_VALID", f"valid from {valid_from}, today is {today}"))
    elif today > valid_until:
        steps.append(Step("validity", False, "EXPIRED", f"expired after {valid_until}, today is {today}"))
        state = "expired" if state == "invalid" and all(s.ok for s in steps[:-1]) else state
    else:
        steps.append(Step("validity", True, "VALIDITY_OK", f"{valid_from} to {valid_until}"))
    ok = all(s.ok for s in steps)
    return Report(ok, "valid" if ok else state, number, tuple(steps))


def verify_pdf(
    pdf: bytes, keys, trusted_issuer, lookup, today, pdf_roots: tuple[x509.Certificate, ...] | None = None
) -> Report:
    """`verify` of the embedded twin bound to the page, and the pdf_signature step: the PDF signature
    chains to one of `pdf_roots` (default: the `pdf_roots` of `keys`, a `certificates.keys.IssuerKeys`)
    and nothing changed after signing. A PDF that fails this step is invalid whatever its status."""
    try:
        twin, digest = read_pdf(pdf)
    except FormatError as exc:
        return Report(False, "invalid", None, (Step("format", False, exc.code, str(exc)),))
    except PdfError as exc:
        return Report(False, "invalid", None, (Step("format", False, "FORMAT_NOT_CERTIFICATE_PDF", str(exc)),))
    report = verify(twin, digest, keys, trusted_issuer, lookup, today)
    if report.number is None:  # the twin is no certificate: nothing more to say of its PDF
        return report
    roots = pdf_roots if pdf_roots is not None else getattr(keys, "pdf_roots", ())
    outcome = pdfcheck.check(pdf, roots)
    steps = (report.steps[0], Step("pdf_signature", outcome.ok, outcome.code, outcome.detail), *report.steps[1:])
    if outcome.ok:
        return Report(report.valid, report.status, report.number, steps)
    return Report(False, "invalid", report.number, steps)


def with_status_lists(
    report: Report, record: CertificateRecord | None, lists: Mapping[str, dict | None], keys: Mapping[str, object]
) -> Report:
    """`report` with a `status_list` step: the issuer's latest signed status lists (`lists`:
    purpose -> the published list, None when missing) say what the register says of the
    certificate. A register changed outside the workflow (a revocation undone in the database)
    fails with `STATUS_LIST_MISMATCH`; the certificate is then invalid whatever the register says."""
    if report.number is None or record is None:
        return report
    said = []
    for purpose in PURPOSES:
        doc = lists.get(purpose)
        if doc is None:
            return _add(report, Step("status_list", False, "STATUS_LIST_MISSING", f"no published {purpose} list"))
        try:
            proof.verify(doc, keys[proof.proof_of(doc)["verificationMethod"]])
            listed = bit(decode_bitstring(doc["credentialSubject"]["encodedList"]), record.status_index)
        except (proof.ProofError, KeyError, TypeError, ValueError, StatusError) as exc:
            detail = f"the {purpose} list does not verify ({type(exc).__name__})"
            return _add(report, Step("status_list", False, "STATUS_LIST_INVALID", detail))
        expected = record.state in FINAL if purpose == "revocation" else record.state == CertificateState.suspended
        if listed != expected:
            detail = (
                f"the register says {record.state}, the signed {purpose} list of {doc.get('validFrom')} "
                f"{'lists' if listed else 'does not list'} {report.number}: the register was changed outside the workflow"
            )
            return _add(report, Step("status_list", False, "STATUS_LIST_MISMATCH", detail))
        said.append(f"{purpose} {'set' if listed else 'clear'}")
    return _add(report, Step("status_list", True, "STATUS_LIST_OK", ", ".join(said) + " as the register says"))


def _add(report: Report, step: Step) -> Report:
    steps = (*report.steps, step)
    if step.ok:
        return Report(report.valid, report.status, report.number, steps)
    return Report(False, "invalid", report.number, steps)
