"""Trends and forecast: complaint counts per period, Holt's linear smoothing, anomalies.

A period is `window_days` long and periods end on the scan date, so the last
period is exactly the window and the ones before it make up the baseline
(about 12 for a 30-day window and a 12-month baseline).

Forecast (Holt's linear exponential smoothing, written out in numpy): a level
`l` and a trend `t` follow the history,

    l_k = α y_k + (1 - α)(l_{k-1} + t_{k-1}),   t_k = β (l_k - l_{k-1}) + (1 - β) t_{k-1},

and the forecast for the next period is `l + t` (never below 0). α and β are
picked from a small grid by the least squared one-step-ahead error over the
history. The band is `forecast ± k·σ`, σ being the larger of the one-step
residuals' standard deviation and √forecast (a count cannot be steadier than
Poisson). The latest period is an anomaly when it lies above the band and has
at least `min_count` complaints.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

GRID = (0.2, 0.4, 0.6, 0.8)


@dataclass(frozen=True)
class Forecast:
    value: float
    lower: float
    upper: float
    alpha: float
    beta: float
    sigma: float


@dataclass(frozen=True)
class Series:
    dimension: str  # industry / region / category
    key: str
    counts: tuple[int, ...]  # oldest first; the last is the window
    forecast: Forecast
    anomaly: bool


def _holt(y: np.ndarray, alpha: float, beta: float) -> tuple[float, np.ndarray]:
    """Next-period forecast and the one-step-ahead errors over `y` (from its third value)."""
    level, trend = y[0], y[1] - y[0]
    errors = []
    for value in y[1:]:
        predicted = level + trend
        errors.append(value - predicted)
        new_level = alpha * value + (1 - alpha) * (level + trend)
        trend = beta * (new_level - level) + (1 - beta) * trend
        level = new_level
    return level + trend, np.asarray(errors[1:])


def holt_forecast(history: Sequence[float], k: float = 3.0) -> Forecast:
    """Forecast of the period after `history` with its band (see the module's text)."""
    y = np.asarray(history, dtype=float)
    if len(y) < 3:
        value = float(y.mean()) if len(y) else 0.0
        sigma = max(float(y.std()) if len(y) else 0.0, math.sqrt(max(value, 1.0)))
        return Forecast(
            round(value, 2),
            round(max(0.0, value - k * sigma), 2),
            round(value + k * sigma, 2),
            1.0,
            0.0,
            round(sigma, 2),
        )
    best = None
    for alpha in GRID:
        for beta in GRID:
            value, errors = _holt(y, alpha, beta)
            sse = float(errors @ errors)
            if best is None or sse < best[0]:
                best = (sse, alpha, beta, value, errors)
    assert best is not None  # GRID is not empty
    _, alpha, beta, value, errors = best
    value = max(0.0, float(value))
    sigma = max(float(errors.std(ddof=1)) if len(errors) > 1 else 0.0, math.sqrt(max(value, 1.0)))
    return Forecast(
        round(value, 2),
        round(max(0.0, value - k * sigma), 2),
        round(value + k * sigma, 2),
        alpha,
        beta,
        round(sigma, 2),
    )


def trend_series(
    counts: Mapping[tuple[str, str], Sequence[int]], *, k: float = 3.0, min_count: int = 10
) -> list[Series]:
    """One series per (dimension, key): the latest period against the forecast from the ones before."""
    out = []
    for (dimension, key), values in sorted(counts.items()):
        values = tuple(int(v) for v in values)
        fc = holt_forecast(values[:-1], k)
        latest = values[-1]
        out.append(Series(dimension, key, values, fc, latest > fc.upper and latest >= min_count))
    return out
