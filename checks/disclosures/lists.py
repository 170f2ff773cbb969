"""The red and black lists and the complaint information per enterprise (投诉信息公示)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from checks.disclosures.figures import UNREGISTERED, counts, mask_text
from checks.programmes import title_zh

STATUS_ZH = {"valid": "有效", "suspended": "暂停", "expired": "已到期"}


RED_COLUMNS = (
    "number",
    "number_zh",
    "programme",
    "programme_zh",
    "business_name",
    "uscc",
    "region_code",
    "valid_from",
    "valid_until",
    "status",
    "status_zh",
    "ratings",
    "stars_mean",
    "mystery_shops",
    "returns_refused",
)
FIELD_KEYS = ("ratings", "stars_mean", "mystery_shops", "returns_refused")


def red_list(rows: Iterable[Mapping]) -> list[dict]:
    """Certificates on the red list (status valid, suspended or expired on the date), by number."""
    out = []
    for r in rows:
        if r["status"] not in STATUS_ZH:
            continue
        out.append(
            {
                "number": r["number"],
                "number_zh": r["number_zh"],
                "programme": r["programme"],
                "programme_zh": title_zh(r["programme"]),
                "business_name": r["business_name"],
                "uscc": r["uscc"],
                "region_code": r["region_code"] or "",
                "valid_from": r["valid_from"],
                "valid_until": r["valid_until"],
                "status": r["status"],
                "status_zh": STATUS_ZH[r["status"]],
            }
        )
    return sorted(out, key=lambda e: (e["programme"], e["number"]))


BLACK_COLUMNS = (
    "entry",
    "entry_zh",
    "uscc",
    "business_name",
    "region_code",
    "industry_code",
    "listed_on",
    "reason_code",
    "reason_zh",
    "reason_en",
    "note",
    "certificate_number",
    "certificate_number_zh",
    "programme",
)


def black_list(
    listings: Iterable[Mapping], revoked: Iterable[Mapping], reasons: Mapping[str, tuple[str, str]]
) -> list[dict]:
    """Businesses on the complaint black list (one entry per business: its earliest current listing,
    reasons joined) and revoked certificates with their reason."""
    by_uscc: dict[str, list[Mapping]] = defaultdict(list)
    for r in listings:
        by_uscc[r["uscc"]].append(r)
    out = []
    for uscc, rows in by_uscc.items():
        rows = sorted(rows, key=lambda r: (r["listed_on"], r["reason"] or ""))
        first = rows[0]
        out.append(
            {
                "entry": "complaint_blacklist",
                "entry_zh": "投诉黑名单",
                "uscc": uscc,
                "business_name": first["business_name"] or UNREGISTERED,
                "region_code": first["region_code"] or "",
                "industry_code": first["industry_code"] or "",
                "listed_on": first["listed_on"],
                "reason_code": "complaint_blacklist",
                "reason_zh": "；".join(dict.fromkeys(r["reason"] for r in rows if r["reason"])),
                "reason_en": "on the complaint black list (complaint left unhandled past the deadline)",
                "note": "",
                "certificate_number": "",
                "certificate_number_zh": "",
                "programme": "",
            }
        )
    for r in revoked:
        zh, en = reasons.get(r["reason_code"], (r["reason_code"], r["reason_code"]))
        out.append(
            {
                "entry": "revoked_certificate",
                "entry_zh": "撤销称号",
                "uscc": r["uscc"],
                "business_name": r["business_name"] or UNREGISTERED,
                "region_code": r["region_code"] or "",
                "industry_code": r["industry_code"] or "",
                "listed_on": r["revoked_on"],
                "reason_code": r["reason_code"],
                "reason_zh": zh,
                "reason_en": en,
                "note": mask_text(r["note"] or "", r.get("names", ())),
                "certificate_number": r["number"],
                "certificate_number_zh": r["number_zh"],
                "programme": r["programme"],
            }
        )
    return sorted(out, key=lambda e: (e["entry"], e["uscc"], e["listed_on"], e["certificate_number"]))


DISCLOSURE_COLUMNS = (
    "uscc",
    "business_name",
    "region_code",
    "industry_code",
    "received",
    "not_accepted",
    "accepted",
    "reconciled",
    "open",
    "reconciliation_rate",
    "top_categories",
    "samples",
    *FIELD_KEYS,
)


def enterprise_disclosure(
    rows: Iterable[Mapping],
    categories: Mapping[str, Iterable[tuple[str, int]]],
    samples: Mapping[str, Iterable[Mapping]],
) -> list[dict]:
    """One entry per enterprise: counts, rate, top 3 categories, masked sample texts; most complaints
    first. `rows` carry uscc, business_name, region_code, industry_code, received, not_accepted,
    reconciled, open; `samples[uscc]` rows carry received_on, category, text, legal_representative."""
    out = []
    for r in rows:
        u = r["uscc"]
        cats = sorted(categories.get(u, ()), key=lambda c: (-c[1], c[0]))[:3]
        shown = []
        for s in samples.get(u, ()):
            shown.append(
                {
                    "received_on": s["received_on"],
                    "category": s["category"],
                    "text": mask_text(s["text"], (s.get("legal_representative") or "",)),
                }
            )
        out.append(
            {
                "uscc": u,
                "business_name": r["business_name"] or UNREGISTERED,
                "region_code": r["region_code"] or "",
                "industry_code": r["industry_code"] or "",
                **counts(r["received"], r["not_accepted"], r["reconciled"]),
                "open": int(r["open"] or 0),
                "top_categories": [{"category": c, "count": n} for c, n in cats],
                "samples": shown,
            }
        )
    return sorted(out, key=lambda e: (-e["received"], e["uscc"]))


def with_field(entries: Iterable[dict], figures: Mapping[str, Mapping]) -> list[dict]:
    """Each entry with its business's consumer ratings (count, mean stars to one decimal; None
    without ratings) and mystery-shop visits (count, returns refused within the committed period)
    of the last 12 months; `figures` as `registry.disclosures.field_figures` gives them."""
    out = []
    for e in entries:
        f = figures.get(e["uscc"], {})
        n, mean = f.get("ratings", (0, None))
        visits, refused = f.get("shops", (0, 0))
        out.append(
            e
            | {
                "ratings": n,
                "stars_mean": None if mean is None else round(mean + 1e-9, 1),
                "mystery_shops": visits,
                "returns_refused": refused,
            }
        )
    return out
