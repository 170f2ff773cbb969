"""Invalid rows for ingest drills: each fault makes one row fail validation for a stated reason.

`corrupt(kind, record, rng)` returns the fault, the field it touches and the
altered record; the `not_json` fault is applied by the writer, since what
breaks a line depends on the file format (a cut-off JSON object, a CSV row
with too few cells).
"""

from __future__ import annotations

import datetime as dt
import random

from checks.uscc import ALPHABET

ENUMS: dict[str, dict[str, tuple]] = {
    "registrations": {"entity_type": ("company", "sole_trader"), "status": ("closed", "Active")},
    "penalties": {
        "procedure": ("summary",),
        "category": ("tobacco", "cosmetics"),
        "kinds": (["fine", "caution"], ["detention"]),
    },
    "complaints": {"kind": ("praise", "suggestion"), "channel": ("wechat", "fax"), "status": ("pending", "closed")},
    "credit_listings": {"list": ("watch_list", "red_list")},
    "credit_classes": {"risk_class": ("E", "AA", "a")},
    "applications": {"program": ("gold_star", "model-unit"), "channel": ("fax", "mail")},
    "inspections": {"conclusion": ("ok", "passed"), "program": ("gold_star",)},
    "mystery_shops": {"outcome": ("rejected", "ok"), "scenario": ("return", "haggling")},
    "ratings": {"channel": ("wechat", "fax")},
}
DATES = {
    "registrations": "established_on",
    "penalties": "decided_on",
    "complaints": "received_on",
    "credit_listings": "listed_on",
    "credit_classes": "classified_on",
    "applications": "submitted_on",
    "inspections": "inspected_on",
    "mystery_shops": "visited_on",
    "ratings": "rated_on",
}
REQUIRED = {
    "registrations": ("uscc", "name", "entity_type", "established_on", "region_code"),
    "penalties": ("decision_no", "uscc", "decided_on", "kinds", "fine_yuan"),
    "complaints": ("complaint_id", "uscc", "kind", "received_on", "amount_yuan", "text"),
    "credit_listings": ("uscc", "list", "listed_on", "reason"),
    "credit_classes": ("uscc", "risk_class", "classified_on"),
    "applications": ("uscc", "program", "channel", "submitted_on", "store_name"),
    "inspections": ("inspection_id", "uscc", "program", "inspected_on", "items", "conclusion"),
    "mystery_shops": ("shop_id", "uscc", "visited_on", "shopper", "scenario", "outcome"),
    "ratings": ("rating_id", "uscc", "rated_on", "stars", "channel"),
}
AMOUNTS = {"penalties": ("fine_yuan",), "complaints": ("amount_yuan", "recovered_yuan")}
# kind -> (earlier date field, later date fields that must not precede it)
ORDERED = {
    "penalties": ("decided_on", ("repaired_on", "revoked_on")),
    "complaints": ("received_on", ("closed_on",)),
    "credit_listings": ("listed_on", ("removed_on",)),
}
FAULTS = (
    "uscc_check_digit",
    "unknown_enum",
    "malformed_date",
    "missing_field",
    "negative_amount",
    "dates_reversed",
    "not_json",
)


def faults_for(kind: str) -> tuple[str, ...]:
    return tuple(
        f for f in FAULTS if (f != "negative_amount" or kind in AMOUNTS) and (f != "dates_reversed" or kind in ORDERED)
    )


def corrupt(kind: str, record: dict, rng: random.Random) -> tuple[str, str, dict]:
    """Pick a fault for this kind and apply it to a copy of `record`."""
    fault = rng.choice(faults_for(kind))
    rec = dict(record)
    if fault == "uscc_check_digit":
        field, code = "uscc", rec["uscc"]
        rec["uscc"] = code[:17] + ALPHABET[(ALPHABET.index(code[17]) + 1 + rng.randrange(30)) % 31]
    elif fault == "unknown_enum":
        field = rng.choice(sorted(ENUMS[kind]))
        rec[field] = rng.choice(ENUMS[kind][field])
    elif fault == "malformed_date":
        field = DATES[kind]
        d = dt.date.fromisoformat(rec[field])
        rec[field] = rng.choice((f"{d.year}-02-30", f"{d:%Y/%m/%d}", f"{d:%d.%m.%Y}", f"{d:%Y%m%d}"))
    elif fault == "missing_field":
        field = rng.choice(REQUIRED[kind])
        del rec[field]
    elif fault == "negative_amount":
        field = rng.choice(AMOUNTS[kind])
        rec[field] = -round(abs(rec[field]) + 1 + rng.randrange(500), 2)
    elif fault == "dates_reversed":
        earlier, later = ORDERED[kind]
        field = rng.choice(later)
        rec[field] = (dt.date.fromisoformat(rec[earlier]) - dt.timedelta(1 + rng.randrange(60))).isoformat()
    else:
        field = "(line)"
    return fault, field, rec
