"""The verification site's words, in Chinese and English (`?lang=en`)."""

from __future__ import annotations

PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="/static/assured.css"></head>
<body><header><h1>{h1}</h1></header><main>{body}</main></body></html>"""

STATUS = {
    "zh": {
        "valid": "有效",
        "suspended": "已暂停",
        "revoked": "已撤销",
        "superseded": "已换发新证书，本证书停止使用",
        "expired": "已过期",
        "invalid": "无效（核验未通过）",
        "unchecked": "状态无法核验，请稍后再试（不能视为有效）",
        "unknown": "未找到",
    },
    "en": {
        "valid": "Valid",
        "suspended": "Suspended",
        "revoked": "Revoked",
        "superseded": "Replaced by a renewed certificate; this one is no longer in use",
        "expired": "Expired",
        "invalid": "Invalid (verification failed)",
        "unchecked": "Status could not be checked; try again later (not to be taken as valid)",
        "unknown": "Not found",
    },
}
STEP = {
    "zh": {
        "format": "格式",
        "pdf_signature": "PDF 电子签章（签发后未被改动）",
        "issuer_key": "发证机关密钥",
        "signature": "电子签名",
        "binding": "PDF 与签名副本一致",
        "status": "证书状态",
        "validity": "有效期",
    },
    "en": {
        "format": "Format",
        "pdf_signature": "PDF signature (unchanged since issue)",
        "issuer_key": "Issuing authority's key",
        "signature": "Digital signature",
        "binding": "PDF matches the signed credential",
        "status": "Certificate status",
        "validity": "Validity period",
    },
}
TEXT = {
    "zh": {
        "html": "zh-CN",
        "h1": "放心消费证书核验",
        "title": "证书核验",
        "not_found": "未找到",
        "no_such": "没有编号为 {} 的证书。请核对编号，或联系发证机关。",
        "programme": "证书类别",
        "business": "经营者名称",
        "store": "门店名称",
        "number": "证书编号",
        "validity": "有效期",
        "to": "至",
        "authority": "发证机关",
        "reason": "原因",
        "steps": "核验步骤",
        "no_pdf": "未上传 PDF：核验登记的电子证书",
        "checked_on": "核验日期",
        "upload": "也可上传证书 PDF 核验：",
        "verify_pdf": "核验 PDF",
        "look_up": "查询",
        "other_lang": "English",
    },
    "en": {
        "html": "en",
        "h1": "Assured consumption certificate check",
        "title": "Certificate check",
        "not_found": "Not found",
        "no_such": "There is no certificate numbered {}. Check the number, or ask the issuing authority.",
        "programme": "Programme",
        "business": "Business",
        "store": "Store",
        "number": "Certificate number",
        "validity": "Valid",
        "to": "to",
        "authority": "Issued by",
        "reason": "Reason",
        "steps": "Verification steps",
        "no_pdf": "No PDF uploaded: the registered credential is checked",
        "checked_on": "Checked on",
        "upload": "You can also upload the certificate PDF: ",
        "verify_pdf": "Verify PDF",
        "look_up": "Look up",
        "other_lang": "中文",
    },
}
