"""What ``check-plugin`` found: each case of a plugin (design, op, method, database) ok,
unsupported with the reason, or failed with the exception and what to look at."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from roadbench.reports.results import OK, UNSUPPORTED

FAILED = "failed"
STATUSES = (OK, UNSUPPORTED, FAILED)


@dataclass(frozen=True)
class PluginCase:
    """One op done one way on one design, on one database."""

    database: str  # the vendor: sqlite, postgresql, mysql
    design: int
    design_key: str
    design_name: str
    op: str
    method: str
    status: str  # ok, unsupported or failed
    reason: str | None = None  # why it is unsupported (often Django's words)
    error: str | None = None  # what failed: "FieldError: Cannot resolve keyword ..."
    hint: str | None = None  # what to look at: "look at the design's path() and queryset()"

    @property
    def name(self) -> str:
        """``checked-single · select objects``: how the case is named in a message."""
        return f"{self.design_key or self.design} · {self.op} {self.method}"


@dataclass
class PluginCheck:
    plugin: str
    rows: int
    designs: list[int] = field(default_factory=list)  # the plugin's own
    ops: list[str] = field(default_factory=list)  # the plugin's own
    databases: list[str] = field(default_factory=list)  # each checked one, masked
    cases: list[PluginCase] = field(default_factory=list)

    @property
    def failed(self) -> list[PluginCase]:
        return [case for case in self.cases if case.status == FAILED]

    @property
    def passed(self) -> bool:
        """Nothing failed: every case ran and was verified, or is unsupported with a reason."""
        return not self.failed

    def counts(self) -> dict[str, int]:
        counted = Counter(case.status for case in self.cases)
        return {status: counted.get(status, 0) for status in STATUSES}

    def summary(self) -> str:
        """``40 cases: 36 ok, 4 unsupported, 0 failed``."""
        counts = self.counts()
        shown = ", ".join(f"{counts[status]} {status}" for status in STATUSES)
        return f"{len(self.cases)} case{'s' if len(self.cases) != 1 else ''}: {shown}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "plugin": self.plugin,
            "rows": self.rows,
            "designs": self.designs,
            "ops": self.ops,
            "databases": self.databases,
            "passed": self.passed,
            "counts": self.counts(),
            "cases": [asdict(case) for case in self.cases],
        }
