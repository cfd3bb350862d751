"""A study: what the designs of one question store, declared once.

A study names its entity (road/roads, product/products), its types (freeway and tollroad;
book, e-book and audiobook), each type's share of the data, the fields every entity has and
each type's own. Every design of the study stores the same entities: entity ``i`` of a type
has the same values in each, so designs compare. What the ops need is derived from the
declaration by the rules below, or named by the study where it wants its own:

- ``label``: the field whose distinct values a check counts: the first text field in common,
  or the primary key (``id``) when there is none (a notification with no title);
- ``counter``: the number a check sums and modify changes (by ``counter_step``) on every
  entity: the first integer field in common. A study may have none (``without_counter``
  says why, as the reason its cases give): modify and the range reads are then unsupported,
  the checks do without the sum and the filters without the common one;
- ``specific[type]``: the number a check sums, modify changes (by ``steps[type]``, default 1)
  and a listing shows of each type: the type's first numeric field of its own;
- ``filters``: per type ``counter >= threshold`` and ``specific >= threshold``, thresholds
  the median of the values of the type's first 100 entities;
- ``range_filter``: a selective range (about 1% of the entities) on the first common number
  other than ``counter``, for the indexed and unindexed reads;
- ``specific_filter``: a selective range on the first type's first integer field of its own,
  for the reads of a type-specific field with and without an index;
- ``listing``: what ``only()`` keeps: the primary key, ``label`` and ``counter`` (once each).

No field name of any study is written in an op, a check, the fast path or a renderer.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from roadbench.errors import BadInput

# Kinds of field the rules tell apart (Django's get_internal_type()).
TEXT = {"CharField", "TextField", "SlugField", "EmailField", "URLField"}
INTEGER = {
    "SmallIntegerField",
    "IntegerField",
    "BigIntegerField",
    "PositiveSmallIntegerField",
    "PositiveIntegerField",
    "PositiveBigIntegerField",
}
NUMBER = INTEGER | {"FloatField", "DecimalField"}

# The label when no text field is in common: unique per entity, and every design has it.
PRIMARY_KEY = "id"

# How many entities the derived thresholds and ranges are read from.
SAMPLE = 100
RANGE_SAMPLE = 1000


@dataclass(frozen=True)
class EntityType:
    """A kind of entity with fields of its own, and its weight in the data."""

    key: str
    fields: tuple[str, ...]
    weight: int = 1
    # Django's internal type of each of its own fields, by name (for the rules above).
    kinds: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RangeFilter:
    """``field >= low`` (and ``< high``) on one type's entities."""

    type_key: str
    field: str
    low: Any
    high: Any = None


# eq=False: a study is compared and hashed by identity (its checks are cached per study).
@dataclass(frozen=True, eq=False)
class Study:
    entity: str
    plural: str
    types: tuple[EntityType, ...]
    common: tuple[str, ...]
    # Entity ``i`` of a type as {field: value} over the common and the type's own fields.
    values: Callable[[str, int], dict[str, Any]]
    # Django's internal type of each common field, by name.
    common_kinds: Mapping[str, str] = field(default_factory=dict)
    # Roles named by the study; each left empty is derived (see the module's docstring).
    label: str = ""
    counter: str = ""
    counter_step: Any = 1
    # Set when the study has no counter: why, in one line naming the fix. The cases that need
    # one (Study.counter_unsupported) report it as their reason; the others do without.
    without_counter: str = ""
    specific: Mapping[str, str] = field(default_factory=dict)
    steps: Mapping[str, Any] = field(default_factory=dict)
    filters: tuple[RangeFilter, ...] = ()
    range_filters: tuple[RangeFilter, ...] = ()
    specific_filters: tuple[RangeFilter, ...] = ()
    # The abstract models that declare the fields, when the study was declared with them
    # (``designs.shapes.study_of``): "" holds the common fields, each type's key its own.
    field_models: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.types:
            raise BadInput(f"the study of {self.plural} declares no type")
        keys = [t.key for t in self.types]
        if len(set(keys)) != len(keys):
            raise BadInput(f"the study of {self.plural} declares a type twice: {keys}")
        for entity_type in self.types:
            if type(entity_type.weight) is not int or entity_type.weight < 1:
                raise BadInput(
                    f"type {entity_type.key!r} of {self.plural}: its weight must be a whole "
                    f"number of 1 or more, not {entity_type.weight!r}"
                )

    # --- the types and how many entities each holds ------------------------------------

    @property
    def type_keys(self) -> tuple[str, ...]:
        return tuple(t.key for t in self.types)

    def type(self, key: str) -> EntityType:
        for entity_type in self.types:
            if entity_type.key == key:
                return entity_type
        raise KeyError(key)

    @property
    def min_rows(self) -> int:
        return len(self.types)

    def split(self, rows: int) -> dict[str, int]:
        """``rows`` entities over the types by weight: one of each first, the rest shared by
        weight (whole numbers), what is left over going to the first types in order."""
        counts = dict.fromkeys(self.type_keys, 1 if rows >= len(self.types) else 0)
        rest = rows - sum(counts.values())
        total = sum(t.weight for t in self.types)
        for entity_type in self.types:
            counts[entity_type.key] += rest * entity_type.weight // total
        for key in self.type_keys[: rows - sum(counts.values())]:
            counts[key] += 1
        return counts

    def fields_of(self, type_key: str) -> tuple[str, ...]:
        return (*self.common, *self.type(type_key).fields)

    def kind(self, type_key: str, name: str) -> str:
        return self.common_kinds.get(name) or self.type(type_key).kinds.get(name, "")

    # --- roles --------------------------------------------------------------------------

    @functools.cached_property
    def label_field(self) -> str:
        if self.label:
            return self.label
        texts = [name for name in self.common if self.common_kinds.get(name) in TEXT]
        return texts[0] if texts else PRIMARY_KEY

    @functools.cached_property
    def counter_field(self) -> str:
        if self.without_counter:
            raise BadInput(self.without_counter)
        return self.counter or self._first(
            self.common, self.common_kinds, INTEGER, "an integer field"
        )

    @property
    def has_counter(self) -> bool:
        return not self.without_counter

    def counter_unsupported(self, what: str) -> str | None:
        """Why ``what`` cannot run on this study (it has no counter), or None."""
        return f"{what}: {self.without_counter}" if self.without_counter else None

    def specific_field(self, type_key: str) -> str:
        if type_key in self.specific:
            return self.specific[type_key]
        entity_type = self.type(type_key)
        return self._first(entity_type.fields, entity_type.kinds, NUMBER, "a number of its own")

    def specific_step(self, type_key: str) -> Any:
        return self.steps.get(type_key, 1)

    def changes(self, type_key: str) -> dict[str, Any]:
        """What modify adds to each entity of a type: {field: step}."""
        return {
            self.counter_field: self.counter_step,
            self.specific_field(type_key): self.specific_step(type_key),
        }

    @functools.cached_property
    def select_filters(self) -> tuple[RangeFilter, ...]:
        if self.filters:
            return self.filters
        return tuple(
            RangeFilter(t, name, self._median(t, name))
            for t in self.type_keys
            for name in (*self._counter_names, self.specific_field(t))
        )

    @property
    def _counter_names(self) -> tuple[str, ...]:
        return (self.counter_field,) if self.has_counter else ()

    @functools.cached_property
    def select_range_filters(self) -> tuple[RangeFilter, ...]:
        if self.range_filters:
            return self.range_filters
        counters = self._counter_names
        numbers = [n for n in self.common if self.common_kinds.get(n) in NUMBER]
        names = [n for n in numbers if n not in counters] + list(counters)
        if not names:
            return ()  # no common number to range over: the range reads are unsupported
        name = names[0]
        return tuple(RangeFilter(t, name, *self._narrow_range(t, name)) for t in self.type_keys)

    @functools.cached_property
    def select_specific_filters(self) -> tuple[RangeFilter, ...]:
        if self.specific_filters:
            return self.specific_filters
        first = self.types[0]
        name = self._first(first.fields, first.kinds, INTEGER | NUMBER, "a number of its own")
        return (RangeFilter(first.key, name, *self._narrow_range(first.key, name)),)

    @property
    def listing(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((PRIMARY_KEY, self.label_field, *self._counter_names)))

    def _first(
        self, names: tuple[str, ...], kinds: Mapping[str, str], wanted: set[str], what: str
    ) -> str:
        for name in names:
            if kinds.get(name) in wanted:
                return name
        raise BadInput(
            f"the study of {self.plural} has no {what} among {', '.join(names) or 'no fields'}: "
            "name the role in the study's declaration"
        )

    def _median(self, type_key: str, name: str) -> Any:
        values = sorted(self.values(type_key, i)[name] for i in range(SAMPLE))
        return values[len(values) // 2]

    def _narrow_range(self, type_key: str, name: str) -> tuple[Any, Any]:
        """[low, high) holding about 1% of the values: the smallest value above the 1st
        percentile and the next distinct one (a selective filter an index can serve)."""
        values = sorted(self.values(type_key, i)[name] for i in range(RANGE_SAMPLE))
        low = values[len(values) // 100]
        higher = [v for v in values if v > low]
        return low, (higher[0] if higher else None)
