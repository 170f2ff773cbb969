"""What a certificate says (CertificateData), its number and serial, and the lint run before signing.

Lint follows the discipline of public CAs: every problem is collected and reported by field
before anything is signed, so a bad certificate is never issued and then revoked.
"""

from __future__ import annotations

import base64
import dataclasses
import ipaddress
import re
import secrets
from datetime import date
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

# The imports from outside certificates/ are pure modules of checks/ (no I/O, no DB): the one
# error type, the GB 32100 check digits and the programme table, each written in exactly one place.
from checks.errors import AssuredError, Kind
from checks.plaintext import control_character
from checks.programmes import PROGRAMMES, Programme, ProgrammeInfo
from checks.uscc import UsccError, validate_uscc

# GB/T 2260 province prefix -> (one-character abbreviation, ASCII code) as used in document numbers.
PROVINCES: dict[str, tuple[str, str]] = {
    "11": ("京", "BJ"),
    "12": ("津", "TJ"),
    "13": ("冀", "HE"),
    "14": ("晋", "SX"),
    "15": ("蒙", "NM"),
    "21": ("辽", "LN"),
    "22": ("吉", "JL"),
    "23": ("黑", "HL"),
    "31": ("沪", "SH"),
    "32": ("苏", "JS"),
    "33": ("浙", "ZJ"),
    "34": ("皖", "AH"),
    "35": ("闽", "FJ"),
    "36": ("赣", "JX"),
    "37": ("鲁", "SD"),
    "41": ("豫", "HA"),
    "42": ("鄂", "HB"),
    "43": ("湘", "HN"),
    "44": ("粤", "GD"),
    "45": ("桂", "GX"),
    "46": ("琼", "HI"),
    "50": ("渝", "CQ"),
    "51": ("川", "SC"),
    "52": ("贵", "GZ"),
    "53": ("云", "YN"),
    "54": ("藏", "XZ"),
    "61": ("陕", "SN"),
    "62": ("甘", "GS"),
    "63": ("青", "QH"),
    "64": ("宁", "NX"),
    "65": ("新", "XJ"),
}
_BY_ZH = {zh: code for code, (zh, _) in PROVINCES.items()}
_BY_ASCII = {a: code for code, (_, a) in PROVINCES.items()}
_MARKER_ZH = {p.marker_zh: k for k, p in PROGRAMMES.items()}
_MARKER_ASCII = {p.marker_ascii: k for k, p in PROGRAMMES.items()}

ASCII_NUMBER = re.compile(r"^([A-Z]{2})-([A-Z]{2})-(\d{4})-(\d{6})-(\d{6})$")
ZH_NUMBER = re.compile(r"^(.)(.{2})〔(\d{4})〕第(\d{6})-(\d{6})号$")


class NumberError(AssuredError, ValueError):
    kind = Kind.bad_input


@dataclasses.dataclass(frozen=True)
class CertificateNumber:
    """证书编号: unique per issuing authority (its region), programme and year; sequence within them."""

    programme: str
    year: int
    region: str  # the issuing authority's GB/T 2260 code, e.g. 420100
    sequence: int

    def __post_init__(self):
        if self.programme not in PROGRAMMES:
            raise NumberError(f"number: unknown programme {self.programme!r}")
        if not (len(self.region) == 6 and self.region.isdigit() and self.region[:2] in PROVINCES):
            raise NumberError(f"number: region {self.region!r} is not a 6-digit GB/T 2260 code of a province")
        if not 1 <= self.sequence <= 999_999:
            raise NumberError(f"number: sequence {self.sequence} is outside 1..999999")
        if not 2000 <= self.year <= 2099:
            raise NumberError(f"number: year {self.year} is outside 2000..2099")

    @property
    def text(self) -> str:
        """鄂放心〔2026〕第420100-000123号"""
        zh = PROVINCES[self.region[:2]][0]
        return (
            f"{zh}{PROGRAMMES[Programme(self.programme)].marker_zh}〔{self.year}〕第{self.region}-{self.sequence:06d}号"
        )

    @property
    def ascii(self) -> str:
        """HB-FX-2026-420100-000123: the form in URLs, file names and the QR code."""
        code = PROVINCES[self.region[:2]][1]
        return (
            f"{code}-{PROGRAMMES[Programme(self.programme)].marker_ascii}-{self.year}-{self.region}-{self.sequence:06d}"
        )

    @classmethod
    def parse(cls, value: str) -> CertificateNumber:
        """Either form; the province marker must agree with the region code."""
        value = value.strip()
        if m := ASCII_NUMBER.match(value.upper()):
            prov, marker, year, region, seq = m.groups()
            province, programme = _BY_ASCII.get(prov), _MARKER_ASCII.get(marker)
        elif m := ZH_NUMBER.match(value):
            prov, marker, year, region, seq = m.groups()
            province, programme = _BY_ZH.get(prov), _MARKER_ZH.get(marker)
        else:
            raise NumberError(
                f"number {value!r} is neither like HB-FX-2026-420100-000123 nor 鄂放心〔2026〕第420100-000123号"
            )
        if province is None or programme is None:
            raise NumberError(f"number {value!r}: unknown province {prov!r} or programme marker {marker!r}")
        if region[:2] != province:
            raise NumberError(f"number {value!r}: province marker {prov!r} does not match region {region}")
        return cls(programme, int(year), region, int(seq))


SERIAL_BYTES = 16  # 128 bits, as CAs require for certificate serials


def new_serial() -> str:
    """A random, non-guessable serial: 128 bits, URL-safe base64 without padding (22 characters)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(SERIAL_BYTES)).rstrip(b"=").decode()


def serial_bits(serial: str) -> int:
    raw = base64.urlsafe_b64decode(serial + "=" * (-len(serial) % 4))
    return len(raw) * 8


class CertificateData(BaseModel):
    """Everything printed on a certificate and carried in its signed twin. No personal data."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    programme: Programme
    number: str = Field(description="ASCII or Chinese form; stored as the ASCII form")
    serial: str = Field(description="random, >= 128 bits, URL-safe base64")
    business_name: str
    uscc: str
    store_name: str | None = None
    address: str
    return_days: int | None = Field(None, description="seven_day_return: committed return period in days")
    score: float | None = None
    authority: str = Field(description="issuing authority as printed, e.g. 湖北省市场监督管理局")
    issued_on: date
    valid_from: date
    valid_until: date
    verification_url: str

    @field_validator("number")
    @classmethod
    def _ascii_number(cls, v: str) -> str:
        return CertificateNumber.parse(v).ascii

    @property
    def parsed_number(self) -> CertificateNumber:
        return CertificateNumber.parse(self.number)

    @property
    def number_zh(self) -> str:
        return self.parsed_number.text

    @property
    def info(self) -> ProgrammeInfo:
        return PROGRAMMES[self.programme]


@dataclasses.dataclass(frozen=True)
class LintProblem:
    field: str
    value: object
    rule: str

    def __str__(self) -> str:
        return f"{self.field}={self.value!r}: {self.rule}"


class LintError(AssuredError, ValueError):
    kind = Kind.refused

    def __init__(self, problems: list[LintProblem]):
        self.problems = problems
        super().__init__("certificate fails lint: " + "; ".join(map(str, problems)))


MAX_VALIDITY_DAYS = 5 * 366


def private_address(url: str) -> str | None:
    """Why `url` cannot be printed for the public (a loopback, private or link-local host that a
    consumer's phone cannot reach), or None."""
    host = (urlsplit(url).hostname or "").lower()
    if host in ("localhost", "") or host.endswith((".localhost", ".local", ".internal")):
        return f"host {host or '(none)'} is not reachable by the public"
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return None
    if ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_unspecified:
        return f"address {host} is loopback or private: a consumer scanning the code cannot reach it"
    return None


def lint_problems(data: CertificateData) -> list[LintProblem]:
    """Every problem with the data itself (layout problems come from documents.certificate)."""
    out: list[LintProblem] = []
    for name in ("business_name", "address", "authority"):
        if not getattr(data, name).strip():
            out.append(LintProblem(name, getattr(data, name), "required, must not be blank"))
    for name in ("business_name", "address", "authority", "store_name"):
        control = control_character(getattr(data, name) or "")
        if control:
            out.append(LintProblem(name, getattr(data, name), f"{control}: names are printed on one line"))
    try:
        if validate_uscc(data.uscc) != data.uscc:
            out.append(LintProblem("uscc", data.uscc, "must be upper-case without spaces"))
    except UsccError as exc:
        out.append(LintProblem("uscc", data.uscc, str(exc)))
    if data.valid_until <= data.valid_from:
        out.append(LintProblem("valid_until", str(data.valid_until), f"must be after valid_from {data.valid_from}"))
    elif (data.valid_until - data.valid_from).days > MAX_VALIDITY_DAYS:
        out.append(LintProblem("valid_until", str(data.valid_until), "validity longer than 5 years"))
    if data.issued_on > data.valid_from:
        out.append(LintProblem("issued_on", str(data.issued_on), f"must not be after valid_from {data.valid_from}"))
    if data.parsed_number.year != data.issued_on.year:
        out.append(LintProblem("number", data.number, f"year differs from issued_on {data.issued_on}"))
    if data.parsed_number.programme != data.programme:
        out.append(LintProblem("number", data.number, f"programme marker is not {data.programme}"))
    try:
        bits = serial_bits(data.serial)
        if bits < SERIAL_BYTES * 8 or not re.fullmatch(r"[A-Za-z0-9_-]+", data.serial):
            out.append(LintProblem("serial", data.serial, "needs >= 128 random bits, URL-safe base64"))
    except ValueError:
        out.append(LintProblem("serial", data.serial, "not URL-safe base64"))
    if data.programme == Programme.SEVEN_DAY_RETURN:
        if data.return_days is None or data.return_days < 7:
            out.append(LintProblem("return_days", data.return_days, "seven_day_return needs a return period >= 7 days"))
        if not (data.store_name or "").strip():
            out.append(LintProblem("store_name", data.store_name, "seven_day_return certifies a store: name required"))
    if not re.fullmatch(r"https?://[^\s?#]+/verify/" + re.escape(data.number), data.verification_url):
        out.append(
            LintProblem(
                "verification_url", data.verification_url, f"must be an http(s) address ending in /verify/{data.number}"
            )
        )
    if data.score is not None and not 0 <= data.score <= 115:
        out.append(LintProblem("score", data.score, "outside 0..115"))
    return out
