"""Django in-process: ``settings.configure()`` once, with roadbench's own settings, or inside
the user's project with its settings module under roadbench's (``database.project``)."""

from __future__ import annotations

from typing import Any


def configure_django(**overrides: Any) -> None:
    """``settings.configure()`` once per process: no project, no settings module, no migrations;
    or the project's (``--settings`` / ``$DJANGO_SETTINGS_MODULE``: ``database.project``).

    ``overrides`` are for the load-test server process (URLs, middleware, its database).
    """
    import django
    from django.conf import settings

    from roadbench.database import project

    if settings.configured:
        return
    module = project.settings_module()
    if module:
        project.configure_project(module, overrides)
        return
    values: dict[str, Any] = {
        "DEBUG": False,
        # contenttypes: the generic-FK and django-polymorphic designs point rows at a ContentType.
        "INSTALLED_APPS": ["django.contrib.contenttypes", "roadbench"],
        # Filled in by ``bench_database``; the dummy engine refuses any use before that.
        "DATABASES": {},
        "USE_TZ": True,
        "TIME_ZONE": "UTC",
        "DEFAULT_AUTO_FIELD": "django.db.models.BigAutoField",
        "CACHES": {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
        "LOGGING_CONFIG": None,
    }
    settings.configure(**{**values, **overrides})
    django.setup()
