"""The signal guards of roadbench.database.lifecycle, with real signals sent to this process:
a cleanup under ``signals_held`` runs to its end whichever thread the kernel hands a signal
to, and the signal then acts as it would have."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator

import pytest

from roadbench.database import signals_as_interrupt, signals_deferred, signals_held


@pytest.fixture
def noted() -> Iterator[list[object]]:
    """SIGTERM's handler notes it in the list (the previous handler is back afterwards)."""
    events: list[object] = []
    previous = signal.signal(signal.SIGTERM, lambda signum, _frame: events.append(signum))
    yield events
    signal.signal(signal.SIGTERM, previous)


def a_moment_of_python() -> None:
    """Time and bytecode for the interpreter to run any pending handler."""
    deadline = time.monotonic() + 0.2
    while time.monotonic() < deadline:
        time.sleep(0.01)


@pytest.mark.parametrize("to_another_thread", [False, True], ids=["this-thread", "other-thread"])
def test_a_signal_during_the_held_block_acts_after_it(noted, to_another_thread):
    # A second thread that does not block anything, as Rich's progress bar's refresh thread.
    release = threading.Event()
    other = threading.Thread(target=release.wait, args=(10,), daemon=True)
    other.start()
    try:
        with signals_held():
            target = other.ident if to_another_thread else threading.main_thread().ident
            assert target is not None
            signal.pthread_kill(target, signal.SIGTERM)
            a_moment_of_python()
            noted.append("cleanup finished")
        noted.append("after the block")
    finally:
        release.set()
        other.join()
    assert noted == ["cleanup finished", signal.SIGTERM, "after the block"]


def test_the_handlers_and_the_mask_are_as_before_after_the_block(noted):
    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    with signals_held():
        pass
    assert {s: signal.getsignal(s) for s in before} == before
    assert not signal.pthread_sigmask(signal.SIG_BLOCK, []) & {signal.SIGTERM, signal.SIGINT}
    signal.raise_signal(signal.SIGTERM)
    a_moment_of_python()
    assert noted == [signal.SIGTERM]


def test_two_signals_of_one_kind_act_once_after_the_block(noted):
    with signals_held():
        signal.raise_signal(signal.SIGTERM)
        signal.raise_signal(signal.SIGTERM)
        a_moment_of_python()
        assert noted == []
    assert noted == [signal.SIGTERM]


@pytest.mark.parametrize("guard", [signals_as_interrupt, signals_held, signals_deferred])
def test_an_ignored_signal_stays_ignored(guard):
    # Under nohup SIGHUP is ignored: a closed terminal must not stop the run. Before, it was
    # turned into KeyboardInterrupt (exit 130, "interrupted") like any other.
    previous = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        with guard():
            assert signal.getsignal(signal.SIGHUP) == signal.SIG_IGN
            signal.raise_signal(signal.SIGHUP)
            a_moment_of_python()
        a_moment_of_python()
        assert signal.getsignal(signal.SIGHUP) == signal.SIG_IGN
    finally:
        signal.signal(signal.SIGHUP, previous)


def test_a_nested_block_leaves_the_enclosing_one_held(noted):
    def blocked() -> set[int]:
        return set(signal.pthread_sigmask(signal.SIG_BLOCK, []))

    with signals_held():
        with signals_held():
            signal.raise_signal(signal.SIGTERM)
        assert signal.SIGTERM in blocked()  # the inner block's end did not unblock it
        a_moment_of_python()
        noted.append("outer cleanup finished")
    assert signal.SIGTERM not in blocked()
    assert noted == ["outer cleanup finished", signal.SIGTERM]


FINALIZER_SWALLOWS = """
import gc, os, signal, sys, time, weakref
from roadbench.signals import interrupt_on_stop_signals

interrupt_on_stop_signals()


class Thing:
    pass


thing = Thing()
# The signal comes while a finalizer runs (as during the gc.collect() before each timed value):
# Python prints an exception raised there as "Exception ignored" and carries on.
weakref.finalize(thing, os.kill, os.getpid(), signal.SIGTERM)
try:
    del thing
    gc.collect()
    for _ in range(1000):  # ten seconds at most for the signal to come back
        time.sleep(0.01)
    print("carried on")
except KeyboardInterrupt as exc:
    print("interrupted", exc)
"""


def test_a_signal_that_lands_in_a_finalizer_still_interrupts():
    """An interrupt raised inside a finalizer is swallowed by Python; it is sent again, so it
    lands outside: SIGTERM during a run inside a project was lost this way (exit 0, the run
    went on to its end)."""
    import subprocess
    import sys

    from tests.helpers import default_stop_signals

    done = subprocess.run(
        [sys.executable, "-c", FINALIZER_SWALLOWS],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=default_stop_signals,
    )
    assert done.stdout == "interrupted SIGTERM\n", done.stderr
    assert "Exception ignored" not in done.stderr
