"""Charts with matplotlib (the optional extra ``roadbench[charts]``). Rendering only.

- ``comparison_chart``: grouped bars per operation by option on a ratio axis (fastest = 1),
  one panel per saved comparison (scale), labelled with the database and Django version.
- ``scaling_chart``: time against rows on log-log axes for each option, with the fitted growth
  exponent in the legend.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from roadbench.errors import BadInput
from roadbench.reports.comparison import STUDY, ComparisonReport
from roadbench.reports.results import design_headings, entity_plural

INSTALL_HINT = "charts need matplotlib: pip install 'roadbench[charts]'"


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise BadInput(INSTALL_HINT) from None
    matplotlib.use("Agg")  # files only: no display needed
    import matplotlib.pyplot as plt

    return plt


# The formats a chart may be written in, told by the file name's suffix.
CHART_SUFFIXES = (".png", ".svg", ".pdf")


def _save(fig: Any, path: Path) -> None:
    from roadbench.reports.output import atomic_path

    with atomic_path(path) as temporary:
        fig.savefig(temporary, format=path.suffix.lstrip(".").lower(), dpi=120, bbox_inches="tight")


def comparison_chart(reports: list[ComparisonReport], path: Path) -> int:
    """Write the chart; returns the number of panels."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(reports), figsize=(6.5 * len(reports), 4.8), squeeze=False)
    for ax, report in zip(axes[0], reports, strict=True):
        table = report.table
        rows = [r for r in table.rows if r.role == STUDY]
        width = 0.8 / len(table.options)
        headings = design_headings(report.results)
        for i, number in enumerate(table.options):
            values = [r.ratios.get(number) or 0.0 for r in rows]
            positions = [j + (i - (len(table.options) - 1) / 2) * width for j in range(len(rows))]
            bars = ax.bar(
                positions,
                values,
                width,
                label=headings.get(number, f"option {number}"),
                yerr=_error_bars(rows, number),
            )
            ax.bar_label(
                bars,
                labels=[_bar_label(r, number, v) for r, v in zip(rows, values, strict=True)],
                fontsize=7,
                padding=2,
            )
        ax.axhline(1.0, color="grey", linewidth=0.8, linestyle="--")
        ax.set_xticks(range(len(rows)), [r.label.split(" (")[0] for r in rows])
        ax.set_ylabel("time relative to the fastest option (= 1)")
        env = report.environment
        ax.set_title(
            f"{report.scale} scale · {report.rows:,} {entity_plural(report.results)} per option\n"
            f"{env.database_vendor} {env.database_version} · Django {env.django}",
            fontsize=10,
        )
        ax.legend(fontsize=8)
    # The panels' two-line titles sit under the figure's title, not across it.
    fig.suptitle("roadbench compare: lower is better (error bars: 95% intervals)")
    fig.tight_layout(rect=(0, 0, 1, 0.94))
    _save(fig, path)
    plt.close(fig)
    return len(reports)


def _error_bars(rows: list[Any], option: int) -> list[list[float]]:
    """Matplotlib's asymmetric error bars: [distances below, distances above] each bar."""
    below, above = [], []
    for row in rows:
        ratio, interval = row.ratios.get(option), row.ratio_ci.get(option)
        if ratio is None or interval is None:
            below.append(0.0)
            above.append(0.0)
        else:
            below.append(max(0.0, ratio - interval[0]))
            above.append(max(0.0, interval[1] - ratio))
    return [below, above]


def _bar_label(row: Any, option: int, value: float) -> str:
    if not value:
        return "n/a"
    return f"{value:.2f}" + ("~" if option in row.unstable else "")


def scaling_chart(report: Any, path: Path) -> None:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 5))
    for series in report.series:
        timed = [p for p in series.points if p.median_s]
        if not timed:
            continue
        exponent = "n/a" if series.exponent is None else f"{series.exponent:.2f}"
        # Each median's 95% interval as an error bar (none for files saved without one).
        spans = [p.interval_s or [p.median_s, p.median_s] for p in timed]
        ax.errorbar(
            [p.rows for p in timed],
            [p.median_s for p in timed],
            yerr=[
                [max(0.0, p.median_s - low) for p, (low, _high) in zip(timed, spans, strict=True)],
                [max(0.0, high - p.median_s) for p, (_low, high) in zip(timed, spans, strict=True)],
            ],
            marker="o",
            capsize=3,
            label=f"{series.heading} (time ∝ rows^{exponent})",
        )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("rows")
    ax.set_ylabel("median time (s)")
    env = report.environment
    ax.set_title(
        f"{report.op} · {report.method} · {env.database_vendor} {env.database_version} · "
        f"Django {env.django}",
        fontsize=10,
    )
    ax.grid(True, which="both", linewidth=0.3)
    ax.legend(fontsize=8)
    _save(fig, path)
    plt.close(fig)
