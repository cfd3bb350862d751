"""The road columns the designs share, as abstract models (no tables of their own)."""

from __future__ import annotations

from django.db import models

from roadbench.designs.base import APP_LABEL
from roadbench.designs.roads.data import FREEWAY, TOLLROAD


class CommonRoad(models.Model):
    """The attributes every road has, in every design (an abstract model: no table)."""

    name = models.CharField(max_length=100)
    length_km = models.FloatField()
    lanes = models.SmallIntegerField()
    opened = models.DateField()

    class Meta:
        abstract = True
        app_label = APP_LABEL


class TypedRoad(CommonRoad):
    """A road whose type is a column of its row, for designs that keep every type in one table
    (no table itself)."""

    road_type = models.CharField(
        max_length=10, choices=[(FREEWAY, "Freeway"), (TOLLROAD, "Tollroad")]
    )

    class Meta:
        abstract = True
        app_label = APP_LABEL


class FreewayColumns(models.Model):
    """A freeway's own attributes, for designs that give them a table (no table itself)."""

    speed_limit = models.SmallIntegerField()
    exits = models.IntegerField()

    class Meta:
        abstract = True
        app_label = APP_LABEL


class TollroadColumns(models.Model):
    """A tollroad's own attributes, for designs that give them a table (no table itself)."""

    toll_amount = models.DecimalField(max_digits=8, decimal_places=2)
    operator = models.CharField(max_length=100)

    class Meta:
        abstract = True
        app_label = APP_LABEL
