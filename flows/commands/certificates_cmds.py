"""Certificate commands: keys, certificate make/status/publish, verify, web (status changes: monitoring_cmds)."""

from __future__ import annotations

import getpass
import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from certificates import keys
from certificates.data import CertificateData, CertificateNumber, NumberError, new_serial
from certificates.status import REASONS
from checks import calendar
from checks.errors import Kind
from flows.commands.common import date_option, emit_json, fail, signed_in
from registry.settings import get_settings
from registry.status_lists import status_folder

commands = typer.Typer()
keys_app = typer.Typer(
    name="keys",
    help="The issuer's keys: Ed25519 for the twin, the X.509 CA and signing certificate for the PDF signature.",
    no_args_is_help=True,
)
cert_app = typer.Typer(name="certificate", help="Render, sign and manage certificates.", no_args_is_help=True)
GROUPS = (keys_app, cert_app)


def certificates_folder() -> Path:
    return get_settings().out_path / "certificates"


def _published_lists() -> dict[str, dict | None]:
    """The latest signed status lists as published (None for a list not there or not JSON)."""
    out: dict[str, dict | None] = {}
    for purpose in ("revocation", "suspension"):
        path = status_folder(get_settings()) / f"{purpose}.json"
        try:
            out[purpose] = json.loads(path.read_bytes())
        except (OSError, ValueError):
            out[purpose] = None
    return out


def _ring() -> keys.KeyRing:
    return keys.load(get_settings().keys_path)


def _issuer(issuer: str | None) -> str:
    return issuer or f"{get_settings().verify_base_url.rstrip('/')}/issuer"


def _pdf_line(ring: keys.KeyRing) -> str:
    if ring.pdf is None:
        return "no PDF signing certificate"
    active = next(c for c in ring.pdf.signers if c.id == ring.pdf.active)
    return f"PDF signing certificate {active.id} ({active.subject}, {active.source}, until {active.not_after[:10]})"


@keys_app.command("init")
def keys_init(
    issuer: Annotated[str | None, typer.Option(help="issuer id (default <verify_base_url>/issuer)")] = None,
) -> None:
    """Create the key ring with its first Ed25519 key, and the PDF signature's issuing CA and signing
    certificate (ECDSA P-256); private files mode 0600. Adds the PDF part to an older key folder."""
    s = get_settings()
    ring = keys.init(s.keys_path, _issuer(issuer), s.authority_zh)
    typer.echo(f"key ring at {ring.folder}: active key {ring.active}; {_pdf_line(ring)}")


@keys_app.command("rotate")
def keys_rotate() -> None:
    """Make a new active key and PDF signing certificate; old ones are kept so old certificates still verify."""
    ring = keys.rotate(get_settings().keys_path)
    typer.echo(f"active key now {ring.active}; {len(ring.keys) - 1} earlier key(s) kept for verification")
    if ring.pdf is not None and not keys.can_rotate_pdf(ring):
        typer.echo("the PDF signing certificate was imported: import the next one with `assured keys import-p12`")
    else:
        typer.echo(_pdf_line(ring))


def _passphrase(env: str | None) -> bytes | None:
    """From the environment variable named `env`, else standard input (typed without echo on a terminal)."""
    if env is not None:
        value = os.environ.get(env)
        if value is None:
            fail(f"--passphrase-env: the environment variable {env} is not set")
    elif sys.stdin.isatty():
        value = getpass.getpass("PKCS#12 passphrase: ")
    else:
        value = sys.stdin.readline().rstrip("\r\n")
    return value.encode() if value else None


@keys_app.command("import-p12")
def keys_import_p12(
    file: Annotated[Path, typer.Argument(help="the bureau's PKCS#12 file (.p12 / .pfx): key, certificate, CA chain")],
    passphrase_env: Annotated[
        str | None,
        typer.Option(help="name of the environment variable holding the passphrase (default: read from stdin)"),
    ] = None,
    ca: Annotated[Path | None, typer.Option(help="PEM file of the CA chain, when the PKCS#12 file lacks it")] = None,
    issuer: Annotated[str | None, typer.Option(help="issuer id for a new key ring")] = None,
) -> None:
    """Make the bureau's own signing certificate the active PDF signer; its CA becomes trusted (earlier CAs
    stay trusted, so certificates signed before still verify). The passphrase never goes on the command line."""
    try:
        data = file.read_bytes()
        extra = ca.read_bytes() if ca is not None else b""
    except OSError as exc:
        fail(f"{exc.filename}: {exc.strerror}")
    ring = keys.import_p12(get_settings().keys_path, _issuer(issuer), data, _passphrase(passphrase_env), extra)
    typer.echo(f"{_pdf_line(ring)}; {len(ring.pdf.anchors) if ring.pdf else 0} trusted CA(s)")


@keys_app.command("show")
def keys_show(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Public keys and certificates of the issuer (never the private ones)."""
    ring = _ring()
    if as_json:
        emit_json(ring.as_json())
        return
    for k in ring.keys:
        mark = "active" if k.id == ring.active else f"retired {k.retired}"
        typer.echo(f"{k.id}  {k.public_multibase}  created {k.created}  {mark}")
    if ring.pdf is None:
        typer.echo("no PDF signing certificate: run `assured keys init` or `assured keys import-p12`")
        return
    for c in ring.pdf.signers:
        mark = "active" if c.id == ring.pdf.active else f"retired {c.retired}"
        typer.echo(
            f"{c.id}  {c.subject}  serial {c.serial}  {c.not_before[:10]}..{c.not_after[:10]}  {c.source}  {mark}"
        )
    for a in ring.pdf.anchors:
        typer.echo(f"{a.id}  trusted CA  {a.subject}  sha256 {a.sha256}  until {a.not_after[:10]}")


@cert_app.command("make")
def certificate_make(
    data_file: Annotated[Path, typer.Argument(help="JSON with the CertificateData fields")],
    out: Annotated[Path, typer.Option(help="folder for <number>.pdf and <number>.json")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Lint, render and sign one certificate from a JSON file (serial, authority and URL default):
    a signed-in admin, for a business whose application or renewal was approved and awaits issue,
    with the registry's name and USCC; the application becomes issued (a renewal supersedes)."""
    # reportlab (registry.certificates lints through documents.certificate): only when a command uses them
    from documents import emails
    from documents.certificate import lint, make_certificate
    from registry.certificates import publish_lists, record_issued, record_reservation, status_store, write_files
    from registry.manual_issuance import application_for_manual_issuance

    try:
        raw = json.loads(data_file.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        fail(f"{data_file}: {exc}")
    if not isinstance(raw, dict):
        fail(f"{data_file}: expected a JSON object of certificate fields")
    s = get_settings()
    raw.setdefault("serial", new_serial())
    raw.setdefault("authority", s.authority_zh)
    if "verification_url" not in raw and "number" in raw:
        ascii_number = CertificateNumber.parse(str(raw["number"])).ascii
        raw["verification_url"] = f"{s.verify_base_url.rstrip('/')}/verify/{ascii_number}"
    try:
        data = CertificateData.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        fail(f"{data_file}: field {'.'.join(map(str, err['loc']))}={err.get('input')!r}: {err['msg']}")
    lint(data)  # the data's own problems first, named field by field
    who = signed_in()
    actor = f"account:{who.account.username}"
    ring = _ring()
    with status_store(write=True, actor=actor) as store:
        app_id = application_for_manual_issuance(store.session, data, who.account).id
        record_reservation(store.session, data, app_id, actor=actor)
    with status_store(write=True, actor=actor) as store:
        issued = make_certificate(data, ring, store)
    pdf_path, json_path = write_files(issued, out, ".json")
    subject, body = emails.certificate_issued(data, s.authority_zh)
    number = data.parsed_number.ascii
    with status_store(write=True, actor=actor) as store:
        superseded = record_issued(store.session, app_id, number, pdf_path, json_path, issued.pdf, subject, body, s)
        publish_lists(store, ring)
    if as_json:
        emit_json(
            {
                "number": data.number,
                "number_zh": data.number_zh,
                "serial": data.serial,
                "pdf": str(pdf_path),
                "credential": str(json_path),
                "application_id": app_id,
                "superseded": superseded,
            }
        )
    else:
        typer.echo(
            f"{data.number_zh} ({data.number}) -> {pdf_path}" + (f"; supersedes {superseded}" if superseded else "")
        )


@cert_app.command("status")
def status(number: str, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Current status and history of one certificate."""
    from registry.certificates import status_store  # reportlab, via documents.certificate

    ascii_number = CertificateNumber.parse(number).ascii
    with status_store() as store:
        rec = store.get(ascii_number)
    if rec is None:
        fail(f"no certificate {ascii_number} in the registry", Kind.not_found)
    if as_json:
        emit_json(rec.as_json() | {"status": rec.status_on(calendar.today())})
        return
    typer.echo(f"{ascii_number}: {rec.status_on(calendar.today())}")
    for e in rec.history:
        typer.echo(f"  {e.on}  {e.state:<9} {e.reason} ({REASONS[e.reason][0]}) {e.note}".rstrip())


@cert_app.command("publish")
def publish() -> None:
    """Re-sign and write the revocation and suspension status lists."""
    from registry.certificates import publish_lists, status_store  # reportlab, via documents.certificate

    ring = _ring()
    with status_store() as store:
        paths = publish_lists(store, ring)
    for path in paths:
        typer.echo(str(path))


@commands.command("verify")
def verify(
    target: Annotated[str, typer.Argument(help="certificate PDF, credential JSON, or certificate number")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
    today: Annotated[str | None, typer.Option(help="check validity as of this date")] = None,
) -> None:
    """Check format, PDF signature, issuer key, signature, PDF binding, status and validity; exit 0 only if all pass."""
    from certificates.limits import FormatError, parse_twin
    from certificates.verify import Report, Step, verify_pdf, with_status_lists  # pyHanko: only when verifying
    from certificates.verify import verify as verify_twin
    from registry.certificates import status_store  # reportlab, via documents.certificate

    ring = _ring()
    day = date_option(today, "--today") or calendar.today()
    path = Path(target)
    with status_store() as store:
        args = (ring.verification_keys(), ring.issuer, store.get, day)
        if path.is_file():
            content = path.read_bytes()
            if content.startswith(b"%PDF"):
                report = verify_pdf(content, *args)
            else:
                try:
                    report = verify_twin(parse_twin(content, str(path)), None, *args)
                except FormatError as exc:
                    report = Report(False, "invalid", None, (Step("format", False, exc.code, str(exc)),))
        else:
            try:
                number = CertificateNumber.parse(target).ascii
            except NumberError as exc:
                fail(f"{target}: no such file, and {exc}", Kind.not_found)
            twin = store.credential(number)
            if twin is None:
                fail(f"no certificate {number} in the registry", Kind.not_found)
            report = verify_twin(twin, None, *args)
        if report.number is not None:
            report = with_status_lists(report, store.get(report.number), _published_lists(), args[0])
    if as_json:
        emit_json(report.as_json())
    else:
        for s in report.steps:
            typer.echo(f"{'ok  ' if s.ok else 'FAIL'} {s.step:<13} {s.code:<22} {s.detail}")
        typer.echo(f"{report.number or target}: {report.status}")
    if not report.valid:
        raise typer.Exit(1)


@commands.command("web")
def web(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8000,
) -> None:
    """The verification site (/verify/{number}, /api/verify/{number}, /status/{list}, PDF upload) and the
    reviewers' workbench (/review, /api)."""
    import uvicorn  # the web server stack (uvicorn, FastAPI): only when the site runs

    from web.app import create_app

    s = get_settings()
    if s.portal_assessor == "process":  # its imports take a second or two: not at the first application
        from web.portal_api import CHILD_RUNS

        CHILD_RUNS.start()
    uvicorn.run(create_app(certificates_folder(), s.keys_path), host=host, port=port, log_level="warning")
