"""The ``roadbench`` command's entry point (the console script and ``python -m roadbench``).

It takes over Ctrl-C, SIGTERM and SIGHUP before it imports anything heavy (the CLI's imports
take about half a second): a signal at any instant then ends the run with exit 130 and one
line, never a silent -15 or a traceback.
"""

from __future__ import annotations

import sys

from roadbench.signals import interrupt_on_stop_signals, stop_signals_done

INTERRUPTED = 130


def main(argv: list[str] | None = None) -> None:
    interrupt_on_stop_signals()
    try:
        try:
            from roadbench.cli.app import main as cli_main
        except KeyboardInterrupt:
            sys.stderr.write("roadbench: error: interrupted\n")
            sys.exit(INTERRUPTED)
        cli_main(argv)
    finally:
        stop_signals_done()  # its line is said: a signal now cannot add a traceback or -2
