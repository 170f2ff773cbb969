"""The risk scan on generated provinces: an injected emerging problem is found, a clean province
stays quiet, businesses are flagged; precision and recall over seeds (slow)."""

from __future__ import annotations

import datetime as dt

import pytest

from checks.risk.scan import BaselineCounts, ComplaintText, ScanParams, build_report, risk_notice, scan_window
from registry.synth.emerging import Emerging
from registry.synth.province import FIELDS, Province

AS_OF = dt.date(2026, 6, 30)
PHRASE = "闪退扣费"


def province(seed: int, emerging: tuple[str, ...] = (), businesses: int = 3000) -> list[ComplaintText]:
    """A generated province's complaints, joined with industry and region, kept in memory."""
    registrations: dict[str, tuple[str, str]] = {}
    complaints: list[tuple] = []
    emit = {kind: (lambda values: None) for kind in FIELDS}
    emit["registrations"] = lambda v: registrations.__setitem__(v[0], (v[6], v[5]))
    emit["complaints"] = complaints.append
    p = Province(seed, AS_OF, emit, [Emerging.parse(spec, AS_OF) for spec in emerging])
    for i in range(businesses):
        p.business(i)
    return [
        ComplaintText(c[0], c[1], dt.date.fromisoformat(c[4]), c[2], c[5], c[10], *registrations[c[1]])
        for c in complaints
    ]


def scan(rows: list[ComplaintText]) -> dict:
    params = ScanParams(AS_OF)
    window = scan_window(rows, params)
    baseline = BaselineCounts(window)
    baseline.add(rows)
    return build_report(window, baseline)


@pytest.fixture(scope="module")
def injected():
    return scan(province(1, (f"{PHRASE}@2026-05",)))


@pytest.fixture(scope="module")
def clean():
    return scan(province(1))


def test_an_injected_phrase_is_among_the_top_five_emerging_terms(injected):
    top = [t["term"] for t in injected["emerging_terms"][:5]]
    assert PHRASE in top
    term = next(t for t in injected["emerging_terms"] if t["term"] == PHRASE)
    assert not term["in_dictionary"] and term["rate_ratio"] >= 3
    assert {i["code"] for i in term["industries"]} <= set(Emerging(PHRASE, AS_OF).industries())
    assert all(PHRASE in e["text"] for e in term["examples"])


def test_one_topic_is_dominated_by_the_injected_phrase(injected):
    dominated = [t for t in injected["topics"] if t["dominant_term"] == PHRASE and t["dominant_share"] >= 0.5]
    assert len(dominated) == 1
    topic = dominated[0]
    assert topic["emerging"] and PHRASE in topic["top_terms"]
    assert all(PHRASE in r["text"] for r in topic["representatives"])


def test_the_same_province_without_injection_shows_no_term_of_the_injected_kind(injected, clean):
    injected_terms = {t["term"] for t in injected["emerging_terms"]}
    assert not injected_terms & {t["term"] for t in clean["emerging_terms"]}
    assert not any(PHRASE in t["label"] for t in clean["topics"])


def test_businesses_with_several_complaints_about_the_problem_are_flagged(injected, clean):
    flags = injected["flagged_businesses"]
    assert flags and all(f["complaints"] >= 3 for f in flags)
    assert PHRASE in flags[0]["terms"]
    notice = risk_notice(injected, flags[0]["uscc"])
    assert notice and "风险提示" in notice["zh"] and "not a veto" in notice["en"]
    assert risk_notice(injected, "91420100000000000X") is None
    assert not any(f["terms"] for f in clean["flagged_businesses"])


def test_the_windows_and_periods_line_up(injected):
    assert injected["window"] == {
        "from": "2026-06-01",
        "to": "2026-06-30",
        "complaints": injected["window"]["complaints"],
    }
    assert injected["baseline"]["from"] == "2025-06-01" and injected["baseline"]["to"] == "2026-05-31"
    assert injected["periods"][-1] == {"from": "2026-06-01", "to": "2026-06-30"}
    assert all(len(t["counts"]) == len(injected["periods"]) for t in injected["trends"])


PROBLEMS = ("闪退扣费", "保价不退差", "砍价免费拿", "刷脸支付扣款", "会员自动续费")


@pytest.mark.slow
def test_precision_and_recall_over_seeds():
    """Recall: the injected phrase is in the top 5. Precision: of the top 5 emerging terms, the share
    whose window complaints are mostly injected ones. Clean provinces: emerging terms reported at all."""
    hits, relevant, reported, false_alarms = 0, 0, 0, 0
    lines = []
    for seed, phrase in enumerate(PROBLEMS, start=11):
        rows = province(seed, (f"{phrase}@2026-05",))
        injected_ids = {r.complaint_id for r in rows if "E" in r.complaint_id}
        report = scan(rows)
        top = report["emerging_terms"][:5]
        hits += phrase in [t["term"] for t in top]
        window = [r for r in rows if r.received_on >= dt.date(2026, 6, 1)]
        for t in top:
            with_term = [r for r in window if t["term"] in r.text]
            relevant += sum(r.complaint_id in injected_ids for r in with_term) * 2 >= len(with_term)
        reported += len(top)
        clean = scan(province(seed))
        false_alarms += len(clean["emerging_terms"])
        lines.append(f"seed {seed} {phrase}: top5 {[t['term'] for t in top]}; clean {len(clean['emerging_terms'])}")
    recall, precision = hits / len(PROBLEMS), relevant / max(reported, 1)
    print(
        "\n".join(lines) + f"\nrecall {recall:.2f} precision {precision:.2f} "
        f"false alarms per clean province {false_alarms / len(PROBLEMS):.1f}"
    )
    assert recall >= 0.8 and precision >= 0.8
