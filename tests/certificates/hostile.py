"""Hostile uploads for the verifier: PDFs built by hand around an embedded credential.json."""

from __future__ import annotations

import json
import zlib


def pdf_with_twin(twin: bytes, compress: bool = True) -> bytes:
    """A one-page PDF whose embedded credential.json holds `twin` (FlateDecode when `compress`)."""
    data = zlib.compress(twin, 9) if compress else twin
    flt = b"/Filter /FlateDecode " if compress else b""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles << /Names [(credential.json) 4 0 R] >> >> >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 842 595] >>",
        b"<< /Type /Filespec /F (credential.json) /EF << /F 5 0 R >> >>",
        b"<< /Type /EmbeddedFile "
        + flt
        + b"/Length "
        + str(len(data)).encode()
        + b" >>\nstream\n"
        + data
        + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def inflating_twin(size: int = 72 * 1024 * 1024) -> bytes:
    """A PDF of about 91 KB whose twin inflates to `size` bytes."""
    return pdf_with_twin(b'{"padding": "' + b" " * size + b'"}')


def nested_twin(depth: int = 100_000) -> bytes:
    return b"[" * depth + b"]" * depth


def twin_with_integer_valid_from(genuine: dict) -> bytes:
    return json.dumps(genuine | {"validFrom": 20260701}).encode()
