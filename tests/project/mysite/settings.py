"""A small Django project for roadbench's tests: run roadbench inside it with
``roadbench --pythonpath tests/project --settings mysite.settings ...``.

Its database comes from the environment, as many projects' do, so that each test points it
at a database of its own (the tests prove roadbench never writes to it).
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = "roadbench-test-project-not-secret"
DEBUG = False
ALLOWED_HOSTS: list[str] = []

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "shop",
    # Apps a test adds (vouchers: a field roadbench cannot fill).
    *filter(None, os.environ.get("MYSITE_EXTRA_APPS", "").split(",")),
]

DATABASES = {
    "default": {
        "ENGINE": os.environ.get("MYSITE_DB_ENGINE", "django.db.backends.sqlite3"),
        "NAME": os.environ.get("MYSITE_DB_NAME", str(BASE_DIR / "db.sqlite3")),
        "USER": os.environ.get("MYSITE_DB_USER", ""),
        "PASSWORD": os.environ.get("MYSITE_DB_PASSWORD", ""),
        "HOST": os.environ.get("MYSITE_DB_HOST", ""),
        "PORT": os.environ.get("MYSITE_DB_PORT", ""),
        # How Django's test runner (and roadbench) makes the test database: from the
        # environment too, so that a test can set each of them.
        "TEST": {
            key: os.environ.get(f"MYSITE_DB_TEST_{key}") or None
            for key in ("NAME", "CHARSET", "COLLATION", "TEMPLATE")
        },
    }
}

USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
