"""Option 6: django-polymorphic over multi-table inheritance.

The tables of option 3 plus a ``polymorphic_ctype`` column on the parent: a query on the
parent returns freeway and tollroad instances (one query for the parents, then one per
subtype). Needs the ``django-polymorphic`` package (``pip install 'roadbench[designs]'``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from roadbench.designs.base import APP_LABEL, Listing, RoadOption, unavailable_option
from roadbench.designs.roads.columns import CommonRoad, FreewayColumns, TollroadColumns
from roadbench.designs.roads.multi_table import MULTI_TABLE_QUERIES, MultiTableOption

NUMBER, KEY, NAME = 6, "polymorphic", "django-polymorphic"
DESCRIPTION = "Multi-table inheritance queried through django-polymorphic (subclass instances)."

try:
    from polymorphic.models import PolymorphicModel
except ImportError as exc:
    OPTION: RoadOption = unavailable_option(
        NUMBER, KEY, NAME, DESCRIPTION, "django-polymorphic", exc
    )
else:
    from django.contrib.contenttypes.models import ContentType

    from roadbench.designs.roads._contenttypes import content_type_id

    class RoadP(CommonRoad, PolymorphicModel):
        class Meta:
            app_label = APP_LABEL
            db_table = "roadbench_roadp"

    class FreewayP(RoadP, FreewayColumns):
        class Meta:
            app_label = APP_LABEL
            db_table = "roadbench_freewayp"

    class TollroadP(RoadP, TollroadColumns):
        class Meta:
            app_label = APP_LABEL
            db_table = "roadbench_tollroadp"

    @dataclass(frozen=True)
    class PolymorphicOption(MultiTableOption):
        def row_values(self, road_type: str, i: int) -> dict[str, Any]:
            # Written by save() too; the bulk and fast paths must set it themselves.
            ctype = content_type_id(self.model_for(road_type))
            return {**super().row_values(road_type, i), "polymorphic_ctype_id": ctype}

        def related(self, road_type: str) -> tuple[QuerySet[Any], str] | None:
            """Plain parent rows: django-polymorphic would pass the join to subclass queries."""
            child = self.child_name(road_type)
            return RoadP.objects.non_polymorphic().filter(**{f"{child}__isnull": False}), child

        def listing_naive(self) -> Listing:
            """What django-polymorphic is for: the parent query returns subclass instances."""
            return self.listing_best()

        def listing_best(self) -> Listing:
            """Parents in one query, then each subtype's rows in one query (1 + 2)."""
            return self.subclass_listing(RoadP.objects.all())

    OPTION = PolymorphicOption(
        number=NUMBER,
        key=KEY,
        name=NAME,
        description=DESCRIPTION,
        models=(RoadP, FreewayP, TollroadP),
        freeway_model=FreewayP,
        tollroad_model=TollroadP,
        base_model=RoadP,
        expected_queries={
            **MULTI_TABLE_QUERIES,
            "select/all_roads_naive": (0.0, 3),
            "select/all_roads_detail": (0.0, 3),
        },
        support_models=(ContentType,),
    )
