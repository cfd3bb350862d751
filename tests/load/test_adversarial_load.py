"""Adversarial inputs to ``roadbench load`` and ``load-worker``: each is refused before any work
with exit code 2 and one line on stderr that names the flag the user typed."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from roadbench.cli.app import main
from roadbench.designs import OPTIONS

pytest.importorskip("waitress")

LOAD = [
    (["--master-port", "70000"], "--master-port"),
    (["--master-port", "0"], "--master-port"),
    (["--master-port", "-1"], "--master-port"),
    (["--server-port", "70000"], "--server-port"),
    (["--server-port", "-1"], "--server-port"),
    (["--server-host", ""], "--server-host"),
    (["--server-host", "  "], "--server-host"),
    (["--master-bind-host", ""], "--master-bind-host"),
    (["--worker-wait", "-5"], "--worker-wait"),
    (["--worker-wait", "0"], "--worker-wait"),  # Locust's 0 would mean "wait forever"
    (["--worker-wait", "nan"], "--worker-wait"),
    (["--spawn-rate", "nan"], "--spawn-rate"),
    (["--spawn-rate", "inf"], "--spawn-rate"),
    (["--spawn-rate", "-inf"], "--spawn-rate"),
    (["--spawn-rate", "0"], "--spawn-rate"),
    (["--spawn-rate", "-2"], "--spawn-rate"),
    (["--duration", "0.4"], "--duration"),  # was Locust's --run-time 0s: unbounded
    (["-t", "0.4s"], "--duration"),
    (["--duration", "1.5s"], "--duration"),  # Locust counts whole seconds
    (["--duration", "0"], "--duration"),
    (["--duration", "-5s"], "--duration"),
    (["--duration", "nan"], "--duration"),
    (["--duration", "inf"], "--duration"),
    (["--duration", "9" * 400], "--duration"),
    (["--duration", "100000h"], "--duration"),
    (["--duration", ""], "--duration"),
    (["--users", "0"], "--users"),
    (["--users", "-3"], "--users"),
    (["--threads", "0"], "--threads"),
    (["--rows", "1"], "--rows"),
    (["--mix", "lots"], "--mix"),
    (["--mix", "read=0,write=0"], "--mix"),
    (["--server", "runserver"], "--server"),
    (["--master", "--expect-workers", "0"], "--expect-workers"),
    (["--option", "42"], "option 42"),  # the message every command gives for an option
]
LOAD_WORKER = [
    (["--master-host", ""], "--master-host"),
    (["--master-host", " "], "--master-host"),
    (["--master-host", "127.0.0.1", "--master-port", "70000"], "--master-port"),
    (["--master-host", "127.0.0.1", "--master-port", "0"], "--master-port"),
    (["--master-host", "127.0.0.1", "--max-time", "0"], "--max-time"),
    (["--master-host", "127.0.0.1", "--max-time", "nan"], "--max-time"),
    (["--master-host", "127.0.0.1", "--max-time", "soon"], "--max-time"),
    (["--master-host", "127.0.0.1", "--master-wait", "-5"], "--master-wait"),
    (["--master-host", "127.0.0.1", "--master-wait", "inf"], "--master-wait"),
]


def exit_code_and_stderr(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    return exited.value.code, capsys.readouterr().err  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("argv", "flag"),
    [(["load", *args], flag) for args, flag in LOAD]
    + [(["load-worker", *args], flag) for args, flag in LOAD_WORKER],
    ids=lambda value: " ".join(value) if isinstance(value, list) else None,
)
def test_refused_with_one_line_naming_the_flag(argv, flag, capsys):
    code, err = exit_code_and_stderr(argv, capsys)
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith("roadbench: error: "), err
    assert flag in err
    assert "internal error" not in err and "Traceback" not in err


# --- issue 19, item 5: load serves every design, or exits 4 with the reason before it starts --

# Users start at once (a spawn rate of 1 could start the only user as the second ends).
QUICK = ["-u", "2", "-r", "10", "-t", "2s", "-n", "20", "--json"]


def served(stdout: str) -> dict[int, tuple[int, int]]:
    """Each option's (requests, failures), from load --json."""
    return {o["option"]: (o["requests"], o["failures"]) for o in json.loads(stdout)["options"]}


def load(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """``roadbench load ARGS`` in this process: exit code, stdout, stderr."""
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        main(["load", *args])
    out = capsys.readouterr()
    return exited.value.code, out.out, out.err  # type: ignore[return-value]


def test_the_contenttypes_designs_are_served(database_url, own_processes, capsys):
    # -o 6 and -o 9 were internal errors ("no such table: django_content_type"; on PostgreSQL
    # exit 3 "cannot create roadbench's tables"); numbers and keys mixed were refused.
    url = ["-d", database_url] if database_url else []
    code, out, err = load(capsys, "-o", "6,generic-fk", *QUICK, *url)
    assert code == 0, err
    results = served(out)
    assert list(results) == [6, 9]
    assert all(requests > 0 and failures == 0 for requests, failures in results.values()), results
    assert own_processes.alive() == {}


def test_all_serves_every_design_that_can_run_here(own_processes, capsys):
    # -o all was refused ("unknown option all") though the help offers it.
    code, out, err = load(capsys, "-o", "all", *QUICK)
    assert code == 0, err
    runnable = [n for n, o in OPTIONS.items() if not o.unavailable]
    results = served(out)
    assert list(results) == runnable and {6, 9} <= set(results)
    assert all(requests > 0 and failures == 0 for requests, failures in results.values()), results
    for number, option in OPTIONS.items():
        if option.unavailable:  # listed as left out, with its reason, not silently dropped
            assert f"option {number} is left out: {option.unavailable}" in err
    assert own_processes.alive() == {}


@pytest.mark.skipif(not OPTIONS[10].unavailable, reason="option 10 runs under this Django")
@pytest.mark.parametrize("option", ["10", "1,db-cascade"])
def test_a_design_that_cannot_run_here_is_exit_4_before_anything_starts(
    option, own_processes, capsys
):
    # Was an internal error (AttributeError), after the database had been made.
    code, out, err = load(capsys, "-o", option, *QUICK)
    assert code == 4, err
    assert out == ""
    # One line: no "target app ... on" notice, so no server (nor Locust) was started.
    assert err.count("\n") == 1, err
    assert err.startswith("roadbench: error: option 10 cannot be load-tested: needs Django")
    assert own_processes.alive() == {}


def test_a_plugins_design_is_served(tmp_path, own_processes):
    # The server process loaded no --plugin module: its URLs lacked the design (HTTP 404,
    # an internal error).
    (tmp_path / "rb_load_plugin.py").write_text(
        "from dataclasses import replace\n"
        "from roadbench.models import OPTIONS\n"
        "OPTION = replace(OPTIONS[3], number=170, key='mine', name='a copy of option 3')\n"
    )
    path = [str(tmp_path), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path)}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "roadbench",
            "--plugin",
            "rb_load_plugin",
            "load",
            "-o",
            "mine",
            *QUICK,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    requests, failures = served(done.stdout)[170]
    assert requests > 0 and failures == 0
    assert own_processes.alive() == {}


def test_a_users_empty_sqlite_file_is_not_left_in_wal_mode(tmp_path, own_processes, capsys):
    # The load test's server runs SQLite in WAL mode (readers beside the writer); the user's
    # file stayed in WAL mode after the run.
    mine = tmp_path / "mine.sqlite3"
    mine.touch()
    code, out, err = load(capsys, "-o", "1", *QUICK, "-d", f"sqlite:///{mine}")
    assert code == 0, err
    assert served(out)[1][1] == 0
    assert mine.read_bytes()[18] == 1  # the header's write version: 1 rollback journal, 2 WAL
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.sqlite3"]
    assert own_processes.alive() == {}
