"""Kept so plugins written for roadbench 0.2 still import: use ``roadbench.designs.base``."""

from __future__ import annotations

from roadbench.designs.base import *  # noqa: F403
