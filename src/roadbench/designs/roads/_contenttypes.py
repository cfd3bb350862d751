"""ContentType ids for the designs that store them (generic FK, django-polymorphic).

Django caches ContentType rows per process, but every run gets a new throwaway database
whose django_content_type table starts empty: the cache is cleared on each new connection.
"""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.backends.signals import connection_created
from django.db.models import Model


def _forget(**_kwargs: Any) -> None:
    ContentType.objects.clear_cache()


connection_created.connect(_forget, dispatch_uid="roadbench-contenttypes")


def content_type_id(model: type[Model]) -> int:
    """The model's own ContentType (a proxy's, not its concrete model's), created if missing."""
    return ContentType.objects.get_for_model(model, for_concrete_model=False).pk
