"""Step detection: a piecewise-constant fit of a noisy series, with a penalty per step.

The method is asv's (airspeed velocity, ``asv/step_detect.py``, BSD licence), reimplemented
compactly: the series is fitted by segments of constant level, each level the weighted median
of its points, the cost the weighted L1 distance of the points from their level (Laplace
noise: robust to an outlier). The number of segments k minimises asv's information criterion

    beta * k + ln(sigma_0 + cost_k),    beta = 4 ln(n) / n

(Schwarz's criterion for Laplace noise of unknown size, after Yao 1988), where cost_k is the
least cost with k segments and sigma_0 a floor for the noise (0.1 x the smallest step between
the levels; with one or two segments 0.001 x the lower level), so that fitting every point by
itself does not win. Where asv searches the penalty of the Potts problem approximately, to stay
fast on thousands of commits, this finds cost_k for every k exactly by dynamic programming:
O(n^3) for n points, about a second per case for a history of 400 runs. Unlike asv, a segment
holds at least ``MIN_SIZE`` points (asv filters short ones after the fit).

Weights, as asv's: the inverse of each point's own uncertainty (the half-width of its median's
interval), relative to the median weight, so a noisy run pulls the fit less than a steady one.
"""

from __future__ import annotations

import heapq
import itertools
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

# The fewest points a segment holds: one run that stands out is an outlier, not a change (a
# step at the newest run shows once the next run confirms it).
MIN_SIZE = 2
BETA = 4.0


@dataclass(frozen=True)
class Segment:
    start: int  # the first point's index
    end: int  # one past the last point's index
    level: float  # the weighted median of its points


def weighted_median(values: Sequence[float], weights: Sequence[float]) -> float:
    """The value at half the total weight (the mean of the two middle ones on a tie)."""
    pairs = sorted(zip(values, weights, strict=True))
    half = sum(weights) / 2
    total = 0.0
    for i, (value, weight) in enumerate(pairs):
        total += weight
        if math.isclose(total, half) and i + 1 < len(pairs):
            return (value + pairs[i + 1][0]) / 2
        if total > half:
            return value
    return pairs[-1][0]


def _costs(y: Sequence[float], w: Sequence[float]) -> list[list[float]]:
    """cost[l][r]: the weighted L1 distance of y[l..r] from their weighted median.

    For each l, the points join one by one into two heaps split at the weighted median (the
    lower half's largest is the median), with each half's weight and weighted sum: each cost
    in O(log n). Any weighted median gives the same distance, so ties need no care here.
    """
    n = len(y)
    cost = [[0.0] * n for _ in range(n)]
    for left in range(n):
        lower: list[tuple[float, float]] = []  # (-value, weight): a max-heap
        upper: list[tuple[float, float]] = []  # (value, weight)
        low_w = low_s = up_w = up_s = 0.0
        for right in range(left, n):
            value, weight = y[right], w[right]
            if lower and value <= -lower[0][0]:
                heapq.heappush(lower, (-value, weight))
                low_w, low_s = low_w + weight, low_s + weight * value
            else:
                heapq.heappush(upper, (value, weight))
                up_w, up_s = up_w + weight, up_s + weight * value
            half = (low_w + up_w) / 2
            while low_w < half and upper:
                moved, mw = heapq.heappop(upper)
                up_w, up_s = up_w - mw, up_s - mw * moved
                heapq.heappush(lower, (-moved, mw))
                low_w, low_s = low_w + mw, low_s + mw * moved
            while lower and low_w - lower[0][1] > half:
                negative, mw = heapq.heappop(lower)
                low_w, low_s = low_w - mw, low_s + mw * negative
                heapq.heappush(upper, (-negative, mw))
                up_w, up_s = up_w + mw, up_s - mw * negative
            median = -lower[0][0]
            cost[left][right] = max(0.0, (median * low_w - low_s) + (up_s - median * up_w))
    return cost


def fit(
    y: Sequence[float], w: Sequence[float] | None = None, min_size: int = MIN_SIZE
) -> list[Segment]:
    """The segments of constant level that explain ``y`` best for their number (see above),
    each of at least ``min_size`` points (one segment when ``y`` has fewer)."""
    n = len(y)
    if n == 0:
        return []
    weights = _normalised(w, n)
    cost = _costs(y, weights)
    # best[k][r]: the least cost of y[0..r] in k + 1 segments; cut[k][r]: where the last starts.
    best = [[c if r + 1 >= min_size else math.inf for r, c in enumerate(cost[0])]]
    cut = [[0] * n]
    most = max(1, n // min_size)
    for k in range(1, most):
        row, starts = [math.inf] * n, [0] * n
        for right in range(n):
            for start in range((k * min_size), right - min_size + 2):
                total = best[k - 1][start - 1] + cost[start][right]
                if total < row[right]:
                    row[right], starts[right] = total, start
        best.append(row)
        cut.append(starts)
    beta = BETA * math.log(n) / n if n > 1 else 0.0
    chosen = [Segment(0, n, weighted_median(y, weights))]
    chosen_score = math.inf
    least = math.inf
    for k in range(most):
        # One segment more that fits no better is no segment (a constant series is one).
        if not best[k][n - 1] < least * (1 - 1e-9):
            continue
        least = best[k][n - 1]
        segments = _segments(k, cut, y, weights)
        score = beta * (k + 1) + math.log(_noise_floor(segments) + best[k][n - 1])
        if score < chosen_score - 1e-12:
            chosen, chosen_score = segments, score
    return chosen


def _normalised(w: Sequence[float] | None, n: int) -> list[float]:
    """Weights relative to their median; a missing, zero or infinite one takes the median."""
    if w is None:
        return [1.0] * n
    valid = [x for x in w if x is not None and 0 < x < math.inf]
    middle = statistics.median(valid) if valid else 1.0
    return [(x if x is not None and 0 < x < math.inf else middle) / middle for x in w]


def _segments(k: int, cut: list[list[int]], y: Sequence[float], w: list[float]) -> list[Segment]:
    segments = []
    end = len(y)
    for level in range(k, -1, -1):
        start = cut[level][end - 1] if level else 0
        segments.append(Segment(start, end, weighted_median(y[start:end], w[start:end])))
        end = start
    return segments[::-1]


def _noise_floor(segments: list[Segment]) -> float:
    """asv's floor for the noise: a tenth of the smallest step, or 0.1% of the lower level."""
    levels = [s.level for s in segments]
    if len(levels) > 2:  # as asv's: two levels take the floor of one
        floor = 0.1 * min(abs(b - a) for a, b in itertools.pairwise(levels))
    else:
        floor = 0.001 * min(abs(v) for v in levels)
    return max(floor, 1e-300)
