"""Synthetic province: deterministic, valid against the record spec, calibrated, streamed, with exact bad rows."""

import csv
import datetime as dt
import json
import statistics
import tracemalloc
from collections import Counter, defaultdict

import pytest
from pydantic import ValidationError

from checks.uscc import validate_uscc
from registry.records import KINDS
from registry.synth import Params, generate
from registry.synth import tables as T
from registry.synth.mix import ODR_RECONCILIATION
from registry.synth.province import FIELDS, rows

AS_OF = dt.date(2026, 6, 30)
ENTITY_CODE = {"enterprise": "1", "individual": "2", "cooperative": "3"}


def _read_jsonl(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _records(n, seed=1):
    out = defaultdict(list)
    for kind, values in rows(seed, AS_OF, n):
        out[kind].append(dict(zip(FIELDS[kind], values)))
    return out


@pytest.fixture(scope="module")
def small():
    return _records(2000, seed=5)


@pytest.fixture(scope="module")
def province():
    """20,000 businesses: enough for the calibration figures to settle."""
    return _records(20_000, seed=11)


def test_the_same_seed_gives_the_same_bytes_and_another_seed_other_bytes(tmp_path):
    folders = []
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        generate(tmp_path / name, Params(400, seed, AS_OF, bad_rows=0.05))
        folders.append({p.name: p.read_bytes() for p in sorted((tmp_path / name).iterdir())})
    assert folders[0] == folders[1]
    assert set(folders[0]) == {f"{k}.jsonl" for k in FIELDS} | {"_manifest.json", "_bad_rows.json"}
    assert all(folders[0][f"{k}.jsonl"] != folders[2][f"{k}.jsonl"] for k in FIELDS)


def test_every_row_passes_the_ingest_record_models_and_has_exactly_the_spec_fields(small):
    for kind, kind_spec in KINDS.items():
        assert FIELDS[kind] == kind_spec.fields
        for rec in small[kind]:
            kind_spec.record.model_validate_json(json.dumps(rec, ensure_ascii=False))
    assert FIELDS["applications"] == (
        "uscc",
        "program",
        "channel",
        "submitted_on",
        "store_name",
        "contact_email",
        "commitments",
    )


def test_every_uscc_is_valid_unique_in_hubei_and_matches_its_entity_type(small):
    regs = small["registrations"]
    codes = [r["uscc"] for r in regs]
    assert len(set(codes)) == len(codes)
    for r in regs:
        code = r["uscc"]
        assert validate_uscc(code) == code and code[:2] == "9" + ENTITY_CODE[r["entity_type"]]
        assert code[2:4] == "42" and r["region_code"][:4] in {c[:4] for c in T.CITIES}
    known = set(codes)
    for kind in ("penalties", "complaints", "credit_listings", "credit_classes", "applications"):
        assert {r["uscc"] for r in small[kind]} <= known


def test_natural_keys_are_unique_so_every_good_row_is_stored(small):
    keys = {
        "penalties": ("decision_no",),
        "complaints": ("complaint_id",),
        "credit_listings": ("uscc", "list", "listed_on"),
        "credit_classes": ("uscc", "classified_on"),
        "applications": ("uscc", "program"),
    }
    for kind, key in keys.items():
        values = [tuple(r[k] for k in key) for r in small[kind]]
        assert len(values) == len(set(values)), kind


def test_enums_and_dates_stay_inside_the_spec_and_before_as_of(small):
    reg, pen, com = small["registrations"], small["penalties"], small["complaints"]
    assert {r["status"] for r in reg} == {"active", "suspended", "revoked", "deregistered"}
    assert {r["entity_type"] for r in reg} == {"enterprise", "individual", "cooperative"}
    assert {c["kind"] for c in com} == {"complaint", "report", "consultation"}
    assert {c["channel"] for c in com} == {"12315", "odr", "platform315", "hotline"}
    assert {c["status"] for c in com} == {
        "open",
        "reconciled",
        "mediated",
        "mediation_failed",
        "terminated",
        "not_accepted",
    }
    assert {a["program"] for a in small["applications"]} == {"model_unit", "seven_day_return"}
    assert {a["channel"] for a in small["applications"]} == {"online", "offline"}
    dates = [r["established_on"] for r in reg] + [p["decided_on"] for p in pen] + [c["received_on"] for c in com]
    assert min(dates) >= "1995-01-01" and max(dates) <= AS_OF.isoformat()
    assert all(dt.date.fromisoformat(d).isoformat() == d for d in dates)
    for c in com:
        assert (c["closed_on"] is None) == (c["status"] == "open")
        assert c["recovered_yuan"] <= c["amount_yuan"]


def test_the_province_has_the_cases_the_checks_must_handle(small):
    pen, com, lst = small["penalties"], small["complaints"], small["credit_listings"]
    kinds = [set(p["kinds"]) for p in pen]
    assert {"warning"} in kinds and any(k & {"suspension", "license_revocation", "employment_ban"} for k in kinds)
    assert {p["procedure"] for p in pen} == {"general", "simple"}
    assert any(p["repaired_on"] for p in pen) and any(p["revoked_on"] for p in pen)
    assert {p["category"] for p in pen} >= {"general", "food", "drug"}
    assert {x["list"] for x in lst} == {"abnormal_operations", "serious_dishonest", "complaint_blacklist"}
    assert any(x["removed_on"] for x in lst) and any(x["removed_on"] is None for x in lst)
    stale = AS_OF - dt.timedelta(14)
    assert any(c["status"] == "open" and dt.date.fromisoformat(c["received_on"]) < stale for c in com)
    texts = [c["text"] for c in com]
    assert any("身份证号" in t for t in texts) and any("联系电话1" in t for t in texts)
    assert any("先生" in t or "女士" in t for t in texts)


def test_some_seven_day_applicants_commit_below_the_bar_and_most_above(province):
    commitments = [a["commitments"] for a in province["applications"] if a["program"] == "seven_day_return"]
    below = [c for c in commitments if c["return_days"] < 7 or not c["displayed"]]
    assert 0.1 < len(below) / len(commitments) < 0.4
    assert {a["channel"] for a in province["applications"]} == {"online", "offline"}


def test_enrolled_businesses_reconcile_about_92_78_percent(province):
    enrolled = {r["uscc"]: r["odr_enrolled_on"] for r in province["registrations"] if r["odr_enrolled_on"]}
    counted = [
        c
        for c in province["complaints"]
        if c["kind"] != "consultation"
        and c["status"] != "not_accepted"
        and c["uscc"] in enrolled
        and c["received_on"] >= enrolled[c["uscc"]]
    ]
    rate = sum(c["status"] == "reconciled" for c in counted) / len(counted)
    assert len(counted) > 2000
    assert abs(rate - ODR_RECONCILIATION) < 0.015, rate
    assert 0.03 < len(enrolled) / len(province["registrations"]) < 0.05


def test_volumes_per_business_match_the_province_targets(province):
    n = len(province["registrations"])
    per_business = Counter(c["uscc"] for c in province["complaints"])
    counts = [per_business.get(r["uscc"], 0) for r in province["registrations"]]
    assert 2.7 < sum(counts) / n < 3.3
    assert statistics.median(counts) <= 2 and max(counts) > 50  # most have few, a heavy tail has many
    assert 0.25 < len(province["penalties"]) / n < 0.35
    assert 0.16 < len(province["credit_listings"]) / n < 0.24
    assert 0.015 < len({a["uscc"] for a in province["applications"]}) / n < 0.025
    latest = {}
    for c in province["credit_classes"]:
        latest[c["uscc"]] = c["risk_class"]
    assert len(latest) == n
    shares = Counter(latest.values())
    assert (shares["A"] + shares["B"]) / n > 0.85 and shares["C"] > 0 and shares["D"] > 0
    fined = [p for p in province["penalties"] if "fine" in p["kinds"] and p["procedure"] == "general"]
    lower = [p for p in fined if p["fine_yuan"] < (10_000 if p["uscc"][1] == "2" else 100_000)]
    assert len(fined) / 2 < len(lower) < len(fined)  # most fines are below Hubei's lower-amount line


def test_the_bad_row_sidecar_lists_exactly_the_rows_that_fail_validation(tmp_path):
    out = tmp_path / "bad"
    manifest = generate(out, Params(600, 2, AS_OF, bad_rows=0.1))
    sidecar = json.loads((out / "_bad_rows.json").read_text())
    faults = Counter()
    for kind, spec in KINDS.items():
        listed = {e["line"]: e for e in sidecar[kind]}
        total = manifest["files"][kind]["rows"]
        assert abs(len(listed) - 0.1 * total) <= 1 and manifest["files"][kind]["bad_rows"] == len(listed)
        for n, line in enumerate((out / f"{kind}.jsonl").read_text(encoding="utf-8").splitlines(), 1):
            try:
                spec.record.model_validate_json(line)
                failed = False
            except ValidationError:
                failed = True
            assert failed == (n in listed), (kind, n, line)
        faults.update(e["fault"] for e in listed.values())
    assert set(faults) == {
        "uscc_check_digit",
        "unknown_enum",
        "malformed_date",
        "missing_field",
        "negative_amount",
        "dates_reversed",
        "not_json",
    }


def test_csv_carries_the_same_records_with_json_text_for_lists_and_objects(tmp_path):
    generate(tmp_path / "j", Params(300, 9, AS_OF))
    generate(tmp_path / "c", Params(300, 9, AS_OF, format="csv", bad_rows=0.1))
    sidecar = json.loads((tmp_path / "c" / "_bad_rows.json").read_text())
    for kind in FIELDS:
        expected = _read_jsonl(tmp_path / "j" / f"{kind}.jsonl")
        bad = {e["line"] for e in sidecar[kind]}
        with (tmp_path / "c" / f"{kind}.csv").open(encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            assert tuple(next(reader)) == FIELDS[kind]
            for n, (cells, rec) in enumerate(zip(reader, expected), 2):
                assert reader.line_num == n
                if n in bad:
                    continue
                decoded = {
                    f: None if c == "" else json.loads(c) if c[:1] in "[{" else c for f, c in zip(FIELDS[kind], cells)
                }
                assert decoded == {
                    f: v
                    if v is None or isinstance(v, (str, list, dict))
                    else json.dumps(v)
                    if isinstance(v, bool)
                    else str(v)
                    for f, v in rec.items()
                }


def _peak_bytes(folder, businesses):
    tracemalloc.start()
    try:
        generate(folder, Params(businesses, 1, AS_OF, bad_rows=0.01))
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_generation_streams_in_bounded_memory(tmp_path):
    small, large = _peak_bytes(tmp_path / "small", 1_000), _peak_bytes(tmp_path / "large", 12_000)
    # Holding the rows would add some 35 MiB for the 11,000 more businesses; streaming adds only
    # what one batch of a heavy-tailed business's complaints may take.
    assert large < 16 * 2**20, f"peak {large / 2**20:.1f} MiB"
    assert large - small < 4 * 2**20, f"{small / 2**20:.1f} MiB for 1,000 businesses, {large / 2**20:.1f} for 12,000"


def test_table_strings_need_no_escaping_in_json_or_csv():
    def strings(obj):
        if isinstance(obj, str):
            yield obj
        elif isinstance(obj, dict):
            for k, v in obj.items():
                yield from strings(k)
                yield from strings(v)
        elif isinstance(obj, (tuple, list)):
            for v in obj:
                yield from strings(v)
        elif hasattr(obj, "__dataclass_fields__"):
            yield from strings(list(vars(obj).values()))

    found = list(strings([getattr(T, n) for n in dir(T) if n.isupper()]))
    assert len(found) > 500
    assert [s for s in found if any(ch in s for ch in '",\\\n\r\t') or not s.isprintable()] == []


def test_the_command_writes_the_folder_and_reports_counts(cli, tmp_path):
    result = cli(
        "generate", "--businesses", 50, "--seed", 2, "--out", tmp_path / "p", "--as-of", "2026-01-31", "--json"
    )
    assert result.code == 0, result.err
    manifest = result.json()
    assert manifest["parameters"] == {
        "businesses": 50,
        "seed": 2,
        "as_of": "2026-01-31",
        "format": "jsonl",
        "bad_rows": 0.0,
    }
    assert manifest["files"]["registrations"]["rows"] == 50
    assert json.loads((tmp_path / "p" / "_manifest.json").read_text()) == manifest


@pytest.mark.parametrize(
    "args, message",
    [
        (["--as-of", "2026-02-30"], "--as-of: '2026-02-30' is not a date"),
        (["--format", "xml"], "format: 'xml' is not one of jsonl, csv"),
        (["--bad-rows", "1.5"], "bad_rows: 1.5 is not a fraction"),
        (["--businesses", "0"], "businesses: 0 is outside"),
    ],
)
def test_bad_arguments_are_refused_in_one_line(cli, tmp_path, args, message):
    result = cli("generate", "--out", tmp_path / "p", *args)
    assert result.code == 2 and message in result.err and result.err.count("\n") == 1
    assert not (tmp_path / "p").exists()


def test_a_folder_holding_the_other_format_is_refused_so_ingest_never_reads_both(cli, tmp_path):
    assert cli("generate", "--businesses", 20, "--out", tmp_path / "p", "--as-of", "2026-01-31").code == 0
    result = cli("generate", "--businesses", 20, "--out", tmp_path / "p", "--format", "csv")
    assert result.code == 2 and "already holds registrations.jsonl" in result.err
    assert not list((tmp_path / "p").glob("*.csv"))
