"""What ``advise`` found: the user's hierarchy beside the designs it could have, measured in
one comparison, and what those designs leave out.

Built from a ``ComparisonReport`` (interleaved rounds, a winner only beyond the interval and
the minimum effect, ties as ties); the verdicts are a pure function of it, so a saved advice
re-renders without measuring again.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from roadbench.errors import BadInput
from roadbench.reports.comparison import LISTING, RANKED, ComparisonReport, ComparisonRow


@dataclass(frozen=True)
class AdvisedDesign:
    number: int
    key: str
    name: str
    description: str
    yours: bool = False


@dataclass(frozen=True)
class DesignCost:
    """One design's figures in one operation's row."""

    method: str
    median_s: float | None
    queries: int | None
    ratio: float | None  # to the row's fastest
    interval: list[float] | None  # the ratio's 95% interval, when paired rounds allow one
    # The median as a multiple of the user's design's in the same row.
    to_yours: float | None
    # Its interval wider than the precision wanted: compare's "~" (the same rule, row_verdict).
    unstable: bool = False


@dataclass(frozen=True)
class Verdict:
    """One operation: who wins (beyond the interval), or who is tied."""

    operation: str
    role: str
    winner: str | None  # a design's key
    tied: list[str]
    costs: dict[str, DesignCost]


@dataclass
class AdviceReport:
    model: str
    shape: str
    designs: list[AdvisedDesign]
    notices: list[str]
    # What the user's models carry that the alternatives (same fields) do not.
    leaves_out: list[str]
    comparison: ComparisonReport
    kind: str = "advise"
    verdicts: list[Verdict] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.verdicts:
            self.verdicts = verdicts(self.designs, self.comparison)

    @property
    def yours(self) -> AdvisedDesign:
        return next(d for d in self.designs if d.yours)

    def key_of(self, number: int) -> str:
        return next(d.key for d in self.designs if d.number == number)

    @property
    def listing(self) -> list[Verdict]:
        """The rows that answer what a listing of the project's entities would cost."""
        return [v for v in self.verdicts if v.role == LISTING]

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "model": self.model,
            "shape": self.shape,
            "designs": [asdict(d) for d in self.designs],
            "notices": self.notices,
            "leaves_out": self.leaves_out,
            "verdicts": [asdict(v) for v in self.verdicts],
            "comparison": self.comparison.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AdviceReport:
        try:
            return cls(
                model=data["model"],
                shape=data["shape"],
                designs=[AdvisedDesign(**d) for d in data["designs"]],
                notices=list(data["notices"]),
                leaves_out=list(data["leaves_out"]),
                comparison=ComparisonReport.from_dict(data["comparison"]),
            )
        except (KeyError, TypeError) as exc:
            raise BadInput(f"not a complete roadbench advice (missing {exc})") from None


def verdicts(designs: list[AdvisedDesign], comparison: ComparisonReport) -> list[Verdict]:
    keys = {d.number: d.key for d in designs}
    yours = next(d.number for d in designs if d.yours)
    return [_verdict(row, keys, yours) for row in comparison.table.rows if row.role in RANKED]


def _verdict(row: ComparisonRow, keys: dict[int, str], yours: int) -> Verdict:
    base = row.medians.get(yours)
    costs = {
        keys[n]: DesignCost(
            method=row.methods.get(n, ""),
            median_s=median,
            queries=row.queries.get(n),
            ratio=row.ratios.get(n),
            interval=row.ratio_ci.get(n),
            to_yours=(median / base) if median and base else None,
            unstable=n in row.unstable,
        )
        for n, median in row.medians.items()
        if n in keys
    }
    return Verdict(
        operation=row.label,
        role=row.role,
        winner=keys.get(row.winner) if row.winner is not None else None,
        tied=[keys[n] for n in row.tied if n in keys],
        costs=costs,
    )
