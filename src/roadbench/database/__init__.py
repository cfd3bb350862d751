"""Django in-process, database URLs, and the throwaway database roadbench works in.

roadbench never writes to a database the user already has: on a server it creates its own
database (or, on PostgreSQL without CREATEDB, its own schema) with a unique ``roadbench_``
name and drops it at the end, also after an error, Ctrl-C or SIGTERM. An SQLite file is only
used if it holds no tables, and roadbench drops only the tables it created. The database named
in a URL is only used to connect.

One module per database (``sqlite``, ``postgresql``, ``mysql``) behind the interface in
``backend``; ``lifecycle`` holds what they share, ``urls`` the parsing and masking.
"""

from __future__ import annotations

from roadbench.database.backend import Backend, Leftover, backend_for, current_backend
from roadbench.database.lifecycle import (
    CONNECT_TIMEOUT_S,
    NAME_PREFIX,
    BenchDatabase,
    Removal,
    bench_database,
    create_tables,
    drop_tables,
    first_line,
    inspect_database,
    option_tables,
    signals_as_interrupt,
    signals_deferred,
    signals_held,
    unique_name,
)
from roadbench.database.settings import configure_django
from roadbench.database.sqlite import check_sqlite_file, sqlite_path, user_tables
from roadbench.database.urls import (
    EMBEDDED,
    ENV_VAR,
    SECRET_PARAMETERS,
    URL_SCHEMES,
    DatabaseURL,
    mask_url,
    parse_database_url,
    resolve_url,
    url_secrets,
)

__all__ = [
    "CONNECT_TIMEOUT_S",
    "EMBEDDED",
    "ENV_VAR",
    "NAME_PREFIX",
    "SECRET_PARAMETERS",
    "URL_SCHEMES",
    "Backend",
    "BenchDatabase",
    "DatabaseURL",
    "Leftover",
    "Removal",
    "backend_for",
    "bench_database",
    "check_sqlite_file",
    "configure_django",
    "create_tables",
    "current_backend",
    "drop_tables",
    "first_line",
    "inspect_database",
    "mask_url",
    "option_tables",
    "parse_database_url",
    "resolve_url",
    "signals_as_interrupt",
    "signals_deferred",
    "signals_held",
    "sqlite_path",
    "unique_name",
    "url_secrets",
    "user_tables",
]
