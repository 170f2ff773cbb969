"""Emerging terms (新词碰撞): terms whose share of complaints rose sharply in the window.

For a term found in `a` of the window's `n1` complaints and `b` of the baseline's
`n2`, the 2x2 table (term / no term x window / baseline) gives Dunning's
log-likelihood ratio

    G² = 2 Σ O ln(O / E)

which, unlike the chi-square, stays reliable for small counts. G² says *that*
the rates differ; the smoothed rate ratio `((a + ½)/n1) / ((b + ½)/n2)` says in
which direction and by how much (the ½ keeps a term unseen in the baseline from
an infinite ratio). A term is emerging when it is in at least `min_count`
window complaints, its ratio is at least `min_ratio` and G² is at least
`min_g2` (15.1 is p ≈ 0.0001 with one degree of freedom: with thousands of
terms tested, a stricter line than the usual 3.84 keeps chance rises out).
It is *new* when the baseline never saw it.

Overlapping terms (one inside the other: 闪退 in 闪退扣费) describe one
problem, so only the better of them is kept: higher G², then longer.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class TermScore:
    term: str
    window_count: int
    baseline_count: int
    window_rate: float
    baseline_rate: float
    rate_ratio: float
    g2: float
    new: bool


def _xlogx_over(o: float, e: float) -> float:
    return o * math.log(o / e) if o > 0 else 0.0


def log_likelihood(a: int, n1: int, b: int, n2: int) -> float:
    """Dunning's G² for `a` of `n1` against `b` of `n2`."""
    total, hits = n1 + n2, a + b
    if not n1 or not n2 or not hits or hits == total:
        return 0.0
    e_a, e_b = n1 * hits / total, n2 * hits / total
    e_na, e_nb = n1 - e_a, n2 - e_b
    return 2.0 * (_xlogx_over(a, e_a) + _xlogx_over(b, e_b) + _xlogx_over(n1 - a, e_na) + _xlogx_over(n2 - b, e_nb))


def rate_ratio(a: int, n1: int, b: int, n2: int) -> float:
    return ((a + 0.5) / max(n1, 1)) / ((b + 0.5) / max(n2, 1))


def emerging_terms(
    window: Mapping[str, int],
    n_window: int,
    baseline: Mapping[str, int],
    n_baseline: int,
    *,
    min_count: int = 5,
    min_ratio: float = 3.0,
    min_g2: float = 15.1,
    limit: int = 30,
) -> list[TermScore]:
    """Terms rising from the baseline to the window, strongest first (overlaps folded)."""
    scored = []
    for term, a in window.items():
        if a < min_count:
            continue
        b = baseline.get(term, 0)
        ratio = rate_ratio(a, n_window, b, n_baseline)
        if ratio < min_ratio:
            continue
        g2 = log_likelihood(a, n_window, b, n_baseline)
        if g2 < min_g2:
            continue
        scored.append(
            TermScore(
                term,
                a,
                b,
                round(a / n_window, 6),
                round(b / n_baseline, 6) if n_baseline else 0.0,
                round(ratio, 2),
                round(g2, 2),
                b == 0,
            )
        )
    scored.sort(key=lambda s: (-s.g2, -len(s.term), s.term))
    kept: list[TermScore] = []
    for s in scored:
        if not any(s.term in k.term or k.term in s.term for k in kept):
            kept.append(s)
        if len(kept) == limit:
            break
    return kept
