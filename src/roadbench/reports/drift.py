"""Did the whole run move? Two runs saved in two sessions cannot tell a slower machine from
slower code: when every case moved alike, beyond the noise, `diff` says so instead of
correcting for it silently (DESIGN.md rule 10)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from roadbench.measuring.stats import median_interval

# Below this many cases measured in both runs, "the whole run" is too few cases to tell a
# shared move from each case's own change.
MIN_CASES = 3


@dataclass(frozen=True)
class Drift:
    """How the run moved as a whole: the median of the cases' changes (new median / base
    median; 3.0 = everything three times slower), with a 95% interval for it."""

    factor: float
    low: float
    high: float
    noise: float  # the typical case's noise (median of their combined 95% half-widths)
    cases: int
    beyond_noise: bool

    def describe(self) -> str:
        direction = "slower" if self.factor >= 1 else "faster"
        return (
            f"the whole run moved: the median case ran {abs(self.factor - 1):.0%} {direction} "
            f"(×{self.factor:.2f}, 95% interval ×{self.low:.2f}–×{self.high:.2f}, over "
            f"{self.cases} cases), beyond their noise (±{self.noise:.1%})"
        )


def whole_run_drift(
    changes: Sequence[float], noises: Sequence[float], min_change: float
) -> Drift | None:
    """The drift of the whole run from each case's change (ratio of medians) and its noise;
    None with fewer than ``MIN_CASES`` cases.

    Beyond the noise: the median change's 95% interval excludes no change, and the median
    change is at least ``min_change`` and at least the typical case's own noise.
    """
    usable = [c for c in changes if c > 0 and math.isfinite(c)]
    if len(usable) < MIN_CASES:
        return None
    factor = statistics.median(usable)
    low, high = median_interval(usable)
    finite = [n for n in noises if math.isfinite(n)]
    noise = statistics.median(finite) if finite else math.inf
    beyond = (low > 1 or high < 1) and abs(factor - 1) >= max(min_change, noise)
    return Drift(factor, low, high, noise, len(usable), beyond)
