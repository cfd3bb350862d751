"""The seed study's comparison: which cases to run, and the table built from their results.

Building the table is a pure function of the results, so a saved comparison re-renders
without re-running anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from roadbench.errors import BadInput
from roadbench.measuring.stats import paired_ratios, relative_half_width
from roadbench.reports.results import (
    SCHEMA_VERSION,
    CaseResult,
    Environment,
    case_from_dict,
    design_heading,
    design_headings,
    environment_from_dict,
    from_fields,
)

SCALES = {"few": 200, "many": 500_000}
# A row names a winner only when every other option is slower by more than this (and by more
# than the interval): the seed study refused to advise on differences of 1-2%.
DEFAULT_MIN_EFFECT = 0.03
DEFAULT_PRECISION = 0.05

# Row roles: "study" rows make the seed's table and its totals; "limit" is the database's own
# fast path (raw), "extra" is a figure shown for context (option 3's atomic create at scale),
# "listing" rows answer the question the designs exist for (every road with its attributes).
STUDY, LIMIT, EXTRA, LISTING = "study", "limit", "extra", "listing"
# Rows that rank the options (a winner, ratios) beside the study's.
RANKED = (STUDY, LISTING)


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
    # The 95% interval of each ratio (paired within rounds); None when it cannot be taken.
    ratio_ci: dict[int, list[float] | None] = field(default_factory=dict)
    # The options that cannot be told from the fastest (itself included); [] with a winner.
    tied: list[int] = field(default_factory=list)
    # Options whose ratio is less precise than asked (its interval is wider than --precision).
    unstable: list[int] = field(default_factory=list)
    # Each option's median CPU time as a fraction of its wall time (low: the case waits).
    cpu_share: dict[int, float | None] = field(default_factory=dict)
    instructions: dict[int, int | None] = field(default_factory=dict)  # with --instructions


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
    ties: int = 0  # study rows whose fastest options cannot be told apart
    tied_overall: list[int] = field(default_factory=list)  # [] when there is an overall winner


def plan_cases(
    scale: str,
    rows: int,
    options: list[int],
    choose_method: Any,
    supports: Any = None,
    ops: Sequence[str] | None = None,
) -> list[PlannedCase]:
    """The cases of one scale. ``choose_method(option, op, candidates)`` -> (method, note).

    ``supports(option, op, method)`` -> bool: at many scale, where one of roadbench's
    techniques stands in for the chosen Django method on an option (``Method.replaces``), the
    study row uses the technique and a row of its own shows Django's method, as create does
    with bulk-mti and atomic.

    ``ops``: the ops to compare, by name (see ``compared_ops``); None: roadbench's own.
    """
    from roadbench.ops.base import CompareRow

    planned: list[PlannedCase] = []
    for number in options:
        for op in compared_ops(ops):
            op_name = op.name
            if scale not in op.compare_methods:
                continue
            method, note = choose_method(number, op_name, op.compare_methods[scale])
            label = f"{op_name} ({scale})"
            remedy = next(
                (
                    m.name
                    for m in op.methods.values()
                    if scale == "many"
                    and m.replaces == method
                    and supports is not None
                    and supports(number, op_name, m.name)
                ),
                None,
            )
            if remedy is not None:
                django_row = f"{op_name}, Django's {method} ({scale})"
                note = f"roadbench's technique in place of {method} (see row {django_row!r})"
                planned.append(PlannedCase(label, STUDY, number, op_name, remedy, rows, note))
                planned.append(PlannedCase(django_row, EXTRA, number, op_name, method, rows, ""))
            else:
                planned.append(PlannedCase(label, STUDY, number, op_name, method, rows, note))
            for row in map(CompareRow.of, op.compare_rows):
                if scale not in row.methods or method in row.not_beside:
                    continue
                measured = rows if row.share == 1 else max(2, rows // row.share)
                shown = row.label.format(name=row.name, scale=scale, rows=measured)
                planned.append(
                    PlannedCase(
                        shown, row.role, number, op_name, row.methods[scale], measured, row.note
                    )
                )
    return planned


def compared_ops(names: Sequence[str] | None = None) -> list[Any]:
    """The ops a comparison runs, in compare's order: those named (each must be known), or
    roadbench's own. An op a plugin adds joins only when named, so that installing a plugin
    never changes the table or the totals of a comparison that did not ask for it."""
    from roadbench.ops import OPS, get_op

    if names is None:
        return [op for op in OPS.values() if op.origin == "roadbench"]
    asked = {get_op(name).name for name in names}
    return [op for op in OPS.values() if op.name in asked]


def check_min_effect(min_effect: float) -> float:
    if not 0 <= min_effect < 1:
        raise BadInput(
            f"{{min_effect}} must be from 0 to 100 (%), not {min_effect * 100:g}",
            parameter="min_effect",
        )
    return min_effect


@dataclass
class RowVerdict:
    ratios: dict[int, float | None]
    intervals: dict[int, list[float] | None]
    winner: int | None
    tied: list[int]
    unstable: list[int]


def row_verdict(
    results: dict[int, CaseResult | None], min_effect: float, precision: float
) -> RowVerdict:
    """Ratios to the fastest (paired within rounds when the values allow), and the winner.

    The fastest wins only when every other option's ratio is above 1 by more than the
    minimum effect and its whole interval lies above 1; otherwise they are tied.
    """
    timed = {n: r for n, r in results.items() if r is not None and r.ok and r.median_s}
    ratios: dict[int, float | None] = {n: None for n in results}
    intervals: dict[int, list[float] | None] = {n: None for n in results}
    if not timed:
        return RowVerdict(ratios, intervals, None, [], [])
    paired = paired_ratios({n: r.times_s for n, r in timed.items()}) if len(timed) > 1 else None
    if paired is not None:
        fastest = paired.reference
        for n in timed:
            ratios[n] = paired.medians[n]
            intervals[n] = list(paired.intervals[n])
    else:
        fastest = min(timed, key=lambda n: timed[n].median_s or 0.0)
        for n, r in timed.items():
            ratios[n] = (r.median_s or 0.0) / (timed[fastest].median_s or 1.0)
    tied = [
        n for n in timed if n == fastest or not _clearly_slower(ratios[n], intervals[n], min_effect)
    ]
    unstable = [
        n
        for n in timed
        if n != fastest
        and intervals[n] is not None
        and relative_half_width(intervals[n] or (0.0, 0.0), ratios[n] or 1.0) > precision
    ]
    if len(tied) > 1:
        return RowVerdict(ratios, intervals, None, sorted(tied), unstable)
    return RowVerdict(ratios, intervals, fastest, [], unstable)


def _clearly_slower(ratio: float | None, interval: list[float] | None, min_effect: float) -> bool:
    if ratio is None or ratio - 1 < min_effect:
        return False
    return interval is None or interval[0] > 1


def build_table(
    planned: list[PlannedCase],
    results: list[CaseResult],
    min_effect: float = DEFAULT_MIN_EFFECT,
    precision: float = DEFAULT_PRECISION,
) -> ComparisonTable:
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
        cpu_share: dict[int, float | None] = {}
        counted: dict[int, int | None] = {}
        found: dict[int, CaseResult | None] = {}
        row_notes: list[str] = []
        for p in cases:
            result = by_case.get((p.option, p.op, p.method, p.rows))
            found[p.option] = result
            methods[p.option] = p.method
            ok = result is not None and result.ok
            medians[p.option] = result.median_s if ok and result else None
            queries[p.option] = result.queries if ok and result else None
            growth[p.option] = result.query_growth if ok and result else None
            counted[p.option] = result.instructions if ok and result else None
            cpu_share[p.option] = (
                _ratio(result.cpu_median_s, result.median_s) if ok and result else None
            )

            heading = design_heading(p.option, result.design if result is not None else "")
            if result is not None and not result.ok:
                row_notes.append(f"{heading} {p.method}: {result.reason}")
            if p.note:
                row_notes.append(f"{heading} uses {p.method}: {p.note}")
        verdict = row_verdict(found, min_effect, precision)
        rows.append(
            ComparisonRow(
                label,
                cases[0].role,
                cases[0].op,
                methods,
                medians,
                queries,
                verdict.ratios,
                growth,
                verdict.winner,
                row_notes,
                ratio_ci=verdict.intervals,
                tied=verdict.tied,
                unstable=verdict.unstable,
                cpu_share=cpu_share,
                instructions=counted,
            )
        )
        notes.extend(row_notes)

    limit = next((r for r in rows if r.role == LIMIT), None)
    # Per road, for a row measured on fewer roads than the limit.
    roads = {(p.row, p.option): p.rows for p in planned}
    for row in rows:
        if row.op == "create" and row.role != LIMIT and limit is not None:
            row.raw_multiples = {
                n: _ratio(
                    m and m / roads[row.label, n],
                    (lm := limit.medians.get(n)) and lm / roads.get((limit.label, n), 1),
                )
                for n, m in row.medians.items()
            }

    study = [r for r in rows if r.role == STUDY]
    without_bulk = [r for r in study if r.label != "create (many)"]
    totals = _totals(study, options)
    totals_wo = _totals(without_bulk, options)
    wins = {n: sum(1 for r in study if r.winner == n) for n in options}
    weaknesses = {}
    for n in options:
        scored = [(_counted(r, n) or 0.0, r.op) for r in study if r.ratios.get(n) is not None]
        if scored:
            ratio, op = max(scored)
            weaknesses[n] = f"{op} ({ratio:.2f})" if ratio > 1 else "none"
    winner, tied_overall = _overall(totals, min_effect)
    return ComparisonTable(
        options=options,
        rows=rows,
        totals=totals,
        totals_without_bulk_create=totals_wo,
        wins=wins,
        winner=winner,
        winner_without_bulk_create=_overall(totals_wo, min_effect)[0],
        weaknesses=weaknesses,
        notes=notes,
        ties=sum(1 for r in study if r.winner is None and r.tied),
        tied_overall=tied_overall,
    )


def _counted(row: ComparisonRow, option: int) -> float | None:
    """The ratio that counts: 1 for an option tied with the fastest (no real difference)."""
    ratio = row.ratios.get(option)
    if ratio is None:
        return None
    return 1.0 if option in row.tied else ratio


def _ratio(value: float | None, base: float | None) -> float | None:
    return value / base if value and base else None


def _totals(rows: list[ComparisonRow], options: list[int]) -> dict[int, float | None]:
    """Each option's counted ratios added up (ties count as 1)."""
    totals: dict[int, float | None] = {}
    for n in options:
        values = [_counted(r, n) for r in rows]
        totals[n] = None if any(v is None for v in values) else sum(v or 0.0 for v in values)
    return totals


def _overall(totals: dict[int, float | None], min_effect: float) -> tuple[int | None, list[int]]:
    """(the lowest total, []) or (None, the options within the minimum effect of it)."""
    known = {n: t for n, t in totals.items() if t is not None}
    if not known:
        return None, []
    lowest = min(known, key=lambda n: known[n])
    close = sorted(n for n, t in known.items() if t <= known[lowest] * (1 + min_effect))
    return (lowest, []) if len(close) == 1 else (None, close)


@dataclass
class ComparisonReport:
    environment: Environment
    scale: str
    rows: int
    warmup: int
    repeat: int  # the least rounds; each case's own ``repeat`` says how many it got
    planned: list[PlannedCase]
    results: list[CaseResult]
    elapsed_s: float = 0.0
    # Seconds per phase of the run (see ``phases``): where the elapsed time went.
    phases_s: dict[str, float] = field(default_factory=dict)
    phases_cpu_s: dict[str, float] = field(default_factory=dict)  # the process's CPU time
    # The process's resident peak within each phase (Linux), "other" for the rest.
    phases_rss_peak_bytes: dict[str, int] = field(default_factory=dict)
    precision: float = DEFAULT_PRECISION
    min_effect: float = DEFAULT_MIN_EFFECT
    kind: str = "compare"
    schema_version: int = SCHEMA_VERSION

    @property
    def table(self) -> ComparisonTable:
        return build_table(self.planned, self.results, self.min_effect, self.precision)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["table"] = asdict(self.table)
        # How the outputs name each design (the table's keys are numbers): "option 3", a
        # plugin's key, the user's hierarchy as --model named it.
        data["designs"] = {str(n): name for n, name in design_headings(self.results).items()}
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
            planned=[from_fields(PlannedCase, p) for p in data["planned"]],
            results=[case_from_dict(r) for r in data["results"]],
            elapsed_s=data.get("elapsed_s", 0.0),
            phases_s=data.get("phases_s", {}),
            phases_cpu_s=data.get("phases_cpu_s", {}),
            phases_rss_peak_bytes=data.get("phases_rss_peak_bytes", {}),
            precision=data.get("precision", DEFAULT_PRECISION),
            min_effect=data.get("min_effect", DEFAULT_MIN_EFFECT),
        )
