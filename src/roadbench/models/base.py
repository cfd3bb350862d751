"""What every modelling option provides, and the fields that all of them share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import Model, QuerySet

from roadbench.data import FREEWAY, road_fields

APP_LABEL = "roadbench"


class CommonRoad(models.Model):
    """The attributes every road has, in every option (an abstract model: no table)."""

    name = models.CharField(max_length=100)
    length_km = models.FloatField()
    lanes = models.SmallIntegerField()
    opened = models.DateField()

    class Meta:
        abstract = True
        app_label = APP_LABEL


@dataclass(frozen=True)
class RoadOption:
    """One way to model road sub-classes, and how to reach freeways and tollroads in it."""

    number: int
    name: str
    description: str
    # Concrete models in insertion order: a parent before its children.
    models: tuple[type[Model], ...]
    freeway_model: type[Model]
    tollroad_model: type[Model]
    # The model queried for "all roads of every type", when the option has one.
    base_model: type[Model] | None = None
    # Extra constructor values per type (option 1's discriminator column).
    type_values: dict[str, dict[str, Any]] = field(default_factory=dict)
    weakness_hint: str = ""

    @property
    def tables(self) -> tuple[str, ...]:
        return tuple(m._meta.db_table for m in self.models)

    @property
    def multi_table(self) -> bool:
        """True when a road's row is split over a parent and a child table."""
        return any(m._meta.parents for m in (self.freeway_model, self.tollroad_model))

    def model_for(self, road_type: str) -> type[Model]:
        return self.freeway_model if road_type == FREEWAY else self.tollroad_model

    def queryset(self, road_type: str) -> QuerySet[Any]:
        model = self.model_for(road_type)
        return model._default_manager.filter(**self.type_values.get(road_type, {}))

    def new_road(self, road_type: str, i: int) -> Model:
        values = {**self.type_values.get(road_type, {}), **road_fields(road_type, i)}
        return self.model_for(road_type)(**values)

    def road_builder(self, road_type: str) -> Callable[[int], Model]:
        return lambda i: self.new_road(road_type, i)
