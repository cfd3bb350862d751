"""The modelling options, one module each, and the registry that names them.

Importing this package defines Django models, so it configures Django in-process first;
Django's app registry then finds it as the ``roadbench`` app's models module.
"""

from __future__ import annotations

from roadbench.database import configure_django

configure_django()

from roadbench.errors import BadInput  # noqa: E402
from roadbench.models import multi_table, single_table, table_per_type  # noqa: E402
from roadbench.models.base import RoadOption  # noqa: E402

OPTIONS: dict[int, RoadOption] = {
    module.OPTION.number: module.OPTION for module in (single_table, table_per_type, multi_table)
}


def get_option(number: int) -> RoadOption:
    try:
        return OPTIONS[number]
    except KeyError:
        known = ", ".join(str(n) for n in OPTIONS)
        raise BadInput(f"unknown option {number!r}; choose one of {known}") from None


__all__ = ["OPTIONS", "RoadOption", "get_option"]
