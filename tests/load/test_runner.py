"""Real load runs: a waitress child process, Locust in its own process, a real database."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from roadbench.database import signals_as_interrupt
from roadbench.errors import BadInput, DatabaseUnavailable
from roadbench.load.runner import (
    ChildProcesses,
    LoadSettings,
    parse_duration,
    parse_mix,
    percentile,
    run_load,
)
from tests.helpers import default_stop_signals
from tests.load.conftest import signal_once_started

pytest.importorskip("waitress")
SCRIPT = str(Path(sys.executable).parent / "roadbench")
SERVER, LOCUST = "roadbench.load.server", "roadbench.load.locust_process"
QUICK = LoadSettings(users=3, spawn_rate=3, duration_s=2, rows=100)


def test_a_short_run_of_every_option(database_url, own_processes):
    report = run_load([1, 2, 3], QUICK, database=database_url)
    assert [r.option for r in report.options] == [1, 2, 3]
    for result in report.options:
        assert result.requests > 0
        assert result.failures == 0
        endpoints = {e.endpoint: e for e in result.endpoints}
        assert set(endpoints) == {"list", "read", "create", "update"}
        for e in endpoints.values():
            assert e.p50_ms is not None and e.p50_ms <= e.p95_ms <= e.p99_ms
            assert e.queries_per_request is not None
        # One query per page, whatever the option: the list endpoint is written efficiently.
        assert endpoints["list"].queries_per_request == 1.0
    assert own_processes.alive() == {}
    # roadbench's own process never imports Locust or gevent.
    assert "locust" not in sys.modules and "gevent" not in sys.modules


def test_distributed_mode_with_two_local_workers(own_processes):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    workers = [
        subprocess.Popen(
            [
                SCRIPT,
                "load-worker",
                "--master-host",
                "127.0.0.1",
                "--master-port",
                str(port),
                "--max-time",
                "120s",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        result = subprocess.run(
            [
                SCRIPT,
                "load",
                "--option",
                "2",
                "--master",
                "--expect-workers",
                "2",
                "--master-port",
                str(port),
                "--users",
                "4",
                "--duration",
                "3s",
                "--rows",
                "100",
                "--worker-wait",
                "60",
                "--json",
            ],
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert result.returncode == 0, result.stderr
        data = json.loads(result.stdout)
        (option,) = data["options"]
        assert option["requests"] > 0 and option["failures"] == 0
        for endpoint in option["endpoints"]:
            for key in ("requests_per_s", "failures", "p50_ms", "p95_ms", "p99_ms"):
                assert key in endpoint
        for worker in workers:
            worker.wait(timeout=30)  # the master's end stops its workers
    finally:
        for worker in workers:
            worker.kill()
    assert own_processes.alive() == {}


def test_latency_buckets_tell_two_from_three_milliseconds():
    buckets = {int(2.0 / 0.01): 50, int(3.0 / 0.01): 50}
    assert percentile(buckets, 0.01, 0.50) == pytest.approx(2.01)
    assert percentile(buckets, 0.01, 0.99) == pytest.approx(3.01)


@pytest.mark.parametrize(
    ("text", "seconds"), [("30", 30), ("30s", 30), ("2m", 120), ("1h", 3600), ("1.5s", 1.5)]
)
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "soon", "10x", "0", "-5s"])
def test_bad_durations(text):
    with pytest.raises(BadInput, match="--duration"):
        parse_duration(text)


def test_mix():
    assert parse_mix("read=80,write=20") == (80, 20)
    for bad in ("80,20", "read=80", "read=a,write=1", "read=0,write=0", "read=1,write=1,x=2"):
        with pytest.raises(BadInput, match="--mix"):
            parse_mix(bad)


def test_a_port_in_use_is_one_clear_line(own_processes):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [SCRIPT, "load", "--server-port", str(port), "--duration", "1s", "--rows", "10"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 3
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("roadbench: error: the target app server failed to start")
    assert "in use" in lines[-1]
    assert "Traceback" not in result.stderr
    assert own_processes.alive() == {}


def test_bad_load_input_is_exit_2():
    for args in (
        ["--mix", "lots"],
        ["--duration", "forever"],
        ["--users", "0"],
        ["--server", "runserver"],
    ):
        result = subprocess.run([SCRIPT, "load", *args], capture_output=True, text=True, timeout=60)
        assert result.returncode == 2, args
        assert result.stderr.count("\n") == 1, result.stderr


def test_without_the_extra_a_clear_message():
    code = (
        "import importlib.util, sys\n"
        "real = importlib.util.find_spec\n"
        "importlib.util.find_spec = lambda name, *a: None if name == 'locust' else real(name, *a)\n"
        "from roadbench.cli.app import main\n"
        "main(['load', '--duration', '1s'])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "roadbench: error: load testing needs Locust and waitress: pip install 'roadbench[load]'"
    )


def test_a_server_that_cannot_start_is_reported(own_processes):
    # An address this machine does not have (TEST-NET-3): the server cannot bind it, and no
    # packet is ever sent there.
    settings = LoadSettings(users=1, duration_s=1, rows=10, server_host="203.0.113.1")
    with pytest.raises(
        DatabaseUnavailable, match=r"failed to start: cannot listen on 203\.0\.113\.1"
    ):
        run_load([1], settings)
    assert own_processes.alive() == {}


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=str)
def test_a_signal_during_a_load_run_stops_every_process(own_processes, signum):
    """Ctrl-C, SIGTERM and SIGHUP (a closed terminal) stop the run and everything it started."""
    proc = subprocess.Popen(
        [SCRIPT, "load", "--duration", "60s", "--users", "2", "--rows", "50"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=default_stop_signals,
    )
    code, err = signal_once_started(proc, signum, SERVER, LOCUST)
    assert code == 130, err
    assert "Traceback" not in err
    assert own_processes.alive() == {}


SLEEPER = [sys.executable, "-c", "import time; time.sleep(600)"]


def _signal_the_parent() -> None:
    os.kill(os.getppid(), signal.SIGHUP)


@pytest.fixture
def sighup_at_default():
    """SIGHUP at its default in this process for the test: under ``nohup`` the suite inherits
    it ignored, and roadbench rightly keeps an inherited ignore (so the signal did nothing)."""
    previous = signal.signal(signal.SIGHUP, signal.SIG_DFL)
    try:
        yield
    finally:
        signal.signal(signal.SIGHUP, previous)


def test_a_signal_while_a_child_starts_still_stops_the_child(own_processes, sighup_at_default):
    """The signal lands inside Popen, after the fork (the child sends it before its exec):
    Popen must not be cut short, or nobody would know the child's pid."""
    with (
        pytest.raises(KeyboardInterrupt),
        signals_as_interrupt(),
        ChildProcesses() as children,
        children.process(SLEEPER, preexec_fn=_signal_the_parent),
    ):
        pytest.fail("the signal should have ended the run as the child's block began")
    assert len(children.started) == 1
    assert own_processes.alive() == {}


def test_a_child_whose_block_never_began_is_stopped_with_the_run(own_processes):
    """As when an interrupt lands inside ``__enter__``, after the child started: the block's
    generator, kept alive by the interrupt's traceback, never runs its ``finally``."""
    with ChildProcesses() as children:
        starting = children.process(SLEEPER)
        proc = starting.__enter__()
        assert proc.poll() is None
    assert proc.returncode == -signal.SIGTERM
    assert own_processes.alive() == {}
    del starting
