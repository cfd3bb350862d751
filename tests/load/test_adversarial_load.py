"""Adversarial inputs to ``roadbench load`` and ``load-worker``: each is refused before any work
with exit code 2 and one line on stderr that names the flag the user typed."""

from __future__ import annotations

import pytest

from roadbench.cli.app import main

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
