"""The designs (modelling options): their registry, the declaration every design makes
(``base``) and the seed study's road designs (``roads``, one module each).

Importing this package registers nothing and needs no Django settings:
``roadbench.plugins.load_registries`` fills ``OPTIONS`` at start-up, from roadbench's own
designs, installed packages' ``roadbench.options`` entry points and ``--plugin`` modules.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db.models import Model

from roadbench.database.django_internals import parent_links
from roadbench.designs.base import RoadOption
from roadbench.errors import BadInput
from roadbench.registry import Registry


def _check_design(option: RoadOption) -> None:
    if not isinstance(option, RoadOption):
        raise BadInput(f"{option!r} is not a roadbench design (RoadOption)")
    _check_number_and_key(option)
    _check_reaches_children(option)


def _check_reaches_children(option: RoadOption) -> None:
    """A multi-table design (each type a child of a concrete parent) must say how the parent
    reaches a child (``related``): without it a listing reads each type's own rows and shows
    no N+1, a measurement of a listing that is not one."""
    if option.unavailable or option.origin == "roadbench":
        return
    for entity_type, model in option.type_models.items():
        links = parent_links(model).values() if hasattr(model, "_meta") else ()
        if any(link is not None for link in links) and option.related(entity_type) is None:
            raise BadInput(
                f"design {option.name!r} ({option.origin}): its {entity_type} model "
                f"{model.__name__} is a multi-table child, but the design does not say how "
                "its parent reaches it: define related() (or build it on MultiTableOption)"
            )


OPTIONS: Registry[int, RoadOption] = Registry(
    "design",
    key=lambda o: o.number,
    order=lambda o: o.number,
    aliases=lambda o: (o.key,),
    check=lambda o: _check_design(o),
)

# The seed study's three designs: what ``compare`` runs unless told otherwise.
SEED_OPTIONS = (1, 2, 3)


def register_option(option: RoadOption) -> RoadOption:
    """Add a design to the registry; its number and key must be new."""
    return OPTIONS.register(option)


# Numbers below this are roadbench's own designs' (docs/extending.md).
FIRST_PLUGIN_NUMBER = 100
# A key is one word that --options can tell from a number, a list and ``all``.
KEY_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")


def _check_number_and_key(option: RoadOption) -> None:
    """As docs/extending.md says: a whole number (100 and up for a plugin) and a key that is a
    word, so that ``--options 2,mine`` and ``--options all`` mean one thing each."""
    where = f"design {option.name!r} ({option.origin})"
    number = option.number
    if type(number) is not int or number < 1:
        raise BadInput(f"{where}: its number must be a whole number of 1 or more, not {number!r}")
    if option.origin != "roadbench" and number < FIRST_PLUGIN_NUMBER:
        raise BadInput(
            f"{where}: its number must be {FIRST_PLUGIN_NUMBER} or more (1-99 are roadbench's), "
            f"not {number}"
        )
    key = option.key
    if not isinstance(key, str) or (key and (not KEY_PATTERN.fullmatch(key) or key == "all")):
        raise BadInput(
            f"{where}: its key must be a word (letters, digits, - and _, starting with a "
            f"letter) other than 'all', not {key!r}"
        )


def models_of(options: Iterable[RoadOption]) -> list[type[Model]]:
    """The models whose tables the designs need, each once, parents before children."""
    seen: dict[type[Model], None] = {}
    for option in options:
        seen.update(dict.fromkeys(option.all_models()))
    return list(seen)


def get_option(choice: int | str) -> RoadOption:
    """A design by number (``3``) or name (``multi-table``; the user's hierarchy also by
    what --model named, ``shop.Product``)."""
    text = str(choice).strip()
    for option in OPTIONS.values():
        if text in (str(option.number), option.key) or (
            option.shown_as and text == option.shown_as
        ):
            return option
    known = ", ".join(f"{o.number} ({o.key})" if o.key else str(o.number) for o in OPTIONS.values())
    raise BadInput(f"unknown option {text}; choose one of {known}")


def parse_options(text: str | None) -> list[int]:
    """``1,2,3`` or ``sibling,json`` or ``all`` -> design numbers; None -> the seed study's."""
    if text is None or not text.strip():
        return [n for n in SEED_OPTIONS if n in OPTIONS]
    if text.strip() == "all":
        return sorted(OPTIONS)
    chosen: list[int] = []
    for part in text.split(","):
        if not part.strip():
            continue
        number = get_option(part).number
        if number not in chosen:
            chosen.append(number)
    if not chosen:
        raise BadInput(f"{text!r} names no design")
    return chosen


__all__ = [
    "OPTIONS",
    "SEED_OPTIONS",
    "RoadOption",
    "get_option",
    "models_of",
    "parse_options",
    "register_option",
]
