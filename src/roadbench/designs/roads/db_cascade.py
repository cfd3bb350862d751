"""Option 10: multi-table inheritance whose parent links cascade in the database.

The tables of option 3, but each child's parent link is declared with Django 6.1's
``on_delete=models.DB_CASCADE``: the foreign key is created ``ON DELETE CASCADE``, so deleting a
parent row makes the database delete its child row. Django's collector then has nothing to
collect for a parent (it skips database-level ``on_delete`` relations), and deleting a type's
roads is one fast-path DELETE of their parents.

The price: no ``pre_delete``/``post_delete`` signals and no ``delete()`` for the children the
database removes, and Django refuses to mix database- and Python-level ``on_delete`` in one
chain of references (system checks fields.E323, models.E050). Needs Django 6.1; on older
Django the design is listed and every method says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import django
from django.db import models
from django.db.models import Model

from roadbench.designs.base import APP_LABEL, RoadOption, unavailable_design
from roadbench.designs.roads.columns import CommonRoad, FreewayColumns, TollroadColumns
from roadbench.designs.roads.multi_table import MULTI_TABLE_QUERIES, MultiTableOption

NUMBER, KEY, NAME = 10, "db-cascade", "MTI + DB_CASCADE"
DESCRIPTION = (
    "Multi-table inheritance with the parent link on_delete=DB_CASCADE: "
    "the database deletes the child rows."
)

# None before Django 6.1, which added database-level on_delete options.
DB_CASCADE = getattr(models, "DB_CASCADE", None)

# As option 3, except deletes, which go through the parents: Model.delete() of a parent is
# one DELETE (no transaction: nothing else to delete), QuerySet.delete() one DELETE per type
# inside Django's transaction. roadbench's delete techniques are refused: nothing to remedy.
DB_CASCADE_QUERIES = {
    **{case: n for case, n in MULTI_TABLE_QUERIES.items() if not case.startswith("delete/")},
    "delete/each": (1.0, 2),
    "delete/queryset": (0.0, 6),
}


@dataclass(frozen=True)
class DbCascadeOption(MultiTableOption):
    """Roads are deleted through their parent rows; the database cascades to the child."""

    def delete_road(self, road: Model, road_type: str) -> None:
        """Delete the road's parent row: ``road.<parent link>`` is built without a query."""
        parent_link = road._meta.get_ancestor_link(self.base_model)  # type: ignore[arg-type]
        assert parent_link is not None
        getattr(road, parent_link.name).delete()

    def delete_all(self, road_type: str) -> int:
        """QuerySet.delete() of the type's parents: Django fast-deletes them in one statement."""
        found = self.related(road_type)
        assert found is not None and self.base_model is not None
        parents, _child = found
        _total, per_model = parents.delete()
        return per_model.get(self.base_model._meta.label, 0)


if DB_CASCADE is None:
    OPTION: RoadOption = unavailable_design(
        NUMBER,
        KEY,
        NAME,
        DESCRIPTION,
        f"needs Django 6.1 (models.DB_CASCADE); this is Django {django.get_version()}",
    )
else:

    class RoadD(CommonRoad):
        class Meta:
            app_label = APP_LABEL
            db_table = "roadbench_roadd"

    def cascading_link() -> models.OneToOneField[RoadD]:
        """The parent link Django would add, but ON DELETE CASCADE in the database."""
        return models.OneToOneField(RoadD, on_delete=DB_CASCADE, parent_link=True, primary_key=True)

    class FreewayD(RoadD, FreewayColumns):
        roadd_ptr = cascading_link()

        class Meta:
            app_label = APP_LABEL
            db_table = "roadbench_freewayd"

    class TollroadD(RoadD, TollroadColumns):
        roadd_ptr = cascading_link()

        class Meta:
            app_label = APP_LABEL
            db_table = "roadbench_tollroadd"

    OPTION = DbCascadeOption(
        number=NUMBER,
        key=KEY,
        name=NAME,
        description=DESCRIPTION,
        models=(RoadD, FreewayD, TollroadD),
        freeway_model=FreewayD,
        tollroad_model=TollroadD,
        base_model=RoadD,
        expected_queries=DB_CASCADE_QUERIES,
    )
