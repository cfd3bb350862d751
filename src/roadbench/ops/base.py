"""What an operation and its methods are; each op module builds one ``Operation``."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from roadbench.database import orm_thread
from roadbench.designs.base import RoadOption
from roadbench.errors import BadInput, Unsupported

# The state of an option's tables that an op needs before it runs, and leaves after it.
EMPTY = "empty"  # no roads
LOADED = "loaded"  # road 0..n-1 of each type, as the data module defines them
CHANGED = "changed"  # anything else: the next op that needs LOADED reloads

BATCH_SIZE = 1000


@contextlib.contextmanager
def database_limits(what: str) -> Iterator[None]:
    """Turn a statement the database refuses at this scale into an "unsupported" result.

    SQLite allows at most 250,000 parameters in one statement (SQLITE_MAX_VARIABLE_NUMBER in
    common builds); some Django calls put one parameter per row into a single statement.
    """
    from django.db import OperationalError

    try:
        yield
    except OperationalError as exc:
        if "too many SQL variables" not in str(exc):
            raise
        raise Unsupported(
            f"SQLite: too many SQL variables: {what} puts one parameter per row into a "
            "single statement"
        ) from None


AsyncRun = Callable[[RoadOption, int, int], Coroutine[Any, Any, int]]
MAX_CONCURRENCY = 1000


@dataclass(frozen=True)
class Method:
    """One way to do an op. ``run`` is the timed part and returns the rows it affected."""

    name: str
    description: str
    run: Callable[[RoadOption, int], int]
    # Returns why the method can't run on an option (Django's own words where it has them).
    unsupported_reason: Callable[[RoadOption], str | None] = lambda _option: None
    # "django" (the ORM as documented), "roadbench" (a technique of ours), "database" (raw SQL).
    technique: str = "django"
    # The Django method this technique stands in for where it is supported: at many scale
    # compare puts it in the study row and shows the Django method in a row of its own.
    replaces: str | None = None
    # Untimed hooks around the timed run, for methods that need more than the op's state:
    # ``prepare`` after the tables are ready (fill a cache, add an index), ``cleanup`` after
    # the check (drop that index); ``verify`` replaces the op's check when the method reads a
    # different set of rows.
    prepare: Callable[[RoadOption, int], None] | None = None
    cleanup: Callable[[RoadOption, int], None] | None = None
    verify: Callable[[RoadOption, int, int], None] | None = None
    # An async method (``ops.asynchronous``): the coroutine of (option, rows, concurrency) that
    # ``run`` runs on roadbench's event loop; the sync method it mirrors; its tasks.
    arun: AsyncRun | None = None
    mirrors: str | None = None
    concurrency: int = 1

    def __post_init__(self) -> None:
        # A design that cannot run here (a missing package) refuses every method, saying how
        # to install it; the method's own reason is asked only of designs that can run.
        own = self.unsupported_reason

        def reason(option: RoadOption) -> str | None:
            return option.unavailable or own(option)

        object.__setattr__(self, "unsupported_reason", reason)


@dataclass(frozen=True)
class CompareRow:
    """A row of its own in compare, beside the op's study row (the seed study's table).

    ``role``: "limit" (the database's own speed limit, shown with each ORM method's multiple
    of it), "extra" (a figure for context) or "listing" (ranked beside the study's rows).
    ``methods``: the method at each scale it is shown at. ``share``: measured on 1/share of the
    rows (at least 2), named in ``label``, where ``{name}``, ``{scale}`` and ``{rows}`` (the
    roads measured) stand for theirs. Not shown for a design whose study row uses one of
    ``not_beside`` (its figure would repeat the study row's).
    """

    name: str
    role: str
    methods: dict[str, str]
    share: int = 1
    label: str = "{name} ({scale})"
    note: str = ""
    not_beside: tuple[str, ...] = ()

    @classmethod
    def of(cls, row: CompareRow | tuple[str, str, dict[str, str]]) -> CompareRow:
        """A row as declared: a CompareRow, or the (name, role, {scale: method}) of 0.2."""
        return row if isinstance(row, CompareRow) else cls(*row)


@dataclass(frozen=True)
class Operation:
    name: str
    description: str
    methods: dict[str, Method]
    needs: str
    leaves: str
    # Untimed check after each value: raises VerificationFailed when the op lied.
    verify: Callable[[RoadOption, int, int], None]
    # The method compare uses at each scale ("few", "many").
    compare_methods: dict[str, tuple[str, ...]] = field(default_factory=dict)
    default_method: str = ""
    # Rows of their own in compare, beside the study row: CompareRow, or the 0.2 plugins'
    # (row name, role, {scale: method}).
    compare_rows: tuple[CompareRow | tuple[str, str, dict[str, str]], ...] = ()
    # Where the op's rows sit in compare (the seed study's order: create, select, modify, delete).
    order: int = 100
    # Where the op comes from: "roadbench" or the plugin's module.
    origin: str = "roadbench"
    # Untimed: bring the verified state this op leaves back to what it needs, cheaper than
    # reloading; returns False where it cannot (the tables are then reloaded).
    undo: Callable[[RoadOption, int], bool] | None = None

    def method(self, name: str) -> Method:
        base, at, tasks = name.partition("@")
        if at and base in self.methods:
            # An async method at a concurrency, as its results name it ("acreate@8").
            return at_concurrency(self.methods[base], parse_concurrency(tasks))
        try:
            return self.methods[name]
        except KeyError:
            known = ", ".join(self.methods)
            raise BadInput(
                f"method {name!r} does not belong to op {self.name!r}; choose one of {known}"
            ) from None


# --- async methods at a concurrency (see ops.asynchronous) ---


def async_runner(arun: AsyncRun, concurrency: int) -> Callable[[RoadOption, int], int]:
    def run(option: RoadOption, rows: int) -> int:
        return orm_thread.run(arun(option, rows, concurrency))

    return run


def parse_concurrency(text: str) -> int:
    try:
        tasks = int(text)
    except ValueError:
        tasks = 0
    return check_concurrency(tasks)


def check_concurrency(tasks: int) -> int:
    if not 1 <= tasks <= MAX_CONCURRENCY:
        raise BadInput(
            f"{{concurrency}} must be a whole number from 1 to {MAX_CONCURRENCY}", "concurrency"
        )
    return tasks


def at_concurrency(method: Method, tasks: int) -> Method:
    """The async method with its work shared by ``tasks`` tasks, named ``name@tasks``."""
    check_concurrency(tasks)
    if method.arun is None:
        raise BadInput(
            f"{{concurrency}} needs an async method; {method.name!r} is sync", "concurrency"
        )
    if tasks == method.concurrency:
        return method
    base = method.name.partition("@")[0]
    return replace(
        method,
        name=base if tasks == 1 else f"{base}@{tasks}",
        description=f"{method.description.partition(' [')[0]} [{tasks} tasks on one loop]"
        if tasks > 1
        else method.description.partition(" [")[0],
        run=async_runner(method.arun, tasks),
        concurrency=tasks,
    )
