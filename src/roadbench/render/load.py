"""Rich rendering of `roadbench load`. No measuring."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from roadbench.load.runner import LoadReport
from roadbench.render.console import environment_line, number


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def load_table(report: LoadReport) -> Table:
    s = report.settings
    table = Table(
        title=f"roadbench load · {s.users} users · {s.duration_s:g} s per option · "
        f"read {s.reads} / write {s.writes}",
        caption=f"{environment_line(report.environment)}\n{s.server} with {s.threads} threads; "
        f"{s.rows:,} roads per option; latency in ms (0.01 ms buckets); q/req counted by the "
        "server",
    )
    for header in ("option", "endpoint", "req/s", "fail", "p50", "p95", "p99", "q/req"):
        table.add_column(header, justify="left" if header == "endpoint" else "right", no_wrap=True)
    for result in report.options:
        for i, e in enumerate(result.endpoints):
            table.add_row(
                str(result.option) if i == 0 else "",
                e.endpoint,
                number(e.requests_per_s, 1),
                Text(str(e.failures), style="bold red" if e.failures else ""),
                _ms(e.p50_ms),
                _ms(e.p95_ms),
                _ms(e.p99_ms),
                number(e.queries_per_request, 2),
            )
        table.add_row(
            "",
            Text("all", style="bold"),
            number(result.requests_per_s, 1),
            str(result.failures),
            "",
            "",
            "",
            "",
            end_section=True,
        )
    return table
