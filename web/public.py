"""The public verification site (FastAPI): what a consumer sees after scanning a certificate's QR.

Pages show the business, programme, status and validity only: no personal data.
"""

from __future__ import annotations

import html
from pathlib import Path

from fastapi import APIRouter, File, HTTPException, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse

from certificates import keys
from certificates.data import CertificateNumber, NumberError
from certificates.status import PURPOSES
from certificates.verify import Report, verify, verify_pdf
from checks import calendar
from checks.programmes import PROGRAMMES
from registry.certificates import status_store
from web import ops

STATUS_ZH = {
    "valid": "有效",
    "suspended": "已暂停",
    "revoked": "已撤销",
    "superseded": "已换发新证书，本证书停止使用",
    "expired": "已过期",
    "invalid": "无效（核验未通过）",
    "unknown": "未找到",
}
STEP_ZH = {
    "format": "格式",
    "pdf_signature": "PDF 电子签章（签发后未被改动）",
    "issuer_key": "发证机关密钥",
    "signature": "电子签名",
    "binding": "PDF 与签名副本一致",
    "status": "证书状态",
    "validity": "有效期",
}
MAX_UPLOAD = 5 * 1024 * 1024

PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="/static/assured.css"></head>
<body><header><h1>放心消费证书核验</h1></header><main>{body}</main></body></html>"""


def _esc(v) -> str:
    return html.escape(str(v))


def router(certificates_folder: Path, keys_folder: Path) -> APIRouter:
    """`certificates_folder` holds the published status lists; `keys_folder` the key ring; status and
    twins come from the registry (one read transaction per request)."""
    app = APIRouter()

    def check(store, twin=None, pdf: bytes | None = None) -> Report:
        ring = keys.load(keys_folder)
        args = (ring.verification_keys(), ring.issuer, store.get, calendar.today())
        report = verify_pdf(pdf, *args) if pdf is not None else verify(twin, None, *args)
        ops.verified(report)
        return report

    def by_number(number: str) -> tuple[str, dict | None, Report | None]:
        try:
            ascii_number = CertificateNumber.parse(number).ascii
        except NumberError:
            raise HTTPException(400, f"证书编号格式不正确: {number}") from None
        with status_store() as store:
            twin = store.credential(ascii_number)
            if twin is None:
                ops.verified(None)
            return ascii_number, twin, (check(store, twin) if twin is not None else None)

    def summary(twin: dict | None, report: Report) -> dict:
        subject = (twin or {}).get("credentialSubject", {})
        programme = subject.get("programme")
        return {
            "business": subject.get("name"),
            "store": subject.get("storeName"),
            "programme": programme,
            "programme_title": PROGRAMMES[programme].title_zh if programme in PROGRAMMES else None,
            "number_zh": subject.get("certificateNumber"),
            "valid_from": str((twin or {}).get("validFrom", ""))[:10] or None,
            "valid_until": str((twin or {}).get("validUntil", ""))[:10] or None,
            "authority": (twin or {}).get("issuer", {}).get("name"),
        }

    def page(twin: dict | None, report: Report | None, number: str) -> HTMLResponse:
        if report is None:
            body = (
                f'<p><span class="badge s-unknown">未找到</span></p>'
                f"<p>没有编号为 {_esc(number)} 的证书。请核对编号，或联系发证机关。</p>"
            )
            return HTMLResponse(PAGE.format(title="证书核验", body=body), status_code=404)
        info = summary(twin, report)
        label = STATUS_ZH[report.status]
        rows = [
            ("证书类别", info["programme_title"]),
            ("经营者名称", info["business"]),
            ("门店名称", info["store"]),
            ("证书编号", info["number_zh"]),
            ("有效期", f"{info['valid_from']} 至 {info['valid_until']}"),
            ("发证机关", info["authority"]),
        ]
        table = "".join(f"<tr><th>{k}</th><td>{_esc(v)}</td></tr>" for k, v in rows if v)
        steps = "".join(
            f'<li class="{"ok" if s.ok else "bad"}">{"✓" if s.ok else "✗"} '
            f"{'未上传 PDF：核验登记的电子证书' if s.code == 'NO_PDF' else STEP_ZH.get(s.step, s.step)}"
            f" <small>({_esc(s.code)})</small></li>"
            for s in report.steps
        )
        body = (
            f'<p><span class="badge s-{report.status}">{label}</span></p>'
            f"<table>{table}</table><h3>核验步骤</h3><ul>{steps}</ul>"
            f'<footer>核验日期 {calendar.today()}。也可上传证书 PDF 核验：<form action="/verify" method="post" '
            f'enctype="multipart/form-data"><input type="file" name="file" accept="application/pdf"> '
            f"<button>核验 PDF</button></form></footer>"
        )
        return HTMLResponse(PAGE.format(title=f"证书核验 {_esc(info['number_zh'] or number)}", body=body))

    @app.get("/", response_class=HTMLResponse)
    def index() -> HTMLResponse:
        body = (
            '<form action="/go" method="get"><p>证书编号：<input name="number" size="34" '
            'placeholder="鄂放心〔2026〕第420100-000123号"> <button>查询</button></p></form>'
            '<form action="/verify" method="post" enctype="multipart/form-data"><p>上传证书 PDF：'
            '<input type="file" name="file" accept="application/pdf"> <button>核验</button></p></form>'
        )
        return HTMLResponse(PAGE.format(title="放心消费证书核验", body=body))

    @app.get("/go")
    def go(number: str):
        ascii_number, twin, report = by_number(number)
        return page(twin, report, ascii_number)

    @app.get("/verify/{number}", response_class=HTMLResponse)
    def verify_page(number: str) -> HTMLResponse:
        ascii_number, twin, report = by_number(number)
        return page(twin, report, ascii_number)

    @app.get("/api/verify/{number}")
    def verify_api(number: str) -> JSONResponse:
        ascii_number, twin, report = by_number(number)
        if report is None:
            return JSONResponse({"valid": False, "status": "unknown", "number": ascii_number, "steps": []}, 404)
        return JSONResponse(report.as_json() | {"certificate": summary(twin, report)})

    async def read_upload(file: UploadFile) -> bytes:
        content = await file.read(MAX_UPLOAD + 1)
        if len(content) > MAX_UPLOAD:
            raise HTTPException(413, f"file larger than {MAX_UPLOAD} bytes")
        return content

    @app.post("/verify", response_class=HTMLResponse)
    async def verify_upload(file: UploadFile = File(...)) -> HTMLResponse:
        content = await read_upload(file)
        with status_store() as store:
            report = check(store, pdf=content)
            twin = store.credential(report.number) if report.number else None
        return page(twin, report, report.number or file.filename or "")

    @app.post("/api/verify")
    async def verify_upload_api(file: UploadFile = File(...)) -> JSONResponse:
        content = await read_upload(file)
        with status_store() as store:
            return JSONResponse(check(store, pdf=content).as_json())

    @app.get("/status/{name}")
    def status_list(name: str):
        if name not in PURPOSES:
            raise HTTPException(404, f"no status list {name!r}; lists: {', '.join(PURPOSES)}")
        path = certificates_folder / "status" / f"{name}.json"
        if not path.is_file():
            raise HTTPException(404, f"status list {name} not published yet")
        return FileResponse(path, media_type="application/vc+ld+json")

    @app.get("/issuer")
    def issuer() -> JSONResponse:
        ring = keys.load(keys_folder)
        return JSONResponse(
            {
                "id": ring.issuer,
                "assertionMethod": [
                    {
                        "id": k.id,
                        "type": "Multikey",
                        "controller": ring.issuer,
                        "publicKeyMultibase": k.public_multibase,
                    }
                    for k in ring.keys
                ],
            }
        )

    return app
