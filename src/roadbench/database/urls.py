"""Database URLs: parsed as Django will read them, and masked wherever they are shown."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, quote_plus, unquote_plus, urlsplit

from roadbench.errors import BadInput

ENV_VAR = "ROADBENCH_DATABASE_URL"
EMBEDDED = "embedded SQLite (temporary file)"

URL_SCHEMES = ("sqlite", "postgres", "postgresql", "pgsql", "mysql", "mariadb")
SUPPORTED_ENGINES = {
    "django.db.backends.sqlite3": "sqlite",
    "django.db.backends.postgresql": "postgresql",
    "django.db.backends.mysql": "mysql",
}

# --- masking -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DatabaseURL:
    """A parsed database URL; ``masked`` is the only form roadbench ever prints or saves."""

    raw: str | None
    config: dict[str, Any]
    vendor: str

    @property
    def embedded(self) -> bool:
        return self.raw is None

    @property
    def masked(self) -> str:
        return EMBEDDED if self.raw is None else mask_url(self.raw)

    @property
    def secrets(self) -> set[str]:
        """Every secret the URL holds: as parsed, as typed, and percent-encoded."""
        options = self.config.get("OPTIONS") or {}
        found = {str(self.config.get("PASSWORD") or "")}
        found |= {str(v) for k, v in options.items() if str(k).lower() in SECRET_PARAMETERS}
        found |= url_secrets(self.raw or "")
        return {form for s in found for form in (s, quote(s, safe=""), quote_plus(s))} - {""}

    def scrub(self, text: str) -> str:
        """Remove every secret from any text (driver errors can echo connection strings)."""
        if self.raw:
            text = text.replace(self.raw, self.masked)
        for secret in sorted(self.secrets, key=len, reverse=True):
            text = text.replace(secret, "***")
        return text


# Connection parameters that hold a secret: libpq's (``passfile`` is only a path) and
# mysqlclient's ``passwd``.
SECRET_PARAMETERS = frozenset({"password", "sslpassword", "passwd"})
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
# A query parameter; its value runs to the next ``&name=`` or the end, so an unencoded ``&``
# or ``@`` inside a password does not end the masking early.
_PARAMETER = re.compile(r"[?&](?P<key>[^&?=\s]*)=(?P<value>.*?)(?=&[^&=\s]+=|$)", re.DOTALL)
# libpq's key=value form (``host=h password='a b'``): no URL, but it may be pasted as one.
_KEYWORD = re.compile(r"(?P<key>\w+)\s*=\s*(?P<value>'(?:[^'\\]|\\.)*'|\S+)")


def _secret_spans(url: str) -> list[tuple[int, int]]:
    """Where the secrets are in ``url``, found without trusting it to be well-formed.

    The userinfo runs to the *last* ``@`` outside a secret parameter, so a password holding an
    unencoded ``@ : / ?`` is wholly inside it (libpq stops at the first ``@``, urllib at the
    last one before ``/``; this covers both): over-masking is safe, leaking is not.
    """
    match = _SCHEME.match(url)
    start = match.end() if match else 0
    pattern = _PARAMETER if match else _KEYWORD
    spans = [
        m.span("value")
        for m in pattern.finditer(url, start)
        if unquote_plus(m.group("key")).strip().lower() in SECRET_PARAMETERS
    ]
    at = max(
        (i for i, c in enumerate(url) if c == "@" and not any(a <= i < b for a, b in spans)),
        default=-1,
    )
    colon = url.find(":", start, at)
    if at > start and colon >= 0 and not url.startswith("/", start):
        spans.append((colon + 1, at))
    return sorted(spans)


def url_secrets(url: str) -> set[str]:
    """The secrets written in ``url``, as typed and decoded."""
    found = set()
    for a, b in _secret_spans(url):
        value = url[a:b]
        found |= {value, unquote_plus(value), value.strip("'")}
    return found - {""}


def mask_url(url: str) -> str:
    """``postgres://user:***@host/name?sslpassword=***``: every secret replaced, the rest kept.

    Masks the userinfo's password (encoded or not, whatever it holds), libpq's ``password``
    and ``sslpassword`` parameters in the query (any case or encoding), and the same in libpq's
    ``key=value`` form. Parses nothing, so a malformed URL is masked too.
    """
    merged: list[list[int]] = []
    for a, b in _secret_spans(url):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    for a, b in reversed(merged):
        url = url[:a] + "***" + url[b:]
    return url


# The embedded SQLite file whatever $ROADBENCH_DATABASE_URL says (check-plugin always checks
# on it): not a URL a user would type (no "://"), so it means nothing else.
EMBEDDED_SQLITE = "sqlite:embedded"


def resolve_url(url: str | None) -> str | None:
    """The URL to use: the one given, else ``$ROADBENCH_DATABASE_URL``, else None (embedded)."""
    if url == EMBEDDED_SQLITE:
        return None
    if url:
        return url
    return os.environ.get(ENV_VAR) or None


def parse_database_url(url: str | None) -> DatabaseURL:
    """Read a URL as Django will; any URL it cannot use is bad input, named only masked."""
    if url is None:
        return DatabaseURL(None, {"ENGINE": "django.db.backends.sqlite3"}, "sqlite")
    import dj_database_url

    masked = mask_url(url)
    scheme = url.split(":", 1)[0].lower() if _SCHEME.match(url) else ""
    if scheme not in URL_SCHEMES:
        raise BadInput(
            f"unsupported database URL scheme {scheme or '(none)'!r} in {masked}; "
            "use sqlite:///path, postgres://user:pass@host:port/name or "
            "mysql://user:pass@host:port/name"
        )
    # dj-database-url knows MariaDB as mysql://: the same Django backend and driver.
    readable = "mysql" + url[len(scheme) :] if scheme == "mariadb" else url
    try:
        config = dict(dj_database_url.parse(readable))
    except (ValueError, KeyError) as exc:
        raise BadInput(f"cannot read database URL {masked}: {_url_problem(url, exc)}") from None
    if any("\x00" in str(value) for value in _config_values(config)):
        # Every driver refuses it, psycopg with a ValueError that was an internal error.
        raise BadInput(f"cannot read database URL {masked}: it holds a NUL character (%00)")
    vendor = SUPPORTED_ENGINES[str(config["ENGINE"])]
    if vendor == "sqlite" and config.get("NAME") in ("", ":memory:"):
        raise BadInput(
            f"{masked} names no file; give sqlite:///relative/path or sqlite:////absolute/path, "
            "or no URL for the embedded default"
        )
    if vendor != "sqlite" and urlsplit(url).port == 0:
        raise BadInput(f"cannot read database URL {masked}: port 0 (use 1-65535)")
    return DatabaseURL(url, config, vendor)


def _config_values(config: dict[str, Any]) -> list[Any]:
    """Every value of Django's database settings, its OPTIONS' keys and values too."""
    options = config.get("OPTIONS") or {}
    return [*config.values(), *options.keys(), *options.values()]


def _url_problem(url: str, exc: Exception) -> str:
    """Why a URL cannot be read, in words that never quote a piece of its password."""
    if any(set(url[a:b]) & set("/?#[]") for a, b in _secret_spans(url)):
        return "percent-encode / ? # [ ] in the password (%2F %3F %23 %5B %5D)"
    try:
        urlsplit(url).port  # noqa: B018 -- read for the precise ValueError (port, IPv6)
    except ValueError as precise:
        return DatabaseURL(url, {}, "").scrub(str(precise))
    return DatabaseURL(url, {}, "").scrub(str(exc) or type(exc).__name__)
