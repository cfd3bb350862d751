"""The command line: parses, calls the library (``roadbench.api``), renders, maps errors to
exit codes; nothing else."""

from __future__ import annotations

from roadbench.cli.app import app, main

__all__ = ["app", "main"]
