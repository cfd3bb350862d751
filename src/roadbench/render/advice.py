"""``advise``'s text: per operation who wins (with its interval) or who is tied, each design's
figures beside the user's own, what each alternative would cost the listing, and what the
alternatives leave out. Lines rather than a wide table: six designs fit any terminal."""

from __future__ import annotations

from roadbench.render.console import environment_line, seconds
from roadbench.reports.advice import AdviceReport, DesignCost, Verdict
from roadbench.reports.results import entity_plural


def advice_text(report: AdviceReport) -> str:
    yours = report.yours
    comparison = report.comparison
    lines = [
        f"roadbench advise {report.model} · {comparison.rows} "
        f"{entity_plural(comparison.results)} per design",
        f"yours: {yours.description}",
        "the designs you could have, with the same fields and data:",
    ]
    width = max(len(d.key) for d in report.designs)
    for design in report.designs:
        if not design.yours:
            lines.append(f"  {design.key:<{width}}  {design.name}")
    for verdict in report.verdicts:
        lines += ["", f"{verdict.operation}: {_decision(verdict)}"]
        # The ratios' column as wide as its widest ("156.85 (37.67–276.03)" on a busy machine).
        ratios = [_ratio(cost) for cost in verdict.costs.values()]
        column = max([12, *map(len, ratios)])
        for design in report.designs:
            cost = verdict.costs.get(design.key)
            if cost is not None:
                lines.append(f"  {design.key:<{width}}  {_cost(cost, design.yours, column)}")
    listing = report.listing
    if listing:
        lines += ["", "what each alternative would cost your listing (time and queries):"]
        for design in report.designs:
            if design.yours:
                continue
            parts = [_listing_part(v, design.key, yours.key) for v in listing]
            lines.append(f"  {design.key:<{width}}  " + "; ".join(parts))
    lines += ["", "what the alternatives leave out (your models carry it, theirs do not):"]
    lines += [f"  - {item}" for item in report.leaves_out] or ["  nothing found"]
    for notice in report.notices:
        lines.append(f"note: {notice}")
    lines += [
        "",
        "ratio = time / the row's fastest (its 95% interval, low–high; rounds interleaved); a "
        f"design wins only when every other is slower beyond its interval and by "
        f"{comparison.min_effect:.0%}; otherwise they are tied; ~ marks an unstable ratio "
        "(its interval wide: the warnings on stderr say why)",
        environment_line(comparison.environment),
    ]
    return "\n".join(lines) + "\n"


def _decision(verdict: Verdict) -> str:
    if verdict.winner is not None:
        return f"{verdict.winner} wins"
    if len(verdict.tied) > 1:
        return "tie between " + ", ".join(verdict.tied)
    return "no design ran"


def _ratio(cost: DesignCost) -> str:
    ratio = "—" if cost.ratio is None else f"{cost.ratio:.2f}"
    if cost.interval is not None and cost.ratio is not None:
        ratio += f" ({cost.interval[0]:.2f}–{cost.interval[1]:.2f})"
    return ratio + (" ~" if cost.unstable else "")


def _cost(cost: DesignCost, yours: bool, column: int = 12) -> str:
    if cost.median_s is None:
        return f"unsupported ({cost.method})"
    queries = "" if cost.queries is None else f", {cost.queries} q"
    mark = " (yours)" if yours else ""
    return f"{_ratio(cost):<{column}} {seconds(cost.median_s)}{queries} · {cost.method}{mark}"


def _listing_part(verdict: Verdict, key: str, yours: str) -> str:
    cost, own = verdict.costs.get(key), verdict.costs.get(yours)
    if cost is None or cost.median_s is None:
        return f"{verdict.operation}: unsupported"
    versus = "" if cost.to_yours is None else f", {cost.to_yours:.2f}× yours"
    queries = ""
    if cost.queries is not None and own is not None and own.queries is not None:
        queries = f", {cost.queries} q (yours {own.queries})"
    return f"{verdict.operation}: {seconds(cost.median_s)}{versus}{queries}"
