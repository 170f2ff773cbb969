"""The verification site's HTML: what a consumer reads on a phone after scanning a certificate's QR.

Plain words only: a step's internal code (`FORMAT_OK`) and a reason's code stay in the JSON API.
A file that is not a certificate PDF (a photo, a scan) is said to be so, never "invalid": the
certificate it shows may well be genuine. Every page ends with whom to ask (the issuing
authority, 12315).
"""

from __future__ import annotations

import html

from certificates.verify import Report
from checks.calendar import zh_date
from web.public_text import PAGE, STATUS, STEP, TEXT

NOT_CERTIFICATE = "not_certificate"  # a page status: the file carries no certificate to check
UNFINISHED = "unfinished"  # a page status: the upload could not be checked in time


def esc(v: object) -> str:
    return html.escape(str(v))


def day(lang: str, iso: str) -> str:
    """A date as the page's language writes it: 2026年6月30日 in Chinese, 2026-06-30 in English."""
    try:
        return zh_date(iso) if lang == "zh" else iso
    except ValueError:
        return iso


def page_status(report: Report) -> str:
    """What the page says of the report: the report's status, or that the file was no certificate
    PDF, or that verification did not finish; a status that could not be checked is never valid."""
    if report.number is None and report.steps and report.steps[0].step == "format" and not report.steps[0].ok:
        return UNFINISHED if report.steps[0].code == "FORMAT_TOO_COMPLEX" else NOT_CERTIFICATE
    if any(s.code == "STATUS_UNAVAILABLE" for s in report.steps):
        return "unchecked"
    return report.status


def document(lang: str, title: str, body: str, contact: str | None, authority: str) -> str:
    t = TEXT[lang]
    help_ = t["help"].format(authority=esc(authority))
    phone = (
        f'<li><a class="pv-button" href="tel:{esc(contact)}">{t["call_authority"]} {esc(contact)}</a></li>'
        if contact
        else ""
    )
    footer = (
        f'<footer class="pv-help"><h2>{t["help_title"]}</h2><p>{help_}</p><ul class="pv-links">{phone}'
        f'<li><a class="pv-button" href="tel:12315">{t["call_12315"]}</a></li>'
        f'<li><a class="pv-button" href="https://www.12315.cn/">{t["site_12315"]}</a></li></ul></footer>'
    )
    return PAGE.format(lang=t["html"], title=esc(title), h1=t["h1"], sub=esc(authority), body=body + footer)


def lookup_form(lang: str, value: str = "") -> str:
    t = TEXT[lang]
    return (
        f'<form class="pv-form" action="/go" method="get"><input type="hidden" name="lang" value="{lang}">'
        f'<label for="number">{t["number"]}</label><p class="pv-hint">{t["number_hint"]}</p>'
        f'<input id="number" name="number" value="{esc(value)}" autocomplete="off" '
        f'placeholder="鄂放心〔2026〕第420100-000123号"><button class="pv-button">{t["look_up"]}</button></form>'
    )


def upload_form(lang: str) -> str:
    t = TEXT[lang]
    return (
        f'<form class="pv-form" action="/verify?lang={lang}" method="post" enctype="multipart/form-data">'
        f'<label for="file">{t["upload"]}</label><p class="pv-hint">{t["upload_hint"]}</p>'
        f'<input id="file" type="file" name="file" accept="application/pdf">'
        f'<button class="pv-button">{t["verify_pdf"]}</button></form>'
    )


def index(lang: str, contact: str | None, authority: str) -> str:
    t = TEXT[lang]
    other = "zh" if lang == "en" else "en"
    body = (
        f'<p class="pv-lead">{t["intro"]}</p>{lookup_form(lang)}{upload_form(lang)}'
        f'<p><a class="pv-lang" href="/?lang={other}">{t["other_lang"]}</a></p>'
    )
    return document(lang, t["title"], body, contact, authority)


def error(lang: str, status: int, number: str, contact: str | None, authority: str) -> str:
    """A mistyped number, too many lookups, a file too large: what went wrong and what to do, in words."""
    t = TEXT[lang]
    message = t["errors"].get(status, t["errors"][0]).format(detail=esc(number))
    body = f'<div class="pv-error" role="alert"><h2>{t["error_title"]}</h2><p>{message}</p></div>'
    body += lookup_form(lang, number) if status in (400, 404) else ""
    return document(lang, t["title"], body, contact, authority)


def not_found(lang: str, number: str, contact: str | None, authority: str) -> str:
    t = TEXT[lang]
    body = (
        f'<p><span class="badge s-unknown">{t["not_found"]}</span></p><p>{t["no_such"].format(esc(number))}</p>'
        + lookup_form(lang, number)
    )
    return document(lang, t["title"], body, contact, authority)


def result(lang: str, info: dict, report: Report, checked_on: str, contact: str | None, authority: str) -> str:
    """The certificate's facts, its status in words and the steps checked, each in words only."""
    t = TEXT[lang]
    status = page_status(report)
    if status in (NOT_CERTIFICATE, UNFINISHED):
        body = (
            f'<p><span class="badge s-unknown">{STATUS[lang][status]}</span></p><p>{t[status + "_hint"]}</p>'
            + lookup_form(lang)
        )
        return document(lang, t["title"], body, contact, authority)
    store = info["store"] if info["store"] and info["store"] != info["business"] else None
    validity = (
        f"{day(lang, info['valid_from'])} {t['to']} {day(lang, info['valid_until'])}"
        if info["valid_from"] and info["valid_until"]
        else None
    )
    reason = info["reason"][lang] if info["reason"] else None
    rows = [
        (t["programme"], info["programme_title"]),
        (t["business"], info["business"]),
        (t["store"], store),
        (t["address"], info["address"]),
        (t["number"], info["number_zh"]),
        (t["validity"], validity),
        (t["authority"], info["authority"]),
        (t["reason"], reason),
    ]
    facts = "".join(f"<div><dt>{k}</dt><dd>{esc(v)}</dd></div>" for k, v in rows if v)
    steps = "".join(
        f'<li class="{"ok" if s.ok else "bad"}"><span aria-hidden="true">{"✓" if s.ok else "✗"}</span> '
        f"{STEP[lang].get(s.step, t['other_step'])}{'' if s.ok else t['failed']}</li>"
        for s in report.steps
        if s.code != "NO_PDF"
    )
    no_pdf = f'<p class="pv-note">{t["no_pdf"]}</p>' if any(s.code == "NO_PDF" for s in report.steps) else ""
    body = (
        f'<p><span class="badge s-{status}">{STATUS[lang][status]}</span></p>'
        f'<dl class="pv-facts">{facts}</dl><h2>{t["steps"]}</h2><ul class="pv-steps">{steps}</ul>{no_pdf}'
        f'<p class="pv-note">{t["checked_on"]} {day(lang, checked_on)}</p>{upload_form(lang)}'
    )
    title = f"{t['title']} {info['number_zh'] or report.number or ''}".strip()
    return document(lang, title, body, contact, authority)
