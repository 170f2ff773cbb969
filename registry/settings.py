"""The one settings object. Environment variables `ASSURED_*`, optional `.env`."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASSURED_", env_file=".env", extra="ignore")

    home: Path = Field(Path(".assured"), description="data folder: database, keys, outputs")
    database_url: str | None = Field(None, description="SQLAlchemy URL; default SQLite under home")
    source_url: str | None = Field(None, description="base URL of the HTTP record sources")
    http_timeout: float = Field(10.0, description="seconds per HTTP request to a source")
    http_retries: int = Field(5, description="retries on connect errors, 5xx and 429")
    sync_page_size: int = Field(5000, description="records per page when syncing a source")
    evidence_max_age_hours: float = Field(24.0, description="re-pull a business from the sources when older")
    output_dir: Path | None = Field(None, description="certificates, letters, disclosures")
    keys_dir: Path | None = Field(None, description="signing keys (private files mode 0600)")
    outbox_dir: Path | None = Field(None, description="delivered documents, one folder per business")
    uploads_dir: Path | None = Field(None, description="documents businesses upload, stored by SHA-256")
    upload_max_mib: float = Field(10, description="largest document a business may upload")
    uploads_per_application: int = Field(20, description="most documents one application may carry")
    portal_assessor: Literal["process", "thread"] = Field(
        "process",
        description="where `assured web` runs the portal's assessments: a child process, or a thread of its own",
    )
    portal_code_minutes: float = Field(10, description="a business's one-time sign-in code lives this long")
    portal_code_attempts: int = Field(5, description="tries one sign-in code allows")
    portal_codes_per_uscc: int = Field(3, description="sign-in codes one USCC may ask for in 15 minutes")
    portal_codes_per_client: int = Field(20, description="sign-in codes one client address may ask for in an hour")
    smtp_host: str | None = Field(None, description="SMTP server for e-mail delivery; unset: outbox only")
    smtp_port: int = Field(25, description="SMTP port")
    smtp_user: str | None = Field(None, description="SMTP login, if the server wants one")
    smtp_password: str | None = Field(None, description="SMTP password (never logged)")
    smtp_starttls: bool = Field(False, description="upgrade the SMTP connection with STARTTLS")
    mail_from: str = Field("noreply@assured.local", description="sender address of delivered mail")
    delivery_attempts: int = Field(5, description="delivery attempts before a delivery is reported failed")
    authority_zh: str = Field("湖北省市场监督管理局", description="issuing authority, as printed")
    authority_en: str = Field(
        "Hubei Provincial Administration for Market Regulation", description="issuing authority (English)"
    )
    document_prefix: str = Field(
        "鄂市监消",
        description="机关代字 of the authority's document numbers (鄂市监消〔2026〕17号), one sequence a year",
    )
    member_addressees: dict[str, str] = Field(
        {},
        description="full names of the joint meeting's member units as this bureau addresses them, by unit id "
        '(JSON, e.g. {"commerce": "武汉市商务局"}); unset: the names in the member units file',
    )
    authority_region: str = Field("420000", description="GB/T 2260 code of the issuing authority (in numbers)")
    verify_base_url: str = Field(
        "http://127.0.0.1:8000", description="public verification site, as printed in QR codes"
    )
    public_url: str | None = Field(
        None, description="the address people use for the web app; https makes its cookies Secure"
    )
    session_idle_minutes: float = Field(30, description="a signed-in session ends after this long unused")
    session_max_hours: float = Field(12, description="a signed-in session ends this long after sign-in")
    lockout_attempts: int = Field(5, description="wrong passwords in a row that lock an account")
    lockout_minutes: float = Field(15, description="how long a locked account stays locked")
    password_min_length: int = Field(12, description="shortest password an account may set")
    oidc_issuer: str | None = Field(
        None, description="OpenID Connect issuer of the bureau's identity provider; unset: password sign-in only"
    )
    oidc_client_id: str | None = Field(None, description="the workbench's OIDC client id")
    oidc_client_secret: str | None = Field(None, description="the workbench's OIDC client secret (never logged)")
    oidc_username_claim: str = Field("preferred_username", description="ID-token claim holding the account's username")
    production: bool = Field(
        False,
        description="a bureau's production instance: `assured doctor` then also requires a Prefect server on "
        "PostgreSQL and public addresses that are not loopback",
    )
    max_amount_yuan: float = Field(1e10, description="largest amount (fine, complaint) a record may carry")
    ingest_bulk_from_bytes: int = Field(
        1 << 20, ge=0, description="record files from this size take the bulk ingest path (0: every file)"
    )
    verify_timeout_seconds: float = Field(
        10.0, description="longest a public verification may run before it is refused"
    )
    verify_rate_per_minute: int = Field(60, description="public verifications one client may ask for per minute")
    authority_phone: str | None = Field(
        None, description="the issuing authority's phone for consumers, on every verification page"
    )
    authority_address: str | None = Field(None, description="the authority's postal address, for written objections")
    authority_email: str | None = Field(None, description="the authority's e-mail for objections")
    review_stages: list[str] = Field(["county", "city", "province"], description="review stages in order")
    member_units_path: Path | None = Field(
        None,
        validation_alias="ASSURED_MEMBER_UNITS",
        description="YAML mapping of industries to joint-meeting member units "
        "(default checks/policies/member_units.yaml)",
    )

    @property
    def home_path(self) -> Path:
        return self.home.expanduser().resolve()

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home_path / 'assured.db'}"

    @property
    def out_path(self) -> Path:
        return (self.output_dir or self.home_path / "out").expanduser().resolve()

    @property
    def keys_path(self) -> Path:
        return (self.keys_dir or self.home_path / "keys").expanduser().resolve()

    @property
    def outbox_path(self) -> Path:
        return (self.outbox_dir or self.home_path / "outbox").expanduser().resolve()

    @property
    def objection_contact(self) -> str:
        """The contact line of an announcement: whatever of address, phone and e-mail is set."""
        parts = [
            f"{label}：{value}"
            for label, value in (
                ("地址", self.authority_address),
                ("电话", self.authority_phone),
                ("电子邮箱", self.authority_email),
            )
            if value
        ]
        return "联系方式：" + "；".join(parts) if parts else ""

    @property
    def uploads_path(self) -> Path:
        return (self.uploads_dir or self.home_path / "uploads").expanduser().resolve()

    @property
    def prefect_home(self) -> Path:
        return self.home_path / "prefect"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def configure_prefect(settings: Settings) -> None:
    """Keep Prefect's files under our home and stop it reaching for the network.

    Must run before `import prefect`; values already set by the user win.
    """
    os.environ.setdefault("PREFECT_HOME", str(settings.prefect_home))
    settings.home_path.mkdir(parents=True, exist_ok=True, mode=0o700)  # keys, database, session token
    Path(os.environ["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    # The ephemeral server logs CancelledError tracebacks while shutting down at exit.
    os.environ.setdefault("PREFECT_LOGGING_SERVER_LEVEL", "CRITICAL")
    # Run logs still reach the server (and its UI); the terminal shows our one-line errors.
    os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "CRITICAL")
