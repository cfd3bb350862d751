"""Running inside the user's Django project: its settings, apps and models, in a test database.

``roadbench --settings mysite.settings`` (or ``$DJANGO_SETTINGS_MODULE``, as django-admin
takes them; ``--pythonpath DIR`` puts DIR first on the path) sets Django up from the project's
settings module instead of roadbench's own, with a few settings replaced so that nothing the
project points at is ever written to:

- ``DATABASES`` holds no database of the project's: the only connection Django has is the
  throwaway test database (no router, no other alias can reach a real one);
- ``CACHES`` is an in-process cache, ``EMAIL_BACKEND`` Django's in-memory one (as Django's test
  runner sets it), ``LOGGING_CONFIG`` off (the project's log files are not written), ``DEBUG``
  off (no query log: it would count in the timings);
- ``INSTALLED_APPS`` gains ``roadbench`` (and ``django.contrib.contenttypes``, which some of
  roadbench's designs point at) when the project lacks them.

The test database is named as Django's test runner names it: ``TEST['NAME']``, else ``test_``
and the database's ``NAME``; on SQLite it is a new file in a temporary directory of roadbench's
own. roadbench creates it itself, marked and locked as its own throwaway databases are (so
``cleanup`` knows it and a second run cannot take it), never over an existing database, and
runs the project's migrations in it with Django's ``create_test_db``.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from roadbench.config import PROJECT_DIRECTORY_VAR
from roadbench.database.urls import SUPPORTED_ENGINES, DatabaseURL
from roadbench.errors import BadInput, DatabaseUnavailable

SETTINGS_VAR = "DJANGO_SETTINGS_MODULE"
# A migrated app without migrations: the project's ``migrate`` makes none of roadbench's tables
# (roadbench creates its designs' tables itself, and drops them, as outside a project).
NO_MIGRATIONS = "roadbench.database.no_migrations"
# Engines of the GIS backends, which are the plain ones underneath.
GIS_ENGINES = {
    "django.contrib.gis.db.backends.spatialite": "sqlite",
    "django.contrib.gis.db.backends.postgis": "postgresql",
    "django.contrib.gis.db.backends.mysql": "mysql",
}
# What roadbench names a test database it makes: the characters every server quotes alike.
TEST_NAME = re.compile(r"[A-Za-z0-9_$.-]{1,63}")


_given = {"by": SETTINGS_VAR}  # how the module was named: for the error lines
_project: list[Any] = []  # the project's settings, once configured


def use_project(settings_module: str | None, pythonpath: str | None) -> None:
    """The CLI's ``--settings`` and ``--pythonpath``: for this process and its children (the
    environment carries them, as it carries ``$DJANGO_SETTINGS_MODULE``)."""
    if pythonpath is not None:
        directory = os.path.abspath(pythonpath)
        if not os.path.isdir(directory):
            raise BadInput(f"--pythonpath {pythonpath}: no such directory")
        sys.path.insert(0, directory)
        _given["pythonpath"] = pythonpath
        os.environ["PYTHONPATH"] = os.pathsep.join(
            [directory, *filter(None, [os.environ.get("PYTHONPATH")])]
        )
    if settings_module is not None:
        if not settings_module.strip():
            raise BadInput("--settings is empty; give a settings module such as mysite.settings")
        os.environ[SETTINGS_VAR] = settings_module
        _given["by"] = "--settings"
        if pythonpath is not None:
            os.environ[PROJECT_DIRECTORY_VAR] = os.path.abspath(pythonpath)


def project_flags() -> list[str]:
    """``--pythonpath DIR --settings MODULE`` as this command was given them (those given by
    the environment carry over by themselves): for a hint naming a command to run next."""
    flags = ["--pythonpath", _given["pythonpath"]] if "pythonpath" in _given else []
    module = settings_module()
    if _given["by"] == "--settings" and module:
        flags += ["--settings", module]
    return flags


def settings_module() -> str | None:
    """The project's settings module, if roadbench runs inside a project."""
    return os.environ.get(SETTINGS_VAR) or None


def _where(module: str) -> str:
    if _given["by"] == "--settings":
        return f"--settings {module}"
    return f"${SETTINGS_VAR}={module}"


def load_settings(module: str) -> Any:
    """The project's settings, read as Django reads a settings module (its defaults under it);
    any failure is one line naming the module."""
    from django.conf import Settings

    try:
        return Settings(module)
    except ModuleNotFoundError as exc:
        if exc.name and (module == exc.name or module.startswith(exc.name + ".")):
            raise BadInput(
                f"{_where(module)}: no module named {exc.name!r} "
                "(--pythonpath DIR puts the project's directory on the path)"
            ) from None
        raise BadInput(f"{_where(module)}: importing it failed: {_one_line(exc)}") from None
    except Exception as exc:
        raise BadInput(f"{_where(module)}: importing it failed: {_one_line(exc)}") from None


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or "no message"
    return f"{type(exc).__name__}: {text}"


def django_settings(project: Any) -> dict[str, Any]:
    """What roadbench puts over the project's settings (see the module's docstring)."""
    apps = list(project.INSTALLED_APPS)
    for needed in ("django.contrib.contenttypes", "roadbench"):
        # As a module or as an AppConfig path (django.contrib.contenttypes.apps.Content...).
        if not any(app == needed or app.startswith(needed + ".") for app in apps):
            apps.append(needed)
    return {
        "INSTALLED_APPS": apps,
        "DATABASES": {},
        "DATABASE_ROUTERS": [],
        "CACHES": {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "LOGGING_CONFIG": None,
        "DEBUG": False,
        "MIGRATION_MODULES": {**dict(project.MIGRATION_MODULES), "roadbench": NO_MIGRATIONS},
    }


def configure_project(module: str, overrides: dict[str, Any]) -> None:
    """``settings.configure()`` with the project's settings under roadbench's, then Django's
    set-up (the project's apps and models); a failure is one line."""
    import django
    from django.conf import settings

    project = load_settings(module)
    _project.append(project)
    settings.configure(default_settings=project, **{**django_settings(project), **overrides})
    try:
        django.setup()
    except Exception as exc:
        raise BadInput(f"{_where(module)}: Django's set-up failed: {_one_line(exc)}") from None


# --- the project's database and its test database ------------------------------------------


@dataclass(frozen=True)
class ProjectDatabaseURL(DatabaseURL):
    """The project's database (or ``--database``'s) as roadbench shows it."""

    label: str = ""
    given: bool = False  # --database's (or $ROADBENCH_DATABASE_URL's), not the project's own

    @property
    def masked(self) -> str:
        return self.label


def _vendor(engine: str) -> str:
    vendor = SUPPORTED_ENGINES.get(engine) or GIS_ENGINES.get(engine)
    if vendor:
        return vendor
    try:
        from django.db.utils import load_backend

        vendor = str(load_backend(engine).DatabaseWrapper.vendor)
    except Exception as exc:
        raise BadInput(f"DATABASES['default'] ENGINE {engine!r}: {_one_line(exc)}") from None
    if vendor not in ("sqlite", "postgresql", "mysql"):
        raise BadInput(
            f"DATABASES['default'] is {vendor} ({engine}); roadbench runs on SQLite, PostgreSQL "
            "and MySQL/MariaDB: give --database URL"
        )
    return vendor


def project_database(url: DatabaseURL | None = None) -> ProjectDatabaseURL:
    """The database the project's test database is made beside: ``--database``'s (``url``),
    else the project's ``DATABASES['default']``."""
    module = settings_module() or ""
    if url is not None and not url.embedded:
        return ProjectDatabaseURL(
            url.raw, dict(url.config), url.vendor, label=url.masked, given=True
        )
    databases = _project[-1].DATABASES
    if "default" not in databases:
        raise BadInput(f"{module} has no DATABASES['default']; give --database URL")
    config = dict(databases["default"])
    vendor = _vendor(str(config.get("ENGINE") or ""))
    name = str(config.get("NAME") or "")
    if vendor == "sqlite":
        label = f"sqlite:///{name} ({module})"
    else:
        host = config.get("HOST") or "localhost"
        port = f":{config['PORT']}" if config.get("PORT") else ""
        user = f"{config['USER']}@" if config.get("USER") else ""
        label = f"{vendor}://{user}{host}{port}/{name} ({module})"
    return ProjectDatabaseURL(label, config, vendor, label=label)


def configured_names() -> list[tuple[str, str]]:
    """Each (alias, NAME) of the project's DATABASES: what roadbench never writes to."""
    return [(alias, str(cfg.get("NAME") or "")) for alias, cfg in _project[-1].DATABASES.items()]


def test_database_name(parsed: ProjectDatabaseURL) -> str:
    """The test database's name as Django's test runner would make it (on SQLite: ``TEST['NAME']``,
    or ``:memory:``), refused (bad input, before anything is made) where it would be one of the
    databases the project is configured with (``--database``'s, with it)."""
    name = str(parsed.config.get("NAME") or "")
    test = str((parsed.config.get("TEST") or {}).get("NAME") or "")
    test = test or (":memory:" if parsed.vendor == "sqlite" else f"test_{name}")
    # With --database, the project's own databases are on another server, or not used at all.
    real = [("default", name)] if parsed.given else configured_names()
    same = _same_database(parsed.vendor)
    for alias, database in real:
        if database and same(test, database):
            where = "--database's" if parsed.given else f"DATABASES[{alias!r}]'s"
            raise BadInput(
                f"refusing to run: the test database {test!r} would be {where} own database; "
                "set DATABASES['default']['TEST']['NAME'] to another name"
            )
    if parsed.vendor != "sqlite" and not TEST_NAME.fullmatch(test):
        raise BadInput(
            f"roadbench makes test databases with names of letters, digits and _ $ . - "
            f"(at most 63), not {test!r}: set DATABASES['default']['TEST']['NAME']"
        )
    return test


# The TEST settings Django's test runner creates a test database with, by vendor: PostgreSQL
# takes CHARSET (ENCODING) and TEMPLATE, MySQL CHARSET and COLLATION (``DatabaseCreation.
# sql_table_creation_suffix`` of each backend); SQLite none (the file is roadbench's own).
CREATION_SETTINGS = {"postgresql": ("CHARSET", "TEMPLATE"), "mysql": ("CHARSET", "COLLATION")}
# What roadbench writes into CREATE DATABASE of them: names of encodings, collations and
# databases, nothing that needs quoting.
CREATION_WORD = re.compile(r"[A-Za-z0-9_.-]{1,64}")


def test_creation(parsed: ProjectDatabaseURL) -> dict[str, str]:
    """``DATABASES['default']['TEST']``'s CHARSET, COLLATION and TEMPLATE, those the vendor's
    test database is created with, as Django's test runner creates it: on PostgreSQL a
    COLLATION is refused as Django refuses it (ImproperlyConfigured); a setting the vendor's
    Django backend does not use is not used either. Refused (bad input) before anything is
    made."""
    test = parsed.config.get("TEST") or {}
    if parsed.vendor == "postgresql" and test.get("COLLATION") is not None:
        raise BadInput(
            "DATABASES['default']['TEST']['COLLATION']: PostgreSQL does not support a collation "
            "at database creation time (Django's test runner refuses it too); remove it, or "
            "give the collation to a TEMPLATE database"
        )
    chosen = {
        key: str(test[key]) for key in CREATION_SETTINGS.get(parsed.vendor, ()) if test.get(key)
    }
    for key, value in chosen.items():
        if not CREATION_WORD.fullmatch(value):
            raise BadInput(
                f"DATABASES['default']['TEST'][{key!r}] {value!r}: roadbench takes a name of "
                "letters, digits and _ . - (at most 64)"
            )
    return chosen


def _same_database(vendor: str) -> Any:
    if vendor != "sqlite":
        return lambda a, b: a == b

    def same_file(a: str, b: str) -> bool:
        if a.startswith(("file:", ":memory:")) or b.startswith(("file:", ":memory:")):
            return a == b
        first, second = Path(a).expanduser(), Path(b).expanduser()
        return os.path.abspath(first) == os.path.abspath(second) or (
            first.exists() and second.exists() and os.path.samefile(first, second)
        )

    return same_file


def migrate() -> None:
    """The project's tables in the test database that is Django's default connection: its
    migrations, as Django's test runner runs them (``create_test_db``, on the database roadbench
    made: ``keepdb``, so Django creates and drops nothing itself)."""
    from django.conf import settings
    from django.db import DEFAULT_DB_ALIAS, connections

    connection = connections[DEFAULT_DB_ALIAS]
    connection.settings_dict["TEST"]["NAME"] = connection.settings_dict["NAME"]
    # create_test_db writes the test name into settings.DATABASES: the throwaway's only.
    settings.DATABASES = {DEFAULT_DB_ALIAS: connection.settings_dict}
    try:
        connection.creation.create_test_db(
            verbosity=0, autoclobber=False, serialize=False, keepdb=True
        )
    except Exception as exc:
        raise DatabaseUnavailable(
            f"the project's migrations failed in the test database: {_one_line(exc)}"
        ) from None
