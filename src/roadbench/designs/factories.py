"""Rows of the user's own: a factory per model, and value functions or factories given on the
command line.

A factory is named in ``roadbench.toml`` (``[factories] "app.Model" = "module:Factory"``) or
``[tool.roadbench.factories]`` of pyproject.toml, or with ``--factory app.Model=module:Factory``.
It is either a factory_boy factory (found by what it has, ``build`` and ``_meta.model``:
roadbench imports nothing of factory_boy), whose ``build()`` makes an unsaved instance, or a
plain callable ``factory(type_key, i)`` returning a dict of field values (by name or column)
or a model instance. Its values replace roadbench's for that model's fields; a field it leaves
out (or a foreign key it leaves empty, as ``build()`` leaves a SubFactory's unsaved row) keeps
roadbench's value. Each entity's row is built once, the first time its values are asked for
(the warm-up when there is one, else the first timed run), and kept: the same entity has the
same values whatever the factory's randomness, and later runs read them from memory.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Field, Model

from roadbench.errors import BadInput


class _NotGiven:
    """What a factory's field function returns for a field the factory left to roadbench."""

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Any = _NotGiven()
Fillable = Callable[["Field[Any, Any]"], bool]

# --value and --factory as given (app.Model.field=module:function, app.Model=module:Factory):
# read when the command line is, resolved once Django's apps are ready.
_command_line: dict[str, list[str]] = {"values": [], "factories": []}


def import_target(where: str, target: Any, what: str = "function") -> Any:
    """The object ``module:name`` names, or one line saying why not (``where`` first)."""
    if not isinstance(target, str) or target.count(":") != 1:
        raise BadInput(f"{where}: name a {what} as 'module:{what}'")
    module_name, name = target.split(":")
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # the user's module: any error is theirs, said in one line
        raise BadInput(f"{where}: cannot import {module_name}: {exc}") from None
    found = getattr(module, name, None)
    if found is None:
        raise BadInput(f"{where}: {module_name} has no {what} {name}")
    if not callable(found):
        raise BadInput(f"{where}: {module_name}.{name} is not callable")
    return found


def use_command_line(values: list[str], factories: list[str]) -> None:
    """Keep ``--value`` and ``--factory`` (checked for their shape now, resolved later)."""
    for option, specs, shape in (
        ("--value", values, "app.Model.field=module:function"),
        ("--factory", factories, "app.Model=module:Factory"),
    ):
        for spec in specs:
            label, _, target = spec.partition("=")
            dots = 2 if option == "--value" else 1
            if not target or label.count(".") != dots or target.count(":") != 1:
                raise BadInput(f"{option} {spec!r}: give it as {shape}")
    _command_line["values"] = list(values)
    _command_line["factories"] = list(factories)


def command_line_specs() -> tuple[list[str], list[str]]:
    return list(_command_line["values"]), list(_command_line["factories"])


def command_line_values() -> dict[str, Callable[[str, int], Any]]:
    """``--value`` as ``{"app.Model.field": function}``, the model and field checked."""
    found: dict[str, Callable[[str, int], Any]] = {}
    for spec in _command_line["values"]:
        label, _, target = spec.partition("=")
        model_label, _, name = label.rpartition(".")
        model = _model(model_label, f"--value {spec}")
        if name not in {f.name for f in model._meta.concrete_fields}:
            raise BadInput(f"--value {spec}: {model._meta.label} has no field {name}")
        found[f"{model._meta.label}.{name}"] = import_target(f"--value {spec}", target)
    return found


def command_line_factories(fillable: Fillable) -> dict[str, Callable[[str, int], Any]]:
    found: dict[str, Callable[[str, int], Any]] = {}
    for spec in _command_line["factories"]:
        label, _, target = spec.partition("=")
        found.update(factory_functions(label, target, f"--factory {spec}", fillable))
    return found


def factory_functions(
    label: str, target: Any, where: str, fillable: Fillable
) -> dict[str, Callable[[str, int], Any]]:
    """The factory ``target`` names for model ``label`` as one value function per field it
    may fill (``fillable``: not a key, parent link or generated column), as
    ``{"app.Model.field": function}``, all reading one built row per entity."""
    model = _model(label, where)
    factory = import_target(where, target, "factory")
    meta_model = getattr(getattr(factory, "_meta", None), "model", None)
    if (
        hasattr(factory, "build")
        and isinstance(meta_model, type)
        and not (issubclass(model, meta_model) or issubclass(meta_model, model))
    ):
        raise BadInput(f"{where}: it builds {meta_model.__name__}, not {model._meta.label}")
    rows = FactoryRows(model, factory, where)
    return {
        f"{model._meta.label}.{f.name}": FactoryField(rows, f.attname)
        for f in model._meta.concrete_fields
        if fillable(f)
    }


def _model(label: str, where: str) -> type[Model]:
    from django.apps import apps

    try:
        return apps.get_model(label.strip())
    except (LookupError, ValueError) as exc:
        raise BadInput(f"{where}: {exc} (app_label.ModelName, its app in INSTALLED_APPS)") from None


@dataclass(frozen=True)
class FactoryRows:
    """One model's factory; each entity's row built once and kept."""

    model: type[Model]
    factory: Any
    where: str
    built: dict[tuple[str, int], dict[str, Any]] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )

    def row(self, type_key: str, i: int) -> dict[str, Any]:
        key = (type_key, i)
        if key not in self.built:
            self.built[key] = self._build(type_key, i)
        return self.built[key]

    def _build(self, type_key: str, i: int) -> dict[str, Any]:
        if hasattr(self.factory, "build") and hasattr(self.factory, "_meta"):
            made = self.factory.build()  # factory_boy: an unsaved instance, never saved here
        else:
            made = self.factory(type_key, i)
        if isinstance(made, Model):
            return _instance_values(self.model, made)
        if isinstance(made, Mapping):
            return _mapping_values(self.model, made, self.where)
        raise BadInput(
            f"{self.where}: it returned {type(made).__name__}, not a dict of field values or "
            "a model instance"
        )


@dataclass(frozen=True)
class FactoryField:
    """A field's value from its model's factory (``NOT_GIVEN``: roadbench's own)."""

    rows: FactoryRows
    attname: str

    def __call__(self, type_key: str, i: int) -> Any:
        return self.rows.row(type_key, i).get(self.attname, NOT_GIVEN)


def _instance_values(model: type[Model], made: Model) -> dict[str, Any]:
    """The built instance's field values; a relation only when it names a saved row."""
    values = {}
    for model_field in model._meta.concrete_fields:
        value = getattr(made, model_field.attname, None)
        if model_field.is_relation and value is None:
            continue  # build() leaves a SubFactory's row unsaved: roadbench's rows stand
        values[model_field.attname] = value
    return values


def _mapping_values(model: type[Model], made: Mapping[str, Any], where: str) -> dict[str, Any]:
    """A plain callable's dict, by field name or column; a related instance as its key."""
    by_name = {f.name: f for f in model._meta.concrete_fields} | {
        f.attname: f for f in model._meta.concrete_fields
    }
    values = {}
    for name, value in made.items():
        model_field = by_name.get(name)
        if model_field is None:
            raise BadInput(f"{where}: {model._meta.label} has no field {name}")
        if isinstance(value, Model):
            value = value.pk
        if model_field.is_relation and value is None:
            continue
        values[model_field.attname] = value
    return values
