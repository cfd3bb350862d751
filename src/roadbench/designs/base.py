"""What every design provides.

A design belongs to a study (``designs.study``: the entity, its types and fields, the data)
and owns its shape: which tables it has, how many rows one entity takes, how an entity's
fields map to ORM paths, how the fast path writes it, how checks read it back and how a
listing reaches every entity with its type-specific fields. Ops speak only in the study's
terms (type, field, step) and call the design, so a new design is one module.

The defaults below fit a design whose entities of one type are rows of one model (possibly
with concrete parents, as in multi-table inheritance); designs of another shape override them.
(The class keeps its first name, ``RoadOption``: plugins import it by that name.)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import django
from asgiref.sync import sync_to_async
from django.db.models import Expression, F, Index, Model, QuerySet

from roadbench.designs.roads.data import FREEWAY, ROADS, TOLLROAD
from roadbench.designs.study import Study

APP_LABEL = "roadbench"

# Statements a one-batch bulk_create of one model adds beyond its INSERT: Django 5.2 wraps it
# in a transaction (BEGIN, COMMIT); Django 6.1 only when some objects have a primary key and
# others don't. The designs' declared query counts use it.
BULK_CREATE_TRANSACTION = 2 if django.VERSION < (6, 1) else 0

# The road study's type-specific attribute each check sums and each modify changes (by
# ``step``), for plugins of roadbench 0.2; designs read ``option.study``.
SPECIFIC = {t: (ROADS.specific_field(t), ROADS.specific_step(t)) for t in (FREEWAY, TOLLROAD)}


# Queries of the designs that keep a road in one row of one table (1, 5, 8): see
# ``RoadOption.expected_queries``.
ONE_ROW_QUERIES = {
    "create/save": (1.0, 0),
    "create/atomic": (1.0, 2),
    "create/bulk": (0.0, 2 + 2 * BULK_CREATE_TRANSACTION),
    "select/objects": (0.0, 4),
    "select/all_roads_naive": (0.0, 1),
    "select/all_roads_detail": (0.0, 1),
    "modify/save": (1.0, 2),
    "modify/update": (0.0, 4),
    "modify/bulk_update": (0.0, 8),
    "delete/each": (1.0, 2),
    "delete/queryset": (0.0, 6),
}


# (type, logical value of its type-specific attribute) for each entity a listing read.
Listing = list[tuple[str, Any]]


@dataclass(frozen=True)
class RoadOption:
    """One way to model a study's types (a design), and how to reach its entities."""

    number: int
    name: str
    description: str
    # Concrete models in insertion order: a parent before its children.
    models: tuple[type[Model], ...]
    # The road study's two models, as roadbench 0.2 declared them; ``type_models`` instead.
    freeway_model: type[Model] | None = None
    tollroad_model: type[Model] | None = None
    # The stable name ``--option`` also accepts (``--option sibling``).
    key: str = ""
    # What the design stores: the entity, its types, fields and data (the roads by default).
    study: Study = ROADS
    # The model that holds each type's entities, by type.
    type_models: dict[str, type[Model]] = field(default_factory=dict)
    # The model holding every road's common attributes, when there is one (not option 2).
    base_model: type[Model] | None = None
    # Extra constructor values per type (a discriminator column).
    type_values: dict[str, dict[str, Any]] = field(default_factory=dict)
    # How many table rows one road takes (2 when a road is split over a parent and a child).
    rows_per_road: int = 1
    # Models whose tables the design needs but does not own (ContentType): created, never cleared.
    support_models: tuple[type[Model], ...] = ()
    # Why the design cannot run here at all (a missing package), with how to fix it.
    unavailable: str | None = None
    # Where the design comes from: "roadbench" or the plugin's module.
    origin: str = "roadbench"
    # The name outputs give a design that is not roadbench's own, when not its key: the user's
    # hierarchy is shown as what --model named (``shop.Product``), not as its key ``model``.
    shown_as: str = ""
    # The queries each "op/method" sends for n roads (up to 40), as (per road, constant),
    # after one warm-up run (which fills Django's ContentType cache): the tests hold the
    # design to them on both databases.
    expected_queries: dict[str, tuple[float, int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.type_models and self.freeway_model is not None:
            models = {FREEWAY: self.freeway_model, TOLLROAD: self.tollroad_model}
            object.__setattr__(self, "type_models", models)

    @property
    def types(self) -> tuple[str, ...]:
        return self.study.type_keys

    @property
    def tables(self) -> tuple[str, ...]:
        return tuple(m._meta.db_table for m in self.models)

    @property
    def label(self) -> str:
        return self.key or str(self.number)

    @property
    def design_name(self) -> str:
        """How outputs name the design: "" for roadbench's own (shown as ``option N``), else
        ``shown_as`` (the user's hierarchy: what ``--model`` named) or the key (a plugin's)."""
        if self.origin == "roadbench":
            return ""
        return self.shown_as or self.key

    # --- reaching roads -------------------------------------------------------------------

    def model_for(self, road_type: str) -> type[Model]:
        return self.type_models[road_type]

    def queryset(self, road_type: str) -> QuerySet[Any]:
        """Every road of a type, as objects that carry all its attributes."""
        model = self.model_for(road_type)
        return model._default_manager.filter(**self.type_values.get(road_type, {}))

    def path(self, road_type: str, attribute: str) -> str:
        """The ORM path of a logical attribute, for filter(), values_list() and only()."""
        return attribute

    def expression(self, road_type: str, attribute: str) -> Expression:
        """The attribute as an expression that aggregates (Sum) and compares as a number."""
        return F(self.path(road_type, attribute))

    def value(self, road: Model, road_type: str, attribute: str) -> Any:
        return getattr(road, attribute)

    # --- writing roads --------------------------------------------------------------------

    def row_values(self, road_type: str, i: int) -> dict[str, Any]:
        """Road ``i`` of a type as the constructor values of its model."""
        return {**self.type_values.get(road_type, {}), **self.study.values(road_type, i)}

    def new_road(self, road_type: str, i: int) -> Model:
        return self.model_for(road_type)(**self.row_values(road_type, i))

    def save_new(self, road_type: str, i: int) -> Model:
        """Store road ``i`` with save(), as application code creates one road."""
        road = self.new_road(road_type, i)
        road.save()
        return road

    def bulk_create(self, road_type: str, count: int, batch_size: int) -> None:
        roads = [self.new_road(road_type, i) for i in range(count)]
        self.model_for(road_type)._default_manager.bulk_create(roads, batch_size=batch_size)

    def bulk_create_unsupported(self) -> str | None:
        """Django's own answer: bulk_create checks the model before it looks at the objects."""
        for road_type in self.types:
            try:
                self.model_for(road_type)._default_manager.bulk_create([])
            except ValueError as exc:
                return f"Django: {exc}"
        return None

    def fast_insert(self, road_type: str, count: int) -> None:
        """Write road 0..count-1 with the database's fast path (untimed preparation, ``raw``)."""
        from roadbench.database.fastpath import insert_model_rows

        values = [self.row_values(road_type, i) for i in range(count)]
        insert_model_rows(self.model_for(road_type), values)

    # --- changing roads -------------------------------------------------------------------

    def change(self, road: Model, road_type: str, attribute: str, step: Any) -> None:
        setattr(road, attribute, getattr(road, attribute) + step)

    def save_changed(self, road: Model, road_type: str) -> None:
        road.save()

    def update(self, road_type: str, steps: dict[str, Any]) -> int:
        """QuerySet.update() with F() + step per attribute; returns the roads changed."""
        values = {self.path(road_type, a): F(self.path(road_type, a)) + s for a, s in steps.items()}
        return self.queryset(road_type).update(**values)

    def update_unsupported(self) -> str | None:
        return None

    def bulk_update(
        self, road_type: str, roads: list[Model], attributes: list[str], batch_size: int
    ) -> int:
        manager = self.model_for(road_type)._default_manager
        return manager.bulk_update(roads, attributes, batch_size=batch_size)

    # --- deleting roads -------------------------------------------------------------------

    def delete_road(self, road: Model, road_type: str) -> None:
        road.delete()

    def delete_all(self, road_type: str) -> int:
        """QuerySet.delete() of a type's roads; returns roads (not table rows) deleted."""
        _total, per_model = self.queryset(road_type).delete()
        return per_model.get(self.model_for(road_type)._meta.label, 0)

    # --- the async ORM ---------------------------------------------------------------------
    # Django's async API where the design keeps the sync hook's default; where a design
    # overrides the hook (several ORM calls: a base row and a detail row), that hook in one
    # sync_to_async, as async code reaches code that has no async form. Either is one hop to
    # the ORM's thread per call (Django's own async methods are sync_to_async of the sync ones).

    def _keeps(self, *hooks: str) -> bool:
        return all(getattr(type(self), h) is getattr(RoadOption, h) for h in hooks)

    async def acreate_new(self, road_type: str, i: int) -> None:
        if not self._keeps("save_new"):
            await sync_to_async(self.save_new)(road_type, i)
        elif self._keeps("new_road"):
            manager = self.model_for(road_type)._default_manager
            await manager.acreate(**self.row_values(road_type, i))
        else:
            await self.new_road(road_type, i).asave()

    async def abulk_create(self, road_type: str, count: int, batch_size: int) -> None:
        if self._keeps("bulk_create"):
            roads = [self.new_road(road_type, i) for i in range(count)]
            manager = self.model_for(road_type)._default_manager
            await manager.abulk_create(roads, batch_size=batch_size)
        else:
            await sync_to_async(self.bulk_create)(road_type, count, batch_size)

    async def asave_changed(self, road: Model, road_type: str) -> None:
        if self._keeps("save_changed"):
            await road.asave()
        else:
            await sync_to_async(self.save_changed)(road, road_type)

    async def aupdate(self, road_type: str, steps: dict[str, Any]) -> int:
        if not self._keeps("update"):
            return await sync_to_async(self.update)(road_type, steps)
        values = {self.path(road_type, a): F(self.path(road_type, a)) + s for a, s in steps.items()}
        return await self.queryset(road_type).aupdate(**values)

    async def adelete_road(self, road: Model, road_type: str) -> None:
        if self._keeps("delete_road"):
            await road.adelete()
        else:
            await sync_to_async(self.delete_road)(road, road_type)

    async def adelete_all(self, road_type: str) -> int:
        if not self._keeps("delete_all"):
            return await sync_to_async(self.delete_all)(road_type)
        _total, per_model = await self.queryset(road_type).adelete()
        return per_model.get(self.model_for(road_type)._meta.label, 0)

    # --- indexes --------------------------------------------------------------------------

    def index(self, road_type: str, attribute: str, prefix: str) -> tuple[type[Model], Index]:
        """An index on one attribute of a type's roads, on the table that holds it.

        Named ``<prefix>_<model>``: one index per table, however many types share it.
        """
        model = self.model_for(road_type)._meta.get_field(attribute).model
        model = model._meta.concrete_model or model
        return model, Index(fields=[attribute], name=f"{prefix}_{model._meta.model_name}")

    # --- listing every road of every type -------------------------------------------------

    def count_common(self, attributes: tuple[str, ...]) -> int:
        """Read every road's common attributes in one query; returns the roads read."""
        if self.base_model is not None:
            return len(list(self.base_model._default_manager.values_list(*attributes)))
        # No shared table: a UNION of the per-type querysets.
        first, *others = (
            self.queryset(t).values_list(*[self.path(t, a) for a in attributes]) for t in self.types
        )
        return len(list(first.union(*others, all=True) if others else first))

    def listing_naive(self) -> Listing:
        """All roads with their type-specific attribute, the way code is first written."""
        return self.listing_best()

    def listing_best(self) -> Listing:
        """The same roads, read the cheapest way this design allows."""
        return [
            (road_type, self.value(road, road_type, self.study.specific_field(road_type)))
            for road_type in self.types
            for road in self.queryset(road_type)
        ]

    def select_related_unsupported(self) -> str | None:
        """Why select_related() cannot reach the related row, when the relation allows none."""
        return None

    def related(self, road_type: str) -> tuple[QuerySet[Any], str] | None:
        """Base rows of a type and the accessor to the row holding its specific attributes.

        None when a road is one row: there is no related table to join or prefetch.
        """
        return None

    # --- life cycle -----------------------------------------------------------------------

    def all_models(self) -> Iterable[type[Model]]:
        return (*self.support_models, *self.models)

    def prepare_session(self, session: object) -> None:
        """Called once its tables exist in a session (``session`` is the same object for
        every design of it): rows the design's own rows need, such as those its foreign keys
        point to, are made here, untimed and uncounted."""


def unavailable_design(
    number: int, key: str, name: str, description: str, reason: str
) -> RoadOption:
    """A design that cannot run here: listed, and every method refuses with ``reason``."""
    return RoadOption(
        number=number,
        key=key,
        name=name,
        description=description,
        models=(),
        freeway_model=Model,
        tollroad_model=Model,
        unavailable=reason,
    )


def unavailable_option(
    number: int, key: str, name: str, description: str, package: str, error: ImportError
) -> RoadOption:
    """A design whose package is missing: every method says how to install it."""
    reason = f"needs {package} ({error}): pip install 'roadbench[designs]' or pip install {package}"
    return unavailable_design(number, key, name, description, reason)
