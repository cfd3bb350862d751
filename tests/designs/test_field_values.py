"""Field values from each field's type and constraints, on real models in real databases.

The models below are the tests' own (app "roadbench", tables ``rbtest_fv_<random>_*``), made
in each test's throwaway database and dropped with it.
"""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal
from typing import Any

import pytest
from django.core.validators import (
    MaxValueValidator,
    MinLengthValidator,
    MinValueValidator,
    RegexValidator,
)
from django.db import models
from django.db.models.fields.files import FieldFile
from django.test.utils import override_settings

from roadbench.database import bench_database, option_tables
from roadbench.designs.field_values import left_to_django, value_for, values_for
from roadbench.errors import BadInput

TYPES = ("book", "ebook")
ENTITIES = (0, 1, 2, 57, 999)
_SUFFIX = secrets.token_hex(3)


def _table(name: str) -> str:
    return f"rbtest_fv_{_SUFFIX}_{name}"


class FvOwner(models.Model):
    """What the foreign keys and one-to-ones point to."""

    label = models.CharField(max_length=40)

    class Meta:
        app_label = "roadbench"
        db_table = _table("owner")


class FvCommon(models.Model):
    title = models.CharField(max_length=60)
    weight = models.DecimalField(max_digits=6, decimal_places=2)
    stock = models.IntegerField()

    class Meta:
        abstract = True
        app_label = "roadbench"


class FvEveryField(FvCommon):
    """Every kind of field, with the constraints roadbench must respect."""

    genre = models.CharField(
        max_length=10,
        choices=[("Fiction", [("novel", "Novel"), ("poem", "Poem")]), ("essay", "Essay")],
    )
    rating = models.PositiveSmallIntegerField(choices=[(1, "one"), (2, "two"), (3, "three")])
    slug = models.SlugField()
    email = models.EmailField()
    site = models.URLField()
    summary = models.TextField()
    code = models.CharField(max_length=12, validators=[RegexValidator(r"^[A-Z0-9]+$")])
    digits = models.CharField(max_length=9, validators=[RegexValidator(r"^\d+$")])
    note = models.CharField(max_length=30, null=True, blank=True)
    long_name = models.CharField(max_length=50, validators=[MinLengthValidator(20)])
    small = models.SmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    positive_small = models.PositiveSmallIntegerField()
    positive = models.PositiveIntegerField()
    big = models.BigIntegerField()
    positive_big = models.PositiveBigIntegerField()
    ratio = models.FloatField(validators=[MinValueValidator(-1.5), MaxValueValidator(2.0)])
    price = models.DecimalField(max_digits=4, decimal_places=3)
    flag = models.BooleanField()
    maybe = models.BooleanField(null=True)
    published = models.DateField()
    seen = models.DateTimeField()
    opens = models.TimeField()
    length = models.DurationField()
    key = models.UUIDField()
    extra = models.JSONField()
    blob = models.BinaryField()
    host = models.GenericIPAddressField()
    host6 = models.GenericIPAddressField(protocol="IPv6")
    attachment = models.FileField(upload_to="files/")
    cover = models.ImageField(upload_to="covers/")
    owner = models.ForeignKey(FvOwner, models.CASCADE)
    # Left to Django: a default, auto_now_add, auto_now.
    status = models.CharField(max_length=10, default="new")
    created = models.DateTimeField(auto_now_add=True)
    changed = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "roadbench"
        db_table = _table("every")


class FvParent(models.Model):
    title = models.CharField(max_length=60)
    weight = models.DecimalField(max_digits=6, decimal_places=2)
    stock = models.IntegerField()

    class Meta:
        app_label = "roadbench"
        db_table = _table("parent")


class FvChild(FvParent):
    """Multi-table inheritance: the parent's fields are filled, the parent link is not."""

    pages = models.PositiveIntegerField()
    partner = models.OneToOneField(FvOwner, models.CASCADE)

    class Meta:
        app_label = "roadbench"
        db_table = _table("child")


class FvUnique(models.Model):
    """Every kind of unique field, a text primary key, unique_together and a UniqueConstraint."""

    code = models.CharField(primary_key=True, max_length=10)
    handle = models.CharField(max_length=6, unique=True)
    slug = models.SlugField(unique=True)
    email = models.EmailField(unique=True)
    site = models.URLField(unique=True)
    number = models.IntegerField(unique=True)
    small = models.SmallIntegerField(unique=True)
    positive_small = models.PositiveSmallIntegerField(unique=True)
    big = models.BigIntegerField(unique=True)
    amount = models.DecimalField(max_digits=6, decimal_places=2, unique=True)
    ratio = models.FloatField(unique=True)
    day = models.DateField(unique=True)
    moment = models.DateTimeField(unique=True)
    clock = models.TimeField(unique=True)
    length = models.DurationField(unique=True)
    key = models.UUIDField(unique=True)
    host = models.GenericIPAddressField(unique=True)
    host6 = models.GenericIPAddressField(protocol="IPv6", unique=True)
    row = models.PositiveIntegerField()
    seat = models.PositiveSmallIntegerField()
    serial = models.BigIntegerField()

    class Meta:
        app_label = "roadbench"
        db_table = _table("unique")
        unique_together = [("row", "seat")]
        constraints = [models.UniqueConstraint(fields=["serial"], name=_table("serial"))]


class FvColourField(models.Field):
    """A custom field type roadbench does not know."""

    def db_type(self, connection: Any) -> str:
        return "varchar(7)"


class FvUnfillable(models.Model):
    """Fields roadbench cannot fill (no table: only values are asked for)."""

    colour = FvColourField()
    plate = models.CharField(max_length=8, validators=[RegexValidator(r"^[A-Z]{2}-\d{4}$")])
    owner = models.ForeignKey(FvOwner, models.CASCADE)
    tiny = models.CharField(max_length=2, unique=True)
    few = models.SmallIntegerField(unique=True, validators=[MaxValueValidator(9)])

    class Meta:
        app_label = "roadbench"
        db_table = _table("unfillable")


TABLES = [FvOwner, FvEveryField, FvParent, FvChild, FvUnique]


def _filled(model: type[models.Model]) -> list[Any]:
    return [f for f in model._meta.concrete_fields if not left_to_django(f)]


FIELDS = [
    pytest.param(field, id=f"{model.__name__}.{field.name}-{type(field).__name__}")
    for model in (FvEveryField, FvChild, FvUnique)
    for field in _filled(model)
    if not field.is_relation
]


def _comparable(value: Any) -> Any:
    """A generated or read value as the other side has it: a row by its key, bytes as bytes
    (PostgreSQL reads a memoryview), a file by its name."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, memoryview):
        return bytes(value)
    if isinstance(value, FieldFile):
        return value.name
    return value


@pytest.mark.parametrize("field", FIELDS)
def test_each_field_gets_a_valid_value_that_varies_with_i(field):
    for type_key in TYPES:
        values = [value_for(field, type_key, i) for i in ENTITIES]
        for value in values:
            field.clean(value, None)  # to_python, choices, null and blank, every validator
            if isinstance(value, str | bytes) and field.max_length is not None:
                assert len(value) <= field.max_length
        assert len({repr(v) for v in values}) > 1, values


@pytest.mark.parametrize("field", FIELDS)
def test_the_same_call_gives_the_same_value(field):
    assert [value_for(field, "book", i) for i in ENTITIES] == [
        value_for(field, "book", i) for i in ENTITIES
    ]


def test_values_for_fills_every_field_but_those_django_fills():
    owner = FvOwner(pk=1)
    values = values_for(FvEveryField, "book", 0, related=lambda f, t, i: owner)
    expected = {f.name for f in FvEveryField._meta.concrete_fields}
    assert set(values) == expected - {"id", "status", "created", "changed"}
    assert values["owner"] is owner
    # The parent's fields, but not the parent link (nor the parent's id).
    child = values_for(FvChild, "book", 0, related=lambda f, t, i: owner)
    assert set(child) == {"title", "weight", "stock", "pages", "partner"}


def test_the_same_field_name_gives_the_same_value_in_two_models():
    owner = FvOwner(pk=1)
    for type_key in TYPES:
        for i in ENTITIES:
            every = values_for(FvEveryField, type_key, i, related=lambda f, t, n: owner)
            child = values_for(FvChild, type_key, i, related=lambda f, t, n: owner)
            unique = values_for(FvUnique, type_key, i)
            for name in ("title", "weight", "stock"):  # abstract base / concrete parent
                assert every[name] == child[name], name
            for name in ("slug", "email", "site", "key"):  # texts: unique or not, the same
                assert every[name] == unique[name], name
    assert values_for(FvParent, "book", 3) != values_for(FvParent, "ebook", 3)


NUMBERS = ["stock", "weight", "positive_small", "positive", "big", "positive_big", "price"]


@pytest.mark.parametrize("name", NUMBERS)
def test_numbers_that_need_not_be_unique_cycle_through_a_small_range(name):
    field = FvEveryField._meta.get_field(name)
    values = [value_for(field, "book", i) for i in range(1000)]
    assert all(0 <= v < 100 for v in values), (min(values), max(values))
    assert 10 <= len(set(values)) < 1000


def test_choices_cycle_through_every_value_grouped_ones_too():
    genre = FvEveryField._meta.get_field("genre")
    rating = FvEveryField._meta.get_field("rating")
    assert {value_for(genre, "book", i) for i in range(6)} == {"novel", "poem", "essay"}
    assert {value_for(rating, "ebook", i) for i in range(6)} == {1, 2, 3}


def test_datetimes_are_aware_only_under_use_tz():
    seen = FvEveryField._meta.get_field("seen")
    assert value_for(seen, "book", 5).tzinfo == dt.UTC
    with override_settings(USE_TZ=False):
        assert value_for(seen, "book", 5).tzinfo is None


def test_overrides_take_precedence_constants_and_callables():
    owner = FvOwner(pk=1)
    values = values_for(
        FvEveryField,
        "book",
        4,
        overrides={"title": "Dune", "stock": lambda t, i: i * 10, "status": "sold"},
        related=lambda f, t, i: owner,
    )
    assert (values["title"], values["stock"], values["status"]) == ("Dune", 40, "sold")
    assert values["weight"] == values_for(FvParent, "book", 4)["weight"]


def test_an_override_naming_no_field_is_refused_in_one_line():
    with pytest.raises(BadInput) as excinfo:
        values_for(FvParent, "book", 0, overrides={"titel": "x"})
    message = str(excinfo.value)
    assert "\n" not in message
    assert message.startswith("roadbench.FvParent: overrides name titel, which it does not have")


UNFILLABLE = [
    pytest.param("colour", 0, "roadbench does not know how to fill a FvColourField", id="custom"),
    pytest.param(
        "plate",
        0,
        r"every value roadbench makes fails its RegexValidator '^[A-Z]{2}-\d{4}$'",
        id="regex",
    ),
    pytest.param(
        "owner", 0, "it points to roadbench.FvOwner and no related row was given", id="no-related"
    ),
    pytest.param("tiny", 0, "no value roadbench makes fits its lengths 0 to 2", id="max-length"),
    pytest.param("few", 10, "it is unique and its range holds 10 values a type, not 11", id="full"),
]


@pytest.mark.parametrize(("name", "i", "reason"), UNFILLABLE)
def test_a_field_roadbench_cannot_fill_is_named_in_one_line_with_the_fix(name, i, reason):
    with pytest.raises(BadInput) as excinfo:
        value_for(FvUnfillable._meta.get_field(name), "book", i)
    assert excinfo.value.exit_code == 2
    assert str(excinfo.value) == (
        f"roadbench.FvUnfillable.{name}: {reason}; give it a value: "
        f"overrides={{'{name}': callable(type, i) or constant}}"
    )
    # values_for says the same, and the override it suggests fills the field.
    fixes: dict[str, Any] = {
        "colour": "#00ff00",
        "plate": lambda t, n: f"AB-{n:04d}",
        "owner": FvOwner(pk=1),
        "tiny": lambda t, n: str(n),
        "few": lambda t, n: n - 9,
    }
    with pytest.raises(BadInput, match=f"^roadbench.FvUnfillable.{name}: "):
        values_for(FvUnfillable, "book", i, overrides={k: v for k, v in fixes.items() if k != name})
    values = values_for(FvUnfillable, "book", i, overrides=fixes)
    assert values["plate"] == f"AB-{i:04d}"
    assert set(values) == set(fixes)


def _saved_with_its_rows(model: type[models.Model], type_key: str, i: int) -> dict[str, Any]:
    """Entity i of the type saved as ``model`` (after full_clean) with the owner it points to;
    its generated values."""
    owner = FvOwner.objects.create(**values_for(FvOwner, type_key, i))
    values = values_for(model, type_key, i, related=lambda f, t, n: owner)
    instance = model(**values)
    instance.full_clean()
    instance.save()
    stored = model.objects.get(pk=instance.pk)
    for name, value in values.items():
        assert _comparable(getattr(stored, name)) == _comparable(value), (model, name)
    return values


def test_instances_pass_full_clean_save_and_read_back_equal(database_url):
    with bench_database(database_url), option_tables(TABLES):
        for type_key in TYPES:
            for i in ENTITIES:
                for model in (FvEveryField, FvChild, FvUnique):
                    _saved_with_its_rows(model, type_key, i)
        assert FvEveryField.objects.count() == len(TYPES) * len(ENTITIES)
        assert set(FvEveryField.objects.values_list("status", flat=True)) == {"new"}
        assert FvEveryField.objects.filter(created__isnull=True).count() == 0
        # The values are what value_for gives, Decimal places and all.
        parent = FvParent._meta
        stored = FvEveryField.objects.get(title=value_for(parent.get_field("title"), "ebook", 57))
        assert stored.weight == value_for(parent.get_field("weight"), "ebook", 57)
        assert isinstance(stored.weight, Decimal)


def test_unique_fields_stay_unique_over_1000_entities_of_each_type(database_url):
    rows = [values_for(FvUnique, t, i) for t in TYPES for i in range(1000)]
    unique = [f.name for f in FvUnique._meta.concrete_fields]
    for name in unique:
        assert len({repr(row[name]) for row in rows}) == len(rows), name
    with bench_database(database_url), option_tables(TABLES):
        # As a single-table design stores them: every type in one table.
        FvUnique.objects.bulk_create([FvUnique(**row) for row in rows], batch_size=500)
        assert FvUnique.objects.count() == 2000
        assert FvUnique.objects.values("number").distinct().count() == 2000
