"""The designs' old home, kept so plugins written for roadbench 0.2 still import: use
``roadbench.designs`` (the registry) and ``roadbench.designs.base`` (``RoadOption``).

Django imports this module as the ``roadbench`` app's models module while it sets up, before
the designs may load: names resolve on first use (PEP 562), not on import.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    import roadbench.designs

    return getattr(roadbench.designs, name)
