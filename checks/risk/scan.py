"""The risk scan over streamed complaints: window stage, baseline stage, report.

    window = scan_window(window_rows, params)        # discover phrases, take every complaint's terms
    baseline = BaselineCounts(window)
    for chunk in baseline_chunks: baseline.add(chunk) # streamed: counts and a bounded sample
    report = build_report(window, baseline)          # emerging terms, topics, trends, flags

Dates: the window is the `window_days` days ending on `as_of`; the baseline is
the `baseline_months` calendar months before the window starts. Every text is
masked before it is analysed or put in the report (`masking`).

Counting. The window's complaints are segmented (jieba + discovered phrases):
that gives the terms, and the sets of terms the topics are built from. A
term's count, in window and baseline alike, is the number of complaints whose
normalised text contains it (`TermMatcher`), so the baseline — twelve times
the window — is never segmented; only its sample for topic growth is.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from checks.calendar import zh_date
from checks.risk.masking import mask_personal_data
from checks.risk.phrases import discover_phrases
from checks.risk.terms import emerging_terms, log_likelihood, rate_ratio
from checks.risk.text import Analyzer, TermMatcher, analysis_clauses, in_dictionary
from checks.risk.topics import TopicModel
from checks.risk.trends import trend_series

CONSULTATION = "consultation"


@dataclass(frozen=True)
class ComplaintText:
    """One complaint as the scan sees it (registry.complaint_text streams these)."""

    complaint_id: str
    uscc: str
    received_on: dt.date
    kind: str
    category: str
    text: str
    industry_code: str | None
    region_code: str | None

    @property
    def city(self) -> str:
        return (self.region_code[:4] + "00") if self.region_code else "unknown"


@dataclass(frozen=True)
class ScanParams:
    as_of: dt.date
    window_days: int = 30
    baseline_months: int = 12
    min_term_count: int = 5
    min_ratio: float = 3.0
    min_g2: float = 15.1
    top_terms: int = 20
    flag_min_complaints: int = 3
    band_k: float = 3.0
    anomaly_min_count: int = 10
    topic_boost: float = 5.0

    def __post_init__(self):
        for name in ("window_days", "baseline_months", "min_term_count", "top_terms", "flag_min_complaints"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")

    @cached_property
    def window_start(self) -> dt.date:
        return self.as_of - dt.timedelta(days=self.window_days - 1)

    @cached_property
    def baseline_start(self) -> dt.date:
        return add_months(self.window_start, -self.baseline_months)

    @cached_property
    def periods(self) -> int:
        """Whole baseline periods before the window (each `window_days` long)."""
        return (self.window_start - self.baseline_start).days // self.window_days

    def period_of(self, day: dt.date) -> int | None:
        """0 for the window, 1 for the period before it ...; None when older than the last whole period."""
        p = (self.as_of - day).days // self.window_days
        return p if 0 <= p <= self.periods else None


def add_months(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.year * 12 + day.month - 1 + months, 12)
    m += 1
    last = (dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(y, m, min(day.day, last))


DIMENSIONS = ("industry", "region", "category")


def _keys(row: ComplaintText) -> tuple[tuple[str, str], ...]:
    return (("industry", row.industry_code or "unknown"), ("region", row.city), ("category", row.category))


@dataclass
class Timings:
    window_read_rows: int = 0
    baseline_rows: int = 0
    discover_seconds: float = 0.0
    analyse_seconds: float = 0.0
    baseline_seconds: float = 0.0
    topic_seconds: float = 0.0
    report_seconds: float = 0.0


@dataclass
class WindowStage:
    params: ScanParams
    rows: list[ComplaintText]
    docs: list[frozenset[str]]  # each complaint's terms from segmentation (for topics)
    hits: list[frozenset[str]]  # each complaint's countable terms it contains (for counts)
    phrases: list
    analyzer: Analyzer
    matcher: TermMatcher
    term_counts: Counter
    trend_counts: dict = field(default_factory=dict)
    timings: Timings = field(default_factory=Timings)


def scan_window(rows: Iterable[ComplaintText], params: ScanParams, cache_dir: Path | None = None) -> WindowStage:
    """Discover phrases in the window and take every complaint's terms."""
    rows = [r for r in rows if params.window_start <= r.received_on <= params.as_of]
    timings = Timings(window_read_rows=len(rows))
    started = time.perf_counter()
    phrases = discover_phrases(c for r in rows for c in analysis_clauses(r.text))
    timings.discover_seconds = time.perf_counter() - started
    started = time.perf_counter()
    analyzer = Analyzer(frozenset(p.text for p in phrases), cache_dir)
    clauses = [analysis_clauses(r.text) for r in rows]
    docs = [analyzer.of_clauses(c) for c in clauses]
    token_counts: Counter = Counter()
    for d in docs:
        token_counts.update(d)
    # Only a term in at least min_term_count window complaints can emerge: those are counted.
    matcher = TermMatcher(frozenset(t for t, c in token_counts.items() if c >= params.min_term_count))
    hits = [matcher.of_clauses(c) for c in clauses]
    term_counts: Counter = Counter()
    for h in hits:
        term_counts.update(h)
    trend_counts: dict = defaultdict(lambda: [0] * (params.periods + 1))
    for r in rows:
        for key in _keys(r):
            trend_counts[key][params.periods] += 1
    timings.analyse_seconds = time.perf_counter() - started
    return WindowStage(params, rows, docs, hits, phrases, analyzer, matcher, term_counts, trend_counts, timings)


class BaselineCounts:
    """Term and per-period counts of the baseline, fed in chunks, and a uniform sample of its
    complaints segmented (reservoir of `sample_size`, fixed seed) for measuring topic growth."""

    def __init__(self, window: WindowStage, sample_size: int = 100_000):
        self.window = window
        self.params = window.params
        self.n = 0
        self.term_counts: Counter = Counter()
        self.sample: list[frozenset[str]] = []
        self.sample_size = sample_size
        self._rng = random.Random(0)

    def add(self, rows: Sequence[ComplaintText]) -> None:
        started = time.perf_counter()
        p = self.params
        analyzer, matcher, trend = self.window.analyzer, self.window.matcher, self.window.trend_counts
        first, end = p.baseline_start, p.window_start
        for r in rows:
            if not first <= r.received_on < end:
                continue
            clauses = analysis_clauses(r.text)
            self.n += 1
            self.term_counts.update(matcher.of_clauses(clauses))
            if len(self.sample) < self.sample_size:
                self.sample.append(analyzer.of_clauses(clauses))
            else:
                j = self._rng.randrange(self.n)
                if j < self.sample_size:
                    self.sample[j] = analyzer.of_clauses(clauses)
            period = p.period_of(r.received_on)
            if period is not None:
                for key in _keys(r):
                    trend[key][p.periods - period] += 1
        self.window.timings.baseline_rows = self.n
        self.window.timings.baseline_seconds += time.perf_counter() - started


def _concentration(
    rows: Sequence[ComplaintText], idx: Sequence[int], attr: str, overall: Counter, n_all: int, top: int = 3
) -> list[dict]:
    counts = Counter(getattr(rows[i], attr) or "unknown" for i in idx)
    out = []
    for key, c in counts.most_common(top):
        lift = (c / len(idx)) / (overall[key] / n_all) if overall[key] else 0.0
        out.append({"code": key, "count": c, "share": round(c / len(idx), 3), "lift": round(lift, 2)})
    return out


def _example(row: ComplaintText) -> dict:
    return {
        "complaint_id": row.complaint_id,
        "uscc": row.uscc,
        "received_on": row.received_on.isoformat(),
        "industry_code": row.industry_code,
        "region_code": row.region_code,
        "text": mask_personal_data(row.text),
    }


def _topics(window: WindowStage, baseline: BaselineCounts, scores, by_industry: Counter, by_city: Counter):
    """Topic model over the window (emerging terms boosted) and each topic's figures."""
    p, rows, docs, hits = window.params, window.rows, window.docs, window.hits
    if len(docs) < 20:
        return None, [], set()
    n_w, n_b = len(rows), baseline.n
    tm = TopicModel(docs, boost={s.term: p.topic_boost for s in scores})
    scale = n_b / len(baseline.sample) if baseline.sample else 0.0
    before_counts = Counter(int(t) for t in tm.assign(baseline.sample) if t >= 0)
    topics_out: list[dict[str, Any]] = []  # JSON objects of the report
    emerging_topics: set[int] = set()
    for t in range(tm.k):
        idx = [int(i) for i in (tm.labels == t).nonzero()[0]]
        if not idx:
            continue
        size, before = len(idx), round(before_counts.get(t, 0) * scale)
        # growth compares like with like: window members as close to the centre as baseline ones must be
        close = int(np.count_nonzero(tm.similarity[idx] >= tm.thresholds[t]))
        ratio = rate_ratio(close, n_w, before, n_b) if n_b else 0.0
        g2 = log_likelihood(close, n_w, before, n_b) if n_b else 0.0
        shares = {s.term: sum(1 for i in idx if s.term in hits[i]) / size for s in scores}
        dominant = max(shares, key=lambda k: (shares[k], k)) if any(shares.values()) else None
        dominant_share = shares[dominant] if dominant else 0.0
        emerging = (ratio >= p.min_ratio and g2 >= p.min_g2) or dominant_share >= 0.5
        if emerging:
            emerging_topics.add(t)
        topics_out.append(
            {
                "topic": t,
                "label": "、".join(tm.top_terms(t, 3)),
                "top_terms": tm.top_terms(t),
                "size": size,
                "baseline_size": before,
                "growth": round(ratio, 2),
                "g2": round(g2, 2),
                "emerging": emerging,
                "dominant_term": dominant,
                "dominant_share": round(dominant_share, 3),
                "industries": _concentration(rows, idx, "industry_code", by_industry, n_w),
                "regions": _concentration(rows, idx, "city", by_city, n_w),
                "representatives": [_example(rows[i]) for i in tm.representatives(t)],
            }
        )
    topics_out.sort(key=lambda t: (not t["emerging"], -t["g2"] if t["emerging"] else -t["size"], t["topic"]))
    return tm, topics_out, emerging_topics


def build_report(window: WindowStage, baseline: BaselineCounts) -> dict:
    """The scan's findings as a JSON-ready dict (all texts masked)."""
    started = time.perf_counter()
    p, rows = window.params, window.rows
    n_w, n_b = len(rows), baseline.n
    by_industry = Counter(r.industry_code or "unknown" for r in rows)
    by_city = Counter(r.city for r in rows)
    scores = (
        emerging_terms(
            window.term_counts,
            n_w,
            baseline.term_counts,
            n_b,
            min_count=p.min_term_count,
            min_ratio=p.min_ratio,
            min_g2=p.min_g2,
            limit=p.top_terms,
        )
        if n_w and n_b
        else []
    )
    term_rows: dict[str, list[int]] = {s.term: [] for s in scores}
    for i, d in enumerate(window.hits):
        for t in term_rows:
            if t in d:
                term_rows[t].append(i)
    terms_out = []
    for s in scores:
        idx = term_rows[s.term]
        latest = sorted(idx, key=lambda i: (rows[i].received_on, rows[i].complaint_id), reverse=True)[:3]
        terms_out.append(
            asdict(s)
            | {
                "in_dictionary": in_dictionary(s.term),
                "industries": _concentration(rows, idx, "industry_code", by_industry, n_w),
                "regions": _concentration(rows, idx, "city", by_city, n_w),
                "examples": [_example(rows[i]) for i in latest],
            }
        )
    started_topics = time.perf_counter()
    tm, topics_out, emerging_topics = _topics(window, baseline, scores, by_industry, by_city)
    window.timings.topic_seconds = time.perf_counter() - started_topics
    series = trend_series(window.trend_counts, k=p.band_k, min_count=p.anomaly_min_count)
    trends_out = [
        {
            "dimension": s.dimension,
            "key": s.key,
            "counts": list(s.counts),
            "forecast": asdict(s.forecast),
            "anomaly": s.anomaly,
        }
        for s in series
    ]
    flags = flag_businesses(
        rows,
        window.hits,
        [s.term for s in scores],
        tm.labels if tm is not None else None,
        emerging_topics,
        p.flag_min_complaints,
    )
    window.timings.report_seconds = time.perf_counter() - started
    a = window.analyzer
    return {
        "as_of": p.as_of.isoformat(),
        "parameters": {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in asdict(p).items()},
        "window": {"from": p.window_start.isoformat(), "to": p.as_of.isoformat(), "complaints": n_w},
        "baseline": {
            "from": p.baseline_start.isoformat(),
            "to": (p.window_start - dt.timedelta(days=1)).isoformat(),
            "complaints": n_b,
        },
        "periods": [
            {
                "from": (p.as_of - dt.timedelta(days=(k + 1) * p.window_days - 1)).isoformat(),
                "to": (p.as_of - dt.timedelta(days=k * p.window_days)).isoformat(),
            }
            for k in range(p.periods, -1, -1)
        ],
        "discovered_phrases": [asdict(ph) for ph in window.phrases[:50]],
        "emerging_terms": terms_out,
        "topics": topics_out,
        "trends": trends_out,
        "anomalies": [t for t in trends_out if t["anomaly"]],
        "flagged_businesses": flags,
        "stats": asdict(window.timings)
        | {
            "segment_seconds": round(a.segment_seconds, 3),
            "clauses": a.clauses,
            "clauses_segmented": a.segmented,
            "topics": tm.k if tm is not None else 0,
        },
    }


def flag_businesses(
    rows: Sequence[ComplaintText],
    hits: Sequence[frozenset[str]],
    terms: Sequence[str],
    labels,
    emerging_topics: set[int],
    min_complaints: int,
) -> list[dict]:
    """Businesses with at least `min_complaints` window complaints or reports (not consultations)
    carrying an emerging term or falling in an emerging topic, most such complaints first."""
    by_business: dict[str, Counter] = defaultdict(Counter)
    counts: Counter = Counter()
    topic_hits: dict[str, set] = defaultdict(set)
    for i, (r, d) in enumerate(zip(rows, hits)):
        if r.kind == CONSULTATION:
            continue
        found = [t for t in terms if t in d]
        topic = int(labels[i]) if labels is not None and int(labels[i]) in emerging_topics else None
        if found or topic is not None:
            counts[r.uscc] += 1
            by_business[r.uscc].update(found)
            if topic is not None:
                topic_hits[r.uscc].add(topic)
    return [
        {
            "uscc": u,
            "complaints": c,
            "terms": [t for t, _ in by_business[u].most_common()],
            "topics": sorted(topic_hits[u]),
        }
        for u, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        if c >= min_complaints
    ]


def risk_notice(report: dict, uscc: str) -> dict | None:
    """The risk notice (风险提示) a reviewer or monitoring sees beside a business's score, or None.

    Advisory, never a veto: it says how many recent complaints match which emerging problems."""
    for flag in report.get("flagged_businesses", ()):
        if flag["uscc"] == uscc:
            terms = "、".join(flag["terms"][:3]) or "新兴投诉主题"
            on = zh_date(report["as_of"])
            return flag | {
                "as_of": report["as_of"],
                "zh": f"风险提示：截至{on}的{report['parameters']['window_days']}天内，"
                f"该经营者有{flag['complaints']}件投诉涉及新兴问题（{terms}）。仅供参考，不作否决依据。",
                "en": f"Risk notice: {flag['complaints']} complaints in the {report['parameters']['window_days']} "
                f"days to {report['as_of']} concern emerging problems ({terms}). Advisory, not a veto.",
            }
    return None
