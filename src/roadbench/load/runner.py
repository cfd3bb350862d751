"""``roadbench load``: seed, serve, warm up, run Locust, read its results, stop everything.

Every process started here (the app server, Locust) is stopped when the run ends, on error
and on Ctrl-C; the throwaway database rules of ``roadbench.database`` apply.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import math
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from roadbench.errors import (
    BadInput,
    DatabaseUnavailable,
    MasterUnreachable,
    RoadbenchError,
    Unsupported,
)
from roadbench.load.lifeline import child_environment
from roadbench.plugins import loaded_modules
from roadbench.reports.results import SCHEMA_VERSION

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
# Locust always runs in a process of its own, never imported here (it monkey-patches at import),
# through a launcher that ends it with this process (see lifeline).
LOCUST = (sys.executable, "-m", "roadbench.load.locust_process", "-f", str(LOCUSTFILE))
ENDPOINTS = ("list", "read", "create", "update")
SERVER_START_TIMEOUT_S = 30
SERVER_EXIT_TIMEOUT_S = 10  # after its output ended
MASTER_PROBE_INTERVAL_S = 0.5
# Logged by Locust's worker (then it exits) when its master went away, or never answered.
LOCUST_MASTER_LOST = "Didn't get heartbeat from master"
LOCUST_NO_MASTER = "Failed to connect to the Locust master"
INSTALL_HINT = "load testing needs Locust and waitress: pip install 'roadbench[load]'"


@dataclass(frozen=True)
class LoadSettings:
    users: int = 10
    spawn_rate: float = 10.0
    duration_s: float = 10.0
    reads: int = 80
    writes: int = 20
    rows: int = 2000
    server: str = "waitress"
    threads: int = 8
    server_host: str = "127.0.0.1"
    server_port: int = 0
    master: bool = False
    expect_workers: int = 0
    master_bind_host: str = "127.0.0.1"
    master_port: int = 5557
    worker_wait_s: int = 60

    def check(self) -> None:
        """Refuse, naming the flag, what cannot be run as asked (before any work starts)."""
        if self.users < 1:
            raise BadInput(f"--users must be at least 1, not {self.users}")
        if not (math.isfinite(self.spawn_rate) and self.spawn_rate > 0):
            raise BadInput(f"--spawn-rate must be a number above 0, not {self.spawn_rate}")
        # Locust's --run-time counts whole seconds (0.4 would become 0s, which runs unbounded).
        if self.duration_s < 1 or self.duration_s != int(self.duration_s):
            raise BadInput(
                f"--duration must be whole seconds, at least 1s, not {self.duration_s:g} s "
                "(Locust's run time counts whole seconds)"
            )
        if self.rows < 2:
            raise BadInput(f"--rows must be at least 2 (one road of each type), not {self.rows}")
        if self.server not in ("waitress", "gunicorn"):
            raise BadInput(f"--server is waitress or gunicorn, not {self.server!r}")
        if self.threads < 1:
            raise BadInput(f"--threads must be at least 1, not {self.threads}")
        check_host(self.server_host, "--server-host")
        check_port(self.server_port, "--server-port", free_one=True)
        check_host(self.master_bind_host, "--master-bind-host")
        check_port(self.master_port, "--master-port")
        if self.master and self.expect_workers < 1:
            raise BadInput(f"--expect-workers must be at least 1, not {self.expect_workers}")
        # Locust would take 0 as "wait for ever".
        if self.worker_wait_s < 1:
            raise BadInput(f"--worker-wait must be at least 1 (seconds), not {self.worker_wait_s}")


@dataclass
class EndpointLoad:
    endpoint: str
    requests: int
    failures: int
    requests_per_s: float
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    mean_ms: float | None
    queries_per_request: float | None


@dataclass
class OptionLoad:
    option: int
    duration_s: float
    requests: int
    failures: int
    requests_per_s: float
    endpoints: list[EndpointLoad]
    warnings: list[str] = field(default_factory=list)


@dataclass
class LoadReport:
    environment: Any
    settings: LoadSettings
    options: list[OptionLoad]
    kind: str = "load"
    schema_version: int = SCHEMA_VERSION

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# --- parsing ----------------------------------------------------------------------------------

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h)?\s*$")
MAX_DURATION_S = 30 * 24 * 3600  # longer is surely a typo (and beyond what Locust parses)


def parse_duration(text: str, flag: str = "--duration") -> float:
    """``30`` and ``30s`` are seconds; ``2m`` minutes; ``1h`` an hour. ``flag`` names it."""
    match = _DURATION.match(str(text))
    if not match:
        raise BadInput(f"{flag} takes seconds (30) or a unit (30s, 2m, 1h), not {text!r}")
    value = float(match.group(1)) * {"s": 1, "m": 60, "h": 3600}[match.group(2) or "s"]
    if not 0 < value <= MAX_DURATION_S:
        raise BadInput(f"{flag} must be more than 0 and at most 720h (30 days), not {text!r}")
    return value


def check_host(host: str, flag: str) -> None:
    if not host.strip():
        raise BadInput(f"{flag} must name a host or an address, not {host!r}")


def check_port(port: int, flag: str, free_one: bool = False) -> None:
    """1-65535, or also 0 (any free port) when ``free_one``."""
    if not (0 if free_one else 1) <= port <= 65535:
        span = "0-65535 (0 = a free one)" if free_one else "1-65535"
        raise BadInput(f"{flag} must be a port number, {span}, not {port}")


def parse_mix(text: str) -> tuple[int, int]:
    """``read=80,write=20`` -> (80, 20)."""
    parts = dict(part.split("=", 1) for part in text.split(",") if "=" in part)
    try:
        reads, writes = int(parts.pop("read")), int(parts.pop("write"))
    except (KeyError, ValueError):
        raise BadInput(
            f"--mix takes read=N,write=M (for example read=80,write=20), not {text!r}"
        ) from None
    if parts or reads < 0 or writes < 0 or reads + writes == 0:
        raise BadInput(f"--mix takes read=N,write=M with N, M >= 0 and not both 0, not {text!r}")
    return reads, writes


def percentile(buckets: dict[int, int], bucket_ms: float, p: float) -> float | None:
    """The p-th percentile of a histogram of ``bucket_ms`` buckets (upper edge of the bucket)."""
    total = sum(buckets.values())
    if total == 0:
        return None
    rank = p * total
    seen = 0
    for bucket in sorted(buckets):
        seen += buckets[bucket]
        if seen >= rank:
            return (bucket + 1) * bucket_ms
    return (max(buckets) + 1) * bucket_ms


def _mean(buckets: dict[int, int], bucket_ms: float) -> float | None:
    total = sum(buckets.values())
    if total == 0:
        return None
    return sum((b + 0.5) * bucket_ms * n for b, n in buckets.items()) / total


# --- processes --------------------------------------------------------------------------------


def require_extra() -> None:
    for module in ("locust", "waitress"):
        if importlib.util.find_spec(module) is None:  # looks for it without importing it
            raise BadInput(INSTALL_HINT)


class ChildProcesses:
    """The processes a run starts: each one stopped when its own block ends, and any still
    running when the run's block ends.

    The second stop is for an interrupt that lands after a child started but before its own
    block began (inside ``contextmanager``'s ``__enter__``), which that block cannot see.
    If this process is killed outright, the children end by themselves (``lifeline``).
    """

    def __init__(self) -> None:
        self.started: list[subprocess.Popen[str]] = []

    def __enter__(self) -> ChildProcesses:
        return self

    def __exit__(self, *_exc: object) -> None:
        for proc in reversed(self.started):
            stop_process(proc)

    @contextlib.contextmanager
    def process(
        self, command: list[str], env: dict[str, str] | None = None, **kwargs: Any
    ) -> Iterator[subprocess.Popen[str]]:
        """A child process, stopped when the block ends: SIGTERM, then SIGKILL after 5 s."""
        from roadbench.database import signals_deferred

        # A signal inside Popen, after the fork, would lose the child: Popen never returns it.
        with signals_deferred():
            proc = subprocess.Popen(
                command, text=True, start_new_session=True, env=child_environment(env), **kwargs
            )
            self.started.append(proc)
        try:
            yield proc
        finally:
            stop_process(proc)


def stop_process(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


def _read_port(proc: subprocess.Popen[str], stderr_path: Path) -> int:
    """Wait for ``ROADBENCH_PORT <n>`` from the server, or the end of its output, or the timeout.

    The end of its output (EOF) means the server exited before it served: its exit status and
    the last line it wrote to stderr say why. ``poll()`` alone cannot tell, as the process may
    not be reaped yet when its output has already ended.
    """
    from roadbench.load.server import PORT_LINE

    events: queue.Queue[int | None] = queue.Queue()

    def read() -> None:
        assert proc.stdout is not None
        reported = False
        for line in proc.stdout:  # read to EOF, so that the server never blocks on a full pipe
            if not reported and line.startswith(PORT_LINE):
                events.put(int(line.split()[1]))
                reported = True
        if not reported:
            events.put(None)

    threading.Thread(target=read, daemon=True).start()
    try:
        port = events.get(timeout=SERVER_START_TIMEOUT_S)
    except queue.Empty:
        problem = f"it did not report a port within {SERVER_START_TIMEOUT_S} s"
        raise DatabaseUnavailable(f"the target app server failed to start: {problem}") from None
    if port is not None:
        return port
    try:
        code = proc.wait(timeout=SERVER_EXIT_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        problem = "it closed its output without reporting a port"
    else:
        problem = _last_line(stderr_path) or f"it exited with code {code}"
    raise DatabaseUnavailable(f"the target app server failed to start: {problem}")


def _last_line(path: Path) -> str:
    lines = [line.strip() for line in path.read_text(errors="replace").splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _request(url: str, method: str = "GET") -> Any:
    request = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"null")


def _warm_up(base: str, option: int) -> None:
    """A few requests to each endpoint: connections open, code paths warm, caches filled."""
    meta = _request(f"{base}/o{option}/meta/")
    for road_type, ids in meta["ids"].items():
        for i in range(5):
            _request(f"{base}/o{option}/roads/{road_type}/?page={i}")
            _request(f"{base}/o{option}/roads/{road_type}/{ids[i]}/")
            _request(f"{base}/o{option}/roads/{road_type}/{ids[i]}/", "POST")
            _request(f"{base}/o{option}/roads/{road_type}/", "POST")


# --- the run ------------------------------------------------------------------------------------


def run_load(
    options: list[int],
    settings: LoadSettings,
    database: str | None = None,
    notify: Callable[[str], None] | None = None,
) -> LoadReport:
    settings.check()
    require_extra()
    from django.db import connection

    from roadbench.database import bench_database, option_tables
    from roadbench.database.fastpath import analyze, insert_entities
    from roadbench.database.temporary import owned_directory
    from roadbench.designs import get_option, models_of
    from roadbench.plugins import load_registries
    from roadbench.reports.results import current_environment

    load_registries()

    say = notify or (lambda _m: None)
    road_options = [get_option(n) for n in options]
    for road_option in road_options:  # before any database, server or Locust
        if road_option.unavailable:
            raise Unsupported(
                f"option {road_option.number} cannot be load-tested: {road_option.unavailable}"
            )
    results = []
    with (
        bench_database(database, notify=notify) as bench,  # also turns SIGTERM, SIGHUP into Ctrl-C
        owned_directory("roadbench_load_") as tmp,  # marked: `cleanup` removes it after a kill
        ChildProcesses() as children,  # all stopped before the files and database go
    ):
        environment = current_environment(bench)
        # With the tables the designs need but do not own (contenttypes for 6 and 9).
        with option_tables(models_of(road_options)):
            for road_option in road_options:
                insert_entities(road_option, road_option.study.split(settings.rows))
                analyze(road_option)
            if connection.vendor == "sqlite":
                with connection.cursor() as cursor:
                    cursor.execute("PRAGMA journal_mode=WAL")
            db_config = {k: v for k, v in connection.settings_dict.items() if k != "TEST"}
            connection.close()  # the server process does the work from here on
            server_log = Path(tmp) / "server.log"
            command = [
                sys.executable,
                "-m",
                "roadbench.load.server",
                # The designs of --plugin modules: the server's app serves them too.
                *(arg for module in loaded_modules() for arg in ("--plugin", module)),
                "--host",
                settings.server_host,
                "--port",
                str(settings.server_port),
                "--server",
                settings.server,
                "--threads",
                str(settings.threads),
            ]
            env = {**os.environ, "ROADBENCH_SERVER_DATABASE": json.dumps(db_config)}
            with (
                server_log.open("w") as log,
                children.process(command, env=env, stdout=subprocess.PIPE, stderr=log) as server,
            ):
                port = _read_port(server, server_log)
                base = f"http://{settings.server_host}:{port}"
                say(f"target app ({settings.server}) on {base}, {settings.rows:,} roads per option")
                for road_option in road_options:
                    results.append(
                        _run_option(
                            children, road_option.number, settings, base, Path(tmp), server_log, say
                        )
                    )
    return LoadReport(environment=environment, settings=settings, options=results)


def _run_option(
    children: ChildProcesses,
    option: int,
    settings: LoadSettings,
    base: str,
    tmp: Path,
    server_log: Path,
    say: Callable[[str], None],
) -> OptionLoad:
    _warm_up(base, option)
    _request(f"{base}/stats/reset/", "POST")
    queue_warnings_before = server_log.read_text(errors="replace").count("Task queue depth")
    stats_base = tmp / f"locust-option{option}"
    latency_file = tmp / f"latency-option{option}.json"
    locust_log = tmp / f"locust-option{option}.log"
    command = [
        *LOCUST,
        "--headless",
        "--users",
        str(settings.users),
        "--spawn-rate",
        str(settings.spawn_rate),
        "--run-time",
        f"{int(settings.duration_s)}s",  # whole seconds: LoadSettings.check
        "--host",
        base,
        "--json-file",
        str(stats_base),
        "--only-summary",
        "--stop-timeout",
        "5",
        "--loglevel",
        "WARNING",
        "--exit-code-on-error",
        "0",
        "--roadbench-option",
        str(option),
        "--roadbench-mix",
        f"{settings.reads},{settings.writes}",
        "--roadbench-latency",
        str(latency_file),
    ]
    wait_s = settings.duration_s + 60
    if settings.master:
        command += [
            "--master",
            "--expect-workers",
            str(settings.expect_workers),
            "--master-bind-host",
            settings.master_bind_host,
            "--master-bind-port",
            str(settings.master_port),
            "--expect-workers-max-wait",
            str(settings.worker_wait_s),
        ]
        wait_s += settings.worker_wait_s
        say(
            f"option {option}: waiting for {settings.expect_workers} Locust worker(s) on "
            f"{settings.master_bind_host}:{settings.master_port}"
        )
    say(f"option {option}: {settings.users} users for {settings.duration_s:g} s")
    with (
        locust_log.open("w") as log,
        children.process(command, stdout=subprocess.DEVNULL, stderr=log) as locust,
    ):
        try:
            locust.wait(timeout=wait_s)
        except subprocess.TimeoutExpired:
            raise RoadbenchError(f"Locust did not finish within {wait_s:g} s") from None
    stats_file = stats_base.with_name(stats_base.name + ".json")
    if not stats_file.exists() or not latency_file.exists():
        detail = _last_line(locust_log) or f"exit code {locust.returncode}"
        raise RoadbenchError(f"Locust ended without results for option {option}: {detail}")
    served = _request(f"{base}/stats/")
    return _summarize(
        option,
        json.loads(stats_file.read_text()),
        json.loads(latency_file.read_text()),
        served,
        warnings=_bottlenecks(
            locust_log.read_text(errors="replace"),
            server_log.read_text(errors="replace"),
            queue_warnings_before,
        ),
    )


def _summarize(
    option: int,
    entries: list[dict[str, Any]],
    latency: dict[str, Any],
    served: dict[str, Any],
    warnings: list[str],
) -> OptionLoad:
    by_name = {e["name"]: e for e in entries if e["name"] in ENDPOINTS}
    starts = [e["start_time"] for e in by_name.values() if e.get("start_time")]
    ends = [
        e["last_request_timestamp"] for e in by_name.values() if e.get("last_request_timestamp")
    ]
    duration = max(ends) - min(starts) if starts and ends else 0.0
    bucket_ms = float(latency["bucket_ms"])
    endpoints = []
    for name in ENDPOINTS:
        entry = by_name.get(name)
        if entry is None:
            continue
        buckets = {int(k): v for k, v in latency["latency"].get(name, {}).items()}
        server_side = served.get(name) or {}
        endpoints.append(
            EndpointLoad(
                endpoint=name,
                requests=entry["num_requests"],
                failures=entry["num_failures"],
                requests_per_s=entry["num_requests"] / duration if duration else 0.0,
                p50_ms=percentile(buckets, bucket_ms, 0.50),
                p95_ms=percentile(buckets, bucket_ms, 0.95),
                p99_ms=percentile(buckets, bucket_ms, 0.99),
                mean_ms=_mean(buckets, bucket_ms),
                queries_per_request=(
                    server_side["queries"] / server_side["requests"]
                    if server_side.get("requests")
                    else None
                ),
            )
        )
    requests = sum(e.requests for e in endpoints)
    return OptionLoad(
        option=option,
        duration_s=duration,
        requests=requests,
        failures=sum(e.failures for e in endpoints),
        requests_per_s=requests / duration if duration else 0.0,
        endpoints=endpoints,
        warnings=warnings,
    )


def _bottlenecks(locust_log: str, server_log: str, queue_warnings_before: int) -> list[str]:
    """Say when the tool, not the database, was the limit."""
    warnings = []
    if "CPU usage above" in locust_log or "CPU usage was too high" in locust_log:
        warnings.append(
            "the load generator's CPU was saturated: the figures show Locust's limit, not the "
            "database's (use fewer users, or --master with workers on other machines)"
        )
    depths = [int(d) for d in re.findall(r"Task queue depth is (\d+)", server_log)]
    new_depths = depths[queue_warnings_before:]
    if new_depths:
        warnings.append(
            f"the server queued requests (queue depth up to {max(new_depths)}): all its "
            "threads were busy, so latency includes waiting for a thread (try --threads)"
        )
    return warnings


def run_worker(
    master_host: str,
    master_port: int,
    max_time_s: float,
    master_wait_s: float = 60.0,
    notify: Callable[[str], None] | None = None,
) -> None:
    """A Locust worker, in the foreground, until its master ends the test or ``max_time_s``.

    Gives up with ``MasterUnreachable`` when nothing listens at the master's address within
    ``master_wait_s``, or when the master stops answering (Locust's worker quits after 60 s
    without its heartbeat). Reaching ``max_time_s`` stops the worker: that is no error.
    """
    check_host(master_host, "--master-host")
    check_port(master_port, "--master-port")
    require_extra()
    from roadbench.database import signals_as_interrupt  # the one rule for SIGTERM and SIGHUP

    say = notify or (lambda _m: None)
    address = f"{master_host}:{master_port}"
    command = [
        *LOCUST,
        "--worker",
        "--master-host",
        master_host,
        "--master-port",
        str(master_port),
        "--loglevel",
        "WARNING",
    ]
    with signals_as_interrupt(), ChildProcesses() as children:
        _wait_for_master(master_host, master_port, master_wait_s)
        say(f"the Locust master at {address} answers; working for it")
        with children.process(command, stderr=subprocess.PIPE) as worker:
            relay = WorkerStderrRelay(worker)
            try:
                code: int | None = worker.wait(timeout=max_time_s)
            except subprocess.TimeoutExpired:
                code = None  # stopped on leaving this block
        relay.join(timeout=10)  # its last words come before ours
    if code is None:
        say(f"--max-time reached ({max_time_s:g} s): the worker stopped")
        return
    if relay.master_lost:
        raise MasterUnreachable(
            f"the Locust master at {address} stopped answering (no heartbeat for 60 s); "
            "the worker stopped"
        )
    if relay.never_connected:
        raise MasterUnreachable(
            f"what listens at {address} did not answer as a Locust master (Locust's worker "
            "tried for 5 minutes)"
        )
    if code:
        raise RoadbenchError(f"the Locust worker exited with code {code}")


def _wait_for_master(host: str, port: int, wait_s: float) -> None:
    """Return once something listens at host:port; give up after ``wait_s``.

    Checked from here (a TCP connection), because Locust's worker itself retries for 5 minutes.
    """
    deadline = time.monotonic() + wait_s
    while True:
        try:
            with socket.create_connection((host, port), timeout=5):
                return
        except socket.gaierror as exc:
            raise MasterUnreachable(f"--master-host {host!r}: {exc.strerror}") from None
        except OSError:
            pass
        if time.monotonic() >= deadline:
            raise MasterUnreachable(
                f"no Locust master listens at {host}:{port} (waited {wait_s:g} s): start "
                "`roadbench load --master` there, or check --master-host and --master-port"
            )
        time.sleep(MASTER_PROBE_INTERVAL_S)


class WorkerStderrRelay(threading.Thread):
    """Copies the worker's stderr to ours, noting whether Locust lost or never found its master."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        super().__init__(daemon=True)
        self.proc = proc
        self.master_lost = False
        self.never_connected = False
        self.start()

    def run(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.master_lost |= LOCUST_MASTER_LOST in line
            self.never_connected |= LOCUST_NO_MASTER in line
            sys.stderr.write(line)
