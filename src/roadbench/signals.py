"""Ctrl-C, SIGTERM and SIGHUP: one rule for the whole process, from its first instant.

The console script installs ``interrupt_on_stop_signals`` before it imports anything heavy:
the first stop signal raises KeyboardInterrupt (exit 130 and one line, said by the CLI), and
every later one is ignored, so a second Ctrl-C cannot cut a cleanup short or print a
traceback. ``signals_as_interrupt`` applies the same rule to a block (in-process callers),
sharing the "already raised" state with any enclosing one. Only the standard library here:
the entry point imports this module first.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported where used: the entry point takes the signals before it loads
    import subprocess

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
# A child asked to stop gets this long to clean up (its throwaway database) before SIGKILL.
CHILD_STOP_S = 30
# A stop signal a finalizer swallowed is sent again after this long (see _interrupt_swallowed).
RESEND_AFTER_S = 0.01


class _Interrupts:
    """How many ``signals_as_interrupt`` blocks (or the entry point's rule) are active, and
    whether their one KeyboardInterrupt was raised. Shared: a signal that comes after an
    inner block raised, while the interrupt travels to the outer one, is not raised again."""

    active = 0
    raised = False
    signum = 0  # the signal the interrupt was raised for


def _interrupt_once(signum: int, _frame: object) -> None:
    if not _Interrupts.raised:
        _Interrupts.raised = True
        _Interrupts.signum = signum
        raise KeyboardInterrupt(signal.Signals(signum).name)


_previous_unraisable_hook = sys.unraisablehook


def _interrupt_swallowed(unraisable: Any) -> None:
    """An interrupt raised while a finalizer ran (a weakref callback or ``__del__``, as during
    ``gc.collect()``) is printed as "Exception ignored" and lost, and the run went on to its
    end: the signal is sent again instead, from another thread a moment later, to land after
    the finalizer (and this hook), where it interrupts; in another finalizer, this again."""
    if (
        isinstance(unraisable.exc_value, KeyboardInterrupt)
        and _Interrupts.raised
        and _Interrupts.signum
        and signal.getsignal(_Interrupts.signum) is _interrupt_once
    ):
        _Interrupts.raised = False
        signum = _Interrupts.signum
        threading.Thread(target=_send_again, args=(signum,), daemon=True).start()
        return
    _previous_unraisable_hook(unraisable)


def _send_again(signum: int) -> None:
    time.sleep(RESEND_AFTER_S)
    os.kill(os.getpid(), signum)


def _catch_swallowed_interrupts() -> None:
    if sys.unraisablehook is not _interrupt_swallowed:
        sys.unraisablehook = _interrupt_swallowed


def interrupt_on_stop_signals() -> None:
    """For the rest of the process: the first stop signal raises KeyboardInterrupt, later
    ones do nothing. A signal the process was started ignoring stays ignored (``nohup``)."""
    _Interrupts.active += 1
    _catch_swallowed_interrupts()
    for signum in STOP_SIGNALS:
        if signal.getsignal(signum) != signal.SIG_IGN:
            signal.signal(signum, _interrupt_once)


def stop_signals_done() -> None:
    """The process is ending, its last line said: from now on a stop signal does nothing.
    Ignored, not just noted: Python puts the default action back while it shuts down, and a
    second Ctrl-C then ended the process with -2 after its 130 line."""
    _Interrupts.raised = True
    for signum in STOP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)
    _forget_interrupts_left_in_exec()


def _forget_interrupts_left_in_exec() -> None:
    """CPython (3.11 to 3.13 at least) notes in a process-wide flag every KeyboardInterrupt
    that leaves an ``exec`` or ``eval`` of a string, even one caught later: a stop signal
    that lands in code a dataclass or a namedtuple has made so, as while Django loads. Under
    ``python -m`` the interpreter then ends itself with SIGINT at exit: -2 after the run's
    exit-130 line, no traceback, about one Ctrl-C in ten during start-up. Every ``exec`` of
    a string clears the flag as it starts; the stop signals are ignored from here on, so no
    interrupt can set it again."""
    exec("")


@contextlib.contextmanager
def _stop_signals_handled_by(handler: Callable[[int, object], None]) -> Iterator[None]:
    """``handler`` for Ctrl-C, SIGTERM and SIGHUP in the block, the previous ones after it.

    A signal the process was started ignoring stays ignored: under ``nohup`` a closed
    terminal's SIGHUP must not stop the run (as Python itself leaves an ignored SIGINT be).
    """
    previous = {
        signum: signal.signal(signum, handler)
        for signum in STOP_SIGNALS
        if signal.getsignal(signum) != signal.SIG_IGN
    }
    try:
        yield
    finally:
        for signum, earlier in previous.items():
            signal.signal(signum, earlier)


@contextlib.contextmanager
def signals_as_interrupt() -> Iterator[None]:
    """Ctrl-C, SIGTERM and SIGHUP (a closed terminal) raise KeyboardInterrupt, once: a second
    signal while the first one's cleanup runs is ignored, so it cannot cut the cleanup short."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _Interrupts.active += 1
    _catch_swallowed_interrupts()
    try:
        with _stop_signals_handled_by(_interrupt_once):
            yield
    finally:
        _Interrupts.active -= 1
        if not _Interrupts.active:
            _Interrupts.raised = False  # the next outermost block raises again


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Hold Ctrl-C, SIGTERM and SIGHUP while cleaning up, so no signal can leave debris; a
    signal that came meanwhile acts after the block, as it would have.

    Blocking them in this thread is not enough: the kernel may hand a signal to another
    thread (Rich's progress bar runs one), and Python then runs its handler in this thread
    all the same, mid-cleanup. So the handlers only note the signal until the block ends.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    try:
        with _stop_signals_handled_by(lambda signum, _frame: caught.append(signum)):
            mask = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
            try:
                yield
            finally:
                # The mask as it was (an enclosing block keeps its own); unblocking runs the
                # noting handler for a signal still pending here.
                signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    finally:
        for held in dict.fromkeys(caught):
            signal.raise_signal(held)  # the handler restored above, here


@contextlib.contextmanager
def signals_deferred() -> Iterator[None]:
    """Ctrl-C, SIGTERM and SIGHUP wait until the block has ended, then act as they would have.

    For a step that must not be cut in two, such as starting a child process and noting it.
    ``signals_held`` cannot serve there: a child inherits the blocked signals across exec, and
    the block covers only this thread, while the kernel may hand the signal to another thread
    (Python then runs its handler in this one all the same).
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # the handlers run in the main thread: nothing can cut this thread's step
        return
    caught: list[int] = []
    try:
        with _stop_signals_handled_by(lambda signum, _frame: caught.append(signum)):
            yield
    finally:
        for held in caught:
            signal.raise_signal(held)  # runs the handler restored above, here


def run_child(
    argv: list[str], *, input: str | None = None, timeout: float | None = None, **kwargs: Any
) -> subprocess.CompletedProcess[str]:
    """``subprocess.run`` for a child that must end with this process: on an interrupt (or any
    error) it gets SIGTERM, time to clean up (a roadbench child removes its throwaway
    database), then SIGKILL; ``subprocess.run`` would kill it outright a quarter second after
    Ctrl-C, and SIGTERM to this process left it running as an orphan."""
    import subprocess

    proc = None
    try:
        with signals_deferred():  # the child's pid is known before any signal acts
            proc = subprocess.Popen(
                argv,
                stdin=subprocess.PIPE if input is not None else None,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                **kwargs,
            )
        out, err = proc.communicate(input, timeout=timeout)
    except BaseException:
        if proc is not None:
            with signals_held():
                stop_child(proc)
        raise
    return subprocess.CompletedProcess(argv, proc.returncode, out, err)


def stop_child(proc: subprocess.Popen[str]) -> None:
    """SIGTERM, up to ``CHILD_STOP_S`` to end, then SIGKILL; reaped either way."""
    import subprocess

    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=CHILD_STOP_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()
