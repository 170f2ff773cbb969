"""New-phrase discovery (新词发现): phrases the segmenter's dictionary does not know.

Over the window's clauses, every run of Chinese characters gives its character
n-grams (2 to 6). A candidate must be

- frequent: in at least `min_count` clauses;
- cohesive: its pointwise mutual information, taken at its weakest split
  `min over a|b of log p(ab) / (p(a) p(b))`, at least `min_pmi` (2: the parts
  occur together at least e² ≈ 7 times as often as chance; a very common
  character, such as 费 of 消费者, keeps the weakest split low, so no higher);
- free: left and right branching entropy (the entropy of the character before
  and after it) both at least `min_entropy` nats, so it is used in varied
  contexts rather than being a fragment of something longer. A clause edge
  counts as a neighbour seen once (an edge is the freest context there is);
- not starting or ending with a one-character stop word (的, 于, 在, 日 ...),
  which would make it a fragment of the surrounding sentence.

Then a sub-phrase is dropped when a found phrase containing it accounts for
most of its occurrences (`absorb` share), so 闪退扣费 is reported, not 退扣费.

Counting is by distinct clause with its multiplicity, so repeated wording costs
once; a cap on distinct clauses keeps the cost bounded on large windows.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from checks.risk.text import stop_words

MIN_N, MAX_N = 2, 6


@dataclass(frozen=True)
class Phrase:
    text: str
    count: int
    pmi: float
    left_entropy: float
    right_entropy: float


def _han_runs(clause: str) -> list[str]:
    runs, start = [], None
    for i, ch in enumerate(clause):
        if "\u4e00" <= ch <= "\u9fff":
            if start is None:
                start = i
        elif start is not None:
            runs.append(clause[start:i])
            start = None
    if start is not None:
        runs.append(clause[start:])
    return runs


def _entropy(neighbours: Counter, edges: int) -> float:
    total = sum(neighbours.values()) + edges
    if not total:
        return 0.0
    h = -sum(c / total * math.log(c / total) for c in neighbours.values())
    return h + edges * math.log(total) / total  # each edge a neighbour of its own


def discover_phrases(
    clauses: Iterable[str],
    *,
    min_count: int = 5,
    min_pmi: float = 2.0,
    min_entropy: float = 1.0,
    absorb: float = 0.8,
    max_distinct: int = 200_000,
) -> list[Phrase]:
    """Phrases of 2-6 characters found in `clauses` (normalised text), most frequent first."""
    distinct: Counter[str] = Counter()
    for clause in clauses:
        for run in _han_runs(clause):
            if len(run) >= MIN_N and (run in distinct or len(distinct) < max_distinct):
                distinct[run] += 1
    grams: Counter[str] = Counter()
    left: dict[str, Counter] = {}
    right: dict[str, Counter] = {}
    left_edge: Counter[str] = Counter()
    right_edge: Counter[str] = Counter()
    for run, mult in distinct.items():
        n_run = len(run)
        for i in range(n_run):
            for n in range(1, min(MAX_N, n_run - i) + 1):
                g = run[i : i + n]
                grams[g] += mult
                if n < MIN_N:
                    continue
                if i == 0:
                    left_edge[g] += mult
                else:
                    (left.get(g) or left.setdefault(g, Counter()))[run[i - 1]] += mult
                if i + n == n_run:
                    right_edge[g] += mult
                else:
                    (right.get(g) or right.setdefault(g, Counter()))[run[i + n]] += mult
    total = sum(c for g, c in grams.items() if len(g) == 1) or 1
    stop = stop_words()
    edge_stop = {w for w in stop if len(w) == 1}
    found: list[Phrase] = []
    for g, count in grams.items():
        if len(g) < MIN_N or count < min_count or g in stop or g[0] in edge_stop or g[-1] in edge_stop:
            continue
        p = count / total
        pmi = min(math.log(p / (grams[g[:k]] / total * grams[g[k:]] / total)) for k in range(1, len(g)))
        if pmi < min_pmi:
            continue
        h_left = _entropy(left.get(g, Counter()), left_edge[g])
        h_right = _entropy(right.get(g, Counter()), right_edge[g])
        if min(h_left, h_right) >= min_entropy:
            found.append(Phrase(g, count, round(pmi, 3), round(h_left, 3), round(h_right, 3)))
    found.sort(key=lambda ph: (-len(ph.text), -ph.count, ph.text))
    kept: list[Phrase] = []
    for ph in found:  # longest first: a shorter one survives only if it often stands apart
        if not any(ph.text in k.text and k.count >= absorb * ph.count for k in kept):
            kept.append(ph)
    kept.sort(key=lambda ph: (-ph.count, ph.text))
    return kept
