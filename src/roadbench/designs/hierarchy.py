"""The user's own hierarchy as a study and a design, found by introspection.

``find_hierarchy("shop.Product")`` reads a concrete model and what inherits from it:

- **multi-table inheritance**: the types are the model's *direct* concrete children (a
  grandchild is stored as its parent's type would be, one level down, so it is not a type of
  its own: its tables are made, and a notice names it); the common fields are the base's
  concrete fields, each type's own its local fields;
- **django-polymorphic** (a ``PolymorphicModel`` base): the same, its ``polymorphic_ctype``
  set to each type's own content type, the listing read through the library (subclass
  instances from a query on the base); **InheritanceManager** (django-model-utils, the base's
  manager): the best listing is ``select_subclasses()``;
- **proxies** of any model of the hierarchy are left out with a notice: a proxy's rows are its
  concrete model's, and nothing in the model says which of them it would hold;
- **sibling models** given as a list (``shop.Book,shop.EBook``, sharing an abstract base):
  a table per type; the common fields are those every model has (by name, in the first
  model's order), each type's own the rest.

The study's roles follow ``designs.study``'s rules (a text and an integer in common, a number
of each type's own), but a hierarchy with no integer in common (a price, no stock) has modify
change its first number of any kind, one with no number in common at all (a ticket: title,
opened, urgent) has no counter (modify and the range reads are unsupported, naming the fix;
the rest measures), one with no text in common (a notification: recipient, created_at, read)
has the checks count its primary keys, and ``[roles]`` in roadbench.toml (``label =
"field"``, ``counter = "field"``) names a role's field outright.

A foreign key to a model outside the hierarchy points to one of a few rows of that model made
when the session starts (``OUTSIDE_ROWS``, values from its fields); those models' tables are
made with the design's. A field roadbench cannot fill gets its values from a function named in
``roadbench.toml`` (``[values]``) or ``[tool.roadbench.values]`` in pyproject.toml (found as
``roadbench.config`` finds them): ``"shop.Product.isbn" = "mypackage.bench:isbn"``, called as
``isbn(type_key, i)``, or from a factory of the model's (``[factories]``, see
``designs.factories``); ``--value`` and ``--factory`` on the command line win over both.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import models
from django.db.models import Model, QuerySet

from roadbench.config import config_sections, searched_text
from roadbench.database.django_internals import signal_receivers
from roadbench.designs.base import Listing, RoadOption
from roadbench.designs.factories import (
    NOT_GIVEN,
    command_line_factories,
    command_line_specs,
    command_line_values,
    factory_functions,
    import_target,
)
from roadbench.designs.field_values import CannotFill, left_to_django, value_for, values_for
from roadbench.designs.roads.multi_table import MultiTableOption
from roadbench.designs.study import PRIMARY_KEY, EntityType, Study
from roadbench.errors import BadInput

# The user's design's number and key (``--options model``); the alternatives follow it.
USER_NUMBER = 900
USER_KEY = "model"
# Rows made of each model a foreign key of the hierarchy points to; entity i uses row i % n.
OUTSIDE_ROWS = 5
# Which field plays a role of the study (designs.study), when the user names it ([roles]).
ROLES = ("label", "counter")
ROLE_FIX = 'name one in roadbench.toml: [roles] {role} = "field" (or [tool.roadbench.roles])'
FIX = (
    'give it a value function: [values] "{label}" = "module:function" (called as '
    "function(type, i)) in roadbench.toml or [tool.roadbench.values] of pyproject.toml, or "
    '--value {label}=module:function; or a factory: [factories] "{model}" = "module:Factory" '
    "(factory_boy, or a callable (type, i) returning a dict of values), or --factory "
    "{model}=module:Factory (looked for in {searched})"
)

ValueFunction = Callable[[str, int], Any]


def _fix(label: str) -> str:
    return FIX.format(label=label, model=label.rpartition(".")[0], searched=searched_text())


@dataclass
class Hierarchy:
    """What introspection found: the types, their fields, and what a copy would leave out."""

    label: str
    shape: str  # "multi-table inheritance" or "table per type"
    base: type[Model] | None
    types: dict[str, type[Model]]
    common: tuple[models.Field, ...]
    own: dict[str, tuple[models.Field, ...]]
    # Every concrete model whose table the design needs, parents first.
    table_models: tuple[type[Model], ...]
    # Models the hierarchy's foreign keys point to (and theirs), and models pointing to it.
    outside: tuple[type[Model], ...]
    notices: list[str] = field(default_factory=list)
    # Custom managers, signals, Meta constraints and indexes, save()/clean(): what a design of
    # roadbench's own with the same fields would not carry.
    behaviour: list[str] = field(default_factory=list)

    @property
    def models(self) -> tuple[type[Model], ...]:
        return tuple(self.types.values())


def get_model(label: str) -> type[Model]:
    from django.apps import apps

    text = label.strip()
    if text.count(".") != 1:
        raise BadInput(
            f"{{model}} {label!r}: name a model as app_label.ModelName (shop.Product)", "model"
        )
    try:
        return apps.get_model(text)
    except LookupError as exc:
        raise BadInput(
            f"{{model}} {text}: {exc} (is the app in INSTALLED_APPS? --settings)", "model"
        ) from None


def find_hierarchy(spec: str) -> Hierarchy:
    """``app.Model`` (a multi-table base) or ``app.A,app.B`` (sibling models)."""
    labels = [part.strip() for part in spec.split(",") if part.strip()]
    if not labels:
        raise BadInput("{model} names no model (app_label.ModelName)", "model")
    found = [get_model(label) for label in labels]
    for model in found:
        if model._meta.abstract or model._meta.proxy:
            kind = "abstract" if model._meta.abstract else "a proxy"
            raise BadInput(
                f"{{model}} {model._meta.label} is {kind}: name a concrete model", "model"
            )
    if len(found) == 1:
        return _multi_table(found[0])
    return _siblings(found)


def _children(model: type[Model]) -> list[type[Model]]:
    """Concrete models whose parent link points to ``model`` (proxies and abstract left out)."""
    return [
        sub
        for sub in model.__subclasses__()
        if not sub._meta.abstract and not sub._meta.proxy and model in sub._meta.parents
    ]


def _descendants(model: type[Model]) -> list[type[Model]]:
    found = []
    for child in _children(model):
        found += [child, *_descendants(child)]
    return found


def _proxies(models_seen: Iterable[type[Model]]) -> list[type[Model]]:
    seen = set(models_seen)
    found: list[type[Model]] = []
    stack = list(seen)
    while stack:
        for sub in stack.pop().__subclasses__():
            if sub._meta.proxy and sub not in found:
                found.append(sub)
                stack.append(sub)
    return found


def _multi_table(base: type[Model]) -> Hierarchy:
    children = _children(base)
    if not children:
        raise BadInput(
            f"{{model}} {base._meta.label} has no multi-table children; for models sharing "
            "an abstract base, list them: {model} app.Book,app.EBook",
            "model",
        )
    if base._meta.parents:
        parent = next(iter(base._meta.parents))._meta.label
        raise BadInput(
            f"{{model}} {base._meta.label} is itself a child of {parent}: name the base, "
            f"{{model}} {parent}",
            "model",
        )
    descendants = _descendants(base)
    types = {_type_key(child): child for child in children}
    hierarchy = Hierarchy(
        label=base._meta.label,
        shape=_library(base),
        base=base,
        types=types,
        common=tuple(_fields(base, base._meta.local_concrete_fields)),
        own={key: tuple(_fields(m, m._meta.local_concrete_fields)) for key, m in types.items()},
        table_models=(base, *descendants),
        outside=(),
    )
    for grandchild in descendants:
        if grandchild not in children:
            parent = next(iter(grandchild._meta.parents))._meta.label
            hierarchy.notices.append(
                f"{grandchild._meta.label} is a child of {parent}, not of "
                f"{base._meta.label}: measured as no type of its own (its table is made)"
            )
    _finish(hierarchy)
    return hierarchy


def _siblings(found: list[type[Model]]) -> Hierarchy:
    for model in found:
        if model._meta.parents:
            parent = next(iter(model._meta.parents))._meta.label
            raise BadInput(
                f"{{model}} {model._meta.label} is a multi-table child of {parent}: name the "
                f"base alone, {{model}} {parent}",
                "model",
            )
    fields = {m: _fields(m, m._meta.concrete_fields) for m in found}
    names = [set(f.name for f in own) for own in fields.values()]
    shared = set.intersection(*names)
    first = found[0]
    types = {_type_key(m): m for m in found}
    if len(types) != len(found):
        raise BadInput(
            f"{{model}} names a model twice: {', '.join(m._meta.label for m in found)}", "model"
        )
    hierarchy = Hierarchy(
        label=",".join(m._meta.label for m in found),
        shape="table per type",
        base=None,
        types=types,
        common=tuple(f for f in fields[first] if f.name in shared),
        own={_type_key(m): tuple(f for f in fields[m] if f.name not in shared) for m in found},
        table_models=tuple(found),
        outside=(),
    )
    _finish(hierarchy)
    return hierarchy


def content_type_id(model: type[Model]) -> int:
    # Imported here: a project without django.contrib.contenttypes cannot import it.
    from roadbench.designs.roads._contenttypes import content_type_id as own_id

    return own_id(model)


def _content_type_model() -> type[Model]:
    from django.contrib.contenttypes.models import ContentType

    return ContentType


POLYMORPHIC = "multi-table inheritance, django-polymorphic"
INHERITANCE_MANAGER = "multi-table inheritance, InheritanceManager"


def _library(base: type[Model]) -> str:
    """Which library the hierarchy is read through, when one is installed and used."""
    # By class name: neither library is imported unless the user's models use it.
    if any(k.__module__.startswith("polymorphic.") for k in base.__mro__):
        return POLYMORPHIC
    for manager in base._meta.managers:
        if any(k.__name__ == "InheritanceManagerMixin" for k in type(manager).__mro__):
            return INHERITANCE_MANAGER
    return "multi-table inheritance"


def _type_key(model: type[Model]) -> str:
    return model._meta.model_name or model.__name__.lower()


def _fields(model: type[Model], fields: Iterable[models.Field]) -> list[models.Field]:
    """The columns roadbench writes: every one but the primary key, parent links and generated
    columns. A default or ``auto_now`` field gets a value too: the fast path writes columns
    as they are, with no Django to fill them."""
    return [f for f in fields if _written(f)]


def _written(model_field: models.Field) -> bool:
    return not (
        model_field.name == "polymorphic_ctype"  # django-polymorphic's own, set per type
        or model_field.primary_key
        or isinstance(model_field, models.AutoField)
        or getattr(model_field.remote_field, "parent_link", False)
        or getattr(model_field, "generated", False)
    )


def _finish(hierarchy: Hierarchy) -> None:
    hierarchy.outside = tuple(_outside(hierarchy.table_models))
    for proxy in _proxies(hierarchy.table_models):
        concrete = proxy._meta.concrete_model._meta.label  # type: ignore[union-attr]
        hierarchy.notices.append(
            f"{proxy._meta.label} is a proxy of {concrete}: its rows are {concrete}'s and "
            "no field says which, so it is no type of its own (left out)"
        )
    hierarchy.behaviour = behaviour_of(hierarchy)


def _outside(inside: tuple[type[Model], ...]) -> list[type[Model]]:
    """Models outside the hierarchy whose tables its rows need: what its foreign keys point
    to (and theirs, parents first), and what points to it (Django's delete collector reads
    them)."""
    found: list[type[Model]] = []

    def add(model: type[Model]) -> None:
        model = model._meta.concrete_model or model
        if model in inside or model in found:
            return
        for parent in reversed(model._meta.get_parent_list()):
            add(parent)
        for target in _targets(model):
            add(target)
        if model not in found:
            found.append(model)

    for model in inside:
        for target in _targets(model):
            add(target)
    for model in inside:
        for relation in model._meta.related_objects:
            if relation.related_model is not None and not relation.parent_link:
                pointing = relation.related_model
                if isinstance(pointing, type):
                    add(pointing)
    return found


def _targets(model: type[Model]) -> list[type[Model]]:
    return [
        f.related_model
        for f in model._meta.concrete_fields
        if f.is_relation
        and f.related_model is not None
        and not getattr(f.remote_field, "parent_link", False)
        and f.related_model is not model
    ]


# --- what a copy leaves out -----------------------------------------------------------------


def behaviour_of(hierarchy: Hierarchy) -> list[str]:
    """What the user's models carry beyond their fields, which the alternatives (models of
    roadbench's own with the same fields) do not: custom managers, signal receivers, Meta
    constraints and indexes, unique_together, overridden save(), clean(), delete(); of the
    proxies too (a proxy's custom manager is behaviour its rows get, and the copy has none)."""
    from django.db.models import signals

    found: list[str] = []
    models_seen = (*hierarchy.table_models, *_proxies(hierarchy.table_models))
    for model in models_seen:
        label = model._meta.label
        for manager in model._meta.local_managers:
            if type(manager) is not models.Manager:
                found.append(f"{label}: custom manager {manager.name} ({type(manager).__name__})")
        for constraint in model._meta.constraints:
            found.append(f"{label}: constraint {constraint.name} ({type(constraint).__name__})")
        for index in model._meta.indexes:
            fields = ", ".join(index.fields) or "an expression"
            found.append(f"{label}: index {index.name or ''} on {fields}".replace("  ", " "))
        for group in model._meta.unique_together:
            found.append(f"{label}: unique_together {', '.join(group)}")
        for method in ("save", "delete", "clean"):
            own = model.__dict__.get(method)
            if own is not None and inspect.isfunction(own):
                found.append(f"{label}: its own {method}()")
        for name in ("pre_save", "post_save", "pre_delete", "post_delete", "pre_init", "post_init"):
            for receiver in signal_receivers(getattr(signals, name), model):
                where = getattr(receiver, "__qualname__", type(receiver).__name__)
                found.append(f"{label}: {name} receiver {where}")
    return list(dict.fromkeys(found))


# --- values -------------------------------------------------------------------------------


def configured_values(directory: Path | None = None) -> dict[str, ValueFunction]:
    """``{"app.Model.field": function}`` from roadbench.toml or pyproject.toml, if present,
    a factory's fields among them, then ``--factory`` and ``--value``: a value function wins
    over a factory's for the same field, the command line over the files."""
    given_values, given_factories = command_line_specs()
    overridden = {spec.partition("=")[0] for spec in given_values + given_factories}
    found: dict[str, ValueFunction] = {}
    for config, table in config_sections("factories", "model = 'module:Factory'", directory):
        for label, target in table.items():
            if label in overridden:
                continue  # the command line's, never imported
            where = f"{config.path.name}: {label} = {target!r}"
            for key, function in factory_functions(label, target, where, _written).items():
                found.setdefault(key, function)
    values: dict[str, ValueFunction] = {}
    for config, table in config_sections("values", "field = 'module:function'", directory):
        for label, target in table.items():
            if label not in values and label not in overridden:
                values[label] = _function(config.path, label, target)
    return {**found, **values, **command_line_factories(_written), **command_line_values()}


def configured_roles(directory: Path | None = None) -> dict[str, str]:
    """``{"label": "created_at"}`` from ``[roles]`` of roadbench.toml (or
    ``[tool.roadbench.roles]`` of pyproject.toml): the field that plays a study's role."""
    found: dict[str, str] = {}
    for config, table in config_sections("roles", "role = 'field'", directory):
        name = config.section_name("roles")
        for role, value in table.items():
            if role not in ROLES or not isinstance(value, str):
                raise BadInput(
                    f"{config.path}: [{name}] {role} = {value!r}: the roles are "
                    f"{', '.join(ROLES)}, each naming a field as a string"
                )
            found.setdefault(role, value)
    return found


def _function(path: Path, label: str, target: Any) -> ValueFunction:
    return import_target(f"{path.name}: {label} = {target!r}", target)  # type: ignore[no-any-return]


@dataclass
class OutsideRows:
    """The rows of the outside models that foreign keys point to: made when a session starts
    (``make``), their primary keys by model."""

    targets: tuple[type[Model], ...]
    functions: Mapping[str, ValueFunction]
    pks: dict[type[Model], list[Any]] = field(default_factory=dict)
    session: object = None

    def make(self, session: object) -> None:
        """Once per session, however many designs of the study it holds."""
        if session is self.session:
            return
        self.session = session
        self.pks.clear()
        for model in self.targets:
            if model._meta.auto_created or model._meta.label == "contenttypes.ContentType":
                continue  # a many-to-many's table stays empty; content types are Django's
            made = []
            for i in range(OUTSIDE_ROWS):
                values = _model_values(model, "outside", i, self.functions, self.related)
                made.append(model._base_manager.create(**values).pk)
            self.pks[model] = made

    def related(self, relation: models.Field, type_key: str, i: int) -> Any:
        target = relation.related_model._meta.concrete_model
        if target._meta.label == "contenttypes.ContentType":
            return content_type_id(relation.model)  # a real one: the model's own
        if target not in self.pks:
            if relation.null:
                return None
            raise CannotFill(
                relation,
                f"it points to {target._meta.label}, of the hierarchy itself"
                if target not in self.targets
                else f"it points to {target._meta.label}, whose rows are not made yet",
            )
        if relation.unique or relation.one_to_one:
            if i >= len(self.pks[target]) and relation.null:
                return None
            if i >= len(self.pks[target]):
                raise CannotFill(relation, f"it is unique and points to {target._meta.label}")
        return self.pks[target][i % len(self.pks[target])]


def _model_values(
    model: type[Model],
    type_key: str,
    i: int,
    functions: Mapping[str, ValueFunction],
    related: Callable[[Any, str, int], Any],
) -> dict[str, Any]:
    """``values_for`` with the configured functions, a relation's value by its attname."""
    values: dict[str, Any] = {}
    for model_field in model._meta.concrete_fields:
        label = f"{model_field.model._meta.label}.{model_field.name}"
        # The type's own model first: a child's factory over its parent's for an inherited field.
        function = functions.get(f"{model._meta.label}.{model_field.name}") or functions.get(label)
        value = NOT_GIVEN if function is None else function(type_key, i)
        if value is not NOT_GIVEN:
            values[model_field.attname] = value
        elif _written(model_field):
            try:
                value = value_for(model_field, type_key, i, related=related)
            except CannotFill as exc:
                if not left_to_django(model_field):
                    raise BadInput(f"{label}: {exc.reason}; {_fix(label)}") from None
                value = model_field.get_default()  # Django's own value, when it has one
            values[model_field.attname] = value
    return values


def study_of_hierarchy(
    hierarchy: Hierarchy,
    functions: Mapping[str, ValueFunction],
    roles: Mapping[str, str] | None = None,
) -> Study:
    """The hierarchy as a study: entity and plural from the base (or the first model), one
    type per model (weight 1), values from the fields; a relation is named by its attname
    (``publisher_id``) and holds the row's primary key, as a fast-path column does."""
    first = hierarchy.base or next(iter(hierarchy.types.values()))
    entity = str(first._meta.verbose_name)
    plural = str(first._meta.verbose_name_plural)
    outside = OutsideRows(hierarchy.outside, functions)
    names = {f.attname for f in hierarchy.common}
    types = tuple(
        EntityType(
            key,
            tuple(f.attname for f in hierarchy.own[key]),
            kinds={f.attname: f.get_internal_type() for f in hierarchy.own[key]},
        )
        for key in hierarchy.types
    )

    def values(type_key: str, i: int) -> dict[str, Any]:
        model = hierarchy.types[type_key]
        wanted = names | {f.attname for f in hierarchy.own[type_key]}
        found = _model_values(model, type_key, i, functions, outside.related)
        chosen = {k: v for k, v in found.items() if k in wanted}
        if hierarchy.shape == POLYMORPHIC:
            # Written by save() too; the bulk and fast paths must set it themselves.
            chosen["polymorphic_ctype_id"] = content_type_id(model)
        return chosen

    kinds = {f.attname: f.get_internal_type() for f in hierarchy.common}
    named = _named_roles(hierarchy, dict(roles or {}))
    study = Study(
        entity=entity,
        plural=plural,
        types=types,
        common=tuple(f.attname for f in hierarchy.common),
        common_kinds=kinds,
        values=values,
        field_models=_abstract_models(hierarchy),
        label=named.get("label") or _label(hierarchy),
        counter=named.get("counter") or _counter(kinds),
        without_counter="" if "counter" in named else _without_counter(hierarchy, kinds),
    )
    object.__setattr__(study, "outside_rows", outside)
    return study


def _named_roles(hierarchy: Hierarchy, roles: dict[str, str]) -> dict[str, str]:
    """The roles named in roadbench.toml, by a field's name or column, every type has."""
    by_name = {f.name: f.attname for f in hierarchy.common} | {
        f.attname: f.attname for f in hierarchy.common
    }
    for role, name in roles.items():
        if name not in by_name:
            fields = ", ".join(f.name for f in hierarchy.common) or "none"
            raise BadInput(
                f"[roles] {role} = {name!r}: {hierarchy.label} has no such field every type "
                f"has; its common fields are {fields}"
            )
        roles[role] = by_name[name]
    _check_named_counter(hierarchy, roles.get("counter"))
    return roles


def _check_named_counter(hierarchy: Hierarchy, attname: str | None) -> None:
    """modify adds 1 to the counter and the checks sum it: a named counter must be a number
    (a text or a date would fail in the middle of a run, in the database's words)."""
    from roadbench.designs.study import NUMBER

    if attname is None:
        return
    named = next(f for f in hierarchy.common if f.attname == attname)
    if named.get_internal_type() not in NUMBER:
        numbers = [f.name for f in hierarchy.common if f.get_internal_type() in NUMBER]
        raise BadInput(
            f"[roles] counter = {named.name!r}: {hierarchy.label}.{named.name} is a "
            f"{named.get_internal_type()}, not a number (modify adds 1 to it, the checks sum "
            f"it); its number fields every type has are {', '.join(numbers) or 'none'}"
        )


def _label(hierarchy: Hierarchy) -> str:
    """The first text field in common that roadbench gives values (one left to its default
    is the same on every entity: its distinct values count nothing), else the study's rule
    (the first text field, or the primary key)."""
    from roadbench.designs.study import TEXT

    texts = [f for f in hierarchy.common if f.get_internal_type() in TEXT]
    return next((f.attname for f in texts if not left_to_django(f)), PRIMARY_KEY)


def _counter(kinds: Mapping[str, str]) -> str:
    """The study's rule takes the first integer in common as the number modify changes and
    checks sum; a hierarchy with none (a price, but no stock) uses its first number of any
    kind (a DecimalField), not nullable ones last."""
    from roadbench.designs.study import INTEGER, NUMBER

    if any(kind in INTEGER for kind in kinds.values()):
        return ""  # the rule's own choice
    return next((name for name, kind in kinds.items() if kind in NUMBER), "")


def _without_counter(hierarchy: Hierarchy, kinds: Mapping[str, str]) -> str:
    """Why the study has no counter (no number every type has), or "" when it has one: the
    reason modify's cases and the range reads give, naming the fields and the fix."""
    from roadbench.designs.study import NUMBER

    if any(kind in NUMBER for kind in kinds.values()):
        return ""
    fields = ", ".join(f.name for f in hierarchy.common) or "none"
    return f"{hierarchy.label} has none (its common fields are {fields}); " + ROLE_FIX.format(
        role="counter"
    )


def outside_rows(study: Study) -> OutsideRows | None:
    return getattr(study, "outside_rows", None)


def check_fillable(hierarchy: Hierarchy, study: Study) -> None:
    """Fail now, with the field and the fix, rather than in the middle of a run: every field
    of every type gets a value (relations aside: their rows come with the session)."""
    outside = outside_rows(study)
    placeholder = OutsideRows((), outside.functions if outside else {})
    for type_key, model in hierarchy.types.items():
        for model_field in model._meta.concrete_fields:
            if model_field.is_relation or left_to_django(model_field) or not _written(model_field):
                continue
            _model_values_one(model, model_field, type_key, placeholder)
    for model in hierarchy.outside:
        if model._meta.auto_created:
            continue
        for model_field in model._meta.concrete_fields:
            if model_field.is_relation or left_to_django(model_field) or not _written(model_field):
                continue
            _model_values_one(model, model_field, "outside", placeholder)
    _check_roles(hierarchy, study)


def _model_values_one(
    model: type[Model], model_field: models.Field, type_key: str, outside: OutsideRows
) -> None:
    label = f"{model_field.model._meta.label}.{model_field.name}"
    if label in outside.functions or f"{model._meta.label}.{model_field.name}" in outside.functions:
        return
    try:
        value_for(model_field, type_key, 0, related=outside.related)
    except CannotFill as exc:
        raise BadInput(f"{label}: {exc.reason}; {_fix(label)}") from None


def _check_roles(hierarchy: Hierarchy, study: Study) -> None:
    """The study's rules (designs.study) want a number field of each type's own: say which
    type has none, in the user's model's words. (A hierarchy with no number every type has
    measures without a counter: the cases that need one are unsupported, saying why.)"""
    for type_key, model in hierarchy.types.items():
        try:
            study.specific_field(type_key)
        except BadInput:
            fields = ", ".join(f.name for f in hierarchy.own[type_key]) or "none"
            raise BadInput(
                f"{{model}} {hierarchy.label}: roadbench's ops need a number field of "
                f"{model._meta.label}'s own; its own fields are {fields}",
                "model",
            ) from None


# --- the same fields as abstract models, for the alternatives ---------------------------------


def _clone(model_field: models.Field) -> models.Field:
    copy = model_field.clone()
    if model_field.is_relation and model_field.remote_field is not None:
        copy.remote_field.related_name = "+"  # no reverse accessors on the user's models
        copy.remote_field.related_query_name = None  # type: ignore[attr-defined]
    copy.primary_key = False
    return copy


def _abstract_models(hierarchy: Hierarchy) -> dict[str, type[Model]]:
    """The common fields and each type's own as abstract models (``study.field_models``),
    from which ``designs.shapes`` builds the alternatives with the same fields."""
    from roadbench.designs.base import APP_LABEL

    def abstract(name: str, fields: tuple[models.Field, ...]) -> type[Model]:
        meta = type("Meta", (), {"abstract": True, "app_label": APP_LABEL})
        attrs: dict[str, Any] = {"__module__": __name__, "Meta": meta}
        attrs.update({f.name: _clone(f) for f in fields})
        return type(name, (models.Model,), attrs)

    prefix = "".join(part.title() for part in hierarchy.label.replace(",", ".").split("."))
    found = {"": abstract(f"{prefix}Common", hierarchy.common)}
    for key, fields in hierarchy.own.items():
        found[key] = abstract(f"{prefix}{key.title()}Own", fields)
    return found


# --- the user's design ----------------------------------------------------------------------


@dataclass(frozen=True)
class UserMultiTable(MultiTableOption):
    """The user's multi-table hierarchy; its foreign keys' rows are made with the session."""

    def prepare_session(self, session: object) -> None:
        rows = outside_rows(self.study)
        if rows is not None:
            rows.make(session)


@dataclass(frozen=True)
class UserPolymorphic(UserMultiTable):
    """Read through django-polymorphic: a query on the base returns each type's instances."""

    def related(self, road_type: str) -> tuple[QuerySet[Any], str] | None:
        """Plain base rows: django-polymorphic would pass the join on to subclass queries."""
        assert self.base_model is not None
        child = self.child_name(road_type)
        manager: Any = self.base_model._default_manager
        return manager.non_polymorphic().filter(**{f"{child}__isnull": False}), child

    def listing_naive(self) -> Listing:
        return self.listing_best()

    def listing_best(self) -> Listing:
        """The base rows in one query, then each type's rows in one query each."""
        assert self.base_model is not None
        return self.subclass_listing(self.base_model._default_manager.all())


@dataclass(frozen=True)
class UserInheritanceManager(UserMultiTable):
    """With django-model-utils' InheritanceManager: select_subclasses() joins every child."""

    def listing_best(self) -> Listing:
        assert self.base_model is not None
        manager: Any = self.base_model._default_manager
        return self.subclass_listing(manager.select_subclasses(*self._children().values()))


@dataclass(frozen=True)
class UserTablePerType(RoadOption):
    """The user's sibling models, a table each."""

    def prepare_session(self, session: object) -> None:
        rows = outside_rows(self.study)
        if rows is not None:
            rows.make(session)


def user_design(
    spec: str,
    number: int = USER_NUMBER,
    key: str = USER_KEY,
    functions: Mapping[str, ValueFunction] | None = None,
    roles: Mapping[str, str] | None = None,
) -> tuple[Hierarchy, RoadOption]:
    """The hierarchy ``spec`` names, and the design that measures it as it is."""
    hierarchy = find_hierarchy(spec)
    study = study_of_hierarchy(
        hierarchy,
        configured_values() if functions is None else functions,
        configured_roles() if roles is None else roles,
    )
    check_fillable(hierarchy, study)
    common: dict[str, Any] = dict(
        number=number,
        key=key,
        study=study,
        type_models=dict(hierarchy.types),
        models=hierarchy.table_models,
        support_models=hierarchy.outside,
        origin=f"--model {hierarchy.label}",
        shown_as=hierarchy.label,
    )
    design: RoadOption
    if hierarchy.base is not None:
        kind = {POLYMORPHIC: UserPolymorphic, INHERITANCE_MANAGER: UserInheritanceManager}
        support = (_content_type_model(),) if hierarchy.shape == POLYMORPHIC else ()
        common["support_models"] = tuple(dict.fromkeys((*support, *hierarchy.outside)))
        design = kind.get(hierarchy.shape, UserMultiTable)(
            name=f"{hierarchy.label} (yours)",
            description=f"{hierarchy.label}, {hierarchy.shape}: {', '.join(hierarchy.types)}",
            base_model=hierarchy.base,
            **common,
        )
    else:
        design = UserTablePerType(
            name=f"{hierarchy.label} (yours)",
            description=f"{hierarchy.label}, a table per type: {', '.join(hierarchy.types)}",
            **common,
        )
    return hierarchy, design


def values_of(model: type[Model], type_key: str, i: int) -> dict[str, Any]:
    """``field_values.values_for`` re-exported for tests of a sample's full_clean()."""
    return values_for(model, type_key, i)


def register_model(spec: str, notify: Callable[[str], None] | None = None) -> RoadOption:
    """The user's design registered under ``USER_NUMBER`` and key ``model`` (replacing one
    registered before in this process), so every op, method, check and output reaches it
    as it reaches roadbench's own designs; the notices (a grandchild, a proxy) are said."""
    from roadbench.designs import OPTIONS

    hierarchy, design = user_design(spec)
    if USER_NUMBER in OPTIONS:
        OPTIONS.unregister(OPTIONS[USER_NUMBER])
    OPTIONS.register(design)
    for notice in hierarchy.notices:
        if notify:
            notify(notice)
    return design


# --- the designs it could have ----------------------------------------------------------------

# The alternatives ``advise`` builds with the hierarchy's fields: (number after the user's,
# key, builder name in designs.shapes).
ALTERNATIVES = (
    (1, "as-single-table", "single_table"),
    (2, "as-table-per-type", "table_per_type"),
    (3, "as-multi-table", "multi_table"),
    (4, "as-json", "json_field"),
    (5, "as-one-to-one", "sibling"),
)

_built: dict[tuple[str, tuple[tuple[str, Any], ...]], tuple[Hierarchy, RoadOption, list[Any]]] = {}


def advice_designs(
    spec: str, functions: Mapping[str, ValueFunction] | None = None
) -> tuple[Hierarchy, RoadOption, list[RoadOption]]:
    """The user's design and the five alternatives with the same fields and the same data
    (one study): models of roadbench's own, made in the throwaway database. Built once per
    process and hierarchy (Django registers a model class once)."""
    from dataclasses import replace

    from roadbench.designs import shapes

    chosen = configured_values() if functions is None else functions
    cache_key = (spec.replace(" ", ""), tuple(sorted(chosen.items())))
    if cache_key not in _built:
        hierarchy, design = user_design(spec, functions=chosen)
        alternatives = [
            replace(
                getattr(shapes, builder)(design.study, number=USER_NUMBER + offset, key=key),
                support_models=hierarchy.outside,
                origin=f"advise {hierarchy.label}",
            )
            for offset, key, builder in ALTERNATIVES
        ]
        _built[cache_key] = (hierarchy, design, alternatives)
    return _built[cache_key]
