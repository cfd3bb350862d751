"""Statistics of timed values: pure functions, no I/O, deterministic.

The headline is the median with the interquartile range; mean ± standard deviation sit beside
it. Instability warnings follow pyperf's spirit; significance follows asv's (Mann-Whitney U
plus a minimum effect size).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache

# A value shorter than this is timed over calibrated inner loops (see measure.calibrate).
MIN_VALUE_S = 0.005
UNSTABLE_SPREAD = 0.10  # standard deviation over 10% of the median
OUTLIER_MADS = 5.0  # a value this many scaled MADs from the median is "far from the rest"


@dataclass(frozen=True)
class Summary:
    n: int
    median: float
    q1: float
    q3: float
    iqr: float
    mad: float
    mean: float
    stdev: float
    min: float
    max: float
    warnings: list[str] = field(default_factory=list)


def quartiles(values: Sequence[float]) -> tuple[float, float, float]:
    """Q1, median, Q3 (linear interpolation between closest ranks, as numpy's default)."""
    ordered = sorted(values)
    return (_percentile(ordered, 0.25), _percentile(ordered, 0.5), _percentile(ordered, 0.75))


def _percentile(ordered: Sequence[float], p: float) -> float:
    if len(ordered) == 1:
        return ordered[0]
    position = p * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def mad(values: Sequence[float]) -> float:
    """Median absolute deviation (unscaled)."""
    center = statistics.median(values)
    return statistics.median(abs(v - center) for v in values)


def summarize(values: Sequence[float], loops: int = 1) -> Summary:
    if not values:
        raise ValueError("no values to summarize")
    q1, median, q3 = quartiles(values)
    deviation = mad(values)
    stdev = statistics.stdev(values) if len(values) > 1 else 0.0
    return Summary(
        n=len(values),
        median=median,
        q1=q1,
        q3=q3,
        iqr=q3 - q1,
        mad=deviation,
        mean=statistics.fmean(values),
        stdev=stdev,
        min=min(values),
        max=max(values),
        warnings=instability(values, loops),
    )


def instability(values: Sequence[float], loops: int = 1) -> list[str]:
    """Reasons not to trust a set of values, in the spirit of pyperf's checks."""
    warnings = []
    median = statistics.median(values)
    if len(values) < 3:
        warnings.append(
            f"only {len(values)} value{'s' if len(values) != 1 else ''}: "
            "too few to judge the spread (use --repeat)"
        )
    if len(values) > 1 and median > 0:
        spread = statistics.stdev(values) / median
        if spread > UNSTABLE_SPREAD:
            warnings.append(f"unstable: the standard deviation is {spread:.0%} of the median")
    scaled = 1.4826 * mad(values)
    if scaled > 0:
        far = [v for v in values if abs(v - median) > OUTLIER_MADS * scaled]
        if far:
            warnings.append(
                f"{len(far)} value{'s' if len(far) != 1 else ''} far from the rest "
                f"(more than {OUTLIER_MADS:g} MADs from the median)"
            )
    if loops == 1 and median < MIN_VALUE_S:
        warnings.append(f"values under {MIN_VALUE_S * 1e3:g} ms are hard to time reliably")
    return warnings


def calibrate_loops(single_run_s: float, target_s: float = MIN_VALUE_S, cap: int = 1000) -> int:
    """Inner loops so that one value lasts at least ``target_s`` (at most ``cap`` loops)."""
    if single_run_s >= target_s:
        return 1
    if single_run_s <= 0:
        return cap
    return min(cap, math.ceil(target_s / single_run_s))


# --- significance ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Significance:
    u: float
    p_value: float
    method: str  # "exact" or "normal"


def mann_whitney_u(a: Sequence[float], b: Sequence[float]) -> Significance:
    """Two-sided Mann-Whitney U test; exact for small samples without ties, else normal.

    Valid for unequal sample sizes. With fewer than two values on a side nothing can be
    concluded, and the p-value is 1.
    """
    n1, n2 = len(a), len(b)
    if n1 < 2 or n2 < 2:
        return Significance(0.0, 1.0, "exact")
    ranks = _ranks([*a, *b])
    r1 = sum(ranks[:n1])
    u1 = r1 - n1 * (n1 + 1) / 2
    u = min(u1, n1 * n2 - u1)
    tied = len(set(a) | set(b)) < n1 + n2
    if not tied and n1 * n2 <= 400:
        total = math.comb(n1 + n2, n1)
        # P(U <= u) under the null, doubled for two sides.
        below = sum(_u_count(n1, n2, k) for k in range(int(u) + 1))
        return Significance(u, min(1.0, 2 * below / total), "exact")
    mean_u = n1 * n2 / 2
    counts: dict[float, int] = {}
    for value in [*a, *b]:
        counts[value] = counts.get(value, 0) + 1
    n = n1 + n2
    tie_term = sum(t**3 - t for t in counts.values()) / (n * (n - 1))
    variance = n1 * n2 / 12 * ((n + 1) - tie_term)
    if variance <= 0:
        return Significance(u, 1.0, "normal")
    z = (abs(u - mean_u) - 0.5) / math.sqrt(variance)  # continuity correction
    p = math.erfc(max(z, 0.0) / math.sqrt(2))
    return Significance(u, min(1.0, p), "normal")


def _ranks(values: Sequence[float]) -> list[float]:
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


@cache
def _u_count(n1: int, n2: int, u: int) -> int:
    """How many arrangements of n1 and n2 values give exactly U = u (no ties)."""
    if u < 0:
        return 0
    if n1 == 0 or n2 == 0:
        return 1 if u == 0 else 0
    # The largest value belongs to sample 1 (adds n2 to U) or to sample 2 (adds nothing).
    return _u_count(n1 - 1, n2, u - n2) + _u_count(n1, n2 - 1, u)


def growth_exponent(points: Sequence[tuple[float, float]]) -> float | None:
    """The slope k of log(y) against log(x), least squares: y grows like x**k.

    1 is linear growth, 2 quadratic, 0 constant; None with fewer than two usable points.
    """
    usable = [(math.log(x), math.log(y)) for x, y in points if x > 0 and y > 0]
    if len(usable) < 2:
        return None
    mean_x = sum(x for x, _ in usable) / len(usable)
    mean_y = sum(y for _, y in usable) / len(usable)
    variance = sum((x - mean_x) ** 2 for x, _ in usable)
    if variance == 0:
        return None
    return sum((x - mean_x) * (y - mean_y) for x, y in usable) / variance


# --- intervals and paired ratios ------------------------------------------------------------

CONFIDENCE = 0.95


def median_interval(values: Sequence[float], confidence: float = CONFIDENCE) -> tuple[float, float]:
    """A distribution-free interval for the median, from order statistics.

    The interval [x(k), x(n-k+1)] holds the true median with probability 1 - 2 P(B <= k-1),
    B ~ Binomial(n, 1/2); k is the largest rank that keeps that at least ``confidence``. Below
    6 values no pair of ranks reaches 95%: the interval is then the whole range (min, max).
    """
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    n = len(ordered)
    alpha = 1 - confidence
    k = 0
    cumulative = 0.0
    # P(B <= j) for j = 0, 1, ...: grow k while the two tails together stay within alpha.
    # Each P(B = j) from log-gamma: math.comb(n, j) / 2**n computes a number of up to n bits
    # for every j, minutes for the 200,000 values of a long run.
    log_all = math.lgamma(n + 1) - n * math.log(2)
    for j in range(n // 2):
        cumulative += math.exp(log_all - math.lgamma(j + 1) - math.lgamma(n - j + 1))
        if 2 * cumulative > alpha:
            break
        k = j + 1
    k = max(k, 1)
    return ordered[k - 1], ordered[n - k]


def relative_half_width(interval: Sequence[float], center: float) -> float:
    """Half the interval's width as a fraction of its center (0.05 = ± 5%)."""
    if center <= 0:
        return math.inf
    return (interval[1] - interval[0]) / 2 / center


@dataclass(frozen=True)
class PairedRatios:
    """Each option's time as a multiple of the reference's, taken within each round."""

    reference: int
    per_round: dict[int, list[float]]
    medians: dict[int, float]
    intervals: dict[int, tuple[float, float]]


def paired_ratios(times: dict[int, Sequence[float]]) -> PairedRatios | None:
    """Ratios to the fastest option, round by round: ``times[n][i]`` is option n's value in
    round i. The reference is the option whose paired ratios put it fastest; None without at
    least two values per option or with rounds of different lengths.
    """
    lengths = {len(v) for v in times.values()}
    if len(lengths) != 1 or min(lengths) < 2 or any(t <= 0 for v in times.values() for t in v):
        return None
    # The reference no other option beats round by round (every median ratio to it at least
    # 1), found by trying each: medians of ratios need not be transitive, so switching once to
    # an option that beat the lowest median could leave a third below 1 (0.82 beside the
    # "fastest" 1.00 in an advise on a busy machine). Where the options beat each other in a
    # circle, the one beaten least; ties go to the lowest median, as before.
    candidates = [_ratios_to(n, times) for n in times]
    return max(
        candidates,
        key=lambda r: (
            min(m for n, m in r.medians.items() if n != r.reference),
            -statistics.median(times[r.reference]),
        ),
    )


def _ratios_to(reference: int, times: dict[int, Sequence[float]]) -> PairedRatios:
    base = times[reference]
    per_round = {n: [t / b for t, b in zip(v, base, strict=True)] for n, v in times.items()}
    return PairedRatios(
        reference=reference,
        per_round=per_round,
        medians={n: statistics.median(r) for n, r in per_round.items()},
        intervals={n: median_interval(r) for n, r in per_round.items()},
    )


def widest_interval(times: dict[int, Sequence[float]]) -> float:
    """How far the measurement is from the precision asked: the widest relative half-width.

    With several options, of their paired ratios' intervals; with one, of its median's.
    """
    if len(times) == 1:
        (values,) = times.values()
        return relative_half_width(median_interval(values), statistics.median(values))
    paired = paired_ratios(times)
    if paired is None:
        return math.inf
    return max(
        relative_half_width(paired.intervals[n], paired.medians[n])
        for n in paired.medians
        if n != paired.reference
    )
