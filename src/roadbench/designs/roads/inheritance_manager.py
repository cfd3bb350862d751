"""Option 7: django-model-utils' InheritanceManager over multi-table inheritance.

The tables of option 3; ``RoadI.objects.select_subclasses()`` LEFT JOINs every child table
and returns freeway and tollroad instances in one query. Needs ``django-model-utils``
(``pip install 'roadbench[designs]'``).
"""

from __future__ import annotations

from dataclasses import dataclass

from roadbench.designs.base import APP_LABEL, Listing, RoadOption, unavailable_option
from roadbench.designs.roads.columns import CommonRoad, FreewayColumns, TollroadColumns
from roadbench.designs.roads.multi_table import MULTI_TABLE_QUERIES, MultiTableOption

NUMBER, KEY, NAME = 7, "inheritance-manager", "InheritanceManager"
DESCRIPTION = "Multi-table inheritance queried through model-utils' select_subclasses()."

try:
    from model_utils.managers import InheritanceManager
except ImportError as exc:
    OPTION: RoadOption = unavailable_option(
        NUMBER, KEY, NAME, DESCRIPTION, "django-model-utils", exc
    )
else:

    class RoadI(CommonRoad):
        objects = InheritanceManager()  # type: ignore[var-annotated]

        class Meta:
            app_label = APP_LABEL
            db_table = "roadbench_roadi"

    class FreewayI(RoadI, FreewayColumns):
        class Meta:
            app_label = APP_LABEL
            db_table = "roadbench_freewayi"

    class TollroadI(RoadI, TollroadColumns):
        class Meta:
            app_label = APP_LABEL
            db_table = "roadbench_tollroadi"

    @dataclass(frozen=True)
    class InheritanceOption(MultiTableOption):
        def listing_best(self) -> Listing:
            """One query: select_subclasses() joins both children, returns their instances."""
            roads = RoadI.objects.select_subclasses()  # type: ignore[attr-defined]
            return self.subclass_listing(roads)

    OPTION = InheritanceOption(
        number=NUMBER,
        key=KEY,
        name=NAME,
        description=DESCRIPTION,
        models=(RoadI, FreewayI, TollroadI),
        freeway_model=FreewayI,
        tollroad_model=TollroadI,
        base_model=RoadI,
        expected_queries=MULTI_TABLE_QUERIES,
    )
