"""Values for a Django model's fields, made from each field's type and constraints.

Entity ``i`` of a type gets, for a field of a given name and definition, the same value in
every model that has it, so the designs of one declaration store the same data and compare.
Numbers, dates and choices cycle through a small range (sums stay small) unless the field is
unique (``unique``, a primary key, ``unique_together`` or a ``UniqueConstraint``); texts,
UUIDs and addresses carry the type and ``i``, so they differ anyway. Unique numbers of two
types stay apart by a block of the field's range per type, picked by a hash of the type's key:
in a small range (a SmallIntegerField has 16 blocks) two types may share a block, and an
override then sets them apart.

Not factory_boy or Faker: their values come from a random generator (seeded, they still change
with the library's version and with the order of calls), a model's constraints would have to be
declared to them again by hand, and they would be new dependencies. Here a value is a pure
function of the field, the type and ``i``.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import math
import uuid
import zlib
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core import validators
from django.core.exceptions import ValidationError
from django.db import models
from django.db.backends.base.operations import BaseDatabaseOperations
from django.utils.text import slugify

from roadbench.errors import BadInput

# related(field, type_key, i) -> the row a foreign key or one-to-one of entity i points to.
Related = Callable[[Any, str, int], Any]

_NAMESPACE = uuid.UUID("8a3c1f52-6f0e-4d5b-9a57-3f1f2e6b7c01")  # fixed: same UUIDs every run
_EPOCH = dt.datetime(2000, 1, 1)
# Unique numbers stay within 2**31 of their start: SQLite's SUM overflows past 64 bits.
_WINDOW = 2**31 - 1
_CYCLE = 100  # non-unique numbers take this many values (in whole units)
_MAX_BLOCKS = 1024  # per-type blocks a unique field's range is cut into


def values_for(
    model: type[models.Model],
    type_key: str,
    i: int,
    *,
    overrides: Mapping[str, Any] | None = None,
    related: Related | None = None,
) -> dict[str, Any]:
    """The constructor kwargs of entity ``i`` of ``type_key`` as a ``model`` instance.

    Every concrete field, inherited ones too, but those Django or the database fill (auto
    primary keys, parent links, defaults, ``auto_now(_add)``, generated columns). Fields with
    ``editable=False`` are filled (a BinaryField is one): the column still needs a value.
    ``overrides`` maps a field's name to a constant or a ``callable(type_key, i)``; it wins,
    also over a field left to Django.
    """
    given = dict(overrides or {})
    fields = model._meta.concrete_fields
    unknown = sorted(set(given) - {f.name for f in fields})
    if unknown:
        raise BadInput(
            f"{model._meta.label}: overrides name {', '.join(unknown)}, which it does not have; "
            f"its fields: {', '.join(f.name for f in fields)}"
        )
    values: dict[str, Any] = {}
    for field in fields:
        if field.name in given:
            value = given[field.name]
            values[field.name] = value(type_key, i) if callable(value) else value
        elif not left_to_django(field):
            values[field.name] = value_for(field, type_key, i, related=related)
    return values


def left_to_django(field: models.Field) -> bool:
    """Whether Django or the database gives ``field`` its value when none is given."""
    return bool(
        isinstance(field, models.AutoField)
        or (field.remote_field is not None and getattr(field.remote_field, "parent_link", False))
        or field.has_default()
        or field.has_db_default()
        or getattr(field, "auto_now", False)
        or getattr(field, "auto_now_add", False)
        or getattr(field, "generated", False)
    )


def value_for(field: models.Field, type_key: str, i: int, *, related: Related | None = None) -> Any:
    """The value of ``field`` for entity ``i`` (>= 0) of ``type_key``; a foreign key or
    one-to-one asks ``related``. Raises ``BadInput`` naming the field when it cannot."""
    if i < 0:
        raise ValueError(f"entity numbers start at 0, not {i}")
    if field.is_relation:
        if related is None:
            target = field.related_model._meta.label
            raise _cannot(field, f"it points to {target} and no related row was given")
        return related(field, type_key, i)
    if field.choices:
        options = [value for value, _label in field.flatchoices]
        if not is_unique(field):
            return _checked(field, options[(_crc(field.name) + i) % len(options)])
        if i >= len(options):
            raise _cannot(field, f"it is unique with {len(options)} choices, too few for {i + 1}")
        return _checked(field, options[i])
    for kind, make in _MAKERS:
        if isinstance(field, kind):
            return _checked(field, make(field, type_key, i))
    if isinstance(field, _TEXT_KINDS):
        return _text(field, type_key, i)
    raise _cannot(field, f"roadbench does not know how to fill a {type(field).__name__}")


def is_unique(field: models.Field) -> bool:
    """Unique by itself, as a primary key, or in a ``unique_together`` or ``UniqueConstraint``
    (each field of one made unique keeps the whole unique)."""
    meta = field.model._meta
    groups = [*meta.unique_together]
    groups += [c.fields for c in meta.constraints if isinstance(c, models.UniqueConstraint)]
    return bool(field.unique) or any(field.name in group for group in groups)


class CannotFill(BadInput):
    """A field roadbench cannot fill: which one, and why (callers word the fix their way)."""

    def __init__(self, field: models.Field, reason: str) -> None:
        self.field = field
        self.reason = " ".join(reason.split())
        super().__init__(
            f"{field.model._meta.label}.{field.name}: {self.reason}; give it a value: "
            f"overrides={{'{field.name}': callable(type, i) or constant}}"
        )


def _cannot(field: models.Field, reason: str) -> CannotFill:
    # BadInput (exit 2), not Unsupported (exit 4): a field of the user's design that roadbench
    # cannot fill is input to correct with a value, not a case to skip and show as
    # "unsupported" beside the others, which would hide it.
    return CannotFill(field, reason)


def _crc(text: str) -> int:
    """A hash that is the same in every process (``hash()`` of a str is not)."""
    return zlib.crc32(text.encode())


def _number(field: models.Field, type_key: str, i: int, lo: int, hi: int, cycle: int) -> int:
    """An integer in [lo, hi]: from 0 (or the bound nearest it), cycling through ``cycle``
    values, or unique per (type, i) in the type's block of the range."""
    base = 0 if lo <= 0 <= hi else lo
    size = min(hi, base + _WINDOW) - base + 1
    if size <= 0:
        raise _cannot(field, f"its validators leave no value between {lo} and {hi}")
    if not is_unique(field):
        return base + (_crc(field.name) + i) % min(size, cycle)
    span = max(min(size, 2048), size // _MAX_BLOCKS)
    if i >= span:
        raise _cannot(field, f"it is unique and its range holds {span} values a type, not {i + 1}")
    return base + (_crc(type_key) % (size // span)) * span + i


def _limits(field: models.Field) -> tuple[Any, Any, int, int | None]:
    """The Min/MaxValueValidator and Min/MaxLengthValidator limits of ``field`` (None: none)."""
    low = high = max_len = None
    min_len = 0
    for validator in field.validators:
        limit: Any = getattr(validator, "limit_value", None)
        limit = limit() if callable(limit) else limit
        if isinstance(validator, validators.MinValueValidator):
            low = limit if low is None else max(low, limit)
        elif isinstance(validator, validators.MaxValueValidator):
            high = limit if high is None else min(high, limit)
        elif isinstance(validator, validators.MinLengthValidator):
            min_len = max(min_len, limit)
        elif isinstance(validator, validators.MaxLengthValidator):
            max_len = limit if max_len is None else min(max_len, limit)
    if field.max_length is not None:
        max_len = field.max_length if max_len is None else min(max_len, field.max_length)
    return low, high, min_len, max_len


def _scaled(field: models.Field, type_key: str, i: int, lo: int, hi: int, unit: Decimal) -> int:
    """``_number`` for a field whose value is a count of ``unit``s, within its validators."""
    low, high, _, _ = _limits(field)
    if low is not None:
        lo = max(lo, math.ceil(Decimal(str(low)) / unit))
    if high is not None:
        hi = min(hi, math.floor(Decimal(str(high)) / unit))
    return _number(field, type_key, i, lo, hi, math.ceil(_CYCLE / unit))


def _integer(field: models.Field, type_key: str, i: int) -> int:
    # Django's own ranges, not the connection's: SQLite's are wider, and the values must fit
    # every database.
    ranges = BaseDatabaseOperations.integer_field_ranges
    lo, hi = ranges.get(field.get_internal_type(), ranges["BigIntegerField"])
    return _scaled(field, type_key, i, lo, hi, Decimal(1))


def _decimal(field: models.Field, type_key: str, i: int) -> Decimal:
    # Quarters (halves, units) as floats have: values that read well, 400 of them below 100.
    unit = Decimal((1, 0.5, 0.25)[min(field.decimal_places, 2)])
    largest = Decimal(10) ** (field.max_digits - field.decimal_places)
    top = math.floor((largest - Decimal(1).scaleb(-field.decimal_places)) / unit)
    return _scaled(field, type_key, i, -top, top, unit) * unit


def _float(field: models.Field, type_key: str, i: int) -> float:
    # Quarters: exact in binary, so every database reads back the value written.
    return _scaled(field, type_key, i, -(2**53), 2**53, Decimal("0.25")) / 4


def _moment(field: models.Field, type_key: str, i: int) -> Any:
    if isinstance(field, models.DateTimeField):  # hours from 2000, over ten years
        last = (dt.datetime.max - _EPOCH) // dt.timedelta(hours=1)
        hours = _number(field, type_key, i, 0, last, 87_660)
        moment = _EPOCH + dt.timedelta(hours=hours)
        return moment.replace(tzinfo=dt.UTC) if settings.USE_TZ else moment
    if isinstance(field, models.DateField):  # days from 2000, over ten years
        days = _number(field, type_key, i, 0, (dt.date.max - _EPOCH.date()).days, 3_653)
        return _EPOCH.date() + dt.timedelta(days=days)
    if isinstance(field, models.TimeField):  # seconds of the day
        seconds = _number(field, type_key, i, 0, 86_399, 86_400)
        return dt.time(seconds // 3600, seconds // 60 % 60, seconds % 60)
    return dt.timedelta(seconds=_number(field, type_key, i, 0, _WINDOW, 3_600))  # duration


def _address(field: models.Field, type_key: str, i: int) -> str:
    if field.protocol.lower() == "ipv6":
        n = _number(field, type_key, i, 0, _WINDOW, 2**24)
        return ipaddress.IPv6Address((0xFD00 << 112) | n).compressed
    n = _number(field, type_key, i, 0, 2**24 - 1, 2**24)
    return f"10.{n >> 16}.{n >> 8 & 255}.{n & 255}"


_MAKERS: list[tuple[type[Any], Callable[[Any, str, int], Any]]] = [
    (models.UUIDField, lambda f, t, i: uuid.uuid5(_NAMESPACE, f"{f.name}/{t}/{i}")),
    (models.JSONField, lambda f, t, i: {"type": t, "i": i, "field": f.name}),
    (models.BooleanField, lambda f, t, i: bool(_number(f, t, i, 0, 1, 2))),
    (models.DecimalField, _decimal),
    (models.FloatField, _float),
    (models.IntegerField, _integer),
    (models.DateField, _moment),  # and DateTimeField, its subclass
    (models.TimeField, _moment),
    (models.DurationField, _moment),
    (models.GenericIPAddressField, _address),
]
_TEXT_KINDS = (models.CharField, models.TextField, models.FileField, models.BinaryField)


def _checked(field: models.Field, value: Any) -> Any:
    failure = _failure(field, value)
    if failure:
        raise _cannot(field, f"the value roadbench makes, {value!r}, fails its {failure}")
    return value


def _failure(field: models.Field, value: Any) -> str | None:
    """The validator that rejects ``value`` (named, a RegexValidator with its pattern), or None."""
    for validator in field.validators:
        try:
            validator(value)
        except ValidationError as exc:
            if isinstance(validator, validators.RegexValidator):
                return f"RegexValidator '{validator.regex.pattern}'"
            return f"{type(validator).__name__} ({' '.join(exc.messages)})"
    return None


def _digits(n: int, alphabet: str, width: int = 1) -> str:
    out = ""
    while n or len(out) < width:
        n, digit = divmod(n, len(alphabet))
        out = alphabet[digit] + out
    return out


_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _upper(form: tuple[str, str, str, str]) -> tuple[str, str, str, str]:
    head, digits, tail, pad = form
    return head.upper(), digits.upper(), tail.upper(), pad.upper()


def _text(field: models.Field, type_key: str, i: int) -> str | bytes:
    """The first form that fits the field's lengths and passes its validators. A form is
    (head, i's digits, tail, pad): a short one gets pad digits before i's, which keeps it
    unique (only a value below the width starts with a pad digit)."""
    _, _, min_len, max_len = _limits(field)
    name, kind, code = slugify(field.name) or "f", slugify(type_key), _crc(type_key)
    tag = _digits(code % 36**2, _BASE36, 2)  # the type in two characters (1 in 1296 shared)
    kind = kind or tag
    b36 = _digits(i, _BASE36)
    compact = (tag, b36, "", "0")
    if isinstance(field, models.EmailField):
        forms = [(f"{name}.{kind}.", str(i), "@example.com", "0"), (tag, b36, "@a.io", "0")]
    elif isinstance(field, models.URLField):
        forms = [(f"https://example.com/{name}/{kind}/", str(i), "", "0")]
        forms.append((f"https://a.io/{tag}", b36, "", "0"))
    elif isinstance(field, models.SlugField):
        forms = [(f"{kind}-{name}-", str(i), "", "0"), compact]
    elif isinstance(field, models.FileField):
        suffix = ".png" if isinstance(field, models.ImageField) else ".txt"
        forms = [(f"{name}/{kind}-", str(i), suffix, "0"), compact]
    else:  # plain text; the last forms are for a RegexValidator wanting digits or letters
        letters = (_digits(code % 26**2, _LETTERS, 2), _digits(i, _LETTERS), "", "a")
        forms = [(f"{type_key} {field.name} ", str(i), "", "0"), compact]
        forms += [_upper(compact), (str(code % 900 + 100), str(i), "", "0")]
        forms += [letters, _upper(letters)]
    values = []
    for head, digits, tail, pad in forms:
        width = max(len(digits), min_len - len(head) - len(tail))
        values.append(head + digits.rjust(width, pad) + tail)
    if not is_unique(field) and max_len:  # any value will do: cut one short
        values.append(values[1][:max_len])
    fitting = [v for v in values if min_len <= len(v) <= (max_len or len(v))]
    if not fitting:
        raise _cannot(field, f"no value roadbench makes fits its lengths {min_len} to {max_len}")
    binary = isinstance(field, models.BinaryField)
    failures = []
    for text in fitting:
        value = text.encode() if binary else text
        failure = _failure(field, value)
        if failure is None:
            return value
        failures.append(failure)
    named = [f for f in failures if f.startswith("RegexValidator")]  # the likeliest culprit
    raise _cannot(field, f"every value roadbench makes fails its {(named or failures)[0]}")
