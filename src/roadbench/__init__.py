"""roadbench: profile the Django ORM on three ways to model road sub-classes."""

from __future__ import annotations

from roadbench.scenario import scenario

__version__ = "0.1.0"
__all__ = ["__version__", "scenario"]
