"""Untimed checks that an op left exactly the rows it claims (a failed check is an error)."""

from __future__ import annotations

import functools
from decimal import Decimal
from typing import Any

from django.db.models import Count, Sum

from roadbench.database.fastpath import count_rows
from roadbench.designs.base import RoadOption
from roadbench.designs.study import Study
from roadbench.errors import VerificationFailed

__all__ = ["check", "check_affected", "check_roads"]


def expected_summary(
    study: Study, entity_type: str, count: int, modified: bool = False
) -> dict[str, Any]:
    return dict(_expected_summary(study, entity_type, count, modified))


# Worked out once per size: at 500,000 entities the sums cost seconds of Python per check, and
# compare checks after every value.
@functools.lru_cache(maxsize=32)
def _expected_summary(study: Study, entity_type: str, count: int, modified: bool) -> dict[str, Any]:
    """What entity 0..count-1 of a type hold, by the study's roles: how many there are, how
    many distinct labels, the sum of the common counter (a study with none has no such sum)
    and of the type's own number."""
    label, specific = study.label_field, study.specific_field(entity_type)
    values = [study.values(entity_type, i) for i in range(count)]
    summed = sum(v[specific] for v in values)
    if modified:
        summed += study.specific_step(entity_type) * count
    # Distinct labels as the values hold them: a text label is unique per entity, a label
    # named in roadbench.toml ([roles]) need not be; the primary key (no value given) is.
    labels = {v[label] for v in values if v.get(label) is not None}
    distinct = len(labels) if values and label in values[0] else count
    summary = {"count": count, label: distinct}
    if study.has_counter:
        counted = sum(v[study.counter_field] for v in values)
        if modified:
            counted += study.counter_step * count
        summary[study.counter_field] = counted
    summary[specific] = _number(summed)
    return summary


def actual_summary(option: RoadOption, entity_type: str) -> dict[str, Any]:
    """Read back through the design's own paths: an entity's fields wherever it keeps them."""
    study = option.study
    label, specific = study.label_field, study.specific_field(entity_type)
    sums = {}
    if study.has_counter:
        sums["counter"] = Sum(option.expression(entity_type, study.counter_field))
    sums["specific"] = Sum(option.expression(entity_type, specific))
    row = option.queryset(entity_type).aggregate(
        count=Count("pk"), label=Count(option.path(entity_type, label), distinct=True), **sums
    )
    summary = {"count": row["count"], label: row["label"]}
    if study.has_counter:
        summary[study.counter_field] = row["counter"] or 0
    summary[specific] = _number(row["specific"] or 0)
    return summary


def _number(value: Any) -> Any:
    """Sums compared as decimals; a float sum (summed in another order by the database, or
    read from a JSON document) to six decimal places."""
    if isinstance(value, float):
        return Decimal(str(round(value, 6)))
    return Decimal(str(value))


def check(condition: bool, message: str) -> None:
    if not condition:
        raise VerificationFailed(message)


def check_roads(option: RoadOption, rows: int, *, modified: bool = False, what: str) -> None:
    """Entity 0..n-1 of each type are in the tables, with the expected values."""
    for entity_type, count in option.study.split(rows).items():
        expected = expected_summary(option.study, entity_type, count, modified)
        actual = actual_summary(option, entity_type)
        check(
            actual == expected,
            f"{what} on {option.name} ({option.label}): the {entity_type} entities hold "
            f"{actual}, expected {expected}",
        )
    total = sum(count_rows(option).values())
    expected_total = option.rows_per_road * rows
    check(
        total == expected_total,
        f"{what} on {option.name} ({option.label}): {total} rows in its tables, expected "
        f"{expected_total}",
    )


def check_affected(op: str, option: RoadOption, affected: int, expected: int) -> None:
    check(
        affected == expected,
        f"{op} on option {option.number} reported {affected} rows, expected {expected}",
    )
