"""Values typed on the command line, checked once, in the words of the flag the user typed.

Each function returns the value it checked, or raises ``BadInput`` (exit code 2, one line).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

from roadbench.errors import BadInput


def not_empty(flag: str) -> Callable[[Any], Any]:
    """An option callback: ``-m ''`` (an unset shell variable) is an error, not the default."""

    def check(value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            raise BadInput(f"{flag} is empty; give a value or leave {flag} out for the default")
        return value

    return check


def finite(value: float, flag: str, minimum: float = 0.0) -> float:
    """A real number of at least ``minimum``: nan and inf are no percentages or seconds."""
    if not math.isfinite(value) or value < minimum:
        raise BadInput(f"{flag} must be a number of {minimum:g} or more, not {value:g}")
    return value


def output_format(fmt: str | None, as_json: bool, formats: Iterable[str]) -> str:
    """The format asked for: ``--json`` is ``--format json``; the two must not disagree.

    ``fmt`` is None when ``--format`` was not typed (the table); typed, even as ``table``, it
    contradicts ``--json`` unless it says json too.
    """
    choices = tuple(formats)
    if fmt is not None and fmt not in choices:
        raise BadInput(f"unknown format {fmt!r}; choose one of {', '.join(choices)}")
    if as_json and fmt not in (None, "json"):
        raise BadInput(f"--json and --format {fmt} contradict each other; choose one")
    return "json" if as_json else fmt or "table"


def sizes(text: str, flag: str = "--sizes") -> tuple[int, ...]:
    """``100,1000,10000``: at least two different whole numbers, in increasing order."""
    try:
        values = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise BadInput(f"{flag} takes whole numbers separated by commas, not {text!r}") from None
    if len(values) < 2:
        raise BadInput(f"{flag} needs at least two different sizes to see growth, not {text!r}")
    return tuple(values)
