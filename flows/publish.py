"""`publish`: the public disclosures — red and black lists, complaint information per enterprise,
industry complaint statistics and the notification letters to the joint meeting's member units —
each as a Chinese PDF with charts and as CSV + JSON open data, with a README of fields.

A thin flow: each task opens its own session, reads aggregates (`registry.disclosures`),
shapes them (`checks.disclosures`) or renders and writes them (`documents.disclosures`).
Files are written atomically; the same data and date give byte-identical files.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote

from certificates.status import REASONS, CertificateRecord, StatusEvent
from checks import calendar
from checks.disclosures.figures import CITIES, REFERENCE, Period
from checks.disclosures.lists import (
    BLACK_COLUMNS,
    DISCLOSURE_COLUMNS,
    RED_COLUMNS,
    black_list,
    enterprise_disclosure,
    red_list,
    with_field,
)
from checks.disclosures.members import MemberUnits, load_member_units
from checks.disclosures.statistics import letters, statistics, statistics_rows
from documents import disclosures as P
from documents.files import write_atomic
from documents.member_letters import render_letter, writes_to_itself
from documents.official import Official
from documents.opendata import csv_bytes, json_bytes, readme, statistics_csv
from flows.common import registry
from registry import disclosures as R
from registry.db import begin_write
from registry.document_numbers import take_number
from registry.settings import get_settings

DEFAULT_MIN_COMPLAINTS = 10
PDF_TOP = 100  # enterprises shown in the complaint disclosure's PDF


def member_units() -> MemberUnits:
    """The configured mapping (ASSURED_MEMBER_UNITS) or the default, with this bureau's full names of
    the units (ASSURED_MEMBER_ADDRESSEES); MemberUnitsError on bad content."""
    settings = get_settings()
    return load_member_units(settings.member_units_path).addressed(settings.member_addressees)


def letter_recipients(units: MemberUnits, authority: str) -> list[str]:
    """The units that get a letter: all but the issuing bureau itself."""
    return [u.id for u in units.all() if not writes_to_itself(u.name_zh, u.addressee, authority)]


def _session():
    return registry()()


@task(cache_policy=NO_CACHE)
def read_lists(as_of: dt.date) -> dict:
    """Red list (status on the date by `CertificateRecord.status_on`) and black list entries."""
    with _session() as session:
        certs = R.red_list_certificates(session, as_of)
        listings = R.blacklisted(session, as_of)
        revoked = R.revoked_certificates(session, as_of)
    red_rows = []
    for c in certs:
        if not c["history"]:
            continue
        record = CertificateRecord(
            c["number"],
            c["serial"],
            c["status_index"],
            c["valid_from"],
            c["valid_until"],
            tuple(StatusEvent(h["on"], h["state"], h["reason"], h["note"]) for h in c["history"]),
        )
        red_rows.append(c | {"status": record.status_on(as_of)})
    with _session() as session:
        field = R.field_figures(session, [c["uscc"] for c in red_rows], Period(as_of).start, as_of)
    return {"red": with_field(red_list(red_rows), field), "black": black_list(listings, revoked, REASONS)}


@task(cache_policy=NO_CACHE)
def read_enterprises(period: Period, min_complaints: int) -> list[dict]:
    with _session() as session:
        rows = R.enterprise_counts(session, period, min_complaints)
        cats, samples = R.categories_and_samples(session, period, [r["uscc"] for r in rows])
        field = R.field_figures(session, [r["uscc"] for r in rows], period.start, period.as_of)
    return with_field(enterprise_disclosure(rows, cats, samples), field)


@task(cache_policy=NO_CACHE)
def read_cube(period: Period) -> list[tuple]:
    with _session() as session:
        return R.complaint_cube(session, period)


@task(cache_policy=NO_CACHE)
def number_letters(unit_ids: list[str], as_of: dt.date) -> dict[str, str]:
    """The document number of each unit's letter of `as_of` (a re-run gets the same numbers)."""
    prefix = get_settings().document_prefix
    with begin_write(registry()) as session:
        return {
            uid: take_number(session, f"member_letter:{uid}:{as_of.isoformat()}", "member_letter", prefix, as_of.year)
            for uid in unit_ids
        }


@task(cache_policy=NO_CACHE)
def read_flags(as_of: dt.date) -> list[dict]:
    with _session() as session:
        return R.risk_flags(session, as_of)


def _payload(as_of: dt.date, period: Period, items: list, **extra) -> dict:
    return {"as_of": as_of.isoformat(), "period": period.as_json(), **extra, "count": len(items), "items": items}


@task(cache_policy=NO_CACHE)
def write_all(
    out: str,
    as_of: dt.date,
    period: Period,
    min_complaints: int,
    lists: dict,
    enterprises: list,
    cube: list,
    flags: list,
    units: MemberUnits,
    numbers: dict[str, str],
) -> dict:
    folder = Path(out)
    settings = get_settings()
    authority = settings.authority_zh
    addressees = {u.id: u.addressee for u in units.all()}
    stats = statistics(cube, period)
    written: dict[str, bytes] = {}

    def put(name: str, data: bytes) -> None:
        written[name] = data

    red = _payload(as_of, period, lists["red"], authority=authority)
    put("red_list.json", json_bytes(red))
    put("red_list.csv", csv_bytes(lists["red"], RED_COLUMNS))
    put("red_list.pdf", P.render_red_list(red | {"city_names": CITIES}, authority))
    black = _payload(as_of, period, lists["black"], authority=authority)
    put("black_list.json", json_bytes(black))
    put("black_list.csv", csv_bytes(lists["black"], BLACK_COLUMNS))
    put("black_list.pdf", P.render_black_list(black, authority))
    disclosure = _payload(as_of, period, enterprises, min_complaints=min_complaints)
    put("complaint_disclosure.json", json_bytes(disclosure))
    put("complaint_disclosure.csv", csv_bytes(enterprises, DISCLOSURE_COLUMNS))
    put("complaint_disclosure.pdf", P.render_complaint_disclosure(disclosure, top=PDF_TOP))
    stat_rows = statistics_rows(stats)
    put(
        "industry_statistics.json",
        json_bytes({"as_of": as_of.isoformat(), **stats, "count": len(stat_rows), "items": stat_rows}),
    )
    put("industry_statistics.csv", statistics_csv(stats))
    put("industry_statistics.pdf", P.render_statistics(stats))
    blacklisted = [e for e in lists["black"] if e["entry"] == "complaint_blacklist"]
    for letter in letters(cube, enterprises, blacklisted, flags, units, period, min_complaints):
        uid = letter["unit"]["id"]
        put(f"letters/{uid}.json", json_bytes(letter))
        form = Official(authority, numbers.get(uid, ""), as_of, settings.objection_contact)
        put(f"letters/{uid}.pdf", render_letter(letter, form, addressees[uid]))
    put("README.md", readme(as_of, period, min_complaints, units).encode("utf-8"))
    for name, data in sorted(written.items()):
        write_atomic(folder / name, data)
    return {
        "as_of": as_of.isoformat(),
        "out": str(folder),
        "period": period.as_json(),
        "counts": {
            "red_list": len(lists["red"]),
            "black_list": len(lists["black"]),
            "complaint_blacklist": len(blacklisted),
            "revoked": len(lists["black"]) - len(blacklisted),
            "enterprises": len(enterprises),
            "letters": len(units.all()),
        },
        "totals": stats["totals"],
        "reference_rate": REFERENCE["rate"],
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in sorted(written.items())},
    }


@flow(name="publish")
def publish_flow(out: str, as_of: dt.date | None = None, min_complaints: int = DEFAULT_MIN_COMPLAINTS) -> dict:
    """Write the public disclosures for `as_of` (default today) into `out`."""
    as_of = as_of or calendar.today()
    units = member_units()  # a bad mapping fails before anything is read or written
    period = Period(as_of)
    lists = read_lists(as_of)
    enterprises = read_enterprises(period, min_complaints)
    cube = read_cube(period)
    flags = read_flags(as_of)
    numbers = number_letters(letter_recipients(units, get_settings().authority_zh), as_of)
    return write_all(
        out, as_of, period, min_complaints, quote(lists), quote(enterprises), quote(cube), quote(flags), units, numbers
    )
