"""What an instance needs, checked one thing at a time: each check says what it found and, when it
fails, the fix. `assured doctor` prints them all; every flow run performs `require_registry` first,
so a worker with the wrong settings fails with the registry's line instead of working on (and
silently creating) an empty database.
"""

from __future__ import annotations

import base64
import ipaddress
import os
import smtplib
import stat
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from certificates import keys
from checks.errors import AssuredError, Kind
from documents.fonts import cjk_font
from registry.db import alembic_config, make_engine, open_registry
from registry.models import Registration
from registry.settings import Settings
from registry.status_lists import stale_lists
from registry.workflow_models import Account, Certificate

LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


@dataclass(frozen=True)
class Check:
    """One check's result: `found` says what is there; `fix` what to do when it is not right."""

    name: str
    ok: bool
    found: str
    fix: str = ""

    def line(self) -> str:
        if self.ok:
            return f"ok    {self.name}: {self.found}"
        return f"FAIL  {self.name}: {self.found} — fix: {self.fix}"


class RegistryNotReady(AssuredError):
    kind = Kind.unavailable


def shown_url(url: str) -> str:
    """The database URL without its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 (an unparseable URL is shown as given; make_engine reports it)
        return url


_WHERE = "set ASSURED_HOME and/or ASSURED_DATABASE_URL to the instance's registry (the same on every worker)"


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None for another database or an in-memory one)."""
    if not url.startswith("sqlite"):
        return None
    path = url.split("///", 1)[-1]
    return Path(path) if path and path != ":memory:" else None


def database(settings: Settings) -> Check:
    """Reachable and at the migrations' head (without creating a database that is not there)."""
    url = settings.db_url
    path = sqlite_path(url)
    if path is not None and not path.is_file():
        return Check("database", False, f"no registry at {path}", f"{_WHERE}, or run `assured init` to create one")
    try:
        with make_engine(url).connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
    except (SQLAlchemyError, AssuredError, OSError) as exc:
        reason = str(exc).splitlines()[0][:200]
        return Check("database", False, f"{shown_url(url)} unreachable ({reason})", _WHERE)
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    if current != head:
        return Check(
            "database",
            False,
            f"{shown_url(url)} at migration {current or 'none'}, head is {head}",
            "run `assured init`",
        )
    return Check("database", True, f"{shown_url(url)} at migration head {head}")


def registry_data(settings: Settings) -> Check:
    """The registry holds something to work on: registrations, certificates or accounts. A flow
    never has anything to do in one that holds none (it is a new database, or the wrong one)."""
    url = settings.db_url
    try:
        with open_registry(url)() as session:
            held = {
                name: session.scalar(select(func.count()).select_from(model)) or 0
                for name, model in (
                    ("registrations", Registration),
                    ("certificates", Certificate),
                    ("accounts", Account),
                )
            }
    except (SQLAlchemyError, OSError) as exc:
        return Check("registry", False, f"{shown_url(url)}: {str(exc).splitlines()[0][:200]}", _WHERE)
    if not any(held.values()):
        return Check(
            "registry",
            False,
            f"{shown_url(url)} holds no registrations, certificates or accounts",
            f"{_WHERE}, or ingest the bureau's records (`assured ingest DIR` / `assured sync URL`)",
        )
    return Check("registry", True, ", ".join(f"{n} {name}" for name, n in held.items()))


def registry_ready(settings: Settings) -> Check:
    """The registry part of the doctor, as every flow run performs it first."""
    reachable = database(settings)
    if not reachable.ok and "head is" not in reachable.found:  # behind the head: the flow's open upgrades it
        return reachable
    return registry_data(settings)


def require_registry(settings: Settings) -> None:
    """Refuse, with the doctor's line, to run on a registry that is missing or empty."""
    check = registry_ready(settings)
    if not check.ok:
        raise RegistryNotReady(check.line())


def signing_keys(settings: Settings) -> Check:
    """The key ring is there and every private key file is mode 0600."""
    folder = settings.keys_path
    try:
        keys.load(folder)
    except AssuredError as exc:
        return Check("signing keys", False, str(exc), "run `assured keys init` (or restore the key ring from a backup)")
    private = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in (".pem", ".key"))
    loose = [p for p in private if stat.S_IMODE(p.stat().st_mode) != 0o600]
    if loose:
        names = " ".join(str(p) for p in loose)
        return Check("signing keys", False, f"private key files not mode 0600: {names}", f"chmod 600 {names}")
    return Check("signing keys", True, f"key ring at {folder}, {len(private)} private key files mode 0600")


def status_lists(settings: Settings) -> Check:
    """The published status lists say what the register says of every certificate."""
    try:
        with open_registry(settings.db_url)() as session:
            problems = stale_lists(session, settings)
    except (SQLAlchemyError, OSError) as exc:
        return Check("status lists", False, f"not checked: {str(exc).splitlines()[0][:200]}", "fix the database first")
    if problems:
        return Check(
            "status lists",
            False,
            "; ".join(problems) + " (verification reports those certificates invalid)",
            "run `assured audit verify`: if the chain holds, a run stopped before republishing — run "
            "`assured certificate publish`; if not, the register was changed outside the workflow",
        )
    return Check("status lists", True, "the published lists say what the register says")


def writable(name: str, folder: Path) -> Check:
    """`folder` exists (or can be made) and a file can be written in it."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".doctor-"):
            pass
    except OSError as exc:
        return Check(
            name,
            False,
            f"{folder} not writable ({exc.strerror or exc})",
            f"give the service's user write access to {folder}",
        )
    return Check(name, True, f"{folder} writable")


def font() -> Check:
    found = cjk_font()
    if not found.embedded:
        return Check(
            "CJK font",
            False,
            "no TrueType CJK font: certificates would use the non-embedded STSong-Light",
            "install fonts-droid-fallback or fonts-wqy-zenhei (.ci/system-deps.sh)",
        )
    return Check("CJK font", True, f"{found.path} embedded")


def _is_loopback(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    if host in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def public_urls(settings: Settings) -> Check:
    """The addresses printed in QR codes and used for the web app reach people, not this machine."""
    urls = {"ASSURED_VERIFY_BASE_URL": settings.verify_base_url}
    if settings.public_url:
        urls["ASSURED_PUBLIC_URL"] = settings.public_url
    local = [f"{k}={v}" for k, v in urls.items() if _is_loopback(v)]
    if local and settings.production:
        return Check(
            "public URL",
            False,
            f"loopback address in production: {', '.join(local)}",
            "set it to the bureau's public https address",
        )
    found = ", ".join(f"{k}={v}" for k, v in urls.items())
    return Check("public URL", True, found + (" (loopback: local use only)" if local else ""))


def _auth_headers() -> dict[str, str]:
    auth = os.environ.get("PREFECT_API_AUTH_STRING")
    return {"Authorization": "Basic " + base64.b64encode(auth.encode()).decode()} if auth else {}


def prefect_api(settings: Settings) -> Check:
    """A configured Prefect API answers; in production it is required and keeps its data on PostgreSQL."""
    api = os.environ.get("PREFECT_API_URL")
    if not api:
        if settings.production:
            return Check(
                "Prefect API",
                False,
                "PREFECT_API_URL not set (a temporary local server would run the flows)",
                "set PREFECT_API_URL (and PREFECT_API_AUTH_STRING) to the bureau's Prefect server",
            )
        return Check("Prefect API", True, "not configured: each command runs a temporary local server")
    try:
        health = requests.get(f"{api.rstrip('/')}/admin/version", headers=_auth_headers(), timeout=5)
    except requests.RequestException as exc:
        return Check(
            "Prefect API",
            False,
            f"{api} unreachable ({type(exc).__name__})",
            "start `prefect server start` or correct PREFECT_API_URL",
        )
    if health.status_code == 401:
        return Check(
            "Prefect API",
            False,
            f"{api} refused the credentials (401)",
            "set PREFECT_API_AUTH_STRING to the server's auth string",
        )
    if not health.ok:
        return Check("Prefect API", False, f"{api} answered {health.status_code}", "check the Prefect server's log")
    if not settings.production:
        return Check("Prefect API", True, f"{api} reachable")
    # The API obfuscates its database URL, so this reads the environment doctor runs in: run it on the
    # Prefect server's machine with the server's settings too.
    prefect_db = os.environ.get("PREFECT_API_DATABASE_CONNECTION_URL") or os.environ.get(
        "PREFECT_SERVER_DATABASE_CONNECTION_URL", ""
    )
    if not prefect_db.startswith("postgresql"):
        return Check(
            "Prefect API",
            False,
            f"{api} reachable, but PREFECT_API_DATABASE_CONNECTION_URL is not a PostgreSQL URL here "
            "(Prefect's own SQLite locks under several workers)",
            "start the server with PREFECT_API_DATABASE_CONNECTION_URL=postgresql+asyncpg://… and run doctor "
            "with the server's environment",
        )
    return Check("Prefect API", True, f"{api} reachable, its database on PostgreSQL")


def worker_checkout() -> Check:
    """ASSURED_REPO, which the deployments' pull step resolves on a worker, names a checkout."""
    repo = os.environ.get("ASSURED_REPO")
    if not repo:
        return Check("worker checkout", True, "ASSURED_REPO not set (a Prefect worker needs it: its checkout's path)")
    if not (Path(repo) / "prefect.yaml").is_file() or not (Path(repo) / "flows").is_dir():
        return Check(
            "worker checkout",
            False,
            f"ASSURED_REPO={repo} is not a checkout of this project (no prefect.yaml and flows/)",
            "set ASSURED_REPO to the path of this machine's checkout",
        )
    return Check("worker checkout", True, f"ASSURED_REPO={repo}")


def smtp(settings: Settings) -> Check:
    if not settings.smtp_host:
        return Check("SMTP", True, "not configured: documents go to the outbox only")
    where = f"{settings.smtp_host}:{settings.smtp_port}"
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=5) as conn:
            conn.noop()
    except (OSError, smtplib.SMTPException) as exc:
        return Check(
            "SMTP",
            False,
            f"{where} unreachable ({exc})",
            "correct ASSURED_SMTP_HOST / ASSURED_SMTP_PORT or unset ASSURED_SMTP_HOST",
        )
    return Check("SMTP", True, f"{where} answers")


def run_all(settings: Settings) -> list[Check]:
    """Every check, in the order an operator fixes them."""
    first = database(settings)
    steps: list[Callable[[], Check]] = [
        lambda: (
            registry_data(settings)
            if first.ok
            else Check("registry", False, "not checked: no database", "fix the database first")
        ),
        lambda: signing_keys(settings),
        lambda: (
            status_lists(settings)
            if first.ok
            else Check("status lists", False, "not checked: no database", "fix the database first")
        ),
        lambda: writable("output folder", settings.out_path),
        lambda: writable("outbox", settings.outbox_path),
        lambda: writable("uploads", settings.uploads_path),
        font,
        lambda: prefect_api(settings),
        worker_checkout,
        lambda: public_urls(settings),
        lambda: smtp(settings),
    ]
    return [first, *(step() for step in steps)]
