"""Errors that reach the user as one readable line, never as a traceback."""

from __future__ import annotations

import re
from collections.abc import Callable

_NAMED = re.compile(r"\{(\w+)\}")


class RoadbenchError(Exception):
    """A problem the user can act on. ``exit_code`` follows the CLI's documented codes.

    A message about a parameter names it as ``{rows}``, with ``parameter="rows"`` (or a tuple
    of names): ``str()`` says ``rows``, the library's word; the command line says its flag
    (``--rows``) through ``worded``.
    """

    exit_code = 1

    def __init__(self, message: str = "", parameter: str | tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.parameters = (parameter,) if isinstance(parameter, str) else tuple(parameter)

    def worded(self, name: Callable[[str], str] = str) -> str:
        """The message with each parameter it is about named by ``name(parameter)``."""
        if not self.parameters:
            return self.message
        return _NAMED.sub(lambda m: name(m[1]) if m[1] in self.parameters else m[0], self.message)

    def __str__(self) -> str:
        return self.worded()


class BadInput(RoadbenchError):
    """Bad input: an unknown option, op, method or scale, contradicting flags, a bad value,
    path or URL, an unreadable or malformed saved file."""

    exit_code = 2


class DatabaseUnavailable(RoadbenchError):
    """The database cannot be reached or used; the message names the (masked) URL."""

    exit_code = 3


class MasterUnreachable(RoadbenchError):
    """``load-worker``: no Locust master answers at the given address (as exit code 3 says for
    an unreachable database: something the run needs cannot be reached)."""

    exit_code = 3


class WorkerHung(RoadbenchError):
    """An ``ab`` or ``matrix`` worker gave no sign of life within ``--timeout``: a case that
    hangs (an op that deadlocks, sleeps, or waits on a lock); every worker is ended (as exit
    code 3 says for a service that cannot be used: something the run needs stopped answering)."""

    exit_code = 3


class Unsupported(RoadbenchError):
    """A case that cannot run on this option, with the reason (often Django's own words)."""

    exit_code = 4


class VerificationFailed(RoadbenchError):
    """An op did not leave the database in the state it claims: an error, never a result."""

    exit_code = 5


class RegressionFound(RoadbenchError):
    """``diff --fail-on``: a significant slowdown, extra queries, more instructions or a
    changed SQL shape beyond the rule; ``history --fail-on``: a case's latest step is a
    slowdown or extra queries beyond the rule."""

    exit_code = 6


class Inconclusive(RoadbenchError):
    """`diff --fail-on`: inconclusive, no rule broken but one could not judge (the whole run
    moved beyond its noise, too few values, noise wider than the threshold, an unstable case, no
    instruction counts, `shape` on a file saved before statement fingerprints); the line names
    what and the way out (`roadbench ab`, `--assume-drift`, `--repeat`, `--instructions`)."""

    exit_code = 8


class PluginCheckFailed(RoadbenchError):
    """`check-plugin`: a case of the plugin failed; its table (or `--json`) names each failed
    case, the exception and what to look at."""

    exit_code = 7


class PluginFailed(RoadbenchError):
    """A plugin's design or op raised while it ran: the plugin's error, named as its own, with
    where to look; not roadbench's ("please report it")."""

    exit_code = 1


class ScenarioFailed(RoadbenchError):
    """A user's scenario (or its setup or verify) raised: the line names the scenario and the
    exception, not roadbench's bug (exit 1, as a plugin's error)."""

    exit_code = 1


class Interrupted(RoadbenchError):
    """Ctrl-C, SIGTERM or SIGHUP stopped a run; the message says what became of its database."""

    exit_code = 130


def caused_by_interrupt(error: BaseException) -> bool:
    """Whether ``error`` came of a stop signal: a KeyboardInterrupt among its causes or
    contexts. Python wraps one raised while it creates a class (in ``__set_name__``: Django
    building a model) in a RuntimeError, and a handler that catches every Exception may turn
    that into an error of its own; either is the interrupt, not a failure."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        if isinstance(current, KeyboardInterrupt):
            return True
        seen.add(id(current))
        pending += [current.__cause__, current.__context__]
    return False
