"""What an HTML report shows beside a saved file: the statements of ``roadbench queries
--json`` (a saved run keeps query counts, not SQL) and pyinstrument's HTML profiles."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from roadbench.errors import BadInput

# pyinstrument's HTML of one profile is about 1.5 MB; a file far beyond is not one.
MAX_PROFILE_BYTES = 50 * 1024 * 1024


def load_statements(path: Path) -> list[dict[str, Any]]:
    """The cases of a file saved from ``roadbench queries --json``, each with its statements
    grouped by fingerprint; anything else is ``BadInput`` with one line."""
    from roadbench.reports.saved import load_json

    data = load_json(path)
    if data.get("kind") != "queries":
        raise BadInput(
            f"--queries {path}: holds a {data.get('kind', 'run')!r} result; this needs the "
            "output of roadbench queries --json"
        )
    cases = data.get("cases")
    if not isinstance(cases, list) or not cases:
        raise BadInput(f"--queries {path}: no case at all")
    for index, case in enumerate(cases):
        if not isinstance(case, dict) or not isinstance(case.get("fingerprints", []), list):
            raise BadInput(f"--queries {path}: cases[{index}] is not a case of queries --json")
        for number, shape in enumerate(case.get("fingerprints", [])):
            if not isinstance(shape, dict) or not isinstance(shape.get("count", 0), int):
                raise BadInput(
                    f"--queries {path}: cases[{index}].fingerprints[{number}] is not a statement"
                )
    return cases


def load_profile(path: Path) -> tuple[str, str]:
    """(its file name, its HTML) of a profile written by ``roadbench profile --html``."""
    try:
        if path.stat().st_size > MAX_PROFILE_BYTES:
            raise BadInput(f"--profile {path}: larger than {MAX_PROFILE_BYTES // 2**20} MiB")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadInput(f"--profile {path}: no such file") from None
    except IsADirectoryError:
        raise BadInput(f"--profile {path}: is a directory") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"--profile {path}: cannot read it ({exc})") from None
    if "<html" not in text[:2000].lower():
        raise BadInput(f"--profile {path}: not an HTML page (made by roadbench profile --html)")
    return path.name, text
