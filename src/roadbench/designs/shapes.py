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

from django.db import models
from django.db.models import Expression, F, FloatField, Index, Model
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import Cast

from roadbench.designs.base import APP_LABEL, RoadOption
from roadbench.designs.field_values import left_to_django, value_for
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


def single_table(study: Study, number: int, key: str, name: str = "") -> RoadOption:
    """One table: the common fields, a type column and every type's own fields, NULL where
    a row's type has none of them."""
    attrs: dict[str, Any] = {TYPE_COLUMN: _type_column(study)}
    for entity_type in study.types:
        for own in _own_fields(_abstract(study, entity_type.key)):
            if own.name in attrs:
                continue  # two types with a field of one name share its column
            column = own.clone()
            column.null = True
            attrs[own.name] = column
    model = _model(_name(key), (study.field_models[""],), _table(key, study.entity), attrs)
    return RoadOption(
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
        return (
            "Django has no expression that changes one key of a JSONField inside "
            "QuerySet.update() (no JSONSet): use bulk_update or save"
        )

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
