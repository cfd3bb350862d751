"""The seed study's comparison: which cases to run, and the table built from their results.

Building the table is a pure function of the results, so a saved comparison re-renders
without re-running anything.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from roadbench.errors import BadInput
from roadbench.results import CaseResult, Environment, case_from_dict, environment_from_dict

SCALES = {"few": 200, "many": 500_000}
STUDY_OPS = ("create", "select", "modify", "delete")

# Row roles: "study" rows make the seed's table and its totals; "limit" is the database's own
# fast path (raw), "extra" is a figure shown for context (option 3's atomic create at scale).
STUDY, LIMIT, EXTRA = "study", "limit", "extra"


@dataclass(frozen=True)
class PlannedCase:
    row: str  # e.g. "create (many)"
    role: str
    option: int
    op: str
    method: str
    rows: int
    note: str = ""


@dataclass
class ComparisonRow:
    label: str
    role: str
    op: str
    methods: dict[int, str]
    medians: dict[int, float | None]
    queries: dict[int, int | None]
    ratios: dict[int, float | None]
    # Per option: "per-row" / "per-batch" / "constant" growth of the query count with rows.
    growth: dict[int, str | None]
    winner: int | None
    notes: list[str] = field(default_factory=list)
    # Each option's ORM create time as a multiple of its raw (database) limit.
    raw_multiples: dict[int, float | None] = field(default_factory=dict)


@dataclass
class ComparisonTable:
    options: list[int]
    rows: list[ComparisonRow]
    totals: dict[int, float | None]
    totals_without_bulk_create: dict[int, float | None]
    wins: dict[int, int]
    winner: int | None
    winner_without_bulk_create: int | None
    weaknesses: dict[int, str]
    notes: list[str]


def plan_cases(
    scale: str,
    rows: int,
    options: list[int],
    choose_method: Any,
) -> list[PlannedCase]:
    """The cases of one scale. ``choose_method(option, op, candidates)`` -> (method, note)."""
    from roadbench.ops import get_op

    planned: list[PlannedCase] = []
    for number in options:
        for op_name in STUDY_OPS:
            op = get_op(op_name)
            method, note = choose_method(number, op_name, op.compare_methods[scale])
            label = f"{op_name} ({scale})"
            planned.append(PlannedCase(label, STUDY, number, op_name, method, rows, note))
            if op_name == "create":
                planned.append(
                    PlannedCase(f"raw limit ({scale})", LIMIT, number, "create", "raw", rows)
                )
                if scale == "many" and method != "bulk":
                    planned.append(
                        PlannedCase(
                            f"create, atomic ({scale})",
                            EXTRA,
                            number,
                            "create",
                            "atomic",
                            rows,
                            "the method the seed study had to use for option 3",
                        )
                    )
    return planned


def _ratios(medians: dict[int, float | None]) -> dict[int, float | None]:
    known = [m for m in medians.values() if m]
    fastest = min(known) if known else None
    return {n: (m / fastest if m and fastest else None) for n, m in medians.items()}


def build_table(planned: list[PlannedCase], results: list[CaseResult]) -> ComparisonTable:
    options = sorted({p.option for p in planned})
    by_case = {(r.option, r.op, r.method, r.rows): r for r in results}
    labels: dict[str, list[PlannedCase]] = {}
    for p in planned:
        labels.setdefault(p.row, []).append(p)

    rows: list[ComparisonRow] = []
    notes: list[str] = []
    for label, cases in labels.items():
        medians: dict[int, float | None] = {}
        queries: dict[int, int | None] = {}
        growth: dict[int, str | None] = {}
        methods: dict[int, str] = {}
        row_notes: list[str] = []
        for p in cases:
            result = by_case.get((p.option, p.op, p.method, p.rows))
            methods[p.option] = p.method
            ok = result is not None and result.ok
            medians[p.option] = result.median_s if ok and result else None
            queries[p.option] = result.queries if ok and result else None
            growth[p.option] = result.query_growth if ok and result else None

            if result is not None and not result.ok:
                row_notes.append(f"option {p.option} {p.method}: {result.reason}")
            if p.note:
                row_notes.append(f"option {p.option} uses {p.method}: {p.note}")
        ratios = _ratios(medians)
        ranked = [n for n, r in ratios.items() if r is not None]
        winner = min(ranked, key=lambda n: ratios[n] or 0) if ranked else None
        rows.append(
            ComparisonRow(
                label,
                cases[0].role,
                cases[0].op,
                methods,
                medians,
                queries,
                ratios,
                growth,
                winner,
                row_notes,
            )
        )
        notes.extend(row_notes)

    limit = next((r for r in rows if r.role == LIMIT), None)
    for row in rows:
        if row.op == "create" and row.role != LIMIT and limit is not None:
            row.raw_multiples = {n: _ratio(m, limit.medians.get(n)) for n, m in row.medians.items()}

    study = [r for r in rows if r.role == STUDY]
    without_bulk = [r for r in study if r.label != "create (many)"]
    totals = _totals(study, options)
    totals_wo = _totals(without_bulk, options)
    wins = {n: sum(1 for r in study if r.winner == n) for n in options}
    weaknesses = {}
    for n in options:
        scored = [(r.ratios.get(n) or 0.0, r.op) for r in study if r.ratios.get(n) is not None]
        if scored:
            ratio, op = max(scored)
            weaknesses[n] = f"{op} ({ratio:.2f})" if ratio > 1 else "none"
    return ComparisonTable(
        options=options,
        rows=rows,
        totals=totals,
        totals_without_bulk_create=totals_wo,
        wins=wins,
        winner=_lowest(totals),
        winner_without_bulk_create=_lowest(totals_wo),
        weaknesses=weaknesses,
        notes=notes,
    )


def _ratio(value: float | None, base: float | None) -> float | None:
    return value / base if value and base else None


def _totals(rows: list[ComparisonRow], options: list[int]) -> dict[int, float | None]:
    totals: dict[int, float | None] = {}
    for n in options:
        values = [r.ratios.get(n) for r in rows]
        totals[n] = None if any(v is None for v in values) else sum(v or 0.0 for v in values)
    return totals


def _lowest(totals: dict[int, float | None]) -> int | None:
    known = {n: t for n, t in totals.items() if t is not None}
    return min(known, key=lambda n: known[n]) if known else None


@dataclass
class ComparisonReport:
    environment: Environment
    scale: str
    rows: int
    warmup: int
    repeat: int
    planned: list[PlannedCase]
    results: list[CaseResult]
    elapsed_s: float = 0.0
    kind: str = "compare"
    schema_version: int = 1

    @property
    def table(self) -> ComparisonTable:
        return build_table(self.planned, self.results)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["table"] = asdict(self.table)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ComparisonReport:
        try:
            return cls._from_dict(data)
        except (KeyError, TypeError) as exc:
            raise BadInput(f"not a complete roadbench comparison (missing {exc})") from None

    @classmethod
    def _from_dict(cls, data: dict[str, Any]) -> ComparisonReport:
        return cls(
            environment=environment_from_dict(data["environment"]),
            scale=data["scale"],
            rows=data["rows"],
            warmup=data["warmup"],
            repeat=data["repeat"],
            planned=[PlannedCase(**p) for p in data["planned"]],
            results=[case_from_dict(r) for r in data["results"]],
            elapsed_s=data.get("elapsed_s", 0.0),
        )
