"""SQLite's journal mode and synchronous setting: what a commit waits for.

Django leaves both to SQLite (journal_mode=DELETE, synchronous=FULL: every commit waits for
the disk's fsync), and that is what a Django project gets, so it stays roadbench's default.
``--sqlite journal_mode=WAL,synchronous=NORMAL`` measures what a tuned project gets.
"""

from __future__ import annotations

from roadbench.errors import BadInput

CHOICES = {
    "journal_mode": ("DELETE", "TRUNCATE", "PERSIST", "MEMORY", "WAL", "OFF"),
    "synchronous": ("OFF", "NORMAL", "FULL", "EXTRA"),
}
SYNCHRONOUS_LEVELS = dict(enumerate(CHOICES["synchronous"]))


def parse(text: str) -> dict[str, str]:
    """``"journal_mode=WAL,synchronous=NORMAL"`` -> {"journal_mode": "WAL", ...}, checked."""
    settings: dict[str, str] = {}
    for part in (p.strip() for p in text.split(",")):
        name, _, value = part.partition("=")
        name, value = name.strip().lower(), value.strip().upper()
        if name not in CHOICES or value not in CHOICES[name]:
            allowed = "; ".join(f"{n}={'|'.join(v)}" for n, v in CHOICES.items())
            raise BadInput(f"{{sqlite}} {text!r}: use {allowed}, comma-separated", "sqlite")
        settings[name] = value
    return settings


def apply(settings: dict[str, str]) -> None:
    """Set them on the active connection (journal_mode stays in the file; synchronous is the
    connection's, which roadbench keeps open for the whole run), and on the async ORM's own
    connection when it opens (connections are per thread)."""
    from django.db import connection

    from roadbench.database import orm_thread

    def set_them() -> None:
        with connection.cursor() as cursor:
            for name, value in settings.items():
                cursor.execute(f"PRAGMA {name}={value}")  # both checked against CHOICES

    set_them()
    orm_thread.on_connect(set_them)


def read(vendor: str) -> dict[str, str]:
    """The active connection's settings, as environment fields ({} on other databases)."""
    if vendor != "sqlite":
        return {}
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        journal = str(cursor.fetchone()[0]).upper()
        cursor.execute("PRAGMA synchronous")
        level = cursor.fetchone()[0]
    return {
        "sqlite_journal_mode": journal,
        "sqlite_synchronous": SYNCHRONOUS_LEVELS.get(level, str(level)),
    }
