"""Designs built from a study's declaration: the shapes every study can take.

A study declared with abstract models (``study_of``: the fields every entity has, and each
type's own) gets its designs in one line each: ``multi_table(SHOP, number=201, key=...)``.
Each builder makes the design's concrete models (their tables are roadbench's own, in the
throwaway database) and the design that reaches them; data, checks, filters, listings and
changes come from the study, as for the built-in road designs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import models, transaction
from django.db.models import Expression, F, FloatField, Index, Model
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import Cast

from roadbench.designs.base import APP_LABEL, Listing, RoadOption
from roadbench.designs.field_values import left_to_django, value_for
from roadbench.designs.roads.json_field import NO_KEY_UPDATE
from roadbench.designs.roads.multi_table import MultiTableOption
from roadbench.designs.study import EntityType, Study
from roadbench.errors import BadInput

TYPE_COLUMN = "entity_type"


def _own_fields(model: type[Model]) -> list[models.Field]:
    return [f for f in model._meta.fields if not left_to_django(f)]


def study_of(
    entity: str,
    plural: str,
    common: type[Model],
    types: Mapping[str, type[Model] | tuple[type[Model], int]],
    **roles: Any,
) -> Study:
    """A study whose fields are declared as abstract models: ``common`` holds the fields every
    entity has, ``types`` each type's own (``{"book": (BookFields, 3)}``: a weight of 3).
    Values come from the fields (``designs.field_values``); ``roles`` name what the rules of
    ``designs.study`` would otherwise derive (``counter="stock"``) and ``overrides`` gives
    values of its own ({field: callable(type, i) or constant})."""
    for model in (common, *(t[0] if isinstance(t, tuple) else t for t in types.values())):
        if not (isinstance(model, type) and issubclass(model, Model) and model._meta.abstract):
            raise BadInput(
                f"study of {plural}: {model!r} is not an abstract model (class Meta: abstract "
                "= True): a study declares its fields with abstract models"
            )
    overrides: Mapping[str, Any] = roles.pop("overrides", {})
    declared = {k: (v if isinstance(v, tuple) else (v, 1)) for k, v in types.items()}
    fields = {f.name: f for f in _own_fields(common)}
    entity_types = []
    for key, (model, weight) in declared.items():
        own = _own_fields(model)
        fields.update({f"{key}.{f.name}": f for f in own})
        entity_types.append(
            EntityType(
                key,
                tuple(f.name for f in own),
                weight=weight,
                kinds={f.name: f.get_internal_type() for f in own},
            )
        )
    common_names = tuple(f.name for f in _own_fields(common))

    def values(type_key: str, i: int) -> dict[str, Any]:
        names = (*common_names, *next(t.fields for t in entity_types if t.key == type_key))
        found = {}
        for name in names:
            chosen = overrides.get(name)
            if chosen is not None:
                found[name] = chosen(type_key, i) if callable(chosen) else chosen
                continue
            declared_field = fields.get(name) or fields[f"{type_key}.{name}"]
            found[name] = value_for(declared_field, type_key, i)
        return found

    return Study(
        entity=entity,
        plural=plural,
        types=tuple(entity_types),
        common=common_names,
        common_kinds={f.name: f.get_internal_type() for f in _own_fields(common)},
        values=values,
        field_models={"": common, **{k: m for k, (m, _w) in declared.items()}},
        **roles,
    )


# --- making the models -----------------------------------------------------------------------


def _name(text: str) -> str:
    return "".join(part.title() for part in re.split(r"[^A-Za-z0-9]+", text) if part)


def _model(
    name: str, bases: tuple[type, ...], table: str, attrs: dict[str, Any] | None = None
) -> type[Model]:
    meta = type("Meta", (), {"app_label": APP_LABEL, "db_table": table})
    return type(name, bases, {"__module__": __name__, "Meta": meta, **(attrs or {})})


def _table(key: str, *parts: str) -> str:
    return "_".join(["roadbench", *(re.sub(r"[^a-z0-9]+", "_", p.lower()) for p in (key, *parts))])


def _abstract(study: Study, type_key: str) -> type[Model]:
    return study.field_models[type_key]


def _type_column(study: Study) -> models.CharField:
    width = max(len(k) for k in study.type_keys)
    return models.CharField(max_length=width, choices=[(k, k) for k in study.type_keys])


def _described(study: Study, what: str) -> str:
    return f"{what} ({', '.join(study.type_keys)})"


def table_per_type(study: Study, number: int, key: str, name: str = "") -> RoadOption:
    """A table per type, each with the common fields and its own (an abstract base)."""
    common = study.field_models[""]
    by_type = {
        t: _model(f"{_name(key)}{_name(t)}", (common, _abstract(study, t)), _table(key, t))
        for t in study.type_keys
    }
    return RoadOption(
        number=number,
        key=key,
        name=name or "table per type",
        description=_described(study, f"One table per type of {study.entity}"),
        models=tuple(by_type.values()),
        study=study,
        type_models=by_type,
    )


def multi_table(study: Study, number: int, key: str, name: str = "") -> MultiTableOption:
    """A shared table of the common fields plus a child table per type (multi-table)."""
    base = _model(_name(key), (study.field_models[""],), _table(key, study.entity))
    by_type = {
        t: _model(f"{_name(key)}{_name(t)}", (base, _abstract(study, t)), _table(key, t))
        for t in study.type_keys
    }
    return MultiTableOption(
        number=number,
        key=key,
        name=name or "multi-table inheritance",
        description=_described(study, f"A shared {study.entity} table plus a child table per type"),
        models=(base, *by_type.values()),
        study=study,
        type_models=by_type,
        base_model=base,
    )


@dataclass(frozen=True)
class SingleTableDesign(RoadOption):
    """One table with a type column: a listing reads it once, the type column saying which
    column holds each row's own number (the default reads one query per type)."""

    def listing_best(self) -> Listing:
        assert self.base_model is not None
        specific = {t: self.study.specific_field(t) for t in self.types}
        columns = list(dict.fromkeys(specific.values()))
        where = {name: i for i, name in enumerate(columns, start=1)}
        rows = self.base_model._default_manager.values_list(TYPE_COLUMN, *columns)
        return [(row[0], row[where[specific[row[0]]]]) for row in rows]


def single_table(study: Study, number: int, key: str, name: str = "") -> RoadOption:
    """One table: the common fields, a type column and every type's own fields, NULL where
    a row's type has none of them."""
    attrs: dict[str, Any] = {TYPE_COLUMN: _type_column(study)}
    for entity_type in study.types:
        # Every field the type declares, one with a default too: the data may give it a value.
        for own in _abstract(study, entity_type.key)._meta.fields:
            if own.name in attrs:
                continue  # two types with a field of one name share its column
            column = own.clone()
            column.null = True
            attrs[own.name] = column
    model = _model(_name(key), (study.field_models[""],), _table(key, study.entity), attrs)
    return SingleTableDesign(
        number=number,
        key=key,
        name=name or "single table",
        description=_described(study, f"One table for every {study.entity}, NULL columns"),
        models=(model,),
        study=study,
        type_models=dict.fromkeys(study.type_keys, model),
        base_model=model,
        type_values={t: {TYPE_COLUMN: t} for t in study.type_keys},
    )


def json_field(study: Study, number: int, key: str, name: str = "") -> JsonDesign:
    """One table: the common fields, a type column and a JSONField for each type's own."""
    attrs = {TYPE_COLUMN: _type_column(study), "attrs": models.JSONField()}
    model = _model(_name(key), (study.field_models[""],), _table(key, study.entity), attrs)
    return JsonDesign(
        number=number,
        key=key,
        name=name or "JSONField",
        description=_described(study, "One table: the common columns plus a JSON document"),
        models=(model,),
        study=study,
        type_models=dict.fromkeys(study.type_keys, model),
        base_model=model,
        type_values={t: {TYPE_COLUMN: t} for t in study.type_keys},
    )


def _json_value(value: Any) -> Any:
    """A value as the document keeps it: decimals as numbers, dates and times as text."""
    if isinstance(value, Decimal):
        return float(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


@dataclass(frozen=True)
class JsonDesign(RoadOption):
    """The common fields are columns; a type's own fields are keys of one JSON document."""

    def _common(self, attribute: str) -> bool:
        return attribute in ("id", "pk", *self.study.common)

    def path(self, road_type: str, attribute: str) -> str:
        return attribute if self._common(attribute) else f"attrs__{attribute}"

    def expression(self, road_type: str, attribute: str) -> Expression:
        if self._common(attribute):
            return F(attribute)
        return Cast(KeyTextTransform(attribute, "attrs"), FloatField())

    def value(self, road: Model, road_type: str, attribute: str) -> Any:
        if self._common(attribute):
            return getattr(road, attribute)
        return road.attrs[attribute]  # type: ignore[attr-defined]

    def listing_best(self) -> Listing:
        """One query over the table (type column and document), not one per type."""
        specific = {t: self.study.specific_field(t) for t in self.types}
        if self.base_model is None or any(map(self._common, specific.values())):
            return super().listing_best()
        rows = self.base_model._default_manager.values_list(TYPE_COLUMN, "attrs")
        return [(t, document[specific[t]]) for t, document in rows]

    def row_values(self, road_type: str, i: int) -> dict[str, Any]:
        values = self.study.values(road_type, i)
        common = {k: v for k, v in values.items() if self._common(k)}
        document = {k: _json_value(v) for k, v in values.items() if not self._common(k)}
        return {**self.type_values.get(road_type, {}), **common, "attrs": document}

    def change(self, road: Model, road_type: str, attribute: str, step: Any) -> None:
        if self._common(attribute):
            setattr(road, attribute, getattr(road, attribute) + step)
        else:
            road.attrs[attribute] += _json_value(step)  # type: ignore[attr-defined]

    def update_unsupported(self) -> str | None:
        return NO_KEY_UPDATE

    def bulk_update(
        self, road_type: str, roads: list[Model], attributes: list[str], batch_size: int
    ) -> int:
        columns = list(dict.fromkeys(a if self._common(a) else "attrs" for a in attributes))
        manager = self.model_for(road_type)._default_manager
        return manager.bulk_update(roads, columns, batch_size=batch_size)

    def index(self, road_type: str, attribute: str, prefix: str) -> tuple[type[Model], Index]:
        """On a JSON key, an expression index on ``attrs -> key`` (what the filter compares)."""
        model = self.model_for(road_type)
        name = f"{prefix}_{model._meta.model_name}"[:30]
        if self._common(attribute):
            return model, Index(fields=[attribute], name=name)
        return model, Index(KeyTransform(attribute, "attrs"), name=name)


def sibling(study: Study, number: int, key: str, name: str = "") -> SiblingDesign:
    """A table of the common fields plus a detail table per type, each detail row joined to
    its entity by a OneToOneField that is also its primary key (composition, no inheritance)."""
    base = _model(_name(key), (study.field_models[""],), _table(key, study.entity))
    details = {
        t: _model(
            f"{_name(key)}{_name(t)}Detail",
            (_abstract(study, t),),
            _table(key, t),
            {
                "entity": models.OneToOneField(
                    base,
                    on_delete=models.CASCADE,
                    primary_key=True,
                    related_name=f"{_accessor(t)}_detail",
                )
            },
        )
        for t in study.type_keys
    }
    return SiblingDesign(
        number=number,
        key=key,
        name=name or "one-to-one detail tables",
        description=_described(
            study, f"A shared {study.entity} table plus a one-to-one detail table per type"
        ),
        models=(base, *details.values()),
        study=study,
        type_models=dict.fromkeys(study.type_keys, base),
        base_model=base,
        details=details,
    )


def _accessor(type_key: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", type_key.lower()).strip("_") or "t"


@dataclass(frozen=True)
class SiblingDesign(RoadOption):
    """Two rows per entity: the common fields' row and its type's detail row, written in one
    transaction; reading a type's own fields is a join."""

    rows_per_road: int = 2
    details: Mapping[str, type[Model]] | None = None

    def _base(self) -> type[Model]:
        assert self.base_model is not None
        return self.base_model

    def _detail_model(self, road_type: str) -> type[Model]:
        assert self.details is not None
        return self.details[road_type]

    def accessor(self, road_type: str) -> str:
        return f"{_accessor(road_type)}_detail"

    def _common(self, attribute: str) -> bool:
        return attribute in ("id", "pk", *self.study.common)

    def _split(self, road_type: str, i: int) -> tuple[dict[str, Any], dict[str, Any]]:
        values = self.study.values(road_type, i)
        common = {k: v for k, v in values.items() if self._common(k)}
        return common, {k: v for k, v in values.items() if not self._common(k)}

    def detail(self, entity: Model, road_type: str) -> Model:
        return getattr(entity, self.accessor(road_type))  # type: ignore[no-any-return]

    def of_type(self, road_type: str) -> Any:
        """A type's rows of the common table, without their detail rows."""
        return self._base()._default_manager.filter(
            **{f"{self.accessor(road_type)}__isnull": False}
        )

    def queryset(self, road_type: str) -> Any:
        return self.of_type(road_type).select_related(self.accessor(road_type))

    def path(self, road_type: str, attribute: str) -> str:
        return attribute if self._common(attribute) else f"{self.accessor(road_type)}__{attribute}"

    def value(self, road: Model, road_type: str, attribute: str) -> Any:
        owner = road if self._common(attribute) else self.detail(road, road_type)
        return getattr(owner, attribute)

    def new_road(self, road_type: str, i: int) -> Model:
        common, own = self._split(road_type, i)
        entity = self._base()(**common)
        setattr(
            entity, self.accessor(road_type), self._detail_model(road_type)(entity=entity, **own)
        )
        return entity

    def save_new(self, road_type: str, i: int) -> Model:
        common, own = self._split(road_type, i)
        with transaction.atomic():
            entity = self._base()._default_manager.create(**common)
            self._detail_model(road_type)._default_manager.create(entity=entity, **own)
        return entity  # type: ignore[no-any-return]

    def bulk_create(self, road_type: str, count: int, batch_size: int) -> None:
        pairs = [self._split(road_type, i) for i in range(count)]
        with transaction.atomic():
            entities = self._base()._default_manager.bulk_create(
                [self._base()(**common) for common, _ in pairs], batch_size=batch_size
            )
            detail = self._detail_model(road_type)
            detail._default_manager.bulk_create(
                [detail(entity=e, **own) for e, (_, own) in zip(entities, pairs, strict=True)],
                batch_size=batch_size,
            )

    def bulk_create_unsupported(self) -> str | None:
        from django.db import connection

        from roadbench.database.backend import no_bulk_ids_reason

        # The detail rows need the common rows' ids back from the bulk insert.
        if not connection.features.can_return_rows_from_bulk_insert:
            return no_bulk_ids_reason()
        return None

    def fast_insert(self, road_type: str, count: int) -> None:
        from roadbench.database.fastpath import insert_model_rows, reserve_ids

        pairs = [self._split(road_type, i) for i in range(count)]
        ids = reserve_ids(self._base(), count)
        insert_model_rows(
            self._base(), [{**c, "id": pk} for (c, _), pk in zip(pairs, ids, strict=True)]
        )
        insert_model_rows(
            self._detail_model(road_type),
            [{**own, "entity_id": pk} for (_, own), pk in zip(pairs, ids, strict=True)],
        )

    def change(self, road: Model, road_type: str, attribute: str, step: Any) -> None:
        owner = road if self._common(attribute) else self.detail(road, road_type)
        setattr(owner, attribute, getattr(owner, attribute) + step)

    def save_changed(self, road: Model, road_type: str) -> None:
        with transaction.atomic():
            road.save()
            self.detail(road, road_type).save()

    def update(self, road_type: str, steps: dict[str, Any]) -> int:
        """One UPDATE per table: Django's update() sets the columns of one table only."""
        common = {a: F(a) + s for a, s in steps.items() if self._common(a)}
        own = {a: F(a) + s for a, s in steps.items() if not self._common(a)}
        changed = (
            self.of_type(road_type).update(**common) if common else self.of_type(road_type).count()
        )
        if own:
            self._detail_model(road_type)._default_manager.update(**own)
        return changed  # type: ignore[no-any-return]

    def bulk_update(
        self, road_type: str, roads: list[Model], attributes: list[str], batch_size: int
    ) -> int:
        common = [a for a in attributes if self._common(a)]
        own = [a for a in attributes if not self._common(a)]
        manager = self._base()._default_manager
        changed = (
            manager.bulk_update(roads, common, batch_size=batch_size) if common else len(roads)
        )
        if own:
            details = [self.detail(r, road_type) for r in roads]
            self._detail_model(road_type)._default_manager.bulk_update(
                details, own, batch_size=batch_size
            )
        return changed

    def delete_all(self, road_type: str) -> int:
        """Delete the common rows; Django's collector deletes their detail rows first."""
        _total, per_model = self.of_type(road_type).delete()
        return per_model.get(self._base()._meta.label, 0)

    def index(self, road_type: str, attribute: str, prefix: str) -> tuple[type[Model], Index]:
        model = self._base() if self._common(attribute) else self._detail_model(road_type)
        return model, Index(fields=[attribute], name=f"{prefix}_{model._meta.model_name}"[:30])

    def related(self, road_type: str) -> tuple[Any, str] | None:
        return self.of_type(road_type), self.accessor(road_type)

    def _listed(self, entity: Model) -> list[tuple[str, Any]]:
        for road_type in self.types:
            try:
                detail = self.detail(entity, road_type)
            except ObjectDoesNotExist:  # not this type; with select_related, no query either
                continue
            return [(road_type, getattr(detail, self.study.specific_field(road_type)))]
        raise AssertionError(f"{self.study.entity} {entity.pk} has no detail row")

    def listing_naive(self) -> list[tuple[str, Any]]:
        """The common rows, then each detail accessor in turn: a query per entity and type."""
        return [item for e in self._base()._default_manager.all() for item in self._listed(e)]

    def listing_best(self) -> list[tuple[str, Any]]:
        """One query: the common table LEFT JOINed to every detail table."""
        rows = self._base()._default_manager.select_related(*(self.accessor(t) for t in self.types))
        return [item for e in rows for item in self._listed(e)]
