"""The designs (modelling options), one module each, and the registry that finds them.

Importing this package defines Django models, so it configures Django in-process first;
Django's app registry then finds it as the ``roadbench`` app's models module. Every module in
this package except ``base`` is a design: it defines its models and one ``OPTION``. Designs of
installed packages come from the ``roadbench.options`` entry point group (see
docs/extending.md), local ones from ``--plugin module.path``.
"""

from __future__ import annotations

from roadbench.database import configure_django

configure_django()

import re  # noqa: E402
from collections.abc import Iterable  # noqa: E402

from django.db.models import Model  # noqa: E402

from roadbench.designs.base import RoadOption  # noqa: E402
from roadbench.errors import BadInput  # noqa: E402
from roadbench.plugins import load_installed  # noqa: E402
from roadbench.registry import OPTIONS_GROUP, discover  # noqa: E402

OPTIONS: dict[int, RoadOption] = {}

# The seed study's three designs: what ``compare`` runs unless told otherwise.
SEED_OPTIONS = (1, 2, 3)


def register_option(option: RoadOption) -> RoadOption:
    """Add a design to the registry; its number and key must be new."""
    if not isinstance(option, RoadOption):
        raise BadInput(f"{option!r} is not a roadbench design (RoadOption)")
    for known in OPTIONS.values():
        if known is option:
            return option
        if option.number == known.number or (option.key and option.key == known.key):
            raise BadInput(
                f"design {option.name!r} ({option.origin}) takes number {option.number} "
                f"or name {option.key!r}, already used by {known.name!r} ({known.origin})"
            )
    _check_number_and_key(option)
    OPTIONS[option.number] = option
    ordered = sorted(OPTIONS.items())
    OPTIONS.clear()
    OPTIONS.update(ordered)
    return option


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


for _option in discover("roadbench.designs.roads", "OPTION", skip={"data"}):
    register_option(_option)
load_installed(OPTIONS_GROUP, "OPTION", register_option)


def models_of(options: Iterable[RoadOption]) -> list[type[Model]]:
    """The models whose tables the designs need, each once, parents before children."""
    seen: dict[type[Model], None] = {}
    for option in options:
        seen.update(dict.fromkeys(option.all_models()))
    return list(seen)


def get_option(choice: int | str) -> RoadOption:
    """A design by number (``3``) or name (``multi-table``)."""
    text = str(choice).strip()
    for option in OPTIONS.values():
        if text in (str(option.number), option.key):
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
