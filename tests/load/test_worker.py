"""``roadbench load-worker``: it gives up on a master that is not there, stops at --max-time
with exit 0, and stops its Locust on SIGTERM and SIGHUP."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from roadbench.load.runner import LOCUST_MASTER_LOST, LOCUST_NO_MASTER, WorkerStderrRelay
from tests.helpers import default_stop_signals
from tests.load.conftest import signal_once_started

pytest.importorskip("waitress")
SCRIPT = str(Path(sys.executable).parent / "roadbench")
LOCUST = "roadbench.load.locust_process"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def worker(port: int, *args: str) -> list[str]:
    return [SCRIPT, "load-worker", "--master-host", "127.0.0.1", "--master-port", str(port), *args]


def test_no_master_is_one_line_and_exit_3(own_processes):
    port = free_port()
    result = subprocess.run(
        worker(port, "--master-wait", "1s"), capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 3, result.stderr
    assert result.stderr == (
        f"roadbench: error: no Locust master listens at 127.0.0.1:{port} (waited 1 s): start "
        "`roadbench load --master` there, or check --master-host and --master-port\n"
    )
    assert own_processes.alive() == {}


def test_a_host_that_does_not_resolve_is_exit_3():
    result = subprocess.run(
        [SCRIPT, "load-worker", "--master-host", "no-such-host.invalid", "--master-wait", "1s"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 3, result.stderr
    assert result.stderr.startswith("roadbench: error: --master-host 'no-such-host.invalid': ")
    assert result.stderr.count("\n") == 1


def test_max_time_stops_the_worker_with_exit_0(own_processes, listener):
    result = subprocess.run(
        worker(listener, "--max-time", "2s"), capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[-1] == (
        "roadbench: --max-time reached (2 s): the worker stopped"
    )
    assert own_processes.alive() == {}


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=str)
def test_sigterm_and_sighup_stop_the_worker_and_its_locust(own_processes, listener, signum):
    proc = subprocess.Popen(
        worker(listener),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=default_stop_signals,  # a suite under nohup would pass SIGHUP on ignored
    )
    code, err = signal_once_started(proc, signum, LOCUST)
    assert code == 130, err
    assert "Traceback" not in err
    assert own_processes.alive() == {}


@pytest.mark.parametrize(
    ("line", "noticed"),
    [
        # What Locust's worker logs (then exits 0) 60 s after its master's last heartbeat.
        (f"host/ERROR/locust.runners: {LOCUST_MASTER_LOST} in over 60s", "master_lost"),
        # ... and (then exits 255) after 5 minutes of knocking at something that is no master.
        (f"host/ERROR/locust.main: {LOCUST_NO_MASTER}: ", "never_connected"),
    ],
)
def test_the_worker_notices_what_locust_says_of_its_master(line, noticed):
    proc = subprocess.Popen(
        [sys.executable, "-c", f"import sys; print({line!r}, file=sys.stderr)"],
        stderr=subprocess.PIPE,
        text=True,
    )
    relay = WorkerStderrRelay(proc)
    proc.wait()
    relay.join()
    assert (relay.master_lost, relay.never_connected) == (
        noticed == "master_lost",
        noticed == "never_connected",
    )
