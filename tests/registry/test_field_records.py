"""Field records (issue 16): inspections, mystery shops and ratings ingest like every kind —
good rows stored, bad ones quarantined naming field and reason, JSON Lines and CSV alike —
and an inspection's items must be in its programme's checklist in force on its date."""

import csv
import json

from sqlalchemy import select

from registry.db import make_engine
from registry.models import Inspection, MysteryShop, Rating
from registry.records import KINDS
from registry.settings import get_settings
from tests.conftest import table_dump

USCC = "91420100177570439R"  # a valid code (GB 32100 check digit)
PHOTO = "ab" * 32
ITEMS = {"return_rules_displayed": {"result": "pass", "note": "柜台公示"}, "sample_return": {"result": "fail"}}

GOOD = {
    "inspections": [
        {
            "inspection_id": "YS-1",
            "uscc": USCC,
            "program": "seven_day_return",
            "inspected_on": "2026-05-10",
            "inspector": "county_wuchang",
            "items": ITEMS,
            "conclusion": "fail",
            "photos": [PHOTO],
        },
        {
            "inspection_id": "YS-2",
            "uscc": USCC,
            "program": "model_unit",
            "inspected_on": "2026-05-11",
            "inspector": "county_wuchang",
            "items": {"price_marked": {"result": "not_applicable", "note": ""}},
            "conclusion": "pass",
            "photos": [],
        },
    ],
    "mystery_shops": [
        {
            "shop_id": "AF-1",
            "uscc": USCC,
            "visited_on": "2026-05-01",
            "shopper": "V017",
            "scenario": "return_request",
            "outcome": "refused",
            "within_commitment": True,
            "note": "第3天要求退货被拒",
        },
        {
            "shop_id": "AF-2",
            "uscc": USCC,
            "visited_on": "2026-05-02",
            "shopper": "V018",
            "scenario": "price_display",
            "outcome": "accepted",
            "within_commitment": None,
            "note": "",
        },
    ],
    "ratings": [
        {"rating_id": "PJ-1", "uscc": USCC, "rated_on": "2026-05-03", "stars": 2, "channel": "qr", "text": "退货难"},
        {"rating_id": "PJ-2", "uscc": USCC, "rated_on": "2026-05-04", "stars": 5, "channel": "survey", "text": None},
    ],
}
# (kind, a change that breaks a good row, the field the quarantine must name, words of its reason)
BAD = [
    ("inspections", {"conclusion": "ok"}, "conclusion", "'pass' or 'fail'"),
    ("inspections", {"items": {"sample_return": {"result": "maybe"}}}, "items.sample_return.result", "pass"),
    ("inspections", {"photos": ["not-a-hash"]}, "photos.0", "pattern"),
    ("inspections", {"inspected_on": "2026-02-30"}, "inspected_on", "date"),
    (
        "inspections",
        {"items": {"free_candy": {"result": "pass"}}},
        "items",
        "'free_candy' is not in the seven_day_return",
    ),
    ("inspections", {"inspected_on": "2022-06-01"}, "items", "no inspection checklist in force on 2022-06-01"),
    ("mystery_shops", {"outcome": "rejected"}, "outcome", "refused"),
    ("mystery_shops", {"shopper": "张三"}, "shopper", "pattern"),
    ("mystery_shops", {"within_commitment": "perhaps"}, "within_commitment", "boolean"),
    ("ratings", {"stars": 6}, "stars", "less than or equal to 5"),
    ("ratings", {"channel": "wechat"}, "channel", "platform315"),
    ("ratings", {"uscc": USCC[:17] + "X"}, "uscc", "USCC"),
]


def _rows(kind):
    good = GOOD[kind]
    bad = [
        dict(good[0], **change, **{KINDS[kind].key[0]: f"BAD-{i}"})
        for i, (k, change, _, _) in enumerate(BAD)
        if k == kind
    ]
    return good + bad


def _write(folder, fmt):
    folder.mkdir()
    for kind in GOOD:
        rows = _rows(kind)
        if fmt == "jsonl":
            text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
            (folder / f"{kind}.jsonl").write_text(text, encoding="utf-8")
            continue
        with (folder / f"{kind}.csv").open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(KINDS[kind].fields)
            for r in rows:
                writer.writerow(
                    ""
                    if r[f] is None
                    else json.dumps(r[f], ensure_ascii=False)
                    if isinstance(r[f], (dict, list, bool))
                    else r[f]
                    for f in KINDS[kind].fields
                )
    return folder


def test_good_field_rows_are_stored_and_each_bad_one_is_quarantined_with_field_and_reason(cli, tmp_path):
    folder = _write(tmp_path / "field", "jsonl")
    counts = {r["kind"]: r for r in cli("ingest", folder, "--json").json()}
    for kind in GOOD:
        expected_bad = sum(1 for k, *_ in BAD if k == kind)
        assert (counts[kind]["stored"], counts[kind]["quarantined"]) == (2, expected_bad), kind
    listed = cli("quarantine", "list", "--json").json()
    by_line = {(q["kind"], q["line"]): q for q in listed}
    for kind in GOOD:
        bad = [b for b in BAD if b[0] == kind]
        for n, (_, _, field, words) in enumerate(bad, 3):  # lines 1-2 are the good rows
            q = by_line[(kind, n)]
            assert q["field"] == field and words in q["reason"], (kind, n, q)
    with make_engine(get_settings().db_url).connect() as conn:
        inspection = conn.execute(select(Inspection).where(Inspection.inspection_id == "YS-1")).one()
        assert json.loads(inspection.items) == {
            "return_rules_displayed": {"result": "pass", "note": "柜台公示"},
            "sample_return": {"result": "fail", "note": ""},
        }
        assert inspection.photos == PHOTO
        shop = conn.execute(select(MysteryShop).where(MysteryShop.shop_id == "AF-1")).one()
        assert shop.within_commitment is True and shop.outcome == "refused"
        assert conn.execute(select(Rating.stars).where(Rating.rating_id == "PJ-1")).scalar() == 2


def test_jsonl_and_csv_of_the_same_field_records_give_the_same_rows_and_reingest_changes_nothing(
    cli, tmp_path, new_database
):
    dumps = []
    for fmt in ("jsonl", "csv"):
        url = new_database(fmt)
        folder = _write(tmp_path / fmt, fmt)
        first = cli("ingest", folder, "--json").json()
        assert all(r["stored"] == 2 for r in first), first
        again = cli("ingest", folder, "--json").json()
        assert all(r["unchanged"] == 2 and r["stored"] == r["updated"] == 0 for r in again), again
        dumps.append({k: v for k, v in table_dump(url).items() if k in GOOD})
    assert dumps[0] == dumps[1] and all(len(rows) == 2 for rows in dumps[0].values())
