"""The result of ``scaling``: one op at growing sizes, a series of points per design."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from roadbench.errors import BadInput
from roadbench.measuring.stats import median_interval, relative_half_width
from roadbench.reports.comparison import DEFAULT_MIN_EFFECT, DEFAULT_PRECISION, row_verdict
from roadbench.reports.results import (
    SCHEMA_VERSION,
    CaseResult,
    Environment,
    design_heading,
    environment_from_dict,
    from_fields,
)

# How a point compares with the other options at its size (as a comparison row's verdict).
FASTEST, TIED, SLOWER = "fastest", "tied", "slower"


@dataclass
class ScalingPoint:
    rows: int
    median_s: float | None
    queries: int | None
    status: str
    # The fields below are absent from files saved before they existed (read as None/False).
    # The 95% order-statistic interval of the median time, [low, high].
    interval_s: list[float] | None = None
    # With several options: the time as a multiple of the size's fastest option, the median of
    # per-round ratios (the options take turns round by round), and its 95% interval.
    ratio: float | None = None
    ratio_ci: list[float] | None = None
    # fastest (the only one), tied (cannot be told from the fastest) or slower; None alone.
    rank: str | None = None
    # The interval the rounds aimed at (the ratio's, or alone the time's) is wider than
    # ``precision``: the point is less precise than asked.
    unstable: bool = False


@dataclass
class ScalingSeries:
    option: int
    points: list[ScalingPoint]
    exponent: float | None
    query_growth: str | None
    # The design's name when it is not roadbench's own (see ``CaseResult.design``); absent
    # from files saved before it existed.
    design: str = ""

    @property
    def heading(self) -> str:
        return design_heading(self.option, self.design)

    @property
    def short_name(self) -> str:
        return self.design or str(self.option)


@dataclass
class ScalingReport:
    environment: Environment
    op: str
    method: str
    sizes: list[int]
    series: list[ScalingSeries]
    precision: float = DEFAULT_PRECISION
    min_effect: float = DEFAULT_MIN_EFFECT
    kind: str = "scaling"
    schema_version: int = SCHEMA_VERSION

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScalingReport:
        """A saved scaling file (checked by ``load_saved``); fields it lacks, saved before they
        existed, take their defaults."""
        try:
            return cls(
                environment=environment_from_dict(data["environment"]),
                op=data["op"],
                method=data["method"],
                sizes=list(data["sizes"]),
                series=[
                    ScalingSeries(
                        option=s["option"],
                        points=[from_fields(ScalingPoint, p) for p in s["points"]],
                        exponent=s["exponent"],
                        query_growth=s["query_growth"],
                        design=s.get("design", ""),
                    )
                    for s in data["series"]
                ],
                precision=data.get("precision", DEFAULT_PRECISION),
                min_effect=data.get("min_effect", DEFAULT_MIN_EFFECT),
            )
        except (KeyError, TypeError) as exc:
            raise BadInput(f"not a complete roadbench scaling result (missing {exc})") from None


def scaling_points(
    results: list[CaseResult], precision: float, min_effect: float = DEFAULT_MIN_EFFECT
) -> list[ScalingPoint]:
    """The points of one size, one per option, judged together as compare judges a row."""
    verdict = row_verdict({r.option: r for r in results}, min_effect, precision)
    several = sum(1 for r in results if r.ok and r.median_s) > 1
    points = []
    for result in results:
        point = ScalingPoint(result.rows, result.median_s, result.queries, result.status)
        if result.ok and result.times_s and result.median_s:
            point.interval_s = list(median_interval(result.times_s))
            if several:
                point.ratio = verdict.ratios[result.option]
                point.ratio_ci = verdict.intervals[result.option]
                point.rank = (
                    FASTEST
                    if result.option == verdict.winner
                    else TIED
                    if result.option in verdict.tied
                    else SLOWER
                )
                point.unstable = result.option in verdict.unstable
            else:
                width = relative_half_width(point.interval_s, result.median_s)
                point.unstable = width > precision
        points.append(point)
    return points
