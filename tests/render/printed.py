"""What a user reads: a real ``roadbench`` command's stdout at a console width."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = str(Path(sys.executable).parent / "roadbench")


def printed(*args: str, columns: int, env: dict[str, str] | None = None) -> str:
    """``roadbench ARGS`` in a subprocess at ``columns`` without colour; it must succeed."""
    done = subprocess.run(
        [SCRIPT, *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "COLUMNS": str(columns), "NO_COLOR": "1", **(env or {})},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout
