"""Documents a business attaches to its application: PDF, JPEG or PNG, the type decided by the
file's own bytes (never its name), images re-encoded without their metadata (EXIF GPS and the
rest), stored content-addressed by SHA-256 under the uploads folder and recorded once per
application and file.

Crash safety: the file is written atomically under its hash before its row is inserted (insert
ignoring duplicates). A crash between the two leaves a file whose upload the business repeats;
the repeat finds the same bytes under the same name and records it once — no duplicate file, no
duplicate row, no orphan once the upload succeeds.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from checks.errors import Kind
from documents.files import write_atomic
from registry import audit, failpoints
from registry.ingest import insert_ignoring_duplicates
from registry.settings import Settings
from registry.workflow_models import Application, ApplicationDocument, ApplicationStatus, WorkflowError

# (leading bytes, media type, file extension)
KINDS = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
)
MAX_PIXELS = 40_000_000  # a larger image is refused (a decompression bomb, or no document scan)
ANSWERABLE = (ApplicationStatus.pending_data, ApplicationStatus.returned)


@dataclass(frozen=True)
class Stored:
    document: ApplicationDocument
    new: bool


def media_type(data: bytes) -> tuple[str, str]:
    """(media type, extension) from the file's first bytes; unsupported media otherwise."""
    for magic, kind, ext in KINDS:
        if data.startswith(magic):
            return kind, ext
    raise WorkflowError("file: not a PDF, JPEG or PNG (judged by its content, not its name)", kind=Kind.unsupported)


def without_metadata(data: bytes, kind: str) -> bytes:
    """The image re-encoded from its pixels alone: EXIF (GPS included), XMP, comments and text
    chunks are gone; the orientation EXIF asked for is applied to the pixels first."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.width * img.height > MAX_PIXELS:
                raise WorkflowError(
                    f"file: image of {img.width}×{img.height} pixels is larger than {MAX_PIXELS:,}",
                    kind=Kind.unsupported,
                )
            img.load()
            clean = ImageOps.exif_transpose(img)
            out = io.BytesIO()
            if kind == "image/jpeg":
                clean.convert("RGB").save(out, "JPEG", quality=90, optimize=True)
            else:
                clean.save(out, "PNG", optimize=True)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError) as exc:
        raise WorkflowError(f"file: unreadable image ({type(exc).__name__})", kind=Kind.unsupported) from None
    return out.getvalue()


def path_of(settings: Settings, sha256: str) -> Path:
    return settings.uploads_path / sha256[:2] / sha256


def check_size(data: bytes, settings: Settings, name: str = "file") -> None:
    limit = int(settings.upload_max_mib * 1024 * 1024)
    if len(data) > limit:
        raise WorkflowError(f"{name}: {len(data):,} bytes, more than {limit:,}", kind=Kind.too_large)


def cleaned(data: bytes, kind: str) -> bytes:
    """The bytes to keep: an image without its metadata, a PDF as it came."""
    return without_metadata(data, kind) if kind.startswith("image/") else data


def keep(settings: Settings, digest: str, data: bytes) -> None:
    """Write the file under its hash, once (a repeat finds it there)."""
    path = path_of(settings, digest)
    if not path.exists():
        write_atomic(path, data)
        path.chmod(0o600)


def store_photo(data: bytes, settings: Settings) -> tuple[str, str]:
    """An inspection photo (JPEG or PNG), stored content-addressed without its metadata:
    (SHA-256, media type). Unrecorded until the inspection that names it is stored."""
    check_size(data, settings, "photo")
    kind = next((k for magic, k, _ in KINDS if k.startswith("image/") and data.startswith(magic)), None)
    if kind is None:
        raise WorkflowError("photo: not a JPEG or PNG (judged by its content, not its name)", kind=Kind.unsupported)
    data = without_metadata(data, kind)
    digest = hashlib.sha256(data).hexdigest()
    keep(settings, digest, data)
    return digest, kind


def store(
    session: Session,
    app: Application,
    data: bytes,
    filename: str,
    note: str,
    uploaded_by: str,
    settings: Settings,
) -> Stored:
    """Check, clean, store and record one document of `app`."""
    check_size(data, settings)
    if app.status not in ANSWERABLE:
        raise WorkflowError(
            f"application {app.id} is {app.status}: documents are taken while it waits for data or was returned",
            kind=Kind.refused,
        )
    kind, ext = media_type(data)
    data = cleaned(data, kind)
    digest = hashlib.sha256(data).hexdigest()
    existing = _existing(session, app.id, digest)
    if existing is not None:
        return Stored(existing, False)
    count = session.scalar(select(func.count()).where(ApplicationDocument.application_id == app.id)) or 0
    if count >= settings.uploads_per_application:
        raise WorkflowError(
            f"application {app.id} has {count} documents already, the most one application takes",
            kind=Kind.refused,
        )
    keep(settings, digest, data)
    failpoints.hit("upload.after_store")
    name = Path(filename or "document").name[:150] or "document"
    insert_ignoring_duplicates(
        session.connection(),
        ApplicationDocument.__table__,
        [
            {
                "application_id": app.id,
                "sha256": digest,
                "size": len(data),
                "media_type": kind,
                "filename": Path(name).stem[:150] + ext,
                "note": note.strip()[:2000],
                "uploaded_by": uploaded_by,
            }
        ],
    )
    doc = _existing(session, app.id, digest)
    assert doc is not None  # inserted now or by a concurrent twin
    audit.record(
        session,
        uploaded_by,
        "application.document_added",
        "application",
        app.id,
        {"document": doc.id, "sha256": digest, "size": len(data), "type": kind},
    )
    return Stored(doc, True)


def _existing(session: Session, app_id: int, digest: str) -> ApplicationDocument | None:
    return session.scalar(
        select(ApplicationDocument).where(
            ApplicationDocument.application_id == app_id, ApplicationDocument.sha256 == digest
        )
    )


def documents_of(session: Session, app_id: int) -> list[dict]:
    return [
        {
            "id": d.id,
            "filename": d.filename,
            "type": d.media_type,
            "size": d.size,
            "note": d.note,
            "uploaded_by": d.uploaded_by,
            "uploaded_at": d.uploaded_at.isoformat(timespec="seconds"),
        }
        for d in session.scalars(
            select(ApplicationDocument)
            .where(ApplicationDocument.application_id == app_id)
            .order_by(ApplicationDocument.id)
        )
    ]


def document_of(session: Session, app_id: int, doc_id: int) -> ApplicationDocument:
    doc = session.get(ApplicationDocument, doc_id)
    if doc is None or doc.application_id != app_id:
        raise WorkflowError(f"document {doc_id}: no such document", kind=Kind.not_found)
    return doc
