"""The database's own fastest way to load and clear roads, beside the ORM.

Used untimed to prepare state for every timed value, and timed as the create method ``raw``
(the speed limit the ORM methods are compared with): ``executemany`` in one transaction on
SQLite, ``COPY ... FROM STDIN`` on PostgreSQL, ``LOAD DATA LOCAL INFILE`` on MySQL and MariaDB
(multi-row INSERTs where the server does not allow it); each backend module has its own
(``roadbench.database.backend``). Multi-table inheritance gets parent ids first, then parent
rows, then child rows pointing at them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.db.models import Field, Model

from roadbench.database.backend import current_backend
from roadbench.database.django_internals import (
    concrete_ancestors,
    date_adapter,
    decimal_adapter,
    own_columns,
)

if TYPE_CHECKING:  # the designs write through this module: it only names their type
    from roadbench.designs.base import RoadOption


def _adapter(field: Field) -> Callable[[Any], Any]:
    """The backend's own value adaptation for one column, looked up once, not once per value.

    Field.get_db_prep_save per value costs more than the database's write; only dates,
    decimals and JSON documents need adapting here, the rest are ints, floats and strings.
    """
    kind = field.get_internal_type()
    if kind == "DateField":
        return date_adapter(connection)
    if kind == "JSONField":
        encoder = field.encoder  # type: ignore[attr-defined]
        return lambda value: json.dumps(value, cls=encoder)
    if kind == "DecimalField":
        digits, places = field.max_digits, field.decimal_places  # type: ignore[attr-defined]
        return decimal_adapter(connection, digits, places)
    return lambda value: value


def _table_rows(fields: Sequence[Field], values: Iterable[dict[str, Any]]) -> list[tuple[Any, ...]]:
    columns = [(f.attname, _adapter(f)) for f in fields]
    return [
        tuple(None if (x := v.get(name)) is None else adapt(x) for name, adapt in columns)
        for v in values
    ]


def reserve_ids(model: type[Model], count: int) -> list[int]:
    """Primary keys for ``count`` new parent rows, taken the way the database would give them."""
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        return current_backend().reserve_ids(cursor, table, model._meta.pk.column, count)


def insert_entities(option: RoadOption, counts: dict[str, int]) -> int:
    """Write entity 0..n-1 of each type ({type: n}) with the database's fast path; returns
    the entities written."""
    with transaction.atomic():
        for entity_type, count in counts.items():
            if count:
                option.fast_insert(entity_type, count)
    return sum(counts.values())


def insert_model_rows(model: type[Model], values: list[dict[str, Any]]) -> list[int] | None:
    """Write one row per value into a model's table (and its concrete parents' tables).

    With a concrete parent the parent ids are reserved first, then parent rows, then child
    rows pointing at them. Returns the reserved ids (None when the database assigns them).
    """
    parents = concrete_ancestors(model)
    ids = None
    if parents:
        # The root first (the table with the sequence), then any intermediate parents.
        chain = list(reversed(parents))
        ids = reserve_ids(chain[0], len(values))
        for value, pk in zip(values, ids, strict=True):
            for table_model in (*chain, model):
                value[table_model._meta.pk.attname] = pk
        for parent in chain:
            parent_fields = own_columns(parent)
            # Written before the next type reserves its ids (SQLite takes MAX(id) + 1).
            write_rows(parent, parent_fields, _table_rows(parent_fields, values))
    keep_pk = bool(parents) or any(model._meta.pk.attname in v for v in values[:1])
    fields = [f for f in own_columns(model) if keep_pk or not f.primary_key]
    write_rows(model, fields, _table_rows(fields, values))
    return ids


def write_rows(model: type[Model], fields: Sequence[Field], rows: list[tuple[Any, ...]]) -> None:
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    columns = ", ".join(qn(f.column) for f in fields)
    with connection.cursor() as cursor:
        current_backend().write_rows(cursor, table, columns, len(fields), rows)


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_line(row: tuple[Any, ...]) -> str:
    """One row in PostgreSQL's COPY text format, which MySQL's LOAD DATA reads too."""
    return "\t".join("\\N" if v is None else str(v).translate(_COPY_ESCAPES) for v in row) + "\n"


def clear_roads(option: RoadOption) -> None:
    """Empty the option's tables (children before parents), untimed state reset."""
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        current_backend().clear_tables(cursor, [qn(t) for t in reversed(option.tables)])


def analyze(option: RoadOption) -> None:
    """Fresh planner statistics after a bulk load, so plans don't drift mid-run (PostgreSQL)."""
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        current_backend().analyze_tables(cursor, [qn(t) for t in option.tables])


def count_rows(option: RoadOption) -> dict[str, int]:
    """Rows per table, read with plain SQL so the check doesn't trust the ORM it checks."""
    qn = connection.ops.quote_name
    counts = {}
    with connection.cursor() as cursor:
        for table in option.tables:
            cursor.execute(f"SELECT COUNT(*) FROM {qn(table)}")
            counts[table] = int(cursor.fetchone()[0])
    return counts
