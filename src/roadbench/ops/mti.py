"""roadbench's statement-per-table techniques for multi-table inheritance (update, delete).

Django updates a multi-table child's parent columns by first selecting every matching id and
sending them back in one ``WHERE id IN (...)`` (one parameter per road: SQLite refuses 250,000),
and deletes children through its collector, which fetches them and deletes in batches. Here the
parent table is reached with a subquery on the child table instead: a constant number of
statements whatever the number of roads.

Limits, as for ``bulk_create``: no ``save()`` or ``delete()`` of the model is called, no signals
are sent, and deleting does none of the collector's work on other relations (a foreign key to a
road with ``on_delete=CASCADE`` is not followed: the deferred constraint fails the transaction
at commit instead, so nothing is half deleted).
"""

from __future__ import annotations

from typing import Any

from django.db import connection, models
from django.db.models import F, Model, QuerySet

from roadbench.database.django_internals import delete_in_one_statement, parent_links
from roadbench.designs.base import RoadOption


def parent_of(model: type[Model]) -> tuple[type[Model], str] | None:
    """(the one concrete parent, the child's column pointing at it), or None.

    A design declares multi-table inheritance by its models' shape: one concrete parent
    reached through a parent link (a proxy or an abstract base has none).
    """
    parents = parent_links(model)
    if len(parents) != 1:
        return None
    ((parent, link),) = parents.items()
    if link is None:
        return None
    return parent, link.attname


def mti_unsupported(technique: str, django_method: str, option: RoadOption) -> str | None:
    if all(parent_of(option.model_for(t)) for t in option.types):
        return None
    return (
        f"{technique} is roadbench's technique for multi-table inheritance; option "
        f"{option.number}'s {option.study.plural} have no concrete parent table: "
        f"use {django_method}"
    )


def _parent_ids(option: RoadOption, road_type: str, link: str) -> QuerySet[Any]:
    """The parent ids of a type's roads, as a subquery (never fetched into Python)."""
    return option.queryset(road_type).values(link)


def update_by_subquery(option: RoadOption, road_type: str, steps: dict[str, Any]) -> int:
    """Add ``steps`` to a type's roads: one UPDATE per table; returns the roads changed.

    Call inside a transaction: the tables change together or not at all.
    """
    model = option.model_for(road_type)
    found = parent_of(model)
    assert found is not None  # checked by mti_unsupported
    parent, link = found
    by_table: dict[type[Model], dict[str, Any]] = {}
    for attribute, step in steps.items():
        owner = model._meta.get_field(attribute).model._meta.concrete_model
        by_table.setdefault(owner, {})[attribute] = F(attribute) + step
    changed = 0
    if parent in by_table:
        ids = _parent_ids(option, road_type, link)
        changed = parent._base_manager.filter(pk__in=ids).update(**by_table[parent])
    if model in by_table:
        # Only the child's own columns and no join: Django sends a single UPDATE.
        changed = option.queryset(road_type).update(**by_table[model])
    return changed


def delete_by_subquery(option: RoadOption, road_type: str) -> int:
    """Delete a type's roads: the parents by subquery, then the children; returns roads deleted.

    The parents go first, while the children still say which they are; the children's
    foreign keys are checked at commit (Django creates them deferrable), by which time the
    children are gone too, or once for all rows (delete-mti-fk-once).
    """
    model = option.model_for(road_type)
    found = parent_of(model)
    assert found is not None  # checked by mti_unsupported
    parent, link = found
    alias = connection.alias
    ids = _parent_ids(option, road_type, link)
    delete_in_one_statement(parent._base_manager.filter(pk__in=ids), alias)
    return delete_in_one_statement(option.queryset(road_type), alias)


def mti_tables(option: RoadOption) -> list[str]:
    """The tables delete_by_subquery deletes from: the parent's, then each type's child's."""
    tables: list[str] = []
    for road_type in option.types:
        model = option.model_for(road_type)
        found = parent_of(model)
        assert found is not None  # checked by mti_unsupported
        for table in (found[0]._meta.db_table, model._meta.db_table):
            if table not in tables:
                tables.append(table)
    return tables


def database_cascade_unsupported(option: RoadOption) -> str | None:
    """Parent links declared ``on_delete=DB_CASCADE`` (Django 6.1): the database already
    deletes a child with its parent, and Django deletes the parents in one statement."""
    db_cascade = getattr(models, "DB_CASCADE", None)  # None before Django 6.1
    links = [link for t in option.types for link in parent_links(option.model_for(t)).values()]
    if not links or any(
        link is None or link.remote_field.on_delete is not db_cascade for link in links
    ):
        return None
    return (
        f"option {option.number}'s children are deleted by the database (parent link "
        "on_delete=DB_CASCADE): queryset already deletes each type in one DELETE"
    )


def deferrable_unsupported(option: RoadOption) -> str | None:
    if not connection.features.can_defer_constraint_checks:
        return (
            f"{connection.vendor} cannot defer foreign-key checks: delete-mti deletes "
            "the parents before their children inside one transaction"
        )
    return None
